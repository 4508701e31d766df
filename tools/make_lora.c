/*
 * make_lora.c - writes a random LoRA adapter for a base GGUF model, in
 * llama.cpp's adapter format (model.h), deterministic from a seed: for
 * tests and for trying `--lora` without a training run.
 *
 *   make_lora BASE.gguf --out A.gguf [--rank 8] [--alpha 16] [--seed 1]
 *             [--targets attn_q,attn_k,attn_v,attn_output,ffn_gate,ffn_up,ffn_down]
 *             [--type f32|f16] [--std-a 0.05] [--std-b 0.05]
 *
 * What it writes: general.architecture (the base model's), general.type =
 * "adapter", adapter.type = "lora", adapter.lora.alpha, general.name; then
 * for every matrix of the base file (in file order) whose short name is in
 * --targets - the name without "blk.N." and ".weight", so "attn_q" picks
 * every layer's attn_q.weight, and "output" / "token_embd" the top-level
 * ones - the pair
 *     <name>.lora_a  [k, r]   (token_embd: [r, n_vocab])
 *     <name>.lora_b  [r, n]   (token_embd: [r, n_embd])
 * for a base weight of ggml shape [k, n].
 *
 * Values: A and B are both random (a trained adapter starts with B = 0; a
 * random B makes the adapter change the logits, which is what a test
 * needs), uniform with mean 0 and standard deviation --std-a / --std-b:
 * std*sqrt(3)*(2u-1), u from SplitMix64 (Steele, Lea, Flood 2014), one
 * stream per tensor: key = mix(seed ^ FNV-1a-64(tensor name)), element i
 * (row-major) x_i = mix(key + (i+1)*0x9E3779B97F4A7C15), u_i = (x_i >> 11) * 2^-53.
 *
 * This file is a tool: it allocates and prints. ml_write() does the work;
 * tests/test_lora.c calls it after including this file with
 * MAKE_LORA_NO_MAIN defined.
 */
#define _POSIX_C_SOURCE 200809L

#include "common.h"
#include "arena.h"
#include "gguf.h"
#include "model.h"
#include "port.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ml_config {
    int rank;
    float alpha;
    uint64_t seed;
    const char *targets; /* comma-separated short names */
    int type;            /* CLK_T_F32 or CLK_T_F16 */
    double std_a, std_b;
    const char *name;    /* general.name */
} ml_config;

static void ml_config_init(ml_config *c)
{
    c->rank = 8;
    c->alpha = 16.0f;
    c->seed = 1;
    c->targets = "attn_q,attn_k,attn_v,attn_output,ffn_gate,ffn_up,ffn_down";
    c->type = CLK_T_F32;
    c->std_a = 0.05;
    c->std_b = 0.05;
    c->name = "make_lora random adapter";
}

/* ---------------------------------------------------------------- values */

static uint64_t ml_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t ml_key(uint64_t seed, const char *name)
{
    uint64_t h = 0xCBF29CE484222325ull;
    for (; *name; name++) h = (h ^ (unsigned char)*name) * 0x100000001B3ull;
    return ml_mix(seed ^ h);
}

/* Element i of the tensor whose stream key is `key`. */
static float ml_value(uint64_t key, uint64_t i, double std)
{
    uint64_t x = ml_mix(key + (i + 1) * 0x9E3779B97F4A7C15ull);
    double u = (double)(x >> 11) * (1.0 / 9007199254740992.0);
    return (float)(std * sqrt(3.0) * (2.0 * u - 1.0));
}

/* ---------------------------------------------------------------- targets */

/* The short name of a base tensor name ("blk.3.attn_q.weight" -> "attn_q"),
 * or 0 if it is not a "*.weight" name. */
static int ml_short(const clk_str *s, char *out, size_t cap)
{
    const char *p = s->p, *end = s->p + s->n;
    size_t n;
    if (s->n < 8 || memcmp(end - 7, ".weight", 7)) return 0;
    end -= 7;
    if (s->n > 4 && !memcmp(p, "blk.", 4)) {
        const char *q = p + 4;
        while (q < end && *q >= '0' && *q <= '9') q++;
        if (q < end && *q == '.' && q > p + 4) p = q + 1;
    }
    n = (size_t)(end - p);
    if (n + 1 > cap) return 0;
    memcpy(out, p, n);
    out[n] = 0;
    return 1;
}

static int ml_in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    while (*list) {
        const char *c = strchr(list, ',');
        size_t len = c ? (size_t)(c - list) : strlen(list);
        if (len == n && !memcmp(list, name, n)) return 1;
        list += len + (c ? 1 : 0);
    }
    return 0;
}

/* Is base tensor t adapted? (matrices only) */
static int ml_target(const ml_config *c, const clk_gguf_tensor *t)
{
    char sn[CLK_MAX_NAME + 1];
    if (t->n_dims != 2 || t->ne[1] < 2) return 0;
    if (!ml_short(&t->name, sn, sizeof sn)) return 0;
    return ml_in_list(c->targets, sn);
}

static int ml_is_embd(const clk_gguf_tensor *t) { return clk_str_eq(t->name, "token_embd.weight"); }

