// The element-wise and matrix-vector kernels Swift's baseline x86-64 code generation makes
// slow: compiled for wider vector instructions function by function (target attributes and
// target clones, no package-wide flags), chosen at run time.
#include "kernels.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

// e^x for float, written so that compilers vectorize loops over it: clamp, round with the
// 1.5·2²³ trick (adding it leaves round(x/ln 2) in the low bits), 2^n from integer bits,
// and Cephes's polynomial for e^r, |r| ≤ ln 2 / 2. Inputs are clamped to [−87.3, 88.3],
// where 2^n stays a normal float; backprop_exp_f32 returns 0 below the range, and in
// the sigmoid 1 + e^x makes the clamp invisible. Callers pass NaN through themselves.
static inline float exp_poly(float x) {
    x = fminf(fmaxf(x, -87.3f), 88.3f);
    const float magic = 12582912.0f;  // 1.5 · 2^23
    float t = x * 1.44269504088896341f + magic;
    float n = t - magic;
    int32_t tb, mb;
    memcpy(&tb, &t, 4);
    memcpy(&mb, &magic, 4);
    int32_t bits = (tb - mb + 127) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    float r = x - n * 0.693359375f;  // ln 2 in two parts, for an exact reduction
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    return (p * r * r + r + 1.0f) * scale;
}

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define BACKPROP_SANITIZED 1
#endif
#endif

// Target clones are chosen by an ifunc resolver while the program is being loaded, before
// ThreadSanitizer's runtime starts; instrumented, that resolver crashes. Those builds
// (tests) use the baseline loop alone.
#if defined(__x86_64__) && defined(__linux__) && defined(__clang__) && !defined(BACKPROP_SANITIZED)
#define VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VECTOR_CLONES
#endif

VECTOR_CLONES
void backprop_sigmoid_f32(const float *z, float *a, long n) {
    for (long i = 0; i < n; i++) {
        float s = 1.0f / (1.0f + exp_poly(-z[i]));
        a[i] = z[i] != z[i] ? z[i] : s;
    }
}

VECTOR_CLONES
void backprop_exp_f32(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) {
        float e = x[i] < -87.3f ? 0.0f : exp_poly(x[i]);
        y[i] = x[i] != x[i] ? x[i] : e;
    }
}

VECTOR_CLONES
void backprop_relu_backward_f32(float *delta, const float *z, long n, float slope) {
    if (slope == 0) {  // exactly 0, as the ReLU's derivative, even where δ is infinite
        for (long i = 0; i < n; i++) {
            float d = delta[i];
            delta[i] = z[i] > 0 ? d : 0.0f;
        }
        return;
    }
    for (long i = 0; i < n; i++) {
        float d = delta[i];
        delta[i] = z[i] > 0 ? d : slope * d;
    }
}

void backprop_prefetch(const void *start, long bytes) {
    const char *p = start;
    for (long offset = 0; offset < bytes; offset += 64) __builtin_prefetch(p + offset, 0, 2);
}

// √x without errno (which would keep the loop from vectorizing).
#if defined(__clang__)
#define SQRT(x) __builtin_elementwise_sqrt(x)
#else
#define SQRT(x) sqrtf(x)
#endif

// One Adam step, the same float operations in the same order as the Swift loop it replaces
// (no contraction into fused multiply-adds, so every clone computes the same bits).
VECTOR_CLONES
void backprop_adam_f32(float *w, const float *g, float *m, float *v, long n, float coupled, float shrink,
                       float beta1, float beta2, float epsilon, float step_size, float root_correction2) {
#pragma clang fp contract(off)
    for (long i = 0; i < n; i++) {
        float gi = g[i] + coupled * w[i];
        float mi = beta1 * m[i] + (1 - beta1) * gi;
        float vi = beta2 * v[i] + (1 - beta2) * gi * gi;
        mi = fabsf(mi) < 1e-30f ? 0 : mi;
        vi = fabsf(vi) < 1e-30f ? 0 : vi;
        m[i] = mi;
        v[i] = vi;
        w[i] = shrink * w[i] - step_size * mi / (SQRT(vi) / root_correction2 + epsilon);
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

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
void backprop_sgemv_avx512(int m, int n, float alpha, const float *w, int ldw, const float *x, float beta,
                           float *y) {
    (void)m; (void)n; (void)alpha; (void)w; (void)ldw; (void)x; (void)beta; (void)y;
}
#endif
