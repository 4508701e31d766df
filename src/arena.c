/*
 * arena.c - bump allocation over the block main.c acquired, and the plan
 * arithmetic that sizes that block. See arena.h for the picture.
 */
#include "arena.h"

#include <string.h>

void clk_arena_init(clk_arena *a, void *mem, size_t cap)
{
    a->base = (unsigned char *)mem;
    a->cap = cap;
    a->used = 0;
    a->high = 0;
}

clk_status clk_arena_alloc(clk_arena *a, size_t size, const char *what, void **out, clk_err *e)
{
    size_t need = (size_t)clk_plan_round(size);
    *out = NULL;
    if (need < size || need > a->cap - a->used)
        return clk_fail(e, CLK_E_NOMEM,
                        "arena: '%s' needs %zu bytes but only %zu of %zu are left (the memory plan is short)",
                        what, need, a->cap - a->used, a->cap);
    *out = a->base + a->used;
    a->used += need;
    if (a->used > a->high) a->high = a->used;
    return CLK_OK;
}

void clk_arena_reset(clk_arena *a, size_t mark)
{
    if (mark <= a->used) a->used = mark;
}

void clk_plan_init(clk_plan *p) { memset(p, 0, sizeof *p); }

void clk_plan_addn(clk_plan *p, const char *name, uint64_t bytes, uint64_t count)
{
    uint64_t one = clk_plan_round(bytes), all;
    int i;
    if (one < bytes || !clk_mul_ok(one, count, &all)) {
        p->overflow = 1;
        return;
    }
    for (i = 0; i < p->n; i++)
        if (p->line[i].name == name) break;
    if (i == p->n) {
        if (p->n == CLK_MAX_PLAN_LINES) {
            p->overflow = 1;
            return;
        }
        p->line[i].name = name;
        p->line[i].bytes = 0;
        p->line[i].count = 0;
        p->n++;
    }
    if (!clk_add_ok(p->line[i].bytes, all, &p->line[i].bytes) || !clk_add_ok(p->total, all, &p->total))
        p->overflow = 1;
    p->line[i].count += count;
}

void clk_plan_add(clk_plan *p, const char *name, uint64_t bytes) { clk_plan_addn(p, name, bytes, 1); }

clk_status clk_plan_check(const clk_plan *p, clk_err *e)
{
    if (p->overflow)
        return clk_fail(e, CLK_E_LIMIT,
                        "memory plan: more than CLK_MAX_PLAN_LINES (%d) lines or a total beyond 64 bits",
                        CLK_MAX_PLAN_LINES);
    if (p->total > (uint64_t)SIZE_MAX)
        return clk_fail(e, CLK_E_LIMIT, "memory plan: %llu bytes do not fit this machine's address space",
                        (unsigned long long)p->total);
    return CLK_OK;
}
