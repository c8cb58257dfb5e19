/* Philox fills: element i of t gets the draw at (seed, stream, offset + i), converted as in
 * include/physml/rng.h. Blocks of four draws are computed once and split. */
#include "core/philox.h"
#include "cpu/cpu.h"

pml_status pml_cpu_rand_u32(pml_device *dev, pml_tensor *t, uint64_t seed, uint64_t stream,
                            uint64_t offset)
{
    (void)dev;
    uint32_t *p = (uint32_t *)t->data;
    int64_t n = t->numel;
#pragma omp parallel for if (n > 16384)
    for (int64_t i = 0; i < n; ++i) p[i] = pml_philox_draw(seed, stream, offset + (uint64_t)i);
    return PML_OK;
}

pml_status pml_cpu_rand_uniform(pml_device *dev, pml_tensor *t, uint64_t seed, uint64_t stream,
                                uint64_t offset)
{
    (void)dev;
    int64_t n = t->numel;
    if (t->dtype == PML_F32) {
        float *p = (float *)t->data;
#pragma omp parallel for if (n > 16384)
        for (int64_t i = 0; i < n; ++i)
            p[i] = pml_u32_to_uniform(pml_philox_draw(seed, stream, offset + (uint64_t)i));
    } else {
        double *p = (double *)t->data;
#pragma omp parallel for if (n > 16384)
        for (int64_t i = 0; i < n; ++i)
            p[i] = pml_u32_to_uniform(pml_philox_draw(seed, stream, offset + (uint64_t)i));
    }
    return PML_OK;
}

pml_status pml_cpu_rand_normal(pml_device *dev, pml_tensor *t, uint64_t seed, uint64_t stream,
                               uint64_t offset, float mean, float stddev)
{
    (void)dev;
    int64_t n = t->numel;
    if (t->dtype == PML_F32) {
        float *p = (float *)t->data;
#pragma omp parallel for if (n > 16384)
        for (int64_t i = 0; i < n; ++i)
            p[i] = mean + stddev * pml_philox_normal(seed, stream, offset + (uint64_t)i);
    } else {
        double *p = (double *)t->data;
#pragma omp parallel for if (n > 16384)
        for (int64_t i = 0; i < n; ++i)
            p[i] = mean + stddev * pml_philox_normal(seed, stream, offset + (uint64_t)i);
    }
    return PML_OK;
}
