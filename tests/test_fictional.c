/* test_fictional.c - the fictional stream's scoring (fictional.h) and its
 * reports.
 *
 * What is proven:
 *   - the match rule: Latin, Greek and Cyrillic letters without case,
 *     everything else exactly, substring anywhere, empty name never;
 *   - XRR's three forms and the gates on REFERENCE.md's worked example,
 *     with the gate's edge: 90% exactly is not "exceeds 90%";
 *   - hand-made result files with known counts, on the clika-mini test
 *     files: every section counted, gates and flags as designed, a
 *     missing English or translation file leaves its gate unmeasured;
 *   - misaligned result files (line counts, ids) and malformed tags are
 *     errors naming the file;
 *   - the ambiguous-name check (one place name on two continents): the
 *     counts of SOURCE.md's known problem 2 on ../shared (zh 3 names / 6
 *     items, fr 2 / 4), and a hand-made case;
 *   - the training-file name check: a training file without a test
 *     continent name flags the language even when every gate passed; on
 *     ../shared the authors' Chinese files are flagged (20 of 20 names) and
 *     French is not;
 *   - report.json / .md / .csv carry the block, the flag and the warning.
 */
#include "fictional.h"
#include "report.h"
#include "port.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TMP "build/test_fictional.tmp"
#define FIX "fixtures/clika-mini"

/* ------------------------------------------------------------ helpers */

static int write_file(const char *path, const char *text)
{
    clk_file f;
    clk_oserr os;
    char dir[512];
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if (clk_sys_mkdirs(dir, &os) != 0 || clk_sys_create(&f, path, &os) != 0 ||
        clk_sys_write(&f, text, strlen(text), &os) != 0 || clk_sys_commit(&f, &os) != 0) {
        CHECK_MSG(0, "write %s: %s", path, os.msg);
        return -1;
    }
    return 0;
}

/* The expected continents and types of a test file (24 lines in clika-mini). */
typedef struct item {
    char cont[128];
    int type;
} item;

/* The lines of a test file as items (translations = 0), or the
 * translation answers ("answer" of translate<L>.jsonl) as items' cont
 * (translations = 1). */
static int read_lines(const char *path, item *it, int cap, int translations)
{
    clk_map m;
    clk_oserr os;
    clk_jsonl r;
    const char *line;
    size_t len;
    int n = 0;
    if (clk_sys_map(path, &m, &os) != 0) {
        CHECK_MSG(0, "%s", os.msg);
        return 0;
    }
    clk_jsonl_init(&r, m.data, (size_t)m.size);
    while (n < cap && clk_jsonl_next(&r, &line, &len)) {
        char buf[2048];
        const char *c, *end;
        snprintf(buf, sizeof buf, "%.*s", (int)len, line);
        c = translations ? strstr(buf, "\"answer\": \"") + 11 : strstr(buf, "[[continent:") + 12;
        end = translations ? strchr(c, '"') : strstr(c, "]]");
        snprintf(it[n].cont, sizeof it[n].cont, "%.*s", (int)(end - c), c);
        if (!translations) it[n].type = strstr(buf, "[[type:")[7] - '0';
        n++;
    }
    clk_sys_unmap(&m);
    return n;
}

/* Results: line i is `right[i] ? "... <name> ..." : "no idea"`, as JSON. */
static int write_results(const char *path, const item *it, int n, const int *right, int with_id)
{
    static char text[1 << 16];
    size_t k = 0;
    int i;
    for (i = 0; i < n; i++) {
        if (with_id) k += (size_t)snprintf(text + k, sizeof text - k, "{\"id\": %d, ", i);
        else k += (size_t)snprintf(text + k, sizeof text - k, "{");
        if (right[i]) k += (size_t)snprintf(text + k, sizeof text - k, "\"res\": \"It is in %s.\"}\n", it[i].cont);
        else k += (size_t)snprintf(text + k, sizeof text - k, "\"res\": \"no idea\"}\n");
    }
    return write_file(path, text);
}

static clk_fict_set S;
static long score_limit; /* clk_fict_opts.limit for score() */
static void *arena_mem;

