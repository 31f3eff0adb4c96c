// The controller's scoreboard (models/chip/run.c): for every resource (IR, PPU, BUF, DMA,
// each macro) the cycles until it is free, and for every register the cycles until its
// value is ready; free_at - now and ready_at - now of the model, counted down. An issuing
// instruction occupies each resource it uses for cyc cycles (free at issue + cyc) and makes
// its destination ready at issue + latency. drain_o is when the run would end if the
// decoded instruction issued now (the watchdog's measure): max(1, every resource's
// remaining time after the issue), relative to now.
module cim_scoreboard #(
    parameter integer NRES = 5
) (
    input  logic               clk_i,
    input  logic               rst_ni,
    input  logic               clr_i,
    input  logic               iss_i,
    input  logic [NRES-1:0]    use_i,
    input  logic [NRES*32-1:0] cyc_i,
    input  logic               dst_v_i,
    input  logic [3:0]         dst_i,
    input  logic [31:0]        lat_i,
    output logic [NRES-1:0]    free_o,
    output logic [15:0]        ready_o,
    output logic               idle_o,
    output logic [31:0]        drain_o,
    output logic [NRES*32-1:0] res_rem_o,   // resource r at [32 r +: 32]
    output logic [16*32-1:0]   reg_rem_o
);
    always @* begin
        drain_o = 32'd1;
        for (integer r = 0; r < NRES; r = r + 1) begin
            if (use_i[r] && cyc_i[r*32 +: 32] > drain_o)
                drain_o = cyc_i[r*32 +: 32];
            else if (!use_i[r] && res_rem_o[r*32 +: 32] > drain_o)
                drain_o = res_rem_o[r*32 +: 32];
        end
    end

    genvar g;
    generate
        for (g = 0; g < NRES; g = g + 1) begin : g_res
            assign free_o[g] = res_rem_o[g*32 +: 32] == 32'd0;
            always_ff @(posedge clk_i) begin
                if (!rst_ni || clr_i)
                    res_rem_o[g*32 +: 32] <= 32'd0;
                else if (iss_i && use_i[g])
                    res_rem_o[g*32 +: 32] <= cyc_i[g*32 +: 32] - 32'd1;
                else if (res_rem_o[g*32 +: 32] != 32'd0)
                    res_rem_o[g*32 +: 32] <= res_rem_o[g*32 +: 32] - 32'd1;
            end
        end
        for (g = 0; g < 16; g = g + 1) begin : g_reg
            assign ready_o[g] = reg_rem_o[g*32 +: 32] == 32'd0;
            always_ff @(posedge clk_i) begin
                if (!rst_ni || clr_i || g == 0)
                    reg_rem_o[g*32 +: 32] <= 32'd0;
                else if (iss_i && dst_v_i && dst_i == 4'(g))
                    reg_rem_o[g*32 +: 32] <= lat_i - 32'd1;
                else if (reg_rem_o[g*32 +: 32] != 32'd0)
                    reg_rem_o[g*32 +: 32] <= reg_rem_o[g*32 +: 32] - 32'd1;
            end
        end
    endgenerate
    assign idle_o = &free_o;
endmodule
