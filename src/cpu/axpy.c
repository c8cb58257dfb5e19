/* axpy: y[i] += alpha x[i]; scale: x[i] *= alpha. Float dtypes, equal element counts. */
#include "cpu/cpu.h"

pml_status pml_cpu_axpy(pml_device *dev, double alpha, const pml_tensor *x, pml_tensor *y)
{
    (void)dev;
    int64_t n = y->numel;
    if (y->dtype == PML_F32) {
        const float *xp = (const float *)x->data;
        float *yp = (float *)y->data;
        float a = (float)alpha;
#pragma omp parallel for simd if (n > 65536)
        for (int64_t i = 0; i < n; ++i) yp[i] += a * xp[i];
    } else {
        const double *xp = (const double *)x->data;
        double *yp = (double *)y->data;
#pragma omp parallel for simd if (n > 65536)
        for (int64_t i = 0; i < n; ++i) yp[i] += alpha * xp[i];
    }
    return PML_OK;
}

pml_status pml_cpu_scale(pml_device *dev, double alpha, pml_tensor *x)
{
    (void)dev;
    int64_t n = x->numel;
    if (x->dtype == PML_F32) {
        float *p = (float *)x->data;
        float a = (float)alpha;
#pragma omp parallel for simd if (n > 65536)
        for (int64_t i = 0; i < n; ++i) p[i] *= a;
    } else {
        double *p = (double *)x->data;
#pragma omp parallel for simd if (n > 65536)
        for (int64_t i = 0; i < n; ++i) p[i] *= alpha;
    }
    return PML_OK;
}
