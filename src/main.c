/*
 * main.c - the clika command line. The only file that prints, exits or
 * acquires memory: every command computes its memory plan, acquires one
 * arena, runs the pipeline stages on it, and turns a failed status into a
 * one-line message and an exit code.
 *
 * Exit codes: 0 success; 1 internal error (a bug in clika); 2 everything the
 * user can fix: bad arguments, unreadable or malformed input, a limit or
 * --mem-limit exceeded, an output that cannot be written.
 */
#define _POSIX_C_SOURCE 200809L

#include "common.h"
#include "arena.h"
#include "port.h"
#include "score.h"  /* clika score (issue 2) */
#include "report.h" /* clika score (issue 2) */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLK_VERSION "0.1.0"

/* ============================================================ shared CLI */

static const char *prog = "clika";

static int exit_code(clk_status s) { return s == CLK_E_INTERNAL ? 1 : 2; }

/* Print the error and exit. */
static void die(const clk_err *e)
{
    fflush(stdout);
    fprintf(stderr, "%s: %s\n", prog, e->msg[0] ? e->msg : clk_status_name(e->status));
    exit(exit_code(e->status));
}

CLK_MAYBE_UNUSED static void die_status(clk_status s, const clk_err *e)
{
    clk_err copy = *e;
    copy.status = s;
    die(&copy);
}

static void usage_error(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "%s%s%s: ", prog, cmd ? " " : "", cmd ? cmd : "");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry '%s%s%s --help'.\n", prog, cmd ? " " : "", cmd ? cmd : "");
    exit(2);
}

/* ------------------------------------------------------- option parsing */
/* Commands declare their options in a table; parse_opts walks argv, fills
 * values, collects positional arguments, and rejects unknown options and
 * missing values with exit code 2. "--opt=value" and "--opt value" both work. */
typedef struct opt {
    const char *name;   /* "--out" */
    const char *alias;  /* "-o" or NULL */
    int takes_value;    /* 0: a flag */
    const char **value; /* where the value (or "1" for a flag) goes */
} opt;

CLK_MAYBE_UNUSED static int parse_opts(const char *cmd, int argc, char **argv, const opt *opts, const char **pos, int max_pos,
                      void (*help)(void))
{
    int i, npos = 0, only_pos = 0;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        const opt *o;
        const char *eq;
        size_t nlen;
        if (!only_pos && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
            help();
            exit(0);
        }
        if (!only_pos && !strcmp(a, "--")) {
            only_pos = 1;
            continue;
        }
        if (only_pos || a[0] != '-' || a[1] == 0) {
            if (npos == max_pos) usage_error(cmd, "unexpected argument '%s'", a);
            pos[npos++] = a;
            continue;
        }
        eq = strchr(a, '=');
        nlen = eq ? (size_t)(eq - a) : strlen(a);
        for (o = opts; o->name; o++)
            if ((strlen(o->name) == nlen && !strncmp(o->name, a, nlen)) ||
                (o->alias && strlen(o->alias) == nlen && !strncmp(o->alias, a, nlen)))
                break;
        if (!o->name) usage_error(cmd, "unknown option '%s'", a);
        if (!o->takes_value) {
            if (eq) usage_error(cmd, "option '%s' takes no value", a);
            *o->value = "1";
        } else if (eq) {
            *o->value = eq + 1;
        } else {
            if (i + 1 >= argc) usage_error(cmd, "option '%s' needs a value", a);
            *o->value = argv[++i];
        }
    }
    return npos;
}

CLK_MAYBE_UNUSED static long opt_int(const char *cmd, const char *name, const char *v, long lo, long hi, long dflt)
{
    clk_err e;
    long out;
    if (!v) return dflt;
    if (clk_parse_int(v, lo, hi, &out, name, &e) != CLK_OK) usage_error(cmd, "%s", e.msg);
    return out;
}

/* ------------------------------------------------------------ the arena */
/* The one acquisition of memory. calloc gives zeroed pages that the OS
 * commits only when touched; the block is aligned to CLK_ALIGN by hand. */
static void *arena_block;

