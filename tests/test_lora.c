/* test_lora.c - LoRA adapters (model.h clk_lora_load, forward.c) and
 * tools/make_lora.c, included here without its main().
 *
 * What is proven:
 *   - logits with adapters applied on the fly equal the logits of a model
 *     whose F32 weights were merged, W + s * B A with s = scale * alpha / r
 *     (token_embd: row t + s * B A[t]), built here with the GGUF writer;
 *     for one adapter on every kind of weight (q k v o gate up down output
 *     token_embd), for two adapters stacked, in F32 and F16, in the
 *     reference (f32 activation) path, within 2e-4 of the logits' range;
 *   - scale 0 gives the base model's bits; threads 1 and 3 and any batch
 *     split give the same bits with adapters;
 *   - the plan has "lora" lines exactly when an adapter is loaded, and
 *     init refuses a plan with room for a smaller rank;
 *   - adapters that do not fit fail with a message naming the tensor (or
 *     the key): wrong A or B shape, unknown base tensor, a norm as target,
 *     missing partner, another architecture, not an adapter, not LoRA,
 *     token_embd on a tied model; and the model is left without adapters.
 */
#define MAKE_LORA_NO_MAIN
#include "../tools/make_lora.c"
#include "forward.h"
#include "test.h"
#include "gguf_fixture.h"

/* ------------------------------------------------------------ harness */

typedef struct gfile {
    unsigned char *bytes;
    size_t len;
    void *idx;
    clk_gguf g;
} gfile;

static int gf_parse(gfile *f)
{
    clk_gguf_header h;
    clk_arena a;
    clk_err e;
    clk_plan p;
    if (clk_gguf_peek(f->bytes, f->len, &h, &e) != CLK_OK) {
        CHECK_MSG(0, "peek: %s", e.msg);
        return -1;
    }
    clk_plan_init(&p);
    clk_gguf_plan(&h, &p);
    f->idx = malloc((size_t)p.total + CLK_ALIGN);
    clk_arena_init(&a, (void *)(((uintptr_t)f->idx + CLK_ALIGN - 1) & ~(uintptr_t)(CLK_ALIGN - 1)), (size_t)p.total);
    if (clk_gguf_parse(&f->g, f->bytes, f->len, &a, &e) != CLK_OK) {
        CHECK_MSG(0, "parse: %s", e.msg);
        return -1;
    }
    return 0;
}

static void gf_free(gfile *f)
{
    free(f->bytes);
    free(f->idx);
    memset(f, 0, sizeof *f);
}

static uint64_t rs;
static double rnd(void) /* [-1, 1) */
{
    rs = rs * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rs >> 11) / 4503599627370496.0 - 1.0;
}

/* A tiny F32 llama (E32, 2 layers, vocab 32, untied unless `tied`) with
 * random weights: the fixture's tensors, values overwritten in place. */
static int base_model(gfile *f, int tied)
{
    fx_file fx;
    fx_spec s = fx_default("llama");
    uint64_t i;
    s.wtype = CLK_T_F32;
    s.tied = tied;
    fx_model(&fx, &s);
    f->bytes = fx_write(&fx, &f->len);
    if (!f->bytes || gf_parse(f)) return -1;
    rs = 12345;
    for (i = 0; i < f->g.n_tensors; i++) {
        const clk_gguf_tensor *t = &f->g.tensors[i];
        float *v = (float *)(void *)(f->bytes + (t->data - f->g.base));
        uint64_t n = t->nbytes / 4, j;
        int vec = t->n_dims == 1, emb = clk_str_eq(t->name, "token_embd.weight");
        for (j = 0; j < n; j++) v[j] = (float)(vec ? 1.0 + 0.1 * rnd() : (emb ? 0.5 : 0.15) * rnd());
    }
    return 0;
}

