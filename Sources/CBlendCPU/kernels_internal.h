/* Declarations shared by the CBlendCPU kernel files: type ids, the scalar half conversions that
 * define the results every level reproduces, and the per-level entry points behind the public
 * dispatchers. */
#ifndef CBLENDCPU_KERNELS_INTERNAL_H
#define CBLENDCPU_KERNELS_INTERNAL_H

#include <string.h>
#include "CBlendCPU.h"

/* ggml type ids of the supported weight types. */
enum {
    BS_T_F32 = 0,
    BS_T_F16 = 1,
    BS_T_Q4_0 = 2,
    BS_T_Q4_1 = 3,
    BS_T_Q8_0 = 8,
    BS_T_Q4_K = 12,
    BS_T_Q6_K = 14,
    BS_T_BF16 = 30
};

/* The level a kernel runs at: isa clamped to [BS_ISA_PORTABLE, bs_cpu_best_isa()]. */
int bs_level(int isa);

/* Little-endian 16-bit load from any address. */
static inline uint16_t bs_load_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

/* Float with the given bit pattern, and back. */
static inline float bs_bits_to_float(uint32_t b) {
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

static inline uint32_t bs_float_to_bits(float f) {
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

/* IEEE half to float, exact; a NaN keeps its payload and comes back quiet (as F16C does). */
static inline float bs_half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exponent = (h >> 10) & 0x1Fu, mantissa = h & 0x3FFu;
    if (exponent == 0x1F) {
        return bs_bits_to_float(sign | 0x7F800000u | (mantissa << 13) | (mantissa ? 0x400000u : 0));
    }
    if (exponent == 0) {
        if (mantissa == 0) return bs_bits_to_float(sign);
        uint32_t shifts = 0; /* normalise the subnormal: move its leading 1 to bit 10 */
        while (!(mantissa & 0x400u)) {
            mantissa <<= 1;
            shifts++;
        }
        return bs_bits_to_float(sign | ((113u - shifts) << 23) | ((mantissa & 0x3FFu) << 13));
    }
    return bs_bits_to_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

/* Float to IEEE half, round to nearest even; overflow gives infinity, a NaN stays a NaN with the
 * top of its payload and the quiet bit set (as F16C does). */
static inline uint16_t bs_float_to_half(float f) {
    uint32_t x = bs_float_to_bits(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    uint32_t ax = x & 0x7FFFFFFFu;
    if (ax > 0x7F800000u) return (uint16_t)(sign | 0x7E00u | ((ax >> 13) & 0x3FFu));
    if (ax >= 0x477FF000u) return (uint16_t)(sign | 0x7C00u); /* >= 65520 rounds to infinity */
    if (ax >= 0x38800000u) {                                   /* a normal half */
        uint32_t h = (ax >> 13) - (112u << 10), rest = ax & 0x1FFFu;
        if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) h++;
        return (uint16_t)(sign | h);
    }
    if (ax <= 0x33000000u) return sign; /* at most 2^-25: rounds to zero */
    /* a subnormal half: the value in units of 2^-24 is the 24-bit significand shifted right */
    uint32_t significand = (ax & 0x7FFFFFu) | 0x800000u, shift = 126u - (ax >> 23);
    uint32_t q = significand >> shift, rest = significand & ((1u << shift) - 1u), half = 1u << (shift - 1u);
    if (rest > half || (rest == half && (q & 1u))) q++;
    return (uint16_t)(sign | q);
}

/* The 6-bit scale and min of sub-block j (0..7) of a Q4_K super-block, from its 12 packed bytes:
 * sub-blocks 0..3 keep theirs in the low 6 bits of bytes j and j+4; sub-blocks 4..7 keep the low
 * 4 bits in byte j+4 and the top 2 bits in the spare top bits of bytes j-4 (scale) and j (min). */
static inline void bs_q4k_scale_min(const uint8_t *packed, int j, int *scale, int *min) {
    if (j < 4) {
        *scale = packed[j] & 63;
        *min = packed[j + 4] & 63;
    } else {
        *scale = (packed[j + 4] & 0x0F) | ((packed[j - 4] >> 6) << 4);
        *min = (packed[j + 4] >> 4) | ((packed[j] >> 6) << 4);
    }
}

/* Per-level matrix products, same contract as bs_matmul with a supported type and a non-empty
 * range; row_bytes is the byte length of one row. */
void bs_matmul_portable(uint32_t type, const uint8_t *w, int64_t row_bytes, int64_t cols, int64_t row_begin,
                        int64_t row_end, const float *x, int64_t x_stride, int64_t ntok, float *y, int64_t y_stride);
#if defined(__x86_64__)
void bs_matmul_avx2(uint32_t type, const uint8_t *w, int64_t row_bytes, int64_t cols, int64_t row_begin,
                    int64_t row_end, const float *x, int64_t x_stride, int64_t ntok, float *y, int64_t y_stride);
void bs_matmul_avx512(uint32_t type, const uint8_t *w, int64_t row_bytes, int64_t cols, int64_t row_begin,
                      int64_t row_end, const float *x, int64_t x_stride, int64_t ntok, float *y, int64_t y_stride);
#endif

/* Positions per attention tile: scores of one tile are computed, exponentiated and folded into
 * the output before the next tile starts. */
#define BS_ATTN_TILE 64
/* Query heads that share one pass over their KV head's rows. */
#define BS_ATTN_GROUP 8

/* One level's attention steps over a tile of np <= BS_ATTN_TILE positions for nh <=
 * BS_ATTN_GROUP query heads that read the same KV head; rows are head_dim halves.
 *   scores:     s[h * BS_ATTN_TILE + p] = scale * (q[h * hd ..] . k_rows[p])
 *   exp_sum:    s[p] = exp(s[p] - max) for p < np, returns their sum
 *   accumulate: out[h * hd + d] += s[h * BS_ATTN_TILE + p] * v_rows[p][d], p in order */
typedef struct {
    void (*scores)(const float *q, int nh, int hd, const uint16_t *const *k_rows, int np, float scale, float *s);
    float (*exp_sum)(float *s, int np, float max);
    void (*accumulate)(const float *s, int nh, int hd, const uint16_t *const *v_rows, int np, float *out);
} bs_attention_steps;

extern const bs_attention_steps bs_attention_steps_portable;
#if defined(__x86_64__)
extern const bs_attention_steps bs_attention_steps_avx2;   /* needs head_dim % 8 == 0 */
extern const bs_attention_steps bs_attention_steps_avx512; /* needs head_dim % 16 == 0 */
#endif

#endif
