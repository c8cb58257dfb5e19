#define _DEFAULT_SOURCE
/* physml ae as a user runs it on Fashion-MNIST (skipped without the dataset): a VAE's JSON
 * lines and pictures, a checkpointed run resumed to the same model file byte for byte, a
 * denoising autoencoder, anomaly scores, codes, samples, and the Ising T_c on small lattices. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pml_test.h"

static char out[1 << 16], err[1 << 14];

#define PHYSML(...)                                                                       \
    pml_test_physml((const char *const[]){__VA_ARGS__, NULL}, out, sizeof out, err,       \
                    sizeof err)

static void need_data(void)
{
    struct stat st;
    const char *dir = pml_data_default_dir();
    char p[512];
    snprintf(p, sizeof p, "%s/train-images-idx3-ubyte.gz", dir);
    if (stat(p, &st) != 0) cr_skip_test("Fashion-MNIST is not installed (%s)", dir);
}

/* The number after "key": in text, NaN when absent or null. */
static double num(const char *text, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\": ", key);
    const char *p = strstr(text, k);
    return p && strncmp(p + strlen(k), "null", 4) != 0 ? strtod(p + strlen(k), NULL) : NAN;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && st.st_size > 0;
}

/* whole files equal */
static int same_file(const char *a, const char *b)
{
    static unsigned char x[1 << 22], y[1 << 22];
    const size_t n = pml_test_read_file(a, x, sizeof x), m = pml_test_read_file(b, y, sizeof y);
    return n > 0 && n == m && memcmp(x, y, n) == 0;
}

Test(cli_ae, vae_json_pictures_and_resume, .init = pml_test_tmpdir_create,
     .fini = pml_test_tmpdir_remove)
{
    need_data();
    char dir[256], a[256], b[256], ck[256];
    snprintf(dir, sizeof dir, "%s", pml_test_tmppath("vae"));
    snprintf(a, sizeof a, "%s", pml_test_tmppath("a.safetensors"));
    snprintf(b, sizeof b, "%s", pml_test_tmppath("b.safetensors"));
    snprintf(ck, sizeof ck, "%s", pml_test_tmppath("ck.safetensors"));
    cr_assert_eq(PHYSML("ae", "train", "--preset", "vae", "--latent", "2", "--subset", "1500",
                        "--test-subset", "300", "--epochs", "2", "--iwae", "5", "--json",
                        "--quiet", "--device", "cpu", "--out", dir, "--save", a),
                 0, "%s", err);
    /* two epoch lines and a final one */
    const char *e2 = strstr(out, "\"epoch\": 2"), *fin = strstr(out, "\"final\": true");
    cr_assert(e2 && fin, "%s", out);
    const double recon = num(e2, "recon"), kl = num(e2, "kl"), elbo = num(e2, "elbo");
    cr_expect(kl > 0 && recon > 0 && fabs(elbo + recon + kl) < 1e-6 * fabs(elbo), "%s", e2);
    const double te = num(fin, "test_elbo"), tiw = num(fin, "test_iwae");
    cr_expect(te < 0 && te > -700 && tiw > te - 5, "test ELBO %g, IWAE %g", te, tiw);
    static const char *const files[] = {"loss.dat", "reconstructions.png", "samples.png",
                                        "interpolation.png", "latent_map.png", "codes.dat"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; ++i) {
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        cr_expect(exists(p), "%s missing", p);
    }
    /* a warm-up over 1.5 epochs of 12 steps (1425 training images, batch 128): the weight of
     * the epochs' last steps is 12/18 and 1 */
    cr_assert_eq(PHYSML("ae", "train", "--preset", "vae", "--latent", "2", "--subset", "1500",
                        "--test-subset", "300", "--epochs", "2", "--kl-warmup", "1.5", "--json",
                        "--quiet", "--device", "cpu"),
                 0, "%s", err);
    const char *w1 = strstr(out, "\"epoch\": 1"), *w2 = strstr(out, "\"epoch\": 2");
    cr_assert(w1 && w2, "%s", out);
    cr_expect(fabs(num(w1, "kl_weight") - 12.0 / 18.0) < 1e-9 && num(w2, "kl_weight") == 1.0,
              "%s", out);
    /* one epoch with a checkpoint, resumed to two: the same model file as one run of two */
    cr_assert_eq(PHYSML("ae", "train", "--preset", "vae", "--latent", "2", "--subset", "1500",
                        "--test-subset", "300", "--epochs", "1", "--quiet", "--device", "cpu",
                        "--checkpoint", ck),
                 0, "%s", err);
    cr_assert_eq(PHYSML("ae", "train", "--preset", "vae", "--latent", "2", "--subset", "1500",
                        "--test-subset", "300", "--epochs", "2", "--quiet", "--device", "cpu",
                        "--resume", ck, "--save", b),
                 0, "%s", err);
    cr_expect(same_file(a, b), "the resumed VAE differs from the uninterrupted one");
    /* another beta is another run: refused */
    cr_expect_eq(PHYSML("ae", "train", "--preset", "vae", "--latent", "2", "--subset", "1500",
                        "--test-subset", "300", "--epochs", "2", "--quiet", "--device", "cpu",
                        "--beta", "2", "--resume", ck),
                 2, "%s", err);
    /* so is a KL warm-up the checkpoint's run did not have */
    cr_expect_eq(PHYSML("ae", "train", "--preset", "vae", "--latent", "2", "--subset", "1500",
                        "--test-subset", "300", "--epochs", "2", "--quiet", "--device", "cpu",
                        "--kl-warmup", "1", "--resume", ck),
                 2, "%s", err);
    cr_expect(strstr(err, "kl_warmup") != NULL, "%s", err);
    /* samples and codes from the saved VAE */
    char s[256], e[256];
    snprintf(s, sizeof s, "%s", pml_test_tmppath("samples"));
    snprintf(e, sizeof e, "%s", pml_test_tmppath("codes"));
    cr_expect_eq(PHYSML("ae", "sample", "--model", a, "--n", "16", "--quiet", "--out", s), 0,
                 "%s", err);
    cr_expect_eq(PHYSML("ae", "encode", "--model", a, "--subset", "100", "--quiet", "--out", e),
                 0, "%s", err);
    char p[512];
    snprintf(p, sizeof p, "%s/codes.npy", e);
    pml_device *dev = pml_test_open_cpu();
    pml_tensor *codes = NULL;
    PML_ASSERT_OK(pml_npy_read(dev, p, &codes));
    cr_expect(pml_tensor_dim(codes, 0) == 100 && pml_tensor_dim(codes, 1) == 2);
    pml_tensor_destroy(codes);
    pml_device_close(dev);
    snprintf(p, sizeof p, "%s/logvar.npy", e);
    cr_expect(exists(p));
    snprintf(p, sizeof p, "%s/samples.png", s);
    cr_expect(exists(p));
}

