/* Checkpoints (src/nn/checkpoint.c): a run stopped after k epochs and resumed in fresh objects
 * ends bit for bit where the uninterrupted run ends (parameters, optimiser state, every
 * history entry), for momentum with augmentation, Adam with reduce-on-plateau, early stopping
 * with restore-best and the denoising reconstruction step; a child killed with SIGKILL mid-run
 * resumes to the same end; a kill during a write leaves the previous checkpoint whole; a
 * resume refuses another run's checkpoint, naming the field, and damaged files; and the
 * fingerprints are FNV-1a's values. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/internal.h" /* pml_fnv1a */
#include "nn/model.h"     /* the optimiser's state, to compare it */
#include "pml_test.h"

TestSuite(nn_checkpoint, .init = pml_test_tmpdir_create, .fini = pml_test_tmpdir_remove);

/* One training set-up; every run of it makes its datasets, model and optimiser afresh. */
typedef struct scenario {
    const char *spec;
    pml_init init;
    pml_optim_config oc;
    pml_train_config c; /* c.epochs: the whole run */
    int n;              /* toy examples (seed 7) */
    double val;         /* fraction held out for validation (0: none) */
    int head;           /* > 0: train on the first `head` training examples only */
    int reconstruct;    /* the reconstruction step instead of the classifier */
    int random_labels;  /* labels drawn apart from the images: nothing to learn but noise */
} scenario;

/* A scenario with the optimiser's and the driver's defaults. */
static scenario make(const char *spec, pml_init init, pml_optim_kind kind, int n, double val)
{
    scenario sc;
    memset(&sc, 0, sizeof sc);
    sc.spec = spec;
    sc.init = init;
    sc.oc = pml_optim_defaults(kind);
    sc.c = pml_train_defaults();
    sc.n = n;
    sc.val = val;
    return sc;
}

typedef struct rig {
    pml_dataset *full, *tr, *va, *head;
    pml_model *m;
    pml_optimizer *o;
    pml_train_step *step;
} rig;

/* n 4x4 images of Philox noise with labels drawn apart from them. */
static pml_dataset *noise_dataset(pml_device *dev, int n)
{
    uint8_t img[4096 * 16], lab[4096];
    cr_assert(n <= 4096);
    for (int i = 0; i < n * 16; ++i) img[i] = (uint8_t)pml_rng_u32(9, 1, (uint64_t)i);
    for (int i = 0; i < n; ++i) lab[i] = (uint8_t)(pml_rng_u32(9, 2, (uint64_t)i) % 4);
    pml_dataset *ds = NULL;
    PML_ASSERT_OK(pml_dataset_from_host(dev, n, 4, 4, img, lab, 4, &ds));
    return ds;
}

static rig rig_make(pml_device *dev, const scenario *sc)
{
    rig g = {sc->random_labels ? noise_dataset(dev, sc->n) : pml_test_toy_dataset(dev, sc->n, 7),
             NULL, NULL, NULL, NULL, NULL, NULL};
    PML_ASSERT_OK(pml_dataset_split(g.full, sc->val, 1, &g.tr, &g.va));
    if (sc->head) PML_ASSERT_OK(pml_dataset_head(g.tr, sc->head, &g.head));
    /* the 4x4 images as 1x4x4, so that convolutions see them (dense layers take them flat) */
    PML_ASSERT_OK(pml_model_create_shaped(dev, PML_F32, 3, (int64_t[]){1, 4, 4}, 32, &g.m));
    PML_ASSERT_OK(pml_model_add_spec(g.m, sc->spec, sc->init, 0.0f, 3));
    PML_ASSERT_OK(pml_optimizer_create(dev, &sc->oc, &g.o));
    PML_ASSERT_OK(sc->reconstruct ? pml_train_step_reconstruction(&g.step)
                                  : pml_train_step_classifier(&g.step));
    return g;
}

static void rig_free(rig *g)
{
    pml_train_step_destroy(g->step);
    pml_optimizer_destroy(g->o);
    pml_model_destroy(g->m);
    pml_dataset_destroy(g->head);
    pml_dataset_destroy(g->tr);
    pml_dataset_destroy(g->va);
    pml_dataset_destroy(g->full);
}

/* The epoch callback: stop after `stop_after` epochs (0: never), sleeping a little first when
 * asked (so that a parent can kill the run in the middle). */
typedef struct ctl {
    int stop_after, sleep_ms;
} ctl;

static int on_epoch(void *user, int epoch, int64_t step, int64_t steps, const pml_epoch_stats *st)
{
    (void)step;
    (void)steps;
    const ctl *k = user;
    if (st == NULL || k == NULL) return 0;
    if (k->sleep_ms) usleep((useconds_t)k->sleep_ms * 1000u);
    return k->stop_after > 0 && epoch + 1 == k->stop_after;
}

/* Train g as sc says, `epochs` long (0: sc's), with these checkpoint settings. */
static pml_status train(rig *g, const scenario *sc, int epochs, const char *ckpt, int every,
                        const char *resume, ctl *k, pml_train_result *res)
{
    pml_train_config c = sc->c;
    if (epochs) c.epochs = epochs;
    c.checkpoint = ckpt;
    c.checkpoint_every = every;
    c.resume = resume;
    c.callback = on_epoch;
    c.user = k;
    return pml_train_with(g->m, g->o, g->step, g->head ? g->head : g->tr, g->va, &c, res);
}

