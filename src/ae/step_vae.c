/* The VAE's training step (Kingma & Welling 2014): forward in training mode (the gauss layer
 * draws z = mu + sigma eps, eps keyed by the run's seed, its position and the step), the
 * reconstruction loss -log p(x|z) of the clean inputs, beta times the analytic KL added on
 * the device, backward (the gauss layer adds the KL's gradient, weighted by beta or, during a
 * KL warm-up, by pml_ae_kl_weight), one optimiser step. The totals: slot[0] = sum over the
 * rows of recon + beta KL (what is minimised once any warm-up is over), slot[1] = the KL's sum
 * (pml_epoch_stats.train_kl). Evaluation samples z too, with draws keyed by the
 * batch's number, so the validation ELBO is the same estimate every epoch. A plain
 * autoencoder's step is nn's reconstruction step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae/ae_model.h"
#include "nn/checkpoint.h"

typedef struct vae_step {
    pml_train_step base;
    const pml_autoencoder *ae;
    pml_tensor *dy;
} vae_step;

static pml_status check(const pml_train_step *base, const char *fn, const pml_model *m,
                        pml_loss_kind loss)
{
    const vae_step *s = (const vae_step *)base;
    (void)loss;
    PML_CHECK(m == s->ae->m, PML_ERR_INVALID_ARGUMENT,
              "%s: the VAE step trains the autoencoder it was made for", fn);
    return PML_OK;
}

static pml_status begin(pml_train_step *base, const pml_model *m, int64_t max_batch)
{
    vae_step *s = (vae_step *)base;
    pml_tensor_destroy(s->dy);
    s->dy = NULL;
    return pml_tensor_create_2d(m->dev, m->dtype, max_batch, pml_model_out_features(m), &s->dy);
}

static void end(pml_train_step *base)
{
    vae_step *s = (vae_step *)base;
    pml_tensor_destroy(s->dy);
    s->dy = NULL;
}

/* The forward of a training step (dy given) or of an evaluation, and the totals. */
static pml_status elbo(vae_step *s, const pml_step_ctx *c, const pml_batch *b, pml_tensor *dy,
                       double *slot)
{
    static const char fn[] = "VAE step";
    pml_model *m = c->model;
    pml_gauss_layer *g = pml_gauss_find(m, NULL);
    PML_CHECK(g != NULL, PML_ERR_INVALID_ARGUMENT, "%s: the model has no gauss layer", fn);
    PML_NN_OPS(m->dev, fn, nn);
    PML_VAE_OPS(m->dev, fn, vae);
    const double gs = c->reduction == PML_REDUCE_MEAN ? 1.0 / (double)b->count : 1.0;
    const double beta = s->ae->cfg.beta;
    const pml_tensor *y = NULL;
    g->kl_scale = (dy ? pml_ae_kl_weight(&s->ae->cfg, b->step) : beta) * gs;
    if (dy) {
        PML_TRY(pml_model_forward_train(m, b->x, b->count, b->seed, b->step, &y));
    } else {
        g->eval_sample = 1;
        g->eval_seed = b->seed;
        g->eval_counter = b->step;
        const pml_status st = pml_model_forward_eval(m, b->x, b->count, &y);
        g->eval_sample = 0;
        PML_TRY(st);
    }
    pml_nn_loss_args a = pml_ae_loss_args(s->ae, b->count, y->data, b->clean->data, gs);
    a.dy = dy ? dy->data : NULL;
    a.out = slot;
    a.nonfinite = c->nonfinite;
    PML_TRY(nn->loss(m->dev, &a));
    const pml_vae_add_kl_args k = {(const double *)g->kl->data, beta, slot, c->nonfinite};
    return vae->add_kl(m->dev, &k);
}

static pml_status run(pml_train_step *base, const pml_step_ctx *c, const pml_batch *b,
                      double *slot)
{
    vae_step *s = (vae_step *)base;
    PML_TRY(elbo(s, c, b, s->dy, slot));
    PML_TRY(pml_model_backward(c->model, s->dy, b->count));
    return pml_optimizer_step_model_guarded(c->opt, c->model, c->nonfinite);
}

static pml_status evaluate(pml_train_step *base, const pml_step_ctx *c, const pml_batch *b,
                           double *slot)
{
    return elbo((vae_step *)base, c, b, NULL, slot);
}

/* The settings that change the steps' arithmetic beyond what the driver records (the loss):
 * beta, the Gaussian decoder's sigma and the KL warm-up's length. */
enum { N_SETTINGS = 3 };
static const char *const setting_keys[N_SETTINGS] = {"step.beta", "step.sigma",
                                                     "step.kl_warmup"};
/* what a checkpoint without the key held: runs from before warm-ups existed had none */
static const char *const setting_absent[N_SETTINGS] = {NULL, NULL, "0"};

static void settings(const vae_step *s, char v[N_SETTINGS][40])
{
    snprintf(v[0], 40, "%.17g", s->ae->cfg.beta);
    snprintf(v[1], 40, "%.17g", s->ae->cfg.loss == PML_LOSS_MSE ? s->ae->cfg.sigma : 0.0);
    snprintf(v[2], 40, "%lld", (long long)s->ae->cfg.kl_warmup);
}

static pml_status save(const pml_train_step *base, pml_ckpt_out *w)
{
    char v[N_SETTINGS][40];
    settings((const vae_step *)base, v);
    for (int i = 0; i < N_SETTINGS; ++i) pml_ckpt_meta(w, setting_keys[i], "%s", v[i]);
    return PML_OK;
}

/* A checkpoint of this run: the same beta, sigma and warm-up (eps needs no state: it is keyed
 * by the step). */
static pml_status load(pml_train_step *base, const struct pml_safetensors *ck, const char *path)
{
    char v[N_SETTINGS][40];
    settings((const vae_step *)base, v);
    for (int i = 0; i < N_SETTINGS; ++i) {
        const char *got = pml_safetensors_meta(ck, setting_keys[i]);
        if (got == NULL) got = setting_absent[i];
        PML_CHECK(got != NULL, PML_ERR_BAD_FORMAT, "pml_ae_train: %s holds no %s", path,
                  setting_keys[i]);
        PML_CHECK(strcmp(got, v[i]) == 0, PML_ERR_INVALID_ARGUMENT,
                  "pml_ae_train: %s is of a run with %s = %s, this one has %s", path,
                  setting_keys[i] + 5, got, v[i]);
    }
    return PML_OK;
}

static void destroy(pml_train_step *base)
{
    end(base);
    free(base);
}

static const struct pml_train_step_vt vae_vt = {
    .check = check,
    .begin = begin,
    .end = end,
    .run = run,
    .evaluate = evaluate,
    .destroy = destroy,
    .save = save,
    .load = load,
};

pml_status pml_ae_train_step(const pml_autoencoder *ae, pml_train_step **out)
{
    static const char fn[] = "pml_ae_train_step";
    PML_CHECK_ARG(out != NULL && ae != NULL, fn, "autoencoder or out is NULL");
    *out = NULL;
    if (!ae->cfg.vae) return pml_error_within(pml_train_step_reconstruction(out), fn);
    vae_step *s = calloc(1, sizeof *s);
    PML_CHECK(s != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    s->base.vt = &vae_vt;
    s->base.name = "vae";
    s->base.has_kl = 1;
    s->base.needs_clean = 1;
    s->ae = ae;
    *out = &s->base;
    return PML_OK;
}
