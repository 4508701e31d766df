/* test_ref_kernels.c - port/ref.c, the specification kernels, against
 * straightforward double-precision computations written here: half and
 * bfloat16 conversion (exhaustive), block layouts and dequantizers,
 * activation formats, every matmul weight type on both routes, the
 * determinism contract of clk_mm, the vector kernels, and the error bounds
 * of the weight quantizers. The byte-for-byte comparison with llama.cpp's
 * quantized files is in test_quant_gguf.c. */
#include "test.h"
#include "port.h"

#include <stdint.h>

/* ------------------------------------------------------------- tolerances */
/* Every bound below is relative to the sum of the magnitudes of the terms
 * (sum |w_j * a_j|), the natural scale of a rounding error in a dot product. */

/* float products summed in double and rounded once (f32/f16/bf16 dots, the
 * all-f32 route): each product rounds by 2^-24, the sum by 2^-24. */
#define TOL_FDOT_REL 3e-7
/* integer block sums scaled in float: per block (dw*da) and *isum round by
 * 2^-24 each, then up to k/32 float additions: (2 + 64) * 2^-24 for k = 2048. */
#define TOL_QDOT_REL 5e-6
/* a few float operations in a row (rmsnorm, softmax, swiglu): ~4 roundings
 * plus libm's expf/sqrtf (<= 1 ulp). */
#define TOL_ELEM_REL 1e-6
/* a RoPE angle at small positions: powf and repeated multiplication, i+2
 * roundings of at most 2^-24 relative on angles below 8 rad, then cosf/sinf. */
#define TOL_ROPE_ABS 1e-5

/* --------------------------------------------------------------- helpers */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
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

/* Rows of several shapes: gaussian at scales 1e-3..1e3, integers and
 * half-integers (exact ties after scaling), sparse, one-signed, offset,
 * all zero, tiny (1e-38: 127/amax overflows). */
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

/* A half's value, from its definition: (-1)^s * 2^(e-15) * (1 + m/1024),
 * subnormal 2^-14 * m/1024. */
static double half_value(uint16_t h)
{
    int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
    double v;
    if (e == 31) return m ? NAN : (s ? -INFINITY : INFINITY);
    v = e ? ldexp(1.0 + m / 1024.0, e - 15) : ldexp(m / 1024.0, -14);
    return s ? -v : v;
}

/* float -> half the long way: find the two neighbouring halves by binary
 * search over the (monotonic) positive halves, pick the nearer, ties to
 * the even one; >= 65520 (the midpoint above 65504) overflows to inf. */
static uint16_t half_from_double(double v)
{
    uint16_t sign = v < 0 || (v == 0 && signbit(v)) ? 0x8000 : 0;
    double a = fabs(v);
    unsigned lo = 0, hi = 0x7BFF;
    if (v != v) return 0x7E00 | sign;
    if (a >= 65520.0) return 0x7C00 | sign;
    if (a >= 65504.0) return 0x7BFF | sign;
    while (hi - lo > 1) { /* invariant: value(lo) <= a < value(hi) */
        unsigned mid = (lo + hi) / 2;
        if (half_value((uint16_t)mid) <= a) lo = mid; else hi = mid;
    }
    {
        double dl = a - half_value((uint16_t)lo), dh = half_value((uint16_t)hi) - a;
        unsigned r = dl < dh ? lo : dh < dl ? hi : (lo & 1 ? hi : lo);
        return (uint16_t)(r | sign);
    }
}

static float bits_f(uint32_t u) { return clk_bits_f32(u); }

/* ---------------------------------------------------- half and bfloat16 */

static void test_half_decode_exhaustive(void)
{
    int bad = 0;
    uint32_t h;
    for (h = 0; h < 65536; h++) {
        float f = clk_fp16_to_fp32((uint16_t)h);
        double v = half_value((uint16_t)h);
        if (v != v ? f == f : (double)f != v || !signbit(f) != !signbit(v)) bad++;
    }
    CHECK_EQ(bad, 0);
}

static void test_half_round_trip_exhaustive(void)
{
    int bad = 0;
    uint32_t h;
    for (h = 0; h < 65536; h++) {
        uint16_t back = clk_fp32_to_fp16(clk_fp16_to_fp32((uint16_t)h));
        int is_nan = ((h >> 10) & 31) == 31 && (h & 1023);
        if (is_nan ? (back & 0x7C00) != 0x7C00 || !(back & 1023) || (back & 0x8000) != (h & 0x8000)
                   : back != h)
            bad++;
    }
    CHECK_EQ(bad, 0);
}

/* Every midpoint between neighbouring finite halves (normal and subnormal,
 * both signs) rounds to the even neighbour; one float ulp either side
 * rounds to the nearer one. */
static void test_half_rounding_at_every_tie(void)
{
    int bad = 0, s;
    uint32_t h;
    for (s = 0; s < 2; s++)
        for (h = 0; h < 0x7BFF; h++) {
            uint16_t a = (uint16_t)(h | (s ? 0x8000 : 0)), b = (uint16_t)(a + 1);
            float mid = (float)((half_value(a) + half_value(b)) / 2); /* exact: 12 significant bits */
            float below = nextafterf(mid, 0.0f), above = nextafterf(mid, s ? -INFINITY : INFINITY);
            if (clk_fp32_to_fp16(mid) != (h & 1 ? b : a)) bad++;
            if (clk_fp32_to_fp16(below) != a) bad++;
            if (clk_fp32_to_fp16(above) != b) bad++;
        }
    CHECK_EQ(bad, 0);
    CHECK_EQ(clk_fp32_to_fp16(65519.99f), 0x7BFF);
    CHECK_EQ(clk_fp32_to_fp16(65520.0f), 0x7C00); /* the tie above 65504 goes to "even" inf */
    CHECK_EQ(clk_fp32_to_fp16(-1e30f), 0xFC00);
    CHECK_EQ(clk_fp32_to_fp16(bits_f(0x00000001u)), 0x0000); /* float subnormal -> +0 */
    CHECK_EQ(clk_fp32_to_fp16(-0.0f), 0x8000);
    CHECK_EQ(clk_fp32_to_fp16(NAN) & 0x7E00, 0x7E00);
}

static void test_half_encode_random_floats(void)
{
    int bad = 0, i;
    for (i = 0; i < 1 << 21; i++) {
        /* half of them anywhere, half in and near the half range */
        uint32_t u = (uint32_t)rng();
        float f;
        if (i & 1) u = (u & 0x807FFFFFu) | ((uint32_t)(100 + rng() % 45) << 23);
        f = bits_f(u);
        if (f != f) continue;
        if (clk_fp32_to_fp16(f) != half_from_double((double)f)) bad++;
    }
    CHECK_EQ(bad, 0);
}

