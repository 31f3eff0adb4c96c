# Shared by the e2e scripts (sourced): ok/bad counters and the check helpers. The caller sets
# $tmp (a scratch folder) and ends with: echo "$pass passed, $fail failed"; [ $fail -eq 0 ].
pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -f "$tmp/out" ] && sed 's/^/     | /' "$tmp/out" | head -20; }
# check NAME EXPECTED_RC FIXED_LINE CMD...: runs CMD, wants its exit code and exactly this line
check() {
    name=$1; want_rc=$2; line=$3; shift 3
    "$@" >"$tmp/out" 2>&1; rc=$?
    if [ "$rc" -ne "$want_rc" ]; then echo "     exit $rc, expected $want_rc" >>"$tmp/out"; bad "$name"
    elif ! grep -Fxq -- "$line" "$tmp/out"; then echo "     no line is: $line" >>"$tmp/out"; bad "$name"
    else ok "$name"; fi
}
# checkre NAME EXPECTED_RC PATTERN CMD...: as check, with an extended regular expression
checkre() {
    name=$1; want_rc=$2; pattern=$3; shift 3
    "$@" >"$tmp/out" 2>&1; rc=$?
    if [ "$rc" -ne "$want_rc" ]; then echo "     exit $rc, expected $want_rc" >>"$tmp/out"; bad "$name"
    elif ! grep -Eq -- "$pattern" "$tmp/out"; then echo "     no line matches: $pattern" >>"$tmp/out"; bad "$name"
    else ok "$name"; fi
}
