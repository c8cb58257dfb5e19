/* Pooling layers (no parameters): max pooling (nn.MaxPool2d; the winner's position kept for
 * backward; ties go to the first in row-major window order), average pooling (nn.AvgPool2d)
 * and global average pooling (nn.AdaptiveAvgPool2d(1): one window over each whole plane,
 * output C x 1 x 1). Windows that do not fit are dropped (PyTorch's floor mode). */
#include <stdio.h>
#include <stdlib.h>

#include "nn/layer.h"

typedef struct pool_layer {
    pml_layer base;
    pml_pool_mode mode;
    pml_conv_geom g; /* batch set per call */
    pml_tensor *idx; /* max: I32 max_batch x out_f */
} pool_layer;

static pml_status pool_forward(pml_layer *l, const pml_tensor *x, int64_t batch,
                               const pml_workspace *ws)
{
    static const char fn[] = "pool forward";
    (void)ws;
    pool_layer *p = (pool_layer *)l;
    PML_CONV_OPS(l->dev, fn, ops);
    pml_conv_geom g = p->g;
    g.batch = batch;
    const pml_pool_args a = {l->dtype, p->mode, g, x->data, l->out->data,
                             p->idx ? (int32_t *)p->idx->data : NULL};
    return ops->pool(l->dev, &a);
}

static pml_status pool_backward(pml_layer *l, const pml_tensor *x, const pml_tensor *dy,
                                pml_tensor *dx, int64_t batch, const pml_workspace *ws)
{
    static const char fn[] = "pool backward";
    (void)x, (void)ws;
    pool_layer *p = (pool_layer *)l;
    if (dx == NULL) return PML_OK;
    PML_CONV_OPS(l->dev, fn, ops);
    pml_conv_geom g = p->g;
    g.batch = batch;
    const pml_pool_backward_args a = {l->dtype, p->mode, g, dy->data,
                                      p->idx ? (const int32_t *)p->idx->data : NULL, dx->data};
    return ops->pool_backward(l->dev, &a);
}

static void pool_describe(const pml_layer *l, char *buf, size_t n)
{
    const pool_layer *p = (const pool_layer *)l;
    snprintf(buf, n, "%s %lldx%lld/%lld", l->kind->name, (long long)p->g.kh, (long long)p->g.kw,
             (long long)p->g.sh);
}

static void pool_destroy(pml_layer *l) { pml_tensor_destroy(((pool_layer *)l)->idx); }

static const struct pml_layer_vt pool_vt = {
    .forward = pool_forward,
    .backward = pool_backward,
    .describe = pool_describe,
    .destroy = pool_destroy,
};

static pml_status make(const pml_kind *k, pml_pool_mode mode, pml_device *dev, pml_dtype dtype,
                       const pml_shape *in, int64_t max_batch, const pml_conv_geom *g,
                       const pml_shape *o, const char *fn, pml_layer **out)
{
    pool_layer *p = calloc(1, sizeof *p);
    PML_CHECK(p != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    pml_layer *l = &p->base;
    pml_status s = pml_layer_init(l, &pool_vt, k, dev, dtype, in, o, max_batch);
    p->mode = mode;
    p->g = *g;
    if (s == PML_OK && mode == PML_POOL_MAX)
        s = pml_tensor_create_2d(dev, PML_I32, max_batch, l->out_f, &p->idx);
    if (s != PML_OK) {
        pml_layer_free(l);
        return s;
    }
    *out = l;
    return PML_OK;
}

static pml_status window_create(const pml_kind *k, pml_pool_mode mode, pml_device *dev,
                                pml_dtype dtype, const pml_shape *in, int64_t max_batch,
                                const pml_layer_args *a, int position, const char *fn,
                                pml_layer **out)
{
    pml_conv_geom g;
    pml_shape o;
    PML_TRY(pml_conv_spec_geometry(k, a, in, position, fn, PML_SPEC_POOL, &g, &o));
    return make(k, mode, dev, dtype, in, max_batch, &g, &o, fn, out);
}

static pml_status maxpool_create(pml_device *dev, pml_dtype dtype, const pml_shape *in,
                                 int64_t max_batch, const pml_layer_args *a, int position,
                                 const char *fn, pml_layer **out)
{
    return window_create(&pml_maxpool_kind, PML_POOL_MAX, dev, dtype, in, max_batch, a, position,
                         fn, out);
}

static pml_status avgpool_create(pml_device *dev, pml_dtype dtype, const pml_shape *in,
                                 int64_t max_batch, const pml_layer_args *a, int position,
                                 const char *fn, pml_layer **out)
{
    return window_create(&pml_avgpool_kind, PML_POOL_AVG, dev, dtype, in, max_batch, a, position,
                         fn, out);
}

static pml_status gap_create(pml_device *dev, pml_dtype dtype, const pml_shape *in,
                             int64_t max_batch, const pml_layer_args *a, int position,
                             const char *fn, pml_layer **out)
{
    PML_TRY(pml_layer_need_image(&pml_gap_kind, a, in, position, fn));
    const pml_conv_geom g = {0, in->d[0], in->d[1], in->d[2], in->d[1], in->d[2], 1, 1, 0, 0,
                             1, 1};
    const pml_shape o = {3, {in->d[0], 1, 1}};
    return make(&pml_gap_kind, PML_POOL_AVG, dev, dtype, in, max_batch, &g, &o, fn, out);
}

static pml_status pool_parse(const pml_kind *k, const char *arg, pml_layer_args *a,
                             const char *fn, int pos)
{
    return pml_conv_spec_parse(k, arg, a, fn, pos, PML_SPEC_POOL);
}

static void pool_item(const pml_kind *k, const pml_layer_args *a, char *buf, size_t n)
{
    pml_conv_spec_item(k, a, buf, n, PML_SPEC_POOL);
}

/* no parameters: params is NULL */
const pml_kind pml_maxpool_kind = {"maxpool", "maxpool:K[:S]", 0, pool_parse, maxpool_create,
                                   pool_item, NULL};
const pml_kind pml_avgpool_kind = {"avgpool", "avgpool:K[:S]", 0, pool_parse, avgpool_create,
                                   pool_item, NULL};
const pml_kind pml_gap_kind = {"gap", "gap", 0, pml_kind_parse_bare, gap_create, pml_kind_item_bare, NULL};
