/* Unit tests of the OFF reader and the mesh sampler (workloads/io/cloud_off.c): both header
 * styles, comments, every malformed-file message, sampling statistics against the
 * reference's formula, determinism, fault injection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "tests/support/test_alloc.h"
#include "tests/workloads/io/cloud_rig.h"

/* A tetrahedron: 4 vertices, 2 of its faces. */
#define TET_BODY "0 0 0\n1 0 0\n0 1 0\n0 0 1\n3 0 1 2\n3 0 1 3\n"

static CimStatus parse(const char *text, CimMesh *m, CimDiag *d)
{
    return cim_mesh_parse_off(text, strlen(text), "m.off", NULL, m, d);
}

static void expect_tet(const char *text)
{
    CimDiag d;
    cim_diag_init(&d);
    CimMesh m;
    CimStatus s = parse(text, &m, &d);
    cim_diag_print(&d, stderr);
    assert_int_equal(s, CIM_OK);
    assert_int_equal(d.n, 0);
    assert_int_equal(m.n_verts, 4);
    assert_int_equal(m.n_faces, 2);
    assert_true(m.verts[3] == 1.0 && m.verts[7] == 1.0 && m.verts[11] == 1.0);
    const uint32_t want[6] = {0, 1, 2, 0, 1, 3};
    assert_memory_equal(m.faces, want, sizeof want);
    cim_mesh_free(&m);
    cim_diag_free(&d);
}

/* Parsing text fails with CIM_ERR_FORMAT and first diagnostic `line` (then `second`). */
static void expect_bad2(const char *text, const char *line, const char *second)
{
    CimDiag d;
    cim_diag_init(&d);
    CimMesh m;
    CimStatus s = parse(text, &m, &d);
    assert_int_equal(s, CIM_ERR_FORMAT);
    assert_null(m.verts);
    assert_null(m.faces);
    rig_expect_line(&d, 0, line);
    if (second)
        rig_expect_line(&d, 1, second);
    cim_diag_free(&d);
}

static void expect_bad(const char *text, const char *line) { expect_bad2(text, line, NULL); }

/* ---- parsing ------------------------------------------------------------------------------ */

static void test_off_counts_on_their_own_line(void **state)
{
    (void)state;
    expect_tet("OFF\n4 2 0\n" TET_BODY);
}

static void test_off_counts_on_the_off_line(void **state)
{
    (void)state;
    expect_tet("OFF4 2 0\n" TET_BODY); /* as real ModelNet files have */
    expect_tet("OFF 4 2 0\n" TET_BODY);
}

static void test_off_comments_blank_lines_and_crlf(void **state)
{
    (void)state;
    expect_tet("# made by hand\n\nOFF\r\n\r\n# counts next\n4 2 0 # edges unused\n"
               "0 0 0\r\n1 0 0 # a comment after a vertex\n\n0 1 0\n0 0 1\n"
               "3 0 1 2\n   \t\n3 0 1 3\n# trailing comment\n\n");
    expect_tet("OFF\n4 2 0\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n3 0 1 2\n3 0 1 3"); /* no last \n */
}

static void test_off_polygon_keeps_first_three_indices(void **state)
{
    (void)state;
    CimDiag d;
    cim_diag_init(&d);
    CimMesh m;
    assert_int_equal(parse("OFF\n5 1 0\n0 0 0\n1 0 0\n1 1 0\n0 1 0\n0 0 7e-1\n5 3 2 1 0 4\n",
                           &m, &d),
                     CIM_OK);
    const uint32_t want[3] = {3, 2, 1};
    assert_memory_equal(m.faces, want, sizeof want);
    assert_true(m.verts[14] == 0.7);
    cim_mesh_free(&m);
    cim_diag_free(&d);
}

