/*
 * arm_neon.c - the NEON port (make PORT=neon; the default on ARM targets).
 * Three tiers, chosen by the compiler's predefined macros, never at run time:
 *
 *   ARMv7-A NEON       (arm-linux-gnueabihf, -mfpu=neon): 64-bit pairwise
 *                      adds only, no vcvtnq / vaddvq / float64 lanes, and
 *                      every NEON float operation flushes subnormals to zero
 *                      (the scalar VFP unit does not: see quantize_act)
 *   ARMv8-A AArch64    (aarch64-linux-gnu, the baseline): widening multiplies
 *                      vmull_s8 + pairwise accumulate, across-vector adds
 *   ARMv8.2-A dotprod  (__ARM_FEATURE_DOTPROD, opt-in: make NEON_DOTPROD=1
 *                      builds this file with -march=armv8.2-a+dotprod): SDOT,
 *                      four int8 products summed into each int32 lane
 *
 * What is accelerated (everything else is the reference's entry):
 *   quantize_act   Q8_0 / Q8_1 and Q8_K activations (and F16 on AArch64):
 *                  the reference's bytes exactly. The roundings are the
 *                  reference's (round half to even; ggml's magic-number
 *                  nearest_int for Q8_K); blocks whose largest |x| is below
 *                  1e-35 (where 127/amax overflows, or where the ARMv7
 *                  flush-to-zero could matter) go through a scalar copy of
 *                  the reference's rule.
 *   matmul         Q8_0, Q4_0 (. Q8_0), Q4_K, Q6_K (. Q8_K): BIT-EXACT with
 *                  ref.c. The integer sum of every block (or sub-block) is
 *                  exact in any order; the float part is ref.c's per-block
 *                  expression, evaluated in scalar in the same order.
 *                  F32 and F16 weights: four float lanes (fused
 *                  multiply-add on AArch64), within test_port.c's
 *                  CLK_TOL_MM_REL of the reference's double sum.
 *                  Other weight types (Q4_1, Q5_*, Q5_K, BF16) and the f32
 *                  activation route: the reference (F32 weights excepted:
 *                  both routes multiply the same f32 rows, in lanes).
 *   dot_f32, axpy_f32: float lanes (tolerances in tests/test_port.c).
 *
 * The matmul tile: one weight row at a time, activation rows in chunks of
 * NEON_MM_ACT. A weight block is unpacked into int8 vectors once per chunk
 * and multiplied with each activation row of the chunk; each (row,
 * activation row) pair has its own accumulators and the same instruction
 * sequence whatever the chunk, so the clk_mm contract holds.
 */
#include "port.h"

#include <arm_neon.h>
#include <math.h>
#include <string.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#if defined(__aarch64__)
#define NEON_A64 1
#else
#define NEON_A64 0
#endif
#if defined(__ARM_FEATURE_DOTPROD) && NEON_A64
#define NEON_DOT 1
#else
#define NEON_DOT 0
#endif

/* Activation rows per chunk of the matmul tile. */
#ifndef NEON_MM_ACT
#define NEON_MM_ACT 4
#endif

/* ======================================================== small helpers */

/* Sum of the four int32 lanes. */
static inline int32_t neon_hsum_s32(int32x4_t v)
{
#if NEON_A64
    return vaddvq_s32(v);
#else
    int32x2_t s = vadd_s32(vget_low_s32(v), vget_high_s32(v));
    return vget_lane_s32(vpadd_s32(s, s), 0);
#endif
}

/* Sum of the four float lanes, always in the order (0+2)+(1+3). */
static inline float neon_hsum_f32(float32x4_t v)
{
    float32x2_t s = vadd_f32(vget_low_f32(v), vget_high_f32(v));
    return vget_lane_f32(vpadd_f32(s, s), 0);
}

/* acc + the dot product of 16 int8 pairs, spread over the 4 lanes (which
 * lane gets what differs per tier; only the lane sum is used). */
