/*
 * model.c - from a parsed GGUF to a described transformer: the
 * hyper-parameters (with llama.cpp's defaults) and every weight bound by
 * name, with its shape and type checked.
 *
 * Must never: accept a value that would make a later buffer size or index
 * wrong (every width is bounded by CLK_MAX_DIM, every layer count by
 * CLK_MAX_LAYERS), guess a missing required key, or bind a weight whose
 * shape differs from what the hyper-parameters say. It reads the file only
 * through gguf.h and allocates nothing.
 *
 * Keys are "<arch>.<name>" (llama.cpp src/llama-arch.cpp); the defaults
 * follow llama.cpp's load_hparams and each architecture's
 * load_arch_hparams (research/llamacpp-reference.md 2.1 and 6).
 */
#include "model.h"
#include "port.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const arch_names[CLK_ARCH_COUNT] = {"llama", "qwen2", "qwen3", "gemma2", "gemma3"};

const char *clk_arch_name(clk_arch a) { return (unsigned)a < CLK_ARCH_COUNT ? arch_names[a] : "unknown"; }

/* ================================================================== keys */

typedef struct keys {
    const clk_gguf *g;
    const char *arch;   /* prefix of the architecture's keys */
    char buf[160];      /* the last key built */
} keys;

static const char *key(keys *k, const char *suffix)
{
    snprintf(k->buf, sizeof k->buf, "%s.%s", k->arch, suffix);
    return k->buf;
}

/* An integer key in [lo, hi]. Absent: the default if !required, else an
 * error naming the key. */
static clk_status get_int(keys *k, const char *suffix, int required, long dflt, long lo, long hi, int *out,
                          clk_err *e)
{
    const char *name = key(k, suffix);
    int64_t v;
    if (!clk_gguf_find(k->g, name)) {
        if (required) return clk_fail(e, CLK_E_DATA, "model: required key '%s' is missing", name);
        *out = (int)dflt;
        return CLK_OK;
    }
    if (clk_gguf_get_i64(k->g, name, &v, e) != CLK_OK) return clk_fail_wrap(e, "model: ");
    if (v < lo || v > hi)
        return clk_fail(e, CLK_E_DATA, "model: key '%s': expected %ld..%ld, found %lld", name, lo, hi, (long long)v);
    *out = (int)v;
    return CLK_OK;
}

/* A float key, finite and in [lo, hi]; the default when absent. */
static clk_status get_float(keys *k, const char *suffix, int required, float dflt, float lo, float hi, float *out,
                            clk_err *e)
{
    const char *name = key(k, suffix);
    float v;
    if (!clk_gguf_find(k->g, name)) {
        if (required) return clk_fail(e, CLK_E_DATA, "model: required key '%s' is missing", name);
        *out = dflt;
        return CLK_OK;
    }
    if (clk_gguf_get_f32(k->g, name, &v, e) != CLK_OK) return clk_fail_wrap(e, "model: ");
    if (!(v >= lo && v <= hi)) /* also false for NaN */
        return clk_fail(e, CLK_E_DATA, "model: key '%s': expected %g..%g, found %g", name, (double)lo, (double)hi,
                        (double)v);
    *out = v;
    return CLK_OK;
}

/* A per-layer integer: a scalar for every layer, or an array of exactly
 * n_layer integers (llama.cpp get_key_or_arr). */
static clk_status get_layers(keys *k, const char *suffix, int n_layer, int required, const int *dflt, long lo,
                             long hi, int *out, clk_err *e)
{
    const char *name = key(k, suffix);
    const clk_gguf_kv *kv = clk_gguf_find(k->g, name);
    int il;
    if (!kv) {
        if (required) return clk_fail(e, CLK_E_DATA, "model: required key '%s' is missing", name);
        for (il = 0; il < n_layer; il++) out[il] = dflt[il];
        return CLK_OK;
    }
    if (kv->type == CLK_GGUF_ARRAY) {
        if (kv->arr_type == CLK_GGUF_STRING || kv->arr_type == CLK_GGUF_ARRAY || kv->arr_type == CLK_GGUF_F32 ||
            kv->arr_type == CLK_GGUF_F64 || kv->arr_type == CLK_GGUF_BOOL)
            return clk_fail(e, CLK_E_FORMAT, "model: key '%s': expected an integer or an array of integers, found an array of %s",
                            name, clk_gguf_type_name(kv->arr_type));
        if (kv->arr_n != (uint64_t)n_layer)
            return clk_fail(e, CLK_E_DATA, "model: key '%s': expected %d per-layer values (block_count), found %llu",
                            name, n_layer, (unsigned long long)kv->arr_n);
        for (il = 0; il < n_layer; il++) {
            int64_t v = clk_gguf_arr_int(kv, (uint64_t)il);
            if (v < lo || v > hi)
                return clk_fail(e, CLK_E_DATA, "model: key '%s'[%d]: expected %ld..%ld, found %lld", name, il, lo, hi,
                                (long long)v);
            out[il] = (int)v;
        }
        return CLK_OK;
    }
    {
        int v;
        CLK_TRY(get_int(k, suffix, 1, 0, lo, hi, &v, e));
        for (il = 0; il < n_layer; il++) out[il] = v;
    }
    return CLK_OK;
}

