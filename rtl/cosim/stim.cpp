// Stimulus for the lockstep: directed programs per block (assembly, sized from the chip
// config), seeded random legal programs (generated, then run on the model and any
// instruction that traps replaced by a nop until none does), and random illegal programs
// (a legal one with one fault injected, kept when the model traps on it).
#include "cosim.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

std::vector<uint64_t> assemble(const std::string &text, const char *name)
{
    CimProgram p;
    CimDiag d;
    cim_program_init(&p);
    cim_diag_init(&d);
    if (cim_isa_assemble(text.c_str(), name, &p, nullptr, &d) != CIM_OK) {
        cim_diag_print(&d, stderr);
        fprintf(stderr, "cosim: internal error: a directed program does not assemble:\n%s\n", text.c_str());
        exit(3);
    }
    std::vector<uint64_t> w(p.words, p.words + p.n);
    cim_program_free(&p, nullptr);
    cim_diag_free(&d);
    return w;
}

bool model_run_case(const CaseSpec &cs, const CimChipCfg *cfg, CimRunResult *last)
{
    CimChip *c = nullptr;
    cim_chip_create(cfg, nullptr, &c);
    Bits in, out;
    CimHostIO io{};
    for (const RunSpec &rs : cs.runs) {
        if (rs.new_io) {
            in = rs.in;
            in.resize((rs.in_bits + 63) / 64 + 1, 0);
            out = bits_zero(rs.out_bits);
            io = CimHostIO{rs.in_bits ? in.data() : nullptr, rs.in_bits, 0, rs.out_bits ? out.data() : nullptr,
                           rs.out_bits, 0};
        }
        CimProgram p = {const_cast<uint64_t *>(rs.prog.data()), rs.prog.size(), rs.prog.size()};
        cim_chip_run(c, &p, &io, rs.max_cycles, last);
        if (last->trap.kind != CIM_TRAP_NONE)
            break;
    }
    cim_chip_destroy(c);
    return last->trap.kind != CIM_TRAP_NONE;
}

namespace {

size_t cim_chip_buffer_bits_of(const CimChipCfg *c) { return (size_t)c->buffer_kib * 8192u; }

Bits random_bits(CimRng *r, size_t n)
{
    Bits b = bits_zero(n);
    cim_bits_random(b.data(), n, r);
    return b;
}

std::string fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char *f, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    return buf;
}

RunSpec asm_run(const std::string &label, const std::string &text, const Bits &in, size_t in_bits, size_t out_bits,
                uint64_t max_cycles = UINT64_MAX / 2)
{
    RunSpec r;
    r.label = label;
    r.prog = assemble(text, label.c_str());
    r.in = in;
    r.in_bits = in_bits;
    r.out_bits = out_bits;
    r.max_cycles = max_cycles;
    return r;
}

CaseSpec one(const std::string &suite, const std::string &name, const RunSpec &r)
{
    CaseSpec c;
    c.suite = suite;
    c.name = name;
    c.runs.push_back(r);
    return c;
}

// ---- directed programs ------------------------------------------------------------------

// Host stream layout shared by the directed programs (bit offsets), each region `cols`
// bits: random, all ones, all zeros, 0101..., 0011..., then random bits.
struct Pat {
    size_t cols, rnd, ones, zeros, a, b, tail, bits;
    Bits in;
};

Pat make_pat(const CimChipCfg *cfg, uint64_t seed)
{
    Pat p;
    p.cols = cfg->array.cols;
    p.rnd = 0;
    p.ones = p.cols;
    p.zeros = 2 * p.cols;
    p.a = 3 * p.cols;
    p.b = 4 * p.cols;
    p.tail = 5 * p.cols;
    p.bits = p.tail + 4096;
    CimRng r;
    cim_rng_seed(&r, seed);
    p.in = random_bits(&r, p.bits);
    for (size_t i = 0; i < p.cols; i++) {
        bits_put(p.in, p.ones + i, 1);
        bits_put(p.in, p.zeros + i, 0);
        bits_put(p.in, p.a + i, (int)(i & 1));
        bits_put(p.in, p.b + i, (int)((i >> 1) & 1));
    }
    return p;
}

// dmai of the whole pattern to buffer 0 (it fits: checked by the caller)
std::string load_pat(const Pat &p) { return fmt("    li r10, 0\n    dmai r10, %zu\n", p.bits); }

std::string d_scalar()
{
    return "    li r1, 8388607\n    addi r1, r1, 1\n    li r2, -8388608\n    add r3, r1, r2\n    sub r4, r2, r1\n"
           "    li r5, 4194304\n    li r6, 0\n    li r7, 12\n"
           "dbl: add r5, r5, r5\n    addi r6, r6, 1\n    blt r6, r7, dbl\n"   /* wraps past 2^31 */
           "    li r8, -1\n    li r9, 1\n    blt r8, r9, neg\n    li r1, 99\n"
           "neg: blt r9, r8, bad\n    bne r8, r9, fwd\n    li r2, 98\n"
           "fwd: jmp over\nbad: li r3, 97\nover: sub r11, r0, r9\n    addi r12, r11, -8388608\n"
           "    li r13, 0\n    li r14, 3\nlp: addi r13, r13, 1\n    bne r13, r14, lp\n    halt\n";
}

