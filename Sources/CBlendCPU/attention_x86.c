/* The AVX2 and AVX-512 attention steps (see attention.c). Dot products accumulate one vector of
 * lanes over the head dimension and reduce it with bs_hsum8 / bs_hsum16; the steps are
 * instantiated per head count so the group's accumulators stay in registers. */
#if defined(__x86_64__)

#include "kernels_internal.h"
#include "simd_x86.h"

/* Lane i of the result: the sum of the 8 lanes of v[i], by a fixed tree (pairs of vectors
 * interleaved and added, then pairs of those, then the two 128-bit halves). */
BS_AVX2 BS_INLINE __m256 reduce8x8(const __m256 v[8]) {
    __m256 t[4], u[2];
    BS_UNROLL
    for (int i = 0; i < 4; i++) {
        t[i] = _mm256_add_ps(_mm256_unpacklo_ps(v[2 * i], v[2 * i + 1]), _mm256_unpackhi_ps(v[2 * i], v[2 * i + 1]));
    }
    BS_UNROLL
    for (int i = 0; i < 2; i++) {
        __m256d a = _mm256_castps_pd(t[2 * i]), b = _mm256_castps_pd(t[2 * i + 1]);
        u[i] = _mm256_add_ps(_mm256_castpd_ps(_mm256_unpacklo_pd(a, b)), _mm256_castpd_ps(_mm256_unpackhi_pd(a, b)));
    }
    return _mm256_add_ps(_mm256_permute2f128_ps(u[0], u[1], 0x20), _mm256_permute2f128_ps(u[0], u[1], 0x31));
}

/* AVX2: scores of NH heads for the positions of the tile, 8 at a time: each K chunk is converted
 * once for the NH heads, and the 8 dot products of a head are reduced together (positions past np
 * reduce zeros, and their scores are never read). */
BS_AVX2 BS_INLINE void scores8(int NH, const float *q, int hd, const uint16_t *const *k_rows, int np, float scale,
                               float *s) {
    for (int p0 = 0; p0 < np; p0 += 8) {
        __m256 acc[BS_ATTN_GROUP][8];
        for (int i = 0; i < 8; i++) {
            __m256 dot[BS_ATTN_GROUP];
            BS_UNROLL
            for (int h = 0; h < NH; h++) dot[h] = _mm256_setzero_ps();
            for (int d = 0; p0 + i < np && d < hd; d += 8) {
                __m256 k = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(k_rows[p0 + i] + d)));
                BS_UNROLL
                for (int h = 0; h < NH; h++) dot[h] = _mm256_fmadd_ps(_mm256_loadu_ps(q + h * hd + d), k, dot[h]);
            }
            BS_UNROLL
            for (int h = 0; h < NH; h++) acc[h][i] = dot[h];
        }
        BS_UNROLL
        for (int h = 0; h < NH; h++) {
            _mm256_storeu_ps(s + h * BS_ATTN_TILE + p0, _mm256_mul_ps(_mm256_set1_ps(scale), reduce8x8(acc[h])));
        }
    }
}

/* AVX2: out rows of NH heads += weight × V row, positions in order; each V chunk converted once. */
BS_AVX2 BS_INLINE void accumulate8(int NH, const float *s, int hd, const uint16_t *const *v_rows, int np, float *out) {
    for (int d = 0; d < hd; d += 8) {
        __m256 acc[BS_ATTN_GROUP];
        for (int h = 0; h < NH; h++) acc[h] = _mm256_loadu_ps(out + h * hd + d);
        for (int p = 0; p < np; p++) {
            __m256 v = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(v_rows[p] + d)));
            for (int h = 0; h < NH; h++) acc[h] = _mm256_fmadd_ps(_mm256_set1_ps(s[h * BS_ATTN_TILE + p]), v, acc[h]);
        }
        for (int h = 0; h < NH; h++) _mm256_storeu_ps(out + h * hd + d, acc[h]);
    }
}

BS_AVX2 static float exp_sum_avx2(float *s, int np, float max) {
    __m256 sum = _mm256_setzero_ps(), m = _mm256_set1_ps(max);
    for (int p = 0; p < np; p += 8) {
        __m256i lanes = _mm256_cmpgt_epi32(_mm256_set1_epi32(np - p), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        __m256 e = _mm256_and_ps(bs_exp8(_mm256_sub_ps(_mm256_maskload_ps(s + p, lanes), m)), _mm256_castsi256_ps(lanes));
        _mm256_maskstore_ps(s + p, lanes, e);
        sum = _mm256_add_ps(sum, e);
    }
    return bs_hsum8(sum);
}

/* Lane i of the result: the sum of the 16 lanes of v[i], by a fixed tree (as reduce8x8, then the
 * four 128-bit quarters in two steps). */
BS_AVX512 BS_INLINE __m512 reduce16x16(const __m512 v[16]) {
    __m512 t[8], u[4], w[2];
    BS_UNROLL
    for (int i = 0; i < 8; i++) {
        t[i] = _mm512_add_ps(_mm512_unpacklo_ps(v[2 * i], v[2 * i + 1]), _mm512_unpackhi_ps(v[2 * i], v[2 * i + 1]));
    }
    BS_UNROLL
    for (int i = 0; i < 4; i++) {
        __m512d a = _mm512_castps_pd(t[2 * i]), b = _mm512_castps_pd(t[2 * i + 1]);
        u[i] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(a, b)), _mm512_castpd_ps(_mm512_unpackhi_pd(a, b)));
    }
    BS_UNROLL
    for (int i = 0; i < 2; i++) {
        w[i] = _mm512_add_ps(_mm512_shuffle_f32x4(u[2 * i], u[2 * i + 1], 0x88),
                             _mm512_shuffle_f32x4(u[2 * i], u[2 * i + 1], 0xDD));
    }
    return _mm512_add_ps(_mm512_shuffle_f32x4(w[0], w[1], 0x88), _mm512_shuffle_f32x4(w[0], w[1], 0xDD));
}