/* An adapter from make_lora's ml_write, in memory. */
static int make_adapter(gfile *f, const clk_gguf *base, const ml_config *c)
{
    clk_gguf_writer w;
    clk_err e;
    int n;
    clk_gguf_w_init_buf(&w, NULL, 0, &e);
    if (ml_write(base, c, &w, &n, &e) != CLK_OK) {
        CHECK_MSG(0, "ml_write: %s", e.msg);
        return -1;
    }
    f->len = (size_t)w.pos;
    f->bytes = (unsigned char *)malloc(f->len);
    clk_gguf_w_init_buf(&w, f->bytes, f->len, &e);
    if (ml_write(base, c, &w, &n, &e) != CLK_OK) {
        CHECK_MSG(0, "ml_write: %s", e.msg);
        return -1;
    }
    return gf_parse(f);
}

static int t_ends(clk_str s, const char *suf)
{
    size_t n = strlen(suf);
    return s.n >= n && !memcmp(s.p + s.n - n, suf, n);
}

static float elem(const clk_gguf_tensor *t, uint64_t i)
{
    if (t->type == CLK_T_F16) return clk_fp16_to_fp32(clk_rd16(t->data + 2 * i));
    return clk_bits_f32(clk_rd32(t->data + 4 * i));
}

/* Merge adapter ad (user scale `scale`) into the F32 weights of the
 * in-memory model file m (its bytes are modified in place). */
static void merge(gfile *m, const clk_gguf *ad, float scale)
{
    uint64_t i;
    float alpha = 0;
    clk_gguf_get_f32(ad, "adapter.lora.alpha", &alpha, NULL);
    for (i = 0; i < ad->n_tensors; i++) {
        const clk_gguf_tensor *A = &ad->tensors[i], *B, *W;
        char base[96], bn[112];
        float *w;
        int64_t r, k, n, row, col, j;
        double s;
        if (!t_ends(A->name, ".lora_a")) continue;
        snprintf(base, sizeof base, "%.*s", (int)A->name.n - 7, A->name.p);
        snprintf(bn, sizeof bn, "%s.lora_b", base);
        B = clk_gguf_tensor_find(ad, bn);
        W = clk_gguf_tensor_find(&m->g, base);
        w = (float *)(void *)(m->bytes + (W->data - m->g.base));
        r = B->ne[0];
        s = alpha != 0 ? (double)scale * alpha / (double)r : scale;
        k = W->ne[0], n = W->ne[1];
        for (row = 0; row < n; row++)
            for (col = 0; col < k; col++) {
                double d = 0;
                if (!strcmp(base, "token_embd.weight")) /* row = token, col = embedding dim */
                    for (j = 0; j < r; j++) d += (double)elem(B, (uint64_t)(col * r + j)) * elem(A, (uint64_t)(row * r + j));
                else
                    for (j = 0; j < r; j++) d += (double)elem(B, (uint64_t)(row * r + j)) * elem(A, (uint64_t)(j * k + col));
                w[row * k + col] = (float)(w[row * k + col] + s * d);
            }
    }
}

typedef struct run {
    clk_model m;
    clk_fwd f;
    void *block, *pool_mem;
    clk_pool *pool;
    clk_plan plan;
    clk_arena arena;
    void *lmem[4];
    clk_lora l[4];
} run;

static run R1, R2; /* clk_model is large: static */

