/* bs_matmul at the AVX2 + FMA level.
 *
 * Every output y[t][r] is computed the same way whatever path produced it: one 8-lane
 * accumulator, acc = fma(w_k, x_k, acc) over the column chunks k = 0, 1, ... in order (a last
 * partial chunk of a float type has zeros in its missing lanes), then bs_hsum8. The weight
 * vectors w_k come from deq_unit, whichever path asks for them. Two paths share this contract:
 *   - the single-token path (GEMV), for ntok below BATCH_MIN_TOKENS, dequantises GEMV_ROWS rows
 *     in registers (enough independent accumulators to hide the FMA latency) against one token,
 *     prefetching the next rows;
 *   - the batched path dequantises TILE_ROWS rows into a float panel, then runs a register tile
 *     of TILE_ROWS rows x TILE_TOKENS tokens over a chunk of tokens small enough to stay in L2;
 *     the dequantisation is paid once per row and chunk, not per token. */
#if defined(__x86_64__)

#include <stdlib.h>
#include "kernels_internal.h"
#include "simd_x86.h"

enum {
    LANES = 8,
    GEMV_ROWS = 8,        /* rows that share each x load in the single-token path */
    TILE_ROWS = 3,        /* rows of the batched register tile */
    TILE_TOKENS = 4,      /* tokens of the batched register tile */
    BATCH_MIN_TOKENS = 2, /* smallest ntok that takes the batched path */
    CHUNK_X_BYTES = 1 << 18 /* x bytes per token chunk of the batched path: it stays in L2 while
                               every row tile of the range passes over it */
};

BS_INLINE int is_float_type(uint32_t t) { return t == BS_T_F32 || t == BS_T_F16 || t == BS_T_BF16; }

/* Vectors per dequantisation unit: a float type dequantises one vector (8 columns) at a time, a
 * quantised type one 32-value block or K-quant sub-block (4 vectors). */
BS_INLINE int unit_vectors(uint32_t t) { return is_float_type(t) ? 1 : 4; }

/* The half at p, broadcast as a float. */
BS_AVX2 BS_INLINE __m256 broadcast_half(const uint8_t *p) {
    return _mm256_broadcastss_ps(_mm_cvtph_ps(_mm_cvtsi32_si128(bs_load_u16(p))));
}

/* The two halves at p and p + 2, each broadcast as floats: one 32-bit load, one narrow
 * conversion, two broadcasts. */
BS_AVX2 BS_INLINE void broadcast_half_pair(const uint8_t *p, __m256 *first, __m256 *second) {
    int32_t pair;
    memcpy(&pair, p, sizeof pair);
    __m128 both = _mm_cvtph_ps(_mm_cvtsi32_si128(pair));
    *first = _mm256_broadcastss_ps(both);
    *second = _mm256_broadcastss_ps(_mm_movehdup_ps(both));
}

/* The 32 nibbles of 16 bytes as floats: w[0], w[1] the low nibbles of bytes 0..7 and 8..15, w[2],
 * w[3] the high nibbles. The bytes are broadcast to both 128-bit lanes by the load, and in-lane
 * byte shuffles move byte n (and n + 8) to dword n. */
BS_AVX2 BS_INLINE void nibbles16(const uint8_t *p, __m256 w[4]) {
    const __m256i first = _mm256_setr_epi32((int)0x80808000, (int)0x80808001, (int)0x80808002, (int)0x80808003,
                                            (int)0x80808004, (int)0x80808005, (int)0x80808006, (int)0x80808007);
    const __m256i second = _mm256_add_epi32(first, _mm256_set1_epi32(8));
    __m256i raw = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)p)), mask = _mm256_set1_epi32(0x0F);
    __m256i b0 = _mm256_shuffle_epi8(raw, first), b1 = _mm256_shuffle_epi8(raw, second);
    w[0] = _mm256_cvtepi32_ps(_mm256_and_si256(b0, mask));
    w[1] = _mm256_cvtepi32_ps(_mm256_and_si256(b1, mask));
    w[2] = _mm256_cvtepi32_ps(_mm256_srli_epi32(b0, 4));
    w[3] = _mm256_cvtepi32_ps(_mm256_srli_epi32(b1, 4));
}

