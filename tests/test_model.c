/*
 * test_model.c - hyper-parameters and weight binding: every model in
 * ../shared/models loads and matches its MANIFEST.md row (arch, shape,
 * vocabulary, tied/untied, RoPE base, eps, window, soft-caps, tensor type
 * counts, bytes), both through the library and through `clika info
 * --json`; every vocabulary file in ../shared/vocab loads and matches
 * README.md §1; llama.cpp's defaults apply when keys are absent; missing or
 * misshapen keys and tensors are errors naming them; and the memory plan
 * of a Qwen2.5-0.5B-shaped model matches the arithmetic written out below.
 */
#define _POSIX_C_SOURCE 200809L
#include "test.h"
#include "gguf_fixture.h"
#include "arena.h"
#include "model.h"
#include "forward.h"

#include <sys/wait.h>
#include <unistd.h>

static unsigned char arena_mem[4 << 20] __attribute__((aligned(64)));
static clk_model the_model; /* ~300 KB */
static fx_file the_file;

/* --------------------------------------------------------------- helpers */

/* Write f, parse it, load it as a model. The file bytes stay allocated in
 * *keep (the model points into them) until the caller frees them. */
static clk_status load_fx(const fx_file *f, clk_model *m, clk_gguf *g, clk_err *e, unsigned char **keep)
{
    size_t len;
    clk_arena a;
    unsigned char *b = fx_write(f, &len);
    clk_status s;
    *keep = b;
    if (!b) return clk_fail(e, CLK_E_INTERNAL, "fixture did not write");
    clk_arena_init(&a, arena_mem, sizeof arena_mem);
    s = clk_gguf_parse(g, b, len, &a, e);
    if (s != CLK_OK) return s;
    return clk_model_load(m, g, e);
}

#define CHECK_LOAD_FAILS(f, st, want)                                                                          \
    do {                                                                                                       \
        clk_gguf g_;                                                                                           \
        clk_err e_;                                                                                            \
        unsigned char *k_;                                                                                     \
        clk_status s_;                                                                                         \
        memset(&e_, 0, sizeof e_);                                                                             \
        s_ = load_fx((f), &the_model, &g_, &e_, &k_);                                                          \
        CHECK_MSG(s_ == (st), "status %d (%s), expected %d: %s", (int)s_, clk_status_name(s_), (int)(st), e_.msg); \
        CHECK_MSG(strstr(e_.msg, (want)) != NULL, "message '%s' lacks '%s'", e_.msg, (want));                  \
        free(k_);                                                                                              \
    } while (0)