static void test_off_header_errors(void **state)
{
    (void)state;
    expect_bad("", "m.off:1: error: empty file: expected 'OFF' and the counts");
    expect_bad("# only a comment\n\n", "m.off:1: error: empty file: expected 'OFF' and the counts");
    expect_bad("ply\nformat ascii 1.0\n",
               "m.off:1:1: error: not an OFF file: expected 'OFF', got 'ply'");
    expect_bad("COFF\n4 2 0\n", "m.off:1:1: error: unsupported OFF variant 'COFF'; only plain "
                                "OFF (positions and faces) is read");
    expect_bad("OFF\n", "m.off:1: error: file ends after 'OFF'; expected the counts: vertices "
                        "faces edges");
    expect_bad("OFF\n4 2\n" TET_BODY,
               "m.off:2: error: expected 3 counts (vertices faces edges), got 2");
    expect_bad("OFF\n4 x 0\n" TET_BODY,
               "m.off:2:3: error: the face count must be a whole number, got 'x'");
    expect_bad("OFF4.0 2 0\n" TET_BODY,
               "m.off:1:4: error: the vertex count must be a whole number, got '4.0'");
    expect_bad("OFF\n-4 2 0\n" TET_BODY, "m.off:2:1: error: the vertex count is negative (-4)");
    expect_bad("OFF\n4 2 99999999999\n" TET_BODY,
               "m.off:2:5: error: the edge count 99999999999 is above the limit of 1000000000");
    expect_bad("OFF\n4 2 0 1\n" TET_BODY,
               "m.off:2:7: error: unexpected '1' after the counts (vertices faces edges)");
}

static void test_off_empty_mesh_is_refused(void **state)
{
    (void)state;
    expect_bad2("OFF\n0 0 0\n", "m.off:2: error: the mesh has no vertices",
                "m.off:2: error: the mesh has no faces, so there is no surface to sample");
    expect_bad("OFF\n3 0 0\n0 0 0\n1 0 0\n0 1 0\n",
               "m.off:2: error: the mesh has no faces, so there is no surface to sample");
}

static void test_off_counts_no_file_could_hold(void **state)
{
    (void)state;
    expect_bad("OFF\n1000 2000 0\n0 0 0\n",
               "m.off:2: error: the counts promise 1000 vertices and 2000 faces, more than the "
               "6 bytes after them can hold (truncated file?)");
    expect_bad("OFF\n4 2 0\n0 0 0\n3 0 1 2\n",
               "m.off:2: error: the counts promise 4 vertices and 2 faces, more than the 14 "
               "bytes after them can hold (truncated file?)");
}

static void test_off_truncated_or_longer_than_its_counts(void **state)
{
    (void)state;
    expect_bad("OFF\n4 2 0\n0 0 0\n1 0 0\n 0 1 0\n0 0 1\n3 0 1 2\n3 0 1 3\n3 0 2 3\n"
               "3 1 2 3\n3 0 1 2\n3 0 1 2\n3 0 1 2\n3 0 1 2\n",
               "m.off:9:1: error: more data ('3') after the last of the header's 2 faces: the "
               "counts do not match the file");
    /* Cut inside the vertices, then inside the faces (enough bytes left for the counts). */
    expect_bad("OFF\n4 1 0\n0 0 0\n1 0 0\n   0.25 1 0      \n",
               "m.off:5: error: file ends after 3 of 4 vertices (truncated)");
    expect_bad("OFF\n4 3 0\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n3 0 1 2\n3 0 1 3\n# no more\n",
               "m.off:9: error: file ends after 2 of 3 faces (truncated)");
}

static void test_off_vertex_errors(void **state)
{
    (void)state;
    expect_bad("OFF\n4 2 0\n0 0 0\n0 abc 0\n0 1 0\n0 0 1\n3 0 1 2\n3 0 1 3\n",
               "m.off:4:3: error: vertex 1: expected a number for y, got 'abc'");
    expect_bad("OFF\n4 2 0\n0 0 0\n1 0 0\n0 1 nan\n0 0 1\n3 0 1 2\n3 0 1 3\n",
               "m.off:5:5: error: vertex 2 has a non-finite coordinate 'nan'");
    expect_bad("OFF\n4 2 0\n0 0 0\n1 0 0\n0 1 0\n-inf 0 1\n3 0 1 2\n3 0 1 3\n",
               "m.off:6:1: error: vertex 3 has a non-finite coordinate '-inf'");
    expect_bad("OFF\n4 2 0\n0 0 0\n1 0\n0 1 0\n0 0 1\n3 0 1 2\n3 0 1 3\n",
               "m.off:4: error: vertex 1 has 2 coordinates; expected 3 (x y z)");
    expect_bad("OFF\n4 2 0\n0 0 0\n1 0 0 255 0 0\n0 1 0\n0 0 1\n3 0 1 2\n3 0 1 3\n",
               "m.off:4:7: error: vertex 1 has more than 3 values ('255' after z); colours and "
               "normals are not supported");
}

