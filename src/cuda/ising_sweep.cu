// Checkerboard Ising sweeps on a batch of replicas.
// Contract (shared with src/cpu/ising_sweep.c): spins are the two bit-packed colour planes
// of src/ops/ising_ops.h (uint32 words, 32 colour sites each, R x 2 x Ly x WW). Sweep t
// updates plane 0 then plane 1 of every replica; in half-sweep h the 32 sites of word w of
// row y of replica r draw u bit by bit from the 32 planes
// u32(seed, PML_ISING_STREAM + r0 + r, ((h Ly + y) WW + w) 32 + b) (plane b is bit 31 - b of
// every lane's u) and flip iff their case always flips or u < thr (params[r]). With
// `measure`, after each sweep the bond sum and the spin sum of each replica (popcounts over
// the colour-1 words as they are updated) go to acc[r] through pml_ising_acc_push. No floating point touches a
// spin.
//
// CUDA: one thread per word (32 sites): five coalesced word loads (self, up, down, same row,
// and the adjacent word for the carried-in lane), a bit-sliced neighbour count, and the
// comparison u < thr MSB first with one Philox block (four planes) at a time until every
// lane of the word is decided (~3 blocks of 8 on average). Each block keeps its replica's
// grouped thresholds (pml_ising_wparams, built on the host) in shared memory. The per-thread
// bodies live in src/ops/ising_word.h, which the CPU tests execute thread by thread
// against the CPU reference. Two ways to launch them:
// - small replicas (Ly * WW <= PML_ISING_FUSED_WORDS words, 1024 by default: up to 256^2):
//   one block per replica runs every sweep of the call in ONE launch, a barrier between the
//   half-sweeps and the measurement reduced in the block. A batch of many small lattices
//   costs one launch per call instead of two to four per sweep, and the replica's words stay
//   in L1/L2. The block is the power of two >= the replica's words (32..ISING_BLOCK), so a
//   64^2 replica does not leave 3/4 of a 256-thread block idle.
// - larger ones: two launches per sweep (one per colour), replicas along gridDim.y; the fast
//   kernel (W % 32 == 0, every lane valid) does its index arithmetic in 32 bits within a
//   plane, the general one handles any even Lx. The measurement is fused into the colour-1
//   launch: popcounts of each word just updated against the four plane-0 words it read
//   (pml_ising_bond_sums), a block reduction into per-replica 64-bit integer sums (exact,
//   order-free), then one thread per replica pushing them into its accumulator.
// The environment variable PML_ISING_FUSED_WORDS=N moves the limit (0: never fused); the
// trajectory is the same either way, only the speed differs.
#include <stdlib.h>

#include "core/philox.h"
#include "cuda/cuda.h"
#include "cuda/ising_reduce.cuh"
#include "ops/ising_word.h"

// Both may be set from outside (-DISING_BLOCK=... in CMAKE_CUDA_FLAGS) to tune on a GPU.
#ifndef ISING_BLOCK
#define ISING_BLOCK 256
#endif
// Three blocks of 256 per SM: the word kernels fit in 80 registers without spilling (ptxas,
// sm_90), where left alone ptxas takes 125-141 and two blocks.
#ifndef ISING_MIN_BLOCKS
#define ISING_MIN_BLOCKS 3
#endif

#ifndef ISING_FUSED_WORDS
#define ISING_FUSED_WORDS 1024
#endif
// The fused kernel keeps its sweep loop's state live beside the word body: bounded to three
// 256-thread blocks per SM (80 registers) ptxas spilled it (208 bytes stored, 1036 loaded),
// unbounded it took 166; two (128) fit it without spilling (127, sm_90).
#ifndef ISING_FUSED_MIN_BLOCKS
#define ISING_FUSED_MIN_BLOCKS 2
#endif

// The replica's grouped thresholds into shared memory (all threads of the block call it).
static __device__ void load_wparams(const pml_ising_rparams *params, int64_t r,
                                    pml_ising_wparams *wp)
{
    __syncthreads(); // every thread is done with the previous replica's
    if (threadIdx.x == 0) *wp = params[r].w;
    __syncthreads();
}

