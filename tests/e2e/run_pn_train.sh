#!/bin/sh
# dcim train for point-cloud networks, end to end on a tiny PointNet++ (tests/workloads/
# pointnet/tiny.yaml: 64 points) and the synthetic set, in both learning modes:
#  - a run trains, writes one valid JSON metrics line per epoch with the keys docs/training.md
#    names, and its checkpoint loads in `dcim run` (the reference's state_dict names);
#  - resumed runs (from an epoch end, and after SIGKILLs inside and across epochs with a
#    resume point after every batch) end with checkpoint.safetensors and resume.safetensors
#    byte-identical to an uninterrupted run's and metrics.jsonl identical apart from its two
#    time fields ("seconds", "train_clouds_per_s");
#  - bad settings are refused naming the limit.
# Usage: run_pn_train.sh DCIM. Ends with "N passed, M failed".
DCIM=${1:?usage: run_pn_train.sh DCIM}
PY=${PYTHON:-/usr/bin/python3}
. "$(dirname "$0")/checks.sh" # modelnet_tetrahedra, kill_after; its own ok and bad below
pass=0; fail=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

RUN=configs/runs/pointnet_train.yaml
args() { # mode epochs
    echo "$RUN --quiet --learn $1 --epochs $2 --images 400 --eval-images 20 --set run.network=tests/workloads/pointnet/tiny.yaml" \
         "--set run.train.batch_size=8 --set run.train.checkpoint_every_batches=1"
}
strip_times() { sed -E 's/, "seconds": [0-9.]+, "train_clouds_per_s": [0-9.]+\}$/}/' "$1"; }

# same NAME REF DIR EPOCHS: the resumed run's files against the uninterrupted run's.
same() {
    name=$1; ref=$2; dir=$3; good=1
    for f in checkpoint resume; do
        cmp -s "$ref/$f.safetensors" "$dir/$f.safetensors" || { echo "     $f.safetensors differs"; good=0; }
    done
    strip_times "$ref/metrics.jsonl" >"$tmp/m_ref"; strip_times "$dir/metrics.jsonl" >"$tmp/m_dir"
    grep -q '"seconds"' "$tmp/m_ref" && { echo "     the time fields were not stripped: the test would compare nothing"; good=0; }
    cmp -s "$tmp/m_ref" "$tmp/m_dir" || { echo "     metrics.jsonl differs beyond its time fields:"; diff "$tmp/m_ref" "$tmp/m_dir" | head -6; good=0; }
    [ "$(wc -l <"$dir/metrics.jsonl")" -eq "$4" ] || { echo "     metrics.jsonl has $(wc -l <"$dir/metrics.jsonl") lines, not $4"; good=0; }
    if [ $good = 1 ]; then ok "$name"; else bad "$name"; fi
}


# refused NAME EXPECTED-TEXT ARGS...: dcim train exits non-zero with the text on stderr
refused() { # NAME EXPECTED-TEXT ARGS...
    name=$1; want=$2; shift 2
    if "$DCIM" train "$@" --quiet --out "$tmp/bad" >/dev/null 2>"$tmp/err"; then bad "$name: accepted"
    elif grep -q -- "$want" "$tmp/err"; then ok "$name"
    else bad "$name: message"; sed 's/^/     | /' "$tmp/err" | head -3; fi
}

for mode in ste reference; do
    # shellcheck disable=SC2046
    if ! "$DCIM" train $(args $mode 3) --out "$tmp/$mode.ref" >"$tmp/out" 2>"$tmp/err"; then
        bad "$mode: uninterrupted run"; sed 's/^/     | /' "$tmp/err" | head -5; continue
    fi
    "$PY" - "$tmp/$mode.ref/metrics.jsonl" "$mode" <<'EOF' && ok "$mode: 3 metrics lines, valid JSON, every key" || bad "$mode: metrics.jsonl"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 3, len(lines)
keys = ["epoch", "learn", "quantise", "bn_recalibrate", "loss", "train_accuracy", "test_accuracy_before_pruning", "test_accuracy", "pruned_filters",
        "sa_macs", "sa_macs_removed", "sa_mac_reduction", "pruned_layers_macs", "pruned_layers_macs_removed",
        "pruned_layers_mac_reduction", "warnings", "seconds", "train_clouds_per_s"]
for i, l in enumerate(lines):
    d = json.loads(l)
    assert list(d) == keys, list(d)
    assert d["epoch"] == i + 1 and d["learn"] == sys.argv[2] and d["quantise"] == "cloud" and d["bn_recalibrate"] == 128
    assert 0 <= d["test_accuracy"] <= 1 and d["loss"] > 0
    assert set(d["pruned_filters"]) == {"pt_sa1.Conv0", "pt_sa1.Conv1", "pt_sa1.Conv2"}
    removed = sum(p for p, n in d["pruned_filters"].values())
    assert (removed > 0) == (d["pruned_layers_macs_removed"] > 0)
    assert d["sa_macs_removed"] == d["pruned_layers_macs_removed"] <= d["pruned_layers_macs"] < d["sa_macs"]
