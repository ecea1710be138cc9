/* IEEE half conversions of arrays. The portable path is the definition (kernels_internal.h);
 * the F16C instructions (round to nearest even by immediate, NaNs quieted with their payload's
 * top bits) give the same bits, and the tails that do not fill a vector use the portable path. */
#include "kernels_internal.h"

#if defined(__x86_64__)
#include "simd_x86.h"

/* Whole 8-value vectors of src; returns how many values it converted. */
BS_AVX2 static int64_t f16_to_f32_avx2(const uint16_t *src, float *dst, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
    return i;
}

BS_AVX2 static int64_t f32_to_f16_avx2(const float *src, uint16_t *dst, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm_storeu_si128((__m128i *)(dst + i), _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
    }
    return i;
}

/* Whole 16-value vectors of src; returns how many values it converted. */
BS_AVX512 static int64_t f16_to_f32_avx512(const uint16_t *src, float *dst, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        _mm512_storeu_ps(dst + i, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(src + i))));
    }
    return i;
}

BS_AVX512 static int64_t f32_to_f16_avx512(const float *src, uint16_t *dst, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        _mm256_storeu_si256((__m256i *)(dst + i),
                            _mm512_cvtps_ph(_mm512_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
    }
    return i;
}
#endif

void bs_f16_to_f32(int isa, const uint16_t *src, float *dst, int64_t n) {
    int64_t i = 0;
#if defined(__x86_64__)
    int level = bs_level(isa);
    if (level == BS_ISA_AVX512) i = f16_to_f32_avx512(src, dst, n);
    else if (level == BS_ISA_AVX2) i = f16_to_f32_avx2(src, dst, n);
#else
    (void)isa;
#endif
    for (; i < n; i++) dst[i] = bs_half_to_float(src[i]);
}

void bs_f32_to_f16(int isa, const float *src, uint16_t *dst, int64_t n) {
    int64_t i = 0;
#if defined(__x86_64__)
    int level = bs_level(isa);
    if (level == BS_ISA_AVX512) i = f32_to_f16_avx512(src, dst, n);
    else if (level == BS_ISA_AVX2) i = f32_to_f16_avx2(src, dst, n);
#else
    (void)isa;
#endif
    for (; i < n; i++) dst[i] = bs_float_to_half(src[i]);
}
