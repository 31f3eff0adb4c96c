/* The host's share of a network, in counted operations (models/host), and the point-cloud
 * network as the GPU runs it. Formulas: baseline.h and docs/energy.md, "Host processor". */
#include "workloads/compare/baseline.h"

#include <string.h>

int cim_host_net_on_host(const CimNet *net, size_t i)
{
    CimLayerWhere w = cim_layer_kind_where(net->layers[i].kind);
    if (w == CIM_WHERE_FUSED)
        return i == 0 || cim_host_net_on_host(net, i - 1);
    return w == CIM_WHERE_HOST;
}

void cim_host_net_layer_work(const CimNet *net, size_t i, CimHostWork *out)
{
    memset(out, 0, sizeof *out);
    const CimLayer *l = &net->layers[i];
    if (!cim_host_net_on_host(net, i))
        return;
    double in = (double)l->in_c * l->in_h * l->in_w, o = (double)l->out_c * l->out_h * l->out_w;
    switch (l->kind) {
    case CIM_L_LINEAR:
        out->fp32_macs = in * o;
        out->fp32_ops = l->has_bias ? o : 0;
        out->bytes = 4.0 * (in * o + in + o + (l->has_bias ? o : 0));
        break;
    case CIM_L_RELU:
        out->fp32_ops = in;
        out->bytes = 4.0 * (in + o);
        break;
    case CIM_L_MAXPOOL:
        out->fp32_ops = in - o; /* compares: each window's values after its first */
        out->bytes = 4.0 * (in + o);
        break;
    default: /* flatten: a view */
        break;
    }
}

void cim_host_pn_dist_work(CimHostWork *out)
{
    memset(out, 0, sizeof *out);
    out->fp32_macs = 9;
    out->fp32_ops = 4;
    out->fp32_sqrts = 1;
    out->bytes = 12;
}

/* w += n x d */
static void add_n(CimHostWork *w, const CimHostWork *d, double n)
{
    w->fp32_macs += n * d->fp32_macs;
    w->fp32_ops += n * d->fp32_ops;
    w->fp32_divs += n * d->fp32_divs;
    w->fp32_sqrts += n * d->fp32_sqrts;
    w->int_ops += n * d->int_ops;
    w->bytes += n * d->bytes;
}

/* BatchNorm folded per channel (a = gamma / sqrt(var + eps), b = beta - mean a) for c
 * channels: a square root, a divide and 2 ops each, 16 bytes of parameters. */
static void bn_fold(CimHostWork *w, double c)
{
    w->fp32_sqrts += c;
    w->fp32_divs += c;
    w->fp32_ops += 2 * c;
    w->bytes += 16 * c;
}

static void sa_work(const CimPnLayer *l, CimHostWork *w)
{
    double n = l->in_points, m = l->out_points, k = l->nsample, width = 3.0 + l->in_c;
    CimHostWork d;
    cim_host_pn_dist_work(&d);
    if (!l->group_all) {
        /* FPS: a distance, the running minimum and the argmax per point and step */
        add_n(w, &d, m * n);
        w->fp32_ops += 2 * m * n;
        w->bytes += 8 * m * n;
        /* ball query: a distance and a compare per centre and point, k indices written */
        add_n(w, &d, m * n);
        w->fp32_ops += m * n;
        w->bytes += 4 * m * k;
        /* grouping: relative coordinates, rows read and written, indices read */
        w->fp32_ops += 3 * m * k;
        w->bytes += m * k * (8 * width + 4);
    } else {
        w->bytes += 8 * n * width; /* concatenation of xyz and features */
        k = n;
        m = 1;
    }
    double p = (double)cim_pn_positions(l);
    for (unsigned s = 0; s < l->n_mlp; s++) {
        double vin = p * l->cin[s], vout = p * l->mlp[s];
        /* quantisation: min and max (2 compares), x / s, + z, round, convert */
        w->fp32_ops += 5 * vin;
        w->fp32_divs += vin;
        w->bytes += 9 * vin;
        bn_fold(w, l->mlp[s]);
        /* BatchNorm and ReLU on the integer sums: convert, x a + b, compare */
        w->fp32_macs += vout;
        w->fp32_ops += 2 * vout;
        w->bytes += 8 * vout;
    }
    double f = l->mlp[l->n_mlp - 1];
    w->fp32_ops += m * (k - 1) * f; /* the max over each group */
    w->bytes += 4 * (m * k * f + m * f);
}

