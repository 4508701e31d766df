/*
 * test_eval.c - clika eval and merge: result lines, cache reuse, the three
 * modes, resuming after kills, shards.
 *
 * Most tests drive the binary (CLK_BIN, set by make test) on
 * fixtures/clika-mini with build/models/default.gguf (make test builds it),
 * and compare files byte for byte: everything clika eval writes is a
 * function of the model, the data and the options, never of threads,
 * cache reuse, shards or interruptions.
 */
#define _POSIX_C_SOURCE 200809L
#include "test.h"
#include "eval.h"
#include "jsonl.h"
#include "score.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_MODEL "build/models/default.gguf"
#define MINI "fixtures/clika-mini"

static const char *const tasks[4] = {"x_csqa", "x_copa", "x_name", "x_geo"};
static const char *const langs[7] = {"en", "zh", "de", "fr", "ja", "ru", "ar"};
static const char *const reports[4] = {"report.json", "report.md", "report.csv", "report.svg"};

static const char *clika_bin(void)
{
    const char *b = getenv("CLK_BIN");
    return b && *b ? b : NULL;
}

static int have_file(const char *p)
{
    FILE *f = fopen(p, "rb");
    if (f) fclose(f);
    return f != NULL;
}

/* Run a shell command with its output discarded; its exit status. */
static int sh(const char *fmt, ...) CLK_PRINTF(1, 2);
static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    int st;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int same_file(const char *a, const char *b)
{
    size_t la = 0, lb = 0;
    unsigned char *x = t_slurp(a, &la), *y = t_slurp(b, &lb);
    int same = (!x && !y) || (x && y && la == lb && !memcmp(x, y, la)); /* or both absent */
    free(x);
    free(y);
    return same;
}

/* Every result file of the fixture's 28 units and the four reports. */
static int same_run(const char *a, const char *b, const char *name, int with_reports)
{
    char pa[512], pb[512];
    int t, l, i, bad = 0;
    for (t = 0; t < 4; t++)
        for (l = 0; l < 7; l++) {
            snprintf(pa, sizeof pa, "%s/%s/%s/%s_res.jsonl", a, tasks[t], langs[l], name);
            snprintf(pb, sizeof pb, "%s/%s/%s/%s_res.jsonl", b, tasks[t], langs[l], name);
            if (!same_file(pa, pb)) {
                printf("  %s and %s differ\n", pa, pb);
                bad++;
            }
        }
    for (i = 0; with_reports && i < 4; i++) {
        snprintf(pa, sizeof pa, "%s/%s", a, reports[i]);
        snprintf(pb, sizeof pb, "%s/%s", b, reports[i]);
        if (strcmp(reports[i], "report.md") && !same_file(pa, pb)) { /* the .md names its directory */
            printf("  %s and %s differ\n", pa, pb);
            bad++;
        }
    }
    return bad == 0;
}

static char tmp_root[256];
static const char *tmpdir(const char *name)
{
    static char buf[8][512];
    static int k;
    char *p = buf[k++ & 7];
    snprintf(p, 512, "%s/%s", tmp_root, name);
    sh("rm -rf '%s'", p);
    return p;
}

#define NEED_CLI()                                                              \
    do {                                                                        \
        if (!clika_bin()) SKIP("CLK_BIN not set (make test sets it)");          \
        if (!have_file(DEFAULT_MODEL)) SKIP("%s missing (make default-model)", DEFAULT_MODEL); \
    } while (0)

/* --------------------------------------------------------------- library */

static void json_of(const char *s, size_t n, char *out, size_t cap)
{
    clk_buf b;
    clk_err e;
    clk_out o;
    b.p = out, b.cap = cap, b.len = 0;
    o = clk_out_buf(&b, &e);
    if (clk_eval_json_str(&o, s, n) != CLK_OK) out[0] = 0;
}

/* Python's json.dumps(s) (ensure_ascii), which is how the authors wrote
 * their result files. */
