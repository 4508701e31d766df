/*
 * tok_vocab.h - small hand-built vocabularies for the tokenizer tests and the
 * tokenizer fuzzer: written as real GGUF bytes with the gguf writer, parsed
 * back with clk_gguf_parse, then handed to clk_tok_init, so that they go
 * through exactly the path a model file takes. Test harness code: it
 * allocates with malloc.
 *
 * tv_bpe():  byte-level BPE, pre-tokenizer as given (default "qwen2").
 *   ids 0..255   the GPT-2 character of byte i (so byte b is token b)
 *   256 "he" 257 "ll" 258 "hell" 259 "hello" 260 "Ġw" 261 "or" 262 "Ġwor"
 *   263 "Ġworl" 264 "Ġworld" 265 "aa"          merges in this order (rank = id - 256)
 *   266 "<|end|>"  CONTROL, the EOS
 *   267 "<think>"  USER_DEFINED
 *   268 "</s>"     NORMAL in the file (llama.cpp makes it CONTROL and end-of-generation)
 *   269 "<|im_end|>" CONTROL        270 "<unused0>" CONTROL
 *   with open = 1 one more merge, "x y", whose result "xy" is no token
 * tv_spm():  SentencePiece, add_space_prefix unless told otherwise.
 *   0 <unk> UNKNOWN, 1 <s> CONTROL (BOS), 2 </s> CONTROL (EOS),
 *   3..258 <0x00>..<0xFF> BYTE, then pieces with scores (see the table).
 */
#ifndef CLK_TOK_VOCAB_H
#define CLK_TOK_VOCAB_H

#include "common.h"
#include "arena.h"
#include "gguf.h"
#include "tokenizer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tv_spec {
    const char *model;          /* "gpt2" / "llama" */
    const char *pre;            /* NULL: no key */
    const char *const *tokens;
    int n_tokens;
    const float *scores;        /* NULL: no key */
    const int32_t *types;       /* NULL: no key */
    const char *const *merges;  /* NULL: no key */
    int n_merges;
    int bos, eos, unk;          /* -1: no key */
    int add_bos, add_space_prefix; /* -1: no key */
} tv_spec;

/* The GGUF bytes of a spec (malloc'd), or NULL with the writer's message. */
static unsigned char *tv_write(const tv_spec *s, size_t *len, clk_err *e)
{
    clk_gguf_writer w;
    unsigned char *buf;
    uint64_t n_kv = 2;
    int pass;
    n_kv += s->pre != NULL;
    n_kv += s->scores != NULL;
    n_kv += s->types != NULL;
    n_kv += s->merges != NULL;
    n_kv += (s->bos >= 0) + (s->eos >= 0) + (s->unk >= 0) + (s->add_bos >= 0) + (s->add_space_prefix >= 0);
    buf = NULL;
    *len = 0;
    for (pass = 0; pass < 2; pass++) { /* measure, then write */
        if (pass == 1) buf = (unsigned char *)malloc(*len ? *len : 1);
        clk_gguf_w_init_buf(&w, buf, pass ? *len : 0, e);
        clk_gguf_w_begin(&w, 3, n_kv, 0);
        clk_gguf_w_str(&w, "tokenizer.ggml.model", s->model);
        if (s->pre) clk_gguf_w_str(&w, "tokenizer.ggml.pre", s->pre);
        clk_gguf_w_arr_str(&w, "tokenizer.ggml.tokens", s->tokens, (uint64_t)s->n_tokens);
        if (s->scores) clk_gguf_w_arr(&w, "tokenizer.ggml.scores", CLK_GGUF_F32, (uint64_t)s->n_tokens, s->scores);
        if (s->types) clk_gguf_w_arr(&w, "tokenizer.ggml.token_type", CLK_GGUF_I32, (uint64_t)s->n_tokens, s->types);
        if (s->merges) clk_gguf_w_arr_str(&w, "tokenizer.ggml.merges", s->merges, (uint64_t)s->n_merges);
        if (s->bos >= 0) clk_gguf_w_u32(&w, "tokenizer.ggml.bos_token_id", (uint32_t)s->bos);
        if (s->eos >= 0) clk_gguf_w_u32(&w, "tokenizer.ggml.eos_token_id", (uint32_t)s->eos);
        if (s->unk >= 0) clk_gguf_w_u32(&w, "tokenizer.ggml.unknown_token_id", (uint32_t)s->unk);
        if (s->add_bos >= 0) clk_gguf_w_bool(&w, "tokenizer.ggml.add_bos_token", s->add_bos);
        if (s->add_space_prefix >= 0) clk_gguf_w_bool(&w, "tokenizer.ggml.add_space_prefix", s->add_space_prefix);
        if (clk_gguf_w_finish(&w) != CLK_OK) {
            free(buf);
            return NULL;
        }
        *len = (size_t)w.pos;
    }
    return buf;
}

