/* Models from spec strings: "dense:100,relu,dense:10": comma-separated items, each a kind's
 * keyword from the table of kinds (src/nn/layer.c) and its argument. */
#include <string.h>

#include "nn/model.h"

/* One item, already split out and trimmed, at 1-based position pos: its kind from the table,
 * the kind's parser for the argument, then the model's add (fusion included). */
static pml_status add_item(const char *fn, pml_model *m, char *item, int pos, pml_init init,
                           float sigma, uint64_t seed)
{
    char *arg = strchr(item, ':');
    if (arg) *arg++ = '\0';
    const pml_kind *k = pml_layer_kind_find(item);
    PML_CHECK(k != NULL, PML_ERR_INVALID_ARGUMENT, "%s: item %d: unknown layer '%s' (%s)", fn,
              pos, item, pml_layer_kinds_syntax());
    pml_layer_args args = {.init = init, .init_sigma = sigma, .seed = seed};
    PML_TRY(k->parse(k, arg, &args, fn, pos));
    return pml_model_add(m, k, &args, fn);
}

/* Split spec into items and add each to m; errors name fn. */
static pml_status add_items(const char *fn, pml_model *m, const char *spec, pml_init init,
                            float init_sigma, uint64_t seed)
{
    PML_CHECK_ARG(spec != NULL, fn, "spec is NULL");
    const size_t len = strlen(spec);
    PML_CHECK(len > 0 && len < 1000, PML_ERR_INVALID_ARGUMENT,
              "%s: spec is empty or longer than 1000 characters", fn);
    char buf[1024];
    memcpy(buf, spec, len + 1);
    pml_status s = PML_OK;
    int pos = 0;
    char *p = buf;
    while (s == PML_OK) {
        char *comma = strchr(p, ',');
        if (comma) *comma = '\0';
        /* trim spaces */
        while (*p == ' ') ++p;
        char *e = p + strlen(p);
        while (e > p && e[-1] == ' ') *--e = '\0';
        if (*p == '\0')
            s = pml_set_error(PML_ERR_INVALID_ARGUMENT, "%s: item %d of '%s' is empty", fn,
                              pos + 1, spec);
        else
            s = add_item(fn, m, p, pos + 1, init, init_sigma, seed);
        ++pos;
        if (!comma) break;
        p = comma + 1;
    }
    return s;
}

pml_status pml_model_add_spec(pml_model *m, const char *spec, pml_init init, float init_sigma,
                              uint64_t seed)
{
    static const char fn[] = "pml_model_add_spec";
    PML_CHECK_ARG(m != NULL, fn, "model is NULL");
    return add_items(fn, m, spec, init, init_sigma, seed);
}

pml_status pml_model_from_spec(pml_device *dev, const char *spec, int64_t in_features,
                               int64_t max_batch, pml_init init, float init_sigma,
                               uint64_t seed, pml_model **out)
{
    static const char fn[] = "pml_model_from_spec";
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK_ARG(spec != NULL, fn, "spec is NULL");
    const size_t len = strlen(spec);
    PML_CHECK(len > 0 && len < 1000, PML_ERR_INVALID_ARGUMENT,
              "%s: spec is empty or longer than 1000 characters", fn);
    pml_model *m = NULL;
    PML_TRY(pml_error_within(pml_model_create(dev, PML_F32, in_features, max_batch, &m), fn));
    pml_status s = add_items(fn, m, spec, init, init_sigma, seed);
    if (s == PML_OK && m->nlayers == 0)
        s = pml_set_error(PML_ERR_INVALID_ARGUMENT, "%s: '%s' has no layers", fn, spec);
    if (s != PML_OK) {
        pml_model_destroy(m);
        return s;
    }
    *out = m;
    return PML_OK;
}