static void test_off_every_bad_line_is_reported(void **state)
{
    (void)state;
    CimDiag d;
    cim_diag_init(&d);
    CimMesh m;
    assert_int_equal(parse("OFF\n4 2 0\n0 0 x\n1 0 0\n0 nan 0\n0 0 1\n3 0 1 2\n3 0 1 7\n", &m,
                           &d),
                     CIM_ERR_FORMAT);
    assert_int_equal(d.errors, 3);
    rig_expect_line(&d, 0, "m.off:3:5: error: vertex 0: expected a number for z, got 'x'");
    rig_expect_line(&d, 1, "m.off:5:3: error: vertex 2 has a non-finite coordinate 'nan'");
    rig_expect_line(&d, 2, "m.off:8:7: error: face 1 refers to vertex 7, past the last of the "
                           "4 vertices (0..3)");
    cim_diag_free(&d);
}

static void test_off_face_errors(void **state)
{
    (void)state;
#define V4 "OFF\n4 2 0\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n3 0 1 2\n"
    expect_bad(V4 "3 0 1 4\n", "m.off:8:7: error: face 1 refers to vertex 4, past the last of "
                               "the 4 vertices (0..3)");
    expect_bad(V4 "3 0 -1 2\n", "m.off:8:5: error: face 1 has a negative vertex index -1");
    expect_bad(V4 "3 0 1.5 2\n",
               "m.off:8:5: error: face 1: a vertex index must be a whole number, got '1.5'");
    expect_bad(V4 "2 0 1\n", "m.off:8:1: error: face 1 has 2 vertices; a face needs at least 3");
    expect_bad(V4 "x 0 1 2\n",
               "m.off:8:1: error: face 1: the vertex count must be a whole number, got 'x'");
    expect_bad(V4 "4 0 1 2\n", "m.off:8: error: face 1 lists 3 of its 4 vertex indices");
    expect_bad(V4 "3 0 1 2 255 0 0\n", "m.off:8:9: error: face 1 has more values than its 3 "
                                       "vertex indices ('255'); colours are not supported");
#undef V4
}

static void test_off_counts_that_do_not_match_get_a_note(void **state)
{
    (void)state;
    /* Header says 3 vertices, the file has 4: the fourth is read as a face. */
    expect_bad2("OFF\n3 2 0\n0 0 0\n1 0 0\n0 1 0\n0.5 0.5 1\n3 0 1 2\n3 0 1 2\n",
                "m.off:6:1: error: face 0: the vertex count must be a whole number, got '0.5'",
                "m.off:6: note: this line looks like a vertex: is the header's vertex count (3) "
                "too small?");
    /* Header says 5 vertices, the file has 4: the first face is read as a vertex. */
    expect_bad2("OFF\n5 2 0\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n3 0 1 2\n3 0 1 3\n",
                "m.off:7:7: error: vertex 4 has more than 3 values ('2' after z); colours and "
                "normals are not supported",
                "m.off:7: note: this line looks like a face: is the header's vertex count (5) too "
                "large?");
}

static void test_off_load_reads_a_file_and_names_it(void **state)
{
    CloudRig *r = *state;
    char p[512], line[700];
    rig_write_text(rig_path(r, "tet.off", p), "OFF\n4 2 0\n" TET_BODY);
    CimMesh m;
    assert_int_equal(cim_mesh_load_off(p, NULL, &m, &r->diag), CIM_OK);
    assert_int_equal(m.n_faces, 2);
    cim_mesh_free(&m);

    /* A truncated copy: the cube's 8 vertices and 3 of its 12 faces. */
    rig_write_text(p, "OFF\n8 12 0\n-1 -1 -1\n-1 -1 1\n-1 1 -1\n-1 1 1\n1 -1 -1\n1 -1 1\n"
                      "1 1 -1\n1 1 1\n3 0 1 3\n3 0 3 2\n3 4 6 7\n");
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(cim_mesh_load_off(p, NULL, &m, &d), CIM_ERR_FORMAT);
    snprintf(line, sizeof line, "%s:13: error: file ends after 3 of 12 faces (truncated)", p);
    rig_expect_line(&d, 0, line);
    cim_diag_free(&d);

    cim_diag_init(&d);
    assert_int_equal(cim_mesh_load_off(rig_path(r, "none.off", p), NULL, &m, &d), CIM_ERR_IO);
    snprintf(line, sizeof line, "%s: error: cannot open: No such file or directory", p);
    rig_expect_line(&d, 0, line);
    cim_diag_free(&d);
}

