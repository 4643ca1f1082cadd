// reduce.cu: sum, prod, amax, amin over any set of dims, and argmax/argmin over one dim.
//
// Python (ops_reduce.py) views the input as a 2-D problem without moving data: M outputs
// ("outer", the kept dims) times N reduced elements ("inner", the reduced dims, which the
// stride arithmetic puts innermost whatever their position in memory). Two strategies:
//   NAME_rows: one block per output; its threads stride over the N elements together, then
//              combine with warp shuffles and shared memory. Good when the reduced elements
//              are contiguous (e.g. sum over the last dim).
//   NAME_cols: one thread per output, reducing its N elements alone. Good when neighbouring
//              outputs are neighbours in memory (e.g. sum over dim 0 of a row-major matrix):
//              a warp then reads 32 adjacent elements at each step.
// With few outputs and many elements, the N elements are split into chunks of `chunk`
// (grid-stride over blockIdx.y): chunk s writes a partial result at out + s * out_split_stride
// and a second launch reduces the partials.
//
// Layout slots: outer uses 0 for out and 1 for x; inner uses 0 for x.

#define MT_REDUCE_THREADS 256  // blockDim.x of every launch here (a multiple of 32)

// ---- block-wide reduction -----------------------------------------------------------------
// (value, index) pairs for argmax/argmin, with the shuffle they need.
struct ValIdx {
    scalar_t v;
    long long i;
};
__device__ __forceinline__ ValIdx shfl_down(ValIdx p, int delta) {
    ValIdx q;
    q.v = shfl_down(p.v, delta);
    q.i = shfl_down(p.i, delta);
    return q;
}

template <class T, class Op>
__device__ __forceinline__ T warp_reduce(T v, Op op) {
#pragma unroll
    for (int delta = 16; delta > 0; delta >>= 1) v = op(v, shfl_down(v, delta));
    return v;  // lane 0 holds the warp's result
}

// Every thread of the block must call this; thread 0 gets the result. `scratch` is a shared
// array of 32 (one slot per warp; 1024 threads at most).
template <class T, class Op>
__device__ T block_reduce(T v, Op op, T* scratch) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    v = warp_reduce(v, op);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    if (warp == 0) {
        v = lane < (int)(blockDim.x >> 5) ? scratch[lane] : Op::identity();
        v = warp_reduce(v, op);
    }
    __syncthreads();  // scratch is reused by the block's next output
    return v;
}

// Offset of reduced element j within one output's slice (fast path: one collapsed dim).
__device__ __forceinline__ long long inner_offset(long long j, const Layout& inner, int ndim) {
    if (ndim == 1) return j * inner.strides[0][MT_MAX_DIMS - 1];
    long long off[1];
    layout_offsets<1>(j, inner, ndim, off);
    return off[0];
}

// ---- the reductions -----------------------------------------------------------------------
struct SumOp {
    __device__ static scalar_t identity() { return 0; }
    __device__ scalar_t operator()(scalar_t a, scalar_t b) const { return a + b; }  // bool: OR
};
struct ProdOp {
    __device__ static scalar_t identity() { return 1; }
    __device__ scalar_t operator()(scalar_t a, scalar_t b) const { return a * b; }  // bool: AND
};
#if !MT_IS_COMPLEX  // complex numbers have no order: no max, min or arg reductions
struct MaxOp {  // NaN propagates
    __device__ static scalar_t identity() { return MT_LOWEST; }
    __device__ scalar_t operator()(scalar_t a, scalar_t b) const {
        return mt_isnan(a) ? a : (mt_isnan(b) ? b : (a > b ? a : b));
    }
};
struct MinOp {
    __device__ static scalar_t identity() { return MT_HIGHEST; }
    __device__ scalar_t operator()(scalar_t a, scalar_t b) const {
        return mt_isnan(a) ? a : (mt_isnan(b) ? b : (a < b ? a : b));
    }
};
#endif

