// The bfloat16 products of mixed precision: inputs rounded to bfloat16 (float32's upper 16
// bits), products summed in float32. Three kernels give the same bits: a portable one, one
// for AVX512-BF16 (VDPBF16PS: 16 sums of pairs of products per instruction), and one in
// AVX2's float32 FMAs for processors without bfloat16 instructions. Their order of
// summation is VDPBF16PS's, written out in backprop_sgemm_bf16's comment in kernels.h. The
// AMX kernels (bf16_amx.c) read the same rounded and packed operands.
#include "kernels.h"
#include "bf16_scalar.h"

#include <float.h>
#include <math.h>
#include <string.h>

/// x rounded to bfloat16, to nearest, ties to even; NaN made quiet.
static inline unsigned short round_bf16(float x) {
    unsigned int u = bits_of(x);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (unsigned short)((u >> 16) | 0x40);
    u += 0x7fffu + ((u >> 16) & 1);
    return (unsigned short)(u >> 16);
}

#if defined(__x86_64__)
#include <immintrin.h>

/// round_bf16 on 16 values at a time, the tail under a mask: the same bits.
__attribute__((target("avx512f,avx512bw,avx512vl"))) static void round_avx512(const float *x, unsigned short *y,
                                                                               long n) {
    const __m512i one = _mm512_set1_epi32(1), half = _mm512_set1_epi32(0x7fff), quiet = _mm512_set1_epi32(0x400000);
    const __m512i magnitude = _mm512_set1_epi32(0x7fffffff), infinity = _mm512_set1_epi32(0x7f800000);
    for (long i = 0; i < n; i += 16) {
        __mmask16 mask = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
        __m512i u = _mm512_castps_si512(_mm512_maskz_loadu_ps(mask, x + i));
        __mmask16 nan = _mm512_cmpgt_epi32_mask(_mm512_and_si512(u, magnitude), infinity);
        __m512i rounded = _mm512_add_epi32(u, _mm512_add_epi32(half, _mm512_and_si512(_mm512_srli_epi32(u, 16), one)));
        rounded = _mm512_mask_or_epi32(rounded, nan, u, quiet);
        _mm256_mask_storeu_epi16(y + i, mask, _mm512_cvtepi32_epi16(_mm512_srli_epi32(rounded, 16)));
    }
}
#endif

void backprop_bf16_round(const float *x, unsigned short *y, long n) {
#if defined(__x86_64__)
    if (backprop_cpu()->avx512_skylake) {
        round_avx512(x, y, n);
        return;
    }
#endif
    for (long i = 0; i < n; i++) y[i] = round_bf16(x[i]);
}

long backprop_bf16_packed_b_count(int n, int k) { return (long)((n + 15) / 16 * 16) * ((k + 1) / 2 * 2); }

/// Element (row, column) of an n × k matrix stored row by row, or of one stored as its
/// transpose (k × n).
static inline float element(const float *x, int ld, int transposed, long row, long column) {
    return transposed ? x[column * ld + row] : x[row * ld + column];
}

void backprop_bf16_round_rows(int transposed, const float *a, int lda, int m, int k, float scale, unsigned short *out,
                              int ldo) {
    enum { CHUNK = 512 };
    float scaled[CHUNK];
    for (long i = 0; i < m; i++) {
        unsigned short *row = out + i * ldo;
        if (transposed) {
            for (long p = 0; p < k; p++) row[p] = round_bf16(scale * a[p * lda + i]);
        } else if (scale == 1.0f) {
            backprop_bf16_round(a + i * lda, row, k);
        } else {
            for (long start = 0; start < k; start += CHUNK) {
                long count = k - start < CHUNK ? k - start : CHUNK;
                for (long p = 0; p < count; p++) scaled[p] = scale * a[i * lda + start + p];
                backprop_bf16_round(scaled, row + start, count);
            }
        }
        for (long p = k; p < ldo; p++) row[p] = 0;
    }
}

