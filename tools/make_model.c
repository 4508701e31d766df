/*
 * make_model.c - writes a random-weight GGUF model of a given architecture
 * and shape, deterministic from a seed: for tests, benchmarks and clika's
 * embedded default model. No third-party weights are involved.
 *
 *   make_model --arch qwen2 --n-embd 128 --n-layer 4 ... --out m.gguf
 *   make_model --preset default --out build/default.gguf
 *   make_model --preset qwen2.5-0.5b --vocab ggml-vocab-qwen2.gguf --type Q4_K_M --out q.gguf
 *
 * What it writes (the tensors and keys llama.cpp's loader expects, see
 * model.h for what clika binds):
 *
 *   token_embd.weight [n_embd, n_vocab]    output_norm.weight [n_embd]
 *   output.weight [n_embd, n_vocab]        (only --untied; gemma is always tied)
 *   per layer blk.N.: attn_norm, attn_q, [attn_q.bias], attn_k, [attn_k.bias],
 *     attn_v, [attn_v.bias], [attn_q_norm, attn_k_norm], attn_output,
 *     [post_attention_norm], ffn_norm, ffn_gate, ffn_up, ffn_down, [post_ffw_norm]
 *   (biases: qwen2; q/k norms: qwen3, gemma3; post norms: gemma2, gemma3)
 *
 * Weights (the recipe of ../shared/models/MANIFEST.md): every value is
 * uniform with a given mean and standard deviation, mean + std*sqrt(3)*(2u-1):
 * matrices std 0.05; token_embd std 0.2 (gemma 1/sqrt(n_embd)); norms
 * 1 +- 0.1 (std); qwen2 q and k biases std 0.5, v bias std 0.1.
 *
 * The random numbers: SplitMix64 (Steele, Lea, Flood 2014), one stream per
 * tensor. key = mix(seed ^ FNV-1a-64(tensor name)); element i of the tensor
 * (row-major, i = row * ne[0] + column) is
 *     x_i = mix(key + (i + 1) * 0x9E3779B97F4A7C15)      (mod 2^64)
 *     u_i = (x_i >> 11) * 2^-53                          in [0, 1)
 * with mix(z) = SplitMix64's finaliser. Each value depends only on (seed,
 * tensor name, i): tensors and rows can be generated in any order, by any
 * number of threads, and a tensor's values do not change when other
 * tensors are added, removed or reordered.
 *
 * Layouts:
 *   --type F32      the converter layout: tensors in the order above, all
 *                   F32, general.file_type 0 (as convert_hf_to_gguf writes).
 *   --type T        (any other clika quantize type) the file
 *                   `clika quantize F32-file OUT T` would write, byte for
 *                   byte: the same metadata, llama-quantize's tensor order,
 *                   mixes and fallbacks. The rows go from the generator
 *                   straight into the quantize stage, so no F32 copy of the
 *                   model is ever made (a 0.5B Q4_K_M model needs ~10 MB).
 *
 * Tokenizer:
 *   --vocab FILE.gguf   every tokenizer.* pair copied from a vocabulary
 *                       GGUF (e.g. ../shared/vocab/ggml-vocab-qwen2.gguf);
 *                       n_vocab = its token count.
 *   --bpe-corpus PATH   a byte-level BPE vocabulary learned here from text:
 *                       every JSON string value of the *.jsonl / *.json files
 *                       under PATH (keys excluded; directories walked in
 *                       byte order), and the whole of *.txt files. Each text
 *                       is cut by clika's own qwen2 pre-tokenizer (the one
 *                       the file declares, tokenizer.ggml.pre = "qwen2",
 *                       which llama.cpp implements too); the pieces are
 *                       counted; then, starting from the 256 byte symbols,
 *                       the most frequent adjacent pair (ties: the smaller
 *                       left id, then the smaller right id) is merged,
 *                       again and again, until the vocabulary has
 *                       --vocab-size - 3 tokens or no pair occurs twice.
 *                       Two merges that spell the same bytes share one token.
 *                       Then three CONTROL tokens: <|endoftext|> (bos, eos,
 *                       padding), <|im_start|>, <|im_end|>, and a ChatML
 *                       chat template. Token ids: 0..255 = the bytes 0..255
 *                       (written with GPT-2's byte-to-character map, as
 *                       tokenizer.ggml.model = "gpt2" requires), then the
 *                       learned tokens in merge order. If the corpus runs
 *                       out of pairs before --vocab-size, UNUSED tokens
 *                       "[PAD<id>]" fill the rest (as real Qwen files do).
 *
 * Presets (options after a preset override it):
 *   default        the embedded default model: qwen2, n_embd 128, 4 layers,
 *                  4 heads / 2 KV heads (head dim 32), n_ff 384, context
 *                  4096, rope base 1e6, eps 1e-6, tied, vocabulary 4096
 *                  learned from fixtures/clika-mini, Q8_0, seed 1.
 *   qwen2.5-0.5b   Qwen2.5-0.5B's shape: qwen2, n_embd 896, 24 layers,
 *                  14 heads / 2 KV heads (head dim 64), n_ff 4864, context
 *                  32768, rope base 1e6, eps 1e-6, tied, q/k/v biases,
 *                  vocabulary 151936 (--vocab, or learned from
 *                  fixtures/clika-mini and padded to 151936), seed 2.
 *
 * This file is a tool: it allocates with malloc and prints. Everything it
 * does goes through mm_make(), which tests/test_make_model.c calls after
 * including this file with MAKE_MODEL_NO_MAIN defined.
 */
#define _POSIX_C_SOURCE 200809L

#include "common.h"
#include "arena.h"
#include "gguf.h"
#include "jsonl.h"
#include "model.h"
#include "tokenizer.h"
#include "quantize.h"
#include "port.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ config */

typedef struct mm_config {
    clk_arch arch;
    const char *name;       /* general.name                                     */
    int n_embd, n_layer, n_head, n_head_kv;
    int head_dim;           /* 0: n_embd / n_head                                */
    int n_ff, n_ctx;
    float rope_base, rope_base_swa, rms_eps;
    int swa, swa_pattern;   /* gemma: sliding window and its layer pattern       */
    float attn_softcap, final_softcap; /* gemma2                                  */
    int tied;               /* 1: no output.weight                               */
    uint64_t seed;
    int ftype;              /* CLK_FTYPE_*: F32 = converter layout                */
    int n_threads;
    const char *vocab;      /* copy tokenizer.* from this GGUF, or NULL          */
    const char *bpe_corpus; /* learn a BPE vocabulary from this path, or NULL    */
    int vocab_size;         /* learned vocabulary: total tokens (padded)         */
    int bpe_tokens;         /* learned vocabulary: stop learning at this many
                               tokens before the specials (0: vocab_size - 3)    */
} mm_config;

static void mm_arch_defaults(mm_config *c)
{
    switch (c->arch) {
    case CLK_ARCH_LLAMA:
        c->rope_base = 10000.0f;
        c->rms_eps = 1e-5f;
        break;
    case CLK_ARCH_QWEN2: case CLK_ARCH_QWEN3:
        c->rope_base = 1000000.0f;
        c->rms_eps = 1e-6f;
        break;
    case CLK_ARCH_GEMMA2:
        c->rope_base = 10000.0f;
        c->rms_eps = 1e-6f;
        c->swa = 4096;
        c->swa_pattern = 2;
        c->attn_softcap = 50.0f;
        c->final_softcap = 30.0f;
        break;
    case CLK_ARCH_GEMMA3:
        c->rope_base = 1000000.0f;
        c->rope_base_swa = 10000.0f;
        c->rms_eps = 1e-6f;
        c->swa = 512;
        c->swa_pattern = 6;
        break;
    default:
        break;
    }
    c->tied = c->arch != CLK_ARCH_LLAMA;
}

static void mm_config_init(mm_config *c, clk_arch arch)
{
    memset(c, 0, sizeof *c);
    c->arch = arch;
    c->name = "clika random model";
    c->n_embd = 256;
    c->n_layer = 2;
    c->n_head = 4;
    c->n_head_kv = 2;
    c->n_ff = 512;
    c->n_ctx = 4096;
    c->seed = 1;
    c->ftype = CLK_FTYPE_F32;
    c->n_threads = 1;
    c->vocab_size = 1024;
    mm_arch_defaults(c);
}

