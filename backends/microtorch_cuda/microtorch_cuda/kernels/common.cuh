// common.cuh: definitions shared by every MicroTorch kernel family.
//
// Python (compiler.py) compiles each family once per dtype. It prepends a preamble that fixes
// the element type, e.g. for float32:
//     typedef float scalar_t;
//     #define MT_IS_FLOAT 1
//     #define MT_IS_BOOL 0
//     #define MT_LOWEST (-__int_as_float(0x7f800000))   // identity of max
//     #define MT_HIGHEST (__int_as_float(0x7f800000))   // identity of min
// then this file, then the family's own .cu file. The result is plain CUDA C++ compiled with
// SourceModule(no_extern_c=True): helpers may use templates and overloads, and entry points
// are declared extern "C" so that Python finds them by their plain names.

#define MT_MAX_DIMS 8
#define MT_MAX_OPERANDS 4
#define MT_NO_INDEX 9223372036854775807LL

// The iteration space of a strided kernel: a shape and, for each operand, its strides in
// elements (0 for a broadcast dim). Dims are right-aligned: a space of ndim dims uses indices
// MT_MAX_DIMS - ndim .. MT_MAX_DIMS - 1, so loops over dims have constant bounds and unroll.
// Python (layout.py) packs it as 8 + 4 * 8 int64 kernel arguments in this order.
struct Layout {
    long long shape[MT_MAX_DIMS];
    long long strides[MT_MAX_OPERANDS][MT_MAX_DIMS];
};

// Offsets (in elements) of linear element i, row-major over the layout's shape, in each of the
// first N operands. 64-bit throughout: tensors may have more than 2^31 elements.
template <int N>
__device__ __forceinline__ void layout_offsets(long long i, const Layout& layout, int ndim,
                                               long long (&off)[N]) {
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = 0;
#pragma unroll
    for (int d = MT_MAX_DIMS - 1; d >= 0; --d) {
        if (d < MT_MAX_DIMS - ndim) break;
        const long long size = layout.shape[d];
        const long long idx = i % size;
        i /= size;
#pragma unroll
        for (int k = 0; k < N; ++k) off[k] += idx * layout.strides[k][d];
    }
}

// Grid-stride loops: a kernel works for any grid size, so Python can cap the grid (gridDim.x
// and especially gridDim.y/z have hardware limits) and each thread then takes several items.
__device__ __forceinline__ long long thread_index() {
    return (long long)blockIdx.x * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ long long thread_count() {
    return (long long)gridDim.x * blockDim.x;
}

// An elementwise input: a tensor (p != nullptr) or a Python scalar used everywhere (v). The
// test is the same for every thread of a launch, so it costs no divergence.
template <class T>
struct Operand {
    const T* p;
    T v;
    __device__ __forceinline__ T at(long long off) const { return p ? p[off] : v; }
};

// NaN test that also compiles for integer and bool element types (always false there).
template <class T>
__device__ __forceinline__ bool mt_isnan(T x) { return x != x; }

// Math functions by overload, so one functor serves float and double. Integer and bool
// modules never call them: the ops that need them are compiled for floating dtypes only.
#define MT_MATH_1(NAME, F32, F64)                                              \
    __device__ __forceinline__ float NAME(float x) { return F32(x); }          \
    __device__ __forceinline__ double NAME(double x) { return F64(x); }
MT_MATH_1(mt_exp, expf, exp)
MT_MATH_1(mt_log, logf, log)
MT_MATH_1(mt_sqrt, sqrtf, sqrt)
MT_MATH_1(mt_sin, sinf, sin)
MT_MATH_1(mt_cos, cosf, cos)
MT_MATH_1(mt_tanh, tanhf, tanh)
MT_MATH_1(mt_erf, erff, erf)
MT_MATH_1(mt_fabs, fabsf, fabs)
#undef MT_MATH_1
__device__ __forceinline__ float mt_pow(float a, float b) { return powf(a, b); }
__device__ __forceinline__ double mt_pow(double a, double b) { return pow(a, b); }

// Warp shuffle for every element type we reduce (CUDA has no bool overload).
template <class T>
__device__ __forceinline__ T shfl_down(T v, int delta) {
    return __shfl_down_sync(0xffffffffu, v, delta);
}
__device__ __forceinline__ bool shfl_down(bool v, int delta) {
    return __shfl_down_sync(0xffffffffu, (int)v, delta) != 0;
}
