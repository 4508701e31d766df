/* quant_util.h - helpers shared by test_quantize.c and test_make_model.c:
 * a growing in-memory sink, GGUF parsing of a buffer, the quantize stage run
 * end to end into memory, and SHA-256 (FIPS 180-4) to compare whole files
 * with goldens made by llama-quantize. Test harness code: it allocates. */
#ifndef CLK_QUANT_UTIL_H
#define CLK_QUANT_UTIL_H

#include "test.h"
#include "common.h"
#include "arena.h"
#include "gguf.h"
#include "model.h"
#include "quantize.h"
#include "port.h"

/* ---- a clk_out that collects everything in a growing malloc'd buffer */
typedef struct membuf {
    unsigned char *p;
    size_t len, cap;
} membuf;

static clk_status membuf_write(void *ctx, const void *p, size_t n, clk_err *e)
{
    membuf *b = (membuf *)ctx;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        unsigned char *q;
        while (cap < b->len + n) cap *= 2;
        q = (unsigned char *)realloc(b->p, cap);
        if (!q) return clk_fail(e, CLK_E_NOMEM, "test sink: out of memory");
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return CLK_OK;
}

static CLK_MAYBE_UNUSED clk_out membuf_out(membuf *b, clk_err *e)
{
    clk_out o;
    o.write = membuf_write;
    o.ctx = b;
    o.err = e;
    return o;
}

static CLK_MAYBE_UNUSED void membuf_free(membuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static void *qu_aligned(void *raw) { return (void *)(((uintptr_t)raw + CLK_ALIGN - 1) & ~(uintptr_t)(CLK_ALIGN - 1)); }

/* ---- a GGUF parsed from bytes the caller keeps */
typedef struct parsed {
    clk_gguf g;
    void *mem;
} parsed;

static CLK_MAYBE_UNUSED clk_status parse_buf(parsed *p, const void *buf, size_t len, clk_err *e)
{
    clk_gguf_header h;
    clk_plan plan;
    clk_arena a;
    memset(p, 0, sizeof *p);
    CLK_TRY(clk_gguf_peek(buf, len, &h, e));
    clk_plan_init(&plan);
    clk_gguf_plan(&h, &plan);
    p->mem = malloc((size_t)plan.total + CLK_ALIGN);
    clk_arena_init(&a, qu_aligned(p->mem), (size_t)plan.total);
    return clk_gguf_parse(&p->g, buf, len, &a, e);
}

static CLK_MAYBE_UNUSED void parsed_free(parsed *p) { free(p->mem); }

/* ---- the quantize stage as clika quantize runs it, into memory */
static CLK_MAYBE_UNUSED clk_status quantize_mem(const clk_gguf *in, int ftype, const char *overrides, int n_threads,
                                                membuf *out, clk_quant *q, void **mem_out, clk_err *e)
{
    static clk_hparams hp;
    clk_quant_opts o;
    clk_quant_model m;
    clk_plan plan;
    clk_arena a;
    clk_pool *pool = NULL;
    clk_oserr os;
    clk_status s;
    void *mem, *pmem;
    clk_quant_opts_init(&o, ftype);
    o.n_threads = n_threads;
    if (overrides) CLK_TRY(clk_quant_parse_overrides(&o, overrides, e));
    CLK_TRY(clk_model_hparams(&hp, in, e));
    clk_quant_model_from_hparams(&hp, &m);
    clk_plan_init(&plan);
    CLK_TRY(clk_quant_plan_gguf(in, &o, &plan, e));
    clk_plan_add(&plan, "thread pool", clk_pool_bytes(n_threads));
    CLK_TRY(clk_plan_check(&plan, e));
    mem = malloc((size_t)plan.total + CLK_ALIGN);
    clk_arena_init(&a, qu_aligned(mem), (size_t)plan.total);
    s = clk_arena_alloc(&a, clk_pool_bytes(n_threads), "thread pool", &pmem, e);
    if (s == CLK_OK && n_threads > 1 && clk_pool_start(&pool, pmem, n_threads, &os) != 0)
        s = clk_fail(e, CLK_E_IO, "%s", os.msg);
    if (s == CLK_OK) s = clk_quant_init_gguf(q, in, &m, &o, pool, &a, e);
    if (s == CLK_OK) {
        clk_out sink = membuf_out(out, e);
        s = clk_quant_write(q, &sink, NULL, NULL, e);
    }
    if (s == CLK_OK && a.used != plan.total)
        s = clk_fail(e, CLK_E_INTERNAL, "arena used %zu of the %llu planned", a.used, (unsigned long long)plan.total);
    if (pool) clk_pool_stop(pool);
    if (mem_out) *mem_out = mem; /* q->pick lives here: the caller frees it */
    else free(mem);
    return s;
}

/* ---- SHA-256 */
static uint32_t sha_ror(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void sha_block(uint32_t h[8], const unsigned char *p)
{
    static const uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
    uint32_t w[64], a, b, c, d, e, f, g, hh, t1, t2;
    int i;
    for (i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (i = 16; i < 64; i++) {
        uint32_t s0 = sha_ror(w[i - 15], 7) ^ sha_ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = sha_ror(w[i - 2], 17) ^ sha_ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (i = 0; i < 64; i++) {
        t1 = hh + (sha_ror(e, 6) ^ sha_ror(e, 11) ^ sha_ror(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
        t2 = (sha_ror(a, 2) ^ sha_ror(a, 13) ^ sha_ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

/* Lower-case hex digest of p[0..n) into hex[65]. */
static CLK_MAYBE_UNUSED void sha256_hex(const void *data, size_t n, char hex[65])
{
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    const unsigned char *p = (const unsigned char *)data;
    unsigned char tail[128];
    size_t i, rest = n % 64, tl;
    uint64_t bits = (uint64_t)n * 8;
    for (i = 0; i + 64 <= n; i += 64) sha_block(h, p + i);
    memset(tail, 0, sizeof tail);
    memcpy(tail, p + n - rest, rest);
    tail[rest] = 0x80;
    tl = rest < 56 ? 64 : 128;
    for (i = 0; i < 8; i++) tail[tl - 1 - i] = (unsigned char)(bits >> (8 * i));
    for (i = 0; i < tl; i += 64) sha_block(h, tail + i);
    for (i = 0; i < 8; i++) snprintf(hex + 8 * i, 9, "%08x", h[i]);
}

#endif /* CLK_QUANT_UTIL_H */
