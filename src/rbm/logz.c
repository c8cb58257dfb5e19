/* Partition functions and likelihoods: exact log Z by enumerating the smaller layer, annealed
 * importance sampling (Salakhutdinov & Murray 2008) from the base-rate model, stopped and
 * continued through checkpoints (ais_checkpoint.c), and the mean log-probability of a
 * dataset. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "rbm/ais.h"

#define ENUM_BATCH ((int64_t)1 << 14)

pml_status pml_rbm_logz_exact(pml_rbm *r, double *logz)
{
    static const char fn[] = "pml_rbm_logz_exact";
    PML_CHECK_ARG(r != NULL && logz != NULL, fn, "the rbm or logz is NULL");
    const int by_hidden = r->nh <= r->nv;
    const int64_t ns = by_hidden ? r->nh : r->nv, nb = by_hidden ? r->nv : r->nh;
    PML_CHECK(ns <= PML_RBM_EXACT_MAX, PML_ERR_INVALID_ARGUMENT,
              "%s: the smaller layer has %lld units; exact log Z sums 2^%lld states, at most "
              "2^%d (use AIS)", fn, (long long)ns, (long long)ns, PML_RBM_EXACT_MAX);
    PML_RBM_OPS(r->dev, fn, ops);
    const uint64_t total = (uint64_t)1 << ns;
    const int64_t rows = (int64_t)total < ENUM_BATCH ? (int64_t)total : ENUM_BATCH;
    pml_tensor *x = NULL, *pre = NULL, *out = NULL, *acc = NULL;
    pml_status s = pml_tensor_create_2d(r->dev, PML_F32, rows, ns, &x);
    if (s == PML_OK) s = pml_tensor_create_2d(r->dev, PML_F32, rows, nb, &pre);
    if (s == PML_OK) s = pml_tensor_create_1d(r->dev, PML_F64, rows, &out);
    if (s == PML_OK) s = pml_tensor_create_1d(r->dev, PML_F64, 2, &acc);
    const double init[2] = {-INFINITY, 0.0};
    if (s == PML_OK) s = pml_tensor_upload(acc, init, sizeof init);
    for (uint64_t first = 0; s == PML_OK && first < total; first += (uint64_t)rows) {
        const pml_rbm_enumerate_args ea = {.out = x->data, .rows = rows, .n = ns, .first = first};
        s = ops->enumerate(r->dev, &ea);
        /* pre = h W (rows x nv) or v W^T (rows x nh) */
        if (s == PML_OK)
            s = pml_gemm_ex(r->dev, PML_NO_TRANS, by_hidden ? PML_NO_TRANS : PML_TRANS, rows, nb,
                            ns, 1.0, pml_mref(x, ns), pml_mref(r->w, r->nv), 0.0, pre, 0, nb);
        const pml_rbm_free_args fa = {.x = x->data, .pre = pre->data,
                                      .lin = by_hidden ? r->b->data : r->a->data,
                                      .bias = by_hidden ? r->a->data : r->b->data, .beta = 1.0,
                                      .mode = 0, .rows = rows, .nx = ns, .ny = nb,
                                      .out = out->data};
        if (s == PML_OK) s = ops->free_energy(r->dev, &fa);
        const pml_rbm_lse_args la = {.x = out->data, .n = rows, .acc = acc->data};
        if (s == PML_OK) s = ops->lse(r->dev, &la);
    }
    double host[2] = {0, 0};
    if (s == PML_OK) s = pml_tensor_download(acc, host, sizeof host);
    if (s == PML_OK) *logz = host[0] + log(host[1]);
    if (s == PML_OK && !isfinite(*logz))
        s = pml_set_error(PML_ERR_NUMERIC, "%s: log Z is not finite (%g)", fn, *logz);
    pml_tensor_destroy(x);
    pml_tensor_destroy(pre);
    pml_tensor_destroy(out);
    pml_tensor_destroy(acc);
    return s;
}

