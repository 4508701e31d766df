/*
 * quantize.h - `clika quantize`: a model file re-encoded in another tensor
 * type, with the per-tensor type choices ("mixes") llama.cpp's
 * llama-quantize makes, streamed out tensor by tensor.
 *
 * Pipeline position: after model (it needs the hyper-parameters that the
 * mixes depend on); it reads a parsed GGUF and writes a new one through a
 * clk_out sink. It never allocates (all memory is the plan's), never prints,
 * never opens files.
 *
 * What gets written, for file type FTYPE (llama.cpp's llama_ftype numbers,
 * stored as general.file_type):
 *
 *   metadata   every pair of the input in its order, except
 *              general.quantization_version and general.file_type (moved to
 *              the end: u32 2 and u32 FTYPE, as llama-quantize appends them)
 *              and split.* (a split file cannot be rewritten as one);
 *              general.alignment, if present, is written as u32 32.
 *   tensors    in llama-quantize's order: tensors outside the blocks first,
 *              then block 0, 1, ...; inside each group by name (bytes).
 *              n_dims drops trailing dimensions of 1, as ggml does.
 *   types      chosen per tensor by clk_quant_choose (the README's
 *              "clika quantize" section lists the rules per file type):
 *              1. not a quantizable weight (fewer than 2 dimensions, a norm,
 *                 a name not ending in "weight", ...): kept as it is;
 *              2. the file type's default type (Q4_K for Q4_K_M, ...);
 *              3. unless --pure or an override matches, the mix rules:
 *                 output.weight (or token_embd when tied) -> Q6_K unless the
 *                 default is Q8_0 (Q8_0 when its rows do not fit the default
 *                 block); K-mixes raise attn_v and ffn_down of some layers;
 *              4. a row length that is not a multiple of the chosen type's
 *                 block falls back: Q4_K -> Q5_0, Q5_K -> Q5_1,
 *                 Q6_K -> Q8_0, and to F16 when even that does not fit.
 *                 llama.cpp stops with an error for a quantized type that
 *                 has no fallback (Q8_0, Q4_0, ... on 172-wide rows); clika
 *                 writes F16 for it and marks it CLK_QWHY_NOT_LLAMA.
 *   bytes      a tensor already in its chosen type is copied; any other is
 *              converted row by row: source -> f32 (dequant_row, bit-exact
 *              with ggml) -> clk_quantize_row (byte-identical with ggml's
 *              reference quantizers, no importance matrix). So an F32, F16
 *              or BF16 input gives exactly llama-quantize's file; an
 *              already quantized input is dequantized and quantized again
 *              (llama-quantize needs --allow-requantize for that).
 *
 * Memory (clk_quant_plan): the tensor list and the picks ([n_tensors]
 * each), two row buffers of chunk_rows rows of the widest tensor (f32
 * source rows, converted rows) and a write buffer. A tensor of any size
 * streams through them chunk by chunk; with a thread pool the rows of a
 * chunk are split between the threads (each row is independent, so the
 * bytes do not depend on the thread count).
 *
 * Usage (clika quantize):
 *     clk_quant_opts o;  clk_quant_opts_init(&o, CLK_FTYPE_Q4_K_M);
 *     clk_quant_plan_gguf(&gguf, &o, &plan, &err);   ...acquire...
 *     clk_quant q;
 *     clk_quant_init_gguf(&q, &gguf, &facts, &o, pool, &arena, &err);
 *     clk_quant_write(&q, &out, NULL, NULL, &err);
 * Generated models (tools/make_model.c) describe their tensors themselves
 * (data NULL) and hand clk_quant_init a row generator instead.
 */
#ifndef CLK_QUANTIZE_H
#define CLK_QUANTIZE_H

#include "common.h"
#include "arena.h"
#include "gguf.h"
#include "model.h"
#include "port.h"

/* File types: llama.cpp's llama_ftype values, as general.file_type. */
enum {
    CLK_FTYPE_F32 = 0,
    CLK_FTYPE_F16 = 1,
    CLK_FTYPE_Q4_0 = 2,
    CLK_FTYPE_Q4_1 = 3,
    CLK_FTYPE_Q8_0 = 7,
    CLK_FTYPE_Q5_0 = 8,
    CLK_FTYPE_Q5_1 = 9,
    CLK_FTYPE_Q4_K_S = 14,
    CLK_FTYPE_Q4_K_M = 15,
    CLK_FTYPE_Q5_K_S = 16,
    CLK_FTYPE_Q5_K_M = 17,
    CLK_FTYPE_Q6_K = 18,
    CLK_FTYPE_BF16 = 32
};

