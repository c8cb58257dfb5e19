/* Autoencoders (include/physml/autoencoder.h): the VAE's KL and reparameterisation gradients
 * against central differences, the ELBO of a linear-Gaussian VAE against its closed form, the
 * IWAE bound growing with k, a denoising autoencoder beating its noisy input, anomaly AUC,
 * the ROC's arithmetic, files, and the errors that name the parameter. CPU only; the CUDA
 * comparison is tests/parity_ae_test.c. */
#include <math.h>
#include <string.h>

#include "nn/gauss.h"
#include "pml_test.h"
#include "physml/autoencoder.h"


/* the first nbytes of t (a model's buffer of max_batch rows) */
static void down(const pml_tensor *t, void *buf, size_t nbytes)
{
    pml_tensor *v = NULL;
    const int64_t n = (int64_t)(nbytes / 4);
    PML_ASSERT_OK(pml_tensor_view((pml_tensor *)t, 0, 1, &n, &v));
    PML_ASSERT_OK(pml_tensor_download(v, buf, nbytes));
    pml_tensor_destroy(v);
}

/* ---- gradients: one gauss layer between two dense layers, in double ------------------------ */

/* L(theta) = BCE_logits(decoder(z), t) + beta KL, eps fixed by (seed, step): the model's
 * forward in training mode at the same step draws the same eps every time. */
static double vae_loss(pml_model *m, pml_gauss_layer *g, const pml_tensor *x, const pml_tensor *t,
                       int64_t batch, double beta, pml_tensor *dy)
{
    const pml_tensor *y = NULL;
    PML_ASSERT_OK(pml_model_set_training(m, 1, 11, 5));
    PML_ASSERT_OK(pml_model_forward(m, x, batch, &y));
    double loss = 0.0, kl = 0.0;
    PML_ASSERT_OK(pml_loss_compute(PML_LOSS_BCE_LOGITS, PML_REDUCE_SUM, y, NULL, t, batch, &loss,
                                   dy, NULL));
    PML_ASSERT_OK(pml_tensor_download(g->kl, &kl, sizeof kl));
    return loss * (double)batch + beta * kl;
}

Test(ae, vae_gradients_match_central_differences)
{
    pml_device *dev = pml_test_open_cpu();
    const int64_t in = 5, batch = 3;
    const double beta = 0.7;
    pml_model *m = NULL;
    PML_ASSERT_OK(pml_model_create(dev, PML_F64, in, batch, &m));
    PML_ASSERT_OK(pml_model_add_spec(m, "dense:4,tanh,gauss,dense:6,tanh,dense:5", PML_INIT_XAVIER,
                                     0.0f, 3));
    PML_ASSERT_OK(pml_model_keep_input_grad(m, 1));
    int gi = -1;
    pml_gauss_layer *g = pml_gauss_find(m, &gi);
    cr_assert(g != NULL && gi == 1, "the gauss layer is unit 1 (dense+tanh fused before it)");
    double xh[15], th[15];
    for (int i = 0; i < 15; ++i) {
        xh[i] = sin(1.3 * i) * 0.8;
        th[i] = 0.5 + 0.45 * cos(0.7 * i);
    }
    pml_tensor *x = pml_test_tensor(dev, PML_F64, 2, (int64_t[]){batch, in}, xh);
    pml_tensor *t = pml_test_tensor(dev, PML_F64, 2, (int64_t[]){batch, in}, th);
    pml_tensor *dy = NULL;
    PML_ASSERT_OK(pml_tensor_create_2d(dev, PML_F64, batch, in, &dy));
    g->kl_scale = beta; /* sum reduction: beta times dKL */
    vae_loss(m, g, x, t, batch, beta, dy);
    PML_ASSERT_OK(pml_model_backward(m, dy, batch));
    /* every parameter, and the input */
    const int np = pml_model_num_param_tensors(m);
    int checked = 0;
    for (int p = 0; p <= np; ++p) {
        pml_tensor *param = NULL, *grad = NULL;
        if (p < np) {
            PML_ASSERT_OK(pml_model_param_tensor(m, p, NULL, &param, &grad));
        } else {
            param = x;
            grad = (pml_tensor *)pml_model_input_grad(m);
        }
        const int64_t n = pml_tensor_numel(param);
        double *v = pml_tensor_data(param), *gv = malloc((size_t)n * sizeof *gv);
        memcpy(gv, pml_tensor_data(grad), (size_t)n * sizeof *gv);
        for (int64_t i = 0; i < n; ++i) {
            const double keep = v[i], h = 1e-6;
            v[i] = keep + h;
            const double lp = vae_loss(m, g, x, t, batch, beta, NULL);
            v[i] = keep - h;
            const double lm = vae_loss(m, g, x, t, batch, beta, NULL);
            v[i] = keep;
            const double fd = (lp - lm) / (2 * h);
            cr_expect(fabs(fd - gv[i]) <= 1e-6 + 1e-5 * fabs(fd),
                      "tensor %d element %lld: backprop %.10g, central difference %.10g", p,
                      (long long)i, gv[i], fd);
            ++checked;
        }
        free(gv);
    }
    cr_expect(checked > 60);
    pml_tensor_destroy(dy);
    pml_tensor_destroy(t);
    pml_tensor_destroy(x);
    pml_model_destroy(m);
    pml_device_close(dev);
}

