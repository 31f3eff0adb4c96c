// Global buffer (behavioural SRAM of BUF_BITS bits, bit i in 64-bit word i/64 at i%64,
// all zero at power-up) with its access paths:
//   - a row read for wrow (COLS bits at any bit address, combinational: the macro takes
//     the row in the issue cycle and holds the macro while the port is busy);
//   - the input-register loads: the k x k window gather of win and the n-bit read of ild,
//     combinational and computed only while such an instruction is decoded;
//   - one transfer engine for every other buffer access, one chunk per cycle from the
//     issue cycle on: PORT_BITS per chunk, min(PORT_BITS, DMA_BITS) for the host link,
//     so it ends exactly when the controller frees the buffer port (docs/isa.md):
//       writes  ost (latched output register), stw (32-bit value), pstb / psti (the PPU's
//               pool register / accumulators), dmai (host input stream)
//       reads   lcfg (layer table to the PPU), dmao (host output).
`include "cim_cfg.vh"
module cim_gbuf #(
    parameter integer BUF_BITS  = 4096,
    parameter integer PORT_BITS = 64,
    parameter integer DMA_BITS  = 32,
    parameter integer COLS      = 16,
    parameter integer IR_BITS   = 32,
    parameter integer SRCW      = (COLS > 32) ? COLS : 32,
    parameter integer WORDS     = BUF_BITS / 64,
    parameter integer WA        = $clog2(WORDS)
) (
    input  logic                 clk_i,
    input  logic                 rst_ni,
    // wrow row read
    input  logic [31:0]          rrd_addr_i,
    output logic [COLS-1:0]      rrd_data_o,
    // input-register loads
    input  logic                 g_win_i,
    input  logic                 g_ild_i,
    input  logic [31:0]          g_addr_i,      // ild address / window base
    input  logic [23:0]          g_n_i,         // ild bits
    input  logic [11:0]          g_c_i,
    input  logic [11:0]          g_w_i,
    input  logic [11:0]          g_h_i,
    input  logic [3:0]           g_k_i,
    input  logic [3:0]           g_pad_i,
    input  logic [31:0]          g_y_i,
    input  logic [31:0]          g_x_i,
    output logic [IR_BITS-1:0]   g_data_o,
    // transfer engine
    input  logic                 e_start_i,
    input  logic [2:0]           e_kind_i,      // 1 ost 2 stw 3 pstb 4 psti 5 dmai 6 lcfg 7 dmao
    input  logic [31:0]          e_addr_i,
    input  logic [31:0]          e_n_i,
    input  logic [SRCW-1:0]      e_src_i,       // ost / stw data
    input  logic [31:0]          e_hpos_i,      // host stream position (dmai / dmao)
    output logic [31:0]          img_off_o,     // PPU image bit offset of this chunk
    input  logic [PORT_BITS-1:0] img_data_i,
    output logic                 tbl_v_o,       // layer-table chunk to the PPU
    output logic [31:0]          tbl_off_o,
    output logic [31:0]          tbl_len_o,
    output logic [PORT_BITS-1:0] tbl_data_o,
    output logic [31:0]          hin_addr_o,
    input  logic [PORT_BITS-1:0] hin_data_i,
    output logic                 hout_we_o,
    output logic [31:0]          hout_addr_o,
    output logic [31:0]          hout_len_o,
    output logic [PORT_BITS-1:0] hout_data_o,
    output logic                 busy_o,
    output logic                 err_o,
    // cosim loader and probe
    input  logic                 ld_we_i,
    input  logic [31:0]          ld_addr_i,
    input  logic [63:0]          ld_data_i,
    input  logic [31:0]          prb_addr_i,
    output logic [63:0]          prb_data_o
);
    localparam integer P   = PORT_BITS;
    localparam integer CHD = (DMA_BITS < PORT_BITS) ? DMA_BITS : PORT_BITS;
    localparam integer NW  = P / 64 + 2;            // words a chunk touches at any alignment
    localparam integer NWC = COLS / 64 + 2;
    localparam integer NWI = IR_BITS / 64 + 2;
    localparam logic [2:0] K_OST = 3'd1, K_STW = 3'd2, K_PSTB = 3'd3, K_PSTI = 3'd4,
                           K_DMAI = 3'd5, K_LCFG = 3'd6, K_DMAO = 3'd7;

    logic [63:0] mem [WORDS];

    function automatic [63:0] word_at(input [39:0] idx);
        word_at = (idx < 40'(WORDS)) ? mem[idx[WA-1:0]] : 64'd0;
    endfunction

    // ---- wrow row read -----------------------------------------------------------------
    logic [NWC*64-1:0] rrd_w, rrd_s;
    always @* begin
        for (integer j = 0; j < NWC; j = j + 1)
            rrd_w[j*64 +: 64] = word_at((40'(rrd_addr_i) >> 6) + 40'(j));
        rrd_s = rrd_w >> rrd_addr_i[5:0];
    end
    assign rrd_data_o = rrd_s[COLS-1:0];

    // ---- input-register loads ----------------------------------------------------------
    function automatic [IR_BITS-1:0] read_ir(input [39:0] addr);
        logic [NWI*64-1:0] w;
        for (integer j = 0; j < NWI; j = j + 1)
            w[j*64 +: 64] = word_at((addr >> 6) + 40'(j));
        w = w >> addr[5:0];
        read_ir = w[IR_BITS-1:0];
    endfunction
    function automatic [IR_BITS-1:0] ones(input [31:0] n);   // n <= IR_BITS low ones
        logic [IR_BITS:0] one;
        one  = {{IR_BITS{1'b0}}, 1'b1} << n;
        ones = IR_BITS'(one - 1'b1);
    endfunction
    // window gather, bit by bit: IR bit i = tap t = i / C, channel ch = i % C (tap-major),
    // pixel (y + ky - pad, x + kx - pad) with t = ky k + kx; 0 outside the map
    function automatic bit_at(input [39:0] a);
        logic [63:0] w;
        w = word_at(a >> 6);
        bit_at = w[a[5:0]];
    endfunction
    logic signed [39:0] g_yy, g_xx;
    logic [31:0]        g_t, g_ch, g_kk, g_ky, g_kx;
    always @* begin : p_gather
        g_data_o = '0;
        g_yy = '0;
        g_xx = '0;
        g_t  = '0;
        g_ch = '0;
        g_ky = '0;
        g_kx = '0;
        g_kk = 32'(g_k_i) * 32'(g_k_i) * 32'(g_c_i);
        if (g_ild_i) begin
            g_data_o = read_ir(40'(g_addr_i)) & ones(32'(g_n_i));
        end else if (g_win_i && g_c_i != 12'd0 && g_k_i != 4'd0) begin
            for (integer i = 0; i < IR_BITS; i = i + 1) begin
                if (32'(i) < g_kk) begin
                    g_t  = 32'(i) / 32'(g_c_i);
                    g_ch = 32'(i) % 32'(g_c_i);
                    g_ky = g_t / 32'(g_k_i);
                    g_kx = g_t % 32'(g_k_i);
                    g_yy = 40'($signed(g_y_i)) + 40'(g_ky) - 40'(g_pad_i);
                    g_xx = 40'($signed(g_x_i)) + 40'(g_kx) - 40'(g_pad_i);
                    if (g_yy >= 0 && g_xx >= 0 && g_yy < 40'(g_h_i) && g_xx < 40'(g_w_i))
                        g_data_o[i] = bit_at(40'(g_addr_i) + (40'(g_yy) * 40'(g_w_i) + 40'(g_xx)) * 40'(g_c_i) +
                                             40'(g_ch));
                end
            end
        end
    end

    // ---- transfer engine ---------------------------------------------------------------
    logic [2:0]      kind_q;
    logic [31:0]     addr_q, n_q, off_q, hpos_q;
    logic [SRCW-1:0] src_q;
    logic [2:0]      kind;
    logic [31:0]     addr, n, off, hpos, width, len, dst;
    logic [SRCW-1:0] src;
    logic            act, wr;
    logic [P-1:0]    wdata, rdata;

    assign busy_o = kind_q != 3'd0;
    assign act    = e_start_i || busy_o;
    assign kind   = e_start_i ? e_kind_i : kind_q;
    assign addr   = e_start_i ? e_addr_i : addr_q;
    assign n      = e_start_i ? e_n_i : n_q;
    assign off    = e_start_i ? 32'd0 : off_q;
    assign hpos   = e_start_i ? e_hpos_i : hpos_q;
    assign src    = e_start_i ? e_src_i : src_q;
    assign width  = (kind == K_DMAI || kind == K_DMAO) ? 32'(CHD) : 32'(P);
    assign len    = (n - off < width) ? n - off : width;
    assign wr     = act && kind >= K_OST && kind <= K_DMAI;

    // chunk data in: source of a write, buffer contents of a read
    logic [SRCW-1:0]   src_sh;
    logic [NW*64-1:0]  rw, rs;
    assign src_sh = src >> off;
    always @* begin
        for (integer j = 0; j < NW; j = j + 1)
            rw[j*64 +: 64] = word_at(((40'(addr) + 40'(off)) >> 6) + 40'(j));
        rs = rw >> ((addr + off) & 32'd63);
    end
    assign rdata = rs[P-1:0];
    always @* begin
        case (kind)
            K_OST, K_STW:   wdata = P'(src_sh);
            K_PSTB, K_PSTI: wdata = img_data_i;
            default:        wdata = hin_data_i;
        endcase
    end
    assign img_off_o   = off;
    assign hin_addr_o  = hpos + off;
    assign tbl_v_o     = act && kind == K_LCFG;
    assign tbl_off_o   = off;
    assign tbl_len_o   = len;
    assign tbl_data_o  = rdata;
    assign hout_we_o   = act && kind == K_DMAO;
    assign hout_addr_o = hpos + off;
    assign hout_len_o  = len;
    assign hout_data_o = rdata;

    // masked write of len bits at dst: word-aligned image of data and mask
    logic [NW*64-1:0] wimg, wmsk;
    assign dst  = addr + off;
    assign wmsk = ((({{(NW*64-1){1'b0}}, 1'b1}) << len) - 1'b1) << dst[5:0];
    assign wimg = {{(NW*64-P){1'b0}}, wdata} << dst[5:0];

    always_ff @(posedge clk_i) begin
        if (wr) begin
            for (integer j = 0; j < NW; j = j + 1)
                if (|wmsk[j*64 +: 64])
                    mem[WA'(32'(dst >> 6) + 32'(j))] <= (mem[WA'(32'(dst >> 6) + 32'(j))] & ~wmsk[j*64 +: 64]) |
                                                        (wimg[j*64 +: 64] & wmsk[j*64 +: 64]);
        end else if (ld_we_i) begin
            mem[ld_addr_i[WA-1:0]] <= ld_data_i;
        end
    end

    always_ff @(posedge clk_i) begin
        if (!rst_ni) begin
            kind_q <= '0;  addr_q <= '0;  n_q <= '0;  off_q <= '0;  hpos_q <= '0;  src_q <= '0;
            err_o <= 1'b0;
        end else begin
            if (e_start_i) begin
                addr_q <= e_addr_i;  n_q <= e_n_i;  hpos_q <= e_hpos_i;  src_q <= e_src_i;
                if (busy_o || e_kind_i == 3'd0 || e_n_i == 32'd0)
                    err_o <= 1'b1;
            end
            if (act) begin
                if (off + width >= n) begin
                    kind_q <= '0;
                end else begin
                    kind_q <= kind;
                    off_q  <= off + width;
                end
            end
        end
    end

    assign prb_data_o = word_at(40'(prb_addr_i));

    // bits that only some parameter sets use
    logic unused;
    assign unused = ^{ld_addr_i, rrd_s, src_sh, rs};
endmodule
