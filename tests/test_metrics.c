/* test_metrics.c - every worked example of REFERENCE.md section 3 (and of
 * the comments in metrics.h), exactness of the rational forms, and the
 * undefined cases that must be NaN, never 0. */
#include "test.h"
#include "common.h"
#include "metrics.h"

/* correctness vector of 10 items from a set of 1-based item numbers */
static void set10(unsigned char *c, const int *items, int n)
{
    int i;
    memset(c, 0, 10);
    for (i = 0; i < n; i++) c[items[i] - 1] = 1;
}

static void test_en_co_worked_example(void)
{
    /* 10 items, C_en = {1..8}, C_zh = {1,2,3,9,10} -> Jaccard 0.30, cond 0.375, xltr (r=.25) 0.1667 */
    static const int en[] = {1, 2, 3, 4, 5, 6, 7, 8}, zh[] = {1, 2, 3, 9, 10};
    unsigned char ce[10], cz[10];
    clk_overlap o;
    set10(ce, en, 8);
    set10(cz, zh, 5);
    o = clk_overlap_count(ce, cz, 10);
    CHECK_EQ(o.c_a, 8);
    CHECK_EQ(o.c_b, 5);
    CHECK_EQ(o.both, 3);
    CHECK_EQ(o.either, 10);
    CHECK(clk_en_co(&o) == 0.3); /* exactly the double nearest 3/10 */
    CHECK(clk_en_co_cond(&o) == 0.375);
    CHECK_NEAR(clk_xltr(&o, 4), 0.1667, 5e-5);
    CHECK(clk_xltr(&o, 4) == 1.0 / 6.0);
}

static void test_ra_worked_example(void)
{
    /* acc_en .80, acc_zh .50, r .25 -> RA 0.625, ra_chance 0.4545, norm_ref (ref .970) 0.3472 */
    CHECK(clk_ra(5, 10, 8, 10) == 0.625);
    CHECK_NEAR(clk_ra_chance(5, 10, 8, 10, 4), 0.4545, 5e-5);
    CHECK(clk_ra_chance(5, 10, 8, 10, 4) == 5.0 / 11.0);
    CHECK_NEAR(clk_norm_ref(5, 10, 0.970, 4), 0.3472, 5e-5);
    CHECK_NEAR(clk_norm_ref(5, 10, 0.970, 4), 0.25 / 0.72, 1e-15);
    CHECK_EQ(clk_norm_ref(1, 10, 0.970, 4), 0); /* below chance clips to 0 */
}

static void test_xrr_worked_example(void)
{
    /* 24/200 type-1 and 180/200 type-0 correct in zh, 190/200 type-1 in en -> 0.1333, 0.1263, 0.12 */
    clk_xrr_counts x = {24, 200, 180, 200, 190, 200};
    CHECK_NEAR(clk_xrr(&x), 0.1333, 5e-5);
    CHECK(clk_xrr(&x) == 2.0 / 15.0);
    CHECK_NEAR(clk_xrr_en(&x), 0.1263, 5e-5);
    CHECK(clk_xrr_en(&x) == 12.0 / 95.0);
    CHECK(clk_xrr_raw(&x) == 0.12);
    x.c0 = 0;
    CHECK(clk_undef(clk_xrr(&x)));
}

static void test_rankc_worked_example(void)
{
    /* en ranks [A,B,C], zh ranks [B,A,C] -> 0.3348; with a second identical query -> 0.6674 */
    static const uint8_t en[] = {0, 1, 2, 0, 1, 2}, zh[] = {1, 0, 2, 0, 1, 2};
    double w[3];
    clk_rankc_weights(3, CLK_RANKC_SOFTMAX, w);
    CHECK_NEAR(w[0], 0.6652, 5e-5);
    CHECK_NEAR(w[1], 0.2447, 5e-5);
    CHECK_NEAR(w[2], 0.0900, 5e-5);
    CHECK_NEAR(clk_rankc_query(en, zh, 3, CLK_RANKC_SOFTMAX), 0.3348, 5e-5);
    CHECK_NEAR(clk_rankc_query(en, zh, 3, CLK_RANKC_SOFTMAX), w[1] + w[2], 1e-15);
    CHECK_NEAR(clk_rankc(en, zh, 3, 2, CLK_RANKC_SOFTMAX), 0.6674, 5e-5);
    CHECK_NEAR(clk_rankc_query(en, zh, 3, CLK_RANKC_LINEAR), 0.5, 1e-15);
    CHECK_NEAR(clk_rankc_query(en, zh, 3, CLK_RANKC_QUADRATIC), 5.0 / 14.0, 1e-15);
    CHECK_NEAR(clk_rankc_query(en, en, 3, CLK_RANKC_SOFTMAX), 1.0, 1e-15); /* identical rankings */
}

static void test_rankc_rejects_non_permutations(void)
{
    static const uint8_t ok[] = {2, 0, 1}, dup[] = {0, 0, 1}, out[] = {0, 1, 3};
    CHECK(clk_undef(clk_rankc_query(ok, dup, 3, CLK_RANKC_SOFTMAX)));
    CHECK(clk_undef(clk_rankc_query(out, ok, 3, CLK_RANKC_SOFTMAX)));
    CHECK(clk_undef(clk_rankc_query(ok, ok, 0, CLK_RANKC_SOFTMAX)));
    CHECK(clk_undef(clk_rankc(ok, ok, 3, 0, CLK_RANKC_SOFTMAX)));
}

