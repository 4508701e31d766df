/* test_port.c - the kernels of the port this binary was built with
 * (clk_port_kernels(): ref, avx2, avx512 or neon) against the reference
 * (clk_ref_kernels), for every kernel of the table and every weight type
 * the reference can compute with. Port-agnostic: nothing here knows which
 * instruction set is underneath, so the same file checks the NEON port
 * under qemu.
 *
 * What is checked:
 *   - quantize_act and dequant_row: the same bytes / bits as the reference;
 *   - matmul: within CLK_TOL_MM_REL of the reference and of an independent
 *     double-precision dot of the operands decoded here from their layouts
 *     (so with PORT=ref the test still proves something), on both
 *     activation routes, for m = 1 and m > 1, odd row counts and block
 *     counts; and the clk_mm contract: every split of the rows [r0, r1) and
 *     of the activation rows gives the same bits as one whole tile;
 *   - dot, axpy, rmsnorm, softmax, rope, swiglu, geglu: odd lengths and
 *     tails, within named tolerances;
 *   - every kernel gives the same bits when called twice.
 */
#include "test.h"
#include "port.h"

#include <stdint.h>

/* ------------------------------------------------------------- tolerances */
/* Bounds of |port - ref| (and of |kernel - exact|), relative to the natural
 * scale of the rounding error, named so a port's slack is visible here.
 *
 * matmul: relative to sum_j mag(w_j) * |a_j| (mag: |d*q| + |min| for the
 * formats with a min). A port may add blocks in another order, in several
 * accumulators, with fused multiply-adds: each of the <= k/32 float
 * additions rounds by 2^-24 of a partial sum, so for k <= 4096 (128 blocks)
 * and a few scale products, 2e-5 leaves a margin. Float dots (f32/f16/bf16
 * weights) summed in float lanes: k / lanes additions, same order. */
#define CLK_TOL_MM_REL 2e-5
/* dot_f32: float lanes and fused multiply-adds instead of a double sum. */
#define CLK_TOL_DOT_REL 2e-5
/* axpy: y + a*x with or without a fused multiply-add: one rounding apart. */
#define CLK_TOL_AXPY_REL 2.5e-7
/* rmsnorm: sum of squares (double in the reference), 1/sqrt, two products. */
#define CLK_TOL_RMSNORM_REL 2e-6
/* softmax, swiglu: a vectorised exp within a few ulp, a division. */
#define CLK_TOL_EXP_REL 1e-5
/* rope: cos/sin of angles up to ~1e3 rad, two products and a sum. */
#define CLK_TOL_ROPE_REL 2e-5
/* geglu: the table value is exact; only the product with up rounds. */
#define CLK_TOL_GEGLU_REL 2.5e-7

/* --------------------------------------------------------------- helpers */

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static double unif(void) { return (double)(rng() >> 11) * (1.0 / 9007199254740992.0); }
static float gauss(void)
{
    double u = unif() + 1e-300, v = unif();
    return (float)(sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v));
}

/* Rows of several shapes (kind % 9): gaussian at scales 1e-3..1e3,
 * integers and half-integers (ties), sparse, one-signed, offset, all zero,
 * tiny (1e-38: 127/amax overflows to inf). */
static void fill(float *x, int n, int kind)
{
    float sc = (float)pow(10.0, (double)((int)(rng() % 7) - 3));
    int i;
    for (i = 0; i < n; i++) switch (kind % 9) {
        case 0: x[i] = gauss() * sc; break;
        case 1: x[i] = (float)((int)(rng() % 255) - 127); break;
        case 2: x[i] = (float)((int)(rng() % 511) - 255) * 0.5f; break;
        case 3: x[i] = rng() % 4 == 0 ? gauss() * sc : 0.0f; break;
        case 4: x[i] = (float)unif() * sc; break;
        case 5: x[i] = -(float)unif() * sc - sc; break;
        case 6: x[i] = gauss() * sc + 3.0f * sc; break;
        case 7: x[i] = 0.0f; break;
        default: x[i] = rng() % 16 == 0 ? gauss() * 1e-38f : 0.0f; break;
        }
}

static int same_bits(float a, float b) { return clk_f32_bits(a) == clk_f32_bits(b) || (a != a && b != b); }

/* Every type id the reference computes with (F32 F16 BF16 Q4_0 Q4_1 Q5_0
 * Q5_1 Q8_0 Q4_K Q5_K Q6_K today; Q2_K/Q3_K are known layouts the
 * reference does not multiply, so they are not listed as compute types). */
static int compute_types(int *out)
{
    int t, n = 0;
    for (t = 0; t < CLK_T_COUNT; t++)
        if (clk_type(t) && clk_type(t)->compute) out[n++] = t;
    return n;
}

/* A half with a sane exponent (|h| in [2^-12, 2^3)), random sign/mantissa. */
static void sane_half(uint8_t *p)
{
    uint16_t h = (uint16_t)(((3 + rng() % 15) << 10) | (rng() & 0x83FF));
    p[0] = (uint8_t)h;
    p[1] = (uint8_t)(h >> 8);
}

