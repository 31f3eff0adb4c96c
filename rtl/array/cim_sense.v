// Column sense amplifiers: each enabled bit line is compared against two references,
// ref_low between 0 and 1 LRS cells and ref_high between 1 and 2 (models/config sense.*;
// with one row driven, ref_low plays ref_read). Disabled columns (outside the column
// window) are not precharged and decide 0. Example: one row LRS, other HRS -> low 1, high 0.
module cim_sense #(
    parameter integer COLS = 16
) (
    input  logic [COLS-1:0] lrs_one_i,
    input  logic [COLS-1:0] lrs_two_i,
    input  logic [COLS-1:0] en_i,
    output logic [COLS-1:0] ge_low_o,    // current >= one LRS cell
    output logic [COLS-1:0] ge_high_o    // current >= two LRS cells
);
    assign ge_low_o  = en_i & (lrs_one_i | lrs_two_i);
    assign ge_high_o = en_i & lrs_two_i;
endmodule