std::string d_rows(const CimChipCfg *cfg, const Pat &p)
{
    unsigned R = cfg->array.rows, C = cfg->array.cols, M = cfg->macros;
    std::string s = load_pat(p);
    for (unsigned m = 0; m < M; m++) {
        unsigned r0 = (m * 5) % R, r1 = (r0 + 1) % R, r2 = R - 1 - m % R;
        s += fmt("    li r1, %zu\n    wrow m%u, %u, r1\n", p.ones, m, r0);       /* SET only */
        s += fmt("    li r1, %zu\n    wrow m%u, %u, r1\n", p.ones, m, r0);       /* unchanged */
        s += fmt("    li r1, %zu\n    wrow m%u, %u, r1\n", p.zeros, m, r0);      /* RESET only */
        s += fmt("    li r1, %zu\n    wrow m%u, %u, r1\n", p.a, m, r0);          /* SET */
        s += fmt("    li r1, %zu\n    wrow m%u, %u, r1\n", p.b, m, r0);          /* SET and RESET */
        s += fmt("    li r1, %zu\n    wrow m%u, %u, r1\n", p.rnd + m, m, r1);    /* unaligned source */
        s += fmt("    li r1, %zu\n    wrow m%u, %u, r1\n", p.tail + 7 * m, m, r2);
        s += fmt("    rrow m%u, %u\n    popo r2, m%u\n    rrow m%u, %u\n", m, r0, m, m, r1);
        s += fmt("    csel m%u, %u, %u\n    rrow m%u, %u\n    popo r3, m%u\n", m, 3 + m, C / 2 - 1, m, r2, m);
        s += fmt("    csel m%u, %u, 1\n    rrow m%u, %u\n", m, C - 1, m, r1);
        s += fmt("    csel m%u, 0, %u\n    rrow m%u, %u\n    add r4, r2, r3\n", m, C, m, r2);
    }
    return s + "    halt\n";
}

std::string d_dual(const CimChipCfg *cfg, const Pat &p)
{
    unsigned R = cfg->array.rows, C = cfg->array.cols;
    std::string s = load_pat(p);
    s += fmt("    li r1, %zu\n    wrow m0, 2, r1\n    li r1, %zu\n    wrow m0, %u, r1\n", p.a, p.b, R - 1);
    s += fmt("    li r1, %zu\n    wrow m1, 0, r1\n    li r1, %zu\n    wrow m1, 1, r1\n", p.rnd, p.rnd + 13);
    s += "    li r5, 8000\n";
    for (int i = 0; i < CIM_OP_COUNT; i++) {
        const char *op = cim_op_info((CimLogicOp)i)->mnemonic;
        s += fmt("    dual.%s m0, 2, %u\n    popo r%d, m0\n    ost m0, r5\n    addi r5, r5, %u\n", op, R - 1, 1 + i % 8, C);
        s += fmt("    dual.%s m1, 1, 0\n    popo r9, m1\n", op);
    }
    s += fmt("    csel m0, %u, %u\n", C / 4, C / 2);
    for (int i = 0; i < CIM_OP_COUNT; i++)
        s += fmt("    dual.%s m0, %u, 2\n    ost m0, r5\n    addi r5, r5, %u\n", cim_op_info((CimLogicOp)i)->mnemonic,
                 R - 1, C / 2 + 3);
    return s + "    halt\n";
}

std::string d_counters(const CimChipCfg *cfg, const Pat &p)
{
    unsigned R = cfg->array.rows, C = cfg->array.cols, n = R;
    if (n > cfg->ctrl.ir_bits)
        n = cfg->ctrl.ir_bits;
    unsigned reps = (1u << (cfg->periph.counter_bits < 12 ? cfg->periph.counter_bits : 12)) / n + 2;
    std::string s = load_pat(p);
    for (unsigned r = 0; r < n; r++)
        s += fmt("    li r1, %zu\n    wrow m0, %u, r1\n", r % 3 ? p.ones : p.a, r);
    s += fmt("    li r1, %zu\n    ild r1, %u\n", p.ones, n); /* all-ones input */
    s += fmt("    li r14, 0\n    li r15, %u\nrep: gated m0, 0, %u, 0\n    addi r14, r14, 1\n    blt r14, r15, rep\n",
             reps, n);
    s += "    cclr m0\n";
    s += fmt("    csel m0, %u, %u\n    gated m0, 1, %u, 0\n    gated m0, 0, 1, 0\n", C / 3, C / 3, n - 1);
    s += fmt("    li r1, %zu\n    ild r1, %u\n    gated m0, 0, %u, 0\n    gated m0, %u, %u, 1\n", p.rnd, n, n / 2,
             n / 2, n / 2 - 1);
    s += fmt("    cclr m0\n    csel m0, 0, %u\n    cclr m1\n    gated m1, 0, %u, 0\n", C, n);
    return s + "    halt\n";
}

