// Post-processing unit (models/chip exec_units.c, docs/isa.md "PPU"): PPU_SIZE signed
// accumulators p[] of SA_BITS bits, the pool register, and the layer table loaded by lcfg
// (nf, mode, npat, pruned mask, thresholds, offsets). Element-wise work runs on LANES
// shift-add lanes, entries [j LANES, (j+1) LANES) in the j-th cycle of the op:
//   pacc  p[off + i] += (neg ? -1 : 1) counter[col0 + i] << shift, i < ncol of the macro
//   pfin  live f: p = 4 p - 2 px + off[pattern][f]; pruned f: valid - 2 px (ref) or 0 (skip)
//   pthr  pool[f] |= p[f] >= thr[f];   pclr p[f] = 0;   prclr pool[f] = 0       (f < nf)
// lcfg takes nf, mode and npat at issue and the table as the buffer streams it
// (PORT_BITS per cycle); pstb / psti hand the buffer the pool register / the int32
// accumulators chunk by chunk through the image port. All wrap at SA_BITS like the model.
`include "cim_cfg.vh"
module cim_ppu #(
    parameter integer PPU_SIZE  = 64,
    parameter integer LANES     = 16,
    parameter integer SA_BITS   = 32,
    parameter integer PORT_BITS = 64,
    parameter integer COLS      = 16,
    parameter integer CB        = 10,
    parameter integer CW        = $clog2(COLS),
    parameter integer AW        = ($clog2(PPU_SIZE) < 1) ? 1 : $clog2(PPU_SIZE),
    parameter integer OAW       = $clog2(49 * PPU_SIZE),
    parameter integer SW        = $clog2(SA_BITS)
) (
    input  logic                 clk_i,
    input  logic                 rst_ni,
    input  logic                 iss_i,
    input  logic [7:0]           opc_i,
    input  logic [7:0]           m_i,
    input  logic [11:0]          a_i,
    input  logic [11:0]          b_i,
    input  logic [11:0]          c_i,
    input  logic [31:0]          dur_i,
    // pacc: the counters and window of the macro cnt_mac_o names
    output logic [7:0]           cnt_mac_o,
    input  logic [COLS*CB-1:0]   cnt_i,      // plane-major: bit b of column c at [b COLS + c]
    input  logic [CW-1:0]        col0_i,     // of macro m_i, at issue
    input  logic [CW:0]          ncol_i,
    // window-unit scalars (pfin) and the border classes of a new layer (lcfg), at issue
    input  logic [31:0]          px_i,
    input  logic [31:0]          valid_i,
    input  logic [5:0]           pattern_i,
    input  logic [5:0]           npat_new_i,
    // layer table stream from the buffer
    input  logic                 tbl_v_i,
    input  logic [31:0]          tbl_off_i,
    input  logic [31:0]          tbl_len_i,
    input  logic [PORT_BITS-1:0] tbl_data_i,
    // pool register / accumulators to the buffer
    input  logic [31:0]          img_off_i,
    output logic [PORT_BITS-1:0] img_data_o,
    output logic                 busy_o,
    output logic                 err_o,
    output logic [11:0]          nf_o,
    output logic                 mode_o,
    output logic [5:0]           npat_o,
    // cosim probes
    input  logic [31:0]          prb_idx_i,
    output logic [63:0]          prb_p_o,
    output logic [31:0]          prb_thr_o,
    input  logic [31:0]          prb_off_i,
    output logic [31:0]          prb_off_o,
    output logic [PPU_SIZE-1:0]  pr_o,
    output logic [PPU_SIZE-1:0]  pruned_o
);
    localparam integer P = PORT_BITS;

    logic [SA_BITS-1:0] p_q   [2**AW];
    logic [31:0]        thr_q [2**AW];
    logic [31:0]        off_q [2**OAW];

    // ---- the op in progress -----------------------------------------------------------
    logic [7:0]    op_q, m_q;
    logic [11:0]   a_q, b_q, c_q;
    logic [CW-1:0] col0_q;
    logic [CW:0]   ncol_q;
    logic [31:0]   px_q, valid_q, el_q, rem_q;
    logic [5:0]    pattern_q;

    logic [7:0]    cur_op;
    logic [11:0]   cur_a, cur_b, cur_c;
    logic [CW-1:0] cur_col0;
    logic [CW:0]   cur_ncol;
    logic [31:0]   cur_px, cur_valid, cur_el;
    logic [5:0]    cur_pattern;
    logic [11:0]   cur_nf;
    logic [5:0]    cur_npat;
    logic          act;

    assign busy_o      = rem_q != 32'd0;
    assign act         = iss_i || busy_o;
    assign cur_op      = iss_i ? opc_i : op_q;
    assign cur_a       = iss_i ? a_i : a_q;
    assign cur_b       = iss_i ? b_i : b_q;
    assign cur_c       = iss_i ? c_i : c_q;
    assign cur_col0    = iss_i ? col0_i : col0_q;
    assign cur_ncol    = iss_i ? ncol_i : ncol_q;
    assign cur_px      = iss_i ? px_i : px_q;
    assign cur_valid   = iss_i ? valid_i : valid_q;
    assign cur_pattern = iss_i ? pattern_i : pattern_q;
    assign cur_el      = iss_i ? 32'd0 : el_q;
    assign cnt_mac_o   = iss_i ? m_i : m_q;
    // lcfg sets the layer at issue: its table's first chunk arrives in that cycle
    assign cur_nf      = (iss_i && opc_i == `CIM_OPC_LCFG) ? a_i : nf_o;
    assign cur_npat    = (iss_i && opc_i == `CIM_OPC_LCFG) ? npat_new_i : npat_o;

    logic is_pacc, is_pfin, is_pclr, is_pthr, is_prclr;
    assign is_pacc  = act && cur_op == `CIM_OPC_PACC;
    assign is_pfin  = act && cur_op == `CIM_OPC_PFIN;
    assign is_pclr  = act && cur_op == `CIM_OPC_PCLR;
    assign is_pthr  = act && cur_op == `CIM_OPC_PTHR;
    assign is_prclr = act && cur_op == `CIM_OPC_PRCLR;

    logic [31:0] base;   // first entry of this cycle's lanes
    assign base = cur_el * 32'(LANES);

    // ---- lanes ------------------------------------------------------------------------
    genvar l;
    generate
        for (l = 0; l < LANES; l = l + 1) begin : g_lane
            logic [31:0]        i;
            logic [31:0]        idx;
            logic [SA_BITS-1:0] acc, cval, sum, fin;
            logic [31:0]        offv;
            logic               pruned;
            assign i      = base + 32'(l);
            assign idx    = is_pacc ? 32'(cur_a) + i : i;
            assign acc    = p_q[idx[AW-1:0]];
            logic [CB-1:0]      cv;             // counter of column col0 + i (plane-major bus)
            logic [31:0]        col;
            assign col = 32'(cur_col0) + i;
            always @* begin
                for (integer b = 0; b < CB; b = b + 1)
                    cv[b] = (col < 32'(COLS)) ? cnt_i[32'(b) * 32'(COLS) + col] : 1'b0;
            end
            assign cval   = SA_BITS'(cv);
            assign offv   = off_q[OAW'(32'(cur_pattern) * 32'(nf_o) + i)];
            assign pruned = pruned_o[i[AW-1:0]];
            logic unused_lane;
            assign unused_lane = ^{idx, offv};
            cim_shift_add #(.BITS(SA_BITS)) u_sa (
                .acc_i(acc), .val_i(cval), .shift_i(cur_b[SW-1:0]), .neg_i(cur_c[0]), .sum_o(sum));
            // pfin, modulo 2^SA_BITS: 4 p - 2 px + off, or valid - 2 px for a pruned filter (ref)
            assign fin = pruned ? (mode_o ? '0 : SA_BITS'(cur_valid) - (SA_BITS'(cur_px) << 1))
                                : (acc << 2) - (SA_BITS'(cur_px) << 1) + SA_BITS'($signed(offv));
            always_ff @(posedge clk_i) begin
                if (is_pacc && i < 32'(cur_ncol))
                    p_q[idx[AW-1:0]] <= sum;
                else if (is_pfin && i < 32'(nf_o))
                    p_q[idx[AW-1:0]] <= fin;
                else if (is_pclr && i < 32'(nf_o))
                    p_q[idx[AW-1:0]] <= '0;
            end
        end
    endgenerate

    // pool register: pthr sets, prclr clears (f < nf)
    always_ff @(posedge clk_i) begin
        if (!rst_ni) begin
            pr_o <= '0;
        end else begin
            for (integer j = 0; j < LANES; j = j + 1) begin
                if ((is_pthr || is_prclr) && base + 32'(j) < 32'(nf_o)) begin
                    if (is_prclr)
                        pr_o[AW'(base + 32'(j))] <= 1'b0;
                    else if ($signed({{(65-SA_BITS){p_q[AW'(base + 32'(j))][SA_BITS-1]}}, p_q[AW'(base + 32'(j))]}) >=
                             $signed({{33{thr_q[AW'(base + 32'(j))][31]}}, thr_q[AW'(base + 32'(j))]}))
                        pr_o[AW'(base + 32'(j))] <= 1'b1;
                end
            end
        end
    end

    // ---- layer table (lcfg) -------------------------------------------------------------
    // entry e (32 bits) of the table: pruned mask words, then thr[nf], then off[npat nf]
    logic [31:0] mw;       // mask words, ceil(nf / 32)
    assign mw = (32'(cur_nf) + 32'd31) >> 5;
    // completed table entries of this cycle's chunk: P/32 of them, or one in every
    // 32/P chunks when the port is narrower than an entry
    localparam integer NQ = (P >= 32) ? P / 32 : 1;
    logic [NQ-1:0]    ent_v;
    logic [NQ*32-1:0] ent_e, ent_val;
    genvar q;
    generate
        if (P >= 32) begin : g_wide
            for (q = 0; q < NQ; q = q + 1) begin : g_ent
                assign ent_v[q]            = tbl_v_i && 32'(q) * 32'd32 < tbl_len_i;
                assign ent_e[q*32 +: 32]   = (tbl_off_i >> 5) + 32'(q);
                assign ent_val[q*32 +: 32] = tbl_data_i[q*32 +: 32];
            end
        end else begin : g_narrow
            logic [31:0] asm_q, ent;
            always @* begin
                ent = asm_q;
                ent[tbl_off_i[4:0] +: P] = tbl_data_i;
            end
            always_ff @(posedge clk_i)
                if (tbl_v_i)
                    asm_q <= ent;
            assign ent_v[0] = tbl_v_i && tbl_off_i[4:0] + 5'(P) == 5'd0;
            assign ent_e    = tbl_off_i >> 5;
            assign ent_val  = ent;
        end
    endgenerate

    always @(posedge clk_i) begin : p_table
        logic [PPU_SIZE-1:0] pr_n;
        logic [31:0]         e, v;
        pr_n = pruned_o;
        if (!rst_ni) begin
            pruned_o <= '0;
        end else begin
            if (iss_i && opc_i == `CIM_OPC_LCFG)
                pr_n = '0;
            for (integer k = 0; k < NQ; k = k + 1) begin
                e = ent_e[k*32 +: 32];
                v = ent_val[k*32 +: 32];
                if (ent_v[k]) begin
                    if (e < mw) begin
                        for (integer b = 0; b < 32; b = b + 1)
                            if (e * 32 + 32'(b) < 32'(cur_nf))
                                pr_n[AW'(e * 32 + 32'(b))] = v[b];
                    end else if (e < mw + 32'(cur_nf)) begin
                        thr_q[AW'(e - mw)] <= v;
                    end else if (e < mw + 32'(cur_nf) + 32'(cur_npat) * 32'(cur_nf)) begin
                        off_q[OAW'(e - mw - 32'(cur_nf))] <= v;
                    end
                end
            end
            pruned_o <= pr_n;
        end
    end

    // ---- image port: pool register (pstb) or int32 accumulators (psti) -------------------
    localparam integer NE = P / 32 + 2;   // entries a chunk touches
    logic [NE*32-1:0] img_w;
    logic [PPU_SIZE+P-1:0] pr_sh;
    logic [31:0] e0;
    assign e0 = img_off_i >> 5;
    always @* begin
        img_w = '0;
        for (integer j = 0; j < NE; j = j + 1)
            if (e0 + 32'(j) < 32'(PPU_SIZE))
                img_w[j*32 +: 32] = 32'($signed(p_q[AW'(e0 + 32'(j))]));
    end
    assign pr_sh = {{P{1'b0}}, pr_o} >> img_off_i;
    logic [NE*32-1:0] img_s;
    assign img_s = img_w >> img_off_i[4:0];
    assign img_data_o = (cur_op == `CIM_OPC_PSTB) ? pr_sh[P-1:0] : img_s[P-1:0];

    // ---- op sequencing and layer registers -------------------------------------------
    logic [31:0] lane_n, own;
    assign lane_n = (opc_i == `CIM_OPC_PACC) ? 32'(ncol_i) : 32'(nf_o);
    assign own = (lane_n + 32'(LANES - 1)) / 32'(LANES);
    always_ff @(posedge clk_i) begin
        if (!rst_ni) begin
            op_q <= '0;  m_q <= '0;  a_q <= '0;  b_q <= '0;  c_q <= '0;  col0_q <= '0;
            ncol_q <= '0;  px_q <= '0;  valid_q <= '0;  pattern_q <= '0;  el_q <= '0;
            rem_q <= '0;  nf_o <= '0;  mode_o <= 1'b0;  npat_o <= '0;  err_o <= 1'b0;
        end else begin
            if (iss_i) begin
                op_q <= opc_i;  m_q <= m_i;  a_q <= a_i;  b_q <= b_i;  c_q <= c_i;
                col0_q <= col0_i;  ncol_q <= ncol_i;  px_q <= px_i;  valid_q <= valid_i;
                pattern_q <= pattern_i;  el_q <= 32'd1;  rem_q <= dur_i - 32'd1;
                if (opc_i == `CIM_OPC_LCFG) begin
                    nf_o <= a_i;  mode_o <= b_i[0];  npat_o <= npat_new_i;
                end
                if (busy_o || dur_i == 32'd0 ||
                    ((opc_i == `CIM_OPC_PACC || opc_i == `CIM_OPC_PFIN || opc_i == `CIM_OPC_PCLR ||
                      opc_i == `CIM_OPC_PTHR || opc_i == `CIM_OPC_PRCLR) && own != dur_i))
                    err_o <= 1'b1;
            end else if (busy_o) begin
                el_q <= el_q + 32'd1;
                rem_q <= rem_q - 32'd1;
            end
        end
    end

    assign prb_p_o   = 64'($signed(p_q[prb_idx_i[AW-1:0]]));
    assign prb_thr_o = thr_q[prb_idx_i[AW-1:0]];
    assign prb_off_o = off_q[prb_off_i[OAW-1:0]];

    // bits that only some parameter sets use
    logic unused;
    assign unused = ^{tbl_len_i, prb_idx_i, prb_off_i, cur_b, cur_c, cur_px, cur_valid, pr_sh, img_s};
endmodule
