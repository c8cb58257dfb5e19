/* api_args cases for rbm.h: f->rbm has 6 visible x 4 hidden units (max_batch 4) on dev, f->x
 * (f32 4x6) and f->rh (f32 4x4) hold its visible and hidden states, f->ds its 4 examples of 6
 * features (f->ds_wide has 9); f->far (f32 2x2) and f->ds_far live on dev2. f->rbm_big
 * (25 x 25) is past exact log Z; f->rbm_path is f->rbm saved, f->rbm_bad_path a file whose
 * 'weight' is i32, f->rbm_shape_path one whose 'visible_bias' has the wrong length. */
#include "api_args.h"

#define TWO24 ((int64_t)1 << 24)
#define THR PML_RBM_THRESHOLD
#define RCREATE(dev, nv, nh, mb) pml_rbm_create(dev, nv, nh, mb, 1, &f->out_rbm)
#define RLOAD(dev, path, mb) pml_rbm_load(dev, path, mb, &f->out_rbm)
#define INITVB(data, bin, thr) pml_rbm_init_visible_bias(f->rbm, data, bin, thr)
#define HPROBS(v, rows, ph) pml_rbm_hidden_probs(f->rbm, v, rows, ph)
#define VPROBS(h, rows, pv) pml_rbm_visible_probs(f->rbm, h, rows, pv)
#define FREE_E(v, rows, out) pml_rbm_free_energy(f->rbm, v, rows, out)
#define ENERGY(v, h, rows, out) pml_rbm_energy(f->rbm, v, h, rows, out)
#define GIBBS(v, rows, steps, o) pml_rbm_gibbs(f->rbm, v, rows, steps, o)
#define SAMPLE(v, rows, steps, pv) pml_rbm_sample(f->rbm, v, rows, steps, 1, pv)
#define RTRAIN(train, val, cfg) pml_rbm_train(f->rbm, train, val, cfg, &f->rres)
/* persistent CD with two temperatures down to bmin */
#define PT2(bmin)                                                                          \
    (f->rtc2 = f->rtc, f->rtc2.method = PML_RBM_PCD, f->rtc2.pt = 2,                       \
     f->rtc2.pt_beta_min = (bmin), &f->rtc2)
#define AIS(runs, steps, base) pml_rbm_logz_ais(f->rbm, runs, steps, base, 1, &f->rais)
/* resumable AIS of 4 runs x 10 steps with the checkpoint settings given (NULL: none) */
#define AISR(base, ...)                                                                    \
    pml_rbm_logz_ais_resumable(f->rbm, 4, 10, base, 1, AISCK(__VA_ARGS__), &f->rais)
#define AISCK(...) (&(const pml_rbm_ais_checkpoint){__VA_ARGS__})
#define BASE(data, bin, thr, base) pml_rbm_base_rate(f->rbm, data, bin, thr, base)
#define LOGP(data, bin, thr, logz)                                                         \
    pml_rbm_mean_logprob(f->rbm, data, bin, thr, 0, logz, &f->dval, &f->dval2)
/* keep, h and pv all set: 2 chains, v in f->x, the first row of f->x26 observed */
#define GIBBS_ALL                                                                          \
    (f->rgo2 = f->rgo, f->rgo2.keep = f->x26, f->rgo2.h = f->rh, f->rgo2.pv = f->y,        \
     f->rgo2.average = 2, GIBBS(f->x, 2, 3, &f->rgo2))

/* 21 extra metadata pairs: one more than pml_rbm_save has room for */
#define KV "key", "value"
static const char *const many_meta[] = {KV, KV, KV, KV, KV, KV, KV, KV, KV, KV, KV,
                                        KV, KV, KV, KV, KV, KV, KV, KV, KV, KV, NULL};

/* Errors from the calls an entry point makes on its behalf (the base rates, the Gibbs steps of
 * a sample, the training driver, the .safetensors reader and writer) name the entry point. */
