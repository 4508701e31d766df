/*
 * eval.c - run one CLiKA item on the live model in one of the three
 * scoring modes, and write its result line.
 *
 * The cache trail: ev->trail[0..n_trail) are the tokens whose keys and
 * values the cache holds at positions 0..n_trail-1. Every evaluation goes
 * through fwd_run, which starts at the first position where the new
 * sequence leaves the trail (the longest common token prefix with what was
 * evaluated last), so consecutive prompts of a task/language share their
 * instruction + demonstration prefix and every option of an item shares
 * its question. At least one token is always evaluated: its logits are
 * the ones asked for.
 */
#include "eval.h"

#include <math.h>
#include <string.h>

clk_eval_opts clk_eval_defaults(void)
{
    clk_eval_opts o;
    o.mode = CLK_EVAL_LETTER;
    o.max_new = 4;
    o.prompt = CLK_PROMPT_RAW;
    o.reuse = 1;
    o.option_rows = CLK_OPTION_ROWS;
    o.max_prompt = 0;
    return o;
}

static const char *const mode_names[3] = {"letter", "generate", "option"};

int clk_eval_mode_parse(const char *s)
{
    int i;
    for (i = 0; i < 3; i++)
        if (!strcmp(s, mode_names[i])) return i;
    return -1;
}

const char *clk_eval_mode_name(int mode) { return mode >= 0 && mode < 3 ? mode_names[mode] : "?"; }

/* ---------------------------------------------------------- chat formats */

/* The text around one user turn, generation prompt open. These are what
 * the families' Jinja templates produce for [{"role": "user", ...}] with
 * add_generation_prompt, minus BOS (the tokenizer adds it) and minus any
 * default system prompt (Qwen2.5's template inserts "You are Qwen..."
 * when none is given; clika does not). */
static const char *const tmpl_before[4] = {"", "<|im_start|>user\n", "<|start_header_id|>user<|end_header_id|>\n\n",
                                           "<start_of_turn>user\n"};
static const char *const tmpl_after[4] = {"", "<|im_end|>\n<|im_start|>assistant\n",
                                          "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
                                          "<end_of_turn>\n<start_of_turn>model\n"};
static const char *const prompt_names[4] = {"raw", "chatml", "llama3", "gemma"};
#define TMPL_MAX_BYTES 128 /* longest before + after, with room */

const char *clk_eval_prompt_name(int prompt) { return prompt >= 0 && prompt < 4 ? prompt_names[prompt] : "?"; }

void clk_eval_template_text(int prompt, const char **before, const char **after)
{
    if (prompt < 0 || prompt > 3) prompt = 0;
    *before = tmpl_before[prompt];
    *after = tmpl_after[prompt];
}

static int contains(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle), i;
    for (i = 0; i + k <= n; i++)
        if (!memcmp(s + i, needle, k)) return 1;
    return 0;
}

int clk_eval_template_detect(const char *tmpl, size_t len)
{
    if (!tmpl) return -1;
    if (contains(tmpl, len, "<|im_start|>")) return CLK_PROMPT_CHATML;
    if (contains(tmpl, len, "<|start_header_id|>")) return CLK_PROMPT_LLAMA3;
    if (contains(tmpl, len, "<start_of_turn>")) return CLK_PROMPT_GEMMA;
    return -1;
}

/* ------------------------------------------------------------- planning */

int clk_eval_n_out(const clk_eval_opts *o) { return o->mode == CLK_EVAL_OPTION ? o->option_rows : 1; }

size_t clk_eval_max_text(const clk_eval_opts *o)
{
    size_t n = o->max_prompt + TMPL_MAX_BYTES;
    if (o->mode == CLK_EVAL_OPTION) n += 1 + o->max_prompt; /* an option's text is part of the prompt */
    return n;
}

static size_t cap_ids_for(const clk_eval_opts *o)
{
    return clk_tok_max_tokens(clk_eval_max_text(o)) + (size_t)(o->max_new > 0 ? o->max_new : 0);
}

