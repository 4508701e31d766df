/*
 * gguf.c - the GGUF reader: checks every byte of an untrusted file and
 * builds an index (metadata pairs, tensor infos, two hash tables) in one
 * arena allocation; and the GGUF writer, which produces the same layout
 * front to back through a sink.
 *
 * Must never: read outside [buf, buf + len), trust a count or a length
 * before comparing it with the bytes left, let a size computation wrap,
 * allocate, or print. A hostile file is an error message, nothing else.
 *
 * The byte layout is drawn in gguf.h.
 */
#include "gguf.h"
#include "port.h"

#include <stdio.h>
#include <string.h>

/* Smallest possible encodings, for the plausibility checks in peek:
 *   a pair:        key length u64 + 1 key byte + type u32 + 1 value byte
 *   a tensor info: name length u64 + n_dims u32 + one ne i64 + type u32 + offset u64 */
#define MIN_KV_BYTES 14u
#define MIN_TENSOR_INFO_BYTES 32u
#define DEFAULT_ALIGNMENT 32u

/* ========================================================= small helpers */

/* Bytes of one value of a fixed-size metadata type; 0 for string, array
 * and unknown types. */
static uint64_t scalar_size(uint32_t t)
{
    switch (t) {
    case CLK_GGUF_U8: case CLK_GGUF_I8: case CLK_GGUF_BOOL: return 1;
    case CLK_GGUF_U16: case CLK_GGUF_I16: return 2;
    case CLK_GGUF_U32: case CLK_GGUF_I32: case CLK_GGUF_F32: return 4;
    case CLK_GGUF_U64: case CLK_GGUF_I64: case CLK_GGUF_F64: return 8;
    default: return 0;
    }
}

const char *clk_gguf_type_name(uint32_t t)
{
    static const char *const names[CLK_GGUF_NTYPES] = {"u8",  "i8",   "u16",    "i16",   "u32", "i32", "f32",
                                                       "bool", "string", "array", "u64", "i64", "f64"};
    return t < CLK_GGUF_NTYPES ? names[t] : "unknown";
}

int clk_str_eq(clk_str s, const char *c)
{
    size_t n = strlen(c);
    return s.n == n && (n == 0 || memcmp(s.p, c, n) == 0);
}

/* A string from the file, made safe to put in an error message: at most
 * cap-1 bytes, bytes outside printable ASCII shown as '?', "..." when cut. */
static const char *shown(const char *p, uint64_t n, char *buf, size_t cap)
{
    size_t i, k = 0, room = cap - 1;
    int cut = n > room;
    if (cut) room = cap > 4 ? cap - 4 : 0;
    for (i = 0; i < n && k < room; i++) {
        unsigned char c = (unsigned char)p[i];
        buf[k++] = (c >= 0x20 && c < 0x7F) ? (char)c : '?';
    }
    if (cut) {
        memcpy(buf + k, "...", 3);
        k += 3;
    }
    buf[k] = 0;
    return buf;
}

