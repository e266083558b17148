#!/usr/bin/env bash
# 11-mldsa-ct: ML-DSA key generation and signing have no secret-dependent
# branches, addresses or divisions beyond what src/mldsa.c declassifies
# (rho, one accept/reject bit per rejection step, the accepted signature's
# hint), and the checker would notice (ct-lib.sh has the four steps).
#  - build/tests/ct_mldsa marks xi, the whole sk and rnd undefined and signs
#    four messages per parameter set (44, 65, 87), hedged and deterministic,
#    so that rejected iterations are exercised too.
#  - build/tests/ct_mldsa_broken (mk/mldsa.mk: -DHL_MLDSA_CT_BROKEN adds one
#    branch on a coefficient of the secret mask y) must be flagged in
#    mldsa.c.
#  - build/tests/ct_mldsa_nodeclassify (mk/mldsa.mk: rho, the first bytes of
#    SHAKE256(xi || k || l), is not declassified) must be flagged in
#    rej_ntt_poly under keygen_seed, proving the taint of xi survives
#    OpenSSL's SHAKE256, so rho', K, rho'', y and the challenge are really
#    under test.
#  - build/obj/mldsa.o contains no div/idiv instruction.
CT_NAME=11-mldsa-ct
CT_MODULE=mldsa
CT_RESULTS=3
CT_SECRETS="xi, sk (all of it), rnd"
CT_BROKEN="planted branch on the secret mask y in signing"
CT_NODECL_FN=rej_ntt_poly
CT_NODECL_BY=keygen_seed
CT_NODECL_WHY="taint of xi survives SHAKE256"
. "$(dirname "$0")/ct-lib.sh"
ct_run