/* 0 on success; corpus is where fixtures/clika-mini is (for the presets). */
static int mm_preset(mm_config *c, const char *name, const char *corpus)
{
    if (!strcmp(name, "default")) {
        mm_config_init(c, CLK_ARCH_QWEN2);
        c->name = "clika-default (random weights, vocabulary learned from fixtures/clika-mini)";
        c->n_embd = 128;
        c->n_layer = 4;
        c->n_head = 4;
        c->n_head_kv = 2;
        c->n_ff = 384;
        c->n_ctx = 4096;
        c->vocab_size = 4096;
        c->bpe_corpus = corpus;
        c->ftype = CLK_FTYPE_Q8_0;
        c->seed = 1;
        return 0;
    }
    if (!strcmp(name, "qwen2.5-0.5b")) {
        mm_config_init(c, CLK_ARCH_QWEN2);
        c->name = "qwen2.5-0.5b-shaped (random weights)";
        c->n_embd = 896;
        c->n_layer = 24;
        c->n_head = 14;
        c->n_head_kv = 2;
        c->head_dim = 64;
        c->n_ff = 4864;
        c->n_ctx = 32768;
        c->vocab_size = 151936;
        c->bpe_tokens = 8192;
        c->bpe_corpus = corpus;
        c->seed = 2;
        return 0;
    }
    return -1;
}

/* ================================================================ random */

static uint64_t mm_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t mm_fnv1a(const char *s)
{
    uint64_t h = 0xCBF29CE484222325ull;
    while (*s) h = (h ^ (unsigned char)*s++) * 0x100000001B3ull;
    return h;
}

static uint64_t mm_tensor_key(uint64_t seed, const char *name) { return mm_mix(seed ^ mm_fnv1a(name)); }

/* Element i of the stream `key`, as a uniform value of the given mean and
 * standard deviation (computed in double, rounded once to float). */
static float mm_value(uint64_t key, uint64_t i, double mean, double std)
{
    uint64_t x = mm_mix(key + (i + 1) * 0x9E3779B97F4A7C15ull);
    double u = (double)(x >> 11) * (1.0 / 9007199254740992.0); /* 2^-53 */
    return (float)(mean + std * 1.7320508075688772 * (2.0 * u - 1.0));
}

/* ================================================================ tensors */

#define MM_MAX_TENSORS (3 + 16 * CLK_MAX_LAYERS)

typedef struct mm_tensor {
    char name[CLK_MAX_NAME];
    uint32_t n_dims;
    int64_t ne[CLK_MAX_DIMS];
    double mean, std;
    uint64_t key; /* the random stream */
} mm_tensor;

typedef struct mm_tensors {
    mm_tensor t[MM_MAX_TENSORS];
    int n;
} mm_tensors;

static void mm_add(mm_tensors *ts, uint64_t seed, const char *name, int64_t ne0, int64_t ne1, double mean, double std)
{
    mm_tensor *t = &ts->t[ts->n++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->n_dims = ne1 > 0 ? 2 : 1;
    t->ne[0] = ne0;
    t->ne[1] = ne1 > 0 ? ne1 : 1;
    t->ne[2] = t->ne[3] = 1;
    t->mean = mean;
    t->std = std;
    t->key = mm_tensor_key(seed, name);
}

static int mm_head_dim(const mm_config *c) { return c->head_dim > 0 ? c->head_dim : c->n_embd / c->n_head; }

static void mm_build_tensors(const mm_config *c, int n_vocab, mm_tensors *ts)
{
    const int E = c->n_embd, F = c->n_ff, hd = mm_head_dim(c);
    const int nq = c->n_head * hd, nkv = c->n_head_kv * hd;
    const int gemma = c->arch == CLK_ARCH_GEMMA2 || c->arch == CLK_ARCH_GEMMA3;
    const int qk_norm = c->arch == CLK_ARCH_QWEN3 || c->arch == CLK_ARCH_GEMMA3;
    const double w = 0.05, nstd = 0.1;
    char n[CLK_MAX_NAME];
    int il;
    ts->n = 0;
    mm_add(ts, c->seed, "token_embd.weight", E, n_vocab, 0.0, gemma ? 1.0 / sqrt((double)E) : 0.2);
    mm_add(ts, c->seed, "output_norm.weight", E, 0, 1.0, nstd);
    if (!c->tied) mm_add(ts, c->seed, "output.weight", E, n_vocab, 0.0, w);
    for (il = 0; il < c->n_layer; il++) {
#define NM(s) (snprintf(n, sizeof n, "blk.%d." s, il), n)
        mm_add(ts, c->seed, NM("attn_norm.weight"), E, 0, 1.0, nstd);
        mm_add(ts, c->seed, NM("attn_q.weight"), E, nq, 0.0, w);
        if (c->arch == CLK_ARCH_QWEN2) mm_add(ts, c->seed, NM("attn_q.bias"), nq, 0, 0.0, 0.5);
        mm_add(ts, c->seed, NM("attn_k.weight"), E, nkv, 0.0, w);
        if (c->arch == CLK_ARCH_QWEN2) mm_add(ts, c->seed, NM("attn_k.bias"), nkv, 0, 0.0, 0.5);
        mm_add(ts, c->seed, NM("attn_v.weight"), E, nkv, 0.0, w);
        if (c->arch == CLK_ARCH_QWEN2) mm_add(ts, c->seed, NM("attn_v.bias"), nkv, 0, 0.0, 0.1);
        if (qk_norm) {
            mm_add(ts, c->seed, NM("attn_q_norm.weight"), hd, 0, 1.0, nstd);
            mm_add(ts, c->seed, NM("attn_k_norm.weight"), hd, 0, 1.0, nstd);
        }
        mm_add(ts, c->seed, NM("attn_output.weight"), nq, E, 0.0, w);
        if (gemma) mm_add(ts, c->seed, NM("post_attention_norm.weight"), E, 0, 1.0, nstd);
        mm_add(ts, c->seed, NM("ffn_norm.weight"), E, 0, 1.0, nstd);
        mm_add(ts, c->seed, NM("ffn_gate.weight"), E, F, 0.0, w);
        mm_add(ts, c->seed, NM("ffn_up.weight"), E, F, 0.0, w);
        mm_add(ts, c->seed, NM("ffn_down.weight"), F, E, 0.0, w);
        if (gemma) mm_add(ts, c->seed, NM("post_ffw_norm.weight"), E, 0, 1.0, nstd);
#undef NM
    }
}

/* The quantize stage's row generator. */
static void mm_rows(void *ctx, uint32_t ti, int64_t row0, int64_t nrows, float *out)
{
    const mm_tensor *t = &((const mm_tensors *)ctx)->t[ti];
    uint64_t i0 = (uint64_t)row0 * (uint64_t)t->ne[0], k, n = (uint64_t)nrows * (uint64_t)t->ne[0];
    for (k = 0; k < n; k++) out[k] = mm_value(t->key, i0 + k, t->mean, t->std);
}

/* ================================================================ BPE learning */

/* GPT-2's byte -> character map: printable Latin-1 bytes stand for
 * themselves, the other 68 bytes for U+0100, U+0101, ... in byte order. */
static uint32_t mm_byte_cp(int b)
{
    int k, n = 0;
    if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255)) return (uint32_t)b;
    for (k = 0; k < b; k++)
        if (!((k >= 33 && k <= 126) || (k >= 161 && k <= 172) || (k >= 174 && k <= 255))) n++;
    return 256u + (uint32_t)n;
}

/* A byte string in GPT-2 characters, NUL-terminated, malloc'd. */
static char *mm_gpt2_text(const uint8_t *p, size_t n)
{
    char *s = (char *)malloc(2 * n + 1), *q = s;
    size_t i;
    if (!s) return NULL;
    for (i = 0; i < n; i++) q += clk_utf8_encode(mm_byte_cp(p[i]), (unsigned char *)q);
    *q = 0;
    return s;
}

/* Open-addressing hash of byte strings -> index (the pre-token words, the
 * learned token texts). */
typedef struct mm_strtab {
    uint32_t *slot; /* [cap] index + 1, 0 empty */
    uint32_t cap, n;
} mm_strtab;

static uint64_t mm_hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 0xCBF29CE484222325ull;
    size_t i;
    for (i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001B3ull;
    return h;
}

/* Growable symbol / word storage: strings back to back. */
typedef struct mm_strs {
    uint8_t *bytes;  /* [size] */
    size_t size, cap;
    size_t *off;     /* [n + 1] */
    uint32_t n, cap_n;
} mm_strs;

static int mm_strs_add(mm_strs *s, const uint8_t *p, size_t n)
{
    if (s->n + 2 > s->cap_n) {
        uint32_t c = s->cap_n ? 2 * s->cap_n : 1024;
        size_t *o = (size_t *)realloc(s->off, sizeof *o * c);
        if (!o) return -1;
        s->off = o;
        s->cap_n = c;
        if (s->n == 0) s->off[0] = 0;
    }
    if (s->size + n > s->cap) {
        size_t c = s->cap ? 2 * s->cap : 65536;
        uint8_t *b;
        while (c < s->size + n) c *= 2;
        b = (uint8_t *)realloc(s->bytes, c);
        if (!b) return -1;
        s->bytes = b;
        s->cap = c;
    }
    if (n) memcpy(s->bytes + s->size, p, n);
    s->size += n;
    s->n++;
    s->off[s->n] = s->size;
    return 0;
}

