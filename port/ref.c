/*
 * ref.c - the reference kernels: plain C99, the specification every SIMD
 * port is tested against. Written for clarity first; where llama.cpp's
 * arithmetic order matters for agreement with its logits, the order is
 * ggml's and the comment says so. Never uses intrinsics, never allocates
 * (scratch lives on the stack, at most a few KiB), never prints.
 *
 * Contents, in order:
 *   type table          layouts of every ggml type id (block size, bytes)
 *   dequantizers        one block of a weight type -> floats, bit-exact with
 *                       ggml's dequantize_row_*
 *   activation formats  f32 row -> the weight type's dot-product format
 *                       (f16, bf16, Q8_0, Q8_1, Q8_K), byte-exact with what
 *                       ggml-cpu does on x86 (the goldens were made there)
 *   dot products        weight row . activation row, integer per block
 *   matmul              the clk_mm tile
 *   vector kernels      dot, axpy, rmsnorm, softmax, rope, swiglu, geglu
 *   weight quantizers   clk_quantize_row: ggml's quantize_row_*_ref
 *
 * Floating point: every expression is evaluated exactly as written, in
 * float unless it says double. No fused multiply-add except the one
 * explicit fmaf() in the GELU table (where ggml's compiled code has one).
 * GCC in -std=c99 mode never contracts a*b+c; clang would, so it is told
 * not to here.
 */
#include "port.h"

#include <float.h>
#include <math.h>
#include <string.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* ============================================================ type table */
/* Layouts of every ggml type id clika can measure (so a file with an IQ
 * type still gets a correct byte range and a clear "cannot compute"
 * message); `compute` marks the types the kernels handle. */
static const clk_type_info type_table[CLK_T_COUNT] = {
    [CLK_T_F32] = {"f32", 1, 4, CLK_T_F32, 1},
    [CLK_T_F16] = {"f16", 1, 2, CLK_T_F16, 1},
    [CLK_T_Q4_0] = {"q4_0", 32, 18, CLK_T_Q8_0, 1},
    [CLK_T_Q4_1] = {"q4_1", 32, 20, CLK_T_Q8_1, 1},
    [CLK_T_Q5_0] = {"q5_0", 32, 22, CLK_T_Q8_0, 1},
    [CLK_T_Q5_1] = {"q5_1", 32, 24, CLK_T_Q8_1, 1},
    [CLK_T_Q8_0] = {"q8_0", 32, 34, CLK_T_Q8_0, 1},
    [CLK_T_Q8_1] = {"q8_1", 32, 36, CLK_T_Q8_1, 0},
    [CLK_T_Q2_K] = {"q2_K", 256, 84, CLK_T_Q8_K, 0},
    [CLK_T_Q3_K] = {"q3_K", 256, 110, CLK_T_Q8_K, 0},
    [CLK_T_Q4_K] = {"q4_K", 256, 144, CLK_T_Q8_K, 1},
    [CLK_T_Q5_K] = {"q5_K", 256, 176, CLK_T_Q8_K, 1},
    [CLK_T_Q6_K] = {"q6_K", 256, 210, CLK_T_Q8_K, 1},
    [CLK_T_Q8_K] = {"q8_K", 256, 292, CLK_T_Q8_K, 0},
    [16] = {"iq2_xxs", 256, 66, CLK_T_Q8_K, 0},
    [17] = {"iq2_xs", 256, 74, CLK_T_Q8_K, 0},
    [18] = {"iq3_xxs", 256, 98, CLK_T_Q8_K, 0},
    [19] = {"iq1_s", 256, 50, CLK_T_Q8_K, 0},
    [20] = {"iq4_nl", 32, 18, CLK_T_Q8_0, 0},
    [21] = {"iq3_s", 256, 110, CLK_T_Q8_K, 0},
    [22] = {"iq2_s", 256, 82, CLK_T_Q8_K, 0},
    [23] = {"iq4_xs", 256, 136, CLK_T_Q8_K, 0},
    [24] = {"i8", 1, 1, 24, 0},
    [25] = {"i16", 1, 2, 25, 0},
    [26] = {"i32", 1, 4, 26, 0},
    [27] = {"i64", 1, 8, 27, 0},
    [28] = {"f64", 1, 8, 28, 0},
    [29] = {"iq1_m", 256, 56, CLK_T_Q8_K, 0},
    [CLK_T_BF16] = {"bf16", 1, 2, CLK_T_BF16, 1},
    [34] = {"tq1_0", 256, 54, CLK_T_Q8_K, 0},
    [35] = {"tq2_0", 256, 66, CLK_T_Q8_K, 0},
    [39] = {"mxfp4", 32, 17, CLK_T_Q8_0, 0},
};

const clk_type_info *clk_type(int t)
{
    if (t < 0 || t >= CLK_T_COUNT || !type_table[t].name) return NULL;
    return &type_table[t];
}

size_t clk_row_bytes(int t, int64_t n)
{
    const clk_type_info *ti = clk_type(t);
    if (!ti || n < 0) return 0;
    return (size_t)(n / ti->blck) * (size_t)ti->bytes;
}

size_t clk_act_row_bytes(int wtype, int act, int k)
{
    const clk_type_info *ti = clk_type(wtype);
    if (!ti || k < 0) return 0;
    if (act == CLK_ACT_F32) return (size_t)k * 4;
    switch (ti->act) {
    case CLK_T_F32: return (size_t)k * 4;
    case CLK_T_F16:
    case CLK_T_BF16: return (size_t)k * 2;
    case CLK_T_Q8_0: return (size_t)(k / 32) * sizeof(clk_block_q8_0);
    case CLK_T_Q8_1: return (size_t)(k / 32) * sizeof(clk_block_q8_1);
    case CLK_T_Q8_K: return (size_t)(k / 256) * sizeof(clk_block_q8_K);
    default: return 0;
    }
}

/* ================================================================ helpers */

#define H2F(h) clk_fp16_to_fp32(h)


static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* The 12 scale bytes b[] of Q4_K and Q5_K pack eight 6-bit scales sc[j] and
 * eight 6-bit mins m[j], one pair per 32-element sub-block j:
 *   j < 4:   sc = b[j] & 63                       m = b[j+4] & 63
 *   j >= 4:  sc = (b[j+4] & 15) | (b[j-4] >> 6) << 4
 *            m  = (b[j+4] >> 4) | (b[j]   >> 6) << 4
 * so bytes 0-3 hold scales 0-3 and the top bits of scales 4-7, bytes 4-7
 * mins 0-3 and the top bits of mins 4-7, bytes 8-11 the low nibbles of
 * scale 4-7 (low half) and min 4-7 (high half). */
static void k4_scale_min(const uint8_t *b, int j, int *sc, int *m)
{
    if (j < 4) {
        *sc = b[j] & 63;
        *m = b[j + 4] & 63;
    } else {
        *sc = (b[j + 4] & 15) | ((b[j - 4] >> 6) << 4);
        *m = (b[j + 4] >> 4) | ((b[j] >> 6) << 4);
    }
}

