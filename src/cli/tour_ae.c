/* Tour chapter "ae": a denoising autoencoder's before and after, a small VAE's ELBO and its
 * samples from the prior, and the Ising critical temperature read by an autoencoder with a
 * one-unit latent (the primer's Fig. 14), sized for about a minute on two CPU cores. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ae_cli.h"

#define TOUR_MAX_T 32

/* The Ising part: three small lattices, their T_c(L) and the extrapolation. */
static int ising(pml_tour_ctx *ctx, const char *dir)
{
    const int quick = ctx->quick;
    const int L[3] = {quick ? 8 : 16, quick ? 12 : 32, quick ? 16 : 48};
    double T[TOUR_MAX_T];
    int nT = 0;
    const double step = quick ? 0.1 : 0.05;
    for (int i = 0; 1.8 + step * i < 3.0 + 1e-9 && nT < TOUR_MAX_T; ++i) T[nT++] = 1.8 + step * i;
    pml_ae_ising_point pts[3 * TOUR_MAX_T];
    pml_ae_ising_fit fit[3];
    double tc[3], err[3], gen = 0, train = 0;
    for (int i = 0; i < 3; ++i) {
        pml_ae_ising_config c = pml_ae_ising_defaults(L[i]);
        c.T = T;
        c.nT = nT;
        c.configs = quick ? 64 : 250;
        c.epochs = quick ? 4 : 8;
        c.hidden = 32;
        c.blocks = 16;
        const pml_status s = pml_ae_ising_run(ctx->dev, &c, pts + i * nT, &fit[i], NULL, NULL);
        if (s != PML_OK) return pml_cli_fail("tour", "the Ising autoencoder", s);
        tc[i] = fit[i].tc;
        err[i] = fit[i].tc_err;
        gen += fit[i].gen_seconds;
        train += fit[i].train_seconds;
    }
    double tinf = NAN, tinf_err = NAN;
    const int edge = fit[0].peak_at_edge || fit[1].peak_at_edge || fit[2].peak_at_edge;
    if (!edge && pml_ae_tc_extrapolate(L, tc, NULL, 3, 1, &tinf, &tinf_err) != PML_OK)
        return pml_cli_fail("tour", "the extrapolation", PML_ERR_NUMERIC);
    const double exact = pml_ising_tc(1.0);
    char v[48], note[96];
    snprintf(v, sizeof v, "%.3f +- %.3f", tinf, tinf_err);
    snprintf(note, sizeof note, "exact %.4f (%+.1f%%); L = %d, %d, %d", exact,
             100.0 * (tinf - exact) / exact, L[0], L[1], L[2]);
    pml_tour_row("ae", "Ising T_c from a 1-unit latent", v, note);
    fprintf(ctx->report,
            "**The Ising critical temperature from an autoencoder** (the primer's Fig. 14). "
            "Swendsen-Wang configurations of L x L lattices at %d temperatures from %.1f to %.1f "
            "(%lld per temperature), an autoencoder with a one-unit latent trained on all of "
            "them; its latent follows the magnetisation (correlation %.3f for L = %d), and its "
            "susceptibility L^2 (<z^2> - <|z|>^2) peaks at T_c(L):\n\n"
            "| L | T_c(L) | corr(z, m) |\n|---|---|---|\n",
            nT, T[0], T[nT - 1], (long long)(quick ? 64 : 250), fit[2].corr_m, L[2]);
    for (int i = 0; i < 3; ++i)
        fprintf(ctx->report, "| %d | %.4f +- %.4f | %.4f |\n", L[i], tc[i], err[i],
                fit[i].corr_m);
    fprintf(ctx->report,
            "\nT_c(L) = T_c + a/L (unweighted) extrapolates to **T_c = %.3f +- %.3f** against "
            "Onsager's %.4f "
            "(sampling %.1f s, training %.1f s). `physml ae ising` does this with more "
            "configurations, epochs and L = 64 (docs/autoencoders.md: +0.71%%).\n\n",
            tinf, tinf_err, exact, gen, train);
    (void)dir;
    return 0;
}

