// elementwise.cu: fill, copy/cast, unary, binary (arithmetic and bitwise), comparison and where
// for one dtype. A complex dtype (MT_IS_COMPLEX) gets the ops PyTorch defines on complex
// numbers: fill, copy, where, neg, abs, exp, log, sqrt, sin, cos, tanh, + - * / pow, == !=.
//
// Every op has two entry points, found by name from Python:
//   NAME_contig (out, <input pointers>, <scalar values>, long long n)
//   NAME_strided(out, <input pointers>, <scalar values>, long long n, Layout layout, int ndim)
// The contiguous one is the fast path (every tensor operand dense and in the same order); the
// strided one honours any strides, including 0 (broadcast). Layout operand slots: 0 is out,
// then the inputs in order. A binary/where input pointer may be null: the operand is then the
// Python scalar passed as its value.

// ---- generic loops ------------------------------------------------------------------------
// Contiguous loops give each thread MT_ILP elements per grid-stride step, blockDim.x apart (so
// a warp's accesses stay coalesced), and load all of them before storing any: several
// independent loads in flight per thread are what lets a simple kernel reach copy bandwidth.
// Loading first also keeps in-place ops (out == an input) correct.
#define MT_ILP 4

__device__ __forceinline__ long long ilp_base() {
    return (long long)blockIdx.x * blockDim.x * MT_ILP + threadIdx.x;
}
__device__ __forceinline__ long long ilp_step() { return thread_count() * MT_ILP; }

template <class Out, class In, class Op>
__device__ void unary_contig(Out* out, const In* x, long long n, Op op) {
    for (long long base = ilp_base(); base < n; base += ilp_step()) {
        In v[MT_ILP];
#pragma unroll
        for (int u = 0; u < MT_ILP; ++u) {
            const long long i = base + (long long)u * blockDim.x;
            if (i < n) v[u] = x[i];
        }
#pragma unroll
        for (int u = 0; u < MT_ILP; ++u) {
            const long long i = base + (long long)u * blockDim.x;
            if (i < n) out[i] = op(v[u]);
        }
    }
}

template <class Out, class In, class Op>
__device__ void unary_strided(Out* out, const In* x, long long n, const Layout& layout, int ndim,
                              Op op) {
    for (long long i = thread_index(); i < n; i += thread_count()) {
        long long off[2];
        layout_offsets<2>(i, layout, ndim, off);
        out[off[0]] = op(x[off[1]]);
    }
}

template <class Out, class Op>
__device__ void binary_contig(Out* out, Operand<scalar_t> a, Operand<scalar_t> b, long long n,
                              Op op) {
    for (long long base = ilp_base(); base < n; base += ilp_step()) {
        scalar_t va[MT_ILP], vb[MT_ILP];
#pragma unroll
        for (int u = 0; u < MT_ILP; ++u) {
            const long long i = base + (long long)u * blockDim.x;
            if (i < n) {
                va[u] = a.at(i);
                vb[u] = b.at(i);
            }
        }
#pragma unroll
        for (int u = 0; u < MT_ILP; ++u) {
            const long long i = base + (long long)u * blockDim.x;
            if (i < n) out[i] = op(va[u], vb[u]);
        }
    }
}

template <class Out, class Op>
__device__ void binary_strided(Out* out, Operand<scalar_t> a, Operand<scalar_t> b, long long n,
                               const Layout& layout, int ndim, Op op) {
    for (long long i = thread_index(); i < n; i += thread_count()) {
        long long off[3];
        layout_offsets<3>(i, layout, ndim, off);
        out[off[0]] = op(a.at(off[1]), b.at(off[2]));
    }
}

// ---- fill, copy/cast, where ---------------------------------------------------------------
extern "C" __global__ void fill_contig(scalar_t* out, scalar_t value, long long n) {
    for (long long i = thread_index(); i < n; i += thread_count()) out[i] = value;
}

extern "C" __global__ void fill_strided(scalar_t* out, scalar_t value, long long n,
                                        Layout layout, int ndim) {
    for (long long i = thread_index(); i < n; i += thread_count()) {
        long long off[1];
        layout_offsets<1>(i, layout, ndim, off);
        out[off[0]] = value;
    }
}

// C++ conversions are the cast rules we want: float to int truncates toward zero, and any
// value to bool is "!= 0" (NaN included, as in NumPy).
template <class From>
struct Cast {
    __device__ __forceinline__ scalar_t operator()(From x) const { return (scalar_t)x; }
};

