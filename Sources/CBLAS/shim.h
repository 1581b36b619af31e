#include <cblas.h>

#if defined(__x86_64__) && defined(__linux__)
#include <cpuid.h>
#include <stdlib.h>
#include <strings.h>

// OpenBLAS's run-time kernel selection (DYNAMIC_ARCH builds such as Debian's). Weak: a
// build without them still links, and the selection below then does nothing.
extern void gotoblas_dynamic_init(void) __attribute__((weak));
extern void gotoblas_dynamic_quit(void) __attribute__((weak));

/// The processor's vector extensions that OpenBLAS's x86-64 kernels need, checked with
/// cpuid and, for the register state, xgetbv (whether the OS saves the wide registers).
/// Returns "SkylakeX" (AVX-512 F/CD/BW/DQ/VL), "Haswell" (AVX2 + FMA) or NULL.
static inline const char *backprop_best_openblas_core(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return NULL;
    int osxsave = (ecx >> 27) & 1, avx = (ecx >> 28) & 1, fma = (ecx >> 12) & 1;
    if (!osxsave || !avx) return NULL;
    unsigned int xcr0_low, xcr0_high;
    __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    if ((xcr0_low & 0x6) != 0x6) return NULL;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return NULL;
    int avx2 = (ebx >> 5) & 1;
    unsigned int avx512 = (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31);
    if ((ebx & avx512) == avx512 && (xcr0_low & 0xE0) == 0xE0) return "SkylakeX";
    if (avx2 && fma) return "Haswell";
    return NULL;
}

/// OpenBLAS 0.3.21 (Debian 12) does not know processors newer than it, such as Emerald
/// Rapids, and falls back to its Prescott (SSE3) kernels, several times slower than the
/// AVX-512 ones (docs/performance-choices.md). When it did so and OPENBLAS_CORETYPE is
/// unset, this selects the kernels newer OpenBLAS releases pick by feature, as if
/// OPENBLAS_CORETYPE had named them; it must run before any other BLAS call. Returns the
/// core selected, or NULL if it changed nothing.
static inline const char *backprop_upgrade_openblas_core(void) {
    if (!gotoblas_dynamic_init || !gotoblas_dynamic_quit) return NULL;
    if (getenv("OPENBLAS_CORETYPE") != NULL) return NULL;
    const char *current = openblas_get_corename();
    if (current == NULL || strcasecmp(current, "prescott") != 0) return NULL;
    const char *core = backprop_best_openblas_core();
    if (core == NULL) return NULL;
    setenv("OPENBLAS_CORETYPE", core, 1);
    gotoblas_dynamic_quit();
    gotoblas_dynamic_init();
    unsetenv("OPENBLAS_CORETYPE");
    return core;
}
#else
static inline const char *backprop_upgrade_openblas_core(void) { return 0; }
#endif
