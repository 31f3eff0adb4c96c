/* The shape campaign's cases: a random chip and a random small binary network from one
 * seed, and the check of one case (program path, fast path, plain reference, optionally
 * another runner). docs/compiler.md, "Differential testing". */
#include "tests/support/shapes.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static CimStatus compile_default(const CimChipCfg *cfg, const CimNet *net, CimPrunedMode mode, CimCompiled *out,
                                 CimDiag *diag)
{
    return cim_compile(cfg, net, mode, NULL, out, diag);
}

/* The chip's mapping policy (chip.mapping) set to one strategy, split, reload and replication. */
static CimStatus compile_policy(const CimChipCfg *cfg, CimMappingCfg policy, const CimNet *net, CimPrunedMode mode,
                                CimCompiled *out, CimDiag *diag)
{
    CimChipCfg c = *cfg;
    c.mapping = policy;
    return cim_compile(&c, net, mode, NULL, out, diag);
}

static CimStatus compile_with(const CimChipCfg *cfg, CimMapStrategy strategy, CimMapSplit split, CimMapReload reload,
                              const CimNet *net, CimPrunedMode mode, CimCompiled *out, CimDiag *diag)
{
    CimMappingCfg p = {.strategy = strategy, .split = split, .reload = reload, .replicate = CIM_MAP_REPLICATE_NONE};
    return compile_policy(cfg, p, net, mode, out, diag);
}

static CimStatus compile_pack(const CimChipCfg *cfg, const CimNet *net, CimPrunedMode mode, CimCompiled *out,
                              CimDiag *diag)
{
    return compile_with(cfg, CIM_MAP_PACK, CIM_MAP_SPLIT_NONE, CIM_MAP_RELOAD_FORBID, net, mode, out, diag);
}

static CimStatus compile_split(const CimChipCfg *cfg, const CimNet *net, CimPrunedMode mode, CimCompiled *out,
                               CimDiag *diag)
{
    return compile_with(cfg, CIM_MAP_SPREAD, CIM_MAP_SPLIT_AUTO, CIM_MAP_RELOAD_FORBID, net, mode, out, diag);
}

static CimStatus compile_reload(const CimChipCfg *cfg, const CimNet *net, CimPrunedMode mode, CimCompiled *out,
                                CimDiag *diag)
{
    return compile_with(cfg, CIM_MAP_PACK, CIM_MAP_SPLIT_NONE, CIM_MAP_RELOAD_ALLOW, net, mode, out, diag);
}

/* Replication: auto, with reload allowed (a network that does not fit with copies gives
 * them up, one that does not fit at all reloads); and two copies of every layer. */
static CimStatus compile_replicate(const CimChipCfg *cfg, const CimNet *net, CimPrunedMode mode, CimCompiled *out,
                                   CimDiag *diag)
{
    CimMappingCfg p = {CIM_MAP_SPREAD, CIM_MAP_SPLIT_NONE, CIM_MAP_RELOAD_ALLOW, CIM_MAP_REPLICATE_AUTO};
    return compile_policy(cfg, p, net, mode, out, diag);
}

static CimStatus compile_replicate2(const CimChipCfg *cfg, const CimNet *net, CimPrunedMode mode, CimCompiled *out,
                                    CimDiag *diag)
{
    CimMappingCfg p = {CIM_MAP_SPREAD, CIM_MAP_SPLIT_NONE, CIM_MAP_RELOAD_FORBID, 2};
    return compile_policy(cfg, p, net, mode, out, diag);
}

/* The mapping strategies a case draws from: add a row for a new one. default is the
 * chip file's policy (spread, no split, no reload, no copies). */
static const ShapesStrategy shapes_strategies[] = {
    {"default", compile_default},
    {"pack", compile_pack},
    {"split", compile_split},
    {"reload", compile_reload},
    {"replicate", compile_replicate},
    {"replicate2", compile_replicate2},
};

static unsigned pick(CimRng *r, unsigned n) { return (unsigned)(cim_rng_u64(r) % n); }

/* An array side in [8, 4096]: a power of two a quarter of the time, else any integer,
 * log-uniform so that small arrays (tiles) are common. */
static unsigned side(CimRng *r)
{
    unsigned e = 3 + pick(r, 10), v = 1u << e;
    if (pick(r, 4))
        v += pick(r, v);
    return v > 4096 ? 4096 : v;
}

