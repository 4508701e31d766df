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
 * What is accepted, compared with llama.cpp (ggml/src/gguf.cpp):
 *   - versions 2 and 3; keys non-empty and unique; tensor names < CLK_MAX_NAME
 *     bytes and unique; 1..4 dimensions, each >= 0, ne[0] a multiple of the
 *     type's block size; known ggml type ids only.
 *   - nested arrays are accepted up to CLK_MAX_GGUF_NEST levels (llama.cpp
 *     rejects them; no model file uses them, but a reader must not crash).
 *   - tensor data: every offset a multiple of the alignment, every tensor
 *     inside the file, and the tensors in file order with no overlap
 *     (offset[i] >= offset[i-1] + nbytes[i-1]). llama.cpp demands more - the
 *     offsets exactly contiguous after padding - so every file it loads is
 *     accepted here; files with gaps between tensors are accepted too. The
 *     in-order rule makes the overlap check linear, without sorting.
 *   - with no tensors the file may end right after the tensor infos (the
 *     vocab-only files do); otherwise the padding before the data section
 *     must be present.
 *
 * Lookups by key and by tensor name go through two open-addressing hash
 * tables (FNV-1a) in the index, sized from the header counts; duplicates
 * are found while parsing, in linear time.
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
    uint64_t info_end;           /* end of the tensor infos (before the padding) */
    uint64_t data_end;           /* end of the last tensor's bytes (data_offset if none) */
    uint32_t *kv_hash;           /* [kv_hash_cap] kv index + 1, 0 = empty slot */
    uint32_t *t_hash;            /* [t_hash_cap] tensor index + 1, 0 = empty slot */
    uint32_t kv_hash_cap, t_hash_cap; /* powers of two >= 2 * count, or 0 */
} clk_gguf;

/* Read and check the 24-byte header (magic, version, counts within
 * CLK_MAX_GGUF_KV / CLK_MAX_GGUF_TENSORS and plausible for the file size:
 * every pair takes at least 14 bytes and every tensor info at least 32). */
clk_status clk_gguf_peek(const void *buf, uint64_t len, clk_gguf_header *h, clk_err *e);
/* The same when only the first head_len bytes of a file of file_size bytes
 * are at hand (reading without mmap: the header is read before the arena
 * that will hold the file exists). */
clk_status clk_gguf_peek_file(const void *head, uint64_t head_len, uint64_t file_size, clk_gguf_header *h,
                              clk_err *e);

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

/* Bytes of a tensor of ggml type `type` and shape ne[0..n_dims), with every
 * check the parser makes: known type, 1..CLK_MAX_DIMS dimensions, each
 * >= 0, ne[0] a multiple of the block size, no overflow of the element
 * count or the byte count. `name` only labels the error message. */
clk_status clk_gguf_tensor_bytes(const char *name, uint32_t type, uint32_t n_dims, const int64_t *ne,
                                 uint64_t *nbytes, clk_err *e);

/* ================================================================ writer
 *
 * Writes a GGUF v3 (or v2) file front to back, through a clk_out sink or
 * into a caller's buffer, computing the tensor offsets and every padding
 * byte. Nothing is buffered and nothing is allocated: the calls follow the
 * file order, and the writer checks the order and the counts.
 *
 *     clk_gguf_writer w;
 *     clk_gguf_w_init_out(&w, &out, &err);        // or _init_buf(&w, buf, cap, &err)
 *     clk_gguf_w_begin(&w, 3, n_kv, n_tensors);   // header
 *     clk_gguf_w_str(&w, "general.architecture", "llama");
 *     clk_gguf_w_u32(&w, "llama.block_count", 2); // ... exactly n_kv pairs
 *     clk_gguf_w_tensor_info(&w, "token_embd.weight", 2, ne, CLK_T_Q8_0);  // n_tensors infos
 *     clk_gguf_w_data(&w, bytes, n); ...          // each tensor's bytes, in info order,
 *     clk_gguf_w_tensor_end(&w, nbytes);          //   then its padding
 *     clk_gguf_w_finish(&w);                      // checks every count
 *
 * Writing "general.alignment" (u32, a power of two) before the tensor infos
 * sets the alignment. With clk_gguf_w_init_buf(&w, NULL, 0, e) nothing is
 * stored and w.pos counts the bytes: the file size, for a plan.
 * Each call returns CLK_OK or the error (also kept in *w.e): a call out of
 * order, more pairs or tensors than the header promised, a tensor's bytes
 * not matching its info, a full buffer, or the sink's own failure. */
