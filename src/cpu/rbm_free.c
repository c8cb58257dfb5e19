/* Free energies and energies of RBM states on the CPU (contract: src/ops/rbm_ops.h,
 * pml_rbm_free_args and pml_rbm_energy_args; CUDA twin: src/cuda/rbm_free.cu): the plain
 * loops, in double and in index order, are both the reference and the CPU kernels (the GEMM
 * before them is where the time goes). */
#include "cpu/cpu.h"
#include "ops/rbm_ops.h"

/* f_beta of row r (the contract's sum), in index order. */
static double free_row(const pml_rbm_free_args *a, int64_t r, double beta)
{
    const float *x = a->x + r * a->nx, *pre = a->pre + r * a->ny;
    double lin = 0.0, base = 0.0, soft = 0.0;
    for (int64_t i = 0; i < a->nx; ++i) {
        lin += (double)a->lin[i] * (double)x[i];
        if (a->base) base += (double)a->base[i] * (double)x[i];
    }
    for (int64_t j = 0; j < a->ny; ++j)
        soft += pml_rbm_softplus(beta * ((double)pre[j] + (a->bias ? (double)a->bias[j] : 0.0)));
    return beta * lin + (1.0 - beta) * base + soft;
}

pml_status pml_cpu_rbm_free(pml_device *dev, const pml_rbm_free_args *a)
{
    (void)dev;
#pragma omp parallel for schedule(static) if (a->rows * a->ny > (1 << 15))
    for (int64_t r = 0; r < a->rows; ++r) {
        if (a->mode == 0)
            a->out[r] = free_row(a, r, a->beta);
        else
            a->out[r] += free_row(a, r, a->beta) - free_row(a, r, a->beta_prev);
    }
    return PML_OK;
}

pml_status pml_cpu_rbm_energy(pml_device *dev, const pml_rbm_energy_args *a)
{
    (void)dev;
    for (int64_t r = 0; r < a->rows; ++r) {
        const float *v = a->v + r * a->nv, *h = a->h + r * a->nh, *pre = a->pre + r * a->nh;
        double s = 0.0;
        for (int64_t i = 0; i < a->nv; ++i) s += (double)a->a[i] * (double)v[i];
        for (int64_t j = 0; j < a->nh; ++j) s += (double)h[j] * ((double)pre[j] + (double)a->b[j]);
        a->out[r] = -s;
    }
    return PML_OK;
}
