/*
 * gguf_seeds.c - writes the seed corpus for the GGUF fuzzer (make fuzz):
 * a tiny model of each architecture, a vocabulary-only file, a file with
 * every metadata type and a nested array, and a model with custom
 * alignment. All made with the writer through tests/gguf_fixture.h, so the
 * corpus is small, our own, and regenerated on every run.
 *
 *     gguf_seeds DIR
 */
#include "../tests/gguf_fixture.h"

static int save(const char *dir, const char *name, const fx_file *f)
{
    char path[1024];
    size_t len;
    unsigned char *b = fx_write(f, &len);
    FILE *fp;
    if (!b) return 1;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fp = fopen(path, "wb");
    if (!fp || fwrite(b, 1, len, fp) != len) {
        fprintf(stderr, "gguf_seeds: cannot write %s\n", path);
        if (fp) fclose(fp);
        free(b);
        return 1;
    }
    fclose(fp);
    free(b);
    return 0;
}

static fx_file f;

int main(int argc, char **argv)
{
    static const char *const archs[] = {"llama", "qwen2", "qwen3", "gemma2", "gemma3"};
    static const int32_t heads[1] = {4};
    static const double f64s[2] = {0.5, -2.0};
    static const uint16_t u16s[3] = {1, 2, 3};
    size_t i;
    int bad = 0;
    char name[64];
    if (argc != 2) {
        fprintf(stderr, "usage: gguf_seeds DIR\n");
        return 2;
    }
    for (i = 0; i < sizeof archs / sizeof archs[0]; i++) {
        fx_spec s = fx_default(archs[i]);
        s.n_layer = 1;
        s.n_ff = 32;
        s.wtype = CLK_T_Q4_0; /* 18 bytes per 32-element row: small seeds */
        if (!strcmp(archs[i], "gemma3") || !strcmp(archs[i], "gemma2")) {
            s.n_swa = 16;
            s.swa_pattern = 2;
        }
        fx_model(&f, &s);
        snprintf(name, sizeof name, "model-%s.gguf", archs[i]);
        bad |= save(argv[1], name, &f);
    }
    /* vocabulary only, with a per-layer array and a custom alignment */
    {
        fx_spec s = fx_default("qwen2");
        s.n_layer = 1;
        fx_model(&f, &s);
        f.n_t = 0;
        fx_set_arr(&f, "qwen2.attention.head_count", CLK_GGUF_I32, 1, heads);
        fx_set_u32(&f, "general.alignment", 64);
        bad |= save(argv[1], "vocab-only.gguf", &f);
    }
    /* every scalar type and a few arrays, version 2 */
    {
        fx_spec s = fx_default("llama");
        s.n_layer = 1;
        s.n_ff = 32;
        s.wtype = CLK_T_F16;
        fx_model(&f, &s);
        f.version = 2;
        fx_set_int(&f, "t.u8", CLK_GGUF_U8, 7);
        fx_set_int(&f, "t.i8", CLK_GGUF_I8, 0xF0);
        fx_set_int(&f, "t.u16", CLK_GGUF_U16, 65535);
        fx_set_int(&f, "t.i16", CLK_GGUF_I16, 0x8000);
        fx_set_int(&f, "t.i32", CLK_GGUF_I32, 0xFFFFFFFF);
        fx_set_int(&f, "t.u64", CLK_GGUF_U64, 1ull << 40);
        fx_set_int(&f, "t.i64", CLK_GGUF_I64, (uint64_t)-5);
        fx_set_int(&f, "t.bool", CLK_GGUF_BOOL, 1);
        {
            fx_kv *k = fx_kv_slot(&f, "t.f64");
            k->type = CLK_GGUF_F64;
            k->f = 3.25;
        }
        fx_set_arr(&f, "a.f64", CLK_GGUF_F64, 2, f64s);
        fx_set_arr(&f, "a.u16", CLK_GGUF_U16, 3, u16s);
        bad |= save(argv[1], "types-v2.gguf", &f);
    }
    /* a nested array: [[1, 2], [3]] (u8), written as raw bytes */
    {
        clk_gguf_writer w;
        clk_err e;
        uint8_t raw[12 + 2 * 12 + 3], out[256];
        FILE *fp;
        char path[1024];
        memset(raw, 0, sizeof raw);
        fx_put32(raw, CLK_GGUF_ARRAY);
        fx_put64(raw + 4, 2);
        fx_put32(raw + 12, CLK_GGUF_U8);
        fx_put64(raw + 16, 2);
        raw[24] = 1;
        raw[25] = 2;
        fx_put32(raw + 26, CLK_GGUF_U8);
        fx_put64(raw + 30, 1);
        raw[38] = 3;
        clk_gguf_w_init_buf(&w, out, sizeof out, &e);
        if (clk_gguf_w_begin(&w, 3, 2, 0) != CLK_OK || clk_gguf_w_str(&w, "general.architecture", "llama") != CLK_OK ||
            clk_gguf_w_raw(&w, "nested", CLK_GGUF_ARRAY, raw, sizeof raw) != CLK_OK || clk_gguf_w_finish(&w) != CLK_OK) {
            fprintf(stderr, "gguf_seeds: %s\n", e.msg);
            return 1;
        }
        snprintf(path, sizeof path, "%s/nested.gguf", argv[1]);
        fp = fopen(path, "wb");
        if (!fp || fwrite(out, 1, (size_t)w.pos, fp) != w.pos) bad = 1;
        if (fp) fclose(fp);
    }
    return bad;
}
