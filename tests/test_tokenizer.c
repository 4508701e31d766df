/* test_tokenizer.c - the tokenizer against llama.cpp (34af94cd).
 *
 * Without ../shared: small vocabularies built by hand (tests/tok_vocab.h),
 * written as GGUF and parsed back, whose expected ids were worked out from
 * the algorithm and confirmed with llama.cpp on the same files: BPE merge
 * order and ties, merges keyed by text when the merge list is not closed,
 * the special-token partition, llama.cpp's attribute fix-ups, invalid
 * UTF-8, every pre-tokenizer (clk_tok_split), SentencePiece scores, ties,
 * byte fallback and space prefix, decoding and its clean-up, round trips,
 * the limits and error messages, the exactness of the memory plan, and the
 * `clika tokenize` command.
 *
 * With ../shared: every golden file of ../shared/vocab (llama.cpp's own
 * vectors, the multilingual, chat and bos sets) with the flags its README
 * gives, our own ten-language strings (fixtures/tokenizer/own.inp, goldens
 * from llama-tokenize, see fixtures/tokenizer/README.md) for eight
 * vocabularies, the token ids of ../shared/models/MANIFEST.md, and round
 * trips of all those strings. */
#include "test.h"
#include "tok_vocab.h"

#define MAXT 4096

static char msgbuf[8192];

/* ids as " 1 2 3" (the .out format) */
static const char *ids_str(const int32_t *ids, size_t n)
{
    size_t i, k = 0;
    msgbuf[0] = 0;
    for (i = 0; i < n && k + 16 < sizeof msgbuf; i++) k += (size_t)snprintf(msgbuf + k, sizeof msgbuf - k, " %ld", (long)ids[i]);
    return msgbuf;
}

/* Encode and compare with the expected ids. */
static void enc_check(tv_loaded *L, const char *text, size_t len, int add, int parse, const int32_t *want, size_t nw,
                      int line)
{
    static int32_t ids[MAXT * 8];
    size_t n = 0, i;
    clk_err e;
    clk_status s = clk_tok_encode(&L->t, text, len, add, parse, ids, sizeof ids / sizeof ids[0], &n, &e);
    int ok = s == CLK_OK && n == nw;
    for (i = 0; ok && i < n; i++) ok = ids[i] == want[i];
    CHECK_MSG(ok, "line %d: '%.*s' (add %d, parse %d): got%s%s", line, (int)len, text, add, parse,
              s == CLK_OK ? ids_str(ids, n) : " error: ", s == CLK_OK ? "" : e.msg);
}

#define ENC(L, text, add, parse, ...)                                                                 \
    do {                                                                                             \
        static const int32_t w_[] = {__VA_ARGS__};                                                   \
        enc_check((L), (text), sizeof(text) - 1, (add), (parse), w_, sizeof w_ / sizeof w_[0], __LINE__); \
    } while (0)
#define ENC_NONE(L, text, add, parse) enc_check((L), (text), sizeof(text) - 1, (add), (parse), NULL, 0, __LINE__)

/* Decode ids and compare with the expected text. */
static void dec_check(tv_loaded *L, const int32_t *ids, size_t n, int flags, const char *want, int line)
{
    char out[1024];
    size_t len = 0;
    clk_err e;
    clk_status s = clk_tok_decode(&L->t, ids, n, flags, out, sizeof out, &len, &e);
    CHECK_MSG(s == CLK_OK && len == strlen(want) && !memcmp(out, want, len), "line %d: decoded '%s', want '%s' (%s)",
              line, s == CLK_OK ? out : "", want, s == CLK_OK ? "ok" : e.msg);
}
#define DEC(L, flags, want, ...)                                                 \
    do {                                                                        \
        static const int32_t i_[] = {__VA_ARGS__};                              \
        dec_check((L), i_, sizeof i_ / sizeof i_[0], (flags), (want), __LINE__); \
    } while (0)

/* Encode then decode; 1 if the text comes back byte for byte. */
static int round_trip(tv_loaded *L, const char *text, size_t len, int flags)
{
    static int32_t ids[MAXT * 8];
    static char out[MAXT * 4];
    size_t n, dl;
    clk_err e;
    if (clk_tok_encode(&L->t, text, len, 0, 0, ids, sizeof ids / sizeof ids[0], &n, &e) != CLK_OK) return 0;
    if (clk_tok_decode(&L->t, ids, n, flags, out, sizeof out, &dl, &e) != CLK_OK) return 0;
    return dl == len && !memcmp(out, text, len);
}

/* ======================================================= hand-built BPE */

static void test_bpe_merges_in_rank_order(void)
{
    tv_loaded L;
    clk_err e;
    CHECK_OK(tv_bpe(&L, "qwen2", 0, MAXT, &e), e);
    CHECK_EQ(L.t.kind, CLK_TOK_BPE);
    CHECK_EQ(L.t.n_vocab, 271);
    CHECK_EQ(L.t.merge_by_id, 1); /* every part and result is a token */
    CHECK_EQ(L.used, L.planned);  /* the plan is exact */
    ENC(&L, "hello world", 0, 0, 259, 264); /* h+e, l+l, he+ll, hell+o; Ġ+w, o+r, Ġw+or, ... */
    ENC(&L, "aaa", 0, 0, 265, 97);          /* equal ranks: the leftmost pair first */
    ENC(&L, "aaaa", 0, 0, 265, 265);
    ENC(&L, "hello  world\n\nok", 0, 0, 259, 32, 264, 10, 10, 111, 107);
    ENC(&L, "123", 0, 0, 49, 50, 51); /* qwen2: one digit per pre-token */
    ENC(&L, "I'M here", 0, 0, 73, 39, 77, 32, 256, 114, 101);
    ENC_NONE(&L, "", 1, 1); /* no BOS for this pre-tokenizer without the key */
    tv_free(&L);
}