/* AVX-512: as scores8 with 16 lanes and 16 positions at a time. */
BS_AVX512 BS_INLINE void scores16(int NH, const float *q, int hd, const uint16_t *const *k_rows, int np,
                                  float scale, float *s) {
    for (int p0 = 0; p0 < np; p0 += 16) {
        __m512 acc[BS_ATTN_GROUP][16];
        for (int i = 0; i < 16; i++) {
            __m512 dot[BS_ATTN_GROUP];
            BS_UNROLL
            for (int h = 0; h < NH; h++) dot[h] = _mm512_setzero_ps();
            for (int d = 0; p0 + i < np && d < hd; d += 16) {
                __m512 k = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(k_rows[p0 + i] + d)));
                BS_UNROLL
                for (int h = 0; h < NH; h++) dot[h] = _mm512_fmadd_ps(_mm512_loadu_ps(q + h * hd + d), k, dot[h]);
            }
            BS_UNROLL
            for (int h = 0; h < NH; h++) acc[h][i] = dot[h];
        }
        BS_UNROLL
        for (int h = 0; h < NH; h++) {
            _mm512_storeu_ps(s + h * BS_ATTN_TILE + p0, _mm512_mul_ps(_mm512_set1_ps(scale), reduce16x16(acc[h])));
        }
    }
}

/* AVX-512: as accumulate8 with 16 lanes. */
BS_AVX512 BS_INLINE void accumulate16(int NH, const float *s, int hd, const uint16_t *const *v_rows, int np,
                                      float *out) {
    for (int d = 0; d < hd; d += 16) {
        __m512 acc[BS_ATTN_GROUP];
        for (int h = 0; h < NH; h++) acc[h] = _mm512_loadu_ps(out + h * hd + d);
        for (int p = 0; p < np; p++) {
            __m512 v = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(v_rows[p] + d)));
            for (int h = 0; h < NH; h++) acc[h] = _mm512_fmadd_ps(_mm512_set1_ps(s[h * BS_ATTN_TILE + p]), v, acc[h]);
        }
        for (int h = 0; h < NH; h++) _mm512_storeu_ps(out + h * hd + d, acc[h]);
    }
}

BS_AVX512 static float exp_sum_avx512(float *s, int np, float max) {
    __m512 sum = _mm512_setzero_ps(), m = _mm512_set1_ps(max);
    for (int p = 0; p < np; p += 16) {
        __mmask16 lanes = (__mmask16)(np - p >= 16 ? 0xFFFFu : (1u << (np - p)) - 1u);
        __m512 e = _mm512_maskz_mov_ps(lanes, bs_exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(lanes, s + p), m)));
        _mm512_mask_storeu_ps(s + p, lanes, e);
        sum = _mm512_add_ps(sum, e);
    }
    return bs_hsum16(sum);
}

/* One instance of a step per head count 1 ... BS_ATTN_GROUP, chosen by a switch. */
#define DISPATCH_HEADS(CALL)  \
    switch (nh) {             \
    case 1: CALL(1); break;   \
    case 2: CALL(2); break;   \
    case 3: CALL(3); break;   \
    case 4: CALL(4); break;   \
    case 5: CALL(5); break;   \
    case 6: CALL(6); break;   \
    case 7: CALL(7); break;   \
    default: CALL(8); break;  \
    }

BS_AVX2 static void scores_avx2(const float *q, int nh, int hd, const uint16_t *const *k_rows, int np, float scale,
                                float *s) {
#define CALL(NH) scores8(NH, q, hd, k_rows, np, scale, s)
    DISPATCH_HEADS(CALL)
#undef CALL
}

BS_AVX2 static void accumulate_avx2(const float *s, int nh, int hd, const uint16_t *const *v_rows, int np, float *out) {
#define CALL(NH) accumulate8(NH, s, hd, v_rows, np, out)
    DISPATCH_HEADS(CALL)
#undef CALL
}

BS_AVX512 static void scores_avx512(const float *q, int nh, int hd, const uint16_t *const *k_rows, int np,
                                    float scale, float *s) {
#define CALL(NH) scores16(NH, q, hd, k_rows, np, scale, s)
    DISPATCH_HEADS(CALL)
#undef CALL
}

BS_AVX512 static void accumulate_avx512(const float *s, int nh, int hd, const uint16_t *const *v_rows, int np,
                                        float *out) {
#define CALL(NH) accumulate16(NH, s, hd, v_rows, np, out)
    DISPATCH_HEADS(CALL)
#undef CALL
}

const bs_attention_steps bs_attention_steps_avx2 = {scores_avx2, exp_sum_avx2, accumulate_avx2};
const bs_attention_steps bs_attention_steps_avx512 = {scores_avx512, exp_sum_avx512, accumulate_avx512};

#endif
