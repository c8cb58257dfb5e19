/* The layer interface inside the library.
 *
 * A layer kind is a vtable plus its own struct that embeds struct pml_layer as its first
 * member (struct dense_layer in dense.c, ...); the base holds only what every kind has: the
 * per-example input and output shapes (up to C x H x W), the parameters, their gradients and
 * names, the output buffer, and the position in the layer numbering. The model runs the
 * layers in order and owns them.
 *
 * One table of kinds (pml_layer_kinds, layer.c) maps each spec keyword ("dense", "relu", ...)
 * to its parser, its constructor and the item that rebuilds it: the spec grammar, the add
 * calls and serialisation (a file stores the spec; loading parses it back) all go through it,
 * and the fusion rule asks the previous layer's vtable (fuse) whether it absorbs an
 * activation. A new kind (conv, pool, dropout, batch norm, reparameterisation) is one entry
 * in the table plus its own file. */
#ifndef PML_NN_LAYER_H
#define PML_NN_LAYER_H

#include "ops/conv_ops.h"
#include "ops/nn_ops.h"
#include "ops/optim_ops.h"

#define PML_LAYER_MAX_PARAMS 4
#define PML_LAYER_MAX_BUFFERS 2

/* A per-example shape: 1 to 3 dimensions ({features} or {C, H, W}). */
typedef struct pml_shape {
    int ndim;
    int64_t d[3];
} pml_shape;

int64_t pml_shape_numel(const pml_shape *s);
pml_shape pml_shape_flat(int64_t n);

/* Scratch the model lends its layers during one forward or backward call (im2col's columns,
 * say): at least the largest ws_bytes any of its layers asked for, on the model's device, as
 * a 1-D tensor of the model's dtype (t; NULL while no layer asked) that layers take views of
 * (pml_tensor_view_of). Nothing in it survives from one call to the next. */
typedef struct pml_workspace {
    pml_tensor *t;
    size_t bytes;
} pml_workspace;

struct pml_layer_vt {
    /* out[0..batch) = f(x[0..batch)) */
    pml_status (*forward)(pml_layer *l, const pml_tensor *x, int64_t batch,
                          const pml_workspace *ws);
    /* From dy = dL/d(out) (batch rows): fill the parameter gradients (overwrite) and, when
     * dx is not NULL, dx = dL/dx. x is the forward input. */
    pml_status (*backward)(pml_layer *l, const pml_tensor *x, const pml_tensor *dy,
                           pml_tensor *dx, int64_t batch, const pml_workspace *ws);
    /* one line describing the layer (without index), e.g. "dense 784 -> 100, relu" */
    void (*describe)(const pml_layer *l, char *buf, size_t n);
    /* the activation applied to the output (NULL: none) */
    pml_activation (*activation)(const pml_layer *l);
    /* Absorb the activation that follows into this layer's kernel; returns 1 when it did
     * (the layer then spans one more position in the numbering). NULL: never. */
    int (*fuse)(pml_layer *l, pml_activation act, float alpha);
    void (*destroy)(pml_layer *l); /* frees what the kind added; pml_layer_free the rest */
};

struct pml_layer {
    const struct pml_layer_vt *vt;
    const struct pml_kind *kind;
    pml_device *dev;
    pml_dtype dtype;
    pml_shape in_shape, out_shape; /* per-example shapes */
    int64_t in_f, out_f;    /* their element counts */
    int64_t max_batch;
    int index;              /* first position in the numbering (nn.Sequential indices) */
    int span;               /* positions it occupies: 2 after fusing its activation */
    size_t ws_bytes;        /* workspace it needs per call (0: none) */
    int nparams;
    pml_tensor *param[PML_LAYER_MAX_PARAMS], *grad[PML_LAYER_MAX_PARAMS];
    const char *pname[PML_LAYER_MAX_PARAMS];
    pml_tensor *out; /* max_batch x out_f */
    /* State saved with the parameters that no optimiser touches (batch norm's running
     * statistics): files and checkpoints hold them as "<index>.<bname>". */
    int nbuffers;
    pml_tensor *buffer[PML_LAYER_MAX_BUFFERS];
    const char *bname[PML_LAYER_MAX_BUFFERS];
    /* Set by the model before each forward: 1 in a training step (dropout drops, batch norm
     * uses and updates batch statistics), and the Philox key and counter of that step. */
    int training;
    uint64_t seed, step;
};

/* What a kind needs to make a layer; the parser of a spec item and the public add calls
 * fill it. Fields a kind does not use stay zero. */
