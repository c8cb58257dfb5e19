/* Synchronous Hopfield recall and energies on the CPU (contract: src/ops/hopfield_ops.h,
 * pml_hopfield_sync_args and pml_hopfield_energy_args; CUDA twin: src/cuda/hopfield_sync.cu).
 * The fields come from the generic GEMM; these loops apply the sign with the tie rule, spot
 * fixed points and two-cycles, and reduce energies. Plain loops, the reference. */
#include <string.h>

#include "cpu/cpu.h"
#include "ops/hopfield_ops.h"

static double at(const void *p, pml_dtype dt, int64_t i)
{
    return dt == PML_F32 ? (double)((const float *)p)[i] : ((const double *)p)[i];
}

pml_status pml_cpu_hopfield_sync(pml_device *dev, const pml_hopfield_sync_args *a)
{
    (void)dev;
    const int64_t n = a->n;
    int64_t running = 0;
#pragma omp parallel for schedule(static) reduction(+ : running) if (a->batch * n > (1 << 16))
    for (int64_t b = 0; b < a->batch; ++b) {
        if (a->status[b] != 0) continue;
        int8_t *s = a->s + b * n, *prev = a->prev + b * n;
        const int8_t *xt = a->m ? a->xit + (size_t)(b / a->per_set) * (size_t)(n * a->p) : NULL;
        int same = 1, cycle = 1;
        for (int64_t i = 0; i < n; ++i) {
            const double f = at(a->h, a->dtype, b * n + i) - a->self * s[i] -
                             (a->theta ? a->theta[i] : 0.0);
            const int8_t v = f > 0 ? 1 : f < 0 ? -1 : s[i];
            same &= v == s[i];
            cycle &= v == prev[i];
            prev[i] = s[i];
            if (xt && v != s[i]) { /* m += 2 v xi_i: row i of the sign masks */
                const int8_t *restrict x = xt + i * a->p; /* 0 or -1: xi = 1 - 2 (x & 1) */
                if (a->dtype == PML_F32) {
                    float *restrict mb = (float *)a->m + b * a->p;
                    const float tv = (float)(2 * v), t2 = (float)(4 * v);
#pragma omp simd
                    for (int64_t mu = 0; mu < a->p; ++mu) mb[mu] += tv - t2 * (float)(x[mu] & 1);
                } else {
                    double *restrict mb = (double *)a->m + b * a->p;
                    const double tv = 2.0 * v, t2 = 4.0 * v;
#pragma omp simd
                    for (int64_t mu = 0; mu < a->p; ++mu) mb[mu] += tv - t2 * (double)(x[mu] & 1);
                }
            }
            s[i] = v;
            if (a->sf) {
                if (a->dtype == PML_F32) ((float *)a->sf)[b * n + i] = (float)v;
                else ((double *)a->sf)[b * n + i] = (double)v;
            }
        }
        if (same || cycle) {
            a->status[b] = same ? 1 : 2;
            a->sweeps[b] = a->sweep + 1;
        } else {
            running += 1;
        }
    }
    *a->running += running;
    return PML_OK;
}

pml_status pml_cpu_hopfield_energy(pml_device *dev, const pml_hopfield_energy_args *a)
{
    (void)dev;
#pragma omp parallel for schedule(static) if (a->batch * a->k_dim > (1 << 16))
    for (int64_t b = 0; b < a->batch; ++b) {
        double q = 0.0, t = 0.0;
        for (int64_t k = 0; k < a->k_dim; ++k)
            q += at(a->u, a->dtype, b * a->k_dim + k) * at(a->v, a->dtype, b * a->k_dim + k);
        if (a->theta)
            for (int64_t i = 0; i < a->n; ++i) t += a->theta[i] * a->s[b * a->n + i];
        a->out[b] = a->scale * q + t + a->offset;
    }
    return PML_OK;
}
