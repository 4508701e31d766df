/*
 * gguf.h - a bounds-checked reader of GGUF v2/v3 files over a byte span.
 *
 * The file layout (little-endian throughout):
 *
 *   offset  bytes        field
 *   0       4            magic "GGUF"
 *   4       4            version: u32, 2 or 3 (1 and >3 are rejected)
 *   8       8            n_tensors: i64
 *   16      8            n_kv: i64
 *   24      ...          n_kv metadata pairs:
 *                          key    string  (u64 length + bytes, no NUL)
 *                          type   u32     (CLK_GGUF_* below)
 *                          value  by type; an array is u32 element type,
 *                                 u64 count, then the elements packed
 *   ...     ...          n_tensors tensor infos:
 *                          name   string  (< CLK_MAX_NAME bytes)
 *                          n_dims u32     (1..4)
 *                          ne     i64[n_dims]  ne[0] = row length (contiguous)
 *                          type   u32     (ggml type id, see port.h)
 *                          offset u64     relative to the data section
 *   ...     pad          zero padding to a multiple of `alignment`
 *   data    ...          tensor bytes; `general.alignment` (u32, power of two,
 *                        default 32) aligns the section and every tensor
 *
 * Every read is checked against the bytes that remain; every size product is
 * checked for overflow; every tensor's byte range must lie inside the file
 * and must not overlap another's. The parser keeps pointers into the caller's
 * buffer (usually an mmap of the file) and copies nothing.
 *
 * Usage:
 *     clk_gguf_header h;
 *     clk_gguf_peek(buf, len, &h, &err);              // counts, for the plan
 *     clk_plan_add(&plan, "gguf index", clk_gguf_index_bytes(&h));
 *     ...acquire the arena...
 *     clk_gguf g;
 *     clk_gguf_parse(&g, buf, len, &arena, &err);
 *     const clk_gguf_kv *kv = clk_gguf_find(&g, "general.architecture");
 *     const clk_gguf_tensor *t = clk_gguf_tensor_find(&g, "token_embd.weight");
 */
#ifndef CLK_GGUF_H
#define CLK_GGUF_H

#include "common.h"
#include "arena.h"

/* Metadata value types. */
enum {
    CLK_GGUF_U8 = 0,
    CLK_GGUF_I8 = 1,
    CLK_GGUF_U16 = 2,
    CLK_GGUF_I16 = 3,
    CLK_GGUF_U32 = 4,
    CLK_GGUF_I32 = 5,
    CLK_GGUF_F32 = 6,
    CLK_GGUF_BOOL = 7,
    CLK_GGUF_STRING = 8,
    CLK_GGUF_ARRAY = 9,
    CLK_GGUF_U64 = 10,
    CLK_GGUF_I64 = 11,
    CLK_GGUF_F64 = 12,
    CLK_GGUF_NTYPES = 13
};

/* A string inside the file: not NUL-terminated. */
typedef struct clk_str {
    const char *p;
    uint64_t n;
} clk_str;

/* One metadata pair. For scalars `val` points at the value's bytes; for a
 * string at its u64 length; for an array at the first element (after the
 * element type and count, which are decoded into arr_type / arr_n). */
typedef struct clk_gguf_kv {
    clk_str key;
    uint32_t type;     /* CLK_GGUF_* */
    uint32_t arr_type; /* element type if type == CLK_GGUF_ARRAY */
    uint64_t arr_n;    /* element count if type == CLK_GGUF_ARRAY */
    const uint8_t *val;
    uint64_t val_bytes; /* bytes of the whole value (for arrays: all elements) */
} clk_gguf_kv;

typedef struct clk_gguf_tensor {
    clk_str name;
    uint32_t n_dims;
    int64_t ne[CLK_MAX_DIMS]; /* unused dimensions are 1 */
    uint32_t type;            /* ggml type id (port.h CLK_T_*) */
    uint64_t offset;          /* from the start of the data section */
    uint64_t nbytes;          /* computed from type and ne */
    const uint8_t *data;      /* base + data_offset + offset */
} clk_gguf_tensor;

