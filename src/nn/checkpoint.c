/* Checkpoints: a training run's state in one .safetensors file, and the run continued from it
 * (nn/checkpoint.h; the format in docs/nn.md, "Checkpoints").
 *
 * The metadata has two parts. What the run is: every setting that changes its arithmetic,
 * rendered as text exactly (doubles with %.17g, which reads back to the same bits) and
 * compared as text when resuming, so a mismatch names its field. Where the run stands: the
 * counters and the schedule's and early stopping's state, parsed back. Arrays (parameters,
 * optimiser state, the snapshot, the history) are tensors, bit for bit. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "data/dataset.h"
#include "nn/checkpoint.h"

#define CKPT_VERSION "1"

/* the history tensor's columns, one row per epoch */
#define HIST_COLS 10
static const char hist_columns[] =
    "epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds,samples,train_kl,val_kl";
/* checkpoints before the VAE's KL columns hold the first 8 (their KL reads as NaN) */
#define HIST_COLS_V1 8

/* PyTorch's names for the optimiser's state: velocity, first and second moments */
static const char *state_name(pml_optim_kind kind, int which)
{
    if (kind == PML_OPTIM_MOMENTUM) return which == 0 ? "momentum_buffer" : NULL;
    if (kind == PML_OPTIM_ADAM) return which == 0 ? "exp_avg" : "exp_avg_sq";
    return NULL;
}

static const char *const schedule_names[] = {
    [PML_SCHED_CONSTANT] = "constant", [PML_SCHED_STEP] = "step",
    [PML_SCHED_EXPONENTIAL] = "exp", [PML_SCHED_COSINE] = "cosine",
    [PML_SCHED_PLATEAU] = "plateau",
};

/* ---- gathering ------------------------------------------------------------------------- */

static char *vformat(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    const int n = vsnprintf(NULL, 0, fmt, ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s) vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return s;
}

/* Room for one more entry of `size` bytes in *arr (capacity *cap); 0 when out of memory. */
static int grow(void **arr, int *cap, int need, size_t size)
{
    if (need <= *cap) return 1;
    const int cap2 = need < 16 ? 16 : 2 * need;
    void *p = realloc(*arr, (size_t)cap2 * size);
    if (p == NULL) return 0;
    *arr = p;
    *cap = cap2;
    return 1;
}

static void oom(pml_ckpt_out *w)
{
    if (w->s == PML_OK)
        w->s = pml_set_error(PML_ERR_OUT_OF_MEMORY, "checkpoint: out of host memory");
}

void pml_ckpt_tensor(pml_ckpt_out *w, const pml_tensor *t, const char *name_fmt, ...)
{
    if (w->s != PML_OK) return;
    va_list ap;
    va_start(ap, name_fmt);
    char *name = vformat(name_fmt, ap);
    va_end(ap);
    if (name == NULL || !grow((void **)&w->t, &w->cap_t, w->nt + 1, sizeof *w->t)) {
        free(name);
        oom(w);
        return;
    }
    w->t[w->nt].name = name;
    w->t[w->nt].tensor = t;
    w->nt += 1;
}

void pml_ckpt_meta(pml_ckpt_out *w, const char *key, const char *value_fmt, ...)
{
    if (w->s != PML_OK) return;
    va_list ap;
    va_start(ap, value_fmt);
    char *value = vformat(value_fmt, ap);
    va_end(ap);
    char *k = malloc(strlen(key) + 1);
    if (!value || !k || !grow((void **)&w->meta, &w->cap_m, 2 * w->nm + 3, sizeof *w->meta)) {
        free(value);
        free(k);
        oom(w);
        return;
    }
    strcpy(k, key);
    w->meta[2 * w->nm] = k;
    w->meta[2 * w->nm + 1] = value;
    w->meta[2 * w->nm + 2] = NULL;
    w->nm += 1;
}

