/* Feed-forward networks trained by backpropagation: layers, losses, optimisers, models and
 * a training loop.
 *
 * Conventions, stated once:
 * - Activations are row-major batch x features tensors (one example per row). A model
 *   allocates its buffers for a maximum batch size; every call takes the actual batch
 *   (<= that maximum) and uses the first rows only.
 * - A dense layer holds W (out x in, the layout of PyTorch's nn.Linear) and b (out):
 *   Z = X W^T + b, Y = act(Z).
 * - Backprop follows the notes: delta^L = dC/da (.) sigma'(z^L),
 *   delta^l = (W^{l+1})^T delta^{l+1} (.) sigma'(z^l), dC/db = delta, dC/dW = delta a^{l-1 T},
 *   summed over the rows of the batch and scaled by 1/batch (PML_REDUCE_MEAN) or not
 *   (PML_REDUCE_SUM, as the primer's appendix does).
 * - Descent: W <- W - eta dC/dW (see the primer's ERRATA for Eq. 48's sign).
 * - Models are F32 for training on datasets; F64 models exist for double-precision
 *   reference checks (finite differences) on the CPU.
 * The library never prints: progress reaches the caller through a callback. */
#ifndef PHYSML_NN_H
#define PHYSML_NN_H

#include <stdint.h>

#include "physml/data.h"
#include "physml/io.h"
#include "physml/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- activations and initialisers --------------------------------------------------- */
typedef enum pml_activation {
    PML_ACT_IDENTITY = 0,
    PML_ACT_RELU = 1,
    PML_ACT_LEAKY_RELU = 2, /* max(z, alpha z), alpha 0.01 unless set */
    PML_ACT_SIGMOID = 3,
    PML_ACT_TANH = 4,
    PML_ACT_SOFTMAX = 5     /* over the features of each row */
} pml_activation;

/* "identity", "relu", "leaky_relu", "sigmoid", "tanh", "softmax" */
PML_API const char *pml_activation_name(pml_activation act);
/* The inverse of pml_activation_name (exact match); an unknown name is
 * PML_ERR_INVALID_ARGUMENT, listing the names, and leaves *out untouched. */
PML_API pml_status pml_activation_parse(const char *name, pml_activation *out);

typedef enum pml_init {
    PML_INIT_HE = 0,     /* N(0, 2/in): for ReLU layers */
    PML_INIT_XAVIER = 1, /* N(0, 2/(in+out)): for sigmoid/tanh layers */
    PML_INIT_NORMAL = 2, /* N(0, sigma^2) */
    PML_INIT_RANDN = 3,  /* N(0, 1), unscaled: the primer's torch.randn */
    PML_INIT_ZERO = 4
} pml_init;

/* ---- layers ---------------------------------------------------------------------------
 * A layer is one step of a model: forward, backward, its parameters and their gradients,
 * and its output size. Dense and activation layers are the first kinds; convolution and
 * pooling plug into the same interface. Layers belong to a model; get them with
 * pml_model_layer. */
typedef struct pml_layer pml_layer;

PML_API const char *pml_layer_kind(const pml_layer *l);  /* "dense", "activation" */
PML_API int64_t pml_layer_in_features(const pml_layer *l);
PML_API int64_t pml_layer_out_features(const pml_layer *l);
/* The per-example input and output shapes (1 dimension for dense layers' outputs; C, H, W
 * for image layers): fill dims[0..ndim), zero the rest, and return ndim (0 for NULL). */
PML_API int pml_layer_in_shape(const pml_layer *l, int64_t dims[3]);
PML_API int pml_layer_out_shape(const pml_layer *l, int64_t dims[3]);
/* Parameters: count, and the i-th parameter tensor, its gradient and short name ("weight",
 * "bias"). */
PML_API int pml_layer_num_params(const pml_layer *l);
PML_API pml_tensor *pml_layer_param(pml_layer *l, int i);
PML_API pml_tensor *pml_layer_grad(pml_layer *l, int i);
PML_API const char *pml_layer_param_name(const pml_layer *l, int i);
/* A dense layer's activation (PML_ACT_IDENTITY for other kinds unless it is an activation
 * layer). */
PML_API pml_activation pml_layer_activation(const pml_layer *l);
/* The layer's output buffer (max_batch x out_features; the first `batch` rows of the last
 * forward are valid until the next one): what a layer made of an input, e.g. a convolution's
 * feature maps. NULL for NULL. */
