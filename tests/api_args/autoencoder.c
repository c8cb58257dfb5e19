/* api_args cases for autoencoder.h: f->ae is a plain autoencoder ("dense:2" | "dense:6", BCE
 * on logits) and f->vae a VAE ("dense:4" | gauss | "dense:6", latent 2), both for examples of
 * 2x3 (f->ds: 4 of them; f->ds_wide has 3x3, f->ds_far lives on dev2), max_batch 4, on dev.
 * f->aec is a valid plain config ("dense:2" | "dense:6"); f->x (f32 4x6) holds examples, f->c
 * (f32 2x2) latent rows, f->rh (f32 4x4) rows as wide as a VAE's codes. f->ae_path and
 * f->vae_path are the two saved; f->model_path a plain model's file; f->ae_mismatch_path and
 * f->ae_meta_path model files whose physml_ae_* metadata do not fit their tensors or are
 * malformed. */
#include "api_args.h"

#define DIMS23 I64S(2, 3)
#define PRESET(name, latent, ndim, dims) \
    pml_ae_preset(name, latent, ndim, dims, f->enc, f->dec, sizeof f->enc, &f->ival)
#define ACREATE(dev, ndim, dims, mb, cfg) pml_ae_create(dev, ndim, dims, mb, cfg, 1, &f->out_ae)
#define ACREATE_CFG(cfg) ACREATE(f->dev, 2, DIMS23, 4, cfg)
#define ENCODE(ae, x, batch) pml_ae_encode(ae, x, batch, &f->cy)
#define DECODE(ae, z, batch) pml_ae_decode(ae, z, batch, &f->cy)
#define RECON(ae, x, batch) pml_ae_reconstruct(ae, x, batch, &f->cy)
#define ATRAIN(ae, train, val, cfg) pml_ae_train(ae, f->opt, train, val, cfg, &f->res)
#define SCORES(ae, ds, scaling) pml_ae_scores(ae, ds, scaling, f->rout, f->pred)
#define VEVAL(ae, ds, scaling, k) pml_vae_evaluate(ae, ds, scaling, k, 1, &f->vfig)
#define ROC(scores, truth, n) \
    pml_roc(scores, truth, n, f->roc_fpr, f->roc_tpr, &f->i64, &f->dval)
#define ALOAD(dev, path, mb) pml_ae_load(dev, path, mb, &f->out_ae)
#define SCORES4 DOUBLES(0.1, 0.7, 0.4, 0.2)
#define TRUTH(a, b, c, d) ((const uint8_t[]){a, b, c, d})
/* a training config with denoising corruption (mask, saltpepper) */
#define CORRUPT(mask, sp) TC(augment, ((pml_augment){0, 0, 0.0f, (mask), (sp)}))

