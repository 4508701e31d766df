/*
 * model.h - a decoder-only transformer described by a GGUF file: its
 * hyper-parameters and its weights, bound by name and checked by shape.
 *
 * Architectures (general.architecture):
 *   llama   Llama 2/3.x, SmolLM2, TinyLlama, stories260K: NORM RoPE, SwiGLU
 *   qwen2   Qwen2/2.5: + Q/K/V biases, NEOX RoPE, usually tied output
 *   qwen3   Qwen3: + per-head RMSNorm on Q and K, explicit head dim
 *   gemma2  Gemma 2: sqrt(n_embd) embedding scale, GeGLU, sandwich norms,
 *           attention and final soft-caps, sliding window on even layers
 *   gemma3  Gemma 3: as gemma2 with per-head Q/K norms, no attention cap,
 *           5 local : 1 global layers with their own RoPE base
 *
 * Weights stay where they are (the mmap of the file): a clk_tensor is a
 * typed view. Shapes use ggml's order: ne[0] is the row length, so a
 * PyTorch W[out][in] is ne = {in, out}: `out` rows of `in` values.
 *
 * What clk_model_load guarantees to the forward pass:
 *   - every matrix has exactly the shape the hyper-parameters give (per
 *     layer: n_head[il], n_head_kv[il], n_ff[il]) and a type with
 *     clk_type(t)->compute set; every vector (norms, biases, rope_freqs)
 *     is F32 - converters and llama-quantize always write them so;
 *   - optional tensors are NULL-data when absent: q/k/v biases (on any
 *     arch, as llama.cpp's create_tensor_qkv), attn_output.bias (llama),
 *     output.weight (then output == tok_embd, tied_output = 1; gemma2 is
 *     always tied), rope_freqs (llama);
 *   - no tensor of the file is left unused (else an error naming it);
 *   - widths are bounded by CLK_MAX_DIM, layers by CLK_MAX_LAYERS, so plan
 *     arithmetic cannot overflow;
 *   - RoPE: global layers use (rope_base, rope_freq_scale), sliding-window
 *     layers (swa_layer[il]) use (rope_base_swa, rope_freq_scale_swa); both
 *     pairs are always filled, equal where the arch has no local layers.
 * Fused attn_qkv, MoE and the optional llama FFN / qwen2 output biases are
 * not supported (a file with them fails with the tensor's name).
 *
 * Usage:
 *     clk_model m;
 *     clk_model_load(&m, &gguf, &err);   // after clk_gguf_parse
 *     m.hp.n_embd, m.layer[3].wq, ...
 */
#ifndef CLK_MODEL_H
#define CLK_MODEL_H

#include "common.h"
#include "gguf.h"

typedef enum clk_arch {
    CLK_ARCH_LLAMA = 0,
    CLK_ARCH_QWEN2,
    CLK_ARCH_QWEN3,
    CLK_ARCH_GEMMA2,
    CLK_ARCH_GEMMA3,
    CLK_ARCH_COUNT
} clk_arch;

const char *clk_arch_name(clk_arch a);

/* A weight: a view of a tensor in the file. data == NULL means absent
 * (optional tensors: biases, output.weight when tied, rope_freqs). */
struct clk_lora_w;

typedef struct clk_tensor {
    const char *name;    /* points into the file: name.n bytes, see info   */
    const clk_gguf_tensor *info;
    int type;            /* CLK_T_*                                        */
    const void *data;
    int64_t ne[CLK_MAX_DIMS];
    size_t row_bytes;    /* bytes of one row of ne[0] elements             */
    struct clk_lora_w *lora; /* LoRA pairs on this weight (clk_lora_load), or NULL */
} clk_tensor;