static void test_bpe_merges_keyed_by_text_when_not_closed(void)
{
    tv_loaded L;
    clk_err e;
    CHECK_OK(tv_bpe(&L, "qwen2", 1, MAXT, &e), e);
    CHECK_EQ(L.t.merge_by_id, 0); /* "x y" merges into "xy", which is no token */
    CHECK_EQ(L.used, L.planned);
    ENC(&L, "hello world", 0, 0, 259, 264);
    ENC(&L, "aaa", 0, 0, 265, 97);
    ENC(&L, "xy", 0, 0, 120, 121); /* the merged symbol is not a token: emitted byte by byte */
    ENC(&L, "x y", 0, 0, 120, 32, 121);
    tv_free(&L);
}

static void test_bpe_special_token_partition(void)
{
    tv_loaded L;
    clk_err e;
    CHECK_OK(tv_bpe(&L, "qwen2", 0, MAXT, &e), e);
    /* USER_DEFINED <think> is cut out with or without parse_special */
    ENC(&L, "hello<think>hello", 0, 0, 259, 267, 259);
    ENC(&L, "hello<think>hello", 0, 1, 259, 267, 259);
    /* CONTROL <|end|> only with parse_special */
    ENC(&L, "<|end|>", 0, 0, 60, 124, 101, 110, 100, 124, 62);
    ENC(&L, "<|end|>", 0, 1, 266);
    ENC(&L, "<|im_end|>hello", 0, 1, 269, 259);
    ENC(&L, "<|end|><|end|>x<think><think>", 0, 1, 266, 266, 120, 267, 267);
    tv_free(&L);
}

static void test_bpe_load_time_attribute_fixups(void)
{
    tv_loaded L;
    clk_err e;
    CHECK_OK(tv_bpe(&L, "qwen2", 0, MAXT, &e), e);
    /* "</s>" is NORMAL in the file; llama.cpp's EOG list makes it CONTROL */
    CHECK_EQ(clk_tok_type(&L.t, 268), CLK_TOKTYPE_CONTROL);
    CHECK(clk_tok_is_eog(&L.t, 268));
    ENC(&L, "</s>", 0, 0, 60, 47, 115, 62);
    ENC(&L, "</s>", 0, 1, 268);
    /* <|im_end|> is found as the end-of-turn token; EOS 266 ends generation too */
    CHECK_EQ(clk_tok_eot(&L.t), 269);
    CHECK(clk_tok_is_eog(&L.t, 269));
    CHECK(clk_tok_is_eog(&L.t, 266));
    CHECK(!clk_tok_is_eog(&L.t, 267));
    CHECK(!clk_tok_is_eog(&L.t, 259));
    /* CONTROL tokens named "unused" are UNUSED too, and still matched */
    CHECK((clk_tok_attr(&L.t, 270) & (CLK_TOKATTR_CONTROL | CLK_TOKATTR_UNUSED)) ==
          (CLK_TOKATTR_CONTROL | CLK_TOKATTR_UNUSED));
    ENC(&L, "<unused0>", 0, 1, 270);
    CHECK_EQ(clk_tok_type(&L.t, 267), CLK_TOKTYPE_USER_DEFINED);
    CHECK_EQ(clk_tok_type(&L.t, 259), CLK_TOKTYPE_NORMAL);
    CHECK_EQ(clk_tok_type(&L.t, 9999), CLK_TOKTYPE_UNDEFINED);
    CHECK_EQ(clk_tok_find(&L.t, "hello", 5), 259);
    CHECK_EQ(clk_tok_find(&L.t, "hellO", 5), -1);
    tv_free(&L);
}

static void test_bpe_invalid_utf8_as_llama_cpp(void)
{
    tv_loaded L;
    clk_err e;
    int32_t ids[16];
    size_t n;
    CHECK_OK(tv_bpe(&L, "qwen2", 0, MAXT, &e), e);
    ENC(&L, "\xff", 0, 0, 239, 191, 189);             /* an invalid byte is U+FFFD (EF BF BD) */
    ENC(&L, "a\xe4\xb8", 0, 0, 97, 239, 191, 189, 239, 191, 189); /* a truncated sequence: one each */
    ENC(&L, "a\xc0\x80" "b", 0, 0, 97, 0, 98);        /* overlong NUL decodes to U+0000 */
    ENC(&L, "\xed\xa0\x80", 0, 0, 237, 160, 128);     /* a surrogate is kept as its 3 bytes */
    /* above U+10FFFF llama.cpp aborts; here it is an error naming the byte */
    CHECK_EQ(clk_tok_encode(&L.t, "ab\xf4\x90\x80\x80", 6, 0, 0, ids, 16, &n, &e), CLK_E_FORMAT);
    CHECK(strstr(e.msg, "byte 2") != NULL);
    tv_free(&L);
}