/* What a run ends with. */
typedef struct outcome {
    float w[4096], state[8192]; /* every parameter, then every optimiser state tensor */
    size_t nw, nstate;
    int64_t t;
    double lr;
    pml_train_result r; /* seconds zeroed: the one thing that may differ */
} outcome;

static size_t append(float *dst, size_t at, size_t cap, const pml_tensor *t)
{
    const size_t n = (size_t)pml_tensor_numel(t);
    cr_assert(at + n <= cap, "outcome buffer too small");
    PML_ASSERT_OK(pml_tensor_download(t, dst + at, n * sizeof *dst));
    return at + n;
}

static void collect(rig *g, pml_train_result *res, outcome *out)
{
    memset(out, 0, sizeof *out);
    const int n = pml_model_num_param_tensors(g->m);
    for (int i = 0; i < n; ++i) {
        pml_tensor *p = NULL;
        PML_ASSERT_OK(pml_model_param_tensor(g->m, i, NULL, &p, NULL));
        out->nw = append(out->w, out->nw, 4096, p);
        for (int which = 0; which < 2; ++which) {
            const pml_tensor *s = pml_optimizer_state(g->o, i, which);
            if (s) out->nstate = append(out->state, out->nstate, 8192, s);
        }
    }
    /* and the buffers (batch norm's running statistics) */
    for (int i = n; i < pml_model_num_state_tensors(g->m); ++i) {
        pml_tensor *p = NULL;
        PML_ASSERT_OK(pml_model_state_tensor(g->m, i, NULL, &p));
        out->nw = append(out->w, out->nw, 4096, p);
    }
    out->t = pml_optimizer_steps(g->o);
    out->lr = pml_optimizer_lr(g->o);
    out->r = *res;
    out->r.seconds = 0;
    for (int e = 0; e < res->epochs_run; ++e) out->r.history[e].seconds = 0;
}

static void outcome_free(outcome *o) { pml_train_result_free(&o->r); }

/* A whole run of sc in fresh objects, with its checkpoint settings. */
static pml_status run(pml_device *dev, const scenario *sc, int epochs, const char *ckpt,
                      int every, const char *resume, ctl *k, outcome *out)
{
    rig g = rig_make(dev, sc);
    pml_train_result res;
    const pml_status s = train(&g, sc, epochs, ckpt, every, resume, k, &res);
    collect(&g, &res, out);
    rig_free(&g);
    return s;
}

/* Every field the same bits (the padding between them aside). */
static int same_stats(const pml_epoch_stats *a, const pml_epoch_stats *b)
{
#define SAME(f) (memcmp(&a->f, &b->f, sizeof a->f) == 0)
    return SAME(epoch) && SAME(train_loss) && SAME(train_acc) && SAME(val_loss) &&
           SAME(val_acc) && SAME(lr) && SAME(seconds) && SAME(samples);
#undef SAME
}

/* Bit for bit the same end. */
static void expect_same(const outcome *a, const outcome *b, const char *what)
{
    cr_expect_eq(a->nw, b->nw, "%s: parameter count", what);
    cr_expect(pml_test_equal_bytes("parameters", a->w, b->w, a->nw, 4), "%s", what);
    cr_expect_eq(a->nstate, b->nstate, "%s: optimiser state size", what);
    cr_expect(pml_test_equal_bytes("optimiser state", a->state, b->state, a->nstate, 4), "%s",
              what);
    cr_expect_eq(a->t, b->t, "%s: optimiser steps %lld vs %lld", what, (long long)a->t,
                 (long long)b->t);
    cr_expect(memcmp(&a->lr, &b->lr, sizeof a->lr) == 0, "%s: rate %.17g vs %.17g", what, a->lr,
              b->lr);
    cr_expect_eq(a->r.epochs_run, b->r.epochs_run, "%s: epochs %d vs %d", what, a->r.epochs_run,
                 b->r.epochs_run);
    cr_expect_eq(a->r.best_epoch, b->r.best_epoch, "%s: best epoch", what);
    cr_expect_eq(a->r.stopped_early, b->r.stopped_early, "%s: stopped early", what);
    cr_expect_eq(a->r.samples, b->r.samples, "%s: samples", what);
    const int ne = a->r.epochs_run < b->r.epochs_run ? a->r.epochs_run : b->r.epochs_run;
    for (int e = 0; e < ne; ++e)
        cr_expect(same_stats(&a->r.history[e], &b->r.history[e]),
                  "%s: history of epoch %d: loss %.17g vs %.17g, val %.17g vs %.17g, lr %.17g "
                  "vs %.17g", what, e, a->r.history[e].train_loss, b->r.history[e].train_loss,
                  a->r.history[e].val_loss, b->r.history[e].val_loss, a->r.history[e].lr,
                  b->r.history[e].lr);
}

/* The uninterrupted run; the run stopped by its callback after k epochs (0: one epoch before
 * the uninterrupted run's last) with checkpoints every epoch; the run resumed from that
 * checkpoint in fresh objects: the same end. `need` (may be NULL) asserts that the
 * uninterrupted run does what the test needs of it. */