static const uint8_t *mm_str(const mm_strs *s, uint32_t i, size_t *n)
{
    *n = s->off[i + 1] - s->off[i];
    return s->bytes + s->off[i];
}

/* Index of the string in s (through table t), or -1; with add, insert it. */
static long mm_intern(mm_strtab *t, mm_strs *s, const uint8_t *p, size_t n, int add)
{
    uint32_t mask, i;
    if (t->cap == 0 || 2 * (t->n + 1) > t->cap) { /* grow: rehash every string */
        uint32_t cap = t->cap ? 2 * t->cap : 4096, k;
        uint32_t *slot = (uint32_t *)calloc(cap, sizeof *slot);
        if (!slot) return -2;
        for (k = 0; k < s->n; k++) {
            size_t m;
            const uint8_t *q = mm_str(s, k, &m);
            uint32_t j = (uint32_t)mm_hash_bytes(q, m) & (cap - 1);
            while (slot[j]) j = (j + 1) & (cap - 1);
            slot[j] = k + 1;
        }
        free(t->slot);
        t->slot = slot;
        t->cap = cap;
        t->n = s->n;
    }
    mask = t->cap - 1;
    for (i = (uint32_t)mm_hash_bytes(p, n) & mask; t->slot[i]; i = (i + 1) & mask) {
        size_t m;
        const uint8_t *q = mm_str(s, t->slot[i] - 1, &m);
        if (m == n && memcmp(q, p, n) == 0) return (long)t->slot[i] - 1;
    }
    if (!add) return -1;
    if (mm_strs_add(s, p, n) != 0) return -2;
    t->slot[i] = s->n;
    t->n++;
    return (long)s->n - 1;
}

/* Pair (left id, right id) -> count, open addressing. */
typedef struct mm_pairs {
    uint64_t *key;  /* [cap] (left << 32 | right) + 1, 0 empty */
    int64_t *count; /* [cap] */
    uint32_t cap, n;
} mm_pairs;

static uint32_t mm_pair_slot(const mm_pairs *p, uint64_t k)
{
    uint32_t i = (uint32_t)mm_mix(k) & (p->cap - 1);
    while (p->key[i] && p->key[i] != k) i = (i + 1) & (p->cap - 1);
    return i;
}

static int mm_pair_add(mm_pairs *p, int32_t a, int32_t b, int64_t d)
{
    uint64_t k = (((uint64_t)(uint32_t)a << 32) | (uint32_t)b) + 1;
    uint32_t i;
    if (p->cap == 0 || 2 * (p->n + 1) > p->cap) { /* grow, dropping pairs that died out */
        mm_pairs q;
        uint32_t j, live = 0;
        for (j = 0; j < p->cap; j++) live += p->key[j] && p->count[j] > 0;
        q.cap = 1u << 16;
        while (q.cap < 4 * (live + 1)) q.cap *= 2;
        q.key = (uint64_t *)calloc(q.cap, sizeof *q.key);
        q.count = (int64_t *)calloc(q.cap, sizeof *q.count);
        if (!q.key || !q.count) return -1;
        q.n = 0;
        for (j = 0; j < p->cap; j++)
            if (p->key[j] && p->count[j] > 0) {
                uint32_t s = mm_pair_slot(&q, p->key[j]);
                q.key[s] = p->key[j];
                q.count[s] = p->count[j];
                q.n++;
            }
        free(p->key);
        free(p->count);
        *p = q;
    }
    i = mm_pair_slot(p, k);
    if (!p->key[i]) {
        p->key[i] = k;
        p->n++;
    }
    p->count[i] += d;
    return 0;
}

typedef struct mm_bpe {
    mm_strs sym;          /* token texts as raw bytes; 0..255 are the bytes       */
    mm_strtab sym_tab;
    mm_strs words;        /* distinct pre-tokens (raw bytes)                       */
    mm_strtab word_tab;
    int64_t *freq;        /* [words.n] occurrences                                 */
    int32_t *seg;         /* all words' current symbols, back to back             */
    size_t *seg_off;      /* [words.n + 1]: word w's symbols start at seg_off[w]   */
    uint32_t *seg_len;    /* [words.n] current symbol count (shrinks as merged)    */
    mm_pairs pairs;       /* adjacent symbol pairs in all words, weighted by freq  */
    int32_t (*merge)[2];  /* [n_merge] left, right                                */
    uint32_t n_merge, cap_merge;
    uint64_t n_texts, text_bytes, n_pieces;
} mm_bpe;

static void mm_bpe_free(mm_bpe *b)
{
    free(b->sym.bytes);
    free(b->sym.off);
    free(b->sym_tab.slot);
    free(b->words.bytes);
    free(b->words.off);
    free(b->word_tab.slot);
    free(b->freq);
    free(b->seg);
    free(b->seg_off);
    free(b->seg_len);
    free(b->pairs.key);
    free(b->pairs.count);
    free(b->merge);
    memset(b, 0, sizeof *b);
}

/* ---- collecting the corpus texts */

typedef struct mm_texts {
    mm_strs s;
    size_t longest;
} mm_texts;

static clk_status mm_oom(clk_err *e) { return clk_fail(e, CLK_E_NOMEM, "make_model: out of memory"); }

/* Every string value (not key) of a parsed JSON value, recursively. */
static clk_status mm_json_strings(const clk_json_doc *d, uint32_t v, mm_texts *tx, clk_err *e)
{
    const clk_json *n = &d->node[v];
    uint32_t c, k;
    if (n->type == CLK_JSON_STRING) {
        if (n->n == 0) return CLK_OK;
        if (mm_strs_add(&tx->s, (const uint8_t *)n->u.s, n->n) != 0) return mm_oom(e);
        if (n->n > tx->longest) tx->longest = n->n;
        return CLK_OK;
    }
    if (n->type == CLK_JSON_ARRAY) {
        for (c = v + 1, k = 0; k < n->n; k++, c = d->node[c].next) CLK_TRY(mm_json_strings(d, c, tx, e));
    } else if (n->type == CLK_JSON_OBJECT) {
        for (c = v + 1, k = 0; k < n->n; k++) {
            uint32_t val = d->node[c].next; /* member: key node, then its value */
            CLK_TRY(mm_json_strings(d, val, tx, e));
            c = d->node[val].next;
        }
    }
    return CLK_OK;
}

static int mm_ends(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && !strcmp(s + n - m, suf);
}

