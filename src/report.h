/*
 * report.h - a scored result as text: report.json (the schema of
 * REFERENCE.md section 4), report.md (tables a student can read), report.csv
 * (one row per task and language), report.svg (a hand-written SVG 1.1
 * figure), and the --explain listing of the counts behind every number.
 *
 * Must never: open files or print (it formats into a clk_out sink that
 * main.c provides), allocate, or write NaN/inf: undefined values are
 * `null` in JSON, empty in CSV and "–" in tables and figures.
 *
 * report.json, key order fixed (extra keys follow the required ones):
 *     {"model": str,
 *      "tasks": {TASK: {"chance": r,
 *                       "langs": {LANG: {"n", "correct", "acc", "ra", "ra_chance",
 *                                        "en_co", "en_co_cond", "xltr",
 *                                        extras: "acc_lo", "acc_hi", "norm_ref",
 *                                        "unparsed", ["rankc"]}},
 *                       "co_matrix": {L1: {L2: float|null}},
 *                       extras: "options", "ref_acc"}}}
 * Doubles are written in the shortest form that reads back to the same
 * double (at most 17 significant digits), always with a '.' or an exponent.
 */
#ifndef CLK_REPORT_H
#define CLK_REPORT_H

#include "common.h"
#include "score.h"

clk_status clk_report_json(const clk_score_result *r, clk_out *o);
clk_status clk_report_md(const clk_score_result *r, clk_out *o);
clk_status clk_report_csv(const clk_score_result *r, clk_out *o);
clk_status clk_report_svg(const clk_score_result *r, clk_out *o);
clk_status clk_report_explain(const clk_score_result *r, clk_out *o);

/* x as a JSON number (shortest round-trip form) or "null"; out has >= 32 bytes. */
void clk_report_double(double x, char *out);

#endif /* CLK_REPORT_H */
