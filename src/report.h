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
#include "fictional.h"

clk_status clk_report_json(const clk_score_result *r, clk_out *o);
clk_status clk_report_md(const clk_score_result *r, clk_out *o);
clk_status clk_report_csv(const clk_score_result *r, clk_out *o);
clk_status clk_report_svg(const clk_score_result *r, clk_out *o);
clk_status clk_report_explain(const clk_score_result *r, clk_out *o);

/* The fictional stream (issue 9, fictional.h). report.json as above with
 * one task "fictional" whose languages carry the standard keys (n and
 * correct over the L items, the others null) and an "xrr" block:
 *     "xrr": {"type0" | "type1" | "en_type0" | "en_type1" | "translate":
 *                 {"n", "correct", "acc"} or null when not measured,
 *             "xrr", "xrr_en", "xrr_raw": float|null,
 *             "gates": {"threshold": 0.9, "en", "type0", "translate": bool|null},
 *             "trained": bool,
 *             "train_names": {"checked": bool, "continents": int, "missing": int,
 *                             "example": str|null},
 *             "ambiguous_names": {"names": int, "items": int, "example": str|null} or null,
 *             "meaningful": bool}
 * report.md: one table, languages whose gates failed (or whose training
 * file lacks the test names) flagged "not trained enough: XRR not
 * meaningful"; report.csv: one row per language. */
clk_status clk_report_fictional_json(const clk_fict_set *s, clk_out *o);
clk_status clk_report_fictional_md(const clk_fict_set *s, clk_out *o);
clk_status clk_report_fictional_csv(const clk_fict_set *s, clk_out *o);

/* x as a JSON number (shortest round-trip form) or "null"; out has >= 32 bytes. */
void clk_report_double(double x, char *out);

#endif /* CLK_REPORT_H */
