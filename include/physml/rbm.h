/* Restricted Boltzmann machines (the primer's Section IV, Eq. 20-30): Bernoulli-Bernoulli
 * RBMs with block Gibbs sampling on the device, CD-k and persistent CD training (with parallel
 * tempering of the persistent chains), free energies, exact and annealed-importance-sampling
 * partition functions, sampling and completion of missing data.
 *
 * Model and conventions (stated once, here). n_visible units v in {0,1}, n_hidden units
 * h in {0,1}, weights W (n_hidden x n_visible, row j the filter of hidden unit j), visible
 * biases a (n_visible), hidden biases b (n_hidden):
 *
 *     E(v, h) = -a^T v - b^T h - h^T W v                     (Eq. 20: b_v = a, b_h = b)
 *     p(h_j = 1 | v) = sigma(b_j + sum_i W_ji v_i),  p(v_i = 1 | h) = sigma(a_i + sum_j W_ji h_j)
 *     F(v) = -a^T v - sum_j log(1 + exp(b_j + (W v)_j)),   p(v) = exp(-F(v)) / Z.
 *
 * Tensors are F32 on the model's device; batches of states are row-major rows x units of
 * 0.0/1.0 (probabilities where said). The parameters are the model's own tensors
 * (pml_rbm_weight, ...): reading them reads the model, writing them (pml_tensor_upload) sets it.
 *
 * Random numbers: every Bernoulli draw comes from the shared Philox stream keyed by (seed,
 * purpose, step, chain, unit), so chain c of a call gives the same states in any batch, on any
 * backend and thread count, whenever the probabilities it draws from are the same floats.
 * Probabilities come from GEMMs, which round differently on different backends: whole chains
 * on two backends agree except where a draw falls within rounding of its probability.
 *
 * Files: .safetensors with tensors "weight" [n_hidden, n_visible], "visible_bias"
 * [n_visible], "hidden_bias" [n_hidden] (scikit-learn's components_, intercept_visible_,
 * intercept_hidden_; PyTorch and NumPy map them directly), F32 or F64, and the training
 * settings as metadata. */
#ifndef PHYSML_RBM_H
#define PHYSML_RBM_H

#include <stdint.h>

#include "physml/api.h"
#include "physml/data.h"
#include "physml/nn.h"
#include "physml/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pml_rbm pml_rbm;

/* ---- the model --------------------------------------------------------------------------- */

/* An RBM of n_visible x n_hidden units (each 1 .. 2^24) on dev, with buffers for batches of up
 * to max_batch rows; W ~ N(0, 0.01^2) from Philox keyed by seed (Hinton's practical guide),
 * both biases 0. */
PML_API pml_status pml_rbm_create(pml_device *dev, int64_t n_visible, int64_t n_hidden,
                                  int64_t max_batch, uint64_t seed, pml_rbm **out);
PML_API void pml_rbm_destroy(pml_rbm *r); /* accepts NULL */

PML_API pml_device *pml_rbm_device(const pml_rbm *r);
PML_API int64_t pml_rbm_visible(const pml_rbm *r);
PML_API int64_t pml_rbm_hidden(const pml_rbm *r);
PML_API int64_t pml_rbm_max_batch(const pml_rbm *r);
/* The parameters: W [n_hidden, n_visible], a [n_visible], b [n_hidden]. */
PML_API pml_tensor *pml_rbm_weight(pml_rbm *r);
PML_API pml_tensor *pml_rbm_visible_bias(pml_rbm *r);
PML_API pml_tensor *pml_rbm_hidden_bias(pml_rbm *r);

/* Hinton's visible-bias initialisation from data: a_i = log(p_i / (1 - p_i)), p_i the
 * fraction of the dataset's examples whose unit i is on after binarising (clamped to
 * [1e-3, 1 - 1e-3] so that a unit never on gives a finite bias). */
typedef enum pml_rbm_binarize {
    PML_RBM_THRESHOLD = 0, /* v = x > threshold (0.5 unless set) */
    PML_RBM_SAMPLE = 1,    /* v ~ Bernoulli(x), drawn afresh each time an example is used */
    PML_RBM_ASIS = 2       /* the values as they are (already 0/1; probabilities in training) */
} pml_rbm_binarize;
/* "threshold", "sample", "asis"; the parser back (an unknown name PML_ERR_INVALID_ARGUMENT). */
PML_API const char *pml_rbm_binarize_name(pml_rbm_binarize b);
PML_API pml_status pml_rbm_binarize_parse(const char *name, pml_rbm_binarize *out);

