#!/bin/sh
# make fuzz: runs each libFuzzer target for SECONDS on its seed corpus, one after the other.
# Usage: fuzz/run_fuzz.sh BUILD_DIR SECONDS RSS_MB TIMEOUT_S NAME...
# Seeds come from fuzz/corpus/NAME (read only); new inputs go to BUILD_DIR/corpus/NAME and
# a crash, leak, timeout or out-of-memory input to BUILD_DIR/crashes/NAME (copy it to
# fuzz/crashes/NAME once fixed: make test replays it). Prints libFuzzer's last status line per
# target, then "N passed, N failed" (a target passes when libFuzzer exits 0).
# fuzz/NAME.options (shell assignments), when present, adds libFuzzer flags (FUZZ_FLAGS, after
# the defaults, so they win) and sanitizer options (FUZZ_ASAN, FUZZ_LSAN) for that target.
cd "$(dirname "$0")/.." || exit 1
build=$1 seconds=$2 rss=$3 timeout=$4
shift 4
[ $# -gt 0 ] || { echo "run_fuzz: no targets"; echo "0 passed, 1 failed"; exit 1; }
pass=0 fail=0
for name in "$@"; do
    corpus=$build/corpus/$name crashes=$build/crashes/$name
    mkdir -p "$corpus" "$crashes"
    [ -d "fuzz/corpus/$name" ] || { echo "run_fuzz: fuzz/corpus/$name is missing"; fail=$((fail + 1)); continue; }
    log=$build/fuzz_$name.log
    FUZZ_FLAGS="" FUZZ_ASAN="" FUZZ_LSAN=""
    [ -f "fuzz/$name.options" ] && . "./fuzz/$name.options"
    # shellcheck disable=SC2086 # FUZZ_FLAGS: several flags
    ASAN_OPTIONS=$FUZZ_ASAN LSAN_OPTIONS=$FUZZ_LSAN nice "$build/fuzz_$name" -max_total_time="$seconds" -rss_limit_mb="$rss" \
        -timeout="$timeout" -malloc_limit_mb="$rss" -print_final_stats=1 -artifact_prefix="$crashes/" \
        $FUZZ_FLAGS "$corpus" "fuzz/corpus/$name" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    if [ $rc -eq 0 ]; then
        echo "fuzz $name: ok, ${runs:-?} runs in ${seconds}s; $last"
        pass=$((pass + 1))
    else
        echo "fuzz $name: FAILED (exit $rc); reproducers in $crashes; log $log:"
        grep -E 'ERROR|SUMMARY|==[0-9]+==|runtime error|Test unit written' "$log" | head -20
        fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