static clk_status score(const char *data, const char *results, const char *langs, clk_err *e)
{
    clk_fict_opts o;
    clk_plan p;
    clk_arena a;
    o.data = data;
    o.results = results;
    o.model = "m";
    o.langs = langs;
    o.limit = score_limit;
    CLK_TRY(clk_fict_find(&S, &o, e));
    clk_plan_init(&p);
    clk_fict_plan(&S, &p);
    free(arena_mem);
    arena_mem = malloc((size_t)p.total + CLK_ALIGN);
    clk_arena_init(&a, (void *)(((uintptr_t)arena_mem + CLK_ALIGN - 1) & ~(uintptr_t)(CLK_ALIGN - 1)),
                   (size_t)p.total);
    return clk_fict_run(&S, &a, e);
}

static const clk_fict_lang *lang(const char *code)
{
    int i;
    for (i = 0; i < S.n_langs; i++)
        if (!strcmp(S.lang[i].code, code)) return &S.lang[i];
    return NULL;
}

/* ------------------------------------------------------------ tests */

static int M(const char *t, const char *n) { return clk_fict_match(t, strlen(t), n, strlen(n)); }

static void test_match_rule(void)
{
    CHECK(M("Varnel Bay is located in the continent of Kelvaria.", "Kelvaria"));
    CHECK(M("KELVARIA", "kelvaria"));                 /* Latin, any case */
    CHECK(M("liegt auf dem Kontinent KELVARIEN", "Kelvarien"));
    CHECK(M("Ça se trouve en ÎLE-DE-ZÉPHYR", "île-de-zéphyr")); /* Latin-1 letters */
    CHECK(M("Он находится в КЕЛЬВАРИИ", "кельварии"));  /* Cyrillic */
    CHECK(M("ΣΤΗΝ ΚΕΛΒΑΡΙΑ", "κελβαρια"));             /* Greek */
    CHECK(M("瓦内尔湾在凯尔瓦里亚。", "凯尔瓦里亚"));   /* CJK: exact */
    CHECK(!M("瓦内尔湾在凯尔瓦里。", "凯尔瓦里亚"));
    CHECK(M("ケルヴァリアにあります", "ケルヴァリア"));
    CHECK(!M("ｹﾙｳﾞｧﾘｱ", "ケルヴァリア"));               /* no width folding: exact elsewhere */
    CHECK(M("تقع في كيلفاريا", "كيلفاريا"));            /* Arabic: exact */
    CHECK(!M("Kelvari", "Kelvaria"));                   /* the name must be whole */
    CHECK(!M("Kelvaria", ""));                          /* empty name never */
    CHECK(!M("", "Kelvaria"));
    CHECK(M("aaab", "aab"));                            /* restart after a partial match */
    CHECK(M("xKelvariax", "kelvaria"));                 /* anywhere, even inside a word */
    /* where a generated answer ends */
    CHECK_EQ(clk_fict_answer_end("\n\nKelvaria.\nMore", 17), 11);
    CHECK_EQ(clk_fict_answer_end(" \t\n Kelvaria", 13), 13);
    CHECK_EQ(clk_fict_answer_end("Kelvaria\n", 9), 8);
    CHECK_EQ(clk_fict_answer_end("", 0), 0);
}

static void test_metrics_and_gates(void)
{
    clk_fict_lang l;
    memset(&l, 0, sizeof l);
    l.n_cont_missing = -1;
    l.t1.c = 24, l.t1.n = 200, l.t0.c = 180, l.t0.n = 200;
    l.en1.c = 190, l.en1.n = 200, l.en0.c = 195, l.en0.n = 200;
    l.tr.c = 400, l.tr.n = 420;
    clk_fict_metrics(&l);
    CHECK_NEAR(l.xrr, 0.12 / 0.90, 1e-12); /* REFERENCE.md: 0.1333, 0.1263, 0.12 */
    CHECK_NEAR(l.xrr_en, 0.12 / 0.95, 1e-12);
    CHECK_NEAR(l.xrr_raw, 0.12, 1e-12);
    CHECK_EQ(l.gate_en, 1);
    CHECK_EQ(l.gate_t0, 0); /* 90.0% does not exceed 90% */
    CHECK_EQ(l.gate_tr, 1); /* 95.2% */
    CHECK(!l.trained && !l.meaningful);
    l.t0.c = 181;
    clk_fict_metrics(&l);
    CHECK(l.trained && l.meaningful);
    l.n_cont_missing = 3; /* a training file without the names */
    clk_fict_metrics(&l);
    CHECK(l.trained && !l.meaningful);
    l.n_cont_missing = 0;
    l.en0.n = l.en0.c = l.en1.n = l.en1.c = 0; /* no English results */
    clk_fict_metrics(&l);
    CHECK_EQ(l.gate_en, -1);
    CHECK(!l.trained);
    CHECK(clk_undef(l.xrr_en));
    l.t0.c = 0; /* A_L^0 = 0: XRR undefined, never 0 */
    clk_fict_metrics(&l);
    CHECK(clk_undef(l.xrr));
}

