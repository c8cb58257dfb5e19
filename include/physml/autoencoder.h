/* Autoencoders: an encoder and a decoder, each a physml model spec (dense or convolutional;
 * a convolutional decoder uses transposed convolutions), joined at a named latent; the
 * denoising autoencoder (the input corrupted on the device, the clean example the target);
 * anomaly scores with their ROC curve; and the variational autoencoder (Kingma & Welling
 * 2014): the encoder's last layer gives mu and log sigma^2, z = mu + sigma (.) eps with eps
 * from the shared Philox stream, loss = reconstruction + beta KL(q(z|x) || N(0, I)), the ELBO
 * and the importance-weighted bound (Burda et al. 2016) in nats.
 *
 * An autoencoder is one physml model (include/physml/nn.h) whose layers are the encoder's,
 * for a VAE a reparameterisation layer ("gauss"), then the decoder's: it trains through the
 * same driver (every optimiser, schedule, early stopping, checkpoint and resume), saves as
 * one .safetensors file whose metadata name the latent, and moves to PyTorch as one
 * nn.Sequential (bench/peers/physml_torch.py). docs/autoencoders.md has the whole story. */
#ifndef PHYSML_AUTOENCODER_H
#define PHYSML_AUTOENCODER_H

#include <stdint.h>

#include "physml/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pml_autoencoder pml_autoencoder;

typedef struct pml_ae_config {
    /* Specs in the grammar of pml_model_from_spec. The encoder maps an example to the latent
     * (a VAE's to 2 x latent: mu, then log sigma^2); the decoder maps the latent back to as
     * many outputs as the example has elements. */
    const char *encoder, *decoder;
    int vae;
    /* The reconstruction loss: PML_LOSS_BCE_LOGITS (the decoder gives logits; for a VAE a
     * Bernoulli decoder, -log p(x|z) summed over the elements) or PML_LOSS_MSE (the mean
     * squared error per element; for a VAE a Gaussian decoder of standard deviation `sigma`,
     * -log p(x|z) = ||x - y||^2 / (2 sigma^2) + (n/2) log(2 pi sigma^2)). */
    pml_loss_kind loss;
    double beta;  /* VAE: the KL term's weight, >= 0 (1: the ELBO; beta-VAE otherwise) */
    double sigma; /* VAE with MSE: the decoder's stated standard deviation, > 0 */
    pml_init init;
    float init_sigma;
    /* VAE training, KL warm-up (annealing; Bowman et al. 2016, Sonderby et al. 2016): the
     * gradient's KL weight is beta (k + 1) / kl_warmup at the run's optimiser step k (counted
     * from 0 across epochs and resumes) until it reaches beta, then beta. 0 (the default):
     * beta from the first step. The losses the epochs report always weigh the KL by beta, so
     * they stay the (beta-)ELBO's terms during the warm-up. A training setting: not saved with
     * the model; a checkpoint records it and a resume must give the same. */
    int64_t kl_warmup;
    /* Tied weights (a plain autoencoder): the decoder's dense layers use the encoder's dense
     * weights transposed, the decoder's first dense layer the encoder's last, and so on
     * (each keeps its own bias). pml_ae_create writes ":tied=I" (docs/nn.md) into those
     * decoder items, so the model's spec and files say it; the counts and shapes must mirror. */
    int tied;
} pml_ae_config;

/* BCE on logits, beta 1, sigma 1, He initialisation; encoder and decoder NULL. */
PML_API pml_ae_config pml_ae_defaults(void);

/* A preset's encoder and decoder specs for examples of shape dims[0..ndim) and a latent of
 * `latent` units, into enc and dec (n bytes each), and *vae:
 *   "dense"  784-256-L-256-784 style: dense:256,relu,dense:L | dense:256,relu,dense:F
 *   "vae"    dense:400,relu,dense:2L | gauss | dense:400,relu,dense:F (Kingma & Welling's)
 *   "conv"   conv:16:3:stride=2:pad=1,relu,conv:32:3:stride=2:pad=1,relu,flatten,dense:L |
 *            dense:32*(H/4)*(W/4),relu,unflatten:32:H/4:W/4,convt:16:3:stride=2:pad=1:outpad=1,
 *            relu,convt:C:3:stride=2:pad=1:outpad=1  (C x H x W examples, H and W multiples
 *            of 4)
 *   "convvae" the conv preset with a 2L-unit encoder output and the gauss layer.
 * An unknown name, a latent < 1 or a shape the preset cannot take is PML_ERR_INVALID_ARGUMENT
 * naming it. */
PML_API pml_status pml_ae_preset(const char *name, int64_t latent, int ndim,
                                 const int64_t *dims, char *enc, char *dec, size_t n, int *vae);

/* The initialisation a preset is trained with: PML_INIT_XAVIER for "vae" (measured at 10
 * epochs on Fashion-MNIST, three seeds: test ELBO -244.8 nats against -245.9 with He), He
 * for the others (and for any other name). */
PML_API pml_init pml_ae_preset_init(const char *name);

