#!/bin/sh
# Runs each argument as a test command (a cmocka binary or a script) and ends with the
# plain line "N passed, N failed" summed over all of them. cmocka binaries count per
# test case; a script counts its own "N passed, N failed" line, or 1 by its exit code.
# A command that reports no test at all ("0 passed, 0 failed") counts as one failure.
# After each command a line "--- N s: COMMAND" gives its wall time (whole seconds), so a log
# shows where make test spends its time.
pass=0; fail=0; failed_cmds=""
for t in "$@"; do
    echo "=== $t"
    t0=$(date +%s)
    out=$(sh -c "$t" 2>&1); rc=$?
    printf '%s\n' "$out"
    echo "--- $(( $(date +%s) - t0 )) s: $t"
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' | tail -1)
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' | tail -1)
    if [ -z "$p$f" ]; then
        line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -1)
        if [ -n "$line" ]; then
            p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
        elif [ $rc -eq 0 ]; then p=1; f=0; else p=0; f=1; fi
    fi
    [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ] && f=1
    # a tier that ran nothing proves nothing: it fails
    [ "${p:-0}" -eq 0 ] && [ "${f:-0}" -eq 0 ] && { echo "FAIL: $t ran no test"; f=1; }
    [ "${f:-0}" -ne 0 ] && failed_cmds="$failed_cmds
  $t"
    pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
done
[ -n "$failed_cmds" ] && printf 'failing commands:%s\n' "$failed_cmds"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