#define MT_COPY_FROM(SRC_NAME, SRC_T)                                                        \
    extern "C" __global__ void copy_from_##SRC_NAME##_contig(scalar_t* out, const SRC_T* x,  \
                                                             long long n) {                  \
        unary_contig(out, x, n, Cast<SRC_T>());                                              \
    }                                                                                        \
    extern "C" __global__ void copy_from_##SRC_NAME##_strided(                               \
        scalar_t* out, const SRC_T* x, long long n, Layout layout, int ndim) {              \
        unary_strided(out, x, n, layout, ndim, Cast<SRC_T>());                               \
    }
MT_COPY_FROM(bool, bool)
MT_COPY_FROM(int32, int)
MT_COPY_FROM(int64, long long)
MT_COPY_FROM(float32, float)
MT_COPY_FROM(float64, double)

#if MT_IS_COMPLEX
// A complex module also converts between the complex dtypes, and out to every real dtype:
// keeping the real part, as PyTorch's cast does (so bool is "real part != 0").
MT_COPY_FROM(complex64, mt_complex<float>)
MT_COPY_FROM(complex128, mt_complex<double>)

template <class To>
struct RealPart {
    __device__ __forceinline__ To operator()(scalar_t z) const { return (To)z.re; }
};
#define MT_COPY_TO(DST_NAME, DST_T)                                                          \
    extern "C" __global__ void copy_to_##DST_NAME##_contig(DST_T* out, const scalar_t* x,    \
                                                           long long n) {                    \
        unary_contig(out, x, n, RealPart<DST_T>());                                          \
    }                                                                                        \
    extern "C" __global__ void copy_to_##DST_NAME##_strided(                                 \
        DST_T* out, const scalar_t* x, long long n, Layout layout, int ndim) {              \
        unary_strided(out, x, n, layout, ndim, RealPart<DST_T>());                           \
    }
MT_COPY_TO(bool, bool)
MT_COPY_TO(int32, int)
MT_COPY_TO(int64, long long)
MT_COPY_TO(float32, float)
MT_COPY_TO(float64, double)
#endif

extern "C" __global__ void where_contig(scalar_t* out, const bool* cond, const scalar_t* a,
                                        const scalar_t* b, scalar_t a_value, scalar_t b_value,
                                        long long n) {
    const Operand<scalar_t> ua{a, a_value}, ub{b, b_value};
    for (long long i = thread_index(); i < n; i += thread_count())
        out[i] = cond[i] ? ua.at(i) : ub.at(i);
}

extern "C" __global__ void where_strided(scalar_t* out, const bool* cond, const scalar_t* a,
                                         const scalar_t* b, scalar_t a_value, scalar_t b_value,
                                         long long n, Layout layout, int ndim) {
    const Operand<scalar_t> ua{a, a_value}, ub{b, b_value};
    for (long long i = thread_index(); i < n; i += thread_count()) {
        long long off[4];
        layout_offsets<4>(i, layout, ndim, off);
        out[off[0]] = cond[off[1]] ? ua.at(off[2]) : ub.at(off[3]);
    }
}

// ---- unary ops ----------------------------------------------------------------------------
#define MT_UNARY_TO(NAME, OUT_T, OP)                                                         \
    extern "C" __global__ void NAME##_contig(OUT_T* out, const scalar_t* x, long long n) {    \
        unary_contig(out, x, n, OP());                                                       \
    }                                                                                        \
    extern "C" __global__ void NAME##_strided(OUT_T* out, const scalar_t* x, long long n,    \
                                              Layout layout, int ndim) {                     \
        unary_strided(out, x, n, layout, ndim, OP());                                        \
    }
#define MT_UNARY(NAME, OP) MT_UNARY_TO(NAME, scalar_t, OP)

// One functor per op: the math is one line each.
#define MT_FUNCTOR_1(STRUCT, EXPR)                                                 \
    struct STRUCT {                                                                \
        __device__ __forceinline__ scalar_t operator()(scalar_t x) const { return (EXPR); } \
    };

#if MT_IS_COMPLEX
// |z| is real: the kernel writes real_t (float32 for complex64), as PyTorch's abs does.
struct Abs {
    __device__ __forceinline__ real_t operator()(scalar_t z) const { return cabs(z); }
};
MT_UNARY_TO(abs, real_t, Abs)
#else
#if MT_IS_FLOAT
MT_FUNCTOR_1(Abs, mt_fabs(x))  // fabs, not x < 0 ? -x : x, so that |-0.0| is +0.0
#elif MT_IS_BOOL
MT_FUNCTOR_1(Abs, x)  // |x| of a bool is the bool itself
#else
MT_FUNCTOR_1(Abs, x < 0 ? (scalar_t)(-x) : x)
#endif
MT_UNARY(abs, Abs)
#endif

