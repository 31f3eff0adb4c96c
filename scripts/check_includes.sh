#!/bin/sh
# The include rules that make the folder names the architecture (docs/architecture.md,
# "Map"). Every #include "..." of a project header must come from the including file's own
# folder or from a folder its row allows; a folder's *_impl.h is private to that folder.
# Prints each violation as FILE:LINE: and ends with "N passed, M failed" (N: files checked).
cd "$(dirname "$0")/.." || exit 1
rules='
models/common     :
models/config     : models/common
models/energy     : models/common models/config
models/periph     : models/common models/config models/energy
models/array      : models/common models/config models/energy models/periph
models/isa        : models/common models/config models/energy models/periph models/array
models/chip       : models/common models/config models/energy models/periph models/array models/isa
models/margin     : models/common models/config models/energy models/periph models/array
models/analog     : models/common models/config models/energy models/periph
models/gpu        : models/common models/config
models/host       : models/common models/config
sim               : models/
rtl/gen           : models/
rtl/cosim         : models/ rtl/gen workloads/io workloads/net workloads/compile tests/support
workloads/io      : models/
workloads/prov    : models/common
workloads/net     : models/ workloads/io
workloads/pointnet : models/ workloads/io
workloads/compile : models/ workloads/io workloads/net
workloads/exec    : models/ sim/ workloads/io workloads/net workloads/compile
workloads/prune   : models/ workloads/io workloads/net workloads/compile workloads/exec
workloads/report  : models/ workloads/io workloads/net workloads/compile workloads/exec workloads/prune workloads/prov
workloads/run     : models/ workloads/io workloads/net workloads/compile workloads/exec workloads/prune workloads/report workloads/pointnet workloads/prov
workloads/train   : models/ workloads/io workloads/net workloads/compile workloads/exec workloads/prune workloads/report workloads/run workloads/pointnet workloads/prov
workloads/compare : models/ workloads/io workloads/net workloads/compile workloads/exec workloads/prune workloads/report workloads/run workloads/pointnet workloads/prov
workloads/sweep   : models/ workloads/report workloads/run workloads/prov
workloads/cli     : models/ workloads/
bench             : models/ sim/ workloads/ tests/support tests/sim
tests             : models/ sim/ workloads/ rtl/ tests/
fuzz              : models/ workloads/
'
files=$(find models sim rtl workloads bench tests fuzz -type f \( -name '*.c' -o -name '*.h' -o -name '*.cpp' -o -name '*.def' \) | sort)
[ -n "$files" ] || { echo "no source files found"; echo "0 passed, 1 failed"; exit 1; }
bad=0; n=0
for f in $files; do
    n=$((n + 1))
    dir=${f%/*}
    # the longest rule prefix that contains the file
    row=$(printf '%s\n' "$rules" | awk -F: -v d="$dir/" 'NF == 2 { k = $1; gsub(/ /, "", k); if (index(d, k "/") == 1 && length(k) > length(best)) { best = k; allow = $2 } } END { if (best != "") print best ":" allow }')
    if [ -z "$row" ]; then echo "$f: no include rule for folder $dir (add a row to scripts/check_includes.sh)"; bad=$((bad + 1)); continue; fi
    own=${row%%:*}; allow=${row#*:}
    out=$(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" | while IFS= read -r line; do
        num=${line%%:*}; inc=$(printf '%s' "$line" | sed 's/.*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/')
        case "$inc" in */*) ;; *) continue ;; esac           # same-folder or generated header
        case "$inc" in */*_impl.h) [ "${inc%/*}" = "$dir" ] || echo "$f:$num: includes $inc, private to ${inc%/*}/"; continue ;; esac
        case "$inc" in "$own"/*) continue ;; esac
        ok=0
        for a in $allow; do case "$inc" in "$a"*) ok=1 ;; esac; done
        [ $ok -eq 1 ] || echo "$f:$num: includes $inc; $own/ may include only: ${allow:-nothing outside itself}"
    done)
    if [ -n "$out" ]; then printf '%s\n' "$out"; bad=$((bad + 1)); fi
done
echo "include rules: $n files checked, $bad with violations"
[ $bad -eq 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
[ $bad -eq 0 ]
