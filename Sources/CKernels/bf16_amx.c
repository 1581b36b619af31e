// The AMX kernel of the bfloat16 products — TDPBF16PS: a 16 × 16 tile of float32 sums, each
// adding 16 pairs of products, per instruction — and the same kernel with its three tile
// instructions computed in plain C as the Intel SDM defines them (the "model"), so that its
// blocking runs and is checked on every machine. One driver serves both: blocks of 32 rows ×
// 32 columns of C in four accumulator tiles, k in steps of 16 pairs; short blocks and the
// last step through zero-padded copies, so every tile is 16 rows × 64 bytes and one tile
// configuration serves the whole product.
#include "kernels.h"
#include "bf16_scalar.h"

#include <float.h>
#include <math.h>
#include <string.h>

enum {
    STEP_PAIRS = 16,               // pairs of k per TDPBF16PS: a tile of A is 16 rows × 32 bfloat16
    B_STEP = STEP_PAIRS * 32,      // bfloat16 values of one panel of B per step (backprop_bf16_pack_b's layout)
    TILE_BYTES = 64,               // bytes per tile row
    CHUNK_STEPS = 8,               // steps of a short block's rows copied at a time
    CHUNK_ROW = 32 * CHUNK_STEPS,  // bfloat16 values per copied row
};

/// One family's tile operations. Tiles 0–3 accumulate a 32 × 32 block of C (0: rows 0–15 ×
/// columns 0–15, 1: rows 0–15 × 16–31, 2: rows 16–31 × 0–15, 3: the last); 4 and 5 hold
/// A's two 16-row blocks for a step, 6 and 7 B's two 16-column panels.
typedef struct {
    void (*configure)(void);
    void (*zero)(void);
    /// `steps` steps: the A tiles from a0 and a1 (rows `a_stride` bytes apart, step s 32 s
    /// values on), the B tiles from b0 and b1 (rows 64 bytes apart, step s B_STEP s values on).
    void (*multiply)(long steps, const unsigned short *a0, const unsigned short *a1, long a_stride,
                     const unsigned short *b0, const unsigned short *b1);
    /// Tiles 0–3 to a 32 × 32 block of floats, rows 32 apart.
    void (*store)(float *out);
    void (*release)(void);
} tile_operations;

// The model: Intel SDM's TDPBF16PS, one thread's eight tiles in thread-local memory.

static _Thread_local struct {
    float c[4][16][16];
    unsigned short ab[4][16][32];  // tiles 4–7
} model;

static void model_configure(void) { memset(&model, 0, sizeof model); }

static void model_zero(void) { memset(model.c, 0, sizeof model.c); }

static void model_load(int tile, const unsigned short *base, long stride) {
    for (int r = 0; r < 16; r++) memcpy(model.ab[tile - 4][r], (const char *)base + r * stride, TILE_BYTES);
}

/// TDPBF16PS c, a, b as the SDM writes it: for each row m and column n, an even and an odd
/// float32 sum from 0, each adding its products pair by pair with FMA (inputs and sums
/// subnormal as zero), then C[m][n] + (even + odd).
static void model_dot(int c, int a, int b) {
    for (int m = 0; m < 16; m++) {
        for (int n = 0; n < 16; n++) {
            float even = 0, odd = 0;
            for (int k = 0; k < STEP_PAIRS; k++) {
                const unsigned short *x = model.ab[a - 4][m] + 2 * k, *y = model.ab[b - 4][k] + 2 * n;
                even = flush(fmaf(widen_daz(x[0]), widen_daz(y[0]), even));
                odd = flush(fmaf(widen_daz(x[1]), widen_daz(y[1]), odd));
            }
            model.c[c][m][n] = flush(model.c[c][m][n] + flush(even + odd));
        }
    }
}

