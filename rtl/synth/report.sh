#!/bin/sh
# Summary of make synth: yosys cell counts of each block beside the area model's estimate.
# Usage: rtl/synth/report.sh SYNTH_DIR (holding BLOCK.stat, BLOCK.cmos, area_model.txt).
S=${1:?usage: report.sh SYNTH_DIR}
am() { sed -n "s/^$1 //p" "$S/area_model.txt"; }
cells() { sed -n 's/^ *Number of cells: *\([0-9]*\).*/\1/p' "$S/$1.stat" | tail -1; }
ffs() { awk '/\$_(S|A)?DFF|\$_DLATCH|\$_SDFF|\$_DFFE|\$_SDFFE|\$_SDFFCE|\$_ALDFF/ { n += $2 } END { print n + 0 }' "$S/$1.stat"; }
tr_() { sed -n 's/.*Estimated number of transistors: *\([0-9]*\).*/\1/p' "$S/$1.cmos" | tail -1; }
reg=$(am tech_register_bit_um2); fa=$(am tech_full_adder_um2)
# area from the netlist with the technology file's own cell areas: a flip-flop is one
# register bit, and combinational logic costs a full adder's area per 28 transistors
# (a mirror full adder), the same cells the area model builds its estimate from.
est() { awk -v f="$(ffs "$1")" -v t="$(tr_ "$1")" -v reg="$reg" -v fa="$fa" 'BEGIN { printf "%.0f", f * reg + t * fa / 28 }'; }
row() { # NAME BLOCK MODEL_UM2 MODEL_TEXT
    printf "| %s | %s | %s | %s | %s | %.0f (%s) | %s |\n" "$1" "$(cells "$2")" "$(ffs "$2")" \
        "$(tr_ "$2")" "$(est "$2")" "$3" "$4" \
        "$(awk -v a="$(est "$2")" -v b="$3" 'BEGIN { printf "%.2f", a / b }')"
}
echo "Technology $(am tech); one macro's digital periphery and the controller, yosys 'synth -flatten' (generic gates)."
echo
echo "| block | cells | flip-flops | comb. transistors (stat -tech cmos) | netlist area, um2 | area model, um2 | netlist / model |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
row "counters ($(am counters_bits) bits)" counters "$(am counters_um2)" "counter_bit_um2 x bits"
row "adder tree" popcount "$(am tree_um2)" "$(am tree_full_adders) full adders"
row "shift-add" shift_add "$(am shift_add_um2)" "$(am shift_add_full_adders) full adders"
row "column periphery (cim_periph: window, sense decode, output register, counters, tree)" columns "$(am column_periphery_um2)" "counters + tree + output register"
row "macro periphery (cim_synth_periph: + column select, shift-add, accumulator)" periph "$(am periph_per_macro_um2)" "cim_area_compute periphery / macros"
row "controller (cim_ctrl)" ctrl "$(am controller_um2)" "controller_um2"
