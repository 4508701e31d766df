/*
 * x86_kernels.h - the x86 SIMD kernels, shared by port/x86_avx2.c
 * (AVX2 + FMA + F16C) and port/x86_avx512.c (the same with AVX-512 VL/BW
 * and VNNI). Included by exactly one of them, after it defines
 * CLK_X86_NAME; the instruction set comes from the compiler flags of that
 * file (make PORT=avx2|avx512), never from -march=native. Private to port/.
 *
 * What is accelerated (everything else is the reference's entry):
 *   quantize_act   Q8_0 and Q8_K activations, f16 activations: the
 *                  reference's bytes exactly (the same roundings, done in
 *                  vectors; see ref.c for the rules)
 *   matmul         Q8_0, Q4_0, Q5_0, Q4_1, Q5_1 (. Q8_0 / Q8_1), Q4_K,
 *                  Q5_K, Q6_K (. Q8_K): BIT-EXACT with ref.c. The integer
 *                  part of every block is exact in any order; the float part
 *                  is ref.c's per-block expression, evaluated with one
 *                  weight row per vector lane (each lane the same IEEE
 *                  operations the reference does in scalar).
 *                  F32, F16, BF16 weights: float lanes with fused multiply-adds
 *                  (within test_port.c's CLK_TOL_MM_REL of the reference's
 *                  double sum), the same code for every (row, activation
 *                  row) pair, so the clk_mm contract holds.
 *   dot_f32, axpy_f32, rmsnorm, softmax, swiglu: vectors (tolerances in
 *                  tests/test_port.c).
 *
 * Two matmul tiles, which give the same bits (so the choice, made on the
 * number of activation rows, never shows in a result):
 *   decode (few activation rows): weight rows in groups of X86_R, one
 *     integer dot product per row and block, the group's 8-lane partial
 *     sums reduced together (x86_hsum_r) to one lane per row; each block is
 *     unpacked once per chunk of X86_MM_ACT activation rows (with VNNI,
 *     Q8_0 and Q4_0 take two rows per zmm: X86_TWO_ROWS).
 *   prefill (2 * X86_MM_ACT activation rows or more; AVX-512 VNNI): 16
 *     weight rows unpacked and transposed so that one zmm lane is one row,
 *     multiplied by activation bytes broadcast from memory: no horizontal
 *     sums at all (x86_mm_q32_pre, below; K-quants keep the decode tile).
 *     The AVX2 build keeps the decode tile with the group's whole row
 *     unpacked once (x86_q32_pre).
 */
#ifndef CLK_X86_KERNELS_H
#define CLK_X86_KERNELS_H

#include "port.h"

#include <immintrin.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
#define X86_VNNI 1
#else
#define X86_VNNI 0
#endif

/* Activation rows per chunk of the matmul tile. */
#ifndef X86_MM_ACT
#if defined(__AVX512F__)
#define X86_MM_ACT 8 /* 32 vector registers */
#else
#define X86_MM_ACT 4
#endif
#endif

#if defined(__GNUC__)
#define X86_ALIGN32 __attribute__((aligned(32)))
#else
#define X86_ALIGN32
#endif

#if defined(__GNUC__)
#define X86_INLINE static inline __attribute__((always_inline))
#else
#define X86_INLINE static inline
#endif

/* Unroll the loop over a chunk's activation rows completely, so that its
 * accumulators stay in registers. */
#if defined(__clang__)
#define X86_UNROLL _Pragma("unroll")
#elif defined(__GNUC__) && __GNUC__ >= 8
#define X86_UNROLL _Pragma("GCC unroll 8")
#else
#define X86_UNROLL
#endif

/* Software prefetch distance in blocks (within the next quad of rows). */
#ifndef X86_PF_DIST
#define X86_PF_DIST 16
#endif

/* ======================================================== small helpers */

static inline float x86_h2f(uint16_t h) { return clk_fp16_to_fp32(h); }


/* [sum p0, sum p1, sum p2, sum p3] of four vectors of 8 int32. */
static inline __m128i x86_hsum4_epi32(__m256i p0, __m256i p1, __m256i p2, __m256i p3)
{
    __m256i t0 = _mm256_hadd_epi32(p0, p1), t1 = _mm256_hadd_epi32(p2, p3);
    __m256i t = _mm256_hadd_epi32(t0, t1);
    return _mm_add_epi32(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1));
}

/* Horizontal float sum of 8 lanes, always in the same order. */
static inline float x86_hsum_ps(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline int x86_hsum_epi32(__m256i v)
{
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

/* ================================================= activation formats */

/* Q8_0 / Q8_1 block of 32 (ref.c act_q8_0_block): amax, d = amax/127,
 * id = 127/amax, q = cvtps2dq(x*id) (nearest even; NaN/out of range ->
 * INT32_MIN, exactly x86_cvt_i32), saturated to int8 by two packs. */
static void x86_act_q8_0_block(const float *x, int8_t *qs, uint16_t *d16, uint16_t *s16)
{
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 v0 = _mm256_loadu_ps(x), v1 = _mm256_loadu_ps(x + 8), v2 = _mm256_loadu_ps(x + 16),
           v3 = _mm256_loadu_ps(x + 24);
    __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, v0), _mm256_andnot_ps(sign, v1)),
                             _mm256_max_ps(_mm256_andnot_ps(sign, v2), _mm256_andnot_ps(sign, v3)));
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    float amax, d, id;
    __m256 vid;
    __m256i i0, i1, i2, i3, p;
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    amax = _mm_cvtss_f32(m4);
    d = amax / 127.0f;
    id = amax != 0.0f ? 127.0f / amax : 0.0f;
    *d16 = clk_fp32_to_fp16(d);
    vid = _mm256_set1_ps(id);
    i0 = _mm256_cvtps_epi32(_mm256_mul_ps(v0, vid));
    i1 = _mm256_cvtps_epi32(_mm256_mul_ps(v1, vid));
    i2 = _mm256_cvtps_epi32(_mm256_mul_ps(v2, vid));
    i3 = _mm256_cvtps_epi32(_mm256_mul_ps(v3, vid));
    if (s16) {
        /* the int32 sum before saturation, wrapping (ref.c adds the same way) */
        int sum = x86_hsum_epi32(_mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3)));
        *s16 = clk_fp32_to_fp16(d * (float)sum);
    }
    /* packs work within 128-bit halves: restore element order afterwards */
    p = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
    p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256((__m256i *)(void *)qs, p);
}

/* Q8_K block of 256 (ref.c act_q8_K_block): the element of largest |x|
 * (first on ties), iscale = -127/max, q = min(127, nearest_int(iscale*x))
 * with ggml's magic-number rounding (which gives 0 bytes for inf/NaN, as
 * the reference does), the int8 being the low byte of that int. */
static void x86_act_q8_K_block(const float *x, clk_block_q8_K *y)
{
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_setzero_ps();
    __m128 m4;
    float amax, max = 0.0f, iscale;
    __m256 vis;
    int j, g;
    for (j = 0; j < 256; j += 8) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + j)));
    m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    amax = _mm_cvtss_f32(m4);
    if (amax == 0.0f) {
        memset(y, 0, sizeof *y);
        return;
    }
    for (j = 0; j < 256; j++)
        if (fabsf(x[j]) == amax) {
            max = x[j];
            break;
        }
    iscale = -127.0f / max;
    vis = _mm256_set1_ps(iscale);
    {
        const __m256 magic = _mm256_set1_ps(12582912.0f);
        const __m256i mant = _mm256_set1_epi32(0x007FFFFF), off = _mm256_set1_epi32(0x00400000);
        const __m256i c127 = _mm256_set1_epi32(127), lowb = _mm256_set1_epi32(0xFF);
        const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
        for (j = 0; j < 256; j += 32) {
            __m256i q[4], p;
            int t;
            for (t = 0; t < 4; t++) {
                __m256 v = _mm256_add_ps(_mm256_mul_ps(vis, _mm256_loadu_ps(x + j + 8 * t)), magic);
                __m256i iv = _mm256_sub_epi32(_mm256_and_si256(_mm256_castps_si256(v), mant), off);
                iv = _mm256_min_epi32(iv, c127);
                q[t] = _mm256_and_si256(iv, lowb); /* the low byte, as (int8_t) keeps it */
            }
            p = _mm256_packus_epi16(_mm256_packus_epi32(q[0], q[1]), _mm256_packus_epi32(q[2], q[3]));
            p = _mm256_permutevar8x32_epi32(p, order);
            _mm256_storeu_si256((__m256i *)(void *)(y->qs + j), p);
        }
    }
    for (g = 0; g < 16; g++) {
        __m256i w = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(y->qs + 16 * g)));
        y->bsums[g] = (int16_t)x86_hsum_epi32(_mm256_madd_epi16(w, _mm256_set1_epi16(1)));
    }
    y->d = 1.0f / iscale;
}