void pml_ckpt_out_free(pml_ckpt_out *w)
{
    for (int i = 0; i < w->nt; ++i) free((char *)w->t[i].name);
    for (int i = 0; i < 2 * w->nm; ++i) free(w->meta[i]);
    free(w->t);
    free(w->meta);
    memset(w, 0, sizeof *w);
}

/* ---- what the run is --------------------------------------------------------------------- */

/* A fingerprint of a dataset's examples in their order: the shape, the classes and every
 * example's pixel sum and sum of squares (kept on the host, so nothing is read from the
 * device), and with standard scaling the mean and std it scales by. Not the labels. */
static uint64_t fingerprint(const pml_dataset *ds, int standard)
{
    uint64_t h = PML_FNV1A_INIT;
    const int64_t head[4] = {ds->n, ds->rows, ds->cols, ds->classes};
    h = pml_fnv1a(h, head, sizeof head);
    h = pml_fnv1a(h, ds->pix_sum, (size_t)ds->n * sizeof *ds->pix_sum);
    h = pml_fnv1a(h, ds->pix_sq, (size_t)ds->n * sizeof *ds->pix_sq);
    if (standard) {
        h = pml_fnv1a(h, &ds->mean, sizeof ds->mean);
        h = pml_fnv1a(h, &ds->std, sizeof ds->std);
    }
    return h;
}

static void dataset_identity(pml_ckpt_out *w, const char *which, const pml_dataset *ds,
                             int standard)
{
    char key[48];
    snprintf(key, sizeof key, "physml_%s_size", which);
    pml_ckpt_meta(w, key, "%lld", ds ? (long long)ds->n : 0LL);
    snprintf(key, sizeof key, "physml_%s_fingerprint", which);
    if (ds) pml_ckpt_meta(w, key, "%016llx", (unsigned long long)fingerprint(ds, standard));
}

/* Every setting that changes the run's arithmetic, as text; those a kind does not use are left
 * out, so a hand-built config differing only there is not refused. The first keys are the
 * broadest (a checkpoint of another model is named as such, not by its first tensor). */
