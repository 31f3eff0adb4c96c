/* The built-in synthetic 10-class point-cloud set: points drawn uniformly (by area) on
 * parametric surfaces, randomly proportioned, stretched, scaled and rotated, with Gaussian
 * noise, normalised like the reference's ModelNet clouds (docs/formats.md, "Synthetic"). */
#include "workloads/io/cloud_impl.h"

#include <math.h>
#include <string.h>

#define PI 3.14159265358979323846
#define NOISE_SIGMA 0.02       /* per coordinate, in units of the shape before scaling */
#define STRETCH_LO 0.85        /* per-axis stretch factors, before rotation */
#define STRETCH_HI 1.15
#define SCALE_LO 0.6           /* overall size, which sets the noise relative to the shape */
#define SCALE_HI 1.5

/* A shape's proportions, drawn once per cloud (meaning per shape, see each draw_). */
typedef struct {
    double a, b, c;
} Dims;

static double unif(CimRng *r, double lo, double hi) { return lo + (hi - lo) * cim_rng_uniform(r); }

/* A direction uniform on the unit sphere (normalised Gaussian triple). */
static void unit_dir(CimRng *r, double *p)
{
    double n2;
    do {
        for (int c = 0; c < 3; c++)
            p[c] = cim_rng_normal(r);
        n2 = p[0] * p[0] + p[1] * p[1] + p[2] * p[2];
    } while (n2 < 1e-20);
    double n = sqrt(n2);
    for (int c = 0; c < 3; c++)
        p[c] /= n;
}

/* A point uniform on the disc of radius rad, at height z. */
static void disc(CimRng *r, double rad, double z, double *p)
{
    double rr = rad * sqrt(cim_rng_uniform(r)), phi = 2 * PI * cim_rng_uniform(r);
    p[0] = rr * cos(phi);
    p[1] = rr * sin(phi);
    p[2] = z;
}

/* ---- the shapes: proportions (draw_) and a point uniform on the surface (pt_) ----------- */

static void draw_none(CimRng *r, Dims *d) { (void)r; d->a = d->b = d->c = 1; }
static void pt_sphere(CimRng *r, const Dims *d, double *p) { (void)d; unit_dir(r, p); }

/* Box of half-sides 1, a, b. */
static void draw_box(CimRng *r, Dims *d)
{
    d->a = unif(r, 0.75, 1.0);
    d->b = unif(r, 0.75, 1.0);
}
static void pt_box(CimRng *r, const Dims *d, double *p)
{
    double h[3] = {1, d->a, d->b};
    double area[3] = {h[1] * h[2], h[0] * h[2], h[0] * h[1]}; /* faces normal to x, y, z */
    double x = cim_rng_uniform(r) * (area[0] + area[1] + area[2]);
    int axis = x < area[0] ? 0 : x < area[0] + area[1] ? 1 : 2;
    for (int c = 0; c < 3; c++)
        p[c] = h[c] * unif(r, -1, 1);
    p[axis] = cim_rng_uniform(r) < 0.5 ? -h[axis] : h[axis];
}

/* Cylinder of radius a and half-height b, closed by two discs. */
static void draw_cylinder(CimRng *r, Dims *d)
{
    d->a = unif(r, 0.35, 0.55);
    d->b = unif(r, 0.7, 1.0);
}
static void pt_cylinder(CimRng *r, const Dims *d, double *p)
{
    double side = 2 * PI * d->a * 2 * d->b, cap = PI * d->a * d->a;
    double x = cim_rng_uniform(r) * (side + 2 * cap);
    if (x >= side) {
        disc(r, d->a, x < side + cap ? -d->b : d->b, p);
        return;
    }
    double phi = 2 * PI * cim_rng_uniform(r);
    p[0] = d->a * cos(phi);
    p[1] = d->a * sin(phi);
    p[2] = unif(r, -d->b, d->b);
}

/* Cone of base radius a and height b, closed by its base disc. On the mantle the density
 * grows with the distance v from the apex, so v = sqrt(u). */
static void draw_cone(CimRng *r, Dims *d)
{
    d->a = unif(r, 0.5, 0.8);
    d->b = unif(r, 1.0, 1.6);
}
static void pt_cone(CimRng *r, const Dims *d, double *p)
{
    double mantle = PI * d->a * sqrt(d->a * d->a + d->b * d->b), base = PI * d->a * d->a;
    if (cim_rng_uniform(r) * (mantle + base) >= mantle) {
        disc(r, d->a, 0, p);
        return;
    }
    double v = sqrt(cim_rng_uniform(r)), phi = 2 * PI * cim_rng_uniform(r);
    p[0] = v * d->a * cos(phi);
    p[1] = v * d->a * sin(phi);
    p[2] = d->b * (1 - v);
}

/* Torus of centre radius 1 and tube radius a; the tube angle is drawn by rejection with
 * the area element 1 + a*cos(theta). */
