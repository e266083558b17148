# ct-lib.sh: the constant-time check of the lattice modules under valgrind
# memcheck, shared by 10-mlkem-ct.sh and 11-mldsa-ct.sh. A scenario sets
#   CT_NAME      its name, for messages (10-mlkem-ct)
#   CT_MODULE    the module (mlkem): src/CT_MODULE.c, build/obj/CT_MODULE.o
#   CT_RESULTS   how many "results ok" lines build/tests/ct_CT_MODULE prints
#   CT_SECRETS   what the checker marks secret, for messages
#   CT_BROKEN    what -DHL_..._CT_BROKEN plants, for messages
#   CT_NODECL_FN the function the no-declassify build must be flagged in
#   CT_NODECL_BY (optional) a caller that must be on that report's stack
#   CT_NODECL_WHY what that proves, for messages
# then sources this file and calls ct_run. The steps:
#  1. build/tests/ct_M under valgrind with the secrets marked undefined:
#     must report no error at all.
#  2. build/tests/ct_M_broken (mk/M.mk: one planted branch on a secret):
#     valgrind MUST report a "Conditional jump or move depends on
#     uninitialised value" in M.c.
#  3. build/tests/ct_M_nodeclassify (mk/M.mk: rho, derived from a secret
#     seed by OpenSSL's SHA-3, is not declassified): valgrind MUST flag
#     CT_NODECL_FN, proving secret taint survives libcrypto's SHA-3, so the
#     hash-derived secrets are really under test.
#  4. build/obj/M.o contains no div/idiv instruction (valgrind cannot see
#     variable-time division; KyberSlash was a division by q).
# Needs $HOTLINE_BUILD and $HOTLINE_ROOT (set by scripts/run-tests.sh).
# valgrind is a declared dependency: missing valgrind is a failure.
set -u
root=${HOTLINE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
build=${HOTLINE_BUILD:-$root/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "$CT_NAME: FAIL: $*"; exit 1; }

# ct_flagged NAME BIN WHY: BIN under valgrind (log $tmp/NAME.vg) must fail
# with a conditional-jump report; WHY is what passing would mean. Uses
# ct_run's vg.
ct_flagged() {
	"${vg[@]}" --log-file="$tmp/$1.vg" "$2" >"$tmp/$1.out" 2>&1 &&
		fail "$1 build passed valgrind: $3"
	grep -q 'Conditional jump or move depends on uninitialised value' "$tmp/$1.vg" ||
		fail "$1 build: expected a conditional-jump report"
}

ct_run() {
	local m=$CT_MODULE good broken nodecl obj rc where pat vg supp
	command -v valgrind >/dev/null 2>&1 ||
		fail "valgrind not installed (declared dependency; scripts/install-deps.sh)"
	good=$build/tests/ct_$m
	broken=$build/tests/ct_${m}_broken
	nodecl=$build/tests/ct_${m}_nodeclassify
	obj=$build/obj/$m.o
	for f in "$good" "$broken" "$nodecl" "$obj"; do
		[ -e "$f" ] || fail "$f missing (make all)"
	done
	if [ -n "${HOTLINE_SANITIZER_RUN:-}" ]; then
		echo "ok - SKIPPED: $CT_NAME under $HOTLINE_SANITIZER_RUN: valgrind needs plain builds, and the plain run (make test) checks the same ones"
		exit 77
	fi

	# Sanitizer builds cannot run under valgrind: rebuild plain copies.
	if nm "$good" 2>/dev/null | grep -q '__asan_init\|__ubsan_handle\|__tsan_init'; then
		echo "$CT_NAME: $build is a sanitizer build; rebuilding plain copies in $tmp"
		make -s -C "$root" BUILD="$tmp/b" SANITIZER= "$tmp/b/tests/ct_$m" \
		    "$tmp/b/tests/ct_${m}_broken" "$tmp/b/tests/ct_${m}_nodeclassify" \
		    >"$tmp/make.log" 2>&1 ||
		    { cat "$tmp/make.log"; fail "plain rebuild failed"; }
		good=$tmp/b/tests/ct_$m
		broken=$tmp/b/tests/ct_${m}_broken
		nodecl=$tmp/b/tests/ct_${m}_nodeclassify
	fi

	vg=(valgrind --error-exitcode=1 --track-origins=yes --num-callers=30)
	# M-ct.supp would hold libcrypto-only suppressions if OpenSSL's own
	# SHA-3 were flagged; with OpenSSL 3.0 on Debian 12 none are needed.
	supp=$root/tests/integration/$m-ct.supp
	[ -f "$supp" ] && vg+=(--suppressions="$supp")
	pat='Conditional jump or move depends on uninitialised value|Use of uninitialised value'

	# 1. the real module: no finding anywhere
	echo "$CT_NAME: valgrind memcheck on $good (secrets: $CT_SECRETS)"
	"${vg[@]}" --log-file="$tmp/good.vg" "$good" >"$tmp/good.out" 2>&1
	rc=$?
	cat "$tmp/good.out"
	if [ "$rc" -ne 0 ] || grep -Eq "$pat" "$tmp/good.vg"; then
		cat "$tmp/good.vg"
		if grep -A30 -E "$pat" "$tmp/good.vg" | grep -q "$m\.c"; then
			fail "secret-dependent branch or address inside $m.c"
		fi
		fail "valgrind reported errors (exit $rc)"
	fi
	[ "$(grep -c 'results ok' "$tmp/good.out")" -eq "$CT_RESULTS" ] ||
		fail "ct_$m results wrong"
	grep 'ERROR SUMMARY' "$tmp/good.vg" | sed "s/^==[0-9]*== /$CT_NAME: good build: /"

	# 2. the broken build: valgrind must see the planted branch in M.c
	echo "$CT_NAME: valgrind memcheck on $broken ($CT_BROKEN)"
	ct_flagged broken "$broken" "the checker is blind"
	grep -A6 'Conditional jump or move depends on uninitialised value' "$tmp/broken.vg" |
		grep -q "$m\.c" ||
		fail "broken build: report does not point into $m.c"
	where=$(grep -A3 'Conditional jump or move depends on uninitialised value' "$tmp/broken.vg" |
		grep -o "[a-z_0-9.]* ($m\.c:[0-9]*)" | sort -u | tr '\n' ' ')
	echo "$CT_NAME: broken build: flagged as expected at: $where"
	grep 'ERROR SUMMARY' "$tmp/broken.vg" | sed "s/^==[0-9]*== /$CT_NAME: broken build: /"

	# 3. without the rho declassification, valgrind must flag CT_NODECL_FN
	echo "$CT_NAME: valgrind memcheck on $nodecl (rho not declassified)"
	ct_flagged nodecl "$nodecl" "taint lost in SHA-3, the checker is blind"
	grep -A2 'Conditional jump or move depends on uninitialised value' "$tmp/nodecl.vg" |
		grep -q "$CT_NODECL_FN ($m\.c" ||
		fail "no-declassify build: expected a report in $CT_NODECL_FN"
	if [ -n "${CT_NODECL_BY:-}" ]; then
		grep -A30 'Conditional jump or move depends on uninitialised value' "$tmp/nodecl.vg" |
			grep -q "$CT_NODECL_BY ($m\.c" ||
			fail "no-declassify build: no report under $CT_NODECL_BY"
	fi
	echo "$CT_NAME: no-declassify build: $CT_NODECL_FN flagged as expected ($CT_NODECL_WHY)"

	# 4. no division instruction in the module
	command -v objdump >/dev/null 2>&1 || fail "objdump (binutils) missing"
	if objdump -d --no-show-raw-insn "$obj" | grep -Eq '[[:space:]](div|idiv)[bwlq]?[[:space:]]'; then
		objdump -d --no-show-raw-insn "$obj" | grep -E '[[:space:]](div|idiv)[bwlq]?[[:space:]]'
		fail "division instruction in $obj"
	fi
	echo "$CT_NAME: no div/idiv instruction in $obj"
	echo "$CT_NAME: ok"
}
