/* Flatten and unflatten (nn.Flatten, nn.Unflatten): C x H x W per example becomes C*H*W
 * features in the same (row-major) order, and back (a convolutional decoder starts from a
 * dense layer's features). The data do not move in meaning, but the layers keep their own
 * outputs like every other, so forward and backward are copies; each holds a position in the
 * numbering, as nn.Sequential's modules do, so that the indices of the layers after it
 * match. */
#include <stdio.h>
#include <stdlib.h>

#include "nn/layer.h"

static pml_status flatten_forward(pml_layer *l, const pml_tensor *x, int64_t batch,
                                  const pml_workspace *ws)
{
    (void)ws;
    return pml_layer_copy_rows(l, l->out->data, x->data, batch);
}

static pml_status flatten_backward(pml_layer *l, const pml_tensor *x, const pml_tensor *dy,
                                   pml_tensor *dx, int64_t batch, const pml_workspace *ws)
{
    (void)x, (void)ws;
    return dx ? pml_layer_copy_rows(l, dx->data, dy->data, batch) : PML_OK;
}

static void flatten_describe(const pml_layer *l, char *buf, size_t n)
{
    char in[48];
    pml_shape_text(&l->in_shape, in, sizeof in);
    char out[48];
    pml_shape_text(&l->out_shape, out, sizeof out);
    snprintf(buf, n, "%s %s -> %s", l->kind->name, in, out);
}

static const struct pml_layer_vt flatten_vt = {
    .forward = flatten_forward,
    .backward = flatten_backward,
    .describe = flatten_describe,
};

static pml_status flatten_create(pml_device *dev, pml_dtype dtype, const pml_shape *in,
                                 int64_t max_batch, const pml_layer_args *a, int position,
                                 const char *fn, pml_layer **out)
{
    (void)a, (void)position;
    pml_layer *l = calloc(1, sizeof *l);
    PML_CHECK(l != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    const pml_shape o = pml_shape_flat(pml_shape_numel(in));
    pml_status s = pml_layer_init(l, &flatten_vt, &pml_flatten_kind, dev, dtype, in, &o,
                                  max_batch);
    if (s != PML_OK) {
        pml_layer_free(l);
        return s;
    }
    *out = l;
    return PML_OK;
}

const pml_kind pml_flatten_kind = {"flatten", "flatten", 0, pml_kind_parse_bare, flatten_create,
                                   pml_kind_item_bare, NULL};

static pml_status unflatten_create(pml_device *dev, pml_dtype dtype, const pml_shape *in,
                                   int64_t max_batch, const pml_layer_args *a, int position,
                                   const char *fn, pml_layer **out)
{
    const pml_shape o = {3, {a->shape[0], a->shape[1], a->shape[2]}};
    char text[48];
    pml_shape_text(in, text, sizeof text);
    PML_CHECK(in->ndim == 1 && pml_shape_numel(in) == pml_shape_numel(&o),
              PML_ERR_INVALID_ARGUMENT,
              "%s: layer %d (unflatten:%lld:%lld:%lld) needs %lld flat inputs; it gets %s", fn,
              position, (long long)o.d[0], (long long)o.d[1], (long long)o.d[2],
              (long long)pml_shape_numel(&o), text);
    pml_layer *l = calloc(1, sizeof *l);
    PML_CHECK(l != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    pml_status s = pml_layer_init(l, &flatten_vt, &pml_unflatten_kind, dev, dtype, in, &o,
                                  max_batch);
    if (s != PML_OK) {
        pml_layer_free(l);
        return s;
    }
    *out = l;
    return PML_OK;
}

static pml_status unflatten_parse(const pml_kind *k, const char *arg, pml_layer_args *a,
                                  const char *fn, int pos)
{
    long long c = 0, h = 0, w = 0;
    int used = 0;
    const int ok = arg && sscanf(arg, "%lld:%lld:%lld%n", &c, &h, &w, &used) == 3 &&
                   arg[used] == '\0' && c >= 1 && h >= 1 && w >= 1 && c <= (1 << 20) &&
                   h <= (1 << 20) && w <= (1 << 20);
    PML_CHECK(ok, PML_ERR_INVALID_ARGUMENT,
              "%s: item %d: '%s' needs C:H:W, each 1..2^20, e.g. %s:32:7:7 (got '%s')", fn, pos,
              k->name, k->name, arg ? arg : "");
    a->shape[0] = c;
    a->shape[1] = h;
    a->shape[2] = w;
    return PML_OK;
}

static void unflatten_item(const pml_kind *k, const pml_layer_args *a, char *buf, size_t n)
{
    snprintf(buf, n, "%s:%lld:%lld:%lld", k->name, (long long)a->shape[0],
             (long long)a->shape[1], (long long)a->shape[2]);
}

const pml_kind pml_unflatten_kind = {"unflatten", "unflatten:C:H:W", 0, unflatten_parse,
                                     unflatten_create, unflatten_item, NULL};