/* ---- the ELBO of a linear-Gaussian VAE in closed form ----------------------------------------
 * Encoder mu = A x + a, log sigma^2 = c (weights 0, bias c); decoder y = W z + b, Gaussian of
 * standard deviation s. E_q ||x - W z - b||^2 = ||x - W mu - b||^2 + sum_j e^{c_j} ||W_:j||^2,
 * so ELBO(x) = -(that / (2 s^2) + (n/2) log(2 pi s^2)) - 1/2 sum_j (mu_j^2 + e^{c_j} - 1 - c_j). */
static void set_param(pml_model *m, int i, const float *v, size_t n)
{
    pml_tensor *p = NULL;
    PML_ASSERT_OK(pml_model_param_tensor(m, i, NULL, &p, NULL));
    cr_assert_eq((size_t)pml_tensor_numel(p), n);
    PML_ASSERT_OK(pml_tensor_upload(p, v, n * sizeof *v));
}

Test(ae, linear_gaussian_vae_elbo_is_the_closed_form)
{
    pml_device *dev = pml_test_open_cpu();
    enum { N = 1024, F = 4, D = 2 };
    uint8_t img[N * F], lab[N];
    static const uint8_t protos[3][F] = {{10, 200, 30, 120}, {250, 0, 90, 60}, {128, 128, 5, 240}};
    for (int i = 0; i < N; ++i) {
        lab[i] = (uint8_t)(i % 3);
        memcpy(img + i * F, protos[i % 3], F);
    }
    pml_dataset *ds = NULL;
    PML_ASSERT_OK(pml_dataset_from_host(dev, N, 2, 2, img, lab, 3, &ds));
    pml_ae_config c = pml_ae_defaults();
    c.encoder = "dense:4";
    c.decoder = "dense:4";
    c.vae = 1;
    c.loss = PML_LOSS_MSE;
    c.sigma = 0.5;
    pml_autoencoder *ae = NULL;
    PML_ASSERT_OK(pml_ae_create(dev, 1, (int64_t[]){F}, 128, &c, 1, &ae));
    pml_model *m = pml_ae_model(ae);
    /* encoder weight [2D x F]: rows 0..D-1 give mu, rows D.. give log sigma^2 (zero weights) */
    const float A[2 * D * F] = {0.5f, -0.3f, 0.2f, 0.1f, -0.4f, 0.6f, 0.3f, -0.2f,
                                0, 0, 0, 0, 0, 0, 0, 0};
    const float ab[2 * D] = {0.1f, -0.2f, -1.0f, -0.3f};
    const float W[F * D] = {0.8f, -0.5f, 0.3f, 0.9f, -0.6f, 0.4f, 0.2f, 0.7f};
    const float bb[F] = {0.4f, 0.5f, 0.3f, 0.6f};
    set_param(m, 0, A, 2 * D * F);
    set_param(m, 1, ab, 2 * D);
    set_param(m, 2, W, F * D);
    set_param(m, 3, bb, F);
    double exact = 0.0;
    for (int k = 0; k < 3; ++k) {
        double x[F], mu[D], q = 0.0, kl = 0.0;
        for (int j = 0; j < F; ++j) x[j] = (double)(float)((float)protos[k][j] / 255.0f);
        for (int d = 0; d < D; ++d) {
            mu[d] = ab[d];
            for (int j = 0; j < F; ++j) mu[d] += (double)A[d * F + j] * x[j];
            kl += 0.5 * (mu[d] * mu[d] + exp(ab[D + d]) - 1.0 - ab[D + d]);
        }
        for (int j = 0; j < F; ++j) {
            double y = bb[j];
            for (int d = 0; d < D; ++d) y += (double)W[j * D + d] * mu[d];
            q += (x[j] - y) * (x[j] - y);
            for (int d = 0; d < D; ++d) q += exp(ab[D + d]) * (double)W[j * D + d] * W[j * D + d];
        }
        const double s2 = 0.25;
        exact += -(q / (2 * s2) + 0.5 * F * log(2 * 3.14159265358979323846 * s2)) - kl;
    }
    exact /= 3.0;
    /* eight independent estimates (N draws each): their mean within 4 standard errors */
    double est[8], mean = 0.0, var = 0.0;
    for (int s = 0; s < 8; ++s) {
        pml_vae_figures fig;
        PML_ASSERT_OK(pml_vae_evaluate(ae, ds, PML_SCALE_UNIT, 1, 100 + (uint64_t)s, &fig));
        est[s] = fig.elbo;
        mean += est[s] / 8;
        cr_expect(fabs(fig.elbo + fig.recon + fig.kl) < 1e-9, "elbo = -(recon + kl)");
    }
    for (int s = 0; s < 8; ++s) var += (est[s] - mean) * (est[s] - mean) / 7;
    const double se = sqrt(var / 8);
    cr_expect(se > 0 && fabs(mean - exact) < 4 * se + 1e-6,
              "ELBO estimate %.6f +- %.6f, closed form %.6f", mean, se, exact);
    pml_ae_destroy(ae);
    pml_dataset_destroy(ds);
    pml_device_close(dev);
}