/// backprop_bf16_pack_b for B stored row by row: each row rounded a chunk at a time (with
/// backprop_bf16_round's vectors), its pairs then spread 16 pairs apart.
static void pack_rows(const float *b, int ldb, int n, int k, unsigned short *packed) {
    enum { CHUNK = 512 };
    long pairs = (k + 1) / 2;
    unsigned short rounded[CHUNK + 2];
    for (long row = 0; row < (n + 15) / 16 * 16; row++) {
        unsigned short *panel = packed + ((row / 16) * pairs * 16 + row % 16) * 2;  // its first pair
        for (long start = 0; start < 2 * pairs; start += CHUNK) {
            long count = 2 * pairs - start < CHUNK ? 2 * pairs - start : CHUNK;
            long present = row < n ? (k - start < count ? k - start : count) : 0;
            if (present > 0) backprop_bf16_round(b + row * ldb + start, rounded, present);
            for (long c = present; c < count; c++) rounded[c] = 0;
            for (long c = 0; c < count; c += 2) memcpy(panel + (start + c) * 16, rounded + c, 2 * sizeof *rounded);
        }
    }
}

void backprop_bf16_pack_b(int transposed, const float *b, int ldb, int n, int k, unsigned short *packed) {
    if (!transposed) {
        pack_rows(b, ldb, n, k, packed);
        return;
    }
    long pairs = (k + 1) / 2;
    for (int j0 = 0; j0 < n; j0 += 16) {
        unsigned short *panel = packed + (long)j0 * pairs * 2;
        for (long p = 0; p < pairs; p++) {
            for (int j = 0; j < 16; j++) {
                unsigned short *pair = panel + (p * 16 + j) * 2;
                long row = j0 + j, column = 2 * p;
                pair[0] = row < n ? round_bf16(element(b, ldb, transposed, row, column)) : 0;
                pair[1] = row < n && column + 1 < k ? round_bf16(element(b, ldb, transposed, row, column + 1)) : 0;
            }
        }
    }
}

/// The portable kernel: each sum in VDPBF16PS's order, one product at a time.
static void sgemm_bf16_portable(int m, int n, int k, const unsigned short *a, int lda, const unsigned short *packed_b,
                                float *c, int ldc, int accumulate) {
    long pairs = (k + 1) / 2;
    for (int i = 0; i < m; i++) {
        const unsigned short *row = a + (long)i * lda;
        for (int j = 0; j < n; j++) {
            const unsigned short *column = packed_b + ((long)(j / 16) * pairs * 16 + j % 16) * 2;
            float s = 0;
            for (long p = 0; p < pairs; p++) {
                const unsigned short *bp = column + p * 32;
                s = flush(fmaf(widen_daz(row[2 * p + 1]), widen_daz(bp[1]), s));
                s = flush(fmaf(widen_daz(row[2 * p]), widen_daz(bp[0]), s));
            }
            float *out = c + (long)i * ldc + j;
            *out = accumulate ? *out + s : s;
        }
    }
}

#if defined(__x86_64__)
#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

/// ROWS rows of C by PANELS × 16 columns from column panel `panel`: one accumulator per row
/// and panel, one VDPBF16PS per pair of k, the rows' pairs broadcast.
BF16_TARGET static inline __attribute__((always_inline)) void tile_avx512(
    const int rows, const int panels, long pairs, const unsigned short *a, int lda, const unsigned short *packed_b,
    int panel, int n, float *c, int ldc, int accumulate) {
    __m512 sum[4][2];
    for (int r = 0; r < rows; r++)
        for (int q = 0; q < panels; q++) sum[r][q] = _mm512_setzero_ps();
    const unsigned short *b = packed_b + (long)panel * pairs * 32;
    for (long p = 0; p < pairs; p++) {
        __m512i bq[2];
        for (int q = 0; q < panels; q++) bq[q] = _mm512_loadu_si512(b + ((long)q * pairs + p) * 32);
        for (int r = 0; r < rows; r++) {
            unsigned int pair;
            memcpy(&pair, a + (long)r * lda + 2 * p, sizeof pair);
            __m512i ar = _mm512_set1_epi32((int)pair);
            for (int q = 0; q < panels; q++) sum[r][q] = _mm512_dpbf16_ps(sum[r][q], (__m512bh)ar, (__m512bh)bq[q]);
        }
    }
    for (int r = 0; r < rows; r++) {
        for (int q = 0; q < panels; q++) {
            int column = (panel + q) * 16;
            int count = n - column < 16 ? n - column : 16;
            __mmask16 mask = (__mmask16)((1u << count) - 1);
            float *out = c + (long)r * ldc + column;
            __m512 value = sum[r][q];
            if (accumulate) value = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, out), value);
            _mm512_mask_storeu_ps(out, mask, value);
        }
    }
}

