/*
 * gguf_fixture.h - small GGUF files built in memory for tests, through the
 * writer in src/gguf.c: a table of metadata pairs and tensor infos that a
 * test edits (drop a key, reshape a tensor, ...) before writing it out.
 * Harness code: it may allocate. Used by tests/test_gguf.c,
 * tests/test_model.c and tools/gguf_seeds.c (fuzz seed corpus).
 *
 *     fx_file f;
 *     fx_spec s = fx_default("qwen2");
 *     fx_model(&f, &s);                          // keys + tensors of a tiny qwen2
 *     fx_set_u32(&f, "qwen2.block_count", 3);    // edits
 *     unsigned char *bytes = fx_write(&f, &len); // malloc'd file bytes
 */
#ifndef CLK_GGUF_FIXTURE_H
#define CLK_GGUF_FIXTURE_H

#include "gguf.h"
#include "port.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FX_MAX_KV 64
#define FX_MAX_T 1024

typedef struct fx_kv {
    char key[96];
    uint32_t type;        /* CLK_GGUF_* */
    uint64_t u;           /* integer and bool values (bit pattern for signed) */
    double f;             /* f32 / f64 values */
    const char *s;        /* string value */
    uint32_t arr_type;    /* arrays: element type */
    uint64_t arr_n;       /*         count */
    const void *arr;      /*         host values (numeric) or const char *const * (strings) */
} fx_kv;

typedef struct fx_tensor {
    char name[CLK_MAX_NAME];
    uint32_t n_dims;
    int64_t ne[CLK_MAX_DIMS];
    uint32_t type;
} fx_tensor;

typedef struct fx_file {
    uint32_t version;
    fx_kv kv[FX_MAX_KV];
    int n_kv;
    fx_tensor t[FX_MAX_T];
    int n_t;
} fx_file;

/* ------------------------------------------------------------- editing */

static inline fx_kv *fx_kv_slot(fx_file *f, const char *key)
{
    int i;
    for (i = 0; i < f->n_kv; i++)
        if (!strcmp(f->kv[i].key, key)) return &f->kv[i];
    if (f->n_kv == FX_MAX_KV) {
        fprintf(stderr, "fixture: FX_MAX_KV\n");
        exit(3);
    }
    memset(&f->kv[f->n_kv], 0, sizeof f->kv[0]);
    snprintf(f->kv[f->n_kv].key, sizeof f->kv[0].key, "%s", key);
    return &f->kv[f->n_kv++];
}

static inline void fx_set_int(fx_file *f, const char *key, uint32_t type, uint64_t v)
{
    fx_kv *k = fx_kv_slot(f, key);
    k->type = type;
    k->u = v;
}
static inline void fx_set_u32(fx_file *f, const char *key, uint32_t v) { fx_set_int(f, key, CLK_GGUF_U32, v); }
static inline void fx_set_f32(fx_file *f, const char *key, double v)
{
    fx_kv *k = fx_kv_slot(f, key);
    k->type = CLK_GGUF_F32;
    k->f = v;
}
static inline void fx_set_str(fx_file *f, const char *key, const char *v)
{
    fx_kv *k = fx_kv_slot(f, key);
    k->type = CLK_GGUF_STRING;
    k->s = v;
}
static inline void fx_set_arr(fx_file *f, const char *key, uint32_t elem_type, uint64_t n, const void *elems)
{
    fx_kv *k = fx_kv_slot(f, key);
    k->type = CLK_GGUF_ARRAY;
    k->arr_type = elem_type;
    k->arr_n = n;
    k->arr = elems;
}
static inline int fx_del(fx_file *f, const char *key)
{
    int i;
    for (i = 0; i < f->n_kv; i++)
        if (!strcmp(f->kv[i].key, key)) {
            memmove(&f->kv[i], &f->kv[i + 1], (size_t)(f->n_kv - i - 1) * sizeof f->kv[0]);
            f->n_kv--;
            return 1;
        }
    return 0;
}

