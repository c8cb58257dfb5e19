/* struct pml_model, shared by the nn sources (model, spec, serialisation, training). */
#ifndef PML_NN_MODEL_H
#define PML_NN_MODEL_H

#include "nn/layer.h"

#define PML_MODEL_MAX_LAYERS 64

struct pml_model {
    pml_device *dev;
    pml_dtype dtype;
    int64_t in_f, max_batch;
    int nlayers;
    int next_index; /* the next position in the layer numbering */
    pml_layer *layers[PML_MODEL_MAX_LAYERS];
    pml_tensor *dx[PML_MODEL_MAX_LAYERS]; /* dL/d(input) of layer i; dx[0] on request */
    int keep_input_grad;
    const pml_tensor *last_x; /* input of the last forward (the caller keeps it alive) */
    int64_t last_batch;
    char spec[1024];
    char name_buf[48];
};

/* pml_optimizer_step, with the step skipped on the device while *skip != 0 (skip: a device
 * I32, or NULL): see pml_optim_args. Errors name pml_optimizer_step. */
pml_status pml_optimizer_step_guarded(pml_optimizer *o, int n, pml_tensor *const *params,
                                      pml_tensor *const *grads, const int32_t *skip);

/* pml_optimizer_step_model with the same guard. */
pml_status pml_optimizer_step_model_guarded(pml_optimizer *o, pml_model *m, const int32_t *skip);

/* A hand-built schedule's fields in the domain pml_schedule_parse accepts (errors name fn). */
pml_status pml_schedule_check(const char *fn, const pml_schedule *s);

/* Append a layer built by a layer kind (its in_f must equal pml_model_out_features(m));
 * takes ownership: the layer is freed on failure. Numbers it and allocates dL/d(input). */
pml_status pml_model_push_layer(pml_model *m, pml_layer *l);

#endif