static clk_status mm_read_file(const char *path, mm_texts *tx, clk_err *e)
{
    clk_map map;
    clk_oserr os;
    int json = mm_ends(path, ".jsonl") || mm_ends(path, ".json");
    if (!json && !mm_ends(path, ".txt")) return CLK_OK;
    if (clk_sys_map(path, &map, &os) != 0) return clk_fail(e, CLK_E_IO, "%s", os.msg);
    if (!json) {
        if (map.size && mm_strs_add(&tx->s, map.data, (size_t)map.size) != 0) {
            clk_sys_unmap(&map);
            return mm_oom(e);
        }
        if (map.size > tx->longest) tx->longest = (size_t)map.size;
    } else {
        clk_jsonl r;
        const char *line;
        size_t len;
        uint64_t n_lines, longest;
        void *mem;
        clk_arena a;
        clk_status s = CLK_OK;
        clk_jsonl_measure(map.data, (size_t)map.size, &n_lines, &longest);
        mem = malloc((size_t)clk_json_bytes(longest) + CLK_ALIGN);
        if (!mem) {
            clk_sys_unmap(&map);
            return mm_oom(e);
        }
        clk_arena_init(&a, (void *)(((uintptr_t)mem + CLK_ALIGN - 1) & ~(uintptr_t)(CLK_ALIGN - 1)),
                       (size_t)clk_json_bytes(longest));
        clk_jsonl_init(&r, map.data, (size_t)map.size);
        while (s == CLK_OK && clk_jsonl_next(&r, &line, &len)) {
            clk_json_doc d;
            size_t k = 0;
            while (k < len && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r')) k++;
            if (k == len) continue; /* blank line */
            clk_arena_reset(&a, 0);
            s = clk_json_parse(line, len, path, r.line, &a, &d, e);
            if (s == CLK_OK) s = mm_json_strings(&d, 0, tx, e);
        }
        free(mem);
        if (s != CLK_OK) {
            clk_sys_unmap(&map);
            return s;
        }
    }
    clk_sys_unmap(&map);
    return CLK_OK;
}

/* Directory levels the corpus walk descends (a symbolic-link cycle stops here). */
#define MM_MAX_DEPTH 16

typedef struct mm_walk {
    const char *dir;
    int depth;
    mm_texts *tx;
    clk_err *e;
    clk_status s;
} mm_walk;

static clk_status mm_read_path(const char *path, int depth, mm_texts *tx, clk_err *e);

static int mm_walk_entry(void *ctx, const char *name, int is_dir)
{
    mm_walk *w = (mm_walk *)ctx;
    char path[CLK_MAX_PATH];
    (void)is_dir;
    if (name[0] == '.') return 0; /* .gitattributes, hidden directories */
    if (snprintf(path, sizeof path, "%s/%s", w->dir, name) >= (int)sizeof path) {
        w->s = clk_fail(w->e, CLK_E_LIMIT, "make_model: path '%s/%s' is longer than CLK_MAX_PATH", w->dir, name);
        return 1;
    }
    w->s = mm_read_path(path, w->depth + 1, w->tx, w->e);
    return w->s != CLK_OK;
}

static clk_status mm_read_path(const char *path, int depth, mm_texts *tx, clk_err *e)
{
    uint64_t size;
    int is_dir = 0;
    if (clk_sys_stat(path, &size, &is_dir) != 0) return clk_fail(e, CLK_E_IO, "make_model: cannot read '%s'", path);
    if (is_dir && depth >= MM_MAX_DEPTH)
        return clk_fail(e, CLK_E_LIMIT, "make_model: '%s' is more than %d directories deep", path, MM_MAX_DEPTH);
    if (is_dir) {
        char *names; /* each level of the walk keeps its own sorted listing */
        mm_walk w;
        clk_oserr os;
        w.dir = path;
        w.depth = depth;
        w.tx = tx;
        w.e = e;
        w.s = CLK_OK;
        names = (char *)malloc(CLK_MAX_DIRLIST);
        if (!names) return mm_oom(e);
        if (clk_sys_listdir(path, names, CLK_MAX_DIRLIST, mm_walk_entry, &w, &os) != 0 && w.s == CLK_OK)
            w.s = clk_fail(e, CLK_E_IO, "%s", os.msg);
        free(names);
        return w.s;
    }
    return mm_read_file(path, tx, e);
}

/* ---- learning */

/* The bootstrap tokenizer: the 256 byte tokens, no merges, pre-tokenizer
 * qwen2. Only its pre-tokenizer (clk_tok_split) is used. */
typedef struct mm_pretok {
    uint8_t *tokens; /* GGUF string array */
    void *mem;
    clk_tok tok;
} mm_pretok;

static clk_status mm_pretok_init(mm_pretok *p, size_t max_text, clk_err *e)
{
    clk_tok_vocab v;
    clk_plan plan;
    clk_arena a;
    size_t off = 0;
    int b;
    memset(p, 0, sizeof *p);
    memset(&v, 0, sizeof v);
    p->tokens = (uint8_t *)malloc(256 * (8 + 2));
    if (!p->tokens) return mm_oom(e);
    for (b = 0; b < 256; b++) {
        unsigned char u[4];
        int n = clk_utf8_encode(mm_byte_cp(b), u), k;
        for (k = 0; k < 8; k++) p->tokens[off + (size_t)k] = (uint8_t)(k == 0 ? n : 0);
        memcpy(p->tokens + off + 8, u, (size_t)n);
        off += 8 + (size_t)n;
    }
    v.kind = CLK_TOK_BPE;
    v.pre.p = "qwen2";
    v.pre.n = 5;
    v.tokens = p->tokens;
    v.n_tokens = 256;
    v.tokens_bytes = off;
    v.bos = v.eos = v.eot = v.eom = v.unk = v.sep = v.pad = v.mask = -1;
    v.fim_pre = v.fim_suf = v.fim_mid = v.fim_pad = v.fim_rep = v.fim_sep = -1;
    v.add_bos = v.add_eos = v.add_space_prefix = -1;
    if (max_text < 1) max_text = 1;
    clk_plan_init(&plan);
    CLK_TRY(clk_tok_plan_vocab(&v, max_text, &plan, e));
    CLK_TRY(clk_plan_check(&plan, e));
    p->mem = malloc((size_t)plan.total + CLK_ALIGN);
    if (!p->mem) return mm_oom(e);
    clk_arena_init(&a, (void *)(((uintptr_t)p->mem + CLK_ALIGN - 1) & ~(uintptr_t)(CLK_ALIGN - 1)),
                   (size_t)plan.total);
    return clk_tok_init_vocab(&p->tok, &v, max_text, &a, e);
}

static void mm_pretok_free(mm_pretok *p)
{
    free(p->tokens);
    free(p->mem);
}


/* Add (d = +freq) or remove (d = -freq) every adjacent pair of word w. */
static int mm_word_pairs(mm_bpe *b, uint32_t w, int64_t d)
{
    const int32_t *s = b->seg + b->seg_off[w];
    uint32_t i;
    for (i = 0; i + 1 < b->seg_len[w]; i++)
        if (mm_pair_add(&b->pairs, s[i], s[i + 1], d) != 0) return -1;
    return 0;
}

/* Learn merges from the texts under `corpus` until the vocabulary holds
 * `target` tokens (bytes included) or no pair occurs twice. */
static clk_status mm_bpe_learn(mm_bpe *b, const char *corpus, uint32_t target, clk_err *e)
{
    mm_texts tx;
    mm_pretok pt;
    uint32_t *cut = NULL, t, w;
    uint8_t *tmp = NULL;
    size_t tmp_cap = 0, total;
    clk_status s = CLK_OK;
    int k;

    memset(b, 0, sizeof *b);
    memset(&tx, 0, sizeof tx);
    memset(&pt, 0, sizeof pt);
    CLK_TRY(mm_read_path(corpus, 0, &tx, e));
    if (tx.s.n == 0) {
        free(tx.s.bytes);
        free(tx.s.off);
        return clk_fail(e, CLK_E_DATA, "make_model: no text under '%s' (expected *.jsonl, *.json or *.txt files)",
                        corpus);
    }
    /* 1. pre-tokenize and count the distinct pieces ("words") */
    s = mm_pretok_init(&pt, tx.longest, e);
    if (s == CLK_OK && !(cut = (uint32_t *)malloc(sizeof *cut * (tx.longest + 1)))) s = mm_oom(e);
    for (t = 0; s == CLK_OK && t < tx.s.n; t++) {
        size_t len, n, i, at = 0;
        const uint8_t *p = mm_str(&tx.s, t, &len);
        s = clk_tok_split(&pt.tok, (const char *)p, len, cut, tx.longest + 1, &n, e);
        b->n_texts++;
        b->text_bytes += len;
        for (i = 0; s == CLK_OK && i < n; i++) {
            long id = mm_intern(&b->word_tab, &b->words, p + at, cut[i], 1);
            if (id < 0) {
                s = mm_oom(e);
                break;
            }
            if ((uint32_t)id + 1 == b->words.n && (b->words.n & (b->words.n - 1)) == 0) { /* grew to 2^k */
                int64_t *f = (int64_t *)realloc(b->freq, sizeof *f * 2 * b->words.n);
                if (!f) {
                    s = mm_oom(e);
                    break;
                }
                memset(f + id, 0, sizeof *f * (2 * b->words.n - (uint32_t)id));
                b->freq = f;
            }
            b->freq[id]++;
            b->n_pieces++;
            at += cut[i];
        }
    }
    free(cut);
    mm_pretok_free(&pt);
    free(tx.s.bytes);
    free(tx.s.off);
    if (s != CLK_OK) return s;

    /* 2. the 256 byte symbols; every word as a sequence of them */
    for (k = 0; k < 256; k++) {
        uint8_t byte = (uint8_t)k;
        if (mm_intern(&b->sym_tab, &b->sym, &byte, 1, 1) != k) return mm_oom(e);
    }
    total = b->words.size;
    b->seg = (int32_t *)malloc(sizeof *b->seg * (total + 1));
    b->seg_off = (size_t *)malloc(sizeof *b->seg_off * (b->words.n + 1));
    b->seg_len = (uint32_t *)malloc(sizeof *b->seg_len * (b->words.n + 1));
    if (!b->seg || !b->seg_off || !b->seg_len) return mm_oom(e);
    for (w = 0; w < b->words.n; w++) {
        size_t n, i;
        const uint8_t *p = mm_str(&b->words, w, &n);
        b->seg_off[w] = b->words.off[w];
        b->seg_len[w] = (uint32_t)n;
        for (i = 0; i < n; i++) b->seg[b->seg_off[w] + i] = p[i];
        if (mm_word_pairs(b, w, b->freq[w]) != 0) return mm_oom(e);
    }

    /* 3. merge the most frequent pair until the vocabulary is full */
    while (b->sym.n < target) {
        uint64_t best = 0;
        int64_t best_n = 1;
        uint32_t i;
        int32_t l, r;
        long id;
        size_t nl, nr;
        const uint8_t *pl, *pr;
        for (i = 0; i < b->pairs.cap; i++) {
            uint64_t key = b->pairs.key[i];
            if (key && (b->pairs.count[i] > best_n || (b->pairs.count[i] == best_n && best && key < best))) {
                best = key;
                best_n = b->pairs.count[i];
            }
        }
        if (!best || best_n < 2) break; /* no pair occurs twice: nothing left worth a token */
        l = (int32_t)((best - 1) >> 32);
        r = (int32_t)((best - 1) & 0xFFFFFFFFu);
        pl = mm_str(&b->sym, (uint32_t)l, &nl);
        pr = mm_str(&b->sym, (uint32_t)r, &nr);
        if (nl + nr > tmp_cap) {
            uint8_t *q;
            tmp_cap = 2 * (nl + nr);
            q = (uint8_t *)realloc(tmp, tmp_cap);
            if (!q) {
                free(tmp);
                return mm_oom(e);
            }
            tmp = q;
        }
        memcpy(tmp, pl, nl);
        memcpy(tmp + nl, pr, nr);
        id = mm_intern(&b->sym_tab, &b->sym, tmp, nl + nr, 1);
        if (id < 0) {
            free(tmp);
            return mm_oom(e);
        }
        if (b->n_merge == b->cap_merge) {
            uint32_t c = b->cap_merge ? 2 * b->cap_merge : 1024;
            int32_t(*m)[2] = (int32_t(*)[2])realloc(b->merge, sizeof *m * c);
            if (!m) {
                free(tmp);
                return mm_oom(e);
            }
            b->merge = m;
            b->cap_merge = c;
        }
        b->merge[b->n_merge][0] = l;
        b->merge[b->n_merge][1] = r;
        b->n_merge++;
        /* rewrite every word that holds the pair, left to right */
        for (w = 0; w < b->words.n; w++) {
            int32_t *sg = b->seg + b->seg_off[w];
            uint32_t n = b->seg_len[w], j, o;
            for (j = 0; j + 1 < n; j++)
                if (sg[j] == l && sg[j + 1] == r) break;
            if (j + 1 >= n) continue;
            if (mm_word_pairs(b, w, -b->freq[w]) != 0) {
                free(tmp);
                return mm_oom(e);
            }
            for (j = 0, o = 0; j < n; o++) {
                if (j + 1 < n && sg[j] == l && sg[j + 1] == r) {
                    sg[o] = (int32_t)id;
                    j += 2;
                } else {
                    sg[o] = sg[j++];
                }
            }
            b->seg_len[w] = o;
            if (mm_word_pairs(b, w, b->freq[w]) != 0) {
                free(tmp);
                return mm_oom(e);
            }
        }
    }
    free(tmp);
    return CLK_OK;
}

/* ================================================================ vocabulary */

#define MM_CHATML                                                                                       \
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + "  \
    "'<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}" \
    "{% endif %}"

typedef struct mm_vocab {
    int n_vocab;
    /* copied from a vocabulary GGUF */
    clk_map map;
    void *mem;
    clk_gguf g;
    int from_file;
    /* learned */
    mm_bpe bpe;
    char **tok;       /* [n_vocab] NUL-terminated token texts (GPT-2 characters) */
    int32_t *type;    /* [n_vocab] CLK_TOKTYPE_*                                 */
    char **merges;    /* [n_merges] "left right"                                 */
    uint32_t n_merges;
    int32_t eos;      /* <|endoftext|>                                           */
    uint32_t n_learned; /* tokens from bytes and merges (before specials and padding) */
} mm_vocab;

static void mm_vocab_free(mm_vocab *v)
{
    int i;
    if (v->tok)
        for (i = 0; i < v->n_vocab; i++) free(v->tok[i]);
    if (v->merges)
        for (i = 0; i < (int)v->n_merges; i++) free(v->merges[i]);
    free(v->tok);
    free(v->type);
    free(v->merges);
    mm_bpe_free(&v->bpe);
    if (v->map.data) clk_sys_unmap(&v->map);
    free(v->mem);
    memset(v, 0, sizeof *v);
}

static clk_status mm_vocab_from_file(mm_vocab *v, const char *path, clk_err *e)
{
    clk_oserr os;
    clk_gguf_header h;
    clk_plan plan;
    clk_arena a;
    const clk_gguf_kv *tokens;
    if (clk_sys_map(path, &v->map, &os) != 0) return clk_fail(e, CLK_E_IO, "%s", os.msg);
    CLK_TRY(clk_gguf_peek(v->map.data, v->map.size, &h, e));
    clk_plan_init(&plan);
    clk_gguf_plan(&h, &plan);
    v->mem = malloc((size_t)plan.total + CLK_ALIGN);
    if (!v->mem) return mm_oom(e);
    clk_arena_init(&a, (void *)(((uintptr_t)v->mem + CLK_ALIGN - 1) & ~(uintptr_t)(CLK_ALIGN - 1)), (size_t)plan.total);
    if (clk_gguf_parse(&v->g, v->map.data, v->map.size, &a, e) != CLK_OK) return clk_fail_wrap(e, "%s: ", path);
    if (clk_gguf_get_arr(&v->g, "tokenizer.ggml.tokens", CLK_GGUF_STRING, -1, &tokens, e) != CLK_OK)
        return clk_fail_wrap(e, "%s: ", path);
    if (tokens->arr_n < 1 || tokens->arr_n > CLK_MAX_DIM)
        return clk_fail(e, CLK_E_DATA, "%s: %llu tokens (expected 1..%d)", path, (unsigned long long)tokens->arr_n,
                        CLK_MAX_DIM);
    v->n_vocab = (int)tokens->arr_n;
    v->from_file = 1;
    return CLK_OK;
}

static clk_status mm_vocab_learn(mm_vocab *v, const char *corpus, int vocab_size, int bpe_tokens, clk_err *e)
{
    static const char *const special[3] = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
    uint32_t target, i;
    if (vocab_size < 256 + 3 || vocab_size > CLK_MAX_DIM)
        return clk_fail(e, CLK_E_ARG, "make_model: --vocab-size %d: expected 259..%d (256 bytes + 3 specials)",
                        vocab_size, CLK_MAX_DIM);
    target = bpe_tokens > 0 ? (uint32_t)bpe_tokens : (uint32_t)vocab_size - 3;
    if (target < 256 || target > (uint32_t)vocab_size - 3)
        return clk_fail(e, CLK_E_ARG, "make_model: --bpe-tokens %u: expected 256..%d", target, vocab_size - 3);
    CLK_TRY(mm_bpe_learn(&v->bpe, corpus, target, e));
    v->n_vocab = vocab_size;
    v->n_learned = v->bpe.sym.n;
    v->tok = (char **)calloc((size_t)vocab_size, sizeof *v->tok);
    v->type = (int32_t *)malloc(sizeof *v->type * (size_t)vocab_size);
    v->merges = (char **)calloc(v->bpe.n_merge + 1, sizeof *v->merges);
    if (!v->tok || !v->type || !v->merges) return mm_oom(e);
    for (i = 0; i < (uint32_t)vocab_size; i++) {
        char pad[32];
        if (i < v->n_learned) {
            size_t n;
            const uint8_t *p = mm_str(&v->bpe.sym, i, &n);
            v->tok[i] = mm_gpt2_text(p, n);
            v->type[i] = CLK_TOKTYPE_NORMAL;
        } else if (i < v->n_learned + 3) {
            size_t n = strlen(special[i - v->n_learned]) + 1;
            if ((v->tok[i] = (char *)malloc(n)) != NULL) memcpy(v->tok[i], special[i - v->n_learned], n);
            v->type[i] = CLK_TOKTYPE_CONTROL;
        } else {
            size_t n = (size_t)snprintf(pad, sizeof pad, "[PAD%u]", i) + 1;
            if ((v->tok[i] = (char *)malloc(n)) != NULL) memcpy(v->tok[i], pad, n);
            v->type[i] = CLK_TOKTYPE_UNUSED;
        }
        if (!v->tok[i]) return mm_oom(e);
    }
    v->eos = (int32_t)v->n_learned;
    for (i = 0; i < v->bpe.n_merge; i++) {
        const char *l = v->tok[v->bpe.merge[i][0]], *r = v->tok[v->bpe.merge[i][1]];
        size_t nl = strlen(l), nr = strlen(r);
        char *m = (char *)malloc(nl + nr + 2);
        if (!m) return mm_oom(e);
        memcpy(m, l, nl);
        m[nl] = ' ';
        memcpy(m + nl + 1, r, nr + 1);
        v->merges[i] = m;
    }
    v->n_merges = v->bpe.n_merge;
    return CLK_OK;
}

/* ================================================================ metadata */

static clk_status mm_write_kv(clk_gguf_writer *w, const mm_config *c, const mm_vocab *v)
{
    const char *a = clk_arch_name(c->arch);
    const int hd = mm_head_dim(c);
    char k[128], desc[160];
#define K(s) (snprintf(k, sizeof k, "%s." s, a), k)
    snprintf(desc, sizeof desc,
             "random weights made by clika tools/make_model (seed %llu): not a trained model",
             (unsigned long long)c->seed);
    CLK_TRY(clk_gguf_w_str(w, "general.architecture", a));
    CLK_TRY(clk_gguf_w_str(w, "general.name", c->name));
    CLK_TRY(clk_gguf_w_str(w, "general.description", desc));
    CLK_TRY(clk_gguf_w_u32(w, "general.file_type", CLK_FTYPE_F32));
    CLK_TRY(clk_gguf_w_u32(w, K("context_length"), (uint32_t)c->n_ctx));
    CLK_TRY(clk_gguf_w_u32(w, K("embedding_length"), (uint32_t)c->n_embd));
    CLK_TRY(clk_gguf_w_u32(w, K("block_count"), (uint32_t)c->n_layer));
    CLK_TRY(clk_gguf_w_u32(w, K("feed_forward_length"), (uint32_t)c->n_ff));
    CLK_TRY(clk_gguf_w_u32(w, K("attention.head_count"), (uint32_t)c->n_head));
    CLK_TRY(clk_gguf_w_u32(w, K("attention.head_count_kv"), (uint32_t)c->n_head_kv));
    CLK_TRY(clk_gguf_w_f32(w, K("attention.layer_norm_rms_epsilon"), c->rms_eps));
    CLK_TRY(clk_gguf_w_f32(w, K("rope.freq_base"), c->rope_base));
    if (c->arch == CLK_ARCH_QWEN3 || c->arch == CLK_ARCH_GEMMA2 || c->arch == CLK_ARCH_GEMMA3 ||
        hd * c->n_head != c->n_embd) {
        CLK_TRY(clk_gguf_w_u32(w, K("attention.key_length"), (uint32_t)hd));
        CLK_TRY(clk_gguf_w_u32(w, K("attention.value_length"), (uint32_t)hd));
    }
    CLK_TRY(clk_gguf_w_u32(w, K("rope.dimension_count"), (uint32_t)hd));
    CLK_TRY(clk_gguf_w_u32(w, K("vocab_size"), (uint32_t)v->n_vocab));
    if (c->arch == CLK_ARCH_GEMMA2) {
        CLK_TRY(clk_gguf_w_u32(w, K("attention.sliding_window"), (uint32_t)c->swa));
        CLK_TRY(clk_gguf_w_f32(w, K("attn_logit_softcapping"), c->attn_softcap));
        CLK_TRY(clk_gguf_w_f32(w, K("final_logit_softcapping"), c->final_softcap));
    }
    if (c->arch == CLK_ARCH_GEMMA3) {
        CLK_TRY(clk_gguf_w_u32(w, K("attention.sliding_window"), (uint32_t)c->swa));
        CLK_TRY(clk_gguf_w_f32(w, K("rope.freq_base_swa"), c->rope_base_swa));
        CLK_TRY(clk_gguf_w_u32(w, K("attention.sliding_window_pattern"), (uint32_t)c->swa_pattern));
        if (c->final_softcap > 0) CLK_TRY(clk_gguf_w_f32(w, K("final_logit_softcapping"), c->final_softcap));
    }
#undef K
    if (v->from_file) {
        uint64_t i;
        for (i = 0; i < v->g.n_kv; i++)
            if (v->g.kv[i].key.n > 10 && !memcmp(v->g.kv[i].key.p, "tokenizer.", 10))
                CLK_TRY(clk_gguf_w_kv_copy(w, &v->g.kv[i]));
    } else {
        CLK_TRY(clk_gguf_w_str(w, "tokenizer.ggml.model", "gpt2"));
        CLK_TRY(clk_gguf_w_str(w, "tokenizer.ggml.pre", "qwen2"));
        CLK_TRY(clk_gguf_w_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)v->tok, (uint64_t)v->n_vocab));
        CLK_TRY(clk_gguf_w_arr(w, "tokenizer.ggml.token_type", CLK_GGUF_I32, (uint64_t)v->n_vocab, v->type));
        CLK_TRY(clk_gguf_w_arr_str(w, "tokenizer.ggml.merges", (const char *const *)v->merges, v->n_merges));
        CLK_TRY(clk_gguf_w_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)v->eos));
        CLK_TRY(clk_gguf_w_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)v->eos));
        CLK_TRY(clk_gguf_w_u32(w, "tokenizer.ggml.padding_token_id", (uint32_t)v->eos));
        CLK_TRY(clk_gguf_w_bool(w, "tokenizer.ggml.add_bos_token", 0));
        CLK_TRY(clk_gguf_w_str(w, "tokenizer.chat_template", MM_CHATML));
    }
    return CLK_OK;
}

