// An emulated CUDA driver (libcuda.so.1) for testing the CUDA engine on machines without a GPU:
// device memory is host memory, copies are memcpy, streams and events are trivially in order, and
// cuLaunchKernel runs the kernel compiled for the host (shim.h) one block at a time, each CUDA
// thread a fiber. It checks what it can: launch shapes, shared memory against the allowed size,
// warp shuffles that not every lane of a warp reaches, __syncthreads() after some threads exited.
// It checks the kernels' logic, not a GPU's arithmetic (the host's expf, cos and pow stand in for
// the device's), performance, or the PTX and CUBIN that NVRTC produced (module images are ignored;
// kernels are found by name).
#include <ucontext.h>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>
#include "shim.h"

namespace {
enum State { READY, WAIT_BLOCK, WAIT_WARP, DONE };

struct Fiber {
    ucontext_t context;
    emu_dim3 thread;
    int index;
    State state;
};

constexpr size_t stack_bytes = 96 * 1024;
constexpr int max_threads = 1024;
constexpr int max_shared = 227 * 1024;
std::vector<Fiber> fibers(max_threads);
std::vector<char> stacks;
ucontext_t scheduler;
Fiber *current;
uint64_t warp_slots[max_threads / 32][32];
void (*current_launch)(void **);
void **current_parameters;
int allowed_shared = 48 * 1024;

std::map<std::string, void (*)(void **)> &kernels() {
    static std::map<std::string, void (*)(void **)> table;
    return table;
}

void wait(State state) {
    current->state = state;
    swapcontext(&current->context, &scheduler);
}

void fiber_main() {
    current_launch(current_parameters);
    current->state = DONE;
    swapcontext(&current->context, &scheduler);
}

void fail(const char *what) {
    fprintf(stderr, "CUDA emulator: %s in block (%u, %u, %u)\n", what, emu_block_idx.x, emu_block_idx.y, emu_block_idx.z);
    abort();
}

// Runs the fibers of one block until all are done, releasing a warp when all its lanes wait at a
// shuffle and the block when every live thread waits at __syncthreads().
void run_block(int threads) {
    for (int i = 0; i < threads; i++) {
        Fiber &f = fibers[i];
        getcontext(&f.context);
        f.context.uc_stack.ss_sp = &stacks[i * stack_bytes];
        f.context.uc_stack.ss_size = stack_bytes;
        f.context.uc_link = nullptr;
        makecontext(&f.context, fiber_main, 0);
        f.index = i;
        f.state = READY;
        f.thread.x = i % emu_block_dim.x;
        f.thread.y = i / emu_block_dim.x % emu_block_dim.y;
        f.thread.z = i / (emu_block_dim.x * emu_block_dim.y);
    }
    for (;;) {
        bool progressed = false;
        for (int i = 0; i < threads; i++) {
            if (fibers[i].state != READY) continue;
            current = &fibers[i];
            swapcontext(&scheduler, &current->context);
            progressed = true;
        }
        int done = 0, at_barrier = 0;
        for (int i = 0; i < threads; i++) {
            done += fibers[i].state == DONE;
            at_barrier += fibers[i].state == WAIT_BLOCK;
        }
        if (done == threads) return;
        for (int first = 0; first < threads; first += 32) {
            int last = std::min(threads, first + 32), waiting = 0, elsewhere = 0;
            for (int l = first; l < last; l++) {
                waiting += fibers[l].state == WAIT_WARP;
                elsewhere += fibers[l].state == DONE || fibers[l].state == WAIT_BLOCK;
            }
            if (waiting == 0) continue;
            if (waiting == last - first) {
                for (int l = first; l < last; l++) fibers[l].state = READY;
                progressed = true;
            } else if (elsewhere > 0 && waiting + elsewhere == last - first) {
                fail("a warp shuffle that not every lane of the warp reaches");
            }
        }
        if (at_barrier > 0 && at_barrier + done == threads) {
            if (done > 0) fail("__syncthreads() after some threads of the block exited");
            for (int i = 0; i < threads; i++) fibers[i].state = READY;
            progressed = true;
        }
        if (!progressed) fail("deadlock");
    }
}

int device_count() {
    const char *count = getenv("BLENDSERVE_EMULATED_GPUS");
    return count ? atoi(count) : 1;
}
} // namespace

