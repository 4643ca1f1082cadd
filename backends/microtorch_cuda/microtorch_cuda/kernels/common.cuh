// common.cuh: definitions shared by every MicroTorch kernel family.
//
// Python (compiler.py) compiles each family once per dtype. It prepends a preamble that fixes
// the element type, e.g. for float32:
//     typedef float scalar_t;
//     typedef float real_t;     // the parts' type for a complex dtype, else scalar_t
//     #define MT_IS_FLOAT 1
//     #define MT_IS_BOOL 0
//     #define MT_IS_COMPLEX 0           // 1 for complex64 (mt_complex<float>), complex128
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
MT_MATH_1(mt_sinh, sinhf, sinh)
MT_MATH_1(mt_cosh, coshf, cosh)
MT_MATH_1(mt_tan, tanf, tan)
#undef MT_MATH_1
#define MT_MATH_2(NAME, F32, F64)                                                     \
    __device__ __forceinline__ float NAME(float a, float b) { return F32(a, b); }     \
    __device__ __forceinline__ double NAME(double a, double b) { return F64(a, b); }
MT_MATH_2(mt_pow, powf, pow)
MT_MATH_2(mt_atan2, atan2f, atan2)
MT_MATH_2(mt_hypot, hypotf, hypot)
MT_MATH_2(mt_copysign, copysignf, copysign)
#undef MT_MATH_2

// ---- complex numbers ----------------------------------------------------------------------
// complex64 and complex128 elements: two parts side by side, the memory layout of NumPy's and
// PyTorch's complex dtypes. An aggregate with a defaulted constructor, so that it may live in
// __shared__ memory (CUDA forbids dynamic initialisation there); the other constructors make
// "scalar_t acc = 0" and the C casts of copy work as for real types.
template <class R>
struct mt_complex {
    R re, im;
    mt_complex() = default;
    __host__ __device__ constexpr mt_complex(R re_, R im_ = 0) : re(re_), im(im_) {}
    template <class S>  // complex64 <-> complex128
    __host__ __device__ constexpr explicit mt_complex(mt_complex<S> z)
        : re(R(z.re)), im(R(z.im)) {}
    __device__ mt_complex& operator+=(mt_complex b) {
        re += b.re;
        im += b.im;
        return *this;
    }
};
template <class R>
__device__ __forceinline__ mt_complex<R> operator+(mt_complex<R> a, mt_complex<R> b) {
    return mt_complex<R>(a.re + b.re, a.im + b.im);
}
template <class R>
__device__ __forceinline__ mt_complex<R> operator-(mt_complex<R> a, mt_complex<R> b) {
    return mt_complex<R>(a.re - b.re, a.im - b.im);
}
template <class R>
__device__ __forceinline__ mt_complex<R> operator-(mt_complex<R> a) {
    return mt_complex<R>(-a.re, -a.im);
}
template <class R>  // the textbook product, as NumPy computes it
__device__ __forceinline__ mt_complex<R> operator*(mt_complex<R> a, mt_complex<R> b) {
    return mt_complex<R>(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re);
}
// Smith's division (NumPy's): dividing through by the larger part of b avoids the overflow
// of |b|^2 in a * conj(b) / |b|^2. Division by 0 gives inf/nan parts as NumPy's does.
template <class R>
__device__ __forceinline__ mt_complex<R> operator/(mt_complex<R> a, mt_complex<R> b) {
    if (mt_fabs(b.re) >= mt_fabs(b.im)) {
        if (b.re == 0 && b.im == 0)
            return mt_complex<R>(a.re / mt_fabs(b.re), a.im / mt_fabs(b.re));
        const R rat = b.im / b.re, scl = R(1) / (b.re + b.im * rat);
        return mt_complex<R>((a.re + a.im * rat) * scl, (a.im - a.re * rat) * scl);
    }
    const R rat = b.re / b.im, scl = R(1) / (b.im + b.re * rat);
    return mt_complex<R>((a.re * rat + a.im) * scl, (a.im * rat - a.re) * scl);
}
template <class R>
__device__ __forceinline__ bool operator==(mt_complex<R> a, mt_complex<R> b) {
    return a.re == b.re && a.im == b.im;
}
template <class R>
__device__ __forceinline__ bool operator!=(mt_complex<R> a, mt_complex<R> b) {
    return !(a == b);
}