/* n elements of type t: random bytes with sane scale fields (every bit of
 * the quant fields exercised), or, with `quantized`, gaussian values put
 * through clk_quantize_row (the shapes real weights have). */
static void random_row(int t, uint8_t *p, int n, int quantized)
{
    const clk_type_info *ti = clk_type(t);
    int nb = n / ti->blck, b, i;
    if (quantized) {
        float *x = (float *)malloc(sizeof(float) * (size_t)n);
        fill(x, n, 0);
        clk_quantize_row(t, x, p, n);
        free(x);
        return;
    }
    for (b = 0; b < nb; b++, p += ti->bytes) {
        for (i = 0; i < ti->bytes; i++) p[i] = (uint8_t)rng();
        switch (t) {
        case CLK_T_Q6_K: sane_half(p + 208); break;
        case CLK_T_Q4_1: case CLK_T_Q5_1: case CLK_T_Q4_K: case CLK_T_Q5_K: sane_half(p); sane_half(p + 2); break;
        case CLK_T_Q8_0: case CLK_T_Q4_0: case CLK_T_Q5_0: sane_half(p); break;
        case CLK_T_F16: sane_half(p); break;
        case CLK_T_BF16: p[1] = (uint8_t)((0x3C + rng() % 8) | (p[1] & 0x80)); break;
        case CLK_T_F32: { float f = gauss(); memcpy(p, &f, 4); break; }
        default: break;
        }
    }
}

/* ------------------------------------ an independent decoder (layouts) */
/* Element j of a row of type t as a double, from ggml-common.h's byte
 * layouts, written here and not taken from port/ref.c; *mag is the scale
 * of its rounding error (|d*q| + |min| for formats with a min). */
static double f16v(const uint8_t *p) { return clk_fp16_to_fp32((uint16_t)(p[0] | p[1] << 8)); }
static int k_scale(const uint8_t *b, int s) { return s < 4 ? b[s] & 63 : (b[s + 4] & 15) | (b[s - 4] >> 6) << 4; }
static int k_min(const uint8_t *b, int s) { return s < 4 ? b[s + 4] & 63 : (b[s + 4] >> 4) | (b[s] >> 6) << 4; }

static double naive_elem(int t, const uint8_t *row, int j, double *mag, double *minpart)
{
    const clk_type_info *ti = clk_type(t);
    const uint8_t *p = row + (size_t)(j / ti->blck) * (size_t)ti->bytes;
    double v, m = 0.0;
    j %= ti->blck;
    switch (t) {
    case CLK_T_F32: { float f; memcpy(&f, p, 4); v = f; break; }
    case CLK_T_F16: v = f16v(p); break;
    case CLK_T_BF16: v = clk_bf16_to_fp32((uint16_t)(p[0] | p[1] << 8)); break;
    case CLK_T_Q8_0: v = f16v(p) * (int8_t)p[2 + j]; break;
    case CLK_T_Q8_1: v = f16v(p) * (int8_t)p[4 + j]; break;
    case CLK_T_Q8_K: { float d; memcpy(&d, p, 4); v = (double)d * (int8_t)p[4 + j]; break; }
    case CLK_T_Q4_0:
    case CLK_T_Q4_1: {
        const uint8_t *qs = p + (t == CLK_T_Q4_0 ? 2 : 4);
        int nib = j < 16 ? qs[j] & 15 : qs[j - 16] >> 4;
        if (t == CLK_T_Q4_0) v = f16v(p) * (nib - 8);
        else v = f16v(p) * nib, m = f16v(p + 2);
        break;
    }
    case CLK_T_Q5_0:
    case CLK_T_Q5_1: {
        const uint8_t *qh = p + (t == CLK_T_Q5_0 ? 2 : 4), *qs = qh + 4;
        uint32_t hb = (uint32_t)qh[0] | (uint32_t)qh[1] << 8 | (uint32_t)qh[2] << 16 | (uint32_t)qh[3] << 24;
        int q = (j < 16 ? qs[j] & 15 : qs[j - 16] >> 4) | (int)((hb >> j) & 1) << 4;
        if (t == CLK_T_Q5_0) v = f16v(p) * (q - 16);
        else v = f16v(p) * q, m = f16v(p + 2);
        break;
    }
    case CLK_T_Q4_K:
    case CLK_T_Q5_K: {
        const uint8_t *sc = p + 4, *qh = p + 16, *qs = p + (t == CLK_T_Q4_K ? 16 : 48);
        int s = j / 32, c = j / 64, l = j % 32;
        int q = s % 2 == 0 ? qs[32 * c + l] & 15 : qs[32 * c + l] >> 4;
        if (t == CLK_T_Q5_K) q += ((qh[l] >> s) & 1) * 16;
        v = f16v(p) * k_scale(sc, s) * q;
        m = -f16v(p + 2) * k_min(sc, s);
        break;
    }
    case CLK_T_Q6_K: {
        const uint8_t *ql = p, *qh = p + 128;
        const int8_t *sc = (const int8_t *)(p + 192);
        int h = j / 128, t4 = (j % 128) / 32, l = j % 32;
        int lo = (ql[64 * h + l + 32 * (t4 % 2)] >> (4 * (t4 / 2))) & 15;
        int hi = (qh[32 * h + l] >> (2 * t4)) & 3;
        v = f16v(p + 208) * sc[j / 16] * ((lo | hi << 4) - 32);
        break;
    }
    default: v = NAN; break;
    }
    if (mag) *mag = fabs(v) + fabs(m);
    if (minpart) *minpart = m;
    return v + m;
}

