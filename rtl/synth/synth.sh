#!/bin/sh
# make synth: yosys (generic gates) on a macro's digital periphery and on the controller,
# with the parameters of CHIP (through the generated header), then the area model's
# estimate of the same blocks (models/energy cim_area_compute, via cim_rtlgen --area).
# Usage: rtl/synth/synth.sh RTL_BUILD_DIR RTLGEN CHIP.yaml; reports in RTL_BUILD_DIR/synth.
set -e
D=${1:?usage: synth.sh RTL_BUILD_DIR RTLGEN CHIP.yaml}; GEN=$2; CHIP=$3
OUT=$D/synth; mkdir -p "$OUT"
H=$D/default/cim_cfg.vh
val() { sed -n "s/^\`define CIM_$1 *\([0-9]*\).*/\1/p" "$H"; }
CHIPV=$(find rtl -name '*.v' -not -path 'rtl/cosim/*' | sort | tr '\n' ' ')
PERIPH="-chparam COLS $(val COLS) -chparam CB $(val CNT_BITS) -chparam SAT $(val CNT_SAT) -chparam SA_BITS $(val SA_BITS)"
CTRL=""
for p in MACROS ROWS COLS BUF_BITS PORT_BITS DMA_BITS PPU_LANES PPU_SIZE IR_BITS SA_BITS T_READ T_DUAL T_GROW T_TREE; do
    CTRL="$CTRL -chparam $p $(val $p)"
done
CTRL=$(echo "$CTRL" | sed 's/-chparam SA_BITS/-chparam SA_BITS/')
synth() { # NAME TOP CHPARAMS
    t0=$(date +%s)
    yosys -q -l "$OUT/$1.log" -p "read_verilog -sv -Irtl -I$D/default $CHIPV; hierarchy -top $2 $3; \
        synth -top $2 -flatten; tee -o $OUT/$1.stat stat; tee -o $OUT/$1.cmos stat -tech cmos" >/dev/null
    echo "$1: $(( $(date +%s) - t0 )) s"
}
synth periph cim_synth_periph "$PERIPH"
synth columns cim_periph "-chparam COLS $(val COLS) -chparam CB $(val CNT_BITS) -chparam SAT $(val CNT_SAT)"
synth ctrl cim_ctrl "$CTRL"
for b in counters popcount shift_add; do
    case $b in
        counters)  synth $b cim_counters "-chparam COLS $(val COLS) -chparam BITS $(val CNT_BITS) -chparam SAT $(val CNT_SAT)" ;;
        popcount)  synth $b cim_popcount "-chparam N $(val COLS)" ;;
        shift_add) synth $b cim_shift_add "-chparam BITS $(val SA_BITS)" ;;
    esac
done
"$GEN" "$CHIP" --area > "$OUT/area_model.txt"
rtl/synth/report.sh "$OUT" | tee "$OUT/summary.md"