static inline int32x4_t neon_dot16(int32x4_t acc, int8x16_t a, int8x16_t b)
{
#if NEON_DOT
    return vdotq_s32(acc, a, b);
#else
    int16x8_t lo = vmull_s8(vget_low_s8(a), vget_low_s8(b));
    int16x8_t hi = vmull_s8(vget_high_s8(a), vget_high_s8(b));
    return vpadalq_s16(vpadalq_s16(acc, lo), hi); /* |int8*int8| <= 2^14: two fit an int16 pair sum */
#endif
}

/* The integer dot of 32 int8 pairs (two vectors each). */
static inline int32_t neon_idot32(int8x16_t w0, int8x16_t w1, const int8_t *a)
{
    int32x4_t acc = neon_dot16(vdupq_n_s32(0), w0, vld1q_s8(a));
    acc = neon_dot16(acc, w1, vld1q_s8(a + 16));
    return neon_hsum_s32(acc);
}

static inline int32_t neon_idot16(int8x16_t w, const int8_t *a)
{
    return neon_hsum_s32(neon_dot16(vdupq_n_s32(0), w, vld1q_s8(a)));
}

/* |x| as the bits of a float: for non-NaN floats the unsigned order of these
 * bits is the order of the magnitudes, and an integer max never flushes
 * subnormals (ARMv7 NEON float max would). */
static inline float neon_amax(const float *x, int n)
{
    const uint32x4_t mask = vdupq_n_u32(0x7FFFFFFFu);
    uint32x4_t m = vdupq_n_u32(0);
    int j;
    for (j = 0; j < n; j += 4) m = vmaxq_u32(m, vandq_u32(vreinterpretq_u32_f32(vld1q_f32(x + j)), mask));
    {
        uint32x2_t h = vmax_u32(vget_low_u32(m), vget_high_u32(m));
        h = vpmax_u32(h, h);
        return clk_bits_f32(vget_lane_u32(h, 0));
    }
}

/* Below this largest |x|, a block is quantized by the scalar rule: 127/amax
 * overflows below 3.7e-37, and above 1e-35 a subnormal element rounds to 0
 * with or without flush-to-zero (127 * 2^-126 / 1e-35 < 0.5). */
#define NEON_TINY 1e-35f

/* =================================================== activation formats */

/* ref.c's x86_cvt_i32 + act_q8_0_block, scalar (for tiny blocks). */
static int32_t neon_cvt_i32(float r)
{
    if (!(r >= -2147483648.0f && r < 2147483648.0f)) return INT32_MIN;
    return (int32_t)r;
}

static void neon_act_q8_0_scalar(const float *x, int8_t qs[32], uint16_t *d16, uint16_t *s16)
{
    float amax = 0.0f, d, id;
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
        int32_t v = neon_cvt_i32(rintf(x[j] * id));
        usum += (uint32_t)v;
        qs[j] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
    }
    if (s16) {
        int32_t sum = usum <= 0x7FFFFFFFu ? (int32_t)usum : -(int32_t)(0xFFFFFFFFu - usum) - 1;
        *s16 = clk_fp32_to_fp16(d * (float)sum);
    }
}

/* round-half-even(v) for |v| <= 2^22 as an int32: adding 1.5 * 2^23 rounds
 * in the float addition (nearest even) and leaves the integer in the low
 * mantissa bits - ggml's nearest_int, exactly as ref.c's. */
static inline int32x4_t neon_nearest(float32x4_t v)
{
    int32x4_t b = vreinterpretq_s32_f32(vaddq_f32(v, vdupq_n_f32(12582912.0f)));
    return vsubq_s32(vandq_s32(b, vdupq_n_s32(0x007FFFFF)), vdupq_n_s32(0x00400000));
}

/* Q8_0 / Q8_1 block of 32: amax, d = amax/127 and id = 127/amax in scalar
 * (as ref.c), q = round-half-even(x*id) in lanes; |x*id| <= 127, so no
 * saturation happens and the Q8_1 sum is an exact small integer. */