std::string d_popo(const CimChipCfg *cfg, const Pat &p)
{
    (void)cfg;
    std::string s = load_pat(p);
    s += fmt("    li r1, %zu\n    wrow m0, 0, r1\n    rrow m0, 0\n", p.rnd);
    s += "    popo r1, m0\n    add r2, r1, r1\n    popo r3, m0\n    li r3, 5\n    add r4, r3, r3\n"
         "    popo r5, m0\n    popo r6, m0\n    sub r7, r5, r6\n    popo r0, m0\n    add r8, r0, r1\n    halt\n";
    return s;
}

std::string d_store(const CimChipCfg *cfg, const Pat &p)
{
    unsigned C = cfg->array.cols;
    std::string s = load_pat(p);
    s += fmt("    li r1, %zu\n    wrow m1, 3, r1\n    rrow m1, 3\n", p.rnd);
    s += "    li r2, 6007\n    ost m1, r2\n    li r3, -5592405\n    add r3, r3, r3\n    add r3, r3, r3\n    li r4, 7001\n    stw r3, r4\n";
    s += fmt("    csel m1, 5, %u\n    rrow m1, 3\n    li r2, 6301\n    ost m1, r2\n", C - 9);
    s += "    li r4, 6000\n    dmao r4, 1\n    dmao r4, 37\n    li r4, 6003\n    dmao r4, 300\n"
         "    li r4, 7001\n    dmao r4, 32\n    halt\n";
    return s;
}

// a feature map of C x H x W bits at 4096 (random bits from the pattern's tail)
std::string d_window(const CimChipCfg *cfg, const Pat &p)
{
    std::string s = load_pat(p);
    struct {
        unsigned c, h, w, k;
    } geo[] = {{3, 5, 6, 3}, {2, 5, 5, 5}, {1, 7, 7, 7}, {8, 3, 2, 1}};
    for (const auto &g : geo) {
        if (g.k * g.k * g.c > cfg->ctrl.ir_bits)
            continue;
        s += fmt("    li r1, %zu\n    wcfg r1, %u, %u, %u, %u, %u\n", p.tail + 1, g.c, g.h, g.w, g.k, (g.k - 1) / 2);
        for (unsigned y = 0; y < g.h; y++)
            for (unsigned x = 0; x < g.w; x++)
                s += fmt("    li r2, %u\n    li r3, %u\n    win r2, r3\n", y, x);
        unsigned n = g.k * g.k * g.c < cfg->array.rows ? g.k * g.k * g.c : cfg->array.rows;
        s += fmt("    gated m2, 0, %u, 0\n", n);
    }
    s += fmt("    li r1, %zu\n    ild r1, 17\n    gated m2, 3, 5, 9\n", p.rnd + 5);
    return s + "    halt\n";
}

std::string d_ppu(const CimChipCfg *cfg, const Pat &p)
{
    unsigned C = cfg->array.cols, R = cfg->array.rows, nf = cfg->ctrl.ppu_size < 10 ? cfg->ctrl.ppu_size : 10;
    unsigned nc = nf < C ? nf : C, n = R < 9 * 3 ? R : 27;
    std::string s = load_pat(p);
    for (unsigned r = 0; r < R; r++)
        s += fmt("    li r1, %zu\n    wrow m0, %u, r1\n", p.rnd + 3 * r, r);
    /* layer table from random bits at the tail: pruned mask, thresholds, offsets */
    s += fmt("    li r1, %zu\n    wcfg r1, 3, 5, 6, 3, 1\n    li r6, %zu\n    lcfg r6, %u, ref\n", p.tail, p.tail + 96, nf);
    s += fmt("    csel m0, 0, %u\n    csel m1, 0, %u\n", nc, nf > 4 ? 4 : nf);
    const char *pos[][2] = {{"0", "0"}, {"2", "3"}, {"4", "5"}, {"0", "5"}};
    for (unsigned i = 0; i < 4; i++) {
        s += fmt("    li r2, %s\n    li r3, %s\n    win r2, r3\n    cclr m0\n    cclr m1\n", pos[i][0], pos[i][1]);
        s += fmt("    gated m0, 0, %u, 0\n    gated m1, 0, %u, 0\n    pclr\n", n, n);
        s += fmt("    pacc m0, 0, 0, 0\n    pacc m0, 0, 3, 1\n    pacc m1, %u, %u, 0\n", nf > 4 ? nf - 4 : 0,
                 cfg->periph.shift_add_bits - 1);
        s += "    pfin\n    pthr\n";
    }
    s += "    li r7, 9000\n    pstb r7\n    li r7, 9100\n    psti r7\n    prclr\n    pthr\n    pstb r7\n";
    s += fmt("    li r6, %zu\n    lcfg r6, %u, skip\n    pfin\n    li r7, 9203\n    psti r7\n    pclr\n", p.tail + 96, nf);
    return s + "    halt\n";
}

