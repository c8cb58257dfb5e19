/* What every layer kind shares: shapes, the base set-up and teardown, the public accessors,
 * and the table of kinds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/layer.h"

int64_t pml_shape_numel(const pml_shape *s)
{
    int64_t n = 1;
    for (int i = 0; i < s->ndim; ++i) n *= s->d[i];
    return n;
}

pml_shape pml_shape_flat(int64_t n)
{
    pml_shape s = {1, {n, 0, 0}};
    return s;
}

/* ---- the table of kinds ------------------------------------------------------------------ */
const pml_kind *const pml_layer_kinds[] = {
    &pml_dense_kind,
    &pml_rbm_kind,
    &pml_activation_kinds[PML_ACT_RELU],
    &pml_activation_kinds[PML_ACT_LEAKY_RELU],
    &pml_activation_kinds[PML_ACT_SIGMOID],
    &pml_activation_kinds[PML_ACT_TANH],
    &pml_activation_kinds[PML_ACT_SOFTMAX],
    &pml_activation_kinds[PML_ACT_IDENTITY],
    NULL,
};

const pml_kind *pml_layer_kind_find(const char *name)
{
    for (int i = 0; pml_layer_kinds[i]; ++i)
        if (strcmp(pml_layer_kinds[i]->name, name) == 0) return pml_layer_kinds[i];
    return NULL;
}

const char *pml_layer_kinds_syntax(void)
{
    static char buf[256];
    if (buf[0] == '\0') {
        size_t len = 0;
        for (int i = 0; pml_layer_kinds[i] && len < sizeof buf; ++i)
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? ", " : "",
                                    pml_layer_kinds[i]->syntax);
    }
    return buf;
}

/* ---- the base ----------------------------------------------------------------------------- */
pml_status pml_layer_init(pml_layer *l, const struct pml_layer_vt *vt, const pml_kind *k,
                          pml_device *dev, pml_dtype dtype, const pml_shape *in,
                          const pml_shape *out, int64_t max_batch)
{
    l->vt = vt;
    l->kind = k;
    l->dev = dev;
    l->dtype = dtype;
    l->in_shape = *in;
    l->out_shape = *out;
    l->in_f = pml_shape_numel(in);
    l->out_f = pml_shape_numel(out);
    l->max_batch = max_batch;
    l->span = 1;
    return pml_tensor_create_2d(dev, dtype, max_batch, l->out_f, &l->out);
}

void pml_layer_free(pml_layer *l)
{
    if (l == NULL) return;
    if (l->vt && l->vt->destroy) l->vt->destroy(l);
    for (int i = 0; i < PML_LAYER_MAX_PARAMS; ++i) {
        pml_tensor_destroy(l->param[i]);
        pml_tensor_destroy(l->grad[i]);
    }
    pml_tensor_destroy(l->out);
    free(l);
}

pml_status pml_layer_activate(pml_layer *l, pml_activation act, float alpha, int64_t batch,
                              const void *bias, const char *fn)
{
    PML_NN_OPS(l->dev, fn, ops);
    const pml_nn_bias_act_args a = {l->dtype, act, alpha, batch, l->out_f, l->out->data, bias};
    return ops->bias_act(l->dev, &a);
}

pml_status pml_layer_activate_backward(pml_layer *l, pml_activation act, float alpha,
                                       int64_t batch, const void *dy, void *dz, const char *fn)
{
    PML_NN_OPS(l->dev, fn, ops);
    const pml_nn_act_backward_args a = {l->dtype, act, alpha, batch, l->out_f, l->out->data,
                                        dy, dz};
    return ops->act_backward(l->dev, &a);
}

/* ---- public accessors ---------------------------------------------------------------------- */
const char *pml_layer_kind(const pml_layer *l)
{
    if (l == NULL) return "?";
    return l->kind->activation ? "activation" : l->kind->name;
}
int64_t pml_layer_in_features(const pml_layer *l) { return l ? l->in_f : 0; }
int64_t pml_layer_out_features(const pml_layer *l) { return l ? l->out_f : 0; }

static int shape_out(const pml_shape *s, int64_t dims[3])
{
    for (int i = 0; i < 3; ++i) dims[i] = i < s->ndim ? s->d[i] : 0;
    return s->ndim;
}
int pml_layer_in_shape(const pml_layer *l, int64_t dims[3])
{
    return l == NULL || dims == NULL ? 0 : shape_out(&l->in_shape, dims);
}
int pml_layer_out_shape(const pml_layer *l, int64_t dims[3])
{
    return l == NULL || dims == NULL ? 0 : shape_out(&l->out_shape, dims);
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
pml_activation pml_layer_activation(const pml_layer *l)
{
    return l && l->vt->activation ? l->vt->activation(l) : PML_ACT_IDENTITY;
}
