/*
 * quantize.c - the quantize stage: which type each tensor gets (the rules
 * of llama-quantize's mixes, restated in quantize.h and the README) and the
 * streaming rewrite of a model through fixed row buffers.
 *
 * Must never: allocate, print, open files, read a tensor outside its bytes,
 * or let the thread count change a single output byte.
 */
#include "quantize.h"

#include <string.h>

/* ============================================================ file types */

static const struct {
    int ftype;
    const char *name;
    int type; /* the default tensor type */
} ftypes[] = {
    {CLK_FTYPE_F32, "F32", CLK_T_F32},         {CLK_FTYPE_F16, "F16", CLK_T_F16},
    {CLK_FTYPE_BF16, "BF16", CLK_T_BF16},      {CLK_FTYPE_Q8_0, "Q8_0", CLK_T_Q8_0},
    {CLK_FTYPE_Q4_0, "Q4_0", CLK_T_Q4_0},      {CLK_FTYPE_Q4_1, "Q4_1", CLK_T_Q4_1},
    {CLK_FTYPE_Q5_0, "Q5_0", CLK_T_Q5_0},      {CLK_FTYPE_Q5_1, "Q5_1", CLK_T_Q5_1},
    {CLK_FTYPE_Q4_K_S, "Q4_K_S", CLK_T_Q4_K},  {CLK_FTYPE_Q4_K_M, "Q4_K_M", CLK_T_Q4_K},
    {CLK_FTYPE_Q5_K_S, "Q5_K_S", CLK_T_Q5_K},  {CLK_FTYPE_Q5_K_M, "Q5_K_M", CLK_T_Q5_K},
    {CLK_FTYPE_Q6_K, "Q6_K", CLK_T_Q6_K},
};
#define N_FTYPES ((int)(sizeof ftypes / sizeof ftypes[0]))

const char *clk_quant_ftype_name(int ftype)
{
    int i;
    for (i = 0; i < N_FTYPES; i++)
        if (ftypes[i].ftype == ftype) return ftypes[i].name;
    return NULL;
}

int clk_quant_ftype_type(int ftype)
{
    int i;
    for (i = 0; i < N_FTYPES; i++)
        if (ftypes[i].ftype == ftype) return ftypes[i].type;
    return -1;
}

clk_status clk_quant_ftype_parse(const char *s, int *ftype, clk_err *e)
{
    size_t n = s ? strlen(s) : 0;
    int i;
    if (n > 0 && s[0] >= '0' && s[0] <= '9') {
        long v;
        CLK_TRY(clk_parse_int(s, 0, 1023, &v, "file type", e));
        if (clk_quant_ftype_name((int)v)) {
            *ftype = (int)v;
            return CLK_OK;
        }
    } else {
        for (i = 0; i < N_FTYPES; i++)
            if (clk_ascii_ieq(ftypes[i].name, s, n)) {
                *ftype = ftypes[i].ftype;
                return CLK_OK;
            }
        /* llama-quantize's short names for the medium K mixes */
        if (clk_ascii_ieq("Q4_K", s, n) || clk_ascii_ieq("Q5_K", s, n)) {
            *ftype = s[1] == '4' ? CLK_FTYPE_Q4_K_M : CLK_FTYPE_Q5_K_M;
            return CLK_OK;
        }
    }
    return clk_fail(e, CLK_E_ARG,
                    "file type: expected one of F32 F16 BF16 Q8_0 Q4_0 Q4_1 Q5_0 Q5_1 Q4_K_S Q4_K_M Q5_K_S Q5_K_M "
                    "Q6_K (or its llama_ftype number), found '%s'",
                    s ? s : "");
}

int clk_quant_can_write(int t)
{
    switch (t) {
    case CLK_T_F32: case CLK_T_F16: case CLK_T_BF16:
    case CLK_T_Q4_0: case CLK_T_Q4_1: case CLK_T_Q5_0: case CLK_T_Q5_1: case CLK_T_Q8_0:
    case CLK_T_Q4_K: case CLK_T_Q5_K: case CLK_T_Q6_K:
        return 1;
    default:
        return 0;
    }
}

/* ggml_is_quantized: block formats, as opposed to plain floats. */
static int is_quantized(int t) { return t != CLK_T_F32 && t != CLK_T_F16 && t != CLK_T_BF16; }

void clk_quant_opts_init(clk_quant_opts *o, int ftype)
{
    memset(o, 0, sizeof *o);
    o->ftype = ftype;
    o->n_threads = 1;
}