typedef struct clk_hparams {
    clk_arch arch;
    int n_vocab;      /* rows of token_embd                                         */
    int n_ctx_train;  /* <arch>.context_length                                       */
    int n_embd;       /* <arch>.embedding_length                                     */
    int n_layer;      /* <arch>.block_count                                          */
    int n_head[CLK_MAX_LAYERS];    /* per layer (the key may be a per-layer array) */
    int n_head_kv[CLK_MAX_LAYERS];
    int n_ff[CLK_MAX_LAYERS];
    int n_head_max, n_head_kv_max, n_ff_max; /* maxima over layers: buffer sizes   */
    int head_dim_k;   /* attention.key_length, default n_embd / n_head              */
    int head_dim_v;   /* attention.value_length, default n_embd / n_head            */
    int n_rot;        /* rope.dimension_count, default head_dim_k                   */
    int rope_neox;    /* 1 for qwen2, qwen3, gemma*: rotate (x[i], x[i + n_rot/2])  */
    float rope_base;      /* rope.freq_base (default 10000)                         */
    float rope_base_swa;  /* rope.freq_base_swa on sliding-window layers: gemma3
                             default 10000, gemma2 default rope_base; other archs
                             have no such layers and get rope_base               */
    float rope_freq_scale;/* 1 / rope.scaling.factor for linear scaling, else 1     */
    float rope_freq_scale_swa; /* scale on sliding-window layers: gemma3 1 (its linear
                                  scaling is for global layers only), gemma2 as global */
    float rms_eps;        /* attention.layer_norm_rms_epsilon                       */
    int n_swa;            /* sliding window (0: none)                               */
    int swa_pattern;      /* layer il is local iff il % swa_pattern < swa_pattern-1 */
    uint8_t swa_layer[CLK_MAX_LAYERS]; /* 1 if layer il uses the sliding window     */
    float attn_softcap;   /* gemma2: s -> c*tanh(s/c) before softmax; 0: none      */
    float final_softcap;  /* gemma2: logits -> c*tanh(l/c); 0: none                */
    float attn_scale;     /* multiplies q.k: 1/sqrt(head_dim_k) for every arch here */
    float embd_scale;     /* gemma: sqrt(n_embd) on token embeddings; else 1        */
    int tied_output;      /* 1 if logits use token_embd (no output.weight)          */
    int sandwich_norms;   /* gemma2/3: post_attention_norm and post_ffw_norm        */
    int qk_norm;          /* qwen3, gemma3: per-head RMSNorm of q and k before RoPE */
    int qkv_bias;         /* q/k/v biases: hparams says 1 for qwen2; after load, 1
                             if any layer has one (check each tensor's data)        */
    int geglu;            /* gemma: GELU(gate) * up; else SiLU(gate) * up           */
} clk_hparams;

typedef struct clk_layer {
    clk_tensor attn_norm;      /* [n_embd]                                       */
    clk_tensor wq;             /* [n_embd] x n_head*head_dim_k rows              */
    clk_tensor wk;             /* [n_embd] x n_head_kv*head_dim_k rows           */
    clk_tensor wv;             /* [n_embd] x n_head_kv*head_dim_v rows           */
    clk_tensor bq, bk, bv;     /* [n_head*hd_k], [n_head_kv*hd_k], [n_head_kv*hd_v] (qwen2) */
    clk_tensor q_norm, k_norm; /* [head_dim_k] (qwen3, gemma3)                   */
    clk_tensor wo;             /* [n_head*head_dim_v] x n_embd rows              */
    clk_tensor bo;             /* [n_embd] optional                              */
    clk_tensor post_attn_norm; /* [n_embd] (gemma2/3)                            */
    clk_tensor ffn_norm;       /* [n_embd]                                       */
    clk_tensor w_gate;         /* [n_embd] x n_ff rows                           */
    clk_tensor w_up;           /* [n_embd] x n_ff rows                           */
    clk_tensor w_down;         /* [n_ff] x n_embd rows                           */
    clk_tensor post_ffw_norm;  /* [n_embd] (gemma2/3)                            */
} clk_layer;