// prclr clears pool[0, nf) only: bits of a wider earlier layer stay set (a model bug once
// cleared to the next 64-bit word), and a later wider layer stores them
std::string d_pool(const CimChipCfg *cfg, const Pat &p)
{
    unsigned a = cfg->ctrl.ppu_size < 100 ? cfg->ctrl.ppu_size : 100, b = a / 8 + 1;
    std::string s = load_pat(p);
    s += fmt("    li r6, %zu\n    lcfg r6, %u, ref\n    pclr\n    pthr\n", p.tail, a); /* p = 0 >= thr: random bits */
    s += fmt("    lcfg r6, %u, ref\n    prclr\n    lcfg r6, %u, ref\n    li r7, 9000\n    pstb r7\n", b, a);
    return s + "    halt\n";
}

std::string d_dma(const CimChipCfg *cfg, const Pat &p)
{
    (void)p;
    unsigned D = cfg->ctrl.dma_bits_per_cycle, P = cfg->ctrl.buffer_port_bits;
    unsigned sizes[] = {1, D - 1 ? D - 1 : 1, D, D + 1, P, P + 1, 100, 333};
    std::string s = "    li r1, 5\n";
    for (unsigned n : sizes)
        s += fmt("    dmai r1, %u\n    wrow m3, 1, r1\n    addi r1, r1, %u\n", n, n + 3);
    s += "    li r2, 1\n";
    for (unsigned n : sizes)
        s += fmt("    dmao r2, %u\n    addi r2, r2, %u\n    dmai r2, 7\n", n, n);
    return s + "    halt\n";
}

std::string d_parallel(const CimChipCfg *cfg, const Pat &p)
{
    unsigned n = cfg->array.rows < cfg->ctrl.ir_bits ? cfg->array.rows : cfg->ctrl.ir_bits;
    std::string s = load_pat(p);
    s += fmt("    li r1, %zu\n    ild r1, %u\n    gated m0, 0, %u, 0\n    gated m1, 0, %u, 0\n    rrow m1, 7\n"
             "    popo r1, m1\n    ild r1, 16\n    cclr m2\n    gated m2, 0, 2, 0\n    halt\n",
             p.rnd, n, n, n / 2);
    return s;
}

} // namespace

std::vector<CaseSpec> directed_cases(const CimChipCfg *cfg)
{
    Pat p = make_pat(cfg, 0xD1EC7ED);
    size_t out = 4096;
    std::vector<CaseSpec> v;
    auto add = [&](const char *name, const std::string &text) {
        v.push_back(one("directed", name, asm_run(name, text, p.in, p.bits, out)));
    };
    add("scalar_branch", d_scalar());
    add("rows_write_read", d_rows(cfg, p));
    add("dual_logic_ops", d_dual(cfg, p));
    add("counters_overflow", d_counters(cfg, p));
    add("popo_latency", d_popo(cfg, p));
    add("ost_stw_dmao", d_store(cfg, p));
    add("window_borders", d_window(cfg, p));
    add("ppu_layer", d_ppu(cfg, p));
    add("pool_partial_clear", d_pool(cfg, p));
    add("dma_sizes", d_dma(cfg, p));
    add("parallel_macros", d_parallel(cfg, p));
    /* the watchdog: a loop longer than max_cycles */
    v.push_back(one("directed", "watchdog",
                    asm_run("watchdog", "    li r1, 0\n    li r2, 1000\nl: addi r1, r1, 1\n    blt r1, r2, l\n    halt\n",
                            p.in, p.bits, out, 57)));
    /* two runs on one chip: state persists, registers restart, the host stream continues */
    CaseSpec two = one("directed", "two_runs", asm_run("first", d_rows(cfg, p), p.in, p.bits, out));
    RunSpec second = asm_run("second", "    rrow m0, 0\n    popo r1, m0\n    li r2, 64\n    dmai r2, 64\n    halt\n", p.in,
                             p.bits, out);
    second.new_io = false;
    two.runs.push_back(second);
    v.push_back(two);
    return v;
}

// ---- random programs ---------------------------------------------------------------------
namespace {

struct Gen {
    const CimChipCfg *cfg;
    CimRng rng;
    std::vector<uint64_t> w;
    unsigned R, C, M, ir, ppu, sab;
    size_t buf;
    // what the generator knows of the chip's state (kept roughly right; the model decides)
    unsigned nf = 0, ir_len = 0, ncol[256];
    bool wcfg = false;
    unsigned wh = 1, ww = 1;