/* The pieces clk_tok_split cuts text into, as "a|b|c". */
static void split_check(const char *pre, const char *text, const char *want, int line)
{
    tv_loaded L;
    clk_err e;
    uint32_t cut[256];
    size_t n = 0, i, o = 0, k = 0;
    char got[1024];
    if (tv_bpe(&L, pre, 0, MAXT, &e) != CLK_OK || clk_tok_split(&L.t, text, strlen(text), cut, 256, &n, &e) != CLK_OK) {
        CHECK_MSG(0, "line %d: %s", line, e.msg);
        tv_free(&L);
        return;
    }
    for (i = 0; i < n; i++) {
        if (i) got[k++] = '|';
        memcpy(got + k, text + o, cut[i]);
        k += cut[i];
        o += cut[i];
    }
    got[k] = 0;
    CHECK_MSG(!strcmp(got, want) && o == strlen(text), "line %d: %s split '%s' into '%s', want '%s'", line, pre, text,
              got, want);
    tv_free(&L);
}
#define SPLIT(pre, text, want) split_check(pre, text, want, __LINE__)

static void test_pretokenizers(void)
{
    /* qwen2: single digits, a lone space before digits, punctuation takes the newlines after it */
    SPLIT("qwen2", "Hello world 123!!\n\n  x", "Hello| world| |1|2|3|!!\n\n| | x");
    SPLIT("qwen2", "e\xcc\x81", "e|\xcc\x81");        /* a combining mark is not a letter */
    SPLIT("qwen35", "e\xcc\x81", "e\xcc\x81");        /* qwen35: it is */
    SPLIT("deepseek-r1-qwen", "x 12", "x| |1|2");     /* an alias of qwen2 */
    /* llama 3: up to three digits, contractions in any case, \s*[\r\n]+ */
    SPLIT("llama-bpe", "123456789 12 I'M", "123|456|789| |12| I|'M");
    SPLIT("llama-bpe", "don't\r\n\r\nstop  now ", "don|'t|\r\n\r\n|stop| | now| ");
    /* gpt-2: contractions in lower case only, ' ?\p{N}+' */
    SPLIT("gpt-2", "I'M 123 x  \ty", "I|'|M| 123| x|  |\t|y");
    /* smollm: every digit first, then the gpt-2 rules */
    SPLIT("smollm", "x 123", "x| |1|2|3");
    /* default: punctuation runs, gpt-2, \p{N}+, then [0-9]{3} */
    SPLIT("default", "a+b=12345", "a|+|b|=|123|45");
    SPLIT("default", " `x", " `|x");
    SPLIT("falcon", " `x", " |`|x"); /* falcon's punctuation class has the backtick */
    SPLIT("qwen2", "", "");
}

static void test_bpe_pre_names_and_flags(void)
{
    tv_loaded L;
    clk_err e;
    /* llama-bpe: ignore_merges and add_bos; with no bos key llama.cpp's default BOS is 11 */
    CHECK_OK(tv_bpe(&L, "llama-bpe", 0, MAXT, &e), e);
    CHECK_EQ(L.t.ignore_merges, 1);
    CHECK_EQ(clk_tok_add_bos(&L.t), 1);
    CHECK_EQ(clk_tok_bos(&L.t), 11);
    ENC(&L, "hello", 1, 0, 11, 259);
    tv_free(&L);
    CHECK_EQ(tv_bpe(&L, "no-such-pre", 0, MAXT, &e), CLK_E_UNSUPPORTED);
    CHECK(strstr(e.msg, "no-such-pre") != NULL);
    tv_free(&L);
    CHECK_EQ(tv_bpe(&L, "evil\x1b[2J\x07", 0, MAXT, &e), CLK_E_UNSUPPORTED);
    CHECK(strstr(e.msg, "'evil?[2J?'") != NULL); /* control bytes never reach the terminal */
    tv_free(&L);
    CHECK_OK(tv_bpe(&L, NULL, 0, MAXT, &e), e); /* no key: llama.cpp's "default" */
    SPLIT("default", "x1234", "x|123|4");
    CHECK_EQ(L.t.clean_spaces, 1);
    tv_free(&L);
}

/* ================================================ hand-built SentencePiece */

static void test_spm_merges_by_score(void)
{
    tv_loaded L;
    clk_err e;
    CHECK_OK(tv_spm(&L, -1, MAXT, &e), e);
    CHECK_EQ(L.t.kind, CLK_TOK_SPM);
    CHECK_EQ(L.used, L.planned);
    CHECK_EQ(L.t.add_space_prefix, 1);
    ENC(&L, "abc", 0, 0, 266, 265);     /* "bc" (-1.5) before "ab" (-2); then "▁a" */
    ENC(&L, "aaa", 0, 0, 259, 263, 260); /* two "aa" of equal score: the leftmost wins */
    ENC(&L, "ab ab", 0, 0, 267, 267);
    ENC(&L, "  ", 0, 0, 269, 259);       /* "▁▁▁": ▁▁ then ▁ */
    ENC(&L, "\xe2\x82\xac", 0, 0, 259, 229, 133, 175); /* € is no piece: byte tokens <0xE2><0x82><0xAC> */
    ENC(&L, "\xc3\xa9", 0, 0, 259, 270);
    ENC(&L, "a\xff" "b", 0, 0, 266, 258, 101); /* lead byte 0xFF claims 4 bytes: "\xffb" is one symbol, as bytes */
    ENC_NONE(&L, "", 0, 0);
    ENC(&L, "", 1, 0, 1);
    ENC(&L, "abc", 1, 0, 1, 266, 265);
    tv_free(&L);
}

