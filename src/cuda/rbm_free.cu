// Free energies and energies of RBM states. Contract (shared with src/cpu/rbm_free.c):
// pml_rbm_free_args and pml_rbm_energy_args in src/ops/rbm_ops.h.
//
// CUDA: one warp a row; each lane sums a strided share in double, then a warp sum. The order
// of the additions differs from the CPU's index order: results agree within rounding.
#include "cuda/cuda.h"
#include "cuda/hopfield_warp.cuh"
#include "ops/rbm_ops.h"

#define RBM_WARPS 8

static __device__ double free_row(const pml_rbm_free_args &a, int64_t r, double beta, int lane)
{
    const float *x = a.x + r * a.nx, *pre = a.pre + r * a.ny;
    double lin = 0.0, base = 0.0, soft = 0.0;
    for (int64_t i = lane; i < a.nx; i += 32) {
        lin += (double)a.lin[i] * (double)x[i];
        if (a.base) base += (double)a.base[i] * (double)x[i];
    }
    for (int64_t j = lane; j < a.ny; j += 32)
        soft += pml_rbm_softplus(beta * ((double)pre[j] + (a.bias ? (double)a.bias[j] : 0.0)));
    return warp_sum_d(beta * lin + (1.0 - beta) * base + soft);
}

static __global__ void free_kernel(pml_rbm_free_args a)
{
    const int lane = threadIdx.x & 31;
    const int64_t r = (int64_t)blockIdx.x * RBM_WARPS + (threadIdx.x >> 5);
    if (r >= a.rows) return;
    const double f = free_row(a, r, a.beta, lane);
    if (a.mode == 0) {
        if (lane == 0) a.out[r] = f;
        return;
    }
    const double g = free_row(a, r, a.beta_prev, lane);
    if (lane == 0) a.out[r] += f - g;
}

extern "C" pml_status pml_cuda_rbm_free(pml_device *dev, const pml_rbm_free_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    free_kernel<<<warp_blocks(a->rows, RBM_WARPS), 32 * RBM_WARPS, 0, pml_cuda(dev)->stream>>>(*a);
    PML_CUDA_LAUNCHED("free_kernel");
    return PML_OK;
}

static __global__ void energy_kernel(pml_rbm_energy_args a)
{
    const int lane = threadIdx.x & 31;
    const int64_t r = (int64_t)blockIdx.x * RBM_WARPS + (threadIdx.x >> 5);
    if (r >= a.rows) return;
    const float *v = a.v + r * a.nv, *h = a.h + r * a.nh, *pre = a.pre + r * a.nh;
    double s = 0.0;
    for (int64_t i = lane; i < a.nv; i += 32) s += (double)a.a[i] * (double)v[i];
    for (int64_t j = lane; j < a.nh; j += 32) s += (double)h[j] * ((double)pre[j] + (double)a.b[j]);
    s = warp_sum_d(s);
    if (lane == 0) a.out[r] = -s;
}

extern "C" pml_status pml_cuda_rbm_energy(pml_device *dev, const pml_rbm_energy_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    energy_kernel<<<warp_blocks(a->rows, RBM_WARPS), 32 * RBM_WARPS, 0, pml_cuda(dev)->stream>>>(*a);
    PML_CUDA_LAUNCHED("energy_kernel");
    return PML_OK;
}
