/* The 2-D convolution layer (PyTorch's nn.Conv2d: weight [out, in, kh, kw], bias [out]), as
 * darknet and Caffe shape it: im2col of the batch into the model's workspace, one GEMM, and
 * the bias and activation folded into the pass that writes the NCHW output:
 *   forward   col = im2col(x)                      (in*kh*kw) x (batch*ho*wo)
 *             z = W col                            out x (batch*ho*wo)
 *             y = act(z + b), reordered to NCHW
 *   backward  dz = dy (.) act'(y), reordered       out x (batch*ho*wo)
 *             dW = dz col^T, db = row sums of dz
 *             dx = col2im(W^T dz)
 * im2col and the GEMMs run a chunk of samples at a time (CONV_CHUNK_ELEMS).
 * Where the backend has the direct kernels (the CPU), the layer runs them instead, on the
 * phase planes of its input (ops/conv_ops.h), with no column matrix:
 *   forward   ph = phases(x); y = act(direct_forward(ph, W) + b)       NCHW throughout
 *   backward  dz = dy (.) act'(y); db = channel sums of dz
 *             dW = direct_backward_weight(ph, dz); dx = direct_backward_data(dz, W)
 * The activation that follows a convolution is fused into it. */
#include <stdio.h>
#include <stdlib.h>

#include "nn/layer.h"

typedef struct conv_layer {
    pml_layer base;
    pml_conv_geom g; /* batch set per call */
    pml_fused_act f; /* the activation after it */
    int64_t chunk;   /* samples per im2col + GEMM (CONV_CHUNK_ELEMS) */
    pml_tensor *z;   /* out x max_batch*ho*wo: the pre-activations, then dL/dz */
    /* When one chunk holds max_batch samples: the columns of the last training forward, kept
     * for its backward (which would make them again), valid for cols_batch samples of the
     * input at cols_x (0: none; any other forward, and the backward, which overwrites them,
     * clear it). */
    pml_tensor *cols;
    int64_t cols_batch;
    const void *cols_x;
    /* the direct path: the phase planes of the input (max_batch samples), kept from a
     * training forward for its backward like the columns (cols_batch, cols_x); NULL: im2col */
    pml_tensor *ph;
} conv_layer;

/* The columns of one chunk of samples hold at most this many elements, 8 MiB of F32, so the
 * workspace stays small at any batch (the CNN preset's: 8 MiB at batch 256, where one piece
 * would take 55 MiB; timing its conv layers at batch 256 showed no speed difference either
 * way). The chunk depends on the layer's shape alone, so a batch's sums are the same for any
 * max_batch and on every backend. */
#define CONV_CHUNK_ELEMS ((int64_t)1 << 21)

static int64_t kdim(const pml_conv_geom *g) { return g->c * g->kh * g->kw; }

static const void *at(const pml_tensor *t, int64_t elems)
{
    return (const char *)t->data + (size_t)elems * pml_dtype_size(t->dtype);
}

/* The chunk of samples from b0: its geometry into *g, and its columns, im2col of x's samples
 * b0 .. b0 + g->batch, made as *col (K x g->batch*ho*wo) in the workspace, or in `own` when
 * ws is NULL. */
static pml_status chunk_columns(const pml_layer *l, const struct pml_conv_ops *ops,
                                const pml_tensor *x, int64_t b0, int64_t batch,
                                const pml_workspace *ws, pml_tensor *own, pml_conv_geom *g,
                                pml_tensor *col)
{
    const conv_layer *c = (const conv_layer *)l;
    *g = c->g;
    g->batch = batch - b0 < c->chunk ? batch - b0 : c->chunk;
    *col = pml_tensor_view_of(ws ? ws->t : own, 0, 2,
                              (int64_t[]){kdim(g), g->batch * g->ho * g->wo});
    const pml_im2col_args ia = {l->dtype, *g, at(x, b0 * l->in_f), col->data};
    return ops->im2col(l->dev, &ia);
}

