/*
 * forward.c - the decoder's buffers and computation: token ids in, logits
 * out, for llama, qwen2, qwen3, gemma2 and gemma3, through port/ kernels.
 *
 * Every buffer is sized by clk_fwd_plan from the hyper-parameters and the
 * run options, and clk_fwd_init takes exactly those bytes from the arena:
 * nothing is allocated while tokens are evaluated. This file never touches
 * weights except through the kernel table, never prints, and never reads
 * anything but the model it was given.
 *
 * One step (up to n_batch tokens at positions pos..pos+nb-1), per layer:
 *
 *   xn  = rmsnorm(x) * attn_norm                       [nb][n_embd]
 *   K,V = Wk xn (+bk), Wv xn (+bv)     -> written straight into the cache rows
 *   Q   = Wq xn (+bq)                                  [nb][n_head*hd_k]
 *   (qwen3, gemma3) Q, K = rmsnorm per head * q_norm / k_norm
 *   Q, K = RoPE(pos)                   NORM (llama) or NEOX (qwen, gemma)
 *   att = softmax(scale * Q.K^T over the visible keys) . V   -> xn
 *   t   = Wo att (+bo);  (gemma) t = rmsnorm(t) * post_attention_norm
 *   x  += t
 *   xn  = rmsnorm(x) * ffn_norm
 *   t   = Wdown( act(Wgate xn) * (Wup xn) )   act = SiLU, or GELU for gemma
 *   (gemma) t = rmsnorm(t) * post_ffw_norm
 *   x  += t
 * then, for the rows whose logits were asked for only:
 *   logits = Woutput (rmsnorm(x) * output_norm)   (gemma2: c*tanh(l/c))
 *
 * The last layer needs Q, attention and the FFN only for those rows too (its
 * K and V are all that later positions read), so after writing K and V it
 * compacts the wanted rows to the front and carries on with just them.
 *
 * Determinism: every value of a row is computed from that row (and the
 * cache) by one fixed code path. Matmuls are split into tasks of weight
 * rows (mm_task_rows: how many depends on the shape and thread count) and
 * port.h's contract makes each output element independent of the tile;
 * each (row, head) of attention is computed whole by one task; jobs too
 * small to be worth the pool run on the caller, which changes nothing.
 * Hence --threads 1 and 2, one batch or many, a cached prefix plus a
 * suffix or everything at once: the same bits.
 *
 * Numerics follow llama.cpp's graphs with the "exact" settings of the
 * goldens (f32 K/V cache, no flash attention): activations are converted
 * once per input and activation format (q/k/v and gate/up share them),
 * gemma scales Q after RoPE while the others scale the scores, soft-caps
 * are c * tanh(s * (1/c)), the embedding scale is sqrtf(n_embd) in f32.
 */
#include "forward.h"

#include <math.h>
#include <string.h>

clk_run_opts clk_run_defaults(void)
{
    clk_run_opts o;
    o.n_ctx = 2048;
    o.n_batch = 512;
    o.n_threads = 1;
    o.n_out = 1;
    o.act = CLK_ACT_NATIVE;
    o.lora_rank = 0;
    return o;
}

/* Weight rows per matmul task (mm_task_rows): a multiple of FWD_MM_ROWS.
 * With FWD_MM_BIG_M activation rows or more (prefill), FWD_MM_ROWS_BIG: a
 * port's prefill tile prepares the activations once per task, so fewer,
 * larger tasks prepare them fewer times. Which rows a task takes never
 * changes a result (port.h's clk_mm contract). */
#ifndef FWD_MM_ROWS
#define FWD_MM_ROWS 32
#endif
#ifndef FWD_MM_ROWS_BIG
#define FWD_MM_ROWS_BIG 64
#endif
#ifndef FWD_MM_BIG_M
#define FWD_MM_BIG_M 16
#endif
#ifndef FWD_MM_RUNS
#define FWD_MM_RUNS 2
#endif
/* Activation rows per conversion task. */
#define FWD_QA_ROWS 4
/* Jobs of fewer multiply-adds run on the calling thread: below this, waking
 * the pool costs more than it saves (a decode step of a tiny model). */
#ifndef FWD_INLINE_WORK
#define FWD_INLINE_WORK 65536
#endif

/* ------------------------------------------------------------ the shapes */

static int imax(int a, int b) { return a > b ? a : b; }
static int imin(int a, int b) { return a < b ? a : b; }

/* Every buffer of clk_fwd in one table, so the plan and the allocation
 * cannot drift apart: the plan adds each size, init allocates each size. */
typedef struct fwd_sizes {
    uint64_t kv_k, kv_v;            /* bytes of the K and V caches        */
    uint64_t x, xn, q;              /* per-batch f32 buffers              */
    uint64_t ff_gate, ff_up, tmp;
    uint64_t xq, xq_row;            /* quantized activations, and one row */
    uint64_t att;                   /* per-thread softmax rows            */
    uint64_t logits;
    uint64_t lora_t, lora_u;        /* LoRA intermediate and B-tiles      */
    uint64_t pool;
} fwd_sizes;

/* The widest activation row any matmul of this model reads: inputs are
 * n_embd (q, k, v, gate, up, output), n_head*hd_v (attention output) and
 * n_ff (down). The byte size of a row depends on the weight type (Q8_K rows
 * are 292 bytes per 256 values, Q8_0 34 per 32, f32 4 per value); the plan
 * takes the largest over every type clika computes with, so any mix of
 * weight types fits. LoRA's B reads rows of r values (r <= lora_rank; an
 * f32 row of lora_rank values is longer than any format's row of fewer). */