static void x86_quantize_act(int wtype, int act, const float *x, void *y, int k)
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
        for (i = 0; i + 8 <= k; i += 8)
            _mm_storeu_si128((__m128i *)(void *)(h + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
        for (; i < k; i++) h[i] = clk_fp32_to_fp16(x[i]);
        break;
    }
    case CLK_T_Q8_0: {
        clk_block_q8_0 *b = (clk_block_q8_0 *)y;
        for (i = 0; i + 32 <= k; i += 32, b++) x86_act_q8_0_block(x + i, b->qs, &b->d, NULL);
        break;
    }
    case CLK_T_Q8_1: {
        clk_block_q8_1 *b = (clk_block_q8_1 *)y;
        for (i = 0; i + 32 <= k; i += 32, b++) x86_act_q8_0_block(x + i, b->qs, &b->d, &b->s);
        break;
    }
    case CLK_T_Q8_K: {
        clk_block_q8_K *b = (clk_block_q8_K *)y;
        for (i = 0; i + 256 <= k; i += 256, b++) x86_act_q8_K_block(x + i, b);
        break;
    }
    default: clk_ref_kernels.quantize_act(wtype, act, x, y, k); break;
    }
}

/* ================================================== integer dot parts */
/*
 * 32-element blocks (Q8_0, Q4_0, Q5_0 weights; Q8_0 activations x, signed
 * bytes). Each weight block is unpacked once per activation chunk to
 * unsigned bytes u = q + off (Q8_0: w + 128, Q4_0: the nibble = q + 8,
 * Q5_0: the 5-bit value = q + 16; Q4_1 and Q5_1 are unsigned already,
 * off = 0), so that
 *     sum q*x = sum u*x - off * sum x,
 * and the correction -off * sum x is computed once per activation block
 * and shared by the four weight rows of the quad. The 8 int32 partial
 * sums of one pair are then
 *   VNNI: dpbusd(corr, u, x)                    (one instruction)
 *   AVX2: madd(maddubs(u, x), 1) + corr         (Q4_0/Q5_0: u <= 31, so
 *         two products fit int16); for Q8_0 (u up to 255 would saturate)
 *         the signed form madd(maddubs(|w|, sign(x, w)), 1), which is exact
 *         except for (-128)(-128) pairs twice in a row, which only the
 *         garbage of a zero-scale activation block can hold (its d is 0).
 * Integer sums are exact in any order, so the result is the reference's.
 */

/* the int16 -> int32 pair sum */
static inline __m256i x86_madd1(__m256i v) { return _mm256_madd_epi16(v, _mm256_set1_epi16(1)); }

/* block b of a row of type t -> the unsigned form above (AVX2 Q8_0: w itself) */
static inline __m256i x86_unpack_u(int t, const uint8_t *p)
{
    const __m256i lo4 = _mm256_set1_epi8(15);
    if (t == CLK_T_Q8_0) {
        __m256i w = _mm256_loadu_si256((const __m256i *)(const void *)(p + 2));
#if X86_VNNI
        return _mm256_xor_si256(w, _mm256_set1_epi8((char)0x80));
#else
        return w;
#endif
    }
    if (t == CLK_T_Q4_0 || t == CLK_T_Q4_1) { /* d[, m], qs[16] */
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + (t == CLK_T_Q4_0 ? 2 : 4)));
        return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(v, 4), v), lo4);
    }
    { /* CLK_T_Q5_0: d, qh[4], qs[16];  CLK_T_Q5_1: d, m, qh[4], qs[16] */
        const int oh = t == CLK_T_Q5_0 ? 2 : 4;
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + oh + 4));
        __m256i q = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(v, 4), v), lo4);
        uint32_t h;
        memcpy(&h, p + oh, 4);
#if defined(__AVX512BW__) && defined(__AVX512VL__)
        /* byte j gets 16 added where bit j of h is set: h is the mask */
        return _mm256_mask_add_epi8(q, (__mmask32)h, q, _mm256_set1_epi8(16));
#else
        __m256i hb, bit;
        /* byte j gets bit j of h: spread the 4 bytes, then test one bit each */
        hb = _mm256_shuffle_epi8(_mm256_set1_epi32((int)h),
                                 _mm256_setr_epi64x(0x0000000000000000LL, 0x0101010101010101LL,
                                                    0x0202020202020202LL, 0x0303030303030303LL));
        bit = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
        hb = _mm256_cmpeq_epi8(_mm256_and_si256(hb, bit), bit);
        return _mm256_or_si256(q, _mm256_and_si256(hb, _mm256_set1_epi8(16)));
#endif
    }
}

/* -off * (partial sums of x), per 4-byte group as dpbusd lays them out */
static inline __m256i x86_corr(int t, __m256i x)
{
    const char off = (char)(t == CLK_T_Q8_0 ? 0x80 : t == CLK_T_Q4_0 ? 8 : 16);
    if (t == CLK_T_Q4_1 || t == CLK_T_Q5_1) return _mm256_setzero_si256(); /* unsigned values: no offset */
#if X86_VNNI
    return _mm256_sub_epi32(_mm256_setzero_si256(),
                            _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_set1_epi8(off), x));
#else
    if (t == CLK_T_Q8_0) return _mm256_setzero_si256(); /* signed form: no offset */
    return _mm256_sub_epi32(_mm256_setzero_si256(), x86_madd1(_mm256_maddubs_epi16(_mm256_set1_epi8(off), x)));
#endif
}

static inline __m256i x86_dot32(int t, __m256i u, __m256i x, __m256i corr)
{
#if X86_VNNI
    (void)t;
    return _mm256_dpbusd_epi32(corr, u, x);
#else
    if (t == CLK_T_Q8_0) return x86_madd1(_mm256_maddubs_epi16(_mm256_sign_epi8(u, u), _mm256_sign_epi8(x, u)));
    return _mm256_add_epi32(x86_madd1(_mm256_maddubs_epi16(u, x)), corr);
#endif
}

/* unsigned bytes u (0..127) times signed bytes x, pairs summed to int16,
 * then multiplied by int16 scales sc and pairs summed into acc (int32). */
static inline __m256i x86_dot_u8_scaled(__m256i acc, __m256i u, __m256i x, __m256i sc)
{
#if X86_VNNI
    return _mm256_dpwssd_epi32(acc, _mm256_maddubs_epi16(u, x), sc);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, x), sc));
#endif
}

/* The float side of a tile works on X86_R weight rows at once, one lane
 * per row: 4 lanes (SSE) in the AVX2 port, 8 (AVX) with AVX-512's 32
 * registers. Every lane does the reference's scalar operations. */
#ifndef X86_R
#if defined(__AVX512F__)
#define X86_R 8
#else
#define X86_R 4
#endif
#endif

#if X86_R == 8
typedef __m256 x86_fv;
#define X86_FZERO() _mm256_setzero_ps()
#define X86_FADD(a, b) _mm256_add_ps(a, b)
#define X86_FSUB(a, b) _mm256_sub_ps(a, b)
#define X86_FMUL(a, b) _mm256_mul_ps(a, b)
#define X86_FSET1(f) _mm256_set1_ps(f)
#define X86_FCVT(iv) _mm256_cvtepi32_ps(iv)
#define X86_FSTORE(p, v) _mm256_storeu_ps(p, v)
typedef __m256i x86_iv;
/* [sum p[0], ..., sum p[7]] of eight vectors of 8 int32 */
static inline __m256i x86_hsum_r(const __m256i *p)
{
    __m256i t0 = _mm256_hadd_epi32(p[0], p[1]), t1 = _mm256_hadd_epi32(p[2], p[3]);
    __m256i t2 = _mm256_hadd_epi32(p[4], p[5]), t3 = _mm256_hadd_epi32(p[6], p[7]);
    __m256i u0 = _mm256_hadd_epi32(t0, t1), u1 = _mm256_hadd_epi32(t2, t3);
    return _mm256_add_epi32(_mm256_permute2x128_si256(u0, u1, 0x20), _mm256_permute2x128_si256(u0, u1, 0x31));
}
/* Byte offsets of the group's rows from its first row, as gather indices. */
static inline __m256i x86_gidx(const uint8_t *const *w)
{
    return _mm256_setr_epi32(0, (int)(w[1] - w[0]), (int)(w[2] - w[0]), (int)(w[3] - w[0]), (int)(w[4] - w[0]),
                             (int)(w[5] - w[0]), (int)(w[6] - w[0]), (int)(w[7] - w[0]));
}
/* X86_R halves, one at w[q] + off for each row q, to floats with F16C:
 * exact (as clk_fp16_to_fp32) for every value but NaN payloads, which no
 * finite result depends on. One gather of 4 bytes per row (the half and
 * the 2 bytes after it, or, hi = 1, the 2 bytes before it and the half:
 * for a half at the end of its block), then the halves packed. */