PML_API const pml_tensor *pml_layer_output(const pml_layer *l);

/* ---- models ----------------------------------------------------------------------------- */
typedef struct pml_model pml_model;

/* An empty model taking `in_features` inputs per example, with buffers for up to
 * `max_batch` examples per call. dtype F32 or F64. */
PML_API pml_status pml_model_create(pml_device *dev, pml_dtype dtype, int64_t in_features,
                                    int64_t max_batch, pml_model **out);
/* The same for examples of shape dims[0..ndim) (ndim 1..3: features, or C x H x W, row-major
 * as in PyTorch's NCHW), each dimension >= 1. A layer that needs the shape (a convolution)
 * reads it; a dense layer takes the example flat. Inputs may then be given batch x features
 * or shaped batch x C x H x W. */
PML_API pml_status pml_model_create_shaped(pml_device *dev, pml_dtype dtype, int ndim,
                                           const int64_t *dims, int64_t max_batch,
                                           pml_model **out);
PML_API void pml_model_destroy(pml_model *m); /* accepts NULL */

typedef struct pml_dense_opts {
    int bias;           /* 1: with a bias vector (initialised to zero) */
    pml_init init;
    float init_sigma;   /* PML_INIT_NORMAL's sigma */
} pml_dense_opts;
/* Defaults: bias, He init. */
PML_API pml_dense_opts pml_dense_defaults(void);

/* Append a dense layer of `out` units. Weights are drawn from the Philox stream keyed by
 * (seed, stream = layer position), so a model is the same on every backend. */
PML_API pml_status pml_model_add_dense(pml_model *m, int64_t out, const pml_dense_opts *opts,
                                       uint64_t seed);
/* Append an activation. Directly after a dense layer it is fused into that layer's kernel
 * (it still counts as its own position in the layer numbering, as in PyTorch's
 * nn.Sequential). alpha: leaky ReLU slope, < 1 (ignored otherwise; <= 0 means 0.01). */
PML_API pml_status pml_model_add_activation(pml_model *m, pml_activation act, float alpha);

/* Build a model from a spec string: comma-separated items
 *   dense:N          a dense layer of N units (bias, default init)
 *   dense:N:nobias   without bias
 *   relu | leaky_relu[:alpha] | sigmoid | tanh | softmax | identity
 * e.g. "dense:100,relu,dense:10". `init` sets the dense layers' initialiser (sigma for
 * PML_INIT_NORMAL). A malformed spec is PML_ERR_INVALID_ARGUMENT naming the item. */
PML_API pml_status pml_model_from_spec(pml_device *dev, const char *spec, int64_t in_features,
                                       int64_t max_batch, pml_init init, float init_sigma,
                                       uint64_t seed, pml_model **out);
/* Append the layers of a spec (the grammar above) to a model made by pml_model_create or
 * pml_model_create_shaped. The items before a malformed one stay added. */
PML_API pml_status pml_model_add_spec(pml_model *m, const char *spec, pml_init init,
                                      float init_sigma, uint64_t seed);
/* The spec the model was built with (from spec or from the add calls). */
PML_API const char *pml_model_spec(const pml_model *m);

PML_API pml_device *pml_model_device(const pml_model *m);
PML_API pml_dtype pml_model_dtype(const pml_model *m);
PML_API int64_t pml_model_in_features(const pml_model *m);
/* The per-example input shape into dims (zeros after ndim); returns ndim (0 for NULL). */
PML_API int pml_model_in_shape(const pml_model *m, int64_t dims[3]);
/* Bytes of scratch the model keeps for its layers (im2col columns and the like; 0 when no
 * layer asks for any). */
PML_API size_t pml_model_workspace_bytes(const pml_model *m);
PML_API int64_t pml_model_out_features(const pml_model *m);
PML_API int64_t pml_model_max_batch(const pml_model *m);
PML_API int pml_model_num_layers(const pml_model *m);        /* execution units */
PML_API pml_layer *pml_model_layer(pml_model *m, int i);
PML_API int64_t pml_model_param_count(const pml_model *m);   /* scalars */

/* All parameter tensors of the model in order, with PyTorch-style names "0.weight",
 * "0.bias", "2.weight", ...: count, then the i-th. */
PML_API int pml_model_num_param_tensors(const pml_model *m);
PML_API pml_status pml_model_param_tensor(pml_model *m, int i, const char **name,
                                          pml_tensor **param, pml_tensor **grad);