emu_dim3 emu_block_idx, emu_block_dim, emu_grid_dim;
alignas(16) unsigned char emu_dynamic_shared[max_shared];

emu_dim3 &emu_thread_idx() { return current->thread; }

int emu_lane() { return current->index & 31; }

void emu_syncthreads() { wait(WAIT_BLOCK); }

uint64_t emu_shuffle(uint64_t bits, int source_lane) {
    uint64_t *slots = warp_slots[current->index / 32];
    slots[emu_lane()] = bits;
    wait(WAIT_WARP);
    uint64_t result = slots[source_lane & 31];
    wait(WAIT_WARP);
    return result;
}

emu_registrar::emu_registrar(const char *name, void (*launch)(void **)) { kernels()[name] = launch; }

extern "C" {
typedef int CUresult;
enum { NOT_FOUND = 500, INVALID_VALUE = 1, INVALID_DEVICE = 101 };

CUresult cuInit(unsigned) { return 0; }
// NVRTC asks the driver for its export table when one is loaded; the emulator has none.
CUresult cuGetExportTable(const void **table, const void *) {
    *table = nullptr;
    return NOT_FOUND;
}
CUresult cuDriverGetVersion(int *version) {
    *version = 12090;
    return 0;
}
CUresult cuGetErrorName(CUresult, const char **name) {
    *name = "CUDA_EMULATOR_ERROR";
    return 0;
}
CUresult cuGetErrorString(CUresult, const char **text) {
    *text = "the CUDA emulator refused the call (see its message on standard error)";
    return 0;
}
CUresult cuDeviceGetCount(int *count) {
    *count = device_count();
    return 0;
}
CUresult cuDeviceGet(int *device, int ordinal) {
    if (ordinal < 0 || ordinal >= device_count()) return INVALID_DEVICE;
    *device = ordinal;
    return 0;
}
CUresult cuDeviceGetName(char *name, int length, int) {
    snprintf(name, (size_t)length, "BlendServe CUDA emulator");
    return 0;
}
CUresult cuDeviceGetAttribute(int *value, int attribute, int) {
    switch (attribute) {
    case 75: *value = 9; return 0;               // compute capability 9.0
    case 76: *value = 0; return 0;
    case 16: *value = 4; return 0;               // multiprocessors
    case 97: *value = max_shared; return 0;      // opt-in shared memory per block
    case 41: *value = 1; return 0;               // unified addressing
    case 38: *value = 1 << 20; return 0;         // L2 bytes
    default: return INVALID_VALUE;               // no memory clock, as CUDA 13 drivers
    }
}
CUresult cuDeviceTotalMem_v2(size_t *bytes, int) {
    *bytes = (size_t)8 << 30;
    return 0;
}
CUresult cuDeviceCanAccessPeer(int *can, int, int) {
    *can = 1;
    return 0;
}
CUresult cuDevicePrimaryCtxRetain(void **context, int device) {
    *context = (void *)(intptr_t)(device + 1);
    return 0;
}
CUresult cuDevicePrimaryCtxRelease_v2(int) { return 0; }
CUresult cuCtxSetCurrent(void *) { return 0; }
CUresult cuCtxSynchronize() { return 0; }
CUresult cuCtxEnablePeerAccess(void *, unsigned) { return 0; }
CUresult cuMemGetInfo_v2(size_t *free_bytes, size_t *total) {
    *free_bytes = (size_t)1 << 30;
    *total = (size_t)8 << 30;
    return 0;
}
// Fresh device memory holds 0x7F bytes (a large float, a NaN half), so that reading memory nobody
// wrote shows in the results.
CUresult cuMemAlloc_v2(uint64_t *pointer, size_t bytes) {
    void *memory = aligned_alloc(256, (bytes + 255) / 256 * 256);
    if (!memory) return 2;
    memset(memory, 0x7F, bytes);
    *pointer = (uint64_t)memory;
    return 0;
}
CUresult cuMemFree_v2(uint64_t pointer) {
    free((void *)pointer);
    return 0;
}
CUresult cuMemHostAlloc(void **pointer, size_t bytes, unsigned) {
    *pointer = malloc(bytes);
    return *pointer ? 0 : 2;
}
CUresult cuMemFreeHost(void *pointer) {
    free(pointer);
    return 0;
}
CUresult cuMemcpyHtoDAsync_v2(uint64_t to, const void *from, size_t bytes, void *) {
    memcpy((void *)to, from, bytes);
    return 0;
}
CUresult cuMemcpyDtoHAsync_v2(void *to, uint64_t from, size_t bytes, void *) {
    memcpy(to, (void *)from, bytes);
    return 0;
}
CUresult cuMemcpyDtoDAsync_v2(uint64_t to, uint64_t from, size_t bytes, void *) {
    memmove((void *)to, (void *)from, bytes);
    return 0;
}
CUresult cuMemcpyPeerAsync(uint64_t to, void *, uint64_t from, void *, size_t bytes, void *) {
    memmove((void *)to, (void *)from, bytes);
    return 0;
}
CUresult cuMemsetD8Async(uint64_t to, unsigned char value, size_t bytes, void *) {
    memset((void *)to, value, bytes);
    return 0;
}
CUresult cuStreamCreate(void **stream, unsigned) {
    *stream = malloc(1);
    return 0;
}
CUresult cuStreamDestroy_v2(void *stream) {
    free(stream);
    return 0;
}
CUresult cuStreamSynchronize(void *) { return 0; }
CUresult cuStreamWaitEvent(void *, void *, unsigned) { return 0; }
CUresult cuEventCreate(void **event, unsigned) {
    *event = malloc(1);
    return 0;
}
CUresult cuEventDestroy_v2(void *event) {
    free(event);
    return 0;
}
CUresult cuEventRecord(void *, void *) { return 0; }
CUresult cuEventSynchronize(void *) { return 0; }
CUresult cuEventElapsedTime(float *milliseconds, void *, void *) {
    *milliseconds = 0;
    return 0;
}
CUresult cuModuleLoadData(void **module, const void *) {
    *module = malloc(1);
    return 0;
}
CUresult cuModuleUnload(void *module) {
    free(module);
    return 0;
}
CUresult cuModuleGetFunction(void **function, void *, const char *name) {
    auto found = kernels().find(name);
    if (found == kernels().end()) {
        fprintf(stderr, "CUDA emulator: no kernel %s\n", name);
        return NOT_FOUND;
    }
    *function = (void *)found->second;
    return 0;
}
CUresult cuFuncSetAttribute(void *, int attribute, int value) {
    if (attribute != 8) return 0;
    if (value > max_shared) return INVALID_VALUE;
    allowed_shared = std::max(allowed_shared, value);
    return 0;
}
CUresult cuLaunchKernel(void *function, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shared, void *, void **parameters, void **) {
    unsigned threads = bx * by * bz;
    if (threads == 0 || threads > max_threads || gx == 0 || gy == 0 || gz == 0 || gy > 65535 || gz > 65535) {
        fprintf(stderr, "CUDA emulator: launch of %u x %u x %u blocks of %u x %u x %u threads\n", gx, gy, gz, bx, by, bz);
        return INVALID_VALUE;
    }
    if (shared > (unsigned)allowed_shared) {
        fprintf(stderr, "CUDA emulator: %u bytes of shared memory, %d allowed\n", shared, allowed_shared);
        return INVALID_VALUE;
    }
    if (stacks.empty()) stacks.resize(max_threads * stack_bytes);
    current_launch = (void (*)(void **))function;
    current_parameters = parameters;
    emu_block_dim = {bx, by, bz};
    emu_grid_dim = {gx, gy, gz};
    for (unsigned z = 0; z < gz; z++) {
        for (unsigned y = 0; y < gy; y++) {
            for (unsigned x = 0; x < gx; x++) {
                emu_block_idx = {x, y, z};
                memset(emu_dynamic_shared, 0xA5, shared);
                run_block((int)threads);
            }
        }
    }
    return 0;
}
}
