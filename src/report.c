/*
 * report.c - the four report formats and --explain, written through a
 * clk_out sink. Layouts are in report.h; the figure's geometry is below.
 *
 * Must never: open a file, print, allocate, or let a NaN or an infinity
 * reach the text (undefined -> null / empty / "–").
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DASH "\xE2\x80\x93" /* "–", U+2013: an undefined value in tables */

void clk_report_double(double x, char *out)
{
    int prec;
    if (clk_undef(x) || x - x != 0) { /* NaN, or an infinity (inf - inf is NaN) */
        strcpy(out, "null");
        return;
    }
    for (prec = 1; prec < 17; prec++) { /* shortest form that reads back exactly */
        snprintf(out, 32, "%.*g", prec, x);
        if (strtod(out, NULL) == x) break;
    }
    if (prec == 17) snprintf(out, 32, "%.17g", x);
    if (!strpbrk(out, ".en")) strcat(out, ".0"); /* 1 -> 1.0: a float stays a float */
}

/* A metric for a table: "0.7614" or "–". */
static const char *fixed(double x, int digits, char *buf)
{
    if (clk_undef(x) || x - x != 0) return DASH;
    snprintf(buf, 32, "%.*f", digits, x);
    return buf;
}

/* JSON string with the escapes RFC 8259 requires; bytes >= 0x80 pass
 * (the caller's strings are valid UTF-8). */
static clk_status json_str(clk_out *o, const char *s)
{
    CLK_TRY(clk_out_str(o, "\""));
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') CLK_TRY(clk_outf(o, "\\%c", c));
        else if (c < 0x20) CLK_TRY(clk_outf(o, "\\u%04x", c));
        else CLK_TRY(clk_out_write(o, s, 1));
    }
    return clk_out_str(o, "\"");
}

/* XML text with &, <, >, " escaped. */
static clk_status xml_str(clk_out *o, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': CLK_TRY(clk_out_str(o, "&amp;")); break;
        case '<': CLK_TRY(clk_out_str(o, "&lt;")); break;
        case '>': CLK_TRY(clk_out_str(o, "&gt;")); break;
        case '"': CLK_TRY(clk_out_str(o, "&quot;")); break;
        default: CLK_TRY(clk_out_write(o, s, 1));
        }
    }
    return CLK_OK;
}

static const char *lang_of(const clk_score_result *r, int l) { return r->set->lang[l]; }

/* ------------------------------------------------------------------ JSON */

static clk_status json_num(clk_out *o, const char *key, double x, int last)
{
    char b[32];
    clk_report_double(x, b);
    return clk_outf(o, "\"%s\": %s%s", key, b, last ? "" : ", ");
}

clk_status clk_report_json(const clk_score_result *r, clk_out *o)
{
    int t, l, m;
    CLK_TRY(clk_out_str(o, "{\n  \"model\": "));
    CLK_TRY(json_str(o, r->set->model));
    CLK_TRY(clk_out_str(o, ",\n  \"tasks\": {"));
    for (t = 0; t < r->n_tasks; t++) {
        const clk_task_score *ts = &r->task[t];
        char b[32];
        clk_report_double(1.0 / ts->info->n_options, b);
        CLK_TRY(clk_outf(o, "%s\n    \"%s\": {\n      \"chance\": %s,\n      \"langs\": {", t ? "," : "",
                         ts->info->name, b));
        for (l = 0; l < r->n_langs; l++) {
            const clk_lang_score *s = &ts->lang[l];
            CLK_TRY(clk_outf(o, "%s\n        \"%s\": {\"n\": %ld, \"correct\": %ld, ", l ? "," : "", lang_of(r, l),
                             s->n, s->correct));
            CLK_TRY(json_num(o, "acc", s->acc, 0));
            CLK_TRY(json_num(o, "ra", s->ra, 0));
            CLK_TRY(json_num(o, "ra_chance", s->ra_chance, 0));
            CLK_TRY(json_num(o, "en_co", s->en_co, 0));
            CLK_TRY(json_num(o, "en_co_cond", s->en_co_cond, 0));
            CLK_TRY(json_num(o, "xltr", s->xltr, 0));
            CLK_TRY(json_num(o, "acc_lo", s->acc_lo, 0));
            CLK_TRY(json_num(o, "acc_hi", s->acc_hi, 0));
            CLK_TRY(json_num(o, "norm_ref", s->norm_ref, 0));
            CLK_TRY(clk_outf(o, "\"unparsed\": %ld", s->unparsed));
            if (s->has_rankc) {
                CLK_TRY(clk_out_str(o, ", "));
                CLK_TRY(json_num(o, "rankc", s->rankc, 1));
            }
            CLK_TRY(clk_out_str(o, "}"));
        }
        CLK_TRY(clk_out_str(o, "\n      },\n      \"co_matrix\": {"));
        for (l = 0; l < r->n_langs; l++) {
            CLK_TRY(clk_outf(o, "%s\n        \"%s\": {", l ? "," : "", lang_of(r, l)));
            for (m = 0; m < r->n_langs; m++) CLK_TRY(json_num(o, lang_of(r, m), ts->co[l * r->n_langs + m], m == r->n_langs - 1));
            CLK_TRY(clk_out_str(o, "}"));
        }
        clk_report_double(ts->info->ref_acc, b);
        CLK_TRY(clk_outf(o, "\n      },\n      \"options\": %d,\n      \"ref_acc\": %s\n    }", ts->info->n_options, b));
    }
    return clk_out_str(o, "\n  }\n}\n");
}

