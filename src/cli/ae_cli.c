/* Shared pieces of the `physml ae` commands: class lists, corruption specs, pixels from the
 * decoder, the denoising errors, the pictures, and anomaly detection with its plots. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "cli/ae_cli.h"

/* Philox streams of the pictures' draws (host side, pml_rng_normal) */
#define AE_CLI_STREAM_PRIOR 0x4145505200000000ull /* "AEPR" */

int pml_ae_cli_classes(const char *cmd, const char *option, const char *text, uint8_t keep[256])
{
    memset(keep, 0, 256);
    const char *p = text;
    int any = 0;
    while (*p) {
        char *end = NULL;
        const long a = pml_strtoll_dec(p, &end);
        long b = a;
        if (end == p || a < 0 || a > 255) goto bad;
        if (*end == '-') {
            const char *q = end + 1;
            b = pml_strtoll_dec(q, &end);
            if (end == q || b < a || b > 255) goto bad;
        }
        for (long c = a; c <= b; ++c) keep[c] = 1;
        any = 1;
        if (*end == ',') p = end + 1;
        else if (*end == '\0') p = end;
        else goto bad;
        if (*end == ',' && *p == '\0') goto bad;
    }
    if (any) return 0;
bad:
    return pml_cli_usage(cmd, option, "'%s': needs classes 0..255 as a list of numbers and "
                                      "ranges, e.g. 0-8 or 0,2,5-7", text);
}

int pml_ae_cli_denoise(const char *cmd, const char *text, pml_augment *aug)
{
    /* gauss:S is the augmentation's noise:S; the rest are its own words */
    char spec[256];
    size_t k = 0;
    for (const char *p = text; *p && k + 8 < sizeof spec;) {
        if (strncmp(p, "gauss:", 6) == 0) {
            memcpy(spec + k, "noise:", 6);
            k += 6;
            p += 6;
        } else if (strncmp(p, "shift", 5) == 0 || strncmp(p, "flip", 4) == 0 ||
                   strncmp(p, "noise", 5) == 0) {
            return pml_cli_usage(cmd, "denoise", "'%s': corruptions are gauss:S, mask:P and "
                                                 "saltpepper:P", text);
        }
        while (*p && *p != ',' && k + 1 < sizeof spec) spec[k++] = *p++;
        if (*p == ',') spec[k++] = *p++;
    }
    spec[k] = '\0';
    pml_augment a;
    if (strlen(text) >= sizeof spec - 8 || pml_augment_parse(spec, &a) != PML_OK)
        return pml_cli_usage(cmd, "denoise", "'%s': needs gauss:S (S 0..10), mask:P or "
                                             "saltpepper:P (P 0..1), comma-separated", text);
    aug->noise = a.noise;
    aug->mask = a.mask;
    aug->saltpepper = a.saltpepper;
    return 0;
}

int pml_ae_cli_fit(const char *cmd, pml_device *dev, pml_dataset *train, const char *preset,
                   int64_t latent, const pml_augment *aug, int64_t epochs, uint64_t seed,
                   pml_ae_cli_ckpt *ck, pml_autoencoder **out, double *seconds,
                   double *last_loss)
{
    const int64_t dims[3] = {1, pml_dataset_rows(train), pml_dataset_cols(train)};
    char e[1000], d[1000];
    pml_ae_config c = pml_ae_defaults();
    pml_optimizer *opt = NULL;
    pml_status s = pml_ae_preset(preset, latent, 3, dims, e, d, sizeof e, &c.vae);
    c.init = pml_ae_preset_init(preset);
    c.encoder = e;
    c.decoder = d;
    *out = NULL;
    if (s == PML_OK) s = pml_ae_create(dev, 3, dims, 256, &c, seed, out);
    pml_optim_config oc = pml_optim_defaults(PML_OPTIM_ADAM);
    if (s == PML_OK) s = pml_optimizer_create(dev, &oc, &opt);
    pml_train_config tc = pml_train_defaults();
    tc.epochs = (int)epochs;
    tc.batch = 128;
    tc.seed = seed;
    tc.scaling = PML_SCALE_UNIT;
    if (aug) tc.augment = *aug;
    if (ck) {
        tc.checkpoint = ck->checkpoint;
        tc.checkpoint_every = ck->every;
        tc.resume = ck->resume;
    }
    pml_train_result r;
    memset(&r, 0, sizeof r);
    if (s == PML_OK) s = pml_ae_train(*out, opt, train, NULL, &tc, &r);
    if (ck) ck->resumed_from_epoch = r.resumed_from_epoch;
    /* a checkpoint of another run (other options or data) is refused before anything
     * changes: a usage error naming what differs */
    const int refused = s == PML_ERR_INVALID_ARGUMENT && ck && ck->resume && r.epochs_run == 0;
    if (seconds) *seconds = r.seconds;
    if (last_loss) *last_loss = r.epochs_run ? r.history[r.epochs_run - 1].train_loss : NAN;
    pml_train_result_free(&r);
    pml_optimizer_destroy(opt);
    if (s == PML_OK) return 0;
    pml_ae_destroy(*out);
    *out = NULL;
    if (refused) return pml_cli_usage(cmd, "resume", "%s", pml_last_error());
    return pml_cli_fail(cmd, "training the autoencoder", s);
}