static void check_resume(const scenario *sc, int k, void (*need)(const outcome *whole),
                         const char *what)
{
    pml_device *dev = pml_test_open_cpu();
    const char *ck = pml_test_tmppath("run.safetensors");
    outcome *whole = malloc(sizeof *whole), *part = malloc(sizeof *part),
            *rest = malloc(sizeof *rest);
    PML_ASSERT_OK(run(dev, sc, 0, NULL, 0, NULL, NULL, whole));
    if (need) need(whole);
    if (k == 0) k = whole->r.epochs_run - 1;
    cr_assert(k >= 1 && whole->r.epochs_run > k, "%s: the whole run has only %d epochs", what,
              whole->r.epochs_run);
    ctl stop = {k, 0};
    PML_ASSERT_OK(run(dev, sc, 0, ck, 1, NULL, &stop, part));
    cr_expect_eq(part->r.epochs_run, k);
    cr_expect_eq(part->r.checkpoint_epoch, k, "%s: the checkpoint holds %d epochs", what,
                 part->r.checkpoint_epoch);
    PML_ASSERT_OK(run(dev, sc, 0, ck, 1, ck, NULL, rest));
    cr_expect_eq(rest->r.resumed_from_epoch, k, "%s: resumed from %d", what,
                 rest->r.resumed_from_epoch);
    expect_same(rest, whole, what);
    outcome_free(whole);
    outcome_free(part);
    outcome_free(rest);
    free(whole);
    free(part);
    free(rest);
    pml_device_close(dev);
}

/* Momentum (Nesterov) with a step schedule and every augmentation: the shuffle depends on the
 * epoch, the shifts, flips and noise on the global step. */
static scenario momentum_augmented(void)
{
    scenario sc = make("dense:8,tanh,dense:4", PML_INIT_XAVIER, PML_OPTIM_MOMENTUM, 240, 1.0 / 6);
    sc.oc.nesterov = 1;
    sc.oc.weight_decay = 1e-3;
    sc.c.epochs = 6;
    sc.c.batch = 24; /* 200 training examples: 9 steps, the last one of 8 */
    sc.c.augment = (pml_augment){1, 1, 0.1f, 0.0f, 0.0f};
    PML_ASSERT_OK(pml_schedule_parse("step:2:0.5", 0.05, &sc.c.schedule));
    return sc;
}

/* The fingerprints checkpoints record are FNV-1a's published values (so files written before
 * the hash moved to src/core/hash.c still resume), and a hash fed in pieces is the hash of the
 * whole. */
Test(nn_checkpoint, fingerprint_hash_is_fnv1a)
{
    cr_expect_eq(pml_fnv1a(PML_FNV1A_INIT, "", 0), 0xcbf29ce484222325ull);
    cr_expect_eq(pml_fnv1a(PML_FNV1A_INIT, "a", 1), 0xaf63dc4c8601ec8cull);
    cr_expect_eq(pml_fnv1a(PML_FNV1A_INIT, "foobar", 6), 0x85944171f73967e8ull);
    cr_expect_eq(pml_fnv1a(pml_fnv1a(PML_FNV1A_INIT, "foo", 3), "bar", 3),
                 0x85944171f73967e8ull);
}

Test(nn_checkpoint, momentum_with_augmentation_resumes_bit_for_bit)
{
    scenario sc = momentum_augmented();
    check_resume(&sc, 3, NULL, "momentum, augmented");
}

/* Adam with reduce-on-plateau (patience 1) on labels that are noise: the network memorises the
 * training set and the validation loss wanders, so the rate is cut before the checkpoint and
 * after it, and the plateau's best, rate and count all matter. */
static scenario adam_plateau(void)
{
    scenario sc = make("dense:16,relu,dense:4", PML_INIT_HE, PML_OPTIM_ADAM, 240, 1.0 / 6);
    sc.random_labels = 1;
    sc.c.epochs = 10;
    sc.c.batch = 32;
    sc.c.augment.noise = 0.05f;
    PML_ASSERT_OK(pml_schedule_parse("plateau:1:0.5", 0.01, &sc.c.schedule));
    return sc;
}

/* the rate falls before epoch 5 and after it */
static void rate_cut_twice(const outcome *whole)
{
    const pml_epoch_stats *h = whole->r.history;
    cr_assert(whole->r.epochs_run == 10 && h[4].lr < h[0].lr && h[9].lr < h[5].lr,
              "rates %g %g %g %g", h[0].lr, h[4].lr, h[5].lr, h[9].lr);
}

/* A convolutional network with dropout (masks keyed by the step) and batch norm (running
 * statistics in the checkpoint) resumes to the same bits. */
Test(nn_checkpoint, cnn_with_dropout_and_batchnorm_resumes_bit_for_bit)
{
    scenario sc = make("conv:3:3:pad=same:nobias,batchnorm,relu,maxpool:2,flatten,dropout:0.3,"
                       "dense:4", PML_INIT_HE, PML_OPTIM_ADAM, 96, 0.25);
    sc.c.epochs = 4;
    sc.c.batch = 16;
    check_resume(&sc, 2, NULL, "cnn, dropout, batchnorm");
}

Test(nn_checkpoint, adam_with_plateau_resumes_bit_for_bit)
{
    scenario sc = adam_plateau();
    check_resume(&sc, 5, rate_cut_twice, "adam, plateau");
}

/* A small training set overfits at once: the best epoch comes early, early stopping ends the
 * run three epochs later and restores it. Resumed one epoch before the stop, the snapshot of
 * the best epoch (before the checkpoint) must come from the file. */
static scenario early_stop(void)
{
    scenario sc = make("dense:64,relu,dense:4", PML_INIT_HE, PML_OPTIM_ADAM, 600, 0.5);
    sc.head = 12;
    sc.c.epochs = 200;
    sc.c.batch = 4;
    sc.c.early_stop = 3;
    sc.c.scaling = PML_SCALE_RAW;
    sc.c.schedule = pml_schedule_constant(0.01);
    return sc;
}