/* 32 bytes (unsigned when !is_signed, else int8) as four vectors of floats, in order. */
BS_AVX2 BS_INLINE void bytes32_to_floats(__m256i b, int is_signed, __m256 w[4]) {
    __m128i lo = _mm256_castsi256_si128(b), hi = _mm256_extracti128_si256(b, 1);
    if (is_signed) {
        w[0] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo));
        w[1] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8)));
        w[2] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi));
        w[3] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8)));
    } else {
        w[0] = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(lo));
        w[1] = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(lo, 8)));
        w[2] = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(hi));
        w[3] = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(hi, 8)));
    }
}

/* Dequantises unit u of a row (columns u * 8 * unit_vectors(t) onward) into w. The arithmetic is
 * the one of bs_dequantize_row (products that are exact in float, one rounding), so the floats
 * are the same. */
BS_AVX2 BS_INLINE void deq_unit(uint32_t t, const uint8_t *row, int64_t u, __m256 w[4]) {
    switch (t) {
    case BS_T_F32: w[0] = _mm256_loadu_ps((const float *)(row + 32 * u)); return;
    case BS_T_F16: w[0] = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row + 16 * u))); return;
    case BS_T_BF16:
        w[0] = _mm256_castsi256_ps(
            _mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(row + 16 * u))), 16));
        return;
    case BS_T_Q4_0: {
        const uint8_t *b = row + 18 * u;
        __m256 d = broadcast_half(b), m = _mm256_mul_ps(d, _mm256_set1_ps(-8.0f));
        nibbles16(b + 2, w);
        BS_UNROLL
        for (int i = 0; i < 4; i++) w[i] = _mm256_fmadd_ps(w[i], d, m);
        return;
    }
    case BS_T_Q4_1: {
        const uint8_t *b = row + 20 * u;
        __m256 d, m;
        broadcast_half_pair(b, &d, &m);
        nibbles16(b + 4, w);
        BS_UNROLL
        for (int i = 0; i < 4; i++) w[i] = _mm256_fmadd_ps(w[i], d, m);
        return;
    }
    case BS_T_Q8_0: {
        const uint8_t *b = row + 34 * u;
        __m256 d = broadcast_half(b);
        BS_UNROLL
        for (int i = 0; i < 4; i++) {
            __m128i q = _mm_loadl_epi64((const __m128i *)(b + 2 + 8 * i));
            w[i] = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q)), d);
        }
        return;
    }
    case BS_T_Q4_K: {
        const uint8_t *b = row + 144 * (u >> 3);
        int j = (int)(u & 7), scale, min;
        bs_q4k_scale_min(b + 4, j, &scale, &min);
        __m256 ds = _mm256_set1_ps(_cvtsh_ss(bs_load_u16(b)) * (float)scale);
        __m256 dm = _mm256_set1_ps(-(_cvtsh_ss(bs_load_u16(b + 2)) * (float)min));
        __m256i raw = _mm256_loadu_si256((const __m256i *)(b + 16 + 32 * (j >> 1)));
        __m256i q = _mm256_and_si256(_mm256_srl_epi16(raw, _mm_cvtsi32_si128(4 * (j & 1))), _mm256_set1_epi8(0x0F));
        bytes32_to_floats(q, 0, w);
        BS_UNROLL
        for (int i = 0; i < 4; i++) w[i] = _mm256_fmadd_ps(w[i], ds, dm);
        return;
    }
    case BS_T_Q6_K: {
        const uint8_t *b = row + 210 * (u >> 3);
        int j = (int)(u & 7), half = j >> 2, g = j & 3;
        __m256i lo = _mm256_loadu_si256((const __m256i *)(b + 64 * half + 32 * (g & 1)));
        __m256i hi = _mm256_loadu_si256((const __m256i *)(b + 128 + 32 * half));
        lo = _mm256_and_si256(_mm256_srl_epi16(lo, _mm_cvtsi32_si128(4 * (g >> 1))), _mm256_set1_epi8(0x0F));
        hi = _mm256_and_si256(_mm256_srl_epi16(hi, _mm_cvtsi32_si128(2 * g)), _mm256_set1_epi8(0x03));
        __m256i q = _mm256_sub_epi8(_mm256_or_si256(lo, _mm256_slli_epi16(hi, 4)), _mm256_set1_epi8(32));
        bytes32_to_floats(q, 1, w);
        const int8_t *scales = (const int8_t *)(b + 192) + 8 * half + 2 * g;
        float d = _cvtsh_ss(bs_load_u16(b + 208));
        __m256 d0 = _mm256_set1_ps(d * (float)scales[0]), d1 = _mm256_set1_ps(d * (float)scales[1]);
        w[0] = _mm256_mul_ps(w[0], d0);
        w[1] = _mm256_mul_ps(w[1], d0);
        w[2] = _mm256_mul_ps(w[2], d1);
        w[3] = _mm256_mul_ps(w[3], d1);
        return;
    }
    default: return;
    }
}

