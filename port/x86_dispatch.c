/*
 * x86_dispatch.c - PORT=x86: one binary for every x86-64-v2 machine that
 * still uses AVX2 or AVX-512 where the CPU has them. Both x86 ports are
 * compiled in (each file with its own instruction-set flags; nothing else
 * in the binary uses those instructions) and clk_port_kernels() asks the
 * CPU which table to return:
 *   avx512   AVX-512 F, BW, DQ, VL and VNNI, and the OS saves the opmask
 *            and zmm registers (XCR0 bits 1, 2, 5, 6, 7)
 *   avx2     AVX2, FMA and F16C, and the OS saves the ymm registers
 *            (XCR0 bits 1, 2)
 *   ref      otherwise
 * The features come from cpuid (the compiler's <cpuid.h>) and XCR0 from
 * xgetbv, which may only be executed when cpuid says OSXSAVE.
 */
#include "port.h"

#include <cpuid.h>

const clk_kernels *clk_x86_avx2_kernels(void);
const clk_kernels *clk_x86_avx512_kernels(void);

static unsigned xcr0(void)
{
    unsigned lo, hi;
    __asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    return lo;
}

const clk_kernels *clk_port_kernels(void)
{
    unsigned a, b, c, d, b7 = 0, c7 = 0, x;
    int avx2, avx512;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return &clk_ref_kernels;
    if (!(c & (1u << 27)) || !(c & (1u << 28))) return &clk_ref_kernels; /* OSXSAVE, AVX */
    x = xcr0();
    if (__get_cpuid_max(0, NULL) >= 7) __cpuid_count(7, 0, a, b7, c7, d);
    avx2 = (c & (1u << 12)) && (c & (1u << 29)) && (b7 & (1u << 5)) && (x & 0x6u) == 0x6u; /* FMA F16C AVX2 */
    avx512 = avx2 && (b7 & (1u << 16)) && (b7 & (1u << 17)) && (b7 & (1u << 30)) && (b7 & (1u << 31)) &&
             (c7 & (1u << 11)) && (x & 0xE6u) == 0xE6u; /* F DQ BW VL, VNNI; opmask, zmm state */
    if (avx512) return clk_x86_avx512_kernels();
    if (avx2) return clk_x86_avx2_kernels();
    return &clk_ref_kernels;
}
