// Paged attention over the half-precision KV cache, for prefill chunks and decode tokens alike.
//
// Every query's positions 0 ..< pos + 1 are cut into splits of `split` positions (split-KV: a long
// sequence spreads over many blocks instead of being a straggler; the engine fixes `split`
// for good, since results depend on it) and each split into tiles of
// TILE positions. attention_partial computes, per split, the running softmax maximum, the sum of
// weights and the unnormalised weighted sum of values, tile by tile in position order (online
// softmax). attention_combine merges a query's splits in split order. A query's arithmetic is
// the same whichever tile of queries, block, warp or launch computes it, so results depend only
// on the query, its position and the cache (batch and chunking invariance).
//
// attention_partial: grid (query tiles, max splits, kv_heads); block: 32 × warps, warps × MAX_PAIRS
// >= tile queries × group; dynamic shared memory: attention_shared_bytes(qtile, group, head_dim).
// A query tile is up to qtile consecutive tokens of one sequence at consecutive positions; the
// block stages each tile of keys and values once for all of them (prefill), and a decode token is
// a tile of one. Partial slot (split_base[t] + s) · heads + head holds query t's split s.
// attention_combine: grid (ntok, heads); block: 32.
#include "common.cuh"

#define TILE 32
#define MAX_PAIRS 4
#define MAX_DIMS 8

extern "C" __global__ void __launch_bounds__(512)
    attention_partial(const float *q, const u16 *cache, i64 block_stride, i64 layer_offset, int block_size,
                      int kv_dim, const int *tables, const int *table_start, const int *token_seq,
                      const int *token_pos, const int *tile_first, const int *tile_count, int qtile,
                      const int *split_base, int split, int heads, int kv_heads, int head_dim, float scale,
                      float *partial_acc, float *partial_max, float *partial_sum) {
    extern __shared__ float shared[];
    int group = heads / kv_heads, kv_head = blockIdx.z;
    int first = tile_first[blockIdx.x], count = tile_count[blockIdx.x];
    int split_start = blockIdx.y * split;
    int block_limit = token_pos[first + count - 1] + 1;
    if (split_start >= block_limit) return;
    int split_end = min(split_start + split, block_limit);
    const int *table = tables + table_start[token_seq[first]];
    int row = head_dim + 2; // padded key rows: lanes reading one column each hit different banks
    float *qs = shared;
    u16 *ks = (u16 *)(qs + qtile * group * head_dim);
    u16 *vs = ks + TILE * row;

    for (int i = threadIdx.x; i < count * group * head_dim; i += blockDim.x) {
        int qi = i / (group * head_dim), rest = i % (group * head_dim);
        qs[i] = q[(i64)(first + qi) * heads * head_dim + (i64)kv_head * group * head_dim + rest];
    }

    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    int pairs = count * group, dims = head_dim / 32;
    float m[MAX_PAIRS], l[MAX_PAIRS], acc[MAX_PAIRS][MAX_DIMS];
#pragma unroll
    for (int k = 0; k < MAX_PAIRS; k++) {
        m[k] = -INFINITY_F;
        l[k] = 0.0f;
#pragma unroll
        for (int i = 0; i < MAX_DIMS; i++) acc[k][i] = 0.0f;
    }

    for (int p0 = split_start; p0 < split_end; p0 += TILE) {
        int np = min(TILE, split_end - p0);
        __syncthreads();
        for (int i = threadIdx.x; i < np * head_dim; i += blockDim.x) {
            int p = i / head_dim, d = i % head_dim, position = p0 + p;
            const u16 *k = cache + (i64)table[position / block_size] * block_stride + layer_offset +
                           (i64)(position % block_size) * kv_dim + kv_head * head_dim + d;
            ks[p * row + d] = k[0];
            vs[p * head_dim + d] = k[(i64)block_size * kv_dim];
        }
        __syncthreads();
#pragma unroll
        for (int k = 0; k < MAX_PAIRS; k++) {
            int pair = warp + k * warps;
            if (pair >= pairs) continue;
            int qi = pair / group;
            int valid = min(np, token_pos[first + qi] + 1 - p0);
            if (valid <= 0) continue;
            const float *qrow = qs + pair * head_dim;
            float s = -INFINITY_F;
            if (lane < valid) {
                const u16 *krow = ks + lane * row;
                float dot = 0.0f;
                for (int d = 0; d < head_dim; d++) dot = fmaf(qrow[d], half_to_float(krow[d]), dot);
                s = scale * dot;
            }
            float new_m = fmaxf(m[k], warp_max(s));
            float alpha = expf(m[k] - new_m);
            float e = lane < valid ? expf(s - new_m) : 0.0f;
            float tile_sum = warp_sum(e);
            l[k] = l[k] * alpha + tile_sum;
#pragma unroll
            for (int i = 0; i < MAX_DIMS; i++) acc[k][i] = acc[k][i] * alpha;
            for (int p = 0; p < valid; p++) {
                float weight = __shfl_sync(0xffffffffu, e, p);
                const u16 *vrow = vs + p * head_dim + lane;
#pragma unroll
                for (int i = 0; i < MAX_DIMS; i++) {
                    if (i < dims) acc[k][i] = fmaf(weight, half_to_float(vrow[32 * i]), acc[k][i]);
                }
            }
            m[k] = new_m;
        }
    }

#pragma unroll
    for (int k = 0; k < MAX_PAIRS; k++) {
        int pair = warp + k * warps;
        if (pair >= pairs) continue;
        int qi = pair / group, head = kv_head * group + pair % group;
        if (split_start >= token_pos[first + qi] + 1) continue;
        i64 slot = (i64)(split_base[first + qi] + (int)blockIdx.y) * heads + head;
        if (lane == 0) {
            partial_max[slot] = m[k];
            partial_sum[slot] = l[k];
        }
#pragma unroll
        for (int i = 0; i < MAX_DIMS; i++) {
            if (i < dims) partial_acc[slot * head_dim + lane + 32 * i] = acc[k][i];
        }
    }
}

extern "C" __global__ void attention_combine(const float *partial_acc, const float *partial_max,
                                             const float *partial_sum, const int *split_base, const int *token_pos,
                                             int split, int heads, int head_dim, float *out) {
    int t = blockIdx.x, head = blockIdx.y;
    int splits = (token_pos[t] + split) / split;
    i64 first = (i64)split_base[t] * heads + head;
    float top = -INFINITY_F;
    for (int s = 0; s < splits; s++) top = fmaxf(top, partial_max[first + (i64)s * heads]);
    float total = 0.0f;
    for (int s = 0; s < splits; s++) {
        float weight = expf(partial_max[first + (i64)s * heads] - top);
        total = total + partial_sum[first + (i64)s * heads] * weight;
    }
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float o = 0.0f;
        for (int s = 0; s < splits; s++) {
            i64 slot = first + (i64)s * heads;
            float weight = expf(partial_max[slot] - top);
            o = o + partial_acc[slot * head_dim + d] * weight;
        }
        out[(i64)t * heads * head_dim + (i64)head * head_dim + d] = o / total;
    }
}
