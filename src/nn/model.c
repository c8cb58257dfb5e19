/* A model: a sequence of layers run in order, owning every buffer they need for up to
 * max_batch examples. Backward runs the layers in reverse, passing dL/d(input) of layer i
 * down as dL/d(output) of layer i-1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/model.h"

static pml_status create(const char *fn, pml_device *dev, pml_dtype dtype, const pml_shape *in,
                         int64_t max_batch, pml_model **out)
{
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK_ARG(dev != NULL, fn, "dev is NULL");
    PML_CHECK(dtype == PML_F32 || dtype == PML_F64, PML_ERR_INVALID_ARGUMENT,
              "%s: dtype %s, needs f32 or f64", fn, pml_dtype_name(dtype));
    int64_t in_f = 1;
    for (int i = 0; i < in->ndim; ++i) {
        PML_CHECK(in->d[i] >= 1 && in->d[i] <= ((int64_t)1 << 31), PML_ERR_INVALID_ARGUMENT,
                  "%s: input dimension %d is %lld, needs 1..2^31", fn, i, (long long)in->d[i]);
        in_f *= in->d[i];
    }
    PML_CHECK(in_f >= 1 && in_f <= ((int64_t)1 << 40) && max_batch >= 1, PML_ERR_INVALID_ARGUMENT,
              "%s: in_features (%lld) and max_batch (%lld) must be >= 1", fn, (long long)in_f,
              (long long)max_batch);
    PML_NN_OPS(dev, fn, ops);
    (void)ops;
    pml_model *m = calloc(1, sizeof *m);
    PML_CHECK(m != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    m->dev = dev;
    m->dtype = dtype;
    m->in = *in;
    m->in_f = in_f;
    m->max_batch = max_batch;
    *out = m;
    return PML_OK;
}

pml_status pml_model_create(pml_device *dev, pml_dtype dtype, int64_t in_features,
                            int64_t max_batch, pml_model **out)
{
    static const char fn[] = "pml_model_create";
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK(in_features >= 1, PML_ERR_INVALID_ARGUMENT,
              "%s: in_features (%lld) and max_batch (%lld) must be >= 1", fn,
              (long long)in_features, (long long)max_batch);
    const pml_shape in = pml_shape_flat(in_features);
    return create(fn, dev, dtype, &in, max_batch, out);
}

pml_status pml_model_create_shaped(pml_device *dev, pml_dtype dtype, int ndim,
                                   const int64_t *dims, int64_t max_batch, pml_model **out)
{
    static const char fn[] = "pml_model_create_shaped";
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK_ARG(dims != NULL, fn, "dims is NULL");
    PML_CHECK(ndim >= 1 && ndim <= 3, PML_ERR_INVALID_ARGUMENT,
              "%s: ndim %d, needs 1..3 (features, or C x H x W)", fn, ndim);
    pml_shape in = {ndim, {0, 0, 0}};
    for (int i = 0; i < ndim; ++i) in.d[i] = dims[i];
    return create(fn, dev, dtype, &in, max_batch, out);
}

void pml_model_destroy(pml_model *m)
{
    if (m == NULL) return;
    for (int i = 0; i < m->nlayers; ++i) {
        pml_layer_free(m->layers[i]);
        pml_tensor_destroy(m->dx[i]);
    }
    pml_tensor_destroy(m->ws.t);
    free(m);
}

static void spec_append(pml_model *m, const pml_kind *k, const pml_layer_args *args)
{
    char item[64];
    k->item(k, args, item, sizeof item);
    size_t len = strlen(m->spec);
    snprintf(m->spec + len, sizeof m->spec - len, "%s%s", len ? "," : "", item);
}

/* The output shape so far: the last layer's, or the input's. */
static const pml_shape *out_shape(const pml_model *m)
{
    return m->nlayers ? &m->layers[m->nlayers - 1]->out_shape : &m->in;
}