static uint64_t act_row_max(const clk_hparams *hp, int act, int lora_rank)
{
    static const int types[] = {CLK_T_F32, CLK_T_F16,  CLK_T_BF16, CLK_T_Q8_0, CLK_T_Q4_0, CLK_T_Q4_1,
                                CLK_T_Q5_0, CLK_T_Q5_1, CLK_T_Q4_K, CLK_T_Q5_K, CLK_T_Q6_K};
    int widths[4], i, j;
    uint64_t best = 0;
    widths[0] = hp->n_embd;
    widths[1] = hp->n_head_max * hp->head_dim_v;
    widths[2] = hp->n_ff_max;
    widths[3] = lora_rank > 0 ? lora_rank : hp->n_embd;
    for (i = 0; i < 4; i++)
        for (j = 0; j < (int)(sizeof types / sizeof types[0]); j++) {
            const clk_type_info *ti = clk_type(types[j]);
            uint64_t b;
            if (widths[i] % ti->blck) continue; /* no weight of this type can have this row length */
            b = clk_act_row_bytes(types[j], act, widths[i]);
            if (b > best) best = b;
        }
    return best;
}

/* Rows of one step: n_batch, but never more than the cache can hold. */
static int step_rows(const clk_run_opts *o) { return imin(o->n_batch, o->n_ctx); }

static clk_status fwd_sizes_of(const clk_hparams *hp, const clk_run_opts *o, fwd_sizes *s, clk_err *e)
{
    uint64_t B, C = (uint64_t)o->n_ctx, L = (uint64_t)hp->n_layer;
    uint64_t kvk = (uint64_t)hp->n_head_kv_max * (uint64_t)hp->head_dim_k;
    uint64_t kvv = (uint64_t)hp->n_head_kv_max * (uint64_t)hp->head_dim_v;
    uint64_t qw = (uint64_t)hp->n_head_max * (uint64_t)hp->head_dim_k;
    uint64_t aw = (uint64_t)hp->n_head_max * (uint64_t)hp->head_dim_v;
    if (o->n_ctx < 1 || o->n_batch < 1 || o->n_out < 1 || o->n_threads < 1)
        return clk_fail(e, CLK_E_ARG, "run options: ctx %d, batch %d, outputs %d, threads %d must all be >= 1",
                        o->n_ctx, o->n_batch, o->n_out, o->n_threads);
    if (o->n_threads > CLK_MAX_THREADS)
        return clk_fail(e, CLK_E_LIMIT, "run options: %d threads exceed CLK_MAX_THREADS (%d)", o->n_threads,
                        CLK_MAX_THREADS);
    if (o->lora_rank < 0 || o->lora_rank > CLK_MAX_DIM)
        return clk_fail(e, CLK_E_ARG, "run options: LoRA rank %d outside [0, %d]", o->lora_rank, CLK_MAX_DIM);
    if (o->act != CLK_ACT_NATIVE && o->act != CLK_ACT_F32)
        return clk_fail(e, CLK_E_ARG, "run options: activation route %d is neither native (0) nor f32 (1)", o->act);
    B = (uint64_t)step_rows(o);
    memset(s, 0, sizeof *s);
    s->kv_k = L * C * kvk * 4;
    s->kv_v = L * C * kvv * 4;
    s->x = B * (uint64_t)hp->n_embd * 4;
    s->xn = B * (uint64_t)imax(hp->n_embd, (int)aw) * 4;
    s->q = B * qw * 4;
    s->ff_gate = B * (uint64_t)hp->n_ff_max * 4;
    s->ff_up = s->ff_gate;
    s->tmp = B * (uint64_t)hp->n_embd * 4;
    s->xq_row = clk_plan_round(act_row_max(hp, o->act, o->lora_rank)); /* rows stay CLK_ALIGN-aligned */
    s->xq = B * s->xq_row;
    s->att = (uint64_t)o->n_threads * C * 4;
    s->logits = (uint64_t)o->n_out * (uint64_t)hp->n_vocab * 4;
    if (o->lora_rank > 0) {
        s->lora_t = B * (uint64_t)o->lora_rank * 4;
        s->lora_u = (uint64_t)o->n_threads * B * FWD_MM_ROWS * 4;
    }
    s->pool = clk_pool_bytes(o->n_threads);
    return CLK_OK;
}

clk_status clk_fwd_plan(const clk_hparams *hp, const clk_run_opts *o, clk_plan *p)
{
    fwd_sizes s;
    clk_err e;
    if (fwd_sizes_of(hp, o, &s, &e) != CLK_OK) {
        p->overflow = 1;
        return e.status;
    }
    clk_plan_add(p, "kv cache", s.kv_k);
    clk_plan_add(p, "kv cache", s.kv_v);
    clk_plan_add(p, "activations", s.x);
    clk_plan_add(p, "activations", s.xn);
    clk_plan_add(p, "activations", s.q);
    clk_plan_add(p, "activations", s.ff_gate);
    clk_plan_add(p, "activations", s.ff_up);
    clk_plan_add(p, "activations", s.tmp);
    clk_plan_add(p, "quantized act", s.xq);
    clk_plan_add(p, "attention", s.att);
    clk_plan_add(p, "logits", s.logits);
    if (o->lora_rank > 0) {
        clk_plan_add(p, "lora", s.lora_t);
        clk_plan_add(p, "lora", s.lora_u);
    }
    clk_plan_add(p, "threads", s.pool);
    return CLK_OK;
}

/* ------------------------------------------------------------ model checks */