/* ---- training: VAE, IWAE, denoising, anomaly ------------------------------------------------ */
/* An autoencoder of 16-element examples made from c (max_batch mb, seed), trained by Adam at
 * 1e-2 with tc; the training's status into *st. */
static pml_autoencoder *fit(pml_device *dev, pml_dataset *ds, const pml_ae_config *c, int64_t mb,
                            uint64_t seed, const pml_train_config *tc, pml_train_result *res,
                            pml_status *st)
{
    pml_autoencoder *ae = NULL;
    PML_ASSERT_OK(pml_ae_create(dev, 1, (int64_t[]){16}, mb, c, seed, &ae));
    pml_optimizer *opt = NULL;
    pml_optim_config oc = pml_optim_defaults(PML_OPTIM_ADAM);
    oc.lr = 1e-2;
    PML_ASSERT_OK(pml_optimizer_create(dev, &oc, &opt));
    *st = pml_ae_train(ae, opt, ds, NULL, tc, res);
    pml_optimizer_destroy(opt);
    return ae;
}

static pml_autoencoder *trained(pml_device *dev, pml_dataset *ds, int vae, const char *enc,
                                const char *dec, const pml_augment *aug, int epochs,
                                pml_train_result *res)
{
    pml_ae_config c = pml_ae_defaults();
    c.encoder = enc;
    c.decoder = dec;
    c.vae = vae;
    c.loss = vae ? PML_LOSS_BCE_LOGITS : PML_LOSS_MSE;
    pml_train_config tc = pml_train_defaults();
    tc.epochs = epochs;
    tc.batch = 32;
    if (aug) tc.augment = *aug;
    pml_status st;
    pml_autoencoder *ae = fit(dev, ds, &c, 64, 7, &tc, res, &st);
    PML_ASSERT_OK(st);
    return ae;
}

Test(ae, vae_trains_and_iwae_grows_with_k)
{
    pml_device *dev = pml_test_open_cpu();
    pml_dataset *ds = pml_test_toy_dataset(dev, 1024, 3);
    pml_train_result r;
    pml_autoencoder *ae = trained(dev, ds, 1, "dense:32,relu,dense:4", "dense:32,relu,dense:16",
                                  NULL, 15, &r);
    cr_assert_eq(r.epochs_run, 15);
    const pml_epoch_stats *first = &r.history[0], *last = &r.history[14];
    cr_expect(last->train_loss < first->train_loss - 0.5, "loss %g -> %g", first->train_loss,
              last->train_loss);
    cr_expect(isfinite(last->train_kl) && last->train_kl > 0.1 && isnan(last->train_acc),
              "train_kl %g", last->train_kl);
    pml_train_result_free(&r);
    double bound[3];
    const int ks[3] = {1, 8, 64};
    for (int i = 0; i < 3; ++i) {
        pml_vae_figures fig;
        PML_ASSERT_OK(pml_vae_evaluate(ae, ds, PML_SCALE_UNIT, ks[i], 5, &fig));
        bound[i] = fig.iwae;
        cr_expect(fig.k == ks[i] && isfinite(fig.elbo));
        if (i == 0) /* the same draws: only the KL differs, sampled against analytic */
            cr_expect(fabs(fig.iwae - fig.elbo) < 0.2, "k = 1: the bound is an ELBO (%g, %g)",
                      fig.iwae, fig.elbo);
    }
    cr_expect(bound[1] > bound[0] && bound[2] > bound[1], "IWAE k = 1, 8, 64: %g %g %g",
              bound[0], bound[1], bound[2]);
    pml_ae_destroy(ae);
    pml_dataset_destroy(ds);
    pml_device_close(dev);
}