/* ------------------------------------------------------------ dequant */

static void test_dequant_row_bit_exact(void)
{
    const clk_kernels *k = clk_port_kernels();
    int types[CLK_T_COUNT], nt = compute_types(types), ti, rep, bad = 0, naive_bad = 0;
    for (ti = 0; ti < nt; ti++) {
        int t = types[ti], blck = clk_type(t)->blck;
        for (rep = 0; rep < 24; rep++) {
            int nb = 1 + (int)(rng() % (blck == 1 ? 300 : blck == 32 ? 19 : 5)), n = nb * blck, j;
            uint8_t *w = (uint8_t *)malloc(clk_row_bytes(t, n) + 1);
            float *a = (float *)malloc(sizeof(float) * (size_t)n), *b = (float *)malloc(sizeof(float) * (size_t)n);
            random_row(t, w, n, rep % 3 == 2);
            if (rep % 8 == 7) /* fully random bytes: NaN and inf scales too */
                for (j = 0; j < (int)clk_row_bytes(t, n); j++) w[j] = (uint8_t)rng();
            k->dequant_row(t, w, a, n);
            clk_ref_kernels.dequant_row(t, w, b, n);
            for (j = 0; j < n; j++) {
                double mag, v = naive_elem(t, w, j, &mag, NULL);
                if (!same_bits(a[j], b[j]) && bad++ < 5)
                    T_FAILMSG("%s n=%d [%d]: port %.9g ref %.9g", clk_type(t)->name, n, j, a[j], b[j]);
                if (rep % 8 != 7 && !(fabs(b[j] - v) <= 2.5e-7 * mag) && naive_bad++ < 5)
                    T_FAILMSG("%s n=%d [%d]: ref %.9g layout %.9g", clk_type(t)->name, n, j, b[j], v);
            }
            t_cur_checks++;
            free(w);
            free(a);
            free(b);
        }
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(naive_bad, 0);
}

/* ------------------------------------------------------- quantize_act */

static void test_quantize_act_byte_exact(void)
{
    const clk_kernels *k = clk_port_kernels();
    int types[CLK_T_COUNT], nt = compute_types(types), ti, rep, act, bad = 0;
    for (ti = 0; ti < nt; ti++) {
        int t = types[ti];
        const clk_type_info *at = clk_type(clk_type(t)->act);
        for (act = 0; act < 2; act++)
            for (rep = 0; rep < 40; rep++) {
                int blck = act == CLK_ACT_F32 ? 1 : at->blck;
                int n = blck * (1 + (int)(rng() % (blck == 1 ? 700 : blck == 32 ? 40 : 6)));
                size_t nbytes = clk_act_row_bytes(t, act, n);
                float *x = (float *)malloc(sizeof(float) * (size_t)n);
                uint8_t *a = (uint8_t *)malloc(nbytes + 16), *b = (uint8_t *)malloc(nbytes + 16);
                fill(x, n, rep);
                if (rep % 9 == 0 && n > 40) { /* one huge element, one exact tie of the scale */
                    x[rng() % (unsigned)n] = 3e4f;
                    x[rng() % (unsigned)n] = -127.5f;
                }
                memset(a, 0xAB, nbytes + 16);
                memset(b, 0xAB, nbytes + 16);
                k->quantize_act(t, act, x, a, n);
                clk_ref_kernels.quantize_act(t, act, x, b, n);
                t_cur_checks++;
                if (memcmp(a, b, nbytes + 16) && bad++ < 5) {
                    size_t j = 0;
                    while (a[j] == b[j]) j++;
                    T_FAILMSG("%s act=%d n=%d kind=%d: byte %u of %u differs (%02x vs ref %02x)", clk_type(t)->name,
                              act, n, rep % 9, (unsigned)j, (unsigned)nbytes, a[j], b[j]);
                }
                free(x);
                free(a);
                free(b);
            }
    }
    CHECK_EQ(bad, 0);
}

/* -------------------------------------------------------------- matmul */

enum { MM_ROWS = 13, MM_M = 19 }; /* m above two chunks of 8: every tile path */

typedef struct mm_case {
    int t, k, act;
    int rows, m; /* weight rows, activation rows */
    uint8_t *w;  /* [rows][w_row] */
    uint8_t *x;  /* [m][x_row]: converted by the REFERENCE quantize_act */
    size_t w_row, x_row;
} mm_case;

static void mm_case_make_n(mm_case *c, int t, int k, int act, int kind, int rows, int m)
{
    float *row = (float *)malloc(sizeof(float) * (size_t)k);
    int r, i;
    c->t = t;
    c->k = k;
    c->act = act;
    c->rows = rows;
    c->m = m;
    c->w_row = clk_row_bytes(t, k);
    c->x_row = clk_act_row_bytes(t, act, k) + 4 * (size_t)(kind % 3); /* x_row > row bytes too */
    c->w = (uint8_t *)malloc(c->w_row * (size_t)rows + 1);
    c->x = (uint8_t *)malloc(c->x_row * (size_t)m + 1);
    for (r = 0; r < rows; r++) random_row(t, c->w + r * c->w_row, k, (r + kind) % 2);
    for (i = 0; i < m; i++) {
        fill(row, k, kind + i == 7 ? 0 : kind + i); /* kind 7 (all zero) once at most */
        clk_ref_kernels.quantize_act(t, act, row, c->x + i * c->x_row, k);
    }
    free(row);
}

static void mm_case_make(mm_case *c, int t, int k, int act, int kind)
{
    mm_case_make_n(c, t, k, act, kind, MM_ROWS, MM_M);
}

static void mm_case_free(mm_case *c)
{
    free(c->w);
    free(c->x);
}

/* y rows [i0, i1) x weight rows [r0, r1) with kernels kk, into y[m][ldy]. */
static void run_mm(const clk_kernels *kk, const mm_case *c, int r0, int r1, int i0, int i1, float *y, size_t ldy)
{
    clk_mm mm;
    mm.wtype = c->t;
    mm.w = c->w;
    mm.w_row = c->w_row;
    mm.k = c->k;
    mm.x = c->x + (size_t)i0 * c->x_row;
    mm.x_row = c->x_row;
    mm.m = i1 - i0;
    mm.y = y + (size_t)i0 * ldy;
    mm.ldy = ldy;
    mm.r0 = r0;
    mm.r1 = r1;
    mm.act = c->act;
    kk->matmul(&mm);
}

/* The exact dot of weight row r and activation row i (both decoded from
 * their bytes here) and its error scale. Q4_1/Q5_1 against Q8_1: the
 * kernels take the min term from the activation block's stored
 * s = f16(d * sum q) (which may round, underflow or overflow to inf in
 * f16, as in ggml), so the exact value uses the stored s too. */
static double mm_exact(const mm_case *c, int r, int i, double *scale)
{
    const uint8_t *w = c->w + (size_t)r * c->w_row, *x = c->x + (size_t)i * c->x_row;
    int at = c->act == CLK_ACT_F32 ? CLK_T_F32 : clk_type(c->t)->act, j;
    double s = 0.0, mag = 0.0;
    for (j = 0; j < c->k; j++) {
        double mw, mn, xv = naive_elem(at, x, j, NULL, NULL), wv = naive_elem(c->t, w, j, &mw, &mn);
        if (at == CLK_T_Q8_1) {
            wv -= mn;
            mw -= fabs(mn);
        }
        s += wv * xv;
        mag += mw * fabs(xv);
    }
    if (at == CLK_T_Q8_1)
        for (j = 0; j < c->k / 32; j++) {
            const uint8_t *wb = w + (size_t)j * clk_type(c->t)->bytes, *xb = x + (size_t)j * 36;
            double t = f16v(wb + 2) * f16v(xb + 2);
            s += t;
            mag += fabs(t);
        }
    *scale = CLK_TOL_MM_REL * mag + 1e-30;
    return s;
}

/* |a - b| <= tol, or the same non-finite value (an f16 overflow in a
 * scale gives inf or NaN in every port alike). */
static int near_or_same(double a, double b, double tol)
{
    if (isfinite(a) && isfinite(b)) return fabs(a - b) <= tol;
    return (isnan(a) && isnan(b)) || a == b;
}

/* Sizes per block size: odd block counts, one block, and a long row. */
static int mm_sizes(int blck, int *ks)
{
    if (blck == 1) { ks[0] = 1; ks[1] = 7; ks[2] = 33; ks[3] = 259; ks[4] = 1000; return 5; }
    if (blck == 32) { ks[0] = 32; ks[1] = 96; ks[2] = 32 * 37; ks[3] = 2048; return 4; }
    ks[0] = 256; ks[1] = 768; ks[2] = 2304; return 3;
}

static void test_matmul_vs_ref_and_exact(void)
{
    const clk_kernels *k = clk_port_kernels();
    int types[CLK_T_COUNT], nt = compute_types(types), ti, act, si, bad = 0, exact_bad = 0;
    int n_same[CLK_T_COUNT][2] = {{0}}, n_all[CLK_T_COUNT][2] = {{0}};
    for (ti = 0; ti < nt; ti++)
        for (act = 0; act < 2; act++) {
            int t = types[ti], ks[8], nk = mm_sizes(clk_type(t)->blck, ks);
            for (si = 0; si < nk; si++) {
                mm_case c;
                float yp[MM_M * MM_ROWS], yr[MM_M * MM_ROWS];
                int r, i;
                mm_case_make(&c, t, ks[si], act, si + ti);
                run_mm(k, &c, 0, MM_ROWS, 0, MM_M, yp, MM_ROWS);
                run_mm(&clk_ref_kernels, &c, 0, MM_ROWS, 0, MM_M, yr, MM_ROWS);
                for (i = 0; i < MM_M; i++)
                    for (r = 0; r < MM_ROWS; r++) {
                        double sc, ex = mm_exact(&c, r, i, &sc);
                        float p = yp[i * MM_ROWS + r], q = yr[i * MM_ROWS + r];
                        t_cur_checks++;
                        if (!near_or_same(p, q, 2.0 * sc) && bad++ < 6)
                            T_FAILMSG("%s act=%d k=%d (%d,%d): port %.9g ref %.9g (tol %.3g)", clk_type(t)->name,
                                      act, c.k, i, r, p, q, 2.0 * sc);
                        if (!(near_or_same(q, ex, sc) && near_or_same(p, ex, sc)) && exact_bad++ < 6)
                            T_FAILMSG("%s act=%d k=%d (%d,%d): port %.9g ref %.9g exact %.9g (tol %.3g)",
                                      clk_type(t)->name, act, c.k, i, r, p, q, ex, sc);
                    }
                for (i = 0; i < MM_M * MM_ROWS; i++) n_same[ti][act] += same_bits(yp[i], yr[i]), n_all[ti][act]++;
                mm_case_free(&c);
            }
        }
    /* information, not a requirement: which types the port reproduces bit for bit */
    printf("  bit-identical with ref (native route):");
    for (ti = 0; ti < nt; ti++) printf(" %s %d/%d", clk_type(types[ti])->name, n_same[ti][0], n_all[ti][0]);
    printf("\n");
    CHECK_EQ(bad, 0);
    CHECK_EQ(exact_bad, 0);
}

/* The clk_mm contract: any split of weight rows and activation rows, m = 1
 * included, gives the bits of the whole tile; so does calling again. */
static void test_matmul_split_contract(void)
{
    const clk_kernels *k = clk_port_kernels();
    int types[CLK_T_COUNT], nt = compute_types(types), ti, act, bad = 0;
    for (ti = 0; ti < nt; ti++)
        for (act = 0; act < 2; act++) {
            int t = types[ti], ks[8], nk = mm_sizes(clk_type(t)->blck, ks), split;
            mm_case c;
            float whole[MM_M * MM_ROWS], part[MM_M * MM_ROWS];
            mm_case_make(&c, t, ks[nk > 2 ? 2 : nk - 1], act, ti);
            run_mm(k, &c, 0, MM_ROWS, 0, MM_M, whole, MM_ROWS);
            for (split = 0; split < 8; split++) {
                int r0 = 0, i0, j;
                memset(part, 0xFF, sizeof part);
                if (split == 0) { /* again, whole: the same bits on every call */
                    run_mm(k, &c, 0, MM_ROWS, 0, MM_M, part, MM_ROWS);
                } else if (split == 1) { /* one weight row and one activation row at a time */
                    int r, i;
                    for (r = 0; r < MM_ROWS; r++)
                        for (i = 0; i < MM_M; i++) run_mm(k, &c, r, r + 1, i, i + 1, part, MM_ROWS);
                } else { /* random row ranges times random activation ranges */
                    while (r0 < MM_ROWS) {
                        int r1 = r0 + 1 + (int)(rng() % (unsigned)(split + 2));
                        if (r1 > MM_ROWS) r1 = MM_ROWS;
                        for (i0 = 0; i0 < MM_M;) {
                            int i1 = i0 + 1 + (int)(rng() % (unsigned)(split + 1));
                            if (i1 > MM_M) i1 = MM_M;
                            run_mm(k, &c, r0, r1, i0, i1, part, MM_ROWS);
                            i0 = i1;
                        }
                        r0 = r1;
                    }
                }
                for (j = 0; j < MM_M * MM_ROWS; j++) {
                    t_cur_checks++;
                    if (clk_f32_bits(part[j]) != clk_f32_bits(whole[j]) && bad++ < 6)
                        T_FAILMSG("%s act=%d split %d: y[%d][%d] %.9g vs whole tile %.9g", clk_type(t)->name, act,
                                  split, j / MM_ROWS, j % MM_ROWS, part[j], whole[j]);
                }
            }
            mm_case_free(&c);
        }
    CHECK_EQ(bad, 0);
}

/* Shapes past every tile size the ports use (x86 prefill: 16-row groups in
 * batches of 4, 128 activation rows, runs of 32 blocks): 77 weight rows,
 * 140 activation rows, 70 blocks of 32 (9 super-blocks of 256). The whole
 * product against the reference within tolerance, and the tasks the
 * forward pass makes (32 and 64 rows, activation rows whole or in pieces)
 * against the whole, bit for bit. */
static void test_matmul_large_tiles(void)
{
    enum { ROWS = 77, M = 140 };
    const clk_kernels *k = clk_port_kernels();
    int types[CLK_T_COUNT], nt = compute_types(types), ti, bad = 0, split_bad = 0;
    float *whole = (float *)malloc(sizeof(float) * ROWS * M), *yr = (float *)malloc(sizeof(float) * ROWS * M);
    float *part = (float *)malloc(sizeof(float) * ROWS * M);
    for (ti = 0; ti < nt; ti++) {
        int t = types[ti], blck = clk_type(t)->blck, j, split;
        mm_case c;
        if (blck == 1) continue; /* float weights: one path for every shape */
        mm_case_make_n(&c, t, blck == 32 ? 32 * 70 : 256 * 9, CLK_ACT_NATIVE, ti, ROWS, M);
        run_mm(k, &c, 0, ROWS, 0, M, whole, ROWS);
        run_mm(&clk_ref_kernels, &c, 0, ROWS, 0, M, yr, ROWS);
        for (j = 0; j < ROWS * M; j += 7) { /* every 7th element: the exact sum costs k each */
            double sc;
            (void)mm_exact(&c, j % ROWS, j / ROWS, &sc);
            t_cur_checks++;
            if (!near_or_same(whole[j], yr[j], 2.0 * sc) && bad++ < 6)
                T_FAILMSG("%s: y[%d][%d] port %.9g ref %.9g (tol %.3g)", clk_type(t)->name, j / ROWS, j % ROWS,
                          whole[j], yr[j], 2.0 * sc);
        }
        for (split = 0; split < 3; split++) {
            int rt = split == 0 ? 32 : 64, r0, i0;
            memset(part, 0xFF, sizeof(float) * ROWS * M);
            for (r0 = 0; r0 < ROWS; r0 += rt)
                for (i0 = 0; i0 < M;) {
                    int i1 = split < 2 ? M : i0 + 1 + (int)(rng() % 40u);
                    if (i1 > M) i1 = M;
                    run_mm(k, &c, r0, r0 + rt < ROWS ? r0 + rt : ROWS, i0, i1, part, ROWS);
                    i0 = i1;
                }
            for (j = 0; j < ROWS * M; j++) {
                t_cur_checks++;
                if (clk_f32_bits(part[j]) != clk_f32_bits(whole[j]) && split_bad++ < 6)
                    T_FAILMSG("%s split %d: y[%d][%d] %.9g vs whole %.9g", clk_type(t)->name, split, j / ROWS,
                              j % ROWS, part[j], whole[j]);
            }
        }
        mm_case_free(&c);
    }
    free(whole);
    free(yr);
    free(part);
    CHECK_EQ(bad, 0);
    CHECK_EQ(split_bad, 0);
}

/* Only rows [r0, r1) are written: the neighbours of a tile stay as they were. */
static void test_matmul_writes_only_its_tile(void)
{
    const clk_kernels *k = clk_port_kernels();
    int types[CLK_T_COUNT], nt = compute_types(types), ti;
    for (ti = 0; ti < nt; ti++) {
        int t = types[ti], ks[8], j;
        mm_case c;
        float y[MM_M * MM_ROWS];
        mm_sizes(clk_type(t)->blck, ks);
        mm_case_make(&c, t, ks[1], CLK_ACT_NATIVE, ti);
        for (j = 0; j < MM_M * MM_ROWS; j++) y[j] = -12345.0f;
        run_mm(k, &c, 3, 10, 2, 7, y, MM_ROWS);
        for (j = 0; j < MM_M * MM_ROWS; j++) {
            int i = j / MM_ROWS, r = j % MM_ROWS, inside = r >= 3 && r < 10 && i >= 2 && i < 7;
            if (!inside) CHECK_MSG(y[j] == -12345.0f, "%s: y[%d][%d] outside the tile written", clk_type(t)->name, i, r);
        }
        mm_case_free(&c);
    }
}

/* ------------------------------------------------------ vector kernels */

static const int vec_sizes[] = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 896, 1000, 4097};
#define N_VEC_SIZES ((int)(sizeof vec_sizes / sizeof vec_sizes[0]))

