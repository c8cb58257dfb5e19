/* Neural-network kernels on CUDA against the CPU reference: every activation's dense layer
 * forward and backward, each loss with its gradient, the optimiser steps, and a 100-step
 * training run whose loss curves must agree. Without a GPU the CUDA cases skip; the CPU
 * cases (FP32 kernels against the FP64 ones) always run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "ops/nn_ops.h"
#include "ops/optim_ops.h"
#include "pml_test.h"

#define BATCH 33
#define IN 40
#define OUT 12

static const pml_activation acts[] = {PML_ACT_IDENTITY, PML_ACT_RELU, PML_ACT_LEAKY_RELU,
                                      PML_ACT_SIGMOID, PML_ACT_TANH, PML_ACT_SOFTMAX};

typedef struct run {
    float y[BATCH * OUT], dx[BATCH * IN], dw[OUT * IN], db[OUT];
    double loss;
} run;

/* dense(IN -> OUT, act) + MSE against targets on dev (dtype F32 or F64); the parameters
 * come from `init` (a CPU F32 model) so both devices start identical. */
static void layer_run(pml_device *dev, pml_dtype dtype, pml_activation act, run *r)
{
    pml_device *cpu = pml_test_open_cpu();
    pml_model *ref = NULL, *m = NULL;
    PML_ASSERT_OK(pml_model_create(cpu, PML_F32, IN, BATCH, &ref));
    PML_ASSERT_OK(pml_model_add_dense(ref, OUT, NULL, 5));
    PML_ASSERT_OK(pml_model_add_activation(ref, act, 0.1f));
    float *b = pml_tensor_data(pml_layer_param(pml_model_layer(ref, 0), 1));
    for (int i = 0; i < OUT; ++i) b[i] = 0.05f * (float)(i - OUT / 2);
    PML_ASSERT_OK(pml_model_create(dev, dtype, IN, BATCH, &m));
    PML_ASSERT_OK(pml_model_add_dense(m, OUT, NULL, 5));
    PML_ASSERT_OK(pml_model_add_activation(m, act, 0.1f));
    PML_ASSERT_OK(pml_model_keep_input_grad(m, 1));
    /* copy through host floats (dtypes may differ) */
    for (int p = 0; p < 2; ++p) {
        pml_tensor *src = pml_layer_param(pml_model_layer(ref, 0), p);
        pml_tensor *dst = pml_layer_param(pml_model_layer(m, 0), p);
        int64_t n = pml_tensor_numel(src);
        const float *f = pml_tensor_data(src);
        if (dtype == PML_F32) {
            PML_ASSERT_OK(pml_tensor_upload(dst, f, (size_t)n * 4));
        } else {
            double *d = malloc((size_t)n * 8);
            for (int64_t i = 0; i < n; ++i) d[i] = f[i];
            PML_ASSERT_OK(pml_tensor_upload(dst, d, (size_t)n * 8));
            free(d);
        }
    }
    size_t es = dtype == PML_F32 ? 4 : 8;
    void *xh = malloc(BATCH * IN * es), *th = malloc(BATCH * OUT * es);
    for (int i = 0; i < BATCH * IN; ++i) {
        float v = pml_rng_normal(3, 0, (uint64_t)i);
        if (dtype == PML_F32) ((float *)xh)[i] = v;
        else ((double *)xh)[i] = v;
    }
    for (int i = 0; i < BATCH * OUT; ++i) {
        float v = pml_rng_uniform(3, 1, (uint64_t)i);
        if (dtype == PML_F32) ((float *)th)[i] = v;
        else ((double *)th)[i] = v;
    }
    int64_t xs[2] = {BATCH, IN}, ts[2] = {BATCH, OUT};
    pml_tensor *x = pml_test_tensor(dev, dtype, 2, xs, xh), *t = pml_test_tensor(dev, dtype, 2, ts, th);
    pml_tensor *dy = pml_test_tensor(dev, dtype, 2, ts, NULL);
    const pml_tensor *y = NULL;
    PML_ASSERT_OK(pml_model_forward(m, x, BATCH, &y));
    PML_ASSERT_OK(pml_loss_compute(PML_LOSS_MSE, PML_REDUCE_MEAN, y, NULL, t, BATCH, &r->loss, dy, NULL));
    PML_ASSERT_OK(pml_model_backward(m, dy, BATCH));
    const pml_tensor *outs[4] = {y, pml_model_input_grad(m), pml_layer_grad(pml_model_layer(m, 0), 0),
                                 pml_layer_grad(pml_model_layer(m, 0), 1)};
    float *dst[4] = {r->y, r->dx, r->dw, r->db};
    size_t cnt[4] = {BATCH * OUT, BATCH * IN, OUT * IN, OUT};
    for (int k = 0; k < 4; ++k) {
        void *h = malloc(pml_tensor_nbytes(outs[k]));
        PML_ASSERT_OK(pml_tensor_download(outs[k], h, pml_tensor_nbytes(outs[k])));
        for (size_t i = 0; i < cnt[k]; ++i)
            dst[k][i] = dtype == PML_F32 ? ((float *)h)[i] : (float)((double *)h)[i];
        free(h);
    }
    free(xh);
    free(th);
    pml_tensor_destroy(x);
    pml_tensor_destroy(t);
    pml_tensor_destroy(dy);
    pml_model_destroy(m);
    pml_model_destroy(ref);
    pml_device_close(cpu);
}