static inline fx_tensor *fx_t(fx_file *f, const char *name)
{
    int i;
    for (i = 0; i < f->n_t; i++)
        if (!strcmp(f->t[i].name, name)) return &f->t[i];
    return NULL;
}
static inline fx_tensor *fx_add_t(fx_file *f, const char *name, uint32_t type, int64_t ne0, int64_t ne1)
{
    fx_tensor *t;
    if (f->n_t == FX_MAX_T) {
        fprintf(stderr, "fixture: FX_MAX_T\n");
        exit(3);
    }
    t = &f->t[f->n_t++];
    memset(t, 0, sizeof *t);
    {
        size_t n = strlen(name);
        if (n >= sizeof t->name) n = sizeof t->name - 1;
        memcpy(t->name, name, n);
        t->name[n] = 0;
    }
    t->n_dims = ne1 ? 2 : 1;
    t->ne[0] = ne0;
    t->ne[1] = ne1 ? ne1 : 1;
    t->ne[2] = t->ne[3] = 1;
    t->type = type;
    return t;
}
static inline int fx_del_t(fx_file *f, const char *name)
{
    fx_tensor *t = fx_t(f, name);
    if (!t) return 0;
    memmove(t, t + 1, (size_t)(f->n_t - (int)(t - f->t) - 1) * sizeof *t);
    f->n_t--;
    return 1;
}

/* ------------------------------------------------------------- a model */

typedef struct fx_spec {
    const char *arch;
    int n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff, n_vocab;
    int tied;             /* 1: no output.weight                                */
    uint32_t wtype;       /* type of the matrices (CLK_T_*)                      */
    double rope_base;     /* 0: key absent                                       */
    double rms_eps;
    int n_swa, swa_pattern; /* gemma: written when > 0                            */
} fx_spec;

/* A tiny model: E32, 2 layers, 4 heads / 2 KV heads of 8, FF 64, vocab 32,
 * Q8_0 matrices (32-element rows: one block each). */
static inline fx_spec fx_default(const char *arch)
{
    fx_spec s;
    memset(&s, 0, sizeof s);
    s.arch = arch;
    s.n_embd = 32;
    s.n_layer = 2;
    s.n_head = 4;
    s.n_head_kv = 2;
    s.head_dim = 0;
    s.n_ff = 64;
    s.n_vocab = 32;
    s.tied = strcmp(arch, "llama") != 0;
    s.wtype = CLK_T_Q8_0;
    s.rope_base = 10000;
    s.rms_eps = 1e-5;
    return s;
}

static const char *fx_vocab_tokens[] = {"<unk>", "<s>",  "</s>", "a",  "b",  "c",  "d",  "e",  "f",  "g",  "h",
                                        "i",     "j",    "k",    "l",  "m",  "n",  "o",  "p",  "q",  "r",  "s",
                                        "t",     "u",    "v",    "w",  "x",  "y",  "z",  " ",  ".",  ","};

