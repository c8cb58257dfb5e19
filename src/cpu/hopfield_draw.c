/* Random +-1 arrays on the CPU: uniform patterns, and probes made by flipping each element of
 * a source with a given probability (contract: src/ops/hopfield_ops.h,
 * pml_hopfield_draw_args; CUDA twin: src/cuda/hopfield_draw.cu). */
#include "cpu/cpu.h"
#include "ops/hopfield_ops.h"

pml_status pml_cpu_hopfield_draw(pml_device *dev, const pml_hopfield_draw_args *a)
{
    (void)dev;
#pragma omp parallel for schedule(static) if (a->rows * a->n > (1 << 16))
    for (int64_t r = 0; r < a->rows; ++r) {
        const uint64_t stream = PML_HOPFIELD_STREAM_DRAW | a->tag |
                                (((uint64_t)(a->row0 + r)) & PML_HOPFIELD_ROW_MASK);
        for (int64_t i = 0; i < a->n; ++i) {
            const int8_t base = a->src ? a->src[r * a->n + i] : 1;
            const uint32_t x = pml_philox_draw(a->seed, stream, (uint64_t)i);
            a->dst[r * a->n + i] = (uint64_t)x < a->thr ? (int8_t)-base : base;
        }
    }
    return PML_OK;
}
