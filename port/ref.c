/*
 * ref.c - the reference kernels: plain C99, the specification every SIMD
 * port is tested against. Written for clarity first; where llama.cpp's
 * arithmetic order matters for agreement with its logits, the order is
 * ggml's and the comment says so.
 */
#include "port.h"

#include <math.h>
#include <string.h>

/* ============================================================ type table */
/* Layouts of every ggml type id clika can measure (so a file with an IQ
 * type still gets a correct byte range and a clear "cannot compute"
 * message); `compute` marks the types the kernels handle. */
static const clk_type_info type_table[CLK_T_COUNT] = {
    [CLK_T_F32] = {"f32", 1, 4, CLK_T_F32, 1},
    [CLK_T_F16] = {"f16", 1, 2, CLK_T_F16, 1},
    [CLK_T_Q4_0] = {"q4_0", 32, 18, CLK_T_Q8_0, 1},
    [CLK_T_Q4_1] = {"q4_1", 32, 20, CLK_T_Q8_1, 1},
    [CLK_T_Q5_0] = {"q5_0", 32, 22, CLK_T_Q8_0, 1},
    [CLK_T_Q5_1] = {"q5_1", 32, 24, CLK_T_Q8_1, 1},
    [CLK_T_Q8_0] = {"q8_0", 32, 34, CLK_T_Q8_0, 1},
    [CLK_T_Q8_1] = {"q8_1", 32, 36, CLK_T_Q8_1, 0},
    [CLK_T_Q2_K] = {"q2_K", 256, 84, CLK_T_Q8_K, 0},
    [CLK_T_Q3_K] = {"q3_K", 256, 110, CLK_T_Q8_K, 0},
    [CLK_T_Q4_K] = {"q4_K", 256, 144, CLK_T_Q8_K, 1},
    [CLK_T_Q5_K] = {"q5_K", 256, 176, CLK_T_Q8_K, 1},
    [CLK_T_Q6_K] = {"q6_K", 256, 210, CLK_T_Q8_K, 1},
    [CLK_T_Q8_K] = {"q8_K", 256, 292, CLK_T_Q8_K, 0},
    [16] = {"iq2_xxs", 256, 66, CLK_T_Q8_K, 0},
    [17] = {"iq2_xs", 256, 74, CLK_T_Q8_K, 0},
    [18] = {"iq3_xxs", 256, 98, CLK_T_Q8_K, 0},
    [19] = {"iq1_s", 256, 50, CLK_T_Q8_K, 0},
    [20] = {"iq4_nl", 32, 18, CLK_T_Q8_0, 0},
    [21] = {"iq3_s", 256, 110, CLK_T_Q8_K, 0},
    [22] = {"iq2_s", 256, 82, CLK_T_Q8_K, 0},
    [23] = {"iq4_xs", 256, 136, CLK_T_Q8_K, 0},
    [24] = {"i8", 1, 1, 24, 0},
    [25] = {"i16", 1, 2, 25, 0},
    [26] = {"i32", 1, 4, 26, 0},
    [27] = {"i64", 1, 8, 27, 0},
    [28] = {"f64", 1, 8, 28, 0},
    [29] = {"iq1_m", 256, 56, CLK_T_Q8_K, 0},
    [CLK_T_BF16] = {"bf16", 1, 2, CLK_T_BF16, 1},
    [34] = {"tq1_0", 256, 54, CLK_T_Q8_K, 0},
    [35] = {"tq2_0", 256, 66, CLK_T_Q8_K, 0},
    [39] = {"mxfp4", 32, 17, CLK_T_Q8_0, 0},
};

const clk_type_info *clk_type(int t)
{
    if (t < 0 || t >= CLK_T_COUNT || !type_table[t].name) return NULL;
    return &type_table[t];
}

size_t clk_row_bytes(int t, int64_t n)
{
    const clk_type_info *ti = clk_type(t);
    if (!ti || n < 0) return 0;
    return (size_t)(n / ti->blck) * (size_t)ti->bytes;
}

size_t clk_act_row_bytes(int wtype, int act, int k)
{
    const clk_type_info *ti = clk_type(wtype);
    if (!ti || k < 0) return 0;
    if (act == CLK_ACT_F32) return (size_t)k * 4;
    switch (ti->act) {
    case CLK_T_F32: return (size_t)k * 4;
    case CLK_T_F16:
    case CLK_T_BF16: return (size_t)k * 2;
    case CLK_T_Q8_0: return (size_t)(k / 32) * sizeof(clk_block_q8_0);
    case CLK_T_Q8_1: return (size_t)(k / 32) * sizeof(clk_block_q8_1);
    case CLK_T_Q8_K: return (size_t)(k / 256) * sizeof(clk_block_q8_K);
    default: return 0;
    }
}

/* ====================== TEMPORARY (gguf branch): link stub ======================
 * src/forward.c (clk_fwd_init) calls clk_port_kernels(), which the kernel
 * branch defines; until it is merged, this stub lets programs that use
 * clk_fwd_plan (clika info, tests) link. It is never called on this branch.
 * DELETE this block when the kernels land (a duplicate definition will say so). */
#ifndef CLK_HAVE_PORT_KERNELS
const clk_kernels *clk_port_kernels(void) { return NULL; }
#endif