clk_status clk_quant_parse_overrides(clk_quant_opts *o, const char *list, clk_err *e)
{
    const char *p = list;
    while (p && *p) {
        const char *end = strchr(p, ','), *eq;
        size_t len = end ? (size_t)(end - p) : strlen(p), plen, tlen;
        int t, found = -1;
        eq = (const char *)memchr(p, '=', len);
        if (!eq || eq == p || eq == p + len - 1)
            return clk_fail(e, CLK_E_ARG, "--tensor-type: expected PATTERN=TYPE, found '%.*s'", (int)len, p);
        plen = (size_t)(eq - p);
        tlen = len - plen - 1;
        if (plen >= CLK_MAX_NAME)
            return clk_fail(e, CLK_E_ARG, "--tensor-type: pattern '%.*s' is longer than a tensor name (%d bytes)",
                            (int)plen, p, CLK_MAX_NAME - 1);
        for (t = 0; t < CLK_T_COUNT; t++)
            if (clk_quant_can_write(t) && clk_ascii_ieq(clk_type(t)->name, eq + 1, tlen)) found = t;
        if (found < 0)
            return clk_fail(e, CLK_E_ARG,
                            "--tensor-type: '%.*s': expected a type clika can write (f32 f16 bf16 q8_0 q4_0 q4_1 "
                            "q5_0 q5_1 q4_K q5_K q6_K), found '%.*s'",
                            (int)len, p, (int)tlen, eq + 1);
        if (o->n_override == CLK_MAX_QUANT_OVERRIDES)
            return clk_fail(e, CLK_E_LIMIT, "--tensor-type: more than CLK_MAX_QUANT_OVERRIDES (%d) patterns",
                            CLK_MAX_QUANT_OVERRIDES);
        memcpy(o->override[o->n_override].pattern, p, plen);
        o->override[o->n_override].pattern[plen] = 0;
        o->override[o->n_override].type = found;
        o->n_override++;
        p = end ? end + 1 : NULL;
    }
    return CLK_OK;
}

void clk_quant_model_from_hparams(const clk_hparams *hp, clk_quant_model *m)
{
    m->n_layer = hp->n_layer;
    /* llama.cpp sizes models by layer count; the mixes only care about
     * "70B": Llama-2/3-70B (80 layers, grouped-query attention) and
     * Qwen2-72B (80 layers). */
    m->is_70b = hp->n_layer == 80 &&
                ((hp->arch == CLK_ARCH_LLAMA && hp->n_head[0] != hp->n_head_kv[0]) || hp->arch == CLK_ARCH_QWEN2);
}

/* ============================================================ names */

static int str_is(clk_str s, const char *c) { return clk_str_eq(s, c); }

static int str_has(clk_str s, const char *sub)
{
    size_t n = strlen(sub), i;
    if (n > s.n) return 0;
    for (i = 0; i + n <= s.n; i++)
        if (memcmp(s.p + i, sub, n) == 0) return 1;
    return 0;
}

static int str_ends(clk_str s, const char *suf)
{
    size_t n = strlen(suf);
    return s.n >= n && memcmp(s.p + s.n - n, suf, n) == 0;
}

/* The block number of "blk.N.xxx" (as sscanf "blk.%d." reads it: blanks
 * and a sign allowed before the digits), or -1. */
static int name_layer(clk_str s)
{
    uint64_t i = 4;
    long v = 0;
    int neg = 0, digits = 0;
    if (s.n < 5 || memcmp(s.p, "blk.", 4) != 0) return -1;
    while (i < s.n && (s.p[i] == ' ' || (s.p[i] >= '\t' && s.p[i] <= '\r'))) i++;
    if (i < s.n && (s.p[i] == '+' || s.p[i] == '-')) neg = s.p[i++] == '-';
    for (; i < s.n && s.p[i] >= '0' && s.p[i] <= '9'; i++, digits++)
        if (v < 100000000L) v = v * 10 + (s.p[i] - '0');
    if (!digits) return -1;
    return neg ? (int)-v : (int)v;
}

/* llama-quantize's tensor order: by block number (-1, i.e. outside the
 * blocks, first), then by name as bytes. */
static int pick_less(const clk_quant_tensor *t, const clk_quant_pick *a, const clk_quant_pick *b)
{
    clk_str x = t[a->src].name, y = t[b->src].name;
    size_t n = x.n < y.n ? (size_t)x.n : (size_t)y.n;
    int c;
    if (a->layer != b->layer) return a->layer < b->layer;
    c = memcmp(x.p, y.p, n);
    return c != 0 ? c < 0 : x.n < y.n;
}

