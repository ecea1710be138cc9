/* Scalar dequantisation of whole rows. Every quantised value is d·q (+ m) with few enough
 * significant bits that the product is exact in float, so each result is the correctly rounded
 * value of the format's definition; the vector kernels produce the same floats. */
#include "kernels_internal.h"

#pragma STDC FP_CONTRACT OFF

/* Q4_0: 32 values = d · (nibble − 8); low nibbles first, then high nibbles. */
static void dequantize_q4_0(const uint8_t *b, float *y) {
    float d = bs_half_to_float(bs_load_u16(b));
    const uint8_t *qs = b + 2;
    for (int j = 0; j < 16; j++) {
        y[j] = d * (float)((qs[j] & 0x0F) - 8);
        y[j + 16] = d * (float)((qs[j] >> 4) - 8);
    }
}

/* Q4_1: 32 values = d · nibble + m. */
static void dequantize_q4_1(const uint8_t *b, float *y) {
    float d = bs_half_to_float(bs_load_u16(b)), m = bs_half_to_float(bs_load_u16(b + 2));
    const uint8_t *qs = b + 4;
    for (int j = 0; j < 16; j++) {
        y[j] = d * (float)(qs[j] & 0x0F) + m;
        y[j + 16] = d * (float)(qs[j] >> 4) + m;
    }
}

/* Q8_0: 32 values = d · int8. */
static void dequantize_q8_0(const uint8_t *b, float *y) {
    float d = bs_half_to_float(bs_load_u16(b));
    const int8_t *qs = (const int8_t *)(b + 2);
    for (int j = 0; j < 32; j++) y[j] = d * (float)qs[j];
}

/* Q4_K: 256 values in eight sub-blocks of 32; sub-block j = (d·scale_j) · nibble − dmin·min_j,
 * its nibbles the low (j even) or high (j odd) halves of bytes qs[32·(j/2) ..< 32·(j/2) + 32]. */
static void dequantize_q4_k(const uint8_t *b, float *y) {
    float d = bs_half_to_float(bs_load_u16(b)), dmin = bs_half_to_float(bs_load_u16(b + 2));
    const uint8_t *packed = b + 4, *qs = b + 16;
    for (int j = 0; j < 8; j++) {
        int scale, min;
        bs_q4k_scale_min(packed, j, &scale, &min);
        float ds = d * (float)scale, dm = dmin * (float)min;
        const uint8_t *q = qs + 32 * (j >> 1);
        int shift = 4 * (j & 1);
        for (int l = 0; l < 32; l++) y[32 * j + l] = ds * (float)((q[l] >> shift) & 0x0F) - dm;
    }
}

/* Q6_K: 256 values = (d·scale) · (q − 32), q 6 bits: the low 4 in ql, the top 2 in qh, one int8
 * scale per 16 values. Each half of 128 values uses 64 bytes of ql and 32 of qh: its 32-value
 * group g (0..3) takes the low (g < 2) or high nibbles of ql[32·(g & 1) ..] and bits 2g, 2g+1 of qh. */
static void dequantize_q6_k(const uint8_t *b, float *y) {
    const uint8_t *ql = b, *qh = b + 128;
    const int8_t *scales = (const int8_t *)(b + 192);
    float d = bs_half_to_float(bs_load_u16(b + 208));
    for (int u = 0; u < 8; u++) {
        int half = u >> 2, g = u & 3;
        const uint8_t *lo = ql + 64 * half + 32 * (g & 1), *hi = qh + 32 * half;
        int lo_shift = 4 * (g >> 1), hi_shift = 2 * g;
        for (int l = 0; l < 32; l++) {
            int q = (((lo[l] >> lo_shift) & 0x0F) | (((hi[l] >> hi_shift) & 3) << 4)) - 32;
            float ds = d * (float)scales[8 * half + 2 * g + (l >> 4)];
            y[32 * u + l] = ds * (float)q;
        }
    }
}

void bs_dequantize_row(uint32_t ggml_type, const void *src, int64_t n, float *dst) {
    const uint8_t *s = (const uint8_t *)src;
    switch (ggml_type) {
    case BS_T_F32: memcpy(dst, src, (size_t)n * sizeof(float)); return;
    case BS_T_F16:
        for (int64_t i = 0; i < n; i++) dst[i] = bs_half_to_float(bs_load_u16(s + 2 * i));
        return;
    case BS_T_BF16:
        for (int64_t i = 0; i < n; i++) dst[i] = bs_bits_to_float((uint32_t)bs_load_u16(s + 2 * i) << 16);
        return;
    case BS_T_Q4_0:
        for (int64_t i = 0; i < n / 32; i++) dequantize_q4_0(s + 18 * i, dst + 32 * i);
        return;
    case BS_T_Q4_1:
        for (int64_t i = 0; i < n / 32; i++) dequantize_q4_1(s + 20 * i, dst + 32 * i);
        return;
    case BS_T_Q8_0:
        for (int64_t i = 0; i < n / 32; i++) dequantize_q8_0(s + 34 * i, dst + 32 * i);
        return;
    case BS_T_Q4_K:
        for (int64_t i = 0; i < n / 256; i++) dequantize_q4_k(s + 144 * i, dst + 256 * i);
        return;
    case BS_T_Q6_K:
        for (int64_t i = 0; i < n / 256; i++) dequantize_q6_k(s + 210 * i, dst + 256 * i);
        return;
    default: return;
    }
}