static void compare(const char *tag, pml_activation act, const run *got, const run *ref)
{
    char w[96];
    snprintf(w, sizeof w, "%s %s forward", tag, pml_activation_name(act));
    cr_expect(pml_test_close_f32(w, got->y, ref->y, BATCH * OUT, PML_TOL_LAYER_F32), "%s", w);
    snprintf(w, sizeof w, "%s %s dL/dx", tag, pml_activation_name(act));
    cr_expect(pml_test_close_f32(w, got->dx, ref->dx, BATCH * IN, PML_TOL_LAYER_GRAD_F32), "%s", w);
    snprintf(w, sizeof w, "%s %s dL/dW", tag, pml_activation_name(act));
    cr_expect(pml_test_close_f32(w, got->dw, ref->dw, OUT * IN, PML_TOL_LAYER_GRAD_F32), "%s", w);
    snprintf(w, sizeof w, "%s %s dL/db", tag, pml_activation_name(act));
    cr_expect(pml_test_close_f32(w, got->db, ref->db, OUT, PML_TOL_LAYER_GRAD_F32), "%s", w);
    cr_expect(fabs(got->loss - ref->loss) <= 1e-6 * (1 + fabs(ref->loss)), "%s loss %.9g vs %.9g",
              tag, got->loss, ref->loss);
}

/* CPU: the FP32 kernels against the FP64 ones (always runs). */
Test(parity_nn, cpu_f32_against_f64)
{
    pml_device *cpu = pml_test_open_cpu();
    for (size_t a = 0; a < sizeof acts / sizeof acts[0]; ++a) {
        run *f = calloc(1, sizeof *f), *d = calloc(1, sizeof *d);
        layer_run(cpu, PML_F32, acts[a], f);
        layer_run(cpu, PML_F64, acts[a], d);
        compare("cpu f32 vs f64", acts[a], f, d);
        free(f);
        free(d);
    }
    pml_device_close(cpu);
}

Test(parity_nn, cuda_layers_against_cpu)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    for (size_t a = 0; a < sizeof acts / sizeof acts[0]; ++a) {
        for (int dt = 0; dt < 2; ++dt) {
            pml_dtype dtype = dt ? PML_F64 : PML_F32;
            run *g = calloc(1, sizeof *g), *c = calloc(1, sizeof *c);
            layer_run(gpu, dtype, acts[a], g);
            layer_run(cpu, dtype, acts[a], c);
            compare(dt ? "cuda vs cpu f64" : "cuda vs cpu f32", acts[a], g, c);
            free(g);
            free(c);
        }
    }
    pml_device_close(cpu);
    pml_device_close(gpu);
}

