#!/bin/sh
# End-to-end checks of the dcim command as a user runs it. Usage: run_e2e.sh DCIM
# Prints one line per check and ends with "N passed, M failed".
DCIM=${1:?usage: run_e2e.sh DCIM}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/checks.sh"
# check here matches an extended regular expression (checks.sh's checkre)
check() { checkre "$@"; }

check "help lists commands"            0 '^  margin ' "$DCIM" --help
check "no command is a usage error"    2 'usage: dcim' "$DCIM"
check "unknown command names choices"  2 "unknown command 'marg'; expected one of: run, train, margin" "$DCIM" marg
check "version"                        0 '^dcim [0-9]+\.[0-9]+\.[0-9]+$' "$DCIM" version
check "margin --help"                  0 '^usage: dcim margin' "$DCIM" margin --help
# dcim check accepts every file under configs/, and each kind has at least one file there.
for kind in tech chip runs baselines sweeps; do
    files=$(ls configs/$kind/*.yaml 2>/dev/null)
    if [ -z "$files" ]; then echo "no configs/$kind/*.yaml found" >"$tmp/out"; bad "configs/$kind/ has files"; continue; fi
    for f in $files; do check "check accepts $f" 0 "^ok: $f\$" "$DCIM" check "$f"; done
done
check "check accepts configs/corners.yaml" 0 '^ok: configs/corners.yaml$' "$DCIM" check configs/corners.yaml
other=$(find configs -type f ! -path 'configs/tech/*.yaml' ! -path 'configs/chip/*.yaml' ! -path 'configs/runs/*.yaml' \
    ! -path 'configs/baselines/*.yaml' ! -path 'configs/sweeps/*.yaml' ! -path configs/corners.yaml \
    ! -path configs/baselines/rtx4090_measured.example.csv | sort)
if [ -z "$other" ]; then ok "configs/ holds only tech, chip, runs, baselines, sweeps and corners files"
else echo "$other" >"$tmp/out"; bad "configs/ holds only tech, chip, runs, baselines, sweeps and corners files (add the new kind here)"; fi
# corners (issue 18): --help lists them from the file, --corner applies one, --corners all prints
# the claims table, a bad name is refused naming every corner; the GPU floor and a measured CSV.
CR=configs/runs/mnist_bnn.yaml
check "compare --help lists corners"     0 '^  adc-typical +analogue ADC 12\.2 pJ' "$DCIM" compare --help
check "compare --corner adc-fast"        0 '8-bit walden ADC per 8 columns' "$DCIM" compare $CR --quiet --images 5 --corner adc-fast --out "$tmp/cc1"
check "compare --corner unknown"         1 "no corner 'adc-slow'; expected one of: nominal, adc-best" "$DCIM" compare $CR --quiet --images 5 --corner adc-slow
check "compare --corners all: claims"    0 '^energy vs analogue RRAM CIM +-57\.26 % +[-+][0-9.]+ %.* (none|[a-z-]+( [a-z-]+)*)$' "$DCIM" compare $CR --quiet --images 5 --corners all --out "$tmp/cc2"
check "compare --corners all: columns"   0 '^claim +paper +nominal +adc-best +adc-typical +adc-fast' "$DCIM" compare $CR --quiet --images 5 --corners all --out "$tmp/cc3"
check "compare.json: claims per corner"  0 '"holds_in": \[' cat "$tmp/cc3/compare.json"
check "report.html: claims section"      0 '<section id="claims">' cat "$tmp/cc3/report.html"
check "compare: GPU idealised floor"     0 '^  energy vs GPU idealised floor +[-+][0-9.]+ %' "$DCIM" compare $CR --quiet --images 5 --out "$tmp/cc4"
check "compare: GPU batch sweep"         0 '^energy vs GPU +-75\.61 % +[-+][0-9.]+ % +[-+][0-9.]+ % +[-+][0-9.]+ %' "$DCIM" compare $CR --quiet --images 5 --sweep gpu.run.batch_size=1,8,64 --out "$tmp/cc5"
check "compare --tech 22 nm: chip figures" 0 '^chip figures \(the chips. conv layers, host layers left out; tech 22nm_1t1r, 22 nm\)' "$DCIM" compare $CR --quiet --images 5 --tech configs/tech/22nm_1t1r.yaml --analog configs/baselines/analog_22nm.yaml --out "$tmp/cc7"
check "compare.json: chip figures, 22 nm" 0 '"node_nm": 22\.0*,' cat "$tmp/cc7/compare.json"
check "compare.json: authors' 222.72"    0 '"tops_per_w": 222\.72' cat "$tmp/cc7/compare.json"
check "compare --corner with --corners"  2 "corner and --corners cannot be combined" "$DCIM" compare $CR --quiet --corner nominal --corners all
check "compare --tech missing file"      2 "tech 'nope.yaml': cannot read file" "$DCIM" compare $CR --quiet --tech nope.yaml
check "compare: measured GPU example"    0 'rtx4090_measured_example MEASURED: configs/baselines/rtx4090_measured.example.csv, 11 samples' "$DCIM" compare $CR --quiet --images 5 --gpu configs/baselines/rtx4090_measured.example.yaml --out "$tmp/cc6"
check "check accepts the MNIST network" 0 '^ok: workloads/nets/mnist_bnn.yaml' "$DCIM" check workloads/nets/mnist_bnn.yaml
check "margin table on the default"    0 '^xnor +0\.300 \| 15\.150 \| 30\.000' "$DCIM" margin configs/chip/default.yaml --samples 20000
check "margin prints its seed"         0 '^Monte Carlo seed 7;' "$DCIM" margin configs/chip/default.yaml --samples 2000 --seed 7
check "margin JSON"                    0 '^\{"tech": "180nm_1t1r", "seed": 1, "ops": \[\{"op": "read"' "$DCIM" margin configs/chip/default.yaml --samples 2000 --json
check "margin rejects a bad override"  1 'error' "$DCIM" margin configs/chip/default.yaml --set chip.array.rows=5000
check "margin rejects bad --samples"   2 "--samples needs a non-negative integer, got 'x'" "$DCIM" margin configs/chip/default.yaml --samples x
check "margin on a missing file"       1 'error' "$DCIM" margin no/such/chip.yaml

# Errors must appear as the window narrows: the XOR row of a 2.5x window has a non-zero rate.
"$DCIM" margin configs/chip/default.yaml --samples 20000 --json \
    --set tech.device.r_off_ohm=25000 >"$tmp/json" 2>&1
if grep -Eq '"op": "xor"[^}]*"mc_errors": [1-9]' "$tmp/json"; then ok "narrow window shows errors"
else cp "$tmp/json" "$tmp/out"; bad "narrow window shows errors"; fi

# dcim run, as a user runs it (a few images, results into a temporary folder).
# R: random weights (seed 1) pruned on chip; the default run file uses the trained weights.
R="configs/runs/mnist_bnn.yaml --images 30 --quiet --out $tmp/res --set run.weights= --set run.prune.enabled=true"
check "trained default beats 80 %"        0 '^accuracy +(8[0-9]|9[0-9])\.[0-9]+ % \([0-9]+/300 images\)' "$DCIM" run configs/runs/mnist_bnn.yaml --images 300 --quiet --out "$tmp/res0"
check "random weights are labelled"      0 'UNTRAINED' "$DCIM" run $R
check "run prints the summary"           0 '^accuracy +[0-9.]+ % \(.*/30 images\)' "$DCIM" run $R
check "run writes stats.json"            0 '"status": "complete"' cat "$tmp/res/stats.json"
check "run writes layers.csv"            0 '^conv2,chip,64,' cat "$tmp/res/layers.csv"
check "run --json has predictions"       0 '"predictions": \[' "$DCIM" run $R --json
check "run --no-prune removes nothing"   0 'removed by pruning \(-0\.0 %\)' "$DCIM" run $R --no-prune
check "run --pruned-filters skip"        0 '^weights .*pruned filters: skip' "$DCIM" run $R --pruned-filters skip
check "run --fidelity program"           0 '^weights .*fidelity program' "$DCIM" run configs/runs/mnist_bnn.yaml --images 3 --quiet --out "$tmp/res2" --fidelity program
check "run: bad weights file"            1 "error" "$DCIM" run $R --weights no/such.safetensors
check "run: too many images"             1 'run.data.images is 20000 but the data set has 10000 images' "$DCIM" run configs/runs/mnist_bnn.yaml --images 20000 --quiet --out "$tmp/res3"
# dcim run on a point-cloud network: the host reference on the synthetic set (2 clouds), and
# the int8 convs on the chip (fast path, the run file's default) on the small test network.
P="configs/runs/pointnet_modelnet10.yaml --images 2 --quiet --out $tmp/pn --fidelity reference"
PC="configs/runs/pointnet_modelnet10.yaml --images 2 --quiet --out $tmp/pnc --set run.network=tests/workloads/pointnet/tiny.yaml --set run.weights="
check "pointnet run: accuracy line"       0 '^accuracy +[0-9.]+ % \([0-9]/2\)' "$DCIM" run $P
check "pointnet run: says reference"      0 '^fidelity +reference: the host reference' "$DCIM" run $P
check "pointnet run: MACs of pt_sa1"      0 '^ +pt_sa1 +set_abstraction +chip +204472320 ' "$DCIM" run $P
check "pointnet run: writes stats.json"   0 '"fidelity": "reference"' cat "$tmp/pn/stats.json"
check "pointnet run --json: predictions"  0 '"prediction": [0-9]' "$DCIM" run $P --json
check "pointnet run refuses cycle"        1 'fidelity cycle: a point-cloud network runs as reference' "$DCIM" run $P --fidelity cycle
check "pointnet chip run: says fast"      0 '^fidelity +fast: each set abstraction' "$DCIM" run $PC
check "pointnet chip run: conv cost"      0 '^ +pt_sa1.Conv0 +3 x 8 +128 +[0-9]+ ' "$DCIM" run $PC
check "pointnet chip run: energy line"    0 '^energy per cloud array [0-9.]+ nJ' "$DCIM" run $PC --fidelity program
check "pointnet chip run: stats.json"     0 '"cycles_per_cloud": [0-9]' cat "$tmp/pnc/stats.json"
check "pointnet chip run: layers.csv"     0 '^pt_sa1.Conv0,chip,8,8,3072,0,[0-9]' cat "$tmp/pnc/layers.csv"
check "pointnet run: layers.csv"          0 '^pt_sa1,host,128,128,204472320,0,' cat "$tmp/pn/layers.csv"
check "pointnet chip run: too few macros" 1 'pt_sa3 conv 2: int8 conv 512 x 1024 does not fit: .*raise chip.macros' "$DCIM" run configs/runs/pointnet_modelnet10.yaml --images 2 --quiet --out "$tmp/pnm" --set chip.macros=32
check "pointnet chip run: needs reload"   1 'chip.mapping.reload forbid' "$DCIM" run $PC --set run.chip=configs/chip/default.yaml
check "pointnet chip-distance pruning"    0 '^pruning cost +[0-9]+ cycles' "$DCIM" run $PC --set run.prune.distance=chip --jobs 2
check "pointnet chip pruning: stats.json" 0 '"distance": "chip"' cat "$tmp/pnc/stats.json"
check "train --jobs 0 is refused"        2 "dcim train: error: --jobs needs an integer from 1 to 256, got '0'" "$DCIM" train configs/runs/mnist_train.yaml --jobs 0
check "train --jobs 257 is refused"      2 "needs an integer from 1 to 256, got '257'" "$DCIM" train configs/runs/mnist_train.yaml --jobs 257
check "mnist refuses chip distance"       1 'run.prune.distance chip: an image network' "$DCIM" run $R --set run.prune.distance=chip
# dcim compare on a point-cloud network (the small test network, 2 clouds): scope stated in
# text, JSON and HTML; every field that carries a number is a number; the paper's -86.53 %.
PCC="configs/runs/pointnet_modelnet10.yaml --images 2 --quiet --out $tmp/pncmp --set run.network=tests/workloads/pointnet/tiny.yaml --set run.weights="
check "pointnet compare: scope line"      0 '^scope +the same work on every side: digital and analogue chip = their conv layers \+ the host layers' "$DCIM" compare $PCC
check "pointnet compare: paper's -86.53 %" 0 '^  energy vs GPU \(rtx4090, model\) +[-+][0-9.]+ % +[0-9.e+-]+ +-86\.53 %' "$DCIM" compare $PCC
check "pointnet compare: conv_only lines" 0 '^  conv energy vs analogue convs +[-+][0-9.]+ %' "$DCIM" compare $PCC
check "pointnet compare: wear counted"    0 '^  lifetime +[0-9.e+]+ inferences until the most-written cell' "$DCIM" compare $PCC
check "pointnet compare: int8 analogue"   0 'int8 layers: 256x256 crossbars \([0-9]+\), 128 rows summed per read; weights bit-sliced over 8 cell' "$DCIM" compare $PCC
for f in energy_pj_per_inference latency_ns_per_inference area_um2 tops_per_w cycles_per_inference \
         digital_energy_pj_per_inference analog_energy_pj_per_inference pulses_per_inference \
         max_pulses_per_cell lifetime_inferences endurance_cycles fp32_macs bytes; do
    check "pointnet compare.json: $f numeric" 0 "\"$f\": [0-9]" cat "$tmp/pncmp/compare.json"