/* FNV-1a, 64-bit: a plain, well-spread hash for short keys. */
static uint64_t fnv1a(const void *p, uint64_t n)
{
    const uint8_t *b = (const uint8_t *)p;
    uint64_t h = 0xcbf29ce484222325ull;
    uint64_t i;
    for (i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* Table capacity for n entries: a power of two >= 2n (load <= 1/2), 0 for n = 0. */
static uint64_t hash_cap(uint64_t n)
{
    uint64_t c = 1;
    if (n == 0) return 0;
    while (c < 2 * n) c <<= 1;
    return c;
}

/* ================================================================ header */

clk_status clk_gguf_peek_file(const void *head, uint64_t head_len, uint64_t file_size, clk_gguf_header *h,
                              clk_err *e)
{
    const uint8_t *b = (const uint8_t *)head;
    uint64_t nt, nk, need, left;
    memset(h, 0, sizeof *h);
    if (head_len < 4 || file_size < 4)
        return clk_fail(e, CLK_E_FORMAT, "gguf: the file has %llu bytes; a GGUF file starts with the 4 bytes 'GGUF'",
                        (unsigned long long)file_size);
    if (memcmp(b, "GGUF", 4) != 0) {
        char m[8];
        return clk_fail(e, CLK_E_FORMAT, "gguf: byte 0: expected the magic 'GGUF', found '%s' (%02x %02x %02x %02x)",
                        shown((const char *)b, 4, m, sizeof m), b[0], b[1], b[2], b[3]);
    }
    if (head_len < 8 || file_size < 8)
        return clk_fail(e, CLK_E_FORMAT, "gguf: byte 4: the file ends before the version (u32)");
    h->version = clk_rd32(b + 4);
    if (h->version == 1)
        return clk_fail(e, CLK_E_UNSUPPORTED,
                        "gguf: byte 4: version 1 is not supported (expected 2 or 3; GGUFv1 files must be converted)");
    if (h->version != 2 && h->version != 3) {
        if ((h->version & 0xFFFF) == 0 && (h->version >> 16) != 0)
            return clk_fail(e, CLK_E_UNSUPPORTED,
                            "gguf: byte 4: version %lu is not supported (expected 2 or 3; a big-endian file?)",
                            (unsigned long)h->version);
        return clk_fail(e, CLK_E_UNSUPPORTED, "gguf: byte 4: version %lu is not supported (expected 2 or 3)",
                        (unsigned long)h->version);
    }
    if (head_len < 24 || file_size < 24)
        return clk_fail(e, CLK_E_FORMAT,
                        "gguf: byte 8: the file ends (at %llu bytes) inside the header, which is 24 bytes",
                        (unsigned long long)file_size);
    nt = clk_rd64(b + 8);
    nk = clk_rd64(b + 16);
    if (nt > (uint64_t)INT64_MAX)
        return clk_fail(e, CLK_E_FORMAT, "gguf: byte 8: tensor count is negative (%lld)", (long long)(int64_t)nt);
    if (nk > (uint64_t)INT64_MAX)
        return clk_fail(e, CLK_E_FORMAT, "gguf: byte 16: metadata count is negative (%lld)",
                        (long long)(int64_t)nk);
    if (nt > CLK_MAX_GGUF_TENSORS)
        return clk_fail(e, CLK_E_LIMIT, "gguf: byte 8: %llu tensors exceed CLK_MAX_GGUF_TENSORS (%d)",
                        (unsigned long long)nt, CLK_MAX_GGUF_TENSORS);
    if (nk > CLK_MAX_GGUF_KV)
        return clk_fail(e, CLK_E_LIMIT, "gguf: byte 16: %llu metadata pairs exceed CLK_MAX_GGUF_KV (%d)",
                        (unsigned long long)nk, CLK_MAX_GGUF_KV);
    /* both counts are < 2^17 here, so this cannot overflow */
    need = nk * MIN_KV_BYTES + nt * MIN_TENSOR_INFO_BYTES;
    left = file_size - 24;
    if (need > left)
        return clk_fail(e, CLK_E_FORMAT,
                        "gguf: byte 8: %llu tensors and %llu metadata pairs need at least %llu bytes, "
                        "but only %llu follow the header",
                        (unsigned long long)nt, (unsigned long long)nk, (unsigned long long)need,
                        (unsigned long long)left);
    h->n_tensors = nt;
    h->n_kv = nk;
    return CLK_OK;
}

clk_status clk_gguf_peek(const void *buf, uint64_t len, clk_gguf_header *h, clk_err *e)
{
    return clk_gguf_peek_file(buf, len, len, h, e);
}

/* The index is one allocation, carved in this order:
 *   clk_gguf_kv     kv[n_kv]
 *   clk_gguf_tensor tensors[n_tensors]
 *   uint32_t        kv_hash[hash_cap(n_kv)]
 *   uint32_t        t_hash[hash_cap(n_tensors)]
 * each part rounded up to 8 bytes so the next one stays aligned. */
static uint64_t part(uint64_t n) { return (n + 7) & ~(uint64_t)7; }

uint64_t clk_gguf_index_bytes(const clk_gguf_header *h)
{
    return part(h->n_kv * sizeof(clk_gguf_kv)) + part(h->n_tensors * sizeof(clk_gguf_tensor)) +
           part(hash_cap(h->n_kv) * 4) + part(hash_cap(h->n_tensors) * 4);
}

void clk_gguf_plan(const clk_gguf_header *h, clk_plan *p) { clk_plan_add(p, "gguf index", clk_gguf_index_bytes(h)); }

/* ================================================================ reader */

typedef struct rd {
    const uint8_t *b;
    uint64_t len, pos;
    clk_err *e;
} rd;

static uint64_t left(const rd *r) { return r->len - r->pos; }

/* Check that n bytes remain; `what` names the field for the message. */
static clk_status need(rd *r, uint64_t n, const char *what, const char *ctx)
{
    if (n > left(r))
        return clk_fail(r->e, CLK_E_FORMAT, "gguf: byte %llu: %s%s needs %llu bytes, but the file ends %llu bytes later",
                        (unsigned long long)r->pos, ctx, what, (unsigned long long)n, (unsigned long long)left(r));
    return CLK_OK;
}

static clk_status get32(rd *r, uint32_t *v, const char *what, const char *ctx)
{
    CLK_TRY(need(r, 4, what, ctx));
    *v = clk_rd32(r->b + r->pos);
    r->pos += 4;
    return CLK_OK;
}

static clk_status get64(rd *r, uint64_t *v, const char *what, const char *ctx)
{
    CLK_TRY(need(r, 8, what, ctx));
    *v = clk_rd64(r->b + r->pos);
    r->pos += 8;
    return CLK_OK;
}

/* A string: u64 length, then that many bytes (checked against the file). */
static clk_status get_str(rd *r, clk_str *s, const char *what, const char *ctx)
{
    uint64_t n, at = r->pos;
    CLK_TRY(get64(r, &n, what, ctx));
    if (n > left(r))
        return clk_fail(r->e, CLK_E_FORMAT,
                        "gguf: byte %llu: %s%s has length %llu, but the file ends %llu bytes later",
                        (unsigned long long)at, ctx, what, (unsigned long long)n, (unsigned long long)left(r));
    s->p = (const char *)(r->b + r->pos);
    s->n = n;
    r->pos += n;
    return CLK_OK;
}

/* Step over one value of type t (the type u32 already read). Arrays nest
 * at most CLK_MAX_GGUF_NEST deep; depth counts the arrays around this
 * value. Every element consumes at least one byte of the file, and counts
 * are compared with the bytes left before any loop, so the work is linear
 * in the file size whatever the counts say. */
static clk_status skip_value(rd *r, uint32_t t, int depth, const char *ctx)
{
    uint64_t sz = scalar_size(t);
    if (sz) {
        CLK_TRY(need(r, sz, clk_gguf_type_name(t), ctx));
        r->pos += sz;
        return CLK_OK;
    }
    if (t == CLK_GGUF_STRING) {
        clk_str s;
        return get_str(r, &s, "string", ctx);
    }
    if (t == CLK_GGUF_ARRAY) {
        uint32_t et;
        uint64_t n, i, esz, at;
        if (depth >= CLK_MAX_GGUF_NEST)
            return clk_fail(r->e, CLK_E_LIMIT, "gguf: byte %llu: %sarrays nested deeper than CLK_MAX_GGUF_NEST (%d)",
                            (unsigned long long)r->pos, ctx, CLK_MAX_GGUF_NEST);
        at = r->pos;
        CLK_TRY(get32(r, &et, "array element type", ctx));
        if (et >= CLK_GGUF_NTYPES)
            return clk_fail(r->e, CLK_E_FORMAT, "gguf: byte %llu: %sunknown array element type %lu (expected 0..%d)",
                            (unsigned long long)at, ctx, (unsigned long)et, CLK_GGUF_NTYPES - 1);
        at = r->pos;
        CLK_TRY(get64(r, &n, "array count", ctx));
        /* smallest element: its scalar size, 8 for a string length,
         * 12 for a nested array's type and count */
        esz = scalar_size(et);
        if (et == CLK_GGUF_STRING) esz = 8;
        if (et == CLK_GGUF_ARRAY) esz = 12;
        if (n > left(r) / esz)
            return clk_fail(r->e, CLK_E_FORMAT,
                            "gguf: byte %llu: %sarray of %llu %s elements needs at least %llu bytes per element, "
                            "but the file ends %llu bytes later",
                            (unsigned long long)at, ctx, (unsigned long long)n, clk_gguf_type_name(et),
                            (unsigned long long)esz, (unsigned long long)left(r));
        if (scalar_size(et)) {
            r->pos += n * esz;
            return CLK_OK;
        }
        for (i = 0; i < n; i++) CLK_TRY(skip_value(r, et, depth + 1, ctx));
        return CLK_OK;
    }
    return clk_fail(r->e, CLK_E_FORMAT, "gguf: byte %llu: %sunknown value type %lu (expected 0..%d)",
                    (unsigned long long)(r->pos - 4), ctx, (unsigned long)t, CLK_GGUF_NTYPES - 1);
}

/* Find the slot for name in a table: the slot holding it, or the empty
 * slot where it would go. */
static uint32_t *kv_slot(const clk_gguf *g, const char *p, uint64_t n)
{
    uint64_t mask = g->kv_hash_cap - 1, i = fnv1a(p, n) & mask;
    for (;;) {
        uint32_t *s = &g->kv_hash[i];
        if (*s == 0) return s;
        {
            const clk_str k = g->kv[*s - 1].key;
            if (k.n == n && memcmp(k.p, p, (size_t)n) == 0) return s;
        }
        i = (i + 1) & mask;
    }
}

static uint32_t *t_slot(const clk_gguf *g, const char *p, uint64_t n)
{
    uint64_t mask = g->t_hash_cap - 1, i = fnv1a(p, n) & mask;
    for (;;) {
        uint32_t *s = &g->t_hash[i];
        if (*s == 0) return s;
        {
            const clk_str k = g->tensors[*s - 1].name;
            if (k.n == n && memcmp(k.p, p, (size_t)n) == 0) return s;
        }
        i = (i + 1) & mask;
    }
}

clk_status clk_gguf_tensor_bytes(const char *name, uint32_t type, uint32_t n_dims, const int64_t *ne,
                                 uint64_t *nbytes, clk_err *e)
{
    const clk_type_info *ti = clk_type((int)type);
    uint64_t nel = 1, rows = 1, row_bytes;
    uint32_t j;
    *nbytes = 0;
    if (n_dims < 1 || n_dims > CLK_MAX_DIMS)
        return clk_fail(e, CLK_E_FORMAT, "tensor '%s': expected 1..%d dimensions, found %lu", name, CLK_MAX_DIMS,
                        (unsigned long)n_dims);
    for (j = 0; j < n_dims; j++)
        if (ne[j] < 0)
            return clk_fail(e, CLK_E_FORMAT, "tensor '%s': dimension %lu is negative (%lld)", name, (unsigned long)j,
                            (long long)ne[j]);
    for (j = 0; j < n_dims; j++) {
        if (!clk_mul_ok(nel, (uint64_t)ne[j], &nel) || nel > (uint64_t)INT64_MAX) {
            char dims[128];
            size_t k = 0;
            uint32_t d;
            for (d = 0; d < n_dims; d++)
                k += (size_t)snprintf(dims + k, sizeof dims - k, "%s%lld", d ? ", " : "", (long long)ne[d]);
            return clk_fail(e, CLK_E_FORMAT, "tensor '%s': shape [%s] has more than 2^63 elements", name, dims);
        }
    }
    if (!ti)
        return clk_fail(e, CLK_E_UNSUPPORTED, "tensor '%s': unknown tensor type %lu (not a ggml type clika knows)",
                        name, (unsigned long)type);
    if (ne[0] % ti->blck != 0)
        return clk_fail(e, CLK_E_FORMAT, "tensor '%s': type %s needs rows of a multiple of %d elements, found ne[0] = %lld",
                        name, ti->name, ti->blck, (long long)ne[0]);
    for (j = 1; j < n_dims; j++) rows *= (uint64_t)ne[j]; /* <= nel: no overflow */
    if (!clk_mul_ok((uint64_t)(ne[0] / ti->blck), (uint64_t)ti->bytes, &row_bytes) ||
        !clk_mul_ok(row_bytes, rows, nbytes) || *nbytes > (uint64_t)INT64_MAX)
        return clk_fail(e, CLK_E_FORMAT, "tensor '%s': %llu elements of type %s are more than 2^63 bytes", name,
                        (unsigned long long)nel, ti->name);
    return CLK_OK;
}

clk_status clk_gguf_parse(clk_gguf *g, const void *buf, uint64_t len, clk_arena *a, clk_err *e)
{
    clk_gguf_header h;
    rd r;
    uint64_t i, prev_end = 0;
    void *mem;
    uint8_t *m;
    char ctx[CLK_MAX_NAME + 96], show[80];
    const clk_gguf_kv *al;

    memset(g, 0, sizeof *g);
    CLK_TRY(clk_gguf_peek(buf, len, &h, e));
    CLK_TRY(clk_arena_alloc(a, (size_t)clk_gguf_index_bytes(&h), "gguf index", &mem, e));
    m = (uint8_t *)mem;
    g->base = (const uint8_t *)buf;
    g->size = len;
    g->version = h.version;
    g->n_kv = h.n_kv;
    g->n_tensors = h.n_tensors;
    g->alignment = DEFAULT_ALIGNMENT;
    g->kv = (clk_gguf_kv *)(void *)m;
    m += part(h.n_kv * sizeof(clk_gguf_kv));
    g->tensors = (clk_gguf_tensor *)(void *)m;
    m += part(h.n_tensors * sizeof(clk_gguf_tensor));
    g->kv_hash_cap = (uint32_t)hash_cap(h.n_kv);
    g->kv_hash = (uint32_t *)(void *)m;
    m += part((uint64_t)g->kv_hash_cap * 4);
    g->t_hash_cap = (uint32_t)hash_cap(h.n_tensors);
    g->t_hash = (uint32_t *)(void *)m;
    /* arena bytes may be stale after a reset: clear the tables */
    if (g->kv_hash_cap) memset(g->kv_hash, 0, (size_t)g->kv_hash_cap * 4);
    if (g->t_hash_cap) memset(g->t_hash, 0, (size_t)g->t_hash_cap * 4);

    r.b = (const uint8_t *)buf;
    r.len = len;
    r.pos = 24;
    r.e = e;

    /* ---- metadata pairs */
    for (i = 0; i < h.n_kv; i++) {
        clk_gguf_kv *kv = &g->kv[i];
        uint64_t at = r.pos, vstart;
        uint32_t *slot;
        snprintf(ctx, sizeof ctx, "metadata pair %llu: ", (unsigned long long)i);
        memset(kv, 0, sizeof *kv);
        CLK_TRY(get_str(&r, &kv->key, "key", ctx));
        if (kv->key.n == 0)
            return clk_fail(e, CLK_E_FORMAT, "gguf: byte %llu: metadata pair %llu has an empty key",
                            (unsigned long long)at, (unsigned long long)i);
        snprintf(ctx, sizeof ctx, "key '%s': ", shown(kv->key.p, kv->key.n, show, 64));
        slot = kv_slot(g, kv->key.p, kv->key.n);
        if (*slot)
            return clk_fail(e, CLK_E_FORMAT, "gguf: byte %llu: duplicate key '%s' (pairs %lu and %llu)",
                            (unsigned long long)at, show, (unsigned long)(*slot - 1), (unsigned long long)i);
        *slot = (uint32_t)(i + 1);
        CLK_TRY(get32(&r, &kv->type, "value type", ctx));
        if (kv->type >= CLK_GGUF_NTYPES)
            return clk_fail(e, CLK_E_FORMAT, "gguf: byte %llu: %sunknown value type %lu (expected 0..%d)",
                            (unsigned long long)(r.pos - 4), ctx, (unsigned long)kv->type, CLK_GGUF_NTYPES - 1);
        vstart = r.pos;
        if (kv->type == CLK_GGUF_ARRAY) {
            /* decode the top-level array header for the caller, then walk it */
            CLK_TRY(need(&r, 12, "array type and count", ctx));
            kv->arr_type = clk_rd32(r.b + r.pos);
            kv->arr_n = clk_rd64(r.b + r.pos + 4);
            CLK_TRY(skip_value(&r, CLK_GGUF_ARRAY, 0, ctx));
            kv->val = r.b + vstart + 12;
            kv->val_bytes = r.pos - vstart - 12;
        } else {
            CLK_TRY(skip_value(&r, kv->type, 0, ctx));
            kv->val = r.b + vstart;
            kv->val_bytes = r.pos - vstart;
        }
    }

    /* ---- alignment */
    al = clk_gguf_find(g, "general.alignment");
    if (al) {
        uint32_t v;
        if (al->type != CLK_GGUF_U32)
            return clk_fail(e, CLK_E_FORMAT, "gguf: key 'general.alignment': expected type u32, found %s",
                            clk_gguf_type_name(al->type));
        v = clk_rd32(al->val);
        if (v == 0 || (v & (v - 1)) != 0)
            return clk_fail(e, CLK_E_FORMAT, "gguf: key 'general.alignment': expected a power of two, found %lu",
                            (unsigned long)v);
        g->alignment = v;
    }

    /* ---- tensor infos */
    for (i = 0; i < h.n_tensors; i++) {
        clk_gguf_tensor *t = &g->tensors[i];
        uint64_t at = r.pos, ne_u;
        uint32_t j, *slot;
        char name[CLK_MAX_NAME + 8];
        snprintf(ctx, sizeof ctx, "tensor info %llu: ", (unsigned long long)i);
        memset(t, 0, sizeof *t);
        CLK_TRY(get_str(&r, &t->name, "name", ctx));
        if (t->name.n >= CLK_MAX_NAME)
            return clk_fail(e, CLK_E_FORMAT,
                            "gguf: byte %llu: tensor info %llu: name of %llu bytes is too long (expected < CLK_MAX_NAME = %d)",
                            (unsigned long long)at, (unsigned long long)i, (unsigned long long)t->name.n, CLK_MAX_NAME);
        shown(t->name.p, t->name.n, name, sizeof name);
        snprintf(ctx, sizeof ctx, "tensor '%s': ", name);
        slot = t_slot(g, t->name.p, t->name.n);
        if (*slot)
            return clk_fail(e, CLK_E_FORMAT, "gguf: byte %llu: duplicate tensor name '%s' (tensors %lu and %llu)",
                            (unsigned long long)at, name, (unsigned long)(*slot - 1), (unsigned long long)i);
        *slot = (uint32_t)(i + 1);
        at = r.pos;
        CLK_TRY(get32(&r, &t->n_dims, "dimension count", ctx));
        if (t->n_dims < 1 || t->n_dims > CLK_MAX_DIMS)
            return clk_fail(e, CLK_E_FORMAT, "gguf: byte %llu: %sexpected 1..%d dimensions, found %lu",
                            (unsigned long long)at, ctx, CLK_MAX_DIMS, (unsigned long)t->n_dims);
        for (j = 0; j < CLK_MAX_DIMS; j++) t->ne[j] = 1;
        for (j = 0; j < t->n_dims; j++) {
            CLK_TRY(get64(&r, &ne_u, "dimension", ctx));
            t->ne[j] = ne_u > (uint64_t)INT64_MAX ? -1 - (int64_t)(~ne_u) : (int64_t)ne_u; /* two's complement, no UB */
        }
        at = r.pos;
        CLK_TRY(get32(&r, &t->type, "type", ctx));
        CLK_TRY(get64(&r, &t->offset, "data offset", ctx));
        if (clk_gguf_tensor_bytes(name, t->type, t->n_dims, t->ne, &t->nbytes, e) != CLK_OK)
            return clk_fail_wrap(e, "gguf: byte %llu: ", (unsigned long long)at);
    }
    g->info_end = r.pos;

    /* ---- data section: aligned start, every tensor inside, in order, no overlap */
    g->data_offset = r.pos;
    if (h.n_tensors > 0) {
        uint64_t pad = (g->alignment - r.pos % g->alignment) % g->alignment;
        if (pad > left(&r))
            return clk_fail(e, CLK_E_FORMAT,
                            "gguf: byte %llu: the data section must start at the next multiple of %lu (byte %llu), "
                            "but the file ends at %llu",
                            (unsigned long long)r.pos, (unsigned long)g->alignment,
                            (unsigned long long)(r.pos + pad), (unsigned long long)len);
        g->data_offset = r.pos + pad;
    }
    g->data_end = g->data_offset;
    for (i = 0; i < h.n_tensors; i++) {
        clk_gguf_tensor *t = &g->tensors[i];
        uint64_t start, end;
        char name[CLK_MAX_NAME + 8];
        shown(t->name.p, t->name.n, name, sizeof name);
        if (t->offset % g->alignment != 0)
            return clk_fail(e, CLK_E_FORMAT,
                            "gguf: tensor '%s': data offset %llu is not a multiple of the alignment %lu",
                            name, (unsigned long long)t->offset, (unsigned long)g->alignment);
        if (!clk_add_ok(g->data_offset, t->offset, &start) || !clk_add_ok(start, t->nbytes, &end) || end > len)
            return clk_fail(e, CLK_E_FORMAT,
                            "gguf: tensor '%s': its %llu bytes at data offset %llu (file byte %llu) run past the end "
                            "of the file (%llu bytes)",
                            name, (unsigned long long)t->nbytes, (unsigned long long)t->offset,
                            (unsigned long long)(g->data_offset + (t->offset < len ? t->offset : len)),
                            (unsigned long long)len);
        if (i > 0 && t->offset < prev_end) {
            char pname[CLK_MAX_NAME + 8];
            const clk_gguf_tensor *p = &g->tensors[i - 1];
            shown(p->name.p, p->name.n, pname, sizeof pname);
            return clk_fail(e, CLK_E_FORMAT,
                            "gguf: tensor '%s': data offset %llu overlaps tensor '%s' (offsets %llu..%llu); "
                            "tensors must be stored in order without overlap",
                            name, (unsigned long long)t->offset, pname, (unsigned long long)p->offset,
                            (unsigned long long)prev_end);
        }
        prev_end = t->offset + t->nbytes;
        t->data = g->base + start;
        g->data_end = end;
    }
    return CLK_OK;
}

/* =============================================================== lookups */

const clk_gguf_kv *clk_gguf_find(const clk_gguf *g, const char *key)
{
    uint32_t *s;
    if (!g->kv_hash_cap) return NULL;
    s = kv_slot(g, key, strlen(key));
    return *s ? &g->kv[*s - 1] : NULL;
}

const clk_gguf_tensor *clk_gguf_tensor_find(const clk_gguf *g, const char *name)
{
    uint32_t *s;
    if (!g->t_hash_cap) return NULL;
    s = t_slot(g, name, strlen(name));
    return *s ? &g->tensors[*s - 1] : NULL;
}

/* Integer value of a scalar at p of integer/bool type t; *is_neg for
 * negative values (returned as their magnitude is not needed: callers
 * compare). Returns 0 for non-integer types (the callers check first). */
static int is_int_type(uint32_t t)
{
    return t == CLK_GGUF_U8 || t == CLK_GGUF_I8 || t == CLK_GGUF_U16 || t == CLK_GGUF_I16 || t == CLK_GGUF_U32 ||
           t == CLK_GGUF_I32 || t == CLK_GGUF_U64 || t == CLK_GGUF_I64 || t == CLK_GGUF_BOOL;
}

/* Decode an integer of type t at p: the value as int64 and, for u64
 * values above INT64_MAX, big = 1. */
static int64_t int_at(const uint8_t *p, uint32_t t, int *big)
{
    *big = 0;
    switch (t) {
    case CLK_GGUF_U8: case CLK_GGUF_BOOL: return p[0];
    case CLK_GGUF_I8: return (int8_t)p[0];
    case CLK_GGUF_U16: return clk_rd16(p);
    case CLK_GGUF_I16: return (int16_t)clk_rd16(p);
    case CLK_GGUF_U32: return clk_rd32(p);
    case CLK_GGUF_I32: return (int32_t)clk_rd32(p);
    case CLK_GGUF_U64: {
        uint64_t v = clk_rd64(p);
        if (v > (uint64_t)INT64_MAX) {
            *big = 1;
            return INT64_MAX;
        }
        return (int64_t)v;
    }
    case CLK_GGUF_I64: {
        uint64_t v = clk_rd64(p);
        return v > (uint64_t)INT64_MAX ? -1 - (int64_t)(~v) : (int64_t)v;
    }
    default: return 0;
    }
}

static const clk_gguf_kv *need_key(const clk_gguf *g, const char *key, clk_err *e)
{
    const clk_gguf_kv *kv = clk_gguf_find(g, key);
    if (!kv) clk_fail(e, CLK_E_DATA, "gguf: key '%s' is missing", key);
    return kv;
}

clk_status clk_gguf_get_i64(const clk_gguf *g, const char *key, int64_t *out, clk_err *e)
{
    const clk_gguf_kv *kv = need_key(g, key, e);
    int big;
    if (!kv) return CLK_E_DATA;
    if (!is_int_type(kv->type) || kv->type == CLK_GGUF_BOOL)
        return clk_fail(e, CLK_E_FORMAT, "gguf: key '%s': expected an integer, found %s", key,
                        clk_gguf_type_name(kv->type));
    *out = int_at(kv->val, kv->type, &big);
    if (big)
        return clk_fail(e, CLK_E_FORMAT, "gguf: key '%s': value %llu does not fit in i64", key,
                        (unsigned long long)clk_rd64(kv->val));
    return CLK_OK;
}

clk_status clk_gguf_get_u32(const clk_gguf *g, const char *key, uint32_t *out, clk_err *e)
{
    int64_t v;
    const clk_gguf_kv *kv = clk_gguf_find(g, key);
    CLK_TRY(clk_gguf_get_i64(g, key, &v, e));
    if (v < 0 || v > (int64_t)UINT32_MAX)
        return clk_fail(e, CLK_E_FORMAT, "gguf: key '%s': expected a value in 0..4294967295, found %lld (%s)", key,
                        (long long)v, clk_gguf_type_name(kv->type));
    *out = (uint32_t)v;
    return CLK_OK;
}

clk_status clk_gguf_get_f32(const clk_gguf *g, const char *key, float *out, clk_err *e)
{
    const clk_gguf_kv *kv = need_key(g, key, e);
    if (!kv) return CLK_E_DATA;
    if (kv->type == CLK_GGUF_F32) {
        *out = clk_bits_f32(clk_rd32(kv->val));
        return CLK_OK;
    }
    if (kv->type == CLK_GGUF_F64) {
        union { uint64_t u; double d; } v;
        v.u = clk_rd64(kv->val);
        *out = (float)v.d;
        return CLK_OK;
    }
    return clk_fail(e, CLK_E_FORMAT, "gguf: key '%s': expected f32, found %s", key, clk_gguf_type_name(kv->type));
}

clk_status clk_gguf_get_bool(const clk_gguf *g, const char *key, int *out, clk_err *e)
{
    const clk_gguf_kv *kv = need_key(g, key, e);
    if (!kv) return CLK_E_DATA;
    if (kv->type != CLK_GGUF_BOOL)
        return clk_fail(e, CLK_E_FORMAT, "gguf: key '%s': expected bool, found %s", key, clk_gguf_type_name(kv->type));
    *out = kv->val[0] != 0;
    return CLK_OK;
}

clk_status clk_gguf_get_str(const clk_gguf *g, const char *key, clk_str *out, clk_err *e)
{
    const clk_gguf_kv *kv = need_key(g, key, e);
    if (!kv) return CLK_E_DATA;
    if (kv->type != CLK_GGUF_STRING)
        return clk_fail(e, CLK_E_FORMAT, "gguf: key '%s': expected string, found %s", key,
                        clk_gguf_type_name(kv->type));
    out->n = clk_rd64(kv->val);
    out->p = (const char *)kv->val + 8;
    return CLK_OK;
}

clk_status clk_gguf_get_arr(const clk_gguf *g, const char *key, uint32_t elem_type, int64_t want_n,
                            const clk_gguf_kv **out, clk_err *e)
{
    const clk_gguf_kv *kv = need_key(g, key, e);
    *out = NULL;
    if (!kv) return CLK_E_DATA;
    if (kv->type != CLK_GGUF_ARRAY)
        return clk_fail(e, CLK_E_FORMAT, "gguf: key '%s': expected an array of %s, found %s", key,
                        clk_gguf_type_name(elem_type), clk_gguf_type_name(kv->type));
    if (kv->arr_type != elem_type)
        return clk_fail(e, CLK_E_FORMAT, "gguf: key '%s': expected an array of %s, found an array of %s", key,
                        clk_gguf_type_name(elem_type), clk_gguf_type_name(kv->arr_type));
    if (want_n >= 0 && kv->arr_n != (uint64_t)want_n)
        return clk_fail(e, CLK_E_DATA, "gguf: key '%s': expected %lld elements, found %llu", key, (long long)want_n,
                        (unsigned long long)kv->arr_n);
    *out = kv;
    return CLK_OK;
}

int64_t clk_gguf_arr_int(const clk_gguf_kv *kv, uint64_t i)
{
    int big;
    uint64_t sz = scalar_size(kv->arr_type);
    if (kv->type != CLK_GGUF_ARRAY || !is_int_type(kv->arr_type) || i >= kv->arr_n) return 0;
    return int_at(kv->val + i * sz, kv->arr_type, &big);
}

float clk_gguf_arr_f32(const clk_gguf_kv *kv, uint64_t i)
{
    if (kv->type != CLK_GGUF_ARRAY || i >= kv->arr_n) return 0.0f;
    if (kv->arr_type == CLK_GGUF_F32) return clk_bits_f32(clk_rd32(kv->val + i * 4));
    if (kv->arr_type == CLK_GGUF_F64) {
        union { uint64_t u; double d; } v;
        v.u = clk_rd64(kv->val + i * 8);
        return (float)v.d;
    }
    return 0.0f;
}

clk_str clk_gguf_next_str(const uint8_t **it)
{
    clk_str s;
    s.n = clk_rd64(*it);
    s.p = (const char *)*it + 8;
    *it += 8 + s.n;
    return s;
}

/* ================================================================ writer */

static clk_status w_put(clk_gguf_writer *w, const void *p, uint64_t n)
{
    if (n == 0) return CLK_OK;
    if (w->out) {
        CLK_TRY(clk_out_write(w->out, p, (size_t)n));
    } else if (w->buf) {
        if (n > w->cap - w->pos)
            return clk_fail(w->e, CLK_E_LIMIT, "gguf writer: the %llu-byte buffer is full at byte %llu (%llu more needed)",
                            (unsigned long long)w->cap, (unsigned long long)w->pos, (unsigned long long)n);
        memcpy(w->buf + w->pos, p, (size_t)n);
    }
    w->pos += n;
    return CLK_OK;
}

static clk_status w_u32le(clk_gguf_writer *w, uint32_t v)
{
    uint8_t b[4];
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)(v >> 16);
    b[3] = (uint8_t)(v >> 24);
    return w_put(w, b, 4);
}

static clk_status w_u64le(clk_gguf_writer *w, uint64_t v)
{
    CLK_TRY(w_u32le(w, (uint32_t)v));
    return w_u32le(w, (uint32_t)(v >> 32));
}

static clk_status w_zeros(clk_gguf_writer *w, uint64_t n)
{
    static const uint8_t z[64] = {0};
    while (n) {
        uint64_t k = n < sizeof z ? n : sizeof z;
        CLK_TRY(w_put(w, z, k));
        n -= k;
    }
    return CLK_OK;
}

static void w_init(clk_gguf_writer *w, clk_err *e)
{
    memset(w, 0, sizeof *w);
    w->alignment = DEFAULT_ALIGNMENT;
    w->e = e;
}

void clk_gguf_w_init_out(clk_gguf_writer *w, clk_out *out, clk_err *e)
{
    w_init(w, e);
    w->out = out;
}

void clk_gguf_w_init_buf(clk_gguf_writer *w, void *buf, uint64_t cap, clk_err *e)
{
    w_init(w, e);
    w->buf = (uint8_t *)buf;
    w->cap = buf ? cap : 0;
}

static clk_status w_order(clk_gguf_writer *w, int stage, const char *what)
{
    static const char *const stages[] = {"before begin", "metadata", "tensor infos", "tensor data", "finished"};
    if (w->stage != stage)
        return clk_fail(w->e, CLK_E_ARG, "gguf writer: %s written in the %s stage (expected the %s stage)", what,
                        stages[w->stage], stages[stage]);
    return CLK_OK;
}

clk_status clk_gguf_w_begin(clk_gguf_writer *w, uint32_t version, uint64_t n_kv, uint64_t n_tensors)
{
    CLK_TRY(w_order(w, 0, "the header"));
    if (version != 2 && version != 3)
        return clk_fail(w->e, CLK_E_ARG, "gguf writer: version %lu (expected 2 or 3)", (unsigned long)version);
    if (n_kv > (uint64_t)INT64_MAX || n_tensors > (uint64_t)INT64_MAX)
        return clk_fail(w->e, CLK_E_ARG, "gguf writer: counts beyond i64");
    CLK_TRY(w_put(w, "GGUF", 4));
    CLK_TRY(w_u32le(w, version));
    CLK_TRY(w_u64le(w, n_tensors));
    CLK_TRY(w_u64le(w, n_kv));
    w->n_kv = n_kv;
    w->n_tensors = n_tensors;
    w->stage = 1;
    return CLK_OK;
}

/* Key and type of the next pair. */
static clk_status w_key(clk_gguf_writer *w, const char *key, uint32_t type)
{
    uint64_t n = strlen(key);
    CLK_TRY(w_order(w, 1, "a metadata pair"));
    if (w->kv_done == w->n_kv)
        return clk_fail(w->e, CLK_E_ARG, "gguf writer: key '%s' is one more than the %llu pairs the header promised",
                        key, (unsigned long long)w->n_kv);
    if (n == 0) return clk_fail(w->e, CLK_E_ARG, "gguf writer: empty key");
    CLK_TRY(w_u64le(w, n));
    CLK_TRY(w_put(w, key, n));
    CLK_TRY(w_u32le(w, type));
    w->kv_done++;
    return CLK_OK;
}

/* One scalar, little-endian, from its host value widened to 64 bits. */
static clk_status w_scalar_bits(clk_gguf_writer *w, uint32_t type, uint64_t bits)
{
    uint8_t b[8];
    uint64_t k, n = scalar_size(type);
    for (k = 0; k < n; k++) b[k] = (uint8_t)(bits >> (8 * k));
    return w_put(w, b, n);
}

static clk_status w_scalar(clk_gguf_writer *w, const char *key, uint32_t type, uint64_t bits)
{
    CLK_TRY(w_key(w, key, type));
    return w_scalar_bits(w, type, bits);
}

clk_status clk_gguf_w_u8(clk_gguf_writer *w, const char *key, uint8_t v) { return w_scalar(w, key, CLK_GGUF_U8, v); }
clk_status clk_gguf_w_i8(clk_gguf_writer *w, const char *key, int8_t v)
{
    return w_scalar(w, key, CLK_GGUF_I8, (uint8_t)v);
}
clk_status clk_gguf_w_u16(clk_gguf_writer *w, const char *key, uint16_t v)
{
    return w_scalar(w, key, CLK_GGUF_U16, v);
}
clk_status clk_gguf_w_i16(clk_gguf_writer *w, const char *key, int16_t v)
{
    return w_scalar(w, key, CLK_GGUF_I16, (uint16_t)v);
}
clk_status clk_gguf_w_u32(clk_gguf_writer *w, const char *key, uint32_t v)
{
    int is_align = !strcmp(key, "general.alignment");
    if (is_align && (v == 0 || (v & (v - 1)) != 0))
        return clk_fail(w->e, CLK_E_ARG, "gguf writer: general.alignment %lu is not a power of two", (unsigned long)v);
    CLK_TRY(w_scalar(w, key, CLK_GGUF_U32, v));
    if (is_align) w->alignment = v; /* w_scalar succeeded: we are before the tensor infos */
    return CLK_OK;
}
clk_status clk_gguf_w_i32(clk_gguf_writer *w, const char *key, int32_t v)
{
    return w_scalar(w, key, CLK_GGUF_I32, (uint32_t)v);
}
clk_status clk_gguf_w_u64(clk_gguf_writer *w, const char *key, uint64_t v)
{
    return w_scalar(w, key, CLK_GGUF_U64, v);
}
clk_status clk_gguf_w_i64(clk_gguf_writer *w, const char *key, int64_t v)
{
    return w_scalar(w, key, CLK_GGUF_I64, (uint64_t)v);
}
clk_status clk_gguf_w_f32(clk_gguf_writer *w, const char *key, float v)
{
    return w_scalar(w, key, CLK_GGUF_F32, clk_f32_bits(v));
}
clk_status clk_gguf_w_f64(clk_gguf_writer *w, const char *key, double v)
{
    union { uint64_t u; double d; } b;
    b.d = v;
    return w_scalar(w, key, CLK_GGUF_F64, b.u);
}
clk_status clk_gguf_w_bool(clk_gguf_writer *w, const char *key, int v)
{
    return w_scalar(w, key, CLK_GGUF_BOOL, v ? 1u : 0u);
}

clk_status clk_gguf_w_strn(clk_gguf_writer *w, const char *key, const char *v, uint64_t n)
{
    CLK_TRY(w_key(w, key, CLK_GGUF_STRING));
    CLK_TRY(w_u64le(w, n));
    return w_put(w, v, n);
}

clk_status clk_gguf_w_str(clk_gguf_writer *w, const char *key, const char *v)
{
    return clk_gguf_w_strn(w, key, v, strlen(v));
}

clk_status clk_gguf_w_arr(clk_gguf_writer *w, const char *key, uint32_t elem_type, uint64_t n, const void *elems)
{
    uint64_t i;
    if (!scalar_size(elem_type))
        return clk_fail(w->e, CLK_E_ARG, "gguf writer: key '%s': clk_gguf_w_arr takes numeric element types, not %s",
                        key, clk_gguf_type_name(elem_type));
    CLK_TRY(w_key(w, key, CLK_GGUF_ARRAY));
    CLK_TRY(w_u32le(w, elem_type));
    CLK_TRY(w_u64le(w, n));
    for (i = 0; i < n; i++) {
        uint64_t bits = 0;
        switch (elem_type) {
        case CLK_GGUF_U8: case CLK_GGUF_BOOL: bits = ((const uint8_t *)elems)[i]; break;
        case CLK_GGUF_I8: bits = (uint8_t)((const int8_t *)elems)[i]; break;
        case CLK_GGUF_U16: bits = ((const uint16_t *)elems)[i]; break;
        case CLK_GGUF_I16: bits = (uint16_t)((const int16_t *)elems)[i]; break;
        case CLK_GGUF_U32: bits = ((const uint32_t *)elems)[i]; break;
        case CLK_GGUF_I32: bits = (uint32_t)((const int32_t *)elems)[i]; break;
        case CLK_GGUF_F32: bits = clk_f32_bits(((const float *)elems)[i]); break;
        case CLK_GGUF_U64: bits = ((const uint64_t *)elems)[i]; break;
        case CLK_GGUF_I64: bits = (uint64_t)((const int64_t *)elems)[i]; break;
        case CLK_GGUF_F64: {
            union { uint64_t u; double d; } b;
            b.d = ((const double *)elems)[i];
            bits = b.u;
            break;
        }
        default: break;
        }
        CLK_TRY(w_scalar_bits(w, elem_type, bits));
    }
    return CLK_OK;
}

clk_status clk_gguf_w_arr_str(clk_gguf_writer *w, const char *key, const char *const *strs, uint64_t n)
{
    uint64_t i;
    CLK_TRY(w_key(w, key, CLK_GGUF_ARRAY));
    CLK_TRY(w_u32le(w, CLK_GGUF_STRING));
    CLK_TRY(w_u64le(w, n));
    for (i = 0; i < n; i++) {
        uint64_t len = strlen(strs[i]);
        CLK_TRY(w_u64le(w, len));
        CLK_TRY(w_put(w, strs[i], len));
    }
    return CLK_OK;
}

clk_status clk_gguf_w_raw(clk_gguf_writer *w, const char *key, uint32_t type, const void *val, uint64_t n)
{
    CLK_TRY(w_key(w, key, type));
    return w_put(w, val, n);
}

clk_status clk_gguf_w_kv_copy(clk_gguf_writer *w, const clk_gguf_kv *kv)
{
    uint64_t n;
    CLK_TRY(w_order(w, 1, "a metadata pair"));
    if (w->kv_done == w->n_kv)
        return clk_fail(w->e, CLK_E_ARG, "gguf writer: a copied pair is one more than the %llu the header promised",
                        (unsigned long long)w->n_kv);
    /* written field by field: the key need not be NUL-terminated */
    n = kv->key.n;
    CLK_TRY(w_u64le(w, n));
    CLK_TRY(w_put(w, kv->key.p, n));
    CLK_TRY(w_u32le(w, kv->type));
    w->kv_done++;
    if (clk_str_eq(kv->key, "general.alignment") && kv->type == CLK_GGUF_U32) {
        uint32_t v = clk_rd32(kv->val);
        if (v == 0 || (v & (v - 1)) != 0)
            return clk_fail(w->e, CLK_E_ARG, "gguf writer: general.alignment %lu is not a power of two",
                            (unsigned long)v);
        w->alignment = v;
    }
    if (kv->type == CLK_GGUF_ARRAY) {
        CLK_TRY(w_u32le(w, kv->arr_type));
        CLK_TRY(w_u64le(w, kv->arr_n));
    }
    return w_put(w, kv->val, kv->val_bytes);
}

clk_status clk_gguf_w_tensor_info(clk_gguf_writer *w, const char *name, uint32_t n_dims, const int64_t *ne,
                                  uint32_t type)
{
    uint64_t nbytes, padded, n = strlen(name), j;
    if (w->stage == 1) {
        if (w->kv_done != w->n_kv)
            return clk_fail(w->e, CLK_E_ARG, "gguf writer: tensor info '%s' after %llu of the %llu promised pairs",
                            name, (unsigned long long)w->kv_done, (unsigned long long)w->n_kv);
        w->stage = 2;
    }
    CLK_TRY(w_order(w, 2, "a tensor info"));
    if (w->info_done == w->n_tensors)
        return clk_fail(w->e, CLK_E_ARG, "gguf writer: tensor '%s' is one more than the %llu the header promised", name,
                        (unsigned long long)w->n_tensors);
    if (n >= CLK_MAX_NAME)
        return clk_fail(w->e, CLK_E_ARG, "gguf writer: tensor name '%s' has %llu bytes (expected < %d)", name,
                        (unsigned long long)n, CLK_MAX_NAME);
    CLK_TRY(clk_gguf_tensor_bytes(name, type, n_dims, ne, &nbytes, w->e));
    padded = nbytes + (w->alignment - nbytes % w->alignment) % w->alignment;
    if (padded < nbytes || !clk_add_ok(w->data_size, padded, &padded))
        return clk_fail(w->e, CLK_E_ARG, "gguf writer: tensor '%s': the data section exceeds 2^64 bytes", name);
    CLK_TRY(w_u64le(w, n));
    CLK_TRY(w_put(w, name, n));
    CLK_TRY(w_u32le(w, n_dims));
    for (j = 0; j < n_dims; j++) CLK_TRY(w_u64le(w, (uint64_t)ne[j]));
    CLK_TRY(w_u32le(w, type));
    CLK_TRY(w_u64le(w, w->data_size));
    w->data_size = padded;
    w->info_done++;
    return CLK_OK;
}

/* Enter the data section: pad the file to the alignment. */
static clk_status w_enter_data(clk_gguf_writer *w)
{
    if (w->stage == 1 && w->n_tensors == 0 && w->kv_done == w->n_kv) w->stage = 2;
    if (w->stage != 2) return w_order(w, 2, "tensor data");
    if (w->info_done != w->n_tensors)
        return clk_fail(w->e, CLK_E_ARG, "gguf writer: tensor data after %llu of the %llu promised tensor infos",
                        (unsigned long long)w->info_done, (unsigned long long)w->n_tensors);
    CLK_TRY(w_zeros(w, (w->alignment - w->pos % w->alignment) % w->alignment));
    w->stage = 3;
    return CLK_OK;
}

clk_status clk_gguf_w_data(clk_gguf_writer *w, const void *p, uint64_t n)
{
    if (w->stage == 2) CLK_TRY(w_enter_data(w));
    CLK_TRY(w_order(w, 3, "tensor data"));
    if (w->tensors_done == w->n_tensors || n > w->data_size - w->data_pos)
        return clk_fail(w->e, CLK_E_ARG, "gguf writer: %llu bytes of tensor data beyond what the %llu tensor infos promised",
                        (unsigned long long)n, (unsigned long long)w->n_tensors);
    CLK_TRY(w_put(w, p, n));
    w->data_pos += n;
    return CLK_OK;
}

clk_status clk_gguf_w_tensor_end(clk_gguf_writer *w, uint64_t nbytes)
{
    uint64_t got, pad;
    if (w->stage == 2) CLK_TRY(w_enter_data(w));
    CLK_TRY(w_order(w, 3, "the end of a tensor"));
    got = w->data_pos - w->cur_start;
    if (got != nbytes)
        return clk_fail(w->e, CLK_E_ARG, "gguf writer: tensor %llu: %llu bytes written, expected %llu",
                        (unsigned long long)w->tensors_done, (unsigned long long)got, (unsigned long long)nbytes);
    if (w->tensors_done == w->n_tensors)
        return clk_fail(w->e, CLK_E_ARG, "gguf writer: more tensors than the %llu promised",
                        (unsigned long long)w->n_tensors);
    pad = (w->alignment - w->data_pos % w->alignment) % w->alignment;
    if (pad > w->data_size - w->data_pos)
        return clk_fail(w->e, CLK_E_ARG, "gguf writer: tensor %llu: the data runs past what the infos promised",
                        (unsigned long long)w->tensors_done);
    CLK_TRY(w_zeros(w, pad));
    w->data_pos += pad;
    w->cur_start = w->data_pos;
    w->tensors_done++;
    return CLK_OK;
}

clk_status clk_gguf_w_tensor(clk_gguf_writer *w, const void *p, uint64_t nbytes)
{
    CLK_TRY(clk_gguf_w_data(w, p, nbytes));
    return clk_gguf_w_tensor_end(w, nbytes);
}

clk_status clk_gguf_w_finish(clk_gguf_writer *w)
{
    if (w->stage == 0) return w_order(w, 1, "the end of the file");
    if (w->kv_done != w->n_kv)
        return clk_fail(w->e, CLK_E_ARG, "gguf writer: %llu of the %llu promised metadata pairs written",
                        (unsigned long long)w->kv_done, (unsigned long long)w->n_kv);
    if (w->info_done != w->n_tensors)
        return clk_fail(w->e, CLK_E_ARG, "gguf writer: %llu of the %llu promised tensor infos written",
                        (unsigned long long)w->info_done, (unsigned long long)w->n_tensors);
    if (w->n_tensors > 0 && w->stage == 2) CLK_TRY(w_enter_data(w)); /* every tensor empty */
    if (w->tensors_done != w->n_tensors || w->data_pos != w->data_size)
        return clk_fail(w->e, CLK_E_ARG, "gguf writer: %llu of the %llu tensors complete (%llu of %llu data bytes)",
                        (unsigned long long)w->tensors_done, (unsigned long long)w->n_tensors,
                        (unsigned long long)w->data_pos, (unsigned long long)w->data_size);
    w->stage = 4;
    return CLK_OK;
}
