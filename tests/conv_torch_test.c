/* Models move to and from PyTorch: a physml model of every layer kind, saved, loads into the
 * equivalent nn.Sequential (bench/peers/physml_torch.py check) and gives the same outputs; a
 * random PyTorch model of every supported kind, saved with physml's spec in its metadata
 * (physml_torch.py export), loads into physml and gives the same outputs. Skips, saying why,
 * when /usr/bin/python3 lacks torch or numpy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/process.h"
#include "pml_test.h"
#include "physml/physml.h"

TestSuite(conv_torch, .init = pml_test_tmpdir_create, .fini = pml_test_tmpdir_remove);

static void need_torch(void)
{
    if (!pml_test_have_python_module("torch") || !pml_test_have_numpy())
        cr_skip_test("/usr/bin/python3 cannot import torch and numpy (Debian python3-torch, "
                     "python3-numpy: script/bootstrap --bench)");
}

/* /usr/bin/python3 bench/peers/physml_torch.py args...: its exit status; output on failure. */
static int peer(const char *const *args)
{
    char script[1024], out[4096], err[4096];
    pml_test_source_path("bench/peers/physml_torch.py", script, sizeof script);
    const char *argv[24] = {"/usr/bin/python3", script};
    int n = 2;
    for (int i = 0; args[i] && n < 23; ++i) argv[n++] = args[i];
    argv[n] = NULL;
    const int rc = pml_run(argv, NULL, out, sizeof out, err, sizeof err);
    if (rc != 0) cr_log_error("physml_torch.py %s: exit %d\n%s%s", args[0], rc, out, err);
    else cr_log_info("%s", out);
    return rc;
}

static const struct {
    const char *spec;
    int64_t c, h, w;
} models[] = {
    {"conv:4:3:pad=same:nobias,batchnorm,relu,maxpool:2,conv:6:3:stride=2:pad=1,leaky_relu:0.2,"
     "avgpool:2,flatten,dropout:0.3,dense:5,tanh,dense:3",
     1, 16, 16},
    {"convt:3:4:stride=2:pad=1:outpad=1,sigmoid,gap,flatten,dense:2", 2, 5, 5},
    {"conv:3:3,relu,dense:4:nobias,batchnorm,softmax", 2, 6, 6},
    {"maxpool:3:2,conv:2:1,tanh,flatten,dense:3", 3, 9, 7},
};

Test(conv_torch, physml_models_load_into_pytorch_with_the_same_outputs, .timeout = 240)
{
    need_torch();
    pml_device *dev = pml_test_open_cpu();
    for (size_t k = 0; k < sizeof models / sizeof models[0]; ++k) {
        pml_model *m = NULL;
        enum { B = 6 };
        PML_ASSERT_OK(pml_model_create_shaped(dev, PML_F32, 3,
                                              (int64_t[]){models[k].c, models[k].h, models[k].w},
                                              B, &m));
        PML_ASSERT_OK(pml_model_add_spec(m, models[k].spec, PML_INIT_HE, 0.0f, 7));
        const int64_t f = pml_model_in_features(m);
        float *xs = malloc((size_t)(B * f) * sizeof *xs);
        for (int64_t i = 0; i < B * f; ++i) xs[i] = pml_rng_normal(3, k, (uint64_t)i);
        pml_tensor *x = pml_test_tensor(dev, PML_F32, 2, (int64_t[]){B, f}, xs);
        /* batch statistics move the running ones; the biases and scales leave their start */
        const pml_tensor *y = NULL;
        for (int t = 0; t < 3; ++t) {
            PML_ASSERT_OK(pml_model_set_training(m, 1, 1, (uint64_t)t));
            PML_ASSERT_OK(pml_model_forward(m, x, B, &y));
        }
        for (int t = 0; t < pml_model_num_param_tensors(m); ++t) {
            pml_tensor *p = NULL;
            const char *name = NULL;
            PML_ASSERT_OK(pml_model_param_tensor(m, t, &name, &p, NULL));
            if (strstr(name, "bias") || pml_tensor_ndim(p) == 1)
                PML_ASSERT_OK(pml_rand_normal(p, 5, (uint64_t)t, 0, 0.5f, 0.2f));
        }
        PML_ASSERT_OK(pml_model_set_training(m, 0, 0, 0));
        PML_ASSERT_OK(pml_model_forward(m, x, B, &y));
        pml_tensor *yv = NULL;
        PML_ASSERT_OK(pml_tensor_view((pml_tensor *)y, 0, 2,
                                      (int64_t[]){B, pml_model_out_features(m)}, &yv));
        char mp[256], xp[256], yp[256];
        snprintf(mp, sizeof mp, "%s", pml_test_tmppath("m.safetensors"));
        snprintf(xp, sizeof xp, "%s", pml_test_tmppath("x.npy"));
        snprintf(yp, sizeof yp, "%s", pml_test_tmppath("y.npy"));
        PML_ASSERT_OK(pml_model_save(m, mp, NULL));
        PML_ASSERT_OK(pml_npy_write(xp, x));
        PML_ASSERT_OK(pml_npy_write(yp, yv));
        const char *args[] = {"check", "--model", mp, "--input", xp, "--output", yp,
                              "--atol", "1e-5", "--rtol", "1e-4", NULL};
        cr_expect_eq(peer(args), 0, "%s: PyTorch gives other outputs", models[k].spec);
        pml_tensor_destroy(yv);
        pml_tensor_destroy(x);
        free(xs);
        pml_model_destroy(m);
    }
    pml_device_close(dev);
}