#define RBM_DELEGATED(X)                                                                     \
    X(pml_rbm_init_visible_bias, S_INVALID, INITVB(NULL, THR, 0.5))                        \
    X(pml_rbm_init_visible_bias, S_INVALID, INITVB(f->ds, (pml_rbm_binarize)7, 0.5))       \
    X(pml_rbm_init_visible_bias, S_INVALID, INITVB(f->ds, THR, 1.0))                       \
    X(pml_rbm_init_visible_bias, S_MISMATCH, INITVB(f->ds_far, THR, 0.5))                  \
    X(pml_rbm_init_visible_bias, S_INVALID, INITVB(f->ds_wide, THR, 0.5))                  \
    X(pml_rbm_sample, S_INVALID, SAMPLE(f->x, 4, 0, NULL))                                 \
    X(pml_rbm_sample, S_INVALID, SAMPLE(f->x, 1, 1, f->d64))                               \
    X(pml_rbm_sample, S_INVALID, SAMPLE(f->x, 4, 1, f->x26))                               \
    X(pml_rbm_sample, S_MISMATCH, SAMPLE(f->x, 1, 1, f->far))                              \
    X(pml_rbm_train, S_MISMATCH, RTRAIN(f->ds_far, NULL, &f->rtc))                         \
    X(pml_rbm_train, S_MISMATCH, RTRAIN(f->ds_far, NULL, RTC(init_visible_bias, 0)))       \
    X(pml_rbm_train, S_MISMATCH, RTRAIN(f->ds, f->ds_far, &f->rtc))                        \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC(schedule, pml_schedule_constant(NAN)))) \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC(checkpoint_every, -1)))            \
    X(pml_rbm_train, S_IO, RTRAIN(f->ds, NULL, RTC(checkpoint, f->unwritable)))            \
    X(pml_rbm_train, S_IO, RTRAIN(f->ds, NULL, RTC(resume, f->missing)))                   \
    X(pml_rbm_save, S_IO, pml_rbm_save(f->rbm, f->unwritable, NULL))                       \
    X(pml_rbm_load, S_IO, RLOAD(f->dev, f->missing, 4))

