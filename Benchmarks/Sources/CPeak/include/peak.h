// The machine's floating-point limit: register-only loops of fused multiply-adds, no memory
// traffic, enough independent accumulators to keep every FMA unit busy.
#ifndef CPEAK_H
#define CPEAK_H

/// Whether this CPU runs AVX-512F (1) and AVX2 with FMA (1).
int peak_has_avx512(void);
int peak_has_avx2(void);

/// Runs `iterations` rounds of 16 independent 512-bit (AVX2: 12 256-bit) single-precision
/// FMAs; returns the number of floating-point operations (2 per lane per FMA). Call only where
/// the matching peak_has_* is 1.
double peak_fma_avx512(long iterations);
double peak_fma_avx2(long iterations);

#endif
