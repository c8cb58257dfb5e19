/* rbm logz --ais with a checkpoint: killed with -9 after its first checkpoint and resumed, the
 * same JSON as the run never killed (but for the seconds); the option combinations that make
 * no sense, and a checkpoint of another run, are usage errors naming the option. */
#include "hostile.h"

#include <stdio.h>
#include <string.h>

/* json without its "seconds": values */
static void cut_seconds(char *json)
{
    for (char *p; (p = strstr(json, "\"seconds\": ")) != NULL;) {
        char *q = p + strlen("\"seconds\": ");
        while (*q && *q != '}' && *q != ',') ++q;
        memmove(p, q, strlen(q) + 1);
    }
}

/* A small model of the Fashion-MNIST images (784 visible x 16 hidden, one epoch on 600
 * images: half a second) at path. Trained, not random: AIS from the data's base rates to it
 * is then trusted (no warning on stderr). */
static void small_model(const char *path)
{
    cr_assert_eq(PHYSML("rbm", "train", "--device", "cpu", "--quiet", "--hidden", "16",
                        "--subset", "600", "--epochs", "1", "--monitor", "100", "--save", path),
                 0, "%s", hostile_err);
}

/* 100 runs x 500 steps: about a second of AIS on one core, a checkpoint every 5 steps */
#define AIS_RUN(model) "rbm", "logz", "--model", model, "--ais", "100:500", "--test-subset", \
                       "100", "--base-subset", "600", "--json", "--quiet", "--device", "cpu"

HOSTILE(rbm_logz_ais_killed_and_resumed_matches)
{
    char model[300], ck[300];
    snprintf(model, sizeof model, "%s", pml_test_tmppath("m.safetensors"));
    snprintf(ck, sizeof ck, "%s", pml_test_tmppath("ais.ck"));
    small_model(model);
    const char *const run[] = {AIS_RUN(model), NULL};
    hostile_killed_run_matches(run, "--checkpoint", "--resume", ck, 150, cut_seconds,
                               "resumed at step");
    cr_expect(strstr(hostile_out, "\"method\": \"ais\"") != NULL, "%s", hostile_out);
    /* the finished checkpoint resumes to the same numbers without a step, and says so */
    cr_assert_eq(PHYSML("rbm", "logz", "--model", model, "--ais", "100:500", "--test-subset",
                        "100", "--base-subset", "600", "--device", "cpu", "--resume", ck),
                 0, "%s", hostile_err);
    cr_expect(strstr(hostile_err, "resumed at step 500 of 500 from") != NULL &&
                  strchr(hostile_err, '\n') == strrchr(hostile_err, '\n'),
              "%s", hostile_err);
    /* another run's checkpoint: exit 2 naming --resume and the field that differs */
    USAGE("--resume", AIS_RUN(model), "--resume", ck, "--seed", "2");
    cr_expect(strstr(hostile_err, "seed is '1' there, '2' here") != NULL, "%s", hostile_err);
    USAGE("--resume", "rbm", "logz", "--model", model, "--ais", "100:600", "--test-subset",
          "100", "--base-subset", "600", "--device", "cpu", "--resume", ck);
    cr_expect(strstr(hostile_err, "steps is '500' there, '600' here") != NULL, "%s", hostile_err);
    /* other base rates (from 500 training images instead of 600) */
    USAGE("--resume", "rbm", "logz", "--model", model, "--ais", "100:500", "--test-subset",
          "100", "--base-subset", "500", "--device", "cpu", "--resume", ck);
    cr_expect(strstr(hostile_err, "base_fingerprint") != NULL, "%s", hostile_err);
}

HOSTILE(rbm_logz_checkpoint_options)
{
    char model[300], ck[300], nowhere[300];
    snprintf(model, sizeof model, "%s", pml_test_tmppath("m.safetensors"));
    snprintf(ck, sizeof ck, "%s", pml_test_tmppath("ais.ck"));
    snprintf(nowhere, sizeof nowhere, "%s/no/such/dir/ck", pml_test_tmpdir);
    USAGE("--checkpoint-every", "rbm", "logz", "--model", model, "--ais", "10:10",
          "--checkpoint-every", "5");
    USAGE("--checkpoint-every", "rbm", "logz", "--model", model, "--ais", "10:10",
          "--checkpoint", ck, "--checkpoint-every", "0");
    USAGE("--checkpoint", "rbm", "logz", "--model", model, "--exact", "--checkpoint", ck);
    USAGE("--resume", "rbm", "logz", "--model", model, "--exact", "--resume", ck);
    /* files checked before the model and the data are loaded: neither exists here */
    cr_expect_eq(PHYSML("rbm", "logz", "--model", model, "--data", nowhere, "--ais", "10:10",
                        "--checkpoint", nowhere, "--device", "cpu"), 1);
    cr_expect(strstr(hostile_err, "--checkpoint") != NULL && strstr(hostile_err, "no/such/dir"),
              "%s", hostile_err);
    cr_expect_eq(PHYSML("rbm", "logz", "--model", model, "--data", nowhere, "--ais", "10:10",
                        "--resume", ck, "--device", "cpu"), 1);
    cr_expect(strstr(hostile_err, "--resume") != NULL && strstr(hostile_err, "ais.ck"), "%s",
              hostile_err);
    cr_expect_eq(PHYSML("rbm", "logz", "--model", model, "--data", nowhere, "--ais", "10:10",
                        "--resume", pml_test_tmpdir, "--device", "cpu"), 1);
    cr_expect(strstr(hostile_err, "a directory") != NULL, "%s", hostile_err);
}
