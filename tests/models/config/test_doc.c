/* Unit tests of the read-only document API of models/config (CimDoc): node accessors,
 * checked readers and their messages, unknown and missing keys, and robustness (NULL
 * nodes, wrong kinds, repeated keys). Scratch files go to a temp dir. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/config/config.h"

static char g_dir[64], g_path[128];

static const char *write_text(const char *text)
{
    FILE *f = fopen(g_path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    fclose(f);
    return g_path;
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/cim_doc_XXXXXX");
    if (!mkdtemp(g_dir))
        return -1;
    snprintf(g_path, sizeof g_path, "%s/doc.yaml", g_dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(g_path);
    rmdir(g_dir);
    return 0;
}

/* The first entry of d, formatted without the file name. */
static const char *first(const CimDiag *d)
{
    assert_true(d->n > 0);
    return d->v[0].msg;
}

static CimDoc *load(const char *text, CimDiag *d)
{
    CimDoc *doc = NULL;
    assert_int_equal(cim_doc_load(write_text(text), "net", &doc, d), CIM_OK);
    assert_non_null(doc);
    return doc;
}

static void test_doc_accessors_walk_the_tree(void **state)
{
    (void)state;
    CimDiag d;
    cim_diag_init(&d);
    CimDoc *doc = load("net:\n  a: 1\n  list: [x, {k: v}]\n  s: \"q\"\n", &d);
    const CimDocNode *root = cim_doc_root(doc), *net = cim_doc_get(root, "net");
    assert_string_equal(cim_doc_file(doc), g_path);
    assert_int_equal(cim_doc_kind(root), CIM_DOC_MAP);
    assert_int_equal(cim_doc_len(net), 3);
    assert_string_equal(cim_doc_text(cim_doc_key(net, 1), NULL), "list");
    const CimDocNode *list = cim_doc_value(net, 1);
    assert_int_equal(cim_doc_kind(list), CIM_DOC_SEQ);
    assert_int_equal(cim_doc_len(list), 2);
    assert_string_equal(cim_doc_text(cim_doc_item(list, 0), NULL), "x");
    assert_int_equal(cim_doc_kind(cim_doc_item(list, 1)), CIM_DOC_MAP);
    assert_null(cim_doc_item(list, 2));
    assert_null(cim_doc_key(net, 3));
    assert_int_equal(cim_doc_line(list), 3);
    assert_int_equal(cim_doc_col(list), 9);
    size_t len = 0;
    assert_string_equal(cim_doc_text(cim_doc_get(net, "s"), &len), "q");
    assert_int_equal(len, 1);
    /* wrong kinds and NULL give NULL / 0 */
    assert_null(cim_doc_get(list, "a"));
    assert_null(cim_doc_text(list, NULL));
    assert_null(cim_doc_item(net, 0));
    assert_int_equal(cim_doc_len(NULL), 0);
    assert_int_equal(cim_doc_line(NULL), 0);
    char buf[64];
    assert_string_equal(cim_doc_describe(list, buf, sizeof buf), "a sequence");
    cim_doc_free(doc);
    assert_int_equal(d.errors, 0);
    cim_diag_free(&d);
}

