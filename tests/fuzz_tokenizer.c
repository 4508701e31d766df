/*
 * fuzz_tokenizer.c - libFuzzer target for the tokenizer.
 *
 *     make fuzz          (clang: builds build/fuzz/fuzz_tokenizer and runs it briefly)
 *     build/fuzz/fuzz_tokenizer [-max_total_time=60] [CORPUS_DIR]
 *
 * It links the library sources (all of src/ but main.c, and port/ref.c,
 * port/sys_posix.c) with -fsanitize=fuzzer,address,undefined. Built with -DCLK_FUZZ_MAIN instead of -fsanitize=fuzzer it
 * is a plain program that runs the files named on its command line, or
 * 20000 pseudo-random inputs without arguments (for compilers without
 * libFuzzer).
 *
 * Input byte 0 chooses what to do with the rest:
 *   - if the input starts with "GGUF", the whole input is a GGUF file: it is
 *     parsed, its tokenizer loaded, and a fixed text tokenized (malformed
 *     tokenizer metadata must be a clean error, never a crash);
 *   - else bits 0-2 choose one of the hand-built vocabularies of
 *     tests/tok_vocab.h (or $CLK_FUZZ_VOCAB, a GGUF file, when set), bit 3
 *     add_special, bit 4 parse_special; the rest is the text.
 * Checked: encoding succeeds (or, for BPE, fails only with CLK_E_FORMAT on a
 * code point above U+10FFFF), every id is in the vocabulary, at most
 * clk_tok_max_tokens ids; the pre-tokens cover the text exactly; decoding
 * succeeds; and where the vocabulary can represent the text, decode(encode)
 * gives it back byte for byte (BPE and SentencePiece: valid UTF-8, no literal
 * U+2581, no special token followed by a space prefix). A failed check
 * aborts (the fuzzer reports it).
 */
#include "tok_vocab.h"

#include <stdint.h>

#define FZ_MAX_TEXT 4096
#define FZ_NV 5

static tv_loaded fz_vocab[FZ_NV + 1];
static int fz_n, fz_ready;
static int32_t fz_ids[6 * FZ_MAX_TEXT + 8];
static char fz_out[3 * FZ_MAX_TEXT + 1024];
static uint32_t fz_cut[FZ_MAX_TEXT + 1];

static void fz_fail(const char *what, const uint8_t *text, size_t len)
{
    fprintf(stderr, "fuzz_tokenizer: %s (text of %zu bytes: '%.*s')\n", what, len, (int)(len > 200 ? 200 : len),
            (const char *)text);
    abort();
}

static void fz_setup(void)
{
    clk_err e;
    const char *extra = getenv("CLK_FUZZ_VOCAB");
    if (tv_bpe(&fz_vocab[0], "qwen2", 0, FZ_MAX_TEXT, &e) != CLK_OK || /* closed merges: by ids */
        tv_bpe(&fz_vocab[1], "default", 1, FZ_MAX_TEXT, &e) != CLK_OK || /* open merges: by text */
        tv_bpe(&fz_vocab[2], "llama-bpe", 0, FZ_MAX_TEXT, &e) != CLK_OK ||
        tv_spm(&fz_vocab[3], 1, FZ_MAX_TEXT, &e) != CLK_OK || tv_spm(&fz_vocab[4], 0, FZ_MAX_TEXT, &e) != CLK_OK) {
        fprintf(stderr, "fuzz_tokenizer: cannot build the vocabularies: %s\n", e.msg);
        abort();
    }
    fz_n = FZ_NV;
    if (extra) {
        if (tv_load_file(&fz_vocab[FZ_NV], extra, FZ_MAX_TEXT, &e) != CLK_OK) {
            fprintf(stderr, "fuzz_tokenizer: %s: %s\n", extra, e.msg);
            abort();
        }
        fz_n = FZ_NV + 1;
    }
    fz_ready = 1;
}

static int has(const uint8_t *t, size_t n, const char *s)
{
    size_t k = strlen(s), i;
    for (i = 0; i + k <= n; i++)
        if (!memcmp(t + i, s, k)) return 1;
    return 0;
}