/* Load model g with adapters ads[0..n) (scales sc), plan, init. */
static int run_open(run *x, const clk_gguf *g, const gfile *ads, const float *sc, int n, int threads, int batch)
{
    clk_err e;
    clk_run_opts o = clk_run_defaults();
    int i;
    memset(x, 0, sizeof *x);
    if (clk_model_load(&x->m, g, &e) != CLK_OK) {
        CHECK_MSG(0, "load: %s", e.msg);
        return -1;
    }
    for (i = 0; i < n; i++) {
        clk_gguf_header h;
        clk_arena a;
        h.n_tensors = ads[i].g.n_tensors;
        x->lmem[i] = malloc((size_t)clk_plan_round(clk_lora_bytes(&h)) + 1);
        clk_arena_init(&a, x->lmem[i], (size_t)clk_plan_round(clk_lora_bytes(&h)));
        if (clk_lora_load(&x->l[i], &x->m, &ads[i].g, sc[i], &a, &e) != CLK_OK) {
            CHECK_MSG(0, "lora: %s", e.msg);
            return -1;
        }
    }
    o.n_ctx = 64, o.n_batch = batch, o.n_threads = threads, o.n_out = 64, o.act = CLK_ACT_F32;
    o.lora_rank = x->m.lora_rank_max;
    clk_plan_init(&x->plan);
    CHECK_OK(clk_fwd_plan(&x->m.hp, &o, &x->plan), e);
    x->block = calloc(1, (size_t)x->plan.total + CLK_ALIGN);
    clk_arena_init(&x->arena, (void *)(((uintptr_t)x->block + CLK_ALIGN - 1) & ~(uintptr_t)(CLK_ALIGN - 1)),
                   (size_t)x->plan.total);
    if (clk_arena_alloc(&x->arena, clk_pool_bytes(threads), "threads", &x->pool_mem, &e) != CLK_OK) return -1;
    if (threads > 1) {
        clk_oserr oe;
        if (clk_pool_start(&x->pool, x->pool_mem, threads, &oe) != 0) return -1;
    }
    if (clk_fwd_init(&x->f, &x->m, &o, x->pool, &x->arena, &e) != CLK_OK) {
        CHECK_MSG(0, "init: %s", e.msg);
        return -1;
    }
    CHECK_EQ(x->arena.used, x->plan.total);
    x->f.inline_work = 0;
    return 0;
}

static void run_close(run *x)
{
    int i;
    if (x->pool) clk_pool_stop(x->pool);
    free(x->block);
    for (i = 0; i < 4; i++) free(x->lmem[i]);
}

#define NTOK 20
static const int32_t toks[NTOK] = {1, 5, 9, 3, 17, 22, 31, 0, 8, 8, 12, 29, 4, 2, 7, 19, 25, 30, 11, 6};

static int logits_all(run *x, float *out)
{
    clk_err e;
    int rows[NTOK], i;
    for (i = 0; i < NTOK; i++) rows[i] = i;
    if (clk_fwd_eval(&x->f, toks, NTOK, 0, rows, NTOK, &e) != CLK_OK) {
        CHECK_MSG(0, "eval: %s", e.msg);
        return -1;
    }
    memcpy(out, x->f.logits, sizeof(float) * NTOK * 32);
    return 0;
}

/* max |a - b| relative to the range of b */
static double rel_diff(const float *a, const float *b, int n)
{
    double mx = 0, lo = 1e300, hi = -1e300;
    int i;
    for (i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (d > mx) mx = d;
        if (b[i] < lo) lo = b[i];
        if (b[i] > hi) hi = b[i];
    }
    return mx / (hi - lo);
}

static float L0[NTOK * 32], L1[NTOK * 32], L2[NTOK * 32];

/* base + adapters (on the fly) vs merged weights */
static void check_merge(const ml_config *cs, const float *scales, int n)
{
    gfile base, merged, ads[2];
    int i;
    double d, moved;
    memset(ads, 0, sizeof ads);
    memset(&merged, 0, sizeof merged);
    if (base_model(&base, 0)) return;
    for (i = 0; i < n; i++)
        if (make_adapter(&ads[i], &base.g, &cs[i])) return;
    if (run_open(&R1, &base.g, NULL, NULL, 0, 1, 64) || logits_all(&R1, L0)) return;
    run_close(&R1);
    if (run_open(&R1, &base.g, ads, scales, n, 1, 64) || logits_all(&R1, L1)) return;
    run_close(&R1);
    merged.len = base.len;
    merged.bytes = (unsigned char *)malloc(base.len);
    memcpy(merged.bytes, base.bytes, base.len);
    if (gf_parse(&merged)) return;
    for (i = 0; i < n; i++) merge(&merged, &ads[i].g, scales[i]);
    if (run_open(&R2, &merged.g, NULL, NULL, 0, 1, 64) || logits_all(&R2, L2)) return;
    run_close(&R2);
    d = rel_diff(L1, L2, NTOK * 32);
    moved = rel_diff(L0, L2, NTOK * 32);
    printf("  %d adapter(s): |on the fly - merged| = %.2e, |base - merged| = %.2e (of the logits' range)\n", n, d,
           moved);
    CHECK_MSG(d < 2e-4, "on the fly vs merged: %g", d);
    CHECK_MSG(moved > 1e-2, "the adapter should move the logits: %g", moved); /* the test means something */
    gf_free(&base);
    gf_free(&merged);
    for (i = 0; i < n; i++) gf_free(&ads[i]);
}

