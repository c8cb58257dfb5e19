/* physml rbm with bad input: every bad number, option combination and unfit model file is a
 * one-line error naming the option or the file, before any work; a checkpointed RBM run
 * resumes; a model file written by the tool loads. */
#include "hostile.h"

#include <stdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

HOSTILE(rbm_bad_numbers)
{
    USAGE("--hidden", "rbm", "train", "--hidden", "0");
    USAGE("--hidden", "rbm", "train", "--hidden", "1e9");
    USAGE("--cd", "rbm", "train", "--cd", "0");
    USAGE("--pcd", "rbm", "train", "--pcd", "-1");
    USAGE("--pcd", "rbm", "train", "--cd", "2", "--pcd", "1");
    USAGE("--pt", "rbm", "train", "--pt", "4");
    USAGE("--pt", "rbm", "train", "--pcd", "1", "--pt", "65");
    USAGE("--pt-beta-min", "rbm", "train", "--pcd", "1", "--pt", "4", "--pt-beta-min", "0");
    USAGE("--chains", "rbm", "train", "--chains", "10");
    USAGE("--lr", "rbm", "train", "--lr", "0");
    USAGE("--lr", "rbm", "train", "--lr", "nan");
    USAGE("--momentum", "rbm", "train", "--momentum", "1");
    USAGE("--weight-decay", "rbm", "train", "--weight-decay", "-0.1");
    USAGE("--threshold", "rbm", "train", "--threshold", "1");
    USAGE("--binarize", "rbm", "train", "--binarize", "round");
    USAGE("--batch", "rbm", "train", "--batch", "0");
    USAGE("--epochs", "rbm", "train", "--epochs", "0");
    USAGE("--val", "rbm", "train", "--val", "0.95");
    USAGE("--ais", "rbm", "train", "--ais", "1:100");
    USAGE("--ais", "rbm", "train", "--ais", "100");
    USAGE("--ais", "rbm", "train", "--ais", "100:0");
    USAGE("--ais-every", "rbm", "train", "--ais-every", "2");
    USAGE("--ais-every", "rbm", "train", "--ais", "10:10", "--ais-every", "-1");
    USAGE("--schedule", "rbm", "train", "--schedule", "sometimes");
    USAGE("--checkpoint-every", "rbm", "train", "--checkpoint-every", "2");
    USAGE("--model", "rbm", "logz");
    USAGE("--ais", "rbm", "logz", "--model", "m.safetensors", "--exact", "--ais", "10:10");
    USAGE("--ais", "rbm", "logz", "--model", "m.safetensors", "--ais", "10:x");
    USAGE("--chains", "rbm", "sample", "--model", "m", "--out", "o", "--chains", "0");
    USAGE("--steps", "rbm", "sample", "--model", "m", "--out", "o", "--steps", "0");
    USAGE("--out", "rbm", "sample", "--model", "m");
    USAGE("--occlude", "rbm", "complete", "--model", "m", "--out", "o", "--occlude", "top");
    USAGE("--occlude", "rbm", "complete", "--model", "m", "--out", "o", "--occlude", "random:1.5");
    USAGE("--count", "rbm", "complete", "--model", "m", "--out", "o", "--count", "0");
    USAGE("--L", "rbm", "ising", "--L", "7");
    USAGE("--L", "rbm", "ising", "--L", "1");
    USAGE("--T", "rbm", "ising", "--T", "0");
    USAGE("--T", "rbm", "ising", "--T", "3:1:0.5");
    USAGE("--samples", "rbm", "ising", "--samples", "5");
    USAGE("--method", "rbm", "ising", "--method", "pt");
    cr_expect_eq(PHYSML("rbm", "fit"), 2);
    cr_expect(strstr(hostile_err, "unknown subcommand 'fit'") != NULL, "%s", hostile_err);
}

