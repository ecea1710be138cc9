// Shared by every kernel file: fixed-width types, IEEE half and bfloat16 conversions (no
// cuda_fp16.h: the kernels need no header at run time), and warp reductions whose order is fixed
// (a butterfly over the 32 lanes), so that a result never depends on what else was launched.
#pragma once

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef long long i64;

// Positive infinity (NVRTC has no math.h).
#define INFINITY_F __int_as_float(0x7f800000)

// IEEE half (its bits) to float; exact.
__device__ __forceinline__ float half_to_float(u16 h) {
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
    return f;
}

// Float to IEEE half, round to nearest even (what the CPU engine's KV write does).
__device__ __forceinline__ u16 float_to_half(float f) {
    u16 h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
    return h;
}

// bfloat16 (its bits) to float; exact.
__device__ __forceinline__ float bf16_to_float(u16 b) { return __uint_as_float((u32)b << 16); }

// Little-endian 16-bit value at a 2-byte-aligned address.
__device__ __forceinline__ u16 load_u16(const u8 *p) { return *(const u16 *)p; }

__device__ __forceinline__ float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    return v;
}
