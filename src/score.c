/*
 * score.c - find a model's CLiKA result files, read them line by line in
 * lockstep across languages, apply the authors' answer rule, and compute
 * every metric of metrics.h per task and language.
 *
 * Must never: print, allocate outside the arena, accept misaligned data,
 * or drop an item. Files are mapped (or read into planned buffers), never
 * copied whole; each line is parsed into arena scratch that is given back
 * before the next line.
 */
#include "score.h"
#include "port.h"

#include <stdio.h>
#include <string.h>

const clk_task_info clk_tasks[] = {
    {"x_csqa", 5, 0.746, "commonsense questions (X-CSQA), 5 options"},
    {"x_copa", 2, 0.964, "causal reasoning (COPA/XCOPA), 2 options"},
    {"x_name", 4, 0.922, "birth and death years of famous people, 4 options"},
    {"x_geo", 4, 0.970, "administrative division of a city, 4 options"},
    {NULL, 0, 0, NULL},
};

const char *const clk_default_langs[CLK_N_DEFAULT_LANGS] = {"en", "zh", "de", "fr", "it",
                                                           "ja", "pl", "ru", "ar", "he"};

/* The two result-file spellings of the authors' repository. */
static const char *const file_suffix[2] = {"_res.jsonl", "_res_bf16_add_simple_example.jsonl"};

const clk_task_info *clk_task_find(const char *name)
{
    const clk_task_info *t;
    for (t = clk_tasks; t->name; t++)
        if (!strcmp(t->name, name)) return t;
    return NULL;
}

uint32_t clk_answer_pred(const char *res, size_t n)
{
    const unsigned char *s = (const unsigned char *)res;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        int k = clk_utf8_decode(s + i, n - i, &cp);
        if (k == 0) return 0xFFFD; /* not reached for parsed JSON strings */
        if (!clk_is_py_space(cp)) return cp;
        i += (size_t)k;
    }
    return 'F';
}

/* ---------------------------------------------------------------- finding */

/* snprintf that reports truncation as a limit error */
static clk_status join(char *out, size_t cap, clk_err *e, const char *a, const char *b, const char *c,
                       const char *d)
{
    int n;
    if (c && d) n = snprintf(out, cap, "%s/%s/%s/%s", a, b, c, d);
    else if (c) n = snprintf(out, cap, "%s/%s/%s", a, b, c);
    else n = snprintf(out, cap, "%s/%s", a, b);
    if (n < 0 || (size_t)n >= cap)
        return clk_fail(e, CLK_E_LIMIT, "path '%s/%s/...' is longer than CLK_MAX_PATH (%d bytes)", a, b,
                        CLK_MAX_PATH);
    return CLK_OK;
}

static int is_dir(const char *path)
{
    int d = 0;
    return clk_sys_stat(path, NULL, &d) == 0 && d;
}

/* Split "a,b,c" into items; each is passed to fn with its length. */
static clk_status each_item(const char *list, const char *what,
                            clk_status (*fn)(void *ctx, const char *s, size_t n, clk_err *e), void *ctx, clk_err *e)
{
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n == 0) return clk_fail(e, CLK_E_ARG, "%s: expected a comma-separated list, found an empty item in '%s'", what, list);
        CLK_TRY(fn(ctx, p, n, e));
        if (!comma) return CLK_OK;
        p = comma + 1;
    }
}

static clk_status add_task(void *ctx, const char *s, size_t n, clk_err *e)
{
    clk_score_set *set = (clk_score_set *)ctx;
    const clk_task_info *t;
    int i;
    for (t = clk_tasks; t->name; t++)
        if (strlen(t->name) == n && !memcmp(t->name, s, n)) break;
    if (!t->name)
        return clk_fail(e, CLK_E_ARG, "unknown task '%.*s': clika scores x_csqa, x_copa, x_name and x_geo", (int)n, s);
    for (i = 0; i < set->n_tasks; i++)
        if (set->task[i] == t) return clk_fail(e, CLK_E_ARG, "task '%s' is listed twice in --tasks", t->name);
    if (set->n_tasks == CLK_MAX_TASKS)
        return clk_fail(e, CLK_E_LIMIT, "more than CLK_MAX_TASKS (%d) tasks", CLK_MAX_TASKS);
    set->task[set->n_tasks++] = t;
    return CLK_OK;
}

