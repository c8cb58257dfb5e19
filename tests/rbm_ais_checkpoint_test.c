/* AIS checkpoints (pml_rbm_logz_ais_resumable, src/rbm/ais_checkpoint.c) on the CPU: a run
 * stopped after k steps and continued in a fresh model object ends with the very doubles of
 * the uninterrupted run (k = 1, a middle step, steps - 1, two stops in a row, the checkpoint
 * path as the resume path, a finished checkpoint); a checkpoint whose log-weights or chains
 * were changed does not (the comparison bites); another run's checkpoint (model shape,
 * parameters, base rates, runs, steps, seed) is refused naming the field, damaged files
 * (truncated, a chain unit of 0.5, a weight of NaN, steps done out of range, a missing tensor
 * or key, a model file, another format version) are refused as such, and an unwritable
 * checkpoint fails before the first step. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pml_test.h"
#include "pml_test_rbm.h"
#include "physml/io.h"
#include "physml/rbm.h"

#define NV 20
#define NH 8
#define RUNS 64
#define STEPS 300
#define SEED 3

/* A path in the suite's directory that outlives pml_test_tmppath's rotating buffers. */
#define PATH(var, name)    \
    char var[300];         \
    snprintf(var, sizeof var, "%s", pml_test_tmppath(name))

static pml_device *dev;
static void setup(void)
{
    dev = pml_test_open_cpu();
    pml_test_tmpdir_create();
}
static void teardown(void)
{
    pml_device_close(dev);
    pml_test_tmpdir_remove();
}
TestSuite(rbm_ais_checkpoint, .init = setup, .fini = teardown);

/* A model of nv x NH units with random parameters (keyed by seed), saved to `path` so that a
 * fresh object can be loaded from the same parameters. */
static pml_rbm *model(int64_t nv, uint64_t seed, const char *path)
{
    pml_rbm *r = NULL;
    PML_ASSERT_OK(pml_rbm_create(dev, nv, NH, 16, 99, &r));
    pml_test_host_rbm h;
    pml_test_rbm_randomize(r, &h, 0.7, 0.5, seed);
    PML_ASSERT_OK(pml_rbm_save(r, path, NULL));
    return r;
}

static pml_rbm *load(const char *path)
{
    pml_rbm *r = NULL;
    PML_ASSERT_OK(pml_rbm_load(dev, path, 16, &r));
    return r;
}

/* Base-rate biases that are not the model's: logits from -2 to 1.8, plus `shift` on unit 0. */
static pml_tensor *base_rates(int64_t nv, float shift)
{
    float b[64];
    for (int64_t i = 0; i < nv; ++i) b[i] = -2.0f + 0.2f * (float)i;
    b[0] += shift;
    const int64_t shape[1] = {nv};
    return pml_test_tensor(dev, PML_F32, 1, shape, b);
}

static pml_status run(pml_rbm *r, const pml_tensor *base, int64_t runs, int64_t steps,
                      uint64_t seed, const char *path, const char *resume, int64_t stop,
                      pml_rbm_ais_result *res)
{
    const pml_rbm_ais_checkpoint ck = {.path = path, .every = 7, .resume = resume,
                                       .stop_after = stop};
    return pml_rbm_logz_ais_resumable(r, runs, steps, base, seed, &ck, res);
}

/* The estimate's doubles, byte for byte. */
static int same(const pml_rbm_ais_result *a, const pml_rbm_ais_result *b)
{
    return memcmp(&a->logz, &b->logz, sizeof a->logz) == 0 &&
           memcmp(&a->logz_err, &b->logz_err, sizeof a->logz_err) == 0 &&
           memcmp(&a->ess, &b->ess, sizeof a->ess) == 0 &&
           memcmp(&a->logz_base, &b->logz_base, sizeof a->logz_base) == 0;
}

/* The uninterrupted run of the model at mpath with base_rates(NV, 0). */
static pml_rbm_ais_result uninterrupted(const char *mpath)
{
    pml_rbm *r = load(mpath);
    pml_tensor *base = base_rates(NV, 0);
    pml_rbm_ais_result res;
    PML_ASSERT_OK(pml_rbm_logz_ais(r, RUNS, STEPS, base, SEED, &res));
    cr_assert(isfinite(res.logz) && res.steps_done == STEPS && res.resumed_from == 0);
    pml_tensor_destroy(base);
    pml_rbm_destroy(r);
    return res;
}