static void test_dot_f32(void)
{
    const clk_kernels *k = clk_port_kernels();
    float a[4097], b[4097];
    int si, rep;
    for (si = 0; si < N_VEC_SIZES; si++)
        for (rep = 0; rep < 4; rep++) {
            int n = vec_sizes[si], i;
            double ex = 0.0, mag = 0.0;
            float p, q;
            fill(a, n, rep);
            fill(b, n, rep + 3);
            for (i = 0; i < n; i++) ex += (double)a[i] * b[i], mag += fabs((double)a[i] * b[i]);
            p = k->dot_f32(a, b, n);
            q = clk_ref_kernels.dot_f32(a, b, n);
            CHECK_MSG(fabs(p - q) <= 2 * CLK_TOL_DOT_REL * mag, "dot n=%d: port %.9g ref %.9g", n, p, q);
            CHECK_MSG(fabs(p - ex) <= CLK_TOL_DOT_REL * mag, "dot n=%d: port %.9g exact %.9g", n, p, ex);
            CHECK(same_bits(p, k->dot_f32(a, b, n)));
        }
}

static void test_axpy_f32(void)
{
    const clk_kernels *k = clk_port_kernels();
    float x[4097 + 2], y0[4097 + 2], yp[4097 + 2], yr[4097 + 2];
    int si, rep, bad = 0;
    for (si = 0; si < N_VEC_SIZES; si++)
        for (rep = 0; rep < 3; rep++) {
            int n = vec_sizes[si], i;
            float a = gauss();
            fill(x, n + 2, rep);
            fill(y0, n + 2, rep + 1);
            memcpy(yp, y0, sizeof(float) * (size_t)(n + 2));
            memcpy(yr, y0, sizeof(float) * (size_t)(n + 2));
            k->axpy_f32(yp, a, x, n);
            clk_ref_kernels.axpy_f32(yr, a, x, n);
            for (i = 0; i < n + 2; i++) {
                double tol = i < n ? CLK_TOL_AXPY_REL * (fabs(y0[i]) + fabs(a * x[i])) : 0.0;
                t_cur_checks++;
                if (!(fabs(yp[i] - yr[i]) <= tol) && bad++ < 5)
                    T_FAILMSG("axpy n=%d [%d]: port %.9g ref %.9g", n, i, yp[i], yr[i]);
            }
        }
    CHECK_EQ(bad, 0);
}