void pml_ae_cli_image(pml_autoencoder *ae, int *rows, int *cols)
{
    int64_t d[3];
    const int nd = pml_model_in_shape(pml_ae_model(ae), d);
    *rows = *cols = 0;
    if (nd == 3 && d[0] == 1) *rows = (int)d[1], *cols = (int)d[2];
    else if (nd == 2) *rows = (int)d[0], *cols = (int)d[1];
    else if (nd == 1) {
        const int64_t s = (int64_t)llround(sqrt((double)d[0]));
        if (s * s == d[0]) *rows = *cols = (int)s;
    }
}

void pml_ae_cli_to_pixels(const pml_autoencoder *ae, float *v, int64_t n)
{
    if (pml_ae_config_of(ae)->loss != PML_LOSS_BCE_LOGITS) return;
    for (int64_t i = 0; i < n; ++i) v[i] = 1.0f / (1.0f + expf(-v[i]));
}

/* The first `count` rows (of `width`) of a model buffer into host floats. */
static pml_status rows_of(const pml_tensor *t, int64_t count, int64_t width, float *host)
{
    return pml_tensor_download_head(t, host, (size_t)(count * width) * sizeof *host);
}

/* x (device, count x F) = the first `count` test images, corrupted by aug (NULL: clean) */
static pml_status batch_of(const pml_dataset *ds, int64_t count, const pml_augment *aug,
                           uint64_t seed, pml_tensor **x)
{
    PML_TRY(pml_tensor_create_2d(pml_dataset_device(ds), PML_F32, count,
                                 pml_dataset_features(ds), x));
    return pml_dataset_batch(ds, 0, count, PML_SCALE_UNIT, aug, seed, 0, *x, NULL);
}

int pml_ae_cli_denoise_errors(const char *cmd, pml_autoencoder *ae, const pml_dataset *test,
                              const pml_augment *aug, int64_t n, uint64_t seed, double *noisy,
                              double *denoised)
{
    const int64_t mb = pml_model_max_batch(pml_ae_model(ae));
    n = n < pml_dataset_size(test) ? n : pml_dataset_size(test);
    n = n < mb ? n : mb;
    const int64_t F = pml_dataset_features(test);
    pml_tensor *xc = NULL, *xn = NULL;
    float *c = malloc((size_t)(n * F) * sizeof *c), *z = malloc((size_t)(n * F) * sizeof *z),
          *y = malloc((size_t)(n * F) * sizeof *y);
    pml_status s = c && z && y ? batch_of(test, n, NULL, seed, &xc) : PML_ERR_OUT_OF_MEMORY;
    if (s == PML_OK) s = batch_of(test, n, aug, seed, &xn);
    const pml_tensor *out = NULL;
    if (s == PML_OK) s = pml_tensor_download(xc, c, (size_t)(n * F) * sizeof *c);
    if (s == PML_OK) s = pml_tensor_download(xn, z, (size_t)(n * F) * sizeof *z);
    if (s == PML_OK) s = pml_ae_reconstruct(ae, xn, n, &out);
    if (s == PML_OK) s = rows_of(out, n, F, y);
    if (s == PML_OK) {
        pml_ae_cli_to_pixels(ae, y, n * F);
        double a = 0, b = 0;
        for (int64_t i = 0; i < n * F; ++i) {
            a += ((double)z[i] - c[i]) * ((double)z[i] - c[i]);
            b += ((double)y[i] - c[i]) * ((double)y[i] - c[i]);
        }
        *noisy = a / (double)(n * F);
        *denoised = b / (double)(n * F);
    }
    pml_tensor_destroy(xc);
    pml_tensor_destroy(xn);
    free(c);
    free(z);
    free(y);
    return s == PML_OK ? 0 : pml_cli_fail(cmd, "the denoising errors", s);
}