/* An autoencoder for examples of shape dims[0..ndim) (ndim 1..3) on dev, with buffers for up
 * to max_batch examples, its weights drawn from Philox keyed by seed. Errors name the part
 * that is wrong: an encoder whose output the decoder cannot take, a decoder whose output
 * does not match the example, a VAE encoder with an odd number of outputs, beta < 0, a
 * decoder starting with an activation (it would fuse into the encoder's last layer: end the
 * encoder with it), an unsupported loss. */
PML_API pml_status pml_ae_create(pml_device *dev, int ndim, const int64_t *dims,
                                 int64_t max_batch, const pml_ae_config *cfg, uint64_t seed,
                                 pml_autoencoder **out);
PML_API void pml_ae_destroy(pml_autoencoder *ae); /* accepts NULL */

/* The whole model (encoder, gauss for a VAE, decoder): train, save or inspect it as any. */
PML_API pml_model *pml_ae_model(pml_autoencoder *ae);
PML_API const pml_ae_config *pml_ae_config_of(const pml_autoencoder *ae);
PML_API int64_t pml_ae_latent(const pml_autoencoder *ae);
/* The execution units of the encoder (layers [0, n)) and where the decoder starts. */
PML_API int pml_ae_encoder_layers(const pml_autoencoder *ae);
PML_API int pml_ae_decoder_first(const pml_autoencoder *ae);

/* The codes of `batch` rows of x (the model's dtype, on its device): *z points at the
 * encoder's output buffer, rows of pml_ae_code_width(ae) values: the latent, or for a VAE mu
 * (the first latent columns) and log sigma^2 (the next). Valid until the next call. */
PML_API pml_status pml_ae_encode(pml_autoencoder *ae, const pml_tensor *x, int64_t batch,
                                 const pml_tensor **z);
PML_API int64_t pml_ae_code_width(const pml_autoencoder *ae);
/* The decoder's output for `batch` latent rows z (batch x latent): logits under BCE, values
 * under MSE. */
PML_API pml_status pml_ae_decode(pml_autoencoder *ae, const pml_tensor *z, int64_t batch,
                                 const pml_tensor **y);
/* Encode then decode (a VAE through z = mu), in evaluation mode. */
PML_API pml_status pml_ae_reconstruct(pml_autoencoder *ae, const pml_tensor *x, int64_t batch,
                                      const pml_tensor **y);

/* Train through the driver of nn.h: the reconstruction step (cfg->augment's noise, mask or
 * salt-and-pepper make it a denoising autoencoder: the clean example is the target) or, for a
 * VAE, the ELBO step (the epochs' train_kl and val_kl hold the KL term). cfg->loss and
 * cfg->reduction are the autoencoder's: cfg->loss is ignored, and MEAN is used (SUM also
 * accepted). Errors name pml_ae_train. */
PML_API pml_status pml_ae_train(pml_autoencoder *ae, pml_optimizer *opt, pml_dataset *train,
                                const pml_dataset *val, const pml_train_config *cfg,
                                pml_train_result *result);

/* The KL weight of a VAE's gradient at optimiser step `step` (from 0) under c's KL warm-up:
 * beta (step + 1) / kl_warmup while that is below beta, else beta. NaN for a NULL c. */
PML_API double pml_ae_kl_weight(const pml_ae_config *c, uint64_t step);

/* The ELBO step and the autoencoder's own loss: a step for pml_train_with (beta, the Gaussian
 * decoder's sigma and the KL warm-up from ae's configuration). */
PML_API pml_status pml_ae_train_step(const pml_autoencoder *ae, pml_train_step **out);

/* Per-example figures over a dataset, in its current visiting order (training leaves it
 * shuffled: pml_dataset_unshuffle restores the original), in batches of the model's max_batch,
 * evaluation mode:
 *   recon[i]  the reconstruction loss of example i (a VAE's through z = mu), as training
 *             measures it (MSE: the mean over elements; BCE: the sum; VAE Gaussian: -log
 *             p(x|z)); the anomaly score;
 *   labels[i] its class (may be NULL).
 * Host arrays of pml_dataset_size(ds) entries. */
PML_API pml_status pml_ae_scores(pml_autoencoder *ae, const pml_dataset *ds, pml_scaling scaling,
                                 double *recon, int32_t *labels);

/* A VAE's test figures per example in nats over a dataset: the ELBO (with one sample of z per
 * example), its two terms, and the importance-weighted bound with k samples (k >= 1;
 * k = 1 is an ELBO estimate; it does not decrease with k in expectation),
 *   log p(x) >= E log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x),
 * the draws keyed by seed. iwae may be NULL (k unused). */
typedef struct pml_vae_figures {
    double elbo, recon, kl, iwae;
    int k;
} pml_vae_figures;
PML_API pml_status pml_vae_evaluate(pml_autoencoder *ae, const pml_dataset *ds,
                                    pml_scaling scaling, int k, uint64_t seed,
                                    pml_vae_figures *out);

/* The ROC curve of scores (higher: more anomalous) against truth (non-zero: anomalous), n
 * examples: fpr and tpr (host, n + 1 points each, may be NULL) at every threshold from above
 * the highest score down, ties taken together, and the area under it (*auc, the probability
 * that an anomaly scores above a normal example, ties counting half). Needs both classes. */
