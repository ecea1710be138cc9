// Rotary position embedding. rope_table fills, per token, cos and sin of its rotation angles
// position · base^(−2i/dims) for pairs i < dims/2, computed in double and rounded to float once
// (the CPU engine's table). rope_apply rotates the first `dims` dimensions of every head in place,
// pairing (2i, 2i+1) (adjacent, neox == 0) or (i, i + dims/2) (neox != 0), with the CPU engine's
// two products and one sum per value. Grids: ceil(ntok · pairs / 256) and
// ceil(ntok · heads · pairs / 256); blocks: 256.
#include "common.cuh"

extern "C" __global__ void rope_table(const int *positions, int ntok, int pairs, int dims, double base, float *table) {
    int k = blockIdx.x * blockDim.x + threadIdx.x;
    if (k >= ntok * pairs) return;
    int t = k / pairs, i = k % pairs;
    double angle = (double)positions[t] * pow(base, -2.0 * (double)i / (double)dims);
    table[2 * k] = (float)cos(angle);
    table[2 * k + 1] = (float)sin(angle);
}

extern "C" __global__ void rope_apply(float *values, int ntok, int heads, int head_dim, int pairs, int neox,
                                      const float *table) {
    int k = blockIdx.x * blockDim.x + threadIdx.x;
    if (k >= ntok * heads * pairs) return;
    int i = k % pairs, th = k / pairs, t = th / heads;
    float cosine = table[2 * (t * pairs + i)], sine = table[2 * (t * pairs + i) + 1];
    float *v = values + (i64)th * head_dim;
    int a = neox ? i : 2 * i, b = neox ? i + pairs : 2 * i + 1;
    float x0 = v[a], x1 = v[b];
    float c0 = x0 * cosine, s1 = x1 * sine, s0 = x0 * sine, c1 = x1 * cosine;
    v[a] = c0 - s1;
    v[b] = s0 + c1;
}
