/*
 * fuzz_gguf.c - libFuzzer entry point for the GGUF reader and everything
 * that reads a parsed file: peek, parse, every lookup and typed getter,
 * string-array walks, the hyper-parameters, weight binding, the memory
 * plan, and the tokenizer built from the file's vocabulary (init, then a
 * short fixed text encoded and decoded). Built by `make fuzz` with clang -fsanitize=fuzzer,address,undefined;
 * any crash, sanitizer report or failed invariant below stops the run.
 *
 * Invariants checked on every input that parses:
 *   - every key and tensor name is found again by lookup, at its own index;
 *   - every string of every string array lies inside the value's bytes;
 *   - copying every pair through the writer (clk_gguf_w_kv_copy) gives a
 *     file that parses to the same pairs, byte for byte.
 * libFuzzer hands the input in a buffer of exactly `size` bytes, so any read
 * past the end is an AddressSanitizer error.
 */
#include "gguf.h"
#include "model.h"
#include "forward.h"
#include "tokenizer.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static clk_model model; /* large: static */

static void *arena_for(uint64_t bytes, clk_arena *a)
{
    void *raw = malloc((size_t)bytes + CLK_ALIGN);
    uintptr_t al = ((uintptr_t)raw + CLK_ALIGN - 1) & ~(uintptr_t)(CLK_ALIGN - 1);
    if (!raw) abort();
    clk_arena_init(a, (void *)al, (size_t)bytes);
    return raw;
}

/* A NUL-terminated copy of s, or 0 if it has a NUL inside or is too long. */
static int cstr(clk_str s, char *buf, size_t cap)
{
    if (s.n >= cap || memchr(s.p, 0, (size_t)s.n)) return 0;
    memcpy(buf, s.p, (size_t)s.n);
    buf[s.n] = 0;
    return 1;
}

static void exercise(const clk_gguf *g)
{
    uint64_t i, j;
    char name[512];
    clk_err e;
    for (i = 0; i < g->n_kv; i++) {
        const clk_gguf_kv *kv = &g->kv[i];
        uint32_t u32;
        int64_t i64;
        float f;
        int b;
        clk_str s;
        if (!cstr(kv->key, name, sizeof name)) continue;
        if (clk_gguf_find(g, name) != kv) abort();
        clk_gguf_get_u32(g, name, &u32, &e);
        clk_gguf_get_i64(g, name, &i64, &e);
        clk_gguf_get_f32(g, name, &f, &e);
        clk_gguf_get_bool(g, name, &b, &e);
        if (clk_gguf_get_str(g, name, &s, &e) == CLK_OK &&
            ((const uint8_t *)s.p + s.n > g->base + g->size || (const uint8_t *)s.p < g->base))
            abort();
        if (kv->type == CLK_GGUF_ARRAY) {
            const clk_gguf_kv *arr;
            if (kv->arr_type == CLK_GGUF_STRING) {
                const uint8_t *it = kv->val, *end = kv->val + kv->val_bytes;
                if (clk_gguf_get_arr(g, name, CLK_GGUF_STRING, (int64_t)kv->arr_n, &arr, &e) != CLK_OK) abort();
                for (j = 0; j < kv->arr_n; j++) {
                    clk_str t = clk_gguf_next_str(&it);
                    if ((const uint8_t *)t.p + t.n > end) abort();
                }
                if (it != end) abort();
            } else {
                for (j = 0; j < kv->arr_n && j < 64; j++) {
                    (void)clk_gguf_arr_int(kv, j);
                    (void)clk_gguf_arr_f32(kv, j);
                }
                (void)clk_gguf_arr_int(kv, kv->arr_n); /* one past the end: must read nothing */
            }
        }
    }
    for (i = 0; i < g->n_tensors; i++) {
        const clk_gguf_tensor *t = &g->tensors[i];
        if (!cstr(t->name, name, sizeof name)) continue;
        if (clk_gguf_tensor_find(g, name) != t) abort();
        if (t->data < g->base || t->data + t->nbytes > g->base + g->size) abort();
    }
    if (clk_model_load(&model, g, &e) == CLK_OK || clk_model_hparams(&model.hp, g, &e) == CLK_OK) {
        clk_plan p;
        clk_run_opts o = clk_run_defaults();
        clk_plan_init(&p);
        (void)clk_fwd_plan(&model.hp, &o, &p);
        (void)clk_plan_check(&p, &e);
    }
}