static void test_bf16_exhaustive(void)
{
    int bad = 0;
    uint32_t b;
    for (b = 0; b < 65536; b++) {
        float f = clk_bf16_to_fp32((uint16_t)b);
        int is_nan = ((b >> 7) & 255) == 255 && (b & 127);
        if (clk_f32_bits(f) != b << 16) bad++;
        if (is_nan) {
            if ((clk_fp32_to_bf16(f) & 0x7FC0) != 0x7FC0) bad++; /* stays a (quiet) NaN */
            continue;
        }
        if (clk_fp32_to_bf16(f) != b) bad++;
        if (((b >> 7) & 255) == 255) continue; /* +-inf: no neighbour above */
        /* ties: exactly half way goes to even, a hair either side to the nearer */
        if (clk_fp32_to_bf16(bits_f(b << 16 | 0x8000u)) != (b & 1 ? b + 1 : b)) bad++;
        if (clk_fp32_to_bf16(bits_f(b << 16 | 0x8001u)) != b + 1) bad++;
        if (clk_fp32_to_bf16(bits_f(b << 16 | 0x7FFFu)) != b) bad++;
    }
    CHECK_EQ(bad, 0);
}

/* ------------------------------------------- layouts, in double, per element */

static int k_scale(const uint8_t *b, int s) { return s < 4 ? b[s] & 63 : (b[s + 4] & 15) | (b[s - 4] >> 6) << 4; }
static int k_min(const uint8_t *b, int s) { return s < 4 ? b[s + 4] & 63 : (b[s + 4] >> 4) | (b[s] >> 6) << 4; }
static double f16v(const uint8_t *p) { return half_value((uint16_t)(p[0] | p[1] << 8)); }

/* Element j of one block of type t, written from the layout tables
 * (llamacpp-reference.md section 3), not from port/ref.c. Offsets are the
 * byte offsets of ggml-common.h's structs. */
static double deq_elem(int t, const uint8_t *p, int j)
{
    switch (t) {
    case CLK_T_F32: { float f; memcpy(&f, p + 4 * j, 4); return f; }
    case CLK_T_F16: return f16v(p + 2 * j);
    case CLK_T_BF16: return clk_bf16_to_fp32((uint16_t)(p[2 * j] | p[2 * j + 1] << 8));
    case CLK_T_Q8_0: return f16v(p) * (int8_t)p[2 + j];
    case CLK_T_Q4_0:
    case CLK_T_Q4_1: {
        const uint8_t *qs = p + (t == CLK_T_Q4_0 ? 2 : 4);
        int nib = j < 16 ? qs[j] & 15 : qs[j - 16] >> 4;
        return t == CLK_T_Q4_0 ? f16v(p) * (nib - 8) : f16v(p) * nib + f16v(p + 2);
    }
    case CLK_T_Q5_0:
    case CLK_T_Q5_1: {
        const uint8_t *qh = p + (t == CLK_T_Q5_0 ? 2 : 4), *qs = qh + 4;
        uint32_t hbits = (uint32_t)qh[0] | (uint32_t)qh[1] << 8 | (uint32_t)qh[2] << 16 | (uint32_t)qh[3] << 24;
        int q = (j < 16 ? qs[j] & 15 : qs[j - 16] >> 4) | (int)((hbits >> j) & 1) << 4;
        return t == CLK_T_Q5_0 ? f16v(p) * (q - 16) : f16v(p) * q + f16v(p + 2);
    }
    case CLK_T_Q4_K:
    case CLK_T_Q5_K: {
        const uint8_t *sc = p + 4, *qh = p + 16, *qs = p + (t == CLK_T_Q4_K ? 16 : 48);
        int s = j / 32, c = j / 64, l = j % 32;
        int q = s % 2 == 0 ? qs[32 * c + l] & 15 : qs[32 * c + l] >> 4;
        if (t == CLK_T_Q5_K) q += ((qh[l] >> s) & 1) * 16;
        return f16v(p) * k_scale(sc, s) * q - f16v(p + 2) * k_min(sc, s);
    }
    case CLK_T_Q6_K: {
        const uint8_t *ql = p, *qh = p + 128;
        const int8_t *sc = (const int8_t *)(p + 192);
        int h = j / 128, t4 = (j % 128) / 32, l = j % 32;
        int lo = (ql[64 * h + l + 32 * (t4 % 2)] >> (4 * (t4 / 2))) & 15;
        int hi = (qh[32 * h + l] >> (2 * t4)) & 3;
        return f16v(p + 208) * sc[j / 16] * ((lo | hi << 4) - 32);
    }
    default: return NAN;
    }
}

/* Element j of an activation row in format t (the dot-product format). */
static double act_elem(int t, const uint8_t *row, int j)
{
    switch (t) {
    case CLK_T_Q8_0: { const uint8_t *b = row + (j / 32) * 34; return f16v(b) * (int8_t)b[2 + j % 32]; }
    case CLK_T_Q8_1: { const uint8_t *b = row + (j / 32) * 36; return f16v(b) * (int8_t)b[4 + j % 32]; }
    case CLK_T_Q8_K: {
        const uint8_t *b = row + (j / 256) * 292;
        float d;
        memcpy(&d, b, 4);
        return (double)d * (int8_t)b[4 + j % 256];
    }
    default: return deq_elem(t, row, j);
    }
}

static const int compute_types[] = {CLK_T_F32, CLK_T_F16, CLK_T_BF16, CLK_T_Q8_0, CLK_T_Q4_0, CLK_T_Q4_1,
                                    CLK_T_Q5_0, CLK_T_Q5_1, CLK_T_Q4_K, CLK_T_Q5_K, CLK_T_Q6_K};
#define N_COMPUTE ((int)(sizeof compute_types / sizeof compute_types[0]))

/* Random bytes with sane f16 scale fields (|d| in [2^-12, 2^3)), so every
 * bit of the quant fields is exercised. */
static void random_block(int t, uint8_t *p)
{
    const clk_type_info *ti = clk_type(t);
    int i;
    for (i = 0; i < ti->bytes; i++) p[i] = (uint8_t)rng();
#define SANE_HALF(q) do { uint16_t h_ = (uint16_t)(((3 + rng() % 15) << 10) | (rng() & 0x83FF)); (q)[0] = (uint8_t)h_; (q)[1] = (uint8_t)(h_ >> 8); } while (0)
    switch (t) {
    case CLK_T_Q6_K: SANE_HALF(p + 208); break;
    case CLK_T_Q4_1: case CLK_T_Q5_1: case CLK_T_Q4_K: case CLK_T_Q5_K: SANE_HALF(p); SANE_HALF(p + 2); break;
    case CLK_T_Q8_0: case CLK_T_Q4_0: case CLK_T_Q5_0: SANE_HALF(p); break;
    case CLK_T_F16: for (i = 0; i < ti->bytes; i += 2) SANE_HALF(p + i); break;
    case CLK_T_BF16: p[1] = (uint8_t)(0x3C + rng() % 8) | (p[1] & 0x80); break;
    case CLK_T_F32: { float f = gauss(); memcpy(p, &f, 4); break; }
    default: break;
    }
#undef SANE_HALF
}