static void test_rmsnorm(void)
{
    const clk_kernels *k = clk_port_kernels();
    float x[4097], w[4097], yp[4097], yr[4097];
    int si, rep, bad = 0;
    for (si = 1; si < N_VEC_SIZES; si++)
        for (rep = 0; rep < 4; rep++) {
            int n = vec_sizes[si], i, use_w = rep % 2;
            fill(x, n, rep == 3 ? 0 : rep);
            fill(w, n, 6);
            k->rmsnorm(yp, x, use_w ? w : NULL, n, 1e-6f);
            clk_ref_kernels.rmsnorm(yr, x, use_w ? w : NULL, n, 1e-6f);
            for (i = 0; i < n; i++) {
                t_cur_checks++;
                if (!(fabs(yp[i] - yr[i]) <= CLK_TOL_RMSNORM_REL * fabs(yr[i]) + 1e-30) && bad++ < 5)
                    T_FAILMSG("rmsnorm n=%d w=%d [%d]: port %.9g ref %.9g", n, use_w, i, yp[i], yr[i]);
            }
            memcpy(yp, x, sizeof(float) * (size_t)n); /* in place */
            k->rmsnorm(yp, yp, use_w ? w : NULL, n, 1e-6f);
            k->rmsnorm(yr, x, use_w ? w : NULL, n, 1e-6f);
            for (i = 0; i < n; i++) {
                t_cur_checks++;
                if (!same_bits(yp[i], yr[i]) && bad++ < 5) T_FAILMSG("rmsnorm n=%d in place [%d] differs", n, i);
            }
        }
    CHECK_EQ(bad, 0);
}