EOF
    # the checkpoint runs in `dcim run` (reference state_dict names)
    if "$DCIM" run configs/runs/pointnet_modelnet10.yaml --set run.network=tests/workloads/pointnet/tiny.yaml \
            --set run.weights="$tmp/$mode.ref/checkpoint.safetensors" --set run.data.images=10 --out "$tmp/run" \
            >"$tmp/out" 2>&1; then ok "$mode: the checkpoint runs in dcim run"
    else bad "$mode: the checkpoint runs in dcim run"; sed 's/^/     | /' "$tmp/out" | tail -3; fi
    # resume from an epoch end: 1 epoch, then --resume to 3
    # shellcheck disable=SC2046
    "$DCIM" train $(args $mode 1) --out "$tmp/$mode.e" >/dev/null 2>&1 &&
        "$DCIM" train $(args $mode 3) --out "$tmp/$mode.e" --resume >/dev/null 2>&1
    same "$mode: 1 epoch, then --resume to 3" "$tmp/$mode.ref" "$tmp/$mode.e" 3
    : >"$tmp/log"
    # shellcheck disable=SC2046
    for n in 0 3 60 120 1000; do kill_after "$tmp/$mode.k" $n $(args $mode 3); done
    grep -q "resuming after epoch" "$tmp/log" || echo "     no kill landed after a resume point"
    same "$mode: chain of SIGKILLs (0, 3, 60, 120 resume points), resumed each time" "$tmp/$mode.ref" "$tmp/$mode.k" 3
done

# run.train.bn_recalibrate replaces every BatchNorm's running statistics: two runs from the same
# weights whose running statistics differ (training reads batch statistics only) end with
# byte-identical checkpoints with it, and different ones without it (the test can fail).
W="$tmp/ste.ref/checkpoint.safetensors"
if [ -f "$W" ] && "$PY" - "$W" "$tmp/w_perturbed.safetensors" <<'EOF'
import sys
sys.path.insert(0, "python")
import numpy as np
import dcim.safetensors as st
t = st.load(sys.argv[1])
t = t[0] if isinstance(t, tuple) else t
out = {}
for k, v in t.items():
    v = np.array(v)
    if k.endswith("running_mean"):
        v = v + 3.0 * np.sqrt(np.array(t[k[:-4] + "var"])) + 1.0
    elif k.endswith("running_var"):
        v = v * 7.0 + 0.5
    out[k] = v
st.save(out, sys.argv[2])
EOF
then
    for rc in 32 0; do
        for w in "$W" "$tmp/w_perturbed.safetensors"; do
            # shellcheck disable=SC2046
            "$DCIM" train $(args ste 1) --set run.weights="$w" --set run.train.bn_recalibrate=$rc --images 64 \
                --out "$tmp/rc$rc.$(basename "$w")" >/dev/null 2>"$tmp/err" || { sed 's/^/     | /' "$tmp/err" | head -3; }
        done
    done
    if cmp -s "$tmp/rc32.checkpoint.safetensors/checkpoint.safetensors" "$tmp/rc32.w_perturbed.safetensors/checkpoint.safetensors" &&
            ! cmp -s "$tmp/rc0.checkpoint.safetensors/checkpoint.safetensors" "$tmp/rc0.w_perturbed.safetensors/checkpoint.safetensors" &&
            [ -s "$tmp/rc0.w_perturbed.safetensors/checkpoint.safetensors" ]; then
        ok "bn_recalibrate: the saved statistics do not depend on the running statistics before it"
    else bad "bn_recalibrate: the saved statistics do not depend on the running statistics before it"; fi
else bad "bn_recalibrate: perturbed weights (no ste checkpoint, or the Python step failed)"; fi

# --data: an HDF5 file with --eval-data, and a ModelNet folder (two classes of tetrahedra)
N16="--quiet --epochs 2 --set run.network=tests/e2e/pn_train_16.yaml --set run.train.batch_size=2 --set run.train.bn_recalibrate=4"
H5=fuzz/corpus/h5/synth_16_points.h5
if "$DCIM" train $RUN $N16 --images 10 --eval-images 10 --data $H5 --eval-data $H5 --out "$tmp/h5" >"$tmp/out" 2>&1 &&
        [ "$(wc -l <"$tmp/h5/metrics.jsonl")" -eq 2 ]; then ok "--data an HDF5 file, --eval-data"
else bad "--data an HDF5 file, --eval-data"; sed 's/^/     | /' "$tmp/out" | tail -3; fi
modelnet_tetrahedra "$tmp/mn"
if "$DCIM" train $RUN $N16 --images 4 --eval-images 4 --data "$tmp/mn" --out "$tmp/mnr" >"$tmp/out" 2>&1 &&
        [ "$(wc -l <"$tmp/mnr/metrics.jsonl")" -eq 2 ]; then ok "--data a ModelNet folder"
else bad "--data a ModelNet folder"; sed 's/^/     | /' "$tmp/out" | tail -3; fi
refused "more training clouds than the HDF5 file has" "run.train.train_images: 12 clouds wanted, the set has 10" \
    $RUN $N16 --images 12 --data $H5 --eval-data $H5

# refused settings, each naming its limit
refused "batch of 1" "BatchNorm in training mode needs at least 2" $RUN --set run.train.batch_size=1
refused "a last batch of 1" "leaves a last batch of 1 cloud" $RUN --images 33
refused "HDF5 without test clouds" "needs --eval-data" $RUN --data "$RUN"
refused "--eval-data without an HDF5 file" "goes with an HDF5 training file" $RUN --eval-data "$RUN"
refused "--data for MNIST" "are for point-cloud networks" configs/runs/mnist_train.yaml --data "$RUN"
refused "bn_recalibrate above the training clouds" "run.train.bn_recalibrate 512 is above run.train.train_images 500" \
    $RUN --set run.train.bn_recalibrate=512
refused "bn_recalibrate with a last batch of 1" "run.train.bn_recalibrate 33 leaves a last batch of 1" \
    $RUN --set run.train.bn_recalibrate=33
refused "bn_recalibrate for an image network" "image networks do not have" configs/runs/mnist_train.yaml \
    --set run.train.bn_recalibrate=64
refused "a conv wider than the exact float sums" "exact up to 1023 channels" $RUN \
    --set run.network=tests/e2e/pn_train_wide.yaml
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
