/* The training step interface: pml_train_with (src/nn/train.c) is a driver that owns the
 * epochs, shuffling, mini-batches and augmentation, the device-side loss windows, the NaN
 * guard, schedules, early stopping with restore-best, callbacks and timing; a step does one
 * optimisation step on one batch and reports its loss on the device. The classifier and the
 * (denoising) autoencoder are two steps (src/nn/step_backprop.c); an RBM's CD-k or a VAE's
 * ELBO is one more vtable, and the driver does not change.
 *
 * A step's contract, for a batch of `count` rows:
 *   run:      one optimisation step of the model; slot[0] (device double) = the sum over the
 *             rows of the loss it minimises, slot[1] = rows classified correctly (0 for steps
 *             without accuracy). It raises the device flag *ctx->nonfinite when slot[0] is not
 *             finite and makes every parameter update through pml_optimizer_step_guarded(...,
 *             ctx->nonfinite): once a loss was not finite no parameter changes, so the driver
 *             can read the losses a window of steps at a time and still leave the parameters
 *             of the last good step. No host synchronisation.
 *   evaluate: the same two totals for a batch without changing anything (validation, and
 *             pml_evaluate* for users). */
#ifndef PML_NN_TRAIN_STEP_H
#define PML_NN_TRAIN_STEP_H

#include "nn/model.h"

typedef struct pml_ckpt_out pml_ckpt_out; /* nn/checkpoint.h */
struct pml_safetensors;

/* One mini-batch as the driver hands it to a step. */
typedef struct pml_batch {
    const pml_tensor *x;      /* count x in_features inputs, augmented */
    const pml_tensor *labels; /* I32, count */
    const pml_tensor *clean;  /* the inputs before augmentation (== x without augmentation) */
    int64_t count;
    uint64_t step;            /* global step number: the Philox counter of stochastic steps */
    uint64_t seed;            /* the run's seed: the Philox key of the step's draws (dropout) */
} pml_batch;

/* What the driver lends a step for one run. */
typedef struct pml_step_ctx {
    pml_model *model;
    pml_optimizer *opt;
    pml_loss_kind loss;
    pml_reduction reduction;
    int32_t *nonfinite; /* device I32, sticky; NULL when evaluating */
} pml_step_ctx;

struct pml_train_step_vt {
    /* The loss and the model's output width for this step, and a dataset's targets for the
     * model (`name`: "training", "validation", "evaluation"); errors name fn. NULL: nothing
     * to check. */
    pml_status (*check)(const pml_train_step *s, const char *fn, const pml_model *m,
                        pml_loss_kind loss);
    pml_status (*check_data)(const pml_train_step *s, const char *fn, const pml_model *m,
                             const pml_dataset *ds, const char *name);
    /* Buffers for batches of up to max_batch rows (begin may be called again for another
     * run; end frees what begin made). */
    pml_status (*begin)(pml_train_step *s, const pml_model *m, int64_t max_batch);
    void (*end)(pml_train_step *s);
    pml_status (*run)(pml_train_step *s, const pml_step_ctx *ctx, const pml_batch *b,
                      double *slot);
    /* (needs no begin: validation runs between the steps of a run) */
    pml_status (*evaluate)(pml_train_step *s, const pml_step_ctx *ctx, const pml_batch *b,
                           double *slot);
    void (*destroy)(pml_train_step *s); /* frees the step itself */
    /* Checkpoints (nn/checkpoint.h): the step's own state that outlives a step, such as a
     * persistent-CD RBM's chains. save adds it to a checkpoint being written, tensors named
     * "step.*" and metadata keys "step.*" (pml_ckpt_tensor, pml_ckpt_meta); load, after
     * begin, finds them in the checkpoint a run resumes from and restores them,
     * PML_ERR_BAD_FORMAT naming the path when they are missing or malformed. The backprop
     * steps keep nothing from one step to the next and leave both NULL; a step that keeps
     * something must have both, or a resumed run would not continue as an uninterrupted one. */
    pml_status (*save)(const pml_train_step *s, pml_ckpt_out *w);
    pml_status (*load)(pml_train_step *s, const struct pml_safetensors *ck, const char *path);
};

/* The base every step embeds as its first member. */
struct pml_train_step {
    const struct pml_train_step_vt *vt;
    const char *name;
    int has_accuracy; /* slot[1] counts correct rows */
    int has_kl;       /* slot[1] sums a VAE's KL term over the rows (pml_epoch_stats.*_kl) */
    int needs_clean;  /* the driver must gather the un-augmented inputs as well */
};

/* The loss and scaling ranges every entry point checks (errors name fn). */
pml_status pml_check_loss_scaling(const char *fn, pml_loss_kind loss, pml_scaling scaling);
/* A dataset for model m and step s: same device, the model's input width, the step's targets
 * (none checked when s is NULL), not empty, images larger than the augmentation's shift.
 * `name` says which set. */
pml_status pml_check_dataset(const char *fn, const pml_model *m, const pml_train_step *s,
                             const pml_dataset *ds, const char *name, int shift);

/* pml_train_with whose errors name fn (a model family's own training entry point): the
 * checks it makes before any work (pml_train_check_run), then the run (pml_train_checked). A
 * caller that must know the run is valid before it changes anything itself (pml_rbm_train's
 * visible-bias initialisation) calls the two itself, its change between them, so that the
 * checks (a probe file beside the checkpoint among them) run once. */
pml_status pml_train_with_named(const char *fn, pml_model *m, pml_optimizer *opt,
                                pml_train_step *step, pml_dataset *train, const pml_dataset *val,
                                const pml_train_config *cfg, pml_train_result *result);
pml_status pml_train_check_run(const char *fn, pml_model *m, pml_optimizer *opt,
                               pml_train_step *step, pml_dataset *train, const pml_dataset *val,
                               const pml_train_config *cfg);
pml_status pml_train_checked(const char *fn, pml_model *m, pml_optimizer *opt,
                             pml_train_step *step, pml_dataset *train, const pml_dataset *val,
                             const pml_train_config *cfg, pml_train_result *result);

/* Mean loss and accuracy (NaN without accuracy; the mean KL for a step with has_kl) of step
 * s's evaluation of model m over the whole dataset, in batches of the model's max_batch in
 * dataset order; batch k is given step k. */
pml_status pml_evaluate_step(const char *fn, pml_model *m, pml_train_step *s,
                             const pml_dataset *ds, pml_loss_kind loss, pml_scaling scaling,
                             double *loss_mean, double *accuracy);

#endif
