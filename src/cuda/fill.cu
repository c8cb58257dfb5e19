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
    switch (a->dtype) {
    case PML_F32: return launch<float>(dev, a);
    case PML_F64: return launch<double>(dev, a);
    case PML_I32: return launch<int32_t>(dev, a);
    case PML_U32: return launch<uint32_t>(dev, a);
    case PML_U8: return launch<uint8_t>(dev, a);
    case PML_I8: return launch<int8_t>(dev, a);
    }
    return pml_set_error(PML_ERR_UNSUPPORTED, "pml_tensor_fill: dtype");
}