/* beta_k for k = 0 .. steps: Salakhutdinov & Murray's schedule scaled to `steps`: linear
 * 0 -> 0.5 over the first 500/14500 of the steps, 0.5 -> 0.9 over the next 4000/14500, and
 * 0.9 -> 1 over the remaining 10000/14500, where the distributions change fastest. */
static double ais_beta(int64_t k, int64_t steps)
{
    const double x = (double)k / (double)steps, f1 = 500.0 / 14500.0, f2 = 4500.0 / 14500.0;
    if (k == steps) return 1.0;
    if (x <= f1) return 0.5 * x / f1;
    if (x <= f2) return 0.5 + 0.4 * (x - f1) / (f2 - f1);
    return 0.9 + 0.1 * (x - f2) / (1.0 - f2);
}

/* Step k of a run (1 .. steps): the weights gain log f_k(v) - log f_{k-1}(v), then, before the
 * last, the transition T_k that leaves p_k invariant: h ~ p_k(h|v), v ~ p_k(v|h) (the base
 * rates mix into the visible layer only). h, ph, pv: scratch of runs rows. */
static pml_status ais_step(const struct pml_rbm_ops *ops, pml_rbm_ais_run *a, int64_t k,
                           pml_tensor *h, pml_tensor *ph, pml_tensor *pv)
{
    pml_rbm *r = a->r;
    const double bk = ais_beta(k, a->steps), bp = ais_beta(k - 1, a->steps);
    PML_TRY(pml_rbm_pre_hidden(r, a->v->data, a->runs, ph));
    const pml_rbm_free_args fa = {.x = a->v->data, .pre = ph->data, .lin = r->a->data,
                                  .bias = r->b->data, .base = a->base->data, .beta = bk,
                                  .beta_prev = bp, .mode = 1, .rows = a->runs, .nx = r->nv,
                                  .ny = r->nh, .out = a->w->data};
    PML_TRY(ops->free_energy(r->dev, &fa));
    if (k == a->steps) return PML_OK;
    const pml_rbm_draw dh = {.seed = a->seed, .stream = PML_RBM_STREAM_AIS_H,
                             .step = (uint64_t)k, .beta = bk};
    const pml_rbm_draw dv = {.seed = a->seed, .stream = PML_RBM_STREAM_AIS_V,
                             .step = (uint64_t)k, .beta = bk, .base = a->base->data};
    PML_TRY(pml_rbm_draw_hidden(r, ph, a->runs, &dh, NULL, h->data));
    PML_TRY(pml_rbm_pre_visible(r, h->data, a->runs, pv));
    return pml_rbm_draw_visible(r, pv, a->runs, &dv, NULL, a->v->data);
}

/* The estimate from the final log-weights w (runs of them) into res. */
static void ais_estimate(const double *w, int64_t runs, pml_rbm_ais_result *res)
{
    double m = -INFINITY;
    for (int64_t i = 0; i < runs; ++i) m = w[i] > m ? w[i] : m;
    double s1 = 0.0, s2 = 0.0;
    for (int64_t i = 0; i < runs; ++i) {
        const double e = exp(w[i] - m);
        s1 += e;
        s2 += e * e;
    }
    const double mean = s1 / (double)runs;
    const double var = (s2 / (double)runs - mean * mean) * (double)runs / (double)(runs - 1);
    res->logz = res->logz_base + m + log(mean);
    res->logz_err = sqrt(var > 0 ? var : 0) / (sqrt((double)runs) * mean);
    res->ess = s1 * s1 / s2;
}

/* The arguments of a checkpointed run; a NULL ck has none to check. */
static pml_status check_checkpoint(const char *fn, const pml_rbm_ais_checkpoint *ck)
{
    if (ck == NULL) return PML_OK;
    PML_CHECK(ck->path == NULL || ck->every >= 1, PML_ERR_INVALID_ARGUMENT,
              "%s: checkpoint every %lld steps, needs 1 or more", fn, (long long)ck->every);
    PML_CHECK(ck->stop_after >= 0, PML_ERR_INVALID_ARGUMENT,
              "%s: stop_after = %lld, needs 0 (run to the end) or more", fn,
              (long long)ck->stop_after);
    /* a run stopped with nowhere to write its state could never be continued */
    PML_CHECK(ck->stop_after == 0 || ck->path != NULL, PML_ERR_INVALID_ARGUMENT,
              "%s: stop_after needs a checkpoint path", fn);
    return PML_OK;
}