/* The invariants the arithmetic below relies on. clk_model_load checks
 * these and every tensor's shape and type (model.h); repeating the
 * hyper-parameter ones here keeps a hand-built model from walking off a
 * buffer. */
static clk_status check_hparams(const clk_hparams *hp, clk_err *e)
{
    int il;
    if (hp->n_layer < 1 || hp->n_layer > CLK_MAX_LAYERS || hp->n_embd < 1 || hp->n_vocab < 1 || hp->head_dim_k < 1 ||
        hp->head_dim_v < 1)
        return clk_fail(e, CLK_E_DATA, "forward: implausible shape: %d layers, n_embd %d, n_vocab %d, head dims %d/%d",
                        hp->n_layer, hp->n_embd, hp->n_vocab, hp->head_dim_k, hp->head_dim_v);
    if (hp->n_rot < 2 || hp->n_rot > hp->head_dim_k || hp->n_rot % 2)
        return clk_fail(e, CLK_E_DATA, "forward: rope dimension count %d: expected an even number in [2, %d]",
                        hp->n_rot, hp->head_dim_k);
    for (il = 0; il < hp->n_layer; il++) {
        int H = hp->n_head[il], Hkv = hp->n_head_kv[il], F = hp->n_ff[il];
        if (H < 1 || Hkv < 1 || H % Hkv || H > hp->n_head_max || Hkv > hp->n_head_kv_max || F < 1 || F > hp->n_ff_max)
            return clk_fail(e, CLK_E_DATA,
                            "forward: layer %d: %d heads, %d KV heads, n_ff %d: expected heads a multiple of KV "
                            "heads and within the maxima %d/%d/%d",
                            il, H, Hkv, F, hp->n_head_max, hp->n_head_kv_max, hp->n_ff_max);
    }
    return CLK_OK;
}

clk_status clk_fwd_init(clk_fwd *f, const clk_model *m, const clk_run_opts *o, clk_pool *pool, clk_arena *a,
                        clk_err *e)
{
    fwd_sizes s;
    void *p;
    memset(f, 0, sizeof *f);
    CLK_TRY(fwd_sizes_of(&m->hp, o, &s, e));
    CLK_TRY(check_hparams(&m->hp, e));
    if (m->lora_rank_max > o->lora_rank)
        return clk_fail(e, CLK_E_ARG, "forward: the model carries LoRA adapters of rank %d, the plan has room for %d",
                        m->lora_rank_max, o->lora_rank);
    f->m = m;
    f->k = clk_port_kernels();
    f->pool = pool;
    f->o = *o;
    f->n_past = 0;
    f->xq_fmt = -1;
    f->inline_work = FWD_INLINE_WORK;
    /* llama.cpp's gemma graphs scale Q after RoPE and give softmax a scale
     * of 1; the others scale the scores inside softmax. Same maths, but
     * 1/sqrt(hd) is not a power of two for every hd, so the order shows in
     * the last bits: follow each graph. */
    f->q_prescale = m->hp.arch == CLK_ARCH_GEMMA2 || m->hp.arch == CLK_ARCH_GEMMA3;
    CLK_TRY(clk_arena_alloc(a, s.kv_k, "kv cache", &p, e));
    f->k_cache = (float *)p;
    CLK_TRY(clk_arena_alloc(a, s.kv_v, "kv cache", &p, e));
    f->v_cache = (float *)p;
    CLK_TRY(clk_arena_alloc(a, s.x, "activations", &p, e));
    f->x = (float *)p;
    CLK_TRY(clk_arena_alloc(a, s.xn, "activations", &p, e));
    f->xn = (float *)p;
    CLK_TRY(clk_arena_alloc(a, s.q, "activations", &p, e));
    f->q = (float *)p;
    CLK_TRY(clk_arena_alloc(a, s.ff_gate, "activations", &p, e));
    f->ff_gate = (float *)p;
    CLK_TRY(clk_arena_alloc(a, s.ff_up, "activations", &p, e));
    f->ff_up = (float *)p;
    CLK_TRY(clk_arena_alloc(a, s.tmp, "activations", &p, e));
    f->tmp = (float *)p;
    CLK_TRY(clk_arena_alloc(a, s.xq, "quantized act", &f->xq, e));
    f->xq_row = (size_t)s.xq_row;
    CLK_TRY(clk_arena_alloc(a, s.att, "attention", &p, e));
    f->att = (float *)p;
    CLK_TRY(clk_arena_alloc(a, s.logits, "logits", &p, e));
    f->logits = (float *)p;
    if (o->lora_rank > 0) {
        CLK_TRY(clk_arena_alloc(a, s.lora_t, "lora", &p, e));
        f->lora_t = (float *)p;
        CLK_TRY(clk_arena_alloc(a, s.lora_u, "lora", &p, e));
        f->lora_u = (float *)p;
    }
    /* the pool itself is started by main.c in the "threads" line */
    return CLK_OK;
}

/* ------------------------------------------------------------ tasks */

/* Run tasks 0..n-1 of fn: on the pool, or on the caller when there is no
 * pool or the job is smaller than waking the workers costs (`work`
 * counts multiply-adds, roughly; f->inline_work is the threshold). Which
 * thread runs a task never changes its result. */
static void run_tasks(clk_fwd *f, clk_task_fn fn, void *ctx, int n, double work)
{
    int t;
    if (f->pool && n > 1 && work >= f->inline_work) {
        clk_pool_run(f->pool, fn, ctx, n);
        return;
    }
    for (t = 0; t < n; t++) fn(ctx, t, n);
}

