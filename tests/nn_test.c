/* Optimisers against hand-computed steps, schedules, enum names, spec strings, model
 * bookkeeping, NaN detection, determinism, and a short real training run on a Fashion-MNIST
 * subset. */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <float.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cpu/cpu.h"
#include "pml_test.h"

static pml_tensor *vec(pml_device *dev, const float *v, int64_t n)
{
    return pml_test_tensor(dev, PML_F32, 1, &n, v);
}

static void get(pml_tensor *t, float *out) { PML_ASSERT_OK(pml_tensor_download(t, out, pml_tensor_nbytes(t))); }

/* ---- optimisers, by hand ---- */
Test(nn_optim, sgd_weight_decay)
{
    pml_device *dev = pml_test_open_cpu();
    float w0[2] = {1.0f, -2.0f}, g0[2] = {0.5f, 0.25f}, w[2];
    pml_tensor *w_t = vec(dev, w0, 2), *g_t = vec(dev, g0, 2);
    pml_optim_config c = pml_optim_defaults(PML_OPTIM_SGD);
    c.lr = 0.1;
    c.weight_decay = 0.01;
    pml_optimizer *o = NULL;
    PML_ASSERT_OK(pml_optimizer_create(dev, &c, &o));
    PML_ASSERT_OK(pml_optimizer_step(o, 1, &w_t, &g_t));
    get(w_t, w);
    /* w - lr (g + wd w) */
    cr_expect_float_eq(w[0], 1.0f - 0.1f * (0.5f + 0.01f * 1.0f), 1e-7);
    cr_expect_float_eq(w[1], -2.0f - 0.1f * (0.25f - 0.02f), 1e-7);
    cr_expect_eq(pml_optimizer_steps(o), 1);
    pml_optimizer_destroy(o);
    pml_tensor_destroy(w_t);
    pml_tensor_destroy(g_t);
    pml_device_close(dev);
}

static void momentum_case(int nesterov)
{
    pml_device *dev = pml_test_open_cpu();
    float w0[1] = {1.0f}, g0[1] = {1.0f}, w[1];
    pml_tensor *w_t = vec(dev, w0, 1), *g_t = vec(dev, g0, 1);
    pml_optim_config c = pml_optim_defaults(PML_OPTIM_MOMENTUM);
    c.lr = 0.1;
    c.momentum = 0.5;
    c.nesterov = nesterov;
    pml_optimizer *o = NULL;
    PML_ASSERT_OK(pml_optimizer_create(dev, &c, &o));
    /* constant gradient 1: v1 = 1, v2 = 1.5; plain: w1 = 0.9, w2 = 0.75;
     * Nesterov: w -= lr (g + mu v): w1 = 1 - 0.1 * 1.5 = 0.85, w2 = 0.85 - 0.1 * 1.75 = 0.675 */
    PML_ASSERT_OK(pml_optimizer_step(o, 1, &w_t, &g_t));
    get(w_t, w);
    cr_expect_float_eq(w[0], nesterov ? 0.85f : 0.9f, 1e-6);
    PML_ASSERT_OK(pml_optimizer_step(o, 1, &w_t, &g_t));
    get(w_t, w);
    cr_expect_float_eq(w[0], nesterov ? 0.675f : 0.75f, 1e-6);
    pml_optimizer_destroy(o);
    pml_tensor_destroy(w_t);
    pml_tensor_destroy(g_t);
    pml_device_close(dev);
}
Test(nn_optim, momentum) { momentum_case(0); }
Test(nn_optim, nesterov) { momentum_case(1); }

