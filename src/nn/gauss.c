/* The reparameterisation layer of a variational autoencoder ("gauss"): from the encoder's
 * 2d outputs, mu (the first d) and log sigma^2 (the last d), z = mu + sigma (.) eps with eps
 * ~ N(0, I) drawn from the shared Philox stream (src/ops/vae_ops.h), so both backends draw the
 * same eps; the analytic KL(q(z|x) || N(0, I)) of every forward is kept on the device, and
 * backward adds its gradient scaled by kl_scale (the VAE step sets beta there). In evaluation
 * the layer gives z = mu, unless its caller asks for samples (the ELBO of a test set, IWAE). */
#include <stdio.h>
#include <stdlib.h>

#include "nn/gauss.h"

static pml_status gauss_forward(pml_layer *l, const pml_tensor *x, int64_t batch,
                                const pml_workspace *ws)
{
    (void)ws;
    pml_gauss_layer *g = (pml_gauss_layer *)l;
    PML_VAE_OPS(l->dev, "gauss forward", ops);
    const uint64_t pos = (uint64_t)(l->index & 0xff) << 40;
    const int sample = l->training || g->eval_sample;
    const uint64_t stream = l->training
                                ? PML_VAE_STREAM_TRAIN | pos | (l->step & PML_VAE_STEP_MASK)
                                : PML_VAE_STREAM_EVAL | pos | (g->eval_counter & PML_VAE_STEP_MASK);
    const pml_vae_reparam_args a = {
        .dtype = l->dtype,
        .rows = batch,
        .d = g->d,
        .x = x->data,
        .sample = sample,
        .seed = l->training ? l->seed : g->eval_seed,
        .stream = stream,
        .z = l->out->data,
        .eps = g->eps->data,
        .kl = (double *)g->kl->data,
        .kl_rows = g->kl_rows,
        .logw_rows = g->logw_rows,
    };
    return ops->reparam(l->dev, &a);
}

static pml_status gauss_backward(pml_layer *l, const pml_tensor *x, const pml_tensor *dy,
                                 pml_tensor *dx, int64_t batch, const pml_workspace *ws)
{
    (void)ws;
    if (dx == NULL) return PML_OK;
    pml_gauss_layer *g = (pml_gauss_layer *)l;
    PML_VAE_OPS(l->dev, "gauss backward", ops);
    const pml_vae_reparam_backward_args a = {l->dtype,      batch, g->d,       x->data,
                                             g->eps->data, dy->data, g->kl_scale, dx->data};
    return ops->reparam_backward(l->dev, &a);
}

static void gauss_describe(const pml_layer *l, char *buf, size_t n)
{
    const int64_t d = ((const pml_gauss_layer *)l)->d;
    snprintf(buf, n, "gauss %lld -> %lld (mu, log sigma^2 -> z = mu + sigma eps)",
             (long long)(2 * d), (long long)d);
}

static void gauss_destroy(pml_layer *l)
{
    pml_gauss_layer *g = (pml_gauss_layer *)l;
    pml_tensor_destroy(g->eps);
    pml_tensor_destroy(g->kl);
}

static const struct pml_layer_vt gauss_vt = {
    .forward = gauss_forward,
    .backward = gauss_backward,
    .describe = gauss_describe,
    .destroy = gauss_destroy,
};

static pml_status gauss_create(pml_device *dev, pml_dtype dtype, const pml_shape *in,
                               int64_t max_batch, const pml_layer_args *a, int position,
                               const char *fn, pml_layer **out)
{
    (void)a;
    const int64_t n = pml_shape_numel(in);
    char text[48];
    pml_shape_text(in, text, sizeof text);
    PML_CHECK(in->ndim == 1 && n >= 2 && n % 2 == 0, PML_ERR_INVALID_ARGUMENT,
              "%s: layer %d (gauss) needs an even number of flat inputs, mu and log sigma^2 "
              "side by side; it gets %s", fn, position, text);
    pml_gauss_layer *g = calloc(1, sizeof *g);
    PML_CHECK(g != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    g->d = n / 2;
    const pml_shape o = pml_shape_flat(g->d);
    pml_status s = pml_layer_init(&g->base, &gauss_vt, &pml_gauss_kind, dev, dtype, in, &o,
                                  max_batch);
    if (s == PML_OK) s = pml_tensor_create_2d(dev, dtype, max_batch, g->d, &g->eps);
    if (s == PML_OK) s = pml_tensor_zero(g->eps);
    if (s == PML_OK) s = pml_tensor_create_1d(dev, PML_F64, 1, &g->kl);
    if (s == PML_OK) s = pml_tensor_zero(g->kl);
    if (s != PML_OK) {
        pml_layer_free(&g->base); /* destroy frees eps and kl */
        return pml_error_within(s, fn);
    }
    *out = &g->base;
    return PML_OK;
}

pml_gauss_layer *pml_gauss_find(pml_model *m, int *index)
{
    if (index) *index = -1;
    for (int i = 0; m && i < m->nlayers; ++i)
        if (m->layers[i]->kind == &pml_gauss_kind) {
            if (index) *index = i;
            return (pml_gauss_layer *)m->layers[i];
        }
    return NULL;
}

const pml_kind pml_gauss_kind = {"gauss", "gauss", 0, pml_kind_parse_bare, gauss_create,
                                 pml_kind_item_bare, NULL};
