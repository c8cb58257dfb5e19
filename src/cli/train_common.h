/* Shared by `physml train`, `physml eval` and the tour's training chapter: presets, the
 * option set, and one function that loads data, builds, trains, tests and writes files. */
#ifndef PML_CLI_TRAIN_COMMON_H
#define PML_CLI_TRAIN_COMMON_H

#include "cli/cli.h"

/* The options of a training run. A string is unset while NULL; a number counts as given only
 * when its flag in `given` is set (the option parser sets them), so no value of the range is
 * mistaken for "not given". */
typedef struct pml_train_args {
    const char *data_dir, *preset, *arch, *loss, *opt, *schedule, *augment, *save, *out;
    const char *init, *reduction, *scaling;
    const char *checkpoint, *resume; /* resumable runs (pml_train_config) */
    double lr, val, momentum, weight_decay;
    int64_t batch, epochs, early_stop, subset, test_subset, checkpoint_every;
    uint64_t seed;
    int json, quiet, nesterov, no_shuffle, drop_last;
    /* the tour's own subsets (no option of the user's): larger than the data means all of it */
    int clamp_subsets;
    struct {
        int lr, val, momentum, weight_decay, batch, epochs, early_stop, subset, test_subset, seed;
        int checkpoint_every;
    } given;
} pml_train_args;

/* The CNN preset's network (physml train --preset cnn; bench/peers/cnn_torch.py builds the
 * same one). */
#define PML_CNN_PRESET_ARCH                                                                   \
    "conv:32:3:pad=same:nobias,batchnorm,relu,maxpool:2,conv:64:3:pad=same:nobias,batchnorm," \
    "relu,maxpool:2,conv:128:3:pad=same:nobias,batchnorm,relu,maxpool:2,flatten,dropout:0.3,"  \
    "dense:128,relu,dropout:0.3,dense:10"

/* Every field unset. */
void pml_train_args_unset(pml_train_args *a);
/* Fill what was not given from preset a->preset ("recommended", the default, "primer" or
 * "cnn");
 * 0 on success, 2 after a usage error. */
int pml_train_apply_preset(const char *command, pml_train_args *a);

/* --init's text (he, xavier, randn or normal:SIGMA) into *init (and *sigma for normal); a
 * usage error naming the option (returns 2) otherwise. */
int pml_cli_parse_init(const char *command, const char *text, pml_init *init, float *sigma);
/* Check every option that needs no data (names, the spec, the schedule, the augmentation,
 * combinations) and the destinations (--out, --save, --checkpoint), before anything is
 * loaded. 0, or the
 * exit code after a message. */
int pml_train_check_args(const char *command, pml_device *dev, const pml_train_args *a);

typedef struct pml_train_outcome {
    double test_loss, test_acc, seconds_total, samples_per_s;
    int64_t params;
    int epochs_run;
    double train_loss_first, train_loss_last, val_loss_first, val_loss_last, val_loss_best;
    int val_best_epoch; /* 1-based; 0 without validation */
    int png_written; /* loss.png rendered */
    char loss_png[4096];
    char dat[4096];
} pml_train_outcome;

/* Train as a says on dev; prints (stdout/stderr) as `command`. 0 on success, 1 on failure
 * (already reported). */
int pml_train_run(const char *command, pml_device *dev, const pml_train_args *a,
                  pml_train_outcome *out);

#endif
