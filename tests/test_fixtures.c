/* test_fixtures.c - guards fixtures/clika-mini, clika's own small parallel
 * question set in the CLiKA layout (original content, see its README.md).
 *
 * What it proves, without ../shared:
 *   - every .jsonl/.json file is one strict JSON object per line (RFC 8259
 *     grammar, valid UTF-8, paired surrogates, no control bytes, no
 *     duplicate keys, a final newline);
 *   - each task has 30 items in each of its 7 languages, items are parallel
 *     (same id, same label, same question kind on the same line);
 *   - every model_input prompt is byte-for-byte the authors' open-model
 *     prompt rebuilt from the data record (instruction + fixed demonstration
 *     + item, ending with "Answer:"), so prompts and options cannot drift;
 *   - labels are balanced;
 *   - the demo model's result files, scored with the authors' rule
 *     (REFERENCE.md section 2), give exactly the counts in demo_counts.tsv
 *     (n, correct, |C_en and C_L|, |C_en or C_L|) that clika score must
 *     reproduce;
 *   - the fictional stream follows the authors' protocol: tags, alignment
 *     with the English file, a translation for every name, training data
 *     that states type-1 facts only in English.
 * With ../shared it also checks that no sentence of the fixture occurs
 * verbatim in the CLiKA authors' data (which has no licence).
 *
 * The JSON reader here is deliberately small and self-contained (it is test
 * harness code and may allocate); it does not use src/jsonl.
 */
#include "test.h"
#include "common.h"

#define FIX "fixtures/clika-mini"
#define NITEMS 30
#define NLANG 7

static const char *const LANGS[NLANG] = {"en", "zh", "de", "fr", "ja", "ru", "ar"};

/* ===================================================== a strict JSON reader */

enum { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ };

typedef struct jv {
    int t;
    char *s;   /* J_STR: decoded UTF-8, NUL-terminated; J_NUM: the literal */
    size_t n;  /* byte length of s */
    double num;
    char *key; /* member name when inside an object (decoded) */
    size_t keyn;
    struct jv *kid, *next;
} jv;

/* Chunked bump allocator: nodes and decoded strings of one file. */
typedef struct chunk {
    struct chunk *prev;
    size_t cap, used;
    /* data follows */
} chunk;

typedef struct {
    chunk *head;
} pool;

/* chunk header rounded up so that every allocation is 16-byte aligned */
#define CHUNK_HDR ((sizeof(chunk) + 15) & ~(size_t)15)

static void *palloc(pool *p, size_t n)
{
    char *mem;
    n = (n + 15) & ~(size_t)15;
    if (!p->head || p->head->cap - p->head->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        chunk *c = (chunk *)malloc(CHUNK_HDR + cap);
        if (!c) return NULL;
        c->prev = p->head;
        c->cap = cap;
        c->used = 0;
        p->head = c;
    }
    mem = (char *)p->head + CHUNK_HDR + p->head->used;
    p->head->used += n;
    return mem;
}

static void pool_free(pool *p)
{
    while (p->head) {
        chunk *c = p->head;
        p->head = c->prev;
        free(c);
    }
}

typedef struct {
    const unsigned char *s, *p, *end;
    pool *pool;
    char err[160];
} jparse;

static int jfail(jparse *j, const char *what)
{
    if (!j->err[0])
        snprintf(j->err, sizeof j->err, "column %ld: %s", (long)(j->p - j->s) + 1, what);
    return 0;
}

static void jws(jparse *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

static int hex4(jparse *j, uint32_t *out)
{
    int i;
    uint32_t v = 0;
    if (j->end - j->p < 4) return jfail(j, "expected 4 hex digits after \\u");
    for (i = 0; i < 4; i++) {
        int c = j->p[i], d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return jfail(j, "expected a hex digit in \\u escape");
        v = v * 16 + (uint32_t)d;
    }
    j->p += 4;
    *out = v;
    return 1;
}

/* Decodes a string at j->p (which is at the opening quote). Escapes never
 * make the text longer, so the raw length bounds the output. */
static int jstring(jparse *j, char **out, size_t *outn)
{
    const unsigned char *q;
    char *buf;
    size_t n = 0;
    j->p++; /* opening quote */
    for (q = j->p; q < j->end && *q != '"'; q++)
        if (*q == '\\' && q + 1 < j->end) q++;
    if (q >= j->end) return jfail(j, "unterminated string");
    buf = (char *)palloc(j->pool, (size_t)(q - j->p) + 1);
    if (!buf) return jfail(j, "out of memory");
    while (*j->p != '"') {
        unsigned char c = *j->p;
        if (c < 0x20) return jfail(j, "control byte inside a string");
        if (c == '\\') {
            uint32_t cp;
            j->p++;
            switch (*j->p++) {
            case '"': buf[n++] = '"'; break;
            case '\\': buf[n++] = '\\'; break;
            case '/': buf[n++] = '/'; break;
            case 'b': buf[n++] = '\b'; break;
            case 'f': buf[n++] = '\f'; break;
            case 'n': buf[n++] = '\n'; break;
            case 'r': buf[n++] = '\r'; break;
            case 't': buf[n++] = '\t'; break;
            case 'u':
                if (!hex4(j, &cp)) return 0;
                if (cp >= 0xDC00 && cp <= 0xDFFF) return jfail(j, "lone low surrogate");
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    uint32_t lo;
                    if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u')
                        return jfail(j, "high surrogate without a low surrogate");
                    j->p += 2;
                    if (!hex4(j, &lo)) return 0;
                    if (lo < 0xDC00 || lo > 0xDFFF) return jfail(j, "high surrogate without a low surrogate");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                n += (size_t)clk_utf8_encode(cp, (unsigned char *)buf + n);
                break;
            default:
                j->p--;
                return jfail(j, "unknown escape");
            }
        } else if (c < 0x80) {
            buf[n++] = (char)c;
            j->p++;
        } else {
            uint32_t cp;
            int k = clk_utf8_decode(j->p, (size_t)(j->end - j->p), &cp);
            if (k == 0) return jfail(j, "invalid UTF-8");
            memcpy(buf + n, j->p, (size_t)k);
            n += (size_t)k;
            j->p += k;
        }
    }
    j->p++; /* closing quote */
    buf[n] = 0;
    *out = buf;
    *outn = n;
    return 1;
}

static jv *jvalue(jparse *j, int depth);

static jv *jnew(jparse *j, int t)
{
    jv *v = (jv *)palloc(j->pool, sizeof(jv));
    if (!v) {
        jfail(j, "out of memory");
        return NULL;
    }
    memset(v, 0, sizeof *v);
    v->t = t;
    return v;
}

static jv *jnumber(jparse *j)
{
    const unsigned char *b = j->p;
    jv *v;
    char tmp[64];
    if (j->p < j->end && *j->p == '-') j->p++;
    if (j->p >= j->end || !(*j->p >= '0' && *j->p <= '9')) return jfail(j, "expected a digit"), (jv *)NULL;
    if (*j->p == '0') {
        j->p++;
        if (j->p < j->end && *j->p >= '0' && *j->p <= '9') return jfail(j, "leading zero in a number"), (jv *)NULL;
    } else {
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
    }
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (j->p >= j->end || !(*j->p >= '0' && *j->p <= '9')) return jfail(j, "expected a digit after '.'"), (jv *)NULL;
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
        if (j->p >= j->end || !(*j->p >= '0' && *j->p <= '9')) return jfail(j, "expected an exponent digit"), (jv *)NULL;
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
    }
    if ((size_t)(j->p - b) >= sizeof tmp) return jfail(j, "number too long"), (jv *)NULL;
    v = jnew(j, J_NUM);
    if (!v) return NULL;
    v->n = (size_t)(j->p - b);
    v->s = (char *)palloc(j->pool, v->n + 1);
    if (!v->s) return jfail(j, "out of memory"), (jv *)NULL;
    memcpy(v->s, b, v->n);
    v->s[v->n] = 0;
    memcpy(tmp, b, v->n);
    tmp[v->n] = 0;
    v->num = strtod(tmp, NULL);
    return v;
}