static inline __m256 x86_h2f_r(const uint8_t *const *w, __m256i gi, size_t off, int hi)
{
    __m256i v = _mm256_i32gather_epi32((const int *)(const void *)(w[0] + off - (hi ? 2 : 0)), gi, 1);
    if (hi) v = _mm256_srli_epi32(v, 16);
#if defined(__AVX512VL__)
    return _mm256_cvtph_ps(_mm256_cvtepi32_epi16(v));
#else
    v = _mm256_shuffle_epi8(v, _mm256_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, -1, -1, -1, -1, -1, -1, -1, -1, 0, 1, 4,
                                                5, 8, 9, 12, 13, -1, -1, -1, -1, -1, -1, -1, -1));
    return _mm256_cvtph_ps(_mm256_castsi256_si128(_mm256_permute4x64_epi64(v, 0x08)));
#endif
}
#else
typedef __m128 x86_fv;
#define X86_FZERO() _mm_setzero_ps()
#define X86_FADD(a, b) _mm_add_ps(a, b)
#define X86_FSUB(a, b) _mm_sub_ps(a, b)
#define X86_FMUL(a, b) _mm_mul_ps(a, b)
#define X86_FSET1(f) _mm_set1_ps(f)
#define X86_FCVT(iv) _mm_cvtepi32_ps(iv)
#define X86_FSTORE(p, v) _mm_storeu_ps(p, v)
typedef __m128i x86_iv;
static inline __m128i x86_hsum_r(const __m256i *p) { return x86_hsum4_epi32(p[0], p[1], p[2], p[3]); }
static inline __m128i x86_gidx(const uint8_t *const *w)
{
    return _mm_setr_epi32(0, (int)(w[1] - w[0]), (int)(w[2] - w[0]), (int)(w[3] - w[0]));
}
static inline __m128 x86_h2f_r(const uint8_t *const *w, __m128i gi, size_t off, int hi)
{
    __m128i v = _mm_i32gather_epi32((const int *)(const void *)(w[0] + off - (hi ? 2 : 0)), gi, 1);
    v = _mm_shuffle_epi8(v, hi ? _mm_setr_epi8(2, 3, 6, 7, 10, 11, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1)
                               : _mm_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, -1, -1, -1, -1, -1, -1, -1, -1));
    return _mm_cvtph_ps(v);
}
#endif

/* One half to a float, in every lane. */
static inline x86_fv x86_h2f_bcast(const void *p)
{
    uint16_t a;
    memcpy(&a, p, 2);
    return X86_FSET1(_mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(a))));
}

/* ======================================================== matmul tiles */

/* y[i][r + q] = lane q of v, for the nr real rows of the group */
static void x86_store_r(const clk_mm *mm, int i, int r, int nr, x86_fv v)
{
    float t[X86_R];
    int q;
    X86_FSTORE(t, v);
    for (q = 0; q < nr; q++) mm->y[(size_t)i * mm->ldy + (size_t)(r + q)] = t[q];
}

#if X86_VNNI && X86_R == 8
/* Decode for Q8_0 and Q4_0 with 512-bit registers: two rows' unpacked
 * blocks in one zmm, [u(row a) | u(row b)], against the activation block in
 * both halves, so that unpacking and vpdpbusd take one instruction per two
 * rows. The halves are the per-row partial sums x86_dot32 gives, reduced
 * the same way: the same bits. */
#define X86_TWO_ROWS(t) ((t) == CLK_T_Q8_0 || (t) == CLK_T_Q4_0)
static inline __m512i x86_unpack_u2(int t, const uint8_t *a, const uint8_t *b)
{
    if (t == CLK_T_Q4_0) { /* d, qs[16]: [lo nibbles | hi nibbles] per row */
        __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)(a + 2))),
                                            _mm_loadu_si128((const __m128i *)(const void *)(b + 2)), 1);
        __m512i z = _mm512_inserti64x4(_mm512_castsi256_si512(v), _mm256_srli_epi16(v, 4), 1); /* [qa qb ha hb] */
        z = _mm512_shuffle_i64x2(z, z, (3 << 6) | (1 << 4) | (2 << 2) | 0);                     /* [qa ha qb hb] */
        return _mm512_and_si512(z, _mm512_set1_epi8(15));
    }
    { /* Q8_0: d, qs[32], as unsigned w + 128 */
        __m512i z = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(const void *)(a + 2))),
                                       _mm256_loadu_si256((const __m256i *)(const void *)(b + 2)), 1);
        return _mm512_xor_si512(z, _mm512_set1_epi8((char)0x80));
    }
}
#else
#define X86_TWO_ROWS(t) 0
#endif

/* Q8_0, Q4_0, Q5_0 weights . Q8_0 activations. Per block and pair the
 * reference computes sum += (dw * da) * (float)isum; here lane q of acc[i]
 * is that sum for weight row r+q and activation row i0+i, the same IEEE
 * operations lane by lane. t and na are constants at each call (each type
 * and chunk size gets its own copy, the accumulators live in registers). */
X86_INLINE void x86_q32_rows(const clk_mm *mm, const int t, const uint8_t *const *w, int r, int nr, int i0,
                             const int na)
{
    const int nb = mm->k / 32, bw = clk_type(t)->bytes, q81 = t == CLK_T_Q4_1 || t == CLK_T_Q5_1;
    const int ab = q81 ? 36 : 34; /* activation block: Q8_1 (d, s, qs) or Q8_0 (d, qs) */
    x86_fv acc[X86_MM_ACT];
    const uint8_t *x[X86_MM_ACT];
    int i, b, q;
    const x86_iv gi = x86_gidx(w);
    for (i = 0; i < na; i++) {
        acc[i] = X86_FZERO();
        x[i] = (const uint8_t *)mm->x + (size_t)(i0 + i) * mm->x_row;
    }
    for (b = 0; b < nb; b++) {
        const size_t ob = (size_t)b * (size_t)bw;
        __m256i u[X86_R];
#if X86_VNNI && X86_R == 8
        __m512i u2[X86_R / 2];
#endif
        x86_fv dw = x86_h2f_r(w, gi, ob, 0), mw = q81 ? x86_h2f_r(w, gi, ob + 2, 0) : X86_FZERO();
        X86_UNROLL
        for (q = 0; q < X86_R; q++) {
            if (!X86_TWO_ROWS(t)) u[q] = x86_unpack_u(t, w[q] + ob);
            /* the next group's rows, X86_PF_DIST blocks ahead: a row is only a
             * few hundred bytes, too short for the hardware prefetcher */
            _mm_prefetch((const char *)(w[q] + ob + X86_PF_DIST * bw) + X86_R * mm->w_row, _MM_HINT_T0);
        }
#if X86_VNNI && X86_R == 8
        if (X86_TWO_ROWS(t))
            for (q = 0; q < X86_R / 2; q++) u2[q] = x86_unpack_u2(t, w[2 * q] + ob, w[2 * q + 1] + ob);
#endif
        X86_UNROLL
        for (i = 0; i < na; i++) {
            const uint8_t *xb = x[i] + (size_t)b * ab;
            __m256i xs = _mm256_loadu_si256((const __m256i *)(const void *)(xb + ab - 32)), p[X86_R];
            __m256i c = x86_corr(t, xs);
            x86_fv v;
#if X86_VNNI && X86_R == 8
            if (X86_TWO_ROWS(t)) {
                const __m512i xz = _mm512_broadcast_i64x4(xs), cz = _mm512_broadcast_i64x4(c);
                X86_UNROLL
                for (q = 0; q < X86_R / 2; q++) {
                    __m512i d2 = _mm512_dpbusd_epi32(cz, u2[q], xz);
                    p[2 * q] = _mm512_castsi512_si256(d2);
                    p[2 * q + 1] = _mm512_extracti64x4_epi64(d2, 1);
                }
            } else
#endif
            {
                X86_UNROLL
                for (q = 0; q < X86_R; q++) p[q] = x86_dot32(t, u[q], xs, c);
            }
            v = X86_FMUL(X86_FMUL(dw, x86_h2f_bcast(xb)), X86_FCVT(x86_hsum_r(p)));
            /* Q4_1/Q5_1: sum += (dw * da) * isum + mw * sa, the sum of the two first */
            if (q81) v = X86_FADD(v, X86_FMUL(mw, x86_h2f_bcast(xb + 2)));
            acc[i] = X86_FADD(acc[i], v);
        }
    }
    for (i = 0; i < na; i++) x86_store_r(mm, i0 + i, r, nr, acc[i]);
}