// Four independent accumulators per thread keep four loads in flight (a single accumulator
// would make every load wait for the previous add). Reduction order differs from a
// sequential sum, as in every parallel reduction.
template <class Op>
__device__ void reduce_rows(scalar_t* out, const scalar_t* x, long long M, long long N,
                            long long chunk, long long out_split_stride, const Layout& outer,
                            int outer_ndim, const Layout& inner, int inner_ndim, Op op) {
    __shared__ scalar_t scratch[32];
    const long long step = blockDim.x;
    for (long long s = blockIdx.y; s * chunk < N; s += gridDim.y) {  // chunk s of N
        const long long begin = s * chunk;
        const long long end = begin + chunk < N ? begin + chunk : N;
        for (long long m = blockIdx.x; m < M; m += gridDim.x) {
            long long off[2];
            layout_offsets<2>(m, outer, outer_ndim, off);
            const scalar_t* slice = x + off[1];
            scalar_t acc0 = Op::identity(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
            long long j = begin + threadIdx.x;
            for (; j + 3 * step < end; j += 4 * step) {
                const scalar_t v0 = slice[inner_offset(j, inner, inner_ndim)];
                const scalar_t v1 = slice[inner_offset(j + step, inner, inner_ndim)];
                const scalar_t v2 = slice[inner_offset(j + 2 * step, inner, inner_ndim)];
                const scalar_t v3 = slice[inner_offset(j + 3 * step, inner, inner_ndim)];
                acc0 = op(acc0, v0);
                acc1 = op(acc1, v1);
                acc2 = op(acc2, v2);
                acc3 = op(acc3, v3);
            }
            for (; j < end; j += step) acc0 = op(acc0, slice[inner_offset(j, inner, inner_ndim)]);
            const scalar_t acc = block_reduce(op(op(acc0, acc1), op(acc2, acc3)), op, scratch);
            if (threadIdx.x == 0) out[off[0] + s * out_split_stride] = acc;
        }
    }
}

template <class Op>
__device__ void reduce_cols(scalar_t* out, const scalar_t* x, long long M, long long N,
                            long long chunk, long long out_split_stride, const Layout& outer,
                            int outer_ndim, const Layout& inner, int inner_ndim, Op op) {
    for (long long s = blockIdx.y; s * chunk < N; s += gridDim.y) {  // chunk s of N
        const long long begin = s * chunk;
        const long long end = begin + chunk < N ? begin + chunk : N;
        for (long long m = thread_index(); m < M; m += thread_count()) {
            long long off[2];
            layout_offsets<2>(m, outer, outer_ndim, off);
            const scalar_t* slice = x + off[1];
            scalar_t acc0 = Op::identity(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
            long long j = begin;
            for (; j + 3 < end; j += 4) {
                const scalar_t v0 = slice[inner_offset(j, inner, inner_ndim)];
                const scalar_t v1 = slice[inner_offset(j + 1, inner, inner_ndim)];
                const scalar_t v2 = slice[inner_offset(j + 2, inner, inner_ndim)];
                const scalar_t v3 = slice[inner_offset(j + 3, inner, inner_ndim)];
                acc0 = op(acc0, v0);
                acc1 = op(acc1, v1);
                acc2 = op(acc2, v2);
                acc3 = op(acc3, v3);
            }
            for (; j < end; ++j) acc0 = op(acc0, slice[inner_offset(j, inner, inner_ndim)]);
            out[off[0] + s * out_split_stride] = op(op(acc0, acc1), op(acc2, acc3));
        }
    }
}

#define MT_REDUCE(NAME, OP)                                                                  \
    extern "C" __global__ void NAME##_rows(scalar_t* out, const scalar_t* x, long long M,    \
                                           long long N, long long chunk,                     \
                                           long long out_split_stride, Layout outer,         \
                                           int outer_ndim, Layout inner, int inner_ndim) {   \
        reduce_rows(out, x, M, N, chunk, out_split_stride, outer, outer_ndim, inner,         \
                    inner_ndim, OP());                                                       \
    }                                                                                        \
    extern "C" __global__ void NAME##_cols(scalar_t* out, const scalar_t* x, long long M,    \
                                           long long N, long long chunk,                     \
                                           long long out_split_stride, Layout outer,         \
                                           int outer_ndim, Layout inner, int inner_ndim) {   \
        reduce_cols(out, x, M, N, chunk, out_split_stride, outer, outer_ndim, inner,         \
                    inner_ndim, OP());                                                       \
    }