void clk_eval_plan(const clk_eval_opts *o, int n_ctx, clk_plan *p)
{
    size_t cap = cap_ids_for(o);
    clk_plan_add(p, "eval token ids", (uint64_t)cap * sizeof(int32_t));
    if (o->mode == CLK_EVAL_OPTION) clk_plan_add(p, "eval prompt ids", (uint64_t)cap * sizeof(int32_t));
    clk_plan_add(p, "eval cache trail", (uint64_t)n_ctx * sizeof(int32_t));
    clk_plan_add(p, "eval text", clk_eval_max_text(o) + 1);
}

clk_status clk_eval_init(clk_eval *ev, clk_fwd *f, clk_tok *tok, const clk_eval_opts *o, clk_arena *a, clk_err *e)
{
    int j;
    void *p;
    memset(ev, 0, sizeof *ev);
    if (o->mode < 0 || o->mode > 2) return clk_fail(e, CLK_E_ARG, "eval: unknown mode %d", o->mode);
    if (o->max_new < 1 || o->max_new > CLK_MAX_EVAL_NEW)
        return clk_fail(e, CLK_E_LIMIT, "eval: %d new tokens asked for, CLK_MAX_EVAL_NEW is %d", o->max_new,
                        CLK_MAX_EVAL_NEW);
    if (o->option_rows < 1 || o->option_rows > CLK_OPTION_ROWS)
        return clk_fail(e, CLK_E_ARG, "eval: %d option rows per call (1..%d)", o->option_rows, CLK_OPTION_ROWS);
    if (o->mode == CLK_EVAL_OPTION && f->o.n_out < o->option_rows)
        return clk_fail(e, CLK_E_INTERNAL, "eval: option mode needs %d logit rows, the decoder was planned for %d",
                        o->option_rows, f->o.n_out);
    ev->f = f;
    ev->tok = tok;
    ev->o = *o;
    ev->cap_ids = cap_ids_for(o);
    CLK_TRY(clk_arena_alloc(a, ev->cap_ids * sizeof(int32_t), "eval token ids", &p, e));
    ev->ids = (int32_t *)p;
    if (o->mode == CLK_EVAL_OPTION) {
        CLK_TRY(clk_arena_alloc(a, ev->cap_ids * sizeof(int32_t), "eval prompt ids", &p, e));
        ev->pids = (int32_t *)p;
    }
    CLK_TRY(clk_arena_alloc(a, (size_t)f->o.n_ctx * sizeof(int32_t), "eval cache trail", &p, e));
    ev->trail = (int32_t *)p;
    ev->n_trail = 0;
    ev->cap_text = clk_eval_max_text(o);
    CLK_TRY(clk_arena_alloc(a, ev->cap_text + 1, "eval text", &p, e));
    ev->text = (char *)p;
    /* The answer letters: the token whose text is the letter, else the
     * letter's byte token (a vocabulary without either cannot answer). */
    for (j = 0; j < CLK_MAX_OPTIONS; j++) {
        char c = (char)('A' + j);
        int32_t id = clk_tok_find(tok, &c, 1);
        if (id < 0) id = tok->byte_tok[(unsigned char)c];
        ev->letter[j] = id;
    }
    return CLK_OK;
}

/* --------------------------------------------------------- the decoder */

/* Evaluate ids[0..n) so that the logits of the rows rows[0..n_rows)
 * (indices into ids, increasing, all >= *start) land in f->logits, reusing
 * the trail: evaluation starts at *start = the common prefix of ids and
 * the trail, at most min_row (the first row asked for must be evaluated).
 * Rows are passed relative to ids; fwd_run shifts them. */
static clk_status fwd_run(clk_eval *ev, const int32_t *ids, int n, int min_row, int *rows, int n_rows, clk_err *e)
{
    int start = 0, i;
    if (n > ev->f->o.n_ctx)
        return clk_fail(e, CLK_E_LIMIT, "eval: %d tokens do not fit in the context of %d positions (--ctx)", n,
                        ev->f->o.n_ctx);
    if (ev->o.reuse) {
        int m = n < ev->n_trail ? n : ev->n_trail;
        while (start < m && ids[start] == ev->trail[start]) start++;
    }
    if (start > min_row) start = min_row;
    for (i = 0; i < n_rows; i++) rows[i] -= start;
    ev->n_reused += (uint64_t)start;
    ev->n_evaluated += (uint64_t)(n - start);
    /* the trail is invalid from start on until the call succeeds */
    ev->n_trail = start;
    CLK_TRY(clk_fwd_eval(ev->f, ids + start, n - start, start, rows, n_rows, e));
    memcpy(ev->trail + start, ids + start, (size_t)(n - start) * sizeof(int32_t));
    ev->n_trail = n;
    return CLK_OK;
}