static void test_type_table_and_row_sizes(void)
{
    static const struct { int t, blck, bytes; size_t act_bytes_256; } want[] = {
        {CLK_T_F32, 1, 4, 1024}, {CLK_T_F16, 1, 2, 512}, {CLK_T_BF16, 1, 2, 512},
        {CLK_T_Q8_0, 32, 34, 272}, {CLK_T_Q4_0, 32, 18, 272}, {CLK_T_Q5_0, 32, 22, 272},
        {CLK_T_Q4_1, 32, 20, 288}, {CLK_T_Q5_1, 32, 24, 288}, {CLK_T_Q4_K, 256, 144, 292},
        {CLK_T_Q5_K, 256, 176, 292}, {CLK_T_Q6_K, 256, 210, 292}};
    int i;
    for (i = 0; i < (int)(sizeof want / sizeof want[0]); i++) {
        const clk_type_info *ti = clk_type(want[i].t);
        CHECK(ti != NULL && ti->compute);
        if (!ti) continue;
        CHECK_EQ(ti->blck, want[i].blck);
        CHECK_EQ(ti->bytes, want[i].bytes);
        CHECK_EQ(clk_row_bytes(want[i].t, 512), (size_t)(512 / want[i].blck * want[i].bytes));
        CHECK_EQ(clk_act_row_bytes(want[i].t, CLK_ACT_NATIVE, 256), want[i].act_bytes_256);
        CHECK_EQ(clk_act_row_bytes(want[i].t, CLK_ACT_F32, 256), 1024);
    }
    CHECK(clk_type(5) == NULL && clk_type(-1) == NULL && clk_type(CLK_T_COUNT) == NULL);
    CHECK(clk_type(CLK_T_Q2_K) && !clk_type(CLK_T_Q2_K)->compute);
}

static void test_dequant_matches_layouts(void)
{
    uint8_t blk[4 * 256 * 2];
    float y[512];
    int ti, rep, j, bad = 0;
    for (ti = 0; ti < N_COMPUTE; ti++) {
        int t = compute_types[ti];
        const clk_type_info *info = clk_type(t);
        int n = info->blck == 1 ? 64 : 512;
        for (rep = 0; rep < 200; rep++) {
            int b;
            for (b = 0; b < n / info->blck; b++) random_block(t, blk + b * info->bytes);
            clk_ref_kernels.dequant_row(t, blk, y, n);
            for (j = 0; j < n; j++) {
                const uint8_t *p = blk + (j / info->blck) * info->bytes;
                double want = deq_elem(t, p, j % info->blck);
                /* each element is at most three float operations on exact
                 * inputs: |error| <= 2 * 2^-24 * (|product| + |offset|) */
                double scale = fabs(want) + 1e-30;
                if (t == CLK_T_Q4_1 || t == CLK_T_Q5_1) scale += fabs(f16v(p + 2)) * 2;
                if (t == CLK_T_Q4_K || t == CLK_T_Q5_K) scale += fabs(f16v(p + 2)) * 63 * 2;
                if (!(fabs((double)y[j] - want) <= 2.4e-7 * scale)) bad++;
            }
        }
    }
    CHECK_EQ(bad, 0);
}

/* A hand-made Q4_0 and Q6_K block with known values pin the element order. */
static void test_dequant_known_blocks(void)
{
    clk_block_q4_0 b4;
    clk_block_q6_K b6;
    float y[256];
    int j, bad = 0;
    b4.d = 0x3C00; /* 1.0 */
    for (j = 0; j < 16; j++) b4.qs[j] = (uint8_t)(j | (15 - j) << 4);
    clk_ref_kernels.dequant_row(CLK_T_Q4_0, &b4, y, 32);
    for (j = 0; j < 16; j++) {
        if (y[j] != (float)(j - 8)) bad++;
        if (y[j + 16] != (float)(7 - j)) bad++;
    }
    /* Q6_K: value e = (e % 64) - 32, scale 1 for even sub-blocks, -2 for odd */
    memset(&b6, 0, sizeof b6);
    b6.d = 0x3C00;
    for (j = 0; j < 16; j++) b6.scales[j] = (int8_t)(j % 2 ? -2 : 1);
    for (j = 0; j < 256; j++) {
        int q = j % 64, h = j / 128, t = (j % 128) / 32, l = j % 32;
        b6.ql[64 * h + l + 32 * (t % 2)] |= (uint8_t)((q & 15) << (4 * (t / 2)));
        b6.qh[32 * h + l] |= (uint8_t)((q >> 4) << (2 * t));
    }
    clk_ref_kernels.dequant_row(CLK_T_Q6_K, &b6, y, 256);
    for (j = 0; j < 256; j++)
        if (y[j] != (float)((j % 64 - 32) * ((j / 16) % 2 ? -2 : 1))) bad++;
    CHECK_EQ(bad, 0);
}

/* ------------------------------------------------------ activation formats */

static void test_act_q8_0_rounds_half_to_even_with_127_over_amax(void)
{
    float x[32] = {127.0f, 2.5f, -2.5f, 3.5f, 0.5f, -0.5f, 1.5f, -126.5f, 125.5f};
    clk_block_q8_1 b1;
    clk_block_q8_0 b0;
    int j, sum = 0;
    clk_ref_kernels.quantize_act(CLK_T_Q8_0, CLK_ACT_NATIVE, x, &b0, 32);
    CHECK_EQ(b0.d, 0x3C00); /* f16(127/127) */
    CHECK_EQ(b0.qs[0], 127);
    CHECK_EQ(b0.qs[1], 2);
    CHECK_EQ(b0.qs[2], -2);
    CHECK_EQ(b0.qs[3], 4);
    CHECK_EQ(b0.qs[4], 0);
    CHECK_EQ(b0.qs[5], 0);
    CHECK_EQ(b0.qs[6], 2);
    CHECK_EQ(b0.qs[7], -126);
    CHECK_EQ(b0.qs[8], 126);
    clk_ref_kernels.quantize_act(CLK_T_Q4_1, CLK_ACT_NATIVE, x, &b1, 32);
    for (j = 0; j < 32; j++) sum += b1.qs[j];
    CHECK(memcmp(b1.qs, b0.qs, 32) == 0 && b1.d == b0.d);
    CHECK_EQ(b1.s, clk_fp32_to_fp16((float)sum));
    /* all zero: d = 0, q = 0, s = 0 */
    memset(x, 0, sizeof x);
    clk_ref_kernels.quantize_act(CLK_T_Q4_1, CLK_ACT_NATIVE, x, &b1, 32);
    CHECK(b1.d == 0 && b1.s == 0);
    for (j = 0; j < 32; j++) CHECK_EQ(b1.qs[j], 0);
    /* amax 1e-38: 127/amax overflows to inf; x*inf and 0*inf (NaN) convert
     * to INT32_MIN and saturate to -128, as on x86; d rounds to 0 in f16;
     * the wrapped sum 32 * INT32_MIN is 0 */
    x[3] = 1e-38f;
    x[9] = -0.5e-38f;
    clk_ref_kernels.quantize_act(CLK_T_Q4_1, CLK_ACT_NATIVE, x, &b1, 32);
    CHECK_EQ(b1.d, 0);
    CHECK_EQ(b1.s, 0);
    for (j = 0; j < 32; j++) CHECK_EQ(b1.qs[j], -128);
}

