/* The mapping report: where each chip layer sits on the macros (regions, rows of a gated
 * read, macros, rounds, cells and their share of the chip), as text, JSON and HTML, from
 * the run report's layers (filled from cim_compile_layer_map). docs/compiler.md. */
#include "workloads/report/html.h"
#include "workloads/report/report_impl.h"

static double chip_cells(const CimRunReport *r) { return (double)r->macros * r->rows * r->cols; }

static double share(const CimRunReport *r, uint64_t cells)
{
    return chip_cells(r) > 0 ? 100.0 * (double)cells / chip_cells(r) : 0.0;
}

/* "spread, split none, reload forbid" */
static void policy(const CimRunReport *r, char *buf, size_t n)
{
    char st[16] = "?", sp[16] = "?", rl[16] = "?";
    if (r->cfg) {
        cim_cfg_choice(CIM_MAP_STRATEGY_NAMES, (int)r->cfg->mapping.strategy, st, sizeof st);
        cim_cfg_choice(CIM_MAP_SPLIT_NAMES, (int)r->cfg->mapping.split, sp, sizeof sp);
        cim_cfg_choice(CIM_MAP_RELOAD_NAMES, (int)r->cfg->mapping.reload, rl, sizeof rl);
    }
    char rp[16] = "?";
    if (r->cfg)
        cim_cfg_named_uint(CIM_MAP_REPLICATE_NAMES, r->cfg->mapping.replicate, rp, sizeof rp);
    snprintf(buf, n, "strategy %s, split %s, reload %s, replicate %s", st, sp, rl, rp);
}

void cim_report_print_mapping(const CimRunReport *r, FILE *out)
{
    char pol[96];
    policy(r, pol, sizeof pol);
    fprintf(out, "\nmapping         %u macros of %ux%u cells; %s; %s\n", r->macros, r->rows, r->cols, pol,
            r->reload ? "layers take turns (weights rewritten before each layer, every image)"
                      : "every layer resident at once");
    fprintf(out, "%-8s %8s %11s %11s %7s %7s %9s %7s %8s  %s\n", "layer", "regions", "tiles r x c", "gated rows",
            "macros", "rounds", "cells", "chip %", "replicas", "macros of each copy");
    for (size_t i = 0; i < r->nlayers; i++) {
        const CimReportLayer *l = &r->layers[i];
        if (l->where != CIM_WHERE_CHIP)
            continue;
        char tiles[32];
        snprintf(tiles, sizeof tiles, "%ux%u", l->map.row_tiles, l->map.col_tiles);
        fprintf(out, "%-8s %8u %11s %11u %7u %7u %9llu %6.1f%% %8u  %s\n", l->name, l->map.regions, tiles,
                l->map.tile_rows, l->map.macros_used, l->map.rounds, (unsigned long long)l->map.cells,
                share(r, l->map.cells), l->map.replicas, l->map.copy_macros);
    }
    fprintf(out, "cells holding weights: %llu of %.0f (%.1f %%)%s\n", (unsigned long long)r->cells_used,
            chip_cells(r), share(r, r->cells_used), r->reload ? ", over all layers (not at once)" : "");
}

json_t *cim_report_mapping_json(const CimRunReport *r)
{
    char st[16] = "?", sp[16] = "?", rl[16] = "?";
    if (r->cfg) {
        cim_cfg_choice(CIM_MAP_STRATEGY_NAMES, (int)r->cfg->mapping.strategy, st, sizeof st);
        cim_cfg_choice(CIM_MAP_SPLIT_NAMES, (int)r->cfg->mapping.split, sp, sizeof sp);
        cim_cfg_choice(CIM_MAP_RELOAD_NAMES, (int)r->cfg->mapping.reload, rl, sizeof rl);
    }
    json_t *a = json_array();
    for (size_t i = 0; i < r->nlayers; i++) {
        const CimReportLayer *l = &r->layers[i];
        if (l->where != CIM_WHERE_CHIP)
            continue;
        json_array_append_new(
            a, json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:I, s:f, s:i, s:s}", "layer", l->name, "regions",
                         (json_int_t)l->map.regions, "row_tiles", (json_int_t)l->map.row_tiles, "col_tiles",
                         (json_int_t)l->map.col_tiles, "gated_rows", (json_int_t)l->map.tile_rows, "macros",
                         (json_int_t)l->map.macros_used, "rounds", (json_int_t)l->map.rounds, "cells",
                         (json_int_t)l->map.cells, "chip_share", share(r, l->map.cells) / 100.0, "replicas",
                         (json_int_t)l->map.replicas, "copy_macros", l->map.copy_macros));
    }
    char rp[16] = "?";
    if (r->cfg)
        cim_cfg_named_uint(CIM_MAP_REPLICATE_NAMES, r->cfg->mapping.replicate, rp, sizeof rp);
    return json_pack("{s:s, s:s, s:s, s:s, s:b, s:I, s:f, s:o}", "strategy", st, "split", sp, "reload", rl, "replicate", rp,
                     "reloading",
                     r->reload, "cells_used", (json_int_t)r->cells_used, "chip_share", share(r, r->cells_used) / 100.0,
                     "layers", a);
}

void cim_html_run_mapping(const CimRunReport *r, FILE *out)
{
    char pol[96];
    policy(r, pol, sizeof pol);
    fprintf(out, "<section id=\"mapping\"><h2>Mapping onto the macros</h2>\n<p>%u macros of %ux%u cells; %s; %s; "
                 "cells holding weights: %llu (%.1f %%)</p>\n",
            r->macros, r->rows, r->cols, pol, r->reload ? "layers take turns (weights rewritten every image)"
                                                         : "every layer resident at once",
            (unsigned long long)r->cells_used, share(r, r->cells_used));
    fprintf(out, "<table><tr><th>layer</th><th>regions</th><th>row x column tiles</th><th>rows per gated read</th>"
                 "<th>macros</th><th>rounds</th><th>cells</th><th>share of the chip</th><th>replicas</th>"
                 "<th>macros of each copy</th></tr>\n");
    for (size_t i = 0; i < r->nlayers; i++) {
        const CimReportLayer *l = &r->layers[i];
        if (l->where != CIM_WHERE_CHIP)
            continue;
        fprintf(out, "<tr><td>");
        cim_html_escape(l->name, out);
        fprintf(out, "</td><td>%u</td><td>%u x %u</td><td>%u</td><td>%u</td><td>%u</td><td>%llu</td><td>%.1f %%</td>"
                     "<td>%u</td><td>",
                l->map.regions, l->map.row_tiles, l->map.col_tiles, l->map.tile_rows, l->map.macros_used,
                l->map.rounds, (unsigned long long)l->map.cells, share(r, l->map.cells), l->map.replicas);
        cim_html_escape(l->map.copy_macros, out);
        fprintf(out, "</td></tr>\n");
    }
    fprintf(out, "</table>\n</section>\n");
}
