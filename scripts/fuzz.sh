#!/usr/bin/env bash
# Build and run every libFuzzer target fuzz/fuzz_<name>.c against the library
# (all src/*.c except the two mains), with ASan + UBSan.
#
# usage: scripts/fuzz.sh [SECONDS]   fuzz each target for SECONDS (default 20)
#        FUZZ_ONLY=label,http scripts/fuzz.sh 60   only those targets
#        scripts/fuzz.sh --replay    run each target once over its seed corpus
#                                    fuzz/corpus/<name>/ and the regression
#                                    inputs tests/vectors/fuzz/<name>/ (no fuzzing)
#        scripts/fuzz.sh --gen-seeds regenerate fuzz/corpus/* from fuzz/gen_corpus.c
#
# Output per target: "fuzz_x: N execs, N exec/s, crashes: N". Exits non-zero
# if any target crashed; crash inputs are kept in build-fuzz/crashes/ (copy one
# to tests/vectors/fuzz/<name>/ once fixed so that --replay keeps checking it).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=build-fuzz
CC_FUZZ=${CC_FUZZ:-clang}
mode=fuzz
seconds=20
case "${1:-}" in
--replay) mode=replay ;;
--gen-seeds) mode=seeds ;;
'') ;;
*[!0-9]*) echo "usage: $0 [SECONDS | --replay | --gen-seeds]" >&2; exit 2 ;;
*) seconds=$1 ;;
esac

pkgs=$(sed -n 's/^PKGS[[:space:]]*=[[:space:]]*//p' Makefile)
pkg_cflags=$(pkg-config --cflags $pkgs 2>/dev/null)
pkg_libs=$(pkg-config --libs $pkgs 2>/dev/null)
# the Makefile's include and warning flags (warnings as errors, as in make all);
# the harnesses' entry points have no prototypes and may drop results
warn=$(make -s --no-print-directory CC="$CC_FUZZ" print-warn-flags) || exit 1
common="-std=c11 -D_GNU_SOURCE -g -O1 -iquote src $pkg_cflags $warn"
harness="-Wno-missing-prototypes -Wno-unused-result"

if [ "$mode" = seeds ]; then
	make -s all || exit 1
	mkdir -p "$out"
	${CC:-cc} -std=c11 -D_GNU_SOURCE -g -O1 -iquote src $pkg_cflags -o "$out/gen_corpus" \
	    fuzz/gen_corpus.c build/libhotline.a $pkg_libs -lm -pthread || exit 1
	mkdir -p fuzz/corpus && "$out/gen_corpus" fuzz/corpus || exit 1
	echo "seeds written to fuzz/corpus/"
	exit 0
fi

if ! command -v "$CC_FUZZ" >/dev/null; then
	echo "fuzz: $CC_FUZZ not found (apt-get install clang)" >&2
	exit 1
fi
mkdir -p "$out/obj" "$out/crashes" "$out/corpus"
# The library, once, instrumented for coverage.
objs=()
for s in src/*.c; do
	case "$s" in src/hotlined.c|src/hotline.c) continue ;; esac
	o="$out/obj/$(basename "$s" .c).o"
	if [ ! -e "$o" ] || [ "$s" -nt "$o" ] || [ -n "$(find src -name '*.h' -newer "$o" | head -1)" ]; then
		$CC_FUZZ $common -fsanitize=fuzzer-no-link,address,undefined -c -o "$o" "$s" || exit 1
	fi
	objs+=("$o")
done
# an archive, so that each target links only the objects it needs
lib="$out/libhotline-fuzz.a"
rm -f "$lib"
ar rcs "$lib" "${objs[@]}" || exit 1

failed=0
for t in fuzz/fuzz_*.c; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .c)
	short=${name#fuzz_}
	# FUZZ_ONLY=a,b: only these targets (names without fuzz_)
	case ",${FUZZ_ONLY:-$short}," in *",$short,"*) ;; *) continue ;; esac
	bin="$out/$name"
	$CC_FUZZ $common $harness -fsanitize=fuzzer,address,undefined -o "$bin" "$t" "$lib" \
	    $pkg_libs -lm -pthread || { echo "$name: build failed"; failed=1; continue; }
	log="$out/$name.log"
	if [ "$mode" = replay ]; then
		inputs=()
		for d in "fuzz/corpus/$short" "tests/vectors/fuzz/$short"; do
			[ -d "$d" ] || continue
			while IFS= read -r -d '' f; do inputs+=("$f"); done \
			    < <(find "$d" -type f -print0)
		done
		if [ ${#inputs[@]} -eq 0 ]; then
			echo "$name: no inputs to replay"
			continue
		fi
		if "$bin" "${inputs[@]}" >"$log" 2>&1; then
			echo "$name: replayed ${#inputs[@]} inputs, crashes: 0"
		else
			echo "$name: replay FAILED (see $log)"
			failed=1
		fi
		continue
	fi
	# fuzz a scratch copy of the seeds so the committed corpus stays small
	work="$out/corpus/$short"
	mkdir -p "$work"
	[ -d "fuzz/corpus/$short" ] && cp -n fuzz/corpus/"$short"/* "$work"/ 2>/dev/null
	dict=()
	[ -f "fuzz/$short.dict" ] && dict=("-dict=fuzz/$short.dict")
	before=$(ls "$out/crashes" | grep -c "^$name-" || true)
	"$bin" "$work" "${dict[@]}" -max_total_time="$seconds" -print_final_stats=1 \
	    -artifact_prefix="$out/crashes/$name-" -timeout=10 -rss_limit_mb=2048 \
	    >"$log" 2>&1
	rc=$?
	after=$(ls "$out/crashes" | grep -c "^$name-" || true)
	execs=$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec:[[:space:]]*//p' "$log" | tail -1)
	crashes=$((after - before))
	if [ $rc -ne 0 ] && [ $crashes -eq 0 ]; then crashes=1; fi
	echo "$name: ${execs:-0} execs, ${rate:-0} exec/s, crashes: $crashes"
	if [ $crashes -ne 0 ]; then
		echo "  log: $log; inputs: $out/crashes/$name-*"
		failed=1
	fi
done
exit $failed