/* stopped early, three epochs after the best */
static void stopped_after_best(const outcome *whole)
{
    cr_assert(whole->r.stopped_early && whole->r.best_epoch + 4 == whole->r.epochs_run);
}

Test(nn_checkpoint, early_stopping_with_restore_best_resumes_bit_for_bit)
{
    scenario sc = early_stop();
    check_resume(&sc, 0, stopped_after_best, "early stopping, restore-best");
}

Test(nn_checkpoint, denoising_reconstruction_resumes_bit_for_bit)
{
    scenario sc = make("dense:6,tanh,dense:16,sigmoid", PML_INIT_XAVIER, PML_OPTIM_ADAM, 160, 0.25);
    sc.reconstruct = 1;
    sc.oc.lr = 0.01;
    sc.c.epochs = 4;
    sc.c.batch = 32;
    sc.c.loss = PML_LOSS_MSE;
    sc.c.augment.noise = 0.2f;
    check_resume(&sc, 2, NULL, "denoising autoencoder");
}

/* A finished run's checkpoint: asked for more epochs it goes on (as one longer run would);
 * asked for the same it returns the stored result, restore-best applied, without a step;
 * asked for fewer it is refused. */
Test(nn_checkpoint, finished_runs_extend_or_return_their_result)
{
    pml_device *dev = pml_test_open_cpu();
    const char *ck = pml_test_tmppath("done.safetensors");
    outcome *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    scenario sc = momentum_augmented();
    PML_ASSERT_OK(run(dev, &sc, 3, ck, 0, NULL, NULL, a)); /* checkpoint_every 0: the last */
    cr_expect_eq(a->r.checkpoint_epoch, 3);
    outcome_free(a);
    PML_ASSERT_OK(run(dev, &sc, 6, NULL, 0, ck, NULL, a));
    PML_ASSERT_OK(run(dev, &sc, 6, NULL, 0, NULL, NULL, b));
    expect_same(a, b, "3 epochs, then 3 more");
    outcome_free(a);
    outcome_free(b);

    sc = early_stop();
    PML_ASSERT_OK(run(dev, &sc, 0, ck, 5, NULL, NULL, b));
    cr_assert(b->r.stopped_early && b->r.checkpoint_epoch == b->r.epochs_run);
    PML_ASSERT_OK(run(dev, &sc, 0, NULL, 0, ck, NULL, a));
    expect_same(a, b, "an early-stopped run's checkpoint");
    cr_expect_eq(a->r.resumed_from_epoch, b->r.epochs_run);
    outcome_free(a);
    cr_expect_eq(run(dev, &sc, b->r.epochs_run - 1, NULL, 0, ck, NULL, a),
                 PML_ERR_INVALID_ARGUMENT);
    cr_expect(strstr(pml_last_error(), "more than the"), "%s", pml_last_error());
    outcome_free(a);
    outcome_free(b);
    free(a);
    free(b);
    pml_device_close(dev);
}

/* checkpoint_every 2 over 5 epochs writes after epochs 2, 4 and 5 (the last); the epoch
 * callback sees the file as it was before its epoch's write. */
typedef struct cadence {
    const char *path;
    int seen[8];
} cadence;

static int epochs_in(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0) return 0;
    pml_device *dev = NULL;
    PML_ASSERT_OK(pml_device_open("cpu", &dev));
    pml_safetensors st;
    PML_ASSERT_OK(pml_safetensors_read(dev, path, &st));
    const char *v = pml_safetensors_meta(&st, "physml_epochs_done");
    const int e = v ? atoi(v) : -1;
    pml_safetensors_free(&st);
    pml_device_close(dev);
    return e;
}

static int watch(void *user, int epoch, int64_t step, int64_t steps, const pml_epoch_stats *st)
{
    (void)step;
    (void)steps;
    cadence *c = user;
    if (st && epoch < 8) c->seen[epoch] = epochs_in(c->path);
    return 0;
}

Test(nn_checkpoint, written_every_n_epochs_and_after_the_last)
{
    pml_device *dev = pml_test_open_cpu();
    scenario sc = momentum_augmented();
    rig g = rig_make(dev, &sc);
    cadence cad = {pml_test_tmppath("every2.safetensors"), {0}};
    pml_train_config c = sc.c;
    c.epochs = 5;
    c.checkpoint = cad.path;
    c.checkpoint_every = 2;
    c.callback = watch;
    c.user = &cad;
    pml_train_result r;
    PML_ASSERT_OK(pml_train_with(g.m, g.o, g.step, g.tr, g.va, &c, &r));
    const int want[5] = {0, 0, 2, 2, 4};
    for (int e = 0; e < 5; ++e) cr_expect_eq(cad.seen[e], want[e], "epoch %d", e + 1);
    cr_expect_eq(epochs_in(cad.path), 5);
    cr_expect_eq(r.checkpoint_epoch, 5);
    pml_train_result_free(&r);
    /* the file is a model too: pml_model_load takes its parameters */
    pml_model *m = NULL;
    PML_ASSERT_OK(pml_model_load(dev, cad.path, 32, &m));
    pml_tensor *p = NULL, *q = NULL;
    PML_ASSERT_OK(pml_model_param_tensor(m, 0, NULL, &p, NULL));
    PML_ASSERT_OK(pml_model_param_tensor(g.m, 0, NULL, &q, NULL));
    cr_expect(pml_test_same_tensor("0.weight of the checkpoint", p, q));
    pml_model_destroy(m);
    rig_free(&g);
    pml_device_close(dev);
}

