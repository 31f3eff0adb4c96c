// Popcount adder tree over N bits, zero-padded to NP = 2^LV >= N inputs (N need not be a
// power of two): level j adds pairs of level j-1 sums, NP/2^j adders of j bits,
// cim_adder_tree_full_adders(N) full adders in all (models/energy rounds up the same way).
// Combinational; the tree's latency is the controller's T_TREE.
// Example: N = 4, bits 1011 -> level 1: 01, 10 -> level 2: 011. N = 3: the 4-input tree.
module cim_popcount #(
    parameter integer N  = 16,
    parameter integer LV = $clog2(N)
) (
    input  logic [N-1:0] bits_i,
    output logic [LV:0]  cnt_o
);
    localparam integer NP = 1 << LV;
    genvar j, i;
    generate
        for (j = 0; j <= LV; j = j + 1) begin : g_lvl
            logic [(NP >> j) * (j + 1) - 1:0] s;
            if (j == 0) begin : g_leaf
                if (NP == N) begin : g_full
                    assign s = bits_i;
                end else begin : g_pad
                    assign s = {{(NP - N){1'b0}}, bits_i};
                end
            end else begin : g_add
                for (i = 0; i < (NP >> j); i = i + 1) begin : g_node
                    assign s[i*(j+1) +: (j+1)] = {1'b0, g_lvl[j-1].s[2*i*j +: j]} +
                                                 {1'b0, g_lvl[j-1].s[(2*i+1)*j +: j]};
                end
            end
        end
    endgenerate
    assign cnt_o = g_lvl[LV].s;
endmodule