/* Decode `count` latent rows (host) into host pixels. */
static pml_status decode_host(pml_autoencoder *ae, const float *zh, int64_t count, float *px)
{
    pml_model *m = pml_ae_model(ae);
    const int64_t L = pml_ae_latent(ae), F = pml_model_in_features(m);
    pml_tensor *z = NULL;
    pml_status s = pml_tensor_create_2d(pml_model_device(m), PML_F32, count, L, &z);
    const pml_tensor *y = NULL;
    if (s == PML_OK) s = pml_tensor_upload(z, zh, (size_t)(count * L) * sizeof *zh);
    if (s == PML_OK) s = pml_ae_decode(ae, z, count, &y);
    if (s == PML_OK) s = rows_of(y, count, F, px);
    if (s == PML_OK) pml_ae_cli_to_pixels(ae, px, count * F);
    pml_tensor_destroy(z);
    return s;
}

/* The codes (the latent, mu for a VAE) of the first `count` rows of x into host zh. */
static pml_status encode_host(pml_autoencoder *ae, const pml_tensor *x, int64_t count, float *zh)
{
    const int64_t L = pml_ae_latent(ae), W = pml_ae_code_width(ae);
    float *code = malloc((size_t)(count * W) * sizeof *code);
    if (code == NULL) return PML_ERR_OUT_OF_MEMORY;
    const pml_tensor *z = NULL;
    pml_status s = pml_ae_encode(ae, x, count, &z);
    if (s == PML_OK) s = rows_of(z, count, W, code);
    for (int64_t i = 0; s == PML_OK && i < count; ++i)
        memcpy(zh + i * L, code + i * W, (size_t)L * sizeof *zh);
    free(code);
    return s;
}

/* interleave rows of `per` images: a[0..per) above b[0..per) above c ..., from k arrays */
static void stack(float *dst, const float *const *src, int k, int64_t per, int64_t F)
{
    for (int j = 0; j < k; ++j) memcpy(dst + j * per * F, src[j], (size_t)(per * F) * sizeof *dst);
}

static int codes_plot(const char *cmd, const char *dir, const float *zh, const int32_t *lab,
                      int64_t n, int quiet)
{
    char path[PML_PATH_MAX];
    pml_wfile w;
    if (pml_cli_path(cmd, path, sizeof path, dir, "codes.dat") || pml_cli_open(cmd, path, &w))
        return 1;
    fprintf(w.f, "# z1 z2 class (the test set's codes; mu for a VAE)\n");
    for (int64_t i = 0; i < n; ++i)
        fprintf(w.f, "%.6g %.6g %d\n", (double)zh[2 * i], (double)zh[2 * i + 1], (int)lab[i]);
    if (pml_cli_commit(cmd, &w, quiet)) return 1;
    if (pml_cli_path(cmd, path, sizeof path, dir, "codes.gp") || pml_cli_open(cmd, path, &w))
        return 1;
    fprintf(w.f, "# physml ae: the test set's codes in a 2-D latent, coloured by class\n");
    pml_gnuplot_output(w.f, "codes.png", "set terminal pngcairo size 800,700 noenhanced");
    fprintf(w.f, "set title 'latent codes of the test set, coloured by class'\n"
                 "set xlabel 'z1'\nset ylabel 'z2'\nset grid\nset palette maxcolors 10\n"
                 "set cbrange [-0.5:9.5]\nset cbtics 1\n"
                 "plot 'codes.dat' using 1:2:3 with points pt 7 ps 0.3 palette notitle\n");
    if (pml_cli_commit(cmd, &w, 1)) return 1;
    return pml_gnuplot_render(cmd, dir, "codes.gp", "codes.png", quiet) < 0;
}