Test(nn_optim, adam_two_steps)
{
    pml_device *dev = pml_test_open_cpu();
    float w0[2] = {1.0f, 0.0f}, g1[2] = {0.2f, -4.0f}, g2[2] = {0.1f, 2.0f}, w[2];
    pml_tensor *w_t = vec(dev, w0, 2), *g_t = vec(dev, g1, 2);
    pml_optim_config c = pml_optim_defaults(PML_OPTIM_ADAM);
    c.lr = 0.01;
    pml_optimizer *o = NULL;
    PML_ASSERT_OK(pml_optimizer_create(dev, &c, &o));
    PML_ASSERT_OK(pml_optimizer_step(o, 1, &w_t, &g_t));
    get(w_t, w);
    /* step 1: m^ = g, v^ = g^2, so the step is lr sign(g) (up to eps) */
    cr_expect_float_eq(w[0], 1.0f - 0.01f, 1e-6);
    cr_expect_float_eq(w[1], 0.0f + 0.01f, 1e-6);
    PML_ASSERT_OK(pml_tensor_upload(g_t, g2, sizeof g2));
    PML_ASSERT_OK(pml_optimizer_step(o, 1, &w_t, &g_t));
    get(w_t, w);
    for (int i = 0; i < 2; ++i) {
        double m = 0.9 * 0.1 * g1[i] + 0.1 * g2[i];
        double v = 0.999 * 0.001 * g1[i] * g1[i] + 0.001 * g2[i] * g2[i];
        double mh = m / (1 - 0.81), vh = v / (1 - 0.999 * 0.999);
        double ref = (i == 0 ? 0.99 : 0.01) - 0.01 * mh / (sqrt(vh) + 1e-8);
        cr_expect(fabs(w[i] - ref) < 2e-6, "adam w[%d] = %.8f, want %.8f", i, w[i], ref);
    }
    pml_optimizer_destroy(o);
    pml_tensor_destroy(w_t);
    pml_tensor_destroy(g_t);
    pml_device_close(dev);
}

Test(nn_optim, bad_config_and_changed_params)
{
    pml_device *dev = pml_test_open_cpu();
    pml_optim_config c = pml_optim_defaults(PML_OPTIM_MOMENTUM);
    pml_optimizer *o = NULL;
    c.momentum = 1.5;
    cr_expect_eq(pml_optimizer_create(dev, &c, &o), PML_ERR_INVALID_ARGUMENT);
    c = pml_optim_defaults(PML_OPTIM_SGD);
    c.lr = NAN;
    cr_expect_eq(pml_optimizer_create(dev, &c, &o), PML_ERR_INVALID_ARGUMENT);
    c.lr = 0.1;
    PML_ASSERT_OK(pml_optimizer_create(dev, &c, &o));
    float a[2] = {0}, b[2] = {0};
    pml_tensor *t1 = vec(dev, a, 2), *t2 = vec(dev, b, 2);
    pml_tensor *ps[2] = {t1, t2};
    PML_ASSERT_OK(pml_optimizer_step(o, 1, ps, ps + 1));
    cr_expect_eq(pml_optimizer_step(o, 2, ps, ps), PML_ERR_INVALID_ARGUMENT);
    pml_optimizer_destroy(o);
    pml_tensor_destroy(t1);
    pml_tensor_destroy(t2);
    pml_device_close(dev);
}

/* One step over many tensors (more than one kernel list, F32 and F64 runs) is, bit for bit,
 * the same as stepping each tensor on its own. Two tensors are large, so the list (over the
 * kernel's PAR_MIN of 256K elements) is stepped by a team of three threads, in 64K chunks
 * whose last one is partial, where each tensor on its own is stepped by one. */
