/* The RBM model: creation around a one-layer pml_model, the conditionals, free energies and
 * energies, the visible-bias initialisation from data, and .safetensors files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "physml/io.h"
#include "rbm/rbm_model.h"

static const char *const binarize_names[] = {"threshold", "sample", "asis"};
static const char *const method_names[] = {"cd", "pcd"};
PML_DEFINE_NAMES(pml_rbm_binarize, pml_rbm_binarize, "binarisation", binarize_names)
PML_DEFINE_NAMES(pml_rbm_method, pml_rbm_method, "training method", method_names)

#define MAX_UNITS ((int64_t)1 << 24)

void pml_rbm_destroy(pml_rbm *r)
{
    if (r == NULL) return;
    pml_tensor_destroy(r->pre_h);
    pml_tensor_destroy(r->pre_v);
    pml_tensor_destroy(r->v1);
    pml_tensor_destroy(r->h1);
    pml_tensor_destroy(r->dout);
    pml_model_destroy(r->model);
    free(r);
}

pml_status pml_rbm_wrap(const char *fn, pml_model *m, pml_rbm **out)
{
    if (m->nlayers != 1 || m->layers[0]->kind != &pml_rbm_kind) {
        pml_model_destroy(m);
        return pml_set_error(PML_ERR_INVALID_ARGUMENT, "%s: the model is not one rbm layer", fn);
    }
    pml_rbm *r = calloc(1, sizeof *r);
    if (r == NULL) {
        pml_model_destroy(m);
        return pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    }
    pml_layer *l = m->layers[0];
    *r = (pml_rbm){.dev = m->dev, .model = m, .nv = l->in_f, .nh = l->out_f,
                   .max_batch = m->max_batch, .w = l->param[PML_RBM_P_WEIGHT],
                   .a = l->param[PML_RBM_P_VISIBLE], .b = l->param[PML_RBM_P_HIDDEN]};
    pml_status s = pml_tensor_create_2d(r->dev, PML_F32, r->max_batch, r->nh, &r->pre_h);
    if (s == PML_OK) s = pml_tensor_create_2d(r->dev, PML_F32, r->max_batch, r->nv, &r->pre_v);
    if (s == PML_OK) s = pml_tensor_create_2d(r->dev, PML_F32, r->max_batch, r->nv, &r->v1);
    if (s == PML_OK) s = pml_tensor_create_2d(r->dev, PML_F32, r->max_batch, r->nh, &r->h1);
    if (s == PML_OK) s = pml_tensor_create_1d(r->dev, PML_F64, r->max_batch, &r->dout);
    if (s != PML_OK) {
        pml_rbm_destroy(r);
        return s;
    }
    *out = r;
    return PML_OK;
}

static pml_status check_sizes(const char *fn, int64_t nv, int64_t nh, int64_t max_batch)
{
    PML_CHECK(nv >= 1 && nv <= MAX_UNITS, PML_ERR_INVALID_ARGUMENT,
              "%s: n_visible = %lld, needs 1 .. 2^24", fn, (long long)nv);
    PML_CHECK(nh >= 1 && nh <= MAX_UNITS, PML_ERR_INVALID_ARGUMENT,
              "%s: n_hidden = %lld, needs 1 .. 2^24", fn, (long long)nh);
    PML_CHECK(max_batch >= 1 && max_batch <= MAX_UNITS, PML_ERR_INVALID_ARGUMENT,
              "%s: max_batch = %lld, needs 1 .. 2^24", fn, (long long)max_batch);
    PML_CHECK(nv * nh <= ((int64_t)1 << 34) && max_batch * (nv > nh ? nv : nh) <= ((int64_t)1 << 34),
              PML_ERR_INVALID_ARGUMENT, "%s: %lld x %lld units with batches of %lld are too large",
              fn, (long long)nv, (long long)nh, (long long)max_batch);
    return PML_OK;
}

static pml_status create(const char *fn, pml_device *dev, int64_t nv, int64_t nh,
                         int64_t max_batch, uint64_t seed, pml_rbm **out)
{
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK_ARG(dev != NULL, fn, "dev is NULL");
    PML_TRY(check_sizes(fn, nv, nh, max_batch));
    PML_RBM_OPS(dev, fn, ops);
    (void)ops;
    pml_model *m = NULL;
    PML_TRY(pml_model_create(dev, PML_F32, nv, max_batch, &m));
    char spec[48];
    snprintf(spec, sizeof spec, "rbm:%lld", (long long)nh);
    pml_status s = pml_model_add_spec(m, spec, PML_INIT_NORMAL, 0.01f, seed);
    if (s != PML_OK) {
        pml_model_destroy(m);
        return s;
    }
    return pml_rbm_wrap(fn, m, out);
}

pml_status pml_rbm_create(pml_device *dev, int64_t n_visible, int64_t n_hidden,
                          int64_t max_batch, uint64_t seed, pml_rbm **out)
{
    return create("pml_rbm_create", dev, n_visible, n_hidden, max_batch, seed, out);
}

pml_device *pml_rbm_device(const pml_rbm *r) { return r ? r->dev : NULL; }
pml_status pml_rbm_fingerprint(const pml_rbm *r, uint64_t *out)
{
    static const char fn[] = "pml_rbm_fingerprint";
    PML_CHECK_ARG(r != NULL && out != NULL, fn, "the rbm or out is NULL");
    uint64_t h = PML_FNV1A_INIT;
    pml_status s = pml_tensor_fnv1a(r->w, &h);
    if (s == PML_OK) s = pml_tensor_fnv1a(r->a, &h);
    if (s == PML_OK) s = pml_tensor_fnv1a(r->b, &h);
    if (s == PML_OK) *out = h;
    return pml_error_within(s, fn);
}

int64_t pml_rbm_visible(const pml_rbm *r) { return r ? r->nv : 0; }
int64_t pml_rbm_hidden(const pml_rbm *r) { return r ? r->nh : 0; }
int64_t pml_rbm_max_batch(const pml_rbm *r) { return r ? r->max_batch : 0; }
pml_tensor *pml_rbm_weight(pml_rbm *r) { return r ? r->w : NULL; }
pml_tensor *pml_rbm_visible_bias(pml_rbm *r) { return r ? r->a : NULL; }
pml_tensor *pml_rbm_hidden_bias(pml_rbm *r) { return r ? r->b : NULL; }

/* ---- checks and the building blocks ------------------------------------------------------- */