/* ======================================================= hyper-parameters */

static int imax(int a, int b) { return a > b ? a : b; }

clk_status clk_model_hparams(clk_hparams *hp, const clk_gguf *g, clk_err *e)
{
    keys k;
    clk_str arch;
    const clk_gguf_tensor *te;
    int a, il;
    const int lim = CLK_MAX_DIM;

    memset(hp, 0, sizeof *hp);
    if (!clk_gguf_find(g, "general.architecture"))
        return clk_fail(e, CLK_E_DATA, "model: required key 'general.architecture' is missing");
    if (clk_gguf_get_str(g, "general.architecture", &arch, e) != CLK_OK) return clk_fail_wrap(e, "model: ");
    for (a = 0; a < CLK_ARCH_COUNT; a++)
        if (clk_str_eq(arch, arch_names[a])) break;
    if (a == CLK_ARCH_COUNT) {
        char shown[40];
        size_t i, n = arch.n < sizeof shown - 1 ? (size_t)arch.n : sizeof shown - 1;
        for (i = 0; i < n; i++) shown[i] = (arch.p[i] >= 0x20 && arch.p[i] < 0x7F) ? arch.p[i] : '?';
        shown[n] = 0;
        return clk_fail(e, CLK_E_UNSUPPORTED,
                        "model: architecture '%s' is not supported (expected llama, qwen2, qwen3, gemma2 or gemma3)",
                        shown);
    }
    hp->arch = (clk_arch)a;
    k.g = g;
    k.arch = arch_names[a];

    /* ---- shape */
    CLK_TRY(get_int(&k, "context_length", 1, 0, 1, 0x7FFFFFFFL, &hp->n_ctx_train, e));
    CLK_TRY(get_int(&k, "embedding_length", 1, 0, 1, lim, &hp->n_embd, e));
    CLK_TRY(get_int(&k, "block_count", 1, 0, 1, 0x7FFFFFFFL, &hp->n_layer, e));
    if (hp->n_layer > CLK_MAX_LAYERS)
        return clk_fail(e, CLK_E_LIMIT, "model: key '%s.block_count': %d layers exceed CLK_MAX_LAYERS (%d)", k.arch,
                        hp->n_layer, CLK_MAX_LAYERS);
    CLK_TRY(get_layers(&k, "feed_forward_length", hp->n_layer, 1, NULL, 1, lim, hp->n_ff, e));
    CLK_TRY(get_layers(&k, "attention.head_count", hp->n_layer, 1, NULL, 1, lim, hp->n_head, e));
    CLK_TRY(get_layers(&k, "attention.head_count_kv", hp->n_layer, 0, hp->n_head, 1, lim, hp->n_head_kv, e));
    for (il = 0; il < hp->n_layer; il++) {
        if (hp->n_head[il] % hp->n_head_kv[il] != 0)
            return clk_fail(e, CLK_E_DATA,
                            "model: layer %d: %d query heads is not a multiple of %d key/value heads "
                            "(keys '%s.attention.head_count' and '.head_count_kv')",
                            il, hp->n_head[il], hp->n_head_kv[il], k.arch);
        hp->n_head_max = imax(hp->n_head_max, hp->n_head[il]);
        hp->n_head_kv_max = imax(hp->n_head_kv_max, hp->n_head_kv[il]);
        hp->n_ff_max = imax(hp->n_ff_max, hp->n_ff[il]);
    }

    /* head dimensions: default n_embd / n_head of layer 0, as llama.cpp */
    CLK_TRY(get_int(&k, "attention.key_length", 0, hp->n_embd / hp->n_head[0], 1, lim, &hp->head_dim_k, e));
    CLK_TRY(get_int(&k, "attention.value_length", 0, hp->n_embd / hp->n_head[0], 1, lim, &hp->head_dim_v, e));
    if (hp->head_dim_k < 1 || hp->head_dim_v < 1)
        return clk_fail(e, CLK_E_DATA, "model: head dimension n_embd / n_head = %d / %d is 0", hp->n_embd,
                        hp->n_head[0]);
    if ((uint64_t)hp->n_head_max * (uint64_t)imax(hp->head_dim_k, hp->head_dim_v) > (uint64_t)lim)
        return clk_fail(e, CLK_E_LIMIT, "model: %d heads x head dimension %d exceed CLK_MAX_DIM (%d)", hp->n_head_max,
                        imax(hp->head_dim_k, hp->head_dim_v), lim);

    /* ---- RoPE */
    CLK_TRY(get_int(&k, "rope.dimension_count", 0, hp->head_dim_k, 0, hp->head_dim_k, &hp->n_rot, e));
    if (hp->n_rot % 2 != 0)
        return clk_fail(e, CLK_E_DATA, "model: key '%s.rope.dimension_count': expected an even count, found %d",
                        k.arch, hp->n_rot);
    if (hp->arch == CLK_ARCH_LLAMA && hp->n_rot != hp->head_dim_k)
        return clk_fail(e, CLK_E_DATA, "model: key 'llama.rope.dimension_count': expected %d (the head dimension), found %d",
                        hp->head_dim_k, hp->n_rot);
    hp->rope_neox = hp->arch != CLK_ARCH_LLAMA;
    CLK_TRY(get_float(&k, "rope.freq_base", 0, 10000.0f, 1e-30f, 3.0e38f, &hp->rope_base, e));
    {
        /* scaling: type "none" or "linear" (llama.cpp's default when the
         * type key is absent); factor -> freq_scale = 1 / factor */
        const char *tname = key(&k, "rope.scaling.type");
        const clk_gguf_kv *tkv = clk_gguf_find(g, tname);
        int linear = 1;
        float factor = 0.0f;
        if (tkv) {
            clk_str t;
            if (clk_gguf_get_str(g, tname, &t, e) != CLK_OK) return clk_fail_wrap(e, "model: ");
            if (clk_str_eq(t, "none")) linear = 0;
            else if (!clk_str_eq(t, "linear")) {
                char shown[40];
                size_t i, n = t.n < sizeof shown - 1 ? (size_t)t.n : sizeof shown - 1;
                for (i = 0; i < n; i++) shown[i] = (t.p[i] >= 0x20 && t.p[i] < 0x7F) ? t.p[i] : '?';
                shown[n] = 0;
                return clk_fail(e, CLK_E_UNSUPPORTED,
                                "model: key '%s': RoPE scaling '%s' is not supported (expected none or linear)", tname,
                                shown);
            }
        }
        if (clk_gguf_find(g, key(&k, "rope.scaling.factor")))
            CLK_TRY(get_float(&k, "rope.scaling.factor", 0, 0.0f, 0.0f, 1.0e30f, &factor, e));
        else if (clk_gguf_find(g, key(&k, "rope.scale_linear")))
            CLK_TRY(get_float(&k, "rope.scale_linear", 0, 0.0f, 0.0f, 1.0e30f, &factor, e));
        hp->rope_freq_scale = (linear && factor != 0.0f) ? 1.0f / factor : 1.0f;
    }
    hp->rope_base_swa = hp->rope_base;
    hp->rope_freq_scale_swa = hp->rope_freq_scale;

    CLK_TRY(get_float(&k, "attention.layer_norm_rms_epsilon", 1, 0.0f, 1e-30f, 1.0f, &hp->rms_eps, e));

    /* ---- per architecture */
    hp->attn_scale = 1.0f / sqrtf((float)hp->head_dim_k);
    hp->embd_scale = 1.0f;
    hp->swa_pattern = 0;
    switch (hp->arch) {
    case CLK_ARCH_LLAMA: break;
    case CLK_ARCH_QWEN2: hp->qkv_bias = 1; break;
    case CLK_ARCH_QWEN3: hp->qk_norm = 1; break;
    case CLK_ARCH_GEMMA2:
        /* every layer alternates: window 4096 unless the key says, pattern 2 */
        CLK_TRY(get_int(&k, "attention.sliding_window", 0, 4096, 0, 0x7FFFFFFFL, &hp->n_swa, e));
        CLK_TRY(get_int(&k, "attention.sliding_window_pattern", 0, 2, 0, CLK_MAX_LAYERS, &hp->swa_pattern, e));
        CLK_TRY(get_float(&k, "rope.freq_base_swa", 0, hp->rope_base, 1e-30f, 3.0e38f, &hp->rope_base_swa, e));
        CLK_TRY(get_float(&k, "attn_logit_softcapping", 0, 50.0f, 0.0f, 1.0e30f, &hp->attn_softcap, e));
        CLK_TRY(get_float(&k, "final_logit_softcapping", 0, 30.0f, 0.0f, 1.0e30f, &hp->final_softcap, e));
        hp->sandwich_norms = 1;
        hp->geglu = 1;
        break;
    case CLK_ARCH_GEMMA3:
        /* no window key (or 0): no local layers at all */
        CLK_TRY(get_int(&k, "attention.sliding_window", 0, 0, 0, 0x7FFFFFFFL, &hp->n_swa, e));
        if (hp->n_swa > 0) {
            CLK_TRY(get_int(&k, "attention.sliding_window_pattern", 0, 6, 0, CLK_MAX_LAYERS, &hp->swa_pattern, e));
            CLK_TRY(get_float(&k, "rope.freq_base_swa", 0, 10000.0f, 1e-30f, 3.0e38f, &hp->rope_base_swa, e));
            hp->rope_freq_scale_swa = 1.0f; /* linear scaling applies to global layers only */
        }
        CLK_TRY(get_float(&k, "final_logit_softcapping", 0, 0.0f, 0.0f, 1.0e30f, &hp->final_softcap, e));
        hp->sandwich_norms = 1;
        hp->qk_norm = 1;
        hp->geglu = 1;
        break;
    default: return clk_fail(e, CLK_E_INTERNAL, "model: architecture %d has no parameters", a);
    }
    if (hp->arch == CLK_ARCH_GEMMA2 || hp->arch == CLK_ARCH_GEMMA3) {
        hp->embd_scale = sqrtf((float)hp->n_embd);
        /* the 27B variants scale queries by 1/sqrt(n_embd / n_head) (gemma_pytorch config) */
        if ((hp->arch == CLK_ARCH_GEMMA2 && hp->n_layer == 46) || (hp->arch == CLK_ARCH_GEMMA3 && hp->n_layer == 62))
            hp->attn_scale = 1.0f / sqrtf((float)(hp->n_embd / hp->n_head[0]));
    }
    /* set_swa_pattern: layer il is local iff il % n < n - 1 (n = 0: every layer) */
    if (hp->n_swa > 0)
        for (il = 0; il < hp->n_layer; il++)
            hp->swa_layer[il] = (uint8_t)(hp->swa_pattern == 0 || il % hp->swa_pattern < hp->swa_pattern - 1);

    /* ---- vocabulary: rows of token_embd, else <arch>.vocab_size, else
     * the tokenizer's token count (vocab-only files) */
    te = clk_gguf_tensor_find(g, "token_embd.weight");
    if (te) {
        if (te->ne[1] < 1 || te->ne[1] > lim)
            return clk_fail(e, CLK_E_DATA, "model: tensor 'token_embd.weight': expected 1..%d rows (the vocabulary), found %lld",
                            lim, (long long)te->ne[1]);
        hp->n_vocab = (int)te->ne[1];
    } else if (clk_gguf_find(g, key(&k, "vocab_size"))) {
        CLK_TRY(get_int(&k, "vocab_size", 1, 0, 1, lim, &hp->n_vocab, e));
    } else {
        const clk_gguf_kv *tok = clk_gguf_find(g, "tokenizer.ggml.tokens");
        if (!tok || tok->type != CLK_GGUF_ARRAY || tok->arr_n < 1 || tok->arr_n > (uint64_t)lim)
            return clk_fail(e, CLK_E_DATA,
                            "model: vocabulary size unknown: no tensor 'token_embd.weight', no key '%s.vocab_size' "
                            "and no array 'tokenizer.ggml.tokens' of 1..%d entries",
                            k.arch, lim);
        hp->n_vocab = (int)tok->arr_n;
    }
    hp->tied_output = clk_gguf_tensor_find(g, "output.weight") == NULL || hp->arch == CLK_ARCH_GEMMA2;
    return CLK_OK;
}

