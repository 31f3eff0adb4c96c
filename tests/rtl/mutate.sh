#!/bin/sh
# Mutation check of the co-simulation (not part of make test: ~1 min per mutant): each
# mutant is the RTL with one line changed; the small chip's directed, random and illegal
# suites must find a mismatch. Prints one line per mutant and "N caught, M survived".
# Usage: tests/rtl/mutate.sh [BUILD]   (default build; needs `make BUILD=... cosim` first)
B=${1:-build}
R=$B/rtl
S=$R/small
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
caught=0; survived=0
# mutant NAME FILE SED-EXPRESSION
mutant() {
    name=$1; file=$2; expr=$3; d=$W/$name
    mkdir -p "$d"; cp -r rtl "$d/rtl"
    sed -i "$expr" "$d/$file"
    if cmp -s "$file" "$d/$file"; then echo "$name: the edit does not apply"; survived=$((survived + 1)); return; fi
    ( cd "$d" && verilator --cc --trace -Wall -Wno-fatal -O3 --x-assign 0 --x-initial 0 --unroll-count 256 \
          -Irtl -I"$OLDPWD/$S" --Mdir obj --top-module cim_cosim_top \
          $(find rtl -name '*.v' -not -path 'rtl/cosim/*' | sort) rtl/cosim/cim_host.v rtl/cosim/cim_cosim_top.v \
          >vl.log 2>&1 && make -s -C obj -f Vcim_cosim_top.mk OPT_FAST=-O1 OPT_SLOW=-O0 Vcim_cosim_top__ALL.a >mk.log 2>&1 ) ||
        { echo "$name: does not build"; survived=$((survived + 1)); return; }
    g++ "$S"/lockstep.o "$S"/main.o "$S"/rig.o "$S"/stim.o "$S"/workloads.o "$d/obj/Vcim_cosim_top__ALL.a" \
        "$R"/vlrt/*.o "$R"/rtl_params.o "$B"/rel/libtestsupport.a "$B"/rel/libdcimwl.a "$B"/rel/libcim.a \
        $(pkg-config --libs yaml-0.1 jansson) -lopenblas -lm -pthread -latomic -o "$d/cosim" || return
    "$d/cosim" --suite directed,random,illegal --count 40 --vcd-dir "$d" >"$d/out" 2>&1
    first=$(grep -m1 '^MISMATCH' "$d/out")
    if [ -n "$first" ]; then caught=$((caught + 1)); echo "$name: caught: $first"
    else survived=$((survived + 1)); echo "$name: SURVIVED"; fi
}
mutant wrow_buffer_cycles rtl/ctrl/cim_ctrl.v "s/c_buf = bufc(32'(COLS));/c_buf = bufc(32'(COLS)) + 32'd1;/"
mutant saturate_wraps rtl/periph/cim_counters.v "s/((SAT != 0) ? carry/((SAT == 0) ? carry/"
mutant pfin_shift rtl/unit/cim_ppu.v 's/(acc << 2)/(acc << 1)/'
mutant border_class rtl/unit/cim_window.v "s/+ {2'b0, cx});/+ {2'b0, cx} + 6'd1);/"
mutant register_latency rtl/ctrl/cim_scoreboard.v "s/reg_rem_o\[g\*32 +: 32\] <= lat_i - 32'd1;/reg_rem_o[g*32 +: 32] <= 32'd0;/"
mutant dual_trap_order rtl/ctrl/cim_ctrl.v "s/else if (!lopv\[3\]) trap_code = \`CIM_TRAP_DUAL_OP;/else if (fa == fb \&\& !lopv[3]) trap_code = \`CIM_TRAP_DUAL_OP;/"
mutant verify_cycles rtl/periph/cim_macro.v "s/? 32'(T_VERIFY) : 32'd0);/? 32'(T_VERIFY) + 32'd0 : 32'd1);/"
mutant watchdog_limit rtl/ctrl/cim_ctrl.v "s/cycle_o + 64'(drain) > max_cycles_i/cycle_o + 64'(drain) > max_cycles_i + 64'd1/"
mutant window_mask rtl/periph/cim_periph.v "s/<< col0_i;/<< col0_i | {{(COLS-1){1'b0}}, 1'b1};/"
mutant pthr_compare rtl/unit/cim_ppu.v 's/ >=$/ >/'
mutant gather_padding rtl/unit/cim_gbuf.v "s/- 40'(g_pad_i);/- 40'(g_pad_i) + 40'(g_ch == 32'd5);/"
mutant shift_add_negate rtl/periph/cim_shift_add.v "s/+ {{(BITS-1){1'b0}}, neg_i};/;/"
mutant popo_latency rtl/ctrl/cim_ctrl.v "s/dst_lat = 32'(T_TREE);/dst_lat = 32'd1;/"
mutant ost_alignment rtl/top/cim_chip.v "s/assign ost_bits = sel_out >> sel_col0;/assign ost_bits = sel_out >> (sel_col0 + 1'b1);/"
mutant lcfg_table_size rtl/ctrl/cim_ctrl.v "s/(32'd1 + 32'(npat_new))/(32'd2 + 32'(npat_new))/"
mutant gated_outside_window rtl/periph/cim_periph.v "s/.inc_i(cnt_step_i ? ge_low : {COLS{1'b0}})/.inc_i(cnt_step_i ? (ge_low | lrs_one_i \& ~en) : {COLS{1'b0}})/"
mutant prclr_whole_word rtl/unit/cim_ppu.v "s/if ((is_pthr || is_prclr) \&\& base + 32'(j) < 32'(nf_o)) begin/if ((is_pthr \&\& base + 32'(j) < 32'(nf_o)) || (is_prclr \&\& base + 32'(j) < ((32'(nf_o) + 32'd63) \& ~32'd63))) begin/"
echo "$caught caught, $survived survived"
