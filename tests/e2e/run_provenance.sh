#!/bin/sh
# Provenance in every result (issue 16; docs/sweep.md, "Provenance"): two runs of one command
# give byte-identical stats.json apart from the invocation block at its end; resolved.yaml
# runs the same run again (same provenance and results); the SHA-256 of the weights, network
# and data files equal sha256sum's; the commit is the checkout's; --set values appear in the
# resolved configuration; compare and train carry the same blocks. Usage:
# run_provenance.sh DCIM. Ends with "N passed, M failed".
DCIM=${1:?usage: run_provenance.sh DCIM}
# under the working folder (build/ is ignored by git), so that the results folder is a
# relative path as in ordinary use
mkdir -p build
tmp=$(mktemp -d build/provenance.XXXXXX); trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/checks.sh"
R=configs/runs/mnist_bnn.yaml
# a stats.json without its invocation block (the last key)
strip() { sed '/^ "invocation": {/,$d' "$1"; }
field() { sed -n "s/^ *\"$2\": \"\\([^\"]*\\)\",*$/\\1/p" "$1" | head -1; }

"$DCIM" run $R --images 30 --quiet --set chip.array.rows=128 --out "$tmp/a" >/dev/null 2>&1
cp "$tmp/a/stats.json" "$tmp/first.json"
"$DCIM" run $R --images 30 --quiet --set chip.array.rows=128 --out "$tmp/a" >/dev/null 2>&1
strip "$tmp/first.json" >"$tmp/s1"; strip "$tmp/a/stats.json" >"$tmp/s2"
if [ -s "$tmp/s1" ] && cmp -s "$tmp/s1" "$tmp/s2" && ! cmp -s "$tmp/first.json" "$tmp/a/stats.json"; then
    ok "two runs of one command: stats.json identical but for the invocation block"; else diff "$tmp/s1" "$tmp/s2" >"$tmp/out"; bad "two runs of one command: stats.json identical but for the invocation block"; fi
miss=""; for k in command_line working_dir run_file run_file_sha256 host started_utc wall_s; do
    sed '1,/^ "invocation": {/d' "$tmp/a/stats.json" | grep -q "\"$k\":" || miss="$miss $k"; done
if [ -z "$miss" ] && [ "$(field "$tmp/a/stats.json" command_line)" = "$DCIM run $R --images 30 --quiet --set chip.array.rows=128 --out $tmp/a" ]; then
    ok "the invocation block: exact command line, host, times"; else echo "missing:$miss" >"$tmp/out"; bad "the invocation block: exact command line, host, times"; fi

# resolved.yaml: the same run again, from the results folder's files alone
"$DCIM" run "$tmp/a/resolved.yaml" --quiet --out "$tmp/b" >/dev/null 2>"$tmp/out"; rc=$?
strip "$tmp/b/stats.json" >"$tmp/s3"
if [ $rc -eq 0 ] && cmp -s "$tmp/s2" "$tmp/s3"; then ok "dcim run resolved.yaml: the same stats.json but for the invocation block"; else
    diff "$tmp/s2" "$tmp/s3" >>"$tmp/out"; bad "dcim run resolved.yaml: the same stats.json but for the invocation block"; fi
if grep -q '"chip.array.rows": "128"' "$tmp/a/stats.json" && grep -qx "    rows: 128" "$tmp/a/resolved_chip.yaml"; then
    ok "--set values are in the resolved configuration"; else bad "--set values are in the resolved configuration"; fi
for k in '"tech.timing.t_read_ns"' '"run.prune.threshold_b"' '"chip.mapping.strategy"' '"run.seed": "1"' '"fidelity": "fast"'; do
    grep -q "$k" "$tmp/a/stats.json" || miss="$miss $k"; done
if [ -z "$miss" ]; then ok "every run, chip and tech key is in it"; else echo "missing:$miss" >"$tmp/out"; bad "every run, chip and tech key is in it"; fi

