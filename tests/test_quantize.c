/* test_quantize.c - the quantize stage (src/quantize.c) and `clika quantize`.
 *
 * What is proven:
 *   - the mix rules, checked on tensor lists alone against counts worked out
 *     by hand from the rules (a 32-layer Llama, a 24-layer Qwen2.5-0.5B shape
 *     whose 144 fallbacks the llama.cpp reference note reports, an 80-layer
 *     70B shape, 172-wide rows);
 *   - on a model written here (no ../shared needed): every file type loads
 *     in clika, keeps what must be kept byte for byte, converts within the
 *     type's error, moves general.file_type / quantization_version to the
 *     end, is identical for 1 and 2 threads, is a fixed point when
 *     re-quantized to its own type; NaN weights are refused by name;
 *   - with ../shared: the whole output file equals llama-quantize's, byte for
 *     byte: the shared llama-* files (10 types) and stories260k-q8_0 (made
 *     with ffn_down=f16), and, by SHA-256 of llama-quantize's output, the
 *     f16 models of qwen2/qwen3/gemma2/gemma3, llama-bf16, and two
 *     re-quantizations;
 *   - the command: exit codes, nothing written on failure or --dry-run.
 */
#include "quant_util.h"

/* ================================================================ helpers */

static clk_model g_model; /* ~300 KB: static */

/* A deterministic uniform value in [-a, a] (a 64-bit LCG, test-local). */
static uint64_t g_lcg;
static float lcg_uniform(float a)
{
    g_lcg = g_lcg * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((double)(g_lcg >> 40) / 16777216.0 * 2.0 - 1.0) * a;
}

/* A small llama model in F32, written here: E=256, 4 heads / 2 KV heads,
 * FF=512, V rows; tied or not; a NaN at weight nan_at of blk.1.ffn_up when
 * nan_at >= 0. Carries general.file_type and general.alignment (to be
 * rewritten) and a string array (to be copied). */