static void test_json_like_python(void)
{
    char out[256];
    json_of("a\"b\\c\n\t\x01", 8, out, sizeof out);
    CHECK_STR(out, "\"a\\\"b\\\\c\\n\\t\\u0001\"");
    json_of("\xe7\x9b\x90 \xc3\xa9", 6, out, sizeof out); /* 盐 é */
    CHECK_STR(out, "\"\\u76d0 \\u00e9\"");
    json_of("\xf0\x9f\x98\x80", 4, out, sizeof out); /* U+1F600: a surrogate pair */
    CHECK_STR(out, "\"\\ud83d\\ude00\"");
    json_of("A\xe7\x9b", 3, out, sizeof out); /* generation stopped inside a character */
    CHECK_STR(out, "\"A\\ufffd\\ufffd\"");
    json_of("\x7f/", 2, out, sizeof out);
    CHECK_STR(out, "\"\x7f/\"");
}

static void test_templates_and_lines(void)
{
    static const char q[] = "{% for m in messages %}<|im_start|>{{ m.role }}";
    static const char l3[] = "<|start_header_id|>' + message['role'] + '<|end_header_id|>";
    static const char g[] = "<start_of_turn>user\n";
    size_t good;
    uint64_t lines;
    CHECK_EQ(clk_eval_template_detect(q, sizeof q - 1), CLK_PROMPT_CHATML);
    CHECK_EQ(clk_eval_template_detect(l3, sizeof l3 - 1), CLK_PROMPT_LLAMA3);
    CHECK_EQ(clk_eval_template_detect(g, sizeof g - 1), CLK_PROMPT_GEMMA);
    CHECK_EQ(clk_eval_template_detect("{{ bos_token }}", 15), -1);
    CHECK_EQ(clk_eval_mode_parse("option"), CLK_EVAL_OPTION);
    CHECK_EQ(clk_eval_mode_parse("letters"), -1);
    clk_eval_complete_lines("{\"a\"}\n{\"b\"}\n{\"c", 15, &good, &lines);
    CHECK_EQ(good, 12);
    CHECK_EQ(lines, 2);
    clk_eval_complete_lines("{\"a", 3, &good, &lines);
    CHECK_EQ(good, 0);
    CHECK_EQ(lines, 0);
}

/* ------------------------------------------------------------------ CLI */

/* Letter mode: cache reuse and threads change no bit; `clika score` on the
 * output reproduces the reports eval wrote. */
static void test_letter_reuse_threads_score(void)
{
    const char *a, *b, *c;
    NEED_CLI();
    a = tmpdir("letter");
    b = tmpdir("letter-noreuse");
    c = tmpdir("letter-score");
    CHECK_EQ(sh("%s eval %s --data %s --out %s --limit 6 -q >/dev/null 2>&1", clika_bin(), DEFAULT_MODEL, MINI, a), 0);
    CHECK_EQ(sh("%s eval %s --data %s --out %s --limit 6 -q --no-reuse --threads 2 --batch 7 >/dev/null 2>&1",
                clika_bin(), DEFAULT_MODEL, MINI, b), 0);
    CHECK(same_run(a, b, "default", 1));
    CHECK_EQ(sh("%s score --data %s --model default --out %s >/dev/null 2>&1", clika_bin(), a, c), 0);
    CHECK(same_run(a, c, "no-such-name", 1)); /* the reports only */
    {
        char p[600], q[600];
        snprintf(p, sizeof p, "%s/report.md", a);
        snprintf(q, sizeof q, "%s/report.md", c);
        CHECK(same_file(p, q)); /* both say "Scored from `a`" */
    }
}

typedef struct rec {
    char res[64], letter_res[4], res_norm[4];
    int first_letter;
    double scores[CLK_MAX_OPTIONS], scores_norm[CLK_MAX_OPTIONS];
    int n_scores;
    char input[8192];
} rec;

