/*
 * test_gguf.c - the GGUF reader and writer: every metadata type round-trips;
 * every broken file (truncated at every byte, bad magic, versions 1 and 4,
 * lengths and counts past the end, tensors outside the file or
 * overlapping, overflowing shapes, duplicates, limits) is a clear error and
 * never a crash (run under `make SAN=1 test`); the mmap and read paths give
 * the same index; every shared model and vocabulary file parses.
 *
 * Broken inputs are copied into buffers of exactly their length, so an
 * over-read is caught by AddressSanitizer rather than landing in slack.
 */
#define _POSIX_C_SOURCE 200809L
#include "test.h"
#include "gguf_fixture.h"
#include "arena.h"

#include <unistd.h>

/* ------------------------------------------------------------ helpers */

static unsigned char arena_mem[1 << 20] __attribute__((aligned(64)));

/* Parse a copy of buf[0..len) in an exactly-sized allocation. */
static clk_status parse_copy(const unsigned char *buf, size_t len, clk_gguf *g, clk_err *e, unsigned char **keep)
{
    clk_arena a;
    clk_status s;
    unsigned char *copy = (unsigned char *)malloc(len ? len : 1);
    memcpy(copy, buf, len);
    clk_arena_init(&a, arena_mem, sizeof arena_mem);
    memset(e, 0, sizeof *e);
    s = clk_gguf_parse(g, copy, len, &a, e);
    if (keep)
        *keep = copy;
    else
        free(copy);
    return s;
}

/* Expect failure with status `st` and a message containing `want`. */
#define CHECK_FAILS(buf, len, st, want)                                                                         \
    do {                                                                                                        \
        clk_gguf g_;                                                                                            \
        clk_err e_;                                                                                             \
        clk_status s_ = parse_copy((buf), (len), &g_, &e_, NULL);                                               \
        CHECK_MSG(s_ == (st), "status %d (%s), expected %d: %s", (int)s_, clk_status_name(s_), (int)(st), e_.msg); \
        CHECK_MSG(strstr(e_.msg, (want)) != NULL, "message '%s' lacks '%s'", e_.msg, (want));                   \
    } while (0)

static unsigned char *tiny(const char *arch, size_t *len)
{
    *len = 0;
    fx_file *f = (fx_file *)malloc(sizeof *f);
    fx_spec s = fx_default(arch);
    unsigned char *b;
    fx_model(f, &s);
    b = fx_write(f, len);
    free(f);
    return b;
}

/* ------------------------------------------------------------ round trip */

static const uint8_t a_u8[3] = {1, 2, 255};
static const int8_t a_i8[2] = {-128, 127};
static const uint16_t a_u16[2] = {0, 65535};
static const int16_t a_i16[2] = {-32768, 7};
static const uint32_t a_u32[3] = {7, 8, 4294967295u};
static const int32_t a_i32[3] = {-1, 0, 2147483647};
static const float a_f32[2] = {1.5f, -0.25f};
static const uint8_t a_bool[2] = {1, 0};
static const uint64_t a_u64[1] = {18446744073709551615ull};
static const int64_t a_i64[2] = {-5, 9};
static const double a_f64[2] = {0.1, 1e300};
static const char *const a_str[3] = {"", "hello", "wor\"ld"};