/* ================================================================ the model */

typedef struct mm_result {
    int n_vocab;
    uint32_t n_tensors;
    uint64_t n_params;
    uint64_t file_bytes;
    uint32_t n_merges;       /* learned vocabulary: merges                    */
    uint32_t n_learned;      /* learned vocabulary: tokens from bytes + merges */
    uint64_t corpus_texts, corpus_bytes, corpus_pieces, corpus_words;
    uint32_t type_count[CLK_T_COUNT];
} mm_result;

/* A buffered sink for the converter layout. */
typedef struct mm_wbuf {
    clk_out *down;
    uint8_t *buf;
    size_t cap, len;
} mm_wbuf;

static clk_status mm_wbuf_flush(mm_wbuf *b)
{
    if (b->len) CLK_TRY(clk_out_write(b->down, b->buf, b->len));
    b->len = 0;
    return CLK_OK;
}

static clk_status mm_wbuf_write(void *ctx, const void *p, size_t n, clk_err *e)
{
    mm_wbuf *b = (mm_wbuf *)ctx;
    (void)e;
    if (n > b->cap - b->len) CLK_TRY(mm_wbuf_flush(b));
    if (n >= b->cap) return clk_out_write(b->down, p, n);
    memcpy(b->buf + b->len, p, n);
    b->len += n;
    return CLK_OK;
}

