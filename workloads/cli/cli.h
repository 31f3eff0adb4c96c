/* The dcim command line: one function per subcommand, shared option helpers. */
#ifndef CIM_CLI_H
#define CIM_CLI_H

#include <signal.h>

#include "models/config/config.h"
#include "workloads/prov/prov.h"

#define DCIM_VERSION CIM_PROV_VERSION

typedef struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
} CliCommand;

int cli_check(int argc, char **argv);
int cli_config_doc(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_compare(int argc, char **argv);
int cli_sweep(int argc, char **argv);
int cli_train(int argc, char **argv);
int cli_margin(int argc, char **argv);
int cli_asm(int argc, char **argv);
int cli_disasm(int argc, char **argv);

/* Overrides collected from the command line: --set items as given, and options that stand
 * for a key (--images N -> run.data.images=N) formatted into strings of their own. Any
 * number of them: each argument yields at most one item, and cli_overrides_init makes room
 * for every argument. */
typedef struct {
    const char **ov;   /* the items, n of them */
    char **own;        /* the formatted ones, nown of them */
    size_t n, nown, cap;
} CliOverrides;

/* Room for the items of argc arguments; 0, or -1 (message printed) out of memory. */
int cli_overrides_init(CliOverrides *o, int argc);
void cli_overrides_free(CliOverrides *o);
/* Takes argv[*i] if it is --set KEY=VALUE: 1 taken (advancing *i), 0 not, -1 usage error
 * (message printed). */
int cli_take_override(int argc, char **argv, int *i, CliOverrides *o);
/* Takes argv[*i] if it is --set KEY=VALUE or one of the `nmap` options of map ({option,
 * key}, each followed by a value): 1 taken (advancing *i), 0 not, -1 usage error. */
int cli_take_option(int argc, char **argv, int *i, const char *const (*map)[2], size_t nmap, CliOverrides *o);
/* Adds KEY=VALUE; 0, or -1 (message printed) out of memory. */
int cli_add_override(CliOverrides *o, const char *key, const char *value);
/* Installs a handler for SIGINT (Ctrl-C) and SIGTERM (a scheduler's or kill's stop) that
 * sets the returned flag: the command stops cleanly, writes what it has and exits with
 * CLI_EXIT_STOPPED. */
volatile sig_atomic_t *cli_catch_stop(void);

/* The exit statuses of every command, and their one description (docs/cli.md, --help). */
enum { CLI_EXIT_OK = 0, CLI_EXIT_ERROR = 1, CLI_EXIT_USAGE = 2, CLI_EXIT_STOPPED = 3 };
#define CLI_EXIT_TEXT                                                                          \
    "Exit status: 0 complete, 1 error (nothing written, or the message says what was not),\n" \
    "2 usage, 3 stopped early by Ctrl-C, SIGTERM or a trap (partial results written, marked\n" \
    "aborted).\n"

/* Reports why argv[bad] (bad == argc: a missing FILE) cannot be taken, as one line:
 *   dcim run: error: unknown option '--image'; did you mean '--images'?
 *   dcim run: error: option '--vcd' needs a value
 *   dcim run: error: unexpected argument 'b.yaml' (the file is already 'a.yaml')
 * then the usage's first line and where the options are listed. The valid options are the
 * ones usage lists (words starting with '-'), so the help text is their one home. what
 * names the file argument ("run file"); path is the one taken so far (NULL: none). */
void cli_usage_error(const char *usage, int argc, char **argv, int bad, const char *what, const char *path);
/* The options usage lists, into names[cap] pointing into buf[len]; returns their number. */
size_t cli_usage_options(const char *usage, const char **names, size_t cap, char *buf, size_t len);

/* Parses an unsigned decimal option value; prints an error naming opt on failure. */
int cli_parse_u64(const char *opt, const char *s, uint64_t *out);
/* Loads a chip file with overrides, printing every diagnostic to stderr. */
int cli_load_chip(const char *path, const CliOverrides *o, CimChipCfg *cfg);

#endif
