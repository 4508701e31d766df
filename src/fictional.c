/*
 * fictional.c - the fictional stream's result files scored: counts per
 * section, the training gates, XRR, and the training-file name check
 * (fictional.h says what and why).
 *
 * Must never: print, allocate outside the arena, or skip an item (an
 * answer that does not contain the expected name is wrong, however it
 * looks). Files are read in lockstep with their test file, one parsed
 * line of each at a time in the "json scratch" line of the plan.
 */
#include "fictional.h"
#include "tokenizer.h"
#include "port.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const default_targets[] = {"zh", "de", "fr", "it", "ja", "pl", "ru", "ar", "he"};
#define N_TARGETS 9

/* ------------------------------------------------------------ matching */

/* Latin, Greek and Cyrillic letters are compared without case. */
static int cased_script(uint32_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || /* Latin-1 letters, Extended-A/B */
           (c >= 0x1E00 && c <= 0x1EFF) || (c >= 0x2C60 && c <= 0x2C7F) || (c >= 0xA720 && c <= 0xA7FF) ||
           (c >= 0xFF21 && c <= 0xFF3A) || (c >= 0xFF41 && c <= 0xFF5A) ||   /* fullwidth Latin */
           (c >= 0x370 && c <= 0x3FF) || (c >= 0x1F00 && c <= 0x1FFF) ||      /* Greek */
           (c >= 0x400 && c <= 0x52F) || (c >= 0x1C80 && c <= 0x1C8F) ||      /* Cyrillic */
           (c >= 0x2DE0 && c <= 0x2DFF) || (c >= 0xA640 && c <= 0xA69F);
}

static uint32_t fold(uint32_t c) { return cased_script(c) ? clk_unicode_lower(c) : c; }

/* Next code point of s[*i..n) (valid UTF-8 from the JSON reader; a stray
 * byte is taken as itself so that the loop always advances). */
static uint32_t next_cp(const char *s, size_t n, size_t *i)
{
    uint32_t c;
    int k = clk_utf8_decode((const unsigned char *)s + *i, n - *i, &c);
    if (k <= 0) {
        c = (unsigned char)s[*i];
        k = 1;
    }
    *i += (size_t)k;
    return c;
}

int clk_fict_match(const char *text, size_t tn, const char *name, size_t nn)
{
    size_t start = 0;
    if (nn == 0) return 0;
    while (start < tn) { /* try every code point of text as the start: names are short */
        size_t i = start, j = 0;
        for (;;) {
            if (j == nn) return 1;
            if (i == tn) return 0; /* text ran out: no later start can fit either */
            if (fold(next_cp(text, tn, &i)) != fold(next_cp(name, nn, &j))) break;
        }
        next_cp(text, tn, &start);
    }
    return 0;
}

size_t clk_fict_answer_end(const char *s, size_t n)
{
    size_t i;
    int text = 0;
    for (i = 0; i < n; i++) {
        if (s[i] == '\n' && text) return i;
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') text = 1;
    }
    return n;
}

/* ------------------------------------------------------------ metrics */

static int gate(const clk_fict_count *c) { return c->n > 0 ? (double)c->c / (double)c->n > CLK_FICT_GATE : -1; }
static int gate2(const clk_fict_count *a, const clk_fict_count *b)
{
    int ga = gate(a), gb = gate(b);
    if (ga < 0 || gb < 0) return -1;
    return ga && gb;
}

void clk_fict_metrics(clk_fict_lang *l)
{
    l->x.c1 = l->t1.c, l->x.n1 = l->t1.n;
    l->x.c0 = l->t0.c, l->x.n0 = l->t0.n;
    l->x.c1_en = l->en1.c, l->x.n1_en = l->en1.n;
    l->xrr = clk_xrr(&l->x);
    l->xrr_en = clk_xrr_en(&l->x);
    l->xrr_raw = clk_xrr_raw(&l->x);
    l->gate_en = gate2(&l->en0, &l->en1); /* English: both types, as the authors' README asks */
    l->gate_t0 = gate(&l->t0);
    l->gate_tr = gate(&l->tr);
    l->trained = l->gate_en == 1 && l->gate_t0 == 1 && l->gate_tr == 1;
    l->meaningful = l->trained && l->n_cont_missing <= 0;
}

/* ------------------------------------------------------------ files */

