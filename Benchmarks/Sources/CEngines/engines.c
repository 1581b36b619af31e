// The engine comparison's side of each matrix-product library: load it, make it run on the
// calling thread alone (Backprop splits products over its own threads and calls one block
// per thread), and call its sgemm on row-major operands.
#define _GNU_SOURCE
#include "engines.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112 };
typedef void (*cblas_sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float,
                               float *, int);
typedef void (*bli_sgemm_fn)(int, int, long, long, long, const float *, const float *, long, long, const float *,
                             long, long, const float *, float *, long, long);
typedef int (*dnnl_sgemm_fn)(char, char, long, long, long, float, const float *, long, const float *, long, float,
                             float *, long);

static void *functions[ENGINE_COUNT];
static char versions[ENGINE_COUNT][256];

static void *symbol(void *library, const char *name, char *error, int error_size) {
    void *found = dlsym(library, name);
    if (!found) snprintf(error, error_size, "no symbol %s", name);
    return found;
}

int engine_load(Engine engine, const char *path, char *error, int error_size) {
    // Before the library reads its environment: one thread, no threading layer.
    setenv("MKL_THREADING_LAYER", "SEQUENTIAL", 1);
    setenv("OMP_NUM_THREADS", "1", 0);
    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (!library) {
        snprintf(error, error_size, "%s", dlerror());
        return -1;
    }
    const char *name = NULL;
    switch (engine) {
    case ENGINE_OPENBLAS_DEBIAN:
    case ENGINE_OPENBLAS_NEWER: {
        const char *prefix = engine == ENGINE_OPENBLAS_NEWER ? "scipy_" : "";
        char sgemm[64], threads[64], config[64], core[64];
        snprintf(sgemm, sizeof sgemm, "%scblas_sgemm", prefix);
        snprintf(threads, sizeof threads, "%sopenblas_set_num_threads", prefix);
        snprintf(config, sizeof config, "%sopenblas_get_config", prefix);
        snprintf(core, sizeof core, "%sopenblas_get_corename", prefix);
        void (*set_threads)(int) = (void (*)(int))symbol(library, threads, error, error_size);
        const char *(*get_config)(void) = (const char *(*)(void))dlsym(library, config);
        const char *(*get_core)(void) = (const char *(*)(void))dlsym(library, core);
        if (!set_threads) return -1;
        set_threads(1);
        snprintf(versions[engine], sizeof versions[engine], "%s (core %s)", get_config ? get_config() : "OpenBLAS",
                 get_core ? get_core() : "?");
        name = sgemm;
        functions[engine] = symbol(library, name, error, error_size);
        break;
    }
    case ENGINE_BLIS: {
        void (*set_threads)(long) = (void (*)(long))symbol(library, "bli_thread_set_num_threads", error, error_size);
        const char *(*info)(void) = (const char *(*)(void))dlsym(library, "bli_info_get_version_str");
        const char *(*arch)(int) = (const char *(*)(int))dlsym(library, "bli_arch_string");
        int (*query)(void) = (int (*)(void))dlsym(library, "bli_arch_query_id");
        if (!set_threads) return -1;
        set_threads(1);
        snprintf(versions[engine], sizeof versions[engine], "BLIS %s (%s)", info ? info() : "?",
                 arch && query ? arch(query()) : "?");
        functions[engine] = symbol(library, "bli_sgemm", error, error_size);
        break;
    }
    case ENGINE_MKL: {
        void (*version)(char *, int) = (void (*)(char *, int))dlsym(library, "MKL_Get_Version_String");
        if (version) version(versions[engine], sizeof versions[engine]);
        functions[engine] = symbol(library, "cblas_sgemm", error, error_size);
        break;
    }
    case ENGINE_ONEDNN: {
        typedef struct { int major, minor, patch; const char *hash; unsigned cpu_runtime, gpu_runtime; } dnnl_version_t;
        const dnnl_version_t *(*version)(void) = (const dnnl_version_t *(*)(void))dlsym(library, "dnnl_version");
        if (version) {
            const dnnl_version_t *v = version();
            snprintf(versions[engine], sizeof versions[engine], "oneDNN %d.%d.%d", v->major, v->minor, v->patch);
        }
        functions[engine] = symbol(library, "dnnl_sgemm", error, error_size);
        break;
    }
    default:
        snprintf(error, error_size, "unknown engine");
        return -1;
    }
    return functions[engine] ? 0 : -1;
}

const char *engine_version(Engine engine) { return engine < ENGINE_COUNT ? versions[engine] : ""; }

void engine_sgemm(Engine engine, int transa, int transb, int m, int n, int k, const float *a, int lda,
                  const float *b, int ldb, float *c, int ldc) {
    const float one = 1, zero = 0;
    switch (engine) {
    case ENGINE_OPENBLAS_DEBIAN:
    case ENGINE_OPENBLAS_NEWER:
    case ENGINE_MKL:
        ((cblas_sgemm_fn)functions[engine])(CblasRowMajor, transa ? CblasTrans : CblasNoTrans,
                                            transb ? CblasTrans : CblasNoTrans, m, n, k, 1, a, lda, b, ldb, 0, c, ldc);
        break;
    case ENGINE_BLIS:  // BLIS takes any row and column strides: transposes are swapped strides
        ((bli_sgemm_fn)functions[engine])(0, 0, m, n, k, &one, a, transa ? 1 : lda, transa ? lda : 1, b,
                                          transb ? 1 : ldb, transb ? ldb : 1, &zero, c, ldc, 1);
        break;
    case ENGINE_ONEDNN:
        ((dnnl_sgemm_fn)functions[engine])(transa ? 'T' : 'N', transb ? 'T' : 'N', m, n, k, 1, a, lda, b, ldb, 0, c,
                                           ldc);
        break;
    default:
        break;
    }
}
