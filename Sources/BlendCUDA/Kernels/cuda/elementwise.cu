// Element-wise updates of the residual stream and projections. Grids: ceil(n / 256); blocks: 256.
#include "common.cuh"

// rows[i] += bias[i % width] for the n values of rows of `width`.
extern "C" __global__ void add_bias(float *rows, const float *bias, int width, i64 n) {
    i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) rows[i] += bias[i % width];
}

// x[i] += delta[i].
extern "C" __global__ void add_residual(float *x, const float *delta, i64 n) {
    i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] += delta[i];
}