/* ---- tied weights ------------------------------------------------------------------------- */
/* A tied dense autoencoder: the decoder's dense items get tied=I mirrored, it holds only the
 * encoder's weights and every bias, trains, and saves and loads to the same reconstructions;
 * counts that do not mirror, and a VAE, are refused. */
Test(ae, tied_weights_mirror_train_and_round_trip, .init = pml_test_tmpdir_create,
     .fini = pml_test_tmpdir_remove)
{
    pml_device *dev = pml_test_open_cpu();
    pml_ae_config c = pml_ae_defaults();
    c.encoder = "dense:8,relu,dense:4";
    c.decoder = "dense:8, relu, dense:16";
    c.loss = PML_LOSS_MSE;
    c.tied = 1;
    pml_dataset *ds = pml_test_toy_dataset(dev, 512, 3);
    pml_train_config tc = pml_train_defaults();
    tc.epochs = 10;
    tc.batch = 32;
    pml_train_result r;
    pml_status st;
    pml_autoencoder *ae = fit(dev, ds, &c, 64, 7, &tc, &r, &st);
    PML_ASSERT_OK(st);
    cr_expect_str_eq(pml_ae_config_of(ae)->decoder, "dense:8:tied=2, relu, dense:16:tied=0");
    cr_expect_str_eq(pml_model_spec(pml_ae_model(ae)),
                     "dense:8,relu,dense:4,dense:8:tied=2,relu,dense:16:tied=0");
    cr_expect_eq(pml_model_param_count(pml_ae_model(ae)), 16 * 8 + 8 + 8 * 4 + 4 + 8 + 16);
    cr_expect(r.history[9].train_loss < 0.7 * r.history[0].train_loss, "loss %g -> %g",
              r.history[0].train_loss, r.history[9].train_loss);
    pml_train_result_free(&r);
    char path[512];
    snprintf(path, sizeof path, "%s", pml_test_tmppath("tied.safetensors"));
    PML_ASSERT_OK(pml_ae_save(ae, path));
    pml_autoencoder *back = NULL;
    PML_ASSERT_OK(pml_ae_load(dev, path, 64, &back));
    cr_expect(pml_ae_config_of(back)->tied == 1);
    pml_tensor *x = NULL;
    PML_ASSERT_OK(pml_tensor_create_2d(dev, PML_F32, 64, 16, &x));
    PML_ASSERT_OK(pml_dataset_batch(ds, 0, 64, PML_SCALE_UNIT, NULL, 0, 0, x, NULL));
    const pml_tensor *y1 = NULL, *y2 = NULL;
    static float h1[64 * 16], h2[64 * 16];
    PML_ASSERT_OK(pml_ae_reconstruct(ae, x, 64, &y1));
    PML_ASSERT_OK(pml_tensor_download(y1, h1, sizeof h1));
    PML_ASSERT_OK(pml_ae_reconstruct(back, x, 64, &y2));
    PML_ASSERT_OK(pml_tensor_download(y2, h2, sizeof h2));
    cr_expect(memcmp(h1, h2, sizeof h1) == 0, "the loaded tied autoencoder reconstructs otherwise");
    pml_tensor_destroy(x);
    pml_ae_destroy(back);
    pml_ae_destroy(ae);
    /* refusals */
    c.decoder = "dense:16";
    ae = (pml_autoencoder *)0x1;
    cr_expect_eq(pml_ae_create(dev, 1, (int64_t[]){16}, 8, &c, 1, &ae), PML_ERR_INVALID_ARGUMENT);
    cr_expect(strstr(pml_last_error(), "1 dense layers, the encoder 2") != NULL, "%s",
              pml_last_error());
    c.decoder = "dense:6,relu,dense:16"; /* 4 -> 6 cannot be layer 2's 8 -> 4 transposed */
    cr_expect_eq(pml_ae_create(dev, 1, (int64_t[]){16}, 8, &c, 1, &ae), PML_ERR_INVALID_ARGUMENT);
    cr_expect(strstr(pml_last_error(), "transposed") != NULL, "%s", pml_last_error());
    c.decoder = "dense:8,relu,dense:16";
    c.vae = 1;
    cr_expect_eq(pml_ae_create(dev, 1, (int64_t[]){16}, 8, &c, 1, &ae), PML_ERR_INVALID_ARGUMENT);
    cr_expect_null(ae);
    pml_dataset_destroy(ds);
    pml_device_close(dev);
}

