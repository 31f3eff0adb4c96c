#!/bin/sh
# Results folders as sets and inputs that must not hang (issue 15; docs/formats.md, "Results
# folders"): a write failure part-way (a file-size limit standing in for a full disk), an
# unusable --out refused before anything runs, SIGTERM writing partial results like Ctrl-C,
# SIGKILL leaving the previous set untouched, FIFOs refused at once, non-finite weights
# refused, and the exit statuses. Usage: run_results.sh DCIM. Ends with "N passed, M failed".
DCIM=${1:?usage: run_results.sh DCIM}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/checks.sh"
R=configs/runs/mnist_bnn.yaml
# the number of images a results folder's stats.json counts
images_of() { sed -n 's/^ *"images": \([0-9]*\),*$/\1/p' "$1/stats.json" | head -1; }
# the folder holds a complete set: a manifest naming exactly its files, no staging folder left
is_set() {
    [ -f "$1/manifest.json" ] || return 1
    for f in stats.json layers.csv report.html; do grep -q "\"$f\"" "$1/manifest.json" && [ -s "$1/$f" ] || return 1; done
    ! ls -d "$1"/.staging.* >/dev/null 2>&1
}
A=$tmp/res
check "a run writes its set" 0 "results         $A/stats.json, $A/layers.csv, $A/report.html" \
    "$DCIM" run $R --quiet --images 20 --out "$A"
if is_set "$A" && [ "$(images_of "$A")" = 20 ]; then ok "manifest lists the set"; else ls -la "$A" >"$tmp/out"; bad "manifest lists the set"; fi
cp -r "$A" "$tmp/before"

# A write that fails part-way (stats.json, written first, fits under the limit, report.html
# does not; ulimit -f counts 512-byte blocks in dash): the old set stays whole, nothing staged
# is left behind
limit=$(( $(wc -c <"$A/stats.json") / 512 + 2 ))
[ $((limit * 512)) -lt "$(wc -c <"$A/report.html")" ] || { echo "FAIL the file-size limit does not fall between the files"; fail=$((fail + 1)); }
checkre "a full disk part-way is an error" 1 "report.html.*(File too large|cannot write)" \
    sh -c "ulimit -f $limit; exec '$DCIM' run $R --quiet --images 30 --out '$A'"
if diff -r "$tmp/before" "$A" >"$tmp/out" 2>&1; then ok "a full disk leaves the previous set untouched"; else bad "a full disk leaves the previous set untouched"; fi

# An unusable --out is refused before any image runs (no progress, no accuracy line)
echo x >"$tmp/file"
check "an --out under a file is refused" 1 "$tmp/file/sub: error: cannot create the results folder: Not a directory (a parent of it is a file)" \
    "$DCIM" run $R --images 20 --out "$tmp/file/sub"
if grep -q accuracy "$tmp/out"; then bad "an --out under a file is refused before the run"; else ok "an --out under a file is refused before the run"; fi
checkre "a read-only --out is refused" 1 "/proc/dcim-results: error: cannot create the results folder: " \
    "$DCIM" run $R --quiet --images 20 --out /proc/dcim-results
# a folder without write permission (root writes anyway, so only as another user)
if [ "$(id -u)" != 0 ]; then
    mkdir "$tmp/ro" && chmod 555 "$tmp/ro"
    check "a folder without write permission is refused" 1 "$tmp/ro: error: cannot write into the results folder: Permission denied" \
        "$DCIM" run $R --quiet --images 20 --out "$tmp/ro"
    chmod 755 "$tmp/ro"
fi
long=$(printf "%05005d" 0)
check "a 5,005-character --out is named with its length" 1 \
    "<override>: error: run.out must be at most 511 characters, got 5005 (override 'run.out=$(printf '%.192s' "$long")')" \
    "$DCIM" run $R --quiet --images 20 --out "$long"
checkre "compare: an --out under a file is refused" 1 "$tmp/file/c: error: cannot create the results folder: Not a directory" \
    "$DCIM" compare $R --quiet --images 2 --out "$tmp/file/c"

# A point-cloud run writes its set the same way, and refuses an unusable --out before any cloud
PN="configs/runs/pointnet_modelnet10.yaml --fidelity reference --quiet --images 2"
check "pointnet: an --out under a file is refused" 1 "$tmp/file/pn: error: cannot create the results folder: Not a directory (a parent of it is a file)" \
    "$DCIM" run $PN --out "$tmp/file/pn"
if grep -q accuracy "$tmp/out"; then bad "pointnet: refused before the clouds run"; else ok "pointnet: refused before the clouds run"; fi
"$DCIM" run $PN --out "$tmp/pn" >"$tmp/out" 2>&1
if is_set "$tmp/pn" && [ -z "$(ls -A "$tmp/pn" | grep '^\.staging')" ]; then ok "pointnet: manifest lists the set"
else ls -la "$tmp/pn" >>"$tmp/out"; bad "pointnet: manifest lists the set"; fi