static void test_spm_special_tokens_and_space_prefix(void)
{
    tv_loaded L;
    clk_err e;
    CHECK_OK(tv_spm(&L, -1, MAXT, &e), e);
    ENC(&L, "<s>a", 0, 1, 1, 266);                /* after a special token: a space prefix again */
    ENC(&L, "<s>a", 0, 0, 259, 63, 118, 65, 260); /* not parsed: "<", "s", ">" as bytes */
    ENC(&L, "a<s>b", 0, 1, 266, 1, 259, 261);
    ENC(&L, "x<b>y", 0, 0, 259, 123, 268, 259, 124); /* USER_DEFINED <b> always, then "▁y" */
    tv_free(&L);
    CHECK_OK(tv_spm(&L, 0, MAXT, &e), e); /* add_space_prefix = false (Gemma) */
    ENC(&L, "abc", 0, 0, 260, 265);
    ENC(&L, "x<b>y", 0, 0, 123, 268, 124);
    ENC(&L, "<s>a", 1, 1, 1, 1, 260);
    tv_free(&L);
}

/* ================================================================= decode */

static void test_decode(void)
{
    tv_loaded L;
    clk_err e;
    char buf[64];
    size_t n;
    CHECK_OK(tv_spm(&L, -1, MAXT, &e), e);
    DEC(&L, 0, "abc", 266, 265);               /* the prefix space is removed */
    DEC(&L, 0, " abc", 1, 266, 265);            /* llama.cpp keeps it after a BOS */
    DEC(&L, CLK_TOK_DEC_REMOVE_SPECIAL, " abc", 1, 266, 265);
    DEC(&L, CLK_TOK_DEC_SPECIAL, "<s> abc", 1, 266, 265);
    DEC(&L, 0, "\xe2\x82\xac", 229, 133, 175);  /* byte tokens -> bytes */
    DEC(&L, 0, "a  b", 260, 269, 261);          /* ▁ -> space */
    DEC(&L, 0, "<b>", 268);                     /* USER_DEFINED: its text */
    CHECK_OK(clk_tok_piece(&L.t, 2, 0, 0, buf, sizeof buf, &n, &e), e);
    CHECK_EQ(n, 0);                             /* CONTROL: nothing unless asked */
    CHECK_OK(clk_tok_piece(&L.t, 2, CLK_TOK_DEC_SPECIAL, 0, buf, sizeof buf, &n, &e), e);
    CHECK(n == 4 && !memcmp(buf, "</s>", 4));
    CHECK_OK(clk_tok_piece(&L.t, 266, 0, 1, buf, sizeof buf, &n, &e), e);
    CHECK(n == 1 && buf[0] == 'a');             /* lstrip */
    CHECK_EQ(clk_tok_piece(&L.t, 266, 0, 0, buf, 1, &n, &e), CLK_E_LIMIT);
    tv_free(&L);

    CHECK_OK(tv_bpe(&L, "qwen2", 0, MAXT, &e), e);
    DEC(&L, 0, "hello world", 259, 264);
    DEC(&L, 0, "a , b .", 97, 32, 44, 32, 98, 32, 46); /* qwen2: no clean-up */
    DEC(&L, 0, "\xff", 255);
    tv_free(&L);
    CHECK_OK(tv_bpe(&L, "gpt-2", 0, MAXT, &e), e); /* gpt-2 cleans up like llama.cpp */
    DEC(&L, 0, "a, b.", 97, 32, 44, 32, 98, 32, 46);
    DEC(&L, CLK_TOK_DEC_NO_CLEAN, "a , b .", 97, 32, 44, 32, 98, 32, 46);
    DEC(&L, 0, "it's a 'b' 'c", 105, 116, 32, 39, 115, 32, 97, 32, 39, 98, 39, 32, 39, 99);
    DEC(&L, 0, "x'y", 120, 32, 39, 32, 121);   /* " ' " loses both spaces */
    {
        int32_t bad = 271;
        CHECK_EQ(clk_tok_decode(&L.t, &bad, 1, 0, buf, sizeof buf, &n, &e), CLK_E_ARG);
        CHECK(strstr(e.msg, "271") != NULL);
    }
    tv_free(&L);
}