/* ---- KL warm-up ------------------------------------------------------------------------------ */
/* A VAE on 32 toy examples, one step of 32 per epoch, trained `epochs` epochs (from `resume`,
 * into `ck`, when given) with beta and kl_warmup; its parameters into w (n floats). */
static pml_status warm_run(pml_device *dev, pml_dataset *ds, double beta, int64_t warmup,
                           int epochs, const char *ck, const char *resume, float *w, int64_t n,
                           pml_train_result *res)
{
    pml_ae_config c = pml_ae_defaults();
    c.encoder = "dense:8,relu,dense:4";
    c.decoder = "dense:8,relu,dense:16";
    c.vae = 1;
    c.beta = beta;
    c.kl_warmup = warmup;
    pml_train_config tc = pml_train_defaults();
    tc.epochs = epochs;
    tc.batch = 32;
    tc.checkpoint = ck;
    tc.resume = resume;
    pml_status s;
    pml_autoencoder *ae = fit(dev, ds, &c, 32, 3, &tc, res, &s);
    pml_model *m = pml_ae_model(ae);
    int64_t at = 0;
    for (int i = 0; s == PML_OK && i < pml_model_num_param_tensors(m); ++i) {
        pml_tensor *p = NULL;
        PML_ASSERT_OK(pml_model_param_tensor(m, i, NULL, &p, NULL));
        cr_assert(at + p->numel <= n);
        PML_ASSERT_OK(pml_tensor_download(p, w + at, pml_tensor_nbytes(p)));
        at += p->numel;
    }
    pml_ae_destroy(ae);
    return s;
}

/* The weight's ramp; a warmed-up run's first step is, bit for bit, a step with beta / W (its
 * reported loss still weighs the KL by beta); a warm-up resumes from a checkpoint to the
 * uninterrupted run's parameters, and a checkpoint of another warm-up is refused. */
