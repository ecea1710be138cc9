// Writes the keys and values of a step's tokens into the paged cache as IEEE halves (round to
// nearest even, as the CPU engine does). The cache is block-major: block b holds, for each layer,
// its keys (block_size slots × kv_dim halves) and then its values, so `block_stride` halves
// separate blocks and `layer_offset` selects the layer inside one. slots[t] is token t's physical
// slot: block · block_size + offset. Grid: ceil(ntok · kv_dim / 256); block: 256.
#include "common.cuh"

extern "C" __global__ void kv_write(const float *keys, const float *values, const int *slots, int ntok, int kv_dim,
                                    u16 *cache, i64 block_stride, i64 layer_offset, int block_size) {
    i64 k = (i64)blockIdx.x * blockDim.x + threadIdx.x;
    if (k >= (i64)ntok * kv_dim) return;
    int t = (int)(k / kv_dim), j = (int)(k % kv_dim);
    int slot = slots[t];
    u16 *base = cache + (i64)(slot / block_size) * block_stride + layer_offset + (i64)(slot % block_size) * kv_dim + j;
    base[0] = float_to_half(keys[k]);
    base[(i64)block_size * kv_dim] = float_to_half(values[k]);
}
