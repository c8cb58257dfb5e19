/* pml_rbm_train: the contrastive-divergence step (step_cd.c) on the library's training driver
 * (pml_train_with), with the RBM's own monitors after every epoch: the pseudo-log-likelihood
 * and the mean free energies of a fixed training subset and of the validation set. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/train_step.h"
#include "rbm/rbm_step.h"

pml_rbm_train_config pml_rbm_train_defaults(void)
{
    pml_rbm_train_config c;
    memset(&c, 0, sizeof c);
    c.method = PML_RBM_CD;
    c.k = 1;
    c.pt_beta_min = 0.5;
    c.epochs = 10;
    c.batch = 100;
    c.lr = 0.1;
    c.momentum = 0.5;
    c.seed = 1;
    c.binarize = PML_RBM_THRESHOLD;
    c.threshold = 0.5;
    c.init_visible_bias = 1;
    c.monitor_rows = 1000;
    return c;
}

void pml_rbm_train_result_free(pml_rbm_train_result *res)
{
    if (res == NULL) return;
    free(res->history);
    free(res->betas);
    free(res->pt_accept);
    memset(res, 0, sizeof *res);
}

typedef struct monitor {
    pml_rbm *r;
    const pml_rbm_train_config *cfg;
    pml_dataset *sub, *val; /* fixed subsets (may be NULL) */
    pml_train_step *step;
    pml_rbm_epoch *hist;
    int cap;
    pml_status status;
    double *host;
    int64_t tries0, accepts0; /* swap totals at the end of the previous epoch */
} monitor;

/* Mean of -F(v) (and, with pll, of the pseudo-log-likelihood) over the examples of ds. */
static pml_status scan(monitor *mo, const pml_dataset *ds, int pll, uint64_t epoch, double *nf,
                       double *pl)
{
    pml_rbm *r = mo->r;
    const int64_t n = pml_dataset_size(ds);
    PML_RBM_OPS(r->dev, "pml_rbm_train", ops);
    double s_f = 0.0, s_p = 0.0;
    for (int64_t start = 0; start < n; start += r->max_batch) {
        const int64_t rows = n - start < r->max_batch ? n - start : r->max_batch;
        PML_TRY(pml_rbm_batch_neg_free(r, ds, start, rows, mo->cfg->binarize,
                                       mo->cfg->threshold, mo->cfg->seed ^ 0x3C3C3C3Cu, epoch,
                                       mo->host));
        for (int64_t i = 0; i < rows; ++i) s_f += mo->host[i];
        if (!pll) continue;
        /* the flipped copy of the binarised rows (in r->v1) into pre_v's storage, whose -F
         * pml_rbm_neg_free computes through pre_h */
        const pml_rbm_flip_args fa = {.src = r->v1->data, .dst = r->pre_v->data, .rows = rows,
                                      .n = r->nv, .row0 = start, .seed = mo->cfg->seed,
                                      .step = epoch};
        PML_TRY(ops->flip(r->dev, &fa));
        double *flipped = mo->host + r->max_batch;
        PML_TRY(pml_rbm_neg_free(r, r->pre_v->data, rows, r->dout->data));
        PML_TRY(r->dev->ops->download(r->dev, flipped, r->dout->data, (size_t)rows * sizeof(double)));
        for (int64_t i = 0; i < rows; ++i) {
            /* n_visible log sigma(F(v~) - F(v)) = -n_visible softplus(F(v) - F(v~)) */
            const double x = flipped[i] - mo->host[i]; /* F(v) - F(v~) = -f + f~ */
            s_p += -(double)r->nv * pml_rbm_softplus(x);
        }
    }
    *nf = s_f / (double)n;
    if (pl) *pl = s_p / (double)n;
    return PML_OK;
}

static int on_epoch(void *user, int epoch, int64_t step, int64_t steps_per_epoch,
                    const pml_epoch_stats *st)
{
    (void)step, (void)steps_per_epoch;
    monitor *mo = user;
    if (st == NULL) return 0;
    pml_rbm_epoch e = {.epoch = epoch, .recon_error = st->train_loss,
                       .val_recon_error = st->val_loss, .pseudo_loglik = NAN,
                       .free_energy_train = NAN, .free_energy_val = NAN, .pt_accept = NAN,
                       .lr = st->lr, .seconds = st->seconds, .samples = st->samples};
    if (mo->sub) {
        double nf = 0, pl = 0;
        mo->status = scan(mo, mo->sub, 1, (uint64_t)epoch, &nf, &pl);
        if (mo->status != PML_OK) return 1;
        e.free_energy_train = -nf;
        e.pseudo_loglik = pl;
    }
    if (mo->val) {
        double nf = 0;
        mo->status = scan(mo, mo->val, 0, (uint64_t)epoch, &nf, NULL);
        if (mo->status != PML_OK) return 1;
        e.free_energy_val = -nf;
    }
    int64_t K = 1, *tries = NULL, *acc = NULL;
    const double *betas = NULL;
    pml_rbm_step_tempering(mo->step, &K, &betas, &tries, &acc);
    if (K > 1) {
        int64_t t = 0, a = 0;
        for (int64_t l = 0; l + 1 < K; ++l) t += tries[l], a += acc[l];
        e.pt_accept = t > mo->tries0 ? (double)(a - mo->accepts0) / (double)(t - mo->tries0) : NAN;
        mo->tries0 = t;
        mo->accepts0 = a;
    }
    if (epoch < mo->cap) mo->hist[epoch] = e;
    return mo->cfg->callback ? mo->cfg->callback(mo->cfg->user, &e) : 0;
}