/* Read up to cap records of a result file. */
static int read_recs(const char *path, rec *r, int cap)
{
    size_t len = 0, ll;
    unsigned char *text = t_slurp(path, &len);
    static unsigned char mem[1 << 20];
    clk_arena a;
    clk_jsonl jr;
    const char *line;
    int n = 0;
    if (!text) return -1;
    clk_jsonl_init(&jr, text, len);
    while (n < cap && clk_jsonl_next(&jr, &line, &ll)) {
        clk_json_doc d;
        clk_err e;
        const clk_json *v;
        uint32_t j;
        clk_arena_init(&a, mem, sizeof mem);
        if (clk_json_parse(line, ll, path, jr.line, &a, &d, &e) != CLK_OK) {
            printf("  %s\n", e.msg);
            break;
        }
        memset(&r[n], 0, sizeof r[n]);
        if ((v = clk_json_get(&d, d.root, "res"))) snprintf(r[n].res, sizeof r[n].res, "%s", v->u.s);
        if ((v = clk_json_get(&d, d.root, "input"))) snprintf(r[n].input, sizeof r[n].input, "%s", v->u.s);
        if ((v = clk_json_get(&d, d.root, "letter_res"))) snprintf(r[n].letter_res, 4, "%s", v->u.s);
        if ((v = clk_json_get(&d, d.root, "res_norm"))) snprintf(r[n].res_norm, 4, "%s", v->u.s);
        v = clk_json_get(&d, d.root, "first_token_letter");
        r[n].first_letter = v && v->type == CLK_JSON_TRUE;
        if ((v = clk_json_get(&d, d.root, "scores")))
            for (j = 0; j < v->n && j < CLK_MAX_OPTIONS; j++) r[n].scores[j] = clk_json_at(&d, v, j)->num;
        r[n].n_scores = v ? (int)v->n : 0;
        if ((v = clk_json_get(&d, d.root, "scores_norm")))
            for (j = 0; j < v->n && j < CLK_MAX_OPTIONS; j++) r[n].scores_norm[j] = clk_json_at(&d, v, j)->num;
        n++;
    }
    free(text);
    return n;
}

static int argmax(const double *v, int n)
{
    int i, b = 0;
    for (i = 1; i < n; i++)
        if (v[i] > v[b]) b = i;
    return b;
}

/* letter vs generate on one model: the generate record's letter_res is
 * exactly letter mode's answer (same logits), and whenever the first
 * greedy token is an option letter the parsed generation agrees with it.
 * Adds to *n_items, *n_first, *n_disagree. */
static void agreement(const char *model, const char *name, const char *data, int limit, int *n_items, int *n_first,
                      int *n_disagree)
{
    static rec lr[64], gr[64];
    char pa[1400], pb[1400];
    const char *a = tmpdir("agree-letter"), *b = tmpdir("agree-generate");
    int t, l, i;
    CHECK_EQ(sh("%s eval %s --data %s --out %s --limit %d -q --model-name %s >/dev/null 2>&1", clika_bin(), model, data,
                a, limit, name), 0);
    CHECK_EQ(sh("%s eval %s --data %s --out %s --limit %d -q --mode generate --model-name %s >/dev/null 2>&1",
                clika_bin(), model, data, b, limit, name), 0);
    for (t = 0; t < 4; t++)
        for (l = 0; l < 7; l++) {
            int na, nb;
            snprintf(pa, sizeof pa, "%s/%s/%s/%s_res.jsonl", a, tasks[t], langs[l], name);
            snprintf(pb, sizeof pb, "%s/%s/%s/%s_res.jsonl", b, tasks[t], langs[l], name);
            na = read_recs(pa, lr, 64);
            nb = read_recs(pb, gr, 64);
            if (na < 0 && nb < 0) continue; /* a language the data does not have */
            CHECK_EQ(na, nb);
            for (i = 0; i < na && i < nb; i++) {
                uint32_t pred = clk_answer_pred(gr[i].res, strlen(gr[i].res));
                (*n_items)++;
                CHECK_MSG(!strcmp(lr[i].res, gr[i].letter_res), "%s item %d: letter %s, generate's letter_res %s", pb,
                          i, lr[i].res, gr[i].letter_res);
                CHECK_MSG(lr[i].n_scores == gr[i].n_scores && !memcmp(lr[i].scores, gr[i].scores, sizeof lr[i].scores),
                          "%s item %d: letter scores differ between the modes", pb, i);
                if (gr[i].first_letter) {
                    (*n_first)++;
                    CHECK_MSG(pred == (uint32_t)(unsigned char)lr[i].res[0], "%s item %d: greedy '%s' vs letter %s",
                              pb, i, gr[i].res, lr[i].res);
                }
                if (pred != (uint32_t)(unsigned char)lr[i].res[0]) (*n_disagree)++;
            }
        }
}