    unsigned u(unsigned n) { return n ? (unsigned)(cim_rng_u64(&rng) % n) : 0; }
    unsigned between(unsigned lo, unsigned hi) { return lo + u(hi - lo + 1); }
    void e(CimInsnId id, unsigned m, unsigned a, unsigned b, unsigned c, unsigned d)
    {
        CimInsn in = {id, m & 0xFFu, a & 0xFFFu, b & 0xFFFu, c & 0xFFFu, d & 0xFFFu};
        w.push_back(cim_isa_encode(&in));
    }
    void li(unsigned rd, int32_t v)
    {
        CimInsn in = {CIM_I_LI, rd, 0, 0, 0, 0};
        cim_isa_set_cd(&in, (uint32_t)v & 0xFFFFFFu);
        w.push_back(cim_isa_encode(&in));
    }
    void addi(unsigned rd, unsigned rs, int32_t v)
    {
        CimInsn in = {CIM_I_ADDI, rd, rs, 0, 0, 0};
        cim_isa_set_cd(&in, (uint32_t)v & 0xFFFFFFu);
        w.push_back(cim_isa_encode(&in));
    }
    void branch(CimInsnId id, unsigned rs, unsigned rt, uint32_t target)
    {
        CimInsn in = {id, rs, rt, 0, 0, 0};
        cim_isa_set_cd(&in, target);
        w.push_back(cim_isa_encode(&in));
    }
    void nbits(CimInsnId id, unsigned ra, uint32_t n)
    {
        CimInsn in = {id, ra, 0, 0, 0, 0};
        cim_isa_set_ab(&in, n - 1u);
        w.push_back(cim_isa_encode(&in));
    }
    unsigned data_reg() { return 1 + u(9); }           /* r1..r9; r10..r13 addresses; r14, r15 loops */
    unsigned addr_reg() { return 10 + u(4); }
    unsigned mac() { return u(M); }
    unsigned addr(size_t n) { return n >= buf ? 0 : u((unsigned)(buf - n + 1)); }
    unsigned la(size_t n)
    {
        unsigned r = addr_reg();
        li(r, (int32_t)addr(n));
        return r;
    }

