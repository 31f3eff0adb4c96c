// Shared constants of the RTL: trap reason codes (the classes of models/chip's trap
// reasons, in the order docs/isa.md lists them) and scoreboard resource numbers
// (models/chip/chip.h: IR, PPU, BUF, DMA, then one per macro).
`ifndef CIM_DEFS_VH
`define CIM_DEFS_VH
`define CIM_TRAP_NONE         8'd0
`define CIM_TRAP_PC_END       8'd1   // pc beyond the end of the program
`define CIM_TRAP_ILLEGAL      8'd2   // illegal opcode
`define CIM_TRAP_MACRO        8'd3   // macro does not exist
`define CIM_TRAP_ROW          8'd4   // row out of range
`define CIM_TRAP_DUAL_OP      8'd5   // dual: logic op code does not exist
`define CIM_TRAP_DUAL_SAME    8'd6   // dual: both operand rows equal
`define CIM_TRAP_CSEL         8'd7   // csel: columns outside the array
`define CIM_TRAP_GATED_ROWS   8'd8   // gated: rows outside the array
`define CIM_TRAP_GATED_INPUT  8'd9   // gated: input bits beyond ir_len
`define CIM_TRAP_BUFFER       8'd10  // buffer range outside the buffer
`define CIM_TRAP_WCFG_PARAMS  8'd11  // wcfg: C, H, W, k, pad invalid
`define CIM_TRAP_WCFG_SMALL   8'd12  // wcfg: map smaller than the kernel
`define CIM_TRAP_WCFG_IR      8'd13  // wcfg: window exceeds the input register
`define CIM_TRAP_WIN_UNCONF   8'd14  // win: window unit not configured
`define CIM_TRAP_WIN_POS      8'd15  // win: position outside the map
`define CIM_TRAP_ILD_BITS     8'd16  // ild: more bits than the input register
`define CIM_TRAP_LCFG_NF      8'd17  // lcfg: outputs outside 1..ppu_size
`define CIM_TRAP_LCFG_MODE    8'd18  // lcfg: mode > 1
`define CIM_TRAP_NO_LAYER     8'd19  // PPU instruction before lcfg
`define CIM_TRAP_PFIN_PATTERN 8'd20  // pfin: border class >= npat
`define CIM_TRAP_PACC_RANGE   8'd21  // pacc: outputs beyond the layer
`define CIM_TRAP_PACC_SHIFT   8'd22  // pacc: shift or neg out of range
`define CIM_TRAP_DMAI         8'd23  // dmai: host input short
`define CIM_TRAP_DMAO         8'd24  // dmao: host output full
`define CIM_TRAP_WATCHDOG     8'd25  // cycle limit reached
`define CIM_RES_IR    0
`define CIM_RES_PPU   1
`define CIM_RES_BUF   2
`define CIM_RES_DMA   3
`define CIM_RES_MACRO 4
`endif