# SIGTERM acts as Ctrl-C: exit 3, partial results written as a set, marked aborted
"$DCIM" run $R --quiet --images 10000 --fidelity program --out "$tmp/term" >"$tmp/out" 2>&1 &
pid=$!; sleep 1; kill -TERM $pid; wait $pid; rc=$?
if [ $rc -eq 3 ] && is_set "$tmp/term" && grep -q '"status": "aborted"' "$tmp/term/stats.json"; then ok "SIGTERM: exit 3, partial set written"
else echo "exit $rc" >>"$tmp/out"; bad "SIGTERM: exit 3, partial set written"; fi

# SIGKILL at several points of a run (loading, running, writing): the folder holds the previous
# set, whole (a killed run's staging folder may stay until the next run removes it)
for delay in 0.05 0.3 1; do
    "$DCIM" run $R --quiet --images 10000 --fidelity program --out "$A" >/dev/null 2>&1 &
    pid=$!; sleep $delay; kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null
    if diff -r -x '.staging.*' "$tmp/before" "$A" >"$tmp/out" 2>&1; then ok "SIGKILL after ${delay}s: the previous set, whole"
    else ls -la "$A" >>"$tmp/out"; bad "SIGKILL after ${delay}s: the previous set, whole"; fi
done
check "a later run clears a killed run's staging folder" 0 "results         $A/stats.json, $A/layers.csv, $A/report.html" \
    "$DCIM" run $R --quiet --images 20 --out "$A"
if is_set "$A"; then ok "no staging folder left"; else ls -la "$A" >"$tmp/out"; bad "no staging folder left"; fi

# FIFOs as inputs are refused at once, never read (timeout: a hang fails the check)
mkfifo "$tmp/fifo.yaml" "$tmp/fifo.safetensors"
check "a FIFO as the run file" 1 "$tmp/fifo.yaml: error: not a regular file (a FIFO)" timeout 10 "$DCIM" run "$tmp/fifo.yaml" --quiet
check "a FIFO to check" 1 "$tmp/fifo.yaml: error: not a regular file (a FIFO)" timeout 10 "$DCIM" check "$tmp/fifo.yaml"
check "a FIFO as the weights" 1 "$tmp/fifo.safetensors: error: cannot open: not a regular file (a FIFO)" \
    timeout 10 "$DCIM" run $R --quiet --weights "$tmp/fifo.safetensors" --out "$tmp/w"
check "a FIFO to disassemble" 1 "$tmp/fifo.yaml: error: cannot open: not a regular file (a FIFO)" timeout 10 "$DCIM" disasm "$tmp/fifo.yaml"

# Weights with NaN or infinite values are refused before running, counted, the tensor named
"${PYTHON:-/usr/bin/python3}" - "$tmp/nan.safetensors" <<'PY'
import json, struct, sys
src = open("workloads/weights/mnist_bnn.safetensors", "rb").read()
n = struct.unpack("<Q", src[:8])[0]
head = json.loads(src[8:8 + n])
data = bytearray(src[8 + n:])
name = sorted(k for k in head if k != "__metadata__")[0]
start = head[name]["data_offsets"][0]
data[start:start + 12] = struct.pack("<fff", float("nan"), float("inf"), float("nan"))
open(sys.argv[1], "wb").write(src[:8 + n] + bytes(data))
PY
first=$("${PYTHON:-/usr/bin/python3}" -c "import json,struct;s=open('workloads/weights/mnist_bnn.safetensors','rb').read();n=struct.unpack('<Q',s[:8])[0];print(sorted(k for k in json.loads(s[8:8+n]) if k!='__metadata__')[0])")
checkre "NaN weights are refused with the counts" 1 \
    "nan.safetensors: error: tensor '$first' holds 2 NaN and 1 infinite values of [0-9]+ \(the first at element 0\); weights must be finite" \
    "$DCIM" run $R --weights "$tmp/nan.safetensors" --images 20 --out "$tmp/nan"
if grep -q accuracy "$tmp/out" || [ -e "$tmp/nan" ]; then bad "NaN weights: nothing ran, nothing written"; else ok "NaN weights: nothing ran, nothing written"; fi

# disasm of a program whose header declares 2^61 words names the size it declares
printf 'DCIMPRG1\000\000\000\000\000\000\000\040' >"$tmp/huge.bin"
check "disasm: 2^61 words reported with their size" 1 \
    "$tmp/huge.bin: error: truncated: the header says 2305843009213693952 words (18446744073709551616 bytes) but 0 bytes follow it" \
    "$DCIM" disasm "$tmp/huge.bin"

# The exit statuses are documented where a user looks
checkre "dcim --help states the exit statuses" 0 "^Exit status: 0 complete, 1 error" "$DCIM" --help
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