static inline void fx_model(fx_file *f, const fx_spec *s)
{
    char k[96];
    int il, hd = s->head_dim ? s->head_dim : s->n_embd / s->n_head;
    int gemma = !strncmp(s->arch, "gemma", 5), qk = !strcmp(s->arch, "qwen3") || !strcmp(s->arch, "gemma3");
    int64_t E = s->n_embd;
    memset(f, 0, sizeof *f);
    f->version = 3;
#define K(suffix) (snprintf(k, sizeof k, "%s." suffix, s->arch), k)
    fx_set_str(f, "general.architecture", s->arch);
    fx_set_str(f, "general.name", "fixture");
    fx_set_u32(f, K("context_length"), 256);
    fx_set_u32(f, K("embedding_length"), (uint32_t)s->n_embd);
    fx_set_u32(f, K("block_count"), (uint32_t)s->n_layer);
    fx_set_u32(f, K("feed_forward_length"), (uint32_t)s->n_ff);
    fx_set_u32(f, K("attention.head_count"), (uint32_t)s->n_head);
    fx_set_u32(f, K("attention.head_count_kv"), (uint32_t)s->n_head_kv);
    if (s->head_dim) {
        fx_set_u32(f, K("attention.key_length"), (uint32_t)s->head_dim);
        fx_set_u32(f, K("attention.value_length"), (uint32_t)s->head_dim);
    }
    if (s->rope_base > 0) fx_set_f32(f, K("rope.freq_base"), s->rope_base);
    fx_set_f32(f, K("attention.layer_norm_rms_epsilon"), s->rms_eps);
    if (gemma && s->n_swa > 0) fx_set_u32(f, K("attention.sliding_window"), (uint32_t)s->n_swa);
    if (gemma && s->swa_pattern > 0) fx_set_u32(f, K("attention.sliding_window_pattern"), (uint32_t)s->swa_pattern);
    fx_set_str(f, "tokenizer.ggml.model", "llama");
    fx_set_arr(f, "tokenizer.ggml.tokens", CLK_GGUF_STRING, 32, fx_vocab_tokens);
#undef K
    fx_add_t(f, "token_embd.weight", s->wtype, E, s->n_vocab);
    fx_add_t(f, "output_norm.weight", CLK_T_F32, E, 0);
    if (!s->tied) fx_add_t(f, "output.weight", s->wtype, E, s->n_vocab);
    for (il = 0; il < s->n_layer; il++) {
        int64_t nq = (int64_t)s->n_head * hd, nkv = (int64_t)s->n_head_kv * hd;
#define T(suffix, type, a, b) (snprintf(k, sizeof k, "blk.%d." suffix, il), fx_add_t(f, k, type, a, b))
        T("attn_norm.weight", CLK_T_F32, E, 0);
        T("attn_q.weight", s->wtype, E, nq);
        T("attn_k.weight", s->wtype, E, nkv);
        T("attn_v.weight", s->wtype, E, nkv);
        if (!strcmp(s->arch, "qwen2")) {
            T("attn_q.bias", CLK_T_F32, nq, 0);
            T("attn_k.bias", CLK_T_F32, nkv, 0);
            T("attn_v.bias", CLK_T_F32, nkv, 0);
        }
        if (qk) {
            T("attn_q_norm.weight", CLK_T_F32, hd, 0);
            T("attn_k_norm.weight", CLK_T_F32, hd, 0);
        }
        T("attn_output.weight", s->wtype, nq, E);
        if (gemma) T("post_attention_norm.weight", CLK_T_F32, E, 0);
        T("ffn_norm.weight", CLK_T_F32, E, 0);
        T("ffn_gate.weight", s->wtype, E, s->n_ff);
        T("ffn_up.weight", s->wtype, E, s->n_ff);
        T("ffn_down.weight", s->wtype, s->n_ff, E);
        if (gemma) T("post_ffw_norm.weight", CLK_T_F32, E, 0);
#undef T
    }
}

/* ------------------------------------------------------------- writing */