static void add_layer(CimNet *net, CimLayerKind kind, unsigned n, unsigned kernel, unsigned pad)
{
    CimLayer *l = &net->layers[net->n];
    memset(l, 0, sizeof *l);
    l->kind = kind;
    snprintf(l->name, sizeof l->name, "l%zu", net->n);
    l->out_channels = l->out_features = n;
    l->kernel = kernel;
    l->padding = pad;
    l->pool = kernel;
    l->has_bias = 1;
    net->n++;
}

/* 1 to 4 binary convs (kernels 1, 3, 5; padding (k-1)/2, another 0-2 one time in 16),
 * each maybe followed by ReLU and a max-pool of 1 or 2, then host layers. */
static void make_net(CimRng *r, unsigned cols, CimNet *net)
{
    memset(net, 0, sizeof *net);
    snprintf(net->name, sizeof net->name, "shapes");
    net->in_c = 1 + pick(r, 4);
    net->in_h = 3 + pick(r, 14);
    net->in_w = 3 + pick(r, 14);
    if (pick(r, 8) == 0) { /* an MNIST-sized input */
        net->in_c = 1;
        net->in_h = net->in_w = 28;
    }
    net->in_div = 255;
    net->in_mean = 0.1307;
    net->in_std = 0.3081;
    net->layers = calloc(24, sizeof *net->layers);
    unsigned h = net->in_h, w = net->in_w, convs = 1 + pick(r, 4);
    for (unsigned i = 0; i < convs; i++) {
        unsigned k = 2 * pick(r, 3) + 1;
        while (k > h || k > w)
            k -= 2;
        unsigned pad = pick(r, 48) ? (k - 1) / 2 : pick(r, 3);
        /* more filters than columns in some layers (up to 600 filters) */
        unsigned nf = pick(r, 3) || cols > 560 ? 1 + pick(r, 40) : cols + 1 + pick(r, 40);
        add_layer(net, CIM_L_CONV_BIN, nf, k, pad);
        net->layers[net->n - 1].has_bias = pick(r, 8) != 0;
        if (pick(r, 2))
            add_layer(net, CIM_L_RELU, 0, 0, 0);
        unsigned pool = 1 + pick(r, 2);
        if (pick(r, 2) && h % pool == 0 && w % pool == 0 && h / pool >= 1) {
            add_layer(net, CIM_L_MAXPOOL, 0, pool, 0);
            h /= pool;
            w /= pool;
        }
        if (pick(r, 2))
            add_layer(net, CIM_L_RELU, 0, 0, 0);
    }
    add_layer(net, CIM_L_FLATTEN, 0, 0, 0);
    if (pick(r, 3) == 0) {
        add_layer(net, CIM_L_LINEAR, 1 + pick(r, 16), 0, 0);
        add_layer(net, CIM_L_RELU, 0, 0, 0);
    }
    add_layer(net, CIM_L_LINEAR, 1 + pick(r, 10), 0, 0);
}

static void prune(CimRng *r, CimNet *net)
{
    for (size_t i = 0; i < net->n; i++) {
        CimLayer *l = &net->layers[i];
        if (!l->pruned)
            continue;
        unsigned how = pick(r, 12);
        for (unsigned f = 0; f < l->out_c; f++)
            l->pruned[f] = how == 0 ? 1 : how < 5 ? 0 : pick(r, 4) == 0;
    }
}

/* Chip: 1-16 macros, arrays of 8-4096 cells a side, counters of 1-12 bits (sometimes up
 * to 32) in both modes, 8-64-bit accumulators, multi-cycle timings, narrow controller
 * paths; the input register and PPU sized around the network's need. */
