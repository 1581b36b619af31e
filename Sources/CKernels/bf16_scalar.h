// One bfloat16 or float32 value at a time, as the bfloat16 instructions read and write them:
// shared by the portable kernel (bf16.c) and the AMX kernel's model (bf16_amx.c).
#ifndef BACKPROP_BF16_SCALAR_H
#define BACKPROP_BF16_SCALAR_H

#include <float.h>
#include <math.h>
#include <string.h>

/// float32's bits.
static inline unsigned int bits_of(float x) {
    unsigned int u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline float float_of(unsigned int u) {
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/// A bfloat16 as float32, subnormals as zero (as VDPBF16PS and TDPBF16PS read their inputs).
static inline float widen_daz(unsigned short h) {
    return (h & 0x7f80) == 0 ? float_of((unsigned int)(h & 0x8000) << 16) : float_of((unsigned int)h << 16);
}

/// x, or zero of x's sign where x is subnormal (as VDPBF16PS and TDPBF16PS write their sums).
static inline float flush(float x) { return fabsf(x) < FLT_MIN ? copysignf(0.0f, x) : x; }

#endif