/* ================================================================ unpack */
/* The integer values of one block, in element order. Layouts (ggml-common.h):
 *
 * Q4_0/Q4_1 (32): qs[16]; element j < 16 is the low nibble of qs[j],
 *   element j + 16 the high nibble of qs[j].
 * Q5_0/Q5_1 (32): as Q4, plus qh[4] = a little-endian u32 whose bit j is
 *   the fifth bit (value 16) of element j.
 * Q4_K (256): four chunks of 64; chunk c reads qs[32c .. 32c+31]: its first
 *   32 values are the low nibbles (sub-block 2c), the next 32 the high
 *   nibbles (sub-block 2c+1).
 * Q5_K (256): as Q4_K, plus qh[32]: bit j of qh[l] is the fifth bit of
 *   value l of sub-block j.
 * Q6_K (256): two halves of 128; half h reads ql[64h ..] and qh[32h ..].
 *   Within a half, value 32t + l (quarter t = 0..3, l < 32) has its low 4
 *   bits in byte ql[l + 32*(t & 1)] (low nibble for t < 2, high for t >= 2)
 *   and its top 2 bits in (qh[l] >> 2t) & 3; value = that 6-bit q - 32.
 *   Element e uses scales[e / 16] (16 sub-blocks of 16).
 */

static void unpack_q4(const uint8_t *qs, int q[32])
{
    int j;
    for (j = 0; j < 16; j++) {
        q[j] = qs[j] & 15;
        q[j + 16] = qs[j] >> 4;
    }
}

static void unpack_q5(const uint8_t *qs, const uint8_t *qh, int q[32])
{
    uint32_t h = (uint32_t)qh[0] | (uint32_t)qh[1] << 8 | (uint32_t)qh[2] << 16 | (uint32_t)qh[3] << 24;
    int j;
    unpack_q4(qs, q);
    for (j = 0; j < 32; j++) q[j] |= (int)((h >> j) & 1) << 4;
}

/* The 4-bit part of Q4_K and Q5_K (qs[128] -> 256 values 0..15). */
static void unpack_k_nibbles(const uint8_t *qs, int q[256])
{
    int c, l;
    for (c = 0; c < 4; c++)
        for (l = 0; l < 32; l++) {
            q[64 * c + l] = qs[32 * c + l] & 15;
            q[64 * c + 32 + l] = qs[32 * c + l] >> 4;
        }
}

static void unpack_q5_K(const clk_block_q5_K *b, int q[256])
{
    int j, l;
    unpack_k_nibbles(b->qs, q);
    for (j = 0; j < 8; j++)
        for (l = 0; l < 32; l++) q[32 * j + l] |= ((b->qh[l] >> j) & 1) << 4;
}

static void unpack_q6_K(const clk_block_q6_K *b, int q[256])
{
    int h, t, l;
    for (h = 0; h < 2; h++)
        for (t = 0; t < 4; t++)
            for (l = 0; l < 32; l++) {
                int lo = b->ql[64 * h + l + 32 * (t & 1)];
                int hi = (b->qh[32 * h + l] >> (2 * t)) & 3;
                lo = t < 2 ? lo & 15 : lo >> 4;
                q[128 * h + 32 * t + l] = (lo | hi << 4) - 32;
            }
}

/* ============================================================ dequantize */
/* One block to floats, bit-exact with ggml's dequantize_row_* (ggml-base is
 * compiled without FMA, so each operation rounds on its own):
 *   Q8_0  q*d              Q4_0  (nib-8)*d          Q5_0  (q-16)*d
 *   Q4_1  nib*d + m        Q5_1  q*d + m
 *   Q4_K  d1*q - m1  with d1 = d*sc and m1 = dmin*m rounded first
 *   Q5_K  as Q4_K, q in 0..31
 *   Q6_K  (d*sc)*(q-32)
 * (integers convert to float exactly; a*b == b*a in IEEE arithmetic). */

static void deq_block(int type, const void *blk, float *y)
{
    int q[256], j;
    switch (type) {
    case CLK_T_Q8_0: {
        const clk_block_q8_0 *b = (const clk_block_q8_0 *)blk;
        float d = H2F(b->d);
        for (j = 0; j < 32; j++) y[j] = (float)b->qs[j] * d;
        break;
    }
    case CLK_T_Q4_0: {
        const clk_block_q4_0 *b = (const clk_block_q4_0 *)blk;
        float d = H2F(b->d);
        unpack_q4(b->qs, q);
        for (j = 0; j < 32; j++) y[j] = (float)(q[j] - 8) * d;
        break;
    }
    case CLK_T_Q4_1: {
        const clk_block_q4_1 *b = (const clk_block_q4_1 *)blk;
        float d = H2F(b->d), m = H2F(b->m);
        unpack_q4(b->qs, q);
        for (j = 0; j < 32; j++) y[j] = (float)q[j] * d + m;
        break;
    }
    case CLK_T_Q5_0: {
        const clk_block_q5_0 *b = (const clk_block_q5_0 *)blk;
        float d = H2F(b->d);
        unpack_q5(b->qs, b->qh, q);
        for (j = 0; j < 32; j++) y[j] = (float)(q[j] - 16) * d;
        break;
    }
    case CLK_T_Q5_1: {
        const clk_block_q5_1 *b = (const clk_block_q5_1 *)blk;
        float d = H2F(b->d), m = H2F(b->m);
        unpack_q5(b->qs, b->qh, q);
        for (j = 0; j < 32; j++) y[j] = (float)q[j] * d + m;
        break;
    }
    case CLK_T_Q4_K:
    case CLK_T_Q5_K: {
        const uint8_t *scales;
        float d, dmin;
        int s;
        if (type == CLK_T_Q4_K) {
            const clk_block_q4_K *b = (const clk_block_q4_K *)blk;
            d = H2F(b->d), dmin = H2F(b->dmin), scales = b->scales;
            unpack_k_nibbles(b->qs, q);
        } else {
            const clk_block_q5_K *b = (const clk_block_q5_K *)blk;
            d = H2F(b->d), dmin = H2F(b->dmin), scales = b->scales;
            unpack_q5_K(b, q);
        }
        for (s = 0; s < 8; s++) { /* sub-block s: elements 32s .. 32s+31 */
            int sc, m;
            float d1, m1;
            k4_scale_min(scales, s, &sc, &m);
            d1 = d * (float)sc;
            m1 = dmin * (float)m;
            for (j = 0; j < 32; j++) y[32 * s + j] = d1 * (float)q[32 * s + j] - m1;
        }
        break;
    }
    case CLK_T_Q6_K: {
        const clk_block_q6_K *b = (const clk_block_q6_K *)blk;
        float d = H2F(b->d);
        unpack_q6_K(b, q);
        for (j = 0; j < 256; j++) y[j] = (d * (float)b->scales[j / 16]) * (float)q[j];
        break;
    }
    case CLK_T_F16: y[0] = H2F(*(const uint16_t *)blk); break;
    case CLK_T_BF16: y[0] = clk_bf16_to_fp32(*(const uint16_t *)blk); break;
    case CLK_T_F32: memcpy(y, blk, 4); break;
    default: break;
    }
}