static void test_round_trip_hand_vocabs(void)
{
    static const char *const texts[] = {"hello world", "Hello, World! 123", "  spaces  and\ttabs\n\nlines\r\n",
                                        "\xe2\x82\xac \xc3\xa9t\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d",
                                        "x<b>y<think>z", "I'M don't", "\xf0\x9f\x98\x80!", ""};
    tv_loaded L;
    clk_err e;
    size_t i;
    int pfx;
    CHECK_OK(tv_bpe(&L, "llama-bpe", 0, MAXT, &e), e);
    for (i = 0; i < sizeof texts / sizeof texts[0]; i++)
        CHECK_MSG(round_trip(&L, texts[i], strlen(texts[i]), CLK_TOK_DEC_NO_CLEAN), "bpe: '%s'", texts[i]);
    tv_free(&L);
    for (pfx = 0; pfx <= 1; pfx++) {
        CHECK_OK(tv_spm(&L, pfx, MAXT, &e), e);
        for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
            if (pfx && strstr(texts[i], "<b>")) continue; /* below */
            CHECK_MSG(round_trip(&L, texts[i], strlen(texts[i]), 0), "spm prefix %d: '%s'", pfx, texts[i]);
        }
        tv_free(&L);
    }
    /* llama.cpp puts a space prefix after every special token, USER_DEFINED
     * ones too: with add_space_prefix that text cannot come back unchanged */
    CHECK_OK(tv_spm(&L, 1, MAXT, &e), e);
    ENC(&L, "x<b>y", 0, 0, 259, 123, 268, 259, 124);
    DEC(&L, 0, "x<b> y", 259, 123, 268, 259, 124);
    tv_free(&L);
}

/* ==================================================== limits and errors */

static void test_limits_are_errors(void)
{
    tv_loaded L;
    clk_err e;
    int32_t ids[4];
    size_t n;
    char text[65];
    clk_plan p;
    memset(text, 'a', sizeof text);
    CHECK_OK(tv_bpe(&L, "qwen2", 0, 64, &e), e);
    CHECK_EQ(clk_tok_encode(&L.t, text, 65, 0, 0, ids, 4, &n, &e), CLK_E_LIMIT);
    CHECK(strstr(e.msg, "65 bytes") && strstr(e.msg, "64 bytes"));
    CHECK_OK(clk_tok_encode(&L.t, text, 8, 0, 0, ids, 4, &n, &e), e); /* 4 x "aa" */
    CHECK_EQ(n, 4);
    CHECK_EQ(clk_tok_encode(&L.t, text, 10, 0, 0, ids, 4, &n, &e), CLK_E_LIMIT);
    CHECK(strstr(e.msg, "output buffer") != NULL);
    CHECK(clk_tok_max_tokens(64) >= 6 * 64);
    clk_plan_init(&p);
    CHECK_EQ(clk_tok_plan(&L.g, (size_t)CLK_MAX_TOK_TEXT + 1, &p, &e), CLK_E_LIMIT);
    CHECK(strstr(e.msg, "CLK_MAX_TOK_TEXT") != NULL);
    tv_free(&L);
}

static void test_bad_vocabularies_are_clear_errors(void)
{
    static const char *const dup[] = {"a", "b", "a"};
    static const char *const ok3[] = {"a", "b", "c"};
    static const char *const merges[] = {"a b"};
    tv_spec s;
    tv_loaded L;
    clk_err e;
    unsigned char *buf;
    size_t len;

    memset(&s, 0, sizeof s);
    s.model = "gpt2", s.pre = "gpt-2", s.tokens = dup, s.n_tokens = 3, s.merges = merges, s.n_merges = 1;
    s.bos = s.eos = s.unk = s.add_bos = s.add_space_prefix = -1;
    buf = tv_write(&s, &len, &e);
    CHECK_EQ(tv_load(&L, buf, len, MAXT, &e), CLK_E_DATA); /* llama.cpp asserts on this */
    CHECK(strstr(e.msg, "token 2") && strstr(e.msg, "token 0"));
    tv_free(&L);

    s.tokens = ok3, s.merges = NULL, s.n_merges = 0; /* gpt2 needs merges */
    buf = tv_write(&s, &len, &e);
    CHECK_EQ(tv_load(&L, buf, len, MAXT, &e), CLK_E_DATA);
    CHECK(strstr(e.msg, "tokenizer.ggml.merges") != NULL);
    tv_free(&L);

    s.model = "bert";
    buf = tv_write(&s, &len, &e);
    CHECK_EQ(tv_load(&L, buf, len, MAXT, &e), CLK_E_UNSUPPORTED);
    CHECK(strstr(e.msg, "'bert'") != NULL);
    tv_free(&L);

    s.model = "llama";
    buf = tv_write(&s, &len, &e);
    CHECK_OK(tv_load(&L, buf, len, MAXT, &e), e);
    CHECK_EQ(clk_tok_bos(&L.t), 1); /* SentencePiece defaults: bos 1, eos 2 */
    CHECK_EQ(clk_tok_eos(&L.t), 2);
    {
        int32_t ids[8];
        size_t n;
        /* "d" is no token and there are no byte tokens: a clear error, llama.cpp throws */
        CHECK_EQ(clk_tok_encode(&L.t, "d", 1, 0, 0, ids, 8, &n, &e), CLK_E_DATA);
        CHECK(strstr(e.msg, "0xE2") != NULL); /* the ▁ of the space prefix comes first */
    }
    tv_free(&L);
}

/* ====================================================== the CLI command */

static int run_cli(const char *args, char *out, size_t cap)
{
    const char *bin = getenv("CLK_BIN");
    char cmd[2048];
    FILE *f;
    size_t n;
    int rc;
    if (!bin) return -100;
    snprintf(cmd, sizeof cmd, "%s %s > build_tok_cli.out 2>&1", bin, args);
    rc = system(cmd);
    f = fopen("build_tok_cli.out", "rb");
    n = f ? fread(out, 1, cap - 1, f) : 0;
    if (f) fclose(f);
    out[n] = 0;
    remove("build_tok_cli.out");
    return rc;
}