static clk_status mm_check(const mm_config *c, clk_err *e)
{
    const int gemma = c->arch == CLK_ARCH_GEMMA2 || c->arch == CLK_ARCH_GEMMA3;
    if ((unsigned)c->arch >= CLK_ARCH_COUNT) return clk_fail(e, CLK_E_ARG, "make_model: unknown architecture");
    if (c->n_embd < 1 || c->n_layer < 1 || c->n_head < 1 || c->n_head_kv < 1 || c->n_ff < 1 || c->n_ctx < 1)
        return clk_fail(e, CLK_E_ARG, "make_model: every dimension must be at least 1");
    if (c->n_layer > CLK_MAX_LAYERS)
        return clk_fail(e, CLK_E_LIMIT, "make_model: %d layers exceed CLK_MAX_LAYERS (%d)", c->n_layer, CLK_MAX_LAYERS);
    if (c->n_head % c->n_head_kv != 0)
        return clk_fail(e, CLK_E_ARG, "make_model: %d heads are not a multiple of %d KV heads", c->n_head,
                        c->n_head_kv);
    if (c->head_dim <= 0 && c->n_embd % c->n_head != 0)
        return clk_fail(e, CLK_E_ARG, "make_model: n_embd %d is not a multiple of %d heads (give --head-dim)",
                        c->n_embd, c->n_head);
    if (mm_head_dim(c) % 2 != 0) return clk_fail(e, CLK_E_ARG, "make_model: the head dimension must be even (RoPE)");
    if (gemma && !c->tied) return clk_fail(e, CLK_E_ARG, "make_model: gemma models are always tied (no --untied)");
    if (!c->vocab && !c->bpe_corpus)
        return clk_fail(e, CLK_E_ARG, "make_model: no tokenizer: give --vocab FILE.gguf or --bpe-corpus PATH");
    if (!clk_quant_ftype_name(c->ftype)) return clk_fail(e, CLK_E_ARG, "make_model: unknown file type %d", c->ftype);
    return CLK_OK;
}

static void *mm_aligned(void *raw) { return (void *)(((uintptr_t)raw + CLK_ALIGN - 1) & ~(uintptr_t)(CLK_ALIGN - 1)); }

