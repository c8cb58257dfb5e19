/* Shared by the `physml rbm` commands (cmd_rbm.c: train, logz; cmd_rbm_sample.c: sample,
 * complete; cmd_rbm_ising.c: the Ising experiment) and the tour's RBM chapter. */
#ifndef PML_CLI_RBM_CLI_H
#define PML_CLI_RBM_CLI_H

#include "cli/cli.h"

int pml_cmd_rbm_train(int argc, char **argv);
int pml_cmd_rbm_logz(int argc, char **argv);
int pml_cmd_rbm_sample(int argc, char **argv);
int pml_cmd_rbm_complete(int argc, char **argv);
int pml_cmd_rbm_ising(int argc, char **argv);

/* The side of a square image of n pixels, or 0. */
int pml_rbm_cli_side(int64_t n);
/* Split `data` (MNIST format) on dev: its test split (first `test_n`, 0: all) into *test, and
 * the first `subset` (0: all) of its training split into *train. Either out may be NULL. A
 * count beyond its split is option train_opt's or test_opt's usage error (2), or, where the
 * name is NULL, the whole split. */
int pml_rbm_cli_load(const char *cmd, pml_device *dev, const char *dir, int64_t subset,
                     int64_t test_n, int64_t features, pml_dataset **train, pml_dataset **test,
                     const char *train_opt, const char *test_opt);
/* "RUNS:STEPS" into its two numbers (runs 2 .. 2^20, steps 1 .. 2^24); 2 after a message. */
int pml_rbm_cli_ais_spec(const char *cmd, const char *text, int64_t *runs, int64_t *steps);

/* The binarisation a model file's metadata records (`binarize`, `threshold`), into *bz and
 * *threshold; left as they are where the file does not say (or cannot be read: the load that
 * follows reports that). */
void pml_rbm_cli_model_binarize(const char *path, pml_rbm_binarize *bz, double *threshold);

/* Whether an AIS estimate can be trusted: its effective sample size is at least a tenth of its
 * runs. When not, a one-line warning on stderr (even with quiet: it is about the result):
 * log Z is then most likely underestimated, and every log-probability from it too high. */
int pml_rbm_cli_ais_trusted(const char *cmd, const pml_rbm_ais_result *a);

/* A long Gibbs run's checkpoint (src/cli/rbm_chains.c): the chains written to `checkpoint`
 * (NULL: none) every `every` steps and at the end, a run continued from `resume` (NULL: none)
 * when its "options" metadata equals `options` (everything that decides the run). */
typedef struct pml_rbm_cli_chains {
    const char *cmd;
    const char *checkpoint, *resume;
    int64_t every;
    const char *options;
    int quiet;
} pml_rbm_cli_chains;
/* `steps` Gibbs steps of the `rows` chains v, from noise (noise != 0: pml_rbm_sample's) or
 * from v, with opts' seed, keep, pv and average (its step0, average_end and accumulate are
 * this function's), in calls of ck->every steps with the checkpoint between them, or from
 * where ck->resume got. ck may be NULL. 0, or 1 or 2 after a message. */
int pml_rbm_cli_run_chains(const pml_rbm_cli_chains *ck, pml_rbm *r, pml_tensor *v,
                           int64_t rows, int64_t steps, int noise, const pml_rbm_gibbs_opts *opts);

/* The fantasy particles of a trained model as the pictures show them: `chains` chains from
 * noise (start NULL) or from the first `chains` examples of `start` (binarised at 0.5),
 * `steps` Gibbs steps, p(v|h) of the last step into host pv (chains x n_visible); ck: the
 * run's checkpoint, or NULL. */
int pml_rbm_cli_fantasy(const char *cmd, pml_rbm *r, int64_t chains, int64_t steps,
                        uint64_t seed, const pml_dataset *start, const pml_rbm_cli_chains *ck,
                        float *pv);

/* Completion of `test`'s images (all of them) with a region hidden (occ: "bottom", "right",
 * or "random:F" with frac = F), by `steps` clamped Gibbs steps averaging p(v|h) over the last
 * `average`; the errors over the hidden pixels against the binarised truth, and (out not NULL)
 * OUT/completion.png: truth | occluded | completed. 0, or 1 after a message. */
typedef struct pml_rbm_completion {
    int64_t hidden;            /* hidden pixels in all */
    double mse, error_rate;    /* of p(v|h) against the truth; pixels on the wrong side of 1/2 */
    double error_rate_all_off; /* the baseline: every hidden pixel guessed off */
} pml_rbm_completion;
/* ck: the run's checkpoint, or NULL; its options get ` truth=` and the fingerprint of the
 * truth and the occlusion appended (a resume of other images is refused). */
typedef struct pml_rbm_cli_complete_args {
    pml_rbm_binarize bz;
    double threshold;
    const char *occ; /* "bottom", "right" or "random:F" with frac = F */
    double frac;
    int64_t steps, average;
    uint64_t seed;
    const char *out; /* NULL: no picture */
    int quiet;
    const pml_rbm_cli_chains *ck;
} pml_rbm_cli_complete_args;
int pml_rbm_cli_complete(const char *cmd, pml_rbm *m, const pml_dataset *test,
                         const pml_rbm_cli_complete_args *a, pml_rbm_completion *res);
/* OUT/filters.png (the first 100 rows of W, each scaled to its own range) and OUT/samples.png
 * (100 fantasy particles after 1000 Gibbs steps from noise, or from `start`'s first images). */
int pml_rbm_cli_pictures(const char *cmd, const char *out, pml_rbm *r, int rows, int cols,
                         uint64_t seed, const pml_dataset *start, int quiet);

/* The Ising experiment (cmd_rbm_ising.c), shared with the tour: the settings of one run, and
 * e, |m| (per spin), C and chi with their jackknife errors. */
typedef struct pml_rbm_ising_run {
    int L;
    int64_t hidden, samples, therm, gap, epochs, batch, k, chains, gibbs, every;
    double lr, momentum, wd;
    int pcd;
    int cosine; /* the learning rate decays to 0 over the epochs along a cosine */
    uint64_t seed;
} pml_rbm_ising_run;
typedef struct pml_rbm_ising_obs {
    double e, e_err, m, m_err, c, c_err, chi, chi_err;
} pml_rbm_ising_obs;
/* One temperature: Swendsen-Wang configurations, an RBM trained on them, its own samples;
 * both sets of observables, and the training's seconds. 0, or 1 after a message. */
int pml_rbm_cli_ising_one(const char *cmd, pml_device *dev, const pml_rbm_ising_run *p, double T,
                          pml_rbm_ising_obs *mc, pml_rbm_ising_obs *rb, double *train_s);
/* OUT/rbm_ising.{dat,gp,png}. */
int pml_rbm_cli_ising_plot(const char *cmd, const char *out, const double *T, int nt,
                           const pml_rbm_ising_obs *mc, const pml_rbm_ising_obs *rb, int L,
                           int64_t hidden, int quiet);

#endif