static void identity(const pml_train_run *r, pml_ckpt_out *w)
{
    const pml_train_config *c = r->c;
    pml_model_meta_buf mb;
    const char *mm[8];
    const int k = pml_model_meta(r->m, &mb, mm);
    for (int i = 0; i < k; i += 2) pml_ckpt_meta(w, mm[i], "%s", mm[i + 1]);
    pml_ckpt_meta(w, "physml_in_ndim", "%d", r->m->in.ndim);
    pml_ckpt_meta(w, "physml_step", "%s", r->step->name);

    const pml_optim_config *o = pml_optimizer_config(r->opt);
    pml_ckpt_meta(w, "physml_optim", "%s", pml_optim_name(o->kind));
    if (o->kind == PML_OPTIM_MOMENTUM) {
        pml_ckpt_meta(w, "physml_optim_momentum", "%.17g", o->momentum);
        pml_ckpt_meta(w, "physml_optim_nesterov", "%d", o->nesterov != 0);
    }
    if (o->kind == PML_OPTIM_ADAM) {
        pml_ckpt_meta(w, "physml_optim_beta1", "%.17g", o->beta1);
        pml_ckpt_meta(w, "physml_optim_beta2", "%.17g", o->beta2);
        pml_ckpt_meta(w, "physml_optim_eps", "%.17g", o->eps);
    }
    pml_ckpt_meta(w, "physml_optim_weight_decay", "%.17g", o->weight_decay);

    pml_ckpt_meta(w, "physml_batch", "%lld", (long long)c->batch);
    pml_ckpt_meta(w, "physml_loss", "%s", pml_loss_name(c->loss));
    pml_ckpt_meta(w, "physml_reduction", "%s", c->reduction == PML_REDUCE_SUM ? "sum" : "mean");
    pml_ckpt_meta(w, "physml_scaling", "%s", pml_scaling_name(c->scaling));
    pml_ckpt_meta(w, "physml_seed", "%llu", (unsigned long long)c->seed);
    pml_ckpt_meta(w, "physml_augment_shift", "%d", c->augment.shift);
    pml_ckpt_meta(w, "physml_augment_flip", "%d", c->augment.flip != 0);
    pml_ckpt_meta(w, "physml_augment_noise", "%.17g", (double)c->augment.noise);
    pml_ckpt_meta(w, "physml_augment_mask", "%.17g", (double)c->augment.mask);
    pml_ckpt_meta(w, "physml_augment_saltpepper", "%.17g", (double)c->augment.saltpepper);
    pml_ckpt_meta(w, "physml_no_shuffle", "%d", c->no_shuffle != 0);
    pml_ckpt_meta(w, "physml_drop_last", "%d", c->drop_last != 0);
    pml_ckpt_meta(w, "physml_early_stop", "%d", c->early_stop);
    pml_ckpt_meta(w, "physml_restore_best", "%d", c->restore_best != 0);

    const pml_schedule *s = &c->schedule;
    pml_ckpt_meta(w, "physml_schedule", "%s", schedule_names[s->kind]);
    pml_ckpt_meta(w, "physml_schedule_lr0", "%.17g", s->lr0);
    if (s->kind == PML_SCHED_STEP) pml_ckpt_meta(w, "physml_schedule_step", "%d", s->step);
    if (s->kind == PML_SCHED_STEP || s->kind == PML_SCHED_EXPONENTIAL)
        pml_ckpt_meta(w, "physml_schedule_gamma", "%.17g", s->gamma);
    if (s->kind == PML_SCHED_COSINE) pml_ckpt_meta(w, "physml_schedule_t_max", "%d", s->t_max);
    if (s->kind == PML_SCHED_COSINE || s->kind == PML_SCHED_PLATEAU)
        pml_ckpt_meta(w, "physml_schedule_min_lr", "%.17g", s->min_lr);
    if (s->kind == PML_SCHED_PLATEAU) {
        pml_ckpt_meta(w, "physml_schedule_factor", "%.17g", s->factor);
        pml_ckpt_meta(w, "physml_schedule_patience", "%d", s->patience);
    }

    const int standard = c->scaling == PML_SCALE_STANDARD;
    dataset_identity(w, "train", r->train, standard);
    dataset_identity(w, "val", r->val, standard);
}

/* ---- writing ----------------------------------------------------------------------------- */

