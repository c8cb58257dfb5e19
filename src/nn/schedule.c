/* Learning-rate schedules: functions of the epoch, and reduce-on-plateau, which watches a
 * validation metric. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "nn/model.h"
#include "physml/nn.h"

pml_schedule pml_schedule_constant(double lr0)
{
    pml_schedule s;
    memset(&s, 0, sizeof s);
    s.kind = PML_SCHED_CONSTANT;
    s.lr0 = s.lr = lr0;
    s.gamma = 0.1;
    s.step = 10;
    s.t_max = 10;
    s.factor = 0.1;
    s.patience = 2;
    s.best = INFINITY;
    return s;
}

static int num(const char **p, double *out)
{
    char *end = NULL;
    double v = pml_strtod_dec(*p, &end);
    if (end == *p) return 0;
    *out = v;
    *p = end;
    return 1;
}

/* A whole number small enough for an int (the ranges are pml_schedule_check's). */
static int whole(double a) { return a == floor(a) && fabs(a) <= INT_MAX; }

/* The text's syntax here; the values' ranges in pml_schedule_check, which pml_train applies
 * to hand-built schedules too, so both accept the same schedules. */
pml_status pml_schedule_parse(const char *text, double lr0, pml_schedule *out)
{
    static const char fn[] = "pml_schedule_parse";
    PML_CHECK_ARG(text != NULL && out != NULL, fn, "text or out is NULL");
    pml_schedule s = pml_schedule_constant(lr0);
    const char *colon = strchr(text, ':');
    size_t nlen = colon ? (size_t)(colon - text) : strlen(text);
    const char *p = colon ? colon + 1 : NULL;
    double a = 0, b = 0;
    int have_a = p && num(&p, &a);
    int have_b = 0;
    if (have_a && *p == ':') {
        ++p;
        have_b = num(&p, &b);
        PML_CHECK(have_b, PML_ERR_INVALID_ARGUMENT, "%s: '%s': bad second number", fn, text);
    }
    PML_CHECK(!colon || (have_a && *p == '\0'), PML_ERR_INVALID_ARGUMENT,
              "%s: '%s': bad arguments", fn, text);
#define IS(name) (nlen == strlen(name) && strncmp(text, name, nlen) == 0)
    if (IS("constant")) {
        PML_CHECK(!colon, PML_ERR_INVALID_ARGUMENT, "%s: 'constant' takes no arguments", fn);
    } else if (IS("step")) {
        PML_CHECK(have_a && have_b && whole(a), PML_ERR_INVALID_ARGUMENT,
                  "%s: '%s': want step:EPOCHS:GAMMA", fn, text);
        s.kind = PML_SCHED_STEP;
        s.step = (int)a;
        s.gamma = b;
    } else if (IS("exp")) {
        PML_CHECK(have_a && !have_b, PML_ERR_INVALID_ARGUMENT, "%s: '%s': want exp:GAMMA", fn,
                  text);
        s.kind = PML_SCHED_EXPONENTIAL;
        s.gamma = a;
    } else if (IS("cosine")) {
        PML_CHECK(have_a && whole(a), PML_ERR_INVALID_ARGUMENT,
                  "%s: '%s': want cosine:T_MAX[:MIN_LR]", fn, text);
        s.kind = PML_SCHED_COSINE;
        s.t_max = (int)a;
        s.min_lr = have_b ? b : 0.0;
    } else if (IS("plateau")) {
        PML_CHECK(have_a && whole(a), PML_ERR_INVALID_ARGUMENT,
                  "%s: '%s': want plateau:PATIENCE[:FACTOR]", fn, text);
        s.kind = PML_SCHED_PLATEAU;
        s.patience = (int)a;
        s.factor = have_b ? b : 0.1;
    } else {
        return pml_set_error(PML_ERR_INVALID_ARGUMENT,
                             "%s: unknown schedule '%s' (constant, step:S:G, exp:G, "
                             "cosine:T[:MIN], plateau:P[:F])",
                             fn, text);
    }
#undef IS
    char where[160];
    snprintf(where, sizeof where, "%s: '%.100s'", fn, text);
    PML_TRY(pml_schedule_check(where, &s));
    *out = s;
    return PML_OK;
}

