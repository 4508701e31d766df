/*
 * fictional.h - the Conductivity level of CLiKA (the fictional stream):
 * result files of generated answers in, per-language type-0 / type-1 /
 * English / translation accuracy, the three training gates and the three
 * XRR forms out. A score stage, beside score.h (which handles the four
 * multiple-choice tasks).
 *
 * The protocol (the authors' fictional/README.md, REFERENCE.md section 3):
 * invented places are assigned to invented continents. For a target
 * language L a model is fine-tuned (usually a LoRA adapter) on every fact
 * in English, on the "type 0" facts only in L, and on the translation of
 * every name. Training counts as complete when English recall, type-0
 * recall in L and the name translations are all above 90%; only then is
 * the recall of the type-1 facts asked in L - facts taught only in English
 * - a measure of cross-lingual conductivity:
 *     XRR = A_L^1 / A_L^0   (default),   A_L^1 / A_en^1,   A_L^1
 *
 * Files. Test data (DATA = the CLiKA layout):
 *     DATA/fictional/test/target/test<L>.jsonl     {"prompt","input","answer"}; the answer ends
 *                                                 with [[continent:C]][[city:X]][[type:T]]
 *     DATA/fictional/test/Translate/translate<L>.jsonl  {"prompt","input": EN name,"answer": L name}
 *     DATA/fictional/train/<L>.json                (optional) the training file, JSON lines
 * (<L> upper-case: ZH, DE, ...). Results, one directory per target
 * language, because each target language has its own fine-tuned model:
 *     RESULTS/fictional/<l>/NAME_res.jsonl            answers to test<L>.jsonl (required)
 *     RESULTS/fictional/<l>/NAME_en_res.jsonl         the same model's answers to testEN.jsonl
 *     RESULTS/fictional/<l>/NAME_translate_res.jsonl  its answers to translate<L>.jsonl
 * (<l> lower-case). A result file has one record per line of its test file,
 * in the same order: {"id": line index (optional, checked when present),
 * "res": the generated text, ...}; other keys are ignored. A missing
 * English or translation file leaves its gate "not measured", which counts
 * as not passed.
 *
 * Correct = the expected name (the [[continent:...]] tag, or a translation
 * record's "answer") occurs in "res". Letters of the Latin, Greek and
 * Cyrillic scripts are compared without case (simple Unicode lowercase
 * mapping, code point by code point); every other character exactly.
 *
 * Ambiguous names: when two test items of L ask about the same place name
 * but expect different continents, at most one of them can be answered
 * right; the count is reported (the authors' files have 1 to 4 such names
 * per language, SOURCE.md known problem 2), not corrected.
 *
 * The training-file check: every continent name of test<L>.jsonl must occur
 * in train/<L>.json when that file exists. The authors' Chinese training
 * file uses other continent names than their Chinese test file (SOURCE.md,
 * known problem 1): such a language gets a warning and its XRR is flagged
 * as not meaningful, never silently scored.
 *
 * Usage (main.c):
 *     static clk_fict_set s;
 *     clk_fict_find(&s, &opts, &err);  clk_fict_plan(&s, &plan);  ...acquire...
 *     clk_fict_run(&s, &arena, &err);  clk_report_fictional_json(&s, &out);
 */
#ifndef CLK_FICTIONAL_H
#define CLK_FICTIONAL_H

#include "common.h"
#include "arena.h"
#include "jsonl.h"
#include "metrics.h"

/* Distinct continent names per language, and their bytes. */
#ifndef CLK_MAX_CONTINENTS
#define CLK_MAX_CONTINENTS 64
#endif
#ifndef CLK_MAX_CONTINENT_BYTES
#define CLK_MAX_CONTINENT_BYTES 4096
#endif

/* Bytes of the place names of one language's test file (the authors': 400
 * names, ~10 KB), for the ambiguous-name check; beyond it the check is
 * skipped and says so. */
#ifndef CLK_MAX_CITY_BYTES
#define CLK_MAX_CITY_BYTES 65536
#endif

#define CLK_FICT_GATE 0.9 /* the authors' "exceeds 90%" */

