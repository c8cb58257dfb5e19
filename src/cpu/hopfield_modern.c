/* The modern (dense, continuous) Hopfield update on the CPU: the row softmax and the step
 * that adopts the new states and tests convergence (contract: src/ops/hopfield_ops.h;
 * CUDA twin: src/cuda/hopfield_modern.cu). The GEMMs around them are the generic ones. */
#include <math.h>

#include "cpu/cpu.h"
#include "ops/hopfield_ops.h"

pml_status pml_cpu_hopfield_softmax(pml_device *dev, const pml_hopfield_softmax_args *a)
{
    (void)dev;
#pragma omp parallel for schedule(static) if (a->rows * a->cols > (1 << 16))
    for (int64_t r = 0; r < a->rows; ++r) {
        float *x = a->x + r * a->cols;
        double mx = -INFINITY, sum = 0.0;
        for (int64_t j = 0; j < a->cols; ++j) mx = fmax(mx, a->beta * x[j]);
        for (int64_t j = 0; j < a->cols; ++j) sum += exp(a->beta * x[j] - mx);
        for (int64_t j = 0; j < a->cols; ++j) x[j] = (float)(exp(a->beta * x[j] - mx) / sum);
    }
    return PML_OK;
}

pml_status pml_cpu_hopfield_modern(pml_device *dev, const pml_hopfield_modern_args *a)
{
    (void)dev;
    const int64_t n = a->n;
    int64_t running = 0;
#pragma omp parallel for schedule(static) reduction(+ : running) if (a->batch * n > (1 << 16))
    for (int64_t b = 0; b < a->batch; ++b) {
        if (a->status[b] != 0) continue;
        const float *y = a->y + b * n;
        float *xi = a->xi + b * n;
        int8_t *s = a->s + b * n;
        double d = 0.0;
        for (int64_t i = 0; i < n; ++i) {
            d = fmax(d, fabs((double)y[i] - (double)xi[i]));
            xi[i] = y[i];
            s[i] = y[i] > 0 ? 1 : y[i] < 0 ? -1 : s[i];
        }
        if (d <= a->tol) {
            a->status[b] = 1;
            a->sweeps[b] = a->sweep + 1;
        } else {
            running += 1;
        }
    }
    *a->running += running;
    return PML_OK;
}
