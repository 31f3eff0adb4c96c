// Synthesis wrapper (make synth): one macro's digital periphery as the area model counts
// it (models/energy cim_area_compute, CIM_COMP_PERIPH per macro): the column periphery
// (window, sense decode, output register, counters, adder tree; cim_periph) plus one
// shift-add with its SA_BITS accumulator register. Not used by the chip or the cosim.
module cim_synth_periph #(
    parameter integer COLS    = 256,
    parameter integer CB      = 10,
    parameter integer SAT     = 0,
    parameter integer SA_BITS = 32,
    parameter integer CW      = $clog2(COLS),
    parameter integer SW      = $clog2(SA_BITS)
) (
    input  logic               clk_i,
    input  logic               rst_ni,
    input  logic [COLS-1:0]    lrs_one_i,
    input  logic [COLS-1:0]    lrs_two_i,
    input  logic               sense_all_i,
    input  logic [2:0]         truth_i,
    input  logic               out_ld_i,
    input  logic               cnt_clr_i,
    input  logic               cnt_step_i,
    input  logic               win_set_i,
    input  logic [CW-1:0]      col0_i,
    input  logic [CW:0]        ncol_i,
    output logic [COLS-1:0]    sensed_o,
    output logic [COLS-1:0]    out_o,
    output logic [COLS*CB-1:0] cnt_o,
    output logic [COLS-1:0]    ovf_o,
    output logic [CW:0]        pop_o,
    output logic [CW-1:0]      col0_o,
    output logic [CW:0]        ncol_o,
    output logic [COLS-1:0]    mask_o,
    // shift-add accumulator: acc += (neg ? -1 : 1) * (counter[sel] << shift)
    input  logic               acc_en_i,
    input  logic [CW-1:0]      acc_sel_i,
    input  logic [SW-1:0]      acc_shift_i,
    input  logic               acc_neg_i,
    output logic [SA_BITS-1:0] acc_o
);
    cim_periph #(.COLS(COLS), .CB(CB), .SAT(SAT)) u_periph (
        .clk_i(clk_i), .rst_ni(rst_ni), .lrs_one_i(lrs_one_i), .lrs_two_i(lrs_two_i),
        .sense_all_i(sense_all_i), .truth_i(truth_i), .out_ld_i(out_ld_i), .cnt_clr_i(cnt_clr_i),
        .cnt_step_i(cnt_step_i), .win_set_i(win_set_i), .col0_i(col0_i), .ncol_i(ncol_i),
        .sensed_o(sensed_o), .out_o(out_o), .cnt_o(cnt_o), .ovf_o(ovf_o), .pop_o(pop_o),
        .col0_o(col0_o), .ncol_o(ncol_o), .mask_o(mask_o));

    logic [CB-1:0]      cv;
    logic [SA_BITS-1:0] sum;
    genvar b;
    generate
        for (b = 0; b < CB; b = b + 1) begin : g_sel   // column select: one COLS:1 mux per bit
            logic [COLS-1:0] plane;
            assign plane = cnt_o[b*COLS +: COLS];
            assign cv[b] = plane[acc_sel_i];
        end
    endgenerate
    cim_shift_add #(.BITS(SA_BITS)) u_sa (
        .acc_i(acc_o), .val_i(SA_BITS'(cv)), .shift_i(acc_shift_i), .neg_i(acc_neg_i), .sum_o(sum));
    always_ff @(posedge clk_i) begin
        if (!rst_ni)
            acc_o <= '0;
        else if (acc_en_i)
            acc_o <= sum;
    end
endmodule
