/* The point-cloud set type: allocation, validation, the reference's normalisation, and the
 * triangle helpers shared by the mesh sampler and the synthetic shapes (docs/formats.md). */
#include "workloads/io/cloud_impl.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

static const char AXIS[3] = {'x', 'y', 'z'};

/* One block: n_classes pointers, then the names back to back. */
static char **copy_names(const char *const *names, size_t k, const CimAlloc *alloc)
{
    size_t bytes = k * sizeof(char *);
    for (size_t c = 0; c < k; c++)
        bytes += strlen(names[c]) + 1;
    char **v = cim_alloc(alloc, bytes);
    if (!v)
        return NULL;
    char *p = (char *)(v + k);
    for (size_t c = 0; c < k; c++) {
        size_t len = strlen(names[c]) + 1;
        memcpy(p, names[c], len);
        v[c] = p;
        p += len;
    }
    return v;
}

CimStatus cim_cloud_init(CimCloudSet *out, size_t n, size_t points, size_t n_classes,
                         const char *const *class_names, const CimAlloc *alloc)
{
    memset(out, 0, sizeof *out);
    if (n == 0 || points == 0 || n_classes == 0 || n_classes > CIM_CLOUD_MAX_CLASSES ||
        points > SIZE_MAX / 3 / sizeof(float) / n)
        return CIM_ERR_RANGE;
    for (size_t c = 0; class_names && c < n_classes; c++) {
        size_t len = class_names[c] ? strlen(class_names[c]) : 0;
        if (len == 0 || len > CIM_CLOUD_MAX_NAME)
            return CIM_ERR_RANGE;
    }
    if (alloc)
        out->alloc = *alloc;
    out->xyz = cim_alloc_array(alloc, n * points * 3, sizeof(float));
    out->labels = out->xyz ? cim_alloc_array(alloc, n, sizeof(int32_t)) : NULL;
    out->class_names = out->labels && class_names ? copy_names(class_names, n_classes, alloc)
                                                  : NULL;
    if (!out->labels || (class_names && !out->class_names)) {
        cim_cloud_free(out);
        return CIM_ERR_NOMEM;
    }
    out->n = n;
    out->points = points;
    out->n_classes = n_classes;
    return CIM_OK;
}

void cim_cloud_free(CimCloudSet *s)
{
    cim_free(&s->alloc, s->xyz);
    cim_free(&s->alloc, s->labels);
    cim_free(&s->alloc, s->class_names);
    memset(s, 0, sizeof *s);
}

CimStatus cim_cloud_check(const CimCloudSet *s, const char *what, CimDiag *diag)
{
    size_t total = s->n * s->points * 3, nan = 0, inf = 0, first = 0;
    for (size_t i = 0; i < total; i++) {
        if (isfinite(s->xyz[i]))
            continue;
        if (nan + inf == 0)
            first = i;
        if (isnan(s->xyz[i]))
            nan++;
        else
            inf++;
    }
    int bad = 0;
    if (nan + inf) {
        cim_diag_add(diag, CIM_SEV_ERROR, what, 0, 0,
                     "%zu coordinate%s not finite (%zu NaN, %zu infinite); the first is %c of "
                     "point %zu of cloud %zu",
                     nan + inf, nan + inf == 1 ? " is" : "s are", nan, inf, AXIS[first % 3],
                     first / 3 % s->points, first / 3 / s->points);
        bad = 1;
    }
    size_t shown = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->labels[i] >= 0 && (size_t)s->labels[i] < s->n_classes)
            continue;
        if (shown++ < 5)
            cim_diag_add(diag, CIM_SEV_ERROR, what, 0, 0,
                         "label %ld of cloud %zu is out of range 0..%zu", (long)s->labels[i], i,
                         s->n_classes - 1);
        bad = 1;
    }
    return bad ? CIM_ERR_FORMAT : CIM_OK;
}

CimStatus cim_cloud_normalise(double *xyz, size_t points)
{
    double mean[3] = {0, 0, 0}, max2 = 0;
    for (size_t j = 0; j < points * 3; j++) {
        if (!isfinite(xyz[j]))
            return CIM_ERR_RANGE;
        mean[j % 3] += xyz[j];
    }
    for (int c = 0; c < 3; c++)
        mean[c] /= (double)points;
    for (size_t j = 0; j < points; j++) {
        double *p = xyz + 3 * j, d2 = 0;
        for (int c = 0; c < 3; c++)
            d2 += (p[c] - mean[c]) * (p[c] - mean[c]);
        if (d2 > max2)
            max2 = d2;
    }
    double max = sqrt(max2);
    if (!(max > 0) || !isfinite(max))
        return CIM_ERR_RANGE;
    for (size_t j = 0; j < points * 3; j++)
        xyz[j] = (xyz[j] - mean[j % 3]) / max;
    return CIM_OK;
}

void cloud_triangle_point(CimRng *rng, const double *p1, const double *p2, const double *p3,
                          double *out)
{
    double s = cim_rng_uniform(rng), t = cim_rng_uniform(rng);
    if (s > t) {
        double x = s;
        s = t;
        t = x;
    }
    for (int c = 0; c < 3; c++)
        out[c] = s * p1[c] + (t - s) * p2[c] + (1 - t) * p3[c];
}

static double dist(const double *a, const double *b)
{
    double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
    return sqrt(dx * dx + dy * dy + dz * dz);
}

double cloud_heron(const double *p1, const double *p2, const double *p3)
{
    double a = dist(p1, p2), b = dist(p2, p3), c = dist(p3, p1);
    double s = 0.5 * (a + b + c), r = s * (s - a) * (s - b) * (s - c);
    return r > 0 ? sqrt(r) : 0;
}

void cloud_store(CimCloudSet *s, size_t i, const double *xyz)
{
    float *dst = s->xyz + i * s->points * 3;
    for (size_t j = 0; j < s->points * 3; j++)
        dst[j] = (float)xyz[j];
}

CimStatus cloud_read_file(const char *path, const CimAlloc *alloc, char **text, size_t *len,
                          CimDiag *diag)
{
    *text = NULL;
    *len = 0;
    size_t n;
    const char *why;
    FILE *f = cim_file_open_regular(path, &n, &why);
    if (!f) {
        cim_diag_add(diag, CIM_SEV_ERROR, path, 0, 0, "cannot open: %s", why);
        return CIM_ERR_IO;
    }
    char *buf = cim_alloc(alloc, n + 1);
    CimStatus s = buf ? CIM_OK : CIM_ERR_NOMEM;
    if (s == CIM_OK && fread(buf, 1, n, f) != n) {
        cim_diag_add(diag, CIM_SEV_ERROR, path, 0, 0, "read failed: %s",
                     ferror(f) ? strerror(errno) : "file shrank");
        s = CIM_ERR_IO;
    }
    fclose(f);
    if (s != CIM_OK) {
        cim_free(alloc, buf);
        return s;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return CIM_OK;
}