#define RBM_CASES(X)                                                                       \
    RBM_DELEGATED(X)                                                                       \
    X(pml_rbm_create, S_INVALID, pml_rbm_create(f->dev, 6, 4, 4, 1, NULL))                 \
    X(pml_rbm_create, S_INVALID, RCREATE(NULL, 6, 4, 4))                                   \
    X(pml_rbm_create, S_INVALID, RCREATE(f->dev, 0, 4, 4))                                 \
    X(pml_rbm_create, S_INVALID, RCREATE(f->dev, -1, 4, 4))                                \
    X(pml_rbm_create, S_INVALID, RCREATE(f->dev, TWO24 + 1, 4, 4))                         \
    X(pml_rbm_create, S_INVALID, RCREATE(f->dev, 6, 0, 4))                                 \
    X(pml_rbm_create, S_INVALID, RCREATE(f->dev, 6, TWO24 + 1, 4))                         \
    X(pml_rbm_create, S_INVALID, RCREATE(f->dev, 6, 4, 0))                                 \
    X(pml_rbm_create, S_INVALID, RCREATE(f->dev, 6, 4, TWO24 + 1))                         \
    X(pml_rbm_create, S_INVALID, /* 2^48 weights */ RCREATE(f->dev, TWO24, TWO24, 1))      \
    X(pml_rbm_create, S_OK, RCREATE(f->dev, 6, 4, 4))                                      \
    PARSE_CASES(X, pml_rbm_binarize_parse, "sample", "SAMPLE", &f->rbin)                   \
    PARSE_CASES(X, pml_rbm_method_parse, "pcd", "PCD", &f->rmethod)                        \
    X(pml_rbm_init_visible_bias, S_INVALID, pml_rbm_init_visible_bias(NULL, f->ds, THR, 0.5)) \
    X(pml_rbm_init_visible_bias, S_OK, INITVB(f->ds, THR, 0.5))                            \
    X(pml_rbm_init_visible_bias, S_OK, INITVB(f->ds, PML_RBM_SAMPLE, 0.0))                 \
    X(pml_rbm_hidden_probs, S_INVALID, pml_rbm_hidden_probs(NULL, f->x, 4, f->rh))         \
    X(pml_rbm_hidden_probs, S_INVALID, HPROBS(NULL, 4, f->rh))                             \
    X(pml_rbm_hidden_probs, S_INVALID, HPROBS(f->x, 4, NULL))                              \
    X(pml_rbm_hidden_probs, S_INVALID, HPROBS(f->x, 0, f->rh))                             \
    X(pml_rbm_hidden_probs, S_INVALID, HPROBS(f->x, -1, f->rh))                            \
    X(pml_rbm_hidden_probs, S_INVALID, HPROBS(f->x, 5, f->rh))                             \
    X(pml_rbm_hidden_probs, S_INVALID, HPROBS(f->d64, 1, f->rh))                           \
    X(pml_rbm_hidden_probs, S_INVALID, HPROBS(f->x26, 4, f->rh))                           \
    X(pml_rbm_hidden_probs, S_MISMATCH, HPROBS(f->far, 1, f->rh))                          \
    X(pml_rbm_hidden_probs, S_INVALID, HPROBS(f->x, 1, f->d64))                            \
    X(pml_rbm_hidden_probs, S_INVALID, HPROBS(f->x, 4, f->c))                              \
    X(pml_rbm_hidden_probs, S_MISMATCH, HPROBS(f->x, 1, f->far))                           \
    X(pml_rbm_hidden_probs, S_OK, HPROBS(f->x, 4, f->rh))                                  \
    X(pml_rbm_visible_probs, S_INVALID, pml_rbm_visible_probs(NULL, f->rh, 4, f->x))       \
    X(pml_rbm_visible_probs, S_INVALID, VPROBS(NULL, 4, f->x))                             \
    X(pml_rbm_visible_probs, S_INVALID, VPROBS(f->rh, 4, NULL))                            \
    X(pml_rbm_visible_probs, S_INVALID, VPROBS(f->rh, 0, f->x))                            \
    X(pml_rbm_visible_probs, S_INVALID, VPROBS(f->rh, 5, f->x))                            \
    X(pml_rbm_visible_probs, S_INVALID, VPROBS(f->d64, 1, f->x))                           \
    X(pml_rbm_visible_probs, S_INVALID, VPROBS(f->c, 4, f->x))                             \
    X(pml_rbm_visible_probs, S_MISMATCH, VPROBS(f->far, 1, f->x))                          \
    X(pml_rbm_visible_probs, S_INVALID, VPROBS(f->rh, 1, f->d64))                          \
    X(pml_rbm_visible_probs, S_INVALID, VPROBS(f->rh, 4, f->x26))                          \
    X(pml_rbm_visible_probs, S_MISMATCH, VPROBS(f->rh, 1, f->far))                         \
    X(pml_rbm_visible_probs, S_OK, VPROBS(f->rh, 4, f->x))                                 \
    X(pml_rbm_free_energy, S_INVALID, pml_rbm_free_energy(NULL, f->x, 4, f->rout))         \
    X(pml_rbm_free_energy, S_INVALID, FREE_E(NULL, 4, f->rout))                            \
    X(pml_rbm_free_energy, S_INVALID, FREE_E(f->x, 4, NULL))                               \
    X(pml_rbm_free_energy, S_INVALID, FREE_E(f->x, 0, f->rout))                            \
    X(pml_rbm_free_energy, S_INVALID, FREE_E(f->x, 5, f->rout))                            \
    X(pml_rbm_free_energy, S_INVALID, FREE_E(f->d64, 1, f->rout))                          \
    X(pml_rbm_free_energy, S_INVALID, FREE_E(f->x26, 3, f->rout))                          \
    X(pml_rbm_free_energy, S_MISMATCH, FREE_E(f->far, 1, f->rout))                         \
    X(pml_rbm_free_energy, S_OK, FREE_E(f->x, 4, f->rout))                                 \
    X(pml_rbm_energy, S_INVALID, pml_rbm_energy(NULL, f->x, f->rh, 4, f->rout))            \
    X(pml_rbm_energy, S_INVALID, ENERGY(NULL, f->rh, 4, f->rout))                          \
    X(pml_rbm_energy, S_INVALID, ENERGY(f->x, NULL, 4, f->rout))                           \
    X(pml_rbm_energy, S_INVALID, ENERGY(f->x, f->rh, 4, NULL))                             \
    X(pml_rbm_energy, S_INVALID, ENERGY(f->x, f->rh, 0, f->rout))                          \
    X(pml_rbm_energy, S_INVALID, ENERGY(f->x, f->rh, 5, f->rout))                          \
    X(pml_rbm_energy, S_INVALID, ENERGY(f->d64, f->rh, 1, f->rout))                        \
    X(pml_rbm_energy, S_INVALID, ENERGY(f->x, f->d64, 1, f->rout))                         \
    X(pml_rbm_energy, S_INVALID, ENERGY(f->x, f->c, 2, f->rout))                           \
    X(pml_rbm_energy, S_MISMATCH, ENERGY(f->far, f->rh, 1, f->rout))                       \
    X(pml_rbm_energy, S_MISMATCH, ENERGY(f->x, f->far, 1, f->rout))                        \
    X(pml_rbm_energy, S_OK, ENERGY(f->x, f->rh, 4, f->rout))                               \
    X(pml_rbm_gibbs, S_INVALID, pml_rbm_gibbs(NULL, f->x, 4, 1, &f->rgo))                  \
    X(pml_rbm_gibbs, S_INVALID, GIBBS(NULL, 4, 1, &f->rgo))                                \
    X(pml_rbm_gibbs, S_INVALID, GIBBS(f->x, 4, 1, NULL))                                   \
    X(pml_rbm_gibbs, S_INVALID, GIBBS(f->x, 0, 1, &f->rgo))                                \
    X(pml_rbm_gibbs, S_INVALID, GIBBS(f->x, 5, 1, &f->rgo))                                \
    X(pml_rbm_gibbs, S_INVALID, GIBBS(f->x, 4, 0, &f->rgo))                                \
    X(pml_rbm_gibbs, S_INVALID, GIBBS(f->x, 4, -1, &f->rgo))                               \
    X(pml_rbm_gibbs, S_INVALID, GIBBS(f->d64, 1, 1, &f->rgo))                              \
    X(pml_rbm_gibbs, S_INVALID, GIBBS(f->x26, 4, 1, &f->rgo))                              \
    X(pml_rbm_gibbs, S_MISMATCH, GIBBS(f->far, 1, 1, &f->rgo))                             \
    X(pml_rbm_gibbs, S_INVALID, GIBBS(f->x, 4, 1, RGO(chain0, UINT64_MAX - 1)))            \
    X(pml_rbm_gibbs, S_INVALID, GIBBS(f->x, 4, 1, RGO(step0, UINT64_MAX - 1)))             \
    X(pml_rbm_gibbs, S_INVALID, GIBBS(f->x, 1, 1, RGO(keep, f->d64)))                      \
    X(pml_rbm_gibbs, S_INVALID, GIBBS(f->x, 4, 1, RGO(keep, f->x26)))                      \
    X(pml_rbm_gibbs, S_MISMATCH, GIBBS(f->x, 1, 1, RGO(keep, f->far)))                     \
    X(pml_rbm_gibbs, S_INVALID, GIBBS(f->x, 1, 1, RGO(h, f->d64)))                         \
    X(pml_rbm_gibbs, S_INVALID, GIBBS(f->x, 4, 1, RGO(h, f->c)))                           \
    X(pml_rbm_gibbs, S_MISMATCH, GIBBS(f->x, 1, 1, RGO(h, f->far)))                        \
    X(pml_rbm_gibbs, S_INVALID, GIBBS(f->x, 1, 1, RGO(pv, f->d64)))                        \
    X(pml_rbm_gibbs, S_INVALID, GIBBS(f->x, 4, 1, RGO(pv, f->x26)))                        \
    X(pml_rbm_gibbs, S_MISMATCH, GIBBS(f->x, 1, 1, RGO(pv, f->far)))                       \
    X(pml_rbm_gibbs, S_OK, GIBBS(f->x, 4, 2, &f->rgo))                                     \
    X(pml_rbm_gibbs, S_OK, GIBBS_ALL)                                                      \
    X(pml_rbm_sample, S_INVALID, pml_rbm_sample(NULL, f->x, 4, 1, 1, NULL))                \
    X(pml_rbm_sample, S_INVALID, SAMPLE(NULL, 4, 1, NULL))                                 \
    X(pml_rbm_sample, S_INVALID, SAMPLE(f->x, 0, 1, NULL))                                 \
    X(pml_rbm_sample, S_INVALID, SAMPLE(f->x, 5, 1, NULL))                                 \
    X(pml_rbm_sample, S_INVALID, SAMPLE(f->d64, 1, 1, NULL))                               \
    X(pml_rbm_sample, S_INVALID, SAMPLE(f->x26, 4, 1, NULL))                               \
    X(pml_rbm_sample, S_MISMATCH, SAMPLE(f->far, 1, 1, NULL))                              \
    X(pml_rbm_sample, S_OK, SAMPLE(f->x, 4, 2, NULL))                                      \
    X(pml_rbm_sample, S_OK, SAMPLE(f->x, 2, 1, f->x26))                                    \
    X(pml_rbm_train, S_INVALID, pml_rbm_train(NULL, f->ds, NULL, &f->rtc, &f->rres))       \
    X(pml_rbm_train, S_INVALID, RTRAIN(NULL, NULL, &f->rtc))                               \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, NULL))                                 \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC(method, (pml_rbm_method)7)))       \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC(method, (pml_rbm_method)-1)))      \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC(k, 0)))                            \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC(k, 100001)))                       \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC2(method, PML_RBM_PCD, chains, -1))) \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC(chains, TWO24 + 1)))               \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC2(method, PML_RBM_PCD, pt, 65)))    \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC2(method, PML_RBM_PCD, pt, -1)))    \
    X(pml_rbm_train, S_INVALID, /* tempering without persistent chains */                  \
      RTRAIN(f->ds, NULL, RTC(pt, 2)))                                                     \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, PT2(0.0)))                             \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, PT2(1.0)))                             \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, PT2(NAN)))                             \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC(epochs, 0)))                       \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC(batch, 0)))                        \
    X(pml_rbm_train, S_INVALID, /* above the model's max_batch 4 */                        \
      RTRAIN(f->ds, NULL, RTC(batch, 5)))                                                  \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC(lr, 0.0)))                         \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC(lr, -0.1)))                        \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC(lr, NAN)))                         \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC(lr, INFINITY)))                    \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC(momentum, 1.0)))                   \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC(momentum, -0.1)))                  \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC(momentum, NAN)))                   \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC(weight_decay, -1.0)))              \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC(weight_decay, NAN)))               \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC(binarize, (pml_rbm_binarize)7)))   \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC(threshold, 1.0)))                  \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC(threshold, -0.5)))                 \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC(threshold, NAN)))                  \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, NULL, RTC(monitor_rows, -1)))                \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds_wide, NULL, &f->rtc))                         \
    X(pml_rbm_train, S_INVALID, RTRAIN(f->ds, f->ds_wide, &f->rtc))                        \
    X(pml_rbm_train, S_OK, RTRAIN(f->ds, NULL, &f->rtc))                                   \
    X(pml_rbm_train, S_OK, pml_rbm_train(f->rbm, f->ds, f->ds, &f->rtc, NULL))             \
    X(pml_rbm_train, S_OK, RTRAIN(f->ds, f->ds, PT2(0.5)))                                 \
    X(pml_rbm_train, S_OK, /* monitors over one whole batch of 4 */                        \
      RTRAIN(f->ds, f->ds, RTC2(monitor_rows, 4, binarize, PML_RBM_SAMPLE)))               \
    X(pml_rbm_train, S_OK, /* monitors over 2 examples: a partial batch */                 \
      RTRAIN(f->ds, f->ds, RTC2(monitor_rows, 2, binarize, PML_RBM_SAMPLE)))               \
    X(pml_rbm_fingerprint, S_INVALID, pml_rbm_fingerprint(NULL, &f->u64))                  \
    X(pml_rbm_fingerprint, S_INVALID, pml_rbm_fingerprint(f->rbm, NULL))                   \
    X(pml_rbm_fingerprint, S_OK, pml_rbm_fingerprint(f->rbm, &f->u64))                     \
    X(pml_rbm_logz_exact, S_INVALID, pml_rbm_logz_exact(NULL, &f->dval))                   \
    X(pml_rbm_logz_exact, S_INVALID, pml_rbm_logz_exact(f->rbm, NULL))                     \
    X(pml_rbm_logz_exact, S_INVALID, /* 25 x 25: 2^25 states */                            \
      pml_rbm_logz_exact(f->rbm_big, &f->dval))                                            \
    X(pml_rbm_logz_exact, S_OK, pml_rbm_logz_exact(f->rbm, &f->dval))                      \
    X(pml_rbm_logz_ais, S_INVALID, pml_rbm_logz_ais(NULL, 4, 10, NULL, 1, &f->rais))       \
    X(pml_rbm_logz_ais, S_INVALID, pml_rbm_logz_ais(f->rbm, 4, 10, NULL, 1, NULL))         \
    X(pml_rbm_logz_ais, S_INVALID, AIS(1, 10, NULL))                                       \
    X(pml_rbm_logz_ais, S_INVALID, AIS(0, 10, NULL))                                       \
    X(pml_rbm_logz_ais, S_INVALID, AIS(((int64_t)1 << 20) + 1, 10, NULL))                  \
    X(pml_rbm_logz_ais, S_INVALID, AIS(4, 0, NULL))                                        \
    X(pml_rbm_logz_ais, S_INVALID, AIS(4, -1, NULL))                                       \
    X(pml_rbm_logz_ais, S_INVALID, AIS(4, TWO24 + 1, NULL))                                \
    X(pml_rbm_logz_ais, S_INVALID, AIS(4, 10, f->d64))                                     \
    X(pml_rbm_logz_ais, S_INVALID, AIS(4, 10, f->c))                                       \
    X(pml_rbm_logz_ais, S_MISMATCH, AIS(4, 10, f->far))                                    \
    X(pml_rbm_logz_ais, S_OK, AIS(4, 10, NULL))                                            \
    X(pml_rbm_logz_ais, S_OK, AIS(2, 1, f->v6))                                            \
    X(pml_rbm_logz_ais_resumable, S_INVALID,                                               \
      pml_rbm_logz_ais_resumable(NULL, 4, 10, NULL, 1, NULL, &f->rais))                    \
    X(pml_rbm_logz_ais_resumable, S_INVALID,                                               \
      pml_rbm_logz_ais_resumable(f->rbm, 4, 10, NULL, 1, NULL, NULL))                      \
    X(pml_rbm_logz_ais_resumable, S_INVALID,                                               \
      pml_rbm_logz_ais_resumable(f->rbm, 1, 10, NULL, 1, NULL, &f->rais))                  \
    X(pml_rbm_logz_ais_resumable, S_INVALID,                                               \
      pml_rbm_logz_ais_resumable(f->rbm, 4, 0, NULL, 1, NULL, &f->rais))                   \
    X(pml_rbm_logz_ais_resumable, S_INVALID, AISR(f->d64, .path = NULL))                   \
    X(pml_rbm_logz_ais_resumable, S_MISMATCH, AISR(f->far, .path = NULL))                  \
    X(pml_rbm_logz_ais_resumable, S_INVALID, AISR(NULL, .path = f->path, .every = 0))      \
    X(pml_rbm_logz_ais_resumable, S_INVALID, AISR(NULL, .path = f->path, .every = -1))     \
    X(pml_rbm_logz_ais_resumable, S_INVALID, /* stopped with nowhere to write the state */ \
      AISR(NULL, .stop_after = 3))                                                         \
    X(pml_rbm_logz_ais_resumable, S_INVALID,                                               \
      AISR(NULL, .path = f->path, .every = 1, .stop_after = -1))                           \
    X(pml_rbm_logz_ais_resumable, S_IO, AISR(NULL, .path = f->unwritable, .every = 1))     \
    X(pml_rbm_logz_ais_resumable, S_IO, AISR(NULL, .resume = f->missing))                  \
    X(pml_rbm_logz_ais_resumable, S_BAD_FORMAT, /* a model file */                         \
      AISR(NULL, .resume = f->rbm_path))                                                   \
    X(pml_rbm_logz_ais_resumable, S_OK,                                                    \
      pml_rbm_logz_ais_resumable(f->rbm, 4, 10, NULL, 1, NULL, &f->rais))                  \
    X(pml_rbm_logz_ais_resumable, S_OK, AISR(f->v6, .path = f->path, .every = 3,           \
                                              .stop_after = 5))                            \
    X(pml_rbm_logz_ais_resumable, S_INVALID, /* the checkpoint above: another seed */      \
      pml_rbm_logz_ais_resumable(f->rbm, 4, 10, f->v6, 2, AISCK(.resume = f->path),        \
                                 &f->rais))                                                \
    X(pml_rbm_logz_ais_resumable, S_OK, AISR(f->v6, .path = f->path, .every = 3,           \
                                              .resume = f->path))                          \
    X(pml_rbm_base_rate, S_INVALID, pml_rbm_base_rate(NULL, f->ds, THR, 0.5, f->v6))       \
    X(pml_rbm_base_rate, S_INVALID, BASE(NULL, THR, 0.5, f->v6))                           \
    X(pml_rbm_base_rate, S_INVALID, BASE(f->ds, (pml_rbm_binarize)7, 0.5, f->v6))          \
    X(pml_rbm_base_rate, S_INVALID, BASE(f->ds, (pml_rbm_binarize)-1, 0.5, f->v6))         \
    X(pml_rbm_base_rate, S_INVALID, BASE(f->ds, THR, 1.0, f->v6))                          \
    X(pml_rbm_base_rate, S_INVALID, BASE(f->ds, THR, -0.1, f->v6))                         \
    X(pml_rbm_base_rate, S_INVALID, BASE(f->ds, THR, NAN, f->v6))                          \
    X(pml_rbm_base_rate, S_MISMATCH, BASE(f->ds_far, THR, 0.5, f->v6))                     \
    X(pml_rbm_base_rate, S_INVALID, BASE(f->ds_wide, THR, 0.5, f->v6))                     \
    X(pml_rbm_base_rate, S_INVALID, BASE(f->ds, THR, 0.5, NULL))                           \
    X(pml_rbm_base_rate, S_INVALID, BASE(f->ds, THR, 0.5, f->d64))                         \
    X(pml_rbm_base_rate, S_INVALID, BASE(f->ds, THR, 0.5, f->c))                           \
    X(pml_rbm_base_rate, S_MISMATCH, BASE(f->ds, THR, 0.5, f->far))                        \
    X(pml_rbm_base_rate, S_OK, BASE(f->ds, THR, 0.5, f->v6))                               \
    X(pml_rbm_base_rate, S_OK, BASE(f->ds, PML_RBM_SAMPLE, 0.0, f->v6))                    \
    X(pml_rbm_base_rate, S_OK, BASE(f->ds, PML_RBM_ASIS, 0.0, f->v6))                      \
    X(pml_rbm_mean_logprob, S_INVALID,                                                     \
      pml_rbm_mean_logprob(NULL, f->ds, THR, 0.5, 0, 0.0, &f->dval, &f->dval2))            \
    X(pml_rbm_mean_logprob, S_INVALID, LOGP(NULL, THR, 0.5, 0.0))                          \
    X(pml_rbm_mean_logprob, S_INVALID,                                                     \
      pml_rbm_mean_logprob(f->rbm, f->ds, THR, 0.5, 0, 0.0, NULL, &f->dval2))              \
    X(pml_rbm_mean_logprob, S_INVALID, LOGP(f->ds, THR, 0.5, NAN))                         \
    X(pml_rbm_mean_logprob, S_INVALID, LOGP(f->ds, THR, 0.5, INFINITY))                    \
    X(pml_rbm_mean_logprob, S_INVALID, LOGP(f->ds, (pml_rbm_binarize)7, 0.5, 0.0))         \
    X(pml_rbm_mean_logprob, S_INVALID, LOGP(f->ds, THR, 1.0, 0.0))                         \
    X(pml_rbm_mean_logprob, S_INVALID, LOGP(f->ds, THR, NAN, 0.0))                         \
    X(pml_rbm_mean_logprob, S_MISMATCH, LOGP(f->ds_far, THR, 0.5, 0.0))                    \
    X(pml_rbm_mean_logprob, S_INVALID, LOGP(f->ds_wide, THR, 0.5, 0.0))                    \
    X(pml_rbm_mean_logprob, S_OK, LOGP(f->ds, THR, 0.5, 3.0))                              \
    X(pml_rbm_mean_logprob, S_OK, /* no standard error */                                  \
      pml_rbm_mean_logprob(f->rbm, f->ds, PML_RBM_ASIS, 0.0, 0, 3.0, &f->dval, NULL))      \
    X(pml_rbm_mean_logprob, S_OK, /* the first 4 examples: one whole batch */              \
      pml_rbm_mean_logprob(f->rbm, f->ds, PML_RBM_SAMPLE, 0.0, 4, 3.0, &f->dval, NULL))    \
    X(pml_rbm_mean_logprob, S_OK, /* the first 2 examples: a partial batch */              \
      pml_rbm_mean_logprob(f->rbm, f->ds, PML_RBM_ASIS, 0.0, 2, 3.0, &f->dval, NULL))      \
    X(pml_rbm_save, S_INVALID, pml_rbm_save(NULL, f->path, NULL))                          \
    X(pml_rbm_save, S_INVALID, pml_rbm_save(f->rbm, NULL, NULL))                           \
    X(pml_rbm_save, S_INVALID, pml_rbm_save(f->rbm, f->path, many_meta))                   \
    X(pml_rbm_save, S_OK, pml_rbm_save(f->rbm, f->path, STRINGS("note", "api_args", NULL))) \
    X(pml_rbm_load, S_INVALID, pml_rbm_load(f->dev, f->rbm_path, 4, NULL))                 \
    X(pml_rbm_load, S_INVALID, RLOAD(NULL, f->rbm_path, 4))                                \
    X(pml_rbm_load, S_INVALID, RLOAD(f->dev, NULL, 4))                                     \
    X(pml_rbm_load, S_INVALID, RLOAD(f->dev, f->rbm_path, 0))                              \
    X(pml_rbm_load, S_INVALID, RLOAD(f->dev, f->rbm_path, TWO24 + 1))                      \
    X(pml_rbm_load, S_BAD_FORMAT, /* a dense model: no tensor 'weight' */                  \
      RLOAD(f->dev, f->model_path, 4))                                                     \
    X(pml_rbm_load, S_BAD_FORMAT, RLOAD(f->dev, f->rbm_bad_path, 4))                       \
    X(pml_rbm_load, S_BAD_FORMAT, RLOAD(f->dev, f->rbm_shape_path, 4))                     \
    X(pml_rbm_load, S_OK, RLOAD(f->dev, f->rbm_path, 4))                                   \
    X(pml_rbm_load, S_OK, RLOAD(f->dev2, f->rbm_path, 1))