int pml_tour_ae(pml_tour_ctx *ctx)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/ae", ctx->out_dir);
    if (pml_cli_out_dir("tour", dir)) return 1;
    const char *data = pml_data_default_dir();
    pml_dataset *full = NULL, *test = NULL, *train = NULL, *tsub = NULL;
    pml_autoencoder *den = NULL, *vae = NULL;
    pml_status s = pml_dataset_load(ctx->dev, data, PML_SPLIT_TRAIN, &full);
    if (s == PML_OK) s = pml_dataset_load(ctx->dev, data, PML_SPLIT_TEST, &test);
    const int64_t n = ctx->quick ? 2000 : 12000, epochs = ctx->quick ? 1 : 3;
    if (s == PML_OK) s = pml_dataset_head(full, n, &train);
    if (s == PML_OK) s = pml_dataset_head(test, 2000, &tsub);
    int r = s == PML_OK ? 0 : pml_cli_fail("tour", "loading Fashion-MNIST", s);
    /* a denoising autoencoder: 30% of the pixels masked */
    const pml_augment mask = {0, 0, 0.0f, 0.3f, 0.0f};
    double dsec = 0, noisy = 0, denoised = 0, vsec = 0;
    if (!r) r = pml_ae_cli_fit("tour", ctx->dev, train, "dense", 32, &mask, epochs, 1, NULL, &den,
                               &dsec, NULL);
    if (!r) r = pml_ae_cli_denoise_errors("tour", den, tsub, &mask, 256, 1, &noisy, &denoised);
    if (!r)
        r = pml_ae_cli_pictures("tour", dir, den, tsub, &mask, 1, PML_AE_PICT_DENOISE, ctx->quiet);
    if (!r) {
        char v[48], note[96];
        snprintf(v, sizeof v, "%.4f -> %.4f", noisy, denoised);
        snprintf(note, sizeof note, "MSE to clean images, 30%% masked; %lld imgs x %lld ep, %.1f s",
                 (long long)n, (long long)epochs, dsec);
        pml_tour_row("ae", "denoising autoencoder", v, note);
        fprintf(ctx->report,
                "**A denoising autoencoder** (784-256-32-256-784, cross-entropy on logits) "
                "trained on %lld Fashion-MNIST images with 30%% of their pixels masked, the clean "
                "image as the target (%lld epoch%s, %.1f s): on test images masked the same way "
                "the mean squared error to the clean image falls from %.4f to %.4f. Top: masked; "
                "middle: denoised; bottom: clean.\n\n![denoising](ae/denoise.png)\n\n",
                (long long)n, (long long)epochs, epochs == 1 ? "" : "s", dsec, noisy, denoised);
    }
    /* a small VAE */
    pml_vae_figures fig;
    if (!r) r = pml_ae_cli_fit("tour", ctx->dev, train, "vae", 8, NULL, epochs, 1, NULL, &vae,
                               &vsec, NULL);
    if (!r && (s = pml_vae_evaluate(vae, tsub, PML_SCALE_UNIT, ctx->quick ? 5 : 50, 1, &fig)) !=
                  PML_OK)
        r = pml_cli_fail("tour", "the VAE's ELBO", s);
    if (!r)
        r = pml_ae_cli_pictures("tour", dir, vae, tsub, NULL, 1,
                                PML_AE_PICT_SAMPLES | PML_AE_PICT_RECON, ctx->quiet);
    if (!r) {
        char v[48], note[96];
        snprintf(v, sizeof v, "%.1f nats", fig.elbo);
        snprintf(note, sizeof note, "test ELBO, latent 8; IWAE (k = %d) %.1f; %.1f s", fig.k,
                 fig.iwae, vsec);
        pml_tour_row("ae", "VAE test ELBO per image", v, note);
        fprintf(ctx->report,
                "**A variational autoencoder** (784-400-(2 x 8)-400-784, a Bernoulli decoder, "
                "beta = 1) on the same images: the test ELBO is **%.1f nats** per image "
                "(reconstruction %.1f, KL %.1f), and the importance-weighted bound with k = %d "
                "samples %.1f nats. Decodings of draws from the prior, and test images above their "
                "reconstructions:\n\n![VAE samples](ae/samples.png)\n\n"
                "![VAE reconstructions](ae/reconstructions.png)\n\n",
                fig.elbo, fig.recon, fig.kl, fig.k, fig.iwae);
    }
    pml_ae_destroy(den);
    pml_ae_destroy(vae);
    pml_dataset_destroy(train);
    pml_dataset_destroy(tsub);
    pml_dataset_destroy(full);
    pml_dataset_destroy(test);
    if (!r) r = ising(ctx, dir);
    if (r) fprintf(ctx->report, "The autoencoder chapter failed (see the messages on stderr).\n\n");
    return r;
}