#if !MT_IS_BOOL
MT_FUNCTOR_1(Neg, (scalar_t)(-x))
MT_UNARY(neg, Neg)
#endif
#if MT_IS_BOOL
MT_FUNCTOR_1(Sign, x)  // sign of a bool is the bool itself, as in PyTorch
MT_UNARY(sign, Sign)
#elif !MT_IS_COMPLEX  // PyTorch has sgn, z / |z|, for complex: a composite in the core
MT_FUNCTOR_1(Sign, mt_isnan(x) ? x : (scalar_t)((x > 0) - (x < 0)))
MT_UNARY(sign, Sign)
#endif

#if MT_IS_COMPLEX
MT_FUNCTOR_1(Exp, cexp(x))
MT_FUNCTOR_1(Log, clog(x))
MT_FUNCTOR_1(Sqrt, csqrt(x))
MT_FUNCTOR_1(Sin, csin(x))
MT_FUNCTOR_1(Cos, ccos(x))
MT_FUNCTOR_1(Tanh, ctanh(x))
MT_UNARY(exp, Exp)
MT_UNARY(log, Log)
MT_UNARY(sqrt, Sqrt)
MT_UNARY(sin, Sin)
MT_UNARY(cos, Cos)
MT_UNARY(tanh, Tanh)
#endif

#if MT_IS_FLOAT
MT_FUNCTOR_1(Exp, mt_exp(x))
MT_FUNCTOR_1(Log, mt_log(x))
MT_FUNCTOR_1(Sqrt, mt_sqrt(x))
MT_FUNCTOR_1(Sin, mt_sin(x))
MT_FUNCTOR_1(Cos, mt_cos(x))
MT_FUNCTOR_1(Tanh, mt_tanh(x))
MT_FUNCTOR_1(Erf, mt_erf(x))
// Exponentiate only -|x|, so e is in (0, 1] and never overflows; NaN stays NaN.
MT_FUNCTOR_1(Sigmoid, x >= 0 ? 1 / (1 + mt_exp(-x)) : mt_exp(x) / (1 + mt_exp(x)))
MT_UNARY(exp, Exp)
MT_UNARY(log, Log)
MT_UNARY(sqrt, Sqrt)
MT_UNARY(sin, Sin)
MT_UNARY(cos, Cos)
MT_UNARY(tanh, Tanh)
MT_UNARY(erf, Erf)
MT_UNARY(sigmoid, Sigmoid)
#endif

#if MT_IS_BOOL
MT_FUNCTOR_1(BitwiseNot, !x)  // ~ on a bool would give the int -2 or -1, both "true"
MT_UNARY(bitwise_not, BitwiseNot)
#elif !MT_IS_FLOAT && !MT_IS_COMPLEX
MT_FUNCTOR_1(BitwiseNot, (scalar_t)(~x))
MT_UNARY(bitwise_not, BitwiseNot)
#endif

// ---- binary and comparison ops ------------------------------------------------------------
#define MT_BINARY(NAME, OUT_T, OP)                                                           \
    extern "C" __global__ void NAME##_contig(OUT_T* out, const scalar_t* a, const scalar_t* b, \
                                             scalar_t a_value, scalar_t b_value, long long n) { \
        binary_contig(out, Operand<scalar_t>{a, a_value}, Operand<scalar_t>{b, b_value}, n,  \
                      OP());                                                                 \
    }                                                                                        \
    extern "C" __global__ void NAME##_strided(OUT_T* out, const scalar_t* a,                 \
                                              const scalar_t* b, scalar_t a_value,           \
                                              scalar_t b_value, long long n, Layout layout,  \
                                              int ndim) {                                    \
        binary_strided(out, Operand<scalar_t>{a, a_value}, Operand<scalar_t>{b, b_value}, n, \
                       layout, ndim, OP());                                                  \
    }

#define MT_FUNCTOR_2(STRUCT, OUT_T, EXPR)                                                   \
    struct STRUCT {                                                                         \
        __device__ __forceinline__ OUT_T operator()(scalar_t a, scalar_t b) const {         \
            return (EXPR);                                                                  \
        }                                                                                   \
    };

// For bool, C++ promotes to int and converts back with "!= 0": add is OR, mul is AND, and
// max/min are OR/AND as well, which is what PyTorch does.
MT_FUNCTOR_2(Add, scalar_t, a + b)
MT_FUNCTOR_2(Mul, scalar_t, a * b)
MT_BINARY(add, scalar_t, Add)
MT_BINARY(mul, scalar_t, Mul)
#if !MT_IS_COMPLEX  // complex numbers have no order
// NaN wins in maximum/minimum (PyTorch and NumPy propagate it).
MT_FUNCTOR_2(Maximum, scalar_t, mt_isnan(a) ? a : (mt_isnan(b) ? b : (a > b ? a : b)))
MT_FUNCTOR_2(Minimum, scalar_t, mt_isnan(a) ? a : (mt_isnan(b) ? b : (a < b ? a : b)))
MT_BINARY(maximum, scalar_t, Maximum)
MT_BINARY(minimum, scalar_t, Minimum)
#endif

