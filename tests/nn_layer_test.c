/* The layer machinery under every kind: models of shaped inputs (a dense layer takes them
 * flat), the shape in a saved file, the table of kinds (every kind's spec item parses back to
 * the same layer), and the workspace a kind can ask the model for. */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn/model.h"
#include "pml_test.h"

static void forward_host(pml_model *m, const pml_tensor *x, int64_t batch, float *out)
{
    const pml_tensor *y = NULL;
    PML_ASSERT_OK(pml_model_forward(m, x, batch, &y));
    PML_ASSERT_OK(pml_tensor_download(y, out, (size_t)(batch * pml_model_out_features(m)) * 4));
}

/* A 1 x 4 x 4 model is the 16-input model with the same spec and seed; inputs may come
 * batch x 16 or batch x 1 x 4 x 4. */
Test(nn_layer, shaped_input_is_flat_for_dense)
{
    pml_device *dev = pml_test_open_cpu();
    pml_model *shaped = NULL;
    PML_ASSERT_OK(pml_model_create_shaped(dev, PML_F32, 3, (const int64_t[]){1, 4, 4}, 3, &shaped));
    PML_ASSERT_OK(pml_model_add_spec(shaped, "dense:5,relu,dense:3", PML_INIT_HE, 0.0f, 7));
    pml_model *flat = pml_test_model(dev, "dense:5,relu,dense:3", 16, 3, PML_INIT_HE, 7);
    int64_t d[3];
    cr_expect_eq(pml_model_in_shape(shaped, d), 3);
    cr_expect(d[0] == 1 && d[1] == 4 && d[2] == 4);
    cr_expect_eq(pml_model_in_features(shaped), 16);
    cr_expect_eq(pml_layer_in_shape(pml_model_layer(shaped, 0), d), 3);
    cr_expect(d[0] == 1 && d[1] == 4 && d[2] == 4 && pml_layer_in_features(pml_model_layer(shaped, 0)) == 16);
    cr_expect_eq(pml_layer_in_shape(pml_model_layer(shaped, 1), d), 1);
    cr_expect_eq(d[0], 5);
    cr_expect_eq(pml_model_in_shape(flat, d), 1);
    cr_expect(d[0] == 16 && d[1] == 0 && d[2] == 0);
    cr_expect_str_eq(pml_model_spec(shaped), pml_model_spec(flat));
    char text[512];
    pml_model_summary(shaped, text, sizeof text);
    cr_expect(strstr(text, "input 1x4x4") != NULL, "%s", text);

    float xs[48], a[9], b[9], c[9];
    for (int i = 0; i < 48; ++i) xs[i] = pml_rng_uniform(3, 0, (uint64_t)i);
    pml_tensor *x2 = pml_test_tensor(dev, PML_F32, 2, (const int64_t[]){3, 16}, xs);
    pml_tensor *x4 = pml_test_tensor(dev, PML_F32, 4, (const int64_t[]){3, 1, 4, 4}, xs);
    pml_tensor *bad = pml_test_tensor(dev, PML_F32, 4, (const int64_t[]){3, 4, 1, 4}, xs);
    forward_host(shaped, x2, 3, a);
    forward_host(shaped, x4, 3, b);
    forward_host(flat, x2, 3, c);
    cr_expect(pml_test_equal_bytes("batch x 16 vs batch x 1 x 4 x 4", a, b, 9, 4));
    cr_expect(pml_test_equal_bytes("shaped vs flat model", a, c, 9, 4));
    const pml_tensor *y = NULL;
    cr_expect_eq(pml_model_forward(shaped, bad, 3, &y), PML_ERR_INVALID_ARGUMENT,
                 "a 3 x 4 x 1 x 4 input is not 1 x 4 x 4 examples");
    cr_expect_eq(pml_model_forward(flat, x4, 3, &y), PML_ERR_INVALID_ARGUMENT,
                 "the flat model takes rows of 16");
    for (pml_tensor **t = (pml_tensor *[]){x2, x4, bad, NULL}; *t; ++t) pml_tensor_destroy(*t);
    for (pml_model **mm = (pml_model *[]){flat, shaped, NULL}; *mm; ++mm) pml_model_destroy(*mm);
    pml_device_close(dev);
}

/* The shape travels in the file's metadata; a shape that does not multiply to the feature
 * count is the file's fault. */
