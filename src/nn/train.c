/* The training driver: epochs over shuffled mini-batches of a dataset, augmentation, the
 * device-side loss windows and the NaN guard, validation after each epoch, learning-rate
 * schedules, early stopping with restore-best, callbacks, checkpoints and timing. What one
 * step does to one batch is the step's (src/nn/train_step.h); what a checkpoint holds is
 * src/nn/checkpoint.c's. The library never prints: progress goes to the caller's callback. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "nn/checkpoint.h"

pml_train_config pml_train_defaults(void)
{
    pml_train_config c;
    memset(&c, 0, sizeof c);
    c.epochs = 10;
    c.batch = 64;
    c.loss = PML_LOSS_SOFTMAX_XENT;
    c.reduction = PML_REDUCE_MEAN;
    c.scaling = PML_SCALE_UNIT;
    c.schedule = pml_schedule_constant(0.0); /* the optimiser's rate */
    c.restore_best = 1;
    c.seed = 1;
    c.checkpoint_every = 1;
    return c;
}

void pml_train_result_free(pml_train_result *r)
{
    if (r == NULL) return;
    free(r->history);
    memset(r, 0, sizeof *r);
}

/* A copy of every parameter tensor of a model (restore-best). */
typedef struct snapshot {
    int n;
    pml_tensor **t;
} snapshot;

static void snap_free(snapshot *s)
{
    for (int i = 0; i < s->n; ++i) pml_tensor_destroy(s->t[i]);
    free(s->t);
    s->t = NULL;
    s->n = 0;
}

static pml_status snap_make(pml_model *m, snapshot *s)
{
    int n = pml_model_num_state_tensors(m);
    s->t = calloc((size_t)(n ? n : 1), sizeof *s->t);
    PML_CHECK(s->t != NULL, PML_ERR_OUT_OF_MEMORY, "pml_train: out of host memory");
    s->n = n;
    for (int i = 0; i < n; ++i) {
        pml_tensor *p = NULL;
        PML_TRY(pml_model_state_tensor(m, i, NULL, &p));
        PML_TRY(pml_tensor_create(m->dev, p->dtype, p->ndim, p->shape, &s->t[i]));
    }
    return PML_OK;
}

static pml_status snap_io(pml_model *m, snapshot *s, int save)
{
    for (int i = 0; i < s->n; ++i) {
        pml_tensor *p = NULL;
        PML_TRY(pml_model_state_tensor(m, i, NULL, &p));
        PML_TRY(save ? pml_tensor_copy(s->t[i], p) : pml_tensor_copy(p, s->t[i]));
    }
    return PML_OK;
}

pml_status pml_check_loss_scaling(const char *fn, pml_loss_kind loss, pml_scaling scaling)
{
    PML_CHECK(loss >= PML_LOSS_MSE && loss <= PML_LOSS_BCE_LOGITS, PML_ERR_INVALID_ARGUMENT,
              "%s: unknown loss %d", fn, (int)loss);
    PML_CHECK(scaling == PML_SCALE_UNIT || scaling == PML_SCALE_RAW ||
                  scaling == PML_SCALE_STANDARD,
              PML_ERR_INVALID_ARGUMENT, "%s: unknown scaling %d", fn, (int)scaling);
    return PML_OK;
}

pml_status pml_check_dataset(const char *fn, const pml_model *m, const pml_train_step *step,
                             const pml_dataset *ds, const char *name, int shift)
{
    const pml_device *dd = pml_dataset_device(ds);
    PML_CHECK(dd == m->dev, PML_ERR_DEVICE_MISMATCH, "%s: the %s set lives on %s%s, the model on %s",
              fn, name, dd->spec, pml_other_handle_note(dd, m->dev), m->dev->spec);
    PML_CHECK(pml_dataset_features(ds) == m->in_f, PML_ERR_INVALID_ARGUMENT,
              "%s: the %s set has %lld features per example, the model takes %lld", fn, name,
              (long long)pml_dataset_features(ds), (long long)m->in_f);
    if (step && step->vt->check_data) PML_TRY(step->vt->check_data(step, fn, m, ds, name));
    PML_CHECK(pml_dataset_size(ds) >= 1, PML_ERR_INVALID_ARGUMENT, "%s: the %s set is empty", fn,
              name);
    PML_CHECK(shift < pml_dataset_rows(ds) && shift < pml_dataset_cols(ds),
              PML_ERR_INVALID_ARGUMENT, "%s: augment.shift %d is not below the %s set's %d x %d "
              "images", fn, shift, name, pml_dataset_rows(ds), pml_dataset_cols(ds));
    return PML_OK;
}

