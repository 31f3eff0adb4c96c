#!/bin/sh
# dcim compare from the command line, and the HTML reports of dcim run and dcim compare rendered
# by headless Chromium (Debian package chromium, installed by scripts/deps.sh): a screenshot that
# must be a real 1200x2000 PNG with content, and the DOM, which must hold the report's section ids
# and the numbers the text output printed. Usage: run_html.sh DCIM. Ends with "N passed, M failed".
DCIM=${1:?usage: run_html.sh DCIM}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/checks.sh"
# check here matches an extended regular expression (checks.sh's checkre)
check() { checkre "$@"; }
# has NAME FILE FIXED_STRING...: every string occurs in FILE
has() {
    name=$1; file=$2; shift 2
    for s in "$@"; do
        if ! grep -Fq -- "$s" "$file"; then echo "     missing: $s" >"$tmp/out"; bad "$name"; return; fi
    done
    ok "$name"
}

# ---- dcim compare on the command line ----
C="configs/runs/mnist_bnn.yaml --images 30 --quiet"
check "compare --help"                     0 '^usage: dcim compare' "$DCIM" compare --help
check "compare prints the table"           0 '^energy / inference +[0-9.]+ [pnum]J +[0-9.]+ [pnum]J +[0-9.]+ [pnum]?J' "$DCIM" compare $C --out "$tmp/c0"
cp "$tmp/out" "$tmp/c0.txt"
check "compare states the op convention"   0 '1 MAC = 2 ops, 4524800 MACs per inference' cat "$tmp/c0.txt"
check "compare shows the paper's numbers"  0 'area vs analogue RRAM CIM +[-+][0-9.]+ % +[0-9.]+ +-72\.30 %' cat "$tmp/c0.txt"
check "compare writes compare.json"        0 '"energy_vs_gpu": \{' cat "$tmp/c0/compare.json"
check "compare caps 10000 images at 1000"  0 '^images +1000 of the run file.s 10000' "$DCIM" compare configs/runs/mnist_bnn.yaml --quiet --out "$tmp/c1"
check "compare --json"                     0 '"reductions": \{' "$DCIM" compare $C --out "$tmp/c2" --json
check "compare --set reaches the baseline" 0 '5-bit neurosim_sar ADC' "$DCIM" compare $C --out "$tmp/c3" --set analog.adc.bits=5
check "compare --sweep tabulates"          0 '^range: area vs analogue' "$DCIM" compare $C --out "$tmp/c4" --sweep analog.adc.bits=4,8
if [ "$(grep -Ec '^(4|8) +[-+][0-9.]+ %' "$tmp/out")" -eq 2 ]; then ok "sweep has one row per value"; else bad "sweep has one row per value"; fi
check "compare --sweep: bad key"           1 "keys start with run., chip., tech., analog., gpu. or host." "$DCIM" compare $C --out "$tmp/c5" --sweep adc.bits=4,8
check "compare --sweep: bad value"         1 'analog.adc.bits' "$DCIM" compare $C --out "$tmp/c5" --sweep analog.adc.bits=4,99
check "compare --sweep: empty value"       1 'empty value' "$DCIM" compare $C --out "$tmp/c5" --sweep analog.adc.bits=4,,8
check "compare: bad --set prefix"          1 "override 'foo=1'" "$DCIM" compare $C --out "$tmp/c5" --set foo=1
check "compare: missing baseline file"     1 'no/such.yaml' "$DCIM" compare $C --out "$tmp/c5" --analog no/such.yaml
check "compare: unknown option"            2 'usage: dcim compare' "$DCIM" compare $C --frobnicate
# measured GPU numbers replace the model: 2 s at 100 W then 200 W (trapezoid: 300 J) over 1000 inferences
mkdir -p "$tmp/gpu"
{ cat configs/baselines/rtx4090.yaml; printf '  measured:\n    power_csv: power.csv\n    inferences: 1000\n'; } >"$tmp/gpu/g.yaml"
printf 'time_s,power_w\n0,100\n1,200\n2,200\n' >"$tmp/gpu/power.csv"
check "compare with measured GPU power"    0 '^energy / inference +.* 350 mJ' "$DCIM" compare $C --out "$tmp/c6" --gpu "$tmp/gpu/g.yaml"
cp "$tmp/out" "$tmp/c6.txt"
check "measured GPU is stated"             0 'gpu +rtx4090 MEASURED: .*3 samples over 2 s' cat "$tmp/c6.txt"

# ---- the reports in a browser ----
if [ ! -x "$CHROMIUM" ]; then
    echo "FAIL headless Chromium: $CHROMIUM is missing; install the Debian package chromium (scripts/deps.sh does, as root)"
    echo "$pass passed, $((fail + 1)) failed"
    exit 1
fi
# shot NAME HTML: screenshot to NAME.png and DOM to NAME.dom
shot() {
    flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
--disable-component-update --disable-sync"
    timeout 120 "$CHROMIUM" $flags --user-data-dir="$(mktemp -d -p "$tmp")" --screenshot="$tmp/$1.png" \
        --window-size=1200,2000 "file://$2" >/dev/null 2>&1
    timeout 120 "$CHROMIUM" $flags --user-data-dir="$(mktemp -d -p "$tmp")" --dump-dom "file://$2" >"$tmp/$1.dom" 2>/dev/null
}
# png_ok NAME: a PNG of 1200x2000 pixels and more than 40 kB (a blank page is about 10 kB)
png_ok() {
    f="$tmp/$1.png"
    if [ ! -s "$f" ]; then echo "     no screenshot" >"$tmp/out"; bad "$1 screenshot"; return; fi
    magic=$(od -An -tx1 -N8 "$f" | tr -d ' \n'); dims=$(od -An -tu1 -j16 -N8 "$f" | tr -s ' ' | sed 's/^ //')
    size=$(wc -c <"$f")
    if [ "$magic" = 89504e470d0a1a0a ] && [ "$dims" = "0 0 4 176 0 0 7 208" ] && [ "$size" -gt 40000 ]; then
        ok "$1 screenshot (${size} bytes)"
    else echo "     magic $magic, IHDR size bytes '$dims', $size bytes" >"$tmp/out"; bad "$1 screenshot"; fi
}

