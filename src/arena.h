/*
 * arena.h - the one block of memory clika runs in, and the plan that sizes it.
 *
 * clika never allocates after start-up. Every stage that needs memory has a
 * plan function (in the style of CMSIS-NN's *_get_buffer_size) that adds
 * named lines to a clk_plan from the model header and the run options. main.c
 * sums the plan, acquires one block of exactly that size, and hands it to
 * the stages as a clk_arena. Allocation is a bump of a pointer; a stage that
 * asks for more than its plan said gets CLK_E_NOMEM with the line's name.
 *
 *   base                                           base + cap
 *   | line 1 | line 2 | ... | scratch (mark/reset) |  unused  |
 *                                      ^ used       ^ high-water mark
 *
 * Every allocation is rounded up to CLK_ALIGN bytes and aligned to it, and
 * clk_plan_add() rounds the same way, so a plan that lists each allocation
 * once is exact: after initialisation `arena.used == plan.total` (tests
 * check this).
 *
 * Usage:
 *     clk_plan p; clk_plan_init(&p);
 *     clk_model_plan(&model, &opts, &p);          // stages add lines
 *     mem = malloc(p.total);                        // main.c only
 *     clk_arena a; clk_arena_init(&a, mem, p.total);
 *     clk_arena_alloc(&a, bytes, "kv cache", (void **)&kv, &err);
 */
#ifndef CLK_ARENA_H
#define CLK_ARENA_H

#include "common.h"

typedef struct clk_arena {
    unsigned char *base; /* [cap] bytes, CLK_ALIGN-aligned, owned by main.c */
    size_t cap;          /* bytes available */
    size_t used;         /* bytes handed out */
    size_t high;         /* high-water mark of used (scratch resets lower used) */
} clk_arena;

/* mem must be CLK_ALIGN-aligned (main.c's allocation guarantees it). */
void clk_arena_init(clk_arena *a, void *mem, size_t cap);

/* Hand out size bytes (rounded up to CLK_ALIGN). The bytes are whatever the
 * block held: zero on first use (main.c acquires zeroed pages, which the OS
 * commits lazily, so a planned-but-unused KV cache costs no resident memory),
 * stale after a reset. Callers initialise what they read. `what` names the
 * plan line in the error message when the arena is exhausted. */
clk_status clk_arena_alloc(clk_arena *a, size_t size, const char *what, void **out, clk_err *e);

/* Scratch use: remember the position, allocate, then give everything after
 * the mark back. */
static inline size_t clk_arena_mark(const clk_arena *a) { return a->used; }
void clk_arena_reset(clk_arena *a, size_t mark);

/* ------------------------------------------------------------------ plan */

#ifndef CLK_MAX_PLAN_LINES
#define CLK_MAX_PLAN_LINES 48
#endif

typedef struct clk_plan_line {
    const char *name;  /* static string: "kv cache", "activations", ... */
    uint64_t bytes;    /* bytes in the arena, rounded as allocations are */
    uint64_t count;    /* allocations behind this line (for the rounding) */
} clk_plan_line;

typedef struct clk_plan {
    clk_plan_line line[CLK_MAX_PLAN_LINES];
    int n;
    uint64_t total;    /* sum of the lines: the arena size to acquire */
    uint64_t mapped;   /* bytes used outside the arena: mmap'd model files */
    int overflow;      /* set when a line was dropped or a sum overflowed */
} clk_plan;

void clk_plan_init(clk_plan *p);
/* Add one allocation of `bytes` to the line called `name` (lines with the
 * same name pointer are merged). Rounded exactly as clk_arena_alloc does. */
void clk_plan_add(clk_plan *p, const char *name, uint64_t bytes);
/* Add `count` allocations of `bytes` each. */
void clk_plan_addn(clk_plan *p, const char *name, uint64_t bytes, uint64_t count);
/* CLK_OK, or CLK_E_LIMIT if the plan overflowed its lines or 64 bits. */
clk_status clk_plan_check(const clk_plan *p, clk_err *e);

/* Bytes an allocation of n bytes really takes. */
static inline uint64_t clk_plan_round(uint64_t n) { return (n + (CLK_ALIGN - 1)) & ~(uint64_t)(CLK_ALIGN - 1); }

#endif /* CLK_ARENA_H */
