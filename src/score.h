/*
 * score.h - CLiKA result files in, per-item correctness aligned across
 * languages and every metric out.
 *
 * Must never: print, allocate outside the arena, guess when the data is
 * inconsistent (misaligned ids, a missing language, two candidate result
 * files), or skip an item: an unparseable answer is wrong, not absent.
 *
 * The layout (REFERENCE.md section 1), for --model NAME:
 *
 *     DATA/<task>/<lang dir>/NAME_res.jsonl                        (ChatGPT runs)
 *     DATA/<task>/<lang dir>/NAME_res_bf16_add_simple_example.jsonl (open models)
 *
 * task is x_csqa, x_copa, x_name or x_geo; the language directory matches
 * the code case-insensitively, with or without "_trans" ("ZH_trans",
 * "DE", "zh"). Exactly one of the two file names must exist. Record i of
 * every language is item i (aligned by line); "id" and "uuid" must agree
 * with English's record on the same line. Extra keys are ignored, except
 * "scores": [s_A, s_B, ...] (one number per option, in letter order, as
 * `clika eval` writes them), which gives RankC against English.
 *
 * The answer rule (REFERENCE.md section 2, the authors' res_statistic.py):
 *     s    = res with Python whitespace stripped from both ends
 *     pred = first code point of s, or 'F' if s is empty
 *     correct = (pred == label)
 *
 * Usage (main.c; `clika eval` does the same after writing its results):
 *     static clk_score_set set;                      // ~100 KiB: not on the stack
 *     clk_score_find(&set, &opts, &err);             // directories, files, sizes
 *     clk_score_plan(&set, &plan);                   // ...acquire the arena...
 *     clk_score_result *r;
 *     clk_score_run(&set, &arena, &r, &err);         // parse, align, compute
 *     clk_report_json(r, &out);                      // report.h
 */
#ifndef CLK_SCORE_H
#define CLK_SCORE_H

#include "common.h"
#include "arena.h"
#include "jsonl.h"
#include "metrics.h"

/* ------------------------------------------------------------------ tasks */

typedef struct clk_task_info {
    const char *name;   /* "x_geo": the directory name */
    int n_options;      /* k: answers are letters A.. (k options), chance 1/k */
    double ref_acc;     /* ChatGPT's English accuracy, the norm_ref reference  */
    const char *about;  /* one line for the reports */
} clk_task_info;

/* The four multiple-choice tasks, in report order; NULL-terminated. */
extern const clk_task_info clk_tasks[];
/* The ten languages in report order: en zh de fr it ja pl ru ar he. */
extern const char *const clk_default_langs[];
#define CLK_N_DEFAULT_LANGS 10

const clk_task_info *clk_task_find(const char *name);

/* The answer rule above: the first code point of res after Python
 * whitespace, or 'F' when there is none. res[0..n) is valid UTF-8. */
uint32_t clk_answer_pred(const char *res, size_t n);

/* ---------------------------------------------------------------- options */

#ifndef CLK_MAX_LANG_CODE
#define CLK_MAX_LANG_CODE 16 /* bytes of a language code with its NUL */
#endif

typedef struct clk_score_opts {
    const char *data;   /* DATA: the repository root holding x_csqa/, x_copa/, ... */
    const char *model;  /* NAME of the result files */
    const char *tasks;  /* "x_geo,x_name" or NULL: every known task present in DATA */
    const char *langs;  /* "en,zh" or NULL: the ten; English is always scored (added first if absent) */
} clk_score_opts;

/* ------------------------------------------------------------ the file set */

/* One result file, found and measured by clk_score_find. */
typedef struct clk_score_file {
    char dir[CLK_MAX_FILENAME];  /* language directory as spelled on disk: "ZH_trans" */
    char name[CLK_MAX_FILENAME]; /* "NAME_res.jsonl" or "NAME_res_bf16_add_simple_example.jsonl" */
    uint64_t size;               /* bytes */
    uint64_t lines, longest;     /* records and the longest line (bounds from size without mmap) */
} clk_score_file;

typedef struct clk_score_set {
    char data[CLK_MAX_PATH];
    char model[CLK_MAX_FILENAME];
    int n_tasks, n_langs;
    const clk_task_info *task[CLK_MAX_TASKS];
    char lang[CLK_MAX_LANGS][CLK_MAX_LANG_CODE]; /* lower-case codes; lang[en_index] == "en" */
    int en;                                      /* index of English in lang[] */
    clk_score_file file[CLK_MAX_TASKS][CLK_MAX_LANGS];
    char listing[CLK_MAX_DIRLIST];               /* scratch for sorted directory listings */
} clk_score_set;

/* Resolve tasks, languages and files, and measure each file. Errors
 * (CLK_E_ARG for a bad option, CLK_E_DATA for missing or ambiguous data)
 * name the directory that was searched. */
clk_status clk_score_find(clk_score_set *set, const clk_score_opts *o, clk_err *e);

/* The path of a set's file: DATA/task/dir/name. */
clk_status clk_score_path(const clk_score_set *set, int t, int l, char *out, size_t cap, clk_err *e);

/* Arena lines clk_score_run takes:
 *   "score result"   the clk_score_result
 *   "correctness"    one byte per item per (task, language)
 *   "json scratch"   two parsed lines at a time (English and one other)
 *   "file buffers"   only without mmap: every file of the largest task */
void clk_score_plan(const clk_score_set *set, clk_plan *p);

/* ----------------------------------------------------------------- results */

/* One language of one task: the counts behind every metric, and the metrics. */
typedef struct clk_lang_score {
    long n;             /* items                                      */
    long correct;       /* |C_L|                                      */
    long unparsed;      /* items whose pred is not an option letter   */
    clk_overlap en;     /* counts against English (a = en, b = this)  */
    double acc, acc_lo, acc_hi;          /* accuracy and its Wilson 95% interval */
    double ra, ra_chance, norm_ref;      /* Performance                           */
    double en_co, en_co_cond, xltr;      /* Consistency                           */
    double rankc;       /* RankC vs English from "scores"; NaN unless has_rankc */
    int has_rankc;      /* every record of this language and of English has scores */
    unsigned char *c;   /* [n] 1 if item i is correct */
    /* issue 9 (fictional stream) adds an XRR block here: clk_xrr_counts and
     * the three XRR forms with their gates, written as "xrr" in report.json. */
} clk_lang_score;

typedef struct clk_task_score {
    const clk_task_info *info;
    long n;                                  /* items per language */
    clk_lang_score lang[CLK_MAX_LANGS];      /* in set->lang order */
    double co[CLK_MAX_LANGS * CLK_MAX_LANGS]; /* [n_langs][n_langs] pairwise Jaccard, NaN undefined */
} clk_task_score;

typedef struct clk_score_result {
    const clk_score_set *set; /* model, languages, directories */
    int n_tasks, n_langs;
    clk_task_score task[CLK_MAX_TASKS];
} clk_score_result;

/* Read every file of the set, check alignment, compute every metric. */
clk_status clk_score_run(const clk_score_set *set, clk_arena *a, clk_score_result **out, clk_err *e);

#endif /* CLK_SCORE_H */