static void neon_act_q8_0_block(const float *x, int8_t *qs, uint16_t *d16, uint16_t *s16)
{
    float amax = neon_amax(x, 32), d, id;
    float32x4_t vid;
    int32x4_t q[8], s;
    int16x8_t h0, h1, h2, h3;
    int j;
    if (amax < NEON_TINY) {
        neon_act_q8_0_scalar(x, qs, d16, s16);
        return;
    }
    d = amax / 127.0f;
    id = 127.0f / amax;
    *d16 = clk_fp32_to_fp16(d);
    vid = vdupq_n_f32(id);
    for (j = 0; j < 8; j++) q[j] = neon_nearest(vmulq_f32(vld1q_f32(x + 4 * j), vid));
    if (s16) {
        s = vaddq_s32(vaddq_s32(vaddq_s32(q[0], q[1]), vaddq_s32(q[2], q[3])),
                      vaddq_s32(vaddq_s32(q[4], q[5]), vaddq_s32(q[6], q[7])));
        *s16 = clk_fp32_to_fp16(d * (float)neon_hsum_s32(s));
    }
    h0 = vcombine_s16(vmovn_s32(q[0]), vmovn_s32(q[1]));
    h1 = vcombine_s16(vmovn_s32(q[2]), vmovn_s32(q[3]));
    h2 = vcombine_s16(vmovn_s32(q[4]), vmovn_s32(q[5]));
    h3 = vcombine_s16(vmovn_s32(q[6]), vmovn_s32(q[7]));
    vst1q_s8(qs, vcombine_s8(vmovn_s16(h0), vmovn_s16(h1)));
    vst1q_s8(qs + 16, vcombine_s8(vmovn_s16(h2), vmovn_s16(h3)));
}


/* Q8_K block of 256: max = the first element of largest |x| (sign kept),
 * iscale = -127/max, q = min(127, nearest_int(iscale*x)), bsums per 16,
 * d = 1/iscale. */
static void neon_act_q8_K_block(const float *x, clk_block_q8_K *y)
{
    float amax = neon_amax(x, 256), max = 0.0f, iscale;
    uint32_t abits = clk_f32_bits(amax);
    float32x4_t vis;
    int j;
    for (j = 0; j < 256; j++) /* the first element of that magnitude */
        if ((clk_f32_bits(x[j]) & 0x7FFFFFFFu) == abits) {
            max = x[j];
            break;
        }
    if (amax < NEON_TINY) {
        clk_q8_K_from_max(x, y, amax, max); /* in scalar, as ref.c */
        return;
    }
    iscale = -127.0f / max;
    vis = vdupq_n_f32(iscale);
    for (j = 0; j < 256; j += 16) {
        int32x4_t q0 = neon_nearest(vmulq_f32(vld1q_f32(x + j), vis));
        int32x4_t q1 = neon_nearest(vmulq_f32(vld1q_f32(x + j + 4), vis));
        int32x4_t q2 = neon_nearest(vmulq_f32(vld1q_f32(x + j + 8), vis));
        int32x4_t q3 = neon_nearest(vmulq_f32(vld1q_f32(x + j + 12), vis));
        int16x8_t h0 = vcombine_s16(vmovn_s32(q0), vmovn_s32(q1)); /* |q| <= 127: no clamp needed */
        int16x8_t h1 = vcombine_s16(vmovn_s32(q2), vmovn_s32(q3));
        vst1q_s8(y->qs + j, vcombine_s8(vmovn_s16(h0), vmovn_s16(h1)));
        y->bsums[j / 16] = (int16_t)neon_hsum_s32(vaddq_s32(vaddq_s32(q0, q1), vaddq_s32(q2, q3)));
    }
    y->d = 1.0f / iscale;
}