/* Prompts after which tiny models continue with a letter token (they
 * repeat what they see), so that greedy decoding starts with an option
 * letter and the agreement is tested on real cases, not vacuously. */
static const char *letter_data(void)
{
    static const char *const p[] = {"AAAAAAAAAAAAAAAA", "ABABABABABABAB", "CCCCCCCCCCCCCCC", "DDDDDDDDDDDDDD",
                                    "BBBBBBBBBBBBBBBB", "ACACACACACAC",   "DADADADADADA",    "Answer: A A A A"};
    static char d[600];
    char path[700];
    FILE *f;
    size_t i;
    snprintf(d, sizeof d, "%s", tmpdir("letters")); /* tmpdir's buffers rotate */
    sh("mkdir -p %s/x_geo", d);
    snprintf(path, sizeof path, "%s/x_geo/x_geo_en_model_input.jsonl", d);
    f = fopen(path, "wb");
    if (!f) return NULL;
    for (i = 0; i < sizeof p / sizeof *p; i++) fprintf(f, "{\"input\": \"%s\", \"label\": \"%c\"}\n", p[i], "ABCD"[i % 4]);
    fclose(f);
    return d;
}

static void test_generate_agrees_with_letter(void)
{
    int n = 0, first = 0, dis = 0;
    NEED_CLI();
    agreement(DEFAULT_MODEL, "default", MINI, 4, &n, &first, &dis);
    if (t_shared()) {
        static const char *const tiny[] = {"llama-q8_0", "qwen2-q8_0", "stories260k-f32"};
        const char *letters = letter_data();
        size_t i;
        for (i = 0; i < sizeof tiny / sizeof *tiny; i++) {
            char path[1200];
            snprintf(path, sizeof path, "%s/models/%s.gguf", t_shared(), tiny[i]);
            if (i < 2) agreement(path, tiny[i], MINI, 2, &n, &first, &dis);
            if (letters) agreement(path, tiny[i], letters, 8, &n, &first, &dis);
        }
        CHECK_MSG(first >= 4, "only %d items where greedy decoding starts with a letter", first);
    }
    printf("  %d items: greedy started with an option letter in %d (all agree with letter mode); %d disagree "
           "overall (%.1f%%)\n", n, first, dis, n ? 100.0 * dis / n : 0.0);
    CHECK(n > 0);
}

/* option mode: res is the argmax of scores, res_norm of scores_norm, and
 * neither reusing the question's cache for every option nor scoring an
 * option's tokens one logit row per call (instead of 32) changes a bit. */
static void test_option_mode(void)
{
    static rec r[64];
    const char *a, *b;
    int t, l, i, n;
    NEED_CLI();
    a = tmpdir("option");
    b = tmpdir("option-noreuse");
    CHECK_EQ(sh("%s eval %s --data %s --out %s --limit 3 -q --mode option >/dev/null 2>&1", clika_bin(), DEFAULT_MODEL,
                MINI, a), 0);
    CHECK_EQ(sh("%s eval %s --data %s --out %s --limit 3 -q --mode option --no-reuse --option-rows 1 >/dev/null 2>&1",
                clika_bin(), DEFAULT_MODEL, MINI, b), 0);
    CHECK(same_run(a, b, "default", 1));
    b = tmpdir("option-rows3");
    CHECK_EQ(sh("%s eval %s --data %s --out %s --limit 3 -q --mode option --option-rows 3 >/dev/null 2>&1", clika_bin(),
                DEFAULT_MODEL, MINI, b), 0);
    CHECK(same_run(a, b, "default", 1));
    for (t = 0; t < 4; t++)
        for (l = 0; l < 7; l++) {
            char p[512];
            snprintf(p, sizeof p, "%s/%s/%s/default_res.jsonl", a, tasks[t], langs[l]);
            n = read_recs(p, r, 64);
            CHECK_EQ(n, 3);
            for (i = 0; i < n; i++) {
                int k = r[i].n_scores, j;
                CHECK(r[i].res[0] == 'A' + argmax(r[i].scores, k) && r[i].res[1] == 0);
                CHECK(r[i].res_norm[0] == 'A' + argmax(r[i].scores_norm, k));
                for (j = 0; j < k; j++) CHECK(r[i].scores[j] < 0 && r[i].scores_norm[j] < 0);
            }
        }
}

