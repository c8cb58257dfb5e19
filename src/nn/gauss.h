/* The reparameterisation layer of a variational autoencoder (spec item "gauss", src/nn/gauss.c)
 * as the VAE's step and evaluation drive it. Its input is the encoder's output, mu and
 * log sigma^2 side by side (2d features); its output z (d). In a training step it samples
 * z = mu + sigma eps with eps keyed by (the run's seed, its position, the step); in evaluation
 * it gives z = mu unless told to sample (eval_sample) with eps keyed by eval_counter. */
#ifndef PML_NN_GAUSS_H
#define PML_NN_GAUSS_H

#include "nn/model.h"
#include "ops/vae_ops.h"

typedef struct pml_gauss_layer {
    pml_layer base;
    int64_t d;
    pml_tensor *eps; /* max_batch x d: the last forward's draws (0 when it gave mu) */
    pml_tensor *kl;  /* F64 [1]: sum over the last forward's rows of KL(q(z|x) || N(0, I)) */
    /* set by the caller before a forward or backward */
    double kl_scale;       /* backward adds kl_scale * dKL/dx (beta, times the reduction) */
    int eval_sample;       /* evaluation samples too (the ELBO, the IWAE bound) */
    uint64_t eval_seed;    /* the evaluation draws' key */
    uint64_t eval_counter; /* their counter (PML_VAE_STREAM_EVAL) */
    double *logw_rows;     /* device, max_batch (may be NULL): log p(z) - log q(z|x) per row */
    double *kl_rows;       /* device, max_batch (may be NULL): KL per row */
} pml_gauss_layer;

/* The model's reparameterisation layer and its index among the execution units, or NULL (and
 * -1) when it has none. */
pml_gauss_layer *pml_gauss_find(pml_model *m, int *index);

#endif
