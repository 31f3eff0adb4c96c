// The chip (docs/architecture.md): controller, MACROS macros, global buffer, window unit
// and post-processing unit, wired as models/chip/ composes them. Parameters come from
// the generated cim_cfg.vh (rtl/gen/cim_rtlgen, from the chip YAML). The instruction
// memory and the host side of the DMA link are outside: cim_cosim_top provides them.
// dbg_* ports expose state for co-simulation only.
`include "cim_cfg.vh"
module cim_chip #(
    parameter integer MACROS    = `CIM_MACROS,
    parameter integer ROWS      = `CIM_ROWS,
    parameter integer COLS      = `CIM_COLS,
    parameter integer CB        = `CIM_CNT_BITS,
    parameter integer SAT       = `CIM_CNT_SAT,
    parameter integer SA_BITS   = `CIM_SA_BITS,
    parameter integer BUF_BITS  = `CIM_BUF_BITS,
    parameter integer PORT_BITS = `CIM_PORT_BITS,
    parameter integer DMA_BITS  = `CIM_DMA_BITS,
    parameter integer PPU_LANES = `CIM_PPU_LANES,
    parameter integer PPU_SIZE  = `CIM_PPU_SIZE,
    parameter integer IR_BITS   = `CIM_IR_BITS,
    parameter integer T_READ    = `CIM_T_READ,
    parameter integer T_DUAL    = `CIM_T_DUAL,
    parameter integer T_GROW    = `CIM_T_GROW,
    parameter integer T_SET     = `CIM_T_SET,
    parameter integer T_RESET   = `CIM_T_RESET,
    parameter integer T_VERIFY  = `CIM_T_VERIFY,
    parameter integer T_TREE    = `CIM_T_TREE,
    parameter integer VERIFY    = `CIM_VERIFY,
    parameter integer RW        = $clog2(ROWS),
    parameter integer CW        = $clog2(COLS),
    parameter integer IRL       = $clog2(IR_BITS + 1),
    parameter integer NRES      = `CIM_RES_MACRO + MACROS
) (
    input  logic                   clk_i,
    input  logic                   rst_ni,
    // run control
    input  logic                   start_i,
    input  logic [31:0]            prog_len_i,
    input  logic [63:0]            max_cycles_i,
    output logic                   run_o,
    output logic                   done_o,
    output logic [63:0]            run_cycles_o,
    output logic [63:0]            cycle_o,
    output logic [63:0]            ninsn_o,
    output logic                   ev_iss_o,
    output logic [31:0]            ev_pc_o,
    output logic [63:0]            ev_cycle_o,
    output logic                   trap_o,
    output logic [31:0]            trap_pc_o,
    output logic [63:0]            trap_cycle_o,
    output logic [63:0]            trap_word_o,
    output logic [7:0]             trap_code_o,
    output logic                   err_o,
    // instruction memory
    output logic [31:0]            imem_addr_o,
    input  logic [63:0]            imem_data_i,
    // host link
    input  logic [31:0]            hin_bits_i,
    input  logic [31:0]            hin_pos_i,
    input  logic [31:0]            hout_cap_i,
    input  logic [31:0]            hout_pos_i,
    output logic                   hin_adv_o,      // dmai issued: the stream advances by hn_o
    output logic                   hout_adv_o,
    output logic [31:0]            hn_o,
    output logic [31:0]            hin_addr_o,
    input  logic [PORT_BITS-1:0]   hin_data_i,
    output logic                   hout_we_o,
    output logic [31:0]            hout_addr_o,
    output logic [31:0]            hout_len_o,
    output logic [PORT_BITS-1:0]   hout_data_o,
    // cosim: buffer loader and probes
    input  logic                   ld_buf_we_i,
    input  logic [31:0]            ld_addr_i,
    input  logic [63:0]            ld_data_i,
    output logic [511:0]           dbg_regs_o,
    output logic [NRES*32-1:0]     dbg_res_rem_o,
    output logic [16*32-1:0]       dbg_reg_rem_o,
    output logic [NRES-1:0]        dbg_busy_o,      // units' own busy flags, per resource
    input  logic [7:0]             dbg_mac_i,
    input  logic [RW-1:0]          dbg_row_i,
    output logic [COLS-1:0]        dbg_cells_o,
    output logic [COLS-1:0]        dbg_out_o,
    output logic [COLS*CB-1:0]     dbg_cnt_o,
    output logic [COLS-1:0]        dbg_ovf_o,
    output logic [CW-1:0]          dbg_col0_o,
    output logic [CW:0]            dbg_ncol_o,
    input  logic [31:0]            dbg_buf_i,
    output logic [63:0]            dbg_buf_o,
    input  logic [31:0]            dbg_ppu_i,
    output logic [63:0]            dbg_p_o,
    output logic [31:0]            dbg_thr_o,
    input  logic [31:0]            dbg_off_i,
    output logic [31:0]            dbg_off_o,
    output logic [PPU_SIZE-1:0]    dbg_pr_o,
    output logic [PPU_SIZE-1:0]    dbg_pruned_o,
    output logic [31:0]            dbg_layer_o,     // {npat, mode, nf}
    output logic [255:0]           dbg_win_o,       // window-unit registers, see below
    output logic [IR_BITS-1:0]     dbg_ir_o
);
    // ---- controller -----------------------------------------------------------------------
    logic        iss;
    logic [7:0]  opc, fm;
    logic [11:0] fa, fb, fc, fd;
    logic [31:0] rm, ra, baddr, bn, dur_mac, dur_ppu;
    logic [2:0]  truth;
    logic [5:0]  npat_new;
    logic [MACROS*(CW+1)-1:0] mac_ncol, mac_pop;
    logic [MACROS*32-1:0]     mac_wcyc;
    logic [MACROS-1:0]        mac_busy, mac_err;
    logic [MACROS*COLS-1:0]   mac_out;
    logic [MACROS*COLS*CB-1:0] mac_cnt;
    logic [MACROS*COLS-1:0]   mac_ovf, mac_cells;
    logic [MACROS*CW-1:0]     mac_col0;
    // window unit
    logic                     w_cfg;
    logic [31:0]              w_base, w_px, w_valid, w_cyc;
    logic [11:0]              w_c, w_h, w_w;
    logic [3:0]               w_k, w_pad;
    logic [IRL-1:0]           w_irl;
    logic [5:0]               w_pat;
    logic [IR_BITS-1:0]       w_ir, g_data;
    logic [ROWS-1:0]          w_gin;
    // PPU
    logic [11:0]              nf;
    logic                     mode;
    logic [5:0]               npat;
    logic                     ppu_busy, ppu_err;
    logic [7:0]               cnt_mac;
    // buffer
    logic [COLS-1:0]          rrd_data;
    logic                     gb_busy, gb_err;

    cim_ctrl #(
        .MACROS(MACROS), .ROWS(ROWS), .COLS(COLS), .BUF_BITS(BUF_BITS), .PORT_BITS(PORT_BITS),
        .DMA_BITS(DMA_BITS), .PPU_LANES(PPU_LANES), .PPU_SIZE(PPU_SIZE), .IR_BITS(IR_BITS),
        .SA_BITS(SA_BITS), .T_READ(T_READ), .T_DUAL(T_DUAL), .T_GROW(T_GROW), .T_TREE(T_TREE)
    ) u_ctrl (
        .clk_i(clk_i), .rst_ni(rst_ni), .start_i(start_i), .prog_len_i(prog_len_i),
        .max_cycles_i(max_cycles_i), .imem_addr_o(imem_addr_o), .imem_data_i(imem_data_i),
        .mac_ncol_i(mac_ncol), .mac_wrow_cyc_i(mac_wcyc), .mac_pop_i(mac_pop),
        .win_cfg_i(w_cfg), .win_h_i(w_h), .win_w_i(w_w), .win_pad_i(w_pad),
        .win_ir_len_i(32'(w_irl)), .win_pattern_i(w_pat), .win_cyc_i(w_cyc),
        .nf_i(nf), .npat_i(npat),
        .hin_bits_i(hin_bits_i), .hin_pos_i(hin_pos_i), .hout_cap_i(hout_cap_i), .hout_pos_i(hout_pos_i),
        .iss_o(iss), .opc_o(opc), .m_o(fm), .a_o(fa), .b_o(fb), .c_o(fc), .d_o(fd), .rm_o(rm), .ra_o(ra),
        .truth_o(truth), .buf_addr_o(baddr), .buf_n_o(bn), .dur_mac_o(dur_mac), .dur_ppu_o(dur_ppu),
        .npat_new_o(npat_new),
        .run_o(run_o), .done_o(done_o), .run_cycles_o(run_cycles_o), .cycle_o(cycle_o), .ninsn_o(ninsn_o),
        .ev_iss_o(ev_iss_o), .ev_pc_o(ev_pc_o), .ev_cycle_o(ev_cycle_o),
        .trap_o(trap_o), .trap_pc_o(trap_pc_o), .trap_cycle_o(trap_cycle_o), .trap_word_o(trap_word_o),
        .trap_code_o(trap_code_o), .regs_o(dbg_regs_o), .res_rem_o(dbg_res_rem_o), .reg_rem_o(dbg_reg_rem_o));

    // ---- macros -------------------------------------------------------------------------
    logic is_mac_op;
    assign is_mac_op = opc == `CIM_OPC_WROW || opc == `CIM_OPC_RROW || opc == `CIM_OPC_DUAL ||
                       opc == `CIM_OPC_CSEL || opc == `CIM_OPC_GATED || opc == `CIM_OPC_CCLR ||
                       opc == `CIM_OPC_POPO || opc == `CIM_OPC_OST || opc == `CIM_OPC_PACC;
    genvar mi;
    generate
        for (mi = 0; mi < MACROS; mi = mi + 1) begin : g_mac
            cim_macro #(
                .ROWS(ROWS), .COLS(COLS), .CB(CB), .SAT(SAT), .T_READ(T_READ), .T_DUAL(T_DUAL),
                .T_GROW(T_GROW), .T_SET(T_SET), .T_RESET(T_RESET), .T_VERIFY(T_VERIFY),
                .VERIFY(VERIFY), .BUFC_COLS((COLS + PORT_BITS - 1) / PORT_BITS)
            ) u_mac (
                .clk_i(clk_i), .rst_ni(rst_ni),
                .iss_i(iss && is_mac_op && 32'(fm) == 32'(mi)),
                .opc_i(opc), .a_i(fa), .b_i(fb), .truth_i(truth), .dur_i(dur_mac),
                .gin_i(w_gin), .wdata_i(rrd_data), .wrow_cyc_o(mac_wcyc[mi*32 +: 32]),
                .busy_o(mac_busy[mi]),
                .out_o(mac_out[mi*COLS +: COLS]), .cnt_o(mac_cnt[mi*COLS*CB +: COLS*CB]),
                .ovf_o(mac_ovf[mi*COLS +: COLS]), .pop_o(mac_pop[mi*(CW+1) +: CW+1]),
                .col0_o(mac_col0[mi*CW +: CW]), .ncol_o(mac_ncol[mi*(CW+1) +: CW+1]),
                .err_o(mac_err[mi]),
                .prb_row_i(dbg_row_i), .prb_cells_o(mac_cells[mi*COLS +: COLS]));
        end
    endgenerate

    // the issuing instruction's macro (ost data, pacc window) and the macro pacc reads
    logic [COLS-1:0]    sel_out;
    logic [CW-1:0]      sel_col0;
    logic [CW:0]        sel_ncol;
    logic [COLS*CB-1:0] pacc_cnt;
    always @* begin
        sel_out = '0;  sel_col0 = '0;  sel_ncol = '0;  pacc_cnt = '0;
        dbg_cells_o = '0;  dbg_out_o = '0;  dbg_cnt_o = '0;  dbg_ovf_o = '0;
        dbg_col0_o = '0;  dbg_ncol_o = '0;
        for (integer i = 0; i < MACROS; i = i + 1) begin
            if (32'(fm) == 32'(i)) begin
                sel_out  = mac_out[i*COLS +: COLS];
                sel_col0 = mac_col0[i*CW +: CW];
                sel_ncol = mac_ncol[i*(CW+1) +: CW+1];
            end
            if (32'(cnt_mac) == 32'(i))
                pacc_cnt = mac_cnt[i*COLS*CB +: COLS*CB];
            if (32'(dbg_mac_i) == 32'(i)) begin
                dbg_cells_o = mac_cells[i*COLS +: COLS];
                dbg_out_o   = mac_out[i*COLS +: COLS];
                dbg_cnt_o   = mac_cnt[i*COLS*CB +: COLS*CB];
                dbg_ovf_o   = mac_ovf[i*COLS +: COLS];
                dbg_col0_o  = mac_col0[i*CW +: CW];
                dbg_ncol_o  = mac_ncol[i*(CW+1) +: CW+1];
            end
        end
    end

    // ---- window unit ----------------------------------------------------------------------
    cim_window #(.IR_BITS(IR_BITS), .ROWS(ROWS), .PORT_BITS(PORT_BITS)) u_win (
        .clk_i(clk_i), .rst_ni(rst_ni), .iss_i(iss), .opc_i(opc), .a_i(fa), .b_i(fb), .c_i(fc),
        .d_i(fd), .rm_i(rm), .ra_i(ra), .gdata_i(g_data),
        .cfg_o(w_cfg), .base_o(w_base), .ch_o(w_c), .h_o(w_h), .w_o(w_w), .k_o(w_k), .pad_o(w_pad),
        .ir_len_o(w_irl), .px_o(w_px), .valid_o(w_valid), .pattern_o(w_pat), .ir_o(w_ir),
        .win_cyc_o(w_cyc), .gin_o(w_gin));

    // ---- global buffer --------------------------------------------------------------------
    localparam integer SRCW = (COLS > 32) ? COLS : 32;
    logic [2:0]           e_kind;
    logic [SRCW-1:0]      e_src;
    logic [31:0]          img_off, tbl_off, tbl_len;
    logic [PORT_BITS-1:0] img_data, tbl_data;
    logic                 tbl_v;
    logic [COLS-1:0]      ost_bits;
    assign ost_bits = sel_out >> sel_col0;
    always @* begin
        case (opc)
            `CIM_OPC_OST:  e_kind = 3'd1;
            `CIM_OPC_STW:  e_kind = 3'd2;
            `CIM_OPC_PSTB: e_kind = 3'd3;
            `CIM_OPC_PSTI: e_kind = 3'd4;
            `CIM_OPC_DMAI: e_kind = 3'd5;
            `CIM_OPC_LCFG: e_kind = 3'd6;
            `CIM_OPC_DMAO: e_kind = 3'd7;
            default:       e_kind = 3'd0;
        endcase
        e_src = (opc == `CIM_OPC_STW) ? SRCW'(rm) : SRCW'(ost_bits);
    end
    assign hin_adv_o  = iss && opc == `CIM_OPC_DMAI;
    assign hout_adv_o = iss && opc == `CIM_OPC_DMAO;
    assign hn_o       = bn;

    cim_gbuf #(
        .BUF_BITS(BUF_BITS), .PORT_BITS(PORT_BITS), .DMA_BITS(DMA_BITS), .COLS(COLS), .IR_BITS(IR_BITS)
    ) u_buf (
        .clk_i(clk_i), .rst_ni(rst_ni),
        .rrd_addr_i(baddr), .rrd_data_o(rrd_data),
        .g_win_i(opc == `CIM_OPC_WIN && run_o), .g_ild_i(opc == `CIM_OPC_ILD && run_o),
        .g_addr_i(opc == `CIM_OPC_WIN ? w_base : rm), .g_n_i(bn[23:0]),
        .g_c_i(w_c), .g_w_i(w_w), .g_h_i(w_h), .g_k_i(w_k), .g_pad_i(w_pad), .g_y_i(rm), .g_x_i(ra),
        .g_data_o(g_data),
        .e_start_i(iss && e_kind != 3'd0), .e_kind_i(e_kind), .e_addr_i(baddr), .e_n_i(bn), .e_src_i(e_src),
        .e_hpos_i(opc == `CIM_OPC_DMAO ? hout_pos_i : hin_pos_i),
        .img_off_o(img_off), .img_data_i(img_data),
        .tbl_v_o(tbl_v), .tbl_off_o(tbl_off), .tbl_len_o(tbl_len), .tbl_data_o(tbl_data),
        .hin_addr_o(hin_addr_o), .hin_data_i(hin_data_i),
        .hout_we_o(hout_we_o), .hout_addr_o(hout_addr_o), .hout_len_o(hout_len_o), .hout_data_o(hout_data_o),
        .busy_o(gb_busy), .err_o(gb_err),
        .ld_we_i(ld_buf_we_i), .ld_addr_i(ld_addr_i), .ld_data_i(ld_data_i),
        .prb_addr_i(dbg_buf_i), .prb_data_o(dbg_buf_o));

    // ---- post-processing unit -------------------------------------------------------------
    logic is_ppu_op;
    assign is_ppu_op = opc == `CIM_OPC_LCFG || opc == `CIM_OPC_PACC || opc == `CIM_OPC_PFIN ||
                       opc == `CIM_OPC_PTHR || opc == `CIM_OPC_PCLR || opc == `CIM_OPC_PRCLR ||
                       opc == `CIM_OPC_PSTB || opc == `CIM_OPC_PSTI;
    cim_ppu #(
        .PPU_SIZE(PPU_SIZE), .LANES(PPU_LANES), .SA_BITS(SA_BITS), .PORT_BITS(PORT_BITS),
        .COLS(COLS), .CB(CB)
    ) u_ppu (
        .clk_i(clk_i), .rst_ni(rst_ni), .iss_i(iss && is_ppu_op), .opc_i(opc), .m_i(fm),
        .a_i(fa), .b_i(fb), .c_i(fc), .dur_i(dur_ppu),
        .cnt_mac_o(cnt_mac), .cnt_i(pacc_cnt), .col0_i(sel_col0), .ncol_i(sel_ncol),
        .px_i(w_px), .valid_i(w_valid), .pattern_i(w_pat), .npat_new_i(npat_new),
        .tbl_v_i(tbl_v), .tbl_off_i(tbl_off), .tbl_len_i(tbl_len), .tbl_data_i(tbl_data),
        .img_off_i(img_off), .img_data_o(img_data),
        .busy_o(ppu_busy), .err_o(ppu_err), .nf_o(nf), .mode_o(mode), .npat_o(npat),
        .prb_idx_i(dbg_ppu_i), .prb_p_o(dbg_p_o), .prb_thr_o(dbg_thr_o),
        .prb_off_i(dbg_off_i), .prb_off_o(dbg_off_o), .pr_o(dbg_pr_o), .pruned_o(dbg_pruned_o));

    // ---- consistency and debug -------------------------------------------------------------
    assign err_o = (|mac_err) || ppu_err || gb_err;
    always @* begin
        dbg_busy_o = '0;
        dbg_busy_o[`CIM_RES_PPU] = ppu_busy;
        dbg_busy_o[`CIM_RES_BUF] = gb_busy;
        for (integer i = 0; i < MACROS; i = i + 1)
            dbg_busy_o[`CIM_RES_MACRO + i] = mac_busy[i];
    end
    assign dbg_layer_o = {13'd0, npat, mode, nf};
    // window-unit registers: [0] configured, [32+:32] base, [64+:12] C, [80+:12] H,
    // [96+:12] W, [112+:4] k, [116+:4] pad, [128+:32] ir_len, [160+:32] px,
    // [192+:32] valid, [224+:6] pattern
    always @* begin
        dbg_win_o = '0;
        dbg_win_o[0]        = w_cfg;
        dbg_win_o[32 +: 32] = w_base;
        dbg_win_o[64 +: 12] = w_c;
        dbg_win_o[80 +: 12] = w_h;
        dbg_win_o[96 +: 12] = w_w;
        dbg_win_o[112 +: 4] = w_k;
        dbg_win_o[116 +: 4] = w_pad;
        dbg_win_o[128 +: 32] = 32'(w_irl);
        dbg_win_o[160 +: 32] = w_px;
        dbg_win_o[192 +: 32] = w_valid;
        dbg_win_o[224 +: 6]  = w_pat;
    end
    assign dbg_ir_o    = w_ir;

endmodule