/* ================================================================ weights */

/* The tensors of one layer, by position, so that they can be walked. */
enum { N_LAYER_TENSORS = 17 };
static clk_tensor *layer_tensor(clk_layer *l, int i)
{
    switch (i) {
    case 0: return &l->attn_norm;
    case 1: return &l->wq;
    case 2: return &l->wk;
    case 3: return &l->wv;
    case 4: return &l->bq;
    case 5: return &l->bk;
    case 6: return &l->bv;
    case 7: return &l->q_norm;
    case 8: return &l->k_norm;
    case 9: return &l->wo;
    case 10: return &l->bo;
    case 11: return &l->post_attn_norm;
    case 12: return &l->ffn_norm;
    case 13: return &l->w_gate;
    case 14: return &l->w_up;
    case 15: return &l->w_down;
    case 16: return &l->post_ffw_norm;
    default: return NULL;
    }
}

enum { REQUIRED = 1, OPTIONAL = 0 };

typedef struct binder {
    clk_model *m;
    const clk_gguf *g;
    uint64_t n_bound; /* distinct file tensors bound */
} binder;

static void shape_str(char *buf, size_t cap, const int64_t *ne)
{
    int n = CLK_MAX_DIMS;
    size_t k = 0;
    int j;
    while (n > 1 && ne[n - 1] == 1) n--;
    k += (size_t)snprintf(buf + k, cap - k, "[");
    for (j = 0; j < n && k < cap; j++) k += (size_t)snprintf(buf + k, cap - k, "%s%lld", j ? ", " : "", (long long)ne[j]);
    if (k < cap) snprintf(buf + k, cap - k, "]");
}

