/* axpy: y[i] += alpha x[i]; scale: x[i] *= alpha. F32 or F64, i < n (pml_axpy_args,
 * pml_scale_args in src/core/backend.h). */
#include "cpu/cpu.h"

pml_status pml_cpu_axpy(pml_device *dev, const pml_axpy_args *a)
{
    (void)dev;
    const int64_t n = a->n;
    if (a->dtype == PML_F32) {
        const float *xp = (const float *)a->x;
        float *yp = (float *)a->y;
        const float al = (float)a->alpha;
#pragma omp parallel for simd if (n > 65536)
        for (int64_t i = 0; i < n; ++i) yp[i] += al * xp[i];
    } else {
        const double *xp = (const double *)a->x;
        double *yp = (double *)a->y;
        const double al = a->alpha;
#pragma omp parallel for simd if (n > 65536)
        for (int64_t i = 0; i < n; ++i) yp[i] += al * xp[i];
    }
    return PML_OK;
}

pml_status pml_cpu_scale(pml_device *dev, const pml_scale_args *a)
{
    (void)dev;
    const int64_t n = a->n;
    if (a->dtype == PML_F32) {
        float *p = (float *)a->x;
        const float al = (float)a->alpha;
#pragma omp parallel for simd if (n > 65536)
        for (int64_t i = 0; i < n; ++i) p[i] *= al;
    } else {
        double *p = (double *)a->x;
        const double al = a->alpha;
#pragma omp parallel for simd if (n > 65536)
        for (int64_t i = 0; i < n; ++i) p[i] *= al;
    }
    return PML_OK;
}