static void test_act_q8_0_random_rows_vs_double(void)
{
    float x[256];
    clk_block_q8_1 b[8];
    int rep, i, j, bad = 0;
    for (rep = 0; rep < 3000; rep++) {
        fill(x, 256, rep);
        clk_ref_kernels.quantize_act(CLK_T_Q5_1, CLK_ACT_NATIVE, x, b, 256);
        for (i = 0; i < 8; i++) {
            double amax = 0;
            int sum = 0;
            /* not fmax(): gcc 12 for aarch64 crashes (ICE in vect_transform_reduction)
               vectorising an fmax reduction over widened floats */
            for (j = 0; j < 32; j++)
                if (fabs((double)x[32 * i + j]) > amax) amax = fabs((double)x[32 * i + j]);
            if (amax < 1e-36) continue; /* the overflow case, pinned above */
            float d = (float)amax / 127.0f; /* amax is a float: exact */
            if (b[i].d != half_from_double((double)d)) bad++;
            for (j = 0; j < 32; j++) {
                double exact = (double)x[32 * i + j] * 127.0 / amax; /* before float rounding */
                if (!(fabs(b[i].qs[j] - exact) <= 0.5 + 1e-4)) bad++;
                sum += b[i].qs[j];
            }
            if (b[i].s != half_from_double((double)(d * (float)sum))) bad++;
        }
    }
    CHECK_EQ(bad, 0);
}

static void test_act_q8_K_vs_double(void)
{
    float x[512];
    clk_block_q8_K b[2];
    int rep, i, j, bad = 0;
    for (rep = 0; rep < 2000; rep++) {
        fill(x, 512, rep);
        clk_ref_kernels.quantize_act(CLK_T_Q6_K, CLK_ACT_NATIVE, x, b, 512);
        for (i = 0; i < 2; i++) {
            double amax = 0, maxv = 0;
            for (j = 0; j < 256; j++)
                if (fabs((double)x[256 * i + j]) > amax) amax = fabs((double)x[256 * i + j]), maxv = x[256 * i + j];
            if (amax == 0) {
                if (b[i].d != 0.0f) bad++;
                for (j = 0; j < 256; j++) bad += b[i].qs[j] != 0;
                for (j = 0; j < 16; j++) bad += b[i].bsums[j] != 0;
                continue;
            }
            if (amax < 3.8e-37) { /* -127/max overflows to -inf: garbage q as in ggml, but d = -0 */
                if (b[i].d != 0.0f) bad++;
                continue;
            }
            /* d = -max/127 (one float division each way) */
            if (!(fabs(b[i].d - (-maxv / 127.0)) <= 2.4e-7 * amax / 127.0)) bad++;
            for (j = 0; j < 256; j++) {
                double exact = -127.0 * x[256 * i + j] / maxv;
                if (!(fabs(b[i].qs[j] - exact) <= 0.5 + 1e-4) || b[i].qs[j] < -127) bad++;
                if (x[256 * i + j] == (float)maxv && b[i].qs[j] != -127) bad++;
            }
            for (j = 0; j < 16; j++) {
                int s = 0, l;
                for (l = 0; l < 16; l++) s += b[i].qs[16 * j + l];
                if (b[i].bsums[j] != s) bad++;
            }
        }
    }
    CHECK_EQ(bad, 0);
}

static void test_act_f16_bf16_f32_are_plain_conversions(void)
{
    float x[64];
    uint16_t h[64];
    float f[64];
    int j, bad = 0;
    fill(x, 64, 0);
    clk_ref_kernels.quantize_act(CLK_T_F16, CLK_ACT_NATIVE, x, h, 64);
    for (j = 0; j < 64; j++) bad += h[j] != half_from_double(x[j]);
    clk_ref_kernels.quantize_act(CLK_T_BF16, CLK_ACT_NATIVE, x, h, 64);
    for (j = 0; j < 64; j++) bad += h[j] != clk_fp32_to_bf16(x[j]);
    clk_ref_kernels.quantize_act(CLK_T_Q4_K, CLK_ACT_F32, x, f, 64);
    bad += memcmp(f, x, sizeof f) != 0;
    clk_ref_kernels.quantize_act(CLK_T_F32, CLK_ACT_NATIVE, x, f, 64);
    bad += memcmp(f, x, sizeof f) != 0;
    CHECK_EQ(bad, 0);
}

/* --------------------------------------------------------------- matmul */

enum { MM_K = 2048, MM_ROWS = 5, MM_M = 3 };

typedef struct mm_case {
    int t;
    uint8_t *w;  /* [MM_ROWS][row bytes] */
    float *xf;   /* [MM_M][MM_K] */
    uint8_t *xq; /* [MM_M][act row bytes] */
    size_t w_row, x_row;
} mm_case;

static void mm_case_make(mm_case *c, int t, int kind)
{
    float row[MM_K];
    int r, i;
    c->t = t;
    c->w_row = clk_row_bytes(t, MM_K);
    c->x_row = clk_act_row_bytes(t, CLK_ACT_NATIVE, MM_K);
    c->w = (uint8_t *)malloc(c->w_row * MM_ROWS);
    c->xf = (float *)malloc(sizeof(float) * MM_K * MM_M);
    c->xq = (uint8_t *)malloc(c->x_row * MM_M);
    for (r = 0; r < MM_ROWS; r++) {
        fill(row, MM_K, kind + r);
        clk_quantize_row(t, row, c->w + r * c->w_row, MM_K);
    }
    for (i = 0; i < MM_M; i++) {
        fill(c->xf + i * MM_K, MM_K, kind + 2 * i);
        clk_ref_kernels.quantize_act(t, CLK_ACT_NATIVE, c->xf + i * MM_K, c->xq + i * c->x_row, MM_K);
    }
}

static void mm_case_free(mm_case *c)
{
    free(c->w);
    free(c->xf);
    free(c->xq);
}