/* A torn last line and missing items are repaired by running again. */
static void test_resume_repairs(void)
{
    const char *a, *b;
    char p[600];
    NEED_CLI();
    a = tmpdir("full");
    b = tmpdir("torn");
    CHECK_EQ(sh("%s eval %s --data %s --out %s --limit 5 -q >/dev/null 2>&1", clika_bin(), DEFAULT_MODEL, MINI, a), 0);
    CHECK_EQ(sh("cp -r %s %s", a, b), 0);
    snprintf(p, sizeof p, "%s/x_geo/zh/default_res.jsonl", b);
    CHECK_EQ(sh("f=%s; s=$(wc -c <$f); truncate -s $((s - 100)) $f", p), 0); /* tear the last line */
    snprintf(p, sizeof p, "%s/x_copa/ar/default_res.jsonl", b);
    CHECK_EQ(sh("f=%s; head -n 2 $f >$f.x && mv $f.x $f", p), 0); /* lose 3 items */
    snprintf(p, sizeof p, "%s/x_csqa/en/default_res.jsonl", b);
    CHECK_EQ(sh("rm %s %s/report.json %s/eval.tsv", p, b, b), 0);
    CHECK_EQ(sh("%s eval %s --data %s --out %s --limit 5 -q >/dev/null 2>&1", clika_bin(), DEFAULT_MODEL, MINI, b), 0);
    CHECK(same_run(a, b, "default", 1));
    /* a result that belongs to another run is refused, not overwritten */
    snprintf(p, sizeof p, "%s/x_geo/zh/default_res.jsonl", b);
    CHECK_EQ(sh("sed -i '1s/\"id\": 0/\"id\": 7/' %s", p), 0);
    CHECK_EQ(sh("%s eval %s --data %s --out %s --limit 5 -q >/dev/null 2>&1", clika_bin(), DEFAULT_MODEL, MINI, b), 2);
    /* as is a longer run's file for a shorter --limit */
    CHECK_EQ(sh("%s eval %s --data %s --out %s --limit 4 -q >/dev/null 2>&1", clika_bin(), DEFAULT_MODEL, MINI, a), 2);
}

/* OUTDIR/eval.run: a resumed run with another model file (or adapter, or
 * --limit) is refused before it appends anything; the same run resumes. */