static void synth_model(membuf *out, int tied, int n_layer, int V, long nan_at)
{
    const int E = 256, FF = 512;
    static const char *const strs[3] = {"alpha", "", "gamma delta"};
    clk_gguf_writer w;
    clk_err e;
    clk_out o = membuf_out(out, &e);
    char name[64];
    int il, t, n_t = 2 + !tied + 9 * n_layer;
    struct { const char *fmt; int ne0, ne1; float mean, a; } per[9] = {
        {"blk.%d.attn_norm.weight", E, 0, 1.0f, 0.1f},    {"blk.%d.attn_q.weight", E, E, 0, 0.08f},
        {"blk.%d.attn_k.weight", E, E / 2, 0, 0.08f},     {"blk.%d.attn_v.weight", E, E / 2, 0, 0.08f},
        {"blk.%d.attn_output.weight", E, E, 0, 0.08f},    {"blk.%d.ffn_norm.weight", E, 0, 1.0f, 0.1f},
        {"blk.%d.ffn_gate.weight", E, FF, 0, 0.08f},      {"blk.%d.ffn_up.weight", E, FF, 0, 0.08f},
        {"blk.%d.ffn_down.weight", FF, E, 0, 0.08f}};
    int64_t ne[2];
    g_lcg = 12345;
    clk_gguf_w_init_out(&w, &o, &e);
    clk_gguf_w_begin(&w, 3, 12, (uint64_t)n_t);
    clk_gguf_w_str(&w, "general.architecture", "llama");
    clk_gguf_w_u32(&w, "general.file_type", 0);
    clk_gguf_w_str(&w, "general.name", "synthetic");
    clk_gguf_w_u32(&w, "general.alignment", 32);
    clk_gguf_w_u32(&w, "llama.context_length", 256);
    clk_gguf_w_u32(&w, "llama.embedding_length", (uint32_t)E);
    clk_gguf_w_u32(&w, "llama.block_count", (uint32_t)n_layer);
    clk_gguf_w_u32(&w, "llama.feed_forward_length", (uint32_t)FF);
    clk_gguf_w_u32(&w, "llama.attention.head_count", 4);
    clk_gguf_w_u32(&w, "llama.attention.head_count_kv", 2);
    clk_gguf_w_f32(&w, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
    clk_gguf_w_arr_str(&w, "test.strings", strs, 3);
    ne[0] = E, ne[1] = V;
    clk_gguf_w_tensor_info(&w, "token_embd.weight", 2, ne, CLK_T_F32);
    clk_gguf_w_tensor_info(&w, "output_norm.weight", 1, ne, CLK_T_F32);
    if (!tied) clk_gguf_w_tensor_info(&w, "output.weight", 2, ne, CLK_T_F32);
    for (il = 0; il < n_layer; il++)
        for (t = 0; t < 9; t++) {
            snprintf(name, sizeof name, per[t].fmt, il);
            ne[0] = per[t].ne0, ne[1] = per[t].ne1;
            clk_gguf_w_tensor_info(&w, name, per[t].ne1 ? 2 : 1, ne, CLK_T_F32);
        }
    /* data in info order */
    {
        int k;
        long i, n;
        float v;
        for (k = 0; k < 2 + !tied; k++) {
            n = k == 1 ? E : (long)E * V;
            for (i = 0; i < n; i++) {
                v = k == 1 ? 1.0f + lcg_uniform(0.1f) : lcg_uniform(0.3f);
                clk_gguf_w_data(&w, &v, 4);
            }
            clk_gguf_w_tensor_end(&w, (uint64_t)n * 4);
        }
        for (il = 0; il < n_layer; il++)
            for (t = 0; t < 9; t++) {
                n = (long)per[t].ne0 * (per[t].ne1 ? per[t].ne1 : 1);
                for (i = 0; i < n; i++) {
                    v = per[t].mean + lcg_uniform(per[t].a);
                    if (il == 1 && t == 7 && i == nan_at) v = (float)NAN;
                    clk_gguf_w_data(&w, &v, 4);
                }
                clk_gguf_w_tensor_end(&w, (uint64_t)n * 4);
            }
    }
    if (clk_gguf_w_finish(&w) != CLK_OK) printf("  synth_model: %s\n", e.msg);
}

static const clk_gguf_tensor *find_t(const clk_gguf *g, const char *name) { return clk_gguf_tensor_find(g, name); }

static const char *tname(const clk_quant_tensor *t, const clk_quant_pick *p)
{
    static char buf[CLK_MAX_NAME];
    memcpy(buf, t[p->src].name.p, (size_t)t[p->src].name.n);
    buf[t[p->src].name.n] = 0;
    return buf;
}

/* ================================================================ names and options */

static void test_ftype_parse(void)
{
    clk_err e;
    int f = -1;
    CHECK_OK(clk_quant_ftype_parse("q4_k_m", &f, &e), e);
    CHECK_EQ(f, CLK_FTYPE_Q4_K_M);
    CHECK_OK(clk_quant_ftype_parse("Q4_K", &f, &e), e); /* llama-quantize's alias */
    CHECK_EQ(f, CLK_FTYPE_Q4_K_M);
    CHECK_OK(clk_quant_ftype_parse("q5_k", &f, &e), e);
    CHECK_EQ(f, CLK_FTYPE_Q5_K_M);
    CHECK_OK(clk_quant_ftype_parse("7", &f, &e), e);
    CHECK_EQ(f, CLK_FTYPE_Q8_0);
    CHECK_OK(clk_quant_ftype_parse("BF16", &f, &e), e);
    CHECK_EQ(f, CLK_FTYPE_BF16);
    CHECK_EQ(clk_quant_ftype_type(CLK_FTYPE_Q5_K_S), CLK_T_Q5_K);
    CHECK_STR(clk_quant_ftype_name(CLK_FTYPE_Q6_K), "Q6_K");
    CHECK_EQ(clk_quant_ftype_parse("Q3_K_M", &f, &e), CLK_E_ARG); /* no Q3_K quantizer */
    CHECK(strstr(e.msg, "Q3_K_M") != NULL);
    CHECK_EQ(clk_quant_ftype_parse("10", &f, &e), CLK_E_ARG);
    CHECK_EQ(clk_quant_ftype_parse("", &f, &e), CLK_E_ARG);
}

static void test_override_parse(void)
{
    clk_quant_opts o;
    clk_err e;
    clk_quant_opts_init(&o, CLK_FTYPE_Q8_0);
    CHECK_OK(clk_quant_parse_overrides(&o, "ffn_down=f16,blk.0.attn_v=Q6_K", &e), e);
    CHECK_EQ(o.n_override, 2);
    CHECK_STR(o.override[0].pattern, "ffn_down");
    CHECK_EQ(o.override[0].type, CLK_T_F16);
    CHECK_STR(o.override[1].pattern, "blk.0.attn_v");
    CHECK_EQ(o.override[1].type, CLK_T_Q6_K);
    CHECK_EQ(clk_quant_parse_overrides(&o, "ffn_down", &e), CLK_E_ARG);
    CHECK_EQ(clk_quant_parse_overrides(&o, "=f16", &e), CLK_E_ARG);
    CHECK_EQ(clk_quant_parse_overrides(&o, "x=q3_K", &e), CLK_E_ARG); /* clika cannot write Q3_K */
    CHECK(strstr(e.msg, "q3_K") != NULL);
}

/* ================================================================ the rules, by hand */

/* A tensor list for an architecture-neutral decoder: token_embd, [output],
 * output_norm, and per layer the nine llama tensors. */
typedef struct tlist {
    clk_quant_tensor t[4 + 9 * 80];
    char names[4 + 9 * 80][CLK_MAX_NAME];
    uint32_t n;
} tlist;

static void tl_add(tlist *l, const char *name, int64_t ne0, int64_t ne1)
{
    clk_quant_tensor *t = &l->t[l->n];
    snprintf(l->names[l->n], CLK_MAX_NAME, "%s", name);
    memset(t, 0, sizeof *t);
    t->name.p = l->names[l->n];
    t->name.n = strlen(name);
    t->n_dims = ne1 ? 2 : 1;
    t->ne[0] = ne0;
    t->ne[1] = ne1 ? ne1 : 1;
    t->ne[2] = t->ne[3] = 1;
    t->type = CLK_T_F32;
    l->n++;
}

static tlist g_tl;

static void tl_build(tlist *l, int n_layer, int E, int E_kv, int FF, int V, int tied)
{
    char n[CLK_MAX_NAME];
    int il;
    l->n = 0;
    /* deliberately not in llama-quantize's order: the stage sorts */
    for (il = n_layer - 1; il >= 0; il--) {
#define A(s, a, b) (snprintf(n, sizeof n, "blk.%d." s, il), tl_add(l, n, a, b))
        A("ffn_up.weight", E, FF);
        A("attn_v.weight", E, E_kv);
        A("attn_norm.weight", E, 0);
        A("attn_q.weight", E, E);
        A("attn_k.weight", E, E_kv);
        A("attn_output.weight", E, E);
        A("ffn_norm.weight", E, 0);
        A("ffn_gate.weight", E, FF);
        A("ffn_down.weight", FF, E);
#undef A
    }
    tl_add(l, "token_embd.weight", E, V);
    if (!tied) tl_add(l, "output.weight", E, V);
    tl_add(l, "output_norm.weight", E, 0);
}

static clk_quant_pick g_picks[4 + 9 * 80];

static int choose(int ftype, int pure, const char *ovr, int n_layer, int is_70b)
{
    clk_quant_opts o;
    clk_quant_model m;
    clk_err e;
    clk_quant_opts_init(&o, ftype);
    o.pure = pure;
    if (ovr && clk_quant_parse_overrides(&o, ovr, &e) != CLK_OK) return -1;
    m.n_layer = n_layer;
    m.is_70b = is_70b;
    if (clk_quant_choose(g_tl.t, g_tl.n, &m, &o, g_picks, &e) != CLK_OK) {
        printf("  choose: %s\n", e.msg);
        return -1;
    }
    return 0;
}

static int type_of(const char *name)
{
    uint32_t i;
    for (i = 0; i < g_tl.n; i++)
        if (!strcmp(tname(g_tl.t, &g_picks[i]), name)) return g_picks[i].type;
    return -1;
}

static int why_of(const char *name)
{
    uint32_t i;
    for (i = 0; i < g_tl.n; i++)
        if (!strcmp(tname(g_tl.t, &g_picks[i]), name)) return g_picks[i].why;
    return -1;
}

/* Layers whose attn_v and ffn_down the _M mixes raise, for 32 layers, from
 * the rule "first eighth, last eighth, every third layer from n/8 + 2":
 * 0-3, 6, 9, 12, 15, 18, 21, 24, 27, 28-31. */
static int raised32(int il)
{
    static const int set[] = {0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31};
    size_t k;
    for (k = 0; k < sizeof set / sizeof set[0]; k++)
        if (set[k] == il) return 1;
    return 0;
}

static void test_order(void)
{
    uint32_t i;
    tl_build(&g_tl, 12, 256, 128, 512, 1000, 0);
    CHECK(choose(CLK_FTYPE_Q4_K_M, 0, NULL, 12, 0) == 0);
    CHECK_STR(tname(g_tl.t, &g_picks[0]), "output.weight");
    CHECK_STR(tname(g_tl.t, &g_picks[1]), "output_norm.weight");
    CHECK_STR(tname(g_tl.t, &g_picks[2]), "token_embd.weight");
    CHECK_STR(tname(g_tl.t, &g_picks[3]), "blk.0.attn_k.weight");
    CHECK_STR(tname(g_tl.t, &g_picks[4]), "blk.0.attn_norm.weight");
    CHECK_STR(tname(g_tl.t, &g_picks[7]), "blk.0.attn_v.weight");
    CHECK_STR(tname(g_tl.t, &g_picks[11]), "blk.0.ffn_up.weight");
    /* blocks by number, not by text: blk.9 before blk.10 */
    CHECK_STR(tname(g_tl.t, &g_picks[3 + 9 * 9]), "blk.9.attn_k.weight");
    CHECK_STR(tname(g_tl.t, &g_picks[3 + 9 * 10]), "blk.10.attn_k.weight");
    for (i = 1; i < g_tl.n; i++) CHECK(g_picks[i - 1].layer <= g_picks[i].layer);
}

static void test_mix_llama32(void)
{
    char n[64];
    int il, n_q6 = 0;
    tl_build(&g_tl, 32, 4096, 1024, 11008, 32000, 0);
    CHECK(choose(CLK_FTYPE_Q4_K_M, 0, NULL, 32, 0) == 0);
    CHECK_EQ(type_of("output.weight"), CLK_T_Q6_K);
    CHECK_EQ(why_of("output.weight"), CLK_QWHY_MIX);
    CHECK_EQ(type_of("token_embd.weight"), CLK_T_Q4_K); /* untied: no special rule */
    CHECK_EQ(type_of("output_norm.weight"), CLK_T_F32);
    CHECK_EQ(why_of("output_norm.weight"), CLK_QWHY_KEEP);
    for (il = 0; il < 32; il++) {
        int want = raised32(il) ? CLK_T_Q6_K : CLK_T_Q4_K;
        snprintf(n, sizeof n, "blk.%d.attn_v.weight", il);
        CHECK_EQ(type_of(n), want);
        snprintf(n, sizeof n, "blk.%d.ffn_down.weight", il);
        CHECK_EQ(type_of(n), want);
        n_q6 += raised32(il);
        snprintf(n, sizeof n, "blk.%d.attn_q.weight", il);
        CHECK_EQ(type_of(n), CLK_T_Q4_K);
        snprintf(n, sizeof n, "blk.%d.ffn_gate.weight", il);
        CHECK_EQ(type_of(n), CLK_T_Q4_K);
    }
    CHECK_EQ(n_q6, 16);
    /* Q5_K_M: the same layers raised, the rest Q5_K */
    CHECK(choose(CLK_FTYPE_Q5_K_M, 0, NULL, 32, 0) == 0);
    CHECK_EQ(type_of("blk.6.attn_v.weight"), CLK_T_Q6_K);
    CHECK_EQ(type_of("blk.7.attn_v.weight"), CLK_T_Q5_K);
    CHECK_EQ(type_of("blk.27.ffn_down.weight"), CLK_T_Q6_K);
    CHECK_EQ(type_of("blk.26.ffn_down.weight"), CLK_T_Q5_K);
    /* Q4_K_S: attn_v of the first 4 layers and ffn_down of the first n/8 */
    CHECK(choose(CLK_FTYPE_Q4_K_S, 0, NULL, 32, 0) == 0);
    CHECK_EQ(type_of("blk.3.attn_v.weight"), CLK_T_Q5_K);
    CHECK_EQ(type_of("blk.4.attn_v.weight"), CLK_T_Q4_K);
    CHECK_EQ(type_of("blk.3.ffn_down.weight"), CLK_T_Q5_K);
    CHECK_EQ(type_of("blk.4.ffn_down.weight"), CLK_T_Q4_K);
    CHECK_EQ(type_of("output.weight"), CLK_T_Q6_K);
    /* Q5_K_S has no rule but the output one */
    CHECK(choose(CLK_FTYPE_Q5_K_S, 0, NULL, 32, 0) == 0);
    CHECK_EQ(type_of("blk.0.attn_v.weight"), CLK_T_Q5_K);
    /* legacy types: only the output is raised; Q8_0 keeps it */
    CHECK(choose(CLK_FTYPE_Q4_0, 0, NULL, 32, 0) == 0);
    CHECK_EQ(type_of("output.weight"), CLK_T_Q6_K);
    CHECK_EQ(type_of("blk.0.attn_v.weight"), CLK_T_Q4_0);
    CHECK(choose(CLK_FTYPE_Q8_0, 0, NULL, 32, 0) == 0);
    CHECK_EQ(type_of("output.weight"), CLK_T_Q8_0);
    CHECK_EQ(why_of("output.weight"), 0);
    /* float files: every matrix, no rules; vectors kept */
    CHECK(choose(CLK_FTYPE_F16, 0, "ffn_down=q8_0", 32, 0) == 0); /* overrides ignored, as llama.cpp */
    CHECK_EQ(type_of("output.weight"), CLK_T_F16);
    CHECK_EQ(type_of("blk.0.ffn_down.weight"), CLK_T_F16);
    CHECK_EQ(type_of("blk.0.ffn_norm.weight"), CLK_T_F32);
    /* --pure: no rules */
    CHECK(choose(CLK_FTYPE_Q4_K_M, 1, NULL, 32, 0) == 0);
    CHECK_EQ(type_of("output.weight"), CLK_T_Q4_K);
    CHECK_EQ(type_of("blk.0.attn_v.weight"), CLK_T_Q4_K);
    /* an override skips the rules for its tensors only; counters of the
     * others are unaffected */
    CHECK(choose(CLK_FTYPE_Q4_K_M, 0, "ffn_down=f16", 32, 0) == 0);
    CHECK_EQ(type_of("blk.5.ffn_down.weight"), CLK_T_F16);
    CHECK_EQ(why_of("blk.5.ffn_down.weight"), CLK_QWHY_OVERRIDE);
    CHECK_EQ(type_of("blk.6.attn_v.weight"), CLK_T_Q6_K);
    /* tied output: token_embd takes the output rule */
    tl_build(&g_tl, 32, 4096, 1024, 11008, 32000, 1);
    CHECK(choose(CLK_FTYPE_Q4_K_M, 0, NULL, 32, 0) == 0);
    CHECK_EQ(type_of("token_embd.weight"), CLK_T_Q6_K);
}

static void test_mix_70b(void)
{
    tl_build(&g_tl, 80, 8192, 1024, 28672, 32000, 0);
    CHECK(choose(CLK_FTYPE_Q4_K_M, 0, NULL, 80, 1) == 0);
    /* 80 layers: raised are 0-9, 70-79 and 12, 15, ..., 69 */
    CHECK_EQ(type_of("blk.12.attn_v.weight"), CLK_T_Q6_K);
    CHECK_EQ(type_of("blk.11.attn_v.weight"), CLK_T_Q5_K); /* 70B: Q4_K attn_v -> Q5_K */
    CHECK_EQ(type_of("blk.11.ffn_down.weight"), CLK_T_Q4_K);
    CHECK(choose(CLK_FTYPE_Q4_K_M, 0, NULL, 80, 0) == 0);
    CHECK_EQ(type_of("blk.11.attn_v.weight"), CLK_T_Q4_K);
}

/* Qwen2.5-0.5B's widths: 896 and 4864 (= 19 x 256). The llama.cpp reference
 * note reports 144 of its 290 tensors falling back under Q4_K_M. */
static void test_fallbacks_qwen05(void)
{
    uint32_t i, n_fb = 0, n_type[CLK_T_COUNT] = {0};
    char n[64];
    int il;
    tl_build(&g_tl, 24, 896, 128, 4864, 151936, 1);
    /* qwen2 also has 3 bias vectors per layer: they only add kept tensors */
    for (il = 0; il < 24; il++) {
        snprintf(n, sizeof n, "blk.%d.attn_q.bias", il);
        tl_add(&g_tl, n, 896, 0);
        snprintf(n, sizeof n, "blk.%d.attn_k.bias", il);
        tl_add(&g_tl, n, 128, 0);
        snprintf(n, sizeof n, "blk.%d.attn_v.bias", il);
        tl_add(&g_tl, n, 128, 0);
    }
    CHECK_EQ(g_tl.n, 290);
    CHECK(choose(CLK_FTYPE_Q4_K_M, 0, NULL, 24, 0) == 0);
    for (i = 0; i < g_tl.n; i++) {
        n_fb += (g_picks[i].why & CLK_QWHY_FALLBACK) != 0;
        n_type[g_picks[i].type]++;
    }
    CHECK_EQ(n_fb, 144);
    CHECK_EQ(type_of("token_embd.weight"), CLK_T_Q8_0); /* output rule: 896 fits no 256-block */
    CHECK_EQ(why_of("token_embd.weight"), CLK_QWHY_MIX);
    CHECK_EQ(type_of("blk.0.attn_q.weight"), CLK_T_Q5_0);
    CHECK_EQ(why_of("blk.0.attn_q.weight"), CLK_QWHY_FALLBACK);
    CHECK_EQ(type_of("blk.0.attn_v.weight"), CLK_T_Q8_0); /* raised to Q6_K, falls back */
    CHECK_EQ(why_of("blk.0.attn_v.weight"), CLK_QWHY_MIX | CLK_QWHY_FALLBACK);
    /* 24 layers: raised are 0-2, 21-23 and 5, 8, 11, 14, 17, 20 */
    CHECK_EQ(type_of("blk.3.attn_v.weight"), CLK_T_Q5_0);
    CHECK_EQ(type_of("blk.5.attn_v.weight"), CLK_T_Q8_0);
    CHECK_EQ(type_of("blk.20.attn_v.weight"), CLK_T_Q8_0);
    CHECK_EQ(type_of("blk.5.ffn_down.weight"), CLK_T_Q6_K);
    CHECK_EQ(type_of("blk.0.ffn_down.weight"), CLK_T_Q6_K); /* 4864 rows fit */
    CHECK_EQ(type_of("blk.1.ffn_down.weight"), CLK_T_Q6_K);
    CHECK_EQ(type_of("blk.4.ffn_down.weight"), CLK_T_Q4_K);
    CHECK_EQ(n_type[CLK_T_F32], 121);
    CHECK_EQ(n_type[CLK_T_Q5_0], 132);
    CHECK_EQ(n_type[CLK_T_Q8_0], 13);
    CHECK_EQ(n_type[CLK_T_Q4_K], 12);
    CHECK_EQ(n_type[CLK_T_Q6_K], 12);
}

static void test_fallback_f16(void)
{
    /* stories260K: ffn_down rows of 172 fit no block at all */
    tl_build(&g_tl, 5, 64, 32, 172, 512, 0);
    CHECK(choose(CLK_FTYPE_Q8_0, 0, NULL, 5, 0) == 0);
    CHECK_EQ(type_of("blk.0.ffn_down.weight"), CLK_T_F16);
    CHECK_EQ(why_of("blk.0.ffn_down.weight"), CLK_QWHY_FALLBACK | CLK_QWHY_F16 | CLK_QWHY_NOT_LLAMA);
    CHECK_EQ(type_of("output.weight"), CLK_T_Q8_0);
    CHECK(choose(CLK_FTYPE_Q4_K_M, 0, NULL, 5, 0) == 0);
    /* Q4_K -> Q5_0 -> still no fit -> F16, a fallback llama.cpp defines */
    CHECK_EQ(type_of("blk.1.ffn_down.weight"), CLK_T_F16);
    CHECK_EQ(why_of("blk.1.ffn_down.weight"), CLK_QWHY_FALLBACK | CLK_QWHY_F16);
    /* 5 layers: layer 2 is raised ((2 - 5/8) % 3 == 2): Q6_K -> Q8_0 -> F16 */
    CHECK_EQ(why_of("blk.2.ffn_down.weight"), CLK_QWHY_MIX | CLK_QWHY_FALLBACK | CLK_QWHY_F16);
    CHECK_EQ(type_of("blk.2.ffn_gate.weight"), CLK_T_Q5_0); /* 64 = 2 x 32 */
    CHECK_EQ(type_of("output.weight"), CLK_T_Q8_0);         /* Q6_K -> Q8_0 */
    CHECK(choose(CLK_FTYPE_Q8_0, 0, "ffn_down=f16", 5, 0) == 0);
    CHECK_EQ(why_of("blk.0.ffn_down.weight"), CLK_QWHY_OVERRIDE);
}

/* ================================================================ a model written here */

static double rms_limit(int t)
{
    switch (t) {
    case CLK_T_F32: return 0;
    case CLK_T_F16: case CLK_T_BF16: return 4e-3;
    case CLK_T_Q8_0: return 0.01;
    case CLK_T_Q6_K: return 0.03;
    case CLK_T_Q5_0: case CLK_T_Q5_1: case CLK_T_Q5_K: return 0.05;
    default: return 0.1;
    }
}

/* Check a quantized file against its F32 source. Returns mismatches. */
static int check_output(const clk_gguf *src, const unsigned char *buf, size_t len, int ftype, const clk_quant *q)
{
    parsed p;
    clk_err e;
    uint64_t i;
    int bad = 0;
    uint32_t u;
    float *x, *y;
    if (parse_buf(&p, buf, len, &e) != CLK_OK) {
        printf("  output does not parse: %s\n", e.msg);
        return 1;
    }
    if (len != q->file_bytes) printf("  %zu bytes, measured %llu\n", len, (unsigned long long)q->file_bytes), bad++;
    if (clk_model_load(&g_model, &p.g, &e) != CLK_OK) printf("  output does not load: %s\n", e.msg), bad++;
    /* metadata: the input's pairs in order (file_type dropped), then the two set here */
    if (p.g.n_kv != src->n_kv + 1) printf("  %llu pairs\n", (unsigned long long)p.g.n_kv), bad++;
    if (!clk_str_eq(p.g.kv[p.g.n_kv - 2].key, "general.quantization_version") ||
        !clk_str_eq(p.g.kv[p.g.n_kv - 1].key, "general.file_type"))
        printf("  the last two pairs are not quantization_version, file_type\n"), bad++;
    if (clk_gguf_get_u32(&p.g, "general.file_type", &u, &e) != CLK_OK || u != (uint32_t)ftype)
        printf("  general.file_type %u\n", u), bad++;
    if (clk_gguf_get_u32(&p.g, "general.quantization_version", &u, &e) != CLK_OK || u != 2) bad++;
    if (p.g.alignment != 32 || !clk_gguf_find(&p.g, "test.strings") ||
        clk_gguf_find(&p.g, "test.strings")->val_bytes != clk_gguf_find(src, "test.strings")->val_bytes)
        printf("  alignment or copied array wrong\n"), bad++;
    for (i = 0; i < p.g.n_tensors; i++) {
        const clk_gguf_tensor *t = &p.g.tensors[i], *s = NULL;
        const clk_quant_pick *pk = &q->pick[i];
        char name[64];
        int64_t r, rows = t->ne[1], k;
        double se = 0, ss = 0;
        memcpy(name, t->name.p, (size_t)t->name.n);
        name[t->name.n] = 0;
        s = find_t(src, name);
        if (!s || (int)t->type != pk->type || strcmp(name, tname(q->t, pk)) != 0) {
            printf("  %s: type %u, picked %d\n", name, t->type, pk->type);
            bad++;
            continue;
        }
        if (pk->why & CLK_QWHY_KEEP) {
            if (t->type != s->type || t->nbytes != s->nbytes || memcmp(t->data, s->data, (size_t)s->nbytes) != 0)
                printf("  %s: kept tensor changed\n", name), bad++;
            continue;
        }
        x = (float *)malloc(sizeof *x * (size_t)t->ne[0]);
        y = (float *)malloc(sizeof *y * (size_t)t->ne[0]);
        for (r = 0; r < rows; r++) {
            clk_ref_kernels.dequant_row((int)t->type, t->data + (size_t)r * clk_row_bytes((int)t->type, t->ne[0]), y,
                                        (int)t->ne[0]);
            memcpy(x, s->data + (size_t)r * (size_t)t->ne[0] * 4, sizeof *x * (size_t)t->ne[0]);
            for (k = 0; k < t->ne[0]; k++) {
                se += ((double)y[k] - x[k]) * ((double)y[k] - x[k]);
                ss += (double)x[k] * x[k];
            }
        }
        free(x);
        free(y);
        if (!(sqrt(se / ss) <= rms_limit((int)t->type) + 1e-12))
            printf("  %s (%s): relative rms error %.3g > %.3g\n", name, clk_type((int)t->type)->name, sqrt(se / ss),
                   rms_limit((int)t->type)),
                bad++;
    }
    parsed_free(&p);
    return bad;
}

static void test_synthetic_every_type(void)
{
    static const int ft[] = {CLK_FTYPE_F32,    CLK_FTYPE_F16,    CLK_FTYPE_BF16,   CLK_FTYPE_Q8_0,  CLK_FTYPE_Q4_0,
                             CLK_FTYPE_Q4_1,   CLK_FTYPE_Q5_0,   CLK_FTYPE_Q5_1,   CLK_FTYPE_Q4_K_S, CLK_FTYPE_Q4_K_M,
                             CLK_FTYPE_Q5_K_S, CLK_FTYPE_Q5_K_M, CLK_FTYPE_Q6_K};
    membuf src = {0};
    parsed ps;
    clk_err e;
    size_t k;
    int tied;
    if (t_quick()) printf("  quick mode (CLK_TEST_QUICK): tied output only, no 2-thread repeat\n");
    for (tied = t_quick(); tied < 2; tied++) {
        src.len = 0;
        synth_model(&src, tied, 3, 300, -1);
        CHECK_OK(parse_buf(&ps, src.p, src.len, &e), e);
        for (k = 0; k < sizeof ft / sizeof ft[0]; k++) {
            membuf out = {0}, out2 = {0};
            static clk_quant q, q2;
            void *mem = NULL;
            int bad;
            CHECK_OK(quantize_mem(&ps.g, ft[k], NULL, 1, &out, &q, &mem, &e), e);
            bad = check_output(&ps.g, out.p, out.len, ft[k], &q);
            CHECK_MSG(bad == 0, "%s (tied %d): %d problems", clk_quant_ftype_name(ft[k]), tied, bad);
            /* the same bytes with two threads */
            if (!t_quick()) {
                CHECK_OK(quantize_mem(&ps.g, ft[k], NULL, 2, &out2, &q2, NULL, &e), e);
                CHECK_MSG(out.len == out2.len && memcmp(out.p, out2.p, out.len) == 0, "%s: threads change the bytes",
                          clk_quant_ftype_name(ft[k]));
            }
            /* a file quantized to its own type again: every tensor copied, the same file */
            {
                parsed pq;
                membuf out3 = {0};
                CHECK_OK(parse_buf(&pq, out.p, out.len, &e), e);
                CHECK_OK(quantize_mem(&pq.g, ft[k], NULL, 1, &out3, &q2, NULL, &e), e);
                CHECK_MSG(out3.len == out.len && memcmp(out3.p, out.p, out.len) == 0, "%s: not a fixed point",
                          clk_quant_ftype_name(ft[k]));
                CHECK_EQ(q2.n_converted, 0);
                parsed_free(&pq);
                membuf_free(&out3);
            }
            free(mem);
            membuf_free(&out);
            membuf_free(&out2);
        }
        parsed_free(&ps);
    }
    membuf_free(&src);
}

/* A quantized input is dequantized and quantized again: the result equals
 * quantizing the dequantized values from F32. */
static void test_requantize(void)
{
    membuf src = {0}, q8 = {0}, a = {0}, f32 = {0}, b = {0};
    parsed ps, pq8, pf;
    static clk_quant q;
    clk_err e;
    synth_model(&src, 1, 2, 256, -1);
    CHECK_OK(parse_buf(&ps, src.p, src.len, &e), e);
    CHECK_OK(quantize_mem(&ps.g, CLK_FTYPE_Q8_0, NULL, 1, &q8, &q, NULL, &e), e);
    CHECK_OK(parse_buf(&pq8, q8.p, q8.len, &e), e);
    CHECK_OK(quantize_mem(&pq8.g, CLK_FTYPE_Q4_K_M, NULL, 1, &a, &q, NULL, &e), e);
    CHECK(q.n_requant > 0);
    /* the same through an F32 file of the Q8_0 values */
    CHECK_OK(quantize_mem(&pq8.g, CLK_FTYPE_F32, NULL, 1, &f32, &q, NULL, &e), e);
    CHECK_OK(parse_buf(&pf, f32.p, f32.len, &e), e);
    CHECK_OK(quantize_mem(&pf.g, CLK_FTYPE_Q4_K_M, NULL, 1, &b, &q, NULL, &e), e);
    CHECK(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
    parsed_free(&ps);
    parsed_free(&pq8);
    parsed_free(&pf);
    membuf_free(&src);
    membuf_free(&q8);
    membuf_free(&a);
    membuf_free(&f32);
    membuf_free(&b);
}

static void test_nan_refused(void)
{
    membuf src = {0}, out = {0};
    parsed ps;
    static clk_quant q;
    clk_err e;
    synth_model(&src, 1, 2, 256, 256L * 3 + 17); /* row 3, column 17 of blk.1.ffn_up */
    CHECK_OK(parse_buf(&ps, src.p, src.len, &e), e);
    CHECK_EQ(quantize_mem(&ps.g, CLK_FTYPE_Q4_0, NULL, 2, &out, &q, NULL, &e), CLK_E_DATA);
    CHECK(strstr(e.msg, "blk.1.ffn_up.weight") && strstr(e.msg, "row 3, column 17"));
    /* kept in F32 by an F32 file: copied, never looked at */
    out.len = 0;
    CHECK_OK(quantize_mem(&ps.g, CLK_FTYPE_F32, NULL, 1, &out, &q, NULL, &e), e);
    parsed_free(&ps);
    membuf_free(&src);
    membuf_free(&out);
}

/* ================================================================ against llama.cpp (../shared) */

static unsigned char *shared_file(const char *name, size_t *len)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/models/%s", t_shared(), name);
    return t_slurp(path, len);
}

static void test_llama_cpp_files(void)
{
    static const struct { const char *src, *type, *ovr, *golden; } cases[] = {
        {"llama-f32.gguf", "Q8_0", NULL, "llama-q8_0.gguf"},     {"llama-f32.gguf", "Q4_0", NULL, "llama-q4_0.gguf"},
        {"llama-f32.gguf", "Q4_1", NULL, "llama-q4_1.gguf"},     {"llama-f32.gguf", "Q5_0", NULL, "llama-q5_0.gguf"},
        {"llama-f32.gguf", "Q5_1", NULL, "llama-q5_1.gguf"},     {"llama-f32.gguf", "Q4_K_M", NULL, "llama-q4_k_m.gguf"},
        {"llama-f32.gguf", "Q5_K_M", NULL, "llama-q5_k_m.gguf"}, {"llama-f32.gguf", "Q6_K", NULL, "llama-q6_k.gguf"},
        {"llama-f32.gguf", "F16", NULL, "llama-f16.gguf"},       {"llama-f32.gguf", "BF16", NULL, "llama-bf16.gguf"},
        /* made by llama-quantize --tensor-type ffn_down=f16 (it refuses without) */
        {"stories260k-f32.gguf", "Q8_0", "ffn_down=f16", "stories260k-q8_0.gguf"},
        {"stories260k-f32.gguf", "Q8_0", NULL, "stories260k-q8_0.gguf"},
    };
    size_t k;
    int same = 0;
    if (!t_shared()) SKIP("../shared absent");
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t ls = 0, lg = 0;
        unsigned char *s = shared_file(cases[k].src, &ls), *g = shared_file(cases[k].golden, &lg);
        parsed p;
        membuf out = {0};
        static clk_quant q;
        clk_err e;
        int ft;
        CHECK(s && g);
        if (!s || !g) continue;
        CHECK_OK(clk_quant_ftype_parse(cases[k].type, &ft, &e), e);
        CHECK_OK(parse_buf(&p, s, ls, &e), e);
        CHECK_OK(quantize_mem(&p.g, ft, cases[k].ovr, 1, &out, &q, NULL, &e), e);
        CHECK_MSG(out.len == lg && memcmp(out.p, g, lg) == 0, "%s -> %s%s%s differs from %s", cases[k].src,
                  cases[k].type, cases[k].ovr ? " " : "", cases[k].ovr ? cases[k].ovr : "", cases[k].golden);
        same += out.len == lg && memcmp(out.p, g, lg) == 0;
        parsed_free(&p);
        membuf_free(&out);
        free(s);
        free(g);
    }
    printf("  %d of %d files byte-identical with llama-quantize's\n", same, (int)(sizeof cases / sizeof cases[0]));
}