static void test_roundtrip_every_type(void)
{
    unsigned char *buf = NULL, *mem;
    size_t len = 0;
    clk_gguf_writer w;
    clk_err e;
    clk_gguf g;
    clk_arena a;
    const clk_gguf_kv *kv;
    uint32_t u32;
    int64_t i64;
    float f;
    int b;
    clk_str s;
    const uint8_t *it;
    int64_t ne1[1] = {10}, ne2[2] = {64, 3}, ne3[3] = {256, 2, 2};
    float f32data[10];
    uint8_t q8[2 * 34 * 3], qk[4 * 144];
    /* nested: [[1, 2], [3]] as an array of arrays of u8 */
    uint8_t nested[2 * 12 + 3];
    int i;

    for (i = 0; i < 10; i++) f32data[i] = (float)i * 0.5f;
    for (i = 0; i < (int)sizeof q8; i++) q8[i] = (uint8_t)i;
    for (i = 0; i < (int)sizeof qk; i++) qk[i] = (uint8_t)(i * 3);
    fx_put32(nested, CLK_GGUF_U8);
    fx_put64(nested + 4, 2);
    nested[12] = 1;
    nested[13] = 2;
    fx_put32(nested + 14, CLK_GGUF_U8);
    fx_put64(nested + 18, 1);
    nested[26] = 3;

    for (i = 0; i < 2; i++) { /* pass 0 measures, pass 1 writes */
        if (i == 0)
            clk_gguf_w_init_buf(&w, NULL, 0, &e);
        else {
            buf = (unsigned char *)malloc(len);
            clk_gguf_w_init_buf(&w, buf, len, &e);
        }
        CHECK_OK(clk_gguf_w_begin(&w, 3, 26, 3), e);
        CHECK_OK(clk_gguf_w_u32(&w, "general.alignment", 64), e);
        CHECK_OK(clk_gguf_w_u8(&w, "t.u8", 200), e);
        CHECK_OK(clk_gguf_w_i8(&w, "t.i8", -3), e);
        CHECK_OK(clk_gguf_w_u16(&w, "t.u16", 60000), e);
        CHECK_OK(clk_gguf_w_i16(&w, "t.i16", -30000), e);
        CHECK_OK(clk_gguf_w_u32(&w, "t.u32", 4000000000u), e);
        CHECK_OK(clk_gguf_w_i32(&w, "t.i32", -2000000000), e);
        CHECK_OK(clk_gguf_w_f32(&w, "t.f32", 0.1f), e);
        CHECK_OK(clk_gguf_w_bool(&w, "t.bool", 1), e);
        CHECK_OK(clk_gguf_w_str(&w, "t.str", "h\xc3\xa9llo"), e);
        CHECK_OK(clk_gguf_w_u64(&w, "t.u64", 18446744073709551615ull), e);
        CHECK_OK(clk_gguf_w_i64(&w, "t.i64", -9000000000ll), e);
        CHECK_OK(clk_gguf_w_f64(&w, "t.f64", 2.5), e);
        CHECK_OK(clk_gguf_w_arr(&w, "a.u8", CLK_GGUF_U8, 3, a_u8), e);
        CHECK_OK(clk_gguf_w_arr(&w, "a.i8", CLK_GGUF_I8, 2, a_i8), e);
        CHECK_OK(clk_gguf_w_arr(&w, "a.u16", CLK_GGUF_U16, 2, a_u16), e);
        CHECK_OK(clk_gguf_w_arr(&w, "a.i16", CLK_GGUF_I16, 2, a_i16), e);
        CHECK_OK(clk_gguf_w_arr(&w, "a.u32", CLK_GGUF_U32, 3, a_u32), e);
        CHECK_OK(clk_gguf_w_arr(&w, "a.i32", CLK_GGUF_I32, 3, a_i32), e);
        CHECK_OK(clk_gguf_w_arr(&w, "a.f32", CLK_GGUF_F32, 2, a_f32), e);
        CHECK_OK(clk_gguf_w_arr(&w, "a.bool", CLK_GGUF_BOOL, 2, a_bool), e);
        CHECK_OK(clk_gguf_w_arr(&w, "a.u64", CLK_GGUF_U64, 1, a_u64), e);
        CHECK_OK(clk_gguf_w_arr(&w, "a.i64", CLK_GGUF_I64, 2, a_i64), e);
        CHECK_OK(clk_gguf_w_arr(&w, "a.f64", CLK_GGUF_F64, 2, a_f64), e);
        CHECK_OK(clk_gguf_w_arr_str(&w, "a.str", a_str, 3), e);
        {
            /* raw: array type, then element type ARRAY, count 2, elements */
            uint8_t raw[12 + sizeof nested];
            fx_put32(raw, CLK_GGUF_ARRAY);
            fx_put64(raw + 4, 2);
            memcpy(raw + 12, nested, sizeof nested);
            CHECK_OK(clk_gguf_w_raw(&w, "a.nested", CLK_GGUF_ARRAY, raw, sizeof raw), e);
        }
        CHECK_OK(clk_gguf_w_tensor_info(&w, "vec", 1, ne1, CLK_T_F32), e);
        CHECK_OK(clk_gguf_w_tensor_info(&w, "q8", 2, ne2, CLK_T_Q8_0), e);
        CHECK_OK(clk_gguf_w_tensor_info(&w, "qk", 3, ne3, CLK_T_Q4_K), e);
        CHECK_OK(clk_gguf_w_tensor(&w, f32data, sizeof f32data), e);
        CHECK_OK(clk_gguf_w_data(&w, q8, 100), e); /* in two pieces */
        CHECK_OK(clk_gguf_w_data(&w, q8 + 100, sizeof q8 - 100), e);
        CHECK_OK(clk_gguf_w_tensor_end(&w, sizeof q8), e);
        CHECK_OK(clk_gguf_w_tensor(&w, qk, sizeof qk), e);
        CHECK_OK(clk_gguf_w_finish(&w), e);
        if (i == 0) len = (size_t)w.pos;
        else CHECK_EQ(w.pos, len);
    }
    CHECK_EQ(len % 64, 0); /* every tensor padded to the alignment, the last one too */

    mem = (unsigned char *)malloc(len);
    memcpy(mem, buf, len);
    clk_arena_init(&a, arena_mem, sizeof arena_mem);
    CHECK_OK(clk_gguf_parse(&g, mem, len, &a, &e), e);
    CHECK_EQ(a.used, clk_plan_round(clk_gguf_index_bytes(&(clk_gguf_header){3, 3, 26})));
    CHECK_EQ(g.version, 3);
    CHECK_EQ(g.n_kv, 26);
    CHECK_EQ(g.alignment, 64);
    CHECK_EQ(g.data_offset % 64, 0);

    CHECK_OK(clk_gguf_get_u32(&g, "t.u8", &u32, &e), e);
    CHECK_EQ(u32, 200);
    CHECK_OK(clk_gguf_get_i64(&g, "t.i8", &i64, &e), e);
    CHECK_EQ(i64, -3);
    CHECK_OK(clk_gguf_get_u32(&g, "t.u16", &u32, &e), e);
    CHECK_EQ(u32, 60000);
    CHECK_OK(clk_gguf_get_i64(&g, "t.i16", &i64, &e), e);
    CHECK_EQ(i64, -30000);
    CHECK_OK(clk_gguf_get_u32(&g, "t.u32", &u32, &e), e);
    CHECK_EQ(u32, 4000000000u);
    CHECK_OK(clk_gguf_get_i64(&g, "t.i32", &i64, &e), e);
    CHECK_EQ(i64, -2000000000);
    CHECK_OK(clk_gguf_get_f32(&g, "t.f32", &f, &e), e);
    CHECK(f == 0.1f);
    CHECK_OK(clk_gguf_get_f32(&g, "t.f64", &f, &e), e);
    CHECK(f == 2.5f);
    CHECK_OK(clk_gguf_get_bool(&g, "t.bool", &b, &e), e);
    CHECK_EQ(b, 1);
    CHECK_OK(clk_gguf_get_str(&g, "t.str", &s, &e), e);
    CHECK(clk_str_eq(s, "h\xc3\xa9llo"));
    CHECK_OK(clk_gguf_get_i64(&g, "t.i64", &i64, &e), e);
    CHECK_EQ(i64, -9000000000ll);
    /* conversions that do not fit are errors naming the key */
    CHECK(clk_gguf_get_i64(&g, "t.u64", &i64, &e) == CLK_E_FORMAT && strstr(e.msg, "t.u64"));
    CHECK(clk_gguf_get_u32(&g, "t.i8", &u32, &e) == CLK_E_FORMAT && strstr(e.msg, "-3"));
    CHECK(clk_gguf_get_u32(&g, "t.str", &u32, &e) == CLK_E_FORMAT && strstr(e.msg, "found string"));
    CHECK(clk_gguf_get_f32(&g, "t.u32", &f, &e) == CLK_E_FORMAT);
    CHECK(clk_gguf_get_bool(&g, "t.u8", &b, &e) == CLK_E_FORMAT);
    CHECK(clk_gguf_get_str(&g, "t.u8", &s, &e) == CLK_E_FORMAT);
    CHECK(clk_gguf_get_u32(&g, "no.such.key", &u32, &e) == CLK_E_DATA && strstr(e.msg, "no.such.key"));
    CHECK(clk_gguf_find(&g, "no.such.key") == NULL);
    CHECK(clk_gguf_find(&g, "t.u") == NULL); /* prefixes do not match */

    CHECK_OK(clk_gguf_get_arr(&g, "a.u8", CLK_GGUF_U8, 3, &kv, &e), e);
    CHECK_EQ(clk_gguf_arr_int(kv, 2), 255);
    CHECK_EQ(clk_gguf_arr_int(kv, 3), 0); /* out of range reads nothing */
    CHECK_OK(clk_gguf_get_arr(&g, "a.i8", CLK_GGUF_I8, -1, &kv, &e), e);
    CHECK_EQ(clk_gguf_arr_int(kv, 0), -128);
    CHECK_OK(clk_gguf_get_arr(&g, "a.u16", CLK_GGUF_U16, 2, &kv, &e), e);
    CHECK_EQ(clk_gguf_arr_int(kv, 1), 65535);
    CHECK_OK(clk_gguf_get_arr(&g, "a.i16", CLK_GGUF_I16, 2, &kv, &e), e);
    CHECK_EQ(clk_gguf_arr_int(kv, 0), -32768);
    CHECK_OK(clk_gguf_get_arr(&g, "a.u32", CLK_GGUF_U32, 3, &kv, &e), e);
    CHECK_EQ(clk_gguf_arr_int(kv, 2), 4294967295ll);
    CHECK_OK(clk_gguf_get_arr(&g, "a.i32", CLK_GGUF_I32, 3, &kv, &e), e);
    CHECK_EQ(clk_gguf_arr_int(kv, 0), -1);
    CHECK_OK(clk_gguf_get_arr(&g, "a.f32", CLK_GGUF_F32, 2, &kv, &e), e);
    CHECK(clk_gguf_arr_f32(kv, 1) == -0.25f);
    CHECK_OK(clk_gguf_get_arr(&g, "a.bool", CLK_GGUF_BOOL, 2, &kv, &e), e);
    CHECK_EQ(clk_gguf_arr_int(kv, 0), 1);
    CHECK_OK(clk_gguf_get_arr(&g, "a.u64", CLK_GGUF_U64, 1, &kv, &e), e);
    CHECK_EQ(clk_gguf_arr_int(kv, 0), INT64_MAX); /* saturates */
    CHECK_OK(clk_gguf_get_arr(&g, "a.i64", CLK_GGUF_I64, 2, &kv, &e), e);
    CHECK_EQ(clk_gguf_arr_int(kv, 0), -5);
    CHECK_OK(clk_gguf_get_arr(&g, "a.f64", CLK_GGUF_F64, 2, &kv, &e), e);
    CHECK(clk_gguf_arr_f32(kv, 0) == (float)0.1);
    CHECK(clk_gguf_get_arr(&g, "a.f64", CLK_GGUF_F32, 2, &kv, &e) == CLK_E_FORMAT && strstr(e.msg, "array of f64"));
    CHECK(clk_gguf_get_arr(&g, "a.u8", CLK_GGUF_U8, 4, &kv, &e) == CLK_E_DATA && strstr(e.msg, "expected 4"));
    CHECK_OK(clk_gguf_get_arr(&g, "a.str", CLK_GGUF_STRING, 3, &kv, &e), e);
    it = kv->val;
    s = clk_gguf_next_str(&it);
    CHECK(clk_str_eq(s, ""));
    s = clk_gguf_next_str(&it);
    CHECK(clk_str_eq(s, "hello"));
    s = clk_gguf_next_str(&it);
    CHECK(clk_str_eq(s, "wor\"ld"));
    CHECK(it == kv->val + kv->val_bytes);
    kv = clk_gguf_find(&g, "a.nested");
    CHECK(kv && kv->type == CLK_GGUF_ARRAY && kv->arr_type == CLK_GGUF_ARRAY && kv->arr_n == 2);
    CHECK(kv && kv->val_bytes == sizeof nested && !memcmp(kv->val, nested, sizeof nested));

    {
        const clk_gguf_tensor *t = clk_gguf_tensor_find(&g, "q8");
        CHECK(t != NULL);
        if (t) {
            CHECK_EQ(t->n_dims, 2);
            CHECK_EQ(t->ne[0], 64);
            CHECK_EQ(t->ne[1], 3);
            CHECK_EQ(t->ne[2], 1);
            CHECK_EQ(t->nbytes, sizeof q8);
            CHECK_EQ(t->offset, 64); /* 40 bytes of "vec" padded to 64 */
            CHECK(!memcmp(t->data, q8, sizeof q8));
        }
        t = clk_gguf_tensor_find(&g, "vec");
        CHECK(t && !memcmp(t->data, f32data, sizeof f32data) && t->offset == 0);
        t = clk_gguf_tensor_find(&g, "qk");
        CHECK(t && t->nbytes == sizeof qk && t->ne[2] == 2 && !memcmp(t->data, qk, sizeof qk));
        CHECK(t && t->offset == 64 + 256); /* 204 bytes of q8 padded to 256 */
        CHECK(clk_gguf_tensor_find(&g, "q") == NULL);
        CHECK_EQ(g.data_end, len);
    }
    free(mem);
    free(buf);
}