/* each loss with labels: value, gradient and hits */
Test(parity_nn, cuda_losses_against_cpu)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    float yh[BATCH * OUT];
    int32_t lab[BATCH];
    for (int i = 0; i < BATCH * OUT; ++i) yh[i] = pml_rng_uniform(9, 0, (uint64_t)i) * 0.98f + 0.01f;
    for (int i = 0; i < BATCH; ++i) lab[i] = (int32_t)(pml_rng_u32(9, 1, (uint64_t)i) % OUT);
    int64_t ys[2] = {BATCH, OUT}, ls[1] = {BATCH};
    const pml_loss_kind kinds[] = {PML_LOSS_MSE, PML_LOSS_MSE_HALF, PML_LOSS_SOFTMAX_XENT, PML_LOSS_BCE,
                                   PML_LOSS_BCE_LOGITS};
    for (int k = 0; k < (int)(sizeof kinds / sizeof kinds[0]); ++k) {
        float g[2][BATCH * OUT];
        double l[2];
        int64_t hits[2];
        pml_device *devs[2] = {gpu, cpu};
        for (int d = 0; d < 2; ++d) {
            pml_tensor *y = pml_test_tensor(devs[d], PML_F32, 2, ys, yh);
            pml_tensor *lt = pml_test_tensor(devs[d], PML_I32, 1, ls, lab);
            pml_tensor *dy = pml_test_tensor(devs[d], PML_F32, 2, ys, NULL);
            PML_ASSERT_OK(pml_loss_compute(kinds[k], PML_REDUCE_MEAN, y, lt, NULL, BATCH, &l[d], dy, &hits[d]));
            PML_ASSERT_OK(pml_tensor_download(dy, g[d], sizeof g[d]));
            pml_tensor_destroy(y);
            pml_tensor_destroy(lt);
            pml_tensor_destroy(dy);
        }
        char w[64];
        snprintf(w, sizeof w, "%s gradient", pml_loss_name(kinds[k]));
        cr_expect(pml_test_close_f32(w, g[0], g[1], BATCH * OUT, PML_TOL_LAYER_F32), "%s", w);
        cr_expect(fabs(l[0] - l[1]) <= 1e-6 * (1 + fabs(l[1])), "%s loss %.9g vs %.9g",
                  pml_loss_name(kinds[k]), l[0], l[1]);
        cr_expect_eq(hits[0], hits[1]);
    }
    pml_device_close(cpu);
    pml_device_close(gpu);
}

/* A class index outside [0, cols) makes the cross-entropy NaN (what training's NaN check
 * reports with its epoch and step) instead of reading past the row, on either backend. */
static void xent_bad_labels(pml_device *dev)
{
    float yv[3] = {0.5f, 1.f, -1.f};
    const int32_t bad[3] = {3, -1, 1 << 30};
    int64_t ys[2] = {1, 3}, ls[1] = {1};
    pml_tensor *y = pml_test_tensor(dev, PML_F32, 2, ys, yv);
    for (int i = 0; i < 3; ++i) {
        pml_tensor *l = pml_test_tensor(dev, PML_I32, 1, ls, &bad[i]);
        double loss = 0;
        PML_ASSERT_OK(pml_loss_compute(PML_LOSS_SOFTMAX_XENT, PML_REDUCE_MEAN, y, l, NULL, 1,
                                       &loss, NULL, NULL));
        cr_expect(isnan(loss), "%s, label %d: loss %g", pml_device_spec(dev), bad[i], loss);
        pml_tensor_destroy(l);
    }
    pml_tensor_destroy(y);
}

Test(parity_nn, xent_label_out_of_range_is_nan)
{
    pml_device *cpu = pml_test_open_cpu();
    xent_bad_labels(cpu);
    pml_device_close(cpu);
}

Test(parity_nn, cuda_xent_label_out_of_range_is_nan)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    xent_bad_labels(gpu);
    pml_device_close(gpu);
}

/* 100 steps of training (Adam, then momentum) on the same data: loss curves agree. */
static const char *const curve_specs[2] = {
    "dense:32,relu,dense:5",
    "dense:32,relu,dense:16,relu,dense:32:tied=2,relu,dense:5", /* tied weights */
};