/* SHA-256 of llama-quantize's output (llama.cpp 34af94cd):
 *     llama-quantize [--allow-requantize] ../shared/models/SRC OUT TYPE 2
 * and, for the types, the shared file made from the model's F32 original. */
static void test_llama_cpp_goldens(void)
{
    static const struct { const char *src, *type, *sha, *types_like; size_t bytes; } cases[] = {
        {"qwen2-f16.gguf", "Q8_0", "4ac503e38890f3dbb42082c2bd296401f9a6be5a732127e6c8cf2c7886520693", "qwen2-q8_0.gguf", 1568960},
        {"qwen2-f16.gguf", "Q4_K_M", "d798dbdc3f144a7952192be6dacd3dc676502ba7d4e2f4899e6bc1bfe12c495f", "qwen2-q4_k_m.gguf", 957888},
        {"qwen3-f16.gguf", "Q8_0", "5f2610e13a3673911ecaa3ab7976f941c8f736069626069b74109197a8bfa304", "qwen3-q8_0.gguf", 1984736},
        {"qwen3-f16.gguf", "Q4_K_M", "3adecc83162a256b6a84e3ec57d9a7444cf64c1bd76bb2e0b4be77a1f2b8d4d5", "qwen3-q4_k_m.gguf", 1185504},
        {"gemma2-f16.gguf", "Q8_0", "0aa7d738f78235c853884c0d52a5cb27405507f3a7c63fb560f229f27bb9decf", "gemma2-q8_0.gguf", 1564832},
        {"gemma2-f16.gguf", "Q4_K_M", "56ba6d1249e3ac17d9def8fc0c336c3e940e0888ae9646ae2b73ba9c696da1a6", "gemma2-q4_k_m.gguf", 953760},
        {"gemma3-f16.gguf", "Q8_0", "921c60d62a18bb3b388d9db542ee8d239662008e9c4cc70e2eb78685d8935222", "gemma3-q8_0.gguf", 1496544},
        {"gemma3-f16.gguf", "Q4_K_M", "10b4eb01fb393ce36a1e0f74bcdab3e61cf008e3cb2a7021ea67ca055f714cc2", "gemma3-q4_k_m.gguf", 914016},
        {"llama-bf16.gguf", "Q4_K_M", "a0d4849c27c9ef4a5a8da63d8c711664c3ca165db97728cb9367cc88976cc436", "llama-q4_k_m.gguf", 1096864},
        {"llama-bf16.gguf", "F16", "f7350ead2e7e3d50c74766fbeb6894445cf41bc359d70d3d97241a996b8ad1c7", "llama-f16.gguf", 3436448},
        {"llama-q8_0.gguf", "Q4_K_M", "684275e4d667f72dad20c8c62fa8c6d849ec9f67aaf757c428b84108fb6beafb", "llama-q4_k_m.gguf", 1096864},
        {"qwen2-q8_0.gguf", "Q4_K_M", "72456c1345bc78aa7c68ac691c7032437be32b7453bc8af5f5fa5c8fcca988bf", "qwen2-q4_k_m.gguf", 957888},
    };
    size_t k;
    if (!t_shared()) SKIP("../shared absent");
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t ls = 0, lt = 0;
        unsigned char *s = shared_file(cases[k].src, &ls), *tl = shared_file(cases[k].types_like, &lt);
        parsed p, pt, po;
        membuf out = {0};
        static clk_quant q;
        clk_err e;
        char hex[65];
        int ft;
        uint64_t i;
        CHECK(s && tl);
        if (!s || !tl) continue;
        CHECK_OK(clk_quant_ftype_parse(cases[k].type, &ft, &e), e);
        CHECK_OK(parse_buf(&p, s, ls, &e), e);
        CHECK_OK(quantize_mem(&p.g, ft, NULL, 2, &out, &q, NULL, &e), e);
        sha256_hex(out.p, out.len, hex);
        CHECK_MSG(out.len == cases[k].bytes && !strcmp(hex, cases[k].sha), "%s -> %s: %zu bytes, sha256 %s",
                  cases[k].src, cases[k].type, out.len, hex);
        /* tensor for tensor: the types of llama-quantize's file from the F32 original */
        CHECK_OK(parse_buf(&pt, tl, lt, &e), e);
        CHECK_OK(parse_buf(&po, out.p, out.len, &e), e);
        CHECK_EQ(po.g.n_tensors, pt.g.n_tensors);
        for (i = 0; i < po.g.n_tensors && i < pt.g.n_tensors; i++)
            CHECK_MSG(po.g.tensors[i].name.n == pt.g.tensors[i].name.n &&
                          !memcmp(po.g.tensors[i].name.p, pt.g.tensors[i].name.p, pt.g.tensors[i].name.n) &&
                          po.g.tensors[i].type == pt.g.tensors[i].type,
                      "%s -> %s: tensor %llu", cases[k].src, cases[k].type, (unsigned long long)i);
        parsed_free(&p);
        parsed_free(&pt);
        parsed_free(&po);
        membuf_free(&out);
        free(s);
        free(tl);
    }
}

