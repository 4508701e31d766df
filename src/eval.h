/*
 * eval.h - a CLiKA item in, the live model's answer and per-option scores
 * out: the stage between the forward pass and scoring.
 *
 * Must never: print, allocate outside the arena, or give an item a result
 * that depends on what was evaluated before it. The KV cache is reused
 * across items (the instruction + demonstration prefix that every prompt
 * of a task/language starts with is evaluated once), and the forward pass
 * guarantees that a cached prefix plus a suffix gives bit for bit the
 * logits of one batch, so an item's scores are the same whether it runs
 * first, after another item, or after a restart.
 *
 * The three scoring modes (REFERENCE.md section 5), for a prompt that
 * ends "...\nA. x\nB. y\nAnswer:" with k options:
 *
 *   letter    one forward pass over the prompt; score[j] = log p(letter j |
 *             prompt) at the last position, where letter j is the
 *             vocabulary's token whose text is exactly "A", "B", ... (its
 *             byte token when there is none); res = the argmax's letter.
 *   generate  greedy decoding of up to max_new tokens (4), stopping at an
 *             end-of-generation token; res = the decoded text, parsed later
 *             by the authors' rule. The first step's logits also give the
 *             letter scores, so the record says what letter mode would
 *             have answered and whether the first greedy token was a
 *             letter token (then both agree by construction: the greedy
 *             token is the argmax over the whole vocabulary, hence over the
 *             letters).
 *   option    for each option j with text t_j (read from the prompt's
 *             "X. t_j" lines): the summed log-likelihood of the tokens of
 *             " " + t_j after the prompt (lm-evaluation-harness: the
 *             tokens of prompt + continuation, split where they stop
 *             agreeing with the prompt's own tokens); score_norm[j] =
 *             score[j] / bytes(t_j). res = argmax of score (acc),
 *             res_norm = argmax of score_norm (acc_norm). Every option
 *             continues from the cached question.
 *
 * Ties go to the earliest option, as Python's max() and argmax do.
 *
 * Usage (main.c):
 *     clk_eval_opts o = clk_eval_defaults();  o.mode = CLK_EVAL_LETTER;  o.max_prompt = longest;
 *     run.n_out = clk_eval_n_out(&o);  clk_tok_plan(g, clk_eval_max_text(&o), ...);
 *     clk_eval_plan(&o, run.n_ctx, &plan);           ...acquire, init tok and fwd...
 *     clk_eval ev;  clk_eval_init(&ev, &fwd, &tok, &o, &arena, &err);
 *     static clk_eval_item it;  it.prompt = p; it.len = n; it.n_options = 4;
 *     clk_eval_run(&ev, &it, &err);
 *     clk_eval_record(&out, &rec, &it, &err);        // one JSON line
 */
#ifndef CLK_EVAL_H
#define CLK_EVAL_H

#include "common.h"
#include "arena.h"
#include "tokenizer.h"
#include "forward.h"

/* ---- eval limits (issue 7) ---- */
/* New tokens one greedy generation may produce (generate mode uses 4). */
#ifndef CLK_MAX_EVAL_NEW
#define CLK_MAX_EVAL_NEW 256
#endif
/* Bytes of a generated answer. */
#ifndef CLK_MAX_EVAL_RES
#define CLK_MAX_EVAL_RES 4096
#endif
/* Tokens of one option's continuation in option mode. */
#ifndef CLK_MAX_OPTION_TOKENS
#define CLK_MAX_OPTION_TOKENS 4096
#endif
/* Logit rows option mode asks for per decoder call (the logits buffer is
 * this many rows of n_vocab floats: 19 MB for Qwen's 151936 tokens);
 * longer options are scored in several calls, with the same bits. */
#ifndef CLK_OPTION_ROWS
#define CLK_OPTION_ROWS 32
#endif
/* ---- end of eval limits ---- */

enum { CLK_EVAL_LETTER, CLK_EVAL_GENERATE, CLK_EVAL_OPTION };

/* How a prompt is wrapped before tokenizing (--prompt). RAW is the
 * authors' text as is; the others put it in one user turn of the model's
 * chat format and open the assistant turn (see clk_eval_template_text). */
enum { CLK_PROMPT_RAW, CLK_PROMPT_CHATML, CLK_PROMPT_LLAMA3, CLK_PROMPT_GEMMA };

typedef struct clk_eval_opts {
    int mode;          /* CLK_EVAL_*                                          */
    int max_new;       /* generate: new tokens (default 4)                    */
    int prompt;        /* CLK_PROMPT_*                                        */
    int reuse;         /* 1: reuse the cached prefix (default); 0: evaluate every
                          prompt from position 0 (tests compare the two)       */
    int option_rows;   /* option mode: logit rows per decoder call (default
                          CLK_OPTION_ROWS; tests use 1 to check the chunking)  */
    size_t max_prompt; /* bytes of the longest prompt that will be given       */
} clk_eval_opts;

clk_eval_opts clk_eval_defaults(void);

/* Mode names "letter", "generate", "option" <-> CLK_EVAL_*; -1 if unknown. */
int clk_eval_mode_parse(const char *s);
const char *clk_eval_mode_name(int mode);

/* The prompt family of a GGUF tokenizer.chat_template text, recognized by
 * substrings: "<|im_start|>" ChatML (Qwen), "<|start_header_id|>" Llama 3,
 * "<start_of_turn>" Gemma; CLK_PROMPT_RAW (-1 returned) when none matches. */
