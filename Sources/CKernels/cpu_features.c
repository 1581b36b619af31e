// The one place that asks the processor which vector extensions it has: Backprop's kernels
// and the choice of OpenBLAS's kernels both read it.
#include "kernels.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <pthread.h>

/// The extensions, read with cpuid and, for the register state, xgetbv (whether the
/// operating system saves the wide registers on a context switch).
static backprop_cpu_features read_features(void) {
    backprop_cpu_features found = {0};
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return found;
    int osxsave = (ecx >> 27) & 1, avx = (ecx >> 28) & 1, fma = (ecx >> 12) & 1;
    if (!osxsave || !avx) return found;
    unsigned int xcr0_low, xcr0_high;
    __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    if ((xcr0_low & 0x6) != 0x6) return found;  // SSE and AVX state
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return found;
    found.avx2_fma = ((ebx >> 5) & 1) && fma;
    unsigned int tiles = (1u << 22) | (1u << 24);                            // AMX-BF16, AMX-TILE
    found.amx_bf16 = (edx & tiles) == tiles && (xcr0_low & 0x60000) == 0x60000;  // and the tile state
    int avx512_state = (xcr0_low & 0xE0) == 0xE0;  // opmask and the upper ZMM registers
    found.avx512f = avx512_state && ((ebx >> 16) & 1);
    unsigned int skylake = (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31);  // F, DQ, CD, BW, VL
    found.avx512_skylake = avx512_state && (ebx & skylake) == skylake;
    unsigned int max_subleaf = eax;
    if (max_subleaf >= 1 && __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) {
        found.avx512_bf16 = found.avx512_skylake && ((eax >> 5) & 1);  // VDPBF16PS
    }
    return found;
}

static backprop_cpu_features features;
static pthread_once_t features_read = PTHREAD_ONCE_INIT;

static void read_features_once(void) { features = read_features(); }

const backprop_cpu_features *backprop_cpu(void) {
    pthread_once(&features_read, read_features_once);
    return &features;
}
#else
const backprop_cpu_features *backprop_cpu(void) {
    static const backprop_cpu_features none = {0};
    return &none;
}
#endif

int backprop_has_avx512(void) { return backprop_cpu()->avx512f; }

int backprop_has_avx2_fma(void) { return backprop_cpu()->avx2_fma; }

int backprop_has_avx512_bf16(void) { return backprop_cpu()->avx512_bf16; }

const char *backprop_openblas_core(void) {
    const backprop_cpu_features *cpu = backprop_cpu();
    return cpu->avx512_skylake ? "SkylakeX" : cpu->avx2_fma ? "Haswell" : (const char *)0;
}