/* Write the model described by c to out. */
static clk_status mm_make(const mm_config *c, clk_out *out, mm_result *res, clk_err *e)
{
    mm_vocab v;
    mm_tensors *ts = NULL;
    clk_gguf_writer w;
    uint64_t n_kv;
    clk_status s;
    int i;

    memset(res, 0, sizeof *res);
    memset(&v, 0, sizeof v);
    CLK_TRY(mm_check(c, e));
    s = c->vocab ? mm_vocab_from_file(&v, c->vocab, e) : mm_vocab_learn(&v, c->bpe_corpus, c->vocab_size, c->bpe_tokens, e);
    if (s == CLK_OK && !(ts = (mm_tensors *)malloc(sizeof *ts))) s = mm_oom(e);
    if (s != CLK_OK) goto done;
    mm_build_tensors(c, v.n_vocab, ts);
    res->n_vocab = v.n_vocab;
    res->n_tensors = (uint32_t)ts->n;
    res->n_merges = v.n_merges;
    res->n_learned = v.n_learned;
    res->corpus_texts = v.bpe.n_texts;
    res->corpus_bytes = v.bpe.text_bytes;
    res->corpus_pieces = v.bpe.n_pieces;
    res->corpus_words = v.bpe.words.n;
    for (i = 0; i < ts->n; i++) res->n_params += (uint64_t)ts->t[i].ne[0] * (uint64_t)ts->t[i].ne[1];

    /* count the metadata pairs: a measuring writer that promises more */
    clk_gguf_w_init_buf(&w, NULL, 0, e);
    if ((s = clk_gguf_w_begin(&w, 3, UINT32_MAX, 0)) != CLK_OK || (s = mm_write_kv(&w, c, &v)) != CLK_OK) goto done;
    n_kv = w.kv_done;

    if (c->ftype == CLK_FTYPE_F32) {
        /* the converter layout: creation order, F32 */
        mm_wbuf b;
        clk_out o;
        float *rows = NULL;
        int64_t max_ne0 = 1, chunk;
        for (i = 0; i < ts->n; i++)
            if (ts->t[i].ne[0] > max_ne0) max_ne0 = ts->t[i].ne[0];
        chunk = (int64_t)(CLK_QUANT_CHUNK_BYTES / 4) / max_ne0;
        if (chunk < 1) chunk = 1;
        b.down = out;
        b.cap = CLK_QUANT_WBUF_BYTES;
        b.len = 0;
        b.buf = (uint8_t *)malloc(b.cap);
        rows = (float *)malloc(sizeof *rows * (size_t)(chunk * max_ne0));
        if (!b.buf || !rows) {
            free(b.buf);
            free(rows);
            s = mm_oom(e);
            goto done;
        }
        o.write = mm_wbuf_write;
        o.ctx = &b;
        o.err = e;
        clk_gguf_w_init_out(&w, &o, e);
        s = clk_gguf_w_begin(&w, 3, n_kv, (uint64_t)ts->n);
        if (s == CLK_OK) s = mm_write_kv(&w, c, &v);
        for (i = 0; s == CLK_OK && i < ts->n; i++)
            s = clk_gguf_w_tensor_info(&w, ts->t[i].name, ts->t[i].n_dims, ts->t[i].ne, CLK_T_F32);
        for (i = 0; s == CLK_OK && i < ts->n; i++) {
            const mm_tensor *t = &ts->t[i];
            int64_t r, nr;
            for (r = 0; s == CLK_OK && r < t->ne[1]; r += nr) {
                nr = t->ne[1] - r < chunk ? t->ne[1] - r : chunk;
                mm_rows(ts, (uint32_t)i, r, nr, rows);
                s = clk_gguf_w_data(&w, rows, (uint64_t)(nr * t->ne[0]) * 4);
            }
            if (s == CLK_OK) s = clk_gguf_w_tensor_end(&w, (uint64_t)(t->ne[0] * t->ne[1]) * 4);
        }
        if (s == CLK_OK) s = clk_gguf_w_finish(&w);
        if (s == CLK_OK) s = mm_wbuf_flush(&b);
        res->file_bytes = w.pos;
        res->type_count[CLK_T_F32] = (uint32_t)ts->n;
        free(b.buf);
        free(rows);
    } else {
        /* any other type: the metadata as a tensor-less GGUF in memory, the
         * tensors described with no data, the quantize stage in between */
        uint8_t *meta = NULL;
        void *gmem = NULL, *qmem = NULL, *pmem = NULL;
        clk_gguf g;
        clk_gguf_header h;
        clk_plan plan;
        clk_arena a;
        clk_hparams *hp = NULL;
        clk_quant_model qm;
        clk_quant_opts qo;
        clk_quant_tensor *qt = NULL;
        clk_quant q;
        clk_pool *pool = NULL;
        clk_oserr os;
        uint64_t meta_bytes;
        int64_t max_ne0 = 1;
        clk_gguf_w_init_buf(&w, NULL, 0, e);
        if ((s = clk_gguf_w_begin(&w, 3, n_kv, 0)) == CLK_OK && (s = mm_write_kv(&w, c, &v)) == CLK_OK)
            s = clk_gguf_w_finish(&w);
        meta_bytes = w.pos;
        if (s == CLK_OK && !(meta = (uint8_t *)malloc((size_t)meta_bytes))) s = mm_oom(e);
        if (s == CLK_OK) {
            clk_gguf_w_init_buf(&w, meta, meta_bytes, e);
            if ((s = clk_gguf_w_begin(&w, 3, n_kv, 0)) == CLK_OK && (s = mm_write_kv(&w, c, &v)) == CLK_OK)
                s = clk_gguf_w_finish(&w);
        }
        if (s == CLK_OK) s = clk_gguf_peek(meta, meta_bytes, &h, e);
        if (s == CLK_OK) {
            clk_plan_init(&plan);
            clk_gguf_plan(&h, &plan);
            if (!(gmem = malloc((size_t)plan.total + CLK_ALIGN))) s = mm_oom(e);
        }
        if (s == CLK_OK) {
            clk_arena_init(&a, mm_aligned(gmem), (size_t)plan.total);
            s = clk_gguf_parse(&g, meta, meta_bytes, &a, e);
        }
        if (s == CLK_OK && !(hp = (clk_hparams *)malloc(sizeof *hp))) s = mm_oom(e);
        if (s == CLK_OK) s = clk_model_hparams(hp, &g, e);
        if (s == CLK_OK && !(qt = (clk_quant_tensor *)calloc((size_t)ts->n, sizeof *qt))) s = mm_oom(e);
        if (s == CLK_OK) {
            clk_quant_model_from_hparams(hp, &qm);
            clk_quant_opts_init(&qo, c->ftype);
            qo.n_threads = c->n_threads;
            for (i = 0; i < ts->n; i++) {
                qt[i].name.p = ts->t[i].name;
                qt[i].name.n = strlen(ts->t[i].name);
                qt[i].n_dims = ts->t[i].n_dims;
                memcpy(qt[i].ne, ts->t[i].ne, sizeof qt[i].ne);
                qt[i].type = CLK_T_F32;
                qt[i].data = NULL;
                if (qt[i].ne[0] > max_ne0) max_ne0 = qt[i].ne[0];
            }
            clk_plan_init(&plan);
            clk_quant_plan((uint32_t)ts->n, max_ne0, 0, &qo, &plan);
            if (c->n_threads > 1) clk_plan_add(&plan, "thread pool", clk_pool_bytes(c->n_threads));
            s = clk_plan_check(&plan, e);
        }
        if (s == CLK_OK && !(qmem = malloc((size_t)plan.total + CLK_ALIGN))) s = mm_oom(e);
        if (s == CLK_OK) {
            clk_arena_init(&a, mm_aligned(qmem), (size_t)plan.total);
            if (c->n_threads > 1) {
                s = clk_arena_alloc(&a, clk_pool_bytes(c->n_threads), "thread pool", &pmem, e);
                if (s == CLK_OK && clk_pool_start(&pool, pmem, c->n_threads, &os) != 0)
                    s = clk_fail(e, CLK_E_IO, "%s", os.msg);
            }
        }
        if (s == CLK_OK) s = clk_quant_init(&q, &g, qt, (uint32_t)ts->n, mm_rows, ts, &qm, &qo, pool, &a, e);
        if (s == CLK_OK) s = clk_quant_write(&q, out, NULL, NULL, e);
        if (s == CLK_OK) {
            uint32_t k;
            res->file_bytes = q.file_bytes;
            for (k = 0; k < q.n_tensors; k++) res->type_count[q.pick[k].type]++;
        }
        if (pool) clk_pool_stop(pool);
        free(qmem);
        free(qt);
        free(hp);
        free(gmem);
        free(meta);
    }
done:
    free(ts);
    mm_vocab_free(&v);
    return s;
}