static void ref_dequant_row(int type, const void *x, float *y, int n)
{
    const clk_type_info *ti = clk_type(type);
    const uint8_t *p = (const uint8_t *)x;
    int i;
    if (!ti || !ti->compute) return;
    if (type == CLK_T_F32) {
        memcpy(y, x, (size_t)n * sizeof(float));
        return;
    }
    for (i = 0; i + ti->blck <= n; i += ti->blck, p += ti->bytes) deq_block(type, p, y + i);
}

/* ===================================================== activation formats */
/*
 * Q8_0 and Q8_1, as ggml-cpu's x86 quantize_row_q8_0/q8_1 (AVX2 path; the
 * goldens were made with it). This is not quantize_row_q8_0_ref, which
 * rounds half away from zero and multiplies by 1/d. Per block of 32:
 *   amax = max |x|
 *   d    = amax / 127                     stored as f16 (nearest even)
 *   id   = amax != 0 ? 127 / amax : 0     (not 1/d)
 *   q    = round-half-even(x * id), converted as cvtps2dq converts (NaN or
 *          outside int32 -> INT32_MIN), then saturated to int8
 *   Q8_1: s = f16(d * (float)sum), sum = the int32 q added before
 *          saturation, wrapping modulo 2^32
 * The conversion and wrap rules matter only when 127/amax overflows to inf
 * (amax < 3.7e-37): d is 0 in f16 then and the block contributes nothing,
 * but its bytes are still specified, so ports can be compared bytewise.
 * Round-half-even is rintf() in the default rounding mode, which clika
 * never changes.
 */
static int32_t x86_cvt_i32(float r) /* r is already integral, inf or NaN */
{
    if (!(r >= -2147483648.0f && r < 2147483648.0f)) return INT32_MIN;
    return (int32_t)r;
}

static void act_q8_0_block(const float *x, int8_t qs[32], uint16_t *d16, uint16_t *s16)
{
    float amax = 0.0f, d, id;
    int32_t v[32];
    uint32_t usum = 0;
    int j;
    for (j = 0; j < 32; j++) {
        float a = fabsf(x[j]);
        if (a > amax) amax = a;
    }
    d = amax / 127.0f;
    id = amax != 0.0f ? 127.0f / amax : 0.0f;
    *d16 = clk_fp32_to_fp16(d);
    for (j = 0; j < 32; j++) {
        v[j] = x86_cvt_i32(rintf(x[j] * id));
        usum += (uint32_t)v[j];
        qs[j] = (int8_t)(v[j] < -128 ? -128 : v[j] > 127 ? 127 : v[j]); /* packs: saturate */
    }
    if (s16) {
        /* the wrapped sum as a two's-complement int32, portably */
        int32_t sum = usum <= 0x7FFFFFFFu ? (int32_t)usum : -(int32_t)(0xFFFFFFFFu - usum) - 1;
        *s16 = clk_fp32_to_fp16(d * (float)sum);
    }
}

/*
 * Q8_K (quantize_row_q8_K_ref, which ggml-cpu calls unchanged on x86). Per
 * block of 256:
 *   max    = the element of largest |x| (the first on ties), sign kept
 *   if max is 0: d = 0 and every q and bsum 0 (ggml leaves bsums unwritten)
 *   iscale = -127 / max
 *   q      = min(127, clk_nearest_int(iscale * x))   (-127 at the max element)
 *   bsums[g] = q[16g] + ... + q[16g+15]
 *   d      = 1 / iscale                           (f32, negative if max > 0)
 * If |max| < 3.7e-37, -127/max overflows to -inf: q is whatever nearest_int
 * makes of inf and NaN (ggml's garbage, reproduced) and d = -0, so the
 * block contributes nothing to a dot product.
 */
static void act_q8_K_block(const float *x, clk_block_q8_K *y)
{
    float amax = 0.0f, max = 0.0f;
    int j;
    for (j = 0; j < 256; j++) {
        float a = fabsf(x[j]);
        if (a > amax) {
            amax = a;
            max = x[j];
        }
    }
    clk_q8_K_from_max(x, y, amax, max);
}

/* Activation row for a matmul with wtype weights (see clk_act_row_bytes):
 * f32 copy (CLK_ACT_F32, or F32 weights), f16 / bf16 (nearest even, as
 * ggml_cpu_fp32_to_fp16/bf16), or Q8_0 / Q8_1 / Q8_K blocks. k must be a
 * multiple of the format's block; wtype must be a compute type. */
static void ref_quantize_act(int wtype, int act, const float *x, void *y, int k)
{
    const clk_type_info *ti = clk_type(wtype);
    int i;
    if (!ti || !ti->compute) return;
    if (act == CLK_ACT_F32 || ti->act == CLK_T_F32) {
        memcpy(y, x, (size_t)k * sizeof(float));
        return;
    }
    switch (ti->act) {
    case CLK_T_F16: {
        uint16_t *h = (uint16_t *)y;
        for (i = 0; i < k; i++) h[i] = clk_fp32_to_fp16(x[i]);
        break;
    }
    case CLK_T_BF16: {
        uint16_t *h = (uint16_t *)y;
        for (i = 0; i < k; i++) h[i] = clk_fp32_to_bf16(x[i]);
        break;
    }
    case CLK_T_Q8_0: {
        clk_block_q8_0 *b = (clk_block_q8_0 *)y;
        for (i = 0; i + 32 <= k; i += 32, b++) act_q8_0_block(x + i, b->qs, &b->d, NULL);
        break;
    }
    case CLK_T_Q8_1: {
        clk_block_q8_1 *b = (clk_block_q8_1 *)y;
        for (i = 0; i + 32 <= k; i += 32, b++) act_q8_0_block(x + i, b->qs, &b->d, &b->s);
        break;
    }
    case CLK_T_Q8_K: {
        clk_block_q8_K *b = (clk_block_q8_K *)y;
        for (i = 0; i + 256 <= k; i += 256, b++) act_q8_K_block(x + i, b);
        break;
    }
    default: break;
    }
}