/* ---- sampling ----------------------------------------------------------------------------- */

/* The 12 triangles of the cube [-h, h]^3. */
static void make_cube(CimMesh *m, double h)
{
    static const uint32_t tri[36] = {0, 1, 3, 0, 3, 2, 4, 6, 7, 4, 7, 5, 0, 4, 5, 0, 5, 1,
                                     2, 3, 7, 2, 7, 6, 0, 2, 6, 0, 6, 4, 1, 5, 7, 1, 7, 3};
    memset(m, 0, sizeof *m);
    m->n_verts = 8;
    m->n_faces = 12;
    m->verts = malloc(24 * sizeof(double));
    m->faces = malloc(sizeof tri);
    assert_non_null(m->verts);
    assert_non_null(m->faces);
    for (int v = 0; v < 8; v++)
        for (int c = 0; c < 3; c++)
            m->verts[3 * v + c] = (v >> (2 - c) & 1) ? h : -h;
    memcpy(m->faces, tri, sizeof tri);
}

static void test_sample_points_lie_on_the_cube(void **state)
{
    CloudRig *r = *state;
    enum { P = 6000 };
    CimMesh m;
    make_cube(&m, 0.5);
    double *xyz = malloc(P * 3 * sizeof(double));
    assert_non_null(xyz);
    CimRng rng;
    cim_rng_seed(&rng, 7);
    assert_int_equal(cim_mesh_sample(&m, P, &rng, NULL, xyz, "cube", &r->diag), CIM_OK);
    size_t per_face[6] = {0};
    for (size_t j = 0; j < P; j++) {
        const double *p = xyz + 3 * j;
        int on = -1;
        for (int c = 0; c < 3; c++) {
            assert_true(fabs(p[c]) <= 0.5 + 1e-12);
            if (fabs(fabs(p[c]) - 0.5) < 1e-12)
                on = 2 * c + (p[c] > 0);
        }
        assert_true(on >= 0); /* one coordinate at +-half: the point is on the surface */
        per_face[on]++;
    }
    /* Each face 1/6 of the area: within 5 sigma of the binomial mean. */
    double mean = P / 6.0, sd = sqrt(P * (1 / 6.0) * (5 / 6.0));
    for (int f = 0; f < 6; f++)
        assert_true(fabs((double)per_face[f] - mean) < 5 * sd);
    /* Normalised: mean 0, largest norm 1. */
    assert_int_equal(cim_cloud_normalise(xyz, P), CIM_OK);
    double sum[3] = {0, 0, 0}, max = 0;
    for (size_t j = 0; j < P; j++) {
        double n2 = 0;
        for (int c = 0; c < 3; c++) {
            sum[c] += xyz[3 * j + c];
            n2 += xyz[3 * j + c] * xyz[3 * j + c];
        }
        max = n2 > max ? n2 : max;
    }
    for (int c = 0; c < 3; c++)
        assert_true(fabs(sum[c] / P) < 1e-12);
    assert_true(fabs(sqrt(max) - 1) < 1e-12);
    free(xyz);
    free(m.verts);
    free(m.faces);
}

