/* Models from spec strings: "dense:100,relu,dense:10". */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nn/model.h"

/* One item, already split out; "what" names it in messages. */
static pml_status add_item(pml_model *m, char *item, int pos, pml_init init, float sigma,
                           uint64_t seed)
{
    static const char fn[] = "pml_model_from_spec";
    char *arg = strchr(item, ':');
    if (arg) *arg++ = '\0';
    if (strcmp(item, "dense") == 0) {
        PML_CHECK(arg && *arg, PML_ERR_INVALID_ARGUMENT,
                  "%s: item %d 'dense' needs a size, e.g. dense:100", fn, pos + 1);
        char *opt = strchr(arg, ':');
        if (opt) *opt++ = '\0';
        char *end = NULL;
        errno = 0;
        long long n = strtoll(arg, &end, 10);
        PML_CHECK(!errno && end != arg && *end == '\0' && n >= 1 && n <= (1 << 24),
                  PML_ERR_INVALID_ARGUMENT, "%s: item %d: '%s' is not a layer size (1..2^24)",
                  fn, pos + 1, arg);
        pml_dense_opts o = pml_dense_defaults();
        o.init = init;
        o.init_sigma = sigma;
        if (opt) {
            PML_CHECK(strcmp(opt, "nobias") == 0, PML_ERR_INVALID_ARGUMENT,
                      "%s: item %d: unknown dense option '%s' (nobias)", fn, pos + 1, opt);
            o.bias = 0;
        }
        return pml_error_within(pml_model_add_dense(m, n, &o, seed), fn);
    }
    pml_activation act;
    char names[128];
    PML_CHECK(pml_activation_parse(item, &act) == PML_OK, PML_ERR_INVALID_ARGUMENT,
              "%s: item %d: unknown layer '%s' (dense:N or an activation: %s; leaky_relu:A "
              "sets the slope)",
              fn, pos + 1, item,
              pml_name_list(pml_activation_names, PML_ACT_COUNT, names, sizeof names));
    float alpha = 0.0f;
    if (arg) {
        PML_CHECK(act == PML_ACT_LEAKY_RELU, PML_ERR_INVALID_ARGUMENT,
                  "%s: item %d: '%s' takes no argument", fn, pos + 1, item);
        char *end = NULL;
        double a = strtod(arg, &end);
        PML_CHECK(end != arg && *end == '\0' && a > 0 && a < 1, PML_ERR_INVALID_ARGUMENT,
                  "%s: item %d: leaky_relu slope '%s' is not in (0, 1)", fn, pos + 1, arg);
        alpha = (float)a;
    }
    return pml_error_within(pml_model_add_activation(m, act, alpha), fn);
}

pml_status pml_model_from_spec(pml_device *dev, const char *spec, int64_t in_features,
                               int64_t max_batch, pml_init init, float init_sigma,
                               uint64_t seed, pml_model **out)
{
    static const char fn[] = "pml_model_from_spec";
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK_ARG(spec != NULL, fn, "spec is NULL");
    size_t len = strlen(spec);
    PML_CHECK(len > 0 && len < 1000, PML_ERR_INVALID_ARGUMENT,
              "%s: spec is empty or longer than 1000 characters", fn);
    pml_model *m = NULL;
    PML_TRY(pml_error_within(pml_model_create(dev, PML_F32, in_features, max_batch, &m), fn));
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
            s = add_item(m, p, pos, init, init_sigma, seed);
        ++pos;
        if (!comma) break;
        p = comma + 1;
    }
    if (s == PML_OK && m->nlayers == 0)
        s = pml_set_error(PML_ERR_INVALID_ARGUMENT, "%s: '%s' has no layers", fn, spec);
    if (s != PML_OK) {
        pml_model_destroy(m);
        return s;
    }
    *out = m;
    return PML_OK;
}