/* Heapsort: in place, O(n log n), no scratch. Names are unique, so the
 * order is total and stability does not matter. */
static void sift(const clk_quant_tensor *t, clk_quant_pick *p, uint32_t root, uint32_t n)
{
    for (;;) {
        uint32_t c = 2 * root + 1;
        clk_quant_pick tmp;
        if (c >= n) return;
        if (c + 1 < n && pick_less(t, &p[c], &p[c + 1])) c++;
        if (!pick_less(t, &p[root], &p[c])) return;
        tmp = p[root];
        p[root] = p[c];
        p[c] = tmp;
        root = c;
    }
}

static void sort_picks(const clk_quant_tensor *t, clk_quant_pick *p, uint32_t n)
{
    uint32_t i;
    for (i = n / 2; i-- > 0;) sift(t, p, i, n);
    for (i = n; i-- > 1;) {
        clk_quant_pick tmp = p[0];
        p[0] = p[i];
        p[i] = tmp;
        sift(t, p, 0, i);
    }
}

/* ggml_n_dims: the dimensions up to the last one larger than 1 (at least 1). */
static uint32_t n_dims_of(const int64_t *ne)
{
    int i;
    for (i = CLK_MAX_DIMS - 1; i >= 1; i--)
        if (ne[i] > 1) return (uint32_t)(i + 1);
    return 1;
}

/* ============================================================ the mixes */

/* Which tensors are weights to quantize at all: matrices (2 or more
 * dimensions) whose name ends in "weight", except normalisation weights
 * and MoE router matrices. (llama.cpp also exempts positional and
 * token-type embeddings and a list of small tensors of architectures that
 * clika does not load.) */
static int quantizable(clk_str name, uint32_t n_dims)
{
    if (n_dims < 2 || !str_ends(name, "weight")) return 0;
    if (str_has(name, "_norm.weight") || str_has(name, "ffn_gate_inp.weight")) return 0;
    if (str_is(name, "position_embd.weight") || str_is(name, "token_types.weight")) return 0;
    return 1;
}

/* Roles the rules tell apart, from the tensor name. attn_qkv and attn_kv_b
 * (fused value projections) count as attn_v. */
enum { ROLE_OTHER, ROLE_OUTPUT, ROLE_TOKEN_EMBD, ROLE_ATTN_V, ROLE_FFN_DOWN };

static int role_of(clk_str s)
{
    if (str_is(s, "output.weight")) return ROLE_OUTPUT;
    if (str_is(s, "token_embd.weight") || str_is(s, "per_layer_token_embd.weight")) return ROLE_TOKEN_EMBD;
    if (str_has(s, "attn_qkv.weight") || str_has(s, "attn_kv_b.weight") || str_has(s, "attn_v.weight"))
        return ROLE_ATTN_V;
    if (str_has(s, "attn_k.weight") || str_has(s, "attn_q.weight") || str_has(s, "attn_output.weight") ||
        str_has(s, "ffn_up") || str_has(s, "ffn_gate"))
        return ROLE_OTHER;
    if (str_has(s, "ffn_down")) return ROLE_FFN_DOWN;
    return ROLE_OTHER;
}

/* "use more bits": the first and last eighth of the layers, and every
 * third layer in between (i = n/8 + 2, n/8 + 5, ...). */
static int more_bits(int i, int n) { return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2; }

typedef struct mix_state {
    int tied;        /* no output.weight: token_embd is also the output matrix  */
    int n_attn_v;    /* attn_v-like tensors in the model                         */
    int i_attn_v;    /* attn_v-like tensors decided so far (in output order)     */
    int i_ffn_down;  /* ffn_down tensors decided so far                          */
} mix_state;

/* The mix rules for a quantized default type `type`. The counters advance
 * in output order, so "layer i" is the i-th such tensor met. */