static void test_doc_readers_report_like_config(void **state)
{
    (void)state;
    CimDiag d;
    cim_diag_init(&d);
    CimDoc *doc = load("net: {u: 70000, f: -0.5, b: maybe, e: sgd, s: '', q: \"4\", ok: 12, x: 1.5, y: true}\n", &d);
    const CimDocNode *m = cim_doc_get(cim_doc_root(doc), "net");
    unsigned u = 99;
    double x = 0;
    int b = 7, e = 7;
    char s[8];
    assert_int_equal(cim_doc_uint(doc, cim_doc_get(m, "u"), "net.u", 1, 65536, &u, &d), CIM_ERR_CONFIG);
    assert_string_equal(first(&d), "net.u must be in [1, 65536], got 70000");
    assert_int_equal(d.v[0].line, 1);
    assert_int_equal(d.v[0].col, 10);
    assert_int_equal(u, 99); /* untouched */
    assert_int_equal(cim_doc_double(doc, cim_doc_get(m, "f"), "net.f", CIM_DOC_POSITIVE, 0, 0, &x, &d), CIM_ERR_CONFIG);
    assert_string_equal(d.v[1].msg, "net.f must be > 0, got -0.5");
    assert_int_equal(cim_doc_double(doc, cim_doc_get(m, "f"), "net.f", CIM_DOC_CLOSED, -1, 0, &x, &d), CIM_OK);
    assert_true(x == -0.5);
    assert_int_equal(cim_doc_double(doc, cim_doc_get(m, "f"), "net.f", CIM_DOC_ANY, 0, 0, &x, &d), CIM_OK);
    assert_int_equal(cim_doc_bool(doc, cim_doc_get(m, "b"), "net.b", &b, &d), CIM_ERR_CONFIG);
    assert_string_equal(d.v[2].msg, "net.b must be true or false, got 'maybe'");
    assert_int_equal(cim_doc_bool(doc, cim_doc_get(m, "y"), "net.y", &b, &d), CIM_OK);
    assert_int_equal(b, 1);
    assert_int_equal(cim_doc_enum(doc, cim_doc_get(m, "e"), "net.e", "adam,sgd", &e, &d), CIM_OK);
    assert_int_equal(e, 1);
    assert_int_equal(cim_doc_enum(doc, cim_doc_get(m, "u"), "net.u", "adam,sgd", &e, &d), CIM_ERR_CONFIG);
    assert_string_equal(d.v[3].msg, "unknown value '70000' for net.u; expected one of: adam, sgd");
    assert_int_equal(cim_doc_string(doc, cim_doc_get(m, "s"), "net.s", s, sizeof s, &d), CIM_ERR_CONFIG);
    assert_string_equal(d.v[4].msg, "net.s must be a non-empty string");
    assert_int_equal(cim_doc_string(doc, cim_doc_get(m, "e"), "net.e", s, sizeof s, &d), CIM_OK);
    assert_string_equal(s, "sgd");
    assert_int_equal(cim_doc_string(doc, cim_doc_get(m, "x"), "net.x", s, 3, &d), CIM_ERR_CONFIG);
    assert_string_equal(d.v[5].msg, "net.x must be at most 2 characters, got 3");
    assert_int_equal(cim_doc_uint(doc, cim_doc_get(m, "q"), "net.q", 0, 9, &u, &d), CIM_ERR_CONFIG);
    assert_true(strstr(d.v[6].msg, "got the quoted string '4'") != NULL);
    assert_int_equal(cim_doc_uint(doc, cim_doc_get(m, "ok"), "net.ok", 0, 12, &u, &d), CIM_OK);
    assert_int_equal(u, 12);
    assert_int_equal(cim_doc_uint(doc, NULL, "net.none", 0, 12, &u, &d), CIM_ERR_CONFIG);
    assert_string_equal(d.v[7].msg, "net.none is missing");
    assert_int_equal(cim_doc_uint(doc, m, "net", 0, 12, &u, &d), CIM_ERR_CONFIG);
    assert_string_equal(d.v[8].msg, "net must be an integer, got a mapping");
    assert_int_equal(d.errors, 9);
    cim_doc_free(doc);
    cim_diag_free(&d);
}

