#!/bin/sh
# Lint of the RTL: Verilator 5 --lint-only -Wall (the chip and the cosim top, with each
# generated configuration's header), iverilog -g2012 (elaborates the cosim top) and yosys
# read_verilog -sv (every file). Usage: tests/rtl/lint.sh RTL_BUILD_DIR; exit 0 when clean.
D=${1:?usage: lint.sh RTL_BUILD_DIR}
CHIP=$(find rtl -name '*.v' -not -path 'rtl/cosim/*' | sort)
CHIP=$(echo $CHIP)
ALL="$CHIP rtl/cosim/cim_host.v rtl/cosim/cim_cosim_top.v"
bad=0
for cfg in "$D"/*/cim_cfg.vh; do
    dir=$(dirname "$cfg")
    for top in cim_chip cim_cosim_top; do
        files=$CHIP; [ $top = cim_cosim_top ] && files=$ALL
        if ! out=$(verilator --lint-only -Wall -Irtl -I"$dir" --top-module $top $files 2>&1) || [ -n "$out" ]; then
            echo "verilator -Wall ($top, $dir):"; echo "$out"; bad=1
        fi
    done
    if ! out=$(iverilog -g2012 -Irtl -I"$dir" -s cim_cosim_top -o /dev/null $ALL 2>&1) || [ -n "$out" ]; then
        echo "iverilog -g2012 ($dir):"; echo "$out"; bad=1
    fi
    if ! out=$(yosys -q -p "read_verilog -sv -Irtl -I$dir $ALL" 2>&1) || [ -n "$out" ]; then
        echo "yosys read_verilog -sv ($dir):"; echo "$out"; bad=1
    fi
done
[ $bad -eq 0 ] && echo "clean: verilator -Wall, iverilog -g2012, yosys -sv on $(echo $ALL | wc -w) files x $(ls "$D"/*/cim_cfg.vh | wc -l) configs"
exit $bad
