#!/usr/bin/env bash
# 10-mlkem-ct: ML-KEM has no secret-dependent branches, addresses or
# divisions (KyberSlash), and the checker would notice if it had.
#  1. build/tests/ct_mlkem under valgrind memcheck with d, z, m and the
#     secret parts of dk marked undefined: must report no error at all.
#  2. build/tests/ct_mlkem_broken (mk/mlkem.mk: -DHL_MLKEM_CT_BROKEN adds one
#     branch on a secret coefficient in decaps): valgrind MUST report a
#     "Conditional jump or move depends on uninitialised value" in mlkem.c.
#  3. build/tests/ct_mlkem_nodeclassify (mk/mlkem.mk: rho, derived from the
#     secret d by OpenSSL's SHA3-512, is not declassified): valgrind MUST flag
#     sample_ntt, proving secret taint survives libcrypto's SHA3, so the
#     hash-derived secrets (sigma, r, K) are really under test.
#  4. build/obj/mlkem.o contains no div/idiv instruction (valgrind cannot see
#     variable-time division; KyberSlash was a division by q).
# Needs $HOTLINE_BUILD and $HOTLINE_ROOT (set by scripts/run-tests.sh).
# valgrind is a declared dependency: missing valgrind is a failure.
set -u
root=${HOTLINE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${HOTLINE_BUILD:-$root/build}
supp=$root/tests/integration/mlkem-ct.supp
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "10-mlkem-ct: FAIL: $*"; exit 1; }

command -v valgrind >/dev/null 2>&1 || fail "valgrind not installed (declared dependency; scripts/install-deps.sh)"
good=$build/tests/ct_mlkem
broken=$build/tests/ct_mlkem_broken
nodecl=$build/tests/ct_mlkem_nodeclassify
obj=$build/obj/mlkem.o
for f in "$good" "$broken" "$nodecl" "$obj"; do
	[ -e "$f" ] || fail "$f missing (make all)"
done

# Sanitizer builds cannot run under valgrind: rebuild plain copies.
if nm "$good" 2>/dev/null | grep -q '__asan_init\|__ubsan_handle\|__tsan_init'; then
	echo "10-mlkem-ct: $build is a sanitizer build; rebuilding plain copies in $tmp"
	make -s -C "$root" BUILD="$tmp/b" SANITIZER= "$tmp/b/tests/ct_mlkem" \
	    "$tmp/b/tests/ct_mlkem_broken" "$tmp/b/tests/ct_mlkem_nodeclassify" \
	    >"$tmp/make.log" 2>&1 ||
	    { cat "$tmp/make.log"; fail "plain rebuild failed"; }
	good=$tmp/b/tests/ct_mlkem
	broken=$tmp/b/tests/ct_mlkem_broken
	nodecl=$tmp/b/tests/ct_mlkem_nodeclassify
fi

vg=(valgrind --error-exitcode=1 --track-origins=yes --num-callers=30)
# mlkem-ct.supp would hold libcrypto-only suppressions if OpenSSL's own SHA3
# were flagged; with OpenSSL 3.0 on Debian 12 none are needed.
[ -f "$supp" ] && vg+=(--suppressions="$supp")

pat='Conditional jump or move depends on uninitialised value|Use of uninitialised value'

# 1. the real module: no finding anywhere
echo "10-mlkem-ct: valgrind memcheck on $good (secrets: d, z, m, dk secret vector and z)"
"${vg[@]}" --log-file="$tmp/good.vg" "$good" >"$tmp/good.out" 2>&1
rc=$?
cat "$tmp/good.out"
if [ "$rc" -ne 0 ] || grep -Eq "$pat" "$tmp/good.vg"; then
	cat "$tmp/good.vg"
	if grep -A30 -E "$pat" "$tmp/good.vg" | grep -q 'mlkem\.c'; then
		fail "secret-dependent branch or address inside mlkem.c"
	fi
	fail "valgrind reported errors (exit $rc)"
fi
[ "$(grep -c 'results ok' "$tmp/good.out")" -eq 2 ] || fail "ct_mlkem results wrong"
grep 'ERROR SUMMARY' "$tmp/good.vg" | sed 's/^==[0-9]*== /10-mlkem-ct: good build: /'

# 2. the broken build: valgrind must see the planted branch in mlkem.c
echo "10-mlkem-ct: valgrind memcheck on $broken (planted secret branch in decaps)"
"${vg[@]}" --log-file="$tmp/broken.vg" "$broken" >"$tmp/broken.out" 2>&1
rc=$?
[ "$rc" -ne 0 ] || fail "broken build passed valgrind: the checker is blind"
grep -q 'Conditional jump or move depends on uninitialised value' "$tmp/broken.vg" ||
	fail "broken build: expected a conditional-jump report"
grep -A6 'Conditional jump or move depends on uninitialised value' "$tmp/broken.vg" |
	grep -q 'mlkem\.c' ||
	fail "broken build: report does not point into mlkem.c"
where=$(grep -A3 'Conditional jump or move depends on uninitialised value' "$tmp/broken.vg" |
	grep -o '[a-z_]* (mlkem\.c:[0-9]*)' | sort -u | tr '\n' ' ')
echo "10-mlkem-ct: broken build: flagged as expected at: $where"
grep 'ERROR SUMMARY' "$tmp/broken.vg" | sed 's/^==[0-9]*== /10-mlkem-ct: broken build: /'

# 3. without the rho declassification, valgrind must flag sample_ntt
echo "10-mlkem-ct: valgrind memcheck on $nodecl (rho not declassified)"
"${vg[@]}" --log-file="$tmp/nodecl.vg" "$nodecl" >"$tmp/nodecl.out" 2>&1
rc=$?
[ "$rc" -ne 0 ] || fail "no-declassify build passed: taint lost in SHA3, checker is blind"
grep -A2 'Conditional jump or move depends on uninitialised value' "$tmp/nodecl.vg" |
	grep -q 'sample_ntt (mlkem\.c' ||
	fail "no-declassify build: expected a report in sample_ntt"
echo "10-mlkem-ct: no-declassify build: sample_ntt flagged as expected (taint of d survives SHA3-512)"

# 4. no division instruction in the module
command -v objdump >/dev/null 2>&1 || fail "objdump (binutils) missing"
if objdump -d --no-show-raw-insn "$obj" | grep -Eq '[[:space:]](div|idiv)[bwlq]?[[:space:]]'; then
	objdump -d --no-show-raw-insn "$obj" | grep -E '[[:space:]](div|idiv)[bwlq]?[[:space:]]'
	fail "division instruction in $obj"
fi
echo "10-mlkem-ct: no div/idiv instruction in $obj"
echo "10-mlkem-ct: ok"
