/* Checkpoints of annealed importance sampling (rbm/ais.h; the format in docs/rbm.md, "AIS
 * checkpoints"): one .safetensors with the chains ("chains", runs x n_visible F32) and the
 * log-weights ("log_weights", runs F64), and in the metadata what the run is, compared as
 * text when resuming so that a mismatch names its field, and the steps done.
 *
 * The model and the base rates are recorded by fingerprint, not by value: a resume must be
 * given them anyway (they are not the run's state but its input), and the fingerprint is
 * enough to refuse a checkpoint of another model. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/checkpoint.h"
#include "rbm/ais.h"

#define AIS_CKPT_VERSION "1"
/* elements read from the device at a time when hashing or checking a tensor: host memory stays
 * small however many runs there are */
#define CHUNK ((int64_t)1 << 16)

/* ---- fingerprints ------------------------------------------------------------------------ */

/* Element [off, off + n) of t into buf (n <= CHUNK elements). */
static pml_status read_part(const pml_tensor *t, int64_t off, int64_t n, void *buf)
{
    const pml_tensor part = pml_tensor_view_of(t, off, 1, &n);
    return pml_tensor_download(&part, buf, (size_t)n * pml_dtype_size(t->dtype));
}

pml_status pml_rbm_ais_fingerprint(const char *fn, pml_rbm_ais_run *a)
{
    uint64_t hm = 0, hb = PML_FNV1A_INIT;
    pml_status s = pml_rbm_fingerprint(a->r, &hm);
    if (s == PML_OK) s = pml_tensor_fnv1a(a->base, &hb);
    snprintf(a->model_fp, sizeof a->model_fp, "%016llx", (unsigned long long)hm);
    snprintf(a->base_fp, sizeof a->base_fp, "%016llx", (unsigned long long)hb);
    return pml_error_within(s, fn);
}

/* What the run is, broadest first (another model is named as such, not by its runs). */
static void identity(const pml_rbm_ais_run *a, pml_ckpt_out *w)
{
    pml_ckpt_meta(w, "physml_n_visible", "%lld", (long long)a->r->nv);
    pml_ckpt_meta(w, "physml_n_hidden", "%lld", (long long)a->r->nh);
    pml_ckpt_meta(w, "physml_model_fingerprint", "%s", a->model_fp);
    pml_ckpt_meta(w, "physml_base_fingerprint", "%s", a->base_fp);
    pml_ckpt_meta(w, "physml_runs", "%lld", (long long)a->runs);
    pml_ckpt_meta(w, "physml_steps", "%lld", (long long)a->steps);
    pml_ckpt_meta(w, "physml_seed", "%llu", (unsigned long long)a->seed);
}

/* ---- writing ----------------------------------------------------------------------------- */

pml_status pml_rbm_ais_save(const char *fn, const pml_rbm_ais_run *a, const char *path)
{
    pml_ckpt_out w;
    memset(&w, 0, sizeof w);
    pml_ckpt_meta(&w, "physml_ais_checkpoint", "%s", AIS_CKPT_VERSION);
    identity(a, &w);
    pml_ckpt_meta(&w, "physml_steps_done", "%lld", (long long)a->done);
    /* for whoever reads the file: a run continues bit for bit on the backend it ran on */
    pml_ckpt_meta(&w, "physml_device", "%s",
                  pml_device_get_kind(a->r->dev) == PML_DEVICE_CUDA ? "cuda" : "cpu");
    pml_ckpt_tensor(&w, a->v, "chains");
    pml_ckpt_tensor(&w, a->w, "log_weights");
    pml_status s = w.s;
    /* pml_safetensors_write replaces the file atomically */
    if (s == PML_OK)
        s = pml_safetensors_write(path, w.t, w.nt, (const char *const *)w.meta);
    pml_ckpt_out_free(&w);
    return pml_error_within(s, fn);
}

/* ---- resuming ---------------------------------------------------------------------------- */

/* The run's identity against the file's: the first difference is the caller's mistake. */
static pml_status check_identity(const char *fn, const char *path, const pml_safetensors *st,
                                 const pml_rbm_ais_run *a)
{
    pml_ckpt_out want;
    memset(&want, 0, sizeof want);
    identity(a, &want);
    const pml_status s = pml_ckpt_compare(fn, path, st, &want, NULL, 0);
    pml_ckpt_out_free(&want);
    return s;
}