/* ========================================================== dot products */
/*
 * One weight row (k elements) times one activation row in the weight
 * type's activation format. Each block first gives an exact integer sum;
 * floats enter only with the block's scales:
 *
 *   Q8_0, Q4_0, Q5_0 . Q8_0   sum += (dw * da) * (float)isum
 *   Q4_1, Q5_1 . Q8_1         sum += (dw * da) * (float)isum + mw * sa
 *       (ggml's generic vec_dot; its Q4_0 variant writes isum*dw*da, which
 *        may differ in the last bit - one form for all is simpler to port)
 *   Q4_K, Q5_K . Q8_K         isum = sum over sub-blocks j of sc_j * (q . q8)_j
 *                             imin = sum over j of m_j * (bsums[2j] + bsums[2j+1])
 *                             acc  += (dw * da) * (float)isum
 *                             accm += (dminw * da) * (float)imin
 *                             result = acc - accm
 *   Q6_K . Q8_K               isum = sum over j of sc_j * ((q-32) . q8)_j
 *                             acc  += (dw * da) * (float)isum
 *   F32, F16, BF16            products in float, summed in double, as
 *                             ggml's scalar ggml_vec_dot_f32/f16/bf16
 * Sums run over blocks in order, in float unless said otherwise. The
 * separate min accumulator mirrors ggml (its generic code and its AVX2 code
 * both keep the min terms apart and add them at the end). No integer sum
 * can overflow: |isum| <= 128 * 32 * 128 * 256 < 2^31 (Q6_K, the largest).
 */

static int idot(const int *q, const int8_t *a, int n)
{
    int j, s = 0;
    for (j = 0; j < n; j++) s += q[j] * a[j];
    return s;
}

static float vec_dot_native(int wtype, const void *w, const void *x, int k)
{
    const uint8_t *wp = (const uint8_t *)w;
    int q[256], i, j;
    float sum = 0.0f;
    switch (wtype) {
    case CLK_T_F32: {
        const float *a = (const float *)w, *b = (const float *)x;
        double s = 0.0;
        for (i = 0; i < k; i++) s += (double)(a[i] * b[i]);
        return (float)s;
    }
    case CLK_T_F16: {
        const uint16_t *a = (const uint16_t *)w, *b = (const uint16_t *)x;
        double s = 0.0;
        for (i = 0; i < k; i++) s += (double)(H2F(a[i]) * H2F(b[i]));
        return (float)s;
    }
    case CLK_T_BF16: {
        const uint16_t *a = (const uint16_t *)w, *b = (const uint16_t *)x;
        double s = 0.0;
        for (i = 0; i < k; i++) s += (double)(clk_bf16_to_fp32(a[i]) * clk_bf16_to_fp32(b[i]));
        return (float)s;
    }
    case CLK_T_Q8_0:
    case CLK_T_Q4_0:
    case CLK_T_Q5_0: {
        const clk_block_q8_0 *a = (const clk_block_q8_0 *)x;
        for (i = 0; i < k / 32; i++, a++) {
            float dw;
            if (wtype == CLK_T_Q8_0) {
                const clk_block_q8_0 *b = (const clk_block_q8_0 *)(const void *)wp + i;
                for (j = 0; j < 32; j++) q[j] = b->qs[j];
                dw = H2F(b->d);
            } else if (wtype == CLK_T_Q4_0) {
                const clk_block_q4_0 *b = (const clk_block_q4_0 *)(const void *)wp + i;
                unpack_q4(b->qs, q);
                for (j = 0; j < 32; j++) q[j] -= 8;
                dw = H2F(b->d);
            } else {
                const clk_block_q5_0 *b = (const clk_block_q5_0 *)(const void *)wp + i;
                unpack_q5(b->qs, b->qh, q);
                for (j = 0; j < 32; j++) q[j] -= 16;
                dw = H2F(b->d);
            }
            sum += (dw * H2F(a->d)) * (float)idot(q, a->qs, 32);
        }
        return sum;
    }
    case CLK_T_Q4_1:
    case CLK_T_Q5_1: {
        const clk_block_q8_1 *a = (const clk_block_q8_1 *)x;
        for (i = 0; i < k / 32; i++, a++) {
            float dw, mw;
            if (wtype == CLK_T_Q4_1) {
                const clk_block_q4_1 *b = (const clk_block_q4_1 *)(const void *)wp + i;
                unpack_q4(b->qs, q);
                dw = H2F(b->d), mw = H2F(b->m);
            } else {
                const clk_block_q5_1 *b = (const clk_block_q5_1 *)(const void *)wp + i;
                unpack_q5(b->qs, b->qh, q);
                dw = H2F(b->d), mw = H2F(b->m);
            }
            sum += (dw * H2F(a->d)) * (float)idot(q, a->qs, 32) + mw * H2F(a->s);
        }
        return sum;
    }
    case CLK_T_Q4_K:
    case CLK_T_Q5_K: {
        const clk_block_q8_K *a = (const clk_block_q8_K *)x;
        float accm = 0.0f;
        for (i = 0; i < k / 256; i++, a++) {
            const uint8_t *scales;
            float dw, dminw;
            int isum = 0, imin = 0, s;
            if (wtype == CLK_T_Q4_K) {
                const clk_block_q4_K *b = (const clk_block_q4_K *)(const void *)wp + i;
                unpack_k_nibbles(b->qs, q);
                scales = b->scales, dw = H2F(b->d), dminw = H2F(b->dmin);
            } else {
                const clk_block_q5_K *b = (const clk_block_q5_K *)(const void *)wp + i;
                unpack_q5_K(b, q);
                scales = b->scales, dw = H2F(b->d), dminw = H2F(b->dmin);
            }
            for (s = 0; s < 8; s++) {
                int sc, m;
                k4_scale_min(scales, s, &sc, &m);
                isum += sc * idot(q + 32 * s, a->qs + 32 * s, 32);
                imin += m * (a->bsums[2 * s] + a->bsums[2 * s + 1]);
            }
            sum += (dw * a->d) * (float)isum;
            accm += (dminw * a->d) * (float)imin;
        }
        return sum - accm;
    }
    case CLK_T_Q6_K: {
        const clk_block_q8_K *a = (const clk_block_q8_K *)x;
        for (i = 0; i < k / 256; i++, a++) {
            const clk_block_q6_K *b = (const clk_block_q6_K *)(const void *)wp + i;
            int isum = 0, s;
            unpack_q6_K(b, q);
            for (s = 0; s < 16; s++) isum += b->scales[s] * idot(q + 16 * s, a->qs + 16 * s, 16);
            sum += (H2F(b->d) * a->d) * (float)isum;
        }
        return sum;
    }
    default: return 0.0f;
    }
}

/* The all-f32 route (CLK_ACT_F32): the weight row dequantized block by
 * block exactly as dequant_row gives it, products in float summed in
 * double. Slower, free of activation rounding: the test reference. */
static float vec_dot_dequant(int wtype, const void *w, const float *x, int k)
{
    const clk_type_info *ti = clk_type(wtype);
    const uint8_t *p = (const uint8_t *)w;
    float tmp[256];
    double s = 0.0;
    int i, j;
    if (wtype == CLK_T_F32) return vec_dot_native(CLK_T_F32, w, x, k);
    for (i = 0; i + ti->blck <= k; i += ti->blck, p += ti->bytes) {
        deq_block(wtype, p, tmp);
        for (j = 0; j < ti->blck; j++) s += (double)(tmp[j] * x[i + j]);
    }
    return (float)s;
}

