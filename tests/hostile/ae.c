/* physml ae: bad numbers, option combinations and refusals are one line naming the option and
 * exit 2, before any data is loaded (the data directory here does not exist: a data error
 * would be exit 1); a model that cannot do what is asked is refused by name. */
#include "hostile.h"

#include <stdio.h>
#include <string.h>

#include "physml/physml.h"

HOSTILE(ae_usage_errors)
{
    USAGE("--epochs", "ae", "train", "--epochs", "0");
    USAGE("--batch", "ae", "train", "--batch", "-1");
    USAGE("--latent", "ae", "train", "--latent", "0");
    USAGE("--beta", "ae", "train", "--preset", "vae", "--beta", "-0.5");
    USAGE("--beta", "ae", "train", "--preset", "vae", "--beta", "nan");
    USAGE("--beta", "ae", "train", "--preset", "dense", "--beta", "2", "--data", "/nonexistent");
    USAGE("--tied", "ae", "train", "--preset", "convvae", "--tied", "--data", "/nonexistent");
    USAGE("--kl-warmup", "ae", "train", "--preset", "vae", "--kl-warmup", "-1");
    USAGE("--kl-warmup", "ae", "train", "--preset", "vae", "--kl-warmup", "inf");
    USAGE("--kl-warmup", "ae", "train", "--preset", "vae", "--kl-warmup", "2e6");
    USAGE("--kl-warmup", "ae", "train", "--preset", "conv", "--kl-warmup", "2", "--data",
          "/nonexistent");
    USAGE("--sigma", "ae", "train", "--preset", "vae", "--sigma", "0");
    USAGE("--sigma", "ae", "train", "--preset", "vae", "--sigma", "2", "--data", "/nonexistent");
    USAGE("--iwae", "ae", "train", "--preset", "conv", "--iwae", "10", "--data", "/nonexistent");
    USAGE("--loss", "ae", "train", "--loss", "xent");
    USAGE("--preset", "ae", "train", "--preset", "gan");
    USAGE("--denoise", "ae", "train", "--denoise", "mask:1.5", "--data", "/nonexistent");
    USAGE("--denoise", "ae", "train", "--denoise", "blur:3", "--data", "/nonexistent");
    USAGE("--denoise", "ae", "train", "--denoise", "mask:0.7,saltpepper:0.7", "--data",
          "/nonexistent");
    USAGE("--decoder", "ae", "train", "--encoder", "dense:8", "--data", "/nonexistent");
    USAGE("--preset", "ae", "train", "--preset", "vae", "--encoder", "dense:8", "--decoder",
          "dense:784", "--data", "/nonexistent");
    USAGE("--vae", "ae", "train", "--vae", "--data", "/nonexistent");
    USAGE("--latent", "ae", "train", "--encoder", "dense:8", "--decoder", "dense:784",
          "--latent", "4", "--data", "/nonexistent");
    /* specs are checked against Fashion-MNIST's 1 x 28 x 28 before it is loaded */
    USAGE("--encoder", "ae", "train", "--encoder", "dense:3", "--decoder", "dense:784", "--vae");
    USAGE("--encoder", "ae", "train", "--encoder", "dense:8", "--decoder", "dense:783");
    USAGE("--encoder", "ae", "train", "--encoder", "dense:8", "--decoder", "relu,dense:784");
    USAGE("--classes", "ae", "train", "--classes", "0-", "--data", "/nonexistent");
    USAGE("--classes", "ae", "train", "--classes", "3-1", "--data", "/nonexistent");
    USAGE("--checkpoint-every", "ae", "train", "--checkpoint-every", "2", "--data",
          "/nonexistent");
    USAGE("--normal", "ae", "anomaly", "--model", "m.safetensors");
    USAGE("--normal", "ae", "anomaly", "--model", "m.safetensors", "--normal", "0-300");
    USAGE("--model", "ae", "anomaly", "--normal", "0-8");
    USAGE("--model", "ae", "anomaly", "--normal", "0-8", "--train", "--model", "m");
    USAGE("--save", "ae", "anomaly", "--normal", "0-8", "--model", "m", "--save", "x");
    USAGE("--model", "ae", "sample", "--out", pml_test_tmppath("s"));
    USAGE("--out", "ae", "sample", "--model", "m");
    USAGE("--n", "ae", "sample", "--model", "m", "--n", "0", "--out", pml_test_tmppath("s"));
    USAGE("--out", "ae", "reconstruct", "--model", "m");
    USAGE("--denoise", "ae", "reconstruct", "--model", "m", "--denoise", "gauss:-1", "--out",
          pml_test_tmppath("r"));
    USAGE("--split", "ae", "encode", "--model", "m", "--split", "val", "--out",
          pml_test_tmppath("e"));
    USAGE("--L", "ae", "ising", "--L", "7");
    USAGE("--L", "ae", "ising", "--L", "16,16");
    USAGE("--L", "ae", "ising", "--L", "1000");
    USAGE("--T", "ae", "ising", "--T", "3:1:0.1");
    USAGE("--T", "ae", "ising", "--T", "2.0,2.1");
    USAGE("--T", "ae", "ising", "--T", "-1,1,2");
    USAGE("--configs", "ae", "ising", "--configs", "8");
    USAGE("--blocks", "ae", "ising", "--blocks", "1");
    USAGE("--blocks", "ae", "ising", "--configs", "20", "--blocks", "30");
    USAGE("--lr", "ae", "ising", "--lr", "0");
    cr_expect_eq(PHYSML("ae"), 2);
    cr_expect_eq(PHYSML("ae", "nope"), 2);
    cr_expect(strstr(hostile_err, "nope") != NULL, "%s", hostile_err);
    cr_expect_eq(PHYSML("ae", "anomaly", "--model", "/nonexistent.safetensors", "--normal", "0-8"),
                 1);
    cr_expect(strstr(hostile_err, "/nonexistent.safetensors") != NULL, "%s", hostile_err);
}

/* A model that is not a VAE has no prior to sample, and a plain model file is not an
 * autoencoder: refused by name, nothing written. */
HOSTILE(ae_refuses_the_wrong_model)
{
    pml_device *dev = pml_test_open_cpu();
    pml_ae_config c = pml_ae_defaults();
    c.encoder = "dense:4";
    c.decoder = "dense:784";
    pml_autoencoder *ae = NULL;
    PML_ASSERT_OK(pml_ae_create(dev, 3, (int64_t[]){1, 28, 28}, 4, &c, 1, &ae));
    char model[256], plain[256];
    snprintf(model, sizeof model, "%s", pml_test_tmppath("ae.safetensors"));
    snprintf(plain, sizeof plain, "%s", pml_test_tmppath("plain.safetensors"));
    PML_ASSERT_OK(pml_ae_save(ae, model));
    PML_ASSERT_OK(pml_model_save(pml_ae_model(ae), plain, NULL));
    cr_expect_eq(PHYSML("ae", "sample", "--model", model, "--out", pml_test_tmppath("s")), 2);
    cr_expect(strstr(hostile_err, "--model") && strstr(hostile_err, "not a VAE"), "%s",
              hostile_err);
    FILE *f = fopen(pml_test_tmppath("s/samples.png"), "rb");
    cr_expect_null(f, "samples were written");
    if (f) fclose(f);
    cr_expect_eq(PHYSML("ae", "encode", "--model", plain, "--out", pml_test_tmppath("e")), 1);
    cr_expect(strstr(hostile_err, "not an autoencoder"), "%s", hostile_err);
    pml_ae_destroy(ae);
    pml_device_close(dev);
}