/* --------------------------------------------------------------- writer */

static void test_writer_checks_order_and_counts(void)
{
    clk_gguf_writer w;
    clk_err e;
    unsigned char small[40];
    int64_t ne[2] = {32, 2};
    uint8_t data[68];
    memset(data, 0, sizeof data);

    clk_gguf_w_init_buf(&w, NULL, 0, &e);
    CHECK(clk_gguf_w_u32(&w, "k", 1) == CLK_E_ARG); /* before begin */
    CHECK(clk_gguf_w_begin(&w, 1, 0, 0) == CLK_E_ARG && strstr(e.msg, "version 1"));
    CHECK_OK(clk_gguf_w_begin(&w, 3, 1, 1), e);
    CHECK(clk_gguf_w_tensor_info(&w, "t", 2, ne, CLK_T_Q8_0) == CLK_E_ARG && strstr(e.msg, "0 of the 1"));
    CHECK_OK(clk_gguf_w_u32(&w, "k", 1), e);
    CHECK(clk_gguf_w_u32(&w, "k2", 1) == CLK_E_ARG && strstr(e.msg, "one more"));
    ne[0] = 33;
    CHECK(clk_gguf_w_tensor_info(&w, "t", 2, ne, CLK_T_Q8_0) == CLK_E_FORMAT && strstr(e.msg, "multiple of 32"));
    ne[0] = 32;
    CHECK_OK(clk_gguf_w_tensor_info(&w, "t", 2, ne, CLK_T_Q8_0), e);
    CHECK(clk_gguf_w_finish(&w) == CLK_E_ARG && strstr(e.msg, "0 of the 1 tensors"));
    CHECK_OK(clk_gguf_w_data(&w, data, 67), e);
    CHECK(clk_gguf_w_tensor_end(&w, 68) == CLK_E_ARG && strstr(e.msg, "67 bytes written, expected 68"));
    CHECK(clk_gguf_w_data(&w, data, 64) == CLK_E_ARG && strstr(e.msg, "beyond what"));

    /* a full caller buffer is a limit error, not an overflow */
    clk_gguf_w_init_buf(&w, small, sizeof small, &e);
    CHECK_OK(clk_gguf_w_begin(&w, 3, 1, 0), e);
    CHECK(clk_gguf_w_str(&w, "key", "a value longer than the buffer") == CLK_E_LIMIT);
    CHECK(w.pos <= sizeof small);

    /* alignment must be a power of two */
    clk_gguf_w_init_buf(&w, NULL, 0, &e);
    CHECK_OK(clk_gguf_w_begin(&w, 3, 1, 0), e);
    CHECK(clk_gguf_w_u32(&w, "general.alignment", 48) == CLK_E_ARG);

    /* a file without tensors ends after its pairs, with no padding */
    clk_gguf_w_init_buf(&w, NULL, 0, &e);
    CHECK_OK(clk_gguf_w_begin(&w, 3, 1, 0), e);
    CHECK_OK(clk_gguf_w_u8(&w, "k", 1), e);
    CHECK_OK(clk_gguf_w_finish(&w), e);
    CHECK_EQ(w.pos, 24 + 8 + 1 + 4 + 1);
}