static pml_status check_config(const char *fn, const pml_rbm *r, const pml_rbm_train_config *c)
{
    PML_CHECK(c->method == PML_RBM_CD || c->method == PML_RBM_PCD, PML_ERR_INVALID_ARGUMENT,
              "%s: unknown method %d", fn, (int)c->method);
    PML_CHECK(c->k >= 1 && c->k <= 100000, PML_ERR_INVALID_ARGUMENT,
              "%s: k = %d Gibbs steps, needs 1 .. 100000", fn, c->k);
    PML_CHECK(c->chains >= 0 && c->chains <= ((int64_t)1 << 24), PML_ERR_INVALID_ARGUMENT,
              "%s: chains = %lld, needs 0 .. 2^24", fn, (long long)c->chains);
    PML_CHECK(c->pt >= 0 && c->pt <= 64, PML_ERR_INVALID_ARGUMENT,
              "%s: pt = %d temperatures, needs 0 .. 64", fn, c->pt);
    PML_CHECK(c->pt <= 1 || c->method == PML_RBM_PCD, PML_ERR_INVALID_ARGUMENT,
              "%s: parallel tempering needs persistent chains (method pcd)", fn);
    PML_CHECK(c->pt <= 1 || (c->pt_beta_min > 0.0 && c->pt_beta_min < 1.0),
              PML_ERR_INVALID_ARGUMENT, "%s: pt_beta_min = %g, needs 0 < beta < 1", fn,
              c->pt_beta_min);
    PML_CHECK(c->epochs >= 1 && c->epochs <= 1000000, PML_ERR_INVALID_ARGUMENT,
              "%s: epochs = %d, needs 1 .. 10^6", fn, c->epochs);
    PML_CHECK(c->batch >= 1 && c->batch <= r->max_batch, PML_ERR_INVALID_ARGUMENT,
              "%s: batch = %lld, needs 1 .. the model's max_batch %lld", fn, (long long)c->batch,
              (long long)r->max_batch);
    PML_CHECK(c->lr > 0.0 && c->lr <= 1e4 && isfinite(c->lr), PML_ERR_INVALID_ARGUMENT,
              "%s: lr = %g, needs 0 < lr <= 1e4", fn, c->lr);
    PML_CHECK(c->momentum >= 0.0 && c->momentum < 1.0, PML_ERR_INVALID_ARGUMENT,
              "%s: momentum = %g, needs 0 <= m < 1", fn, c->momentum);
    PML_CHECK(c->weight_decay >= 0.0 && c->weight_decay <= 1.0, PML_ERR_INVALID_ARGUMENT,
              "%s: weight_decay = %g, needs 0 .. 1", fn, c->weight_decay);
    PML_CHECK(c->binarize >= PML_RBM_THRESHOLD && c->binarize <= PML_RBM_ASIS,
              PML_ERR_INVALID_ARGUMENT, "%s: unknown binarisation %d", fn, (int)c->binarize);
    PML_CHECK(c->threshold >= 0.0 && c->threshold < 1.0, PML_ERR_INVALID_ARGUMENT,
              "%s: threshold = %g, needs 0 <= t < 1", fn, c->threshold);
    PML_CHECK(c->monitor_rows >= 0, PML_ERR_INVALID_ARGUMENT, "%s: monitor_rows < 0", fn);
    const int64_t kc = (c->pt > 1 ? c->pt : 1) * (c->chains > 0 ? c->chains : c->batch);
    PML_CHECK(kc * (r->nv > r->nh ? r->nv : r->nh) <= ((int64_t)1 << 34),
              PML_ERR_INVALID_ARGUMENT, "%s: %lld chains of this model are too large", fn,
              (long long)kc);
    return PML_OK;
}

