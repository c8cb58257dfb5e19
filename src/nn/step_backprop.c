/* The two backpropagation steps: forward, the loss against targets with its gradient, backward,
 * one optimiser step. The classifier's targets are the labels; the reconstruction step's are
 * the clean inputs themselves (an autoencoder; with augmentation noise, a denoising one). */
#include <stdlib.h>

#include "nn/train_step.h"

typedef struct backprop_step {
    pml_train_step base;
    int reconstruct;
    pml_tensor *dy; /* dL/dy of the model's output, max_batch rows (between begin and end) */
} backprop_step;

/* The reconstruction step's loss and output width (the classifier takes any). */
static pml_status check(const pml_train_step *base, const char *fn, const pml_model *m,
                        pml_loss_kind loss)
{
    if (!((const backprop_step *)base)->reconstruct) return PML_OK;
    PML_CHECK(loss != PML_LOSS_SOFTMAX_XENT, PML_ERR_INVALID_ARGUMENT,
              "%s: reconstruction with softmax cross-entropy is undefined (use mse or bce)", fn);
    PML_CHECK(pml_model_out_features(m) == m->in_f, PML_ERR_INVALID_ARGUMENT,
              "%s: reconstruction needs as many outputs as inputs (%lld, the model gives %lld)",
              fn, (long long)m->in_f, (long long)pml_model_out_features(m));
    return PML_OK;
}

/* The classifier's labels: every class must have an output (any data is its own target). */
static pml_status check_data(const pml_train_step *base, const char *fn, const pml_model *m,
                             const pml_dataset *ds, const char *name)
{
    if (((const backprop_step *)base)->reconstruct) return PML_OK;
    PML_CHECK(pml_dataset_classes(ds) <= pml_model_out_features(m), PML_ERR_INVALID_ARGUMENT,
              "%s: the %s set has %d classes, the model only %lld outputs", fn, name,
              pml_dataset_classes(ds), (long long)pml_model_out_features(m));
    return PML_OK;
}

static pml_status begin(pml_train_step *base, const pml_model *m, int64_t max_batch)
{
    backprop_step *s = (backprop_step *)base;
    pml_tensor_destroy(s->dy);
    s->dy = NULL;
    return pml_tensor_create_2d(m->dev, m->dtype, max_batch, pml_model_out_features(m), &s->dy);
}

static void end(pml_train_step *base)
{
    backprop_step *s = (backprop_step *)base;
    pml_tensor_destroy(s->dy);
    s->dy = NULL;
}

/* Forward (training mode with dy: dropout and batch statistics) and the loss totals into
 * slot; with dy, the loss gradient too. */
static pml_status forward_loss(const backprop_step *s, const pml_step_ctx *c, const pml_batch *b,
                               pml_tensor *dy, double *slot)
{
    static const char fn[] = "training step";
    pml_model *m = c->model;
    PML_NN_OPS(m->dev, fn, ops);
    const pml_tensor *y = NULL;
    if (dy) PML_TRY(pml_model_forward_train(m, b->x, b->count, b->seed, b->step, &y));
    else PML_TRY(pml_model_forward_eval(m, b->x, b->count, &y));
    const pml_nn_loss_args a = {
        .dtype = m->dtype,
        .kind = c->loss,
        .rows = b->count,
        .cols = pml_model_out_features(m),
        .y = y->data,
        .labels = s->reconstruct ? NULL : (const int32_t *)b->labels->data,
        .targets = s->reconstruct ? b->clean->data : NULL,
        .grad_scale = c->reduction == PML_REDUCE_MEAN ? 1.0 / (double)b->count : 1.0,
        .dy = dy ? dy->data : NULL,
        .out = slot,
        .nonfinite = c->nonfinite,
    };
    return ops->loss(m->dev, &a);
}

static pml_status run(pml_train_step *base, const pml_step_ctx *c, const pml_batch *b,
                      double *slot)
{
    backprop_step *s = (backprop_step *)base;
    PML_TRY(forward_loss(s, c, b, s->dy, slot));
    PML_TRY(pml_model_backward(c->model, s->dy, b->count));
    return pml_optimizer_step_model_guarded(c->opt, c->model, c->nonfinite);
}

static pml_status evaluate(pml_train_step *base, const pml_step_ctx *c, const pml_batch *b,
                           double *slot)
{
    return forward_loss((const backprop_step *)base, c, b, NULL, slot);
}

static void destroy(pml_train_step *base)
{
    end(base);
    free(base);
}

static const struct pml_train_step_vt backprop_vt = {
    .check = check,
    .check_data = check_data,
    .begin = begin,
    .end = end,
    .run = run,
    .evaluate = evaluate,
    .destroy = destroy,
};

static pml_status make(const char *fn, const char *name, int reconstruct, pml_train_step **out)
{
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    backprop_step *s = calloc(1, sizeof *s);
    PML_CHECK(s != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    s->base.vt = &backprop_vt;
    s->base.name = name;
    s->base.has_accuracy = !reconstruct;
    s->base.needs_clean = reconstruct;
    s->reconstruct = reconstruct;
    *out = &s->base;
    return PML_OK;
}

pml_status pml_train_step_classifier(pml_train_step **out)
{
    return make("pml_train_step_classifier", "classifier", 0, out);
}

pml_status pml_train_step_reconstruction(pml_train_step **out)
{
    return make("pml_train_step_reconstruction", "reconstruction", 1, out);
}

void pml_train_step_destroy(pml_train_step *s)
{
    if (s) s->vt->destroy(s);
}

const char *pml_train_step_name(const pml_train_step *s) { return s ? s->name : ""; }