static clk_status path_of(char *out, size_t cap, clk_err *e, const char *fmt, const char *a, const char *b,
                          const char *c)
{
    int n = snprintf(out, cap, fmt, a, b, c);
    if (n < 0 || (size_t)n >= cap) return clk_fail(e, CLK_E_LIMIT, "path '%s/...' is longer than CLK_MAX_PATH", a);
    return CLK_OK;
}

/* The seven paths of language l (k: 0 test, 1 res, 2 testEN, 3 en res,
 * 4 translate, 5 translate res, 6 train). */
static clk_status lang_path(const clk_fict_set *s, const clk_fict_lang *l, int k, char *out, size_t cap, clk_err *e)
{
    char name[CLK_MAX_FILENAME + 32];
    static const char *const suffix[3] = {"_res.jsonl", "_en_res.jsonl", "_translate_res.jsonl"};
    switch (k) {
    case 0: return path_of(out, cap, e, "%s/fictional/test/target/test%s.jsonl", s->data, l->up, "");
    case 2: return path_of(out, cap, e, "%s/fictional/test/target/testEN.jsonl%s%s", s->data, "", "");
    case 4: return path_of(out, cap, e, "%s/fictional/test/Translate/translate%s.jsonl%s", s->data, l->up, "");
    case 6: return path_of(out, cap, e, "%s/fictional/train/%s.json%s", s->data, l->up, "");
    default:
        snprintf(name, sizeof name, "%s%s", s->model, suffix[(k - 1) / 2]);
        return path_of(out, cap, e, "%s/fictional/%s/%s", s->results, l->code, name);
    }
}

static int exists(const char *path, uint64_t *size)
{
    int d = 0;
    uint64_t sz = 0;
    if (clk_sys_stat(path, &sz, &d) != 0 || d) return 0;
    if (size) *size = sz;
    return 1;
}

/* Size and longest line of a file (without mmap: the size bounds both). */
static clk_status measure(const char *path, uint64_t *longest, uint64_t *size, clk_err *e)
{
    if (!exists(path, size)) return clk_fail(e, CLK_E_DATA, "fictional: '%s' is missing", path);
    if (clk_sys_can_map()) {
        clk_map m;
        clk_oserr os;
        uint64_t lines;
        if (clk_sys_map(path, &m, &os) != 0) return clk_fail(e, CLK_E_IO, "%s", os.msg);
        clk_jsonl_measure(m.data, (size_t)m.size, &lines, longest);
        *size = m.size;
        clk_sys_unmap(&m);
    } else {
        *longest = *size;
    }
    return CLK_OK;
}

static clk_status add_lang(clk_fict_set *s, const char *code, size_t n, int required, clk_err *e)
{
    clk_fict_lang *l;
    char path[CLK_MAX_PATH];
    uint64_t lg, sz;
    size_t i;
    int k;
    if (n == 0 || n >= sizeof l->code)
        return clk_fail(e, CLK_E_ARG, "--langs: '%.*s' is not a language code", (int)n, code);
    for (i = 0; i < n; i++)
        if (!((code[i] >= 'a' && code[i] <= 'z') || (code[i] >= 'A' && code[i] <= 'Z')))
            return clk_fail(e, CLK_E_ARG, "--langs: '%.*s' is not a language code (letters only)", (int)n, code);
    if (n == 2 && (code[0] | 0x20) == 'e' && (code[1] | 0x20) == 'n') return CLK_OK; /* English is not a target */
    for (k = 0; k < s->n_langs; k++)
        if (strlen(s->lang[k].code) == n && clk_ascii_ieq(s->lang[k].code, code, n)) return CLK_OK;
    if (s->n_langs == CLK_MAX_LANGS) return clk_fail(e, CLK_E_LIMIT, "--langs: more than CLK_MAX_LANGS languages");
    l = &s->lang[s->n_langs];
    memset(l, 0, sizeof *l);
    for (i = 0; i < n; i++) {
        l->code[i] = (char)(code[i] | 0x20);
        l->up[i] = (char)(code[i] & ~0x20);
    }
    CLK_TRY(lang_path(s, l, 1, path, sizeof path, e));
    if (!exists(path, NULL)) {
        if (!required) return CLK_OK;
        return clk_fail(e, CLK_E_DATA, "fictional: no results for model '%s' in language %s: '%s' is missing", s->model,
                        l->code, path);
    }
    s->n_langs++;
    l->n_cont_missing = -1;
    /* required: test<L> and its results; optional: English and translation results
     * (then their test files are required), and the training file */
    for (k = 0; k <= 6; k++) {
        CLK_TRY(lang_path(s, l, k, path, sizeof path, e));
        if (k == 2) continue; /* testEN: measured once, by clk_fict_find */
        if (k == 3) l->has_en = exists(path, NULL);
        if (k == 4) { /* decided by the translation results (k == 5) */
            char rp[CLK_MAX_PATH];
            CLK_TRY(lang_path(s, l, 5, rp, sizeof rp, e));
            l->has_tr = exists(rp, NULL);
        }
        if (k == 6) l->has_train = exists(path, NULL);
        if ((k == 3 && !l->has_en) || ((k == 4 || k == 5) && !l->has_tr) || (k == 6 && !l->has_train)) continue;
        CLK_TRY(measure(path, &lg, &sz, e));
        if (lg > l->longest) l->longest = lg;
        if (sz > l->biggest) l->biggest = sz;
    }
    return CLK_OK;
}