/* The writer and clk_gguf_w_kv_copy reproduce a real file's metadata byte for byte. */
static void test_kv_copy_reproduces_metadata(void)
{
    char path[1100];
    const char *sh = t_shared();
    unsigned char *file, *out;
    size_t len;
    clk_gguf g;
    clk_err e;
    clk_arena a;
    clk_gguf_writer w;
    uint64_t i;
    if (!sh) SKIP("../shared not present");
    snprintf(path, sizeof path, "%s/vocab/ggml-vocab-llama-spm.gguf", sh);
    file = t_slurp(path, &len);
    if (!file) SKIP("vocab/ggml-vocab-llama-spm.gguf missing");
    clk_arena_init(&a, arena_mem, sizeof arena_mem);
    CHECK_OK(clk_gguf_parse(&g, file, len, &a, &e), e);
    out = (unsigned char *)malloc(len);
    clk_gguf_w_init_buf(&w, out, len, &e);
    CHECK_OK(clk_gguf_w_begin(&w, g.version, g.n_kv, 0), e);
    for (i = 0; i < g.n_kv; i++) CHECK_OK(clk_gguf_w_kv_copy(&w, &g.kv[i]), e);
    CHECK_OK(clk_gguf_w_finish(&w), e);
    CHECK_EQ(w.pos, len);
    CHECK(!memcmp(out, file, len));
    free(out);
    free(file);
}

/* ------------------------------------------------------------ truncation */

/* A small valid model cut at every length: every cut inside the header,
 * metadata, infos or tensor bytes is a format error; cuts in the padding
 * after the last tensor are valid files. */
static void test_truncated_at_every_byte(void)
{
    size_t len, cut, data_end;
    unsigned char *full = tiny("qwen2", &len);
    clk_gguf g;
    clk_err e;
    int bad_status = 0, bad_ok = 0, empty_msg = 0;
    CHECK(full != NULL);
    if (!full) return;
    CHECK_OK(parse_copy(full, len, &g, &e, NULL), e);
    data_end = (size_t)g.data_end;
    CHECK(data_end <= len && len - data_end < 32);
    for (cut = 0; cut < len; cut++) {
        clk_status s = parse_copy(full, cut, &g, &e, NULL);
        if (cut < data_end) {
            if (s != CLK_E_FORMAT) {
                if (!bad_status) printf("  cut at %zu: status %d: %s\n", cut, (int)s, e.msg);
                bad_status++;
            }
            if (!e.msg[0] || !strstr(e.msg, "gguf")) empty_msg++;
        } else if (s != CLK_OK) {
            bad_ok++;
        }
    }
    CHECK_EQ(bad_status, 0);
    CHECK_EQ(bad_ok, 0);
    CHECK_EQ(empty_msg, 0);
    printf("  %zu truncations of a %zu-byte file checked\n", len, len);
    free(full);
}