/* A loaded vocabulary: the file bytes, the parsed index, the tokenizer,
 * and the two blocks the plans asked for. */
typedef struct tv_loaded {
    unsigned char *file;
    size_t file_len;
    clk_gguf g;
    clk_tok t;
    void *index_mem, *tok_mem;
    uint64_t planned, used; /* tokenizer plan total and arena bytes used by init */
} tv_loaded;

static void *tv_aligned(uint64_t n, void **raw)
{
    *raw = malloc((size_t)n + CLK_ALIGN);
    return (void *)(((uintptr_t)*raw + CLK_ALIGN - 1) & ~(uintptr_t)(CLK_ALIGN - 1));
}

/* Parse file bytes (taken over) and build the tokenizer for texts of up to
 * max_text bytes. Returns the status of the first failing step. */
static clk_status tv_load(tv_loaded *L, unsigned char *file, size_t len, size_t max_text, clk_err *e)
{
    clk_gguf_header h;
    clk_plan p;
    clk_arena a;
    void *mem;
    clk_status s;
    memset(L, 0, sizeof *L);
    L->file = file;
    L->file_len = len;
    if ((s = clk_gguf_peek(file, len, &h, e)) != CLK_OK) return s;
    clk_plan_init(&p);
    clk_gguf_plan(&h, &p);
    mem = tv_aligned(p.total, &L->index_mem);
    clk_arena_init(&a, mem, (size_t)p.total);
    if ((s = clk_gguf_parse(&L->g, file, len, &a, e)) != CLK_OK) return s;
    clk_plan_init(&p);
    if ((s = clk_tok_plan(&L->g, max_text, &p, e)) != CLK_OK) return s;
    if ((s = clk_plan_check(&p, e)) != CLK_OK) return s;
    mem = tv_aligned(p.total, &L->tok_mem);
    clk_arena_init(&a, mem, (size_t)p.total);
    L->planned = p.total;
    s = clk_tok_init(&L->t, &L->g, max_text, &a, e);
    L->used = a.used;
    return s;
}

static clk_status tv_load_file(tv_loaded *L, const char *path, size_t max_text, clk_err *e)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long n;
    if (!f) return clk_fail(e, CLK_E_IO, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = (unsigned char *)malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(buf);
        return clk_fail(e, CLK_E_IO, "cannot read %s", path);
    }
    fclose(f);
    return tv_load(L, buf, (size_t)n, max_text, e);
}

static void tv_free(tv_loaded *L)
{
    free(L->file);
    free(L->index_mem);
    free(L->tok_mem);
    memset(L, 0, sizeof *L);
}

/* ------------------------------------------------------------- the vocabs */

