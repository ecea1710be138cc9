// Dequantisation of one 32-value unit of a weight row, for every weight type the CPU engine loads
// (ggml ids: 0 F32, 1 F16, 30 BF16, 2 Q4_0, 3 Q4_1, 8 Q8_0, 12 Q4_K, 14 Q6_K). The arithmetic is the
// CPU kernels' (Sources/CBlendCPU/dequantize.c): each value is d·q (+ m) with a product that is
// exact in float, so the floats are the same bits the CPU engine computes. A unit of a float type
// may run past `cols`: its missing values are 0.
#pragma once
#include "common.cuh"

enum {
    T_F32 = 0, T_F16 = 1, T_Q4_0 = 2, T_Q4_1 = 3, T_Q8_0 = 8, T_Q4_K = 12, T_Q6_K = 14, T_BF16 = 30
};

// The 6-bit scale and min of sub-block j of a Q4_K super-block, from its 12 packed bytes.
__device__ __forceinline__ void q4k_scale_min(const u8 *packed, int j, int *scale, int *min) {
    if (j < 4) {
        *scale = packed[j] & 63;
        *min = packed[j + 4] & 63;
    } else {
        *scale = (packed[j + 4] & 0x0F) | ((packed[j - 4] >> 6) << 4);
        *min = (packed[j + 4] >> 4) | ((packed[j] >> 6) << 4);
    }
}

// Values 32u ..< 32u + 32 of `row` (cols values of type TYPE) into w.
template <int TYPE>
__device__ __forceinline__ void dequantize_unit(const u8 *row, int u, int cols, float w[32]) {
    if (TYPE == T_F32 || TYPE == T_F16 || TYPE == T_BF16) {
        for (int j = 0; j < 32; j++) {
            int c = 32 * u + j;
            float v = 0.0f;
            if (c < cols) {
                if (TYPE == T_F32) v = ((const float *)row)[c];
                else if (TYPE == T_F16) v = half_to_float(((const u16 *)row)[c]);
                else v = bf16_to_float(((const u16 *)row)[c]);
            }
            w[j] = v;
        }
    } else if (TYPE == T_Q4_0) {
        const u8 *b = row + 18 * u;
        float d = half_to_float(load_u16(b));
        for (int j = 0; j < 16; j++) {
            u8 q = b[2 + j];
            w[j] = d * (float)((q & 0x0F) - 8);
            w[j + 16] = d * (float)((q >> 4) - 8);
        }
    } else if (TYPE == T_Q4_1) {
        const u8 *b = row + 20 * u;
        float d = half_to_float(load_u16(b)), m = half_to_float(load_u16(b + 2));
        for (int j = 0; j < 16; j++) {
            u8 q = b[4 + j];
            w[j] = d * (float)(q & 0x0F) + m;
            w[j + 16] = d * (float)(q >> 4) + m;
        }
    } else if (TYPE == T_Q8_0) {
        const u8 *b = row + 34 * u;
        float d = half_to_float(load_u16(b));
        for (int j = 0; j < 32; j++) w[j] = d * (float)(signed char)b[2 + j];
    } else if (TYPE == T_Q4_K) {
        const u8 *b = row + 144 * (u >> 3);
        int j = u & 7, scale, min;
        q4k_scale_min(b + 4, j, &scale, &min);
        float ds = half_to_float(load_u16(b)) * (float)scale, dm = half_to_float(load_u16(b + 2)) * (float)min;
        const u8 *q = b + 16 + 32 * (j >> 1);
        int shift = 4 * (j & 1);
        for (int l = 0; l < 32; l++) w[l] = ds * (float)((q[l] >> shift) & 0x0F) - dm;
    } else if (TYPE == T_Q6_K) {
        const u8 *b = row + 210 * (u >> 3);
        int part = u & 7, half = part >> 2, g = part & 3;
        const u8 *lo = b + 64 * half + 32 * (g & 1), *hi = b + 128 + 32 * half;
        const signed char *scales = (const signed char *)(b + 192);
        float d = half_to_float(load_u16(b + 208));
        int lo_shift = 4 * (g >> 1), hi_shift = 2 * g;
        for (int l = 0; l < 32; l++) {
            int q = (((lo[l] >> lo_shift) & 0x0F) | (((hi[l] >> hi_shift) & 3) << 4)) - 32;
            float ds = d * (float)scales[8 * half + 2 * g + (l >> 4)];
            w[l] = ds * (float)q;
        }
    }
}