/* Bind tensor `name` of shape [ne0] (ne1 == 0) or [ne0, ne1]. Vectors
 * (norms, biases, rope factors) must be F32, as every converter and
 * llama-quantize write them; matrices must be of a type clika computes. */
static clk_status bind(binder *b, clk_tensor *t, const char *name, int required, int64_t ne0, int64_t ne1, clk_err *e)
{
    const clk_gguf_tensor *gt = clk_gguf_tensor_find(b->g, name);
    const clk_type_info *ti;
    int64_t want[CLK_MAX_DIMS];
    int j;
    memset(t, 0, sizeof *t);
    for (j = 0; j < CLK_MAX_DIMS; j++) want[j] = 1;
    want[0] = ne0;
    if (ne1) want[1] = ne1;
    if (!gt) {
        char ws[96];
        if (!required) return CLK_OK;
        shape_str(ws, sizeof ws, want);
        return clk_fail(e, CLK_E_DATA, "model: required tensor '%s' (shape %s) is missing from the file", name, ws);
    }
    for (j = 0; j < CLK_MAX_DIMS; j++)
        if (gt->ne[j] != want[j]) {
            char ws[96], fs[96];
            shape_str(ws, sizeof ws, want);
            shape_str(fs, sizeof fs, gt->ne);
            return clk_fail(e, CLK_E_DATA, "model: tensor '%s': expected shape %s, found %s", name, ws, fs);
        }
    ti = clk_type((int)gt->type);
    if (!ne1 && gt->type != CLK_T_F32)
        return clk_fail(e, CLK_E_UNSUPPORTED, "model: tensor '%s': expected type f32 for a vector, found %s", name,
                        ti ? ti->name : "unknown");
    if (!ti || !ti->compute)
        return clk_fail(e, CLK_E_UNSUPPORTED,
                        "model: tensor '%s': clika cannot compute with type %s (supported: f32 f16 bf16 q8_0 q4_0 "
                        "q4_1 q5_0 q5_1 q4_K q5_K q6_K)",
                        name, ti ? ti->name : "unknown");
    t->name = gt->name.p;
    t->info = gt;
    t->type = (int)gt->type;
    t->data = gt->data;
    for (j = 0; j < CLK_MAX_DIMS; j++) t->ne[j] = gt->ne[j];
    t->row_bytes = clk_row_bytes(t->type, gt->ne[0]);
    b->m->n_params += (uint64_t)ne0 * (uint64_t)(ne1 ? ne1 : 1);
    b->m->weight_bytes += gt->nbytes;
    b->n_bound++;
    return CLK_OK;
}