/* ----------------------------------------------------------- header faults */

static void test_bad_magic_and_versions(void)
{
    size_t len;
    unsigned char *b = tiny("llama", &len), save[4];
    memcpy(save, b, 4);
    memcpy(b, "GGUG", 4);
    CHECK_FAILS(b, len, CLK_E_FORMAT, "expected the magic 'GGUF', found 'GGUG'");
    memcpy(b, save, 4);
    fx_put32(b + 4, 1);
    CHECK_FAILS(b, len, CLK_E_UNSUPPORTED, "version 1 is not supported");
    fx_put32(b + 4, 4);
    CHECK_FAILS(b, len, CLK_E_UNSUPPORTED, "version 4 is not supported");
    fx_put32(b + 4, 0);
    CHECK_FAILS(b, len, CLK_E_UNSUPPORTED, "version 0");
    fx_put32(b + 4, 0x03000000u); /* big-endian 3 */
    CHECK_FAILS(b, len, CLK_E_UNSUPPORTED, "big-endian");
    fx_put32(b + 4, 2); /* v2 has the same layout: accepted */
    {
        clk_gguf g;
        clk_err e;
        CHECK_OK(parse_copy(b, len, &g, &e, NULL), e);
        CHECK_EQ(g.version, 2);
    }
    fx_put32(b + 4, 3);
    CHECK_FAILS(b, 3, CLK_E_FORMAT, "starts with the 4 bytes 'GGUF'");
    CHECK_FAILS(b, 0, CLK_E_FORMAT, "has 0 bytes");
    CHECK_FAILS(b, 20, CLK_E_FORMAT, "inside the header");
    free(b);
}

static void test_counts_checked_before_use(void)
{
    size_t len;
    unsigned char *b = tiny("llama", &len);
    fx_put64(b + 8, (uint64_t)-1); /* n_tensors -1 */
    CHECK_FAILS(b, len, CLK_E_FORMAT, "tensor count is negative (-1)");
    fx_put64(b + 8, (uint64_t)CLK_MAX_GGUF_TENSORS + 1);
    CHECK_FAILS(b, len, CLK_E_LIMIT, "CLK_MAX_GGUF_TENSORS");
    fx_put64(b + 8, 21);
    fx_put64(b + 16, (uint64_t)CLK_MAX_GGUF_KV + 1);
    CHECK_FAILS(b, len, CLK_E_LIMIT, "CLK_MAX_GGUF_KV");
    fx_put64(b + 16, 1ull << 63);
    CHECK_FAILS(b, len, CLK_E_FORMAT, "metadata count is negative");
    fx_put64(b + 16, 60000); /* within the limit, but 60000 pairs cannot fit in this file */
    CHECK_FAILS(b, len, CLK_E_FORMAT, "need at least");
    free(b);
}

/* ---------------------------------------------------------- metadata faults */

/* A file of one metadata pair with raw value bytes and no tensors. */
static unsigned char *one_kv(const char *key, uint32_t type, const void *val, size_t n, size_t *len)
{
    clk_gguf_writer w;
    clk_err e;
    unsigned char *b;
    int pass;
    for (pass = 0; pass < 2; pass++) {
        if (pass == 0)
            clk_gguf_w_init_buf(&w, NULL, 0, &e);
        else {
            b = (unsigned char *)malloc(*len);
            clk_gguf_w_init_buf(&w, b, *len, &e);
        }
        clk_gguf_w_begin(&w, 3, 1, 0);
        clk_gguf_w_raw(&w, key, type, val, n);
        if (pass == 0) *len = (size_t)w.pos;
    }
    return b;
}