#if X86_VNNI
/*
 * Prefill with many activation rows (AVX-512 VNNI). Weight rows go in
 * groups of 16, their blocks unpacked to unsigned bytes u (x86_unpack_u)
 * and transposed so that the 16 int32 lanes of one zmm register are the
 * 16 rows:
 *     w[b][c] lane j = u values 4c .. 4c+3 of block b of row j  (4 bytes)
 * One vpdpbusd then multiplies 4 values of all 16 rows by the same 4
 * activation bytes (broadcast from the activation row itself), 8 of them
 * give the block's sum u.x of all 16 rows, one per lane, and
 *     isum = sum u*x - off * sum x      (off: x86_unpack_u's offset)
 * is exact. The float side is ref.c's per-block expression lane by lane;
 * no horizontal sums at all, so the bits are the reference's.
 * Tiling, all of it on the stack (about 100 KiB, within CLK_KERNEL_STACK):
 *   activation rows in chunks of X86_PRE_ACT; per chunk, blocks in runs of
 *   X86_PRE_KB; per run, each activation block's -off * sum x and scales
 *   once (shared by every weight group), then up to X86_PRE_GROUPS groups
 *   of 16 weight rows unpacked and multiplied, their float sums carried
 *   from run to run in acc (the reference's order: block after block).
 */
#ifndef X86_PRE_ACT
#define X86_PRE_ACT 128
#endif
#ifndef X86_PRE_KB
#define X86_PRE_KB 32
#endif
#ifndef X86_PRE_GROUPS
#define X86_PRE_GROUPS 4
#endif

typedef struct x86_pre_act {
    int32_t corr[X86_PRE_ACT][X86_PRE_KB]; /* -off * sum of the block's 32 activations */
    float d[X86_PRE_ACT][X86_PRE_KB];      /* the activation block's scale             */
    float s[X86_PRE_ACT][X86_PRE_KB];      /* Q8_1: its s (d * sum)                     */
} x86_pre_act;

typedef struct x86_pre_w {
    __m512i w[X86_PRE_KB][8]; /* [block][chunk c] lane j: row j, u values 4c..4c+3 */
    __m512 dw[X86_PRE_KB];    /* [block] lane j: row j's d                          */
    __m512 mw[X86_PRE_KB];    /* [block] lane j: row j's m (Q4_1/Q5_1)              */
} x86_pre_w;

/* 8x8 transpose of int32: out[c] lane j = in[j] lane c. */
static inline void x86_transpose8(const __m256i *in, __m256i *out)
{
    __m256i t[8], u[8];
    int j;
    for (j = 0; j < 4; j++) {
        t[2 * j] = _mm256_unpacklo_epi32(in[2 * j], in[2 * j + 1]);
        t[2 * j + 1] = _mm256_unpackhi_epi32(in[2 * j], in[2 * j + 1]);
    }
    for (j = 0; j < 2; j++) {
        u[4 * j + 0] = _mm256_unpacklo_epi64(t[4 * j], t[4 * j + 2]);
        u[4 * j + 1] = _mm256_unpackhi_epi64(t[4 * j], t[4 * j + 2]);
        u[4 * j + 2] = _mm256_unpacklo_epi64(t[4 * j + 1], t[4 * j + 3]);
        u[4 * j + 3] = _mm256_unpackhi_epi64(t[4 * j + 1], t[4 * j + 3]);
    }
    for (j = 0; j < 4; j++) {
        out[j] = _mm256_permute2x128_si256(u[j], u[4 + j], 0x20);
        out[4 + j] = _mm256_permute2x128_si256(u[j], u[4 + j], 0x31);
    }
}

/* Blocks [b0, b0 + nb) of activation rows [i0, i0 + na): eight blocks at a
 * time (their sums reduced together, their halves gathered), the rest one
 * by one. */
static void x86_pre_act_run(const clk_mm *mm, int t, int i0, int na, int b0, int nb, x86_pre_act *a)
{
    const int q81 = t == CLK_T_Q4_1 || t == CLK_T_Q5_1, ab = q81 ? 36 : 34;
    const int off = t == CLK_T_Q8_0 ? 128 : t == CLK_T_Q4_0 ? 8 : t == CLK_T_Q5_0 ? 16 : 0;
    const __m256i one = _mm256_set1_epi8(1), gidx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                                                        _mm256_set1_epi32(ab));
    int i, b, j;
    for (i = 0; i < na; i++) {
        const uint8_t *x = (const uint8_t *)mm->x + (size_t)(i0 + i) * mm->x_row + (size_t)b0 * ab;
        for (b = 0; b + 8 <= nb; b += 8, x += 8 * ab) {
            __m256i p[8], h = _mm256_i32gather_epi32((const int *)(const void *)x, gidx, 1);
            _mm256_storeu_ps(&a->d[i][b], _mm256_cvtph_ps(_mm256_cvtepi32_epi16(h)));
            if (q81) _mm256_storeu_ps(&a->s[i][b], _mm256_cvtph_ps(_mm256_cvtepi32_epi16(_mm256_srli_epi32(h, 16))));
            if (off) {
                for (j = 0; j < 8; j++)
                    p[j] = _mm256_dpbusd_epi32(_mm256_setzero_si256(), one,
                                               _mm256_loadu_si256((const __m256i *)(const void *)(x + j * ab + ab - 32)));
                _mm256_storeu_si256((__m256i *)(void *)&a->corr[i][b], _mm256_mullo_epi32(x86_hsum_r(p), _mm256_set1_epi32(-off)));
            } else {
                _mm256_storeu_si256((__m256i *)(void *)&a->corr[i][b], _mm256_setzero_si256());
            }
        }
        for (; b < nb; b++, x += ab) {
            uint16_t hv[2];
            memcpy(hv, x, 4);
            a->d[i][b] = x86_h2f(hv[0]);
            a->s[i][b] = q81 ? x86_h2f(hv[1]) : 0.0f;
            a->corr[i][b] =
                off ? -off * x86_hsum_epi32(_mm256_dpbusd_epi32(_mm256_setzero_si256(), one,
                                                                _mm256_loadu_si256((const __m256i *)(const void *)(x + ab - 32))))
                    : 0;
        }
    }
}

/* Blocks [b0, b0 + nb) of the 16 rows w[]. */
X86_INLINE void x86_pre_w_run(const clk_mm *mm, const int t, const uint8_t *const *w, int b0, int nb, x86_pre_w *g)
{
    const int bw = clk_type(t)->bytes, q81 = t == CLK_T_Q4_1 || t == CLK_T_Q5_1;
    const x86_iv gl = x86_gidx(w), gh = x86_gidx(w + 8);
    int b, q, c;
    for (b = 0; b < nb; b++) {
        const size_t ob = (size_t)(b0 + b) * (size_t)bw;
        __m256i u[16], lo[8], hi[8];
        g->dw[b] = _mm512_insertf32x8(_mm512_castps256_ps512(x86_h2f_r(w, gl, ob, 0)), x86_h2f_r(w + 8, gh, ob, 0), 1);
        if (q81)
            g->mw[b] = _mm512_insertf32x8(_mm512_castps256_ps512(x86_h2f_r(w, gl, ob + 2, 0)),
                                          x86_h2f_r(w + 8, gh, ob + 2, 0), 1);
        X86_UNROLL
        for (q = 0; q < 16; q++) {
            u[q] = x86_unpack_u(t, w[q] + ob);
            _mm_prefetch((const char *)(w[q] + ob) + 16 * mm->w_row, _MM_HINT_T0); /* the next group */
        }
        x86_transpose8(u, lo);
        x86_transpose8(u + 8, hi);
        for (c = 0; c < 8; c++) g->w[b][c] = _mm512_inserti64x4(_mm512_castsi256_si512(lo[c]), hi[c], 1);
    }
}

/* acc[i] (16 rows) += the blocks of run g for activation rows ia .. ia+na-1
 * of the chunk (activation row i0 + i of the matrix). */
