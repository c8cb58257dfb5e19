// What the Ising CUDA kernels (ising_sweep.cu, ising_sw.cu) share for their measurement: the
// block reduction of a replica's bond and spin sums into 64-bit integers (exact,
// order-free), and the kernel that pushes each replica's sums into its accumulator.
#ifndef PML_CUDA_ISING_REDUCE_CUH
#define PML_CUDA_ISING_REDUCE_CUH

#include "ops/ising_ops.h"

// Sums b and m over the block (blockDim.x a multiple of 32); thread 0 gets the totals. Every
// thread passes a barrier after its last read of the spins before any thread leaves.
static __device__ void block_sum2(long long *b, long long *m)
{
    __shared__ long long sb[32], sm[32];
    long long x = *b, y = *m;
    for (int o = 16; o > 0; o >>= 1) {
        x += __shfl_down_sync(0xFFFFFFFFu, x, o);
        y += __shfl_down_sync(0xFFFFFFFFu, y, o);
    }
    const unsigned lane = threadIdx.x & 31u, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
    __syncthreads(); // the previous call's readers of sb, sm are done
    if (lane == 0) {
        sb[warp] = x;
        sm[warp] = y;
    }
    __syncthreads();
    if (warp == 0) {
        x = lane < nwarps ? sb[lane] : 0;
        y = lane < nwarps ? sm[lane] : 0;
        for (int o = 16; o > 0; o >>= 1) {
            x += __shfl_down_sync(0xFFFFFFFFu, x, o);
            y += __shfl_down_sync(0xFFFFFFFFu, y, o);
        }
        *b = x;
        *m = y;
    }
}

// The block's sums of one replica (each thread's bm) added to sums[0..1] by thread 0; every
// thread of the block calls it. Two's complement: unsigned atomics add signed values exactly.
static __device__ void add_sums(long long *bm, unsigned long long *sums)
{
    block_sum2(&bm[0], &bm[1]);
    if (threadIdx.x == 0) {
        atomicAdd(&sums[0], (unsigned long long)bm[0]);
        atomicAdd(&sums[1], (unsigned long long)bm[1]);
    }
}

static __global__ void ising_push_kernel(unsigned long long *sums, pml_ising_acc *acc,
                                         const pml_ising_rparams *params, int64_t R, double J,
                                         double inv_n)
{
    for (int64_t r = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; r < R;
         r += (int64_t)gridDim.x * blockDim.x) {
        const long long b = (long long)sums[2 * r], m = (long long)sums[2 * r + 1];
        pml_ising_acc_push(&acc[r], b, m, J, params[r].B, inv_n);
        sums[2 * r] = 0; // ready for the next sweep
        sums[2 * r + 1] = 0;
    }
}

#endif