static void test_resume_refuses_another_model(void)
{
    const char *a;
    char other[700], res[700];
    NEED_CLI();
    a = tmpdir("ident");
    snprintf(other, sizeof other, "%s/other.gguf", tmp_root);
    snprintf(res, sizeof res, "%s/x_geo/en/default_res.jsonl", a);
    CHECK_EQ(sh("cp %s %s && printf 'x' >>%s", DEFAULT_MODEL, other, other), 0); /* another file, same name */
    CHECK_EQ(sh("%s eval %s --data %s --out %s --limit 2 -q >/dev/null 2>&1", clika_bin(), DEFAULT_MODEL, MINI, a), 0);
    CHECK_EQ(sh("cp %s %s.before", res, res), 0);
    CHECK_EQ(sh("%s eval %s --model-name default --data %s --out %s --limit 2 -q 2>&1 | grep -q 'eval.run'",
                clika_bin(), other, MINI, a), 0);
    CHECK_EQ(sh("%s eval %s --model-name default --data %s --out %s --limit 2 -q >/dev/null 2>&1", clika_bin(), other,
                MINI, a), 2);
    CHECK_EQ(sh("%s eval %s --data %s --out %s --limit 3 -q >/dev/null 2>&1", clika_bin(), DEFAULT_MODEL, MINI, a), 2);
    CHECK(same_file(res, strcat(strcpy(other, res), ".before"))); /* nothing appended */
    CHECK_EQ(sh("%s eval %s --data %s --out %s --limit 2 -q >/dev/null 2>&1", clika_bin(), DEFAULT_MODEL, MINI, a), 0);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Kill the run at random (seeded) moments with SIGINT or SIGKILL, start
 * it again with the same command, until it finishes: the files equal an
 * uninterrupted run's. */
static void test_interrupt_resume(void)
{
    const char *a, *b;
    char limit[16];
    int kills = 0, runs = 0, finished = 0;
    unsigned seed = 20261207u;
    double t_ref;
    NEED_CLI();
    a = tmpdir("ref");
    b = tmpdir("killed");
    snprintf(limit, sizeof limit, "%d", 3);
    t_ref = now_s();
    CHECK_EQ(sh("%s eval %s --data %s --out %s --limit %s -q --mode generate >/dev/null 2>&1", clika_bin(),
                DEFAULT_MODEL, MINI, a, limit), 0);
    t_ref = now_s() - t_ref; /* kill moments: 1% to 15% of an uninterrupted run */
    while (!finished && runs < 200) {
        pid_t pid = fork();
        int st;
        if (pid == 0) {
            if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) _exit(126);
            execl(clika_bin(), clika_bin(), "eval", DEFAULT_MODEL, "--data", MINI, "--out", b, "--limit", limit, "-q",
                  "--mode", "generate", (char *)NULL);
            _exit(127);
        }
        runs++;
        if (kills < 16) {
            struct timespec ts;
            double d;
            seed = seed * 1103515245u + 12345u;
            d = t_ref * (0.01 + 0.14 * (double)((seed >> 8) % 10000) / 10000.0);
            ts.tv_sec = (time_t)d;
            ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
            nanosleep(&ts, NULL);
            if (waitpid(pid, &st, WNOHANG) == 0) {
                kill(pid, (seed >> 20) & 1 ? SIGKILL : SIGINT);
                kills++;
            }
        }
        waitpid(pid, &st, 0);
        finished = WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    printf("  %d runs, %d killed by SIGINT or SIGKILL at seeded random moments\n", runs, kills);
    CHECK(finished);
    CHECK(kills >= 8);
    CHECK(same_run(a, b, "default", 1));
}

/* Shards merged equal the unsharded run; a missing or repeated shard is refused. */
static void test_shards_merge(void)
{
    const char *u, *s0, *s1, *s2, *m, *m2;
    NEED_CLI();
    u = tmpdir("unsharded");
    s0 = tmpdir("s0");
    s1 = tmpdir("s1");
    s2 = tmpdir("s2");
    m = tmpdir("merged");
    m2 = tmpdir("merged-bad");
    CHECK_EQ(sh("%s eval %s --data %s --out %s --limit 5 -q >/dev/null 2>&1", clika_bin(), DEFAULT_MODEL, MINI, u), 0);
    CHECK_EQ(sh("%s eval %s --data %s --out %s --limit 5 -q --shard 0/3 >/dev/null 2>&1", clika_bin(), DEFAULT_MODEL,
                MINI, s0), 0);
    CHECK_EQ(sh("%s eval %s --data %s --out %s --limit 5 -q --shard 1/3 --threads 2 >/dev/null 2>&1", clika_bin(),
                DEFAULT_MODEL, MINI, s1), 0);
    CHECK_EQ(sh("%s eval %s --data %s --out %s --limit 5 -q --shard 2/3 >/dev/null 2>&1", clika_bin(), DEFAULT_MODEL,
                MINI, s2), 0);
    CHECK_EQ(sh("%s merge %s %s %s --out %s >/dev/null 2>&1", clika_bin(), s2, s0, s1, m), 0);
    CHECK(same_run(u, m, "default", 1));
    CHECK_EQ(sh("%s merge %s %s --out %s >/dev/null 2>&1", clika_bin(), s0, s1, m2), 2);
    CHECK_EQ(sh("%s merge %s %s %s --out %s >/dev/null 2>&1", clika_bin(), s0, s1, s1, m2), 2);
    CHECK_EQ(sh("%s merge %s %s %s --out %s >/dev/null 2>&1", clika_bin(), s0, s1, u, m2), 2);
}

/* Total prompt tokens (evaluated + reused) from eval's summary line. */
static long eval_tokens(const char *cmd)
{
    char line[1024];
    long total = -1, ev, re;
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    while (fgets(line, sizeof line, p)) {
        const char *m = strstr(line, "prompt tokens evaluated");
        if (m) {
            const char *q = m;
            while (q > line && q[-1] != ',') q--;
            if (sscanf(q, " %ld prompt tokens evaluated, %ld reused", &ev, &re) == 2) total = ev + re;
        }
    }
    pclose(p);
    return total;
}

/* --prompt chat: the family comes from tokenizer.chat_template (tiny
 * models made with the vocabularies of ../shared/vocab, which carry their
 * templates), and each item gets exactly the family's turn markers: 3 + 5
 * tokens for ChatML and Gemma, 4 + 5 for Llama 3. A model without a
 * template is refused. */
static void test_prompt_chat(void)
{
    static const char *const voc[3] = {"qwen2", "llama-bpe", "gemma3"};
    static const char *const arch[3] = {"qwen2", "llama", "gemma3"};
    static const char *const fam[3] = {"prompt\tchatml", "prompt\tllama3", "prompt\tgemma"};
    static const int extra[3] = {8, 9, 8};
    char mm[1000], model[1200], cmd[4096], tsv[700];
    const char *sd = t_shared();
    int i;
    NEED_CLI();
    { /* the default model carries a ChatML template (tools/make_model) */
        const char *o = tmpdir("default-chat");
        unsigned char *t;
        CHECK_EQ(sh("%s eval %s --data %s --out %s --limit 1 -q --prompt chat >/dev/null 2>&1", clika_bin(),
                    DEFAULT_MODEL, MINI, o), 0);
        snprintf(tsv, sizeof tsv, "%s/eval.tsv", o);
        t = t_slurp(tsv, NULL);
        CHECK(t && strstr((const char *)t, "prompt\tchatml"));
        free(t);
        CHECK_EQ(sh("%s eval %s --data %s --out %s --limit 1 -q --prompt fancy >/dev/null 2>&1", clika_bin(),
                    DEFAULT_MODEL, MINI, o), 2);
    }
    if (!sd) SKIP("../shared absent (the vocabularies with chat templates)");
    snprintf(model, sizeof model, "%s/models/llama-q8_0.gguf", sd); /* templates were dropped from these */
    CHECK_EQ(sh("%s eval %s --data %s --out %s --limit 1 -q --prompt chat >/dev/null 2>&1", clika_bin(), model, MINI,
                tmpdir("nochat")), 2);
    /* tools/make_model of this build: next to clika, or one level up
     * (make check-alloc runs the guard build's clika from BUILD/guard) */
    snprintf(mm, sizeof mm, "%s", clika_bin());
    if (strrchr(mm, '/')) *strrchr(mm, '/') = 0;
    snprintf(model, sizeof model, "%s/tools/make_model", mm);
    if (!have_file(model) && strrchr(mm, '/')) *strrchr(mm, '/') = 0;
    snprintf(model, sizeof model, "%s/tools/make_model", mm);
    if (!have_file(model)) SKIP("no tools/make_model next to %s", clika_bin());
    for (i = 0; i < 3; i++) {
        const char *o = tmpdir(voc[i]);
        long raw, chat;
        unsigned char *t;
        snprintf(model, sizeof model, "%s/%s.gguf", tmp_root, voc[i]);
        CHECK_EQ(sh("%s/tools/make_model --arch %s --vocab %s/vocab/ggml-vocab-%s.gguf --n-embd 64 --n-layer 1 "
                    "--n-head 2 --n-head-kv 1 --head-dim 32 --n-ff 128 --type Q8_0 --out %s >/dev/null 2>&1",
                    mm, arch[i], sd, voc[i], model), 0);
        snprintf(cmd, sizeof cmd, "%s eval %s --data %s --out %s/raw --tasks x_geo --limit 3 -q 2>&1", clika_bin(),
                 model, MINI, o);
        raw = eval_tokens(cmd);
        snprintf(cmd, sizeof cmd, "%s eval %s --data %s --out %s/chat --tasks x_geo --limit 3 -q --prompt chat 2>&1",
                 clika_bin(), model, MINI, o);
        chat = eval_tokens(cmd);
        CHECK_MSG(raw > 0 && chat - raw == 21L * extra[i], "%s: %ld prompt tokens raw, %ld chat (expected +%d x 21)",
                  voc[i], raw, chat, extra[i]);
        snprintf(tsv, sizeof tsv, "%s/chat/eval.tsv", o);
        t = t_slurp(tsv, NULL);
        CHECK_MSG(t && strstr((const char *)t, fam[i]), "%s: eval.tsv does not say %s", voc[i], fam[i]);
        free(t);
    }
}

/* Done-when: every task and language of ../shared/clika in all three
 * modes, on tiny models; `clika score` reproduces eval's report. --limit 2
 * by default (about 30 s); CLK_EVAL_FULL=1 runs the issue's --limit 20
 * (about 3 minutes on a loaded 2-core machine). */
static void test_shared_all_modes(void)
{
    static const char *const mode[3] = {"letter", "generate", "option"};
    static const char *const model[3] = {"llama-q4_k_m", "qwen2-q8_0", "gemma3-q4_k_m"};
    int i, j;
    const char *sd = t_shared(), *full = getenv("CLK_EVAL_FULL");
    int limit = full && *full == '1' ? 20 : 2;
    if (!clika_bin()) SKIP("CLK_BIN not set (make test sets it)");
    if (!sd) SKIP("../shared absent");
    for (i = 0; i < 3; i++) {
        char data[1100], path[1200], rep[600], rep2[600];
        const char *o = tmpdir(mode[i]), *s = tmpdir("rescore");
        snprintf(data, sizeof data, "%s/clika", sd);
        snprintf(path, sizeof path, "%s/models/%s.gguf", sd, model[i]);
        /* quick mode (tests/test.h; under qemu): one task, two languages */
        CHECK_MSG(sh("%s eval %s --data %s --out %s --limit %d -q --mode %s%s >/dev/null 2>&1", clika_bin(), path, data, o,
                     limit, mode[i], t_quick() ? " --tasks x_csqa --langs en,he" : "") == 0,
                  "eval --mode %s on %s failed", mode[i], model[i]);
        CHECK_EQ(sh("%s score --data %s --model %s --out %s >/dev/null 2>&1", clika_bin(), o, model[i], s), 0);
        for (j = 0; j < 4; j++) {
            if (!strcmp(reports[j], "report.md")) continue;
            snprintf(rep, sizeof rep, "%s/%s", o, reports[j]);
            snprintf(rep2, sizeof rep2, "%s/%s", s, reports[j]);
            CHECK_MSG(same_file(rep, rep2), "%s: clika score gives another %s", mode[i], reports[j]);
        }
        snprintf(rep, sizeof rep, "%s/x_csqa/he/%s_res.jsonl", o, model[i]);
        CHECK_MSG(sh("test $(wc -l <%s) -eq %d", rep, limit) == 0, "%s: %d he x_csqa results", mode[i], limit);
        printf("  %s on %s: %s x %d items, rescored identically\n", mode[i], model[i],
               t_quick() ? "x_csqa x en,he (quick mode)" : "4 tasks x 10 languages", limit);
    }
}

int main(int argc, char **argv)
{
    TEST_INIT(argc, argv);
    snprintf(tmp_root, sizeof tmp_root, "build/test_eval_%d", (int)getpid());
    sh("mkdir -p %s", tmp_root);
    RUN(test_json_like_python);
    RUN(test_templates_and_lines);
    RUN(test_letter_reuse_threads_score);
    RUN(test_generate_agrees_with_letter);
    RUN(test_option_mode);
    RUN(test_resume_repairs);
    RUN(test_resume_refuses_another_model);
    RUN(test_interrupt_resume);
    RUN(test_shards_merge);
    RUN(test_prompt_chat);
    RUN(test_shared_all_modes);
    if (!t_failed) sh("rm -rf %s", tmp_root);
    return TEST_DONE();
}
