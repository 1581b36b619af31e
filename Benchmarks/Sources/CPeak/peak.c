#include "peak.h"

#if defined(__x86_64__)
#include <immintrin.h>

int peak_has_avx512(void) { return __builtin_cpu_supports("avx512f"); }
int peak_has_avx2(void) { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

// 16 accumulators: more than FMA latency × FMA units on current x86 cores (4 × 2).
#define ROUND(fma, acc, a, b) \
    acc[0] = fma(acc[0], a, b); acc[1] = fma(acc[1], a, b); acc[2] = fma(acc[2], a, b); acc[3] = fma(acc[3], a, b); \
    acc[4] = fma(acc[4], a, b); acc[5] = fma(acc[5], a, b); acc[6] = fma(acc[6], a, b); acc[7] = fma(acc[7], a, b); \
    acc[8] = fma(acc[8], a, b); acc[9] = fma(acc[9], a, b); acc[10] = fma(acc[10], a, b); acc[11] = fma(acc[11], a, b); \
    acc[12] = fma(acc[12], a, b); acc[13] = fma(acc[13], a, b); acc[14] = fma(acc[14], a, b); acc[15] = fma(acc[15], a, b);

__attribute__((target("avx512f")))
double peak_fma_avx512(long iterations) {
    __m512 acc[16];
    for (int i = 0; i < 16; i++) acc[i] = _mm512_set1_ps((float)i * 1e-3f);
    const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    for (long n = 0; n < iterations; n++) {
        ROUND(_mm512_fmadd_ps, acc, a, b)
        __asm__ volatile("" : "+v"(acc[0]), "+v"(acc[8]));  // keep the loop
    }
    __m512 sum = acc[0];
    for (int i = 1; i < 16; i++) sum = _mm512_add_ps(sum, acc[i]);
    volatile float sink = _mm512_reduce_add_ps(sum);
    (void)sink;
    return (double)iterations * 16 * 16 * 2;
}

// AVX2 has 16 vector registers: 12 accumulators, a and b stay in registers (16 would spill).
__attribute__((target("avx2,fma")))
double peak_fma_avx2(long iterations) {
    __m256 acc[12];
    for (int i = 0; i < 12; i++) acc[i] = _mm256_set1_ps((float)i * 1e-3f);
    const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
    for (long n = 0; n < iterations; n++) {
        for (int k = 0; k < 12; k++) acc[k] = _mm256_fmadd_ps(acc[k], a, b);
        __asm__ volatile("" : "+x"(acc[0]), "+x"(acc[6]));
    }
    __m256 sum = acc[0];
    for (int i = 1; i < 12; i++) sum = _mm256_add_ps(sum, acc[i]);
    float lanes[8];
    _mm256_storeu_ps(lanes, sum);
    volatile float sink = lanes[0] + lanes[7];
    (void)sink;
    return (double)iterations * 12 * 8 * 2;
}

#else
int peak_has_avx512(void) { return 0; }
int peak_has_avx2(void) { return 0; }
double peak_fma_avx512(long iterations) { (void)iterations; return 0; }
double peak_fma_avx2(long iterations) { (void)iterations; return 0; }
#endif