static pml_status logz_ais(const char *fn, pml_rbm *r, int64_t runs, int64_t steps,
                           const pml_tensor *base, uint64_t seed,
                           const pml_rbm_ais_checkpoint *ck, pml_rbm_ais_result *res)
{
    PML_CHECK_ARG(r != NULL && res != NULL, fn, "the rbm or the result is NULL");
    memset(res, 0, sizeof *res);
    res->logz = res->logz_err = res->logz_base = res->ess = NAN;
    PML_CHECK(runs >= 2 && runs <= ((int64_t)1 << 20), PML_ERR_INVALID_ARGUMENT,
              "%s: runs = %lld, needs 2 .. 2^20", fn, (long long)runs);
    PML_CHECK(steps >= 1 && steps <= ((int64_t)1 << 24), PML_ERR_INVALID_ARGUMENT,
              "%s: steps = %lld, needs 1 .. 2^24", fn, (long long)steps);
    PML_CHECK(runs * (r->nv > r->nh ? r->nv : r->nh) <= ((int64_t)1 << 32),
              PML_ERR_INVALID_ARGUMENT, "%s: %lld runs of this model are too large", fn,
              (long long)runs);
    PML_TRY(check_checkpoint(fn, ck));
    if (base) PML_TRY(pml_rbm_check_states(fn, r, base, "base", 1, r->nv));
    PML_RBM_OPS(r->dev, fn, ops);
    const char *path = ck ? ck->path : NULL, *resume = ck ? ck->resume : NULL;
    const int64_t every = path ? ck->every : 0;
    const int64_t stop = ck && ck->stop_after > 0 && ck->stop_after < steps ? ck->stop_after
                                                                            : steps;
    /* a checkpoint that cannot be written is found before the work, not after it */
    if (path) PML_TRY(pml_check_writable(fn, path));
    pml_rbm_ais_run a = {.r = r, .runs = runs, .steps = steps, .seed = seed,
                         .base = base ? base : r->a};
    float *hb = malloc((size_t)r->nv * sizeof *hb);
    double *w = malloc((size_t)runs * sizeof *w);
    pml_tensor *h = NULL, *ph = NULL, *pv = NULL;
    pml_status s = hb && w ? PML_OK : pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: host", fn);
    if (s == PML_OK) s = pml_tensor_create_2d(r->dev, PML_F32, runs, r->nv, &a.v);
    if (s == PML_OK) s = pml_tensor_create_2d(r->dev, PML_F32, runs, r->nh, &h);
    if (s == PML_OK) s = pml_tensor_create_2d(r->dev, PML_F32, runs, r->nh, &ph);
    if (s == PML_OK) s = pml_tensor_create_2d(r->dev, PML_F32, runs, r->nv, &pv);
    if (s == PML_OK) s = pml_tensor_create_1d(r->dev, PML_F64, runs, &a.w);
    if (s == PML_OK) s = pml_tensor_download(a.base, hb, (size_t)r->nv * sizeof *hb);
    double logz_a = (double)r->nh * log(2.0);
    for (int64_t i = 0; s == PML_OK && i < r->nv; ++i) logz_a += pml_rbm_softplus((double)hb[i]);
    if (s == PML_OK && (path || resume)) s = pml_rbm_ais_fingerprint(fn, &a);
    if (s == PML_OK && resume) {
        s = pml_rbm_ais_load(fn, &a, resume);
        if (s == PML_OK) res->resumed_from = a.done;
    } else if (s == PML_OK) {
        /* v from the base-rate model: p = sigma(base) (pv holds zeros as the pre-activation) */
        s = pml_tensor_zero(a.w);
        if (s == PML_OK) s = pml_tensor_zero(pv);
        const pml_rbm_sample_args sa = {.pre = pv->data, .base = a.base->data, .beta = 0.0,
                                        .logistic = 1, .state = a.v->data, .threshold = -1.0,
                                        .rows = runs, .n = r->nv, .seed = seed,
                                        .stream = PML_RBM_STREAM_AIS_V, .step = 0};
        if (s == PML_OK) s = ops->sample(r->dev, &sa);
    }
    for (int64_t k = a.done + 1; s == PML_OK && k <= stop; ++k) {
        s = ais_step(ops, &a, k, h, ph, pv);
        if (s == PML_OK) a.done = k;
        if (s == PML_OK && path && k % every == 0 && k < stop)
            s = pml_rbm_ais_save(fn, &a, path);
    }
    /* where the call stops (the end, or stop_after), the state goes to the checkpoint also
     * when this call made no step: path then holds what resume held */
    if (s == PML_OK && path) s = pml_rbm_ais_save(fn, &a, path);
    if (s == PML_OK) {
        res->logz_base = logz_a;
        res->runs = runs;
        res->steps = steps;
        res->steps_done = a.done;
    }
    if (s == PML_OK && a.done == steps) {
        s = pml_tensor_download(a.w, w, (size_t)runs * sizeof *w);
        if (s == PML_OK) ais_estimate(w, runs, res);
        if (s == PML_OK && !isfinite(res->logz))
            s = pml_set_error(PML_ERR_NUMERIC, "%s: log Z is not finite", fn);
    }
    pml_tensor_destroy(a.v);
    pml_tensor_destroy(h);
    pml_tensor_destroy(ph);
    pml_tensor_destroy(pv);
    pml_tensor_destroy(a.w);
    free(hb);
    free(w);
    return s;
}

