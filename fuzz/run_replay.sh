#!/bin/sh
# The fuzz tier of make test: each target's replay driver (gcc, ASan + UBSan) over its seed
# corpus fuzz/corpus/NAME and its saved reproducers fuzz/crashes/NAME, without fuzzing.
# Usage: fuzz/run_replay.sh DIR NAME...   (DIR holds replay_NAME). One test per target; a
# target without a corpus, or whose corpus is empty, fails. FUZZ_ASAN and FUZZ_LSAN of fuzz/NAME.options
# (run_fuzz.sh) applies here too.
cd "$(dirname "$0")/.." || exit 1
dir=$1
shift
[ $# -gt 0 ] || { echo "run_replay: no targets"; echo "0 passed, 1 failed"; exit 1; }
pass=0 fail=0
for name in "$@"; do
    set -- "fuzz/corpus/$name"
    [ -d "fuzz/crashes/$name" ] && set -- "$@" "fuzz/crashes/$name"
    FUZZ_ASAN="" FUZZ_LSAN=""
    [ -f "fuzz/$name.options" ] && . "./fuzz/$name.options"
    out=$(ASAN_OPTIONS=detect_leaks=1${FUZZ_ASAN:+:$FUZZ_ASAN} LSAN_OPTIONS=$FUZZ_LSAN "$dir/replay_$name" "$@" 2>&1)
    rc=$?
    n=$(printf '%s\n' "$out" | sed -n 's/^replay: \([0-9]*\) inputs$/\1/p')
    if [ $rc -eq 0 ] && [ "${n:-0}" -gt 0 ]; then
        echo "replay $name: ok, $n inputs"
        pass=$((pass + 1))
    else
        printf '%s\n' "$out" | tail -30
        echo "replay $name: FAILED (exit $rc, ${n:-0} inputs)"
        fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