static void test_softmax(void)
{
    const clk_kernels *k = clk_port_kernels();
    float x[4097], yp[4097], yr[4097];
    int si, rep, bad = 0;
    for (si = 1; si < N_VEC_SIZES; si++)
        for (rep = 0; rep < 5; rep++) {
            int n = vec_sizes[si], i;
            fill(x, n, rep);
            for (i = 0; i < n; i++) x[i] *= 0.01f * (float)(1 + rep * 5); /* up to +-~30 apart */
            if (rep >= 2)                                                    /* masked entries */
                for (i = 0; i < n; i++)
                    if (rng() % 3 == 0 && i != n / 2) x[i] = -INFINITY;
            memcpy(yp, x, sizeof(float) * (size_t)n);
            memcpy(yr, x, sizeof(float) * (size_t)n);
            k->softmax(yp, n);
            clk_ref_kernels.softmax(yr, n);
            for (i = 0; i < n; i++) {
                t_cur_checks++;
                if (x[i] == -INFINITY ? yp[i] != 0.0f : !(fabs(yp[i] - yr[i]) <= CLK_TOL_EXP_REL * fabs(yr[i]) + 1e-38))
                    if (bad++ < 5) T_FAILMSG("softmax n=%d [%d] (x %.9g): port %.9g ref %.9g", n, i, x[i], yp[i], yr[i]);
            }
        }
    CHECK_EQ(bad, 0);
}

