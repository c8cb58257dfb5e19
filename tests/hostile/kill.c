/* kill -9 at moments spread over runs that save as they go: whatever moment it lands, the
 * file on disk is the previous complete one or the new complete one (it loads), and no
 * temporary file is left behind once a later run has finished. */
#include "hostile.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Kill the run `args` after a delay that sweeps [lo_ms, hi_ms) over `tries`; after each kill
 * `check(path)` must accept the file (when there is one). Returns how many kills found a
 * file. */
static int kill_and_check(const char *const *args, int tries, int lo_ms, int hi_ms,
                          const char *path, void (*check)(const char *path, int k))
{
    int found = 0;
    for (int k = 0; k < tries; ++k) {
        const int pid = hostile_spawn(args);
        /* a stride coprime with tries visits the window in a scattered order */
        const int ms = lo_ms + (hi_ms - lo_ms) * ((k * 7) % tries) / tries;
        usleep((useconds_t)ms * 1000u);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        struct stat st;
        if (stat(path, &st) != 0) continue; /* killed before the first save */
        check(path, k);
        ++found;
    }
    return found;
}

static void state_loads(const char *path, int k)
{
    pml_device *dev = pml_test_open_cpu();
    pml_ising *g = NULL;
    cr_expect_eq(pml_ising_load(dev, path, &g), PML_OK, "kill %d: %s", k, pml_last_error());
    pml_ising_destroy(g);
    pml_device_close(dev);
}

static void model_loads(const char *path, int k)
{
    pml_device *dev = pml_test_open_cpu();
    pml_model *m = NULL;
    cr_expect_eq(pml_model_load(dev, path, 1, &m), PML_OK, "kill %d: %s", k, pml_last_error());
    pml_model_destroy(m);
    pml_device_close(dev);
}

HOSTILE(kill_during_state_saves)
{
    char state[300];
    snprintf(state, sizeof state, "%s", pml_test_tmppath("state"));
    /* a 256² state every sweep: the saves fill the run */
    const char *const args[] = {"ising", "--L", "256", "--T", "2.3", "--sweeps", "100000",
                                "--therm", "0", "--save-state", state, "--save-every", "1",
                                "--quiet", "--device", "cpu", NULL};
    const int found = kill_and_check(args, 12, 150, 650, state, state_loads);
    cr_expect(found > 0, "no kill came after a save: the test saw nothing");
    cr_expect_leq(hostile_leftovers(pml_test_tmppath("")), found,
                 "more temporary files than kills");
    /* a run that finishes clears nothing it did not make, and leaves no temporary file */
    cr_expect_eq(PHYSML("ising", "--L", "16", "--sweeps", "10", "--therm", "0", "--save-state",
                        state, "--quiet", "--device", "cpu"), 0, "%s", hostile_err);
    state_loads(state, -1);
}

HOSTILE(kill_during_model_saves)
{
    char model[300];
    snprintf(model, sizeof model, "%s", pml_test_tmppath("model.safetensors"));
    const char *const args[] = {"train", "--subset", "2000", "--test-subset", "500",
                                "--epochs", "1", "--arch", "dense:256,relu,dense:10", "--val",
                                "0", "--quiet", "--device", "cpu", "--save", model, NULL};
    /* a good model first, then runs killed anywhere from start-up to after the save */
    cr_assert_eq(PHYSML("train", "--subset", "2000", "--test-subset", "500", "--epochs", "1",
                        "--arch", "dense:256,relu,dense:10", "--val", "0", "--quiet",
                        "--device", "cpu", "--save", model),
                 0, "%s", hostile_err);
    const int found = kill_and_check(args, 16, 100, 2500, model, model_loads);
    cr_expect_eq(found, 16, "the good model disappeared");
}

/* kill -9 at moments spread over a run that writes a checkpoint after every epoch: the file
 * left is a whole checkpoint (which is also a model file). */
HOSTILE(kill_during_checkpoints)
{
    char ck[300];
    snprintf(ck, sizeof ck, "%s", pml_test_tmppath("ck.safetensors"));
    const char *const args[] = {"train", "--subset", "1000", "--test-subset", "200", "--epochs",
                                "1000", "--arch", "dense:256,relu,dense:10", "--opt", "adam",
                                "--val", "0.1", "--quiet", "--device", "cpu", "--checkpoint",
                                ck, NULL};
    const int found = kill_and_check(args, 12, 600, 2400, ck, model_loads);
    cr_expect(found > 0, "no kill came after a checkpoint: the test saw nothing");
}
