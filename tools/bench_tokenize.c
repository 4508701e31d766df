/*
 * bench_tokenize.c - tokenization throughput on the ten-language CLiKA text.
 *
 *     make tools
 *     build/<target>/tools/bench_tokenize VOCAB.gguf [CLIKA_DIR [SECONDS]]
 *
 * Reads every prompt of CLIKA_DIR (default ../shared/clika)
 * x_geo/x_geo_<lang>_model_input.jsonl and x_name/x_name_<lang>_model_input.jsonl
 * for the ten languages (the "input" field, JSON-decoded), then tokenizes
 * them all over and over, as the evaluator will (add_special on,
 * parse_special off), for at least SECONDS (default 2) of wall time, and
 * prints the throughput in MB/s of UTF-8 input, tokens per second and the
 * bytes per token of each language. Also reports the time to build the
 * tokenizer tables. A benchmark tool: it allocates and prints freely.
 */
#include "common.h"
#include "arena.h"
#include "gguf.h"
#include "tokenizer.h"
#include "port.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const langs[10] = {"en", "zh", "de", "fr", "it", "ja", "pl", "ru", "ar", "he"};

typedef struct prompt {
    char *p;
    size_t n;
    int lang;
} prompt;

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *b;
    long n;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    b = (unsigned char *)malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) {
        b[n] = 0;
        *len = (size_t)n;
    }
    return b;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decode the JSON string starting after the opening quote at *s; returns a
 * malloc'd UTF-8 string and its length, advancing *s past the closing quote. */