static void run_mm(const mm_case *c, int act, int r0, int r1, int i0, int i1, float *y, size_t ldy)
{
    clk_mm mm;
    mm.wtype = c->t;
    mm.w = c->w;
    mm.w_row = c->w_row;
    mm.k = MM_K;
    mm.x = act == CLK_ACT_F32 ? (const void *)(c->xf + i0 * MM_K) : (const void *)(c->xq + i0 * c->x_row);
    mm.x_row = act == CLK_ACT_F32 ? MM_K * sizeof(float) : c->x_row;
    mm.m = i1 - i0;
    mm.y = y + (size_t)i0 * ldy;
    mm.ldy = ldy;
    mm.r0 = r0;
    mm.r1 = r1;
    mm.act = act;
    clk_ref_kernels.matmul(&mm);
}

/* Native route: the integer block sums scaled in float agree with the
 * double-precision dot of the dequantized weight and activation rows. For
 * Q8_1 activations the kernel uses the stored s = f16(d * sum q) for the
 * min term, so that f16 rounding (|m_w| * |s| * 2^-11 per block) is added. */
static void test_matmul_native_vs_double(void)
{
    int ti, kind, bad = 0;
    for (ti = 0; ti < N_COMPUTE; ti++) {
        int t = compute_types[ti], a = clk_type(t)->act;
        for (kind = 0; kind < 9; kind += 2) {
            mm_case c;
            float y[MM_M * MM_ROWS];
            int r, i, j;
            mm_case_make(&c, t, kind);
            run_mm(&c, CLK_ACT_NATIVE, 0, MM_ROWS, 0, MM_M, y, MM_ROWS);
            for (r = 0; r < MM_ROWS; r++)
                for (i = 0; i < MM_M; i++) {
                    const uint8_t *wr = c.w + r * c.w_row, *xr = c.xq + i * c.x_row;
                    const clk_type_info *info = clk_type(t);
                    double want = 0, mag = 0, extra = 0;
                    for (j = 0; j < MM_K; j++) {
                        double wv = deq_elem(t, wr + (j / info->blck) * info->bytes, j % info->blck);
                        double av = act_elem(a, xr, j);
                        want += wv * av;
                        mag += fabs(wv * av);
                    }
                    if (a == CLK_T_Q8_1) {
                        int overflow = 0;
                        for (j = 0; j < MM_K / 32; j++) {
                            const uint8_t *wb = wr + j * info->bytes, *ab = xr + j * 36;
                            extra += fabs(f16v(wb + 2)) * (fabs(f16v(ab + 2)) * (1.0 / 2048) + 1.0 / 33554432);
                            overflow |= isinf(f16v(ab + 2));
                        }
                        /* |d * sum q| > 65504 makes s infinite, in ggml too
                         * (activations near 3000 of one sign): not a row
                         * a dot can be checked on */
                        if (overflow) continue;
                    }
                    if (!(fabs((double)y[i * MM_ROWS + r] - want) <= TOL_QDOT_REL * mag + extra + 1e-30)) {
                        if (bad < 5)
                            printf("  type %s kind %d: %.9g vs %.9g (mag %.3g)\n", clk_type(t)->name, kind,
                                   (double)y[i * MM_ROWS + r], want, mag);
                        bad++;
                    }
                }
            mm_case_free(&c);
        }
    }
    CHECK_EQ(bad, 0);
}

/* All-f32 route: weight rows dequantized exactly as dequant_row gives them,
 * times the f32 activations, agree with the double dot. */
static void test_matmul_f32_route_vs_double(void)
{
    int ti, kind, bad = 0;
    for (ti = 0; ti < N_COMPUTE; ti++) {
        int t = compute_types[ti];
        for (kind = 0; kind < 9; kind += 3) {
            mm_case c;
            float y[MM_M * MM_ROWS], wrow[MM_K];
            int r, i, j;
            mm_case_make(&c, t, kind);
            run_mm(&c, CLK_ACT_F32, 0, MM_ROWS, 0, MM_M, y, MM_ROWS);
            for (r = 0; r < MM_ROWS; r++) {
                clk_ref_kernels.dequant_row(t, c.w + r * c.w_row, wrow, MM_K);
                for (i = 0; i < MM_M; i++) {
                    double want = 0, mag = 0;
                    for (j = 0; j < MM_K; j++) {
                        want += (double)wrow[j] * c.xf[i * MM_K + j];
                        mag += fabs((double)wrow[j] * c.xf[i * MM_K + j]);
                    }
                    if (!(fabs((double)y[i * MM_ROWS + r] - want) <= TOL_FDOT_REL * mag + 1e-30)) bad++;
                }
            }
            mm_case_free(&c);
        }
    }
    CHECK_EQ(bad, 0);
}

/* The contract of clk_mm: the result of (i, r) never depends on r0, r1, m
 * or where the tile starts. Tiles of every split are compared bitwise with
 * one whole tile; columns outside [r0, r1) are never written. */
static void test_matmul_determinism_contract(void)
{
    static const int types[] = {CLK_T_Q4_K, CLK_T_Q8_0, CLK_T_Q4_1, CLK_T_Q6_K, CLK_T_F16, CLK_T_F32};
    int ti, act, bad = 0, untouched_bad = 0;
    for (ti = 0; ti < (int)(sizeof types / sizeof types[0]); ti++)
        for (act = 0; act < 2; act++) {
            enum { LDY = MM_ROWS + 3 };
            mm_case c;
            float whole[MM_M * LDY], part[MM_M * LDY];
            int split, i, r;
            mm_case_make(&c, types[ti], ti);
            run_mm(&c, act, 0, MM_ROWS, 0, MM_M, whole, LDY);
            for (split = 0; split < 6; split++) {
                for (i = 0; i < MM_M * LDY; i++) part[i] = -12345.0f;
                switch (split) {
                case 0: /* one row at a time, one activation at a time */
                    for (r = 0; r < MM_ROWS; r++)
                        for (i = 0; i < MM_M; i++) run_mm(&c, act, r, r + 1, i, i + 1, part, LDY);
                    break;
                case 1: run_mm(&c, act, 0, 2, 0, MM_M, part, LDY); run_mm(&c, act, 2, MM_ROWS, 0, MM_M, part, LDY); break;
                case 2: run_mm(&c, act, 0, MM_ROWS, 0, 1, part, LDY); run_mm(&c, act, 0, MM_ROWS, 1, MM_M, part, LDY); break;
                case 3:
                    run_mm(&c, act, 3, MM_ROWS, 2, MM_M, part, LDY);
                    run_mm(&c, act, 0, 3, 0, MM_M, part, LDY);
                    run_mm(&c, act, 3, MM_ROWS, 0, 2, part, LDY);
                    break;
                case 4: /* in reverse order */
                    for (r = MM_ROWS - 1; r >= 0; r--) run_mm(&c, act, r, r + 1, 0, MM_M, part, LDY);
                    break;
                default: run_mm(&c, act, 0, MM_ROWS, 0, MM_M, part, LDY); break;
                }
                for (i = 0; i < MM_M; i++) {
                    bad += memcmp(part + i * LDY, whole + i * LDY, MM_ROWS * sizeof(float)) != 0;
                    for (r = MM_ROWS; r < LDY; r++) untouched_bad += part[i * LDY + r] != -12345.0f;
                }
            }
            mm_case_free(&c);
        }
    CHECK_EQ(bad, 0);
    CHECK_EQ(untouched_bad, 0);
}

