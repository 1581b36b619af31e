#ifndef BACKPROP_KERNELS_H
#define BACKPROP_KERNELS_H

/// Whether this processor (and its operating system) runs AVX-512F code, which the kernels
/// below need. Checked with cpuid and xgetbv once.
int backprop_has_avx512(void);

/// y ← α W x + β y for a row-major W of shape (m × n), with AVX-512: four rows at a time,
/// sixteen columns per fused multiply-add. Call only where backprop_has_avx512() is 1.
void backprop_sgemv_avx512(int m, int n, float alpha, const float *w, int ldw, const float *x, float beta,
                           float *y);

/// a_i = 1 / (1 + e^(−z_i)) for n values, with a vectorizable e^x (Cephes's polynomial
/// after range reduction; the sigmoid is within 1e-6, relative, of Double's over
/// −100 … 100 in the tests). NaN stays NaN.
void backprop_sigmoid_f32(const float *z, float *a, long n);

/// y_i = e^(x_i) for n values (x_i ≤ 0 as softmax uses it: results underflow to 0 below
/// −87.3), with the same e^x. NaN stays NaN.
void backprop_exp_f32(const float *x, float *y, long n);

#endif