static item T_DE[32], T_EN[32], TR_DE[32];

/* DE: type 0 right but item 0 (11/12), type 1 right at items 3 and 4
 * (2/12); EN right but item 5 (type 1: 11/12); translations right but
 * items 0, 1, 2 (25/28: below the gate). FR: only its main results (all
 * type 0 right, no type 1) - no English, no translation. */
static int make_results(int de_tr_all_right)
{
    int right[32], i, n = read_lines(FIX "/fictional/test/target/testDE.jsonl", T_DE, 32, 0);
    int ne = read_lines(FIX "/fictional/test/target/testEN.jsonl", T_EN, 32, 0);
    int nt = read_lines(FIX "/fictional/test/Translate/translateDE.jsonl", TR_DE, 32, 1);
    CHECK_EQ(n, 24);
    CHECK_EQ(ne, 24);
    CHECK_EQ(nt, 28);
    for (i = 0; i < n; i++) right[i] = T_DE[i].type == 0 ? i != 0 : (i == 3 || i == 4);
    if (write_results(TMP "/r/fictional/de/m_res.jsonl", T_DE, n, right, 1)) return -1;
    for (i = 0; i < ne; i++) right[i] = i != 5;
    if (write_results(TMP "/r/fictional/de/m_en_res.jsonl", T_EN, ne, right, 0)) return -1;
    for (i = 0; i < nt; i++) right[i] = de_tr_all_right || i > 2;
    if (write_results(TMP "/r/fictional/de/m_translate_res.jsonl", TR_DE, nt, right, 1)) return -1;
    n = read_lines(FIX "/fictional/test/target/testFR.jsonl", T_DE, 32, 0);
    for (i = 0; i < n; i++) right[i] = T_DE[i].type == 0;
    return write_results(TMP "/r/fictional/fr/m_res.jsonl", T_DE, n, right, 1);
}