"$DCIM" run configs/runs/mnist_bnn.yaml --images 30 --quiet --out "$tmp/run" >"$tmp/run.txt" 2>&1
acc=$(sed -n 's/^accuracy *\([0-9.]* %\).*/\1/p' "$tmp/run.txt")
energy=$(sed -n 's/^energy *\([0-9.]* uJ\) per image.*/\1/p' "$tmp/run.txt")
area=$(sed -n 's/^area *\([0-9.]* mm2\):.*/\1/p' "$tmp/run.txt")
if [ -s "$tmp/run/report.html" ] && [ ! -e "$tmp/run/report.html.tmp" ]; then ok "run writes report.html"
else cp "$tmp/run.txt" "$tmp/out"; bad "run writes report.html"; fi
shot run "$tmp/run/report.html"
png_ok run
has "run report: section ids" "$tmp/run.dom" 'id="summary"' 'id="energy-breakdown"' 'id="area-breakdown"' \
    'id="layers"' 'id="energy-chart"' 'id="layers-chart"' '<svg' 'id="figures"' 'id="fig-tops-w"' 'id="fig-split"'
has "run report: the printed numbers" "$tmp/run.dom" "${acc:-accuracy?}" "${energy:-energy?}" "${area:-area?}" \
    'conv2' 'pruned'

"$DCIM" compare $C --out "$tmp/cmp" >"$tmp/cmp.txt" 2>&1
red=$(sed -n 's/^ *energy vs analogue RRAM CIM *\([-+][0-9.]* %\).*/\1/p' "$tmp/cmp.txt")
egpu=$(sed -n 's/^energy \/ inference *[0-9.]* [pnum]J *[0-9.]* [pnum]J *\([0-9.]* [pnum]*J\).*/\1/p' "$tmp/cmp.txt")
shot cmp "$tmp/cmp/report.html"
png_ok cmp
has "compare report: section ids" "$tmp/cmp.dom" 'id="comparison"' 'id="reductions"' 'id="assumptions"' \
    'id="comparison-energy"' 'id="comparison-components"' 'id="comparison-area"' 'id="energy-breakdown"' \
    'id="area-breakdown"' 'id="layers"'
has "compare report: ours beside the paper's" "$tmp/cmp.dom" "${red:-reduction?}" "${egpu:-gpu energy?}" \
    '-72.30 %' '-57.26 %' '-75.61 %' '1 MAC = 2 ops'

# a point-cloud run's page: the host reference (2 clouds), then the tiny network's convs on the chip
PN="configs/runs/pointnet_modelnet10.yaml --images 2 --quiet"
"$DCIM" run $PN --fidelity reference --out "$tmp/pn" >"$tmp/pn.txt" 2>&1
pacc=$(sed -n 's/^accuracy *\([0-9.]* %\).*/\1/p' "$tmp/pn.txt")
psa1=$(sed -n 's/^ *pt_sa1 *set_abstraction *chip *\([0-9]* *[0-9]*\)$/\1/p' "$tmp/pn.txt" | tr -s ' ' '\n')
if [ -s "$tmp/pn/report.html" ] && grep -q '"report.html"' "$tmp/pn/manifest.json"; then ok "pointnet run writes report.html"
else cp "$tmp/pn.txt" "$tmp/out"; bad "pointnet run writes report.html"; fi
shot pn "$tmp/pn/report.html"
png_ok pn
has "pointnet report: section ids" "$tmp/pn.dom" 'id="summary"' 'id="layers"' 'id="layers-chart"' 'id="pruning"' \
    '<svg' 'clouds'
if grep -q 'id="chip"' "$tmp/pn.dom"; then bad "pointnet reference report: no chip section"
else ok "pointnet reference report: no chip section"; fi
has "pointnet report: the printed numbers" "$tmp/pn.dom" "${pacc:-accuracy?}" $(echo "${psa1:-pt_sa1?}" | sed 's/.*/<td>&<\/td>/') \
    'pt_sa1.Conv0'
"$DCIM" run $PN --out "$tmp/pnc" --set run.network=tests/workloads/pointnet/tiny.yaml --set run.weights= >"$tmp/pnc.txt" 2>&1
ptime=$(sed -n 's/^chip time *\([0-9.]* ms\) per cloud.*/\1/p' "$tmp/pnc.txt")
parea=$(sed -n 's/^chip .*area \([0-9.]* mm2\);.*/\1/p' "$tmp/pnc.txt")
pcyc=$(sed -n 's/^ *pt_sa1.Conv0 *3 x 8 *[0-9]* *\([0-9]* *[0-9]*\) .*/\1/p' "$tmp/pnc.txt" | tr -s ' ' '\n')
shot pnc "$tmp/pnc/report.html"
png_ok pnc
has "pointnet chip report: section ids" "$tmp/pnc.dom" 'id="chip"' 'id="chip-time"' 'id="energy-breakdown"' \
    'id="energy-chart"' 'id="area-breakdown"' 'id="area-chart"' 'id="pruning"'
has "pointnet chip report: the printed numbers" "$tmp/pnc.dom" "${ptime:-chip time?}" "${parea:-area?}" \
    $(echo "${pcyc:-pt_sa1.Conv0 cycles?}" | sed 's/.*/<td>&<\/td>/')

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