static void curve(pml_device *dev, pml_optim_kind kind, const char *spec, double *losses)
{
    enum { N = 512 };
    uint8_t *img = malloc(N * 64), *lab = malloc(N);
    for (int i = 0; i < N; ++i) {
        lab[i] = (uint8_t)(pml_rng_u32(4, 0, (uint64_t)i) % 5);
        for (int p = 0; p < 64; ++p)
            img[i * 64 + p] = (uint8_t)((pml_rng_u32(4, 1, (uint64_t)(i * 64 + p)) % 128) +
                                        (p % 5 == lab[i] ? 127 : 0));
    }
    pml_dataset *ds = NULL;
    PML_ASSERT_OK(pml_dataset_from_host(dev, N, 8, 8, img, lab, 5, &ds));
    free(img);
    free(lab);
    pml_device *cpu = pml_test_open_cpu();
    pml_model *init = NULL, *m = NULL;
    PML_ASSERT_OK(pml_model_from_spec(cpu, spec, 64, 32, PML_INIT_HE, 0, 3, &init));
    PML_ASSERT_OK(pml_model_from_spec(dev, spec, 64, 32, PML_INIT_HE, 0, 3, &m));
    PML_ASSERT_OK(pml_model_copy_params(m, init));
    pml_optimizer *o = NULL;
    pml_optim_config oc = pml_optim_defaults(kind);
    PML_ASSERT_OK(pml_optimizer_create(dev, &oc, &o));
    pml_train_config c = pml_train_defaults();
    c.batch = 32;
    c.epochs = 100 / (N / 32) + 1; /* 16 steps per epoch: 7 epochs = 112 steps */
    c.schedule = pml_schedule_constant(kind == PML_OPTIM_ADAM ? 1e-3 : 0.01);
    pml_train_result r;
    PML_ASSERT_OK(pml_train(m, o, ds, NULL, &c, &r));
    for (int e = 0; e < r.epochs_run; ++e) losses[e] = r.history[e].train_loss;
    pml_train_result_free(&r);
    pml_optimizer_destroy(o);
    pml_model_destroy(m);
    pml_model_destroy(init);
    pml_dataset_destroy(ds);
    pml_device_close(cpu);
}

Test(parity_nn, cuda_training_curve_against_cpu)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    const pml_optim_kind kinds[2] = {PML_OPTIM_ADAM, PML_OPTIM_MOMENTUM};
    for (int k = 0; k < 4; ++k) {
        double lg[8] = {0}, lc[8] = {0};
        curve(gpu, kinds[k % 2], curve_specs[k / 2], lg);
        curve(cpu, kinds[k % 2], curve_specs[k / 2], lc);
        cr_expect(pml_test_close_f64(pml_optim_name(kinds[k % 2]), lg, lc, 7, PML_TOL_TRAINING),
                  "%s training curves of %s differ", pml_optim_name(kinds[k % 2]),
                  curve_specs[k / 2]);
    }
    pml_device_close(cpu);
    pml_device_close(gpu);
}

/* CPU: the same 100-step curve is reproducible (and falls). */
Test(parity_nn, cpu_training_curve_reproducible)
{
    pml_device *cpu = pml_test_open_cpu();
    for (int k = 0; k < 2; ++k) {
        double a[8] = {0}, b[8] = {0};
        curve(cpu, PML_OPTIM_ADAM, curve_specs[k], a);
        curve(cpu, PML_OPTIM_ADAM, curve_specs[k], b);
        cr_expect(memcmp(a, b, sizeof a) == 0, "CPU curve of %s not reproducible", curve_specs[k]);
        cr_expect(a[6] < 0.5 * a[0], "%s: loss did not fall: %g -> %g", curve_specs[k], a[0],
                  a[6]);
    }
    pml_device_close(cpu);
}

/* The optimiser kernels one by one (the training curve only reaches Adam and momentum
 * without weight decay), F32 and F64: plain SGD, momentum, Nesterov and Adam with weight
 * decay, three steps each; and argmax on rows with ties (the first maximum wins), exactly. */