static int lit(jparse *j, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0) return 0;
    j->p += n;
    return 1;
}

static jv *jvalue(jparse *j, int depth)
{
    jv *v, **tail;
    if (depth > 32) return jfail(j, "nesting deeper than 32"), (jv *)NULL;
    jws(j);
    if (j->p >= j->end) return jfail(j, "expected a value, found end of line"), (jv *)NULL;
    switch (*j->p) {
    case '{':
        v = jnew(j, J_OBJ);
        if (!v) return NULL;
        j->p++;
        tail = &v->kid;
        jws(j);
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            return v;
        }
        for (;;) {
            char *k;
            size_t kn;
            jv *m, *o;
            jws(j);
            if (j->p >= j->end || *j->p != '"') return jfail(j, "expected a member name"), (jv *)NULL;
            if (!jstring(j, &k, &kn)) return NULL;
            for (o = v->kid; o; o = o->next)
                if (o->keyn == kn && memcmp(o->key, k, kn) == 0) return jfail(j, "duplicate key"), (jv *)NULL;
            jws(j);
            if (j->p >= j->end || *j->p != ':') return jfail(j, "expected ':'"), (jv *)NULL;
            j->p++;
            m = jvalue(j, depth + 1);
            if (!m) return NULL;
            m->key = k;
            m->keyn = kn;
            *tail = m;
            tail = &m->next;
            jws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                continue;
            }
            if (j->p < j->end && *j->p == '}') {
                j->p++;
                return v;
            }
            return jfail(j, "expected ',' or '}'"), (jv *)NULL;
        }
    case '[':
        v = jnew(j, J_ARR);
        if (!v) return NULL;
        j->p++;
        tail = &v->kid;
        jws(j);
        if (j->p < j->end && *j->p == ']') {
            j->p++;
            return v;
        }
        for (;;) {
            jv *m = jvalue(j, depth + 1);
            if (!m) return NULL;
            *tail = m;
            tail = &m->next;
            v->n++;
            jws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                continue;
            }
            if (j->p < j->end && *j->p == ']') {
                j->p++;
                return v;
            }
            return jfail(j, "expected ',' or ']'"), (jv *)NULL;
        }
    case '"':
        v = jnew(j, J_STR);
        if (!v || !jstring(j, &v->s, &v->n)) return NULL;
        return v;
    case 't':
        if (lit(j, "true")) return jnew(j, J_TRUE);
        break;
    case 'f':
        if (lit(j, "false")) return jnew(j, J_FALSE);
        break;
    case 'n':
        if (lit(j, "null")) return jnew(j, J_NULL);
        break;
    default:
        if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9')) return jnumber(j);
    }
    return jfail(j, "unexpected character"), (jv *)NULL;
}

/* One line -> one object. Returns NULL and fills err on failure. */
static jv *parse_line(const unsigned char *s, size_t n, pool *pl, char *err, size_t errcap)
{
    jparse j;
    jv *v;
    memset(&j, 0, sizeof j);
    j.s = j.p = s;
    j.end = s + n;
    j.pool = pl;
    v = jvalue(&j, 0);
    if (v && v->t != J_OBJ) {
        v = NULL;
        snprintf(j.err, sizeof j.err, "column 1: a line must hold a JSON object");
    }
    if (v) {
        jws(&j);
        if (j.p != j.end) {
            v = NULL;
            jfail(&j, "bytes after the object");
        }
    }
    if (!v) snprintf(err, errcap, "%s", j.err);
    return v;
}

typedef struct {
    int n;         /* lines */
    int crlf;      /* lines ending in CR LF */
    jv **row;      /* [n] */
    unsigned char *buf;
    pool pool;
    char err[300]; /* first problem, with file and line */
} jfile;

static void jfile_free(jfile *f)
{
    free(f->row);
    free(f->buf);
    pool_free(&f->pool);
    memset(f, 0, sizeof *f);
}

/* Loads a JSON-lines file. Returns 1 when every line is a strict JSON object. */
static int jfile_load(jfile *f, const char *path)
{
    size_t len = 0, i, start = 0, nl = 0, cap;
    memset(f, 0, sizeof *f);
    f->buf = t_slurp(path, &len);
    if (!f->buf) {
        snprintf(f->err, sizeof f->err, "%s: cannot read", path);
        return 0;
    }
    if (len == 0 || f->buf[len - 1] != '\n') {
        snprintf(f->err, sizeof f->err, "%s: empty or no final newline", path);
        return 0;
    }
    if (len >= 3 && memcmp(f->buf, "\xEF\xBB\xBF", 3) == 0) {
        snprintf(f->err, sizeof f->err, "%s: starts with a byte-order mark", path);
        return 0;
    }
    for (i = 0; i < len; i++) nl += f->buf[i] == '\n';
    cap = nl;
    f->row = (jv **)calloc(cap ? cap : 1, sizeof(jv *));
    for (i = 0; i < len; i++) {
        if (f->buf[i] == '\n') {
            size_t end = i;
            char e[200];
            if (end > start && f->buf[end - 1] == '\r') {
                end--;
                f->crlf++;
            }
            if (end == start) {
                snprintf(f->err, sizeof f->err, "%s:%d: empty line", path, f->n + 1);
                return 0;
            }
            f->row[f->n] = parse_line(f->buf + start, end - start, &f->pool, e, sizeof e);
            if (!f->row[f->n]) {
                snprintf(f->err, sizeof f->err, "%s:%d: %s", path, f->n + 1, e);
                return 0;
            }
            f->n++;
            start = i + 1;
        }
    }
    return 1;
}

static const jv *jget(const jv *o, const char *key)
{
    const jv *m;
    size_t n = strlen(key);
    if (!o || o->t != J_OBJ) return NULL;
    for (m = o->kid; m; m = m->next)
        if (m->keyn == n && memcmp(m->key, key, n) == 0) return m;
    return NULL;
}

static const char *jstr(const jv *o, const char *key)
{
    const jv *v = jget(o, key);
    return v && v->t == J_STR ? v->s : NULL;
}

static int jint(const jv *o, const char *key, long *out)
{
    const jv *v = jget(o, key);
    if (!v || v->t != J_NUM || v->num != (double)(long)v->num) return 0;
    *out = (long)v->num;
    return 1;
}

