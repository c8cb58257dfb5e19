/* Partition functions and likelihoods: exact log Z by enumerating the smaller layer, annealed
 * importance sampling (Salakhutdinov & Murray 2008) from the base-rate model, and the mean
 * log-probability of a dataset. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rbm/rbm_model.h"

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

pml_status pml_rbm_logz_ais(pml_rbm *r, int64_t runs, int64_t steps, const pml_tensor *base,
                            uint64_t seed, pml_rbm_ais_result *res)
{
    static const char fn[] = "pml_rbm_logz_ais";
    PML_CHECK_ARG(r != NULL && res != NULL, fn, "the rbm or the result is NULL");
    memset(res, 0, sizeof *res);
    PML_CHECK(runs >= 2 && runs <= ((int64_t)1 << 20), PML_ERR_INVALID_ARGUMENT,
              "%s: runs = %lld, needs 2 .. 2^20", fn, (long long)runs);
    PML_CHECK(steps >= 1 && steps <= ((int64_t)1 << 24), PML_ERR_INVALID_ARGUMENT,
              "%s: steps = %lld, needs 1 .. 2^24", fn, (long long)steps);
    PML_CHECK(runs * (r->nv > r->nh ? r->nv : r->nh) <= ((int64_t)1 << 32),
              PML_ERR_INVALID_ARGUMENT, "%s: %lld runs of this model are too large", fn,
              (long long)runs);
    if (base) PML_TRY(pml_rbm_check_states(fn, r, base, "base", 1, r->nv));
    PML_RBM_OPS(r->dev, fn, ops);
    const pml_tensor *bt = base ? base : r->a;
    float *hb = malloc((size_t)r->nv * sizeof *hb);
    double *w = malloc((size_t)runs * sizeof *w);
    pml_tensor *v = NULL, *h = NULL, *ph = NULL, *pv = NULL, *wt = NULL;
    pml_status s = hb && w ? PML_OK : pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: host", fn);
    if (s == PML_OK) s = pml_tensor_create_2d(r->dev, PML_F32, runs, r->nv, &v);
    if (s == PML_OK) s = pml_tensor_create_2d(r->dev, PML_F32, runs, r->nh, &h);
    if (s == PML_OK) s = pml_tensor_create_2d(r->dev, PML_F32, runs, r->nh, &ph);
    if (s == PML_OK) s = pml_tensor_create_2d(r->dev, PML_F32, runs, r->nv, &pv);
    if (s == PML_OK) s = pml_tensor_create_1d(r->dev, PML_F64, runs, &wt);
    if (s == PML_OK) s = pml_tensor_zero(wt);
    if (s == PML_OK) s = pml_tensor_download(bt, hb, (size_t)r->nv * sizeof *hb);
    double logz_a = (double)r->nh * log(2.0);
    for (int64_t i = 0; s == PML_OK && i < r->nv; ++i) logz_a += pml_rbm_softplus((double)hb[i]);
    /* v from the base-rate model: p = sigma(base) (pv holds zeros as the pre-activation) */
    if (s == PML_OK) s = pml_tensor_zero(pv);
    if (s == PML_OK) {
        const pml_rbm_sample_args a = {.pre = pv->data, .base = bt->data, .beta = 0.0,
                                       .logistic = 1, .state = v->data, .threshold = -1.0,
                                       .rows = runs, .n = r->nv, .seed = seed,
                                       .stream = PML_RBM_STREAM_AIS_V, .step = 0};
        s = ops->sample(r->dev, &a);
    }
    for (int64_t k = 1; s == PML_OK && k <= steps; ++k) {
        const double bk = ais_beta(k, steps), bp = ais_beta(k - 1, steps);
        s = pml_rbm_pre_hidden(r, v->data, runs, ph);
        const pml_rbm_free_args fa = {.x = v->data, .pre = ph->data, .lin = r->a->data,
                                      .bias = r->b->data, .base = bt->data, .beta = bk,
                                      .beta_prev = bp, .mode = 1, .rows = runs, .nx = r->nv,
                                      .ny = r->nh, .out = wt->data};
        if (s == PML_OK) s = ops->free_energy(r->dev, &fa);
        if (k == steps) break;
        /* the transition T_k that leaves p_k invariant: h ~ p_k(h|v), v ~ p_k(v|h) (the base
         * rates mix into the visible layer only) */
        const pml_rbm_draw dh = {.seed = seed, .stream = PML_RBM_STREAM_AIS_H,
                                 .step = (uint64_t)k, .beta = bk};
        const pml_rbm_draw dv = {.seed = seed, .stream = PML_RBM_STREAM_AIS_V,
                                 .step = (uint64_t)k, .beta = bk, .base = bt->data};
        if (s == PML_OK) s = pml_rbm_draw_hidden(r, ph, runs, &dh, NULL, h->data);
        if (s == PML_OK) s = pml_rbm_pre_visible(r, h->data, runs, pv);
        if (s == PML_OK) s = pml_rbm_draw_visible(r, pv, runs, &dv, NULL, v->data);
    }
    if (s == PML_OK) s = pml_tensor_download(wt, w, (size_t)runs * sizeof *w);
    if (s == PML_OK) {
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
        res->logz = logz_a + m + log(mean);
        res->logz_err = sqrt(var > 0 ? var : 0) / (sqrt((double)runs) * mean);
        res->logz_base = logz_a;
        res->ess = s1 * s1 / s2;
        res->runs = runs;
        res->steps = steps;
        if (!isfinite(res->logz))
            s = pml_set_error(PML_ERR_NUMERIC, "%s: log Z is not finite", fn);
    }
    pml_tensor_destroy(v);
    pml_tensor_destroy(h);
    pml_tensor_destroy(ph);
    pml_tensor_destroy(pv);
    pml_tensor_destroy(wt);
    free(hb);
    free(w);
    return s;
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
