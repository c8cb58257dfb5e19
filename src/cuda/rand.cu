// Philox fills: element i of t gets the draw at (seed, stream, offset + i), converted as in
// include/physml/rng.h. Same header (core/philox.h) as the CPU, so the integers and the
// uniform floats are bit-identical; normal floats differ only through logf/sincosf.
#include "core/philox.h"
#include "cuda/cuda.h"

// Each thread owns one aligned block of four draws: one Philox call, up to four stores.
template <typename T, int KIND>
static __global__ void rand_kernel(T *p, int64_t n, uint64_t seed, uint64_t stream,
                                   uint64_t offset, float mean, float stddev)
{
    uint64_t first = offset >> 2, last = (offset + (uint64_t)n - 1) >> 2;
    for (uint64_t b = first + blockIdx.x * (uint64_t)blockDim.x + threadIdx.x; b <= last;
         b += (uint64_t)gridDim.x * blockDim.x) {
        pml_u32x4 r = pml_philox_draw4(seed, stream, b);
        uint32_t w[4] = {r.x, r.y, r.z, r.w};
        float nv[4];
        if (KIND == 2) {
            pml_box_muller(w[0], w[1], &nv[0], &nv[1]);
            pml_box_muller(w[2], w[3], &nv[2], &nv[3]);
        }
#pragma unroll
        for (int lane = 0; lane < 4; ++lane) {
            uint64_t g = 4 * b + lane;
            if (g < offset || g >= offset + (uint64_t)n) continue;
            T v;
            if (KIND == 0) v = (T)w[lane];
            else if (KIND == 1) v = (T)pml_u32_to_uniform(w[lane]);
            else v = (T)(mean + stddev * nv[lane]);
            p[g - offset] = v;
        }
    }
}

template <typename T, int KIND>
static pml_status launch(pml_device *dev, pml_tensor *t, uint64_t seed, uint64_t stream,
                         uint64_t offset, float mean, float stddev)
{
    int64_t blocks = (int64_t)(((offset + t->numel - 1) >> 2) - (offset >> 2) + 1);
    rand_kernel<T, KIND><<<pml_cuda_grid(dev, blocks, 256), 256, 0, pml_cuda(dev)->stream>>>(
        (T *)t->data, t->numel, seed, stream, offset, mean, stddev);
    PML_CUDA_LAUNCHED("rand_kernel");
    return PML_OK;
}

extern "C" pml_status pml_cuda_rand_u32(pml_device *dev, pml_tensor *t, uint64_t seed,
                                        uint64_t stream, uint64_t offset)
{
    PML_TRY(pml_cuda_enter(dev));
    return launch<uint32_t, 0>(dev, t, seed, stream, offset, 0.f, 0.f);
}

extern "C" pml_status pml_cuda_rand_uniform(pml_device *dev, pml_tensor *t, uint64_t seed,
                                            uint64_t stream, uint64_t offset)
{
    PML_TRY(pml_cuda_enter(dev));
    if (t->dtype == PML_F32) return launch<float, 1>(dev, t, seed, stream, offset, 0.f, 0.f);
    return launch<double, 1>(dev, t, seed, stream, offset, 0.f, 0.f);
}

extern "C" pml_status pml_cuda_rand_normal(pml_device *dev, pml_tensor *t, uint64_t seed,
                                           uint64_t stream, uint64_t offset, float mean,
                                           float stddev)
{
    PML_TRY(pml_cuda_enter(dev));
    if (t->dtype == PML_F32) return launch<float, 2>(dev, t, seed, stream, offset, mean, stddev);
    return launch<double, 2>(dev, t, seed, stream, offset, mean, stddev);
}