static int mix_rule(int type, int role, int ftype, int64_t ne0, mix_state *s, const clk_quant_model *m)
{
    int i;
    if (role == ROLE_OUTPUT || (s->tied && role == ROLE_TOKEN_EMBD)) {
        /* the output projection is the most sensitive matrix: 6 bits,
         * or Q8_0 when its rows do not even fit the default's blocks */
        if (ne0 % clk_type(type)->blck != 0) return CLK_T_Q8_0;
        return type == CLK_T_Q8_0 ? CLK_T_Q8_0 : CLK_T_Q6_K;
    }
    if (role == ROLE_ATTN_V) {
        i = s->i_attn_v++;
        if ((ftype == CLK_FTYPE_Q4_K_M || ftype == CLK_FTYPE_Q5_K_M) && more_bits(i, s->n_attn_v))
            type = CLK_T_Q6_K;
        else if (ftype == CLK_FTYPE_Q4_K_S && i < 4)
            type = CLK_T_Q5_K;
        /* a 70B model shares each attn_v among 8 query heads: cheap to keep finer */
        if (m->is_70b && (type == CLK_T_Q3_K || type == CLK_T_Q4_K)) type = CLK_T_Q5_K;
        return type;
    }
    if (role == ROLE_FFN_DOWN) {
        i = s->i_ffn_down++;
        if (ftype == CLK_FTYPE_Q4_K_M) {
            if (more_bits(i, m->n_layer)) type = CLK_T_Q6_K;
        } else if (ftype == CLK_FTYPE_Q5_K_M && more_bits(i, m->n_layer)) {
            type = CLK_T_Q6_K;
        } else if (ftype == CLK_FTYPE_Q4_K_S && i < m->n_layer / 8) {
            type = CLK_T_Q5_K;
        }
        return type;
    }
    return type;
}

/* Rows that are not a whole number of blocks: the next type with 32-element
 * blocks, then F16. */
static int fit_rows(int type, int64_t ne0, int *why)
{
    int to;
    if (ne0 % clk_type(type)->blck == 0) return type;
    switch (type) {
    case CLK_T_Q4_K: to = CLK_T_Q5_0; break;
    case CLK_T_Q5_K: to = CLK_T_Q5_1; break;
    case CLK_T_Q6_K: to = CLK_T_Q8_0; break;
    case CLK_T_Q2_K: case CLK_T_Q3_K: to = CLK_T_Q4_0; break;
    default: /* llama-quantize stops: "no tensor type fallback is defined" */
        *why |= CLK_QWHY_FALLBACK | CLK_QWHY_F16 | CLK_QWHY_NOT_LLAMA;
        return CLK_T_F16;
    }
    *why |= CLK_QWHY_FALLBACK;
    if (ne0 % clk_type(to)->blck != 0) {
        *why |= CLK_QWHY_F16;
        to = CLK_T_F16;
    }
    return to;
}

clk_status clk_quant_choose(const clk_quant_tensor *t, uint32_t n, const clk_quant_model *m,
                            const clk_quant_opts *o, clk_quant_pick *picks, clk_err *e)
{
    mix_state s;
    uint32_t i;
    int deflt = clk_quant_ftype_type(o->ftype);
    if (deflt < 0) return clk_fail(e, CLK_E_ARG, "quantize: unknown file type %d", o->ftype);
    memset(&s, 0, sizeof s);
    s.tied = 1;
    for (i = 0; i < n; i++) {
        int role = role_of(t[i].name);
        if (role == ROLE_OUTPUT) s.tied = 0;
        if (role == ROLE_ATTN_V) s.n_attn_v++;
        picks[i].src = i;
        picks[i].layer = name_layer(t[i].name);
    }
    sort_picks(t, picks, n);
    for (i = 0; i < n; i++) {
        clk_quant_pick *p = &picks[i];
        const clk_quant_tensor *tt = &t[p->src];
        char name[CLK_MAX_NAME];
        int type, why = 0, k;
        if (tt->name.n >= CLK_MAX_NAME)
            return clk_fail(e, CLK_E_LIMIT, "quantize: tensor name of %llu bytes (expected < %d)",
                            (unsigned long long)tt->name.n, CLK_MAX_NAME);
        memcpy(name, tt->name.p, (size_t)tt->name.n);
        name[tt->name.n] = 0;
        p->n_dims = n_dims_of(tt->ne);
        if (!quantizable(tt->name, p->n_dims)) {
            type = tt->type;
            why = CLK_QWHY_KEEP;
        } else if (!is_quantized(deflt)) {
            type = deflt; /* F32/F16/BF16 files: every weight, no rules */
        } else {
            type = deflt;
            for (k = 0; k < o->n_override; k++)
                if (str_has(tt->name, o->override[k].pattern)) break;
            if (k < o->n_override) {
                type = o->override[k].type;
                why |= CLK_QWHY_OVERRIDE;
            } else if (!o->pure) {
                int mixed = mix_rule(type, role_of(tt->name), o->ftype, tt->ne[0], &s, m);
                if (mixed != type) why |= CLK_QWHY_MIX;
                type = mixed;
            }
            type = fit_rows(type, tt->ne[0], &why);
        }
        if (type != tt->type) {
            const clk_type_info *src = clk_type(tt->type);
            if (!clk_quant_can_write(type))
                return clk_fail(e, CLK_E_UNSUPPORTED, "quantize: tensor '%s': clika cannot write type %s", name,
                                clk_type(type) ? clk_type(type)->name : "?");
            if (tt->data && (!src || !src->compute))
                return clk_fail(e, CLK_E_UNSUPPORTED,
                                "quantize: tensor '%s' is %s, which clika cannot read back to convert it to %s", name,
                                src && src->name ? src->name : "an unknown type", clk_type(type)->name);
        }
        p->type = type;
        p->why = why;
        CLK_TRY(clk_gguf_tensor_bytes(name, (uint32_t)type, p->n_dims, tt->ne, &p->nbytes, e));
    }
    return CLK_OK;
}

