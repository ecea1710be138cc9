/* Run-time instruction-set detection for the kernels' dispatch. */
#include "CBlendCPU.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint64_t read_xcr0(void) {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

static int detect(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return BS_ISA_PORTABLE;
    int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, f16c = (c >> 29) & 1;
    if (!(fma && osxsave && avx && f16c)) return BS_ISA_PORTABLE;
    uint64_t xcr0 = read_xcr0();
    if ((xcr0 & 0x6) != 0x6) return BS_ISA_PORTABLE; /* the OS saves XMM and YMM state */
    if (__get_cpuid_max(0, 0) < 7) return BS_ISA_PORTABLE;
    __cpuid_count(7, 0, a, b, c, d);
    int avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1, avx512bw = (b >> 30) & 1;
    if (!avx2) return BS_ISA_PORTABLE;
    if (avx512f && avx512bw && (xcr0 & 0xE6) == 0xE6) return BS_ISA_AVX512; /* opmask and ZMM state */
    return BS_ISA_AVX2;
}
#else
static int detect(void) { return BS_ISA_PORTABLE; }
#endif

int bs_cpu_best_isa(void) {
    static int cached = -1;
    if (cached < 0) cached = detect();
    return cached;
}
