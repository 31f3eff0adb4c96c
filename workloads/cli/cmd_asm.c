/* dcim asm IN.s -o OUT.bin and dcim disasm IN.bin [-o OUT.s]: the controller program
 * assembler and disassembler (syntax: docs/isa.md, encoding: models/isa/isa.def). */
#include "models/isa/isa.h"
#include "workloads/cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char asm_usage[] =
    "usage: dcim asm IN.s -o OUT.bin\n"
    "Assembles a controller program (one instruction per line, `label:` lines, `#` comments;\n"
    "syntax in docs/isa.md) into a binary program file. Every error is printed as\n"
    "file:line:col: error: message; exit status 1 if there is any.\n"
    "  -o OUT.bin   output file (written to OUT.bin.tmp, then renamed)\n";

static const char disasm_usage[] =
    "usage: dcim disasm IN.bin [-o OUT.s]\n"
    "Writes a binary program file as assembly text that `dcim asm` turns back into the same\n"
    "words; branch targets get labels L<address>.\n"
    "  -o OUT.s     output file (default: standard output)\n";

/* Parses "IN [-o OUT]"; returns 0, 1 for --help (printed) or 2 for a usage error (printed). */
static int parse_args(int argc, char **argv, const char *usage, const char **in, const char **out)
{
    *in = *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 1;
        }
        if (strcmp(argv[i], "-o") == 0 && (i + 1 == argc || *out)) {
            fprintf(stderr, "dcim %s: error: -o %s\n%s", argv[0], *out ? "given twice" : "needs a file name",
                    usage);
            return 2;
        } else if (strcmp(argv[i], "-o") == 0) {
            *out = argv[++i];
        } else if (!*in && (argv[i][0] != '-' || !argv[i][1])) {
            *in = argv[i];
        } else {
            cli_usage_error(usage, argc, argv, i, "input file", *in);
            return 2;
        }
    }
    if (!*in) {
        cli_usage_error(usage, argc, argv, argc, "input file", NULL);
        return 2;
    }
    return 0;
}

/* The whole file as a NUL-terminated string; NULL after printing why. */
static char *read_text(const char *path)
{
    const char *why;
    FILE *f = cim_file_open_regular(path, NULL, &why);
    if (!f) {
        fprintf(stderr, "%s: error: cannot open: %s\n", path, why);
        return NULL;
    }
    size_t n = 0, cap = 4096;
    char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
        n += got;
        char *b = n + 1 == cap ? realloc(buf, cap *= 2) : buf;
        if (!b)
            free(buf);
        buf = b;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        fprintf(stderr, "%s: error: cannot read: %s\n", path, buf ? strerror(errno) : "out of memory");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (strlen(buf) != n) {
        fprintf(stderr, "%s: error: NUL byte at offset %zu; is this a binary file?\n", path, strlen(buf));
        free(buf);
        return NULL;
    }
    return buf;
}

int cli_asm(int argc, char **argv)
{
    const char *in, *out;
    int rc = parse_args(argc, argv, asm_usage, &in, &out);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (!out) {
        fprintf(stderr, "dcim asm: error: no output file (-o OUT.bin)\n%s", asm_usage);
        return 2;
    }
    char *text = read_text(in);
    if (!text)
        return 1;
    CimProgram p;
    CimDiag d;
    cim_program_init(&p);
    cim_diag_init(&d);
    CimStatus st = cim_isa_assemble(text, in, &p, NULL, &d);
    if (st == CIM_OK)
        st = cim_program_write(&p, out, &d);
    cim_diag_print(&d, stderr);
    if (st == CIM_OK)
        printf("dcim asm: %zu instruction%s -> %s\n", p.n, p.n == 1 ? "" : "s", out);
    cim_diag_free(&d);
    cim_program_free(&p, NULL);
    free(text);
    return st == CIM_OK ? 0 : 1;
}

/* Writes the listing to path.tmp and renames it over path when complete. */
static int write_listing(const CimProgram *p, const char *path)
{
    char *tmp = malloc(strlen(path) + 5);
    FILE *f = tmp ? (sprintf(tmp, "%s.tmp", path), fopen(tmp, "w")) : NULL;
    if (!f) {
        fprintf(stderr, "%s.tmp: error: cannot create: %s\n", path, tmp ? strerror(errno) : "out of memory");
        free(tmp);
        return 1;
    }
    CimStatus st = cim_isa_disasm_program(p, f);
    if (fclose(f) != 0 && st == CIM_OK)
        st = CIM_ERR_IO;
    if (st != CIM_OK || rename(tmp, path) != 0) {
        fprintf(stderr, "%s: error: cannot write: %s\n", st == CIM_OK ? path : tmp,
                st == CIM_ERR_IO || st == CIM_OK ? strerror(errno) : cim_status_str(st));
        remove(tmp);
        free(tmp);
        return 1;
    }
    free(tmp);
    return 0;
}

int cli_disasm(int argc, char **argv)
{
    const char *in, *out;
    int rc = parse_args(argc, argv, disasm_usage, &in, &out);
    if (rc)
        return rc == 1 ? 0 : 2;
    CimProgram p;
    CimDiag d;
    cim_program_init(&p);
    cim_diag_init(&d);
    CimStatus st = cim_program_read(in, &p, NULL, &d);
    cim_diag_print(&d, stderr);
    cim_diag_free(&d);
    if (st == CIM_OK && out)
        rc = write_listing(&p, out);
    else if (st == CIM_OK && cim_isa_disasm_program(&p, stdout) != CIM_OK) {
        fprintf(stderr, "dcim disasm: error: cannot write to standard output: %s\n", strerror(errno));
        rc = 1;
    }
    cim_program_free(&p, NULL);
    return st == CIM_OK ? rc : 1;
}
