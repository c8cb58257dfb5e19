/* struct pml_autoencoder, shared by the autoencoder's sources (src/ae). */
#ifndef PML_AE_MODEL_H
#define PML_AE_MODEL_H

#include "nn/gauss.h"
#include "nn/train_step.h"
#include "physml/autoencoder.h"

#define PML_AE_SPEC_MAX 1000

struct pml_autoencoder {
    pml_model *m;
    pml_ae_config cfg; /* cfg.encoder and cfg.decoder point at enc and dec */
    char enc[PML_AE_SPEC_MAX], dec[PML_AE_SPEC_MAX];
    int enc_layers; /* execution units [0, enc_layers) are the encoder */
    int dec_first;  /* the decoder's first unit (enc_layers + 1 for a VAE: gauss between) */
    int64_t latent, code_width;
};

/* The reconstruction loss kernel's arguments for the autoencoder's loss on `rows` rows of y
 * against targets: the kind the kernel computes (MSE_HALF for a VAE's Gaussian decoder, with
 * its 1/sigma^2 and log-normaliser as row_scale and row_offset) and grad_scale times the
 * rows' scale as the gradient's. */
pml_nn_loss_args pml_ae_loss_args(const pml_autoencoder *ae, int64_t rows, const void *y,
                                  const void *targets, double grad_scale);

#endif