static clk_status bind_layer(binder *b, int il, clk_err *e)
{
    const clk_hparams *hp = &b->m->hp;
    clk_layer *l = &b->m->layer[il];
    int64_t E = hp->n_embd, hk = hp->head_dim_k, hv = hp->head_dim_v;
    int64_t nq = (int64_t)hp->n_head[il] * hk, nk = (int64_t)hp->n_head_kv[il] * hk;
    int64_t nv = (int64_t)hp->n_head_kv[il] * hv, no = (int64_t)hp->n_head[il] * hv, F = hp->n_ff[il];
    int gemma = hp->arch == CLK_ARCH_GEMMA2 || hp->arch == CLK_ARCH_GEMMA3;
    char n[CLK_MAX_NAME + 16];
#define NAME(s) (snprintf(n, sizeof n, "blk.%d." s, il), n)
    CLK_TRY(bind(b, &l->attn_norm, NAME("attn_norm.weight"), REQUIRED, E, 0, e));
    CLK_TRY(bind(b, &l->wq, NAME("attn_q.weight"), REQUIRED, E, nq, e));
    CLK_TRY(bind(b, &l->wk, NAME("attn_k.weight"), REQUIRED, E, nk, e));
    CLK_TRY(bind(b, &l->wv, NAME("attn_v.weight"), REQUIRED, E, nv, e));
    /* q/k/v biases: qwen2 has them; llama.cpp accepts them on every arch */
    CLK_TRY(bind(b, &l->bq, NAME("attn_q.bias"), OPTIONAL, nq, 0, e));
    CLK_TRY(bind(b, &l->bk, NAME("attn_k.bias"), OPTIONAL, nk, 0, e));
    CLK_TRY(bind(b, &l->bv, NAME("attn_v.bias"), OPTIONAL, nv, 0, e));
    if (hp->qk_norm) {
        CLK_TRY(bind(b, &l->q_norm, NAME("attn_q_norm.weight"), REQUIRED, hk, 0, e));
        CLK_TRY(bind(b, &l->k_norm, NAME("attn_k_norm.weight"), REQUIRED, hk, 0, e));
    }
    CLK_TRY(bind(b, &l->wo, NAME("attn_output.weight"), REQUIRED, no, E, e));
    if (hp->arch == CLK_ARCH_LLAMA) CLK_TRY(bind(b, &l->bo, NAME("attn_output.bias"), OPTIONAL, E, 0, e));
    if (gemma) CLK_TRY(bind(b, &l->post_attn_norm, NAME("post_attention_norm.weight"), REQUIRED, E, 0, e));
    CLK_TRY(bind(b, &l->ffn_norm, NAME("ffn_norm.weight"), REQUIRED, E, 0, e));
    CLK_TRY(bind(b, &l->w_gate, NAME("ffn_gate.weight"), REQUIRED, E, F, e));
    CLK_TRY(bind(b, &l->w_up, NAME("ffn_up.weight"), REQUIRED, E, F, e));
    CLK_TRY(bind(b, &l->w_down, NAME("ffn_down.weight"), REQUIRED, F, E, e));
    if (gemma) CLK_TRY(bind(b, &l->post_ffw_norm, NAME("post_ffw_norm.weight"), REQUIRED, E, 0, e));
#undef NAME
    return CLK_OK;
}

/* Is file tensor t bound to some weight of m? (Only walked to name the
 * culprit when the counts disagree.) */