/* ---- kill -9 ------------------------------------------------------------------------------ */

/* Wait (up to 60 s) until path exists; 1 when it does. */
static int wait_for(const char *path)
{
    struct stat sb;
    for (int i = 0; i < 60000; ++i) {
        if (stat(path, &sb) == 0) return 1;
        usleep(1000);
    }
    return 0;
}

/* The temporary files a killed writer left beside `name` in the test directory: counted, and
 * removed. */
static int leftovers(const char *name)
{
    DIR *d = opendir(pml_test_tmpdir);
    cr_assert(d != NULL);
    char prefix[128];
    snprintf(prefix, sizeof prefix, ".%s.tmp.", name);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
            unlink(pml_test_tmppath(e->d_name));
            ++n;
        }
    closedir(d);
    return n;
}

/* The writer of the second kill test: a 0.6M-parameter model (7 MB with Adam's moments) and
 * one step per epoch, so that writing checkpoints is most of what it does. */
static scenario big_writer(void)
{
    scenario sc = make("dense:768,relu,dense:768,relu,dense:4", PML_INIT_HE, PML_OPTIM_ADAM, 16, 0);
    sc.c.batch = 16;
    return sc;
}

/* The child of the kill tests is this test program run again (fork, then exec: a forked copy
 * of a process whose OpenMP threads have run would wait forever for threads it does not have)
 * with PML_CKPT_CHILD="SCENARIO EPOCHS SLEEP_MS PATH"; it trains with a checkpoint after every
 * epoch before Criterion starts, and exits. */
__attribute__((constructor)) static void kill_test_child(void)
{
    const char *job = getenv("PML_CKPT_CHILD");
    if (job == NULL) return;
    char which[16], path[512];
    int epochs = 0, sleep_ms = 0;
    if (sscanf(job, "%15s %d %d %511s", which, &epochs, &sleep_ms, path) != 4) _exit(2);
    pml_device *dev = NULL;
    if (pml_device_open("cpu", &dev) != PML_OK) _exit(3);
    const scenario sc = strcmp(which, "big") == 0 ? big_writer() : momentum_augmented();
    rig g = rig_make(dev, &sc);
    ctl k = {0, sleep_ms};
    _exit(train(&g, &sc, epochs, path, 1, NULL, &k, NULL) == PML_OK ? 0 : 4);
}

extern char **environ;

/* Start the child on scenario `which`. */
static pid_t spawn(const char *which, int epochs, int sleep_ms, const char *ck)
{
    static char job[600];
    snprintf(job, sizeof job, "PML_CKPT_CHILD=%s %d %d %s", which, epochs, sleep_ms, ck);
    char *env[256];
    int n = 0;
    for (char **e = environ; *e && n < 254; ++e) env[n++] = *e;
    env[n++] = job;
    env[n] = NULL;
    char *argv[] = {"nn_checkpoint_test", NULL};
    fflush(NULL);
    const pid_t pid = fork();
    cr_assert(pid >= 0, "fork");
    if (pid == 0) {
        /* nothing of Criterion's (its pipes to the runner) goes on into the new program */
        for (int fd = 3; fd < 1024; ++fd) close(fd);
        execve("/proc/self/exe", argv, env);
        _exit(127);
    }
    return pid;
}

/* Killed with SIGKILL in the middle of its run, a child leaves a checkpoint from which the
 * parent's resumed run ends exactly where an uninterrupted run does. */
Test(nn_checkpoint, killed_mid_run_resumes_bit_for_bit)
{
    const char *ck = pml_test_tmppath("killed.safetensors");
    scenario sc = momentum_augmented();
    const int epochs = 40;
    const pid_t pid = spawn("small", epochs, 20, ck); /* 20 ms per epoch: 0.8 s at least */
    cr_assert(wait_for(ck), "no checkpoint appeared");
    usleep(50000);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
              "the child ended on its own (status %d) before it was killed", status);
    leftovers("killed.safetensors");
    const int k = epochs_in(ck);
    cr_assert(k >= 1 && k < epochs, "the checkpoint holds %d epochs", k);

    pml_device *dev = pml_test_open_cpu();
    outcome *rest = malloc(sizeof *rest), *whole = malloc(sizeof *whole);
    PML_ASSERT_OK(run(dev, &sc, epochs, NULL, 0, ck, NULL, rest));
    PML_ASSERT_OK(run(dev, &sc, epochs, NULL, 0, NULL, NULL, whole));
    cr_expect_eq(rest->r.resumed_from_epoch, k);
    cr_log_info("killed after %d of %d epochs", k, epochs);
    expect_same(rest, whole, "killed and resumed");
    outcome_free(rest);
    outcome_free(whole);
    free(rest);
    free(whole);
    pml_device_close(dev);
}

/* Wait (up to 60 s) until a write of `name` is under way: its temporary file exists. */
static int wait_for_write(const char *name)
{
    char prefix[128];
    snprintf(prefix, sizeof prefix, ".%s.tmp.", name);
    for (int i = 0; i < 300000; ++i) {
        DIR *d = opendir(pml_test_tmpdir);
        cr_assert(d != NULL);
        int found = 0;
        for (struct dirent *e; !found && (e = readdir(d)) != NULL;)
            found = strncmp(e->d_name, prefix, strlen(prefix)) == 0;
        closedir(d);
        if (found) return 1;
        usleep(200);
    }
    return 0;
}

