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
#include "gguf.h"
#include "model.h"
#include "forward.h"
#include "tokenizer.h"
#include "score.h"  /* clika score (issue 2) */
#include "report.h" /* clika score (issue 2) */
#include "fictional.h" /* clika score --tasks fictional (issue 9) */
#include "quantize.h" /* clika quantize (issue 5) */
#include "eval.h"     /* clika eval, merge (issue 7) */

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

/* ======================================= model start-up and `info` (gguf branch)
 *
 * Start-up for every command that reads a model, in two acquisitions whose
 * sizes are both known before they are made:
 *
 *   1. start-up block: the gguf index (sized from the 24-byte header) and,
 *      when the file is not mapped, the file itself (sized by stat). The
 *      index must exist before the hyper-parameters can be read.
 *   2. run arena: every later stage's lines (KV cache, activations,
 *      tokenizer tables, ...), sized from the hyper-parameters.
 *
 * The printed plan lists the lines of both; its total is what both
 * acquisitions together take. --mem-limit is checked before each one
 * against arena bytes + mapped file bytes (the weights are read on every
 * token, so a mapped file is resident memory too).
 */

typedef struct model_file {
    const char *path;
    uint64_t size;           /* bytes of the file                                  */
    clk_map map;             /* the bytes: mmap'd, or read into the start-up block */
    clk_gguf_header h;
    clk_gguf g;
    clk_arena startup;       /* [file (read path)][gguf index]                     */
    uint64_t startup_bytes;  /* plan bytes of the start-up block                   */
} model_file;

/* The model struct holds CLK_MAX_LAYERS layers (~300 KB): static storage. */
static clk_model the_model;

static void *startup_block; /* the raw pointer, for model_close */

static void *acquire_block(uint64_t bytes, const char *what)
{
    unsigned char *raw;
    size_t pad;
    clk_err e;
    raw = (unsigned char *)calloc(1, (size_t)bytes + CLK_ALIGN);
    if (!raw) {
        clk_fail(&e, CLK_E_NOMEM, "cannot acquire the %llu-byte %s the memory plan asks for",
                 (unsigned long long)bytes, what);
        die(&e);
    }
    startup_block = raw;
    pad = (CLK_ALIGN - ((uintptr_t)raw & (CLK_ALIGN - 1))) & (CLK_ALIGN - 1);
    return raw + pad;
}

static const char *human(uint64_t b, char *buf, size_t cap)
{
    if (b < 1024) snprintf(buf, cap, "%llu B", (unsigned long long)b);
    else if (b < 1024ull * 1024) snprintf(buf, cap, "%.1f KiB", (double)b / 1024);
    else if (b < 1024ull * 1024 * 1024) snprintf(buf, cap, "%.1f MiB", (double)b / (1024.0 * 1024));
    else snprintf(buf, cap, "%.2f GiB", (double)b / (1024.0 * 1024 * 1024));
    return buf;
}

static void plan_print(FILE *f, const clk_plan *p, const clk_run_opts *o, uint64_t max_text)
{
    char hb[32];
    int i;
    if (o)
        fprintf(f, "memory plan (ctx %d, batch %d, threads %d, logit rows %d, texts up to %llu bytes):\n", o->n_ctx,
                o->n_batch, o->n_threads, o->n_out, (unsigned long long)max_text);
    else
        fprintf(f, "memory plan (texts up to %llu bytes):\n", (unsigned long long)max_text);
    if (p->mapped)
        fprintf(f, "  %-40s %12llu  %s\n", "model file (mapped, outside the arena)", (unsigned long long)p->mapped,
                human(p->mapped, hb, sizeof hb));
    for (i = 0; i < p->n; i++)
        fprintf(f, "  %-40s %12llu  %s\n", p->line[i].name, (unsigned long long)p->line[i].bytes,
                human(p->line[i].bytes, hb, sizeof hb));
    fprintf(f, "  %-40s %12llu  %s\n", "arena total", (unsigned long long)p->total, human(p->total, hb, sizeof hb));
    fprintf(f, "  %-40s %12llu  %s\n", "total (arena + mapped file)", (unsigned long long)(p->total + p->mapped),
            human(p->total + p->mapped, hb, sizeof hb));
}

/* --mem-limit: refuse, showing the plan, when arena + mapped exceeds it. */
static void check_mem_limit(const clk_plan *p, uint64_t limit, const clk_run_opts *o, uint64_t max_text)
{
    clk_err e;
    if (clk_plan_check(p, &e) != CLK_OK) die(&e);
    if (limit && p->total + p->mapped > limit) {
        fflush(stdout);
        fprintf(stderr, "%s: the memory plan needs %llu bytes (arena %llu + mapped file %llu), more than --mem-limit %llu\n",
                prog, (unsigned long long)(p->total + p->mapped), (unsigned long long)p->total,
                (unsigned long long)p->mapped, (unsigned long long)limit);
        plan_print(stderr, p, o, max_text);
        exit(2);
    }
}

/* Open, check and index a model file; adds the start-up lines to *plan. */
static void model_open(model_file *f, const char *path, int no_mmap, clk_plan *plan, uint64_t mem_limit)
{
    clk_err e;
    clk_oserr os;
    int is_dir = 0;
    memset(f, 0, sizeof *f);
    f->path = path;
    if (clk_sys_stat(path, &f->size, &is_dir) != 0 || is_dir) {
        clk_fail(&e, CLK_E_IO, "cannot open model file '%s'%s", path, is_dir ? ": it is a directory" : "");
        die(&e);
    }
    if (clk_sys_can_map() && !no_mmap) {
        if (clk_sys_map(path, &f->map, &os) != 0) {
            clk_fail(&e, CLK_E_IO, "%s", os.msg);
            die(&e);
        }
        f->size = f->map.size;
        if (clk_gguf_peek(f->map.data, f->map.size, &f->h, &e) != CLK_OK) goto bad;
        plan->mapped = f->size;
    } else {
        uint8_t head[24];
        uint64_t got;
        if (clk_sys_read_head(path, head, sizeof head, &got, &os) != 0) {
            clk_fail(&e, CLK_E_IO, "%s", os.msg);
            die(&e);
        }
        if (clk_gguf_peek_file(head, got, f->size, &f->h, &e) != CLK_OK) goto bad;
        clk_plan_add(plan, "model file (read into the arena)", f->size);
    }
    clk_gguf_plan(&f->h, plan);
    check_mem_limit(plan, mem_limit, NULL, 0);
    f->startup_bytes = plan->total;
    clk_arena_init(&f->startup, acquire_block(plan->total, "start-up block"), (size_t)plan->total);
    if (!f->map.data) {
        void *buf;
        if (clk_arena_alloc(&f->startup, (size_t)f->size, "model file (read into the arena)", &buf, &e) != CLK_OK)
            die(&e);
        if (clk_sys_read(path, buf, f->size, &f->map, &os) != 0) {
            clk_fail(&e, CLK_E_IO, "%s", os.msg);
            die(&e);
        }
        if (f->map.size != f->size) {
            clk_fail(&e, CLK_E_IO, "'%s' changed while it was read (%llu bytes, expected %llu)", path,
                     (unsigned long long)f->map.size, (unsigned long long)f->size);
            die(&e);
        }
    }
    if (clk_gguf_parse(&f->g, f->map.data, f->map.size, &f->startup, &e) != CLK_OK) goto bad;
    return;
bad:
    clk_fail_wrap(&e, "%s: ", path);
    die(&e);
}

static void model_close(model_file *f)
{
    if (f->map.mapped) clk_sys_unmap(&f->map);
    free(startup_block);
    startup_block = NULL;
}

/* ------------------------------------------------------------ JSON text */

static void json_str(FILE *f, const char *p, uint64_t n)
{
    uint64_t i = 0;
    fputc('"', f);
    while (i < n) {
        unsigned char c = (unsigned char)p[i];
        uint32_t cp;
        int k;
        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc(c, f);
            i++;
        } else if (c < 0x20) {
            fprintf(f, "\\u%04x", c);
            i++;
        } else if (c < 0x80) {
            fputc(c, f);
            i++;
        } else if ((k = clk_utf8_decode((const unsigned char *)p + i, (size_t)(n - i), &cp)) > 0) {
            fwrite(p + i, 1, (size_t)k, f);
            i += (uint64_t)k;
        } else {
            fputs("\\ufffd", f); /* invalid UTF-8 in the file */
            i++;
        }
    }
    fputc('"', f);
}

/* Text form of a string from the file: control characters (C0, DEL, C1)
 * and invalid UTF-8 shown as '?', so a hostile name cannot drive the
 * terminal. */
static void text_str(FILE *f, const char *p, uint64_t n)
{
    uint64_t i = 0;
    while (i < n) {
        uint32_t cp;
        int k = clk_utf8_decode((const unsigned char *)p + i, (size_t)(n - i), &cp);
        if (k <= 0 || cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) {
            fputc('?', f);
            i++;
        } else {
            fwrite(p + i, 1, (size_t)k, f);
            i += (uint64_t)k;
        }
    }
}

static int get_string(const clk_gguf *g, const char *key, clk_str *s)
{
    const clk_gguf_kv *kv = clk_gguf_find(g, key);
    if (!kv || kv->type != CLK_GGUF_STRING) return 0;
    s->n = clk_rd64(kv->val);
    s->p = (const char *)kv->val + 8;
    return 1;
}

/* A per-layer count: "14" when every layer agrees, else "[a, b, ...]". */
static void layers_print(FILE *f, const int *v, int n)
{
    int i, same = 1;
    for (i = 1; i < n; i++)
        if (v[i] != v[0]) same = 0;
    if (same) {
        fprintf(f, "%d", v[0]);
        return;
    }
    fputc('[', f);
    for (i = 0; i < n; i++) fprintf(f, "%s%d", i ? ", " : "", v[i]);
    fputc(']', f);
}

static void help_info(void)
{
    printf("usage: %s info MODEL.gguf [--ctx N] [--batch B] [--threads T] [--json]\n"
           "                 [--mem-limit BYTES] [--max-text BYTES] [--no-mmap]\n"
           "\n"
           "Describes a GGUF file without running it: architecture, name, hyper-parameters,\n"
           "tokenizer, tensor count per type, parameter count, file size, and the memory\n"
           "plan line by line for the run options given: the KV cache, activations,\n"
           "attention and logit buffers and tokenizer tables a run would take, with\n"
           "their total. Weights stay in the mapped file, outside the arena.\n"
           "\n"
           "  --ctx N          positions the KV cache holds (default 2048)\n"
           "  --batch B        tokens evaluated per step (default 512)\n"
           "  --threads T      worker threads (default 1)\n"
           "  --json           one JSON object instead of text\n"
           "  --mem-limit B    exit with status 2, printing the plan, if the plan needs more\n"
           "                   than B bytes (arena + mapped file; suffixes K, M, G)\n"
           "  --max-text B     longest text tokenized at once, for the tokenizer's\n"
           "                   scratch line (default 64K)\n"
           "  --no-mmap        read the file into the arena instead of mapping it\n",
           prog);
}

static int cmd_info(int argc, char **argv)
{
    const char *o_ctx = NULL, *o_batch = NULL, *o_threads = NULL, *o_json = NULL, *o_limit = NULL, *o_nomap = NULL;
    const char *o_text = NULL;
    const opt opts[] = {{"--ctx", NULL, 1, &o_ctx},         {"--batch", NULL, 1, &o_batch},
                        {"--threads", "-t", 1, &o_threads}, {"--json", NULL, 0, &o_json},
                        {"--mem-limit", NULL, 1, &o_limit}, {"--no-mmap", NULL, 0, &o_nomap},
                        {"--max-text", NULL, 1, &o_text},   {NULL, NULL, 0, NULL}};
    const char *pos[1] = {NULL};
    model_file mf;
    clk_plan plan;
    clk_run_opts ro = clk_run_defaults();
    clk_err e;
    clk_model *m = &the_model;
    clk_hparams *hp = &m->hp;
    uint64_t limit = 0, n_params = 0, tensor_bytes = 0, max_text = 64 * 1024;
    uint64_t type_count[CLK_T_COUNT];
    int have_hp = 0, have_model = 0, json, i;
    char why[CLK_ERR_LEN] = "", tok_why[CLK_ERR_LEN] = "";
    clk_str name = {NULL, 0}, arch = {NULL, 0}, tok_model = {NULL, 0}, tok_pre = {NULL, 0};
    const clk_gguf_kv *tokens, *merges;
    uint64_t i64;
    FILE *f = stdout;

    if (parse_opts("info", argc, argv, opts, pos, 1, help_info) != 1) usage_error("info", "%s", "expected one MODEL.gguf");
    ro.n_ctx = (int)opt_int("info", "--ctx", o_ctx, 1, 1L << 24, ro.n_ctx);
    ro.n_batch = (int)opt_int("info", "--batch", o_batch, 1, 1L << 24, ro.n_batch);
    ro.n_threads = (int)opt_int("info", "--threads", o_threads, 1, CLK_MAX_THREADS, ro.n_threads);
    json = o_json != NULL;
    if (o_limit && clk_parse_bytes(o_limit, &limit, &e) != CLK_OK) usage_error("info", "--mem-limit: %s", e.msg);
    if (o_text && (clk_parse_bytes(o_text, &max_text, &e) != CLK_OK || max_text < 1))
        usage_error("info", "--max-text: %s", o_text);

    clk_plan_init(&plan);
    model_open(&mf, pos[0], o_nomap != NULL, &plan, limit);

    /* a file with weights must load as a model; a vocabulary-only file
     * shows its hyper-parameters when they can be read */
    if (mf.g.n_tensors > 0) {
        if (clk_model_load(m, &mf.g, &e) != CLK_OK) {
            clk_fail_wrap(&e, "%s: ", pos[0]);
            die(&e);
        }
        have_model = have_hp = 1;
    } else if (clk_model_hparams(hp, &mf.g, &e) == CLK_OK) {
        have_hp = 1;
    } else {
        snprintf(why, sizeof why, "%s", e.msg);
    }
    if (have_hp && clk_fwd_plan(hp, &ro, &plan) != CLK_OK) {
        /* the run options are checked by the option parser; what is left is a limit */
        clk_fail(&e, CLK_E_LIMIT, "memory plan for ctx %d, batch %d, threads %d failed", ro.n_ctx, ro.n_batch,
                 ro.n_threads);
        die(&e);
    }
    /* the tokenizer's tables and its scratch for texts of up to --max-text bytes */
    if (clk_gguf_find(&mf.g, "tokenizer.ggml.model") && clk_tok_plan(&mf.g, (size_t)max_text, &plan, &e) != CLK_OK) {
        if (e.status == CLK_E_LIMIT) die(&e); /* --max-text too large */
        snprintf(tok_why, sizeof tok_why, "%s", e.msg);
    }
    check_mem_limit(&plan, limit, &ro, max_text);

    for (i = 0; i < CLK_T_COUNT; i++) type_count[i] = 0;
    for (i64 = 0; i64 < mf.g.n_tensors; i64++) {
        const clk_gguf_tensor *t = &mf.g.tensors[i64];
        type_count[t->type]++; /* the parser accepts only ids < CLK_T_COUNT */
        n_params += (uint64_t)(t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3]);
        tensor_bytes += t->nbytes;
    }
    get_string(&mf.g, "general.name", &name);
    get_string(&mf.g, "general.architecture", &arch);
    get_string(&mf.g, "tokenizer.ggml.model", &tok_model);
    get_string(&mf.g, "tokenizer.ggml.pre", &tok_pre);
    tokens = clk_gguf_find(&mf.g, "tokenizer.ggml.tokens");
    merges = clk_gguf_find(&mf.g, "tokenizer.ggml.merges");
    if (tokens && tokens->type != CLK_GGUF_ARRAY) tokens = NULL;
    if (merges && merges->type != CLK_GGUF_ARRAY) merges = NULL;

    if (json) {
        int first = 1;
        fprintf(f, "{\"file\":");
        json_str(f, pos[0], strlen(pos[0]));
        fprintf(f, ",\"file_bytes\":%llu,\"gguf\":{\"version\":%lu,\"n_kv\":%llu,\"n_tensors\":%llu,"
                   "\"alignment\":%lu,\"data_offset\":%llu},",
                (unsigned long long)mf.size, (unsigned long)mf.g.version, (unsigned long long)mf.g.n_kv,
                (unsigned long long)mf.g.n_tensors, (unsigned long)mf.g.alignment,
                (unsigned long long)mf.g.data_offset);
        fprintf(f, "\"arch\":");
        if (arch.p) json_str(f, arch.p, arch.n); else fprintf(f, "null");
        fprintf(f, ",\"name\":");
        if (name.p) json_str(f, name.p, name.n); else fprintf(f, "null");
        fprintf(f, ",\"vocab_only\":%s", mf.g.n_tensors == 0 ? "true" : "false");
        if (have_hp) {
            fprintf(f, ",\"hparams\":{\"n_vocab\":%d,\"n_ctx_train\":%d,\"n_embd\":%d,\"n_layer\":%d,\"n_head\":",
                    hp->n_vocab, hp->n_ctx_train, hp->n_embd, hp->n_layer);
            layers_print(f, hp->n_head, hp->n_layer);
            fprintf(f, ",\"n_head_kv\":");
            layers_print(f, hp->n_head_kv, hp->n_layer);
            fprintf(f, ",\"n_ff\":");
            layers_print(f, hp->n_ff, hp->n_layer);
            fprintf(f, ",\"head_dim_k\":%d,\"head_dim_v\":%d,\"n_rot\":%d,\"rope_type\":\"%s\",\"rope_base\":%.9g,"
                       "\"rope_base_swa\":%.9g,\"rope_freq_scale\":%.9g,\"rope_freq_scale_swa\":%.9g,"
                       "\"rms_eps\":%.9g,\"n_swa\":%d,\"swa_pattern\":%d,\"swa_layers\":[",
                    hp->head_dim_k, hp->head_dim_v, hp->n_rot, hp->rope_neox ? "neox" : "norm",
                    (double)hp->rope_base, (double)hp->rope_base_swa, (double)hp->rope_freq_scale,
                    (double)hp->rope_freq_scale_swa, (double)hp->rms_eps, hp->n_swa, hp->swa_pattern);
            for (i = 0; i < hp->n_layer; i++)
                if (hp->swa_layer[i]) {
                    fprintf(f, "%s%d", first ? "" : ",", i);
                    first = 0;
                }
            fprintf(f, "],\"attn_softcap\":%.9g,\"final_softcap\":%.9g,\"attn_scale\":%.9g,\"embd_scale\":%.9g,"
                       "\"tied_output\":%s,\"qkv_bias\":%s,\"qk_norm\":%s,\"sandwich_norms\":%s,\"ffn\":\"%s\"}",
                    (double)hp->attn_softcap, (double)hp->final_softcap, (double)hp->attn_scale,
                    (double)hp->embd_scale, hp->tied_output ? "true" : "false", hp->qkv_bias ? "true" : "false",
                    hp->qk_norm ? "true" : "false", hp->sandwich_norms ? "true" : "false",
                    hp->geglu ? "geglu" : "swiglu");
        } else {
            fprintf(f, ",\"hparams\":null,\"hparams_error\":");
            json_str(f, why, strlen(why));
        }
        fprintf(f, ",\"tokenizer\":{\"model\":");
        if (tok_model.p) json_str(f, tok_model.p, tok_model.n); else fprintf(f, "null");
        fprintf(f, ",\"pre\":");
        if (tok_pre.p) json_str(f, tok_pre.p, tok_pre.n); else fprintf(f, "null");
        fprintf(f, ",\"n_tokens\":%llu,\"n_merges\":%llu", tokens ? (unsigned long long)tokens->arr_n : 0ull,
                merges ? (unsigned long long)merges->arr_n : 0ull);
        if (tok_why[0]) {
            fprintf(f, ",\"error\":");
            json_str(f, tok_why, strlen(tok_why));
        }
        fprintf(f, "}");
        fprintf(f, ",\"tensor_types\":{");
        first = 1;
        for (i = 0; i < CLK_T_COUNT; i++)
            if (type_count[i]) {
                fprintf(f, "%s\"%s\":%llu", first ? "" : ",", clk_type(i)->name, (unsigned long long)type_count[i]);
                first = 0;
            }
        fprintf(f, "},\"n_params\":%llu,\"tensor_bytes\":%llu", (unsigned long long)n_params,
                (unsigned long long)tensor_bytes);
        if (have_model) fprintf(f, ",\"weight_bytes\":%llu", (unsigned long long)m->weight_bytes);
        fprintf(f, ",\"build\":");
        json_str(f, clk_port_build(), strlen(clk_port_build()));
        fprintf(f, ",\"kernels\":\"%s\"", clk_port_kernels()->name);
        fprintf(f, ",\"plan\":{\"n_ctx\":%d,\"n_batch\":%d,\"n_threads\":%d,\"n_out\":%d,\"max_text\":%llu,"
                   "\"mapped\":%llu,\"lines\":{",
                ro.n_ctx, ro.n_batch, ro.n_threads, ro.n_out, (unsigned long long)max_text,
                (unsigned long long)plan.mapped);
        for (i = 0; i < plan.n; i++) {
            fprintf(f, "%s", i ? "," : "");
            json_str(f, plan.line[i].name, strlen(plan.line[i].name));
            fprintf(f, ":%llu", (unsigned long long)plan.line[i].bytes);
        }
        fprintf(f, "},\"arena_total\":%llu,\"total\":%llu}}\n", (unsigned long long)plan.total,
                (unsigned long long)(plan.total + plan.mapped));
        model_close(&mf);
        return 0;
    }

    {
        char hb[32];
        fprintf(f, "file            %s\n", pos[0]);
        fprintf(f, "file size       %llu bytes (%s)\n", (unsigned long long)mf.size, human(mf.size, hb, sizeof hb));
        fprintf(f, "gguf            v%lu, %llu metadata pairs, %llu tensors, alignment %lu, data at byte %llu\n",
                (unsigned long)mf.g.version, (unsigned long long)mf.g.n_kv, (unsigned long long)mf.g.n_tensors,
                (unsigned long)mf.g.alignment, (unsigned long long)mf.g.data_offset);
        fprintf(f, "architecture    ");
        if (arch.p) text_str(f, arch.p, arch.n); else fprintf(f, "(none)");
        fprintf(f, "%s\n", mf.g.n_tensors == 0 ? " (vocabulary only: no weights)" : "");
        fprintf(f, "name            ");
        if (name.p) text_str(f, name.p, name.n); else fprintf(f, "(none)");
        fprintf(f, "\n");
        if (have_hp) {
            fprintf(f, "context         %d (trained)\n", hp->n_ctx_train);
            fprintf(f, "embedding       %d\n", hp->n_embd);
            fprintf(f, "layers          %d\n", hp->n_layer);
            fprintf(f, "heads           ");
            layers_print(f, hp->n_head, hp->n_layer);
            fprintf(f, " query, ");
            layers_print(f, hp->n_head_kv, hp->n_layer);
            fprintf(f, " key/value\n");
            fprintf(f, "head dim        %d (keys), %d (values)\n", hp->head_dim_k, hp->head_dim_v);
            fprintf(f, "ffn             ");
            layers_print(f, hp->n_ff, hp->n_layer);
            fprintf(f, " (%s)\n", hp->geglu ? "GeGLU" : "SwiGLU");
            fprintf(f, "vocabulary      %d\n", hp->n_vocab);
            fprintf(f, "rope            %s, %d dims, base %g, freq scale %g\n", hp->rope_neox ? "neox" : "norm",
                    hp->n_rot, (double)hp->rope_base, (double)hp->rope_freq_scale);
            fprintf(f, "rms eps         %g\n", (double)hp->rms_eps);
            if (hp->n_swa > 0) {
                int first = 1;
                fprintf(f, "sliding window  %d positions, pattern %d, base %g, freq scale %g; local layers ",
                        hp->n_swa, hp->swa_pattern, (double)hp->rope_base_swa, (double)hp->rope_freq_scale_swa);
                for (i = 0; i < hp->n_layer; i++)
                    if (hp->swa_layer[i]) {
                        fprintf(f, "%s%d", first ? "" : ",", i);
                        first = 0;
                    }
                fprintf(f, "%s\n", first ? "(none)" : "");
            }
            if (hp->attn_softcap > 0 || hp->final_softcap > 0)
                fprintf(f, "soft-caps       attention %g, final %g\n", (double)hp->attn_softcap,
                        (double)hp->final_softcap);
            fprintf(f, "scales          attention %g, embedding %g\n", (double)hp->attn_scale, (double)hp->embd_scale);
            fprintf(f, "output          %s\n", hp->tied_output ? "tied (token_embd)" : "untied (output.weight)");
            fprintf(f, "extras          %s%s%s%s%s\n", hp->qkv_bias ? "q/k/v biases" : "",
                    hp->qkv_bias && (hp->qk_norm || hp->sandwich_norms) ? ", " : "",
                    hp->qk_norm ? "per-head q/k norms" : "", hp->qk_norm && hp->sandwich_norms ? ", " : "",
                    hp->sandwich_norms ? "sandwich norms" : (hp->qkv_bias || hp->qk_norm) ? "" : "none");
        } else {
            fprintf(f, "hparams         (none: %s)\n", why);
        }
        fprintf(f, "tokenizer       ");
        if (tok_model.p) text_str(f, tok_model.p, tok_model.n); else fprintf(f, "(none)");
        fprintf(f, ", pre-tokenizer ");
        if (tok_pre.p) text_str(f, tok_pre.p, tok_pre.n); else fprintf(f, "(none)");
        fprintf(f, ", %llu tokens, %llu merges\n", tokens ? (unsigned long long)tokens->arr_n : 0ull,
                merges ? (unsigned long long)merges->arr_n : 0ull);
        if (tok_why[0]) fprintf(f, "                (cannot tokenize: %s)\n", tok_why);
        fprintf(f, "tensor types    ");
        {
            int first = 1;
            for (i = 0; i < CLK_T_COUNT; i++)
                if (type_count[i]) {
                    fprintf(f, "%s%s x%llu", first ? "" : ", ", clk_type(i)->name, (unsigned long long)type_count[i]);
                    first = 0;
                }
            fprintf(f, "%s\n", first ? "(no tensors)" : "");
        }
        fprintf(f, "parameters      %llu\n", (unsigned long long)n_params);
        fprintf(f, "tensor bytes    %llu (%s)\n", (unsigned long long)tensor_bytes, human(tensor_bytes, hb, sizeof hb));
        fprintf(f, "build           %s\n", clk_port_build());
        fprintf(f, "kernels         %s (this CPU)\n", clk_port_kernels()->name);
        if (!have_hp) fprintf(f, "(no hyper-parameters: only the index is planned)\n");
        plan_print(f, &plan, have_hp ? &ro : NULL, max_text);
    }
    model_close(&mf);
    return 0;
}