static void make_chip(CimRng *r, CimChipCfg *cfg, unsigned force_macros)
{
    cim_cfg_defaults(cfg);
    cfg->macros = force_macros ? force_macros : 1 + pick(r, 16);
    cfg->array.rows = side(r);
    cfg->array.cols = side(r);
    while ((uint64_t)cfg->array.rows * cfg->array.cols * cfg->macros > (1u << 24)) /* memory and time */
        cfg->array.rows = cfg->array.rows / 2 < 8 ? 8 : cfg->array.rows / 2;
    cfg->periph.counter_bits = pick(r, 6) ? 1 + pick(r, 12) : 13 + pick(r, 20);
    cfg->periph.counter_overflow = pick(r, 2) ? CIM_OVERFLOW_WRAP : CIM_OVERFLOW_SATURATE;
    cfg->periph.shift_add_bits = pick(r, 3) ? 8 + pick(r, 57) : 8 + pick(r, 6); /* narrow ones wrap */
    CimTimingCfg *t = &cfg->tech.timing;
    t->t_read_ns = 1 + pick(r, 40);
    t->t_set_ns = 1 + pick(r, 40);
    t->t_reset_ns = 1 + pick(r, 40);
    t->t_verify_ns = 1 + pick(r, 40);
    t->t_adder_tree_ns = 1 + pick(r, 30);
    t->t_shift_add_ns = 1 + pick(r, 30);
    cfg->ctrl.buffer_port_bits = 8u << pick(r, 7);
    cfg->ctrl.dma_bits_per_cycle = 1 + pick(r, 128);
    cfg->ctrl.ppu_lanes = 1 + pick(r, 32);
}

static size_t max_fan_in(const CimNet *net, unsigned *max_f)
{
    size_t m = 0;
    *max_f = 0;
    for (size_t i = 0; i < net->n; i++)
        if (net->layers[i].kind == CIM_L_CONV_BIN) {
            size_t L = cim_layer_fan_in(&net->layers[i]);
            m = L > m ? L : m;
            *max_f = net->layers[i].out_c > *max_f ? net->layers[i].out_c : *max_f;
        }
    return m;
}

void shapes_case_make(uint64_t seed, unsigned force_macros, ShapesCase *c)
{
    memset(c, 0, sizeof *c);
    c->seed = seed;
    CimRng r;
    cim_rng_seed(&r, seed);
    make_chip(&r, &c->cfg, force_macros);
    make_net(&r, c->cfg.array.cols, &c->net);
    c->mode = pick(&r, 2) ? CIM_PRUNED_SKIP : CIM_PRUNED_REFERENCE;
    c->strategy = &shapes_strategies[pick(&r, sizeof shapes_strategies / sizeof shapes_strategies[0])];
    c->images = 2;
    CimDiag d;
    cim_diag_init(&d);
    if (cim_net_infer(&c->net, "shapes", &d) != CIM_OK) {
        c->net_refused = 1;
        cim_diag_format(&d, 0, c->why, sizeof c->why);
        cim_diag_free(&d);
        return;
    }
    cim_diag_free(&d);
    cim_net_init_random(&c->net, cim_rng_u64(&r));
    prune(&r, &c->net);
    unsigned max_f;
    size_t L = max_fan_in(&c->net, &max_f);
    /* input register and PPU: the need, sometimes a little more, one time in 24 one less */
    c->cfg.ctrl.ir_bits = (unsigned)L + (pick(&r, 2) ? 0 : pick(&r, 64));
    c->cfg.ctrl.ppu_size = max_f + (pick(&r, 2) ? 0 : pick(&r, 16));
    if (pick(&r, 24) == 0)
        c->cfg.ctrl.ir_bits--;
    if (pick(&r, 24) == 0)
        c->cfg.ctrl.ppu_size--;
    if (c->cfg.ctrl.ir_bits < 16)
        c->cfg.ctrl.ir_bits = 16;
    if (c->cfg.ctrl.ppu_size < 1)
        c->cfg.ctrl.ppu_size = 1;
    /* buffer: the network's need rounded up to KiB, plus 0-1 KiB, one time in 24 1 KiB less.
     * A network that does not fit gets more macros (up to 16) or taller arrays three times
     * in four, so that most cases run and some are refused. */
    CimChipCfg big = c->cfg;
    big.buffer_kib = 1u << 20;
    CimCompiled cc;
    cim_diag_init(&d);
    CimStatus st;
    while ((st = c->strategy->compile(&big, &c->net, c->mode, &cc, &d)) == CIM_ERR_CONFIG && d.n &&
           strstr(d.v[0].msg, "does not fit") && pick(&r, 4) &&
           (uint64_t)big.macros * big.array.rows * big.array.cols < (1u << 26)) {
        int more_macros = !force_macros && big.macros < 16 && (pick(&r, 2) || big.array.rows == 4096);
        if (more_macros)
            big.macros = big.macros * 2 > 16 ? 16 : big.macros * 2;
        else if (big.array.rows < 4096)
            big.array.rows = big.array.rows * 2 > 4096 ? 4096 : big.array.rows * 2;
        else
            break;
        c->cfg.macros = big.macros;
        c->cfg.array.rows = big.array.rows;
        cim_diag_free(&d);
        cim_diag_init(&d);
    }
    if (st == CIM_OK) {
        unsigned need = (unsigned)((cc.buffer_bits_used + 8191) / 8192);
        c->cfg.buffer_kib = need + pick(&r, 2);
        if (pick(&r, 24) == 0 && need > 1)
            c->cfg.buffer_kib = need - 1;
        cim_compiled_free(&cc);
    }
    cim_diag_free(&d);
}