static int jcount(const jv *o)
{
    int n = 0;
    const jv *m;
    for (m = o ? o->kid : NULL; m; m = m->next) n++;
    return n;
}

static const jv *jat(const jv *a, int i)
{
    const jv *m = a && a->t == J_ARR ? a->kid : NULL;
    while (m && i-- > 0) m = m->next;
    return m;
}

/* Scalars equal as JSON values (type and text). */
static int jsame(const jv *a, const jv *b)
{
    if (!a || !b || a->t != b->t) return 0;
    if (a->t == J_STR || a->t == J_NUM) return a->n == b->n && memcmp(a->s, b->s, a->n) == 0;
    return a->t != J_ARR && a->t != J_OBJ;
}

/* ===================================================== small helpers */

typedef struct {
    char *s;
    size_t n, cap;
} sbuf;

static void sb_add(sbuf *b, const char *s)
{
    size_t k = strlen(s);
    if (b->n + k + 1 > b->cap) {
        b->cap = (b->n + k + 1) * 2;
        b->s = (char *)realloc(b->s, b->cap);
    }
    memcpy(b->s + b->n, s, k + 1);
    b->n += k;
}

/* Splits a mutable text into lines in place (LF or CR LF). */
static char *next_line(char **cur)
{
    char *s = *cur, *e;
    if (!s || !*s) return NULL;
    e = strchr(s, '\n');
    if (e) {
        *cur = e + 1;
        if (e > s && e[-1] == '\r') e--;
        *e = 0;
    } else {
        *cur = s + strlen(s);
    }
    return s;
}

static int ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

/* The authors' scoring rule (REFERENCE.md section 2): strip Python
 * whitespace at both ends, then the first code point must be the label. */
static int res_correct(const char *res, char label)
{
    const unsigned char *s = (const unsigned char *)res;
    size_t n = strlen(res), i = 0, end = n;
    uint32_t cp = 0;
    int k;
    while (i < n) {
        k = clk_utf8_decode(s + i, n - i, &cp);
        if (k == 0 || !clk_is_py_space(cp)) break;
        i += (size_t)k;
    }
    while (end > i) { /* find the last code point's start, test it */
        size_t b = end - 1;
        while (b > i && (s[b] & 0xC0) == 0x80) b--;
        k = clk_utf8_decode(s + b, end - b, &cp);
        if (k == 0 || !clk_is_py_space(cp)) break;
        end = b;
    }
    if (end == i) return 0; /* empty -> 'F' -> never a label */
    k = clk_utf8_decode(s + i, end - i, &cp);
    return k > 0 && cp == (uint32_t)(unsigned char)label;
}

/* Case folding for "does this text mention that name": ASCII, Latin-1
 * capitals and basic Cyrillic capitals. Output: code points. */
static size_t fold(const char *s, uint32_t *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0, m = 0;
    while (i < n && m < cap) {
        uint32_t c;
        int k = clk_utf8_decode(p + i, n - i, &c);
        if (k == 0) return 0;
        i += (size_t)k;
        if (c >= 'A' && c <= 'Z') c += 32;
        else if (c >= 0xC0 && c <= 0xDE && c != 0xD7) c += 0x20;
        else if (c >= 0x410 && c <= 0x42F) c += 0x20;
        else if (c >= 0x400 && c <= 0x40F) c += 0x50;
        out[m++] = c;
    }
    return m;
}

static int mentions(const char *text, const char *name)
{
    static uint32_t a[16384], b[512];
    size_t na = fold(text, a, 16384), nb = fold(name, b, 512), i;
    if (nb == 0 || nb > na) return 0;
    for (i = 0; i + nb <= na; i++)
        if (memcmp(a + i, b, nb * sizeof(uint32_t)) == 0) return 1;
    return 0;
}

/* ===================================================== the CLiKA layout */

typedef enum { T_GEO, T_NAME, T_COPA, T_CSQA, T_COUNT } task_id;
static const char *const TASK[T_COUNT] = {"x_geo", "x_name", "x_copa", "x_csqa"};
static const int NOPT[T_COUNT] = {4, 4, 2, 5};

/* Directory spelling per task and language, as the authors spell it. */
static const char *const DIR_COPA[NLANG] = {"en", "zh", "DE", "FR", "JA", "RU", "ar"};
static const char *const DIR_CSQA[NLANG] = {"en", "ZH_trans", "DE_trans", "FR_trans", "JA_trans", "RU_trans", "ar_trans"};

static const char *dir_of(task_id t, int li)
{
    return t == T_COPA ? DIR_COPA[li] : t == T_CSQA ? DIR_CSQA[li] : LANGS[li];
}

static void data_path(char *out, size_t cap, task_id t, int li)
{
    const char *d = dir_of(t, li);
    if (t == T_GEO) snprintf(out, cap, FIX "/x_geo/%s/%s_geo_data.jsonl", d, d);
    else if (t == T_NAME) snprintf(out, cap, FIX "/x_name/%s/%s_name_data_generate.jsonl", d, d);
    else if (t == T_COPA) snprintf(out, cap, FIX "/x_copa/%s/test.jsonl", d);
    else snprintf(out, cap, FIX "/x_csqa/%s/validation.jsonl", d);
}

/* The authors' open-model scaffolding (clika-spec.md section 2.3). */
static const char INSTR_MC[] =
    "The following are multiple choice questions. Please choose the most reasonable one from the following options.\n";
static const char DEMO_4[] = "Question:2+3=?\nA. 1\nB. 2\nC. 3\nD. 5\nAnswer:D. 5\n";
static const char DEMO_5[] = "Question:2+3=?\nA. 1\nB. 2\nC. 3\nD. 5\nE. 6\nAnswer:D. 5\n";
static const char INSTR_COPA[] = "Answer the following multiple choice questions by selecting the correct option "
                                 "according to the Premise.Please choose the correct one from the two options A and B.\n";
static const char DEMO_COPA[] = "Premise:The sky turns dark.\nQuestion:What was the cause of this?\nA. It's night.\n"
                                "B. It's noon.\nAnswer:A. It's night.\n\n";

/* What one task/language looks like once read: per item the expected
 * prompt, the label letter and the id node. */
typedef struct {
    jfile data, input, res;
    char *prompt[NITEMS];
    char label[NITEMS];
    const jv *id[NITEMS];
    const char *kind[NITEMS]; /* x_copa: cause/effect; x_name: the answers (years) joined */
    char *years[NITEMS];
    int ok;
} taskfile;

