/* test_jsonl.c - the strict JSON reader: the DOM layout, every escape,
 * numbers, UTF-8 validation, the grammar errors with their line and
 * column, limits, the memory bound, and a deterministic mutation fuzz that
 * must never crash (run it under `make SAN=1 test`). */
#include "test.h"
#include "common.h"
#include "arena.h"
#include "jsonl.h"

static clk_arena g_arena;
static unsigned char *g_mem;

/* A fresh arena of exactly clk_json_bytes(len) bytes for one parse, so a
 * parse that needs more than the documented bound fails the test. */
static clk_status parse_n(const char *text, size_t len, clk_json_doc *d, clk_err *e)
{
    size_t cap = (size_t)clk_json_bytes(len);
    free(g_mem);
    g_mem = (unsigned char *)malloc(cap); /* malloc alignment suffices for the nodes */
    clk_arena_init(&g_arena, g_mem, cap);
    return clk_json_parse(text, len, "t.jsonl", 1, &g_arena, d, e);
}
static clk_status parse(const char *text, clk_json_doc *d, clk_err *e) { return parse_n(text, strlen(text), d, e); }

static void test_dom_layout(void)
{
    clk_json_doc d;
    clk_err e;
    static const struct { int type; uint32_t n, next; } want[] = {
        {CLK_JSON_OBJECT, 3, 9}, {CLK_JSON_STRING, 2, 2}, {CLK_JSON_NUMBER, 0, 3},
        {CLK_JSON_STRING, 3, 4}, {CLK_JSON_STRING, 2, 5}, {CLK_JSON_STRING, 1, 6},
        {CLK_JSON_ARRAY, 2, 9},  {CLK_JSON_NUMBER, 0, 8}, {CLK_JSON_NUMBER, 0, 9},
    };
    uint32_t i;
    CHECK_OK(parse("{\"id\": 3, \"res\": \"B.\", \"s\": [1, 2]}", &d, &e), e);
    CHECK_EQ(d.n_nodes, 9);
    for (i = 0; i < 9 && i < d.n_nodes; i++) {
        CHECK_EQ(d.node[i].type, want[i].type);
        if (want[i].type != CLK_JSON_NUMBER) CHECK_EQ(d.node[i].n, want[i].n);
        CHECK_EQ(d.node[i].next, want[i].next);
    }
    CHECK_EQ(clk_json_get(&d, d.root, "id")->u.i, 3);
    CHECK_STR(clk_json_get(&d, d.root, "res")->u.s, "B.");
    CHECK_EQ(clk_json_at(&d, clk_json_get(&d, d.root, "s"), 1)->num, 2);
    CHECK(clk_json_at(&d, clk_json_get(&d, d.root, "s"), 2) == NULL);
    CHECK(clk_json_get(&d, d.root, "missing") == NULL);
    CHECK(clk_json_get(&d, clk_json_get(&d, d.root, "s"), "x") == NULL); /* not an object */
}

static void test_nested_and_empty_containers(void)
{
    clk_json_doc d;
    clk_err e;
    const clk_json *a, *o;
    CHECK_OK(parse(" {\"a\":[[],{},[{\"b\":null}]],\"o\":{\"t\":true,\"f\":false}} \r\n", &d, &e), e);
    a = clk_json_get(&d, d.root, "a");
    CHECK_EQ(a->n, 3);
    CHECK_EQ(clk_json_at(&d, a, 0)->n, 0);
    CHECK_EQ(clk_json_at(&d, a, 1)->type, CLK_JSON_OBJECT);
    CHECK_EQ(clk_json_get(&d, clk_json_at(&d, clk_json_at(&d, a, 2), 0), "b")->type, CLK_JSON_NULL);
    o = clk_json_get(&d, d.root, "o");
    CHECK_EQ(clk_json_get(&d, o, "t")->type, CLK_JSON_TRUE);
    CHECK_EQ(clk_json_get(&d, o, "f")->type, CLK_JSON_FALSE);
    CHECK_EQ(d.root->next, d.n_nodes);
}