PML_API pml_status pml_rbm_init_visible_bias(pml_rbm *r, const pml_dataset *data,
                                             pml_rbm_binarize binarize, double threshold);

/* p(h = 1 | v) for rows v (rows x n_visible) into ph (rows x n_hidden), and p(v = 1 | h)
 * into pv. rows <= max_batch. */
PML_API pml_status pml_rbm_hidden_probs(pml_rbm *r, const pml_tensor *v, int64_t rows,
                                        pml_tensor *ph);
PML_API pml_status pml_rbm_visible_probs(pml_rbm *r, const pml_tensor *h, int64_t rows,
                                         pml_tensor *pv);
/* F(v) of each row into out (host, rows doubles). */
PML_API pml_status pml_rbm_free_energy(pml_rbm *r, const pml_tensor *v, int64_t rows,
                                       double *out);
/* E(v, h) of each row pair into out (host, rows doubles). */
PML_API pml_status pml_rbm_energy(pml_rbm *r, const pml_tensor *v, const pml_tensor *h,
                                  int64_t rows, double *out);

/* ---- sampling and completion --------------------------------------------------------------- */

/* `steps` steps of block Gibbs sampling (h ~ p(h|v), then v ~ p(v|h)) of `rows` chains whose
 * visible states v (rows x n_visible) are read and overwritten. Chain c draws with the
 * coordinates (seed, step0 + t, chain0 + c). keep (rows x n_visible, or NULL): where it is
 * non-zero the unit is observed and stays as it was in v (completion of missing data).
 * h (rows x n_hidden, or NULL) receives the last hidden states; pv (rows x n_visible, or
 * NULL) the mean of p(v|h) over the last `average` steps (0 or 1: the last step; more than
 * `steps`: all of them; observed units: their values), the estimate of each missing unit's
 * probability a completion reports. pv and h may not be v or keep.
 * A run cut into calls (a caller that checkpoints the chains between them) passes
 * average_end, the number one past the last step of the whole run, which starts at step 0:
 * the window is then the steps numbered (step0 + t) from average_end - average to
 * average_end - 1 (average at most average_end), and with `accumulate` pv is not cleared
 * first but added to. Calls over consecutive steps from step 0 with the same average and
 * average_end, the first without accumulate, leave in pv bit for bit what one call over all
 * the steps leaves. A call past average_end is PML_ERR_INVALID_ARGUMENT. */
typedef struct pml_rbm_gibbs_opts {
    uint64_t seed;
    uint64_t step0, chain0;
    const pml_tensor *keep;
    pml_tensor *h, *pv;
    int64_t average;
    uint64_t average_end; /* 0: step0 + steps (this call's last `average` steps) */
    int accumulate;
} pml_rbm_gibbs_opts;
PML_API pml_status pml_rbm_gibbs(pml_rbm *r, pml_tensor *v, int64_t rows, int64_t steps,
                                 const pml_rbm_gibbs_opts *opts);
/* Fantasy particles: `rows` chains started from uniform random visible states (Philox keyed
 * by seed and the chain), then `steps` Gibbs steps; the states into v (rows x n_visible) and,
 * when pv is not NULL, the last step's p(v|h) (the usual picture of a sample). */
PML_API pml_status pml_rbm_sample(pml_rbm *r, pml_tensor *v, int64_t rows, int64_t steps,
                                  uint64_t seed, pml_tensor *pv);

/* ---- training ------------------------------------------------------------------------------ */

typedef enum pml_rbm_method {
    PML_RBM_CD = 0, /* contrastive divergence: chains start at the batch's data */
    PML_RBM_PCD = 1 /* persistent CD: chains carried on the device from batch to batch */
} pml_rbm_method;
/* "cd", "pcd" and back. */
PML_API const char *pml_rbm_method_name(pml_rbm_method m);
PML_API pml_status pml_rbm_method_parse(const char *name, pml_rbm_method *out);

/* After every epoch. recon_error: the mean over examples of the mean squared difference
 * between v and p(v | h ~ p(h|v)) (training batches as they were trained, validation after
 * the epoch); pseudo_loglik: scikit-learn's estimate, n_visible * log sigma(F(v~) - F(v)) with
 * one random unit of each example flipped, averaged over the monitor subset; free_energy_*:
 * mean F(v) over the monitor subset of the training set and over the validation set (Hinton's
 * overfitting monitor: a growing gap means overfitting); pt_accept: the mean swap acceptance
 * between neighbouring temperatures this epoch (NaN without tempering). NaN where there is no
 * such set. */