static clk_status add_lang(void *ctx, const char *s, size_t n, clk_err *e)
{
    clk_score_set *set = (clk_score_set *)ctx;
    char code[CLK_MAX_LANG_CODE];
    size_t i;
    int l;
    if (n >= sizeof code)
        return clk_fail(e, CLK_E_ARG, "language code '%.*s' is longer than %d characters", (int)n, s,
                        CLK_MAX_LANG_CODE - 1);
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return clk_fail(e, CLK_E_ARG, "expected a language code such as 'zh', found '%.*s'", (int)n, s);
        code[i] = c;
    }
    code[n] = 0;
    for (l = 0; l < set->n_langs; l++)
        if (!strcmp(set->lang[l], code)) return clk_fail(e, CLK_E_ARG, "language '%s' is listed twice in --langs", code);
    if (set->n_langs == CLK_MAX_LANGS)
        return clk_fail(e, CLK_E_LIMIT, "more than CLK_MAX_LANGS (%d) languages", CLK_MAX_LANGS);
    memcpy(set->lang[set->n_langs++], code, n + 1);
    return CLK_OK;
}

/* Directory listing callback: give each language its directory. */
typedef struct match_ctx {
    clk_score_set *set;
    int t;
    const char *where; /* DATA/task, for messages */
    clk_status st;
    clk_err *e;
} match_ctx;

static int match_lang_dir(void *ctx, const char *name, int dir)
{
    match_ctx *m = (match_ctx *)ctx;
    size_t len = strlen(name), base = len;
    int l;
    if (!dir) return 0;
    if (len > 6 && clk_ascii_ieq("_trans", name + len - 6, 6)) base = len - 6;
    for (l = 0; l < m->set->n_langs; l++) {
        clk_score_file *f = &m->set->file[m->t][l];
        if (!clk_ascii_ieq(m->set->lang[l], name, base)) continue;
        if (f->dir[0]) {
            m->st = clk_fail(m->e, CLK_E_DATA,
                             "'%s' has two directories for language '%s': '%s' and '%s'; keep one", m->where,
                             m->set->lang[l], f->dir, name);
            return 1;
        }
        if (len >= sizeof f->dir) {
            m->st = clk_fail(m->e, CLK_E_LIMIT, "directory name '%s' is longer than CLK_MAX_FILENAME", name);
            return 1;
        }
        memcpy(f->dir, name, len + 1);
    }
    return 0;
}

/* Pick NAME_res.jsonl or NAME_res_bf16_add_simple_example.jsonl in dir and
 * measure it. */
static clk_status find_file(clk_score_set *set, int t, int l, clk_err *e)
{
    clk_score_file *f = &set->file[t][l];
    char dir[CLK_MAX_PATH], path[CLK_MAX_PATH], names[2][CLK_MAX_FILENAME];
    int found[2], i, isdir;
    uint64_t size[2] = {0, 0};
    CLK_TRY(join(dir, sizeof dir, e, set->data, set->task[t]->name, f->dir, NULL));
    for (i = 0; i < 2; i++) {
        int n = snprintf(names[i], sizeof names[i], "%s%s", set->model, file_suffix[i]);
        if (n < 0 || (size_t)n >= sizeof names[i])
            return clk_fail(e, CLK_E_LIMIT, "result file name for model '%s' is longer than CLK_MAX_FILENAME", set->model);
        CLK_TRY(join(path, sizeof path, e, dir, names[i], NULL, NULL));
        found[i] = clk_sys_stat(path, &size[i], &isdir) == 0 && !isdir;
    }
    if (found[0] && found[1])
        return clk_fail(e, CLK_E_DATA, "'%s' holds both %s and %s: which run to score is ambiguous; move one away", dir,
                        names[0], names[1]);
    if (!found[0] && !found[1])
        return clk_fail(e, CLK_E_DATA, "no results for model '%s' in '%s': expected %s or %s", set->model, dir,
                        names[0], names[1]);
    i = found[0] ? 0 : 1;
    memcpy(f->name, names[i], strlen(names[i]) + 1);
    f->size = size[i];
    CLK_TRY(join(path, sizeof path, e, dir, f->name, NULL, NULL));
    if (clk_sys_can_map()) { /* exact line counts for the plan */
        clk_map m;
        clk_oserr os;
        if (clk_sys_map(path, &m, &os) != 0) return clk_fail(e, CLK_E_IO, "%s", os.msg);
        clk_jsonl_measure(m.data, (size_t)m.size, &f->lines, &f->longest);
        f->size = m.size;
        clk_sys_unmap(&m);
    } else { /* bounds: every line takes at least one byte */
        f->lines = f->size;
        f->longest = f->size;
    }
    return CLK_OK;
}

