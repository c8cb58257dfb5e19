/* The transposed 2-D convolution (PyTorch's nn.ConvTranspose2d: weight [in, out, kh, kw],
 * bias [out]): the adjoint of a convolution, which the decoders of convolutional autoencoders
 * use to grow images. Its geometry is the convolution that maps its output back to its
 * input (g: c = out channels, h x w = the output, ho x wo = the input); with W as
 * [in] x [out*kh*kw]:
 *   forward   X = x reordered channel-major         in x (batch*hi*wi)
 *             col = W^T X                           (out*kh*kw) x (batch*hi*wi)
 *             y = act(col2im(col) + b)              NCHW
 *   backward  dz = dy (.) act'(y); db = channel sums of dz
 *             col = im2col(dz); dW = X col^T; dx = (W col) reordered to NCHW
 * Where the backend has the direct kernels (the CPU), it runs them on NCHW data instead, with
 * no column matrix (ops/conv_ops.h):
 *   forward   y = act(direct_backward_data(x, W) + b)
 *   backward  dz = dy (.) act'(y); db; ph = phases(dz)
 *             dW = direct_backward_weight(ph, x); dx = direct_forward(ph, W)
 * The activation that follows is fused into it. */
#include <stdio.h>
#include <stdlib.h>

#include "nn/layer.h"

typedef struct convt_layer {
    pml_layer base;
    pml_conv_geom g; /* batch set per call */
    pml_fused_act f; /* the activation after it */
    pml_tensor *rows; /* in x max_batch*hi*wi: the input channel-major, then dL/dx */
    pml_tensor *dz;   /* max_batch x out_f: dL/dz */
    pml_tensor *ph;   /* the direct path: the phase planes of dz (NULL: im2col + GEMM) */
} convt_layer;

/* x (batch, in, hi, wi) into rows, channel-major (in x batch*hi*wi) */
static pml_status as_rows(const pml_layer *l, const struct pml_conv_ops *ops, int64_t batch,
                          int64_t plane, const void *x, pml_tensor *rows)
{
    const pml_conv_from_chw_args fa = {l->dtype, PML_ACT_IDENTITY, 0.f, batch, l->in_shape.d[0],
                                       plane, NULL, x, rows->data};
    return ops->from_chw(l->dev, &fa);
}

static pml_status convt_forward(pml_layer *l, const pml_tensor *x, int64_t batch,
                                const pml_workspace *ws)
{
    static const char fn[] = "convt forward";
    convt_layer *c = (convt_layer *)l;
    PML_CONV_OPS(l->dev, fn, ops);
    pml_conv_geom g = c->g;
    g.batch = batch;
    const int64_t cin = l->in_shape.d[0], R = batch * g.ho * g.wo, N = g.c * g.kh * g.kw;
    if (c->ph) {
        const pml_conv_direct_args da = {l->dtype, g,    cin, NULL, x->data, l->param[0]->data,
                                         l->out->data};
        PML_TRY(ops->direct_backward_data(l->dev, &da));
    } else {
        PML_TRY(as_rows(l, ops, batch, g.ho * g.wo, x->data, c->rows));
        pml_tensor col = pml_tensor_view_of(ws->t, 0, 2, (int64_t[]){N, R});
        PML_TRY(pml_gemm_ex(l->dev, PML_TRANS, PML_NO_TRANS, N, R, cin, 1.0,
                            pml_mref(l->param[0], N), pml_mref(c->rows, R), 0.0, &col, 0, R));
        const pml_col2im_args ca = {l->dtype, g, col.data, l->out->data};
        PML_TRY(ops->col2im(l->dev, &ca));
    }
    if (l->nparams < 2 && c->f.act == PML_ACT_IDENTITY) return PML_OK;
    const pml_conv_bias_act_args ba = {l->dtype, c->f.act, c->f.alpha, batch, g.c, g.h * g.w,
                                       l->nparams > 1 ? l->param[1]->data : NULL, l->out->data};
    return ops->bias_act(l->dev, &ba);
}

static pml_status convt_backward(pml_layer *l, const pml_tensor *x, const pml_tensor *dy,
                                 pml_tensor *dx, int64_t batch, const pml_workspace *ws)
{
    static const char fn[] = "convt backward";
    convt_layer *c = (convt_layer *)l;
    PML_CONV_OPS(l->dev, fn, ops);
    pml_conv_geom g = c->g;
    g.batch = batch;
    const int64_t cin = l->in_shape.d[0], R = batch * g.ho * g.wo, N = g.c * g.kh * g.kw;
    const pml_tensor *dz = dy;
    if (c->f.act != PML_ACT_IDENTITY) {
        PML_TRY(pml_layer_activate_backward(l, c->f.act, c->f.alpha, batch, dy->data, c->dz->data,
                                            fn));
        dz = c->dz;
    }
    if (l->nparams > 1) {
        const pml_conv_channel_sum_args sa = {l->dtype, batch, g.c, g.h * g.w, dz->data,
                                              l->grad[1]->data};
        PML_TRY(ops->channel_sum(l->dev, &sa));
    }
    if (c->ph) {
        const pml_conv_phases_args pa = {l->dtype, g, dz->data, c->ph->data};
        PML_TRY(ops->phases(l->dev, &pa));
        const pml_conv_direct_args wa = {l->dtype, g, cin, c->ph->data, x->data, NULL,
                                         l->grad[0]->data};
        PML_TRY(ops->direct_backward_weight(l->dev, &wa));
        if (dx == NULL) return PML_OK;
        const pml_conv_direct_args fa = {l->dtype, g,    cin, c->ph->data, NULL,
                                         l->param[0]->data, dx->data};
        return ops->direct_forward(l->dev, &fa);
    }
    pml_tensor col = pml_tensor_view_of(ws->t, 0, 2, (int64_t[]){N, R});
    const pml_im2col_args ia = {l->dtype, g, dz->data, col.data};
    PML_TRY(ops->im2col(l->dev, &ia));
    PML_TRY(as_rows(l, ops, batch, g.ho * g.wo, x->data, c->rows));
    PML_TRY(pml_gemm_ex(l->dev, PML_NO_TRANS, PML_TRANS, cin, N, R, 1.0, pml_mref(c->rows, R),
                        pml_mref(&col, R), 0.0, l->grad[0], 0, N));
    if (dx == NULL) return PML_OK;
    PML_TRY(pml_gemm_ex(l->dev, PML_NO_TRANS, PML_NO_TRANS, cin, R, N, 1.0, pml_mref(l->param[0], N),
                        pml_mref(&col, R), 0.0, c->rows, 0, R));
    const pml_conv_to_chw_args ta = {l->dtype, PML_ACT_IDENTITY, 0.f, batch, cin, g.ho * g.wo,
                                     c->rows->data, NULL, dx->data};
    return ops->to_chw(l->dev, &ta);
}