static pml_status conv_forward(pml_layer *l, const pml_tensor *x, int64_t batch,
                               const pml_workspace *ws)
{
    static const char fn[] = "conv forward";
    conv_layer *c = (conv_layer *)l;
    PML_CONV_OPS(l->dev, fn, ops);
    const int64_t P = c->g.ho * c->g.wo, R = batch * P, K = kdim(&c->g);
    const int64_t cout = l->out_shape.d[0];
    if (c->ph) {
        pml_conv_geom g = c->g;
        g.batch = batch;
        c->cols_batch = 0;
        const pml_conv_phases_args pa = {l->dtype, g, x->data, c->ph->data};
        PML_TRY(ops->phases(l->dev, &pa));
        const pml_conv_direct_args da = {l->dtype, g,    cout, c->ph->data, NULL,
                                         l->param[0]->data, l->out->data};
        PML_TRY(ops->direct_forward(l->dev, &da));
        if (l->training) {
            c->cols_batch = batch;
            c->cols_x = x->data;
        }
        if (l->nparams < 2 && c->f.act == PML_ACT_IDENTITY) return PML_OK;
        const pml_conv_bias_act_args ba = {l->dtype, c->f.act, c->f.alpha, batch, cout, P,
                                           l->nparams > 1 ? l->param[1]->data : NULL,
                                           l->out->data};
        return ops->bias_act(l->dev, &ba);
    }
    /* a training forward of one chunk keeps its columns for the backward */
    const int keep = l->training && c->cols && batch <= c->chunk;
    c->cols_batch = 0;
    for (int64_t b0 = 0; b0 < batch; b0 += c->chunk) {
        pml_conv_geom g;
        pml_tensor col;
        PML_TRY(chunk_columns(l, ops, x, b0, batch, keep ? NULL : ws, c->cols, &g, &col));
        const int64_t Rc = g.batch * P;
        /* z[:, b0 P ..) = W col */
        PML_TRY(pml_gemm_ex(l->dev, PML_NO_TRANS, PML_NO_TRANS, cout, Rc, K, 1.0,
                            pml_mref(l->param[0], K), pml_mref(&col, Rc), 0.0, c->z, b0 * P, R));
    }
    if (keep) {
        c->cols_batch = batch;
        c->cols_x = x->data;
    }
    const pml_conv_to_chw_args ta = {l->dtype, c->f.act, c->f.alpha, batch, cout, P,
                                     c->z->data, l->nparams > 1 ? l->param[1]->data : NULL,
                                     l->out->data};
    return ops->to_chw(l->dev, &ta);
}

/* The direct path's backward: dz (NCHW, in z) = dy (.) act'(y), then the three products. */
static pml_status direct_backward(pml_layer *l, const struct pml_conv_ops *ops,
                                  const pml_tensor *x, const pml_tensor *dy, pml_tensor *dx,
                                  int64_t batch)
{
    static const char fn[] = "conv backward";
    conv_layer *c = (conv_layer *)l;
    pml_conv_geom g = c->g;
    g.batch = batch;
    const int64_t cout = l->out_shape.d[0];
    const void *dz = dy->data;
    if (c->f.act != PML_ACT_IDENTITY) {
        PML_TRY(pml_layer_activate_backward(l, c->f.act, c->f.alpha, batch, dy->data,
                                            c->z->data, fn));
        dz = c->z->data;
    }
    if (l->nparams > 1) {
        const pml_conv_channel_sum_args sa = {l->dtype, batch, cout, g.ho * g.wo, dz,
                                              l->grad[1]->data};
        PML_TRY(ops->channel_sum(l->dev, &sa));
    }
    if (!(c->cols_batch == batch && c->cols_x == x->data)) {
        const pml_conv_phases_args pa = {l->dtype, g, x->data, c->ph->data};
        PML_TRY(ops->phases(l->dev, &pa));
    }
    c->cols_batch = 0;
    const pml_conv_direct_args wa = {l->dtype, g, cout, c->ph->data, dz, NULL,
                                     l->grad[0]->data};
    PML_TRY(ops->direct_backward_weight(l->dev, &wa));
    if (dx == NULL) return PML_OK;
    const pml_conv_direct_args xa = {l->dtype, g, cout, NULL, dz, l->param[0]->data, dx->data};
    return ops->direct_backward_data(l->dev, &xa);
}

