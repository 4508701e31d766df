/*
 * jsonl.h - a strict JSON reader for JSON Lines result files and whole JSON
 * documents. Every byte is checked: the grammar of RFC 8259 exactly, UTF-8
 * validated (overlong forms, surrogates and stray bytes rejected), no
 * NaN/Infinity, no lone \u surrogates, no duplicate keys, nothing after the
 * value. A parsed value is a small DOM whose nodes and decoded strings live
 * in the caller's arena.
 *
 * Must never: allocate outside the arena, read outside [text, text + len),
 * need a NUL-terminated input, or print.
 *
 * The DOM is one array of nodes in document order (pre-order). A container
 * is followed by its members; `next` skips a whole subtree, so siblings are
 * found without pointers:
 *
 *     {"id": 3, "res": "B.", "s": [1, 2]}
 *
 *     node  type    n  next   value
 *     0     OBJECT  3  9
 *     1     STRING  2  2      "id"     object members: key node, then value
 *     2     NUMBER  -  3      3
 *     3     STRING  3  4      "res"
 *     4     STRING  2  5      "B."
 *     5     STRING  1  6      "s"
 *     6     ARRAY   2  9
 *     7     NUMBER  -  8      1
 *     8     NUMBER  -  9      2
 *
 * (tests/test_jsonl.c, test_dom_layout, checks exactly this table.)
 *
 * Memory: a text of B bytes has at most (B+1)/2 values (every value takes a
 * byte and siblings need a separator between them) and at most B bytes of
 * decoded strings with their NULs (escapes only shrink, and each string's
 * two quotes pay for its NUL). clk_json_bytes(B) is that bound, rounded as
 * the arena rounds: plan it once for the longest text, then parse with a
 * mark/reset per line.
 *
 * Usage:
 *     clk_jsonl r;  clk_jsonl_init(&r, map.data, map.size);
 *     while (clk_jsonl_next(&r, &line, &len)) {
 *         size_t mark = clk_arena_mark(&arena);
 *         clk_json_doc d;
 *         CLK_TRY(clk_json_parse(line, len, path, r.line, &arena, &d, &err));
 *         const clk_json *res = clk_json_get(&d, d.root, "res");
 *         ...
 *         clk_arena_reset(&arena, mark);
 *     }
 */
#ifndef CLK_JSONL_H
#define CLK_JSONL_H

#include "common.h"
#include "arena.h"

typedef enum clk_json_type {
    CLK_JSON_NULL,
    CLK_JSON_FALSE,
    CLK_JSON_TRUE,
    CLK_JSON_NUMBER,
    CLK_JSON_STRING,
    CLK_JSON_ARRAY,
    CLK_JSON_OBJECT
} clk_json_type;

/* "null", "false", "true", "a number", "a string", "an array", "an object" */
const char *clk_json_type_name(int type);

typedef struct clk_json {
    uint8_t type;    /* clk_json_type                                           */
    uint8_t is_int;  /* NUMBER written without fraction or exponent that fits
                        int64: u.i holds it exactly                             */
    uint32_t n;      /* STRING: bytes without the NUL; ARRAY: elements;
                        OBJECT: members (key/value pairs)                       */
    uint32_t next;   /* index of the first node after this value's subtree      */
    uint32_t pos;    /* byte offset of the value's first byte in the text       */
    double num;      /* NUMBER: the value, correctly rounded                     */
    union {
        int64_t i;     /* NUMBER with is_int                                       */
        const char *s; /* STRING: [n] decoded UTF-8 bytes + NUL (may contain NUL) */
    } u;
} clk_json;

typedef struct clk_json_doc {
    const clk_json *root; /* node[0] */
    clk_json *node;       /* [n_nodes] in document order */
    uint32_t n_nodes;
    const char *text;     /* the parsed text (not owned), for positions */
    size_t len;
} clk_json_doc;

/* Arena bytes clk_json_parse may take for a text of len bytes (see above). */
uint64_t clk_json_bytes(uint64_t len);

/* Parse one JSON value (surrounded by optional whitespace) from
 * text[0..len). `file` and `line` (the line number of the text's first
 * line, 1-based) only label error messages, which read
 *     FILE:LINE:COL: expected ..., found ...
 * with COL counted in characters from 1. Errors: CLK_E_FORMAT (grammar,
 * UTF-8), CLK_E_LIMIT (CLK_MAX_JSON_DEPTH, CLK_MAX_JSON_NUMBER, texts over
 * 2 GiB), CLK_E_NOMEM (arena smaller than clk_json_bytes(len)). */
clk_status clk_json_parse(const char *text, size_t len, const char *file, uint64_t line, clk_arena *a,
                          clk_json_doc *d, clk_err *e);

/* Member `key` of an object, or NULL (also NULL when obj is not an object). */
const clk_json *clk_json_get(const clk_json_doc *d, const clk_json *obj, const char *key);

/* The node after v's subtree: its next sibling when there is one. */
static inline const clk_json *clk_json_after(const clk_json_doc *d, const clk_json *v)
{
    return &d->node[v->next];
}

/* Element i of an array (i < n), walking siblings; NULL if out of range. */
const clk_json *clk_json_at(const clk_json_doc *d, const clk_json *arr, uint32_t i);

/* Line (from 1) and column (characters, from 1) of byte offset pos. */
void clk_json_where(const char *text, size_t len, size_t pos, uint64_t *line, uint64_t *col);

/* ------------------------------------------------------------ JSON Lines */

/* Walks a JSONL text line by line; "\n" ends a line ("\r\n" leaves a '\r'
 * that JSON treats as whitespace). A last line without "\n" counts; an
 * empty text has no lines. */
typedef struct clk_jsonl {
    const char *p, *end; /* text not yet returned */
    uint64_t line;       /* number of the line last returned, from 1 */
} clk_jsonl;

void clk_jsonl_init(clk_jsonl *r, const void *text, size_t len);
/* The next line without its "\n"; 0 at the end. */
int clk_jsonl_next(clk_jsonl *r, const char **line, size_t *len);
/* Lines clk_jsonl_next would return, and the longest one's bytes. */
void clk_jsonl_measure(const void *text, size_t len, uint64_t *lines, uint64_t *longest);

#endif /* CLK_JSONL_H */