/* ------------------------------------------------------- vector kernels */

static void test_dot_and_axpy_vs_double(void)
{
    float a[1000], b[1000], y[1000], y0[1000];
    int rep, i, bad = 0;
    for (rep = 0; rep < 200; rep++) {
        int n = 1 + (int)(rng() % 1000);
        double want = 0, mag = 0;
        float alpha = gauss();
        fill(a, n, rep);
        fill(b, n, rep + 1);
        for (i = 0; i < n; i++) want += (double)a[i] * b[i], mag += fabs((double)a[i] * b[i]);
        if (!(fabs(clk_ref_kernels.dot_f32(a, b, n) - want) <= TOL_FDOT_REL * mag + 1e-38)) bad++;
        fill(y, n, rep + 2);
        memcpy(y0, y, sizeof(float) * (size_t)n);
        clk_ref_kernels.axpy_f32(y, alpha, a, n);
        for (i = 0; i < n; i++) {
            double w = (double)y0[i] + (double)alpha * a[i];
            /* two roundings: the product and the sum */
            if (!(fabs(y[i] - w) <= 1.2e-7 * (fabs((double)y0[i]) + fabs((double)alpha * a[i])) + 1e-44)) bad++;
        }
    }
    CHECK_EQ(bad, 0);
}

static void test_rmsnorm_vs_double(void)
{
    float x[3000], w[3000], out[3000];
    int rep, i, bad = 0;
    for (rep = 0; rep < 200; rep++) {
        int n = 1 + (int)(rng() % 3000);
        float eps = rep % 2 ? 1e-5f : 1e-6f;
        double ss = 0, scale;
        fill(x, n, rep % 7); /* not the all-zero/tiny kinds: eps dominates there, checked below */
        for (i = 0; i < n; i++) w[i] = 1.0f + 0.1f * gauss();
        for (i = 0; i < n; i++) ss += (double)x[i] * x[i];
        scale = 1.0 / sqrt(ss / n + (double)eps);
        clk_ref_kernels.rmsnorm(out, x, rep % 3 ? w : NULL, n, eps);
        for (i = 0; i < n; i++) {
            double want = x[i] * scale * (rep % 3 ? w[i] : 1.0);
            if (!(fabs(out[i] - want) <= TOL_ELEM_REL * fabs(want) + 1e-38)) bad++;
        }
        /* in place gives the same bits */
        memcpy(w, out, sizeof(float) * (size_t)n);
        clk_ref_kernels.rmsnorm(x, x, NULL, n, eps);
        if (rep % 3 == 0 && memcmp(x, w, sizeof(float) * (size_t)n)) bad++;
    }
    CHECK_EQ(bad, 0);
    {
        float z[8] = {0}, o[8];
        clk_ref_kernels.rmsnorm(o, z, NULL, 8, 1e-6f);
        CHECK(o[0] == 0.0f && o[7] == 0.0f); /* eps keeps a zero row finite */
    }
}

static void test_softmax_vs_double(void)
{
    float x[2000], x0[2000];
    int rep, i, bad = 0;
    for (rep = 0; rep < 300; rep++) {
        int n = 1 + (int)(rng() % 2000);
        double mx = -INFINITY, sum = 0, total = 0;
        for (i = 0; i < n; i++) x0[i] = gauss() * (float)(rep % 5 == 4 ? 80 : 3) + (rep % 2 ? 1000.0f : 0.0f);
        if (n > 2 && rep % 3 == 0) x0[rng() % (unsigned)(n - 1)] = -INFINITY; /* a masked entry */
        memcpy(x, x0, sizeof(float) * (size_t)n);
        for (i = 0; i < n; i++) /* not fmax(): see test_act_q8_0_random_rows_vs_double */
            if ((double)x0[i] > mx) mx = x0[i];
        for (i = 0; i < n; i++) sum += exp((double)x0[i] - mx);
        clk_ref_kernels.softmax(x, n);
        for (i = 0; i < n; i++) {
            double want = exp((double)x0[i] - mx) / sum;
            total += x[i];
            /* x - max rounds to float first: exp() inherits |x - max| * 2^-24 */
            double tol = (TOL_ELEM_REL + fabs((double)x0[i] - mx) * 6e-8) * want + 1e-38;
            if (x0[i] == -INFINITY ? x[i] != 0.0f : !(fabs(x[i] - want) <= tol)) bad++;
        }
        if (!(fabs(total - 1.0) <= 1e-5)) bad++;
    }
    CHECK_EQ(bad, 0);
}

/* RoPE against rotation angles computed in double with pow(): positions
 * up to 8 (where the float angle error is below TOL_ROPE_ABS), normal and
 * NEOX pairing, partial rotation (n_rot < head_dim: the tail is untouched),
 * frequency factors and linear scaling. */
static void test_rope_vs_double(void)
{
    float x[4 * 128], x0[4 * 128], ff[64];
    int layout, pos, bad = 0, i, h;
    for (i = 0; i < 64; i++) ff[i] = 1.0f + (float)(i % 7);
    for (layout = 0; layout < 8; layout++)
        for (pos = 0; pos <= 8; pos++) {
            clk_rope r;
            int head_dim = layout & 4 ? 128 : 64, heads = 3;
            r.n_rot = layout & 2 ? head_dim / 2 : head_dim;
            r.neox = layout & 1;
            r.freq_base = layout & 4 ? 1e6f : 10000.0f;
            r.freq_scale = layout == 5 ? 0.25f : 1.0f;
            r.freq_factors = layout >= 6 ? ff : NULL;
            for (i = 0; i < heads * head_dim; i++) x0[i] = gauss();
            memcpy(x, x0, sizeof(float) * (size_t)(heads * head_dim));
            clk_ref_kernels.rope(x, heads, head_dim, pos, &r);
            for (h = 0; h < heads; h++) {
                const float *v0 = x0 + h * head_dim, *v = x + h * head_dim;
                for (i = 0; i < r.n_rot / 2; i++) {
                    double th = (double)r.freq_scale * pos * pow((double)r.freq_base, -2.0 * i / r.n_rot) /
                                (r.freq_factors ? r.freq_factors[i] : 1.0);
                    int ia = r.neox ? i : 2 * i, ib = r.neox ? i + r.n_rot / 2 : 2 * i + 1;
                    double a = v0[ia] * cos(th) - v0[ib] * sin(th), b = v0[ia] * sin(th) + v0[ib] * cos(th);
                    double tol = TOL_ROPE_ABS * (fabs((double)v0[ia]) + fabs((double)v0[ib]));
                    if (!(fabs(v[ia] - a) <= tol && fabs(v[ib] - b) <= tol)) bad++;
                }
                for (i = r.n_rot; i < head_dim; i++) bad += v[i] != v0[i];
            }
        }
    CHECK_EQ(bad, 0);
}

