#!/bin/sh
# dcim sweep end to end (issue 16, docs/sweep.md): a grid with points that do not fit or
# carry a bad value (recorded, the sweep goes on, exit status 10 + failed), resume, --jobs 1
# and 2 giving the same tables, shards merged equal to the whole, a shard of another sweep
# refused, Ctrl-C keeping complete points, a compare sweep's columns, a sweep file, the
# SLURM scripts submitted through a stand-in sbatch that runs them here. Usage:
# run_sweep.sh DCIM. Ends with "N passed, M failed".
DCIM=${1:?usage: run_sweep.sh DCIM}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/checks.sh"
R=configs/runs/mnist_bnn.yaml
G="--run $R --set run.data.images=10 --quiet --linked chip.array.rows=8,64,128,5000 --linked chip.array.cols=8,64,128,128 --grid chip.macros=4,8"
col() { # col FILE NAME: the column NAME of a CSV without quoted commas before it
    awk -F, -v n="$2" 'NR==1{for(i=1;i<=NF;i++) if($i==n) c=i; next} {print $c}' "$1"
}

# 8 points, the grid's key slowest (flags: grids, then the linked group): 8x8 arrays and
# 4 macros of 64x64 do not fit, 5000 rows are out of range; the rest run
"$DCIM" sweep $G --out "$tmp/a" --jobs 2 >"$tmp/out" 2>&1; rc=$?
if [ $rc -eq 15 ] && grep -q "8 run now, 0 already complete, 5 not ok" "$tmp/out"; then ok "5 failed points: exit status 15"; else bad "5 failed points: exit status 15"; fi
st=$(col "$tmp/a/sweep.csv" status | tr '\n' ' ')
if [ "$st" = "failed failed ok failed failed ok ok failed " ]; then ok "the failed points are the ones that cannot work"; else echo "$st" >"$tmp/out"; bad "the failed points are the ones that cannot work"; fi
if grep -q "no free rectangle" "$tmp/a/sweep.csv" && grep -q "chip.array.rows must be in \[8, 4096\], got 5000" "$tmp/a/sweep.csv"; then
    ok "each failed point keeps its error"; else cp "$tmp/a/sweep.csv" "$tmp/out"; bad "each failed point keeps its error"; fi
for f in stats.json layers.csv report.html manifest.json point.json log.txt; do [ -s "$tmp/a/points/000002/$f" ] || missing="$missing $f"; done
if [ -z "$missing" ]; then ok "a point's folder holds its full results"; else echo "missing:$missing" >"$tmp/out"; bad "a point's folder holds its full results"; fi
e=$(col "$tmp/a/sweep.csv" energy_total_pj_per_image | sed -n 3p)
e0=$(sed -n 's/^ *"total": \([0-9.e+]*\),*$/\1/p' "$tmp/a/points/000002/stats.json" | head -1)
if [ -n "$e" ] && awk -v a="$e" -v b="$e0" 'BEGIN{exit !(a == b)}'; then ok "sweep.csv carries the point's energy"; else echo "csv $e stats $e0" >"$tmp/out"; bad "sweep.csv carries the point's energy"; fi
if grep -q '<svg' "$tmp/a/report.html" && grep -q 'class="front"' "$tmp/a/report.html" && grep -q '"complete": true' "$tmp/a/manifest.json"; then
    ok "report.html with the Pareto front, written as a set"; else bad "report.html with the Pareto front, written as a set"; fi

# resume: nothing runs again; --retry-failed runs only the failed ones
check "a second run skips complete points" 15 "points          8 here: 0 run now, 8 already complete, 5 not ok, 0 not run; 0.0 s" \
    "$DCIM" sweep $G --out "$tmp/a"
checkre "--retry-failed runs the failed points again" 15 "points          8 here: 5 run now, 3 already complete, 5 not ok" \
    "$DCIM" sweep $G --out "$tmp/a" --retry-failed
"$DCIM" sweep $G --out "$tmp/j1" --jobs 1 >/dev/null 2>&1
if cmp -s "$tmp/a/sweep.csv" "$tmp/j1/sweep.csv"; then ok "--jobs 1 and --jobs 2 give the same sweep.csv"; else diff "$tmp/a/sweep.csv" "$tmp/j1/sweep.csv" >"$tmp/out"; bad "--jobs 1 and --jobs 2 give the same sweep.csv"; fi