/* log(sum(exp(x))) over a row, in double. */
static double log_sum_exp(const float *x, int n)
{
    double mx = x[0], s = 0;
    int i;
    for (i = 1; i < n; i++)
        if (x[i] > mx) mx = x[i];
    for (i = 0; i < n; i++) s += exp((double)x[i] - mx);
    return mx + log(s);
}

static int argmax_d(const double *v, int n)
{
    int i, b = 0;
    for (i = 1; i < n; i++)
        if (v[i] > v[b]) b = i; /* ties: the earliest */
    return b;
}

static int argmax_f(const float *v, int n)
{
    int i, b = 0;
    for (i = 1; i < n; i++)
        if (v[i] > v[b]) b = i; /* ties: the lowest id, as `clika generate` */
    return b;
}

/* Wrap text in the prompt format into ev->text (+ room after it). */
static clk_status wrap(clk_eval *ev, const char *text, size_t len, size_t *out_len, clk_err *e)
{
    const char *before, *after;
    size_t nb, na;
    clk_eval_template_text(ev->o.prompt, &before, &after);
    nb = strlen(before);
    na = strlen(after);
    if (nb + len + na > ev->cap_text)
        return clk_fail(e, CLK_E_LIMIT, "eval: a prompt of %zu bytes is longer than the %zu planned", len,
                        ev->cap_text - nb - na);
    memcpy(ev->text, before, nb);
    memcpy(ev->text + nb, text, len);
    memcpy(ev->text + nb + len, after, na);
    *out_len = nb + len + na;
    return CLK_OK;
}

static clk_status encode(clk_eval *ev, const char *text, size_t len, int32_t *out, size_t cap, size_t *n, clk_err *e)
{
    return clk_tok_encode(ev->tok, text, len, ev->tok->add_bos, ev->o.prompt != CLK_PROMPT_RAW, out, cap, n, e);
}

static clk_status check_letters(const clk_eval *ev, int k, clk_err *e)
{
    int j;
    if (k < 1 || k > CLK_MAX_OPTIONS)
        return clk_fail(e, CLK_E_LIMIT, "eval: %d options (CLK_MAX_OPTIONS is %d)", k, CLK_MAX_OPTIONS);
    for (j = 0; j < k; j++)
        if (ev->letter[j] < 0)
            return clk_fail(e, CLK_E_UNSUPPORTED, "eval: the vocabulary has no token for the letter '%c'",
                            'A' + j);
    return CLK_OK;
}

/* Letter scores from one logits row. */
static void letter_scores(const clk_eval *ev, const float *row, int k, double *score)
{
    double lse = log_sum_exp(row, ev->f->m->hp.n_vocab);
    int j;
    for (j = 0; j < k; j++) score[j] = (double)row[ev->letter[j]] - lse;
}

/* Greedy decoding after ids[0..n) (already tokenized in ev->ids): the
 * first step's row also gives letter scores when `it` is set. */
static clk_status greedy(clk_eval *ev, int n, int max_new, clk_eval_item *it, char *out, size_t cap,
                         size_t *out_len, int *n_gen, clk_err *e)
{
    int row, k, n_vocab = ev->f->m->hp.n_vocab;
    *out_len = 0;
    *n_gen = 0;
    if (n < 1) return clk_fail(e, CLK_E_DATA, "eval: the prompt gives no tokens");
    if ((size_t)n + (size_t)max_new > ev->cap_ids)
        return clk_fail(e, CLK_E_INTERNAL, "eval: token buffer planned too small");
    row = n - 1;
    CLK_TRY(fwd_run(ev, ev->ids, n, n - 1, &row, 1, e));
    if (it) {
        letter_scores(ev, ev->f->logits, it->n_options, it->score);
        it->pred = argmax_d(it->score, it->n_options);
    }
    for (k = 0; k < max_new; k++) {
        int32_t next = (int32_t)argmax_f(ev->f->logits, n_vocab);
        size_t len;
        if (k == 0 && it) {
            int j;
            it->first_letter = -1;
            for (j = 0; j < it->n_options; j++)
                if (ev->letter[j] == next) it->first_letter = j;
        }
        if (clk_tok_is_eog(ev->tok, next)) break;
        CLK_TRY(clk_tok_piece(ev->tok, next, 0, 0, out + *out_len, cap - *out_len, &len, e));
        *out_len += len;
        ev->ids[n + k] = next;
        (*n_gen)++;
        if (k + 1 == max_new) break;
        row = n + k;
        CLK_TRY(fwd_run(ev, ev->ids, n + k + 1, n + k, &row, 1, e));
    }
    return CLK_OK;
}