/* The last n (< 8) columns of a float-type row, from column c, with zeros in the other lanes. */
BS_AVX2 static __m256 deq_tail(uint32_t t, const uint8_t *row, int64_t c, int n) {
    float v[LANES] = {0};
    for (int l = 0; l < n; l++) {
        if (t == BS_T_F32) memcpy(&v[l], row + 4 * (c + l), sizeof(float));
        else if (t == BS_T_F16) v[l] = _cvtsh_ss(bs_load_u16(row + 2 * (c + l)));
        else v[l] = bs_bits_to_float((uint32_t)bs_load_u16(row + 2 * (c + l)) << 16);
    }
    return _mm256_loadu_ps(v);
}

/* Lane mask of the first n lanes, for maskload. */
BS_AVX2 BS_INLINE __m256i first_lanes(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* Single-token product of R consecutive rows (R <= GEMV_ROWS) starting at w: y[r] for r < R.
 * Each x chunk is loaded once for the R rows, and the same part of the next R rows is prefetched
 * (an address that may lie past the matrix: a prefetch never faults). */
BS_AVX2 BS_INLINE void gemv_rows(uint32_t t, int R, const uint8_t *w, int64_t row_bytes, int64_t cols,
                                 const float *x, float *y) {
    int nv = unit_vectors(t);
    int64_t unit_cols = LANES * nv, units = cols / unit_cols, unit_bytes = row_bytes / (units ? units : 1);
    int rest = (int)(cols - units * unit_cols);
    __m256 acc[GEMV_ROWS];
    BS_UNROLL
    for (int r = 0; r < R; r++) acc[r] = _mm256_setzero_ps();
    for (int64_t u = 0; u < units; u++) {
        __m256 xv[4];
        BS_UNROLL
        for (int c = 0; c < nv; c++) xv[c] = _mm256_loadu_ps(x + u * unit_cols + LANES * c);
        BS_UNROLL
        for (int r = 0; r < R; r++) {
            _mm_prefetch((const char *)((uintptr_t)w + (uintptr_t)((r + R) * row_bytes + u * unit_bytes)), _MM_HINT_T0);
            __m256 wv[4];
            deq_unit(t, w + r * row_bytes, u, wv);
            BS_UNROLL
            for (int c = 0; c < nv; c++) acc[r] = _mm256_fmadd_ps(wv[c], xv[c], acc[r]);
        }
    }
    if (rest) {
        __m256 xv = _mm256_maskload_ps(x + units * unit_cols, first_lanes(rest));
        BS_UNROLL
        for (int r = 0; r < R; r++) {
            acc[r] = _mm256_fmadd_ps(deq_tail(t, w + r * row_bytes, units * unit_cols, rest), xv, acc[r]);
        }
    }
    BS_UNROLL
    for (int r = 0; r < R; r++) y[r] = bs_hsum8(acc[r]);
}

/* Dequantises row into dst (cols rounded up to whole vectors, zeros past cols). */
BS_AVX2 BS_INLINE void deq_row(uint32_t t, const uint8_t *row, int64_t cols, float *dst) {
    int nv = unit_vectors(t);
    int64_t unit_cols = LANES * nv, units = cols / unit_cols;
    int rest = (int)(cols - units * unit_cols);
    for (int64_t u = 0; u < units; u++) {
        __m256 wv[4];
        deq_unit(t, row, u, wv);
        BS_UNROLL
        for (int c = 0; c < nv; c++) _mm256_storeu_ps(dst + u * unit_cols + LANES * c, wv[c]);
    }
    if (rest) _mm256_storeu_ps(dst + units * unit_cols, deq_tail(t, row, units * unit_cols, rest));
}

/* Per type: the single-token product of rows [r0, r1), and the dequantisation of one row. */
#define DEFINE_TYPE_KERNELS(NAME, TYPE)                                                                    \
    BS_AVX2 static void gemv_##NAME(const uint8_t *w, int64_t row_bytes, int64_t cols, int64_t r0, int64_t r1, \
                                    const float *x, float *y) {                                            \
        int64_t r = r0;                                                                                     \
        for (; r + GEMV_ROWS <= r1; r += GEMV_ROWS)                                                         \
            gemv_rows(TYPE, GEMV_ROWS, w + r * row_bytes, row_bytes, cols, x, y + r);                       \
        for (; r < r1; r++) gemv_rows(TYPE, 1, w + r * row_bytes, row_bytes, cols, x, y + r);              \
    }                                                                                                       \
    BS_AVX2 static void deq_row_##NAME(const uint8_t *row, int64_t cols, float *dst) {                      \
        deq_row(TYPE, row, cols, dst);                                                                      \
    }