static void test_swiglu_geglu(void)
{
    const clk_kernels *k = clk_port_kernels();
    float g[4097], u[4097], yp[4097], yr[4097];
    int si, rep, bad = 0;
    for (si = 0; si < N_VEC_SIZES; si++)
        for (rep = 0; rep < 4; rep++) {
            int n = vec_sizes[si], i;
            fill(g, n, rep);
            fill(u, n, 0);
            if (n > 4) g[0] = 95.0f, g[1] = -95.0f, g[2] = 10.0f, g[3] = -10.0f; /* exp overflow, gelu limits */
            k->swiglu(yp, g, u, n);
            clk_ref_kernels.swiglu(yr, g, u, n);
            for (i = 0; i < n; i++) {
                double mag = fabs((double)g[i] * u[i]);
                t_cur_checks++;
                if (!(fabs(yp[i] - yr[i]) <= CLK_TOL_EXP_REL * mag + 1e-38) && bad++ < 5)
                    T_FAILMSG("swiglu n=%d [%d] (g %.9g): port %.9g ref %.9g", n, i, g[i], yp[i], yr[i]);
            }
            k->geglu(yp, g, u, n);
            clk_ref_kernels.geglu(yr, g, u, n);
            for (i = 0; i < n; i++) {
                t_cur_checks++;
                if (!(fabs(yp[i] - yr[i]) <= CLK_TOL_GEGLU_REL * fabs(yr[i])) && bad++ < 5)
                    T_FAILMSG("geglu n=%d [%d] (g %.9g): port %.9g ref %.9g", n, i, g[i], yp[i], yr[i]);
            }
            memcpy(yp, g, sizeof(float) * (size_t)n); /* out may alias gate */
            k->swiglu(yp, yp, u, n);
            k->swiglu(yr, g, u, n);
            for (i = 0; i < n; i++) {
                t_cur_checks++;
                if (!same_bits(yp[i], yr[i]) && bad++ < 5) T_FAILMSG("swiglu n=%d in place [%d] differs", n, i);
            }
        }
    CHECK_EQ(bad, 0);
}

