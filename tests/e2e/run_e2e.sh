#!/bin/sh
# End-to-end checks of the dcim command as a user runs it. Usage: run_e2e.sh DCIM
# Prints one line per check and ends with "N passed, M failed".
DCIM=${1:?usage: run_e2e.sh DCIM}
pass=0; fail=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -f "$tmp/out" ] && sed 's/^/     | /' "$tmp/out" | head -20; }
# check NAME EXPECTED_RC GREP_PATTERN CMD...: runs CMD, wants its exit code and a line matching
check() {
    name=$1; want_rc=$2; pattern=$3; shift 3
    "$@" >"$tmp/out" 2>&1; rc=$?
    if [ "$rc" -ne "$want_rc" ]; then echo "     exit $rc, expected $want_rc" >>"$tmp/out"; bad "$name"
    elif ! grep -Eq -- "$pattern" "$tmp/out"; then echo "     no line matches: $pattern" >>"$tmp/out"; bad "$name"
    else ok "$name"; fi
}

check "help lists commands"            0 '^  margin ' "$DCIM" --help
check "no command is a usage error"    2 'usage: dcim' "$DCIM"
check "unknown command names choices"  2 "unknown command 'marg'; expected one of: run, margin" "$DCIM" marg
check "version"                        0 '^dcim [0-9]+\.[0-9]+\.[0-9]+$' "$DCIM" version
check "margin --help"                  0 '^usage: dcim margin' "$DCIM" margin --help
check "check accepts the default chip" 0 '^ok: configs/chip/default.yaml' "$DCIM" check configs/chip/default.yaml
check "check accepts the default tech" 0 '^ok: configs/tech/180nm_1t1r.yaml' "$DCIM" check configs/tech/180nm_1t1r.yaml
check "check accepts the run files"   0 '^ok: configs/runs/mnist_train.yaml' "$DCIM" check configs/runs/mnist_train.yaml
check "check accepts the MNIST network" 0 '^ok: workloads/nets/mnist_bnn.yaml' "$DCIM" check workloads/nets/mnist_bnn.yaml
check "margin table on the default"    0 '^xnor +0\.300 \| 15\.150 \| 30\.000' "$DCIM" margin configs/chip/default.yaml --samples 20000
check "margin prints its seed"         0 '^Monte Carlo seed 7;' "$DCIM" margin configs/chip/default.yaml --samples 2000 --seed 7
check "margin JSON"                    0 '^\{"tech": "180nm_1t1r", "seed": 1, "ops": \[\{"op": "read"' "$DCIM" margin configs/chip/default.yaml --samples 2000 --json
check "margin rejects a bad override"  1 'error' "$DCIM" margin configs/chip/default.yaml --set chip.array.rows=1000
check "margin rejects bad --samples"   2 "--samples needs a non-negative integer, got 'x'" "$DCIM" margin configs/chip/default.yaml --samples x
check "margin on a missing file"       1 'error' "$DCIM" margin no/such/chip.yaml

# Errors must appear as the window narrows: the XOR row of a 2.5x window has a non-zero rate.
"$DCIM" margin configs/chip/default.yaml --samples 20000 --json \
    --set tech.device.r_off_ohm=25000 >"$tmp/json" 2>&1
if grep -Eq '"op": "xor"[^}]*"mc_errors": [1-9]' "$tmp/json"; then ok "narrow window shows errors"
else cp "$tmp/json" "$tmp/out"; bad "narrow window shows errors"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