/* The whole input as a GGUF file with a tokenizer. */
static void fz_gguf(const uint8_t *data, size_t size)
{
    static const char text[] = "Hello world, \xe4\xb8\xad\xe6\x96\x87 <s> 123 \xff!";
    tv_loaded L;
    clk_err e;
    unsigned char *copy = (unsigned char *)malloc(size ? size : 1);
    size_t n, i;
    memcpy(copy, data, size);
    if (tv_load(&L, copy, size, 256, &e) == CLK_OK) {
        clk_status s = clk_tok_encode(&L.t, text, sizeof text - 1, 1, 1, fz_ids, sizeof fz_ids / sizeof fz_ids[0], &n, &e);
        if (s != CLK_OK && s != CLK_E_DATA && s != CLK_E_LIMIT) fz_fail("encode with a fuzzed vocabulary", data, 0);
        if (L.used != L.planned) fz_fail("arena use differs from the plan", data, 0);
        for (i = 0; s == CLK_OK && i < n; i++)
            if (fz_ids[i] < 0 || fz_ids[i] >= L.t.n_vocab) fz_fail("id out of range (fuzzed vocabulary)", data, 0);
        if (s == CLK_OK) clk_tok_decode(&L.t, fz_ids, n, CLK_TOK_DEC_SPECIAL, fz_out, sizeof fz_out, &n, &e);
    }
    tv_free(&L); /* frees copy */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tv_loaded *L;
    clk_err e;
    const uint8_t *text;
    size_t len, n, i, dl, sum;
    int add, parse, sel;
    clk_status s;
    if (size >= 4 && !memcmp(data, "GGUF", 4)) {
        fz_gguf(data, size);
        return 0;
    }
    if (!fz_ready) fz_setup();
    if (size < 1) return 0;
    sel = data[0];
    L = &fz_vocab[(sel & 7) % fz_n];
    add = (sel >> 3) & 1;
    parse = (sel >> 4) & 1;
    text = data + 1;
    len = size - 1 > FZ_MAX_TEXT ? FZ_MAX_TEXT : size - 1;

    s = clk_tok_encode(&L->t, (const char *)text, len, add, parse, fz_ids, sizeof fz_ids / sizeof fz_ids[0], &n, &e);
    if (s == CLK_E_FORMAT && L->t.kind == CLK_TOK_BPE) return 0; /* a code point above U+10FFFF */
    if (s != CLK_OK) fz_fail(e.msg, text, len);
    if (n > clk_tok_max_tokens(len)) fz_fail("more ids than clk_tok_max_tokens", text, len);
    for (i = 0; i < n; i++)
        if (fz_ids[i] < 0 || fz_ids[i] >= L->t.n_vocab) fz_fail("id out of range", text, len);

    if (clk_tok_split(&L->t, (const char *)text, len, fz_cut, sizeof fz_cut / sizeof fz_cut[0], &n, &e) == CLK_OK) {
        for (i = 0, sum = 0; i < n; i++) {
            if (fz_cut[i] == 0) fz_fail("empty pre-token", text, len);
            sum += fz_cut[i];
        }
        if (sum != len) fz_fail("pre-tokens do not cover the text", text, len);
    }

    s = clk_tok_encode(&L->t, (const char *)text, len, add, parse, fz_ids, sizeof fz_ids / sizeof fz_ids[0], &n, &e);
    if (clk_tok_decode(&L->t, fz_ids, n, 0, fz_out, sizeof fz_out, &dl, &e) != CLK_OK) fz_fail(e.msg, text, len);
    if (clk_tok_decode(&L->t, fz_ids, n, CLK_TOK_DEC_SPECIAL | CLK_TOK_DEC_NO_CLEAN, fz_out, sizeof fz_out, &dl, &e) !=
        CLK_OK)
        fz_fail(e.msg, text, len);

    /* round trips where the vocabulary can represent the text */
    if (!add && L == &fz_vocab[0] && clk_utf8_valid_prefix(text, len) == len) {
        if (dl != len || memcmp(fz_out, text, len)) fz_fail("BPE round trip", text, len);
    }
    if (!add && (L == &fz_vocab[3] || L == &fz_vocab[4]) && clk_utf8_valid_prefix(text, len) == len &&
        !has(text, len, "\xe2\x96\x81")) {
        /* (invalid lead bytes may swallow part of an escaped space, and a
         * space prefix follows special tokens: llama.cpp does the same) */
        int specials = has(text, len, "<b>") || (parse && (has(text, len, "<s>") || has(text, len, "</s>") ||
                                                           has(text, len, "<unk>")));
        if ((L == &fz_vocab[4] || !specials) && (dl != len || memcmp(fz_out, text, len)))
            fz_fail("SPM round trip", text, len);
    }
    return 0;
}

#ifdef CLK_FUZZ_MAIN
int main(int argc, char **argv)
{
    static uint8_t buf[FZ_MAX_TEXT + 2];
    static const char *const bits[] = {"a", " ", "  ", "\n", "\r\n", "\t", "he", "llo", " world", "aa", "x", "y", "1",
                                       "23", "'s", "'M", "<b>", "<s>", "</s>", "<|end|>", "<think>", "<unused0>",
                                       "\xe2\x96\x81", "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\xcc\x81",
                                       "\xff", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe4\xb8", "\x80",
                                       "\xd9\xa3", "\xef\xbc\x91", "!?", "$+", "`"};
    int i;
    if (argc > 1) {
        for (i = 1; i < argc; i++) {
            FILE *f = fopen(argv[i], "rb");
            size_t n;
            if (!f) {
                fprintf(stderr, "cannot open %s\n", argv[i]);
                return 2;
            }
            n = fread(buf, 1, sizeof buf, f);
            fclose(f);
            LLVMFuzzerTestOneInput(buf, n);
        }
        printf("%d inputs ok\n", argc - 1);
        return 0;
    }
    {
        uint32_t x = 12345;
        for (i = 0; i < 20000; i++) {
            size_t n = 0;
            int k, parts;
            x = x * 1103515245u + 12345u;
            buf[n++] = (uint8_t)(x >> 16);
            parts = (int)((x >> 8) % 24);
            for (k = 0; k < parts; k++) {
                const char *b;
                size_t bl;
                x = x * 1103515245u + 12345u;
                b = bits[(x >> 16) % (sizeof bits / sizeof bits[0])];
                bl = strlen(b);
                if (n + bl > sizeof buf) break;
                memcpy(buf + n, b, bl);
                n += bl;
            }
            LLVMFuzzerTestOneInput(buf, n);
        }
        printf("20000 pseudo-random inputs ok\n");
    }
    return 0;
}
#endif
