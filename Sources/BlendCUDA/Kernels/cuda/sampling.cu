// Token sampling from logits, one block per row, with the CPU engine's rule (TokenSampler):
//  - greedy (temperature <= 0): the highest logit, the lowest id on ties;
//  - otherwise the tokens within 30 nats of the best (logit / T >= top − 30, in double) sorted by
//    logit (descending, then id), cut to top_k (when > 0) and to the smallest prefix whose weight
//    reaches top_p of the total (weights exp(logit / T − top) in double, summed in order), then
//    the first token at which u · total − the running sum of weights drops below 0.
// params holds 4 doubles per row: temperature, top_k, top_p and u, the row's uniform draw in
// [0, 1), which the host computes from the request's seed and position. scratch holds
// `capacity` ints per row (a power of two >= vocab). Grid: rows; block: SAMPLE_THREADS.
#include "common.cuh"

#define SAMPLE_THREADS 1024

// Whether token a comes before token b: higher logit first, then lower id; -1 (padding) last.
__device__ __forceinline__ bool before(const float *logits, int a, int b) {
    if (a < 0) return false;
    if (b < 0) return true;
    float la = logits[a], lb = logits[b];
    return la > lb || (la == lb && a < b);
}

// The better of two (logit, id) candidates for the maximum; id -1 is none.
__device__ __forceinline__ void keep_best(float *value, int *id, float other_value, int other_id) {
    if (other_id < 0) return;
    if (*id < 0 || other_value > *value || (other_value == *value && other_id < *id)) {
        *value = other_value;
        *id = other_id;
    }
}

extern "C" __global__ void __launch_bounds__(SAMPLE_THREADS)
    sample_tokens(const float *logits, int vocab, const double *params, int *scratch, int capacity, int *tokens) {
    __shared__ float best_value[SAMPLE_THREADS];
    __shared__ int best_id[SAMPLE_THREADS];
    __shared__ int candidates;
    int row = blockIdx.x, tid = threadIdx.x;
    const float *x = logits + (i64)row * vocab;
    float value = -INFINITY_F;
    int id = -1;
    for (int i = tid; i < vocab; i += SAMPLE_THREADS) {
        if (id < 0 ? x[i] > -INFINITY_F : x[i] > value) {
            value = x[i];
            id = i;
        }
    }
    best_value[tid] = value;
    best_id[tid] = id;
    __syncthreads();
    for (int stride = SAMPLE_THREADS / 2; stride > 0; stride >>= 1) {
        if (tid < stride) keep_best(&best_value[tid], &best_id[tid], best_value[tid + stride], best_id[tid + stride]);
        __syncthreads();
    }
    int best = best_id[0] < 0 ? 0 : best_id[0];
    double temperature = params[4 * row], top_p = params[4 * row + 2], u = params[4 * row + 3];
    int top_k = (int)params[4 * row + 1];
    if (!(temperature > 0.0)) {
        if (tid == 0) tokens[row] = best;
        return;
    }

    double top = (double)x[best] / temperature;
    int *order = scratch + (i64)row * capacity;
    if (tid == 0) candidates = 0;
    __syncthreads();
    for (int i = tid; i < vocab; i += SAMPLE_THREADS) {
        if ((double)x[i] / temperature >= top - 30.0) order[atomicAdd(&candidates, 1)] = i;
    }
    __syncthreads();
    int count = candidates, size = 1;
    while (size < count) size <<= 1;
    for (int i = count + tid; i < size; i += SAMPLE_THREADS) order[i] = -1;
    __syncthreads();
    for (int k = 2; k <= size; k <<= 1) {
        for (int j = k >> 1; j > 0; j >>= 1) {
            for (int i = tid; i < size; i += SAMPLE_THREADS) {
                int partner = i ^ j;
                if (partner <= i) continue;
                int a = order[i], b = order[partner];
                bool swap = (i & k) == 0 ? before(x, b, a) : before(x, a, b);
                if (swap) {
                    order[i] = b;
                    order[partner] = a;
                }
            }
            __syncthreads();
        }
    }
    if (tid != 0) return;
    if (top_k > 0 && count > top_k) count = top_k;
    double total = 0.0;
    for (int i = 0; i < count; i++) total += exp((double)x[order[i]] / temperature - top);
    if (top_p < 1.0) {
        double kept = 0.0;
        int n = 0;
        while (n < count && kept < top_p * total) {
            kept += exp((double)x[order[n]] / temperature - top);
            n++;
        }
        count = n > 0 ? n : 1;
        total = kept;
    }
    double target = u * total;
    int token = order[count - 1];
    for (int i = 0; i < count; i++) {
        target -= exp((double)x[order[i]] / temperature - top);
        if (target < 0.0) {
            token = order[i];
            break;
        }
    }
    tokens[row] = token;
}