/* Activation conversion: rows [t*FWD_QA_ROWS, ...) of x into xq. */
typedef struct qa_job {
    const clk_kernels *k;
    int wtype, act, n, m;
    const float *x; /* [m][ldx] */
    size_t ldx;
    unsigned char *y; /* [m][ldy] bytes */
    size_t ldy;
} qa_job;

static void qa_task(void *ctx, int t, int n_tasks)
{
    const qa_job *j = (const qa_job *)ctx;
    int i, i1 = imin((t + 1) * FWD_QA_ROWS, j->m);
    (void)n_tasks;
    for (i = t * FWD_QA_ROWS; i < i1; i++)
        j->k->quantize_act(j->wtype, j->act, j->x + (size_t)i * j->ldx, j->y + (size_t)i * j->ldy, j->n);
}

/* Matmul: weight rows [t*FWD_MM_ROWS, ...) against every activation row. */
typedef struct mm_job {
    const clk_kernels *k;
    clk_mm mm;
    int rows;
    int task_rows; /* weight rows per task: mm_task_rows() */
} mm_job;

/* Weight rows per task for a matmul of `rows` rows and m activation rows,
 * on nt threads: a multiple of FWD_MM_ROWS, about rows / (nt * FWD_MM_RUNS)
 * so that every thread gets work. Decode (m small) streams every weight
 * once from memory: each thread then gets a few long contiguous runs that
 * the hardware prefetchers follow, rather than 32-row pieces interleaved
 * with the other threads' (measured: 1.5x the tokens/s on a 2-core x86).
 * Prefill reuses each weight across many activation rows and caps the
 * tasks at FWD_MM_ROWS_BIG rows. */
static int mm_task_rows(int m, int rows, int nt)
{
    int r = (rows + nt * FWD_MM_RUNS - 1) / (nt * FWD_MM_RUNS);
    r = imax((r + FWD_MM_ROWS - 1) / FWD_MM_ROWS * FWD_MM_ROWS, FWD_MM_ROWS);
    return m >= FWD_MM_BIG_M ? imin(r, FWD_MM_ROWS_BIG) : r;
}

static void mm_task(void *ctx, int t, int n_tasks)
{
    const mm_job *j = (const mm_job *)ctx;
    clk_mm mm = j->mm;
    (void)n_tasks;
    mm.r0 = t * j->task_rows;
    mm.r1 = imin(mm.r0 + j->task_rows, j->rows);
    j->k->matmul(&mm);
}

/* The format activations take for weights of type wtype. */
static int act_fmt(const clk_fwd *f, int wtype)
{
    return f->o.act == CLK_ACT_F32 ? CLK_T_F32 : clk_type(wtype)->act;
}

/* ------------------------------------------------------------ LoRA */

/* A LoRA pair adds s * B (A x) to the output of its weight W (model.h).
 * Numerics follow llama.cpp's graph (build_lora_mm: mul_mat(B, mul_mat(A,
 * x)), scaled, added): with native activations the rows of x are converted
 * to A's activation format (f16 for F16 A, f32 for F32 A) and A x to B's,
 * in the xq buffer, which the next linear() then converts again (xq_fmt is
 * reset); with CLK_ACT_F32 both products read f32 rows directly. A x goes
 * to lora_t [m][r]. Then B is multiplied in tiles of FWD_MM_ROWS rows:
 * task t of n_threads takes tiles t, t+T, ..., multiplies each into its own
 * scratch lora_u[t] [m][FWD_MM_ROWS] and adds s times it to its columns of
 * y. Every element of y gets one addition per pair, in the order the
 * adapters were loaded, computed from its own row only: the bits do not
 * depend on the thread count or on how the tokens were batched. */
typedef struct lora_job {
    clk_fwd *f;
    const clk_lora_w *p;
    const void *x;  /* [m] activation rows of r values for B, x_row bytes apart */
    size_t x_row;
    int act;        /* format route of x (CLK_ACT_*) */
    int m, n;       /* activation rows, columns of y (rows of B) */
    float *y;       /* [m][ldy] */
    size_t ldy;
} lora_job;

static void lora_b_task(void *ctx, int t, int n_tasks)
{
    const lora_job *j = (const lora_job *)ctx;
    const clk_kernels *k = j->f->k;
    float *u = j->f->lora_u + (size_t)t * (size_t)step_rows(&j->f->o) * FWD_MM_ROWS; /* [m][FWD_MM_ROWS] */
    int tile, i, n_tiles = (j->n + FWD_MM_ROWS - 1) / FWD_MM_ROWS;
    for (tile = t; tile < n_tiles; tile += n_tasks) {
        int r0 = tile * FWD_MM_ROWS, nr = imin(FWD_MM_ROWS, j->n - r0);
        clk_mm mm;
        mm.wtype = j->p->b.type;
        mm.w = (const unsigned char *)j->p->b.data + (size_t)r0 * j->p->b.row_bytes; /* rows r0.. of B */
        mm.w_row = j->p->b.row_bytes;
        mm.k = j->p->rank;
        mm.x = j->x;
        mm.x_row = j->x_row;
        mm.m = j->m;
        mm.y = u;
        mm.ldy = FWD_MM_ROWS;
        mm.r0 = 0;
        mm.r1 = nr;
        mm.act = j->act;
        k->matmul(&mm);
        for (i = 0; i < j->m; i++)
            k->axpy_f32(j->y + (size_t)i * j->ldy + r0, j->p->scale, u + (size_t)i * FWD_MM_ROWS, nr);
    }
}

