// Scalar registers r0..r15, 32 bits; r0 reads 0 and ignores writes (docs/isa.md). Three
// read ports (the m, a and b fields' low nibbles), one write port; clear zeroes every
// register (a run starts with all registers 0). regs_o holds register i at [32 i +: 32].
module cim_regfile (
    input  logic         clk_i,
    input  logic         rst_ni,
    input  logic         clr_i,
    input  logic [3:0]   rm_i,
    input  logic [3:0]   ra_i,
    input  logic [3:0]   rb_i,
    output logic [31:0]  vm_o,
    output logic [31:0]  va_o,
    output logic [31:0]  vb_o,
    input  logic         we_i,
    input  logic [3:0]   wd_i,
    input  logic [31:0]  wv_i,
    output logic [511:0] regs_o
);
    assign vm_o = regs_o[32*rm_i +: 32];
    assign va_o = regs_o[32*ra_i +: 32];
    assign vb_o = regs_o[32*rb_i +: 32];
    genvar i;
    generate
        for (i = 0; i < 16; i = i + 1) begin : g_reg
            always_ff @(posedge clk_i) begin
                if (!rst_ni || clr_i || i == 0)
                    regs_o[i*32 +: 32] <= 32'd0;
                else if (we_i && wd_i == 4'(i))
                    regs_o[i*32 +: 32] <= wv_i;
            end
        end
    endgenerate
endmodule
