// Exact partition functions: a layer's states enumerated, and the running log-sum-exp.
// Contract (shared with src/cpu/rbm_enumerate.c): pml_rbm_enumerate_args and
// pml_rbm_lse_args in src/ops/rbm_ops.h.
//
// CUDA: enumeration one thread an element; the log-sum-exp in one block of 256 threads (a
// block maximum, then the sum of exp(x - max) folded into the accumulator): the additions
// run in another order than the CPU's, so sums agree within rounding.
#include <math.h>

#include "cuda/cuda.h"
#include "ops/rbm_ops.h"

static __global__ void enumerate_kernel(pml_rbm_enumerate_args a)
{
    const int64_t total = a.rows * a.n;
    for (int64_t e = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; e < total;
         e += (int64_t)gridDim.x * blockDim.x) {
        const int64_t r = e / a.n, i = e - r * a.n;
        a.out[e] = (float)(((a.first + (uint64_t)r) >> i) & 1u);
    }
}

extern "C" pml_status pml_cuda_rbm_enumerate(pml_device *dev, const pml_rbm_enumerate_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    enumerate_kernel<<<pml_cuda_grid(dev, a->rows * a->n, 256), 256, 0,
                       pml_cuda(dev)->stream>>>(*a);
    PML_CUDA_LAUNCHED("enumerate_kernel");
    return PML_OK;
}

#define LSE_THREADS 256

static __global__ void lse_kernel(pml_rbm_lse_args a)
{
    __shared__ double red[LSE_THREADS];
    double m = -INFINITY;
    for (int64_t i = threadIdx.x; i < a.n; i += LSE_THREADS) m = fmax(m, a.x[i]);
    red[threadIdx.x] = m;
    __syncthreads();
    for (int w = LSE_THREADS / 2; w > 0; w >>= 1) {
        if (threadIdx.x < w) red[threadIdx.x] = fmax(red[threadIdx.x], red[threadIdx.x + w]);
        __syncthreads();
    }
    const double mx = fmax(red[0], a.acc[0]);
    __syncthreads();
    double s = 0.0;
    if (mx != -INFINITY)
        for (int64_t i = threadIdx.x; i < a.n; i += LSE_THREADS) s += exp(a.x[i] - mx);
    red[threadIdx.x] = s;
    __syncthreads();
    for (int w = LSE_THREADS / 2; w > 0; w >>= 1) {
        if (threadIdx.x < w) red[threadIdx.x] += red[threadIdx.x + w];
        __syncthreads();
    }
    if (threadIdx.x == 0 && mx != -INFINITY) {
        const double old = a.acc[0] == -INFINITY ? 0.0 : a.acc[1] * exp(a.acc[0] - mx);
        a.acc[0] = mx;
        a.acc[1] = old + red[0];
    }
}

extern "C" pml_status pml_cuda_rbm_lse(pml_device *dev, const pml_rbm_lse_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    lse_kernel<<<1, LSE_THREADS, 0, pml_cuda(dev)->stream>>>(*a);
    PML_CUDA_LAUNCHED("lse_kernel");
    return PML_OK;
}