Test(nn_layer, shaped_model_round_trip)
{
    pml_device *dev = pml_test_open_cpu();
    pml_model *m = NULL, *back = NULL;
    PML_ASSERT_OK(pml_model_create_shaped(dev, PML_F32, 3, (const int64_t[]){2, 3, 4}, 2, &m));
    PML_ASSERT_OK(pml_model_add_spec(m, "dense:4,tanh", PML_INIT_XAVIER, 0.0f, 5));
    char path[] = "/tmp/pml_nn_layer_XXXXXX.safetensors";
    int fd = mkstemps(path, 12);
    cr_assert(fd >= 0);
    close(fd);
    PML_ASSERT_OK(pml_model_save(m, path, NULL));
    PML_ASSERT_OK(pml_model_load(dev, path, 2, &back));
    int64_t d[3];
    cr_expect_eq(pml_model_in_shape(back, d), 3);
    cr_expect(d[0] == 2 && d[1] == 3 && d[2] == 4);
    cr_expect_str_eq(pml_model_spec(back), "dense:4,tanh");
    pml_safetensors st;
    memset(&st, 0, sizeof st);
    PML_ASSERT_OK(pml_safetensors_read(dev, path, &st));
    cr_expect_str_eq(pml_safetensors_meta(&st, "physml_in_shape"), "2x3x4");
    cr_expect_str_eq(pml_safetensors_meta(&st, "physml_in_features"), "24");
    pml_safetensors_free(&st);
    static const char *const bad_shapes[] = {"2x3x5", "2x3", "2x3x2x2", "2xx12", "0x24",
                                             "24y", "-24", ""};
    pml_named_tensor nt = {"0.weight", pml_layer_param(pml_model_layer(m, 0), 0)};
    for (size_t i = 0; i < sizeof bad_shapes / sizeof bad_shapes[0]; ++i) {
        const char *meta[] = {"physml_spec", "dense:4", "physml_in_features", "24",
                              "physml_in_shape", bad_shapes[i], NULL};
        PML_ASSERT_OK(pml_safetensors_write(path, &nt, 1, meta));
        pml_model *x = NULL;
        cr_expect_eq(pml_model_load(dev, path, 2, &x), PML_ERR_BAD_FORMAT, "'%s': %s",
                     bad_shapes[i], pml_last_error());
        cr_expect_null(x);
    }
    remove(path);
    pml_model_destroy(back);
    pml_model_destroy(m);
    pml_device_close(dev);
}

/* Every kind in the table writes a spec item that parses back to a layer writing the same
 * item; an unknown keyword's message lists every kind. */
Test(nn_layer, kinds_table_round_trip)
{
    pml_device *dev = pml_test_open_cpu();
    static const char *const samples[] = {"dense:9", "dense:9:nobias", "rbm:5", "relu",
                                          "leaky_relu:0.3", "leaky_relu", "sigmoid", "tanh",
                                          "softmax", "identity", "dropout:0.25", "flatten",
                                          "batchnorm", "gauss", "unflatten:1:2:2"};
    int seen_kinds = 0;
    for (int k = 0; pml_layer_kinds[k]; ++k) ++seen_kinds;
    cr_expect_eq(seen_kinds, 18); /* the image kinds round-trip in tests/conv_test.c */
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; ++i) {
        /* after a softmax nothing is fused, so each item stands as its own layer */
        char spec[64];
        snprintf(spec, sizeof spec, "softmax,%s", samples[i]);
        pml_model *m = pml_test_model(dev, spec, 4, 2, PML_INIT_HE, 1);
        const char *item = strchr(pml_model_spec(m), ',') + 1;
        char again[64];
        snprintf(again, sizeof again, "softmax,%s", item);
        pml_model *m2 = pml_test_model(dev, again, 4, 2, PML_INIT_HE, 1);
        cr_expect_str_eq(pml_model_spec(m2), pml_model_spec(m), "%s", samples[i]);
        cr_expect_eq(pml_model_num_layers(m), 2, "%s", samples[i]);
        pml_model_destroy(m2);
        pml_model_destroy(m);
    }
    pml_model *none = NULL;
    cr_expect_eq(pml_model_from_spec(dev, "lstm:3", 4, 2, PML_INIT_HE, 0.0f, 1, &none),
                 PML_ERR_INVALID_ARGUMENT);
    for (int k = 0; pml_layer_kinds[k]; ++k)
        cr_expect(strstr(pml_last_error(), pml_layer_kinds[k]->syntax) != NULL, "%s lacks %s",
                  pml_last_error(), pml_layer_kinds[k]->syntax);
    pml_device_close(dev);
}