/// amx_multiply step for step (the hardware's tile numbers must be constants in each
/// instruction, so the two loops cannot share one body).
static void model_multiply(long steps, const unsigned short *a0, const unsigned short *a1, long a_stride,
                           const unsigned short *b0, const unsigned short *b1) {
    for (long s = 0; s < steps; s++) {
        model_load(4, a0 + 32 * s, a_stride);
        model_load(5, a1 + 32 * s, a_stride);
        model_load(6, b0 + B_STEP * s, TILE_BYTES);
        model_load(7, b1 + B_STEP * s, TILE_BYTES);
        model_dot(0, 4, 6);
        model_dot(1, 4, 7);
        model_dot(2, 5, 6);
        model_dot(3, 5, 7);
    }
}

static void model_store(float *out) {
    for (int t = 0; t < 4; t++)
        for (int r = 0; r < 16; r++) memcpy(out + (t / 2 * 16 + r) * 32 + t % 2 * 16, model.c[t][r], sizeof model.c[t][r]);
}

static void model_release(void) {}

static const tile_operations model_operations = {model_configure, model_zero, model_multiply, model_store,
                                                 model_release};

// The hardware: AMX-TILE and AMX-BF16, on Linux once the kernel has granted the tile state.

#if defined(__x86_64__) && defined(__linux__)
#include <immintrin.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#define AMX_TARGET __attribute__((target("amx-tile,amx-bf16")))

/// LDTILECFG's 64 bytes: palette 1, then each tile's bytes per row and rows.
typedef struct {
    unsigned char palette, start_row, reserved[14];
    unsigned short bytes_per_row[16];
    unsigned char rows[16];
} tile_configuration;
_Static_assert(sizeof(tile_configuration) == 64, "LDTILECFG reads 64 bytes");

AMX_TARGET static void amx_configure(void) {
    _Alignas(64) tile_configuration configuration;
    memset(&configuration, 0, sizeof configuration);
    configuration.palette = 1;
    for (int t = 0; t < 8; t++) {
        configuration.bytes_per_row[t] = TILE_BYTES;
        configuration.rows[t] = 16;
    }
    _tile_loadconfig(&configuration);
}

AMX_TARGET static void amx_zero(void) {
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
}

AMX_TARGET static void amx_multiply(long steps, const unsigned short *a0, const unsigned short *a1, long a_stride,
                                    const unsigned short *b0, const unsigned short *b1) {
    for (long s = 0; s < steps; s++) {
        _tile_loadd(4, a0 + 32 * s, a_stride);
        _tile_loadd(5, a1 + 32 * s, a_stride);
        _tile_loadd(6, b0 + B_STEP * s, TILE_BYTES);
        _tile_loadd(7, b1 + B_STEP * s, TILE_BYTES);
        _tile_dpbf16ps(0, 4, 6);
        _tile_dpbf16ps(1, 4, 7);
        _tile_dpbf16ps(2, 5, 6);
        _tile_dpbf16ps(3, 5, 7);
    }
}

AMX_TARGET static void amx_store(float *out) {
    _tile_stored(0, out, 32 * sizeof *out);
    _tile_stored(1, out + 16, 32 * sizeof *out);
    _tile_stored(2, out + 16 * 32, 32 * sizeof *out);
    _tile_stored(3, out + 16 * 32 + 16, 32 * sizeof *out);
}

AMX_TARGET static void amx_release(void) { _tile_release(); }

static const tile_operations amx_operations = {amx_configure, amx_zero, amx_multiply, amx_store, amx_release};

enum { ARCH_REQ_XCOMP_PERM = 0x1023, XFEATURE_XTILEDATA = 18 };

static int amx_granted;
static pthread_once_t amx_requested = PTHREAD_ONCE_INIT;

/// Linux gives a process the tiles' 8 KiB of register state only once it asks
/// (Documentation/arch/x86/xstate.rst); before that a tile instruction faults.
static void request_amx(void) {
    amx_granted = backprop_cpu()->amx_bf16 && syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
}