/* A checkpoint of the run stopped after k steps at path (a fresh model object). */
static void stopped_at(const char *mpath, int64_t k, const char *path)
{
    pml_rbm *r = load(mpath);
    pml_tensor *base = base_rates(NV, 0);
    pml_rbm_ais_result res;
    PML_ASSERT_OK(run(r, base, RUNS, STEPS, SEED, path, NULL, k, &res));
    cr_expect_eq(res.steps_done, k);
    cr_expect(isnan(res.logz) && isnan(res.logz_err) && isnan(res.ess) && isfinite(res.logz_base),
              "a stopped run has no estimate yet: %g %g %g", res.logz, res.logz_err, res.ess);
    pml_tensor_destroy(base);
    pml_rbm_destroy(r);
}

/* The run continued from `resume` in a fresh model object (checkpoints to path). */
static pml_rbm_ais_result resumed(const char *mpath, const char *resume, const char *path,
                                  int64_t stop)
{
    pml_rbm *r = load(mpath);
    pml_tensor *base = base_rates(NV, 0);
    pml_rbm_ais_result res;
    PML_ASSERT_OK(run(r, base, RUNS, STEPS, SEED, path, resume, stop, &res));
    pml_tensor_destroy(base);
    pml_rbm_destroy(r);
    return res;
}

static void expect_same(const char *what, const pml_rbm_ais_result *got,
                        const pml_rbm_ais_result *want)
{
    cr_expect(same(got, want), "%s: log Z %.17g +- %.17g (ess %.17g), uninterrupted %.17g +- "
              "%.17g (ess %.17g)", what, got->logz, got->logz_err, got->ess, want->logz,
              want->logz_err, want->ess);
}

Test(rbm_ais_checkpoint, stopped_and_resumed_runs_end_bit_for_bit)
{
    PATH(mpath, "m.safetensors");
    pml_rbm_destroy(model(NV, 11, mpath));
    const pml_rbm_ais_result want = uninterrupted(mpath);
    /* the wrapper and the resumable call without a checkpoint, or with one, are the same run */
    pml_rbm *r = load(mpath);
    pml_tensor *base = base_rates(NV, 0);
    pml_rbm_ais_result res;
    PML_ASSERT_OK(pml_rbm_logz_ais_resumable(r, RUNS, STEPS, base, SEED, NULL, &res));
    expect_same("no checkpoint", &res, &want);
    PML_ASSERT_OK(run(r, base, RUNS, STEPS, SEED, pml_test_tmppath("whole.ck"), NULL, 0, &res));
    expect_same("checkpoints every 7 steps", &res, &want);
    cr_expect_eq(res.steps_done, STEPS);
    pml_tensor_destroy(base);
    pml_rbm_destroy(r);

    const int64_t ks[] = {1, 7, STEPS / 2, STEPS - 1};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; ++i) {
        char what[64];
        PATH(ck, "ck");
        PATH(ck2, "ck2");
        stopped_at(mpath, ks[i], ck);
        res = resumed(mpath, ck, ck2, 0);
        snprintf(what, sizeof what, "stopped after %lld", (long long)ks[i]);
        expect_same(what, &res, &want);
        cr_expect(res.resumed_from == ks[i] && res.steps_done == STEPS, "%s: %lld, %lld", what,
                  (long long)res.resumed_from, (long long)res.steps_done);
        /* the finished checkpoint gives the same result again, without a step */
        res = resumed(mpath, ck2, NULL, 0);
        expect_same("the finished checkpoint", &res, &want);
        cr_expect_eq(res.resumed_from, STEPS);
    }

    /* two stops in a row, the checkpoint resumed from and written to the same path */
    PATH(ck, "same");
    stopped_at(mpath, 100, ck);
    res = resumed(mpath, ck, ck, 200);
    cr_expect(res.resumed_from == 100 && res.steps_done == 200 && isnan(res.logz));
    res = resumed(mpath, ck, ck, 0);
    expect_same("stopped after 100 and 200, one path", &res, &want);
    /* a stop at or before where the checkpoint is: nothing to do, the state as it was */
    res = resumed(mpath, ck, ck, 5);
    expect_same("stop_after before the checkpoint", &res, &want);
}

/* ---- files changed by hand ------------------------------------------------------------------ */

/* The checkpoint at src to dst, with metadata `key` set to value (NULL: left out) and, when
 * tensor is not NULL, its element `at` set to x (at < 0: every element). */
