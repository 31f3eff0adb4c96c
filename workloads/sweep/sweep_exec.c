/* Running a sweep's points as child processes, N at once, resumable (sweep.h). A child is
 * `dcim run|compare RUN --quiet --out DIR --set ...`: a trap, a chip that does not fit or a
 * crash ends that child only, and its exit status and error lines are recorded. */
#include "workloads/sweep/sweep.h"
#include "workloads/report/json.h"
#include "workloads/report/progress.h"
#include "workloads/prov/prov.h"
#include "workloads/report/report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define POINT_FILE "point.json"
#define LOG_FILE "log.txt"

/* OUT/points/NNNNNN */
static void point_dir(const char *out, size_t i, char *buf, size_t len) { snprintf(buf, len, "%s/points/%06zu", out, i); }

/* The point's record if it is complete and of this sweep (new reference), else NULL. */
static json_t *read_point(const char *dir, const char *sha)
{
    char p[CIM_PATH_MAX + 128];
    snprintf(p, sizeof p, "%s/%s", dir, POINT_FILE);
    json_t *o = json_load_file(p, 0, NULL);
    const char *h = json_string_value(json_object_get(o, "sweep_sha256"));
    if (!h || strcmp(h, sha) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The error lines of a point's log ("error:" lines, at most 3, joined by " | "), else its
 * last line. */
static void log_error(const char *dir, char *buf, size_t len)
{
    char p[CIM_PATH_MAX + 128], line[1024], last[1024] = "";
    snprintf(p, sizeof p, "%s/%s", dir, LOG_FILE);
    FILE *f = fopen(p, "r");
    size_t o = 0, n = 0;
    buf[0] = '\0';
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0])
            snprintf(last, sizeof last, "%s", line);
        if (strstr(line, "error:") && n < 3 && o < len) {
            int w = snprintf(buf + o, len - o, "%s%s", n ? " | " : "", line);
            o += w > 0 ? (size_t)w : 0;
            n++;
        }
    }
    if (f)
        fclose(f);
    if (!n)
        snprintf(buf, len, "%s", last);
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    default: return "signal";
    }
}

static int dump_point(const void *o, FILE *f) { return json_dumpf(o, f, CIM_JSON_FLAGS) || fputc('\n', f) == EOF; }

/* Records point i after its child ended with wait status ws. */
static CimStatus record_point(const CimSweepDef *d, size_t i, const char *dir, int ws, double wall_s, CimDiag *diag)
{
    const char *vals[CIM_SWEEP_MAX_KEYS];
    cim_sweep_def_point(d, i, vals);
    json_t *v = json_object();
    for (size_t k = 0; k < d->nkeys; k++)
        if (vals[k])
            json_object_set_new(v, d->keys[k], json_string(vals[k]));
    char err[1024] = "";
    const char *status;
    int code = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
    if (WIFSIGNALED(ws)) {
        status = "crashed";
        snprintf(err, sizeof err, "killed by %s (%d)", signal_name(WTERMSIG(ws)), WTERMSIG(ws));
    } else if (code == 0)
        status = "ok";
    else {
        status = code == 3 ? "aborted" : "failed";
        log_error(dir, err, sizeof err);
        if (code == 127 && !err[0])
            snprintf(err, sizeof err, "the dcim binary could not be started");
    }
    json_t *m = code == 0 || code == 3 ? cim_sweep_metrics(d->command, dir) : NULL;
    if (code == 0 && !m) {
        status = "failed";
        snprintf(err, sizeof err, "the point ended without a readable %s", d->command == CIM_SWEEP_RUN ? "stats.json" : "compare.json");
    }
    json_t *o = json_pack("{s:s, s:I, s:o, s:s, s:i, s:s, s:f, s:o}", "sweep_sha256", d->sha256, "index", (json_int_t)i,
                          "values", v, "status", status, "exit_status", code, "error", err, "wall_s", wall_s, "metrics",
                          m ? m : json_object());
    CimStatus st = o ? cim_report_write_file(dir, POINT_FILE, dump_point, o, diag) : CIM_ERR_NOMEM;
    json_decref(o);
    return st;
}