clk_status clk_score_find(clk_score_set *set, const clk_score_opts *o, clk_err *e)
{
    size_t n;
    int t, l;
    memset(set, 0, sizeof *set);
    if (!o->data || !*o->data) return clk_fail(e, CLK_E_ARG, "no data directory given (--data DIR)");
    if (!o->model || !*o->model) return clk_fail(e, CLK_E_ARG, "no model name given (--model NAME)");
    n = strlen(o->data);
    if (n >= sizeof set->data) return clk_fail(e, CLK_E_LIMIT, "data path is longer than CLK_MAX_PATH");
    memcpy(set->data, o->data, n + 1);
    while (n > 1 && set->data[n - 1] == '/') set->data[--n] = 0;
    n = strlen(o->model);
    if (n + strlen(file_suffix[1]) >= sizeof set->model || strchr(o->model, '/') || !strcmp(o->model, ".") ||
        !strcmp(o->model, ".."))
        return clk_fail(e, CLK_E_ARG, "expected a model name such as 'llama2_7b' (the start of its result file names), found '%s'",
                        o->model);
    if (clk_utf8_valid_prefix((const unsigned char *)o->model, n) != n)
        return clk_fail(e, CLK_E_ARG, "model name is not valid UTF-8");
    memcpy(set->model, o->model, n + 1);
    if (!is_dir(set->data)) return clk_fail(e, CLK_E_DATA, "data directory '%s' does not exist", set->data);

    /* tasks: as listed, or every known one present */
    if (o->tasks) {
        CLK_TRY(each_item(o->tasks, "--tasks", add_task, set, e));
        for (t = 0; t < set->n_tasks; t++) {
            char dir[CLK_MAX_PATH];
            CLK_TRY(join(dir, sizeof dir, e, set->data, set->task[t]->name, NULL, NULL));
            if (!is_dir(dir))
                return clk_fail(e, CLK_E_DATA, "task %s not found: no directory '%s'", set->task[t]->name, dir);
        }
    } else {
        const clk_task_info *ti;
        for (ti = clk_tasks; ti->name; ti++) {
            char dir[CLK_MAX_PATH];
            CLK_TRY(join(dir, sizeof dir, e, set->data, ti->name, NULL, NULL));
            if (is_dir(dir)) set->task[set->n_tasks++] = ti;
        }
        if (set->n_tasks == 0)
            return clk_fail(e, CLK_E_DATA, "no task directories (x_csqa, x_copa, x_name, x_geo) in '%s'", set->data);
    }

    /* languages: as listed with English first if missing, or the ten */
    if (o->langs) CLK_TRY(each_item(o->langs, "--langs", add_lang, set, e));
    else
        for (l = 0; l < CLK_N_DEFAULT_LANGS; l++) CLK_TRY(add_lang(set, clk_default_langs[l], 2, e));
    for (set->en = 0; set->en < set->n_langs && strcmp(set->lang[set->en], "en"); set->en++) {
    }
    if (set->en == set->n_langs) { /* not listed: English goes first */
        CLK_TRY(add_lang(set, "en", 2, e));
        memmove(set->lang[1], set->lang[0], (size_t)(set->n_langs - 1) * sizeof set->lang[0]);
        memcpy(set->lang[0], "en", 3);
        set->en = 0;
    }

    /* directories: list every task's language directories first */
    for (t = 0; t < set->n_tasks; t++) {
        char dir[CLK_MAX_PATH];
        clk_oserr os;
        match_ctx m;
        CLK_TRY(join(dir, sizeof dir, e, set->data, set->task[t]->name, NULL, NULL));
        m.set = set;
        m.t = t;
        m.where = dir;
        m.st = CLK_OK;
        m.e = e;
        if (clk_sys_listdir(dir, set->listing, sizeof set->listing, match_lang_dir, &m, &os) != 0)
            return clk_fail(e, CLK_E_IO, "%s", os.msg);
        if (m.st != CLK_OK) return m.st;
    }
    /* Without --langs, the default is those of the ten languages that the
     * data has at all (a set made for 7 languages scores 7). A language that
     * one task has and another lacks is still an error below: that is a
     * broken copy, not a smaller set. English is never dropped. */
    if (!o->langs) {
        int keep = 0;
        for (l = 0; l < set->n_langs; l++) {
            int any = 0;
            for (t = 0; t < set->n_tasks; t++) any |= set->file[t][l].dir[0] != 0;
            if (!any && l != set->en) continue;
            if (keep != l) {
                memcpy(set->lang[keep], set->lang[l], sizeof set->lang[0]);
                for (t = 0; t < set->n_tasks; t++) set->file[t][keep] = set->file[t][l];
            }
            if (l == set->en) set->en = keep;
            keep++;
        }
        set->n_langs = keep;
    }
    /* files */
    for (t = 0; t < set->n_tasks; t++) {
        char dir[CLK_MAX_PATH];
        CLK_TRY(join(dir, sizeof dir, e, set->data, set->task[t]->name, NULL, NULL));
        for (l = 0; l < set->n_langs; l++) {
            if (!set->file[t][l].dir[0])
                return clk_fail(e, CLK_E_DATA,
                                "%s: no directory for language '%s' in '%s' (looked for %s or %s_trans, any case)%s",
                                set->task[t]->name, set->lang[l], dir, set->lang[l], set->lang[l],
                                o->langs ? "" : "; other tasks have it (choose languages with --langs)");
            CLK_TRY(find_file(set, t, l, e));
        }
    }
    return CLK_OK;
}