/* general.quantization_version written with every file (ggml's
 * GGML_QNT_VERSION). */
#define CLK_QUANT_VERSION 2

/* --tensor-type overrides one command may give. */
#ifndef CLK_MAX_QUANT_OVERRIDES
#define CLK_MAX_QUANT_OVERRIDES 16
#endif

/* Rows per chunk are chosen so that one row buffer holds about this many
 * bytes of f32 (and at least one row per thread). */
#ifndef CLK_QUANT_CHUNK_BYTES
#define CLK_QUANT_CHUNK_BYTES (4u << 20)
#endif
/* Bytes of the write buffer in front of the output sink. */
#ifndef CLK_QUANT_WBUF_BYTES
#define CLK_QUANT_WBUF_BYTES (1u << 20)
#endif

/* Name ("Q4_K_M") of a file type this stage can write, else NULL. */
const char *clk_quant_ftype_name(int ftype);
/* Parse a file type: a name in any case ("q4_k_m", "Q8_0", "f16"; "Q4_K"
 * and "Q5_K" mean the _M mixes, as in llama-quantize) or its number. */
clk_status clk_quant_ftype_parse(const char *s, int *ftype, clk_err *e);
/* The tensor type most weights of a file type get (Q4_K for Q4_K_M). */
int clk_quant_ftype_type(int ftype);
/* 1 if clk_quantize_row can produce type t. */
int clk_quant_can_write(int t);

typedef struct clk_quant_override {
    char pattern[CLK_MAX_NAME]; /* a substring of the tensor name              */
    int type;                   /* CLK_T_* to write when it matches            */
} clk_quant_override;

typedef struct clk_quant_opts {
    int ftype;       /* CLK_FTYPE_*                                                  */
    int pure;        /* 1: no mix rules, every weight in the default type            */
    int n_threads;   /* threads the plan is sized for (>= 1)                          */
    int n_override;
    clk_quant_override override[CLK_MAX_QUANT_OVERRIDES]; /* first match wins      */
} clk_quant_opts;

/* Defaults for a file type: mix rules on, no overrides, one thread. */
void clk_quant_opts_init(clk_quant_opts *o, int ftype);
/* Add overrides from "PATTERN=TYPE[,PATTERN=TYPE...]", e.g.
 * "ffn_down=f16,attn_v=q8_0". PATTERN matches as a plain substring of the
 * tensor name (llama-quantize takes a regular expression: the same for
 * patterns without regex metacharacters). As in llama-quantize, overrides
 * apply only when the file type's default type is a quantized one. */
clk_status clk_quant_parse_overrides(clk_quant_opts *o, const char *list, clk_err *e);

/* The facts about the model that the mix rules read. */
typedef struct clk_quant_model {
    int n_layer; /* block_count: ffn_down of layer i is raised by position i of n_layer */
    int is_70b;  /* llama.cpp's LLM_TYPE_70B (an 80-layer llama with GQA, an
                    80-layer qwen2): Q4_K attn_v becomes Q5_K                        */
} clk_quant_model;
void clk_quant_model_from_hparams(const clk_hparams *hp, clk_quant_model *m);

/* One input tensor. */
typedef struct clk_quant_tensor {
    clk_str name;
    uint32_t n_dims;                /* as stored in the input                       */
    int64_t ne[CLK_MAX_DIMS];       /* unused dimensions 1                           */
    int type;                       /* CLK_T_* of the source                        */
    const uint8_t *data;            /* the source bytes, or NULL: rows come from the
                                       generator given to clk_quant_init             */
} clk_quant_tensor;

/* Why a tensor got its type (bits). */
enum {
    CLK_QWHY_KEEP = 1 << 0,      /* not a quantizable weight: kept in its own type       */
    CLK_QWHY_MIX = 1 << 1,       /* a mix rule changed the default                        */
    CLK_QWHY_OVERRIDE = 1 << 2,  /* a --tensor-type pattern matched                       */
    CLK_QWHY_FALLBACK = 1 << 3,  /* rows do not fit the block: llama.cpp's fallback type  */
    CLK_QWHY_F16 = 1 << 4,       /* no quantized type fits the row length: F16            */
    CLK_QWHY_NOT_LLAMA = 1 << 5  /* llama-quantize would stop here (no fallback defined)  */
};

/* The decision for one tensor of the output, in output order. */
typedef struct clk_quant_pick {
    uint32_t src;     /* index of the tensor in the input list                  */
    int type;         /* CLK_T_* written                                        */
    int why;          /* CLK_QWHY_* bits                                        */
    int layer;        /* block number from "blk.N.", -1 outside the blocks       */
    uint32_t n_dims;  /* dimensions written (trailing 1s dropped, at least 1)   */
    uint64_t nbytes;  /* bytes written                                          */
} clk_quant_pick;

