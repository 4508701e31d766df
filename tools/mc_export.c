/*
 * mc_export.c - writes CLiKA prompt files as the binary task file of
 * llama.cpp's `llama-perplexity --multiple-choice`, so that llama.cpp can
 * score the same questions as `clika eval --mode letter` (tools/bench_eval.sh
 * times both).
 *
 *   mc_export OUT.bin [--limit N] x_geo/x_geo_en_model_input.jsonl ...
 *
 * Each record {"input": prompt, "label": "C"} becomes one task: question =
 * the prompt, answers = "A", "B", ... (k of them, k from the file name's
 * task), label 1 on the gold letter. llama-perplexity scores
 * tokenize(question + " " + answer), so its continuation is " A" where
 * clika's letter mode scores the token "A": the same one-token-per-option
 * workload, not the same numbers.
 *
 * The file (perplexity.cpp, multiple_choice_score): u32 n_task; u32
 * offset[n_task] (byte offset of each task from the file's start); then
 * per task: string question; u32 n; n strings; n i32 labels (mc1); u32 0
 * (mc2, unused). A string is u32 length + bytes. Little-endian.
 */
#define _POSIX_C_SOURCE 200809L
#include "jsonl.h"
#include "arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put32(FILE *f, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
    fwrite(b, 1, 4, f);
}

static void put_str(FILE *f, const char *s, size_t n)
{
    put32(f, (uint32_t)n);
    fwrite(s, 1, n, f);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long n;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = (unsigned char *)malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

int main(int argc, char **argv)
{
    static unsigned char scratch[64 << 20];
    const char *out;
    long limit = -1;
    int i, first = 2;
    uint32_t n_task = 0, k;
    long pass;
    FILE *f;
    uint32_t *offsets = NULL;
    if (argc < 3) {
        fprintf(stderr, "usage: mc_export OUT.bin [--limit N] PROMPTS.jsonl...\n");
        return 2;
    }
    out = argv[1];
    if (argc > 3 && !strcmp(argv[2], "--limit")) {
        limit = atol(argv[3]);
        first = 4;
    }
    f = fopen(out, "wb");
    if (!f) {
        perror(out);
        return 2;
    }
    /* pass 0 counts the tasks, pass 1 writes them */
    for (pass = 0; pass < 2; pass++) {
        uint32_t t = 0;
        if (pass == 1) {
            uint32_t pos = 4 + 4 * n_task;
            put32(f, n_task);
            offsets = (uint32_t *)calloc(n_task ? n_task : 1, 4);
            fwrite(offsets, 4, n_task, f); /* patched below */
            (void)pos;
        }
        for (i = first; i < argc; i++) {
            size_t len, ll;
            unsigned char *text = slurp(argv[i], &len);
            const char *line, *base = strrchr(argv[i], '/');
            clk_jsonl r;
            long n = 0;
            uint32_t n_opt = 4;
            base = base ? base + 1 : argv[i];
            if (!strncmp(base, "x_csqa", 6)) n_opt = 5;
            if (!strncmp(base, "x_copa", 6)) n_opt = 2;
            if (!text) {
                perror(argv[i]);
                return 2;
            }
            clk_jsonl_init(&r, text, len);
            while ((limit < 0 || n < limit) && clk_jsonl_next(&r, &line, &ll)) {
                clk_arena a;
                clk_json_doc d;
                clk_err e;
                const clk_json *in, *lab;
                n++;
                if (pass == 0) {
                    n_task++;
                    continue;
                }
                clk_arena_init(&a, scratch, sizeof scratch);
                if (clk_json_parse(line, ll, argv[i], r.line, &a, &d, &e) != CLK_OK) {
                    fprintf(stderr, "%s\n", e.msg);
                    return 2;
                }
                in = clk_json_get(&d, d.root, "input");
                lab = clk_json_get(&d, d.root, "label");
                if (!in || !lab || in->type != CLK_JSON_STRING || lab->type != CLK_JSON_STRING) return 2;
                offsets[t++] = (uint32_t)ftell(f);
                put_str(f, in->u.s, in->n);
                put32(f, n_opt);
                for (k = 0; k < n_opt; k++) {
                    char c = (char)('A' + k);
                    put_str(f, &c, 1);
                }
                for (k = 0; k < n_opt; k++) put32(f, (uint32_t)(lab->u.s[0] == 'A' + (int)k));
                put32(f, 0);
            }
            free(text);
        }
    }
    fseek(f, 4, SEEK_SET);
    for (k = 0; k < n_task; k++) put32(f, offsets[k]);
    fclose(f);
    free(offsets);
    fprintf(stderr, "mc_export: %u tasks -> %s\n", n_task, out);
    return 0;
}
