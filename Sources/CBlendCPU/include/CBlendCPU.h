#ifndef CBLENDCPU_H
#define CBLENDCPU_H
/* CBlendCPU: the CPU engine's hot loops (dequantising matrix products, paged attention, half
 * conversion), each with a portable C path and AVX2+FMA / AVX-512 paths chosen at run time.
 *
 * Weight types are ggml type ids: 0 F32, 1 F16, 2 Q4_0, 3 Q4_1, 8 Q8_0, 12 Q4_K, 14 Q6_K, 30 BF16.
 * Every kernel is deterministic for a given instruction-set level: a result never depends on what
 * else was computed in the same call (batch invariance). */
#include <stddef.h>
#include <stdint.h>

/* Instruction-set levels. A kernel called with a level above bs_cpu_best_isa() runs the best
 * supported level instead. */
enum {
    BS_ISA_PORTABLE = 0,
    BS_ISA_AVX2 = 1,   /* AVX2 + FMA + F16C */
    BS_ISA_AVX512 = 2  /* AVX-512 F + BW (+ the AVX2 set) */
};

/* The best level this CPU and operating system support (cpuid and xgetbv). O(1) after the
 * first call. */
int bs_cpu_best_isa(void);

/* 1 if the kernels compute with weights of this ggml type, else 0. */
int bs_type_supported(uint32_t ggml_type);

/* Values per block and bytes per block of a supported type (1 and 4 for F32); 0 otherwise. */
int64_t bs_block_elements(uint32_t ggml_type);
int64_t bs_block_bytes(uint32_t ggml_type);

/* Dequantises n values (a multiple of the type's block size) from src, which starts at a block
 * boundary, into dst. Each value is the format's d·q (+ m) rounded once to float (the products
 * are exact in float), which are also the weights every bs_matmul level multiplies with. An
 * unsupported type writes nothing. Portable code at every level. O(n). */
void bs_dequantize_row(uint32_t ggml_type, const void *src, int64_t n, float *dst);

/* Matrix product with a quantised weight matrix, activations in float:
 *   y[t * y_stride + r] = sum_c W[r][c] * x[t * x_stride + c]
 * for rows r in [row_begin, row_end) and tokens t in [0, ntok). W holds rows of `cols` values
 * (cols a multiple of the block size) in ggml_type; row r starts at byte r * row_bytes.
 * Each y value is bit-identical whatever ntok, the row range and the other tokens are: every
 * output sums its own products in one fixed order per level (8 lanes at the portable and AVX2
 * levels, 16 at AVX-512, columns in order, one fixed lane reduction). Weights are dequantised on
 * the fly, never the activations. Writes only y[t * y_stride + r] for the rows and tokens asked;
 * an unsupported type or an empty range writes nothing. Single-threaded: callers split the rows
 * across threads. For ntok >= 2 it allocates a panel of a few dequantised rows (O(cols) floats);
 * without memory it falls back to the single-token path, with the same results.
 * O((row_end - row_begin) * cols * ntok). */
void bs_matmul(int isa, uint32_t ggml_type, const void *w, int64_t cols, int64_t row_begin, int64_t row_end,
               const float *x, int64_t x_stride, int64_t ntok, float *y, int64_t y_stride);

/* Causal attention of one query token over its paged KV cache, all heads.
 *   q: n_heads * head_dim floats (already rotated); out: n_heads * head_dim floats.
 *   k_cache, v_cache: one layer's cache of half floats; block b, slot s, KV head h starts at
 *     ((b * block_size + s) * n_kv_heads + h) * head_dim.
 *   Position p (0 <= p < n_positions) lives in block block_table[p / block_size], slot
 *   p % block_size. Query head h reads KV head h / (n_heads / n_kv_heads); n_heads is a
 *   multiple of n_kv_heads.
 * out_h = sum_p softmax_p(scale * q_h . k_p) v_p, summed in position order: positions go in tiles
 * of 64 with a running maximum (safe softmax), and the query heads of one KV head share each read
 * of a K or V row. For a given level and head_dim, out depends only on q, scale and the K/V rows
 * of positions [0, n_positions): not on block_size, the block ids or anything else in the cache.
 * The AVX2 level needs head_dim % 8 == 0 and AVX-512 head_dim % 16 == 0; other head dims run the
 * highest lower level that fits. n_positions == 0 gives zeros.
 * O(n_heads * n_positions * head_dim). */
void bs_attention(int isa, const float *q, int n_heads, int n_kv_heads, int head_dim,
                  const uint16_t *k_cache, const uint16_t *v_cache, const int32_t *block_table,
                  int block_size, int64_t n_positions, float scale, float *out);

/* IEEE half conversion, round to nearest even (overflow to infinity, subnormals kept); NaNs stay
 * NaN, quieted, with the payload's top bits (as F16C does); identical bits at every level. O(n). */
void bs_f32_to_f16(int isa, const float *src, uint16_t *dst, int64_t n);
void bs_f16_to_f32(int isa, const uint16_t *src, float *dst, int64_t n);

#endif