/* ------------------------------------------------------------- Markdown */

clk_status clk_report_md(const clk_score_result *r, clk_out *o)
{
    int t, l, m, any_rankc = 0;
    char b1[32], b2[32], b3[32], b4[32], b5[32], b6[32];
    CLK_TRY(clk_out_str(o, "# clika report: "));
    CLK_TRY(clk_out_str(o, r->set->model));
    CLK_TRY(clk_outf(o, "\n\nScored from `%s` with the authors' answer rule: strip whitespace from the generated "
                        "answer, take its first character, compare it with the gold letter (empty counts as wrong).\n"
                        "Everything is relative to English: **bold** marks the default metric of each level.\n",
                     r->set->data));
    for (t = 0; t < r->n_tasks; t++) {
        const clk_task_score *ts = &r->task[t];
        int k = ts->info->n_options, task_rankc = 0;
        for (l = 0; l < r->n_langs; l++) task_rankc |= ts->lang[l].has_rankc;
        any_rankc |= task_rankc;
        CLK_TRY(clk_outf(o, "\n## %s: %s\n\nN = %ld items per language, chance r = 1/%d = %s.\n\n", ts->info->name,
                         ts->info->about, ts->n, k, fixed(1.0 / k, 2, b1)));
        CLK_TRY(clk_out_str(o, "| lang | n | correct | acc [95% CI] | **RA** | ra_chance | **en-CO** | en_co_cond | xltr | unparsed |\n"
                               "|---|--:|--:|---|--:|--:|--:|--:|--:|--:|\n"));
        for (l = 0; l < r->n_langs; l++) {
            const clk_lang_score *s = &ts->lang[l];
            char acc[96];
            if (clk_undef(s->acc)) snprintf(acc, sizeof acc, DASH);
            else snprintf(acc, sizeof acc, "%.1f%% [%.1f, %.1f]", 100 * s->acc, 100 * s->acc_lo, 100 * s->acc_hi);
            CLK_TRY(clk_outf(o, "| %s | %ld | %ld | %s | %s | %s | %s | %s | %s | %ld |\n", lang_of(r, l), s->n,
                             s->correct, acc, fixed(s->ra, 3, b1), fixed(s->ra_chance, 3, b2), fixed(s->en_co, 3, b3),
                             fixed(s->en_co_cond, 3, b4), fixed(s->xltr, 3, b5), s->unparsed));
        }
        CLK_TRY(clk_out_str(o, "\nPairwise consistency (Jaccard of the sets of correctly answered items):\n\n|   |"));
        for (m = 0; m < r->n_langs; m++) CLK_TRY(clk_outf(o, " %s |", lang_of(r, m)));
        CLK_TRY(clk_out_str(o, "\n|---|"));
        for (m = 0; m < r->n_langs; m++) CLK_TRY(clk_out_str(o, "--:|"));
        for (l = 0; l < r->n_langs; l++) {
            CLK_TRY(clk_outf(o, "\n| %s |", lang_of(r, l)));
            for (m = 0; m < r->n_langs; m++) CLK_TRY(clk_outf(o, " %s |", fixed(ts->co[l * r->n_langs + m], 2, b6)));
        }
        CLK_TRY(clk_out_str(o, "\n"));
        if (task_rankc) {
            CLK_TRY(clk_out_str(o, "\nRankC against English (from per-option scores):"));
            for (l = 0; l < r->n_langs; l++)
                if (ts->lang[l].has_rankc) CLK_TRY(clk_outf(o, " %s %s", lang_of(r, l), fixed(ts->lang[l].rankc, 3, b1)));
            CLK_TRY(clk_out_str(o, "\n"));
        }
    }
    CLK_TRY(clk_out_str(o,
        "\n## What the numbers mean\n\n"
        "- **acc**: the share of items answered correctly; [lo, hi] is the Wilson 95% interval, "
        "so two accuracies whose intervals overlap a lot may not really differ.\n"
        "- **RA** (Performance, default) = acc_L / acc_en: how much of its English score the model keeps in L.\n"
        "- **ra_chance** = (acc_L - r) / (acc_en - r): the same after removing what guessing gives.\n"
        "- **en-CO** (Consistency, default) = |C_en ∩ C_L| / |C_en ∪ C_L|: of the items right in either "
        "language, the share right in both (C_L is the set of items answered correctly in L).\n"
        "- **en_co_cond** = |C_en ∩ C_L| / |C_en|: of what English gets right, the share L gets right too.\n"
        "- **xltr** = (en_co_cond - r) / (1 - r): that share with chance removed (0 = no better than guessing).\n"
        "- **unparsed**: answers whose first character is not an option letter; they count as wrong.\n"));
    if (any_rankc)
        CLK_TRY(clk_out_str(o, "- **RankC**: how alike English and L rank the options by score, weighting the top "
                               "ranks most (softmax weights; 1 = identical rankings).\n"));
    return clk_out_str(o, "\nUndefined values (a division by zero) are shown as " DASH ". report.json and report.csv "
                          "hold every value at full precision, with norm_ref (the authors' normalisation to "
                          "ChatGPT's English accuracy).\n");
}

