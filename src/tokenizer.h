/*
 * tokenizer.h - text <-> token ids, exactly as llama.cpp (34af94cd) does it,
 * for the two vocabulary kinds of the models clika runs:
 *
 *   SPM  tokenizer.ggml.model = "llama"  (Llama 2, TinyLlama, Gemma 1/2/3)
 *        SentencePiece pieces with scores, spaces written as U+2581 "▁",
 *        byte-fallback tokens <0x00>..<0xFF>.
 *   BPE  tokenizer.ggml.model = "gpt2"   (Qwen2/2.5/3, Llama 3.x, GPT-2, SmolLM)
 *        byte-level BPE: a regex-like pre-tokenizer chosen by
 *        tokenizer.ggml.pre, bytes mapped to printable characters, merges
 *        applied by rank.
 *
 * Encoding a text (llama_tokenize(text, add_special, parse_special)):
 *   1. special-token partition: occurrences of special tokens are cut out of
 *      the text, longest token first. USER_DEFINED tokens always, CONTROL and
 *      UNKNOWN tokens only with parse_special;
 *   2. every remaining text fragment goes through the SPM or BPE algorithm;
 *   3. with add_special, BOS in front if the vocabulary adds one (and EOS
 *      at the end if it adds one).
 *
 * Memory: clk_tok_plan() adds two lines to the plan, "tokenizer tables"
 * (hash tables for token text -> id and merge pair -> rank, per-token
 * records; sized from n_vocab and n_merges) and "tokenizer scratch" (the
 * worst case of one clk_tok_encode() call on max_text_bytes of text).
 * clk_tok_init() takes exactly that from the arena. Token texts are not
 * copied: records point into the GGUF bytes, which must stay mapped while
 * the tokenizer is used. Encoding a text longer than max_text_bytes is a
 * CLK_E_LIMIT error. A clk_tok is not safe to encode from two threads at
 * once (the scratch is shared); decoding only reads.
 *
 * Usage:
 *     clk_tok_plan(&gguf, max_text, &plan, &err);   ...acquire the arena...
 *     clk_tok tok;
 *     clk_tok_init(&tok, &gguf, max_text, &arena, &err);
 *     clk_tok_encode(&tok, text, len, 1, 0, ids, cap, &n, &err);
 *     clk_tok_decode(&tok, ids, n, 0, buf, sizeof buf, &len, &err);
 */
#ifndef CLK_TOKENIZER_H
#define CLK_TOKENIZER_H

#include "common.h"
#include "arena.h"
#include "gguf.h"

/* Vocabulary kinds. */
enum { CLK_TOK_SPM = 1, CLK_TOK_BPE = 2 };

/* Token types as stored in tokenizer.ggml.token_type. */
enum {
    CLK_TOKTYPE_UNDEFINED = 0,
    CLK_TOKTYPE_NORMAL = 1,
    CLK_TOKTYPE_UNKNOWN = 2,
    CLK_TOKTYPE_CONTROL = 3,
    CLK_TOKTYPE_USER_DEFINED = 4,
    CLK_TOKTYPE_UNUSED = 5,
    CLK_TOKTYPE_BYTE = 6
};

/* Token attributes (bits; llama.cpp's llama_token_attr), after the load-time
 * fix-ups: a token whose text is an end-of-generation marker (`</s>`,
 * `<|im_end|>`, ...) gains CONTROL, a CONTROL token whose text contains
 * "unused" gains UNUSED. */
enum {
    CLK_TOKATTR_UNKNOWN = 1 << 0,
    CLK_TOKATTR_UNUSED = 1 << 1,
    CLK_TOKATTR_NORMAL = 1 << 2,
    CLK_TOKATTR_CONTROL = 1 << 3,
    CLK_TOKATTR_USER_DEFINED = 1 << 4,
    CLK_TOKATTR_BYTE = 1 << 5
};

/* Decoding flags (llama_detokenize's options). */
enum {
    CLK_TOK_DEC_SPECIAL = 1 << 0,        /* render CONTROL/UNKNOWN tokens' text (unparse_special) */
    CLK_TOK_DEC_REMOVE_SPECIAL = 1 << 1, /* drop a leading BOS / trailing EOS the vocab adds     */
    CLK_TOK_DEC_NO_CLEAN = 1 << 2        /* skip the clean-up of " ." " ," " 's" ... even when the
                                            vocabulary asks for it (exact round trips)          */
};

/* Most end-of-generation ids one vocabulary can have (its EOS, EOT, EOM,
 * FIM pad/repo/sep and the tokens named in llama.cpp's EOG text list). */
#ifndef CLK_MAX_TOK_EOG
#define CLK_MAX_TOK_EOG 32
#endif

/* Longest text one clk_tok_encode() call accepts (offsets are 32-bit and
 * the scratch grows about 160 bytes per byte of text). */
#ifndef CLK_MAX_TOK_TEXT
#define CLK_MAX_TOK_TEXT (64u << 20)
#endif

