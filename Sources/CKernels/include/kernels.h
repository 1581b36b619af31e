#ifndef BACKPROP_KERNELS_H
#define BACKPROP_KERNELS_H

/// The vector extensions of this processor (and its operating system) that Backprop's
/// kernels and OpenBLAS's need: each 1 or 0.
typedef struct {
    int avx2_fma;        // AVX2 and FMA
    int avx512f;         // AVX-512 Foundation
    int avx512_skylake;  // AVX-512 F, CD, BW, DQ and VL, which OpenBLAS's SkylakeX kernels need
    int avx512_bf16;     // AVX512-BF16 (VDPBF16PS), with the above
    int amx_bf16;        // AMX-TILE and AMX-BF16 (TDPBF16PS), the operating system saving the tiles
} backprop_cpu_features;

/// This processor's extensions, read once with cpuid and xgetbv.
const backprop_cpu_features *backprop_cpu(void);

/// Whether this processor runs AVX-512F code, which the kernels below need.
int backprop_has_avx512(void);

/// The OpenBLAS kernels (OPENBLAS_CORETYPE) that newer OpenBLAS releases pick for this
/// processor by its features: "SkylakeX", "Haswell", or NULL for neither.
const char *backprop_openblas_core(void);

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

/// δ_i ← δ_i where z_i > 0, else slope · δ_i (exactly 0 for slope 0; NaN z counts as not
/// positive), for n values: the ReLU's (slope 0) or leaky ReLU's g′(z) ⊙ δ, vectorized
/// without branches. (As a Swift loop it compiles to a branch per value, which the
/// processor often mispredicts, since the sign of z follows no pattern.)
void backprop_relu_backward_f32(float *delta, const float *z, long n, float slope);

/// Asks the processor to bring `bytes` bytes from `start` into its caches, without waiting.
void backprop_prefetch(const void *start, long bytes);

/// One Adam step over n parameters (PyTorch's arrangement, see Adam.swift): with
/// g' = g + coupled·w, m ← β₁m + (1 − β₁)g', v ← β₂v + (1 − β₂)g'², each flushed to 0 below
/// 1e-30 in magnitude, then w ← shrink·w − step_size·m / (√v / root_correction2 + ε).
/// Vectorized with the widest instructions the processor has.
void backprop_adam_f32(float *w, const float *g, float *m, float *v, long n, float coupled, float shrink,
                       float beta1, float beta2, float epsilon, float step_size, float root_correction2);

/// Whether this processor runs AVX2 and FMA code, which backprop_sgemm_avx2 needs.
int backprop_has_avx2_fma(void);

/// C ← α op(A) op(B) + β C for row-major matrices (op(A) is m × k, op(B) is k × n; op(X) is
/// Xᵀ where trans is nonzero), with Backprop's own AVX2 + FMA kernels, on the calling thread.
/// β = 0 never reads C. Returns 0, or −1 where the thread's packing buffers could not be
/// allocated (C untouched). Call only where backprop_has_avx2_fma() is 1.
int backprop_sgemm_avx2(int transa, int transb, int m, int n, int k, float alpha, const float *a, int lda,
                        const float *b, int ldb, float beta, float *c, int ldc);

/// The same product with Backprop's AVX-512 kernels (an 8 × 32 micro-kernel; A Bᵀ with a
/// short or narrow C as backprop_sgemm_avx2 computes it). Call only where
/// backprop_has_avx512() is 1.
int backprop_sgemm_avx512(int transa, int transb, int m, int n, int k, float alpha, const float *a, int lda,
                          const float *b, int ldb, float beta, float *c, int ldc);

/// y ← α W x + β y for a row-major W of shape (m × n), with AVX2 + FMA: four rows at a time,
/// eight columns per fused multiply-add. Call only where backprop_has_avx2_fma() is 1.
void backprop_sgemv_avx2(int m, int n, float alpha, const float *w, int ldw, const float *x, float beta, float *y);

/// Whether this processor runs AVX512-BF16 code (VDPBF16PS), which the bfloat16 products'
/// fast kernel needs.
int backprop_has_avx512_bf16(void);