static char *json_string(const char **s, size_t *n)
{
    const char *p = *s;
    char *out = (char *)malloc(strlen(p) + 1), *o = out;
    while (*p && *p != '"') {
        if (*p != '\\') {
            *o++ = *p++;
            continue;
        }
        p++;
        switch (*p) {
        case 'n': *o++ = '\n'; p++; break;
        case 't': *o++ = '\t'; p++; break;
        case 'r': *o++ = '\r'; p++; break;
        case 'b': *o++ = '\b'; p++; break;
        case 'f': *o++ = '\f'; p++; break;
        case 'u': {
            unsigned long cp = 0;
            int k;
            for (k = 1; k <= 4; k++) cp = cp * 16 + (unsigned long)hexval(p[k]);
            p += 5;
            if (cp >= 0xD800 && cp <= 0xDBFF && p[0] == '\\' && p[1] == 'u') {
                unsigned long lo = 0;
                for (k = 2; k <= 5; k++) lo = lo * 16 + (unsigned long)hexval(p[k]);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            o += clk_utf8_encode((uint32_t)cp, (unsigned char *)o);
            break;
        }
        default: *o++ = *p++; break;
        }
    }
    *s = *p ? p + 1 : p;
    *n = (size_t)(o - out);
    return out;
}

static size_t load_prompts(const char *dir, prompt **out)
{
    static const char *const tasks[2] = {"x_geo", "x_name"};
    size_t n = 0, cap = 0;
    int t, l;
    *out = NULL;
    for (t = 0; t < 2; t++)
        for (l = 0; l < 10; l++) {
            char path[4096];
            size_t len;
            const char *p;
            unsigned char *buf;
            snprintf(path, sizeof path, "%s/%s/%s_%s_model_input.jsonl", dir, tasks[t], tasks[t], langs[l]);
            buf = slurp(path, &len);
            if (!buf) {
                fprintf(stderr, "bench_tokenize: cannot read %s\n", path);
                exit(2);
            }
            for (p = (const char *)buf; (p = strstr(p, "\"input\"")) != NULL;) {
                p = strchr(p + 7, '"');
                if (!p) break;
                p++;
                if (n == cap) {
                    cap = cap ? 2 * cap : 1024;
                    *out = (prompt *)realloc(*out, cap * sizeof **out);
                }
                (*out)[n].p = json_string(&p, &(*out)[n].n);
                (*out)[n].lang = l;
                n++;
            }
            free(buf);
        }
    return n;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 2 ? argv[2] : "../shared/clika";
    double seconds = argc > 3 ? atof(argv[3]) : 2.0, t0, t1, t_init;
    size_t flen, n, i, max_len = 0, total_bytes = 0, lang_bytes[10] = {0}, lang_toks[10] = {0};
    unsigned char *file;
    prompt *pr;
    clk_gguf_header h;
    clk_gguf g;
    clk_tok tok;
    clk_plan plan;
    clk_arena a;
    clk_err e;
    void *mem;
    int32_t *ids;
    size_t cap, rounds = 0, toks_round = 0;
    int l;

    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: bench_tokenize VOCAB.gguf [CLIKA_DIR [SECONDS]]\n");
        return 2;
    }
    n = load_prompts(dir, &pr);
    for (i = 0; i < n; i++) {
        if (pr[i].n > max_len) max_len = pr[i].n;
        total_bytes += pr[i].n;
    }
    file = slurp(argv[1], &flen);
    if (!file) {
        fprintf(stderr, "bench_tokenize: cannot read %s\n", argv[1]);
        return 2;
    }
    if (clk_gguf_peek(file, flen, &h, &e) != CLK_OK) goto fail;
    clk_plan_init(&plan);
    clk_gguf_plan(&h, &plan);
    mem = malloc((size_t)plan.total + CLK_ALIGN);
    clk_arena_init(&a, (void *)(((uintptr_t)mem + CLK_ALIGN - 1) & ~(uintptr_t)(CLK_ALIGN - 1)), (size_t)plan.total);
    if (clk_gguf_parse(&g, file, flen, &a, &e) != CLK_OK) goto fail;

    t0 = clk_sys_seconds();
    clk_plan_init(&plan);
    if (clk_tok_plan(&g, max_len, &plan, &e) != CLK_OK) goto fail;
    mem = malloc((size_t)plan.total + CLK_ALIGN);
    clk_arena_init(&a, (void *)(((uintptr_t)mem + CLK_ALIGN - 1) & ~(uintptr_t)(CLK_ALIGN - 1)), (size_t)plan.total);
    if (clk_tok_init(&tok, &g, max_len, &a, &e) != CLK_OK) goto fail;
    t_init = clk_sys_seconds() - t0;

    cap = clk_tok_max_tokens(max_len);
    ids = (int32_t *)malloc(cap * sizeof *ids);
    for (i = 0; i < n; i++) { /* one untimed round for the per-language figures */
        size_t k;
        if (clk_tok_encode(&tok, pr[i].p, pr[i].n, 1, 0, ids, cap, &k, &e) != CLK_OK) goto fail;
        lang_bytes[pr[i].lang] += pr[i].n;
        lang_toks[pr[i].lang] += k;
        toks_round += k;
    }
    t0 = clk_sys_seconds();
    do {
        for (i = 0; i < n; i++) {
            size_t k;
            if (clk_tok_encode(&tok, pr[i].p, pr[i].n, 1, 0, ids, cap, &k, &e) != CLK_OK) goto fail;
        }
        rounds++;
        t1 = clk_sys_seconds();
    } while (t1 - t0 < seconds);

    printf("vocab        %s (%s, pre '%s', %d tokens, %d merges)\n", argv[1], tok.kind == CLK_TOK_SPM ? "SPM" : "BPE",
           tok.pre_name, tok.n_vocab, tok.n_merges);
    printf("text         %zu prompts (x_geo + x_name, 10 languages), %zu bytes, longest %zu\n", n, total_bytes,
           max_len);
    printf("init         %.1f ms (tables: %.1f MiB, scratch %.1f MiB)\n", t_init * 1e3,
           (double)(plan.total - tok.scratch_bytes) / (1 << 20), (double)tok.scratch_bytes / (1 << 20));
    printf("throughput   %.2f MB/s, %.0f tokens/s (%zu rounds in %.2f s)\n",
           (double)total_bytes * (double)rounds / (t1 - t0) / 1e6, (double)toks_round * (double)rounds / (t1 - t0),
           rounds, t1 - t0);
    printf("bytes/token ");
    for (l = 0; l < 10; l++) printf(" %s %.2f", langs[l], lang_toks[l] ? (double)lang_bytes[l] / (double)lang_toks[l] : 0.0);
    printf("\n");
    return 0;
fail:
    fprintf(stderr, "bench_tokenize: %s\n", e.msg);
    return 2;
}