/* Everything a model file holds: the parameter tensors (as above) and then the state no
 * optimiser changes (batch norm's "running_mean" and "running_var"), named "<index>.<name>".
 * The name stays valid until the next call on m. */
PML_API int pml_model_num_state_tensors(const pml_model *m);
PML_API pml_status pml_model_state_tensor(pml_model *m, int i, const char **name,
                                          pml_tensor **t);

/* A human summary (one line per layer, shapes and parameter counts, total) written into
 * buf (truncated to n bytes). Returns the length it needed. */
PML_API size_t pml_model_summary(const pml_model *m, char *buf, size_t n);

/* Forward pass of `batch` rows of x (batch x in_features, the model's dtype, on its
 * device). *y points at the model's output buffer (max_batch x out_features; the first
 * `batch` rows are valid until the next forward). Keeps what backward needs. */
PML_API pml_status pml_model_forward(pml_model *m, const pml_tensor *x, int64_t batch,
                                     const pml_tensor **y);
/* Backward pass from dL/dy (batch x out_features, rows of the last forward): fills every
 * parameter gradient (overwriting), dC/dW = delta^T a summed over the rows as given. */
PML_API pml_status pml_model_backward(pml_model *m, const pml_tensor *dy, int64_t batch);
/* The mode of pml_model_forward, as PyTorch's train() and eval(): training != 0 makes dropout
 * drop (masks keyed by seed and step, so the same step drops the same elements on every
 * backend) and batch norm normalise by the batch's statistics and update its running ones.
 * A new or loaded model evaluates; pml_train* sets the mode for its own steps and leaves the
 * model's as it was; pml_evaluate*, pml_model_predict and the driver's validation always
 * evaluate, whatever the mode. */
PML_API pml_status pml_model_set_training(pml_model *m, int training, uint64_t seed,
                                          uint64_t step);
/* Gradient of the loss with respect to the input of the last forward (batch x in), valid
 * after backward when `m` was created with pml_model_keep_input_grad(m, 1). */
PML_API pml_status pml_model_keep_input_grad(pml_model *m, int keep);
PML_API const pml_tensor *pml_model_input_grad(const pml_model *m);

/* Copy all parameters of src into dst (same architecture; any devices). */
PML_API pml_status pml_model_copy_params(pml_model *dst, const pml_model *src);

/* Save as .safetensors (tensors "0.weight" [out, in], "0.bias" [out], ...; metadata
 * "physml_spec", "physml_in_features", and any extra pairs {k0, v0, ..., NULL}). Written
 * atomically (io.h): a failed or killed save leaves the previous file whole. */
PML_API pml_status pml_model_save(const pml_model *m, const char *path,
                                  const char *const *extra_meta);
/* Load a model saved by pml_model_save onto dev. */
PML_API pml_status pml_model_load(pml_device *dev, const char *path, int64_t max_batch,
                                  pml_model **out);
/* The same from a file already read (pml_safetensors_read on dev), so that its metadata and
 * its model come from one read of one file; `where` names it in messages (NULL: "the
 * tensors"). The model's parameters are copies: st stays the caller's. */
PML_API pml_status pml_model_from_safetensors(pml_device *dev, const pml_safetensors *st,
                                              const char *where, int64_t max_batch,
                                              pml_model **out);

/* ---- losses ----------------------------------------------------------------------------- */
typedef enum pml_loss_kind {
    PML_LOSS_MSE = 0,          /* per example (1/n) sum_j (y_j - t_j)^2: the primer's Eq. 39 */
    PML_LOSS_MSE_HALF = 1,     /* per example (1/2) sum_j (y_j - t_j)^2: the notes' C_x */
    PML_LOSS_SOFTMAX_XENT = 2, /* -log softmax(y)_label: y are logits; fused, stable */
    PML_LOSS_BCE = 3,          /* -sum_j [t log p + (1-t) log(1-p)], p = y in (0,1) */
    PML_LOSS_BCE_LOGITS = 4    /* the same with p = sigmoid(y), y logits: fused and stable,
                                  max(y,0) - y t + log(1 + e^-|y|) per element */
} pml_loss_kind;

typedef enum pml_reduction {
    PML_REDUCE_MEAN = 0, /* gradient of the mean over the batch (the default) */
    PML_REDUCE_SUM = 1   /* gradient of the sum over the batch (the primer's appendix) */
} pml_reduction;

