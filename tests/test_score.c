/* test_score.c - the scoring core end to end: the answer rule, the
 * hand-computed fixture (fixtures/score/toy), the memory plan, the four
 * reports (report.json read back with clika's own JSON reader, a
 * well-formedness check of report.svg), the reference scores of the three
 * CLiKA models in ../shared (skipped when absent), and bad input through
 * the library (status and message) and through the `clika` binary (exit
 * status 2, one line on stderr, no report files). */
#include "test.h"
#include "common.h"
#include "arena.h"
#include "jsonl.h"
#include "metrics.h"
#include "score.h"
#include "report.h"
#include "port.h"

/* ------------------------------------------------------------- harness */

static clk_score_set g_set;
static unsigned char *g_mem;
static clk_arena g_arena;
static clk_plan g_plan;

/* find + plan + acquire + run, as main.c does */
static clk_status score(const char *data, const char *model, const char *tasks, const char *langs,
                        clk_score_result **r, clk_err *e)
{
    clk_score_opts o;
    clk_status s;
    o.data = data;
    o.model = model;
    o.tasks = tasks;
    o.langs = langs;
    e->msg[0] = 0;
    *r = NULL;
    s = clk_score_find(&g_set, &o, e);
    if (s != CLK_OK) return s;
    clk_plan_init(&g_plan);
    clk_score_plan(&g_set, &g_plan);
    free(g_mem);
    g_mem = (unsigned char *)malloc((size_t)g_plan.total + CLK_ALIGN);
    clk_arena_init(&g_arena, g_mem + (CLK_ALIGN - (uintptr_t)g_mem % CLK_ALIGN) % CLK_ALIGN, (size_t)g_plan.total);
    return clk_score_run(&g_set, &g_arena, r, e);
}