pml_status pml_schedule_check(const char *fn, const pml_schedule *s)
{
    PML_CHECK(isfinite(s->lr0) && s->lr0 >= 0, PML_ERR_INVALID_ARGUMENT,
              "%s: schedule lr0 %g, needs a finite lr0 >= 0", fn, s->lr0);
    switch (s->kind) {
    case PML_SCHED_CONSTANT: return PML_OK;
    case PML_SCHED_STEP:
        PML_CHECK(s->step >= 1 && s->gamma > 0 && s->gamma <= 1, PML_ERR_INVALID_ARGUMENT,
                  "%s: step schedule with step %d, gamma %g: needs step >= 1, 0 < gamma <= 1",
                  fn, s->step, s->gamma);
        return PML_OK;
    case PML_SCHED_EXPONENTIAL:
        PML_CHECK(s->gamma > 0 && s->gamma <= 1, PML_ERR_INVALID_ARGUMENT,
                  "%s: exponential schedule with gamma %g: needs 0 < gamma <= 1", fn, s->gamma);
        return PML_OK;
    case PML_SCHED_COSINE:
        PML_CHECK(s->t_max >= 1 && s->min_lr >= 0 && s->min_lr <= s->lr0,
                  PML_ERR_INVALID_ARGUMENT,
                  "%s: cosine schedule with t_max %d, min_lr %g: needs t_max >= 1, "
                  "0 <= min_lr <= lr0 (%g)", fn, s->t_max, s->min_lr, s->lr0);
        return PML_OK;
    case PML_SCHED_PLATEAU:
        PML_CHECK(s->patience >= 1 && s->factor > 0 && s->factor < 1 && s->min_lr >= 0 &&
                      isfinite(s->min_lr),
                  PML_ERR_INVALID_ARGUMENT,
                  "%s: plateau schedule with patience %d, factor %g, min_lr %g: needs "
                  "patience >= 1, 0 < factor < 1, min_lr >= 0", fn, s->patience, s->factor,
                  s->min_lr);
        return PML_OK;
    }
    return pml_set_error(PML_ERR_INVALID_ARGUMENT, "%s: unknown schedule kind %d", fn,
                         (int)s->kind);
}

double pml_schedule_lr(const pml_schedule *s, int epoch)
{
    if (s == NULL) return 0.0;
    if (epoch < 0) epoch = 0;
    switch (s->kind) {
    case PML_SCHED_CONSTANT: return s->lr0;
    case PML_SCHED_STEP: return s->lr0 * pow(s->gamma, (double)(epoch / (s->step > 0 ? s->step : 1)));
    case PML_SCHED_EXPONENTIAL: return s->lr0 * pow(s->gamma, (double)epoch);
    case PML_SCHED_COSINE: {
        int t = epoch < s->t_max ? epoch : s->t_max;
        double pi = 3.14159265358979323846;
        return s->min_lr + (s->lr0 - s->min_lr) * 0.5 * (1.0 + cos(pi * (double)t / (double)s->t_max));
    }
    case PML_SCHED_PLATEAU: return s->lr;
    }
    return s->lr0;
}

double pml_schedule_observe(pml_schedule *s, double metric)
{
    if (s == NULL) return 0.0;
    if (s->kind != PML_SCHED_PLATEAU) return s->lr;
    /* an improvement must beat the best by a relative 1e-4 (PyTorch's default threshold) */
    if (metric < s->best * (1.0 - 1e-4) || !isfinite(s->best)) {
        if (isfinite(metric)) s->best = metric;
        s->bad_epochs = 0;
    } else if (++s->bad_epochs > s->patience) {
        double next = s->lr * s->factor;
        s->lr = next > s->min_lr ? next : s->min_lr;
        s->bad_epochs = 0;
    }
    return s->lr;
}
