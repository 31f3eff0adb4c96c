// Host side of the chip's DMA link, for co-simulation (models/chip CimHostIO): an input
// stream of in_bits_i bits that dmai consumes in order and an output area of
// out_cap_i bits that dmao appends to, each with its position. The harness loads the
// stream and reads the output; rst_i rewinds both positions (a new CimHostIO).
module cim_host #(
    parameter integer IN_BITS   = 65536,
    parameter integer OUT_BITS  = 65536,
    parameter integer PORT_BITS = 64,
    parameter integer IW        = $clog2(IN_BITS / 64),
    parameter integer OW        = $clog2(OUT_BITS / 64)
) (
    input  logic                 clk_i,
    input  logic                 rst_i,
    input  logic                 in_adv_i,
    input  logic                 out_adv_i,
    input  logic [31:0]          n_i,
    output logic [31:0]          in_pos_o,
    output logic [31:0]          out_pos_o,
    input  logic [31:0]          in_addr_i,
    output logic [PORT_BITS-1:0] in_data_o,
    input  logic                 out_we_i,
    input  logic [31:0]          out_addr_i,
    input  logic [31:0]          out_len_i,
    input  logic [PORT_BITS-1:0] out_data_i,
    input  logic                 ld_we_i,
    input  logic [31:0]          ld_addr_i,
    input  logic [63:0]          ld_data_i,
    input  logic [31:0]          prb_addr_i,
    output logic [63:0]          prb_data_o
);
    localparam integer NW = PORT_BITS / 64 + 2;
    logic [63:0] in_mem  [IN_BITS / 64];
    logic [63:0] out_mem [OUT_BITS / 64];

    function automatic [63:0] in_word(input [31:0] idx);
        in_word = (idx < 32'(IN_BITS / 64)) ? in_mem[idx[IW-1:0]] : 64'd0;
    endfunction

    logic [NW*64-1:0] iw, is;
    always @* begin
        for (integer j = 0; j < NW; j = j + 1)
            iw[j*64 +: 64] = in_word((in_addr_i >> 6) + 32'(j));
        is = iw >> in_addr_i[5:0];
    end
    assign in_data_o = is[PORT_BITS-1:0];

    logic [NW*64-1:0] wimg, wmsk;
    assign wmsk = ((({{(NW*64-1){1'b0}}, 1'b1}) << out_len_i) - 1'b1) << out_addr_i[5:0];
    assign wimg = {{(NW*64-PORT_BITS){1'b0}}, out_data_i} << out_addr_i[5:0];
    always_ff @(posedge clk_i) begin
        if (out_we_i) begin
            for (integer j = 0; j < NW; j = j + 1)
                if (|wmsk[j*64 +: 64])
                    out_mem[OW'((out_addr_i >> 6) + 32'(j))] <=
                        (out_mem[OW'((out_addr_i >> 6) + 32'(j))] & ~wmsk[j*64 +: 64]) |
                        (wimg[j*64 +: 64] & wmsk[j*64 +: 64]);
        end
        if (ld_we_i)
            in_mem[ld_addr_i[IW-1:0]] <= ld_data_i;
    end
    always_ff @(posedge clk_i) begin
        if (rst_i) begin
            in_pos_o  <= '0;
            out_pos_o <= '0;
        end else begin
            if (in_adv_i)
                in_pos_o <= in_pos_o + n_i;
            if (out_adv_i)
                out_pos_o <= out_pos_o + n_i;
        end
    end
    logic unused;
    assign unused = ^{ld_addr_i, is};
    assign prb_data_o = (prb_addr_i < 32'(OUT_BITS / 64)) ? out_mem[prb_addr_i[OW-1:0]] : 64'd0;
endmodule