/* A report rendered into a malloc'd buffer. */
static char *render(clk_status (*fn)(const clk_score_result *, clk_out *), const clk_score_result *r)
{
    static clk_buf b;
    clk_err e;
    clk_out o;
    b.cap = 1u << 20;
    b.len = 0;
    b.p = (char *)malloc(b.cap);
    o = clk_out_buf(&b, &e);
    if (fn(r, &o) != CLK_OK) {
        printf("  render failed: %s\n", e.msg);
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* Parse a JSON text into its own malloc'd arena (freed with *mem). */
static clk_status parse_json(const char *text, size_t len, const char *name, clk_json_doc *d, void **mem, clk_err *e)
{
    size_t cap = (size_t)clk_json_bytes(len);
    clk_arena a;
    *mem = malloc(cap);
    clk_arena_init(&a, *mem, cap);
    return clk_json_parse(text, len, name, 1, &a, d, e);
}

static const clk_lang_score *lang(const clk_score_result *r, const char *task, const char *code)
{
    int t, l;
    for (t = 0; t < r->n_tasks; t++)
        if (!strcmp(r->task[t].info->name, task))
            for (l = 0; l < r->n_langs; l++)
                if (!strcmp(r->set->lang[l], code)) return &r->task[t].lang[l];
    return NULL;
}

/* Temporary directories live in the build tree, next to the binary. */
static char g_tmp[1024];
static const char *tmp_root(void)
{
    if (!g_tmp[0]) {
        const char *bin = getenv("CLK_BIN");
        const char *slash = bin ? strrchr(bin, '/') : NULL;
        char cmd[1200];
        clk_oserr os;
        if (slash) snprintf(g_tmp, sizeof g_tmp, "%.*s/tmp_test_score", (int)(slash - bin), bin);
        else snprintf(g_tmp, sizeof g_tmp, "build/tmp_test_score");
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_tmp);
        if (system(cmd) != 0) printf("  cannot clean %s\n", g_tmp);
        clk_sys_mkdirs(g_tmp, &os);
    }
    return g_tmp;
}

static void write_file(const char *path, const char *text)
{
    char dir[1200];
    clk_oserr os;
    FILE *f;
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = 0;
    clk_sys_mkdirs(dir, &os);
    f = fopen(path, "wb");
    if (!f) {
        printf("  cannot write %s\n", path);
        return;
    }
    fputs(text, f);
    fclose(f);
}

static int exists(const char *path) { return clk_sys_stat(path, NULL, NULL) == 0; }

/* Three aligned items of x_geo; line 2 can be replaced per language. */
static const char *GEO_1 = "{\"id\": 0, \"res\": \"A\", \"label\": \"A\", \"uuid\": \"u0\"}\n";
static const char *GEO_2 = "{\"id\": 1, \"res\": \"B\", \"label\": \"C\", \"uuid\": \"u1\"}\n";
static const char *GEO_3 = "{\"id\": 2, \"res\": \" D\", \"label\": \"D\", \"uuid\": \"u2\"}\n";

/* zh's file: the good lines 1 and 3 around a replaced line 2. */
static const char *with_line2(const char *line2)
{
    static char text[512];
    snprintf(text, sizeof text, "%s%s%s", GEO_1, line2, GEO_3);
    return text;
}

/* A small dataset named `name` under the temp root: x_geo with en and zh
 * (and fr when with_fr), model m; zh's file is zh_text or three good lines. */
static const char *make_set(const char *name, const char *zh_text, int with_fr)
{
    static char root[1100];
    char path[1300], good[512];
    snprintf(root, sizeof root, "%s/%s", tmp_root(), name);
    snprintf(good, sizeof good, "%s%s%s", GEO_1, GEO_2, GEO_3);
    snprintf(path, sizeof path, "%s/x_geo/en/m_res.jsonl", root);
    write_file(path, good);
    snprintf(path, sizeof path, "%s/x_geo/ZH_trans/m_res.jsonl", root);
    write_file(path, zh_text ? zh_text : good);
    if (with_fr) {
        snprintf(path, sizeof path, "%s/x_geo/fr/m_res.jsonl", root);
        write_file(path, good);
    }
    return root;
}

/* ------------------------------------------------------------ the rule */

static void test_answer_rule(void)
{
    CHECK_EQ(clk_answer_pred("A. Paris", 8), 'A');
    CHECK_EQ(clk_answer_pred("\n\n B", 4), 'B');
    CHECK_EQ(clk_answer_pred("", 0), 'F');
    CHECK_EQ(clk_answer_pred(" \t\r\n\x0b\x0c", 6), 'F');
    CHECK_EQ(clk_answer_pred("\xE3\x80\x80" "C", 4), 'C');        /* U+3000 is whitespace */
    CHECK_EQ(clk_answer_pred("\xC2\x85" "D", 3), 'D');             /* U+0085 */
    CHECK_EQ(clk_answer_pred("\xE2\x80\xAF" "E", 4), 'E');         /* U+202F */
    CHECK_EQ(clk_answer_pred("\x1c\x1f" "A", 3), 'A');             /* U+001C..U+001F */
    CHECK_EQ(clk_answer_pred("\xE2\x80\x8B" "D", 4), 0x200B);      /* zero-width space is not */
    CHECK_EQ(clk_answer_pred("\xEF\xBB\xBF" "A", 4), 0xFEFF);      /* nor is a BOM */
    CHECK_EQ(clk_answer_pred("\xD0\x90", 2), 0x0410);              /* Cyrillic A: a whole code point */
    CHECK_EQ(clk_answer_pred("\xE4\xB8\xAD", 3), 0x4E2D);
}

/* ------------------------------------------------------- the fixture */

static void test_toy_fixture_values(void)
{
    clk_score_result *r;
    clk_err e;
    const clk_lang_score *s;
    CHECK_OK(score("fixtures/score/toy", "toy", NULL, "en,zh,de", &r, &e), e);
    if (!r) return;
    CHECK_EQ(r->n_tasks, 2);
    CHECK_STR(r->task[0].info->name, "x_copa"); /* report order, not directory order */
    CHECK_STR(g_set.file[1][1].dir, "ZH_trans");
    CHECK_STR(g_set.file[1][2].dir, "De");
    CHECK_STR(g_set.file[0][2].dir, "DE");
    CHECK_STR(g_set.file[0][0].name, "toy_res_bf16_add_simple_example.jsonl");
    CHECK_STR(g_set.file[1][0].name, "toy_res.jsonl");

    /* x_geo: the worked examples of REFERENCE.md section 3 */
    s = lang(r, "x_geo", "en");
    CHECK_EQ(s->correct, 8);
    CHECK_EQ(s->unparsed, 2);
    CHECK_NEAR(s->acc_lo, 0.4902, 5e-5);
    CHECK_NEAR(s->acc_hi, 0.9433, 5e-5);
    CHECK(s->ra == 1 && s->en_co == 1 && s->xltr == 1);
    s = lang(r, "x_geo", "zh");
    CHECK_EQ(s->n, 10);
    CHECK_EQ(s->correct, 5);
    CHECK_EQ(s->unparsed, 4);
    CHECK_EQ(s->en.both, 3);
    CHECK_EQ(s->en.either, 10);
    CHECK(s->ra == 0.625);
    CHECK_NEAR(s->ra_chance, 0.4545, 5e-5);
    CHECK_NEAR(s->norm_ref, 0.3472, 5e-5);
    CHECK(s->en_co == 0.3);
    CHECK(s->en_co_cond == 0.375);
    CHECK_NEAR(s->xltr, 0.1667, 5e-5);
    CHECK(!s->has_rankc);
    s = lang(r, "x_geo", "de");
    CHECK_EQ(s->correct, 6);
    CHECK(s->ra == 0.75 && s->en_co == 0.75 && s->en_co_cond == 0.75);
    CHECK_NEAR(s->ra_chance, 0.6364, 5e-5);
    CHECK_NEAR(s->xltr, 0.6667, 5e-5);
    CHECK(r->task[1].co[1 * 3 + 2] == 0.375); /* zh-de */
    CHECK(r->task[1].co[2 * 3 + 1] == 0.375);

    /* x_copa: RankC from "scores" */
    s = lang(r, "x_copa", "zh");
    CHECK_EQ(s->correct, 3);
    CHECK(s->en_co == 0.5);
    CHECK_NEAR(s->xltr, 1.0 / 3.0, 1e-15);
    CHECK(s->has_rankc);
    CHECK_NEAR(s->rankc, (1 + 3 / (1 + exp(1.0))) / 4, 1e-12);
    CHECK_NEAR(s->rankc, 0.4517, 5e-5);
    CHECK(lang(r, "x_copa", "en")->has_rankc && lang(r, "x_copa", "en")->rankc == 1);
    s = lang(r, "x_copa", "de");
    CHECK(!s->has_rankc && clk_undef(s->rankc)); /* de has no scores */
    CHECK(s->ra_chance == 0);
    CHECK_NEAR(s->xltr, -1.0 / 3.0, 1e-15);
}

static void test_plan_is_exact(void)
{
    clk_score_result *r;
    clk_err e;
    uint64_t scratch = 0;
    int i;
    CHECK_OK(score("fixtures/score/toy", "toy", NULL, "en,zh,de", &r, &e), e);
    for (i = 0; i < g_plan.n; i++)
        if (!strcmp(g_plan.line[i].name, "json scratch")) scratch = g_plan.line[i].bytes;
    CHECK(scratch > 0);
    if (clk_sys_can_map()) /* exact line counts: everything but the per-line scratch stays */
        CHECK_EQ(g_arena.used, g_plan.total - scratch);
    else /* without mmap the plan bounds lines by bytes */
        CHECK(g_arena.used <= g_plan.total - scratch);
    CHECK(g_arena.high <= g_plan.total);
    CHECK(g_arena.high > g_arena.used);
}

/* ------------------------------------------------------------- reports */

/* Tags balanced, attributes quoted, entities known, no NaN/inf anywhere. */
static int svg_well_formed(const char *s, char *why, size_t cap)
{
    char stack[64][32];
    int depth = 0, seen_svg = 0;
    const char *p;
    for (p = s; *p; p++) /* what printf makes of NaN and infinities, anywhere */
        if (!strncmp(p, "nan", 3) || !strncmp(p, "NAN", 3) || !strncmp(p, "inf", 3) || !strncmp(p, "INF", 3))
            return snprintf(why, cap, "'%.3s' at byte %ld", p, (long)(p - s)), 0;
    for (p = s; *p; p++) {
        if (*p == '&') {
            static const char *ent[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
            size_t i;
            for (i = 0; i < 5; i++)
                if (!strncmp(p, ent[i], strlen(ent[i]))) break;
            if (i == 5) return snprintf(why, cap, "bare '&' at byte %ld", (long)(p - s)), 0;
        }
        if (*p == '>' ) return snprintf(why, cap, "stray '>' at byte %ld", (long)(p - s)), 0;
        if (*p != '<') continue;
        if (p[1] == '?') { /* <?xml ... ?> */
            p = strstr(p, "?>");
            if (!p) return snprintf(why, cap, "unterminated <?"), 0;
            p++;
            continue;
        }
        {
            int closing = p[1] == '/', self = 0, quote = 0;
            const char *name = p + 1 + closing, *q = name;
            size_t n;
            while (*q && *q != ' ' && *q != '>' && *q != '/' && *q != '\n') q++;
            n = (size_t)(q - name);
            if (n == 0 || n >= 32) return snprintf(why, cap, "bad tag name at byte %ld", (long)(p - s)), 0;
            for (; *q && (quote || *q != '>'); q++) {
                if (*q == '"') quote = !quote;
                if (!quote && *q == '<') return snprintf(why, cap, "'<' inside a tag at byte %ld", (long)(q - s)), 0;
            }
            if (!*q) return snprintf(why, cap, "unterminated tag"), 0;
            self = q[-1] == '/';
            if (closing) {
                if (depth == 0 || strlen(stack[depth - 1]) != n || strncmp(stack[depth - 1], name, n))
                    return snprintf(why, cap, "</%.*s> does not close <%s>", (int)n, name, depth ? stack[depth - 1] : ""), 0;
                depth--;
            } else if (!self) {
                if (depth == 64) return snprintf(why, cap, "too deep"), 0;
                memcpy(stack[depth], name, n);
                stack[depth++][n] = 0;
                if (n == 3 && !strncmp(name, "svg", 3)) seen_svg = 1;
            }
            p = q;
        }
    }
    if (depth) return snprintf(why, cap, "<%s> never closed", stack[depth - 1]), 0;
    if (!seen_svg) return snprintf(why, cap, "no <svg> element"), 0;
    return 1;
}

static void test_svg_checker_catches_faults(void)
{
    char why[128];
    CHECK(svg_well_formed("<?xml version=\"1.0\"?><svg a=\"1\"><g><text>a &amp; b</text></g><rect/></svg>", why,
                          sizeof why));
    CHECK(!svg_well_formed("<svg><g></svg>", why, sizeof why));
    CHECK(!svg_well_formed("<svg><text>a & b</text></svg>", why, sizeof why));
    CHECK(!svg_well_formed("<svg><rect x=\"nan\"/></svg>", why, sizeof why));
    CHECK(!svg_well_formed("<svg><rect x=\"-inf\"/></svg>", why, sizeof why));
    CHECK(!svg_well_formed("<svg><g>", why, sizeof why));
}

static void test_reports_of_the_fixture(void)
{
    clk_score_result *r;
    clk_err e;
    char *json, *md, *csv, *svg, why[128];
    clk_json_doc d;
    void *mem;
    CHECK_OK(score("fixtures/score/toy", "toy", NULL, "en,zh,de", &r, &e), e);
    if (!r) return;
    json = render(clk_report_json, r);
    md = render(clk_report_md, r);
    csv = render(clk_report_csv, r);
    svg = render(clk_report_svg, r);
    CHECK(json && md && csv && svg);
    if (!json || !md || !csv || !svg) return;

    /* report.json reads back; required keys in schema order, extras after */
    CHECK_OK(parse_json(json, strlen(json), "report.json", &d, &mem, &e), e);
    {
        static const char *order[] = {"n", "correct", "acc", "ra", "ra_chance", "en_co", "en_co_cond", "xltr"};
        const clk_json *zh = clk_json_get(&d, clk_json_get(&d, clk_json_get(&d, clk_json_get(&d, d.root, "tasks"), "x_geo"), "langs"), "zh");
        const clk_json *k = zh ? zh + 1 : NULL;
        size_t i;
        CHECK(zh != NULL);
        for (i = 0; zh && i < 8; i++, k = clk_json_after(&d, k + 1)) CHECK_STR(k->u.s, order[i]);
        CHECK_EQ(clk_json_get(&d, zh, "correct")->u.i, 5);
        CHECK(clk_json_get(&d, zh, "en_co")->num == 0.3);
        CHECK(clk_json_get(&d, zh, "rankc") == NULL);
        CHECK(clk_json_get(&d, clk_json_get(&d, clk_json_get(&d, clk_json_get(&d, clk_json_get(&d, d.root, "tasks"), "x_copa"), "langs"), "zh"), "rankc") != NULL);
        CHECK_STR(clk_json_get(&d, d.root, "model")->u.s, "toy");
        CHECK(strstr(json, "\"ra\": 1.0,") != NULL); /* floats stay floats */
    }
    free(mem);

    CHECK(strstr(md, "| zh | 10 | 5 | 50.0% [23.7, 76.3] | 0.625 | 0.455 | 0.300 | 0.375 | 0.167 | 4 |") != NULL);
    CHECK(strstr(md, "**RA** (Performance, default)") != NULL);
    CHECK(strstr(csv, "toy,x_geo,zh,10,5,4,0.5,") != NULL);
    CHECK(strstr(csv, ",0.3,0.375,0.16666666666666666,8,3,10,\n") != NULL); /* en-CO, cond, xltr, counts, no rankc */
    {
        int lines = 0;
        const char *p;
        for (p = csv; *p; p++) lines += *p == '\n';
        CHECK_EQ(lines, 1 + 2 * 3);
    }
    CHECK_MSG(svg_well_formed(svg, why, sizeof why), "report.svg: %s", why);
    CHECK(strstr(svg, ">.38</text>") != NULL); /* zh-de cell of the heat map, 0.375 */
    free(json);
    free(md);
    free(csv);
    free(svg);
}

static void test_undefined_metrics_are_null_and_dash(void)
{
    /* English gets nothing right: RA, en_co_cond, xltr are undefined */
    const char *zero = "{\"res\": \"B\", \"label\": \"A\"}\n{\"res\": \"B\", \"label\": \"A\"}\n";
    const char *one = "{\"res\": \"A\", \"label\": \"A\"}\n{\"res\": \"B\", \"label\": \"A\"}\n";
    char path[1300], *json, *svg, *md, *csv, why[128];
    const char *root;
    clk_score_result *r;
    clk_err e;
    snprintf(path, sizeof path, "%s/undef", tmp_root());
    root = path;
    {
        char p2[1400];
        snprintf(p2, sizeof p2, "%s/x_name/en/m_res.jsonl", root);
        write_file(p2, zero);
        snprintf(p2, sizeof p2, "%s/x_name/zh/m_res.jsonl", root);
        write_file(p2, one);
    }
    CHECK_OK(score(root, "m", NULL, "en,zh", &r, &e), e);
    if (!r) return;
    CHECK(clk_undef(r->task[0].lang[1].ra) && clk_undef(r->task[0].lang[0].ra));
    CHECK(clk_undef(r->task[0].co[0])); /* en with itself: empty union */
    CHECK(r->task[0].co[1] == 0);
    json = render(clk_report_json, r);
    svg = render(clk_report_svg, r);
    md = render(clk_report_md, r);
    csv = render(clk_report_csv, r);
    if (!json || !svg || !md || !csv) return;
    CHECK(strstr(json, "\"ra\": null") != NULL);
    CHECK(strstr(json, "\"en\": null") != NULL);
    CHECK(strstr(md, "\xE2\x80\x93") != NULL);
    CHECK(strstr(csv, "m,x_name,zh,2,1,0,0.5,") != NULL);
    CHECK_MSG(svg_well_formed(svg, why, sizeof why), "report.svg: %s", why);
    free(json);
    free(svg);
    free(md);
    free(csv);
}

/* ------------------------------------------------- the three models */

/* Every value of the reference `b` must be in `a` (same keys in the same
 * relative order, extras allowed): counts and strings exactly, floats
 * within tol. Returns the number of values compared; bad counts faults. */
static long compare(const clk_json_doc *da, const clk_json *a, const clk_json_doc *db, const clk_json *b, double tol,
                    const char *where, int *bad, double *maxdiff)
{
    long n = 0;
    if (!a) {
        if ((*bad)++ < 5) printf("  %s: missing\n", where);
        return 0;
    }
    if (b->type == CLK_JSON_OBJECT) {
        const clk_json *k = b + 1;
        uint32_t i, last = 0;
        if (a->type != CLK_JSON_OBJECT) {
            if ((*bad)++ < 5) printf("  %s: not an object\n", where);
            return 0;
        }
        for (i = 0; i < b->n; i++, k = clk_json_after(db, k + 1)) {
            char sub[256];
            const clk_json *v = clk_json_get(da, a, k->u.s);
            snprintf(sub, sizeof sub, "%s/%s", where, k->u.s);
            if (v && (uint32_t)(v - da->node) < last) {
                if ((*bad)++ < 5) printf("  %s: key out of order\n", sub);
            }
            if (v) last = (uint32_t)(v - da->node);
            n += compare(da, v, db, k + 1, tol, sub, bad, maxdiff);
        }
        return n;
    }
    if (b->type == CLK_JSON_NUMBER && b->is_int) {
        if (!(a->type == CLK_JSON_NUMBER && a->is_int && a->u.i == b->u.i) && (*bad)++ < 5)
            printf("  %s: %g, expected the count %lld\n", where, a->num, (long long)b->u.i);
        return 1;
    }
    if (b->type == CLK_JSON_NUMBER) {
        double diff = a->type == CLK_JSON_NUMBER ? fabs(a->num - b->num) : 1e300;
        if (diff > *maxdiff) *maxdiff = diff;
        if (!(diff <= tol) && (*bad)++ < 5) printf("  %s: %.17g, expected %.17g\n", where, a->num, b->num);
        return 1;
    }
    if (a->type != b->type || (b->type == CLK_JSON_STRING && strcmp(a->u.s, b->u.s))) {
        if ((*bad)++ < 5) printf("  %s: %s, expected %s\n", where, clk_json_type_name(a->type), clk_json_type_name(b->type));
    }
    return 1;
}

/* Compare a report.json text with ../shared/clika-expected/<model>.json. */
static void check_against_expected(const char *model, const char *json)
{
    char path[1200];
    unsigned char *ref;
    size_t ref_len = 0;
    clk_json_doc da, db;
    void *ma = NULL, *mb = NULL;
    clk_err e;
    int bad = 0;
    long n;
    double maxdiff = 0;
    snprintf(path, sizeof path, "%s/clika-expected/%s.json", t_shared(), model);
    ref = t_slurp(path, &ref_len);
    CHECK_MSG(ref != NULL, "cannot read %s", path);
    if (!ref) return;
    CHECK_OK(parse_json(json, strlen(json), "report.json", &da, &ma, &e), e);
    CHECK_OK(parse_json((const char *)ref, ref_len, path, &db, &mb, &e), e);
    if (da.root && db.root) {
        n = compare(&da, da.root, &db, db.root, 1e-9, model, &bad, &maxdiff);
        printf("  %s: %ld values compared, %d differ, largest float difference %g\n", model, n, bad, maxdiff);
        CHECK_EQ(bad, 0);
        CHECK_EQ(n, 1 + 4 * (1 + 10 * 8 + 100)); /* model; per task chance, 10 x 8 lang values, 10 x 10 matrix */
    }
    free(ma);
    free(mb);
    free(ref);
}

static void test_three_models_match_the_reference(void)
{
    static const char *models[] = {"chatgpt", "llama2_7b", "bloomz_7b1_mt"};
    char data[1100];
    int i;
    if (!t_shared()) SKIP("../shared is absent");
    snprintf(data, sizeof data, "%s/clika", t_shared());
    for (i = 0; i < 3; i++) {
        clk_score_result *r;
        clk_err e;
        char *json;
        CHECK_OK(score(data, models[i], NULL, NULL, &r, &e), e);
        if (!r) continue;
        CHECK_EQ(r->n_tasks, 4);
        CHECK_EQ(r->n_langs, 10);
        json = render(clk_report_json, r);
        if (json) check_against_expected(models[i], json);
        free(json);
    }
}

/* --------------------------------------------------- bad input: library */

static void expect_fail(const char *data, const char *tasks, const char *langs, clk_status want, const char *part1,
                        const char *part2)
{
    clk_score_result *r;
    clk_err e;
    clk_status s = score(data, "m", tasks, langs, &r, &e);
    CHECK_MSG(s == want, "status %d (%s), expected %d; message: %s", s, clk_status_name(s), want, e.msg);
    CHECK_MSG(strstr(e.msg, part1) != NULL, "'%s' not in: %s", part1, e.msg);
    if (part2) CHECK_MSG(strstr(e.msg, part2) != NULL, "'%s' not in: %s", part2, e.msg);
    CHECK_MSG(!strchr(e.msg, '\n'), "message is not one line: %s", e.msg);
    CHECK(r == NULL);
}

static void test_bad_missing_language_directory(void)
{
    const char *root = make_set("nolang", NULL, 0);
    expect_fail(root, NULL, "en,zh,fr", CLK_E_DATA, "no directory for language 'fr'", "nolang/x_geo'");
    /* without --langs the set's own languages are scored; one that a task
     * lacks while another task has it is a broken copy */
    {
        char path[1300];
        clk_score_result *r;
        clk_err e;
        CHECK_OK(score(root, "m", NULL, NULL, &r, &e), e);
        if (r) CHECK_EQ(r->n_langs, 2);
        static const char *copa = "{\"id\": 0, \"res\": \"B\", \"label\": \"B\", \"uuid\": 501}\n";
        static const char *const dirs[3] = {"en", "zh", "de"};
        int i;
        for (i = 0; i < 3; i++) {
            snprintf(path, sizeof path, "%s/x_copa/%s/m_res.jsonl", root, dirs[i]);
            write_file(path, copa);
        }
        expect_fail(root, NULL, NULL, CLK_E_DATA, "no directory for language 'de'", "nolang/x_geo'");
    }
}

static void test_bad_one_line_fewer(void)
{
    char zh[512];
    const char *root;
    snprintf(zh, sizeof zh, "%s%s", GEO_1, GEO_2);
    root = make_set("short", zh, 0);
    expect_fail(root, NULL, "en,zh", CLK_E_DATA, "ZH_trans/m_res.jsonl: 2 records, but English has 3", "aligned by line");
}

static void test_bad_mismatched_ids(void)
{
    char zh[512];
    const char *root;
    root = make_set("ids", with_line2("{\"id\": 1, \"res\": \"B\", \"label\": \"C\", \"uuid\": \"u7\"}\n"), 0);
    expect_fail(root, NULL, "en,zh", CLK_E_DATA, "m_res.jsonl:2: uuid \"u7\" does not match uuid \"u1\" of English",
                "en/m_res.jsonl:2");
    snprintf(zh, sizeof zh, "%s%s%s", GEO_1, GEO_2, "{\"id\": 5, \"res\": \"B\", \"label\": \"C\", \"uuid\": \"u2\"}\n");
    root = make_set("ids2", zh, 0);
    expect_fail(root, NULL, "en,zh", CLK_E_DATA, "m_res.jsonl:3: id 5 does not match id 2 of English", NULL);
}

static void test_bad_invalid_utf8(void)
{
    const char *root = make_set("utf8", with_line2("{\"id\": 1, \"res\": \"B\xC3\", \"label\": \"C\", \"uuid\": \"u1\"}\n"), 0);
    expect_fail(root, NULL, "en,zh", CLK_E_FORMAT, "ZH_trans/m_res.jsonl:2:20: invalid UTF-8", NULL);
}

static void test_bad_malformed_json_line(void)
{
    char zh[512];
    const char *root;
    snprintf(zh, sizeof zh, "%s%s%s", GEO_1, GEO_2, "{\"id\": 2, \"res\": \" D\", \"label\": \"D\", \"uuid\": \"u2\"\n");
    root = make_set("json", zh, 0);
    expect_fail(root, NULL, "en,zh", CLK_E_FORMAT, "ZH_trans/m_res.jsonl:3:", "expected ',' or '}'");
    snprintf(zh, sizeof zh, "%s\n%s%s", GEO_1, GEO_2, GEO_3); /* a blank line shifts alignment: rejected */
    root = make_set("blank", zh, 0);
    expect_fail(root, NULL, "en,zh", CLK_E_DATA, "4 records, but English has 3", NULL);
}

static void test_bad_unknown_task(void)
{
    const char *root = make_set("task", NULL, 0);
    expect_fail(root, "x_geo,x_foo", "en,zh", CLK_E_ARG, "unknown task 'x_foo'", "x_csqa, x_copa, x_name and x_geo");
    expect_fail(root, "x_name", "en,zh", CLK_E_DATA, "task x_name not found", "task/x_name'");
}

static void test_bad_layout_and_records(void)
{
    char path[1300];
    const char *root = make_set("both", NULL, 0);
    snprintf(path, sizeof path, "%s/x_geo/en/m_res_bf16_add_simple_example.jsonl", root);
    write_file(path, GEO_1);
    expect_fail(root, NULL, "en,zh", CLK_E_DATA, "holds both m_res.jsonl and m_res_bf16_add_simple_example.jsonl", NULL);

    root = make_set("twodirs", NULL, 0);
    snprintf(path, sizeof path, "%s/x_geo/zh/m_res.jsonl", root);
    write_file(path, GEO_1);
    expect_fail(root, NULL, "en,zh", CLK_E_DATA, "two directories for language 'zh'", NULL);

    root = make_set("nomodel", NULL, 0);
    {
        clk_score_result *r;
        clk_err e;
        CHECK_EQ(score(root, "other", NULL, "en,zh", &r, &e), CLK_E_DATA);
        CHECK(strstr(e.msg, "expected other_res.jsonl or other_res_bf16_add_simple_example.jsonl") != NULL);
        CHECK_EQ(score("/nonexistent/clika-data", "m", NULL, NULL, &r, &e), CLK_E_DATA);
        CHECK(strstr(e.msg, "data directory '/nonexistent/clika-data' does not exist") != NULL);
        CHECK_EQ(score(root, "m", NULL, "en,zh,zh", &r, &e), CLK_E_ARG);
        CHECK_EQ(score(root, "m", NULL, "en,,zh", &r, &e), CLK_E_ARG);
        CHECK_EQ(score(root, "../m", NULL, NULL, &r, &e), CLK_E_ARG);
    }

    root = make_set("label", with_line2("{\"id\": 1, \"res\": \"B\", \"label\": \"Q\", \"uuid\": \"u1\"}\n"), 0);
    expect_fail(root, NULL, "en,zh", CLK_E_DATA, "m_res.jsonl:2: expected a label A-D (x_geo has 4 options), found \"Q\"", NULL);

    root = make_set("nores", with_line2("{\"id\": 1, \"label\": \"C\", \"uuid\": \"u1\"}\n"), 0);
    expect_fail(root, NULL, "en,zh", CLK_E_FORMAT, "m_res.jsonl:2: expected key \"res\"", "found no such key");

    root = make_set("scores", with_line2("{\"id\": 1, \"res\": \"B\", \"label\": \"C\", \"uuid\": \"u1\", \"scores\": [1, 2]}\n"), 0);
    expect_fail(root, NULL, "en,zh", CLK_E_FORMAT, "expected \"scores\" as an array of 4 numbers", NULL);

    root = make_set("array", with_line2("[1, 2]\n"), 0);
    expect_fail(root, NULL, "en,zh", CLK_E_FORMAT, "m_res.jsonl:2: expected a JSON object per line, found an array", NULL);
}

static void test_english_is_always_scored_first(void)
{
    clk_score_result *r;
    clk_err e;
    const char *root = make_set("order", NULL, 1);
    CHECK_OK(score(root, "m", NULL, "ZH,fr", &r, &e), e);
    CHECK_EQ(g_set.n_langs, 3);
    CHECK_STR(g_set.lang[0], "en");
    CHECK_STR(g_set.lang[1], "zh");
    CHECK_EQ(g_set.en, 0);
    CHECK_OK(score(root, "m", NULL, "fr,en", &r, &e), e); /* the user's order is kept */
    CHECK_STR(g_set.lang[0], "fr");
    CHECK_EQ(g_set.en, 1);
    CHECK(r && r->task[0].lang[1].ra == 1);
}

/* ------------------------------------------------------ bad input: CLI */

/* Run the clika binary; returns its exit status, stderr in err[]. */
static int run_cli(const char *args, char *err, size_t cap)
{
    const char *bin = getenv("CLK_BIN");
    char cmd[4096], rc_path[1200], err_path[1200];
    unsigned char *text;
    int rc = -1;
    snprintf(rc_path, sizeof rc_path, "%s/cli.rc", tmp_root());
    snprintf(err_path, sizeof err_path, "%s/cli.err", tmp_root());
    snprintf(cmd, sizeof cmd, "%s %s >'%s/cli.out' 2>'%s'; echo $? >'%s'", bin, args, tmp_root(), err_path, rc_path);
    if (system(cmd) != 0) return -1;
    text = t_slurp(rc_path, NULL);
    if (text) rc = atoi((const char *)text);
    free(text);
    text = t_slurp(err_path, NULL);
    snprintf(err, cap, "%s", text ? (const char *)text : "");
    free(text);
    return rc;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

/* The CLI on a bad data set: exit 2, one line, no reports, no temp files. */
static void expect_cli_fail(const char *data, const char *extra, const char *part)
{
    char args[3000], out[1200], err[2048];
    int rc;
    snprintf(out, sizeof out, "%s/out-%d", tmp_root(), t_cur_checks);
    snprintf(args, sizeof args, "score --data '%s' --model m --out '%s' %s", data, out, extra);
    rc = run_cli(args, err, sizeof err);
    CHECK_MSG(rc == 2, "exit status %d for %s: %s", rc, args, err);
    CHECK_MSG(count_lines(err) == 1 && !strncmp(err, "clika: ", 7), "stderr: %s", err);
    CHECK_MSG(strstr(err, part) != NULL, "'%s' not in: %s", part, err);
    CHECK_MSG(!exists(out), "%s was created", out); /* nothing written at all */
}

static void test_cli_bad_input(void)
{
    char zh[512];
    if (!getenv("CLK_BIN")) SKIP("CLK_BIN is not set (make test sets it)");
    expect_cli_fail(make_set("cli-nolang", NULL, 0), "--langs en,zh,fr", "no directory for language 'fr'");
    snprintf(zh, sizeof zh, "%s%s", GEO_1, GEO_2);
    expect_cli_fail(make_set("cli-short", zh, 0), "--langs en,zh", "2 records, but English has 3");
    expect_cli_fail(make_set("cli-ids", with_line2("{\"id\": 1, \"res\": \"B\", \"label\": \"C\", \"uuid\": \"u9\"}\n"), 0), "--langs en,zh", "does not match uuid");
    expect_cli_fail(make_set("cli-utf8", with_line2("{\"id\": 1, \"res\": \"\xFF\", \"label\": \"C\", \"uuid\": \"u1\"}\n"), 0), "--langs en,zh", "m_res.jsonl:2:19: invalid UTF-8");
    expect_cli_fail(make_set("cli-json", with_line2("{\"id\": 1, \"res\": \"B\" \"label\": \"C\"}\n"), 0), "--langs en,zh", "m_res.jsonl:2:22: expected ',' or '}'");
    expect_cli_fail(make_set("cli-task", NULL, 0), "--langs en,zh --tasks x_nope", "unknown task 'x_nope'");
}

static void test_cli_failure_keeps_the_previous_reports(void)
{
    char args[3000], out[1200], path[1300], err[2048], zh[512];
    unsigned char *before, *after;
    int rc;
    if (!getenv("CLK_BIN")) SKIP("CLK_BIN is not set (make test sets it)");
    snprintf(out, sizeof out, "%s/keep", tmp_root());
    snprintf(args, sizeof args, "score --data fixtures/score/toy --model toy --langs en,zh,de --out '%s'", out);
    rc = run_cli(args, err, sizeof err);
    CHECK_MSG(rc == 0, "exit %d: %s", rc, err);
    snprintf(path, sizeof path, "%s/report.json", out);
    before = t_slurp(path, NULL);
    CHECK(before != NULL);
    snprintf(zh, sizeof zh, "%s%s", GEO_1, GEO_2);
    snprintf(args, sizeof args, "score --data '%s' --model m --langs en,zh --out '%s'", make_set("keep-bad", zh, 0), out);
    rc = run_cli(args, err, sizeof err);
    CHECK_EQ(rc, 2);
    after = t_slurp(path, NULL);
    CHECK(before && after && !strcmp((char *)before, (char *)after));
    {
        static const char *names[] = {"report.md", "report.csv", "report.svg"};
        int i;
        for (i = 0; i < 3; i++) {
            snprintf(path, sizeof path, "%s/%s", out, names[i]);
            CHECK(exists(path));
        }
    }
    free(before);
    free(after);
}

static void test_cli_usage_errors(void)
{
    char err[2048];
    if (!getenv("CLK_BIN")) SKIP("CLK_BIN is not set (make test sets it)");
    CHECK_EQ(run_cli("score --data fixtures/score/toy --model toy --bogus", err, sizeof err), 2);
    CHECK(strstr(err, "unknown option '--bogus'") != NULL);
    CHECK_EQ(run_cli("score --data fixtures/score/toy --model", err, sizeof err), 2);
    CHECK(strstr(err, "needs a value") != NULL);
    CHECK_EQ(run_cli("score --model toy", err, sizeof err), 2);
    CHECK(strstr(err, "missing --data") != NULL);
    CHECK_EQ(run_cli("score --help", err, sizeof err), 0);
}

static void test_cli_matches_the_reference(void)
{
    char args[3000], out[1200], path[1300], err[2048];
    unsigned char *json;
    int rc;
    if (!getenv("CLK_BIN")) SKIP("CLK_BIN is not set (make test sets it)");
    if (!t_shared()) SKIP("../shared is absent");
    snprintf(out, sizeof out, "%s/chatgpt", tmp_root());
    snprintf(args, sizeof args, "score --data '%s/clika' --model chatgpt --out '%s' --explain", t_shared(), out);
    rc = run_cli(args, err, sizeof err);
    CHECK_MSG(rc == 0, "exit %d: %s", rc, err);
    snprintf(path, sizeof path, "%s/report.json", out);
    json = t_slurp(path, NULL);
    CHECK(json != NULL);
    if (json) check_against_expected("chatgpt", (const char *)json);
    free(json);
    snprintf(path, sizeof path, "%s/cli.out", tmp_root());
    json = t_slurp(path, NULL); /* --explain printed the counts */
    CHECK(json && strstr((char *)json, "|C_en ∩ C_zh| = 503   |C_en ∪ C_zh| = 811"));
    free(json);
}

int main(int argc, char **argv)
{
    TEST_INIT(argc, argv);
    RUN(test_answer_rule);
    RUN(test_toy_fixture_values);
    RUN(test_plan_is_exact);
    RUN(test_svg_checker_catches_faults);
    RUN(test_reports_of_the_fixture);
    RUN(test_undefined_metrics_are_null_and_dash);
    RUN(test_three_models_match_the_reference);
    RUN(test_bad_missing_language_directory);
    RUN(test_bad_one_line_fewer);
    RUN(test_bad_mismatched_ids);
    RUN(test_bad_invalid_utf8);
    RUN(test_bad_malformed_json_line);
    RUN(test_bad_unknown_task);
    RUN(test_bad_layout_and_records);
    RUN(test_english_is_always_scored_first);
    RUN(test_cli_bad_input);
    RUN(test_cli_failure_keeps_the_previous_reports);
    RUN(test_cli_usage_errors);
    RUN(test_cli_matches_the_reference);
    free(g_mem);
    return TEST_DONE();
}