/* Rebuilds the prompt of item r of task t; fills label/id. Returns an error text or NULL. */
static const char *build_item(task_id t, int li, const jv *r, taskfile *tf, int i)
{
    sbuf b = {NULL, 0, 0};
    char opt[8];
    long lab = -1, v;
    int k;
    if (t == T_GEO || t == T_NAME) {
        const jv *ans = jget(r, "answers");
        const char *q = jstr(r, "questions"), *sl = jstr(r, "sent_lang"), *ol = jstr(r, "original_lang");
        int known = 0;
        if (!q || !ans || ans->t != J_ARR || ans->n != 4 || !jint(r, "label", &lab) || !jint(r, "id", &v) || !sl ||
            !ol || jcount(r) != 6)
            return "expected exactly id, questions, answers[4], label, original_lang, sent_lang";
        if (strcmp(sl, LANGS[li]) != 0) return "sent_lang is not the file's language";
        for (k = 0; k < NLANG; k++) known |= strcmp(ol, LANGS[k]) == 0;
        if (!known) return "original_lang is not one of the seven languages";
        if (lab < 0 || lab > 3) return "label out of 0..3";
        sb_add(&b, INSTR_MC);
        sb_add(&b, DEMO_4);
        sb_add(&b, "Question:");
        sb_add(&b, q);
        sb_add(&b, "\n");
        tf->years[i] = NULL;
        for (k = 0; k < 4; k++) {
            const jv *a = jat(ans, k);
            if (!a || a->t != J_STR || a->n == 0) return "an answer is not a non-empty string";
            snprintf(opt, sizeof opt, "%c. ", 'A' + k);
            sb_add(&b, opt);
            sb_add(&b, a->s);
            sb_add(&b, "\n");
        }
        if (t == T_NAME) {
            sbuf y = {NULL, 0, 0};
            for (k = 0; k < 4; k++) {
                sb_add(&y, jat(ans, k)->s);
                sb_add(&y, "|");
            }
            tf->years[i] = y.s;
        }
        tf->id[i] = jget(r, "id");
    } else if (t == T_COPA) {
        const char *p = jstr(r, "premise"), *q = jstr(r, "question"), *c1 = jstr(r, "choice1"), *c2 = jstr(r, "choice2");
        if (!p || !q || !c1 || !c2 || !jint(r, "label", &lab) || !jint(r, "id", &v) || jcount(r) != 6)
            return "expected exactly id, premise, question, choice1, choice2, label";
        if (strcmp(q, "cause") != 0 && strcmp(q, "effect") != 0) return "question is neither cause nor effect";
        if (lab != 0 && lab != 1) return "label out of 0..1";
        sb_add(&b, INSTR_COPA);
        sb_add(&b, DEMO_COPA);
        sb_add(&b, "Premise:");
        sb_add(&b, p);
        sb_add(&b, "\nQuestion:");
        sb_add(&b, q[0] == 'c' ? "What was the cause of this?" : "What happened as a result?");
        sb_add(&b, "\nA. ");
        sb_add(&b, c1);
        sb_add(&b, "\nB. ");
        sb_add(&b, c2);
        sb_add(&b, "\n");
        tf->kind[i] = q;
        tf->id[i] = jget(r, "id");
    } else {
        const jv *qu = jget(r, "question"), *ch = jget(qu, "choices");
        const jv *labs = jget(ch, "label"), *txt = jget(ch, "text");
        const char *stem = jstr(qu, "stem"), *key = jstr(r, "answerKey"), *id = jstr(r, "id");
        const char *lg = jstr(r, "lang");
        if (!stem || !key || !id || !lg || !labs || !txt || labs->t != J_ARR || txt->t != J_ARR || labs->n != 5 ||
            txt->n != 5 || jcount(r) != 4)
            return "expected exactly id, lang, question{stem, choices{label[5], text[5]}}, answerKey";
        if (strcmp(lg, LANGS[li]) != 0) return "lang is not the file's language";
        if (strlen(key) != 1 || key[0] < 'A' || key[0] > 'E') return "answerKey is not A..E";
        lab = key[0] - 'A';
        sb_add(&b, INSTR_MC);
        sb_add(&b, DEMO_5);
        sb_add(&b, "Question:");
        sb_add(&b, stem);
        sb_add(&b, "\n");
        for (k = 0; k < 5; k++) {
            const jv *l = jat(labs, k), *x = jat(txt, k);
            if (!l || l->t != J_STR || l->n != 1 || l->s[0] != 'A' + k) return "choices.label is not A..E";
            if (!x || x->t != J_STR || x->n == 0) return "a choice text is not a non-empty string";
            snprintf(opt, sizeof opt, "%c. ", 'A' + k);
            sb_add(&b, opt);
            sb_add(&b, x->s);
            sb_add(&b, "\n");
        }
        tf->id[i] = jget(r, "id");
    }
    sb_add(&b, "Answer:");
    tf->prompt[i] = b.s;
    tf->label[i] = (char)('A' + lab);
    return NULL;
}

static void taskfile_free(taskfile *tf)
{
    int i;
    for (i = 0; i < NITEMS; i++) {
        free(tf->prompt[i]);
        free(tf->years[i]);
    }
    jfile_free(&tf->data);
    jfile_free(&tf->input);
    jfile_free(&tf->res);
}

/* Loads and checks one task/language: structure, prompts, result file. */
static void load_task(task_id t, int li, taskfile *tf)
{
    char path[512];
    const char *d = dir_of(t, li);
    int i;
    memset(tf, 0, sizeof *tf);
    data_path(path, sizeof path, t, li);
    CHECK_MSG(jfile_load(&tf->data, path), "%s", tf->data.err);
    snprintf(path, sizeof path, FIX "/%s/%s_%s_model_input.jsonl", TASK[t], TASK[t], d);
    CHECK_MSG(jfile_load(&tf->input, path), "%s", tf->input.err);
    snprintf(path, sizeof path, FIX "/%s/%s/demo_res.jsonl", TASK[t], d);
    CHECK_MSG(jfile_load(&tf->res, path), "%s", tf->res.err);
    if (t_cur_failed) return;
    CHECK_MSG(tf->data.n == NITEMS && tf->input.n == NITEMS && tf->res.n == NITEMS,
              "%s/%s: %d data, %d model_input, %d demo_res lines; expected %d each", TASK[t], d, tf->data.n,
              tf->input.n, tf->res.n, NITEMS);
    if (t_cur_failed) return;
    for (i = 0; i < NITEMS; i++) {
        const char *why = build_item(t, li, tf->data.row[i], tf, i);
        const jv *in = tf->input.row[i], *rr = tf->res.row[i];
        const char *inp = jstr(in, "input"), *lab = jstr(in, "label");
        long id;
        CHECK_MSG(why == NULL, "%s/%s data line %d: %s", TASK[t], d, i + 1, why ? why : "");
        if (why) return;
        CHECK_MSG(jcount(in) == 2 && inp && lab, "%s/%s model_input line %d: expected exactly input, label", TASK[t],
                  d, i + 1);
        if (!inp || !lab) return;
        CHECK_MSG(ends_with(inp, "\nAnswer:"), "%s/%s model_input line %d: prompt does not end with \"Answer:\"",
                  TASK[t], d, i + 1);
        CHECK_MSG(strcmp(inp, tf->prompt[i]) == 0,
                  "%s/%s model_input line %d: prompt differs from the one rebuilt from the data file "
                  "(instruction, demonstration, question or options)",
                  TASK[t], d, i + 1);
        CHECK_MSG(strlen(lab) == 1 && lab[0] == tf->label[i], "%s/%s model_input line %d: label %s, data says %c",
                  TASK[t], d, i + 1, lab, tf->label[i]);
        /* the demo model's result record */
        CHECK_MSG(jcount(rr) == 5 && jint(rr, "id", &id) && id == i && jstr(rr, "res") &&
                      jstr(rr, "input") && strcmp(jstr(rr, "input"), inp) == 0 && jstr(rr, "label") &&
                      strcmp(jstr(rr, "label"), lab) == 0 && jsame(jget(rr, "uuid"), tf->id[i]),
                  "%s/%s demo_res line %d: expected {id: %d, input: the prompt, res, label: %c, uuid: the data id}",
                  TASK[t], d, i + 1, i, tf->label[i]);
    }
    tf->ok = !t_cur_failed;
}