/* The steps the file says are done: a whole number in 1 .. steps (a checkpoint is written
 * after a step, never before the first). */
static pml_status steps_done(const char *fn, const char *path, const pml_safetensors *st,
                             int64_t steps, int64_t *out)
{
    const char *v = pml_safetensors_meta(st, "physml_steps_done");
    PML_CHECK(v != NULL, PML_ERR_BAD_FORMAT, "%s: checkpoint '%s' lacks 'physml_steps_done'",
              fn, path);
    char *end = NULL;
    errno = 0;
    const long long k = pml_strtoll_dec(v, &end);
    PML_CHECK(end != v && *end == '\0' && errno == 0 && k >= 1 && k <= steps,
              PML_ERR_BAD_FORMAT,
              "%s: checkpoint '%s': steps_done = '%s' is not a whole number in [1, %lld]", fn,
              path, v, (long long)steps);
    *out = k;
    return PML_OK;
}

/* Every chain unit 0 or 1 and every log-weight finite: what a run's own steps leave. A file
 * that says otherwise was damaged or made by hand, and continuing from it would give a number
 * that is no AIS estimate. */
static pml_status check_values(const char *fn, const char *path, const pml_tensor *chains,
                               const pml_tensor *weights)
{
    void *buf = malloc((size_t)CHUNK * sizeof(double));
    PML_CHECK(buf != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    const float *f = buf;
    const double *d = buf;
    pml_status s = PML_OK;
    for (int64_t off = 0; s == PML_OK && off < chains->numel; off += CHUNK) {
        const int64_t n = chains->numel - off < CHUNK ? chains->numel - off : CHUNK;
        s = pml_error_within(read_part(chains, off, n, buf), fn);
        for (int64_t i = 0; s == PML_OK && i < n; ++i)
            if (f[i] != 0.0f && f[i] != 1.0f)
                s = pml_set_error(PML_ERR_BAD_FORMAT, "%s: checkpoint '%s': chain unit %lld "
                                  "is %g, not 0 or 1", fn, path, (long long)(off + i),
                                  (double)f[i]);
    }
    for (int64_t off = 0; s == PML_OK && off < weights->numel; off += CHUNK) {
        const int64_t n = weights->numel - off < CHUNK ? weights->numel - off : CHUNK;
        s = pml_error_within(read_part(weights, off, n, buf), fn);
        for (int64_t i = 0; s == PML_OK && i < n; ++i)
            if (!isfinite(d[i]))
                s = pml_set_error(PML_ERR_BAD_FORMAT, "%s: checkpoint '%s': the log-weight of "
                                  "run %lld is %g", fn, path, (long long)(off + i), d[i]);
    }
    free(buf);
    return s;
}

static pml_status load_from(const char *fn, const char *path, const pml_safetensors *st,
                            pml_rbm_ais_run *a)
{
    const char *version = pml_safetensors_meta(st, "physml_ais_checkpoint");
    PML_CHECK(version != NULL, PML_ERR_BAD_FORMAT,
              "%s: '%s' is not an AIS checkpoint (no physml_ais_checkpoint in its metadata)",
              fn, path);
    PML_CHECK(strcmp(version, AIS_CKPT_VERSION) == 0, PML_ERR_UNSUPPORTED,
              "%s: AIS checkpoint '%s' has format %s; this physml reads format "
              AIS_CKPT_VERSION, fn, path, version);
    PML_TRY(check_identity(fn, path, st, a));
    int64_t done = 0;
    PML_TRY(steps_done(fn, path, st, a->steps, &done));
    const pml_tensor *chains = NULL, *weights = NULL;
    PML_TRY(pml_find_tensor(fn, st, path, "chains", a->v, &chains));
    PML_TRY(pml_find_tensor(fn, st, path, "log_weights", a->w, &weights));
    PML_TRY(check_values(fn, path, chains, weights));
    /* everything checked: the state */
    PML_TRY(pml_error_within(pml_tensor_copy(a->v, chains), fn));
    PML_TRY(pml_error_within(pml_tensor_copy(a->w, weights), fn));
    a->done = done;
    return PML_OK;
}

pml_status pml_rbm_ais_load(const char *fn, pml_rbm_ais_run *a, const char *path)
{
    pml_safetensors st;
    PML_TRY(pml_error_within(pml_safetensors_read(a->r->dev, path, &st), fn));
    const pml_status s = load_from(fn, path, &st, a);
    pml_safetensors_free(&st);
    return s;
}
