// Checkerboard Ising sweeps on a batch of replicas.
// Contract (shared with src/cpu/ising_sweep.c): spins are the two colour planes of
// src/ising/ising_ops.h (int8 +-1, R x 2 x Ly x Lx/2). Sweep t updates plane 0 then plane 1
// of every replica; site k of colour c in replica r flips iff its draw
// u32(seed, PML_ISING_STREAM + r0 + r, (2t + c) P + k) is below the threshold of its case
// (params[r].thr, .always). With `measure`, after each sweep the bond sum and the spin sum of
// each replica go to acc[r] through pml_ising_acc_push. No floating point touches a spin.
//
// CUDA: one thread per Philox block, i.e. per four consecutive colour sites k = 4q .. 4q+3
// of one replica (P is a multiple of 4, so a block never straddles half-sweeps or replicas);
// when Lx/2 is a multiple of 4 the four sites share a row and move as one 32-bit word;
// the same draws and the same integer comparisons as the CPU, so the lattices are
// bit-identical by construction. The per-thread bodies live in src/ising/ising_block.h, which
// the CPU tests execute thread by thread against the reference. The measurement is a grid
// reduction into per-replica 64-bit integer sums (exact, order-free) followed by one thread
// per replica pushing them into its accumulator.
#include "core/philox.h"
#include "cuda/cuda.h"
#include "ising/ising_block.h"
#include "ising/ising_ops.h"

#define ISING_BLOCK 256

static __global__ void ising_half_kernel(int8_t *spins, const pml_ising_rparams *params,
                                         int64_t W, int64_t Ly, int64_t R, uint64_t P,
                                         uint64_t seed, uint64_t stream0, uint64_t half, int c)
{
    const int64_t qpr = (int64_t)(P / 4); // Philox blocks per replica and half-sweep
    for (int64_t g = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; g < R * qpr;
         g += (int64_t)gridDim.x * blockDim.x)
        pml_ising_block_any(spins, params, W, Ly, P, seed, stream0, half, c, g / qpr, g % qpr);
}

// W % 4 == 0: one thread per block of four sites of a row, 32-bit loads and store; replicas
// along gridDim.y. The replica's ten thresholds sit in shared memory: a per-thread array
// indexed by the site's case would live in local memory, and reloading them for every block
// of four sites cost eleven loads per thread.
static __global__ void ising_half4_kernel(int8_t *spins, const pml_ising_rparams *params,
                                          uint32_t W, uint32_t Ly, int64_t R, uint64_t seed,
                                          uint64_t stream0, uint64_t half, int c)
{
    __shared__ uint32_t thr[10], always;
    const uint32_t qpr = Ly * W / 4;
    for (int64_t r = blockIdx.y; r < R; r += gridDim.y) {
        __syncthreads(); // every thread is done with the previous replica's thresholds
        if (threadIdx.x < 10) thr[threadIdx.x] = params[r].thr[threadIdx.x];
        if (threadIdx.x == 10) always = params[r].always;
        __syncthreads();
        const uint32_t alw = always;
        // two consecutive blocks per thread (qpr = Ly W/4 is even: Ly is): their Philox
        // chains are independent, so one thread keeps two in flight
        for (uint32_t q = 2 * (blockIdx.x * blockDim.x + threadIdx.x); q < qpr;
             q += 2 * gridDim.x * blockDim.x) {
            pml_ising_block_row4_thr(spins, thr, alw, W, Ly, seed, stream0, half, c, r, q);
            pml_ising_block_row4_thr(spins, thr, alw, W, Ly, seed, stream0, half, c, r, q + 1);
        }
    }
}

