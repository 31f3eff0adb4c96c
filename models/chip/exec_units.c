/* Semantics of the window unit (wcfg, win, ild), the post-processing unit (lcfg, pclr,
 * pacc, pfin, pthr, prclr, pstb, psti) and the host interface (dmai, dmao, stw). */
#include "models/chip/chip_impl.h"
#include "models/chip/ppu.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define PPU_VECTOR 1 /* AVX-512F lanes for pacc, pfin and pthr at width 32, chosen at run time */
#else
#define PPU_VECTOR 0
#endif

#define MAX_KERNEL 7 /* border classes (2 pad + 1)^2 <= 49 */

static uint32_t pow2_at_least(uint32_t n)
{
    uint32_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

/* ---- window unit ------------------------------------------------------------- */

static CimStatus exec_wcfg(ExecCtx *x)
{
    CimChip *c = x->c;
    uint32_t ch = x->in->a, h = x->in->b, w = x->in->c, k = x->in->d >> 4, pad = x->in->d & 15u;
    if (ch == 0 || h == 0 || w == 0 || k == 0 || k % 2 == 0 || k > MAX_KERNEL || pad != (k - 1) / 2)
        return ex_trap(x, CIM_TRAP_WCFG_PARAMS, MAX_KERNEL, ch, h, w, k, pad);
    if (h < k || w < k)
        return ex_trap(x, CIM_TRAP_WCFG_SMALL, h, w, k, k);
    if (k * k * ch > c->cfg->ctrl.ir_bits)
        return ex_trap(x, CIM_TRAP_WCFG_IR, k * k * ch, c->cfg->ctrl.ir_bits);
    size_t base;
    CimStatus st = ex_buf_range(x, x->in->m & 15u, (uint64_t)h * w * ch, &base);
    if (st != CIM_OK)
        return st;
    CimWindowState s = {1, (uint32_t)base, ch, h, w, k, pad, 0, 0, 0, 0};
    c->win = s;
    c->win_adds = cim_adder_tree_full_adders(pow2_at_least(k * k * ch));
    c->win_cycles = k * k * ex_buf_cycles(c, ch);
    ex_use(x, CIM_RES_IR, 1);
    return CIM_OK;
}

/* Border class along one axis: 0 inside, 1..pad cut at the start, pad+1..2pad at the end. */
static uint32_t border_class(uint32_t pos, uint32_t size, uint32_t pad)
{
    if (pos < pad)
        return pad - pos;
    if (pos + pad >= size)
        return pad + (pos + pad - size + 1);
    return 0;
}

int cim_window_tap_valid(uint32_t cls, uint32_t kk, uint32_t k, uint32_t pad)
{
    if (cls == 0)
        return 1;
    if (cls <= pad)
        return kk >= cls;          /* cut at the start by cls taps */
    return kk < k - (cls - pad);   /* cut at the end */
}

/* Taps of one axis inside the map at position pos. */
static uint32_t axis_taps(uint32_t pos, uint32_t size, uint32_t k, uint32_t pad)
{
    uint32_t lo = pos < pad ? pad - pos : 0, hi = pos + k - pad > size ? pos + k - pad - size : 0;
    return k - lo - hi;
}

void cim_window_class(const CimWindowState *s, uint32_t y, uint32_t x, uint32_t *valid, uint32_t *pattern)
{
    *valid = axis_taps(y, s->h, s->k, s->pad) * axis_taps(x, s->w, s->k, s->pad) * s->c;
    *pattern = border_class(y, s->h, s->pad) * (2 * s->pad + 1) + border_class(x, s->w, s->pad);
}

uint32_t cim_window_gather(CimWindowState *s, const uint64_t *fmap, uint32_t y, uint32_t x, uint64_t *ir)
{
    uint32_t taps = 0, k = s->k, c = s->c;
    cim_bits_clear(ir, k * k * c);
    /* padding: the input bit is 0 and its word line stays low. The taps of one kernel row
     * inside the map are consecutive in the map and in the window: one copy each. */
    int64_t x0 = (int64_t)x - s->pad;
    uint32_t kx0 = x0 < 0 ? (uint32_t)-x0 : 0, kx1 = x0 + k > s->w ? (uint32_t)(s->w - x0) : k;
    for (uint32_t ky = 0; ky < k; ky++) {
        int64_t yy = (int64_t)y + ky - s->pad;
        if (yy < 0 || yy >= s->h || kx1 <= kx0)
            continue;
        size_t src = s->base + ((size_t)yy * s->w + (size_t)(x0 + kx0)) * c, n = (size_t)(kx1 - kx0) * c;
        size_t dst = (size_t)(ky * k + kx0) * c;
        for (; n > 64; n -= 64, src += 64, dst += 64)
            cim_bits_put_field(ir, dst, cim_bits_get_field(fmap, src, 64), 64);
        cim_bits_put_field(ir, dst, cim_bits_get_field(fmap, src, (unsigned)n), (unsigned)n);
        taps += kx1 - kx0;
    }
    s->ir_len = k * k * c;
    s->px = (uint32_t)cim_bits_popcount(ir, s->ir_len);
    cim_window_class(s, y, x, &s->valid, &s->pattern);
    return taps;
}

static CimStatus exec_win(ExecCtx *x)
{
    CimChip *c = x->c;
    CimWindowState *s = &c->win;
    int32_t y = ex_reg(x, x->in->m & 15u), xx = ex_reg(x, x->in->a & 15u);
    if (!s->configured)
        return ex_trap(x, CIM_TRAP_WIN_UNCONF);
    if (y < 0 || xx < 0 || (uint32_t)y >= s->h || (uint32_t)xx >= s->w)
        return ex_trap(x, CIM_TRAP_WIN_POS, y, xx, s->h, s->w);
    cim_window_gather(s, c->buf, (uint32_t)y, (uint32_t)xx, c->ir);
    c->ev.n[CIM_EV_BUFFER_BIT] += s->valid;
    c->ev.n[CIM_EV_FULL_ADDER] += c->win_adds; /* the tree over s->ir_len = k x k x c bits */
    ex_use(x, CIM_RES_IR, c->win_cycles);
    ex_use(x, CIM_RES_BUF, c->win_cycles);
    return CIM_OK;
}

static CimStatus exec_ild(ExecCtx *x)
{
    CimChip *c = x->c;
    uint32_t n = cim_isa_ab(x->in) + 1u;
    size_t addr;
    if (n > c->cfg->ctrl.ir_bits)
        return ex_trap(x, CIM_TRAP_ILD_BITS, n, c->cfg->ctrl.ir_bits);
    CimStatus st = ex_buf_range(x, x->in->m & 15u, n, &addr);
    if (st != CIM_OK)
        return st;
    cim_bits_clear(c->ir, n);
    cim_bits_copy_range(c->ir, 0, c->buf, addr, n);
    c->win.ir_len = n;
    c->win.px = (uint32_t)cim_bits_popcount(c->ir, n);
    c->win.valid = n;
    c->win.pattern = 0;
    c->ev.n[CIM_EV_BUFFER_BIT] += n;
    c->ev.n[CIM_EV_FULL_ADDER] += cim_adder_tree_full_adders(pow2_at_least(n));
    ex_use(x, CIM_RES_IR, ex_buf_cycles(c, n));
    ex_use(x, CIM_RES_BUF, ex_buf_cycles(c, n));
    return CIM_OK;
}

CimStatus ex_window(ExecCtx *x)
{
    switch (x->in->id) {
    case CIM_I_WCFG: return exec_wcfg(x);
    case CIM_I_WIN: return exec_win(x);
    default: return exec_ild(x);
    }
}

/* ---- post-processing unit ---------------------------------------------------- */

static void put32(uint64_t *buf, size_t addr, int64_t v)
{
    uint64_t u = (uint64_t)v & 0xFFFFFFFFull;
    cim_bits_copy_range(buf, addr, &u, 0, 32);
}

/* The layer table at addr (layout: CimPpuTable, models/chip/ppu.h). */
static CimStatus exec_lcfg(ExecCtx *x)
{
    CimChip *c = x->c;
    uint32_t nf = x->in->a, mode = x->in->b;
    if (nf == 0 || nf > c->cfg->ctrl.ppu_size)
        return ex_trap(x, CIM_TRAP_LCFG_NF, nf, c->cfg->ctrl.ppu_size);
    if (mode > 1)
        return ex_trap(x, CIM_TRAP_LCFG_MODE, mode);
    CimPpuTable tab = cim_ppu_table(nf, cim_ppu_npat(&c->win));
    uint64_t bits = tab.bits;
    size_t addr;
    CimStatus st = ex_buf_range(x, x->in->m & 15u, bits, &addr);
    if (st != CIM_OK)
        return st;
    cim_bits_clear(c->pruned, c->cfg->ctrl.ppu_size);
    cim_ppu_table_read(&tab, c->buf, addr, c->pruned, c->thr, c->off);
    c->nf = nf;
    c->nf_cycles = ex_ppu_cycles(c, nf);
    c->mode = mode;
    c->npat = tab.npat;
    c->ev.n[CIM_EV_BUFFER_BIT] += bits;
    ex_use(x, CIM_RES_PPU, ex_buf_cycles(c, bits));
    ex_use(x, CIM_RES_BUF, ex_buf_cycles(c, bits));
    return CIM_OK;
}

#if PPU_VECTOR
/* The width-32 PPU steps, 8 accumulators at a time: the same values as cim_ppu_acc32,
 * cim_ppu_finish32 and cim_ppu_fires (each lane: the low 32 bits sign-extended). */
__attribute__((target("avx512f"))) static inline __m512i sext32(__m512i v)
{
    return _mm512_srai_epi64(_mm512_slli_epi64(v, 32), 32);
}
/* 8 int32 (or uint32) at q, the lanes of m, widened to int64 (signed) or uint64. */
__attribute__((target("avx512f"))) static inline __m512i load8_i32(const void *q, __mmask8 m, int is_signed)
{
    __m256i v = _mm512_castsi512_si256(_mm512_maskz_loadu_epi32((__mmask16)m, q));
    return is_signed ? _mm512_cvtepi32_epi64(v) : _mm512_cvtepu32_epi64(v);
}
static inline __mmask8 lanes(uint32_t left) { return left >= 8 ? (__mmask8)0xff : (__mmask8)((1u << left) - 1); }

__attribute__((target("avx512f"))) static void pacc32_vector(int64_t *p, const uint32_t *cnt, uint32_t n)
{
    for (uint32_t i = 0; i < n; i += 8) {
        __mmask8 m = lanes(n - i);
        __m512i a = _mm512_add_epi64(_mm512_maskz_loadu_epi64(m, p + i), load8_i32(cnt + i, m, 0));
        _mm512_mask_storeu_epi64(p + i, m, sext32(a));
    }
}

__attribute__((target("avx512f"))) static void pfin32_vector(int64_t *p, uint32_t px, const int32_t *off, uint32_t n)
{
    __m512i px2 = _mm512_set1_epi64(2 * (int64_t)px);
    for (uint32_t i = 0; i < n; i += 8) {
        __mmask8 m = lanes(n - i);
        __m512i a = _mm512_slli_epi64(_mm512_maskz_loadu_epi64(m, p + i), 2);
        a = _mm512_add_epi64(_mm512_sub_epi64(a, px2), load8_i32(off + i, m, 1));
        _mm512_mask_storeu_epi64(p + i, m, sext32(a));
    }
}

__attribute__((target("avx512f"))) static void pthr_vector(const int64_t *p, const int32_t *thr, uint32_t n,
                                                           uint64_t *pr)
{
    for (uint32_t i = 0; i < n; i += 8) {
        __mmask8 m = lanes(n - i);
        __mmask8 fire = _mm512_mask_cmpge_epi64_mask(m, _mm512_maskz_loadu_epi64(m, p + i), load8_i32(thr + i, m, 1));
        pr[i / 64u] |= (uint64_t)fire << (i % 64u);
    }
}
#endif

void cim_chip_vector(CimChip *c, int on)
{
#if PPU_VECTOR
    c->vector = on && __builtin_cpu_supports("avx512f");
#else
    c->vector = 0;
#endif
    for (unsigned m = 0; m < c->nmacros; m++)
        cim_array_vector(c->macros[m].arr, on);
}

static CimStatus exec_pacc(ExecCtx *x)
{
    CimChip *c = x->c;
    if (x->in->m >= c->nmacros)
        return ex_trap(x, CIM_TRAP_MACRO, x->in->m, c->nmacros);
    CimMacro *mc = &c->macros[x->in->m];
    uint32_t off = x->in->a, shift = x->in->b, n = mc->win.ncol;
    if (off + n > c->nf)
        return ex_trap(x, CIM_TRAP_PACC_RANGE, off, off + n, c->nf);
    if (shift >= c->cfg->periph.shift_add_bits || x->in->c > 1)
        return ex_trap(x, CIM_TRAP_PACC_SHIFT, shift, c->cfg->periph.shift_add_bits, x->in->c);
    unsigned bits = c->cfg->periph.shift_add_bits;
    int64_t *p = c->p + off;
    const uint32_t *cnt = mc->cnt.v + mc->win.col0;
#if PPU_VECTOR
    if (bits == 32 && shift == 0 && x->in->c == 0 && c->vector)
        pacc32_vector(p, cnt, n);
    else
#endif
    if (bits == 32 && shift == 0 && x->in->c == 0) /* the binary layers' case, one add per lane */
        for (uint32_t i = 0; i < n; i++)
            p[i] = cim_ppu_acc32(p[i], cnt[i]);
    else
        for (uint32_t i = 0; i < n; i++)
            p[i] = cim_ppu_acc(p[i], cnt[i], shift, x->in->c != 0, bits);
    c->ev.n[CIM_EV_FULL_ADDER] += (uint64_t)n * bits;
    ex_use(x, CIM_RES_MACRO + x->in->m, ex_ppu_cycles(c, n));
    ex_use(x, CIM_RES_PPU, ex_ppu_cycles(c, n));
    return CIM_OK;
}

/* Binary finish of every output: cim_ppu_finish (live) or cim_ppu_pruned (pruned), with
 * off[pattern][f] from the layer table; 3 adds per live output, 1 per pruned one in mode
 * ref. */
static CimStatus exec_pfin(ExecCtx *x)
{
    CimChip *c = x->c;
    unsigned bits = c->cfg->periph.shift_add_bits;
    if (c->win.pattern >= c->npat)
        return ex_trap(x, CIM_TRAP_PFIN_PATTERN, c->win.pattern, c->npat);
    const int32_t *off = c->off + (size_t)c->win.pattern * c->nf;
    uint32_t px = c->win.px;
    uint64_t npruned = cim_bits_popcount(c->pruned, c->nf);
#if PPU_VECTOR
    if (bits == 32 && npruned == 0 && c->vector)
        pfin32_vector(c->p, px, off, c->nf);
    else
#endif
    if (bits == 32 && npruned == 0) /* the default width, every filter live: one pass */
        for (uint32_t f = 0; f < c->nf; f++)
            c->p[f] = cim_ppu_finish32(c->p[f], px, off[f]);
    else
        for (uint32_t f = 0; f < c->nf; f++)
            c->p[f] = cim_bits_get(c->pruned, f) ? cim_ppu_pruned(c->mode != 0, c->win.valid, px, bits)
                                                 : cim_ppu_finish(c->p[f], px, off[f], bits);
    uint64_t adds = 3 * (c->nf - npruned) + (c->mode ? 0 : npruned);
    c->ev.n[CIM_EV_FULL_ADDER] += adds * bits;
    ex_use(x, CIM_RES_PPU, c->nf_cycles);
    ex_use(x, CIM_RES_IR, 1); /* px, valid and pattern are ready once the window load ends */
    return CIM_OK;
}

static CimStatus exec_store(ExecCtx *x)
{
    CimChip *c = x->c;
    uint64_t bits = x->in->id == CIM_I_PSTB ? c->nf : 32ull * c->nf;
    size_t addr;
    CimStatus st = ex_buf_range(x, x->in->m & 15u, bits, &addr);
    if (st != CIM_OK)
        return st;
    if (x->in->id == CIM_I_PSTB)
        cim_bits_copy_range(c->buf, addr, c->pr, 0, c->nf);
    else
        for (uint32_t f = 0; f < c->nf; f++)
            put32(c->buf, addr + 32u * f, c->p[f]);
    c->ev.n[CIM_EV_BUFFER_BIT] += bits;
    ex_use(x, CIM_RES_PPU, ex_buf_cycles(c, bits));
    ex_use(x, CIM_RES_BUF, ex_buf_cycles(c, bits));
    return CIM_OK;
}

CimStatus ex_ppu(ExecCtx *x)
{
    CimChip *c = x->c;
    if (x->in->id != CIM_I_LCFG && c->nf == 0)
        return ex_trap(x, CIM_TRAP_NO_LAYER, cim_isa_info(x->in->id)->mnemonic);
    switch (x->in->id) {
    case CIM_I_LCFG: return exec_lcfg(x);
    case CIM_I_PACC: return exec_pacc(x);
    case CIM_I_PFIN: return exec_pfin(x);
    case CIM_I_PSTB:
    case CIM_I_PSTI: return exec_store(x);
    case CIM_I_PCLR: memset(c->p, 0, c->nf * sizeof *c->p); break;
    case CIM_I_PRCLR: /* pool[0, nf) only: cim_bits_clear would clear up to the next 64-bit word */
        for (uint32_t w = 0; w < c->nf / 64u; w++)
            c->pr[w] = 0;
        if (c->nf % 64u)
            c->pr[c->nf / 64u] &= ~cim_bits_tail_mask(c->nf);
        break;
    case CIM_I_PTHR: /* a comparator (a subtractor) per output, ORed into the pool register */
#if PPU_VECTOR
        if (c->vector) {
            pthr_vector(c->p, c->thr, c->nf, c->pr);
            c->ev.n[CIM_EV_FULL_ADDER] += (uint64_t)c->nf * c->cfg->periph.shift_add_bits;
            break;
        }
#endif
        for (uint32_t f0 = 0; f0 < c->nf; f0 += 64u) {
            uint32_t n = c->nf - f0 < 64u ? c->nf - f0 : 64u;
            uint64_t fires = 0;
            for (uint32_t j = 0; j < n; j++)
                fires |= (uint64_t)cim_ppu_fires(c->p[f0 + j], c->thr[f0 + j]) << j;
            c->pr[f0 / 64u] |= fires;
        }
        c->ev.n[CIM_EV_FULL_ADDER] += (uint64_t)c->nf * c->cfg->periph.shift_add_bits;
        break;
    default: return ex_trap(x, CIM_TRAP_NO_INSN, (int)x->in->id); /* an id no unit runs */
    }
    ex_use(x, CIM_RES_PPU, c->nf_cycles);
    return CIM_OK;
}

/* ---- host interface ------------------------------------------------------------ */

CimStatus ex_io(ExecCtx *x)
{
    CimChip *c = x->c;
    size_t addr;
    if (x->in->id == CIM_I_STW) {
        int32_t v = ex_reg(x, x->in->m & 15u);
        CimStatus st = ex_buf_range(x, x->in->a & 15u, 32, &addr);
        if (st != CIM_OK)
            return st;
        put32(c->buf, addr, v);
        c->ev.n[CIM_EV_BUFFER_BIT] += 32;
        ex_use(x, CIM_RES_BUF, ex_buf_cycles(c, 32));
        return CIM_OK;
    }
    uint32_t n = cim_isa_ab(x->in) + 1u;
    CimStatus st = ex_buf_range(x, x->in->m & 15u, n, &addr);
    if (st != CIM_OK)
        return st;
    CimHostIO *io = x->io;
    if (x->in->id == CIM_I_DMAI) {
        if (!io || !io->in || io->in_pos > io->in_bits || n > io->in_bits - io->in_pos)
            return ex_trap(x, CIM_TRAP_DMAI, n, io && io->in ? io->in_bits - io->in_pos : 0);
        cim_bits_copy_range(c->buf, addr, io->in, io->in_pos, n);
        io->in_pos += n;
    } else {
        if (!io || !io->out || io->out_pos > io->out_cap_bits || n > io->out_cap_bits - io->out_pos)
            return ex_trap(x, CIM_TRAP_DMAO, n, io && io->out ? io->out_cap_bits - io->out_pos : 0);
        cim_bits_copy_range(io->out, io->out_pos, c->buf, addr, n);
        io->out_pos += n;
    }
    c->ev.n[CIM_EV_BUFFER_BIT] += n;
    /* the buffer port carries the data as the link delivers it: held for the slower of the two */
    uint32_t cyc = (n + c->cfg->ctrl.dma_bits_per_cycle - 1) / c->cfg->ctrl.dma_bits_per_cycle;
    uint32_t port = ex_buf_cycles(c, n);
    ex_use(x, CIM_RES_DMA, cyc);
    ex_use(x, CIM_RES_BUF, cyc > port ? cyc : port);
    return CIM_OK;
}