/* Starts point i's child; its pid, or -1 (reported). */
static pid_t start_point(const CimSweepDef *d, const CimSweepExecOptions *o, size_t i, const char *dir, CimDiag *diag)
{
    const char *vals[CIM_SWEEP_MAX_KEYS];
    cim_sweep_def_point(d, i, vals);
    size_t cap = 16 + 2 * (d->nsets + d->nkeys), n = 0;
    char **argv = calloc(cap, sizeof *argv), **own = calloc(d->nkeys + 1, sizeof *own);
    if (!argv || !own) {
        free(argv);
        free(own);
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0, "out of memory");
        return -1;
    }
    argv[n++] = (char *)o->exe;
    argv[n++] = d->command == CIM_SWEEP_RUN ? "run" : "compare";
    argv[n++] = (char *)d->run;
    argv[n++] = "--quiet";
    argv[n++] = "--out";
    argv[n++] = (char *)dir;
    if (d->command == CIM_SWEEP_RUN) {
        argv[n++] = "--jobs";
        argv[n++] = "1";
    }
    if (d->command == CIM_SWEEP_COMPARE && d->analog[0]) {
        argv[n++] = "--analog";
        argv[n++] = (char *)d->analog;
    }
    if (d->command == CIM_SWEEP_COMPARE && d->gpu[0]) {
        argv[n++] = "--gpu";
        argv[n++] = (char *)d->gpu;
    }
    for (size_t s = 0; s < d->nsets; s++) {
        argv[n++] = "--set";
        argv[n++] = d->sets[s];
    }
    size_t nown = 0;
    for (size_t k = 0; k < d->nkeys; k++)
        if (vals[k]) {
            size_t len = strlen(d->keys[k]) + strlen(vals[k]) + 2;
            if (!(own[nown] = malloc(len)))
                break;
            snprintf(own[nown], len, "%s=%s", d->keys[k], vals[k]);
            argv[n++] = "--set";
            argv[n++] = own[nown++];
        }
    argv[n] = NULL;
    char logp[CIM_PATH_MAX + 128];
    snprintf(logp, sizeof logp, "%s/%s", dir, LOG_FILE);
    pid_t pid = -1;
    if (cim_report_make_dirs(dir) != 0)
        cim_diag_add(diag, CIM_SEV_ERROR, dir, 0, 0, "cannot create the point's folder: %s", strerror(errno));
    else if ((pid = fork()) == 0) {
        int fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
        execv(o->exe, argv);
        fprintf(stderr, "dcim sweep: error: cannot run %s: %s\n", o->exe, strerror(errno));
        _exit(127);
    } else if (pid < 0)
        cim_diag_add(diag, CIM_SEV_ERROR, NULL, 0, 0, "cannot start a point: fork: %s", strerror(errno));
    for (size_t k = 0; k < nown; k++)
        free(own[k]);
    free(own);
    free(argv);
    return pid;
}

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

typedef struct {
    pid_t pid;
    size_t point;
    double t0;
} Slot;

json_t *cim_sweep_invocation(void)
{
    return json_pack("{s:s, s:s, s:s, s:f}", "command_line", cim_prov_command_line(), "host", cim_prov_host(),
                     "started_utc", cim_prov_started_utc(), "wall_s", cim_prov_wall_s());
}

/* The header of sweep.json: what the tables and merge need to know about the sweep. */
static json_t *header_json(const CimSweepDef *d, const CimSweepExecOptions *o)
{
    json_t *keys = json_array();
    for (size_t k = 0; k < d->nkeys; k++)
        json_array_append_new(keys, json_string(d->keys[k]));
    json_t *sets = json_array();
    for (size_t s = 0; s < d->nsets; s++)
        json_array_append_new(sets, json_string(d->sets[s]));
    json_t *factors = json_array();
    for (size_t f = 0; f < d->nf; f++)
        json_array_append_new(factors, json_pack("{s:s, s:I}", "kind", d->f[f].kind, "size", (json_int_t)d->f[f].ntuples));
    json_t *h = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:s, s:s, s:s}", "sweep_sha256", d->sha256,
                          "command", d->command == CIM_SWEEP_RUN ? "run" : "compare", "run", d->run, "analog",
                          d->analog, "gpu", d->gpu, "points", (json_int_t)d->npoints, "keys", keys, "set", sets,
                          "factors", factors, "metric", cim_sweep_metric(d), "pareto_x", cim_sweep_pareto_x(d),
                          "pareto_y", cim_sweep_pareto_y(d));
    if (o->nshards)
        json_object_set_new(h, "shard", json_pack("{s:i, s:i}", "index", (int)o->shard, "count", (int)o->nshards));
    char run_sha[65] = "unreadable";
    cim_sha256_file(d->run, run_sha);
    int dirty = cim_prov_dirty();
    json_object_set_new(h, "provenance",
                        json_pack("{s:s, s:s, s:o, s:s}", "dcim_version", cim_prov_version(), "git_commit",
                                  cim_prov_commit(), "git_dirty", dirty < 0 ? json_null() : json_boolean(dirty),
                                  "run_file_sha256", run_sha));
    json_object_set_new(h, "invocation", cim_sweep_invocation());
    return h;
}

