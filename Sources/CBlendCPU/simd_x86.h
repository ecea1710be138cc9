/* x86 vector helpers shared by the AVX2 and AVX-512 kernels. Include only under
 * defined(__x86_64__). Every function carries its own target attribute, so the package still
 * compiles for baseline x86-64. */
#ifndef CBLENDCPU_SIMD_X86_H
#define CBLENDCPU_SIMD_X86_H

#include <immintrin.h>

#define BS_AVX2 __attribute__((target("avx2,fma,f16c")))
#define BS_AVX512 __attribute__((target("avx512f,avx512bw,avx2,fma,f16c")))
#define BS_INLINE static inline __attribute__((always_inline))
/* Fully unrolls the next loop, whose trip count is a compile-time constant (a tile dimension), so
 * that its accumulators stay in registers. */
#if defined(__clang__)
#define BS_UNROLL _Pragma("unroll")
#else
#define BS_UNROLL
#endif

/* Sum of the 8 lanes in a fixed order: (l + l+4), then (0 + 2, 1 + 3), then (0 + 1). Every
 * AVX2 kernel reduces with this, so a result never depends on which loop produced it. */
BS_AVX2 BS_INLINE float bs_hsum8(__m256 v) {
    __m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    __m128 b = _mm_add_ps(a, _mm_movehl_ps(a, a));
    return _mm_cvtss_f32(_mm_add_ss(b, _mm_movehdup_ps(b)));
}

/* Sum of the 16 lanes in a fixed order: (l + l+8), then bs_hsum8. */
BS_AVX512 BS_INLINE float bs_hsum16(__m512 v) {
    __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
    return bs_hsum8(_mm256_add_ps(_mm512_castps512_ps256(v), hi));
}

/* exp(x) lane-wise for x <= 88, relative error about 2 ulp; lanes below -87 give 0 (-inf
 * included). x = n ln2 + r with |r| <= ln2/2 (ln2 split in two for an exact n ln2), e^r by its
 * degree-7 Taylor polynomial, then 2^n through the exponent bits. */
BS_AVX2 BS_INLINE __m256 bs_exp8(__m256 x) {
    const __m256 lo = _mm256_set1_ps(-87.0f);
    __m256 underflow = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
    x = _mm256_max_ps(x, lo);
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.0f / 5040.0f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_andnot_ps(underflow, _mm256_mul_ps(p, _mm256_castsi256_ps(e)));
}

/* bs_exp8 on 16 lanes, the same steps. */
BS_AVX512 BS_INLINE __m512 bs_exp16(__m512 x) {
    const __m512 lo = _mm512_set1_ps(-87.0f);
    __mmask16 keep = _mm512_cmp_ps_mask(x, lo, _CMP_GE_OQ);
    x = _mm512_max_ps(x, lo);
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.0f / 5040.0f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_maskz_mul_ps(keep, p, _mm512_castsi512_ps(e));
}

#endif