static void test_cli_tokenize(void)
{
    tv_loaded L;
    clk_err e;
    char out[4096];
    FILE *f;
    if (!getenv("CLK_BIN")) SKIP("CLK_BIN not set (run through make test)");
    CHECK_OK(tv_bpe(&L, "llama-bpe", 0, MAXT, &e), e);
    f = fopen("build_tok_cli.gguf", "wb");
    CHECK(f && fwrite(L.file, 1, L.file_len, f) == L.file_len);
    if (f) fclose(f);
    tv_free(&L);
    CHECK_EQ(run_cli("tokenize build_tok_cli.gguf 'hello world'", out, sizeof out), 0);
    CHECK_STR(out, "11 259 264\n");
    CHECK_EQ(run_cli("tokenize build_tok_cli.gguf --no-bos 'hello<|end|>'", out, sizeof out), 0);
    CHECK_STR(out, "259 60 124 101 110 100 124 62\n");
    CHECK_EQ(run_cli("tokenize build_tok_cli.gguf --no-bos --special 'hello<|end|>'", out, sizeof out), 0);
    CHECK_STR(out, "259 266\n");
    CHECK_EQ(run_cli("tokenize build_tok_cli.gguf --no-bos --detok 'hello world'", out, sizeof out), 0);
    CHECK_STR(out, "hello world\n");
    f = fopen("build_tok_cli.txt", "wb");
    CHECK(f && fwrite("aa\naa", 1, 5, f) == 5);
    if (f) fclose(f);
    CHECK_EQ(run_cli("tokenize build_tok_cli.gguf --no-bos --file build_tok_cli.txt", out, sizeof out), 0);
    CHECK_STR(out, "265 10 265\n");
    CHECK(run_cli("tokenize build_tok_cli.gguf --file no-such-file.txt", out, sizeof out) != 0);
    CHECK(strstr(out, "no-such-file.txt") != NULL);
    CHECK(run_cli("tokenize build_tok_cli.gguf", out, sizeof out) != 0);
    remove("build_tok_cli.gguf");
    remove("build_tok_cli.txt");
}

/* ============================================ ../shared: llama.cpp goldens */

static const char *const SEP = "\n__ggml_vocab_test__\n";

static unsigned char *slurp_path(const char *dir, const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return t_slurp(path, len);
}

/* Run every string of an .inp against its .out. Returns the number of
 * strings, adds mismatches to *bad (the first few are printed). */
static int golden_file(tv_loaded *L, const char *dir, const char *inp, const char *outp, int add, int parse, int *bad)
{
    static int32_t ids[1 << 16];
    size_t il = 0, ol = 0, pos = 0, opos = 0, sl = strlen(SEP);
    unsigned char *in = slurp_path(dir, inp, &il), *out = slurp_path(dir, outp, &ol);
    int count = 0;
    if (!in || !out) {
        CHECK_MSG(0, "cannot read %s/%s or %s", dir, inp, outp);
        free(in);
        free(out);
        return 0;
    }
    while (pos < il) {
        size_t len = 0, n = 0, k, want_len;
        char *nl;
        clk_err e;
        const char *got;
        while (pos + len + sl <= il && memcmp(in + pos + len, SEP, sl)) len++;
        if (pos + len + sl > il) break;
        nl = strchr((char *)out + opos, '\n');
        if (!nl) {
            CHECK_MSG(0, "%s: fewer lines than strings", outp);
            break;
        }
        want_len = (size_t)(nl - ((char *)out + opos));
        if (clk_tok_encode(&L->t, (const char *)in + pos, len, add, parse, ids, sizeof ids / sizeof ids[0], &n, &e) !=
            CLK_OK)
            got = e.msg;
        else
            got = ids_str(ids, n);
        k = strlen(got);
        if (k != want_len || memcmp(got, out + opos, k)) {
            if (*bad < 5)
                printf("  %s #%d '%.*s'\n    want:%.*s\n    got: %s\n", inp, count, (int)(len > 60 ? 60 : len),
                       in + pos, (int)want_len, out + opos, got);
            (*bad)++;
        }
        count++;
        opos += want_len + 1;
        pos += len + sl;
    }
    free(in);
    free(out);
    return count;
}

static const char *const VOCABS[5] = {"qwen2", "llama-bpe", "gemma3", "llama-spm", "gpt-2"};