/* Renders report i of a set (report.json, .md, ...) from src into o. */
typedef clk_status (*report_render)(const void *src, int i, clk_out *o);

/* Write n (at most 4) reports to temporary files in outdir and rename them
 * into place only when all are complete and synced: a failed run leaves
 * the previous set (or nothing), never a mix. */
static void write_report_set(const char *outdir, const char *const *name, int n_rep, report_render render,
                             const void *src)
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
    for (i = 0; i < n_rep; i++) {
        char path[CLK_MAX_PATH];
        clk_out o;
        if (snprintf(path, sizeof path, "%s/%s", outdir, name[i]) >= (int)sizeof path) {
            clk_fail(&e, CLK_E_LIMIT, "output path '%s/%s' is longer than CLK_MAX_PATH", outdir, name[i]);
            break;
        }
        if (clk_sys_create(&f[i], path, &os) != 0) {
            clk_fail(&e, CLK_E_IO, "%s", os.msg);
            break;
        }
        n++;
        o = file_out(&f[i], &e);
        if (render(src, i, &o) != CLK_OK || clk_sys_sync(&f[i], &os) != 0) {
            if (!e.msg[0]) clk_fail(&e, CLK_E_IO, "%s", os.msg);
            break;
        }
    }
    if (i < n_rep) {
        while (n > 0) clk_sys_abandon(&f[--n]);
        die(&e);
    }
    for (i = 0; i < n_rep; i++)
        if (clk_sys_commit(&f[i], &os) != 0) {
            clk_fail(&e, CLK_E_IO, "%s", os.msg);
            for (n = i + 1; n < n_rep; n++) clk_sys_abandon(&f[n]);
            die(&e);
        }
}

/* ==== clika fictional (issue 9) ====
 *
 * `clika score --tasks fictional`: the Conductivity level from result
 * files (fictional.h has the layout). Writes report.json, report.md and
 * report.csv the same all-or-nothing way as the other tasks, and prints a
 * warning for every language whose training file lacks the test names.
 */
typedef clk_status (*fict_report_fn)(const clk_fict_set *s, clk_out *o);

static clk_status fict_render(const void *src, int i, clk_out *o)
{
    static const fict_report_fn fn[3] = {clk_report_fictional_json, clk_report_fictional_md,
                                         clk_report_fictional_csv};
    return fn[i]((const clk_fict_set *)src, o);
}

static void fict_write_reports(const clk_fict_set *s, const char *outdir)
{
    static const char *const name[3] = {"report.json", "report.md", "report.csv"};
    write_report_set(outdir, name, 3, fict_render, s);
}

static clk_fict_set the_fict; /* names and per-language name lists: static */

static void fict_score_and_report(const clk_fict_opts *fo, const char *outdir, int explain)
{
    clk_plan plan;
    clk_arena arena;
    clk_err e;
    int i;
    if (clk_fict_find(&the_fict, fo, &e) != CLK_OK) die(&e);
    clk_plan_init(&plan);
    clk_fict_plan(&the_fict, &plan);
    acquire(&arena, &plan);
    if (clk_fict_run(&the_fict, &arena, &e) != CLK_OK) die(&e);
    for (i = 0; i < the_fict.n_langs; i++) {
        const clk_fict_lang *l = &the_fict.lang[i];
        if (l->n_cont_missing > 0)
            fprintf(stderr,
                    "%s: warning: fictional %s: %d of the %d continent names of test%s.jsonl never occur in "
                    "train/%s.json (e.g. %s): the model was never taught them; XRR for %s is flagged as not "
                    "meaningful (the authors' Chinese files have this known mismatch)\n",
                    prog, l->code, l->n_cont_missing, l->n_cont, l->up, l->up, l->missing_example, l->code);
        if (explain)
            printf("fictional %s: type0 %ld/%ld type1 %ld/%ld en0 %ld/%ld en1 %ld/%ld translate %ld/%ld gates %d %d %d "
                   "trained %d names missing %d ambiguous %d names %d items\n",
                   l->code, l->t0.c, l->t0.n, l->t1.c, l->t1.n, l->en0.c, l->en0.n, l->en1.c, l->en1.n, l->tr.c,
                   l->tr.n, l->gate_en, l->gate_t0, l->gate_tr, l->trained, l->n_cont_missing, l->n_amb_names,
                   l->n_amb_items);
    }
    fict_write_reports(&the_fict, outdir);
    free(arena_block);
    arena_block = NULL;
    printf("%s: scored %s (fictional x %d target language%s) -> %s/report.{json,md,csv}\n", prog, the_fict.model,
           the_fict.n_langs, the_fict.n_langs == 1 ? "" : "s", outdir);
}
/* ==== end clika fictional ==== */

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
           "  --tasks fictional  the Conductivity level (XRR), scored on its own from\n"
           "                  DIR/fictional/test/ and the generated answers in\n"
           "                  RESULTS/fictional/<lang>/NAME_res.jsonl (answers to\n"
           "                  test<L>.jsonl), NAME_en_res.jsonl (the same model on\n"
           "                  testEN.jsonl) and NAME_translate_res.jsonl (translate<L>);\n"
           "                  writes report.json, report.md, report.csv\n"
           "  --results RESULTS  where those answers are (default: DIR)\n"
           "\n"
           "Answers are parsed as the CLiKA authors did: strip whitespace, take the first\n"
           "character, compare it with the gold letter; anything else counts as wrong.\n"
           "Exit status: 0 ok, 2 bad arguments or bad data (nothing is written).\n",
           prog);
}

typedef clk_status (*report_fn)(const clk_score_result *r, clk_out *o);
static const char *const report_name[4] = {"report.json", "report.md", "report.csv", "report.svg"};
static const report_fn report_write[4] = {clk_report_json, clk_report_md, clk_report_csv, clk_report_svg};

static clk_status score_render(const void *src, int i, clk_out *o)
{
    return report_write[i]((const clk_score_result *)src, o);
}

/* The four reports of a scored run, all or nothing (write_report_set). */
static void write_reports(const clk_score_result *r, const char *outdir)
{
    write_report_set(outdir, report_name, 4, score_render, r);
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
    const char *results = NULL;
    const opt opts[] = {
        {"--data", NULL, 1, &data},   {"--model", "-m", 1, &model}, {"--tasks", NULL, 1, &tasks},
        {"--langs", NULL, 1, &langs}, {"--out", "-o", 1, &out},     {"--explain", NULL, 0, &explain},
        {"--results", NULL, 1, &results}, {NULL, NULL, 0, NULL},
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
    if (tasks && strstr(tasks, "fictional")) { /* issue 9: scored on its own */
        clk_fict_opts fo;
        if (strcmp(tasks, "fictional"))
            usage_error("score", "%s", "--tasks fictional is scored on its own; score the other tasks in another run");
        fo.data = data;
        fo.results = results;
        fo.model = model;
        fo.langs = langs;
        fo.limit = 0;
        fict_score_and_report(&fo, out, explain != NULL);
        return 0;
    }
    so.data = data;
    so.model = model;
    so.tasks = tasks;
    so.langs = langs;
    score_and_report(&so, out, explain != NULL);
    return 0;
}

/* ============================================ `logits` and `generate` (fwd branch)
 *
 * Both run the decoder on one model. Start-up is model_open's start-up
 * block (index, and anything sized before the model is read), then one run
 * arena for every line the hyper-parameters size: KV cache, activations,
 * logits, tokenizer tables, the thread pool. The run arena's bytes are
 * plan.total minus what the start-up block already took.
 */

typedef struct run_ctx {
    model_file mf;
    clk_plan plan;
    clk_run_opts ro;
    uint64_t limit; /* --mem-limit, 0: none                          */
    void *raw;      /* the run arena's allocation (freed at the end) */
    clk_arena arena;
    clk_pool *pool;
    clk_fwd f;
    clk_tok tok;
} run_ctx;

/* Options both commands share. */
static void run_opts_parse(const char *cmd, run_ctx *r, const char *o_threads, const char *o_batch,
                           const char *o_f32, const char *o_limit)
{
    clk_err e;
    r->ro = clk_run_defaults();
    r->ro.n_threads = (int)opt_int(cmd, "--threads", o_threads, 1, CLK_MAX_THREADS, r->ro.n_threads);
    r->ro.n_batch = (int)opt_int(cmd, "--batch", o_batch, 1, 1L << 20, r->ro.n_batch);
    r->ro.act = o_f32 ? CLK_ACT_F32 : CLK_ACT_NATIVE;
    r->limit = 0;
    if (o_limit && clk_parse_bytes(o_limit, &r->limit, &e) != CLK_OK) usage_error(cmd, "--mem-limit: %s", e.msg);
}

static void die_in(const char *path, clk_err *e)
{
    clk_fail_wrap(e, "%s: ", path);
    die(e);
}

/* ==== clika lora (issue 9) ====
 *
 * --lora FILE [--lora-scale S], on every command that runs the model, any
 * number of times (up to CLK_MAX_ADAPTERS): each --lora-scale applies to
 * the --lora before it (default 1). lora_take_args removes them from argv
 * before the command's own parse_opts; run_open then opens every adapter
 * after the model (lora_open_all) and run_start plans the decoder with room
 * for the largest rank. Each adapter is mapped (or read, --no-mmap) and
 * indexed in its own block, sized from its header like the model's
 * start-up block; those bytes are plan lines too.
 */
typedef struct lora_file {
    const char *path;
    float scale;
    uint64_t size;
    clk_map map;
    clk_gguf_header h;
    clk_gguf g;
    clk_lora l;
    void *raw;        /* the block's allocation: [file (read path)][index][pairs] */
} lora_file;

static lora_file the_loras[CLK_MAX_ADAPTERS];
static int n_loras;

static void help_lora_opts(void)
{
    printf("  --lora FILE      apply a LoRA adapter (llama.cpp's GGUF adapter format);\n"
           "                   may be given several times\n"
           "  --lora-scale S   scale of the --lora before it (default 1): the\n"
           "                   adapter adds S * alpha/r * B A to each weight it adapts\n");
}

/* Take every --lora FILE / --lora-scale S (and the --opt=value forms) out
 * of argv; returns the new argc. */
static int lora_take_args(const char *cmd, int argc, char **argv)
{
    int i, n = 0;
    n_loras = 0;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        int is_lora = !strcmp(a, "--lora") || !strncmp(a, "--lora=", 7);
        int is_scale = !strcmp(a, "--lora-scale") || !strncmp(a, "--lora-scale=", 13);
        if (!strcmp(a, "--")) { /* positional arguments from here on */
            while (i < argc) argv[n++] = argv[i++];
            break;
        }
        if (!is_lora && !is_scale) {
            argv[n++] = argv[i];
            continue;
        }
        if (strchr(a, '='))
            v = strchr(a, '=') + 1;
        else if (i + 1 < argc)
            v = argv[++i];
        else
            usage_error(cmd, "option '%s' needs a value", a);
        if (is_lora) {
            if (n_loras == CLK_MAX_ADAPTERS) usage_error(cmd, "more than CLK_MAX_ADAPTERS adapters (at '%s')", v);
            memset(&the_loras[n_loras], 0, sizeof the_loras[0]);
            the_loras[n_loras].path = v;
            the_loras[n_loras].scale = 1.0f;
            n_loras++;
        } else {
            char *end;
            double d;
            if (n_loras == 0) usage_error(cmd, "--lora-scale %s: no --lora before it", v);
            d = strtod(v, &end);
            if (end == v || *end || !(d > -1e30 && d < 1e30)) usage_error(cmd, "--lora-scale: '%s' is not a number", v);
            the_loras[n_loras - 1].scale = (float)d;
        }
    }
    return n;
}

/* Open, check and attach every adapter to the_model (after clk_model_load).
 * Adds each one's lines to the plan (and to the start-up bytes, which the
 * run arena does not include). */
static void lora_open_all(model_file *mf, clk_plan *plan, int no_mmap, uint64_t mem_limit)
{
    int i;
    for (i = 0; i < n_loras; i++) {
        lora_file *lf = &the_loras[i];
        clk_err e;
        clk_oserr os;
        clk_plan own;
        clk_arena a;
        int is_dir = 0;
        uintptr_t pad;
        if (clk_sys_stat(lf->path, &lf->size, &is_dir) != 0 || is_dir) {
            clk_fail(&e, CLK_E_IO, "cannot open adapter file '%s'%s", lf->path, is_dir ? ": it is a directory" : "");
            die(&e);
        }
        clk_plan_init(&own);
        if (clk_sys_can_map() && !no_mmap) {
            if (clk_sys_map(lf->path, &lf->map, &os) != 0) {
                clk_fail(&e, CLK_E_IO, "%s", os.msg);
                die(&e);
            }
            lf->size = lf->map.size;
            if (clk_gguf_peek(lf->map.data, lf->map.size, &lf->h, &e) != CLK_OK) die_in(lf->path, &e);
            plan->mapped += lf->size;
        } else {
            uint8_t head[24];
            uint64_t got;
            if (clk_sys_read_head(lf->path, head, sizeof head, &got, &os) != 0) {
                clk_fail(&e, CLK_E_IO, "%s", os.msg);
                die(&e);
            }
            if (clk_gguf_peek_file(head, got, lf->size, &lf->h, &e) != CLK_OK) die_in(lf->path, &e);
            clk_plan_add(&own, "adapter file (read into the arena)", lf->size);
        }
        clk_plan_add(&own, "adapter index", clk_gguf_index_bytes(&lf->h));
        clk_lora_plan(&lf->h, &own);
        if (clk_plan_check(&own, &e) != CLK_OK) die_in(lf->path, &e);
        if (!lf->map.data) clk_plan_add(plan, "adapter file (read into the arena)", lf->size);
        clk_plan_add(plan, "adapter index", clk_gguf_index_bytes(&lf->h));
        clk_lora_plan(&lf->h, plan);
        check_mem_limit(plan, mem_limit, NULL, 0);
        mf->startup_bytes += own.total;
        lf->raw = calloc(1, (size_t)own.total + CLK_ALIGN);
        if (!lf->raw) {
            clk_fail(&e, CLK_E_NOMEM, "cannot acquire the %llu-byte adapter block the memory plan asks for",
                     (unsigned long long)own.total);
            die(&e);
        }
        pad = (CLK_ALIGN - ((uintptr_t)lf->raw & (CLK_ALIGN - 1))) & (CLK_ALIGN - 1);
        clk_arena_init(&a, (unsigned char *)lf->raw + pad, (size_t)own.total);
        if (!lf->map.data) {
            void *buf;
            if (clk_arena_alloc(&a, (size_t)lf->size, "adapter file (read into the arena)", &buf, &e) != CLK_OK)
                die(&e);
            if (clk_sys_read(lf->path, buf, lf->size, &lf->map, &os) != 0) {
                clk_fail(&e, CLK_E_IO, "%s", os.msg);
                die(&e);
            }
            if (lf->map.size != lf->size) {
                clk_fail(&e, CLK_E_IO, "'%s' changed while it was read", lf->path);
                die(&e);
            }
        }
        if (clk_gguf_parse(&lf->g, lf->map.data, lf->map.size, &a, &e) != CLK_OK) die_in(lf->path, &e);
        if (clk_lora_load(&lf->l, &the_model, &lf->g, lf->scale, &a, &e) != CLK_OK) die_in(lf->path, &e);
        fprintf(stderr, "%s: adapter %s: %d weight%s adapted, rank up to %d, alpha %g, scale %g%s\n", prog, lf->path,
                lf->l.n_w, lf->l.n_w == 1 ? "" : "s", lf->l.rank_max, (double)lf->l.alpha, (double)lf->scale,
                lf->l.n_skipped ? " (norm tensors skipped, as llama.cpp does)" : "");
    }
}

