/* Observables from the device accumulators: means, binning errors, autocorrelation times,
 * jackknife errors of C, chi and U, and the warnings (docs/ising.md, "Error bars" and
 * "Trapped states"). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "ising/ising_model.h"

/* Error of the mean of observable o: naive (level 0) and binned (the deepest level with at
 * least 32 complete bins; level 0 when there are fewer than 64 samples). */
static void binning_of(const double *bsum, const double *bsq, const int64_t *bn, double *err,
                       double *tau)
{
    double e0 = NAN, eb = NAN;
    for (int l = 0; l < PML_ISING_LEVELS; ++l) {
        const double n = (double)bn[l];
        if (n < 32 && l > 0) break;
        if (n < 2) break;
        const double mean = bsum[l] / n;
        double var = (bsq[l] / n - mean * mean) * n / (n - 1.0);
        if (var < 0) var = 0; /* rounding, for a constant series */
        const double e = sqrt(var / n);
        if (l == 0) e0 = e;
        eb = e;
    }
    *err = eb;
    *tau = (e0 > 0 && isfinite(eb)) ? 0.5 * (eb / e0) * (eb / e0) : (e0 == 0 ? 0.5 : NAN);
}

static void binning(const pml_ising_acc *a, int o, double *err, double *tau)
{
    binning_of(a->bsum[o], a->bsq[o], a->bn[o], err, tau);
}

/* C, chi, chi_m and U of a replica of N spins at temperature T from the means of the six
 * moments (e, e^2, m, |m|, m^2, m^4: the order of the jackknife bins). */
enum { NDER = 4 };
static void derived(const double mu[PML_ISING_JK_MOMENTS], double N, double T, double q[NDER])
{
    q[0] = N * (mu[1] - mu[0] * mu[0]) / (T * T);
    q[1] = N * (mu[4] - mu[3] * mu[3]) / T;
    q[2] = N * (mu[4] - mu[2] * mu[2]) / T;
    q[3] = mu[4] > 0 ? 1.0 - mu[5] / (3.0 * mu[4] * mu[4]) : NAN;
}

/* Delete-one jackknife over the complete bins (32 to 64 of them once there are 32 samples):
 * estimate i leaves bin i out, and var = (k - 1)/k sum_i (q_i - mean q)^2 over the k bins.
 * The samples of an unfinished last bin (fewer than 1/32 of them) are left out of it, so
 * the error is scaled by sqrt(used / count) to be that of the mean over all the samples.
 * NaN when there are fewer than 32 complete bins or no bins (a version 1 or 2 file). */
static void jackknife(const pml_ising_acc *a, double N, double T, double err[NDER])
{
    for (int q = 0; q < NDER; ++q) err[q] = NAN;
    const int64_t len = (int64_t)1 << a->jk_shift;
    const int64_t k = a->jk_fill == len ? a->jk_nb : a->jk_nb - 1;
    if ((a->flags & PML_ISING_ACC_LEGACY) || k < PML_ISING_JK_MIN_SAMPLES) return;
    double tot[PML_ISING_JK_MOMENTS] = {0}, q[PML_ISING_JK_BINS][NDER], mean[NDER] = {0};
    for (int64_t i = 0; i < k; ++i)
        for (int j = 0; j < PML_ISING_JK_MOMENTS; ++j) tot[j] += a->jk[i][j];
    const double rest = (double)((k - 1) * len); /* samples in each delete-one estimate */
    for (int64_t i = 0; i < k; ++i) {
        double mu[PML_ISING_JK_MOMENTS];
        for (int j = 0; j < PML_ISING_JK_MOMENTS; ++j) mu[j] = (tot[j] - a->jk[i][j]) / rest;
        derived(mu, N, T, q[i]);
        for (int d = 0; d < NDER; ++d) mean[d] += q[i][d] / (double)k;
    }
    for (int d = 0; d < NDER; ++d) {
        double ss = 0;
        for (int64_t i = 0; i < k; ++i) ss += (q[i][d] - mean[d]) * (q[i][d] - mean[d]);
        const double var = ss * (double)(k - 1) / (double)k;
        err[d] = sqrt(var * (double)(k * len) / (double)a->count);
    }
}

