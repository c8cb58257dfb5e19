/* Optimisers: SGD (plain, momentum, Nesterov) and Adam over (parameter, gradient) pairs.
 * Mini-batch, full-batch and per-sample gradient descent differ only in the batch size
 * the gradients were computed on. */
#include <math.h>
#include <stdlib.h>

#include "nn/model.h"

struct pml_optimizer {
    pml_device *dev;
    pml_optim_config cfg;
    int64_t t; /* steps taken */
    int n;     /* parameters seen on the first step */
    pml_tensor **s1, **s2; /* velocity / first moment, second moment */
};

pml_optim_config pml_optim_defaults(pml_optim_kind kind)
{
    pml_optim_config c = {kind, 0.01, 0.0, 0, 0.9, 0.999, 1e-8, 0.0};
    if (kind == PML_OPTIM_MOMENTUM) c.momentum = 0.9;
    if (kind == PML_OPTIM_ADAM) c.lr = 1e-3;
    return c;
}

static const char *const optim_names[] = {
    [PML_OPTIM_SGD] = "sgd", [PML_OPTIM_MOMENTUM] = "momentum", [PML_OPTIM_ADAM] = "adam",
};
_Static_assert(PML_NAMES_COUNT(optim_names) == PML_OPTIM_ADAM + 1, "a name for every optimiser");

/* pml_optim_name and pml_optim_parse */
PML_DEFINE_NAMES(pml_optim, pml_optim_kind, "optimiser", optim_names)