Test(ae, kl_warmup_ramps_the_gradient_weight_and_resumes, .init = pml_test_tmpdir_create,
     .fini = pml_test_tmpdir_remove)
{
    pml_ae_config c = pml_ae_defaults();
    c.vae = 1;
    c.beta = 2.0;
    c.kl_warmup = 4;
    const double want[6] = {0.5, 1.0, 1.5, 2.0, 2.0, 2.0};
    for (int k = 0; k < 6; ++k)
        cr_expect(pml_ae_kl_weight(&c, (uint64_t)k) == want[k], "step %d: %g", k,
                  pml_ae_kl_weight(&c, (uint64_t)k));
    c.kl_warmup = 0;
    cr_expect(pml_ae_kl_weight(&c, 0) == 2.0 && isnan(pml_ae_kl_weight(NULL, 0)));

    pml_device *dev = pml_test_open_cpu();
    pml_dataset *ds = pml_test_toy_dataset(dev, 32, 5);
    enum { NW = 1024 };
    static float wa[NW], wb[NW], wc[NW];
    pml_train_result ra, rb, rc;
    PML_ASSERT_OK(warm_run(dev, ds, 1.0, 4, 1, NULL, NULL, wa, NW, &ra));
    PML_ASSERT_OK(warm_run(dev, ds, 0.25, 0, 1, NULL, NULL, wb, NW, &rb));
    cr_expect(memcmp(wa, wb, sizeof wa) == 0, "warm-up step 1 differs from a beta / 4 step");
    const pml_epoch_stats *a = &ra.history[0], *b = &rb.history[0];
    /* the same recon and KL; the warm-up run reports recon + 1 KL */
    cr_expect(a->train_kl == b->train_kl, "KL %.17g vs %.17g", a->train_kl, b->train_kl);
    cr_expect(fabs((a->train_loss - a->train_kl) - (b->train_loss - 0.25 * b->train_kl)) <
                  1e-9 * fabs(a->train_loss),
              "recon %.17g vs %.17g", a->train_loss - a->train_kl,
              b->train_loss - 0.25 * b->train_kl);
    pml_train_result_free(&ra);
    pml_train_result_free(&rb);

    /* 6 epochs (warm-up over 4 steps) in one run, and as 2 + 4 from a checkpoint */
    char ck[512];
    snprintf(ck, sizeof ck, "%s", pml_test_tmppath("warm.ck"));
    PML_ASSERT_OK(warm_run(dev, ds, 1.0, 4, 6, NULL, NULL, wa, NW, &ra));
    PML_ASSERT_OK(warm_run(dev, ds, 1.0, 4, 2, ck, NULL, wb, NW, &rb));
    PML_ASSERT_OK(warm_run(dev, ds, 1.0, 4, 6, NULL, ck, wc, NW, &rc));
    cr_expect(memcmp(wa, wc, sizeof wa) == 0, "the resumed warm-up differs");
    cr_expect(memcmp(wa, wb, sizeof wa) != 0, "6 epochs should differ from 2");
    pml_train_result_free(&ra);
    pml_train_result_free(&rb);
    pml_train_result_free(&rc);
    cr_expect_eq(warm_run(dev, ds, 1.0, 3, 6, NULL, ck, wc, NW, &rc), PML_ERR_INVALID_ARGUMENT);
    cr_expect(strstr(pml_last_error(), "kl_warmup") != NULL, "%s", pml_last_error());
    pml_train_result_free(&rc);
    /* and a plain autoencoder has no warm-up */
    pml_ae_config p = pml_ae_defaults();
    p.encoder = "dense:4";
    p.decoder = "dense:16";
    p.kl_warmup = 10;
    pml_autoencoder *ae = (pml_autoencoder *)0x1;
    cr_expect_eq(pml_ae_create(dev, 1, (int64_t[]){16}, 8, &p, 1, &ae), PML_ERR_INVALID_ARGUMENT);
    p.vae = 1;
    p.encoder = "dense:8";
    p.kl_warmup = -1;
    cr_expect_eq(pml_ae_create(dev, 1, (int64_t[]){16}, 8, &p, 1, &ae), PML_ERR_INVALID_ARGUMENT);
    pml_dataset_destroy(ds);
    pml_device_close(dev);
}

/* mean squared error per element between two host arrays */
static double mse(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; ++i) s += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return s / (double)n;
}

Test(ae, denoising_beats_the_noisy_input)
{
    pml_device *dev = pml_test_open_cpu();
    pml_dataset *ds = pml_test_toy_dataset(dev, 1024, 4);
    const pml_augment mask = {0, 0, 0.0f, 0.3f, 0.0f};
    pml_autoencoder *ae = trained(dev, ds, 0, "dense:32,relu,dense:6", "dense:32,relu,dense:16",
                                  &mask, 20, NULL);
    const int n = 64;
    pml_tensor *noisy = NULL, *clean = NULL;
    PML_ASSERT_OK(pml_tensor_create_2d(dev, PML_F32, n, 16, &noisy));
    PML_ASSERT_OK(pml_tensor_create_2d(dev, PML_F32, n, 16, &clean));
    PML_ASSERT_OK(pml_dataset_batch(ds, 0, n, PML_SCALE_UNIT, &mask, 99, 12345, noisy, NULL));
    PML_ASSERT_OK(pml_dataset_batch(ds, 0, n, PML_SCALE_UNIT, NULL, 0, 0, clean, NULL));
    const pml_tensor *y = NULL;
    PML_ASSERT_OK(pml_ae_reconstruct(ae, noisy, n, &y));
    float hy[64 * 16], hn[64 * 16], hc[64 * 16];
    down(y, hy, sizeof hy);
    PML_ASSERT_OK(pml_tensor_download(noisy, hn, sizeof hn));
    PML_ASSERT_OK(pml_tensor_download(clean, hc, sizeof hc));
    int masked = 0;
    for (int i = 0; i < n * 16; ++i) masked += hn[i] == 0.0f && hc[i] != 0.0f;
    cr_expect(masked > n * 16 * 0.2 && masked < n * 16 * 0.4, "%d of %d masked", masked, n * 16);
    const double before = mse(hn, hc, (size_t)n * 16), after = mse(hy, hc, (size_t)n * 16);
    cr_expect(after < 0.5 * before, "error to the clean images: noisy %g, denoised %g", before,
              after);
    pml_tensor_destroy(noisy);
    pml_tensor_destroy(clean);
    pml_ae_destroy(ae);
    pml_dataset_destroy(ds);
    pml_device_close(dev);
}

