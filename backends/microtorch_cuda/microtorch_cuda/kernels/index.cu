// index.cu: gather, scatter and scatter_add along one dim.
//
// All three walk the elements of `index` (int64, same shape as the dense side). The Layout
// carries the strides of the three tensors over index's shape, with the indexed tensor's
// stride along `dim` set to 0 by Python; the kernel adds index * dim_stride instead. Negative
// indices count from the end, as in PyTorch (the core has already checked the range).

__device__ __forceinline__ long long wrap_index(long long k, long long size) {
    return k < 0 ? k + size : k;
}

// gather: out[p] = x[p with p[dim] = index[p]]. Layout slots: 0 out, 1 index, 2 x.
extern "C" __global__ void gather(scalar_t* out, const scalar_t* x, const long long* index,
                                  long long n, long long x_dim_stride, long long x_dim_size,
                                  Layout layout, int ndim) {
    for (long long i = thread_index(); i < n; i += thread_count()) {
        long long off[3];
        layout_offsets<3>(i, layout, ndim, off);
        const long long k = wrap_index(index[off[1]], x_dim_size);
        out[off[0]] = x[off[2] + k * x_dim_stride];
    }
}

// scatter: out[p with p[dim] = index[p]] = src[p]. With repeated indices one write wins
// (which one is unspecified, as in PyTorch). Layout slots: 0 src, 1 index, 2 out.
extern "C" __global__ void scatter(scalar_t* out, const scalar_t* src, const long long* index,
                                   long long n, long long out_dim_stride, long long out_dim_size,
                                   Layout layout, int ndim) {
    for (long long i = thread_index(); i < n; i += thread_count()) {
        long long off[3];
        layout_offsets<3>(i, layout, ndim, off);
        const long long k = wrap_index(index[off[1]], out_dim_size);
        out[off[2] + k * out_dim_stride] = src[off[0]];
    }
}

#if !MT_IS_BOOL
// Repeated indices must accumulate, so the add is atomic. CUDA has atomicAdd for int, float
// and double (sm_60+); int64 goes through the unsigned 64-bit overload, which gives the same
// bits in two's complement. (bool has no meaningful += and is rejected in Python.)
__device__ __forceinline__ void atomic_add(float* p, float v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(double* p, double v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(int* p, int v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(long long* p, long long v) {
    atomicAdd((unsigned long long*)p, (unsigned long long)v);
}
// Complex addition is two independent real additions, so two atomics add correctly (another
// thread may see one part added before the other, but nobody reads until the kernel ends).
template <class R>
__device__ __forceinline__ void atomic_add(mt_complex<R>* p, mt_complex<R> v) {
    atomicAdd(&p->re, v.re);
    atomicAdd(&p->im, v.im);
}

extern "C" __global__ void scatter_add(scalar_t* out, const scalar_t* src,
                                       const long long* index, long long n,
                                       long long out_dim_stride, long long out_dim_size,
                                       Layout layout, int ndim) {
    for (long long i = thread_index(); i < n; i += thread_count()) {
        long long off[3];
        layout_offsets<3>(i, layout, ndim, off);
        const long long k = wrap_index(index[off[1]], out_dim_size);
        atomic_add(out + off[2] + k * out_dim_stride, src[off[0]]);
    }
}
#endif
