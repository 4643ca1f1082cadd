// fake_libcuda.cpp: the part of the CUDA driver API that PyCUDA and MicroTorch use, on the CPU.
//
// Built as libcuda.so.1 by fakegpu.py and loaded in place of NVIDIA's driver (through
// LD_LIBRARY_PATH), it lets the *real* PyCUDA path of the CUDA backend run on a machine without
// a GPU: PyCudaDriver, SourceModule, PyCUDA's argument packing and cuLaunchKernel. What it
// fakes, and how:
//
// * one device ("sm_90", 2 multiprocessors), one primary context, a context stack;
// * device memory is host memory with guard bytes around each block; copies check that
//   the device range lies inside one live allocation (CUDA_ERROR_INVALID_VALUE otherwise);
// * a "cubin" is what the fake nvcc (fake_nvcc.py) writes: a header and the path of a shared
//   library built from the kernel source by the emulator (runtime.h), with one
//   mtemu_launch_<kernel> entry point per kernel;
// * cuLaunchKernel takes the packed parameter buffer (CU_LAUNCH_PARAM_BUFFER_POINTER, as
//   PyCUDA's prepared_call passes it), checks its size against the kernel's parameter list
//   and the launch limits of a real GPU, runs the kernel on a grid capped at
//   MICROTORCH_FAKE_CUDA_MAX_GRID (default 3,2,2, so grid-stride loops are exercised), then
//   checks the guard bytes (CUDA_ERROR_ILLEGAL_ADDRESS when a kernel wrote out of bounds).
//   With MICROTORCH_FAKE_CUDA_SKIP_KERNELS set, launches are checked but run no blocks: the
//   results are garbage, and what remains is the host's cost of an op (for benchmarks).
//
// Every other driver function PyCUDA links against gets a weak stub from fakegpu.py that
// prints its name and returns CUDA_ERROR_NOT_SUPPORTED.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace {

enum : int {
    SUCCESS = 0,
    INVALID_VALUE = 1,
    OUT_OF_MEMORY = 2,
    NOT_INITIALIZED = 3,
    INVALID_DEVICE = 101,
    INVALID_IMAGE = 200,
    INVALID_CONTEXT = 201,
    INVALID_HANDLE = 400,
    NOT_FOUND = 500,
    ILLEGAL_ADDRESS = 700,
    NOT_SUPPORTED = 801,
};

const char* error_name(int code) {
    switch (code) {
        case SUCCESS: return "CUDA_SUCCESS";
        case INVALID_VALUE: return "CUDA_ERROR_INVALID_VALUE";
        case OUT_OF_MEMORY: return "CUDA_ERROR_OUT_OF_MEMORY";
        case NOT_INITIALIZED: return "CUDA_ERROR_NOT_INITIALIZED";
        case INVALID_DEVICE: return "CUDA_ERROR_INVALID_DEVICE";
        case INVALID_IMAGE: return "CUDA_ERROR_INVALID_IMAGE";
        case INVALID_CONTEXT: return "CUDA_ERROR_INVALID_CONTEXT";
        case INVALID_HANDLE: return "CUDA_ERROR_INVALID_HANDLE";
        case NOT_FOUND: return "CUDA_ERROR_NOT_FOUND";
        case ILLEGAL_ADDRESS: return "CUDA_ERROR_ILLEGAL_ADDRESS";
        case NOT_SUPPORTED: return "CUDA_ERROR_NOT_SUPPORTED";
        default: return nullptr;
    }
}

const char* error_string(int code) {
    switch (code) {
        case SUCCESS: return "no error";
        case INVALID_VALUE: return "invalid argument";
        case OUT_OF_MEMORY: return "out of memory";
        case NOT_INITIALIZED: return "initialization error";
        case INVALID_DEVICE: return "invalid device ordinal";
        case INVALID_IMAGE: return "device kernel image is invalid";
        case INVALID_CONTEXT: return "invalid device context";
        case INVALID_HANDLE: return "invalid resource handle";
        case NOT_FOUND: return "named symbol not found";
        case ILLEGAL_ADDRESS: return "an illegal memory access was encountered";
        case NOT_SUPPORTED: return "operation not supported";
        default: return nullptr;
    }
}