static const char *ALL = "attn_q,attn_k,attn_v,attn_output,ffn_gate,ffn_up,ffn_down,output,token_embd";

static void test_merged_equals_on_the_fly(void)
{
    ml_config c;
    float sc = 0.7f;
    ml_config_init(&c);
    c.rank = 4;
    c.alpha = 8;
    c.targets = ALL;
    c.std_a = c.std_b = 0.2;
    check_merge(&c, &sc, 1);
}

static void test_two_adapters_and_f16(void)
{
    ml_config c[2];
    float sc[2] = {1.0f, -0.5f};
    ml_config_init(&c[0]);
    ml_config_init(&c[1]);
    c[0].rank = 8, c[0].alpha = 0, c[0].targets = "attn_q,ffn_down,output", c[0].std_a = c[0].std_b = 0.2;
    c[1].rank = 2, c[1].alpha = 4, c[1].seed = 7, c[1].type = CLK_T_F16, c[1].targets = ALL;
    c[1].std_a = c[1].std_b = 0.3;
    check_merge(c, sc, 2);
}

static void test_scale_zero_threads_batches(void)
{
    gfile base, ad;
    ml_config c;
    float s0 = 0.0f, s1 = 1.0f;
    memset(&ad, 0, sizeof ad);
    if (base_model(&base, 0)) return;
    ml_config_init(&c);
    c.targets = ALL;
    if (make_adapter(&ad, &base.g, &c)) return;
    if (run_open(&R1, &base.g, NULL, NULL, 0, 1, 64) || logits_all(&R1, L0)) return;
    CHECK(R1.plan.n > 0);
    {
        int i, has = 0;
        for (i = 0; i < R1.plan.n; i++) has |= !strcmp(R1.plan.line[i].name, "lora");
        CHECK(!has); /* no adapter, no lora lines */
    }
    run_close(&R1);
    if (run_open(&R1, &base.g, &ad, &s0, 1, 1, 64) || logits_all(&R1, L1)) return;
    {
        int i, has = 0;
        for (i = 0; i < R1.plan.n; i++) has |= !strcmp(R1.plan.line[i].name, "lora");
        CHECK(has);
    }
    run_close(&R1);
    CHECK(!memcmp(L0, L1, sizeof L0)); /* s = 0: y += 0 * B A x changes no bit */
    if (run_open(&R1, &base.g, &ad, &s1, 1, 1, 64) || logits_all(&R1, L1)) return;
    run_close(&R1);
    if (run_open(&R1, &base.g, &ad, &s1, 1, 3, 5) || logits_all(&R1, L2)) return;
    run_close(&R1);
    CHECK(!memcmp(L1, L2, sizeof L1)); /* 3 threads, batches of 5: same bits */
    CHECK(memcmp(L0, L1, sizeof L0) != 0);
    /* a plan without room for the rank is refused */
    {
        clk_err e;
        clk_run_opts o = clk_run_defaults();
        clk_gguf_header h;
        clk_arena a;
        void *mem;
        static unsigned char blk[1 << 20];
        memset(&R1, 0, sizeof R1);
        CHECK_OK(clk_model_load(&R1.m, &base.g, &e), e);
        h.n_tensors = ad.g.n_tensors;
        mem = malloc((size_t)clk_plan_round(clk_lora_bytes(&h)));
        clk_arena_init(&a, mem, (size_t)clk_plan_round(clk_lora_bytes(&h)));
        CHECK_OK(clk_lora_load(&R1.l[0], &R1.m, &ad.g, 1.0f, &a, &e), e);
        CHECK_EQ(R1.m.lora_rank_max, 8);
        o.n_ctx = 16;
        o.lora_rank = 4;
        clk_arena_init(&a, blk, sizeof blk);
        CHECK(clk_fwd_init(&R1.f, &R1.m, &o, NULL, &a, &e) == CLK_E_ARG);
        CHECK(strstr(e.msg, "rank 8") != NULL);
        free(mem);
    }
    gf_free(&base);
    gf_free(&ad);
}