static void test_string_escapes_and_utf8(void)
{
    clk_json_doc d;
    clk_err e;
    CHECK_OK(parse("\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u4e2d\\ud83d\\ude00\\u0000z\"", &d, &e), e);
    CHECK_EQ(d.root->n, 8 + 2 + 3 + 4 + 1 + 1 + 1);
    CHECK(memcmp(d.root->u.s, "a\"\\/\b\f\n\r\t\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80\0z", d.root->n) == 0);
    CHECK_OK(parse("\"\xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80\"", &d, &e), e); /* raw UTF-8 passes through */
    CHECK_STR(d.root->u.s, "\xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80");
}

static void test_numbers(void)
{
    clk_json_doc d;
    clk_err e;
    static const char *ok[] = {"0", "-0", "12", "-3.25", "1e3", "1E+3", "2.5e-3", "9223372036854775807",
                               "-9223372036854775808", "18446744073709551616", "0.30000000000000004"};
    static const double val[] = {0, 0, 12, -3.25, 1000, 1000, 0.0025, 9223372036854775807.0,
                                 -9223372036854775808.0, 18446744073709551616.0, 0.30000000000000004};
    static const int is_int[] = {1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0};
    static const char *bad[] = {"01", "-", "1.", ".5", "1e", "1e+", "+1", "0x10", "NaN", "Infinity", "-Infinity",
                                "1e999", "--1", "1.5.5"};
    size_t i;
    for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        CHECK_OK(parse(ok[i], &d, &e), e);
        CHECK_MSG(d.root->num == val[i], "%s -> %.17g", ok[i], d.root->num);
        CHECK_MSG(d.root->is_int == is_int[i], "%s is_int %d", ok[i], d.root->is_int);
    }
    CHECK_OK(parse("-9223372036854775808", &d, &e), e);
    CHECK(d.root->u.i == INT64_MIN);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        clk_status s = parse(bad[i], &d, &e);
        CHECK_MSG(s == CLK_E_FORMAT, "'%s' gave status %d", bad[i], s);
    }
}

static void test_invalid_utf8_is_rejected_with_position(void)
{
    clk_json_doc d;
    clk_err e;
    static const char *bad[] = {
        "\"ab\xFF\"",           /* never valid */
        "\"\xC0\xAF\"",         /* overlong '/' */
        "\"\xED\xA0\x80\"",     /* encoded surrogate */
        "\"\xE4\xB8\"",         /* truncated */
        "\"\xF4\x90\x80\x80\"", /* above U+10FFFF */
        "\"\x80\"",             /* lone continuation */
    };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ(parse(bad[i], &d, &e), CLK_E_FORMAT);
        CHECK_MSG(strstr(e.msg, "invalid UTF-8") != NULL, "%s", e.msg);
    }
    CHECK_EQ(parse("{\"res\": \"\xE4\xB8\xAD\xFF\"}", &d, &e), CLK_E_FORMAT);
    CHECK_MSG(strncmp(e.msg, "t.jsonl:1:11: invalid UTF-8", 27) == 0, "%s", e.msg); /* 10 characters before */
    CHECK_EQ(parse("[1, \xFF]", &d, &e), CLK_E_FORMAT);
    CHECK_MSG(strstr(e.msg, "invalid UTF-8 (byte 0xFF)") != NULL, "%s", e.msg);
}