typedef struct clk_gguf_writer {
    clk_out *out;          /* sink, or NULL when writing into buf             */
    uint8_t *buf;          /* [cap] caller's buffer, or NULL (measure only)   */
    uint64_t cap;
    uint64_t pos;          /* bytes produced so far: the file offset          */
    uint32_t alignment;    /* 32, or the general.alignment written            */
    int stage;             /* 0 before begin, 1 pairs, 2 infos, 3 data, 4 done */
    uint64_t n_kv, n_tensors;      /* promised by the header                  */
    uint64_t kv_done, info_done;   /* written so far                          */
    uint64_t tensors_done;         /* tensors whose bytes are complete        */
    uint64_t data_size;    /* data-section bytes the infos promise (padded)   */
    uint64_t data_pos;     /* data-section bytes written                      */
    uint64_t cur_start;    /* data_pos where the current tensor began         */
    clk_err *e;
} clk_gguf_writer;

void clk_gguf_w_init_out(clk_gguf_writer *w, clk_out *out, clk_err *e);
void clk_gguf_w_init_buf(clk_gguf_writer *w, void *buf, uint64_t cap, clk_err *e);

clk_status clk_gguf_w_begin(clk_gguf_writer *w, uint32_t version, uint64_t n_kv, uint64_t n_tensors);

/* One metadata pair each. Keys are NUL-terminated. */
clk_status clk_gguf_w_u8(clk_gguf_writer *w, const char *key, uint8_t v);
clk_status clk_gguf_w_i8(clk_gguf_writer *w, const char *key, int8_t v);
clk_status clk_gguf_w_u16(clk_gguf_writer *w, const char *key, uint16_t v);
clk_status clk_gguf_w_i16(clk_gguf_writer *w, const char *key, int16_t v);
clk_status clk_gguf_w_u32(clk_gguf_writer *w, const char *key, uint32_t v);
clk_status clk_gguf_w_i32(clk_gguf_writer *w, const char *key, int32_t v);
clk_status clk_gguf_w_u64(clk_gguf_writer *w, const char *key, uint64_t v);
clk_status clk_gguf_w_i64(clk_gguf_writer *w, const char *key, int64_t v);
clk_status clk_gguf_w_f32(clk_gguf_writer *w, const char *key, float v);
clk_status clk_gguf_w_f64(clk_gguf_writer *w, const char *key, double v);
clk_status clk_gguf_w_bool(clk_gguf_writer *w, const char *key, int v);
clk_status clk_gguf_w_str(clk_gguf_writer *w, const char *key, const char *v);
clk_status clk_gguf_w_strn(clk_gguf_writer *w, const char *key, const char *v, uint64_t n);
/* A numeric array: elems points at n host values of the element type's C
 * type (uint8_t, int8_t, ..., float, double; bool as uint8_t), written
 * little-endian. */
clk_status clk_gguf_w_arr(clk_gguf_writer *w, const char *key, uint32_t elem_type, uint64_t n, const void *elems);
/* An array of n NUL-terminated strings. */
clk_status clk_gguf_w_arr_str(clk_gguf_writer *w, const char *key, const char *const *strs, uint64_t n);
/* A pair copied verbatim from a parsed file (any type, nested arrays too). */
clk_status clk_gguf_w_kv_copy(clk_gguf_writer *w, const clk_gguf_kv *kv);
/* A pair whose value bytes the caller encodes (for test fixtures: nested
 * arrays, deliberately broken values). */
clk_status clk_gguf_w_raw(clk_gguf_writer *w, const char *key, uint32_t type, const void *val, uint64_t n);

/* One tensor info; its offset is the padded sum of the earlier tensors'
 * bytes. Fails on what clk_gguf_tensor_bytes rejects. */
clk_status clk_gguf_w_tensor_info(clk_gguf_writer *w, const char *name, uint32_t n_dims, const int64_t *ne,
                                  uint32_t type);
/* Bytes of the current tensor (any number of calls; the first one writes
 * the padding before the data section). */
clk_status clk_gguf_w_data(clk_gguf_writer *w, const void *p, uint64_t n);
/* The current tensor is complete: exactly nbytes were written for it
 * (nbytes as clk_gguf_tensor_bytes gives for its info: the writer keeps no
 * per-tensor table, so it checks each tensor against the size stated here
 * and the sum of all of them against the infos, in clk_gguf_w_finish).
 * Writes the padding to the next multiple of the alignment. */
clk_status clk_gguf_w_tensor_end(clk_gguf_writer *w, uint64_t nbytes);
/* clk_gguf_w_data + clk_gguf_w_tensor_end. */
clk_status clk_gguf_w_tensor(clk_gguf_writer *w, const void *p, uint64_t nbytes);
/* Every promised pair, info and tensor was written. */
clk_status clk_gguf_w_finish(clk_gguf_writer *w);

#endif /* CLK_GGUF_H */