static void rewrite(const char *src, const char *dst, const char *key, const char *value,
                    const char *tensor, int64_t at, double x)
{
    pml_safetensors st;
    PML_ASSERT_OK(pml_safetensors_read(dev, src, &st));
    pml_named_tensor nt[8];
    cr_assert(st.count <= 8);
    for (int i = 0; i < st.count; ++i) {
        nt[i].name = st.names[i];
        nt[i].tensor = st.tensors[i];
        if (tensor == NULL || strcmp(st.names[i], tensor) != 0) continue;
        pml_tensor *t = st.tensors[i];
        const size_t n = (size_t)pml_tensor_numel(t), es = pml_dtype_size(pml_tensor_dtype(t));
        void *host = malloc(n * es);
        cr_assert_not_null(host);
        PML_ASSERT_OK(pml_tensor_download(t, host, n * es));
        for (size_t j = 0; j < n; ++j) {
            if (at >= 0 && (int64_t)j != at) continue;
            if (es == 4) ((float *)host)[j] = (float)x;
            else ((double *)host)[j] = x;
        }
        PML_ASSERT_OK(pml_tensor_upload(t, host, n * es));
        free(host);
    }
    const char *meta[2 * 32 + 1];
    int m = 0;
    for (int i = 0; i < st.meta_count && m < 2 * 31; ++i) {
        const int here = key && strcmp(st.meta_keys[i], key) == 0;
        if (here && value == NULL) continue;
        meta[m++] = st.meta_keys[i];
        meta[m++] = here ? value : st.meta_values[i];
    }
    meta[m] = NULL;
    PML_ASSERT_OK(pml_safetensors_write(dst, nt, st.count, meta));
    pml_safetensors_free(&st);
}

/* Dropping a piece of the state (the log-weights set to 0, one chain unit flipped) still
 * resumes, and the bit-for-bit comparison above catches it: it really compares. */
Test(rbm_ais_checkpoint, a_changed_state_changes_the_result)
{
    PATH(mpath, "m.safetensors");
    PATH(ck, "ck");
    PATH(bad, "bad");
    pml_rbm_destroy(model(NV, 11, mpath));
    const pml_rbm_ais_result want = uninterrupted(mpath);
    stopped_at(mpath, STEPS / 2, ck);
    rewrite(ck, bad, NULL, NULL, "log_weights", -1, 0.0);
    pml_rbm_ais_result res = resumed(mpath, bad, NULL, 0);
    cr_expect(!same(&res, &want), "log-weights dropped, yet the same log Z %.17g", res.logz);
    rewrite(ck, bad, NULL, NULL, "log_weights", 5, 0.0);
    res = resumed(mpath, bad, NULL, 0);
    cr_expect(!same(&res, &want), "one log-weight dropped, yet the same log Z %.17g", res.logz);
    /* chain 0's units: the first that is 0 set to 1 */
    pml_safetensors st;
    PML_ASSERT_OK(pml_safetensors_read(dev, ck, &st));
    float v[NV];
    const pml_tensor *chains = pml_safetensors_find(&st, "chains");
    cr_assert_not_null(chains);
    float *all = malloc((size_t)RUNS * NV * sizeof *all);
    PML_ASSERT_OK(pml_tensor_download(chains, all, (size_t)RUNS * NV * sizeof *all));
    memcpy(v, all, sizeof v);
    free(all);
    pml_safetensors_free(&st);
    int64_t off = 0;
    while (off < NV && v[off] != 0.0f) ++off;
    cr_assert(off < NV, "chain 0 is all ones");
    rewrite(ck, bad, NULL, NULL, "chains", off, 1.0);
    res = resumed(mpath, bad, NULL, 0);
    cr_expect(!same(&res, &want), "a chain unit flipped, yet the same log Z %.17g", res.logz);
}

/* ---- refusals ----------------------------------------------------------------------------- */

/* A resume of the checkpoint at ck that must fail with `want` and a message containing part;
 * ck itself (also the path written to) unchanged. */
static void refused(const char *what, pml_rbm *r, const pml_tensor *base, int64_t runs,
                    int64_t steps, uint64_t seed, const char *ck, pml_status want,
                    const char *part)
{
    static unsigned char before[1 << 16], after[1 << 16];
    struct stat sb;
    const int there = stat(ck, &sb) == 0;
    const size_t n = there ? pml_test_read_file(ck, before, sizeof before) : 0;
    pml_rbm_ais_result res;
    const pml_status s = run(r, base, runs, steps, seed, there ? ck : NULL, ck, 0, &res);
    pml_test_expect_error(what, s, want, part);
    cr_expect(res.steps_done == 0 && res.resumed_from == 0 && isnan(res.logz), "%s", what);
    if (there) {
        cr_expect(pml_test_read_file(ck, after, sizeof after) == n &&
                      memcmp(before, after, n) == 0,
                  "%s: the checkpoint changed", what);
    }
}

