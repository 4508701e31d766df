/*
 * forward.c - the decoder's buffers and computation. Every buffer is sized
 * by clk_fwd_plan from the hyper-parameters and the run options, and
 * clk_fwd_init takes exactly those bytes from the arena: nothing is
 * allocated while tokens are evaluated.
 */
#include "forward.h"

#include <string.h>

clk_run_opts clk_run_defaults(void)
{
    clk_run_opts o;
    o.n_ctx = 2048;
    o.n_batch = 512;
    o.n_threads = 1;
    o.n_out = 1;
    o.act = CLK_ACT_NATIVE;
    return o;
}

/* ------------------------------------------------------------ the shapes */

static int imax(int a, int b) { return a > b ? a : b; }

/* Every buffer of clk_fwd in one table, so the plan and the allocation
 * cannot drift apart: the plan adds each size, init allocates each size. */
typedef struct fwd_sizes {
    uint64_t kv_k, kv_v;            /* bytes of the K and V caches        */
    uint64_t x, xn, q, kv_tmp;      /* per-batch f32 buffers              */
    uint64_t ff_gate, ff_up, tmp;
    uint64_t xq, xq_row;            /* quantized activations, and one row */
    uint64_t att;                   /* per-thread softmax rows            */
    uint64_t logits;
    uint64_t pool;
} fwd_sizes;

/* The widest activation row any matmul of this model reads: inputs are
 * n_embd (q, k, v, gate, up), n_head*hd_v (attention output) and n_ff
 * (down). The byte size of a row depends on the weight type (Q8_K rows are
 * 292 bytes per 256 values, Q8_0 34 per 32, f32 4 per value); the plan
 * takes the largest over every type clika computes with, so any mix of
 * weight types fits. */
static uint64_t act_row_max(const clk_hparams *hp, int act)
{
    static const int types[] = {CLK_T_F32, CLK_T_F16,  CLK_T_BF16, CLK_T_Q8_0, CLK_T_Q4_0, CLK_T_Q4_1,
                                CLK_T_Q5_0, CLK_T_Q5_1, CLK_T_Q4_K, CLK_T_Q5_K, CLK_T_Q6_K};
    int widths[3], i, j;
    uint64_t best = 0;
    widths[0] = hp->n_embd;
    widths[1] = hp->n_head_max * hp->head_dim_v;
    widths[2] = hp->n_ff_max;
    for (i = 0; i < 3; i++)
        for (j = 0; j < (int)(sizeof types / sizeof types[0]); j++) {
            const clk_type_info *ti = clk_type(types[j]);
            uint64_t b;
            if (widths[i] % ti->blck) continue; /* no weight of this type can have this row length */
            b = clk_act_row_bytes(types[j], act, widths[i]);
            if (b > best) best = b;
        }
    return best;
}

static clk_status fwd_sizes_of(const clk_hparams *hp, const clk_run_opts *o, fwd_sizes *s, clk_err *e)
{
    uint64_t B = (uint64_t)o->n_batch, C = (uint64_t)o->n_ctx, L = (uint64_t)hp->n_layer;
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
    memset(s, 0, sizeof *s);
    s->kv_k = L * C * kvk * 4;
    s->kv_v = L * C * kvv * 4;
    s->x = B * (uint64_t)hp->n_embd * 4;
    s->xn = B * (uint64_t)imax(hp->n_embd, (int)aw) * 4;
    s->q = B * qw * 4;
    s->kv_tmp = B * (kvk > kvv ? kvk : kvv) * 4;
    s->ff_gate = B * (uint64_t)hp->n_ff_max * 4;
    s->ff_up = s->ff_gate;
    s->tmp = B * (uint64_t)hp->n_embd * 4;
    s->xq_row = clk_plan_round(act_row_max(hp, o->act)); /* rows stay CLK_ALIGN-aligned */
    s->xq = B * s->xq_row;
    s->att = (uint64_t)o->n_threads * C * 4;
    s->logits = (uint64_t)o->n_out * (uint64_t)hp->n_vocab * 4;
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
    clk_plan_add(p, "activations", s.kv_tmp);
    clk_plan_add(p, "activations", s.ff_gate);
    clk_plan_add(p, "activations", s.ff_up);
    clk_plan_add(p, "activations", s.tmp);
    clk_plan_add(p, "quantized act", s.xq);
    clk_plan_add(p, "attention", s.att);
    clk_plan_add(p, "logits", s.logits);
    clk_plan_add(p, "threads", s.pool);
    return CLK_OK;
}

clk_status clk_fwd_init(clk_fwd *f, const clk_model *m, const clk_run_opts *o, clk_pool *pool, clk_arena *a,
                        clk_err *e)
{
    fwd_sizes s;
    void *p;
    memset(f, 0, sizeof *f);
    CLK_TRY(fwd_sizes_of(&m->hp, o, &s, e));
    f->m = m;
    f->k = clk_port_kernels();
    f->pool = pool;
    f->o = *o;
    f->n_past = 0;
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
    CLK_TRY(clk_arena_alloc(a, s.kv_tmp, "activations", &p, e));
    f->kv_tmp = (float *)p;
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
    /* the pool itself is started by main.c in the "threads" line */
    return CLK_OK;
}
