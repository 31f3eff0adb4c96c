#!/bin/sh
# The allocation-failure tier (issue 15; docs/fuzzing.md, "Allocation failure"), SQLite's
# method: each main path runs under dcim_failalloc (the asan dcim whose allocations can be made
# to fail, tests/alloc/failalloc.c) with allocation N failing. Every such run must end with
# exit status 1 and an "error:" line, no sanitizer report (ASan, UBSan, LeakSanitizer: no
# leak), and its results folder exactly as the previous successful run left it (no partial
# file, no staging folder left). `dcim check` may instead exit 0 with exactly the output of a
# run without failures: it probes whether a file is a run file and throws the probe's
# messages away, so a failure while recording one of them changes nothing. The paths: the config load of `dcim check CHIP` (a chip and
# its technology file) at every N from 1 to the count of a run without failures; the config
# load, network, weights and compile of `dcim check RUN`, `dcim run` on 3 images, `dcim run
# --fidelity program` on 1, `dcim compare` on 2 and `dcim train` one batch (each with its
# report writing) at ALLOC_SAMPLES values of N drawn with seed ALLOC_SEED (default 12 and 1),
# plus N = 1 and the last allocation (ALLOC_SAMPLES=all: every N); then run and train again
# with every allocation from N on failing (a heap that stays full). A run with N past its
# count must succeed.
# Usage: run_alloc_fail.sh DCIM_FAILALLOC. Ends with "N passed, M failed".
DCIM=${1:?usage: run_alloc_fail.sh DCIM_FAILALLOC}
SAMPLES=${ALLOC_SAMPLES:-12}
SEED=${ALLOC_SEED:-1}
PY=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../e2e/checks.sh"
# a sanitizer report exits 99 (ASan, LeakSanitizer) or 98 (UBSan), never 1
export ASAN_OPTIONS=detect_leaks=1:exitcode=99 UBSAN_OPTIONS=halt_on_error=1:exitcode=98
R=configs/runs/mnist_bnn.yaml

# count NAME CMD...: runs CMD with no failure into $tmp/NAME.ref (its --out; none for check),
# keeps a copy of the set in $tmp/NAME.before, prints the number of allocations it made
count() {
    name=$1; shift
    out=; case $name in chip|check) ;; *) out=$tmp/$name.ref ;; esac
    DCIM_ALLOC_REPORT=1 "$@" ${out:+--out "$out"} >"$tmp/$name.stdout" 2>"$tmp/out" ||
        { echo "FAIL $name: the run without failures failed" >&2; cat "$tmp/$name.stdout" "$tmp/out" | sed 's/^/     | /' >&2; echo 0; return; }
    [ -z "$out" ] || cp -r "$out" "$tmp/$name.before"
    sed -n 's/^dcim-failalloc: \([0-9]*\) allocations.*/\1/p' "$tmp/out" | tail -1
}

# one NAME N OUTDIR CMD...: CMD with allocation N failing must end cleanly; OUTDIR (or "-")
# must hold the set it held before. Prints nothing on success (counted), the evidence on failure.
one() {
    name=$1; n=$2; dir=$3; shift 3
    if [ "$dir" = - ]; then DCIM_FAIL_ALLOC=$n DCIM_ALLOC_REPORT=1 "$@" >"$tmp/stdout" 2>"$tmp/out"
    else DCIM_FAIL_ALLOC=$n DCIM_ALLOC_REPORT=1 "$@" --out "$dir" >"$tmp/stdout" 2>"$tmp/out"; fi
    rc=$?
    cat "$tmp/stdout" >>"$tmp/out"
    why=
    if grep -Eq 'Sanitizer|runtime error' "$tmp/out"; then why="a sanitizer report"
    elif [ $rc -eq 0 ] && [ "$dir" = - ] && cmp -s "$tmp/stdout" "$tmp/$name.stdout"; then
        : # recovered: the failure was in a probe whose messages are thrown away, same answer
    elif [ $rc -ne 1 ]; then why="exit $rc, expected 1"
    elif ! grep -q 'error:' "$tmp/out"; then why="no error: line"
    elif [ "$dir" != - ] && ! diff -r "$tmp/$name.before" "$dir" >"$tmp/diff" 2>&1; then
        why="the previous results folder changed"; cat "$tmp/diff" >>"$tmp/out"
    fi
    if [ -n "$why" ]; then
        fails=$((fails + 1))
        [ $fails -le 3 ] && { echo "     allocation $n: $why"; sed 's/^/     | /' "$tmp/out" | tail -12; }
    fi
}

# sweep NAME HOW CMD...: allocation N failing for every N (HOW = all) or for SAMPLES seeded N
# (HOW = sample), then N past the count, which must succeed
sweep() {
    name=$1; how=$2; shift 2
    total=$(count "$name" "$@")
    [ "${total:-0}" -gt 0 ] || { bad "$name: no allocation counted"; return; }
    if [ "$how" = all ] || [ "$SAMPLES" = all ]; then list=$(seq 1 "$total")
    else list=$("$PY" -c 'import random, sys; n, k, s = map(int, sys.argv[1:]); r = random.Random(s); print(*sorted({1, n} | {r.randint(1, n) for _ in range(k)}))' "$total" "$SAMPLES" "$SEED"); fi
    fails=0 tried=0
    for n in $list; do
        case $name in chip|check) one "$name" "$n" - "$@" ;; *) one "$name" "$n" "$tmp/$name.ref" "$@" ;; esac
        tried=$((tried + 1))
    done
    if [ $fails -eq 0 ]; then ok "$name: $tried failing allocations of $total ($how), each a clean error"
    else bad "$name: $fails of $tried failing allocations of $total did not end cleanly"; fi
    dir=$tmp/$name.ref; case $name in chip|check) dir= ;; esac
    DCIM_FAIL_ALLOC=$((total + 1)) "$@" ${dir:+--out "$dir"} >"$tmp/out" 2>&1 &&
        ok "$name: allocation $((total + 1)) failing, past the run's $total, succeeds" ||
        bad "$name: allocation $((total + 1)) failing, past the run's $total, succeeds"
}

sweep chip all "$DCIM" check configs/chip/default.yaml
sweep check sample "$DCIM" check $R
sweep run sample "$DCIM" run $R --quiet --images 3 --jobs 1
sweep program sample "$DCIM" run $R --quiet --images 1 --jobs 1 --fidelity program
sweep compare sample "$DCIM" compare $R --quiet --images 2
sweep train sample "$DCIM" train $R --quiet --epochs 1 --images 8 --eval-images 4 --set run.train.batch_size=8
# a heap that stays full: allocation N and every later one fail (error paths that allocate)
export DCIM_FAIL_ALLOC_PERSIST=1
sweep run-full sample "$DCIM" run $R --quiet --images 3 --jobs 1
sweep train-full sample "$DCIM" train $R --quiet --epochs 1 --images 8 --eval-images 4 --set run.train.batch_size=8
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