/* The specification's float details at a large position: angles come from
 * repeated float multiplication theta_{i+1} = theta_i * powf(base, -2/n_rot),
 * not from pow(base, -2i/n_rot) (the two differ by far more than an ulp at
 * pos 30000), and a rotation keeps each pair's length. */
static void test_rope_theta_by_repeated_multiplication(void)
{
    float x[128], x0[128];
    clk_rope r;
    const int pos = 30000;
    float theta = (float)pos, theta_scale;
    int i, bad = 0;
    r.n_rot = 128, r.neox = 1, r.freq_base = 10000.0f, r.freq_scale = 1.0f, r.freq_factors = NULL;
    theta_scale = powf(r.freq_base, -2.0f / 128.0f);
    for (i = 0; i < 128; i++) x0[i] = gauss();
    memcpy(x, x0, sizeof x);
    clk_ref_kernels.rope(x, 1, 128, pos, &r);
    for (i = 0; i < 64; i++) {
        double c = cos((double)theta), s = sin((double)theta);
        double a = x0[i] * c - x0[i + 64] * s, b = x0[i] * s + x0[i + 64] * c;
        double len0 = hypot(x0[i], x0[i + 64]), len = hypot(x[i], x[i + 64]);
        if (!(fabs(x[i] - a) <= 1e-6 * len0 && fabs(x[i + 64] - b) <= 1e-6 * len0)) bad++;
        if (!(fabs(len - len0) <= 1e-6 * len0)) bad++;
        theta = theta * theta_scale;
    }
    CHECK_EQ(bad, 0);
}

static void test_swiglu_vs_double(void)
{
    float g[1000], u[1000], out[1000];
    int rep, i, bad = 0;
    for (rep = 0; rep < 100; rep++) {
        for (i = 0; i < 1000; i++) g[i] = gauss() * 6.0f, u[i] = gauss();
        clk_ref_kernels.swiglu(out, g, u, 1000);
        for (i = 0; i < 1000; i++) {
            double want = g[i] / (1.0 + exp(-(double)g[i])) * u[i];
            if (!(fabs(out[i] - want) <= TOL_ELEM_REL * fabs(want) + 1e-38)) bad++;
        }
    }
    CHECK_EQ(bad, 0);
}

static double gelu_d(double x) { return 0.5 * x * (1.0 + tanh(0.7978845608028654 * x * (1.0 + 0.044715 * x * x))); }

/* The GELU table entries, all 65536 of them, are the f16 rounding of the
 * exact tanh-GELU of the half (within one f16 step: the float evaluation
 * before rounding errs by a few float ulps). */
static void test_gelu_half_table_exhaustive(void)
{
    int bad = 0;
    uint32_t h;
    for (h = 0; h < 65536; h++) {
        double x = half_value((uint16_t)h), g, e;
        if (x != x || fabs(x) >= 10) continue; /* geglu never looks these up */
        g = gelu_d(x);
        e = half_value(clk_gelu_half((uint16_t)h));
        /* one f16 step at g (2^-10 relative for normals, 2^-24 absolute
         * below), plus the float formula's own error: where 1 + tanh(u)
         * cancels (x < -3) it is |x|/2 * 2^-23 absolute - ggml's table
         * carries the same error, being the same formula */
        if (!(fabs(e - g) <= fmax(fabs(g) * (1.0 / 1024), 1.0 / 16777216) + fabs(x) * 6e-8)) bad++;
    }
    CHECK_EQ(bad, 0);
    /* ggml's own table (llama.cpp 34af94cd, x86 -march=native) has 0xa9d3
     * here; without the fused multiply-add the entry would be 0xa9d2 */
    CHECK_EQ(clk_gelu_half(0xBFFF), 0xA9D3);
    CHECK_EQ(clk_gelu_half(0x0000), 0x0000);
}

static void test_geglu_vs_double_and_limits(void)
{
    float g[2000], u[2000], out[2000];
    int i, bad = 0;
    for (i = 0; i < 2000; i++) g[i] = gauss() * 5.0f, u[i] = gauss();
    clk_ref_kernels.geglu(out, g, u, 2000);
    for (i = 0; i < 2000; i++) {
        double x = g[i], want, tol;
        if (x <= -10 || x >= 10) continue;
        want = gelu_d(x) * u[i];
        /* the input rounds to f16 (|dx| <= 2^-11 |x|, gelu' <= 1.13) and
         * the table value rounds to f16 (2^-11 relative) */
        tol = (1.13 * fabs(x) * (1.0 / 2048) + fabs(gelu_d(x)) * (1.0 / 1024) + 1e-7) * fabs((double)u[i]);
        if (!(fabs(out[i] - want) <= tol)) bad++;
        if (out[i] != clk_fp16_to_fp32(clk_gelu_half(clk_fp32_to_fp16(g[i]))) * u[i]) bad++;
    }
    CHECK_EQ(bad, 0);
    {
        float gg[8] = {-10.0f, -10.5f, 10.0f, 12.0f, -5.0f, 9.99f, -1e30f, 1e30f};
        float uu[8] = {3, 3, 3, 3, 3, 3, 2, 0.5f}, oo[8];
        clk_ref_kernels.geglu(oo, gg, uu, 8);
        CHECK(oo[0] == 0.0f && oo[1] == 0.0f);   /* <= -10: exactly 0 */
        CHECK(oo[2] == 30.0f && oo[3] == 36.0f); /* >= 10: gate * up, no rounding of the gate */
        CHECK(oo[4] < 0.0f && oo[4] > -1e-5f);   /* gelu(-5) = -1.4e-6 through the table */
        CHECK(oo[4] == clk_fp16_to_fp32(clk_gelu_half(clk_fp32_to_fp16(-5.0f))) * 3.0f);
        CHECK(oo[5] == clk_fp16_to_fp32(clk_gelu_half(clk_fp32_to_fp16(9.99f))) * 3.0f);
        CHECK(oo[5] != 9.99f * 3.0f);            /* below 10 the gate is rounded to f16 */
        CHECK(oo[6] == 0.0f && oo[7] == 5e29f);
    }
}

