// The gated FFN's activation: gate[i] = silu(gate[i]) · up[i] = gate / (1 + exp(−gate)) · up, in the
// CPU engine's order of operations. Grid: ceil(n / 256); block: 256.
#include "common.cuh"

extern "C" __global__ void silu_gate(float *gate, const float *up, i64 n) {
    i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float g = gate[i];
    float silu = g / (1.0f + expf(-g));
    gate[i] = silu * up[i];
}