// The functions, from real math, with C99's (and NumPy's) principal branches: the cut of log,
// sqrt and pow along the negative real axis, where the sign of a zero imaginary part picks
// the side (log(-1 - 0i) = -pi i).
template <class R>
__device__ __forceinline__ R cabs(mt_complex<R> z) { return mt_hypot(z.re, z.im); }
template <class R>
__device__ __forceinline__ mt_complex<R> cexp(mt_complex<R> z) {
    const R m = mt_exp(z.re);
    if (z.im == 0) return mt_complex<R>(m, z.im);  // exact for real z, keeping the zero's sign
    return mt_complex<R>(m * mt_cos(z.im), m * mt_sin(z.im));
}
template <class R>
__device__ __forceinline__ mt_complex<R> clog(mt_complex<R> z) {
    return mt_complex<R>(mt_log(cabs(z)), mt_atan2(z.im, z.re));
}
// sqrt from the half-angle formulas, each part from a sum (never a difference) so that no
// digits cancel: t = sqrt((|re| + |z|) / 2) is the larger part of the root.
template <class R>
__device__ __forceinline__ mt_complex<R> csqrt(mt_complex<R> z) {
    if (z.re == 0 && z.im == 0) return mt_complex<R>(0, z.im);
    const R t = mt_sqrt((mt_fabs(z.re) + cabs(z)) / 2);
    if (z.re >= 0) return mt_complex<R>(t, z.im / (2 * t));
    return mt_complex<R>(mt_fabs(z.im) / (2 * t), mt_copysign(t, z.im));
}
template <class R>
__device__ __forceinline__ mt_complex<R> csin(mt_complex<R> z) {
    return mt_complex<R>(mt_sin(z.re) * mt_cosh(z.im), mt_cos(z.re) * mt_sinh(z.im));
}
template <class R>
__device__ __forceinline__ mt_complex<R> ccos(mt_complex<R> z) {
    return mt_complex<R>(mt_cos(z.re) * mt_cosh(z.im), -(mt_sin(z.re) * mt_sinh(z.im)));
}
// tanh by Kahan's formula (as in FreeBSD's ctanh, which NumPy follows): no cosh(2 re) that
// overflows to inf/inf for large |re|, where tanh is +-1 + a tiny imaginary part.
template <class R>
__device__ __forceinline__ mt_complex<R> ctanh(mt_complex<R> z) {
    const R big = sizeof(R) == 4 ? R(9) : R(22);  // past it, tanh(re) rounds to +-1
    if (mt_fabs(z.re) > big) {
        const R e = mt_exp(-2 * mt_fabs(z.re));
        return mt_complex<R>(mt_copysign(R(1), z.re), 4 * mt_sin(z.im) * mt_cos(z.im) * e);
    }
    const R t = mt_tan(z.im), beta = 1 + t * t, s = mt_sinh(z.re), rho = mt_sqrt(1 + s * s);
    const R denom = 1 + beta * s * s;
    return mt_complex<R>(beta * rho * s / denom, t / denom);
}
// a^b = exp(b log a), with NumPy's special cases: a^0 = 1, 0^b = 0 when Re b > 0 (nan for
// other b), and small integer powers by repeated squaring (exact for Gaussian integers).
template <class R>
__device__ mt_complex<R> cpow(mt_complex<R> a, mt_complex<R> b) {
    if (b.re == 0 && b.im == 0) return mt_complex<R>(1, 0);
    if (a.re == 0 && a.im == 0) {
        if (b.re > 0) return mt_complex<R>(0, 0);
        const R nan = R(0) / R(0);
        return mt_complex<R>(nan, nan);
    }
    // (Converting b.re to an integer is undefined past the integer's range: test the range
    // first.)
    const long long n = mt_fabs(b.re) < 100 ? (long long)b.re : 0;
    if (b.im == 0 && b.re == (R)n && n != 0) {
        mt_complex<R> result(1, 0), base = a;
        for (long long e = n < 0 ? -n : n; e; e >>= 1) {
            if (e & 1) result = result * base;
            base = base * base;
        }
        return n < 0 ? mt_complex<R>(1, 0) / result : result;
    }
    return cexp(b * clog(a));
}

// Warp shuffle for every element type we reduce (CUDA has no bool overload).
template <class T>
__device__ __forceinline__ T shfl_down(T v, int delta) {
    return __shfl_down_sync(0xffffffffu, v, delta);
}
__device__ __forceinline__ bool shfl_down(bool v, int delta) {
    return __shfl_down_sync(0xffffffffu, (int)v, delta) != 0;
}
template <class R>  // nor a struct one: shuffle the parts
__device__ __forceinline__ mt_complex<R> shfl_down(mt_complex<R> v, int delta) {
    return mt_complex<R>(__shfl_down_sync(0xffffffffu, v.re, delta),
                         __shfl_down_sync(0xffffffffu, v.im, delta));
}
