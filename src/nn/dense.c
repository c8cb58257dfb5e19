/* The dense layer: Z = X W^T + b, Y = act(Z), W out x in (PyTorch's nn.Linear layout); an
 * input of any per-example shape is taken flat (C x H x W as C*H*W features, row-major).
 * Forward is one GEMM and one fused bias+activation pass; backward is the notes' recursion
 * on a batch: delta = dY (.) act'(Z), dW = delta^T X, db = column sums of delta,
 * dX = delta W. The activation that follows a dense layer in a model is fused into it. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "nn/layer.h"

typedef struct dense_layer {
    pml_layer base;
    pml_fused_act f;   /* the activation after it */
    pml_tensor *delta;  /* max_batch x out scratch: dL/dZ */
    /* Tied weights: `tie` is the earlier layer whose weight (tie->out x tie->in = in x out)
     * this one uses transposed, and then this layer's only parameter is its bias.
     * `tied_by` is set on that earlier layer: the later layer's backward writes its share of
     * the gradient first, so this layer's adds to it. */
    pml_layer *tie, *tied_by;
} dense_layer;

static pml_tensor *bias_of(const pml_layer *l)
{
    const dense_layer *d = (const dense_layer *)l;
    const int at = d->tie ? 0 : 1;
    return l->nparams > at ? l->param[at] : NULL;
}

static pml_status dense_forward(pml_layer *l, const pml_tensor *x, int64_t batch,
                                const pml_workspace *ws)
{
    (void)ws;
    const dense_layer *d = (const dense_layer *)l;
    if (d->tie) /* Z = X W_tie: (batch x in) (in x out) */
        PML_TRY(pml_gemm_ex(l->dev, PML_NO_TRANS, PML_NO_TRANS, batch, l->out_f, l->in_f, 1.0,
                            pml_mref(x, l->in_f), pml_mref(d->tie->param[0], l->out_f), 0.0,
                            l->out, 0, l->out_f));
    else
        PML_TRY(pml_gemm_ex(l->dev, PML_NO_TRANS, PML_TRANS, batch, l->out_f, l->in_f, 1.0,
                            pml_mref(x, l->in_f), pml_mref(l->param[0], l->in_f), 0.0, l->out, 0,
                            l->out_f));
    const pml_tensor *b = bias_of(l);
    const void *bias = b ? b->data : NULL;
    if (bias == NULL && d->f.act == PML_ACT_IDENTITY) return PML_OK;
    return pml_layer_activate(l, d->f.act, d->f.alpha, batch, bias, "dense forward");
}

static pml_status dense_backward(pml_layer *l, const pml_tensor *x, const pml_tensor *dy,
                                 pml_tensor *dx, int64_t batch, const pml_workspace *ws)
{
    static const char fn[] = "dense backward";
    (void)ws;
    const dense_layer *d = (const dense_layer *)l;
    PML_NN_OPS(l->dev, fn, ops);
    const pml_tensor *delta = dy;
    if (d->f.act != PML_ACT_IDENTITY) {
        PML_TRY(pml_layer_activate_backward(l, d->f.act, d->f.alpha, batch, dy->data, d->delta->data,
                                            fn));
        delta = d->delta;
    }
    const pml_tensor *b = bias_of(l);
    if (b) {
        const pml_nn_col_sum_args a = {l->dtype, batch, l->out_f, delta->data,
                                       l->grad[d->tie ? 0 : 1]->data};
        PML_TRY(ops->col_sum(l->dev, &a));
    }
    if (d->tie) {
        /* dC/dW_tie, its share: a^{l-1 T} delta = (in x batch) (batch x out), written first */
        PML_TRY(pml_gemm_ex(l->dev, PML_TRANS, PML_NO_TRANS, l->in_f, l->out_f, batch, 1.0,
                            pml_mref(x, l->in_f), pml_mref(delta, l->out_f), 0.0,
                            d->tie->grad[0], 0, l->out_f));
        /* delta W_tie^T = (batch x out) (out x in) */
        if (dx)
            PML_TRY(pml_gemm_ex(l->dev, PML_NO_TRANS, PML_TRANS, batch, l->in_f, l->out_f, 1.0,
                                pml_mref(delta, l->out_f), pml_mref(d->tie->param[0], l->out_f),
                                0.0, dx, 0, l->in_f));
        return PML_OK;
    }
    /* dC/dW = delta^T a^{l-1}: (out x batch) (batch x in), added to a tied layer's share */
    PML_TRY(pml_gemm_ex(l->dev, PML_TRANS, PML_NO_TRANS, l->out_f, l->in_f, batch, 1.0,
                        pml_mref(delta, l->out_f), pml_mref(x, l->in_f), d->tied_by ? 1.0 : 0.0,
                        l->grad[0], 0, l->in_f));
    /* delta^{l-1} before its activation: delta W = (batch x out) (out x in) */
    if (dx)
        PML_TRY(pml_gemm_ex(l->dev, PML_NO_TRANS, PML_NO_TRANS, batch, l->in_f, l->out_f, 1.0,
                            pml_mref(delta, l->out_f), pml_mref(l->param[0], l->in_f), 0.0, dx, 0,
                            l->in_f));
    return PML_OK;
}

