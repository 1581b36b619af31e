#include <cblas.h>

#if defined(__x86_64__) && defined(__linux__)
#include <stdlib.h>
#include <strings.h>

// OpenBLAS's run-time kernel selection (DYNAMIC_ARCH builds such as Debian's). Weak: a
// build without them still links, and the selection below then does nothing.
extern void gotoblas_dynamic_init(void) __attribute__((weak));
extern void gotoblas_dynamic_quit(void) __attribute__((weak));

/// OpenBLAS 0.3.21 (Debian 12) does not know processors newer than it, such as Emerald
/// Rapids, and falls back to its Prescott (SSE3) kernels, several times slower than the
/// AVX-512 ones (docs/performance-choices.md). When it did so and OPENBLAS_CORETYPE is
/// unset, this selects the kernels newer OpenBLAS releases pick by feature, as if
/// OPENBLAS_CORETYPE had named them (`core`, from Backprop's CPU-feature detector); it must
/// run before any other BLAS call. Returns the core selected, or NULL if it changed nothing.
static inline const char *backprop_upgrade_openblas_core(const char *core) {
    if (!gotoblas_dynamic_init || !gotoblas_dynamic_quit) return NULL;
    if (getenv("OPENBLAS_CORETYPE") != NULL) return NULL;
    const char *current = openblas_get_corename();
    if (current == NULL || strcasecmp(current, "prescott") != 0) return NULL;
    if (core == NULL) return NULL;
    setenv("OPENBLAS_CORETYPE", core, 1);
    gotoblas_dynamic_quit();
    gotoblas_dynamic_init();
    unsetenv("OPENBLAS_CORETYPE");
    return core;
}
#else
static inline const char *backprop_upgrade_openblas_core(const char *core) { (void)core; return 0; }
#endif
