// Warp-per-probe pieces shared by the Hopfield kernels (hopfield_async.cu, hopfield_sync.cu,
// hopfield_modern.cu; the RBM's row sums in rbm_free.cu use the warp sums too): warp sums, the launch size, and a probe's end with the block's count of
// probes still running.
#ifndef PML_CUDA_HOPFIELD_WARP_CUH
#define PML_CUDA_HOPFIELD_WARP_CUH

#include <stdint.h>

#define FULL_MASK 0xffffffffu

static __device__ long long warp_sum_ll(long long v)
{
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(FULL_MASK, v, o);
    return v;
}

static __device__ double warp_sum_d(double v)
{
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(FULL_MASK, v, o);
    return v;
}

// Blocks of `warps` warps for one warp a row.
static unsigned warp_blocks(int64_t rows, int warps)
{
    return (unsigned)((rows + warps - 1) / warps);
}

// The end of probe b's update, the same in every lane: `stopped` (1 a fixed point, 2 a
// two-cycle, 0 still running) goes to status[b] with sweeps[b] = sweep + 1; returns 1 in lane 0
// of a probe still running (the count add_running sums).
static __device__ int probe_end(int32_t *status, int64_t *sweeps, int64_t b, int64_t sweep,
                                int lane, int stopped)
{
    if (!stopped) return lane == 0;
    if (lane == 0) {
        status[b] = stopped;
        sweeps[b] = sweep + 1;
    }
    return 0;
}

// Every thread of the block: its running probes added to *running with one atomic.
static __device__ void add_running(int64_t *running, int mine)
{
    const int c = __syncthreads_count(mine);
    if (threadIdx.x == 0 && c > 0) atomicAdd((unsigned long long *)running, (unsigned long long)c);
}

#endif
