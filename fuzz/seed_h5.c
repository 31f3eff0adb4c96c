/* Writes the HDF5 seeds of fuzz/corpus/h5 (fuzz/make_seeds.py runs it): small synthetic
 * point-cloud sets saved by the project's own writer. Usage: seed_h5 DIR */
#include "workloads/io/cloud.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: seed_h5 DIR\n");
        return 2;
    }
    static const size_t points[] = {2, 16};
    for (size_t i = 0; i < sizeof points / sizeof points[0]; i++) {
        CimDiag d;
        CimCloudSet s;
        char path[4096];
        cim_diag_init(&d);
        snprintf(path, sizeof path, "%s/synth_%zu_points.h5", argv[1], points[i]);
        CimStatus st = cim_cloud_synth("test", 1, points[i], 1, NULL, &s, &d);
        if (st == CIM_OK) {
            st = cim_cloud_h5_save(path, &s, &d);
            cim_cloud_free(&s);
        }
        cim_diag_print(&d, stderr);
        cim_diag_free(&d);
        if (st != CIM_OK)
            return 1;
    }
    return 0;
}