clk_status clk_score_path(const clk_score_set *set, int t, int l, char *out, size_t cap, clk_err *e)
{
    return join(out, cap, e, set->data, set->task[t]->name, set->file[t][l].dir, set->file[t][l].name);
}

/* ---------------------------------------------------------------- planning */

static uint64_t path_bytes(const clk_score_set *set, int t, int l)
{
    return strlen(set->data) + strlen(set->task[t]->name) + strlen(set->file[t][l].dir) +
           strlen(set->file[t][l].name) + 4;
}

void clk_score_plan(const clk_score_set *set, clk_plan *p)
{
    uint64_t longest = 0, buffers = 0;
    int t, l;
    clk_plan_add(p, "score result", sizeof(clk_score_result));
    for (t = 0; t < set->n_tasks; t++) {
        uint64_t task_bytes = 0;
        for (l = 0; l < set->n_langs; l++) {
            const clk_score_file *f = &set->file[t][l];
            clk_plan_add(p, "correctness", f->lines ? f->lines : 1);
            clk_plan_add(p, "paths", path_bytes(set, t, l));
            if (f->longest > longest) longest = f->longest;
            task_bytes += clk_plan_round(f->size + 1);
        }
        if (task_bytes > buffers) buffers = task_bytes;
    }
    clk_plan_addn(p, "json scratch", clk_json_bytes(longest), 2);
    if (!clk_sys_can_map()) clk_plan_add(p, "file buffers", buffers);
}

/* ----------------------------------------------------------------- reading */

/* What one line contributes. */
typedef struct record {
    const clk_json *id, *uuid;      /* NULL when absent */
    int correct;                    /* pred == label */
    int letter;                     /* pred is one of the task's option letters */
    int has_scores;
    uint8_t rank[CLK_MAX_OPTIONS];  /* options best first, from "scores" */
} record;

/* An open result file: its bytes, its label for messages, its cursor. */
typedef struct source {
    clk_map map;
    char *path; /* DATA/task/dir/name */
    clk_jsonl lines;
} source;

