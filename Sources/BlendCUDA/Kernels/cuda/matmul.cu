// Dequantising matrix products y[t][r] = sum_c W[r][c] · x[t][c] for every weight type, one kernel
// per type (matmul_<type>). A warp computes one row for up to TOKENS tokens per pass: lane l takes
// the 32-value units l, l + 32, l + 64, ... of the row, dequantises each once into registers and
// folds it into every token's accumulator with fmaf in column order; the lanes' partial sums then
// meet in a fixed butterfly. The order depends only on the row length, never on the number of
// tokens, the pass or the launch, so a token's result is the same in any batch (batch invariance).
// Grid: (ceil(rows / WARPS), ceil(ntok / TOKENS)); block: 32 × WARPS threads.
#include "dequantize.cuh"

#define WARPS 4
#define TOKENS 8

template <int TYPE>
__device__ __forceinline__ void matmul_rows(const u8 *w, i64 row_bytes, int cols, int rows, const float *x,
                                            int x_stride, int ntok, float *y, int y_stride) {
    int lane = threadIdx.x & 31;
    int r = blockIdx.x * WARPS + (threadIdx.x >> 5);
    int t0 = blockIdx.y * TOKENS;
    if (r >= rows) return;
    int nt = min(TOKENS, ntok - t0);
    const u8 *row = w + (i64)r * row_bytes;
    const float *xt = x + (i64)t0 * x_stride;
    int units = (cols + 31) / 32;
    float acc[TOKENS];
#pragma unroll
    for (int t = 0; t < TOKENS; t++) acc[t] = 0.0f;
    for (int u = lane; u < units; u += 32) {
        float v[32];
        dequantize_unit<TYPE>(row, u, cols, v);
        int n = min(32, cols - 32 * u);
#pragma unroll
        for (int t = 0; t < TOKENS; t++) {
            if (t < nt) {
                const float *xs = xt + (i64)t * x_stride + 32 * u;
                for (int j = 0; j < n; j++) acc[t] = fmaf(v[j], xs[j], acc[t]);
            }
        }
    }
#pragma unroll
    for (int t = 0; t < TOKENS; t++) {
        float sum = warp_sum(acc[t]);
        if (lane == 0 && t < nt) y[(i64)(t0 + t) * y_stride + r] = sum;
    }
}

#define MATMUL(name, type)                                                                                   \
    extern "C" __global__ void __launch_bounds__(32 * WARPS)                                                 \
        name(const u8 *w, i64 row_bytes, int cols, int rows, const float *x, int x_stride, int ntok, float *y, \
             int y_stride) {                                                                                 \
        matmul_rows<type>(w, row_bytes, cols, rows, x, x_stride, ntok, y, y_stride);                         \
    }

MATMUL(matmul_f32, T_F32)
MATMUL(matmul_f16, T_F16)
MATMUL(matmul_bf16, T_BF16)
MATMUL(matmul_q4_0, T_Q4_0)
MATMUL(matmul_q4_1, T_Q4_1)
MATMUL(matmul_q8_0, T_Q8_0)
MATMUL(matmul_q4_k, T_Q4_K)
MATMUL(matmul_q6_k, T_Q6_K)