static pml_status check_config(const char *fn, const pml_model *m, const pml_train_config *c)
{
    PML_CHECK(c->epochs >= 1, PML_ERR_INVALID_ARGUMENT, "%s: epochs %d, needs >= 1", fn,
              c->epochs);
    PML_CHECK(c->batch >= 1 && c->batch <= m->max_batch, PML_ERR_INVALID_ARGUMENT,
              "%s: batch %lld outside 1..%lld (the model's max_batch)", fn, (long long)c->batch,
              (long long)m->max_batch);
    PML_TRY(pml_check_loss_scaling(fn, c->loss, c->scaling));
    PML_CHECK(c->reduction == PML_REDUCE_MEAN || c->reduction == PML_REDUCE_SUM,
              PML_ERR_INVALID_ARGUMENT, "%s: unknown reduction %d", fn, (int)c->reduction);
    PML_CHECK(c->augment.shift >= 0 && c->augment.noise >= 0.0f && isfinite(c->augment.noise),
              PML_ERR_INVALID_ARGUMENT, "%s: augment.shift %d, augment.noise %g: need shift >= 0 "
              "and a finite noise >= 0", fn, c->augment.shift, (double)c->augment.noise);
    PML_CHECK(c->augment.mask >= 0 && c->augment.saltpepper >= 0 &&
                  c->augment.mask + c->augment.saltpepper <= 1,
              PML_ERR_INVALID_ARGUMENT, "%s: augment.mask %g, augment.saltpepper %g: need both "
              ">= 0 and their sum <= 1", fn, (double)c->augment.mask,
              (double)c->augment.saltpepper);
    /* lr0 <= 0 (the default): the optimiser's own rate, whatever the other fields hold; a
     * NaN lr0 is checked (and refused) */
    if (!(c->schedule.lr0 <= 0)) PML_TRY(pml_schedule_check(fn, &c->schedule));
    PML_CHECK(c->early_stop >= 0, PML_ERR_INVALID_ARGUMENT, "%s: early_stop < 0", fn);
    PML_CHECK(c->every_steps >= 0, PML_ERR_INVALID_ARGUMENT,
              "%s: every_steps %d, needs >= 0 (0: no step callbacks)", fn, c->every_steps);
    PML_CHECK(c->checkpoint_every >= 0, PML_ERR_INVALID_ARGUMENT,
              "%s: checkpoint_every %d, needs >= 0 (0: after the last epoch only)", fn,
              c->checkpoint_every);
    /* a checkpoint that could not be written is found before the first epoch, not after it */
    if (c->checkpoint) PML_TRY(pml_check_writable(fn, c->checkpoint));
    return PML_OK;
}

/* steps whose loss and hits are read back at once */
#define STATS_WINDOW 64

/* The driver's device buffers for one run. */
typedef struct buffers {
    pml_tensor *x, *labels, *clean; /* clean: the un-augmented inputs, when a step wants them */
    pml_tensor *stats;              /* F64, 2 per step of a window */
    pml_tensor *flag;               /* I32: the sticky non-finite flag */
} buffers;

static void bufs_free(buffers *b)
{
    pml_tensor_destroy(b->x);
    pml_tensor_destroy(b->labels);
    pml_tensor_destroy(b->clean);
    pml_tensor_destroy(b->stats);
    pml_tensor_destroy(b->flag);
    memset(b, 0, sizeof *b);
}