pml_status pml_rbm_logz_ais(pml_rbm *r, int64_t runs, int64_t steps, const pml_tensor *base,
                            uint64_t seed, pml_rbm_ais_result *res)
{
    return logz_ais("pml_rbm_logz_ais", r, runs, steps, base, seed, NULL, res);
}

pml_status pml_rbm_logz_ais_resumable(pml_rbm *r, int64_t runs, int64_t steps,
                                      const pml_tensor *base, uint64_t seed,
                                      const pml_rbm_ais_checkpoint *ck, pml_rbm_ais_result *res)
{
    return logz_ais("pml_rbm_logz_ais_resumable", r, runs, steps, base, seed, ck, res);
}

pml_status pml_rbm_mean_logprob(pml_rbm *r, const pml_dataset *data, pml_rbm_binarize binarize,
                                double threshold, int64_t limit, double logz, double *mean,
                                double *sem)
{
    static const char fn[] = "pml_rbm_mean_logprob";
    PML_TRY(pml_rbm_check_data(fn, r, data, binarize, threshold));
    PML_CHECK_ARG(mean != NULL, fn, "mean is NULL");
    PML_CHECK(isfinite(logz), PML_ERR_INVALID_ARGUMENT, "%s: log Z is not finite", fn);
    int64_t n = pml_dataset_size(data);
    if (limit > 0 && limit < n) n = limit;
    double *host = malloc((size_t)r->max_batch * sizeof *host);
    PML_CHECK(host != NULL, PML_ERR_OUT_OF_MEMORY, "%s: host memory", fn);
    double s1 = 0.0, s2 = 0.0;
    pml_status s = PML_OK;
    for (int64_t start = 0; s == PML_OK && start < n; start += r->max_batch) {
        const int64_t rows = n - start < r->max_batch ? n - start : r->max_batch;
        s = pml_rbm_batch_neg_free(r, data, start, rows, binarize, threshold, 1, 0, host);
        for (int64_t i = 0; s == PML_OK && i < rows; ++i) {
            const double lp = host[i] - logz;
            s1 += lp;
            s2 += lp * lp;
        }
    }
    free(host);
    PML_TRY(s);
    *mean = s1 / (double)n;
    if (sem) {
        const double var = n > 1 ? (s2 - s1 * s1 / (double)n) / (double)(n - 1) : 0.0;
        *sem = sqrt(var > 0 ? var : 0) / sqrt((double)n);
    }
    return PML_OK;
}
