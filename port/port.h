/*
 * port.h - the only door from src/ to the machine: tensor formats and
 * compute kernels (one implementation per instruction set, chosen at build
 * time), and the operating system (files, mmap, directories, threads,
 * clocks). Nothing in src/ includes an intrinsics header or a POSIX header;
 * nothing here includes anything from src/.
 *
 * Files:
 *   port.h          this interface
 *   ref.c           plain C reference kernels: the specification. Always
 *                   compiled; every other port is tested against it.
 *   x86_avx2.c      AVX2 + FMA + F16C kernels           (make PORT=avx2)
 *   x86_avx512.c    AVX-512 (+VNNI where present)      (make PORT=avx512)
 *   arm_neon.c      NEON, dot-product extension where present (make PORT=neon)
 *   sys_posix.c     files, mmap, directories, clock, thread pool
 *
 * Kernels are reached through a table (clk_kernels) that the selected port
 * fills; entries a port does not accelerate point at the reference
 * functions. Call sites never branch on the instruction set.
 *
 * Usage:
 *     const clk_kernels *k = clk_port_kernels();
 *     k->quantize_act(CLK_T_Q4_K, 0, x, xq, n_embd);   // once per input row
 *     clk_mm mm = { CLK_T_Q4_K, w, w_row, n_embd, xq, xq_row, 1, y, n_out, 0, n_out, 0 };
 *     k->matmul(&mm);
 */
#ifndef CLK_PORT_H
#define CLK_PORT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* =========================================================== tensor types */

/* ggml's type ids, as stored in GGUF tensor infos. */
enum {
    CLK_T_F32 = 0,
    CLK_T_F16 = 1,
    CLK_T_Q4_0 = 2,
    CLK_T_Q4_1 = 3,
    CLK_T_Q5_0 = 6,
    CLK_T_Q5_1 = 7,
    CLK_T_Q8_0 = 8,
    CLK_T_Q8_1 = 9,
    CLK_T_Q2_K = 10,
    CLK_T_Q3_K = 11,
    CLK_T_Q4_K = 12,
    CLK_T_Q5_K = 13,
    CLK_T_Q6_K = 14,
    CLK_T_Q8_K = 15,
    CLK_T_BF16 = 30,
    CLK_T_COUNT = 48 /* ids are < CLK_T_COUNT */
};

/* What is known about one type id. */
typedef struct clk_type_info {
    const char *name;  /* "q4_K", as ggml names it; NULL: unknown id          */
    int blck;          /* elements per block                                  */
    int bytes;         /* bytes per block                                     */
    int act;           /* activation type its dot products use (CLK_T_*)      */
    int compute;       /* 1 if clika can multiply with it                     */
} clk_type_info;

/* Info for id t, or NULL if t is not a ggml type clika knows the layout of. */
const clk_type_info *clk_type(int t);

/* Bytes of a row of n elements of type t (n a multiple of the block size). */
size_t clk_row_bytes(int t, int64_t n);

/* ----------------------------------------------------------- block layouts */
/* Each struct is the byte layout of ggml-common.h; sizes are checked below.
 * d/m/dmin are IEEE half floats (uint16_t bits) unless noted. */

#define CLK_QK 32   /* elements per block, 32-element formats */
#define CLK_QKK 256 /* elements per super-block, K-quants     */

typedef struct { uint16_t d; int8_t qs[32]; } clk_block_q8_0;             /* x = d*q                    */
typedef struct { uint16_t d, s; int8_t qs[32]; } clk_block_q8_1;          /* s = d*sum(q)               */
typedef struct { uint16_t d; uint8_t qs[16]; } clk_block_q4_0;            /* x = d*(nib-8)              */
typedef struct { uint16_t d, m; uint8_t qs[16]; } clk_block_q4_1;         /* x = d*nib + m              */
typedef struct { uint16_t d; uint8_t qh[4]; uint8_t qs[16]; } clk_block_q5_0;  /* x = d*(q-16)       */
typedef struct { uint16_t d, m; uint8_t qh[4]; uint8_t qs[16]; } clk_block_q5_1; /* x = d*q + m      */
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qs[128]; } clk_block_q4_K;
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qh[32]; uint8_t qs[128]; } clk_block_q5_K;
typedef struct { uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; uint16_t d; } clk_block_q6_K;
typedef struct { float d; int8_t qs[256]; int16_t bsums[16]; } clk_block_q8_K; /* f32 d; bsums per 16 */

