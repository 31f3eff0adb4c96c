// Logic decode of the two reference comparisons: the op's truth table over the LRS
// count n (models/array/ops.def, bit n = output when n cells are LRS) picks the output
// of every enabled column. Example: XOR (truth 3'b010): n = 1 -> 1, n = 0 or 2 -> 0.
// A plain row read uses truth 3'b110 (1 when the cell is LRS).
module cim_logic #(
    parameter integer COLS = 16
) (
    input  logic [2:0]      truth_i,
    input  logic [COLS-1:0] ge_low_i,
    input  logic [COLS-1:0] ge_high_i,
    input  logic [COLS-1:0] en_i,
    output logic [COLS-1:0] out_o
);
    assign out_o = en_i & ((ge_high_i & {COLS{truth_i[2]}}) |
                           (ge_low_i & ~ge_high_i & {COLS{truth_i[1]}}) |
                           (~ge_low_i & {COLS{truth_i[0]}}));
endmodule
