/* The RBM layer kind, "rbm:H": a layer of H hidden units over the model's input (the visible
 * units), holding weight [H, V], hidden_bias [H] and visible_bias [V]; forward gives
 * p(h = 1 | v) = sigma(W v + b), so an RBM's hidden probabilities can feed further layers
 * (features for a classifier). It has no backpropagation: RBMs train by contrastive
 * divergence (pml_rbm_train). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "rbm/rbm_model.h"

static pml_status rbm_forward(pml_layer *l, const pml_tensor *x, int64_t batch,
                              const pml_workspace *ws)
{
    (void)ws;
    PML_TRY(pml_gemm_ex(l->dev, PML_NO_TRANS, PML_TRANS, batch, l->out_f, l->in_f, 1.0,
                        pml_mref(x, l->in_f), pml_mref(l->param[PML_RBM_P_WEIGHT], l->in_f), 0.0, l->out,
                        0, l->out_f));
    return pml_layer_activate(l, PML_ACT_SIGMOID, 0.0f, batch,
                              l->param[PML_RBM_P_HIDDEN]->data, "rbm forward");
}

static pml_status rbm_backward(pml_layer *l, const pml_tensor *x, const pml_tensor *dy,
                               pml_tensor *dx, int64_t batch, const pml_workspace *ws)
{
    (void)l, (void)x, (void)dy, (void)dx, (void)batch, (void)ws;
    return pml_set_error(PML_ERR_UNSUPPORTED,
                         "rbm backward: an rbm layer has no backpropagation; RBMs train by "
                         "contrastive divergence (pml_rbm_train)");
}

static void rbm_describe(const pml_layer *l, char *buf, size_t n)
{
    snprintf(buf, n, "rbm %lld visible x %lld hidden, p(h|v)", (long long)l->in_f,
             (long long)l->out_f);
}

static pml_activation rbm_activation(const pml_layer *l)
{
    (void)l;
    return PML_ACT_SIGMOID;
}

static const struct pml_layer_vt rbm_vt = {
    .forward = rbm_forward,
    .backward = rbm_backward,
    .describe = rbm_describe,
    .activation = rbm_activation,
};

static pml_status rbm_create(pml_device *dev, pml_dtype dtype, const pml_shape *in,
                             int64_t max_batch, const pml_layer_args *a, int position,
                             const char *fn, pml_layer **out)
{
    PML_CHECK(a->units >= 1, PML_ERR_INVALID_ARGUMENT, "%s: %lld hidden units, needs >= 1", fn,
              (long long)a->units);
    PML_CHECK(dtype == PML_F32, PML_ERR_INVALID_ARGUMENT, "%s: rbm layers are f32", fn);
    const double sigma = a->init == PML_INIT_NORMAL ? (double)a->init_sigma : 0.01;
    PML_CHECK(sigma > 0 && isfinite(sigma), PML_ERR_INVALID_ARGUMENT,
              "%s: the rbm's weight sigma must be > 0", fn);
    pml_layer *l = calloc(1, sizeof *l);
    PML_CHECK(l != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    const pml_shape o = pml_shape_flat(a->units);
    pml_status s = pml_layer_init(l, &rbm_vt, &pml_rbm_kind, dev, dtype, in, &o, max_batch);
    const int64_t nv = l->in_f, nh = a->units;
    l->nparams = 3;
    l->pname[PML_RBM_P_WEIGHT] = "weight";
    l->pname[PML_RBM_P_HIDDEN] = "hidden_bias";
    l->pname[PML_RBM_P_VISIBLE] = "visible_bias";
    const int64_t len[3] = {0, nh, nv};
    for (int i = 0; i < 3 && s == PML_OK; ++i) {
        if (i == PML_RBM_P_WEIGHT) {
            s = pml_tensor_create_2d(dev, dtype, nh, nv, &l->param[i]);
            if (s == PML_OK) s = pml_tensor_create_2d(dev, dtype, nh, nv, &l->grad[i]);
        } else {
            s = pml_tensor_create_1d(dev, dtype, len[i], &l->param[i]);
            if (s == PML_OK) s = pml_tensor_create_1d(dev, dtype, len[i], &l->grad[i]);
            if (s == PML_OK) s = pml_tensor_zero(l->param[i]);
        }
        if (s == PML_OK) s = pml_tensor_zero(l->grad[i]);
    }
    if (s == PML_OK)
        s = pml_rand_normal(l->param[PML_RBM_P_WEIGHT], a->seed, (uint64_t)position, 0, 0.0f,
                            (float)sigma);
    if (s != PML_OK) {
        pml_layer_free(l);
        return s;
    }
    *out = l;
    return PML_OK;
}

/* "rbm:H" */
static pml_status rbm_parse(const pml_kind *k, const char *arg, pml_layer_args *a,
                            const char *fn, int pos)
{
    PML_CHECK(arg && *arg, PML_ERR_INVALID_ARGUMENT,
              "%s: item %d '%s' needs a number of hidden units, e.g. rbm:256", fn, pos, k->name);
    char *end = NULL;
    errno = 0;
    const long long n = pml_strtoll_dec(arg, &end);
    PML_CHECK(!errno && end != arg && *end == '\0' && n >= 1 && n <= (1 << 24),
              PML_ERR_INVALID_ARGUMENT, "%s: item %d: '%s' is not a number of hidden units "
              "(1..2^24)", fn, pos, arg);
    a->units = n;
    return PML_OK;
}

static void rbm_item(const pml_kind *k, const pml_layer_args *a, char *buf, size_t n)
{
    snprintf(buf, n, "%s:%lld", k->name, (long long)a->units);
}

static int64_t rbm_params(const pml_kind *k, const pml_shape *in, const pml_layer_args *a)
{
    (void)k;
    const int64_t nv = pml_shape_numel(in);
    return a->units * nv + a->units + nv;
}

const pml_kind pml_rbm_kind = {
    .name = "rbm",
    .syntax = "rbm:H",
    .activation = 0,
    .parse = rbm_parse,
    .create = rbm_create,
    .item = rbm_item,
    .params = rbm_params,
};
