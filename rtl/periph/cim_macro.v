// One macro: the 1T1R array, its column periphery and the sequencer that runs the
// macro's instructions over the cycles the controller's scoreboard reserves for them
// (docs/isa.md). The sequencer acts from the issue cycle on (the issue fields drive it
// directly in that cycle, latched copies afterwards), so an op's last effect lands on the
// edge that ends its last reserved cycle:
//   rrow/dual  out <= decoded row(s) at the end of T_READ / T_DUAL
//   gated      step k (T_GROW cycles): word line row0+k driven iff input bit k, then every
//              window counter += its sensed bit
//   wrow       ceil(COLS/P) cycles taking the row from the buffer, pre-read (T_READ),
//              SET phase if a 0->1 cell exists, RESET phase if a 1->0 cell exists, verify
//              read (T_VERIFY) when write.verify and anything changed
//   csel/cclr  at issue; popo/ost/pacc hold the macro (out register, counters) only.
// The controller needs wrow's duration at issue: wrow_cyc_o looks ahead at the stored
// row; the pre-read later senses the same row and err_o flags any disagreement, as it
// does for an issue to a busy macro or a duration that differs from the op's own count.
`include "cim_cfg.vh"
module cim_macro #(
    parameter integer ROWS      = 16,
    parameter integer COLS      = 16,
    parameter integer CB        = 10,
    parameter integer SAT       = 0,
    parameter integer T_READ    = 1,
    parameter integer T_DUAL    = 1,
    parameter integer T_GROW    = 1,
    parameter integer T_SET     = 1,
    parameter integer T_RESET   = 1,
    parameter integer T_VERIFY  = 1,
    parameter integer VERIFY    = 1,
    parameter integer BUFC_COLS = 1,    // ceil(COLS / buffer_port_bits)
    parameter integer RW        = $clog2(ROWS),
    parameter integer CW        = $clog2(COLS)
) (
    input  logic               clk_i,
    input  logic               rst_ni,
    // issue (from the controller, valid in the issue cycle)
    input  logic               iss_i,
    input  logic [7:0]         opc_i,
    input  logic [11:0]        a_i,
    input  logic [11:0]        b_i,
    input  logic [2:0]         truth_i,
    input  logic [31:0]        dur_i,
    input  logic [ROWS-1:0]    gin_i,       // gated input: bit k drives step k
    input  logic [COLS-1:0]    wdata_i,     // wrow data from the buffer
    output logic [31:0]        wrow_cyc_o,  // cycles a wrow of wdata_i into row a_i takes
    output logic               busy_o,
    // state
    output logic [COLS-1:0]    out_o,
    output logic [COLS*CB-1:0] cnt_o,
    output logic [COLS-1:0]    ovf_o,
    output logic [CW:0]        pop_o,
    output logic [CW-1:0]      col0_o,
    output logic [CW:0]        ncol_o,
    output logic               err_o,
    input  logic [RW-1:0]      prb_row_i,
    output logic [COLS-1:0]    prb_cells_o
);
    // one copy of the macro's simulation code for all instances (Verilator)
    // verilator no_inline_module
    // ---- latched op ------------------------------------------------------------------
    logic [7:0]      op_q;
    logic [11:0]     a_q, b_q;
    logic [2:0]      truth_q;
    logic [COLS-1:0] data_q, set_mask_q, rst_mask_q;
    logic [ROWS-1:0] gin_q;
    logic [31:0]     el_q, rem_q;
    logic [RW:0]     k_q;
    logic [31:0]     g_q;
    logic            any_set_q, any_rst_q;

    logic [7:0]      cur_op;
    logic [11:0]     cur_a, cur_b;
    logic [2:0]      cur_truth;
    logic [COLS-1:0] cur_data;
    logic [ROWS-1:0] cur_gin;
    logic [31:0]     cur_el, cur_g;
    logic [RW:0]     cur_k;
    logic            active;

    assign busy_o    = rem_q != 32'd0;
    assign active    = iss_i || busy_o;
    assign cur_op    = iss_i ? opc_i : op_q;
    assign cur_a     = iss_i ? a_i : a_q;
    assign cur_b     = iss_i ? b_i : b_q;
    assign cur_truth = iss_i ? truth_i : truth_q;
    assign cur_data  = iss_i ? wdata_i : data_q;
    assign cur_gin   = iss_i ? gin_i : gin_q;
    assign cur_el    = iss_i ? 32'd0 : el_q;
    assign cur_k     = iss_i ? '0 : k_q;
    assign cur_g     = iss_i ? 32'd0 : g_q;

    logic is_rrow, is_dual, is_csel, is_gated, is_cclr, is_wrow;
    assign is_rrow  = active && cur_op == `CIM_OPC_RROW;
    assign is_dual  = active && cur_op == `CIM_OPC_DUAL;
    assign is_csel  = active && cur_op == `CIM_OPC_CSEL;
    assign is_gated = active && cur_op == `CIM_OPC_GATED;
    assign is_cclr  = active && cur_op == `CIM_OPC_CCLR;
    assign is_wrow  = active && cur_op == `CIM_OPC_WROW;

    // ---- write look-ahead (at issue) -------------------------------------------------
    logic [COLS-1:0] la_cells;
    logic            la_set, la_rst;
    assign la_set = |(wdata_i & ~la_cells);
    assign la_rst = |(~wdata_i & la_cells);
    assign wrow_cyc_o = 32'(BUFC_COLS + T_READ) + (la_set ? 32'(T_SET) : 32'd0) +
                        (la_rst ? 32'(T_RESET) : 32'd0) +
                        ((VERIFY != 0 && (la_set || la_rst)) ? 32'(T_VERIFY) : 32'd0);

    // ---- write phases ----------------------------------------------------------------
    localparam logic [31:0] PRE_END = 32'(BUFC_COLS + T_READ - 1);
    logic [31:0] set0, rst0, ver0;
    logic        pend;
    assign pend = any_set_q || any_rst_q;
    assign set0 = 32'(BUFC_COLS + T_READ);
    assign rst0 = set0 + (any_set_q ? 32'(T_SET) : 32'd0);
    assign ver0 = rst0 + (any_rst_q ? 32'(T_RESET) : 32'd0);
    logic w_pre, w_pre_end, w_set_end, w_rst_end, w_ver, w_ver_end;
    assign w_pre     = is_wrow && cur_el >= 32'(BUFC_COLS) && cur_el <= PRE_END;
    assign w_pre_end = is_wrow && cur_el == PRE_END;
    assign w_set_end = is_wrow && any_set_q && cur_el == rst0 - 32'd1;
    assign w_rst_end = is_wrow && any_rst_q && cur_el == ver0 - 32'd1;
    assign w_ver     = is_wrow && VERIFY != 0 && pend && cur_el >= ver0;
    assign w_ver_end = w_ver && cur_el == ver0 + 32'(T_VERIFY) - 32'd1;

    // ---- gated steps -----------------------------------------------------------------
    logic          step_end;
    logic [RW-1:0] g_row;
    assign step_end = is_gated && cur_g == 32'(T_GROW - 1);
    assign g_row    = cur_a[RW-1:0] + cur_k[RW-1:0];

    // ---- array and periphery ---------------------------------------------------------
    logic          wl_a_en, wl_b_en;
    logic [RW-1:0] wl_a;
    logic [COLS-1:0] lrs_one, lrs_two, sensed, mask;
    always @* begin
        wl_a_en = 1'b0;
        wl_a    = cur_a[RW-1:0];
        wl_b_en = 1'b0;
        if (is_rrow || is_dual || w_pre || w_ver)
            wl_a_en = 1'b1;
        if (is_dual)
            wl_b_en = 1'b1;
        if (is_gated) begin
            wl_a    = g_row;
            wl_a_en = cur_gin[cur_k[RW-1:0]];
        end
    end

    cim_array #(.ROWS(ROWS), .COLS(COLS)) u_array (
        .clk_i(clk_i),
        .wl_a_en_i(wl_a_en), .wl_a_i(wl_a), .wl_b_en_i(wl_b_en), .wl_b_i(cur_b[RW-1:0]),
        .lrs_one_o(lrs_one), .lrs_two_o(lrs_two),
        .set_i(w_set_end), .reset_i(w_rst_end), .wr_row_i(cur_a[RW-1:0]),
        .wr_mask_i(w_set_end ? set_mask_q : rst_mask_q),
        .la_row_i(a_i[RW-1:0]), .la_cells_o(la_cells),
        .prb_row_i(prb_row_i), .prb_cells_o(prb_cells_o));

    cim_periph #(.COLS(COLS), .CB(CB), .SAT(SAT)) u_periph (
        .clk_i(clk_i), .rst_ni(rst_ni),
        .lrs_one_i(lrs_one), .lrs_two_i(lrs_two),
        .sense_all_i(is_wrow),
        .truth_i(is_dual ? cur_truth : 3'b110),
        .out_ld_i((is_rrow && cur_el == 32'(T_READ - 1)) || (is_dual && cur_el == 32'(T_DUAL - 1))),
        .cnt_clr_i(is_cclr && iss_i),
        .cnt_step_i(step_end),
        .win_set_i(is_csel && iss_i),
        .col0_i(cur_a[CW-1:0]),
        .ncol_i({1'b0, cur_b[CW-1:0]} + 1'b1),
        .sensed_o(sensed), .out_o(out_o), .cnt_o(cnt_o), .ovf_o(ovf_o), .pop_o(pop_o),
        .col0_o(col0_o), .ncol_o(ncol_o), .mask_o(mask));

    // ---- self-checks: the op's own length against the controller's reservation --------
    logic [31:0] own_dur;
    always @* begin
        case (opc_i)
            `CIM_OPC_RROW:  own_dur = 32'(T_READ);
            `CIM_OPC_DUAL:  own_dur = 32'(T_DUAL);
            `CIM_OPC_CSEL:  own_dur = 32'd1;
            `CIM_OPC_CCLR:  own_dur = 32'd1;
            `CIM_OPC_GATED: own_dur = (32'(b_i) + 32'd1) * 32'(T_GROW);
            `CIM_OPC_WROW:  own_dur = wrow_cyc_o;
            default:        own_dur = dur_i;   // popo, ost, pacc: held for the controller's count
        endcase
    end
    logic wrow_total_bad;
    assign wrow_total_bad = w_pre_end && (ver0 + ((VERIFY != 0 && pend) ? 32'(T_VERIFY) : 32'd0)) !=
                            el_q + rem_q;

    always_ff @(posedge clk_i) begin
        if (!rst_ni) begin
            op_q <= '0;  a_q <= '0;  b_q <= '0;  truth_q <= '0;
            data_q <= '0;  gin_q <= '0;  el_q <= '0;  rem_q <= '0;
            k_q <= '0;  g_q <= '0;  any_set_q <= 1'b0;  any_rst_q <= 1'b0;
            set_mask_q <= '0;  rst_mask_q <= '0;  err_o <= 1'b0;
        end else begin
            if (iss_i) begin
                op_q <= opc_i;  a_q <= a_i;  b_q <= b_i;  truth_q <= truth_i;
                data_q <= wdata_i;  gin_q <= gin_i;
                any_set_q <= la_set;  any_rst_q <= la_rst;
                rem_q <= dur_i - 32'd1;
                el_q <= 32'd1;
                if (busy_o || dur_i == 32'd0 || own_dur != dur_i)
                    err_o <= 1'b1;
            end else if (busy_o) begin
                rem_q <= rem_q - 32'd1;
                el_q <= el_q + 32'd1;
            end
            if (is_gated) begin
                if (step_end) begin
                    k_q <= cur_k + 1'b1;
                    g_q <= 32'd0;
                end else begin
                    k_q <= cur_k;
                    g_q <= cur_g + 32'd1;
                end
            end
            if (w_pre_end) begin
                // the pre-read senses the stored row: pulse only the cells that change
                set_mask_q <= cur_data & ~sensed;
                rst_mask_q <= ~cur_data & sensed;
                if ((|(cur_data & ~sensed)) != any_set_q || (|(~cur_data & sensed)) != any_rst_q ||
                    wrow_total_bad)
                    err_o <= 1'b1;
            end
            if (w_ver_end && sensed != cur_data)
                err_o <= 1'b1;
        end
    end

    logic unused;
    assign unused = ^{mask, a_q, b_q, cur_a, cur_b};
endmodule
