#!/bin/sh
# Co-simulation tier (make cosim, part of make test): the RTL under Verilator against the C
# model in lockstep, for every stimulus class, plus two checks of the checker itself.
# Usage: tests/rtl/run_cosim.sh RTL_BUILD_DIR   (the $(BUILD)/rtl of the Makefile)
# COSIM_SEED (default 1), COSIM_COUNT (random programs per random suite, default 40) and
# COSIM_IMAGES (MNIST images, default 2) run longer campaigns. Prints each suite's
# "cosim: ... matched N instructions, C cycles" line, the total, and "N passed, M failed".
D=${1:?usage: run_cosim.sh RTL_BUILD_DIR}
SEED=${COSIM_SEED:-1}
COUNT=${COSIM_COUNT:-40}
IMAGES=${COSIM_IMAGES:-2}
SMALL=$D/small/cosim
BIG=$D/default/cosim
SHAPE=$D/shape/cosim
VCD=$D/vcd
mkdir -p "$VCD"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0; insns=0; cycles=0
start=$(date +%s.%N)

# lint: Verilator -Wall, iverilog -g2012, yosys read_verilog -sv, every generated config
if tests/rtl/lint.sh "$D" >"$tmp/lint" 2>&1; then
    pass=$((pass + 1)); echo "ok   lint: $(tail -1 "$tmp/lint")"
else
    fail=$((fail + 1)); echo "FAIL lint"; sed 's/^/     | /' "$tmp/lint" | tail -30
fi

# run NAME CMD...: must exit 0 and print a "cosim: matched" total
run() {
    name=$1; shift
    env -u COSIM_SEED -u COSIM_COUNT -u COSIM_BREAK "$@" >"$tmp/out" 2>&1; rc=$?
    grep -E '^(cosim|MISMATCH|  )' "$tmp/out"
    line=$(grep -E '^cosim: matched [0-9]+ instructions' "$tmp/out" | tail -1)
    if [ "$rc" -eq 0 ] && [ -n "$line" ]; then
        pass=$((pass + 1)); echo "ok   $name"
        n=$(echo "$line" | sed 's/^cosim: matched \([0-9]*\) instructions, \([0-9]*\) cycles.*/\1 \2/')
        insns=$((insns + ${n% *})); cycles=$((cycles + ${n#* }))
    else
        fail=$((fail + 1)); echo "FAIL $name (exit $rc)"; tail -20 "$tmp/out" | sed 's/^/     | /'
    fi
}

# expect_fail NAME PATTERN CMD...: must exit non-zero with a line matching PATTERN
expect_fail() {
    name=$1; pattern=$2; shift 2
    env -u COSIM_SEED -u COSIM_COUNT -u COSIM_BREAK "$@" >"$tmp/out" 2>&1; rc=$?
    if [ "$rc" -ne 0 ] && grep -Eq -- "$pattern" "$tmp/out"; then
        pass=$((pass + 1)); echo "ok   $name (exit $rc, as expected)"
    else
        fail=$((fail + 1)); echo "FAIL $name (exit $rc; expected a failure matching: $pattern)"
        tail -20 "$tmp/out" | sed 's/^/     | /'
    fi
}

run "directed programs, small chip"    "$SMALL" --suite directed --seed "$SEED" --vcd-dir "$VCD"
run "random legal programs, small chip" "$SMALL" --suite random --seed "$SEED" --count "$COUNT" --vcd-dir "$VCD"
run "random illegal programs and traps, small chip" "$SMALL" --suite illegal --seed "$SEED" --count "$COUNT" --vcd-dir "$VCD"
run "compiled MNIST network, default chip" "$BIG" --suite mnist --seed "$SEED" --images "$IMAGES" --vcd-dir "$VCD"
run "on-chip pruning distances, default chip" "$BIG" --suite prune --seed "$SEED" --vcd-dir "$VCD"
run "int8 1x1 convolutions, default chip" "$BIG" --suite int8 --seed "$SEED" --vcd-dir "$VCD"
run "int8 1x1 convolution, small chip"  "$SMALL" --suite int8 --seed "$SEED" --vcd-dir "$VCD"
run "random programs, default chip"    "$BIG" --suite random,illegal --seed "$SEED" --count $(( (COUNT + 3) / 4 )) --vcd-dir "$VCD"
run "random compiled networks, 3 x 40x24 chip" "$SHAPE" --suite shapes --seed "$SEED" --count $(( (COUNT + 1) / 2 )) --vcd-dir "$VCD"
run "random programs, 3 x 40x24 chip"  "$SHAPE" --suite random,illegal --seed "$SEED" --count $(( (COUNT + 3) / 4 )) --vcd-dir "$VCD"

# The checker must catch a wrong model: dual.xor executed as dual.xnor on the model side.
rm -f "$VCD/cosim_directed_dual_logic_ops.vcd"
expect_fail "a broken model (xor as xnor) is caught" '^MISMATCH directed/dual_logic_ops' \
    "$SMALL" --suite directed --break xor=xnor --vcd-dir "$VCD"
if [ -s "$VCD/cosim_directed_dual_logic_ops.vcd" ] && grep -q '^\$enddefinitions' "$VCD/cosim_directed_dual_logic_ops.vcd"; then
    pass=$((pass + 1)); echo "ok   the mismatch wrote a VCD ($VCD/cosim_directed_dual_logic_ops.vcd)"
else
    fail=$((fail + 1)); echo "FAIL no VCD written for the mismatch"
fi
# ... and refuse a config other than the one the RTL was generated from.
expect_fail "a config the RTL was not built for is refused" 'the RTL was built with ROWS = 32' \
    "$SMALL" rtl/cosim/chip_small.yaml --set chip.array.rows=64 --suite directed

secs=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $start }")
echo "cosim: matched $insns instructions, $cycles cycles (seed $SEED) in all tiers, $secs s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