typedef struct pml_rbm_epoch {
    int epoch;
    double recon_error, val_recon_error;
    double pseudo_loglik;
    double free_energy_train, free_energy_val;
    double pt_accept;
    double lr;
    double seconds;
    int64_t samples;
} pml_rbm_epoch;
/* Return non-zero to stop after this epoch. */
typedef int (*pml_rbm_callback)(void *user, const pml_rbm_epoch *e);

typedef struct pml_rbm_train_config {
    pml_rbm_method method;
    int k;                 /* Gibbs steps per update, >= 1 */
    int64_t chains;        /* PCD: persistent chains (0: the batch size) */
    int pt;                /* PCD: temperatures of parallel tempering (0 or 1: none), <= 64 */
    double pt_beta_min;    /* the ladder's lowest inverse temperature, geometric to 1 */
    int epochs;
    int64_t batch;
    double lr;             /* learning rate of the mean gradient over the batch */
    double momentum;       /* 0 .. < 1 */
    double weight_decay;   /* L2 on the weights and biases, as the optimiser applies it */
    pml_schedule schedule; /* lr0 <= 0: lr held constant */
    uint64_t seed;         /* shuffling, chains, draws */
    pml_rbm_binarize binarize;
    double threshold;
    int init_visible_bias; /* 1: pml_rbm_init_visible_bias from the training set first */
    int64_t monitor_rows;  /* examples for the pseudo-likelihood and free energies (0: none) */
    pml_rbm_callback callback;
    void *user;
    /* Checkpoints as in pml_train_config: the whole run (parameters, momentum, persistent
     * chains, counters) after every checkpoint_every epochs; resume continues one bit for bit. */
    const char *checkpoint;
    int checkpoint_every;
    const char *resume;
} pml_rbm_train_config;

/* CD-1, batch 100, 10 epochs, lr 0.1, momentum 0.5, no weight decay, threshold binarising at
 * 0.5, the visible biases from the data, 1000 monitor rows, seed 1. */
PML_API pml_rbm_train_config pml_rbm_train_defaults(void);

typedef struct pml_rbm_train_result {
    int epochs_run;
    double seconds;
    int64_t samples;
    pml_rbm_epoch *history; /* epochs_run entries (monitors NaN for epochs a resume skipped) */
    int pt;                 /* temperatures */
    double *betas;          /* pt entries, highest first (1.0) */
    double *pt_accept;      /* pt - 1 entries: acceptance of swaps between betas[i], betas[i+1] */
} pml_rbm_train_result;
PML_API void pml_rbm_train_result_free(pml_rbm_train_result *res);

/* Train on `train` (features = n_visible; pixels scaled to [0, 1]), monitoring `val` (may be
 * NULL), through the library's training driver (src/nn/train.c): shuffling, mini-batches, the
 * NaN guard, schedules, checkpoints. One update per batch: positive statistics from the data
 * v0 and p(h|v0); negative statistics from v_k and p(h|v_k) after k Gibbs steps of the chains
 * (CD: started at v0; PCD: the persistent chains, at beta = 1 of the tempering ladder);
 * gradient of the mean over the batch; momentum and L2 weight decay by the optimiser.
 * `result` may be NULL. */
PML_API pml_status pml_rbm_train(pml_rbm *r, pml_dataset *train, const pml_dataset *val,
                                 const pml_rbm_train_config *cfg, pml_rbm_train_result *result);

/* A fingerprint of the model: 64-bit FNV-1a over W, a and b as stored (float32, in that
 * order), read from the device. Checkpoints record it to refuse a resume with another model
 * (the AIS checkpoint, `rbm sample`/`complete`'s chains). */
PML_API pml_status pml_rbm_fingerprint(const pml_rbm *r, uint64_t *out);

/* ---- partition function and likelihood ------------------------------------------------------- */

/* The largest layer exact log Z enumerates: 2^PML_RBM_EXACT_MAX states. */
#define PML_RBM_EXACT_MAX 24

/* log Z exactly, by summing over the states of the smaller layer (min(n_visible, n_hidden) <=
 * PML_RBM_EXACT_MAX, else PML_ERR_INVALID_ARGUMENT) in batches on the device, log-sum-exp in
 * double. */
PML_API pml_status pml_rbm_logz_exact(pml_rbm *r, double *logz);

