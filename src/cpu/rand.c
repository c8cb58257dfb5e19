/* Philox fills: element i gets the draw at (seed, stream, offset + i), converted as in
 * include/physml/rng.h (pml_rand_args, src/core/backend.h). */
#include "core/philox.h"
#include "cpu/cpu.h"

/* Draw i of the fill as a double of the distribution asked for (a u32 and a uniform float
 * convert exactly; a normal is mean + stddev * the float normal, rounded to the dtype once). */
static inline double draw(const pml_rand_args *a, int64_t i)
{
    const uint64_t g = a->offset + (uint64_t)i;
    switch (a->dist) {
    case PML_RAND_U32: return (double)pml_philox_draw(a->seed, a->stream, g);
    case PML_RAND_UNIFORM: return pml_u32_to_uniform(pml_philox_draw(a->seed, a->stream, g));
    case PML_RAND_NORMAL: break;
    }
    return a->mean + a->stddev * pml_philox_normal(a->seed, a->stream, g);
}

pml_status pml_cpu_rand(pml_device *dev, const pml_rand_args *a)
{
    (void)dev;
    const int64_t n = a->n;
    if (a->dtype == PML_U32) {
        uint32_t *p = (uint32_t *)a->data;
#pragma omp parallel for if (n > 16384)
        for (int64_t i = 0; i < n; ++i) p[i] = (uint32_t)draw(a, i);
    } else if (a->dtype == PML_F32) {
        float *p = (float *)a->data;
#pragma omp parallel for if (n > 16384)
        for (int64_t i = 0; i < n; ++i) p[i] = (float)draw(a, i);
    } else {
        double *p = (double *)a->data;
#pragma omp parallel for if (n > 16384)
        for (int64_t i = 0; i < n; ++i) p[i] = draw(a, i);
    }
    return PML_OK;
}
