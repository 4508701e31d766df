/*
 * jsonl.c - the strict JSON reader of jsonl.h: one pass over the bytes, no
 * recursion (an explicit stack of CLK_MAX_JSON_DEPTH open containers), nodes
 * and decoded strings bump-allocated from the arena at the bound that
 * clk_json_bytes() plans.
 *
 * Must never: accept a byte sequence RFC 8259 or UTF-8 forbids, read past
 * the end of the text, allocate outside the arena, or print.
 */
#include "jsonl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *clk_json_type_name(int type)
{
    switch (type) {
    case CLK_JSON_NULL: return "null";
    case CLK_JSON_FALSE: return "false";
    case CLK_JSON_TRUE: return "true";
    case CLK_JSON_NUMBER: return "a number";
    case CLK_JSON_STRING: return "a string";
    case CLK_JSON_ARRAY: return "an array";
    case CLK_JSON_OBJECT: return "an object";
    }
    return "an unknown value";
}

/* Texts are indexed with uint32 offsets and node counts. */
#define JSON_MAX_TEXT 0x7FFFFFFFu

uint64_t clk_json_bytes(uint64_t len)
{
    return clk_plan_round(((len + 1) / 2 + 1) * sizeof(clk_json)) + clk_plan_round(len + 1);
}

/* ----------------------------------------------------------------- parser */

typedef struct frame {
    uint32_t idx;   /* the container's node */
    uint32_t count; /* members or elements so far */
} frame;

typedef struct parser {
    const unsigned char *s, *p, *end; /* text, cursor, end */
    clk_json *node;                   /* [cap] */
    uint32_t n, cap;
    char *str;                        /* [str_cap] decoded strings */
    size_t str_used, str_cap;
    const char *file;
    uint64_t line0;
    clk_err *e;
} parser;

void clk_json_where(const char *text, size_t len, size_t pos, uint64_t *line, uint64_t *col)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0, bol = 0;
    uint64_t ln = 1, c = 1;
    if (pos > len) pos = len;
    for (i = 0; i < pos; i++)
        if (s[i] == '\n') {
            ln++;
            bol = i + 1;
        }
    /* characters from the line start: count bytes that start a code point
     * (an invalid byte counts as one character) */
    for (i = bol; i < pos; i++)
        if ((s[i] & 0xC0) != 0x80) c++;
    *line = ln;
    *col = c;
}

/* A short description of what stands at p, for "found ..." */
static void describe(const parser *ps, const unsigned char *p, char *out, size_t cap)
{
    uint32_t cp;
    int k;
    if (p >= ps->end) {
        snprintf(out, cap, "the end of the text");
        return;
    }
    if (*p >= 0x20 && *p < 0x7F) {
        snprintf(out, cap, "'%c'", *p);
        return;
    }
    if (*p < 0x80) {
        snprintf(out, cap, "control character U+%04X", *p);
        return;
    }
    k = clk_utf8_decode(p, (size_t)(ps->end - p), &cp);
    if (k == 0) {
        snprintf(out, cap, "invalid UTF-8 (byte 0x%02X)", *p);
        return;
    }
    snprintf(out, cap, "'%.*s' (U+%04lX)", k, (const char *)p, (unsigned long)cp);
}

/* Fail with "FILE:LINE:COL: <message>" where COL is that of byte `at`. */
static clk_status fail_at(parser *ps, clk_status st, const unsigned char *at, const char *fmt, ...)
    CLK_PRINTF(4, 5);
static clk_status fail_at(parser *ps, clk_status st, const unsigned char *at, const char *fmt, ...)
{
    char msg[CLK_ERR_LEN];
    uint64_t line, col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    clk_json_where((const char *)ps->s, (size_t)(ps->end - ps->s), (size_t)(at - ps->s), &line, &col);
    return clk_fail(ps->e, st, "%s:%llu:%llu: %s", ps->file ? ps->file : "<json>",
                    (unsigned long long)(ps->line0 + line - 1), (unsigned long long)col, msg);
}

/* "expected WHAT, found <what is at p>" */
static clk_status expected(parser *ps, const unsigned char *p, const char *what)
{
    char found[64];
    describe(ps, p, found, sizeof found);
    return fail_at(ps, CLK_E_FORMAT, p, "expected %s, found %s", what, found);
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) ps->p++;
}

