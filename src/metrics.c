/*
 * metrics.c - the formulas of metrics.h. Each ratio is one integer
 * numerator over one integer denominator (64-bit products of counts),
 * divided once.
 *
 * Must never: allocate, print, touch a file, or turn an undefined value
 * into 0.
 */
#include "metrics.h"

/* num / den with den = 0 undefined */
static double ratio(int64_t num, int64_t den) { return den == 0 ? CLK_UNDEF : (double)num / (double)den; }

/* (c1/n1) / (c2/n2) = c1 n2 / (c2 n1); undefined if any acc is undefined or acc2 = 0 */
static double acc_ratio(long c1, long n1, long c2, long n2)
{
    if (n1 <= 0 || n2 <= 0) return CLK_UNDEF;
    return ratio((int64_t)c1 * n2, (int64_t)c2 * n1);
}

double clk_accuracy(long correct, long n) { return n <= 0 ? CLK_UNDEF : ratio(correct, n); }

void clk_wilson(long correct, long n, double *lo, double *hi)
{
    const double z = CLK_WILSON_Z, z2 = z * z;
    double c = (double)correct, m = (double)n, centre, half;
    if (n <= 0 || correct < 0 || correct > n) {
        *lo = *hi = CLK_UNDEF;
        return;
    }
    centre = (c + z2 / 2) / (m + z2);
    half = z * sqrt(c * (m - c) / m + z2 / 4) / (m + z2);
    *lo = centre - half < 0 ? 0 : centre - half;
    *hi = centre + half > 1 ? 1 : centre + half;
}

double clk_ra(long c_l, long n_l, long c_en, long n_en) { return acc_ratio(c_l, n_l, c_en, n_en); }

double clk_ra_chance(long c_l, long n_l, long c_en, long n_en, int k)
{
    /* (c_l/n_l - 1/k) / (c_en/n_en - 1/k) = (k c_l - n_l) n_en / ((k c_en - n_en) n_l) */
    if (n_l <= 0 || n_en <= 0 || k < 1) return CLK_UNDEF;
    return ratio(((int64_t)k * c_l - n_l) * n_en, ((int64_t)k * c_en - n_en) * n_l);
}

double clk_norm_ref(long c, long n, double acc_ref, int k)
{
    /* (c/n - 1/k) / (acc_ref - 1/k) = (k c - n) / ((k acc_ref - 1) n) */
    double den, v;
    if (n <= 0 || k < 1) return CLK_UNDEF;
    den = ((double)k * acc_ref - 1.0) * (double)n;
    if (den == 0) return CLK_UNDEF;
    v = (double)((int64_t)k * c - n) / den;
    return v < 0 ? 0 : v;
}

clk_overlap clk_overlap_count(const unsigned char *a, const unsigned char *b, long n)
{
    clk_overlap o;
    long i;
    o.n = n;
    o.c_a = o.c_b = o.both = o.either = 0;
    for (i = 0; i < n; i++) {
        int x = a[i] != 0, y = b[i] != 0;
        o.c_a += x;
        o.c_b += y;
        o.both += x & y;
        o.either += x | y;
    }
    return o;
}

double clk_en_co(const clk_overlap *o) { return ratio(o->both, o->either); }

double clk_en_co_cond(const clk_overlap *o) { return ratio(o->both, o->c_a); }

double clk_xltr(const clk_overlap *o, int k)
{
    /* (both/c_en - 1/k) / (1 - 1/k) = (k both - c_en) / ((k - 1) c_en) */
    if (k < 2) return CLK_UNDEF;
    return ratio((int64_t)k * o->both - o->c_a, (int64_t)(k - 1) * o->c_a);
}

void clk_co_matrix(const unsigned char *const *c, int n_langs, long n, double *out)
{
    int a, b;
    for (a = 0; a < n_langs; a++)
        for (b = a; b < n_langs; b++) {
            clk_overlap o = clk_overlap_count(c[a], c[b], n);
            out[a * n_langs + b] = out[b * n_langs + a] = clk_en_co(&o);
        }
}

double clk_xrr(const clk_xrr_counts *x) { return acc_ratio(x->c1, x->n1, x->c0, x->n0); }
double clk_xrr_en(const clk_xrr_counts *x) { return acc_ratio(x->c1, x->n1, x->c1_en, x->n1_en); }
double clk_xrr_raw(const clk_xrr_counts *x) { return clk_accuracy(x->c1, x->n1); }

void clk_rankc_weights(int n, int kind, double *w)
{
    double sum = 0;
    int j;
    for (j = 1; j <= n; j++) {
        double v, top = (double)(n - j + 1); /* the j-th best gets weight from N-j+1 */
        if (kind == CLK_RANKC_LINEAR) v = top;
        else if (kind == CLK_RANKC_QUADRATIC) v = top * top;
        else v = exp(top - n); /* softmax, shifted by the max (N) for range */
        w[j - 1] = v;
        sum += v;
    }
    for (j = 0; j < n; j++) w[j] /= sum;
}

double clk_rankc_query(const uint8_t *r1, const uint8_t *r2, int n, int kind)
{
    unsigned char in1[CLK_MAX_OPTIONS], in2[CLK_MAX_OPTIONS];
    double w[CLK_MAX_OPTIONS], consist = 0;
    int j, both = 0;
    if (n < 1 || n > CLK_MAX_OPTIONS) return CLK_UNDEF;
    clk_rankc_weights(n, kind, w);
    for (j = 0; j < n; j++) in1[j] = in2[j] = 0;
    for (j = 0; j < n; j++) {
        uint8_t a = r1[j], b = r2[j];
        if (a >= n || b >= n || in1[a] || in2[b]) return CLK_UNDEF; /* not a permutation */
        in1[a] = in2[b] = 1;
        /* the top-(j+1) sets grew by a and b: count each new common member once */
        both += in2[a] + (a != b ? in1[b] : 0);
        consist += w[j] * (double)both / (double)(j + 1);
    }
    return consist;
}

double clk_rankc(const uint8_t *r1, const uint8_t *r2, int n, long q, int kind)
{
    double sum = 0;
    long i;
    if (q <= 0) return CLK_UNDEF;
    for (i = 0; i < q; i++) sum += clk_rankc_query(r1 + i * n, r2 + i * n, n, kind);
    return sum / (double)q;
}

void clk_rank_scores(const double *scores, int n, uint8_t *rank)
{
    int i, j;
    /* insertion sort, stable: a later letter moves ahead only on a strictly higher score */
    for (i = 0; i < n; i++) {
        uint8_t v = (uint8_t)i;
        for (j = i; j > 0 && scores[rank[j - 1]] < scores[v]; j--) rank[j] = rank[j - 1];
        rank[j] = v;
    }
}
