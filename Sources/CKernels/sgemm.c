// Backprop's own single-precision matrix product for AVX2 + FMA and AVX-512 processors, in
// BLIS's design: op(A) and op(B) are copied ("packed") into panels that a register-blocked
// micro-kernel (6 × 16 with AVX2, 8 × 32 with AVX-512) streams through, blocked so that a
// panel of op(B) stays in L1 and a block of op(A) in L2. Where op(B) is stored row by row
// (not transposed) and C is short, the kernel reads it in place instead: packing would cost
// as much as the product.
#include "kernels.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#include <pthread.h>

/// C ← α Σ_p a_p b_pᵀ + β C for one MR × NR tile of C (only its first mr × nr written): a is
/// an op(A) panel (MR values per step), b an op(B) panel (NR values per step, `ldb` apart).
typedef void MicroKernel(long kc, const float *restrict a, const float *restrict b, long ldb, float *c, long ldc,
                         float alpha, float beta, long mr, long nr);

/// A micro-kernel and the blocking around it.
typedef struct {
    long mr, nr;  // rows and columns of C per micro-kernel call (nr a multiple of 8)
    int masked;   // whether the kernel reads only the first nr columns of op(B) on edges
    long kc;      // depth of a packed panel: an op(B) panel (kc × nr) stays in L1
    long mc;      // rows of a packed op(A) block (mc × kc) kept in L2
    long nc;      // columns of a packed op(B) block (kc × nc)
    MicroKernel *kernel;
} Blocking;

/// The packing buffers' sizes: the largest blocks of either blocking.
enum { MAX_MC_KC = 144 * 256, MAX_KC_NC = 256 * 1024 };

/// The packing buffers of the calling thread, allocated on its first product and freed
/// when it ends: no allocation in the steady state.
typedef struct {
    float *a;  // mc × kc
    float *b;  // kc × nc
} PackBuffers;

static pthread_key_t buffers_key;
static pthread_once_t buffers_once = PTHREAD_ONCE_INIT;

static void free_buffers(void *value) {
    PackBuffers *buffers = value;
    free(buffers->a);
    free(buffers->b);
    free(buffers);
}

static void make_buffers_key(void) { pthread_key_create(&buffers_key, free_buffers); }

static PackBuffers *thread_buffers(void) {
    pthread_once(&buffers_once, make_buffers_key);
    PackBuffers *buffers = pthread_getspecific(buffers_key);
    if (buffers) return buffers;
    buffers = calloc(1, sizeof *buffers);
    if (!buffers) return NULL;
    buffers->a = aligned_alloc(64, sizeof(float) * MAX_MC_KC);
    buffers->b = aligned_alloc(64, sizeof(float) * MAX_KC_NC);
    if (!buffers->a || !buffers->b || pthread_setspecific(buffers_key, buffers) != 0) {
        free_buffers(buffers);
        return NULL;
    }
    return buffers;
}

/// An operand as stored: element (i, j) of op(X) is x[i * rs + j * cs].
typedef struct {
    const float *x;
    long rs, cs;
} Operand;

static inline float at(Operand op, long i, long j) { return op.x[i * op.rs + j * op.cs]; }

/// Packs rows i0 ..< i0 + mc, columns p0 ..< p0 + kc of op(A) into panels of mr rows: panel
/// by panel, column by column, mr values per column, rows past the end as zeros.
__attribute__((target("avx2,fma")))
static void pack_a(Operand a, long mr, long i0, long mc, long p0, long kc, float *restrict dst) {
    for (long ir = 0; ir < mc; ir += mr) {
        long rows = mc - ir < mr ? mc - ir : mr;
        if (rows == mr && a.rs == 1) {  // op(A) = Aᵀ: a panel's mr values are adjacent
            const float *src = a.x + (i0 + ir) + p0 * a.cs;
            for (long p = 0; p < kc; p++, src += a.cs, dst += mr) memcpy(dst, src, sizeof(float) * mr);
            continue;
        }
        for (long p = 0; p < kc; p++, dst += mr) {
            long r = 0;
            for (; r < rows; r++) dst[r] = at(a, i0 + ir + r, p0 + p);
            for (; r < mr; r++) dst[r] = 0;
        }
    }
}