clk_status clk_eval_generate(clk_eval *ev, const char *text, size_t len, int max_new, char *out, size_t cap,
                             size_t *out_len, int *n_gen, clk_err *e)
{
    size_t wl, n;
    if (max_new < 1 || max_new > ev->o.max_new)
        return clk_fail(e, CLK_E_LIMIT, "eval: %d new tokens asked for, %d planned", max_new, ev->o.max_new);
    CLK_TRY(wrap(ev, text, len, &wl, e));
    CLK_TRY(encode(ev, ev->text, wl, ev->ids, ev->cap_ids - (size_t)max_new, &n, e));
    return greedy(ev, (int)n, max_new, NULL, out, cap, out_len, n_gen, e);
}

/* Option texts: the k lines "A. text" .. before the final "Answer:" line. */
static clk_status find_options(const char *p, size_t len, int k, size_t *off, size_t *olen, clk_err *e)
{
    static const char tail[] = "\nAnswer:";
    size_t end, tl = sizeof tail - 1;
    int j;
    if (len < tl || memcmp(p + len - tl, tail, tl) != 0)
        return clk_fail(e, CLK_E_DATA, "option mode: the prompt does not end with \"\\nAnswer:\"");
    end = len - tl; /* the '\n' ending option k-1's line */
    for (j = k - 1; j >= 0; j--) {
        size_t s = end;
        while (s > 0 && p[s - 1] != '\n') s--;
        if (end - s < 3 || p[s] != 'A' + j || p[s + 1] != '.' || p[s + 2] != ' ')
            return clk_fail(e, CLK_E_DATA, "option mode: expected the line \"%c. ...\" before \"Answer:\"", 'A' + j);
        off[j] = s + 3;
        olen[j] = end - s - 3;
        if (s == 0 && j > 0)
            return clk_fail(e, CLK_E_DATA, "option mode: the prompt has fewer than %d option lines", k);
        end = s - 1;
    }
    return CLK_OK;
}

