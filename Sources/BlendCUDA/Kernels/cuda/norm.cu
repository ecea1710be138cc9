// RMSNorm: out[i] = x[src] / rms(x[src]) · weight, where src = rows[i] (a gather, used for the
// logits of selected tokens) or i when rows is NULL. As in the CPU engine the squares are taken in
// float and summed in double; the threads' double partial sums meet in a fixed tree, and the
// scale 1/sqrt(mean + eps) is computed in double and rounded to float once.
// Grid: output rows; block: NORM_THREADS.
#include "common.cuh"

#define NORM_THREADS 256

extern "C" __global__ void __launch_bounds__(NORM_THREADS)
    rms_norm(const float *x, const int *rows, const float *weight, float *out, int n, float epsilon) {
    __shared__ double partial[NORM_THREADS];
    int i = blockIdx.x;
    const float *xs = x + (i64)(rows ? rows[i] : i) * n;
    double sum = 0.0;
    for (int c = threadIdx.x; c < n; c += NORM_THREADS) {
        float square = xs[c] * xs[c];
        sum += (double)square;
    }
    partial[threadIdx.x] = sum;
    __syncthreads();
    for (int stride = NORM_THREADS / 2; stride > 0; stride >>= 1) {
        if (threadIdx.x < stride) partial[threadIdx.x] += partial[threadIdx.x + stride];
        __syncthreads();
    }
    float scale = (float)(1.0 / sqrt(partial[0] / (double)n + (double)epsilon));
    float *o = out + (i64)i * n;
    for (int c = threadIdx.x; c < n; c += NORM_THREADS) {
        float scaled = xs[c] * scale;
        o[c] = scaled * weight[c];
    }
}