static void dense_describe(const pml_layer *l, char *buf, size_t n)
{
    const dense_layer *d = (const dense_layer *)l;
    char tie[48] = "";
    if (d->tie) snprintf(tie, sizeof tie, ", tied to %d", d->tie->index);
    snprintf(buf, n, "dense %lld -> %lld%s%s%s%s", (long long)l->in_f, (long long)l->out_f,
             bias_of(l) ? "" : ", no bias", tie, d->f.act != PML_ACT_IDENTITY ? ", " : "",
             d->f.act != PML_ACT_IDENTITY ? pml_activation_name(d->f.act) : "");
}

static pml_activation dense_activation(const pml_layer *l)
{
    return ((const dense_layer *)l)->f.act;
}

/* The next activation goes into the bias pass; it keeps its own position number. */
static int dense_fuse(pml_layer *l, pml_activation act, float alpha)
{
    return pml_layer_fuse_act(l, &((dense_layer *)l)->f, act, alpha, 1);
}

static void dense_destroy(pml_layer *l) { pml_tensor_destroy(((dense_layer *)l)->delta); }

static const struct pml_layer_vt dense_vt = {
    .forward = dense_forward,
    .backward = dense_backward,
    .describe = dense_describe,
    .activation = dense_activation,
    .fuse = dense_fuse,
    .destroy = dense_destroy,
};

pml_dense_opts pml_dense_defaults(void)
{
    pml_dense_opts o = {1, PML_INIT_HE, 0.01f};
    return o;
}