/* Grow the workspace to what layer l asks for. */
static pml_status reserve_workspace(pml_model *m, const pml_layer *l)
{
    if (l->ws_bytes <= m->ws.bytes) return PML_OK;
    pml_tensor_destroy(m->ws.t);
    m->ws.t = NULL;
    m->ws.bytes = 0;
    const size_t es = pml_dtype_size(m->dtype);
    PML_TRY(pml_tensor_create_1d(m->dev, m->dtype, (int64_t)((l->ws_bytes + es - 1) / es),
                                 &m->ws.t));
    m->ws.bytes = l->ws_bytes;
    return PML_OK;
}

/* A layer that did not fit in the device's memory (s: PML_ERR_OUT_OF_MEMORY; other errors
 * pass through): the error names the layer, the batch it was sized for, the workspace it
 * asked for (0: its own buffers) and what the device has free, so that it is clear before
 * any training what to lower. */
static pml_status out_of_memory(const pml_model *m, const pml_kind *k, const pml_layer_args *a,
                                pml_status s, size_t ws, const char *fn)
{
    if (s != PML_ERR_OUT_OF_MEMORY) return s;
    char item[64], detail[160], need[64] = "does not fit";
    k->item(k, a, item, sizeof item);
    snprintf(detail, sizeof detail, "%s", pml_last_error());
    if (ws) snprintf(need, sizeof need, "needs a workspace of %.1f MiB", (double)ws / 1048576.0);
    size_t free_b = 0;
    (void)pml_device_memory(m->dev, NULL, &free_b);
    return pml_set_error(PML_ERR_OUT_OF_MEMORY,
                         "%s: layer %d (%s) %s for batches of %lld, and %s has %.1f MiB free "
                         "(%s): a smaller batch or layer",
                         fn, m->next_index, item, need, (long long)m->max_batch, m->dev->spec,
                         (double)free_b / 1048576.0, detail);
}

pml_status pml_model_add(pml_model *m, const pml_kind *k, const pml_layer_args *args,
                         const char *fn)
{
    pml_layer *last = m->nlayers ? m->layers[m->nlayers - 1] : NULL;
    if (k->activation && last && last->vt->fuse && last->vt->fuse(last, args->act, args->alpha)) {
        m->next_index += 1; /* fused, it keeps its own position number */
        spec_append(m, k, args);
        return PML_OK;
    }
    PML_CHECK(m->nlayers < PML_MODEL_MAX_LAYERS, PML_ERR_INVALID_ARGUMENT,
              "%s: the model already has %d layers, the most it can hold", fn, m->nlayers);
    const int64_t need = k->params ? k->params(k, out_shape(m), args) : 0;
    PML_CHECK(m->param_budget == 0 || need <= m->param_budget - m->params, PML_ERR_BAD_FORMAT,
              "%s: layer %d (%s) would hold %lld parameters, more than the %lld left of the "
              "model's budget of %lld", fn, m->nlayers, k->name, (long long)need,
              (long long)(m->param_budget - m->params), (long long)m->param_budget);
    pml_layer *l = NULL;
    pml_status cs = k->create(m->dev, m->dtype, out_shape(m), m->max_batch, args, m->next_index,
                              fn, &l);
    if (cs != PML_OK) return out_of_memory(m, k, args, cs, 0, fn);
    const int i = m->nlayers;
    int64_t made = 0;
    for (int p = 0; p < l->nparams; ++p) made += pml_tensor_numel(l->param[p]);
    pml_status s = made == need ? PML_OK
                                : pml_set_error(PML_ERR_INTERNAL, "%s: the %s kind made %lld "
                                                "parameters, its params() said %lld", fn,
                                                k->name, (long long)made, (long long)need);
    if (s == PML_OK && (s = reserve_workspace(m, l)) != PML_OK)
        s = out_of_memory(m, k, args, s, l->ws_bytes, fn);
    /* dL/d(input) of this layer; the first layer's only on request */
    if (s == PML_OK && (i > 0 || m->keep_input_grad))
        s = pml_tensor_create_2d(m->dev, m->dtype, m->max_batch, l->in_f, &m->dx[i]);
    /* tied weights: the earlier layer at that position; last, as it changes that layer */
    l->index = m->next_index;
    if (s == PML_OK && args->tie) {
        pml_layer *to = NULL;
        for (int j = 0; j < m->nlayers; ++j)
            if (m->layers[j]->index == args->tie - 1) to = m->layers[j];
        s = to ? pml_dense_tie(l, to, fn)
               : pml_set_error(PML_ERR_INVALID_ARGUMENT,
                               "%s: dense layer %d: tied=%d names no earlier layer (a fused "
                               "activation's position is not a layer)", fn, l->index,
                               args->tie - 1);
    }
    if (s != PML_OK) {
        pml_tensor_destroy(m->dx[i]);
        m->dx[i] = NULL;
        pml_layer_free(l);
        return s;
    }
    m->next_index += l->span;
    m->layers[i] = l;
    m->nlayers = i + 1;
    m->params += made;
    spec_append(m, k, args);
    return PML_OK;
}

