/* Dropout (nn.Dropout): in training, each element is zeroed with probability p and the rest
 * scaled by 1/(1-p); in evaluation, the identity. The mask of element i of a batch is Philox
 * draw i of (the run's seed, a stream of the layer's position and the training step), so the
 * forward and the backward of a step, and the CPU and the GPU, drop the same elements, and no
 * mask is stored. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"
#include "nn/layer.h"

typedef struct dropout_layer {
    pml_layer base;
    double rate;
    int dropped;     /* the last forward dropped (training mode and rate > 0) */
    uint64_t seed, stream; /* its mask */
} dropout_layer;

static pml_status apply(pml_layer *l, const void *x, void *y, int64_t batch, const char *fn)
{
    dropout_layer *d = (dropout_layer *)l;
    if (!d->dropped) return pml_layer_copy_rows(l, y, x, batch);
    PML_CONV_OPS(l->dev, fn, ops);
    const int64_t n = batch * l->out_f;
    const pml_dropout_args a = {l->dtype,          n,        pml_u32_threshold(d->rate),
                                1.0 / (1.0 - d->rate), d->seed, d->stream, x, y};
    return ops->dropout(l->dev, &a);
}

static pml_status dropout_forward(pml_layer *l, const pml_tensor *x, int64_t batch,
                                  const pml_workspace *ws)
{
    (void)ws;
    dropout_layer *d = (dropout_layer *)l;
    d->dropped = l->training && d->rate > 0;
    d->seed = l->seed;
    d->stream = PML_CONV_STREAM_DROPOUT | ((uint64_t)(l->index & 0xff) << 40) |
                (l->step & PML_CONV_STEP_MASK);
    return apply(l, x->data, l->out->data, batch, "dropout forward");
}

static pml_status dropout_backward(pml_layer *l, const pml_tensor *x, const pml_tensor *dy,
                                   pml_tensor *dx, int64_t batch, const pml_workspace *ws)
{
    (void)x, (void)ws;
    return dx ? apply(l, dy->data, dx->data, batch, "dropout backward") : PML_OK;
}

static void dropout_describe(const pml_layer *l, char *buf, size_t n)
{
    snprintf(buf, n, "dropout p=%g", ((const dropout_layer *)l)->rate);
}

static const struct pml_layer_vt dropout_vt = {
    .forward = dropout_forward,
    .backward = dropout_backward,
    .describe = dropout_describe,
};

static pml_status dropout_create(pml_device *dev, pml_dtype dtype, const pml_shape *in,
                                 int64_t max_batch, const pml_layer_args *a, int position,
                                 const char *fn, pml_layer **out)
{
    (void)position;
    PML_CHECK(a->rate >= 0 && a->rate < 1, PML_ERR_INVALID_ARGUMENT,
              "%s: dropout rate %g, needs 0 <= p < 1", fn, a->rate);
    dropout_layer *d = calloc(1, sizeof *d);
    PML_CHECK(d != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    d->rate = a->rate;
    pml_status s = pml_layer_init(&d->base, &dropout_vt, &pml_dropout_kind, dev, dtype, in, in,
                                  max_batch);
    if (s != PML_OK) {
        pml_layer_free(&d->base);
        return s;
    }
    *out = &d->base;
    return PML_OK;
}

static pml_status dropout_parse(const pml_kind *k, const char *arg, pml_layer_args *a,
                                const char *fn, int pos)
{
    char *end = NULL;
    const double p = arg ? pml_strtod_dec(arg, &end) : -1;
    PML_CHECK(arg && end != arg && *end == '\0' && p >= 0 && p < 1, PML_ERR_INVALID_ARGUMENT,
              "%s: item %d: '%s' needs a rate 0 <= p < 1, e.g. %s:0.3 (got '%s')", fn, pos,
              k->name, k->name, arg ? arg : "");
    a->rate = p;
    return PML_OK;
}

static void dropout_item(const pml_kind *k, const pml_layer_args *a, char *buf, size_t n)
{
    char v[32];
    pml_real_text(a->rate, 0, v, sizeof v);
    snprintf(buf, n, "%s:%s", k->name, v);
}

const pml_kind pml_dropout_kind = {"dropout", "dropout:P", 0, dropout_parse, dropout_create,
                                   dropout_item, NULL};
