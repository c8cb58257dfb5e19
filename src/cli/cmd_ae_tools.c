/* physml ae anomaly | sample | reconstruct | encode: what a trained autoencoder (a file from
 * `ae train --save`) does with data: anomaly scores with their ROC curve, samples from a VAE's
 * prior, reconstructions (of corrupted images too), and the latent codes of a dataset. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ae_cli.h"

/* The model file and the test split (its first `test_n`, 0: all, more than it holds refused
 * as option n_opt's error) on dev. */
static int load(const char *cmd, pml_device *dev, const char *model, const char *data,
                int train_split, int64_t test_n, const char *n_opt, pml_autoencoder **ae,
                pml_dataset **all, pml_dataset **part)
{
    pml_status s = pml_ae_load(dev, model, 256, ae);
    if (s != PML_OK) return pml_cli_fail(cmd, "--model", s);
    const char *dir = data ? data : pml_data_default_dir();
    s = pml_dataset_load_expect(dev, dir, train_split ? PML_SPLIT_TRAIN : PML_SPLIT_TEST,
                                pml_model_in_features(pml_ae_model(*ae)), all);
    if (s != PML_OK) return pml_cli_fail(cmd, train_split ? "loading the training set"
                                                          : "loading the test set", s);
    pml_dataset *h = NULL;
    const int r = pml_cli_head(cmd, n_opt, *all, test_n, "images of the split", &h);
    *part = h ? h : *all;
    return r;
}

static void unload(pml_autoencoder *ae, pml_dataset *all, pml_dataset *part, pml_device *dev)
{
    if (part != all) pml_dataset_destroy(part);
    pml_dataset_destroy(all);
    pml_ae_destroy(ae);
    pml_device_close(dev);
}

/* ---- anomaly ------------------------------------------------------------------------------ */
#define ANOMALY "ae anomaly"

/* --train: a preset trained on the normal classes of the training split. */
static int train_normal(pml_device *dev, const char *data, const char *preset, int64_t latent,
                        int64_t epochs, int64_t subset, uint64_t seed, const uint8_t keep[256],
                        pml_ae_cli_ckpt *ck, int quiet, pml_autoencoder **out)
{
    const char *dir = data ? data : pml_data_default_dir();
    pml_dataset *full = NULL, *head = NULL, *sel = NULL;
    pml_status s = pml_dataset_load(dev, dir, PML_SPLIT_TRAIN, &full);
    if (s != PML_OK) return pml_cli_fail(ANOMALY, "loading the training set", s);
    int r = pml_cli_head(ANOMALY, "subset", full, subset, "training images", &head);
    if (r) {
        pml_dataset_destroy(full);
        return r;
    }
    s = pml_dataset_select_classes(head ? head : full, keep, 256, &sel);
    if (s != PML_OK) r = pml_cli_fail(ANOMALY, "the normal classes", s);
    if (!r && !quiet)
        fprintf(stderr, "physml %s: training the %s preset (latent %lld) on %lld images of the "
                        "normal classes, %lld epochs\n",
                ANOMALY, preset, (long long)latent, (long long)pml_dataset_size(sel),
                (long long)epochs);
    double secs = 0, last = 0;
    if (!r) r = pml_ae_cli_fit(ANOMALY, dev, sel, preset, latent, NULL, epochs, seed, ck, out,
                               &secs, &last);
    if (!r && !quiet && ck->resumed_from_epoch > 0)
        fprintf(stderr, "physml %s: resumed from %s after epoch %d\n", ANOMALY, ck->resume,
                ck->resumed_from_epoch);
    if (!r && !quiet)
        fprintf(stderr, "physml %s: trained in %.1f s, last epoch's loss %.4f\n", ANOMALY, secs,
                last);
    pml_dataset_destroy(sel);
    pml_dataset_destroy(head);
    pml_dataset_destroy(full);
    return r;
}