int pml_ae_cli_pictures(const char *cmd, const char *dir, pml_autoencoder *ae,
                        const pml_dataset *test, const pml_augment *aug, uint64_t seed,
                        int what, int quiet)
{
    int rows = 0, cols = 0;
    pml_ae_cli_image(ae, &rows, &cols);
    if (rows == 0) return 0; /* not images */
    pml_model *m = pml_ae_model(ae);
    const int64_t F = pml_model_in_features(m), L = pml_ae_latent(ae),
                  mb = pml_model_max_batch(m);
    const int vae = pml_ae_config_of(ae)->vae;
    int64_t n = 16 < pml_dataset_size(test) ? 16 : pml_dataset_size(test);
    n = n < mb ? n : mb;
    const int64_t grid = 256 < mb ? 256 : mb;
    const int64_t ncodes = pml_dataset_size(test) < 2000 ? pml_dataset_size(test) : 2000;
    float *in = malloc((size_t)(3 * 16 * F) * sizeof *in);
    float *px = malloc((size_t)(grid > 64 ? grid : 64) * F * sizeof *px);
    float *zh = malloc((size_t)((ncodes > grid ? ncodes : grid) * (L > 2 ? L : 2)) * sizeof *zh);
    int32_t *lab = malloc((size_t)ncodes * sizeof *lab);
    pml_tensor *x = NULL, *xn = NULL;
    pml_status s = in && px && zh && lab ? batch_of(test, n, NULL, seed, &x) : PML_ERR_OUT_OF_MEMORY;
    const pml_tensor *y = NULL;
    int rc = 0;
    /* reconstructions: inputs above outputs, 8 per row */
    if (s == PML_OK) s = pml_tensor_download(x, in, (size_t)(n * F) * sizeof *in);
    if (s == PML_OK && (what & PML_AE_PICT_RECON)) s = pml_ae_reconstruct(ae, x, n, &y);
    if (s == PML_OK && (what & PML_AE_PICT_RECON)) s = rows_of(y, n, F, px);
    if (s == PML_OK && (what & PML_AE_PICT_RECON)) {
        pml_ae_cli_to_pixels(ae, px, n * F);
        float *pic = malloc((size_t)(2 * n * F) * sizeof *pic);
        if (pic == NULL) s = PML_ERR_OUT_OF_MEMORY;
        for (int64_t h = 0; pic && h < n; h += 8) { /* rows of 8: inputs, then outputs */
            const int64_t k = n - h < 8 ? n - h : 8;
            memcpy(pic + 2 * h * F, in + h * F, (size_t)(k * F) * sizeof *pic);
            memcpy(pic + (2 * h + k) * F, px + h * F, (size_t)(k * F) * sizeof *pic);
        }
        if (pic) rc = pml_cli_image_grid(cmd, dir, "reconstructions.png", pic, 2 * n, rows, cols,
                                         n < 8 ? (int)n : 8, 3, 0, quiet);
        free(pic);
    }
    /* denoising: corrupted | denoised | clean */
    if (s == PML_OK && !rc && (what & PML_AE_PICT_DENOISE) && pml_augment_active(aug)) {
        const int64_t k = n < 8 ? n : 8;
        s = batch_of(test, k, aug, seed, &xn);
        if (s == PML_OK) s = pml_tensor_download(xn, in + 16 * F, (size_t)(k * F) * sizeof *in);
        if (s == PML_OK) s = pml_ae_reconstruct(ae, xn, k, &y);
        if (s == PML_OK) s = rows_of(y, k, F, in + 32 * F);
        if (s == PML_OK) {
            pml_ae_cli_to_pixels(ae, in + 32 * F, k * F);
            for (int64_t i = 0; i < k * F; ++i) /* noisy pixels shown within 0..1 */
                in[16 * F + i] = in[16 * F + i] < 0 ? 0 : in[16 * F + i] > 1 ? 1 : in[16 * F + i];
            const float *parts[3] = {in + 16 * F, in + 32 * F, in};
            stack(px, parts, 3, k, F);
            rc = pml_cli_image_grid(cmd, dir, "denoise.png", px, 3 * k, rows, cols, (int)k, 3, 0,
                                    quiet);
        }
    }
    /* samples from the prior */
    if (s == PML_OK && !rc && vae && (what & PML_AE_PICT_SAMPLES)) {
        const int64_t k = 64 < mb ? 64 : mb;
        for (int64_t i = 0; i < k * L; ++i)
            zh[i] = pml_rng_normal(seed, AE_CLI_STREAM_PRIOR, (uint64_t)i);
        s = decode_host(ae, zh, k, px);
        if (s == PML_OK)
            rc = pml_cli_image_grid(cmd, dir, "samples.png", px, k, rows, cols, 8, 3, 0, quiet);
    }
    /* interpolation between the codes of the first two test images (of different classes
     * when the first few hold two) */
    if (s == PML_OK && !rc && n >= 2 && (what & PML_AE_PICT_INTERP)) {
        float *z2 = zh; /* first n codes */
        s = encode_host(ae, x, n, z2);
        int32_t *tl = lab;
        if (s == PML_OK) {
            pml_tensor *lt = NULL;
            s = pml_tensor_create_1d(pml_dataset_device(test), PML_I32, n, &lt);
            pml_tensor *tmp = NULL;
            if (s == PML_OK) s = pml_tensor_create_2d(pml_dataset_device(test), PML_F32, n, F, &tmp);
            if (s == PML_OK) s = pml_dataset_batch(test, 0, n, PML_SCALE_UNIT, NULL, 0, 0, tmp, lt);
            if (s == PML_OK) s = pml_tensor_download(lt, tl, (size_t)n * sizeof *tl);
            pml_tensor_destroy(lt);
            pml_tensor_destroy(tmp);
        }
        int64_t b = 1;
        while (s == PML_OK && b + 1 < n && tl[b] == tl[0]) ++b;
        const int steps = 10;
        float *line = malloc((size_t)(steps * L) * sizeof *line);
        if (line == NULL) s = PML_ERR_OUT_OF_MEMORY;
        for (int t = 0; s == PML_OK && t < steps; ++t)
            for (int64_t j = 0; j < L; ++j)
                line[t * L + j] = z2[j] + (z2[b * L + j] - z2[j]) * (float)t / (float)(steps - 1);
        if (s == PML_OK && steps <= mb) s = decode_host(ae, line, steps, px);
        if (s == PML_OK && steps <= mb)
            rc = pml_cli_image_grid(cmd, dir, "interpolation.png", px, steps, rows, cols, steps, 3,
                                    0, quiet);
        free(line);
    }
    /* a 2-D latent: the map of decodings, and the codes by class */
    if (s == PML_OK && !rc && L == 2 && (what & PML_AE_PICT_LATENT)) {
        pml_tensor *xa = NULL, *la = NULL;
        int64_t done = 0;
        s = pml_tensor_create_2d(pml_dataset_device(test), PML_F32, mb, F, &xa);
        if (s == PML_OK) s = pml_tensor_create_1d(pml_dataset_device(test), PML_I32, mb, &la);
        while (s == PML_OK && done < ncodes) {
            int64_t k = ncodes - done < mb ? ncodes - done : mb;
            s = pml_dataset_batch(test, done, k, PML_SCALE_UNIT, NULL, 0, 0, xa, la);
            if (s == PML_OK) s = encode_host(ae, xa, k, zh + 2 * done);
            if (s == PML_OK) s = pml_tensor_download_head(la, lab + done, (size_t)k * sizeof *lab);
            done += k;
        }
        pml_tensor_destroy(xa);
        pml_tensor_destroy(la);
        if (s == PML_OK) rc = codes_plot(cmd, dir, zh, lab, ncodes, quiet);
        if (s == PML_OK && !rc) {
            float lo0 = -2.5f, hi0 = 2.5f, lo1 = -2.5f, hi1 = 2.5f;
            if (!vae) {
                lo0 = lo1 = INFINITY, hi0 = hi1 = -INFINITY;
                for (int64_t i = 0; i < ncodes; ++i) {
                    lo0 = fminf(lo0, zh[2 * i]), hi0 = fmaxf(hi0, zh[2 * i]);
                    lo1 = fminf(lo1, zh[2 * i + 1]), hi1 = fmaxf(hi1, zh[2 * i + 1]);
                }
            }
            const int side = grid >= 256 ? 16 : (int)floor(sqrt((double)grid));
            for (int r = 0; r < side; ++r)
                for (int c = 0; c < side; ++c) {
                    zh[2 * (r * side + c)] = lo0 + (hi0 - lo0) * (float)c / (float)(side - 1);
                    zh[2 * (r * side + c) + 1] = hi1 - (hi1 - lo1) * (float)r / (float)(side - 1);
                }
            s = decode_host(ae, zh, (int64_t)side * side, px);
            if (s == PML_OK)
                rc = pml_cli_image_grid(cmd, dir, "latent_map.png", px, (int64_t)side * side,
                                        rows, cols, side, 2, 0, quiet);
        }
    }
    pml_tensor_destroy(x);
    pml_tensor_destroy(xn);
    free(in);
    free(px);
    free(zh);
    free(lab);
    if (s != PML_OK) return pml_cli_fail(cmd, "the pictures", s);
    return rc;
}