/* "mse", "mse_half", "xent", "bce", "bce_logits" */
PML_API const char *pml_loss_name(pml_loss_kind kind);
/* The inverse of pml_loss_name, as pml_activation_parse. */
PML_API pml_status pml_loss_parse(const char *name, pml_loss_kind *out);

/* The loss of `batch` rows of y against targets and its gradient dy = dL/dy.
 * Targets are either `labels` (I32, one class index per row: one-hot targets for MSE and
 * BCE, the class for cross-entropy) or `targets` (y's shape and dtype; not for xent); the
 * other is NULL. *loss_mean is the mean per-example loss (whatever the reduction); the
 * reduction scales dy. dy may be NULL (loss only). *correct (may be NULL) counts rows whose
 * argmax matches the label (labels only). A label outside [0, columns) gives a NaN
 * cross-entropy (and an all-zero one-hot target for MSE and BCE); it is never read past. */
PML_API pml_status pml_loss_compute(pml_loss_kind kind, pml_reduction red, const pml_tensor *y,
                                    const pml_tensor *labels, const pml_tensor *targets,
                                    int64_t batch, double *loss_mean, pml_tensor *dy,
                                    int64_t *correct);

/* ---- optimisers ------------------------------------------------------------------------- */
typedef enum pml_optim_kind {
    PML_OPTIM_SGD = 0,      /* W -= lr (g + wd W) */
    PML_OPTIM_MOMENTUM = 1, /* v = mu v + g;  W -= lr v  (Nesterov: W -= lr (g + mu v)) */
    PML_OPTIM_ADAM = 2      /* Kingma & Ba, bias-corrected; eps outside the sqrt */
} pml_optim_kind;

typedef struct pml_optim_config {
    pml_optim_kind kind;
    double lr;
    double momentum;     /* MOMENTUM: mu */
    int nesterov;
    double beta1, beta2, eps; /* ADAM */
    double weight_decay; /* L2: g += wd W before the update (PyTorch's weight_decay) */
} pml_optim_config;

/* Defaults for a kind: lr 0.01 (SGD, momentum 0.9) or 1e-3 (Adam, betas 0.9/0.999,
 * eps 1e-8), no weight decay. */
PML_API pml_optim_config pml_optim_defaults(pml_optim_kind kind);
/* "sgd", "momentum", "adam" */
PML_API const char *pml_optim_name(pml_optim_kind kind);
/* The inverse of pml_optim_name, as pml_activation_parse. */
PML_API pml_status pml_optim_parse(const char *name, pml_optim_kind *out);

typedef struct pml_optimizer pml_optimizer;
PML_API pml_status pml_optimizer_create(pml_device *dev, const pml_optim_config *cfg,
                                        pml_optimizer **out);
PML_API void pml_optimizer_destroy(pml_optimizer *o); /* accepts NULL */
PML_API void pml_optimizer_set_lr(pml_optimizer *o, double lr);
PML_API double pml_optimizer_lr(const pml_optimizer *o);
PML_API int64_t pml_optimizer_steps(const pml_optimizer *o);
/* One step over n (parameter, gradient) pairs. State (velocity, moments) is made on the
 * first call; later calls must pass the same number and shapes of parameters. */
PML_API pml_status pml_optimizer_step(pml_optimizer *o, int n, pml_tensor *const *params,
                                      pml_tensor *const *grads);
/* One step over every parameter of a model. */
PML_API pml_status pml_optimizer_step_model(pml_optimizer *o, pml_model *m);

/* ---- learning-rate schedules ------------------------------------------------------------ */
typedef enum pml_schedule_kind {
    PML_SCHED_CONSTANT = 0,
    PML_SCHED_STEP = 1,        /* lr0 gamma^floor(epoch / step) */
    PML_SCHED_EXPONENTIAL = 2, /* lr0 gamma^epoch */
    PML_SCHED_COSINE = 3,      /* min + (lr0 - min)(1 + cos(pi epoch / t_max)) / 2 */
    PML_SCHED_PLATEAU = 4      /* lr *= factor after `patience` epochs without improvement */
} pml_schedule_kind;

typedef struct pml_schedule {
    pml_schedule_kind kind;
    double lr0;
    int step;          /* STEP: epochs per decay */
    double gamma;      /* STEP, EXPONENTIAL */
    int t_max;         /* COSINE: epochs to reach min_lr */
    double min_lr;     /* COSINE floor, PLATEAU floor */
    double factor;     /* PLATEAU */
    int patience;      /* PLATEAU */
    /* PLATEAU state, managed by pml_schedule_observe */
    double best, lr;
    int bad_epochs;
} pml_schedule;