static void many_tensors_case(pml_optim_kind kind, int nesterov)
{
    enum { NT = 40, STEPS = 3 };
    pml_device *dev = pml_test_open_cpu();
    pml_optim_config c = pml_optim_defaults(kind);
    c.weight_decay = 0.01;
    c.nesterov = nesterov;
    pml_optimizer *all = NULL, *one[NT];
    PML_ASSERT_OK(pml_optimizer_create(dev, &c, &all));
    pml_tensor *wa[NT], *wb[NT], *g[NT];
    uint32_t x = 12345;
    for (int k = 0; k < NT; ++k) {
        pml_dtype dt = k % 3 == 0 ? PML_F64 : PML_F32;
        int64_t n = k == 5 ? 200003 : k == 16 ? 70001 : 1 + (k * 37) % 101;
        PML_ASSERT_OK(pml_tensor_create(dev, dt, 1, &n, &wa[k]));
        PML_ASSERT_OK(pml_tensor_create(dev, dt, 1, &n, &wb[k]));
        PML_ASSERT_OK(pml_tensor_create(dev, dt, 1, &n, &g[k]));
        for (int64_t i = 0; i < n; ++i) {
            x = x * 1664525u + 1013904223u;
            double w = (double)(x >> 8) / (1 << 24) - 0.5;
            if (dt == PML_F64) ((double *)wa[k]->data)[i] = ((double *)wb[k]->data)[i] = w;
            else ((float *)wa[k]->data)[i] = ((float *)wb[k]->data)[i] = (float)w;
        }
        PML_ASSERT_OK(pml_optimizer_create(dev, &c, &one[k]));
    }
    for (int s = 0; s < STEPS; ++s) {
        for (int k = 0; k < NT; ++k)
            for (int64_t i = 0; i < g[k]->numel; ++i) {
                x = x * 1664525u + 1013904223u;
                double v = ((double)(x >> 8) / (1 << 24) - 0.5) * 0.1;
                if (g[k]->dtype == PML_F64) ((double *)g[k]->data)[i] = v;
                else ((float *)g[k]->data)[i] = (float)v;
            }
#ifdef _OPENMP
        const int saved = omp_get_max_threads();
        omp_set_num_threads(3);
#endif
        PML_ASSERT_OK(pml_optimizer_step(all, NT, wa, g));
#ifdef _OPENMP
        omp_set_num_threads(saved);
#endif
        for (int k = 0; k < NT; ++k) PML_ASSERT_OK(pml_optimizer_step(one[k], 1, &wb[k], &g[k]));
    }
    for (int k = 0; k < NT; ++k) {
        cr_expect(memcmp(wa[k]->data, wb[k]->data, pml_tensor_nbytes(wa[k])) == 0,
                  "%s: tensor %d differs between the list step and its own step",
                  pml_optim_name(kind), k);
        pml_optimizer_destroy(one[k]);
        pml_tensor_destroy(wa[k]);
        pml_tensor_destroy(wb[k]);
        pml_tensor_destroy(g[k]);
    }
    pml_optimizer_destroy(all);
    pml_device_close(dev);
}
Test(nn_optim, many_tensors_sgd) { many_tensors_case(PML_OPTIM_SGD, 0); }
Test(nn_optim, many_tensors_momentum) { many_tensors_case(PML_OPTIM_MOMENTUM, 0); }
Test(nn_optim, many_tensors_nesterov) { many_tensors_case(PML_OPTIM_MOMENTUM, 1); }
Test(nn_optim, many_tensors_adam) { many_tensors_case(PML_OPTIM_ADAM, 0); }

/* The kernels' contract: a state value that would be subnormal is stored as 0 (they decay
 * without gradient, and every subnormal operand costs x86 a microcode assist); normal ones
 * are untouched. */
Test(nn_optim, subnormal_state_flushed)
{
    pml_device *dev = pml_test_open_cpu();
    float w[4] = {1, 1, 1, 1}, g[4] = {0, 0, 0, 0};
    float m[4] = {2e-38f, -2e-38f, 1e-3f, 0.0f}, v[4] = {2e-38f, 1e-3f, 2e-38f, 0.0f};
    pml_optim_list l = {.count = 1, .n = {4}, .w = {w}, .g = {g}, .s1 = {m}, .s2 = {v}};
    pml_optim_hyper h = {.lr = 1e-3, .b1 = 0.5, .b2 = 0.5, .eps = 1e-8};
    pml_optim_args a = {PML_F32, &l, &h, NULL};
    PML_ASSERT_OK(pml_cpu_adam(dev, &a));
    const float m_want[4] = {0, 0, 5e-4f, 0}, v_want[4] = {0, 5e-4f, 0, 0};
    for (int i = 0; i < 4; ++i) {
        cr_expect(m[i] == m_want[i] && v[i] == v_want[i], "adam element %d: m %g v %g", i,
                  (double)m[i], (double)v[i]);
        cr_expect(fpclassify(w[i]) == FP_NORMAL);
    }
    double wd_[2] = {1, 1}, gd[2] = {0, 0}, vd[2] = {3 * DBL_MIN, -3 * DBL_MIN};
    l = (pml_optim_list){.count = 1, .n = {2}, .w = {wd_}, .g = {gd}, .s1 = {vd}};
    h = (pml_optim_hyper){.lr = 0.1, .mu = 0.25};
    a.dtype = PML_F64;
    PML_ASSERT_OK(pml_cpu_sgd(dev, &a));
    cr_expect(vd[0] == 0.0 && vd[1] == 0.0, "momentum: v %g %g", vd[0], vd[1]);
    vd[0] = 8 * DBL_MIN;
    PML_ASSERT_OK(pml_cpu_sgd(dev, &a));
    cr_expect(vd[0] == 2 * DBL_MIN, "momentum keeps a normal velocity: %g", vd[0]);
    pml_device_close(dev);
}