/* ---- anomaly detection ------------------------------------------------------------------- */
static int anomaly_plots(const char *cmd, const char *dir, const double *fpr, const double *tpr,
                         int64_t pts, const double *score, const int32_t *lab, int64_t n,
                         const uint8_t keep[256], double auc, int quiet)
{
    char path[PML_PATH_MAX];
    pml_wfile w;
    if (pml_cli_path(cmd, path, sizeof path, dir, "roc.dat") || pml_cli_open(cmd, path, &w))
        return 1;
    fprintf(w.f, "# false_positive_rate true_positive_rate (AUC %.6f)\n", auc);
    /* at most ~2000 points: every k-th, the ends kept */
    const int64_t step = pts > 2000 ? pts / 2000 : 1;
    for (int64_t i = 0; i < pts; i += step) fprintf(w.f, "%.6g %.6g\n", fpr[i], tpr[i]);
    fprintf(w.f, "%.6g %.6g\n", fpr[pts - 1], tpr[pts - 1]);
    if (pml_cli_commit(cmd, &w, quiet)) return 1;
    if (pml_cli_path(cmd, path, sizeof path, dir, "roc.gp") || pml_cli_open(cmd, path, &w))
        return 1;
    fprintf(w.f, "# physml ae anomaly: the ROC curve of the reconstruction error\n");
    pml_gnuplot_output(w.f, "roc.png", "set terminal pngcairo size 600,600 noenhanced");
    fprintf(w.f, "set title 'ROC of the reconstruction error (AUC %.4f)'\nset xlabel 'false "
                 "positive rate'\nset ylabel 'true positive rate'\nset grid\nset size square\n"
                 "set xrange [0:1]\nset yrange [0:1]\nset key bottom right\n"
                 "plot 'roc.dat' using 1:2 with lines lw 2 title 'autoencoder', x with lines dt 2 "
                 "title 'chance'\n", auc);
    if (pml_cli_commit(cmd, &w, 1)) return 1;
    if (pml_gnuplot_render(cmd, dir, "roc.gp", "roc.png", quiet) < 0) return 1;
    /* histograms per class: 50 bins over the 0..99.5th percentile range */
    double lo = INFINITY, hi = -INFINITY;
    int maxc = 0;
    for (int64_t i = 0; i < n; ++i) {
        lo = score[i] < lo ? score[i] : lo;
        hi = score[i] > hi ? score[i] : hi;
        maxc = lab[i] > maxc ? lab[i] : maxc;
    }
    if (!(hi > lo)) hi = lo + 1;
    enum { BINS = 50 };
    int64_t *h = calloc((size_t)(maxc + 1) * BINS, sizeof *h), *tot = calloc((size_t)maxc + 1, sizeof *tot);
    if (!h || !tot) {
        free(h);
        free(tot);
        return pml_cli_fail(cmd, "hist.dat", PML_ERR_OUT_OF_MEMORY);
    }
    for (int64_t i = 0; i < n; ++i) {
        int b = (int)((score[i] - lo) / (hi - lo) * BINS);
        b = b < 0 ? 0 : b >= BINS ? BINS - 1 : b;
        ++h[lab[i] * BINS + b];
        ++tot[lab[i]];
    }
    int rc = pml_cli_path(cmd, path, sizeof path, dir, "hist.dat") || pml_cli_open(cmd, path, &w);
    if (!rc) {
        fprintf(w.f, "# bin_centre then, per class 0..%d, the fraction of its examples in the bin\n",
                maxc);
        for (int b = 0; b < BINS; ++b) {
            fprintf(w.f, "%.6g", lo + (hi - lo) * (b + 0.5) / BINS);
            for (int c = 0; c <= maxc; ++c)
                fprintf(w.f, " %.6g", tot[c] ? (double)h[c * BINS + b] / (double)tot[c] : 0.0);
            fprintf(w.f, "\n");
        }
        rc = pml_cli_commit(cmd, &w, quiet);
    }
    if (!rc) rc = pml_cli_path(cmd, path, sizeof path, dir, "hist.gp") || pml_cli_open(cmd, path, &w);
    if (!rc) {
        fprintf(w.f, "# physml ae anomaly: the reconstruction error per class (dashed: anomalies)\n");
        pml_gnuplot_output(w.f, "hist.png", "set terminal pngcairo size 900,550 noenhanced");
        fprintf(w.f, "set title 'reconstruction error per class'\nset xlabel 'reconstruction "
                     "error'\nset ylabel 'fraction of the class'\nset grid\nset key top right\n"
                     "plot ");
        int first = 1;
        for (int c = 0; c <= maxc; ++c) {
            if (!tot[c]) continue;
            fprintf(w.f, "%s'hist.dat' using 1:%d with steps lw %d dt %d title 'class %d%s'",
                    first ? "" : ", ", c + 2, keep[c] ? 1 : 3, keep[c] ? 1 : 2, c,
                    keep[c] ? "" : " (anomaly)");
            first = 0;
        }
        fprintf(w.f, "\n");
        rc = pml_cli_commit(cmd, &w, 1);
    }
    free(h);
    free(tot);
    if (!rc) rc = pml_gnuplot_render(cmd, dir, "hist.gp", "hist.png", quiet) < 0;
    return rc;
}

