/*
 * tokenizer.c - the GGUF vocabulary -> text <-> token ids, reproducing
 * llama.cpp 34af94cd token for token (src/llama-vocab.cpp, src/unicode.cpp
 * there; this is an independent implementation of the same rules).
 *
 * Never: allocate (everything comes from the planned arena), print, copy
 * token texts (they stay in the mapped GGUF file), or read past a buffer.
 *
 * Layout of the work, per clk_tok_encode() call, all inside t->scratch:
 *
 *   frag   [2N+3]        the special-token partition, a linked list in an
 *                        array: raw text spans and special token ids
 *   seen   [256 + 65536] bits: which bytes / byte pairs occur in the text
 *                        (skips special tokens that cannot occur)
 *   then, per raw fragment, either
 *   BPE:  cpt  [N]       code points of the fragment (lax UTF-8, as llama.cpp)
 *         cut  [2][N+1]  pre-token lengths (in code points), ping-pong
 *                        between the pre-tokenizer's stages
 *         enc  [6N+8]    one pre-token, UTF-8, each byte as its GPT-2 char
 *         sym  [3N+1]    BPE symbols of that pre-token
 *         heap [3N+1]    symbol indices ordered by their pair's merge rank
 *   SPM:  buf  [3N+6]    the fragment, spaces as U+2581, maybe one in front
 *         sym  [3N+6]    symbols (one per UTF-8 lead byte)
 *         heap [3N+6]    symbol indices ordered by their pair's score
 * N = the planned max_text_bytes. Bounds: an invalid byte becomes U+FFFD
 * (3 bytes), every byte becomes a GPT-2 character of at most 2 bytes, a
 * space becomes 3 bytes.
 *
 * The merge loops keep at most one heap entry per symbol: the pair
 * (symbol, its right neighbour), keyed (rank or -score, left index). This
 * pops the pairs in exactly the order of llama.cpp's lazy priority queue,
 * whose stale entries are skipped, with a heap no larger than the symbols.
 */
#include "tokenizer.h"
#include "unicode_tab.h"

#include <string.h>

/* ===================================================== Unicode and UTF-8 */

/* Category classes of unicode_tab.h, and one bit of our own. */
enum {
    UC_UNDEF = 0, UC_NUMBER = 1, UC_LETTER = 2, UC_SEP = 3, UC_MARK = 4, UC_PUNCT = 5, UC_SYMBOL = 6,
    UC_CONTROL = 7, UC_CAT = 7,
    UC_SPACE = 8,
    UC_IN = 16 /* "a code point is here": llama.cpp's flags are non-zero for every
                  code point and zero only past the end of the text piece */
};

static unsigned uc_flag(uint32_t cp)
{
    if (cp > 0x10FFFF) return UC_IN; /* llama.cpp: "undefined" */
    return (unsigned)clk_uc_block[clk_uc_index[cp >> 8]][cp & 0xFF] | UC_IN;
}

static uint32_t uc_lower(uint32_t cp)
{
    int lo = 0, hi = CLK_UC_NLOWER - 1;
    if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (clk_uc_lower[mid][0] == cp) return clk_uc_lower[mid][1];
        if (clk_uc_lower[mid][0] < cp) lo = mid + 1;
        else hi = mid - 1;
    }
    return cp;
}

uint32_t clk_unicode_lower(uint32_t cp) { return uc_lower(cp); }

/* Byte length of a UTF-8 sequence from its lead byte alone, as llama.cpp's
 * SPM and BPE symbol splitting does (continuation and 0xF8.. bytes: 1 / 4). */
