// axpy: y[i] += alpha x[i]; scale: x[i] *= alpha. F32 or F64, i < n (pml_axpy_args,
// pml_scale_args in src/core/backend.h).
#include "cuda/cuda.h"

template <typename T>
static __global__ void axpy_kernel(int64_t n, T alpha, const T *x, T *y)
{
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
         i += (int64_t)gridDim.x * blockDim.x)
        y[i] += alpha * x[i];
}

template <typename T>
static __global__ void scale_kernel(int64_t n, T alpha, T *x)
{
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
         i += (int64_t)gridDim.x * blockDim.x)
        x[i] *= alpha;
}

extern "C" pml_status pml_cuda_axpy(pml_device *dev, const pml_axpy_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    pml_cuda_by_float_dtype(a->dtype, [&](auto zero) {
        using T = decltype(zero);
        axpy_kernel<T><<<pml_cuda_grid(dev, a->n, 256), 256, 0, pml_cuda(dev)->stream>>>(
            a->n, (T)a->alpha, (const T *)a->x, (T *)a->y);
    });
    PML_CUDA_LAUNCHED("axpy_kernel");
    return PML_OK;
}

extern "C" pml_status pml_cuda_scale(pml_device *dev, const pml_scale_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    pml_cuda_by_float_dtype(a->dtype, [&](auto zero) {
        using T = decltype(zero);
        scale_kernel<T><<<pml_cuda_grid(dev, a->n, 256), 256, 0, pml_cuda(dev)->stream>>>(
            a->n, (T)a->alpha, (T *)a->x);
    });
    PML_CUDA_LAUNCHED("scale_kernel");
    return PML_OK;
}