/* ================================================================ command line */
#ifndef MAKE_MODEL_NO_MAIN

static void usage(void)
{
    printf("usage: make_model --out FILE.gguf [--preset default|qwen2.5-0.5b] [--arch A]\n"
           "                  [--type T] [--seed N] [--threads N] [shape] [tokenizer]\n"
           "\n"
           "Writes a random-weight GGUF model (see the top of tools/make_model.c).\n"
           "  --arch A            llama, qwen2, qwen3, gemma2, gemma3 (default llama)\n"
           "  --preset P          default (clika's embedded model) or qwen2.5-0.5b\n"
           "  --type T            F32 (converter layout, default) or any clika quantize\n"
           "                      type: Q8_0 Q4_0 Q4_K_M F16 ... (the file clika quantize\n"
           "                      would make from the F32 one, written directly)\n"
           "  --seed N            random stream seed (default 1)\n"
           "  --threads N         threads quantizing (same bytes for any N)\n"
           "  --name S            general.name\n"
           "shape:  --n-embd --n-layer --n-head --n-head-kv --head-dim --n-ff --n-ctx\n"
           "        --rope-base --rope-base-swa --rms-eps --swa --swa-pattern\n"
           "        --attn-softcap --final-softcap --tied --untied\n"
           "tokenizer (one of):\n"
           "  --vocab FILE.gguf   copy every tokenizer.* key of a vocabulary GGUF\n"
           "  --bpe-corpus PATH   learn a byte-level BPE vocabulary (pre-tokenizer qwen2)\n"
           "                      from the JSON strings of *.jsonl/*.json and *.txt files\n"
           "  --vocab-size N      learned vocabulary size with 3 specials and padding (1024)\n"
           "  --bpe-tokens N      stop learning at N tokens, pad the rest (default N-3)\n");
}

static void die_msg(const char *fmt, const char *a)
{
    fprintf(stderr, "make_model: ");
    fprintf(stderr, fmt, a);
    fprintf(stderr, "\n");
    exit(2);
}

static long arg_int(const char *name, const char *v, long lo, long hi)
{
    clk_err e;
    long out;
    if (clk_parse_int(v, lo, hi, &out, name, &e) != CLK_OK) die_msg("%s", e.msg);
    return out;
}

static float arg_float(const char *name, const char *v)
{
    char *end;
    double d = strtod(v, &end);
    if (!*v || *end || !(d == d)) die_msg("%s: expected a number", name);
    return (float)d;
}

/* The output file as a clk_out sink. */
static clk_status mm_file_write(void *ctx, const void *p, size_t n, clk_err *err)
{
    clk_oserr os;
    if (clk_sys_write((clk_file *)ctx, p, n, &os) != 0) return clk_fail(err, CLK_E_IO, "%s", os.msg);
    return CLK_OK;
}

int main(int argc, char **argv)
{
    mm_config c;
    mm_result r;
    clk_err e;
    clk_oserr os;
    clk_file f;
    clk_out o;
    const char *out = NULL, *corpus = "fixtures/clika-mini";
    double t0 = clk_sys_seconds();
    int i, arch_given = 0;

    mm_config_init(&c, CLK_ARCH_LLAMA);
    /* pass 1: the preset (and the corpus it reads) come first whatever their position */
    for (i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--bpe-corpus") && i + 1 < argc) corpus = argv[i + 1];
    for (i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--preset") && i + 1 < argc && mm_preset(&c, argv[i + 1], corpus) != 0)
            die_msg("unknown preset '%s' (expected default or qwen2.5-0.5b)", argv[i + 1]);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage();
            return 0;
        }
        if (!strcmp(a, "--tied")) { c.tied = 1; continue; }
        if (!strcmp(a, "--untied")) { c.tied = 0; continue; }
        if (!v) die_msg("option '%s' needs a value (or is unknown)", a);
        i++;
        if (!strcmp(a, "--preset")) continue;
        else if (!strcmp(a, "--out")) out = v;
        else if (!strcmp(a, "--arch")) {
            int k;
            for (k = 0; k < CLK_ARCH_COUNT; k++)
                if (!strcmp(v, clk_arch_name((clk_arch)k))) break;
            if (k == CLK_ARCH_COUNT) die_msg("unknown architecture '%s' (llama qwen2 qwen3 gemma2 gemma3)", v);
            if (!arch_given) { /* an explicit arch resets the arch-dependent defaults */
                c.arch = (clk_arch)k;
                mm_arch_defaults(&c);
            }
            arch_given = 1;
        } else if (!strcmp(a, "--type")) {
            if (clk_quant_ftype_parse(v, &c.ftype, &e) != CLK_OK) die_msg("%s", e.msg);
        } else if (!strcmp(a, "--seed")) {
            char *end;
            c.seed = strtoull(v, &end, 10);
            if (*v < '0' || *v > '9' || *end) die_msg("--seed: expected a non-negative integer, found '%s'", v);
        } else if (!strcmp(a, "--threads")) c.n_threads = (int)arg_int(a, v, 1, CLK_MAX_THREADS);
        else if (!strcmp(a, "--name")) c.name = v;
        else if (!strcmp(a, "--n-embd")) c.n_embd = (int)arg_int(a, v, 1, CLK_MAX_DIM);
        else if (!strcmp(a, "--n-layer")) c.n_layer = (int)arg_int(a, v, 1, CLK_MAX_LAYERS);
        else if (!strcmp(a, "--n-head")) c.n_head = (int)arg_int(a, v, 1, CLK_MAX_DIM);
        else if (!strcmp(a, "--n-head-kv")) c.n_head_kv = (int)arg_int(a, v, 1, CLK_MAX_DIM);
        else if (!strcmp(a, "--head-dim")) c.head_dim = (int)arg_int(a, v, 2, CLK_MAX_DIM);
        else if (!strcmp(a, "--n-ff")) c.n_ff = (int)arg_int(a, v, 1, CLK_MAX_DIM);
        else if (!strcmp(a, "--n-ctx")) c.n_ctx = (int)arg_int(a, v, 1, 0x7FFFFFFFL);
        else if (!strcmp(a, "--rope-base")) c.rope_base = arg_float(a, v);
        else if (!strcmp(a, "--rope-base-swa")) c.rope_base_swa = arg_float(a, v);
        else if (!strcmp(a, "--rms-eps")) c.rms_eps = arg_float(a, v);
        else if (!strcmp(a, "--swa")) c.swa = (int)arg_int(a, v, 0, 0x7FFFFFFFL);
        else if (!strcmp(a, "--swa-pattern")) c.swa_pattern = (int)arg_int(a, v, 0, CLK_MAX_LAYERS);
        else if (!strcmp(a, "--attn-softcap")) c.attn_softcap = arg_float(a, v);
        else if (!strcmp(a, "--final-softcap")) c.final_softcap = arg_float(a, v);
        else if (!strcmp(a, "--vocab")) {
            c.vocab = v;
            c.bpe_corpus = NULL;
        } else if (!strcmp(a, "--bpe-corpus")) {
            c.bpe_corpus = v;
            c.vocab = NULL;
        } else if (!strcmp(a, "--vocab-size")) c.vocab_size = (int)arg_int(a, v, 259, CLK_MAX_DIM);
        else if (!strcmp(a, "--bpe-tokens")) c.bpe_tokens = (int)arg_int(a, v, 256, CLK_MAX_DIM);
        else die_msg("unknown option '%s' (see --help)", a);
    }
    if (!out) die_msg("%s", "missing --out FILE.gguf");
    if (clk_sys_create(&f, out, &os) != 0) die_msg("%s", os.msg);
    o.write = mm_file_write;
    o.ctx = &f;
    o.err = &e;
    if (mm_make(&c, &o, &r, &e) != CLK_OK) {
        clk_sys_abandon(&f);
        die_msg("%s", e.msg);
    }
    if (clk_sys_commit(&f, &os) != 0) die_msg("%s", os.msg);
    printf("make_model: %s: %s %s, %u tensors, %llu parameters, vocabulary %d", out, clk_arch_name(c.arch),
           clk_quant_ftype_name(c.ftype), r.n_tensors, (unsigned long long)r.n_params, r.n_vocab);
    if (!c.vocab)
        printf(" (%u learned: %u merges from %llu texts, %llu bytes, %llu distinct pieces)", r.n_learned, r.n_merges,
               (unsigned long long)r.corpus_texts, (unsigned long long)r.corpus_bytes,
               (unsigned long long)r.corpus_words);
    printf(", %llu bytes, %.2f s\n", (unsigned long long)r.file_bytes, clk_sys_seconds() - t0);
    return 0;
}

#endif /* MAKE_MODEL_NO_MAIN */
