/* Models on disk as .safetensors: tensors "0.weight" [out, in] and "0.bias" [out] named by
 * layer position as PyTorch's nn.Sequential does (and the buffers, batch norm's
 * "N.running_mean" and "N.running_var"), and the architecture in the metadata
 * ("physml_spec", "physml_in_features", and "physml_in_shape" = "CxHxW" when the input has
 * more than one dimension), so a file both reloads here (the spec through the table of layer
 * kinds) and opens with safetensors.torch.load_file into an nn.Sequential. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/model.h"
#include "physml/io.h"

#define MAX_META 32

int pml_model_meta(const pml_model *m, pml_model_meta_buf *buf, const char **meta)
{
    snprintf(buf->in_f, sizeof buf->in_f, "%lld", (long long)m->in_f);
    buf->in_shape[0] = '\0';
    for (int i = 0, len = 0; m->in.ndim > 1 && i < m->in.ndim; ++i)
        len += snprintf(buf->in_shape + len, sizeof buf->in_shape - (size_t)len, "%s%lld",
                        i ? "x" : "", (long long)m->in.d[i]);
    int k = 0;
    meta[k++] = "physml_spec";
    meta[k++] = m->spec;
    meta[k++] = "physml_in_features";
    meta[k++] = buf->in_f;
    if (buf->in_shape[0]) {
        meta[k++] = "physml_in_shape";
        meta[k++] = buf->in_shape;
    }
    meta[k++] = "format";
    meta[k++] = "pt";
    return k;
}

pml_status pml_find_tensor(const char *fn, const pml_safetensors *st, const char *path,
                           const char *name, const pml_tensor *like, const pml_tensor **out)
{
    const pml_tensor *src = pml_safetensors_find(st, name);
    PML_CHECK(src != NULL, PML_ERR_BAD_FORMAT, "%s: '%s' lacks tensor '%s'", fn, path, name);
    int same = src->ndim == like->ndim && src->dtype == like->dtype;
    for (int d = 0; same && d < like->ndim; ++d) same = src->shape[d] == like->shape[d];
    PML_CHECK(same, PML_ERR_BAD_FORMAT, "%s: '%s': tensor '%s' has the wrong dtype or shape", fn,
              path, name);
    *out = src;
    return PML_OK;
}

pml_status pml_model_save(const pml_model *m, const char *path, const char *const *extra_meta)
{
    static const char fn[] = "pml_model_save";
    PML_CHECK_ARG(m != NULL && path != NULL, fn, "model or path is NULL");
    pml_model *mm = (pml_model *)m; /* the enumeration does not modify the model */
    int n = pml_model_num_state_tensors(m);
    PML_CHECK(n > 0, PML_ERR_INVALID_ARGUMENT, "%s: the model has no parameters", fn);
    pml_named_tensor *nt = calloc((size_t)n, sizeof *nt);
    char(*names)[48] = calloc((size_t)n, sizeof *names);
    if (!nt || !names) {
        free(nt);
        free(names);
        return pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    }
    for (int i = 0; i < n; ++i) {
        const char *name = NULL;
        pml_tensor *p = NULL;
        pml_model_state_tensor(mm, i, &name, &p);
        snprintf(names[i], sizeof names[i], "%s", name);
        nt[i].name = names[i];
        nt[i].tensor = p;
    }
    pml_model_meta_buf buf;
    const char *meta[2 * MAX_META + 1];
    int k = pml_model_meta(m, &buf, meta);
    for (int i = 0; extra_meta && extra_meta[i] && extra_meta[i + 1] && k < 2 * MAX_META; i += 2) {
        meta[k++] = extra_meta[i];
        meta[k++] = extra_meta[i + 1];
    }
    meta[k] = NULL;
    pml_status s = pml_error_within(pml_safetensors_write(path, nt, n, meta), fn);
    free(nt);
    free(names);
    return s;
}

/* The model a file's metadata describes, with zero weights: flat (in_f) or of the shape
 * "CxHxW" (in_shape, may be NULL), whose product must be in_f. It may hold no more parameters
 * than the file's tensors do (`budget` elements): a few bytes of metadata cannot make the
 * loader allocate gigabytes before it finds the tensors missing. */