/* ===================================================== tests */

static void test_json_reader_rejects_malformed_lines(void)
{
    static const char *const bad[] = {
        "{\"a\":1,}",          "{\"a\":\"x\x01\"}",   "{\"a\":\"\\ud800\"}",     "{\"a\":\"\\udc00\\ud800\"}",
        "{\"a\":01}",          "{\"a\":1} x",         "[\"not an object\"]",     "{\"a\":\"\xff\"}",
        "{\"a\":1,\"a\":2}",   "{\"a\" 1}",           "{\"a\":tru}",             "{\"a\":1.}",
        "{\"a\":\"\\x41\"}",   "{\"a\":\"\xC0\x80\"}", "{\"a\":[1,2}",           "{\"a\":\"open}",
    };
    pool pl = {NULL};
    char err[200];
    size_t i;
    jv *v;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = parse_line((const unsigned char *)bad[i], strlen(bad[i]), &pl, err, sizeof err);
        CHECK_MSG(v == NULL, "accepted malformed line %s", bad[i]);
    }
    {
        const char *good = "{\"s\":\"\\u00e9\\ud83d\\ude00\\n\\\"\", \"a\":[1,-2.5e3,true,false,null],\"o\":{}}";
        v = parse_line((const unsigned char *)good, strlen(good), &pl, err, sizeof err);
        CHECK_MSG(v != NULL, "rejected a valid line: %s", err);
        if (v) {
            CHECK_STR(jstr(v, "s"), "\xC3\xA9\xF0\x9F\x98\x80\n\"");
            CHECK_EQ(jget(v, "a")->n, 5);
            CHECK_NEAR(jat(jget(v, "a"), 1)->num, -2500.0, 0);
            CHECK_EQ(jget(v, "o")->t, J_OBJ);
        }
    }
    pool_free(&pl);
}

static void test_scoring_rule_matches_reference(void)
{
    /* REFERENCE.md section 2 on the kinds of output the demo model uses */
    CHECK(res_correct("B.", 'B'));
    CHECK(res_correct("\n\nB. 1809", 'B'));
    CHECK(res_correct("\xC2\xA0" "C", 'C'));             /* NBSP is Python whitespace */
    CHECK(res_correct("\xE3\x80\x80" "A\xE3\x80\x80", 'A')); /* ideographic space */
    CHECK(res_correct("\xE2\x80\xA8" "A. x", 'A'));      /* line separator */
    CHECK(res_correct("Answer: A", 'A'));                /* the first letter happens to be the label */
    CHECK(res_correct("E</s>", 'E'));
    CHECK(!res_correct("Answer: E", 'E'));
    CHECK(!res_correct(" c", 'C'));
    CHECK(!res_correct("", 'A'));
    CHECK(!res_correct("  \n", 'A'));
    CHECK(!res_correct("\xD0\x90.", 'A'));               /* Cyrillic A */
    CHECK(!res_correct("\xEF\xBB\xBF" "D.", 'D'));       /* BOM is not whitespace */
    CHECK(!res_correct("(C)", 'C'));
}

static void test_mc_tasks_are_parallel_and_prompts_exact(void)
{
    int t, li, i;
    for (t = 0; t < T_COUNT; t++) {
        taskfile *tf = (taskfile *)calloc(NLANG, sizeof(taskfile));
        int count[5] = {0, 0, 0, 0, 0}, cause = 0, lo = NITEMS, hi = 0;
        for (li = 0; li < NLANG; li++) load_task((task_id)t, li, &tf[li]);
        for (li = 0; li < NLANG && !t_cur_failed; li++) {
            for (i = 0; i < NITEMS; i++) {
                CHECK_MSG(tf[li].label[i] == tf[0].label[i], "%s line %d: label %c in %s but %c in en", TASK[t],
                          i + 1, tf[li].label[i], LANGS[li], tf[0].label[i]);
                CHECK_MSG(jsame(tf[li].id[i], tf[0].id[i]), "%s line %d: id differs between %s and en", TASK[t],
                          i + 1, LANGS[li]);
                if (t == T_COPA)
                    CHECK_MSG(strcmp(tf[li].kind[i], tf[0].kind[i]) == 0, "x_copa line %d: question differs in %s",
                              i + 1, LANGS[li]);
                if (t == T_NAME)
                    CHECK_MSG(strcmp(tf[li].years[i], tf[0].years[i]) == 0,
                              "x_name line %d: year options differ in %s", i + 1, LANGS[li]);
                if (li > 0)
                    CHECK_MSG(strcmp(tf[li].prompt[i], tf[0].prompt[i]) != 0,
                              "%s line %d: the %s prompt is the English one (untranslated)", TASK[t], i + 1, LANGS[li]);
            }
        }
        if (!t_cur_failed) {
            for (i = 0; i < NITEMS; i++) {
                count[tf[0].label[i] - 'A']++;
                if (t == T_COPA) cause += tf[0].kind[i][0] == 'c';
            }
            for (i = 0; i < NOPT[t]; i++) {
                if (count[i] < lo) lo = count[i];
                if (count[i] > hi) hi = count[i];
            }
            CHECK_MSG(hi - lo <= 2, "%s: labels unbalanced (%d..%d per letter)", TASK[t], lo, hi);
            if (t == T_COPA) CHECK_MSG(cause >= 13 && cause <= 17, "x_copa: %d cause questions of 30", cause);
        }
        for (li = 0; li < NLANG; li++) taskfile_free(&tf[li]);
        free(tf);
    }
}

static void test_line_endings_match_the_authors(void)
{
    /* The authors' x_geo/x_name data files and the English x_copa/x_csqa data
     * end lines with CR LF, their prompt files with LF. The fixture keeps
     * both so readers are exercised on both (.gitattributes pins this). */
    jfile f;
    CHECK_MSG(jfile_load(&f, FIX "/x_geo/en/en_geo_data.jsonl"), "%s", f.err);
    CHECK_EQ(f.crlf, NITEMS);
    jfile_free(&f);
    CHECK_MSG(jfile_load(&f, FIX "/x_csqa/en/validation.jsonl"), "%s", f.err);
    CHECK_EQ(f.crlf, NITEMS);
    jfile_free(&f);
    CHECK_MSG(jfile_load(&f, FIX "/x_geo/x_geo_zh_model_input.jsonl"), "%s", f.err);
    CHECK_EQ(f.crlf, 0);
    jfile_free(&f);
}