typedef struct pml_layer_args {
    int64_t units;          /* dense: outputs */
    int bias;               /* dense: with a bias */
    int tie;                /* dense: 1 + the position of the earlier dense layer whose weight
                             * this one uses transposed (tied weights), 0: a weight of its own */
    pml_init init;          /* dense: weight initialiser */
    float init_sigma;
    uint64_t seed;          /* Philox key of the weights (stream = the layer's position) */
    pml_activation act;     /* activation */
    float alpha;            /* leaky ReLU slope */
    int64_t kernel;         /* conv, convt, pooling: the window's side */
    int64_t stride;         /* conv, convt, pooling: 0 means the default (1; pooling: kernel) */
    int64_t pad;            /* conv, convt: zero padding on each side; -1: "same" */
    int64_t outpad;         /* convt: extra output rows and columns (< stride) */
    double rate;            /* dropout: the probability of dropping an element */
    int64_t shape[3];       /* unflatten: C, H, W */
} pml_layer_args;

typedef struct pml_kind {
    const char *name;    /* the spec keyword */
    const char *syntax;  /* how to write it, for messages: "dense:N[:nobias]" */
    int activation;      /* an activation, which the layer before may absorb (fuse) */
    /* The argument text after the keyword's ':' (NULL when none) into args; errors name fn
     * and the item's 1-based position. */
    pml_status (*parse)(const struct pml_kind *k, const char *arg, pml_layer_args *args,
                        const char *fn, int pos);
    /* A layer for per-example inputs of shape `in`, at numbering position `position`;
     * errors name fn. */
    pml_status (*create)(pml_device *dev, pml_dtype dtype, const pml_shape *in,
                         int64_t max_batch, const pml_layer_args *args, int position,
                         const char *fn, pml_layer **out);
    /* The spec item that makes this layer again ("dense:100:nobias", "leaky_relu:0.2"). */
    void (*item)(const struct pml_kind *k, const pml_layer_args *args, char *buf,
                 size_t n);
    /* How many parameter elements create() would allocate for `in` and args, computed
     * without allocating (NULL: none). The model checks it against its budget before
     * creating (a loaded file cannot make it allocate more than the file holds) and checks
     * it against what create() made. */
    int64_t (*params)(const struct pml_kind *k, const pml_shape *in, const pml_layer_args *args);
} pml_kind;

/* Every kind, and the lookup by spec keyword (NULL when unknown). */
extern const pml_kind *const pml_layer_kinds[];
const pml_kind *pml_layer_kind_find(const char *name);
/* "dense:N[:nobias], relu, ...": the syntax of every kind, for messages. */
const char *pml_layer_kinds_syntax(void);

/* The kinds' entries (one per file). */
extern const pml_kind pml_dense_kind;
extern const pml_kind pml_rbm_kind; /* src/rbm/layer.c */
extern const pml_kind pml_conv_kind, pml_convt_kind;          /* conv.c, conv_transpose.c */
extern const pml_kind pml_maxpool_kind, pml_avgpool_kind, pml_gap_kind; /* pool.c */
extern const pml_kind pml_flatten_kind;                       /* flatten.c */
extern const pml_kind pml_dropout_kind;                       /* dropout.c */
extern const pml_kind pml_batchnorm_kind;                     /* batchnorm.c */
extern const pml_kind pml_unflatten_kind;                     /* flatten.c */
extern const pml_kind pml_gauss_kind;                         /* gauss.c */
#define PML_ACT_COUNT (PML_ACT_SOFTMAX + 1)
extern const pml_kind pml_activation_kinds[PML_ACT_COUNT]; /* indexed by pml_activation */
/* The activation names, indexed by pml_activation: the one table behind pml_activation_name
 * and pml_activation_parse (the kinds above are made from the same list). */
extern const char *const pml_activation_names[PML_ACT_COUNT];

/* What every kind's constructor does first: the base fields, the output buffer. `self` is
 * the kind's struct (zeroed), whose first member is the pml_layer. */
pml_status pml_layer_init(pml_layer *l, const struct pml_layer_vt *vt, const pml_kind *k,
                          pml_device *dev, pml_dtype dtype, const pml_shape *in,
                          const pml_shape *out, int64_t max_batch);
void pml_layer_free(pml_layer *l);

/* The parameters of a layer with weights: param/grad 0 "weight" of shape wshape (ndim
 * dimensions), initialised as args asks (He, Xavier, normal, randn, zero) for fan_in inputs
 * and fan_out outputs per unit from Philox stream `position`, and with args->bias param/grad 1
 * "bias" of nbias, zero; every gradient zero. Errors (an unknown initialiser, a normal one
 * without sigma, no memory) name fn; the caller frees the layer. */
pml_status pml_layer_weights(pml_layer *l, const pml_layer_args *a, int ndim,
                             const int64_t *wshape, int64_t nbias, int64_t fan_in,
                             int64_t fan_out, int position, const char *fn);