/* Annealed importance sampling (Salakhutdinov & Murray 2008): `runs` independent runs from
 * the base-rate model (visible biases base, zero weights: base NULL takes the model's own
 * visible biases; pml_rbm_base_rate makes it from data) through `steps` intermediate
 * distributions p_k(v) ~ exp((1 - beta_k) base.v) * exp(-F_beta_k(v)), beta linear in three
 * segments as in the paper (500, 4000 and 10000 of its 14500 steps, scaled to `steps`: to 0.5,
 * to 0.9, to 1),
 * one Gibbs transition per step. log Z = log Z_base + log mean exp(w); logz_err is the
 * standard error of that estimate (delta method over the runs). */
typedef struct pml_rbm_ais_result {
    double logz, logz_err; /* NaN while the run is not complete (steps_done < steps) */
    double logz_base;      /* log Z of the base-rate model */
    double ess;            /* effective sample size of the importance weights, 1 .. runs (NaN
                            * while not complete) */
    int64_t runs, steps;
    int64_t steps_done;    /* steps completed: `steps`, or fewer where stop_after stopped it */
    int64_t resumed_from;  /* the steps the resumed checkpoint held (0: started afresh) */
} pml_rbm_ais_result;
PML_API pml_status pml_rbm_logz_ais(pml_rbm *r, int64_t runs, int64_t steps,
                                    const pml_tensor *base, uint64_t seed,
                                    pml_rbm_ais_result *out);

/* AIS that can be stopped and continued (docs/rbm.md, "AIS checkpoints"). Between steps a run
 * is its chains, its log-weights and the step reached (every draw is keyed by the seed, the
 * step, the chain and the unit), and a checkpoint holds exactly that, so a run continued from
 * one ends bit for bit where the uninterrupted run ends on the same backend. */
typedef struct pml_rbm_ais_checkpoint {
    /* receives the run's state (one .safetensors, written atomically) after every `every`-th
     * step and when the call stops, at the end or at stop_after; NULL: none. Its directory
     * is checked before the first step (PML_ERR_IO); a failed write stops with PML_ERR_IO. */
    const char *path;
    int64_t every;      /* >= 1 when path is set: steps between checkpoints */
    /* a checkpoint of this same run (runs, steps, seed, model parameters, base rates) to
     * continue from; NULL: start afresh. May be `path`. Another run's is
     * PML_ERR_INVALID_ARGUMENT naming the field and both values, a damaged file
     * PML_ERR_BAD_FORMAT; every check comes before a step or a write. */
    const char *resume;
    /* > 0: stop once this many of the steps are done (counted from the start of the run, not
     * of this call; a checkpoint is written, result.steps_done says where the run is; needs
     * path). 0: run to the end. */
    int64_t stop_after;
} pml_rbm_ais_checkpoint;
/* pml_rbm_logz_ais with a checkpoint (ck NULL: exactly pml_rbm_logz_ais). A resumed run
 * that is already complete gives its result without a step. */
PML_API pml_status pml_rbm_logz_ais_resumable(pml_rbm *r, int64_t runs, int64_t steps,
                                              const pml_tensor *base, uint64_t seed,
                                              const pml_rbm_ais_checkpoint *ck,
                                              pml_rbm_ais_result *out);
/* The base-rate visible biases of data (as pml_rbm_init_visible_bias computes them) into
 * base (n_visible, on the model's device). */
PML_API pml_status pml_rbm_base_rate(pml_rbm *r, const pml_dataset *data,
                                     pml_rbm_binarize binarize, double threshold,
                                     pml_tensor *base);
/* The mean over `data` (binarised; every example, or the first `limit` when limit > 0) of
 * log p(v) = -F(v) - log Z, in nats, and its standard error over the examples. */
PML_API pml_status pml_rbm_mean_logprob(pml_rbm *r, const pml_dataset *data,
                                        pml_rbm_binarize binarize, double threshold,
                                        int64_t limit, double logz, double *mean, double *sem);

/* ---- files --------------------------------------------------------------------------------- */

/* Save as .safetensors (the names above, F32) with metadata "physml_model" = "rbm" and any
 * extra pairs {k0, v0, ..., NULL}; written atomically. */
PML_API pml_status pml_rbm_save(const pml_rbm *r, const char *path, const char *const *extra_meta);
/* Load a model saved by pml_rbm_save, or any .safetensors holding the three tensors with
 * consistent shapes (F32 or F64: scikit-learn's arrays saved under those names), onto dev. */
PML_API pml_status pml_rbm_load(pml_device *dev, const char *path, int64_t max_batch,
                                pml_rbm **out);

#ifdef __cplusplus
}
#endif
#endif