/* Rows src[0..m) (k floats, ld apart) as activations for weights of type
 * wtype: the f32 rows themselves on the f32 route or for f32-format
 * weights, else converted into xq (invalidating what xq held). */
static const void *lora_act(clk_fwd *f, int wtype, const float *src, size_t ld, int m, int k, size_t *x_row)
{
    qa_job q;
    if (act_fmt(f, wtype) == CLK_T_F32) {
        *x_row = ld * sizeof(float);
        return src;
    }
    q.k = f->k;
    q.wtype = wtype;
    q.act = f->o.act;
    q.n = k;
    q.m = m;
    q.x = src;
    q.ldx = ld;
    q.y = (unsigned char *)f->xq;
    q.ldy = f->xq_row;
    run_tasks(f, qa_task, &q, (m + FWD_QA_ROWS - 1) / FWD_QA_ROWS, (double)m * k);
    f->xq_fmt = -1; /* xq no longer holds xq_src's rows */
    *x_row = f->xq_row;
    return f->xq;
}

/* y += s * B (lora_t) for pair p over m rows (lora_t already holds A x). */
static void lora_add_b(clk_fwd *f, const clk_lora_w *p, int m, float *y, size_t ldy)
{
    lora_job b;
    b.f = f;
    b.p = p;
    b.x = lora_act(f, p->b.type, f->lora_t, (size_t)p->rank, m, p->rank, &b.x_row);
    b.act = f->o.act;
    b.m = m;
    b.n = (int)p->b.ne[1];
    b.y = y;
    b.ldy = ldy;
    run_tasks(f, lora_b_task, &b, f->o.n_threads, (double)b.n * m * p->rank);
}

/* Every pair on weight w, for the activation rows linear() just used. */
static void lora_apply(clk_fwd *f, const clk_tensor *w, float *y, size_t ldy)
{
    const clk_lora_w *p;
    for (p = w->lora; p; p = p->next) {
        mm_job a;
        a.k = f->k;
        a.rows = p->rank;
        a.mm.wtype = p->a.type;
        a.mm.w = p->a.data;
        a.mm.w_row = p->a.row_bytes;
        a.mm.k = f->xq_k;
        a.mm.x = lora_act(f, p->a.type, f->xq_src, f->xq_ld, f->xq_m, f->xq_k, &a.mm.x_row);
        a.mm.m = f->xq_m;
        a.mm.y = f->lora_t;
        a.mm.ldy = (size_t)p->rank;
        a.mm.r0 = 0;
        a.mm.r1 = p->rank;
        a.mm.act = f->o.act;
        a.task_rows = mm_task_rows(f->xq_m, p->rank, f->o.n_threads);
        run_tasks(f, mm_task, &a, (p->rank + a.task_rows - 1) / a.task_rows, (double)p->rank * f->xq_m * f->xq_k);
        lora_add_b(f, p, f->xq_m, y, ldy);
    }
}

/* token_embd pairs: A is [r] x n_vocab rows, so A's column for token t is
 * its row t (llama.cpp: get_rows, in f32); the embedding rows x[nb][n_embd]
 * gain s * B A[t]. */
static void lora_embd(clk_fwd *f, const int32_t *tok, int nb)
{
    const clk_lora_w *p;
    int i;
    for (p = f->m->tok_embd.lora; p; p = p->next) {
        for (i = 0; i < nb; i++)
            f->k->dequant_row(p->a.type, (const unsigned char *)p->a.data + (size_t)tok[i] * p->a.row_bytes,
                              f->lora_t + (size_t)i * p->rank, p->rank);
        lora_add_b(f, p, nb, f->x, (size_t)f->m->hp.n_embd);
    }
}

/* Start multiplying the rows src[0..m) (k floats each, ld apart): the
 * next linear() converts them for its weight type. */
static void act_begin(clk_fwd *f, const float *src, size_t ld, int m, int k)
{
    f->xq_src = src;
    f->xq_ld = ld;
    f->xq_m = m;
    f->xq_k = k;
    f->xq_fmt = -1;
}

/* y[i*ldy + r] = dot(w row r, activation row i) for every row of w. */
static void linear(clk_fwd *f, const clk_tensor *w, float *y, size_t ldy)
{
    mm_job j;
    int fmt = act_fmt(f, w->type), rows = (int)w->ne[1];
    if (f->xq_m <= 0) return;
    if (fmt != f->xq_fmt) {
        qa_job q;
        q.k = f->k;
        q.wtype = w->type;
        q.act = f->o.act;
        q.n = f->xq_k;
        q.m = f->xq_m;
        q.x = f->xq_src;
        q.ldx = f->xq_ld;
        q.y = (unsigned char *)f->xq;
        q.ldy = f->xq_row;
        run_tasks(f, qa_task, &q, (q.m + FWD_QA_ROWS - 1) / FWD_QA_ROWS, (double)q.m * q.n);
        f->xq_fmt = fmt;
    }
    j.k = f->k;
    j.rows = rows;
    j.mm.wtype = w->type;
    j.mm.w = w->data;
    j.mm.w_row = w->row_bytes;
    j.mm.k = f->xq_k;
    j.mm.x = f->xq;
    j.mm.x_row = f->xq_row;
    j.mm.m = f->xq_m;
    j.mm.y = y;
    j.mm.ldy = ldy;
    j.mm.r0 = 0;
    j.mm.r1 = rows;
    j.mm.act = f->o.act;
    j.task_rows = mm_task_rows(f->xq_m, rows, f->o.n_threads);
    run_tasks(f, mm_task, &j, (rows + j.task_rows - 1) / j.task_rows, (double)rows * f->xq_m * f->xq_k);
    if (w->lora) lora_apply(f, w, y, ldy);
}