Test(rbm_ais_checkpoint, another_runs_checkpoint_is_refused_naming_the_field)
{
    PATH(mpath, "m.safetensors");
    PATH(ck, "ck");
    pml_rbm_destroy(model(NV, 11, mpath));
    stopped_at(mpath, 50, ck);
    pml_rbm *r = load(mpath);
    pml_tensor *base = base_rates(NV, 0), *base2 = base_rates(NV, 0.25f);
    const pml_status inv = PML_ERR_INVALID_ARGUMENT;
    refused("another seed", r, base, RUNS, STEPS, SEED + 1, ck, inv, "seed is '3' there, '4' here");
    refused("more runs", r, base, RUNS * 2, STEPS, SEED, ck, inv, "runs is '64' there, '128' here");
    refused("more steps", r, base, RUNS, STEPS + 1, SEED, ck, inv, "steps is '300' there");
    refused("other base rates", r, base2, RUNS, STEPS, SEED, ck, inv, "base_fingerprint");
    /* the model's own visible biases as the base are other base rates too */
    refused("no base", r, NULL, RUNS, STEPS, SEED, ck, inv, "base_fingerprint");
    /* one weight changed */
    pml_tensor *w = pml_rbm_weight(r);
    float w0[NV * NH];
    PML_ASSERT_OK(pml_tensor_download(w, w0, sizeof w0));
    w0[17] = nextafterf(w0[17], 1.0f);
    PML_ASSERT_OK(pml_tensor_upload(w, w0, sizeof w0));
    refused("another model", r, base, RUNS, STEPS, SEED, ck, inv, "model_fingerprint");
    pml_rbm_destroy(r);
    /* a model of another shape: named as such, before its fingerprint */
    r = model(NV + 1, 11, pml_test_tmppath("m21.safetensors"));
    pml_tensor *base21 = base_rates(NV + 1, 0);
    refused("another shape", r, base21, RUNS, STEPS, SEED, ck, inv, "n_visible is '20' there");
    pml_rbm_destroy(r);
    pml_tensor_destroy(base21);
    pml_tensor_destroy(base);
    pml_tensor_destroy(base2);
}

Test(rbm_ais_checkpoint, damaged_checkpoints_are_refused)
{
    PATH(mpath, "m.safetensors");
    PATH(ck, "ck");
    PATH(bad, "bad");
    pml_rbm *r = model(NV, 11, mpath);
    stopped_at(mpath, 50, ck);
    pml_tensor *base = base_rates(NV, 0);
    const pml_status fmt = PML_ERR_BAD_FORMAT;
    /* truncated: the header whole, the data cut */
    static unsigned char bytes[1 << 16];
    const size_t n = pml_test_read_file(ck, bytes, sizeof bytes);
    pml_test_write_file(bad, bytes, n - 100);
    refused("truncated", r, base, RUNS, STEPS, SEED, bad, fmt, "bad");
    pml_test_write_file(bad, bytes, 40);
    refused("cut in the header", r, base, RUNS, STEPS, SEED, bad, fmt, "bad");
    rewrite(ck, bad, NULL, NULL, "chains", 3, 0.5);
    refused("a chain unit of 0.5", r, base, RUNS, STEPS, SEED, bad, fmt, "is 0.5, not 0 or 1");
    rewrite(ck, bad, NULL, NULL, "log_weights", 9, NAN);
    refused("a NaN weight", r, base, RUNS, STEPS, SEED, bad, fmt, "log-weight of run 9");
    rewrite(ck, bad, NULL, NULL, "log_weights", 2, INFINITY);
    refused("an infinite weight", r, base, RUNS, STEPS, SEED, bad, fmt, "log-weight of run 2");
    rewrite(ck, bad, "physml_steps_done", "0", NULL, 0, 0);
    refused("0 steps done", r, base, RUNS, STEPS, SEED, bad, fmt, "steps_done");
    rewrite(ck, bad, "physml_steps_done", "301", NULL, 0, 0);
    refused("301 of 300 steps done", r, base, RUNS, STEPS, SEED, bad, fmt, "steps_done");
    rewrite(ck, bad, "physml_steps_done", " 7", NULL, 0, 0);
    refused("steps done ' 7'", r, base, RUNS, STEPS, SEED, bad, fmt, "steps_done");
    rewrite(ck, bad, "physml_steps_done", NULL, NULL, 0, 0);
    refused("no steps done", r, base, RUNS, STEPS, SEED, bad, fmt, "steps_done");
    rewrite(ck, bad, "physml_seed", NULL, NULL, 0, 0);
    refused("no seed", r, base, RUNS, STEPS, SEED, bad, fmt, "lacks 'physml_seed'");
    rewrite(ck, bad, "physml_ais_checkpoint", "2", NULL, 0, 0);
    refused("format 2", r, base, RUNS, STEPS, SEED, bad, PML_ERR_UNSUPPORTED, "format 2");
    refused("a model file", r, base, RUNS, STEPS, SEED, mpath, fmt, "not an AIS checkpoint");
    /* a tensor missing: the chains renamed */
    rewrite(ck, bad, NULL, NULL, NULL, 0, 0);
    {
        pml_safetensors st;
        PML_ASSERT_OK(pml_safetensors_read(dev, ck, &st));
        pml_named_tensor nt[2] = {{"log_weights", pml_safetensors_find(&st, "log_weights")},
                                  {"chain", pml_safetensors_find(&st, "chains")}};
        const char *meta[2 * 32 + 1];
        for (int i = 0; i < st.meta_count; ++i) {
            meta[2 * i] = st.meta_keys[i];
            meta[2 * i + 1] = st.meta_values[i];
        }
        meta[2 * st.meta_count] = NULL;
        PML_ASSERT_OK(pml_safetensors_write(bad, nt, 2, meta));
        pml_safetensors_free(&st);
    }
    refused("no chains", r, base, RUNS, STEPS, SEED, bad, fmt, "lacks tensor 'chains'");
    /* a resume that is not there: an I/O error naming it */
    pml_rbm_ais_result res;
    pml_test_expect_error("missing", run(r, base, RUNS, STEPS, SEED, NULL,
                                         pml_test_tmppath("nothing"), 0, &res),
                          PML_ERR_IO, "nothing");
    pml_tensor_destroy(base);
    pml_rbm_destroy(r);
}