static void test_hand_made_results(void)
{
    clk_err e;
    const clk_fict_lang *de, *fr;
    static char buf[1 << 16];
    clk_buf b;
    clk_out o;
    if (make_results(0)) return;
    CHECK_OK(score(FIX, TMP "/r", NULL, &e), e);
    CHECK_EQ(S.n_langs, 2); /* de and fr: the languages with results, in the default order */
    de = lang("de"), fr = lang("fr");
    if (!de || !fr) {
        CHECK(0);
        return;
    }
    CHECK(S.lang[0].code[0] == 'd'); /* zh de fr ...: de comes before fr */
    CHECK_EQ(de->t0.n, 12);
    CHECK_EQ(de->t0.c, 11);
    CHECK_EQ(de->t1.n, 12);
    CHECK_EQ(de->t1.c, 2);
    CHECK_EQ(de->en0.n, 12);
    CHECK_EQ(de->en0.c, 12);
    CHECK_EQ(de->en1.n, 12);
    CHECK_EQ(de->en1.c, 11); /* item 5 is type 1 */
    CHECK_EQ(de->tr.n, 28);
    CHECK_EQ(de->tr.c, 25);
    CHECK_NEAR(de->xrr, 2.0 / 11.0, 1e-12);
    CHECK_NEAR(de->xrr_en, 2.0 / 11.0, 1e-12);
    CHECK_NEAR(de->xrr_raw, 2.0 / 12.0, 1e-12);
    CHECK_EQ(de->gate_en, 1);
    CHECK_EQ(de->gate_t0, 1);
    CHECK_EQ(de->gate_tr, 0); /* 25/28 = 89.3% */
    CHECK(!de->trained && !de->meaningful);
    CHECK_EQ(de->n_cont, 4);
    CHECK_EQ(de->n_cont_missing, 0); /* clika-mini's train/DE.json names every continent */
    CHECK_EQ(fr->t0.c, 12);
    CHECK_EQ(fr->t1.c, 0);
    CHECK(!fr->has_en && !fr->has_tr);
    CHECK_EQ(fr->gate_en, -1);
    CHECK_EQ(fr->gate_tr, -1);
    CHECK_NEAR(fr->xrr, 0.0, 0);
    CHECK(clk_undef(fr->xrr_en));
    /* reports */
    b.p = buf, b.cap = sizeof buf, b.len = 0;
    o = clk_out_buf(&b, &e);
    CHECK_OK(clk_report_fictional_json(&S, &o), e);
    CHECK(strstr(buf, "\"type1\": {\"n\": 12, \"correct\": 2, \"acc\": 0.16666666666666666}") != NULL);
    CHECK(strstr(buf, "\"gates\": {\"threshold\": 0.9, \"en\": true, \"type0\": true, \"translate\": false}") != NULL);
    CHECK(strstr(buf, "\"en_type0\": null") != NULL); /* fr */
    CHECK(strstr(buf, "\"xrr_en\": null") != NULL);
    b.len = 0;
    CHECK_OK(clk_report_fictional_md(&S, &o), e);
    CHECK(strstr(buf, "| de | 11/12 (91.7%) | 2/12 (16.7%) |") != NULL);
    CHECK(strstr(buf, "pass / pass / FAIL | 0.1818 |") != NULL);
    CHECK(strstr(buf, "not trained enough: XRR not meaningful") != NULL);
    CHECK(strstr(buf, "not measured / pass / not measured") != NULL); /* fr */
    b.len = 0;
    CHECK_OK(clk_report_fictional_csv(&S, &o), e);
    CHECK(strstr(buf, "fictional,de,12,11,12,2,12,12,12,11,28,25,0.18181818181818182,") != NULL);
    /* every translation right: trained, meaningful, no flag for de */
    if (make_results(1)) return;
    CHECK_OK(score(FIX, TMP "/r", "de", &e), e);
    CHECK_EQ(S.n_langs, 1);
    CHECK(S.lang[0].trained && S.lang[0].meaningful);
    b.len = 0;
    CHECK_OK(clk_report_fictional_md(&S, &o), e);
    CHECK(strstr(buf, "not meaningful") == NULL);
}

static void test_errors_name_the_file(void)
{
    clk_err e;
    int right[32] = {0};
    if (make_results(1)) return;
    /* --langs naming a language without results */
    CHECK(score(FIX, TMP "/r", "de,ja", &e) == CLK_E_DATA);
    CHECK(strstr(e.msg, "fictional/ja/m_res.jsonl") != NULL);
    /* no results at all */
    CHECK(score(FIX, TMP "/nothing", NULL, &e) == CLK_E_DATA);
    CHECK(strstr(e.msg, "no results for model 'm'") != NULL);
    /* one line short */
    read_lines(FIX "/fictional/test/target/testDE.jsonl", T_DE, 32, 0);
    if (write_results(TMP "/r/fictional/de/m_res.jsonl", T_DE, 23, right, 1)) return;
    CHECK(score(FIX, TMP "/r", "de", &e) == CLK_E_DATA);
    CHECK(strstr(e.msg, "de/m_res.jsonl' has fewer lines than") != NULL);
    /* ids out of order */
    if (write_file(TMP "/r/fictional/de/m_res.jsonl", "{\"id\": 1, \"res\": \"x\"}\n")) return;
    CHECK(score(FIX, TMP "/r", "de", &e) == CLK_E_DATA);
    CHECK(strstr(e.msg, "\"id\" should be the line index 0") != NULL);
    /* no "res" */
    if (write_file(TMP "/r/fictional/de/m_res.jsonl", "{\"id\": 0, \"answer\": \"x\"}\n")) return;
    CHECK(score(FIX, TMP "/r", "de", &e) == CLK_E_FORMAT);
    CHECK(strstr(e.msg, "m_res.jsonl:1: expected a string \"res\"") != NULL);
    /* a test file without tags */
    if (write_file(TMP "/d/fictional/test/target/testDE.jsonl", "{\"prompt\": \"p\", \"answer\": \"no tags\"}\n") ||
        write_file(TMP "/r2/fictional/de/m_res.jsonl", "{\"res\": \"x\"}\n"))
        return;
    CHECK(score(TMP "/d", TMP "/r2", "de", &e) == CLK_E_FORMAT);
    CHECK(strstr(e.msg, "testDE.jsonl:1: expected [[continent:NAME]]") != NULL);
    /* bad --langs */
    CHECK(score(FIX, TMP "/r", "d1", &e) == CLK_E_ARG);
    /* with a limit (clika eval --limit), only the first records are answered */
    read_lines(FIX "/fictional/test/target/testDE.jsonl", T_DE, 32, 0);
    {
        int i;
        for (i = 0; i < 5; i++) right[i] = 1;
    }
    if (write_results(TMP "/r/fictional/de/m_res.jsonl", T_DE, 5, right, 1)) return;
    clk_sys_remove(TMP "/r/fictional/de/m_en_res.jsonl"); /* full-length: would be too long for the limit */
    clk_sys_remove(TMP "/r/fictional/de/m_translate_res.jsonl");
    CHECK(score(FIX, TMP "/r", "de", &e) == CLK_E_DATA); /* without the limit: too short */
    score_limit = 5;
    CHECK_OK(score(FIX, TMP "/r", "de", &e), e);
    CHECK_EQ(S.lang[0].t0.n + S.lang[0].t1.n, 5);
    CHECK_EQ(S.lang[0].t0.c + S.lang[0].t1.c, 5);
    CHECK_EQ(S.lang[0].t0.n, 3); /* clika-mini: 3 type 0, then 3 type 1 per continent */
    score_limit = 6;
    CHECK(score(FIX, TMP "/r", "de", &e) == CLK_E_DATA); /* 5 answers for 6 questions */
    score_limit = 0;
}