/* ------------------------------------------------------ weight quantizers */

static void test_quantize_row_types(void)
{
    float x[256] = {0};
    uint8_t y[1024];
    CHECK_EQ(clk_quantize_row(CLK_T_Q2_K, x, y, 256), 0);
    CHECK_EQ(clk_quantize_row(CLK_T_Q8_1, x, y, 256), 0);
    CHECK_EQ(clk_quantize_row(CLK_T_Q8_K, x, y, 256), 0);
    CHECK_EQ(clk_quantize_row(999, x, y, 256), 0);
    CHECK_EQ(clk_quantize_row(CLK_T_Q4_K, x, y, 256), 1);
    CHECK_EQ(clk_quantize_row(CLK_T_BF16, x, y, 256), 1);
}

/* Per-element bounds for the 32-element formats (derived from the
 * algorithm: one quantization step, or half a step, plus the f16 rounding
 * of the scale (2^-11 relative) times the largest level):
 *   Q8_0: |e| <= d/2 + 127 * |d16 - d|,          d = amax/127
 *   Q4_0: |e| <= d + 8 * |d16 - d|,   Q5_0 alike with 16, d = amax/8 or /16
 *         (a full step: the level nearest +amax is clamped)
 *   Q4_1: |e| <= d/2 + 15 |d16 - d| + |m16 - m|, Q5_1 alike with 31
 * and RMS bounds for the K-quants (relative to the row's RMS, gaussian
 * rows of 4096; measured at most 0.072 / 0.038 / 0.020 for Q4_K / Q5_K /
 * Q6_K, bounds 0.08 / 0.043 / 0.023). F16/BF16 are the exact conversions. */
static void test_quantize_dequantize_error_bounds(void)
{
    enum { N = 4096 };
    static float x[N], y[N];
    static uint8_t q[N * 2];
    int ti, rep, bad = 0;
    for (ti = 1; ti < N_COMPUTE; ti++) {
        int t = compute_types[ti];
        for (rep = 0; rep < 60; rep++) {
            int i, j;
            fill(x, N, rep);
            CHECK_EQ(clk_quantize_row(t, x, q, N), 1);
            clk_ref_kernels.dequant_row(t, q, y, N);
            if (t == CLK_T_F16 || t == CLK_T_BF16) {
                for (i = 0; i < N; i++)
                    bad += y[i] != (t == CLK_T_F16 ? clk_fp16_to_fp32(clk_fp32_to_fp16(x[i]))
                                                   : clk_bf16_to_fp32(clk_fp32_to_bf16(x[i])));
                continue;
            }
            if (clk_type(t)->blck == 32) {
                for (i = 0; i < N; i += 32) {
                    const double h = 1.0 / 2048, sub = 1.0 / 33554432; /* f16: half an ulp, relative / subnormal */
                    double amax = 0, mn = 1e300, mx = -1e300, d, bound;
                    for (j = 0; j < 32; j++) { /* not fmax(): see test_act_q8_0_random_rows_vs_double */
                        double v = x[i + j];
                        if (fabs(v) > amax) amax = fabs(v);
                        if (v < mn) mn = v;
                        if (v > mx) mx = v;
                    }
                    switch (t) {
                    case CLK_T_Q8_0: d = amax / 127; bound = d / 2 + 127 * (d * h + sub); break;
                    case CLK_T_Q4_0: d = amax / 8; bound = d + 8 * (d * h + sub); break;
                    case CLK_T_Q5_0: d = amax / 16; bound = d + 16 * (d * h + sub); break;
                    case CLK_T_Q4_1: d = (mx - mn) / 15; bound = d / 2 + 15 * (d * h + sub) + fabs(mn) * h + sub; break;
                    default: d = (mx - mn) / 31; bound = d / 2 + 31 * (d * h + sub) + fabs(mn) * h + sub; break;
                    }
                    bound = bound * (1 + 1e-5) + 1e-37; /* the float arithmetic on top */
                    for (j = 0; j < 32; j++)
                        if (!(fabs((double)y[i + j] - x[i + j]) <= bound)) bad++;
                }
            } else if (rep % 9 == 0) { /* gaussian rows: RMS bound */
                double se = 0, ss = 0, lim = t == CLK_T_Q4_K ? 0.08 : t == CLK_T_Q5_K ? 0.043 : 0.023;
                for (i = 0; i < N; i++) se += ((double)y[i] - x[i]) * ((double)y[i] - x[i]), ss += (double)x[i] * x[i];
                if (!(sqrt(se / ss) <= lim)) {
                    printf("  %s: relative RMS error %.4f > %.3f\n", clk_type(t)->name, sqrt(se / ss), lim);
                    bad++;
                }
            } else if (rep % 9 == 7) { /* zero rows stay zero */
                for (i = 0; i < N; i++) bad += y[i] != 0.0f;
            }
        }
    }
    CHECK_EQ(bad, 0);
}

static void test_port_kernels_table_is_complete(void)
{
    const clk_kernels *k = clk_port_kernels();
    CHECK(k != NULL);
    if (!k) return;
    CHECK(k->name && k->quantize_act && k->matmul && k->dequant_row && k->dot_f32 && k->axpy_f32 && k->rmsnorm &&
          k->softmax && k->rope && k->swiglu && k->geglu);
    CHECK_STR(clk_ref_kernels.name, "ref");
}

int main(int argc, char **argv)
{
    TEST_INIT(argc, argv);
    RUN(test_half_decode_exhaustive);
    RUN(test_half_round_trip_exhaustive);
    RUN(test_half_rounding_at_every_tie);
    RUN(test_half_encode_random_floats);
    RUN(test_bf16_exhaustive);
    RUN(test_type_table_and_row_sizes);
    RUN(test_dequant_matches_layouts);
    RUN(test_dequant_known_blocks);
    RUN(test_act_q8_0_rounds_half_to_even_with_127_over_amax);
    RUN(test_act_q8_0_random_rows_vs_double);
    RUN(test_act_q8_K_vs_double);
    RUN(test_act_f16_bf16_f32_are_plain_conversions);
    RUN(test_matmul_native_vs_double);
    RUN(test_matmul_f32_route_vs_double);
    RUN(test_matmul_determinism_contract);
    RUN(test_dot_and_axpy_vs_double);
    RUN(test_rmsnorm_vs_double);
    RUN(test_softmax_vs_double);
    RUN(test_rope_vs_double);
    RUN(test_rope_theta_by_repeated_multiplication);
    RUN(test_swiglu_vs_double);
    RUN(test_gelu_half_table_exhaustive);
    RUN(test_geglu_vs_double_and_limits);
    RUN(test_quantize_row_types);
    RUN(test_quantize_dequantize_error_bounds);
    RUN(test_port_kernels_table_is_complete);
    return TEST_DONE();
}