static int model_uses(clk_model *m, const clk_gguf_tensor *t)
{
    int il, i;
    if (m->tok_embd.info == t || m->output_norm.info == t || m->output.info == t || m->rope_freqs.info == t) return 1;
    for (il = 0; il < m->hp.n_layer; il++)
        for (i = 0; i < N_LAYER_TENSORS; i++)
            if (layer_tensor(&m->layer[il], i)->info == t) return 1;
    return 0;
}

clk_status clk_model_load(clk_model *m, const clk_gguf *g, clk_err *e)
{
    binder b;
    clk_hparams *hp = &m->hp;
    const clk_gguf_kv *nm;
    int il;
    memset(m, 0, sizeof *m);
    CLK_TRY(clk_model_hparams(hp, g, e));
    m->gguf = g;
    nm = clk_gguf_find(g, "general.name");
    if (nm && nm->type == CLK_GGUF_STRING) clk_gguf_get_str(g, "general.name", &m->name, e);
    b.m = m;
    b.g = g;
    b.n_bound = 0;

    CLK_TRY(bind(&b, &m->tok_embd, "token_embd.weight", REQUIRED, hp->n_embd, hp->n_vocab, e));
    CLK_TRY(bind(&b, &m->output_norm, "output_norm.weight", REQUIRED, hp->n_embd, 0, e));
    if (hp->arch != CLK_ARCH_GEMMA2) /* gemma2 always reuses token_embd */
        CLK_TRY(bind(&b, &m->output, "output.weight", OPTIONAL, hp->n_embd, hp->n_vocab, e));
    hp->tied_output = m->output.data == NULL;
    if (hp->tied_output) m->output = m->tok_embd;
    if (hp->arch == CLK_ARCH_LLAMA)
        CLK_TRY(bind(&b, &m->rope_freqs, "rope_freqs.weight", OPTIONAL, hp->n_rot / 2, 0, e));
    hp->qkv_bias = 0;
    for (il = 0; il < hp->n_layer; il++) {
        CLK_TRY(bind_layer(&b, il, e));
        if (m->layer[il].bq.data || m->layer[il].bk.data || m->layer[il].bv.data) hp->qkv_bias = 1;
    }

    /* every tensor of the file must be used (llama.cpp: "wrong number of tensors") */
    if (b.n_bound != g->n_tensors) {
        uint64_t i;
        for (i = 0; i < g->n_tensors; i++)
            if (!model_uses(m, &g->tensors[i])) {
                char name[CLK_MAX_NAME + 1];
                size_t j, n = (size_t)g->tensors[i].name.n;
                for (j = 0; j < n; j++) {
                    char c = g->tensors[i].name.p[j];
                    name[j] = (c >= 0x20 && c < 0x7F) ? c : '?';
                }
                name[n] = 0;
                return clk_fail(e, CLK_E_DATA,
                                "model: tensor '%s' is not used by architecture %s (%llu of the file's %llu tensors "
                                "are; a fused or extra tensor clika does not support?)",
                                name, clk_arch_name(hp->arch), (unsigned long long)b.n_bound,
                                (unsigned long long)g->n_tensors);
            }
        return clk_fail(e, CLK_E_INTERNAL, "model: %llu tensors bound but the file has %llu",
                        (unsigned long long)b.n_bound, (unsigned long long)g->n_tensors);
    }
    return CLK_OK;
}

/* ========================================================= LoRA adapters */

uint64_t clk_lora_bytes(const clk_gguf_header *h)
{
    return (h->n_tensors / 2) * (uint64_t)sizeof(clk_lora_w); /* pairs <= tensors / 2 */
}

void clk_lora_plan(const clk_gguf_header *h, clk_plan *p) { clk_plan_add(p, "adapter pairs", clk_lora_bytes(h)); }

/* A tensor name from the file, printable and NUL-terminated. */
static void name_copy(char *out, size_t cap, clk_str s)
{
    size_t j, n = (size_t)s.n < cap - 1 ? (size_t)s.n : cap - 1;
    for (j = 0; j < n; j++) out[j] = (s.p[j] >= 0x20 && s.p[j] < 0x7F) ? s.p[j] : '?';
    out[n] = 0;
}

static int str_ends(clk_str s, const char *suf)
{
    size_t n = strlen(suf);
    return s.n >= n && !memcmp(s.p + s.n - n, suf, n);
}

/* The model weight called `name` (NUL-terminated): a matrix the forward
 * pass multiplies with, or NULL. *vector is set when the name is a model
 * tensor that is not such a matrix (a norm or a bias). */
static clk_tensor *lora_target(clk_model *m, const char *name, int *vector)
{
    int il, i;
    size_t n = strlen(name);
    *vector = 0;
#define IS(t) ((t)->info && (t)->info->name.n == n && !memcmp((t)->info->name.p, name, n))
    if (IS(&m->tok_embd)) return &m->tok_embd;
    if (!m->hp.tied_output && IS(&m->output)) return &m->output;
    if (IS(&m->output_norm) || IS(&m->rope_freqs)) *vector = 1;
    for (il = 0; il < m->hp.n_layer; il++) {
        clk_layer *l = &m->layer[il];
        clk_tensor *mats[7];
        mats[0] = &l->wq, mats[1] = &l->wk, mats[2] = &l->wv, mats[3] = &l->wo;
        mats[4] = &l->w_gate, mats[5] = &l->w_up, mats[6] = &l->w_down;
        for (i = 0; i < 7; i++)
            if (IS(mats[i])) return mats[i];
        for (i = 0; i < N_LAYER_TENSORS; i++)
            if (IS(layer_tensor(l, i))) *vector = 1;
    }
#undef IS
    return NULL;
}