static void test_sample_splits_faces_by_area(void **state)
{
    CloudRig *r = *state;
    enum { P = 20000 };
    /* Triangle A of area 1 near the origin, triangle B of area 9 far along x. */
    CimMesh m;
    CimDiag d;
    cim_diag_init(&d);
    const char *text = "OFF\n6 2 0\n0 0 0\n2 0 0\n0 1 0\n10 0 0\n16 0 0\n10 3 0\n"
                       "3 0 1 2\n3 3 4 5\n";
    assert_int_equal(parse(text, &m, &d), CIM_OK);
    double *xyz = malloc(P * 3 * sizeof(double));
    assert_non_null(xyz);
    CimRng rng;
    cim_rng_seed(&rng, 12345);
    assert_int_equal(cim_mesh_sample(&m, P, &rng, NULL, xyz, "two", &r->diag), CIM_OK);
    size_t small = 0;
    for (size_t j = 0; j < P; j++) {
        const double *p = xyz + 3 * j;
        assert_true(p[2] == 0);
        if (p[0] < 5) {
            small++;
            assert_true(p[0] >= 0 && p[1] >= 0 && p[0] / 2 + p[1] <= 1 + 1e-12);
        } else {
            assert_true(p[0] >= 10 && p[1] >= 0 && (p[0] - 10) / 6 + p[1] / 3 <= 1 + 1e-12);
        }
    }
    double mean = P * 0.1, sd = sqrt(P * 0.1 * 0.9);
    assert_true(fabs((double)small - mean) < 5 * sd);
    free(xyz);
    cim_mesh_free(&m);
    cim_diag_free(&d);
}

/* One point from a one-triangle mesh equals the reference's formula on the same draws:
 * the face draw, then s and t, sorted. */
static void test_sample_uses_the_reference_formula(void **state)
{
    CloudRig *r = *state;
    CimMesh m;
    CimDiag d;
    cim_diag_init(&d);
    assert_int_equal(parse("OFF\n3 1 0\n1 2 3\n-4 5 6\n7 -8 9\n3 0 1 2\n", &m, &d), CIM_OK);
    for (uint64_t seed = 1; seed < 50; seed++) {
        CimRng a, b;
        double got[3];
        cim_rng_seed(&a, seed);
        cim_rng_seed(&b, seed);
        assert_int_equal(cim_mesh_sample(&m, 1, &a, NULL, got, "t", &r->diag), CIM_OK);
        (void)cim_rng_uniform(&b); /* the face */
        double s = cim_rng_uniform(&b), t = cim_rng_uniform(&b);
        if (s > t) {
            double x = s;
            s = t;
            t = x;
        }
        for (int c = 0; c < 3; c++) {
            double want = s * m.verts[c] + (t - s) * m.verts[3 + c] + (1 - t) * m.verts[6 + c];
            assert_true(got[c] == want);
        }
    }
    cim_mesh_free(&m);
    cim_diag_free(&d);
}

static void test_sample_is_deterministic(void **state)
{
    CloudRig *r = *state;
    CimMesh m;
    make_cube(&m, 1);
    double a[300], b[300], c[300];
    CimRng ra, rb, rc;
    cim_rng_seed(&ra, 3);
    cim_rng_seed(&rb, 3);
    cim_rng_seed(&rc, 4);
    assert_int_equal(cim_mesh_sample(&m, 100, &ra, NULL, a, "c", &r->diag), CIM_OK);
    assert_int_equal(cim_mesh_sample(&m, 100, &rb, NULL, b, "c", &r->diag), CIM_OK);
    assert_int_equal(cim_mesh_sample(&m, 100, &rc, NULL, c, "c", &r->diag), CIM_OK);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_not_equal(a, c, sizeof a);
    free(m.verts);
    free(m.faces);
}

static void test_sample_refuses_a_mesh_without_area(void **state)
{
    (void)state;
    CimMesh m;
    CimDiag d;
    cim_diag_init(&d);
    /* Collinear vertices and a repeated vertex: both faces have area 0. */
    assert_int_equal(parse("OFF\n3 2 0\n0 0 0\n1 1 1\n2 2 2\n3 0 1 2\n3 0 0 1\n", &m, &d), CIM_OK);
    double xyz[30];
    CimRng rng;
    cim_rng_seed(&rng, 1);
    assert_int_equal(cim_mesh_sample(&m, 10, &rng, NULL, xyz, "flat.off", &d), CIM_ERR_FORMAT);
    rig_expect_line(&d, 0, "flat.off: error: the surface area is 0 (every face is degenerate), "
                           "so there is nothing to sample");
    assert_int_equal(cim_mesh_sample(&m, 0, &rng, NULL, xyz, "flat.off", &d), CIM_ERR_RANGE);
    cim_mesh_free(&m);
    cim_diag_free(&d);
}

