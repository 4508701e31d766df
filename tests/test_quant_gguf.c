/* test_quant_gguf.c - clk_quantize_row against llama-quantize, byte for byte.
 *
 * ../shared/models holds an F32 model (llama-f32.gguf, stories260k-f32.gguf)
 * and the files llama-quantize made from it (default mixes, no importance
 * matrix). Every tensor of a quantized file whose type clika can produce is
 * re-quantized here from the F32 file, row by row, and its bytes must equal
 * llama.cpp's exactly. Tensors the mix kept at F32 must be the F32 bytes.
 * Then the file's own bytes, dequantized by dequant_row, must be close to
 * the F32 original (a check of the layouts that does not depend on our
 * quantizer). Skipped without ../shared: the unit tests in
 * test_ref_kernels.c stand alone. */
#include "test.h"
#include "port.h"
#include "common.h"
#include "arena.h"
#include "gguf.h"

typedef struct loaded {
    unsigned char *file; /* malloc'd file bytes */
    void *mem;           /* malloc'd arena block (unaligned) */
    clk_gguf g;
} loaded;

static int load(const char *name, loaded *l)
{
    char path[1200];
    size_t len = 0;
    clk_gguf_header h;
    clk_arena a;
    clk_err e;
    clk_plan plan;
    uint64_t need;
    const char *shared = t_shared();
    memset(l, 0, sizeof *l);
    if (!shared) return 0;
    snprintf(path, sizeof path, "%s/models/%s", shared, name);
    l->file = t_slurp(path, &len);
    if (!l->file) {
        printf("  cannot read %s\n", path);
        return 0;
    }
    if (clk_gguf_peek(l->file, len, &h, &e) != CLK_OK) {
        printf("  %s: %s\n", name, e.msg);
        return 0;
    }
    clk_plan_init(&plan);
    clk_gguf_plan(&h, &plan);
    need = plan.total;
    l->mem = malloc((size_t)need + CLK_ALIGN);
    if (!l->mem) return 0;
    clk_arena_init(&a, (void *)(((uintptr_t)l->mem + CLK_ALIGN - 1) & ~(uintptr_t)(CLK_ALIGN - 1)), (size_t)need);
    if (clk_gguf_parse(&l->g, l->file, len, &a, &e) != CLK_OK) {
        printf("  %s: %s\n", name, e.msg);
        return 0;
    }
    return 1;
}

static void unload(loaded *l)
{
    free(l->file);
    free(l->mem);
}

static const clk_gguf_tensor *find_by_name(const clk_gguf *g, clk_str name)
{
    uint64_t i;
    for (i = 0; i < g->n_tensors; i++)
        if (g->tensors[i].name.n == name.n && memcmp(g->tensors[i].name.p, name.p, name.n) == 0) return &g->tensors[i];
    return NULL;
}

/* Relative RMS error allowed for llama.cpp's dequantized bytes against the
 * F32 original (uniform random weights; a wrong layout gives errors near 1). */
static double rms_limit(int t)
{
    switch (t) {
    case CLK_T_F16: case CLK_T_BF16: return 4e-3;
    case CLK_T_Q8_0: return 0.01;
    case CLK_T_Q6_K: return 0.03;
    case CLK_T_Q5_0: case CLK_T_Q5_1: case CLK_T_Q5_K: return 0.05;
    default: return 0.1; /* Q4_0, Q4_1, Q4_K */
    }
}

/* Compare one quantized file with its F32 base. counts[t] += tensors of
 * type t that matched byte for byte; returns the number of mismatches. */
