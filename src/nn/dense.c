/* The dense layer: Z = X W^T + b, Y = act(Z), W out x in (PyTorch's nn.Linear layout).
 * Forward is one GEMM and one fused bias+activation pass; backward is the notes'
 * recursion on a batch: delta = dY (.) act'(Z), dW = delta^T X, db = column sums of delta,
 * dX = delta W. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "nn/layer.h"

static pml_matrix_ref ref(const pml_tensor *t, int64_t ld) { return (pml_matrix_ref){t, 0, ld}; }

static pml_status dense_forward(pml_layer *l, const pml_tensor *x, int64_t batch)
{
    static const char fn[] = "dense forward";
    PML_NN_OPS(l->dev, fn, ops);
    PML_TRY(pml_gemm_ex(l->dev, PML_NO_TRANS, PML_TRANS, batch, l->out_f, l->in_f, 1.0,
                        ref(x, l->in_f), ref(l->param[0], l->in_f), 0.0, l->out, 0, l->out_f));
    const void *bias = l->nparams > 1 ? l->param[1]->data : NULL;
    if (bias == NULL && l->act == PML_ACT_IDENTITY) return PML_OK;
    const pml_nn_bias_act_args a = {l->dtype, l->act, l->alpha, batch, l->out_f, l->out->data, bias};
    return ops->bias_act(l->dev, &a);
}

static pml_status dense_backward(pml_layer *l, const pml_tensor *x, const pml_tensor *dy,
                                 pml_tensor *dx, int64_t batch)
{
    static const char fn[] = "dense backward";
    PML_NN_OPS(l->dev, fn, ops);
    const pml_tensor *delta = dy;
    if (l->act != PML_ACT_IDENTITY) {
        const pml_nn_act_backward_args a = {l->dtype, l->act,        l->alpha,       batch,
                                            l->out_f,  l->out->data, dy->data, l->delta->data};
        PML_TRY(ops->act_backward(l->dev, &a));
        delta = l->delta;
    }
    /* dC/dW = delta^T a^{l-1}: (out x batch) (batch x in) */
    PML_TRY(pml_gemm_ex(l->dev, PML_TRANS, PML_NO_TRANS, l->out_f, l->in_f, batch, 1.0,
                        ref(delta, l->out_f), ref(x, l->in_f), 0.0, l->grad[0], 0, l->in_f));
    if (l->nparams > 1) {
        const pml_nn_col_sum_args a = {l->dtype, batch, l->out_f, delta->data, l->grad[1]->data};
        PML_TRY(ops->col_sum(l->dev, &a));
    }
    /* delta^{l-1} before its activation: delta W = (batch x out) (out x in) */
    if (dx)
        PML_TRY(pml_gemm_ex(l->dev, PML_NO_TRANS, PML_NO_TRANS, batch, l->in_f, l->out_f, 1.0,
                            ref(delta, l->out_f), ref(l->param[0], l->in_f), 0.0, dx, 0,
                            l->in_f));
    return PML_OK;
}

static void dense_describe(const pml_layer *l, char *buf, size_t n)
{
    snprintf(buf, n, "dense %lld -> %lld%s%s%s", (long long)l->in_f, (long long)l->out_f,
             l->nparams > 1 ? "" : ", no bias", l->act != PML_ACT_IDENTITY ? ", " : "",
             l->act != PML_ACT_IDENTITY ? pml_activation_name(l->act) : "");
}

static const struct pml_layer_vt dense_vt = {
    .kind = "dense",
    .forward = dense_forward,
    .backward = dense_backward,
    .describe = dense_describe,
    .destroy = NULL,
};

pml_dense_opts pml_dense_defaults(void)
{
    pml_dense_opts o = {1, PML_INIT_HE, 0.01f};
    return o;
}

static pml_status init_weights(pml_tensor *w, const pml_dense_opts *o, int64_t in_f,
                               int64_t out_f, uint64_t seed, uint64_t stream)
{
    double sigma = 1.0;
    switch (o->init) {
    case PML_INIT_HE: sigma = sqrt(2.0 / (double)in_f); break;
    case PML_INIT_XAVIER: sigma = sqrt(2.0 / (double)(in_f + out_f)); break;
    case PML_INIT_NORMAL: sigma = o->init_sigma; break;
    case PML_INIT_RANDN: sigma = 1.0; break;
    case PML_INIT_ZERO: return pml_tensor_zero(w);
    }
    return pml_rand_normal(w, seed, stream, 0, 0.0f, (float)sigma);
}

pml_status pml_dense_layer_create(pml_device *dev, pml_dtype dtype, int64_t in_f, int64_t out_f,
                                  int64_t max_batch, const pml_dense_opts *opts, uint64_t seed,
                                  uint64_t stream, pml_layer **out)
{
    static const char fn[] = "pml_model_add_dense";
    pml_dense_opts o = opts ? *opts : pml_dense_defaults();
    PML_CHECK(out_f >= 1, PML_ERR_INVALID_ARGUMENT, "%s: %lld units, needs >= 1", fn,
              (long long)out_f);
    PML_CHECK(o.init >= PML_INIT_HE && o.init <= PML_INIT_ZERO, PML_ERR_INVALID_ARGUMENT,
              "%s: unknown initialiser %d", fn, (int)o.init);
    PML_CHECK(o.init != PML_INIT_NORMAL || (o.init_sigma > 0 && isfinite(o.init_sigma)),
              PML_ERR_INVALID_ARGUMENT, "%s: normal init needs sigma > 0", fn);
    pml_layer *l = calloc(1, sizeof *l);
    PML_CHECK(l != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    l->vt = &dense_vt;
    l->dev = dev;
    l->dtype = dtype;
    l->in_f = in_f;
    l->out_f = out_f;
    l->out_ndim = 1;
    l->out_dims[0] = out_f;
    l->max_batch = max_batch;
    l->span = 1;
    l->act = PML_ACT_IDENTITY;
    l->nparams = o.bias ? 2 : 1;
    l->pname[0] = "weight";
    l->pname[1] = "bias";
    pml_status s = pml_tensor_create_2d(dev, dtype, out_f, in_f, &l->param[0]);
    if (s == PML_OK) s = pml_tensor_create_2d(dev, dtype, out_f, in_f, &l->grad[0]);
    if (s == PML_OK && o.bias) s = pml_tensor_create_1d(dev, dtype, out_f, &l->param[1]);
    if (s == PML_OK && o.bias) s = pml_tensor_create_1d(dev, dtype, out_f, &l->grad[1]);
    if (s == PML_OK) s = pml_tensor_create_2d(dev, dtype, max_batch, out_f, &l->out);
    if (s == PML_OK) s = pml_tensor_create_2d(dev, dtype, max_batch, out_f, &l->delta);
    if (s == PML_OK) s = init_weights(l->param[0], &o, in_f, out_f, seed, stream);
    if (s == PML_OK) s = pml_tensor_zero(l->grad[0]);
    if (s == PML_OK && o.bias) s = pml_tensor_zero(l->param[1]);
    if (s == PML_OK && o.bias) s = pml_tensor_zero(l->grad[1]);
    if (s != PML_OK) {
        pml_layer_free(l);
        return s;
    }
    *out = l;
    return PML_OK;
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
    pml_tensor_destroy(l->delta);
    free(l);
}