static void test_normalise_refuses_coincident_points(void **state)
{
    (void)state;
    double one[3] = {1, 2, 3}, same[6] = {1, 2, 3, 1, 2, 3}, nan[6] = {0, 0, 0, 1, NAN, 0};
    assert_int_equal(cim_cloud_normalise(one, 1), CIM_ERR_RANGE);
    assert_int_equal(cim_cloud_normalise(same, 2), CIM_ERR_RANGE);
    assert_true(same[0] == 1); /* untouched */
    assert_int_equal(cim_cloud_normalise(nan, 2), CIM_ERR_RANGE);
    double two[6] = {1, 1, 1, 3, 1, 1};
    assert_int_equal(cim_cloud_normalise(two, 2), CIM_OK);
    assert_true(two[0] == -1 && two[3] == 1 && two[1] == 0 && two[5] == 0);
}

/* ---- fuzzing ------------------------------------------------------------------------------ */

/* One random edit of t (len bytes, room for cap): flip, delete, insert or duplicate. */
static size_t mutate(char *t, size_t len, size_t cap, CimRng *r)
{
    static const char alphabet[] = "0123456789 .-+eE#\n\r\tOFFnaix";
    size_t at = len ? (size_t)(cim_rng_u64(r) % len) : 0;
    switch (cim_rng_u64(r) % 4) {
    case 0:
        if (len)
            t[at] = alphabet[cim_rng_u64(r) % (sizeof alphabet - 1)];
        return len;
    case 1: {
        size_t n = 1 + (size_t)(cim_rng_u64(r) % 8);
        n = at + n > len ? len - at : n;
        memmove(t + at, t + at + n, len - at - n);
        return len - n;
    }
    case 2:
        if (len + 1 > cap)
            return len;
        memmove(t + at + 1, t + at, len - at);
        t[at] = alphabet[cim_rng_u64(r) % (sizeof alphabet - 1)];
        return len + 1;
    default: {
        size_t n = 1 + (size_t)(cim_rng_u64(r) % 30), to = (size_t)(cim_rng_u64(r) % (len + 1));
        if (at + n > len || len + n > cap)
            return len;
        memmove(t + to + n, t + to, len - to);
        memmove(t + to, t + (at >= to ? at + n : at), n);
        return len + n;
    }
    }
}

/* Mutated meshes, parsed from a buffer with no terminating NUL (so ASan sees any read past
 * the end): each is either a valid mesh with no diagnostics or refused with some. */
static void test_off_mutated_files_never_crash(void **state)
{
    (void)state;
    static const char base[] = "# cube\nOFF8 12 0\n-1 -1 -1\n-1 -1 1\n-1 1 -1\n-1 1 1\n"
                               "1 -1 -1\n1 -1 1\n1 1 -1\n1 1 1\n3 0 1 3\n3 0 3 2\n4 4 6 7 5\n"
                               "3 0 4 5\n3 0 5 1\n3 2 3 7\n3 2 7 6\n3 0 2 6\n3 0 6 4\n"
                               "3 1 5 7\n3 1 7 3\n3 4 7 5\n";
    CimRng r;
    cim_rng_seed(&r, 2024);
    size_t cap = sizeof base + 512, ok = 0, bad = 0;
    for (int iter = 0; iter < 4000; iter++) {
        char *t = malloc(cap);
        assert_non_null(t);
        memcpy(t, base, sizeof base - 1);
        size_t len = sizeof base - 1;
        for (int e = 0, edits = 1 + (int)(cim_rng_u64(&r) % 4); e < edits; e++)
            len = mutate(t, len, cap, &r);
        char *exact = malloc(len ? len : 1);
        assert_non_null(exact);
        memcpy(exact, t, len);
        free(t);
        CimDiag d;
        cim_diag_init(&d);
        CimMesh m;
        CimStatus s = cim_mesh_parse_off(exact, len, "fuzz.off", NULL, &m, &d);
        if (s == CIM_OK) {
            assert_int_equal(d.errors, 0);
            for (size_t i = 0; i < 3 * m.n_faces; i++)
                assert_true(m.faces[i] < m.n_verts);
            for (size_t i = 0; i < 3 * m.n_verts; i++)
                assert_true(isfinite(m.verts[i]));
            double xyz[3 * 16];
            CimRng sr;
            cim_rng_seed(&sr, (uint64_t)iter);
            CimStatus ss = cim_mesh_sample(&m, 16, &sr, NULL, xyz, "fuzz.off", &d);
            assert_true(ss == CIM_OK || ss == CIM_ERR_FORMAT);
            cim_mesh_free(&m);
            ok++;
        } else {
            assert_int_equal(s, CIM_ERR_FORMAT);
            assert_true(d.errors > 0);
            bad++;
        }
        cim_diag_free(&d);
        free(exact);
    }
    assert_true(ok > 0 && bad > 0);
    printf("fuzz: %zu mutated meshes read, %zu refused (seed 2024)\n", ok, bad);
}