static void neon_quantize_act(int wtype, int act, const float *x, void *y, int k)
{
    const clk_type_info *ti = clk_type(wtype);
    int i;
    if (!ti || !ti->compute || act == CLK_ACT_F32) {
        clk_ref_kernels.quantize_act(wtype, act, x, y, k);
        return;
    }
    switch (ti->act) {
    case CLK_T_Q8_0: {
        clk_block_q8_0 *b = (clk_block_q8_0 *)y;
        for (i = 0; i + 32 <= k; i += 32, b++) neon_act_q8_0_block(x + i, b->qs, &b->d, NULL);
        break;
    }
    case CLK_T_Q8_1: {
        clk_block_q8_1 *b = (clk_block_q8_1 *)y;
        for (i = 0; i + 32 <= k; i += 32, b++) neon_act_q8_0_block(x + i, b->qs, &b->d, &b->s);
        break;
    }
    case CLK_T_Q8_K: {
        clk_block_q8_K *b = (clk_block_q8_K *)y;
        for (i = 0; i + 256 <= k; i += 256, b++) neon_act_q8_K_block(x + i, b);
        break;
    }
#if NEON_A64
    case CLK_T_F16: { /* FCVTN: round to nearest even, subnormals kept (FPCR.FZ is off) */
        uint16_t *h = (uint16_t *)y;
        for (i = 0; i + 4 <= k; i += 4) vst1_u16(h + i, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(x + i))));
        for (; i < k; i++) h[i] = clk_fp32_to_fp16(x[i]);
        break;
    }
#endif
    default: clk_ref_kernels.quantize_act(wtype, act, x, y, k); break;
    }
}

/* ================================================================ matmul */

/* Weight blocks unpacked to int8 vectors, then multiplied with NA
 * activation rows. The per-block float expression is ref.c's:
 *   Q8_0, Q4_0 . Q8_0:  sum += (dw * da) * (float)isum
 *   Q4_K . Q8_K:        sum += (dw * da) * (float)isum; accm += (dmin * da) * (float)imin; result sum - accm
 *   Q6_K . Q8_K:        sum += (dw * da) * (float)isum                                       */

static void mm_q8_0(const clk_mm *mm, const uint8_t *w, int i0, int na, float *out)
{
    const int nb = mm->k / 32;
    float sum[NEON_MM_ACT] = {0};
    int b, i;
    for (b = 0; b < nb; b++) {
        int8x16_t w0, w1;
        float dw;
        if (mm->wtype == CLK_T_Q8_0) {
            const clk_block_q8_0 *wb = (const clk_block_q8_0 *)(const void *)w + b;
            w0 = vld1q_s8(wb->qs);
            w1 = vld1q_s8(wb->qs + 16);
            dw = clk_fp16_to_fp32(wb->d);
        } else { /* Q4_0: element j < 16 the low nibble of qs[j], j + 16 the high nibble; minus 8 */
            const clk_block_q4_0 *wb = (const clk_block_q4_0 *)(const void *)w + b;
            uint8x16_t v = vld1q_u8(wb->qs);
            w0 = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(v, vdupq_n_u8(15))), vdupq_n_s8(8));
            w1 = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(v, 4)), vdupq_n_s8(8));
            dw = clk_fp16_to_fp32(wb->d);
        }
        for (i = 0; i < na; i++) {
            const clk_block_q8_0 *a = (const clk_block_q8_0 *)(const void *)((const char *)mm->x +
                                                                             (size_t)(i0 + i) * mm->x_row) + b;
            sum[i] += (dw * clk_fp16_to_fp32(a->d)) * (float)neon_idot32(w0, w1, a->qs);
        }
    }
    for (i = 0; i < na; i++) out[i] = sum[i];
}

/* Q4_K: chunk c of 64 values reads qs[32c .. 32c+31]; its low nibbles are
 * sub-block 2c, its high nibbles sub-block 2c+1. */
