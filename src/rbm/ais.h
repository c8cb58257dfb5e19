/* Annealed importance sampling's run between two steps, shared by the estimator (logz.c) and
 * its checkpoints (ais_checkpoint.c; the format in docs/rbm.md, "AIS checkpoints").
 *
 * Every draw of a run is keyed by (seed, stream, step, chain, unit), so the chains, the
 * log-weights and the number of steps done are all there is to continue it: nothing else
 * carries from one step to the next. */
#ifndef PML_RBM_AIS_H
#define PML_RBM_AIS_H

#include "rbm/rbm_model.h"

typedef struct pml_rbm_ais_run {
    pml_rbm *r;
    int64_t runs, steps;
    uint64_t seed;
    const pml_tensor *base; /* the base-rate biases (n_visible; the model's own a when none) */
    pml_tensor *v;          /* the chains: runs x n_visible of 0/1, after the transition of
                             * step `done` (done < steps) */
    pml_tensor *w;          /* the log-weights: runs doubles, the terms of steps 1 .. done */
    int64_t done;
    /* what the run is over, as the checkpoint records it: FNV-1a of the model's parameters
     * (W, a, b as stored) and of the base-rate biases, in hex */
    char model_fp[17], base_fp[17];
} pml_rbm_ais_run;

/* a->model_fp and a->base_fp from the tensors (read from the device). Errors name fn. */
pml_status pml_rbm_ais_fingerprint(const char *fn, pml_rbm_ais_run *a);

/* The run's state to path, atomically. Errors name fn. */
pml_status pml_rbm_ais_save(const char *fn, const pml_rbm_ais_run *a, const char *path);

/* The state a checkpoint at path holds into a->v, a->w and a->done, once every check has
 * passed: a checkpoint of this run (n_visible, n_hidden, the fingerprints, runs, steps and
 * seed as a has them and its fingerprints; else PML_ERR_INVALID_ARGUMENT naming the first
 * field that differs, with both values), well formed (else PML_ERR_BAD_FORMAT, or
 * PML_ERR_UNSUPPORTED for another format version), 1 .. steps steps done, chains of 0/1 and
 * finite weights. Errors name fn and the path. */
pml_status pml_rbm_ais_load(const char *fn, pml_rbm_ais_run *a, const char *path);

#endif