#define CLK_PORT_CHECK(cond, name) typedef char clk_port_check_##name[(cond) ? 1 : -1]
CLK_PORT_CHECK(sizeof(clk_block_q8_0) == 34, q8_0);
CLK_PORT_CHECK(sizeof(clk_block_q8_1) == 36, q8_1);
CLK_PORT_CHECK(sizeof(clk_block_q4_0) == 18, q4_0);
CLK_PORT_CHECK(sizeof(clk_block_q4_1) == 20, q4_1);
CLK_PORT_CHECK(sizeof(clk_block_q5_0) == 22, q5_0);
CLK_PORT_CHECK(sizeof(clk_block_q5_1) == 24, q5_1);
CLK_PORT_CHECK(sizeof(clk_block_q4_K) == 144, q4_K);
CLK_PORT_CHECK(sizeof(clk_block_q5_K) == 176, q5_K);
CLK_PORT_CHECK(sizeof(clk_block_q6_K) == 210, q6_K);
CLK_PORT_CHECK(sizeof(clk_block_q8_K) == 292, q8_K);

/* ------------------------------------------------ half and bfloat16 (exact) */

static inline float clk_bits_f32(uint32_t u) { union { uint32_t u; float f; } v; v.u = u; return v.f; }
static inline uint32_t clk_f32_bits(float f) { union { uint32_t u; float f; } v; v.f = f; return v.u; }

/* IEEE half -> float, exact for every input including subnormals, inf, NaN. */
static inline float clk_fp16_to_fp32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1F, man = h & 0x3FF;
    if (exp == 0x1F) return clk_bits_f32(sign | 0x7F800000u | (man << 13));
    if (exp == 0) {
        float f = (float)man * (1.0f / 16777216.0f); /* man * 2^-24 */
        return sign ? -f : f;
    }
    return clk_bits_f32(sign | ((exp + 112) << 23) | (man << 13));
}

/* float -> IEEE half, round to nearest even (as F16C and ARM do). */
static inline uint16_t clk_fp32_to_fp16(float f)
{
    uint32_t x = clk_f32_bits(f), sign = (x >> 16) & 0x8000, ax = x & 0x7FFFFFFFu;
    if (ax >= 0x7F800000u) return (uint16_t)(sign | 0x7C00 | (ax > 0x7F800000u ? 0x200 : 0)); /* inf/NaN */
    if (ax >= 0x477FF000u) return (uint16_t)(sign | 0x7C00);                                 /* overflow */
    if (ax < 0x38800000u) { /* result is subnormal or zero: scale into integer units of 2^-24 */
        float a = clk_bits_f32(ax) * 16777216.0f;      /* exact: power-of-two scaling */
        uint32_t r = (uint32_t)a;                       /* truncate, then round half to even */
        float rem = a - (float)r;
        if (rem > 0.5f || (rem == 0.5f && (r & 1))) r++;
        return (uint16_t)(sign | r);
    }
    {
        uint32_t r = ax + 0xC8000FFFu + ((ax >> 13) & 1); /* rebias exponent and round to even */
        return (uint16_t)(sign | (r >> 13));
    }
}

/* bfloat16 <-> float: bf16 is the top half of a float; rounding to nearest
 * even, NaN kept quiet (as ggml's GGML_FP32_TO_BF16). */
static inline float clk_bf16_to_fp32(uint16_t h) { return clk_bits_f32((uint32_t)h << 16); }
static inline uint16_t clk_fp32_to_bf16(float f)
{
    uint32_t u = clk_f32_bits(f);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((u >> 16) | 64); /* quiet NaN */
    return (uint16_t)((u + (0x7FFFu + ((u >> 16) & 1))) >> 16);
}