/* ================================================================ the command */

static char g_tmp[1024];
static const char *tmp_dir(void)
{
    if (!g_tmp[0]) {
        const char *bin = getenv("CLK_BIN");
        const char *slash = bin ? strrchr(bin, '/') : NULL;
        char cmd[1200];
        clk_oserr os;
        if (slash) snprintf(g_tmp, sizeof g_tmp, "%.*s/tmp_test_quantize", (int)(slash - bin), bin);
        else snprintf(g_tmp, sizeof g_tmp, "build/tmp_test_quantize");
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_tmp);
        if (system(cmd) != 0) printf("  cannot clean %s\n", g_tmp);
        clk_sys_mkdirs(g_tmp, &os);
    }
    return g_tmp;
}

static int run(const char *args)
{
    char cmd[4096];
    int rc;
    snprintf(cmd, sizeof cmd, "%s %s >'%s/out.txt' 2>'%s/err.txt'", getenv("CLK_BIN"), args, tmp_dir(), tmp_dir());
    rc = system(cmd);
    return rc == -1 ? -1 : (rc >> 8) & 0xFF;
}

static int exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    return f != NULL;
}

static int count_tmp_leftovers(void)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -c '\\.tmp-' >/dev/null", tmp_dir());
    return system(cmd) == 0;
}

