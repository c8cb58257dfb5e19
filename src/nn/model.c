/* A model: a sequence of layers run in order, owning every buffer they need for up to
 * max_batch examples. Backward runs the layers in reverse, passing dL/d(input) of layer i
 * down as dL/d(output) of layer i-1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/model.h"

pml_status pml_model_create(pml_device *dev, pml_dtype dtype, int64_t in_features,
                            int64_t max_batch, pml_model **out)
{
    static const char fn[] = "pml_model_create";
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK_ARG(dev != NULL, fn, "dev is NULL");
    PML_CHECK(dtype == PML_F32 || dtype == PML_F64, PML_ERR_INVALID_ARGUMENT,
              "%s: dtype %s, needs f32 or f64", fn, pml_dtype_name(dtype));
    PML_CHECK(in_features >= 1 && max_batch >= 1, PML_ERR_INVALID_ARGUMENT,
              "%s: in_features (%lld) and max_batch (%lld) must be >= 1", fn,
              (long long)in_features, (long long)max_batch);
    PML_NN_OPS(dev, fn, ops);
    (void)ops;
    pml_model *m = calloc(1, sizeof *m);
    PML_CHECK(m != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    m->dev = dev;
    m->dtype = dtype;
    m->in_f = in_features;
    m->max_batch = max_batch;
    *out = m;
    return PML_OK;
}

void pml_model_destroy(pml_model *m)
{
    if (m == NULL) return;
    for (int i = 0; i < m->nlayers; ++i) {
        pml_layer_free(m->layers[i]);
        pml_tensor_destroy(m->dx[i]);
    }
    free(m);
}

static void spec_append(pml_model *m, const char *item)
{
    size_t len = strlen(m->spec);
    snprintf(m->spec + len, sizeof m->spec - len, "%s%s", len ? "," : "", item);
}

pml_status pml_model_push_layer(pml_model *m, pml_layer *l)
{
    static const char fn[] = "pml_model_push_layer";
    if (l->in_f != pml_model_out_features(m)) {
        int64_t in_f = l->in_f;
        pml_layer_free(l);
        return pml_set_error(PML_ERR_INVALID_ARGUMENT, "%s: layer takes %lld inputs, the model "
                             "gives %lld", fn, (long long)in_f, (long long)pml_model_out_features(m));
    }
    if (m->nlayers >= PML_MODEL_MAX_LAYERS) {
        pml_layer_free(l);
        return pml_set_error(PML_ERR_INVALID_ARGUMENT, "%s: more than %d layers", fn,
                             PML_MODEL_MAX_LAYERS);
    }
    int i = m->nlayers;
    pml_status s = PML_OK;
    /* dL/d(input) of this layer; the first layer's only on request */
    if (i > 0 || m->keep_input_grad)
        s = pml_tensor_create_2d(m->dev, m->dtype, m->max_batch, l->in_f, &m->dx[i]);
    if (s != PML_OK) {
        pml_layer_free(l);
        return s;
    }
    l->index = m->next_index;
    m->next_index += l->span;
    m->layers[i] = l;
    m->nlayers = i + 1;
    return PML_OK;
}

/* Checked by the add calls before a layer is built, so the message names them. */
static pml_status check_room(const char *fn, const pml_model *m)
{
    PML_CHECK(m->nlayers < PML_MODEL_MAX_LAYERS, PML_ERR_INVALID_ARGUMENT,
              "%s: the model already has %d layers, the most it can hold", fn, m->nlayers);
    return PML_OK;
}

pml_status pml_model_add_dense(pml_model *m, int64_t out, const pml_dense_opts *opts,
                               uint64_t seed)
{
    static const char fn[] = "pml_model_add_dense";
    PML_CHECK_ARG(m != NULL, fn, "model is NULL");
    PML_CHECK(out >= 1 && out <= (1 << 24), PML_ERR_INVALID_ARGUMENT,
              "%s: %lld units, needs 1..2^24", fn, (long long)out);
    PML_TRY(check_room(fn, m));
    pml_layer *l = NULL;
    PML_TRY(pml_dense_layer_create(m->dev, m->dtype, pml_model_out_features(m), out,
                                   m->max_batch, opts, seed, (uint64_t)m->next_index, &l));
    PML_TRY(pml_model_push_layer(m, l));
    char item[64];
    int bias = opts ? opts->bias : 1;
    snprintf(item, sizeof item, "dense:%lld%s", (long long)out, bias ? "" : ":nobias");
    spec_append(m, item);
    return PML_OK;
}

pml_status pml_model_add_activation(pml_model *m, pml_activation act, float alpha)
{
    static const char fn[] = "pml_model_add_activation";
    PML_CHECK_ARG(m != NULL, fn, "model is NULL");
    PML_CHECK(act >= PML_ACT_IDENTITY && act <= PML_ACT_SOFTMAX, PML_ERR_INVALID_ARGUMENT,
              "%s: unknown activation %d", fn, (int)act);
    if (act == PML_ACT_LEAKY_RELU && !(alpha > 0)) alpha = 0.01f;
    char item[64];
    if (act == PML_ACT_LEAKY_RELU) snprintf(item, sizeof item, "leaky_relu:%g", (double)alpha);
    else snprintf(item, sizeof item, "%s", pml_activation_name(act));
    pml_layer *last = m->nlayers ? m->layers[m->nlayers - 1] : NULL;
    if (last && strcmp(last->vt->kind, "dense") == 0 && last->act == PML_ACT_IDENTITY &&
        last->span == 1) {
        /* fused into the dense layer's kernel; it keeps its own position number */
        last->act = act;
        last->alpha = alpha;
        last->span = 2;
        m->next_index += 1;
    } else {
        PML_TRY(check_room(fn, m));
        pml_layer *l = NULL;
        PML_TRY(pml_activation_layer_create(m->dev, m->dtype, pml_model_out_features(m),
                                            m->max_batch, act, alpha, &l));
        PML_TRY(pml_model_push_layer(m, l));
    }
    spec_append(m, item);
    return PML_OK;
}