/* A group of matmuls that read the same activations, run in an order that
 * converts them once per activation format (q/k/v, gate/up). */
typedef struct lin_op {
    const clk_tensor *w;
    float *y;
    size_t ldy;
} lin_op;

static void linear_group(clk_fwd *f, lin_op *ops, int n)
{
    int i, j;
    for (i = 1; i < n; i++) /* stable insertion sort by format: n <= 3 */
        for (j = i; j > 0 && act_fmt(f, ops[j - 1].w->type) > act_fmt(f, ops[j].w->type); j--) {
            lin_op t = ops[j];
            ops[j] = ops[j - 1];
            ops[j - 1] = t;
        }
    for (i = 0; i < n; i++) linear(f, ops[i].w, ops[i].y, ops[i].ldy);
}

/* ------------------------------------------------------------ row helpers */

static const float *vec(const clk_tensor *t) { return (const float *)t->data; }

/* rows [m][ld]: y_i = rmsnorm(x_i) * w (w may be NULL) */
static void norm_rows(const clk_fwd *f, float *y, size_t ldy, const float *x, size_t ldx, int m, int n,
                      const clk_tensor *w)
{
    int i;
    for (i = 0; i < m; i++)
        f->k->rmsnorm(y + (size_t)i * ldy, x + (size_t)i * ldx, w ? vec(w) : NULL, n, f->m->hp.rms_eps);
}

/* rows [m][ld]: y_i += b (b optional) */
static void add_rows(const clk_fwd *f, float *y, size_t ldy, const float *b, size_t ldb, int m, int n)
{
    int i;
    for (i = 0; i < m; i++) f->k->axpy_f32(y + (size_t)i * ldy, 1.0f, b + (size_t)i * ldb, n);
}

/* ------------------------------------------------------------ attention */

/* Scaled dot-product attention for n_rows query rows of one layer. Row i
 * is at step index r_i = (sel ? sel[i] - sel_off : i), position
 * pos + r_i; it sees the keys at positions [lo, pos + r_i], where lo is 0
 * or, in a sliding-window layer, the last n_swa positions. Items are
 * (row, head) pairs; task t of T handles items t, t+T, t+2T, ... with
 * softmax row att[t], and computes each item whole, so which task took it
 * never shows in the result. */
typedef struct att_job {
    clk_fwd *f;
    int n_rows, H, Hkv, hdk, hdv;
    const float *kc, *vc; /* this layer's caches: [n_ctx][kvk], [n_ctx][kvv] */
    size_t kvk, kvv;
    int pos, sel_off;
    const int *sel;
    int window;      /* n_swa or 0 */
    float scale;     /* multiplies q.k (1 when Q was pre-scaled) */
    float cap;       /* attention soft-cap, 0: none */
    size_t qw, aw;   /* floats per row of q and of the output */
} att_job;

static void att_task(void *ctx, int t, int n_tasks)
{
    const att_job *j = (const att_job *)ctx;
    const clk_kernels *k = j->f->k;
    float *s = j->f->att + (size_t)t * (size_t)j->f->o.n_ctx; /* [n_ctx] */
    int n_items = j->n_rows * j->H, grp = j->H / j->Hkv, it;
    for (it = t; it < n_items; it += n_tasks) { /* strided: later rows see more keys, so deal them round */
        int i = it / j->H, h = it % j->H, g = h / grp;
        int p = j->pos + (j->sel ? j->sel[i] - j->sel_off : i);
        int lo = j->window > 0 && p - j->window + 1 > 0 ? p - j->window + 1 : 0, n = p - lo + 1, jj;
        const float *q = j->f->q + (size_t)i * j->qw + (size_t)h * j->hdk;
        float *out = j->f->xn + (size_t)i * j->aw + (size_t)h * j->hdv;
        const float *kh = j->kc + (size_t)lo * j->kvk + (size_t)g * j->hdk; /* key head g at position lo */
        const float *vh = j->vc + (size_t)lo * j->kvv + (size_t)g * j->hdv;
        for (jj = 0; jj < n; jj++) s[jj] = k->dot_f32(q, kh + (size_t)jj * j->kvk, j->hdk);
        if (j->cap > 0.0f) { /* gemma2: c * tanh(s / c), as ggml: scale by 1/c, tanh, scale by c */
            float inv = 1.0f / j->cap;
            for (jj = 0; jj < n; jj++) s[jj] = j->cap * tanhf(s[jj] * inv);
        }
        if (j->scale != 1.0f)
            for (jj = 0; jj < n; jj++) s[jj] *= j->scale;
        k->softmax(s, n);
        memset(out, 0, (size_t)j->hdv * sizeof *out);
        for (jj = 0; jj < n; jj++) k->axpy_f32(out, s[jj], vh + (size_t)jj * j->kvv, j->hdv);
    }
}

/* ------------------------------------------------------------ one step */

/* RoPE of one layer: the global base and scaling, or on sliding-window
 * layers their own (gemma3: rope.freq_base_swa and scale 1; gemma2: the
 * global ones unless the file says otherwise - model.c decides). */
static clk_rope layer_rope(const clk_fwd *f, int il)
{
    const clk_hparams *hp = &f->m->hp;
    clk_rope r;
    r.n_rot = hp->n_rot;
    r.neox = hp->rope_neox;
    r.freq_base = hp->rope_base;
    r.freq_scale = hp->rope_freq_scale;
    r.freq_factors = f->m->rope_freqs.data ? vec(&f->m->rope_freqs) : NULL;
    if (hp->n_swa > 0 && hp->swa_layer[il]) {
        r.freq_base = hp->rope_base_swa;
        r.freq_scale = hp->rope_freq_scale_swa;
    }
    return r;
}