/* ggml's nearest_int: adding 1.5 * 2^23 moves the integer part of v into
 * the low mantissa bits, and the float addition itself rounds half to even;
 * the integer is then read back from the bits. Exact for |v| < 2^22. For
 * larger |v| (ggml only asserts in debug builds) the result is whatever the
 * bits say - the same garbage as ggml's, which is the point. */
static inline int clk_nearest_int(float v)
{
    float t = v + 12582912.0f;
    return (int)(clk_f32_bits(t) & 0x007FFFFFu) - 0x00400000;
}

/* A Q8_K activation block of 256 from its largest |x| (amax) and that
 * element with its sign (max), in scalar: ref.c's rules (act_q8_K_block),
 * shared by every port that needs them in scalar. */
static inline void clk_q8_K_from_max(const float *x, clk_block_q8_K *y, float amax, float max)
{
    float iscale;
    int j, g;
    if (amax == 0.0f) {
        memset(y, 0, sizeof *y);
        return;
    }
    iscale = -127.0f / max;
    for (j = 0; j < 256; j++) {
        int v = clk_nearest_int(iscale * x[j]);
        y->qs[j] = (int8_t)(v < 127 ? v : 127);
    }
    for (g = 0; g < 16; g++) {
        int sum = 0;
        for (j = 0; j < 16; j++) sum += y->qs[16 * g + j];
        y->bsums[g] = (int16_t)sum;
    }
    y->d = 1.0f / iscale;
}

/* ================================================================ kernels */

/* Activation handling for a matmul. CLK_ACT_NATIVE converts activations to
 * the weight type's dot-product type as llama.cpp does (f16 for F16
 * weights, Q8_0 for Q4_0/Q5_0/Q8_0, Q8_1 for Q4_1/Q5_1, Q8_K for K-quants)
 * and multiplies in integers. CLK_ACT_F32 keeps activations in f32 and
 * dequantizes weights instead: slower, no activation rounding, for tests. */
enum { CLK_ACT_NATIVE = 0, CLK_ACT_F32 = 1 };

/* One matmul tile: y[i*ldy + r] = dot(weight row r, activation row i)
 * for r in [r0, r1) and i in [0, m).
 *
 * Contract every port keeps: the float result of each (i, r) depends only
 * on weight row r, activation row i, k and act - never on r0, r1, m, the
 * thread, or where the element falls in a SIMD tile. This is what makes
 * results bitwise identical for any thread count and any batch split
 * (a cached prefix plus a suffix gives the same logits as one batch). */
typedef struct clk_mm {
    int wtype;        /* CLK_T_* of the weights                                  */
    const void *w;    /* weight row r at (const char *)w + r * w_row             */
    size_t w_row;     /* bytes per weight row (clk_row_bytes(wtype, k))          */
    int k;            /* elements per row                                        */
    const void *x;    /* activations from quantize_act(wtype, act, ...); row i at
                         (const char *)x + i * x_row                            */
    size_t x_row;     /* bytes per activation row (>= clk_act_row_bytes(wtype, act, k)) */
    int m;            /* activation rows                                         */
    float *y;         /* output, row-major [m][ldy]                             */
    size_t ldy;
    int r0, r1;       /* weight rows to compute                                  */
    int act;          /* CLK_ACT_NATIVE or CLK_ACT_F32                           */
} clk_mm;

/* RoPE parameters for one rotation of n_rot dimensions of a head. */
typedef struct clk_rope {
    int n_rot;                 /* rotated dimensions (<= head dim), even       */
    int neox;                  /* 0: pairs (x[2i], x[2i+1]) - llama "normal"
                                  1: pairs (x[i], x[i + n_rot/2]) - NEOX       */
    float freq_base;           /* theta base, e.g. 10000 or 1e6               */
    float freq_scale;          /* 1 / linear scaling factor                   */
    const float *freq_factors; /* [n_rot/2] divisors (Llama 3.1 rope_freqs) or NULL */
} clk_rope;

/* Stack: one kernel call uses at most this many bytes of stack (the x86
 * prefill tile is the largest user, checked at compile time there);
 * sys_posix.c sizes its worker threads from it. */