pml_status pml_rbm_check_rows(const char *fn, const pml_rbm *r, int64_t rows)
{
    PML_CHECK_ARG(r != NULL, fn, "the rbm is NULL");
    PML_CHECK(rows >= 1 && rows <= r->max_batch, PML_ERR_INVALID_ARGUMENT,
              "%s: %lld rows, needs 1 .. the model's max_batch %lld", fn, (long long)rows,
              (long long)r->max_batch);
    return PML_OK;
}

pml_status pml_rbm_check_states(const char *fn, const pml_rbm *r, const pml_tensor *t,
                                const char *name, int64_t rows, int64_t cols)
{
    PML_TRY(pml_check_tensor(fn, name, t));
    PML_TRY(pml_check_same_device(fn, r->dev, t, name));
    PML_CHECK(t->dtype == PML_F32, PML_ERR_INVALID_ARGUMENT, "%s: %s is %s, needs f32", fn, name,
              pml_dtype_name(t->dtype));
    PML_CHECK(pml_tensor_numel(t) >= rows * cols, PML_ERR_INVALID_ARGUMENT,
              "%s: %s holds %lld elements, needs %lld x %lld", fn, name,
              (long long)pml_tensor_numel(t), (long long)rows, (long long)cols);
    return PML_OK;
}

/* A tensor over raw device storage for the GEMM wrappers (shape only; owns nothing). */
static pml_tensor raw(pml_rbm *r, const void *data, int64_t rows, int64_t cols)
{
    pml_tensor t;
    memset(&t, 0, sizeof t);
    t.dev = r->dev;
    t.dtype = PML_F32;
    t.ndim = 2;
    t.shape[0] = rows;
    t.shape[1] = cols;
    t.numel = rows * cols;
    t.data = (void *)data;
    t.view = 1;
    return t;
}

pml_status pml_rbm_pre_hidden(pml_rbm *r, const void *v, int64_t rows, pml_tensor *pre)
{
    const pml_tensor x = raw(r, v, rows, r->nv);
    return pml_gemm_ex(r->dev, PML_NO_TRANS, PML_TRANS, rows, r->nh, r->nv, 1.0, pml_mref(&x, r->nv),
                       pml_mref(r->w, r->nv), 0.0, pre, 0, r->nh);
}