int clk_eval_template_detect(const char *tmpl, size_t len);
const char *clk_eval_prompt_name(int prompt);
/* The text before and after the prompt for a family (BOS is added by the
 * tokenizer as the vocabulary says, never written here). */
void clk_eval_template_text(int prompt, const char **before, const char **after);

/* Logit rows the forward pass must be able to return in one call. */
int clk_eval_n_out(const clk_eval_opts *o);
/* Bytes of the longest text that will be tokenized (plan the tokenizer
 * with this): the wrapped prompt plus, in option mode, an option. */
size_t clk_eval_max_text(const clk_eval_opts *o);

/* Arena lines clk_eval_init takes:
 *   "eval token ids"   [max tokens of the longest text + max_new] int32
 *   "eval prompt ids"  [max tokens of the longest text] int32 (option mode)
 *   "eval cache trail" [n_ctx] int32: the tokens whose K/V the cache holds
 *   "eval text"        [max text bytes] the wrapped prompt (+ option)     */
void clk_eval_plan(const clk_eval_opts *o, int n_ctx, clk_plan *p);

typedef struct clk_eval {
    clk_fwd *f;
    clk_tok *tok;
    clk_eval_opts o;
    int32_t *ids;      /* [cap_ids] the sequence being evaluated         */
    int32_t *pids;     /* [cap_ids] option mode: the prompt's own tokens  */
    size_t cap_ids;
    int32_t *trail;    /* [n_ctx] trail[p] = token whose K/V is at position p, p < n_trail */
    int n_trail;
    char *text;        /* [cap_text] wrapped prompt (+ " " + option)      */
    size_t cap_text;
    int32_t letter[CLK_MAX_OPTIONS]; /* token of "A", "B", ...; -1: none  */
    uint64_t n_evaluated, n_reused;  /* prompt tokens run / taken from the cache */
} clk_eval;

clk_status clk_eval_init(clk_eval *ev, clk_fwd *f, clk_tok *tok, const clk_eval_opts *o, clk_arena *a, clk_err *e);

/* One item. Fill the inputs, clk_eval_run fills the rest. */
typedef struct clk_eval_item {
    /* in */
    const char *prompt; /* [len] the authors' prompt (UTF-8) */
    size_t len;
    int n_options;      /* k: letters A.. */
    /* out */
    int pred;          /* letter/option: argmax of score; generate: argmax of the letter
                          scores of the first step (what letter mode answers)   */
    int pred_norm;     /* option: argmax of score_norm                            */
    int first_letter;  /* generate: index of the option whose letter token greedy
                          produced first, or -1                                   */
    int n_prompt;      /* tokens of the wrapped prompt                            */
    int n_gen;         /* generate: tokens produced                              */
    double score[CLK_MAX_OPTIONS];
    double score_norm[CLK_MAX_OPTIONS];
    char res[CLK_MAX_EVAL_RES]; /* [res_len] generate: the decoded text (raw bytes) */
    size_t res_len;
} clk_eval_item;

clk_status clk_eval_run(clk_eval *ev, clk_eval_item *it, clk_err *e);

/* Greedy generation for any prompt text (the fictional stream reuses it):
 * wraps and tokenizes text[0..len), evaluates it (reusing the cache),
 * then appends up to max_new argmax tokens, stopping before an
 * end-of-generation token. out[0..*out_len) gets the pieces' bytes. */
clk_status clk_eval_generate(clk_eval *ev, const char *text, size_t len, int max_new, char *out, size_t cap,
                             size_t *out_len, int *n_gen, clk_err *e);

/* ----------------------------------------------------------- result lines */

/* What a result line says besides the item's own outputs. */
typedef struct clk_eval_rec {
    long id;            /* line of the item in the prompt file, from 0   */
    const char *uuid;   /* the data record's id: a JSON string's bytes... */
    size_t uuid_len;
    int uuid_is_str;    /* ...or an integer when 0 (uuid_int)            */
    long long uuid_int;
    const char *label;  /* gold letter */
    size_t label_len;
    int mode;
} clk_eval_rec;

/* Bytes a record line can take for a prompt of len bytes (\u escapes
 * make text up to 6x longer). */
size_t clk_eval_record_bytes(size_t prompt_len);

/* Write one result line, "\n"-terminated, in the authors' key order and
 * Python's json.dumps style (", " and ": " separators, non-ASCII as \u
 * escapes, invalid UTF-8 as U+FFFD):
 *   {"id": 3, "input": "...", "res": "B", "label": "B", "uuid": 3, "mode": "letter",
 *    "scores": [...]}
 * generate adds "letter_res" and "first_token_letter"; option adds
 * "res_norm" and "scores_norm". Scores are printed with 17 significant
 * digits, so a line is a function of the bits of the logits. */
clk_status clk_eval_record(clk_out *o, const clk_eval_rec *r, const clk_eval_item *it, clk_err *e);

/* Python's json.dumps of a UTF-8 string (quotes included). */
clk_status clk_eval_json_str(clk_out *o, const char *s, size_t n);

/* A results file being resumed: the byte length of its complete lines
 * (everything up to and including the last "\n"), the number of those
 * lines; the rest is a torn write to cut off. */
void clk_eval_complete_lines(const char *text, size_t len, size_t *good, uint64_t *lines);

#endif /* CLK_EVAL_H */
