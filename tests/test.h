/*
 * test.h - the test harness: plain C, no allocation, one executable per
 * tests/test_*.c file.
 *
 *     static void test_wilson(void) { CHECK_NEAR(lo, 0.3, 1e-9); }
 *     int main(int argc, char **argv) {
 *         TEST_INIT(argc, argv);
 *         RUN(test_wilson);
 *         return TEST_DONE();
 *     }
 *
 * Each test prints "ok NAME" or "FAIL NAME" (with the failing checks above
 * it) or "skip NAME: why". The last line of every executable is
 * "# N passed, M failed, K skipped"; `make test` adds those up and ends with
 * "N passed, M failed". A test that needs ../shared and finds it missing is
 * skipped, never passed.
 */
#ifndef CLK_TEST_H
#define CLK_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_passed, t_failed, t_skipped;
static int t_cur_failed, t_cur_skipped, t_cur_checks;
static const char *t_cur_name;
static char t_skip_why[256];
static const char *t_filter; /* run only tests whose name contains this */

#define TEST_INIT(argc, argv)                          \
    do {                                               \
        t_filter = (argc) > 1 ? (argv)[1] : NULL;      \
        setvbuf(stdout, NULL, _IOLBF, 0);              \
    } while (0)

#define RUN(fn) t_run(#fn, fn)

static inline void t_run(const char *name, void (*fn)(void))
{
    if (t_filter && !strstr(name, t_filter)) return;
    t_cur_name = name;
    t_cur_failed = t_cur_skipped = t_cur_checks = 0;
    fn();
    if (t_cur_skipped) {
        t_skipped++;
        printf("skip %s: %s\n", name, t_skip_why);
    } else if (t_cur_failed) {
        t_failed++;
        printf("FAIL %s\n", name);
    } else if (t_cur_checks == 0) { /* a test that checked nothing proves nothing */
        t_failed++;
        printf("FAIL %s (no checks ran)\n", name);
    } else {
        t_passed++;
        printf("ok %s\n", name);
    }
}

static inline int t_done(void)
{
    printf("# %d passed, %d failed, %d skipped\n", t_passed, t_failed, t_skipped);
    return t_failed ? 1 : 0;
}
#define TEST_DONE() t_done()

#define T_FAILMSG(...)                                          \
    do {                                                        \
        printf("  %s:%d: %s: ", __FILE__, __LINE__, t_cur_name); \
        printf(__VA_ARGS__);                                    \
        printf("\n");                                           \
        t_cur_failed = 1;                                       \
    } while (0)

/* Skip the current test (e.g. ../shared absent) and return from it. */
#define SKIP(...)                                                       \
    do {                                                                \
        snprintf(t_skip_why, sizeof t_skip_why, __VA_ARGS__);           \
        t_cur_skipped = 1;                                              \
        return;                                                         \
    } while (0)

#define CHECK(cond)                                  \
    do {                                             \
        t_cur_checks++;                              \
        if (!(cond)) T_FAILMSG("CHECK(%s)", #cond);  \
    } while (0)

#define CHECK_MSG(cond, ...)                          \
    do {                                              \
        t_cur_checks++;                               \
        if (!(cond)) T_FAILMSG(__VA_ARGS__);          \
    } while (0)

#define CHECK_EQ(a, b)                                                                     \
    do {                                                                                   \
        long long t_a_ = (long long)(a), t_b_ = (long long)(b);                            \
        t_cur_checks++;                                                                    \
        if (t_a_ != t_b_) T_FAILMSG("%s == %s: %lld != %lld", #a, #b, t_a_, t_b_);         \
    } while (0)

#define CHECK_STR(a, b)                                                                        \
    do {                                                                                       \
        const char *t_a_ = (a), *t_b_ = (b);                                                   \
        t_cur_checks++;                                                                        \
        if (!t_a_ || !t_b_ || strcmp(t_a_, t_b_))                                              \
            T_FAILMSG("%s == %s: \"%s\" != \"%s\"", #a, #b, t_a_ ? t_a_ : "(null)",             \
                      t_b_ ? t_b_ : "(null)");                                                 \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                                  \
    do {                                                                                       \
        double t_a_ = (double)(a), t_b_ = (double)(b);                                         \
        t_cur_checks++;                                                                        \
        if (!(fabs(t_a_ - t_b_) <= (tol)))                                                     \
            T_FAILMSG("%s ~= %s: %.17g vs %.17g (tol %g)", #a, #b, t_a_, t_b_, (double)(tol)); \
    } while (0)

/* Status check: prints the clk_err message on failure. */
#define CHECK_OK(expr, err)                                                                   \
    do {                                                                                      \
        int t_s_ = (int)(expr);                                                               \
        t_cur_checks++;                                                                       \
        if (t_s_ != 0) T_FAILMSG("%s failed (status %d): %s", #expr, t_s_, (err).msg);        \
    } while (0)

/* Quick mode: CLK_TEST_QUICK set and not "0" (make check-cross sets it for
 * the runs under qemu, where code is ~10-50x slower). The slowest tests then
 * check a stated subset - every golden still, but fewer repeats - and say so
 * in their output. */
static inline int t_quick(void)
{
    const char *q = getenv("CLK_TEST_QUICK");
    return q && *q && strcmp(q, "0") != 0;
}

/* Where ../shared is: $CLK_SHARED or ../shared relative to the repository
 * root (make test runs every test from the root). NULL if absent. */
static inline const char *t_shared(void)
{
    static char path[1024];
    const char *env = getenv("CLK_SHARED");
    FILE *f;
    snprintf(path, sizeof path, "%s", env && *env ? env : "../shared");
    {
        char probe[1100];
        snprintf(probe, sizeof probe, "%s/REFERENCE.md", path);
        f = fopen(probe, "rb");
    }
    if (!f) return NULL;
    fclose(f);
    return path;
}

/* Read a whole file into a malloc'd buffer (tests may allocate; src/ may
 * not). Returns NULL if missing. The buffer has a NUL after the data. */
static inline unsigned char *t_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long n;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    buf = (unsigned char *)malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = 0;
        if (len) *len = (size_t)n;
    }
    return buf;
}

#endif /* CLK_TEST_H */