X86_INLINE void x86_pre_tile(const clk_mm *mm, const int t, const x86_pre_w *g, const x86_pre_act *a, int i0,
                             int ia, const int na, int b0, int nb, __m512 *acc)
{
    const int q81 = t == CLK_T_Q4_1 || t == CLK_T_Q5_1, ab = q81 ? 36 : 34;
    const uint8_t *x[X86_MM_ACT];
    __m512 f[X86_MM_ACT];
    int i, b;
    for (i = 0; i < na; i++) {
        f[i] = acc[ia + i];
        x[i] = (const uint8_t *)mm->x + (size_t)(i0 + ia + i) * mm->x_row + (size_t)b0 * ab + (ab - 32);
    }
    for (b = 0; b < nb; b++) {
        const __m512 dw = g->dw[b];
        const __m512i w0 = g->w[b][0], w1 = g->w[b][1], w2 = g->w[b][2], w3 = g->w[b][3];
        const __m512i w4 = g->w[b][4], w5 = g->w[b][5], w6 = g->w[b][6], w7 = g->w[b][7];
        X86_UNROLL
        for (i = 0; i < na; i++) {
            const uint8_t *xq = x[i] + (size_t)b * ab;
            __m512i s0 = _mm512_set1_epi32(a->corr[ia + i][b]), s1 = _mm512_setzero_si512();
            __m512 v;
            /* two chains of four, for latency; chunk c of x broadcast from memory */
#define X86_XB(c) _mm512_broadcastd_epi32(_mm_loadu_si32(xq + 4 * (c)))
            s0 = _mm512_dpbusd_epi32(s0, w0, X86_XB(0));
            s1 = _mm512_dpbusd_epi32(s1, w1, X86_XB(1));
            s0 = _mm512_dpbusd_epi32(s0, w2, X86_XB(2));
            s1 = _mm512_dpbusd_epi32(s1, w3, X86_XB(3));
            s0 = _mm512_dpbusd_epi32(s0, w4, X86_XB(4));
            s1 = _mm512_dpbusd_epi32(s1, w5, X86_XB(5));
            s0 = _mm512_dpbusd_epi32(s0, w6, X86_XB(6));
            s1 = _mm512_dpbusd_epi32(s1, w7, X86_XB(7));
#undef X86_XB
            s0 = _mm512_add_epi32(s0, s1);
            v = _mm512_mul_ps(_mm512_mul_ps(dw, _mm512_set1_ps(a->d[ia + i][b])), _mm512_cvtepi32_ps(s0));
            if (q81) v = _mm512_add_ps(v, _mm512_mul_ps(g->mw[b], _mm512_set1_ps(a->s[ia + i][b])));
            f[i] = _mm512_add_ps(f[i], v);
        }
    }
    for (i = 0; i < na; i++) acc[ia + i] = f[i];
}

/* What x86_mm_q32_pre keeps on the stack, within port.h's budget (with
 * room for the small frames around it). */
CLK_PORT_CHECK(sizeof(x86_pre_act) + sizeof(x86_pre_w) + X86_PRE_GROUPS * X86_PRE_ACT * sizeof(__m512) + 16384 <=
                   CLK_KERNEL_STACK,
               x86_pre_stack);

X86_INLINE void x86_mm_q32_pre(const clk_mm *mm, const int t)
{
    const int nbk = mm->k / 32;
    x86_pre_act a;
    x86_pre_w g;
    __m512 acc[X86_PRE_GROUPS][X86_PRE_ACT];
    int i0, r0, b0, gi, i;
    for (i0 = 0; i0 < mm->m; i0 += X86_PRE_ACT) {
        const int na = mm->m - i0 < X86_PRE_ACT ? mm->m - i0 : X86_PRE_ACT;
        for (r0 = mm->r0; r0 < mm->r1; r0 += 16 * X86_PRE_GROUPS) {
            const int ng = (mm->r1 - r0 + 15) / 16 < X86_PRE_GROUPS ? (mm->r1 - r0 + 15) / 16 : X86_PRE_GROUPS;
            for (gi = 0; gi < ng; gi++)
                for (i = 0; i < na; i++) acc[gi][i] = _mm512_setzero_ps();
            for (b0 = 0; b0 < nbk; b0 += X86_PRE_KB) {
                const int nb = nbk - b0 < X86_PRE_KB ? nbk - b0 : X86_PRE_KB;
                x86_pre_act_run(mm, t, i0, na, b0, nb, &a);
                for (gi = 0; gi < ng; gi++) {
                    const int r = r0 + 16 * gi, nr = mm->r1 - r < 16 ? mm->r1 - r : 16;
                    const uint8_t *w[16];
                    int q;
                    for (q = 0; q < 16; q++)
                        w[q] = (const uint8_t *)mm->w + (size_t)(r + (q < nr ? q : nr - 1)) * mm->w_row;
                    x86_pre_w_run(mm, t, w, b0, nb, &g);
                    for (i = 0; i + X86_MM_ACT <= na; i += X86_MM_ACT)
                        x86_pre_tile(mm, t, &g, &a, i0, i, X86_MM_ACT, b0, nb, acc[gi]);
                    for (; i < na; i++) x86_pre_tile(mm, t, &g, &a, i0, i, 1, b0, nb, acc[gi]);
                }
            }
            for (gi = 0; gi < ng; gi++) {
                const int r = r0 + 16 * gi, nr = mm->r1 - r < 16 ? mm->r1 - r : 16;
                const __mmask16 keep = (__mmask16)((1u << nr) - 1u);
                for (i = 0; i < na; i++)
                    _mm512_mask_storeu_ps(mm->y + (size_t)(i0 + i) * mm->ldy + (size_t)r, keep, acc[gi][i]);
            }
        }
    }
}
#else
#ifndef X86_PRE_BLOCKS
#define X86_PRE_BLOCKS 192
#endif
/* Prefill with many activation rows: the group's weights are unpacked once
 * for the whole row (into u[nb][X86_R] on the stack, with their scales)
 * instead of once per chunk of X86_MM_ACT activation rows; the chunks
 * then read them back. Rows of up to X86_PRE_BLOCKS blocks (k <= 6144,
 * 30 KiB of stack); longer rows take the per-chunk path. Same arithmetic
 * as x86_q32_rows, so the same bits. */
typedef struct x86_q32_pre {
    __m256i u[X86_PRE_BLOCKS][X86_R];
    x86_fv dw[X86_PRE_BLOCKS], mw[X86_PRE_BLOCKS];
} x86_q32_pre;
CLK_PORT_CHECK(sizeof(x86_q32_pre) + 16384 <= CLK_KERNEL_STACK, x86_q32_pre_stack);

X86_INLINE void x86_q32_unpack_group(const clk_mm *mm, const int t, const uint8_t *const *w, x86_q32_pre *g)
{
    const int nb = mm->k / 32, bw = clk_type(t)->bytes, q81 = t == CLK_T_Q4_1 || t == CLK_T_Q5_1;
    int b, q;
    const x86_iv gi = x86_gidx(w);
    for (b = 0; b < nb; b++) {
        const size_t ob = (size_t)b * (size_t)bw;
        g->dw[b] = x86_h2f_r(w, gi, ob, 0);
        g->mw[b] = q81 ? x86_h2f_r(w, gi, ob + 2, 0) : X86_FZERO();
        X86_UNROLL
        for (q = 0; q < X86_R; q++) {
            g->u[b][q] = x86_unpack_u(t, w[q] + ob);
            _mm_prefetch((const char *)(w[q] + ob) + X86_R * mm->w_row, _MM_HINT_T0);
        }
    }
}

X86_INLINE void x86_q32_rows_pre(const clk_mm *mm, const int t, const x86_q32_pre *g, int r, int nr, int i0,
                                 const int na)
{
    const int nb = mm->k / 32, q81 = t == CLK_T_Q4_1 || t == CLK_T_Q5_1;
    const int ab = q81 ? 36 : 34;
    x86_fv acc[X86_MM_ACT];
    const uint8_t *x[X86_MM_ACT];
    int i, b, q;
    for (i = 0; i < na; i++) {
        acc[i] = X86_FZERO();
        x[i] = (const uint8_t *)mm->x + (size_t)(i0 + i) * mm->x_row;
    }
    for (b = 0; b < nb; b++) {
        const x86_fv dw = g->dw[b];
        X86_UNROLL
        for (i = 0; i < na; i++) {
            const uint8_t *xb = x[i] + (size_t)b * ab;
            __m256i xs = _mm256_loadu_si256((const __m256i *)(const void *)(xb + ab - 32)), p[X86_R];
            __m256i c = x86_corr(t, xs);
            x86_fv v;
            X86_UNROLL
            for (q = 0; q < X86_R; q++) p[q] = x86_dot32(t, g->u[b][q], xs, c);
            v = X86_FMUL(X86_FMUL(dw, x86_h2f_bcast(xb)), X86_FCVT(x86_hsum_r(p)));
            if (q81) v = X86_FADD(v, X86_FMUL(g->mw[b], x86_h2f_bcast(xb + 2)));
            acc[i] = X86_FADD(acc[i], v);
        }
    }
    for (i = 0; i < na; i++) x86_store_r(mm, i0 + i, r, nr, acc[i]);
}
#endif /* X86_VNNI */

