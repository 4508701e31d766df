/*
 * common.h - what every stage of clika shares: status codes, the error
 * record, output sinks, small byte helpers, and the named limits.
 *
 * Pipeline (one stage per file; a file includes only earlier stages):
 *
 *   common, arena, jsonl   base layer (no pipeline position)
 *   gguf                   model file bytes -> header, metadata, tensor index
 *   model                  tensor index -> hyper-parameters, bound weights, memory plan
 *   quantize               a model file -> the same model in other tensor types (side
 *                          branch for `clika quantize` and tools/make_model; issue 5)
 *   tokenizer              GGUF vocabulary -> text <-> token ids
 *   forward                tokens -> logits (through port/ kernels)
 *   eval                   scoring: CLiKA prompts -> live model answers and option scores
 *                          (the scoring modes letter / generate / option)
 *   metrics                answers -> numbers, in three files in this order:
 *     metrics                the formulas: accuracy, RA, en-CO, XRR, RankC (pure math,
 *                            no I/O; includes only common.h)
 *     score                  result files -> per-item correctness aligned across
 *                            languages, then the formulas above per task and language
 *     fictional              the fictional stream's answers -> XRR counts, gates (issue 9)
 *   report                 metrics -> report.json / .md / .csv / .svg text
 *   main                   the CLI: the only place that prints, exits or acquires memory
 *
 * Rules this header encodes:
 *   - Library functions return clk_status and, on failure, fill a clk_err
 *     whose text says where, what was expected and what was found.
 *   - Every fixed capacity is a named CLK_MAX_* limit below, overridable
 *     with -D (Lua's luaconf.h style). Exceeding one is CLK_E_LIMIT with a
 *     message naming the limit, never an assert.
 */
#ifndef CLK_COMMON_H
#define CLK_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

/* ---------------------------------------------------------------- status */

typedef enum clk_status {
    CLK_OK = 0,
    CLK_E_ARG,         /* bad argument: command line or API misuse          */
    CLK_E_IO,          /* the OS refused: open, read, write, rename, mmap    */
    CLK_E_FORMAT,      /* malformed input bytes: GGUF, JSON, UTF-8           */
    CLK_E_UNSUPPORTED, /* well-formed but not handled: version, arch, type   */
    CLK_E_DATA,        /* inconsistent input: misaligned ids, missing lang   */
    CLK_E_LIMIT,       /* a named CLK_MAX_* limit was exceeded               */
    CLK_E_NOMEM,       /* the arena (or --mem-limit) is too small            */
    CLK_E_INTERNAL     /* a bug in clika: an invariant did not hold          */
} clk_status;

/* Short, stable name of a status ("format", "limit", ...). */
const char *clk_status_name(clk_status s);

/* The error record. Fixed size: filling it never allocates. */
#ifndef CLK_ERR_LEN
#define CLK_ERR_LEN 512
#endif
typedef struct clk_err {
    clk_status status;
    char msg[CLK_ERR_LEN];
} clk_err;

#if defined(__GNUC__) || defined(__clang__)
#define CLK_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define CLK_MAYBE_UNUSED __attribute__((unused))
#else
#define CLK_PRINTF(f, a)
#define CLK_MAYBE_UNUSED
#endif

/* Record a failure: sets e->status and formats e->msg, returns s so that
 * callers can write `return clk_fail(e, CLK_E_FORMAT, "...", ...);`.
 * e may be NULL (the message is dropped). */
clk_status clk_fail(clk_err *e, clk_status s, const char *fmt, ...) CLK_PRINTF(3, 4);

/* Prefix the existing message with context ("x_geo/zh: " + msg). */
clk_status clk_fail_wrap(clk_err *e, const char *fmt, ...) CLK_PRINTF(2, 3);

/* Propagate a failure unchanged. */
#define CLK_TRY(expr)                         \
    do {                                      \
        clk_status clk_try_s_ = (expr);       \
        if (clk_try_s_ != CLK_OK)             \
            return clk_try_s_;                \
    } while (0)