/* What clk_tok_init reads. clk_tok_vocab_from_gguf fills it from the
 * tokenizer.ggml.* keys; tests build it by hand. Arrays use GGUF's packed
 * little-endian layout (strings: u64 length + bytes, back to back). */
typedef struct clk_tok_vocab {
    int kind;                  /* CLK_TOK_SPM or CLK_TOK_BPE                             */
    clk_str pre;               /* tokenizer.ggml.pre; p == NULL when the key is absent    */
    const uint8_t *tokens;     /* [n_tokens] strings                                     */
    uint64_t n_tokens;
    uint64_t tokens_bytes;     /* bytes of the whole string array                        */
    const uint8_t *scores;     /* [n_tokens] f32, or NULL (all 0)                        */
    const uint8_t *types;      /* [n_tokens] i32 (CLK_TOKTYPE_*), or NULL (all NORMAL)    */
    const uint8_t *merges;     /* [n_merges] strings "left right" (BPE), or NULL          */
    uint64_t n_merges;
    uint64_t merges_bytes;
    /* Special ids from the file; -1 when the key is absent (then the
     * kind's default applies: SPM bos 1, eos 2, unk 0; BPE bos = eos = 11). */
    int64_t bos, eos, eot, eom, unk, sep, pad, mask;
    int64_t fim_pre, fim_suf, fim_mid, fim_pad, fim_rep, fim_sep;
    /* Booleans from the file; -1 when absent. */
    int add_bos, add_eos, add_space_prefix;
} clk_tok_vocab;

/* One vocabulary entry. The text is t->text_base + off, len bytes. */
typedef struct clk_tok_token {
    uint32_t off;
    uint32_t len;
    float score;     /* SPM merge priority: higher merges first */
    uint32_t attr;   /* CLK_TOKATTR_* bits                      */
} clk_tok_token;

/* One BPE merge: "left right" at merge_base + off; rank = its index. The
 * ids of the parts and of the result while the table is built (-1: none). */
typedef struct clk_tok_merge {
    uint32_t off;
    uint32_t llen;
    uint32_t rlen;
    int32_t left, right, result;
} clk_tok_merge;

/* A slot of the text -> id table: id + 1 (0 = empty) and the text's hash,
 * compared first so that most probes never touch the token's text. */
typedef struct clk_tok_slot {
    uint32_t id1;
    uint32_t hash;
} clk_tok_slot;

/* A slot of the merge table keyed by token ids (left, right), used when
 * every merge's parts and result are tokens of the vocabulary (true of
 * real vocabularies): rank + 1 (0 = empty) and the id of the merged token. */
typedef struct clk_tok_pair {
    uint32_t left, right;
    uint32_t rank1;
    uint32_t result;
} clk_tok_pair;

typedef struct clk_tok {
    int kind;                    /* CLK_TOK_SPM / CLK_TOK_BPE                            */
    int pre;                     /* pre-tokenizer (BPE), private enumeration             */
    char pre_name[32];           /* tokenizer.ggml.pre as read ("" if absent)            */
    int32_t n_vocab;
    int32_t n_merges;
    const uint8_t *text_base;    /* the tokens string array in the file                  */
    const uint8_t *merge_base;   /* the merges string array in the file                  */
    clk_tok_token *tok;          /* [n_vocab]                                            */
    clk_tok_merge *merge;        /* [n_merges]                                           */
    clk_tok_slot *vocab_hash;    /* [vocab_mask + 1] open addressing, linear probing     */
    uint32_t vocab_mask;
    int merge_by_id;             /* 1: merge_pair is used, else merge_hash (one region)  */
    clk_tok_pair *merge_pair;    /* [merge_mask + 1] (left id, right id) -> rank, result */
    uint32_t *merge_hash;        /* [merge_mask + 1] rank + 1 keyed by the two texts     */
    uint32_t merge_mask;
    int32_t char_tok[256];       /* BPE: id of the GPT-2 character of each byte, or -1    */
    int32_t *special;            /* [n_special] ids of CONTROL/USER_DEFINED/UNKNOWN tokens,
                                    longest text first (ties: lower id first)            */
    int32_t n_special;
    int32_t byte_tok[256];       /* byte fallback: SPM the id of <0xXX> (else of the
                                    1-byte text), BPE the 1-byte text; -1 if none        */
    int32_t bos, eos, eot, eom, unk, pad; /* -1 = none                                  */
    int32_t eog[CLK_MAX_TOK_EOG];         /* end-of-generation ids, ascending            */
    int n_eog;
    int add_bos, add_eos, add_space_prefix;
    int ignore_merges;           /* BPE: a pre-token that is itself a token is emitted whole */
    int clean_spaces;            /* decoding removes " ." style spaces (llama.cpp clean-up)  */
    uint32_t max_token_len;      /* longest token text in bytes                          */
    size_t max_text;             /* the planned longest text, in bytes                   */
    unsigned char *scratch;      /* [scratch_bytes] working memory of clk_tok_encode     */
    size_t scratch_bytes;
} clk_tok;

