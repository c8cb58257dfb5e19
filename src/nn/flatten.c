/* Flatten (nn.Flatten): C x H x W per example becomes C*H*W features in the same (row-major)
 * order. The data do not move in meaning, but the layer keeps its own output like every
 * other, so forward and backward are copies; it holds a position in the numbering, as
 * nn.Sequential's Flatten does, so that the indices of the layers after it match. */
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
    snprintf(buf, n, "flatten %s -> %lld", in, (long long)l->out_f);
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