static void test_shared_vocab_goldens(void)
{
    const char *sh = t_shared();
    char dir[1100], name[1400];
    int v, bad = 0, total = 0;
    if (!sh) SKIP("../shared not found");
    snprintf(dir, sizeof dir, "%s/vocab", sh);
    for (v = 0; v < 5; v++) {
        tv_loaded L;
        clk_err e;
        char inp[256], out[256];
        int before = bad, n = 0;
        snprintf(name, sizeof name, "%s/ggml-vocab-%s.gguf", dir, VOCABS[v]);
        if (tv_load_file(&L, name, 1 << 16, &e) != CLK_OK) {
            CHECK_MSG(0, "%s: %s", name, e.msg);
            continue;
        }
        CHECK_EQ(L.used, L.planned);
        if (strcmp(VOCABS[v], "gemma3")) { /* llama.cpp's own vectors: add_special=false, parse_special=false */
            snprintf(inp, sizeof inp, "ggml-vocab-%s.gguf.inp", VOCABS[v]);
            snprintf(out, sizeof out, "ggml-vocab-%s.gguf.out", VOCABS[v]);
            n += golden_file(&L, dir, inp, out, 0, 0, &bad);
        }
        snprintf(inp, sizeof inp, "multilingual.%s.inp", VOCABS[v]);
        snprintf(out, sizeof out, "multilingual.%s.out", VOCABS[v]);
        n += golden_file(&L, dir, inp, out, 0, 0, &bad);
        snprintf(inp, sizeof inp, "chat.%s.inp", VOCABS[v]);
        snprintf(out, sizeof out, "chat.%s.out", VOCABS[v]);
        n += golden_file(&L, dir, inp, out, 0, 1, &bad);
        snprintf(inp, sizeof inp, "bos.%s.inp", VOCABS[v]);
        snprintf(out, sizeof out, "bos.%s.out", VOCABS[v]);
        n += golden_file(&L, dir, inp, out, 1, 1, &bad);
        printf("  %-9s %d strings, %d differ\n", VOCABS[v], n, bad - before);
        total += n;
        tv_free(&L);
    }
    CHECK_EQ(total, 4 * 46 + 5 * (268 + 16 + 10));
    CHECK_EQ(bad, 0);
}

/* Our own strings (fixtures/tokenizer/own.inp) and their llama-tokenize ids. */
static void test_own_fixture_goldens(void)
{
    static const char *const names[8] = {"qwen2", "llama-bpe", "gemma3", "llama-spm", "gpt-2", "tiny-spm", "tiny-bpe",
                                         "stories260k"};
    const char *sh = t_shared();
    int v, bad = 0, total = 0;
    if (!sh) SKIP("../shared not found (the vocabularies)");
    for (v = 0; v < 8; v++) {
        tv_loaded L;
        clk_err e;
        char path[1200], out[256];
        int before = bad, n = 0;
        if (v < 5) snprintf(path, sizeof path, "%s/vocab/ggml-vocab-%s.gguf", sh, names[v]);
        else
            snprintf(path, sizeof path, "%s/models/%s", sh,
                     v == 5 ? "llama-f32.gguf" : v == 6 ? "qwen2-f16.gguf" : "stories260k-f32.gguf");
        if (tv_load_file(&L, path, 1 << 16, &e) != CLK_OK) {
            CHECK_MSG(0, "%s: %s", path, e.msg);
            continue;
        }
        snprintf(out, sizeof out, "own.%s.out", names[v]);
        n += golden_file(&L, "fixtures/tokenizer", "own.inp", out, 0, 0, &bad);
        snprintf(out, sizeof out, "own_special.%s.out", names[v]);
        n += golden_file(&L, "fixtures/tokenizer", "own.inp", out, clk_tok_add_bos(&L.t), 1, &bad);
        printf("  %-11s %d strings, %d differ\n", names[v], n, bad - before);
        total += n;
        tv_free(&L);
    }
    CHECK(total >= 8 * 2 * 90);
    CHECK_EQ(bad, 0);
}

/* The tokens of ../shared/models/MANIFEST.md (llama-tokenize, add_special and
 * parse_special on) for the truncated vocabularies of the tiny models. */
static void test_tiny_model_vocabularies(void)
{
    static const char spm_text[] = "The cat sat on the mat.\nIt was 42 degrees in the caf\xc3\xa9!";
    static const int32_t spm_ids[] = {1,  450, 274, 271, 269, 271, 373, 278, 286, 271, 49,  13,  76,  119, 471, 229,
                                      153, 132, 55, 53, 316, 106, 276, 267, 297, 278, 274, 100, 105, 198, 172, 36};
    static const char bpe_text[] = "The cat sat on the mat.\nIt was 42 degrees in the caf\xc3\xa9, she said.";
    static const int32_t bpe_ids[] = {464, 269, 265, 264, 265, 319, 262, 285, 265, 13,  198, 40,  83, 373, 220, 19,
                                      17,  390, 70,  260, 274, 287, 262, 269, 64,  69,  127, 102, 11, 673, 531, 13};
    static const char *const spm_models[] = {"llama-f32.gguf", "gemma3-f16.gguf", "gemma2-q4_k_m.gguf"};
    static const char *const bpe_models[] = {"qwen2-f16.gguf", "qwen3-q8_0.gguf"};
    const char *sh = t_shared();
    char path[1200];
    tv_loaded L;
    clk_err e;
    size_t i;
    if (!sh) SKIP("../shared not found");
    for (i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/models/%s", sh, spm_models[i]);
        CHECK_OK(tv_load_file(&L, path, 4096, &e), e);
        enc_check(&L, spm_text, sizeof spm_text - 1, 1, 1, spm_ids, sizeof spm_ids / 4, __LINE__);
        tv_free(&L);
    }
    for (i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/models/%s", sh, bpe_models[i]);
        CHECK_OK(tv_load_file(&L, path, 4096, &e), e);
        CHECK_EQ(clk_tok_eos(&L.t), 1023);
        CHECK(clk_tok_is_eog(&L.t, 1023));
        enc_check(&L, bpe_text, sizeof bpe_text - 1, 1, 1, bpe_ids, sizeof bpe_ids / 4, __LINE__);
        tv_free(&L);
    }
    /* stories260K: the prompt, and the 48 generated ids decoded */
    snprintf(path, sizeof path, "%s/models/stories260k-f32.gguf", sh);
    CHECK_OK(tv_load_file(&L, path, 4096, &e), e);
    ENC(&L, "Once upon a time", 1, 1, 1, 403, 407, 261, 378);
    {
        size_t tl, gl, n = 0, dl;
        char tp[1200], *p;
        unsigned char *toks, *gen;
        int32_t ids[64];
        char out[1024];
        snprintf(tp, sizeof tp, "%s/models/stories260k-f32.tokens", sh);
        toks = t_slurp(tp, &tl);
        snprintf(tp, sizeof tp, "%s/models/stories260k-f32.generated.txt", sh);
        gen = t_slurp(tp, &gl);
        CHECK(toks && gen);
        for (p = toks ? (char *)toks : NULL; p && *p && n < 64;) {
            char *end;
            long v = strtol(p, &end, 10);
            if (end == p) break;
            ids[n++] = (int32_t)v;
            p = end;
        }
        CHECK_EQ(n, 53);
        /* the generated part: decoded without the prompt, no space stripped
         * (it does not start the text) */
        if (n == 53 && gen) {
            size_t k;
            char piece[64];
            dl = 0;
            for (k = 5; k < n; k++) {
                size_t pl;
                CHECK_OK(clk_tok_piece(&L.t, ids[k], 0, 0, piece, sizeof piece, &pl, &e), e);
                memcpy(out + dl, piece, pl);
                dl += pl;
            }
            CHECK_MSG(dl == gl && !memcmp(out, gen, gl), "stories260k: decoded '%.*s'", (int)dl, out);
        }
        free(toks);
        free(gen);
    }
    tv_free(&L);
}