/* C99 compile-time check (no static_assert before C11). */
#define CLK_STATIC_ASSERT(cond, name) typedef char clk_static_assert_##name[(cond) ? 1 : -1]

/* ---------------------------------------------------------------- output */

/* An output sink. Library code writes text through it; main.c decides
 * whether the bytes land on stdout, in a temporary file that is renamed
 * into place, or in a memory buffer (tests). */
typedef struct clk_out {
    clk_status (*write)(void *ctx, const void *p, size_t n, clk_err *e);
    void *ctx;
    clk_err *err;      /* where write failures are reported */
} clk_out;

clk_status clk_out_write(clk_out *o, const void *p, size_t n);
clk_status clk_out_str(clk_out *o, const char *s);
/* printf-style; one call formats at most CLK_OUTF_LEN bytes. */
#ifndef CLK_OUTF_LEN
#define CLK_OUTF_LEN 1024
#endif
clk_status clk_outf(clk_out *o, const char *fmt, ...) CLK_PRINTF(2, 3);

/* A sink over a caller-provided buffer (reports built in memory, tests).
 * Overflow is CLK_E_LIMIT; the buffer stays NUL-terminated. */
typedef struct clk_buf {
    char *p;
    size_t cap, len;
} clk_buf;
clk_out clk_out_buf(clk_buf *b, clk_err *e);

/* ----------------------------------------------------------- small helpers */

/* Round n up to a multiple of a (a power of two). */
static inline size_t clk_align_up(size_t n, size_t a) { return (n + (a - 1)) & ~(a - 1); }

/* Overflow-checked arithmetic on sizes: return 0 on overflow. */
static inline int clk_mul_ok(uint64_t a, uint64_t b, uint64_t *out)
{
    if (a != 0 && b > UINT64_MAX / a) return 0;
    *out = a * b;
    return 1;
}
static inline int clk_add_ok(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b > UINT64_MAX - a) return 0;
    *out = a + b;
    return 1;
}

/* Little-endian loads from unaligned bytes (GGUF is little-endian). */
static inline uint16_t clk_rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t clk_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t clk_rd64(const uint8_t *p)
{
    return (uint64_t)clk_rd32(p) | ((uint64_t)clk_rd32(p + 4) << 32);
}

/* UTF-8: decode one code point from s[0..n). Returns its byte length
 * (1..4) and stores the code point, or returns 0 for an invalid or
 * truncated sequence (overlong forms, surrogates and > U+10FFFF are
 * invalid). */
int clk_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* Encode cp into out[0..4); returns the byte length (0 if cp is invalid). */
int clk_utf8_encode(uint32_t cp, unsigned char *out);
/* Length of the longest valid UTF-8 prefix of s[0..n); == n when all valid. */
size_t clk_utf8_valid_prefix(const unsigned char *s, size_t n);

/* Python's str.isspace() set (REFERENCE.md §2). */
int clk_is_py_space(uint32_t cp);

/* ASCII-only case-insensitive comparison of a NUL-terminated string with
 * the first n bytes of s (n == strlen(a) required for equality). */
int clk_ascii_ieq(const char *a, const char *s, size_t n);

/* Parse "512", "64K", "1.5G" (binary multiples) into bytes. */
clk_status clk_parse_bytes(const char *s, uint64_t *out, clk_err *e);
/* Parse a whole-string non-negative integer with bounds. */
clk_status clk_parse_int(const char *s, long lo, long hi, long *out, const char *what, clk_err *e);

/* ------------------------------------------------------------ the limits */
/*
 * @@ Every limit can be raised with -DNAME=value at build time. Each one
 * bounds a fixed array or a sanity check on untrusted input; none of them
 * sizes memory that scales with the model (that comes from the plan).
 */