/// Eight rows of eight floats, transposed in registers: out[c] = (in[0][c], …, in[7][c]).
__attribute__((target("avx2,fma")))
static inline void transpose8(__m256 r[8]) {
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
    r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
    r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
    r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
    r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
    r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
    r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

/// Packs rows p0 ..< p0 + kc, columns j0 ..< j0 + nc of op(B) into panels of nr columns (a
/// multiple of 8): panel by panel, row by row, nr values per row, columns past the end as zeros.
__attribute__((target("avx2,fma")))
static void pack_b(Operand b, long nr, long p0, long kc, long j0, long nc, float *restrict dst) {
    for (long jr = 0; jr < nc; jr += nr) {
        long cols = nc - jr < nr ? nc - jr : nr;
        const float *origin = b.x + p0 * b.rs + (j0 + jr) * b.cs;
        if (cols == nr && b.cs == 1) {  // op(B) = B: each row's nr values are adjacent
            for (long p = 0; p < kc; p++, dst += nr)
                for (long q = 0; q < nr; q += 8) _mm256_store_ps(dst + q, _mm256_loadu_ps(origin + p * b.rs + q));
            continue;
        }
        long p = 0;
        if (cols == nr && b.rs == 1) {  // op(B) = Bᵀ: transpose 8 × 8 blocks in registers
            for (; p + 8 <= kc; p += 8, dst += 8 * nr) {
                for (long eighth = 0; eighth < nr; eighth += 8) {
                    __m256 r[8];
                    for (int c = 0; c < 8; c++) r[c] = _mm256_loadu_ps(origin + (eighth + c) * b.cs + p);
                    transpose8(r);
                    for (int q = 0; q < 8; q++) _mm256_store_ps(dst + q * nr + eighth, r[q]);
                }
            }
        }
        for (; p < kc; p++, dst += nr) {
            long c = 0;
            for (; c < cols; c++) dst[c] = origin[p * b.rs + c * b.cs];
            for (; c < nr; c++) dst[c] = 0;
        }
    }
}

/// The AVX2 micro-kernel (a MicroKernel): 6 × 2 accumulators + 2 vectors of op(B) + 1 of
/// op(A) fill the 16 registers. β = 0 never reads C, as in BLAS.
enum { MR = 6, NR = 16 };
__attribute__((target("avx2,fma")))
static void micro_kernel_avx2(long kc, const float *restrict a, const float *restrict b, long ldb, float *c,
                              long ldc, float alpha, float beta, long mr, long nr) {
    __m256 c0[MR], c1[MR];
    for (int r = 0; r < MR; r++) c0[r] = c1[r] = _mm256_setzero_ps();
    for (long p = 0; p < kc; p++, a += MR, b += ldb) {
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
        for (int r = 0; r < MR; r++) {
            __m256 ar = _mm256_broadcast_ss(a + r);
            c0[r] = _mm256_fmadd_ps(ar, b0, c0[r]);
            c1[r] = _mm256_fmadd_ps(ar, b1, c1[r]);
        }
    }
    __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    if (mr == MR && nr == NR) {
        for (int r = 0; r < MR; r++) {
            float *row = c + r * ldc;
            __m256 x0 = _mm256_mul_ps(va, c0[r]), x1 = _mm256_mul_ps(va, c1[r]);
            if (beta != 0) {
                x0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row), x0);
                x1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row + 8), x1);
            }
            _mm256_storeu_ps(row, x0);
            _mm256_storeu_ps(row + 8, x1);
        }
        return;
    }
    float tile[MR][NR];
    for (int r = 0; r < MR; r++) {
        _mm256_storeu_ps(tile[r], c0[r]);
        _mm256_storeu_ps(tile[r] + 8, c1[r]);
    }
    for (long r = 0; r < mr; r++) {
        for (long j = 0; j < nr; j++) {
            float *x = c + r * ldc + j;
            *x = alpha * tile[r][j] + (beta == 0 ? 0 : beta * *x);
        }
    }
}