const char *pml_model_spec(const pml_model *m) { return m ? m->spec : ""; }
pml_device *pml_model_device(const pml_model *m) { return m ? m->dev : NULL; }
pml_dtype pml_model_dtype(const pml_model *m) { return m ? m->dtype : PML_F32; }
int64_t pml_model_in_features(const pml_model *m) { return m ? m->in_f : 0; }
int64_t pml_model_out_features(const pml_model *m)
{
    if (m == NULL) return 0;
    return m->nlayers ? m->layers[m->nlayers - 1]->out_f : m->in_f;
}
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
    ADD("model %s (%s, input %lld)\n", m->spec[0] ? m->spec : "(empty)",
        pml_dtype_name(m->dtype), (long long)m->in_f);
    ADD("  %-5s %-36s %8s %10s\n", "#", "layer", "output", "params");
    for (int i = 0; i < m->nlayers; ++i) {
        const pml_layer *l = m->layers[i];
        char d[96], idx[16];
        l->vt->describe(l, d, sizeof d);
        if (l->span > 1) snprintf(idx, sizeof idx, "%d-%d", l->index, l->index + l->span - 1);
        else snprintf(idx, sizeof idx, "%d", l->index);
        int64_t p = 0;
        for (int k = 0; k < l->nparams; ++k) p += l->param[k]->numel;
        ADD("  %-5s %-36s %8lld %10lld\n", idx, d, (long long)l->out_f, (long long)p);
    }
    ADD("  total parameters: %lld\n", (long long)pml_model_param_count(m));
#undef ADD
    return len;
}

static pml_status check_rows(const char *fn, const char *name, const pml_model *m,
                             const pml_tensor *t, int64_t batch, int64_t cols)
{
    PML_TRY(pml_check_same_device(fn, m->dev, t, name));
    PML_CHECK(t->dtype == m->dtype, PML_ERR_INVALID_ARGUMENT, "%s: %s is %s, the model %s", fn,
              name, pml_dtype_name(t->dtype), pml_dtype_name(m->dtype));
    PML_CHECK(batch >= 1 && batch <= m->max_batch, PML_ERR_INVALID_ARGUMENT,
              "%s: batch %lld outside 1..%lld (the model's max_batch)", fn, (long long)batch,
              (long long)m->max_batch);
    PML_CHECK(t->numel >= batch * cols && pml_tensor_dim(t, -1) == cols, PML_ERR_INVALID_ARGUMENT,
              "%s: %s needs %lld rows of %lld columns (has %lld elements, last dim %lld)", fn,
              name, (long long)batch, (long long)cols, (long long)t->numel,
              (long long)pml_tensor_dim(t, -1));
    return PML_OK;
}

pml_status pml_model_forward(pml_model *m, const pml_tensor *x, int64_t batch,
                             const pml_tensor **y)
{
    static const char fn[] = "pml_model_forward";
    PML_CHECK_ARG(m != NULL && y != NULL, fn, "model or y is NULL");
    PML_CHECK(m->nlayers > 0, PML_ERR_INVALID_ARGUMENT, "%s: the model has no layers", fn);
    PML_TRY(check_rows(fn, "x", m, x, batch, m->in_f));
    const pml_tensor *in = x;
    for (int i = 0; i < m->nlayers; ++i) {
        PML_TRY(m->layers[i]->vt->forward(m->layers[i], in, batch));
        in = m->layers[i]->out;
    }
    m->last_x = x;
    m->last_batch = batch;
    *y = in;
    return PML_OK;
}

pml_status pml_model_backward(pml_model *m, const pml_tensor *dy, int64_t batch)
{
    static const char fn[] = "pml_model_backward";
    PML_CHECK_ARG(m != NULL, fn, "model is NULL");
    PML_CHECK(m->last_x != NULL && batch == m->last_batch, PML_ERR_INVALID_ARGUMENT,
              "%s: needs a forward pass of the same batch first", fn);
    PML_TRY(check_rows(fn, "dy", m, dy, batch, pml_model_out_features(m)));
    const pml_tensor *g = dy;
    for (int i = m->nlayers - 1; i >= 0; --i) {
        pml_layer *l = m->layers[i];
        const pml_tensor *in = i > 0 ? m->layers[i - 1]->out : m->last_x;
        PML_TRY(l->vt->backward(l, in, g, m->dx[i], batch));
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
    PML_CHECK(dst->nlayers == src->nlayers && dst->in_f == src->in_f &&
                  strcmp(dst->spec, src->spec) == 0,
              PML_ERR_INVALID_ARGUMENT, "%s: architectures differ ('%s' and '%s')", fn,
              dst->spec, src->spec);
    for (int i = 0; i < dst->nlayers; ++i)
        for (int p = 0; p < dst->layers[i]->nparams; ++p)
            PML_TRY(pml_tensor_copy(dst->layers[i]->param[p], src->layers[i]->param[p]));
    return PML_OK;
}