pml_status pml_checkpoint_write(const char *fn, const pml_train_run *r, double seconds)
{
    const pml_train_config *c = r->c;
    pml_ckpt_out w;
    memset(&w, 0, sizeof w);
    pml_ckpt_meta(&w, "physml_checkpoint", "%s", CKPT_VERSION);
    identity(r, &w);

    /* where the run stands */
    const pml_optim_config *o = pml_optimizer_config(r->opt);
    pml_ckpt_meta(&w, "physml_epochs_done", "%d", r->epochs);
    pml_ckpt_meta(&w, "physml_epochs", "%d", c->epochs);
    pml_ckpt_meta(&w, "physml_global_step", "%lld", (long long)r->global);
    pml_ckpt_meta(&w, "physml_optim_t", "%lld", (long long)pml_optimizer_steps(r->opt));
    pml_ckpt_meta(&w, "physml_optim_lr", "%.17g", o->lr);
    pml_ckpt_meta(&w, "physml_optim_state", "%d", pml_optimizer_state_count(r->opt));
    if (c->schedule.kind == PML_SCHED_PLATEAU) { /* the other kinds are functions of the epoch */
        pml_ckpt_meta(&w, "physml_schedule_best", "%.17g", c->schedule.best);
        pml_ckpt_meta(&w, "physml_schedule_current_lr", "%.17g", c->schedule.lr);
        pml_ckpt_meta(&w, "physml_schedule_bad_epochs", "%d", c->schedule.bad_epochs);
    }
    pml_ckpt_meta(&w, "physml_best_metric", "%.17g", r->best_val);
    pml_ckpt_meta(&w, "physml_best_epoch", "%d", r->best_epoch);
    pml_ckpt_meta(&w, "physml_bad_epochs", "%d", r->bad);
    pml_ckpt_meta(&w, "physml_stopped", "%d", r->stopped);
    pml_ckpt_meta(&w, "physml_samples", "%lld", (long long)r->samples);
    pml_ckpt_meta(&w, "physml_seconds", "%.17g", seconds);
    pml_ckpt_meta(&w, "physml_history_columns", "%s", hist_columns);

    /* the parameters with the optimiser's state of each, then the buffers */
    const int n = pml_model_num_state_tensors(r->m), np = pml_model_num_param_tensors(r->m);
    for (int i = 0; i < n; ++i) {
        const char *name = NULL;
        pml_tensor *p = NULL;
        pml_model_state_tensor(r->m, i, &name, &p);
        pml_ckpt_tensor(&w, p, "%s", name);
        for (int which = 0; which < 2 && i < np; ++which) {
            const pml_tensor *st = pml_optimizer_state(r->opt, i, which);
            if (st) pml_ckpt_tensor(&w, st, "optim.%s.%s", state_name(o->kind, which), name);
        }
        if (r->nbest && r->best_epoch >= 0) pml_ckpt_tensor(&w, r->best[i], "best.%s", name);
    }

    pml_tensor *hist = NULL;
    double *h = malloc((size_t)r->epochs * HIST_COLS * sizeof *h);
    if (h == NULL) oom(&w);
    for (int e = 0; h && e < r->epochs; ++e) {
        const pml_epoch_stats *st = &r->hist[e];
        const double row[HIST_COLS] = {st->epoch,  st->train_loss, st->train_acc,
                                       st->val_loss, st->val_acc, st->lr,
                                       st->seconds, (double)st->samples,
                                       st->train_kl, st->val_kl};
        memcpy(h + (size_t)e * HIST_COLS, row, sizeof row);
    }
    if (w.s == PML_OK)
        w.s = pml_tensor_create_2d(r->m->dev, PML_F64, r->epochs, HIST_COLS, &hist);
    if (w.s == PML_OK)
        w.s = pml_tensor_upload(hist, h, (size_t)r->epochs * HIST_COLS * sizeof *h);
    free(h);
    pml_ckpt_tensor(&w, hist, "history");
    if (w.s == PML_OK && r->step->vt->save) w.s = r->step->vt->save(r->step, &w);

    pml_status s = w.s;
    /* pml_safetensors_write replaces the file atomically */
    if (s == PML_OK)
        s = pml_safetensors_write(c->checkpoint, w.t, w.nt, (const char *const *)w.meta);
    pml_tensor_destroy(hist);
    pml_ckpt_out_free(&w);
    return pml_error_within(s, fn);
}

/* ---- resuming ---------------------------------------------------------------------------- */

/* A metadata value that must be there (PML_ERR_BAD_FORMAT otherwise). */
static pml_status need(const char *fn, const char *path, const pml_safetensors *st,
                       const char *key, const char **out)
{
    *out = pml_safetensors_meta(st, key);
    PML_CHECK(*out != NULL, PML_ERR_BAD_FORMAT, "%s: checkpoint '%s' lacks '%s'", fn, path, key);
    return PML_OK;
}

/* An integer in [lo, hi] under key. */
static pml_status get_int(const char *fn, const char *path, const pml_safetensors *st,
                          const char *key, long long lo, long long hi, long long *out)
{
    const char *v = NULL;
    PML_TRY(need(fn, path, st, key, &v));
    char *end = NULL;
    errno = 0;
    const long long x = strtoll(v, &end, 10);
    PML_CHECK(end != v && *end == '\0' && errno == 0 && x >= lo && x <= hi, PML_ERR_BAD_FORMAT,
              "%s: checkpoint '%s': %s = '%s' is not a whole number in [%lld, %lld]", fn, path,
              key, v, lo, hi);
    *out = x;
    return PML_OK;
}

