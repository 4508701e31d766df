/* test_common.c - status/error records, output sinks, UTF-8, Python's
 * whitespace set, number parsing, and the arena and its plan. */
#include "test.h"
#include "common.h"
#include "arena.h"

static void test_fail_formats_and_returns_status(void)
{
    clk_err e;
    clk_status s = clk_fail(&e, CLK_E_FORMAT, "line %d: expected '%c'", 7, '}');
    CHECK_EQ(s, CLK_E_FORMAT);
    CHECK_EQ(e.status, CLK_E_FORMAT);
    CHECK_STR(e.msg, "line 7: expected '}'");
    clk_fail_wrap(&e, "%s: ", "x_geo/zh");
    CHECK_STR(e.msg, "x_geo/zh: line 7: expected '}'");
    CHECK_STR(clk_status_name(CLK_E_LIMIT), "limit");
}

static void test_buffer_sink_overflow_is_an_error(void)
{
    char mem[8];
    clk_buf b = {mem, sizeof mem, 0};
    clk_err e;
    clk_out o = clk_out_buf(&b, &e);
    CHECK_EQ(clk_outf(&o, "%d", 1234), CLK_OK);
    CHECK_STR(mem, "1234");
    CHECK_EQ(clk_out_str(&o, "5678"), CLK_E_LIMIT); /* 8 bytes + NUL do not fit */
    CHECK_STR(mem, "1234");
}

static void test_utf8_decode_rejects_invalid_forms(void)
{
    uint32_t cp = 0;
    CHECK_EQ(clk_utf8_decode((const unsigned char *)"\xE4\xB8\xAD", 3, &cp), 3);
    CHECK_EQ(cp, 0x4E2D);
    CHECK_EQ(clk_utf8_decode((const unsigned char *)"\xC0\x80", 2, &cp), 0);         /* overlong NUL */
    CHECK_EQ(clk_utf8_decode((const unsigned char *)"\xED\xA0\x80", 3, &cp), 0);     /* surrogate */
    CHECK_EQ(clk_utf8_decode((const unsigned char *)"\xF4\x90\x80\x80", 4, &cp), 0); /* > U+10FFFF */
    CHECK_EQ(clk_utf8_decode((const unsigned char *)"\xE4\xB8", 2, &cp), 0);         /* truncated */
    CHECK_EQ(clk_utf8_valid_prefix((const unsigned char *)"ab\xFF", 3), 2);
}

static void test_utf8_round_trip_all_scalar_values(void)
{
    uint32_t c, back;
    int bad = 0;
    for (c = 0; c <= 0x10FFFF; c++) {
        unsigned char buf[4];
        int n = clk_utf8_encode(c, buf);
        if (c >= 0xD800 && c <= 0xDFFF) {
            if (n != 0) bad++;
            continue;
        }
        if (n == 0 || clk_utf8_decode(buf, (size_t)n, &back) != n || back != c) bad++;
    }
    CHECK_EQ(bad, 0);
}

static void test_python_whitespace_set(void)
{
    /* the exact set of REFERENCE.md section 2 */
    static const uint32_t yes[] = {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680,
                                   0x2000, 0x2005, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000};
    static const uint32_t no[] = {0x08, 0x0E, 0x1B, 0x21, 0x84, 0x86, 0x200B, 0x2060, 0xFEFF, 0x180E, 'A'};
    size_t i;
    for (i = 0; i < sizeof yes / sizeof yes[0]; i++) CHECK_MSG(clk_is_py_space(yes[i]), "U+%04X is space", yes[i]);
    for (i = 0; i < sizeof no / sizeof no[0]; i++) CHECK_MSG(!clk_is_py_space(no[i]), "U+%04X is not", no[i]);
}

static void test_parse_bytes_suffixes(void)
{
    uint64_t v = 0;
    clk_err e;
    CHECK_EQ(clk_parse_bytes("512", &v, &e), CLK_OK);
    CHECK_EQ(v, 512);
    CHECK_EQ(clk_parse_bytes("64K", &v, &e), CLK_OK);
    CHECK_EQ(v, 65536);
    CHECK_EQ(clk_parse_bytes("1.5G", &v, &e), CLK_OK);
    CHECK_EQ(v, 1610612736ull);
    CHECK_EQ(clk_parse_bytes("512MiB", &v, &e), CLK_OK);
    CHECK_EQ(v, 536870912ull);
    CHECK_EQ(clk_parse_bytes("12Q", &v, &e), CLK_E_ARG);
    CHECK_EQ(clk_parse_bytes("-1", &v, &e), CLK_E_ARG);
}

static void test_plan_is_exact_for_the_arena(void)
{
    static unsigned char mem[4096] __attribute__((aligned(64)));
    clk_plan p;
    clk_arena a;
    clk_err e;
    void *x, *y, *z;
    clk_plan_init(&p);
    clk_plan_add(&p, "a", 1);
    clk_plan_add(&p, "b", 100);
    clk_plan_addn(&p, "c", 64, 3);
    CHECK_EQ(p.total, 64 + 128 + 192);
    CHECK_EQ(p.n, 3);
    CHECK_EQ(clk_plan_check(&p, &e), CLK_OK);
    clk_arena_init(&a, mem, (size_t)p.total);
    CHECK_OK(clk_arena_alloc(&a, 1, "a", &x, &e), e);
    CHECK_OK(clk_arena_alloc(&a, 100, "b", &y, &e), e);
    CHECK_OK(clk_arena_alloc(&a, 192, "c", &z, &e), e);
    CHECK_EQ(a.used, p.total);
    CHECK_EQ((uintptr_t)y % CLK_ALIGN, 0);
    CHECK_EQ(clk_arena_alloc(&a, 1, "one more", &x, &e), CLK_E_NOMEM);
    CHECK(strstr(e.msg, "one more") != NULL);
    CHECK(x == NULL);
}

static void test_arena_mark_reset_and_high_water(void)
{
    static unsigned char mem[1024] __attribute__((aligned(64)));
    clk_arena a;
    clk_err e;
    void *x;
    size_t m;
    clk_arena_init(&a, mem, sizeof mem);
    CHECK_OK(clk_arena_alloc(&a, 64, "keep", &x, &e), e);
    m = clk_arena_mark(&a);
    CHECK_OK(clk_arena_alloc(&a, 512, "scratch", &x, &e), e);
    clk_arena_reset(&a, m);
    CHECK_EQ(a.used, 64);
    CHECK_EQ(a.high, 576);
}

static void test_plan_overflow_is_a_limit_error(void)
{
    clk_plan p;
    clk_err e;
    clk_plan_init(&p);
    clk_plan_addn(&p, "huge", UINT64_MAX / 2, 4);
    CHECK_EQ(clk_plan_check(&p, &e), CLK_E_LIMIT);
}

int main(int argc, char **argv)
{
    TEST_INIT(argc, argv);
    RUN(test_fail_formats_and_returns_status);
    RUN(test_buffer_sink_overflow_is_an_error);
    RUN(test_utf8_decode_rejects_invalid_forms);
    RUN(test_utf8_round_trip_all_scalar_values);
    RUN(test_python_whitespace_set);
    RUN(test_parse_bytes_suffixes);
    RUN(test_plan_is_exact_for_the_arena);
    RUN(test_arena_mark_reset_and_high_water);
    RUN(test_plan_overflow_is_a_limit_error);
    return TEST_DONE();
}
