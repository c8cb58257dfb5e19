// axpy: y[i] += alpha x[i]; scale: x[i] *= alpha. Float dtypes, equal element counts.
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

extern "C" pml_status pml_cuda_axpy(pml_device *dev, double alpha, const pml_tensor *x, pml_tensor *y)
{
    PML_TRY(pml_cuda_enter(dev));
    unsigned grid = pml_cuda_grid(dev, y->numel, 256);
    cudaStream_t s = pml_cuda(dev)->stream;
    if (y->dtype == PML_F32)
        axpy_kernel<float><<<grid, 256, 0, s>>>(y->numel, (float)alpha, (const float *)x->data,
                                                (float *)y->data);
    else
        axpy_kernel<double><<<grid, 256, 0, s>>>(y->numel, alpha, (const double *)x->data,
                                                 (double *)y->data);
    PML_CUDA_LAUNCHED("axpy_kernel");
    return PML_OK;
}

extern "C" pml_status pml_cuda_scale(pml_device *dev, double alpha, pml_tensor *x)
{
    PML_TRY(pml_cuda_enter(dev));
    unsigned grid = pml_cuda_grid(dev, x->numel, 256);
    cudaStream_t s = pml_cuda(dev)->stream;
    if (x->dtype == PML_F32)
        scale_kernel<float><<<grid, 256, 0, s>>>(x->numel, (float)alpha, (float *)x->data);
    else
        scale_kernel<double><<<grid, 256, 0, s>>>(x->numel, alpha, (double *)x->data);
    PML_CUDA_LAUNCHED("scale_kernel");
    return PML_OK;
}
