// One layer of block Gibbs sampling, and the pseudo-likelihood flips. Contract (shared with
// src/cpu/rbm_gibbs.c): pml_rbm_sample_args and pml_rbm_flip_args in src/ops/rbm_ops.h.
//
// CUDA: one thread per four consecutive units of a row, the four words of one Philox block
// (grid-stride). The logistic is computed in float as on the CPU; where the two backends
// round a probability alike (the same pre-activations), the states are identical.
#include "core/philox.h"
#include "cuda/cuda.h"
#include "ops/rbm_ops.h"

static __device__ float unit_prob(const pml_rbm_sample_args &a, int64_t r, int64_t j)
{
    const float x = a.pre[r * a.n + j];
    if (!a.logistic) return x < 0.0f ? 0.0f : x > 1.0f ? 1.0f : x;
    return pml_rbm_logistic(pml_rbm_unit_z(x, a.bias, a.base, a.beta, j));
}

static __global__ void sample_kernel(pml_rbm_sample_args a)
{
    const int64_t n = a.n, quads = (n + 3) / 4, total = a.rows * quads;
    const int draws = a.state != NULL && a.threshold < 0.0;
    const uint64_t block0 = a.step * (pml_rbm_row_draws(n) / 4);
    for (int64_t g = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; g < total;
         g += (int64_t)gridDim.x * blockDim.x) {
        const int64_t r = g / quads, q = g - r * quads;
        const uint64_t stream = a.stream | ((a.chain0 + (uint64_t)r) & PML_RBM_CHAIN_MASK);
        pml_u32x4 x = {0, 0, 0, 0};
        if (draws) x = pml_philox_draw4(a.seed, stream, block0 + (uint64_t)q);
        for (unsigned l = 0; l < 4; ++l) {
            const int64_t j = 4 * q + l;
            if (j >= n) break;
            const int64_t e = r * n + j;
            if (a.keep && a.keep[e] != 0.0f) {
                if (a.prob) a.prob[e] = a.keep_val[e];
                if (a.state) a.state[e] = a.keep_val[e];
                continue;
            }
            const float p = unit_prob(a, r, j);
            if (a.prob) a.prob[e] = p;
            if (a.state)
                a.state[e] = a.threshold >= 0.0
                                 ? (p > a.threshold ? 1.0f : 0.0f)
                                 : (pml_rbm_bernoulli(pml_u32x4_get(x, l), p) ? 1.0f : 0.0f);
        }
    }
}

extern "C" pml_status pml_cuda_rbm_sample(pml_device *dev, const pml_rbm_sample_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    const int64_t total = a->rows * ((a->n + 3) / 4);
    sample_kernel<<<pml_cuda_grid(dev, total, 256), 256, 0, pml_cuda(dev)->stream>>>(*a);
    PML_CUDA_LAUNCHED("sample_kernel");
    return PML_OK;
}

// After the copy of src into dst: one thread a row flips its drawn unit.
static __global__ void flip_kernel(pml_rbm_flip_args a)
{
    for (int64_t r = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; r < a.rows;
         r += (int64_t)gridDim.x * blockDim.x) {
        const uint32_t u = pml_philox_draw(
            a.seed, PML_RBM_STREAM_PLL | ((uint64_t)(a.row0 + r) & PML_RBM_CHAIN_MASK), a.step);
        const int64_t j = (int64_t)(((uint64_t)u * (uint64_t)a.n) >> 32);
        a.dst[r * a.n + j] = 1.0f - a.src[r * a.n + j];
    }
}

extern "C" pml_status pml_cuda_rbm_flip(pml_device *dev, const pml_rbm_flip_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    if (a->dst != a->src)
        PML_CUDA_TRY(cudaMemcpyAsync(a->dst, a->src, (size_t)(a->rows * a->n) * sizeof(float),
                                     cudaMemcpyDeviceToDevice, pml_cuda(dev)->stream));
    flip_kernel<<<pml_cuda_grid(dev, a->rows, 256), 256, 0, pml_cuda(dev)->stream>>>(*a);
    PML_CUDA_LAUNCHED("flip_kernel");
    return PML_OK;
}