CLK_MAYBE_UNUSED static void acquire(clk_arena *a, const clk_plan *p)
{
    clk_err e;
    unsigned char *raw;
    size_t pad;
    if (clk_plan_check(p, &e) != CLK_OK) die(&e);
    raw = (unsigned char *)calloc(1, (size_t)p->total + CLK_ALIGN);
    if (!raw) {
        clk_fail(&e, CLK_E_NOMEM, "cannot acquire the %llu-byte arena the memory plan asks for",
                 (unsigned long long)p->total);
        die(&e);
    }
    arena_block = raw;
    pad = (CLK_ALIGN - ((uintptr_t)raw & (CLK_ALIGN - 1))) & (CLK_ALIGN - 1);
    clk_arena_init(a, raw + pad, (size_t)p->total);
}

/* ---------------------------------------------------------------- output */

static clk_status stdout_write(void *ctx, const void *p, size_t n, clk_err *e)
{
    (void)ctx;
    if (fwrite(p, 1, n, stdout) != n) return clk_fail(e, CLK_E_IO, "writing to standard output failed");
    return CLK_OK;
}

CLK_MAYBE_UNUSED static clk_out stdout_out(clk_err *e)
{
    clk_out o;
    o.write = stdout_write;
    o.ctx = NULL;
    o.err = e;
    return o;
}

static clk_status file_write(void *ctx, const void *p, size_t n, clk_err *e)
{
    clk_oserr os;
    if (clk_sys_write((clk_file *)ctx, p, n, &os) != 0) return clk_fail(e, CLK_E_IO, "%s", os.msg);
    return CLK_OK;
}

CLK_MAYBE_UNUSED static clk_out file_out(clk_file *f, clk_err *e)
{
    clk_out o;
    o.write = file_write;
    o.ctx = f;
    o.err = e;
    return o;
}

/* ============================================== clika score (issue 2) */

static void help_score(void)
{
    printf("usage: %s score --data DIR --model NAME [--tasks LIST] [--langs LIST]\n"
           "                   [--out OUTDIR] [--explain]\n"
           "\n"
           "Score a model's CLiKA result files and write OUTDIR/report.json, report.md,\n"
           "report.csv and report.svg. Every metric is relative to English.\n"
           "\n"
           "  --data DIR      the CLiKA repository layout: DIR/x_geo/zh/NAME_res.jsonl or\n"
           "                  DIR/x_geo/zh/NAME_res_bf16_add_simple_example.jsonl; language\n"
           "                  directories match in any case, with or without _trans\n"
           "  --model NAME    whose result files to score (e.g. chatgpt, llama2_7b)\n"
           "  --tasks LIST    comma-separated, from x_csqa,x_copa,x_name,x_geo\n"
           "                  (default: every one of them that DIR has)\n"
           "  --langs LIST    comma-separated language codes (default: en,zh,de,fr,it,ja,\n"
           "                  pl,ru,ar,he); English is always scored, first if not listed\n"
           "  --out OUTDIR    where the reports go (default: out/NAME); they replace\n"
           "                  earlier ones only when all four were written\n"
           "  --explain       print the counts behind every metric (|C_en|, |C_L|, the\n"
           "                  intersection and union, n, chance rate) to check by hand\n"
           "\n"
           "Answers are parsed as the CLiKA authors did: strip whitespace, take the first\n"
           "character, compare it with the gold letter; anything else counts as wrong.\n"
           "Exit status: 0 ok, 2 bad arguments or bad data (nothing is written).\n",
           prog);
}

typedef clk_status (*report_fn)(const clk_score_result *r, clk_out *o);
static const char *const report_name[4] = {"report.json", "report.md", "report.csv", "report.svg"};
static const report_fn report_write[4] = {clk_report_json, clk_report_md, clk_report_csv, clk_report_svg};

/* Write the four reports to temporary files and rename them into place
 * only when all four are complete and synced: a failed run leaves the
 * previous set (or nothing), never a mix. */
static void write_reports(const clk_score_result *r, const char *outdir)
{
    clk_file f[4];
    clk_err e;
    clk_oserr os;
    int i, n = 0;
    e.msg[0] = 0;
    if (clk_sys_mkdirs(outdir, &os) != 0) {
        clk_fail(&e, CLK_E_IO, "%s", os.msg);
        die(&e);
    }
    for (i = 0; i < 4; i++) {
        char path[CLK_MAX_PATH];
        clk_out o;
        if (snprintf(path, sizeof path, "%s/%s", outdir, report_name[i]) >= (int)sizeof path) {
            clk_fail(&e, CLK_E_LIMIT, "output path '%s/%s' is longer than CLK_MAX_PATH", outdir, report_name[i]);
            break;
        }
        if (clk_sys_create(&f[i], path, &os) != 0) {
            clk_fail(&e, CLK_E_IO, "%s", os.msg);
            break;
        }
        n++;
        o = file_out(&f[i], &e);
        if (report_write[i](r, &o) != CLK_OK || clk_sys_sync(&f[i], &os) != 0) {
            if (!e.msg[0]) clk_fail(&e, CLK_E_IO, "%s", os.msg);
            break;
        }
    }
    if (i < 4) {
        while (n > 0) clk_sys_abandon(&f[--n]);
        die(&e);
    }
    for (i = 0; i < 4; i++)
        if (clk_sys_commit(&f[i], &os) != 0) {
            clk_fail(&e, CLK_E_IO, "%s", os.msg);
            for (n = i + 1; n < 4; n++) clk_sys_abandon(&f[n]);
            die(&e);
        }
}