pml_status pml_rbm_pre_visible(pml_rbm *r, const void *h, int64_t rows, pml_tensor *pre)
{
    const pml_tensor x = raw(r, h, rows, r->nh);
    return pml_gemm_ex(r->dev, PML_NO_TRANS, PML_NO_TRANS, rows, r->nv, r->nh, 1.0,
                       pml_mref(&x, r->nh), pml_mref(r->w, r->nv), 0.0, pre, 0, r->nv);
}

static pml_status draw(pml_rbm *r, const pml_tensor *pre, int64_t rows, int64_t n,
                       const float *bias, const pml_rbm_draw *d, float *prob, float *state)
{
    PML_RBM_OPS(r->dev, "rbm sampling", ops);
    const pml_rbm_sample_args a = {
        .pre = pre->data, .bias = bias, .base = d->base, .beta = d->beta, .logistic = 1,
        .prob = prob, .state = state, .threshold = -1.0, .keep = d->keep,
        .keep_val = d->keep_val, .rows = rows, .n = n, .seed = d->seed, .stream = d->stream,
        .chain0 = d->chain0, .step = d->step};
    return ops->sample(r->dev, &a);
}

pml_status pml_rbm_draw_hidden(pml_rbm *r, const pml_tensor *pre, int64_t rows,
                               const pml_rbm_draw *d, float *prob, float *state)
{
    return draw(r, pre, rows, r->nh, r->b->data, d, prob, state);
}

pml_status pml_rbm_draw_visible(pml_rbm *r, const pml_tensor *pre, int64_t rows,
                                const pml_rbm_draw *d, float *prob, float *state)
{
    return draw(r, pre, rows, r->nv, r->a->data, d, prob, state);
}

pml_status pml_rbm_binarize_rows(pml_rbm *r, const float *x, float *dst, int64_t rows,
                                 pml_rbm_binarize binarize, double threshold, uint64_t seed,
                                 uint64_t row0, uint64_t step)
{
    if (binarize == PML_RBM_ASIS)
        return x == dst ? PML_OK
                        : r->dev->ops->copy(r->dev, dst, x, (size_t)(rows * r->nv) * sizeof(float));
    PML_RBM_OPS(r->dev, "rbm binarising", ops);
    const pml_rbm_sample_args a = {
        .pre = x, .logistic = 0, .state = dst,
        .threshold = binarize == PML_RBM_THRESHOLD ? threshold : -1.0, .rows = rows, .n = r->nv,
        .seed = seed, .stream = PML_RBM_STREAM_DATA, .chain0 = row0, .step = step};
    return ops->sample(r->dev, &a);
}

pml_status pml_rbm_neg_free(pml_rbm *r, const float *v, int64_t rows, double *out)
{
    PML_RBM_OPS(r->dev, "rbm free energy", ops);
    PML_TRY(pml_rbm_pre_hidden(r, v, rows, r->pre_h));
    const pml_rbm_free_args a = {.x = v, .pre = r->pre_h->data, .lin = r->a->data,
                                 .bias = r->b->data, .beta = 1.0, .mode = 0, .rows = rows,
                                 .nx = r->nv, .ny = r->nh, .out = out};
    return ops->free_energy(r->dev, &a);
}

pml_status pml_rbm_batch_neg_free(pml_rbm *r, const pml_dataset *ds, int64_t start,
                                  int64_t rows, pml_rbm_binarize binarize, double threshold,
                                  uint64_t seed, uint64_t step, double *host)
{
    PML_TRY(pml_dataset_batch(ds, start, rows, PML_SCALE_UNIT, NULL, 0, 0, r->v1, NULL));
    PML_TRY(pml_rbm_binarize_rows(r, r->v1->data, r->v1->data, rows, binarize, threshold, seed,
                                  (uint64_t)start, step));
    PML_TRY(pml_rbm_neg_free(r, r->v1->data, rows, r->dout->data));
    return r->dev->ops->download(r->dev, host, r->dout->data, (size_t)rows * sizeof(double));
}