    void scalar()
    {
        switch (u(5)) {
        case 0: li(data_reg(), (int32_t)(cim_rng_u64(&rng) & 0xFFFFFF) - 0x800000); break;
        case 1: addi(data_reg(), data_reg(), (int32_t)u(2000) - 1000); break;
        case 2: e(CIM_I_ADD, data_reg(), data_reg(), data_reg(), 0, 0); break;
        case 3: e(CIM_I_SUB, data_reg(), data_reg(), data_reg(), 0, 0); break;
        default: e(CIM_I_NOP, 0, 0, 0, 0, 0); break;
        }
    }
    void array()
    {
        unsigned m = mac();
        switch (u(9)) {
        case 0: case 1: e(CIM_I_WROW, m, u(R), la(C), 0, 0); break;
        case 2: e(CIM_I_RROW, m, u(R), 0, 0, 0); break;
        case 3: case 4: {
            unsigned a = u(R), b = (a + 1 + u(R - 1)) % R;
            e(CIM_I_DUAL, m, a, b, cim_op_info((CimLogicOp)u(CIM_OP_COUNT))->opcode, 0);
            break;
        }
        case 5: {
            unsigned c0 = u(C), n = 1 + u(C - c0);
            if (nf && u(2))
                n = 1 + u(n < nf ? n : nf);
            e(CIM_I_CSEL, m, c0, n - 1, 0, 0);
            ncol[m] = n;
            break;
        }
        case 6: {
            unsigned rd = data_reg();
            e(CIM_I_POPO, 0, rd, 0, 0, 0);
            w.back() = (w.back() & ~(0xFFull << 48)) | ((uint64_t)m << 48);
            if (u(2))
                e(CIM_I_ADD, data_reg(), rd, data_reg(), 0, 0);
            break;
        }
        case 7: e(CIM_I_CCLR, m, 0, 0, 0, 0); break;
        default: e(CIM_I_OST, m, la(C), 0, 0, 0); break;
        }
    }
    void gated()
    {
        if (!ir_len || u(3) == 0) {
            unsigned n = 1 + u(ir < 2 * R ? ir : 2 * R);
            nbits(CIM_I_ILD, la(n), n);
            ir_len = n;
        }
        unsigned n = 1 + u(ir_len < R ? ir_len : R), row0 = u(R - n + 1), off = u(ir_len - n + 1);
        e(CIM_I_GATED, mac(), row0, n - 1, off, 0);
    }
    void window()
    {
        unsigned ks[] = {1, 3, 5, 7}, k = ks[u(4)];
        if (k * k > ir)
            k = 1;
        unsigned c = 1 + u(ir / (k * k) < 8 ? ir / (k * k) : 8), h = k + u(4), wd = k + u(4);
        if ((size_t)h * wd * c > buf)
            return;
        e(CIM_I_WCFG, la((size_t)h * wd * c), c, h, wd, (k << 4) | ((k - 1) / 2));
        wcfg = true;
        wh = h;
        ww = wd;
        ir_len = 0;
        for (unsigned i = 0, n = 1 + u(4); i < n; i++) {
            unsigned ry = addr_reg(), rx = ry == 13 ? 10 : ry + 1;
            li(ry, (int32_t)u(wh));
            li(rx, (int32_t)u(ww));
            e(CIM_I_WIN, ry, rx, 0, 0, 0);
            ir_len = k * k * c;
            if (u(2)) {
                unsigned n = 1 + u(ir_len < R ? ir_len : R);
                e(CIM_I_GATED, mac(), u(R - n + 1), n - 1, u(ir_len - n + 1), 0);
            }
        }
    }
    void ppu_op()
    {
        if (!nf || u(6) == 0) {
            unsigned n = 1 + u(ppu < 40 ? ppu : 40), npat = 49; /* room for any pattern count */
            size_t bits = (n + 31) / 32 * 32 + 32ull * n * (1 + npat);
            if (bits > buf)
                return;
            e(CIM_I_LCFG, la(bits), n, u(2), 0, 0);
            nf = n;
            return;
        }
        switch (u(8)) {
        case 0: case 1: {
            unsigned m = mac();
            if (ncol[m] > nf) {
                unsigned n = 1 + u(nf);
                e(CIM_I_CSEL, m, u(C - n + 1), n - 1, 0, 0);
                ncol[m] = n;
            }
            e(CIM_I_PACC, m, u(nf - ncol[m] + 1), u(sab), u(2), 0);
            break;
        }
        case 2: e(CIM_I_PFIN, 0, 0, 0, 0, 0); break;
        case 3: e(CIM_I_PTHR, 0, 0, 0, 0, 0); break;
        case 4: e(CIM_I_PCLR, 0, 0, 0, 0, 0); break;
        case 5: e(CIM_I_PRCLR, 0, 0, 0, 0, 0); break;
        case 6: e(CIM_I_PSTB, la(nf), 0, 0, 0, 0); break;
        default: e(CIM_I_PSTI, la(32ull * nf), 0, 0, 0, 0); break;
        }
    }
    void io()
    {
        switch (u(3)) {
        case 0: { unsigned n = 1 + u(200); nbits(CIM_I_DMAI, la(n), n); break; }
        case 1: { unsigned n = 1 + u(100); nbits(CIM_I_DMAO, la(n), n); break; }
        default: e(CIM_I_STW, data_reg(), la(32), 0, 0, 0); break;
        }
    }
    void block()
    {
        unsigned k = u(20);
        if (k < 4) scalar();
        else if (k < 10) array();
        else if (k < 12) gated();
        else if (k < 13) window();
        else if (k < 17) ppu_op();
        else io();
    }
    void body(unsigned n)
    {
        for (unsigned i = 0; i < n; i++) {
            unsigned k = u(12);
            if (k == 0) {                              /* a bounded loop */
                li(14, 0);
                li(15, (int32_t)(1 + u(4)));
                uint32_t top = (uint32_t)w.size();
                for (unsigned j = 0, nb = 1 + u(4); j < nb; j++)
                    block();
                addi(14, 14, 1);
                branch(CIM_I_BLT, 14, 15, top);
            } else if (k == 1) {                       /* a forward branch */
                size_t at = w.size();
                branch(u(2) ? CIM_I_BNE : CIM_I_BLT, data_reg(), data_reg(), 0);
                for (unsigned j = 0, nb = 1 + u(3); j < nb; j++)
                    block();
                CimInsn in;
                cim_isa_decode(w[at], &in);
                cim_isa_set_cd(&in, (uint32_t)w.size());
                w[at] = cim_isa_encode(&in);
            } else {
                block();
            }
        }
    }
};

Gen make_gen(const CimChipCfg *cfg, uint64_t seed)
{
    Gen g;
    g.cfg = cfg;
    cim_rng_seed(&g.rng, seed);
    g.R = cfg->array.rows;
    g.C = cfg->array.cols;
    g.M = cfg->macros < 256 ? cfg->macros : 256;
    g.ir = cfg->ctrl.ir_bits;
    g.ppu = cfg->ctrl.ppu_size < 4095 ? cfg->ctrl.ppu_size : 4095;
    g.sab = cfg->periph.shift_add_bits;
    g.buf = cim_chip_buffer_bits_of(cfg);
    for (unsigned m = 0; m < 256; m++)
        g.ncol[m] = g.C;
    return g;
}

const size_t HOST_IN = 32768, HOST_OUT = 16384, PRELOAD = 8192;

// A random program: fill part of the buffer from the host, write rows, then random blocks.
CaseSpec random_program(const CimChipCfg *cfg, uint64_t seed, unsigned idx)
{
    Gen g = make_gen(cfg, seed * 1000003u + idx);
    size_t pre = g.buf < PRELOAD ? g.buf : PRELOAD;
    g.li(10, 0);
    g.nbits(CIM_I_DMAI, 10, (uint32_t)pre);
    for (unsigned i = 0, n = 4 + g.u(8); i < n; i++)
        g.e(CIM_I_WROW, g.mac(), g.u(g.R), g.la(g.C), 0, 0);
    g.body(30 + g.u(60));
    g.e(CIM_I_HALT, 0, 0, 0, 0, 0);
    RunSpec r;
    r.label = "random";
    r.prog = g.w;
    CimRng dr;
    cim_rng_seed(&dr, seed ^ (0x9E3779B97F4A7C15ull * (idx + 1)));
    r.in = random_bits(&dr, HOST_IN);
    r.in_bits = HOST_IN;
    r.out_bits = HOST_OUT;
    r.max_cycles = 50000000;
    CaseSpec c;
    c.suite = "random";
    c.name = "prog" + std::to_string(idx);
    c.runs.push_back(r);
    return c;
}

// Replaces every instruction the model traps on by a nop, until the program runs.
bool legalize(CaseSpec &c, const CimChipCfg *cfg)
{
    CimInsn nop = {CIM_I_NOP, 0, 0, 0, 0, 0};
    for (int tries = 0; tries < 400; tries++) {
        CimRunResult r;
        if (!model_run_case(c, cfg, &r))
            return true;
        std::vector<uint64_t> &w = c.runs.back().prog;
        if (r.trap.pc >= w.size() || r.trap.kind == CIM_TRAP_WATCHDOG)
            return false;
        w[r.trap.pc] = cim_isa_encode(&nop);
    }
    return false;
}

} // namespace