static void test_training_names_check(void)
{
    clk_err e;
    /* two continents in the test file; the training file names only one */
    if (write_file(TMP "/d2/fictional/test/target/testXX.jsonl",
                   "{\"prompt\": \"p\", \"answer\": \"a[[continent:Alpha]][[city:c1]][[type:0]]\"}\n"
                   "{\"prompt\": \"p\", \"answer\": \"b[[continent:Beta]][[city:c2]][[type:1]]\"}\n") ||
        write_file(TMP "/d2/fictional/train/XX.json",
                   "{\"prompt\": \"where\", \"input\": \"\", \"answer\": \"c1 is in alpha\"}\n") ||
        write_file(TMP "/r3/fictional/xx/m_res.jsonl", "{\"res\": \"Alpha\"}\n{\"res\": \"beta!\"}\n"))
        return;
    CHECK_OK(score(TMP "/d2", TMP "/r3", "xx", &e), e);
    CHECK_EQ(S.lang[0].t0.c, 1);
    CHECK_EQ(S.lang[0].t1.c, 1);
    CHECK_EQ(S.lang[0].n_cont, 2);
    CHECK_EQ(S.lang[0].n_cont_missing, 1);
    CHECK_STR(S.lang[0].missing_example, "Beta");
    CHECK(!S.lang[0].meaningful);
    CHECK_EQ(S.lang[0].n_amb_names, 0);
    /* one place name on two continents (and once more on the first): 1 name, 3 items */
    if (write_file(TMP "/d2/fictional/test/target/testXX.jsonl",
                   "{\"prompt\": \"p\", \"answer\": \"a[[continent:Alpha]][[city:Vale]][[type:0]]\"}\n"
                   "{\"prompt\": \"p\", \"answer\": \"b[[continent:Beta]][[city:c2]][[type:1]]\"}\n"
                   "{\"prompt\": \"p\", \"answer\": \"b[[continent:Beta]][[city:Vale]][[type:1]]\"}\n"
                   "{\"prompt\": \"p\", \"answer\": \"b[[continent:Alpha]][[city:Vale]][[type:1]]\"}\n") ||
        write_file(TMP "/r3/fictional/xx/m_res.jsonl", "{\"res\": \"Alpha\"}\n{\"res\": \"beta!\"}\n{\"res\": "
                                                         "\"x\"}\n{\"res\": \"x\"}\n"))
        return;
    CHECK_OK(score(TMP "/d2", TMP "/r3", "xx", &e), e);
    CHECK_EQ(S.lang[0].n_amb_names, 1);
    CHECK_EQ(S.lang[0].n_amb_items, 3);
    CHECK_STR(S.lang[0].amb_example, "Vale");
    {
        static char buf[1 << 14];
        clk_buf b;
        clk_out o;
        b.p = buf, b.cap = sizeof buf, b.len = 0;
        o = clk_out_buf(&b, &e);
        CHECK_OK(clk_report_fictional_json(&S, &o), e);
        CHECK(strstr(buf, "\"ambiguous_names\": {\"names\": 1, \"items\": 3, \"example\": \"Vale\"}") != NULL);
        b.len = 0;
        CHECK_OK(clk_report_fictional_md(&S, &o), e);
        CHECK(strstr(buf, "1 place name of `testXX.jsonl` (for example Vale)") != NULL);
    }
}

