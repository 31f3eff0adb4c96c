// Co-simulation top: the chip with an instruction memory and the host side of the DMA
// link, and the ports the Verilator harness (rtl/cosim/cosim.cpp) drives and probes.
// Loader: ld_sel_i 0 = instruction word, 1 = host input word, 2 = buffer word.
`include "cim_cfg.vh"
module cim_cosim_top #(
    parameter integer IMEM_WORDS = `CIM_IMEM_WORDS,
    parameter integer HIN_BITS   = `CIM_HOST_IN_BITS,
    parameter integer HOUT_BITS  = `CIM_HOST_OUT_BITS,
    parameter integer MACROS     = `CIM_MACROS,
    parameter integer ROWS       = `CIM_ROWS,
    parameter integer COLS       = `CIM_COLS,
    parameter integer CB         = `CIM_CNT_BITS,
    parameter integer PORT_BITS  = `CIM_PORT_BITS,
    parameter integer PPU_SIZE   = `CIM_PPU_SIZE,
    parameter integer IR_BITS    = `CIM_IR_BITS,
    parameter integer NRES       = `CIM_RES_MACRO + MACROS,
    parameter integer RW         = $clog2(ROWS),
    parameter integer CW         = $clog2(COLS),
    parameter integer IMW        = $clog2(IMEM_WORDS)
) (
    input  logic                 clk_i,
    input  logic                 rst_ni,
    input  logic                 start_i,
    input  logic                 host_rst_i,
    input  logic [31:0]          prog_len_i,
    input  logic [63:0]          max_cycles_i,
    input  logic [31:0]          hin_bits_i,
    input  logic [31:0]          hout_cap_i,
    input  logic                 ld_we_i,
    input  logic [1:0]           ld_sel_i,
    input  logic [31:0]          ld_addr_i,
    input  logic [63:0]          ld_data_i,
    output logic                 run_o,
    output logic                 done_o,
    output logic [63:0]          run_cycles_o,
    output logic [63:0]          cycle_o,
    output logic [63:0]          ninsn_o,
    output logic                 ev_iss_o,
    output logic [31:0]          ev_pc_o,
    output logic [63:0]          ev_cycle_o,
    output logic                 trap_o,
    output logic [31:0]          trap_pc_o,
    output logic [63:0]          trap_cycle_o,
    output logic [63:0]          trap_word_o,
    output logic [7:0]           trap_code_o,
    output logic                 err_o,
    output logic [511:0]         regs_o,
    output logic [NRES*32-1:0]   res_rem_o,
    output logic [16*32-1:0]     reg_rem_o,
    output logic [NRES-1:0]      busy_o,
    output logic [31:0]          hin_pos_o,
    output logic [31:0]          hout_pos_o,
    input  logic [7:0]           prb_mac_i,
    input  logic [RW-1:0]        prb_row_i,
    output logic [COLS-1:0]      prb_cells_o,
    output logic [COLS-1:0]      prb_out_o,
    output logic [COLS*CB-1:0]   prb_cnt_o,
    output logic [COLS-1:0]      prb_ovf_o,
    output logic [CW-1:0]        prb_col0_o,
    output logic [CW:0]          prb_ncol_o,
    input  logic [31:0]          prb_buf_i,
    output logic [63:0]          prb_buf_o,
    input  logic [31:0]          prb_ppu_i,
    output logic [63:0]          prb_p_o,
    output logic [31:0]          prb_thr_o,
    input  logic [31:0]          prb_off_i,
    output logic [31:0]          prb_off_o,
    output logic [PPU_SIZE-1:0]  prb_pr_o,
    output logic [PPU_SIZE-1:0]  prb_pruned_o,
    output logic [31:0]          prb_layer_o,
    output logic [255:0]         prb_win_o,
    output logic [IR_BITS-1:0]   prb_ir_o,
    input  logic [31:0]          prb_hout_i,
    output logic [63:0]          prb_hout_o
);
    logic [63:0] imem [IMEM_WORDS];
    logic [31:0] imem_addr;
    logic [63:0] imem_data;
    assign imem_data = (imem_addr < 32'(IMEM_WORDS)) ? imem[imem_addr[IMW-1:0]] : 64'd0;
    always_ff @(posedge clk_i)
        if (ld_we_i && ld_sel_i == 2'd0)
            imem[ld_addr_i[IMW-1:0]] <= ld_data_i;

    logic                 hin_adv, hout_adv, hout_we;
    logic [31:0]          hn, hin_addr, hout_addr, hout_len;
    logic [PORT_BITS-1:0] hin_data, hout_data;

    cim_chip u_chip (
        .clk_i(clk_i), .rst_ni(rst_ni), .start_i(start_i), .prog_len_i(prog_len_i),
        .max_cycles_i(max_cycles_i), .run_o(run_o), .done_o(done_o), .run_cycles_o(run_cycles_o),
        .cycle_o(cycle_o), .ninsn_o(ninsn_o), .ev_iss_o(ev_iss_o), .ev_pc_o(ev_pc_o),
        .ev_cycle_o(ev_cycle_o), .trap_o(trap_o), .trap_pc_o(trap_pc_o), .trap_cycle_o(trap_cycle_o),
        .trap_word_o(trap_word_o), .trap_code_o(trap_code_o), .err_o(err_o),
        .imem_addr_o(imem_addr), .imem_data_i(imem_data),
        .hin_bits_i(hin_bits_i), .hin_pos_i(hin_pos_o), .hout_cap_i(hout_cap_i), .hout_pos_i(hout_pos_o),
        .hin_adv_o(hin_adv), .hout_adv_o(hout_adv), .hn_o(hn), .hin_addr_o(hin_addr), .hin_data_i(hin_data),
        .hout_we_o(hout_we), .hout_addr_o(hout_addr), .hout_len_o(hout_len), .hout_data_o(hout_data),
        .ld_buf_we_i(ld_we_i && ld_sel_i == 2'd2), .ld_addr_i(ld_addr_i), .ld_data_i(ld_data_i),
        .dbg_regs_o(regs_o), .dbg_res_rem_o(res_rem_o), .dbg_reg_rem_o(reg_rem_o), .dbg_busy_o(busy_o),
        .dbg_mac_i(prb_mac_i), .dbg_row_i(prb_row_i), .dbg_cells_o(prb_cells_o), .dbg_out_o(prb_out_o),
        .dbg_cnt_o(prb_cnt_o), .dbg_ovf_o(prb_ovf_o), .dbg_col0_o(prb_col0_o), .dbg_ncol_o(prb_ncol_o),
        .dbg_buf_i(prb_buf_i), .dbg_buf_o(prb_buf_o), .dbg_ppu_i(prb_ppu_i), .dbg_p_o(prb_p_o),
        .dbg_thr_o(prb_thr_o), .dbg_off_i(prb_off_i), .dbg_off_o(prb_off_o), .dbg_pr_o(prb_pr_o),
        .dbg_pruned_o(prb_pruned_o), .dbg_layer_o(prb_layer_o), .dbg_win_o(prb_win_o), .dbg_ir_o(prb_ir_o));

    cim_host #(.IN_BITS(HIN_BITS), .OUT_BITS(HOUT_BITS), .PORT_BITS(PORT_BITS)) u_host (
        .clk_i(clk_i), .rst_i(host_rst_i || !rst_ni), .in_adv_i(hin_adv), .out_adv_i(hout_adv), .n_i(hn),
        .in_pos_o(hin_pos_o), .out_pos_o(hout_pos_o), .in_addr_i(hin_addr), .in_data_o(hin_data),
        .out_we_i(hout_we), .out_addr_i(hout_addr), .out_len_i(hout_len), .out_data_i(hout_data),
        .ld_we_i(ld_we_i && ld_sel_i == 2'd1), .ld_addr_i(ld_addr_i), .ld_data_i(ld_data_i),
        .prb_addr_i(prb_hout_i), .prb_data_o(prb_hout_o));
endmodule