/* ---- schedules ---- */
Test(nn_schedule, functions_of_the_epoch)
{
    pml_schedule s;
    PML_ASSERT_OK(pml_schedule_parse("constant", 0.1, &s));
    cr_expect_float_eq(pml_schedule_lr(&s, 7), 0.1, 1e-15);
    PML_ASSERT_OK(pml_schedule_parse("step:3:0.5", 0.1, &s));
    cr_expect_float_eq(pml_schedule_lr(&s, 2), 0.1, 1e-15);
    cr_expect_float_eq(pml_schedule_lr(&s, 3), 0.05, 1e-15);
    cr_expect_float_eq(pml_schedule_lr(&s, 7), 0.025, 1e-15);
    PML_ASSERT_OK(pml_schedule_parse("exp:0.9", 1.0, &s));
    cr_expect_float_eq(pml_schedule_lr(&s, 2), 0.81, 1e-15);
    PML_ASSERT_OK(pml_schedule_parse("cosine:10:0.001", 0.1, &s));
    cr_expect_float_eq(pml_schedule_lr(&s, 0), 0.1, 1e-15);
    cr_expect_float_eq(pml_schedule_lr(&s, 5), 0.001 + 0.099 * 0.5, 1e-12);
    cr_expect_float_eq(pml_schedule_lr(&s, 10), 0.001, 1e-15);
    cr_expect_float_eq(pml_schedule_lr(&s, 20), 0.001, 1e-15);
}

Test(nn_schedule, plateau)
{
    pml_schedule s;
    PML_ASSERT_OK(pml_schedule_parse("plateau:2:0.5", 0.1, &s));
    /* metric sequence and the rate after each observation (patience 2, factor 0.5) */
    const double metric[] = {1.0, 0.9, 0.95, 0.9, 0.92, 0.5, 0.6, 0.6, 0.6};
    const double want[] = {0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025};
    for (int i = 0; i < 9; ++i) {
        double lr = pml_schedule_observe(&s, metric[i]);
        cr_expect(fabs(lr - want[i]) < 1e-15, "after %d observations lr %g, want %g", i + 1, lr,
                  want[i]);
    }
    double lr = pml_schedule_lr(&s, 99);
    cr_expect(fabs(lr - 0.025) < 1e-15);
}

