// Embedding gather: out[t] = the dequantised row tokens[t] of the embedding matrix, one kernel per
// weight type (embed_<type>). Values are exact (the CPU engine's bits). Grid: ntok; block: any.
#include "dequantize.cuh"

template <int TYPE>
__device__ __forceinline__ void embed_rows(const u8 *w, i64 row_bytes, int cols, const int *tokens, float *out) {
    int t = blockIdx.x;
    const u8 *row = w + (i64)tokens[t] * row_bytes;
    float *o = out + (i64)t * cols;
    int units = (cols + 31) / 32;
    for (int u = threadIdx.x; u < units; u += blockDim.x) {
        float v[32];
        dequantize_unit<TYPE>(row, u, cols, v);
        int n = min(32, cols - 32 * u);
        for (int j = 0; j < n; j++) o[32 * u + j] = v[j];
    }
}

#define EMBED(name, type)                                                                      \
    extern "C" __global__ void name(const u8 *w, i64 row_bytes, int cols, const int *tokens, float *out) { \
        embed_rows<type>(w, row_bytes, cols, tokens, out);                                      \
    }

EMBED(embed_f32, T_F32)
EMBED(embed_f16, T_F16)
EMBED(embed_bf16, T_BF16)
EMBED(embed_q4_0, T_Q4_0)
EMBED(embed_q4_1, T_Q4_1)
EMBED(embed_q8_0, T_Q8_0)
EMBED(embed_q4_k, T_Q4_K)
EMBED(embed_q6_k, T_Q6_K)