pml_status pml_model_add_dense(pml_model *m, int64_t out, const pml_dense_opts *opts,
                               uint64_t seed)
{
    static const char fn[] = "pml_model_add_dense";
    PML_CHECK_ARG(m != NULL, fn, "model is NULL");
    PML_CHECK(out >= 1 && out <= (1 << 24), PML_ERR_INVALID_ARGUMENT,
              "%s: %lld units, needs 1..2^24", fn, (long long)out);
    const pml_dense_opts o = opts ? *opts : pml_dense_defaults();
    const pml_layer_args args = {.units = out, .bias = o.bias != 0, .init = o.init,
                                 .init_sigma = o.init_sigma, .seed = seed};
    return pml_model_add(m, &pml_dense_kind, &args, fn);
}

pml_status pml_model_add_activation(pml_model *m, pml_activation act, float alpha)
{
    static const char fn[] = "pml_model_add_activation";
    PML_CHECK_ARG(m != NULL, fn, "model is NULL");
    PML_CHECK(act >= PML_ACT_IDENTITY && act <= PML_ACT_SOFTMAX, PML_ERR_INVALID_ARGUMENT,
              "%s: unknown activation %d", fn, (int)act);
    if (act == PML_ACT_LEAKY_RELU && !(alpha > 0)) alpha = 0.01f;
    PML_CHECK(act != PML_ACT_LEAKY_RELU || alpha < 1, PML_ERR_INVALID_ARGUMENT,
              "%s: leaky ReLU slope %g, needs 0 < alpha < 1", fn, (double)alpha);
    const pml_layer_args args = {.act = act, .alpha = act == PML_ACT_LEAKY_RELU ? alpha : 0.0f};
    return pml_model_add(m, &pml_activation_kinds[act], &args, fn);
}

const char *pml_model_spec(const pml_model *m) { return m ? m->spec : ""; }
pml_device *pml_model_device(const pml_model *m) { return m ? m->dev : NULL; }
pml_dtype pml_model_dtype(const pml_model *m) { return m ? m->dtype : PML_F32; }
int64_t pml_model_in_features(const pml_model *m) { return m ? m->in_f : 0; }
int pml_model_in_shape(const pml_model *m, int64_t dims[3])
{
    if (m == NULL || dims == NULL) return 0;
    for (int i = 0; i < 3; ++i) dims[i] = i < m->in.ndim ? m->in.d[i] : 0;
    return m->in.ndim;
}
int64_t pml_model_out_features(const pml_model *m)
{
    if (m == NULL) return 0;
    return m->nlayers ? m->layers[m->nlayers - 1]->out_f : m->in_f;
}
size_t pml_model_workspace_bytes(const pml_model *m) { return m ? m->ws.bytes : 0; }
int64_t pml_model_max_batch(const pml_model *m) { return m ? m->max_batch : 0; }
int pml_model_num_layers(const pml_model *m) { return m ? m->nlayers : 0; }
pml_layer *pml_model_layer(pml_model *m, int i)
{
    return m && i >= 0 && i < m->nlayers ? m->layers[i] : NULL;
}

int64_t pml_model_param_count(const pml_model *m)
{
    int64_t n = 0;
    for (int i = 0; m && i < m->nlayers; ++i)
        for (int p = 0; p < m->layers[i]->nparams; ++p) n += m->layers[i]->param[p]->numel;
    return n;
}