Test(nn_schedule, parse_errors)
{
    pml_schedule s;
    const char *bad[] = {"", "linear", "step", "step:0:0.5", "step:2", "exp:1.5", "exp:x",
                         "cosine:0", "plateau:2:1.5", "constant:1", "cosine:5:1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i)
        cr_expect_eq(pml_schedule_parse(bad[i], 0.1, &s), PML_ERR_INVALID_ARGUMENT,
                     "'%s' should be rejected", bad[i]);
}

/* ---- enum names: one table each way ---- */
Test(nn_names, parse_is_the_inverse_of_name)
{
    PML_EXPECT_NAMES_ROUND_TRIP(pml_activation, pml_activation_name, pml_activation_parse,
                                PML_ACT_SOFTMAX, PML_ACT_TANH);
    PML_EXPECT_NAMES_ROUND_TRIP(pml_loss_kind, pml_loss_name, pml_loss_parse, PML_LOSS_BCE_LOGITS,
                                PML_LOSS_MSE_HALF);
    PML_EXPECT_NAMES_ROUND_TRIP(pml_optim_kind, pml_optim_name, pml_optim_parse, PML_OPTIM_ADAM,
                                PML_OPTIM_MOMENTUM);
    /* the spec parser lists the same names */
    pml_device *dev = pml_test_open_cpu();
    pml_model *m = NULL;
    cr_expect_eq(pml_model_from_spec(dev, "dense:4,gelu", 6, 2, PML_INIT_HE, 0, 1, &m),
                 PML_ERR_INVALID_ARGUMENT);
    cr_expect(strstr(pml_last_error(), "item 2: unknown layer 'gelu'") != NULL, "%s",
              pml_last_error());
    for (int v = PML_ACT_IDENTITY; v <= PML_ACT_SOFTMAX; ++v)
        cr_expect(strstr(pml_last_error(), pml_activation_name((pml_activation)v)) != NULL,
                  "%s lacks %s", pml_last_error(), pml_activation_name((pml_activation)v));
    pml_device_close(dev);
}

/* ---- spec strings and bookkeeping ---- */
Test(nn_model, spec_and_summary)
{
    pml_device *dev = pml_test_open_cpu();
    pml_model *m = pml_test_model(dev, "dense:100, relu,dense:10", 784, 64, PML_INIT_HE, 1);
    cr_expect_eq(pml_model_param_count(m), 784 * 100 + 100 + 100 * 10 + 10);
    cr_expect_eq(pml_model_num_layers(m), 2);
    cr_expect_eq(pml_model_out_features(m), 10);
    cr_expect_str_eq(pml_model_spec(m), "dense:100,relu,dense:10");
    const char *names[4] = {"0.weight", "0.bias", "2.weight", "2.bias"};
    cr_assert_eq(pml_model_num_param_tensors(m), 4);
    for (int i = 0; i < 4; ++i) {
        const char *n = NULL;
        pml_tensor *p = NULL;
        PML_ASSERT_OK(pml_model_param_tensor(m, i, &n, &p, NULL));
        cr_expect_str_eq(n, names[i]);
    }
    pml_tensor *w = pml_layer_param(pml_model_layer(m, 0), 0);
    cr_expect_eq(pml_tensor_dim(w, 0), 100, "weight is out x in like nn.Linear");
    cr_expect_eq(pml_tensor_dim(w, 1), 784);
    int64_t dims[3];
    cr_expect_eq(pml_layer_out_shape(pml_model_layer(m, 0), dims), 1);
    cr_expect_eq(dims[0], 100);
    cr_expect_eq(pml_layer_activation(pml_model_layer(m, 0)), PML_ACT_RELU);
    cr_expect_str_eq(pml_layer_kind(pml_model_layer(m, 1)), "dense");
    char buf[1024];
    pml_model_summary(m, buf, sizeof buf);
    cr_expect(strstr(buf, "total parameters: 79510") != NULL, "%s", buf);
    cr_expect(strstr(buf, "dense 784 -> 100, relu") != NULL, "%s", buf);
    pml_model_destroy(m);
    pml_device_close(dev);
}

Test(nn_model, spec_errors)
{
    pml_device *dev = pml_test_open_cpu();
    const char *bad[] = {"", "dense", "dense:", "dense:0", "dense:-3", "dense:10x", "dense:10:bias",
                         "relu:2", "leaky_relu:2", "conv:3", "dense:10,,relu", "dense:10,",
                         /* slopes that are in (0, 1) as doubles but round to 0 or 1 as floats */
                         "leaky_relu:1e-50", "leaky_relu:0.999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        pml_model *m = (pml_model *)0x1;
        cr_expect_eq(pml_model_from_spec(dev, bad[i], 784, 8, PML_INIT_HE, 0, 1, &m),
                     PML_ERR_INVALID_ARGUMENT, "'%s' should be rejected", bad[i]);
        cr_expect_null(m);
        cr_expect(strlen(pml_last_error()) > 0);
    }
    pml_model *m = pml_test_model(dev, "dense:8:nobias,leaky_relu:0.2,dense:3,softmax", 5, 8,
                                  PML_INIT_XAVIER, 1);
    cr_expect_eq(pml_model_param_count(m), 5 * 8 + 8 * 3 + 3);
    cr_expect_eq(pml_model_add_activation(m, PML_ACT_LEAKY_RELU, 1.0f), PML_ERR_INVALID_ARGUMENT);
    pml_model_destroy(m);
    pml_device_close(dev);
}

/* The spec a model writes parses back to the same model: slopes and rates are written with
 * as many digits as they need (found by fuzz_spec: "leaky_relu:1e-50" became "leaky_relu:0"). */
Test(nn_model, spec_round_trip_exact)
{
    pml_device *dev = pml_test_open_cpu();
    const char *specs[] = {"dense:4,leaky_relu:0.123456789,dense:2",
                           "dense:4,leaky_relu:1e-30,dropout:0.9999999999999999,dense:2",
                           "dense:4,leaky_relu:0.99999994,dropout:0.1,dense:2"};
    const char *want[] = {"dense:4,leaky_relu:0.12345679,dense:2",
                          "dense:4,leaky_relu:1e-30,dropout:0.9999999999999999,dense:2",
                          "dense:4,leaky_relu:0.99999994,dropout:0.1,dense:2"};
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; ++i) {
        pml_model *m = pml_test_model(dev, specs[i], 3, 4, PML_INIT_HE, 1);
        cr_expect_str_eq(pml_model_spec(m), want[i]);
        pml_model *m2 = pml_test_model(dev, pml_model_spec(m), 3, 4, PML_INIT_HE, 1);
        cr_expect_str_eq(pml_model_spec(m2), pml_model_spec(m));
        pml_model_destroy(m2);
        pml_model_destroy(m);
    }
    pml_device_close(dev);
}