/* Every string that the vocabulary can represent comes back from
 * decode(encode(s)) byte for byte: valid UTF-8, and for SentencePiece no
 * literal U+2581 (it decodes to a space). CONTROL tokens that SentencePiece
 * merges produce from plain text (llama-spm "<s>") are rendered with
 * CLK_TOK_DEC_SPECIAL; the clean-up of gpt-2 and llama-bpe is off. */
static void test_round_trip_shared(void)
{
    const char *sh = t_shared();
    int v, bad = 0, total = 0, skipped = 0;
    if (!sh) SKIP("../shared not found");
    for (v = 0; v < 5; v++) {
        tv_loaded L;
        clk_err e;
        char path[1200];
        int f;
        snprintf(path, sizeof path, "%s/vocab/ggml-vocab-%s.gguf", sh, VOCABS[v]);
        if (tv_load_file(&L, path, 1 << 16, &e) != CLK_OK) {
            CHECK_MSG(0, "%s: %s", path, e.msg);
            continue;
        }
        for (f = 0; f < 2; f++) {
            size_t il, pos = 0, sl = strlen(SEP);
            unsigned char *in;
            if (f == 0) {
                snprintf(path, sizeof path, "%s/vocab/multilingual.%s.inp", sh, VOCABS[v]);
                in = t_slurp(path, &il);
            } else {
                in = t_slurp("fixtures/tokenizer/own.inp", &il);
            }
            if (!in) {
                CHECK_MSG(0, "cannot read the strings for %s", VOCABS[v]);
                continue;
            }
            while (pos < il) {
                size_t len = 0;
                const char *s = (const char *)in + pos;
                while (pos + len + sl <= il && memcmp(in + pos + len, SEP, sl)) len++;
                if (pos + len + sl > il) break;
                if (clk_utf8_valid_prefix((const unsigned char *)s, len) != len ||
                    (L.t.kind == CLK_TOK_SPM && strstr(s, "\xe2\x96\x81") && strstr(s, "\xe2\x96\x81") < s + len)) {
                    skipped++;
                } else {
                    if (!round_trip(&L, s, len, CLK_TOK_DEC_SPECIAL | CLK_TOK_DEC_NO_CLEAN)) {
                        if (bad < 5) printf("  %s: no round trip for '%.*s'\n", VOCABS[v], (int)len, s);
                        bad++;
                    }
                    total++;
                }
                pos += len + sl;
            }
            free(in);
        }
        tv_free(&L);
    }
    printf("  %d round trips, %d strings not representable\n", total, skipped);
    CHECK(total > 5 * 300);
    CHECK_EQ(bad, 0);
}

int main(int argc, char **argv)
{
    TEST_INIT(argc, argv);
    RUN(test_bpe_merges_in_rank_order);
    RUN(test_bpe_merges_keyed_by_text_when_not_closed);
    RUN(test_bpe_special_token_partition);
    RUN(test_bpe_load_time_attribute_fixups);
    RUN(test_bpe_invalid_utf8_as_llama_cpp);
    RUN(test_pretokenizers);
    RUN(test_bpe_pre_names_and_flags);
    RUN(test_spm_merges_by_score);
    RUN(test_spm_special_tokens_and_space_prefix);
    RUN(test_decode);
    RUN(test_round_trip_hand_vocabs);
    RUN(test_limits_are_errors);
    RUN(test_bad_vocabularies_are_clear_errors);
    RUN(test_cli_tokenize);
    RUN(test_shared_vocab_goldens);
    RUN(test_own_fixture_goldens);
    RUN(test_tiny_model_vocabularies);
    RUN(test_round_trip_shared);
    return TEST_DONE();
}