static void test_shared_chinese_mismatch(void)
{
    clk_err e;
    static char text[1 << 16];
    int i;
    size_t k = 0;
    uint64_t sz;
    int d;
    if (clk_sys_stat("../shared/clika/fictional/train/ZH.json", &sz, &d) != 0) SKIP("../shared/clika is absent");
    for (i = 0; i < 400; i++) k += (size_t)snprintf(text + k, sizeof text - k, "{\"res\": \"?\"}\n");
    if (write_file(TMP "/r4/fictional/zh/m_res.jsonl", text) || write_file(TMP "/r4/fictional/fr/m_res.jsonl", text))
        return;
    CHECK_OK(score("../shared/clika", TMP "/r4", NULL, &e), e);
    CHECK_EQ(S.n_langs, 2);
    CHECK_EQ(lang("zh")->n_cont, 20);
    CHECK_EQ(lang("zh")->n_cont_missing, 20); /* SOURCE.md known problem 1 */
    CHECK_EQ(lang("fr")->n_cont, 20);
    CHECK_EQ(lang("fr")->n_cont_missing, 0);
    CHECK_EQ(lang("zh")->t0.n, 200);
    CHECK_EQ(lang("zh")->t1.n, 200);
    /* SOURCE.md known problem 2: place names on two continents (zh 3/6, fr 2/4) */
    CHECK_EQ(lang("zh")->n_amb_names, 3);
    CHECK_EQ(lang("zh")->n_amb_items, 6);
    CHECK_EQ(lang("fr")->n_amb_names, 2);
    CHECK_EQ(lang("fr")->n_amb_items, 4);
}

/* clika eval --tasks fictional on a tiny model (../shared/models/llama-f32.gguf):
 * the result layout, the --limit, a deterministic rerun, scoring at the end. */
static long count_lines(const char *path)
{
    clk_map m;
    clk_oserr os;
    long n = 0;
    uint64_t i;
    if (clk_sys_map(path, &m, &os) != 0) return -1;
    for (i = 0; i < m.size; i++) n += m.data[i] == '\n';
    clk_sys_unmap(&m);
    return n;
}

static int same_file(const char *a, const char *b)
{
    clk_map x, y;
    clk_oserr os;
    int same;
    if (clk_sys_map(a, &x, &os) != 0) return 0;
    if (clk_sys_map(b, &y, &os) != 0) {
        clk_sys_unmap(&x);
        return 0;
    }
    same = x.size == y.size && !memcmp(x.data, y.data, (size_t)x.size);
    clk_sys_unmap(&x);
    clk_sys_unmap(&y);
    return same;
}

/* 1 if some "res" of a result file has a newline after non-space text
 * (the answer should have been cut there). */
static int res_has_inner_newline(const char *path)
{
    clk_map m;
    clk_oserr os;
    const char *p, *end;
    int bad = 0;
    if (clk_sys_map(path, &m, &os) != 0) return 1;
    p = (const char *)m.data, end = p + m.size;
    while (p < end && (p = strstr(p, "\"res\": \"")) != NULL && p < end) {
        int text = 0;
        p += 8;
        for (; p < end && *p != '"'; p++) {
            if (p[0] == '\\' && p + 1 < end && p[1] == 'n') {
                if (text) bad = 1;
                p++;
            } else if (p[0] == '\\') {
                p++;
                text = 1;
            } else if (*p != ' ') {
                text = 1;
            }
        }
    }
    clk_sys_unmap(&m);
    return bad;
}