HOSTILE(rbm_unfit_model_files)
{
    /* not a model file: named */
    const char *junk = pml_test_tmppath("junk.safetensors");
    pml_test_write_file(junk, "not safetensors", 15);
    cr_expect_eq(PHYSML("rbm", "sample", "--device", "cpu", "--model", junk, "--out",
                        pml_test_tmppath("o1")), 1);
    cr_expect(strstr(hostile_err, "junk.safetensors") != NULL, "%s", hostile_err);
    /* a model whose visible units do not fit the images: refused from the data's header */
    pml_device *cpu = NULL;
    pml_rbm *r = NULL;
    cr_assert_eq(pml_device_open("cpu", &cpu), PML_OK);
    cr_assert_eq(pml_rbm_create(cpu, 100, 30, 4, 1, &r), PML_OK);
    const char *m100 = pml_test_tmppath("m100.safetensors");
    cr_assert_eq(pml_rbm_save(r, m100, NULL), PML_OK);
    pml_rbm_destroy(r);
    pml_device_close(cpu);
    const char *data = getenv("PML_DATA_DIR") ? getenv("PML_DATA_DIR") : "/usr/share/datasets/fashion-mnist";
    cr_expect_eq(PHYSML("rbm", "complete", "--device", "cpu", "--model", m100, "--data", data,
                        "--out", pml_test_tmppath("o2")), 1);
    cr_expect(strstr(hostile_err, "100") != NULL && strchr(hostile_err, '\n') == strrchr(hostile_err, '\n'),
              "%s", hostile_err);
    /* exact log Z of a model too large for it: a usage error naming --exact */
    USAGE("--exact", "rbm", "logz", "--device", "cpu", "--model", m100, "--exact");
}

/* The commands end to end on a small model: train (JSON lines with the keys, a model
 * file, pictures), logz exact and by AIS (one JSON object), sample and complete. */
HOSTILE(rbm_commands_work)
{
    const char *model = pml_test_tmppath("m.safetensors"), *out = pml_test_tmppath("out");
    cr_assert_eq(PHYSML("rbm", "train", "--device", "cpu", "--quiet", "--hidden", "16",
                        "--subset", "600", "--epochs", "2", "--monitor", "100", "--pcd", "1",
                        "--json", "--save", model, "--out", out, "--ais", "20:50",
                        "--test-subset", "200"), 0, "%s", hostile_err);
    const char *keys[] = {"\"epoch\": 2", "\"recon_error\"", "\"pseudo_loglik\"",
                          "\"free_energy_train\"", "\"free_energy_val\"", "\"seconds\"",
                          "\"final\": true", "\"test_logprob\""};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; ++i)
        cr_expect(strstr(hostile_out, keys[i]) != NULL, "no %s in %s", keys[i], hostile_out);
    char png[600];
    snprintf(png, sizeof png, "%s/samples.png", out);
    cr_expect(access(png, R_OK) == 0, "%s missing", png);
    cr_assert_eq(PHYSML("rbm", "logz", "--device", "cpu", "--model", model, "--exact", "--json",
                        "--test-subset", "100"), 0, "%s", hostile_err);
    cr_expect(strstr(hostile_out, "\"method\": \"exact\"") && strstr(hostile_out, "\"logz_err\": 0"),
              "%s", hostile_out);
    double exact = 0, ais = 0;
    sscanf(strstr(hostile_out, "\"logz\": ") + 8, "%lf", &exact);
    cr_assert_eq(PHYSML("rbm", "logz", "--device", "cpu", "--model", model, "--ais", "200:500",
                        "--json", "--test-subset", "100", "--base-subset", "600"), 0, "%s",
                 hostile_err);
    sscanf(strstr(hostile_out, "\"logz\": ") + 8, "%lf", &ais);
    cr_expect(fabs(ais - exact) < 0.5, "AIS %g against exact %g", ais, exact);
    cr_expect_eq(PHYSML("rbm", "sample", "--device", "cpu", "--quiet", "--model", model,
                        "--chains", "8", "--steps", "20", "--out", out), 0, "%s", hostile_err);
    cr_expect_eq(PHYSML("rbm", "complete", "--device", "cpu", "--quiet", "--model", model,
                        "--count", "4", "--steps", "20", "--average", "10", "--json", "--out",
                        out), 0, "%s", hostile_err);
    cr_expect(strstr(hostile_out, "\"error_rate\"") != NULL, "%s", hostile_out);
}
