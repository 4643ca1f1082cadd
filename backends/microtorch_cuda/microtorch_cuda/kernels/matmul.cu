// matmul.cu: batched out[b] = a[b] @ b[b] as a tiled shared-memory kernel with register
// blocking. Compiled for every dtype but bool (complex too: no conjugation, as torch.matmul).
//
// Each block computes a BM x BN tile of out. It walks the K dimension BK at a time: the block
// copies a BM x BK tile of a and a BK x BN tile of b into shared memory, then every thread
// multiplies out of shared memory into its own TM x TN accumulators held in registers. Each
// value loaded from shared memory is used TN (or TM) times, which is what makes the kernel
// compute-bound rather than bound by shared-memory bandwidth.
//
// Python hands over matrices whose last dim is dense (row-major with leading dimensions
// lda/ldb/ldc; it copies other layouts first) and a batch Layout (slots: 0 out, 1 a, 2 b) whose
// strides may be 0 for broadcast batch dims.

// A thread's TM x TN accumulators must fit in registers: 8 x 8 of a 16-byte complex128 would
// need 256 registers for them alone and spill to local memory, so complex128 uses 4 x 4 (and
// 64 x 64 tiles). ops_matmul.py sizes the grid to match; the grid-stride loops below would
// cover any grid anyway.
constexpr int TM = sizeof(scalar_t) == 16 ? 4 : 8;  // rows of out per thread
constexpr int TN = TM;                              // cols of out per thread
constexpr int BM = 16 * TM;
constexpr int BN = 16 * TN;
#define BK 8
#define MATMUL_THREADS 256  // (BM / TM) * (BN / TN), seen as a 16 x 16 grid of threads
// Loads per thread per K step: BM * BK / 256 elements of a, BK * BN / 256 elements of b.
#define A_LOADS (BM * BK / MATMUL_THREADS)
#define B_LOADS (BK * BN / MATMUL_THREADS)
#define A_STEP (MATMUL_THREADS / BK)  // rows of a between one thread's loads
#define B_STEP (MATMUL_THREADS / BN)  // k rows of b between one thread's loads

extern "C" __global__ void __launch_bounds__(MATMUL_THREADS)
matmul_tiled(scalar_t* out, const scalar_t* a, const scalar_t* b, long long M, long long N,
             long long K, long long lda, long long ldb, long long ldc, long long batch,
             Layout batch_layout, int batch_ndim) {
    // a's tile is stored transposed (As[k][m]) so that the inner loop reads a row of both
    // tiles. The +4 padding staggers the rows across shared-memory banks for the transposing
    // stores (without it, 8 threads of a warp would hit the same bank).
    __shared__ scalar_t As[BK][BM + 4];
    __shared__ scalar_t Bs[BK][BN];

    // Thread (ty, tx) owns out rows ty + 16 i and cols tx + 16 j of the tile. Interleaved
    // ownership (rather than an 8 x 8 square each) makes a warp read 16 consecutive words of
    // Bs and 2 of As per step: no bank conflicts.
    const int tid = threadIdx.x;
    const int tx = tid % 16, ty = tid / 16;
    // Global-to-shared copy assignment: a warp reads 4 rows x 8 consecutive k of a, and 32
    // consecutive columns of b, so both reads are coalesced.
    const int a_row = tid / BK, a_k = tid % BK;    // rows a_row + A_STEP r
    const int b_k = tid / BN, b_col = tid % BN;     // k rows b_k + B_STEP r

    const long long tiles_m = (M + BM - 1) / BM, tiles_n = (N + BN - 1) / BN;
    const long long k_steps = (K + BK - 1) / BK;

    // Grid-stride over batch and tiles: gridDim.y and gridDim.z are limited to 65535.
    for (long long bz = blockIdx.z; bz < batch; bz += gridDim.z) {
        long long boff[3];
        layout_offsets<3>(bz, batch_layout, batch_ndim, boff);
        for (long long tm = blockIdx.y; tm < tiles_m; tm += gridDim.y) {
            for (long long tn = blockIdx.x; tn < tiles_n; tn += gridDim.x) {
                const long long row0 = tm * BM, col0 = tn * BN;
                const scalar_t* a_tile = a + boff[1] + row0 * lda;  // a[row0, 0]
                const scalar_t* b_tile = b + boff[2] + col0;        // b[0, col0]

                scalar_t acc[TM][TN];
#pragma unroll
                for (int i = 0; i < TM; ++i)
#pragma unroll
                    for (int j = 0; j < TN; ++j) acc[i][j] = 0;

                // The next K step's values wait in registers while this step is computed:
                // global-memory latency overlaps the arithmetic (one shared buffer suffices).
                scalar_t a_next[A_LOADS], b_next[B_LOADS];
                auto load_step = [&](long long k0) {
#pragma unroll
                    for (int r = 0; r < A_LOADS; ++r) {
                        const long long row = a_row + A_STEP * r, k = k0 + a_k;
                        a_next[r] = (row0 + row < M && k < K) ? a_tile[row * lda + k] : 0;
                    }
#pragma unroll
                    for (int r = 0; r < B_LOADS; ++r) {
                        const long long k = k0 + b_k + B_STEP * r, col = b_col;
                        b_next[r] = (k < K && col0 + col < N) ? b_tile[k * ldb + col] : 0;
                    }
                };
                load_step(0);
                for (long long s = 0; s < k_steps; ++s) {
#pragma unroll
                    for (int r = 0; r < A_LOADS; ++r) As[a_k][a_row + A_STEP * r] = a_next[r];
#pragma unroll
                    for (int r = 0; r < B_LOADS; ++r) Bs[b_k + B_STEP * r][b_col] = b_next[r];
                    __syncthreads();
                    if (s + 1 < k_steps) load_step((s + 1) * BK);
#pragma unroll
                    for (int kk = 0; kk < BK; ++kk) {
                        scalar_t ra[TM], rb[TN];
#pragma unroll
                        for (int i = 0; i < TM; ++i) ra[i] = As[kk][ty + 16 * i];
#pragma unroll
                        for (int j = 0; j < TN; ++j) rb[j] = Bs[kk][tx + 16 * j];
#pragma unroll
                        for (int i = 0; i < TM; ++i)
#pragma unroll
                            for (int j = 0; j < TN; ++j) acc[i][j] += ra[i] * rb[j];
                    }
                    __syncthreads();  // everyone is done reading before the next store
                }

                scalar_t* out_tile = out + boff[0];
#pragma unroll
                for (int i = 0; i < TM; ++i) {
                    const long long row = row0 + ty + 16 * i;
#pragma unroll
                    for (int j = 0; j < TN; ++j) {
                        const long long col = col0 + tx + 16 * j;
                        if (row < M && col < N) out_tile[row * ldc + col] = acc[i][j];
                    }
                }
            }
        }
    }
}
