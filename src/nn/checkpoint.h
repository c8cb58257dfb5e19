/* Checkpoints of a training run (docs/nn.md, "Checkpoints"): the driver (src/nn/train.c)
 * writes one after an epoch and resumes from one; this header is what the two share, and what
 * a step with state of its own (train_step.h, `save` and `load`) writes with.
 *
 * A checkpoint is one .safetensors file: the model's parameters under their usual names (so
 * pml_model_load and PyTorch read it as a model), the optimiser's state ("optim.*"), the
 * restore-best snapshot ("best.*"), the per-epoch history ("history"), the step's own state
 * ("step.*"), and in the metadata what the run is (every setting that changes its arithmetic,
 * compared when resuming) and where it stands (the epoch, step counters, schedule and early-
 * stopping state, restored). */
#ifndef PML_NN_CHECKPOINT_H
#define PML_NN_CHECKPOINT_H

#include "nn/train_step.h"
#include "physml/io.h"

/* Tensors and metadata gathered for one checkpoint. The adders copy names and values (the
 * tensors themselves must live until the write) and keep the first failure in `s`, so a
 * writer adds everything and checks once. */
struct pml_ckpt_out {
    pml_named_tensor *t;
    int nt, cap_t;
    char **meta; /* key, value, ..., NULL */
    int nm, cap_m;
    pml_status s;
};

void pml_ckpt_tensor(pml_ckpt_out *w, const pml_tensor *t, const char *name_fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void pml_ckpt_meta(pml_ckpt_out *w, const char *key, const char *value_fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void pml_ckpt_out_free(pml_ckpt_out *w);
/* The run's identity as `want`'s metadata holds it against a checkpoint's: a key the file
 * lacks is PML_ERR_BAD_FORMAT, unless later[0 .. nlater-1] (a key and the value its absence
 * means: keys added after a format's first files) names it; a value that differs is
 * PML_ERR_INVALID_ARGUMENT naming the field (the key less "physml_") and both values; want's
 * own failure (out of memory) comes first. Errors name fn and path. */
pml_status pml_ckpt_compare(const char *fn, const char *path, const pml_safetensors *st,
                            const pml_ckpt_out *want, const char *const (*later)[2],
                            size_t nlater);

/* A training run as the driver holds it between epochs: what it was given, and, with the
 * model's parameters, the optimiser's state and the step's own, everything that decides the
 * rest of it. */
typedef struct pml_train_run {
    pml_model *m;
    pml_optimizer *opt;
    pml_train_step *step;
    const pml_dataset *train, *val;
    pml_train_config *c;  /* the driver's copy: the resolved schedule, with its plateau state */
    int epochs;           /* epochs completed */
    int64_t global;       /* the next step's number (augmentation's Philox counter) */
    double best_val;      /* early stopping: the best metric so far, its epoch (-1: none), */
    int best_epoch, bad;  /* epochs since it, and whether the run stopped on it */
    int stopped;
    int64_t samples;      /* examples trained on, all epochs */
    double seconds;       /* time spent in earlier calls (those before a resume) */
    pml_epoch_stats *hist; /* `epochs` entries, room for c->epochs */
    int nbest;            /* the restore-best snapshot: one tensor per parameter (0: none) */
    pml_tensor **best;
} pml_train_run;

/* Write the run's state to r->c->checkpoint, atomically (`seconds`: the run's time so far).
 * Errors name fn. */
pml_status pml_checkpoint_write(const char *fn, const pml_train_run *r, double seconds);

/* Restore the run from r->c->resume into r (made for a fresh run: nothing trained, snapshot
 * and step begun): the checkpoint must be of this run (the model, step, optimiser, settings
 * and datasets, else PML_ERR_INVALID_ARGUMENT naming the field) and well formed (else
 * PML_ERR_BAD_FORMAT, or PML_ERR_UNSUPPORTED for another format version). Every check comes
 * before anything is changed. Errors name fn and the path. */
pml_status pml_checkpoint_resume(const char *fn, pml_train_run *r);

#endif
