/* struct pml_model, shared by the nn sources (model, spec, serialisation, training). */
#ifndef PML_NN_MODEL_H
#define PML_NN_MODEL_H

#include "nn/layer.h"

#define PML_MODEL_MAX_LAYERS 64

struct pml_model {
    pml_device *dev;
    pml_dtype dtype;
    pml_shape in;     /* per-example input shape */
    int64_t in_f, max_batch;
    int nlayers;
    int next_index; /* the next position in the layer numbering */
    pml_layer *layers[PML_MODEL_MAX_LAYERS];
    pml_tensor *dx[PML_MODEL_MAX_LAYERS]; /* dL/d(input) of layer i; dx[0] on request */
    int keep_input_grad;
    int training;           /* pml_model_set_training: the mode of pml_model_forward */
    uint64_t seed, step;
    const pml_tensor *last_x; /* input of the last forward (the caller keeps it alive) */
    int64_t last_batch;
    pml_workspace ws; /* scratch for the layers: the largest ws_bytes any of them asked for */
    int64_t params;       /* parameter elements in all layers */
    int64_t param_budget; /* refuse a layer that would take params past this (0: no limit) */
    char spec[1024];
    char name_buf[48];
};

/* pml_model_forward in evaluation mode whatever the model's own mode: what evaluating,
 * validating and predicting run. */
pml_status pml_model_forward_eval(pml_model *m, const pml_tensor *x, int64_t batch,
                                  const pml_tensor **y);
/* Layers [first, last) of the model in evaluation mode, x the input of layer `first` (rows of
 * its input shape): an autoencoder's encoder or decoder alone. Leaves nothing for backward.
 * Errors name fn. */
pml_status pml_model_forward_layers(const char *fn, pml_model *m, int first, int last,
                                    const pml_tensor *x, int64_t batch, const pml_tensor **y);
/* pml_model_forward in training mode: dropout drops and batch norm uses (and updates) the
 * batch's statistics; seed and step key the Philox draws of the step (dropout masks). */
pml_status pml_model_forward_train(pml_model *m, const pml_tensor *x, int64_t batch,
                                   uint64_t seed, uint64_t step, const pml_tensor **y);

/* Every parameter tensor and its gradient, in order, into params/grads (up to cap);
 * returns how many the model has. */
int pml_model_param_tensors(pml_model *m, pml_tensor **params, pml_tensor **grads, int cap);

/* pml_optimizer_step, with the step skipped on the device while *skip != 0 (skip: a device
 * I32, or NULL): see pml_optim_args. Errors name pml_optimizer_step. */
pml_status pml_optimizer_step_guarded(pml_optimizer *o, int n, pml_tensor *const *params,
                                      pml_tensor *const *grads, const int32_t *skip);

/* pml_optimizer_step_model with the same guard. */
pml_status pml_optimizer_step_model_guarded(pml_optimizer *o, pml_model *m, const int32_t *skip);

/* The architecture as model files and checkpoints record it: the pairs "physml_spec",
 * "physml_in_features", "physml_in_shape" (shaped inputs only) and "format" = "pt" into meta
 * (room for 8 strings), their numbers' text in buf. Returns the number of strings. */
typedef struct pml_model_meta_buf {
    char in_f[32], in_shape[64];
} pml_model_meta_buf;
int pml_model_meta(const pml_model *m, pml_model_meta_buf *buf, const char **meta);

/* Tensor `name` of a file read by pml_safetensors_read, which must have the dtype and shape
 * of `like`: PML_ERR_BAD_FORMAT naming fn, the path and the tensor otherwise. */
pml_status pml_find_tensor(const char *fn, const struct pml_safetensors *st, const char *path,
                           const char *name, const pml_tensor *like, const pml_tensor **out);

/* The optimiser's insides, for checkpoints (src/nn/checkpoint.c): its configuration (lr is
 * the current rate), the number of parameters its state was made for (0 before the first
 * step), and the state of parameter i: which 0 = velocity (momentum) or first moment (Adam),
 * 1 = Adam's second moment; NULL where the kind keeps none. */
const pml_optim_config *pml_optimizer_config(const pml_optimizer *o);
int pml_optimizer_state_count(const pml_optimizer *o);
pml_tensor *pml_optimizer_state(const pml_optimizer *o, int i, int which);
/* Drop the state, make zero state for n parameters as a first step would (none for n = 0),
 * and set the step count and the rate: what a checkpoint's state is then copied into. */
pml_status pml_optimizer_reset(pml_optimizer *o, int n, pml_tensor *const *params, int64_t t,
                               double lr);

/* A hand-built schedule's fields in the domain pml_schedule_parse accepts (errors name fn). */
pml_status pml_schedule_check(const char *fn, const pml_schedule *s);

/* Append a layer of kind k made from args (the add calls and the spec parser come here):
 * an activation after a layer that absorbs it is fused into that layer; otherwise the kind
 * makes a layer for the model's current output shape, which the model numbers, gives
 * dL/d(input) and workspace, and records in its spec. Errors name fn. */
pml_status pml_model_add(pml_model *m, const pml_kind *k, const pml_layer_args *args,
                         const char *fn);

#endif