CimStatus cim_sweep_exec(const CimSweepDef *d, const CimSweepExecOptions *o, CimSweepSummary *sum, CimDiag *diag)
{
    memset(sum, 0, sizeof *sum);
    double t0 = cim_clock_s();
    unsigned jobs = o->jobs ? o->jobs : 1;
    size_t *todo = malloc((d->npoints + 1) * sizeof *todo);
    Slot *slots = calloc(jobs, sizeof *slots);
    if (!todo || !slots) {
        free(todo);
        free(slots);
        return CIM_ERR_NOMEM;
    }
    char dir[CIM_PATH_MAX + 64];
    size_t ntodo = 0;
    for (size_t i = 0; i < d->npoints; i++) {
        if (o->nshards && i % o->nshards != o->shard - 1)
            continue;
        sum->points++;
        point_dir(o->out, i, dir, sizeof dir);
        json_t *p = read_point(dir, d->sha256);
        const char *s = json_string_value(json_object_get(p, "status"));
        if (p && (!o->retry_failed || (s && !strcmp(s, "ok"))))
            sum->skipped++;
        else
            todo[ntodo++] = i;
        json_decref(p);
    }
    CimProgressBar bar;
    cim_progress_bar_init(&bar, "points", o->progress);
    bar.base = sum->skipped;
    size_t next = 0, running = 0, done = sum->skipped;
    CimStatus st = CIM_OK;
    char status[64];
    while (st == CIM_OK && (running || (next < ntodo && !*o->stop))) {
        for (unsigned s = 0; s < jobs && next < ntodo && !*o->stop && st == CIM_OK; s++)
            if (!slots[s].pid) {
                point_dir(o->out, todo[next], dir, sizeof dir);
                pid_t pid = start_point(d, o, todo[next], dir, diag);
                if (pid < 0)
                    st = CIM_ERR_IO;
                else {
                    slots[s] = (Slot){pid, todo[next++], cim_clock_s()};
                    running++;
                }
            }
        int ws;
        pid_t pid = waitpid(-1, &ws, WNOHANG);
        if (pid == 0 || (pid < 0 && errno == EINTR)) {
            if (*o->stop)
                for (unsigned s = 0; s < jobs; s++)
                    if (slots[s].pid)
                        kill(slots[s].pid, SIGTERM); /* a SIGTERM to us only: pass it on */
            sleep_ms(10);
            continue;
        }
        if (pid < 0)
            break;
        for (unsigned s = 0; s < jobs; s++)
            if (slots[s].pid == pid) {
                running--;
                slots[s].pid = 0;
                point_dir(o->out, slots[s].point, dir, sizeof dir);
                int ok = WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
                if (*o->stop && !ok) {
                    sum->not_run++; /* stopped by the user: run again, not recorded */
                    continue;
                }
                if (record_point(d, slots[s].point, dir, ws, cim_clock_s() - slots[s].t0, diag) != CIM_OK)
                    st = CIM_ERR_IO;
                sum->ran++;
                sum->failed += !ok;
                done++;
                snprintf(status, sizeof status, "%zu failed", sum->failed);
                cim_progress_bar_update(&bar, done, sum->points, status);
            }
    }
    cim_progress_bar_end(&bar);
    for (unsigned s = 0; s < jobs; s++) /* after an error: no child left unwaited */
        if (slots[s].pid) {
            kill(slots[s].pid, SIGTERM);
            waitpid(slots[s].pid, NULL, 0);
            sum->not_run++;
        }
    sum->not_run += ntodo - next;
    free(todo);
    free(slots);
    if (st != CIM_OK)
        return st;
    /* the tables: every complete point of the shard, also the ones from earlier runs */
    json_t *rows = json_array();
    sum->failed = 0;
    for (size_t i = 0; i < d->npoints; i++) {
        if (o->nshards && i % o->nshards != o->shard - 1)
            continue;
        point_dir(o->out, i, dir, sizeof dir);
        json_t *p = read_point(dir, d->sha256);
        if (!p)
            continue;
        json_object_del(p, "sweep_sha256");
        const char *s = json_string_value(json_object_get(p, "status"));
        sum->failed += !s || strcmp(s, "ok") != 0;
        json_array_append_new(rows, p);
    }
    json_t *h = header_json(d, o);
    st = rows && h ? cim_sweep_write_tables(h, rows, o->out, diag) : CIM_ERR_NOMEM;
    json_decref(h);
    json_decref(rows);
    sum->wall_s = cim_clock_s() - t0;
    return st;
}