#ifndef CLK_KERNEL_STACK
#define CLK_KERNEL_STACK (160 * 1024)
#endif

/* The kernel table. What a port must reproduce from port/ref.c (which
 * states every arithmetic order in its comments):
 *   exactly, bit for bit:  quantize_act (the activation bytes, including
 *     f16/bf16 rounding and Q8 rounding half to even with 127/amax),
 *     dequant_row, and the GELU table values of geglu (clk_gelu_half);
 *   up to rounding:  matmul, dot_f32, axpy_f32, rmsnorm, softmax, rope,
 *     swiglu, geglu's product - a port may sum in another order, fuse
 *     multiply-adds or use a vectorised exp, within the tolerances its tests
 *     name, but must keep the clk_mm contract (results independent of the
 *     tile) and give the same bits for the same inputs on every call.
 * NaN inputs give unspecified (but deterministic) results. */
typedef struct clk_kernels {
    const char *name; /* "ref", "avx2", "avx512", "neon" */

    /* Convert one activation row x[k] for a matmul with wtype weights.
     * Every port produces the reference's bytes exactly. */
    void (*quantize_act)(int wtype, int act, const float *x, void *y, int k);
    /* The matmul tile above. */
    void (*matmul)(const clk_mm *mm);
    /* y[n] = weight row x of type `type`, dequantized (bit-exact with ggml;
     * any compute type, F32 included). */
    void (*dequant_row)(int type, const void *x, float *y, int n);

    /* sum_i a[i]*b[i] */
    float (*dot_f32)(const float *a, const float *b, int n);
    /* y[i] += a * x[i] */
    void (*axpy_f32)(float *y, float a, const float *x, int n);
    /* out[i] = x[i] / sqrt(mean(x^2) + eps) * (w ? w[i] : 1); out may be x.
     * The sum of squares is accumulated in double, as ggml does. */
    void (*rmsnorm)(float *out, const float *x, const float *w, int n, float eps);
    /* In place: x[i] = exp(x[i] - max) / sum; the sum is accumulated in double. */
    void (*softmax)(float *x, int n);
    /* Rotate n_heads heads of head_dim floats (contiguous) at position pos. */
    void (*rope)(float *x, int n_heads, int head_dim, int pos, const clk_rope *r);
    /* out[i] = silu(gate[i]) * up[i];  silu(x) = x / (1 + e^-x) */
    void (*swiglu)(float *out, const float *gate, const float *up, int n);
    /* out[i] = gelu_tanh(gate[i]) * up[i], gelu through ggml's f16 table
     * (input rounded to f16, table value f16; gate <= -10 gives 0, gate >= 10
     * gives gate * up). */
    void (*geglu)(float *out, const float *gate, const float *up, int n);
} clk_kernels;

/* One entry of ggml's f16 GELU table: f16(gelu_tanh(f32(h))) computed in
 * ggml-cpu's float order (see ref.c). The reference geglu calls it per
 * element; a port may fill a 65536-entry table from it instead. */
uint16_t clk_gelu_half(uint16_t h);

/* Bytes of one activation row of k elements for a matmul with wtype weights:
 * k*4 for CLK_ACT_F32 and F32 weights; k*2 for F16/BF16; k/32*34 (Q8_0),
 * k/32*36 (Q8_1) or k/256*292 (Q8_K) otherwise. The formats are the same
 * in every port. */
size_t clk_act_row_bytes(int wtype, int act, int k);

/* The reference kernels (port/ref.c): always linked, the specification. */
extern const clk_kernels clk_ref_kernels;

/* The kernels of the port this binary was built with (PORT=...). */
const clk_kernels *clk_port_kernels(void);

/* Weight quantizers for `clika quantize` (reference only; the algorithms of
 * ggml's quantize_row_*_ref without importance matrix, byte-identical with
 * llama-quantize for Q8_0 Q4_0 Q4_1 Q5_0 Q5_1 Q4_K Q5_K Q6_K F16 BF16; F32
 * is a copy). Returns 1, or 0 if type t cannot be produced. n is a multiple
 * of the type's block size; rows are independent, so a tensor may be
 * quantized row by row or all at once with the same bytes. */