static pml_status bufs_make(const pml_model *m, int64_t rows, int clean, buffers *b)
{
    memset(b, 0, sizeof *b);
    pml_status s = pml_tensor_create_2d(m->dev, PML_F32, rows, m->in_f, &b->x);
    if (s == PML_OK) s = pml_tensor_create_1d(m->dev, PML_I32, rows, &b->labels);
    if (s == PML_OK && clean) s = pml_tensor_create_2d(m->dev, PML_F32, rows, m->in_f, &b->clean);
    if (s == PML_OK) s = pml_tensor_create_1d(m->dev, PML_F64, 2 * STATS_WINDOW, &b->stats);
    if (s == PML_OK) s = pml_tensor_zero(b->stats);
    if (s == PML_OK) s = pml_tensor_create_1d(m->dev, PML_I32, 1, &b->flag);
    if (s == PML_OK) s = pml_tensor_zero(b->flag);
    if (s != PML_OK) bufs_free(b);
    return s;
}

/* Read the device-side loss/hit totals of steps first..last (one window) and add them up;
 * the first non-finite loss, if any, is reported in *bad_step (else -1). */
static pml_status read_window(buffers *b, int64_t first, int64_t last, int64_t n, int64_t batch,
                              double *total, double *hits, int64_t *seen, int64_t *bad_step,
                              double *bad_loss)
{
    double st[2 * STATS_WINDOW];
    PML_TRY(pml_tensor_download(b->stats, st, sizeof st));
    *bad_step = -1;
    for (int64_t j = first; j <= last; ++j) {
        double l = st[2 * (j - first)];
        if (!isfinite(l)) {
            *bad_step = j;
            *bad_loss = l;
            return PML_OK;
        }
        *total += l;
        *hits += st[2 * (j - first) + 1];
        *seen += n - j * batch < batch ? n - j * batch : batch;
    }
    return PML_OK;
}

/* Everything pml_train_with checks before any work, so that a bad value is reported by the
 * call that was given it. */
pml_status pml_train_check_run(const char *fn, pml_model *m, pml_optimizer *opt,
                            pml_train_step *step, pml_dataset *train, const pml_dataset *val,
                            const pml_train_config *cfg)
{
    PML_CHECK_ARG(m != NULL && opt != NULL && step != NULL && train != NULL && cfg != NULL, fn,
                  "model, optimizer, step, dataset or config is NULL");
    PML_CHECK(m->dtype == PML_F32, PML_ERR_INVALID_ARGUMENT, "%s: needs an f32 model", fn);
    PML_CHECK(m->nlayers > 0, PML_ERR_INVALID_ARGUMENT, "%s: the model has no layers", fn);
    PML_TRY(check_config(fn, m, cfg));
    if (step->vt->check) PML_TRY(step->vt->check(step, fn, m, cfg->loss));
    PML_TRY(pml_check_dataset(fn, m, step, train, "training", cfg->augment.shift));
    if (val) PML_TRY(pml_check_dataset(fn, m, step, val, "validation", 0));
    PML_NN_OPS(m->dev, fn, ops);
    (void)ops;
    return PML_OK;
}

/* Whether the epoch just completed is one a checkpoint is written after: every
 * checkpoint_every-th, and the last (of c.epochs, or the run stopped). */
static int checkpoint_due(const pml_train_config *c, int epochs_done, int last)
{
    if (c->checkpoint == NULL) return 0;
    return last || (c->checkpoint_every > 0 && epochs_done % c->checkpoint_every == 0);
}

pml_status pml_train_with_named(const char *fn, pml_model *m, pml_optimizer *opt,
                             pml_train_step *step, pml_dataset *train, const pml_dataset *val,
                             const pml_train_config *cfg, pml_train_result *result)
{
    if (result) memset(result, 0, sizeof *result);
    PML_TRY(pml_train_check_run(fn, m, opt, step, train, val, cfg));
    return pml_train_checked(fn, m, opt, step, train, val, cfg, result);
}

