/* The activation layer (Y = act(X), elementwise or row-wise softmax) and the public layer
 * accessors. An activation directly after a dense layer is fused into it by the model;
 * this standalone kind serves every other position (after a future conv layer, say). */
#include <stdio.h>
#include <stdlib.h>

#include "nn/layer.h"

const char *const pml_activation_names[PML_ACT_COUNT] = {
    [PML_ACT_IDENTITY] = "identity", [PML_ACT_RELU] = "relu",
    [PML_ACT_LEAKY_RELU] = "leaky_relu", [PML_ACT_SIGMOID] = "sigmoid",
    [PML_ACT_TANH] = "tanh", [PML_ACT_SOFTMAX] = "softmax",
};

/* pml_activation_name and pml_activation_parse */
PML_DEFINE_NAMES(pml_activation, pml_activation, "activation", pml_activation_names)

static pml_status act_forward(pml_layer *l, const pml_tensor *x, int64_t batch)
{
    static const char fn[] = "activation forward";
    PML_NN_OPS(l->dev, fn, ops);
    size_t nbytes = (size_t)(batch * l->out_f) * pml_dtype_size(l->dtype);
    if (nbytes) PML_TRY(l->dev->ops->copy(l->dev, l->out->data, x->data, nbytes));
    return ops->bias_act(l->dev, l->dtype, l->act, l->alpha, batch, l->out_f, l->out->data, NULL);
}

static pml_status act_backward(pml_layer *l, const pml_tensor *x, const pml_tensor *dy,
                               pml_tensor *dx, int64_t batch)
{
    static const char fn[] = "activation backward";
    (void)x;
    PML_NN_OPS(l->dev, fn, ops);
    if (dx == NULL) return PML_OK;
    return ops->act_backward(l->dev, l->dtype, l->act, l->alpha, batch, l->out_f, l->out->data,
                             dy->data, dx->data);
}

static void act_describe(const pml_layer *l, char *buf, size_t n)
{
    if (l->act == PML_ACT_LEAKY_RELU)
        snprintf(buf, n, "%s(%g) %lld", pml_activation_name(l->act), (double)l->alpha,
                 (long long)l->out_f);
    else
        snprintf(buf, n, "%s %lld", pml_activation_name(l->act), (long long)l->out_f);
}

static const struct pml_layer_vt act_vt = {
    .kind = "activation",
    .forward = act_forward,
    .backward = act_backward,
    .describe = act_describe,
    .destroy = NULL,
};

pml_status pml_activation_layer_create(pml_device *dev, pml_dtype dtype, int64_t features,
                                       int64_t max_batch, pml_activation act, float alpha,
                                       pml_layer **out)
{
    static const char fn[] = "pml_model_add_activation";
    pml_layer *l = calloc(1, sizeof *l);
    PML_CHECK(l != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    l->vt = &act_vt;
    l->dev = dev;
    l->dtype = dtype;
    l->in_f = l->out_f = features;
    l->out_ndim = 1;
    l->out_dims[0] = features;
    l->max_batch = max_batch;
    l->span = 1;
    l->act = act;
    l->alpha = alpha;
    pml_status s = pml_tensor_create_2d(dev, dtype, max_batch, features, &l->out);
    if (s != PML_OK) {
        pml_layer_free(l);
        return s;
    }
    *out = l;
    return PML_OK;
}

const char *pml_layer_kind(const pml_layer *l) { return l ? l->vt->kind : "?"; }
int64_t pml_layer_in_features(const pml_layer *l) { return l ? l->in_f : 0; }
int64_t pml_layer_out_features(const pml_layer *l) { return l ? l->out_f : 0; }
int pml_layer_out_shape(const pml_layer *l, int64_t dims[3])
{
    if (l == NULL || dims == NULL) return 0;
    for (int i = 0; i < 3; ++i) dims[i] = i < l->out_ndim ? l->out_dims[i] : 0;
    return l->out_ndim;
}
int pml_layer_num_params(const pml_layer *l) { return l ? l->nparams : 0; }
pml_tensor *pml_layer_param(pml_layer *l, int i)
{
    return l && i >= 0 && i < l->nparams ? l->param[i] : NULL;
}
pml_tensor *pml_layer_grad(pml_layer *l, int i)
{
    return l && i >= 0 && i < l->nparams ? l->grad[i] : NULL;
}
const char *pml_layer_param_name(const pml_layer *l, int i)
{
    return l && i >= 0 && i < l->nparams ? l->pname[i] : NULL;
}
pml_activation pml_layer_activation(const pml_layer *l) { return l ? l->act : PML_ACT_IDENTITY; }