static void test_metadata_faults(void)
{
    unsigned char v[16 * (CLK_MAX_GGUF_NEST + 2)], *b;
    size_t len;
    int d;

    /* a string whose length runs past the end */
    fx_put64(v, 1000);
    memcpy(v + 8, "abc", 3);
    b = one_kv("s", CLK_GGUF_STRING, v, 11, &len);
    CHECK_FAILS(b, len, CLK_E_FORMAT, "has length 1000, but the file ends 3 bytes later");
    free(b);

    /* an array of 2^62 elements, of each element kind */
    fx_put32(v, CLK_GGUF_U8);
    fx_put64(v + 4, 1ull << 62);
    b = one_kv("arr", CLK_GGUF_ARRAY, v, 12, &len);
    CHECK_FAILS(b, len, CLK_E_FORMAT, "array of 4611686018427387904 u8 elements");
    free(b);
    fx_put32(v, CLK_GGUF_STRING);
    b = one_kv("arr", CLK_GGUF_ARRAY, v, 12, &len);
    CHECK_FAILS(b, len, CLK_E_FORMAT, "array of 4611686018427387904 string elements");
    free(b);
    fx_put32(v, CLK_GGUF_ARRAY);
    b = one_kv("arr", CLK_GGUF_ARRAY, v, 12, &len);
    CHECK_FAILS(b, len, CLK_E_FORMAT, "array of 4611686018427387904 array elements");
    free(b);
    fx_put32(v, CLK_GGUF_U64); /* 2^61 * 8 wraps 64 bits if multiplied naively */
    fx_put64(v + 4, 1ull << 61);
    b = one_kv("arr", CLK_GGUF_ARRAY, v, 12, &len);
    CHECK_FAILS(b, len, CLK_E_FORMAT, "u64 elements");
    free(b);

    /* unknown value and element types */
    b = one_kv("k", 13, v, 4, &len);
    CHECK_FAILS(b, len, CLK_E_FORMAT, "unknown value type 13");
    free(b);
    fx_put32(v, 77);
    fx_put64(v + 4, 0);
    b = one_kv("k", CLK_GGUF_ARRAY, v, 12, &len);
    CHECK_FAILS(b, len, CLK_E_FORMAT, "unknown array element type 77");
    free(b);

    /* nesting: CLK_MAX_GGUF_NEST arrays deep is fine, one more is a limit */
    for (d = CLK_MAX_GGUF_NEST; d <= CLK_MAX_GGUF_NEST + 1; d++) {
        size_t n = 0;
        int i;
        for (i = 0; i < d - 1; i++) { /* outer arrays of one array each */
            fx_put32(v + n, CLK_GGUF_ARRAY);
            fx_put64(v + n + 4, 1);
            n += 12;
        }
        fx_put32(v + n, CLK_GGUF_U8); /* innermost: empty u8 array */
        fx_put64(v + n + 4, 0);
        n += 12;
        b = one_kv("deep", CLK_GGUF_ARRAY, v, n, &len);
        if (d == CLK_MAX_GGUF_NEST) {
            clk_gguf g;
            clk_err e;
            CHECK_OK(parse_copy(b, len, &g, &e, NULL), e);
        } else {
            CHECK_FAILS(b, len, CLK_E_LIMIT, "CLK_MAX_GGUF_NEST");
        }
        free(b);
    }

    /* empty key */
    {
        unsigned char raw[24 + 8 + 4 + 1 + 1]; /* + 1: a pair is at least 14 bytes for peek */
        memcpy(raw, "GGUF", 4);
        fx_put32(raw + 4, 3);
        fx_put64(raw + 8, 0);
        fx_put64(raw + 16, 1);
        fx_put64(raw + 24, 0);
        fx_put32(raw + 32, CLK_GGUF_U8);
        raw[36] = 1;
        raw[37] = 0;
        CHECK_FAILS(raw, sizeof raw, CLK_E_FORMAT, "empty key");
    }
}

static void test_duplicates_and_alignment(void)
{
    fx_file *f = (fx_file *)malloc(sizeof *f);
    fx_spec s = fx_default("llama");
    unsigned char *b;
    size_t len = 0, dims_at = 0, ne_at = 0, type_at = 0, off_at = 0;

    /* duplicate key: rename the second key in the bytes to the first's name */
    fx_model(f, &s);
    fx_set_u32(f, "general.zz", 1);
    fx_set_u32(f, "general.zy", 2);
    b = fx_write(f, &len);
    {
        size_t i;
        for (i = 0; i + 10 < len; i++)
            if (!memcmp(b + i, "general.zy", 10)) {
                memcpy(b + i, "general.zz", 10);
                break;
            }
    }
    CHECK_FAILS(b, len, CLK_E_FORMAT, "duplicate key 'general.zz'");
    free(b);

    /* duplicate tensor name */
    fx_model(f, &s);
    b = fx_write(f, &len);
    {
        size_t i;
        for (i = 0; i + 17 < len; i++)
            if (!memcmp(b + i, "blk.1.attn_q.weight", 19)) {
                memcpy(b + i, "blk.0", 5);
                break;
            }
    }
    CHECK_FAILS(b, len, CLK_E_FORMAT, "duplicate tensor name 'blk.0.attn_q.weight'");
    free(b);

    /* alignment: not a power of two, wrong type */
    fx_model(f, &s);
    fx_set_u32(f, "general.alignment", 64);
    b = fx_write(f, &len);
    {
        clk_gguf g;
        clk_err e;
        CHECK_OK(parse_copy(b, len, &g, &e, NULL), e);
        CHECK_EQ(g.alignment, 64);
        CHECK_EQ(g.data_offset % 64, 0);
    }
    {
        size_t i;
        for (i = 0; i + 17 < len; i++)
            if (!memcmp(b + i, "general.alignment", 17)) {
                fx_put32(b + i + 17 + 4, 48);
                break;
            }
        CHECK_FAILS(b, len, CLK_E_FORMAT, "expected a power of two, found 48");
        fx_put32(b + i + 17 + 4, 0);
        CHECK_FAILS(b, len, CLK_E_FORMAT, "found 0");
        fx_put32(b + i + 17, CLK_GGUF_I32);
        fx_put32(b + i + 17 + 4, 64);
        CHECK_FAILS(b, len, CLK_E_FORMAT, "'general.alignment': expected type u32, found i32");
    }
    free(b);

    /* a tensor name of CLK_MAX_NAME bytes */
    fx_model(f, &s);
    b = fx_write(f, &len);
    CHECK(fx_find_info(b, len, "output_norm.weight", &dims_at, &ne_at, &type_at, &off_at));
    fx_put64(b + dims_at - 18 - 8, CLK_MAX_NAME); /* length field of the name, now 64: runs into n_dims etc. */
    CHECK_FAILS(b, len, CLK_E_FORMAT, "too long");
    free(b);
    free(f);
}

/* ------------------------------------------------------------ tensor faults */