Test(conv_torch, pytorch_models_load_into_physml_with_the_same_outputs, .timeout = 240)
{
    need_torch();
    pml_device *dev = pml_test_open_cpu();
    for (size_t k = 0; k < sizeof models / sizeof models[0]; ++k) {
        char mp[256], xp[256], yp[256], shape[64];
        snprintf(mp, sizeof mp, "%s", pml_test_tmppath("t.safetensors"));
        snprintf(xp, sizeof xp, "%s", pml_test_tmppath("tx.npy"));
        snprintf(yp, sizeof yp, "%s", pml_test_tmppath("ty.npy"));
        snprintf(shape, sizeof shape, "%lldx%lldx%lld", (long long)models[k].c,
                 (long long)models[k].h, (long long)models[k].w);
        const char *args[] = {"export", "--spec", models[k].spec, "--in-shape", shape, "--seed",
                              "11", "--model", mp, "--input", xp, "--output", yp, "--batch", "5",
                              NULL};
        cr_assert_eq(peer(args), 0, "%s: export failed", models[k].spec);
        pml_model *m = NULL;
        PML_ASSERT_OK(pml_model_load(dev, mp, 5, &m));
        cr_expect_str_eq(pml_model_spec(m), models[k].spec);
        pml_tensor *x = NULL, *want = NULL;
        PML_ASSERT_OK(pml_npy_read(dev, xp, &x));
        PML_ASSERT_OK(pml_npy_read(dev, yp, &want));
        const pml_tensor *y = NULL;
        PML_ASSERT_OK(pml_model_forward(m, x, 5, &y));
        const int64_t n = pml_tensor_numel(want);
        float *got = malloc((size_t)n * sizeof *got);
        pml_tensor *yv = NULL;
        PML_ASSERT_OK(pml_tensor_view((pml_tensor *)y, 0, 1, &n, &yv));
        PML_ASSERT_OK(pml_tensor_download(yv, got, (size_t)n * sizeof *got));
        cr_expect(pml_test_close_f32(models[k].spec, got, pml_tensor_data(want), (size_t)n,
                                     PML_TOL_LAYER_F32),
                  "%s: physml gives other outputs than PyTorch", models[k].spec);
        free(got);
        pml_tensor_destroy(yv);
        pml_tensor_destroy(x);
        pml_tensor_destroy(want);
        pml_model_destroy(m);
    }
    pml_device_close(dev);
}