/// The AVX-512 micro-kernel's body for the first R rows of an 8-row op(A) panel: R × 2
/// accumulators of 16 floats, 2 vectors of op(B) (read under masks past column nr), and
/// op(A)'s values broadcast by the multiply-adds. R is a constant where it is inlined.
__attribute__((target("avx512f"), always_inline))
static inline void tile_avx512(int R, long kc, const float *restrict a, const float *restrict b, long ldb,
                               float *c, long ldc, float alpha, float beta, long mr, long nr) {
    __mmask16 m0 = nr >= 16 ? 0xFFFF : (__mmask16)((1u << nr) - 1);
    __mmask16 m1 = nr >= 32 ? 0xFFFF : nr > 16 ? (__mmask16)((1u << (nr - 16)) - 1) : 0;
    // C's tile, to be in L1 when the sums are done (docs/performance-choices.md)
    for (int r = 0; r < R && r < mr; r++) {
        _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + r * ldc + nr - 1), _MM_HINT_T0);
    }
    __m512 c0[8], c1[8];
    for (int r = 0; r < R; r++) c0[r] = c1[r] = _mm512_setzero_ps();
    for (long p = 0; p < kc; p++, a += 8, b += ldb) {
        __m512 b0 = _mm512_maskz_loadu_ps(m0, b), b1 = _mm512_maskz_loadu_ps(m1, b + 16);
        for (int r = 0; r < R; r++) {
            __m512 ar = _mm512_set1_ps(a[r]);
            c0[r] = _mm512_fmadd_ps(ar, b0, c0[r]);
            c1[r] = _mm512_fmadd_ps(ar, b1, c1[r]);
        }
    }
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int r = 0; r < R && r < mr; r++) {
        float *row = c + r * ldc;
        __m512 x0 = _mm512_mul_ps(va, c0[r]), x1 = _mm512_mul_ps(va, c1[r]);
        if (beta != 0) {
            x0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m0, row), x0);
            x1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m1, row + 16), x1);
        }
        _mm512_mask_storeu_ps(row, m0, x0);
        _mm512_mask_storeu_ps(row + 16, m1, x1);
    }
}

/// The AVX-512 micro-kernel (a MicroKernel), 8 × 32: 16 accumulators, with the whole C tile
/// under masks, so op(B) is read in place whatever its width. 8 rows divide every batch and
/// layer width of W1–W4; a panel's last 1–4 rows run with 2 or 4 (W1's 10-row products: 12
/// rows of work, not 16).
enum { MR512 = 8, NR512 = 32 };
__attribute__((target("avx512f")))
static void micro_kernel_avx512(long kc, const float *restrict a, const float *restrict b, long ldb, float *c,
                                long ldc, float alpha, float beta, long mr, long nr) {
    if (mr <= 2) tile_avx512(2, kc, a, b, ldb, c, ldc, alpha, beta, mr, nr);
    else if (mr <= 4) tile_avx512(4, kc, a, b, ldb, c, ldc, alpha, beta, mr, nr);
    else tile_avx512(8, kc, a, b, ldb, c, ldc, alpha, beta, mr, nr);
}

/// Four vectors' horizontal sums: (Σ v0, Σ v1, Σ v2, Σ v3).
__attribute__((target("avx2,fma")))
static inline __m128 sum4(__m256 v0, __m256 v1, __m256 v2, __m256 v3) {
    __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(v0, v1), _mm256_hadd_ps(v2, v3));
    return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

