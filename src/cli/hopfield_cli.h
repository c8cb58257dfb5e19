/* The hopfield command's shared pieces (src/cli/cmd_hopfield*.c, the tour's chapter). */
#ifndef PML_HOPFIELD_CLI_H
#define PML_HOPFIELD_CLI_H

#include "cli/cli.h"

int pml_cmd_hopfield_capacity(int argc, char **argv);
/* A +-1 matrix (rows x cols, malloc'd) from a .npy of +-1 or 0/1 values; an exit code (option:
 * its name without the dashes). */
int pml_hf_cli_load_npy(const char *cmd, const char *option, const char *path, int64_t *rows,
                        int64_t *cols, int8_t **out);
/* Binarised Fashion-MNIST prototypes of `classes` (k x side^2, malloc'd); an exit code. */
int pml_hf_cli_fashion(const char *cmd, const char *dir, const int64_t *classes, int64_t k,
                       int8_t **out, int *side);
/* "0,1,2": each in [lo, hi], at most cap; 0 or exit code 2 after a one-line error naming
 * the option (its name without the dashes). */
int pml_hf_cli_int_list(const char *cmd, const char *option, const char *text, int64_t lo,
                        int64_t hi, int64_t *out, int cap, int64_t *count);
/* probe | after sweep 1 | after sweep 2 | final | nearest pattern (cols), each side x side,
 * as DIR/NAME, a PNG; an exit code. */
int pml_hf_cli_picture(const char *cmd, const char *dir, const char *name, int side,
                       const int8_t *const cols[5], int quiet);
/* alpha_c(N) = a + b / sqrt(N) by least squares over k >= 2 sizes; a into *inf. */
void pml_hf_cli_extrapolate(const int64_t *ns, const double *ac, int64_t k, double *inf);
/* DIR/capacity.csv, capacity.gp and (gnuplot) capacity.png of nn sizes x na loads; an exit
 * code. */
int pml_hf_cli_capacity_files(const char *cmd, const char *dir, const int64_t *ns, int64_t nn,
                              const double *alpha, int64_t na,
                              const pml_hopfield_capacity_point *pts, const double *ac, int quiet);
/* The capacity scan of one n over the loads alpha, its table rows or JSON lines, and its
 * alpha_c; 0 or an exit code. out gets count points. ck: the points done (rows of
 * PML_HF_CKPT_COLS numbers keyed by n and the alpha asked for): those found there are taken,
 * the others measured, put in it and, when ck_path is not NULL, written there after each. */
#define PML_HF_CKPT_COLS 10
int pml_hf_cli_capacity(const char *cmd, pml_device *dev, const pml_hopfield_capacity_config *c,
                        const double *alpha, int64_t count, pml_hopfield_capacity_point *out,
                        pml_cli_rows *ck, const char *ck_path, int json, int quiet,
                        double *alpha_c, double *alpha_c_err);

#endif