static pml_status conv_backward(pml_layer *l, const pml_tensor *x, const pml_tensor *dy,
                                pml_tensor *dx, int64_t batch, const pml_workspace *ws)
{
    static const char fn[] = "conv backward";
    conv_layer *c = (conv_layer *)l;
    PML_CONV_OPS(l->dev, fn, ops);
    const int64_t P = c->g.ho * c->g.wo, R = batch * P, K = kdim(&c->g);
    const int64_t cout = l->out_shape.d[0];
    if (c->ph) return direct_backward(l, ops, x, dy, dx, batch);
    const pml_conv_from_chw_args fa = {l->dtype, c->f.act, c->f.alpha, batch, cout, P,
                                       c->f.act == PML_ACT_IDENTITY ? NULL : l->out->data,
                                       dy->data, c->z->data};
    PML_TRY(ops->from_chw(l->dev, &fa));
    if (l->nparams > 1) {
        const pml_conv_channel_sum_args sa = {l->dtype, 1, cout, R, c->z->data,
                                              l->grad[1]->data};
        PML_TRY(ops->channel_sum(l->dev, &sa));
    }
    const int kept = c->cols_batch == batch && c->cols_x == x->data;
    c->cols_batch = 0; /* the columns' gradient overwrites them below */
    for (int64_t b0 = 0; b0 < batch; b0 += c->chunk) {
        pml_conv_geom g;
        pml_tensor col;
        if (kept) {
            g = c->g;
            g.batch = batch;
            col = pml_tensor_view_of(c->cols, 0, 2, (int64_t[]){K, batch * P});
        } else {
            PML_TRY(chunk_columns(l, ops, x, b0, batch, ws, NULL, &g, &col));
        }
        const int64_t Rc = g.batch * P;
        /* dW (+)= dz[:, chunk] col^T, the chunks added in order */
        const pml_matrix_ref dz = {c->z, b0 * P, R};
        PML_TRY(pml_gemm_ex(l->dev, PML_NO_TRANS, PML_TRANS, cout, K, Rc, 1.0, dz,
                            pml_mref(&col, Rc), b0 ? 1.0 : 0.0, l->grad[0], 0, K));
        if (dx == NULL) continue;
        /* the columns' gradient overwrites the columns, then folds back onto the images */
        PML_TRY(pml_gemm_ex(l->dev, PML_TRANS, PML_NO_TRANS, K, Rc, cout, 1.0,
                            pml_mref(l->param[0], K), dz, 0.0, &col, 0, Rc));
        const pml_col2im_args ca = {l->dtype, g, col.data, (void *)at(dx, b0 * l->in_f)};
        PML_TRY(ops->col2im(l->dev, &ca));
    }
    return PML_OK;
}

static void conv_describe(const pml_layer *l, char *buf, size_t n)
{
    const conv_layer *c = (const conv_layer *)l;
    snprintf(buf, n, "conv %lld -> %lld, %lldx%lld/%lld pad %lld%s%s%s",
             (long long)c->g.c, (long long)l->out_shape.d[0], (long long)c->g.kh,
             (long long)c->g.kw, (long long)c->g.sh, (long long)c->g.ph,
             l->nparams > 1 ? "" : ", no bias", c->f.act != PML_ACT_IDENTITY ? ", " : "",
             c->f.act != PML_ACT_IDENTITY ? pml_activation_name(c->f.act) : "");
}