clk_status clk_fict_find(clk_fict_set *s, const clk_fict_opts *o, clk_err *e)
{
    int i, need_en = 0;
    memset(s, 0, sizeof *s);
    if (!o->data || !o->model) return clk_fail(e, CLK_E_ARG, "fictional: DATA and the model name are required");
    if (strlen(o->data) >= sizeof s->data || (o->results && strlen(o->results) >= sizeof s->results) ||
        strlen(o->model) >= sizeof s->model)
        return clk_fail(e, CLK_E_LIMIT, "fictional: a path or the model name is too long");
    strcpy(s->data, o->data);
    strcpy(s->results, o->results ? o->results : o->data);
    strcpy(s->model, o->model);
    s->limit = o->limit;
    if (o->langs) {
        const char *p = o->langs;
        while (*p) {
            const char *c = strchr(p, ',');
            size_t n = c ? (size_t)(c - p) : strlen(p);
            CLK_TRY(add_lang(s, p, n, 1, e));
            p += n + (c ? 1 : 0);
        }
    } else {
        for (i = 0; i < N_TARGETS; i++) CLK_TRY(add_lang(s, default_targets[i], 2, 0, e));
    }
    if (s->n_langs == 0)
        return clk_fail(e, CLK_E_DATA,
                        "fictional: no results for model '%s': expected %s/fictional/<lang>/%s_res.jsonl for a "
                        "target language (zh de fr it ja pl ru ar he)",
                        s->model, s->results, s->model);
    for (i = 0; i < s->n_langs; i++) need_en |= s->lang[i].has_en;
    if (need_en) {
        char path[CLK_MAX_PATH];
        CLK_TRY(lang_path(s, &s->lang[0], 2, path, sizeof path, e));
        CLK_TRY(measure(path, &s->en_longest, &s->en_size, e));
    }
    return CLK_OK;
}

static void sizes(const clk_fict_set *s, uint64_t *longest, uint64_t *biggest)
{
    int i;
    *longest = s->en_longest;
    *biggest = s->en_size;
    for (i = 0; i < s->n_langs; i++) {
        if (s->lang[i].longest > *longest) *longest = s->lang[i].longest;
        if (s->lang[i].biggest > *biggest) *biggest = s->lang[i].biggest;
    }
}

void clk_fict_plan(const clk_fict_set *s, clk_plan *p)
{
    uint64_t longest, biggest;
    sizes(s, &longest, &biggest);
    clk_plan_addn(p, "json scratch", clk_json_bytes(longest), 2);
    clk_plan_addn(p, "paths", CLK_MAX_PATH, 2);
    if (!clk_sys_can_map()) clk_plan_addn(p, "file buffers", biggest + 1, 2);
}

/* ------------------------------------------------------------ reading */

typedef struct src {
    char *path;
    clk_map map;
    clk_jsonl lines;
} src;

typedef struct run_ctx {
    const clk_fict_set *s;
    clk_arena *a;
    char *path[2];          /* [CLK_MAX_PATH] each */
    unsigned char *buf[2];  /* file buffers without mmap, or NULL */
    uint64_t buf_cap;
} run_ctx;