/// y_i = x_i rounded to bfloat16 (its upper 16 bits as a float32, rounded to nearest, ties
/// to even), for n values; NaN stays a quiet NaN of the same sign, ±∞ stays ±∞.
void backprop_bf16_round(const float *x, unsigned short *y, long n);

/// Whether this process can run AMX-BF16 code (TDPBF16PS): the processor has it and, on
/// Linux, the kernel granted the tile state (asked once, at the first call).
int backprop_has_amx_bf16(void);

/// The bfloat16 kernels: the portable one, the AVX512-BF16 one (where
/// backprop_has_avx512_bf16() is 1), the AVX2 one (float32 FMAs, where
/// backprop_has_avx2_fma() is 1), the AMX one (where backprop_has_amx_bf16() is 1), and the
/// AMX one's model (its tile instructions in plain C, every machine). A kernel the processor
/// lacks falls back to the portable one (the AMX one to its model).
typedef enum {
    BACKPROP_BF16_PORTABLE = 0,
    BACKPROP_BF16_AVX512 = 1,
    BACKPROP_BF16_AVX2 = 2,
    BACKPROP_BF16_AMX = 3,
    BACKPROP_BF16_AMX_MODEL = 4
} backprop_bf16_kernel;

/// The bfloat16 values backprop_bf16_pack_b writes for an n × k matrix B: n rounded up to 16,
/// times k rounded up to 2.
long backprop_bf16_packed_b_count(int n, int k);

/// Rounds `scale` A (m × k; stored row by row, rows `lda` apart, or where `transposed` is
/// nonzero as its transpose, k × m) to bfloat16 rows `ldo` apart (ldo ≥ k), the columns past
/// k zero: backprop_sgemm_bf16's A. Each product scale · a is a float32, then rounded.
void backprop_bf16_round_rows(int transposed, const float *a, int lda, int m, int k, float scale, unsigned short *out,
                              int ldo);

/// Rounds B (n × k; stored row by row, rows `ldb` apart, or where `transposed` is nonzero as
/// its transpose, k × n) to bfloat16 and lays it out for backprop_sgemm_bf16: for each block
/// of 16 rows of B, for each pair of columns (2p, 2p+1), the 16 rows' pairs one after
/// another; rows and a last column past B are zeros.
void backprop_bf16_pack_b(int transposed, const float *b, int ldb, int n, int k, unsigned short *packed);

/// C ← A Bᵀ (β = 0) or C ← C + A Bᵀ (accumulate nonzero), with A (m × k, bfloat16, rows
/// `lda` apart, lda even and ≥ k rounded up to 2, the pad column zero) and B packed by
/// backprop_bf16_pack_b; C is float32, m × n, rows `ldc` apart. Every element of A Bᵀ is
/// summed as VDPBF16PS does it, in one float32 sum s from 0: for p = 0, 1, …:
/// s ← s + a_(2p+1) b_(2p+1), then s ← s + a_(2p) b_(2p), each product exact, each sum
/// rounded to nearest even; subnormal inputs and sums count as zero. So the portable, AVX2
/// and AVX512-BF16 kernels give the same bits. The AMX kernels sum as
/// backprop_sgemm_bf16_amx says. Runs on the calling thread.
void backprop_sgemm_bf16(backprop_bf16_kernel kernel, int m, int n, int k, const unsigned short *a, int lda,
                         const unsigned short *packed_b, float *c, int ldc, int accumulate);

/// backprop_sgemm_bf16 on AMX tiles (`hardware` nonzero, where backprop_has_amx_bf16() is
/// 1) or their model. Each element is summed as the Intel SDM defines TDPBF16PS, 16 pairs of
/// k at a time: for each step of 16 pairs (the last padded with zeros), an even sum e and an
/// odd sum o from 0, e ← e + a_(2p) b_(2p) and o ← o + a_(2p+1) b_(2p+1) with FMA, then
/// s ← s + (e + o); subnormal inputs and sums count as zero. The model gives these bits;
/// the processor's own are checked only against the bound of bfloat16's error.
void backprop_sgemm_bf16_amx(int hardware, int m, int n, int k, const unsigned short *a, int lda,
                             const unsigned short *packed_b, float *c, int ldc, int accumulate);

#endif
