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