/// C(i, j) ← α a_i · b_j + β C(i, j) for R rows a_i of A and C columns b_j of B, both stored
/// row by row along k: R × C accumulators run along k, eight products per instruction, and
/// are summed across lanes once at the end. R and C are constants where it is inlined.
__attribute__((target("avx2,fma"), always_inline))
static inline void dot_block(int R, int C, long k, const float *a, long lda, const float *b, long ldb, float *c,
                             long ldc, float alpha, float beta) {
    __m256 acc[4][4];
    for (int r = 0; r < R; r++)
        for (int j = 0; j < C; j++) acc[r][j] = _mm256_setzero_ps();
    long p = 0;
    for (; p + 8 <= k; p += 8) {
        __m256 bv[4];
        for (int j = 0; j < C; j++) bv[j] = _mm256_loadu_ps(b + j * ldb + p);
        for (int r = 0; r < R; r++) {
            __m256 av = _mm256_loadu_ps(a + r * lda + p);
            for (int j = 0; j < C; j++) acc[r][j] = _mm256_fmadd_ps(av, bv[j], acc[r][j]);
        }
    }
    if (p < k) {  // the last k mod 8 values, under a mask
        static const int ramp[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
        __m256i mask = _mm256_loadu_si256((const __m256i *)(ramp + 8 - (k - p)));
        __m256 bv[4];
        for (int j = 0; j < C; j++) bv[j] = _mm256_maskload_ps(b + j * ldb + p, mask);
        for (int r = 0; r < R; r++) {
            __m256 av = _mm256_maskload_ps(a + r * lda + p, mask);
            for (int j = 0; j < C; j++) acc[r][j] = _mm256_fmadd_ps(av, bv[j], acc[r][j]);
        }
    }
    for (int r = 0; r < R; r++) {
        __m256 zero = _mm256_setzero_ps();
        float sums[4];
        _mm_storeu_ps(sums, sum4(acc[r][0], C > 1 ? acc[r][1] : zero, C > 2 ? acc[r][2] : zero, C > 3 ? acc[r][3] : zero));
        for (int j = 0; j < C; j++) {
            float *x = c + r * ldc + j;
            *x = alpha * sums[j] + (beta == 0 ? 0 : beta * *x);
        }
    }
}

/// C ← α A Bᵀ + β C with A (m × k) and B (n × k) stored row by row, by dot products along k:
/// nothing is packed. For short C (a small batch's forward products), where packing op(B)
/// cost as much as the product. Blocks of 4 rows × 3 columns of C: 12 accumulators, 3
/// vectors of B and 1 of A fill the 16 registers (3 × 4 blocks need 17, and W1's 10×30×784
/// runs slower with them: docs/performance-choices.md).
__attribute__((target("avx2,fma")))
static void sgemm_dot(long m, long n, long k, float alpha, const float *a, long lda, const float *b, long ldb,
                      float beta, float *c, long ldc) {
#define DOT(R, C) dot_block(R, C, k, a + i * lda, lda, b + j * ldb, ldb, c + i * ldc + j, ldc, alpha, beta)
    for (long j = 0; j < n; j += 3) {
        long cols = n - j < 3 ? n - j : 3;
        for (long i = 0; i < m; i += 4) {
            long rows = m - i < 4 ? m - i : 4;
            switch (rows * 4 + cols) {
            case 4 * 4 + 3: DOT(4, 3); break;
            case 4 * 4 + 2: DOT(4, 2); break;
            case 4 * 4 + 1: DOT(4, 1); break;
            case 3 * 4 + 3: DOT(3, 3); break;
            case 3 * 4 + 2: DOT(3, 2); break;
            case 3 * 4 + 1: DOT(3, 1); break;
            case 2 * 4 + 3: DOT(2, 3); break;
            case 2 * 4 + 2: DOT(2, 2); break;
            case 2 * 4 + 1: DOT(2, 1); break;
            case 1 * 4 + 3: DOT(1, 3); break;
            case 1 * 4 + 2: DOT(1, 2); break;
            default: DOT(1, 1); break;
            }
        }
    }
#undef DOT
}

/// Below this many rows of C, op(B) stored row by row is read in place rather than packed.
enum { DIRECT_B_ROWS = 32 };

/// A Bᵀ products with at most this many rows, or this many columns, of C run as dot products.
enum { DOT_ROWS = 32, DOT_COLUMNS = 12 };

/// The blockings. With AVX-512 the depth kc matters little to W3's products between 128 and
/// 384 (docs/performance-choices.md), so it is 256 as with AVX2.
static const Blocking avx2 = {.mr = MR, .nr = NR, .kc = 256, .mc = 144, .nc = 1024, .kernel = micro_kernel_avx2};
static const Blocking avx512 = {
      .mr = MR512, .nr = NR512, .masked = 1, .kc = 256, .mc = 144, .nc = 1024, .kernel = micro_kernel_avx512};

/// C ← α op(A) op(B) + β C with the micro-kernel and blocking `blk`.
static int sgemm(const Blocking *blk, int transa, int transb, int m, int n, int k, float alpha, const float *a,
                 int lda, const float *b, int ldb, float beta, float *c, int ldc) {
    if (m <= 0 || n <= 0) return 0;
    if (k <= 0 || alpha == 0) {  // C ← β C
        for (long i = 0; i < m; i++)
            for (long j = 0; j < n; j++) c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j];
        return 0;
    }
    if (!transa && transb && (m <= DOT_ROWS || n <= DOT_COLUMNS)) {
        sgemm_dot(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return 0;
    }
    PackBuffers *buffers = thread_buffers();
    if (!buffers) return -1;
    Operand opA = transa ? (Operand){a, 1, lda} : (Operand){a, lda, 1};
    Operand opB = transb ? (Operand){b, 1, ldb} : (Operand){b, ldb, 1};
    long MRb = blk->mr, NRb = blk->nr;
    int directB = !transb && m <= DIRECT_B_ROWS && (blk->masked || n % NRb == 0);
    for (long jc = 0; jc < n; jc += blk->nc) {
        long nc = n - jc < blk->nc ? n - jc : blk->nc;
        for (long pc = 0; pc < k; pc += blk->kc) {
            long kc = k - pc < blk->kc ? k - pc : blk->kc;
            float betaBlock = pc == 0 ? beta : 1;
            if (!directB) pack_b(opB, NRb, pc, kc, jc, nc, buffers->b);
            for (long ic = 0; ic < m; ic += blk->mc) {
                long mc = m - ic < blk->mc ? m - ic : blk->mc;
                pack_a(opA, MRb, ic, mc, pc, kc, buffers->a);
                for (long jr = 0; jr < nc; jr += NRb) {
                    long nr = nc - jr < NRb ? nc - jr : NRb;
                    const float *panelB = directB ? b + pc * (long)ldb + jc + jr : buffers->b + jr * kc;
                    long strideB = directB ? ldb : NRb;
                    for (long ir = 0; ir < mc; ir += MRb) {
                        long mr = mc - ir < MRb ? mc - ir : MRb;
                        blk->kernel(kc, buffers->a + ir * kc, panelB, strideB, c + (ic + ir) * ldc + jc + jr, ldc,
                                    alpha, betaBlock, mr, nr);
                    }
                }
            }
        }
    }
    return 0;
}

int backprop_sgemm_avx2(int transa, int transb, int m, int n, int k, float alpha, const float *a, int lda,
                        const float *b, int ldb, float beta, float *c, int ldc) {
    return sgemm(&avx2, transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

int backprop_sgemm_avx512(int transa, int transb, int m, int n, int k, float alpha, const float *a, int lda,
                          const float *b, int ldb, float beta, float *c, int ldc) {
    return sgemm(&avx512, transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

__attribute__((target("avx2,fma")))
void backprop_sgemv_avx2(int m, int n, float alpha, const float *w, int ldw, const float *x, float beta, float *y) {
    static const int ramp[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    __m256i mask = _mm256_loadu_si256((const __m256i *)(ramp + 8 - (n % 8)));
    int i = 0;
    for (; i + 4 <= m; i += 4) {
        const float *w0 = w + (long)i * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
        int j = 0;
        for (; j + 8 <= n; j += 8) {
            __m256 xj = _mm256_loadu_ps(x + j);
            s0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + j), xj, s0);
            s1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + j), xj, s1);
            s2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + j), xj, s2);
            s3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + j), xj, s3);
        }
        if (j < n) {  // the last columns, under a mask
            __m256 xj = _mm256_maskload_ps(x + j, mask);
            s0 = _mm256_fmadd_ps(_mm256_maskload_ps(w0 + j, mask), xj, s0);
            s1 = _mm256_fmadd_ps(_mm256_maskload_ps(w1 + j, mask), xj, s1);
            s2 = _mm256_fmadd_ps(_mm256_maskload_ps(w2 + j, mask), xj, s2);
            s3 = _mm256_fmadd_ps(_mm256_maskload_ps(w3 + j, mask), xj, s3);
        }
        float d[4];
        _mm_storeu_ps(d, sum4(s0, s1, s2, s3));
        for (int r = 0; r < 4; r++) y[i + r] = alpha * d[r] + (beta == 0 ? 0 : beta * y[i + r]);
    }
    for (; i < m; i++) {
        const float *wi = w + (long)i * ldw;
        __m256 s = _mm256_setzero_ps();
        int j = 0;
        for (; j + 8 <= n; j += 8) s = _mm256_fmadd_ps(_mm256_loadu_ps(wi + j), _mm256_loadu_ps(x + j), s);
        if (j < n) s = _mm256_fmadd_ps(_mm256_maskload_ps(wi + j, mask), _mm256_maskload_ps(x + j, mask), s);
        __m256 zero = _mm256_setzero_ps();
        y[i] = alpha * _mm_cvtss_f32(sum4(s, zero, zero, zero)) + (beta == 0 ? 0 : beta * y[i]);
    }
}

#else
int backprop_sgemm_avx2(int transa, int transb, int m, int n, int k, float alpha, const float *a, int lda,
                        const float *b, int ldb, float beta, float *c, int ldc) {
    (void)transa; (void)transb; (void)m; (void)n; (void)k; (void)alpha; (void)a; (void)lda; (void)b; (void)ldb;
    (void)beta; (void)c; (void)ldc;
    return -1;
}
int backprop_sgemm_avx512(int transa, int transb, int m, int n, int k, float alpha, const float *a, int lda,
                          const float *b, int ldb, float beta, float *c, int ldc) {
    return backprop_sgemm_avx2(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void backprop_sgemv_avx2(int m, int n, float alpha, const float *w, int ldw, const float *x, float beta, float *y) {
    (void)m; (void)n; (void)alpha; (void)w; (void)ldw; (void)x; (void)beta; (void)y;
}
#endif
