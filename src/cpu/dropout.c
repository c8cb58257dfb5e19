/* Dropout: the mask of element i is Philox draw i of (seed, stream) compared with an integer
 * threshold, so the forward and the backward (the same call on dy) and every backend drop the
 * same elements. Contract: src/ops/conv_ops.h. (Draw i is lane i % 4 of block i / 4, which
 * pml_philox_draw4 gives; philox16 computes sixteen of those blocks at once.) */
#include "cpu/cpu.h"
#include "cpu/philox16.h"
#include "ops/conv_ops.h"

/* 64 elements (16 Philox blocks) at a time, the blocks vectorised (cpu/philox16.h). */
#define DEFINE_DROPOUT(T, SUF)                                                               \
    static void dropout_##SUF(const pml_dropout_args *a)                                     \
    {                                                                                        \
        const T *x = (const T *)a->x;                                                        \
        T *y = (T *)a->y;                                                                    \
        const T scale = (T)a->scale;                                                         \
        enum { L = PML_PHILOX16_LANES };                                                     \
        const int64_t chunks = (a->n + 4 * L - 1) / (4 * L);                                 \
        _Pragma("omp parallel for schedule(static) if (a->n > (1 << 16))")                   \
        for (int64_t k = 0; k < chunks; ++k) {                                               \
            uint64_t ctr[L];                                                                 \
            uint32_t d[4][L];                                                                \
            for (int i = 0; i < L; ++i) ctr[i] = (uint64_t)(k * L + i);                      \
            pml_cpu_philox16(a->seed, a->stream, ctr, d[0], d[1], d[2], d[3]);               \
            for (int i = 0; i < L; ++i)                                                      \
                for (int l = 0; l < 4; ++l) {                                                \
                    const int64_t e = (k * L + i) * 4 + l;                                   \
                    if (e < a->n) y[e] = d[l][i] >= a->threshold ? x[e] * scale : (T)0;      \
                }                                                                            \
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