static void draw_torus(CimRng *r, Dims *d) { d->a = unif(r, 0.2, 0.35); }
static void pt_torus(CimRng *r, const Dims *d, double *p)
{
    double th;
    do
        th = 2 * PI * cim_rng_uniform(r);
    while (cim_rng_uniform(r) * (1 + d->a) > 1 + d->a * cos(th));
    double phi = 2 * PI * cim_rng_uniform(r), rr = 1 + d->a * cos(th);
    p[0] = rr * cos(phi);
    p[1] = rr * sin(phi);
    p[2] = d->a * sin(th);
}

/* Square pyramid: base corners (+-1, +-1, 0), apex (0, 0, a); six triangles by area. */
static void draw_pyramid(CimRng *r, Dims *d) { d->a = unif(r, 1.2, 1.8); }
static void pt_pyramid(CimRng *r, const Dims *d, double *p)
{
    const double v[5][3] = {{-1, -1, 0}, {1, -1, 0}, {1, 1, 0}, {-1, 1, 0}, {0, 0, d->a}};
    static const int tri[6][3] = {{0, 1, 2}, {0, 2, 3}, {0, 1, 4}, {1, 2, 4}, {2, 3, 4}, {3, 0, 4}};
    double area[6], total = 0;
    for (int t = 0; t < 6; t++)
        total += area[t] = cloud_heron(v[tri[t][0]], v[tri[t][1]], v[tri[t][2]]);
    double x = cim_rng_uniform(r) * total;
    int t = 0;
    while (t < 5 && x >= area[t])
        x -= area[t++];
    cloud_triangle_point(r, v[tri[t][0]], v[tri[t][1]], v[tri[t][2]], p);
}

/* Ellipsoid of semi-axes 1, a, b: a sphere point u maps to (u0, a u1, b u2), kept with
 * probability proportional to the area element |(a b u0, b u1, a u2)| (at most a). */
static void draw_ellipsoid(CimRng *r, Dims *d)
{
    d->a = unif(r, 0.45, 0.7);
    d->b = unif(r, 0.2, 0.4);
}
static void pt_ellipsoid(CimRng *r, const Dims *d, double *p)
{
    double u[3], g;
    do {
        unit_dir(r, u);
        double e0 = d->a * d->b * u[0], e1 = d->b * u[1], e2 = d->a * u[2];
        g = sqrt(e0 * e0 + e1 * e1 + e2 * e2);
    } while (cim_rng_uniform(r) * d->a > g);
    p[0] = u[0];
    p[1] = d->a * u[1];
    p[2] = d->b * u[2];
}

/* Flat rectangle of half-sides 1 and a (no thickness). */
static void draw_plane(CimRng *r, Dims *d) { d->a = unif(r, 0.4, 0.9); }
static void pt_plane(CimRng *r, const Dims *d, double *p)
{
    p[0] = unif(r, -1, 1);
    p[1] = d->a * unif(r, -1, 1);
    p[2] = 0;
}

/* Capsule: a cylinder of radius a and half-length b, closed by two hemispheres. */
static void draw_capsule(CimRng *r, Dims *d)
{
    d->a = unif(r, 0.3, 0.45);
    d->b = unif(r, 0.5, 0.9);
}
static void pt_capsule(CimRng *r, const Dims *d, double *p)
{
    double side = 2 * PI * d->a * 2 * d->b, caps = 4 * PI * d->a * d->a;
    if (cim_rng_uniform(r) * (side + caps) >= side) {
        unit_dir(r, p);
        double z0 = p[2] >= 0 ? d->b : -d->b;
        for (int c = 0; c < 3; c++)
            p[c] *= d->a;
        p[2] += z0;
        return;
    }
    double phi = 2 * PI * cim_rng_uniform(r);
    p[0] = d->a * cos(phi);
    p[1] = d->a * sin(phi);
    p[2] = unif(r, -d->b, d->b);
}

/* Flat annulus of outer radius 1 and inner radius a: r^2 uniform in [a^2, 1]. */
static void draw_ring(CimRng *r, Dims *d) { d->a = unif(r, 0.55, 0.8); }
static void pt_ring(CimRng *r, const Dims *d, double *p)
{
    double rr = sqrt(d->a * d->a + cim_rng_uniform(r) * (1 - d->a * d->a));
    double phi = 2 * PI * cim_rng_uniform(r);
    p[0] = rr * cos(phi);
    p[1] = rr * sin(phi);
    p[2] = 0;
}

typedef void (*DrawFn)(CimRng *r, Dims *d);
typedef void (*PointFn)(CimRng *r, const Dims *d, double *p);

