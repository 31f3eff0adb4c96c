// The controller (models/chip/run.c and exec.c; docs/isa.md): fetches from pc, decodes,
// checks the instruction against the chip's state (a failing check is a trap with the
// model's trap kind: `CIM_TRAP_* codes, generated from models/chip/traps.def), and issues in order, at most one instruction per cycle, when
// every resource it uses is free and every register it reads is ready (cim_scoreboard).
// Scalar results and branches are resolved at issue; units get the issue bus.
// A run starts on start_i (registers and time 0) and ends when, after halt or a trap,
// every resource is free: run_cycles_o = max(last issue + 1, every resource's free time).
// A trap found at decode is recorded at the cycle the instruction would have issued
// earliest (last issue + 1); the watchdog traps at issue when the run would pass
// max_cycles_i, with the issue cycle.
`include "cim_cfg.vh"
module cim_ctrl #(
    parameter integer MACROS    = 4,
    parameter integer ROWS      = 64,
    parameter integer COLS      = 64,
    parameter integer BUF_BITS  = 32768,
    parameter integer PORT_BITS = 64,
    parameter integer DMA_BITS  = 32,
    parameter integer PPU_LANES = 16,
    parameter integer PPU_SIZE  = 64,
    parameter integer IR_BITS   = 256,
    parameter integer SA_BITS   = 32,
    parameter integer T_READ    = 1,
    parameter integer T_DUAL    = 1,
    parameter integer T_GROW    = 1,
    parameter integer T_TREE    = 1,
    parameter integer CW        = $clog2(COLS),
    parameter integer NRES      = `CIM_RES_MACRO + MACROS
) (
    input  logic                   clk_i,
    input  logic                   rst_ni,
    input  logic                   start_i,
    input  logic [31:0]            prog_len_i,
    input  logic [63:0]            max_cycles_i,
    output logic [31:0]            imem_addr_o,
    input  logic [63:0]            imem_data_i,
    // state the checks and durations read
    input  logic [MACROS*(CW+1)-1:0] mac_ncol_i,
    input  logic [MACROS*32-1:0]   mac_wrow_cyc_i,
    input  logic [MACROS*(CW+1)-1:0] mac_pop_i,
    input  logic                   win_cfg_i,
    input  logic [11:0]            win_h_i,
    input  logic [11:0]            win_w_i,
    input  logic [3:0]             win_pad_i,
    input  logic [31:0]            win_ir_len_i,
    input  logic [5:0]             win_pattern_i,
    input  logic [31:0]            win_cyc_i,
    input  logic [11:0]            nf_i,
    input  logic [5:0]             npat_i,
    input  logic [31:0]            hin_bits_i,
    input  logic [31:0]            hin_pos_i,
    input  logic [31:0]            hout_cap_i,
    input  logic [31:0]            hout_pos_i,
    // issue bus
    output logic                   iss_o,
    output logic [7:0]             opc_o,
    output logic [7:0]             m_o,
    output logic [11:0]            a_o,
    output logic [11:0]            b_o,
    output logic [11:0]            c_o,
    output logic [11:0]            d_o,
    output logic [31:0]            rm_o,
    output logic [31:0]            ra_o,
    output logic [2:0]             truth_o,
    output logic [31:0]            buf_addr_o,
    output logic [31:0]            buf_n_o,
    output logic [31:0]            dur_mac_o,
    output logic [31:0]            dur_ppu_o,
    output logic [5:0]             npat_new_o,
    // status
    output logic                   run_o,
    output logic                   done_o,
    output logic [63:0]            run_cycles_o,
    output logic [63:0]            cycle_o,
    output logic [63:0]            ninsn_o,
    output logic                   ev_iss_o,       // registered: an instruction issued last cycle
    output logic [31:0]            ev_pc_o,
    output logic [63:0]            ev_cycle_o,
    output logic                   trap_o,
    output logic [31:0]            trap_pc_o,
    output logic [63:0]            trap_cycle_o,
    output logic [63:0]            trap_word_o,
    output logic [7:0]             trap_code_o,
    output logic [511:0]           regs_o,
    output logic [NRES*32-1:0]     res_rem_o,
    output logic [16*32-1:0]       reg_rem_o
);
    localparam integer PL = $clog2(PORT_BITS);
    localparam logic [1:0] S_IDLE = 2'd0, S_RUN = 2'd1, S_DRAIN = 2'd2, S_DONE = 2'd3;

    function automatic [3:0] lop(input [11:0] code);   // {valid, truth} of a logic op
        case (code)
