#ifndef BACKPROP_BENCH_ENGINES_H
#define BACKPROP_BENCH_ENGINES_H

/// The matrix-product libraries the engine comparison loads at run time (dlopen, each with
/// its own symbols: RTLD_DEEPBIND keeps one library's cblas_sgemm from resolving to another's).
typedef enum {
    ENGINE_OPENBLAS_DEBIAN = 0,  // Debian's libopenblas0-pthread (what Backprop links)
    ENGINE_OPENBLAS_NEWER = 1,   // the scipy-openblas32 wheel (scipy_cblas_* symbols)
    ENGINE_BLIS = 2,             // Debian's libblis4 (bli_sgemm, any strides)
    ENGINE_MKL = 3,              // the mkl wheel's libmkl_rt, sequential
    ENGINE_ONEDNN = 4,           // Debian's libdnnl2 (dnnl_sgemm, row-major)
    ENGINE_COUNT = 5,
} Engine;

/// Loads `engine` from `path` and makes it single-threaded. Returns 0, or −1 with a reason
/// in `error`.
int engine_load(Engine engine, const char *path, char *error, int error_size);

/// The library's own description of itself (version, kernels), or "".
const char *engine_version(Engine engine);

/// C ← op(A) op(B) for row-major matrices through a loaded engine (op(X) = Xᵀ where trans is 1).
void engine_sgemm(Engine engine, int transa, int transb, int m, int n, int k, const float *a, int lda,
                  const float *b, int ldb, float *c, int ldc);

/// oneDNN's matmul primitive for one shape: C (m × n, float32, row-major) ← op(A) op(B), A
/// and B bfloat16 (`bfloat16` nonzero) or float32, row-major, op(X) = Xᵀ stored where trans
/// is 1. Made once, run on the calling thread (one OpenMP thread).
typedef struct onednn_matmul onednn_matmul;

/// A matmul for the shape, or NULL with a reason in `error`: oneDNN not installed, or no
/// such matmul on this CPU (oneDNN 2.x has bfloat16 only from AVX-512 on).
onednn_matmul *onednn_matmul_make(int bfloat16, int transa, int transb, int m, int n, int k, char *error,
                                  int error_size);

/// The implementation oneDNN chose, e.g. "brg:avx512_core_amx".
const char *onednn_matmul_name(const onednn_matmul *matmul);

/// C ← op(A) op(B) on these operands (bfloat16 as unsigned 16-bit values).
void onednn_matmul_run(onednn_matmul *matmul, const void *a, const void *b, float *c);

void onednn_matmul_free(onednn_matmul *matmul);

#endif
