/*
 * x86_avx512.c - the AVX-512 port (make PORT=avx512): AVX-512 F/BW/DQ/VL
 * with VNNI (Ice Lake, Zen 4 and later), compiled with those flags for this
 * file only. The kernels are x86_kernels.h's, with the integer dot products
 * on vpdpbusd / vpdpwssd (VNNI on 256-bit registers through AVX512VL);
 * without __AVX512VNNI__ they fall back to the AVX2 forms.
 */
#define CLK_X86_NAME "avx512"
#define CLK_X86_TABLE clk_x86_avx512_kernels /* for port/x86_dispatch.c */
#define CLK_X86_SELF 3                 /* PORT=avx512: this is clk_port_kernels() */
#include "x86_kernels.h"
