#!/bin/sh
# The dcim command line's own messages: a misspelt option or command is named with the
# nearest valid one, a missing value or file is named. Usage: run_cli.sh DCIM
# Prints one line per check and ends with "N passed, M failed".
DCIM=${1:?usage: run_cli.sh DCIM}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/checks.sh"
R=configs/runs/mnist_bnn.yaml
check "run: misspelt option"         2 "dcim run: error: unknown option '--image'; did you mean '--images'?" "$DCIM" run $R --image 3
check "run: unknown option"          2 "dcim run: error: unknown option '--frobnicate'" "$DCIM" run $R --frobnicate
check "run: points at --help"        2 "(dcim run --help lists every option)" "$DCIM" run $R --frobnicate
check "run: option without value"    2 "dcim run: error: option '--vcd' needs a value" "$DCIM" run $R --vcd
check "run: mapped option no value"  2 "dcim run: error: option '--images' needs a value" "$DCIM" run $R --images
check "run: no run file"             2 "dcim run: error: no run file given" "$DCIM" run --quiet
check "run: two run files"           2 "dcim run: error: unexpected argument 'b.yaml' (the run file is already '$R')" "$DCIM" run $R b.yaml
check "run: bad --vcd-window"        2 "dcim run: error: --vcd-window needs A:B, cycles with A < B, got '9:3'" "$DCIM" run $R --vcd-window 9:3
check "train: misspelt option"       2 "dcim train: error: unknown option '--epoch'; did you mean '--epochs'?" "$DCIM" train $R --epoch 1
check "compare: misspelt option"     2 "dcim compare: error: unknown option '--swep'; did you mean '--sweep'?" "$DCIM" compare $R --swep a=1
check "compare: option without value" 2 "dcim compare: error: option '--gpu' needs a value" "$DCIM" compare $R --gpu
check "margin: misspelt option"      2 "dcim margin: error: unknown option '--sampls'; did you mean '--samples'?" "$DCIM" margin configs/chip/default.yaml --sampls 3
check "margin: no chip file"         2 "dcim margin: error: no chip file given" "$DCIM" margin --json
check "asm: misspelt option"         2 "dcim asm: error: unknown option '-0'; did you mean '-o'?" "$DCIM" asm x.s -0 y
check "disasm: no input"             2 "dcim disasm: error: no input file given" "$DCIM" disasm
check "misspelt command"             2 "dcim: error: unknown command 'rnu'; did you mean 'run'? expected one of: run, train, margin, compare, sweep, check, config-doc, asm, disasm, version, help" "$DCIM" rnu

# Short run files: a file that extends another states only what differs; its own paths are
# relative to it, the inherited ones to the base, and printed paths are normalised.
mkdir -p "$tmp/runs"
printf 'extends: %s/configs/runs/mnist_quick.yaml\nrun:\n  name: e2e_short\n  out: sub/../res\n  data: {images: 2}\n' \
    "$PWD" >"$tmp/runs/short.yaml"
checkre "short file: inherited keys"     0 "^weights $PWD/workloads/weights/mnist_bnn.safetensors; fidelity program;" "$DCIM" run "$tmp/runs/short.yaml" --quiet
cp "$tmp/out" "$tmp/short.txt"
checkre "short file: own keys"           0 '^accuracy .*\(2/2 images\)' cat "$tmp/short.txt"
check   "short file: normalised out path" 0 "results         $tmp/runs/res/stats.json, $tmp/runs/res/layers.csv, $tmp/runs/res/report.html" cat "$tmp/short.txt"
check   "short file: --out is relative to the working directory" 0 "results         cli/stats.json, cli/layers.csv, cli/report.html" \
    sh -c "cd '$tmp' && '$(cd "$(dirname "$DCIM")" && pwd)/$(basename "$DCIM")' run runs/short.yaml --quiet --out cli"
checkre "short file: --out wrote there"  0 '"status": "complete"' cat "$tmp/cli/stats.json"
check   "check accepts the short file"   0 "ok: $tmp/runs/short.yaml" "$DCIM" check "$tmp/runs/short.yaml"
checkre "a misspelt key names the nearest" 1 "unknown key 'imagez' in 'run.data'; expected one of: .*; did you mean 'images'\?" \
    "$DCIM" run "$tmp/runs/short.yaml" --set run.data.imagez=3

