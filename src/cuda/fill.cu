// fill: data[i] = value converted to the dtype, i < n (pml_fill_args, src/core/backend.h).
#include "cuda/cuda.h"

template <typename T>
static __global__ void fill_kernel(T *p, int64_t n, T v)
{
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
         i += (int64_t)gridDim.x * blockDim.x)
        p[i] = v;
}

template <typename T>
static pml_status launch(pml_device *dev, const pml_fill_args *a)
{
    fill_kernel<T><<<pml_cuda_grid(dev, a->n, 256), 256, 0, pml_cuda(dev)->stream>>>(
        (T *)a->data, a->n, (T)a->value);
    PML_CUDA_LAUNCHED("fill_kernel");
    return PML_OK;
}

extern "C" pml_status pml_cuda_fill(pml_device *dev, const pml_fill_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
#define LAUNCH(T) return launch<T>(dev, a)
    PML_DTYPE_CASES(a->dtype, LAUNCH)
#undef LAUNCH
    return pml_set_error(PML_ERR_UNSUPPORTED, "pml_tensor_fill: dtype");
}