/* The fixed-size header: enough to plan the index. */
typedef struct clk_gguf_header {
    uint32_t version;
    uint64_t n_tensors;
    uint64_t n_kv;
} clk_gguf_header;

typedef struct clk_gguf {
    const uint8_t *base; /* the whole file */
    uint64_t size;
    uint32_t version;
    uint64_t n_kv;
    uint64_t n_tensors;
    clk_gguf_kv *kv;             /* [n_kv], in file order */
    clk_gguf_tensor *tensors;    /* [n_tensors], in file order */
    uint32_t alignment;          /* general.alignment or 32 */
    uint64_t data_offset;        /* start of the data section */
} clk_gguf;

/* Read and check the 24-byte header (magic, version, counts within
 * CLK_MAX_GGUF_KV / CLK_MAX_GGUF_TENSORS and plausible for the file size). */
clk_status clk_gguf_peek(const void *buf, uint64_t len, clk_gguf_header *h, clk_err *e);

/* Arena bytes clk_gguf_parse needs for the index of this header. */
uint64_t clk_gguf_index_bytes(const clk_gguf_header *h);
/* Add that to a plan, as the line "gguf index". */
void clk_gguf_plan(const clk_gguf_header *h, clk_plan *p);

/* Parse the whole file. On failure the message names the byte offset, the
 * field, what was expected and what was found. */
clk_status clk_gguf_parse(clk_gguf *g, const void *buf, uint64_t len, clk_arena *a, clk_err *e);

/* ---------------------------------------------------------------- lookups */

const clk_gguf_kv *clk_gguf_find(const clk_gguf *g, const char *key);
const clk_gguf_tensor *clk_gguf_tensor_find(const clk_gguf *g, const char *name);

/* Typed getters. Each returns CLK_OK and stores the value; CLK_E_DATA if
 * the key is absent (callers that have a default check clk_gguf_find
 * first); CLK_E_FORMAT if it has a type that cannot convert (integers
 * convert between widths when the value fits; f32/f64 convert to float). */
clk_status clk_gguf_get_u32(const clk_gguf *g, const char *key, uint32_t *out, clk_err *e);
clk_status clk_gguf_get_i64(const clk_gguf *g, const char *key, int64_t *out, clk_err *e);
clk_status clk_gguf_get_f32(const clk_gguf *g, const char *key, float *out, clk_err *e);
clk_status clk_gguf_get_bool(const clk_gguf *g, const char *key, int *out, clk_err *e);
clk_status clk_gguf_get_str(const clk_gguf *g, const char *key, clk_str *out, clk_err *e);

/* Arrays. clk_gguf_get_arr checks the element type (and, if want_n >= 0,
 * the count). Numeric element i of an array: */
clk_status clk_gguf_get_arr(const clk_gguf *g, const char *key, uint32_t elem_type, int64_t want_n,
                            const clk_gguf_kv **out, clk_err *e);
int64_t clk_gguf_arr_int(const clk_gguf_kv *kv, uint64_t i);   /* integer/bool element types */
float clk_gguf_arr_f32(const clk_gguf_kv *kv, uint64_t i);     /* f32/f64 element types */

/* String arrays are walked in order (elements have variable length):
 *     const uint8_t *it = kv->val;
 *     for (i = 0; i < kv->arr_n; i++) { clk_str s = clk_gguf_next_str(&it); ... }
 * Safe after a successful parse: every length was checked then. */
clk_str clk_gguf_next_str(const uint8_t **it);

/* Equality of a clk_str with a C string. */
int clk_str_eq(clk_str s, const char *c);

/* Name of a metadata type ("u32", "string", ...). */
const char *clk_gguf_type_name(uint32_t t);

#endif /* CLK_GGUF_H */