static void test_doc_unknown_and_missing_keys(void **state)
{
    (void)state;
    CimDiag d;
    cim_diag_init(&d);
    CimDoc *doc = load("net:\n  - {type: maxpool, kernal: 2}\n  - 5\nother: 1\n", &d);
    const CimDocNode *root = cim_doc_root(doc), *seq = cim_doc_get(root, "net");
    const CimDocNode *l0 = cim_doc_item(seq, 0);
    assert_int_equal(cim_doc_check_keys(doc, l0, "net[0]", "maxpool", "type,kernel", &d), 1);
    assert_string_equal(d.v[0].msg, "unknown key 'kernal' in 'net[0]' (maxpool); expected one of: type, kernel; did you mean 'kernel'?");
    assert_int_equal(d.v[0].col, 21);
    assert_null(cim_doc_need(doc, l0, "kernel", "net[0]", "maxpool", &d));
    assert_string_equal(d.v[1].msg, "missing key 'kernel' in 'net[0]' (maxpool)");
    assert_non_null(cim_doc_need(doc, l0, "type", "net[0]", NULL, &d));
    assert_int_equal(cim_doc_check_keys(doc, cim_doc_item(seq, 1), "net[1]", NULL, "type", &d), 1);
    assert_string_equal(d.v[2].msg, "net[1] must be a mapping of keys, got '5'");
    assert_null(cim_doc_need(doc, cim_doc_item(seq, 1), "type", "net[1]", NULL, &d)); /* not a map: silent */
    assert_int_equal(cim_doc_check_keys(doc, root, "", NULL, "net", &d), 1);
    assert_string_equal(d.v[3].msg, "unknown key 'other' at top level; expected one of: net");
    assert_null(cim_doc_need(doc, root, "zzz", "", NULL, &d));
    assert_string_equal(d.v[4].msg, "missing key 'zzz' at top level");
    assert_int_equal(cim_doc_check_keys(doc, NULL, "x", NULL, "a", &d), 0);
    cim_doc_error(doc, l0, &d, "custom %d", 3);
    cim_doc_note(doc, l0, &d, "see here");
    assert_string_equal(d.v[5].msg, "custom 3");
    assert_int_equal(d.v[6].sev, CIM_SEV_NOTE);
    assert_int_equal(d.v[6].line, 2);
    cim_doc_free(doc);
    cim_diag_free(&d);
}

static void test_doc_load_problems(void **state)
{
    (void)state;
    CimDiag d;
    CimDoc *doc = (CimDoc *)1;
    cim_diag_init(&d);
    assert_int_equal(cim_doc_load("/nonexistent/x.yaml", NULL, &doc, &d), CIM_ERR_IO);
    assert_null(doc);
    assert_true(strstr(first(&d), "cannot read file") != NULL);
    cim_diag_free(&d);
    cim_diag_init(&d);
    assert_int_equal(cim_doc_load(write_text("# empty\n"), "net", &doc, &d), CIM_ERR_CONFIG);
    assert_null(doc);
    assert_string_equal(first(&d), "file is empty; expected a mapping with a 'net' key");
    cim_diag_free(&d);
    cim_diag_init(&d);
    assert_int_equal(cim_doc_load(write_text("a: {b: 1\n"), NULL, &doc, &d), CIM_ERR_CONFIG);
    assert_null(doc);
    cim_diag_free(&d);
    /* repeated keys: reported, the tree is still there; the key counts once */
    cim_diag_init(&d);
    assert_int_equal(cim_doc_load(write_text("a: 1\nb: 2\na: 3\n"), NULL, &doc, &d), CIM_ERR_CONFIG);
    assert_non_null(doc);
    assert_string_equal(first(&d), "duplicate key 'a' at top level");
    assert_int_equal(cim_doc_len(cim_doc_root(doc)), 2);
    assert_string_equal(cim_doc_text(cim_doc_get(cim_doc_root(doc), "a"), NULL), "1");
    assert_int_equal(cim_doc_check_keys(doc, cim_doc_root(doc), "", NULL, "a,b", &d), 0);
    cim_doc_free(doc);
    cim_doc_free(NULL);
    cim_diag_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doc_accessors_walk_the_tree),
        cmocka_unit_test(test_doc_readers_report_like_config),
        cmocka_unit_test(test_doc_unknown_and_missing_keys),
        cmocka_unit_test(test_doc_load_problems),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