/* The tile: every (i, r) is one call that sees only weight row r and
 * activation row i, so the contract in port.h holds trivially. Weight rows
 * outside, activation rows inside: a row is read once per tile. */
static void ref_matmul(const clk_mm *mm)
{
    const clk_type_info *ti = clk_type(mm->wtype);
    int r, i;
    if (!ti || !ti->compute) return;
    for (r = mm->r0; r < mm->r1; r++) {
        const void *w = (const char *)mm->w + (size_t)r * mm->w_row;
        for (i = 0; i < mm->m; i++) {
            const void *x = (const char *)mm->x + (size_t)i * mm->x_row;
            mm->y[(size_t)i * mm->ldy + (size_t)r] =
                mm->act == CLK_ACT_F32 ? vec_dot_dequant(mm->wtype, w, (const float *)x, mm->k)
                                       : vec_dot_native(mm->wtype, w, x, mm->k);
        }
    }
}

/* ======================================================== vector kernels */

/* sum a[i]*b[i]: products in float, summed in double (ggml's scalar dot). */
static float ref_dot_f32(const float *a, const float *b, int n)
{
    double s = 0.0;
    int i;
    for (i = 0; i < n; i++) s += (double)(a[i] * b[i]);
    return (float)s;
}

/* y[i] = y[i] + a*x[i], two roundings (no FMA). */
static void ref_axpy_f32(float *y, float a, const float *x, int n)
{
    int i;
    for (i = 0; i < n; i++) y[i] = y[i] + a * x[i];
}

/* ggml_compute_forward_rms_norm (+ the fused multiply by the weight):
 *   sum   = sum of (double)(x*x)          squares in float, sum in double
 *   mean  = (float)(sum / n)
 *   scale = 1 / sqrtf(mean + eps)         in float
 *   out   = (x * scale) * w               in float */
static void ref_rmsnorm(float *out, const float *x, const float *w, int n, float eps)
{
    double sum = 0.0;
    float mean, scale;
    int i;
    for (i = 0; i < n; i++) sum += (double)(x[i] * x[i]);
    mean = (float)(sum / (double)n);
    scale = 1.0f / sqrtf(mean + eps);
    for (i = 0; i < n; i++) out[i] = w ? (x[i] * scale) * w[i] : x[i] * scale;
}

/* ggml_vec_soft_max_f32 and its caller: e = expf(x - max) in float, summed
 * in double; then x = e * (float)(1 / sum). -inf entries (masked) give 0. */
static void ref_softmax(float *x, int n)
{
    float max = -INFINITY, inv;
    double sum = 0.0;
    int i;
    for (i = 0; i < n; i++)
        if (x[i] > max) max = x[i];
    for (i = 0; i < n; i++) {
        x[i] = expf(x[i] - max);
        sum += (double)x[i];
    }
    inv = (float)(1.0 / sum);
    for (i = 0; i < n; i++) x[i] = x[i] * inv;
}

/* RoPE without YaRN, as ggml_rope_cache_init + rotate_pairs compute it.
 * For pair i (0 <= i < n_rot/2) at position p:
 *   theta_0     = (float)p
 *   theta_{i+1} = theta_i * powf(base, -2.0f / n_rot)   repeated float
 *                 multiplication, not pow(base, -2i/n_rot)
 *   angle       = freq_scale * (theta_i / ff_i)         (ff_i = freq_factors[i]; no
 *                                                        division without factors)
 *   (a, b)      = (x[2i], x[2i+1]) normal, (x[i], x[i + n_rot/2]) NEOX
 *   a' = a*cos - b*sin,  b' = a*sin + b*cos             four roundings + two, no FMA
 * Dimensions from n_rot to head_dim stay as they are. */
static void ref_rope(float *x, int n_heads, int head_dim, int pos, const clk_rope *r)
{
    const int half = r->n_rot / 2;
    const float theta_scale = powf(r->freq_base, -2.0f / (float)r->n_rot);
    float theta = (float)pos;
    int i, h;
    for (i = 0; i < half; i++) {
        float angle = r->freq_factors ? theta / r->freq_factors[i] : theta;
        float c, s;
        angle = r->freq_scale * angle;
        c = cosf(angle);
        s = sinf(angle);
        for (h = 0; h < n_heads; h++) {
            float *v = x + (size_t)h * (size_t)head_dim;
            int ia = r->neox ? i : 2 * i, ib = r->neox ? i + half : 2 * i + 1;
            float a = v[ia], b = v[ib];
            v[ia] = a * c - b * s;
            v[ib] = a * s + b * c;
        }
        theta = theta * theta_scale;
    }
}

/* out = silu(g) * up, silu(g) = g / (1 + expf(-g)) (ggml's scalar form). */
static void ref_swiglu(float *out, const float *gate, const float *up, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        float g = gate[i];
        out[i] = (g / (1.0f + expf(-g))) * up[i];
    }
}

/* GELU (tanh form) of one half h, as ggml-cpu fills ggml_table_gelu_f16[h]:
 *   x = f32(h);  u = 1 + (0.044715*x)*x  as ONE fused multiply-add (ggml-cpu
 *   is built with -march=native and GCC contracts it there; without the fma
 *   one entry of the 65536 differs: h = 0xbfff);
 *   g = (0.5*x) * (1 + tanhf((sqrt(2/pi)*x) * u));  entry = f16(g).
 * The table is not kept: one tanhf per element costs far less than the
 * matmuls around it in this port. */
uint16_t clk_gelu_half(uint16_t h)
{
    const float sqrt_2_over_pi = 0.79788456080286535587989211986876f;
    float x = H2F(h);
    float u = fmaf(0.044715f * x, x, 1.0f);
    float g = 0.5f * x * (1.0f + tanhf(sqrt_2_over_pi * x * u));
    return clk_fp32_to_fp16(g);
}

/* ggml_vec_geglu_f32 with GGML_GELU_FP16:
 *   g <= -10:  out = 0           g >= 10:  out = g * up
 *   otherwise: out = f32(gelu_half(f16(g))) * up */
static void ref_geglu(float *out, const float *gate, const float *up, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        float g = gate[i];
        if (g <= -10.0f)
            out[i] = 0.0f;
        else if (g >= 10.0f)
            out[i] = g * up[i];
        else
            out[i] = H2F(clk_gelu_half(clk_fp32_to_fp16(g))) * up[i];
    }
}

/* ===================================================== weight quantizers */
/* ggml's quantize_row_*_ref (what llama-quantize runs without an importance
 * matrix), restated. Every float operation is kept in ggml's order, since
 * the point is to produce the same bytes as llama-quantize. "(int)(v)" is
 * C's truncation toward zero, as ggml's casts. */

