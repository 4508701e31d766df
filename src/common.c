/*
 * common.c - status names, error records, output sinks, UTF-8 and number
 * parsing shared by every stage. No allocation, no I/O of its own.
 */
#include "common.h"

#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <errno.h>

const char *clk_status_name(clk_status s)
{
    switch (s) {
    case CLK_OK: return "ok";
    case CLK_E_ARG: return "argument";
    case CLK_E_IO: return "io";
    case CLK_E_FORMAT: return "format";
    case CLK_E_UNSUPPORTED: return "unsupported";
    case CLK_E_DATA: return "data";
    case CLK_E_LIMIT: return "limit";
    case CLK_E_NOMEM: return "memory";
    case CLK_E_INTERNAL: return "internal";
    }
    return "unknown";
}

clk_status clk_fail(clk_err *e, clk_status s, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
        e->status = s;
    }
    return s;
}

clk_status clk_fail_wrap(clk_err *e, const char *fmt, ...)
{
    char msg[CLK_ERR_LEN];
    size_t n, old;
    va_list ap;
    if (!e) return CLK_E_INTERNAL;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    n = strlen(msg);
    e->msg[sizeof e->msg - 1] = 0;
    old = strlen(e->msg);
    if (old > sizeof msg - 1 - n) old = sizeof msg - 1 - n; /* keep the start of the old text */
    memcpy(msg + n, e->msg, old);
    msg[n + old] = 0;
    memcpy(e->msg, msg, n + old + 1);
    return e->status;
}

/* ---------------------------------------------------------------- output */

clk_status clk_out_write(clk_out *o, const void *p, size_t n)
{
    if (n == 0) return CLK_OK;
    return o->write(o->ctx, p, n, o->err);
}

clk_status clk_out_str(clk_out *o, const char *s) { return clk_out_write(o, s, strlen(s)); }

clk_status clk_outf(clk_out *o, const char *fmt, ...)
{
    char tmp[CLK_OUTF_LEN];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return clk_fail(o->err, CLK_E_LIMIT, "formatted output of %d bytes exceeds CLK_OUTF_LEN (%d)", n,
                        CLK_OUTF_LEN);
    return clk_out_write(o, tmp, (size_t)n);
}

static clk_status buf_write(void *ctx, const void *p, size_t n, clk_err *e)
{
    clk_buf *b = (clk_buf *)ctx;
    if (b->cap == 0 || n > b->cap - 1 - b->len)
        return clk_fail(e, CLK_E_LIMIT, "output buffer of %zu bytes is full (needed %zu more)", b->cap,
                        n - (b->cap ? b->cap - 1 - b->len : 0));
    memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = 0;
    return CLK_OK;
}

clk_out clk_out_buf(clk_buf *b, clk_err *e)
{
    clk_out o;
    o.write = buf_write;
    o.ctx = b;
    o.err = e;
    if (b->cap) b->p[b->len < b->cap ? b->len : b->cap - 1] = 0;
    return o;
}

/* ----------------------------------------------------------------- UTF-8 */

int clk_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    uint32_t c;
    int len, i;
    if (n == 0) return 0;
    c = s[0];
    if (c < 0x80) { *cp = c; return 1; }
    if (c < 0xC2) return 0;                    /* continuation byte or overlong 2-byte lead */
    if (c < 0xE0) { len = 2; c &= 0x1F; }
    else if (c < 0xF0) { len = 3; c &= 0x0F; }
    else if (c < 0xF5) { len = 4; c &= 0x07; }
    else return 0;
    if ((size_t)len > n) return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (len == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))) return 0;
    if (len == 4 && (c < 0x10000 || c > 0x10FFFF)) return 0;
    *cp = c;
    return len;
}

int clk_utf8_encode(uint32_t cp, unsigned char *out)
{
    if (cp < 0x80) { out[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp <= 0x10FFFF) {
        out[0] = (unsigned char)(0xF0 | (cp >> 18));
        out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (unsigned char)(0x80 | (cp & 0x3F));
        return 4;
    }
    return 0;
}

size_t clk_utf8_valid_prefix(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        int k;
        if (s[i] < 0x80) { i++; continue; }
        k = clk_utf8_decode(s + i, n - i, &cp);
        if (k == 0) break;
        i += (size_t)k;
    }
    return i;
}

int clk_is_py_space(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
           c == 0x3000;
}

int clk_ascii_ieq(const char *a, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)s[i];
        if (x == 0) return 0;
        if (x >= 'A' && x <= 'Z') x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = (unsigned char)(y - 'A' + 'a');
        if (x != y) return 0;
    }
    return a[n] == 0;
}

/* --------------------------------------------------------------- numbers */

clk_status clk_parse_bytes(const char *s, uint64_t *out, clk_err *e)
{
    char *end;
    double v, mul = 1;
    errno = 0;
    if (!s || !*s) return clk_fail(e, CLK_E_ARG, "expected a byte count such as 512M, found an empty string");
    v = strtod(s, &end);
    if (end == s || errno || v < 0)
        return clk_fail(e, CLK_E_ARG, "expected a byte count such as 512M, found '%s'", s);
    switch (*end) {
    case 0: break;
    case 'k': case 'K': mul = 1024.0; end++; break;
    case 'm': case 'M': mul = 1024.0 * 1024; end++; break;
    case 'g': case 'G': mul = 1024.0 * 1024 * 1024; end++; break;
    case 't': case 'T': mul = 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: break;
    }
    if (*end == 'i' || *end == 'B') end++; /* accept 512MiB / 512MB as binary too */
    if (*end == 'B') end++;
    if (*end) return clk_fail(e, CLK_E_ARG, "expected a byte count such as 512M, found '%s'", s);
    v *= mul;
    if (v >= 18446744073709551615.0) return clk_fail(e, CLK_E_ARG, "byte count '%s' is too large", s);
    *out = (uint64_t)v;
    return CLK_OK;
}

clk_status clk_parse_int(const char *s, long lo, long hi, long *out, const char *what, clk_err *e)
{
    char *end;
    long v;
    errno = 0;
    if (!s || !*s) return clk_fail(e, CLK_E_ARG, "%s: expected an integer, found an empty string", what);
    v = strtol(s, &end, 10);
    if (*end || errno) return clk_fail(e, CLK_E_ARG, "%s: expected an integer, found '%s'", what, s);
    if (v < lo || v > hi) return clk_fail(e, CLK_E_ARG, "%s: expected %ld..%ld, found %ld", what, lo, hi, v);
    *out = v;
    return CLK_OK;
}
