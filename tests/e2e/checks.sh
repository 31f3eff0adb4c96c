# Shared by the e2e scripts (sourced): ok/bad counters and the check helpers. The caller sets
# $tmp (a scratch folder) and ends with: echo "$pass passed, $fail failed"; [ $fail -eq 0 ].
pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -f "$tmp/out" ] && sed 's/^/     | /' "$tmp/out" | head -20; }
# run_check GREP_FLAGS WORD NAME EXPECTED_RC LINE CMD...: runs CMD, wants its exit code and a
# line that grep GREP_FLAGS finds for LINE (the two forms below)
run_check() {
    flags=$1; word=$2; name=$3; want_rc=$4; line=$5; shift 5
    "$@" >"$tmp/out" 2>&1; rc=$?
    if [ "$rc" -ne "$want_rc" ]; then echo "     exit $rc, expected $want_rc" >>"$tmp/out"; bad "$name"
    elif ! grep $flags -- "$line" "$tmp/out"; then echo "     no line $word: $line" >>"$tmp/out"; bad "$name"
    else ok "$name"; fi
}
# check NAME EXPECTED_RC FIXED_LINE CMD...: exactly this line
check() { run_check -Fxq is "$@"; }
# checkre NAME EXPECTED_RC PATTERN CMD...: a line matching this extended regular expression
checkre() { run_check -Eq matches "$@"; }
