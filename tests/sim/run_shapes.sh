#!/bin/sh
# The shape campaign through SystemC: one process per macro count 1..16 (SystemC elaborates
# once per process), COUNT cases in all. Usage: run_shapes.sh SIM_TESTS SEED COUNT.
# Ends with "N passed, M failed" (cases agreed / failed; refusals are not counted).
BIN=${1:?usage: run_shapes.sh SIM_TESTS SEED COUNT}
SEED=${2:-1}
COUNT=${3:-64}
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
per=$(( (COUNT + 15) / 16 ))
pass=0; fail=0; refused=0; bad=0
reasons=$(mktemp); trap 'rm -f "$reasons"' EXIT
start=$(date +%s)
for m in $(seq 1 16); do
    out=$(SHAPES_MACROS=$m SHAPES_SEED=$SEED SHAPES_COUNT=$per "$BIN" shapes 2>&1); rc=$?
    line=$(printf '%s\n' "$out" | grep '^shapes through SystemC')
    printf '%s\n' "$out" | sed -n 's/^  refused *\([0-9]*\) x \(.*\)/\1\t\2/p' >>"$reasons"
    [ $rc -eq 0 ] || { printf '%s\n' "$out" | grep -v '^ok\|^FAIL shapes' | tail -20; bad=$((bad + 1)); }
    printf '%s\n' "${line:-macros $m: no summary (exit $rc)}"
    a=$(printf '%s\n' "$line" | sed -n 's/.* \([0-9]*\) agreed, \([0-9]*\) failed, \([0-9]*\) refused/\1 \2 \3/p')
    set -- $a
    pass=$((pass + ${1:-0})); fail=$((fail + ${2:-0})); refused=$((refused + ${3:-0}))
    [ -n "$line" ] || fail=$((fail + 1))
done
awk -F'\t' '{ n[$2] += $1 } END { for (r in n) printf "  refused %5d x %s\n", n[r], r }' "$reasons" | sort -k2,2nr
echo "shapes through SystemC: seed $SEED: $pass agreed, $fail failed, $refused refused in $(( $(date +%s) - start )) s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$bad" -eq 0 ] && [ "$pass" -gt 0 ]