/* View of adapter tensor gt as a clk_tensor (2 dimensions, compute type). */
static clk_status lora_view(clk_tensor *t, const clk_gguf_tensor *gt, clk_err *e)
{
    const clk_type_info *ti = clk_type((int)gt->type);
    char nm[CLK_MAX_NAME + 1];
    int j;
    name_copy(nm, sizeof nm, gt->name);
    if (gt->ne[2] != 1 || gt->ne[3] != 1 || gt->ne[0] < 1 || gt->ne[1] < 1)
        return clk_fail(e, CLK_E_DATA, "adapter: tensor '%s': expected a non-empty matrix, found %u dimensions", nm,
                        (unsigned)gt->n_dims);
    if (!ti || !ti->compute)
        return clk_fail(e, CLK_E_UNSUPPORTED, "adapter: tensor '%s': clika cannot compute with type %s", nm,
                        ti ? ti->name : "unknown");
    memset(t, 0, sizeof *t);
    t->name = gt->name.p;
    t->info = gt;
    t->type = (int)gt->type;
    t->data = gt->data;
    for (j = 0; j < CLK_MAX_DIMS; j++) t->ne[j] = gt->ne[j];
    t->row_bytes = clk_row_bytes(t->type, gt->ne[0]);
    return CLK_OK;
}

/* A required string key with an expected value. */
static clk_status lora_key_is(const clk_gguf *g, const char *key, const char *want, clk_err *e)
{
    clk_str s;
    char found[64];
    if (!clk_gguf_find(g, key))
        return clk_fail(e, CLK_E_DATA, "adapter: required key '%s' (\"%s\") is missing: not a LoRA adapter file?", key,
                        want);
    if (clk_gguf_get_str(g, key, &s, e) != CLK_OK) return clk_fail_wrap(e, "adapter: ");
    if (!clk_str_eq(s, want)) {
        name_copy(found, sizeof found, s);
        return clk_fail(e, CLK_E_DATA, "adapter: key '%s': expected \"%s\", found \"%s\"", key, want, found);
    }
    return CLK_OK;
}

