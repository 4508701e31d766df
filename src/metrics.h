/*
 * metrics.h - the CLiKA metrics as pure functions: counts in, numbers out.
 *
 * Must never: read or write files, allocate, print, or keep state. Every
 * function here can be checked by hand with the worked example in its
 * comment (REFERENCE.md section 3); tests/test_metrics.c checks each one.
 *
 * Notation: c_L[i] in {0,1} is whether item i was answered correctly in
 * language L; items are parallel, so item i is the same question in every
 * language. N items, C_L = {i : c_L[i] = 1}, acc_L = |C_L| / N, and
 * r = 1/k the chance rate of a task with k options (x_csqa 5, x_copa 2,
 * x_name 4, x_geo 4).
 *
 * Exactness: the inputs are counts, so every ratio below is computed as one
 * integer numerator over one integer denominator and rounded once to a
 * double (ra_chance = (k*c_L - n_L)*n_en / ((k*c_en - n_en)*n_L), not
 * ((c_L/n_L) - 0.2)/((c_en/n_en) - 0.2)). Results are the exact rationals
 * correctly rounded, as the reference files hold them.
 *
 * Undefined values (a division by zero) are NaN here, `null` in JSON and
 * "-" in tables; never 0. Test with clk_undef(x).
 */
#ifndef CLK_METRICS_H
#define CLK_METRICS_H

#include "common.h"

#include <math.h>

/* NaN marks an undefined metric (C99 math.h NAN; clika never builds with
 * -ffast-math, so NaN compares unequal to itself as IEEE 754 says). */
#define CLK_UNDEF ((double)NAN)
static inline int clk_undef(double x) { return x != x; }

/* ---------------------------------------------------------------- accuracy */

/* acc = correct / n.  Example: 746 of 1000 -> 0.746.  n = 0: undefined. */
double clk_accuracy(long correct, long n);

/* The Wilson score interval for a proportion, at 95% (z = 1.959964, the
 * 97.5% quantile of the standard normal):
 *
 *     centre    = (c + z^2/2) / (n + z^2)
 *     halfwidth = z * sqrt(c (n - c) / n + z^2/4) / (n + z^2)
 *     [lo, hi]  = centre -/+ halfwidth, clamped to [0, 1]
 *
 * Unlike acc +/- 1.96 sqrt(acc(1-acc)/n) it stays inside [0, 1] and is
 * honest near 0 and 1. Example: 180 of 200 (acc 0.90) -> [0.8506, 0.9343];
 * 100 of 200 -> [0.4314, 0.5686], so at N = 200 two accuracies 2 points
 * apart are well inside each other's interval. 8 of 10 -> [0.4902, 0.9433].
 * n = 0: both undefined. */
#define CLK_WILSON_Z 1.959963984540054
void clk_wilson(long correct, long n, double *lo, double *hi);

/* ------------------------------------------------------- Performance (RA) */

/* RA = acc_L / acc_en (the default PF metric).
 * Example: acc_en 0.80 (8/10), acc_zh 0.50 (5/10) -> 0.625.
 * Undefined when acc_en = 0. */
double clk_ra(long c_l, long n_l, long c_en, long n_en);

/* Chance-corrected RA: (acc_L - r) / (acc_en - r), not clipped.
 * Example: acc_en 0.80, acc_zh 0.50, r = 0.25 (k = 4) -> 0.25/0.55 = 0.4545.
 * Undefined when acc_en = r. */
double clk_ra_chance(long c_l, long n_l, long c_en, long n_en, int k);

/* The authors' normalisation (normalize_res.py): max(0, (acc - r) /
 * (acc_ref - r)), acc_ref = ChatGPT's English accuracy on the task
 * (x_csqa 0.746, x_copa 0.964, x_name 0.922, x_geo 0.970).
 * Example: acc 0.50, r = 0.25, acc_ref 0.970 -> 0.25/0.72 = 0.3472.
 * Undefined when acc_ref = r or n = 0. */
double clk_norm_ref(long c, long n, double acc_ref, int k);

/* ---------------------------------------------------- Consistency (en-CO) */

/* The counts behind the overlap metrics of two languages a and b. */
typedef struct clk_overlap {
    long n;      /* items                   N          */
    long c_a;    /* correct in a            |C_a|      */
    long c_b;    /* correct in b            |C_b|      */
    long both;   /* correct in both         |C_a ∩ C_b| */
    long either; /* correct in at least one |C_a ∪ C_b| */
} clk_overlap;

/* Count them from two correctness vectors a[n], b[n] (0 or 1 each). */
clk_overlap clk_overlap_count(const unsigned char *a, const unsigned char *b, long n);