static void mm_q4_K(const clk_mm *mm, const uint8_t *w, int i0, int na, float *out)
{
    const int nb = mm->k / 256;
    float sum[NEON_MM_ACT] = {0}, accm[NEON_MM_ACT] = {0};
    int b, i, c, s;
    for (b = 0; b < nb; b++) {
        const clk_block_q4_K *wb = (const clk_block_q4_K *)(const void *)w + b;
        const uint8_t *sb = wb->scales;
        int8x16_t q[16]; /* sub-block s: q[2s], q[2s+1] */
        int sc[8], mn[8];
        float dw = clk_fp16_to_fp32(wb->d), dminw = clk_fp16_to_fp32(wb->dmin);
        for (s = 0; s < 8; s++) {
            if (s < 4) {
                sc[s] = sb[s] & 63;
                mn[s] = sb[s + 4] & 63;
            } else {
                sc[s] = (sb[s + 4] & 15) | ((sb[s - 4] >> 6) << 4);
                mn[s] = (sb[s + 4] >> 4) | ((sb[s] >> 6) << 4);
            }
        }
        for (c = 0; c < 4; c++) {
            uint8x16_t v0 = vld1q_u8(wb->qs + 32 * c), v1 = vld1q_u8(wb->qs + 32 * c + 16);
            q[4 * c + 0] = vreinterpretq_s8_u8(vandq_u8(v0, vdupq_n_u8(15)));
            q[4 * c + 1] = vreinterpretq_s8_u8(vandq_u8(v1, vdupq_n_u8(15)));
            q[4 * c + 2] = vreinterpretq_s8_u8(vshrq_n_u8(v0, 4));
            q[4 * c + 3] = vreinterpretq_s8_u8(vshrq_n_u8(v1, 4));
        }
        for (i = 0; i < na; i++) {
            const clk_block_q8_K *a = (const clk_block_q8_K *)(const void *)((const char *)mm->x +
                                                                             (size_t)(i0 + i) * mm->x_row) + b;
            int isum = 0, imin = 0;
            for (s = 0; s < 8; s++) {
                isum += sc[s] * neon_idot32(q[2 * s], q[2 * s + 1], a->qs + 32 * s);
                imin += mn[s] * (a->bsums[2 * s] + a->bsums[2 * s + 1]);
            }
            sum[i] += (dw * a->d) * (float)isum;
            accm[i] += (dminw * a->d) * (float)imin;
        }
    }
    for (i = 0; i < na; i++) out[i] = sum[i] - accm[i];
}

/* Q6_K: half h (values 128h ..) reads ql[64h ..] and qh[32h ..]; value
 * 32t + l of the half has its low 4 bits in ql[l + 32*(t&1)] (low nibble
 * for t < 2, high for t >= 2) and its top 2 bits in (qh[l] >> 2t) & 3;
 * q = that - 32; scales per 16 values. */
static void mm_q6_K(const clk_mm *mm, const uint8_t *w, int i0, int na, float *out)
{
    const int nb = mm->k / 256;
    float sum[NEON_MM_ACT] = {0};
    int b, i, h, t, s;
    for (b = 0; b < nb; b++) {
        const clk_block_q6_K *wb = (const clk_block_q6_K *)(const void *)w + b;
        int8x16_t q[16]; /* 16 values each: q[s] is sub-block s */
        float dw = clk_fp16_to_fp32(wb->d);
        for (h = 0; h < 2; h++) {
            const uint8_t *ql = wb->ql + 64 * h, *qh = wb->qh + 32 * h;
            uint8x16_t l0 = vld1q_u8(ql), l1 = vld1q_u8(ql + 16), l2 = vld1q_u8(ql + 32), l3 = vld1q_u8(ql + 48);
            uint8x16_t h0 = vld1q_u8(qh), h1 = vld1q_u8(qh + 16);
            const uint8x16_t m4 = vdupq_n_u8(15), m2 = vdupq_n_u8(3 << 4);
            const int8x16_t k32 = vdupq_n_s8(32);
            /* quarter t, 16-value halves: lo nibble source, hi bits (qh >> 2t) & 3 placed at bits 4-5 */
            uint8x16_t lo[8], hi[8];
            lo[0] = vandq_u8(l0, m4), lo[1] = vandq_u8(l1, m4);          /* t = 0: ql[0..31] low  */
            lo[2] = vandq_u8(l2, m4), lo[3] = vandq_u8(l3, m4);          /* t = 1: ql[32..63] low */
            lo[4] = vshrq_n_u8(l0, 4), lo[5] = vshrq_n_u8(l1, 4);        /* t = 2: ql[0..31] high */
            lo[6] = vshrq_n_u8(l2, 4), lo[7] = vshrq_n_u8(l3, 4);        /* t = 3: ql[32..63] high */
            hi[0] = vandq_u8(vshlq_n_u8(h0, 4), m2), hi[1] = vandq_u8(vshlq_n_u8(h1, 4), m2);
            hi[2] = vandq_u8(vshlq_n_u8(h0, 2), m2), hi[3] = vandq_u8(vshlq_n_u8(h1, 2), m2);
            hi[4] = vandq_u8(h0, m2), hi[5] = vandq_u8(h1, m2);
            hi[6] = vandq_u8(vshrq_n_u8(h0, 2), m2), hi[7] = vandq_u8(vshrq_n_u8(h1, 2), m2);
            for (t = 0; t < 8; t++) q[8 * h + t] = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(lo[t], hi[t])), k32);
        }
        for (i = 0; i < na; i++) {
            const clk_block_q8_K *a = (const clk_block_q8_K *)(const void *)((const char *)mm->x +
                                                                             (size_t)(i0 + i) * mm->x_row) + b;
            int isum = 0;
            for (s = 0; s < 16; s++) isum += wb->scales[s] * neon_idot16(q[s], a->qs + 16 * s);
            sum[i] += (dw * a->d) * (float)isum;
        }
    }
    for (i = 0; i < na; i++) out[i] = sum[i];
}