/* Weight rows in groups of X86_R (a short last group repeats its last row;
 * the extra lanes are not stored), activation rows in chunks of
 * X86_MM_ACT, then one at a time. */
#define X86_GROUPS(mm, T, ROWS_FN)                                                                         \
    do {                                                                                                   \
        int r_, i_;                                                                                        \
        for (r_ = (mm)->r0; r_ < (mm)->r1; r_ += X86_R) {                                                  \
            const T *w_[X86_R];                                                                            \
            int nr_ = (mm)->r1 - r_ < X86_R ? (mm)->r1 - r_ : X86_R, q_;                                   \
            for (q_ = 0; q_ < X86_R; q_++)                                                                 \
                w_[q_] = (const T *)(const void *)((const char *)(mm)->w +                                 \
                                                   (size_t)(r_ + (q_ < nr_ ? q_ : nr_ - 1)) * (mm)->w_row); \
            for (i_ = 0; i_ + X86_MM_ACT <= (mm)->m; i_ += X86_MM_ACT) ROWS_FN(w_, r_, nr_, i_, X86_MM_ACT); \
            for (; i_ < (mm)->m; i_++) ROWS_FN(w_, r_, nr_, i_, 1);                                        \
        }                                                                                                  \
    } while (0)

/* The 32-element types: whole-row unpacking for prefill (m of at least two
 * chunks, rows that fit), else per chunk. */
X86_INLINE void x86_mm_q32(const clk_mm *mm, const int t)
{
#if X86_VNNI
    if (mm->m >= 2 * X86_MM_ACT) {
        x86_mm_q32_pre(mm, t);
        return;
    }
#else
    if (mm->m >= 2 * X86_MM_ACT && mm->k / 32 <= X86_PRE_BLOCKS) {
        x86_q32_pre g;
        int r, i;
        for (r = mm->r0; r < mm->r1; r += X86_R) {
            const uint8_t *w[X86_R];
            int nr = mm->r1 - r < X86_R ? mm->r1 - r : X86_R, q;
            for (q = 0; q < X86_R; q++) w[q] = (const uint8_t *)mm->w + (size_t)(r + (q < nr ? q : nr - 1)) * mm->w_row;
            x86_q32_unpack_group(mm, t, w, &g);
            for (i = 0; i + X86_MM_ACT <= mm->m; i += X86_MM_ACT) x86_q32_rows_pre(mm, t, &g, r, nr, i, X86_MM_ACT);
            for (; i < mm->m; i++) x86_q32_rows_pre(mm, t, &g, r, nr, i, 1);
        }
        return;
    }
#endif
    switch (t) {
#define X86_Q32_ROWS(w, r, nr, i0, na) x86_q32_rows(mm, t, w, r, nr, i0, na)
    default: X86_GROUPS(mm, uint8_t, X86_Q32_ROWS); break;
#undef X86_Q32_ROWS
    }
}
static void x86_mm_q8_0(const clk_mm *mm) { x86_mm_q32(mm, CLK_T_Q8_0); }
static void x86_mm_q4_0(const clk_mm *mm) { x86_mm_q32(mm, CLK_T_Q4_0); }
static void x86_mm_q5_0(const clk_mm *mm) { x86_mm_q32(mm, CLK_T_Q5_0); }
static void x86_mm_q4_1(const clk_mm *mm) { x86_mm_q32(mm, CLK_T_Q4_1); }
static void x86_mm_q5_1(const clk_mm *mm) { x86_mm_q32(mm, CLK_T_Q5_1); }

/* Q4_K and Q5_K . Q8_K, per super-block (ref.c):
 *   isum = sum_s sc_s * (q . q8)_s     imin = sum_s m_s * (bsums[2s] + bsums[2s+1])
 *   sum += (dw * da) * (float)isum     accm += (dminw * da) * (float)imin
 *   result = sum - accm */
typedef struct x86_q4k_prep {
    __m256i q[8];  /* sub-block s: 32 unsigned nibbles          */
    __m256i sc[8]; /* sub-block s: its 6-bit scale in 16 int16s  */
    __m256i m16;   /* [m0, m0, m1, m1, ..., m7, m7] as int16     */
} x86_q4k_prep;

/* Q4_K (t = CLK_T_Q4_K) or Q5_K super-block at blk: the values of Q5_K
 * get their fifth bit (bit s of qh[l] for value l of sub-block s), 0..31,
 * which maddubs still takes with no overflow (31 * 128 * 2 < 32768). */
/* The 16-bit lane pattern [byte 2j, byte 2j+1] x 16: shuffle_epi8 masks that
 * broadcast int16 element j of each 128-bit half to the whole half. */
static inline __m256i x86_bcast16_mask(int j)
{
    return _mm256_set1_epi16((short)((2 * j) | ((2 * j + 1) << 8)));
}

static void x86_prep_q4k(int t, const uint8_t *blk, x86_q4k_prep *p)
{
    const __m256i lo4 = _mm256_set1_epi8(15), one = _mm256_set1_epi8(1);
    const uint8_t *qs = blk + (t == CLK_T_Q4_K ? 16 : 48);
    uint32_t u[4], a1;
    __m128i sm;
    __m256i sc16;
    int c, j;
    for (c = 0; c < 4; c++) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(qs + 32 * c));
        p->q[2 * c] = _mm256_and_si256(v, lo4);
        p->q[2 * c + 1] = _mm256_and_si256(_mm256_srli_epi16(v, 4), lo4);
    }
    if (t == CLK_T_Q5_K) {
        __m256i qh = _mm256_loadu_si256((const __m256i *)(const void *)(blk + 16));
        for (j = 0; j < 8; j++) /* 16-bit shifts: bits from the next byte are masked off */
            p->q[j] = _mm256_or_si256(p->q[j], _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, j), one), 4));
    }
    /* The 12 scale bytes s[] (ref.c's layout) in four words at once: sc_j
     * for j < 4 is s[j] & 63, for j >= 4 (s[j+4] & 15) | (s[j-4] >> 6) << 4;
     * m_j is s[j+4] & 63, then (s[j+4] >> 4) | (s[j] >> 6) << 4. Bytes 0..7 of
     * u become sc_0..7, bytes 8..15 m_0..7. */
    memcpy(u, blk + 4, 12);
    a1 = u[1];
    u[3] = ((u[2] >> 4) & 0x0F0F0F0Fu) | (((a1 >> 6) & 0x03030303u) << 4);
    u[1] = (u[2] & 0x0F0F0F0Fu) | (((u[0] >> 6) & 0x03030303u) << 4);
    u[2] = a1 & 0x3F3F3F3Fu;
    u[0] &= 0x3F3F3F3Fu;
    sm = _mm_setr_epi32((int)u[0], (int)u[1], (int)u[2], (int)u[3]);
    sc16 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(sm)); /* [sc_0..7 | sc_0..7] as int16 */
    for (j = 0; j < 8; j++) p->sc[j] = _mm256_shuffle_epi8(sc16, x86_bcast16_mask(j));
    p->m16 = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(sm, sm)); /* [m0, m0, m1, m1, ..., m7, m7] */
}

static inline void x86_q4k_pair(const x86_q4k_prep *p, const clk_block_q8_K *a, __m256i *isum, __m256i *imin)
{
    __m256i acc = _mm256_setzero_si256();
    int s;
    for (s = 0; s < 8; s++)
        acc = x86_dot_u8_scaled(acc, p->q[s], _mm256_loadu_si256((const __m256i *)(const void *)(a->qs + 32 * s)),
                                p->sc[s]);
    *isum = acc;
    *imin = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)(const void *)a->bsums), p->m16);
}