/* Q8_0 weights: amax = max |x|; d = amax/127; id = d ? 1/d : 0;
 * q = roundf(x*id) (half away from zero). */
static void quant_q8_0(const float *x, clk_block_q8_0 *y)
{
    float amax = 0.0f, d, id;
    int j;
    for (j = 0; j < 32; j++) {
        float a = fabsf(x[j]);
        amax = amax > a ? amax : a;
    }
    d = amax / 127.0f;
    id = d != 0.0f ? 1.0f / d : 0.0f;
    y->d = clk_fp32_to_fp16(d);
    for (j = 0; j < 32; j++) y->qs[j] = (int8_t)roundf(x[j] * id);
}

/* Q4_0 / Q5_0 (nmax = 8 / 16): max = the element of largest |x| (first on
 * ties), sign kept; d = max / -nmax (so max maps to q = 0); id = d ? 1/d : 0;
 * q = min(2*nmax - 1, (int)(x*id + nmax + 0.5)). */
static void quant_sym(const float *x, int nmax, float *dout, int q[32])
{
    float amax = 0.0f, max = 0.0f, d, id;
    int j;
    for (j = 0; j < 32; j++)
        if (amax < fabsf(x[j])) {
            amax = fabsf(x[j]);
            max = x[j];
        }
    d = max / (float)-nmax;
    id = d != 0.0f ? 1.0f / d : 0.0f;
    *dout = d;
    for (j = 0; j < 32; j++) {
        int v = (int)(x[j] * id + ((float)nmax + 0.5f));
        q[j] = v < 2 * nmax - 1 ? v : 2 * nmax - 1;
    }
}

/* Q4_1 / Q5_1 (levels = 15 / 31): min and max of the block (from +-FLT_MAX);
 * d = (max - min)/levels; id = d ? 1/d : 0; q = (int)((x - min)*id + 0.5),
 * capped at 15 for Q4_1 (Q5_1 has no cap: the value cannot exceed 31). */
static void quant_asym(const float *x, int levels, float *dout, float *mout, int q[32])
{
    float min = FLT_MAX, max = -FLT_MAX, d, id;
    int j;
    for (j = 0; j < 32; j++) {
        if (x[j] < min) min = x[j];
        if (x[j] > max) max = x[j];
    }
    d = (max - min) / (float)levels;
    id = d != 0.0f ? 1.0f / d : 0.0f;
    *dout = d;
    *mout = min;
    for (j = 0; j < 32; j++) {
        int v = (int)((x[j] - min) * id + 0.5f);
        q[j] = levels == 15 && v > 15 ? 15 : v;
    }
}

static void pack_q4(const int q[32], uint8_t qs[16])
{
    int j;
    for (j = 0; j < 16; j++) qs[j] = (uint8_t)((q[j] & 15) | (q[j + 16] & 15) << 4);
}

static void pack_q5(const int q[32], uint8_t qs[16], uint8_t qh[4])
{
    int j;
    pack_q4(q, qs);
    memset(qh, 0, 4);
    for (j = 0; j < 32; j++) qh[j >> 3] |= (uint8_t)(((q[j] >> 4) & 1) << (j & 7));
}

/*
 * make_qkx2_quants: choose a scale and a min (x ~ scale*L + min, min <= 0,
 * L in 0..nmax) for n values with weights w, by a small search.
 *   min0 = min(0, min x), max = max x; if max == min0: L = 0, scale 0.
 *   Start: iscale = nmax/(max - min0), L = clamp(clk_nearest_int(iscale*(x-min0))),
 *          error = sum of w * (scale*L + min - x)^2 with scale = 1/iscale.
 *   For is = 0..nstep: iscale = (rmin + rdelta*is + nmax)/(max - min0),
 *          L' as above; solve weighted least squares for (scale, min):
 *            D = sw*sl2 - sl^2,  scale = (sw*sxl - sx*sl)/D,
 *            min = (sl2*sx - sl*sxl)/D   (if min > 0: min = 0, scale = sxl/sl2);
 *          keep L', scale, min if its error is smaller.
 *   Returns scale; *the_min = -min (>= 0).
 * Sums are in float, accumulated element by element; w*l*l is (w*l)*l and
 * w*l*x is (w*l)*x, exactly as written in ggml.
 */
static float make_qkx2_quants(int n, int nmax, const float *x, const float *w, uint8_t *L,
                              float *the_min, float rmin, float rdelta, int nstep)
{
    uint8_t Laux[32];
    float min = x[0], max = x[0];
    float sum_w = w[0], sum_x = sum_w * x[0];
    float iscale, scale, best_error = 0.0f;
    int i, is;
    for (i = 1; i < n; i++) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        sum_w += w[i];
        sum_x += w[i] * x[i];
    }
    if (min > 0.0f) min = 0.0f;
    if (max == min) {
        for (i = 0; i < n; i++) L[i] = 0;
        *the_min = -min;
        return 0.0f;
    }
    iscale = (float)nmax / (max - min);
    scale = 1.0f / iscale;
    for (i = 0; i < n; i++) {
        float diff;
        L[i] = (uint8_t)clampi(clk_nearest_int(iscale * (x[i] - min)), 0, nmax);
        diff = scale * (float)L[i] + min - x[i];
        best_error += w[i] * (diff * diff);
    }
    for (is = 0; is <= nstep; is++) {
        float sum_l = 0.0f, sum_l2 = 0.0f, sum_xl = 0.0f, D;
        iscale = (rmin + rdelta * (float)is + (float)nmax) / (max - min);
        for (i = 0; i < n; i++) {
            int l = clampi(clk_nearest_int(iscale * (x[i] - min)), 0, nmax);
            float wl = w[i] * (float)l;
            Laux[i] = (uint8_t)l;
            sum_l += wl;
            sum_l2 += wl * (float)l;
            sum_xl += wl * x[i];
        }
        D = sum_w * sum_l2 - sum_l * sum_l;
        if (D > 0.0f) {
            float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
            float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
            float cur_error = 0.0f;
            if (this_min > 0.0f) {
                this_min = 0.0f;
                this_scale = sum_xl / sum_l2;
            }
            for (i = 0; i < n; i++) {
                float diff = this_scale * (float)Laux[i] + this_min - x[i];
                cur_error += w[i] * (diff * diff);
            }
            if (cur_error < best_error) {
                memcpy(L, Laux, (size_t)n);
                best_error = cur_error;
                scale = this_scale;
                min = this_min;
            }
        }
    }
    *the_min = -min;
    return scale;
}

