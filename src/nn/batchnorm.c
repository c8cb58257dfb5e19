/* Batch normalisation (nn.BatchNorm2d after an image, nn.BatchNorm1d after features), with
 * PyTorch's names and defaults: weight (gamma, 1) and bias (beta, 0) are trained;
 * running_mean (0) and running_var (1) are buffers that training moves by momentum 0.1;
 * eps = 1e-5. In training the batch's own mean and biased variance normalise it; in evaluation
 * the running ones do. The elementwise activation that follows is fused into the kernels (one
 * pass instead of a copy and a pass; PyTorch keeps nn.ReLU a module of its own, and so does the
 * numbering here). */
#include <stdio.h>
#include <stdlib.h>

#include "nn/layer.h"

#define BN_EPS 1e-5
#define BN_MOMENTUM 0.1

typedef struct bn_layer {
    pml_layer base;
    int64_t c, plane;
    int trained;                       /* the last forward was in training mode */
    pml_fused_act f;                   /* the activation after it */
    pml_tensor *save_mean, *save_invstd; /* c: the statistics the last forward used */
} bn_layer;

static pml_status bn_forward(pml_layer *l, const pml_tensor *x, int64_t batch,
                             const pml_workspace *ws)
{
    static const char fn[] = "batchnorm forward";
    (void)ws;
    bn_layer *b = (bn_layer *)l;
    PML_CONV_OPS(l->dev, fn, ops);
    b->trained = l->training;
    const pml_bn_forward_args a = {
        .dtype = l->dtype, .training = l->training, .act = b->f.act, .alpha = b->f.alpha,
        .batch = batch, .c = b->c,
        .plane = b->plane, .eps = BN_EPS, .momentum = BN_MOMENTUM, .x = x->data,
        .gamma = l->param[0]->data, .beta = l->param[1]->data, .y = l->out->data,
        .running_mean = l->buffer[0]->data, .running_var = l->buffer[1]->data,
        .save_mean = b->save_mean->data, .save_invstd = b->save_invstd->data};
    return ops->bn_forward(l->dev, &a);
}

static pml_status bn_backward(pml_layer *l, const pml_tensor *x, const pml_tensor *dy,
                              pml_tensor *dx, int64_t batch, const pml_workspace *ws)
{
    static const char fn[] = "batchnorm backward";
    (void)ws;
    bn_layer *b = (bn_layer *)l;
    PML_CONV_OPS(l->dev, fn, ops);
    const pml_bn_backward_args a = {
        .dtype = l->dtype, .training = b->trained, .act = b->f.act, .alpha = b->f.alpha,
        .batch = batch, .c = b->c, .plane = b->plane, .x = x->data, .y = l->out->data,
        .dy = dy->data, .gamma = l->param[0]->data,
        .save_mean = b->save_mean->data, .save_invstd = b->save_invstd->data,
        .dx = dx ? dx->data : NULL, .dgamma = l->grad[0]->data, .dbeta = l->grad[1]->data};
    return ops->bn_backward(l->dev, &a);
}

static void bn_describe(const pml_layer *l, char *buf, size_t n)
{
    const bn_layer *b = (const bn_layer *)l;
    snprintf(buf, n, "batchnorm %lld channels%s%s", (long long)b->c,
             b->f.act != PML_ACT_IDENTITY ? ", " : "",
             b->f.act != PML_ACT_IDENTITY ? pml_activation_name(b->f.act) : "");
}

static pml_activation bn_activation(const pml_layer *l) { return ((const bn_layer *)l)->f.act; }

static int bn_fuse(pml_layer *l, pml_activation act, float alpha)
{
    return pml_layer_fuse_act(l, &((bn_layer *)l)->f, act, alpha, 0);
}

static void bn_destroy(pml_layer *l)
{
    pml_tensor_destroy(((bn_layer *)l)->save_mean);
    pml_tensor_destroy(((bn_layer *)l)->save_invstd);
}

static const struct pml_layer_vt bn_vt = {
    .forward = bn_forward,
    .backward = bn_backward,
    .describe = bn_describe,
    .activation = bn_activation,
    .fuse = bn_fuse,
    .destroy = bn_destroy,
};

static pml_status bn_create(pml_device *dev, pml_dtype dtype, const pml_shape *in,
                            int64_t max_batch, const pml_layer_args *a, int position,
                            const char *fn, pml_layer **out)
{
    (void)a, (void)position;
    bn_layer *b = calloc(1, sizeof *b);
    PML_CHECK(b != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    pml_layer *l = &b->base;
    pml_status s = pml_layer_init(l, &bn_vt, &pml_batchnorm_kind, dev, dtype, in, in, max_batch);
    b->f.act = PML_ACT_IDENTITY;
    b->c = in->ndim == 3 ? in->d[0] : pml_shape_numel(in);
    b->plane = in->ndim == 3 ? in->d[1] * in->d[2] : 1;
    l->nparams = 2;
    l->pname[0] = "weight";
    l->pname[1] = "bias";
    l->nbuffers = 2;
    l->bname[0] = "running_mean";
    l->bname[1] = "running_var";
    for (int i = 0; i < 2 && s == PML_OK; ++i) {
        s = pml_tensor_create_1d(dev, dtype, b->c, &l->param[i]);
        if (s == PML_OK) s = pml_tensor_create_1d(dev, dtype, b->c, &l->grad[i]);
        if (s == PML_OK) s = pml_tensor_create_1d(dev, dtype, b->c, &l->buffer[i]);
        if (s == PML_OK) s = pml_tensor_fill(l->param[i], i == 0 ? 1.0 : 0.0);
        if (s == PML_OK) s = pml_tensor_zero(l->grad[i]);
        if (s == PML_OK) s = pml_tensor_fill(l->buffer[i], i == 0 ? 0.0 : 1.0);
    }
    if (s == PML_OK) s = pml_tensor_create_1d(dev, dtype, b->c, &b->save_mean);
    if (s == PML_OK) s = pml_tensor_create_1d(dev, dtype, b->c, &b->save_invstd);
    if (s != PML_OK) {
        pml_layer_free(l);
        return s;
    }
    *out = l;
    return PML_OK;
}

/* weight and bias, one per channel (the buffers are not parameters) */
static int64_t bn_params(const pml_kind *k, const pml_shape *in, const pml_layer_args *a)
{
    (void)k, (void)a;
    return 2 * (in->ndim == 3 ? in->d[0] : pml_shape_numel(in));
}

const pml_kind pml_batchnorm_kind = {"batchnorm", "batchnorm", 0, pml_kind_parse_bare, bn_create,
                                     pml_kind_item_bare, bn_params};