static clk_status read_record(const clk_json_doc *d, const clk_task_info *task, const source *src, record *r,
                              clk_err *e)
{
    const clk_json *res, *label, *scores;
    uint32_t pred, want;
    uint64_t line = src->lines.line;
    int k;
    if (d->root->type != CLK_JSON_OBJECT)
        return clk_fail(e, CLK_E_FORMAT, "%s:%llu: expected a JSON object per line, found %s", src->path,
                        (unsigned long long)line, clk_json_type_name(d->root->type));
    res = clk_json_get(d, d->root, "res");
    label = clk_json_get(d, d->root, "label");
    if (!res || res->type != CLK_JSON_STRING)
        return clk_fail(e, CLK_E_FORMAT, "%s:%llu: expected key \"res\" with the generated answer as a string, found %s",
                        src->path, (unsigned long long)line, res ? clk_json_type_name(res->type) : "no such key");
    if (!label || label->type != CLK_JSON_STRING)
        return clk_fail(e, CLK_E_FORMAT, "%s:%llu: expected key \"label\" with the gold letter as a string, found %s",
                        src->path, (unsigned long long)line, label ? clk_json_type_name(label->type) : "no such key");
    k = clk_utf8_decode((const unsigned char *)label->u.s, label->n, &want);
    if (k == 0 || (uint32_t)k != label->n || want < 'A' || want >= (uint32_t)('A' + task->n_options))
        return clk_fail(e, CLK_E_DATA, "%s:%llu: expected a label A-%c (%s has %d options), found \"%.*s\"", src->path,
                        (unsigned long long)line, 'A' + task->n_options - 1, task->name, task->n_options,
                        (int)(label->n > 20 ? 20 : label->n), label->u.s);
    pred = clk_answer_pred(res->u.s, res->n);
    r->correct = pred == want;
    r->letter = pred >= 'A' && pred < (uint32_t)('A' + task->n_options);
    r->id = clk_json_get(d, d->root, "id");
    r->uuid = clk_json_get(d, d->root, "uuid");
    scores = clk_json_get(d, d->root, "scores");
    r->has_scores = scores != NULL;
    if (scores) {
        double s[CLK_MAX_OPTIONS];
        const clk_json *v;
        uint32_t i;
        if (scores->type != CLK_JSON_ARRAY || scores->n != (uint32_t)task->n_options)
            return clk_fail(e, CLK_E_FORMAT, "%s:%llu: expected \"scores\" as an array of %d numbers (one per option), found %s of %u",
                            src->path, (unsigned long long)line, task->n_options, clk_json_type_name(scores->type),
                            scores->type == CLK_JSON_ARRAY ? scores->n : 1);
        for (i = 0, v = scores + 1; i < scores->n; i++, v = clk_json_after(d, v)) {
            if (v->type != CLK_JSON_NUMBER)
                return clk_fail(e, CLK_E_FORMAT, "%s:%llu: expected a number as score %u of \"scores\", found %s",
                                src->path, (unsigned long long)line, i + 1, clk_json_type_name(v->type));
            s[i] = v->num;
        }
        clk_rank_scores(s, task->n_options, r->rank);
    }
    return CLK_OK;
}

/* A JSON scalar, shortly, for messages. */
static void show_value(const clk_json *v, char *out, size_t cap)
{
    if (!v) snprintf(out, cap, "none");
    else if (v->type == CLK_JSON_STRING) snprintf(out, cap, "\"%.*s\"", (int)(v->n > 40 ? 40 : v->n), v->u.s);
    else if (v->type == CLK_JSON_NUMBER && v->is_int) snprintf(out, cap, "%lld", (long long)v->u.i);
    else if (v->type == CLK_JSON_NUMBER) snprintf(out, cap, "%.17g", v->num);
    else snprintf(out, cap, "%s", clk_json_type_name(v->type));
}

static int same_value(const clk_json *a, const clk_json *b)
{
    if (!a || !b) return a == b;
    if (a->type != b->type) return 0;
    if (a->type == CLK_JSON_NUMBER) return a->num == b->num;
    if (a->type == CLK_JSON_STRING) return a->n == b->n && !memcmp(a->u.s, b->u.s, a->n);
    return a->type != CLK_JSON_ARRAY && a->type != CLK_JSON_OBJECT; /* null, true, false */
}

static clk_status check_key(const char *key, const clk_json *en, const clk_json *x, const source *s_en,
                            const source *s_x, clk_err *e)
{
    char a[64], b[64];
    if (same_value(en, x)) return CLK_OK;
    show_value(x, a, sizeof a);
    show_value(en, b, sizeof b);
    return clk_fail(e, CLK_E_DATA,
                    "%s:%llu: %s %s does not match %s %s of English (%s:%llu); items are aligned by line, so each line must be the same item in every language",
                    s_x->path, (unsigned long long)s_x->lines.line, key, a, key, b, s_en->path,
                    (unsigned long long)s_en->lines.line);
}