constexpr int SM_COUNT = 2;
constexpr size_t GUARD = 256;  // guard bytes before and after each block (keeps alignment)
constexpr unsigned char GUARD_BYTE = 0xA5;
constexpr const char* CUBIN_MAGIC = "MTFAKECUBIN ";

using Launcher = long long (*)(const unsigned*, const unsigned*, const char*, long long);

struct Module {
    void* library;
};
struct Function {
    Launcher launch;
    std::string name;
};
struct Context {
    int device;
};

std::mutex mutex;
bool initialised = false;
Context primary{0};
int primary_refs = 0;
std::vector<Context*> context_stack;
std::map<uintptr_t, size_t> blocks;  // device pointer -> size in bytes
size_t used = 0;

size_t total_memory() {
    const char* env = std::getenv("MICROTORCH_FAKE_CUDA_MEMORY");
    return env ? std::strtoull(env, nullptr, 10) : (size_t(1) << 30);
}

void max_grid(unsigned cap[3]) {
    cap[0] = 3, cap[1] = 2, cap[2] = 2;
    if (const char* env = std::getenv("MICROTORCH_FAKE_CUDA_MAX_GRID"))
        std::sscanf(env, "%u,%u,%u", &cap[0], &cap[1], &cap[2]);
}

// Is [ptr, ptr + n) inside one live block? (called with the mutex held)
bool inside_block(uintptr_t ptr, size_t n) {
    auto it = blocks.upper_bound(ptr);
    if (it == blocks.begin()) return false;
    --it;
    return ptr + n <= it->first + it->second;
}

bool guards_intact(uintptr_t* bad) {
    for (auto& [ptr, size] : blocks) {
        const auto* before = reinterpret_cast<const unsigned char*>(ptr) - GUARD;
        const auto* after = reinterpret_cast<const unsigned char*>(ptr) + size;
        for (size_t i = 0; i < GUARD; ++i)
            if (before[i] != GUARD_BYTE || after[i] != GUARD_BYTE) {
                *bad = ptr;
                return false;
            }
    }
    return true;
}

int copy_checked(uintptr_t device_dst, uintptr_t device_src, void* dst, const void* src,
                 size_t n) {
    std::lock_guard<std::mutex> lock(mutex);
    if ((device_dst && !inside_block(device_dst, n)) || (device_src && !inside_block(device_src, n)))
        return INVALID_VALUE;
    std::memmove(dst, src, n);
    return SUCCESS;
}

}  // namespace