static void test_tensor_faults(void)
{
    size_t len, dims_at, ne_at, type_at, off_at, d2, n2, t2, o2;
    unsigned char *orig = tiny("llama", &len), *b = (unsigned char *)malloc(len);
    const char *emb = "token_embd.weight", *next = "output_norm.weight";
    CHECK(fx_find_info(orig, len, emb, &dims_at, &ne_at, &type_at, &off_at));
    CHECK(fx_find_info(orig, len, next, &d2, &n2, &t2, &o2));
    CHECK_EQ(clk_rd64(orig + off_at), 0);

#define RESET() memcpy(b, orig, len)
    /* offset past the end */
    RESET();
    fx_put64(b + off_at, (uint64_t)len * 32);
    CHECK_FAILS(b, len, CLK_E_FORMAT, "run past the end of the file");
    /* offset near 2^64: start + size wraps */
    RESET();
    fx_put64(b + off_at, ~(uint64_t)31);
    CHECK_FAILS(b, len, CLK_E_FORMAT, "run past the end of the file");
    /* size past the end: 2^30 rows */
    RESET();
    fx_put64(b + ne_at + 8, 1ull << 30);
    CHECK_FAILS(b, len, CLK_E_FORMAT, "run past the end of the file");
    /* two overlapping tensors: the second starts where the first does */
    RESET();
    fx_put64(b + o2, 0);
    CHECK_FAILS(b, len, CLK_E_FORMAT, "overlaps tensor 'token_embd.weight'");
    /* overlap by one alignment unit inside the first */
    RESET();
    fx_put64(b + o2, 32);
    CHECK_FAILS(b, len, CLK_E_FORMAT, "overlaps");
    /* misaligned offset */
    RESET();
    fx_put64(b + o2, clk_rd64(orig + o2) + 4);
    CHECK_FAILS(b, len, CLK_E_FORMAT, "not a multiple of the alignment 32");
    /* dimensions whose product overflows */
    RESET();
    fx_put64(b + ne_at, 1ull << 32);
    fx_put64(b + ne_at + 8, 1ull << 32);
    CHECK_FAILS(b, len, CLK_E_FORMAT, "has more than 2^63 elements");
    RESET();
    fx_put64(b + ne_at, (1ull << 63) - 32); /* elements fit in i64, bytes (x 34/32) do not */
    fx_put64(b + ne_at + 8, 1);
    CHECK_FAILS(b, len, CLK_E_FORMAT, "more than 2^63 bytes");
    /* negative dimension */
    RESET();
    fx_put64(b + ne_at + 8, (uint64_t)-7);
    CHECK_FAILS(b, len, CLK_E_FORMAT, "dimension 1 is negative (-7)");
    /* unknown and retired type ids, named */
    RESET();
    fx_put32(b + type_at, 99);
    CHECK_FAILS(b, len, CLK_E_UNSUPPORTED, "unknown tensor type 99");
    RESET();
    fx_put32(b + type_at, 31);
    CHECK_FAILS(b, len, CLK_E_UNSUPPORTED, "unknown tensor type 31");
    /* row length not a multiple of the block (Q8_0: 32) */
    RESET();
    fx_put64(b + ne_at, 48);
    CHECK_FAILS(b, len, CLK_E_FORMAT, "multiple of 32 elements, found ne[0] = 48");
    /* dimension counts 0 and 5 */
    RESET();
    fx_put32(b + dims_at, 0);
    CHECK_FAILS(b, len, CLK_E_FORMAT, "expected 1..4 dimensions, found 0");
    RESET();
    fx_put32(b + dims_at, 5);
    CHECK_FAILS(b, len, CLK_E_FORMAT, "expected 1..4 dimensions, found 5");
#undef RESET
    free(b);
    free(orig);
}

/* The index takes exactly what clk_gguf_index_bytes says: one byte less
 * in the arena is a memory error naming the plan line. */
static void test_index_fits_its_plan_exactly(void)
{
    size_t len;
    unsigned char *b = tiny("qwen3", &len);
    clk_gguf_header h;
    clk_gguf g;
    clk_err e;
    clk_arena a;
    uint64_t need;
    CHECK_OK(clk_gguf_peek(b, len, &h, &e), e);
    need = clk_plan_round(clk_gguf_index_bytes(&h));
    clk_arena_init(&a, arena_mem, (size_t)need);
    CHECK_OK(clk_gguf_parse(&g, b, len, &a, &e), e);
    CHECK_EQ(a.used, need);
    clk_arena_init(&a, arena_mem, (size_t)need - 1);
    CHECK(clk_gguf_parse(&g, b, len, &a, &e) == CLK_E_NOMEM && strstr(e.msg, "'gguf index'"));
    {
        clk_plan p;
        clk_plan_init(&p);
        clk_gguf_plan(&h, &p);
        CHECK_EQ(p.total, need);
        CHECK_STR(p.line[0].name, "gguf index");
    }
    free(b);
}

/* A file with gaps between tensors (offsets in order, not contiguous) is
 * accepted: only order and non-overlap are required. */
static void test_gaps_between_tensors_accepted(void)
{
    size_t len, d, n, t, o, i;
    unsigned char *b = tiny("llama", &len);
    clk_gguf g;
    clk_err e;
    unsigned char *big;
    /* move the last tensor 64 bytes later and grow the file by 64 */
    clk_gguf g0;
    unsigned char *copy;
    CHECK_OK(parse_copy(b, len, &g0, &e, &copy), e);
    big = (unsigned char *)calloc(1, len + 64);
    memcpy(big, b, len);
    {
        char name[CLK_MAX_NAME];
        const clk_gguf_tensor *last = &g0.tensors[g0.n_tensors - 1];
        memcpy(name, last->name.p, (size_t)last->name.n);
        name[last->name.n] = 0;
        CHECK(fx_find_info(big, len, name, &d, &n, &t, &o));
        fx_put64(big + o, last->offset + 64);
        for (i = 0; i < last->nbytes; i++) big[g0.data_offset + last->offset + 64 + i] = b[g0.data_offset + last->offset + i];
    }
    CHECK_OK(parse_copy(big, len + 64, &g, &e, NULL), e);
    free(copy);
    free(big);
    free(b);
}

/* ------------------------------------------------------------ mmap / read */