MT_REDUCE(sum, SumOp)
MT_REDUCE(prod, ProdOp)
#if !MT_IS_COMPLEX
MT_REDUCE(amax, MaxOp)
MT_REDUCE(amin, MinOp)

// ---- argmax / argmin ----------------------------------------------------------------------
// NaN counts as the extreme value (first NaN wins, as in NumPy and PyTorch); equal values go
// to the lower index, so the result is the first occurrence whatever order threads combine in.
// The identity's index is MT_NO_INDEX, so it loses every tie against a real element.
struct ArgMaxOp {
    __device__ static ValIdx identity() { return ValIdx{MT_LOWEST, MT_NO_INDEX}; }
    __device__ ValIdx operator()(ValIdx a, ValIdx b) const {
        const bool an = mt_isnan(a.v), bn = mt_isnan(b.v);
        if (an != bn) return an ? a : b;
        if (!an && a.v != b.v) return a.v > b.v ? a : b;
        return a.i <= b.i ? a : b;
    }
};
struct ArgMinOp {
    __device__ static ValIdx identity() { return ValIdx{MT_HIGHEST, MT_NO_INDEX}; }
    __device__ ValIdx operator()(ValIdx a, ValIdx b) const {
        const bool an = mt_isnan(a.v), bn = mt_isnan(b.v);
        if (an != bn) return an ? a : b;
        if (!an && a.v != b.v) return a.v < b.v ? a : b;
        return a.i <= b.i ? a : b;
    }
};

// Argument reductions run over one dim (N elements `stride` apart), never split.
template <class Op>
__device__ void arg_rows(long long* out, const scalar_t* x, long long M, long long N,
                         long long stride, const Layout& outer, int outer_ndim, Op op) {
    __shared__ ValIdx scratch[32];
    for (long long m = blockIdx.x; m < M; m += gridDim.x) {
        long long off[2];
        layout_offsets<2>(m, outer, outer_ndim, off);
        ValIdx acc = Op::identity();
        for (long long j = threadIdx.x; j < N; j += blockDim.x)
            acc = op(acc, ValIdx{x[off[1] + j * stride], j});
        acc = block_reduce(acc, op, scratch);
        if (threadIdx.x == 0) out[off[0]] = acc.i;
    }
}

template <class Op>
__device__ void arg_cols(long long* out, const scalar_t* x, long long M, long long N,
                         long long stride, const Layout& outer, int outer_ndim, Op op) {
    for (long long m = thread_index(); m < M; m += thread_count()) {
        long long off[2];
        layout_offsets<2>(m, outer, outer_ndim, off);
        ValIdx acc = Op::identity();
        for (long long j = 0; j < N; ++j) acc = op(acc, ValIdx{x[off[1] + j * stride], j});
        out[off[0]] = acc.i;
    }
}

#define MT_ARG_REDUCE(NAME, OP)                                                              \
    extern "C" __global__ void NAME##_rows(long long* out, const scalar_t* x, long long M,   \
                                           long long N, long long stride, Layout outer,      \
                                           int outer_ndim) {                                 \
        arg_rows(out, x, M, N, stride, outer, outer_ndim, OP());                             \
    }                                                                                        \
    extern "C" __global__ void NAME##_cols(long long* out, const scalar_t* x, long long M,   \
                                           long long N, long long stride, Layout outer,      \
                                           int outer_ndim) {                                 \
        arg_cols(out, x, M, N, stride, outer, outer_ndim, OP());                             \
    }
MT_ARG_REDUCE(argmax, ArgMaxOp)
MT_ARG_REDUCE(argmin, ArgMinOp)
#endif