/* Shapes of the pair for base tensor t. */
static void ml_shapes(const ml_config *c, const clk_gguf_tensor *t, int64_t *a, int64_t *b)
{
    a[2] = a[3] = b[2] = b[3] = 1;
    if (ml_is_embd(t)) {
        a[0] = c->rank, a[1] = t->ne[1]; /* [r, n_vocab] */
        b[0] = c->rank, b[1] = t->ne[0]; /* [r, n_embd]  */
    } else {
        a[0] = t->ne[0], a[1] = c->rank; /* [k, r] */
        b[0] = c->rank, b[1] = t->ne[1]; /* [r, n] */
    }
}

/* One random tensor's bytes, in chunks through the writer. */
static clk_status ml_tensor_data(clk_gguf_writer *w, const ml_config *c, const char *name, const int64_t *ne,
                                 double std)
{
    unsigned char buf[4096];
    uint64_t key = ml_key(c->seed, name), n = (uint64_t)ne[0] * (uint64_t)ne[1], i, nbytes;
    size_t esz = c->type == CLK_T_F16 ? 2 : 4, fill = 0;
    for (i = 0; i < n; i++) {
        float v = ml_value(key, i, std);
        if (c->type == CLK_T_F16) {
            uint16_t h = clk_fp32_to_fp16(v);
            buf[fill] = (unsigned char)h, buf[fill + 1] = (unsigned char)(h >> 8);
        } else {
            uint32_t u = clk_f32_bits(v);
            buf[fill] = (unsigned char)u, buf[fill + 1] = (unsigned char)(u >> 8);
            buf[fill + 2] = (unsigned char)(u >> 16), buf[fill + 3] = (unsigned char)(u >> 24);
        }
        fill += esz;
        if (fill + esz > sizeof buf) {
            CLK_TRY(clk_gguf_w_data(w, buf, fill));
            fill = 0;
        }
    }
    if (fill) CLK_TRY(clk_gguf_w_data(w, buf, fill));
    nbytes = n * esz;
    return clk_gguf_w_tensor_end(w, nbytes);
}

/* Write the adapter for parsed base file g. *n_pairs gets the pair count. */
static clk_status ml_write(const clk_gguf *g, const ml_config *c, clk_gguf_writer *w, int *n_pairs, clk_err *e)
{
    clk_str arch;
    uint64_t i;
    int pass, n = 0;
    char nm[CLK_MAX_NAME + 16];
    if (c->rank < 1 || c->rank > 65536) return clk_fail(e, CLK_E_ARG, "make_lora: rank %d outside 1..65536", c->rank);
    if (c->type != CLK_T_F32 && c->type != CLK_T_F16) return clk_fail(e, CLK_E_ARG, "make_lora: type must be f32 or f16");
    if (clk_gguf_get_str(g, "general.architecture", &arch, e) != CLK_OK) return clk_fail_wrap(e, "make_lora: base: ");
    for (i = 0; i < g->n_tensors; i++) n += ml_target(c, &g->tensors[i]);
    if (n == 0) return clk_fail(e, CLK_E_ARG, "make_lora: no tensor of the base model matches --targets '%s'", c->targets);
    *n_pairs = n;
    CLK_TRY(clk_gguf_w_begin(w, 3, 5, (uint64_t)n * 2));
    CLK_TRY(clk_gguf_w_strn(w, "general.architecture", arch.p, arch.n));
    CLK_TRY(clk_gguf_w_str(w, "general.type", "adapter"));
    CLK_TRY(clk_gguf_w_str(w, "general.name", c->name));
    CLK_TRY(clk_gguf_w_str(w, "adapter.type", "lora"));
    CLK_TRY(clk_gguf_w_f32(w, "adapter.lora.alpha", c->alpha));
    for (pass = 0; pass < 2; pass++) /* pass 0: tensor infos, pass 1: data, same order */
        for (i = 0; i < g->n_tensors; i++) {
            const clk_gguf_tensor *t = &g->tensors[i];
            int64_t a[CLK_MAX_DIMS], b[CLK_MAX_DIMS];
            int len;
            if (!ml_target(c, t)) continue;
            ml_shapes(c, t, a, b);
            len = (int)t->name.n;
            snprintf(nm, sizeof nm, "%.*s.lora_a", len, t->name.p);
            if (pass == 0) CLK_TRY(clk_gguf_w_tensor_info(w, nm, 2, a, (uint32_t)c->type));
            else CLK_TRY(ml_tensor_data(w, c, nm, a, c->std_a));
            snprintf(nm, sizeof nm, "%.*s.lora_b", len, t->name.p);
            if (pass == 0) CLK_TRY(clk_gguf_w_tensor_info(w, nm, 2, b, (uint32_t)c->type));
            else CLK_TRY(ml_tensor_data(w, c, nm, b, c->std_b));
        }
    return clk_gguf_w_finish(w);
}

#ifndef MAKE_LORA_NO_MAIN

static void ml_die(const char *fmt, const char *a)
{
    fprintf(stderr, "make_lora: ");
    fprintf(stderr, fmt, a);
    fprintf(stderr, "\n");
    exit(2);
}