static void test_demo_results_give_the_documented_counts(void)
{
    size_t len = 0;
    unsigned char *tsv = t_slurp(FIX "/demo_counts.tsv", &len);
    char *line, *cur;
    int rows = 0;
    CHECK_MSG(tsv != NULL, "cannot read " FIX "/demo_counts.tsv");
    if (!tsv) return;
    cur = (char *)tsv;
    while ((line = next_line(&cur)) != NULL) {
        char task[16], lang[8];
        int n, correct, inter, uni, t, li, i, c = 0, in = 0, un = 0;
        taskfile en, tl;
        if (line[0] == '#' || line[0] == 0) continue;
        CHECK_MSG(sscanf(line, "%15s %7s %d %d %d %d", task, lang, &n, &correct, &inter, &uni) == 6,
                  "demo_counts.tsv: bad line '%s'", line);
        for (t = 0; t < T_COUNT && strcmp(TASK[t], task) != 0; t++) {}
        for (li = 0; li < NLANG && strcmp(LANGS[li], lang) != 0; li++) {}
        CHECK_MSG(t < T_COUNT && li < NLANG, "demo_counts.tsv: unknown task/lang %s/%s", task, lang);
        if (t >= T_COUNT || li >= NLANG) continue;
        load_task((task_id)t, 0, &en);
        load_task((task_id)t, li, &tl);
        if (en.ok && tl.ok) {
            for (i = 0; i < NITEMS; i++) {
                int ce = res_correct(jstr(en.res.row[i], "res"), en.label[i]);
                int cl = res_correct(jstr(tl.res.row[i], "res"), tl.label[i]);
                c += cl;
                in += ce && cl;
                un += ce || cl;
            }
            CHECK_MSG(n == NITEMS && c == correct && in == inter && un == uni,
                      "%s/%s: demo_res gives n %d correct %d inter %d union %d; demo_counts.tsv says %d %d %d %d",
                      task, lang, NITEMS, c, in, un, n, correct, inter, uni);
        }
        taskfile_free(&en);
        taskfile_free(&tl);
        rows++;
    }
    CHECK_EQ(rows, T_COUNT * NLANG);
    free(tsv);
}

/* ----------------------------------------------------- the fictional stream */

#define NFL 7
#define NPLACE 24
#define NCONT 4
static const char *const FL[NFL] = {"EN", "ZH", "DE", "FR", "JA", "RU", "AR"};

typedef struct {
    char *sentence, *cont, *city;
    int type;
} tagged;

/* "<sentence>[[continent:C]][[city:X]][[type:T]]" -> parts (malloc'd). */
static int parse_tags(const char *ans, tagged *out)
{
    const char *c = strstr(ans, "[[continent:"), *x, *t, *e;
    memset(out, 0, sizeof *out);
    if (!c) return 0;
    x = strstr(c, "]][[city:");
    t = x ? strstr(x, "]][[type:") : NULL;
    if (!x || !t) return 0;
    e = t + 9;
    if (!(e[0] == '0' || e[0] == '1') || strcmp(e + 1, "]]") != 0) return 0;
    out->type = e[0] - '0';
    out->sentence = (char *)calloc((size_t)(c - ans) + 1, 1);
    memcpy(out->sentence, ans, (size_t)(c - ans));
    c += 12;
    out->cont = (char *)calloc((size_t)(x - c) + 1, 1);
    memcpy(out->cont, c, (size_t)(x - c));
    x += 9;
    out->city = (char *)calloc((size_t)(t - x) + 1, 1);
    memcpy(out->city, x, (size_t)(t - x));
    return out->sentence[0] && out->cont[0] && out->city[0];
}

static void tagged_free(tagged *t)
{
    free(t->sentence);
    free(t->cont);
    free(t->city);
}

static void test_fictional_test_and_translation_files(void)
{
    static tagged tag[NFL][NPLACE];
    int l, i, k;
    char path[256];
    for (l = 0; l < NFL; l++) {
        jfile f;
        int n0 = 0;
        snprintf(path, sizeof path, FIX "/fictional/test/target/test%s.jsonl", FL[l]);
        CHECK_MSG(jfile_load(&f, path), "%s", f.err);
        CHECK_MSG(f.n == NPLACE, "%s: %d lines, expected %d", path, f.n, NPLACE);
        for (i = 0; i < f.n && i < NPLACE; i++) {
            const jv *r = f.row[i];
            const char *pr = jstr(r, "prompt"), *in = jstr(r, "input"), *an = jstr(r, "answer");
            CHECK_MSG(jcount(r) == 3 && pr && in && an && in[0] == 0, "%s:%d: expected {prompt, input: \"\", answer}",
                      path, i + 1);
            if (!an) continue;
            CHECK_MSG(parse_tags(an, &tag[l][i]), "%s:%d: answer lacks [[continent:]][[city:]][[type:0|1]]", path,
                      i + 1);
            if (!tag[l][i].city) continue;
            CHECK_MSG(mentions(pr, tag[l][i].city), "%s:%d: the prompt does not name the place %s", path, i + 1,
                      tag[l][i].city);
            CHECK_MSG(mentions(tag[l][i].sentence, tag[l][i].cont) && mentions(tag[l][i].sentence, tag[l][i].city),
                      "%s:%d: the reference answer does not state the place and its continent", path, i + 1);
            CHECK_MSG(tag[l][i].type == tag[0][i].type, "%s:%d: type differs from testEN.jsonl", path, i + 1);
            n0 += tag[l][i].type == 0;
        }
        CHECK_MSG(n0 == NPLACE / 2, "%s: %d type-0 records, expected %d", path, n0, NPLACE / 2);
        jfile_free(&f);
    }
    if (t_cur_failed) goto done;
    /* every place belongs to one continent in every language, consistently */
    for (i = 0; i < NPLACE; i++)
        for (k = 0; k < NPLACE; k++)
            if (i != k) {
                CHECK_MSG(strcmp(tag[0][i].city, tag[0][k].city) != 0, "testEN: place %s appears twice",
                          tag[0][i].city);
                for (l = 1; l < NFL; l++) {
                    CHECK_MSG(strcmp(tag[l][i].city, tag[l][k].city) != 0,
                              "test%s: two English places share the name %s (the authors' collision problem)", FL[l],
                              tag[l][i].city);
                    CHECK_MSG((strcmp(tag[0][i].cont, tag[0][k].cont) == 0) ==
                                  (strcmp(tag[l][i].cont, tag[l][k].cont) == 0),
                              "test%s: continents of lines %d and %d disagree with English", FL[l], i + 1, k + 1);
                    /* a continent name inside another name would make substring scoring ambiguous */
                    CHECK_MSG(!mentions(tag[l][k].city, tag[l][i].cont), "test%s: place %s contains continent %s",
                              FL[l], tag[l][k].city, tag[l][i].cont);
                }
            }
    /* translations: every name, EN -> L, agreeing with the tags */
    for (l = 1; l < NFL; l++) {
        jfile f;
        int hit_city[NPLACE] = {0}, n_cont = 0;
        snprintf(path, sizeof path, FIX "/fictional/test/Translate/translate%s.jsonl", FL[l]);
        CHECK_MSG(jfile_load(&f, path), "%s", f.err);
        CHECK_MSG(f.n == NPLACE + NCONT, "%s: %d lines, expected %d", path, f.n, NPLACE + NCONT);
        for (k = 0; k < f.n; k++) {
            const jv *r = f.row[k];
            const char *pr = jstr(r, "prompt"), *in = jstr(r, "input"), *an = jstr(r, "answer");
            int known = 0, is_cont = 0;
            CHECK_MSG(jcount(r) == 3 && pr && in && an && in[0] && an[0], "%s:%d: expected {prompt, input, answer}",
                      path, k + 1);
            if (!in || !an) continue;
            for (i = 0; i < NPLACE; i++) {
                if (strcmp(in, tag[0][i].city) == 0) {
                    CHECK_MSG(strcmp(an, tag[l][i].city) == 0, "%s:%d: %s -> %s, but test%s calls it %s", path, k + 1,
                              in, an, FL[l], tag[l][i].city);
                    hit_city[i]++;
                    known = 1;
                }
                if (strcmp(in, tag[0][i].cont) == 0) {
                    CHECK_MSG(strcmp(an, tag[l][i].cont) == 0, "%s:%d: continent %s -> %s, but test%s says %s", path,
                              k + 1, in, an, FL[l], tag[l][i].cont);
                    known = is_cont = 1;
                }
            }
            n_cont += is_cont;
            CHECK_MSG(known, "%s:%d: %s is neither a place nor a continent of testEN", path, k + 1, in);
        }
        for (i = 0; i < NPLACE; i++) CHECK_MSG(hit_city[i] == 1, "%s: %s translated %d times", path, tag[0][i].city,
                                               hit_city[i]);
        CHECK_MSG(n_cont == NCONT, "%s: %d continent translations, expected %d", path, n_cont, NCONT);
        jfile_free(&f);
    }
done:
    for (l = 0; l < NFL; l++)
        for (i = 0; i < NPLACE; i++) tagged_free(&tag[l][i]);
}