/* Decide every tensor's type and the output order. picks[n] receives the
 * output order. Fails (naming the tensor) only for an override to a type
 * clika cannot write or a type whose rows cannot hold the tensor. */
clk_status clk_quant_choose(const clk_quant_tensor *t, uint32_t n, const clk_quant_model *m,
                            const clk_quant_opts *o, clk_quant_pick *picks, clk_err *e);

/* Rows [row0, row0 + nrows) of tensor `tensor` (index in the input list)
 * as f32: out[nrows][ne[0]]. Called from several threads at once, for
 * disjoint rows. */
typedef void (*clk_quant_rows_fn)(void *ctx, uint32_t tensor, int64_t row0, int64_t nrows, float *out);

/* Called after each tensor is written (i: output position). */
struct clk_quant;
typedef void (*clk_quant_progress_fn)(void *ctx, const struct clk_quant *q, uint32_t i);

typedef struct clk_quant {
    const clk_gguf *meta;         /* metadata pairs copied to the output (its tensors unused) */
    const clk_quant_tensor *t;    /* [n_tensors] input tensors                             */
    uint32_t n_tensors;
    clk_quant_pick *pick;         /* [n_tensors] output order and types                     */
    clk_quant_opts opts;
    clk_quant_rows_fn rows;       /* generator for tensors without data                     */
    void *rows_ctx;
    clk_pool *pool;               /* or NULL: one thread                                    */
    int64_t ne0_max;              /* widest row of any tensor, in elements                  */
    int64_t chunk_rows;           /* rows per chunk                                         */
    float *xf;                    /* [chunk_rows][ne0_max] source rows in f32              */
    uint8_t *yq;                  /* [chunk_rows][ne0_max * 4] converted rows (no type is
                                     wider than f32)                                       */
    uint8_t *wbuf;                /* [CLK_QUANT_WBUF_BYTES] write buffer                    */
    /* results */
    uint64_t n_kv_out;            /* metadata pairs written                                 */
    uint64_t file_bytes;          /* size of the output file                                */
    uint64_t bytes_in, bytes_out; /* tensor bytes before / after                            */
    uint64_t n_elements;          /* weights in all tensors                                 */
    uint32_t n_converted;         /* tensors converted (the rest are copied)                */
    uint32_t n_fallback;          /* tensors that fell back (CLK_QWHY_FALLBACK or _F16)     */
    uint32_t n_requant;           /* tensors converted from an already quantized type       */
} clk_quant;

/* Arena lines for n_tensors tensors whose widest row has ne0_max elements:
 * "quantize tensor list" (only when with_list: the list built from a GGUF),
 * "quantize picks", "quantize source rows", "quantize output rows",
 * "quantize write buffer". */
void clk_quant_plan(uint32_t n_tensors, int64_t ne0_max, int with_list, const clk_quant_opts *o, clk_plan *p);
/* The same for quantizing a parsed GGUF. */
clk_status clk_quant_plan_gguf(const clk_gguf *g, const clk_quant_opts *o, clk_plan *p, clk_err *e);

/* Prepare to write: takes the planned memory, chooses the types, measures
 * the output file. `meta` gives the metadata pairs to copy (its tensors
 * are ignored; it may have none). */
clk_status clk_quant_init(clk_quant *q, const clk_gguf *meta, const clk_quant_tensor *t, uint32_t n,
                          clk_quant_rows_fn rows, void *rows_ctx, const clk_quant_model *m, const clk_quant_opts *o,
                          clk_pool *pool, clk_arena *a, clk_err *e);
/* The same with the tensors (and metadata) of a parsed GGUF. */
clk_status clk_quant_init_gguf(clk_quant *q, const clk_gguf *g, const clk_quant_model *m, const clk_quant_opts *o,
                               clk_pool *pool, clk_arena *a, clk_err *e);

/* Write the whole output file to `out`. A non-finite source value is
 * CLK_E_DATA naming the tensor, row and column. */
clk_status clk_quant_write(clk_quant *q, clk_out *out, clk_quant_progress_fn progress, void *ctx, clk_err *e);

/* Text of a pick's reasons: "mix", "fallback", "mix, fallback", "override",
 * "kept", "f16: rows fit no block" ... ("" for the plain default). */
const char *clk_quant_why(int why, char *buf, size_t cap);

#endif /* CLK_QUANTIZE_H */