int pml_model_num_param_tensors(const pml_model *m)
{
    int n = 0;
    for (int i = 0; m && i < m->nlayers; ++i) n += m->layers[i]->nparams;
    return n;
}

pml_status pml_model_param_tensor(pml_model *m, int i, const char **name, pml_tensor **param,
                                  pml_tensor **grad)
{
    static const char fn[] = "pml_model_param_tensor";
    PML_CHECK_ARG(m != NULL, fn, "model is NULL");
    PML_CHECK(i >= 0, PML_ERR_INVALID_ARGUMENT, "%s: index %d is negative", fn, i);
    for (int k = 0; k < m->nlayers; ++k) {
        pml_layer *l = m->layers[k];
        if (i < l->nparams) {
            if (name) {
                snprintf(m->name_buf, sizeof m->name_buf, "%d.%s", l->index, l->pname[i]);
                *name = m->name_buf;
            }
            if (param) *param = l->param[i];
            if (grad) *grad = l->grad[i];
            return PML_OK;
        }
        i -= l->nparams;
    }
    return pml_set_error(PML_ERR_INVALID_ARGUMENT, "%s: index out of range (the model has %d)",
                         fn, pml_model_num_param_tensors(m));
}

int pml_model_num_state_tensors(const pml_model *m)
{
    int n = 0;
    for (int i = 0; m && i < m->nlayers; ++i) n += m->layers[i]->nparams + m->layers[i]->nbuffers;
    return n;
}

pml_status pml_model_state_tensor(pml_model *m, int i, const char **name, pml_tensor **t)
{
    static const char fn[] = "pml_model_state_tensor";
    PML_CHECK_ARG(m != NULL, fn, "model is NULL");
    PML_CHECK(i >= 0, PML_ERR_INVALID_ARGUMENT, "%s: index %d is negative", fn, i);
    const int np = pml_model_num_param_tensors(m);
    if (i < np) return pml_model_param_tensor(m, i, name, t, NULL);
    i -= np;
    for (int k = 0; k < m->nlayers; ++k) {
        pml_layer *l = m->layers[k];
        if (i < l->nbuffers) {
            if (name) {
                snprintf(m->name_buf, sizeof m->name_buf, "%d.%s", l->index, l->bname[i]);
                *name = m->name_buf;
            }
            if (t) *t = l->buffer[i];
            return PML_OK;
        }
        i -= l->nbuffers;
    }
    return pml_set_error(PML_ERR_INVALID_ARGUMENT, "%s: index out of range (the model has %d)",
                         fn, pml_model_num_state_tensors(m));
}

int pml_model_param_tensors(pml_model *m, pml_tensor **params, pml_tensor **grads, int cap)
{
    int n = 0;
    for (int k = 0; k < m->nlayers; ++k)
        for (int p = 0; p < m->layers[k]->nparams; ++p) {
            if (n < cap) {
                params[n] = m->layers[k]->param[p];
                grads[n] = m->layers[k]->grad[p];
            }
            ++n;
        }
    return n;
}

size_t pml_model_summary(const pml_model *m, char *buf, size_t n)
{
    size_t len = 0;
#define ADD(...)                                                                       \
    do {                                                                               \
        int w_ = snprintf(buf && len < n ? buf + len : NULL, buf && len < n ? n - len : 0, \
                          __VA_ARGS__);                                                \
        if (w_ > 0) len += (size_t)w_;                                                 \
    } while (0)
    if (m == NULL) return 0;
    char in[48];
    pml_shape_text(&m->in, in, sizeof in);
    ADD("model %s (%s, input %s)\n", m->spec[0] ? m->spec : "(empty)", pml_dtype_name(m->dtype),
        in);
    ADD("  %-5s %-36s %8s %10s\n", "#", "layer", "output", "params");
    for (int i = 0; i < m->nlayers; ++i) {
        const pml_layer *l = m->layers[i];
        char d[96], idx[16];
        l->vt->describe(l, d, sizeof d);
        if (l->span > 1) snprintf(idx, sizeof idx, "%d-%d", l->index, l->index + l->span - 1);
        else snprintf(idx, sizeof idx, "%d", l->index);
        int64_t p = 0;
        for (int k = 0; k < l->nparams; ++k) p += l->param[k]->numel;
        char o[48];
        pml_shape_text(&l->out_shape, o, sizeof o);
        ADD("  %-5s %-36s %8s %10lld\n", idx, d, o, (long long)p);
    }
    ADD("  total parameters: %lld\n", (long long)pml_model_param_count(m));
    if (m->ws.bytes)
        ADD("  workspace: %.1f MiB for batches of %lld\n", (double)m->ws.bytes / 1048576.0,
            (long long)m->max_batch);
#undef ADD
    return len;
}

