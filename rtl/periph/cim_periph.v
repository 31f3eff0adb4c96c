// Column periphery of one macro: the column window (csel), sense amplifiers with their
// logic decode, the output register, per-column counters and the popcount adder tree over
// the output register. The macro's sequencer (cim_macro) drives the control inputs; this
// block is what `make synth` measures against the area model's periphery.
// Only window columns are sensed, decoded and counted (models/array: CimCols).
module cim_periph #(
    parameter integer COLS = 16,
    parameter integer CB   = 10,      // counter bits
    parameter integer SAT  = 0,       // counters saturate (1) or wrap (0)
    parameter integer CW   = $clog2(COLS)
) (
    input  logic               clk_i,
    input  logic               rst_ni,
    // bit-line levels from the array
    input  logic [COLS-1:0]    lrs_one_i,
    input  logic [COLS-1:0]    lrs_two_i,
    // sequencer controls
    input  logic               sense_all_i,  // write pre-read / verify: every column
    input  logic [2:0]         truth_i,      // logic op of the decode (ops.def truth table)
    input  logic               out_ld_i,     // output register <= decoded window columns
    input  logic               cnt_clr_i,    // every counter and flag <= 0
    input  logic               cnt_step_i,   // counters += sensed bit (gated read step)
    input  logic               win_set_i,    // window <= [col0_i, col0_i + ncol_i)
    input  logic [CW-1:0]      col0_i,
    input  logic [CW:0]        ncol_i,
    // results
    output logic [COLS-1:0]    sensed_o,     // decoded bits of the enabled columns
    output logic [COLS-1:0]    out_o,
    output logic [COLS*CB-1:0] cnt_o,
    output logic [COLS-1:0]    ovf_o,
    output logic [CW:0]        pop_o,        // popcount of the output register
    output logic [CW-1:0]      col0_o,
    output logic [CW:0]        ncol_o,
    output logic [COLS-1:0]    mask_o        // window columns
);
    logic [COLS-1:0] en, ge_low, ge_high, mask_new;

    assign en       = sense_all_i ? {COLS{1'b1}} : mask_o;
    // window mask: ncol ones from col0 (ncol = COLS gives all ones)
    assign mask_new = ({COLS{1'b1}} >> (COLS[CW:0] - ncol_i)) << col0_i;

    cim_sense #(.COLS(COLS)) u_sense (
        .lrs_one_i(lrs_one_i), .lrs_two_i(lrs_two_i), .en_i(en),
        .ge_low_o(ge_low), .ge_high_o(ge_high));

    cim_logic #(.COLS(COLS)) u_logic (
        .truth_i(truth_i), .ge_low_i(ge_low), .ge_high_i(ge_high), .en_i(en), .out_o(sensed_o));

    cim_counters #(.COLS(COLS), .BITS(CB), .SAT(SAT)) u_cnt (
        .clk_i(clk_i), .rst_ni(rst_ni), .clr_i(cnt_clr_i),
        .inc_i(cnt_step_i ? ge_low : {COLS{1'b0}}), .cnt_o(cnt_o), .ovf_o(ovf_o));

    cim_popcount #(.N(COLS)) u_tree (.bits_i(out_o), .cnt_o(pop_o));

    always_ff @(posedge clk_i) begin
        if (!rst_ni) begin
            out_o  <= '0;
            col0_o <= '0;
            ncol_o <= COLS[CW:0];
            mask_o <= {COLS{1'b1}};
        end else begin
            if (out_ld_i)
                out_o <= sensed_o;
            if (win_set_i) begin
                col0_o <= col0_i;
                ncol_o <= ncol_i;
                mask_o <= mask_new;
            end
        end
    end
endmodule