/* ------------------------------------------------------------ errors */

/* A hand-made adapter: llama keys, and tensors named/shaped by the caller. */
static void bad_adapter(fx_file *fx)
{
    memset(fx, 0, sizeof *fx);
    fx->version = 3;
    fx_set_str(fx, "general.architecture", "llama");
    fx_set_str(fx, "general.type", "adapter");
    fx_set_str(fx, "adapter.type", "lora");
    fx_set_f32(fx, "adapter.lora.alpha", 8);
}

/* bad_adapter() holding one F32 pair for base weight w: w.lora_a [a0, a1]
 * and w.lora_b [b0, b1]. */
static void bad_pair(fx_file *fx, const char *w, int a0, int a1, int b0, int b1)
{
    char name[128];
    bad_adapter(fx);
    snprintf(name, sizeof name, "%s.lora_a", w);
    fx_add_t(fx, name, CLK_T_F32, a0, a1);
    snprintf(name, sizeof name, "%s.lora_b", w);
    fx_add_t(fx, name, CLK_T_F32, b0, b1);
}

/* Load fx as an adapter on a fresh model from base; expect failure with
 * status st and every one of the words in the message. */
static void expect_fail(const clk_gguf *base, fx_file *fx, clk_status st, const char *w1, const char *w2)
{
    gfile ad;
    clk_err e;
    clk_arena a;
    static unsigned char blk[1 << 16];
    clk_status got;
    int il;
    memset(&ad, 0, sizeof ad);
    ad.bytes = fx_write(fx, &ad.len);
    if (!ad.bytes || gf_parse(&ad)) return;
    memset(&R1, 0, sizeof R1);
    CHECK_OK(clk_model_load(&R1.m, base, &e), e);
    clk_arena_init(&a, blk, sizeof blk);
    got = clk_lora_load(&R1.l[0], &R1.m, &ad.g, 1.0f, &a, &e);
    CHECK_MSG(got == st, "status %s, expected %s (%s)", clk_status_name(got), clk_status_name(st), e.msg);
    if (got != CLK_OK) {
        CHECK_MSG(strstr(e.msg, w1) != NULL, "'%s' not in: %s", w1, e.msg);
        if (w2) CHECK_MSG(strstr(e.msg, w2) != NULL, "'%s' not in: %s", w2, e.msg);
        printf("  ok: %s\n", e.msg);
    }
    if (got == CLK_OK) { /* the good case: q of layer 0 and down of layer 1, the norm skipped */
        CHECK(R1.m.layer[0].wq.lora != NULL && R1.m.layer[1].w_down.lora != NULL && R1.m.layer[1].wq.lora == NULL);
        CHECK_EQ(R1.l[0].n_skipped, 1);
        CHECK_EQ(R1.l[0].n_w, 2);
        CHECK_NEAR(R1.m.layer[0].wq.lora->scale, 2.0, 0); /* alpha 8 / rank 4 */
        gf_free(&ad);
        return;
    }
    /* nothing attached */
    CHECK_EQ(R1.m.n_lora, 0);
    CHECK(R1.m.output.lora == NULL && R1.m.tok_embd.lora == NULL);
    for (il = 0; il < R1.m.hp.n_layer; il++) CHECK(R1.m.layer[il].wq.lora == NULL && R1.m.layer[il].w_down.lora == NULL);
    gf_free(&ad);
}

