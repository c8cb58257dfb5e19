/* api_args cases for nn.h, layers and models: f->model is "dense:3" on 6 inputs, max
 * batch 4. */
#include "api_args.h"

#define DENSE_OPTS(init, sigma) (&(const pml_dense_opts){1, (init), (sigma)})
#define SPEC(spec) pml_model_from_spec(f->dev, spec, 6, 4, PML_INIT_HE, 0.0f, 1, &f->out_model)
#define FORWARD(m, x, batch) pml_model_forward(m, x, batch, &f->cy)
#define NN_MODEL_CASES(X)                                                                  \
    X(pml_model_create, S_INVALID, pml_model_create(NULL, PML_F32, 6, 4, &f->out_model))   \
    X(pml_model_create, S_INVALID, pml_model_create(f->dev, PML_F32, 6, 4, NULL))          \
    X(pml_model_create, S_INVALID, pml_model_create(f->dev, PML_I32, 6, 4, &f->out_model)) \
    X(pml_model_create, S_INVALID, pml_model_create(f->dev, (pml_dtype)99, 6, 4, &f->out_model)) \
    X(pml_model_create, S_INVALID, pml_model_create(f->dev, PML_F32, 0, 4, &f->out_model)) \
    X(pml_model_create, S_INVALID, pml_model_create(f->dev, PML_F32, 6, 0, &f->out_model)) \
    X(pml_model_create, S_INVALID, pml_model_create(f->dev, PML_F32, -6, 4, &f->out_model)) \
    X(pml_model_create_shaped, S_INVALID,                                                  \
      pml_model_create_shaped(f->dev, PML_F32, 3, I64S(1, 2, 3), 4, NULL))                 \
    X(pml_model_create_shaped, S_INVALID,                                                  \
      pml_model_create_shaped(NULL, PML_F32, 3, I64S(1, 2, 3), 4, &f->out_model))          \
    X(pml_model_create_shaped, S_INVALID,                                                  \
      pml_model_create_shaped(f->dev, PML_F32, 3, NULL, 4, &f->out_model))                 \
    X(pml_model_create_shaped, S_INVALID,                                                  \
      pml_model_create_shaped(f->dev, PML_F32, 0, I64S(1), 4, &f->out_model))              \
    X(pml_model_create_shaped, S_INVALID,                                                  \
      pml_model_create_shaped(f->dev, PML_F32, 4, I64S(1, 2, 3, 4), 4, &f->out_model))     \
    X(pml_model_create_shaped, S_INVALID,                                                  \
      pml_model_create_shaped(f->dev, PML_F32, 3, I64S(1, 0, 3), 4, &f->out_model))        \
    X(pml_model_create_shaped, S_INVALID,                                                  \
      pml_model_create_shaped(f->dev, PML_F32, 2, I64S(-2, 3), 4, &f->out_model))          \
    X(pml_model_create_shaped, S_INVALID,                                                  \
      pml_model_create_shaped(f->dev, PML_I32, 3, I64S(1, 2, 3), 4, &f->out_model))        \
    X(pml_model_create_shaped, S_INVALID,                                                  \
      pml_model_create_shaped(f->dev, PML_F32, 3, I64S(1, 2, 3), 0, &f->out_model))        \
    X(pml_model_create_shaped, S_OK,                                                       \
      pml_model_create_shaped(f->dev, PML_F32, 3, I64S(1, 2, 3), 4, &f->out_model))        \
    X(pml_model_add_spec, S_INVALID, pml_model_add_spec(NULL, "dense:3", PML_INIT_HE, 0.0f, 1)) \
    X(pml_model_add_spec, S_INVALID, pml_model_add_spec(f->empty, NULL, PML_INIT_HE, 0.0f, 1)) \
    X(pml_model_add_spec, S_INVALID, pml_model_add_spec(f->empty, "", PML_INIT_HE, 0.0f, 1)) \
    X(pml_model_add_spec, S_INVALID,                                                       \
      pml_model_add_spec(f->empty, "dense:0", PML_INIT_HE, 0.0f, 1))                       \
    X(pml_model_add_spec, S_INVALID,                                                       \
      pml_model_add_spec(f->empty, "conv:3", PML_INIT_HE, 0.0f, 1))                        \
    X(pml_model_add_spec, S_INVALID,                                                       \
      pml_model_add_spec(f->empty, "dense:3", PML_INIT_NORMAL, 0.0f, 1))                   \
    X(pml_model_add_spec, S_INVALID, pml_model_add_spec(f->full, "relu", PML_INIT_HE, 0.0f, 1)) \
    X(pml_model_add_spec, S_OK,                                                            \
      (pml_model_create(f->dev, PML_F32, 6, 4, &f->out_model),                             \
       pml_model_add_spec(f->out_model, "dense:3,relu", PML_INIT_HE, 0.0f, 1)))             \
    X(pml_model_add_dense, S_INVALID, pml_model_add_dense(NULL, 3, NULL, 1))               \
    X(pml_model_add_dense, S_INVALID, pml_model_add_dense(f->empty, 0, NULL, 1))           \
    X(pml_model_add_dense, S_INVALID, pml_model_add_dense(f->empty, (1 << 24) + 1, NULL, 1)) \
    X(pml_model_add_dense, S_INVALID,                                                      \
      pml_model_add_dense(f->empty, 3, DENSE_OPTS((pml_init)99, 0.1f), 1))                 \
    X(pml_model_add_dense, S_INVALID,                                                      \
      pml_model_add_dense(f->empty, 3, DENSE_OPTS(PML_INIT_NORMAL, 0.0f), 1))              \
    X(pml_model_add_dense, S_INVALID,                                                      \
      pml_model_add_dense(f->empty, 3, DENSE_OPTS(PML_INIT_NORMAL, NAN), 1))               \
    X(pml_model_add_dense, S_INVALID, pml_model_add_dense(f->full, 3, NULL, 1)) /* 65th */ \
    X(pml_model_add_activation, S_INVALID, pml_model_add_activation(NULL, PML_ACT_RELU, 0.0f)) \
    X(pml_model_add_activation, S_INVALID,                                                 \
      pml_model_add_activation(f->empty, (pml_activation)99, 0.0f))                        \
    X(pml_model_add_activation, S_INVALID,                                                 \
      pml_model_add_activation(f->empty, (pml_activation)-1, 0.0f))                        \
    X(pml_model_add_activation, S_INVALID, pml_model_add_activation(f->full, PML_ACT_RELU, 0.0f)) \
    X(pml_model_from_spec, S_INVALID,                                                      \
      pml_model_from_spec(f->dev, "dense:3", 6, 4, PML_INIT_HE, 0.0f, 1, NULL))            \
    X(pml_model_from_spec, S_INVALID,                                                      \
      pml_model_from_spec(NULL, "dense:3", 6, 4, PML_INIT_HE, 0.0f, 1, &f->out_model))     \
    X(pml_model_from_spec, S_INVALID, SPEC(NULL))                                          \
    X(pml_model_from_spec, S_INVALID, SPEC(""))                                            \
    X(pml_model_from_spec, S_INVALID, SPEC(f->long_spec))                                  \
    X(pml_model_from_spec, S_INVALID, SPEC("dense:0"))                                     \
    X(pml_model_from_spec, S_INVALID, SPEC("dense:x"))                                     \
    X(pml_model_from_spec, S_INVALID, SPEC("dense:4:bias"))                                \
    X(pml_model_from_spec, S_INVALID, SPEC("conv:3"))                                      \
    X(pml_model_from_spec, S_INVALID, SPEC("conv:3:3")) /* a flat input */                 \
    X(pml_model_from_spec, S_INVALID, SPEC("dropout:1"))                                   \
    X(pml_model_from_spec, S_INVALID, SPEC("maxpool:2"))                                   \
    X(pml_model_from_spec, S_INVALID, SPEC("relu:0.5"))                                    \
    X(pml_model_from_spec, S_INVALID, SPEC("leaky_relu:2"))                                \
    X(pml_model_from_spec, S_INVALID, SPEC("dense:4,,relu"))                               \
    X(pml_model_from_spec, S_INVALID, SPEC(f->spec65))                                     \
    X(pml_model_from_spec, S_INVALID,                                                      \
      pml_model_from_spec(f->dev, "dense:3", 0, 4, PML_INIT_HE, 0.0f, 1, &f->out_model))   \
    X(pml_model_from_spec, S_INVALID,                                                      \
      pml_model_from_spec(f->dev, "dense:3", 6, 0, PML_INIT_HE, 0.0f, 1, &f->out_model))   \
    X(pml_model_from_spec, S_INVALID,                                                      \
      pml_model_from_spec(f->dev, "dense:3", 6, 4, (pml_init)99, 0.0f, 1, &f->out_model))  \
    X(pml_model_from_spec, S_INVALID,                                                      \
      pml_model_from_spec(f->dev, "dense:3", 6, 4, PML_INIT_NORMAL, 0.0f, 1, &f->out_model)) \
    X(pml_model_param_tensor, S_INVALID,                                                   \
      pml_model_param_tensor(NULL, 0, &f->name, &f->pt, &f->pg))                           \
    X(pml_model_param_tensor, S_INVALID,                                                   \
      pml_model_param_tensor(f->model, -1, &f->name, &f->pt, &f->pg))                      \
    X(pml_model_param_tensor, S_INVALID,                                                   \
      pml_model_param_tensor(f->model, 2, &f->name, &f->pt, &f->pg))                       \
    X(pml_model_param_tensor, S_INVALID,                                                   \
      pml_model_param_tensor(f->empty, 0, &f->name, &f->pt, &f->pg))                       \
    X(pml_model_param_tensor, S_OK, pml_model_param_tensor(f->model, 1, NULL, NULL, NULL)) \
    X(pml_model_state_tensor, S_INVALID, pml_model_state_tensor(NULL, 0, &f->name, &f->pt)) \
    X(pml_model_state_tensor, S_INVALID, pml_model_state_tensor(f->model, -1, &f->name, &f->pt)) \
    X(pml_model_state_tensor, S_INVALID, pml_model_state_tensor(f->model, 2, &f->name, &f->pt)) \
    X(pml_model_state_tensor, S_OK, pml_model_state_tensor(f->model, 1, NULL, NULL))       \
    X(pml_model_set_training, S_INVALID, pml_model_set_training(NULL, 1, 0, 0))            \
    X(pml_model_set_training, S_OK, pml_model_set_training(f->model, 1, 7, 3))             \
    X(pml_model_forward, S_INVALID, pml_model_forward(NULL, f->x, 2, &f->cy))              \
    X(pml_model_forward, S_INVALID, FORWARD(f->model, NULL, 2))                            \
    X(pml_model_forward, S_INVALID, pml_model_forward(f->model, f->x, 2, NULL))            \
    X(pml_model_forward, S_INVALID, FORWARD(f->model, f->x, 0))                            \
    X(pml_model_forward, S_INVALID, FORWARD(f->model, f->x, 5))                            \
    X(pml_model_forward, S_INVALID, FORWARD(f->model, f->d64, 2))                          \
    X(pml_model_forward, S_INVALID, FORWARD(f->model, f->c, 2)) /* 2 columns, not 6 */     \
    X(pml_model_forward, S_INVALID, FORWARD(f->model, f->x26, 3)) /* 2 rows */             \
    X(pml_model_forward, S_INVALID, FORWARD(f->empty, f->x, 2))                            \
    X(pml_model_forward, S_MISMATCH, FORWARD(f->model, f->far, 2))                         \
    X(pml_model_backward, S_INVALID, pml_model_backward(NULL, f->dy, 2))                   \
    X(pml_model_backward, S_INVALID, pml_model_backward(f->model, NULL, 2))                \
    X(pml_model_backward, S_INVALID, pml_model_backward(f->model, f->dy, 1)) /* not 2 */   \
    X(pml_model_backward, S_INVALID, pml_model_backward(f->model, f->c, 2))                \
    X(pml_model_backward, S_INVALID, pml_model_backward(f->model, f->d64, 2))              \
    X(pml_model_backward, S_INVALID, pml_model_backward(f->empty, f->dy, 2)) /* no forward */ \
    X(pml_model_backward, S_MISMATCH, pml_model_backward(f->model, f->far, 2))             \
    X(pml_model_keep_input_grad, S_INVALID, pml_model_keep_input_grad(NULL, 1))            \
    X(pml_model_copy_params, S_INVALID, pml_model_copy_params(NULL, f->model))             \
    X(pml_model_copy_params, S_INVALID, pml_model_copy_params(f->model, NULL))             \
    X(pml_model_copy_params, S_INVALID, pml_model_copy_params(f->model, f->narrow))        \
    X(pml_model_save, S_INVALID, pml_model_save(NULL, f->path, NULL))                      \
    X(pml_model_save, S_INVALID, pml_model_save(f->model, NULL, NULL))                     \
    X(pml_model_save, S_INVALID, pml_model_save(f->empty, f->path, NULL))                  \
    X(pml_model_save, S_IO, pml_model_save(f->model, f->unwritable, NULL))                 \
    X(pml_model_load, S_INVALID, pml_model_load(f->dev, f->model_path, 4, NULL))           \
    X(pml_model_load, S_INVALID, pml_model_load(NULL, f->model_path, 4, &f->out_model))    \
    X(pml_model_load, S_INVALID, pml_model_load(f->dev, NULL, 4, &f->out_model))           \
    X(pml_model_load, S_INVALID, pml_model_load(f->dev, f->model_path, 0, &f->out_model))  \
    X(pml_model_load, S_IO, pml_model_load(f->dev, f->missing, 4, &f->out_model))          \
    X(pml_model_load, S_OK, pml_model_load(f->dev, f->model_path, 4, &f->out_model))       \
    X(pml_model_from_safetensors, S_INVALID,                                               \
      pml_model_from_safetensors(f->dev, &f->st_model, "m", 4, NULL))                      \
    X(pml_model_from_safetensors, S_INVALID,                                               \
      pml_model_from_safetensors(NULL, &f->st_model, "m", 4, &f->out_model))               \
    X(pml_model_from_safetensors, S_INVALID,                                               \
      pml_model_from_safetensors(f->dev, NULL, "m", 4, &f->out_model))                     \
    X(pml_model_from_safetensors, S_INVALID,                                               \
      pml_model_from_safetensors(f->dev, &f->st_model, "m", 0, &f->out_model))             \
    X(pml_model_from_safetensors, S_MISMATCH,                                              \
      pml_model_from_safetensors(f->dev, &f->st_model_far, "m", 4, &f->out_model))         \
    X(pml_model_from_safetensors, PML_ERR_BAD_FORMAT, /* no metadata */                    \
      pml_model_from_safetensors(f->dev, &f->st_zero, NULL, 4, &f->out_model))             \
    X(pml_model_from_safetensors, S_OK,                                                    \
      pml_model_from_safetensors(f->dev, &f->st_model, NULL, 4, &f->out_model))            \
    PARSE_CASES(X, pml_activation_parse, "leaky_relu", "ReLU", &f->act)