static clk_status src_open(run_ctx *r, int slot, src *f, clk_err *e)
{
    clk_oserr os;
    f->path = r->path[slot];
    if (r->buf[slot] ? clk_sys_read(f->path, r->buf[slot], r->buf_cap, &f->map, &os)
                     : clk_sys_map(f->path, &f->map, &os))
        return clk_fail(e, CLK_E_IO, "%s", os.msg);
    clk_jsonl_init(&f->lines, f->map.data, (size_t)f->map.size);
    return CLK_OK;
}

static void src_close(src *f) { clk_sys_unmap(&f->map); }

static clk_status parse_line(src *f, const char *line, size_t len, clk_arena *a, clk_json_doc *d, clk_err *e)
{
    if (len > CLK_MAX_LINE)
        return clk_fail(e, CLK_E_LIMIT, "%s:%llu: line of %zu bytes is longer than CLK_MAX_LINE", f->path,
                        (unsigned long long)f->lines.line, len);
    CLK_TRY(clk_json_parse(line, len, f->path, f->lines.line, a, d, e));
    if (d->root->type != CLK_JSON_OBJECT)
        return clk_fail(e, CLK_E_FORMAT, "%s:%llu: expected a JSON object, found %s", f->path,
                        (unsigned long long)f->lines.line, clk_json_type_name(d->root->type));
    return CLK_OK;
}

static clk_status get_string(src *f, const clk_json_doc *d, const char *key, const char **s, size_t *n, clk_err *e)
{
    const clk_json *v = clk_json_get(d, d->root, key);
    if (!v || v->type != CLK_JSON_STRING)
        return clk_fail(e, CLK_E_FORMAT, "%s:%llu: expected a string \"%s\", found %s", f->path,
                        (unsigned long long)f->lines.line, key, v ? clk_json_type_name(v->type) : "none");
    *s = v->u.s;
    *n = v->n;
    return CLK_OK;
}

/* The value of tag [[name:VALUE]] in s[0..n), or NULL. */
static const char *tag(const char *s, size_t n, const char *name, size_t *vn)
{
    size_t k = strlen(name), i;
    for (i = 0; i + k + 4 <= n; i++)
        if (s[i] == '[' && s[i + 1] == '[' && !memcmp(s + i + 2, name, k) && s[i + 2 + k] == ':') {
            const char *v = s + i + 3 + k, *end = s + n;
            const char *c = v;
            while (c + 1 < end && !(c[0] == ']' && c[1] == ']')) c++;
            if (c + 1 >= end) return NULL;
            *vn = (size_t)(c - v);
            return v;
        }
    return NULL;
}

/* Remember a distinct continent name of language l; *idx gets its index. */
static clk_status note_continent(clk_fict_lang *l, const char *v, size_t n, int *idx, clk_err *e)
{
    size_t at = 0;
    int k;
    for (k = 0; k < l->n_cont; k++) {
        size_t len = strlen(l->cont + at);
        if (len == n && !memcmp(l->cont + at, v, n)) {
            *idx = k;
            return CLK_OK;
        }
        at += len + 1;
    }
    *idx = l->n_cont;
    if (l->n_cont == CLK_MAX_CONTINENTS || l->cont_len + n + 1 > sizeof l->cont)
        return clk_fail(e, CLK_E_LIMIT, "fictional %s: more continent names than CLK_MAX_CONTINENTS / _BYTES", l->code);
    memcpy(l->cont + l->cont_len, v, n);
    l->cont[l->cont_len + n] = 0;
    l->cont_len += n + 1;
    l->n_cont++;
    return CLK_OK;
}

enum { SEC_TARGET = 0, SEC_EN = 1, SEC_TRANSLATE = 2 };

/* Read test file path[0] and result file path[1] in lockstep and count
 * section `sec` of language l. */