static void test_mmap_and_read_paths_agree(void)
{
    char path[64];
    size_t len;
    unsigned char *b = tiny("gemma3", &len), head[24];
    FILE *fp;
    clk_map mm, rm;
    clk_oserr os;
    clk_gguf gm, gr;
    clk_gguf_header h;
    clk_err e;
    clk_arena a1, a2;
    static unsigned char mem2[1 << 16] __attribute__((aligned(64)));
    uint64_t got, i;
    void *filebuf;

    snprintf(path, sizeof path, "build/test_gguf_%ld.gguf", (long)getpid());
    fp = fopen(path, "wb");
    CHECK(fp != NULL);
    if (!fp) return;
    CHECK_EQ(fwrite(b, 1, len, fp), len);
    fclose(fp);

    /* mmap */
    CHECK_EQ(clk_sys_map(path, &mm, &os), 0);
    clk_arena_init(&a1, arena_mem, sizeof arena_mem);
    CHECK_OK(clk_gguf_parse(&gm, mm.data, mm.size, &a1, &e), e);

    /* read: header first (for the plan), then the file into an arena line */
    CHECK_EQ(clk_sys_read_head(path, head, sizeof head, &got, &os), 0);
    CHECK_EQ(got, 24);
    CHECK_OK(clk_gguf_peek_file(head, got, len, &h, &e), e);
    clk_arena_init(&a2, mem2, sizeof mem2);
    CHECK_OK(clk_arena_alloc(&a2, len, "model file", &filebuf, &e), e);
    CHECK_EQ(clk_sys_read(path, filebuf, len, &rm, &os), 0);
    CHECK_EQ(rm.size, len);
    CHECK_OK(clk_gguf_parse(&gr, rm.data, rm.size, &a2, &e), e);
    /* the arena holds exactly the planned lines: file + index */
    CHECK_EQ(a2.used, clk_plan_round(len) + clk_plan_round(clk_gguf_index_bytes(&h)));

    CHECK_EQ(gm.n_kv, gr.n_kv);
    CHECK_EQ(gm.n_tensors, gr.n_tensors);
    for (i = 0; i < gm.n_tensors && i < gr.n_tensors; i++) {
        CHECK(gm.tensors[i].nbytes == gr.tensors[i].nbytes);
        CHECK(!memcmp(gm.tensors[i].data, gr.tensors[i].data, (size_t)gm.tensors[i].nbytes));
    }
    /* a planned buffer one byte short is refused */
    CHECK(clk_sys_read(path, filebuf, len - 1, &rm, &os) == -1);
    CHECK(strstr(os.msg, "larger than") != NULL);
    clk_sys_unmap(&mm);
    remove(path);
    free(b);
}

/* --------------------------------------------------- shared files parse */

static void test_shared_files_parse(void)
{
    static const char *const files[] = {
        "models/llama-f32.gguf",       "models/llama-f16.gguf",        "models/llama-bf16.gguf",
        "models/llama-q8_0.gguf",      "models/llama-q4_0.gguf",       "models/llama-q4_1.gguf",
        "models/llama-q5_0.gguf",      "models/llama-q5_1.gguf",       "models/llama-q4_k_m.gguf",
        "models/llama-q5_k_m.gguf",    "models/llama-q6_k.gguf",       "models/qwen2-f16.gguf",
        "models/qwen2-q8_0.gguf",      "models/qwen2-q4_k_m.gguf",     "models/qwen3-f16.gguf",
        "models/qwen3-q8_0.gguf",      "models/qwen3-q4_k_m.gguf",     "models/gemma3-f16.gguf",
        "models/gemma3-q8_0.gguf",     "models/gemma3-q4_k_m.gguf",    "models/gemma2-f16.gguf",
        "models/gemma2-q8_0.gguf",     "models/gemma2-q4_k_m.gguf",    "models/stories260k-f32.gguf",
        "models/stories260k-q8_0.gguf", "vocab/ggml-vocab-qwen2.gguf", "vocab/ggml-vocab-llama-bpe.gguf",
        "vocab/ggml-vocab-gemma3.gguf", "vocab/ggml-vocab-llama-spm.gguf", "vocab/ggml-vocab-gpt-2.gguf"};
    const char *sh = t_shared();
    size_t i;
    if (!sh) SKIP("../shared not present");
    for (i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[1100];
        clk_map m;
        clk_oserr os;
        clk_gguf g;
        clk_err e;
        clk_arena a;
        snprintf(path, sizeof path, "%s/%s", sh, files[i]);
        CHECK_MSG(clk_sys_map(path, &m, &os) == 0, "%s", os.msg);
        clk_arena_init(&a, arena_mem, sizeof arena_mem);
        CHECK_MSG(clk_gguf_parse(&g, m.data, m.size, &a, &e) == CLK_OK, "%s: %s", files[i], e.msg);
        /* llama.cpp's stricter rule holds too: offsets exactly contiguous after padding */
        {
            uint64_t k, expect = 0;
            for (k = 0; k < g.n_tensors; k++) {
                CHECK_MSG(g.tensors[k].offset == expect, "%s: tensor %llu offset", files[i], (unsigned long long)k);
                expect += (g.tensors[k].nbytes + g.alignment - 1) / g.alignment * g.alignment;
            }
        }
        clk_sys_unmap(&m);
    }
}

int main(int argc, char **argv)
{
    TEST_INIT(argc, argv);
    RUN(test_roundtrip_every_type);
    RUN(test_writer_checks_order_and_counts);
    RUN(test_kv_copy_reproduces_metadata);
    RUN(test_truncated_at_every_byte);
    RUN(test_bad_magic_and_versions);
    RUN(test_counts_checked_before_use);
    RUN(test_metadata_faults);
    RUN(test_duplicates_and_alignment);
    RUN(test_tensor_faults);
    RUN(test_index_fits_its_plan_exactly);
    RUN(test_gaps_between_tensors_accepted);
    RUN(test_mmap_and_read_paths_agree);
    RUN(test_shared_files_parse);
    return TEST_DONE();
}