/* ------------------------------------------------------------------- CSV */

static clk_status csv_num(clk_out *o, double x)
{
    char b[32];
    clk_report_double(x, b);
    return clk_outf(o, ",%s", strcmp(b, "null") ? b : "");
}

/* A CSV field, quoted when it holds a comma, a quote or a line break. */
static clk_status csv_str(clk_out *o, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) return clk_out_str(o, s);
    CLK_TRY(clk_out_str(o, "\""));
    for (; *s; s++) CLK_TRY(*s == '"' ? clk_out_str(o, "\"\"") : clk_out_write(o, s, 1));
    return clk_out_str(o, "\"");
}

clk_status clk_report_csv(const clk_score_result *r, clk_out *o)
{
    int t, l;
    CLK_TRY(clk_out_str(o, "model,task,lang,n,correct,unparsed,acc,acc_lo,acc_hi,ra,ra_chance,norm_ref,en_co,"
                           "en_co_cond,xltr,c_en,both,either,rankc\n"));
    for (t = 0; t < r->n_tasks; t++) {
        const clk_task_score *ts = &r->task[t];
        for (l = 0; l < r->n_langs; l++) {
            const clk_lang_score *s = &ts->lang[l];
            CLK_TRY(csv_str(o, r->set->model));
            CLK_TRY(clk_outf(o, ",%s,%s,%ld,%ld,%ld", ts->info->name, lang_of(r, l), s->n, s->correct, s->unparsed));
            CLK_TRY(csv_num(o, s->acc));
            CLK_TRY(csv_num(o, s->acc_lo));
            CLK_TRY(csv_num(o, s->acc_hi));
            CLK_TRY(csv_num(o, s->ra));
            CLK_TRY(csv_num(o, s->ra_chance));
            CLK_TRY(csv_num(o, s->norm_ref));
            CLK_TRY(csv_num(o, s->en_co));
            CLK_TRY(csv_num(o, s->en_co_cond));
            CLK_TRY(csv_num(o, s->xltr));
            CLK_TRY(clk_outf(o, ",%ld,%ld,%ld", s->en.c_a, s->en.both, s->en.either));
            CLK_TRY(csv_num(o, s->rankc));
            CLK_TRY(clk_out_str(o, "\n"));
        }
    }
    return CLK_OK;
}

/* ------------------------------------------------------------------- SVG */
/*
 * One panel per task, stacked:
 *
 *   title: task, what it tests, chance rate
 *   +-------------------------------+   +--------------------------------+
 *   | heat map: L x L Jaccard, cell |   | bars: accuracy per language,   |
 *   | values printed, scale 0..1 at |   | Wilson 95% whiskers, dashed    |
 *   | the right                     |   | chance line, value above bar   |
 *   +-------------------------------+   +--------------------------------+
 */
#define SVG_W 1180
#define SVG_CELL 38                      /* heat map cell, px */
#define SVG_MAP_X 70                     /* heat map left edge */
#define SVG_BAR_X 640                    /* bar chart plot area left edge */
#define SVG_BAR_W 450                    /* bar chart plot area width */
#define SVG_TOP 70                       /* subtitles, below the panel's top */
#define SVG_PLOT 34                      /* plots start this far below the subtitles */
#define SVG_GAP 24                       /* space between panels */