Test(nn_model, init_statistics)
{
    /* He: std sqrt(2/in); checked within 5 standard errors of the sample std */
    pml_device *dev = pml_test_open_cpu();
    pml_model *m = pml_test_model(dev, "dense:200", 400, 1, PML_INIT_HE, 7);
    const float *w = pml_tensor_data(pml_layer_param(pml_model_layer(m, 0), 0));
    size_t n = 400 * 200;
    double s2 = 0, s1 = 0;
    for (size_t i = 0; i < n; ++i) {
        s1 += w[i];
        s2 += (double)w[i] * w[i];
    }
    double var = s2 / (double)n, want = 2.0 / 400;
    double se = want * sqrt(2.0 / (double)n); /* std error of a normal sample variance */
    cr_expect(fabs(var - want) < 5 * se, "variance %g, want %g +- %g", var, want, se);
    cr_expect(fabs(s1 / (double)n) < 5 * sqrt(want / (double)n));
    pml_model_destroy(m);
    pml_device_close(dev);
}

Test(nn_model, shape_checks)
{
    pml_device *dev = pml_test_open_cpu();
    pml_model *m = pml_test_model(dev, "dense:4", 3, 2, PML_INIT_HE, 1);
    int64_t s[2] = {2, 5};
    pml_tensor *x = pml_test_tensor(dev, PML_F32, 2, s, NULL);
    const pml_tensor *y = NULL;
    cr_expect_eq(pml_model_forward(m, x, 2, &y), PML_ERR_INVALID_ARGUMENT); /* 5 != 3 cols */
    pml_tensor_destroy(x);
    s[1] = 3;
    x = pml_test_tensor(dev, PML_F32, 2, s, NULL);
    PML_ASSERT_OK(pml_tensor_zero(x));
    cr_expect_eq(pml_model_forward(m, x, 3, &y), PML_ERR_INVALID_ARGUMENT); /* > max_batch */
    cr_expect_eq(pml_model_backward(m, x, 2), PML_ERR_INVALID_ARGUMENT);  /* no forward yet */
    PML_ASSERT_OK(pml_model_forward(m, x, 2, &y));
    pml_tensor_destroy(x);
    pml_model_destroy(m);
    pml_device_close(dev);
}

