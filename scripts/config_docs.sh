#!/bin/sh
# The key tables of the docs are generated from the schema tables: every block between a
# line "<!-- dcim config-doc KIND -->" and the next line "<!-- end -->" is the output of
# `DCIM config-doc KIND`; the prose around the blocks is written by hand.
#   scripts/config_docs.sh DCIM write [FILE...]   rewrite the blocks (make docs)
#   scripts/config_docs.sh DCIM check [FILE...]   report, as FILE:LINE, the first line where a
#                                                 file differs from its generated blocks (make test)
# FILEs default to docs/*.md; then check also fails for a kind whose table is in no file.
# check prints "ok FILE" or the error per file, then "N passed, M failed".
[ $# -ge 2 ] || { echo "usage: $0 DCIM write|check [FILE...]" >&2; exit 2; }
dcim=$1; mode=$2; shift 2
case $mode in write|check) ;; *) echo "$0: unknown mode '$mode'; expected write or check" >&2; exit 2 ;; esac
case $dcim in */*) dcim=$(cd "$(dirname "$dcim")" && pwd)/$(basename "$dcim") ;; esac
all=0
if [ $# -eq 0 ]; then
    cd "$(dirname "$0")/.." || exit 2
    set -- docs/*.md
    all=1
fi
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

# generate FILE: the file with every block regenerated, on stdout; the kinds it holds are
# appended to $tmp/kinds. Returns 1 (message on stderr) on a marker without an end or a
# kind dcim refuses.
generate() {
    n=0; inside=0; rc=0; start=0
    while IFS= read -r line || [ -n "$line" ]; do
        n=$((n + 1))
        if [ $inside -eq 1 ]; then
            [ "$line" = "<!-- end -->" ] || continue
            inside=0
        fi
        printf '%s\n' "$line"
        case $line in
        "<!-- dcim config-doc "*" -->")
            kind=${line#"<!-- dcim config-doc "}; kind=${kind%" -->"}
            inside=1; start=$n
            echo "$kind" >>"$tmp/kinds"
            if ! "$dcim" config-doc "$kind" 2>"$tmp/err"; then
                echo "$1:$n: error: $(head -n 1 "$tmp/err")" >&2
                rc=1
            fi ;;
        esac
    done <"$1"
    if [ $inside -eq 1 ]; then
        echo "$1:$start: error: '<!-- dcim config-doc $kind -->' has no '<!-- end -->' line after it" >&2
        rc=1
    fi
    return $rc
}

# The kind of the block holding line L of FILE (the last marker at or above it).
kind_at() {
    head -n "$2" "$1" | sed -n 's/^<!-- dcim config-doc \(.*\) -->$/\1/p' | tail -n 1
}

pass=0; fail=0; : >"$tmp/kinds"
for f in "$@"; do
    if ! generate "$f" >"$tmp/new"; then
        fail=$((fail + 1)); continue
    fi
    if cmp -s "$f" "$tmp/new"; then
        [ "$mode" = check ] && echo "ok $f"
        pass=$((pass + 1)); continue
    fi
    if [ "$mode" = write ]; then
        cp "$tmp/new" "$f.tmp" && mv "$f.tmp" "$f" && echo "rewrote $f" && pass=$((pass + 1)) && continue
        echo "$f: error: cannot write the file" >&2; fail=$((fail + 1)); continue
    fi
    line=$(diff "$f" "$tmp/new" | sed -n '1s/^\([0-9]*\).*/\1/p')
    kind=$(kind_at "$f" "$line")
    echo "$f:$line: error: the key table differs from \`dcim config-doc ${kind:-?}\` (the schema); run make docs"
    echo "  in the file: $(sed -n "${line}p" "$f")"
    echo "  generated:   $(sed -n "$(diff "$f" "$tmp/new" | sed -n '1s/^[0-9,]*[acd]\([0-9]*\).*/\1/p')p" "$tmp/new")"
    fail=$((fail + 1))
done

if [ "$mode" = check ] && [ $all -eq 1 ]; then
    for kind in $("$dcim" config-doc --list); do
        if grep -qx "$kind" "$tmp/kinds"; then pass=$((pass + 1))
        else echo "error: no file in docs/ holds '<!-- dcim config-doc $kind -->'"; fail=$((fail + 1)); fi
    done
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