pml_status pml_train_checked(const char *fn, pml_model *m, pml_optimizer *opt,
                             pml_train_step *step, pml_dataset *train, const pml_dataset *val,
                             const pml_train_config *cfg, pml_train_result *result)
{
    if (result) memset(result, 0, sizeof *result);
    pml_train_config c = *cfg;
    if (!(c.schedule.lr0 > 0)) c.schedule = pml_schedule_constant(pml_optimizer_lr(opt));
    const pml_augment *aug = pml_augment_active(&c.augment) ? &c.augment : NULL;
    pml_train_run r = {.m = m, .opt = opt, .step = step, .train = train, .val = val, .c = &c,
                       .global = pml_optimizer_steps(opt), .best_val = INFINITY,
                       .best_epoch = -1};
    r.hist = calloc((size_t)c.epochs, sizeof *r.hist);
    PML_CHECK(r.hist != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    buffers b;
    snapshot best = {0, NULL};
    pml_status s = bufs_make(m, c.batch, step->needs_clean && aug, &b);
    if (s == PML_OK) s = step->vt->begin(step, m, c.batch);
    if (s == PML_OK && c.restore_best && val && c.early_stop > 0) s = snap_make(m, &best);
    r.nbest = best.n;
    r.best = best.t;
    if (s == PML_OK && c.resume) s = pml_checkpoint_resume(fn, &r);
    const int resumed_from = c.resume && s == PML_OK ? r.epochs : 0;
    const pml_step_ctx ctx = {m, opt, c.loss, c.reduction, b.flag ? (int32_t *)b.flag->data : NULL};

    int64_t n = pml_dataset_size(train);
    int64_t steps = c.drop_last ? n / c.batch : (n + c.batch - 1) / c.batch;
    if (steps < 1) steps = 1;
    const double t_start = pml_clock_seconds();
    int user_stop = 0, written = 0;

    for (int e = r.epochs; e < c.epochs && s == PML_OK && !r.stopped && !user_stop; ++e) {
        double t0 = pml_clock_seconds();
        double lr = c.schedule.kind == PML_SCHED_PLATEAU ? c.schedule.lr
                                                         : pml_schedule_lr(&c.schedule, e);
        pml_optimizer_set_lr(opt, lr);
        if (!c.no_shuffle) s = pml_dataset_shuffle(train, c.seed, (uint64_t)e);
        double total = 0.0, hits = 0.0;
        int64_t seen = 0, ran = 0;
        for (int64_t k = 0; k < steps && s == PML_OK; ++k) {
            int64_t start = k * c.batch, count = n - start < c.batch ? n - start : c.batch;
            double *slot = (double *)b.stats->data + 2 * (k % STATS_WINDOW);
            /* with augmentation, a step that wants the clean inputs gets them too */
            if (b.clean)
                s = pml_dataset_batch(train, start, count, c.scaling, NULL, c.seed,
                                      (uint64_t)r.global, b.clean, NULL);
            if (s == PML_OK)
                s = pml_dataset_batch(train, start, count, c.scaling, aug, c.seed,
                                      (uint64_t)r.global, b.x, b.labels);
            const pml_batch batch = {b.x, b.labels, b.clean ? b.clean : b.x, count,
                                     (uint64_t)r.global, c.seed};
            /* the loss stays on the device; a window of steps is read back at once, so a GPU
             * step needs no host synchronisation */
            if (s == PML_OK) s = step->vt->run(step, &ctx, &batch, slot);
            ++r.global;
            ++ran;
            if (s == PML_OK && c.callback && c.every_steps > 0 && (k + 1) % c.every_steps == 0)
                user_stop = c.callback(c.user, e, k + 1, steps, NULL);
            if (s == PML_OK && ((k + 1) % STATS_WINDOW == 0 || k + 1 == steps || user_stop)) {
                int64_t bad_step = -1;
                double bad_loss = 0.0;
                s = read_window(&b, k - k % STATS_WINDOW, k, n, c.batch, &total, &hits, &seen,
                                &bad_step, &bad_loss);
                /* the flag kept every update after that step from happening */
                if (s == PML_OK && bad_step >= 0)
                    s = pml_set_error(PML_ERR_NUMERIC,
                                      "%s: the loss became %s at epoch %d, step %lld (of %lld); "
                                      "the parameters are those before that step",
                                      fn, isnan(bad_loss) ? "NaN" : "infinite", e + 1,
                                      (long long)(bad_step + 1), (long long)steps);
            }
            if (user_stop) break;
        }
        if (s != PML_OK) break;
        r.samples += seen;
        pml_epoch_stats *st = &r.hist[e];
        st->epoch = e;
        st->train_loss = seen ? total / (double)seen : NAN;
        st->train_acc = seen && step->has_accuracy ? hits / (double)seen : NAN;
        st->train_kl = seen && step->has_kl ? hits / (double)seen : NAN;
        st->val_loss = st->val_acc = st->val_kl = NAN;
        st->lr = lr;
        st->samples = seen;
        if (val)
            s = pml_evaluate_step(fn, m, step, val, c.loss, c.scaling, &st->val_loss,
                                  step->has_kl ? &st->val_kl : &st->val_acc);
        if (s != PML_OK) break;
        st->seconds = pml_clock_seconds() - t0;
        r.epochs = e + 1;
        double metric = val ? st->val_loss : st->train_loss;
        if (metric < r.best_val) {
            r.best_val = metric;
            r.best_epoch = e;
            r.bad = 0;
            if (best.n) s = snap_io(m, &best, 1);
        } else if (isfinite(metric)) {
            ++r.bad;
        }
        if (c.early_stop > 0 && val && r.bad >= c.early_stop) r.stopped = 1;
        if (c.schedule.kind == PML_SCHED_PLATEAU) pml_schedule_observe(&c.schedule, metric);
        if (s == PML_OK && c.callback && c.callback(c.user, e, steps, steps, st)) user_stop = 1;
        /* an epoch the callback cut short is no state to continue from */
        if (s == PML_OK && ran == steps &&
            checkpoint_due(&c, r.epochs, r.epochs == c.epochs || r.stopped || user_stop)) {
            s = pml_checkpoint_write(fn, &r, r.seconds + pml_clock_seconds() - t_start);
            if (s == PML_OK) written = r.epochs;
        }
    }
    if (s == PML_OK && best.n && r.best_epoch >= 0 && r.best_epoch != r.epochs - 1)
        s = snap_io(m, &best, 0);
    if (result) {
        result->epochs_run = r.epochs;
        result->best_epoch = r.best_epoch;
        result->stopped_early = r.stopped || user_stop;
        result->seconds = r.seconds + pml_clock_seconds() - t_start;
        result->samples = r.samples;
        result->history = r.hist;
        result->resumed_from_epoch = resumed_from;
        result->checkpoint_epoch = written;
        r.hist = NULL;
    }
    free(r.hist);
    snap_free(&best);
    step->vt->end(step);
    bufs_free(&b);
    return s;
}

pml_status pml_train_with(pml_model *m, pml_optimizer *opt, pml_train_step *step,
                          pml_dataset *train, const pml_dataset *val,
                          const pml_train_config *cfg, pml_train_result *result)
{
    return pml_train_with_named("pml_train_with", m, opt, step, train, val, cfg, result);
}

pml_status pml_train(pml_model *m, pml_optimizer *opt, pml_dataset *train,
                     const pml_dataset *val, const pml_train_config *cfg,
                     pml_train_result *result)
{
    static const char fn[] = "pml_train";
    if (result) memset(result, 0, sizeof *result);
    pml_train_step *step = NULL;
    PML_TRY(pml_error_within(pml_train_step_classifier(&step), fn));
    const pml_status s = pml_train_with_named(fn, m, opt, step, train, val, cfg, result);
    pml_train_step_destroy(step);
    return s;
}