/* A double (infinities allowed) under key, exactly as %.17g wrote it. */
static pml_status get_double(const char *fn, const char *path, const pml_safetensors *st,
                             const char *key, double *out)
{
    const char *v = NULL;
    PML_TRY(need(fn, path, st, key, &v));
    char *end = NULL;
    const double x = strtod(v, &end);
    PML_CHECK(end != v && *end == '\0' && !isnan(x), PML_ERR_BAD_FORMAT,
              "%s: checkpoint '%s': %s = '%s' is not a number", fn, path, key, v);
    *out = x;
    return PML_OK;
}

pml_status pml_ckpt_compare(const char *fn, const char *path, const pml_safetensors *st,
                            const pml_ckpt_out *want, const char *const (*later)[2],
                            size_t nlater)
{
    pml_status s = want->s;
    for (int i = 0; s == PML_OK && i < want->nm; ++i) {
        const char *key = want->meta[2 * i], *here = want->meta[2 * i + 1], *there = NULL;
        for (size_t k = 0; k < nlater; ++k)
            if (strcmp(key, later[k][0]) == 0 && pml_safetensors_meta(st, key) == NULL)
                there = later[k][1];
        if (there == NULL) s = need(fn, path, st, key, &there);
        if (s == PML_OK && strcmp(there, here) != 0) {
            const char *field = strncmp(key, "physml_", 7) == 0 ? key + 7 : key;
            s = pml_set_error(PML_ERR_INVALID_ARGUMENT,
                              "%s: checkpoint '%s' is of another run: %s is '%s' there, '%s' "
                              "here", fn, path, field, there, here);
        }
    }
    return s;
}

/* The run's identity against the file's: the first difference is the caller's mistake. */
static pml_status check_identity(const char *fn, const char *path, const pml_safetensors *st,
                                 const pml_train_run *r)
{
    pml_ckpt_out want;
    memset(&want, 0, sizeof want);
    identity(r, &want);
    /* keys added after the format's first checkpoints, and what their absence means */
    static const char *const later[][2] = {{"physml_augment_mask", "0"},
                                           {"physml_augment_saltpepper", "0"}};
    const pml_status s =
        pml_ckpt_compare(fn, path, st, &want, later, sizeof later / sizeof later[0]);
    pml_ckpt_out_free(&want);
    return s;
}

/* One tensor to copy once every check has passed: what it goes into (parameter i itself,
 * the optimiser's state `which` of it, or its restore-best copy) and the file's tensor. */
typedef enum { TO_PARAM, TO_STATE0, TO_STATE1, TO_BEST } target;
typedef struct copy {
    int i;
    target to;
    const pml_tensor *src;
} copy;

/* Find `prefix name` with the dtype and shape of `like` and queue its copy. */
static pml_status queue(const char *fn, const char *path, const pml_safetensors *st,
                        const char *prefix, const char *name, const pml_tensor *like, int i,
                        target to, copy *q, int *nq)
{
    char full[160];
    snprintf(full, sizeof full, "%s%s", prefix, name);
    PML_TRY(pml_find_tensor(fn, st, path, full, like, &q[*nq].src));
    q[*nq].i = i;
    q[*nq].to = to;
    *nq += 1;
    return PML_OK;
}

