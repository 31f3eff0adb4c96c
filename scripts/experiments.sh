#!/bin/sh
# The training experiments behind docs/training.md's results table: dcim train in both
# learning modes over several seeds. Usage: scripts/experiments.sh [OUT] (make experiments).
# Each run writes OUT/<mode>_e<epochs>_s<seed>/metrics.jsonl; a summary table is printed at
# the end. Measured times are in docs/training.md.
set -eu
DCIM=${DCIM:-build/rel/dcim}
OUT=${1:-results/experiments}
SEEDS=${SEEDS:-"1 2 3"}
mkdir -p "$OUT"
run() { # mode epochs seed [extra args]
    mode=$1; ep=$2; seed=$3; shift 3
    dir="$OUT/${mode}_e${ep}_s${seed}"
    [ -f "$dir/metrics.jsonl" ] && [ "$(wc -l <"$dir/metrics.jsonl")" -ge "$ep" ] && return 0
    echo "== $mode, $ep epochs, seed $seed" >&2
    start=$(date +%s)
    "$DCIM" train configs/runs/mnist_train.yaml --quiet --learn "$mode" --epochs "$ep" --seed "$seed" \
        --out "$dir" --resume "$@"
    echo "   $(($(date +%s) - start)) s" >&2
}
for s in $SEEDS; do run reference 2 "$s"; done
for s in $SEEDS; do run ste 2 "$s"; done
for s in $SEEDS; do run reference "${LONG_EPOCHS:-10}" "$s"; done
if [ "${LONG_STE:-0}" = 1 ]; then for s in $SEEDS; do run ste "${LONG_EPOCHS:-10}" "$s"; done; fi
echo "run                     epoch  test acc (saved)  before pruning  conv MACs -  all MACs -  s/epoch"
for d in "$OUT"/*/; do
    tail -1 "$d/metrics.jsonl" | tr -d ' ' | sed 's/[{}]/ /g' |
    awk -v name="$(basename "$d")" -F, '{
        for (i = 1; i <= NF; i++) { split($i, kv, ":"); v[kv[1]] = kv[2] }
        printf "%-23s %5s  %15.2f %%  %13.2f %%  %9.1f %%  %8.1f %%  %7s\n", name, v["\"epoch\""],
               100 * v["\"test_accuracy\""], 100 * v["\"test_accuracy_before_pruning\""],
               100 * v["\"conv_mac_reduction\""], 100 * v["\"all_mac_reduction\""], v["\"seconds\""] }'
done
