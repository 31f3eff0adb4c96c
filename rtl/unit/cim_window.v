// Window unit: the feature-map geometry set by wcfg, the input register (IR) and the
// scalars the PPU reads (models/chip exec_units.c, docs/isa.md "Window unit"):
//   wcfg  base, C, H, W, k, pad; ir_len = px = valid = pattern = 0
//   win   IR = the k x k window at (y, x) (gathered by the buffer, cim_gbuf), ir_len =
//         k k C, px = ones in it, valid = taps inside the map x C, pattern = border class
//         cls(y, H) (2 pad + 1) + cls(x, W)
//   ild   IR[0, n) = buffer bits, ir_len = valid = n, px, pattern = 0
// All at issue. Example (k = 3, pad = 1): y = 0, x = W-1 -> pattern 5, valid 4C.
`include "cim_cfg.vh"
module cim_window #(
    parameter integer IR_BITS   = 256,
    parameter integer ROWS      = 16,
    parameter integer PORT_BITS = 64,
    parameter integer IRL       = $clog2(IR_BITS + 1)
) (
    input  logic               clk_i,
    input  logic               rst_ni,
    input  logic               iss_i,
    input  logic [7:0]         opc_i,
    input  logic [11:0]        a_i,        // wcfg C; win: -
    input  logic [11:0]        b_i,        // wcfg H
    input  logic [11:0]        c_i,        // wcfg W; gated ir_off
    input  logic [11:0]        d_i,        // wcfg k << 4 | pad
    input  logic [31:0]        rm_i,       // wcfg base; win y
    input  logic [31:0]        ra_i,       // win x
    input  logic [IR_BITS-1:0] gdata_i,    // window / ild bits from the buffer (issue cycle)
    output logic               cfg_o,
    output logic [31:0]        base_o,
    output logic [11:0]        ch_o,
    output logic [11:0]        h_o,
    output logic [11:0]        w_o,
    output logic [3:0]         k_o,
    output logic [3:0]         pad_o,
    output logic [IRL-1:0]     ir_len_o,
    output logic [31:0]        px_o,
    output logic [31:0]        valid_o,
    output logic [5:0]         pattern_o,
    output logic [IR_BITS-1:0] ir_o,
    output logic [31:0]        win_cyc_o,  // k k ceil(C / P): cycles of a win
    output logic [ROWS-1:0]    gin_o       // IR bits from ir_off = c_i, for gated
);
    localparam integer PL = $clog2(PORT_BITS);

    // taps of one axis inside the map and the border class (docs/isa.md)
    function automatic [3:0] taps(input [11:0] pos, input [11:0] size, input [3:0] k, input [3:0] pad);
        logic [13:0] p, lo, hi, end_;
        p    = {2'b0, pos};
        end_ = p + {10'b0, k} - {10'b0, pad};
        lo   = (p < {10'b0, pad}) ? {10'b0, pad} - p : 14'd0;
        hi   = (end_ > {2'b0, size}) ? end_ - {2'b0, size} : 14'd0;
        taps = 4'({10'b0, k} - lo - hi);
    endfunction
    function automatic [3:0] cls(input [11:0] pos, input [11:0] size, input [3:0] pad);
        logic [13:0] p;
        p = {2'b0, pos};
        if (p < {10'b0, pad})
            cls = 4'({10'b0, pad} - p);
        else if (p + {10'b0, pad} >= {2'b0, size})
            cls = 4'({10'b0, pad} + (p + {10'b0, pad} - {2'b0, size} + 14'd1));
        else
            cls = 4'd0;
    endfunction

    logic [11:0] wy, wx;
    logic [3:0]  ty, tx, cy, cx;
    logic [5:0]  pattern_new;
    logic [31:0] valid_new, px_new;
    assign wy          = rm_i[11:0];
    assign wx          = ra_i[11:0];
    assign ty          = taps(wy, h_o, k_o, pad_o);
    assign tx          = taps(wx, w_o, k_o, pad_o);
    assign cy          = cls(wy, h_o, pad_o);
    assign cx          = cls(wx, w_o, pad_o);
    assign pattern_new = 6'(cy * ({pad_o, 1'b0} + 5'd1) + {2'b0, cx});
    assign valid_new   = 32'(ty) * 32'(tx) * 32'(ch_o);
    assign px_new      = 32'($countones(gdata_i));
    assign win_cyc_o   = 32'(k_o) * 32'(k_o) * ((32'(ch_o) + 32'(PORT_BITS - 1)) >> PL);

    // gated input: IR bits from ir_off on (zeros past the register)
    logic [IR_BITS+ROWS-1:0] ir_ext;
    assign ir_ext = {{ROWS{1'b0}}, ir_o} >> c_i;
    assign gin_o  = ir_ext[ROWS-1:0];

    always_ff @(posedge clk_i) begin
        if (!rst_ni) begin
            cfg_o <= 1'b0;  base_o <= '0;  ch_o <= '0;  h_o <= '0;  w_o <= '0;  k_o <= '0;
            pad_o <= '0;  ir_len_o <= '0;  px_o <= '0;  valid_o <= '0;  pattern_o <= '0;
            ir_o <= '0;
        end else if (iss_i) begin
            case (opc_i)
                `CIM_OPC_WCFG: begin
                    cfg_o <= 1'b1;  base_o <= rm_i;  ch_o <= a_i;  h_o <= b_i;  w_o <= c_i;
                    k_o <= d_i[7:4];  pad_o <= d_i[3:0];
                    ir_len_o <= '0;  px_o <= '0;  valid_o <= '0;  pattern_o <= '0;
                end
                `CIM_OPC_WIN: begin
                    ir_o <= gdata_i;
                    ir_len_o <= IRL'(32'(k_o) * 32'(k_o) * 32'(ch_o));
                    px_o <= px_new;  valid_o <= valid_new;  pattern_o <= pattern_new;
                end
                `CIM_OPC_ILD: begin
                    ir_o <= gdata_i;
                    ir_len_o <= IRL'({a_i, b_i} + 24'd1);
                    px_o <= px_new;  valid_o <= 32'({a_i, b_i}) + 32'd1;  pattern_o <= '0;
                end
                default: ;
            endcase
        end
    end

    logic unused;
    assign unused = ^{d_i[11:8], ra_i, ir_ext};
endmodule