Test(cli_ae, denoising_and_anomaly, .init = pml_test_tmpdir_create,
     .fini = pml_test_tmpdir_remove)
{
    need_data();
    char m[256], dir[256];
    snprintf(m, sizeof m, "%s", pml_test_tmppath("den.safetensors"));
    snprintf(dir, sizeof dir, "%s", pml_test_tmppath("an"));
    cr_assert_eq(PHYSML("ae", "train", "--preset", "dense", "--denoise", "mask:0.3", "--classes",
                        "0-7", "--subset", "6000", "--test-subset", "500", "--epochs", "4",
                        "--json", "--quiet", "--device", "cpu", "--save", m),
                 0, "%s", err);
    const double noisy = num(out, "mse_noisy"), den = num(out, "mse_denoised");
    cr_expect(den < 0.7 * noisy, "denoised %g, masked %g", den, noisy);
    /* bags (8) and ankle boots (9) never seen: scored on 1000 test images */
    cr_assert_eq(PHYSML("ae", "anomaly", "--model", m, "--normal", "0-7", "--test-subset", "1000",
                        "--json", "--quiet", "--device", "cpu", "--out", dir),
                 0, "%s", err);
    const double auc = num(out, "auc"), a8 = num(out, "auc_class_8");
    cr_expect(auc > 0 && auc < 1 && a8 > 0.6, "AUC %g, bags %g", auc, a8);
    char p[512];
    snprintf(p, sizeof p, "%s/roc.dat", dir);
    cr_expect(exists(p));
    snprintf(p, sizeof p, "%s/hist.dat", dir);
    cr_expect(exists(p));
}

/* --tied: the dense preset with the decoder on the encoder's weights, 784 x 256 + 256 x 32
 * parameters fewer than untied, trained and saved; refused for a VAE */
Test(cli_ae, tied_weights, .init = pml_test_tmpdir_create, .fini = pml_test_tmpdir_remove)
{
    need_data();
    char a[256];
    snprintf(a, sizeof a, "%s", pml_test_tmppath("tied.safetensors"));
    cr_assert_eq(PHYSML("ae", "train", "--preset", "dense", "--subset", "600", "--test-subset",
                        "100", "--epochs", "1", "--json", "--quiet", "--device", "cpu"),
                 0, "%s", err);
    const double untied = num(strstr(out, "\"final\""), "params");
    cr_assert_eq(PHYSML("ae", "train", "--preset", "dense", "--tied", "--subset", "600",
                        "--test-subset", "100", "--epochs", "1", "--json", "--quiet", "--device",
                        "cpu", "--save", a),
                 0, "%s", err);
    const char *fin = strstr(out, "\"final\"");
    cr_assert(fin, "%s", out);
    cr_expect(num(fin, "params") == untied - (784 * 256 + 256 * 32), "params %g, untied %g",
              num(fin, "params"), untied);
    cr_expect(isfinite(num(fin, "test_loss")), "%s", fin);
    cr_expect(exists(a));
    cr_expect_eq(PHYSML("ae", "train", "--preset", "vae", "--tied", "--quiet"), 2, "%s", err);
    cr_expect_eq(PHYSML("ae", "train", "--preset", "vae", "--init", "normal:-1", "--quiet"), 2,
                 "%s", err);
    cr_expect(strstr(err, "--init") != NULL, "%s", err);
}

Test(cli_ae, ising_tc_small, .init = pml_test_tmpdir_create, .fini = pml_test_tmpdir_remove)
{
    cr_assert_eq(PHYSML("ae", "ising", "--L", "12,16,24", "--T", "1.6:3.2:0.1", "--configs", "200",
                        "--epochs", "8", "--hidden", "32", "--json", "--quiet", "--device", "cpu",
                        "--out", pml_test_tmppath("is")),
                 0, "%s", err);
    const char *fin = strstr(out, "\"final\": true");
    cr_assert(fin, "%s", out);
    const double t = num(fin, "tc_inf");
    cr_expect(t > 2.0 && t < 2.55, "extrapolated T_c %g from L = 12, 16, 24", t);
    const double c = num(strstr(out, "\"L\": 24"), "corr_abs_m");
    cr_expect(c > 0.9, "corr(|z|, |m|) %g", c);
    char p[512];
    snprintf(p, sizeof p, "%s/ising_ae.dat", pml_test_tmppath("is"));
    cr_expect(exists(p));
}
