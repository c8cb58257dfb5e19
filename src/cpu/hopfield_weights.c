/* Hopfield weights on the CPU: the int8 -> float conversion the GEMMs take, the step that
 * turns a GEMM's sums into stored weights (zero diagonal), and one pattern of Storkey's rule
 * (contract: src/ops/hopfield_ops.h; CUDA twin: src/cuda/hopfield_weights.cu). Plain loops:
 * each is memory-bound and already the reference. */
#include "cpu/cpu.h"
#include "ops/hopfield_ops.h"

#define PAR_IF(work) if ((work) > (1 << 18))

pml_status pml_cpu_hopfield_convert(pml_device *dev, const pml_hopfield_convert_args *a)
{
    (void)dev;
    if (a->dtype == PML_F32) {
        float *d = a->dst;
#pragma omp parallel for schedule(static) PAR_IF(a->count)
        for (int64_t i = 0; i < a->count; ++i) d[i] = (float)a->src[i];
    } else {
        double *d = a->dst;
#pragma omp parallel for schedule(static) PAR_IF(a->count)
        for (int64_t i = 0; i < a->count; ++i) d[i] = (double)a->src[i];
    }
    return PML_OK;
}

pml_status pml_cpu_hopfield_weights(pml_device *dev, const pml_hopfield_weights_args *a)
{
    (void)dev;
    const int64_t n = a->n, rows = a->sets * n;
#pragma omp parallel for schedule(static) PAR_IF(rows * n)
    for (int64_t r = 0; r < rows; ++r) {
        const int64_t i = r % n;
        const float *src = a->src + r * n;
        if (a->dtype == PML_I32) {
            int32_t *dst = (int32_t *)a->dst + r * n;
            for (int64_t j = 0; j < n; ++j) dst[j] = j == i ? 0 : (int32_t)src[j];
        } else {
            float *dst = (float *)a->dst + r * n;
            for (int64_t j = 0; j < n; ++j) dst[j] = j == i ? 0.0f : (float)(a->scale * src[j]);
        }
    }
    return PML_OK;
}

pml_status pml_cpu_hopfield_storkey(pml_device *dev, const pml_hopfield_storkey_args *a)
{
    (void)dev;
    const int64_t n = a->n;
    const double inv_n = 1.0 / (double)n;
#pragma omp parallel for schedule(static) PAR_IF(n * n)
    for (int64_t i = 0; i < n; ++i) {
        float *row = a->w + i * n;
        const double xi = a->xi[i], hi = a->h[i];
        for (int64_t j = 0; j < n; ++j) {
            if (j == i) continue;
            const double xj = a->xi[j], wij = row[j];
            const double gij = hi - wij * xj;          /* field at i without j */
            const double gji = (double)a->h[j] - wij * xi; /* W_ji = W_ij */
            row[j] = (float)(wij + (xi * xj - xi * gji - gij * xj) * inv_n);
        }
    }
    return PML_OK;
}