static pml_activation conv_activation(const pml_layer *l) { return ((const conv_layer *)l)->f.act; }

/* Elementwise activations go into the epilogue; softmax stays a layer of its own. */
static int conv_fuse(pml_layer *l, pml_activation act, float alpha)
{
    return pml_layer_fuse_act(l, &((conv_layer *)l)->f, act, alpha, 0);
}

static void conv_destroy(pml_layer *l)
{
    pml_tensor_destroy(((conv_layer *)l)->z);
    pml_tensor_destroy(((conv_layer *)l)->cols);
    pml_tensor_destroy(((conv_layer *)l)->ph);
}

static const struct pml_layer_vt conv_vt = {
    .forward = conv_forward,
    .backward = conv_backward,
    .describe = conv_describe,
    .activation = conv_activation,
    .fuse = conv_fuse,
    .destroy = conv_destroy,
};

static pml_status conv_create(pml_device *dev, pml_dtype dtype, const pml_shape *in,
                              int64_t max_batch, const pml_layer_args *a, int position,
                              const char *fn, pml_layer **out)
{
    pml_conv_geom g;
    pml_shape o;
    PML_TRY(pml_conv_spec_geometry(&pml_conv_kind, a, in, position, fn, PML_SPEC_CONV, &g, &o));
    conv_layer *c = calloc(1, sizeof *c);
    PML_CHECK(c != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    pml_layer *l = &c->base;
    pml_status s = pml_layer_init(l, &conv_vt, &pml_conv_kind, dev, dtype, in, &o, max_batch);
    c->g = g;
    c->f.act = PML_ACT_IDENTITY;
    const int64_t cout = a->units, K = kdim(&g), R = max_batch * g.ho * g.wo;
    const int64_t fit = CONV_CHUNK_ELEMS / (K * g.ho * g.wo);
    c->chunk = fit < 1 ? 1 : fit < max_batch ? fit : max_batch;
    const int64_t nph = pml_conv_direct_elems(dev, dtype, &g, max_batch);
    if (nph == 0) l->ws_bytes = (size_t)(c->chunk * g.ho * g.wo * K) * pml_dtype_size(dtype);
    if (s == PML_OK)
        s = pml_layer_weights(l, a, 4, (const int64_t[]){cout, g.c, g.kh, g.kw}, cout, K,
                              cout * g.kh * g.kw, position, fn);
    if (s == PML_OK) s = pml_tensor_create_2d(dev, dtype, cout, R, &c->z);
    /* columns kept from forward to backward when one chunk takes the largest batch: at most
     * CONV_CHUNK_ELEMS more (8 MiB of F32) per layer; the conv autoencoder's second layer's
     * backward then makes no im2col */
    if (s == PML_OK && nph == 0 && c->chunk == max_batch)
        s = pml_tensor_create_2d(dev, dtype, K, R, &c->cols);
    if (s == PML_OK && nph > 0) s = pml_tensor_create(dev, dtype, 1, &nph, &c->ph);
    if (s != PML_OK) {
        pml_layer_free(l);
        return s;
    }
    *out = l;
    return PML_OK;
}

static pml_status conv_parse(const pml_kind *k, const char *arg, pml_layer_args *a,
                             const char *fn, int pos)
{
    a->bias = 1;
    return pml_conv_spec_parse(k, arg, a, fn, pos, PML_SPEC_CONV);
}

static void conv_item(const pml_kind *k, const pml_layer_args *a, char *buf, size_t n)
{
    pml_conv_spec_item(k, a, buf, n, PML_SPEC_CONV);
}

const pml_kind pml_conv_kind = {
    .name = "conv",
    .syntax = "conv:C:K[:stride=S][:pad=P|same][:nobias]",
    .activation = 0,
    .parse = conv_parse,
    .create = conv_create,
    .item = conv_item,
    .params = pml_conv_spec_params,
};