done
if grep -Eq '"(energy_pj_per_inference|latency_ns_per_inference|ours)": (null|"|nan|inf)' "$tmp/pncmp/compare.json"; then
    cp "$tmp/pncmp/compare.json" "$tmp/out"; bad "pointnet compare.json: no field that should be a number is not"
else ok "pointnet compare.json: no field that should be a number is not"; fi
check "pointnet compare.json: scope"      0 '"scope": "the same work on every side' cat "$tmp/pncmp/compare.json"
check "pointnet compare.json: paper"      0 '"energy_vs_gpu": \{$' cat "$tmp/pncmp/compare.json"
check "pointnet compare.json: ModelNet10" 0 '"paper_source": "arXiv 2506.13151 v1, abstract \(ModelNet10\)"' cat "$tmp/pncmp/compare.json"
check "pointnet compare: report.html scope" 0 '<p id="scope" class="note">Scope: the same work on every side' cat "$tmp/pncmp/report.html"
check "pointnet compare: lossy ADC refused" 1 'analog.adc.bits 6 with lsb_cells 1: the analogue baseline.s int8 layers are costed with a lossless read-out only \(bits >= 8' "$DCIM" compare $PCC --set analog.adc.bits=6
check "pointnet compare: reference refused" 1 'dcim compare needs the point-cloud network.s int8 convs on the chip' "$DCIM" compare $PCC --set run.fidelity=reference
check "pointnet chip run: write wear line"  0 '^write wear +[0-9]+ SET/RESET pulses per cloud over [0-9]+ cells' "$DCIM" run $PC
check "compare scope on MNIST"            0 '^scope +the same work on every side' "$DCIM" compare configs/runs/mnist_bnn.yaml --images 2 --quiet --out "$tmp/cmpm"
check "run --data names the MNIST folder"  0 '^accuracy +[0-9.]+ % \(.*/5 images\)' "$DCIM" run configs/runs/mnist_bnn.yaml --images 5 --quiet --out "$tmp/res4" --data data/mnist
check "pointnet run: --data missing"      1 'cannot read the data' "$DCIM" run $P --data "$tmp/no_such.h5"
check "run: bad override"                1 "keys start with run., chip. or tech." "$DCIM" run $R --set foo=1
check "run: unknown option"              2 'usage: dcim run' "$DCIM" run $R --frobnicate
# No limit on overrides: the last of 150 --set items wins (run, compare, margin).
MANY=""; for i in $(seq 1 150); do MANY="$MANY --set run.seed=$i"; done
check "run takes 150 --set items"        0 '^weights +random, seed 150 ' "$DCIM" run $R $MANY
check "compare takes 150 --set items"    0 '^results ' "$DCIM" compare configs/runs/mnist_bnn.yaml --images 2 --quiet --out "$tmp/cmp" --set run.weights= $MANY
MANYC=""; for i in $(seq 1 150); do MANYC="$MANYC --set chip.array.rows=128"; done
check "margin takes 150 --set items"     0 '128x256 cells' "$DCIM" margin configs/chip/default.yaml --samples 100 $MANYC
check "compare: bad override"            1 "keys start with run., chip., tech., analog., gpu. or host." "$DCIM" compare configs/runs/mnist_bnn.yaml --images 2 --quiet --out "$tmp/cmp" --set foo=1
# The mapper (docs/compiler.md): dcim check of a run file prints the mapping without running
# images; small chips pack, or reload, or are refused naming the smallest change.
# The mapping checks pin the reference-mode model (configs/runs/mnist_bnn_reference.yaml, conv2
# 11/64 pruned), whose file does not change when the default model does.
check "check prints a run file's mapping" 0 '^conv2 +2 +2x1 +144 +2 +1 +15264 ' "$DCIM" check configs/runs/mnist_bnn_reference.yaml
# Pruning that speaks (docs/pruning.md): a layer pruned to warn_share or more is named, with
# what each pruned-filter semantics makes of it; the guard keeps a minimum and says so.
check "a wiped-out layer is warned about"  0 '^warning +layer conv1: 32 of 32 filters pruned' "$DCIM" run configs/runs/mnist_bnn.yaml --images 5 --quiet --out "$tmp/w1"
check "the warning is in --json"          0 '"warnings": \[' "$DCIM" run configs/runs/mnist_bnn.yaml --images 5 --quiet --out "$tmp/w2" --json
check "warn_share lowers the bar"         0 '^warning +layer conv2: 11 of 64 filters pruned' "$DCIM" run configs/runs/mnist_bnn_reference.yaml --images 5 --quiet --out "$tmp/w3" --set run.prune.warn_share=0.1
check "keep_min_filters keeps and says so" 0 'keep_min_filters kept 3 filters' "$DCIM" run configs/runs/mnist_bnn.yaml --images 5 --quiet --out "$tmp/w4" --set run.weights= --set run.prune.enabled=true --set run.prune.keep_min_filters=3
check "check prints the network's shapes" 0 '^conv2 +conv2d_binary +chip +32x14x14 +64x14x14 +3612672 +11/64$' "$DCIM" check configs/runs/mnist_bnn_reference.yaml
check "the default model's pruned filters" 0 '^conv2 +conv2d_binary +chip +32x14x14 +64x14x14 +3612672 +17/64$' "$DCIM" check configs/runs/mnist_bnn.yaml
check "check says what runs on the host"  0 '^fc1 +linear +host +784x1x1 +256x1x1 +200704 ' "$DCIM" check configs/runs/mnist_bnn.yaml
check "check totals chip and host MACs"   0 '^MACs per image  4290048 on the chip, 234752 on the host' "$DCIM" check configs/runs/mnist_bnn.yaml
check "check --set compiles another chip" 0 '^conv2 +4 +4x1 +72 +4 +1 +15264 ' "$DCIM" check configs/runs/mnist_bnn_reference.yaml --set chip.macros=4 --set chip.array.rows=128 --set chip.array.cols=128 --set chip.mapping.split=auto
check "check --set replicates layers"   0 '^conv2 +2 +2x1 +144 +8 +1 +61056 +11\.6% +4  m0 m1 \| m2 m3 \| m4 m5 \| m6 m7$' "$DCIM" check configs/runs/mnist_bnn_reference.yaml --set chip.mapping.replicate=auto
check "check names replicate's values"  1 'chip.mapping.replicate must be an integer in \[1, 1024\] or one of: auto, none, got 0' "$DCIM" check configs/runs/mnist_bnn_reference.yaml --set chip.mapping.replicate=0
check "check refuses what does not fit"  1 "layer 'conv2' does not fit" "$DCIM" check configs/runs/mnist_bnn.yaml --set chip.macros=1 --set chip.array.rows=128 --set chip.array.cols=128
check "check --set needs a run file"     2 'applies to run files only' "$DCIM" check configs/chip/default.yaml --set chip.macros=1
check "run packs 4 macros of 128x128"    0 '^mapping +4 macros of 128x128 cells; strategy spread' "$DCIM" run configs/runs/mnist_bnn.yaml --images 3 --quiet --out "$tmp/m1" --set chip.macros=4 --set chip.array.rows=128 --set chip.array.cols=128
check "run refuses a chip too small"     1 "layer 'conv2' does not fit: .* the smallest change that fits: chip.macros: 2$" "$DCIM" run configs/runs/mnist_bnn.yaml --images 3 --quiet --out "$tmp/m2" --set chip.macros=1 --set chip.array.rows=128 --set chip.array.cols=128
check "run reloads when allowed"         0 '^cycles .* of which [0-9]+ rewrite the weights' "$DCIM" run configs/runs/mnist_bnn.yaml --images 3 --quiet --out "$tmp/m3" --set chip.macros=1 --set chip.array.rows=320 --set chip.array.cols=64 --set chip.mapping.reload=allow
check "stats.json has the mapping"       0 '"reloading": true' cat "$tmp/m3/stats.json"
check "report.html has the mapping"      0 '<section id="mapping">' cat "$tmp/m3/report.html"
# fast and program paths agree on every prediction
"$DCIM" run configs/runs/mnist_bnn.yaml --images 5 --quiet --out "$tmp/a" --json 2>/dev/null | tr -d ' \n' | grep -o '"predictions":\[[0-9,]*\]' >"$tmp/p1"
"$DCIM" run configs/runs/mnist_bnn.yaml --images 5 --quiet --out "$tmp/b" --json --fidelity program 2>/dev/null | tr -d ' \n' | grep -o '"predictions":\[[0-9,]*\]' >"$tmp/p2"
if [ -s "$tmp/p1" ] && cmp -s "$tmp/p1" "$tmp/p2"; then ok "fast and program predictions agree"
else cat "$tmp/p1" "$tmp/p2" >"$tmp/out"; bad "fast and program predictions agree"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