/* Float lanes: acc + a*b, fused on AArch64. */
static inline float32x4_t neon_fma(float32x4_t acc, float32x4_t a, float32x4_t b)
{
#if NEON_A64
    return vfmaq_f32(acc, a, b);
#else
    return vmlaq_f32(acc, a, b);
#endif
}

/* n halves (n % 8 == 0 handled by lanes, the rest scalar) to floats. */
static inline float32x4_t neon_h2f4(const uint16_t *p)
{
#if NEON_A64
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)));
#else
    float f[4];
    f[0] = clk_fp16_to_fp32(p[0]), f[1] = clk_fp16_to_fp32(p[1]);
    f[2] = clk_fp16_to_fp32(p[2]), f[3] = clk_fp16_to_fp32(p[3]);
    return vld1q_f32(f);
#endif
}

/* F32 and F16 weights (activations in the same format): two accumulators
 * of four lanes over 8 elements at a time, then the lane sum and a scalar
 * tail - the same sequence for every pair. ARMv7 NEON flushes subnormal
 * products to zero: within the tolerance, which is relative. */
static float dot_float_row(int wtype, const void *w, const void *x, int k)
{
    float32x4_t s0 = vdupq_n_f32(0.0f), s1 = vdupq_n_f32(0.0f);
    float tail = 0.0f;
    int j = 0;
    if (wtype == CLK_T_F32) {
        const float *a = (const float *)w, *b = (const float *)x;
        for (; j + 8 <= k; j += 8) {
            s0 = neon_fma(s0, vld1q_f32(a + j), vld1q_f32(b + j));
            s1 = neon_fma(s1, vld1q_f32(a + j + 4), vld1q_f32(b + j + 4));
        }
        for (; j < k; j++) tail += a[j] * b[j];
    } else {
        const uint16_t *a = (const uint16_t *)w, *b = (const uint16_t *)x;
        for (; j + 8 <= k; j += 8) {
            s0 = neon_fma(s0, neon_h2f4(a + j), neon_h2f4(b + j));
            s1 = neon_fma(s1, neon_h2f4(a + j + 4), neon_h2f4(b + j + 4));
        }
        for (; j < k; j++) tail += clk_fp16_to_fp32(a[j]) * clk_fp16_to_fp32(b[j]);
    }
    return neon_hsum_f32(vaddq_f32(s0, s1)) + tail;
}