static pml_status dense_create(pml_device *dev, pml_dtype dtype, const pml_shape *in,
                               int64_t max_batch, const pml_layer_args *a, int position,
                               const char *fn, pml_layer **out)
{
    PML_CHECK(a->units >= 1, PML_ERR_INVALID_ARGUMENT, "%s: %lld units, needs >= 1", fn,
              (long long)a->units);
    dense_layer *d = calloc(1, sizeof *d);
    PML_CHECK(d != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    pml_layer *l = &d->base;
    const pml_shape o = pml_shape_flat(a->units);
    pml_status s = pml_layer_init(l, &dense_vt, &pml_dense_kind, dev, dtype, in, &o, max_batch);
    const int64_t in_f = l->in_f, out_f = a->units;
    d->f.act = PML_ACT_IDENTITY;
    if (s == PML_OK && a->tie) { /* the bias alone; the weight comes with pml_dense_tie */
        l->nparams = a->bias ? 1 : 0;
        l->pname[0] = "bias";
        if (a->bias) s = pml_tensor_create_1d(dev, dtype, out_f, &l->param[0]);
        if (s == PML_OK && a->bias) s = pml_tensor_create_1d(dev, dtype, out_f, &l->grad[0]);
        if (s == PML_OK && a->bias) s = pml_tensor_zero(l->param[0]);
        if (s == PML_OK && a->bias) s = pml_tensor_zero(l->grad[0]);
    } else if (s == PML_OK) {
        s = pml_layer_weights(l, a, 2, (const int64_t[]){out_f, in_f}, out_f, in_f, out_f,
                              position, fn);
    }
    if (s == PML_OK) s = pml_tensor_create_2d(dev, dtype, max_batch, out_f, &d->delta);
    if (s != PML_OK) {
        pml_layer_free(l);
        return s;
    }
    *out = l;
    return PML_OK;
}

pml_status pml_dense_tie(pml_layer *l, pml_layer *to, const char *fn)
{
    dense_layer *d = (dense_layer *)l, *t = (dense_layer *)to;
    PML_CHECK(to->kind == &pml_dense_kind, PML_ERR_INVALID_ARGUMENT,
              "%s: dense layer %d: tied=%d names a %s layer, not a dense one", fn, l->index,
              to->index, to->kind->name);
    PML_CHECK(t->tie == NULL && t->tied_by == NULL, PML_ERR_INVALID_ARGUMENT,
              "%s: dense layer %d: layer %d's weight is %s; a weight is tied once", fn, l->index,
              to->index, t->tie ? "itself tied" : "already tied to another layer");
    PML_CHECK(to->out_f == l->in_f && to->in_f == l->out_f && to->dtype == l->dtype,
              PML_ERR_INVALID_ARGUMENT,
              "%s: dense layer %d (%lld -> %lld) cannot use layer %d's weight (%lld -> %lld) "
              "transposed: that takes a layer %lld -> %lld of the same dtype",
              fn, l->index, (long long)l->in_f, (long long)l->out_f, to->index,
              (long long)to->in_f, (long long)to->out_f, (long long)l->out_f, (long long)l->in_f);
    d->tie = to;
    t->tied_by = l;
    return PML_OK;
}

/* "dense:N", then ":nobias" and ":tied=I" in any order; the initialiser and seed come with
 * args. */
static pml_status dense_parse(const pml_kind *k, const char *arg, pml_layer_args *a,
                              const char *fn, int pos)
{
    PML_CHECK(arg && *arg, PML_ERR_INVALID_ARGUMENT,
              "%s: item %d '%s' needs a size, e.g. dense:100", fn, pos, k->name);
    char num[32];
    const char *opt = strchr(arg, ':');
    const size_t len = opt ? (size_t)(opt - arg) : strlen(arg);
    snprintf(num, sizeof num, "%.*s", (int)(len < sizeof num ? len : sizeof num - 1), arg);
    char *end = NULL;
    errno = 0;
    const long long n = pml_strtoll_dec(num, &end);
    PML_CHECK(!errno && len < sizeof num && end != num && *end == '\0' && n >= 1 &&
                  n <= (1 << 24),
              PML_ERR_INVALID_ARGUMENT, "%s: item %d: '%s' is not a layer size (1..2^24)", fn,
              pos, num);
    a->units = n;
    a->bias = 1;
    a->tie = 0;
    while (opt) {
        const char *o = opt + 1;
        opt = strchr(o, ':');
        const size_t olen = opt ? (size_t)(opt - o) : strlen(o);
        if (olen == 6 && strncmp(o, "nobias", 6) == 0 && a->bias) {
            a->bias = 0;
            continue;
        }
        if (olen > 5 && strncmp(o, "tied=", 5) == 0 && !a->tie) {
            char v[16];
            snprintf(v, sizeof v, "%.*s", (int)(olen - 5 < sizeof v ? olen - 5 : sizeof v - 1),
                     o + 5);
            errno = 0;
            const long long t = pml_strtoll_dec(v, &end);
            PML_CHECK(!errno && olen - 5 < sizeof v && end != v && *end == '\0' && t >= 0 &&
                          t < (1 << 20),
                      PML_ERR_INVALID_ARGUMENT,
                      "%s: item %d: tied=%s must name an earlier layer's position", fn, pos, v);
            a->tie = (int)t + 1;
            continue;
        }
        PML_CHECK(0, PML_ERR_INVALID_ARGUMENT,
                  "%s: item %d: unknown or repeated dense option '%.*s' (nobias, tied=I)", fn,
                  pos, (int)olen, o);
    }
    return PML_OK;
}

static void dense_item(const pml_kind *k, const pml_layer_args *a, char *buf, size_t n)
{
    char tie[24] = "";
    if (a->tie) snprintf(tie, sizeof tie, ":tied=%d", a->tie - 1);
    snprintf(buf, n, "%s:%lld%s%s", k->name, (long long)a->units, a->bias ? "" : ":nobias", tie);
}

/* weight [units, in] (none when tied) and bias [units] */
static int64_t dense_params(const pml_kind *k, const pml_shape *in, const pml_layer_args *a)
{
    (void)k;
    return a->units * ((a->tie ? 0 : pml_shape_numel(in)) + (a->bias ? 1 : 0));
}

const pml_kind pml_dense_kind = {
    .name = "dense",
    .syntax = "dense:N[:nobias][:tied=I]",
    .activation = 0,
    .parse = dense_parse,
    .create = dense_create,
    .item = dense_item,
    .params = dense_params,
};