clk_status clk_lora_load(clk_lora *l, clk_model *m, const clk_gguf *g, float scale, clk_arena *a, clk_err *e)
{
    uint64_t i, cap = g->n_tensors / 2;
    void *mem = NULL;
    int k;
    memset(l, 0, sizeof *l);
    l->g = g;
    l->scale = scale;
    if (!(scale > -1e30f && scale < 1e30f)) /* also false for NaN */
        return clk_fail(e, CLK_E_ARG, "adapter: scale %g is not a finite number", (double)scale);
    CLK_TRY(lora_key_is(g, "general.type", "adapter", e));
    CLK_TRY(lora_key_is(g, "adapter.type", "lora", e));
    CLK_TRY(lora_key_is(g, "general.architecture", clk_arch_name(m->hp.arch), e));
    if (clk_gguf_find(g, "adapter.lora.alpha")) {
        if (clk_gguf_get_f32(g, "adapter.lora.alpha", &l->alpha, e) != CLK_OK) return clk_fail_wrap(e, "adapter: ");
        if (!(l->alpha > -1e30f && l->alpha < 1e30f))
            return clk_fail(e, CLK_E_DATA, "adapter: key 'adapter.lora.alpha' is %g: expected a finite number",
                            (double)l->alpha);
    }
    CLK_TRY(clk_arena_alloc(a, (size_t)(cap * sizeof(clk_lora_w)), "adapter pairs", &mem, e));
    l->w = (clk_lora_w *)mem;

    /* pass 1: check every tensor and fill the pairs; the model is untouched */
    for (i = 0; i < g->n_tensors; i++) {
        const clk_gguf_tensor *gt = &g->tensors[i], *ga, *gb;
        char nm[CLK_MAX_NAME + 1], base[CLK_MAX_NAME + 1], other[CLK_MAX_NAME + 16];
        clk_tensor *w;
        clk_lora_w *p;
        int vector, r;
        name_copy(nm, sizeof nm, gt->name);
        if (str_ends(gt->name, "_norm.weight")) { /* llama.cpp: "no support for norm vectors yet" */
            l->n_skipped++;
            continue;
        }
        if (str_ends(gt->name, ".lora_b")) { /* checked with its lora_a; only its partner's presence here */
            memcpy(other, nm, strlen(nm) - 1);
            strcpy(other + strlen(nm) - 1, "a");
            if (!clk_gguf_tensor_find(g, other))
                return clk_fail(e, CLK_E_DATA, "adapter: tensor '%s' has no partner '%s'", nm, other);
            continue;
        }
        if (!str_ends(gt->name, ".lora_a"))
            return clk_fail(e, CLK_E_DATA,
                            "adapter: tensor '%s': expected a name ending in .lora_a or .lora_b (or a *_norm.weight, "
                            "which is skipped)",
                            nm);
        memcpy(base, nm, strlen(nm) - 7);
        base[strlen(nm) - 7] = 0;
        snprintf(other, sizeof other, "%s.lora_b", base);
        ga = gt;
        gb = clk_gguf_tensor_find(g, other);
        if (!gb) return clk_fail(e, CLK_E_DATA, "adapter: tensor '%s' has no partner '%s'", nm, other);
        w = lora_target(m, base, &vector);
        if (!w) {
            if (vector)
                return clk_fail(e, CLK_E_UNSUPPORTED,
                                "adapter: tensor '%s': base tensor '%s' is not a matrix; only matrices can be adapted",
                                nm, base);
            if (m->hp.tied_output && !strcmp(base, "output.weight"))
                return clk_fail(e, CLK_E_DATA,
                                "adapter: tensor '%s': the base model has no 'output.weight' (its output is tied to "
                                "token_embd.weight)",
                                nm);
            return clk_fail(e, CLK_E_DATA,
                            "adapter: tensor '%s': base tensor '%s' does not exist in the %s model (wrong base "
                            "model?)",
                            nm, base, clk_arch_name(m->hp.arch));
        }
        if ((uint64_t)l->n_w >= cap) return clk_fail(e, CLK_E_INTERNAL, "adapter: more pairs than tensors / 2");
        p = &l->w[l->n_w];
        memset(p, 0, sizeof *p);
        CLK_TRY(lora_view(&p->a, ga, e));
        CLK_TRY(lora_view(&p->b, gb, e));
        if (w == &m->tok_embd) {
            if (m->hp.tied_output)
                return clk_fail(e, CLK_E_UNSUPPORTED,
                                "adapter: tensor '%s': this model ties its output to token_embd.weight, and an "
                                "embedding adapter cannot apply to both (llama.cpp cannot either)",
                                nm);
            /* A: [r] x n_vocab rows, B: [r] x n_embd rows */
            r = (int)(ga->ne[0] > CLK_MAX_DIM ? CLK_MAX_DIM + 1 : ga->ne[0]);
            if (ga->ne[1] != w->ne[1] || gb->ne[1] != w->ne[0] || gb->ne[0] != ga->ne[0])
                return clk_fail(e, CLK_E_DATA,
                                "adapter: tensor '%s': shapes [%lld, %lld] (A) and [%lld, %lld] (B) do not fit '%s' "
                                "[%lld, %lld]: expected A [r, %lld] and B [r, %lld]",
                                nm, (long long)ga->ne[0], (long long)ga->ne[1], (long long)gb->ne[0],
                                (long long)gb->ne[1], base, (long long)w->ne[0], (long long)w->ne[1],
                                (long long)w->ne[1], (long long)w->ne[0]);
        } else {
            r = (int)(ga->ne[1] > CLK_MAX_DIM ? CLK_MAX_DIM + 1 : ga->ne[1]);
            if (ga->ne[0] != w->ne[0] || gb->ne[1] != w->ne[1] || gb->ne[0] != ga->ne[1])
                return clk_fail(e, CLK_E_DATA,
                                "adapter: tensor '%s': shapes [%lld, %lld] (A) and [%lld, %lld] (B) do not fit '%s' "
                                "[%lld, %lld]: expected A [%lld, r] and B [r, %lld]",
                                nm, (long long)ga->ne[0], (long long)ga->ne[1], (long long)gb->ne[0],
                                (long long)gb->ne[1], base, (long long)w->ne[0], (long long)w->ne[1],
                                (long long)w->ne[0], (long long)w->ne[1]);
        }
        if (r > CLK_MAX_DIM)
            return clk_fail(e, CLK_E_LIMIT, "adapter: tensor '%s': rank %lld exceeds CLK_MAX_DIM (%d)", nm,
                            (long long)ga->ne[w == &m->tok_embd ? 0 : 1], CLK_MAX_DIM);
        /* the r-wide row B multiplies must fit a block of B's type */
        if (r % clk_type(p->b.type)->blck)
            return clk_fail(e, CLK_E_DATA, "adapter: tensor '%s': rank %d is not a multiple of %s's block (%d)", other,
                            r, clk_type(p->b.type)->name, clk_type(p->b.type)->blck);
        p->rank = r;
        p->scale = l->alpha != 0.0f ? scale * l->alpha / (float)r : scale; /* llama.cpp's get_scale */
        p->base = w;
        if (r > l->rank_max) l->rank_max = r;
        l->n_w++;
    }
    /* pass 2: attach, after the pairs of earlier adapters */
    for (k = 0; k < l->n_w; k++) {
        clk_lora_w **tail = &l->w[k].base->lora;
        while (*tail) tail = &(*tail)->next;
        *tail = &l->w[k];
    }
    m->n_lora++;
    if (l->rank_max > m->lora_rank_max) m->lora_rank_max = l->rank_max;
    return CLK_OK;
}