/* The tokenizer of the file, if it has one, on a short text. */
static void tokenize(const clk_gguf *g)
{
    static const char text[] = "Hello, world! 123 caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 <s> \xff";
    clk_plan p;
    clk_err e;
    clk_arena a;
    clk_tok t;
    void *raw;
    int32_t ids[256];
    char out[1024];
    size_t n, len;
    clk_plan_init(&p);
    if (clk_tok_plan(g, 64, &p, &e) != CLK_OK || clk_plan_check(&p, &e) != CLK_OK) return;
    raw = arena_for(p.total, &a);
    if (clk_tok_init(&t, g, 64, &a, &e) == CLK_OK) {
        if (a.used != p.total) abort(); /* the tokenizer's plan is exact */
        if (clk_tok_encode(&t, text, sizeof text - 1, 1, 1, ids, sizeof ids / sizeof ids[0], &n, &e) == CLK_OK)
            (void)clk_tok_decode(&t, ids, n, 0, out, sizeof out, &len, &e);
    }
    free(raw);
}

/* Copy every pair into a new (tensor-free) file; it must parse to the same pairs. */
static void copy_pairs(const clk_gguf *g)
{
    clk_gguf_writer w;
    clk_err e;
    uint8_t *buf;
    uint64_t i, len;
    clk_gguf g2;
    clk_gguf_header h;
    clk_arena a;
    void *raw;
    clk_gguf_w_init_buf(&w, NULL, 0, &e);
    if (clk_gguf_w_begin(&w, g->version, g->n_kv, 0) != CLK_OK) abort();
    for (i = 0; i < g->n_kv; i++)
        if (clk_gguf_w_kv_copy(&w, &g->kv[i]) != CLK_OK) abort();
    if (clk_gguf_w_finish(&w) != CLK_OK) abort();
    len = w.pos;
    buf = (uint8_t *)malloc((size_t)len);
    if (!buf) abort();
    clk_gguf_w_init_buf(&w, buf, len, &e);
    clk_gguf_w_begin(&w, g->version, g->n_kv, 0);
    for (i = 0; i < g->n_kv; i++) clk_gguf_w_kv_copy(&w, &g->kv[i]);
    if (clk_gguf_w_finish(&w) != CLK_OK || w.pos != len) abort();
    if (clk_gguf_peek(buf, len, &h, &e) != CLK_OK) abort();
    raw = arena_for(clk_gguf_index_bytes(&h), &a);
    if (clk_gguf_parse(&g2, buf, len, &a, &e) != CLK_OK) abort();
    if (g2.n_kv != g->n_kv) abort();
    for (i = 0; i < g->n_kv; i++) {
        const clk_gguf_kv *x = &g->kv[i], *y = &g2.kv[i];
        if (x->type != y->type || x->arr_type != y->arr_type || x->arr_n != y->arr_n ||
            x->val_bytes != y->val_bytes || x->key.n != y->key.n || memcmp(x->key.p, y->key.p, (size_t)x->key.n) ||
            memcmp(x->val, y->val, (size_t)x->val_bytes))
            abort();
    }
    free(raw);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    clk_gguf_header h;
    clk_gguf g;
    clk_err e;
    clk_arena a;
    void *raw;
    if (clk_gguf_peek(data, size, &h, &e) != CLK_OK) {
        if (!e.msg[0]) abort(); /* every failure has a message */
        return 0;
    }
    raw = arena_for(clk_gguf_index_bytes(&h), &a);
    if (clk_gguf_parse(&g, data, size, &a, &e) == CLK_OK) {
        if (a.used != clk_plan_round(clk_gguf_index_bytes(&h))) abort(); /* the plan is exact */
        exercise(&g);
        copy_pairs(&g);
        tokenize(&g);
    } else if (!e.msg[0]) {
        abort();
    }
    free(raw);
    return 0;
}