int backprop_has_amx_bf16(void) {
    pthread_once(&amx_requested, request_amx);
    return amx_granted;
}
#else
int backprop_has_amx_bf16(void) { return 0; }
#endif

/// The driver: for each pair of B's 16-column panels, for each 32-row block of A, the four
/// accumulators zeroed, every step multiplied in, stored, and added into C.
static void sgemm_bf16_tiles(const tile_operations *operations, int m, int n, int k, const unsigned short *a, int lda,
                             const unsigned short *packed_b, float *c, int ldc, int accumulate) {
    long pairs = (k + 1) / 2, steps = pairs / STEP_PAIRS, rest = pairs % STEP_PAIRS;
    int panels = (n + 15) / 16;
    _Alignas(64) float out[32 * 32];
    _Alignas(64) unsigned short rows[32 * CHUNK_ROW];  // a short block's rows, zero past m
    _Alignas(64) unsigned short last_a[32 * 32], last_b[2 * B_STEP];
    operations->configure();
    for (int panel = 0; panel < panels; panel += 2) {
        const unsigned short *b0 = packed_b + (long)panel * pairs * 32;
        const unsigned short *b1 = panel + 1 < panels ? b0 + pairs * 32 : b0;  // one panel left: computed twice
        int columns = n - panel * 16 < 32 ? n - panel * 16 : 32;
        for (int i = 0; i < m; i += 32) {
            int count = m - i < 32 ? m - i : 32;
            const unsigned short *ai = a + (long)i * lda;
            operations->zero();
            if (count == 32) {
                operations->multiply(steps, ai, ai + 16L * lda, 2L * lda, b0, b1);
            } else {
                memset(rows, 0, sizeof rows);
                for (long s = 0; s < steps; s += CHUNK_STEPS) {
                    long chunk = steps - s < CHUNK_STEPS ? steps - s : CHUNK_STEPS;
                    for (int r = 0; r < count; r++) {
                        memcpy(rows + r * CHUNK_ROW, ai + (long)r * lda + 32 * s, chunk * 32 * sizeof *rows);
                    }
                    operations->multiply(chunk, rows, rows + 16 * CHUNK_ROW, CHUNK_ROW * sizeof *rows, b0 + B_STEP * s,
                                         b1 + B_STEP * s);
                }
            }
            if (rest > 0) {
                memset(last_a, 0, sizeof last_a);
                memset(last_b, 0, sizeof last_b);
                for (int r = 0; r < count; r++) {
                    memcpy(last_a + r * 32, ai + (long)r * lda + 32 * steps, rest * 2 * sizeof *last_a);
                }
                memcpy(last_b, b0 + B_STEP * steps, rest * 32 * sizeof *last_b);
                memcpy(last_b + B_STEP, b1 + B_STEP * steps, rest * 32 * sizeof *last_b);
                operations->multiply(1, last_a, last_a + 16 * 32, 32 * sizeof *last_a, last_b, last_b + B_STEP);
            }
            operations->store(out);
            for (int r = 0; r < count; r++) {
                float *row = c + (long)(i + r) * ldc + panel * 16;
                for (int j = 0; j < columns; j++) row[j] = accumulate ? row[j] + out[r * 32 + j] : out[r * 32 + j];
            }
        }
    }
    operations->release();
}

void backprop_sgemm_bf16_amx(int hardware, int m, int n, int k, const unsigned short *a, int lda,
                             const unsigned short *packed_b, float *c, int ldc, int accumulate) {
#if defined(__x86_64__) && defined(__linux__)
    if (hardware && backprop_has_amx_bf16()) {
        sgemm_bf16_tiles(&amx_operations, m, n, k, a, lda, packed_b, c, ldc, accumulate);
        return;
    }
#endif
    sgemm_bf16_tiles(&model_operations, m, n, k, a, lda, packed_b, c, ldc, accumulate);
}