/* A constant schedule at lr0. */
PML_API pml_schedule pml_schedule_constant(double lr0);
/* Parse "constant", "step:S:GAMMA", "exp:GAMMA", "cosine:T_MAX[:MIN]",
 * "plateau:PATIENCE[:FACTOR]" into a schedule starting at lr0. */
PML_API pml_status pml_schedule_parse(const char *text, double lr0, pml_schedule *out);
/* The learning rate for epoch e (0-based) of a non-plateau schedule; for PLATEAU the
 * current rate. */
PML_API double pml_schedule_lr(const pml_schedule *s, int epoch);
/* Feed a validation metric at the end of an epoch (PLATEAU: may reduce the rate; others:
 * no effect). Returns the rate for the next epoch. */
PML_API double pml_schedule_observe(pml_schedule *s, double metric);

/* ---- training ---------------------------------------------------------------------------- */
typedef struct pml_epoch_stats {
    int epoch;           /* 0-based */
    double train_loss, train_acc;
    double val_loss, val_acc; /* NaN without a validation set */
    double lr;
    double seconds;
    int64_t samples;
    /* A VAE's mean KL(q(z|x) || p(z)) per example in nats (NaN for other steps); its loss is
     * then the reconstruction term plus beta times this, and the ELBO -(recon + KL). */
    double train_kl, val_kl;
} pml_epoch_stats;

/* Called after every `every_steps` steps (step progress: stats NULL) and after every epoch
 * (stats given). Return non-zero to stop training early (not an error). */
typedef int (*pml_train_callback)(void *user, int epoch, int64_t step, int64_t steps_per_epoch,
                                  const pml_epoch_stats *stats);

typedef struct pml_train_config {
    int epochs;
    int64_t batch;
    pml_loss_kind loss;
    pml_reduction reduction;
    pml_scaling scaling;
    pml_augment augment;
    pml_schedule schedule; /* lr0 <= 0: the optimiser's own learning rate, constant */
    int early_stop;      /* patience in epochs on validation loss; 0 = off */
    int restore_best;    /* with early stopping: keep the parameters of the best epoch */
    uint64_t seed;       /* shuffling and augmentation */
    int no_shuffle;      /* 1: visit examples in dataset order (the primer's appendix) */
    int drop_last;       /* 1: skip the last partial batch (the primer's n // batch steps) */
    pml_train_callback callback;
    void *user;
    int every_steps;     /* step callbacks; 0 = none */
    /* Checkpoints (docs/nn.md, "Checkpoints"). `checkpoint`: a .safetensors file that receives
     * the run's whole state, replaced atomically (a kill at any moment leaves the previous
     * checkpoint or the new one), after every `checkpoint_every` completed epochs and after
     * the last (the last of cfg.epochs, an early stop, or a stop by the callback at the end of
     * an epoch; an epoch the callback cut short is not written). checkpoint_every 0: after the
     * last epoch only. NULL: no checkpoints. Its directory is checked before any work; a
     * failed write stops the run with PML_ERR_IO.
     * `resume`: continue the run a checkpoint holds (NULL: start afresh; it may be the same
     * path as `checkpoint`). The model, optimiser and step given are overwritten with its
     * state; the result is then the same, bit for bit on the same backend and thread count, as
     * that of one uninterrupted call with this config. The checkpoint must be of this run: the
     * same spec and input shape, step, optimiser kind and settings, batch, loss, reduction,
     * scaling, seed, augmentation, no_shuffle, drop_last, early stopping, schedule, and the
     * same training and validation sets (size and a fingerprint of the examples); any other
     * is PML_ERR_INVALID_ARGUMENT naming the field (a damaged file PML_ERR_BAD_FORMAT, a
     * later format PML_ERR_UNSUPPORTED, a missing one PML_ERR_IO), and a refused resume
     * changes nothing. Only `epochs` may grow, to go on training. A checkpoint that holds
     * cfg.epochs epochs, or of a run that stopped early, gives its result (restore-best
     * applied) without training; one holding more epochs than cfg.epochs is refused. */
    const char *checkpoint;
    int checkpoint_every;
    const char *resume;
} pml_train_config;

/* Batch 64, 10 epochs, xent, mean reduction, unit scaling, the optimiser's learning rate
 * held constant, restore-best on, seed 1, no checkpoints (checkpoint_every 1 when one is
 * named). */
