/* Exact partition functions on the CPU: the states of a layer enumerated in batches, and the
 * running log-sum-exp of their unnormalised log-probabilities (contract: src/ops/rbm_ops.h,
 * pml_rbm_enumerate_args and pml_rbm_lse_args; CUDA twin: src/cuda/rbm_enumerate.cu). */
#include <math.h>

#include "cpu/cpu.h"
#include "ops/rbm_ops.h"

pml_status pml_cpu_rbm_enumerate(pml_device *dev, const pml_rbm_enumerate_args *a)
{
    (void)dev;
    for (int64_t r = 0; r < a->rows; ++r) {
        const uint64_t s = a->first + (uint64_t)r;
        for (int64_t i = 0; i < a->n; ++i) a->out[r * a->n + i] = (float)((s >> i) & 1u);
    }
    return PML_OK;
}

pml_status pml_cpu_rbm_lse(pml_device *dev, const pml_rbm_lse_args *a)
{
    (void)dev;
    double m = a->acc[0], s = a->acc[1];
    for (int64_t i = 0; i < a->n; ++i) {
        const double x = a->x[i];
        if (x == -INFINITY) continue;
        if (x > m) {
            s = s * exp(m - x) + 1.0;
            m = x;
        } else {
            s += exp(x - m);
        }
    }
    a->acc[0] = m;
    a->acc[1] = s;
    return PML_OK;
}