/* `batch` examples of per-example shape `shape` in t: rows of shape's element count (last
 * dimension == that count), or t shaped batch-first like the examples (batch x C x H x W). */
static pml_status check_rows(const char *fn, const char *name, const pml_model *m,
                             const pml_tensor *t, int64_t batch, const pml_shape *shape)
{
    PML_TRY(pml_check_same_device(fn, m->dev, t, name));
    PML_CHECK(t->dtype == m->dtype, PML_ERR_INVALID_ARGUMENT, "%s: %s is %s, the model %s", fn,
              name, pml_dtype_name(t->dtype), pml_dtype_name(m->dtype));
    PML_CHECK(batch >= 1 && batch <= m->max_batch, PML_ERR_INVALID_ARGUMENT,
              "%s: batch %lld outside 1..%lld (the model's max_batch)", fn, (long long)batch,
              (long long)m->max_batch);
    const int64_t cols = pml_shape_numel(shape);
    int shaped = t->ndim == shape->ndim + 1;
    for (int i = 0; shaped && i < shape->ndim; ++i) shaped = t->shape[i + 1] == shape->d[i];
    PML_CHECK(t->numel >= batch * cols && (pml_tensor_dim(t, -1) == cols || shaped),
              PML_ERR_INVALID_ARGUMENT,
              "%s: %s needs %lld rows of %lld columns (has %lld elements, last dim %lld)", fn,
              name, (long long)batch, (long long)cols, (long long)t->numel,
              (long long)pml_tensor_dim(t, -1));
    return PML_OK;
}

static pml_status forward(const char *fn, pml_model *m, const pml_tensor *x, int64_t batch,
                         int training, uint64_t seed, uint64_t step, const pml_tensor **y)
{
    PML_CHECK_ARG(m != NULL && y != NULL, fn, "model or y is NULL");
    PML_CHECK(m->nlayers > 0, PML_ERR_INVALID_ARGUMENT, "%s: the model has no layers", fn);
    PML_TRY(check_rows(fn, "x", m, x, batch, &m->in));
    const pml_tensor *in = x;
    for (int i = 0; i < m->nlayers; ++i) {
        pml_layer *l = m->layers[i];
        l->training = training;
        l->seed = seed;
        l->step = step;
        PML_TRY(l->vt->forward(l, in, batch, &m->ws));
        in = l->out;
    }
    m->last_x = x;
    m->last_batch = batch;
    *y = in;
    return PML_OK;
}

pml_status pml_model_forward_layers(const char *fn, pml_model *m, int first, int last,
                                    const pml_tensor *x, int64_t batch, const pml_tensor **y)
{
    PML_CHECK_ARG(m != NULL && y != NULL, fn, "model or y is NULL");
    PML_CHECK(first >= 0 && first < last && last <= m->nlayers, PML_ERR_INVALID_ARGUMENT,
              "%s: layers [%d, %d) outside the model's %d", fn, first, last, m->nlayers);
    PML_TRY(check_rows(fn, "x", m, x, batch, &m->layers[first]->in_shape));
    const pml_tensor *in = x;
    for (int i = first; i < last; ++i) {
        pml_layer *l = m->layers[i];
        l->training = 0;
        l->seed = l->step = 0;
        PML_TRY(l->vt->forward(l, in, batch, &m->ws));
        in = l->out;
    }
    /* not a whole forward: backward has nothing to start from */
    m->last_x = NULL;
    m->last_batch = 0;
    *y = in;
    return PML_OK;
}