pml_status pml_rbm_noise(pml_device *dev, float *x, int64_t rows, int64_t n, uint64_t seed,
                         uint64_t chain0)
{
    PML_RBM_OPS(dev, "rbm chains from noise", ops);
    const pml_fill_args f = {.dtype = PML_F32, .n = rows * n, .data = x, .value = 0.5};
    PML_TRY(dev->ops->fill(dev, &f));
    const pml_rbm_sample_args a = {.pre = x, .logistic = 0, .state = x, .threshold = -1.0,
                                   .rows = rows, .n = n, .seed = seed,
                                   .stream = PML_RBM_STREAM_INIT, .chain0 = chain0};
    return ops->sample(dev, &a);
}

/* ---- the public conditionals and energies --------------------------------------------------- */

pml_status pml_rbm_hidden_probs(pml_rbm *r, const pml_tensor *v, int64_t rows, pml_tensor *ph)
{
    static const char fn[] = "pml_rbm_hidden_probs";
    PML_TRY(pml_rbm_check_rows(fn, r, rows));
    PML_TRY(pml_rbm_check_states(fn, r, v, "v", rows, r->nv));
    PML_TRY(pml_rbm_check_states(fn, r, ph, "ph", rows, r->nh));
    PML_TRY(pml_rbm_pre_hidden(r, v->data, rows, r->pre_h));
    const pml_rbm_draw d = {.beta = 1.0};
    return pml_rbm_draw_hidden(r, r->pre_h, rows, &d, ph->data, NULL);
}

pml_status pml_rbm_visible_probs(pml_rbm *r, const pml_tensor *h, int64_t rows, pml_tensor *pv)
{
    static const char fn[] = "pml_rbm_visible_probs";
    PML_TRY(pml_rbm_check_rows(fn, r, rows));
    PML_TRY(pml_rbm_check_states(fn, r, h, "h", rows, r->nh));
    PML_TRY(pml_rbm_check_states(fn, r, pv, "pv", rows, r->nv));
    PML_TRY(pml_rbm_pre_visible(r, h->data, rows, r->pre_v));
    const pml_rbm_draw d = {.beta = 1.0};
    return pml_rbm_draw_visible(r, r->pre_v, rows, &d, pv->data, NULL);
}

pml_status pml_rbm_free_energy(pml_rbm *r, const pml_tensor *v, int64_t rows, double *out)
{
    static const char fn[] = "pml_rbm_free_energy";
    PML_TRY(pml_rbm_check_rows(fn, r, rows));
    PML_TRY(pml_rbm_check_states(fn, r, v, "v", rows, r->nv));
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    PML_TRY(pml_rbm_neg_free(r, v->data, rows, r->dout->data));
    PML_TRY(r->dev->ops->download(r->dev, out, r->dout->data, (size_t)rows * sizeof(double)));
    for (int64_t i = 0; i < rows; ++i) out[i] = -out[i];
    return PML_OK;
}

pml_status pml_rbm_energy(pml_rbm *r, const pml_tensor *v, const pml_tensor *h, int64_t rows,
                          double *out)
{
    static const char fn[] = "pml_rbm_energy";
    PML_TRY(pml_rbm_check_rows(fn, r, rows));
    PML_TRY(pml_rbm_check_states(fn, r, v, "v", rows, r->nv));
    PML_TRY(pml_rbm_check_states(fn, r, h, "h", rows, r->nh));
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    PML_RBM_OPS(r->dev, fn, ops);
    PML_TRY(pml_rbm_pre_hidden(r, v->data, rows, r->pre_h));
    const pml_rbm_energy_args a = {.v = v->data, .h = h->data, .pre = r->pre_h->data,
                                   .a = r->a->data, .b = r->b->data, .rows = rows,
                                   .nv = r->nv, .nh = r->nh, .out = r->dout->data};
    PML_TRY(ops->energy(r->dev, &a));
    return r->dev->ops->download(r->dev, out, r->dout->data, (size_t)rows * sizeof(double));
}

/* ---- visible biases from data --------------------------------------------------------------- */