static size_t lead_len(unsigned char b)
{
    static const unsigned char n[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return n[b >> 4];
}

/* Decode one code point the way llama.cpp does: the lead byte decides the
 * length, continuation bytes are checked, nothing else (overlong forms and
 * surrogates pass, F0..F7 leads may give values up to 0x1FFFFF). An invalid
 * sequence consumes one byte and yields U+FFFD. */
static size_t lax_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char b = s[0];
    if (b < 0x80) { *cp = b; return 1; }
    if (!(b & 0x40)) goto bad;
    if (!(b & 0x20)) {
        if (n < 2 || (s[1] & 0xC0) != 0x80) goto bad;
        *cp = ((uint32_t)(b & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if (!(b & 0x10)) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) goto bad;
        *cp = ((uint32_t)(b & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        return 3;
    }
    if (!(b & 0x08)) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) goto bad;
        *cp = ((uint32_t)(b & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) | ((uint32_t)(s[2] & 0x3F) << 6) |
              (s[3] & 0x3F);
        return 4;
    }
bad:
    *cp = 0xFFFD;
    return 1;
}

/* Encode cp <= 0x10FFFF (surrogates included, as llama.cpp). */
static size_t lax_encode(uint32_t cp, unsigned char *o)
{
    if (cp < 0x80) { o[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* GPT-2's bytes_to_unicode: printable Latin-1 bytes (0x21-0x7E, 0xA1-0xAC,
 * 0xAE-0xFF) stand for themselves; the other 68 bytes, in byte order, get
 * U+0100, U+0101, ... so that every byte is a visible character. */
static uint32_t gpt2_byte_cp(unsigned b)
{
    if ((b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE) return b;
    if (b <= 0x20) return 256 + b;           /* 0x00-0x20: U+0100-U+0120 */
    if (b <= 0xA0) return 256 + 33 + (b - 0x7F); /* 0x7F-0xA0: U+0121-U+0142 */
    return 256 + 67;                         /* 0xAD: U+0143 */
}

/* The inverse: the byte a GPT-2 character stands for, or -1. */
static int gpt2_cp_byte(uint32_t cp)
{
    if ((cp >= 0x21 && cp <= 0x7E) || (cp >= 0xA1 && cp <= 0xAC) || (cp >= 0xAE && cp <= 0xFF)) return (int)cp;
    if (cp >= 0x100 && cp <= 0x120) return (int)(cp - 0x100);
    if (cp >= 0x121 && cp <= 0x142) return (int)(0x7F + (cp - 0x121));
    if (cp == 0x143) return 0xAD;
    return -1;
}

/* A file's string for an error message: at most 40 bytes, control bytes
 * and bytes >= 0x7F as '?' (a hostile file must not drive the terminal). */
static const char *shown(const void *p, uint64_t n, char out[48])
{
    const unsigned char *b = (const unsigned char *)p;
    size_t i, k = n > 40 ? 40 : (size_t)n;
    for (i = 0; i < k; i++) out[i] = (char)(b[i] < 0x20 || b[i] >= 0x7F ? '?' : b[i]);
    if (n > 40) out[k - 3] = out[k - 2] = out[k - 1] = '.';
    out[k] = 0;
    return out;
}

/* ================================================================ hashing */

/* FNV-1a over bytes, 64-bit, folded. Streaming: hashing a then b equals
 * hashing their concatenation, which the merge table relies on. */
#define FNV_OFF 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t fnv_more(uint64_t h, const unsigned char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) h = (h ^ p[i]) * FNV_PRIME;
    return h;
}

static uint32_t fold(uint64_t h) { return (uint32_t)(h ^ (h >> 29) ^ (h >> 47)); }

static uint32_t hash_text(const unsigned char *p, size_t n) { return fold(fnv_more(FNV_OFF, p, n)); }

/* A merge pair (left, right): the left length is mixed in so that
 * ("ab", "c") and ("a", "bc") differ. */
static uint32_t hash_pair(const unsigned char *l, size_t ln, const unsigned char *r, size_t rn)
{
    uint64_t h = (FNV_OFF ^ (uint64_t)ln) * FNV_PRIME;
    h = fnv_more(h, l, ln);
    return fold(fnv_more(h, r, rn));
}

static uint32_t pow2_cap(uint64_t n)
{
    uint64_t c = 16;
    while (c < 2 * n) c <<= 1;
    return (uint32_t)c;
}

static const unsigned char *tok_bytes(const clk_tok *t, int32_t id) { return t->text_base + t->tok[id].off; }

/* Id of the token whose text is a[0..an) followed by b[0..bn), or -1. */
static int32_t vocab_find2(const clk_tok *t, const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
    uint32_t h = fold(fnv_more(fnv_more(FNV_OFF, a, an), b, bn)), i = h & t->vocab_mask;
    for (;;) {
        const clk_tok_slot *sl = &t->vocab_hash[i];
        if (sl->id1 == 0) return -1;
        if (sl->hash == h) {
            int32_t id = (int32_t)sl->id1 - 1;
            const unsigned char *x = tok_bytes(t, id);
            if (t->tok[id].len == an + bn && !memcmp(x, a, an) && !memcmp(x + an, b, bn)) return id;
        }
        i = (i + 1) & t->vocab_mask;
    }
}

static int32_t vocab_find(const clk_tok *t, const unsigned char *p, size_t n) { return vocab_find2(t, p, n, p, 0); }

int32_t clk_tok_find(const clk_tok *t, const char *text, size_t len)
{
    return vocab_find(t, (const unsigned char *)text, len);
}

/* Rank of the merge (l[0..ln), l[ln..ln+rn)) by texts, or -1. */
static int32_t merge_find(const clk_tok *t, const unsigned char *l, size_t ln, size_t rn)
{
    uint32_t i = hash_pair(l, ln, l + ln, rn) & t->merge_mask;
    for (;;) {
        uint32_t v = t->merge_hash[i];
        const clk_tok_merge *m;
        if (v == 0) return -1;
        m = &t->merge[v - 1];
        if (m->llen == ln && m->rlen == rn && !memcmp(t->merge_base + m->off, l, ln) &&
            !memcmp(t->merge_base + m->off + ln + 1, l + ln, rn))
            return (int32_t)v - 1;
        i = (i + 1) & t->merge_mask;
    }
}

static uint32_t hash_ids(uint32_t a, uint32_t b)
{
    uint64_t h = ((uint64_t)a << 32 | b) * 0x9E3779B97F4A7C15ull;
    return (uint32_t)(h >> 32) ^ (uint32_t)h;
}

/* The merge of tokens (a, b) by ids, or NULL. */
static const clk_tok_pair *pair_find(const clk_tok *t, uint32_t a, uint32_t b)
{
    uint32_t i = hash_ids(a, b) & t->merge_mask;
    for (;;) {
        const clk_tok_pair *q = &t->merge_pair[i];
        if (q->rank1 == 0) return NULL;
        if (q->left == a && q->right == b) return q;
        i = (i + 1) & t->merge_mask;
    }
}

/* ========================================================= pre-tokenizers */

/* Splitting stages. The first four are llama.cpp's hand-written splitters
 * for the regexes in the comments; the others are regexes that llama.cpp
 * runs through std::regex on a text where every non-ASCII code point is a
 * byte standing for its category, which is the same as testing categories. */
enum {
    ST_END = 0,
    ST_GPT2,     /* 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)             */
    ST_LLAMA3,   /* (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
                    ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+                          */
    ST_QWEN2,    /* as LLAMA3 with \p{N} (single digits)                                          */
    ST_QWEN35,   /* as QWEN2 with [\p{L}\p{M}]+ letters and [^\s\p{L}\p{M}\p{N}] punctuation       */
    ST_NUM1,     /* \p{N}                                                                          */
    ST_NUMRUN,   /* \p{N}+                                                                         */
    ST_PUNCT,    /* [\p{P}\$\+<=>\^~\|]+                                                           */
    ST_PUNCT_BT, /* [\p{P}\$\+<=>\^~\|`]+                                                          */
    ST_DIGIT3    /* [0-9][0-9][0-9]                                                                */
};

typedef struct pre_def {
    const char *names;          /* tokenizer.ggml.pre values, space-separated */
    unsigned char stage[4];
    unsigned char ignore_merges, add_bos, clean_spaces, no_bos;
} pre_def;

/* tokenizer.ggml.pre -> behaviour, from llama.cpp's llama_vocab::impl::load
 * and llm_tokenizer_bpe. Index 0 is "default" (also a missing key). */
static const pre_def pre_defs[] = {
    {"default", {ST_PUNCT, ST_GPT2, ST_NUMRUN, ST_DIGIT3}, 0, 0, 1, 0},
    {"llama3 llama-v3 llama-bpe falcon3 falcon-h1 pixtral midm-2.0 lfm2 jina-v5-nano", {ST_LLAMA3}, 1, 1, 1, 0},
    {"dbrx smaug-bpe", {ST_LLAMA3}, 0, 0, 1, 0},
    {"chatglm-bpe glm4", {ST_LLAMA3}, 0, 0, 1, 1},
    {"qwen2 deepseek-r1-qwen kormo f2llmv2 hunyuan solar-open grok-2", {ST_QWEN2}, 0, 0, 0, 0},
    {"megrez stablelm2", {ST_QWEN2}, 0, 0, 1, 0},
    {"qwen35", {ST_QWEN35}, 0, 0, 0, 0},
    {"gpt-2 phi-2 jina-es jina-de gigachat jina-v2-es jina-v2-de a.x-4.0 mellum modern-bert jina-v1-en "
     "jina-v2-code roberta-bpe exaone4 mpt olmo jais",
     {ST_GPT2}, 0, 0, 1, 0},
    {"trillion granite-docling", {ST_GPT2}, 0, 0, 0, 0},
    {"starcoder refact codeshell exaone minerva-7b mellum2", {ST_NUM1, ST_GPT2}, 0, 0, 1, 0},
    {"command-r smollm", {ST_NUM1, ST_GPT2}, 0, 0, 0, 0},
    {"falcon", {ST_PUNCT_BT, ST_GPT2, ST_DIGIT3}, 0, 0, 1, 0},
};
#define N_PRE_DEFS ((int)(sizeof pre_defs / sizeof pre_defs[0]))

static int pre_lookup(clk_str name)
{
    int i;
    if (!name.p) return 0;
    for (i = 0; i < N_PRE_DEFS; i++) {
        const char *s = pre_defs[i].names;
        while (*s) {
            size_t k = strcspn(s, " ");
            if (k == name.n && !memcmp(s, name.p, k)) return i;
            s += k;
            while (*s == ' ') s++;
        }
    }
    return -1;
}

/* The code points of one piece [.., e) and their flags. Past e a "code
 * point" is absent: flag 0 and value NONE, as llama.cpp's _get_cpt/_get_flags. */
#define NONE 0xFFFFFFFFu
typedef struct piece {
    const uint32_t *cp;
    size_t e;
} piece;

static uint32_t P_cp(const piece *p, size_t i) { return i < p->e ? p->cp[i] : NONE; }
static unsigned P_fl(const piece *p, size_t i) { return i < p->e ? uc_flag(p->cp[i]) : 0; }
static int is_cat(unsigned f, unsigned c) { return (f & UC_IN) && (f & UC_CAT) == c; }

/* 's 't 're 've 'm 'll 'd at i: the end of the match or 0. `ci` folds case. */
static size_t contraction(const piece *p, size_t i, int ci)
{
    uint32_t a, b;
    if (p->cp[i] != '\'' || i + 1 >= p->e) return 0;
    a = p->cp[i + 1];
    if (ci) a = uc_lower(a);
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return i + 2;
    if (i + 2 >= p->e) return 0;
    b = p->cp[i + 2];
    if (ci) b = uc_lower(b);
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return i + 3;
    return 0;
}

/* The whitespace alternatives shared by the splitters: \s*[\r\n]+ (when
 * `nl`), \s+(?!\S), \s+, and finally a single unmatched code point. */
static size_t space_run(const piece *p, size_t i, int nl)
{
    size_t k = 0, last_nl = 0;
    while (P_fl(p, i + k) & UC_SPACE) {
        uint32_t c = p->cp[i + k];
        if (c == '\r' || c == '\n') last_nl = i + k + 1;
        k++;
    }
    if (nl && last_nl) return last_nl;
    if (k > 1 && P_cp(p, i + k) != NONE) return i + k - 1;
    if (k > 0) return i + k;
    return i + 1;
}

/* GPT-2: the end of the pre-token starting at i. */
static size_t split_gpt2(const piece *p, size_t i)
{
    uint32_t c = p->cp[i];
    unsigned f2;
    size_t j = contraction(p, i, 0);
    if (j) return j;
    f2 = c == ' ' ? P_fl(p, i + 1) : P_fl(p, i);
    if (is_cat(f2, UC_LETTER) || is_cat(f2, UC_NUMBER)) {
        unsigned cat = f2 & UC_CAT;
        i += c == ' ';
        while (is_cat(P_fl(p, i), cat)) i++;
        return i;
    }
    if ((f2 & UC_IN) && !(f2 & UC_SPACE) && !is_cat(f2, UC_LETTER) && !is_cat(f2, UC_NUMBER)) {
        i += c == ' ';
        for (;;) {
            unsigned f = P_fl(p, i);
            if (!(f & UC_IN) || (f & UC_SPACE) || is_cat(f, UC_LETTER) || is_cat(f, UC_NUMBER)) break;
            i++;
        }
        return i;
    }
    return space_run(p, i, 0);
}

/* Llama 3 (max_digits 3), Qwen2 (1), Qwen3.5 (1, marks join letters). */
static size_t split_llama3(const piece *p, size_t i, int max_digits, int marks)
{
    uint32_t c = p->cp[i];
    unsigned f = P_fl(p, i), f2;
    size_t j = contraction(p, i, 1);
#define LETTERISH(x) (is_cat((x), UC_LETTER) || (marks && is_cat((x), UC_MARK)))
    if (j) return j;
    /* [^\r\n\p{L}\p{N}]?\p{L}+ */
    if (!(c == '\r' || c == '\n' || is_cat(f, UC_NUMBER))) {
        if (LETTERISH(f) || LETTERISH(P_fl(p, i + 1))) {
            i++;
            while (LETTERISH(P_fl(p, i))) i++;
            return i;
        }
    }
    /* \p{N}{1,max_digits} */
    if (is_cat(f, UC_NUMBER)) {
        size_t s = i;
        while (i - s < (size_t)max_digits && is_cat(P_fl(p, i), UC_NUMBER)) i++;
        return i;
    }
    /*  ?[^\s\p{L}\p{N}]+[\r\n]*  (the code point at i exists, so llama.cpp's
     * test of its flags is always true) */
    f2 = c == ' ' ? P_fl(p, i + 1) : f;
    if (!(f2 & UC_SPACE) && !LETTERISH(f2) && !is_cat(f2, UC_NUMBER)) {
        i += c == ' ';
        for (;;) {
            unsigned g = P_fl(p, i);
            if (!(g & UC_IN) || (g & UC_SPACE) || LETTERISH(g) || is_cat(g, UC_NUMBER)) break;
            i++;
        }
        while (P_cp(p, i) == '\r' || P_cp(p, i) == '\n') i++;
        return i;
    }
#undef LETTERISH
    return space_run(p, i, 1);
}

static int punct_class(uint32_t c, int backtick)
{
    if (c < 0x80) {
        if (c == '$' || c == '+' || c == '<' || c == '=' || c == '>' || c == '^' || c == '~' || c == '|') return 1;
        if (backtick && c == '`') return 1;
    }
    return is_cat(uc_flag(c), UC_PUNCT);
}

/* Regex stages: the next match [*ms, *me) at or after i in [i, e); 0 if none. */
static int next_match(int stage, const uint32_t *cp, size_t i, size_t e, size_t *ms, size_t *me)
{
    for (; i < e; i++) {
        uint32_t c = cp[i];
        size_t j;
        switch (stage) {
        case ST_NUM1:
            if (!is_cat(uc_flag(c), UC_NUMBER)) continue;
            *ms = i, *me = i + 1;
            return 1;
        case ST_NUMRUN:
            if (!is_cat(uc_flag(c), UC_NUMBER)) continue;
            for (j = i + 1; j < e && is_cat(uc_flag(cp[j]), UC_NUMBER); j++) {}
            *ms = i, *me = j;
            return 1;
        case ST_PUNCT:
        case ST_PUNCT_BT:
            if (!punct_class(c, stage == ST_PUNCT_BT)) continue;
            for (j = i + 1; j < e && punct_class(cp[j], stage == ST_PUNCT_BT); j++) {}
            *ms = i, *me = j;
            return 1;
        case ST_DIGIT3:
            if (i + 3 <= e && c >= '0' && c <= '9' && cp[i + 1] >= '0' && cp[i + 1] <= '9' && cp[i + 2] >= '0' &&
                cp[i + 2] <= '9') {
                *ms = i, *me = i + 3;
                return 1;
            }
            continue;
        default:
            return 0;
        }
    }
    return 0;
}

/* Split each piece of `in` (lengths, n_in of them, covering cp[0..)) by one
 * stage into `out`; returns the number of output pieces. Matches and the
 * unmatched gaps between them are both pieces. */
static size_t run_stage(int stage, const uint32_t *cp, const uint32_t *in, size_t n_in, uint32_t *out)
{
    size_t k, n_out = 0, s = 0;
    for (k = 0; k < n_in; k++) {
        size_t e = s + in[k], i = s;
        if (stage <= ST_QWEN35) {
            piece p;
            p.cp = cp;
            p.e = e;
            while (i < e) {
                size_t j;
                switch (stage) {
                case ST_GPT2: j = split_gpt2(&p, i); break;
                case ST_LLAMA3: j = split_llama3(&p, i, 3, 0); break;
                case ST_QWEN2: j = split_llama3(&p, i, 1, 0); break;
                default: j = split_llama3(&p, i, 1, 1); break;
                }
                out[n_out++] = (uint32_t)(j - i);
                i = j;
            }
        } else {
            size_t ms, me;
            while (i < e && next_match(stage, cp, i, e, &ms, &me)) {
                if (ms > i) out[n_out++] = (uint32_t)(ms - i);
                out[n_out++] = (uint32_t)(me - ms);
                i = me;
            }
            if (i < e) out[n_out++] = (uint32_t)(e - i);
        }
        s = e;
    }
    return n_out;
}

/* ================================================================== plan */

typedef struct frag {
    uint32_t off, len;
    int32_t tok;  /* -1: raw text */
    int32_t next; /* -1: last */
} frag;

typedef struct sym {
    uint32_t off, n;     /* bytes in the work buffer; n == 0: merged away */
    int32_t prev, next;
    uint32_t key;        /* of the pair (this, next): BPE rank, SPM ~score order */
    int32_t hpos;        /* position in the heap, -1 if the pair is not there */
    int32_t id;          /* BPE by ids: the symbol's token, -1 if it is none */
    int32_t mid;         /* BPE by ids: the token of the pair (this, next) */
} sym;

#define SEEN_BYTES (32 + 8192)

/* Bytes of the scratch carve-out for texts of up to n bytes (see the top). */
static uint64_t scratch_need(int kind, uint64_t n)
{
    uint64_t f = 8 * 8; /* alignment slack of the carve-outs */
    uint64_t part = (2 * n + 3) * sizeof(frag) + SEEN_BYTES;
    uint64_t bpe = (4 * n + 4) + 2 * 4 * (n + 1) + (6 * n + 8) + (3 * n + 1) * (sizeof(sym) + 4);
    uint64_t spm = (3 * n + 6) + (3 * n + 6) * (sizeof(sym) + 4);
    return f + part + (kind == CLK_TOK_BPE ? bpe : spm);
}

/* The arena allocations of the tables, in order; plan and init share it. */
static int table_sizes(const clk_tok_vocab *v, uint64_t sz[5])
{
    sz[0] = v->n_tokens * sizeof(clk_tok_token);
    sz[1] = (uint64_t)pow2_cap(v->n_tokens) * sizeof(clk_tok_slot);
    sz[2] = v->n_merges * sizeof(clk_tok_merge);
    /* one region for either merge table: id pairs at load <= 3/4, or, as
     * u32 ranks, four times as many slots */
    sz[3] = v->kind == CLK_TOK_BPE ? (uint64_t)pow2_cap((2 * v->n_merges + 2) / 3) * sizeof(clk_tok_pair) : 0;
    sz[4] = v->n_tokens * 4;
    return 5;
}

static const char *const LINE_TABLES = "tokenizer tables";
static const char *const LINE_SCRATCH = "tokenizer scratch";

static clk_status check_max_text(size_t max_text_bytes, clk_err *e)
{
    if (max_text_bytes > CLK_MAX_TOK_TEXT)
        return clk_fail(e, CLK_E_LIMIT,
                        "tokenizer: texts of %zu bytes were asked for, more than CLK_MAX_TOK_TEXT (%u bytes)",
                        max_text_bytes, (unsigned)CLK_MAX_TOK_TEXT);
    return CLK_OK;
}

clk_status clk_tok_plan_vocab(const clk_tok_vocab *v, size_t max_text_bytes, clk_plan *p, clk_err *e)
{
    uint64_t sz[5];
    int i, n = table_sizes(v, sz);
    CLK_TRY(check_max_text(max_text_bytes, e));
    for (i = 0; i < n; i++)
        if (sz[i]) clk_plan_add(p, LINE_TABLES, sz[i]);
    clk_plan_add(p, LINE_SCRATCH, scratch_need(v->kind, max_text_bytes));
    return CLK_OK;
}

clk_status clk_tok_plan(const clk_gguf *g, size_t max_text_bytes, clk_plan *p, clk_err *e)
{
    clk_tok_vocab v;
    CLK_TRY(clk_tok_vocab_from_gguf(&v, g, e));
    return clk_tok_plan_vocab(&v, max_text_bytes, p, e);
}

size_t clk_tok_max_tokens(size_t len) { return 6 * len + 8; }

/* ============================================================ from GGUF */

static clk_status opt_id(const clk_gguf *g, const char *key, int64_t *out, clk_err *e)
{
    uint32_t v;
    if (!clk_gguf_find(g, key)) return CLK_OK;
    CLK_TRY(clk_gguf_get_u32(g, key, &v, e));
    *out = v;
    return CLK_OK;
}

static clk_status opt_bool(const clk_gguf *g, const char *key, int *out, clk_err *e)
{
    if (!clk_gguf_find(g, key)) return CLK_OK;
    return clk_gguf_get_bool(g, key, out, e);
}

/* An optional numeric array of at least n elements of type `type`. */
static clk_status opt_arr(const clk_gguf *g, const char *key, uint32_t type, uint64_t n, const uint8_t **out,
                          clk_err *e)
{
    const clk_gguf_kv *kv;
    *out = NULL;
    if (!clk_gguf_find(g, key)) return CLK_OK;
    CLK_TRY(clk_gguf_get_arr(g, key, type, -1, &kv, e));
    if (kv->arr_n < n)
        return clk_fail(e, CLK_E_DATA, "GGUF key '%s': expected at least %llu elements (one per token), found %llu",
                        key, (unsigned long long)n, (unsigned long long)kv->arr_n);
    *out = kv->val;
    return CLK_OK;
}

clk_status clk_tok_vocab_from_gguf(clk_tok_vocab *v, const clk_gguf *g, clk_err *e)
{
    clk_str model;
    const clk_gguf_kv *kv;
    char sb[48];
    memset(v, 0, sizeof *v);
    v->bos = v->eos = v->eot = v->eom = v->unk = v->sep = v->pad = v->mask = -1;
    v->fim_pre = v->fim_suf = v->fim_mid = v->fim_pad = v->fim_rep = v->fim_sep = -1;
    v->add_bos = v->add_eos = v->add_space_prefix = -1;

    if (!clk_gguf_find(g, "tokenizer.ggml.model"))
        return clk_fail(e, CLK_E_DATA, "GGUF has no tokenizer: key 'tokenizer.ggml.model' is missing");
    CLK_TRY(clk_gguf_get_str(g, "tokenizer.ggml.model", &model, e));
    if (clk_str_eq(model, "llama")) v->kind = CLK_TOK_SPM;
    else if (clk_str_eq(model, "gpt2")) v->kind = CLK_TOK_BPE;
    else
        return clk_fail(e, CLK_E_UNSUPPORTED,
                        "tokenizer.ggml.model '%s' is not supported: expected 'llama' (SentencePiece) or "
                        "'gpt2' (byte-level BPE)",
                        shown(model.p, model.n, sb));
    if (clk_gguf_find(g, "tokenizer.ggml.pre")) CLK_TRY(clk_gguf_get_str(g, "tokenizer.ggml.pre", &v->pre, e));

    if (!clk_gguf_find(g, "tokenizer.ggml.tokens"))
        return clk_fail(e, CLK_E_DATA, "GGUF key 'tokenizer.ggml.tokens' (the vocabulary) is missing");
    CLK_TRY(clk_gguf_get_arr(g, "tokenizer.ggml.tokens", CLK_GGUF_STRING, -1, &kv, e));
    v->tokens = kv->val;
    v->n_tokens = kv->arr_n;
    v->tokens_bytes = kv->val_bytes;
    CLK_TRY(opt_arr(g, "tokenizer.ggml.scores", CLK_GGUF_F32, v->n_tokens, &v->scores, e));
    CLK_TRY(opt_arr(g, "tokenizer.ggml.token_type", CLK_GGUF_I32, v->n_tokens, &v->types, e));
    if (v->kind == CLK_TOK_BPE) {
        if (!clk_gguf_find(g, "tokenizer.ggml.merges"))
            return clk_fail(e, CLK_E_DATA, "GGUF key 'tokenizer.ggml.merges' is missing (required for 'gpt2')");
        CLK_TRY(clk_gguf_get_arr(g, "tokenizer.ggml.merges", CLK_GGUF_STRING, -1, &kv, e));
        v->merges = kv->val;
        v->n_merges = kv->arr_n;
        v->merges_bytes = kv->val_bytes;
    }
    CLK_TRY(opt_id(g, "tokenizer.ggml.bos_token_id", &v->bos, e));
    CLK_TRY(opt_id(g, "tokenizer.ggml.eos_token_id", &v->eos, e));
    CLK_TRY(opt_id(g, "tokenizer.ggml.eot_token_id", &v->eot, e));
    CLK_TRY(opt_id(g, "tokenizer.ggml.eom_token_id", &v->eom, e));
    CLK_TRY(opt_id(g, "tokenizer.ggml.unknown_token_id", &v->unk, e));
    CLK_TRY(opt_id(g, "tokenizer.ggml.seperator_token_id", &v->sep, e)); /* sic, llama.cpp's key */
    CLK_TRY(opt_id(g, "tokenizer.ggml.padding_token_id", &v->pad, e));
    CLK_TRY(opt_id(g, "tokenizer.ggml.mask_token_id", &v->mask, e));
    CLK_TRY(opt_id(g, "tokenizer.ggml.fim_pre_token_id", &v->fim_pre, e));
    CLK_TRY(opt_id(g, "tokenizer.ggml.fim_suf_token_id", &v->fim_suf, e));
    CLK_TRY(opt_id(g, "tokenizer.ggml.fim_mid_token_id", &v->fim_mid, e));
    CLK_TRY(opt_id(g, "tokenizer.ggml.fim_pad_token_id", &v->fim_pad, e));
    CLK_TRY(opt_id(g, "tokenizer.ggml.fim_rep_token_id", &v->fim_rep, e));
    CLK_TRY(opt_id(g, "tokenizer.ggml.fim_sep_token_id", &v->fim_sep, e));
    CLK_TRY(opt_id(g, "tokenizer.ggml.prefix_token_id", &v->fim_pre, e)); /* deprecated names */
    CLK_TRY(opt_id(g, "tokenizer.ggml.suffix_token_id", &v->fim_suf, e));
    CLK_TRY(opt_id(g, "tokenizer.ggml.middle_token_id", &v->fim_mid, e));
    CLK_TRY(opt_bool(g, "tokenizer.ggml.add_bos_token", &v->add_bos, e));
    CLK_TRY(opt_bool(g, "tokenizer.ggml.add_eos_token", &v->add_eos, e));
    CLK_TRY(opt_bool(g, "tokenizer.ggml.add_space_prefix", &v->add_space_prefix, e));
    return CLK_OK;
}

/* ================================================================== init */

static int text_is(const clk_tok *t, int32_t id, const char *s)
{
    size_t n = strlen(s);
    return t->tok[id].len == n && !memcmp(tok_bytes(t, id), s, n);
}

static int32_t find_cstr(const clk_tok *t, const char *s) { return vocab_find(t, (const unsigned char *)s, strlen(s)); }

/* The first text of a NULL-terminated list that is a token: its id, else -1.
 * llama.cpp takes whichever it meets first in its hash map's order; the list
 * order (most specific marker first) is our deterministic stand-in. */
static int32_t first_of(const clk_tok *t, const char *const *list)
{
    for (; *list; list++) {
        int32_t id = find_cstr(t, *list);
        if (id >= 0) return id;
    }
    return -1;
}

static void eog_add(clk_tok *t, int32_t id)
{
    int i, j;
    if (id < 0) return;
    for (i = 0; i < t->n_eog && t->eog[i] < id; i++) {}
    if (i < t->n_eog && t->eog[i] == id) return;
    if (t->n_eog == CLK_MAX_TOK_EOG) return; /* cannot happen: the lists below are shorter */
    for (j = t->n_eog; j > i; j--) t->eog[j] = t->eog[j - 1];
    t->eog[i] = id;
    t->n_eog++;
}

static void eog_remove(clk_tok *t, int32_t id)
{
    int i;
    for (i = 0; i < t->n_eog; i++)
        if (t->eog[i] == id) {
            for (; i + 1 < t->n_eog; i++) t->eog[i] = t->eog[i + 1];
            t->n_eog--;
            return;
        }
}

static int contains(const unsigned char *p, size_t n, const char *needle)
{
    size_t k = strlen(needle), i;
    for (i = 0; i + k <= n; i++)
        if (!memcmp(p + i, needle, k)) return 1;
    return 0;
}

/* llama.cpp's load-time attribute fix-ups by token text (llama-vocab.cpp,
 * "auto-detect special tokens by text" and after). */
static void fix_attributes(clk_tok *t, int64_t fim[6])
{
    static const char *const eot_list[] = {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
                                           "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]",
                                           "<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>",
                                           "<end_of_utterance>", NULL};
    static const char *const eom_list[] = {"<|eom_id|>", NULL};
    static const char *const fim_lists[6][9] = {
        {"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<\xef\xbd\x9c" "fim\xe2\x96\x81" "begin\xef\xbd\x9c>",
         "<PRE>", "\xe2\x96\x81<PRE>", "<|code_prefix|>", "<|prefix|>", NULL},
        {"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<\xef\xbd\x9c" "fim\xe2\x96\x81hole\xef\xbd\x9c>",
         "<SUF>", "\xe2\x96\x81<SUF>", "<|code_suffix|>", "<|suffix|>", NULL},
        {"<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<\xef\xbd\x9c" "fim\xe2\x96\x81" "end\xef\xbd\x9c>",
         "<MID>", "\xe2\x96\x81<MID>", "<|code_middle|>", "<|middle|>", NULL},
        {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]", NULL},
        {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>", NULL},
        {"<|file_sep|>", NULL}};
    static const char *const eog_list[] = {"<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>",
                                           "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>",
                                           "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>",
                                           "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
                                           "<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>",
                                           "[e~[", NULL};
    static const char *const user_defined[] = {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>", NULL};
    int32_t id, i;
    int k;

    /* end-of-turn / end-of-message / fill-in-the-middle markers: their ids
     * when the file does not give them, and CONTROL in any case */
    if (t->eot < 0 && (id = first_of(t, eot_list)) >= 0) {
        t->eot = id;
        t->tok[id].attr |= CLK_TOKATTR_CONTROL;
    }
    if (t->eom < 0 && (id = first_of(t, eom_list)) >= 0) {
        t->eom = id;
        t->tok[id].attr |= CLK_TOKATTR_CONTROL;
    }
    for (k = 0; k < 6; k++)
        if (fim[k] < 0 && (id = first_of(t, fim_lists[k])) >= 0) {
            fim[k] = id;
            t->tok[id].attr |= CLK_TOKATTR_CONTROL;
        }

    /* CONTROL tokens named "...unused..." are UNUSED too */
    for (i = 0; i < t->n_vocab; i++)
        if ((t->tok[i].attr & CLK_TOKATTR_CONTROL) && contains(tok_bytes(t, i), t->tok[i].len, "unused"))
            t->tok[i].attr |= CLK_TOKATTR_UNUSED;

    /* end of generation: FIM pad/repo/sep, the list, EOS/EOT/EOM */
    eog_add(t, (int32_t)fim[3]);
    eog_add(t, (int32_t)fim[4]);
    eog_add(t, (int32_t)fim[5]);
    for (k = 0; eog_list[k]; k++)
        if ((id = find_cstr(t, eog_list[k])) >= 0) {
            eog_add(t, id);
            t->tok[id].attr |= CLK_TOKATTR_CONTROL;
        }
    for (k = 0; user_defined[k]; k++) /* gpt-oss: always rendered */
        if ((id = find_cstr(t, user_defined[k])) >= 0) t->tok[id].attr = CLK_TOKATTR_USER_DEFINED;
    eog_add(t, t->eos);
    eog_add(t, t->eot);
    eog_add(t, t->eom);

    /* o200k_harmony / solar-open: <|end|> is not an end of generation there */
    {
        int has_return = 0, has_call = 0, has_flush = 0;
        int32_t end_id = -1;
        for (k = 0; k < t->n_eog; k++) {
            int32_t x = t->eog[k];
            if (text_is(t, x, "<|return|>")) has_return = 1;
            else if (text_is(t, x, "<|call|>") || text_is(t, x, "<|calls|>")) has_call = 1;
            else if (text_is(t, x, "<|flush|>")) has_flush = 1;
            else if (text_is(t, x, "<|end|>")) end_id = x;
        }
        if (end_id >= 0 && ((has_return && has_call) || (has_call && has_flush))) {
            eog_remove(t, end_id);
            t->tok[end_id].attr = CLK_TOKATTR_USER_DEFINED;
        }
    }
    /* gemma4 / paddleocr: </s> is not an end of generation there */
    {
        int has_tool_response = 0;
        int32_t s_id = -1;
        for (k = 0; k < t->n_eog; k++) {
            if (text_is(t, t->eog[k], "<|tool_response>")) has_tool_response = 1;
            else if (text_is(t, t->eog[k], "</s>")) s_id = t->eog[k];
        }
        if (has_tool_response && s_id >= 0) {
            eog_remove(t, s_id);
            t->tok[s_id].attr = CLK_TOKATTR_NORMAL;
        }
    }
}

/* Heap sort of the special ids: longest text first, then lower id (a total
 * order, so the result does not depend on the sort). */
static int special_before(const clk_tok *t, int32_t a, int32_t b)
{
    return t->tok[a].len > t->tok[b].len || (t->tok[a].len == t->tok[b].len && a < b);
}

static void special_sift(const clk_tok *t, int32_t *v, size_t i, size_t n)
{
    for (;;) {
        size_t c = 2 * i + 1, m = i;
        int32_t tmp;
        if (c < n && special_before(t, v[m], v[c])) m = c;
        if (c + 1 < n && special_before(t, v[m], v[c + 1])) m = c + 1;
        if (m == i) return;
        tmp = v[i], v[i] = v[m], v[m] = tmp;
        i = m;
    }
}

static void sort_special(const clk_tok *t, int32_t *v, size_t n)
{
    size_t i;
    if (n < 2) return;
    for (i = n / 2; i-- > 0;) special_sift(t, v, i, n);
    for (i = n - 1; i > 0; i--) {
        int32_t tmp = v[0];
        v[0] = v[i], v[i] = tmp;
        special_sift(t, v, 0, i);
    }
}

static uint32_t type_attr(int64_t type)
{
    switch (type) {
    case CLK_TOKTYPE_NORMAL: return CLK_TOKATTR_NORMAL;
    case CLK_TOKTYPE_UNKNOWN: return CLK_TOKATTR_UNKNOWN;
    case CLK_TOKTYPE_CONTROL: return CLK_TOKATTR_CONTROL;
    case CLK_TOKTYPE_USER_DEFINED: return CLK_TOKATTR_USER_DEFINED;
    case CLK_TOKTYPE_UNUSED: return CLK_TOKATTR_UNUSED;
    case CLK_TOKTYPE_BYTE: return CLK_TOKATTR_BYTE;
    default: return 0; /* undefined */
    }
}

/* A special id from the file, or the default; out of range: none. */
static int32_t pick_id(int64_t from_file, int32_t dflt, int32_t n)
{
    if (from_file >= 0 && from_file < n) return (int32_t)from_file;
    return dflt >= 0 && dflt < n ? dflt : -1;
}

clk_status clk_tok_init_vocab(clk_tok *t, const clk_tok_vocab *v, size_t max_text_bytes, clk_arena *a, clk_err *e)
{
    uint64_t sz[5], i;
    void *mem[5];
    const uint8_t *it, *end;
    int k, pre = 0;
    int64_t fim[6];
    char sb[48];

    memset(t, 0, sizeof *t);
    CLK_TRY(check_max_text(max_text_bytes, e));
    if (v->kind != CLK_TOK_SPM && v->kind != CLK_TOK_BPE)
        return clk_fail(e, CLK_E_ARG, "tokenizer: unknown vocabulary kind %d", v->kind);
    if (v->n_tokens == 0 || v->n_tokens > 0x3FFFFFFF)
        return clk_fail(e, CLK_E_DATA, "tokenizer.ggml.tokens: expected 1..%u tokens, found %llu", 0x3FFFFFFFu,
                        (unsigned long long)v->n_tokens);
    if (v->tokens_bytes > 0xFFFFFFFFu || v->merges_bytes > 0xFFFFFFFFu || v->n_merges > 0x3FFFFFFF)
        return clk_fail(e, CLK_E_LIMIT, "tokenizer: vocabulary or merges of more than 4 GiB are not supported");
    if (v->kind == CLK_TOK_BPE) {
        pre = pre_lookup(v->pre);
        if (pre < 0)
            return clk_fail(e, CLK_E_UNSUPPORTED,
                            "tokenizer.ggml.pre '%s' is not supported; supported: default, qwen2, qwen35, "
                            "llama-bpe (llama3), gpt-2, smollm, falcon and their aliases",
                            shown(v->pre.p, v->pre.n, sb));
    }
    if (v->pre.p) {
        size_t n = v->pre.n < sizeof t->pre_name - 1 ? (size_t)v->pre.n : sizeof t->pre_name - 1;
        memcpy(t->pre_name, v->pre.p, n);
    }

    t->kind = v->kind;
    t->pre = pre;
    t->n_vocab = (int32_t)v->n_tokens;
    t->n_merges = (int32_t)v->n_merges;
    t->text_base = v->tokens;
    t->merge_base = v->merges;
    t->max_text = max_text_bytes;

    table_sizes(v, sz);
    for (k = 0; k < 5; k++) {
        mem[k] = NULL;
        if (sz[k]) CLK_TRY(clk_arena_alloc(a, (size_t)sz[k], LINE_TABLES, &mem[k], e));
    }
    t->tok = (clk_tok_token *)mem[0];
    t->vocab_hash = (clk_tok_slot *)mem[1];
    t->vocab_mask = (uint32_t)(sz[1] / sizeof(clk_tok_slot) - 1);
    t->merge = (clk_tok_merge *)mem[2];
    t->special = (int32_t *)mem[4];
    t->scratch_bytes = (size_t)scratch_need(v->kind, max_text_bytes);
    CLK_TRY(clk_arena_alloc(a, t->scratch_bytes, LINE_SCRATCH, (void **)&t->scratch, e));
    memset(t->vocab_hash, 0, (size_t)sz[1]);
    if (sz[3]) memset(mem[3], 0, (size_t)sz[3]);

    /* tokens: text spans, scores, attributes, and text -> id */
    it = v->tokens;
    end = v->tokens + v->tokens_bytes;
    for (i = 0; i < v->n_tokens; i++) {
        clk_tok_token *tk = &t->tok[i];
        uint64_t n;
        if (end - it < 8 || (n = clk_rd64(it)) > (uint64_t)(end - it) - 8)
            return clk_fail(e, CLK_E_FORMAT, "tokenizer.ggml.tokens: token %llu runs past the end of the array",
                            (unsigned long long)i);
        tk->off = (uint32_t)(it + 8 - v->tokens);
        tk->len = (uint32_t)n;
        it += 8 + n;
        if (n > t->max_token_len) t->max_token_len = (uint32_t)n;
        tk->score = 0;
        if (v->scores) {
            uint32_t bits = clk_rd32(v->scores + 4 * i);
            memcpy(&tk->score, &bits, 4);
        }
        tk->attr = v->types ? type_attr((int32_t)clk_rd32(v->types + 4 * i)) : CLK_TOKATTR_NORMAL;
        if (n == 0) continue; /* llama.cpp renames empty tokens "[EMPTY_<id>]": never produced here */
        {
            uint32_t hv = hash_text(it - n, (size_t)n), h = hv & t->vocab_mask;
            while (t->vocab_hash[h].id1) {
                uint32_t o = t->vocab_hash[h].id1 - 1;
                if (t->tok[o].len == n && !memcmp(tok_bytes(t, (int32_t)o), it - n, (size_t)n))
                    return clk_fail(e, CLK_E_DATA,
                                    "tokenizer.ggml.tokens: token %llu has the same text as token %u ('%s'); "
                                    "llama.cpp rejects such vocabularies too",
                                    (unsigned long long)i, o, shown(it - n, n, sb));
                h = (h + 1) & t->vocab_mask;
            }
            t->vocab_hash[h].id1 = (uint32_t)i + 1;
            t->vocab_hash[h].hash = hv;
        }
    }

    /* merges: "left right", split at the first space after the first byte
     * (no space, or nothing after it: a pair that never matches) */
    it = v->merges;
    end = v->merges ? v->merges + v->merges_bytes : NULL;
    t->merge_by_id = 1;
    for (i = 0; i < v->n_merges; i++) {
        clk_tok_merge *m = &t->merge[i];
        uint64_t n, sp;
        const unsigned char *s;
        if (end - it < 8 || (n = clk_rd64(it)) > (uint64_t)(end - it) - 8)
            return clk_fail(e, CLK_E_FORMAT, "tokenizer.ggml.merges: merge %llu runs past the end of the array",
                            (unsigned long long)i);
        s = it + 8;
        it += 8 + n;
        m->off = (uint32_t)(s - v->merges);
        m->llen = m->rlen = 0;
        m->left = m->right = m->result = -1;
        for (sp = 1; sp < n && s[sp] != ' '; sp++) {}
        if (sp + 1 >= n) continue;
        m->llen = (uint32_t)sp;
        m->rlen = (uint32_t)(n - sp - 1);
        /* keyed by ids only if both parts and the result are tokens */
        m->left = vocab_find(t, s, m->llen);
        m->right = vocab_find(t, s + sp + 1, m->rlen);
        m->result = vocab_find2(t, s, m->llen, s + sp + 1, m->rlen);
        if (m->left < 0 || m->right < 0 || m->result < 0) t->merge_by_id = 0;
    }
    if (sz[3]) {
        uint64_t slots = sz[3] / (t->merge_by_id ? sizeof(clk_tok_pair) : 4);
        t->merge_mask = (uint32_t)(slots - 1);
        if (t->merge_by_id) t->merge_pair = (clk_tok_pair *)mem[3];
        else t->merge_hash = (uint32_t *)mem[3];
    }
    for (i = 0; i < v->n_merges; i++) { /* a pair listed twice keeps its first rank */
        const clk_tok_merge *m = &t->merge[i];
        const unsigned char *s = t->merge_base + m->off, *r = s + m->llen + 1;
        uint32_t h;
        if (m->rlen == 0) continue;
        if (t->merge_by_id) {
            uint32_t la = (uint32_t)m->left, rb = (uint32_t)m->right;
            for (h = hash_ids(la, rb) & t->merge_mask; t->merge_pair[h].rank1; h = (h + 1) & t->merge_mask)
                if (t->merge_pair[h].left == la && t->merge_pair[h].right == rb) break;
            if (t->merge_pair[h].rank1) continue;
            t->merge_pair[h].left = la;
            t->merge_pair[h].right = rb;
            t->merge_pair[h].rank1 = (uint32_t)i + 1;
            t->merge_pair[h].result = (uint32_t)m->result;
        } else {
            for (h = hash_pair(s, m->llen, r, m->rlen) & t->merge_mask; t->merge_hash[h]; h = (h + 1) & t->merge_mask) {
                const clk_tok_merge *o = &t->merge[t->merge_hash[h] - 1];
                if (o->llen == m->llen && o->rlen == m->rlen && !memcmp(t->merge_base + o->off, s, m->llen + 1 + m->rlen))
                    break;
            }
            if (!t->merge_hash[h]) t->merge_hash[h] = (uint32_t)i + 1;
        }
    }

    /* behaviour flags and special ids (llama.cpp defaults, then the file) */
    if (t->kind == CLK_TOK_SPM) {
        t->bos = pick_id(v->bos, 1, t->n_vocab);
        t->eos = pick_id(v->eos, 2, t->n_vocab);
        t->unk = pick_id(v->unk, 0, t->n_vocab);
        t->add_bos = 1;
        t->add_space_prefix = 1;
        t->clean_spaces = 0;
    } else {
        const pre_def *d = &pre_defs[pre];
        t->bos = pick_id(v->bos, d->no_bos ? -1 : 11, t->n_vocab);
        t->eos = pick_id(v->eos, 11, t->n_vocab);
        t->unk = pick_id(v->unk, -1, t->n_vocab);
        t->add_bos = d->add_bos;
        t->add_space_prefix = 0;
        t->ignore_merges = d->ignore_merges;
        t->clean_spaces = d->clean_spaces;
    }
    t->eot = pick_id(v->eot, -1, t->n_vocab);
    t->eom = pick_id(v->eom, -1, t->n_vocab);
    t->pad = pick_id(v->pad, -1, t->n_vocab);
    t->add_eos = 0;
    if (v->add_bos >= 0) t->add_bos = v->add_bos;
    if (v->add_eos >= 0) t->add_eos = v->add_eos;
    if (v->add_space_prefix >= 0) t->add_space_prefix = v->add_space_prefix;
    fim[0] = pick_id(v->fim_pre, -1, t->n_vocab);
    fim[1] = pick_id(v->fim_suf, -1, t->n_vocab);
    fim[2] = pick_id(v->fim_mid, -1, t->n_vocab);
    fim[3] = pick_id(v->fim_pad, -1, t->n_vocab);
    fim[4] = pick_id(v->fim_rep, -1, t->n_vocab);
    fim[5] = pick_id(v->fim_sep, -1, t->n_vocab);

    fix_attributes(t, fim);

    /* tokens cut out before tokenizing: CONTROL, USER_DEFINED, UNKNOWN */
    t->n_special = 0;
    for (i = 0; i < v->n_tokens; i++)
        if ((t->tok[i].attr & (CLK_TOKATTR_CONTROL | CLK_TOKATTR_USER_DEFINED | CLK_TOKATTR_UNKNOWN)) &&
            t->tok[i].len > 0)
            t->special[t->n_special++] = (int32_t)i;
    sort_special(t, t->special, (size_t)t->n_special);

    /* byte fallback: SPM <0xXX> (else the byte itself), BPE the 1-byte text */
    for (k = 0; k < 256; k++) {
        unsigned char b = (unsigned char)k;
        t->byte_tok[k] = -1;
        if (t->kind == CLK_TOK_SPM) {
            static const char hex[] = "0123456789ABCDEF";
            char name[6];
            name[0] = '<', name[1] = '0', name[2] = 'x', name[3] = hex[k >> 4], name[4] = hex[k & 15], name[5] = '>';
            t->byte_tok[k] = vocab_find(t, (const unsigned char *)name, 6);
        }
        if (t->byte_tok[k] < 0) t->byte_tok[k] = vocab_find(t, &b, 1);
        t->char_tok[k] = -1;
        if (t->kind == CLK_TOK_BPE) {
            unsigned char u[4];
            t->char_tok[k] = vocab_find(t, u, lax_encode(gpt2_byte_cp(b), u));
        }
    }
    return CLK_OK;
}

clk_status clk_tok_init(clk_tok *t, const clk_gguf *g, size_t max_text_bytes, clk_arena *a, clk_err *e)
{
    clk_tok_vocab v;
    CLK_TRY(clk_tok_vocab_from_gguf(&v, g, e));
    return clk_tok_init_vocab(t, &v, max_text_bytes, a, e);
}

/* ============================================================= accessors */

clk_str clk_tok_text(const clk_tok *t, int32_t id)
{
    clk_str s;
    s.p = NULL;
    s.n = 0;
    if (id < 0 || id >= t->n_vocab) return s;
    s.p = (const char *)tok_bytes(t, id);
    s.n = t->tok[id].len;
    return s;
}

uint32_t clk_tok_attr(const clk_tok *t, int32_t id) { return id >= 0 && id < t->n_vocab ? t->tok[id].attr : 0; }

int clk_tok_type(const clk_tok *t, int32_t id)
{
    uint32_t a = clk_tok_attr(t, id);
    if (a & CLK_TOKATTR_CONTROL) return CLK_TOKTYPE_CONTROL;
    if (a & CLK_TOKATTR_USER_DEFINED) return CLK_TOKTYPE_USER_DEFINED;
    if (a & CLK_TOKATTR_UNKNOWN) return CLK_TOKTYPE_UNKNOWN;
    if (a & CLK_TOKATTR_BYTE) return CLK_TOKTYPE_BYTE;
    if (a & CLK_TOKATTR_UNUSED) return CLK_TOKTYPE_UNUSED;
    if (a & CLK_TOKATTR_NORMAL) return CLK_TOKTYPE_NORMAL;
    return CLK_TOKTYPE_UNDEFINED;
}

int clk_tok_is_eog(const clk_tok *t, int32_t id)
{
    int i;
    for (i = 0; i < t->n_eog; i++)
        if (t->eog[i] == id) return 1;
    return 0;
}

/* ============================================================= encoding */

/* The output cursor of one encode call. */
typedef struct emit {
    int32_t *out;
    size_t cap, n;
    clk_err *e;
} emit;

static clk_status put(emit *o, int32_t id)
{
    if (o->n == o->cap)
        return clk_fail(o->e, CLK_E_LIMIT, "tokenizer: the output buffer of %zu token ids is full (clk_tok_max_tokens "
                        "gives a safe size)", o->cap);
    o->out[o->n++] = id;
    return CLK_OK;
}

/* A bump pointer over the scratch block (8-byte aligned pieces). */
typedef struct carve {
    unsigned char *p, *end;
} carve;

static void *take(carve *c, size_t bytes)
{
    unsigned char *p = c->p;
    size_t pad = (size_t)((8 - ((uintptr_t)p & 7)) & 7);
    p += pad;
    c->p = p + bytes; /* the plan includes the worst case: never past end */
    return p;
}

/* ---- the heap of symbol pairs: min (key, left index) on top */

typedef struct heap {
    sym *s;
    int32_t *h;
    int32_t n;
} heap;

static int h_less(const sym *s, int32_t a, int32_t b) { return s[a].key < s[b].key || (s[a].key == s[b].key && a < b); }

static void h_up(heap *q, int32_t i)
{
    int32_t x = q->h[i];
    while (i > 0) {
        int32_t p = (i - 1) / 2;
        if (!h_less(q->s, x, q->h[p])) break;
        q->h[i] = q->h[p];
        q->s[q->h[i]].hpos = i;
        i = p;
    }
    q->h[i] = x;
    q->s[x].hpos = i;
}

static void h_down(heap *q, int32_t i)
{
    int32_t x = q->h[i];
    for (;;) {
        int32_t c = 2 * i + 1;
        if (c >= q->n) break;
        if (c + 1 < q->n && h_less(q->s, q->h[c + 1], q->h[c])) c++;
        if (!h_less(q->s, q->h[c], x)) break;
        q->h[i] = q->h[c];
        q->s[q->h[i]].hpos = i;
        i = c;
    }
    q->h[i] = x;
    q->s[x].hpos = i;
}

static void h_remove(heap *q, int32_t sidx)
{
    int32_t i = q->s[sidx].hpos, last;
    if (i < 0) return;
    q->s[sidx].hpos = -1;
    last = q->h[--q->n];
    if (last == sidx) return;
    q->h[i] = last;
    q->s[last].hpos = i;
    h_up(q, i);
    h_down(q, q->s[last].hpos);
}

static void h_set(heap *q, int32_t sidx, uint32_t key)
{
    q->s[sidx].key = key;
    if (q->s[sidx].hpos < 0) {
        q->h[q->n] = sidx;
        q->s[sidx].hpos = q->n++;
        h_up(q, q->s[sidx].hpos);
    } else {
        h_up(q, q->s[sidx].hpos);
        h_down(q, q->s[sidx].hpos);
    }
}

/* Merge the right neighbour of L into L; returns the new neighbours'
 * indices through the caller re-evaluating (prev, L) and (L, next). */
static void merge_right(heap *q, int32_t L)
{
    sym *s = q->s;
    int32_t R = s[L].next;
    s[L].n += s[R].n;
    s[R].n = 0;
    s[L].next = s[R].next;
    if (s[R].next >= 0) s[s[R].next].prev = L;
    h_remove(q, R);
}

/* ---- SPM */

/* Order-preserving key of a score, best (highest) first. */
static uint32_t score_key(float f)
{
    uint32_t u;
    if (f == 0) f = 0; /* -0 == +0 */
    memcpy(&u, &f, 4);
    u = (u & 0x80000000u) ? ~u : (u | 0x80000000u); /* ascending with f */
    return ~u;
}

static void spm_pair(const clk_tok *t, heap *q, const unsigned char *buf, int32_t L)
{
    int32_t R, id;
    if (L < 0) return;
    R = q->s[L].next;
    if (R < 0) {
        h_remove(q, L);
        return;
    }
    id = vocab_find(t, buf + q->s[L].off, q->s[L].n + q->s[R].n);
    if (id < 0) h_remove(q, L);
    else h_set(q, L, score_key(t->tok[id].score));
}

static clk_status spm_fragment(const clk_tok *t, carve c, const unsigned char *src, size_t len, int prefix, emit *o)
{
    unsigned char *buf = (unsigned char *)take(&c, 3 * len + 6);
    size_t n = 0, i, ns = 0, off;
    heap q;
    if (prefix) {
        buf[n++] = 0xE2, buf[n++] = 0x96, buf[n++] = 0x81;
    }
    for (i = 0; i < len; i++) {
        if (src[i] == ' ') buf[n++] = 0xE2, buf[n++] = 0x96, buf[n++] = 0x81;
        else buf[n++] = src[i];
    }
    q.s = (sym *)take(&c, (3 * len + 6) * sizeof(sym));
    q.h = (int32_t *)take(&c, (3 * len + 6) * 4);
    q.n = 0;
    for (off = 0; off < n; ns++) {
        size_t l = lead_len(buf[off]);
        if (l > n - off) l = n - off;
        q.s[ns].off = (uint32_t)off;
        q.s[ns].n = (uint32_t)l;
        q.s[ns].prev = (int32_t)ns - 1;
        q.s[ns].next = off + l == n ? -1 : (int32_t)ns + 1;
        q.s[ns].hpos = -1;
        off += l;
    }
    for (i = 0; i + 1 < ns; i++) spm_pair(t, &q, buf, (int32_t)i);
    while (q.n > 0) {
        int32_t L = q.h[0];
        h_remove(&q, L);
        merge_right(&q, L);
        spm_pair(t, &q, buf, q.s[L].prev);
        spm_pair(t, &q, buf, L);
    }
    for (i = 0; i < ns; i++) { /* symbols keep their order: a merge keeps the left index */
        int32_t id;
        if (q.s[i].n == 0) continue;
        id = vocab_find(t, buf + q.s[i].off, q.s[i].n);
        if (id >= 0) {
            CLK_TRY(put(o, id));
        } else {
            uint32_t k;
            for (k = 0; k < q.s[i].n; k++) {
                int32_t b = t->byte_tok[buf[q.s[i].off + k]];
                if (b < 0)
                    return clk_fail(o->e, CLK_E_DATA,
                                    "tokenizer: byte 0x%02X has no token (<0x%02X>) in this SentencePiece vocabulary",
                                    buf[q.s[i].off + k], buf[q.s[i].off + k]);
                CLK_TRY(put(o, b));
            }
        }
    }
    return CLK_OK;
}

/* ---- BPE */

static void bpe_pair(const clk_tok *t, heap *q, const unsigned char *buf, int32_t L)
{
    int32_t R, r;
    if (L < 0) return;
    R = q->s[L].next;
    if (R < 0) {
        h_remove(q, L);
        return;
    }
    if (t->merge_by_id) {
        const clk_tok_pair *m = q->s[L].id >= 0 && q->s[R].id >= 0
                                    ? pair_find(t, (uint32_t)q->s[L].id, (uint32_t)q->s[R].id) : NULL;
        if (!m) {
            h_remove(q, L);
            return;
        }
        q->s[L].mid = (int32_t)m->result;
        h_set(q, L, m->rank1 - 1);
        return;
    }
    r = merge_find(t, buf + q->s[L].off, q->s[L].n, q->s[R].n);
    if (r < 0) h_remove(q, L);
    else h_set(q, L, (uint32_t)r);
}

/* One pre-token (code points) -> ids. */
static clk_status bpe_word(const clk_tok *t, carve c, const uint32_t *cp, size_t ncp, emit *o)
{
    unsigned char *enc;
    size_t n = 0, i, ns = 0, u = 0;
    heap q;
    int32_t id;
    /* u = UTF-8 bytes of the pre-token = its symbols; at most 3 per byte of
     * the original text (an invalid byte became U+FFFD) */
    for (i = 0; i < ncp; i++) u += cp[i] < 0x80 ? 1 : cp[i] < 0x800 ? 2 : cp[i] < 0x10000 ? 3 : 4;
    enc = (unsigned char *)take(&c, 2 * u + 8);
    q.s = (sym *)take(&c, (u + 1) * sizeof(sym));
    q.h = (int32_t *)take(&c, (u + 1) * 4);
    q.n = 0;
    /* every UTF-8 byte becomes one GPT-2 character: one symbol */
    for (i = 0; i < ncp; i++) {
        unsigned char b8[4];
        size_t k, m = lax_encode(cp[i], b8);
        for (k = 0; k < m; k++, ns++) {
            q.s[ns].off = (uint32_t)n;
            q.s[ns].n = (uint32_t)lax_encode(gpt2_byte_cp(b8[k]), enc + n);
            q.s[ns].prev = (int32_t)ns - 1;
            q.s[ns].next = (int32_t)ns + 1;
            q.s[ns].hpos = -1;
            q.s[ns].id = t->char_tok[b8[k]];
            n += q.s[ns].n;
        }
    }
    if (ns == 0) return CLK_OK;
    q.s[ns - 1].next = -1;
    if (t->ignore_merges && (id = vocab_find(t, enc, n)) >= 0) return put(o, id);

    for (i = 0; i + 1 < ns; i++) bpe_pair(t, &q, enc, (int32_t)i);
    while (q.n > 0) {
        int32_t L = q.h[0];
        h_remove(&q, L);
        merge_right(&q, L);
        q.s[L].id = q.s[L].mid;
        bpe_pair(t, &q, enc, q.s[L].prev);
        bpe_pair(t, &q, enc, L);
    }
    for (i = 0; i < ns; i++) {
        if (q.s[i].n == 0) continue;
        id = t->merge_by_id ? q.s[i].id : vocab_find(t, enc + q.s[i].off, q.s[i].n);
        if (id >= 0) {
            CLK_TRY(put(o, id));
        } else { /* llama.cpp: each byte as a 1-byte token, dropped if there is none */
            uint32_t k;
            for (k = 0; k < q.s[i].n; k++) {
                int32_t b = t->byte_tok[enc[q.s[i].off + k]];
                if (b >= 0) CLK_TRY(put(o, b));
            }
        }
    }
    return CLK_OK;
}

static clk_status pretokenize(const clk_tok *t, carve *c, const unsigned char *src, size_t len, size_t at,
                              uint32_t **cp_out, size_t *ncp_out, uint32_t **cuts, size_t *n_cut, clk_err *e)
{
    uint32_t *cp = (uint32_t *)take(c, 4 * len + 4);
    uint32_t *cut[2];
    size_t ncp = 0, i = 0, n = 0, k;
    const pre_def *d = &pre_defs[t->pre];
    int cur = 0;
    cut[0] = (uint32_t *)take(c, 4 * (len + 1));
    cut[1] = (uint32_t *)take(c, 4 * (len + 1));
    while (i < len) {
        size_t m = lax_decode(src + i, len - i, &cp[ncp]);
        if (cp[ncp] > 0x10FFFF)
            return clk_fail(e, CLK_E_FORMAT,
                            "tokenizer: invalid UTF-8 at byte %zu of the text: a 4-byte sequence encodes U+%lX, "
                            "beyond U+10FFFF (llama.cpp aborts on this input)",
                            at + i, (unsigned long)cp[ncp]);
        ncp++;
        i += m;
    }
    if (ncp > 0) {
        cut[0][0] = (uint32_t)ncp;
        n = 1;
        for (k = 0; k < 4 && d->stage[k] != ST_END; k++) {
            n = run_stage(d->stage[k], cp, cut[cur], n, cut[!cur]);
            cur = !cur;
        }
    }
    *cp_out = cp;
    *ncp_out = ncp;
    *cuts = cut[cur];
    *n_cut = n;
    return CLK_OK;
}

static clk_status bpe_fragment(const clk_tok *t, carve c, const unsigned char *src, size_t len, size_t at, emit *o)
{
    uint32_t *cp, *cut;
    size_t ncp, n_cut, k, s;
    CLK_TRY(pretokenize(t, &c, src, len, at, &cp, &ncp, &cut, &n_cut, o->e));
    for (k = 0, s = 0; k < n_cut; s += cut[k], k++) CLK_TRY(bpe_word(t, c, cp + s, cut[k], o));
    return CLK_OK;
}

clk_status clk_tok_split(clk_tok *t, const char *text, size_t len, uint32_t *out, size_t cap, size_t *n, clk_err *e)
{
    const unsigned char *src = (const unsigned char *)text;
    carve c;
    uint32_t *cp, *cut;
    size_t ncp, n_cut, k, i = 0;
    *n = 0;
    if (len > t->max_text)
        return clk_fail(e, CLK_E_LIMIT, "tokenizer: a text of %zu bytes is longer than the %zu bytes planned", len,
                        t->max_text);
    if (t->kind == CLK_TOK_SPM) { /* SentencePiece has no pre-tokenizer: one piece */
        if (len == 0) return CLK_OK;
        if (cap < 1) return clk_fail(e, CLK_E_LIMIT, "tokenizer: the output buffer of %zu pieces is full", cap);
        out[0] = (uint32_t)len;
        *n = 1;
        return CLK_OK;
    }
    c.p = t->scratch;
    c.end = t->scratch + t->scratch_bytes;
    CLK_TRY(pretokenize(t, &c, src, len, 0, &cp, &ncp, &cut, &n_cut, e));
    if (n_cut > cap) return clk_fail(e, CLK_E_LIMIT, "tokenizer: the output buffer of %zu pieces is full", cap);
    for (k = 0; k < n_cut; k++) { /* code points -> bytes of the original text */
        size_t b = i, m;
        for (m = 0; m < cut[k]; m++) {
            uint32_t dummy;
            i += lax_decode(src + i, len - i, &dummy);
        }
        out[k] = (uint32_t)(i - b);
    }
    *n = n_cut;
    return CLK_OK;
}

/* ---- the special-token partition */

/* First occurrence of pat[0..m) in s[0..n), or -1. */
static long find_bytes(const unsigned char *s, size_t n, const unsigned char *pat, size_t m)
{
    size_t i = 0;
    if (m > n) return -1;
    while (i + m <= n) {
        const unsigned char *h = (const unsigned char *)memchr(s + i, pat[0], n - m + 1 - i);
        if (!h) return -1;
        i = (size_t)(h - s);
        if (!memcmp(h + 1, pat + 1, m - 1)) return (long)i;
        i++;
    }
    return -1;
}

clk_status clk_tok_encode(clk_tok *t, const char *text, size_t len, int add_special, int parse_special,
                          int32_t *out, size_t cap, size_t *n, clk_err *e)
{
    const unsigned char *s = (const unsigned char *)text;
    carve c;
    frag *f;
    unsigned char *seen;
    emit o;
    int32_t nf = 0, i, k;
    size_t j;
    int prev_special = 1;

    *n = 0;
    o.out = out, o.cap = cap, o.n = 0, o.e = e;
    if (len > t->max_text)
        return clk_fail(e, CLK_E_LIMIT,
                        "tokenizer: a text of %zu bytes is longer than the %zu bytes planned (max_text_bytes of "
                        "clk_tok_plan)",
                        len, t->max_text);
    c.p = t->scratch;
    c.end = t->scratch + t->scratch_bytes;
    f = (frag *)take(&c, (2 * len + 3) * sizeof(frag));
    seen = (unsigned char *)take(&c, SEEN_BYTES);

    if (add_special && t->add_bos) {
        if (t->bos < 0) return clk_fail(e, CLK_E_DATA, "tokenizer: the vocabulary adds a BOS token but has none");
        CLK_TRY(put(&o, t->bos));
    }

    if (len > 0) {
        f[0].off = 0, f[0].len = (uint32_t)len, f[0].tok = -1, f[0].next = -1;
        nf = 1;
        /* which bytes and byte pairs occur: a special token whose first one
         * or two bytes do not occur cannot match */
        memset(seen, 0, SEEN_BYTES);
        for (j = 0; j < len; j++) {
            seen[s[j] >> 3] |= (unsigned char)(1u << (s[j] & 7));
            if (j + 1 < len) {
                unsigned pr = ((unsigned)s[j] << 8) | s[j + 1];
                seen[32 + (pr >> 3)] |= (unsigned char)(1u << (pr & 7));
            }
        }
        for (k = 0; k < t->n_special; k++) {
            int32_t id = t->special[k];
            const unsigned char *pat = tok_bytes(t, id);
            size_t m = t->tok[id].len;
            if (!parse_special && (t->tok[id].attr & (CLK_TOKATTR_CONTROL | CLK_TOKATTR_UNKNOWN))) continue;
            if (m > len || !(seen[pat[0] >> 3] & (1u << (pat[0] & 7)))) continue;
            if (m > 1) {
                unsigned pr = ((unsigned)pat[0] << 8) | pat[1];
                if (!(seen[32 + (pr >> 3)] & (1u << (pr & 7)))) continue;
            }
            for (i = 0; i >= 0; i = f[i].next) {
                if (f[i].tok >= 0) continue;
                for (;;) {
                    long at = find_bytes(s + f[i].off, f[i].len, pat, m);
                    uint32_t pos, end;
                    if (at < 0) break;
                    pos = f[i].off + (uint32_t)at;
                    end = f[i].off + f[i].len;
                    if (at > 0) { /* text before the match stays in f[i] */
                        f[i].len = (uint32_t)at;
                        f[nf].off = pos, f[nf].len = (uint32_t)m, f[nf].tok = id, f[nf].next = f[i].next;
                        f[i].next = nf;
                        i = nf++;
                    } else {
                        f[i].tok = id;
                        f[i].len = (uint32_t)m;
                    }
                    if (pos + m < end) { /* the rest is a new raw fragment, searched on */
                        f[nf].off = pos + (uint32_t)m, f[nf].len = end - pos - (uint32_t)m, f[nf].tok = -1;
                        f[nf].next = f[i].next;
                        f[i].next = nf;
                        i = nf++;
                        continue;
                    }
                    break;
                }
            }
        }
    }

    for (i = 0; nf > 0 && i >= 0; i = f[i].next) {
        if (f[i].tok >= 0) {
            CLK_TRY(put(&o, f[i].tok));
            prev_special = 1;
        } else if (t->kind == CLK_TOK_SPM) {
            CLK_TRY(spm_fragment(t, c, s + f[i].off, f[i].len, t->add_space_prefix && prev_special, &o));
            prev_special = 0;
        } else {
            CLK_TRY(bpe_fragment(t, c, s + f[i].off, f[i].len, f[i].off, &o));
        }
    }

    if (add_special && t->add_eos) {
        if (t->eos < 0) return clk_fail(e, CLK_E_DATA, "tokenizer: the vocabulary adds an EOS token but has none");
        CLK_TRY(put(&o, t->eos));
    }
    *n = o.n;
    return CLK_OK;
}

/* ============================================================= decoding */

typedef struct sink {
    char *p;
    size_t cap, n;
    int full;
} sink;

static void sink_put(sink *k, const void *p, size_t n)
{
    if (k->full || n > k->cap - k->n) {
        k->full = 1;
        return;
    }
    memcpy(k->p + k->n, p, n);
    k->n += n;
}

/* The piece of one token into k (no lstrip). */
static void piece_into(const clk_tok *t, int32_t id, int flags, sink *k)
{
    uint32_t a = t->tok[id].attr;
    const unsigned char *p = tok_bytes(t, id);
    size_t n = t->tok[id].len, i;
    if (!(flags & CLK_TOK_DEC_SPECIAL) && (a & (CLK_TOKATTR_UNKNOWN | CLK_TOKATTR_CONTROL))) return;
    if (a & (CLK_TOKATTR_UNKNOWN | CLK_TOKATTR_CONTROL | CLK_TOKATTR_USER_DEFINED)) {
        sink_put(k, p, n);
    } else if (a & CLK_TOKATTR_NORMAL) {
        if (t->kind == CLK_TOK_SPM) { /* U+2581 -> space */
            for (i = 0; i < n;) {
                if (i + 3 <= n && p[i] == 0xE2 && p[i + 1] == 0x96 && p[i + 2] == 0x81) {
                    sink_put(k, " ", 1);
                    i += 3;
                } else {
                    size_t j = i + 1;
                    while (j < n && p[j] != 0xE2) j++;
                    sink_put(k, p + i, j - i);
                    i = j;
                }
            }
        } else { /* GPT-2 characters -> bytes */
            for (i = 0; i < n;) {
                uint32_t cp;
                size_t m = lax_decode(p + i, n - i, &cp);
                int b = gpt2_cp_byte(cp);
                if (b >= 0) {
                    unsigned char byte = (unsigned char)b;
                    sink_put(k, &byte, 1);
                } else { /* llama.cpp: "[UNK_BYTE_0x<utf-8 hex><token text>]" */
                    static const char hex[] = "0123456789abcdef";
                    unsigned char u[4];
                    size_t un = cp <= 0x10FFFF ? lax_encode(cp, u) : 0, j;
                    sink_put(k, "[UNK_BYTE_0x", 12);
                    for (j = 0; j < un; j++) {
                        char h2[2];
                        h2[0] = hex[u[j] >> 4], h2[1] = hex[u[j] & 15];
                        sink_put(k, h2, 2);
                    }
                    sink_put(k, p, n);
                    sink_put(k, "]", 1);
                }
                i += m;
            }
        }
    } else if (a & CLK_TOKATTR_BYTE) { /* "<0xAB>": the two characters after "<0x", as strtol */
        unsigned v = 0;
        for (i = 3; i < 5 && i < n; i++) {
            unsigned char h = p[i];
            unsigned d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
                       : h >= 'A' && h <= 'F' ? h - 'A' + 10 : 16;
            if (d == 16) break;
            v = v * 16 + d;
        }
        {
            unsigned char byte = (unsigned char)v;
            sink_put(k, &byte, 1);
        }
    }
}

static clk_status check_id(const clk_tok *t, int32_t id, clk_err *e)
{
    if (id < 0 || id >= t->n_vocab)
        return clk_fail(e, CLK_E_ARG, "tokenizer: token id %ld is outside the vocabulary (0..%ld)", (long)id,
                        (long)t->n_vocab - 1);
    return CLK_OK;
}

/* Drop up to lstrip leading spaces of the bytes written from `from` on. */
static void strip_spaces(sink *k, size_t from, int lstrip)
{
    size_t m = 0;
    while ((int)m < lstrip && from + m < k->n && k->p[from + m] == ' ') m++;
    if (m) {
        memmove(k->p + from, k->p + from + m, k->n - from - m);
        k->n -= m;
    }
}

clk_status clk_tok_piece(const clk_tok *t, int32_t id, int flags, int lstrip, char *out, size_t cap, size_t *len,
                         clk_err *e)
{
    sink k;
    *len = 0;
    CLK_TRY(check_id(t, id, e));
    k.p = out, k.cap = cap, k.n = 0, k.full = 0;
    piece_into(t, id, flags, &k);
    if (k.full)
        return clk_fail(e, CLK_E_LIMIT, "tokenizer: the piece of token %ld does not fit in %zu bytes", (long)id, cap);
    strip_spaces(&k, 0, lstrip);
    *len = k.n;
    return CLK_OK;
}

/* llama.cpp's clean_up_tokenization for BPE vocabularies that ask for it:
 * " ?" " !" " ." " ," lose the space, " ' " becomes "'", and " 's" " 'm"
 * " 're" " 've" lose the space. Three passes in place, as there. */
static size_t clean_up(char *x, size_t n)
{
    size_t i, m;
    if (n == 0) return 0;
    for (i = 1, m = 1; i < n; i++) {
        char c = x[i];
        if (x[i - 1] == ' ' && (c == '?' || c == '!' || c == '.' || c == ',')) m--;
        x[m++] = c;
    }
    n = m;
    for (i = 1, m = 1; i < n; i++) {
        char c = x[i];
        if (c == '\'' && i + 1 < n && x[i - 1] == ' ' && x[i + 1] == ' ') {
            m--;
            x[++i] = 0; /* the space after is dropped (and reads as NUL later, as there) */
        }
        x[m++] = c;
    }
    n = m;
    for (i = 1, m = 1; i < n; i++) {
        char c = x[i];
        if (x[i - 1] == ' ' && c == '\'' && i + 1 < n) {
            char c1 = x[i + 1];
            if (c1 == 's' || c1 == 'm') m--;
            else if (i + 2 < n && ((c1 == 'r' && x[i + 2] == 'e') || (c1 == 'v' && x[i + 2] == 'e'))) m--;
        }
        x[m++] = c;
    }
    return m;
}

clk_status clk_tok_decode(const clk_tok *t, const int32_t *ids, size_t n, int flags, char *out, size_t cap,
                          size_t *len, clk_err *e)
{
    sink k;
    size_t i;
    int remove_space = t->add_space_prefix;
    *len = 0;
    if (cap == 0) return clk_fail(e, CLK_E_LIMIT, "tokenizer: decoding needs an output buffer of at least 1 byte");
    if ((flags & CLK_TOK_DEC_REMOVE_SPECIAL) && t->add_bos && n > 0 && ids[0] == t->bos) {
        remove_space = 0;
        ids++, n--;
    }
    if ((flags & CLK_TOK_DEC_REMOVE_SPECIAL) && t->add_eos && n > 0 && ids[n - 1] == t->eos) n--;
    k.p = out, k.cap = cap - 1, k.n = 0, k.full = 0;
    for (i = 0; i < n; i++) {
        size_t from = k.n;
        CLK_TRY(check_id(t, ids[i], e));
        piece_into(t, ids[i], flags, &k);
        if (k.full)
            return clk_fail(e, CLK_E_LIMIT, "tokenizer: the decoded text of %zu tokens does not fit in %zu bytes", n,
                            cap);
        if (remove_space) strip_spaces(&k, from, 1);
        remove_space = 0;
    }
    if (t->clean_spaces && !(flags & CLK_TOK_DEC_NO_CLEAN)) k.n = clean_up(out, k.n);
    out[k.n] = 0;
    *len = k.n;
    return CLK_OK;
}