/* the Ising pipeline on 4 x 4 lattices at three temperatures, a few configurations */
static const double ising_T[3] = {1.5, 2.3, 3.5};
static pml_ae_ising_point ising_pts[3];
static pml_ae_ising_fit ising_fit;
static pml_ae_ising_config ising_cfg2;
static pml_ae_ising_config ising_small(void)
{
    pml_ae_ising_config c = pml_ae_ising_defaults(4);
    c.T = ising_T;
    c.nT = 3;
    c.configs = 16;
    c.therm = 10;
    c.gap = 1;
    c.hidden = 2;
    c.epochs = 1;
    c.batch = 8;
    c.blocks = 4;
    return c;
}
#define ICFG(field, v) (ising_cfg2 = ising_small(), ising_cfg2.field = (v), &ising_cfg2)
#define IRUN(dev, cfg) pml_ae_ising_run(dev, cfg, ising_pts, &ising_fit, NULL, NULL)
#define LS(...) ((const int[]){__VA_ARGS__})
#define AE_CASES(X)                                                                        \
    X(pml_ae_ising_run, S_INVALID, IRUN(NULL, ICFG(L, 4)))                                 \
    X(pml_ae_ising_run, S_INVALID, IRUN(f->dev, NULL))                                     \
    X(pml_ae_ising_run, S_INVALID, pml_ae_ising_run(f->dev, ICFG(L, 4), NULL, &ising_fit, NULL, NULL)) \
    X(pml_ae_ising_run, S_INVALID, IRUN(f->dev, ICFG(L, 5)))                               \
    X(pml_ae_ising_run, S_INVALID, IRUN(f->dev, ICFG(nT, 2)))                              \
    X(pml_ae_ising_run, S_INVALID, IRUN(f->dev, ICFG(T, DOUBLES(2.0, 1.0, 3.0))))          \
    X(pml_ae_ising_run, S_INVALID, IRUN(f->dev, ICFG(configs, 15)))                        \
    X(pml_ae_ising_run, S_INVALID, IRUN(f->dev, ICFG(gap, 0)))                             \
    X(pml_ae_ising_run, S_INVALID, IRUN(f->dev, ICFG(lr, NAN)))                            \
    X(pml_ae_ising_run, S_INVALID, IRUN(f->dev, ICFG(blocks, 1)))                          \
    X(pml_ae_ising_run, S_OK, IRUN(f->dev, ICFG(vae, 1)))                                  \
    X(pml_ae_tc_extrapolate, S_INVALID,                                                    \
      pml_ae_tc_extrapolate(NULL, DOUBLES(2.3, 2.28), NULL, 2, 1, &f->dval, NULL))         \
    X(pml_ae_tc_extrapolate, S_INVALID,                                                    \
      pml_ae_tc_extrapolate(LS(16, 32), DOUBLES(2.3, 2.28), NULL, 1, 1, &f->dval, NULL))   \
    X(pml_ae_tc_extrapolate, S_INVALID,                                                    \
      pml_ae_tc_extrapolate(LS(16, 16), DOUBLES(2.3, 2.28), NULL, 2, 1, &f->dval, NULL))   \
    X(pml_ae_tc_extrapolate, S_INVALID,                                                    \
      pml_ae_tc_extrapolate(LS(16, 32), DOUBLES(2.3, NAN), NULL, 2, 1, &f->dval, NULL))    \
    X(pml_ae_tc_extrapolate, S_INVALID, /* order 2 needs three sizes */                    \
      pml_ae_tc_extrapolate(LS(16, 32), DOUBLES(2.3, 2.28), NULL, 2, 2, &f->dval, NULL))   \
    X(pml_ae_tc_extrapolate, S_INVALID,                                                    \
      pml_ae_tc_extrapolate(LS(16, 32), DOUBLES(2.3, 2.28), NULL, 2, 3, &f->dval, NULL))   \
    X(pml_ae_tc_extrapolate, S_OK,                                                         \
      pml_ae_tc_extrapolate(LS(16, 32), DOUBLES(2.3, 2.28), NULL, 2, 1, &f->dval, &f->dval2)) \
    X(pml_ae_preset, S_INVALID, PRESET(NULL, 2, 1, I64S(6)))                               \
    X(pml_ae_preset, S_INVALID, PRESET("dense", 2, 1, NULL))                               \
    X(pml_ae_preset, S_INVALID,                                                            \
      pml_ae_preset("dense", 2, 1, I64S(6), NULL, f->dec, sizeof f->dec, &f->ival))        \
    X(pml_ae_preset, S_INVALID,                                                            \
      pml_ae_preset("dense", 2, 1, I64S(6), f->enc, NULL, sizeof f->enc, &f->ival))        \
    X(pml_ae_preset, S_INVALID,                                                            \
      pml_ae_preset("dense", 2, 1, I64S(6), f->enc, f->dec, sizeof f->enc, NULL))          \
    X(pml_ae_preset, S_INVALID,                                                            \
      pml_ae_preset("dense", 2, 1, I64S(6), f->enc, f->dec, 0, &f->ival))                  \
    X(pml_ae_preset, S_INVALID, /* buffers too small for the specs */                      \
      pml_ae_preset("dense", 2, 1, I64S(6), f->enc, f->dec, 8, &f->ival))                  \
    X(pml_ae_preset, S_INVALID, PRESET("dense", 0, 1, I64S(6)))                            \
    X(pml_ae_preset, S_INVALID, PRESET("dense", -1, 1, I64S(6)))                           \
    X(pml_ae_preset, S_INVALID, PRESET("dense", 2, 0, I64S(6)))                            \
    X(pml_ae_preset, S_INVALID, PRESET("dense", 2, 4, I64S(1, 2, 3, 4)))                   \
    X(pml_ae_preset, S_INVALID, PRESET("dense", 2, 2, I64S(2, 0)))                         \
    X(pml_ae_preset, S_INVALID, PRESET("no-such-preset", 2, 1, I64S(6)))                   \
    X(pml_ae_preset, S_INVALID, PRESET("Dense", 2, 1, I64S(6)))                            \
    X(pml_ae_preset, S_INVALID, PRESET("conv", 2, 3, I64S(1, 6, 6)))                       \
    X(pml_ae_preset, S_INVALID, PRESET("convvae", 2, 2, I64S(8, 6)))                       \
    X(pml_ae_preset, S_INVALID, /* flat examples: no image to convolve */                  \
      PRESET("conv", 2, 1, I64S(64)))                                                      \
    X(pml_ae_preset, S_OK, PRESET("dense", 2, 1, I64S(6)))                                 \
    X(pml_ae_preset, S_OK, PRESET("vae", 2, 2, DIMS23))                                    \
    X(pml_ae_preset, S_OK, PRESET("conv", 2, 3, I64S(1, 8, 8)))                            \
    X(pml_ae_preset, S_OK, PRESET("convvae", 2, 2, I64S(28, 28)))                          \
    X(pml_ae_create, S_INVALID, pml_ae_create(f->dev, 2, DIMS23, 4, &f->aec, 1, NULL))     \
    X(pml_ae_create, S_INVALID, ACREATE(NULL, 2, DIMS23, 4, &f->aec))                      \
    X(pml_ae_create, S_INVALID, ACREATE(f->dev, 2, NULL, 4, &f->aec))                      \
    X(pml_ae_create, S_INVALID, ACREATE(f->dev, 0, DIMS23, 4, &f->aec))                    \
    X(pml_ae_create, S_INVALID, ACREATE(f->dev, 4, I64S(1, 1, 2, 3), 4, &f->aec))          \
    X(pml_ae_create, S_INVALID, ACREATE(f->dev, 2, I64S(2, 0), 4, &f->aec))                \
    X(pml_ae_create, S_INVALID, ACREATE(f->dev, 2, DIMS23, 0, &f->aec))                    \
    X(pml_ae_create, S_INVALID, ACREATE(f->dev, 2, DIMS23, -1, &f->aec))                   \
    X(pml_ae_create, S_INVALID, ACREATE_CFG(NULL))                                         \
    X(pml_ae_create, S_INVALID, ACREATE_CFG(AEC(encoder, NULL)))                           \
    X(pml_ae_create, S_INVALID, ACREATE_CFG(AEC(decoder, NULL)))                           \
    X(pml_ae_create, S_INVALID, ACREATE_CFG(AEC(encoder, "")))                             \
    X(pml_ae_create, S_INVALID, ACREATE_CFG(AEC(decoder, f->long_spec)))                   \
    X(pml_ae_create, S_INVALID, ACREATE_CFG(AEC(encoder, "dense:two")))                    \
    X(pml_ae_create, S_INVALID, ACREATE_CFG(AEC(decoder, "no-such-layer:6")))              \
    X(pml_ae_create, S_INVALID, /* 65 layers: past a model's 64 */                         \
      ACREATE_CFG(AEC(encoder, f->spec65)))                                                \
    X(pml_ae_create, S_INVALID, ACREATE_CFG(AEC(loss, PML_LOSS_SOFTMAX_XENT)))             \
    X(pml_ae_create, S_INVALID, ACREATE_CFG(AEC(loss, (pml_loss_kind)9)))                  \
    X(pml_ae_create, S_INVALID, ACREATE_CFG(AEC(loss, (pml_loss_kind)-1)))                 \
    X(pml_ae_create, S_INVALID, /* a VAE's decoder: Bernoulli or Gaussian only */          \
      ACREATE_CFG(AEC2(vae, 1, loss, PML_LOSS_SOFTMAX_XENT)))                              \
    X(pml_ae_create, S_INVALID, ACREATE_CFG(AEC2(vae, 1, loss, PML_LOSS_MSE_HALF)))        \
    X(pml_ae_create, S_INVALID, ACREATE_CFG(AEC2(vae, 1, loss, PML_LOSS_BCE)))             \
    X(pml_ae_create, S_INVALID, ACREATE_CFG(AEC(beta, -0.5)))                              \
    X(pml_ae_create, S_INVALID, ACREATE_CFG(AEC(beta, NAN)))                               \
    X(pml_ae_create, S_INVALID, ACREATE_CFG(AEC(beta, INFINITY)))                          \
    X(pml_ae_create, S_INVALID, ACREATE_CFG(AEC(sigma, 0.0)))                              \
    X(pml_ae_create, S_INVALID, ACREATE_CFG(AEC(sigma, -1.0)))                             \
    X(pml_ae_create, S_INVALID, ACREATE_CFG(AEC(sigma, NAN)))                              \
    X(pml_ae_create, S_INVALID, /* the decoder gives 5 outputs, the examples have 6 */     \
      ACREATE_CFG(AEC(decoder, "dense:5")))                                                \
    X(pml_ae_create, S_INVALID, /* a VAE encoder with 3 outputs: not mu and log sigma^2 */ \
      ACREATE_CFG(AEC2(vae, 1, encoder, "dense:3")))                                       \
    X(pml_ae_create, S_INVALID, /* a VAE encoder whose 6 outputs are not flat */           \
      ACREATE_CFG(AEC2(vae, 1, encoder, "dense:6,unflatten:1:2:3")))                       \
    X(pml_ae_create, S_INVALID, /* the decoder starts with an activation */                \
      ACREATE_CFG(AEC(decoder, "relu,dense:6")))                                           \
    X(pml_ae_create, S_INVALID, /* the decoder cannot take the encoder's 2 outputs */      \
      ACREATE_CFG(AEC(decoder, "unflatten:1:2:2,flatten,dense:6")))                        \
    X(pml_ae_create, S_OK, ACREATE_CFG(&f->aec))                                           \
    X(pml_ae_create, S_OK, /* a Gaussian VAE on flat examples */                           \
      (f->aec2 = f->aec, f->aec2.vae = 1, f->aec2.encoder = "dense:4",                     \
       f->aec2.loss = PML_LOSS_MSE, f->aec2.sigma = 0.5, f->aec2.beta = 0.0,               \
       ACREATE(f->dev, 1, I64S(6), 2, &f->aec2)))                                          \
    X(pml_ae_encode, S_INVALID, pml_ae_encode(NULL, f->x, 4, &f->cy))                      \
    X(pml_ae_encode, S_INVALID, ENCODE(f->ae, NULL, 4))                                    \
    X(pml_ae_encode, S_INVALID, pml_ae_encode(f->ae, f->x, 4, NULL))                       \
    X(pml_ae_encode, S_INVALID, ENCODE(f->ae, f->x, 0))                                    \
    X(pml_ae_encode, S_INVALID, ENCODE(f->ae, f->x, -1))                                   \
    X(pml_ae_encode, S_INVALID, ENCODE(f->ae, f->x, 5))                                    \
    X(pml_ae_encode, S_INVALID, ENCODE(f->ae, f->d64, 1))                                  \
    X(pml_ae_encode, S_INVALID, /* rows of 3, the examples have 6 elements */              \
      ENCODE(f->ae, f->a, 2))                                                              \
    X(pml_ae_encode, S_INVALID, /* 2 rows of 6 for a batch of 4 */                         \
      ENCODE(f->ae, f->x26, 4))                                                            \
    X(pml_ae_encode, S_MISMATCH, ENCODE(f->ae, f->far, 1))                                 \
    X(pml_ae_encode, S_OK, ENCODE(f->ae, f->x, 4))                                         \
    X(pml_ae_encode, S_OK, ENCODE(f->vae, f->x26, 2))                                      \
    X(pml_ae_decode, S_INVALID, pml_ae_decode(NULL, f->c, 2, &f->cy))                      \
    X(pml_ae_decode, S_INVALID, DECODE(f->ae, NULL, 2))                                    \
    X(pml_ae_decode, S_INVALID, pml_ae_decode(f->ae, f->c, 2, NULL))                       \
    X(pml_ae_decode, S_INVALID, DECODE(f->ae, f->c, 0))                                    \
    X(pml_ae_decode, S_INVALID, DECODE(f->ae, f->c, 3))                                    \
    X(pml_ae_decode, S_INVALID, DECODE(f->ae, f->d64, 1))                                  \
    X(pml_ae_decode, S_INVALID, /* rows of 6, the latent has 2 */                          \
      DECODE(f->ae, f->x, 2))                                                              \
    X(pml_ae_decode, S_INVALID, /* a VAE decodes z (2), not its codes (mu, log sigma^2) */ \
      DECODE(f->vae, f->rh, 1))                                                             \
    X(pml_ae_decode, S_MISMATCH, DECODE(f->ae, f->far, 1))                                 \
    X(pml_ae_decode, S_OK, DECODE(f->ae, f->c, 2))                                         \
    X(pml_ae_decode, S_OK, DECODE(f->vae, f->c, 2))                                        \
    X(pml_ae_reconstruct, S_INVALID, pml_ae_reconstruct(NULL, f->x, 4, &f->cy))            \
    X(pml_ae_reconstruct, S_INVALID, RECON(f->ae, NULL, 4))                                \
    X(pml_ae_reconstruct, S_INVALID, pml_ae_reconstruct(f->ae, f->x, 4, NULL))             \
    X(pml_ae_reconstruct, S_INVALID, RECON(f->ae, f->x, 0))                                \
    X(pml_ae_reconstruct, S_INVALID, RECON(f->ae, f->x, 5))                                \
    X(pml_ae_reconstruct, S_INVALID, RECON(f->ae, f->d64, 1))                              \
    X(pml_ae_reconstruct, S_INVALID, RECON(f->vae, f->a, 2))                               \
    X(pml_ae_reconstruct, S_MISMATCH, RECON(f->ae, f->far, 1))                             \
    X(pml_ae_reconstruct, S_OK, RECON(f->ae, f->x, 4))                                     \
    X(pml_ae_reconstruct, S_OK, RECON(f->vae, f->x, 3))                                    \
    X(pml_ae_train, S_INVALID, pml_ae_train(NULL, f->opt, f->ds, NULL, &f->tc, &f->res))   \
    X(pml_ae_train, S_INVALID, pml_ae_train(f->ae, NULL, f->ds, NULL, &f->tc, &f->res))    \
    X(pml_ae_train, S_INVALID, ATRAIN(f->ae, NULL, NULL, &f->tc))                          \
    X(pml_ae_train, S_INVALID, ATRAIN(f->ae, f->ds, NULL, NULL))                           \
    X(pml_ae_train, S_INVALID, ATRAIN(f->vae, f->ds, NULL, NULL))                          \
    X(pml_ae_train, S_INVALID, ATRAIN(f->ae, f->ds_wide, NULL, &f->tc))                    \
    X(pml_ae_train, S_INVALID, ATRAIN(f->vae, f->ds, f->ds_wide, &f->tc))                  \
    X(pml_ae_train, S_MISMATCH, ATRAIN(f->ae, f->ds_far, NULL, &f->tc))                    \
    X(pml_ae_train, S_MISMATCH, ATRAIN(f->vae, f->ds, f->ds_far, &f->tc))                  \
    X(pml_ae_train, S_INVALID, ATRAIN(f->ae, f->ds, NULL, TC(epochs, 0)))                  \
    X(pml_ae_train, S_INVALID, /* above the model's max_batch 4 */                         \
      ATRAIN(f->vae, f->ds, NULL, TC(batch, 5)))                                           \
    X(pml_ae_train, S_INVALID, ATRAIN(f->ae, f->ds, NULL, TC(reduction, (pml_reduction)5))) \
    X(pml_ae_train, S_INVALID, ATRAIN(f->ae, f->ds, NULL, CORRUPT(-0.1f, 0.0f)))           \
    X(pml_ae_train, S_INVALID, ATRAIN(f->ae, f->ds, NULL, CORRUPT(NAN, 0.0f)))             \
    X(pml_ae_train, S_INVALID, ATRAIN(f->ae, f->ds, NULL, CORRUPT(0.7f, 0.5f)))            \
    X(pml_ae_train, S_INVALID, ATRAIN(f->vae, f->ds, NULL, SCH(PML_SCHED_CONSTANT, lr0, NAN))) \
    X(pml_ae_train, S_IO, ATRAIN(f->vae, f->ds, NULL, TC(checkpoint, f->unwritable)))      \
    X(pml_ae_train, S_OK, ATRAIN(f->ae, f->ds, NULL, &f->tc))                              \
    X(pml_ae_train, S_OK, /* cfg->loss is the autoencoder's: xent ignored */               \
      ATRAIN(f->ae, f->ds, f->ds, TC(loss, PML_LOSS_SOFTMAX_XENT)))                        \
    X(pml_ae_train, S_OK, /* denoising */                                                  \
      ATRAIN(f->ae, f->ds, NULL, CORRUPT(0.25f, 0.25f)))                                   \
    X(pml_ae_train, S_OK, ATRAIN(f->vae, f->ds, f->ds, &f->tc))                            \
    X(pml_ae_train, S_OK, ATRAIN(f->vae, f->ds, NULL, TC(reduction, PML_REDUCE_SUM)))      \
    X(pml_ae_train, S_OK, pml_ae_train(f->vae, f->opt, f->ds, NULL, CORRUPT(0.5f, 0.0f), NULL)) \
    X(pml_ae_train_step, S_INVALID, pml_ae_train_step(NULL, &f->out_step))                 \
    X(pml_ae_train_step, S_INVALID, pml_ae_train_step(f->vae, NULL))                       \
    X(pml_ae_train_step, S_OK, pml_ae_train_step(f->ae, &f->out_step))                     \
    X(pml_ae_train_step, S_OK, pml_ae_train_step(f->vae, &f->out_step))                    \
    X(pml_ae_scores, S_INVALID, pml_ae_scores(NULL, f->ds, PML_SCALE_UNIT, f->rout, NULL)) \
    X(pml_ae_scores, S_INVALID, SCORES(f->ae, NULL, PML_SCALE_UNIT))                       \
    X(pml_ae_scores, S_INVALID, pml_ae_scores(f->ae, f->ds, PML_SCALE_UNIT, NULL, f->pred)) \
    X(pml_ae_scores, S_INVALID, /* 9 features, the model takes 6 */                        \
      SCORES(f->ae, f->ds_wide, PML_SCALE_UNIT))                                           \
    X(pml_ae_scores, S_INVALID, SCORES(f->vae, f->ds_wide, PML_SCALE_UNIT))                \
    X(pml_ae_scores, S_INVALID, SCORES(f->ae, f->ds, (pml_scaling)9))                      \
    X(pml_ae_scores, S_INVALID, SCORES(f->ae, f->ds, (pml_scaling)-1))                     \
    X(pml_ae_scores, S_MISMATCH, SCORES(f->ae, f->ds_far, PML_SCALE_UNIT))                 \
    X(pml_ae_scores, S_OK, SCORES(f->ae, f->ds, PML_SCALE_UNIT))                           \
    X(pml_ae_scores, S_OK, pml_ae_scores(f->vae, f->ds, PML_SCALE_STANDARD, f->rout, NULL)) \
    X(pml_vae_evaluate, S_INVALID, pml_vae_evaluate(NULL, f->ds, PML_SCALE_UNIT, 2, 1, &f->vfig)) \
    X(pml_vae_evaluate, S_INVALID, VEVAL(f->vae, NULL, PML_SCALE_UNIT, 2))                 \
    X(pml_vae_evaluate, S_INVALID, pml_vae_evaluate(f->vae, f->ds, PML_SCALE_UNIT, 2, 1, NULL)) \
    X(pml_vae_evaluate, S_INVALID, /* not a VAE */ VEVAL(f->ae, f->ds, PML_SCALE_UNIT, 2)) \
    X(pml_vae_evaluate, S_INVALID, VEVAL(f->vae, f->ds, PML_SCALE_UNIT, 0))                \
    X(pml_vae_evaluate, S_INVALID, VEVAL(f->vae, f->ds, PML_SCALE_UNIT, -1))               \
    X(pml_vae_evaluate, S_INVALID, VEVAL(f->vae, f->ds, PML_SCALE_UNIT, 100001))           \
    X(pml_vae_evaluate, S_INVALID, VEVAL(f->vae, f->ds_wide, PML_SCALE_UNIT, 2))           \
    X(pml_vae_evaluate, S_INVALID, VEVAL(f->vae, f->ds, (pml_scaling)9, 2))                \
    X(pml_vae_evaluate, S_MISMATCH, VEVAL(f->vae, f->ds_far, PML_SCALE_UNIT, 2))           \
    X(pml_vae_evaluate, S_OK, VEVAL(f->vae, f->ds, PML_SCALE_UNIT, 1))                     \
    X(pml_vae_evaluate, S_OK, VEVAL(f->vae, f->ds, PML_SCALE_UNIT, 3))                     \
    X(pml_roc, S_INVALID, pml_roc(NULL, f->bin01, 4, f->roc_fpr, f->roc_tpr, &f->i64, &f->dval)) \
    X(pml_roc, S_INVALID, ROC(SCORES4, NULL, 4))                                           \
    X(pml_roc, S_INVALID, pml_roc(SCORES4, f->bin01, 4, NULL, NULL, NULL, NULL))           \
    X(pml_roc, S_INVALID, ROC(SCORES4, f->bin01, 1))                                       \
    X(pml_roc, S_INVALID, ROC(SCORES4, f->bin01, 0))                                       \
    X(pml_roc, S_INVALID, ROC(SCORES4, f->bin01, -4))                                      \
    X(pml_roc, S_INVALID, /* normal examples only */ ROC(SCORES4, TRUTH(0, 0, 0, 0), 4))   \
    X(pml_roc, S_INVALID, /* anomalies only */ ROC(SCORES4, TRUTH(1, 2, 1, 255), 4))       \
    X(pml_roc, S_INVALID, ROC(DOUBLES(0.1, NAN, 0.4, 0.2), f->bin01, 4))                   \
    X(pml_roc, S_OK, ROC(SCORES4, f->bin01, 4))                                            \
    X(pml_roc, S_OK, /* ties, and only the area */                                         \
      pml_roc(DOUBLES(0.5, 0.5, 0.5, 0.5), f->bin01, 4, NULL, NULL, NULL, &f->dval))       \
    X(pml_ae_save, S_INVALID, pml_ae_save(NULL, f->path))                                  \
    X(pml_ae_save, S_INVALID, pml_ae_save(f->ae, NULL))                                    \
    X(pml_ae_save, S_IO, pml_ae_save(f->vae, f->unwritable))                               \
    X(pml_ae_save, S_OK, pml_ae_save(f->vae, f->path))                                     \
    X(pml_ae_load, S_INVALID, pml_ae_load(f->dev, f->ae_path, 4, NULL))                    \
    X(pml_ae_load, S_INVALID, ALOAD(NULL, f->ae_path, 4))                                  \
    X(pml_ae_load, S_INVALID, ALOAD(f->dev, NULL, 4))                                      \
    X(pml_ae_load, S_INVALID, ALOAD(f->dev, f->ae_path, 0))                                \
    X(pml_ae_load, S_IO, ALOAD(f->dev, f->missing, 4))                                     \
    X(pml_ae_load, S_BAD_FORMAT, /* a plain model: no physml_ae_* metadata */              \
      ALOAD(f->dev, f->model_path, 4))                                                     \
    X(pml_ae_load, S_BAD_FORMAT, /* an RBM's file */ ALOAD(f->dev, f->rbm_path, 4))        \
    X(pml_ae_load, S_BAD_FORMAT, ALOAD(f->dev, f->ae_mismatch_path, 4))                    \
    X(pml_ae_load, S_BAD_FORMAT, ALOAD(f->dev, f->ae_meta_path, 4))                        \
    X(pml_ae_load, S_OK, ALOAD(f->dev, f->ae_path, 4))                                     \
    X(pml_ae_load, S_OK, ALOAD(f->dev2, f->vae_path, 1))