/* Tensor name bytes, as GGML_MAX_NAME (names are < 64 bytes in GGUF). */
#ifndef CLK_MAX_NAME
#define CLK_MAX_NAME 64
#endif
/* Tensor dimensions in GGUF. */
#ifndef CLK_MAX_DIMS
#define CLK_MAX_DIMS 4
#endif
/* Transformer layers: per-layer arrays in the model struct are this long.
 * The largest open models have < 130 layers. */
#ifndef CLK_MAX_LAYERS
#define CLK_MAX_LAYERS 256
#endif
/* Metadata and tensor counts accepted from a GGUF header before anything
 * is sized from them (real files: < 100 keys, < 2000 tensors). */
#ifndef CLK_MAX_GGUF_KV
#define CLK_MAX_GGUF_KV 65536
#endif
#ifndef CLK_MAX_GGUF_TENSORS
#define CLK_MAX_GGUF_TENSORS 65536
#endif
/* Nesting depth of GGUF metadata arrays. */
#ifndef CLK_MAX_GGUF_NEST
#define CLK_MAX_GGUF_NEST 8
#endif
/* Any one width of a model read from a file: n_embd, n_ff, n_vocab,
 * n_head * head_dim, n_head_kv * head_dim. Real models stay below 2^19
 * (largest vocabularies ~262k, widest FFNs ~53k); the bound keeps every
 * memory-plan product far from 64-bit overflow whatever a file claims. */
#ifndef CLK_MAX_DIM
#define CLK_MAX_DIM (1 << 20)
#endif
/* Worker threads in the pool. */
#ifndef CLK_MAX_THREADS
#define CLK_MAX_THREADS 64
#endif
/* Languages and tasks in one scoring run (CLiKA has 10 and 4+1). */
#ifndef CLK_MAX_LANGS
#define CLK_MAX_LANGS 16
#endif
#ifndef CLK_MAX_TASKS
#define CLK_MAX_TASKS 8
#endif
/* Answer options of a multiple-choice item (CLiKA: at most 5, A-E). */
#ifndef CLK_MAX_OPTIONS
#define CLK_MAX_OPTIONS 10
#endif
/* Items per (task, language) file (CLiKA: at most 1000). */
#ifndef CLK_MAX_ITEMS
#define CLK_MAX_ITEMS 100000
#endif
/* LoRA adapters on one model (--lora, given several times). */
#ifndef CLK_MAX_ADAPTERS
#define CLK_MAX_ADAPTERS 16
#endif
/* Bytes of one path. */
#ifndef CLK_MAX_PATH
#define CLK_MAX_PATH 4096
#endif
/* Bytes of one JSONL line. */
#ifndef CLK_MAX_LINE
#define CLK_MAX_LINE (4u << 20)
#endif

/* ---- scoring limits (issue 2: jsonl, score) ---- */
/* Nesting depth of a JSON value (CLiKA records are 1-2 deep). */
#ifndef CLK_MAX_JSON_DEPTH
#define CLK_MAX_JSON_DEPTH 64
#endif
/* Characters of one JSON number literal (a double needs at most 17
 * significant digits; longer literals are legal JSON but suspicious). */
#ifndef CLK_MAX_JSON_NUMBER
#define CLK_MAX_JSON_NUMBER 256
#endif
/* Bytes of one file or directory name (POSIX NAME_MAX is 255). */
#ifndef CLK_MAX_FILENAME
#define CLK_MAX_FILENAME 256
#endif
/* Bytes of the buffer a directory listing is sorted in (a CLiKA task
 * directory has about 20 entries, about 600 bytes). */
#ifndef CLK_MAX_DIRLIST
#define CLK_MAX_DIRLIST 65536
#endif
/* ---- end of scoring limits ---- */

/* Alignment of every arena allocation: a cache line, and enough for any
 * SIMD load the ports use (AVX-512 = 64 bytes). */
#ifndef CLK_ALIGN
#define CLK_ALIGN 64
#endif

#endif /* CLK_COMMON_H */