DEFINE_TYPE_KERNELS(f32, BS_T_F32)
DEFINE_TYPE_KERNELS(f16, BS_T_F16)
DEFINE_TYPE_KERNELS(bf16, BS_T_BF16)
DEFINE_TYPE_KERNELS(q4_0, BS_T_Q4_0)
DEFINE_TYPE_KERNELS(q4_1, BS_T_Q4_1)
DEFINE_TYPE_KERNELS(q8_0, BS_T_Q8_0)
DEFINE_TYPE_KERNELS(q4_k, BS_T_Q4_K)
DEFINE_TYPE_KERNELS(q6_k, BS_T_Q6_K)

typedef void (*gemv_fn)(const uint8_t *, int64_t, int64_t, int64_t, int64_t, const float *, float *);
typedef void (*deq_row_fn)(const uint8_t *, int64_t, float *);
typedef void (*tile_fn)(const float *, int64_t, int64_t, const float *, int64_t, float *, int64_t, int);

/* The register tile: rows of the panel (TILE_ROWS rows, row_len floats apart) times T tokens of
 * x; stores y[t][r] for r < nr. */
BS_AVX2 BS_INLINE void tile(int T, const float *panel, int64_t row_len, int64_t cols, const float *x,
                            int64_t x_stride, float *y, int64_t y_stride, int nr) {
    __m256 acc[TILE_ROWS][TILE_TOKENS];
    BS_UNROLL
    for (int r = 0; r < TILE_ROWS; r++)
        BS_UNROLL
        for (int t = 0; t < T; t++) acc[r][t] = _mm256_setzero_ps();
    int64_t full = cols / LANES;
    int rest = (int)(cols % LANES);
    for (int64_t k = 0; k < full; k++) {
        __m256 wv[TILE_ROWS];
        BS_UNROLL
        for (int r = 0; r < TILE_ROWS; r++) wv[r] = _mm256_load_ps(panel + r * row_len + LANES * k);
        BS_UNROLL
        for (int t = 0; t < T; t++) {
            __m256 xv = _mm256_loadu_ps(x + t * x_stride + LANES * k);
            BS_UNROLL
            for (int r = 0; r < TILE_ROWS; r++) acc[r][t] = _mm256_fmadd_ps(wv[r], xv, acc[r][t]);
        }
    }
    if (rest) {
        __m256i mask = first_lanes(rest);
        __m256 wv[TILE_ROWS];
        BS_UNROLL
        for (int r = 0; r < TILE_ROWS; r++) wv[r] = _mm256_load_ps(panel + r * row_len + LANES * full);
        BS_UNROLL
        for (int t = 0; t < T; t++) {
            __m256 xv = _mm256_maskload_ps(x + t * x_stride + LANES * full, mask);
            BS_UNROLL
            for (int r = 0; r < TILE_ROWS; r++) acc[r][t] = _mm256_fmadd_ps(wv[r], xv, acc[r][t]);
        }
    }
    for (int r = 0; r < nr; r++)
        BS_UNROLL
        for (int t = 0; t < T; t++) y[t * y_stride + r] = bs_hsum8(acc[r][t]);
}