/* Biases, per-head norm and RoPE of m rows of heads (row i at step index
 * r_i, position pos + r_i), in place. */
static void qk_post(const clk_fwd *f, float *y, size_t ldy, int m, int n_heads, const clk_tensor *bias,
                    const clk_tensor *norm, const clk_rope *r, int pos, const int *sel, int sel_off)
{
    const clk_hparams *hp = &f->m->hp;
    int i, h, hd = hp->head_dim_k;
    for (i = 0; i < m; i++) {
        float *row = y + (size_t)i * ldy;
        if (bias->data) f->k->axpy_f32(row, 1.0f, vec(bias), n_heads * hd);
        if (norm->data)
            for (h = 0; h < n_heads; h++) f->k->rmsnorm(row + h * hd, row + h * hd, vec(norm), hd, hp->rms_eps);
        f->k->rope(row, n_heads, hd, pos + (sel ? sel[i] - sel_off : i), r);
    }
}

/* Evaluate nb tokens at positions pos..pos+nb-1 (their K/V go into the
 * cache), then the logits of the step rows sel[0..n_sel) - sel_off (in
 * increasing order) into logits[n_sel][n_vocab]. */
static void fwd_step(clk_fwd *f, const int32_t *tok, int nb, int pos, const int *sel, int sel_off, int n_sel,
                     float *logits)
{
    const clk_model *m = f->m;
    const clk_hparams *hp = &m->hp;
    const clk_kernels *k = f->k;
    int E = hp->n_embd, hk = hp->head_dim_k, hv = hp->head_dim_v;
    size_t kvk = (size_t)hp->n_head_kv_max * (size_t)hk, kvv = (size_t)hp->n_head_kv_max * (size_t)hv;
    size_t qw = (size_t)hp->n_head_max * (size_t)hk, aw = (size_t)hp->n_head_max * (size_t)hv;
    size_t xnw = (size_t)imax(E, (int)aw), ffw = (size_t)hp->n_ff_max;
    int i, il, n_rows = nb;
    const int *rsel = NULL; /* row -> step index once the last layer has compacted */

    /* token embeddings, plus any LoRA delta (llama.cpp adds it before the
     * scale), then (gemma) times sqrt(n_embd), a plain f32 multiply */
    for (i = 0; i < nb; i++) {
        const unsigned char *w = (const unsigned char *)m->tok_embd.data + (size_t)tok[i] * m->tok_embd.row_bytes;
        k->dequant_row(m->tok_embd.type, w, f->x + (size_t)i * E, E);
    }
    if (m->tok_embd.lora) lora_embd(f, tok, nb);
    if (hp->embd_scale != 1.0f)
        for (i = 0; i < nb; i++) {
            float *row = f->x + (size_t)i * E;
            int c;
            for (c = 0; c < E; c++) row[c] *= hp->embd_scale;
        }

    for (il = 0; il < hp->n_layer; il++) {
        const clk_layer *l = &m->layer[il];
        int H = hp->n_head[il], Hkv = hp->n_head_kv[il], F = hp->n_ff[il];
        int last = il == hp->n_layer - 1;
        float *kc = f->k_cache + (size_t)il * (size_t)f->o.n_ctx * kvk;
        float *vc = f->v_cache + (size_t)il * (size_t)f->o.n_ctx * kvv;
        clk_rope rope = layer_rope(f, il);
        lin_op ops[3];
        att_job aj;
        int c;

        /* ---- attention: K and V of every row straight into the cache */
        norm_rows(f, f->xn, xnw, f->x, (size_t)E, n_rows, E, &l->attn_norm);
        act_begin(f, f->xn, xnw, n_rows, E);
        ops[0].w = &l->wk, ops[0].y = kc + (size_t)pos * kvk, ops[0].ldy = kvk;
        ops[1].w = &l->wv, ops[1].y = vc + (size_t)pos * kvv, ops[1].ldy = kvv;
        ops[2].w = &l->wq, ops[2].y = f->q, ops[2].ldy = qw;
        if (last) {
            /* Only the wanted rows go on: Q, attention and the FFN of the
             * others would feed nothing. Move them to the front. */
            linear_group(f, ops, 2);
            for (i = 0; i < n_sel; i++) {
                int r = sel[i] - sel_off;
                if (r != i) {
                    memcpy(f->x + (size_t)i * E, f->x + (size_t)r * E, (size_t)E * sizeof(float));
                    memcpy(f->xn + (size_t)i * xnw, f->xn + (size_t)r * xnw, (size_t)E * sizeof(float));
                }
            }
            n_rows = n_sel;
            rsel = sel;
            act_begin(f, f->xn, xnw, n_rows, E);
            linear(f, &l->wq, f->q, qw);
        } else {
            linear_group(f, ops, 3);
        }
        qk_post(f, kc + (size_t)pos * kvk, kvk, nb, Hkv, &l->bk, &l->k_norm, &rope, pos, NULL, 0);
        if (l->bv.data)
            for (i = 0; i < nb; i++) k->axpy_f32(vc + (size_t)(pos + i) * kvv, 1.0f, vec(&l->bv), Hkv * hv);
        if (n_rows == 0) break; /* last layer, no logits wanted from this step: its K/V were all we needed */
        qk_post(f, f->q, qw, n_rows, H, &l->bq, &l->q_norm, &rope, pos, rsel, sel_off);
        if (f->q_prescale)
            for (i = 0; i < n_rows; i++)
                for (c = 0; c < H * hk; c++) f->q[(size_t)i * qw + c] *= hp->attn_scale;

        aj.f = f;
        aj.n_rows = n_rows;
        aj.H = H;
        aj.Hkv = Hkv;
        aj.hdk = hk;
        aj.hdv = hv;
        aj.kc = kc;
        aj.vc = vc;
        aj.kvk = kvk;
        aj.kvv = kvv;
        aj.pos = pos;
        aj.sel = rsel;
        aj.sel_off = sel_off;
        aj.window = hp->n_swa > 0 && hp->swa_layer[il] ? hp->n_swa : 0;
        aj.scale = f->q_prescale ? 1.0f : hp->attn_scale;
        aj.cap = hp->attn_softcap;
        aj.qw = qw;
        aj.aw = xnw;
        run_tasks(f, att_task, &aj, f->o.n_threads, (double)n_rows * H * (pos + nb) * (hk + hv));

        act_begin(f, f->xn, xnw, n_rows, H * hv);
        linear(f, &l->wo, f->tmp, (size_t)E);
        if (l->bo.data)
            for (i = 0; i < n_rows; i++) k->axpy_f32(f->tmp + (size_t)i * E, 1.0f, vec(&l->bo), E);
        if (hp->sandwich_norms) norm_rows(f, f->tmp, (size_t)E, f->tmp, (size_t)E, n_rows, E, &l->post_attn_norm);
        add_rows(f, f->x, (size_t)E, f->tmp, (size_t)E, n_rows, E);

        /* ---- feed-forward */
        norm_rows(f, f->xn, xnw, f->x, (size_t)E, n_rows, E, &l->ffn_norm);
        act_begin(f, f->xn, xnw, n_rows, E);
        ops[0].w = &l->w_gate, ops[0].y = f->ff_gate, ops[0].ldy = ffw;
        ops[1].w = &l->w_up, ops[1].y = f->ff_up, ops[1].ldy = ffw;
        linear_group(f, ops, 2);
        for (i = 0; i < n_rows; i++) {
            float *g = f->ff_gate + (size_t)i * ffw;
            if (hp->geglu)
                k->geglu(g, g, f->ff_up + (size_t)i * ffw, F);
            else
                k->swiglu(g, g, f->ff_up + (size_t)i * ffw, F);
        }
        act_begin(f, f->ff_gate, ffw, n_rows, F);
        linear(f, &l->w_down, f->tmp, (size_t)E);
        if (hp->sandwich_norms) norm_rows(f, f->tmp, (size_t)E, f->tmp, (size_t)E, n_rows, E, &l->post_ffw_norm);
        add_rows(f, f->x, (size_t)E, f->tmp, (size_t)E, n_rows, E);
    }

    if (n_sel == 0) return;
    /* ---- logits of the wanted rows (now rows 0..n_sel-1 of x) */
    norm_rows(f, f->xn, xnw, f->x, (size_t)E, n_sel, E, &m->output_norm);
    act_begin(f, f->xn, xnw, n_sel, E);
    linear(f, &m->output, logits, (size_t)hp->n_vocab);
    if (hp->final_softcap > 0.0f) {
        float c = hp->final_softcap, inv = 1.0f / c;
        size_t n = (size_t)n_sel * (size_t)hp->n_vocab, t;
        for (t = 0; t < n; t++) logits[t] = c * tanhf(logits[t] * inv);
    }
}

