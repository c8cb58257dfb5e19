/* The activation layer (Y = act(X), elementwise or row-wise softmax): one kind per function
 * in the table of kinds. An activation directly after a layer that can absorb it (dense) is
 * fused into that layer by the model; this standalone kind serves every other position. The
 * output keeps the input's shape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "nn/layer.h"

typedef struct act_layer {
    pml_layer base;
    pml_activation act;
    float alpha;
} act_layer;

/* Each activation's name and how to write it in a spec, once: the names table behind
 * pml_activation_name and pml_activation_parse, and the activation kinds, come from it. */
#define ACTIVATIONS(X)                                                                     \
    X(PML_ACT_IDENTITY, "identity", "identity")                                            \
    X(PML_ACT_RELU, "relu", "relu")                                                        \
    X(PML_ACT_LEAKY_RELU, "leaky_relu", "leaky_relu[:a]")                                  \
    X(PML_ACT_SIGMOID, "sigmoid", "sigmoid")                                               \
    X(PML_ACT_TANH, "tanh", "tanh")                                                        \
    X(PML_ACT_SOFTMAX, "softmax", "softmax")

#define ACT_NAME(value, name, syntax) [value] = name,
const char *const pml_activation_names[PML_ACT_COUNT] = {ACTIVATIONS(ACT_NAME)};

/* pml_activation_name and pml_activation_parse */
PML_DEFINE_NAMES(pml_activation, pml_activation, "activation", pml_activation_names)

static pml_status act_forward(pml_layer *l, const pml_tensor *x, int64_t batch,
                              const pml_workspace *ws)
{
    (void)ws;
    const act_layer *a = (const act_layer *)l;
    PML_TRY(pml_layer_copy_rows(l, l->out->data, x->data, batch));
    return pml_layer_activate(l, a->act, a->alpha, batch, NULL, "activation forward");
}

static pml_status act_backward(pml_layer *l, const pml_tensor *x, const pml_tensor *dy,
                               pml_tensor *dx, int64_t batch, const pml_workspace *ws)
{
    (void)x, (void)ws;
    const act_layer *a = (const act_layer *)l;
    if (dx == NULL) return PML_OK;
    return pml_layer_activate_backward(l, a->act, a->alpha, batch, dy->data, dx->data,
                                       "activation backward");
}

static void act_describe(const pml_layer *l, char *buf, size_t n)
{
    const act_layer *a = (const act_layer *)l;
    if (a->act == PML_ACT_LEAKY_RELU)
        snprintf(buf, n, "%s(%g) %lld", pml_activation_name(a->act), (double)a->alpha,
                 (long long)l->out_f);
    else
        snprintf(buf, n, "%s %lld", pml_activation_name(a->act), (long long)l->out_f);
}

static pml_activation act_activation(const pml_layer *l) { return ((const act_layer *)l)->act; }

/* an activation absorbs nothing and owns nothing beyond the base (fuse, destroy: NULL) */
static const struct pml_layer_vt act_vt = {
    .forward = act_forward,
    .backward = act_backward,
    .describe = act_describe,
    .activation = act_activation,
};

static pml_status act_create(pml_device *dev, pml_dtype dtype, const pml_shape *in,
                             int64_t max_batch, const pml_layer_args *args, int position,
                             const char *fn, pml_layer **out)
{
    (void)position;
    act_layer *a = calloc(1, sizeof *a);
    PML_CHECK(a != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    a->act = args->act;
    a->alpha = args->alpha;
    pml_status s = pml_layer_init(&a->base, &act_vt, &pml_activation_kinds[args->act], dev,
                                  dtype, in, in, max_batch);
    if (s != PML_OK) {
        pml_layer_free(&a->base);
        return s;
    }
    *out = &a->base;
    return PML_OK;
}

/* "relu", ..., and "leaky_relu[:ALPHA]" with 0 < ALPHA < 1 (0.01 when omitted). */
static pml_status act_parse(const pml_kind *k, const char *arg, pml_layer_args *a,
                            const char *fn, int pos)
{
    a->act = (pml_activation)(k - pml_activation_kinds);
    a->alpha = a->act == PML_ACT_LEAKY_RELU ? 0.01f : 0.0f;
    if (arg == NULL) return PML_OK;
    PML_CHECK(a->act == PML_ACT_LEAKY_RELU, PML_ERR_INVALID_ARGUMENT,
              "%s: item %d: '%s' takes no argument", fn, pos, k->name);
    char *end = NULL;
    const double v = pml_strtod_dec(arg, &end);
    /* the test is on the float the layer keeps: 1e-50 or 0.999999999 would round to 0 or 1 */
    const float alpha = (float)v;
    PML_CHECK(end != arg && *end == '\0' && alpha > 0 && alpha < 1, PML_ERR_INVALID_ARGUMENT,
              "%s: item %d: leaky_relu slope '%s' is not in (0, 1)", fn, pos, arg);
    a->alpha = alpha;
    return PML_OK;
}

static void act_item(const pml_kind *k, const pml_layer_args *a, char *buf, size_t n)
{
    if (a->act == PML_ACT_LEAKY_RELU) {
        char v[32];
        pml_real_text(a->alpha, 1, v, sizeof v);
        snprintf(buf, n, "%s:%s", k->name, v);
    } else {
        snprintf(buf, n, "%s", k->name);
    }
}

/* no parameters: params is NULL */
#define ACT_KIND(value, name, syntax)                                                          \
    [value] = {name, syntax, 1, act_parse, act_create, act_item, NULL},
const pml_kind pml_activation_kinds[PML_ACT_COUNT] = {ACTIVATIONS(ACT_KIND)};
