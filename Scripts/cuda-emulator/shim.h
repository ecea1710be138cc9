// Host emulation of the CUDA C subset the kernels in Sources/BlendCUDA/Kernels/cuda use, for the
// emulated driver (driver.cpp): every CUDA thread is a fiber, __syncthreads() and warp shuffles are
// cooperative barriers. Each kernel file is compiled as C++ with this header forced in first.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>
using std::max;
using std::min;

struct emu_dim3 {
    unsigned x = 1, y = 1, z = 1;
};

extern emu_dim3 emu_block_idx, emu_block_dim, emu_grid_dim;
emu_dim3 &emu_thread_idx();
int emu_lane();
void emu_syncthreads();
uint64_t emu_shuffle(uint64_t bits, int source_lane);
extern unsigned char emu_dynamic_shared[];

#define threadIdx (emu_thread_idx())
#define blockIdx emu_block_idx
#define blockDim emu_block_dim
#define gridDim emu_grid_dim
#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(n)
// Blocks run one after another, so a function-level static is the block's shared variable.
#define __shared__ static

inline void __syncthreads() { emu_syncthreads(); }

template <typename T> T emu_shuffle_value(T value, int source_lane) {
    uint64_t bits = 0;
    memcpy(&bits, &value, sizeof value);
    bits = emu_shuffle(bits, source_lane);
    T result;
    memcpy(&result, &bits, sizeof result);
    return result;
}

template <typename T> T __shfl_xor_sync(unsigned, T value, int mask) { return emu_shuffle_value(value, emu_lane() ^ mask); }
template <typename T> T __shfl_sync(unsigned, T value, int lane) { return emu_shuffle_value(value, lane); }

inline float __int_as_float(int i) {
    float f;
    memcpy(&f, &i, sizeof f);
    return f;
}

inline float __uint_as_float(unsigned i) {
    float f;
    memcpy(&f, &i, sizeof f);
    return f;
}

// Fibers of a block never run at the same time, so a plain read-modify-write is atomic.
inline int atomicAdd(int *address, int value) {
    int old = *address;
    *address = old + value;
    return old;
}

// Registers a kernel under its name, with a launcher that unpacks cuLaunchKernel's parameters.
struct emu_registrar {
    emu_registrar(const char *name, void (*launch)(void **));
};

template <typename... A, size_t... I>
void emu_call(void (*kernel)(A...), void **parameters, std::index_sequence<I...>) {
    kernel(*(A *)parameters[I]...);
}

template <auto Kernel> struct emu_launcher;
template <typename... A, void (*Kernel)(A...)> struct emu_launcher<Kernel> {
    static void launch(void **parameters) { emu_call(Kernel, parameters, std::index_sequence_for<A...>{}); }
};

#define EMU_REGISTER(name) static emu_registrar emu_registered_##name(#name, emu_launcher<name>::launch);