static clk_status run_option(clk_eval *ev, clk_eval_item *it, clk_err *e)
{
    size_t off[CLK_MAX_OPTIONS], olen[CLK_MAX_OPTIONS], wl, np, nw;
    const char *before, *after;
    int j, n_vocab = ev->f->m->hp.n_vocab;
    CLK_TRY(find_options(it->prompt, it->len, it->n_options, off, olen, e));
    clk_eval_template_text(ev->o.prompt, &before, &after);
    CLK_TRY(wrap(ev, it->prompt, it->len, &wl, e));
    CLK_TRY(encode(ev, ev->text, wl, ev->pids, ev->cap_ids, &np, e));
    it->n_prompt = (int)np;
    for (j = 0; j < it->n_options; j++) {
        size_t k = 0, m, i, c, R = (size_t)ev->o.option_rows;
        int rows[CLK_OPTION_ROWS], n_rows;
        double sum = 0;
        if (wl + 1 + olen[j] > ev->cap_text) return clk_fail(e, CLK_E_INTERNAL, "eval text planned too small");
        ev->text[wl] = ' ';
        memcpy(ev->text + wl + 1, it->prompt + off[j], olen[j]);
        CLK_TRY(encode(ev, ev->text, wl + 1 + olen[j], ev->ids, ev->cap_ids, &nw, e));
        m = nw < np ? nw : np;
        while (k < m && ev->ids[k] == ev->pids[k]) k++;
        if (k == 0 || k == nw)
            return clk_fail(e, CLK_E_DATA, "option mode: option %c gives no continuation tokens after the prompt",
                            'A' + j);
        n_rows = (int)(nw - k);
        if (n_rows > CLK_MAX_OPTION_TOKENS)
            return clk_fail(e, CLK_E_LIMIT, "option mode: option %c is %d tokens, CLK_MAX_OPTION_TOKENS is %d",
                            'A' + j, n_rows, CLK_MAX_OPTION_TOKENS);
        /* rows k-1 .. nw-2 predict tokens k .. nw-1; they are computed
         * option_rows at a time (a cached prefix plus a suffix gives
         * the same bits, so the chunks change nothing but memory) */
        for (c = 0; c < (size_t)n_rows; c += R) {
            size_t nc = (size_t)n_rows - c < R ? (size_t)n_rows - c : R;
            for (i = 0; i < nc; i++) rows[i] = (int)(k - 1 + c + i);
            CLK_TRY(fwd_run(ev, ev->ids, (int)(k + c + nc - 1), (int)(k - 1 + c), rows, (int)nc, e));
            for (i = 0; i < nc; i++) {
                const float *row = ev->f->logits + i * (size_t)n_vocab;
                sum += (double)row[ev->ids[k + c + i]] - log_sum_exp(row, n_vocab);
            }
        }
        it->score[j] = sum;
        it->score_norm[j] = olen[j] ? sum / (double)olen[j] : sum;
    }
    it->pred = argmax_d(it->score, it->n_options);
    it->pred_norm = argmax_d(it->score_norm, it->n_options);
    it->res[0] = (char)('A' + it->pred);
    it->res_len = 1;
    return CLK_OK;
}

clk_status clk_eval_run(clk_eval *ev, clk_eval_item *it, clk_err *e)
{
    size_t wl, n;
    int row;
    it->pred = it->pred_norm = it->first_letter = -1;
    it->n_prompt = it->n_gen = 0;
    it->res_len = 0;
    CLK_TRY(check_letters(ev, it->n_options, e));
    if (ev->o.mode == CLK_EVAL_OPTION) return run_option(ev, it, e);
    CLK_TRY(wrap(ev, it->prompt, it->len, &wl, e));
    CLK_TRY(encode(ev, ev->text, wl, ev->ids, ev->cap_ids - (size_t)ev->o.max_new, &n, e));
    it->n_prompt = (int)n;
    if (ev->o.mode == CLK_EVAL_GENERATE)
        return greedy(ev, (int)n, ev->o.max_new, it, it->res, sizeof it->res, &it->res_len, &it->n_gen, e);
    if (n < 1) return clk_fail(e, CLK_E_DATA, "eval: the prompt gives no tokens");
    row = (int)n - 1;
    CLK_TRY(fwd_run(ev, ev->ids, (int)n, (int)n - 1, &row, 1, e));
    letter_scores(ev, ev->f->logits, it->n_options, it->score);
    it->pred = argmax_d(it->score, it->n_options);
    it->res[0] = (char)('A' + it->pred);
    it->res_len = 1;
    return CLK_OK;
}

/* ---------------------------------------------------------- result lines */

size_t clk_eval_record_bytes(size_t prompt_len)
{
    return 6 * prompt_len + 6 * CLK_MAX_EVAL_RES + 2 * CLK_MAX_OPTIONS * 32 + 1024;
}