/* ---- save / load ---- */
Test(nn_model, safetensors_round_trip)
{
    pml_device *dev = pml_test_open_cpu();
    pml_model *m = pml_test_model(dev, "dense:7,leaky_relu:0.2,dense:3:nobias,softmax", 5, 4,
                                  PML_INIT_XAVIER, 9), *back = NULL;
    float *b = pml_tensor_data(pml_layer_param(pml_model_layer(m, 0), 1));
    for (int i = 0; i < 7; ++i) b[i] = 0.1f * (float)i;
    char path[] = "/tmp/pml_nn_test_XXXXXX.safetensors";
    int fd = mkstemps(path, 12);
    cr_assert(fd >= 0);
    close(fd);
    const char *meta[] = {"physml_loss", "mse", NULL};
    PML_ASSERT_OK(pml_model_save(m, path, meta));
    PML_ASSERT_OK(pml_model_load(dev, path, 2, &back));
    cr_expect_str_eq(pml_model_spec(back), pml_model_spec(m));
    cr_assert_eq(pml_model_num_param_tensors(back), 3);
    for (int i = 0; i < 3; ++i) {
        pml_tensor *p = NULL, *q = NULL;
        const char *n1 = NULL;
        PML_ASSERT_OK(pml_model_param_tensor(m, i, &n1, &p, NULL));
        PML_ASSERT_OK(pml_model_param_tensor(back, i, NULL, &q, NULL));
        cr_expect(pml_test_equal_bytes(n1, pml_tensor_data(q), pml_tensor_data(p),
                                       (size_t)pml_tensor_numel(p), 4));
    }
    /* names and shapes as nn.Sequential(nn.Linear, nn.LeakyReLU, nn.Linear, nn.Softmax) */
    pml_safetensors st;
    memset(&st, 0, sizeof st);
    PML_ASSERT_OK(pml_safetensors_read(dev, path, &st));
    pml_tensor *w2 = pml_safetensors_find(&st, "2.weight");
    cr_assert_not_null(w2);
    cr_expect_eq(pml_tensor_dim(w2, 0), 3);
    cr_expect_eq(pml_tensor_dim(w2, 1), 7);
    cr_expect_not_null(pml_safetensors_find(&st, "0.bias"));
    cr_expect_null(pml_safetensors_find(&st, "2.bias"));
    cr_expect_str_eq(pml_safetensors_meta(&st, "physml_loss"), "mse");
    pml_safetensors_free(&st);
    /* a file without the spec is a clear error */
    pml_named_tensor nt = {"0.weight", pml_layer_param(pml_model_layer(m, 0), 0)};
    PML_ASSERT_OK(pml_safetensors_write(path, &nt, 1, NULL));
    pml_model *bad = NULL;
    cr_expect_eq(pml_model_load(dev, path, 2, &bad), PML_ERR_BAD_FORMAT);
    cr_expect_null(bad);
    /* so is a spec the file holds that no model can have */
    const char *bad_meta[] = {"physml_spec", "dense:0", "physml_in_features", "4", NULL};
    PML_ASSERT_OK(pml_safetensors_write(path, &nt, 1, bad_meta));
    cr_expect_eq(pml_model_load(dev, path, 2, &bad), PML_ERR_BAD_FORMAT, "%s", pml_last_error());
    cr_expect(strstr(pml_last_error(), "pml_model_load") == pml_last_error(), "%s",
              pml_last_error());
    cr_expect_null(bad);
    /* a spec of 2^31 parameters beside one small tensor: refused from the metadata, before
     * 8 GB are allocated (found by the model_load fuzz target) */
    const char *huge_meta[] = {"physml_spec", "dense:100000,relu,dense:10", "physml_in_features",
                               "20000", NULL};
    PML_ASSERT_OK(pml_safetensors_write(path, &nt, 1, huge_meta));
    cr_expect_eq(pml_model_load(dev, path, 2, &bad), PML_ERR_BAD_FORMAT, "%s", pml_last_error());
    cr_expect(strstr(pml_last_error(), "2000100000 parameters") != NULL &&
                  strstr(pml_last_error(), path) != NULL,
              "%s", pml_last_error());
    cr_expect_null(bad);
    remove(path);
    pml_model_destroy(back);
    pml_model_destroy(m);
    pml_device_close(dev);
}
