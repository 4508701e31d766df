/* test_make_model.c - tools/make_model.c, included here without its main().
 *
 * What is proven:
 *   - the random numbers are the documented formula (recomputed here from
 *     the text of make_model.c's header) and have the documented mean and
 *     spread;
 *   - a model of every architecture loads in clika (clk_model_load), with
 *     the tensor count and hyper-parameters the configuration asks for,
 *     in F32 and quantized;
 *   - the same seed gives the same bytes, another seed other bytes, and a
 *     tensor's values do not depend on the other tensors;
 *   - a model written directly in a type is byte for byte the F32 model put
 *     through the quantize stage;
 *   - the learned BPE vocabulary is a valid llama.cpp BPE vocabulary for
 *     clika's tokenizer: the tokenizer reproduces the learner's segmentation
 *     of every word of the corpus (so the declared pre-tokenizer and merges
 *     are what tokenization really does), and text of all 7 languages of
 *     fixtures/clika-mini (and unseen text) round-trips;
 *   - the default preset; a copied vocabulary (../shared) is copied exactly.
 */
#define MAKE_MODEL_NO_MAIN
#include "../tools/make_model.c"
#include "quant_util.h"

static clk_model g_model;

#define CORPUS_SMALL "fixtures/clika-mini/x_geo"
#define CORPUS_FULL "fixtures/clika-mini"

/* ---- the documented PRNG, written again from the header comment */
static uint64_t doc_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void test_prng(void)
{
    const char *name = "blk.3.ffn_up.weight";
    uint64_t h = 0xCBF29CE484222325ull, key, i;
    const char *p;
    double sum = 0, sq = 0, lim = 0.05 * sqrt(3.0);
    int inside = 1;
    const uint64_t n = 200000;
    for (p = name; *p; p++) h = (h ^ (unsigned char)*p) * 0x100000001B3ull;
    key = doc_mix(42 ^ h);
    CHECK(key == mm_tensor_key(42, name));
    for (i = 0; i < 3; i++) {
        uint64_t at = i * 1000003, x = doc_mix(key + (at + 1) * 0x9E3779B97F4A7C15ull);
        double u = (double)(x >> 11) / 9007199254740992.0;
        float want = (float)(1.0 + 0.1 * sqrt(3.0) * (2 * u - 1));
        CHECK(mm_value(key, at, 1.0, 0.1) == want);
    }
    for (i = 0; i < n; i++) {
        double v = mm_value(key, i, 0.0, 0.05);
        sum += v;
        sq += v * v;
        if (fabs(v) > lim) inside = 0;
    }
    CHECK(inside);
    CHECK_NEAR(sum / n, 0.0, 0.0005);
    CHECK_NEAR(sqrt(sq / n), 0.05, 0.0005);
    CHECK(mm_tensor_key(42, name) != mm_tensor_key(43, name));
    CHECK(mm_tensor_key(42, name) != mm_tensor_key(42, "blk.3.ffn_down.weight"));
}

/* ---- models of every architecture */

static void small_config(mm_config *c, clk_arch arch)
{
    mm_config_init(c, arch);
    c->n_embd = 128;
    c->n_layer = 3;
    c->n_head = 4;
    c->n_head_kv = 2;
    c->n_ff = 256;
    c->n_ctx = 512;
    c->bpe_corpus = CORPUS_SMALL;
    c->vocab_size = 512;
    c->seed = 7;
    if (arch == CLK_ARCH_QWEN3) c->head_dim = 64; /* != n_embd / n_head, as Qwen3 */
    if (arch == CLK_ARCH_GEMMA3) {
        c->swa = 16;
        c->swa_pattern = 2;
    }
}

static clk_status make(const mm_config *c, membuf *out, mm_result *r, clk_err *e)
{
    clk_out o = membuf_out(out, e);
    out->len = 0;
    return mm_make(c, &o, r, e);
}

static int expected_tensors(const mm_config *c)
{
    int per = 9;
    if (c->arch == CLK_ARCH_QWEN2) per += 3;                                  /* q, k, v biases   */
    if (c->arch == CLK_ARCH_QWEN3 || c->arch == CLK_ARCH_GEMMA3) per += 2;    /* q, k norms       */
    if (c->arch == CLK_ARCH_GEMMA2 || c->arch == CLK_ARCH_GEMMA3) per += 2;   /* post norms       */
    return 2 + !c->tied + per * c->n_layer;
}