/*
 * Q4_K / Q5_K weights (nmax = 15 / 31). Per super-block of 256:
 *  1. each sub-block j of 32: weights w = sqrt(mean x^2) + |x|;
 *     (scale_j, min_j) = make_qkx2_quants(32, nmax, x, w, rmin, 0.1, nstep)
 *     with (rmin, nstep) = (-1, 20) for Q4_K and (-0.5, 15) for Q5_K
 *  2. d = max scale / 63, dmin = max min / 63 (f16); the 6-bit codes are
 *     ls_j = min(63, (uint8)clk_nearest_int(63/max_scale * scale_j)), lm_j alike
 *  3. with the stored (rounded) d*ls_j and dmin*lm_j, requantize:
 *     L = clamp(clk_nearest_int((x + dmin*lm_j) / (d*ls_j)), 0, nmax); sub-blocks
 *     whose d*ls_j is 0 keep the L of step 1.
 */
static void quant_k45(const float *x, int nmax, uint8_t *scales, uint16_t *d16, uint16_t *dmin16,
                      uint8_t L[256])
{
    const float rmin = nmax == 15 ? -1.0f : -0.5f;
    const int nstep = nmax == 15 ? 20 : 15;
    float weights[32], mins[8], sc[8];
    float max_scale = 0.0f, max_min = 0.0f, inv_scale, inv_min, d, dmin;
    int j, l;
    for (j = 0; j < 8; j++) {
        const float *xb = x + 32 * j;
        float sum_x2 = 0.0f, av_x;
        for (l = 0; l < 32; l++) sum_x2 += xb[l] * xb[l];
        av_x = sqrtf(sum_x2 / 32.0f);
        for (l = 0; l < 32; l++) weights[l] = av_x + fabsf(xb[l]);
        sc[j] = make_qkx2_quants(32, nmax, xb, weights, L + 32 * j, &mins[j], rmin, 0.1f, nstep);
        if (sc[j] > max_scale) max_scale = sc[j];
        if (mins[j] > max_min) max_min = mins[j];
    }
    inv_scale = max_scale > 0.0f ? 63.0f / max_scale : 0.0f;
    inv_min = max_min > 0.0f ? 63.0f / max_min : 0.0f;
    memset(scales, 0, 12);
    for (j = 0; j < 8; j++) {
        uint8_t ls = (uint8_t)clk_nearest_int(inv_scale * sc[j]);
        uint8_t lm = (uint8_t)clk_nearest_int(inv_min * mins[j]);
        ls = ls < 63 ? ls : 63;
        lm = lm < 63 ? lm : 63;
        if (j < 4) { /* layout: see k4_scale_min */
            scales[j] = ls;
            scales[j + 4] = lm;
        } else {
            scales[j + 4] = (uint8_t)((ls & 15) | (lm & 15) << 4);
            scales[j - 4] |= (uint8_t)((ls >> 4) << 6);
            scales[j] |= (uint8_t)((lm >> 4) << 6);
        }
    }
    *d16 = clk_fp32_to_fp16(max_scale / 63.0f);
    *dmin16 = clk_fp32_to_fp16(max_min / 63.0f);
    d = H2F(*d16);
    dmin = H2F(*dmin16);
    for (j = 0; j < 8; j++) {
        int s, m;
        float dj, mj;
        k4_scale_min(scales, j, &s, &m);
        dj = d * (float)s;
        if (dj == 0.0f) continue;
        mj = dmin * (float)m;
        for (l = 0; l < 32; l++)
            L[32 * j + l] = (uint8_t)clampi(clk_nearest_int((x[32 * j + l] + mj) / dj), 0, nmax);
    }
}

static void quant_q4_K(const float *x, clk_block_q4_K *y)
{
    uint8_t L[256];
    int c, l;
    quant_k45(x, 15, y->scales, &y->d, &y->dmin, L);
    for (c = 0; c < 4; c++) /* chunk c: sub-block 2c in low nibbles, 2c+1 in high */
        for (l = 0; l < 32; l++) y->qs[32 * c + l] = (uint8_t)(L[64 * c + l] | L[64 * c + 32 + l] << 4);
}

static void quant_q5_K(const float *x, clk_block_q5_K *y)
{
    uint8_t L[256];
    int c, l;
    quant_k45(x, 31, y->scales, &y->d, &y->dmin, L);
    memset(y->qh, 0, sizeof y->qh);
    for (c = 0; c < 4; c++)
        for (l = 0; l < 32; l++) {
            int lo = L[64 * c + l], hi = L[64 * c + 32 + l];
            y->qh[l] |= (uint8_t)(((lo >> 4) & 1) << (2 * c) | ((hi >> 4) & 1) << (2 * c + 1));
            y->qs[32 * c + l] = (uint8_t)((lo & 15) | (hi & 15) << 4);
        }
}

/*
 * make_qx_quants with rmse_type 1 and no importance (the Q6_K case): a
 * symmetric scale for n values, L in 0..2*nmax-1 (q = L - nmax), weights
 * w = x^2.
 *   max = the element of largest |x| (first on ties), sign kept;
 *   if |max| < 1e-15: L = 0, scale 0.
 *   iscale = -nmax/max; l = clamp(clk_nearest_int(iscale*x), -nmax, nmax-1);
 *   sumlx = sum (w*x)*l, suml2 = sum (w*l)*l; scale = sumlx/suml2 (0 if
 *   suml2 is 0); best = scale*sumlx.
 *   For is = -9..9 except 0: iscale = -(nmax + 0.1*is)/max, the same sums;
 *   if suml2 > 0 and sumlx^2 > best*suml2: take these L, scale = sumlx/suml2,
 *   best = scale*sumlx.
 */