/* en-CO, the Jaccard index |C_en ∩ C_L| / |C_en ∪ C_L| (a = en, b = L).
 * Example: 10 items, C_en = {1..8}, C_zh = {1,2,3,9,10}:
 * ∩ = {1,2,3}, ∪ = {1..10} -> 3/10 = 0.30. Undefined when ∪ is empty. */
double clk_en_co(const clk_overlap *o);

/* Conditional en-CO: |C_en ∩ C_L| / |C_en|, the share of what English gets
 * right that L gets right too. Example above: 3/8 = 0.375.
 * Undefined when |C_en| = 0. */
double clk_en_co_cond(const clk_overlap *o);

/* XLTR, chance-corrected conditional overlap: (en_co_cond - r) / (1 - r)
 * = (k |∩| - |C_en|) / ((k - 1) |C_en|).
 * Example above with r = 0.25: (0.375 - 0.25)/0.75 = 0.1667.
 * Undefined when |C_en| = 0 or k < 2. */
double clk_xltr(const clk_overlap *o, int k);

/* The pairwise Jaccard matrix of n_langs correctness vectors c[l][n]:
 * out[a * n_langs + b] = |C_a ∩ C_b| / |C_a ∪ C_b| (NaN when the union is
 * empty). Symmetric, 1 on the diagonal unless a language got nothing right.
 * Example: the three vectors C = {1..8}, {1,2,3,9,10}, {1..8} of 10 items
 * give [[1, .3, 1], [.3, 1, .3], [1, .3, 1]]. */
void clk_co_matrix(const unsigned char *const *c, int n_langs, long n, double *out);

/* ---------------------------------------------------- Conductivity (XRR) */

/* Fictional stream, after fine-tuning for target language L: type-1 facts
 * were taught only in English, type-0 facts in English and in L. */
typedef struct clk_xrr_counts {
    long c1, n1;       /* type-1 items asked in L: correct, total   (A_L^1)  */
    long c0, n0;       /* type-0 items asked in L: correct, total   (A_L^0)  */
    long c1_en, n1_en; /* type-1 items asked in English             (A_en^1) */
} clk_xrr_counts;

/* XRR = A_L^1 / A_L^0 (the default): retrieval across languages relative
 * to retrieval of facts also taught in L.
 * Example: 24/200 type-1 and 180/200 type-0 correct in zh -> 0.12/0.90 = 0.1333. */
double clk_xrr(const clk_xrr_counts *x);
/* A_L^1 / A_en^1. Example: with 190/200 type-1 in English -> 0.12/0.95 = 0.1263. */
double clk_xrr_en(const clk_xrr_counts *x);
/* The raw A_L^1. Example: 24/200 -> 0.12. */
double clk_xrr_raw(const clk_xrr_counts *x);

/* ------------------------------------------------------------------ RankC */

/* RankC (Qi et al. 2023): how alike two languages rank the same candidates.
 * For one query with N candidates ranked R1 and R2 (best first):
 *
 *     P@j     = |top_j(R1) ∩ top_j(R2)| / j
 *     consist = sum_{j=1..N} w_j P@j
 *
 * and RankC is the mean of consist over queries. Weights (sum to 1):
 *     CLK_RANKC_SOFTMAX    w = softmax([N, N-1, ..., 1])  (the default)
 *     CLK_RANKC_LINEAR     w_j = (N-j+1) / sum_k k
 *     CLK_RANKC_QUADRATIC  w_j = (N-j+1)^2 / sum_k k^2
 * Example: en ranks [A,B,C], zh ranks [B,A,C]: P@1 = 0, P@2 = P@3 = 1;
 * softmax weights (0.6652, 0.2447, 0.0900) -> 0.3348; linear (1/2, 1/3,
 * 1/6) -> 0.5; quadratic (9/14, 4/14, 1/14) -> 0.3571. Adding a second
 * query ranked alike in both languages (consist 1) -> RankC 0.6674. */
enum { CLK_RANKC_SOFTMAX = 0, CLK_RANKC_LINEAR = 1, CLK_RANKC_QUADRATIC = 2 };

/* w[0..n) for n <= CLK_MAX_OPTIONS candidates. */
void clk_rankc_weights(int n, int kind, double *w);

/* consist of one query: r1[n], r2[n] are candidate indices, best first.
 * NaN if either is not a permutation of 0..n-1 or n is out of range. */
double clk_rankc_query(const uint8_t *r1, const uint8_t *r2, int n, int kind);

/* RankC over q queries stored as r1[q][n], r2[q][n]; NaN when q = 0. */
double clk_rankc(const uint8_t *r1, const uint8_t *r2, int n, long q, int kind);

/* Rank candidates by score, highest first; equal scores keep letter order
 * (A before B). Example: scores (-1.2, -0.3, -1.2) -> rank (1, 0, 2). */
void clk_rank_scores(const double *scores, int n, uint8_t *rank);

#endif /* CLK_METRICS_H */