/* Next line of src parsed into scratch and read as a record. */
static clk_status next_record(source *src, const clk_task_info *task, clk_arena *a, record *r, clk_err *e)
{
    const char *line;
    size_t len;
    clk_json_doc d;
    if (!clk_jsonl_next(&src->lines, &line, &len))
        return clk_fail(e, CLK_E_INTERNAL, "%s: fewer lines than counted", src->path);
    if (len > CLK_MAX_LINE)
        return clk_fail(e, CLK_E_LIMIT, "%s:%llu: line of %zu bytes is longer than CLK_MAX_LINE (%u)", src->path,
                        (unsigned long long)src->lines.line, len, (unsigned)CLK_MAX_LINE);
    CLK_TRY(clk_json_parse(line, len, src->path, src->lines.line, a, &d, e));
    return read_record(&d, task, src, r, e);
}

static clk_status open_source(const clk_score_set *set, int t, int l, unsigned char *buf, source *s, clk_arena *a,
                              clk_err *e)
{
    const clk_score_file *f = &set->file[t][l];
    clk_oserr os;
    void *p;
    uint64_t n = path_bytes(set, t, l);
    CLK_TRY(clk_arena_alloc(a, (size_t)n, "paths", &p, e));
    s->path = (char *)p;
    CLK_TRY(clk_score_path(set, t, l, s->path, (size_t)n, e));
    if (buf ? clk_sys_read(s->path, buf, f->size, &s->map, &os) : clk_sys_map(s->path, &s->map, &os))
        return clk_fail(e, CLK_E_IO, "%s", os.msg);
    clk_jsonl_init(&s->lines, s->map.data, (size_t)s->map.size);
    return CLK_OK;
}

static void close_sources(source *src, int n)
{
    int l;
    for (l = 0; l < n; l++) clk_sys_unmap(&src[l].map);
}

/* Read the task's files in lockstep: item i of every language together. */
static clk_status read_task(const clk_score_set *set, int t, unsigned char *buffers, clk_arena *a, clk_task_score *ts,
                            source *src, double *rankc_sum, long *rankc_n, clk_err *e)
{
    const clk_task_info *task = set->task[t];
    int l, en = set->en;
    long i;
    uint64_t lines[CLK_MAX_LANGS], longest;
    for (l = 0; l < set->n_langs; l++) {
        unsigned char *buf = NULL;
        if (buffers) { /* no mmap: this task's files side by side in the planned buffers */
            buf = buffers;
            buffers += clk_plan_round(set->file[t][l].size + 1);
        }
        CLK_TRY(open_source(set, t, l, buf, &src[l], a, e));
        clk_jsonl_measure(src[l].map.data, (size_t)src[l].map.size, &lines[l], &longest);
        if (lines[l] > set->file[t][l].lines || longest > set->file[t][l].longest)
            return clk_fail(e, CLK_E_DATA, "%s changed while clika was reading it", src[l].path);
    }
    if (lines[en] == 0) return clk_fail(e, CLK_E_DATA, "%s: no records", src[en].path);
    if (lines[en] > CLK_MAX_ITEMS)
        return clk_fail(e, CLK_E_LIMIT, "%s: %llu records, more than CLK_MAX_ITEMS (%d)", src[en].path,
                        (unsigned long long)lines[en], CLK_MAX_ITEMS);
    for (l = 0; l < set->n_langs; l++)
        if (lines[l] != lines[en])
            return clk_fail(e, CLK_E_DATA,
                            "%s: %llu records, but English has %llu (%s); items are aligned by line, so every language needs the same count",
                            src[l].path, (unsigned long long)lines[l], (unsigned long long)lines[en], src[en].path);
    ts->n = (long)lines[en];
    for (l = 0; l < set->n_langs; l++) {
        void *p;
        CLK_TRY(clk_arena_alloc(a, (size_t)ts->n, "correctness", &p, e));
        ts->lang[l].c = (unsigned char *)p;
        ts->lang[l].n = ts->n;
    }
    for (i = 0; i < ts->n; i++) {
        size_t mark = clk_arena_mark(a);
        record r_en;
        CLK_TRY(next_record(&src[en], task, a, &r_en, e));
        for (l = 0; l < set->n_langs; l++) {
            size_t mark_l = clk_arena_mark(a);
            record r_l;
            if (l == en) r_l = r_en;
            else {
                CLK_TRY(next_record(&src[l], task, a, &r_l, e));
                CLK_TRY(check_key("id", r_en.id, r_l.id, &src[en], &src[l], e));
                CLK_TRY(check_key("uuid", r_en.uuid, r_l.uuid, &src[en], &src[l], e));
            }
            ts->lang[l].c[i] = (unsigned char)r_l.correct;
            ts->lang[l].correct += r_l.correct;
            ts->lang[l].unparsed += !r_l.letter;
            if (r_en.has_scores && r_l.has_scores) {
                rankc_sum[l] += clk_rankc_query(r_en.rank, r_l.rank, task->n_options, CLK_RANKC_SOFTMAX);
                rankc_n[l]++;
            }
            clk_arena_reset(a, mark_l);
        }
        clk_arena_reset(a, mark);
    }
    return CLK_OK;
}