int pml_cmd_ae_anomaly(int argc, char **argv)
{
    const char *model = NULL, *normal = NULL, *data = NULL, *device = "auto", *out = NULL;
    const char *preset = "dense", *save = NULL, *checkpoint = NULL, *resume = NULL;
    int64_t test_n = 0, epochs = 10, latent = 32, subset = 0, ck_every = 1;
    uint64_t seed = 1;
    int json = 0, quiet = 0, train = 0, ck_every_given = 0;
    const pml_opt opts[] = {
        {"model", PML_OPT_STR, &model, "FILE", "a trained autoencoder (ae train --save)"},
        {"normal", PML_OPT_STR, &normal, "LIST", "the normal classes, e.g. 0-8; the rest are "
                                                 "the anomalies"},
        {"train", PML_OPT_FLAG, &train, NULL, "train one first on the normal classes"},
        {"preset", PML_OPT_CHOICE, &preset, "P", "with --train: dense, vae, conv or convvae "
                                                 "(dense)", .choices = "dense|vae|conv|convvae"},
        {"latent", PML_OPT_INT, &latent, "N", "with --train: latent units (32)", 1, 4096},
        {"epochs", PML_OPT_INT, &epochs, "N", "with --train: epochs (10)", 1, 1000000},
        {"subset", PML_OPT_INT, &subset, "N", "with --train: the first N training images (0: "
                                              "all)", 0, 1e12},
        {"save", PML_OPT_STR, &save, "FILE", "with --train: write the autoencoder"},
        {"checkpoint", PML_OPT_STR, &checkpoint, "FILE",
         "with --train: the training's state, written atomically every --checkpoint-every "
         "epochs and after the last"},
        {"checkpoint-every", PML_OPT_INT, &ck_every, "N", "epochs between checkpoints (1)", 0,
         1e6, .given = &ck_every_given},
        {"resume", PML_OPT_STR, &resume, "FILE",
         "with --train: continue the training a checkpoint holds (the same options; --epochs "
         "may grow)"},
        {"data", PML_OPT_STR, &data, "DIR", "MNIST-format directory (default: Fashion-MNIST)"},
        {"test-subset", PML_OPT_INT, &test_n, "N", "the first N test images (0: all)", 0, 1e12},
        {"seed", PML_OPT_U64, &seed, "S", "seed of --train (1)"},
        {"device", PML_OPT_STR, &device, "D", "auto (default), cpu, cuda, cuda:N"},
        {"out", PML_OPT_STR, &out, "DIR", "roc.{dat,gp,png}, hist.{dat,gp,png}"},
        {"json", PML_OPT_FLAG, &json, NULL, "one JSON object"},
        {"quiet", PML_OPT_FLAG, &quiet, NULL, "no messages on stderr but errors"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse(
        ANOMALY,
        "ae anomaly (--model FILE | --train [--preset P] [--epochs N] [--checkpoint FILE] "
        "[--resume FILE]) --normal 0-8 [--data DIR] [--json] [--out DIR]",
        "Anomaly detection by reconstruction error: an autoencoder trained on the normal "
        "classes scores every test image; the ROC curve and AUC of the other classes as the "
        "anomalies, the AUC of each anomalous class alone, and the errors' histogram per class.",
        argc, argv, 3, opts);
    if (r) return r == 1 ? 0 : r;
    if (!normal) return pml_cli_usage(ANOMALY, "normal", "needs the normal classes, e.g. 0-8");
    if ((model != NULL) == (train != 0))
        return pml_cli_usage(ANOMALY, "model", "give --model FILE or --train, one of them");
    if (save && !train) return pml_cli_usage(ANOMALY, "save", "goes with --train");
    if (checkpoint && !train) return pml_cli_usage(ANOMALY, "checkpoint", "goes with --train");
    if (resume && !train) return pml_cli_usage(ANOMALY, "resume", "goes with --train");
    uint8_t keep[256];
    if (pml_ae_cli_classes(ANOMALY, "normal", normal, keep)) return 2;
    if (out && pml_cli_out_dir(ANOMALY, out)) return 1;
    if (save && pml_cli_out_file(ANOMALY, "save", save)) return 1;
    if ((r = pml_cli_resumable(ANOMALY, checkpoint, ck_every_given, resume)) != 0) return r;
    pml_ae_cli_ckpt ck = {.checkpoint = checkpoint, .resume = resume, .every = (int)ck_every};
    pml_device *dev = NULL;
    if ((r = pml_cli_open_device(ANOMALY, device, &dev))) return r;
    pml_autoencoder *ae = NULL;
    pml_dataset *all = NULL, *test = NULL;
    if (train) {
        /* the test split first: a --test-subset beyond it is a usage error before the work
         * (the model trains on the same directory's training split, of the same images) */
        const char *dir = data ? data : pml_data_default_dir();
        pml_status s = pml_dataset_load(dev, dir, PML_SPLIT_TEST, &all);
        test = all;
        if (s != PML_OK) r = pml_cli_fail(ANOMALY, "loading the test set", s);
        if (!r) r = pml_cli_fits(ANOMALY, "test-subset", test_n, pml_dataset_size(all),
                                 "test images");
        if (!r) r = train_normal(dev, data, preset, latent, epochs, subset, seed, keep, &ck, quiet,
                                &ae);
        if (!r && pml_model_in_features(pml_ae_model(ae)) != pml_dataset_features(all))
            r = pml_cli_fail(ANOMALY, "the test set's images differ from the training set's",
                             PML_ERR_BAD_FORMAT);
        if (!r && save) {
            s = pml_ae_save(ae, save);
            if (s != PML_OK) r = pml_cli_fail(ANOMALY, "--save", s);
            else if (!quiet) fprintf(stderr, "wrote %s\n", save);
        }
        pml_dataset *h = NULL;
        if (!r) r = pml_cli_head(ANOMALY, NULL, all, test_n, "test images", &h);
        if (h) test = h;
    } else {
        r = load(ANOMALY, dev, model, data, 0, test_n, "test-subset", &ae, &all, &test);
    }
    pml_ae_cli_anomaly_result res;
    if (!r) r = pml_ae_cli_anomaly(ANOMALY, ae, test, keep, out, quiet, &res);
    if (!r && json) {
        pml_jsonl j;
        pml_jsonl_begin(&j, stdout);
        pml_jsonl_num(&j, "auc", res.auc);
        pml_jsonl_str(&j, "normal", normal);
        pml_jsonl_int(&j, "n_normal", res.n_normal);
        pml_jsonl_int(&j, "n_anomaly", res.n_anomaly);
        pml_jsonl_num(&j, "mean_error_normal", res.mean_normal);
        pml_jsonl_num(&j, "mean_error_anomaly", res.mean_anomaly);
        for (int c = 0; c < 256; ++c)
            if (!isnan(res.class_auc[c])) {
                char key[32];
                snprintf(key, sizeof key, "auc_class_%d", c);
                pml_jsonl_num(&j, key, res.class_auc[c]);
            }
        pml_jsonl_end(&j);
    } else if (!r) {
        printf("anomaly detection by reconstruction error: %lld normal test images (classes %s), "
               "%lld anomalies\n",
               (long long)res.n_normal, normal, (long long)res.n_anomaly);
        printf("  mean error: normal %.5g, anomalies %.5g\n", res.mean_normal, res.mean_anomaly);
        printf("  AUC %.4f", res.auc);
        int k = 0;
        for (int c = 0; c < 256; ++c)
            if (!isnan(res.class_auc[c])) printf("%s class %d: %.4f", k++ ? "," : ";", c,
                                                 res.class_auc[c]);
        printf("\n");
    }
    if (test != all) pml_dataset_destroy(test);
    unload(ae, all, all, dev);
    return r;
}

/* ---- sample --------------------------------------------------------------------------------- */
#define SAMPLE "ae sample"

int pml_cmd_ae_sample(int argc, char **argv)
{
    const char *model = NULL, *device = "auto", *out = NULL;
    int64_t n = 64;
    uint64_t seed = 1;
    int quiet = 0;
    const pml_opt opts[] = {
        {"model", PML_OPT_STR, &model, "FILE", "a trained VAE (ae train --preset vae --save)"},
        {"n", PML_OPT_INT, &n, "N", "samples (64)", 1, 256},
        {"seed", PML_OPT_U64, &seed, "S", "the prior's draws (1)"},
        {"device", PML_OPT_STR, &device, "D", "auto (default), cpu, cuda, cuda:N"},
        {"out", PML_OPT_STR, &out, "DIR", "samples.png and samples.npy"},
        {"quiet", PML_OPT_FLAG, &quiet, NULL, "no messages on stderr but errors"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse(SAMPLE, "ae sample --model FILE [--n 64] [--seed S] --out DIR",
                          "Decode draws z ~ N(0, I) from a VAE's prior into images.", argc, argv, 3,
                          opts);
    if (r) return r == 1 ? 0 : r;
    if (!model) return pml_cli_usage(SAMPLE, "model", "needs a trained VAE");
    if (!out) return pml_cli_usage(SAMPLE, "out", "needs a directory for the samples");
    if (pml_cli_out_dir(SAMPLE, out)) return 1;
    pml_device *dev = NULL;
    if ((r = pml_cli_open_device(SAMPLE, device, &dev))) return r;
    pml_autoencoder *ae = NULL;
    pml_status s = pml_ae_load(dev, model, 256, &ae);
    if (s != PML_OK) r = pml_cli_fail(SAMPLE, "--model", s);
    if (!r && !pml_ae_config_of(ae)->vae)
        r = pml_cli_usage(SAMPLE, "model", "'%s' is not a VAE: only a VAE has a prior to sample",
                          model);
    int rows = 0, cols = 0;
    if (!r) pml_ae_cli_image(ae, &rows, &cols);
    const int64_t L = r ? 0 : pml_ae_latent(ae), F = r ? 0 : pml_model_in_features(pml_ae_model(ae));
    float *z = r ? NULL : malloc((size_t)(n * L) * sizeof *z);
    pml_tensor *zt = NULL;
    if (!r && z == NULL) r = pml_cli_fail(SAMPLE, "samples", PML_ERR_OUT_OF_MEMORY);
    for (int64_t i = 0; !r && i < n * L; ++i)
        z[i] = pml_rng_normal(seed, 0x4145505200000000ull, (uint64_t)i);
    const pml_tensor *y = NULL;
    if (!r) s = pml_tensor_create_2d(dev, PML_F32, n, L, &zt);
    if (!r && s == PML_OK) s = pml_tensor_upload(zt, z, (size_t)(n * L) * sizeof *z);
    if (!r && s == PML_OK) s = pml_ae_decode(ae, zt, n, &y);
    float *h = !r && s == PML_OK ? malloc((size_t)(n * F) * sizeof *h) : NULL;
    if (!r && s == PML_OK && h == NULL) s = PML_ERR_OUT_OF_MEMORY;
    if (!r && s == PML_OK) s = pml_tensor_download_head(y, h, (size_t)(n * F) * sizeof *h);
    if (!r && s != PML_OK) r = pml_cli_fail(SAMPLE, "decoding", s);
    if (!r) {
        pml_ae_cli_to_pixels(ae, h, n * F);
        r = pml_cli_npy(SAMPLE, out, "samples.npy", PML_F32, 2, (const int64_t[]){n, F}, h, quiet);
        if (!r && rows)
            r = pml_cli_image_grid(SAMPLE, out, "samples.png", h, n, rows, cols, 8, 3, 0, quiet);
    }
    free(z);
    free(h);
    pml_tensor_destroy(zt);
    pml_ae_destroy(ae);
    pml_device_close(dev);
    return r;
}

/* ---- reconstruct ---------------------------------------------------------------------------- */
#define RECON "ae reconstruct"

int pml_cmd_ae_reconstruct(int argc, char **argv)
{
    const char *model = NULL, *data = NULL, *device = "auto", *out = NULL, *denoise = NULL;
    uint64_t seed = 1;
    int quiet = 0;
    const pml_opt opts[] = {
        {"model", PML_OPT_STR, &model, "FILE", "a trained autoencoder"},
        {"data", PML_OPT_STR, &data, "DIR", "MNIST-format directory (default: Fashion-MNIST)"},
        {"denoise", PML_OPT_STR, &denoise, "C",
         "also corrupt the images (gauss:S, mask:P, saltpepper:P) and show them denoised"},
        {"seed", PML_OPT_U64, &seed, "S", "the corruption's draws (1)"},
        {"device", PML_OPT_STR, &device, "D", "auto (default), cpu, cuda, cuda:N"},
        {"out", PML_OPT_STR, &out, "DIR", "reconstructions.png, interpolation.png (denoise.png)"},
        {"quiet", PML_OPT_FLAG, &quiet, NULL, "no messages on stderr but errors"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse(RECON, "ae reconstruct --model FILE [--data DIR] [--denoise C] --out DIR",
                          "Test images above their reconstructions; with --denoise the corrupted "
                          "images, their reconstructions and the clean ones; the decodings "
                          "between two test images' codes.",
                          argc, argv, 3, opts);
    if (r) return r == 1 ? 0 : r;
    if (!model) return pml_cli_usage(RECON, "model", "needs a trained autoencoder");
    if (!out) return pml_cli_usage(RECON, "out", "needs a directory for the pictures");
    pml_augment aug = {0, 0, 0.0f, 0.0f, 0.0f};
    if (denoise && pml_ae_cli_denoise(RECON, denoise, &aug)) return 2;
    if (pml_cli_out_dir(RECON, out)) return 1;
    pml_device *dev = NULL;
    if ((r = pml_cli_open_device(RECON, device, &dev))) return r;
    pml_autoencoder *ae = NULL;
    pml_dataset *all = NULL, *test = NULL;
    r = load(RECON, dev, model, data, 0, 64, NULL, &ae, &all, &test);
    if (!r) {
        int rows = 0, cols = 0;
        pml_ae_cli_image(ae, &rows, &cols);
        if (rows == 0) r = pml_cli_usage(RECON, "model", "'%s' does not take images", model);
    }
    if (!r)
        r = pml_ae_cli_pictures(RECON, out, ae, test, &aug, seed,
                                PML_AE_PICT_RECON | PML_AE_PICT_DENOISE | PML_AE_PICT_INTERP,
                                quiet);
    unload(ae, all, test, dev);
    return r;
}

/* ---- encode --------------------------------------------------------------------------------- */
#define ENCODE "ae encode"

int pml_cmd_ae_encode(int argc, char **argv)
{
    const char *model = NULL, *data = NULL, *device = "auto", *out = NULL, *split = "test";
    int64_t subset = 0;
    int quiet = 0;
    const pml_opt opts[] = {
        {"model", PML_OPT_STR, &model, "FILE", "a trained autoencoder"},
        {"data", PML_OPT_STR, &data, "DIR", "MNIST-format directory (default: Fashion-MNIST)"},
        {"split", PML_OPT_CHOICE, &split, "S", "test (default) or train", .choices = "test|train"},
        {"subset", PML_OPT_INT, &subset, "N", "the first N images (0: all)", 0, 1e12},
        {"device", PML_OPT_STR, &device, "D", "auto (default), cpu, cuda, cuda:N"},
        {"out", PML_OPT_STR, &out, "DIR", "codes.npy (mu for a VAE), logvar.npy (a VAE), "
                                          "labels.npy; codes.png for a 2-D latent"},
        {"quiet", PML_OPT_FLAG, &quiet, NULL, "no messages on stderr but errors"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse(ENCODE, "ae encode --model FILE [--data DIR] [--split test|train] "
                                  "[--subset N] --out DIR",
                          "The latent codes of a dataset's images as .npy files (n x latent, "
                          "float32; a VAE's mu and log sigma^2), with the labels.",
                          argc, argv, 3, opts);
    if (r) return r == 1 ? 0 : r;
    if (!model) return pml_cli_usage(ENCODE, "model", "needs a trained autoencoder");
    if (!out) return pml_cli_usage(ENCODE, "out", "needs a directory for the codes");
    if (pml_cli_out_dir(ENCODE, out)) return 1;
    pml_device *dev = NULL;
    if ((r = pml_cli_open_device(ENCODE, device, &dev))) return r;
    pml_autoencoder *ae = NULL;
    pml_dataset *all = NULL, *ds = NULL;
    r = load(ENCODE, dev, model, data, strcmp(split, "train") == 0, subset, "subset", &ae, &all,
             &ds);
    const int64_t n = r ? 0 : pml_dataset_size(ds), L = r ? 0 : pml_ae_latent(ae),
                  W = r ? 0 : pml_ae_code_width(ae), mb = 256;
    float *code = r ? NULL : malloc((size_t)(mb * W) * sizeof *code);
    float *mu = r ? NULL : malloc((size_t)(n * L) * sizeof *mu);
    float *lv = r ? NULL : malloc((size_t)(n * L) * sizeof *lv);
    int32_t *lab = r ? NULL : malloc((size_t)n * sizeof *lab);
    pml_tensor *x = NULL, *lt = NULL;
    pml_status s = PML_OK;
    if (!r && !(code && mu && lv && lab)) s = PML_ERR_OUT_OF_MEMORY;
    if (!r && s == PML_OK) s = pml_tensor_create_2d(dev, PML_F32, mb, pml_dataset_features(ds), &x);
    if (!r && s == PML_OK) s = pml_tensor_create_1d(dev, PML_I32, mb, &lt);
    for (int64_t start = 0; !r && s == PML_OK && start < n; start += mb) {
        int64_t k = n - start < mb ? n - start : mb;
        const pml_tensor *z = NULL;
        s = pml_dataset_batch(ds, start, k, PML_SCALE_UNIT, NULL, 0, 0, x, lt);
        if (s == PML_OK) s = pml_ae_encode(ae, x, k, &z);
        if (s == PML_OK) s = pml_tensor_download_head(z, code, (size_t)(k * W) * sizeof *code);
        if (s == PML_OK) s = pml_tensor_download_head(lt, lab + start, (size_t)k * sizeof *lab);
        for (int64_t i = 0; s == PML_OK && i < k; ++i) {
            memcpy(mu + (start + i) * L, code + i * W, (size_t)L * sizeof *mu);
            if (W > L) memcpy(lv + (start + i) * L, code + i * W + L, (size_t)L * sizeof *lv);
        }
    }
    if (!r && s != PML_OK) r = pml_cli_fail(ENCODE, "encoding", s);
    /* the arrays as .npy through host-built tensors on the CPU side of dev */
    const char *names[3] = {"codes.npy", "logvar.npy", "labels.npy"};
    const void *src[3] = {mu, lv, lab};
    for (int f = 0; !r && f < 3; ++f)
        if (f != 1 || W > L)
            r = pml_cli_npy(ENCODE, out, names[f], f == 2 ? PML_I32 : PML_F32, f == 2 ? 1 : 2,
                            (const int64_t[]){n, L}, src[f], quiet);
    if (!r && !quiet)
        printf("encoded %lld images into a %lld-unit latent%s\n", (long long)n, (long long)L,
               W > L ? " (mu and log sigma^2)" : "");
    if (!r && L == 2)
        r = pml_ae_cli_pictures(ENCODE, out, ae, ds, NULL, 1, PML_AE_PICT_LATENT, quiet);
    free(code);
    free(mu);
    free(lv);
    free(lab);
    pml_tensor_destroy(x);
    pml_tensor_destroy(lt);
    unload(ae, all, ds, dev);
    return r;
}