# --jobs N: the images split over N threads give the same summary, stats.json, layers.csv
# and report.html byte for byte for every N, on the fast path and on the program path
# (each thread its own chip); one thread is all SystemC can use.
for fid in fast:300 program:40; do
    f=${fid%%:*}; n=${fid#*:}
    for j in 1 2 3; do
        "$DCIM" run $R --fidelity "$f" --images "$n" --jobs "$j" --quiet --json --out "$tmp/jobs_${f}_$j" \
            >"$tmp/jobs_${f}_$j.json" 2>/dev/null || echo "exit $? with --jobs $j" >>"$tmp/jobs_${f}_1.json"
    done
    for j in 2 3; do
        same=yes
        # the same apart from the invocation block (command line, folder, times; docs/sweep.md)
        for o in stats.json layers.csv report.html; do
            for k in 1 "$j"; do
                sed '/^ "invocation": {/,$d; /<h3>This invocation/,/<\/table>/d' "$tmp/jobs_${f}_$k/$o" >"$tmp/jobs_cmp_$k"
            done
            cmp -s "$tmp/jobs_cmp_1" "$tmp/jobs_cmp_$j" || same="no: $o differs"
        done
        cmp -s "$tmp/jobs_${f}_1.json" "$tmp/jobs_${f}_$j.json" || same="no: --json differs"
        check "jobs: $f path, --jobs $j equals --jobs 1 ($n images)" 0 "same: yes" echo "same: $same"
    done
done
checkre "jobs: the runs counted every image" 0 '"images": 300,' cat "$tmp/jobs_fast_3.json"
check "jobs: not a number"  2 "dcim run: error: --jobs needs an integer from 1 to 1024, got '2x'" "$DCIM" run $R --jobs 2x
check "jobs: zero"          2 "dcim run: error: --jobs needs an integer from 1 to 1024, got '0'" "$DCIM" run $R --jobs 0
check "jobs: SystemC is one thread" 1 "$R: error: --jobs 2: fidelity cycle (SystemC runs one kernel per process) runs on one thread; use --jobs 1" \
    "$DCIM" run $R --fidelity cycle --jobs 2 --images 1 --quiet --out "$tmp/jobs_cycle"

# VCD traces: the same run gives the same file byte for byte (no date unless --vcd-date),
# the top scope is the chip's name, and the translate filters name opcodes and states.
V="configs/runs/mnist_bnn.yaml --images 1 --quiet --fidelity cycle --vcd-window 0:400"
"$DCIM" run $V --out "$tmp/v1" --vcd "$tmp/a.vcd" >/dev/null 2>&1
"$DCIM" run $V --out "$tmp/v2" --vcd "$tmp/b.vcd" >/dev/null 2>&1
if [ -s "$tmp/a.vcd" ] && cmp -s "$tmp/a.vcd" "$tmp/b.vcd"; then ok "vcd: two runs give the same file"
else echo "a.vcd and b.vcd differ or are empty" >"$tmp/out"; bad "vcd: two runs give the same file"; fi
check   "vcd: top scope is the chip"      0 '$scope module default $end' cat "$tmp/a.vcd"
check   "vcd: opcode filter"              0 '14 gated' cat "$tmp/a.vcd.opcodes.txt"
check   "vcd: state filter"               0 '2 stall_unit' cat "$tmp/a.vcd.state.txt"
checkre "vcd: --vcd-date keeps the date"  0 '^\$date' sh -c "'$(cd "$(dirname "$DCIM")" && pwd)/$(basename "$DCIM")' run $V --out '$tmp/v3' --vcd '$tmp/c.vcd' --vcd-date >/dev/null && cat '$tmp/c.vcd'"
if ls "$tmp"/*.tmp* >/dev/null 2>&1; then ls "$tmp"/*.tmp* >"$tmp/out"; bad "vcd: no temporary files left"; else ok "vcd: no temporary files left"; fi

# The architect's numbers: the same in every fidelity (text and stats.json), conventions
# stated, and a faster clock shows more cycles per device operation.
for fid in fast program cycle; do
    "$DCIM" run configs/runs/mnist_bnn.yaml --images 2 --quiet --out "$tmp/f_$fid" --fidelity $fid 2>&1 |
        grep -E '^(cycles|throughput|efficiency|cycle split|unit busy|macro busy|device timing) ' >"$tmp/fig_$fid.txt"
    sed -n '/"figures": {/,/^ }/p' "$tmp/f_$fid/stats.json" >"$tmp/figj_$fid.txt"
done
if [ "$(wc -l <"$tmp/fig_fast.txt")" -eq 7 ] && cmp -s "$tmp/fig_fast.txt" "$tmp/fig_program.txt" && cmp -s "$tmp/fig_fast.txt" "$tmp/fig_cycle.txt"
then ok "figures: text identical in fast, program and cycle"
else cat "$tmp"/fig_*.txt >"$tmp/out"; bad "figures: text identical in fast, program and cycle"; fi
if grep -q '"tops_per_w"' "$tmp/figj_fast.txt" && cmp -s "$tmp/figj_fast.txt" "$tmp/figj_program.txt" && cmp -s "$tmp/figj_fast.txt" "$tmp/figj_cycle.txt"
then ok "figures: stats.json identical in fast, program and cycle"
else cat "$tmp"/figj_*.txt >"$tmp/out"; bad "figures: stats.json identical in fast, program and cycle"; fi
checkre "figures: ops convention stated"  0 '^efficiency +[0-9.]+ TOPS/W, [0-9.]+ TOPS/mm2 \(1 MAC = 2 ops; the chip.s executed MACs' cat "$tmp/fig_fast.txt"
checkre "figures: throughput at the clock" 0 '^throughput +[0-9.]+ inferences/s at 100 MHz' cat "$tmp/fig_fast.txt"
# issue + every wait + drain = the cycles per image
total=$(sed -n 's/^cycles *\([0-9]*\) per image.*/\1/p' "$tmp/fig_fast.txt")
sum=$(sed -n 's/^cycle split *per image: \([0-9]*\) issue ([0-9.]* %), waiting for \(.*\); drain \([0-9]*\)$/\1 \2 \3/p' \
    "$tmp/fig_fast.txt" | tr -c '0-9' ' ' | tr -s ' ' '\n' | grep -v '^$' | paste -sd+)
parts=$((${sum:-0}))
if [ -n "$total" ] && [ "$total" = "$parts" ]; then ok "figures: the cycle split adds up to the cycles ($total)"
else echo "cycles $total, split sums to $parts" >"$tmp/out"; bad "figures: the cycle split adds up to the cycles"; fi
checkre "figures: in report.html"         0 'id="fig-tops-w"' cat "$tmp/f_fast/report.html"
checkre "figures: 400 MHz, 10 ns = 4 cycles" 0 '^device timing .* read 10 ns = 4,' \
    "$DCIM" run configs/runs/mnist_bnn.yaml --images 1 --quiet --out "$tmp/f400" --set chip.clock_mhz=400

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