static int compare_file(const loaded *base, const char *qname, int counts[CLK_T_COUNT])
{
    loaded q;
    uint64_t i;
    int bad = 0;
    if (!load(qname, &q)) return 1;
    for (i = 0; i < q.g.n_tensors; i++) {
        const clk_gguf_tensor *tq = &q.g.tensors[i], *tf = find_by_name(&base->g, tq->name);
        int64_t ne0, rows, r;
        size_t qrow;
        float *xr, *yr;
        unsigned char *mine;
        double se = 0, ss = 0;
        int same = 1;
        if (!tf || tf->type != CLK_T_F32) {
            printf("  %s: tensor %.*s has no F32 original\n", qname, (int)tq->name.n, tq->name.p);
            bad++;
            continue;
        }
        ne0 = tq->ne[0];
        rows = (int64_t)(tf->nbytes / 4) / ne0;
        qrow = clk_row_bytes((int)tq->type, ne0);
        if (!clk_type((int)tq->type) || qrow * (size_t)rows != tq->nbytes) {
            printf("  %s: %.*s: type %u not measurable\n", qname, (int)tq->name.n, tq->name.p, tq->type);
            bad++;
            continue;
        }
        xr = (float *)malloc(sizeof(float) * (size_t)ne0);
        yr = (float *)malloc(sizeof(float) * (size_t)ne0);
        mine = (unsigned char *)malloc(qrow);
        for (r = 0; r < rows; r++) {
            const unsigned char *theirs = tq->data + (size_t)r * qrow;
            int64_t j;
            memcpy(xr, tf->data + (size_t)r * (size_t)ne0 * 4, sizeof(float) * (size_t)ne0);
            if (!clk_quantize_row((int)tq->type, xr, mine, ne0)) {
                printf("  %s: %.*s: clika cannot produce %s\n", qname, (int)tq->name.n, tq->name.p,
                       clk_type((int)tq->type)->name);
                same = 0;
                break;
            }
            if (memcmp(mine, theirs, qrow) != 0) {
                size_t b = 0;
                while (mine[b] == theirs[b]) b++;
                if (same)
                    printf("  %s: %.*s (%s) row %lld differs first at byte %lu: %02x vs llama.cpp %02x\n", qname,
                           (int)tq->name.n, tq->name.p, clk_type((int)tq->type)->name, (long long)r,
                           (unsigned long)b, mine[b], theirs[b]);
                same = 0;
            }
            clk_ref_kernels.dequant_row((int)tq->type, theirs, yr, (int)ne0);
            for (j = 0; j < ne0; j++) se += ((double)yr[j] - xr[j]) * ((double)yr[j] - xr[j]), ss += (double)xr[j] * xr[j];
        }
        if (same) counts[tq->type]++;
        else bad++;
        if (tq->type != CLK_T_F32 && !(sqrt(se / (ss + 1e-300)) <= rms_limit((int)tq->type))) {
            printf("  %s: %.*s dequantized: relative RMS error %.4f > %.3f\n", qname, (int)tq->name.n,
                   tq->name.p, sqrt(se / ss), rms_limit((int)tq->type));
            bad++;
        }
        free(xr);
        free(yr);
        free(mine);
    }
    unload(&q);
    return bad;
}

static void test_quantizers_match_llama_quantize_bytes(void)
{
    static const char *const llama_files[] = {"llama-q8_0.gguf", "llama-q4_0.gguf", "llama-q4_1.gguf",
                                              "llama-q5_0.gguf", "llama-q5_1.gguf", "llama-q6_k.gguf",
                                              "llama-q4_k_m.gguf", "llama-q5_k_m.gguf", "llama-f16.gguf",
                                              "llama-bf16.gguf"};
    static const int want_types[] = {CLK_T_Q8_0, CLK_T_Q4_0, CLK_T_Q4_1, CLK_T_Q5_0, CLK_T_Q5_1,
                                     CLK_T_Q4_K, CLK_T_Q5_K, CLK_T_Q6_K, CLK_T_F16, CLK_T_BF16};
    int counts[CLK_T_COUNT] = {0};
    loaded base;
    int i;
    if (!t_shared()) SKIP("../shared not found");
    if (!load("llama-f32.gguf", &base)) {
        CHECK(0);
        return;
    }
    for (i = 0; i < (int)(sizeof llama_files / sizeof llama_files[0]); i++) {
        int bad = compare_file(&base, llama_files[i], counts);
        CHECK_MSG(bad == 0, "%s: %d tensors differ from llama-quantize", llama_files[i], bad);
    }
    unload(&base);
    if (load("stories260k-f32.gguf", &base)) { /* Q8_0 with F16 fallbacks (ne0 = 172) */
        int bad = compare_file(&base, "stories260k-q8_0.gguf", counts);
        CHECK_MSG(bad == 0, "stories260k-q8_0.gguf: %d tensors differ from llama-quantize", bad);
        unload(&base);
    }
    /* every type clika produces was seen, so none passed by absence */
    for (i = 0; i < (int)(sizeof want_types / sizeof want_types[0]); i++)
        CHECK_MSG(counts[want_types[i]] > 0, "no %s tensor was compared", clk_type(want_types[i])->name);
    printf("  byte-identical tensors:");
    for (i = 0; i < CLK_T_COUNT; i++)
        if (counts[i]) printf(" %s %d", clk_type(i)->name, counts[i]);
    printf("\n");
}

int main(int argc, char **argv)
{
    TEST_INIT(argc, argv);
    RUN(test_quantizers_match_llama_quantize_bytes);
    return TEST_DONE();
}