#define RBM_CHECKS(Y)                                                                      \
    Y(pml_rbm_destroy, (pml_rbm_destroy(NULL), 1))                                         \
    Y(pml_rbm_device, pml_rbm_device(NULL) == NULL)                                        \
    Y(pml_rbm_device, pml_rbm_device(f->rbm) == f->dev)                                    \
    Y(pml_rbm_visible, pml_rbm_visible(NULL) == 0)                                         \
    Y(pml_rbm_visible, pml_rbm_visible(f->rbm) == 6)                                       \
    Y(pml_rbm_hidden, pml_rbm_hidden(NULL) == 0)                                           \
    Y(pml_rbm_hidden, pml_rbm_hidden(f->rbm) == 4)                                         \
    Y(pml_rbm_max_batch, pml_rbm_max_batch(NULL) == 0)                                     \
    Y(pml_rbm_max_batch, pml_rbm_max_batch(f->rbm) == 4)                                   \
    Y(pml_rbm_weight, pml_rbm_weight(NULL) == NULL)                                        \
    Y(pml_rbm_visible_bias, pml_rbm_visible_bias(NULL) == NULL)                            \
    Y(pml_rbm_hidden_bias, pml_rbm_hidden_bias(NULL) == NULL)                              \
    Y(pml_rbm_binarize_name, strcmp(pml_rbm_binarize_name((pml_rbm_binarize)9), "?") == 0) \
    Y(pml_rbm_binarize_name, strcmp(pml_rbm_binarize_name((pml_rbm_binarize)-1), "?") == 0) \
    Y(pml_rbm_binarize_name, strcmp(pml_rbm_binarize_name(PML_RBM_ASIS), "asis") == 0)     \
    Y(pml_rbm_method_name, strcmp(pml_rbm_method_name((pml_rbm_method)9), "?") == 0)       \
    Y(pml_rbm_method_name, strcmp(pml_rbm_method_name(PML_RBM_PCD), "pcd") == 0)           \
    Y(pml_rbm_train_defaults, pml_rbm_train_defaults().k == 1)                             \
    Y(pml_rbm_train_result_free, (pml_rbm_train_result_free(NULL), 1))
DEFINE_GROUP(rbm_h, "rbm.h", RBM_CASES, RBM_CHECKS)