typedef struct clk_fict_opts {
    const char *data;    /* DATA: holds fictional/test/... */
    const char *results; /* RESULTS: holds fictional/<l>/NAME_*res.jsonl; NULL = DATA */
    const char *model;   /* NAME */
    const char *langs;   /* "zh,de" or NULL: each of zh de fr it ja pl ru ar he with a NAME_res.jsonl */
    long limit;          /* > 0: only the first `limit` records of every test file were
                            answered (clika eval --limit); <= 0: all of them */
} clk_fict_opts;

/* One counted section: n items, c correct. */
typedef struct clk_fict_count {
    long n, c;
} clk_fict_count;

typedef struct clk_fict_lang {
    char code[8];                /* "zh" */
    char up[8];                  /* "ZH" */
    int has_en, has_tr, has_train; /* optional files found */
    uint64_t longest;            /* longest line of this language's files (plan) */
    uint64_t biggest;            /* largest file of this language (plan without mmap) */
    /* counts */
    clk_fict_count t0, t1;       /* type 0 / type 1 asked in L */
    clk_fict_count en0, en1;     /* type 0 / type 1 asked in English (the L-tuned model) */
    clk_fict_count tr;           /* name translations EN -> L */
    /* metrics: NaN when undefined */
    clk_xrr_counts x;
    double xrr, xrr_en, xrr_raw;
    int gate_en, gate_t0, gate_tr; /* 1 passed, 0 failed, -1 not measured */
    int trained;                 /* all three gates passed                  */
    /* the training-file check */
    int n_cont;                  /* distinct continent names in test<L>     */
    int n_cont_missing;          /* of those, never in train/<L>.json (-1: no train file) */
    char missing_example[128];   /* one missing name                        */
    char cont[CLK_MAX_CONTINENT_BYTES]; /* the names, NUL-separated           */
    size_t cont_len;
    int meaningful;              /* trained and no name mismatch            */
    /* the ambiguous-name check: one place name in L on two continents (the
     * authors' translations merge "Vortex Valley" and "Vortex Vale", ...) */
    int n_amb_names, n_amb_items;  /* -1: not checked (CLK_MAX_CITY_BYTES)   */
    char amb_example[128];
    char city[CLK_MAX_CITY_BYTES]; /* [continent index byte][name][NUL] per item */
    size_t city_len;
    int n_city;
} clk_fict_lang;

typedef struct clk_fict_set {
    char data[CLK_MAX_PATH];
    char results[CLK_MAX_PATH];
    char model[CLK_MAX_FILENAME];
    long limit;                   /* clk_fict_opts.limit */
    int n_langs;
    clk_fict_lang lang[CLK_MAX_LANGS];
    uint64_t en_longest, en_size; /* testEN.jsonl */
} clk_fict_set;

/* Resolve languages and files (test files must exist; result files: the
 * main one must, the English and translation ones may), measure them. */
clk_status clk_fict_find(clk_fict_set *s, const clk_fict_opts *o, clk_err *e);

/* Arena lines clk_fict_run takes: "json scratch" (two parsed lines at a
 * time), "paths", and without mmap "file buffers" (two files at a time). */
void clk_fict_plan(const clk_fict_set *s, clk_plan *p);

/* Read every file, count, compute XRR and the gates. */
clk_status clk_fict_run(clk_fict_set *s, clk_arena *a, clk_err *e);

/* Does name[0..nn) occur in text[0..tn)? (both valid UTF-8; the case rule
 * above). An empty name never matches. */
int clk_fict_match(const char *text, size_t tn, const char *name, size_t nn);

/* Where a generated answer ends (clika eval --tasks fictional): at its
 * first newline that follows some text other than spaces, tabs and line
 * breaks, else at n. "\n\nKelvaria.\nMore" -> 11 (the answer
 * "\n\nKelvaria."). */
size_t clk_fict_answer_end(const char *s, size_t n);

/* Gates and XRR from the counts (clk_fict_run calls it; tests too). */
void clk_fict_metrics(clk_fict_lang *l);

#endif /* CLK_FICTIONAL_H */
