// Shift-add of a bit-serial accumulation (models/periph cim_shift_add):
// sum = acc + (neg ? -1 : 1) * (val << shift), modulo 2^BITS, i.e. a BITS-bit two's
// complement adder whose wrap is the hardware's. The subtraction is acc + ~t + 1.
// Example: BITS = 8, acc 5, val 3, shift 2, neg -> 5 - 12 = -7 (8'hf9).
module cim_shift_add #(
    parameter integer BITS = 32,
    parameter integer SW   = $clog2(BITS)
) (
    input  logic [BITS-1:0] acc_i,
    input  logic [BITS-1:0] val_i,     // the value, already extended or cut to BITS
    input  logic [SW-1:0]   shift_i,   // < BITS
    input  logic            neg_i,
    output logic [BITS-1:0] sum_o
);
    logic [BITS-1:0] term;
    assign term  = val_i << shift_i;
    assign sum_o = acc_i + (term ^ {BITS{neg_i}}) + {{(BITS-1){1'b0}}, neg_i};
endmodule