static void test_cli(void)
{
    membuf src = {0}, bad = {0}, mine = {0};
    parsed ps;
    static clk_quant q;
    clk_err e;
    char in[1200], inbad[1200], out[1200], args[4096];
    unsigned char *got;
    size_t len = 0;
    FILE *f;
    if (!getenv("CLK_BIN")) SKIP("CLK_BIN not set (make test sets it)");
    synth_model(&src, 0, 2, 300, -1);
    synth_model(&bad, 0, 2, 300, 5);
    snprintf(in, sizeof in, "%s/in.gguf", tmp_dir());
    snprintf(inbad, sizeof inbad, "%s/nan.gguf", tmp_dir());
    snprintf(out, sizeof out, "%s/out.gguf", tmp_dir());
    f = fopen(in, "wb");
    fwrite(src.p, 1, src.len, f);
    fclose(f);
    f = fopen(inbad, "wb");
    fwrite(bad.p, 1, bad.len, f);
    fclose(f);

    snprintf(args, sizeof args, "quantize '%s' '%s' q4_k_m --threads 2", in, out);
    CHECK_EQ(run(args), 0);
    got = t_slurp(out, &len);
    CHECK_OK(parse_buf(&ps, src.p, src.len, &e), e);
    CHECK_OK(quantize_mem(&ps.g, CLK_FTYPE_Q4_K_M, NULL, 1, &mine, &q, NULL, &e), e);
    CHECK(got && len == mine.len && memcmp(got, mine.p, len) == 0);
    free(got);

    /* failures: exit 2, the previous output untouched, no temporary left */
    snprintf(args, sizeof args, "quantize '%s' '%s' q3_k_m", in, out);
    CHECK_EQ(run(args), 2);
    snprintf(args, sizeof args, "quantize '%s' '%s' q8_0", inbad, out);
    CHECK_EQ(run(args), 2);
    got = t_slurp(out, &len);
    CHECK(got && len == mine.len && memcmp(got, mine.p, len) == 0);
    free(got);
    CHECK(!count_tmp_leftovers());
    {
        char *err = (char *)t_slurp(strcat(strcpy(args, tmp_dir()), "/err.txt"), NULL);
        CHECK(err && strstr(err, "blk.1.ffn_up.weight") && strstr(err, "row 0, column 5"));
        free(err);
    }
    /* --dry-run writes nothing */
    snprintf(args, sizeof args, "quantize '%s' '%s/dry.gguf' q4_0 --dry-run", in, tmp_dir());
    CHECK_EQ(run(args), 0);
    snprintf(args, sizeof args, "%s/dry.gguf", tmp_dir());
    CHECK(!exists(args));
    /* not a model */
    snprintf(args, sizeof args, "quantize '%s/err.txt' '%s' q4_0", tmp_dir(), out);
    CHECK_EQ(run(args), 2);
    parsed_free(&ps);
    membuf_free(&src);
    membuf_free(&bad);
    membuf_free(&mine);
}

int main(int argc, char **argv)
{
    TEST_INIT(argc, argv);
    RUN(test_ftype_parse);
    RUN(test_override_parse);
    RUN(test_order);
    RUN(test_mix_llama32);
    RUN(test_mix_70b);
    RUN(test_fallbacks_qwen05);
    RUN(test_fallback_f16);
    RUN(test_synthetic_every_type);
    RUN(test_requantize);
    RUN(test_nan_refused);
    RUN(test_llama_cpp_files);
    RUN(test_llama_cpp_goldens);
    RUN(test_cli);
    return TEST_DONE();
}