static void test_grammar_errors_name_line_and_column(void)
{
    clk_json_doc d;
    clk_err e;
    CHECK_EQ(parse("{\"a\": 1,}", &d, &e), CLK_E_FORMAT);
    CHECK_STR(e.msg, "t.jsonl:1:9: expected a key in double quotes, found '}'");
    CHECK_EQ(parse("{\"a\" 1}", &d, &e), CLK_E_FORMAT);
    CHECK_STR(e.msg, "t.jsonl:1:6: expected ':' after the key, found '1'");
    CHECK_EQ(parse("[1 2]", &d, &e), CLK_E_FORMAT);
    CHECK_STR(e.msg, "t.jsonl:1:4: expected ',' or ']' after an array element, found '2'");
    CHECK_EQ(parse("{\n \"a\": tru\n}", &d, &e), CLK_E_FORMAT);
    CHECK_MSG(strncmp(e.msg, "t.jsonl:2:7: expected a JSON value", 34) == 0, "%s", e.msg);
    CHECK_EQ(parse("{\"a\": 1} x", &d, &e), CLK_E_FORMAT);
    CHECK_STR(e.msg, "t.jsonl:1:10: expected the end of the text after the JSON value, found 'x'");
    CHECK_EQ(parse("", &d, &e), CLK_E_FORMAT);
    CHECK_STR(e.msg, "t.jsonl:1:1: expected a JSON value, found the end of the text");
    CHECK_EQ(parse("\"abc", &d, &e), CLK_E_FORMAT);
    CHECK(strstr(e.msg, "unterminated string") != NULL);
    CHECK_EQ(parse("\"a\tb\"", &d, &e), CLK_E_FORMAT);
    CHECK(strstr(e.msg, "U+0009") != NULL);
    CHECK_EQ(parse("\"\\x\"", &d, &e), CLK_E_FORMAT);
    CHECK_EQ(parse("\"\\u12G4\"", &d, &e), CLK_E_FORMAT);
    CHECK_EQ(parse("\"\\ud83d\"", &d, &e), CLK_E_FORMAT); /* lone high surrogate */
    CHECK(strstr(e.msg, "low surrogate") != NULL);
    CHECK_EQ(parse("\"\\ude00\"", &d, &e), CLK_E_FORMAT); /* lone low surrogate */
    CHECK_EQ(parse("\"\\ud83d\\u0041\"", &d, &e), CLK_E_FORMAT);
    CHECK_EQ(parse("{\"a\":1,\"b\":2,\"a\":3}", &d, &e), CLK_E_FORMAT);
    CHECK_STR(e.msg, "t.jsonl:1:14: expected unique keys in an object, found \"a\" twice");
    CHECK_EQ(parse("\xEF\xBB\xBF{}", &d, &e), CLK_E_FORMAT);
    CHECK(strstr(e.msg, "byte order mark") != NULL);
    CHECK_EQ(parse("{'a': 1}", &d, &e), CLK_E_FORMAT);
    CHECK_EQ(parse("[1,]", &d, &e), CLK_E_FORMAT);
    CHECK_EQ(parse("nul", &d, &e), CLK_E_FORMAT);
    CHECK_EQ(parse("{\"a\":1", &d, &e), CLK_E_FORMAT);
    CHECK_STR(e.msg, "t.jsonl:1:7: expected ',' or '}' after an object member, found the end of the text");
}

static void test_column_counts_characters_not_bytes(void)
{
    uint64_t line, col;
    const char *t = "ab\n\xE4\xB8\xAD\xE6\x96\x87x";
    clk_json_where(t, strlen(t), 9, &line, &col); /* the 'x' */
    CHECK_EQ(line, 2);
    CHECK_EQ(col, 3);
}

static void test_depth_and_number_limits(void)
{
    char deep[2 * CLK_MAX_JSON_DEPTH + 8], num[CLK_MAX_JSON_NUMBER + 8];
    clk_json_doc d;
    clk_err e;
    int i;
    for (i = 0; i < CLK_MAX_JSON_DEPTH; i++) {
        deep[i] = '[';
        deep[CLK_MAX_JSON_DEPTH + i] = ']';
    }
    deep[2 * CLK_MAX_JSON_DEPTH] = 0;
    CHECK_OK(parse(deep, &d, &e), e); /* exactly the limit */
    memmove(deep + 1, deep, strlen(deep) + 1);
    deep[0] = '[';
    strcat(deep, "]");
    CHECK_EQ(parse(deep, &d, &e), CLK_E_LIMIT);
    CHECK(strstr(e.msg, "CLK_MAX_JSON_DEPTH") != NULL);
    memset(num, '1', CLK_MAX_JSON_NUMBER + 1);
    num[CLK_MAX_JSON_NUMBER + 1] = 0;
    CHECK_EQ(parse(num, &d, &e), CLK_E_LIMIT);
}

static void test_memory_bound_is_tight_for_worst_cases(void)
{
    /* the densest texts: a flat array of one-digit numbers, and nesting */
    static char text[4001];
    clk_json_doc d;
    clk_err e;
    int i;
    text[0] = '[';
    for (i = 0; i < 1998; i++) {
        text[1 + 2 * i] = '7';
        text[2 + 2 * i] = ',';
    }
    text[3997] = '7';
    text[3998] = ']';
    text[3999] = 0;
    CHECK_OK(parse(text, &d, &e), e);
    CHECK_EQ(d.n_nodes, 2000);                       /* 1999 numbers and the array */
    CHECK_EQ(d.n_nodes, (strlen(text) + 1) / 2);     /* the bound of jsonl.h is met exactly */
    CHECK(g_arena.used <= clk_json_bytes(strlen(text)));
    /* a too-small arena is an error, not an overrun */
    {
        static unsigned char small[256] __attribute__((aligned(64)));
        clk_arena a;
        clk_arena_init(&a, small, sizeof small);
        CHECK_EQ(clk_json_parse(text, strlen(text), "t", 1, &a, &d, &e), CLK_E_NOMEM);
    }
}

