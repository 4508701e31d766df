/*
 * forward.h - the decoder: token ids in, logits out, one sequence with a
 * KV cache, computed through port/ kernels on buffers planned up front.
 *
 * One sequence, many uses: the cache holds positions [0, n_past). Evaluating
 * tokens at position p overwrites the cache from p on, so a shared prompt
 * prefix is evaluated once and every item continues from its end (and every
 * answer option from the end of its question). Because every kernel's
 * result depends only on its own row (port.h), a prefix evaluated once plus
 * a suffix gives bit for bit the logits of evaluating both in one batch.
 *
 * Usage:
 *     clk_run_opts o = clk_run_defaults();   o.n_ctx = 2048;
 *     clk_fwd_plan(&model.hp, &o, &plan);     ...acquire...
 *     clk_fwd f;  clk_fwd_init(&f, &model, &o, pool, &arena, &err);
 *     int want[1] = { n - 1 };                 // logits of the last token only
 *     clk_fwd_eval(&f, tokens, n, 0, want, 1, &err);
 *     float *logits = f.logits;                // [1][n_vocab]
 */
#ifndef CLK_FORWARD_H
#define CLK_FORWARD_H

#include "common.h"
#include "arena.h"
#include "model.h"
#include "port.h"

typedef struct clk_run_opts {
    int n_ctx;     /* positions the KV cache holds                      (--ctx)     */
    int n_batch;   /* tokens evaluated per step (longer inputs are split) (--batch) */
    int n_threads; /* workers in the pool                               (--threads) */
    int n_out;     /* logit rows one call may ask for                               */
    int act;       /* CLK_ACT_NATIVE (quantized activations) or CLK_ACT_F32         */
    int lora_rank; /* room for LoRA adapters up to this rank (m->lora_rank_max); 0: none */
} clk_run_opts;

clk_run_opts clk_run_defaults(void); /* ctx 2048, batch 512, 1 thread, 1 output, native, no LoRA */

/* Bytes the decoder needs, by line (B = min(n_batch, n_ctx) rows per step):
 *   "kv cache"       K and V: 2 x n_layer x n_ctx x n_head_kv x head_dim x 4 bytes
 *   "activations"    B rows of: residual, normed input / attention output,
 *                    q, FFN gate and up, block output (new K and V are
 *                    written straight into the cache)
 *   "quantized act"  B activation rows converted for the weight types
 *   "attention"      per-thread score rows [n_threads][n_ctx]
 *   "logits"         [n_out][n_vocab] floats
 *   "lora"           (lora_rank > 0) B rows of the r-wide intermediate A x, and
 *                    per-thread tiles [n_threads][B][32] of B (A x)
 *   "threads"        the pool (started by the caller: clk_pool_start)
 * clk_fwd_init allocates exactly these but the last. */
clk_status clk_fwd_plan(const clk_hparams *hp, const clk_run_opts *o, clk_plan *p);

typedef struct clk_fwd {
    const clk_model *m;
    const clk_kernels *k;
    clk_pool *pool;
    clk_run_opts o;
    int n_past;      /* positions [0, n_past) hold valid K/V                     */
    float *k_cache;  /* [n_layer][n_ctx][n_head_kv * head_dim_k]                 */
    float *v_cache;  /* [n_layer][n_ctx][n_head_kv * head_dim_v]                 */
    float *x;        /* [B][n_embd]                residual stream               */
    float *xn;       /* [B][max(n_embd, n_head*hd_v)] normed input / attn out    */
    float *q;        /* [B][n_head * head_dim_k]                                 */
    float *ff_gate;  /* [B][n_ff]                  gate, then act(gate) * up     */
    float *ff_up;    /* [B][n_ff]                                                */
    float *tmp;      /* [B][n_embd]                block outputs                 */
    void *xq;        /* [B][act row bytes]         activations for the matmul    */
    size_t xq_row;   /* bytes per row of xq                                      */
    /* What xq holds: the rows of xq_src converted to format xq_fmt (CLK_T_*,
     * -1: nothing yet). A matmul whose weights use the same activation
     * format reuses them instead of converting again (q/k/v, gate/up). */
    const float *xq_src; /* [xq_m][xq_ld] f32 rows being multiplied          */
    size_t xq_ld;
    int xq_k, xq_m, xq_fmt;
    int q_prescale;  /* gemma: Q is multiplied by attn_scale after RoPE (else the scores are) */
    double inline_work; /* jobs below this many multiply-adds skip the pool (tests set 0) */
    float *att;      /* [n_threads][n_ctx]         softmax rows                  */
    float *logits;   /* [n_out][n_vocab]           the rows asked for, in order  */
    float *lora_t;   /* [B][lora_rank]             A x of a LoRA pair            */
    float *lora_u;   /* [n_threads][B][FWD_MM_ROWS] tiles of B (A x)            */
} clk_fwd;

/* Fails (CLK_E_ARG) if the model carries adapters of a rank above
 * o->lora_rank: set it to m->lora_rank_max before planning. */
clk_status clk_fwd_init(clk_fwd *f, const clk_model *m, const clk_run_opts *o, clk_pool *pool, clk_arena *a,
                        clk_err *e);

/* Evaluate tokens[0..n) at positions pos0..pos0+n-1 (pos0 <= n_past; the
 * cache from pos0 on is overwritten, and n_past becomes pos0 + n), then
 * write the logits of the rows out_rows[0..n_out) (indices into tokens,
 * strictly increasing) to f->logits[0..n_out). Inputs longer than n_batch
 * are evaluated in steps; only the asked-for rows get the final norm and
 * the output matmul (and, in the last layer, attention and the FFN).
 * Errors, checked before anything is touched: pos0 > n_past, pos0 + n >
 * n_ctx (CLK_E_LIMIT), n_out > o.n_out, rows not increasing or outside
 * [0, n), token ids outside [0, n_vocab) (CLK_E_DATA). */
clk_status clk_fwd_eval(clk_fwd *f, const int32_t *tokens, int n, int pos0, const int *out_rows, int n_out,
                        clk_err *e);

#endif /* CLK_FORWARD_H */