/* Five stops of the viridis colour map (perceptually even, readable when
 * printed grey), interpolated linearly in RGB. */
static const unsigned char viridis[5][3] = {
    {0x44, 0x01, 0x54}, {0x3b, 0x52, 0x8b}, {0x21, 0x91, 0x8c}, {0x5e, 0xc9, 0x62}, {0xfd, 0xe7, 0x25}};

static void colour(double v, char *out)
{
    double x;
    int i, c[3], j;
    if (clk_undef(v)) {
        strcpy(out, "#d9d9d9");
        return;
    }
    x = v < 0 ? 0 : v > 1 ? 4 : v * 4;
    i = x >= 4 ? 3 : (int)x;
    for (j = 0; j < 3; j++) c[j] = (int)(viridis[i][j] + (x - i) * (viridis[i + 1][j] - viridis[i][j]) + 0.5);
    snprintf(out, 8, "#%02x%02x%02x", c[0], c[1], c[2]);
}

/* Height of both plots: the heat map's side, at least 260 px for the bars. */
static int plot_height(int n_langs) { return n_langs * SVG_CELL > 260 ? n_langs * SVG_CELL : 260; }
static int panel_height(int n_langs) { return SVG_TOP + SVG_PLOT + plot_height(n_langs) + 56; }

static clk_status svg_heatmap(const clk_score_result *r, const clk_task_score *ts, int y0, clk_out *o)
{
    int n = r->n_langs, l, m, i;
    int x0 = SVG_MAP_X, top = y0 + SVG_TOP + SVG_PLOT, side = n * SVG_CELL;
    char b[32], col[8];
    CLK_TRY(clk_outf(o, "<text x=\"%d\" y=\"%d\" class=\"sub\">Pairwise consistency: Jaccard of correctly answered items</text>\n",
                     x0, y0 + SVG_TOP));
    for (l = 0; l < n; l++) { /* row labels left, column labels on top */
        CLK_TRY(clk_outf(o, "<text x=\"%d\" y=\"%d\" class=\"lab\" text-anchor=\"end\">%s</text>\n", x0 - 6,
                         top + l * SVG_CELL + SVG_CELL / 2 + 4, lang_of(r, l)));
        CLK_TRY(clk_outf(o, "<text x=\"%d\" y=\"%d\" class=\"lab\" text-anchor=\"middle\">%s</text>\n",
                         x0 + l * SVG_CELL + SVG_CELL / 2, top - 6, lang_of(r, l)));
    }
    for (l = 0; l < n; l++)
        for (m = 0; m < n; m++) {
            double v = ts->co[l * n + m];
            int x = x0 + m * SVG_CELL, y = top + l * SVG_CELL;
            const char *txt = fixed(v, 2, b);
            if (txt[0] == '0') txt++; /* ".62": narrow cells */
            colour(v, col);
            CLK_TRY(clk_outf(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#ffffff\"/>\n",
                             x, y, SVG_CELL, SVG_CELL, col));
            CLK_TRY(clk_outf(o, "<text x=\"%d\" y=\"%d\" class=\"cell\" text-anchor=\"middle\" fill=\"%s\">%s</text>\n",
                             x + SVG_CELL / 2, y + SVG_CELL / 2 + 4, !clk_undef(v) && v > 0.62 ? "#000000" : "#ffffff", txt));
        }
    CLK_TRY(clk_outf(o, "<text x=\"%d\" y=\"%d\" class=\"tick\">row en = en-CO; 1.00 = the same items right in both languages</text>\n",
                     x0, top + side + 18));
    /* the colour scale: a vertical gradient from 0 (bottom) to 1 (top) */
    {
        int sx = x0 + side + 18, h = side;
        CLK_TRY(clk_outf(o, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"%d\" fill=\"url(#scale)\" stroke=\"#888888\"/>\n",
                         sx, top, h));
        for (i = 0; i <= 4; i++) {
            int y = top + h - i * h / 4;
            CLK_TRY(clk_outf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#555555\"/>\n", sx + 14, y, sx + 18, y));
            CLK_TRY(clk_outf(o, "<text x=\"%d\" y=\"%d\" class=\"tick\">%.2f</text>\n", sx + 21, y + 4, i / 4.0));
        }
    }
    return CLK_OK;
}

static clk_status svg_bars(const clk_score_result *r, const clk_task_score *ts, int y0, clk_out *o)
{
    int n = r->n_langs, l, i;
    int top = y0 + SVG_TOP + SVG_PLOT, h = plot_height(n), x0 = SVG_BAR_X;
    double slot = (double)SVG_BAR_W / n, bw = slot * 0.62, chance = 1.0 / ts->info->n_options;
#define YOF(v) (top + h - (v) * h)
    CLK_TRY(clk_outf(o, "<text x=\"%d\" y=\"%d\" class=\"sub\">Accuracy per language with its Wilson 95%% interval</text>\n",
                     x0, y0 + SVG_TOP));
    for (i = 0; i <= 5; i++) { /* grid and y axis labels every 20% */
        double y = YOF(i / 5.0);
        CLK_TRY(clk_outf(o, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\"/>\n", x0, y, x0 + SVG_BAR_W, y,
                         i ? "#e5e5e5" : "#555555"));
        CLK_TRY(clk_outf(o, "<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%d%%</text>\n", x0 - 6, y + 4, i * 20));
    }
    for (l = 0; l < n; l++) {
        const clk_lang_score *s = &ts->lang[l];
        double cx = x0 + slot * (l + 0.5);
        CLK_TRY(clk_outf(o, "<text x=\"%.1f\" y=\"%d\" class=\"lab\" text-anchor=\"middle\">%s</text>\n", cx, top + h + 18,
                         lang_of(r, l)));
        if (clk_undef(s->acc)) continue;
        CLK_TRY(clk_outf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n", cx - bw / 2,
                         YOF(s->acc), bw, s->acc * h, l == r->set->en ? "#4a4a4a" : "#3b6ea5"));
        CLK_TRY(clk_outf(o,
                         "<path d=\"M%.1f %.1fH%.1fM%.1f %.1fV%.1fM%.1f %.1fH%.1f\" stroke=\"#111111\" stroke-width=\"1.5\" fill=\"none\"/>\n",
                         cx - 6, YOF(s->acc_hi), cx + 6, cx, YOF(s->acc_hi), YOF(s->acc_lo), cx - 6, YOF(s->acc_lo), cx + 6));
        CLK_TRY(clk_outf(o, "<text x=\"%.1f\" y=\"%.1f\" class=\"val\" text-anchor=\"middle\">%.1f</text>\n", cx,
                         YOF(s->acc_hi) - 5, 100 * s->acc));
    }
    CLK_TRY(clk_outf(o, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#c0392b\" stroke-dasharray=\"6 4\" stroke-width=\"1.5\"/>\n",
                     x0, YOF(chance), x0 + SVG_BAR_W, YOF(chance)));
    CLK_TRY(clk_outf(o, "<text x=\"%d\" y=\"%.1f\" class=\"tick\" fill=\"#c0392b\">chance</text>\n", x0 + SVG_BAR_W + 5,
                     YOF(chance) - 2));
    CLK_TRY(clk_outf(o, "<text x=\"%d\" y=\"%.1f\" class=\"tick\" fill=\"#c0392b\">%.0f%%</text>\n", x0 + SVG_BAR_W + 5,
                     YOF(chance) + 11, 100 * chance));
#undef YOF
    return CLK_OK;
}