std::vector<CaseSpec> random_cases(const CimChipCfg *cfg, uint64_t seed, unsigned count)
{
    std::vector<CaseSpec> v;
    for (unsigned i = 0; v.size() < count && i < 4 * count + 8; i++) {
        CaseSpec c = random_program(cfg, seed, i);
        if (legalize(c, cfg))
            v.push_back(c);
    }
    return v;
}

// ---- illegal programs -----------------------------------------------------------------------
namespace {

// One fault in a legal program: a random word, a corrupted field, no halt, a branch out of
// the program, a watchdog limit, or an instruction that needs state the chip lacks.
void inject(CaseSpec &c, CimRng *r, const CimChipCfg *cfg)
{
    RunSpec &rs = c.runs.back();
    std::vector<uint64_t> &w = rs.prog;
    size_t at = (size_t)(cim_rng_u64(r) % w.size());
    CimInsn in;
    switch (cim_rng_u64(r) % 7) {
    case 0: /* any word at all */
        w[at] = cim_rng_u64(r);
        break;
    case 1: /* a known opcode with random fields */
        in = CimInsn{(CimInsnId)(cim_rng_u64(r) % CIM_I_COUNT), 0, 0, 0, 0, 0};
        w[at] = cim_isa_encode(&in) | (cim_rng_u64(r) & 0x00FFFFFFFFFFFFFFull);
        break;
    case 2: { /* one field of an existing instruction pushed out of range */
        cim_isa_decode(w[at], &in);
        unsigned f = (unsigned)(cim_rng_u64(r) % 4), big[] = {cfg->macros, cfg->array.rows, cfg->array.cols, 4095};
        unsigned v = big[f] + (unsigned)(cim_rng_u64(r) % 3);
        if (f == 0) in.m = v & 0xFFu; else if (f == 1) in.a = v & 0xFFFu; else if (f == 2) in.b = v & 0xFFFu; else in.c = v;
        w[at] = cim_isa_encode(&in);
        break;
    }
    case 3: /* no halt: runs off the end */
        w.pop_back();
        break;
    case 4: { /* a jump past the end */
        in = CimInsn{CIM_I_JMP, 0, 0, 0, 0, 0};
        cim_isa_set_cd(&in, (uint32_t)(w.size() + cim_rng_u64(r) % 5));
        w[at] = cim_isa_encode(&in);
        break;
    }
    case 5: { /* the watchdog: a limit below the program's length */
        CimRunResult res;
        model_run_case(c, cfg, &res);
        rs.max_cycles = res.cycles > 2 ? 1 + cim_rng_u64(r) % (res.cycles - 1) : 1;
        break;
    }
    default: { /* state-dependent: a register address pushed negative or past the buffer */
        CimInsn li = {CIM_I_LI, 10u + (unsigned)(cim_rng_u64(r) % 4), 0, 0, 0, 0};
        uint32_t v = cim_rng_u64(r) % 2 ? 0xFFFFFFu : (uint32_t)(cim_chip_buffer_bits_of(cfg) - 7) & 0x7FFFFFu;
        cim_isa_set_cd(&li, v);
        w[at] = cim_isa_encode(&li);
        break;
    }
    }
}

// Directed traps: one short program per trap kind a program can reach (models/chip/traps.def;
// the watchdog comes from the random illegal programs' cycle limits).
std::vector<std::string> trap_programs(const CimChipCfg *cfg)
{
    unsigned M = cfg->macros, R = cfg->array.rows, C = cfg->array.cols, ir = cfg->ctrl.ir_bits;
    unsigned ppu = cfg->ctrl.ppu_size < 4095 ? cfg->ctrl.ppu_size : 4094;
    return {
        fmt("    rrow m%u, 0\n    halt\n", M),
        fmt("    rrow m0, %u\n    halt\n", R),
        fmt("    dual.xor m0, 1, %u\n    halt\n", R),
        "    dual.and m0, 3, 3\n    halt\n",
        "    .word 0x1200000010011000\n    halt\n",                         /* dual op code 17 */
        fmt("    csel m0, %u, 2\n    halt\n", C - 1),
        fmt("    li r1, 0\n    ild r1, 8\n    gated m0, %u, 2, 0\n    halt\n", R - 1),
        "    li r1, 0\n    ild r1, 8\n    gated m0, 0, 4, 5\n    halt\n",
        "    li r1, -1\n    stw r1, r1\n    halt\n",
        "    li r1, 0\n    wcfg r1, 1, 4, 4, 2, 0\n    halt\n",
        "    li r1, 0\n    wcfg r1, 1, 2, 4, 3, 1\n    halt\n",
        fmt("    li r1, 0\n    wcfg r1, %u, 4, 4, 3, 1\n    halt\n", ir / 9 + 1 < 4096 ? ir / 9 + 1 : 4095),
        "    li r1, 0\n    li r2, 0\n    win r1, r2\n    halt\n",
        "    li r1, 0\n    wcfg r1, 1, 4, 5, 3, 1\n    li r2, 4\n    win r2, r1\n    halt\n",
        fmt("    li r1, 0\n    ild r1, %u\n    halt\n", ir + 1),
        fmt("    li r1, 0\n    lcfg r1, %u, ref\n    halt\n", ppu + 1),
        "    li r1, 0\n    .word 0x3001001002000000\n    halt\n",           /* lcfg mode 2 */
        "    pfin\n    halt\n",
        "    li r1, 0\n    lcfg r1, 1, ref\n    wcfg r1, 1, 4, 4, 3, 1\n    li r2, 0\n    win r2, r2\n    pfin\n    halt\n",
        "    li r1, 0\n    lcfg r1, 2, ref\n    pacc m0, 0, 0, 0\n    halt\n",
        fmt("    li r1, 0\n    lcfg r1, 2, ref\n    csel m0, 0, 1\n    pacc m0, 0, %u, 0\n    halt\n", cfg->periph.shift_add_bits),
        "    li r1, 0\n    li r2, 0\n    li r3, 5\nl: dmai r1, 8192\n    addi r2, r2, 1\n    blt r2, r3, l\n    halt\n",
        "    li r1, 0\n    li r2, 0\n    li r3, 3\nl: dmao r1, 8192\n    addi r2, r2, 1\n    blt r2, r3, l\n    halt\n",
        "    nop\n    halt\n",                                                 /* word 0 becomes opcode 0xff */
        "    li r1, 3\n",
        fmt("    wrow m%u, 0, r0\n    halt\n", M),
    };
}

} // namespace