/* The warning bits of an accumulator with at least one sample. */
static uint32_t warnings(const pml_ising_acc *a, const double jk_err[NDER])
{
    uint32_t w = 0;
    if (a->count >= 2 && !(a->flags & PML_ISING_ACC_LEGACY)) {
        if (!(a->flags & PML_ISING_ACC_BONDS_VARIED))
            w |= (a->flags & PML_ISING_ACC_AMAG_VARIED) ? PML_ISING_WARN_BONDS_FROZEN
                                                        : PML_ISING_WARN_FROZEN;
    }
    if (isnan(jk_err[0])) w |= PML_ISING_WARN_NO_JACKKNIFE;
    return w;
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
        memset(o, 0, sizeof *o);
        o->T = g->T[r];
        o->B = g->B[r];
        o->samples = a->count;
        if (a->count == 0) {
            o->e = o->e_err = o->m = o->m_err = o->m_abs = o->m_abs_err = NAN;
            o->e2 = o->m2 = o->m4 = o->c = o->chi = o->chi_m = o->binder = NAN;
            o->tau_e = o->tau_m = NAN;
            o->c_err = o->chi_err = o->chi_m_err = o->binder_err = NAN;
            o->m2_cluster = o->m2_cluster_err = o->chi_cluster = o->chi_cluster_err = NAN;
            continue;
        }
        const double n = (double)a->count, T = g->T[r];
        const double mu[PML_ISING_JK_MOMENTS] = {a->sum_e / n,     a->sum_e2 / n,
                                                 a->sum_m / n,     a->sum_abs_m / n,
                                                 a->sum_m2 / n,    a->sum_m4 / n};
        o->e = mu[0];
        o->e2 = mu[1];
        o->m = mu[2];
        o->m_abs = mu[3];
        o->m2 = mu[4];
        o->m4 = mu[5];
        double q[NDER], err[NDER];
        derived(mu, N, T, q);
        jackknife(a, N, T, err);
        o->c = q[0], o->chi = q[1], o->chi_m = q[2], o->binder = q[3];
        o->c_err = err[0], o->chi_err = err[1], o->chi_m_err = err[2], o->binder_err = err[3];
        double tau_unused;
        binning(a, 0, &o->e_err, &o->tau_e);
        binning(a, 1, &o->m_err, &tau_unused);
        binning(a, 2, &o->m_abs_err, &o->tau_m);
        o->cluster_samples = a->imp_count;
        o->m2_cluster = o->m2_cluster_err = o->chi_cluster = o->chi_cluster_err = NAN;
        if (a->imp_count > 0) {
            double tau_imp;
            o->m2_cluster = a->imp_sum / (double)a->imp_count;
            binning_of(a->imp_bsum, a->imp_bsq, a->imp_bn, &o->m2_cluster_err, &tau_imp);
            o->chi_cluster = N * o->m2_cluster / T;
            o->chi_cluster_err = N * o->m2_cluster_err / T;
        }
        o->warning = warnings(a, err);
        o->frozen = (o->warning & PML_ISING_WARN_FROZEN) != 0;
    }
    free(acc);
    return PML_OK;
}

/* printf into text[*n..cap), joined to what is there by "; ". */
static void say(char *text, size_t cap, size_t *n, const char *fmt, ...)
{
    if (*n > 0 && *n + 2 < cap) {
        memcpy(text + *n, "; ", 3);
        *n += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    const int k = *n < cap ? vsnprintf(text + *n, cap - *n, fmt, ap) : 0;
    va_end(ap);
    *n = k > 0 && *n + (size_t)k < cap ? *n + (size_t)k : cap - 1;
}

pml_status pml_ising_warning_text(const pml_ising_stats *st, char *buf, size_t cap)
{
    static const char fn[] = "pml_ising_warning_text";
    PML_CHECK_ARG(st != NULL, fn, "st is NULL");
    PML_CHECK_ARG(buf != NULL, fn, "buf is NULL");
    PML_CHECK(cap >= 1, PML_ERR_INVALID_ARGUMENT, "%s: cap = 0, needs room for the terminator",
              fn);
    char text[1024] = "";
    size_t n = 0;
    const long long k = (long long)st->samples;
    if (st->warning & PML_ISING_WARN_FROZEN)
        say(text, sizeof text, &n,
            "frozen: e = %.6g and |m| = %.6g in all %lld samples, so the error bars of 0 and "
            "C = chi = 0 describe one state, not the ensemble (a trapped or frozen run, or one "
            "too short to see a move)",
            st->e, st->m_abs, k);
    if (st->warning & PML_ISING_WARN_BONDS_FROZEN)
        say(text, sizeof text, &n,
            "the bond sum never changed in %lld samples (only moves that cost no coupling "
            "energy: spins blinking in a frozen lattice, or a run too short), so e_err and C "
            "are not the ensemble's",
            k);
    if (st->warning & PML_ISING_WARN_NO_JACKKNIFE)
        say(text, sizeof text, &n, "no error bars for C, chi and U: %s",
            k < PML_ISING_JK_MIN_SAMPLES
                ? "fewer than 32 samples"
                : "the measurements were loaded from a state file of version 1 or 2");
    snprintf(buf, cap, "%s", text);
    return PML_OK;
}