// Bond and spin sums of replica blockIdx.y over a slice of its colour-0 sites.
static __global__ void ising_measure_kernel(const int8_t *spins, int64_t W, int64_t Ly,
                                            unsigned long long *sums)
{
    __shared__ long long sb[ISING_BLOCK], sm[ISING_BLOCK];
    const int64_t r = blockIdx.y, plane = Ly * W;
    long long b = 0, m = 0;
    for (int64_t k = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; k < plane;
         k += (int64_t)gridDim.x * blockDim.x)
        pml_ising_measure_site(spins, W, Ly, r, k, &b, &m);
    sb[threadIdx.x] = b;
    sm[threadIdx.x] = m;
    __syncthreads();
    for (int w = ISING_BLOCK / 2; w > 0; w >>= 1) {
        if ((int)threadIdx.x < w) {
            sb[threadIdx.x] += sb[threadIdx.x + w];
            sm[threadIdx.x] += sm[threadIdx.x + w];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        // two's complement: unsigned atomics add signed values exactly
        atomicAdd(&sums[2 * r], (unsigned long long)sb[0]);
        atomicAdd(&sums[2 * r + 1], (unsigned long long)sm[0]);
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

extern "C" pml_status pml_cuda_ising_sweeps(pml_device *dev, const pml_ising_kargs *a,
                                            uint64_t t0, int64_t n, int measure)
{
    cudaStream_t st = pml_cuda(dev)->stream;
    const int64_t W = a->lx / 2, Ly = a->ly, R = a->replicas;
    const uint64_t P = pml_ising_pad(a->lx, a->ly);
    const uint64_t stream0 = PML_ISING_STREAM + (uint64_t)a->r0;
    const unsigned grid = pml_cuda_grid(dev, R * (int64_t)(P / 4), ISING_BLOCK);
    // the 32-bit-word path: W % 4 == 0 and a plane's blocks countable in 32 bits
    const int fast = W % 4 == 0 && Ly * W < ((int64_t)1 << 32) - 4;
    dim3 grid4(1, (unsigned)(R < 65535 ? R : 65535));
    {
        const int64_t want = (Ly * W / 8 + ISING_BLOCK - 1) / ISING_BLOCK;
        int64_t cap = (int64_t)pml_cuda(dev)->sm_count * 32 / (int64_t)grid4.y;
        if (cap < 1) cap = 1;
        grid4.x = (unsigned)(want < cap ? want : cap);
        if (grid4.x < 1) grid4.x = 1;
    }
    unsigned long long *sums = NULL;
    unsigned mgrid = 1;
    if (measure) {
        void *scratch = NULL;
        PML_TRY(pml_cuda_scratch(dev, (size_t)R * 2 * sizeof(unsigned long long), &scratch));
        sums = (unsigned long long *)scratch;
        PML_CUDA_TRY(cudaMemsetAsync(sums, 0, (size_t)R * 2 * sizeof(unsigned long long), st));
        int64_t want = (Ly * W + ISING_BLOCK - 1) / ISING_BLOCK;
        const int64_t cap = R >= 64 ? 4 : 1024; // enough blocks in flight either way
        mgrid = (unsigned)(want < cap ? want : cap);
    }
    const double inv_n = 1.0 / (double)(a->lx * a->ly);
    for (int64_t t = 0; t < n; ++t) {
        const uint64_t sweep = t0 + (uint64_t)t;
        for (int c = 0; c < 2; ++c) {
            if (fast) {
                ising_half4_kernel<<<grid4, ISING_BLOCK, 0, st>>>(
                    a->spins, a->params, (uint32_t)W, (uint32_t)Ly, R, a->seed, stream0,
                    2 * sweep + (uint64_t)c, c);
                PML_CUDA_LAUNCHED("ising_half4_kernel");
            } else {
                ising_half_kernel<<<grid, ISING_BLOCK, 0, st>>>(
                    a->spins, a->params, W, Ly, R, P, a->seed, stream0, 2 * sweep + (uint64_t)c, c);
                PML_CUDA_LAUNCHED("ising_half_kernel");
            }
        }
        if (measure) {
            // gridDim.y is limited to 65535: larger batches measure in slices of replicas
            for (int64_t r0 = 0; r0 < R; r0 += 65535) {
                const int64_t rn = R - r0 < 65535 ? R - r0 : 65535;
                dim3 g(mgrid, (unsigned)rn);
                ising_measure_kernel<<<g, ISING_BLOCK, 0, st>>>(a->spins + r0 * 2 * Ly * W, W,
                                                               Ly, sums + 2 * r0);
                PML_CUDA_LAUNCHED("ising_measure_kernel");
            }
            ising_push_kernel<<<pml_cuda_grid(dev, R, 128), 128, 0, st>>>(sums, a->acc,
                                                                         a->params, R, a->J,
                                                                         inv_n);
            PML_CUDA_LAUNCHED("ising_push_kernel");
        }
    }
    return PML_OK;
}