pml_status pml_rbm_check_data(const char *fn, const pml_rbm *r, const pml_dataset *data,
                             pml_rbm_binarize binarize, double threshold)
{
    PML_CHECK_ARG(r != NULL && data != NULL, fn, "the rbm or the data is NULL");
    PML_CHECK(binarize >= PML_RBM_THRESHOLD && binarize <= PML_RBM_ASIS,
              PML_ERR_INVALID_ARGUMENT, "%s: unknown binarisation %d", fn, (int)binarize);
    PML_CHECK(threshold >= 0.0 && threshold < 1.0, PML_ERR_INVALID_ARGUMENT,
              "%s: threshold %g, needs 0 <= t < 1", fn, threshold);
    PML_CHECK(pml_dataset_device(data) == r->dev, PML_ERR_DEVICE_MISMATCH,
              "%s: the data and the rbm live on different devices", fn);
    PML_CHECK(pml_dataset_features(data) == r->nv, PML_ERR_INVALID_ARGUMENT,
              "%s: the data has %lld features per example, the rbm %lld visible units", fn,
              (long long)pml_dataset_features(data), (long long)r->nv);
    PML_CHECK(pml_dataset_size(data) >= 1, PML_ERR_INVALID_ARGUMENT, "%s: the data is empty", fn);
    return PML_OK;
}

pml_status pml_rbm_base_rate(pml_rbm *r, const pml_dataset *data, pml_rbm_binarize binarize,
                             double threshold, pml_tensor *base)
{
    static const char fn[] = "pml_rbm_base_rate";
    PML_TRY(pml_rbm_check_data(fn, r, data, binarize, threshold));
    PML_TRY(pml_rbm_check_states(fn, r, base, "base", 1, r->nv));
    PML_NN_OPS(r->dev, fn, nn);
    const int64_t n = pml_dataset_size(data);
    double *host = calloc((size_t)r->nv, sizeof *host);
    float *hf = calloc((size_t)r->nv, sizeof *hf);
    pml_tensor *sum = NULL;
    pml_status s = host && hf ? PML_OK : pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: host", fn);
    if (s == PML_OK) s = pml_tensor_create_1d(r->dev, PML_F32, r->nv, &sum);
    for (int64_t start = 0; s == PML_OK && start < n; start += r->max_batch) {
        const int64_t rows = n - start < r->max_batch ? n - start : r->max_batch;
        s = pml_dataset_batch(data, start, rows, PML_SCALE_UNIT, NULL, 0, 0, r->v1, NULL);
        if (s == PML_OK)
            s = pml_rbm_binarize_rows(r, r->v1->data, r->v1->data, rows, binarize, threshold, 1,
                                      (uint64_t)start, 0);
        if (s == PML_OK) {
            const pml_nn_col_sum_args a = {PML_F32, rows, r->nv, r->v1->data, sum->data};
            s = nn->col_sum(r->dev, &a);
        }
        if (s == PML_OK) s = pml_tensor_download(sum, hf, (size_t)r->nv * sizeof(float));
        for (int64_t i = 0; s == PML_OK && i < r->nv; ++i) host[i] += (double)hf[i];
    }
    for (int64_t i = 0; s == PML_OK && i < r->nv; ++i) {
        double p = host[i] / (double)n;
        p = p < 1e-3 ? 1e-3 : p > 1.0 - 1e-3 ? 1.0 - 1e-3 : p;
        hf[i] = (float)log(p / (1.0 - p));
    }
    if (s == PML_OK) s = pml_tensor_upload(base, hf, (size_t)r->nv * sizeof(float));
    pml_tensor_destroy(sum);
    free(host);
    free(hf);
    return s;
}

pml_status pml_rbm_init_visible_bias(pml_rbm *r, const pml_dataset *data,
                                     pml_rbm_binarize binarize, double threshold)
{
    static const char fn[] = "pml_rbm_init_visible_bias";
    PML_TRY(pml_rbm_check_data(fn, r, data, binarize, threshold));
    return pml_error_within(pml_rbm_base_rate(r, data, binarize, threshold, r->a), fn);
}

/* ---- files ----------------------------------------------------------------------------------- */

pml_status pml_rbm_save(const pml_rbm *r, const char *path, const char *const *extra_meta)
{
    static const char fn[] = "pml_rbm_save";
    PML_CHECK_ARG(r != NULL && path != NULL, fn, "the rbm or the path is NULL");
    const char *meta[48];
    char nv[32], nh[32];
    snprintf(nv, sizeof nv, "%lld", (long long)r->nv);
    snprintf(nh, sizeof nh, "%lld", (long long)r->nh);
    int k = 0;
    meta[k++] = "physml_model";
    meta[k++] = "rbm";
    meta[k++] = "n_visible";
    meta[k++] = nv;
    meta[k++] = "n_hidden";
    meta[k++] = nh;
    for (int i = 0; extra_meta && extra_meta[i] && extra_meta[i + 1]; i += 2) {
        PML_CHECK(k + 3 < (int)(sizeof meta / sizeof meta[0]), PML_ERR_INVALID_ARGUMENT,
                  "%s: too many metadata pairs", fn);
        meta[k++] = extra_meta[i];
        meta[k++] = extra_meta[i + 1];
    }
    meta[k] = NULL;
    const pml_named_tensor t[3] = {{"weight", r->w}, {"visible_bias", r->a}, {"hidden_bias", r->b}};
    return pml_error_within(pml_safetensors_write(path, t, 3, meta), fn);
}

