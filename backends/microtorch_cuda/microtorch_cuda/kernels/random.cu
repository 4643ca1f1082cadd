// random.cu: uniform and normal numbers from Philox4x32-10, for float32 and float64.
//
// Philox (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11) is a
// counter-based generator: the numbers for element i are a pure function of (key, counter i),
// so every thread computes its own elements with no shared state, and the CPU backend and this
// one produce the same stream. The spec (microtorch_core.backend.Backend.random_uniform) fixes
// the mapping: key = (seed lo, seed hi), counter = (c lo, c hi, 0, 0) with c = offset + i.

struct Words {
    unsigned int w[4];
};

__device__ __forceinline__ Words philox4x32_10(unsigned long long counter, unsigned int k0,
                                               unsigned int k1) {
    unsigned int c0 = (unsigned int)counter, c1 = (unsigned int)(counter >> 32), c2 = 0, c3 = 0;
#pragma unroll
    for (int round = 0; round < 10; ++round) {
        // One round: two 32x32 -> 64-bit multiplies, then mix the halves with the key.
        const unsigned int hi0 = __umulhi(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
        const unsigned int hi1 = __umulhi(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
        k0 += 0x9E3779B9u;  // the key schedule: add the Weyl constants every round
        k1 += 0xBB67AE85u;
    }
    Words r;
    r.w[0] = c0;
    r.w[1] = c1;
    r.w[2] = c2;
    r.w[3] = c3;
    return r;
}

// U[0, 1): float32 from the top 24 bits of r0; float64 from the top 53 bits of (r0, r1).
__device__ __forceinline__ float uniform_from(Words r, float) {
    return (float)(r.w[0] >> 8) * 5.9604644775390625e-08f;  // 2^-24
}
__device__ __forceinline__ double uniform_from(Words r, double) {
    const unsigned long long bits = ((unsigned long long)r.w[0] << 32) | r.w[1];
    return (double)(bits >> 11) * 1.1102230246251565e-16;  // 2^-53
}

extern "C" __global__ void random_uniform(scalar_t* out, long long n, unsigned int key_lo,
                                          unsigned int key_hi, unsigned long long offset) {
    for (long long i = thread_index(); i < n; i += thread_count())
        out[i] = uniform_from(philox4x32_10(offset + (unsigned long long)i, key_lo, key_hi),
                              scalar_t());
}

// Box-Muller: z = sqrt(-2 ln u1) cos(2 pi u2), with u1 in (0, 1] so the log is finite.
// Computed in double for both dtypes, as the NumPy reference does, then rounded once.
extern "C" __global__ void random_normal(scalar_t* out, long long n, unsigned int key_lo,
                                         unsigned int key_hi, unsigned long long offset) {
    for (long long i = thread_index(); i < n; i += thread_count()) {
        const Words r = philox4x32_10(offset + (unsigned long long)i, key_lo, key_hi);
        const double u1 = ((double)(r.w[0] >> 8) + 1.0) * 5.9604644775390625e-08;
        const double u2 = (double)(r.w[1] >> 8) * 5.9604644775390625e-08;
        out[i] = (scalar_t)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
    }
}
