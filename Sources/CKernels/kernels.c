// Kernels that need instructions beyond baseline x86-64, compiled for them function by
// function (target attributes, no package-wide flags) and called after a run-time check.
#include "kernels.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

int backprop_has_avx512(void) {
    static int cached = -1;
    if (cached >= 0) return cached;
    unsigned int eax, ebx, ecx, edx, xcr0_low, xcr0_high;
    int result = 0;
    if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) && ((ecx >> 27) & 1)) {  // OSXSAVE
        __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
        int saved = (xcr0_low & 0xE6) == 0xE6;  // SSE, AVX and the three AVX-512 states
        result = saved && __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) && ((ebx >> 16) & 1);
    }
    cached = result;
    return result;
}

__attribute__((target("avx512f")))
void backprop_sgemv_avx512(int m, int n, float alpha, const float *w, int ldw, const float *x, float beta,
                           float *y) {
    int i = 0;
    for (; i + 4 <= m; i += 4) {
        const float *w0 = w + (long)i * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
        int j = 0;
        for (; j + 16 <= n; j += 16) {
            __m512 xj = _mm512_loadu_ps(x + j);
            s0 = _mm512_fmadd_ps(_mm512_loadu_ps(w0 + j), xj, s0);
            s1 = _mm512_fmadd_ps(_mm512_loadu_ps(w1 + j), xj, s1);
            s2 = _mm512_fmadd_ps(_mm512_loadu_ps(w2 + j), xj, s2);
            s3 = _mm512_fmadd_ps(_mm512_loadu_ps(w3 + j), xj, s3);
        }
        if (j < n) {  // the last columns, under a mask
            __mmask16 mask = (__mmask16)((1u << (n - j)) - 1);
            __m512 xj = _mm512_maskz_loadu_ps(mask, x + j);
            s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, w0 + j), xj, s0);
            s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, w1 + j), xj, s1);
            s2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, w2 + j), xj, s2);
            s3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, w3 + j), xj, s3);
        }
        float d[4] = {_mm512_reduce_add_ps(s0), _mm512_reduce_add_ps(s1), _mm512_reduce_add_ps(s2),
                      _mm512_reduce_add_ps(s3)};
        for (int r = 0; r < 4; r++) y[i + r] = alpha * d[r] + (beta == 0 ? 0 : beta * y[i + r]);
    }
    for (; i < m; i++) {
        const float *wi = w + (long)i * ldw;
        __m512 s = _mm512_setzero_ps();
        int j = 0;
        for (; j + 16 <= n; j += 16) s = _mm512_fmadd_ps(_mm512_loadu_ps(wi + j), _mm512_loadu_ps(x + j), s);
        if (j < n) {
            __mmask16 mask = (__mmask16)((1u << (n - j)) - 1);
            s = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, wi + j), _mm512_maskz_loadu_ps(mask, x + j), s);
        }
        y[i] = alpha * _mm512_reduce_add_ps(s) + (beta == 0 ? 0 : beta * y[i]);
    }
}

#else
int backprop_has_avx512(void) { return 0; }
void backprop_sgemv_avx512(int m, int n, float alpha, const float *w, int ldw, const float *x, float beta,
                           float *y) {
    (void)m; (void)n; (void)alpha; (void)w; (void)ldw; (void)x; (void)beta; (void)y;
}
#endif