const char *clk_quant_why(int why, char *buf, size_t cap)
{
    static const struct { int bit; const char *text; } w[] = {
        {CLK_QWHY_KEEP, "kept"},
        {CLK_QWHY_OVERRIDE, "override"},
        {CLK_QWHY_MIX, "mix"},
        {CLK_QWHY_FALLBACK, "fallback"},
        {CLK_QWHY_F16, "f16: rows fit no block"},
        {CLK_QWHY_NOT_LLAMA, "llama-quantize refuses"},
    };
    size_t len = 0, i;
    if (cap == 0) return buf;
    buf[0] = 0;
    for (i = 0; i < sizeof w / sizeof w[0]; i++) {
        size_t n;
        if (!(why & w[i].bit)) continue;
        n = strlen(w[i].text) + (len ? 2 : 0);
        if (len + n + 1 > cap) break;
        if (len) memcpy(buf + len, ", ", 2);
        memcpy(buf + len + (len ? 2 : 0), w[i].text, strlen(w[i].text) + 1);
        len += n;
    }
    return buf;
}

/* ============================================================ plan */

static int64_t chunk_rows_for(int64_t ne0_max, int n_threads)
{
    int64_t rows = ne0_max > 0 ? (int64_t)(CLK_QUANT_CHUNK_BYTES / 4) / ne0_max : 1;
    if (n_threads < 1) n_threads = 1;
    if (rows < n_threads) rows = n_threads;
    return rows;
}

void clk_quant_plan(uint32_t n_tensors, int64_t ne0_max, int with_list, const clk_quant_opts *o, clk_plan *p)
{
    uint64_t rows = (uint64_t)chunk_rows_for(ne0_max, o->n_threads), row_buf = 0;
    if (ne0_max < 1) ne0_max = 1;
    if (!clk_mul_ok(rows, (uint64_t)ne0_max * 4, &row_buf)) row_buf = UINT64_MAX;
    if (with_list) clk_plan_add(p, "quantize tensor list", (uint64_t)n_tensors * sizeof(clk_quant_tensor));
    clk_plan_add(p, "quantize picks", (uint64_t)n_tensors * sizeof(clk_quant_pick));
    clk_plan_add(p, "quantize source rows", row_buf);
    clk_plan_add(p, "quantize output rows", row_buf);
    clk_plan_add(p, "quantize write buffer", CLK_QUANT_WBUF_BYTES);
}

static int64_t gguf_ne0_max(const clk_gguf *g)
{
    uint64_t i;
    int64_t m = 1;
    for (i = 0; i < g->n_tensors; i++)
        if (g->tensors[i].ne[0] > m) m = g->tensors[i].ne[0];
    return m;
}

clk_status clk_quant_plan_gguf(const clk_gguf *g, const clk_quant_opts *o, clk_plan *p, clk_err *e)
{
    if (g->n_tensors > 0xFFFFFFFFu)
        return clk_fail(e, CLK_E_LIMIT, "quantize: %llu tensors (at most 2^32 - 1)", (unsigned long long)g->n_tensors);
    clk_quant_plan((uint32_t)g->n_tensors, gguf_ne0_max(g), 1, o, p);
    return CLK_OK;
}

/* ============================================================ writing */

/* Metadata pairs not copied: the two llama-quantize sets itself (appended
 * at the end) and the shard bookkeeping of split files. */
