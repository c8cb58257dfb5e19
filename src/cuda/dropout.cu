// Dropout: element i kept when Philox draw i of (seed, stream) >= threshold, the CPU's mask
// exactly. Contract: src/ops/conv_ops.h. One thread per block of four draws.
#include "core/philox.h"
#include "cuda/cuda.h"

template <typename T>
static __global__ void dropout_kernel(int64_t n, uint32_t threshold, T scale, uint64_t seed,
                                      uint64_t stream, const T *x, T *y)
{
    const int64_t blocks = (n + 3) / 4;
    for (int64_t blk = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; blk < blocks;
         blk += (int64_t)gridDim.x * blockDim.x) {
        const pml_u32x4 u = pml_philox_draw4(seed, stream, (uint64_t)blk);
        for (unsigned l = 0; l < 4 && blk * 4 + l < n; ++l) {
            const int64_t i = blk * 4 + l;
            y[i] = pml_u32x4_get(u, l) >= threshold ? x[i] * scale : T(0);
        }
    }
}

extern "C" pml_status pml_cuda_dropout(pml_device *dev, const pml_dropout_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    pml_cuda_by_float_dtype(a->dtype, [&](auto zero) {
        using T = decltype(zero);
        dropout_kernel<T><<<pml_cuda_grid(dev, (a->n + 3) / 4, 256), 256, 0,
                            pml_cuda(dev)->stream>>>(a->n, a->threshold, (T)a->scale, a->seed,
                                                     a->stream, (const T *)a->x, (T *)a->y);
    });
    PML_CUDA_LAUNCHED("dropout_kernel");
    return PML_OK;
}
