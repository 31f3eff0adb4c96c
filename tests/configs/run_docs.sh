#!/bin/sh
# Docs tier: the key tables in docs/*.md equal `DCIM config-doc KIND` (scripts/config_docs.sh
# check), and the checker itself catches what it must: a changed table row (named by file and
# line), a marker without an end, an unknown kind. Prints one line per check and ends with
# "N passed, M failed". Usage: tests/configs/run_docs.sh DCIM
DCIM=${1:?usage: run_docs.sh DCIM}
case $DCIM in */*) DCIM=$(cd "$(dirname "$DCIM")" && pwd)/$(basename "$DCIM") ;; esac
cd "$(dirname "$0")/../.." || exit 2
pass=0; fail=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; sed 's/^/     | /' "$tmp/out" | head -20; }
# expect NAME RC PATTERN CMD...: CMD exits with RC and prints a line matching PATTERN
expect() {
    name=$1; want=$2; pattern=$3; shift 3
    "$@" >"$tmp/out" 2>&1; rc=$?
    if [ $rc -ne "$want" ]; then echo "exit $rc, expected $want" >>"$tmp/out"; bad "$name"
    elif ! grep -Eq -- "$pattern" "$tmp/out"; then echo "no line matches: $pattern" >>"$tmp/out"; bad "$name"
    else ok "$name"; fi
}

# The real docs: every generated block matches its schema and every schema has a block.
if scripts/config_docs.sh "$DCIM" check >"$tmp/out" 2>&1; then ok "docs/*.md key tables equal dcim config-doc"
else bad "docs/*.md key tables equal dcim config-doc (run make docs)"; fi

# A copy of docs/config.md with one table row changed: named by file and line.
cp docs/config.md "$tmp/config.md"
line=$(grep -n '^| `chip.array.rows` |' "$tmp/config.md" | cut -d: -f1)
sed -i "${line}s/| 256 |/| 512 |/; ${line}s/\`256\`/\`512\`/" "$tmp/config.md"
expect "a changed row is named by file and line" 1 "^$tmp/config.md:$line: error: the key table differs from \`dcim config-doc chip\`" \
    scripts/config_docs.sh "$DCIM" check "$tmp/config.md"
expect "the differing lines are shown"           1 '^  generated: +\| `chip.array.rows` \| integer \| .* \| `256` \|' \
    scripts/config_docs.sh "$DCIM" check "$tmp/config.md"
expect "make docs rewrites it"                   0 "^rewrote $tmp/config.md" scripts/config_docs.sh "$DCIM" write "$tmp/config.md"
if cmp -s docs/config.md "$tmp/config.md"; then ok "the rewritten file equals docs/config.md"
else diff docs/config.md "$tmp/config.md" >"$tmp/out"; bad "the rewritten file equals docs/config.md"; fi

# A row missing from a block, a marker without an end, a kind without a schema.
printf 'text\n<!-- dcim config-doc gpu -->\n| Key |\n<!-- end -->\nmore\n' >"$tmp/short.md"
expect "a short block is caught"                 1 "^$tmp/short.md:3: error: the key table differs from \`dcim config-doc gpu\`" \
    scripts/config_docs.sh "$DCIM" check "$tmp/short.md"
printf 'text\n<!-- dcim config-doc tech -->\n| Key |\n' >"$tmp/open.md"
expect "a marker without an end is an error"     1 "^$tmp/open.md:2: error: '<!-- dcim config-doc tech -->' has no '<!-- end -->'" \
    scripts/config_docs.sh "$DCIM" check "$tmp/open.md"
printf '<!-- dcim config-doc network -->\n<!-- end -->\n' >"$tmp/kind.md"
expect "a kind without a key table is an error"  1 "^$tmp/kind.md:1: error: dcim config-doc: error: no key table for file kind 'network'" \
    scripts/config_docs.sh "$DCIM" check "$tmp/kind.md"
expect "config-doc lists the schema kinds"       0 '^gpu$' "$DCIM" config-doc --list
expect "config-doc without a kind is a usage error" 2 '^usage: dcim config-doc KIND' "$DCIM" config-doc

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
