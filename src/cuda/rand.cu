// Philox fills: element i gets the draw at (seed, stream, offset + i), converted as in
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
static pml_status launch(pml_device *dev, const pml_rand_args *a)
{
    int64_t blocks = (int64_t)(((a->offset + a->n - 1) >> 2) - (a->offset >> 2) + 1);
    rand_kernel<T, KIND><<<pml_cuda_grid(dev, blocks, 256), 256, 0, pml_cuda(dev)->stream>>>(
        (T *)a->data, a->n, a->seed, a->stream, a->offset, a->mean, a->stddev);
    PML_CUDA_LAUNCHED("rand_kernel");
    return PML_OK;
}

// pml_rand_args: u32 draws into U32, uniform and normal draws into F32 or F64
extern "C" pml_status pml_cuda_rand(pml_device *dev, const pml_rand_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    const int f32 = a->dtype == PML_F32;
    switch (a->dist) {
    case PML_RAND_U32: return launch<uint32_t, 0>(dev, a);
    case PML_RAND_UNIFORM: return f32 ? launch<float, 1>(dev, a) : launch<double, 1>(dev, a);
    case PML_RAND_NORMAL: break;
    }
    return f32 ? launch<float, 2>(dev, a) : launch<double, 2>(dev, a);
}