/* An activation fused into the layer before it (dense, conv, convt, batch norm). */
typedef struct pml_fused_act {
    pml_activation act; /* identity: none */
    float alpha;
} pml_fused_act;
/* The vtable's fuse for such a layer: takes act into *f when the layer has none yet (softmax
 * only when allow_softmax: it is row-wise) and makes the layer span one more position. */
int pml_layer_fuse_act(pml_layer *l, pml_fused_act *f, pml_activation act, float alpha,
                       int allow_softmax);

/* An input of shape C x H x W for kind k, or PML_ERR_INVALID_ARGUMENT naming fn, the layer's
 * position and the shape it got. */
pml_status pml_layer_need_image(const pml_kind *k, const pml_layer_args *a, const pml_shape *in,
                                int position, const char *fn);
/* The spec items of conv, convt and the pooling kinds (src/nn/conv_spec.c): parse, write
 * back, and the geometry for an input shape with the output shape (errors name fn, the
 * layer's position and the item). */
typedef enum { PML_SPEC_CONV, PML_SPEC_CONVT, PML_SPEC_POOL } pml_conv_spec_kind;
pml_status pml_conv_spec_parse(const pml_kind *k, const char *arg, pml_layer_args *a,
                               const char *fn, int pos, pml_conv_spec_kind kind);
void pml_conv_spec_item(const pml_kind *k, const pml_layer_args *a, char *buf, size_t n,
                        pml_conv_spec_kind kind);
/* The parameter count of conv and convt: out * (in * K * K + bias). */
int64_t pml_conv_spec_params(const pml_kind *k, const pml_shape *in, const pml_layer_args *a);
pml_status pml_conv_spec_geometry(const pml_kind *k, const pml_layer_args *a,
                                  const pml_shape *in, int position, const char *fn,
                                  pml_conv_spec_kind kind, pml_conv_geom *g, pml_shape *out);
/* The elements of the phase planes (ops/conv_ops.h) of max_batch inputs of geometry g when
 * dev's backend has the direct convolution kernels and they take at most 64 MiB; 0 when the
 * layer should run im2col + GEMM instead. */
int64_t pml_conv_direct_elems(const pml_device *dev, pml_dtype dtype, const pml_conv_geom *g,
                              int64_t max_batch);

/* Tie dense layer l (made with args.tie) to the earlier dense layer `to`: l computes with to's
 * weight transposed (to maps l's outputs' width to l's inputs' width) and adds its gradient
 * into to's; to's backward, which runs after l's, adds its own. A layer can be tied to once,
 * and only to a dense layer with its own weight. Errors name fn. */
pml_status pml_dense_tie(pml_layer *l, pml_layer *to, const char *fn);

/* parse and item of a kind whose spec item is its bare name ("flatten", "gap", "batchnorm") */
pml_status pml_kind_parse_bare(const pml_kind *k, const char *arg, pml_layer_args *a,
                               const char *fn, int pos);
void pml_kind_item_bare(const pml_kind *k, const pml_layer_args *a, char *buf, size_t n);

/* v as the shortest %g text that reads back (strtod, then to float when single) to the same
 * value, so a spec item written from a layer's argument parses to that argument again. */
void pml_real_text(double v, int single, char *buf, size_t n);

/* "1x28x28" or "784" */
void pml_shape_text(const pml_shape *s, char *buf, size_t n);

/* The activation step every kind with an activation shares: l->out[0..batch) = act(l->out +
 * bias) in place (bias: a device vector of out_f, or NULL), and its backward dz = dy (.)
 * act'(z) computed from l->out (dz may be dy). fn names the caller in errors. */
pml_status pml_layer_activate(pml_layer *l, pml_activation act, float alpha, int64_t batch,
                              const void *bias, const char *fn);
pml_status pml_layer_activate_backward(pml_layer *l, pml_activation act, float alpha,
                                       int64_t batch, const void *dy, void *dz, const char *fn);

/* The whole of t as a GEMM operand with leading dimension ld. */
static inline pml_matrix_ref pml_mref(const pml_tensor *t, int64_t ld)
{
    return (pml_matrix_ref){t, 0, ld};
}

/* dst[0 .. batch rows of l->out_f) = src's: the pass of layers that move data without
 * changing it (flatten, dropout in evaluation, the activation layer before its kernel). */
pml_status pml_layer_copy_rows(const pml_layer *l, void *dst, const void *src, int64_t batch);

#define PML_NN_OPS(dev, fn, var) PML_FAMILY(dev, nn, fn, "neural-network", var)
#define PML_CONV_OPS(dev, fn, var) PML_FAMILY(dev, conv, fn, "convolution", var)
#define PML_VAE_OPS(dev, fn, var) PML_FAMILY(dev, vae, fn, "variational-autoencoder", var)

#endif