void cim_host_pn_layer_work(const CimPnNet *net, size_t i, CimHostWork *w)
{
    memset(w, 0, sizeof *w);
    const CimPnLayer *l = &net->layers[i];
    double in = l->in_c, o = l->out_c;
    switch (l->kind) {
    case CIM_PN_SA: sa_work(l, w); break;
    case CIM_PN_LINEAR:
        w->fp32_macs = in * o;
        w->fp32_ops = l->has_bias ? o : 0;
        w->bytes = 4.0 * (in * o + in + o + (l->has_bias ? o : 0));
        break;
    case CIM_PN_BN:
        bn_fold(w, in);
        w->fp32_macs = in;
        w->bytes += 8 * in;
        break;
    case CIM_PN_RELU:
        w->fp32_ops = in;
        w->bytes = 8 * in;
        break;
    default: /* dropout: the identity in eval mode */
        break;
    }
}

/* ---- the GPU ---------------------------------------------------------------------- */

static size_t put(CimGpuLayer *out, size_t n, CimGpuLayerKind kind, double macs, double bytes, unsigned kernels)
{
    if (out)
        out[n] = (CimGpuLayer){.kind = kind, .macs = (uint64_t)macs, .bytes = (uint64_t)bytes, .kernels = kernels};
    return n + 1;
}

size_t cim_gpu_pn_layers(const CimGpuCfg *g, const CimPnNet *net, CimGpuLayer *out)
{
    size_t n = 0;
    unsigned ew = g->launch.kernels_per_elementwise;
    for (size_t i = 0; i < net->n; i++) {
        const CimPnLayer *l = &net->layers[i];
        double in = l->in_c, o = l->out_c;
        switch (l->kind) {
        case CIM_PN_SA: {
            double pts = l->in_points, m = l->out_points, k = l->nsample, width = 3.0 + l->in_c;
            if (!l->group_all) {
                /* FPS: npoint steps; ball query: all distances, a mask and the gather */
                n = put(out, n, CIM_GPU_L_ELEMENTWISE, 0, 4.0 * m * pts * 3, l->npoint * g->launch.kernels_per_fps_step);
                n = put(out, n, CIM_GPU_L_ELEMENTWISE, 0, 4.0 * (m * pts * 2 + m * k), ew);
                n = put(out, n, CIM_GPU_L_ELEMENTWISE, 0, 4.0 * m * k * width * 2, ew);
            } else
                n = put(out, n, CIM_GPU_L_ELEMENTWISE, 0, 4.0 * pts * width * 2, ew);
            double p = (double)cim_pn_positions(l);
            for (unsigned s = 0; s < l->n_mlp; s++) {
                double vin = p * l->cin[s], vout = p * l->mlp[s], wn = (double)l->cin[s] * l->mlp[s];
                n = put(out, n, CIM_GPU_L_ELEMENTWISE, 0, 4.0 * 2 * (vin + wn), 2 * ew); /* quantise x and w */
                n = put(out, n, CIM_GPU_L_MATMUL, p * wn, 0, g->launch.kernels_per_conv);
                n = put(out, n, CIM_GPU_L_ELEMENTWISE, 0, 4.0 * 2 * vout * 2, 2 * ew); /* BatchNorm, ReLU */
            }
            double f = l->mlp[l->n_mlp - 1];
            n = put(out, n, CIM_GPU_L_ELEMENTWISE, 0, 4.0 * (p * f + m * f), ew); /* max over the group */
            break;
        }
        case CIM_PN_LINEAR: n = put(out, n, CIM_GPU_L_MATMUL, in * o, 0, g->launch.kernels_per_linear); break;
        case CIM_PN_BN:
        case CIM_PN_RELU: n = put(out, n, CIM_GPU_L_ELEMENTWISE, 0, 8.0 * in, ew); break;
        default: break; /* dropout: the identity in eval mode */
        }
    }
    return n;
}
