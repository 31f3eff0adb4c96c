#!/bin/sh
# Runs every SystemC scenario of the test binary in its own process (SystemC elaborates
# once per process). Usage: run_sim.sh SIM_TESTS. Ends with "N passed, M failed".
BIN=${1:?usage: run_sim.sh SIM_TESTS}
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
[ -x "$BIN" ] || { echo "FAIL: $BIN is not an executable"; echo "0 passed, 1 failed"; exit 1; }
list=$("$BIN" --list) || { echo "FAIL: $BIN --list failed"; echo "0 passed, 1 failed"; exit 1; }
[ -n "$list" ] || { echo "FAIL: $BIN lists no scenario"; echo "0 passed, 1 failed"; exit 1; }
pass=0; fail=0
for s in $list; do
    out=$("$BIN" "$s" 2>&1); rc=$?
    if [ $rc -eq 0 ]; then pass=$((pass + 1)); printf '%s\n' "$out" | tail -1
    else fail=$((fail + 1)); printf '%s\n' "$out" | tail -45; echo "FAIL $s (exit $rc)"; fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