clk_status clk_fwd_eval(clk_fwd *f, const int32_t *tokens, int n, int pos0, const int *out_rows, int n_out,
                        clk_err *e)
{
    const clk_hparams *hp = &f->m->hp;
    int i, s, B = step_rows(&f->o), j0 = 0;
    if (n < 0 || pos0 < 0 || pos0 > f->n_past)
        return clk_fail(e, CLK_E_ARG, "forward: %d tokens at position %d: expected a start at or before %d, the end "
                        "of what the cache holds", n, pos0, f->n_past);
    if ((long long)pos0 + n > f->o.n_ctx)
        return clk_fail(e, CLK_E_LIMIT, "forward: positions %d..%d exceed the context of %d tokens (--ctx)", pos0,
                        pos0 + n - 1, f->o.n_ctx);
    if (n_out < 0 || n_out > f->o.n_out)
        return clk_fail(e, CLK_E_ARG, "forward: %d logit rows asked for, the plan holds %d", n_out, f->o.n_out);
    for (i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= hp->n_vocab)
            return clk_fail(e, CLK_E_DATA, "forward: token %d (position %d) is %ld: expected an id in [0, %d)", i,
                            pos0 + i, (long)tokens[i], hp->n_vocab);
    for (i = 0; i < n_out; i++)
        if (out_rows[i] < 0 || out_rows[i] >= n || (i > 0 && out_rows[i] <= out_rows[i - 1]))
            return clk_fail(e, CLK_E_ARG, "forward: output row %d is %d: expected increasing indices in [0, %d)", i,
                            out_rows[i], n);
    f->n_past = pos0; /* the cache from pos0 on is being rewritten */
    for (s = 0; s < n; s += B) {
        int nb = imin(B, n - s), j1 = j0;
        while (j1 < n_out && out_rows[j1] < s + nb) j1++;
        fwd_step(f, tokens + s, nb, pos0 + s, out_rows + j0, s, j1 - j0, f->logits + (size_t)j0 * hp->n_vocab);
        f->n_past = pos0 + s + nb;
        j0 = j1;
    }
    return CLK_OK;
}