static clk_status ml_file_write(void *ctx, const void *p, size_t n, clk_err *err)
{
    clk_oserr os;
    if (clk_sys_write((clk_file *)ctx, p, n, &os) != 0) return clk_fail(err, CLK_E_IO, "%s", os.msg);
    return CLK_OK;
}

static void ml_usage(void)
{
    printf("usage: make_lora BASE.gguf --out ADAPTER.gguf [--rank R] [--alpha A] [--seed N]\n"
           "                 [--targets LIST] [--type f32|f16] [--std-a S] [--std-b S]\n"
           "\n"
           "Writes a random LoRA adapter for BASE in llama.cpp's GGUF adapter format\n"
           "(see the top of tools/make_lora.c). Defaults: rank 8, alpha 16, seed 1,\n"
           "type f32, std 0.05 for A and B, targets\n"
           "attn_q,attn_k,attn_v,attn_output,ffn_gate,ffn_up,ffn_down (also: output,\n"
           "token_embd).\n");
}

int main(int argc, char **argv)
{
    ml_config c;
    const char *base = NULL, *out = NULL;
    clk_map map;
    clk_oserr os;
    clk_err e;
    clk_gguf_header h;
    clk_gguf g;
    clk_arena a;
    clk_plan plan;
    clk_file f;
    clk_out o;
    clk_gguf_writer w;
    void *mem;
    int i, n_pairs = 0;

    ml_config_init(&c);
    for (i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end;
        if (!strcmp(k, "--help") || !strcmp(k, "-h")) {
            ml_usage();
            return 0;
        }
        if (k[0] != '-') {
            if (base) ml_die("unexpected argument '%s'", k);
            base = k;
            continue;
        }
        if (!v) ml_die("option '%s' needs a value", k);
        i++;
        if (!strcmp(k, "--out")) out = v;
        else if (!strcmp(k, "--rank")) {
            long r = strtol(v, &end, 10);
            if (*end || r < 1 || r > 65536) ml_die("--rank: expected 1..65536, found '%s'", v);
            c.rank = (int)r;
        } else if (!strcmp(k, "--alpha")) {
            c.alpha = (float)strtod(v, &end);
            if (*end || end == v) ml_die("--alpha: expected a number, found '%s'", v);
        } else if (!strcmp(k, "--seed")) {
            c.seed = strtoull(v, &end, 10);
            if (*v < '0' || *v > '9' || *end) ml_die("--seed: expected a non-negative integer, found '%s'", v);
        } else if (!strcmp(k, "--targets")) c.targets = v;
        else if (!strcmp(k, "--type")) {
            if (!strcmp(v, "f32") || !strcmp(v, "F32")) c.type = CLK_T_F32;
            else if (!strcmp(v, "f16") || !strcmp(v, "F16")) c.type = CLK_T_F16;
            else ml_die("--type: expected f32 or f16, found '%s'", v);
        } else if (!strcmp(k, "--std-a") || !strcmp(k, "--std-b")) {
            double d = strtod(v, &end);
            if (*end || end == v || !(d >= 0)) ml_die("--std-a/--std-b: expected a number >= 0, found '%s'", v);
            if (k[6] == 'a') c.std_a = d;
            else c.std_b = d;
        } else ml_die("unknown option '%s' (see --help)", k);
    }
    if (!base || !out) ml_die("%s", "expected BASE.gguf and --out ADAPTER.gguf");
    if (clk_sys_map(base, &map, &os) != 0) ml_die("%s", os.msg);
    if (clk_gguf_peek(map.data, map.size, &h, &e) != CLK_OK) ml_die("%s", e.msg);
    clk_plan_init(&plan);
    clk_gguf_plan(&h, &plan);
    mem = calloc(1, (size_t)plan.total + CLK_ALIGN);
    if (!mem) ml_die("%s", "out of memory");
    clk_arena_init(&a, (void *)(((uintptr_t)mem + CLK_ALIGN - 1) & ~(uintptr_t)(CLK_ALIGN - 1)), (size_t)plan.total);
    if (clk_gguf_parse(&g, map.data, map.size, &a, &e) != CLK_OK) ml_die("%s", e.msg);
    if (clk_sys_create(&f, out, &os) != 0) ml_die("%s", os.msg);
    o.write = ml_file_write;
    o.ctx = &f;
    o.err = &e;
    clk_gguf_w_init_out(&w, &o, &e);
    if (ml_write(&g, &c, &w, &n_pairs, &e) != CLK_OK) {
        clk_sys_abandon(&f);
        ml_die("%s", e.msg);
    }
    if (clk_sys_commit(&f, &os) != 0) ml_die("%s", os.msg);
    printf("make_lora: %s: %d pairs, rank %d, alpha %g, %s, seed %llu, %llu bytes\n", out, n_pairs, c.rank,
           (double)c.alpha, c.type == CLK_T_F16 ? "f16" : "f32", (unsigned long long)c.seed,
           (unsigned long long)w.pos);
    clk_sys_unmap(&map);
    free(mem);
    return 0;
}

#endif /* MAKE_LORA_NO_MAIN */