static void test_rope(void)
{
    const clk_kernels *k = clk_port_kernels();
    static const int dims[][3] = {{64, 64, 1}, {128, 128, 0}, {64, 32, 1}, {80, 80, 0}, {6, 6, 1}};
    float x[8 * 128], yp[8 * 128], yr[8 * 128], ff[64];
    int di, pos, bad = 0;
    for (di = 0; di < 5; di++)
        for (pos = 0; pos < 2000; pos += 397) {
            int hd = dims[di][0], nh = 1 + di % 4, i;
            clk_rope r;
            r.n_rot = dims[di][1];
            r.neox = dims[di][2];
            r.freq_base = di % 2 ? 1e6f : 1e4f;
            r.freq_scale = di == 3 ? 0.25f : 1.0f;
            for (i = 0; i < 64; i++) ff[i] = 1.0f + (float)i * 0.1f;
            r.freq_factors = di == 2 ? ff : NULL;
            fill(x, nh * hd, 0);
            memcpy(yp, x, sizeof(float) * (size_t)(nh * hd));
            memcpy(yr, x, sizeof(float) * (size_t)(nh * hd));
            k->rope(yp, nh, hd, pos, &r);
            clk_ref_kernels.rope(yr, nh, hd, pos, &r);
            for (i = 0; i < nh * hd; i++) {
                double mag = 0.0;
                int h = i / hd, d = i % hd, j;
                for (j = 0; j < hd; j++) mag = fmax(mag, fabs(x[h * hd + j]));
                (void)d;
                t_cur_checks++;
                if (!(fabs(yp[i] - yr[i]) <= CLK_TOL_ROPE_REL * mag) && bad++ < 5)
                    T_FAILMSG("rope hd=%d pos=%d [%d]: port %.9g ref %.9g", hd, pos, i, yp[i], yr[i]);
            }
        }
    CHECK_EQ(bad, 0);
}

static void test_table_complete_and_named(void)
{
    const clk_kernels *k = clk_port_kernels();
    CHECK(k != NULL);
    if (!k) return;
    CHECK(k->name && k->quantize_act && k->matmul && k->dequant_row && k->dot_f32 && k->axpy_f32 && k->rmsnorm &&
          k->softmax && k->rope && k->swiglu && k->geglu);
    CHECK(k->name && (!strcmp(k->name, "ref") || !strcmp(k->name, "avx2") || !strcmp(k->name, "avx512") ||
                      !strcmp(k->name, "neon")));
    printf("  port under test: %s\n", k->name ? k->name : "(null)");
}

int main(int argc, char **argv)
{
    TEST_INIT(argc, argv);
    RUN(test_table_complete_and_named);
    RUN(test_dequant_row_bit_exact);
    RUN(test_quantize_act_byte_exact);
    RUN(test_matmul_vs_ref_and_exact);
    RUN(test_matmul_split_contract);
    RUN(test_matmul_large_tiles);
    RUN(test_matmul_writes_only_its_tile);
    RUN(test_dot_f32);
    RUN(test_axpy_f32);
    RUN(test_rmsnorm);
    RUN(test_softmax);
    RUN(test_swiglu_geglu);
    RUN(test_rope);
    return TEST_DONE();
}