X86_INLINE void x86_q4k_rows(const clk_mm *mm, const int t, const uint8_t *const *w, int r, int nr, int i0, const int na)
{
    const int nb = mm->k / 256;
    x86_fv sum[X86_MM_ACT], accm[X86_MM_ACT];
    const clk_block_q8_K *x[X86_MM_ACT];
    int i, b, q;
    const x86_iv gi = x86_gidx(w);
    for (i = 0; i < na; i++) {
        sum[i] = accm[i] = X86_FZERO();
        x[i] = (const clk_block_q8_K *)(const void *)((const char *)mm->x + (size_t)(i0 + i) * mm->x_row);
    }
    for (b = 0; b < nb; b++) {
        const size_t ob = (size_t)b * (t == CLK_T_Q4_K ? sizeof(clk_block_q4_K) : sizeof(clk_block_q5_K));
        x86_q4k_prep p[X86_R];
        x86_fv dw = x86_h2f_r(w, gi, ob, 0), dm = x86_h2f_r(w, gi, ob + 2, 0);
        for (q = 0; q < X86_R; q++) {
            const char *nx = (const char *)(w[q] + ob) + X86_R * mm->w_row;
            x86_prep_q4k(t, w[q] + ob, &p[q]);
            _mm_prefetch(nx, _MM_HINT_T0);
            _mm_prefetch(nx + 64, _MM_HINT_T0);
            _mm_prefetch(nx + 128, _MM_HINT_T0);
        }
        X86_UNROLL
        for (i = 0; i < na; i++) {
            const clk_block_q8_K *a = x[i] + b;
            __m256i s[X86_R], m[X86_R];
            x86_fv da = X86_FSET1(a->d);
            for (q = 0; q < X86_R; q++) x86_q4k_pair(&p[q], a, &s[q], &m[q]);
            sum[i] = X86_FADD(sum[i], X86_FMUL(X86_FMUL(dw, da), X86_FCVT(x86_hsum_r(s))));
            accm[i] = X86_FADD(accm[i], X86_FMUL(X86_FMUL(dm, da), X86_FCVT(x86_hsum_r(m))));
        }
    }
    for (i = 0; i < na; i++) x86_store_r(mm, i0 + i, r, nr, X86_FSUB(sum[i], accm[i]));
}

#define X86_Q4K_ROWS(w, r, nr, i0, na) x86_q4k_rows(mm, CLK_T_Q4_K, w, r, nr, i0, na)
#define X86_Q5K_ROWS(w, r, nr, i0, na) x86_q4k_rows(mm, CLK_T_Q5_K, w, r, nr, i0, na)
static void x86_mm_q4k(const clk_mm *mm) { X86_GROUPS(mm, uint8_t, X86_Q4K_ROWS); }
static void x86_mm_q5k(const clk_mm *mm) { X86_GROUPS(mm, uint8_t, X86_Q5K_ROWS); }

/* Q6_K . Q8_K: isum = sum_s sc_s * ((q-32) . q8)_s over 16 sub-blocks of
 * 16 = sum_s sc_s * (q . q8)_s - 32 * sum_s sc_s * bsums[s] (q in 0..63
 * unsigned, so maddubs applies); sum += (dw * da) * (float)isum. */
typedef struct x86_q6k_prep {
    __m256i q[8];  /* elements 32g .. 32g+31, values 0..63           */
    __m256i sc[8]; /* [sc[2g] x 8, sc[2g+1] x 8] as int16             */
    __m256i sc16;  /* the 16 scales as int16                          */
} x86_q6k_prep;

static void x86_prep_q6k(const clk_block_q6_K *b, x86_q6k_prep *p)
{
    const __m256i lo4 = _mm256_set1_epi8(15), lo2 = _mm256_set1_epi8(3);
    int h, g;
    for (h = 0; h < 2; h++) {
        __m256i ql0 = _mm256_loadu_si256((const __m256i *)(const void *)(b->ql + 64 * h));
        __m256i ql1 = _mm256_loadu_si256((const __m256i *)(const void *)(b->ql + 64 * h + 32));
        __m256i qh = _mm256_loadu_si256((const __m256i *)(const void *)(b->qh + 32 * h));
        __m256i h0 = _mm256_slli_epi16(_mm256_and_si256(qh, lo2), 4);
        __m256i h1 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), lo2), 4);
        __m256i h2 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), lo2), 4);
        __m256i h3 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), lo2), 4);
        p->q[4 * h + 0] = _mm256_or_si256(_mm256_and_si256(ql0, lo4), h0);
        p->q[4 * h + 1] = _mm256_or_si256(_mm256_and_si256(ql1, lo4), h1);
        p->q[4 * h + 2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), lo4), h2);
        p->q[4 * h + 3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), lo4), h3);
    }
    for (g = 0; g < 8; g++)
        p->sc[g] = _mm256_set_m128i(_mm_set1_epi16(b->scales[2 * g + 1]), _mm_set1_epi16(b->scales[2 * g]));
    p->sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)b->scales));
}

static inline __m256i x86_q6k_pair(const x86_q6k_prep *p, const clk_block_q8_K *a)
{
    __m256i acc = _mm256_setzero_si256(), corr;
    int g;
    for (g = 0; g < 8; g++)
        acc = x86_dot_u8_scaled(acc, p->q[g], _mm256_loadu_si256((const __m256i *)(const void *)(a->qs + 32 * g)),
                                p->sc[g]);
    corr = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)(const void *)a->bsums), p->sc16);
    return _mm256_sub_epi32(acc, _mm256_slli_epi32(corr, 5));
}

X86_INLINE void x86_q6k_rows(const clk_mm *mm, const uint8_t *const *w, int r, int nr, int i0, const int na)
{
    const int nb = mm->k / 256;
    x86_fv sum[X86_MM_ACT];
    const clk_block_q8_K *x[X86_MM_ACT];
    int i, b, q;
    const x86_iv gi = x86_gidx(w);
    for (i = 0; i < na; i++) {
        sum[i] = X86_FZERO();
        x[i] = (const clk_block_q8_K *)(const void *)((const char *)mm->x + (size_t)(i0 + i) * mm->x_row);
    }
    for (b = 0; b < nb; b++) {
        const size_t ob = (size_t)b * sizeof(clk_block_q6_K);
        x86_q6k_prep p[X86_R];
        x86_fv dw = x86_h2f_r(w, gi, ob + offsetof(clk_block_q6_K, d), 1);
        for (q = 0; q < X86_R; q++) {
            const char *nx = (const char *)(w[q] + ob) + X86_R * mm->w_row;
            x86_prep_q6k((const clk_block_q6_K *)(const void *)(w[q] + ob), &p[q]);
            _mm_prefetch(nx, _MM_HINT_T0);
            _mm_prefetch(nx + 64, _MM_HINT_T0);
            _mm_prefetch(nx + 128, _MM_HINT_T0);
            _mm_prefetch(nx + 192, _MM_HINT_T0);
        }
        X86_UNROLL
        for (i = 0; i < na; i++) {
            const clk_block_q8_K *a = x[i] + b;
            __m256i s[X86_R];
            for (q = 0; q < X86_R; q++) s[q] = x86_q6k_pair(&p[q], a);
            sum[i] = X86_FADD(sum[i], X86_FMUL(X86_FMUL(dw, X86_FSET1(a->d)), X86_FCVT(x86_hsum_r(s))));
        }
    }
    for (i = 0; i < na; i++) x86_store_r(mm, i0 + i, r, nr, sum[i]);
}

#define X86_Q6K_ROWS(w, r, nr, i0, na) x86_q6k_rows(mm, w, r, nr, i0, na)
static void x86_mm_q6k(const clk_mm *mm) { X86_GROUPS(mm, uint8_t, X86_Q6K_ROWS); }

/* F32 and F16 weights (f32 / f16 activations): per pair, 8 float lanes of
 * fused multiply-adds over the row, a fixed horizontal sum, then the tail
 * in scalar. */
static float x86_dot_f16(const uint16_t *a, const uint16_t *b, int k)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    float s;
    int j = 0;
    for (; j + 16 <= k; j += 16) {
        s0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(a + j))),
                             _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(b + j))), s0);
        s1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(a + j + 8))),
                             _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(b + j + 8))), s1);
    }
    s = x86_hsum_ps(_mm256_add_ps(s0, s1));
    for (; j < k; j++) s += x86_h2f(a[j]) * x86_h2f(b[j]);
    return s;
}

/* bf16 is the top half of a float: widen and shift, exactly */
static inline __m256 x86_bf16x8(const uint16_t *p)
{
    __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(const void *)p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
}

static float x86_dot_bf16(const uint16_t *a, const uint16_t *b, int k)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    float s;
    int j = 0;
    for (; j + 16 <= k; j += 16) {
        s0 = _mm256_fmadd_ps(x86_bf16x8(a + j), x86_bf16x8(b + j), s0);
        s1 = _mm256_fmadd_ps(x86_bf16x8(a + j + 8), x86_bf16x8(b + j + 8), s1);
    }
    s = x86_hsum_ps(_mm256_add_ps(s0, s1));
    for (; j < k; j++) s += clk_bf16_to_fp32(a[j]) * clk_bf16_to_fp32(b[j]);
    return s;
}

