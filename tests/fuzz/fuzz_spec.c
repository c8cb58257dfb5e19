/* The model spec parser: pml_model_from_spec (flat input) and pml_model_add_spec (a C x H x W
 * input), through the table of layer kinds. The first byte picks the entry point and the
 * input size; the rest is the spec. A spec accepted must come back from pml_model_spec as a
 * spec that builds the same model again: pml_model_save stores that text and pml_model_load
 * parses it, so a model whose spec does not survive the trip cannot be reloaded. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

/* A spec may ask for any model up to 2^24 units a layer, and a big model is what the caller
 * asked for, not a bug: skip specs that could need more than about 2^24 parameters. Every
 * layer's width is a run of digits in the text (widths beyond 2^24 are refused by the parser
 * before anything is allocated, so they need no bound), and a dense layer holds at most
 * (widest) x (its width) weights, so (widest) x (sum of widths) bounds the model. */
static int affordable(const char *spec, int64_t in_features)
{
    const int64_t limit = (int64_t)1 << 24;
    int64_t widest = in_features, sum = in_features;
    for (const char *p = spec; *p;) {
        if (*p < '0' || *p > '9') {
            ++p;
            continue;
        }
        int64_t v = 0;
        while (*p >= '0' && *p <= '9') {
            if (v <= limit) v = v * 10 + (*p - '0');
            ++p;
        }
        if (v > limit) continue;
        if (v > widest) widest = v;
        sum += v;
    }
    return widest * sum <= limit; /* at most 2^24 x 1000 x 2^24: no overflow */
}

static pml_model *build(unsigned mode, const char *spec, pml_status *s)
{
    pml_device *dev = fuzz_device();
    pml_model *m = NULL;
    if (mode & 1) {
        *s = pml_model_from_spec(dev, spec, 1 + (mode >> 1 & 15), 2, PML_INIT_ZERO, 0.f, 0, &m);
        return m;
    }
    const int64_t dims[3] = {1 + (mode >> 1 & 3), 1 + (mode >> 3 & 3), 1 + (mode >> 5 & 3)};
    FUZZ_CHECK(pml_model_create_shaped(dev, PML_F32, 3, dims, 2, &m) == PML_OK);
    *s = pml_model_add_spec(m, spec, PML_INIT_ZERO, 0.f, 0);
    return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const unsigned mode = data[0];
    char *spec = fuzz_text(data + 1, size - 1);
    const int64_t in_f = (mode & 1) ? 1 + (mode >> 1 & 15)
                                    : (1 + (mode >> 1 & 3)) * (1 + (mode >> 3 & 3)) *
                                          (1 + (mode >> 5 & 3));
    if (!affordable(spec, in_f)) {
        free(spec);
        return 0;
    }
    pml_status s;
    pml_model *m = build(mode, spec, &s);
    if (mode & 1) FUZZ_CHECK((s == PML_OK) == (m != NULL)); /* and then with layers */
    if (s == PML_OK && pml_model_num_layers(m) > 0) {
        char *again = strdup(pml_model_spec(m));
        FUZZ_CHECK(again != NULL);
        pml_status s2;
        pml_model *m2 = build(mode, again, &s2);
        FUZZ_CHECK(s2 == PML_OK);
        FUZZ_CHECK(strcmp(pml_model_spec(m2), again) == 0);
        FUZZ_CHECK(pml_model_param_count(m2) == pml_model_param_count(m));
        FUZZ_CHECK(pml_model_out_features(m2) == pml_model_out_features(m));
        pml_model_destroy(m2);
        free(again);
    }
    pml_model_destroy(m);
    free(spec);
    return 0;
}
