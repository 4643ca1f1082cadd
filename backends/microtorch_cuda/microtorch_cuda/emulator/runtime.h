// runtime.h: just enough of CUDA to run MicroTorch's kernel sources on the CPU.
//
// Each CUDA thread of a block is an OS thread, blocks run one after another, and
// __syncthreads() and warp shuffles are barriers. It is slow and only as faithful as the
// kernels need (1-D blocks whose size is a multiple of 32, full-warp shuffles), but it runs
// the *same* source text that nvcc compiles, so the tests check the kernels' index
// arithmetic, shared-memory tiling and reductions on machines without a GPU.
//
// Compiled with g++ -std=c++20 -include runtime.h; emulator/__init__.py appends one
// extern "C" launcher per kernel that calls emu::launch.
#pragma once
#include <algorithm>
#include <barrier>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <tuple>
#include <type_traits>
#include <vector>

#ifdef MT_EMU_SCAN  // first pass: mark kernels so Python can list them
#define __global__ MT_EMU_KERNEL
#else
#define __global__
#endif
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __restrict__ __restrict
// Shared memory is a static variable: shared by all threads, and blocks run one at a time.
#define __shared__ static

struct uint3 {
    unsigned int x, y, z;
};
struct dim3 {
    unsigned int x, y, z;
};

namespace emu {

struct Warp {
    std::unique_ptr<std::barrier<>> barrier;
    unsigned int size;
    alignas(16) unsigned char slots[32][16];  // one shuffled value per lane
};

struct Block {
    std::barrier<> barrier;
    std::vector<Warp> warps;
    explicit Block(unsigned int threads) : barrier(threads), warps((threads + 31) / 32) {
        for (unsigned int w = 0; w < warps.size(); ++w) {
            warps[w].size = std::min(32u, threads - 32 * w);
            warps[w].barrier = std::make_unique<std::barrier<>>(warps[w].size);
        }
    }
};

inline thread_local uint3 thread_idx, block_idx;
inline thread_local dim3 block_dim, grid_dim;
inline thread_local Block* block = nullptr;
inline std::mutex atomic_mutex;

inline unsigned int linear_tid() {
    return thread_idx.x + block_dim.x * (thread_idx.y + block_dim.y * thread_idx.z);
}

}  // namespace emu

#define threadIdx (emu::thread_idx)
#define blockIdx (emu::block_idx)
#define blockDim (emu::block_dim)
#define gridDim (emu::grid_dim)

inline void __syncthreads() { emu::block->barrier.arrive_and_wait(); }

// A shuffle is an exchange through the warp's slots, fenced by the warp's barrier.
template <class T>
T __shfl_down_sync(unsigned int, T v, unsigned int delta, int = 32) {
    static_assert(sizeof(T) <= 16, "shuffled values are at most 16 bytes");
    const unsigned int tid = emu::linear_tid(), lane = tid % 32;
    emu::Warp& warp = emu::block->warps[tid / 32];
    std::memcpy(warp.slots[lane], &v, sizeof(T));
    warp.barrier->arrive_and_wait();
    T result = v;
    if (lane + delta < warp.size) std::memcpy(&result, warp.slots[lane + delta], sizeof(T));
    warp.barrier->arrive_and_wait();  // nobody overwrites a slot before everyone has read
    return result;
}

template <class T>
T atomicAdd(T* address, T value) {
    std::lock_guard<std::mutex> guard(emu::atomic_mutex);
    T old = *address;
    *address = old + value;
    return old;
}

inline unsigned int __umulhi(unsigned int a, unsigned int b) {
    return (unsigned int)(((unsigned long long)a * b) >> 32);
}
inline float __int_as_float(int bits) {
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}
inline double __longlong_as_double(long long bits) {
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
}

namespace emu {

inline size_t align_up(size_t offset, size_t alignment) {
    return (offset + alignment - 1) / alignment * alignment;
}

// Run `kernel` over the grid. `args` is the parameter buffer as PyCUDA packs it (C struct
// layout: each parameter at the next offset aligned for its type); we unpack it by the
// kernel's own parameter types. Returns the size the kernel expects, so Python can check it
// against what it packed: a wrong format string is caught here instead of on the GPU.
template <class... P>
long long launch(void (*kernel)(P...), const unsigned int* grid, const unsigned int* blk,
                 const char* args, long long args_size) {
    std::tuple<std::decay_t<P>...> params;
    size_t offset = 0;
    std::apply(
        [&](auto&... p) {
            ((offset = align_up(offset, alignof(decltype(p))),
              std::memcpy(&p, args + offset, sizeof(p)), offset += sizeof(p)),
             ...);
        },
        params);
    if ((long long)offset != args_size) return (long long)offset;
    const dim3 g{grid[0], grid[1], grid[2]}, b{blk[0], blk[1], blk[2]};
    const unsigned int threads = b.x * b.y * b.z;
    for (unsigned int z = 0; z < g.z; ++z)
        for (unsigned int y = 0; y < g.y; ++y)
            for (unsigned int x = 0; x < g.x; ++x) {
                Block state(threads);
                std::vector<std::thread> pool;
                pool.reserve(threads);
                for (unsigned int t = 0; t < threads; ++t)
                    pool.emplace_back([&, t] {
                        thread_idx = uint3{t % b.x, (t / b.x) % b.y, t / (b.x * b.y)};
                        block_idx = uint3{x, y, z};
                        block_dim = b;
                        grid_dim = g;
                        block = &state;
                        std::apply(kernel, params);
                        // An exited thread no longer holds up barriers (as on the GPU).
                        state.barrier.arrive_and_drop();
                        state.warps[t / 32].barrier->arrive_and_drop();
                    });
                for (auto& thread : pool) thread.join();
            }
    return offset;
}

}  // namespace emu