clk_status clk_report_svg(const clk_score_result *r, clk_out *o)
{
    int t, i, ph = panel_height(r->n_langs), height = 70 + r->n_tasks * (ph + SVG_GAP);
    char col[8];
    CLK_TRY(clk_outf(o,
                     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                     "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n",
                     SVG_W, height, SVG_W, height));
    CLK_TRY(clk_out_str(o, "<style type=\"text/css\">\n"
                           ".title{font-size:20px;font-weight:bold} .head{font-size:16px;font-weight:bold}\n"
                           ".sub{font-size:13px;fill:#333333} .lab{font-size:12px;font-weight:bold}\n"
                           ".cell{font-size:11px} .tick{font-size:11px;fill:#444444} .val{font-size:10px}\n"
                           "</style>\n<defs>\n<linearGradient id=\"scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\n"));
    for (i = 0; i <= 4; i++) {
        colour(i / 4.0, col);
        CLK_TRY(clk_outf(o, "<stop offset=\"%.2f\" stop-color=\"%s\"/>\n", i / 4.0, col));
    }
    CLK_TRY(clk_out_str(o, "</linearGradient>\n</defs>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
                           "<text x=\"20\" y=\"36\" class=\"title\">clika: cross-lingual knowledge alignment of "));
    CLK_TRY(xml_str(o, r->set->model));
    CLK_TRY(clk_out_str(o, "</text>\n"));
    for (t = 0; t < r->n_tasks; t++) {
        const clk_task_score *ts = &r->task[t];
        int y0 = 50 + t * (ph + SVG_GAP);
        CLK_TRY(clk_outf(o, "<g>\n<line x1=\"20\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999999\"/>\n", y0 + 10,
                         SVG_W - 20, y0 + 10));
        CLK_TRY(clk_outf(o, "<text x=\"20\" y=\"%d\" class=\"head\">%s: ", y0 + 40, ts->info->name));
        CLK_TRY(xml_str(o, ts->info->about));
        CLK_TRY(clk_outf(o, "; N = %ld items per language</text>\n", ts->n));
        CLK_TRY(svg_heatmap(r, ts, y0, o));
        CLK_TRY(svg_bars(r, ts, y0, o));
        CLK_TRY(clk_out_str(o, "</g>\n"));
    }
    return clk_out_str(o, "</svg>\n");
}

