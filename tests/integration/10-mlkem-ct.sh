#!/usr/bin/env bash
# 10-mlkem-ct: ML-KEM has no secret-dependent branches, addresses or
# divisions (KyberSlash), and the checker would notice if it had
# (ct-lib.sh has the four steps).
#  - build/tests/ct_mlkem marks d, z, m and the secret parts of dk undefined.
#  - build/tests/ct_mlkem_broken (mk/mlkem.mk: -DHL_MLKEM_CT_BROKEN adds one
#    branch on a secret coefficient in decaps) must be flagged in mlkem.c.
#  - build/tests/ct_mlkem_nodeclassify (mk/mlkem.mk: rho, derived from the
#    secret d by OpenSSL's SHA3-512, is not declassified) must be flagged in
#    sample_ntt, proving secret taint survives libcrypto's SHA3, so the
#    hash-derived secrets (sigma, r, K) are really under test.
#  - build/obj/mlkem.o contains no div/idiv instruction.
CT_NAME=10-mlkem-ct
CT_MODULE=mlkem
CT_RESULTS=2
CT_SECRETS="d, z, m, dk secret vector and z"
CT_BROKEN="planted secret branch in decaps"
CT_NODECL_FN=sample_ntt
CT_NODECL_WHY="taint of d survives SHA3-512"
. "$(dirname "$0")/ct-lib.sh"
ct_run