#define AE_CHECKS(Y)                                                                       \
    Y(pml_ae_ising_defaults, pml_ae_ising_defaults(16).configs == 500)                     \
    Y(pml_ae_ising_defaults, pml_ae_ising_defaults(16).gap == 4)                           \
    Y(pml_ae_defaults, pml_ae_defaults().loss == PML_LOSS_BCE_LOGITS)                      \
    Y(pml_ae_defaults, pml_ae_defaults().beta == 1.0 && pml_ae_defaults().sigma == 1.0)    \
    Y(pml_ae_defaults, !pml_ae_defaults().encoder && !pml_ae_defaults().vae)               \
    Y(pml_ae_preset_init, pml_ae_preset_init(NULL) == PML_INIT_HE)                         \
    Y(pml_ae_preset_init, pml_ae_preset_init("nonsense") == PML_INIT_HE)                   \
    Y(pml_ae_preset_init, pml_ae_preset_init("vae") == PML_INIT_XAVIER)                    \
    Y(pml_ae_destroy, (pml_ae_destroy(NULL), 1))                                           \
    Y(pml_ae_model, pml_ae_model(NULL) == NULL)                                            \
    Y(pml_ae_model, pml_model_out_features(pml_ae_model(f->ae)) == 6)                      \
    Y(pml_ae_config_of, pml_ae_config_of(NULL) == NULL)                                    \
    Y(pml_ae_config_of, pml_ae_config_of(f->vae)->vae == 1)                                \
    Y(pml_ae_config_of, strcmp(pml_ae_config_of(f->ae)->encoder, "dense:2") == 0)          \
    Y(pml_ae_kl_weight, isnan(pml_ae_kl_weight(NULL, 0)))                                  \
    Y(pml_ae_kl_weight, pml_ae_kl_weight(pml_ae_config_of(f->vae), 0) ==                   \
                            pml_ae_config_of(f->vae)->beta)                                \
    Y(pml_ae_latent, pml_ae_latent(NULL) == 0)                                             \
    Y(pml_ae_latent, pml_ae_latent(f->ae) == 2 && pml_ae_latent(f->vae) == 2)              \
    Y(pml_ae_code_width, pml_ae_code_width(NULL) == 0)                                     \
    Y(pml_ae_code_width, pml_ae_code_width(f->ae) == 2 && pml_ae_code_width(f->vae) == 4)  \
    Y(pml_ae_encoder_layers, pml_ae_encoder_layers(NULL) == 0)                             \
    Y(pml_ae_encoder_layers, pml_ae_encoder_layers(f->vae) == 1)                           \
    Y(pml_ae_decoder_first, pml_ae_decoder_first(NULL) == 0)                               \
    Y(pml_ae_decoder_first, pml_ae_decoder_first(f->ae) == 1)                              \
    Y(pml_ae_decoder_first, pml_ae_decoder_first(f->vae) == 2)
DEFINE_GROUP(autoencoder_h, "autoencoder.h", AE_CASES, AE_CHECKS)