// Whole replicas, one per block (blockIdx.x + slices of gridDim.x): n sweeps from t0, each
// half-sweep followed by a barrier (the other colour reads what it wrote), and with
// `measure` the sweep's sums, made in the colour-1 half-sweep's pass, reduced in the block
// and pushed by thread 0.
template <int FAST>
static __global__ void __launch_bounds__(ISING_BLOCK, ISING_FUSED_MIN_BLOCKS)
    ising_replica_kernel(uint32_t *spins, const pml_ising_rparams *params, pml_ising_acc *acc,
                         int64_t W, int64_t Ly, int64_t R, uint64_t seed, uint64_t stream0,
                         uint64_t t0, int64_t n, int measure, double J, double inv_n)
{
    __shared__ pml_ising_wparams wp;
    for (int64_t r = blockIdx.x; r < R; r += gridDim.x) {
        load_wparams(params, r, &wp);
        for (int64_t t = 0; t < n; ++t) {
            const uint64_t sweep = t0 + (uint64_t)t;
            long long bm[2] = {0, 0};
            for (int c = 0; c < 2; ++c) {
                pml_ising_replica_half(spins, &wp, W, Ly, seed, stream0,
                                       2 * sweep + (uint64_t)c, c, r, threadIdx.x, blockDim.x,
                                       FAST, measure && c == 1 ? bm : NULL);
                __syncthreads();
            }
            if (measure) {
                block_sum2(&bm[0], &bm[1]);
                if (threadIdx.x == 0)
                    pml_ising_acc_push(&acc[r], bm[0], bm[1], J, params[r].B, inv_n);
            }
        }
    }
}

// W % 32 == 0 and 8 Ly WW < 2^32: word k = y WW + w of the plane per thread.
static __global__ void __launch_bounds__(ISING_BLOCK, ISING_MIN_BLOCKS)
    ising_words32_kernel(uint32_t *spins, const pml_ising_rparams *params, uint32_t WW,
                         uint32_t Ly, int64_t R, uint64_t seed, uint64_t stream0, uint64_t half,
                         int c, unsigned long long *sums)
{
    __shared__ pml_ising_wparams wp;
    const uint32_t plane = Ly * WW;
    const uint64_t half_blk = half * (uint64_t)plane * 8u;
    for (int64_t r = blockIdx.y; r < R; r += gridDim.y) {
        load_wparams(params, r, &wp);
        long long bm[2] = {0, 0};
        for (uint32_t k = blockIdx.x * blockDim.x + threadIdx.x; k < plane;
             k += gridDim.x * blockDim.x) {
            const uint32_t y = k / WW, w = k - y * WW;
            pml_ising_word32(spins, &wp, WW, Ly, seed, stream0 + (uint64_t)r, half_blk, c, r, y,
                             w, sums ? bm : NULL);
        }
        if (sums) add_sums(bm, &sums[2 * r]);
    }
}

// Any even Lx: the last word of a row may be partial.
static __global__ void __launch_bounds__(ISING_BLOCK, ISING_MIN_BLOCKS)
    ising_words_kernel(uint32_t *spins, const pml_ising_rparams *params, int64_t W, int64_t Ly,
                       int64_t R, uint64_t seed, uint64_t stream0, uint64_t half, int c,
                       unsigned long long *sums)
{
    __shared__ pml_ising_wparams wp;
    const int64_t WW = (W + 31) / 32, plane = Ly * WW;
    for (int64_t r = blockIdx.y; r < R; r += gridDim.y) {
        load_wparams(params, r, &wp);
        long long bm[2] = {0, 0};
        for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < plane;
             k += (int64_t)gridDim.x * blockDim.x)
            pml_ising_word_any(spins, &wp, W, Ly, seed, stream0, half, c, r, k / WW, k % WW,
                               sums ? bm : NULL);
        if (sums) add_sums(bm, &sums[2 * r]);
    }
}

// gridDim.x for `words` per replica when gridDim.y = gy: enough blocks to cover the plane,
// at most ~32 blocks per SM in all.
static unsigned words_grid(pml_device *dev, int64_t words, unsigned gy)
{
    const int64_t want = (words + ISING_BLOCK - 1) / ISING_BLOCK;
    int64_t cap = (int64_t)pml_cuda(dev)->sm_count * 32 / (int64_t)gy;
    if (cap < 1) cap = 1;
    const int64_t g = want < cap ? want : cap;
    return (unsigned)(g < 1 ? 1 : g);
}