/* The run's state from the metadata into t (a copy of the run). */
static pml_status read_state(const char *fn, const char *path, const pml_safetensors *st,
                             pml_train_run *t, long long *optim_t, double *optim_lr,
                             long long *nstate)
{
    long long v = 0;
    const long long big = (long long)1 << 62;
    PML_TRY(get_int(fn, path, st, "physml_epochs_done", 1, 1 << 30, &v));
    t->epochs = (int)v;
    PML_CHECK(t->epochs <= t->c->epochs, PML_ERR_INVALID_ARGUMENT,
              "%s: checkpoint '%s' holds %d epochs, more than the %d this run asks for", fn,
              path, t->epochs, t->c->epochs);
    PML_TRY(get_int(fn, path, st, "physml_global_step", 0, big, &v));
    t->global = v;
    PML_TRY(get_int(fn, path, st, "physml_optim_t", 0, big, optim_t));
    PML_TRY(get_double(fn, path, st, "physml_optim_lr", optim_lr));
    PML_TRY(get_int(fn, path, st, "physml_optim_state", 0, 2 * PML_MODEL_MAX_LAYERS, nstate));
    if (t->c->schedule.kind == PML_SCHED_PLATEAU) {
        PML_TRY(get_double(fn, path, st, "physml_schedule_best", &t->c->schedule.best));
        PML_TRY(get_double(fn, path, st, "physml_schedule_current_lr", &t->c->schedule.lr));
        PML_TRY(get_int(fn, path, st, "physml_schedule_bad_epochs", 0, 1 << 30, &v));
        t->c->schedule.bad_epochs = (int)v;
    }
    PML_TRY(get_double(fn, path, st, "physml_best_metric", &t->best_val));
    PML_TRY(get_int(fn, path, st, "physml_best_epoch", -1, t->epochs - 1, &v));
    t->best_epoch = (int)v;
    PML_TRY(get_int(fn, path, st, "physml_bad_epochs", 0, t->epochs, &v));
    t->bad = (int)v;
    PML_TRY(get_int(fn, path, st, "physml_stopped", 0, 1, &v));
    t->stopped = (int)v;
    PML_TRY(get_int(fn, path, st, "physml_samples", 0, big, &v));
    t->samples = v;
    return get_double(fn, path, st, "physml_seconds", &t->seconds);
}

