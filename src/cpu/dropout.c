/* Dropout: the mask of element i is Philox draw i of (seed, stream) compared with an integer
 * threshold, so the forward and the backward (the same call on dy) and every backend drop the
 * same elements. Contract: src/ops/conv_ops.h. */
#include "core/philox.h"
#include "cpu/cpu.h"
#include "ops/conv_ops.h"

#define DEFINE_DROPOUT(T, SUF)                                                               \
    static void dropout_##SUF(const pml_dropout_args *a)                                     \
    {                                                                                        \
        const T *x = (const T *)a->x;                                                        \
        T *y = (T *)a->y;                                                                    \
        const T scale = (T)a->scale;                                                         \
        const int64_t blocks = (a->n + 3) / 4;                                               \
        _Pragma("omp parallel for schedule(static) if (a->n > (1 << 18))")                   \
        for (int64_t blk = 0; blk < blocks; ++blk) {                                         \
            const pml_u32x4 u = pml_philox_draw4(a->seed, a->stream, (uint64_t)blk);         \
            for (unsigned l = 0; l < 4 && blk * 4 + l < a->n; ++l) {                         \
                const int64_t i = blk * 4 + l;                                               \
                y[i] = pml_u32x4_get(u, l) >= a->threshold ? x[i] * scale : (T)0;            \
            }                                                                                \
        }                                                                                    \
    }

DEFINE_DROPOUT(float, f32)
DEFINE_DROPOUT(double, f64)

pml_status pml_cpu_dropout(pml_device *dev, const pml_dropout_args *a)
{
    (void)dev;
    if (a->dtype == PML_F32) dropout_f32(a);
    else dropout_f64(a);
    return PML_OK;
}