/* ---- a kind that needs scratch: the model lends it the workspace ------------------------- */
typedef struct probe_layer {
    pml_layer base;
    int calls;
} probe_layer;

static pml_status probe_forward(pml_layer *l, const pml_tensor *x, int64_t batch,
                                const pml_workspace *ws)
{
    probe_layer *p = (probe_layer *)l;
    cr_assert(ws->t != NULL && ws->bytes >= l->ws_bytes, "workspace %zu bytes for %zu",
              ws->bytes, l->ws_bytes);
    memset(ws->t->data, 0xAB, l->ws_bytes); /* AddressSanitizer checks the bounds */
    p->calls += 1;
    memcpy(l->out->data, x->data, (size_t)(batch * l->out_f) * sizeof(float));
    return PML_OK;
}

static pml_status probe_backward(pml_layer *l, const pml_tensor *x, const pml_tensor *dy,
                                 pml_tensor *dx, int64_t batch, const pml_workspace *ws)
{
    (void)x;
    cr_assert(ws->bytes >= l->ws_bytes);
    memset(ws->t->data, 0xCD, l->ws_bytes);
    ((probe_layer *)l)->calls += 1;
    if (dx) memcpy(dx->data, dy->data, (size_t)(batch * l->out_f) * sizeof(float));
    return PML_OK;
}

static void probe_describe(const pml_layer *l, char *buf, size_t n)
{
    snprintf(buf, n, "probe (%zu bytes of workspace)", l->ws_bytes);
}

static const struct pml_layer_vt probe_vt = {probe_forward, probe_backward, probe_describe,
                                             NULL, NULL, NULL};

static pml_status probe_create(pml_device *dev, pml_dtype dtype, const pml_shape *in,
                               int64_t max_batch, const pml_layer_args *a, int position,
                               const char *fn, pml_layer **out);

static void probe_item(const pml_kind *k, const pml_layer_args *a, char *buf, size_t n)
{
    snprintf(buf, n, "%s:%lld", k->name, (long long)a->units);
}

static const pml_kind probe_kind = {"probe", "probe:BYTES", 0, NULL, probe_create, probe_item,
                                    NULL};

static pml_status probe_create(pml_device *dev, pml_dtype dtype, const pml_shape *in,
                               int64_t max_batch, const pml_layer_args *a, int position,
                               const char *fn, pml_layer **out)
{
    (void)position, (void)fn;
    probe_layer *p = calloc(1, sizeof *p);
    cr_assert(p != NULL);
    PML_ASSERT_OK(pml_layer_init(&p->base, &probe_vt, &probe_kind, dev, dtype, in, in, max_batch));
    p->base.ws_bytes = (size_t)a->units;
    *out = &p->base;
    return PML_OK;
}

Test(nn_layer, workspace_for_the_kinds_that_ask)
{
    pml_device *dev = pml_test_open_cpu();
    pml_model *m = pml_test_model(dev, "dense:6", 4, 2, PML_INIT_HE, 1);
    cr_expect_eq(pml_model_workspace_bytes(m), 0, "dense needs none");
    const pml_layer_args a1000 = {.units = 1000}, a500 = {.units = 500}, a3000 = {.units = 3000};
    PML_ASSERT_OK(pml_model_add(m, &probe_kind, &a1000, "test"));
    cr_expect_eq(pml_model_workspace_bytes(m), 1000);
    PML_ASSERT_OK(pml_model_add(m, &probe_kind, &a500, "test"));
    cr_expect_eq(pml_model_workspace_bytes(m), 1000, "the largest request, not the sum");
    PML_ASSERT_OK(pml_model_add(m, &probe_kind, &a3000, "test"));
    cr_expect_eq(pml_model_workspace_bytes(m), 3000);
    cr_expect_str_eq(pml_model_spec(m), "dense:6,probe:1000,probe:500,probe:3000");
    float xs[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    pml_tensor *x = pml_test_tensor(dev, PML_F32, 2, (const int64_t[]){2, 4}, xs);
    const pml_tensor *y = NULL;
    PML_ASSERT_OK(pml_model_forward(m, x, 2, &y));
    PML_ASSERT_OK(pml_model_backward(m, y, 2));
    for (int i = 1; i < 4; ++i)
        cr_expect_eq(((probe_layer *)pml_model_layer(m, i))->calls, 2, "layer %d", i);
    pml_tensor_destroy(x);
    pml_model_destroy(m);
    pml_device_close(dev);
}