static clk_status read_pair(run_ctx *r, clk_fict_lang *l, int sec, clk_err *e)
{
    src t, x;
    clk_status st = CLK_OK;
    const char *tl, *xl;
    size_t tn, xn;
    long i = 0;
    CLK_TRY(src_open(r, 0, &t, e));
    if ((st = src_open(r, 1, &x, e)) != CLK_OK) {
        src_close(&t);
        return st;
    }
    for (;; i++) {
        int ht = (r->s->limit <= 0 || i < r->s->limit) && clk_jsonl_next(&t.lines, &tl, &tn);
        int hx = clk_jsonl_next(&x.lines, &xl, &xn);
        size_t mark = clk_arena_mark(r->a);
        clk_json_doc dt, dx;
        const char *want, *res;
        size_t wn, rn;
        const clk_json *id;
        int type = 0;
        clk_fict_count *cnt;
        if (!ht && !hx) break;
        if (ht != hx) {
            st = clk_fail(e, CLK_E_DATA, "fictional: '%s' has %s lines than '%s' (line %ld): the answers must be "
                          "one per test record, in order", x.path, ht ? "fewer" : "more", t.path, i + 1);
            break;
        }
        if ((st = parse_line(&t, tl, tn, r->a, &dt, e)) != CLK_OK) break;
        if ((st = parse_line(&x, xl, xn, r->a, &dx, e)) != CLK_OK) break;
        if ((st = get_string(&t, &dt, "answer", &want, &wn, e)) != CLK_OK) break;
        if ((st = get_string(&x, &dx, "res", &res, &rn, e)) != CLK_OK) break;
        id = clk_json_get(&dx, dx.root, "id");
        if (id && (id->type != CLK_JSON_NUMBER || !id->is_int || id->u.i != i)) {
            st = clk_fail(e, CLK_E_DATA, "%s:%llu: \"id\" should be the line index %ld", x.path,
                          (unsigned long long)x.lines.line, i);
            break;
        }
        if (sec != SEC_TRANSLATE) {
            size_t vn = 0, wn0 = wn;
            const char *ty = tag(want, wn, "type", &vn), *c = tag(want, wn, "continent", &wn);
            if (!c || wn == 0 || !ty || vn != 1 || (ty[0] != '0' && ty[0] != '1')) {
                st = clk_fail(e, CLK_E_FORMAT, "%s:%llu: expected [[continent:NAME]] and [[type:0|1]] tags in "
                              "\"answer\"", t.path, (unsigned long long)t.lines.line);
                break;
            }
            type = ty[0] - '0';
            if (sec == SEC_TARGET) {
                int ci = 0;
                size_t cn = 0;
                const char *city = tag(want, wn0, "city", &cn);
                if ((st = note_continent(l, c, wn, &ci, e)) != CLK_OK) break;
                if (ci > 255) l->n_amb_names = -1; /* the index must fit its byte */
                if (city && l->n_amb_names == 0 && l->city_len + cn + 2 <= sizeof l->city && memchr(city, 0, cn) == NULL) {
                    l->city[l->city_len] = (char)ci; /* ci < CLK_MAX_CONTINENTS <= 255 */
                    memcpy(l->city + l->city_len + 1, city, cn);
                    l->city[l->city_len + 1 + cn] = 0;
                    l->city_len += cn + 2;
                    l->n_city++;
                } else {
                    l->n_amb_names = -1; /* a name too many (or without a city tag): not checked */
                }
            }
            want = c; /* from here on: the expected continent */
        } else if (wn == 0) {
            st = clk_fail(e, CLK_E_FORMAT, "%s:%llu: empty \"answer\"", t.path, (unsigned long long)t.lines.line);
            break;
        }
        cnt = sec == SEC_TRANSLATE ? &l->tr : sec == SEC_EN ? (type ? &l->en1 : &l->en0) : (type ? &l->t1 : &l->t0);
        cnt->n++;
        cnt->c += clk_fict_match(res, rn, want, wn);
        clk_arena_reset(r->a, mark);
    }
    src_close(&t);
    src_close(&x);
    return st;
}

/* Which of l's continent names occur in any string of train file path[0]? */
static clk_status check_train(run_ctx *r, clk_fict_lang *l, clk_err *e)
{
    src t;
    const char *line;
    size_t len;
    uint64_t found = 0, all = l->n_cont >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << l->n_cont) - 1);
    clk_status st = CLK_OK;
    int k;
    CLK_TRY(src_open(r, 0, &t, e));
    while (found != all && clk_jsonl_next(&t.lines, &line, &len)) {
        size_t mark = clk_arena_mark(r->a);
        clk_json_doc d;
        uint32_t i;
        if (len == 0) continue;
        if ((st = parse_line(&t, line, len, r->a, &d, e)) != CLK_OK) break;
        for (i = 0; i < d.n_nodes; i++) {
            const clk_json *v = &d.node[i];
            size_t at = 0;
            if (v->type != CLK_JSON_STRING) continue;
            for (k = 0; k < l->n_cont; k++) {
                size_t n = strlen(l->cont + at);
                if (!(found >> k & 1) && clk_fict_match(v->u.s, v->n, l->cont + at, n)) found |= (uint64_t)1 << k;
                at += n + 1;
            }
        }
        clk_arena_reset(r->a, mark);
    }
    src_close(&t);
    if (st != CLK_OK) return st;
    l->n_cont_missing = 0;
    {
        size_t at = 0;
        for (k = 0; k < l->n_cont; k++) {
            size_t n = strlen(l->cont + at);
            if (!(found >> k & 1)) {
                if (!l->n_cont_missing) snprintf(l->missing_example, sizeof l->missing_example, "%s", l->cont + at);
                l->n_cont_missing++;
            }
            at += n + 1;
        }
    }
    return CLK_OK;
}

