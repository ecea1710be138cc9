/* bs_matmul: the level dispatch and the portable path. The portable path gives every output
 * eight lane accumulators, lane l summing columns 8k + l in column order (multiply, then add),
 * and reduces them in the same fixed tree as the AVX2 path; nothing about the reduction depends
 * on ntok or on the row range, which makes it batch invariant. */
#include "kernels_internal.h"

#pragma STDC FP_CONTRACT OFF

enum {
    PORTABLE_SEGMENT = 256, /* columns dequantised at a time (a whole number of blocks of any type) */
    PORTABLE_TOKENS = 16    /* tokens that share one dequantisation of a row segment */
};

/* Sum of 8 lanes: (l + l+4), then (0 + 2, 1 + 3), then (0 + 1). */
static float hsum8(const float v[8]) {
    float a0 = v[0] + v[4], a1 = v[1] + v[5], a2 = v[2] + v[6], a3 = v[3] + v[7];
    return (a0 + a2) + (a1 + a3);
}

void bs_matmul_portable(uint32_t type, const uint8_t *w, int64_t row_bytes, int64_t cols, int64_t row_begin,
                        int64_t row_end, const float *x, int64_t x_stride, int64_t ntok, float *y, int64_t y_stride) {
    int64_t block_elements = bs_block_elements(type), block_bytes = bs_block_bytes(type);
    float segment[PORTABLE_SEGMENT];
    float acc[PORTABLE_TOKENS][8];
    for (int64_t r = row_begin; r < row_end; r++) {
        const uint8_t *row = w + r * row_bytes;
        for (int64_t t0 = 0; t0 < ntok; t0 += PORTABLE_TOKENS) {
            int64_t nt = ntok - t0 < PORTABLE_TOKENS ? ntok - t0 : PORTABLE_TOKENS;
            memset(acc, 0, sizeof acc);
            for (int64_t c0 = 0; c0 < cols; c0 += PORTABLE_SEGMENT) {
                int64_t n = cols - c0 < PORTABLE_SEGMENT ? cols - c0 : PORTABLE_SEGMENT;
                bs_dequantize_row(type, row + c0 / block_elements * block_bytes, n, segment);
                for (int64_t t = 0; t < nt; t++) {
                    const float *xt = x + (t0 + t) * x_stride + c0;
                    float *a = acc[t];
                    int64_t c = 0;
                    for (; c + 8 <= n; c += 8) {
                        for (int l = 0; l < 8; l++) a[l] = a[l] + segment[c + l] * xt[c + l];
                    }
                    for (int l = 0; c + l < n; l++) a[l] = a[l] + segment[c + l] * xt[c + l];
                }
            }
            for (int64_t t = 0; t < nt; t++) y[(t0 + t) * y_stride + r] = hsum8(acc[t]);
        }
    }
}

void bs_matmul(int isa, uint32_t ggml_type, const void *w, int64_t cols, int64_t row_begin, int64_t row_end,
               const float *x, int64_t x_stride, int64_t ntok, float *y, int64_t y_stride) {
    int64_t block_elements = bs_block_elements(ggml_type);
    if (block_elements == 0 || row_end <= row_begin || ntok <= 0 || cols < 0) return;
    if (cols == 0) {
        for (int64_t t = 0; t < ntok; t++) memset(y + t * y_stride + row_begin, 0, (size_t)(row_end - row_begin) * sizeof(float));
        return;
    }
    int64_t row_bytes = cols / block_elements * bs_block_bytes(ggml_type);
    const uint8_t *weights = (const uint8_t *)w;
    switch (bs_level(isa)) {
#if defined(__x86_64__)
    case BS_ISA_AVX512:
        bs_matmul_avx512(ggml_type, weights, row_bytes, cols, row_begin, row_end, x, x_stride, ntok, y, y_stride);
        return;
    case BS_ISA_AVX2:
        bs_matmul_avx2(ggml_type, weights, row_bytes, cols, row_begin, row_end, x, x_stride, ntok, y, y_stride);
        return;
#endif
    default:
        bs_matmul_portable(ggml_type, weights, row_bytes, cols, row_begin, row_end, x, x_stride, ntok, y, y_stride);
    }
}