/* --------------------------------------------------------------- explain */

clk_status clk_report_explain(const clk_score_result *r, clk_out *o)
{
    int t, l;
    char b1[32], b2[32], b3[32], b4[32], b5[32];
    for (t = 0; t < r->n_tasks; t++) {
        const clk_task_score *ts = &r->task[t];
        const clk_lang_score *en = &ts->lang[r->set->en];
        int k = ts->info->n_options;
        CLK_TRY(clk_outf(o, "%s: %ld items per language, %d options, chance r = 1/%d = %s\n", ts->info->name, ts->n, k, k,
                         fixed(1.0 / k, 4, b1)));
        for (l = 0; l < r->n_langs; l++) {
            const clk_lang_score *s = &ts->lang[l];
            const char *L = lang_of(r, l);
            CLK_TRY(clk_outf(o, "  %s  |C_%s| = %ld of n = %ld (%ld answers not an option letter)\n", L, L, s->correct, s->n,
                             s->unparsed));
            CLK_TRY(clk_outf(o, "      acc        = %ld/%ld = %s   Wilson 95%%: [%s, %s]\n", s->correct, s->n,
                             fixed(s->acc, 4, b1), fixed(s->acc_lo, 4, b2), fixed(s->acc_hi, 4, b3)));
            CLK_TRY(clk_outf(o, "      RA         = acc_%s / acc_en = %s / %s = %s\n", L, fixed(s->acc, 4, b1),
                             fixed(en->acc, 4, b2), fixed(s->ra, 4, b3)));
            CLK_TRY(clk_outf(o, "      ra_chance  = (acc_%s - r) / (acc_en - r) = (%s - %s) / (%s - %s) = %s\n", L,
                             fixed(s->acc, 4, b1), fixed(1.0 / k, 4, b2), fixed(en->acc, 4, b3), fixed(1.0 / k, 4, b4),
                             fixed(s->ra_chance, 4, b5)));
            CLK_TRY(clk_outf(o, "      norm_ref   = max(0, (acc_%s - r) / (%s - r)) = %s\n", L, fixed(ts->info->ref_acc, 3, b1),
                             fixed(s->norm_ref, 4, b2)));
            CLK_TRY(clk_outf(o, "      |C_en ∩ C_%s| = %ld   |C_en ∪ C_%s| = %ld   |C_en| = %ld\n", L, s->en.both, L,
                             s->en.either, s->en.c_a));
            CLK_TRY(clk_outf(o, "      en-CO      = %ld/%ld = %s\n", s->en.both, s->en.either, fixed(s->en_co, 4, b1)));
            CLK_TRY(clk_outf(o, "      en_co_cond = %ld/%ld = %s\n", s->en.both, s->en.c_a, fixed(s->en_co_cond, 4, b1)));
            CLK_TRY(clk_outf(o, "      xltr       = (en_co_cond - r) / (1 - r) = (k|∩| - |C_en|) / ((k-1)|C_en|)"
                                " = (%d*%ld - %ld) / (%d*%ld) = %s\n", k,
                             s->en.both, s->en.c_a, k - 1, s->en.c_a, fixed(s->xltr, 4, b1)));
            if (s->has_rankc) CLK_TRY(clk_outf(o, "      RankC      = %s (softmax weights, mean over %ld items)\n",
                                                fixed(s->rankc, 4, b1), s->n));
        }
    }
    return CLK_OK;
}

/* ============================================== the fictional stream (issue 9) */

static double count_acc(const clk_fict_count *c) { return clk_accuracy(c->c, c->n); }

static clk_status json_count(clk_out *o, const char *key, const clk_fict_count *c, int measured, int last)
{
    char b[32];
    if (!measured) return clk_outf(o, "\"%s\": null%s", key, last ? "" : ", ");
    clk_report_double(count_acc(c), b);
    return clk_outf(o, "\"%s\": {\"n\": %ld, \"correct\": %ld, \"acc\": %s}%s", key, c->n, c->c, b, last ? "" : ", ");
}

static const char *json_gate(int g) { return g < 0 ? "null" : g ? "true" : "false"; }

