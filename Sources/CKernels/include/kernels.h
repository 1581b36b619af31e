#ifndef BACKPROP_KERNELS_H
#define BACKPROP_KERNELS_H

/// Whether this processor (and its operating system) runs AVX-512F code, which the kernels
/// below need. Checked with cpuid and xgetbv once.
int backprop_has_avx512(void);

/// y ← α W x + β y for a row-major W of shape (m × n), with AVX-512: four rows at a time,
/// sixteen columns per fused multiply-add. Call only where backprop_has_avx512() is 1.
void backprop_sgemv_avx512(int m, int n, float alpha, const float *w, int ldw, const float *x, float beta,
                           float *y);

#endif