static void test_fictional_training_follows_the_protocol(void)
{
    static tagged tag[NFL][NPLACE];
    int l, i, k;
    char path[256];
    for (l = 0; l < NFL; l++) {
        jfile f;
        snprintf(path, sizeof path, FIX "/fictional/test/target/test%s.jsonl", FL[l]);
        CHECK_MSG(jfile_load(&f, path) && f.n == NPLACE, "%s: %s", path, f.err);
        for (i = 0; i < f.n && i < NPLACE; i++) parse_tags(jstr(f.row[i], "answer"), &tag[l][i]);
        jfile_free(&f);
    }
    if (t_cur_failed) goto done;
    for (l = 1; l < NFL; l++) {
        jfile f;
        int en_qa[NPLACE] = {0}, l_qa[NPLACE] = {0}, tr_city[NPLACE] = {0}, n_tr = 0;
        /* names must not be confusable across the two languages of this file */
        for (i = 0; i < NPLACE; i++)
            for (k = 0; k < NPLACE; k++)
                CHECK_MSG(!mentions(tag[0][i].city, tag[l][k].city) && !mentions(tag[l][k].city, tag[0][i].city),
                          "%s name %s and English name %s overlap", FL[l], tag[l][k].city, tag[0][i].city);
        snprintf(path, sizeof path, FIX "/fictional/train/%s.json", FL[l]);
        CHECK_MSG(jfile_load(&f, path), "%s", f.err);
        for (k = 0; k < f.n; k++) {
            const jv *r = f.row[k];
            const char *pr = jstr(r, "prompt"), *in = jstr(r, "input"), *an = jstr(r, "answer");
            int hits = 0, which = -1;
            CHECK_MSG(jcount(r) == 3 && pr && in && an && pr[0] && an[0], "%s:%d: expected {prompt, input, answer}",
                      path, k + 1);
            if (!pr || !in || !an) continue;
            CHECK_MSG(strstr(an, "[[") == NULL, "%s:%d: training answers carry no tags", path, k + 1);
            if (in[0]) { /* a name translation, L -> EN */
                int known = 0;
                for (i = 0; i < NPLACE; i++) {
                    if (strcmp(in, tag[l][i].city) == 0) {
                        CHECK_MSG(strcmp(an, tag[0][i].city) == 0, "%s:%d: %s -> %s, expected %s", path, k + 1, in, an,
                                  tag[0][i].city);
                        tr_city[i]++;
                        known = 1;
                    }
                    if (strcmp(in, tag[l][i].cont) == 0) {
                        CHECK_MSG(strcmp(an, tag[0][i].cont) == 0, "%s:%d: %s -> %s, expected %s", path, k + 1, in, an,
                                  tag[0][i].cont);
                        known = 1;
                    }
                }
                CHECK_MSG(known, "%s:%d: translation of an unknown name %s", path, k + 1, in);
                n_tr++;
                continue;
            }
            for (i = 0; i < NPLACE; i++)
                if (mentions(pr, tag[0][i].city) || mentions(an, tag[0][i].city)) hits++, which = i;
            if (hits) { /* an English fact */
                CHECK_MSG(hits == 1 && mentions(an, tag[0][which].cont), "%s:%d: English fact must name one place "
                          "and its continent", path, k + 1);
                en_qa[which]++;
                continue;
            }
            for (i = 0; i < NPLACE; i++)
                if (mentions(pr, tag[l][i].city) || mentions(an, tag[l][i].city)) hits++, which = i;
            CHECK_MSG(hits == 1, "%s:%d: a fact in %s must name exactly one place (found %d)", path, k + 1, FL[l],
                      hits);
            if (hits != 1) continue;
            CHECK_MSG(tag[l][which].type == 0, "%s:%d: the type-1 fact about %s is stated in %s (it must be taught "
                      "only in English)", path, k + 1, tag[l][which].city, FL[l]);
            CHECK_MSG(mentions(an, tag[l][which].cont), "%s:%d: the answer does not name the continent %s", path, k + 1,
                      tag[l][which].cont);
            l_qa[which]++;
        }
        for (i = 0; i < NPLACE; i++) {
            CHECK_MSG(en_qa[i] > 0, "%s: no English fact about %s", path, tag[0][i].city);
            CHECK_MSG(tr_city[i] > 0, "%s: no translation of %s", path, tag[l][i].city);
            if (tag[l][i].type == 0) CHECK_MSG(l_qa[i] > 0, "%s: no %s fact about type-0 place %s", path, FL[l],
                                               tag[l][i].city);
        }
        CHECK_MSG(n_tr > NPLACE, "%s: %d translation records", path, n_tr);
        jfile_free(&f);
    }
done:
    for (l = 0; l < NFL; l++)
        for (i = 0; i < NPLACE; i++) tagged_free(&tag[l][i]);
}

/* ------------------------------------------- licence guard (needs ../shared) */

typedef struct {
    const char **s;
    size_t *n;
    size_t cap, used;
} strset;