/* the toy set's classes 0..2 train; class 3 (a bright quadrant never seen) is the anomaly */
Test(ae, anomaly_auc_of_a_held_out_class)
{
    pml_device *dev = pml_test_open_cpu();
    pml_dataset *all = pml_test_toy_dataset(dev, 1200, 5), *normal = NULL;
    const uint8_t keep[4] = {1, 1, 1, 0};
    PML_ASSERT_OK(pml_dataset_select_classes(all, keep, 4, &normal));
    pml_autoencoder *ae = trained(dev, normal, 0, "dense:16,relu,dense:2", "dense:16,relu,dense:16",
                                  NULL, 25, NULL);
    const int64_t n = pml_dataset_size(all);
    double *score = malloc((size_t)n * sizeof *score);
    int32_t *lab = malloc((size_t)n * sizeof *lab);
    uint8_t *truth = malloc((size_t)n);
    PML_ASSERT_OK(pml_ae_scores(ae, all, PML_SCALE_UNIT, score, lab));
    for (int64_t i = 0; i < n; ++i) truth[i] = lab[i] == 3;
    double auc = 0.0;
    int64_t pts = 0;
    PML_ASSERT_OK(pml_roc(score, truth, n, NULL, NULL, &pts, &auc));
    cr_expect(auc > 0.9, "AUC %g (floor 0.9)", auc);
    cr_expect(pts >= 3);
    free(score);
    free(lab);
    free(truth);
    pml_ae_destroy(ae);
    pml_dataset_destroy(normal);
    pml_dataset_destroy(all);
    pml_device_close(dev);
}

Test(ae, roc_arithmetic)
{
    /* scores 0.9 A, 0.8 N, 0.8 A, 0.5 N, 0.1 N: pairs (A > N) = 3 + (one tie: 1/2) + 2 */
    const double s[5] = {0.9, 0.8, 0.8, 0.5, 0.1};
    const uint8_t t[5] = {1, 0, 1, 0, 0};
    double fpr[6], tpr[6], auc = 0.0;
    int64_t pts = 0;
    PML_ASSERT_OK(pml_roc(s, t, 5, fpr, tpr, &pts, &auc));
    cr_expect(fabs(auc - 5.5 / 6.0) < 1e-12, "auc %g", auc);
    cr_expect_eq(pts, 5);
    cr_expect(fpr[0] == 0 && tpr[0] == 0 && fpr[pts - 1] == 1 && tpr[pts - 1] == 1);
    cr_expect(fpr[1] == 0 && tpr[1] == 0.5 && fabs(fpr[2] - 1.0 / 3) < 1e-15 && tpr[2] == 1);
}