pml_status pml_optimizer_create(pml_device *dev, const pml_optim_config *cfg,
                                pml_optimizer **out)
{
    static const char fn[] = "pml_optimizer_create";
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK_ARG(dev != NULL && cfg != NULL, fn, "dev or cfg is NULL");
    PML_CHECK(cfg->kind >= PML_OPTIM_SGD && cfg->kind <= PML_OPTIM_ADAM,
              PML_ERR_INVALID_ARGUMENT, "%s: unknown optimiser %d", fn, (int)cfg->kind);
    PML_CHECK(isfinite(cfg->lr) && cfg->lr >= 0, PML_ERR_INVALID_ARGUMENT,
              "%s: learning rate %g must be finite and >= 0", fn, cfg->lr);
    PML_CHECK(cfg->weight_decay >= 0 && isfinite(cfg->weight_decay), PML_ERR_INVALID_ARGUMENT,
              "%s: weight decay %g must be >= 0", fn, cfg->weight_decay);
    PML_CHECK(cfg->kind != PML_OPTIM_MOMENTUM || (cfg->momentum >= 0 && cfg->momentum < 1),
              PML_ERR_INVALID_ARGUMENT, "%s: momentum %g outside [0, 1)", fn, cfg->momentum);
    PML_CHECK(cfg->kind != PML_OPTIM_ADAM || (cfg->beta1 >= 0 && cfg->beta1 < 1 &&
                                              cfg->beta2 >= 0 && cfg->beta2 < 1 && cfg->eps > 0),
              PML_ERR_INVALID_ARGUMENT, "%s: Adam needs betas in [0, 1) and eps > 0", fn);
    PML_FAMILY(dev, optim, fn, "optimiser", ops);
    (void)ops;
    pml_optimizer *o = calloc(1, sizeof *o);
    PML_CHECK(o != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    o->dev = dev;
    o->cfg = *cfg;
    *out = o;
    return PML_OK;
}

static void free_state(pml_optimizer *o)
{
    for (int i = 0; i < o->n; ++i) {
        if (o->s1) pml_tensor_destroy(o->s1[i]);
        if (o->s2) pml_tensor_destroy(o->s2[i]);
    }
    free(o->s1);
    free(o->s2);
    o->s1 = o->s2 = NULL;
    o->n = 0;
}

void pml_optimizer_destroy(pml_optimizer *o)
{
    if (o == NULL) return;
    free_state(o);
    free(o);
}

void pml_optimizer_set_lr(pml_optimizer *o, double lr)
{
    if (o && isfinite(lr) && lr >= 0) o->cfg.lr = lr;
}
double pml_optimizer_lr(const pml_optimizer *o) { return o ? o->cfg.lr : 0.0; }
int64_t pml_optimizer_steps(const pml_optimizer *o) { return o ? o->t : 0; }

static pml_status make_state(pml_optimizer *o, int n, pml_tensor *const *params)
{
    static const char fn[] = "pml_optimizer_step";
    int need1 = o->cfg.kind != PML_OPTIM_SGD, need2 = o->cfg.kind == PML_OPTIM_ADAM;
    o->s1 = calloc((size_t)n, sizeof *o->s1);
    o->s2 = calloc((size_t)n, sizeof *o->s2);
    if (!o->s1 || !o->s2) {
        free_state(o);
        return pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    }
    o->n = n;
    pml_status s = PML_OK;
    for (int i = 0; i < n && s == PML_OK; ++i) {
        const pml_tensor *p = params[i];
        if (need1) s = pml_tensor_create(o->dev, p->dtype, p->ndim, p->shape, &o->s1[i]);
        if (s == PML_OK && need1) s = pml_tensor_zero(o->s1[i]);
        if (s == PML_OK && need2) s = pml_tensor_create(o->dev, p->dtype, p->ndim, p->shape, &o->s2[i]);
        if (s == PML_OK && need2) s = pml_tensor_zero(o->s2[i]);
    }
    if (s != PML_OK) free_state(o);
    return s;
}

const pml_optim_config *pml_optimizer_config(const pml_optimizer *o) { return &o->cfg; }
int pml_optimizer_state_count(const pml_optimizer *o) { return o->n; }

pml_tensor *pml_optimizer_state(const pml_optimizer *o, int i, int which)
{
    pml_tensor **s = which == 0 ? o->s1 : o->s2;
    return i >= 0 && i < o->n && s ? s[i] : NULL;
}

pml_status pml_optimizer_reset(pml_optimizer *o, int n, pml_tensor *const *params, int64_t t,
                               double lr)
{
    free_state(o);
    if (n > 0) PML_TRY(make_state(o, n, params));
    o->t = t;
    o->cfg.lr = lr;
    return PML_OK;
}

pml_status pml_optimizer_step(pml_optimizer *o, int n, pml_tensor *const *params,
                              pml_tensor *const *grads)
{
    return pml_optimizer_step_guarded(o, n, params, grads, NULL);
}

pml_status pml_optimizer_step_guarded(pml_optimizer *o, int n, pml_tensor *const *params,
                                      pml_tensor *const *grads, const int32_t *skip)
{
    static const char fn[] = "pml_optimizer_step";
    PML_CHECK_ARG(o != NULL, fn, "optimizer is NULL");
    PML_CHECK(n >= 0, PML_ERR_INVALID_ARGUMENT, "%s: n = %d parameters, needs n >= 0", fn, n);
    PML_CHECK_ARG(n == 0 || (params != NULL && grads != NULL), fn, "params or grads is NULL");
    for (int i = 0; i < n; ++i) {
        PML_TRY(pml_check_same_device(fn, o->dev, params[i], "param"));
        PML_TRY(pml_check_same_device(fn, o->dev, grads[i], "grad"));
        PML_CHECK(pml_dtype_is_float(params[i]->dtype) && grads[i]->dtype == params[i]->dtype &&
                      grads[i]->numel == params[i]->numel,
                  PML_ERR_INVALID_ARGUMENT,
                  "%s: parameter %d and its gradient differ in dtype or size", fn, i);
    }
    if (o->n == 0 && o->t == 0 && n > 0) PML_TRY(make_state(o, n, params));
    PML_CHECK(n == o->n, PML_ERR_INVALID_ARGUMENT,
              "%s: %d parameters given, %d on the first step", fn, n, o->n);
    for (int i = 0; i < n; ++i)
        PML_CHECK(o->s1 == NULL || o->s1[i] == NULL || o->s1[i]->numel == params[i]->numel,
                  PML_ERR_INVALID_ARGUMENT, "%s: parameter %d changed size", fn, i);
    PML_FAMILY(o->dev, optim, fn, "optimiser", ops);
    o->t += 1;
    const pml_optim_config *c = &o->cfg;
    const int adam = c->kind == PML_OPTIM_ADAM;
    /* the bias corrections once per step, in double, folded into lr and eps */
    pml_optim_hyper h = {c->lr, c->weight_decay, c->momentum, c->nesterov,
                         c->beta1, c->beta2, c->eps};
    if (adam) {
        double bc1 = 1.0 - pow(c->beta1, (double)o->t), bc2 = 1.0 - pow(c->beta2, (double)o->t);
        h.lr = c->lr * sqrt(bc2) / bc1;
        h.eps = c->eps * sqrt(bc2);
    }
    /* one kernel call per run of up to PML_OPTIM_MAX non-empty tensors of one dtype */
    pml_optim_list l;
    l.count = 0;
    pml_optim_args a = {PML_F32, &l, &h, skip};
    for (int i = 0; i <= n; ++i) {
        const pml_tensor *p = i < n ? params[i] : NULL;
        if (p != NULL && p->numel == 0) continue;
        if (l.count > 0 && (p == NULL || p->dtype != a.dtype || l.count == PML_OPTIM_MAX)) {
            PML_TRY(adam ? ops->adam(o->dev, &a) : ops->sgd(o->dev, &a));
            l.count = 0;
        }
        if (p == NULL) break;
        a.dtype = p->dtype;
        l.n[l.count] = p->numel;
        l.w[l.count] = p->data;
        l.g[l.count] = grads[i]->data;
        l.s1[l.count] = c->kind != PML_OPTIM_SGD ? o->s1[i]->data : NULL;
        l.s2[l.count] = adam ? o->s2[i]->data : NULL;
        l.count += 1;
    }
    return PML_OK;
}

pml_status pml_optimizer_step_model(pml_optimizer *o, pml_model *m)
{
    return pml_optimizer_step_model_guarded(o, m, NULL);
}

pml_status pml_optimizer_step_model_guarded(pml_optimizer *o, pml_model *m, const int32_t *skip)
{
    static const char fn[] = "pml_optimizer_step_model";
    PML_CHECK_ARG(o != NULL && m != NULL, fn, "optimizer or model is NULL");
    pml_tensor *p[2 * PML_MODEL_MAX_LAYERS], *g[2 * PML_MODEL_MAX_LAYERS];
    int n = pml_model_param_tensors(m, p, g, 2 * PML_MODEL_MAX_LAYERS);
    PML_CHECK(n <= 2 * PML_MODEL_MAX_LAYERS, PML_ERR_INVALID_ARGUMENT,
              "%s: too many parameter tensors", fn);
    return pml_error_within(pml_optimizer_step_guarded(o, n, p, g, skip), fn);
}