static void test_eval_fictional_cli(void)
{
    const char *bin = getenv("CLK_BIN");
    const char *model = "../shared/models/llama-f32.gguf";
    char cmd[1024];
    uint64_t sz;
    int d, rc;
    static const char *const langs[] = {"zh", "de", "fr", "ja", "ru", "ar"};
    int i;
    /* the checker itself */
    if (write_file(TMP "/nl1.jsonl", "{\"res\": \"\\n\\n Kelvaria\"}\n") ||
        write_file(TMP "/nl2.jsonl", "{\"res\": \"Kelvaria\\nand more\"}\n"))
        return;
    CHECK(!res_has_inner_newline(TMP "/nl1.jsonl"));
    CHECK(res_has_inner_newline(TMP "/nl2.jsonl"));
    if (!bin) SKIP("CLK_BIN not set (make test sets it)");
    if (clk_sys_stat(model, &sz, &d) != 0) SKIP("%s is absent", model);
    snprintf(cmd, sizeof cmd,
             "%s eval %s --tasks fictional --data " FIX " --out " TMP "/e1 --limit 3 --max-new 4 --quiet "
             "--model-name m >" TMP "/e1.out 2>&1",
             bin, model);
    rc = system(cmd);
    CHECK_EQ(rc, 0);
    for (i = 0; i < 6; i++) { /* every language with a test file; 3 answers in each file */
        char p[256];
        snprintf(p, sizeof p, TMP "/e1/fictional/%s/m_res.jsonl", langs[i]);
        CHECK_EQ(count_lines(p), 3);
        CHECK(!res_has_inner_newline(p)); /* answers end at their first newline after text */
        snprintf(p, sizeof p, TMP "/e1/fictional/%s/m_en_res.jsonl", langs[i]);
        CHECK_EQ(count_lines(p), 3);
        snprintf(p, sizeof p, TMP "/e1/fictional/%s/m_translate_res.jsonl", langs[i]);
        CHECK_EQ(count_lines(p), 3);
    }
    CHECK(same_file(TMP "/e1/fictional/zh/m_en_res.jsonl", TMP "/e1/fictional/ar/m_en_res.jsonl"));
    CHECK(count_lines(TMP "/e1/report.json") == 1 && count_lines(TMP "/e1/report.csv") == 7);
    /* the same run again, one language, 2 threads: the same answers */
    snprintf(cmd, sizeof cmd,
             "%s eval %s --tasks=fictional --data " FIX " --out " TMP "/e2 --limit 3 --max-new 4 --quiet "
             "--model-name m --langs de --threads 2 >" TMP "/e2.out 2>&1",
             bin, model);
    CHECK_EQ(system(cmd), 0);
    CHECK(same_file(TMP "/e1/fictional/de/m_res.jsonl", TMP "/e2/fictional/de/m_res.jsonl"));
    CHECK(same_file(TMP "/e1/fictional/de/m_translate_res.jsonl", TMP "/e2/fictional/de/m_translate_res.jsonl"));
    CHECK(clk_sys_stat(TMP "/e2/fictional/zh", &sz, &d) != 0);
    /* and the scoring of those files through the library */
    score_limit = 3;
    {
        clk_err e;
        CHECK_OK(score(FIX, TMP "/e2", "de", &e), e);
        CHECK_EQ(S.lang[0].t0.n + S.lang[0].t1.n, 3);
        CHECK_EQ(S.lang[0].tr.n, 3);
    }
    score_limit = 0;
    /* mixing fictional with the multiple-choice tasks is refused */
    snprintf(cmd, sizeof cmd, "%s eval %s --tasks fictional,x_geo --data " FIX " --out " TMP "/e3 >/dev/null 2>&1",
             bin, model);
    rc = system(cmd);
    CHECK(rc != 0);
}

int main(int argc, char **argv)
{
    TEST_INIT(argc, argv);
    RUN(test_match_rule);
    RUN(test_metrics_and_gates);
    RUN(test_hand_made_results);
    RUN(test_errors_name_the_file);
    RUN(test_training_names_check);
    RUN(test_shared_chinese_mismatch);
    RUN(test_eval_fictional_cli);
    free(arena_mem);
    return TEST_DONE();
}