static inline clk_status fx_emit(clk_gguf_writer *w, const fx_file *f)
{
    int i;
    uint8_t chunk[256];
    CLK_TRY(clk_gguf_w_begin(w, f->version ? f->version : 3, (uint64_t)f->n_kv, (uint64_t)f->n_t));
    for (i = 0; i < f->n_kv; i++) {
        const fx_kv *k = &f->kv[i];
        switch (k->type) {
        case CLK_GGUF_F32: CLK_TRY(clk_gguf_w_f32(w, k->key, (float)k->f)); break;
        case CLK_GGUF_F64: CLK_TRY(clk_gguf_w_f64(w, k->key, k->f)); break;
        case CLK_GGUF_STRING: CLK_TRY(clk_gguf_w_str(w, k->key, k->s)); break;
        case CLK_GGUF_BOOL: CLK_TRY(clk_gguf_w_bool(w, k->key, (int)k->u)); break;
        case CLK_GGUF_U8: CLK_TRY(clk_gguf_w_u8(w, k->key, (uint8_t)k->u)); break;
        case CLK_GGUF_I8: CLK_TRY(clk_gguf_w_i8(w, k->key, (int8_t)(uint8_t)k->u)); break;
        case CLK_GGUF_U16: CLK_TRY(clk_gguf_w_u16(w, k->key, (uint16_t)k->u)); break;
        case CLK_GGUF_I16: CLK_TRY(clk_gguf_w_i16(w, k->key, (int16_t)(uint16_t)k->u)); break;
        case CLK_GGUF_U32: CLK_TRY(clk_gguf_w_u32(w, k->key, (uint32_t)k->u)); break;
        case CLK_GGUF_I32: CLK_TRY(clk_gguf_w_i32(w, k->key, (int32_t)(uint32_t)k->u)); break;
        case CLK_GGUF_U64: CLK_TRY(clk_gguf_w_u64(w, k->key, k->u)); break;
        case CLK_GGUF_I64: CLK_TRY(clk_gguf_w_i64(w, k->key, (int64_t)k->u)); break;
        case CLK_GGUF_ARRAY:
            if (k->arr_type == CLK_GGUF_STRING)
                CLK_TRY(clk_gguf_w_arr_str(w, k->key, (const char *const *)k->arr, k->arr_n));
            else
                CLK_TRY(clk_gguf_w_arr(w, k->key, k->arr_type, k->arr_n, k->arr));
            break;
        default: return clk_fail(w->e, CLK_E_ARG, "fixture: type %u", (unsigned)k->type);
        }
    }
    for (i = 0; i < f->n_t; i++)
        CLK_TRY(clk_gguf_w_tensor_info(w, f->t[i].name, f->t[i].n_dims, f->t[i].ne, f->t[i].type));
    for (i = 0; i < f->n_t; i++) {
        uint64_t nb, done = 0;
        CLK_TRY(clk_gguf_tensor_bytes(f->t[i].name, f->t[i].type, f->t[i].n_dims, f->t[i].ne, &nb, w->e));
        while (done < nb) {
            /* deterministic content: f32 tensors get 1.0 + small steps (valid
             * norms), other types a byte pattern */
            uint64_t k, n = nb - done < sizeof chunk ? nb - done : sizeof chunk;
            for (k = 0; k < n; k++) {
                uint64_t at = done + k;
                if (f->t[i].type == CLK_T_F32) {
                    uint32_t bits = clk_f32_bits(1.0f + (float)((at / 4 + (uint64_t)i) % 17) / 64.0f);
                    chunk[k] = (uint8_t)(bits >> (8 * (at % 4)));
                } else {
                    chunk[k] = (uint8_t)((at * 7 + (uint64_t)i * 13) & 0x3F); /* small, never NaN halves */
                }
            }
            CLK_TRY(clk_gguf_w_data(w, chunk, n));
            done += n;
        }
        CLK_TRY(clk_gguf_w_tensor_end(w, nb));
    }
    return clk_gguf_w_finish(w);
}

/* The file's bytes (malloc'd, exactly *len long), or NULL with the error
 * printed. */
static inline unsigned char *fx_write(const fx_file *f, size_t *len)
{
    clk_gguf_writer w;
    clk_err e;
    unsigned char *buf;
    *len = 0;
    clk_gguf_w_init_buf(&w, NULL, 0, &e); /* measure */
    if (fx_emit(&w, f) != CLK_OK) {
        printf("  fixture: %s\n", e.msg);
        return NULL;
    }
    *len = (size_t)w.pos;
    buf = (unsigned char *)malloc(*len ? *len : 1);
    if (!buf) return NULL;
    clk_gguf_w_init_buf(&w, buf, *len, &e);
    if (fx_emit(&w, f) != CLK_OK || w.pos != *len) {
        printf("  fixture: %s\n", e.msg);
        free(buf);
        return NULL;
    }
    return buf;
}

/* Where a tensor's info fields are in a written file: byte offsets of its
 * n_dims, ne[0], type and offset fields. Returns 0 if the name is absent. */
static inline int fx_find_info(const unsigned char *buf, size_t len, const char *name, size_t *dims_at, size_t *ne_at,
                        size_t *type_at, size_t *off_at)
{
    size_t n = strlen(name), i;
    *dims_at = *ne_at = *type_at = *off_at = 0;
    for (i = 24; i + 8 + n + 4 <= len; i++) {
        if (clk_rd64(buf + i) == n && !memcmp(buf + i + 8, name, n)) {
            uint32_t nd = clk_rd32(buf + i + 8 + n);
            if (nd < 1 || nd > 4) continue;
            *dims_at = i + 8 + n;
            *ne_at = *dims_at + 4;
            *type_at = *ne_at + 8 * nd;
            *off_at = *type_at + 4;
            return 1;
        }
    }
    return 0;
}

static inline void fx_put64(unsigned char *p, uint64_t v)
{
    int k;
    for (k = 0; k < 8; k++) p[k] = (unsigned char)(v >> (8 * k));
}
static inline void fx_put32(unsigned char *p, uint32_t v)
{
    int k;
    for (k = 0; k < 4; k++) p[k] = (unsigned char)(v >> (8 * k));
}

#endif /* CLK_GGUF_FIXTURE_H */