/* Read tokenizer.ggml.* into v (no allocation; pointers into the file).
 * Unsupported tokenizer models (bert, t5, rwkv, ...) are CLK_E_UNSUPPORTED. */
clk_status clk_tok_vocab_from_gguf(clk_tok_vocab *v, const clk_gguf *g, clk_err *e);

/* Add "tokenizer tables" and "tokenizer scratch" for texts of up to
 * max_text_bytes bytes (at most CLK_MAX_TOK_TEXT). */
clk_status clk_tok_plan_vocab(const clk_tok_vocab *v, size_t max_text_bytes, clk_plan *p, clk_err *e);
clk_status clk_tok_plan(const clk_gguf *g, size_t max_text_bytes, clk_plan *p, clk_err *e);

/* Build the tokenizer: checks the vocabulary (types, counts, duplicate
 * token texts, unknown pre-tokenizer), applies llama.cpp's attribute
 * fix-ups, fills the hash tables. */
clk_status clk_tok_init_vocab(clk_tok *t, const clk_tok_vocab *v, size_t max_text_bytes, clk_arena *a, clk_err *e);
clk_status clk_tok_init(clk_tok *t, const clk_gguf *g, size_t max_text_bytes, clk_arena *a, clk_err *e);

/* Largest number of ids clk_tok_encode can produce for len bytes of text. */
size_t clk_tok_max_tokens(size_t len);

/* Tokenize text[0..len) (any bytes; invalid UTF-8 is handled as llama.cpp
 * does: SPM looks bytes up as they are and falls back to byte tokens, BPE
 * replaces each invalid byte by U+FFFD. The one case llama.cpp aborts on, a
 * 4-byte sequence above U+10FFFF in BPE text, is CLK_E_FORMAT here).
 * add_special: BOS/EOS as the vocabulary says; parse_special: match
 * CONTROL tokens in the text. Writes *n ids to out[0..cap). */
clk_status clk_tok_encode(clk_tok *t, const char *text, size_t len, int add_special, int parse_special,
                          int32_t *out, size_t cap, size_t *n, clk_err *e);

/* The pre-tokenizer alone, for inspection and tests: the byte lengths of
 * the pieces a BPE vocabulary cuts text[0..len) into before merging (no
 * special-token partition; an SPM vocabulary gives one piece). */
clk_status clk_tok_split(clk_tok *t, const char *text, size_t len, uint32_t *out, size_t cap, size_t *n,
                         clk_err *e);

/* The text of one token as stored in the vocabulary (▁ / Ġ not undone). */
clk_str clk_tok_text(const clk_tok *t, int32_t id);

/* The bytes a token stands for (llama_token_to_piece): SPM ▁ -> space,
 * BPE GPT-2 byte characters -> bytes, byte tokens -> their byte, CONTROL
 * and UNKNOWN tokens only with CLK_TOK_DEC_SPECIAL (else empty). lstrip
 * removes up to that many leading spaces. */
clk_status clk_tok_piece(const clk_tok *t, int32_t id, int flags, int lstrip, char *out, size_t cap, size_t *len,
                         clk_err *e);

/* Detokenize (llama_detokenize): pieces concatenated; with
 * add_space_prefix the first piece loses one leading space (unless the
 * first id is a removed BOS); the clean-up of the vocabulary unless
 * CLK_TOK_DEC_NO_CLEAN. Writes *len bytes and a NUL (cap >= *len + 1). */
clk_status clk_tok_decode(const clk_tok *t, const int32_t *ids, size_t n, int flags, char *out, size_t cap,
                          size_t *len, clk_err *e);

/* Accessors. Ids out of range give -1 / 0 / CLK_TOKTYPE_UNDEFINED. */
static inline int32_t clk_tok_n_vocab(const clk_tok *t) { return t->n_vocab; }
static inline int32_t clk_tok_bos(const clk_tok *t) { return t->bos; }
static inline int32_t clk_tok_eos(const clk_tok *t) { return t->eos; }
static inline int32_t clk_tok_eot(const clk_tok *t) { return t->eot; }
static inline int clk_tok_add_bos(const clk_tok *t) { return t->add_bos; }
uint32_t clk_tok_attr(const clk_tok *t, int32_t id);
/* The token's type after the fix-ups (CONTROL > USER_DEFINED > UNKNOWN >
 * BYTE > UNUSED > NORMAL when several attribute bits are set). */
int clk_tok_type(const clk_tok *t, int32_t id);
/* 1 if id ends generation: EOS, EOT, <|im_end|>, <end_of_turn>, <|eot_id|>... */
int clk_tok_is_eog(const clk_tok *t, int32_t id);

/* The simple Unicode lowercase mapping of one code point (itself when it
 * has none), from the same table the tokenizer's case-insensitive special
 * matching uses. For scoring rules that ignore case (fictional.c). */
uint32_t clk_unicode_lower(uint32_t cp);
/* Id of a token text, or -1. */
int32_t clk_tok_find(const clk_tok *t, const char *text, size_t len);

#endif /* CLK_TOKENIZER_H */