Test(ae, save_load_round_trip_and_codes)
{
    pml_device *dev = pml_test_open_cpu();
    pml_dataset *ds = pml_test_toy_dataset(dev, 256, 6);
    pml_autoencoder *ae = trained(dev, ds, 1, "dense:8,relu,dense:6", "dense:8,relu,dense:16",
                                  NULL, 2, NULL);
    pml_test_tmpdir_create();
    const char *path = pml_test_tmppath("vae.safetensors");
    PML_ASSERT_OK(pml_ae_save(ae, path));
    pml_autoencoder *back = NULL;
    PML_ASSERT_OK(pml_ae_load(dev, path, 16, &back));
    cr_expect(pml_ae_config_of(back)->vae == 1 && pml_ae_latent(back) == 3 &&
              pml_ae_code_width(back) == 6 && pml_ae_decoder_first(back) == 3 &&
              pml_ae_encoder_layers(back) == 2);
    pml_tensor *x = NULL;
    PML_ASSERT_OK(pml_tensor_create_2d(dev, PML_F32, 16, 16, &x));
    PML_ASSERT_OK(pml_dataset_batch(ds, 0, 16, PML_SCALE_UNIT, NULL, 0, 0, x, NULL));
    const pml_tensor *y1 = NULL, *y2 = NULL, *z = NULL, *yd = NULL;
    float a[256], b[256], mu[16 * 6], dz[16 * 3], dec[256];
    PML_ASSERT_OK(pml_ae_reconstruct(ae, x, 16, &y1));
    down(y1, a, sizeof a);
    PML_ASSERT_OK(pml_ae_reconstruct(back, x, 16, &y2));
    down(y2, b, sizeof b);
    cr_expect(memcmp(a, b, sizeof a) == 0, "the loaded VAE reconstructs as the saved one");
    /* reconstruct == decode(mu of encode) */
    PML_ASSERT_OK(pml_ae_encode(back, x, 16, &z));
    down(z, mu, sizeof mu);
    for (int r = 0; r < 16; ++r) memcpy(dz + r * 3, mu + r * 6, 3 * sizeof(float));
    pml_tensor *zt = pml_test_tensor(dev, PML_F32, 2, (int64_t[]){16, 3}, dz);
    PML_ASSERT_OK(pml_ae_decode(back, zt, 16, &yd));
    down(yd, dec, sizeof dec);
    cr_expect(memcmp(dec, b, sizeof dec) == 0, "decode(mu) is the reconstruction");
    /* a plain model file is not an autoencoder */
    const char *plain = pml_test_tmppath("plain.safetensors");
    PML_ASSERT_OK(pml_model_save(pml_ae_model(ae), plain, NULL));
    pml_autoencoder *bad = NULL;
    pml_test_expect_error("plain model", pml_ae_load(dev, plain, 4, &bad), PML_ERR_BAD_FORMAT,
                          "not an autoencoder");
    cr_expect_null(bad);
    pml_tensor_destroy(zt);
    pml_tensor_destroy(x);
    pml_ae_destroy(back);
    pml_ae_destroy(ae);
    pml_dataset_destroy(ds);
    pml_test_tmpdir_remove();
    pml_device_close(dev);
}

/* ---- bad input: one-line errors naming the parameter ---------------------------------------- */
static void expect_create_error(const char *enc, const char *dec, int vae, double beta,
                                const char *part)
{
    pml_device *dev = pml_test_open_cpu();
    pml_ae_config c = pml_ae_defaults();
    c.encoder = enc;
    c.decoder = dec;
    c.vae = vae;
    c.beta = beta;
    pml_autoencoder *ae = NULL;
    pml_test_expect_error(part, pml_ae_create(dev, 1, (int64_t[]){16}, 4, &c, 1, &ae),
                          PML_ERR_INVALID_ARGUMENT, part);
    cr_expect_null(ae);
    cr_expect(strchr(pml_last_error(), '\n') == NULL, "one line: %s", pml_last_error());
    pml_device_close(dev);
}

Test(ae, bad_input_is_named)
{
    expect_create_error("dense:3", "dense:16", 1, 1.0, "even number");
    expect_create_error("dense:4", "dense:15", 0, 1.0, "the decoder gives 15 outputs");
    expect_create_error("dense:4", "unflatten:2:2:2,flatten,dense:16", 0, 1.0, "the decoder");
    expect_create_error("dense:4", "dense:16", 1, -0.5, "beta");
    expect_create_error("dense:4", "relu,dense:16", 0, 1.0, "starts with an activation");
    expect_create_error("dense:5,gauss", "dense:16", 0, 1.0, "even number");
    char e[64], d[64];
    int vae = 0;
    pml_test_expect_error("latent 0",
                          pml_ae_preset("vae", 0, 1, (int64_t[]){784}, e, d, sizeof e, &vae),
                          PML_ERR_INVALID_ARGUMENT, "latent 0");
    pml_test_expect_error("conv preset on flat",
                          pml_ae_preset("conv", 8, 1, (int64_t[]){784}, e, d, sizeof e, &vae),
                          PML_ERR_INVALID_ARGUMENT, "multiples of 4");
}

/* The vae preset trains from Xavier's initialisation (docs/autoencoders.md, "Measured"), the
 * others from He's. */
Test(ae, preset_initialisations)
{
    cr_expect_eq(pml_ae_preset_init("vae"), PML_INIT_XAVIER);
    cr_expect_eq(pml_ae_preset_init("dense"), PML_INIT_HE);
    cr_expect_eq(pml_ae_preset_init("conv"), PML_INIT_HE);
    cr_expect_eq(pml_ae_preset_init("convvae"), PML_INIT_HE);
    cr_expect_eq(pml_ae_preset_init(NULL), PML_INIT_HE);
}