static int kv_dropped(clk_str key)
{
    return str_is(key, "general.quantization_version") || str_is(key, "general.file_type") ||
           str_is(key, "split.no") || str_is(key, "split.count") || str_is(key, "split.tensors.count");
}

static clk_status write_head(const clk_quant *q, clk_gguf_writer *w)
{
    uint64_t i;
    CLK_TRY(clk_gguf_w_begin(w, 3, q->n_kv_out, q->n_tensors));
    if (q->meta)
        for (i = 0; i < q->meta->n_kv; i++) {
            const clk_gguf_kv *kv = &q->meta->kv[i];
            if (kv_dropped(kv->key)) continue;
            if (str_is(kv->key, "general.alignment"))
                CLK_TRY(clk_gguf_w_u32(w, "general.alignment", 32));
            else
                CLK_TRY(clk_gguf_w_kv_copy(w, kv));
        }
    CLK_TRY(clk_gguf_w_u32(w, "general.quantization_version", CLK_QUANT_VERSION));
    CLK_TRY(clk_gguf_w_u32(w, "general.file_type", (uint32_t)q->opts.ftype));
    for (i = 0; i < q->n_tensors; i++) {
        const clk_quant_pick *p = &q->pick[i];
        const clk_quant_tensor *t = &q->t[p->src];
        char name[CLK_MAX_NAME];
        memcpy(name, t->name.p, (size_t)t->name.n);
        name[t->name.n] = 0;
        CLK_TRY(clk_gguf_w_tensor_info(w, name, p->n_dims, t->ne, (uint32_t)p->type));
    }
    return CLK_OK;
}

clk_status clk_quant_init(clk_quant *q, const clk_gguf *meta, const clk_quant_tensor *t, uint32_t n,
                          clk_quant_rows_fn rows, void *rows_ctx, const clk_quant_model *m, const clk_quant_opts *o,
                          clk_pool *pool, clk_arena *a, clk_err *e)
{
    clk_gguf_writer w;
    uint64_t i, row_buf;
    void *mem;
    memset(q, 0, sizeof *q);
    q->meta = meta;
    q->t = t;
    q->n_tensors = n;
    q->opts = *o;
    q->rows = rows;
    q->rows_ctx = rows_ctx;
    q->pool = pool;
    q->ne0_max = 1;
    for (i = 0; i < n; i++) {
        if (t[i].ne[0] > q->ne0_max) q->ne0_max = t[i].ne[0];
        if (!t[i].data && !rows)
            return clk_fail(e, CLK_E_ARG, "quantize: tensor %llu has no data and no row generator was given",
                            (unsigned long long)i);
    }
    if (q->ne0_max > 0x7FFFFFFF)
        return clk_fail(e, CLK_E_LIMIT, "quantize: rows of %lld elements (at most 2^31 - 1)", (long long)q->ne0_max);
    q->chunk_rows = chunk_rows_for(q->ne0_max, o->n_threads);
    row_buf = (uint64_t)q->chunk_rows * (uint64_t)q->ne0_max * 4;
    CLK_TRY(clk_arena_alloc(a, (size_t)n * sizeof(clk_quant_pick), "quantize picks", &mem, e));
    q->pick = (clk_quant_pick *)mem;
    CLK_TRY(clk_arena_alloc(a, (size_t)row_buf, "quantize source rows", &mem, e));
    q->xf = (float *)mem;
    CLK_TRY(clk_arena_alloc(a, (size_t)row_buf, "quantize output rows", &mem, e));
    q->yq = (uint8_t *)mem;
    CLK_TRY(clk_arena_alloc(a, CLK_QUANT_WBUF_BYTES, "quantize write buffer", &mem, e));
    q->wbuf = (uint8_t *)mem;

    CLK_TRY(clk_quant_choose(t, n, m, o, q->pick, e));

    q->n_kv_out = 2;
    if (meta)
        for (i = 0; i < meta->n_kv; i++)
            if (!kv_dropped(meta->kv[i].key)) q->n_kv_out++;
    for (i = 0; i < n; i++) {
        const clk_quant_pick *p = &q->pick[i];
        const clk_quant_tensor *tt = &t[p->src];
        uint64_t src_bytes;
        if (tt->data) {
            if (clk_gguf_tensor_bytes("(source)", (uint32_t)tt->type, p->n_dims, tt->ne, &src_bytes, e) != CLK_OK)
                return clk_fail_wrap(e, "quantize: tensor %.*s: ", (int)tt->name.n, tt->name.p);
        } else {
            CLK_TRY(clk_gguf_tensor_bytes("(source)", CLK_T_F32, p->n_dims, tt->ne, &src_bytes, e));
        }
        q->bytes_in += src_bytes;
        q->bytes_out += p->nbytes;
        q->n_elements += (uint64_t)tt->ne[0] * (uint64_t)tt->ne[1] * (uint64_t)tt->ne[2] * (uint64_t)tt->ne[3];
        if (p->type != tt->type || !tt->data) {
            q->n_converted++;
            if (tt->data && is_quantized(tt->type)) q->n_requant++;
        }
        if (p->why & (CLK_QWHY_FALLBACK | CLK_QWHY_F16)) q->n_fallback++;
    }

    /* measure the file: the writer without a sink only counts */
    clk_gguf_w_init_buf(&w, NULL, 0, e);
    CLK_TRY(write_head(q, &w));
    for (i = 0; i < n; i++) {
        CLK_TRY(clk_gguf_w_data(&w, NULL, q->pick[i].nbytes));
        CLK_TRY(clk_gguf_w_tensor_end(&w, q->pick[i].nbytes));
    }
    CLK_TRY(clk_gguf_w_finish(&w));
    q->file_bytes = w.pos;
    return CLK_OK;
}