`include "cim_ops.vh"
            default: lop = 4'b0000;
        endcase
    endfunction
    function automatic [31:0] bufc(input [31:0] bits);   // ceil(bits / P), at least 1
        bufc = (bits == 32'd0) ? 32'd1 : 32'((33'(bits) + 33'(PORT_BITS - 1)) >> PL);
    endfunction
    // ceil(n / d) for a constant d: a shift when d is a power of two, else a divider
    function automatic [31:0] cdiv(input [31:0] n, input integer d);
        logic [32:0] x;
        x = 33'(n) + 33'(d - 1);
        cdiv = ((d & (d - 1)) == 0) ? 32'(x >> $clog2(d)) : 32'(x / 33'(d));
    endfunction
    function automatic [31:0] ppuc(input [31:0] n);      // ceil(n / lanes), at least 1
        ppuc = (n == 32'd0) ? 32'd1 : cdiv(n, PPU_LANES);
    endfunction
    function automatic [31:0] dmac(input [31:0] n);      // ceil(n / link bits)
        dmac = cdiv(n, DMA_BITS);
    endfunction
    // a buffer range [a, a + n) outside the buffer (a from a signed register)
    function automatic bufbad(input [31:0] a, input [63:0] n);
        bufbad = a[31] || 64'(a) > 64'(BUF_BITS) || n > 64'(BUF_BITS) - 64'(a);
    endfunction

    logic [1:0]  st_q;
    logic [31:0] pc_q;
    logic [63:0] ni_q;       // earliest cycle of the next issue (last issue + 1)

    // ---- fetch and fields ---------------------------------------------------------------
    logic [63:0] word;
    logic [7:0]  opc, fm;
    logic [11:0] fa, fb, fc, fd;
    logic [23:0] cd, ab;
    logic [31:0] imm, vm, va, vb;
    logic        fetch_ok;
    assign imem_addr_o = pc_q;
    assign fetch_ok    = pc_q < prog_len_i;
    assign word        = fetch_ok ? imem_data_i : 64'd0;
    assign opc = word[63:56];
    assign fm  = word[55:48];
    assign fa  = word[47:36];
    assign fb  = word[35:24];
    assign fc  = word[23:12];
    assign fd  = word[11:0];
    assign cd  = {fc, fd};
    assign ab  = {fa, fb};
    assign imm = {{8{cd[23]}}, cd};

    logic [511:0] regs;
    logic         rf_we;
    logic [3:0]   rf_wd;
    logic [31:0]  rf_wv;
    cim_regfile u_rf (
        .clk_i(clk_i), .rst_ni(rst_ni), .clr_i(start_i),
        .rm_i(fm[3:0]), .ra_i(fa[3:0]), .rb_i(fb[3:0]), .vm_o(vm), .va_o(va), .vb_o(vb),
        .we_i(rf_we), .wd_i(rf_wd), .wv_i(rf_wv), .regs_o(regs));
    assign regs_o = regs;

    // ---- the addressed macro ------------------------------------------------------------
    logic        mac_ok;
    logic [CW:0] ncol_m, pop_m;
    logic [31:0] wcyc_m;
    assign mac_ok = 32'(fm) < 32'(MACROS);
    always @* begin
        ncol_m = '0;
        pop_m  = '0;
        wcyc_m = '0;
        for (integer i = 0; i < MACROS; i = i + 1)
            if (32'(fm) == 32'(i)) begin
                ncol_m = mac_ncol_i[i*(CW+1) +: CW+1];
                pop_m  = mac_pop_i[i*(CW+1) +: CW+1];
                wcyc_m = mac_wrow_cyc_i[i*32 +: 32];
            end
    end

    // ---- decode: known, checks, resources, registers ------------------------------------
    logic        known;
    logic [7:0]  trap_code;
    logic [15:0] src;
    logic        dst_v;
    logic [3:0]  dst;
    logic [31:0] dst_val, dst_lat;
    logic [31:0] c_mac, c_ir, c_ppu, c_buf, c_dma;
    logic        u_mac, u_ir, u_ppu, u_buf, u_dma;
    logic        is_halt, taken;
    logic [31:0] n24, lbits, wk;
    logic [63:0] hwc;
    logic [3:0]  lopv;
    logic [5:0]  npat_new;
    assign n24      = 32'(ab) + 32'd1;
    assign npat_new = win_cfg_i ? 6'((({2'b0, win_pad_i} << 1) + 6'd1) * (({2'b0, win_pad_i} << 1) + 6'd1)) : 6'd1;
    assign lbits    = ((32'(fa) + 32'd31) & ~32'd31) + 32'd32 * 32'(fa) * (32'd1 + 32'(npat_new));
    assign wk       = 32'(fd[11:4]);
    assign hwc      = 64'(fb) * 64'(fc) * 64'(fa);
    assign lopv     = lop(fc);

    // the buffer range the instruction touches, [baddr, baddr + bn): one range checker
    logic [31:0] baddr;
    logic [63:0] bn;
    logic        bad_buf;
    always @* begin
        baddr = vm;
        bn = 64'd0;
        case (opc)
            `CIM_OPC_WROW: begin baddr = vb; bn = 64'(COLS); end
            `CIM_OPC_OST:  begin baddr = va; bn = 64'(ncol_m); end
            `CIM_OPC_STW:  begin baddr = va; bn = 64'd32; end
            `CIM_OPC_WCFG: bn = hwc;
            `CIM_OPC_ILD, `CIM_OPC_DMAI, `CIM_OPC_DMAO: bn = 64'(n24);
            `CIM_OPC_LCFG: bn = 64'(lbits);
            `CIM_OPC_PSTB: bn = 64'(nf_i);
            `CIM_OPC_PSTI: bn = 64'd32 * 64'(nf_i);
            default: ;
        endcase
    end
    assign bad_buf = bufbad(baddr, bn);

    always @* begin
        known = 1'b1;  trap_code = `CIM_TRAP_NONE;  src = '0;  dst_v = 1'b0;  dst = fm[3:0];
        dst_val = '0;  dst_lat = 32'd1;  is_halt = 1'b0;  taken = 1'b0;
        u_mac = 1'b0;  u_ir = 1'b0;  u_ppu = 1'b0;  u_buf = 1'b0;  u_dma = 1'b0;
        c_mac = 32'd1; c_ir = 32'd1; c_ppu = 32'd1; c_buf = 32'd1; c_dma = 32'd1;
        case (opc)
            `CIM_OPC_HALT: is_halt = 1'b1;
            `CIM_OPC_NOP: ;
            `CIM_OPC_LI:   begin dst_v = 1'b1; dst_val = imm; end
            `CIM_OPC_ADDI: begin src[fa[3:0]] = 1'b1; dst_v = 1'b1; dst_val = va + imm; end
            `CIM_OPC_ADD:  begin src[fa[3:0]] = 1'b1; src[fb[3:0]] = 1'b1; dst_v = 1'b1; dst_val = va + vb; end
            `CIM_OPC_SUB:  begin src[fa[3:0]] = 1'b1; src[fb[3:0]] = 1'b1; dst_v = 1'b1; dst_val = va - vb; end
            `CIM_OPC_BLT:  begin src[fm[3:0]] = 1'b1; src[fa[3:0]] = 1'b1; taken = $signed(vm) < $signed(va); end
            `CIM_OPC_BNE:  begin src[fm[3:0]] = 1'b1; src[fa[3:0]] = 1'b1; taken = vm != va; end
            `CIM_OPC_JMP:  taken = 1'b1;
            `CIM_OPC_WROW: begin
                src[fb[3:0]] = 1'b1;
                u_mac = 1'b1;  c_mac = wcyc_m;  u_buf = 1'b1;  c_buf = bufc(32'(COLS));
                if (!mac_ok) trap_code = `CIM_TRAP_MACRO;
                else if (32'(fa) >= 32'(ROWS)) trap_code = `CIM_TRAP_ROW;
                else if (bad_buf) trap_code = `CIM_TRAP_BUFFER;
            end
            `CIM_OPC_RROW: begin
                u_mac = 1'b1;  c_mac = 32'(T_READ);
                if (!mac_ok) trap_code = `CIM_TRAP_MACRO;
                else if (32'(fa) >= 32'(ROWS)) trap_code = `CIM_TRAP_ROW;
            end
            `CIM_OPC_DUAL: begin
                u_mac = 1'b1;  c_mac = 32'(T_DUAL);
                if (!mac_ok) trap_code = `CIM_TRAP_MACRO;
                else if (32'(fa) >= 32'(ROWS) || 32'(fb) >= 32'(ROWS)) trap_code = `CIM_TRAP_ROW;
                else if (!lopv[3]) trap_code = `CIM_TRAP_DUAL_OP;
                else if (fa == fb) trap_code = `CIM_TRAP_DUAL_SAME;
            end
            `CIM_OPC_CSEL: begin
                u_mac = 1'b1;
                if (!mac_ok) trap_code = `CIM_TRAP_MACRO;
                else if (32'(fa) >= 32'(COLS) || 32'(fb) + 32'd1 > 32'(COLS) - 32'(fa)) trap_code = `CIM_TRAP_CSEL;
            end
            `CIM_OPC_GATED: begin
                u_mac = 1'b1;  c_mac = (32'(fb) + 32'd1) * 32'(T_GROW);  u_ir = 1'b1;
                if (!mac_ok) trap_code = `CIM_TRAP_MACRO;
                else if (32'(fa) >= 32'(ROWS) || 32'(fb) + 32'd1 > 32'(ROWS) - 32'(fa)) trap_code = `CIM_TRAP_GATED_ROWS;
                else if (32'(fc) + 32'(fb) + 32'd1 > win_ir_len_i) trap_code = `CIM_TRAP_GATED_INPUT;
            end
            `CIM_OPC_CCLR: begin
                u_mac = 1'b1;
                if (!mac_ok) trap_code = `CIM_TRAP_MACRO;
            end
            `CIM_OPC_POPO: begin
                u_mac = 1'b1;  c_mac = 32'(T_TREE);
                dst_v = 1'b1;  dst = fa[3:0];  dst_val = 32'(pop_m);  dst_lat = 32'(T_TREE);
                if (!mac_ok) trap_code = `CIM_TRAP_MACRO;
            end
            `CIM_OPC_OST: begin
                src[fa[3:0]] = 1'b1;
                u_mac = 1'b1;  c_mac = bufc(32'(ncol_m));  u_buf = 1'b1;  c_buf = bufc(32'(ncol_m));
                if (!mac_ok) trap_code = `CIM_TRAP_MACRO;
                else if (bad_buf) trap_code = `CIM_TRAP_BUFFER;
            end
            `CIM_OPC_WCFG: begin
                src[fm[3:0]] = 1'b1;  u_ir = 1'b1;
                if (fa == 12'd0 || fb == 12'd0 || fc == 12'd0 || wk == 32'd0 || !wk[0] || wk > 32'd7 ||
                    32'(fd[3:0]) != (wk - 32'd1) >> 1)
                    trap_code = `CIM_TRAP_WCFG_PARAMS;
                else if (32'(fb) < wk || 32'(fc) < wk) trap_code = `CIM_TRAP_WCFG_SMALL;
                else if (wk * wk * 32'(fa) > 32'(IR_BITS)) trap_code = `CIM_TRAP_WCFG_IR;
                else if (bad_buf) trap_code = `CIM_TRAP_BUFFER;
            end
            `CIM_OPC_WIN: begin
                src[fm[3:0]] = 1'b1;  src[fa[3:0]] = 1'b1;
                u_ir = 1'b1;  c_ir = win_cyc_i;  u_buf = 1'b1;  c_buf = win_cyc_i;
                if (!win_cfg_i) trap_code = `CIM_TRAP_WIN_UNCONF;
                else if (vm[31] || va[31] || vm >= 32'(win_h_i) || va >= 32'(win_w_i)) trap_code = `CIM_TRAP_WIN_POS;
            end
            `CIM_OPC_ILD: begin
                src[fm[3:0]] = 1'b1;
                u_ir = 1'b1;  c_ir = bufc(n24);  u_buf = 1'b1;  c_buf = bufc(n24);
                if (n24 > 32'(IR_BITS)) trap_code = `CIM_TRAP_ILD_BITS;
                else if (bad_buf) trap_code = `CIM_TRAP_BUFFER;
            end
            `CIM_OPC_LCFG: begin
                src[fm[3:0]] = 1'b1;
                u_ppu = 1'b1;  c_ppu = bufc(lbits);  u_buf = 1'b1;  c_buf = bufc(lbits);
                if (fa == 12'd0 || 32'(fa) > 32'(PPU_SIZE)) trap_code = `CIM_TRAP_LCFG_NF;
                else if (fb > 12'd1) trap_code = `CIM_TRAP_LCFG_MODE;
                else if (bad_buf) trap_code = `CIM_TRAP_BUFFER;
            end
            `CIM_OPC_PACC: begin
                u_mac = 1'b1;  c_mac = ppuc(32'(ncol_m));  u_ppu = 1'b1;  c_ppu = ppuc(32'(ncol_m));
                if (nf_i == 12'd0) trap_code = `CIM_TRAP_NO_LAYER;
                else if (!mac_ok) trap_code = `CIM_TRAP_MACRO;
                else if (32'(fa) + 32'(ncol_m) > 32'(nf_i)) trap_code = `CIM_TRAP_PACC_RANGE;
                else if (32'(fb) >= 32'(SA_BITS) || fc > 12'd1) trap_code = `CIM_TRAP_PACC_SHIFT;
            end
            `CIM_OPC_PFIN: begin
                u_ppu = 1'b1;  c_ppu = ppuc(32'(nf_i));  u_ir = 1'b1;
                if (nf_i == 12'd0) trap_code = `CIM_TRAP_NO_LAYER;
                else if (win_pattern_i >= npat_i) trap_code = `CIM_TRAP_PFIN_PATTERN;
            end
            `CIM_OPC_PTHR, `CIM_OPC_PCLR, `CIM_OPC_PRCLR: begin
                u_ppu = 1'b1;  c_ppu = ppuc(32'(nf_i));
                if (nf_i == 12'd0) trap_code = `CIM_TRAP_NO_LAYER;
            end
            `CIM_OPC_PSTB, `CIM_OPC_PSTI: begin
                src[fm[3:0]] = 1'b1;
                u_ppu = 1'b1;  c_ppu = bufc(bn[31:0]);  u_buf = 1'b1;  c_buf = bufc(bn[31:0]);
                if (nf_i == 12'd0) trap_code = `CIM_TRAP_NO_LAYER;
                else if (bad_buf) trap_code = `CIM_TRAP_BUFFER;
            end
            `CIM_OPC_STW: begin
                src[fm[3:0]] = 1'b1;  src[fa[3:0]] = 1'b1;
                u_buf = 1'b1;  c_buf = bufc(32'd32);
                if (bad_buf) trap_code = `CIM_TRAP_BUFFER;
            end
            `CIM_OPC_DMAI, `CIM_OPC_DMAO: begin
                src[fm[3:0]] = 1'b1;
                u_dma = 1'b1;  c_dma = dmac(n24);
                u_buf = 1'b1;  c_buf = (dmac(n24) > bufc(n24)) ? dmac(n24) : bufc(n24);
                if (bad_buf) trap_code = `CIM_TRAP_BUFFER;
                else if (opc == `CIM_OPC_DMAI && (hin_pos_i > hin_bits_i || n24 > hin_bits_i - hin_pos_i))
                    trap_code = `CIM_TRAP_DMAI;
                else if (opc == `CIM_OPC_DMAO && (hout_pos_i > hout_cap_i || n24 > hout_cap_i - hout_pos_i))
                    trap_code = `CIM_TRAP_DMAO;
            end
            default: known = 1'b0;
        endcase
        if (!fetch_ok)
            trap_code = `CIM_TRAP_PC_END;
        else if (!known)
            trap_code = `CIM_TRAP_ILLEGAL;
    end

    // ---- scoreboard and issue -----------------------------------------------------------
    logic [NRES-1:0]    use_v, free;
    logic [NRES*32-1:0] cyc_v;
    logic [15:0]        ready;
    logic               idle, go, wd;
    logic [31:0]        drain;
    always @* begin
        use_v = '0;
        cyc_v = '0;
        use_v[`CIM_RES_IR]  = u_ir;   cyc_v[`CIM_RES_IR*32 +: 32]  = c_ir;
        use_v[`CIM_RES_PPU] = u_ppu;  cyc_v[`CIM_RES_PPU*32 +: 32] = c_ppu;
        use_v[`CIM_RES_BUF] = u_buf;  cyc_v[`CIM_RES_BUF*32 +: 32] = c_buf;
        use_v[`CIM_RES_DMA] = u_dma;  cyc_v[`CIM_RES_DMA*32 +: 32] = c_dma;
        for (integer i = 0; i < MACROS; i = i + 1)
            if (u_mac && 32'(fm) == 32'(i)) begin
                use_v[`CIM_RES_MACRO + i] = 1'b1;
                cyc_v[(`CIM_RES_MACRO + i)*32 +: 32] = c_mac;
            end
    end
    assign go = st_q == S_RUN && trap_code == `CIM_TRAP_NONE && (use_v & ~free) == '0 && (src & ~ready) == '0;
    assign wd = go && cycle_o + 64'(drain) > max_cycles_i;   // watchdog

    cim_scoreboard #(.NRES(NRES)) u_sb (
        .clk_i(clk_i), .rst_ni(rst_ni), .clr_i(start_i),
        .iss_i(go), .use_i(use_v), .cyc_i(cyc_v),
        .dst_v_i(dst_v), .dst_i(dst), .lat_i(dst_lat),
        .free_o(free), .ready_o(ready), .idle_o(idle), .drain_o(drain),
        .res_rem_o(res_rem_o), .reg_rem_o(reg_rem_o));

    assign rf_we = go && dst_v;
    assign rf_wd = dst;
    assign rf_wv = dst_val;

    // issue bus
    assign iss_o      = go;
    assign opc_o      = opc;
    assign m_o        = fm;
    assign a_o        = fa;
    assign b_o        = fb;
    assign c_o        = fc;
    assign d_o        = fd;
    assign rm_o       = vm;
    assign ra_o       = va;
    assign truth_o    = lopv[2:0];
    assign buf_addr_o = baddr;
    assign buf_n_o    = bn[31:0];
    assign dur_mac_o  = c_mac;
    assign dur_ppu_o  = c_ppu;
    assign npat_new_o = npat_new;
    assign run_o      = st_q == S_RUN || st_q == S_DRAIN;
    assign done_o     = st_q == S_DONE;

    // ---- run state ----------------------------------------------------------------------
    logic dtrap;   // a trap found at decode in this cycle
    assign dtrap = st_q == S_RUN && trap_code != `CIM_TRAP_NONE;

    always_ff @(posedge clk_i) begin
        if (!rst_ni) begin
            st_q <= S_IDLE;  pc_q <= '0;  ni_q <= '0;  cycle_o <= '0;  ninsn_o <= '0;
            run_cycles_o <= '0;  ev_iss_o <= 1'b0;  ev_pc_o <= '0;  ev_cycle_o <= '0;
            trap_o <= 1'b0;  trap_pc_o <= '0;  trap_cycle_o <= '0;  trap_word_o <= '0;
            trap_code_o <= '0;
        end else if (start_i) begin
            st_q <= S_RUN;  pc_q <= '0;  ni_q <= '0;  cycle_o <= '0;  ninsn_o <= '0;
            run_cycles_o <= '0;  ev_iss_o <= 1'b0;  trap_o <= 1'b0;  trap_pc_o <= '0;
            trap_cycle_o <= '0;  trap_word_o <= '0;  trap_code_o <= '0;
        end else begin
            ev_iss_o <= go;
            if (st_q == S_RUN || st_q == S_DRAIN)
                cycle_o <= cycle_o + 64'd1;
            if (go) begin
                ev_pc_o <= pc_q;
                ev_cycle_o <= cycle_o;
                ninsn_o <= ninsn_o + 64'd1;
                ni_q <= cycle_o + 64'd1;
                pc_q <= taken ? 32'(cd) : pc_q + 32'd1;
                if (wd) begin
                    trap_o <= 1'b1;  trap_pc_o <= pc_q;  trap_cycle_o <= cycle_o;
                    trap_word_o <= word;  trap_code_o <= `CIM_TRAP_WATCHDOG;
                end
                if (wd || is_halt)
                    st_q <= S_DRAIN;
            end else if (dtrap) begin
                trap_o <= 1'b1;  trap_pc_o <= pc_q;  trap_cycle_o <= cycle_o;
                trap_word_o <= word;  trap_code_o <= trap_code;
                if (idle) begin
                    st_q <= S_DONE;
                    run_cycles_o <= cycle_o;
                end else begin
                    st_q <= S_DRAIN;
                end
            end else if (st_q == S_DRAIN && idle && cycle_o >= ni_q) begin
                st_q <= S_DONE;
                run_cycles_o <= cycle_o;
            end
        end
    end

endmodule