static void test_errors_name_the_tensor(void)
{
    gfile base, tied;
    fx_file fx;
    if (base_model(&base, 0) || base_model(&tied, 1)) return;
    /* fine: q and down, plus a norm that is skipped */
    bad_adapter(&fx);
    fx_add_t(&fx, "blk.0.attn_q.weight.lora_a", CLK_T_F32, 32, 4);
    fx_add_t(&fx, "blk.0.attn_q.weight.lora_b", CLK_T_F32, 4, 32);
    fx_add_t(&fx, "blk.1.ffn_down.weight.lora_a", CLK_T_F32, 64, 4);
    fx_add_t(&fx, "blk.1.ffn_down.weight.lora_b", CLK_T_F32, 4, 32);
    fx_add_t(&fx, "blk.1.ffn_norm.weight", CLK_T_F32, 32, 0);
    expect_fail(&base.g, &fx, CLK_OK, "", NULL);
    /* A's k does not fit (ffn_down is [64, 32]) */
    bad_pair(&fx, "blk.1.ffn_down.weight", 32, 4, 4, 32);
    expect_fail(&base.g, &fx, CLK_E_DATA, "blk.1.ffn_down.weight.lora_a", "do not fit");
    /* A and B ranks differ */
    bad_pair(&fx, "blk.0.attn_k.weight", 32, 4, 8, 16);
    expect_fail(&base.g, &fx, CLK_E_DATA, "blk.0.attn_k.weight", "do not fit");
    /* B's n does not fit */
    bad_pair(&fx, "blk.0.attn_k.weight", 32, 4, 4, 32);
    expect_fail(&base.g, &fx, CLK_E_DATA, "blk.0.attn_k.weight", "[32, 16]");
    /* unknown base tensor */
    bad_pair(&fx, "blk.7.attn_q.weight", 32, 4, 4, 32);
    expect_fail(&base.g, &fx, CLK_E_DATA, "blk.7.attn_q.weight", "does not exist");
    /* a norm is not a matrix */
    bad_pair(&fx, "output_norm.weight", 32, 4, 4, 1);
    expect_fail(&base.g, &fx, CLK_E_UNSUPPORTED, "output_norm.weight", "not a matrix");
    /* missing partner, either way */
    bad_adapter(&fx);
    fx_add_t(&fx, "blk.0.attn_v.weight.lora_a", CLK_T_F32, 32, 4);
    expect_fail(&base.g, &fx, CLK_E_DATA, "blk.0.attn_v.weight.lora_b", "no partner");
    bad_adapter(&fx);
    fx_add_t(&fx, "blk.0.attn_v.weight.lora_b", CLK_T_F32, 4, 16);
    expect_fail(&base.g, &fx, CLK_E_DATA, "blk.0.attn_v.weight.lora_a", "no partner");
    /* an unexpected tensor name */
    bad_adapter(&fx);
    fx_add_t(&fx, "blk.0.attn_q.weight.lora_c", CLK_T_F32, 32, 4);
    expect_fail(&base.g, &fx, CLK_E_DATA, "blk.0.attn_q.weight.lora_c", ".lora_a");
    /* the first bad pair is reported and nothing is attached, even after good ones */
    bad_adapter(&fx);
    fx_add_t(&fx, "blk.0.attn_q.weight.lora_a", CLK_T_F32, 32, 4);
    fx_add_t(&fx, "blk.0.attn_q.weight.lora_b", CLK_T_F32, 4, 32);
    fx_add_t(&fx, "blk.9.ffn_up.weight.lora_a", CLK_T_F32, 32, 4);
    fx_add_t(&fx, "blk.9.ffn_up.weight.lora_b", CLK_T_F32, 4, 64);
    expect_fail(&base.g, &fx, CLK_E_DATA, "blk.9.ffn_up.weight", NULL);
    /* architecture, type keys */
    bad_adapter(&fx);
    fx_set_str(&fx, "general.architecture", "qwen2");
    expect_fail(&base.g, &fx, CLK_E_DATA, "general.architecture", "\"llama\"");
    bad_adapter(&fx);
    fx_set_str(&fx, "general.type", "model");
    expect_fail(&base.g, &fx, CLK_E_DATA, "general.type", "adapter");
    bad_adapter(&fx);
    fx_del(&fx, "general.type");
    expect_fail(&base.g, &fx, CLK_E_DATA, "general.type", "missing");
    bad_adapter(&fx);
    fx_set_str(&fx, "adapter.type", "control_vector");
    expect_fail(&base.g, &fx, CLK_E_DATA, "adapter.type", "lora");
    /* token_embd on a tied model; output.weight that a tied model lacks */
    bad_pair(&fx, "token_embd.weight", 4, 32, 4, 32);
    expect_fail(&tied.g, &fx, CLK_E_UNSUPPORTED, "token_embd.weight", "ties");
    bad_pair(&fx, "output.weight", 32, 4, 4, 32);
    expect_fail(&tied.g, &fx, CLK_E_DATA, "output.weight", "tied");
    gf_free(&base);
    gf_free(&tied);
}

