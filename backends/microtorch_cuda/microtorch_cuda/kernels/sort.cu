// sort.cu: stable sort along one dim, by a bitonic network on (key, original index) pairs.
//
// Bitonic sort is a fixed network of compare-and-swap stages, so every thread knows which pair
// it owns without looking at the data. It is not stable by itself; comparing (key, index)
// pairs lexicographically makes every element distinct, and then the one sorted order is the
// stable one, in both directions. NaN is the largest key (last ascending, first descending).
// Each row is padded to a power of two P; a padding element has index >= n and always sorts
// last, so the first n slots of a sorted row are the answer.
//
// Python (ops_sort.py) views the input as M rows of n elements `stride` apart, the rows
// walked through a Layout over the other dims (slots: 0 values_out, 1 indices_out, 2 x):
//   sort_rows_shared:  one block per row (grid-stride over rows), P <= MT_SORT_SHARED, all
//                      stages in shared memory with a __syncthreads() between stages;
//   sort_global_*:     longer rows: load into a padded temporary, run the network, store.
//                      A stage whose pairs lie further apart than a tile of MT_SORT_SHARED
//                      is one launch of sort_global_step (the launch is the barrier); all the
//                      stages whose pairs lie inside one tile run in one launch of
//                      sort_global_tiles, one block per tile in shared memory.

#define MT_SORT_SHARED 2048  // longest padded row sorted in shared memory (ops_sort.SHARED_MAX)

// Whether (a, ia) goes strictly before (b, ib) among the n real elements of a row.
template <class I>
__device__ __forceinline__ bool sort_before(scalar_t a, I ia, scalar_t b, I ib, I n,
                                            bool descending) {
    const bool a_pad = ia >= n, b_pad = ib >= n;
    if (a_pad || b_pad) return a_pad == b_pad ? ia < ib : b_pad;  // padding goes last
    const bool a_nan = mt_isnan(a), b_nan = mt_isnan(b);
    if (a_nan != b_nan) return descending ? a_nan : b_nan;
    if (!a_nan && a != b) return descending ? a > b : a < b;  // -0.0 == 0.0: a tie
    return ia < ib;  // equal keys keep their order: stable
}

// Lower element of compare pair p in a stage of distance j (a power of two): pairs are the
// positions whose bit j is clear, so insert a 0 bit at j's position into p.
__device__ __forceinline__ long long pair_low(long long p, long long j) {
    return ((p & ~(j - 1)) << 1) | (p & (j - 1));
}

// One comparator of the network: order elements i < l so that the pair runs the way of its
// bitonic block (`up`: in sort order, else reversed).
template <class I>
__device__ __forceinline__ void compare_swap(scalar_t* keys, I* idx, long long i, long long l,
                                             bool up, I n, bool descending) {
    const scalar_t a = keys[i], b = keys[l];
    const I ia = idx[i], ib = idx[l];
    if (up ? sort_before(b, ib, a, ia, n, descending) : sort_before(a, ia, b, ib, n, descending)) {
        keys[i] = b;
        keys[l] = a;
        idx[i] = ib;
        idx[l] = ia;
    }
}

// ---- short rows: one block per row, in shared memory ----------------------------------------
// 2048 x (8-byte key + 4-byte index) = 24 KiB at most, under the 48 KiB of static shared
// memory a block may have. Indices fit in int here.
extern "C" __global__ void sort_rows_shared(scalar_t* values, long long* indices,
                                            const scalar_t* x, long long M, long long n,
                                            long long padded, long long v_stride,
                                            long long i_stride, long long x_stride,
                                            int descending, Layout outer, int outer_ndim) {
    __shared__ scalar_t keys[MT_SORT_SHARED];
    __shared__ int idx[MT_SORT_SHARED];
    const int P = (int)padded, N = (int)n;
    const bool desc = descending != 0;
    for (long long m = blockIdx.x; m < M; m += gridDim.x) {
        long long off[3];
        layout_offsets<3>(m, outer, outer_ndim, off);
        for (int j = threadIdx.x; j < P; j += blockDim.x) {
            keys[j] = j < N ? x[off[2] + j * x_stride] : scalar_t(0);
            idx[j] = j;
        }
        __syncthreads();
        for (int k = 2; k <= P; k <<= 1) {
            for (int j = k >> 1; j > 0; j >>= 1) {
                for (int p = threadIdx.x; p < P / 2; p += blockDim.x) {
                    const int i = (int)pair_low(p, j);
                    compare_swap(keys, idx, i, i + j, (i & k) == 0, N, desc);
                }
                __syncthreads();
            }
        }
        for (int j = threadIdx.x; j < N; j += blockDim.x) {
            values[off[0] + j * v_stride] = keys[j];
            indices[off[1] + j * i_stride] = idx[j];
        }
        __syncthreads();  // the next row's load overwrites keys and idx
    }
}

