#!/bin/sh
# The PointNet++ training runs behind docs/training.md, "Measured (synthetic set)": dcim train
# of configs/runs/pointnet_train.yaml as it stands (ste, per-cloud quantisation, batch 32,
# 500 training and 100 test clouds of the synthetic set, precise BatchNorm over 128 clouds
# before each evaluation) over several seeds, all at once in the background at nice 10; each
# resumes where it stopped.
# Usage: scripts/pn_experiments.sh [OUT] (make pointnet-experiments); EPOCHS (8), SEEDS
# ("1 2 3"), LEARN (ste). Each run writes OUT/<learn>_s<seed>/ and its log; a
# per-epoch table is printed at the end. About 4 GB of memory per run (batch 32).
set -eu
DCIM=${DCIM:-build/rel/dcim}
OUT=${1:-results/pointnet_experiments}
SEEDS=${SEEDS:-"1 2 3"}
LEARN=${LEARN:-ste}
mkdir -p "$OUT"
for s in $SEEDS; do
    nice -n 10 "$DCIM" train configs/runs/pointnet_train.yaml --quiet --learn "$LEARN" --seed "$s" \
        --epochs "${EPOCHS:-8}" --out "$OUT/${LEARN}_s$s" --resume >"$OUT/${LEARN}_s$s.log" 2>&1 &
done
wait
for s in $SEEDS; do
    echo "seed $s"
    ${PYTHON:-/usr/bin/python3} -c '
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    print("  epoch %d: test accuracy %.1f %% before pruning, %.1f %% after; MACs removed %.1f %% of pt_sa1, %.1f %% of all SA; %.0f s"
          % (d["epoch"], 100 * d["test_accuracy_before_pruning"], 100 * d["test_accuracy"],
             100 * d["pruned_layers_mac_reduction"], 100 * d["sa_mac_reduction"], d["seconds"]))' "$OUT/${LEARN}_s$s/metrics.jsonl"
done