static void compute_metrics(const clk_score_set *set, clk_task_score *ts, const double *rankc_sum,
                            const long *rankc_n)
{
    const clk_task_info *task = ts->info;
    const clk_lang_score *en = &ts->lang[set->en];
    const unsigned char *vec[CLK_MAX_LANGS];
    int l, k = task->n_options;
    for (l = 0; l < set->n_langs; l++) {
        clk_lang_score *s = &ts->lang[l];
        s->en = clk_overlap_count(en->c, s->c, ts->n);
        s->acc = clk_accuracy(s->correct, s->n);
        clk_wilson(s->correct, s->n, &s->acc_lo, &s->acc_hi);
        s->ra = clk_ra(s->correct, s->n, en->correct, en->n);
        s->ra_chance = clk_ra_chance(s->correct, s->n, en->correct, en->n, k);
        s->norm_ref = clk_norm_ref(s->correct, s->n, task->ref_acc, k);
        s->en_co = clk_en_co(&s->en);
        s->en_co_cond = clk_en_co_cond(&s->en);
        s->xltr = clk_xltr(&s->en, k);
        s->has_rankc = rankc_n[l] == ts->n;
        s->rankc = s->has_rankc ? rankc_sum[l] / (double)ts->n : CLK_UNDEF;
        vec[l] = s->c;
    }
    clk_co_matrix(vec, set->n_langs, ts->n, ts->co);
}

clk_status clk_score_run(const clk_score_set *set, clk_arena *a, clk_score_result **out, clk_err *e)
{
    clk_score_result *r;
    unsigned char *buffers = NULL;
    void *p;
    int t, l;
    *out = NULL;
    CLK_TRY(clk_arena_alloc(a, sizeof *r, "score result", &p, e));
    r = (clk_score_result *)p;
    memset(r, 0, sizeof *r);
    r->set = set;
    r->n_tasks = set->n_tasks;
    r->n_langs = set->n_langs;
    if (!clk_sys_can_map()) {
        uint64_t most = 0;
        for (t = 0; t < set->n_tasks; t++) {
            uint64_t sum = 0;
            for (l = 0; l < set->n_langs; l++) sum += clk_plan_round(set->file[t][l].size + 1);
            if (sum > most) most = sum;
        }
        CLK_TRY(clk_arena_alloc(a, (size_t)most, "file buffers", &p, e));
        buffers = (unsigned char *)p;
    }
    for (t = 0; t < set->n_tasks; t++) {
        clk_task_score *ts = &r->task[t];
        source src[CLK_MAX_LANGS];
        double rankc_sum[CLK_MAX_LANGS];
        long rankc_n[CLK_MAX_LANGS];
        clk_status s;
        memset(src, 0, sizeof src);
        for (l = 0; l < CLK_MAX_LANGS; l++) {
            rankc_sum[l] = 0;
            rankc_n[l] = 0;
        }
        ts->info = set->task[t];
        s = read_task(set, t, buffers, a, ts, src, rankc_sum, rankc_n, e);
        close_sources(src, set->n_langs);
        if (s != CLK_OK) return s;
        compute_metrics(set, ts, rankc_sum, rankc_n);
    }
    *out = r;
    return CLK_OK;
}