/* ps->cap is a proven bound (jsonl.h); clk_json_parse checks it held. */
static clk_json *add_node(parser *ps, int type)
{
    clk_json *v = &ps->node[ps->n];
    v->type = (uint8_t)type;
    v->is_int = 0;
    v->n = 0;
    v->pos = (uint32_t)(ps->p - ps->s);
    v->num = 0;
    v->u.i = 0;
    ps->n++;
    v->next = ps->n;
    return v;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Four hex digits after "\u" at p (p points at the 'u'). */
static clk_status read_u4(parser *ps, const unsigned char *p, uint32_t *out)
{
    uint32_t v = 0;
    int i;
    for (i = 1; i <= 4; i++) {
        int h = p + i < ps->end ? hexval(p[i]) : -1;
        if (h < 0) return expected(ps, p + i, "a hex digit in a \\u escape");
        v = v * 16 + (uint32_t)h;
    }
    *out = v;
    return CLK_OK;
}

/* A string at ps->p (the opening quote): decoded into the string area as
 * a STRING node. */
static clk_status parse_string(parser *ps)
{
    const unsigned char *start = ps->p;
    clk_json *v = add_node(ps, CLK_JSON_STRING);
    char *out = ps->str + ps->str_used;
    size_t n = 0;
    ps->p++;
    for (;;) {
        const unsigned char *p = ps->p;
        unsigned char c;
        if (p >= ps->end) return fail_at(ps, CLK_E_FORMAT, start, "unterminated string: no closing '\"' before the end of the text");
        c = *p;
        if (c == '"') {
            ps->p++;
            break;
        }
        if (c < 0x20) {
            return fail_at(ps, CLK_E_FORMAT, p,
                           "expected an escape such as \\n for control character U+%04X inside a string, found the raw byte",
                           c);
        }
        if (c < 0x80 && c != '\\') {
            out[n++] = (char)c;
            ps->p++;
            continue;
        }
        if (c >= 0x80) {
            uint32_t cp;
            int k = clk_utf8_decode(p, (size_t)(ps->end - p), &cp);
            if (k == 0) return fail_at(ps, CLK_E_FORMAT, p, "invalid UTF-8 in a string (byte 0x%02X)", c);
            memcpy(out + n, p, (size_t)k);
            n += (size_t)k;
            ps->p += k;
            continue;
        }
        /* an escape */
        if (p + 1 >= ps->end) return expected(ps, p + 1, "an escape character after '\\'");
        switch (p[1]) {
        case '"': out[n++] = '"'; break;
        case '\\': out[n++] = '\\'; break;
        case '/': out[n++] = '/'; break;
        case 'b': out[n++] = '\b'; break;
        case 'f': out[n++] = '\f'; break;
        case 'n': out[n++] = '\n'; break;
        case 'r': out[n++] = '\r'; break;
        case 't': out[n++] = '\t'; break;
        case 'u': {
            uint32_t cp, lo;
            CLK_TRY(read_u4(ps, p + 1, &cp));
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return fail_at(ps, CLK_E_FORMAT, p, "expected a character, found a lone low surrogate \\u%04lX",
                               (unsigned long)cp);
            if (cp >= 0xD800 && cp <= 0xDBFF) { /* UTF-16 pair: \uD83D\uDE00 */
                if (p + 7 >= ps->end || p[6] != '\\' || p[7] != 'u')
                    return fail_at(ps, CLK_E_FORMAT, p,
                                   "expected a low surrogate \\uDC00-\\uDFFF after \\u%04lX, found none",
                                   (unsigned long)cp);
                CLK_TRY(read_u4(ps, p + 7, &lo));
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return fail_at(ps, CLK_E_FORMAT, p + 6,
                                   "expected a low surrogate \\uDC00-\\uDFFF after \\u%04lX, found \\u%04lX",
                                   (unsigned long)cp, (unsigned long)lo);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                ps->p += 6;
            }
            n += (size_t)clk_utf8_encode(cp, (unsigned char *)out + n);
            ps->p += 4;
            break;
        }
        default: return expected(ps, p + 1, "one of \" \\ / b f n r t u after '\\'");
        }
        ps->p += 2;
    }
    out[n] = 0;
    ps->str_used += n + 1;
    v->n = (uint32_t)n;
    v->u.s = out;
    return CLK_OK;
}

static int is_digit(const parser *ps, const unsigned char *p) { return p < ps->end && *p >= '0' && *p <= '9'; }

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static clk_status parse_number(parser *ps)
{
    const unsigned char *p = ps->p, *start = ps->p;
    clk_json *v = add_node(ps, CLK_JSON_NUMBER);
    char buf[CLK_MAX_JSON_NUMBER + 1];
    int integral = 1, neg = 0, overflow = 0;
    uint64_t mag = 0;
    size_t len;
    char *endp;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    if (!is_digit(ps, p)) return expected(ps, p, "a digit in a number");
    if (*p == '0') {
        p++;
        if (is_digit(ps, p)) return fail_at(ps, CLK_E_FORMAT, start, "expected a number without leading zeros, found '0%c'", *p);
    } else {
        while (is_digit(ps, p)) {
            unsigned d = (unsigned)(*p - '0');
            if (mag > (UINT64_MAX - d) / 10) overflow = 1;
            else mag = mag * 10 + d;
            p++;
        }
    }
    if (p < ps->end && *p == '.') {
        integral = 0;
        p++;
        if (!is_digit(ps, p)) return expected(ps, p, "a digit after the decimal point");
        while (is_digit(ps, p)) p++;
    }
    if (p < ps->end && (*p == 'e' || *p == 'E')) {
        integral = 0;
        p++;
        if (p < ps->end && (*p == '+' || *p == '-')) p++;
        if (!is_digit(ps, p)) return expected(ps, p, "a digit in the exponent");
        while (is_digit(ps, p)) p++;
    }
    len = (size_t)(p - start);
    if (len > CLK_MAX_JSON_NUMBER)
        return fail_at(ps, CLK_E_LIMIT, start, "number of %zu characters is longer than CLK_MAX_JSON_NUMBER (%d)", len,
                       CLK_MAX_JSON_NUMBER);
    memcpy(buf, start, len); /* strtod needs a NUL; the grammar is already checked */
    buf[len] = 0;
    v->num = strtod(buf, &endp);
    if (v->num > 1.7976931348623157e308 || v->num < -1.7976931348623157e308)
        return fail_at(ps, CLK_E_FORMAT, start, "expected a number within the range of a double, found %s", buf);
    if (integral && !overflow && mag <= (uint64_t)INT64_MAX + (uint64_t)neg) {
        v->is_int = 1;
        v->u.i = !neg ? (int64_t)mag : mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    }
    ps->p = p;
    return CLK_OK;
}

static clk_status parse_literal(parser *ps, const char *word, int type)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return expected(ps, ps->p, "a JSON value (object, array, string, number, true, false or null)");
    add_node(ps, type);
    ps->p += n;
    return CLK_OK;
}