static void lora_close_all(void)
{
    int i;
    for (i = 0; i < n_loras; i++) {
        if (the_loras[i].map.mapped) clk_sys_unmap(&the_loras[i].map);
        free(the_loras[i].raw);
        the_loras[i].raw = NULL;
    }
    n_loras = 0;
}
/* ==== end clika lora ==== */

static void run_open(run_ctx *r, const char *path, int no_mmap)
{
    clk_err e;
    model_open(&r->mf, path, no_mmap, &r->plan, r->limit);
    if (clk_model_load(&the_model, &r->mf.g, &e) != CLK_OK) die_in(path, &e);
    lora_open_all(&r->mf, &r->plan, no_mmap, r->limit);
}

/* After run_open: plan the decoder (and the tokenizer for texts of up to
 * max_text bytes when `tok`, and `extra` bytes of token ids), check
 * --mem-limit, acquire the run arena, start the pool and build the stages.
 * Returns the extra bytes' address. */
static void *run_start(run_ctx *r, int tok, size_t max_text, uint64_t extra)
{
    clk_err e;
    clk_oserr os;
    uint64_t bytes;
    void *mem, *ids = NULL;
    uintptr_t pad;
    if (tok && clk_tok_plan(&r->mf.g, max_text, &r->plan, &e) != CLK_OK) die_in(r->mf.path, &e);
    if (extra) clk_plan_add(&r->plan, "token ids", extra);
    r->ro.lora_rank = the_model.lora_rank_max;
    if (clk_fwd_plan(&the_model.hp, &r->ro, &r->plan) != CLK_OK) {
        clk_fail(&e, CLK_E_LIMIT, "memory plan for ctx %d, batch %d, threads %d does not fit in 64 bits",
                 r->ro.n_ctx, r->ro.n_batch, r->ro.n_threads);
        die(&e);
    }
    check_mem_limit(&r->plan, r->limit, &r->ro, tok ? (uint64_t)max_text : 0);
    bytes = r->plan.total - r->mf.startup_bytes;
    r->raw = calloc(1, (size_t)bytes + CLK_ALIGN);
    if (!r->raw) {
        clk_fail(&e, CLK_E_NOMEM, "cannot acquire the %llu-byte run arena the memory plan asks for",
                 (unsigned long long)bytes);
        die(&e);
    }
    pad = (CLK_ALIGN - ((uintptr_t)r->raw & (CLK_ALIGN - 1))) & (CLK_ALIGN - 1);
    clk_arena_init(&r->arena, (unsigned char *)r->raw + pad, (size_t)bytes);
    if (clk_arena_alloc(&r->arena, clk_pool_bytes(r->ro.n_threads), "threads", &mem, &e) != CLK_OK) die(&e);
    if (clk_pool_start(&r->pool, mem, r->ro.n_threads, &os) != 0) {
        clk_fail(&e, CLK_E_IO, "%s", os.msg);
        die(&e);
    }
    if (tok && clk_tok_init(&r->tok, &r->mf.g, max_text, &r->arena, &e) != CLK_OK) die_in(r->mf.path, &e);
    if (extra && clk_arena_alloc(&r->arena, (size_t)extra, "token ids", &ids, &e) != CLK_OK) die(&e);
    if (clk_fwd_init(&r->f, &the_model, &r->ro, r->pool, &r->arena, &e) != CLK_OK) die_in(r->mf.path, &e);
    if (r->arena.used != r->arena.cap) { /* every planned line taken exactly once */
        clk_fail(&e, CLK_E_INTERNAL, "run arena: %llu bytes used, %llu planned", (unsigned long long)r->arena.used,
                 (unsigned long long)r->arena.cap);
        die(&e);
    }
    return ids;
}

static void run_close(run_ctx *r)
{
    clk_pool_stop(r->pool);
    free(r->raw);
    lora_close_all();
    model_close(&r->mf);
}

/* ------------------------------------------------------------ logits */

static void help_logits(void)
{
    printf("usage: %s logits MODEL.gguf --tokens FILE --out FILE.f32 [--all]\n"
           "                   [--threads N] [--ctx N] [--batch N] [--f32-act]\n"
           "                   [--mem-limit BYTES] [--no-mmap] [--lora FILE [--lora-scale S]]...\n"
           "\n"
           "Run the model on the token ids in FILE (decimal ids separated by white\n"
           "space or commas) and write its logits as raw little-endian float32: one\n"
           "row of n_vocab values per position, row i scoring the token after token\n"
           "i. Without --all only the last position's row is written.\n"
           "\n"
           "Options:\n"
           "  --all            write a row for every position\n"
           "  --threads N      worker threads (default 1); the logits are bit for bit\n"
           "                   the same for every N\n"
           "  --ctx N          positions the KV cache holds (default: the token count)\n"
           "  --batch N        tokens evaluated per step (default 512); every N gives\n"
           "                   the same bits\n"
           "  --f32-act        keep activations in f32 and dequantize the weights,\n"
           "                   instead of rounding activations to the weights'\n"
           "                   formats as llama.cpp does (slower; for comparisons)\n"
           "  --mem-limit B    refuse, printing the memory plan, if it needs more\n"
           "  --no-mmap        read the model into memory instead of mapping it\n",
           prog);
    help_lora_opts();
}

/* Parse decimal ids separated by white space or commas from text[0..len)
 * into ids (room for cap). Returns the count; *bad is the byte offset of
 * the first character that fits neither, or -1. */
static size_t parse_ids(const char *text, size_t len, int32_t *ids, size_t cap, long *bad)
{
    size_t i = 0, n = 0;
    *bad = -1;
    while (i < len) {
        unsigned long v = 0;
        size_t start = i;
        char c = text[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',') {
            i++;
            continue;
        }
        while (i < len && text[i] >= '0' && text[i] <= '9') {
            if (v < 0x80000000ul) v = v * 10 + (unsigned long)(text[i] - '0');
            i++;
        }
        if (i == start || n == cap) {
            *bad = (long)start;
            return n;
        }
        ids[n++] = v > 0x7FFFFFFFul ? INT32_MAX : (int32_t)v; /* too large: the decoder names it */
    }
    return n;
}

/* Rows of logits to the output file as little-endian float32 (converted
 * in place: the buffer is overwritten by the next step anyway). */
static void write_rows(clk_file *out, float *rows, size_t n_floats)
{
    clk_oserr os;
    clk_err e;
    size_t i;
    for (i = 0; i < n_floats; i++) {
        uint32_t u = clk_f32_bits(rows[i]);
        unsigned char *b = (unsigned char *)&rows[i];
        b[0] = (unsigned char)u, b[1] = (unsigned char)(u >> 8), b[2] = (unsigned char)(u >> 16);
        b[3] = (unsigned char)(u >> 24);
    }
    if (clk_sys_write(out, rows, n_floats * sizeof(float), &os) != 0) {
        clk_sys_abandon(out);
        clk_fail(&e, CLK_E_IO, "%s", os.msg);
        die(&e);
    }
}

static int cmd_logits(int argc, char **argv)
{
    const char *o_tokens = NULL, *o_out = NULL, *o_all = NULL, *o_threads = NULL, *o_ctx = NULL, *o_batch = NULL;
    const char *o_f32 = NULL, *o_limit = NULL, *o_nomap = NULL;
    const opt opts[] = {{"--tokens", NULL, 1, &o_tokens}, {"--out", "-o", 1, &o_out},
                        {"--all", NULL, 0, &o_all},       {"--threads", "-t", 1, &o_threads},
                        {"--ctx", NULL, 1, &o_ctx},       {"--batch", NULL, 1, &o_batch},
                        {"--f32-act", NULL, 0, &o_f32},   {"--mem-limit", NULL, 1, &o_limit},
                        {"--no-mmap", NULL, 0, &o_nomap}, {NULL, NULL, 0, NULL}};
    const char *pos[1] = {NULL};
    run_ctx r;
    clk_err e;
    clk_oserr os;
    clk_map tmap;
    clk_file out;
    uint64_t tsize = 0, max_ids;
    int is_dir = 0, n_vocab;
    void *tbuf = NULL, *ibuf = NULL;
    int32_t *ids;
    int *rows;
    size_t n, s, i;
    long bad;
    double t0, dt;

    argc = lora_take_args("logits", argc, argv);
    if (parse_opts("logits", argc, argv, opts, pos, 1, help_logits) != 1)
        usage_error("logits", "%s", "expected one MODEL.gguf");
    if (!o_tokens) usage_error("logits", "%s", "--tokens FILE is required");
    if (!o_out) usage_error("logits", "%s", "--out FILE.f32 is required");
    memset(&r, 0, sizeof r);
    run_opts_parse("logits", &r, o_threads, o_batch, o_f32, o_limit);

    /* The token file and its ids go in the start-up block, so that their
     * count is known when the decoder is planned (--ctx defaults to it). */
    if (clk_sys_stat(o_tokens, &tsize, &is_dir) != 0 || is_dir) {
        clk_fail(&e, CLK_E_IO, "cannot open token file '%s'%s", o_tokens, is_dir ? ": it is a directory" : "");
        die(&e);
    }
    max_ids = tsize / 2 + 1; /* every id but the last takes a digit and a separator */
    clk_plan_init(&r.plan);
    clk_plan_add(&r.plan, "token file", tsize + 1);
    clk_plan_add(&r.plan, "token ids", max_ids * sizeof(int32_t));
    run_open(&r, pos[0], o_nomap != NULL);
    if (clk_arena_alloc(&r.mf.startup, (size_t)tsize + 1, "token file", &tbuf, &e) != CLK_OK ||
        clk_arena_alloc(&r.mf.startup, (size_t)max_ids * sizeof(int32_t), "token ids", &ibuf, &e) != CLK_OK)
        die(&e);
    if (clk_sys_read(o_tokens, tbuf, tsize + 1, &tmap, &os) != 0) {
        clk_fail(&e, CLK_E_IO, "%s", os.msg);
        die(&e);
    }
    ids = (int32_t *)ibuf;
    n = parse_ids((const char *)tmap.data, (size_t)tmap.size, ids, (size_t)max_ids, &bad);
    if (bad >= 0) {
        clk_fail(&e, CLK_E_FORMAT, "%s: byte %ld: expected a token id (decimal digits) or a separator, found '%c'",
                 o_tokens, bad, ((const char *)tmap.data)[bad]);
        die(&e);
    }
    if (n == 0) {
        clk_fail(&e, CLK_E_DATA, "%s: no token ids in the file", o_tokens);
        die(&e);
    }
    if (n > (size_t)(1L << 24)) {
        clk_fail(&e, CLK_E_LIMIT, "%s: %zu token ids are more than a context can hold (2^24)", o_tokens, n);
        die(&e);
    }
    r.ro.n_ctx = (int)opt_int("logits", "--ctx", o_ctx, 1, 1L << 24, (long)n);
    if ((size_t)r.ro.n_ctx < n) {
        clk_fail(&e, CLK_E_ARG, "%s: %zu tokens do not fit in --ctx %d", o_tokens, n, r.ro.n_ctx);
        die(&e);
    }
    /* --all: rows are computed and written one batch step at a time (a
     * prefix in the cache plus a suffix gives the bits of one batch), so
     * the logits buffer holds one step's rows, not n. */
    r.ro.n_out = o_all ? (int)(n < (size_t)r.ro.n_batch ? n : (size_t)r.ro.n_batch) : 1;
    rows = (int *)run_start(&r, 0, 0, (uint64_t)r.ro.n_out * sizeof(int));
    n_vocab = the_model.hp.n_vocab;

    if (clk_sys_create(&out, o_out, &os) != 0) {
        clk_fail(&e, CLK_E_IO, "%s", os.msg);
        die(&e);
    }
    t0 = clk_sys_seconds();
    for (i = 0; i < (size_t)r.ro.n_out; i++) rows[i] = (int)i;
    if (o_all) {
        for (s = 0; s < n; s += (size_t)r.ro.n_out) {
            size_t nb = n - s < (size_t)r.ro.n_out ? n - s : (size_t)r.ro.n_out;
            if (clk_fwd_eval(&r.f, ids + s, (int)nb, (int)s, rows, (int)nb, &e) != CLK_OK) {
                clk_sys_abandon(&out);
                die_in(o_tokens, &e);
            }
            write_rows(&out, r.f.logits, nb * (size_t)n_vocab);
        }
    } else {
        rows[0] = (int)n - 1;
        if (clk_fwd_eval(&r.f, ids, (int)n, 0, rows, 1, &e) != CLK_OK) {
            clk_sys_abandon(&out);
            die_in(o_tokens, &e);
        }
        write_rows(&out, r.f.logits, (size_t)n_vocab);
    }
    if (clk_sys_commit(&out, &os) != 0) {
        clk_fail(&e, CLK_E_IO, "%s", os.msg);
        die(&e);
    }
    dt = clk_sys_seconds() - t0;
    fprintf(stderr, "%s logits: %zu tokens, %zu row%s of %d logits -> %s (%.3f s, %.1f tokens/s, %d thread%s)\n", prog,
            n, o_all ? n : (size_t)1, o_all && n > 1 ? "s" : "", n_vocab, o_out, dt, dt > 0 ? (double)n / dt : 0.0,
            r.ro.n_threads, r.ro.n_threads > 1 ? "s" : "");
    if (tmap.mapped) clk_sys_unmap(&tmap);
    run_close(&r);
    return 0;
}

/* ------------------------------------------------------------ generate */

static void help_generate(void)
{
    printf("usage: %s generate MODEL.gguf --prompt TEXT [-n N] [--threads N] [--ctx N]\n"
           "                     [--batch N] [--f32-act] [--mem-limit BYTES] [--no-mmap]\n"
           "                     [--lora FILE [--lora-scale S]]...\n"
           "\n"
           "Continue TEXT greedily (always the most likely next token) and print the\n"
           "continuation, without the prompt, as it is produced. The prompt is\n"
           "tokenized as llama.cpp does (BOS added if the vocabulary asks for it,\n"
           "special tokens recognised); generation stops after N tokens or at an\n"
           "end-of-generation token (not printed). A newline ends the output only\n"
           "when it goes to a terminal, so a pipe receives exactly the text.\n"
           "Timing goes to standard error.\n"
           "\n"
           "Options:\n"
           "  -n N             tokens to generate (default 64)\n"
           "  --threads N      worker threads (default 1)\n"
           "  --ctx N          positions the KV cache holds (default: room for the\n"
           "                   prompt and N tokens, at most the trained context)\n"
           "  --batch N        prompt tokens evaluated per step (default 512)\n"
           "  --f32-act        f32 activations (see 'clika logits --help')\n"
           "  --mem-limit B    refuse, printing the memory plan, if it needs more\n"
           "  --no-mmap        read the model into memory instead of mapping it\n",
           prog);
    help_lora_opts();
}

static int argmax_row(const float *x, int n)
{
    int i, b = 0;
    for (i = 1; i < n; i++)
        if (x[i] > x[b]) b = i; /* ties: the lowest id */
    return b;
}

static int cmd_generate(int argc, char **argv)
{
    const char *o_prompt = NULL, *o_n = NULL, *o_threads = NULL, *o_ctx = NULL, *o_batch = NULL, *o_f32 = NULL;
    const char *o_limit = NULL, *o_nomap = NULL;
    const opt opts[] = {{"--prompt", "-p", 1, &o_prompt},   {"-n", "--n-predict", 1, &o_n},
                        {"--threads", "-t", 1, &o_threads}, {"--ctx", NULL, 1, &o_ctx},
                        {"--batch", NULL, 1, &o_batch},     {"--f32-act", NULL, 0, &o_f32},
                        {"--mem-limit", NULL, 1, &o_limit}, {"--no-mmap", NULL, 0, &o_nomap},
                        {NULL, NULL, 0, NULL}};
    const char *pos[1] = {NULL};
    static char piece[4096];
    run_ctx r;
    clk_err e;
    size_t plen, max_prompt, n_prompt, k;
    long n_gen, ctx_dflt;
    int32_t *ids;
    int last[1], n_vocab, done = 0, stop_eog = 0;
    double t0, t1, t2;

    argc = lora_take_args("generate", argc, argv);
    if (parse_opts("generate", argc, argv, opts, pos, 1, help_generate) != 1)
        usage_error("generate", "%s", "expected one MODEL.gguf");
    if (!o_prompt) usage_error("generate", "%s", "--prompt TEXT is required");
    memset(&r, 0, sizeof r);
    run_opts_parse("generate", &r, o_threads, o_batch, o_f32, o_limit);
    n_gen = opt_int("generate", "-n", o_n, 0, 1L << 20, 64);
    plen = strlen(o_prompt);
    max_prompt = clk_tok_max_tokens(plen);
    clk_plan_init(&r.plan);
    run_open(&r, pos[0], o_nomap != NULL);
    /* The prompt's length in tokens is known only once the tokenizer, which
     * lives in the run arena, has read it: the default context takes the
     * tokenizer's bound (KV pages beyond what is used are never touched),
     * but no more than the model was trained for. */
    ctx_dflt = (long)(max_prompt + (size_t)n_gen);
    if (ctx_dflt > (long)the_model.hp.n_ctx_train && the_model.hp.n_ctx_train > 0) ctx_dflt = the_model.hp.n_ctx_train;
    if (ctx_dflt > (1L << 24)) ctx_dflt = 1L << 24;
    r.ro.n_ctx = (int)opt_int("generate", "--ctx", o_ctx, 1, 1L << 24, ctx_dflt);
    r.ro.n_out = 1;
    ids = (int32_t *)run_start(&r, 1, plen, (uint64_t)(max_prompt + (size_t)n_gen) * sizeof(int32_t));
    n_vocab = the_model.hp.n_vocab;

    if (clk_tok_encode(&r.tok, o_prompt, plen, 1, 1, ids, max_prompt, &n_prompt, &e) != CLK_OK) die(&e);
    if (n_prompt == 0) {
        clk_fail(&e, CLK_E_ARG, "the prompt gives no tokens (and the vocabulary adds no BOS): nothing to continue");
        die(&e);
    }
    if (n_prompt > (size_t)r.ro.n_ctx) {
        clk_fail(&e, CLK_E_ARG, "the prompt is %zu tokens, more than --ctx %d", n_prompt, r.ro.n_ctx);
        die(&e);
    }
    t0 = clk_sys_seconds();
    last[0] = (int)n_prompt - 1;
    if (clk_fwd_eval(&r.f, ids, (int)n_prompt, 0, last, 1, &e) != CLK_OK) die(&e);
    t1 = clk_sys_seconds();
    last[0] = 0;
    for (k = 0; k < (size_t)n_gen; k++) {
        int32_t next = (int32_t)argmax_row(r.f.logits, n_vocab);
        size_t len;
        if (clk_tok_is_eog(&r.tok, next)) {
            stop_eog = 1;
            break;
        }
        if (clk_tok_piece(&r.tok, next, 0, 0, piece, sizeof piece, &len, &e) != CLK_OK) die(&e);
        fwrite(piece, 1, len, stdout);
        fflush(stdout);
        ids[n_prompt + k] = next;
        done++;
        if (k + 1 == (size_t)n_gen) break;
        if (n_prompt + k >= (size_t)r.ro.n_ctx) { /* no cache slot left to evaluate this token in */
            fprintf(stderr, "\n%s generate: the context of %d positions is full\n", prog, r.ro.n_ctx);
            break;
        }
        if (clk_fwd_eval(&r.f, ids + n_prompt + k, 1, (int)(n_prompt + k), last, 1, &e) != CLK_OK) die(&e);
    }
    t2 = clk_sys_seconds();
    if (clk_sys_isatty(1)) fputc('\n', stdout);
    fflush(stdout);
    fprintf(stderr,
            "%s generate: prompt %zu tokens in %.3f s (%.1f tokens/s); %d generated in %.3f s (%.1f tokens/s)%s\n",
            prog, n_prompt, t1 - t0, t1 > t0 ? (double)n_prompt / (t1 - t0) : 0.0, done, t2 - t1,
            t2 > t1 ? (double)done / (t2 - t1) : 0.0, stop_eog ? "; stopped at end of generation" : "");
    run_close(&r);
    return 0;
}