extern "C" {

typedef unsigned long long CUdeviceptr;

int cuInit(unsigned int) {
    initialised = true;
    return SUCCESS;
}

int cuDriverGetVersion(int* version) {
    *version = 13000;
    return SUCCESS;
}

int cuGetErrorName(int code, const char** name) {
    *name = error_name(code);
    return *name ? SUCCESS : INVALID_VALUE;
}

int cuGetErrorString(int code, const char** text) {
    *text = error_string(code);
    return *text ? SUCCESS : INVALID_VALUE;
}

// -- devices ------------------------------------------------------------------------------
int cuDeviceGetCount(int* count) {
    if (!initialised) return NOT_INITIALIZED;
    *count = 1;
    return SUCCESS;
}

int cuDeviceGet(int* device, int ordinal) {
    if (!initialised) return NOT_INITIALIZED;
    if (ordinal != 0) return INVALID_DEVICE;
    *device = 0;
    return SUCCESS;
}

int cuDeviceGetName(char* name, int len, int device) {
    if (device != 0) return INVALID_DEVICE;
    std::snprintf(name, len, "MicroTorch fake GPU (CPU emulator)");
    return SUCCESS;
}

int cuDeviceComputeCapability(int* major, int* minor, int device) {
    if (device != 0) return INVALID_DEVICE;
    *major = 9, *minor = 0;
    return SUCCESS;
}

int cuDeviceGetAttribute(int* value, int attribute, int device) {
    if (device != 0) return INVALID_DEVICE;
    switch (attribute) {
        case 1: *value = 1024; break;                      // max threads per block
        case 2: case 3: *value = 1024; break;              // max block dim x, y
        case 4: *value = 64; break;                        // max block dim z
        case 5: *value = 2147483647; break;                // max grid dim x
        case 6: case 7: *value = 65535; break;             // max grid dim y, z
        case 8: *value = 49152; break;                     // shared memory per block
        case 10: *value = 32; break;                       // warp size
        case 16: *value = SM_COUNT; break;                 // multiprocessor count
        case 75: *value = 9; break;                        // compute capability major
        case 76: *value = 0; break;                        // compute capability minor
        default: *value = 0;
    }
    return SUCCESS;
}

int cuDeviceTotalMem_v2(size_t* bytes, int device) {
    if (device != 0) return INVALID_DEVICE;
    *bytes = total_memory();
    return SUCCESS;
}

// -- contexts: one primary context and a stack of current ones -----------------------------
int cuDevicePrimaryCtxRetain(Context** context, int device) {
    if (device != 0) return INVALID_DEVICE;
    std::lock_guard<std::mutex> lock(mutex);
    ++primary_refs;
    *context = &primary;
    return SUCCESS;
}

int cuDevicePrimaryCtxRelease_v2(int device) {
    if (device != 0) return INVALID_DEVICE;
    std::lock_guard<std::mutex> lock(mutex);
    if (primary_refs == 0) return INVALID_CONTEXT;
    --primary_refs;
    return SUCCESS;
}

int cuCtxPushCurrent_v2(Context* context) {
    if (context != &primary) return INVALID_CONTEXT;
    std::lock_guard<std::mutex> lock(mutex);
    context_stack.push_back(context);
    return SUCCESS;
}

int cuCtxPopCurrent_v2(Context** context) {
    std::lock_guard<std::mutex> lock(mutex);
    if (context_stack.empty()) return INVALID_CONTEXT;
    if (context) *context = context_stack.back();
    context_stack.pop_back();
    return SUCCESS;
}

int cuCtxGetDevice(int* device) {
    std::lock_guard<std::mutex> lock(mutex);
    if (context_stack.empty()) return INVALID_CONTEXT;
    *device = context_stack.back()->device;
    return SUCCESS;
}

int cuCtxGetApiVersion(Context*, unsigned int* version) {
    *version = 13000;
    return SUCCESS;
}

int cuCtxSynchronize() {
    return context_stack.empty() ? INVALID_CONTEXT : SUCCESS;  // kernels ran synchronously
}

// -- memory -------------------------------------------------------------------------------
int cuMemAlloc_v2(CUdeviceptr* ptr, size_t n) {
    std::lock_guard<std::mutex> lock(mutex);
    if (context_stack.empty()) return INVALID_CONTEXT;
    if (n == 0) return INVALID_VALUE;
    if (used + n > total_memory()) return OUT_OF_MEMORY;
    auto* raw = static_cast<unsigned char*>(std::aligned_alloc(GUARD, GUARD + (n + GUARD - 1) / GUARD * GUARD + GUARD));
    if (!raw) return OUT_OF_MEMORY;
    std::memset(raw, GUARD_BYTE, GUARD);
    std::memset(raw + GUARD + n, GUARD_BYTE, GUARD);
    *ptr = reinterpret_cast<uintptr_t>(raw + GUARD);
    blocks[*ptr] = n;
    used += n;
    return SUCCESS;
}

int cuMemFree_v2(CUdeviceptr ptr) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = blocks.find(ptr);
    if (it == blocks.end()) return INVALID_VALUE;
    used -= it->second;
    blocks.erase(it);
    std::free(reinterpret_cast<unsigned char*>(ptr) - GUARD);
    return SUCCESS;
}

int cuMemGetInfo_v2(size_t* free_bytes, size_t* total_bytes) {
    std::lock_guard<std::mutex> lock(mutex);
    *total_bytes = total_memory();
    *free_bytes = *total_bytes - used;
    return SUCCESS;
}

int cuMemcpyHtoD_v2(CUdeviceptr dst, const void* src, size_t n) {
    return copy_checked(dst, 0, reinterpret_cast<void*>(dst), src, n);
}

int cuMemcpyDtoH_v2(void* dst, CUdeviceptr src, size_t n) {
    return copy_checked(0, src, dst, reinterpret_cast<const void*>(src), n);
}

int cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t n) {
    return copy_checked(dst, src, reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), n);
}