std::vector<CaseSpec> illegal_cases(const CimChipCfg *cfg, uint64_t seed, unsigned count)
{
    std::vector<CaseSpec> v;
    Bits in = bits_zero(HOST_IN);
    std::vector<std::string> traps = trap_programs(cfg);
    for (size_t i = 0; i < traps.size(); i++) {
        CaseSpec c = one("illegal", "trap" + std::to_string(i), asm_run("trap", traps[i], in, HOST_IN, HOST_OUT));
        if (traps[i].rfind("    nop\n    halt", 0) == 0)
            c.runs[0].prog[0] = 0xff00000000000000ull | 0x123456789ull; /* no instruction has opcode 0xff */
        v.push_back(c);
    }
    CimRng r;
    cim_rng_seed(&r, seed ^ 0x1111EAAAull);
    for (unsigned i = 0, made = 0; made < count && i < 20 * count + 20; i++) {
        CaseSpec c = random_program(cfg, seed + 7777, i);
        if (!legalize(c, cfg))
            continue;
        c.suite = "illegal";
        CimRunResult legal;
        model_run_case(c, cfg, &legal);
        c.runs.back().max_cycles = 2 * legal.cycles + 1000; /* a fault that loops ends at the watchdog */
        for (int tries = 0; tries < 10; tries++) {
            CaseSpec t = c;
            inject(t, &r, cfg);
            CimRunResult res;
            if (model_run_case(t, cfg, &res)) {
                t.name = "prog" + std::to_string(i);
                v.push_back(t);
                made++;
                break;
            }
        }
    }
    return v;
}