static void test_every_arch_loads(void)
{
    int a;
    for (a = 0; a < CLK_ARCH_COUNT; a++) {
        mm_config c;
        membuf out = {0};
        mm_result r;
        parsed p;
        clk_err e;
        const clk_hparams *hp = &g_model.hp;
        const clk_gguf_tensor *t;
        int ft;
        small_config(&c, (clk_arch)a);
        if (a == CLK_ARCH_LLAMA) c.tied = 0;
        CHECK_OK(make(&c, &out, &r, &e), e);
        CHECK_OK(parse_buf(&p, out.p, out.len, &e), e);
        CHECK_OK(clk_model_load(&g_model, &p.g, &e), e);
        CHECK_MSG(p.g.n_tensors == (uint64_t)expected_tensors(&c), "%s: %llu tensors", clk_arch_name((clk_arch)a),
                  (unsigned long long)p.g.n_tensors);
        CHECK_EQ(r.n_tensors, p.g.n_tensors);
        CHECK_EQ(out.len, r.file_bytes);
        CHECK_EQ(hp->arch, a);
        CHECK_EQ(hp->n_embd, 128);
        CHECK_EQ(hp->n_layer, 3);
        CHECK_EQ(hp->n_head[2], 4);
        CHECK_EQ(hp->n_head_kv[2], 2);
        CHECK_EQ(hp->n_ff[0], 256);
        CHECK_EQ(hp->n_vocab, 512);
        CHECK_EQ(hp->head_dim_k, a == CLK_ARCH_QWEN3 ? 64 : 32);
        CHECK_EQ(hp->tied_output, a != CLK_ARCH_LLAMA);
        CHECK_EQ(hp->qkv_bias, a == CLK_ARCH_QWEN2);
        CHECK_NEAR(hp->rope_base, a == CLK_ARCH_LLAMA || a == CLK_ARCH_GEMMA2 ? 10000.0 : 1e6, 1e-3);
        if (a == CLK_ARCH_GEMMA2) {
            CHECK_NEAR(hp->attn_softcap, 50, 0);
            CHECK_NEAR(hp->final_softcap, 30, 0);
        }
        if (a == CLK_ARCH_GEMMA3) {
            CHECK_EQ(hp->n_swa, 16);
            CHECK(hp->swa_layer[0] && !hp->swa_layer[1] && hp->swa_layer[2]);
            CHECK_NEAR(hp->rope_base_swa, 10000.0, 0);
        }
        /* values: the stream of each tensor, and the recipe's scales */
        t = clk_gguf_tensor_find(&p.g, "blk.1.attn_norm.weight");
        CHECK(t && t->type == CLK_T_F32);
        if (t) {
            float v0, v9;
            memcpy(&v0, t->data, 4);
            memcpy(&v9, t->data + 36, 4);
            CHECK(v0 == mm_value(mm_tensor_key(7, "blk.1.attn_norm.weight"), 0, 1.0, 0.1));
            CHECK(v9 == mm_value(mm_tensor_key(7, "blk.1.attn_norm.weight"), 9, 1.0, 0.1));
            CHECK(v0 > 1 - 0.1733 && v0 < 1 + 0.1733);
        }
        t = clk_gguf_tensor_find(&p.g, "token_embd.weight");
        if (t) {
            float v;
            memcpy(&v, t->data + 4 * 1000, 4);
            CHECK(v == mm_value(mm_tensor_key(7, "token_embd.weight"), 1000, 0.0,
                                a >= CLK_ARCH_GEMMA2 ? 1.0 / sqrt(128.0) : 0.2));
        }
        parsed_free(&p);
        /* quantized: loads, every matrix in a quantized type */
        for (ft = 0; ft < 2; ft++) {
            c.ftype = ft ? CLK_FTYPE_Q4_K_M : CLK_FTYPE_Q8_0;
            CHECK_OK(make(&c, &out, &r, &e), e);
            CHECK_OK(parse_buf(&p, out.p, out.len, &e), e);
            CHECK_OK(clk_model_load(&g_model, &p.g, &e), e);
            CHECK_EQ(r.type_count[CLK_T_F32] + r.type_count[CLK_T_Q8_0] + r.type_count[CLK_T_Q4_K] +
                         r.type_count[CLK_T_Q5_0] + r.type_count[CLK_T_Q6_K] + r.type_count[CLK_T_F16],
                     r.n_tensors);
            CHECK(r.type_count[CLK_T_F32] < r.n_tensors);
            parsed_free(&p);
        }
        membuf_free(&out);
    }
}

