#!/bin/sh
# dcim train survives SIGKILL: runs killed at several points (inside epochs, across epoch
# ends, before the first resume point, in chains of kills) and resumed with --resume end
# with checkpoint.safetensors, optimizer.safetensors and resume.safetensors byte-identical
# to an uninterrupted run's, and metrics.jsonl identical apart from its two time fields
# ("seconds", "train_images_per_s": docs/training.md); every metrics line is valid JSON.
# Small runs (256 images, batches of 32, a resume point after every batch, 3 epochs), in
# both learning modes. Usage: run_train_kill.sh DCIM. Ends with "N passed, M failed".
DCIM=${1:?usage: run_train_kill.sh DCIM}
PY=${PYTHON:-/usr/bin/python3}
pass=0; fail=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

args() { # mode
    echo "configs/runs/mnist_train.yaml --quiet --learn $1 --epochs 3 --images 256 --eval-images 100" \
         "--set run.train.batch_size=32 --set run.train.checkpoint_every_batches=1"
}
inode() { stat -c %i "$1/resume.safetensors" 2>/dev/null || echo none; }

# kill_after DIR MODE N: starts a resumed run and SIGKILLs it once it has written N new
# resume points (N = 0: as soon as it runs, before any), or lets it finish if it ends first.
kill_after() {
    dir=$1; mode=$2; want=$3
    # shellcheck disable=SC2046
    "$DCIM" train $(args "$mode") --out "$dir" --resume >/dev/null 2>>"$tmp/log" & pid=$!
    seen=0; last=$(inode "$dir")
    while [ "$seen" -lt "$want" ] && kill -0 "$pid" 2>/dev/null; do
        now=$(inode "$dir")
        [ "$now" != "$last" ] && { seen=$((seen + 1)); last=$now; }
        sleep 0.01
    done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

strip_times() { sed -E 's/"seconds": [0-9.]+, "train_images_per_s": [0-9.]+, //' "$1"; }

# same NAME REF DIR: the resumed run's files against the uninterrupted run's.
same() {
    name=$1; ref=$2; dir=$3; good=1
    for f in checkpoint optimizer resume; do
        cmp -s "$ref/$f.safetensors" "$dir/$f.safetensors" || { echo "     $f.safetensors differs"; good=0; }
    done
    strip_times "$ref/metrics.jsonl" >"$tmp/m_ref"; strip_times "$dir/metrics.jsonl" >"$tmp/m_dir"
    cmp -s "$tmp/m_ref" "$tmp/m_dir" || { echo "     metrics.jsonl differs beyond its time fields:"; diff "$tmp/m_ref" "$tmp/m_dir" | head -6; good=0; }
    [ "$(wc -l <"$dir/metrics.jsonl")" -eq 3 ] || { echo "     metrics.jsonl has $(wc -l <"$dir/metrics.jsonl") lines, not 3"; good=0; }
    "$PY" -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1])]' "$dir/metrics.jsonl" ||
        { echo "     a metrics line is not valid JSON"; good=0; }
    grep -h "resuming" "$tmp/log" | sed 's/^/     | /'
    grep -q "resuming after epoch" "$tmp/log" || { echo "     no kill landed after a resume point: nothing was tested"; good=0; }
    : >"$tmp/log"
    if [ $good = 1 ]; then ok "$name"; else bad "$name"; fi
}

for mode in ste reference; do
    # shellcheck disable=SC2046
    "$DCIM" train $(args $mode) --out "$tmp/$mode.ref" >/dev/null 2>&1 || { bad "$mode: uninterrupted run"; continue; }
    : >"$tmp/log"
    # one kill inside epoch 1, then resume to the end
    kill_after "$tmp/$mode.a" $mode 3; kill_after "$tmp/$mode.a" $mode 1000
    same "$mode: SIGKILL inside epoch 1, one resume" "$tmp/$mode.ref" "$tmp/$mode.a"
    # a chain: before any resume point, inside epoch 1, across the end of epoch 1, inside epoch 3
    for n in 0 2 8 12 1000; do kill_after "$tmp/$mode.b" $mode $n; done
    same "$mode: chain of SIGKILLs (0, 2, 8, 12 resume points), resumed each time" "$tmp/$mode.ref" "$tmp/$mode.b"
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
