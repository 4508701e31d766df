/*
 * x86_avx2.c - the AVX2 port (make PORT=avx2): AVX2 + FMA + F16C, compiled
 * with -mavx2 -mfma -mf16c for this file only (x86-64-v3 machines: Haswell
 * and later, Zen). The kernels are in x86_kernels.h, shared with the
 * AVX-512 port; here the integer dot products use vpmaddubsw + vpmaddwd.
 */
#define CLK_X86_NAME "avx2"
#define CLK_X86_TABLE clk_x86_avx2_kernels /* for port/x86_dispatch.c */
#define CLK_X86_SELF 2                 /* PORT=avx2: this is clk_port_kernels() */
#include "x86_kernels.h"