int shapes_net_make(uint64_t seed, unsigned cols, CimNet *net, CimPrunedMode *mode)
{
    CimRng r;
    cim_rng_seed(&r, seed);
    make_net(&r, cols, net);
    *mode = pick(&r, 2) ? CIM_PRUNED_SKIP : CIM_PRUNED_REFERENCE;
    CimDiag d;
    cim_diag_init(&d);
    CimStatus st = cim_net_infer(net, "shapes", &d);
    cim_diag_free(&d);
    if (st != CIM_OK)
        return -1;
    cim_net_init_random(net, cim_rng_u64(&r));
    prune(&r, net);
    return 0;
}

void shapes_net_free(CimNet *net)
{
    cim_net_free(net);
    free(net->layers);
    net->layers = NULL;
}

void shapes_case_free(ShapesCase *c) { shapes_net_free(&c->net); }

void shapes_case_describe(const ShapesCase *c, char *buf, size_t n)
{
    const CimChipCfg *g = &c->cfg;
    int at = snprintf(buf, n, "%u x %ux%u, counters %u %s, acc %u, read %g ns, ir %u, ppu %u, buf %u KiB, %s, %s; net %ux%ux%u:",
                      g->macros, g->array.rows, g->array.cols, g->periph.counter_bits,
                      g->periph.counter_overflow == CIM_OVERFLOW_WRAP ? "wrap" : "sat", g->periph.shift_add_bits,
                      g->tech.timing.t_read_ns, g->ctrl.ir_bits, g->ctrl.ppu_size, g->buffer_kib,
                      c->mode == CIM_PRUNED_SKIP ? "skip" : "reference", c->strategy->name, c->net.in_c, c->net.in_h,
                      c->net.in_w);
    for (size_t i = 0; i < c->net.n && at > 0 && (size_t)at < n; i++) {
        const CimLayer *l = &c->net.layers[i];
        unsigned np = 0;
        for (unsigned f = 0; l->pruned && f < l->out_c; f++)
            np += l->pruned[f];
        if (l->kind == CIM_L_CONV_BIN)
            at += snprintf(buf + at, n - (size_t)at, " conv%u/%u(%u,-%u)", l->kernel, l->padding, l->out_c, np);
        else if (l->kind == CIM_L_MAXPOOL)
            at += snprintf(buf + at, n - (size_t)at, " pool%u", l->pool);
        else if (l->kind == CIM_L_LINEAR)
            at += snprintf(buf + at, n - (size_t)at, " fc%u", l->out_c);
        else if (l->kind == CIM_L_RELU)
            at += snprintf(buf + at, n - (size_t)at, " relu");
    }
}

void shapes_normalise_reason(const char *line, char *out, size_t n)
{
    size_t o = 0;
    for (const char *p = line; *p && o + 4 < n;) {
        if (isdigit((unsigned char)*p) && (p == line || !isalpha((unsigned char)p[-1]) || p[-1] == 'x')) {
            out[o++] = 'N';
            while (isdigit((unsigned char)*p))
                p++;
        } else if (*p == '\'' && (p == line || p[-1] == ' ')) { /* a quoted name, not "li's" */
            const char *e = strchr(p + 1, '\'');
            if (!e)
                break;
            memcpy(out + o, "'...'", 5 < n - o - 1 ? 5 : n - o - 1);
            o += 5;
            p = e + 1;
        } else {
            out[o++] = *p++;
        }
    }
    out[o < n ? o : n - 1] = '\0';
}
