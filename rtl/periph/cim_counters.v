// Per-column counters of a macro (models/periph: cim_counters_*): BITS wide, +1 on each
// column whose inc bit is set, a sticky overflow flag, and past 2^BITS - 1 either wrap
// to 0 (SAT = 0) or stay at 2^BITS - 1 (SAT = 1). Example: BITS = 2, wrap, 3 + 1 -> 0 and
// the flag set. Clear resets values and flags of every column.
// Written bit-sliced: plane b holds bit b of every column's counter, and each column is a
// ripple incrementer (the carry into plane b is inc AND the column's lower bits), the
// same logic per column as one counter per column, in BITS operations on COLS-bit rows.
// cnt_o is plane-major: bit b of column c at [b COLS + c].
module cim_counters #(
    parameter integer COLS = 16,
    parameter integer BITS = 10,
    parameter integer SAT  = 0
) (
    input  logic                 clk_i,
    input  logic                 rst_ni,
    input  logic                 clr_i,
    input  logic [COLS-1:0]      inc_i,
    output logic [COLS*BITS-1:0] cnt_o,
    output logic [COLS-1:0]      ovf_o
);
    logic [COLS*BITS-1:0] nxt;
    logic [COLS-1:0]      carry;   // the columns that pass 2^BITS - 1
    genvar b;
    generate
        for (b = 0; b < BITS; b = b + 1) begin : g_plane
            logic [COLS-1:0] cin, cout;   // carry into and out of plane b
            if (b == 0) begin : g_first
                assign cin = inc_i;
            end else begin : g_next
                assign cin = g_plane[b-1].cout;
            end
            assign cout = cin & cnt_o[b*COLS +: COLS];
            // a saturating counter stays at all ones instead of wrapping to 0
            assign nxt[b*COLS +: COLS] = (cnt_o[b*COLS +: COLS] ^ cin) |
                                         ((SAT != 0) ? carry : {COLS{1'b0}});
        end
    endgenerate
    assign carry = g_plane[BITS-1].cout;
    always_ff @(posedge clk_i) begin
        if (!rst_ni || clr_i) begin
            cnt_o <= '0;
            ovf_o <= '0;
        end else begin
            cnt_o <= nxt;
            ovf_o <= ovf_o | carry;
        end
    end
endmodule
