/* test_bench.c - `clika bench` (issue 6), through the binary make test
 * builds (CLK_BIN): its JSON lines name the tests asked for with positive
 * speeds and a peak RSS; the table form prints the same tests; bad
 * arguments exit 2. No timing is asserted: speed is measured by
 * tools/bench-vs-llamacpp.sh, never by a test. */
#define _POSIX_C_SOURCE 200809L /* popen */
#include "test.h"

#include <sys/wait.h>

static const char *clika_bin(void)
{
    const char *b = getenv("CLK_BIN");
    return b && *b ? b : NULL;
}

/* Run a shell command, capturing (up to cap bytes of) its standard output;
 * returns its exit status. */
static int run_cmd(const char *cmd, char *out, size_t cap)
{
    FILE *p = popen(cmd, "r");
    size_t n = 0, r;
    int st;
    if (!p) return -1;
    while (n + 1 < cap && (r = fread(out + n, 1, cap - 1 - n, p)) > 0) n += r;
    out[n] = 0;
    st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* the number after "key": in line, or -1 */
static double json_num(const char *line, const char *key)
{
    char pat[64];
    const char *p;
    snprintf(pat, sizeof pat, "\"%s\":", key);
    p = strstr(line, pat);
    return p ? atof(p + strlen(pat)) : -1.0;
}

static const char *model_path(void)
{
    static char path[1100];
    const char *sh = t_shared();
    FILE *f;
    if (!sh) return NULL;
    snprintf(path, sizeof path, "%s/models/qwen2-q4_k_m.gguf", sh);
    f = fopen(path, "rb");
    if (!f) return NULL;
    fclose(f);
    return path;
}

static void test_bench_json(void)
{
    char cmd[1400], out[8192];
    const char *m = model_path(), *l1, *l2;
    int rc;
    if (!clika_bin()) SKIP("CLK_BIN not set (make test sets it)");
    if (!m) SKIP("../shared/models/qwen2-q4_k_m.gguf absent");
    snprintf(cmd, sizeof cmd, "%s bench '%s' -p 7 -n 3 -r 3 -t 2 --json 2>&1", clika_bin(), m);
    rc = run_cmd(cmd, out, sizeof out);
    CHECK_EQ(rc, 0);
    l1 = strstr(out, "\"test\":\"pp7\"");
    l2 = strstr(out, "\"test\":\"tg3\"");
    CHECK_MSG(l1 && l2 && l1 < l2, "expected a pp7 line then a tg3 line, got:\n%s", out);
    if (!l1 || !l2) return;
    CHECK(json_num(l1, "tps_median") > 0.0);
    CHECK(json_num(l2, "tps_median") > 0.0);
    CHECK(json_num(l1, "peak_rss") > 0.0);
    CHECK_EQ((long)json_num(l1, "threads"), 2);
    CHECK_EQ((long)json_num(l1, "reps"), 3);
    CHECK_EQ((long)json_num(l1, "n_prompt"), 7);
    CHECK_EQ((long)json_num(l2, "n_gen"), 3);
    CHECK(strstr(out, "\"samples_ts\":[") != NULL);
}

static void test_bench_table_and_errors(void)
{
    char cmd[1400], out[8192];
    const char *m = model_path();
    if (!clika_bin()) SKIP("CLK_BIN not set (make test sets it)");
    if (!m) SKIP("../shared/models/qwen2-q4_k_m.gguf absent");
    snprintf(cmd, sizeof cmd, "%s bench '%s' -p 4 -n 0 -r 1 -t 1 2>&1", clika_bin(), m);
    CHECK_EQ(run_cmd(cmd, out, sizeof out), 0);
    CHECK_MSG(strstr(out, "pp4") && !strstr(out, "tg") && strstr(out, "peak RSS"), "table:\n%s", out);
    snprintf(cmd, sizeof cmd, "%s bench '%s' -p 0 -n 0 2>&1", clika_bin(), m);
    CHECK_EQ(run_cmd(cmd, out, sizeof out), 2);
    snprintf(cmd, sizeof cmd, "%s bench '%s' -r 0 2>&1", clika_bin(), m);
    CHECK_EQ(run_cmd(cmd, out, sizeof out), 2);
    snprintf(cmd, sizeof cmd, "%s bench /nonexistent/model.gguf 2>&1", clika_bin());
    CHECK_EQ(run_cmd(cmd, out, sizeof out), 2);
}

int main(int argc, char **argv)
{
    TEST_INIT(argc, argv);
    RUN(test_bench_json);
    RUN(test_bench_table_and_errors);
    return TEST_DONE();
}
