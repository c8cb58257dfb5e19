/* Observables from the device accumulators: means, binning errors, autocorrelation times. */
#include <math.h>
#include <stdlib.h>

#include "core/backend.h"
#include "ising/ising_model.h"

/* Error of the mean of observable o: naive (level 0) and binned (the deepest level with at
 * least 32 complete bins; level 0 when there are fewer than 64 samples). */
static void binning(const pml_ising_acc *a, int o, double *err, double *tau)
{
    double e0 = NAN, eb = NAN;
    for (int l = 0; l < PML_ISING_LEVELS; ++l) {
        const double n = (double)a->bn[o][l];
        if (n < 32 && l > 0) break;
        if (n < 2) break;
        const double mean = a->bsum[o][l] / n;
        double var = (a->bsq[o][l] / n - mean * mean) * n / (n - 1.0);
        if (var < 0) var = 0; /* rounding, for a constant series */
        const double e = sqrt(var / n);
        if (l == 0) e0 = e;
        eb = e;
    }
    *err = eb;
    *tau = (e0 > 0 && isfinite(eb)) ? 0.5 * (eb / e0) * (eb / e0) : (e0 == 0 ? 0.5 : NAN);
}

pml_status pml_ising_stats_get(pml_ising *g, pml_ising_stats *out, int64_t count)
{
    static const char fn[] = "pml_ising_stats_get";
    PML_CHECK_ARG(g != NULL, fn, "ising is NULL");
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    PML_CHECK(count >= 0 && count <= g->cfg.replicas, PML_ERR_INVALID_ARGUMENT,
              "%s: count = %lld, the batch has %lld replicas", fn, (long long)count,
              (long long)g->cfg.replicas);
    if (count == 0) return PML_OK;
    pml_ising_acc *acc = malloc((size_t)count * sizeof *acc);
    PML_CHECK(acc != NULL, PML_ERR_OUT_OF_MEMORY, "%s: host accumulators", fn);
    pml_status s = pml_tensor_download(g->acc, acc, (size_t)count * sizeof *acc);
    if (s != PML_OK) {
        free(acc);
        return s;
    }
    for (int64_t r = 0; r < count; ++r) {
        const double N = (double)(g->lx[r] * g->ly[r]); /* this replica's spins */
        const pml_ising_acc *a = &acc[r];
        pml_ising_stats *o = &out[r];
        o->T = g->T[r];
        o->B = g->B[r];
        o->samples = a->count;
        if (a->count == 0) {
            o->e = o->e_err = o->m = o->m_err = o->m_abs = o->m_abs_err = NAN;
            o->e2 = o->m2 = o->m4 = o->c = o->chi = o->chi_m = o->binder = NAN;
            o->tau_e = o->tau_m = NAN;
            continue;
        }
        const double n = (double)a->count, T = g->T[r];
        o->e = a->sum_e / n;
        o->e2 = a->sum_e2 / n;
        o->m = a->sum_m / n;
        o->m_abs = a->sum_abs_m / n;
        o->m2 = a->sum_m2 / n;
        o->m4 = a->sum_m4 / n;
        o->c = N * (o->e2 - o->e * o->e) / (T * T);
        o->chi = N * (o->m2 - o->m_abs * o->m_abs) / T;
        o->chi_m = N * (o->m2 - o->m * o->m) / T;
        o->binder = o->m2 > 0 ? 1.0 - o->m4 / (3.0 * o->m2 * o->m2) : NAN;
        double tau_unused;
        binning(a, 0, &o->e_err, &o->tau_e);
        binning(a, 1, &o->m_err, &tau_unused);
        binning(a, 2, &o->m_abs_err, &o->tau_m);
    }
    free(acc);
    return PML_OK;
}