/// The AVX512-BF16 kernel: tiles of 4 rows × 32 columns, and narrower ones on the edges.
BF16_TARGET static void sgemm_bf16_avx512(int m, int n, int k, const unsigned short *a, int lda,
                                          const unsigned short *packed_b, float *c, int ldc, int accumulate) {
    long pairs = (k + 1) / 2;
    int panels = (n + 15) / 16;
    for (int panel = 0; panel < panels; panel += 2) {
        int wide = panel + 1 < panels;
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            const unsigned short *ai = a + (long)i * lda;
            float *ci = c + (long)i * ldc;
            if (wide) tile_avx512(4, 2, pairs, ai, lda, packed_b, panel, n, ci, ldc, accumulate);
            else tile_avx512(4, 1, pairs, ai, lda, packed_b, panel, n, ci, ldc, accumulate);
        }
        for (; i < m; i++) {
            const unsigned short *ai = a + (long)i * lda;
            float *ci = c + (long)i * ldc;
            if (wide) tile_avx512(1, 2, pairs, ai, lda, packed_b, panel, n, ci, ldc, accumulate);
            else tile_avx512(1, 1, pairs, ai, lda, packed_b, panel, n, ci, ldc, accumulate);
        }
    }
}
#endif

#if defined(__x86_64__)
#define AVX2_TARGET __attribute__((target("avx2,fma")))

/// MXCSR's "denormals are zero" and "flush to zero": with them an FMA reads subnormal inputs
/// as zero and writes a subnormal sum as zero, as VDPBF16PS does.
enum { MXCSR_DAZ_FTZ = 0x8040 };

/// ROWS rows of C by PANELS × 16 columns from column panel `panel`: each pair of B's panels
/// widened to float32 (the even value shifted up, the odd one masked), each row's pair
/// broadcast, and the two products added one after the other with FMA (exact products, so one
/// rounding per sum).
AVX2_TARGET static inline __attribute__((always_inline)) void tile_avx2(
    const int rows, const int panels, long pairs, const unsigned short *a, int lda, const unsigned short *packed_b,
    int panel, int n, float *c, int ldc, int accumulate) {
    const __m256i high = _mm256_set1_epi32((int)0xffff0000u);
    __m256 sum[4][8];
    for (int r = 0; r < rows; r++)
        for (int v = 0; v < 2 * panels; v++) sum[r][v] = _mm256_setzero_ps();
    const unsigned short *b = packed_b + (long)panel * pairs * 32;
    unsigned int csr = _mm_getcsr();
    _mm_setcsr(csr | MXCSR_DAZ_FTZ);
    for (long p = 0; p < pairs; p++) {
        __m256 even[8], odd[8];
        for (int v = 0; v < 2 * panels; v++) {
            __m256i raw = _mm256_loadu_si256((const __m256i *)(b + ((long)(v / 2) * pairs + p) * 32 + (v % 2) * 16));
            even[v] = _mm256_castsi256_ps(_mm256_slli_epi32(raw, 16));
            odd[v] = _mm256_castsi256_ps(_mm256_and_si256(raw, high));
        }
        for (int r = 0; r < rows; r++) {
            unsigned int pair;
            memcpy(&pair, a + (long)r * lda + 2 * p, sizeof pair);
            __m256i ar = _mm256_set1_epi32((int)pair);
            __m256 ae = _mm256_castsi256_ps(_mm256_slli_epi32(ar, 16)), ao = _mm256_castsi256_ps(_mm256_and_si256(ar, high));
            for (int v = 0; v < 2 * panels; v++) {
                sum[r][v] = _mm256_fmadd_ps(ao, odd[v], sum[r][v]);
                sum[r][v] = _mm256_fmadd_ps(ae, even[v], sum[r][v]);
            }
        }
    }
    _mm_setcsr(csr);
    for (int q = 0; q < panels; q++) {
        int column = (panel + q) * 16, count = n - column < 16 ? n - column : 16;
        for (int r = 0; r < rows; r++) {
            float *out = c + (long)r * ldc + column;
            float value[16];
            _mm256_storeu_ps(value, sum[r][2 * q]);
            _mm256_storeu_ps(value + 8, sum[r][2 * q + 1]);
            for (int j = 0; j < count; j++) out[j] = accumulate ? out[j] + value[j] : value[j];
        }
    }
}