static float make_qx_quants(int n, int nmax, const float *x, int8_t *L)
{
    float max = 0.0f, amax = 0.0f, iscale, sumlx = 0.0f, suml2 = 0.0f, scale, best;
    int i, is;
    for (i = 0; i < n; i++) {
        float ax = fabsf(x[i]);
        if (ax > amax) {
            amax = ax;
            max = x[i];
        }
    }
    if (amax < 1e-15f) {
        for (i = 0; i < n; i++) L[i] = 0;
        return 0.0f;
    }
    iscale = (float)-nmax / max;
    for (i = 0; i < n; i++) {
        int l = clampi(clk_nearest_int(iscale * x[i]), -nmax, nmax - 1);
        float w = x[i] * x[i];
        L[i] = (int8_t)(l + nmax);
        sumlx += (w * x[i]) * (float)l;
        suml2 += (w * (float)l) * (float)l;
    }
    scale = suml2 != 0.0f ? sumlx / suml2 : 0.0f;
    best = scale * sumlx;
    for (is = -9; is <= 9; is++) {
        if (is == 0) continue;
        iscale = -((float)nmax + 0.1f * (float)is) / max;
        sumlx = suml2 = 0.0f;
        for (i = 0; i < n; i++) {
            int l = clampi(clk_nearest_int(iscale * x[i]), -nmax, nmax - 1);
            float w = x[i] * x[i];
            sumlx += (w * x[i]) * (float)l;
            suml2 += (w * (float)l) * (float)l;
        }
        if (suml2 > 0.0f && sumlx * sumlx > best * suml2) {
            for (i = 0; i < n; i++) L[i] = (int8_t)(nmax + clampi(clk_nearest_int(iscale * x[i]), -nmax, nmax - 1));
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    return scale;
}

/*
 * Q6_K weights. Per super-block of 256:
 *  1. each sub-block of 16: scale_j = make_qx_quants(16, 32, x) (signed);
 *     max_scale = the scale of largest |scale_j| (first on ties), sign kept
 *  2. if |max_scale| < 1e-15 the whole block is zero bytes;
 *     iscale = -128/max_scale, d = f16(1/iscale),
 *     scales[j] = min(127, clk_nearest_int(iscale*scale_j))  (int8)
 *  3. with the stored d*scales[j] (skipped when 0: step 1's L stays),
 *     q = clamp(clk_nearest_int(x / (d*scales[j])), -32, 31) + 32
 *  4. packed as described at unpack_q6_K.
 */
static void quant_q6_K(const float *x, clk_block_q6_K *y)
{
    int8_t L[256];
    float sc[16], max_scale = 0.0f, max_abs = 0.0f, iscale, d;
    int j, l, h;
    for (j = 0; j < 16; j++) {
        sc[j] = make_qx_quants(16, 32, x + 16 * j, L + 16 * j);
        if (fabsf(sc[j]) > max_abs) {
            max_abs = fabsf(sc[j]);
            max_scale = sc[j];
        }
    }
    if (max_abs < 1e-15f) {
        memset(y, 0, sizeof *y);
        return;
    }
    iscale = -128.0f / max_scale;
    y->d = clk_fp32_to_fp16(1.0f / iscale);
    for (j = 0; j < 16; j++) {
        int v = clk_nearest_int(iscale * sc[j]);
        y->scales[j] = (int8_t)(v < 127 ? v : 127);
    }
    d = H2F(y->d);
    for (j = 0; j < 16; j++) {
        float dj = d * (float)y->scales[j];
        if (dj == 0.0f) continue;
        for (l = 0; l < 16; l++) L[16 * j + l] = (int8_t)(clampi(clk_nearest_int(x[16 * j + l] / dj), -32, 31) + 32);
    }
    for (h = 0; h < 2; h++) {
        const int8_t *Lh = L + 128 * h;
        uint8_t *ql = y->ql + 64 * h, *qh = y->qh + 32 * h;
        for (l = 0; l < 32; l++) {
            ql[l] = (uint8_t)((Lh[l] & 15) | (Lh[l + 64] & 15) << 4);
            ql[l + 32] = (uint8_t)((Lh[l + 32] & 15) | (Lh[l + 96] & 15) << 4);
            qh[l] = (uint8_t)((Lh[l] >> 4) | (Lh[l + 32] >> 4) << 2 | (Lh[l + 64] >> 4) << 4 | (Lh[l + 96] >> 4) << 6);
        }
    }
}

int clk_quantize_row(int t, const float *x, void *y, int64_t n)
{
    const clk_type_info *ti = clk_type(t);
    uint8_t *p = (uint8_t *)y;
    int64_t i;
    int q[32];
    float d, m;
    if (!ti) return 0;
    switch (t) {
    case CLK_T_F32: memcpy(y, x, (size_t)n * sizeof(float)); return 1;
    case CLK_T_F16:
        for (i = 0; i < n; i++) ((uint16_t *)y)[i] = clk_fp32_to_fp16(x[i]);
        return 1;
    case CLK_T_BF16:
        for (i = 0; i < n; i++) ((uint16_t *)y)[i] = clk_fp32_to_bf16(x[i]);
        return 1;
    case CLK_T_Q8_0: case CLK_T_Q4_0: case CLK_T_Q4_1: case CLK_T_Q5_0: case CLK_T_Q5_1:
    case CLK_T_Q4_K: case CLK_T_Q5_K: case CLK_T_Q6_K: break;
    default: return 0;
    }
    for (i = 0; i + ti->blck <= n; i += ti->blck, x += ti->blck, p += ti->bytes) {
        switch (t) {
        case CLK_T_Q8_0: quant_q8_0(x, (clk_block_q8_0 *)(void *)p); break;
        case CLK_T_Q4_0: {
            clk_block_q4_0 *b = (clk_block_q4_0 *)(void *)p;
            quant_sym(x, 8, &d, q);
            b->d = clk_fp32_to_fp16(d);
            pack_q4(q, b->qs);
            break;
        }
        case CLK_T_Q5_0: {
            clk_block_q5_0 *b = (clk_block_q5_0 *)(void *)p;
            quant_sym(x, 16, &d, q);
            b->d = clk_fp32_to_fp16(d);
            pack_q5(q, b->qs, b->qh);
            break;
        }
        case CLK_T_Q4_1: {
            clk_block_q4_1 *b = (clk_block_q4_1 *)(void *)p;
            quant_asym(x, 15, &d, &m, q);
            b->d = clk_fp32_to_fp16(d);
            b->m = clk_fp32_to_fp16(m);
            pack_q4(q, b->qs);
            break;
        }
        case CLK_T_Q5_1: {
            clk_block_q5_1 *b = (clk_block_q5_1 *)(void *)p;
            quant_asym(x, 31, &d, &m, q);
            b->d = clk_fp32_to_fp16(d);
            b->m = clk_fp32_to_fp16(m);
            pack_q5(q, b->qs, b->qh);
            break;
        }
        case CLK_T_Q4_K: quant_q4_K(x, (clk_block_q4_K *)(void *)p); break;
        case CLK_T_Q5_K: quant_q5_K(x, (clk_block_q5_K *)(void *)p); break;
        case CLK_T_Q6_K: quant_q6_K(x, (clk_block_q6_K *)(void *)p); break;
        default: return 0;
        }
    }
    return 1;
}

/* ========================================================== kernel table */

const clk_kernels clk_ref_kernels = {
    "ref",
    ref_quantize_act,
    ref_matmul,
    ref_dequant_row,
    ref_dot_f32,
    ref_axpy_f32,
    ref_rmsnorm,
    ref_softmax,
    ref_rope,
    ref_swiglu,
    ref_geglu,
};

/* The Makefile passes the port as a bare word (-DCLK_PORT_NAME=ref).
 * Pasting it onto CLK_PORT_ID_ gives 1 for ref and, for every other port,
 * an undefined name (0 in #if); those ports define clk_port_kernels() in
 * their own file. */
#ifndef CLK_PORT_NAME
#define CLK_PORT_NAME ref
#endif
#define CLK_PORT_ID_ref 1
#define CLK_PORT_PASTE_(a, b) a##b
#define CLK_PORT_PASTE(a, b) CLK_PORT_PASTE_(a, b)
#if CLK_PORT_PASTE(CLK_PORT_ID_, CLK_PORT_NAME) == 1
const clk_kernels *clk_port_kernels(void) { return &clk_ref_kernels; }
#endif