clk_status clk_report_fictional_json(const clk_fict_set *s, clk_out *o)
{
    int i;
    CLK_TRY(clk_out_str(o, "{\"model\": "));
    CLK_TRY(json_str(o, s->model));
    CLK_TRY(clk_out_str(o, ", \"tasks\": {\"fictional\": {\"chance\": null, \"langs\": {"));
    for (i = 0; i < s->n_langs; i++) {
        const clk_fict_lang *l = &s->lang[i];
        clk_fict_count all;
        char b[32];
        all.n = l->t0.n + l->t1.n;
        all.c = l->t0.c + l->t1.c;
        clk_report_double(count_acc(&all), b);
        CLK_TRY(clk_outf(o, "%s\"%s\": {\"n\": %ld, \"correct\": %ld, \"acc\": %s, \"ra\": null, \"ra_chance\": null, "
                            "\"en_co\": null, \"en_co_cond\": null, \"xltr\": null, \"xrr\": {",
                         i ? ", " : "", l->code, all.n, all.c, b));
        CLK_TRY(json_count(o, "type0", &l->t0, 1, 0));
        CLK_TRY(json_count(o, "type1", &l->t1, 1, 0));
        CLK_TRY(json_count(o, "en_type0", &l->en0, l->has_en, 0));
        CLK_TRY(json_count(o, "en_type1", &l->en1, l->has_en, 0));
        CLK_TRY(json_count(o, "translate", &l->tr, l->has_tr, 0));
        CLK_TRY(json_num(o, "xrr", l->xrr, 0));
        CLK_TRY(json_num(o, "xrr_en", l->xrr_en, 0));
        CLK_TRY(json_num(o, "xrr_raw", l->xrr_raw, 0));
        clk_report_double(CLK_FICT_GATE, b);
        CLK_TRY(clk_outf(o, "\"gates\": {\"threshold\": %s, \"en\": %s, \"type0\": %s, \"translate\": %s}, "
                            "\"trained\": %s, \"train_names\": {\"checked\": %s, \"continents\": %d, \"missing\": %d, "
                            "\"example\": ",
                         b, json_gate(l->gate_en), json_gate(l->gate_t0), json_gate(l->gate_tr),
                         l->trained ? "true" : "false", l->n_cont_missing >= 0 ? "true" : "false", l->n_cont,
                         l->n_cont_missing > 0 ? l->n_cont_missing : 0));
        if (l->n_cont_missing > 0) CLK_TRY(json_str(o, l->missing_example));
        else CLK_TRY(clk_out_str(o, "null"));
        if (l->n_amb_names < 0) CLK_TRY(clk_out_str(o, "}, \"ambiguous_names\": null"));
        else {
            CLK_TRY(clk_outf(o, "}, \"ambiguous_names\": {\"names\": %d, \"items\": %d, \"example\": ",
                             l->n_amb_names, l->n_amb_items));
            if (l->n_amb_names > 0) CLK_TRY(json_str(o, l->amb_example));
            else CLK_TRY(clk_out_str(o, "null"));
            CLK_TRY(clk_out_str(o, "}"));
        }
        CLK_TRY(clk_outf(o, ", \"meaningful\": %s}}", l->meaningful ? "true" : "false"));
    }
    return clk_out_str(o, "}, \"co_matrix\": {}}}}\n");
}

/* "180/200 (90.0%)" or "–" */
static const char *md_count(const clk_fict_count *c, int measured, char *buf)
{
    if (!measured || c->n == 0) return DASH;
    snprintf(buf, 48, "%ld/%ld (%.1f%%)", c->c, c->n, 100.0 * (double)c->c / (double)c->n);
    return buf;
}

static const char *md_gate(int g) { return g < 0 ? "not measured" : g ? "pass" : "FAIL"; }