/* Score DATA for a model and write the reports to outdir. `clika eval`
 * ends here too, with its own output directory as DATA. */
static void score_and_report(const clk_score_opts *so, const char *outdir, int explain)
{
    static clk_score_set set; /* ~100 KiB of names and paths: static, not on the stack */
    clk_score_result *r;
    clk_plan plan;
    clk_arena arena;
    clk_err e;
    if (clk_score_find(&set, so, &e) != CLK_OK) die(&e);
    clk_plan_init(&plan);
    clk_score_plan(&set, &plan);
    acquire(&arena, &plan);
    if (clk_score_run(&set, &arena, &r, &e) != CLK_OK) die(&e);
    if (explain) {
        clk_out o = stdout_out(&e);
        if (clk_report_explain(r, &o) != CLK_OK) die(&e);
    }
    write_reports(r, outdir);
    free(arena_block); /* the run is over (and LeakSanitizer checks) */
    arena_block = NULL;
    printf("%s: scored %s (%d task%s x %d languages) -> %s/report.{json,md,csv,svg}\n", prog, set.model, set.n_tasks,
           set.n_tasks == 1 ? "" : "s", set.n_langs, outdir);
}

static int cmd_score(int argc, char **argv)
{
    const char *data = NULL, *model = NULL, *tasks = NULL, *langs = NULL, *out = NULL, *explain = NULL;
    const opt opts[] = {
        {"--data", NULL, 1, &data},   {"--model", "-m", 1, &model}, {"--tasks", NULL, 1, &tasks},
        {"--langs", NULL, 1, &langs}, {"--out", "-o", 1, &out},     {"--explain", NULL, 0, &explain},
        {NULL, NULL, 0, NULL},
    };
    clk_score_opts so;
    char outdir[CLK_MAX_PATH];
    parse_opts("score", argc, argv, opts, NULL, 0, help_score);
    if (!data) usage_error("score", "%s", "missing --data DIR (the CLiKA repository layout)");
    if (!model) usage_error("score", "%s", "missing --model NAME");
    if (!out) {
        if (snprintf(outdir, sizeof outdir, "out/%s", model) >= (int)sizeof outdir)
            usage_error("score", "%s", "--model is too long");
        out = outdir;
    }
    so.data = data;
    so.model = model;
    so.tasks = tasks;
    so.langs = langs;
    score_and_report(&so, out, explain != NULL);
    return 0;
}

/* ====================================================== top-level help */

static void help_main(void)
{
    printf("usage: %s COMMAND [OPTIONS]\n"
           "\n"
           "clika measures how well a language model's knowledge is aligned across\n"
           "languages (CLiKA: Gao et al., NAACL 2024) at three levels, always against\n"
           "English: Performance (RA), Consistency (en-CO) and Conductivity (XRR).\n"
           "\n"
           "Commands:\n"
           "  score                score CLiKA result files: report.json/.md/.csv/.svg\n"
           "  help                 this text\n"
           "  version              the version and how this binary was built\n"
           "\n"
           "'%s COMMAND --help' describes each command.\n",
           prog, prog);
}

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("clika %s (%s)\n", CLK_VERSION, clk_port_build());
    return 0;
}

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
    {"version", cmd_version},
    {"score", cmd_score}, /* issue 2 */
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    const command *c;
    if (argc < 2) {
        help_main();
        return 2;
    }
    if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        help_main();
        return 0;
    }
    if (!strcmp(argv[1], "--version")) return cmd_version(0, NULL);
    for (c = commands; c->name; c++)
        if (!strcmp(c->name, argv[1])) return c->run(argc - 2, argv + 2);
    usage_error(NULL, "unknown command '%s'", argv[1]);
    return 2;
}