/* A child writing a big checkpoint after every short epoch is killed six times: three times
 * as soon as (or 2 or 4 ms after) a write's temporary file appears, three times at moments
 * spread over its epochs. A kill that caught a write half-done leaves the temporary file;
 * every kill must leave a checkpoint that resumes. */
Test(nn_checkpoint, killed_while_writing_leaves_the_previous_checkpoint)
{
    const char *ck = pml_test_tmppath("big.safetensors");
    const scenario sc = big_writer();
    int mid_write = 0;
    pml_device *dev = pml_test_open_cpu();
    for (int round = 0; round < 6; ++round) {
        unlink(ck);
        const pid_t pid = spawn("big", 1 << 20, 0, ck);
        cr_assert(wait_for(ck), "no checkpoint appeared");
        if (round % 2 == 0) {
            cr_assert(wait_for_write("big.safetensors"), "no second write began");
            usleep((useconds_t)(1000 * round));
        } else {
            usleep((useconds_t)(1000 * (10 + 37 * round)));
        }
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        mid_write += leftovers("big.safetensors") > 0;
        const int k = epochs_in(ck);
        cr_assert(k >= 1, "round %d: the checkpoint holds %d epochs", round, k);
        /* asked for exactly its epochs, a resume returns the stored run: every check passed */
        rig g = rig_make(dev, &sc);
        pml_train_result r;
        PML_ASSERT_OK(train(&g, &sc, k, NULL, 0, ck, NULL, &r));
        cr_expect_eq(r.resumed_from_epoch, k);
        cr_expect_eq(pml_optimizer_steps(g.o), k);
        pml_train_result_free(&r);
        rig_free(&g);
    }
    cr_log_info("%d of 6 kills landed during a write", mid_write);
    cr_expect(mid_write >= 1, "no kill landed during a write");
    pml_device_close(dev);
}

/* ---- refusals ----------------------------------------------------------------------------- */

/* A checkpoint of momentum_augmented after one epoch, at ck. */
static void one_epoch_checkpoint(pml_device *dev, const char *ck)
{
    scenario sc = momentum_augmented();
    outcome *o = malloc(sizeof *o);
    PML_ASSERT_OK(run(dev, &sc, 0, ck, 1, NULL, &(ctl){1, 0}, o));
    outcome_free(o);
    free(o);
}

/* Resume sc from ck: the status must be `want` and the message must hold `part`, and a
 * refused resume must leave the model as it was made. */
static void expect_refused(pml_device *dev, const scenario *sc, const char *ck, pml_status want,
                           const char *part)
{
    rig g = rig_make(dev, sc);
    pml_tensor *w = NULL;
    PML_ASSERT_OK(pml_model_param_tensor(g.m, 0, NULL, &w, NULL));
    float before[1024], after[1024];
    const size_t nb = pml_tensor_nbytes(w);
    cr_assert(nb <= sizeof before);
    PML_ASSERT_OK(pml_tensor_download(w, before, nb));
    pml_train_result r;
    const pml_status s = train(&g, sc, 0, NULL, 0, ck, NULL, &r);
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", pml_last_error());
    PML_ASSERT_OK(pml_tensor_download(w, after, nb));
    cr_expect_eq(s, want, "%s: got %s: %s", part, pml_status_string(s), msg);
    cr_expect(strstr(msg, part) != NULL, "the message lacks '%s': %s", part, msg);
    cr_expect(memcmp(before, after, nb) == 0, "%s: the model changed", part);
    cr_expect_eq(r.epochs_run, 0);
    cr_expect_eq(pml_optimizer_steps(g.o), 0);
    pml_train_result_free(&r);
    rig_free(&g);
}

Test(nn_checkpoint, another_run_is_refused_naming_the_field)
{
    pml_device *dev = pml_test_open_cpu();
    const char *ck = pml_test_tmppath("base.safetensors");
    one_epoch_checkpoint(dev, ck);
    scenario sc = momentum_augmented();
    sc.spec = "dense:8,relu,dense:4";
    expect_refused(dev, &sc, ck, PML_ERR_INVALID_ARGUMENT, "spec is 'dense:8,tanh,dense:4' there");
    sc = momentum_augmented();
    sc.oc = pml_optim_defaults(PML_OPTIM_ADAM);
    expect_refused(dev, &sc, ck, PML_ERR_INVALID_ARGUMENT, "optim is 'momentum' there, 'adam'");
    sc = momentum_augmented();
    sc.oc.momentum = 0.8;
    expect_refused(dev, &sc, ck, PML_ERR_INVALID_ARGUMENT, "optim_momentum is '0.9");
    sc = momentum_augmented();
    sc.c.batch = 16;
    expect_refused(dev, &sc, ck, PML_ERR_INVALID_ARGUMENT, "batch is '24' there, '16' here");
    sc = momentum_augmented();
    sc.n = 246; /* 205 training examples instead of 200 */
    expect_refused(dev, &sc, ck, PML_ERR_INVALID_ARGUMENT, "train_size is '200' there, '205'");
    sc = momentum_augmented();
    sc.head = 199;
    expect_refused(dev, &sc, ck, PML_ERR_INVALID_ARGUMENT, "train_size");
    sc = momentum_augmented();
    sc.c.seed = 2;
    expect_refused(dev, &sc, ck, PML_ERR_INVALID_ARGUMENT, "seed is '1' there, '2' here");
    sc = momentum_augmented();
    sc.c.augment.noise = 0.2f;
    expect_refused(dev, &sc, ck, PML_ERR_INVALID_ARGUMENT, "augment_noise");
    sc = momentum_augmented();
    PML_ASSERT_OK(pml_schedule_parse("step:3:0.5", 0.05, &sc.c.schedule));
    expect_refused(dev, &sc, ck, PML_ERR_INVALID_ARGUMENT, "schedule_step is '2' there");
    sc = momentum_augmented();
    sc.val = 0;
    expect_refused(dev, &sc, ck, PML_ERR_INVALID_ARGUMENT, "train_size");
    sc = momentum_augmented();
    sc.reconstruct = 1;
    sc.spec = "dense:8,tanh,dense:16";
    sc.c.loss = PML_LOSS_MSE;
    expect_refused(dev, &sc, ck, PML_ERR_INVALID_ARGUMENT, "spec");
    pml_device_close(dev);
}