static pml_status resume_from(const char *fn, const char *path, const pml_safetensors *st,
                              pml_train_run *r)
{
    const char *version = pml_safetensors_meta(st, "physml_checkpoint");
    PML_CHECK(version != NULL, PML_ERR_BAD_FORMAT,
              "%s: '%s' is not a physml checkpoint (no physml_checkpoint in its metadata)", fn,
              path);
    PML_CHECK(strcmp(version, CKPT_VERSION) == 0, PML_ERR_UNSUPPORTED,
              "%s: checkpoint '%s' has format %s; this physml reads format " CKPT_VERSION, fn,
              path, version);
    PML_TRY(check_identity(fn, path, st, r));

    /* the state into a copy, the schedule's included, so that r changes only at the end */
    pml_train_config c = *r->c;
    pml_train_run t = *r;
    t.c = &c;
    long long optim_t = 0, nstate = 0;
    double optim_lr = 0.0;
    PML_TRY(read_state(fn, path, st, &t, &optim_t, &optim_lr, &nstate));

    /* every tensor found and checked before any is copied */
    pml_model *m = r->m;
    const int n = pml_model_num_state_tensors(m), np = pml_model_num_param_tensors(m);
    PML_CHECK(nstate == 0 || nstate == np, PML_ERR_BAD_FORMAT,
              "%s: checkpoint '%s': optimiser state for %lld parameters, the model has %d", fn,
              path, nstate, np);
    enum { CAP = (PML_LAYER_MAX_PARAMS + PML_LAYER_MAX_BUFFERS) * PML_MODEL_MAX_LAYERS };
    PML_CHECK(n <= CAP, PML_ERR_INVALID_ARGUMENT, "%s: too many parameter tensors", fn);
    /* the parameters first (what the optimiser's state belongs to), then the buffers */
    pml_tensor *params[CAP];
    for (int i = 0; i < n; ++i) pml_model_state_tensor(m, i, NULL, &params[i]);
    const pml_optim_kind kind = pml_optimizer_config(r->opt)->kind;
    copy *q = calloc((size_t)(4 * n + 1), sizeof *q);
    PML_CHECK(q != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    int nq = 0;
    pml_status s = PML_OK;
    for (int i = 0; i < n && s == PML_OK; ++i) {
        const char *pname = NULL;
        pml_model_state_tensor(m, i, &pname, NULL);
        char name[64];
        snprintf(name, sizeof name, "%s", pname);
        s = queue(fn, path, st, "", name, params[i], i, TO_PARAM, q, &nq);
        /* the state tensors have their parameter's dtype and shape */
        for (int which = 0; which < 2 && nstate > 0 && i < np && s == PML_OK; ++which) {
            const char *state = state_name(kind, which);
            char prefix[48];
            snprintf(prefix, sizeof prefix, "optim.%s.", state ? state : "");
            if (state)
                s = queue(fn, path, st, prefix, name, params[i], i, which ? TO_STATE1 : TO_STATE0,
                          q, &nq);
        }
        if (s == PML_OK && r->nbest && t.best_epoch >= 0)
            s = queue(fn, path, st, "best.", name, params[i], i, TO_BEST, q, &nq);
    }
    pml_tensor *hist_like = NULL;
    const pml_tensor *hist = NULL;
    int hcols = HIST_COLS;
    const pml_tensor *found = s == PML_OK ? pml_safetensors_find(st, "history") : NULL;
    if (found && found->ndim == 2 && found->shape[1] == HIST_COLS_V1) hcols = HIST_COLS_V1;
    if (s == PML_OK) s = pml_tensor_create_2d(m->dev, PML_F64, t.epochs, hcols, &hist_like);
    if (s == PML_OK) s = pml_find_tensor(fn, st, path, "history", hist_like, &hist);
    pml_tensor_destroy(hist_like);
    double *h = NULL;
    if (s == PML_OK) {
        h = malloc((size_t)t.epochs * hcols * sizeof *h);
        if (h == NULL) s = pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    }
    if (s == PML_OK) s = pml_tensor_download(hist, h, (size_t)t.epochs * hcols * sizeof *h);
    for (int e = 0; s == PML_OK && e < t.epochs; ++e) {
        const double *row = h + (size_t)e * hcols;
        if (row[0] != e || !(row[7] >= 0 && row[7] <= 9e15)) {
            s = pml_set_error(PML_ERR_BAD_FORMAT, "%s: checkpoint '%s': history row %d is not "
                              "that epoch's", fn, path, e);
            break;
        }
        pml_epoch_stats *es = &t.hist[e]; /* field by field: the padding stays zero */
        es->epoch = e;
        es->train_loss = row[1];
        es->train_acc = row[2];
        es->val_loss = row[3];
        es->val_acc = row[4];
        es->lr = row[5];
        es->seconds = row[6];
        es->samples = (int64_t)row[7];
        es->train_kl = hcols > 8 ? row[8] : NAN;
        es->val_kl = hcols > 9 ? row[9] : NAN;
    }
    free(h);

    /* the step's own settings and state (a VAE's beta, an RBM's chains) are checked before
     * anything of the model changes */
    if (s == PML_OK && r->step->vt->load) s = r->step->vt->load(r->step, st, path);
    /* everything checked: the optimiser's state made afresh (zero), then the copies */
    if (s == PML_OK)
        s = pml_error_within(
            pml_optimizer_reset(r->opt, (int)nstate, params, optim_t, optim_lr), fn);
    for (int k = 0; k < nq && s == PML_OK; ++k) {
        const int i = q[k].i;
        pml_tensor *dst = q[k].to == TO_PARAM    ? params[i]
                          : q[k].to == TO_BEST   ? r->best[i]
                          : q[k].to == TO_STATE0 ? pml_optimizer_state(r->opt, i, 0)
                                                 : pml_optimizer_state(r->opt, i, 1);
        s = pml_error_within(pml_tensor_copy(dst, q[k].src), fn);
    }
    free(q);
    if (s != PML_OK) return pml_error_within(s, fn);
    *r->c = c;
    t.c = r->c;
    *r = t;
    return PML_OK;
}

pml_status pml_checkpoint_resume(const char *fn, pml_train_run *r)
{
    const char *path = r->c->resume;
    pml_safetensors st;
    PML_TRY(pml_error_within(pml_safetensors_read(r->m->dev, path, &st), fn));
    const pml_status s = resume_from(fn, path, &st, r);
    pml_safetensors_free(&st);
    return s;
}
