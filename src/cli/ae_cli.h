/* Shared by the `physml ae` commands (cmd_ae.c: train; cmd_ae_tools.c: anomaly, sample,
 * reconstruct, encode; cmd_ae_ising.c: the Ising T_c) and the tour's autoencoder chapter. */
#ifndef PML_CLI_AE_CLI_H
#define PML_CLI_AE_CLI_H

#include "cli/cli.h"

int pml_cmd_ae_train(int argc, char **argv);
int pml_cmd_ae_anomaly(int argc, char **argv);
int pml_cmd_ae_sample(int argc, char **argv);
int pml_cmd_ae_reconstruct(int argc, char **argv);
int pml_cmd_ae_encode(int argc, char **argv);
int pml_cmd_ae_ising(int argc, char **argv);

/* "0-8", "0,2,5-7" into keep[0..256) (1 for a listed class). 2 after a usage error naming
 * `option`; 0 otherwise. */
int pml_ae_cli_classes(const char *cmd, const char *option, const char *text, uint8_t keep[256]);
/* "gauss:0.3", "mask:0.3", "saltpepper:0.1" (comma-separated, any of them) into the corruption
 * fields of *aug. 2 after a usage error naming --denoise. */
int pml_ae_cli_denoise(const char *cmd, const char *text, pml_augment *aug);

/* A preset (latent units, corruption aug or NULL) trained on `train` for `epochs` epochs with
 * Adam (lr 1e-3, batch 128), as `ae anomaly --train` and the tour do; *seconds the training's
 * time, *last_loss the last epoch's training loss (either may be NULL). 0, or 1 after a
 * message. */
/* A fit's checkpoint (pml_train_config's fields; docs/reliability.md, "Resumable runs"):
 * checkpoint written after every `every` epochs (0: after the last only) and at the end,
 * resume continued from (either NULL: none); resumed_from_epoch receives the epochs the
 * resumed checkpoint held. */
typedef struct pml_ae_cli_ckpt {
    const char *checkpoint, *resume;
    int every;
    int resumed_from_epoch;
} pml_ae_cli_ckpt;
int pml_ae_cli_fit(const char *cmd, pml_device *dev, pml_dataset *train, const char *preset,
                   int64_t latent, const pml_augment *aug, int64_t epochs, uint64_t seed,
                   pml_ae_cli_ckpt *ck, pml_autoencoder **out, double *seconds,
                   double *last_loss);

/* The image shape a model takes: rows x cols of its 1 x rows x cols (or rows x cols, or a
 * square flat) input; 0 and 0 when it has none. */
void pml_ae_cli_image(pml_autoencoder *ae, int *rows, int *cols);

/* What the decoder gives as pixels: sigmoid of logits (BCE on logits), the values otherwise,
 * in place on host floats. */
void pml_ae_cli_to_pixels(const pml_autoencoder *ae, float *v, int64_t n);

/* The mean squared error per pixel, against the clean test images, of the corrupted inputs
 * and of the autoencoder's reconstructions of them (first n test images, corruption `aug`
 * keyed by seed). */
int pml_ae_cli_denoise_errors(const char *cmd, pml_autoencoder *ae, const pml_dataset *test,
                              const pml_augment *aug, int64_t n, uint64_t seed, double *noisy,
                              double *denoised);

/* The pictures of a trained autoencoder into DIR (each a PNG of Fashion-MNIST-sized tiles):
 *   reconstructions.png  rows of test inputs above their reconstructions (16 images);
 *   denoise.png          with aug: corrupted | denoised | clean (8 images);
 *   samples.png          a VAE's decodings of 64 draws from the prior;
 *   interpolation.png    a VAE's (or any autoencoder's) decodings along the line between the
 *                        codes of two test images, 10 steps;
 *   latent_map.png       a 2-D latent: the decodings over a 16 x 16 grid (-2.5..2.5 for a
 *                        VAE; the codes' range otherwise);
 *   codes.{dat,gp,png}   a 2-D latent: the test codes coloured by class (gnuplot).
 * 0, or 1 after a message. */
#define PML_AE_PICT_RECON 1
#define PML_AE_PICT_DENOISE 2
#define PML_AE_PICT_SAMPLES 4
#define PML_AE_PICT_INTERP 8
#define PML_AE_PICT_LATENT 16
#define PML_AE_PICT_ALL 31
int pml_ae_cli_pictures(const char *cmd, const char *dir, pml_autoencoder *ae,
                        const pml_dataset *test, const pml_augment *aug, uint64_t seed,
                        int what, int quiet);

/* Anomaly detection with a trained autoencoder: reconstruction errors of every test example,
 * the ROC curve and AUC of the classes not in keep (the anomalies) against those in it, the
 * AUC of each anomalous class alone; with dir, roc.{dat,gp,png} and hist.{dat,gp,png} (the
 * errors' histogram per class). */
typedef struct pml_ae_cli_anomaly_result {
    double auc;
    double class_auc[256]; /* NaN for normal classes and absent ones */
    double mean_normal, mean_anomaly;
    int64_t n_normal, n_anomaly;
} pml_ae_cli_anomaly_result;
int pml_ae_cli_anomaly(const char *cmd, pml_autoencoder *ae, const pml_dataset *test,
                       const uint8_t keep[256], const char *dir, int quiet,
                       pml_ae_cli_anomaly_result *res);

#endif