/* The same number of examples, other examples: the fingerprint tells them apart. */
Test(nn_checkpoint, another_dataset_of_the_same_size_is_refused)
{
    pml_device *dev = pml_test_open_cpu();
    const char *ck = pml_test_tmppath("base.safetensors");
    one_epoch_checkpoint(dev, ck);
    scenario sc = momentum_augmented();
    rig g = rig_make(dev, &sc);
    pml_dataset *other = pml_test_toy_dataset(dev, 200, 8);
    pml_train_config c = sc.c;
    c.resume = ck;
    cr_expect_eq(pml_train_with(g.m, g.o, g.step, other, g.va, &c, NULL), PML_ERR_INVALID_ARGUMENT);
    cr_expect(strstr(pml_last_error(), "train_fingerprint"), "%s", pml_last_error());
    pml_dataset_destroy(other);
    rig_free(&g);
    pml_device_close(dev);
}

/* ck rewritten with metadata key `key` set to `value` (NULL: left out) and without tensor
 * `drop` (NULL: all kept). */
static void rewrite(pml_device *dev, const char *ck, const char *out, const char *key,
                    const char *value, const char *drop)
{
    pml_safetensors st;
    PML_ASSERT_OK(pml_safetensors_read(dev, ck, &st));
    const char *meta[256];
    int k = 0;
    for (int i = 0; i < st.meta_count && k < 250; ++i) {
        if (key && strcmp(st.meta_keys[i], key) == 0 && value == NULL) continue;
        meta[k++] = st.meta_keys[i];
        meta[k++] = key && strcmp(st.meta_keys[i], key) == 0 ? value : st.meta_values[i];
    }
    meta[k] = NULL;
    pml_named_tensor nt[64];
    int n = 0;
    for (int i = 0; i < st.count && n < 64; ++i)
        if (!drop || strcmp(st.names[i], drop) != 0)
            nt[n++] = (pml_named_tensor){st.names[i], st.tensors[i]};
    PML_ASSERT_OK(pml_safetensors_write(out, nt, n, meta));
    pml_safetensors_free(&st);
}

Test(nn_checkpoint, damaged_files_are_refused)
{
    pml_device *dev = pml_test_open_cpu();
    const char *ck = pml_test_tmppath("base.safetensors");
    const char *bad = pml_test_tmppath("bad.safetensors");
    one_epoch_checkpoint(dev, ck);
    const scenario sc = momentum_augmented();
    static unsigned char buf[1 << 20];
    const size_t len = pml_test_read_file(ck, buf, sizeof buf);
    cr_assert(len > 1000 && len < sizeof buf);

    expect_refused(dev, &sc, pml_test_tmppath("missing.safetensors"), PML_ERR_IO, "missing");
    pml_test_write_file(bad, buf, len / 2);
    expect_refused(dev, &sc, bad, PML_ERR_BAD_FORMAT, "bad.safetensors");
    pml_test_write_file(bad, buf, len - 1);
    expect_refused(dev, &sc, bad, PML_ERR_BAD_FORMAT, "bad.safetensors");
    unsigned char *garbled = malloc(len);
    memcpy(garbled, buf, len);
    memset(garbled + 8, '#', 16);
    pml_test_write_file(bad, garbled, len);
    free(garbled);
    expect_refused(dev, &sc, bad, PML_ERR_BAD_FORMAT, "bad.safetensors");
    /* a model file is not a checkpoint */
    rig g = rig_make(dev, &sc);
    PML_ASSERT_OK(pml_model_save(g.m, bad, NULL));
    rig_free(&g);
    expect_refused(dev, &sc, bad, PML_ERR_BAD_FORMAT, "not a physml checkpoint");
    rewrite(dev, ck, bad, "physml_checkpoint", "2", NULL);
    expect_refused(dev, &sc, bad, PML_ERR_UNSUPPORTED, "format 2");
    rewrite(dev, ck, bad, "physml_epochs_done", "one", NULL);
    expect_refused(dev, &sc, bad, PML_ERR_BAD_FORMAT, "physml_epochs_done = 'one'");
    rewrite(dev, ck, bad, "physml_best_epoch", "7", NULL);
    expect_refused(dev, &sc, bad, PML_ERR_BAD_FORMAT, "physml_best_epoch = '7'");
    rewrite(dev, ck, bad, "physml_optim_t", NULL, NULL);
    expect_refused(dev, &sc, bad, PML_ERR_BAD_FORMAT, "lacks 'physml_optim_t'");
    rewrite(dev, ck, bad, "physml_batch", NULL, NULL);
    expect_refused(dev, &sc, bad, PML_ERR_BAD_FORMAT, "lacks 'physml_batch'");
    /* a tensor missing after all the others checked: still nothing changed */
    rewrite(dev, ck, bad, NULL, NULL, "optim.momentum_buffer.2.bias");
    expect_refused(dev, &sc, bad, PML_ERR_BAD_FORMAT,
                   "lacks tensor 'optim.momentum_buffer.2.bias'");
    rewrite(dev, ck, bad, NULL, NULL, "history");
    expect_refused(dev, &sc, bad, PML_ERR_BAD_FORMAT, "lacks tensor 'history'");
    pml_device_close(dev);
}