// -- modules and kernels --------------------------------------------------------------------
int cuModuleLoadData(Module** module, const void* image) {
    const char* text = static_cast<const char*>(image);
    const size_t magic = std::strlen(CUBIN_MAGIC);
    if (std::strncmp(text, CUBIN_MAGIC, magic) != 0) {
        std::fprintf(stderr, "fake libcuda: not a fake cubin (was it built by the real nvcc?)\n");
        return INVALID_IMAGE;
    }
    void* library = dlopen(text + magic, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        std::fprintf(stderr, "fake libcuda: %s\n", dlerror());
        return INVALID_IMAGE;
    }
    *module = new Module{library};
    return SUCCESS;
}

int cuModuleLoadDataEx(Module** module, const void* image, unsigned int, void*, void**) {
    return cuModuleLoadData(module, image);
}

int cuModuleUnload(Module* module) {
    delete module;  // the library stays loaded: its functions may still be referenced
    return SUCCESS;
}

int cuModuleGetFunction(Function** function, Module* module, const char* name) {
    const std::string symbol = std::string("mtemu_launch_") + name;
    auto launch = reinterpret_cast<Launcher>(dlsym(module->library, symbol.c_str()));
    if (!launch) return NOT_FOUND;
    *function = new Function{launch, name};
    return SUCCESS;
}

int cuFuncSetBlockShape(Function*, int, int, int) { return SUCCESS; }  // legacy; ignored
int cuFuncSetSharedSize(Function*, unsigned int) { return SUCCESS; }

int cuFuncGetAttribute(int* value, int attribute, Function*) {
    *value = attribute == 0 ? 1024 : 0;  // max threads per block; the rest unknown
    return SUCCESS;
}

int cuLaunchKernel(Function* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                   unsigned bz, unsigned shared_bytes, void* stream, void** params,
                   void** extra) {
    if (context_stack.empty()) return INVALID_CONTEXT;
    if (params || !extra) {
        std::fprintf(stderr, "fake libcuda: %s: only the packed-buffer launch is emulated\n",
                     f->name.c_str());
        return NOT_SUPPORTED;
    }
    // extra = {BUFFER_POINTER (1), buf, BUFFER_SIZE (2), &size, END (0)}
    const char* buffer = nullptr;
    long long size = -1;
    for (size_t i = 0; extra[i] != nullptr; i += 2) {
        auto key = reinterpret_cast<uintptr_t>(extra[i]);
        if (key == 1) buffer = static_cast<const char*>(extra[i + 1]);
        else if (key == 2) size = static_cast<long long>(*static_cast<size_t*>(extra[i + 1]));
    }
    if (!buffer || size < 0) return INVALID_VALUE;
    if (gx == 0 || gy == 0 || gz == 0 || gy > 65535 || gz > 65535 || bx == 0 || by == 0 ||
        bz == 0 || bx * by * bz > 1024 || shared_bytes > 49152) {
        std::fprintf(stderr, "fake libcuda: %s: invalid launch grid (%u,%u,%u) block (%u,%u,%u)\n",
                     f->name.c_str(), gx, gy, gz, bx, by, bz);
        return INVALID_VALUE;
    }
    (void)stream;  // the legacy default stream: everything runs in order, synchronously
    unsigned cap[3];
    max_grid(cap);
    const bool skip = std::getenv("MICROTORCH_FAKE_CUDA_SKIP_KERNELS") != nullptr;
    if (skip) cap[0] = cap[1] = cap[2] = 0;
    const unsigned grid[3] = {gx < cap[0] ? gx : cap[0], gy < cap[1] ? gy : cap[1],
                              gz < cap[2] ? gz : cap[2]};
    const unsigned block[3] = {bx, by, bz};
    const long long expected = f->launch(grid, block, buffer, size);
    if (expected != size) {
        std::fprintf(stderr, "fake libcuda: %s: %lld bytes of parameters, the kernel takes %lld\n",
                     f->name.c_str(), size, expected);
        return INVALID_VALUE;
    }
    std::lock_guard<std::mutex> lock(mutex);
    uintptr_t bad = 0;
    if (!skip && !guards_intact(&bad)) {
        std::fprintf(stderr, "fake libcuda: %s wrote outside the allocation at %#lx\n",
                     f->name.c_str(), static_cast<unsigned long>(bad));
        return ILLEGAL_ADDRESS;
    }
    return SUCCESS;
}

}  // extern "C"