// The fused kernel's limit in words per plane: PML_ISING_FUSED_WORDS if set (0 turns it
// off; at most 2^20, so that a plane's Philox blocks count in 32 bits), else the default.
static int64_t fused_words(void)
{
    const char *e = getenv("PML_ISING_FUSED_WORDS");
    if (!e || !*e) return ISING_FUSED_WORDS;
    const long long v = strtoll(e, NULL, 10);
    return v < 0 ? 0 : v > (1 << 20) ? (1 << 20) : (int64_t)v;
}

extern "C" pml_status pml_cuda_ising_sweeps(pml_device *dev, const pml_ising_sweeps_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    cudaStream_t st = pml_cuda(dev)->stream;
    uint32_t *spins = (uint32_t *)a->spins;
    const int64_t W = a->lx / 2, WW = pml_ising_row_words(a->lx), Ly = a->ly, R = a->replicas;
    const int64_t plane = Ly * WW;
    const uint64_t stream0 = PML_ISING_STREAM + (uint64_t)a->r0;
    const double inv_n = 1.0 / (double)(a->lx * a->ly);
    const uint64_t t0 = a->t0;
    const int64_t n = a->n;
    const int measure = a->measure;
    if (plane <= fused_words()) {
        unsigned block = 32;
        while (block < (unsigned)plane && block < ISING_BLOCK) block *= 2;
        const int64_t cap = (int64_t)pml_cuda(dev)->sm_count * 64;
        const unsigned grid = (unsigned)(R < cap ? R : cap);
        if (W % 32 == 0)
            ising_replica_kernel<1><<<grid, block, 0, st>>>(spins, a->params, a->acc, W, Ly, R,
                                                            a->seed, stream0, t0, n, measure,
                                                            a->J, inv_n);
        else
            ising_replica_kernel<0><<<grid, block, 0, st>>>(spins, a->params, a->acc, W, Ly, R,
                                                            a->seed, stream0, t0, n, measure,
                                                            a->J, inv_n);
        PML_CUDA_LAUNCHED("ising_replica_kernel");
        return PML_OK;
    }
    // the fast path: whole words, a plane's Philox blocks countable in 32 bits
    const int fast = W % 32 == 0 && plane * 8 < ((int64_t)1 << 32);
    const unsigned gy = (unsigned)(R < 65535 ? R : 65535);
    const dim3 grid(words_grid(dev, plane, gy), gy);
    unsigned long long *sums = NULL;
    if (measure) {
        void *scratch = NULL;
        PML_TRY(pml_cuda_scratch(dev, (size_t)R * 2 * sizeof(unsigned long long), &scratch));
        sums = (unsigned long long *)scratch;
        PML_CUDA_TRY(cudaMemsetAsync(sums, 0, (size_t)R * 2 * sizeof(unsigned long long), st));
    }
    for (int64_t t = 0; t < n; ++t) {
        const uint64_t sweep = t0 + (uint64_t)t;
        for (int c = 0; c < 2; ++c) {
            const uint64_t half = 2 * sweep + (uint64_t)c;
            unsigned long long *to = c == 1 ? sums : NULL; // measured in the colour-1 pass
            if (fast) {
                ising_words32_kernel<<<grid, ISING_BLOCK, 0, st>>>(
                    spins, a->params, (uint32_t)WW, (uint32_t)Ly, R, a->seed, stream0, half, c,
                    to);
                PML_CUDA_LAUNCHED("ising_words32_kernel");
            } else {
                ising_words_kernel<<<grid, ISING_BLOCK, 0, st>>>(spins, a->params, W, Ly, R,
                                                                 a->seed, stream0, half, c, to);
                PML_CUDA_LAUNCHED("ising_words_kernel");
            }
        }
        if (measure) {
            ising_push_kernel<<<pml_cuda_grid(dev, R, 128), 128, 0, st>>>(sums, a->acc,
                                                                         a->params, R, a->J,
                                                                         inv_n);
            PML_CUDA_LAUNCHED("ising_push_kernel");
        }
    }
    return PML_OK;
}