/* A checkpoint that cannot be written is found before the work: 2^24 steps would take
 * minutes, the refusal is immediate. One whose write fails (a directory in the way: the
 * directory takes the temporary file, the rename over the directory fails) stops the run with
 * PML_ERR_IO. Bad checkpoint arguments are PML_ERR_INVALID_ARGUMENT. */
Test(rbm_ais_checkpoint, checkpoint_arguments_and_write_failures)
{
    pml_rbm *r = model(NV, 11, pml_test_tmppath("m.safetensors"));
    pml_rbm_ais_result res;
    char missing[300];
    snprintf(missing, sizeof missing, "%s/no/such/dir/ck", pml_test_tmpdir);
    pml_test_expect_error("missing directory",
                          run(r, NULL, RUNS, (int64_t)1 << 24, SEED, missing, NULL, 0, &res),
                          PML_ERR_IO, "pml_rbm_logz_ais_resumable");
    PATH(dir, "a-directory");
    cr_assert_eq(mkdir(dir, 0700), 0);
    pml_test_expect_error("a directory in the way",
                          run(r, NULL, RUNS, 20, SEED, dir, NULL, 0, &res), PML_ERR_IO,
                          "pml_rbm_logz_ais_resumable");
    PATH(ck, "ck");
    pml_rbm_ais_checkpoint c = {.path = ck, .every = 0};
    pml_test_expect_error("every 0", pml_rbm_logz_ais_resumable(r, RUNS, 20, NULL, 1, &c, &res),
                          PML_ERR_INVALID_ARGUMENT, "every");
    c.every = 1;
    c.stop_after = -1;
    pml_test_expect_error("stop_after -1",
                          pml_rbm_logz_ais_resumable(r, RUNS, 20, NULL, 1, &c, &res),
                          PML_ERR_INVALID_ARGUMENT, "stop_after");
    c.path = NULL;
    c.stop_after = 5;
    pml_test_expect_error("stop_after without a path",
                          pml_rbm_logz_ais_resumable(r, RUNS, 20, NULL, 1, &c, &res),
                          PML_ERR_INVALID_ARGUMENT, "needs a checkpoint path");
    /* no path, no stop: every is not looked at */
    c.stop_after = 0;
    c.every = 0;
    PML_ASSERT_OK(pml_rbm_logz_ais_resumable(r, RUNS, 20, NULL, 1, &c, &res));
    pml_rbm_destroy(r);
}