clk_status clk_quant_init_gguf(clk_quant *q, const clk_gguf *g, const clk_quant_model *m, const clk_quant_opts *o,
                               clk_pool *pool, clk_arena *a, clk_err *e)
{
    clk_quant_tensor *t;
    void *mem;
    uint64_t i;
    int d;
    if (g->n_tensors > 0xFFFFFFFFu)
        return clk_fail(e, CLK_E_LIMIT, "quantize: %llu tensors (at most 2^32 - 1)", (unsigned long long)g->n_tensors);
    CLK_TRY(clk_arena_alloc(a, (size_t)g->n_tensors * sizeof *t, "quantize tensor list", &mem, e));
    t = (clk_quant_tensor *)mem;
    for (i = 0; i < g->n_tensors; i++) {
        const clk_gguf_tensor *gt = &g->tensors[i];
        t[i].name = gt->name;
        t[i].n_dims = gt->n_dims;
        for (d = 0; d < CLK_MAX_DIMS; d++) t[i].ne[d] = gt->ne[d];
        t[i].type = (int)gt->type;
        t[i].data = gt->data;
    }
    return clk_quant_init(q, g, t, (uint32_t)g->n_tensors, NULL, NULL, m, o, pool, a, e);
}

/* ---- a write buffer in front of the sink: the GGUF writer emits many
 * small pieces (every string of a vocabulary), the sink is a system call */
typedef struct wbuf {
    clk_out *down;
    uint8_t *buf; /* [cap] */
    size_t cap, len;
} wbuf;

static clk_status wbuf_flush(wbuf *b)
{
    if (b->len) {
        CLK_TRY(clk_out_write(b->down, b->buf, b->len));
        b->len = 0;
    }
    return CLK_OK;
}

static clk_status wbuf_write(void *ctx, const void *p, size_t n, clk_err *e)
{
    wbuf *b = (wbuf *)ctx;
    (void)e; /* the sink below reports into its own clk_err */
    if (n > b->cap - b->len) CLK_TRY(wbuf_flush(b));
    if (n >= b->cap) return clk_out_write(b->down, p, n);
    memcpy(b->buf + b->len, p, n);
    b->len += n;
    return CLK_OK;
}

/* ---- one chunk of rows, converted by every thread of the pool */
typedef struct chunk_job {
    clk_quant *q;
    const clk_quant_tensor *t;
    uint32_t src;       /* tensor index in the input list             */
    int type;           /* output type                                */
    int64_t ne0;        /* row length                                 */
    int64_t row0, n;    /* rows of the tensor in this chunk            */
    size_t in_row;      /* source bytes per row (tensors with data)    */
    size_t out_row;     /* output bytes per row                        */
    int64_t bad[CLK_MAX_THREADS]; /* per task: first non-finite element (row * ne0 + col) or -1 */
} chunk_job;