#define NN_MODEL_CHECKS(Y)                                                                 \
    Y(pml_activation_name, strcmp(pml_activation_name((pml_activation)99), "?") == 0)      \
    Y(pml_layer_kind, pml_layer_kind(NULL) != NULL)                                        \
    Y(pml_layer_in_features, pml_layer_in_features(NULL) == 0)                             \
    Y(pml_layer_out_features, pml_layer_out_features(NULL) == 0)                           \
    Y(pml_layer_output, pml_layer_output(NULL) == NULL)                                    \
    Y(pml_layer_out_shape, pml_layer_out_shape(NULL, f->dims) == 0)                        \
    Y(pml_layer_in_shape, pml_layer_in_shape(NULL, f->dims) == 0)                          \
    Y(pml_layer_in_shape, pml_layer_in_shape(f->layer, NULL) == 0)                         \
    Y(pml_layer_in_shape, pml_layer_in_shape(f->layer, f->dims) == 1 && f->dims[0] == 6)    \
    Y(pml_layer_out_shape, pml_layer_out_shape(f->layer, NULL) == 0)                       \
    Y(pml_layer_num_params, pml_layer_num_params(NULL) == 0)                               \
    Y(pml_layer_param, pml_layer_param(NULL, 0) == NULL)                                   \
    Y(pml_layer_param, pml_layer_param(f->layer, -1) == NULL)                              \
    Y(pml_layer_param, pml_layer_param(f->layer, 2) == NULL)                               \
    Y(pml_layer_grad, pml_layer_grad(NULL, 0) == NULL)                                     \
    Y(pml_layer_grad, pml_layer_grad(f->layer, -1) == NULL)                                \
    Y(pml_layer_grad, pml_layer_grad(f->layer, 2) == NULL)                                 \
    Y(pml_layer_param_name, pml_layer_param_name(NULL, 0) == NULL)                         \
    Y(pml_layer_param_name, pml_layer_param_name(f->layer, -1) == NULL)                    \
    Y(pml_layer_param_name, pml_layer_param_name(f->layer, 2) == NULL)                     \
    Y(pml_layer_activation, pml_layer_activation(NULL) == PML_ACT_IDENTITY)                \
    Y(pml_model_destroy, (pml_model_destroy(NULL), 1))                                     \
    Y(pml_model_spec, strcmp(pml_model_spec(NULL), "") == 0)                               \
    Y(pml_model_device, pml_model_device(NULL) == NULL)                                    \
    Y(pml_model_dtype, (pml_model_dtype(NULL), 1))                                         \
    Y(pml_model_in_features, pml_model_in_features(NULL) == 0)                             \
    Y(pml_model_in_shape, pml_model_in_shape(NULL, f->dims) == 0)                          \
    Y(pml_model_in_shape, pml_model_in_shape(f->model, NULL) == 0)                         \
    Y(pml_model_in_shape, pml_model_in_shape(f->model, f->dims) == 1 && f->dims[0] == 6)    \
    Y(pml_model_workspace_bytes, pml_model_workspace_bytes(NULL) == 0)                     \
    Y(pml_model_workspace_bytes, pml_model_workspace_bytes(f->model) == 0)                 \
    Y(pml_model_out_features, pml_model_out_features(NULL) == 0)                           \
    Y(pml_model_max_batch, pml_model_max_batch(NULL) == 0)                                 \
    Y(pml_model_num_layers, pml_model_num_layers(NULL) == 0)                               \
    Y(pml_model_layer, pml_model_layer(NULL, 0) == NULL)                                   \
    Y(pml_model_layer, pml_model_layer(f->model, -1) == NULL)                              \
    Y(pml_model_layer, pml_model_layer(f->model, 1) == NULL)                               \
    Y(pml_model_param_count, pml_model_param_count(NULL) == 0)                             \
    Y(pml_model_num_param_tensors, pml_model_num_param_tensors(NULL) == 0)                 \
    Y(pml_model_num_state_tensors, pml_model_num_state_tensors(NULL) == 0)                 \
    Y(pml_model_summary, pml_model_summary(NULL, f->text, sizeof f->text) == 0)            \
    Y(pml_model_summary, pml_model_summary(f->model, NULL, 0) > 0) /* the length needed */ \
    Y(pml_model_summary, pml_model_summary(f->model, f->text, 1) > 0 && f->text[0] == '\0') \
    Y(pml_model_input_grad, pml_model_input_grad(NULL) == NULL)
DEFINE_GROUP(nn_model_h, "nn.h (layers, models)", NN_MODEL_CASES, NN_MODEL_CHECKS)