# shards: a deterministic split, merged equal to the whole; another sweep's shard refused
for i in 1 2 3; do "$DCIM" sweep $G --shard $i/3 --out "$tmp/s$i" >/dev/null 2>&1; done
n=$(cat "$tmp"/s1/sweep.csv "$tmp"/s2/sweep.csv "$tmp"/s3/sweep.csv | grep -vc '^index')
if [ "$n" = 8 ] && [ "$(col "$tmp/s2/sweep.csv" index | tr '\n' ' ')" = "1 4 7 " ]; then ok "shard 2/3 runs points 1, 4, 7"; else bad "shard 2/3 runs points 1, 4, 7"; fi
check "merge combines the shards" 15 "merged          3 shards into $tmp/m/sweep.csv, sweep.json, report.html; 5 points not ok" \
    "$DCIM" sweep merge "$tmp/m" "$tmp/s1" "$tmp/s2" "$tmp/s3"
if cmp -s "$tmp/m/sweep.csv" "$tmp/j1/sweep.csv"; then ok "the merged sweep.csv equals the one-machine run"; else diff "$tmp/m/sweep.csv" "$tmp/j1/sweep.csv" >"$tmp/out"; bad "the merged sweep.csv equals the one-machine run"; fi
check "a missing shard leaves its points missing" 15 "merged          2 shards into $tmp/m2/sweep.csv, sweep.json, report.html; 5 points not ok" \
    "$DCIM" sweep merge "$tmp/m2" "$tmp/s1" "$tmp/s3"
"$DCIM" sweep --run $R --set run.data.images=10 --quiet --grid chip.macros=4,8 --shard 1/1 --out "$tmp/other" >/dev/null 2>&1
checkre "a shard of another sweep is refused" 1 "other/sweep.json: error: a shard of another sweep: definition SHA-256 " \
    "$DCIM" sweep merge "$tmp/m3" "$tmp/s1" "$tmp/other"
checkre "a shard given twice is refused" 1 "s1/sweep.json: error: point 0 is in two shards" \
    "$DCIM" sweep merge "$tmp/m3" "$tmp/s1" "$tmp/s1"