/* Tensor `name` of st as F32 host values into dst (count), F32 or F64 in the file. */
static pml_status take(const char *fn, const char *path, const pml_safetensors *st,
                       const char *name, int ndim, const int64_t *shape, pml_tensor *dst)
{
    const pml_tensor *t = pml_safetensors_find(st, name);
    PML_CHECK(t != NULL, PML_ERR_BAD_FORMAT, "%s: %s has no tensor '%s'", fn, path, name);
    PML_CHECK(t->dtype == PML_F32 || t->dtype == PML_F64, PML_ERR_BAD_FORMAT,
              "%s: %s: '%s' is %s, needs F32 or F64", fn, path, name, pml_dtype_name(t->dtype));
    int ok = t->ndim == ndim;
    for (int i = 0; ok && i < ndim; ++i) ok = t->shape[i] == shape[i];
    PML_CHECK(ok, PML_ERR_BAD_FORMAT, "%s: %s: '%s' has the wrong shape (needs [%lld%s%lld])", fn,
              path, name, (long long)shape[0], ndim > 1 ? ", " : "",
              ndim > 1 ? (long long)shape[1] : 0LL);
    const int64_t n = t->numel;
    float *f = malloc((size_t)n * sizeof *f);
    PML_CHECK(f != NULL, PML_ERR_OUT_OF_MEMORY, "%s: host memory", fn);
    pml_status s = PML_OK;
    if (t->dtype == PML_F32) {
        s = pml_tensor_download(t, f, (size_t)n * sizeof *f);
    } else {
        double *d = malloc((size_t)n * sizeof *d);
        s = d ? pml_tensor_download(t, d, (size_t)n * sizeof *d)
              : pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: host memory", fn);
        for (int64_t i = 0; s == PML_OK && i < n; ++i) f[i] = (float)d[i];
        free(d);
    }
    for (int64_t i = 0; s == PML_OK && i < n; ++i)
        if (!isfinite(f[i]))
            s = pml_set_error(PML_ERR_BAD_FORMAT, "%s: %s: '%s'[%lld] is not finite", fn, path,
                              name, (long long)i);
    if (s == PML_OK) s = pml_tensor_upload(dst, f, (size_t)n * sizeof *f);
    free(f);
    return s;
}

pml_status pml_rbm_load(pml_device *dev, const char *path, int64_t max_batch, pml_rbm **out)
{
    static const char fn[] = "pml_rbm_load";
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK_ARG(dev != NULL && path != NULL, fn, "dev or path is NULL");
    pml_safetensors st;
    memset(&st, 0, sizeof st);
    PML_TRY(pml_error_within(pml_safetensors_read(dev, path, &st), fn));
    const pml_tensor *w = pml_safetensors_find(&st, "weight");
    pml_status s = PML_OK;
    if (w == NULL || w->ndim != 2)
        s = pml_set_error(PML_ERR_BAD_FORMAT, "%s: %s has no 2-D tensor 'weight' [n_hidden, "
                          "n_visible]", fn, path);
    pml_rbm *r = NULL;
    if (s == PML_OK) {
        const int64_t nh = w->shape[0], nv = w->shape[1];
        s = create(fn, dev, nv, nh, max_batch, 0, &r);
        const int64_t sw[2] = {nh, nv};
        if (s == PML_OK) s = take(fn, path, &st, "weight", 2, sw, r->w);
        if (s == PML_OK) s = take(fn, path, &st, "visible_bias", 1, &nv, r->a);
        if (s == PML_OK) s = take(fn, path, &st, "hidden_bias", 1, &nh, r->b);
    }
    pml_safetensors_free(&st);
    if (s != PML_OK) {
        pml_rbm_destroy(r);
        return s;
    }
    *out = r;
    return PML_OK;
}