PML_API pml_train_config pml_train_defaults(void);

/* The whole run, a resumed one included (its earlier epochs, samples and seconds come from
 * the checkpoint). */
typedef struct pml_train_result {
    int epochs_run;
    int best_epoch;          /* lowest validation loss (or last epoch without validation) */
    int stopped_early;
    double seconds;
    int64_t samples;         /* examples processed in training steps */
    pml_epoch_stats *history; /* epochs_run entries; free with pml_train_result_free */
    int resumed_from_epoch;  /* epochs the checkpoint resumed from held (0: not resumed) */
    int checkpoint_epoch;    /* epochs the last checkpoint this call wrote holds (0: none) */
} pml_train_result;
PML_API void pml_train_result_free(pml_train_result *r);

/* ---- training steps ---------------------------------------------------------------------
 * Training is a driver and a step. The driver (pml_train_with) runs the epochs, shuffles,
 * cuts mini-batches, augments, keeps each step's loss on the device and reads a window of
 * them at once, guards against a non-finite loss, follows the schedule, stops early with
 * restore-best and calls the callback. The step does one optimisation step on one batch:
 *   classifier      forward, cfg->loss against the labels, backward, one optimiser step
 *                   (accuracy reported);
 *   reconstruction  the same with each example's own input, before augmentation, as the
 *                   target: an autoencoder, a denoising one with augment.noise; needs as many
 *                   outputs as inputs and MSE or BCE; accuracies are NaN.
 * More model families bring their own steps (an RBM's CD-k, a VAE's ELBO); a step that keeps
 * state from one step to the next (a persistent-CD RBM's chains) saves it in checkpoints.
 * A step may be used for any number of runs, one at a time. */
typedef struct pml_train_step pml_train_step;
PML_API pml_status pml_train_step_classifier(pml_train_step **out);
PML_API pml_status pml_train_step_reconstruction(pml_train_step **out);
PML_API void pml_train_step_destroy(pml_train_step *step); /* accepts NULL */
/* "classifier", "reconstruction"; "" for NULL. */
PML_API const char *pml_train_step_name(const pml_train_step *step);

/* Train model (F32) with opt and `step` on `train`, evaluating on `val` (may be NULL) with the
 * same step after each epoch. A non-finite loss stops with PML_ERR_NUMERIC naming the epoch
 * and step; the parameters and the optimiser's state are then exactly those before the
 * failing step, i.e. the ones its non-finite loss was computed with: the update kernels skip
 * that step and every later one on the device once a loss was not finite (nothing is copied
 * and the host does not wait on each step). When the update before it was the one that went
 * wrong (weights overflowed), those weights are what remains: keep a copy from the callback
 * (or pml_model_save every epoch) to go back further. The optimiser's step count still counts
 * the skipped steps. `result` may be NULL.
 * With cfg->resume the run continues from a checkpoint (pml_train_config): the callbacks see
 * only the epochs this call trains (their epoch numbers go on from the checkpoint's), and the
 * result holds the whole run. */
PML_API pml_status pml_train_with(pml_model *m, pml_optimizer *opt, pml_train_step *step,
                                  pml_dataset *train, const pml_dataset *val,
                                  const pml_train_config *cfg, pml_train_result *result);
/* pml_train_with the classifier step. */
PML_API pml_status pml_train(pml_model *m, pml_optimizer *opt, pml_dataset *train,
                             const pml_dataset *val, const pml_train_config *cfg,
                             pml_train_result *result);

/* Mean loss and accuracy of the model on a whole dataset (batches of the model's
 * max_batch, dataset order). */
PML_API pml_status pml_evaluate(pml_model *m, const pml_dataset *ds, pml_loss_kind loss,
                                pml_scaling scaling, double *loss_mean, double *accuracy);

/* Mean reconstruction loss (targets = the inputs) of an autoencoder on a dataset. */
PML_API pml_status pml_evaluate_reconstruction(pml_model *m, const pml_dataset *ds,
                                               pml_loss_kind loss, pml_scaling scaling,
                                               double *loss_mean);

/* Class predictions (argmax of the outputs) for `batch` rows of x (batch x in_features,
 * on the model's device) into labels_host (host memory, `batch` entries). */
PML_API pml_status pml_model_predict(pml_model *m, const pml_tensor *x, int64_t batch,
                                     int32_t *labels_host);

#ifdef __cplusplus
}
#endif
#endif
