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

/* `count` images of rows x cols values in [0, 1] (or any range with normalize: each image
 * scaled from its own min..max to 0..255, the usual way to show filters) as one PNG grid of
 * per_row images, 1-pixel grey gaps, each pixel drawn `scale` x `scale`. 0, or 1 after a
 * message. */
int pml_rbm_cli_grid(const char *cmd, const char *dir, const char *name, const float *img,
                     int64_t count, int rows, int cols, int per_row, int scale, int normalize,
                     int quiet);
/* The side of a square image of n pixels, or 0. */
int pml_rbm_cli_side(int64_t n);
/* Split `data` (MNIST format) on dev: its test split (first `test_n`, 0: all) into *test, and
 * the first `subset` (0: all) of its training split into *train. Either out may be NULL. */
int pml_rbm_cli_load(const char *cmd, pml_device *dev, const char *dir, int64_t subset,
                     int64_t test_n, int64_t features, pml_dataset **train, pml_dataset **test);
/* "RUNS:STEPS" into its two numbers (runs 2 .. 2^20, steps 1 .. 2^24); 2 after a message. */
int pml_rbm_cli_ais_spec(const char *cmd, const char *text, int64_t *runs, int64_t *steps);

/* The fantasy particles of a trained model as the pictures show them: `chains` chains from
 * noise, `steps` Gibbs steps, p(v|h) of the last step into host pv (chains x n_visible). */
int pml_rbm_cli_fantasy(const char *cmd, pml_rbm *r, int64_t chains, int64_t steps,
                        uint64_t seed, float *pv);

#endif