/* Run a shell command, capture stdout+stderr into out; returns the exit code. */
static int run_cmd(const char *cmd, char *out, size_t cap)
{
    FILE *p = popen(cmd, "r");
    size_t n = 0, r;
    int st;
    if (!p) return -1;
    while (n + 1 < cap && (r = fread(out + n, 1, cap - 1 - n, p)) > 0) n += r;
    out[n] = 0;
    {
        char sink[256];
        while (fread(sink, 1, sizeof sink, p) > 0) {
        }
    }
    st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *clika_bin(void)
{
    const char *b = getenv("CLK_BIN");
    return b && *b ? b : NULL;
}

/* The number after "key": in a JSON text, or NaN. */
static double json_num(const char *js, const char *key)
{
    char pat[128];
    const char *p;
    snprintf(pat, sizeof pat, "\"%s\":", key);
    p = strstr(js, pat);
    if (!p) return NAN;
    return strtod(p + strlen(pat), NULL);
}

static int near(double a, double b) { return fabs(a - b) <= 1e-6 * fabs(b) + 1e-12; }

/* ------------------------------------------------- MANIFEST-driven checks */

typedef struct row {
    char file[64], arch[16];
    int E, L, H, KV, hd, FF, vocab, tied;
    char vocab_kind[8];
    double rope, eps;
    int swa, swa_pattern, attn_cap, final_cap, has_swa_base;
    double swa_base;
    char types[256];
    unsigned long long bytes;
} row;

static void trim(char *s)
{
    size_t n = strlen(s), i = 0;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\n')) s[--n] = 0;
    while (s[i] == ' ') i++;
    memmove(s, s + i, strlen(s + i) + 1);
}

static int split_cells(char *line, char **cells, int max)
{
    int n = 0;
    char *p = strchr(line, '|'), *q;
    while (p && n < max) {
        q = strchr(p + 1, '|');
        if (!q) break;
        *q = 0;
        cells[n] = p + 1;
        trim(cells[n]);
        n++;
        p = q;
    }
    return n;
}

/* One table row: | `file` | arch | shape | vocab | output | rope / eps / extra | seed | types | bytes | */
static int read_manifest_row(char *line, row *r)
{
    char *c[12], *s;
    int n;
    memset(r, 0, sizeof *r);
    if (strncmp(line, "| `", 3) != 0) return 0;
    n = split_cells(line, c, 12);
    if (n < 9) return 0;
    s = c[0];
    if (*s == '`') s++;
    snprintf(r->file, sizeof r->file, "%s", s);
    if (strchr(r->file, '`')) *strchr(r->file, '`') = 0;
    snprintf(r->arch, sizeof r->arch, "%s", c[1]);
    if (sscanf(c[2], "E%d L%d H%d/%d hd%d", &r->E, &r->L, &r->H, &r->KV, &r->hd) != 5) return 0;
    s = strstr(c[2], "FF");
    if (!s) return 0;
    r->FF = atoi(s + 2);
    if (sscanf(c[3], "%7s %d", r->vocab_kind, &r->vocab) != 2) return 0;
    r->tied = !strncmp(c[4], "tied", 4);
    r->rope = strtod(c[5], &s);
    s = strchr(s, '/');
    if (!s) return 0;
    r->eps = strtod(s + 1, NULL);
    if ((s = strstr(c[5], "SWA window ")) != NULL) r->swa = atoi(s + 11);
    if ((s = strstr(c[5], "pattern ")) != NULL) r->swa_pattern = atoi(s + 8);
    if ((s = strstr(c[5], "attn soft-cap ")) != NULL) r->attn_cap = atoi(s + 14);
    if ((s = strstr(c[5], "final soft-cap ")) != NULL) r->final_cap = atoi(s + 15);
    if ((s = strstr(c[5], "freq_base_swa ")) != NULL) {
        r->has_swa_base = 1;
        r->swa_base = strtod(s + 14, NULL);
    }
    snprintf(r->types, sizeof r->types, "%s", c[7]);
    r->bytes = strtoull(c[8], NULL, 10);
    return 1;
}

/* "F32×5, Q4_K×13, Q6_K×3 (...)": the count of type `name` (0 if absent). */
static int manifest_type_count(const char *types, const char *name, int *listed_total)
{
    const char *p = types;
    int count = 0;
    *listed_total = 0;
    while (*p && *p != '(') {
        char tn[16];
        size_t k = 0;
        while (*p == ' ' || *p == ',') p++;
        while (*p && *p != '\xc3' && *p != ' ' && k < sizeof tn - 1) tn[k++] = *p++;
        tn[k] = 0;
        if (!strncmp(p, "\xc3\x97", 2)) { /* U+00D7 multiplication sign */
            int c = atoi(p + 2);
            *listed_total += c;
            if (k && clk_ascii_ieq(name, tn, k)) count = c;
            p += 2;
            while (*p >= '0' && *p <= '9') p++;
        } else if (*p) {
            p++;
        }
    }
    return count;
}

static void check_model_row(const char *sh, const row *r)
{
    char path[1200], cmd[1400];
    static char js[1 << 16];
    clk_map m;
    clk_oserr os;
    clk_gguf g;
    clk_err e;
    clk_arena a;
    clk_model *md = &the_model;
    const clk_hparams *hp = &md->hp;
    const clk_gguf_kv *tok;
    clk_str tm;
    int i, listed, file_total = 0;
    uint64_t k;

    snprintf(path, sizeof path, "%s/models/%s", sh, r->file);
    if (clk_sys_map(path, &m, &os) != 0) {
        CHECK_MSG(0, "%s", os.msg);
        return;
    }
    CHECK_MSG(m.size == r->bytes, "%s: %llu bytes, MANIFEST says %llu", r->file, (unsigned long long)m.size, r->bytes);
    clk_arena_init(&a, arena_mem, sizeof arena_mem);
    CHECK_MSG(clk_gguf_parse(&g, m.data, m.size, &a, &e) == CLK_OK, "%s: %s", r->file, e.msg);
    if (clk_model_load(md, &g, &e) != CLK_OK) {
        CHECK_MSG(0, "%s: %s", r->file, e.msg);
        clk_sys_unmap(&m);
        return;
    }
#define ROW_EQ(a, b) CHECK_MSG((long long)(a) == (long long)(b), "%s: %s = %lld, MANIFEST %lld", r->file, #a, (long long)(a), (long long)(b))
    CHECK_MSG(!strcmp(clk_arch_name(hp->arch), r->arch), "%s: arch %s, MANIFEST %s", r->file, clk_arch_name(hp->arch), r->arch);
    ROW_EQ(hp->n_embd, r->E);
    ROW_EQ(hp->n_layer, r->L);
    for (i = 0; i < hp->n_layer; i++) {
        ROW_EQ(hp->n_head[i], r->H);
        ROW_EQ(hp->n_head_kv[i], r->KV);
        ROW_EQ(hp->n_ff[i], r->FF);
    }
    ROW_EQ(hp->head_dim_k, r->hd);
    ROW_EQ(hp->head_dim_v, r->hd);
    ROW_EQ(hp->n_rot, r->hd); /* MANIFEST: n_rot = head dim */
    ROW_EQ(hp->n_vocab, r->vocab);
    ROW_EQ(hp->tied_output, r->tied);
    ROW_EQ(md->output.data == md->tok_embd.data, r->tied);
    CHECK_MSG(near(hp->rope_base, r->rope), "%s: rope base %g, MANIFEST %g", r->file, (double)hp->rope_base, r->rope);
    CHECK_MSG(near(hp->rms_eps, r->eps), "%s: eps %g, MANIFEST %g", r->file, (double)hp->rms_eps, r->eps);
    ROW_EQ(hp->n_swa, r->swa);
    if (r->swa) {
        ROW_EQ(hp->swa_pattern, r->swa_pattern);
        ROW_EQ(hp->swa_layer[0], 1); /* pattern 2: layer 0 local, layer 1 global */
        ROW_EQ(hp->swa_layer[1], 0);
    }
    if (r->has_swa_base) CHECK(near(hp->rope_base_swa, r->swa_base));
    CHECK(near(hp->attn_softcap, r->attn_cap));
    CHECK(near(hp->final_softcap, r->final_cap));
    ROW_EQ(hp->rope_neox, strcmp(r->arch, "llama") != 0);
    /* tokenizer kind and size */
    tok = clk_gguf_find(&g, "tokenizer.ggml.tokens");
    CHECK(tok && tok->arr_n == (uint64_t)r->vocab);
    CHECK_OK(clk_gguf_get_str(&g, "tokenizer.ggml.model", &tm, &e), e);
    CHECK(clk_str_eq(tm, !strcmp(r->vocab_kind, "SPM") ? "llama" : "gpt2"));
    /* tensor types: every type in the file listed with its count */
    for (i = 0; i < CLK_T_COUNT; i++) {
        int n = 0, want;
        for (k = 0; k < g.n_tensors; k++) n += (int)g.tensors[k].type == i;
        if (!n) continue;
        file_total += n;
        want = manifest_type_count(r->types, clk_type(i)->name, &listed);
        CHECK_MSG(n == want, "%s: %d tensors of %s, MANIFEST %d", r->file, n, clk_type(i)->name, want);
    }
    manifest_type_count(r->types, "", &listed);
    ROW_EQ(file_total, listed);
    ROW_EQ(g.n_tensors, listed);
    /* every weight bound, parameters and bytes add up to the file's tensors */
    {
        uint64_t nb = 0, np = 0;
        for (k = 0; k < g.n_tensors; k++) {
            nb += g.tensors[k].nbytes;
            np += (uint64_t)(g.tensors[k].ne[0] * g.tensors[k].ne[1] * g.tensors[k].ne[2] * g.tensors[k].ne[3]);
        }
        ROW_EQ(md->weight_bytes, nb);
        ROW_EQ(md->n_params, np);
        if (!strcmp(r->file, "stories260k-f32.gguf")) ROW_EQ(md->n_params, 292800); /* MANIFEST: 292,800 parameters */
    }

    /* the same values through `clika info --json` */
    if (clika_bin()) {
        int rc;
        snprintf(cmd, sizeof cmd, "%s info --json '%s' 2>&1", clika_bin(), path);
        rc = run_cmd(cmd, js, sizeof js);
        CHECK_MSG(rc == 0, "%s: exit %d: %s", cmd, rc, js);
        {
            char want[96];
            snprintf(want, sizeof want, "\"arch\":\"%s\"", r->arch);
            CHECK_MSG(strstr(js, want) != NULL, "%s: JSON lacks %s", r->file, want);
            snprintf(want, sizeof want, "\"tied_output\":%s", r->tied ? "true" : "false");
            CHECK_MSG(strstr(js, want) != NULL, "%s: JSON lacks %s", r->file, want);
            snprintf(want, sizeof want, "\"model\":\"%s\"", !strcmp(r->vocab_kind, "SPM") ? "llama" : "gpt2");
            CHECK_MSG(strstr(js, want) != NULL, "%s: JSON lacks %s", r->file, want);
        }
        CHECK(json_num(js, "file_bytes") == (double)r->bytes);
        CHECK(json_num(js, "n_embd") == r->E);
        CHECK(json_num(js, "n_layer") == r->L);
        CHECK(json_num(js, "n_head") == r->H);
        CHECK(json_num(js, "n_head_kv") == r->KV);
        CHECK(json_num(js, "head_dim_k") == r->hd);
        CHECK(json_num(js, "n_ff") == r->FF);
        CHECK(json_num(js, "n_vocab") == r->vocab);
        CHECK(json_num(js, "n_tokens") == r->vocab);
        CHECK(near(json_num(js, "rope_base"), r->rope));
        CHECK(near(json_num(js, "rms_eps"), r->eps));
        CHECK(json_num(js, "n_swa") == r->swa);
        CHECK(json_num(js, "attn_softcap") == r->attn_cap);
        CHECK(json_num(js, "final_softcap") == r->final_cap);
        for (i = 0; i < CLK_T_COUNT; i++) {
            int want = manifest_type_count(r->types, clk_type(i) ? clk_type(i)->name : "-", &listed);
            if (want) CHECK_MSG(json_num(js, clk_type(i)->name) == want, "%s: JSON count of %s", r->file, clk_type(i)->name);
        }
        CHECK(json_num(js, "mapped") == (double)r->bytes);
        CHECK_MSG(json_num(js, "tokenizer tables") > 0 && json_num(js, "tokenizer scratch") > 0,
                  "%s: no tokenizer lines in the plan", r->file);
        CHECK(strstr(js, "\"tokenizer\":{") && !strstr(js, "\"error\":"));
    }
#undef ROW_EQ
    clk_sys_unmap(&m);
}

static void test_every_manifest_model(void)
{
    const char *sh = t_shared();
    char path[1100], *text, *line, *next;
    size_t len;
    int n = 0;
    if (!sh) SKIP("../shared not present");
    snprintf(path, sizeof path, "%s/models/MANIFEST.md", sh);
    text = (char *)t_slurp(path, &len);
    if (!text) SKIP("MANIFEST.md missing");
    for (line = text; line && *line; line = next) {
        row r;
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        if (read_manifest_row(line, &r)) {
            check_model_row(sh, &r);
            n++;
        }
    }
    printf("  %d MANIFEST models checked%s\n", n, clika_bin() ? " (library and clika info --json)" : " (library only: CLK_BIN unset)");
    CHECK_EQ(n, 25);
    free(text);
}

/* README.md §1: | `file` | `model` / `pre` | tokens | ... */
static void test_every_vocab_file(void)
{
    const char *sh = t_shared();
    char path[1100], *text, *line, *next;
    static char js[1 << 16];
    size_t len;
    int n = 0;
    if (!sh) SKIP("../shared not present");
    snprintf(path, sizeof path, "%s/vocab/README.md", sh);
    text = (char *)t_slurp(path, &len);
    if (!text) SKIP("vocab README.md missing");
    for (line = text; line && *line; line = next) {
        char *c[8], file[64], model[16], pre[16];
        long tokens;
        clk_map m;
        clk_oserr os;
        clk_gguf g;
        clk_err e;
        clk_arena a;
        clk_str s;
        const clk_gguf_kv *kv;
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        if (strncmp(line, "| `ggml-vocab-", 14) != 0) continue;
        if (split_cells(line, c, 8) < 3) continue;
        if (sscanf(c[0], "`%63[^`]`", file) != 1 || sscanf(c[1], "`%15[^`]`", model) != 1 ||
            !strchr(c[1] + 1 + strlen(model) + 1, '`') ||
            sscanf(strchr(c[1] + 1 + strlen(model) + 1, '`'), "`%15[^`]`", pre) != 1)
            continue;
        tokens = atol(c[2]);
        n++;
        snprintf(path, sizeof path, "%s/vocab/%s", sh, file);
        if (clk_sys_map(path, &m, &os) != 0) {
            CHECK_MSG(0, "%s", os.msg);
            continue;
        }
        clk_arena_init(&a, arena_mem, sizeof arena_mem);
        CHECK_MSG(clk_gguf_parse(&g, m.data, m.size, &a, &e) == CLK_OK, "%s: %s", file, e.msg);
        CHECK_EQ(g.n_tensors, 0);
        CHECK_OK(clk_gguf_get_str(&g, "tokenizer.ggml.model", &s, &e), e);
        CHECK_MSG(clk_str_eq(s, model), "%s: model", file);
        CHECK_OK(clk_gguf_get_str(&g, "tokenizer.ggml.pre", &s, &e), e);
        CHECK_MSG(clk_str_eq(s, pre), "%s: pre", file);
        CHECK_OK(clk_gguf_get_arr(&g, "tokenizer.ggml.tokens", CLK_GGUF_STRING, tokens, &kv, &e), e);
        /* hyper-parameters read where the architecture is one clika runs */
        {
            clk_hparams hp;
            clk_status st = clk_model_hparams(&hp, &g, &e);
            clk_str arch;
            clk_gguf_get_str(&g, "general.architecture", &arch, &e);
            if (clk_str_eq(arch, "gpt2"))
                CHECK(st == CLK_E_UNSUPPORTED && strstr(e.msg, "'gpt2' is not supported"));
            else {
                CHECK_MSG(st == CLK_OK, "%s: %s", file, e.msg);
                CHECK_MSG(hp.n_vocab == tokens, "%s: n_vocab %d", file, hp.n_vocab);
            }
        }
        if (clika_bin()) {
            char cmd[1400], want[64];
            int rc;
            snprintf(cmd, sizeof cmd, "%s info --json '%s' 2>&1", clika_bin(), path);
            rc = run_cmd(cmd, js, sizeof js);
            CHECK_MSG(rc == 0, "%s: exit %d: %s", file, rc, js);
            CHECK(strstr(js, "\"vocab_only\":true") != NULL);
            snprintf(want, sizeof want, "\"model\":\"%s\",\"pre\":\"%s\"", model, pre);
            CHECK_MSG(strstr(js, want) != NULL, "%s: JSON lacks %s", file, want);
            CHECK(json_num(js, "n_tokens") == (double)tokens);
            CHECK(json_num(js, "file_bytes") == (double)m.size);
        }
        clk_sys_unmap(&m);
    }
    CHECK_EQ(n, 5);
    free(text);
}

/* --------------------------------------------------- defaults (llama.cpp) */

static void test_defaults_llama_qwen(void)
{
    clk_gguf g;
    clk_err e;
    unsigned char *keep;
    fx_spec s = fx_default("llama");
    const clk_hparams *hp = &the_model.hp;

    /* llama without rope.freq_base, key_length or dimension_count */
    s.rope_base = 0;
    fx_model(&the_file, &s);
    CHECK_OK(load_fx(&the_file, &the_model, &g, &e, &keep), e);
    CHECK(hp->rope_base == 10000.0f);
    CHECK_EQ(hp->head_dim_k, 8); /* n_embd / n_head = 32 / 4 */
    CHECK_EQ(hp->head_dim_v, 8);
    CHECK_EQ(hp->n_rot, 8);
    CHECK_EQ(hp->rope_neox, 0);
    CHECK(hp->rope_freq_scale == 1.0f);
    CHECK(hp->attn_scale == 1.0f / sqrtf(8.0f));
    CHECK(hp->embd_scale == 1.0f);
    CHECK_EQ(hp->tied_output, 0); /* the llama fixture is untied */
    CHECK(the_model.output.data != the_model.tok_embd.data);
    CHECK_EQ(hp->n_swa, 0);
    CHECK_EQ(hp->qkv_bias, 0);
    CHECK_EQ(hp->geglu, 0);
    free(keep);

    /* tied: no output.weight -> logits through token_embd */
    fx_del_t(&the_file, "output.weight");
    CHECK_OK(load_fx(&the_file, &the_model, &g, &e, &keep), e);
    CHECK_EQ(hp->tied_output, 1);
    CHECK(the_model.output.data == the_model.tok_embd.data);
    CHECK(the_model.output.info == the_model.tok_embd.info);
    free(keep);

    /* head_count_kv absent -> = head_count; rope scaling linear factor 4 -> 0.25 */
    fx_del(&the_file, "llama.attention.head_count_kv");
    fx_set_f32(&the_file, "llama.rope.scaling.factor", 4.0);
    {
        int il;
        for (il = 0; il < 2; il++) { /* K/V now have 4 heads of 8 */
            char n[64];
            snprintf(n, sizeof n, "blk.%d.attn_k.weight", il);
            fx_t(&the_file, n)->ne[1] = 32;
            snprintf(n, sizeof n, "blk.%d.attn_v.weight", il);
            fx_t(&the_file, n)->ne[1] = 32;
        }
    }
    CHECK_OK(load_fx(&the_file, &the_model, &g, &e, &keep), e);
    CHECK_EQ(hp->n_head_kv[0], 4);
    CHECK(hp->rope_freq_scale == 0.25f);
    free(keep);
    fx_set_str(&the_file, "llama.rope.scaling.type", "none");
    CHECK_OK(load_fx(&the_file, &the_model, &g, &e, &keep), e);
    CHECK(hp->rope_freq_scale == 1.0f);
    free(keep);

    /* qwen2: biases bound, NEOX */
    s = fx_default("qwen2");
    fx_model(&the_file, &s);
    CHECK_OK(load_fx(&the_file, &the_model, &g, &e, &keep), e);
    CHECK_EQ(hp->qkv_bias, 1);
    CHECK(the_model.layer[1].bq.data != NULL && the_model.layer[1].bv.ne[0] == 16);
    CHECK_EQ(hp->rope_neox, 1);
    CHECK_EQ(hp->tied_output, 1);
    free(keep);

    /* qwen3: explicit head dim different from n_embd / n_head, q/k norms */
    s = fx_default("qwen3");
    s.head_dim = 16;
    fx_model(&the_file, &s);
    CHECK_OK(load_fx(&the_file, &the_model, &g, &e, &keep), e);
    CHECK_EQ(hp->head_dim_k, 16);
    CHECK_EQ(hp->n_rot, 16);
    CHECK_EQ(the_model.layer[0].wq.ne[1], 64); /* 4 heads x 16 */
    CHECK_EQ(the_model.layer[0].wo.ne[0], 64);
    CHECK_EQ(the_model.layer[0].q_norm.ne[0], 16);
    CHECK_EQ(hp->qk_norm, 1);
    CHECK(hp->attn_scale == 0.25f);
    free(keep);
}

static void test_defaults_gemma(void)
{
    clk_gguf g;
    clk_err e;
    unsigned char *keep;
    fx_spec s = fx_default("gemma2");
    const clk_hparams *hp = &the_model.hp;
    int il;

    /* gemma2 with no window/pattern/cap keys: window 4096, pattern 2 (even
     * layers local), soft-caps 50 and 30, SWA RoPE base = global base */
    s.n_layer = 4;
    s.rope_base = 20000;
    fx_model(&the_file, &s);
    CHECK_OK(load_fx(&the_file, &the_model, &g, &e, &keep), e);
    CHECK_EQ(hp->n_swa, 4096);
    CHECK_EQ(hp->swa_pattern, 2);
    CHECK(hp->attn_softcap == 50.0f);
    CHECK(hp->final_softcap == 30.0f);
    CHECK(hp->rope_base_swa == 20000.0f);
    for (il = 0; il < 4; il++) CHECK_EQ(hp->swa_layer[il], il % 2 == 0);
    CHECK_EQ(hp->tied_output, 1);
    CHECK(hp->embd_scale == sqrtf(32.0f));
    CHECK_EQ(hp->geglu, 1);
    CHECK_EQ(hp->sandwich_norms, 1);
    CHECK_EQ(hp->qk_norm, 0);
    free(keep);
    /* gemma2 never has output.weight: one present is unused */
    fx_add_t(&the_file, "output.weight", CLK_T_Q8_0, 32, 32);
    CHECK_LOAD_FAILS(&the_file, CLK_E_DATA, "tensor 'output.weight' is not used by architecture gemma2");

    /* gemma3 with a window and no pattern: pattern 6, SWA base 10000, linear
     * scaling on global layers only */
    s = fx_default("gemma3");
    s.n_layer = 7;
    s.n_swa = 512;
    s.rope_base = 1000000;
    fx_model(&the_file, &s);
    fx_set_f32(&the_file, "gemma3.rope.scaling.factor", 8.0);
    CHECK_OK(load_fx(&the_file, &the_model, &g, &e, &keep), e);
    CHECK_EQ(hp->swa_pattern, 6);
    for (il = 0; il < 7; il++) CHECK_EQ(hp->swa_layer[il], il % 6 < 5);
    CHECK(hp->rope_base_swa == 10000.0f);
    CHECK(hp->rope_base == 1000000.0f);
    CHECK(hp->rope_freq_scale == 0.125f);
    CHECK(hp->rope_freq_scale_swa == 1.0f);
    CHECK(hp->attn_softcap == 0.0f);
    CHECK(hp->final_softcap == 0.0f);
    CHECK_EQ(hp->qk_norm, 1);
    free(keep);
    /* gemma3 without a window: no local layers at all */
    fx_del(&the_file, "gemma3.attention.sliding_window");
    CHECK_OK(load_fx(&the_file, &the_model, &g, &e, &keep), e);
    CHECK_EQ(hp->n_swa, 0);
    for (il = 0; il < 7; il++) CHECK_EQ(hp->swa_layer[il], 0);
    free(keep);
    /* gemma3 with output.weight: untied */
    fx_add_t(&the_file, "output.weight", CLK_T_Q8_0, 32, 32);
    CHECK_OK(load_fx(&the_file, &the_model, &g, &e, &keep), e);
    CHECK_EQ(hp->tied_output, 0);
    free(keep);
}

static void test_per_layer_arrays(void)
{
    static const int32_t heads[2] = {4, 2}, kv[2] = {2, 1}, ff[2] = {64, 32};
    static const int32_t bad[3] = {4, 4, 4};
    clk_gguf g;
    clk_err e;
    unsigned char *keep;
    fx_spec s = fx_default("qwen3");
    const clk_hparams *hp = &the_model.hp;
    s.head_dim = 8;
    s.wtype = CLK_T_F32; /* rows of 16 are not whole Q8_0 blocks */
    fx_model(&the_file, &s);
    fx_set_arr(&the_file, "qwen3.attention.head_count", CLK_GGUF_I32, 2, heads);
    fx_set_arr(&the_file, "qwen3.attention.head_count_kv", CLK_GGUF_I32, 2, kv);
    fx_set_arr(&the_file, "qwen3.feed_forward_length", CLK_GGUF_I32, 2, ff);
    fx_t(&the_file, "blk.1.attn_q.weight")->ne[1] = 16;
    fx_t(&the_file, "blk.1.attn_k.weight")->ne[1] = 8;
    fx_t(&the_file, "blk.1.attn_v.weight")->ne[1] = 8;
    fx_t(&the_file, "blk.1.attn_output.weight")->ne[0] = 16;
    fx_t(&the_file, "blk.1.ffn_gate.weight")->ne[1] = 32;
    fx_t(&the_file, "blk.1.ffn_up.weight")->ne[1] = 32;
    fx_t(&the_file, "blk.1.ffn_down.weight")->ne[0] = 32;
    CHECK_OK(load_fx(&the_file, &the_model, &g, &e, &keep), e);
    CHECK_EQ(hp->n_head[0], 4);
    CHECK_EQ(hp->n_head[1], 2);
    CHECK_EQ(hp->n_head_kv[1], 1);
    CHECK_EQ(hp->n_ff[1], 32);
    CHECK_EQ(hp->n_head_max, 4);
    CHECK_EQ(hp->n_head_kv_max, 2);
    CHECK_EQ(hp->n_ff_max, 64);
    free(keep);
    fx_set_arr(&the_file, "qwen3.attention.head_count", CLK_GGUF_I32, 3, bad);
    CHECK_LOAD_FAILS(&the_file, CLK_E_DATA, "'qwen3.attention.head_count': expected 2 per-layer values (block_count), found 3");
}

/* -------------------------------------------------------------- errors */

static void test_model_errors_name_the_key_or_tensor(void)
{
    fx_spec s = fx_default("llama");

    fx_model(&the_file, &s);
    fx_del(&the_file, "llama.embedding_length");
    CHECK_LOAD_FAILS(&the_file, CLK_E_DATA, "required key 'llama.embedding_length' is missing");

    fx_model(&the_file, &s);
    fx_del(&the_file, "llama.attention.layer_norm_rms_epsilon");
    CHECK_LOAD_FAILS(&the_file, CLK_E_DATA, "'llama.attention.layer_norm_rms_epsilon' is missing");

    fx_model(&the_file, &s);
    fx_del(&the_file, "general.architecture");
    CHECK_LOAD_FAILS(&the_file, CLK_E_DATA, "'general.architecture' is missing");

    fx_model(&the_file, &s);
    fx_set_str(&the_file, "general.architecture", "phi3");
    CHECK_LOAD_FAILS(&the_file, CLK_E_UNSUPPORTED, "architecture 'phi3' is not supported");

    fx_model(&the_file, &s);
    fx_set_str(&the_file, "llama.embedding_length", "32");
    CHECK_LOAD_FAILS(&the_file, CLK_E_FORMAT, "'llama.embedding_length': expected an integer, found string");

    fx_model(&the_file, &s);
    fx_set_u32(&the_file, "llama.embedding_length", 0);
    CHECK_LOAD_FAILS(&the_file, CLK_E_DATA, "'llama.embedding_length': expected 1..1048576, found 0");

    fx_model(&the_file, &s);
    fx_set_u32(&the_file, "llama.block_count", CLK_MAX_LAYERS + 1);
    CHECK_LOAD_FAILS(&the_file, CLK_E_LIMIT, "CLK_MAX_LAYERS");

    fx_model(&the_file, &s);
    fx_set_u32(&the_file, "llama.attention.head_count_kv", 3);
    CHECK_LOAD_FAILS(&the_file, CLK_E_DATA, "4 query heads is not a multiple of 3 key/value heads");

    fx_model(&the_file, &s);
    fx_set_u32(&the_file, "llama.rope.dimension_count", 4);
    CHECK_LOAD_FAILS(&the_file, CLK_E_DATA, "'llama.rope.dimension_count': expected 8 (the head dimension), found 4");

    fx_model(&the_file, &s);
    fx_set_str(&the_file, "llama.rope.scaling.type", "yarn");
    CHECK_LOAD_FAILS(&the_file, CLK_E_UNSUPPORTED, "RoPE scaling 'yarn' is not supported");

    fx_model(&the_file, &s);
    fx_set_f32(&the_file, "llama.attention.layer_norm_rms_epsilon", -1.0);
    CHECK_LOAD_FAILS(&the_file, CLK_E_DATA, "layer_norm_rms_epsilon': expected");

    fx_model(&the_file, &s);
    fx_set_u32(&the_file, "llama.attention.head_count", 0);
    CHECK_LOAD_FAILS(&the_file, CLK_E_DATA, "'llama.attention.head_count': expected 1..");

    /* tensors */
    fx_model(&the_file, &s);
    fx_del_t(&the_file, "blk.1.ffn_up.weight");
    CHECK_LOAD_FAILS(&the_file, CLK_E_DATA, "required tensor 'blk.1.ffn_up.weight' (shape [32, 64]) is missing");

    fx_model(&the_file, &s);
    fx_t(&the_file, "blk.0.attn_k.weight")->ne[1] = 32;
    CHECK_LOAD_FAILS(&the_file, CLK_E_DATA, "tensor 'blk.0.attn_k.weight': expected shape [32, 16], found [32, 32]");

    fx_model(&the_file, &s);
    fx_t(&the_file, "blk.0.ffn_norm.weight")->type = CLK_T_F16;
    CHECK_LOAD_FAILS(&the_file, CLK_E_UNSUPPORTED, "'blk.0.ffn_norm.weight': expected type f32 for a vector, found f16");

    {
        /* a 256-wide model so that q2_K rows are possible */
        fx_spec w = fx_default("llama");
        w.n_embd = 256;
        w.n_head = 4;
        w.n_head_kv = 4;
        w.n_ff = 256;
        w.n_layer = 1;
        fx_model(&the_file, &w);
        fx_t(&the_file, "blk.0.ffn_down.weight")->type = CLK_T_Q2_K;
        CHECK_LOAD_FAILS(&the_file, CLK_E_UNSUPPORTED, "'blk.0.ffn_down.weight': clika cannot compute with type q2_K");
    }

    fx_model(&the_file, &s);
    fx_add_t(&the_file, "blk.0.ffn_gate.bias", CLK_T_F32, 64, 0);
    CHECK_LOAD_FAILS(&the_file, CLK_E_DATA, "tensor 'blk.0.ffn_gate.bias' is not used by architecture llama");

    fx_model(&the_file, &s);
    fx_t(&the_file, "token_embd.weight")->ne[1] = 16;
    CHECK_LOAD_FAILS(&the_file, CLK_E_DATA, "'output.weight': expected shape [32, 16], found [32, 32]");
}

/* ------------------------------------------- the Qwen2.5-0.5B memory plan */

static void qwen25_hparams(clk_hparams *hp)
{
    int il;
    memset(hp, 0, sizeof *hp);
    hp->arch = CLK_ARCH_QWEN2;
    hp->n_vocab = 151936;
    hp->n_ctx_train = 32768;
    hp->n_embd = 896;
    hp->n_layer = 24;
    for (il = 0; il < 24; il++) {
        hp->n_head[il] = 14;
        hp->n_head_kv[il] = 2;
        hp->n_ff[il] = 4864;
    }
    hp->n_head_max = 14;
    hp->n_head_kv_max = 2;
    hp->n_ff_max = 4864;
    hp->head_dim_k = hp->head_dim_v = hp->n_rot = 64;
    hp->rope_neox = 1;
    hp->rope_base = 1000000.0f;
    hp->rms_eps = 1e-6f;
    hp->tied_output = 1;
}

/*
 * The hand computation (context 2048, batch 512, 1 thread, 1 logit row;
 * every buffer rounded up to 64 bytes, which changes none of these):
 *
 *   kv cache       K and V, each n_layer x n_ctx x n_head_kv x head_dim x 4 bytes
 *                  = 24 x 2048 x 2 x 64 x 4       = 25,165,824
 *                  x 2 (K and V)                  = 50,331,648   (48 MiB)
 *   activations    per token of the batch, f32:
 *                  x       n_embd                 =   896
 *                  xn      max(n_embd, 14 x 64)   =   896
 *                  q       n_head x head_dim      =   896
 *                  kv_tmp  n_head_kv x head_dim   =   128
 *                  ff_gate n_ff                   = 4,864
 *                  ff_up   n_ff                   = 4,864
 *                  tmp     n_embd                 =   896
 *                  sum                            = 13,440 floats = 53,760 bytes
 *                  x 512 tokens                   = 27,525,120   (26.25 MiB)
 *   quantized act  the widest matmul input row over every weight type:
 *                  f32 weights keep f32 activations, 4 x 4864 = 19,456 bytes
 *                  (Q8_K for K-quants: 4864/256 x 292 = 5,548; Q8_0: 4864/32 x 34 = 5,168)
 *                  19,456 x 512                   =  9,961,472   (9.5 MiB)
 *   attention      n_threads x n_ctx x 4 = 1 x 2048 x 4 = 8,192
 *   logits         n_out x n_vocab x 4 = 151,936 x 4    = 607,744
 *   threads        the pool struct, clk_pool_bytes(1) rounded to 64
 *   total          50,331,648 + 27,525,120 + 9,961,472 + 8,192 + 607,744 + threads
 *                  = 88,434,176 + threads   (84.3 MiB + the pool)
 */
static const uint64_t Q_KV = 50331648ull, Q_ACT = 27525120ull, Q_XQ = 9961472ull, Q_ATT = 8192ull,
                      Q_LOGITS = 607744ull, Q_SUM = 88434176ull;

static uint64_t plan_line(const clk_plan *p, const char *name)
{
    int i;
    for (i = 0; i < p->n; i++)
        if (!strcmp(p->line[i].name, name)) return p->line[i].bytes;
    return (uint64_t)-1;
}

static void test_qwen25_plan_by_hand(void)
{
    clk_hparams hp;
    clk_plan p;
    clk_run_opts o = clk_run_defaults();
    uint64_t threads = clk_plan_round(clk_pool_bytes(1));
    int i;
    qwen25_hparams(&hp);
    CHECK_EQ(o.n_ctx, 2048);
    CHECK_EQ(o.n_batch, 512);
    CHECK_EQ(o.n_threads, 1);
    CHECK_EQ(o.n_out, 1);
    clk_plan_init(&p);
    CHECK_EQ(clk_fwd_plan(&hp, &o, &p), CLK_OK);
    CHECK_EQ(Q_KV + Q_ACT + Q_XQ + Q_ATT + Q_LOGITS, Q_SUM); /* the comment's sum */
    CHECK_EQ(plan_line(&p, "kv cache"), Q_KV);
    CHECK_EQ(plan_line(&p, "activations"), Q_ACT);
    CHECK_EQ(plan_line(&p, "quantized act"), Q_XQ);
    CHECK_EQ(plan_line(&p, "attention"), Q_ATT);
    CHECK_EQ(plan_line(&p, "logits"), Q_LOGITS);
    CHECK_EQ(plan_line(&p, "threads"), threads);
    CHECK_EQ(p.total, Q_SUM + threads);
    printf("  Qwen2.5-0.5B shape, ctx 2048, batch 512, 1 thread:\n");
    for (i = 0; i < p.n; i++) printf("    %-16s %12llu\n", p.line[i].name, (unsigned long long)p.line[i].bytes);
    printf("    %-16s %12llu\n", "total", (unsigned long long)p.total);

    /* the plan is exact: clk_fwd_init takes exactly plan.total bytes */
    {
        clk_arena a;
        clk_fwd f;
        clk_err e;
        void *mem = malloc((size_t)p.total + 64);
        uintptr_t al = ((uintptr_t)mem + 63) & ~(uintptr_t)63;
        the_model.hp = hp;
        clk_arena_init(&a, (void *)al, (size_t)p.total);
        CHECK_OK(clk_fwd_init(&f, &the_model, &o, NULL, &a, &e), e);
        CHECK_EQ(a.used, p.total - threads); /* the pool line is started by main.c */
        free(mem);
    }
}

/* The same plan printed by `clika info` for a metadata-only file of that
 * shape, and --mem-limit refusing below it. */
static void test_qwen25_plan_through_info(void)
{
    char path[64], cmd[512];
    static char out[1 << 16];
    unsigned char *b;
    size_t len;
    FILE *fp;
    int rc;
    uint64_t threads = clk_plan_round(clk_pool_bytes(1));
    fx_spec s = fx_default("qwen2");
    if (!clika_bin()) SKIP("CLK_BIN not set (run through make test)");
    s.n_embd = 896;
    s.n_layer = 24;
    s.n_head = 14;
    s.n_head_kv = 2;
    s.n_ff = 4864;
    s.rope_base = 1000000;
    s.rms_eps = 1e-6;
    fx_model(&the_file, &s);
    the_file.n_t = 0;                      /* metadata only: no weights */
    fx_del(&the_file, "tokenizer.ggml.tokens");
    fx_set_u32(&the_file, "qwen2.vocab_size", 151936);
    fx_set_u32(&the_file, "qwen2.context_length", 32768);
    b = fx_write(&the_file, &len);
    CHECK(b != NULL);
    if (!b) return;
    snprintf(path, sizeof path, "build/test_model_qwen25_%ld.gguf", (long)getpid());
    fp = fopen(path, "wb");
    CHECK(fp && fwrite(b, 1, len, fp) == len);
    if (fp) fclose(fp);
    free(b);

    snprintf(cmd, sizeof cmd, "%s info '%s' --ctx 2048 --batch 512 --threads 1 --json 2>&1", clika_bin(), path);
    rc = run_cmd(cmd, out, sizeof out);
    CHECK_MSG(rc == 0, "exit %d: %s", rc, out);
    CHECK(json_num(out, "kv cache") == (double)Q_KV);
    CHECK(json_num(out, "activations") == (double)Q_ACT);
    CHECK(json_num(out, "quantized act") == (double)Q_XQ);
    CHECK(json_num(out, "attention") == (double)Q_ATT);
    CHECK(json_num(out, "logits") == (double)Q_LOGITS);
    CHECK(json_num(out, "threads") == (double)threads);
    {
        double idx = json_num(out, "gguf index");
        CHECK(idx > 0 && idx < 65536);
        CHECK(json_num(out, "arena_total") == (double)(Q_SUM + threads) + idx);
        CHECK(json_num(out, "total") == (double)(Q_SUM + threads) + idx + (double)len);
    }
    CHECK(json_num(out, "n_vocab") == 151936);

    /* the text form prints the plan line by line */
    snprintf(cmd, sizeof cmd, "%s info '%s' 2>&1", clika_bin(), path);
    rc = run_cmd(cmd, out, sizeof out);
    CHECK_EQ(rc, 0);
    printf("%s", out);
    CHECK(strstr(out, "kv cache") && strstr(out, "50331648") && strstr(out, "27525120"));

    /* --mem-limit below the plan: exit 2 and the plan on stderr */
    snprintf(cmd, sizeof cmd, "%s info '%s' --mem-limit 64M 2>&1 >/dev/null", clika_bin(), path);
    rc = run_cmd(cmd, out, sizeof out);
    CHECK_EQ(rc, 2);
    CHECK(strstr(out, "more than --mem-limit 67108864") != NULL);
    CHECK(strstr(out, "kv cache") != NULL && strstr(out, "50331648") != NULL);
    /* above it: fine; a smaller context fits under 64M */
    snprintf(cmd, sizeof cmd, "%s info '%s' --mem-limit 1G >/dev/null 2>&1", clika_bin(), path);
    CHECK_EQ(run_cmd(cmd, out, sizeof out), 0);
    snprintf(cmd, sizeof cmd, "%s info '%s' --ctx 512 --mem-limit 64M >/dev/null 2>&1", clika_bin(), path);
    CHECK_EQ(run_cmd(cmd, out, sizeof out), 0);
    snprintf(cmd, sizeof cmd, "%s info '%s' --mem-limit 12Q 2>&1", clika_bin(), path);
    CHECK_EQ(run_cmd(cmd, out, sizeof out), 2);
    remove(path);
}

/* `clika info` on broken input: exit 2 and a one-line message naming the problem. */
static void test_info_errors(void)
{
    char path[64], cmd[512];
    static char out[1 << 14];
    unsigned char *b;
    size_t len;
    FILE *fp;
    fx_spec s = fx_default("llama");
    if (!clika_bin()) SKIP("CLK_BIN not set (run through make test)");
    snprintf(cmd, sizeof cmd, "%s info /nonexistent/model.gguf 2>&1", clika_bin());
    CHECK_EQ(run_cmd(cmd, out, sizeof out), 2);
    CHECK(strstr(out, "/nonexistent/model.gguf") != NULL);

    fx_model(&the_file, &s);
    fx_del_t(&the_file, "blk.0.attn_q.weight");
    b = fx_write(&the_file, &len);
    snprintf(path, sizeof path, "build/test_model_bad_%ld.gguf", (long)getpid());
    fp = fopen(path, "wb");
    if (fp) {
        fwrite(b, 1, len, fp);
        fclose(fp);
    }
    snprintf(cmd, sizeof cmd, "%s info '%s' 2>&1", clika_bin(), path);
    CHECK_EQ(run_cmd(cmd, out, sizeof out), 2);
    CHECK(strstr(out, "'blk.0.attn_q.weight'") != NULL);
    /* truncated in the middle, both paths */
    fp = fopen(path, "wb");
    if (fp) {
        fwrite(b, 1, len / 2, fp);
        fclose(fp);
    }
    CHECK_EQ(run_cmd(cmd, out, sizeof out), 2);
    CHECK(strstr(out, "gguf: ") != NULL);
    snprintf(cmd, sizeof cmd, "%s info --no-mmap '%s' 2>&1", clika_bin(), path);
    CHECK_EQ(run_cmd(cmd, out, sizeof out), 2);
    CHECK(strstr(out, "gguf: ") != NULL);
    /* the read path plans the file into the arena */
    fx_model(&the_file, &s);
    free(b);
    b = fx_write(&the_file, &len);
    fp = fopen(path, "wb");
    if (fp) {
        fwrite(b, 1, len, fp);
        fclose(fp);
    }
    CHECK_EQ(run_cmd(cmd, out, sizeof out), 0);
    CHECK(strstr(out, "model file (read into the arena)") != NULL);
    CHECK(strstr(out, "mapped, outside") == NULL);
    free(b);
    /* a hostile name: terminal escapes, a C1 control, invalid UTF-8 - shown
     * as '?' in text, escaped in JSON; valid UTF-8 kept */
    fx_set_str(&the_file, "general.name", "ab\x1b[31mc\xc2\x9b\xff\xc3\xa9\"q");
    b = fx_write(&the_file, &len);
    fp = fopen(path, "wb");
    if (fp) {
        fwrite(b, 1, len, fp);
        fclose(fp);
    }
    snprintf(cmd, sizeof cmd, "%s info '%s' 2>&1", clika_bin(), path);
    CHECK_EQ(run_cmd(cmd, out, sizeof out), 0);
    CHECK(strstr(out, "name            ab?[31mc???\xc3\xa9\"q\n") != NULL);
    CHECK(strchr(out, 0x1b) == NULL);
    snprintf(cmd, sizeof cmd, "%s info --json '%s' 2>&1", clika_bin(), path);
    CHECK_EQ(run_cmd(cmd, out, sizeof out), 0);
    CHECK(strstr(out, "\"name\":\"ab\\u001b[31mc\xc2\x9b\\ufffd\xc3\xa9\\\"q\"") != NULL);
    free(b);
    remove(path);
}

int main(int argc, char **argv)
{
    TEST_INIT(argc, argv);
    RUN(test_every_manifest_model);
    RUN(test_every_vocab_file);
    RUN(test_defaults_llama_qwen);
    RUN(test_defaults_gemma);
    RUN(test_per_layer_arrays);
    RUN(test_model_errors_name_the_key_or_tensor);
    RUN(test_qwen25_plan_by_hand);
    RUN(test_qwen25_plan_through_info);
    RUN(test_info_errors);
    return TEST_DONE();
}