#if !MT_IS_BOOL
MT_FUNCTOR_2(Sub, scalar_t, a - b)
MT_BINARY(sub, scalar_t, Sub)
#endif

#if MT_IS_COMPLEX
MT_FUNCTOR_2(Div, scalar_t, a / b)
MT_FUNCTOR_2(Pow, scalar_t, cpow(a, b))
MT_BINARY(div, scalar_t, Div)
MT_BINARY(pow, scalar_t, Pow)
#elif MT_IS_FLOAT
MT_FUNCTOR_2(Div, scalar_t, a / b)
MT_FUNCTOR_2(Pow, scalar_t, mt_pow(a, b))
MT_BINARY(div, scalar_t, Div)
MT_BINARY(pow, scalar_t, Pow)
#elif !MT_IS_BOOL
// Integer power by squaring. Arithmetic is done in unsigned 64 bits so that overflow wraps
// (as on the CPU) instead of being undefined; the low bits are the same either way.
// A negative exponent gives the truncated value of 1 / a^|b|: 0 unless a is 1 or -1.
struct Pow {
    __device__ scalar_t operator()(scalar_t a, scalar_t b) const {
        if (b < 0) return a == 1 ? 1 : (a == -1 ? ((b & 1) ? -1 : 1) : 0);
        unsigned long long result = 1, base = (unsigned long long)a;
        for (unsigned long long e = (unsigned long long)b; e; e >>= 1) {
            if (e & 1) result *= base;
            base *= base;
        }
        return (scalar_t)result;
    }
};
MT_BINARY(pow, scalar_t, Pow)
#endif

// ---- bitwise ops (integer and bool; shifts integer only) ----------------------------------
#if !MT_IS_FLOAT && !MT_IS_COMPLEX
// For bool, C++ computes & | ^ on the promoted ints 0/1, which is the logical op.
MT_FUNCTOR_2(BitwiseAnd, scalar_t, (scalar_t)(a & b))
MT_FUNCTOR_2(BitwiseOr, scalar_t, (scalar_t)(a | b))
MT_FUNCTOR_2(BitwiseXor, scalar_t, (scalar_t)(a ^ b))
MT_BINARY(bitwise_and, scalar_t, BitwiseAnd)
MT_BINARY(bitwise_or, scalar_t, BitwiseOr)
MT_BINARY(bitwise_xor, scalar_t, BitwiseXor)
#endif

#if !MT_IS_FLOAT && !MT_IS_BOOL && !MT_IS_COMPLEX
// C leaves a shift by a negative count or by the bit width or more undefined (x86 masks the
// count, so 1 << 64 would be 1); PyTorch defines both, and so do we. The left shift runs on
// unsigned 64 bits so that shifting into or past the sign bit wraps instead of being
// undefined; converting back keeps the low bits.
#define MT_BITS ((scalar_t)(sizeof(scalar_t) * 8))
MT_FUNCTOR_2(LeftShift, scalar_t,
             (b < 0 || b >= MT_BITS) ? (scalar_t)0
                                     : (scalar_t)((unsigned long long)a << b))
// >> of a negative signed value is arithmetic (the sign bit fills in) in CUDA and g++.
MT_FUNCTOR_2(RightShift, scalar_t, (scalar_t)(a >> ((b < 0 || b >= MT_BITS) ? MT_BITS - 1 : b)))
MT_BINARY(bitwise_left_shift, scalar_t, LeftShift)
MT_BINARY(bitwise_right_shift, scalar_t, RightShift)
#undef MT_BITS
#endif

MT_FUNCTOR_2(Eq, bool, a == b)
MT_FUNCTOR_2(Ne, bool, a != b)
MT_BINARY(eq, bool, Eq)
MT_BINARY(ne, bool, Ne)
#if !MT_IS_COMPLEX
MT_FUNCTOR_2(Lt, bool, a < b)
MT_FUNCTOR_2(Le, bool, a <= b)
MT_FUNCTOR_2(Gt, bool, a > b)
MT_FUNCTOR_2(Ge, bool, a >= b)
MT_BINARY(lt, bool, Lt)
MT_BINARY(le, bool, Le)
MT_BINARY(gt, bool, Gt)
MT_BINARY(ge, bool, Ge)
#endif