PML_API pml_status pml_roc(const double *scores, const uint8_t *truth, int64_t n, double *fpr,
                           double *tpr, int64_t *points, double *auc);

/* Save (pml_model_save with the autoencoder's metadata: encoder and decoder specs, the
 * latent, vae, loss, beta, sigma) and load. A model file that is not an autoencoder's is
 * PML_ERR_BAD_FORMAT naming it. */
PML_API pml_status pml_ae_save(const pml_autoencoder *ae, const char *path);
PML_API pml_status pml_ae_load(pml_device *dev, const char *path, int64_t max_batch,
                               pml_autoencoder **out);

/* ---- the Ising critical temperature from an autoencoder (the primer's Fig. 14) -------------
 * Configurations of an L x L periodic lattice from physml's checkerboard Metropolis sampler
 * (pml_ising, Swendsen-Wang or checkerboard Metropolis; one replica per temperature, cold
 * start, `therm` sweeps, then a configuration
 * every `gap` sweeps, each stored with its sign flipped by a Philox coin: the model's up-down
 * symmetry), spins as +-1 inputs; an autoencoder with a one-unit latent (encoder
 * dense:H,relu,dense:1; decoder dense:H,relu,dense:L^2,tanh; MSE; as Alexandrou et al. 2020)
 * or a VAE with a one-unit latent (Gaussian decoder, sigma 1; as Wetzel 2017) trained on all
 * temperatures at once; then per temperature the mean |z| of the configurations' codes (z = mu
 * for the VAE), scaled so that its largest mean over the scan is 1, and the latent
 * susceptibility chi_z = L^2 (<z^2> - <|z|>^2) of the scaled codes, with jackknife errors over
 * blocks of configurations; T_c(L) is the vertex of the parabola through the largest chi_z and
 * its two neighbours (its error: the jackknife over the same blocks). */
typedef struct pml_ae_ising_config {
    int L;                /* even, 4..256 */
    const double *T;      /* nT temperatures, increasing, > 0 */
    int nT;               /* 3..256 */
    int64_t configs;      /* per temperature, 16..2^20 */
    int64_t therm, gap;   /* sweeps (>= 0, gap >= 1) */
    int rule;             /* the sampler's pml_ising_rule */
    int vae;
    int64_t hidden;       /* H, 1..4096 */
    int epochs;           /* >= 1 */
    int64_t batch;        /* >= 1 */
    double lr;            /* Adam's rate, > 0 */
    uint64_t seed;        /* the sampler, the weights, the shuffling */
    int blocks;           /* jackknife blocks, 2..configs (and <= 1024) */
} pml_ae_ising_config;

/* Defaults for L: the temperatures are the caller's; Swendsen-Wang (near T_c it decorrelates
 * in a few sweeps where checkerboard Metropolis needs ~L^2.17: pass PML_ISING_METROPOLIS with
 * a gap of that order for the primer's sampler), 500 configurations, 500 sweeps of
 * thermalisation, gap 4, hidden 64, 10 epochs, batch 64, lr 1e-3, seed 1, 20 blocks. */
PML_API pml_ae_ising_config pml_ae_ising_defaults(int L);

typedef struct pml_ae_ising_point {
    double T;
    double m_abs, m_abs_err; /* <|m|> per spin of the configurations */
    double z_abs, z_abs_err; /* <|z|> of the scaled codes */
    double chi_z, chi_z_err; /* L^2 (<z^2> - <|z|>^2) */
} pml_ae_ising_point;

typedef struct pml_ae_ising_fit {
    double tc, tc_err;   /* the peak of chi_z(T); tc_err NaN when the peak is at an end */
    int peak_at_edge;    /* the largest chi_z is the first or last temperature */
    double corr_m;       /* Pearson correlation of z and m over all configurations */
    double corr_abs_m;   /* of |z| and |m| */
    double gen_seconds, train_seconds, final_loss;
} pml_ae_ising_fit;

/* The whole pipeline for one L: pts (nT entries), fit; z and m (host, nT * configs each,
 * temperature-major, may be NULL) receive every configuration's scaled code and
 * magnetisation per spin. */
PML_API pml_status pml_ae_ising_run(pml_device *dev, const pml_ae_ising_config *cfg,
                                    pml_ae_ising_point *pts, pml_ae_ising_fit *fit, double *z,
                                    double *m);

/* T_c(L) = T_c + a / L (order 1) or + a / L + b / L^2 (order 2: the next correction, which
 * the pseudo-critical points of L <= 64 still show) fitted by weighted least squares (weights
 * 1/err^2; unweighted with the residuals' scatter when an error is missing) over n >= order + 1
 * sizes: the intercept and its standard error (NaN when the fit has no degree of freedom and
 * no errors were given). */
PML_API pml_status pml_ae_tc_extrapolate(const int *L, const double *tc, const double *tc_err,
                                         int n, int order, double *tc_inf, double *tc_inf_err);

#ifdef __cplusplus
}
#endif
#endif
