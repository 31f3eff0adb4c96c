/* The network as compiled for a chip, one line per layer: its shape, the MACs it costs,
 * its pruned filters and where it runs (a chip layer, folded into one, or the host). */
#include "workloads/report/report.h"

static unsigned pruned_count(const CimLayer *l)
{
    unsigned n = 0;
    for (unsigned f = 0; l->pruned && f < l->out_c; f++)
        n += l->pruned[f] != 0;
    return n;
}

void cim_report_print_network(const CimNet *net, const CimCompiled *cc, FILE *out)
{
    uint64_t chip_macs = 0, host_macs = 0;
    fprintf(out, "network         %s: input %ux%ux%u (channels x height x width)\n", net->name, net->in_c, net->in_h,
            net->in_w);
    fprintf(out, "%-10s %-14s %-6s %-14s %-14s %13s %8s\n", "layer", "type", "where", "input", "output", "MACs/image",
            "pruned");
    for (size_t i = 0; i < net->n; i++) {
        const CimLayer *l = &net->layers[i];
        int on_chip = i < cc->first_host;
        char in[32], o[32], pr[16] = "-";
        uint64_t macs = cim_layer_macs(l);
        snprintf(in, sizeof in, "%ux%ux%u", l->in_c, l->in_h, l->in_w);
        snprintf(o, sizeof o, "%ux%ux%u", l->out_c, l->out_h, l->out_w);
        if (l->pruned)
            snprintf(pr, sizeof pr, "%u/%u", pruned_count(l), l->out_c);
        fprintf(out, "%-10s %-14s %-6s %-14s %-14s %13llu %8s\n", l->name, cim_layer_kind_name(l->kind),
                on_chip ? "chip" : "host", in, o, (unsigned long long)macs, pr);
        *(on_chip ? &chip_macs : &host_macs) += macs;
    }
    fprintf(out, "MACs per image  %llu on the chip, %llu on the host (dense: pruned filters counted)\n",
            (unsigned long long)chip_macs, (unsigned long long)host_macs);
}