pml_status pml_model_forward(pml_model *m, const pml_tensor *x, int64_t batch,
                             const pml_tensor **y)
{
    return m ? forward("pml_model_forward", m, x, batch, m->training, m->seed, m->step, y)
             : forward("pml_model_forward", m, x, batch, 0, 0, 0, y);
}

pml_status pml_model_set_training(pml_model *m, int training, uint64_t seed, uint64_t step)
{
    static const char fn[] = "pml_model_set_training";
    PML_CHECK_ARG(m != NULL, fn, "model is NULL");
    m->training = training != 0;
    m->seed = seed;
    m->step = step;
    return PML_OK;
}

pml_status pml_model_forward_eval(pml_model *m, const pml_tensor *x, int64_t batch,
                                  const pml_tensor **y)
{
    return forward("pml_model_forward", m, x, batch, 0, 0, 0, y);
}

pml_status pml_model_forward_train(pml_model *m, const pml_tensor *x, int64_t batch,
                                   uint64_t seed, uint64_t step, const pml_tensor **y)
{
    return forward("pml_model_forward_train", m, x, batch, 1, seed, step, y);
}

pml_status pml_model_backward(pml_model *m, const pml_tensor *dy, int64_t batch)
{
    static const char fn[] = "pml_model_backward";
    PML_CHECK_ARG(m != NULL, fn, "model is NULL");
    PML_CHECK(m->last_x != NULL && batch == m->last_batch, PML_ERR_INVALID_ARGUMENT,
              "%s: needs a forward pass of the same batch first", fn);
    PML_TRY(check_rows(fn, "dy", m, dy, batch, out_shape(m)));
    const pml_tensor *g = dy;
    for (int i = m->nlayers - 1; i >= 0; --i) {
        pml_layer *l = m->layers[i];
        const pml_tensor *in = i > 0 ? m->layers[i - 1]->out : m->last_x;
        PML_TRY(l->vt->backward(l, in, g, m->dx[i], batch, &m->ws));
        g = m->dx[i];
    }
    return PML_OK;
}

pml_status pml_model_keep_input_grad(pml_model *m, int keep)
{
    static const char fn[] = "pml_model_keep_input_grad";
    PML_CHECK_ARG(m != NULL, fn, "model is NULL");
    m->keep_input_grad = keep != 0;
    if (keep && m->nlayers > 0 && m->dx[0] == NULL)
        PML_TRY(pml_tensor_create_2d(m->dev, m->dtype, m->max_batch, m->in_f, &m->dx[0]));
    if (!keep && m->dx[0]) {
        pml_tensor_destroy(m->dx[0]);
        m->dx[0] = NULL;
    }
    return PML_OK;
}

const pml_tensor *pml_model_input_grad(const pml_model *m) { return m ? m->dx[0] : NULL; }

pml_status pml_model_copy_params(pml_model *dst, const pml_model *src)
{
    static const char fn[] = "pml_model_copy_params";
    PML_CHECK_ARG(dst != NULL && src != NULL, fn, "model is NULL");
    int same_in = dst->in.ndim == src->in.ndim;
    for (int i = 0; same_in && i < dst->in.ndim; ++i) same_in = dst->in.d[i] == src->in.d[i];
    PML_CHECK(dst->nlayers == src->nlayers && same_in && strcmp(dst->spec, src->spec) == 0,
              PML_ERR_INVALID_ARGUMENT, "%s: architectures differ ('%s' and '%s')", fn,
              dst->spec, src->spec);
    for (int i = 0; i < dst->nlayers; ++i) {
        for (int p = 0; p < dst->layers[i]->nparams; ++p)
            PML_TRY(pml_tensor_copy(dst->layers[i]->param[p], src->layers[i]->param[p]));
        for (int p = 0; p < dst->layers[i]->nbuffers; ++p)
            PML_TRY(pml_tensor_copy(dst->layers[i]->buffer[p], src->layers[i]->buffer[p]));
    }
    return PML_OK;
}