static pml_status build(pml_device *dev, const char *spec, long long in_f, const char *in_shape,
                        int64_t budget, int64_t max_batch, pml_model **out)
{
    static const char fn[] = "pml_model_load";
    int64_t dims[3] = {in_f, 0, 0};
    int ndim = 1, ok = 1;
    long long prod = in_f;
    if (in_shape != NULL) {
        ndim = 0;
        prod = 1;
    }
    for (const char *p = in_shape; p != NULL;) {
        char *end = NULL;
        const long long d = strtoll(p, &end, 10);
        if (end == p || d < 1 || d > ((long long)1 << 40) / prod || ndim == 3) {
            ok = 0;
            break;
        }
        dims[ndim++] = d;
        prod *= d;
        if (*end == '\0') break;
        if (*end != 'x') {
            ok = 0;
            break;
        }
        p = end + 1;
    }
    PML_CHECK(ok && prod == in_f, PML_ERR_INVALID_ARGUMENT,
              "%s: physml_in_shape '%s' is not 1 to 3 dimensions of %lld elements", fn, in_shape,
              in_f);
    pml_model *m = NULL;
    if (in_shape == NULL) PML_TRY(pml_model_create(dev, PML_F32, in_f, max_batch, &m));
    else PML_TRY(pml_model_create_shaped(dev, PML_F32, ndim, dims, max_batch, &m));
    m->param_budget = budget > 0 ? budget : 1; /* a model has parameters */
    pml_status s = pml_model_add_spec(m, spec, PML_INIT_ZERO, 0.f, 0);
    if (s == PML_OK && m->nlayers == 0)
        s = pml_set_error(PML_ERR_BAD_FORMAT, "%s: physml_spec '%s' has no layers", fn, spec);
    if (s != PML_OK) {
        pml_model_destroy(m);
        return s;
    }
    *out = m;
    return PML_OK;
}

/* The model a .safetensors file's tensors and metadata describe; `where` names the file in
 * messages. Shared by pml_model_load and pml_model_from_safetensors (fn: the public name). */
static pml_status model_from(const char *fn, pml_device *dev, const pml_safetensors *stp,
                             const char *where, int64_t max_batch, pml_model **out)
{
    const pml_safetensors st = *stp;
    const char *path = where;
    pml_status s = PML_OK;
    const char *spec = pml_safetensors_meta(&st, "physml_spec");
    const char *in_s = pml_safetensors_meta(&st, "physml_in_features");
    long long in_f = in_s ? strtoll(in_s, NULL, 10) : 0;
    if (!spec || in_f < 1)
        s = pml_set_error(PML_ERR_BAD_FORMAT,
                          "%s: '%s' has no physml_spec/physml_in_features metadata", fn, path);
    pml_model *m = NULL;
    if (s == PML_OK) {
        int64_t held = 0;
        for (int i = 0; i < st.count; ++i) held += pml_tensor_numel(st.tensors[i]);
        s = pml_error_within(build(dev, spec, in_f, pml_safetensors_meta(&st, "physml_in_shape"),
                                   held, max_batch, &m),
                             fn);
        /* dev and max_batch are checked above: a spec or size refused is the file's fault */
        if (s == PML_ERR_INVALID_ARGUMENT || s == PML_ERR_BAD_FORMAT) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", pml_last_error());
            s = pml_set_error(PML_ERR_BAD_FORMAT, "%s (the metadata of '%s', whose tensors "
                              "hold %lld elements)", msg, path, (long long)held);
        }
    }
    int n = m ? pml_model_num_state_tensors(m) : 0;
    for (int i = 0; i < n && s == PML_OK; ++i) {
        const char *name = NULL;
        pml_tensor *p = NULL;
        pml_model_state_tensor(m, i, &name, &p);
        const pml_tensor *src = NULL;
        s = pml_find_tensor(fn, &st, path, name, p, &src);
        if (s == PML_OK) s = pml_error_within(pml_tensor_copy(p, src), fn);
    }
    /* a checkpoint holds more than the model (the optimiser's state, ...): its model is the
     * parameters at the end of its last epoch */
    if (s == PML_OK && st.count != n && !pml_safetensors_meta(&st, "physml_checkpoint"))
        s = pml_set_error(PML_ERR_BAD_FORMAT, "%s: '%s' holds %d tensors, the spec '%s' needs %d",
                          fn, path, st.count, spec, n);
    if (s != PML_OK) {
        pml_model_destroy(m);
        return s;
    }
    *out = m;
    return PML_OK;
}

pml_status pml_model_load(pml_device *dev, const char *path, int64_t max_batch,
                          pml_model **out)
{
    static const char fn[] = "pml_model_load";
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK_ARG(dev != NULL && path != NULL, fn, "dev or path is NULL");
    PML_CHECK(max_batch >= 1, PML_ERR_INVALID_ARGUMENT, "%s: max_batch %lld, needs >= 1", fn,
              (long long)max_batch);
    pml_safetensors st;
    memset(&st, 0, sizeof st);
    PML_TRY(pml_error_within(pml_safetensors_read(dev, path, &st), fn));
    const pml_status s = model_from(fn, dev, &st, path, max_batch, out);
    pml_safetensors_free(&st);
    return s;
}

pml_status pml_model_from_safetensors(pml_device *dev, const pml_safetensors *st,
                                      const char *where, int64_t max_batch, pml_model **out)
{
    static const char fn[] = "pml_model_from_safetensors";
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK_ARG(dev != NULL && st != NULL, fn, "dev or st is NULL");
    PML_CHECK(max_batch >= 1, PML_ERR_INVALID_ARGUMENT, "%s: max_batch %lld, needs >= 1", fn,
              (long long)max_batch);
    for (int i = 0; i < st->count; ++i)
        PML_TRY(pml_check_same_device(fn, dev, st->tensors[i], "st's tensors"));
    return model_from(fn, dev, st, where ? where : "the tensors", max_batch, out);
}
