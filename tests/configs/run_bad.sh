#!/bin/sh
# Bad-input tier: every tests/configs/bad/*.yaml (chip, tech, run files) and
# tests/workloads/nets/bad/*.yaml (network files) must be rejected by `DCIM check FILE` with
# a non-zero exit, and the first stderr line holding "error:" must equal the .expect line
# next to the file. Prints "ok NAME" or "FAIL NAME" per file, then "N passed, M failed".
# Usage: tests/configs/run_bad.sh DCIM   (paths in .expect are relative to the repo root)
if [ $# -ne 1 ]; then
    echo "usage: $0 DCIM" >&2
    exit 2
fi
dcim=$1
case $dcim in
    */*) dcim=$(cd "$(dirname "$dcim")" && pwd)/$(basename "$dcim") ;;
esac
cd "$(dirname "$0")/../.." || exit 2
pass=0
fail=0
tmp=$(mktemp) || exit 2
trap 'rm -f "$tmp"' EXIT
for f in tests/configs/bad/*.yaml tests/workloads/nets/bad/*.yaml; do
    name=$(basename "$f" .yaml)
    case $f in tests/workloads/nets/*) name=nets/$name ;; esac
    expect_file=${f%.yaml}.expect
    "$dcim" check "$f" >/dev/null 2>"$tmp"
    rc=$?
    got=$(grep -m1 'error:' "$tmp")
    why=""
    if [ ! -f "$expect_file" ]; then
        why="no $expect_file"
    elif [ $rc -eq 0 ]; then
        why="exit status 0 (accepted a bad file)"
    elif [ $rc -ge 128 ]; then
        why="killed by signal $((rc - 128))"
    elif grep -q -e 'AddressSanitizer' -e 'runtime error:' -e 'LeakSanitizer' "$tmp"; then
        why="sanitizer report"
    else
        expected=$(head -n 1 "$expect_file")
        [ "$got" = "$expected" ] || why="first error differs"
    fi
    if [ -z "$why" ]; then
        echo "ok $name"
        pass=$((pass + 1))
    else
        echo "FAIL $name: $why"
        [ -f "$expect_file" ] && echo "  expected: $(head -n 1 "$expect_file")"
        echo "  got:      $got"
        fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