static void neon_matmul(const clk_mm *mm)
{
    void (*fn)(const clk_mm *, const uint8_t *, int, int, float *) = NULL;
    int r, i0, i;
    /* the f32 route: the reference, except for F32 weights, whose native
     * activations are the same f32 rows - both routes must give the same bits */
    if (mm->act != CLK_ACT_NATIVE && mm->wtype != CLK_T_F32) {
        clk_ref_kernels.matmul(mm);
        return;
    }
    switch (mm->wtype) {
    case CLK_T_Q8_0:
    case CLK_T_Q4_0: fn = mm_q8_0; break;
    case CLK_T_Q4_K: fn = mm_q4_K; break;
    case CLK_T_Q6_K: fn = mm_q6_K; break;
    case CLK_T_F32:
    case CLK_T_F16:
        for (r = mm->r0; r < mm->r1; r++) {
            const void *w = (const char *)mm->w + (size_t)r * mm->w_row;
            for (i = 0; i < mm->m; i++)
                mm->y[(size_t)i * mm->ldy + (size_t)r] =
                    dot_float_row(mm->wtype, w, (const char *)mm->x + (size_t)i * mm->x_row, mm->k);
        }
        return;
    default: clk_ref_kernels.matmul(mm); return;
    }
    for (r = mm->r0; r < mm->r1; r++) {
        const uint8_t *w = (const uint8_t *)mm->w + (size_t)r * mm->w_row;
        for (i0 = 0; i0 < mm->m; i0 += NEON_MM_ACT) {
            float out[NEON_MM_ACT];
            int na = mm->m - i0 < NEON_MM_ACT ? mm->m - i0 : NEON_MM_ACT;
            fn(mm, w, i0, na, out);
            for (i = 0; i < na; i++) mm->y[(size_t)(i0 + i) * mm->ldy + (size_t)r] = out[i];
        }
    }
}

/* ======================================================== vector kernels */

static float neon_dot_f32(const float *a, const float *b, int n)
{
    return dot_float_row(CLK_T_F32, a, b, n);
}

/* y + a*x: fused on AArch64 (one rounding, the tail too, so an element's
 * bits do not depend on where a call starts), two roundings on ARMv7. */
static void neon_axpy_f32(float *y, float a, const float *x, int n)
{
    const float32x4_t va = vdupq_n_f32(a);
    int i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, neon_fma(vld1q_f32(y + i), va, vld1q_f32(x + i)));
#if NEON_A64
    for (; i < n; i++) y[i] = fmaf(a, x[i], y[i]);
#else
    for (; i < n; i++) y[i] = y[i] + a * x[i];
#endif
}

/* The reference's entries for what this port does not accelerate (the
 * reference functions are private to ref.c: a call through its table). */
static void neon_dequant_row(int type, const void *x, float *y, int n) { clk_ref_kernels.dequant_row(type, x, y, n); }
static void neon_rmsnorm(float *out, const float *x, const float *w, int n, float eps)
{
    clk_ref_kernels.rmsnorm(out, x, w, n, eps);
}
static void neon_softmax(float *x, int n) { clk_ref_kernels.softmax(x, n); }
static void neon_rope(float *x, int n_heads, int head_dim, int pos, const clk_rope *r)
{
    clk_ref_kernels.rope(x, n_heads, head_dim, pos, r);
}
static void neon_swiglu(float *out, const float *gate, const float *up, int n) { clk_ref_kernels.swiglu(out, gate, up, n); }
static void neon_geglu(float *out, const float *gate, const float *up, int n) { clk_ref_kernels.geglu(out, gate, up, n); }

/* ========================================================== kernel table */

static const clk_kernels neon_kernels = {
    "neon", /* the tier (armv7, aarch64, dotprod) is in clika info's build flags */
    neon_quantize_act,
    neon_matmul,
    neon_dequant_row,
    neon_dot_f32,
    neon_axpy_f32,
    neon_rmsnorm,
    neon_softmax,
    neon_rope,
    neon_swiglu,
    neon_geglu,
};

const clk_kernels *clk_port_kernels(void) { return &neon_kernels; }