pml_status pml_rbm_train(pml_rbm *r, pml_dataset *train, const pml_dataset *val,
                         const pml_rbm_train_config *cfg, pml_rbm_train_result *result)
{
    static const char fn[] = "pml_rbm_train";
    if (result) memset(result, 0, sizeof *result);
    PML_CHECK_ARG(r != NULL && train != NULL && cfg != NULL, fn, "rbm, data or config is NULL");
    PML_TRY(check_config(fn, r, cfg));
    PML_CHECK(pml_dataset_features(train) == r->nv, PML_ERR_INVALID_ARGUMENT,
              "%s: the training set has %lld features per example, the rbm %lld visible units",
              fn, (long long)pml_dataset_features(train), (long long)r->nv);
    if (val)
        PML_CHECK(pml_dataset_features(val) == r->nv, PML_ERR_INVALID_ARGUMENT,
                  "%s: the validation set has %lld features per example, the rbm %lld visible "
                  "units", fn, (long long)pml_dataset_features(val), (long long)r->nv);
    pml_optim_config oc = pml_optim_defaults(cfg->momentum > 0 ? PML_OPTIM_MOMENTUM : PML_OPTIM_SGD);
    oc.lr = cfg->lr;
    oc.momentum = cfg->momentum;
    oc.weight_decay = cfg->weight_decay;
    pml_optimizer *opt = NULL;
    pml_train_step *step = NULL;
    monitor mo = {.r = r, .cfg = cfg, .cap = cfg->epochs};
    const pml_rbm_step_opts so = {cfg->method, cfg->k, cfg->chains, cfg->pt, cfg->pt_beta_min,
                                  cfg->binarize, cfg->threshold, cfg->seed};
    pml_status s = pml_optimizer_create(r->dev, &oc, &opt);
    if (s == PML_OK) s = pml_rbm_step_create(r, &so, &step);
    mo.step = step;
    mo.hist = calloc((size_t)cfg->epochs, sizeof *mo.hist);
    mo.host = calloc((size_t)(2 * r->max_batch), sizeof *mo.host);
    if (s == PML_OK && (!mo.hist || !mo.host))
        s = pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: host memory", fn);
    for (int i = 0; mo.hist && i < cfg->epochs; ++i)
        mo.hist[i] = (pml_rbm_epoch){.epoch = i, .recon_error = NAN, .val_recon_error = NAN,
                                     .pseudo_loglik = NAN, .free_energy_train = NAN,
                                     .free_energy_val = NAN, .pt_accept = NAN, .lr = NAN,
                                     .seconds = NAN};
    if (s == PML_OK && cfg->monitor_rows > 0) {
        const int64_t n = pml_dataset_size(train);
        s = pml_dataset_head(train, cfg->monitor_rows < n ? cfg->monitor_rows : n, &mo.sub);
        if (s == PML_OK && val) {
            const int64_t nv = pml_dataset_size(val);
            s = pml_dataset_head(val, cfg->monitor_rows < nv ? cfg->monitor_rows : nv, &mo.val);
        }
    }
    pml_train_config tc = pml_train_defaults();
    tc.epochs = cfg->epochs;
    tc.batch = cfg->batch;
    tc.loss = PML_LOSS_MSE;
    tc.schedule = cfg->schedule;
    tc.restore_best = 0;
    tc.seed = cfg->seed;
    tc.callback = on_epoch;
    tc.user = &mo;
    tc.checkpoint = cfg->checkpoint;
    tc.checkpoint_every = cfg->checkpoint_every;
    tc.resume = cfg->resume;
    pml_train_result tr;
    memset(&tr, 0, sizeof tr);
    /* everything the driver refuses is refused before the visible biases change */
    if (s == PML_OK) s = pml_train_check_run(fn, r->model, opt, step, train, val, &tc);
    if (s == PML_OK && cfg->init_visible_bias && cfg->resume == NULL)
        s = pml_error_within(pml_rbm_base_rate(r, train, cfg->binarize, cfg->threshold, r->a), fn);
    if (s == PML_OK) s = pml_train_checked(fn, r->model, opt, step, train, val, &tc, &tr);
    if (s == PML_OK && mo.status != PML_OK) s = mo.status;
    if (s == PML_OK && result) {
        result->epochs_run = tr.epochs_run;
        result->seconds = tr.seconds;
        result->samples = tr.samples;
        result->history = mo.hist;
        mo.hist = NULL;
        for (int i = 0; i < tr.epochs_run && i < cfg->epochs; ++i) {
            /* the driver's history holds the epochs a resume skipped too */
            result->history[i].recon_error = tr.history[i].train_loss;
            result->history[i].val_recon_error = tr.history[i].val_loss;
            result->history[i].lr = tr.history[i].lr;
            result->history[i].seconds = tr.history[i].seconds;
            result->history[i].samples = tr.history[i].samples;
        }
        int64_t K = 1, *tries = NULL, *acc = NULL;
        const double *betas = NULL;
        pml_rbm_step_tempering(step, &K, &betas, &tries, &acc);
        result->pt = (int)K;
        result->betas = malloc((size_t)K * sizeof *result->betas);
        result->pt_accept = calloc((size_t)(K > 1 ? K - 1 : 1), sizeof *result->pt_accept);
        if (!result->betas || !result->pt_accept) {
            pml_rbm_train_result_free(result);
            s = pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: host memory", fn);
        } else {
            for (int64_t l = 0; l < K; ++l) result->betas[l] = betas[l];
            for (int64_t l = 0; l + 1 < K; ++l)
                result->pt_accept[l] = tries[l] ? (double)acc[l] / (double)tries[l] : NAN;
        }
    }
    pml_train_result_free(&tr);
    pml_dataset_destroy(mo.sub);
    pml_dataset_destroy(mo.val);
    free(mo.hist);
    free(mo.host);
    pml_train_step_destroy(step);
    pml_optimizer_destroy(opt);
    return s;
}