/* ============================================= `tokenize` (tok branch, issue 4)
 *
 * clika tokenize MODEL.gguf [--special] [--no-bos] (TEXT | --file PATH) [--detok]
 *
 * The ids llama.cpp's llama-tokenize prints for the same flags: BOS when the
 * vocabulary adds one (unless --no-bos), control tokens such as
 * <|im_start|> matched only with --special. Memory: the start-up block of
 * model_open, then one run arena: tokenizer tables and scratch for exactly
 * this text, the text itself (--file), the ids and the decoded text.
 */

static void help_tokenize(void)
{
    printf("usage: %s tokenize MODEL.gguf [--special] [--no-bos] (TEXT | --file PATH) [--detok]\n"
           "\n"
           "Tokenizes TEXT (or the bytes of PATH, verbatim) with the model's vocabulary,\n"
           "exactly as llama.cpp does, and prints the token ids on one line separated by\n"
           "spaces. Works with vocabulary-only GGUF files too.\n"
           "\n"
           "  --special      match control tokens written in the text (<|im_start|>,\n"
           "                 <start_of_turn>, ...) and show them when decoding; without\n"
           "                 it they are tokenized as plain text\n"
           "  --no-bos       do not add the BOS token the vocabulary asks for\n"
           "  --file PATH    read the text from PATH instead of the command line\n"
           "  --detok        print the decoded text of the ids (and a newline) instead of\n"
           "                 the ids: llama_detokenize without removing BOS/EOS\n"
           "  --no-mmap      read the model file into memory instead of mapping it\n",
           prog);
}

static int cmd_tokenize(int argc, char **argv)
{
    const char *o_special = NULL, *o_nobos = NULL, *o_file = NULL, *o_detok = NULL, *o_nomap = NULL;
    const opt opts[] = {{"--special", NULL, 0, &o_special}, {"--no-bos", NULL, 0, &o_nobos},
                        {"--file", "-f", 1, &o_file},       {"--detok", NULL, 0, &o_detok},
                        {"--no-mmap", NULL, 0, &o_nomap},   {NULL, NULL, 0, NULL}};
    static const char *const LINE_TEXT = "tokenize: text", *const LINE_IDS = "tokenize: token ids",
                             *const LINE_DETOK = "tokenize: decoded text";
    const char *pos[2] = {NULL, NULL};
    /* static: the blocks stay reachable until exit (LeakSanitizer) */
    static model_file mf;
    static clk_arena a;
    static clk_tok tok;
    clk_plan plan, run;
    clk_err e;
    const char *text;
    char *dec = NULL;
    int32_t *ids;
    size_t len, n, i, cap_ids, cap_dec = 0;
    int npos;

    npos = parse_opts("tokenize", argc, argv, opts, pos, 2, help_tokenize);
    if (npos < 1) usage_error("tokenize", "%s", "expected MODEL.gguf and a TEXT (or --file PATH)");
    if ((npos == 2) == (o_file != NULL))
        usage_error("tokenize", "%s", o_file ? "give either TEXT or --file PATH, not both" : "expected a TEXT or --file PATH");

    if (o_file) {
        uint64_t size;
        int is_dir = 0;
        if (clk_sys_stat(o_file, &size, &is_dir) != 0 || is_dir) {
            clk_fail(&e, CLK_E_IO, "cannot read text file '%s'%s", o_file, is_dir ? ": it is a directory" : "");
            die(&e);
        }
        if (size > CLK_MAX_TOK_TEXT) {
            clk_fail(&e, CLK_E_LIMIT, "text file '%s' has %llu bytes, more than CLK_MAX_TOK_TEXT (%u)", o_file,
                     (unsigned long long)size, (unsigned)CLK_MAX_TOK_TEXT);
            die(&e);
        }
        len = (size_t)size;
        text = NULL;
    } else {
        text = pos[1];
        len = strlen(text);
    }

    clk_plan_init(&plan);
    model_open(&mf, pos[0], o_nomap != NULL, &plan, 0);

    clk_plan_init(&run);
    if (clk_tok_plan(&mf.g, len, &run, &e) != CLK_OK) {
        clk_fail_wrap(&e, "%s: ", pos[0]);
        die(&e);
    }
    cap_ids = clk_tok_max_tokens(len);
    if (o_file) clk_plan_add(&run, LINE_TEXT, len + 1);
    clk_plan_add(&run, LINE_IDS, cap_ids * sizeof(int32_t));
    if (o_detok) {
        cap_dec = 3 * len + 1024; /* pieces of our own ids: at most 3 bytes per text byte (U+FFFD) + BOS/EOS */
        clk_plan_add(&run, LINE_DETOK, cap_dec);
    }
    if (clk_plan_check(&run, &e) != CLK_OK) die(&e);
    clk_arena_init(&a, acquire_block(run.total, "tokenizer arena"), (size_t)run.total);

    if (clk_tok_init(&tok, &mf.g, len, &a, &e) != CLK_OK) {
        clk_fail_wrap(&e, "%s: ", pos[0]);
        die(&e);
    }
    if (o_file) {
        void *buf;
        clk_map m;
        clk_oserr os;
        if (clk_arena_alloc(&a, len + 1, LINE_TEXT, &buf, &e) != CLK_OK) die(&e);
        if (clk_sys_read(o_file, buf, len, &m, &os) != 0) {
            clk_fail(&e, CLK_E_IO, "%s", os.msg);
            die(&e);
        }
        if (m.size != len) {
            clk_fail(&e, CLK_E_IO, "'%s' changed while it was read (%llu bytes, expected %zu)", o_file,
                     (unsigned long long)m.size, len);
            die(&e);
        }
        text = (const char *)buf;
    }
    if (clk_arena_alloc(&a, cap_ids * sizeof(int32_t), LINE_IDS, (void **)&ids, &e) != CLK_OK) die(&e);
    if (clk_tok_encode(&tok, text, len, tok.add_bos && !o_nobos, o_special != NULL, ids, cap_ids, &n, &e) != CLK_OK) {
        clk_fail_wrap(&e, "%s: ", o_file ? o_file : "TEXT");
        die(&e);
    }
    if (o_detok) {
        size_t dl;
        if (clk_arena_alloc(&a, cap_dec, LINE_DETOK, (void **)&dec, &e) != CLK_OK) die(&e);
        if (clk_tok_decode(&tok, ids, n, o_special ? CLK_TOK_DEC_SPECIAL : 0, dec, cap_dec, &dl, &e) != CLK_OK) die(&e);
        fwrite(dec, 1, dl, stdout);
        fputc('\n', stdout);
    } else {
        for (i = 0; i < n; i++) printf(i ? " %ld" : "%ld", (long)ids[i]);
        printf("\n");
    }
    if (fflush(stdout) != 0) {
        clk_fail(&e, CLK_E_IO, "writing to standard output failed");
        die(&e);
    }
    return 0;
}

/* ================================== clika quantize (issue 5, branch quant) */

static void help_quantize(void)
{
    printf("usage: %s quantize IN.gguf OUT.gguf TYPE [--threads N] [--pure]\n"
           "                      [--tensor-type PATTERN=TYPE[,...]] [--dry-run] [-v]\n"
           "                      [--mem-limit BYTES] [--no-mmap]\n"
           "\n"
           "Writes OUT.gguf with the weights of IN.gguf in TYPE: F32 F16 BF16 Q8_0 Q4_0\n"
           "Q4_1 Q5_0 Q5_1 Q4_K_S Q4_K_M Q5_K_S Q5_K_M Q6_K (Q4_K and Q5_K mean the _M\n"
           "mixes). Each tensor gets the type llama.cpp's llama-quantize gives it: norms\n"
           "and other vectors stay as they are, the output matrix (token_embd when tied)\n"
           "gets Q6_K (or Q8_0), the _M mixes raise attn_v and ffn_down of some layers to\n"
           "Q6_K, and rows that fit no block fall back (Q4_K->Q5_0, Q5_K->Q5_1, Q6_K->Q8_0,\n"
           "else F16). From an F32/F16/BF16 file the result is byte for byte the file\n"
           "llama-quantize writes. A quantized input is dequantized first and quantized\n"
           "again (llama-quantize needs --allow-requantize for that); tensors already in\n"
           "their target type are copied. The metadata is copied; general.file_type and\n"
           "general.quantization_version are set. OUT appears only when complete.\n"
           "\n"
           "  --threads N        threads converting rows (default 1; same bytes for any N)\n"
           "  --pure             no mix: every weight in TYPE (fallbacks still apply)\n"
           "  --tensor-type L    comma-separated PATTERN=TYPE: tensors whose name contains\n"
           "                     PATTERN get TYPE (first match wins), e.g. ffn_down=f16\n"
           "  --dry-run          print the type of every tensor and the sizes; write nothing\n"
           "  -v, --verbose      one line per tensor while writing\n"
           "  --mem-limit B      refuse if the plan needs more than B bytes (K, M, G)\n"
           "  --no-mmap          read IN into memory instead of mapping it\n",
           prog);
}

typedef struct quant_show {
    int verbose;
} quant_show;