typedef struct clk_model {
    clk_hparams hp;
    const clk_gguf *gguf;
    clk_str name;              /* general.name (may be empty)                    */
    clk_tensor tok_embd;       /* [n_embd] x n_vocab rows                        */
    clk_tensor output_norm;    /* [n_embd]                                       */
    clk_tensor output;         /* [n_embd] x n_vocab rows; == tok_embd if tied   */
    clk_tensor rope_freqs;     /* [n_rot/2] optional (Llama 3.1 frequency factors) */
    clk_layer layer[CLK_MAX_LAYERS];
    uint64_t n_params;         /* elements in all bound weights                  */
    uint64_t weight_bytes;     /* bytes of all bound weights                     */
    int n_lora;                /* adapters attached (clk_lora_load)              */
    int lora_rank_max;         /* largest rank of any attached pair; 0: none     */
} clk_model;

/* Read the hyper-parameters and bind every weight. Missing required keys,
 * missing tensors, wrong shapes and types clika cannot compute with are
 * errors that name the key or tensor, what was expected and what was found.
 * Tensors in the file that the architecture does not use are an error too
 * (as llama.cpp's "wrong number of tensors"). */
clk_status clk_model_load(clk_model *m, const clk_gguf *g, clk_err *e);

/* Only the hyper-parameters (enough for a memory plan; no tensor checks). */
clk_status clk_model_hparams(clk_hparams *hp, const clk_gguf *g, clk_err *e);

/* ================================================= LoRA adapters (issue 9)
 *
 * llama.cpp's GGUF adapter format (convert_lora_to_gguf.py writes it):
 *   general.type = "adapter", adapter.type = "lora", general.architecture
 *   = the base model's, adapter.lora.alpha (f32, optional: 0 or absent
 *   means "no alpha/r factor"), and for each adapted weight W [k] x n rows
 *   two tensors
 *       <W's name>.lora_a   [k] x r rows     (A: k -> r)
 *       <W's name>.lora_b   [r] x n rows     (B: r -> n)
 *   so that the adapted weight is W + s * B A with
 *       s = scale * alpha / r   (alpha != 0),   s = scale   (alpha == 0),
 *   `scale` being the user's --lora-scale (default 1). token_embd.weight
 *   is the exception (llama.cpp's llm_build_inp_embd): A is [r] x n_vocab
 *   rows and B [r] x n_embd rows, the embedding of token t gaining
 *   s * B A[t]. Tensors named *_norm.weight are skipped, as llama.cpp does.
 *
 * Nothing is merged: the forward pass computes y += s * B (A x) on the fly
 * (forward.c), so several adapters can share one mapped base model. */
typedef struct clk_lora_w {
    clk_tensor a;              /* [k] x r rows (token_embd: [r] x n_vocab rows) */
    clk_tensor b;              /* [r] x n rows (token_embd: [r] x n_embd rows)  */
    int rank;                  /* r                                             */
    float scale;               /* s above                                       */
    clk_tensor *base;          /* the model weight it adapts                    */
    struct clk_lora_w *next;   /* the next adapter's pair on the same weight    */
} clk_lora_w;

typedef struct clk_lora {
    const clk_gguf *g;
    float alpha;               /* adapter.lora.alpha (0 if absent)              */
    float scale;               /* the user's scale                              */
    int n_w;                   /* pairs bound                                   */
    int n_skipped;             /* *_norm.weight tensors skipped                 */
    int rank_max;
    clk_lora_w *w;             /* [n_w] (room for n_tensors / 2)                */
} clk_lora;

/* Arena bytes clk_lora_load needs for an adapter file with this header, and
 * that as the plan line "adapter pairs". */
uint64_t clk_lora_bytes(const clk_gguf_header *h);
void clk_lora_plan(const clk_gguf_header *h, clk_plan *p);

/* Check adapter file g against model m and attach its pairs to m's weights
 * (after any adapters attached before: they are applied in load order).
 * Errors name the key or the tensor: not an adapter, not LoRA, another
 * architecture, a tensor without its partner, a base tensor the model does
 * not have (or that is not a matrix), shapes that do not fit the base
 * weight, types clika cannot compute with, a non-finite scale. On error m
 * is left as it was. */
clk_status clk_lora_load(clk_lora *l, clk_model *m, const clk_gguf *g, float scale, clk_arena *a, clk_err *e);

#endif /* CLK_MODEL_H */