/* Compare key node k with the keys of the open object at `obj` that are
 * already complete (count of them): duplicates are an error. */
static clk_status check_duplicate(parser *ps, uint32_t obj, uint32_t count, const clk_json *k)
{
    uint32_t i, at = obj + 1;
    for (i = 0; i < count; i++) {
        const clk_json *prev = &ps->node[at];
        if (prev->n == k->n && memcmp(prev->u.s, k->u.s, k->n) == 0)
            return fail_at(ps, CLK_E_FORMAT, ps->s + k->pos, "expected unique keys in an object, found \"%.*s\" twice",
                           (int)(k->n > 60 ? 60 : k->n), k->u.s);
        at = ps->node[at + 1].next; /* skip the key and its value */
    }
    return CLK_OK;
}

static clk_status parse_text(parser *ps)
{
    frame st[CLK_MAX_JSON_DEPTH];
    int depth = 0;
    if (ps->end - ps->p >= 3 && ps->p[0] == 0xEF && ps->p[1] == 0xBB && ps->p[2] == 0xBF)
        return fail_at(ps, CLK_E_FORMAT, ps->p,
                       "expected a JSON value, found a UTF-8 byte order mark (U+FEFF); save the file without it");
    skip_ws(ps);
    for (;;) {
        unsigned char c;
        /* ---- a value starts here */
        skip_ws(ps);
        if (depth > 0 && ps->node[st[depth - 1].idx].type == CLK_JSON_ARRAY) st[depth - 1].count++;
        if (ps->p >= ps->end) return expected(ps, ps->p, "a JSON value");
        c = *ps->p;
        if (c == '{' || c == '[') {
            clk_json *v;
            if (depth == CLK_MAX_JSON_DEPTH)
                return fail_at(ps, CLK_E_LIMIT, ps->p, "values nested deeper than CLK_MAX_JSON_DEPTH (%d)",
                               CLK_MAX_JSON_DEPTH);
            v = add_node(ps, c == '{' ? CLK_JSON_OBJECT : CLK_JSON_ARRAY);
            st[depth].idx = (uint32_t)(v - ps->node);
            st[depth].count = 0;
            depth++;
            ps->p++;
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == (c == '{' ? '}' : ']')) {
                ps->p++;
                goto close;
            }
            if (c == '[') continue;
            goto key;
        }
        if (c == '"') CLK_TRY(parse_string(ps));
        else if (c == '-' || (c >= '0' && c <= '9')) CLK_TRY(parse_number(ps));
        else if (c == 't') CLK_TRY(parse_literal(ps, "true", CLK_JSON_TRUE));
        else if (c == 'f') CLK_TRY(parse_literal(ps, "false", CLK_JSON_FALSE));
        else if (c == 'n') CLK_TRY(parse_literal(ps, "null", CLK_JSON_NULL));
        else return expected(ps, ps->p, "a JSON value (object, array, string, number, true, false or null)");

    after_value:
        skip_ws(ps);
        if (depth == 0) {
            if (ps->p != ps->end) return expected(ps, ps->p, "the end of the text after the JSON value");
            return CLK_OK;
        }
        {
            int is_obj = ps->node[st[depth - 1].idx].type == CLK_JSON_OBJECT;
            if (ps->p < ps->end && *ps->p == ',') {
                ps->p++;
                if (!is_obj) continue;
                goto key;
            }
            if (ps->p < ps->end && *ps->p == (is_obj ? '}' : ']')) {
                ps->p++;
                goto close;
            }
            return expected(ps, ps->p, is_obj ? "',' or '}' after an object member" : "',' or ']' after an array element");
        }

    close : {
        clk_json *v = &ps->node[st[depth - 1].idx];
        v->n = st[depth - 1].count;
        v->next = ps->n;
        depth--;
        goto after_value;
    }

    key:
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != '"') return expected(ps, ps->p, "a key in double quotes");
        CLK_TRY(parse_string(ps));
        CLK_TRY(check_duplicate(ps, st[depth - 1].idx, st[depth - 1].count, &ps->node[ps->n - 1]));
        st[depth - 1].count++;
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != ':') return expected(ps, ps->p, "':' after the key");
        ps->p++;
        continue; /* the member's value (the top is an object: no element count) */
    }
}