/* "[896, 4864]" */
static const char *shape_str(const int64_t *ne, uint32_t n_dims, char *buf, size_t cap)
{
    size_t len = 0;
    uint32_t d;
    len += (size_t)snprintf(buf, cap, "[");
    for (d = 0; d < n_dims && len < cap; d++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%lld", d ? ", " : "", (long long)ne[d]);
    if (len < cap) snprintf(buf + len, cap - len, "]");
    return buf;
}

static void quant_line(FILE *f, const clk_quant *q, uint32_t i)
{
    const clk_quant_pick *p = &q->pick[i];
    const clk_quant_tensor *t = &q->t[p->src];
    char shape[64], why[96];
    fprintf(f, "[%4u/%4u] %-36.*s %-14s %-5s -> %-5s %s\n", i + 1, q->n_tensors, (int)t->name.n, t->name.p,
            shape_str(t->ne, p->n_dims, shape, sizeof shape), clk_type(t->type)->name, clk_type(p->type)->name,
            clk_quant_why(p->why, why, sizeof why));
}

static void quant_progress(void *ctx, const clk_quant *q, uint32_t i)
{
    if (((quant_show *)ctx)->verbose) quant_line(stderr, q, i);
}

/* "q4_K x13, q6_K x3, f32 x5" */
static void quant_type_counts(FILE *f, const clk_quant *q)
{
    uint32_t count[CLK_T_COUNT] = {0}, i;
    int t, first = 1;
    for (i = 0; i < q->n_tensors; i++) count[q->pick[i].type]++;
    for (t = 0; t < CLK_T_COUNT; t++)
        if (count[t]) {
            fprintf(f, "%s%s x%u", first ? "" : ", ", clk_type(t)->name, count[t]);
            first = 0;
        }
}

static int cmd_quantize(int argc, char **argv)
{
    const char *o_threads = NULL, *o_pure = NULL, *o_tt = NULL, *o_dry = NULL, *o_verbose = NULL, *o_limit = NULL,
               *o_nomap = NULL;
    const opt opts[] = {{"--threads", "-t", 1, &o_threads}, {"--pure", NULL, 0, &o_pure},
                        {"--tensor-type", NULL, 1, &o_tt},  {"--dry-run", NULL, 0, &o_dry},
                        {"--verbose", "-v", 0, &o_verbose}, {"--mem-limit", NULL, 1, &o_limit},
                        {"--no-mmap", NULL, 0, &o_nomap},   {NULL, NULL, 0, NULL}};
    const char *pos[3] = {NULL, NULL, NULL};
    model_file mf;
    clk_plan plan;
    clk_arena arena;
    clk_err e;
    clk_oserr os;
    clk_quant_opts qo;
    clk_quant_model qm;
    static clk_quant q;
    clk_pool *pool = NULL;
    quant_show show;
    uint64_t limit = 0;
    int ftype, n_threads;
    double t0;
    char hb[32], hb2[32];

    if (parse_opts("quantize", argc, argv, opts, pos, 3, help_quantize) != 3)
        usage_error("quantize", "%s", "expected IN.gguf OUT.gguf TYPE");
    if (clk_quant_ftype_parse(pos[2], &ftype, &e) != CLK_OK) usage_error("quantize", "%s", e.msg);
    n_threads = (int)opt_int("quantize", "--threads", o_threads, 1, CLK_MAX_THREADS, 1);
    if (o_limit && clk_parse_bytes(o_limit, &limit, &e) != CLK_OK) usage_error("quantize", "--mem-limit: %s", e.msg);
    clk_quant_opts_init(&qo, ftype);
    qo.pure = o_pure != NULL;
    qo.n_threads = n_threads;
    if (o_tt && clk_quant_parse_overrides(&qo, o_tt, &e) != CLK_OK) usage_error("quantize", "%s", e.msg);
    show.verbose = o_verbose != NULL;
    t0 = clk_sys_seconds();

    /* the input must be a model clika runs: then so is the output */
    clk_plan_init(&plan);
    model_open(&mf, pos[0], o_nomap != NULL, &plan, limit);
    if (clk_model_load(&the_model, &mf.g, &e) != CLK_OK) {
        clk_fail_wrap(&e, "%s: ", pos[0]);
        die(&e);
    }
    clk_quant_model_from_hparams(&the_model.hp, &qm);

    /* run arena: the quantize lines and the thread pool */
    if (clk_quant_plan_gguf(&mf.g, &qo, &plan, &e) != CLK_OK) die(&e);
    if (n_threads > 1) clk_plan_add(&plan, "thread pool", clk_pool_bytes(n_threads));
    check_mem_limit(&plan, limit, NULL, 0);
    {
        clk_plan run = plan;
        run.total = plan.total - mf.startup_bytes;
        acquire(&arena, &run);
    }
    if (n_threads > 1) {
        void *mem;
        if (clk_arena_alloc(&arena, clk_pool_bytes(n_threads), "thread pool", &mem, &e) != CLK_OK) die(&e);
        if (clk_pool_start(&pool, mem, n_threads, &os) != 0) {
            clk_fail(&e, CLK_E_IO, "%s", os.msg);
            die(&e);
        }
    }
    if (clk_quant_init_gguf(&q, &mf.g, &qm, &qo, pool, &arena, &e) != CLK_OK) {
        clk_fail_wrap(&e, "%s: ", pos[0]);
        die(&e);
    }

    if (o_dry) {
        uint32_t i;
        for (i = 0; i < q.n_tensors; i++) quant_line(stdout, &q, i);
        printf("%s -> %s: %s (%u tensors: ", pos[0], clk_quant_ftype_name(ftype), human(q.file_bytes, hb, sizeof hb),
               q.n_tensors);
        quant_type_counts(stdout, &q);
        printf("; %u converted, %u fallbacks); nothing written (--dry-run)\n", q.n_converted, q.n_fallback);
    } else {
        clk_file f;
        clk_out o;
        if (clk_sys_create(&f, pos[1], &os) != 0) {
            clk_fail(&e, CLK_E_IO, "%s", os.msg);
            die(&e);
        }
        o = file_out(&f, &e);
        if (clk_quant_write(&q, &o, quant_progress, &show, &e) != CLK_OK) {
            clk_sys_abandon(&f);
            clk_fail_wrap(&e, "%s: ", pos[0]);
            die(&e);
        }
        if (clk_sys_commit(&f, &os) != 0) {
            clk_fail(&e, CLK_E_IO, "%s", os.msg);
            die(&e);
        }
        printf("%s: %s (%s) -> %s %s (%s, %.2f bits per weight) in %.2f s, %d thread%s\n", prog, pos[0],
               human(q.bytes_in, hb, sizeof hb), pos[1], clk_quant_ftype_name(ftype), human(q.bytes_out, hb2, sizeof hb2),
               q.n_elements ? (double)q.bytes_out * 8.0 / (double)q.n_elements : 0.0, clk_sys_seconds() - t0,
               n_threads, n_threads == 1 ? "" : "s");
        printf("  tensors: ");
        quant_type_counts(stdout, &q);
        printf(" (%u converted, %u copied, %u fell back)\n", q.n_converted, q.n_tensors - q.n_converted, q.n_fallback);
    }
    if (q.n_requant)
        fprintf(stderr,
                "%s: note: %u tensors were already quantized: they were dequantized and quantized again, which "
                "adds the errors of both types\n",
                prog, q.n_requant);
    {
        uint32_t i, n = 0;
        for (i = 0; i < q.n_tensors; i++)
            if (q.pick[i].why & CLK_QWHY_NOT_LLAMA) n++;
        if (n)
            fprintf(stderr,
                    "%s: note: %u tensors have rows that fit no block of %s and are F16; llama-quantize refuses "
                    "such a file unless told --tensor-type NAME=f16\n",
                    prog, n, clk_quant_ftype_name(ftype));
    }
    if (pool) clk_pool_stop(pool);
    free(arena_block);
    arena_block = NULL;
    model_close(&mf);
    return 0;
}

/* ========================================== clika bench (issue 6, simd branch)
 *
 * Prompt processing and generation speed with llama-bench's definitions:
 *   pp P  one batch of P tokens from an empty cache, logits for the last
 *         position only; t/s = P / seconds
 *   tg N  N single-token decodes from an empty cache, logits for each;
 *         t/s = N / seconds
 * The tokens are pseudo-random ids (fixed seed), as llama-bench's are
 * random. One untimed warm-up of each test, then -r timed repetitions; the
 * figure is their median (the spread is the standard deviation). Peak RSS
 * is the process's maximum resident set (getrusage) at the end: the mapped
 * weights that were touched, plus the run arena.
 */

static void help_bench(void)
{
    printf("usage: %s bench MODEL.gguf [-p 128] [-n 32] [-r 5] [--threads N] [--json]\n"
           "                  [--lora FILE [--lora-scale S]]...\n"
           "\n"
           "Measure prompt processing (pp: one batch of P tokens, logits for the last\n"
           "position only) and generation (tg: N single-token decodes) in tokens per\n"
           "second, as llama-bench defines them: median of R runs after one warm-up.\n"
           "\n"
           "  -p, --n-prompt P   prompt tokens (0: skip pp; default 128)\n"
           "  -n, --n-gen N      generated tokens (0: skip tg; default 32)\n"
           "  -r, --repetitions R  timed runs per test (default 5)\n"
           "  -t, --threads N    worker threads (default: the number of CPUs)\n"
           "  --json             one JSON object per test on stdout instead of the table\n"
           "  --no-mmap          read the model into memory instead of mapping it\n",
           prog);
    help_lora_opts();
}

static int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One test: reps timed runs of pp (n_gen == 0) or tg; t/s per run in tps[]. */
static void bench_run(run_ctx *r, const int32_t *ids, int n_prompt, int n_gen, int reps, double *tps)
{
    clk_err e;
    int rep, k, last[1];
    for (rep = -1; rep < reps; rep++) { /* rep -1: the warm-up */
        double t0 = clk_sys_seconds(), t;
        if (n_gen == 0) {
            last[0] = n_prompt - 1;
            if (clk_fwd_eval(&r->f, ids, n_prompt, 0, last, 1, &e) != CLK_OK) die(&e);
        } else {
            last[0] = 0;
            for (k = 0; k < n_gen; k++)
                if (clk_fwd_eval(&r->f, ids + k, 1, k, last, 1, &e) != CLK_OK) die(&e);
        }
        t = clk_sys_seconds() - t0;
        if (rep >= 0) tps[rep] = (double)(n_gen ? n_gen : n_prompt) / (t > 0 ? t : 1e-9);
    }
}

static int cmd_bench(int argc, char **argv)
{
    const char *o_p = NULL, *o_n = NULL, *o_r = NULL, *o_threads = NULL, *o_json = NULL, *o_nomap = NULL;
    const opt opts[] = {{"--n-prompt", "-p", 1, &o_p},      {"--n-gen", "-n", 1, &o_n},
                        {"--repetitions", "-r", 1, &o_r},   {"--threads", "-t", 1, &o_threads},
                        {"--json", NULL, 0, &o_json},       {"--no-mmap", NULL, 0, &o_nomap},
                        {NULL, NULL, 0, NULL}};
    const char *pos[1] = {NULL}, *base;
    static double tps[1000], sorted[1000];
    char sz[32], thr[16];
    run_ctx r;
    int32_t *ids;
    long n_prompt, n_gen, reps, i, test;
    uint64_t rng = 0x9E3779B97F4A7C15ull;

    argc = lora_take_args("bench", argc, argv);
    if (parse_opts("bench", argc, argv, opts, pos, 1, help_bench) != 1)
        usage_error("bench", "%s", "expected one MODEL.gguf");
    memset(&r, 0, sizeof r);
    snprintf(thr, sizeof thr, "%d", clk_sys_ncpu() < CLK_MAX_THREADS ? clk_sys_ncpu() : CLK_MAX_THREADS);
    run_opts_parse("bench", &r, o_threads ? o_threads : thr, NULL, NULL, NULL);
    n_prompt = opt_int("bench", "-p", o_p, 0, 1L << 16, 128);
    n_gen = opt_int("bench", "-n", o_n, 0, 1L << 16, 32);
    reps = opt_int("bench", "-r", o_r, 1, 1000, 5);
    if (n_prompt == 0 && n_gen == 0) usage_error("bench", "%s", "-p 0 and -n 0: nothing to measure");
    clk_plan_init(&r.plan);
    run_open(&r, pos[0], o_nomap != NULL);
    r.ro.n_ctx = (int)(n_prompt > n_gen ? n_prompt : n_gen);
    r.ro.n_batch = n_prompt > 0 ? (int)n_prompt : 1;
    r.ro.n_out = 1;
    ids = (int32_t *)run_start(&r, 0, 0, (uint64_t)r.ro.n_ctx * sizeof(int32_t));
    for (i = 0; i < r.ro.n_ctx; i++) { /* xorshift: random ids, the same every run */
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        ids[i] = (int32_t)(rng % (uint64_t)the_model.hp.n_vocab);
    }
    base = strrchr(pos[0], '/');
    base = base ? base + 1 : pos[0];
    human(r.mf.size, sz, sizeof sz);
    if (!o_json) {
        printf("| %-32s | %10s | %8s | %7s | %7s | %8s | %16s |\n", "model", "size", "params", "port", "threads", "test",
               "t/s");
        printf("| %.32s | %.10s | %.8s | %.7s | %.7s | %.8s | %.16s |\n", "--------------------------------",
               "----------", "--------", "-------", "-------", "--------", "----------------");
        fflush(stdout);
    }
    for (test = 0; test < 2; test++) {
        long n = test == 0 ? n_prompt : n_gen;
        double med, mean = 0.0, var = 0.0;
        char name[32];
        if (n == 0) continue;
        bench_run(&r, ids, test == 0 ? (int)n_prompt : 0, test == 0 ? 0 : (int)n_gen, (int)reps, tps);
        memcpy(sorted, tps, sizeof(double) * (size_t)reps);
        qsort(sorted, (size_t)reps, sizeof(double), bench_cmp);
        med = reps % 2 ? sorted[reps / 2] : 0.5 * (sorted[reps / 2 - 1] + sorted[reps / 2]);
        for (i = 0; i < reps; i++) mean += tps[i] / (double)reps;
        for (i = 0; i < reps; i++) var += (tps[i] - mean) * (tps[i] - mean) / (double)(reps > 1 ? reps - 1 : 1);
        snprintf(name, sizeof name, "%s%ld", test == 0 ? "pp" : "tg", n);
        if (o_json) {
            printf("{\"model\":");
            json_str(stdout, base, strlen(base));
            printf(",\"size\":%llu,\"params\":%llu,\"port\":\"%s\",\"threads\":%d,\"test\":\"%s\",\"n_prompt\":%ld,"
                   "\"n_gen\":%ld,\"reps\":%ld,\"tps_median\":%.3f,\"tps_mean\":%.3f,\"tps_stddev\":%.3f,\"samples_ts\":[",
                   (unsigned long long)r.mf.size, (unsigned long long)the_model.n_params, clk_port_kernels()->name,
                   r.ro.n_threads, name, test == 0 ? n_prompt : 0L, test == 0 ? 0L : n_gen, reps, med, mean, sqrt(var));
            for (i = 0; i < reps; i++) printf("%s%.3f", i ? "," : "", tps[i]);
            printf("],\"peak_rss\":%llu}\n", (unsigned long long)clk_sys_peak_rss());
        } else {
            char params[32];
            snprintf(params, sizeof params, "%.2f M", (double)the_model.n_params / 1e6);
            printf("| %-32.32s | %10s | %8s | %7s | %7d | %8s | %8.2f ± %5.2f |\n", base, sz, params,
                   clk_port_kernels()->name, r.ro.n_threads, name, med, sqrt(var));
        }
        fflush(stdout);
    }
    if (!o_json) {
        char rss[32];
        printf("\npeak RSS %s (model file %s)\n", human(clk_sys_peak_rss(), rss, sizeof rss), sz);
    }
    run_close(&r);
    return 0;
}

/* ======================================== clika eval and merge (issue 7, branch eval)
 *
 * clika eval MODEL.gguf --data DIR --out OUTDIR: every (task, language)
 * "unit" of DIR's prompt files is run through eval.c item by item; each
 * result line is appended to OUTDIR/<task>/<lang>/<name>_res.jsonl and
 * fsync'd before the next item starts, so a run stopped at any point
 * resumes with the same command: complete lines are kept (and checked),
 * a torn last line is cut off, and the next item is the first missing one.
 * OUTDIR/eval.tsv, written when every item is done, records what the run
 * covered (`clika merge` reads it). At the
 * end the results are scored exactly as `clika score --data OUTDIR` does.
 *
 * Memory: model_open's start-up block, then one run arena planned before
 * any item runs: tokenizer, decoder, eval.c's lines, the JSON scratch for
 * the longest line of any input, one result line, and (without mmap) two
 * file buffers of the largest input file.
 */

static void help_eval(void)
{
    printf("usage: %s eval MODEL.gguf --data DIR --out OUTDIR [--tasks LIST] [--langs LIST]\n"
           "                 [--mode letter|generate|option] [--prompt raw|chat] [--limit N]\n"
           "                 [--shard I/N] [--threads N] [--ctx N] [--mem-limit B]\n"
           "                 [--model-name NAME] [--quiet] [--no-mmap] [--lora FILE [--lora-scale S]]...\n"
           "\n"
           "Run a GGUF model on the CLiKA multiple-choice tasks and score it. The prompts\n"
           "are the authors' open-model prompts, DIR/x_*/x_*_<L>_model_input.jsonl; each\n"
           "item's result goes to OUTDIR/<task>/<lang>/NAME_res.jsonl ({\"id\", \"input\",\n"
           "\"res\", \"label\", \"uuid\", \"scores\", ...}) as soon as it is computed, and\n"
           "OUTDIR/report.{json,md,csv,svg} are written at the end, exactly as\n"
           "'clika score --data OUTDIR --model NAME' writes them.\n"
           "\n"
           "  --data DIR        the CLiKA layout (../shared/clika, fixtures/clika-mini)\n"
           "  --out OUTDIR      results and reports; an interrupted run resumes there\n"
           "  --tasks LIST      from x_csqa,x_copa,x_name,x_geo (default: all in DIR)\n"
           "  --langs LIST      language codes (default: those of en,zh,de,fr,it,ja,pl,\n"
           "                    ru,ar,he that every task has); English is always run\n"
           "  --mode M          letter (default): log-probability of each option letter\n"
           "                    after the prompt, one forward pass per item;\n"
           "                    generate: greedy decoding of 4 tokens, parsed as the\n"
           "                    authors did; option: log-likelihood of each option's\n"
           "                    text (acc in res, acc_norm per byte in res_norm)\n"
           "  --prompt P        raw (default) or chat: wrap each prompt in the model's\n"
           "                    chat format (ChatML/Qwen, Llama 3 or Gemma, recognized\n"
           "                    from tokenizer.chat_template)\n"
           "  --limit N         the first N items of each task/language\n"
           "  --shard I/N       only items i with i %% N == I (0 <= I < N); combine the\n"
           "                    N output directories with 'clika merge'\n"
           "  --threads N       worker threads (default 1; results are identical)\n"
           "  --ctx N           KV cache positions (default: the longest prompt's bound)\n"
           "  --mem-limit B     refuse, printing the memory plan, if it needs more\n"
           "  --model-name NAME result file name (default: the model file's base name)\n"
           "  --quiet           no progress on standard error\n"
           "  --no-mmap         read files into memory instead of mapping them\n"
           "  --batch N         prompt tokens per decoder step (default 512; same results)\n"
           "  --no-reuse        evaluate every prompt from position 0 instead of reusing\n"
           "                    the cached shared prefix (same results, slower: for tests)\n"
           "  --option-rows N   option mode: logit rows per decoder call (1..32, default\n"
           "                    32; same results: for tests)\n"
           "  --tasks fictional the Conductivity level (XRR) with generated answers; a run\n"
           "                    of its own: see 'clika eval --tasks fictional --help'\n",
           prog);
    help_lora_opts();
}

#define EVAL_MAX_UNITS (CLK_MAX_TASKS * CLK_MAX_LANGS)

typedef struct eval_unit {
    const clk_task_info *task;
    char lang[CLK_MAX_LANG_CODE];
    char prompt_path[CLK_MAX_PATH]; /* DATA/x_geo/x_geo_zh_model_input.jsonl */
    char data_path[CLK_MAX_PATH];   /* DATA/x_geo/zh/zh_geo_data.jsonl, "" if none (uuid = line) */
    char res_path[CLK_MAX_PATH];    /* OUTDIR/x_geo/zh/NAME_res.jsonl */
    long n_lines;                   /* records in the prompt file */
    long n_items;                   /* after --limit */
    long n_mine;                    /* of those, this shard's */
} eval_unit;

typedef struct eval_cfg {
    const char *data, *out, *name;
    int n_tasks, n_langs;
    const clk_task_info *task[CLK_MAX_TASKS];
    char lang[CLK_MAX_LANGS][CLK_MAX_LANG_CODE];
    long limit;        /* -1: none */
    int shard, of;
    int mode, quiet, no_mmap;
    int n_units;
    eval_unit unit[EVAL_MAX_UNITS];
    char listing[CLK_MAX_DIRLIST];
} eval_cfg;

static eval_cfg ecfg; /* static: ~1 MB of paths */

static char lower_c(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* name == code or code + "_trans", ASCII case-insensitively */
static int lang_matches(const char *name, size_t n, const char *code)
{
    size_t k = strlen(code), i;
    if (n != k && !(n == k + 6 && clk_ascii_ieq("_trans", name + k, 6))) return 0;
    for (i = 0; i < k; i++)
        if (lower_c(name[i]) != code[i]) return 0;
    return 1;
}

typedef struct find_ctx {
    const char *prefix, *suffix, *code; /* match prefix + <lang> + suffix, or (code NULL) any name ending in suffix */
    int want_dir;
    char found[CLK_MAX_FILENAME];
    int n_found;
} find_ctx;

static int find_cb(void *ctx, const char *name, int is_dir)
{
    find_ctx *f = (find_ctx *)ctx;
    size_t n = strlen(name), np = strlen(f->prefix), ns = strlen(f->suffix);
    if (is_dir != f->want_dir || n < np + ns || memcmp(name, f->prefix, np) || memcmp(name + n - ns, f->suffix, ns))
        return 0;
    if (f->code && !lang_matches(name + np, n - np - ns, f->code)) return 0;
    if (f->n_found++ == 0) snprintf(f->found, sizeof f->found, "%s", name);
    return 0;
}

/* The one entry of dir matching (prefix, lang, suffix); 0 if none, -1 if several. */
static int find_entry(const char *dir, const char *prefix, const char *code, const char *suffix, int want_dir,
                      char *out, size_t cap)
{
    find_ctx f;
    clk_oserr os;
    memset(&f, 0, sizeof f);
    f.prefix = prefix, f.suffix = suffix, f.code = code, f.want_dir = want_dir;
    if (clk_sys_listdir(dir, ecfg.listing, sizeof ecfg.listing, find_cb, &f, &os) != 0) return 0;
    if (f.n_found != 1) return f.n_found ? -1 : 0;
    return snprintf(out, cap, "%s/%s", dir, f.found) < (int)cap ? 1 : -1;
}

static const char *data_suffix(const clk_task_info *t)
{
    if (!strcmp(t->name, "x_geo")) return "_geo_data.jsonl";
    if (!strcmp(t->name, "x_name")) return "_name_data_generate.jsonl";
    if (!strcmp(t->name, "x_copa")) return "test.jsonl";
    return "validation.jsonl";
}

static void eval_die(const char *fmt, const char *a, const char *b)
{
    clk_err e;
    clk_fail(&e, CLK_E_DATA, fmt, a, b);
    die(&e);
}

static int prompt_file(const char *task_dir, const clk_task_info *t, const char *code, char *out, size_t cap)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s_", t->name);
    return find_entry(task_dir, prefix, code, "_model_input.jsonl", 0, out, cap);
}

static void add_lang_code(const char *s, size_t n)
{
    int l;
    size_t i;
    if (n == 0 || n >= CLK_MAX_LANG_CODE) usage_error("eval", "bad language code in '%s'", s);
    if (ecfg.n_langs == CLK_MAX_LANGS) usage_error("eval", "%s", "more than CLK_MAX_LANGS languages");
    for (i = 0; i < n; i++) ecfg.lang[ecfg.n_langs][i] = lower_c(s[i]);
    ecfg.lang[ecfg.n_langs][n] = 0;
    for (l = 0; l < ecfg.n_langs; l++)
        if (!strcmp(ecfg.lang[l], ecfg.lang[ecfg.n_langs])) return;
    ecfg.n_langs++;
}

/* Tasks and languages from the options and DIR; every unit's files. */
static void eval_discover(const char *tasks, const char *langs)
{
    char dir[CLK_MAX_PATH], path[CLK_MAX_PATH];
    int t, l;
    ecfg.n_tasks = 0;
    if (tasks) {
        const char *p = tasks;
        for (;;) {
            const char *comma = strchr(p, ',');
            size_t n = comma ? (size_t)(comma - p) : strlen(p);
            const clk_task_info *ti;
            for (ti = clk_tasks; ti->name; ti++)
                if (strlen(ti->name) == n && !memcmp(ti->name, p, n)) break;
            if (!ti->name) usage_error("eval", "unknown task in '%s' (x_csqa, x_copa, x_name, x_geo)", tasks);
            if (ecfg.n_tasks == CLK_MAX_TASKS) usage_error("eval", "%s", "too many tasks");
            ecfg.task[ecfg.n_tasks++] = ti;
            if (!comma) break;
            p = comma + 1;
        }
    } else {
        const clk_task_info *ti;
        for (ti = clk_tasks; ti->name; ti++) {
            int d = 0;
            snprintf(dir, sizeof dir, "%s/%s", ecfg.data, ti->name);
            if (clk_sys_stat(dir, NULL, &d) == 0 && d) ecfg.task[ecfg.n_tasks++] = ti;
        }
        if (!ecfg.n_tasks) eval_die("'%s' has none of x_csqa, x_copa, x_name, x_geo%s", ecfg.data, "");
    }
    ecfg.n_langs = 0;
    add_lang_code("en", 2);
    if (langs) {
        const char *p = langs;
        for (;;) {
            const char *comma = strchr(p, ',');
            add_lang_code(p, comma ? (size_t)(comma - p) : strlen(p));
            if (!comma) break;
            p = comma + 1;
        }
    } else {
        int i;
        for (i = 1; i < CLK_N_DEFAULT_LANGS; i++) {
            int all = 1;
            for (t = 0; t < ecfg.n_tasks && all; t++) {
                snprintf(dir, sizeof dir, "%s/%s", ecfg.data, ecfg.task[t]->name);
                all = prompt_file(dir, ecfg.task[t], clk_default_langs[i], path, sizeof path) == 1;
            }
            if (all) add_lang_code(clk_default_langs[i], strlen(clk_default_langs[i]));
        }
    }
    ecfg.n_units = 0;
    for (t = 0; t < ecfg.n_tasks; t++)
        for (l = 0; l < ecfg.n_langs; l++) {
            eval_unit *u = &ecfg.unit[ecfg.n_units++];
            char ldir[CLK_MAX_PATH];
            int r;
            u->task = ecfg.task[t];
            memcpy(u->lang, ecfg.lang[l], sizeof u->lang);
            if (snprintf(dir, sizeof dir, "%s/%s", ecfg.data, u->task->name) >= (int)sizeof dir)
                usage_error("eval", "%s", "--data path too long");
            r = prompt_file(dir, u->task, u->lang, u->prompt_path, sizeof u->prompt_path);
            if (r != 1)
                eval_die(r ? "%s: several prompt files for language '%s'" : "%s: no x_*_%s_model_input.jsonl", dir,
                         u->lang);
            u->data_path[0] = 0;
            if (find_entry(dir, "", u->lang, "", 1, ldir, sizeof ldir) == 1 &&
                find_entry(ldir, "", NULL, data_suffix(u->task), 0, u->data_path, sizeof u->data_path) != 1)
                u->data_path[0] = 0;
            if (snprintf(u->res_path, sizeof u->res_path, "%s/%s/%s/%s_res.jsonl", ecfg.out, u->task->name,
                         ecfg.lang[l], ecfg.name) >= (int)sizeof u->res_path)
                usage_error("eval", "%s", "--out path too long");
        }
}

/* A whole input file: mapped, or read into buf (planned). */
static void file_load(const char *path, void *buf, uint64_t cap, clk_map *m)
{
    clk_oserr os;
    clk_err e;
    int rc = (clk_sys_can_map() && !ecfg.no_mmap) ? clk_sys_map(path, m, &os) : clk_sys_read(path, buf, cap, m, &os);
    if (rc != 0) {
        clk_fail(&e, CLK_E_IO, "%s", os.msg);
        die(&e);
    }
}

/* Size facts of one file for the plan: bytes, lines, longest line. */
static void file_measure(const char *path, uint64_t *size, uint64_t *lines, uint64_t *longest)
{
    clk_map m;
    int d = 0;
    *size = *lines = *longest = 0;
    if (clk_sys_stat(path, size, &d) != 0 || d) return;
    if (clk_sys_can_map() && !ecfg.no_mmap) {
        clk_oserr os;
        if (clk_sys_map(path, &m, &os) != 0) return;
        clk_jsonl_measure(m.data, (size_t)m.size, lines, longest);
        clk_sys_unmap(&m);
    } else {
        *lines = *size; /* bounds only: the file is not read while planning */
        *longest = *size;
    }
}

static const char *json_string(const clk_json_doc *d, const char *key, size_t *n)
{
    const clk_json *v = clk_json_get(d, d->root, key);
    if (!v || v->type != CLK_JSON_STRING) return NULL;
    *n = v->n;
    return v->u.s;
}

/* Items of a unit from its prompt file's line count. */
static void unit_count(eval_unit *u, uint64_t lines)
{
    clk_err e;
    if (lines > CLK_MAX_ITEMS) {
        clk_fail(&e, CLK_E_LIMIT, "%s has more than CLK_MAX_ITEMS (%d) items", u->prompt_path, CLK_MAX_ITEMS);
        die(&e);
    }
    u->n_lines = (long)lines;
    u->n_items = ecfg.limit >= 0 && ecfg.limit < u->n_lines ? ecfg.limit : u->n_lines;
    u->n_mine = u->n_items > ecfg.shard ? (u->n_items - ecfg.shard + ecfg.of - 1) / ecfg.of : 0;
}

/* ------------------------------------------------------------- progress */

typedef struct eval_progress {
    double t0, last;
    long done, total; /* items evaluated by this process, and to do */
    int tty;
} eval_progress;

static void progress_show(eval_progress *p, const eval_unit *u, long udone, int force)
{
    double now = clk_sys_seconds(), rate, eta;
    if (ecfg.quiet) return;
    if (!force && now - p->last < (p->tty ? 0.2 : 10.0)) return;
    p->last = now;
    rate = now > p->t0 ? (double)p->done / (now - p->t0) : 0;
    eta = rate > 0 ? (double)(p->total - p->done) / rate : 0;
    fprintf(stderr, "%s%s eval: %s/%s %ld/%ld, %ld/%ld items this run, %.2f items/s, ETA %.0f s%s",
            p->tty ? "\r" : "", prog, u->task->name, u->lang, udone, u->n_mine, p->done, p->total, rate, eta,
            p->tty ? "\033[K" : "\n");
    fflush(stderr);
}

/* ------------------------------------------------------------- the run */

typedef struct eval_bufs {
    void *file[3];       /* without mmap: [file_cap] each: prompts, data, results */
    uint64_t file_cap;
    clk_buf line;        /* one result line */
    uint64_t json_bytes; /* planned scratch for one parsed line */
} eval_bufs;

/* Check the complete lines of an existing results file against the items
 * this run would write, cut a torn last line off; returns the lines kept. */
static long eval_resume(const eval_unit *u, clk_arena *a, eval_bufs *b, int mode)
{
    clk_map m;
    clk_err e;
    clk_oserr os;
    clk_jsonl r;
    const char *line;
    size_t len, good;
    uint64_t lines, size;
    long k = 0;
    int d = 0;
    if (clk_sys_stat(u->res_path, &size, &d) != 0) return 0;
    if (size > b->file_cap && !(clk_sys_can_map() && !ecfg.no_mmap)) {
        clk_fail(&e, CLK_E_DATA, "%s grew since the run was planned", u->res_path);
        die(&e);
    }
    file_load(u->res_path, b->file[2], b->file_cap, &m);
    clk_eval_complete_lines((const char *)m.data, (size_t)m.size, &good, &lines);
    if ((long)lines > u->n_mine) {
        clk_fail(&e, CLK_E_DATA, "%s has %llu results, more than the %ld items of this run (another --limit or "
                 "--shard?): use a new --out", u->res_path, (unsigned long long)lines, u->n_mine);
        die(&e);
    }
    clk_jsonl_init(&r, m.data, good);
    while (clk_jsonl_next(&r, &line, &len)) {
        size_t mark = clk_arena_mark(a), ml;
        clk_json_doc doc;
        const clk_json *id;
        const char *ms;
        long want = ecfg.shard + k * ecfg.of;
        if (clk_json_parse(line, len, u->res_path, r.line, a, &doc, &e) != CLK_OK) {
            clk_fail_wrap(&e, "resuming: ");
            die(&e);
        }
        id = clk_json_get(&doc, doc.root, "id");
        ms = json_string(&doc, "mode", &ml);
        if (!id || !id->is_int || id->u.i != want) {
            clk_fail(&e, CLK_E_DATA, "%s:%llu: expected the result of item %ld: use a new --out", u->res_path,
                     (unsigned long long)r.line, want);
            die(&e);
        }
        if (!ms || strcmp(ms, clk_eval_mode_name(mode))) {
            clk_fail(&e, CLK_E_DATA, "%s:%llu: a result of another --mode than '%s': use a new --out", u->res_path,
                     (unsigned long long)r.line, clk_eval_mode_name(mode));
            die(&e);
        }
        clk_arena_reset(a, mark);
        k++;
    }
    if (m.mapped) clk_sys_unmap(&m);
    if (good < size) { /* a torn last line: the item is run again */
        clk_file f;
        if (clk_sys_append(&f, u->res_path, &os) != 0 || clk_sys_truncate(&f, good, &os) != 0 ||
            clk_sys_commit(&f, &os) != 0) {
            clk_fail(&e, CLK_E_IO, "%s", os.msg);
            die(&e);
        }
    }
    return k;
}

typedef struct eval_stats {
    long items, gen_first_letter, gen_agree, gen_disagree;
} eval_stats;

static void eval_unit_run(eval_unit *u, clk_eval *ev, clk_arena *a, eval_bufs *b, eval_progress *p,
                          eval_stats *st)
{
    static clk_eval_item it; /* 4 KiB of answer text: not on the stack */
    clk_map pm, dm;
    clk_jsonl pr, dr;
    clk_file f;
    clk_err e;
    clk_oserr os;
    char dir[CLK_MAX_PATH];
    const char *pl, *dl = NULL;
    size_t plen, dlen = 0;
    long i = 0, done, udone;
    int have_data = u->data_path[0] != 0;

    file_load(u->prompt_path, b->file[0], b->file_cap, &pm);
    if (b->file_cap) { /* without mmap the items are counted only now */
        uint64_t lines, lg;
        clk_jsonl_measure(pm.data, (size_t)pm.size, &lines, &lg);
        p->total -= u->n_mine;
        unit_count(u, lines);
        p->total += u->n_mine;
    }
    clk_jsonl_init(&pr, pm.data, (size_t)pm.size);
    done = eval_resume(u, a, b, ecfg.mode);
    udone = done;
    if (done == u->n_mine) {
        if (pm.mapped) clk_sys_unmap(&pm);
        return;
    }
    snprintf(dir, sizeof dir, "%s/%s/%s", ecfg.out, u->task->name, u->lang);
    if (clk_sys_mkdirs(dir, &os) != 0 || clk_sys_append(&f, u->res_path, &os) != 0) {
        clk_fail(&e, CLK_E_IO, "%s", os.msg);
        die(&e);
    }
    if (have_data) {
        file_load(u->data_path, b->file[1], b->file_cap, &dm);
        clk_jsonl_init(&dr, dm.data, (size_t)dm.size);
    }
    for (i = 0; i < u->n_items && clk_jsonl_next(&pr, &pl, &plen); i++) {
        size_t mark = clk_arena_mark(a), n;
        clk_json_doc pd, dd;
        clk_eval_rec rec;
        clk_out o;
        const char *s;
        int have_d = have_data && clk_jsonl_next(&dr, &dl, &dlen);
        if (have_data && !have_d) {
            clk_fail(&e, CLK_E_DATA, "%s has fewer records than %s", u->data_path, u->prompt_path);
            die(&e);
        }
        if (i % ecfg.of != ecfg.shard) continue;
        if ((i - ecfg.shard) / ecfg.of < done) continue;
        if (clk_json_parse(pl, plen, u->prompt_path, pr.line, a, &pd, &e) != CLK_OK) die(&e);
        memset(&rec, 0, sizeof rec);
        rec.id = i;
        rec.mode = ecfg.mode;
        rec.uuid_int = i;
        if (have_d) {
            const clk_json *id;
            if (clk_json_parse(dl, dlen, u->data_path, dr.line, a, &dd, &e) != CLK_OK) die(&e);
            id = clk_json_get(&dd, dd.root, "id");
            if (id && id->type == CLK_JSON_STRING) {
                rec.uuid_is_str = 1, rec.uuid = id->u.s, rec.uuid_len = id->n;
            } else if (id && id->is_int) {
                rec.uuid_int = (long long)id->u.i;
            }
        }
        s = json_string(&pd, "input", &n);
        if (!s) eval_die("%s: a record without a string \"input\"%s", u->prompt_path, "");
        it.prompt = s;
        it.len = n;
        it.n_options = u->task->n_options;
        rec.label = json_string(&pd, "label", &rec.label_len);
        if (!rec.label) eval_die("%s: a record without a string \"label\"%s", u->prompt_path, "");
        if (clk_eval_run(ev, &it, &e) != CLK_OK) {
            clk_fail_wrap(&e, "%s:%llu: ", u->prompt_path, (unsigned long long)pr.line);
            die(&e);
        }
        b->line.len = 0;
        o = clk_out_buf(&b->line, &e);
        if (clk_eval_record(&o, &rec, &it, &e) != CLK_OK) die(&e);
        /* one write per line, then fsync: after a crash the file ends with
         * complete lines and at most one torn line, which resuming cuts */
        if (clk_sys_write(&f, b->line.p, b->line.len, &os) != 0 || clk_sys_sync(&f, &os) != 0) {
            clk_fail(&e, CLK_E_IO, "%s", os.msg);
            die(&e);
        }
        clk_arena_reset(a, mark);
        st->items++;
        p->done++;
        udone++;
        progress_show(p, u, udone, 0);
    }
    if (udone != u->n_mine) eval_die("%s ended early (expected %s more items)", u->prompt_path, "");
    if (clk_sys_commit(&f, &os) != 0) {
        clk_fail(&e, CLK_E_IO, "%s", os.msg);
        die(&e);
    }
    if (pm.mapped) clk_sys_unmap(&pm);
    if (have_data && dm.mapped) clk_sys_unmap(&dm);
    progress_show(p, u, udone, 1);
}

/* After the run: generate mode's agreement with letter mode over every
 * result line of the output (not only this process's). */
static void eval_agreement(clk_arena *a, eval_bufs *b, eval_stats *st)
{
    int k;
    for (k = 0; k < ecfg.n_units; k++) {
        clk_map m;
        clk_jsonl r;
        const char *line;
        size_t len;
        clk_err e;
        file_load(ecfg.unit[k].res_path, b->file[2], b->file_cap, &m);
        clk_jsonl_init(&r, m.data, (size_t)m.size);
        while (clk_jsonl_next(&r, &line, &len)) {
            size_t mark = clk_arena_mark(a), nr = 0, nl = 0;
            clk_json_doc d;
            const char *res, *lr;
            const clk_json *fl;
            if (clk_json_parse(line, len, ecfg.unit[k].res_path, r.line, a, &d, &e) != CLK_OK) die(&e);
            res = json_string(&d, "res", &nr);
            lr = json_string(&d, "letter_res", &nl);
            fl = clk_json_get(&d, d.root, "first_token_letter");
            if (res && lr && nl == 1) {
                if (clk_answer_pred(res, nr) == (uint32_t)(unsigned char)lr[0])
                    st->gen_agree++;
                else
                    st->gen_disagree++;
                if (fl && fl->type == CLK_JSON_TRUE) st->gen_first_letter++;
            }
            clk_arena_reset(a, mark);
        }
        if (m.mapped) clk_sys_unmap(&m);
    }
}

/* The run of `clika eval` (both streams), once its plan has every eval
 * line: add the decoder's lines, check --mem-limit, acquire the one run
 * arena, then start the pool, the tokenizer, the decoder and the evaluator
 * inside it. Nothing is allocated after this. */
static void eval_acquire(run_ctx *r, const clk_eval_opts *eo, clk_eval *ev, const char *model_path)
{
    clk_err e;
    clk_oserr os;
    uint64_t bytes;
    uintptr_t pad;
    void *mem;
    if (clk_fwd_plan(&the_model.hp, &r->ro, &r->plan) != CLK_OK) {
        clk_fail(&e, CLK_E_LIMIT, "memory plan for ctx %d does not fit in 64 bits", r->ro.n_ctx);
        die(&e);
    }
    check_mem_limit(&r->plan, r->limit, &r->ro, clk_eval_max_text(eo));
    bytes = r->plan.total - r->mf.startup_bytes;
    r->raw = calloc(1, (size_t)bytes + CLK_ALIGN);
    if (!r->raw) {
        clk_fail(&e, CLK_E_NOMEM, "cannot acquire the %llu-byte run arena", (unsigned long long)bytes);
        die(&e);
    }
    pad = (CLK_ALIGN - ((uintptr_t)r->raw & (CLK_ALIGN - 1))) & (CLK_ALIGN - 1);
    clk_arena_init(&r->arena, (unsigned char *)r->raw + pad, (size_t)bytes);
    if (clk_arena_alloc(&r->arena, clk_pool_bytes(r->ro.n_threads), "threads", &mem, &e) != CLK_OK) die(&e);
    if (clk_pool_start(&r->pool, mem, r->ro.n_threads, &os) != 0) {
        clk_fail(&e, CLK_E_IO, "%s", os.msg);
        die(&e);
    }
    if (clk_tok_init(&r->tok, &r->mf.g, clk_eval_max_text(eo), &r->arena, &e) != CLK_OK) die_in(model_path, &e);
    if (clk_fwd_init(&r->f, &the_model, &r->ro, r->pool, &r->arena, &e) != CLK_OK) die_in(model_path, &e);
    if (clk_eval_init(ev, &r->f, &r->tok, eo, &r->arena, &e) != CLK_OK) die_in(model_path, &e);
}

/* "dir/name.gguf" -> "name.gguf" */
static const char *path_base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* The results' default name: the model file's base name without .gguf. */
static void default_name(const char *model_path, char *buf, size_t cap)
{
    const char *base = path_base(model_path);
    size_t n = strlen(base);
    if (n > 5 && !strcmp(base + n - 5, ".gguf")) n -= 5;
    if (n == 0 || n >= cap) usage_error("eval", "%s", "cannot name the results: give --model-name");
    memcpy(buf, base, n);
    buf[n] = 0;
}

/* --prompt raw|chat (NULL: raw) for the model file mf at path: the
 * CLK_PROMPT_* format, the chat one recognised from tokenizer.chat_template;
 * dies (exit 2) on a template clika does not know or a bad value. */
static int eval_prompt_format(const model_file *mf, const char *path, const char *o_prompt)
{
    clk_err e;
    clk_str tmpl;
    int prompt;
    if (!o_prompt || !strcmp(o_prompt, "raw")) return CLK_PROMPT_RAW;
    if (strcmp(o_prompt, "chat")) usage_error("eval", "--prompt: expected raw or chat, found '%s'", o_prompt);
    if (!get_string(&mf->g, "tokenizer.chat_template", &tmpl)) {
        clk_fail(&e, CLK_E_UNSUPPORTED, "%s: --prompt chat: the model has no tokenizer.chat_template", path);
        die(&e);
    }
    prompt = clk_eval_template_detect(tmpl.p, (size_t)tmpl.n);
    if (prompt < 0) {
        clk_fail(&e, CLK_E_UNSUPPORTED, "%s: --prompt chat: the chat template is none of ChatML/Qwen, Llama 3, Gemma",
                 path);
        die(&e);
    }
    return prompt;
}

/* OUTDIR/eval.run: what the results in OUTDIR are computed with - the model
 * file (name and size), every adapter (name, size, scale), the answer name,
 * mode, prompt, --limit and --shard. Written before the first item of a new
 * run; a resumed run must match it line for line, so that results of another
 * model or adapter are never appended to a file that looks the same. */
static void eval_identity(const model_file *mf, int prompt)
{
    static char want[8192], have[8192];
    char path[CLK_MAX_PATH];
    size_t n = 0;
    uint64_t size, got = 0;
    int d = 0, k;
    clk_oserr os;
    clk_err e;
    clk_file f;
#define ID_ADD(...) (n += (size_t)snprintf(want + n, n < sizeof want ? sizeof want - n : 0, __VA_ARGS__))
    ID_ADD("# clika eval: what this directory's results were computed with; a resumed run must match it\n");
    ID_ADD("model\t%s\t%llu\n", path_base(mf->path), (unsigned long long)mf->size);
    for (k = 0; k < n_loras; k++)
        ID_ADD("lora\t%s\t%llu\t%.9g\n", path_base(the_loras[k].path), (unsigned long long)the_loras[k].size,
               (double)the_loras[k].scale);
    ID_ADD("name\t%s\nmode\t%s\nprompt\t%s\nlimit\t%ld\nshard\t%d\t%d\n", ecfg.name, clk_eval_mode_name(ecfg.mode),
           clk_eval_prompt_name(prompt), ecfg.limit, ecfg.shard, ecfg.of);
#undef ID_ADD
    if (n >= sizeof want || snprintf(path, sizeof path, "%s/eval.run", ecfg.out) >= (int)sizeof path) {
        clk_fail(&e, CLK_E_LIMIT, "eval.run of %s: more than %u bytes of paths", ecfg.out, (unsigned)sizeof want);
        die(&e);
    }
    if (clk_sys_stat(path, &size, &d) == 0) {
        const char *a = want, *b = have;
        if (size >= sizeof have || clk_sys_read_head(path, have, size, &got, &os) != 0 || got != size) {
            clk_fail(&e, CLK_E_DATA, "%s: unreadable or longer than %u bytes", path, (unsigned)sizeof have - 1);
            die(&e);
        }
        have[got] = 0;
        if (!strcmp(want, have)) return;
        while (*a && *a == *b) a++, b++; /* report the first line that differs */
        while (a > want && a[-1] != '\n') a--;
        while (b > have && b[-1] != '\n') b--;
        clk_fail(&e, CLK_E_DATA, "%s: this directory holds results computed with '%.*s', this run has '%.*s': use a "
                 "new --out, or the options of the first run", path, (int)strcspn(b, "\n"), b, (int)strcspn(a, "\n"), a);
        die(&e);
    }
    if (clk_sys_mkdirs(ecfg.out, &os) != 0 || clk_sys_create(&f, path, &os) != 0 ||
        clk_sys_write(&f, want, n, &os) != 0 || clk_sys_commit(&f, &os) != 0) {
        clk_fail(&e, CLK_E_IO, "%s", os.msg);
        die(&e);
    }
}

static void eval_manifest(const char *model_path, int prompt)
{
    char path[CLK_MAX_PATH];
    clk_file f;
    clk_oserr os;
    clk_err e;
    clk_out o;
    int k;
    if (snprintf(path, sizeof path, "%s/eval.tsv", ecfg.out) >= (int)sizeof path) usage_error("eval", "%s", "--out too long");
    if (clk_sys_mkdirs(ecfg.out, &os) != 0 || clk_sys_create(&f, path, &os) != 0) {
        clk_fail(&e, CLK_E_IO, "%s", os.msg);
        die(&e);
    }
    e.msg[0] = 0;
    o = file_out(&f, &e);
    clk_outf(&o, "# clika eval: task, language, items (after --limit); model file %s\n", model_path);
    clk_outf(&o, "name\t%s\nmode\t%s\nprompt\t%s\nshard\t%d\t%d\n", ecfg.name, clk_eval_mode_name(ecfg.mode),
             clk_eval_prompt_name(prompt), ecfg.shard, ecfg.of);
    for (k = 0; k < ecfg.n_units; k++)
        clk_outf(&o, "unit\t%s\t%s\t%ld\n", ecfg.unit[k].task->name, ecfg.unit[k].lang, ecfg.unit[k].n_items);
    if (e.msg[0] || clk_sys_commit(&f, &os) != 0) {
        if (!e.msg[0]) clk_fail(&e, CLK_E_IO, "%s", os.msg);
        clk_sys_abandon(&f);
        die(&e);
    }
}

/* "x_geo,x_name" and "en,zh" lists for the scoring step */
static void eval_lists(char *tasks, size_t tcap, char *langs, size_t lcap)
{
    int i;
    size_t n = 0;
    tasks[0] = langs[0] = 0;
    for (i = 0; i < ecfg.n_tasks; i++) n += (size_t)snprintf(tasks + n, tcap - n, "%s%s", i ? "," : "", ecfg.task[i]->name);
    n = 0;
    for (i = 0; i < ecfg.n_langs; i++) n += (size_t)snprintf(langs + n, lcap - n, "%s%s", i ? "," : "", ecfg.lang[i]);
}


/* ==== clika eval --tasks fictional (issue 9) ====
 *
 * Greedy answers of the live model (with its --lora adapters) to the
 * fictional test files, written in the layout `clika score --tasks
 * fictional` reads, then scored. For each target language L:
 *     test<L>.jsonl      -> OUTDIR/fictional/<l>/NAME_res.jsonl
 *     testEN.jsonl       -> OUTDIR/fictional/<l>/NAME_en_res.jsonl
 *     translate<L>.jsonl -> OUTDIR/fictional/<l>/NAME_translate_res.jsonl (when it exists)
 * The model sees the record's "prompt", then "\n" and its "input" when
 * that is not empty (the authors' instruction/input pairs), raw or in the
 * model's chat format (--prompt chat). Generation stops at an
 * end-of-generation token, after --max-new tokens (default 32), or at the
 * first newline after some text: the answer is cut there.
 * English is asked once per run and its answers are written to every
 * language's directory (one model, the same answers). Memory: the run
 * arena of `clika eval`, with one JSON line of scratch, the prompt text
 * and one result line.
 */
typedef struct fict_src {
    char path[CLK_MAX_PATH];
    clk_map map;
    clk_jsonl lines;
} fict_src;

static void fict_src_open(fict_src *s, void *buf, uint64_t cap)
{
    clk_oserr os;
    clk_err e;
    if (buf ? clk_sys_read(s->path, buf, cap, &s->map, &os) : clk_sys_map(s->path, &s->map, &os)) {
        clk_fail(&e, CLK_E_IO, "%s", os.msg);
        die(&e);
    }
    clk_jsonl_init(&s->lines, s->map.data, (size_t)s->map.size);
}

typedef struct fict_run {
    clk_eval *ev;
    clk_arena *a;
    char *text;        /* [text_cap] the prompt given to the model */
    size_t text_cap;
    char *line;        /* [line_cap] one result line */
    size_t line_cap;
    void *file_buf;    /* without mmap: [file_cap] */
    uint64_t file_cap;
    long limit;
    int max_new;
    int quiet;
    long done, total;
    double t0;
} fict_run;

/* Answer every record of test file src (up to the limit) and write the
 * result lines to each of out[0..n_out). */
static void fict_answer_file(fict_run *fr, fict_src *src, clk_file *out, int n_out)
{
    static char res[CLK_MAX_EVAL_RES];
    const char *line;
    size_t len;
    long i = 0;
    clk_err e;
    clk_oserr os;
    fict_src_open(src, fr->file_buf, fr->file_cap);
    while ((fr->limit <= 0 || i < fr->limit) && clk_jsonl_next(&src->lines, &line, &len)) {
        size_t mark = clk_arena_mark(fr->a), tl = 0, rl = 0;
        clk_json_doc d;
        const clk_json *p, *in;
        clk_buf b;
        clk_out o;
        int n_gen = 0, k;
        if (clk_json_parse(line, len, src->path, src->lines.line, fr->a, &d, &e) != CLK_OK) die(&e);
        p = clk_json_get(&d, d.root, "prompt");
        in = clk_json_get(&d, d.root, "input");
        if (!p || p->type != CLK_JSON_STRING) {
            clk_fail(&e, CLK_E_FORMAT, "%s:%llu: expected a string \"prompt\"", src->path,
                     (unsigned long long)src->lines.line);
            die(&e);
        }
        if (p->n + 1 + (in && in->type == CLK_JSON_STRING ? in->n : 0) > fr->text_cap) {
            clk_fail(&e, CLK_E_INTERNAL, "%s:%llu: prompt longer than planned", src->path,
                     (unsigned long long)src->lines.line);
            die(&e);
        }
        memcpy(fr->text, p->u.s, p->n);
        tl = p->n;
        if (in && in->type == CLK_JSON_STRING && in->n > 0) {
            fr->text[tl++] = '\n';
            memcpy(fr->text + tl, in->u.s, in->n);
            tl += in->n;
        }
        if (clk_eval_generate(fr->ev, fr->text, tl, fr->max_new, res, sizeof res, &rl, &n_gen, &e) != CLK_OK)
            die_in(src->path, &e);
        rl = clk_fict_answer_end(res, rl);
        b.p = fr->line, b.cap = fr->line_cap, b.len = 0;
        o = clk_out_buf(&b, &e);
        if (clk_outf(&o, "{\"id\": %ld, \"input\": ", i) != CLK_OK || clk_eval_json_str(&o, fr->text, tl) != CLK_OK ||
            clk_out_str(&o, ", \"res\": ") != CLK_OK || clk_eval_json_str(&o, res, rl) != CLK_OK ||
            clk_outf(&o, ", \"n_gen\": %d}\n", n_gen) != CLK_OK)
            die(&e);
        for (k = 0; k < n_out; k++)
            if (clk_sys_write(&out[k], b.p, b.len, &os) != 0) {
                clk_fail(&e, CLK_E_IO, "%s", os.msg);
                die(&e);
            }
        clk_arena_reset(fr->a, mark);
        i++;
        fr->done++;
        if (!fr->quiet && clk_sys_isatty(2))
            fprintf(stderr, "\r%s eval fictional: %ld/%ld answers (%.1f/s)", prog, fr->done, fr->total,
                    (double)fr->done / (clk_sys_seconds() - fr->t0 + 1e-9));
    }
    clk_sys_unmap(&src->map);
}

static void fict_create(clk_file *f, const char *out, const char *lang, const char *name, const char *suffix)
{
    char dir[CLK_MAX_PATH], path[CLK_MAX_PATH];
    clk_oserr os;
    clk_err e;
    if (snprintf(dir, sizeof dir, "%s/fictional/%s", out, lang) >= (int)sizeof dir ||
        snprintf(path, sizeof path, "%s/%s%s", dir, name, suffix) >= (int)sizeof path)
        usage_error("eval", "%s", "--out: path too long");
    if (clk_sys_mkdirs(dir, &os) != 0 || clk_sys_create(f, path, &os) != 0) {
        clk_fail(&e, CLK_E_IO, "%s", os.msg);
        die(&e);
    }
}

static void fict_commit(clk_file *f, int n)
{
    clk_oserr os;
    clk_err e;
    int k;
    for (k = 0; k < n; k++)
        if (clk_sys_commit(&f[k], &os) != 0) {
            clk_fail(&e, CLK_E_IO, "%s", os.msg);
            die(&e);
        }
}

static void help_eval_fictional(void)
{
    printf("usage: %s eval MODEL.gguf --tasks fictional --data DIR --out OUTDIR [--langs LIST]\n"
           "                 [--lora FILE [--lora-scale S]]... [--max-new N] [--limit N]\n"
           "                 [--prompt raw|chat] [--model-name NAME] [--threads N] [--ctx N]\n"
           "                 [--batch N] [--mem-limit B] [--quiet] [--no-mmap]\n"
           "\n"
           "The Conductivity level: greedy answers to DIR/fictional/test/target/test<L>.jsonl,\n"
           "testEN.jsonl and Translate/translate<L>.jsonl, written to\n"
           "OUTDIR/fictional/<l>/NAME_res.jsonl, NAME_en_res.jsonl and\n"
           "NAME_translate_res.jsonl, then scored as 'clika score --tasks fictional' does\n"
           "(OUTDIR/report.{json,md,csv}). Give the adapter fine-tuned for L with --lora\n"
           "and --langs L; run once per target language into the same OUTDIR.\n"
           "\n"
           "  --langs LIST      target languages (default: every one DIR has a test file for)\n"
           "  --max-new N       new tokens per answer (default 32); an answer also ends at\n"
           "                    end of turn and at its first newline after some text\n"
           "  --limit N         only the first N records of every file\n"
           "  --prompt P        raw (default): the prompt, then a newline and the input\n"
           "                    when there is one; chat: in the model's chat format\n",
           prog);
    help_lora_opts();
}

static int fict_eval_cmd(int argc, char **argv)
{
    const char *o_data = NULL, *o_out = NULL, *o_tasks = NULL, *o_langs = NULL, *o_limit = NULL, *o_threads = NULL,
               *o_ctx = NULL, *o_mem = NULL, *o_name = NULL, *o_quiet = NULL, *o_prompt = NULL, *o_nomap = NULL,
               *o_batch = NULL, *o_maxnew = NULL;
    const opt opts[] = {{"--data", NULL, 1, &o_data},       {"--out", "-o", 1, &o_out},
                        {"--tasks", NULL, 1, &o_tasks},     {"--langs", NULL, 1, &o_langs},
                        {"--limit", NULL, 1, &o_limit},     {"--threads", "-t", 1, &o_threads},
                        {"--ctx", NULL, 1, &o_ctx},         {"--mem-limit", NULL, 1, &o_mem},
                        {"--model-name", NULL, 1, &o_name}, {"--quiet", "-q", 0, &o_quiet},
                        {"--prompt", NULL, 1, &o_prompt},   {"--no-mmap", NULL, 0, &o_nomap},
                        {"--batch", NULL, 1, &o_batch},     {"--max-new", NULL, 1, &o_maxnew},
                        {NULL, NULL, 0, NULL}};
    static const char *const targets[] = {"zh", "de", "fr", "it", "ja", "pl", "ru", "ar", "he"};
    const char *pos[1] = {NULL};
    static run_ctx r;
    static char name_buf[CLK_MAX_FILENAME], langs_buf[256];
    static char lang[CLK_MAX_LANGS][8];
    static fict_src src;
    static clk_file files[CLK_MAX_LANGS];
    clk_eval_opts eo = clk_eval_defaults();
    clk_eval ev;
    clk_err e;
    fict_run fr;
    clk_fict_opts fo;
    uint64_t longest = 0, max_file = 0;
    int n_lang = 0, k, prompt = CLK_PROMPT_RAW;
    void *mem;

    argc = lora_take_args("eval", argc, argv);
    if (parse_opts("eval", argc, argv, opts, pos, 1, help_eval_fictional) != 1)
        usage_error("eval", "%s", "expected one MODEL.gguf");
    if (!o_tasks || strcmp(o_tasks, "fictional"))
        usage_error("eval", "%s", "--tasks fictional runs on its own; run the other tasks in another 'clika eval'");
    if (!o_data) usage_error("eval", "%s", "missing --data DIR (the CLiKA layout)");
    if (!o_out) usage_error("eval", "%s", "missing --out OUTDIR");
    memset(&fr, 0, sizeof fr);
    ecfg.no_mmap = o_nomap != NULL; /* file_measure reads it */
    fr.limit = opt_int("eval", "--limit", o_limit, 1, CLK_MAX_ITEMS, 0);
    fr.max_new = (int)opt_int("eval", "--max-new", o_maxnew, 1, CLK_MAX_EVAL_NEW, 32);
    fr.quiet = o_quiet != NULL;
    if (o_name) {
        if (strlen(o_name) >= sizeof name_buf) usage_error("eval", "%s", "--model-name is too long");
        strcpy(name_buf, o_name);
    } else { /* the model file's base name without .gguf */
        default_name(pos[0], name_buf, sizeof name_buf);
    }
    if (strchr(name_buf, '/') || !name_buf[0]) usage_error("eval", "--model-name: '%s' is not a file name", name_buf);

    /* languages: --langs, or every target with a test file; measure the inputs */
    {
        const char *p = o_langs;
        int t = 0;
        for (;;) {
            char code[8];
            size_t n, i;
            uint64_t size, lines, lg;
            char path[CLK_MAX_PATH];
            int dir = 0;
            if (p) {
                const char *c;
                if (!*p) break;
                c = strchr(p, ',');
                n = c ? (size_t)(c - p) : strlen(p);
                if (n == 0 || n >= sizeof code) usage_error("eval", "--langs: '%s' is not a list of codes", o_langs);
                memcpy(code, p, n);
                code[n] = 0;
                p += n + (c ? 1 : 0);
            } else {
                if (t == 9) break;
                strcpy(code, targets[t++]);
                n = 2;
            }
            for (i = 0; i < n; i++) code[i] = (char)(code[i] | 0x20);
            if (!strcmp(code, "en")) continue;
            if (n_lang == CLK_MAX_LANGS) usage_error("eval", "%s", "--langs: more than CLK_MAX_LANGS");
            snprintf(path, sizeof path, "%s/fictional/test/target/test", o_data);
            for (i = 0; i < n; i++) {
                size_t at = strlen(path);
                path[at] = (char)(code[i] & ~0x20);
                path[at + 1] = 0;
            }
            strcat(path, ".jsonl");
            if (clk_sys_stat(path, &size, &dir) != 0 || dir) {
                if (!o_langs) continue;
                clk_fail(&e, CLK_E_DATA, "fictional: '%s' is missing", path);
                die(&e);
            }
            strcpy(lang[n_lang++], code);
            file_measure(path, &size, &lines, &lg);
            if (size > max_file) max_file = size;
            if (lg > longest) longest = lg;
            fr.total += fr.limit > 0 && (long)lines > fr.limit ? fr.limit : (long)lines;
            {
                char tp[CLK_MAX_PATH];
                int m = snprintf(tp, sizeof tp, "%s/fictional/test/Translate/translate", o_data);
                for (i = 0; i < n && (size_t)m + i + 1 < sizeof tp; i++) tp[m + i] = (char)(code[i] & ~0x20);
                tp[m + n] = 0;
                strcat(tp, ".jsonl");
                if (clk_sys_stat(tp, &size, &dir) == 0 && !dir) {
                    file_measure(tp, &size, &lines, &lg);
                    if (size > max_file) max_file = size;
                    if (lg > longest) longest = lg;
                    fr.total += fr.limit > 0 && (long)lines > fr.limit ? fr.limit : (long)lines;
                }
            }
        }
        if (n_lang == 0) {
            clk_fail(&e, CLK_E_DATA, "fictional: no test files in '%s/fictional/test/target'", o_data);
            die(&e);
        }
        snprintf(src.path, sizeof src.path, "%s/fictional/test/target/testEN.jsonl", o_data);
        {
            uint64_t size, lines, lg;
            int dir = 0;
            if (clk_sys_stat(src.path, &size, &dir) != 0 || dir) {
                clk_fail(&e, CLK_E_DATA, "fictional: '%s' is missing", src.path);
                die(&e);
            }
            file_measure(src.path, &size, &lines, &lg);
            if (size > max_file) max_file = size;
            if (lg > longest) longest = lg;
            fr.total += fr.limit > 0 && (long)lines > fr.limit ? fr.limit : (long)lines;
        }
    }
    if (!(clk_sys_can_map() && !o_nomap)) longest = max_file;

    memset(&r, 0, sizeof r);
    run_opts_parse("eval", &r, o_threads, o_batch, NULL, o_mem);
    run_open(&r, pos[0], o_nomap != NULL);
    prompt = eval_prompt_format(&r.mf, pos[0], o_prompt);
    eo.mode = CLK_EVAL_GENERATE;
    eo.max_new = fr.max_new;
    eo.prompt = prompt;
    eo.max_prompt = (size_t)longest; /* a record's prompt + "\n" + input is shorter than its JSON line */
    {
        long dflt = (long)clk_tok_max_tokens(clk_eval_max_text(&eo)) + eo.max_new;
        if (the_model.hp.n_ctx_train > 0 && dflt > (long)the_model.hp.n_ctx_train) dflt = the_model.hp.n_ctx_train;
        r.ro.n_ctx = (int)opt_int("eval", "--ctx", o_ctx, 8, 1L << 24, dflt);
    }
    r.ro.n_out = clk_eval_n_out(&eo);
    if (r.ro.n_out > r.ro.n_batch) r.ro.n_batch = r.ro.n_out;
    r.ro.lora_rank = the_model.lora_rank_max;
    fr.text_cap = (size_t)longest + 2;
    fr.line_cap = 6 * ((size_t)longest + CLK_MAX_EVAL_RES) + 64; /* \u escapes: 6 bytes per input byte at most */
    fr.file_cap = (clk_sys_can_map() && !o_nomap) ? 0 : max_file;
    if (clk_tok_plan(&r.mf.g, clk_eval_max_text(&eo), &r.plan, &e) != CLK_OK) die_in(pos[0], &e);
    clk_eval_plan(&eo, r.ro.n_ctx, &r.plan);
    clk_plan_add(&r.plan, "fictional text", fr.text_cap);
    clk_plan_add(&r.plan, "fictional result line", fr.line_cap);
    if (fr.file_cap) clk_plan_add(&r.plan, "fictional file buffer", fr.file_cap);
    clk_plan_add(&r.plan, "fictional json scratch", clk_json_bytes(longest));
    eval_acquire(&r, &eo, &ev, pos[0]);
    if (clk_arena_alloc(&r.arena, fr.text_cap, "fictional text", &mem, &e) != CLK_OK) die(&e);
    fr.text = (char *)mem;
    if (clk_arena_alloc(&r.arena, fr.line_cap, "fictional result line", &mem, &e) != CLK_OK) die(&e);
    fr.line = (char *)mem;
    if (fr.file_cap && clk_arena_alloc(&r.arena, (size_t)fr.file_cap, "fictional file buffer", &fr.file_buf, &e) != CLK_OK)
        die(&e);
    fr.ev = &ev;
    fr.a = &r.arena;
    fr.t0 = clk_sys_seconds();

    /* English once, into every language's directory */
    for (k = 0; k < n_lang; k++) fict_create(&files[k], o_out, lang[k], name_buf, "_en_res.jsonl");
    fict_answer_file(&fr, &src, files, n_lang);
    fict_commit(files, n_lang);
    for (k = 0; k < n_lang; k++) {
        size_t i, m;
        char up[8];
        for (i = 0; lang[k][i]; i++) up[i] = (char)(lang[k][i] & ~0x20);
        up[i] = 0;
        snprintf(src.path, sizeof src.path, "%s/fictional/test/target/test%s.jsonl", o_data, up);
        fict_create(&files[0], o_out, lang[k], name_buf, "_res.jsonl");
        fict_answer_file(&fr, &src, files, 1);
        fict_commit(files, 1);
        snprintf(src.path, sizeof src.path, "%s/fictional/test/Translate/translate%s.jsonl", o_data, up);
        {
            uint64_t size;
            int dir = 0;
            if (clk_sys_stat(src.path, &size, &dir) == 0 && !dir) {
                fict_create(&files[0], o_out, lang[k], name_buf, "_translate_res.jsonl");
                fict_answer_file(&fr, &src, files, 1);
                fict_commit(files, 1);
            }
        }
        m = strlen(langs_buf);
        snprintf(langs_buf + m, sizeof langs_buf - m, "%s%s", m ? "," : "", lang[k]);
    }
    if (!fr.quiet && clk_sys_isatty(2)) fputc('\n', stderr);
    {
        double dt = clk_sys_seconds() - fr.t0;
        fprintf(stderr, "%s eval: fictional, %ld answers in %.2f s (%.2f answers/s), up to %d new tokens each\n", prog,
                fr.done, dt, dt > 0 ? (double)fr.done / dt : 0.0, fr.max_new);
    }
    run_close(&r);
    fo.data = o_data;
    fo.results = o_out;
    fo.model = name_buf;
    fo.langs = langs_buf;
    fo.limit = fr.limit;
    fict_score_and_report(&fo, o_out, 0);
    return 0;
}
/* ==== end clika eval --tasks fictional ==== */

static int cmd_eval(int argc, char **argv)
{
    const char *o_data = NULL, *o_out = NULL, *o_tasks = NULL, *o_langs = NULL, *o_mode = NULL, *o_limit = NULL,
               *o_threads = NULL, *o_ctx = NULL, *o_mem = NULL, *o_name = NULL, *o_quiet = NULL, *o_shard = NULL,
               *o_prompt = NULL, *o_nomap = NULL, *o_noreuse = NULL, *o_batch = NULL, *o_orows = NULL;
    const opt opts[] = {{"--data", NULL, 1, &o_data},         {"--out", "-o", 1, &o_out},
                        {"--tasks", NULL, 1, &o_tasks},       {"--langs", NULL, 1, &o_langs},
                        {"--mode", NULL, 1, &o_mode},         {"--limit", NULL, 1, &o_limit},
                        {"--threads", "-t", 1, &o_threads},   {"--ctx", NULL, 1, &o_ctx},
                        {"--mem-limit", NULL, 1, &o_mem},     {"--model-name", NULL, 1, &o_name},
                        {"--quiet", "-q", 0, &o_quiet},       {"--shard", NULL, 1, &o_shard},
                        {"--prompt", NULL, 1, &o_prompt},     {"--no-mmap", NULL, 0, &o_nomap},
                        {"--no-reuse", NULL, 0, &o_noreuse},  {"--batch", NULL, 1, &o_batch},
                        {"--option-rows", NULL, 1, &o_orows}, {NULL, NULL, 0, NULL}};
    const char *pos[1] = {NULL};
    static run_ctx r;
    static char name_buf[CLK_MAX_FILENAME], tasks_buf[256], langs_buf[256];
    clk_eval_opts eo = clk_eval_defaults();
    clk_eval ev;
    clk_err e;
    eval_bufs b;
    eval_progress prog_state;
    eval_stats st;
    uint64_t max_file = 0, longest = 0, max_prompt = 0;
    int k, prompt = CLK_PROMPT_RAW;
    void *mem;
    double t0;

    {   /* issue 9: --tasks fictional is its own run (generated answers, XRR) */
        int i;
        for (i = 0; i < argc; i++)
            if ((!strcmp(argv[i], "--tasks") && i + 1 < argc && !strcmp(argv[i + 1], "fictional")) ||
                !strcmp(argv[i], "--tasks=fictional"))
                return fict_eval_cmd(argc, argv);
    }
    argc = lora_take_args("eval", argc, argv);
    if (parse_opts("eval", argc, argv, opts, pos, 1, help_eval) != 1) usage_error("eval", "%s", "expected one MODEL.gguf");
    if (!o_data) usage_error("eval", "%s", "missing --data DIR (the CLiKA layout)");
    if (!o_out) usage_error("eval", "%s", "missing --out OUTDIR");
    memset(&ecfg.unit, 0, sizeof ecfg.unit);
    ecfg.data = o_data;
    ecfg.out = o_out;
    ecfg.quiet = o_quiet != NULL;
    ecfg.no_mmap = o_nomap != NULL;
    ecfg.mode = o_mode ? clk_eval_mode_parse(o_mode) : CLK_EVAL_LETTER;
    if (ecfg.mode < 0) usage_error("eval", "--mode: expected letter, generate or option, found '%s'", o_mode);
    ecfg.limit = opt_int("eval", "--limit", o_limit, 1, CLK_MAX_ITEMS, -1);
    ecfg.shard = 0, ecfg.of = 1;
    if (o_shard) {
        int i_, n_, c_ = 0;
        if (sscanf(o_shard, "%d/%d%n", &i_, &n_, &c_) != 2 || o_shard[c_] || n_ < 1 || i_ < 0 || i_ >= n_)
            usage_error("eval", "--shard: expected I/N with 0 <= I < N, found '%s'", o_shard);
        ecfg.shard = i_, ecfg.of = n_;
    }
    if (o_name) {
        ecfg.name = o_name;
    } else { /* the model file's base name without .gguf */
        default_name(pos[0], name_buf, sizeof name_buf);
        ecfg.name = name_buf;
    }
    if (strchr(ecfg.name, '/') || !ecfg.name[0]) usage_error("eval", "--model-name: '%s' is not a file name", ecfg.name);
    memset(&r, 0, sizeof r);
    run_opts_parse("eval", &r, o_threads, o_batch, NULL, o_mem);
    eval_discover(o_tasks, o_langs);

    /* measure every input: items, longest line, largest file */
    for (k = 0; k < ecfg.n_units; k++) {
        eval_unit *u = &ecfg.unit[k];
        uint64_t size, lines, lg;
        file_measure(u->prompt_path, &size, &lines, &lg);
        if (size > max_file) max_file = size;
        if (lg > longest) longest = lg;
        if (lg > max_prompt) max_prompt = lg;
        unit_count(u, lines); /* without mmap a bound: counted again when the file is read */
        if (u->data_path[0]) {
            file_measure(u->data_path, &size, &lines, &lg);
            if (size > max_file) max_file = size;
            if (lg > longest) longest = lg;
        }
        file_measure(u->res_path, &size, &lines, &lg);
        if (size > max_file) max_file = size;
        if (lg > longest) longest = lg;
    }
    if (!(clk_sys_can_map() && !ecfg.no_mmap)) longest = max_file;

    run_open(&r, pos[0], o_nomap != NULL);
    prompt = eval_prompt_format(&r.mf, pos[0], o_prompt);
    eo.mode = ecfg.mode;
    eo.prompt = prompt;
    eo.reuse = o_noreuse == NULL;
    eo.option_rows = (int)opt_int("eval", "--option-rows", o_orows, 1, CLK_OPTION_ROWS, CLK_OPTION_ROWS);
    eo.max_prompt = (size_t)max_prompt;
    {
        long dflt = (long)clk_tok_max_tokens(clk_eval_max_text(&eo)) + eo.max_new;
        if (the_model.hp.n_ctx_train > 0 && dflt > (long)the_model.hp.n_ctx_train) dflt = the_model.hp.n_ctx_train;
        r.ro.n_ctx = (int)opt_int("eval", "--ctx", o_ctx, 8, 1L << 24, dflt);
    }
    r.ro.n_out = clk_eval_n_out(&eo);
    if (r.ro.n_out > r.ro.n_batch) r.ro.n_batch = r.ro.n_out;

    /* the run arena: tokenizer, eval, decoder, JSON scratch, result line, file buffers */
    memset(&b, 0, sizeof b);
    /* JSON scratch: the longest input line, or a result line this run writes
     * (read back for the generate/letter agreement at the end) */
    if (clk_eval_record_bytes((size_t)max_prompt) > longest) longest = clk_eval_record_bytes((size_t)max_prompt);
    b.json_bytes = clk_json_bytes(longest);
    b.file_cap = (clk_sys_can_map() && !ecfg.no_mmap) ? 0 : max_file;
    if (clk_tok_plan(&r.mf.g, clk_eval_max_text(&eo), &r.plan, &e) != CLK_OK) die_in(pos[0], &e);
    clk_eval_plan(&eo, r.ro.n_ctx, &r.plan);
    clk_plan_add(&r.plan, "eval json scratch", 2 * b.json_bytes);
    clk_plan_add(&r.plan, "eval result line", clk_eval_record_bytes((size_t)max_prompt));
    if (b.file_cap) clk_plan_addn(&r.plan, "eval file buffers", b.file_cap, 3);
    r.ro.lora_rank = the_model.lora_rank_max; /* --lora (issue 9) */
    eval_acquire(&r, &eo, &ev, pos[0]);
    if (clk_arena_alloc(&r.arena, clk_eval_record_bytes((size_t)max_prompt), "eval result line", &mem, &e) != CLK_OK)
        die(&e);
    b.line.p = (char *)mem;
    b.line.cap = clk_eval_record_bytes((size_t)max_prompt);
    for (k = 0; k < (b.file_cap ? 3 : 0); k++)
        if (clk_arena_alloc(&r.arena, (size_t)b.file_cap, "eval file buffers", &b.file[k], &e) != CLK_OK) die(&e);
    /* the JSON scratch is what remains: parsed lines come and go above this mark */

    eval_identity(&r.mf, prompt);
    memset(&prog_state, 0, sizeof prog_state);
    memset(&st, 0, sizeof st);
    prog_state.tty = clk_sys_isatty(2);
    for (k = 0; k < ecfg.n_units; k++) prog_state.total += ecfg.unit[k].n_mine;
    t0 = prog_state.t0 = prog_state.last = clk_sys_seconds();
    for (k = 0; k < ecfg.n_units; k++) eval_unit_run(&ecfg.unit[k], &ev, &r.arena, &b, &prog_state, &st);
    if (!ecfg.quiet && prog_state.tty) fputc('\n', stderr);
    {
        double dt = clk_sys_seconds() - t0;
        fprintf(stderr, "%s eval: %ld items in %.2f s (%.2f items/s), %s mode, %llu prompt tokens evaluated, %llu "
                "reused from the cache\n", prog, st.items, dt, dt > 0 ? (double)st.items / dt : 0.0,
                clk_eval_mode_name(ecfg.mode), (unsigned long long)ev.n_evaluated, (unsigned long long)ev.n_reused);
    }
    if (ecfg.mode == CLK_EVAL_GENERATE) {
        eval_agreement(&r.arena, &b, &st);
        fprintf(stderr, "%s eval: generate vs letter: %ld of %ld answers parse to a different letter (%.1f%%); the "
                "first greedy token was an option letter in %ld\n", prog, st.gen_disagree,
                st.gen_agree + st.gen_disagree,
                st.gen_agree + st.gen_disagree ? 100.0 * (double)st.gen_disagree / (double)(st.gen_agree + st.gen_disagree) : 0.0,
                st.gen_first_letter);
    }
    run_close(&r);
    /* written last: `clika merge` refuses a shard without it (unfinished) */
    eval_manifest(pos[0], prompt);
    if (ecfg.of > 1) {
        printf("%s: shard %d/%d of %s written to %s; combine the shards with '%s merge'\n", prog, ecfg.shard, ecfg.of,
               ecfg.name, ecfg.out, prog);
        return 0;
    }
    {
        clk_score_opts so;
        eval_lists(tasks_buf, sizeof tasks_buf, langs_buf, sizeof langs_buf);
        so.data = ecfg.out;
        so.model = ecfg.name;
        so.tasks = tasks_buf;
        so.langs = langs_buf;
        score_and_report(&so, ecfg.out, 0);
    }
    return 0;
}


/* ------------------------------------------------------------ clika merge */

static void help_merge(void)
{
    printf("usage: %s merge OUTDIR... --out DIR [--no-mmap]\n"
           "\n"
           "Combine the output directories of 'clika eval --shard I/N' runs (all N of\n"
           "them, each finished) into DIR, as if one unsharded run had written it, and\n"
           "score the result (DIR/report.{json,md,csv,svg}). Every shard must have the\n"
           "same model name, mode, prompt format, tasks, languages and item counts, and\n"
           "every item must be covered exactly once; otherwise nothing is written.\n",
           prog);
}

#ifndef CLK_MAX_SHARDS
#define CLK_MAX_SHARDS 256
#endif
#define EVAL_MANIFEST_BYTES 65536

typedef struct eval_manifest_info {
    char name[CLK_MAX_FILENAME], mode[32], prompt[32];
    int shard, of, n_units;
    char task[EVAL_MAX_UNITS][16], lang[EVAL_MAX_UNITS][CLK_MAX_LANG_CODE];
    long items[EVAL_MAX_UNITS];
} eval_manifest_info;

static eval_manifest_info mani[CLK_MAX_SHARDS];

static void manifest_read(const char *dir, eval_manifest_info *m)
{
    static char text[EVAL_MANIFEST_BYTES];
    char path[CLK_MAX_PATH];
    clk_map map;
    clk_oserr os;
    clk_err e;
    char *p, *line;
    memset(m, 0, sizeof *m);
    m->of = 0;
    if (snprintf(path, sizeof path, "%s/eval.tsv", dir) >= (int)sizeof path) usage_error("merge", "%s", "path too long");
    if (clk_sys_read(path, text, sizeof text - 1, &map, &os) != 0) {
        clk_fail(&e, CLK_E_DATA, "%s (is '%s' the output of a finished 'clika eval'?)", os.msg, dir);
        die(&e);
    }
    text[map.size] = 0;
    for (p = text; *p; p = line) {
        char *nl = strchr(p, '\n');
        char a[CLK_MAX_FILENAME], c[CLK_MAX_FILENAME];
        long n;
        int i1, i2;
        line = nl ? nl + 1 : p + strlen(p);
        if (nl) *nl = 0;
        if (p[0] == '#' || !p[0]) continue;
        if (sscanf(p, "name\t%255s", m->name) == 1) continue;
        if (sscanf(p, "mode\t%31s", m->mode) == 1) continue;
        if (sscanf(p, "prompt\t%31s", m->prompt) == 1) continue;
        if (sscanf(p, "shard\t%d\t%d", &i1, &i2) == 2) {
            m->shard = i1, m->of = i2;
            continue;
        }
        if (sscanf(p, "unit\t%255s\t%255s\t%ld", a, c, &n) == 3 && m->n_units < EVAL_MAX_UNITS && strlen(a) < 16 &&
            strlen(c) < CLK_MAX_LANG_CODE) {
            strcpy(m->task[m->n_units], a);
            strcpy(m->lang[m->n_units], c);
            m->items[m->n_units++] = n;
            continue;
        }
        clk_fail(&e, CLK_E_FORMAT, "%s: unexpected line '%.80s'", path, p);
        die(&e);
    }
    if (!m->name[0] || !m->mode[0] || m->of < 1 || m->shard < 0 || m->shard >= m->of || !m->n_units) {
        clk_fail(&e, CLK_E_FORMAT, "%s: incomplete manifest", path);
        die(&e);
    }
}

static int cmd_merge(int argc, char **argv)
{
    const char *o_out = NULL, *o_nomap = NULL;
    const opt opts[] = {{"--out", "-o", 1, &o_out}, {"--no-mmap", NULL, 0, &o_nomap}, {NULL, NULL, 0, NULL}};
    static const char *pos[CLK_MAX_SHARDS];
    static char tasks_buf[256], langs_buf[256];
    typedef struct slot {
        const char *p;
        size_t len;
    } slot;
    clk_plan plan;
    clk_arena arena;
    clk_err e;
    clk_oserr os;
    clk_map map[CLK_MAX_SHARDS];
    void *fbuf[CLK_MAX_SHARDS];
    slot *idx;
    uint64_t max_file = 0, longest = 0, json_bytes;
    long max_items = 0;
    int n, s, k, seen[CLK_MAX_SHARDS];
    const eval_manifest_info *m0 = &mani[0];

    n = parse_opts("merge", argc, argv, opts, pos, CLK_MAX_SHARDS, help_merge);
    if (n < 1) usage_error("merge", "%s", "expected the OUTDIRs of 'clika eval --shard I/N'");
    if (!o_out) usage_error("merge", "%s", "missing --out DIR");
    ecfg.no_mmap = o_nomap != NULL;
    memset(seen, 0, sizeof seen);
    for (s = 0; s < n; s++) {
        eval_manifest_info *m = &mani[s];
        manifest_read(pos[s], m);
        if (strcmp(m->name, m0->name) || strcmp(m->mode, m0->mode) || strcmp(m->prompt, m0->prompt) ||
            m->of != m0->of || m->n_units != m0->n_units)
            eval_die("%s and %s are not shards of one run (name, mode, prompt, shard count or units differ)", pos[0],
                     pos[s]);
        for (k = 0; k < m->n_units; k++)
            if (strcmp(m->task[k], m0->task[k]) || strcmp(m->lang[k], m0->lang[k]) || m->items[k] != m0->items[k])
                eval_die("%s and %s cover different tasks, languages or item counts", pos[0], pos[s]);
        if (seen[m->shard]++) eval_die("%s: shard given twice (%s)", pos[s], "");
    }
    if (n != m0->of) {
        clk_fail(&e, CLK_E_DATA, "the run has %d shards, %d were given", m0->of, n);
        die(&e);
    }
    /* the plan: every shard's file of a unit at once, an index of its items, JSON scratch */
    ecfg.n_units = m0->n_units;
    for (k = 0; k < m0->n_units; k++) {
        if (m0->items[k] > max_items) max_items = m0->items[k];
        for (s = 0; s < n; s++) {
            char path[CLK_MAX_PATH];
            uint64_t size, lines, lg;
            snprintf(path, sizeof path, "%s/%s/%s/%s_res.jsonl", pos[s], m0->task[k], m0->lang[k], m0->name);
            file_measure(path, &size, &lines, &lg);
            if (size > max_file) max_file = size;
            if (lg > longest) longest = lg;
        }
    }
    if (!(clk_sys_can_map() && !ecfg.no_mmap)) longest = max_file;
    json_bytes = clk_json_bytes(longest);
    clk_plan_init(&plan);
    if (!(clk_sys_can_map() && !ecfg.no_mmap)) clk_plan_addn(&plan, "merge file buffers", max_file + 1, (uint64_t)n);
    clk_plan_add(&plan, "merge index", (uint64_t)(max_items + 1) * sizeof(slot));
    clk_plan_add(&plan, "merge json scratch", json_bytes);
    acquire(&arena, &plan);
    for (s = 0; s < n; s++) {
        fbuf[s] = NULL;
        if (!(clk_sys_can_map() && !ecfg.no_mmap) &&
            clk_arena_alloc(&arena, (size_t)max_file + 1, "merge file buffers", &fbuf[s], &e) != CLK_OK)
            die(&e);
    }
    if (clk_arena_alloc(&arena, (size_t)(max_items + 1) * sizeof(slot), "merge index", (void **)&idx, &e) != CLK_OK)
        die(&e);

    for (k = 0; k < m0->n_units; k++) {
        char path[CLK_MAX_PATH], dir[CLK_MAX_PATH];
        long i, items = m0->items[k];
        clk_file f;
        for (i = 0; i < items; i++) idx[i].p = NULL;
        for (s = 0; s < n; s++) {
            clk_jsonl r;
            const char *line;
            size_t len;
            snprintf(path, sizeof path, "%s/%s/%s/%s_res.jsonl", pos[s], m0->task[k], m0->lang[k], m0->name);
            if (mani[s].items[k] > mani[s].shard) {
                file_load(path, fbuf[s], max_file + 1, &map[s]);
            } else { /* a shard with no item of this unit may have no file */
                map[s].data = (const uint8_t *)"";
                map[s].size = 0;
                map[s].mapped = 0;
            }
            clk_jsonl_init(&r, map[s].data, (size_t)map[s].size);
            if (map[s].size && map[s].data[map[s].size - 1] != '\n')
                eval_die("%s: the last line is incomplete (resume that shard's run first)%s", path, "");
            while (clk_jsonl_next(&r, &line, &len)) {
                size_t mark = clk_arena_mark(&arena);
                clk_json_doc d;
                const clk_json *id;
                if (clk_json_parse(line, len, path, r.line, &arena, &d, &e) != CLK_OK) die(&e);
                id = clk_json_get(&d, d.root, "id");
                if (!id || !id->is_int || id->u.i < 0 || id->u.i >= items || id->u.i % m0->of != mani[s].shard) {
                    clk_fail(&e, CLK_E_DATA, "%s:%llu: an \"id\" that is not an item of shard %d/%d", path,
                             (unsigned long long)r.line, mani[s].shard, m0->of);
                    die(&e);
                }
                if (idx[id->u.i].p) {
                    clk_fail(&e, CLK_E_DATA, "%s:%llu: item %lld is there twice", path, (unsigned long long)r.line,
                             (long long)id->u.i);
                    die(&e);
                }
                idx[id->u.i].p = line;
                idx[id->u.i].len = len + 1; /* with its "\n" */
                clk_arena_reset(&arena, mark);
            }
        }
        for (i = 0; i < items; i++)
            if (!idx[i].p) {
                clk_fail(&e, CLK_E_DATA, "%s/%s: item %ld is in no shard", m0->task[k], m0->lang[k], i);
                die(&e);
            }
        snprintf(dir, sizeof dir, "%s/%s/%s", o_out, m0->task[k], m0->lang[k]);
        if (snprintf(path, sizeof path, "%s/%s_res.jsonl", dir, m0->name) >= (int)sizeof path)
            usage_error("merge", "%s", "--out too long");
        if (clk_sys_mkdirs(dir, &os) != 0 || clk_sys_create(&f, path, &os) != 0) {
            clk_fail(&e, CLK_E_IO, "%s", os.msg);
            die(&e);
        }
        for (i = 0; i < items; i++)
            if (clk_sys_write(&f, idx[i].p, idx[i].len, &os) != 0) break;
        if (i < items || clk_sys_commit(&f, &os) != 0) {
            clk_sys_abandon(&f);
            clk_fail(&e, CLK_E_IO, "%s", os.msg);
            die(&e);
        }
        for (s = 0; s < n; s++)
            if (map[s].mapped) clk_sys_unmap(&map[s]);
    }
    free(arena_block);
    arena_block = NULL;

    /* the merged run's manifest and reports, as an unsharded run writes them */
    {
        char path[CLK_MAX_PATH];
        clk_file f;
        clk_out o;
        size_t tn = 0, ln = 0;
        int t;
        snprintf(path, sizeof path, "%s/eval.tsv", o_out);
        if (clk_sys_create(&f, path, &os) != 0) {
            clk_fail(&e, CLK_E_IO, "%s", os.msg);
            die(&e);
        }
        e.msg[0] = 0;
        o = file_out(&f, &e);
        clk_outf(&o, "# clika merge of %d shards\nname\t%s\nmode\t%s\nprompt\t%s\nshard\t0\t1\n", n, m0->name,
                 m0->mode, m0->prompt);
        for (k = 0; k < m0->n_units; k++) clk_outf(&o, "unit\t%s\t%s\t%ld\n", m0->task[k], m0->lang[k], m0->items[k]);
        if (e.msg[0] || clk_sys_commit(&f, &os) != 0) {
            if (!e.msg[0]) clk_fail(&e, CLK_E_IO, "%s", os.msg);
            die(&e);
        }
        tasks_buf[0] = langs_buf[0] = 0;
        for (k = 0; k < m0->n_units; k++) {
            for (t = 0; t < k; t++)
                if (!strcmp(m0->task[t], m0->task[k])) break;
            if (t == k) tn += (size_t)snprintf(tasks_buf + tn, sizeof tasks_buf - tn, "%s%s", tn ? "," : "", m0->task[k]);
            for (t = 0; t < k; t++)
                if (!strcmp(m0->lang[t], m0->lang[k])) break;
            if (t == k) ln += (size_t)snprintf(langs_buf + ln, sizeof langs_buf - ln, "%s%s", ln ? "," : "", m0->lang[k]);
        }
        {
            clk_score_opts so;
            so.data = o_out;
            so.model = m0->name;
            so.tasks = tasks_buf;
            so.langs = langs_buf;
            score_and_report(&so, o_out, 0);
        }
    }
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
           "  eval MODEL.gguf      run a model on CLiKA (--data DIR --out OUTDIR) and score it\n"
           "  merge OUTDIR...      combine 'eval --shard' outputs (--out DIR) and score them\n"
           "  score                score CLiKA result files: report.json/.md/.csv/.svg\n"
           "  info MODEL.gguf      describe a model file and the memory a run needs\n"
           "  tokenize MODEL.gguf TEXT  token ids of TEXT, as llama.cpp gives them\n"
           "  logits MODEL.gguf    the model's logits for a file of token ids\n"
           "  generate MODEL.gguf  continue a prompt greedily\n"
           "  bench MODEL.gguf     prompt and generation speed (tokens/s), as llama-bench measures\n"
           "  quantize IN OUT TYPE re-encode a model's weights (Q8_0, Q4_K_M, ...) as llama.cpp does\n"
           "  version              the version, the build and this CPU's kernels\n"
           "  help                 this text\n"
           "\n"
           "'%s COMMAND --help' describes each command.\n",
           prog, prog);
}

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("clika %s (%s kernels=%s)\n", CLK_VERSION, clk_port_build(), clk_port_kernels()->name);
    return 0;
}

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
    {"version", cmd_version},
    {"info", cmd_info},
    {"score", cmd_score}, /* issue 2 */
    {"tokenize", cmd_tokenize},
    {"logits", cmd_logits},
    {"generate", cmd_generate},
    {"quantize", cmd_quantize}, /* issue 5 */
    {"bench", cmd_bench},       /* issue 6 */
    {"eval", cmd_eval},         /* issue 7 */
    {"merge", cmd_merge},       /* issue 7 */
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
