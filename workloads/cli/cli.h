/* The dcim command line: one function per subcommand, shared option helpers. */
#ifndef CIM_CLI_H
#define CIM_CLI_H

#include "models/config/config.h"

#define DCIM_VERSION "0.1.0"

typedef struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
} CliCommand;

int cli_check(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_compare(int argc, char **argv);
int cli_train(int argc, char **argv);
int cli_margin(int argc, char **argv);
int cli_asm(int argc, char **argv);
int cli_disasm(int argc, char **argv);

/* Collects "--set KEY=VALUE" overrides; returns 1 if argv[*i] was one (advancing *i),
 * 0 if not, -1 on a usage error (message printed). */
int cli_take_override(int argc, char **argv, int *i, const char **items, size_t *n, size_t cap);
/* Parses an unsigned decimal option value; prints an error naming opt on failure. */
int cli_parse_u64(const char *opt, const char *s, uint64_t *out);
/* Loads a chip file with overrides, printing every diagnostic to stderr. */
int cli_load_chip(const char *path, const char **ov, size_t nov, CimChipCfg *cfg);
/* A progress bar on stderr when it is a terminal: "label [#####.....] 42%". */
void cli_progress(double frac, void *label);

#endif