/* ---- fault injection ---------------------------------------------------------------------- */

static CimStatus parse_and_sample(void *ctx, const CimAlloc *alloc)
{
    (void)ctx;
    CimDiag d;
    cim_diag_init(&d);
    const char *text = "OFF\n4 2 0\n" TET_BODY;
    CimMesh m;
    CimStatus s = cim_mesh_parse_off(text, strlen(text), "m.off", alloc, &m, &d);
    if (s == CIM_OK) {
        double xyz[30];
        CimRng rng;
        cim_rng_seed(&rng, 1);
        s = cim_mesh_sample(&m, 10, &rng, alloc, xyz, "m.off", &d);
        cim_mesh_free(&m);
    }
    cim_diag_free(&d);
    return s;
}

static CimStatus load_file(void *ctx, const CimAlloc *alloc)
{
    CimDiag d;
    cim_diag_init(&d);
    CimMesh m;
    CimStatus s = cim_mesh_load_off(ctx, alloc, &m, &d);
    cim_mesh_free(&m);
    cim_diag_free(&d);
    return s;
}

static void test_off_allocation_failures(void **state)
{
    CloudRig *r = *state;
    char p[512];
    assert_int_equal(test_alloc_sweep(parse_and_sample, NULL), 3);
    rig_write_text(rig_path(r, "t.off", p), "OFF\n4 2 0\n" TET_BODY);
    assert_int_equal(test_alloc_sweep(load_file, p), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_off_counts_on_their_own_line),
        cmocka_unit_test(test_off_counts_on_the_off_line),
        cmocka_unit_test(test_off_comments_blank_lines_and_crlf),
        cmocka_unit_test(test_off_polygon_keeps_first_three_indices),
        cmocka_unit_test(test_off_header_errors),
        cmocka_unit_test(test_off_empty_mesh_is_refused),
        cmocka_unit_test(test_off_counts_no_file_could_hold),
        cmocka_unit_test(test_off_truncated_or_longer_than_its_counts),
        cmocka_unit_test(test_off_vertex_errors),
        cmocka_unit_test(test_off_every_bad_line_is_reported),
        cmocka_unit_test(test_off_face_errors),
        cmocka_unit_test(test_off_counts_that_do_not_match_get_a_note),
        cmocka_unit_test_setup_teardown(test_off_load_reads_a_file_and_names_it, rig_setup,
                                        rig_teardown),
        cmocka_unit_test_setup_teardown(test_sample_points_lie_on_the_cube, rig_setup,
                                        rig_teardown),
        cmocka_unit_test_setup_teardown(test_sample_splits_faces_by_area, rig_setup,
                                        rig_teardown),
        cmocka_unit_test_setup_teardown(test_sample_uses_the_reference_formula, rig_setup,
                                        rig_teardown),
        cmocka_unit_test_setup_teardown(test_sample_is_deterministic, rig_setup, rig_teardown),
        cmocka_unit_test(test_sample_refuses_a_mesh_without_area),
        cmocka_unit_test(test_normalise_refuses_coincident_points),
        cmocka_unit_test(test_off_mutated_files_never_crash),
        cmocka_unit_test_setup_teardown(test_off_allocation_failures, rig_setup, rig_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