static void test_make_lora_shapes_and_determinism(void)
{
    gfile base, a1, a2, a3;
    ml_config c;
    memset(&a1, 0, sizeof a1), memset(&a2, 0, sizeof a2), memset(&a3, 0, sizeof a3);
    if (base_model(&base, 0)) return;
    ml_config_init(&c);
    if (make_adapter(&a1, &base.g, &c) || make_adapter(&a2, &base.g, &c)) return;
    c.seed = 2;
    if (make_adapter(&a3, &base.g, &c)) return;
    CHECK(a1.len == a2.len && !memcmp(a1.bytes, a2.bytes, a1.len));
    CHECK(a1.len == a3.len && memcmp(a1.bytes, a3.bytes, a1.len) != 0);
    CHECK_EQ(a1.g.n_tensors, 2 * 7 * 2); /* 7 matrices per layer, 2 layers, A and B */
    {
        const clk_gguf_tensor *a = clk_gguf_tensor_find(&a1.g, "blk.1.ffn_down.weight.lora_a");
        const clk_gguf_tensor *b = clk_gguf_tensor_find(&a1.g, "blk.1.ffn_down.weight.lora_b");
        clk_str s;
        CHECK(a && b);
        if (a && b) {
            CHECK(a->ne[0] == 64 && a->ne[1] == 8 && b->ne[0] == 8 && b->ne[1] == 32);
            /* the documented formula */
            CHECK(elem(a, 5) == ml_value(ml_key(1, "blk.1.ffn_down.weight.lora_a"), 5, 0.05));
        }
        CHECK(clk_gguf_get_str(&a1.g, "general.type", &s, NULL) == CLK_OK && clk_str_eq(s, "adapter"));
    }
    gf_free(&base);
    gf_free(&a1);
    gf_free(&a2);
    gf_free(&a3);
}

/* ------------------------------------------------------------ the CLI */

static int save(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(p, 1, n, f) == n;
    if (f) fclose(f);
    return ok ? 0 : -1;
}

/* Run a shell command; its exit status, and the first line of its stderr in err. */
static int sh(const char *cmd, char *err, size_t cap)
{
    char full[2048];
    FILE *p;
    int st;
    snprintf(full, sizeof full, "%s 2>&1 >/dev/null", cmd);
    p = popen(full, "r");
    if (!p) return -1;
    err[0] = 0;
    if (!fgets(err, (int)cap, p)) err[0] = 0;
    while (fgetc(p) != EOF) {
    }
    st = pclose(p);
    return st >= 0 && (st & 0x7f) == 0 ? (st >> 8) & 0xff : -1;
}