static void test_jsonl_lines(void)
{
    const char *t = "{\"a\":1}\n\n{\"a\":2}\r\n{\"a\":3}";
    clk_jsonl r;
    const char *l;
    size_t n;
    uint64_t lines, longest;
    clk_jsonl_init(&r, t, strlen(t));
    CHECK(clk_jsonl_next(&r, &l, &n) && n == 7 && r.line == 1);
    CHECK(clk_jsonl_next(&r, &l, &n) && n == 0 && r.line == 2);
    CHECK(clk_jsonl_next(&r, &l, &n) && n == 8 && r.line == 3); /* keeps the '\r' */
    CHECK(clk_jsonl_next(&r, &l, &n) && n == 7 && r.line == 4); /* no final newline */
    CHECK(!clk_jsonl_next(&r, &l, &n));
    clk_jsonl_measure(t, strlen(t), &lines, &longest);
    CHECK_EQ(lines, 4);
    CHECK_EQ(longest, 8);
    clk_jsonl_measure("a\n", 2, &lines, &longest);
    CHECK_EQ(lines, 1);
    clk_jsonl_measure("", 0, &lines, &longest);
    CHECK_EQ(lines, 0);
}

/* Deterministic mutations of valid records: any outcome but a crash, an
 * out-of-bounds access (ASan) or a broken bound is fine. */
static void test_mutation_fuzz_never_crashes(void)
{
    static const char *seeds[] = {
        "{\"id\": 0, \"res\": \"\\u4e2d B.\", \"label\": \"B\", \"uuid\": \"x-1\", \"scores\": [-1.5, -0.25e1, 3]}",
        "[{\"a\":[true,false,null,{\"b\":\"\xE4\xB8\xAD\\ud83d\\ude00\"}]}, -0.0, 1e-5]",
    };
    uint32_t rng = 12345;
    int round, bad = 0, ok = 0;
    char buf[256];
    for (round = 0; round < 20000; round++) {
        const char *seed = seeds[round % 2];
        size_t len = strlen(seed), k;
        clk_json_doc d;
        clk_err e;
        clk_status s;
        char *heap;
        int muts = 1 + round % 4, m;
        memcpy(buf, seed, len);
        for (m = 0; m < muts; m++) {
            rng = rng * 1103515245u + 12345u;
            k = (rng >> 8) % len;
            rng = rng * 1103515245u + 12345u;
            switch ((rng >> 16) % 4) {
            case 0: buf[k] = (char)(rng >> 24); break;                          /* any byte */
            case 1: buf[k] = "{}[]\",:\\u0e-"[(rng >> 24) % 13]; break;          /* a structural one */
            case 2: if (len > 1) { memmove(buf + k, buf + k + 1, len - k - 1); len--; } break; /* delete */
            default: len = k + 1; break;                                         /* truncate */
            }
        }
        heap = (char *)malloc(len ? len : 1); /* exact size: ASan sees any over-read */
        memcpy(heap, buf, len);
        s = parse_n(heap, len, &d, &e);
        if (s == CLK_OK) ok++;
        else if (s != CLK_E_FORMAT && s != CLK_E_LIMIT) bad++;
        free(heap);
    }
    CHECK_EQ(bad, 0);
    CHECK(ok > 0);
}

int main(int argc, char **argv)
{
    TEST_INIT(argc, argv);
    RUN(test_dom_layout);
    RUN(test_nested_and_empty_containers);
    RUN(test_string_escapes_and_utf8);
    RUN(test_numbers);
    RUN(test_invalid_utf8_is_rejected_with_position);
    RUN(test_grammar_errors_name_line_and_column);
    RUN(test_column_counts_characters_not_bytes);
    RUN(test_depth_and_number_limits);
    RUN(test_memory_bound_is_tight_for_worst_cases);
    RUN(test_jsonl_lines);
    RUN(test_mutation_fuzz_never_crashes);
    free(g_mem);
    return TEST_DONE();
}