static void convt_describe(const pml_layer *l, char *buf, size_t n)
{
    const convt_layer *c = (const convt_layer *)l;
    snprintf(buf, n, "convt %lld -> %lld, %lldx%lld/%lld pad %lld%s%s%s",
             (long long)l->in_shape.d[0], (long long)c->g.c, (long long)c->g.kh,
             (long long)c->g.kw, (long long)c->g.sh, (long long)c->g.ph,
             l->nparams > 1 ? "" : ", no bias", c->f.act != PML_ACT_IDENTITY ? ", " : "",
             c->f.act != PML_ACT_IDENTITY ? pml_activation_name(c->f.act) : "");
}

static pml_activation convt_activation(const pml_layer *l)
{
    return ((const convt_layer *)l)->f.act;
}

static int convt_fuse(pml_layer *l, pml_activation act, float alpha)
{
    return pml_layer_fuse_act(l, &((convt_layer *)l)->f, act, alpha, 0);
}

static void convt_destroy(pml_layer *l)
{
    pml_tensor_destroy(((convt_layer *)l)->rows);
    pml_tensor_destroy(((convt_layer *)l)->dz);
    pml_tensor_destroy(((convt_layer *)l)->ph);
}

static const struct pml_layer_vt convt_vt = {
    .forward = convt_forward,
    .backward = convt_backward,
    .describe = convt_describe,
    .activation = convt_activation,
    .fuse = convt_fuse,
    .destroy = convt_destroy,
};

static pml_status convt_create(pml_device *dev, pml_dtype dtype, const pml_shape *in,
                               int64_t max_batch, const pml_layer_args *a, int position,
                               const char *fn, pml_layer **out)
{
    pml_conv_geom g;
    pml_shape o;
    PML_TRY(pml_conv_spec_geometry(&pml_convt_kind, a, in, position, fn, PML_SPEC_CONVT, &g,
                                   &o));
    convt_layer *c = calloc(1, sizeof *c);
    PML_CHECK(c != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    pml_layer *l = &c->base;
    pml_status s = pml_layer_init(l, &convt_vt, &pml_convt_kind, dev, dtype, in, &o, max_batch);
    c->g = g;
    c->f.act = PML_ACT_IDENTITY;
    const int64_t cin = in->d[0], cout = a->units, N = cout * g.kh * g.kw;
    const int64_t R = max_batch * g.ho * g.wo;
    const int64_t nph = pml_conv_direct_elems(dev, dtype, &g, max_batch);
    if (nph == 0) l->ws_bytes = (size_t)(R * N) * pml_dtype_size(dtype);
    /* each output sees about in*kh*kw/stride^2 inputs; PyTorch takes fan_in from weight dim 1 */
    if (s == PML_OK)
        s = pml_layer_weights(l, a, 4, (const int64_t[]){cin, cout, g.kh, g.kw}, cout, N,
                              cin * g.kh * g.kw, position, fn);
    if (s == PML_OK && nph == 0) s = pml_tensor_create_2d(dev, dtype, cin, R, &c->rows);
    if (s == PML_OK && nph > 0) s = pml_tensor_create(dev, dtype, 1, &nph, &c->ph);
    if (s == PML_OK) s = pml_tensor_create_2d(dev, dtype, max_batch, l->out_f, &c->dz);
    if (s != PML_OK) {
        pml_layer_free(l);
        return s;
    }
    *out = l;
    return PML_OK;
}

static pml_status convt_parse(const pml_kind *k, const char *arg, pml_layer_args *a,
                              const char *fn, int pos)
{
    a->bias = 1;
    return pml_conv_spec_parse(k, arg, a, fn, pos, PML_SPEC_CONVT);
}

static void convt_item(const pml_kind *k, const pml_layer_args *a, char *buf, size_t n)
{
    pml_conv_spec_item(k, a, buf, n, PML_SPEC_CONVT);
}

const pml_kind pml_convt_kind = {
    .name = "convt",
    .syntax = "convt:C:K[:stride=S][:pad=P][:outpad=Q][:nobias]",
    .activation = 0,
    .parse = convt_parse,
    .create = convt_create,
    .item = convt_item,
    .params = pml_conv_spec_params,
};