/* Class index = row. */
static const struct {
    const char *name;
    DrawFn draw;
    PointFn point;
} SHAPES[CIM_SYNTH_CLASSES] = {
    /* name                   proportions      surface point  */
    {"synthetic_sphere",    draw_none,      pt_sphere},
    {"synthetic_cube",      draw_box,       pt_box},
    {"synthetic_cylinder",  draw_cylinder,  pt_cylinder},
    {"synthetic_cone",      draw_cone,      pt_cone},
    {"synthetic_torus",     draw_torus,     pt_torus},
    {"synthetic_pyramid",   draw_pyramid,   pt_pyramid},
    {"synthetic_ellipsoid", draw_ellipsoid, pt_ellipsoid},
    {"synthetic_plane",     draw_plane,     pt_plane},
    {"synthetic_capsule",   draw_capsule,   pt_capsule},
    {"synthetic_ring",      draw_ring,      pt_ring},
};

const char *cim_synth_class_name(size_t c) { return c < CIM_SYNTH_CLASSES ? SHAPES[c].name : NULL; }

/* A rotation matrix uniform over SO(3): the unit quaternion of four Gaussians. */
static void random_rotation(CimRng *r, double m[3][3])
{
    double q[4], n2;
    do {
        n2 = 0;
        for (int i = 0; i < 4; i++) {
            q[i] = cim_rng_normal(r);
            n2 += q[i] * q[i];
        }
    } while (n2 < 1e-20);
    double n = sqrt(n2), w = q[0] / n, x = q[1] / n, y = q[2] / n, z = q[3] / n;
    double rot[3][3] = {{1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)},
                        {2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)},
                        {2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)}};
    memcpy(m, rot, sizeof rot);
}

/* One cloud of class c: proportions, stretch, scale, rotation, then per point the surface
 * point, transformed, plus noise; finally normalised. */
static void make_cloud(CimRng *r, size_t c, size_t points, double *xyz)
{
    Dims d = {1, 1, 1};
    double stretch[3], rot[3][3];
    SHAPES[c].draw(r, &d);
    for (int k = 0; k < 3; k++)
        stretch[k] = unif(r, STRETCH_LO, STRETCH_HI);
    double scale = unif(r, SCALE_LO, SCALE_HI);
    random_rotation(r, rot);
    for (size_t j = 0; j < points; j++) {
        double p[3], *o = xyz + 3 * j;
        SHAPES[c].point(r, &d, p);
        for (int k = 0; k < 3; k++)
            p[k] *= stretch[k] * scale;
        for (int k = 0; k < 3; k++)
            o[k] = rot[k][0] * p[0] + rot[k][1] * p[1] + rot[k][2] * p[2] +
                   NOISE_SIGMA * cim_rng_normal(r);
    }
}

CimStatus cim_cloud_synth(const char *split, size_t per_class, size_t points, uint64_t seed,
                          const CimAlloc *alloc, CimCloudSet *out, CimDiag *diag)
{
    memset(out, 0, sizeof *out);
    int train = strcmp(split, "train") == 0;
    if (!train && strcmp(split, "test") != 0) {
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                     "unknown split '%s' for the synthetic set; expected one of: train, test",
                     split);
        return CIM_ERR_RANGE;
    }
    if (per_class == 0 || per_class > UINT32_MAX || points < 2) {
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                     "the synthetic set needs 1 to %u clouds per class and at least 2 points "
                     "per cloud, got %zu and %zu",
                     (unsigned)UINT32_MAX, per_class, points);
        return CIM_ERR_RANGE;
    }
    const char *names[CIM_SYNTH_CLASSES];
    for (size_t c = 0; c < CIM_SYNTH_CLASSES; c++)
        names[c] = SHAPES[c].name;
    CimStatus s = cim_cloud_init(out, CIM_SYNTH_CLASSES * per_class, points, CIM_SYNTH_CLASSES,
                                 names, alloc);
    if (s != CIM_OK)
        return s;
    double *buf = cim_alloc_array(alloc, points * 3, sizeof(double));
    if (!buf) {
        cim_cloud_free(out);
        return CIM_ERR_NOMEM;
    }
    out->synthetic = 1;
    uint64_t tag = train ? CLOUD_TAG_SYNTH_TRAIN : CLOUD_TAG_SYNTH_TEST;
    for (size_t c = 0; c < CIM_SYNTH_CLASSES && s == CIM_OK; c++) {
        for (size_t j = 0; j < per_class && s == CIM_OK; j++) {
            CimRng r;
            cim_rng_seed(&r, cloud_subseed(seed, tag, (uint64_t)c << 32 | j));
            make_cloud(&r, c, points, buf);
            /* Noise makes coincident points impossible in practice; still, no NaN out. */
            s = cim_cloud_normalise(buf, points);
            if (s == CIM_OK)
                cloud_store(out, c * per_class + j, buf);
            out->labels[c * per_class + j] = (int32_t)c;
        }
    }
    cim_free(alloc, buf);
    if (s != CIM_OK) {
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0,
                     "synthetic cloud could not be normalised (all points coincide)");
        cim_cloud_free(out);
    }
    return s;
}