# Ctrl-C (SIGINT to the process group, as a terminal sends it): complete points stay, the
# sweep exits 3, and a second run finishes with the same table as an uninterrupted one
S="--run $R --set run.data.images=50 --quiet --random 24 --seed 3 --range chip.clock_mhz=50:400 --choices chip.macros=4,8,16"
"$DCIM" sweep $S --out "$tmp/full" --jobs 2 >/dev/null 2>&1
setsid "$DCIM" sweep $S --out "$tmp/int" --jobs 2 >"$tmp/out" 2>&1 &
pid=$!
for _ in $(seq 100); do [ "$(ls "$tmp"/int/points/*/point.json 2>/dev/null | wc -l)" -ge 3 ] && break; sleep 0.05; done
/bin/kill -s INT -- "-$pid"; wait $pid; rc=$?
done_n=$(ls "$tmp"/int/points/*/point.json 2>/dev/null | wc -l)
if [ $rc -eq 3 ] && [ "$done_n" -ge 3 ] && [ "$done_n" -lt 24 ]; then ok "Ctrl-C stops the sweep (exit 3) with $done_n complete points kept"; else echo "rc $rc, $done_n points" >>"$tmp/out"; bad "Ctrl-C stops the sweep (exit 3) with the complete points kept"; fi
checkre "the run after Ctrl-C runs only the rest" 0 "points          24 here: $((24 - done_n)) run now, $done_n already complete" \
    "$DCIM" sweep $S --out "$tmp/int" --jobs 2
if cmp -s "$tmp/int/sweep.csv" "$tmp/full/sweep.csv"; then ok "interrupted and resumed equals uninterrupted"; else diff "$tmp/int/sweep.csv" "$tmp/full/sweep.csv" >"$tmp/out"; bad "interrupted and resumed equals uninterrupted"; fi

# a compare sweep: the digital and analogue chips' and the GPU's numbers, each a column
"$DCIM" sweep --compare --run $R --set run.data.images=10 --quiet --grid analog.adc.bits=4,8 --out "$tmp/c" >/dev/null 2>&1
h=$(head -1 "$tmp/c/sweep.csv")
miss=""; for c in digital_energy_pj_per_inference digital_latency_ns_per_inference digital_area_um2 digital_tops_per_w digital_tops_per_mm2 \
    analog_energy_pj_per_inference analog_area_um2 analog_tops_per_w gpu_energy_pj_per_inference energy_vs_analog_change_frac; do
    echo "$h" | tr ',' '\n' | grep -qx "$c" || miss="$miss $c"; done
if [ -z "$miss" ] && [ "$(col "$tmp/c/sweep.csv" status | tr '\n' ' ')" = "ok ok " ]; then ok "a compare sweep tabulates the three machines"; else echo "missing:$miss" >"$tmp/out"; bad "a compare sweep tabulates the three machines"; fi

# a sweep file, its errors at file:line:col, and flags adding to it
cat >"$tmp/s.yaml" <<YAML
sweep:
  run: $PWD/$R
  set: {run.data.images: 10}
  grid: {chip.macros: [4, 8]}
  points:
    - {chip.clock_mhz: 50}
    - {chip.clock_mhz: 200, chip.array.rows: 128}
YAML
"$DCIM" sweep "$tmp/s.yaml" --out "$tmp/f" --quiet >"$tmp/out" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q "^3,8,200,128,ok" "$tmp/f/sweep.csv"; then ok "a sweep file: grid x points, a point's own keys"; else cp "$tmp/f/sweep.csv" "$tmp/out" 2>/dev/null; bad "a sweep file: grid x points, a point's own keys"; fi
printf 'sweep:\n  run: %s\n  grid: {chip.macros: [4, 8]}\n  smaple: {}\n' "$PWD/$R" >"$tmp/bad.yaml"
check "an unknown key in a sweep file" 1 "$tmp/bad.yaml:4:3: error: unknown key 'smaple' in 'sweep'; expected one of: command, run, analog, gpu, out, metric, pareto, set, grid, linked, points, sample; did you mean 'sample'?" \
    "$DCIM" sweep "$tmp/bad.yaml"
check "an unknown swept key names the nearest" 1 "error: unknown swept key 'chip.macro'; did you mean 'chip.macros'? (dcim config-doc chip lists them)" \
    "$DCIM" sweep --run $R --grid chip.macro=1,2
check "a sweep with no points" 1 "error: the sweep has no points: give a grid, linked keys, points or a sample" \
    "$DCIM" sweep --run $R
check "--shard out of range" 2 "dcim sweep: error: --shard needs I/N with 1 <= I <= N, got '4/3'" \
    "$DCIM" sweep --run $R --grid chip.macros=4,8 --shard 4/3

# SLURM: the scripts, then --submit through a stand-in sbatch that runs each job here (the
# array's tasks one by one) and honours the merge's dependency by running it last
mkdir -p "$tmp/bin"
cat >"$tmp/bin/sbatch" <<'SB'
#!/bin/sh
# stand-in sbatch: --parsable [--dependency=...] SCRIPT; runs SCRIPT now (an --array=1-N
# script once per task) and prints a job id
script=; for a; do case $a in --*) ;; *) script=$a ;; esac; done
# like sbatch, read #SBATCH lines only above the first command
n=$(awk '!/^#/{exit} /^#SBATCH --array=1-[0-9]+$/{sub(/.*--array=1-/, ""); print}' "$script")
for t in $(seq "${n:-1}"); do SLURM_ARRAY_TASK_ID=$t sh "$script" >/dev/null 2>&1; done
echo "$$"
SB
chmod +x "$tmp/bin/sbatch"
checkre "--slurm writes the scripts" 0 "^slurm           .*/slurm/sweep.sbatch \(3 shard tasks\)" \
    "$DCIM" sweep $G --slurm 3 --out "$tmp/sl" --sbatch --partition=cpu
if grep -qx "#SBATCH --array=1-3" "$tmp/sl/slurm/sweep.sbatch" && grep -qx "#SBATCH --partition=cpu" "$tmp/sl/slurm/merge.sbatch" &&
    grep -q "dependency=afterany" "$tmp/sl/slurm/submit.sh"; then ok "an array of 3 shard tasks, a dependent merge"; else bad "an array of 3 shard tasks, a dependent merge"; fi
checkre "--submit submits them" 0 "^submitted: shards job [0-9]+, merge job [0-9]+" \
    env PATH="$tmp/bin:$PATH" "$DCIM" sweep $G --slurm 3 --submit --out "$tmp/sl"
if cmp -s "$tmp/sl/sweep.csv" "$tmp/j1/sweep.csv"; then ok "the SLURM sweep's merged table equals the one-machine run"; else ls -R "$tmp/sl" >"$tmp/out"; bad "the SLURM sweep's merged table equals the one-machine run"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