static void test_rankc_reversed_rankings(void)
{
    /* 4 candidates, opposite orders: top-j sets share nothing until j > 2:
     * P = (0, 0, 2/3, 1) -> consist = w3 * 2/3 + w4 */
    static const uint8_t a[] = {0, 1, 2, 3}, b[] = {3, 2, 1, 0};
    double w[4];
    clk_rankc_weights(4, CLK_RANKC_LINEAR, w);
    CHECK_NEAR(w[0] + w[1] + w[2] + w[3], 1.0, 1e-15);
    CHECK_NEAR(w[0], 0.4, 1e-15);
    CHECK_NEAR(clk_rankc_query(a, b, 4, CLK_RANKC_LINEAR), 0.2 * 2.0 / 3.0 + 0.1, 1e-15);
}

static void test_rank_scores_ties_keep_letter_order(void)
{
    static const double s[] = {-1.2, -0.3, -1.2}, s2[] = {-2.0, -1.0, -3.0, -1.0, 0.5};
    uint8_t r[5];
    clk_rank_scores(s, 3, r);
    CHECK(r[0] == 1 && r[1] == 0 && r[2] == 2);
    clk_rank_scores(s2, 5, r);
    CHECK(r[0] == 4 && r[1] == 1 && r[2] == 3 && r[3] == 0 && r[4] == 2);
}

static void test_wilson_interval(void)
{
    double lo, hi;
    clk_wilson(180, 200, &lo, &hi);
    CHECK_NEAR(lo, 0.8506, 5e-5);
    CHECK_NEAR(hi, 0.9343, 5e-5);
    clk_wilson(100, 200, &lo, &hi);
    CHECK_NEAR(lo, 0.4314, 5e-5);
    CHECK_NEAR(hi, 0.5686, 5e-5);
    CHECK_NEAR(lo + hi, 1.0, 1e-12); /* symmetric at 1/2 */
    clk_wilson(8, 10, &lo, &hi);
    CHECK_NEAR(lo, 0.4902, 5e-5);
    CHECK_NEAR(hi, 0.9433, 5e-5);
    clk_wilson(0, 10, &lo, &hi);
    CHECK(lo == 0 && hi > 0.27 && hi < 0.28);
    clk_wilson(10, 10, &lo, &hi);
    CHECK(hi == 1 && lo > 0.72);
    clk_wilson(0, 0, &lo, &hi);
    CHECK(clk_undef(lo) && clk_undef(hi));
}

static void test_co_matrix(void)
{
    static const int en[] = {1, 2, 3, 4, 5, 6, 7, 8}, zh[] = {1, 2, 3, 9, 10};
    unsigned char a[10], b[10], c[10], none[10];
    const unsigned char *v[4];
    double m[16];
    set10(a, en, 8);
    set10(b, zh, 5);
    set10(c, en, 8);
    memset(none, 0, sizeof none);
    v[0] = a;
    v[1] = b;
    v[2] = c;
    v[3] = none;
    clk_co_matrix(v, 4, 10, m);
    CHECK(m[0] == 1 && m[5] == 1 && m[10] == 1);
    CHECK(m[1] == 0.3 && m[4] == 0.3);
    CHECK(m[2] == 1 && m[6] == 0.3 && m[9] == 0.3);
    CHECK(m[3] == 0);                /* English right somewhere, "none" nowhere: 0/8 */
    CHECK(clk_undef(m[15]));         /* none vs none: empty union */
}

static void test_undefined_is_nan_not_zero(void)
{
    clk_overlap o = {10, 0, 0, 0, 0};
    CHECK(clk_undef(clk_ra(3, 10, 0, 10)));
    CHECK(clk_undef(clk_ra_chance(3, 10, 5, 20, 4))); /* acc_en = r */
    CHECK(clk_undef(clk_accuracy(0, 0)));
    CHECK(clk_undef(clk_en_co(&o)));
    CHECK(clk_undef(clk_en_co_cond(&o)));
    CHECK(clk_undef(clk_xltr(&o, 4)));
    CHECK(clk_undef(clk_norm_ref(3, 10, 0.25, 4)));
    CHECK(!clk_undef(clk_ra(0, 10, 5, 10)));
    CHECK_EQ(clk_ra(0, 10, 5, 10), 0);
}

static void test_exact_rationals(void)
{
    /* chatgpt x_csqa zh (counts from the reference file): 568 and 746 of 1000,
     * r = 0.2: ra_chance = (5*568-1000)/(5*746-1000) = 1840/2730, rounded once */
    CHECK(clk_ra_chance(568, 1000, 746, 1000, 5) == 1840.0 / 2730.0);
    CHECK(clk_ra(568, 1000, 746, 1000) == 568.0 / 746.0);
    CHECK(clk_accuracy(746, 1000) == 0.746);
}

int main(int argc, char **argv)
{
    TEST_INIT(argc, argv);
    RUN(test_en_co_worked_example);
    RUN(test_ra_worked_example);
    RUN(test_xrr_worked_example);
    RUN(test_rankc_worked_example);
    RUN(test_rankc_rejects_non_permutations);
    RUN(test_rankc_reversed_rankings);
    RUN(test_rank_scores_ties_keep_letter_order);
    RUN(test_wilson_interval);
    RUN(test_co_matrix);
    RUN(test_undefined_is_nan_not_zero);
    RUN(test_exact_rationals);
    return TEST_DONE();
}
