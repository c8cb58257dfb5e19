/* The layer interface inside the library. A layer kind fills a vtable; the model runs the
 * layers in order and owns their buffers. Future kinds (convolution, pooling) embed
 * struct pml_layer as their first member and add fields after it. */
#ifndef PML_NN_LAYER_H
#define PML_NN_LAYER_H

#include "nn/nn_ops.h"

#define PML_LAYER_MAX_PARAMS 4

struct pml_layer_vt {
    const char *kind;
    /* out[0..batch) = f(x[0..batch)) */
    pml_status (*forward)(pml_layer *l, const pml_tensor *x, int64_t batch);
    /* From dy = dL/d(out) (batch rows): fill the parameter gradients (overwrite) and, when
     * dx is not NULL, dx = dL/dx. x is the forward input. */
    pml_status (*backward)(pml_layer *l, const pml_tensor *x, const pml_tensor *dy,
                           pml_tensor *dx, int64_t batch);
    /* one line describing the layer (without index), e.g. "dense 784 -> 100, relu" */
    void (*describe)(const pml_layer *l, char *buf, size_t n);
    void (*destroy)(pml_layer *l); /* frees what the kind added; the model frees the rest */
};

struct pml_layer {
    const struct pml_layer_vt *vt;
    pml_device *dev;
    pml_dtype dtype;
    int64_t in_f, out_f, max_batch; /* features per example (products of the shapes) */
    int out_ndim;                    /* per-example output shape, e.g. {100} or {C, H, W} */
    int64_t out_dims[3];
    int index; /* first position in the layer numbering (PyTorch nn.Sequential indices) */
    int span;  /* positions it occupies: 2 for a dense layer with a fused activation */
    pml_activation act;
    float alpha;
    int nparams;
    pml_tensor *param[PML_LAYER_MAX_PARAMS], *grad[PML_LAYER_MAX_PARAMS];
    const char *pname[PML_LAYER_MAX_PARAMS];
    pml_tensor *out;   /* max_batch x out_f */
    pml_tensor *delta; /* max_batch x out_f scratch (dense: dL/dz) or NULL */
};

#define PML_NN_OPS(dev, fn, var)                                                        \
    const struct pml_nn_ops *var = (dev)->ops->nn;                                      \
    PML_CHECK(var != NULL, PML_ERR_UNSUPPORTED, "%s: neural-network kernels are not " \
              "implemented on the %s backend", fn, (dev)->ops->name)

/* The activation names, indexed by pml_activation: the one table behind
 * pml_activation_name, pml_activation_parse and the spec parser's list of layers. */
#define PML_ACT_COUNT (PML_ACT_SOFTMAX + 1)
extern const char *const pml_activation_names[PML_ACT_COUNT];

/* Kinds */
pml_status pml_dense_layer_create(pml_device *dev, pml_dtype dtype, int64_t in_f, int64_t out_f,
                                  int64_t max_batch, const pml_dense_opts *opts, uint64_t seed,
                                  uint64_t stream, pml_layer **out);
pml_status pml_activation_layer_create(pml_device *dev, pml_dtype dtype, int64_t features,
                                       int64_t max_batch, pml_activation act, float alpha,
                                       pml_layer **out);
void pml_layer_free(pml_layer *l);

/* Model internals shared by the nn sources */
int pml_model_param_tensors(pml_model *m, pml_tensor **params, pml_tensor **grads, int cap);

#endif