static void test_deterministic(void)
{
    mm_config c;
    membuf a = {0}, b = {0};
    mm_result r;
    parsed pa, pb;
    clk_err e;
    const clk_gguf_tensor *ta, *tb;
    small_config(&c, CLK_ARCH_QWEN2);
    c.ftype = CLK_FTYPE_Q4_0;
    CHECK_OK(make(&c, &a, &r, &e), e);
    CHECK_OK(make(&c, &b, &r, &e), e);
    CHECK(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
    c.n_threads = 2; /* threads: the same bytes */
    CHECK_OK(make(&c, &b, &r, &e), e);
    CHECK(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
    c.seed = 8;
    CHECK_OK(make(&c, &b, &r, &e), e);
    CHECK(a.len == b.len && memcmp(a.p, b.p, a.len) != 0);
    /* a tensor's values do not depend on the rest: one more layer, same blk.0 */
    c.seed = 7;
    c.n_layer = 4;
    CHECK_OK(make(&c, &b, &r, &e), e);
    CHECK_OK(parse_buf(&pa, a.p, a.len, &e), e);
    CHECK_OK(parse_buf(&pb, b.p, b.len, &e), e);
    ta = clk_gguf_tensor_find(&pa.g, "blk.0.ffn_down.weight");
    tb = clk_gguf_tensor_find(&pb.g, "blk.0.ffn_down.weight");
    CHECK(ta && tb && ta->nbytes == tb->nbytes && memcmp(ta->data, tb->data, (size_t)ta->nbytes) == 0);
    parsed_free(&pa);
    parsed_free(&pb);
    membuf_free(&a);
    membuf_free(&b);
}

/* Writing in a type directly == F32 file + the quantize stage. */
static void test_direct_equals_quantize(void)
{
    static const int ft[] = {CLK_FTYPE_Q8_0, CLK_FTYPE_Q4_0, CLK_FTYPE_Q4_K_M, CLK_FTYPE_Q5_K_M, CLK_FTYPE_F16};
    size_t k, n_ft = t_quick() ? 2 : sizeof ft / sizeof ft[0];
    int a;
    if (t_quick()) printf("  quick mode (CLK_TEST_QUICK): Q8_0 and Q4_0 only\n");
    for (a = 0; a < CLK_ARCH_COUNT; a += 2) { /* llama, qwen3, gemma3 */
        mm_config c;
        membuf f32 = {0}, direct = {0}, via = {0};
        mm_result r;
        parsed p;
        clk_err e;
        small_config(&c, (clk_arch)a);
        c.n_embd = 256; /* K-quant blocks fit */
        c.n_ff = 512;
        if (a == CLK_ARCH_QWEN3) c.head_dim = 128;
        CHECK_OK(make(&c, &f32, &r, &e), e);
        CHECK_OK(parse_buf(&p, f32.p, f32.len, &e), e);
        for (k = 0; k < n_ft; k++) {
            static clk_quant q;
            c.ftype = ft[k];
            CHECK_OK(make(&c, &direct, &r, &e), e);
            via.len = 0;
            CHECK_OK(quantize_mem(&p.g, ft[k], NULL, 1, &via, &q, NULL, &e), e);
            CHECK_MSG(direct.len == via.len && memcmp(direct.p, via.p, via.len) == 0, "%s %s: direct != quantize",
                      clk_arch_name((clk_arch)a), clk_quant_ftype_name(ft[k]));
        }
        parsed_free(&p);
        membuf_free(&f32);
        membuf_free(&direct);
        membuf_free(&via);
    }
}

static void test_bad_configs(void)
{
    mm_config c;
    membuf out = {0};
    mm_result r;
    clk_err e;
    small_config(&c, CLK_ARCH_LLAMA);
    c.n_head_kv = 3;
    CHECK_EQ(make(&c, &out, &r, &e), CLK_E_ARG);
    small_config(&c, CLK_ARCH_GEMMA2);
    c.tied = 0;
    CHECK_EQ(make(&c, &out, &r, &e), CLK_E_ARG);
    CHECK(strstr(e.msg, "tied") != NULL);
    small_config(&c, CLK_ARCH_QWEN2);
    c.bpe_corpus = NULL;
    CHECK_EQ(make(&c, &out, &r, &e), CLK_E_ARG);
    small_config(&c, CLK_ARCH_QWEN2);
    c.bpe_corpus = "fixtures/clika-mini/no-such-dir";
    CHECK_EQ(make(&c, &out, &r, &e), CLK_E_IO);
    small_config(&c, CLK_ARCH_QWEN2);
    c.vocab_size = 100;
    CHECK_EQ(make(&c, &out, &r, &e), CLK_E_ARG);
    CHECK_EQ(out.len, 0);
    membuf_free(&out);
}

/* ---- the learned vocabulary with clika's tokenizer */

/* The tokenizer of a vocabulary: its metadata as a tensor-less GGUF. */
typedef struct vtok {
    membuf meta;
    parsed p;
    void *mem;
    clk_tok tok;
} vtok;

static clk_status vtok_init(vtok *t, const mm_config *c, const mm_vocab *v, size_t max_text, clk_err *e)
{
    clk_gguf_writer w;
    clk_out o = membuf_out(&t->meta, e);
    clk_plan plan;
    clk_arena a;
    uint64_t n_kv;
    memset(t, 0, sizeof *t);
    clk_gguf_w_init_buf(&w, NULL, 0, e);
    CLK_TRY(clk_gguf_w_begin(&w, 3, UINT32_MAX, 0));
    CLK_TRY(mm_write_kv(&w, c, v));
    n_kv = w.kv_done;
    clk_gguf_w_init_out(&w, &o, e);
    CLK_TRY(clk_gguf_w_begin(&w, 3, n_kv, 0));
    CLK_TRY(mm_write_kv(&w, c, v));
    CLK_TRY(clk_gguf_w_finish(&w));
    CLK_TRY(parse_buf(&t->p, t->meta.p, t->meta.len, e));
    clk_plan_init(&plan);
    CLK_TRY(clk_tok_plan(&t->p.g, max_text, &plan, e));
    t->mem = malloc((size_t)plan.total + CLK_ALIGN);
    clk_arena_init(&a, qu_aligned(t->mem), (size_t)plan.total);
    return clk_tok_init(&t->tok, &t->p.g, max_text, &a, e);
}

static void vtok_free(vtok *t)
{
    parsed_free(&t->p);
    membuf_free(&t->meta);
    free(t->mem);
}

static int roundtrip(vtok *t, const char *text, size_t len, size_t *n_tok)
{
    int32_t *ids = (int32_t *)malloc(sizeof *ids * (clk_tok_max_tokens(len) + 1));
    char *back = (char *)malloc(len * 2 + 64);
    size_t n = 0, blen = 0;
    clk_err e;
    int ok = clk_tok_encode(&t->tok, text, len, 0, 0, ids, clk_tok_max_tokens(len) + 1, &n, &e) == CLK_OK &&
             clk_tok_decode(&t->tok, ids, n, CLK_TOK_DEC_NO_CLEAN, back, len * 2 + 64, &blen, &e) == CLK_OK &&
             blen == len && memcmp(back, text, len) == 0;
    *n_tok = n;
    free(ids);
    free(back);
    return ok;
}

static void test_learned_bpe(void)
{
    static const char *const langs[7] = {"en", "zh", "de", "fr", "ja", "ru", "ar"};
    mm_config c;
    mm_vocab v;
    vtok t;
    clk_err e;
    uint32_t w, i, mismatched = 0;
    int l;
    const char *unseen = "Zürich, Ελληνικά και 🙂🙂 — ﻿ 12345 \t\r\n x";
    size_t n;
    mm_preset(&c, "default", CORPUS_FULL);
    memset(&v, 0, sizeof v);
    CHECK_OK(mm_vocab_learn(&v, CORPUS_FULL, c.vocab_size, c.bpe_tokens, &e), e);
    CHECK_EQ(v.n_vocab, 4096);
    CHECK(v.n_learned > 256 && v.n_learned <= 4093);
    CHECK(v.n_merges >= v.n_learned - 256); /* a repeated spelling reuses its token */
    CHECK_STR(v.tok[v.eos], "<|endoftext|>");
    CHECK_EQ(v.type[v.eos], CLK_TOKTYPE_CONTROL);
    CHECK_EQ(v.type[65], CLK_TOKTYPE_NORMAL);
    CHECK_STR(v.tok[65], "A");
    CHECK_STR(v.tok[32], "\xc4\xa0"); /* GPT-2's character for the space byte: U+0120 */
    for (i = 0; i < v.n_merges; i++) /* merges only join tokens that exist before them */
        CHECK_MSG(v.bpe.merge[i][0] < (int32_t)v.n_learned && v.bpe.merge[i][1] < (int32_t)v.n_learned,
                  "merge %u", i);
    CHECK_OK(vtok_init(&t, &c, &v, 1 << 16, &e), e);
    CHECK_EQ(clk_tok_n_vocab(&t.tok), 4096);
    CHECK_STR(t.tok.pre_name, "qwen2");
    CHECK(clk_tok_is_eog(&t.tok, v.eos));
    /* the tokenizer cuts every corpus word exactly as the learner did */
    for (w = 0; w < v.bpe.words.n; w++) {
        size_t len, k;
        const uint8_t *p = mm_str(&v.bpe.words, w, &len);
        int32_t ids[4096];
        if (clk_tok_encode(&t.tok, (const char *)p, len, 0, 0, ids, 4096, &n, &e) != CLK_OK ||
            n != v.bpe.seg_len[w]) {
            mismatched++;
            continue;
        }
        for (k = 0; k < n; k++)
            if (ids[k] != v.bpe.seg[v.bpe.seg_off[w] + k]) {
                mismatched++;
                break;
            }
    }
    CHECK_MSG(mismatched == 0, "%u of %u words tokenized differently from the learner", mismatched, v.bpe.words.n);
    printf("  %u merges, %u learned tokens, %u corpus words all tokenized as learned\n", v.n_merges, v.n_learned,
           v.bpe.words.n);
    /* the prompts of every language round-trip, compressed */
    for (l = 0; l < 7; l++) {
        char path[256];
        unsigned char *text;
        size_t len, bytes = 0, toks = 0;
        clk_jsonl r;
        const char *line;
        size_t llen;
        snprintf(path, sizeof path, "fixtures/clika-mini/x_geo/x_geo_%s_model_input.jsonl", langs[l]);
        text = t_slurp(path, &len);
        CHECK_MSG(text != NULL, "%s", path);
        if (!text) continue;
        clk_jsonl_init(&r, text, len);
        while (clk_jsonl_next(&r, &line, &llen)) {
            static char mem[1 << 20];
            clk_arena a;
            clk_json_doc d;
            const clk_json *in;
            clk_arena_init(&a, qu_aligned(mem), sizeof mem - CLK_ALIGN);
            if (clk_json_parse(line, llen, path, r.line, &a, &d, &e) != CLK_OK) continue;
            in = clk_json_get(&d, d.root, "input");
            if (!in) continue;
            CHECK_MSG(roundtrip(&t, in->u.s, in->n, &n), "%s line %llu", path, (unsigned long long)r.line);
            bytes += in->n;
            toks += n;
        }
        printf("  x_geo %s: %zu bytes -> %zu tokens (%.2f bytes per token)\n", langs[l], bytes, toks,
               toks ? (double)bytes / (double)toks : 0.0);
        CHECK(toks > 0 && bytes > 2 * toks);
        free(text);
    }
    CHECK(roundtrip(&t, unseen, strlen(unseen), &n));
    vtok_free(&t);
    mm_vocab_free(&v);
}

static void test_default_preset(void)
{
    mm_config c;
    membuf out = {0};
    mm_result r;
    parsed p;
    clk_err e;
    CHECK_EQ(mm_preset(&c, "default", CORPUS_FULL), 0);
    CHECK_EQ(c.arch, CLK_ARCH_QWEN2);
    CHECK_EQ(c.n_embd, 128);
    CHECK_EQ(c.n_layer, 4);
    CHECK_EQ(c.n_ff, 384);
    CHECK_EQ(c.ftype, CLK_FTYPE_Q8_0);
    CHECK_OK(make(&c, &out, &r, &e), e);
    CHECK_OK(parse_buf(&p, out.p, out.len, &e), e);
    CHECK_OK(clk_model_load(&g_model, &p.g, &e), e);
    CHECK_EQ(g_model.hp.n_vocab, 4096);
    CHECK_EQ(g_model.hp.head_dim_k, 32);
    CHECK_EQ(r.type_count[CLK_T_Q8_0], 1 + 7 * 4);
    CHECK_EQ(r.type_count[CLK_T_F32], 1 + 5 * 4);
    printf("  default model: %llu bytes, %llu parameters\n", (unsigned long long)out.len,
           (unsigned long long)r.n_params);
    parsed_free(&p);
    CHECK_EQ(mm_preset(&c, "qwen2.5-0.5b", CORPUS_FULL), 0);
    CHECK(c.n_embd == 896 && c.n_layer == 24 && c.n_head == 14 && c.n_head_kv == 2 && c.n_ff == 4864);
    CHECK(c.vocab_size == 151936 && c.tied && c.rope_base == 1e6f && c.rms_eps == 1e-6f);
    CHECK(mm_preset(&c, "nope", CORPUS_FULL) != 0);
    membuf_free(&out);
}

/* --vocab: every tokenizer.* pair of the file, unchanged */
static void test_vocab_copy(void)
{
    char path[1200];
    mm_config c;
    membuf out = {0};
    mm_result r;
    parsed p;
    clk_err e;
    mm_vocab v;
    uint64_t i, copied = 0;
    if (!t_shared()) SKIP("../shared absent");
    snprintf(path, sizeof path, "%s/vocab/ggml-vocab-gpt-2.gguf", t_shared());
    small_config(&c, CLK_ARCH_QWEN2);
    c.n_embd = 64;
    c.n_layer = 1;
    c.n_ff = 64;
    c.vocab = path;
    c.bpe_corpus = NULL;
    c.ftype = CLK_FTYPE_Q8_0;
    CHECK_OK(make(&c, &out, &r, &e), e);
    CHECK_EQ(r.n_vocab, 50257);
    CHECK_OK(parse_buf(&p, out.p, out.len, &e), e);
    CHECK_OK(clk_model_load(&g_model, &p.g, &e), e);
    memset(&v, 0, sizeof v);
    CHECK_OK(mm_vocab_from_file(&v, path, &e), e);
    for (i = 0; i < v.g.n_kv; i++) {
        const clk_gguf_kv *a = &v.g.kv[i], *b;
        char key[256];
        if (a->key.n < 10 || memcmp(a->key.p, "tokenizer.", 10) != 0) continue;
        snprintf(key, sizeof key, "%.*s", (int)a->key.n, a->key.p);
        b = clk_gguf_find(&p.g, key);
        CHECK_MSG(b && b->type == a->type && b->val_bytes == a->val_bytes && !memcmp(a->val, b->val, a->val_bytes),
                  "%s", key);
        copied++;
    }
    CHECK(copied >= 5);
    mm_vocab_free(&v);
    parsed_free(&p);
    membuf_free(&out);
}

int main(int argc, char **argv)
{
    TEST_INIT(argc, argv);
    RUN(test_prng);
    RUN(test_every_arch_loads);
    RUN(test_deterministic);
    RUN(test_direct_equals_quantize);
    RUN(test_bad_configs);
    RUN(test_learned_bpe);
    RUN(test_default_preset);
    RUN(test_vocab_copy);
    return TEST_DONE();
}