static void optim_steps(pml_device *dev, pml_dtype dt, int which, const double *init,
                        double *out)
{
    const struct pml_optim_ops *ops = dev->ops->optim;
    enum { NP = 1001 };
    const int64_t shape[1] = {NP};
    pml_tensor *t[4];
    for (int i = 0; i < 4; ++i) {
        t[i] = pml_test_tensor(dev, PML_F64, 1, shape, init + i * NP);
        if (dt == PML_F32) {
            float tmp[NP];
            for (int j = 0; j < NP; ++j) tmp[j] = (float)init[i * NP + j];
            pml_tensor_destroy(t[i]);
            t[i] = pml_test_tensor(dev, PML_F32, 1, shape, tmp);
        }
    }
    void *w = pml_tensor_data(t[0]), *g = pml_tensor_data(t[1]), *m = pml_tensor_data(t[2]),
         *v = pml_tensor_data(t[3]);
    /* two tensors in one call (the first 600 and the last 401 elements), as the optimiser
     * hands its parameters to the kernels */
    const size_t es = pml_dtype_size(dt);
    pml_optim_list l = {.count = 2, .n = {600, NP - 600}};
    void *base[4] = {w, g, m, v};
    for (int k = 0; k < 2; ++k) {
        size_t off = k ? 600 * es : 0;
        l.w[k] = (char *)base[0] + off;
        l.g[k] = (const char *)base[1] + off;
        if (which == 3) {
            l.s1[k] = (char *)base[2] + off;
            l.s2[k] = (char *)base[3] + off;
        } else {
            l.s1[k] = which == 0 ? NULL : (char *)base[3] + off;
        }
    }
    for (int s = 1; s <= 3; ++s) {
        pml_optim_hyper h = {.lr = 0.1, .wd = 0.01, .mu = 0.9, .nesterov = which == 2};
        const pml_optim_args a = {dt, &l, &h, NULL};
        if (which < 3) {
            PML_ASSERT_OK(ops->sgd(dev, &a));
        } else {
            double bc1 = 1 - pow(0.9, s), bc2 = 1 - pow(0.999, s);
            h.lr = 0.01 * sqrt(bc2) / bc1;
            h.eps = 1e-8 * sqrt(bc2);
            h.b1 = 0.9;
            h.b2 = 0.999;
            PML_ASSERT_OK(ops->adam(dev, &a));
        }
    }
    for (int i = 0; i < 4; ++i) {
        if (dt == PML_F32) {
            float tmp[NP];
            PML_ASSERT_OK(pml_tensor_download(t[i], tmp, sizeof tmp));
            for (int j = 0; j < NP; ++j) out[i * NP + j] = tmp[j];
        } else {
            PML_ASSERT_OK(pml_tensor_download(t[i], out + i * NP, NP * sizeof(double)));
        }
        pml_tensor_destroy(t[i]);
    }
}

Test(parity_nn, cuda_optimizer_kernels_and_argmax)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    enum { NP = 1001 };
    double *init = malloc(4 * NP * sizeof *init), *a = malloc(4 * NP * sizeof *a),
           *b = malloc(4 * NP * sizeof *b);
    for (int i = 0; i < 4 * NP; ++i) init[i] = pml_rng_uniform(11, 0, (uint64_t)i) - 0.5;
    for (int i = 3 * NP; i < 4 * NP; ++i) init[i] = fabs(init[i]); /* v >= 0 for Adam */
    static const char *names[4] = {"sgd", "momentum", "nesterov", "adam"};
    for (int which = 0; which < 4; ++which)
        for (int d = 0; d < 2; ++d) {
            pml_dtype dt = d ? PML_F64 : PML_F32;
            optim_steps(gpu, dt, which, init, a);
            optim_steps(cpu, dt, which, init, b);
            cr_expect(pml_test_close_f64(names[which], a, b, 4 * NP, PML_TOL_LAYER_F32),
                      "%s %s", names[which], pml_dtype_name(dt));
        }
    /* argmax: values on a coarse grid, so most rows hold ties */
    enum { AR = 77, AC = 13 };
    float yv[AR * AC];
    for (int i = 0; i < AR * AC; ++i) yv[i] = (float)(pml_rng_u32(12, 0, (uint64_t)i) % 4);
    const int64_t ys[2] = {AR, AC}, ls[1] = {AR};
    int32_t got[2][AR];
    pml_device *devs[2] = {gpu, cpu};
    for (int d = 0; d < 2; ++d) {
        pml_tensor *y = pml_test_tensor(devs[d], PML_F32, 2, ys, yv);
        pml_tensor *o = pml_test_tensor(devs[d], PML_I32, 1, ls, NULL);
        const pml_nn_argmax_args args = {PML_F32, AR, AC, pml_tensor_data(y),
                                         (int32_t *)pml_tensor_data(o)};
        PML_ASSERT_OK(devs[d]->ops->nn->argmax(devs[d], &args));
        PML_ASSERT_OK(pml_tensor_download(o, got[d], sizeof got[d]));
        pml_tensor_destroy(y);
        pml_tensor_destroy(o);
    }
    cr_expect(memcmp(got[0], got[1], sizeof got[0]) == 0, "argmax differs");
    free(init);
    free(a);
    free(b);
    pml_device_close(cpu);
    pml_device_close(gpu);
}