// ---- long rows: a padded temporary in global memory, one launch per stage -------------------
// keys and idx are dense M x P; element (m, j) is at m * P + j.
extern "C" __global__ void sort_global_load(scalar_t* keys, long long* idx, const scalar_t* x,
                                            long long M, long long n, long long padded,
                                            long long x_stride, Layout outer, int outer_ndim) {
    const long long total = M * padded;
    for (long long e = thread_index(); e < total; e += thread_count()) {
        const long long m = e / padded, j = e - m * padded;
        idx[e] = j;
        if (j < n) {
            long long off[3];
            layout_offsets<3>(m, outer, outer_ndim, off);
            keys[e] = x[off[2] + j * x_stride];
        } else {
            keys[e] = scalar_t(0);  // padding: never compared by value
        }
    }
}

// Stage (k, j) of the network for every row: k is the size of the bitonic blocks being
// merged, j the comparator distance.
extern "C" __global__ void sort_global_step(scalar_t* keys, long long* idx, long long M,
                                            long long n, long long padded, long long k,
                                            long long j, int descending) {
    const long long half = padded >> 1, total = M * half;
    for (long long t = thread_index(); t < total; t += thread_count()) {
        const long long m = t / half, i = pair_low(t - m * half, j);
        compare_swap(keys + m * padded, idx + m * padded, i, i + j, (i & k) == 0, n,
                     descending != 0);
    }
}

// Stages (k, j) for k = k_first, 2 k_first, ... k_last, and for each k every j from
// min(k / 2, MT_SORT_SHARED / 2) down to 1: pairs at distance j < MT_SORT_SHARED never leave an
// aligned tile of MT_SORT_SHARED elements, so a block loads its tile into shared memory, runs
// those stages there, and writes it back. Directions come from the element's position in
// its row (t0 + i), as in sort_global_step. Called with (2, MT_SORT_SHARED) first, which
// leaves bitonic tiles, then once per larger k after that k's global stages.
extern "C" __global__ void sort_global_tiles(scalar_t* keys, long long* idx, long long M,
                                             long long n, long long padded, long long k_first,
                                             long long k_last, int descending) {
    // 2048 x (8-byte key + 8-byte index) = 32 KiB at most
    __shared__ scalar_t tile_keys[MT_SORT_SHARED];
    __shared__ long long tile_idx[MT_SORT_SHARED];
    const long long tiles_per_row = padded / MT_SORT_SHARED;
    const bool desc = descending != 0;
    for (long long tile = blockIdx.x; tile < M * tiles_per_row; tile += gridDim.x) {
        const long long t0 = (tile % tiles_per_row) * MT_SORT_SHARED;  // position in the row
        const long long base = (tile / tiles_per_row) * padded + t0;
        for (int j = threadIdx.x; j < MT_SORT_SHARED; j += blockDim.x) {
            tile_keys[j] = keys[base + j];
            tile_idx[j] = idx[base + j];
        }
        __syncthreads();
        for (long long k = k_first; k <= k_last; k <<= 1) {
            for (int j = (int)(k < MT_SORT_SHARED ? k >> 1 : MT_SORT_SHARED >> 1); j > 0;
                 j >>= 1) {
                for (int p = threadIdx.x; p < MT_SORT_SHARED / 2; p += blockDim.x) {
                    const int i = (int)pair_low(p, j);
                    compare_swap(tile_keys, tile_idx, i, i + j, ((t0 + i) & k) == 0, n, desc);
                }
                __syncthreads();
            }
        }
        for (int j = threadIdx.x; j < MT_SORT_SHARED; j += blockDim.x) {
            keys[base + j] = tile_keys[j];
            idx[base + j] = tile_idx[j];
        }
        __syncthreads();  // the next tile's load overwrites the shared arrays
    }
}

extern "C" __global__ void sort_global_store(scalar_t* values, long long* indices,
                                             const scalar_t* keys, const long long* idx,
                                             long long M, long long n, long long padded,
                                             long long v_stride, long long i_stride,
                                             Layout outer, int outer_ndim) {
    const long long total = M * n;
    for (long long e = thread_index(); e < total; e += thread_count()) {
        const long long m = e / n, j = e - m * n;
        long long off[2];
        layout_offsets<2>(m, outer, outer_ndim, off);
        values[off[0] + j * v_stride] = keys[m * padded + j];
        indices[off[1] + j * i_stride] = idx[m * padded + j];
    }
}
