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
typedef struct clk_tensor {
    const char *name;    /* points into the file: name.n bytes, see info   */
    const clk_gguf_tensor *info;
    int type;            /* CLK_T_*                                        */
    const void *data;
    int64_t ne[CLK_MAX_DIMS];
    size_t row_bytes;    /* bytes of one row of ne[0] elements             */
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
} clk_model;

/* Read the hyper-parameters and bind every weight. Missing required keys,
 * missing tensors, wrong shapes and types clika cannot compute with are
 * errors that name the key or tensor, what was expected and what was found.
 * Tensors in the file that the architecture does not use are an error too
 * (as llama.cpp's "wrong number of tensors"). */
clk_status clk_model_load(clk_model *m, const clk_gguf *g, clk_err *e);

/* Only the hyper-parameters (enough for a memory plan; no tensor checks). */
clk_status clk_model_hparams(clk_hparams *hp, const clk_gguf *g, clk_err *e);

#endif /* CLK_MODEL_H */