clk_status clk_eval_json_str(clk_out *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char buf[256];
    size_t i = 0, b = 0;
    buf[b++] = '"';
    while (i < n) {
        uint32_t cp;
        unsigned char c = (unsigned char)s[i];
        int k;
        if (b > sizeof buf - 16) {
            CLK_TRY(clk_out_write(o, buf, b));
            b = 0;
        }
        if (c < 0x80) {
            i++;
            if (c == '"' || c == '\\') {
                buf[b++] = '\\';
                buf[b++] = (char)c;
            } else if (c == '\n') {
                buf[b++] = '\\', buf[b++] = 'n';
            } else if (c == '\r') {
                buf[b++] = '\\', buf[b++] = 'r';
            } else if (c == '\t') {
                buf[b++] = '\\', buf[b++] = 't';
            } else if (c == '\b') {
                buf[b++] = '\\', buf[b++] = 'b';
            } else if (c == '\f') {
                buf[b++] = '\\', buf[b++] = 'f';
            } else if (c < 0x20) {
                buf[b++] = '\\', buf[b++] = 'u', buf[b++] = '0', buf[b++] = '0';
                buf[b++] = hex[c >> 4], buf[b++] = hex[c & 15];
            } else {
                buf[b++] = (char)c;
            }
            continue;
        }
        k = clk_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (k == 0) { /* a generated answer can end inside a character */
            cp = 0xFFFD;
            k = 1;
        }
        i += (size_t)k;
        if (cp >= 0x10000) { /* UTF-16 surrogate pair, as Python writes it */
            uint32_t v = cp - 0x10000, hi = 0xD800 + (v >> 10), lo = 0xDC00 + (v & 0x3FF);
            buf[b++] = '\\', buf[b++] = 'u';
            buf[b++] = hex[hi >> 12], buf[b++] = hex[(hi >> 8) & 15], buf[b++] = hex[(hi >> 4) & 15],
            buf[b++] = hex[hi & 15];
            cp = lo;
        }
        buf[b++] = '\\', buf[b++] = 'u';
        buf[b++] = hex[cp >> 12], buf[b++] = hex[(cp >> 8) & 15], buf[b++] = hex[(cp >> 4) & 15],
        buf[b++] = hex[cp & 15];
    }
    buf[b++] = '"';
    return clk_out_write(o, buf, b);
}

static clk_status scores(clk_out *o, const char *key, const double *v, int n)
{
    int j;
    CLK_TRY(clk_outf(o, ", \"%s\": [", key));
    for (j = 0; j < n; j++) {
        /* a -inf log-probability (a logit of -inf) is written as -1e308:
         * JSON has no infinities */
        double x = isfinite(v[j]) ? v[j] : -1e308;
        CLK_TRY(clk_outf(o, "%s%.17g", j ? ", " : "", x));
    }
    return clk_out_str(o, "]");
}

clk_status clk_eval_record(clk_out *o, const clk_eval_rec *r, const clk_eval_item *it, clk_err *e)
{
    char letter[2] = {0, 0};
    (void)e;
    CLK_TRY(clk_outf(o, "{\"id\": %ld, \"input\": ", r->id));
    CLK_TRY(clk_eval_json_str(o, it->prompt, it->len));
    CLK_TRY(clk_out_str(o, ", \"res\": "));
    CLK_TRY(clk_eval_json_str(o, it->res, it->res_len));
    CLK_TRY(clk_out_str(o, ", \"label\": "));
    CLK_TRY(clk_eval_json_str(o, r->label, r->label_len));
    CLK_TRY(clk_out_str(o, ", \"uuid\": "));
    if (r->uuid_is_str)
        CLK_TRY(clk_eval_json_str(o, r->uuid, r->uuid_len));
    else
        CLK_TRY(clk_outf(o, "%lld", r->uuid_int));
    CLK_TRY(clk_outf(o, ", \"mode\": \"%s\"", clk_eval_mode_name(r->mode)));
    CLK_TRY(scores(o, "scores", it->score, it->n_options));
    if (r->mode == CLK_EVAL_GENERATE) {
        letter[0] = (char)('A' + it->pred);
        CLK_TRY(clk_outf(o, ", \"letter_res\": \"%s\", \"first_token_letter\": %s", letter,
                         it->first_letter >= 0 ? "true" : "false"));
    } else if (r->mode == CLK_EVAL_OPTION) {
        letter[0] = (char)('A' + it->pred_norm);
        CLK_TRY(clk_outf(o, ", \"res_norm\": \"%s\"", letter));
        CLK_TRY(scores(o, "scores_norm", it->score_norm, it->n_options));
    }
    return clk_out_str(o, "}\n");
}

void clk_eval_complete_lines(const char *text, size_t len, size_t *good, uint64_t *lines)
{
    size_t i;
    *good = 0;
    *lines = 0;
    for (i = 0; i < len; i++)
        if (text[i] == '\n') {
            *good = i + 1;
            (*lines)++;
        }
}