/* The register tile for token count T = 1 ... TILE_TOKENS. */
#define DEFINE_TILE(T)                                                                                    \
    BS_AVX2 static void tile##T(const float *p, int64_t rl, int64_t c, const float *x, int64_t xs, float *y, \
                                int64_t ys, int nr) {                                                     \
        tile(T, p, rl, c, x, xs, y, ys, nr);                                                              \
    }
DEFINE_TILE(1)
DEFINE_TILE(2)
DEFINE_TILE(3)
DEFINE_TILE(4)

void bs_matmul_avx2(uint32_t type, const uint8_t *w, int64_t row_bytes, int64_t cols, int64_t row_begin,
                    int64_t row_end, const float *x, int64_t x_stride, int64_t ntok, float *y, int64_t y_stride) {
    gemv_fn gemv;
    deq_row_fn dequantize;
    switch (type) {
    case BS_T_F32: gemv = gemv_f32, dequantize = deq_row_f32; break;
    case BS_T_F16: gemv = gemv_f16, dequantize = deq_row_f16; break;
    case BS_T_BF16: gemv = gemv_bf16, dequantize = deq_row_bf16; break;
    case BS_T_Q4_0: gemv = gemv_q4_0, dequantize = deq_row_q4_0; break;
    case BS_T_Q4_1: gemv = gemv_q4_1, dequantize = deq_row_q4_1; break;
    case BS_T_Q8_0: gemv = gemv_q8_0, dequantize = deq_row_q8_0; break;
    case BS_T_Q4_K: gemv = gemv_q4_k, dequantize = deq_row_q4_k; break;
    case BS_T_Q6_K: gemv = gemv_q6_k, dequantize = deq_row_q6_k; break;
    default: return;
    }
    int64_t row_len = (cols + LANES - 1) / LANES * LANES;
    size_t panel_bytes = (size_t)(TILE_ROWS * row_len) * sizeof(float);
    float *panel = ntok >= BATCH_MIN_TOKENS ? aligned_alloc(64, (panel_bytes + 63) / 64 * 64) : NULL;
    if (!panel) { /* one token, or no memory for a panel: the single-token path gives the same floats */
        for (int64_t t = 0; t < ntok; t++) gemv(w, row_bytes, cols, row_begin, row_end, x + t * x_stride, y + t * y_stride);
        return;
    }
    static const tile_fn tiles[TILE_TOKENS + 1] = {NULL, tile1, tile2, tile3, tile4};
    int64_t chunk = CHUNK_X_BYTES / (cols * (int64_t)sizeof(float)) / TILE_TOKENS * TILE_TOKENS;
    if (chunk < TILE_TOKENS) chunk = TILE_TOKENS;
    for (int64_t c0 = 0; c0 < ntok; c0 += chunk) {
        int64_t c1 = ntok - c0 < chunk ? ntok : c0 + chunk;
        for (int64_t r0 = row_begin; r0 < row_end; r0 += TILE_ROWS) {
            int nr = row_end - r0 < TILE_ROWS ? (int)(row_end - r0) : TILE_ROWS;
            for (int r = 0; r < TILE_ROWS; r++) {
                if (r < nr) dequantize(w + (r0 + r) * row_bytes, cols, panel + r * row_len);
                else memset(panel + r * row_len, 0, (size_t)row_len * sizeof(float));
            }
            for (int64_t t0 = c0; t0 < c1; t0 += TILE_TOKENS) {
                int nt = c1 - t0 < TILE_TOKENS ? (int)(c1 - t0) : TILE_TOKENS;
                tiles[nt](panel, row_len, cols, x + t0 * x_stride, x_stride, y + t0 * y_stride + r0, y_stride, nr);
            }
        }
    }
    free(panel);
}

#endif