/* Items whose place name occurs again with another continent, and the
 * distinct names concerned (quadratic in the items: 400 in CLiKA). */
static void ambiguous_names(clk_fict_lang *l)
{
    size_t a, b;
    if (l->n_amb_names < 0) return;
    l->n_amb_names = l->n_amb_items = 0;
    for (a = 0; a < l->city_len; a += strlen(l->city + a + 1) + 2) {
        const char *na = l->city + a + 1;
        int clash = 0, first = 1; /* first: no earlier item has this name and clashes */
        for (b = 0; b < l->city_len; b += strlen(l->city + b + 1) + 2) {
            if (b == a || strcmp(na, l->city + b + 1)) continue;
            if (l->city[b] != l->city[a]) clash = 1;
            if (b < a) first = 0;
        }
        if (!clash) continue;
        l->n_amb_items++;
        if (first) {
            if (!l->n_amb_names) snprintf(l->amb_example, sizeof l->amb_example, "%s", na);
            l->n_amb_names++;
        }
    }
}

clk_status clk_fict_run(clk_fict_set *s, clk_arena *a, clk_err *e)
{
    run_ctx r;
    uint64_t longest, biggest;
    void *p;
    int i, k;
    memset(&r, 0, sizeof r);
    r.s = s;
    r.a = a;
    sizes(s, &longest, &biggest);
    for (k = 0; k < 2; k++) {
        CLK_TRY(clk_arena_alloc(a, CLK_MAX_PATH, "paths", &p, e));
        r.path[k] = (char *)p;
    }
    if (!clk_sys_can_map())
        for (k = 0; k < 2; k++) {
            CLK_TRY(clk_arena_alloc(a, (size_t)biggest + 1, "file buffers", &p, e));
            r.buf[k] = (unsigned char *)p;
            r.buf_cap = biggest + 1;
        }
    for (i = 0; i < s->n_langs; i++) {
        clk_fict_lang *l = &s->lang[i];
        memset(&l->t0, 0, sizeof l->t0), memset(&l->t1, 0, sizeof l->t1);
        memset(&l->en0, 0, sizeof l->en0), memset(&l->en1, 0, sizeof l->en1), memset(&l->tr, 0, sizeof l->tr);
        l->n_cont = 0, l->cont_len = 0, l->n_cont_missing = -1;
        l->n_amb_names = 0, l->n_amb_items = 0, l->city_len = 0, l->n_city = 0, l->amb_example[0] = 0;
        CLK_TRY(lang_path(s, l, 0, r.path[0], CLK_MAX_PATH, e));
        CLK_TRY(lang_path(s, l, 1, r.path[1], CLK_MAX_PATH, e));
        CLK_TRY(read_pair(&r, l, SEC_TARGET, e));
        ambiguous_names(l);
        if (l->has_en) {
            CLK_TRY(lang_path(s, l, 2, r.path[0], CLK_MAX_PATH, e));
            CLK_TRY(lang_path(s, l, 3, r.path[1], CLK_MAX_PATH, e));
            CLK_TRY(read_pair(&r, l, SEC_EN, e));
        }
        if (l->has_tr) {
            CLK_TRY(lang_path(s, l, 4, r.path[0], CLK_MAX_PATH, e));
            CLK_TRY(lang_path(s, l, 5, r.path[1], CLK_MAX_PATH, e));
            CLK_TRY(read_pair(&r, l, SEC_TRANSLATE, e));
        }
        if (l->has_train) {
            CLK_TRY(lang_path(s, l, 6, r.path[0], CLK_MAX_PATH, e));
            CLK_TRY(check_train(&r, l, e));
        }
        clk_fict_metrics(l);
    }
    return CLK_OK;
}
