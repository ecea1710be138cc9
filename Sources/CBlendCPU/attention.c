/* bs_attention: the tiled softmax driver and the portable steps.
 *
 * For each KV head, up to BS_ATTN_GROUP of its query heads go through the positions together, in
 * tiles of BS_ATTN_TILE: the level's steps compute the tile's scores (each K row read once for
 * the group), the driver takes the tile maximum, rescales what is accumulated so far by
 * exp(old max − new max) (the safe-softmax running maximum), the steps exponentiate the tile and
 * add its weighted V rows (each V row read once for the group), and the output is divided by the
 * sum of the weights at the end. The order of every sum is fixed by the positions alone, so a
 * query's result depends only on its own inputs (not on block_size, the physical blocks, or
 * anything else in the cache). */
#include <math.h>
#include "kernels_internal.h"

#pragma STDC FP_CONTRACT OFF

/* Each K row is converted once, 64 values at a time, for the nh heads; each dot product sums in
 * head-dimension order. */
static void scores_portable(const float *q, int nh, int hd, const uint16_t *const *k_rows, int np, float scale,
                            float *s) {
    for (int p = 0; p < np; p++) {
        float dot[BS_ATTN_GROUP] = {0}, k[64];
        for (int d0 = 0; d0 < hd; d0 += 64) {
            int n = hd - d0 < 64 ? hd - d0 : 64;
            for (int d = 0; d < n; d++) k[d] = bs_half_to_float(k_rows[p][d0 + d]);
            for (int h = 0; h < nh; h++) {
                const float *qh = q + (int64_t)h * hd + d0;
                for (int d = 0; d < n; d++) dot[h] = dot[h] + qh[d] * k[d];
            }
        }
        for (int h = 0; h < nh; h++) s[h * BS_ATTN_TILE + p] = scale * dot[h];
    }
}

/* s[p] = expf(s[p] − max), summed in position order. */
static float exp_sum_portable(float *s, int np, float max) {
    float sum = 0;
    for (int p = 0; p < np; p++) {
        s[p] = expf(s[p] - max);
        sum = sum + s[p];
    }
    return sum;
}

/* Each V row is converted once for the nh heads; every output value adds its terms in position
 * order. */
static void accumulate_portable(const float *s, int nh, int hd, const uint16_t *const *v_rows, int np, float *out) {
    for (int p = 0; p < np; p++) {
        for (int d = 0; d < hd; d++) {
            float v = bs_half_to_float(v_rows[p][d]);
            for (int h = 0; h < nh; h++) out[(int64_t)h * hd + d] = out[(int64_t)h * hd + d] + s[h * BS_ATTN_TILE + p] * v;
        }
    }
}

const bs_attention_steps bs_attention_steps_portable = {scores_portable, exp_sum_portable, accumulate_portable};

/* The steps of a level, or of the best lower level whose vectors divide head_dim. */
static const bs_attention_steps *steps_for(int isa, int head_dim) {
#if defined(__x86_64__)
    int level = bs_level(isa);
    if (level >= BS_ISA_AVX512 && head_dim % 16 == 0) return &bs_attention_steps_avx512;
    if (level >= BS_ISA_AVX2 && head_dim % 8 == 0) return &bs_attention_steps_avx2;
#else
    (void)isa;
    (void)head_dim;
#endif
    return &bs_attention_steps_portable;
}

/* Attention of nh query heads (q and out rows of head_dim, consecutive) over KV head kv_head. */
static void attend_group(const bs_attention_steps *steps, const float *q, int nh, int n_kv_heads, int kv_head,
                         int hd, const uint16_t *k_cache, const uint16_t *v_cache, const int32_t *block_table,
                         int block_size, int64_t n_positions, float scale, float *out) {
    const uint16_t *k_rows[BS_ATTN_TILE], *v_rows[BS_ATTN_TILE];
    float s[BS_ATTN_GROUP * BS_ATTN_TILE];
    float max[BS_ATTN_GROUP], sum[BS_ATTN_GROUP];
    for (int h = 0; h < nh; h++) max[h] = -INFINITY, sum[h] = 0;
    memset(out, 0, (size_t)nh * (size_t)hd * sizeof(float));
    for (int64_t p0 = 0; p0 < n_positions; p0 += BS_ATTN_TILE) {
        int np = n_positions - p0 < BS_ATTN_TILE ? (int)(n_positions - p0) : BS_ATTN_TILE;
        int64_t block = p0 / block_size, slot = p0 % block_size;
        for (int p = 0; p < np; p++) {
            int64_t offset = (((int64_t)block_table[block] * block_size + slot) * n_kv_heads + kv_head) * hd;
            k_rows[p] = k_cache + offset;
            v_rows[p] = v_cache + offset;
            if (++slot == block_size) block++, slot = 0;
        }
        steps->scores(q, nh, hd, k_rows, np, scale, s);
        for (int h = 0; h < nh; h++) {
            float *sh = s + h * BS_ATTN_TILE, tile_max = sh[0];
            for (int p = 1; p < np; p++) tile_max = sh[p] > tile_max ? sh[p] : tile_max;
            float new_max = tile_max > max[h] ? tile_max : max[h];
            if (p0 > 0) {
                float alpha = expf(max[h] - new_max);
                float *oh = out + (int64_t)h * hd;
                for (int d = 0; d < hd; d++) oh[d] = oh[d] * alpha;
                sum[h] = sum[h] * alpha;
            }
            sum[h] = sum[h] + steps->exp_sum(sh, np, new_max);
            max[h] = new_max;
        }
        steps->accumulate(s, nh, hd, v_rows, np, out);
    }
    for (int h = 0; h < nh; h++) {
        float *oh = out + (int64_t)h * hd;
        for (int d = 0; d < hd; d++) oh[d] = oh[d] / sum[h];
    }
}

void bs_attention(int isa, const float *q, int n_heads, int n_kv_heads, int head_dim, const uint16_t *k_cache,
                  const uint16_t *v_cache, const int32_t *block_table, int block_size, int64_t n_positions,
                  float scale, float *out) {
    if (n_heads <= 0 || n_kv_heads <= 0 || head_dim <= 0 || block_size <= 0) return;
    if (n_positions <= 0) {
        memset(out, 0, (size_t)n_heads * (size_t)head_dim * sizeof(float));
        return;
    }
    const bs_attention_steps *steps = steps_for(isa, head_dim);
    int group = n_heads / n_kv_heads;
    for (int kv_head = 0; kv_head < n_kv_heads; kv_head++) {
        for (int h0 = 0; h0 < group; h0 += BS_ATTN_GROUP) {
            int nh = group - h0 < BS_ATTN_GROUP ? group - h0 : BS_ATTN_GROUP;
            int64_t head = (int64_t)kv_head * group + h0;
            attend_group(steps, q + head * head_dim, nh, n_kv_heads, kv_head, head_dim, k_cache, v_cache,
                         block_table, block_size, n_positions, scale, out + head * head_dim);
        }
    }
}
