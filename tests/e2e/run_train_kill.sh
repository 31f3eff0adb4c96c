#!/bin/sh
# dcim train survives SIGKILL: runs killed at several points (inside epochs, across epoch
# ends, before the first resume point, in chains of kills) and resumed with --resume end
# with checkpoint.safetensors, optimizer.safetensors and resume.safetensors byte-identical
# to an uninterrupted run's, and metrics.jsonl identical apart from its two time fields
# ("seconds", "train_images_per_s": docs/training.md); every metrics line is valid JSON; after
# every kill the folder holds one set (docs/training.md, "The results folder") or none; a
# write that fails part-way (a file-size limit for a full disk) leaves the previous set whole.
# Small runs (256 images, batches of 32, a resume point after every batch, 3 epochs), in
# both learning modes. Usage: run_train_kill.sh DCIM. Ends with "N passed, M failed".
DCIM=${1:?usage: run_train_kill.sh DCIM}
PY=${PYTHON:-/usr/bin/python3}
. "$(dirname "$0")/checks.sh" # kill_after; its own ok and bad below
pass=0; fail=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

args() { # mode
    echo "configs/runs/mnist_train.yaml --quiet --learn $1 --epochs 3 --images 256 --eval-images 100" \
         "--set run.train.batch_size=32 --set run.train.checkpoint_every_batches=1"
}

# set_ok DIR: the folder's set (manifest.json, docs/training.md "The results folder") is one
# point of one training: every file it names is there, resume.safetensors among them, and the
# metrics lines, the checkpoint's and the optimizer's epoch all equal the resume point's epochs
# done. A folder without a manifest (killed while committing) claims no set.
set_ok() {
    "$PY" - "$1" <<'EOF'
import json, os, struct, sys
d = sys.argv[1]
if not os.path.exists(os.path.join(d, "manifest.json")):
    print("none")
    sys.exit(0)
files = json.load(open(os.path.join(d, "manifest.json")))["files"]
def epoch(name):
    with open(os.path.join(d, name), "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return int(json.loads(f.read(n))["__metadata__"]["epoch"])
missing = [f for f in files if not os.path.exists(os.path.join(d, f))]
if missing or "resume.safetensors" not in files:
    sys.exit("manifest names %s; missing %s" % (files, missing))
e = epoch("resume.safetensors")
lines = sum(1 for _ in open(os.path.join(d, "metrics.jsonl"))) if "metrics.jsonl" in files else 0
got = {"metrics.jsonl lines": lines}
got.update({f: epoch(f) for f in ("checkpoint.safetensors", "optimizer.safetensors") if f in files})
if any(v != e for v in got.values()):
    sys.exit("resume point after epoch %d, but %s" % (e, got))
EOF
}
# kill_set NAME DIR MODE N: kill_after, then the folder must hold one set (counted in $sets)
# or none
kill_set() {
    # shellcheck disable=SC2046
    kill_after "$2" "$4" $(args "$3")
    if ! msg=$(set_ok "$2" 2>&1); then echo "     after $1, kill at $4: $msg"; setbad=$((setbad + 1))
    elif [ "$msg" != none ]; then sets=$((sets + 1)); fi
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
    sets=0 setbad=0
    # one kill inside epoch 1, then resume to the end
    kill_set a "$tmp/$mode.a" $mode 3; kill_set a "$tmp/$mode.a" $mode 1000
    same "$mode: SIGKILL inside epoch 1, one resume" "$tmp/$mode.ref" "$tmp/$mode.a"
    # a chain: before any resume point, inside epoch 1, across the end of epoch 1, inside epoch 3
    for n in 0 2 8 12 1000; do kill_set b "$tmp/$mode.b" $mode $n; done
    same "$mode: chain of SIGKILLs (0, 2, 8, 12 resume points), resumed each time" "$tmp/$mode.ref" "$tmp/$mode.b"
    if [ $setbad -eq 0 ] && [ $sets -gt 0 ]; then ok "$mode: after each kill the folder holds one set ($sets of 7) or none"
    else bad "$mode: after $setbad of $((sets + setbad)) kills the folder's set is not one point of the training"; fi
    # a write that fails part-way (metrics.jsonl fits under the file-size limit, the
    # checkpoint does not): the error is reported and the previous set stays whole
    cp -r "$tmp/$mode.ref" "$tmp/$mode.before"
    # shellcheck disable=SC2046
    ( ulimit -f 8; exec "$DCIM" train $(args $mode) --epochs 1 --set run.train.checkpoint_every_batches=0 \
        --out "$tmp/$mode.ref" ) >"$tmp/out" 2>&1; rc=$?
    if [ $rc -eq 1 ] && grep -q "checkpoint.safetensors.*File too large" "$tmp/out" &&
        diff -r "$tmp/$mode.before" "$tmp/$mode.ref" >>"$tmp/out" 2>&1; then
        ok "$mode: a full disk while saving epoch 1 leaves the previous set untouched"
    else echo "     exit $rc"; sed 's/^/     | /' "$tmp/out" | head -8; bad "$mode: a full disk while saving epoch 1 leaves the previous set untouched"; fi
    if msg=$(set_ok "$tmp/$mode.ref" 2>&1) && [ -f "$tmp/$mode.ref/manifest.json" ]; then ok "$mode: an uninterrupted run's folder is one set"
    else echo "     $msg"; bad "$mode: an uninterrupted run's folder is one set"; fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
