/* What every layer kind shares: shapes, the base set-up and teardown, the public accessors,
 * and the table of kinds. */
#include <math.h>
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
    &pml_conv_kind,
    &pml_convt_kind,
    &pml_maxpool_kind,
    &pml_avgpool_kind,
    &pml_gap_kind,
    &pml_flatten_kind,
    &pml_unflatten_kind,
    &pml_dropout_kind,
    &pml_batchnorm_kind,
    &pml_gauss_kind,
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
    static char buf[512];
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
    for (int i = 0; i < PML_LAYER_MAX_BUFFERS; ++i) pml_tensor_destroy(l->buffer[i]);
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

pml_status pml_layer_copy_rows(const pml_layer *l, void *dst, const void *src, int64_t batch)
{
    const size_t n = (size_t)(batch * l->out_f) * pml_dtype_size(l->dtype);
    return n ? l->dev->ops->copy(l->dev, dst, src, n) : PML_OK;
}

pml_status pml_layer_weights(pml_layer *l, const pml_layer_args *a, int ndim,
                             const int64_t *wshape, int64_t nbias, int64_t fan_in,
                             int64_t fan_out, int position, const char *fn)
{
    PML_CHECK(a->init >= PML_INIT_HE && a->init <= PML_INIT_ZERO, PML_ERR_INVALID_ARGUMENT,
              "%s: unknown initialiser %d", fn, (int)a->init);
    PML_CHECK(a->init != PML_INIT_NORMAL || (a->init_sigma > 0 && isfinite(a->init_sigma)),
              PML_ERR_INVALID_ARGUMENT, "%s: normal init needs sigma > 0", fn);
    l->nparams = a->bias ? 2 : 1;
    l->pname[0] = "weight";
    l->pname[1] = "bias";
    PML_TRY(pml_tensor_create(l->dev, l->dtype, ndim, wshape, &l->param[0]));
    PML_TRY(pml_tensor_create(l->dev, l->dtype, ndim, wshape, &l->grad[0]));
    PML_TRY(pml_tensor_zero(l->grad[0]));
    if (a->bias) {
        PML_TRY(pml_tensor_create_1d(l->dev, l->dtype, nbias, &l->param[1]));
        PML_TRY(pml_tensor_create_1d(l->dev, l->dtype, nbias, &l->grad[1]));
        PML_TRY(pml_tensor_zero(l->param[1]));
        PML_TRY(pml_tensor_zero(l->grad[1]));
    }
    double sigma = 1.0;
    switch (a->init) {
    case PML_INIT_HE: sigma = sqrt(2.0 / (double)fan_in); break;
    case PML_INIT_XAVIER: sigma = sqrt(2.0 / (double)(fan_in + fan_out)); break;
    case PML_INIT_NORMAL: sigma = a->init_sigma; break;
    case PML_INIT_RANDN: sigma = 1.0; break;
    case PML_INIT_ZERO: return pml_tensor_zero(l->param[0]);
    }
    return pml_rand_normal(l->param[0], a->seed, (uint64_t)position, 0, 0.0f, (float)sigma);
}

int pml_layer_fuse_act(pml_layer *l, pml_fused_act *f, pml_activation act, float alpha,
                       int allow_softmax)
{
    if (f->act != PML_ACT_IDENTITY || l->span != 1) return 0;
    if (act == PML_ACT_SOFTMAX && !allow_softmax) return 0;
    f->act = act;
    f->alpha = alpha;
    l->span = 2;
    return 1;
}

pml_status pml_kind_parse_bare(const pml_kind *k, const char *arg, pml_layer_args *a,
                               const char *fn, int pos)
{
    (void)a;
    PML_CHECK(arg == NULL, PML_ERR_INVALID_ARGUMENT, "%s: item %d: '%s' takes no argument", fn,
              pos, k->name);
    return PML_OK;
}

void pml_kind_item_bare(const pml_kind *k, const pml_layer_args *a, char *buf, size_t n)
{
    (void)a;
    snprintf(buf, n, "%s", k->name);
}

void pml_real_text(double v, int single, char *buf, size_t n)
{
    for (int digits = 6; digits <= 17; digits++) {
        snprintf(buf, n, "%.*g", digits, v);
        const double back = strtod(buf, NULL);
        if (single ? (float)back == (float)v : back == v) return;
    }
}

void pml_shape_text(const pml_shape *sh, char *buf, size_t n)
{
    size_t len = 0;
    if (n) buf[0] = '\0';
    for (int i = 0; i < sh->ndim && len < n; ++i)
        len += (size_t)snprintf(buf + len, n - len, "%s%lld", i ? "x" : "", (long long)sh->d[i]);
}

pml_status pml_layer_need_image(const pml_kind *k, const pml_layer_args *a, const pml_shape *in,
                                int position, const char *fn)
{
    if (in->ndim == 3) return PML_OK;
    char item[64], shape[48];
    k->item(k, a, item, sizeof item);
    pml_shape_text(in, shape, sizeof shape);
    return pml_set_error(PML_ERR_INVALID_ARGUMENT,
                         "%s: layer %d (%s) needs a C x H x W input, it gets %s (give the model "
                         "an input shape, e.g. 1x28x28)", fn, position, item, shape);
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
const pml_tensor *pml_layer_output(const pml_layer *l) { return l ? l->out : NULL; }
pml_activation pml_layer_activation(const pml_layer *l)
{
    return l && l->vt->activation ? l->vt->activation(l) : PML_ACT_IDENTITY;
}
