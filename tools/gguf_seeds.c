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

/* GPT-2's byte -> printable character map: printable Latin-1 bytes stand
 * for themselves, the other 68 bytes for U+0100.. in order. */
static void byte_char(int b, char *out)
{
    int cp, n = 0, k;
    if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255)) {
        cp = b;
    } else {
        for (k = 0; k < b; k++)
            if (!((k >= 33 && k <= 126) || (k >= 161 && k <= 172) || (k >= 174 && k <= 255))) n++;
        cp = 256 + n;
    }
    clk_utf8_encode((uint32_t)cp, (unsigned char *)out)[out] = 0;
}

static char bpe_text[260][8];
static const char *bpe_tokens[264];
static int32_t bpe_types[264];
static const char *const bpe_merges[3] = {"\xc4\xa0 t", "h e", "\xc4\xa0t he"};

static char spm_text[256][8];
static const char *spm_tokens[3 + 256 + 8];
static float spm_scores[3 + 256 + 8];
static int32_t spm_types[3 + 256 + 8];

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
    /* byte-level BPE: 256 byte characters, 3 merges and their results, an end token */
    {
        int b;
        memset(&f, 0, sizeof f);
        f.version = 3;
        for (b = 0; b < 256; b++) {
            byte_char(b, bpe_text[b]);
            bpe_tokens[b] = bpe_text[b];
            bpe_types[b] = 1;
        }
        bpe_tokens[256] = "\xc4\xa0t";
        bpe_tokens[257] = "he";
        bpe_tokens[258] = "\xc4\xa0the";
        bpe_tokens[259] = "<|endoftext|>";
        bpe_types[256] = bpe_types[257] = bpe_types[258] = 1;
        bpe_types[259] = 3;
        fx_set_str(&f, "general.architecture", "qwen2");
        fx_set_str(&f, "tokenizer.ggml.model", "gpt2");
        fx_set_str(&f, "tokenizer.ggml.pre", "qwen2");
        fx_set_arr(&f, "tokenizer.ggml.tokens", CLK_GGUF_STRING, 260, bpe_tokens);
        fx_set_arr(&f, "tokenizer.ggml.token_type", CLK_GGUF_I32, 260, bpe_types);
        fx_set_arr(&f, "tokenizer.ggml.merges", CLK_GGUF_STRING, 3, bpe_merges);
        fx_set_u32(&f, "tokenizer.ggml.bos_token_id", 259);
        fx_set_u32(&f, "tokenizer.ggml.eos_token_id", 259);
        bad |= save(argv[1], "vocab-bpe.gguf", &f);
    }
    /* SPM with scores, token types and all 256 byte tokens */
    {
        static const char *const pieces[8] = {"\xe2\x96\x81", "\xe2\x96\x81H", "ello", "\xe2\x96\x81w", "orld", "1", "2", "3"};
        int k;
        memset(&f, 0, sizeof f);
        f.version = 3;
        spm_tokens[0] = "<unk>";
        spm_tokens[1] = "<s>";
        spm_tokens[2] = "</s>";
        spm_types[0] = 2;
        spm_types[1] = spm_types[2] = 3;
        for (k = 0; k < 256; k++) { /* byte fallback tokens <0x00>..<0xFF> */
            snprintf(spm_text[k], sizeof spm_text[k], "<0x%02X>", k);
            spm_tokens[3 + k] = spm_text[k];
            spm_types[3 + k] = 6;
        }
        for (k = 0; k < 8; k++) {
            spm_tokens[259 + k] = pieces[k];
            spm_types[259 + k] = 1;
        }
        for (k = 0; k < 267; k++) spm_scores[k] = -(float)k;
        fx_set_str(&f, "general.architecture", "llama");
        fx_set_str(&f, "tokenizer.ggml.model", "llama");
        fx_set_arr(&f, "tokenizer.ggml.tokens", CLK_GGUF_STRING, 267, spm_tokens);
        fx_set_arr(&f, "tokenizer.ggml.scores", CLK_GGUF_F32, 267, spm_scores);
        fx_set_arr(&f, "tokenizer.ggml.token_type", CLK_GGUF_I32, 267, spm_types);
        fx_set_u32(&f, "tokenizer.ggml.bos_token_id", 1);
        fx_set_u32(&f, "tokenizer.ggml.eos_token_id", 2);
        fx_set_u32(&f, "tokenizer.ggml.unknown_token_id", 0);
        {
            fx_kv *kb = fx_kv_slot(&f, "tokenizer.ggml.add_bos_token");
            kb->type = CLK_GGUF_BOOL;
            kb->u = 1;
        }
        bad |= save(argv[1], "vocab-spm.gguf", &f);
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