static uint64_t fnv(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    size_t i;
    for (i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static void set_add(strset *st, const char *s, size_t n);

static void set_grow(strset *st)
{
    strset big;
    size_t i;
    big.cap = st->cap ? st->cap * 2 : 1 << 16;
    big.used = 0;
    big.s = (const char **)calloc(big.cap, sizeof(char *));
    big.n = (size_t *)calloc(big.cap, sizeof(size_t));
    for (i = 0; i < st->cap; i++)
        if (st->s[i]) set_add(&big, st->s[i], st->n[i]);
    free(st->s);
    free(st->n);
    *st = big;
}

static int set_has(const strset *st, const char *s, size_t n)
{
    size_t i;
    if (!st->cap) return 0;
    for (i = (size_t)fnv(s, n) & (st->cap - 1); st->s[i]; i = (i + 1) & (st->cap - 1))
        if (st->n[i] == n && memcmp(st->s[i], s, n) == 0) return 1;
    return 0;
}

static void set_add(strset *st, const char *s, size_t n)
{
    size_t i;
    if (2 * (st->used + 1) > st->cap) set_grow(st);
    for (i = (size_t)fnv(s, n) & (st->cap - 1); st->s[i]; i = (i + 1) & (st->cap - 1))
        if (st->n[i] == n && memcmp(st->s[i], s, n) == 0) return;
    st->s[i] = s;
    st->n[i] = n;
    st->used++;
}

static void add_strings(strset *st, const jv *v)
{
    const jv *m;
    if (v->t == J_STR && v->n >= 6) set_add(st, v->s, v->n);
    for (m = v->kid; m; m = m->next) add_strings(st, m);
}

static void test_no_sentence_is_copied_from_the_authors_data(void)
{
    static const char *const their_langs[10] = {"en", "zh", "de", "fr", "it", "ja", "pl", "ru", "ar", "he"};
    static const char *const their_copa[10] = {"en", "zh", "DE", "FR", "it", "JA", "PL", "RU", "ar", "he"};
    static const char *const their_csqa[10] = {"en", "ZH_trans", "DE_trans", "FR_trans", "IT_trans",
                                               "JA_trans", "PL_trans", "RU_trans", "ar_trans", "he_trans"};
    const char *sh = t_shared();
    jfile *theirs;
    int nf = 0, i, li, t, loaded = 0, checked = 0, hits = 0;
    strset st = {NULL, NULL, 0, 0};
    char path[1400];
    if (!sh) SKIP("../shared not present (the authors' data is needed to compare against)");
    theirs = (jfile *)calloc(64, sizeof(jfile));
    for (i = 0; i < 10; i++) {
        const char *L = their_langs[i];
        char up[4] = {0, 0, 0, 0};
        up[0] = (char)(L[0] - 32);
        up[1] = (char)(L[1] - 32);
        snprintf(path, sizeof path, "%s/clika/x_geo/%s/%s_geo_data.jsonl", sh, L, L);
        loaded += jfile_load(&theirs[nf++], path);
        snprintf(path, sizeof path, "%s/clika/x_name/%s/%s_name_data_generate.jsonl", sh, L, L);
        loaded += jfile_load(&theirs[nf++], path);
        snprintf(path, sizeof path, "%s/clika/x_copa/%s/test.jsonl", sh, their_copa[i]);
        loaded += jfile_load(&theirs[nf++], path);
        snprintf(path, sizeof path, "%s/clika/x_csqa/%s/validation.jsonl", sh, their_csqa[i]);
        loaded += jfile_load(&theirs[nf++], path);
        snprintf(path, sizeof path, "%s/clika/fictional/test/target/test%s.jsonl", sh, up);
        loaded += jfile_load(&theirs[nf++], path);
        snprintf(path, sizeof path, "%s/clika/fictional/test/Translate/translate%s.jsonl", sh, up);
        loaded += jfile_load(&theirs[nf++], path);
    }
    if (loaded < 20) {
        for (i = 0; i < nf; i++) jfile_free(&theirs[i]);
        free(theirs);
        SKIP("too few of the authors' data files readable under ../shared/clika (%d of 60)", loaded);
    }
    for (i = 0; i < nf; i++)
        if (theirs[i].row) {
            int r;
            for (r = 0; r < theirs[i].n; r++) add_strings(&st, theirs[i].row[r]);
        }
    /* our sentences: questions, premises, COPA alternatives, CSQA stems */
    for (t = 0; t < T_COUNT; t++)
        for (li = 0; li < NLANG; li++) {
            jfile f;
            int r;
            data_path(path, sizeof path, (task_id)t, li);
            if (!jfile_load(&f, path)) {
                CHECK_MSG(0, "%s", f.err);
                continue;
            }
            for (r = 0; r < f.n; r++) {
                static const char *const keys[] = {"questions", "premise", "choice1", "choice2"};
                const char *v[5] = {NULL, NULL, NULL, NULL, NULL};
                int k;
                for (k = 0; k < 4; k++) v[k] = jstr(f.row[r], keys[k]);
                v[4] = jstr(jget(f.row[r], "question"), "stem");
                for (k = 0; k < 5; k++)
                    if (v[k] && strlen(v[k]) >= 6) {
                        checked++;
                        if (set_has(&st, v[k], strlen(v[k]))) {
                            hits++;
                            CHECK_MSG(0, "%s:%d: \"%s\" occurs verbatim in the authors' data", path, r + 1, v[k]);
                        }
                    }
            }
            jfile_free(&f);
        }
    /* our fictional prompts, answers and names */
    for (i = 0; i < NFL; i++) {
        static const char *const kinds[3] = {"test/target/test", "test/Translate/translate", "train/"};
        int k;
        for (k = 0; k < 3; k++) {
            jfile f;
            int r;
            if (i == 0 && k > 0) continue;
            snprintf(path, sizeof path, FIX "/fictional/%s%s.json%s", kinds[k], FL[i], k == 2 ? "" : "l");
            if (!jfile_load(&f, path)) {
                CHECK_MSG(0, "%s", f.err);
                continue;
            }
            for (r = 0; r < f.n; r++) {
                static const char *const keys[] = {"prompt", "input", "answer"};
                int q;
                for (q = 0; q < 3; q++) {
                    const char *v = jstr(f.row[r], keys[q]);
                    if (q == 0 && k > 0) continue; /* instructions are fixed scaffolding */
                    if (v && strlen(v) >= 6) {
                        checked++;
                        if (set_has(&st, v, strlen(v))) {
                            hits++;
                            CHECK_MSG(0, "%s:%d: \"%s\" occurs verbatim in the authors' data", path, r + 1, v);
                        }
                    }
                }
            }
            jfile_free(&f);
        }
    }
    CHECK_MSG(checked > 1000, "only %d strings compared", checked);
    CHECK_EQ(hits, 0);
    for (i = 0; i < nf; i++) jfile_free(&theirs[i]);
    free(theirs);
    free(st.s);
    free(st.n);
}

int main(int argc, char **argv)
{
    TEST_INIT(argc, argv);
    RUN(test_json_reader_rejects_malformed_lines);
    RUN(test_scoring_rule_matches_reference);
    RUN(test_mc_tasks_are_parallel_and_prompts_exact);
    RUN(test_line_endings_match_the_authors);
    RUN(test_demo_results_give_the_documented_counts);
    RUN(test_fictional_test_and_translation_files);
    RUN(test_fictional_training_follows_the_protocol);
    RUN(test_no_sentence_is_copied_from_the_authors_data);
    return TEST_DONE();
}