static void tv_gpt2_char(unsigned b, char out[3])
{
    uint32_t cp;
    if ((b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE) cp = b;
    else if (b <= 0x20) cp = 256 + b;
    else if (b <= 0xA0) cp = 256 + 33 + (b - 0x7F);
    else cp = 256 + 67;
    memset(out, 0, 3);
    clk_utf8_encode(cp, (unsigned char *)out);
}

/* Byte-level BPE. open = 1 adds the merge "x y" whose result "xy" is not a
 * token (llama.cpp then emits x and y byte by byte), which makes the merge
 * list not closed over the vocabulary: the tokenizer must key merges by text. */
static clk_status tv_bpe(tv_loaded *L, const char *pre, int open, size_t max_text, clk_err *e)
{
    static char chars[256][3];
    static const char *const extra[] = {"he", "ll", "hell", "hello", "\xc4\xa0w", "or", "\xc4\xa0wor", "\xc4\xa0worl",
                                        "\xc4\xa0world", "aa", "<|end|>", "<think>", "</s>", "<|im_end|>",
                                        "<unused0>"};
    static const char *const merges[] = {"h e", "l l", "he ll", "hell o", "\xc4\xa0 w", "o r", "\xc4\xa0w or",
                                         "\xc4\xa0wor l", "\xc4\xa0worl d", "a a", "x y"};
    const char *tokens[256 + 15];
    int32_t types[256 + 15];
    tv_spec s;
    unsigned char *buf;
    size_t len;
    int i;
    for (i = 0; i < 256; i++) {
        tv_gpt2_char((unsigned)i, chars[i]);
        tokens[i] = chars[i];
        types[i] = CLK_TOKTYPE_NORMAL;
    }
    for (i = 0; i < 15; i++) {
        tokens[256 + i] = extra[i];
        types[256 + i] = CLK_TOKTYPE_NORMAL;
    }
    types[266] = CLK_TOKTYPE_CONTROL;
    types[267] = CLK_TOKTYPE_USER_DEFINED;
    types[269] = CLK_TOKTYPE_CONTROL;
    types[270] = CLK_TOKTYPE_CONTROL;
    memset(&s, 0, sizeof s);
    s.model = "gpt2";
    s.pre = pre;
    s.tokens = tokens;
    s.n_tokens = 256 + 15;
    s.types = types;
    s.merges = merges;
    s.n_merges = open ? 11 : 10;
    s.bos = -1;
    s.eos = 266;
    s.unk = -1;
    s.add_bos = -1;
    s.add_space_prefix = -1;
    buf = tv_write(&s, &len, e);
    if (!buf) return e->status ? e->status : CLK_E_INTERNAL;
    return tv_load(L, buf, len, max_text, e);
}

/* SentencePiece pieces after the byte tokens (ids from 259 on). */
#define TV_SPM_PIECES 12
static const char *const tv_spm_piece[TV_SPM_PIECES] = {
    "\xe2\x96\x81",        /* 259 ▁      */
    "a", "b", "c",         /* 260 261 262 */
    "aa",                  /* 263        */
    "ab", "bc",            /* 264 265    */
    "\xe2\x96\x81" "a",    /* 266 ▁a     */
    "\xe2\x96\x81" "ab",   /* 267 ▁ab    */
    "<b>",                 /* 268 USER_DEFINED */
    "\xe2\x96\x81\xe2\x96\x81", /* 269 ▁▁ */
    "\xc3\xa9"             /* 270 é      */
};
static const float tv_spm_score[TV_SPM_PIECES] = {-10, -20, -20, -20, -1, -2, -1.5f, -3, -2.5f, 0, -4, -5};

static clk_status tv_spm(tv_loaded *L, int add_space_prefix, size_t max_text, clk_err *e)
{
    static char bytes[256][7];
    const char *tokens[3 + 256 + TV_SPM_PIECES];
    float scores[3 + 256 + TV_SPM_PIECES];
    int32_t types[3 + 256 + TV_SPM_PIECES];
    tv_spec s;
    unsigned char *buf;
    size_t len;
    int i, n = 0;
    tokens[n] = "<unk>", scores[n] = 0, types[n++] = CLK_TOKTYPE_UNKNOWN;
    tokens[n] = "<s>", scores[n] = 0, types[n++] = CLK_TOKTYPE_CONTROL;
    tokens[n] = "</s>", scores[n] = 0, types[n++] = CLK_TOKTYPE_CONTROL;
    for (i = 0; i < 256; i++) {
        snprintf(bytes[i], sizeof bytes[i], "<0x%02X>", i);
        tokens[n] = bytes[i], scores[n] = 0, types[n++] = CLK_TOKTYPE_BYTE;
    }
    for (i = 0; i < TV_SPM_PIECES; i++) {
        tokens[n] = tv_spm_piece[i], scores[n] = tv_spm_score[i];
        types[n++] = i == 9 ? CLK_TOKTYPE_USER_DEFINED : CLK_TOKTYPE_NORMAL;
    }
    memset(&s, 0, sizeof s);
    s.model = "llama";
    s.pre = "default";
    s.tokens = tokens;
    s.n_tokens = n;
    s.scores = scores;
    s.types = types;
    s.bos = 1;
    s.eos = 2;
    s.unk = 0;
    s.add_bos = 1;
    s.add_space_prefix = add_space_prefix;
    buf = tv_write(&s, &len, e);
    if (!buf) return e->status ? e->status : CLK_E_INTERNAL;
    return tv_load(L, buf, len, max_text, e);
}

#endif /* CLK_TOK_VOCAB_H */