static void test_cli_lora(void)
{
    const char *bin = getenv("CLK_BIN");
    gfile base, ad;
    ml_config c;
    float s = 0.7f;
    char cmd[1024], err[1024];
    static float got[32];
    FILE *f;
    int i;
    fx_file fx;
    if (!bin) SKIP("CLK_BIN not set (make test sets it)");
    memset(&ad, 0, sizeof ad);
    if (base_model(&base, 0)) return;
    ml_config_init(&c);
    c.targets = ALL;
    if (make_adapter(&ad, &base.g, &c)) return;
    if (save("build/test_lora.base.gguf", base.bytes, base.len) || save("build/test_lora.a.gguf", ad.bytes, ad.len))
        return;
    f = fopen("build/test_lora.tokens", "w");
    for (i = 0; i < NTOK; i++) fprintf(f, "%d ", toks[i]);
    fclose(f);
    /* the library's logits for the same adapter and scale */
    if (run_open(&R1, &base.g, &ad, &s, 1, 1, 64) || logits_all(&R1, L1)) return;
    run_close(&R1);
    snprintf(cmd, sizeof cmd,
             "%s logits build/test_lora.base.gguf --tokens build/test_lora.tokens --out build/test_lora.f32 "
             "--lora build/test_lora.a.gguf --lora-scale 0.7",
             bin);
    CHECK_EQ(sh(cmd, err, sizeof err), 0);
    CHECK(strstr(err, "adapter build/test_lora.a.gguf: 16 weights adapted, rank up to 8, alpha 16, scale 0.7") != NULL);
    f = fopen("build/test_lora.f32", "rb");
    CHECK(f && fread(got, 4, 32, f) == 32);
    if (f) fclose(f);
    CHECK(!memcmp(got, L1 + (NTOK - 1) * 32, sizeof got)); /* the last row, bit for bit */
    /* the same adapter twice at scale 0.35 each is close to once at 0.7 */
    snprintf(cmd, sizeof cmd,
             "%s logits build/test_lora.base.gguf --tokens build/test_lora.tokens --out build/test_lora2.f32 "
             "--lora=build/test_lora.a.gguf --lora-scale=0.35 --lora build/test_lora.a.gguf --lora-scale 0.35",
             bin);
    CHECK_EQ(sh(cmd, err, sizeof err), 0);
    f = fopen("build/test_lora2.f32", "rb");
    {
        static float two[32];
        CHECK(f && fread(two, 4, 32, f) == 32);
        CHECK(rel_diff(two, got, 32) < 1e-5);
    }
    if (f) fclose(f);
    /* usage and bad adapters: exit 2, a message naming the problem */
    snprintf(cmd, sizeof cmd, "%s logits build/test_lora.base.gguf --tokens build/test_lora.tokens --out x --lora-scale 2",
             bin);
    CHECK_EQ(sh(cmd, err, sizeof err), 2);
    CHECK(strstr(err, "no --lora before it") != NULL);
    bad_adapter(&fx);
    fx_add_t(&fx, "blk.1.ffn_down.weight.lora_a", CLK_T_F32, 32, 4);
    fx_add_t(&fx, "blk.1.ffn_down.weight.lora_b", CLK_T_F32, 4, 32);
    {
        size_t n;
        unsigned char *b = fx_write(&fx, &n);
        if (!b || save("build/test_lora.bad.gguf", b, n)) return;
        free(b);
    }
    snprintf(cmd, sizeof cmd,
             "%s generate build/test_lora.base.gguf -p abc -n 2 --lora build/test_lora.bad.gguf", bin);
    CHECK_EQ(sh(cmd, err, sizeof err), 2);
    CHECK(strstr(err, "build/test_lora.bad.gguf: adapter: tensor 'blk.1.ffn_down.weight.lora_a'") != NULL);
    printf("  %s", err);
    gf_free(&base);
    gf_free(&ad);
}

int main(int argc, char **argv)
{
    TEST_INIT(argc, argv);
    RUN(test_merged_equals_on_the_fly);
    RUN(test_two_adapters_and_f16);
    RUN(test_scale_zero_threads_batches);
    RUN(test_errors_name_the_tensor);
    RUN(test_make_lora_shapes_and_determinism);
    RUN(test_cli_lora);
    return TEST_DONE();
}