int pml_ae_cli_anomaly(const char *cmd, pml_autoencoder *ae, const pml_dataset *test,
                       const uint8_t keep[256], const char *dir, int quiet,
                       pml_ae_cli_anomaly_result *res)
{
    memset(res, 0, sizeof *res);
    for (int c = 0; c < 256; ++c) res->class_auc[c] = NAN;
    const int64_t n = pml_dataset_size(test);
    double *score = malloc((size_t)n * sizeof *score), *fpr = malloc((size_t)(n + 1) * sizeof *fpr),
           *tpr = malloc((size_t)(n + 1) * sizeof *tpr), *sub = malloc((size_t)n * sizeof *sub);
    int32_t *lab = malloc((size_t)n * sizeof *lab);
    uint8_t *truth = malloc((size_t)n);
    pml_status s = score && fpr && tpr && sub && lab && truth ? PML_OK : PML_ERR_OUT_OF_MEMORY;
    if (s == PML_OK) s = pml_ae_scores(ae, test, PML_SCALE_UNIT, score, lab);
    int64_t pts = 0;
    for (int64_t i = 0; s == PML_OK && i < n; ++i) {
        truth[i] = !keep[lab[i] & 255];
        if (truth[i]) ++res->n_anomaly, res->mean_anomaly += score[i];
        else ++res->n_normal, res->mean_normal += score[i];
    }
    int rc = 0;
    if (s == PML_OK && (res->n_anomaly == 0 || res->n_normal == 0)) {
        rc = pml_cli_usage(cmd, "normal", "the test set has %s: nothing to tell apart",
                           res->n_anomaly ? "no example of the normal classes"
                                          : "no example outside the normal classes");
        goto done;
    }
    if (s == PML_OK) {
        res->mean_anomaly /= (double)res->n_anomaly;
        res->mean_normal /= (double)res->n_normal;
        s = pml_roc(score, truth, n, fpr, tpr, &pts, &res->auc);
    }
    /* each anomalous class alone against the normal ones */
    uint8_t *t2 = s == PML_OK ? malloc((size_t)n) : NULL;
    if (s == PML_OK && t2 == NULL) s = PML_ERR_OUT_OF_MEMORY;
    for (int c = 0; s == PML_OK && c < 256; ++c) {
        if (keep[c]) continue;
        int64_t k = 0, has = 0;
        for (int64_t i = 0; i < n; ++i)
            if (!truth[i] || lab[i] == c) {
                sub[k] = score[i];
                t2[k++] = lab[i] == c;
                has += lab[i] == c;
            }
        if (has) s = pml_roc(sub, t2, k, NULL, NULL, NULL, &res->class_auc[c]);
    }
    free(t2);
    if (s == PML_OK && dir)
        rc = anomaly_plots(cmd, dir, fpr, tpr, pts, score, lab, n, keep, res->auc, quiet);
done:
    free(score);
    free(fpr);
    free(tpr);
    free(sub);
    free(lab);
    free(truth);
    if (s != PML_OK) return pml_cli_fail(cmd, "anomaly scores", s);
    return rc;
}