# SHA-256 of the inputs against sha256sum
bad_sha=""
for f in workloads/weights/mnist_bnn.safetensors workloads/nets/mnist_bnn.yaml data/mnist/t10k-images-idx3-ubyte data/mnist/t10k-labels-idx1-ubyte; do
    want=$(sha256sum "$f" | cut -d' ' -f1)
    grep -A1 "\"path\": \"$PWD/$f\"" "$tmp/a/stats.json" | grep -q "\"sha256\": \"$want\"" || bad_sha="$bad_sha $f"
done
if [ -z "$bad_sha" ]; then ok "the files' SHA-256 equal sha256sum's"; else echo "differ:$bad_sha" >"$tmp/out"; bad "the files' SHA-256 equal sha256sum's"; fi
if head=$(git rev-parse HEAD 2>/dev/null); then
    if [ "$(field "$tmp/a/stats.json" git_commit)" = "$head" ]; then ok "the git commit built in is the checkout's"; else bad "the git commit built in is the checkout's"; fi
fi
if grep -q '<section id="provenance">' "$tmp/a/report.html" && grep -q "SHA-256" "$tmp/a/report.html"; then ok "report.html shows the provenance"; else bad "report.html shows the provenance"; fi

# compare and train
"$DCIM" compare $R --images 10 --quiet --out "$tmp/c" >/dev/null 2>&1
if grep -q '"analog.adc.bits"' "$tmp/c/compare.json" && grep -q '"gpu.' "$tmp/c/compare.json" && grep -q '^ "invocation": {' "$tmp/c/compare.json" &&
    [ -s "$tmp/c/resolved.yaml" ] && grep -q 'id="provenance"' "$tmp/c/report.html"; then ok "compare: provenance with the baselines' values"; else bad "compare: provenance with the baselines' values"; fi
"$DCIM" train configs/runs/mnist_train.yaml --quiet --epochs 1 --images 128 --eval-images 50 --out "$tmp/t" >/dev/null 2>&1
want=$(sha256sum "$tmp/t/checkpoint.safetensors" 2>/dev/null | cut -d' ' -f1)
if [ -n "$want" ] && grep -A1 "checkpoint.safetensors\"" "$tmp/t/provenance.json" | grep -q "\"sha256\": \"$want\"" && [ -s "$tmp/t/resolved.yaml" ]; then
    ok "train: provenance.json with the checkpoint's SHA-256"; else bad "train: provenance.json with the checkpoint's SHA-256"; fi
# a ModelNet folder (two classes of tetrahedra): one data entry over its split's meshes,
# sha256 of the lines "CLASS/SPLIT/FILE <sha256>" in name order; it changes with a mesh
modelnet_tetrahedra "$tmp/mn"
PN="configs/runs/pointnet_modelnet10.yaml --images 2 --quiet --fidelity reference --set run.network=tests/workloads/pointnet/tiny.yaml --set run.weights= --data $tmp/mn"
want=$(cd "$tmp/mn" && for f in cone/test/cone_1.off cone/test/cone_2.off wedge/test/wedge_1.off wedge/test/wedge_2.off; do
    printf '%s %s\n' "$f" "$(sha256sum "$f" | cut -d' ' -f1)"; done | sha256sum | cut -d' ' -f1)
"$DCIM" run $PN --out "$tmp/pn1" >/dev/null 2>&1
if grep -A2 "\"path\": \"$PWD/$tmp/mn\"" "$tmp/pn1/provenance.json" | grep -q "\"sha256\": \"$want\"" &&
        grep -q '"files": 4' "$tmp/pn1/provenance.json"; then ok "a ModelNet folder: one entry over the split's meshes"; else
    cp "$tmp/pn1/provenance.json" "$tmp/out" 2>/dev/null; bad "a ModelNet folder: one entry over the split's meshes"; fi
echo "# changed" >>"$tmp/mn/wedge/test/wedge_2.off"
"$DCIM" run $PN --out "$tmp/pn2" >/dev/null 2>&1
if grep -q "\"sha256\": \"$want\"" "$tmp/pn2/provenance.json"; then bad "a ModelNet folder: a changed mesh changes its SHA-256"; else
    ok "a ModelNet folder: a changed mesh changes its SHA-256"; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