static float x86_dot_f32(const float *a, const float *b, int n)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    float s;
    int j = 0;
    for (; j + 16 <= n; j += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(b + j), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j + 8), _mm256_loadu_ps(b + j + 8), s1);
    }
    if (j + 8 <= n) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(b + j), s0);
        j += 8;
    }
    s = x86_hsum_ps(_mm256_add_ps(s0, s1));
    for (; j < n; j++) s += a[j] * b[j];
    return s;
}

static void x86_mm_float(const clk_mm *mm)
{
    int r, i;
    for (r = mm->r0; r < mm->r1; r++) {
        const void *w = (const char *)mm->w + (size_t)r * mm->w_row;
        for (i = 0; i < mm->m; i++) {
            const void *x = (const char *)mm->x + (size_t)i * mm->x_row;
            mm->y[(size_t)i * mm->ldy + (size_t)r] =
                mm->wtype == CLK_T_F32    ? x86_dot_f32((const float *)w, (const float *)x, mm->k)
                : mm->wtype == CLK_T_F16 ? x86_dot_f16((const uint16_t *)w, (const uint16_t *)x, mm->k)
                                         : x86_dot_bf16((const uint16_t *)w, (const uint16_t *)x, mm->k);
        }
    }
}

static void x86_matmul(const clk_mm *mm)
{
    if (mm->r1 <= mm->r0 || mm->m <= 0) return;
    /* the scale gathers index a group's rows with int32 byte offsets */
    if ((mm->act == CLK_ACT_F32 && mm->wtype != CLK_T_F32) || mm->w_row > (size_t)INT_MAX / 16) {
        clk_ref_kernels.matmul(mm);
        return;
    }
    switch (mm->wtype) {
    case CLK_T_Q8_0: x86_mm_q8_0(mm); break;
    case CLK_T_Q4_0: x86_mm_q4_0(mm); break;
    case CLK_T_Q5_0: x86_mm_q5_0(mm); break;
    case CLK_T_Q4_1: x86_mm_q4_1(mm); break;
    case CLK_T_Q5_1: x86_mm_q5_1(mm); break;
    case CLK_T_Q4_K: x86_mm_q4k(mm); break;
    case CLK_T_Q5_K: x86_mm_q5k(mm); break;
    case CLK_T_Q6_K: x86_mm_q6k(mm); break;
    case CLK_T_F32:
    case CLK_T_F16:
    case CLK_T_BF16: x86_mm_float(mm); break;
    default: clk_ref_kernels.matmul(mm); break;
    }
}

/* ====================================================== vector kernels */

static void x86_axpy_f32(float *y, float a, const float *x, int n)
{
    __m256 va = _mm256_set1_ps(a);
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] = y[i] + a * x[i];
}

/* rmsnorm: squares in float, summed in double (four double lanes), then
 * ref.c's float steps. */
static void x86_rmsnorm(float *out, const float *x, const float *w, int n, float eps)
{
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
    __m128d h;
    double sum;
    float mean, scale;
    __m256 vs;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i), v2 = _mm256_mul_ps(v, v);
        s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(v2)));
        s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(v2, 1)));
    }
    s0 = _mm256_add_pd(s0, s1);
    h = _mm_add_pd(_mm256_castpd256_pd128(s0), _mm256_extractf128_pd(s0, 1));
    sum = _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
    for (; i < n; i++) sum += (double)(x[i] * x[i]);
    mean = (float)(sum / (double)n);
    scale = 1.0f / sqrtf(mean + eps);
    vs = _mm256_set1_ps(scale);
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), vs);
        if (w) v = _mm256_mul_ps(v, _mm256_loadu_ps(w + i));
        _mm256_storeu_ps(out + i, v);
    }
    for (; i < n; i++) out[i] = w ? (x[i] * scale) * w[i] : x[i] * scale;
}

/* e^x for 8 floats: x = n*ln2 + r (ln2 in two parts), e^r by a degree-6
 * polynomial (Cephes' expf coefficients), 2^n built in the exponent.
 * Within 2 ulp for x in [-87.3, 88.7]; below gives 0, above +inf; -inf
 * gives 0 exactly (masked attention). */
static inline __m256 x86_exp_ps(__m256 x)
{
    const __m256 hi = _mm256_set1_ps(88.7228f), lo = _mm256_set1_ps(-87.33654f);
    __m256 xc = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
    __m256 n = _mm256_round_ps(_mm256_mul_ps(xc, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), xc);
    __m256 p, e;
    __m256i ni;
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    /* 2^n in two halves so n = 128 (x near 88.7) does not overflow the exponent */
    ni = _mm256_cvtps_epi32(n);
    {
        __m256i n1 = _mm256_srai_epi32(ni, 1), n2 = _mm256_sub_epi32(ni, n1);
        __m256 f1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, _mm256_set1_epi32(127)), 23));
        __m256 f2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, _mm256_set1_epi32(127)), 23));
        e = _mm256_mul_ps(_mm256_mul_ps(p, f1), f2);
    }
    /* true underflow / overflow and -inf */
    e = _mm256_blendv_ps(e, _mm256_setzero_ps(), _mm256_cmp_ps(x, lo, _CMP_LT_OQ));
    e = _mm256_blendv_ps(e, _mm256_set1_ps(INFINITY), _mm256_cmp_ps(x, hi, _CMP_GT_OQ));
    return e;
}

static void x86_softmax(float *x, int n)
{
    float max = -INFINITY, inv;
    double sum = 0.0;
    __m256d s0 = _mm256_setzero_pd();
    __m128d h;
    int i = 0;
    for (i = 0; i < n; i++)
        if (x[i] > max) max = x[i];
    {
        __m256 vm = _mm256_set1_ps(max);
        for (i = 0; i + 8 <= n; i += 8) {
            __m256 e = x86_exp_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm));
            _mm256_storeu_ps(x + i, e);
            s0 = _mm256_add_pd(s0, _mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(e)),
                                                 _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1))));
        }
    }
    h = _mm_add_pd(_mm256_castpd256_pd128(s0), _mm256_extractf128_pd(s0, 1));
    sum = _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
    for (; i < n; i++) {
        x[i] = expf(x[i] - max);
        sum += (double)x[i];
    }
    inv = (float)(1.0 / sum);
    {
        __m256 vi = _mm256_set1_ps(inv);
        for (i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), vi));
    }
    for (; i < n; i++) x[i] = x[i] * inv;
}

/* silu(g) * up = g / (1 + e^-g) * up */
static void x86_swiglu(float *out, const float *gate, const float *up, int n)
{
    const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 g = _mm256_loadu_ps(gate + i);
        __m256 e = x86_exp_ps(_mm256_xor_ps(g, sign));
        _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_div_ps(g, _mm256_add_ps(one, e)), _mm256_loadu_ps(up + i)));
    }
    for (; i < n; i++) {
        float g = gate[i];
        out[i] = (g / (1.0f + expf(-g))) * up[i];
    }
}

/* The reference's entries for what this port does not accelerate (the
 * reference functions are private to ref.c; a call through its table). */
static void x86_dequant_row(int type, const void *x, float *y, int n) { clk_ref_kernels.dequant_row(type, x, y, n); }
static void x86_rope(float *x, int n_heads, int head_dim, int pos, const clk_rope *r)
{
    clk_ref_kernels.rope(x, n_heads, head_dim, pos, r);
}
static void x86_geglu(float *out, const float *gate, const float *up, int n) { clk_ref_kernels.geglu(out, gate, up, n); }

static const clk_kernels x86_kernels = {
    CLK_X86_NAME,
    x86_quantize_act,
    x86_matmul,
    x86_dequant_row,
    x86_dot_f32,
    x86_axpy_f32,
    x86_rmsnorm,
    x86_softmax,
    x86_rope,
    x86_swiglu,
    x86_geglu,
};

/* The table under the name the including file gives it (for PORT=x86,
 * where x86_dispatch.c chooses between the two at run time), and as the
 * port's table when this file's port is the one built. */
const clk_kernels *CLK_X86_TABLE(void);
const clk_kernels *CLK_X86_TABLE(void) { return &x86_kernels; }

#ifndef CLK_PORT_NAME
#define CLK_PORT_NAME ref
#endif
#define CLK_X86_ID_avx2 2
#define CLK_X86_ID_avx512 3
#define CLK_X86_PASTE_(a, b) a##b
#define CLK_X86_PASTE(a, b) CLK_X86_PASTE_(a, b)
#if CLK_X86_PASTE(CLK_X86_ID_, CLK_PORT_NAME) == CLK_X86_SELF
const clk_kernels *clk_port_kernels(void) { return &x86_kernels; }
#endif

#endif /* CLK_X86_KERNELS_H */