/// The AVX2 kernel, for processors without bfloat16 instructions, in float32 FMAs under DAZ
/// and FTZ, the same bits as the others: tiles of 4 rows × 16 columns, and for the last rows
/// (one example's forward pass among them) 1 row × 64 columns, enough sums at once to keep
/// the FMA units busy.
AVX2_TARGET static void sgemm_bf16_avx2(int m, int n, int k, const unsigned short *a, int lda,
                                        const unsigned short *packed_b, float *c, int ldc, int accumulate) {
    long pairs = (k + 1) / 2;
    int panels = (n + 15) / 16, full = m / 4 * 4;
    for (int panel = 0; panel < panels; panel++) {
        for (int i = 0; i < full; i += 4) {
            tile_avx2(4, 1, pairs, a + (long)i * lda, lda, packed_b, panel, n, c + (long)i * ldc, ldc, accumulate);
        }
    }
    for (int panel = 0; panel < panels; panel += 4) {
        int wide = panels - panel;
        for (int i = full; i < m; i++) {
            const unsigned short *ai = a + (long)i * lda;
            float *ci = c + (long)i * ldc;
            if (wide >= 4) tile_avx2(1, 4, pairs, ai, lda, packed_b, panel, n, ci, ldc, accumulate);
            else if (wide == 3) tile_avx2(1, 3, pairs, ai, lda, packed_b, panel, n, ci, ldc, accumulate);
            else if (wide == 2) tile_avx2(1, 2, pairs, ai, lda, packed_b, panel, n, ci, ldc, accumulate);
            else tile_avx2(1, 1, pairs, ai, lda, packed_b, panel, n, ci, ldc, accumulate);
        }
    }
}
#endif

void backprop_sgemm_bf16(backprop_bf16_kernel kernel, int m, int n, int k, const unsigned short *a, int lda,
                         const unsigned short *packed_b, float *c, int ldc, int accumulate) {
    if (m <= 0 || n <= 0) return;
    if (kernel == BACKPROP_BF16_AMX || kernel == BACKPROP_BF16_AMX_MODEL) {
        backprop_sgemm_bf16_amx(kernel == BACKPROP_BF16_AMX, m, n, k, a, lda, packed_b, c, ldc, accumulate);
        return;
    }
#if defined(__x86_64__)
    if (kernel == BACKPROP_BF16_AVX512 && backprop_has_avx512_bf16()) {
        sgemm_bf16_avx512(m, n, k, a, lda, packed_b, c, ldc, accumulate);
        return;
    }
    if (kernel == BACKPROP_BF16_AVX2 && backprop_has_avx2_fma()) {
        sgemm_bf16_avx2(m, n, k, a, lda, packed_b, c, ldc, accumulate);
        return;
    }
#endif
    sgemm_bf16_portable(m, n, k, a, lda, packed_b, c, ldc, accumulate);
}
