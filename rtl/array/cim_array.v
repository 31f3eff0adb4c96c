// Behavioural 1T1R array of one macro: ROWS x COLS cells, 1 bit each (LRS = 1, HRS = 0),
// all HRS at power-up. Two word-line ports (a dual-row read drives both) give, per bit
// line, how many conducting cells are LRS: 0, 1 or 2 (lrs_one_o / lrs_two_o, the column
// current in units of one LRS cell, exact as in models/array with physics off). A cell
// conducts only while its word line is driven. Writes are pulses on one row: SET takes
// the masked cells to LRS, RESET to HRS (models/array/array.c, pulse()).
module cim_array #(
    parameter integer ROWS = 16,
    parameter integer COLS = 16,
    parameter integer RW   = $clog2(ROWS)
) (
    input  logic            clk_i,
    input  logic            wl_a_en_i,     // word line of row wl_a_i driven
    input  logic [RW-1:0]   wl_a_i,
    input  logic            wl_b_en_i,     // second row of a dual-row read
    input  logic [RW-1:0]   wl_b_i,
    output logic [COLS-1:0] lrs_one_o,     // exactly one conducting LRS cell on the bit line
    output logic [COLS-1:0] lrs_two_o,     // two conducting LRS cells
    input  logic            set_i,         // SET pulse on the masked cells of wr_row_i
    input  logic            reset_i,       // RESET pulse on the masked cells of wr_row_i
    input  logic [RW-1:0]   wr_row_i,
    input  logic [COLS-1:0] wr_mask_i,
    input  logic [RW-1:0]   la_row_i,      // stored state of a row, for the write look-ahead
    output logic [COLS-1:0] la_cells_o,
    input  logic [RW-1:0]   prb_row_i,     // verification probe (no electrical meaning)
    output logic [COLS-1:0] prb_cells_o
);
    logic [COLS-1:0] cells [ROWS];
    logic [COLS-1:0] row_a, row_b;

    assign row_a       = wl_a_en_i ? cells[wl_a_i] : '0;
    assign row_b       = wl_b_en_i ? cells[wl_b_i] : '0;
    assign lrs_one_o   = row_a ^ row_b;
    assign lrs_two_o   = row_a & row_b;
    assign la_cells_o  = cells[la_row_i];
    assign prb_cells_o = cells[prb_row_i];

    always_ff @(posedge clk_i) begin
        if (set_i)
            cells[wr_row_i] <= cells[wr_row_i] | wr_mask_i;
        else if (reset_i)
            cells[wr_row_i] <= cells[wr_row_i] & ~wr_mask_i;
    end
endmodule