static void chunk_task(void *ctx, int task, int n_tasks)
{
    chunk_job *j = (chunk_job *)ctx;
    const clk_kernels *k = clk_port_kernels();
    int64_t r0 = j->n * task / n_tasks, r1 = j->n * (task + 1) / n_tasks, r, c;
    float *x = j->q->xf + r0 * j->ne0; /* [r1 - r0][ne0] */
    j->bad[task] = -1;
    if (r0 >= r1) return;
    if (j->t->data) {
        for (r = r0; r < r1; r++)
            k->dequant_row(j->t->type, j->t->data + (size_t)(j->row0 + r) * j->in_row, x + (r - r0) * j->ne0,
                           (int)j->ne0);
    } else {
        j->q->rows(j->q->rows_ctx, j->src, j->row0 + r0, r1 - r0, x);
    }
    /* NaN and infinity have an all-ones exponent; checked on the bits so
     * that no compiler setting can make the test vanish */
    for (c = 0; c < (r1 - r0) * j->ne0; c++)
        if ((clk_f32_bits(x[c]) & 0x7F800000u) == 0x7F800000u) {
            j->bad[task] = r0 * j->ne0 + c;
            return;
        }
    for (r = r0; r < r1; r++)
        clk_quantize_row(j->type, x + (r - r0) * j->ne0, j->q->yq + (size_t)r * j->out_row, j->ne0);
}

static clk_status convert_tensor(clk_quant *q, const clk_quant_pick *p, clk_gguf_writer *w, clk_err *e)
{
    chunk_job j;
    const clk_quant_tensor *t = &q->t[p->src];
    int64_t rows = 1, d;
    int task, n_tasks = q->pool ? clk_pool_threads(q->pool) : 1;
    for (d = 1; d < CLK_MAX_DIMS; d++) rows *= t->ne[d];
    memset(&j, 0, sizeof j);
    j.q = q;
    j.t = t;
    j.src = p->src;
    j.type = p->type;
    j.ne0 = t->ne[0];
    j.in_row = t->data ? clk_row_bytes(t->type, j.ne0) : 0;
    j.out_row = clk_row_bytes(p->type, j.ne0);
    if (n_tasks > CLK_MAX_THREADS) n_tasks = CLK_MAX_THREADS;
    for (j.row0 = 0; j.row0 < rows; j.row0 += j.n) {
        j.n = rows - j.row0 < q->chunk_rows ? rows - j.row0 : q->chunk_rows;
        if (q->pool && n_tasks > 1 && j.n > 1)
            clk_pool_run(q->pool, chunk_task, &j, n_tasks);
        else
            for (task = 0; task < n_tasks; task++) chunk_task(&j, task, n_tasks);
        for (task = 0; task < n_tasks; task++)
            if (j.bad[task] >= 0) {
                int64_t at = j.bad[task];
                return clk_fail(e, CLK_E_DATA,
                                "quantize: tensor '%.*s': row %lld, column %lld is not a finite number "
                                "(expected finite weights)",
                                (int)t->name.n, t->name.p, (long long)(j.row0 + at / j.ne0), (long long)(at % j.ne0));
            }
        CLK_TRY(clk_gguf_w_data(w, q->yq, (uint64_t)j.n * j.out_row));
    }
    return CLK_OK;
}

clk_status clk_quant_write(clk_quant *q, clk_out *out, clk_quant_progress_fn progress, void *ctx, clk_err *e)
{
    clk_gguf_writer w;
    wbuf b;
    clk_out o;
    uint32_t i;
    b.down = out;
    b.buf = q->wbuf;
    b.cap = CLK_QUANT_WBUF_BYTES;
    b.len = 0;
    o.write = wbuf_write;
    o.ctx = &b;
    o.err = e;
    clk_gguf_w_init_out(&w, &o, e);
    CLK_TRY(write_head(q, &w));
    for (i = 0; i < q->n_tensors; i++) {
        const clk_quant_pick *p = &q->pick[i];
        const clk_quant_tensor *t = &q->t[p->src];
        if (t->data && p->type == t->type)
            CLK_TRY(clk_gguf_w_data(&w, t->data, p->nbytes));
        else
            CLK_TRY(convert_tensor(q, p, &w, e));
        CLK_TRY(clk_gguf_w_tensor_end(&w, p->nbytes));
        if (progress) progress(ctx, q, i);
    }
    CLK_TRY(clk_gguf_w_finish(&w));
    CLK_TRY(wbuf_flush(&b));
    if (w.pos != q->file_bytes)
        return clk_fail(e, CLK_E_INTERNAL, "quantize: wrote %llu bytes, measured %llu", (unsigned long long)w.pos,
                        (unsigned long long)q->file_bytes);
    return CLK_OK;
}
