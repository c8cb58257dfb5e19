// Random +-1 arrays: uniform patterns, and probes made by flipping each element of a source
// with a given probability. Contract (shared with src/cpu/hopfield_draw.c):
// pml_hopfield_draw_args in src/ops/hopfield_ops.h: for r < rows, i < n,
//   dst[r n + i] = base * (x < thr ? -1 : +1), base = src ? src[r n + i] : +1,
//   x = pml_philox_draw(seed, PML_HOPFIELD_STREAM_DRAW | tag | (row0 + r), i).
//
// CUDA: one thread per four consecutive elements of a row (grid-stride), which are the four
// words of one Philox block, so each block is computed once. Integers only: the CPU's bits.
#include "core/philox.h"
#include "cuda/cuda.h"
#include "ops/hopfield_ops.h"

static __global__ void draw_kernel(pml_hopfield_draw_args a)
{
    const int64_t n = a.n, quads = (n + 3) / 4, total = a.rows * quads;
    for (int64_t g = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; g < total;
         g += (int64_t)gridDim.x * blockDim.x) {
        const int64_t r = g / quads, q = g - r * quads;
        const uint64_t stream = PML_HOPFIELD_STREAM_DRAW | a.tag |
                                ((uint64_t)(a.row0 + r) & PML_HOPFIELD_ROW_MASK);
        const pml_u32x4 x = pml_philox_draw4(a.seed, stream, (uint64_t)q);
        for (unsigned l = 0; l < 4; ++l) {
            const int64_t i = 4 * q + l;
            if (i >= n) break;
            const int64_t e = r * n + i;
            const int8_t base = a.src ? a.src[e] : (int8_t)1;
            a.dst[e] = (uint64_t)pml_u32x4_get(x, l) < a.thr ? (int8_t)-base : base;
        }
    }
}

extern "C" pml_status pml_cuda_hopfield_draw(pml_device *dev, const pml_hopfield_draw_args *a)
{
    PML_TRY(pml_cuda_enter(dev));
    const int64_t total = a->rows * ((a->n + 3) / 4);
    draw_kernel<<<pml_cuda_grid(dev, total, 256), 256, 0, pml_cuda(dev)->stream>>>(*a);
    PML_CUDA_LAUNCHED("draw_kernel");
    return PML_OK;
}