/* Random damage to the header: a resume succeeds, or fails cleanly (another run's settings
 * count as clean: a damaged value reads as another value), never crashes. */
typedef struct damage_ctx {
    pml_device *dev;
    scenario sc;
} damage_ctx;

static pml_status resume_damaged(const char *path, void *user)
{
    damage_ctx *d = user;
    rig g = rig_make(d->dev, &d->sc);
    pml_status s = train(&g, &d->sc, 1, NULL, 0, path, NULL, NULL);
    rig_free(&g);
    if (s == PML_ERR_INVALID_ARGUMENT && strstr(pml_last_error(), "of another run"))
        s = PML_ERR_BAD_FORMAT;
    return s;
}

Test(nn_checkpoint, random_header_damage_fails_cleanly)
{
    damage_ctx d = {pml_test_open_cpu(), momentum_augmented()};
    const char *ck = pml_test_tmppath("base.safetensors");
    one_epoch_checkpoint(d.dev, ck);
    static unsigned char buf[1 << 20];
    const size_t len = pml_test_read_file(ck, buf, sizeof buf);
    uint64_t hlen = 0;
    for (int b = 7; b >= 0; --b) hlen = hlen << 8 | buf[b];
    const pml_test_damage dm = {{buf}, {len}, {(size_t)hlen + 8}, 1, 11, 150, 3, 37,
                                "0123456789.-e\",:{}[]x"};
    const int oks = pml_test_damage_files(&dm, pml_test_tmppath("damaged.safetensors"),
                                          resume_damaged, &d);
    cr_log_info("%d of %d damaged headers still resumed", oks, dm.iterations);
    pml_device_close(d.dev);
}

/* A checkpoint as the format's first versions wrote it: no augment mask or salt-and-pepper
 * keys, a history of 8 columns. It resumes to the same end as an uninterrupted run. */
Test(nn_checkpoint, checkpoints_before_the_kl_columns_resume)
{
    pml_device *dev = pml_test_open_cpu();
    const scenario sc = momentum_augmented();
    const char *ck = pml_test_tmppath("new.safetensors"), *old = pml_test_tmppath("old.safetensors");
    outcome *whole = malloc(sizeof *whole), *part = malloc(sizeof *part),
            *rest = malloc(sizeof *rest);
    PML_ASSERT_OK(run(dev, &sc, 0, NULL, 0, NULL, NULL, whole));
    ctl stop = {3, 0};
    PML_ASSERT_OK(run(dev, &sc, 0, ck, 1, NULL, &stop, part));
    pml_safetensors st;
    PML_ASSERT_OK(pml_safetensors_read(dev, ck, &st));
    const char *meta[256];
    int k = 0;
    for (int i = 0; i < st.meta_count && k < 250; ++i) {
        const char *key = st.meta_keys[i];
        if (strcmp(key, "physml_augment_mask") == 0 || strcmp(key, "physml_augment_saltpepper") == 0)
            continue;
        meta[k++] = key;
        meta[k++] = strcmp(key, "physml_history_columns") == 0
                        ? "epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds,samples"
                        : st.meta_values[i];
    }
    meta[k] = NULL;
    pml_tensor *h = pml_safetensors_find(&st, "history"), *h8 = NULL;
    cr_assert(h != NULL && pml_tensor_dim(h, 1) == 10);
    const int64_t ne = pml_tensor_dim(h, 0);
    double *v = malloc((size_t)ne * 10 * sizeof *v), *v8 = malloc((size_t)ne * 8 * sizeof *v8);
    PML_ASSERT_OK(pml_tensor_download(h, v, (size_t)ne * 10 * sizeof *v));
    for (int64_t e = 0; e < ne; ++e) memcpy(v8 + e * 8, v + e * 10, 8 * sizeof *v8);
    PML_ASSERT_OK(pml_tensor_create_2d(dev, PML_F64, ne, 8, &h8));
    PML_ASSERT_OK(pml_tensor_upload(h8, v8, (size_t)ne * 8 * sizeof *v8));
    pml_named_tensor nt[64];
    int n = 0;
    for (int i = 0; i < st.count && n < 64; ++i)
        nt[n++] = (pml_named_tensor){st.names[i], strcmp(st.names[i], "history") == 0 ? h8
                                                                                      : st.tensors[i]};
    PML_ASSERT_OK(pml_safetensors_write(old, nt, n, meta));
    PML_ASSERT_OK(run(dev, &sc, 0, NULL, 0, old, NULL, rest));
    cr_expect_eq(rest->r.resumed_from_epoch, 3);
    expect_same(rest, whole, "an 8-column checkpoint");
    cr_expect(isnan(rest->r.history[0].train_kl), "the old epochs' KL is NaN");
    free(v);
    free(v8);
    pml_tensor_destroy(h8);
    pml_safetensors_free(&st);
    outcome_free(whole);
    outcome_free(part);
    outcome_free(rest);
    free(whole);
    free(part);
    free(rest);
    pml_device_close(dev);
}