clk_status clk_json_parse(const char *text, size_t len, const char *file, uint64_t line, clk_arena *a,
                          clk_json_doc *d, clk_err *e)
{
    parser ps;
    void *nodes, *strs;
    size_t cap_nodes;
    clk_status s;
    memset(d, 0, sizeof *d);
    ps.file = file;
    ps.line0 = line ? line : 1;
    ps.e = e;
    ps.s = ps.p = (const unsigned char *)text;
    ps.end = ps.s + len;
    if (len > JSON_MAX_TEXT)
        return fail_at(&ps, CLK_E_LIMIT, ps.s, "a JSON text of %zu bytes is larger than the 2 GiB this reader handles", len);
    cap_nodes = (len + 1) / 2 + 1;
    CLK_TRY(clk_arena_alloc(a, cap_nodes * sizeof(clk_json), "json nodes", &nodes, e));
    CLK_TRY(clk_arena_alloc(a, len + 1, "json strings", &strs, e));
    ps.node = (clk_json *)nodes;
    ps.cap = (uint32_t)cap_nodes;
    ps.n = 0;
    ps.str = (char *)strs;
    ps.str_used = 0;
    ps.str_cap = len + 1;
    s = parse_text(&ps);
    if (s != CLK_OK) return s;
    if (ps.n > ps.cap || ps.str_used > ps.str_cap)
        return clk_fail(e, CLK_E_INTERNAL, "json: the memory bound of jsonl.h did not hold (%u nodes, %zu string bytes)",
                        ps.n, ps.str_used);
    d->node = ps.node;
    d->root = ps.node;
    d->n_nodes = ps.n;
    d->text = text;
    d->len = len;
    return CLK_OK;
}

const clk_json *clk_json_get(const clk_json_doc *d, const clk_json *obj, const char *key)
{
    size_t klen = strlen(key);
    const clk_json *k;
    uint32_t i;
    if (!obj || obj->type != CLK_JSON_OBJECT) return NULL;
    k = obj + 1;
    for (i = 0; i < obj->n; i++) {
        if (k->n == klen && memcmp(k->u.s, key, klen) == 0) return k + 1;
        k = clk_json_after(d, k + 1);
    }
    return NULL;
}

const clk_json *clk_json_at(const clk_json_doc *d, const clk_json *arr, uint32_t i)
{
    const clk_json *v;
    uint32_t j;
    if (!arr || arr->type != CLK_JSON_ARRAY || i >= arr->n) return NULL;
    v = arr + 1;
    for (j = 0; j < i; j++) v = clk_json_after(d, v);
    return v;
}

/* ------------------------------------------------------------ JSON Lines */

void clk_jsonl_init(clk_jsonl *r, const void *text, size_t len)
{
    r->p = (const char *)text;
    r->end = r->p + len;
    r->line = 0;
}

int clk_jsonl_next(clk_jsonl *r, const char **line, size_t *len)
{
    const char *nl;
    if (r->p >= r->end) return 0;
    nl = (const char *)memchr(r->p, '\n', (size_t)(r->end - r->p));
    *line = r->p;
    if (nl) {
        *len = (size_t)(nl - r->p);
        r->p = nl + 1;
    } else {
        *len = (size_t)(r->end - r->p);
        r->p = r->end;
    }
    r->line++;
    return 1;
}

void clk_jsonl_measure(const void *text, size_t len, uint64_t *lines, uint64_t *longest)
{
    clk_jsonl r;
    const char *l;
    size_t n;
    *lines = 0;
    *longest = 0;
    clk_jsonl_init(&r, text, len);
    while (clk_jsonl_next(&r, &l, &n)) {
        (*lines)++;
        if (n > *longest) *longest = n;
    }
}