clk_status clk_report_fictional_md(const clk_fict_set *s, clk_out *o)
{
    int i, warned = 0;
    char b[6][48];
    CLK_TRY(clk_out_str(o, "# clika report: "));
    CLK_TRY(clk_out_str(o, s->model));
    CLK_TRY(clk_outf(o,
                     "\n\n## fictional: Conductivity (XRR)\n\nFor each target language L a model was fine-tuned on "
                     "every fact in English, on the type-0 facts only in L, and on the translation of every name. "
                     "An answer is right when it contains the expected name (Latin, Greek and Cyrillic letters "
                     "without case). XRR counts only when the three gates (English recall, type-0 recall in L, "
                     "name translation) all exceed %.0f%%.\n\n",
                     100.0 * CLK_FICT_GATE));
    CLK_TRY(clk_out_str(o, "| lang | type 0 in L | type 1 in L | EN type 0 | EN type 1 | translation | gates EN / L0 / "
                           "names | **XRR** A1/A0 | A1/A1_en | A1 | |\n|---|---|---|---|---|---|---|---|---|---|---|\n"));
    for (i = 0; i < s->n_langs; i++) {
        const clk_fict_lang *l = &s->lang[i];
        char x1[32], x2[32], x3[32];
        const char *note = l->meaningful ? "" : "not trained enough: XRR not meaningful";
        if (l->trained && l->n_cont_missing > 0) note = "training file lacks the test names: XRR not meaningful";
        CLK_TRY(clk_outf(o, "| %s | %s | %s | %s | %s | %s | %s / %s / %s | %s | %s | %s | %s |\n", l->code,
                         md_count(&l->t0, 1, b[0]), md_count(&l->t1, 1, b[1]), md_count(&l->en0, l->has_en, b[2]),
                         md_count(&l->en1, l->has_en, b[3]), md_count(&l->tr, l->has_tr, b[4]), md_gate(l->gate_en),
                         md_gate(l->gate_t0), md_gate(l->gate_tr), fixed(l->xrr, 4, x1), fixed(l->xrr_en, 4, x2),
                         fixed(l->xrr_raw, 4, x3), note));
    }
    for (i = 0; i < s->n_langs; i++) {
        const clk_fict_lang *l = &s->lang[i];
        if (l->n_cont_missing <= 0) continue;
        if (!warned++) CLK_TRY(clk_out_str(o, "\n### Warnings\n\n"));
        CLK_TRY(clk_outf(o,
                         "- **%s**: %d of the %d continent names of `test/target/test%s.jsonl` never occur in "
                         "`train/%s.json` (for example %s): a model trained on that file was never taught them. "
                         "The authors' Chinese files have this known mismatch (their ZH training file uses "
                         "other continent names).\n",
                         l->code, l->n_cont_missing, l->n_cont, l->up, l->up, l->missing_example));
    }
    for (i = 0; i < s->n_langs; i++) {
        const clk_fict_lang *l = &s->lang[i];
        if (l->n_amb_names <= 0) continue;
        if (!warned++) CLK_TRY(clk_out_str(o, "\n### Warnings\n\n"));
        CLK_TRY(clk_outf(o,
                         "- **%s**: %d place name%s of `test%s.jsonl` (for example %s) belong to places on "
                         "different continents: %d questions are asked twice with two different gold answers, and "
                         "at most one of each pair can be answered right. Counted as they are.\n",
                         l->code, l->n_amb_names, l->n_amb_names == 1 ? "" : "s", l->up, l->amb_example,
                         l->n_amb_items));
    }
    return CLK_OK;
}

clk_status clk_report_fictional_csv(const clk_fict_set *s, clk_out *o)
{
    int i;
    CLK_TRY(clk_out_str(o, "task,lang,n0,c0,n1,c1,en_n0,en_c0,en_n1,en_c1,tr_n,tr_c,xrr,xrr_en,xrr_raw,gate_en,"
                           "gate_type0,gate_translate,trained,names_missing,meaningful\n"));
    for (i = 0; i < s->n_langs; i++) {
        const clk_fict_lang *l = &s->lang[i];
        CLK_TRY(clk_outf(o, "fictional,%s,%ld,%ld,%ld,%ld", l->code, l->t0.n, l->t0.c, l->t1.n, l->t1.c));
        if (l->has_en) CLK_TRY(clk_outf(o, ",%ld,%ld,%ld,%ld", l->en0.n, l->en0.c, l->en1.n, l->en1.c));
        else CLK_TRY(clk_out_str(o, ",,,,"));
        if (l->has_tr) CLK_TRY(clk_outf(o, ",%ld,%ld", l->tr.n, l->tr.c));
        else CLK_TRY(clk_out_str(o, ",,"));
        CLK_TRY(csv_num(o, l->xrr));
        CLK_TRY(csv_num(o, l->xrr_en));
        CLK_TRY(csv_num(o, l->xrr_raw));
        CLK_TRY(clk_outf(o, ",%s,%s,%s,%d,", l->gate_en < 0 ? "" : l->gate_en ? "1" : "0",
                         l->gate_t0 < 0 ? "" : l->gate_t0 ? "1" : "0", l->gate_tr < 0 ? "" : l->gate_tr ? "1" : "0",
                         l->trained));
        if (l->n_cont_missing >= 0) CLK_TRY(clk_outf(o, "%d", l->n_cont_missing));
        CLK_TRY(clk_outf(o, ",%d\n", l->meaningful));
    }
    return CLK_OK;
}