int clk_quantize_row(int t, const float *x, void *y, int64_t n);

/* ====================================================== operating system */

/* Build facts, for `clika info`. */
const char *clk_port_build(void); /* "port=neon target=aarch64-linux-gnu cc=gcc 12.2.0 threads=1 flags=-O2_-static" */

/* A whole file, read-only: mmap'd where the platform has it, else read into
 * memory the caller planned (clk_sys_read). */
typedef struct clk_map {
    const uint8_t *data;
    uint64_t size;
    int mapped; /* 1: munmap on release */
} clk_map;

/* Why a system call failed, e.g. "open 'x.gguf': No such file or directory".
 * Every clk_sys_* call that returns int returns 0 on success and -1 on
 * failure, with the reason here; src/ turns it into a clk_err. */
typedef struct clk_oserr {
    char msg[320];
} clk_oserr;

int clk_sys_can_map(void);
int clk_sys_stat(const char *path, uint64_t *size, int *is_dir); /* 0 = ok, -1 = missing/unreadable */
int clk_sys_map(const char *path, clk_map *m, clk_oserr *e);
int clk_sys_read(const char *path, void *buf, uint64_t cap, clk_map *m, clk_oserr *e);
/* The first (at most) n bytes of a file into buf; *got says how many. For
 * planning a read without mmap: the GGUF header sizes the index before the
 * arena that will hold the whole file exists. */
int clk_sys_read_head(const char *path, void *buf, uint64_t n, uint64_t *got, clk_oserr *e);
void clk_sys_unmap(clk_map *m);

/* Call fn(ctx, name, is_dir) for each entry of a directory except . and ..,
 * in sorted (byte) order; stops early when fn returns non-zero. Uses a
 * caller-provided name buffer of `cap` bytes to sort without allocating. */
int clk_sys_listdir(const char *path, char *names, size_t cap,
                    int (*fn)(void *ctx, const char *name, int is_dir), void *ctx, clk_oserr *e);
int clk_sys_mkdirs(const char *path, clk_oserr *e);

/* Output files. clk_sys_create writes to "<path>.tmp-<pid>" and
 * clk_sys_commit fsyncs and renames it into place, so a failed run never
 * leaves half a file; clk_sys_append opens (creating) a file for appending
 * results item by item. */
typedef struct clk_file {
    int fd;
    int atomic;
    char path[4096];
    char tmp[4096 + 32];
} clk_file;
int clk_sys_create(clk_file *f, const char *path, clk_oserr *e);
int clk_sys_append(clk_file *f, const char *path, clk_oserr *e);
int clk_sys_write(clk_file *f, const void *p, size_t n, clk_oserr *e);
int clk_sys_sync(clk_file *f, clk_oserr *e);
int clk_sys_truncate(clk_file *f, uint64_t size, clk_oserr *e);
int clk_sys_commit(clk_file *f, clk_oserr *e);
void clk_sys_abandon(clk_file *f);
int clk_sys_remove(const char *path);

double clk_sys_seconds(void);        /* monotonic clock */
int clk_sys_isatty(int fd);
uint64_t clk_sys_peak_rss(void);     /* bytes, 0 if unknown */
int clk_sys_ncpu(void);

/* ------------------------------------------------------------ thread pool */
/* A fixed pool created at start-up. The calling thread is worker 0; n-1
 * more threads wait (spinning briefly, then sleeping) for work. Built with
 * THREADS=0 the pool runs every task on the caller. Task i of a run always
 * writes its own outputs, so results never depend on which worker ran it. */
typedef struct clk_pool clk_pool;
typedef void (*clk_task_fn)(void *ctx, int task, int n_tasks);

size_t clk_pool_bytes(int n_threads);                   /* memory the pool needs */
int clk_pool_start(clk_pool **pool, void *mem, int n_threads, clk_oserr *e);
int clk_pool_threads(const clk_pool *p);
void clk_pool_run(clk_pool *p, clk_task_fn fn, void *ctx, int n_tasks); /* returns when all done */
void clk_pool_stop(clk_pool *p);

#endif /* CLK_PORT_H */
