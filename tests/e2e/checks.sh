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
# modelnet_tetrahedra DIR: a tiny ModelNet folder of two classes (cone, wedge) of tetrahedra,
# two meshes per class in train/ and test/ (cone_1.off ... wedge_2.off)
modelnet_tetrahedra() {
    for c in cone wedge; do for sp in train test; do
        mkdir -p "$1/$c/$sp"
        for k in 1 2; do
            printf 'OFF\n4 4 0\n0 0 0\n1 0 0\n0 %s 0\n0 0 %s\n3 0 1 2\n3 0 1 3\n3 0 2 3\n3 1 2 3\n' "$k" \
                "$([ $c = cone ] && echo 3 || echo 0.5)" >"$1/$c/$sp/${c}_$k.off"
        done
    done; done
}
# kill_after DIR N ARGS...: `$DCIM train ARGS --out DIR --resume` in the background, SIGKILLed
# once it has renewed DIR/resume.safetensors N times (N = 0: as soon as it runs, before any),
# or left to finish if it ends first; its stderr is appended to $tmp/log.
resume_inode() { stat -c %i "$1/resume.safetensors" 2>/dev/null || echo none; }
kill_after() {
    dir=$1; want=$2; shift 2
    "$DCIM" train "$@" --out "$dir" --resume >/dev/null 2>>"$tmp/log" & pid=$!
    seen=0; last=$(resume_inode "$dir")
    while [ "$seen" -lt "$want" ] && kill -0 "$pid" 2>/dev/null; do
        now=$(resume_inode "$dir")
        [ "$now" != "$last" ] && { seen=$((seen + 1)); last=$now; }
        sleep 0.01
    done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}
