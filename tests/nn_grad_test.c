/* Backprop against central finite differences, in double precision on the CPU: every
 * activation (fused into a dense layer and standalone), every loss, biases on and off, and
 * a three-layer network; gradients of parameters and of the input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pml_test.h"

#define B 5 /* batch */

static void fill_normal(double *p, size_t n, uint64_t seed, double scale, double shift)
{
    for (size_t i = 0; i < n; ++i) p[i] = shift + scale * (double)pml_rng_normal(seed, 9, i);
}

typedef struct problem {
    pml_device *dev;
    pml_model *m;
    pml_tensor *x, *labels, *targets, *dy;
    pml_loss_kind loss;
    pml_reduction red;
} problem;

static double eval_loss(problem *p)
{
    const pml_tensor *y = NULL;
    double l = 0.0;
    PML_ASSERT_OK(pml_model_forward(p->m, p->x, B, &y));
    PML_ASSERT_OK(pml_loss_compute(p->loss, p->red, y, p->labels, p->targets, B, &l, NULL, NULL));
    /* the reduction only scales the gradient; compare against the reduced loss itself */
    return p->red == PML_REDUCE_SUM ? l * B : l;
}

/* Analytic gradient of every parameter (and the input) against central differences. */
static void check_grads(problem *p, const char *what)
{
    const double h = 1e-6;
    const pml_tensor *y = NULL;
    double l = 0.0;
    PML_ASSERT_OK(pml_model_forward(p->m, p->x, B, &y));
    PML_ASSERT_OK(pml_loss_compute(p->loss, p->red, y, p->labels, p->targets, B, &l, p->dy, NULL));
    PML_ASSERT_OK(pml_model_backward(p->m, p->dy, B));
    int np = pml_model_num_param_tensors(p->m);
    for (int t = 0; t <= np; ++t) {
        pml_tensor *param = NULL, *grad = NULL;
        const char *name = "input";
        if (t < np) {
            PML_ASSERT_OK(pml_model_param_tensor(p->m, t, &name, &param, &grad));
        } else {
            param = p->x;
            grad = (pml_tensor *)pml_model_input_grad(p->m);
            cr_assert_not_null(grad);
        }
        int64_t n = pml_tensor_numel(param);
        double *w = pml_tensor_data(param);
        double *an = malloc((size_t)n * sizeof *an), *num = malloc((size_t)n * sizeof *num);
        memcpy(an, pml_tensor_data(grad), (size_t)n * sizeof *an);
        for (int64_t i = 0; i < n; ++i) {
            double keep = w[i];
            w[i] = keep + h;
            double lp = eval_loss(p);
            w[i] = keep - h;
            double lm = eval_loss(p);
            w[i] = keep;
            num[i] = (lp - lm) / (2 * h);
        }
        char label[160];
        snprintf(label, sizeof label, "%s: dL/d(%s)", what, name);
        cr_expect(pml_test_close_f64(label, an, num, (size_t)n, PML_TOL_FD_F64), "%s", label);
        free(an);
        free(num);
    }
}

static void setup(problem *p, int64_t in, pml_loss_kind loss, pml_reduction red, int use_labels,
                  int64_t out, double x_shift)
{
    memset(p, 0, sizeof *p);
    p->dev = pml_test_open_cpu();
    p->loss = loss;
    p->red = red;
    double xs[B * 16];
    fill_normal(xs, (size_t)(B * in), 11, 1.0, x_shift);
    int64_t xshape[2] = {B, in};
    p->x = pml_test_tensor(p->dev, PML_F64, 2, xshape, xs);
    if (use_labels) {
        int32_t lab[B];
        for (int i = 0; i < B; ++i) lab[i] = (int32_t)((i * 7 + 3) % out);
        int64_t ls[1] = {B};
        p->labels = pml_test_tensor(p->dev, PML_I32, 1, ls, lab);
    } else {
        double tg[B * 16];
        for (int64_t i = 0; i < B * out; ++i)
            tg[i] = 0.1 + 0.8 * (double)pml_rng_uniform(5, 1, (uint64_t)i);
        int64_t ts[2] = {B, out};
        p->targets = pml_test_tensor(p->dev, PML_F64, 2, ts, tg);
    }
    int64_t ds[2] = {B, out};
    p->dy = pml_test_tensor(p->dev, PML_F64, 2, ds, NULL);
}

static void teardown(problem *p)
{
    pml_model_destroy(p->m);
    pml_tensor_destroy(p->x);
    pml_tensor_destroy(p->labels);
    pml_tensor_destroy(p->targets);
    pml_tensor_destroy(p->dy);
    pml_device_close(p->dev);
}

static pml_model *make(pml_device *dev, int64_t in)
{
    pml_model *m = NULL;
    PML_ASSERT_OK(pml_model_create(dev, PML_F64, in, B, &m));
    PML_ASSERT_OK(pml_model_keep_input_grad(m, 1));
    return m;
}

/* dense(6 -> 4, act) with MSE against dense targets: one test per activation, fused */
static void dense_act_case(pml_activation act, int bias)
{
    problem p;
    setup(&p, 6, PML_LOSS_MSE, PML_REDUCE_MEAN, 0, 4, 0.0);
    p.m = make(p.dev, 6);
    pml_dense_opts o = pml_dense_defaults();
    o.bias = bias;
    o.init = PML_INIT_XAVIER;
    PML_ASSERT_OK(pml_model_add_dense(p.m, 4, &o, 3));
    if (bias) {
        /* non-zero biases so their effect is tested */
        double *b = pml_tensor_data(pml_layer_param(pml_model_layer(p.m, 0), 1));
        for (int i = 0; i < 4; ++i) b[i] = 0.1 * (i - 1.5);
    }
    PML_ASSERT_OK(pml_model_add_activation(p.m, act, 0.1f));
    cr_assert_eq(pml_model_num_layers(p.m), 1, "activation fused into the dense layer");
    char what[64];
    snprintf(what, sizeof what, "dense+%s%s", pml_activation_name(act), bias ? "" : " no bias");
    check_grads(&p, what);
    teardown(&p);
}

Test(nn_grad, dense_identity) { dense_act_case(PML_ACT_IDENTITY, 1); }
Test(nn_grad, dense_relu) { dense_act_case(PML_ACT_RELU, 1); }
Test(nn_grad, dense_relu_nobias) { dense_act_case(PML_ACT_RELU, 0); }
Test(nn_grad, dense_leaky_relu) { dense_act_case(PML_ACT_LEAKY_RELU, 1); }
Test(nn_grad, dense_sigmoid) { dense_act_case(PML_ACT_SIGMOID, 1); }
Test(nn_grad, dense_tanh) { dense_act_case(PML_ACT_TANH, 1); }
Test(nn_grad, dense_softmax) { dense_act_case(PML_ACT_SOFTMAX, 1); }

/* standalone activation layers (not fused): input activation, then dense, then act */
static void standalone_case(pml_activation act)
{
    problem p;
    setup(&p, 6, PML_LOSS_MSE_HALF, PML_REDUCE_SUM, 0, 6, 0.0);
    p.m = make(p.dev, 6);
    PML_ASSERT_OK(pml_model_add_activation(p.m, act, 0.2f)); /* first: standalone */
    cr_assert_eq(pml_model_num_layers(p.m), 1);
    cr_assert_str_eq(pml_layer_kind(pml_model_layer(p.m, 0)), "activation");
    char what[64];
    snprintf(what, sizeof what, "standalone %s", pml_activation_name(act));
    check_grads(&p, what);
    teardown(&p);
}

Test(nn_grad, act_relu) { standalone_case(PML_ACT_RELU); }
Test(nn_grad, act_leaky_relu) { standalone_case(PML_ACT_LEAKY_RELU); }
Test(nn_grad, act_sigmoid) { standalone_case(PML_ACT_SIGMOID); }
Test(nn_grad, act_tanh) { standalone_case(PML_ACT_TANH); }
Test(nn_grad, act_softmax) { standalone_case(PML_ACT_SOFTMAX); }

/* each loss on a 2-hidden-layer network, labels and dense targets, mean and sum */
static void loss_case(pml_loss_kind loss, pml_reduction red, int labels, pml_activation out_act)
{
    problem p;
    setup(&p, 7, loss, red, labels, 3, 0.0);
    p.m = make(p.dev, 7);
    pml_dense_opts o = pml_dense_defaults();
    PML_ASSERT_OK(pml_model_add_dense(p.m, 5, &o, 21));
    PML_ASSERT_OK(pml_model_add_activation(p.m, PML_ACT_TANH, 0));
    PML_ASSERT_OK(pml_model_add_dense(p.m, 4, &o, 22));
    PML_ASSERT_OK(pml_model_add_activation(p.m, PML_ACT_LEAKY_RELU, 0.05f));
    PML_ASSERT_OK(pml_model_add_dense(p.m, 3, &o, 23));
    if (out_act != PML_ACT_IDENTITY) PML_ASSERT_OK(pml_model_add_activation(p.m, out_act, 0));
    char what[96];
    snprintf(what, sizeof what, "3 layers, %s (%s, %s)", pml_loss_name(loss),
             labels ? "labels" : "targets", red == PML_REDUCE_SUM ? "sum" : "mean");
    check_grads(&p, what);
    teardown(&p);
}

Test(nn_grad, loss_mse_labels_mean) { loss_case(PML_LOSS_MSE, PML_REDUCE_MEAN, 1, PML_ACT_IDENTITY); }
Test(nn_grad, loss_mse_targets_sum) { loss_case(PML_LOSS_MSE, PML_REDUCE_SUM, 0, PML_ACT_IDENTITY); }
Test(nn_grad, loss_mse_half) { loss_case(PML_LOSS_MSE_HALF, PML_REDUCE_MEAN, 0, PML_ACT_SIGMOID); }
Test(nn_grad, loss_xent_mean) { loss_case(PML_LOSS_SOFTMAX_XENT, PML_REDUCE_MEAN, 1, PML_ACT_IDENTITY); }
Test(nn_grad, loss_xent_sum) { loss_case(PML_LOSS_SOFTMAX_XENT, PML_REDUCE_SUM, 1, PML_ACT_IDENTITY); }
Test(nn_grad, loss_bce_labels) { loss_case(PML_LOSS_BCE, PML_REDUCE_MEAN, 1, PML_ACT_SIGMOID); }
Test(nn_grad, loss_bce_targets) { loss_case(PML_LOSS_BCE, PML_REDUCE_SUM, 0, PML_ACT_SIGMOID); }
Test(nn_grad, loss_bce_logits_labels) { loss_case(PML_LOSS_BCE_LOGITS, PML_REDUCE_MEAN, 1, PML_ACT_IDENTITY); }
Test(nn_grad, loss_bce_logits_targets) { loss_case(PML_LOSS_BCE_LOGITS, PML_REDUCE_SUM, 0, PML_ACT_IDENTITY); }

/* The notes' formulas by hand for one example: delta^L = (a - y) sigma'(z), dC/dW = delta a^T */
/* Tied weights: a decoder layer using the encoder's weight transposed, so the weight's
 * gradient is the sum of both layers' shares (the later layer's written first, the earlier
 * one's added); biases on and off, and the tied layer followed by its own activation. */
static void tied_case(const char *spec)
{
    problem p;
    setup(&p, 6, PML_LOSS_MSE, PML_REDUCE_MEAN, 0, 6, 0.0);
    p.m = make(p.dev, 6);
    PML_ASSERT_OK(pml_model_add_spec(p.m, spec, PML_INIT_XAVIER, 0.0f, 3));
    /* non-zero biases so their gradients are tested */
    const int np = pml_model_num_param_tensors(p.m);
    for (int t = 0; t < np; ++t) {
        const char *name = NULL;
        pml_tensor *w = NULL;
        PML_ASSERT_OK(pml_model_param_tensor(p.m, t, &name, &w, NULL));
        if (strstr(name, "bias") == NULL) continue;
        double *b = pml_tensor_data(w);
        for (int64_t i = 0; i < pml_tensor_numel(w); ++i) b[i] = 0.1 * ((double)i - 1.5);
    }
    check_grads(&p, spec);
    teardown(&p);
}
Test(nn_grad, tied_dense_pair) { tied_case("dense:3,tanh,dense:6:tied=0"); }
Test(nn_grad, tied_dense_nobias_sigmoid) { tied_case("dense:4:nobias,dense:6:tied=0:nobias,sigmoid"); }
Test(nn_grad, tied_dense_mirror) { tied_case("dense:5,relu,dense:3,tanh,dense:5:tied=2,relu,dense:6:tied=0"); }

Test(nn_grad, notes_formula_by_hand)
{
    pml_device *dev = pml_test_open_cpu();
    pml_model *m = NULL;
    PML_ASSERT_OK(pml_model_create(dev, PML_F64, 2, 1, &m));
    pml_dense_opts o = pml_dense_defaults();
    PML_ASSERT_OK(pml_model_add_dense(m, 1, &o, 1));
    PML_ASSERT_OK(pml_model_add_activation(m, PML_ACT_SIGMOID, 0));
    double *w = pml_tensor_data(pml_layer_param(pml_model_layer(m, 0), 0));
    double *b = pml_tensor_data(pml_layer_param(pml_model_layer(m, 0), 1));
    w[0] = 0.5;
    w[1] = -0.25;
    b[0] = 0.1;
    double xv[2] = {1.0, 2.0}, tv[1] = {1.0};
    int64_t s2[2] = {1, 2}, s1[2] = {1, 1};
    pml_tensor *x = pml_test_tensor(dev, PML_F64, 2, s2, xv);
    pml_tensor *t = pml_test_tensor(dev, PML_F64, 2, s1, tv);
    pml_tensor *dy = pml_test_tensor(dev, PML_F64, 2, s1, NULL);
    const pml_tensor *y = NULL;
    double l = 0;
    PML_ASSERT_OK(pml_model_forward(m, x, 1, &y));
    PML_ASSERT_OK(pml_loss_compute(PML_LOSS_MSE_HALF, PML_REDUCE_MEAN, y, NULL, t, 1, &l, dy, NULL));
    PML_ASSERT_OK(pml_model_backward(m, dy, 1));
    double z = 0.5 * 1 - 0.25 * 2 + 0.1, a = 1 / (1 + exp(-z));
    double delta = (a - 1.0) * a * (1 - a);
    const double *gw = pml_tensor_data(pml_layer_grad(pml_model_layer(m, 0), 0));
    const double *gb = pml_tensor_data(pml_layer_grad(pml_model_layer(m, 0), 1));
    cr_expect_float_eq(l, 0.5 * (a - 1) * (a - 1), 1e-15);
    cr_expect_float_eq(gb[0], delta, 1e-15);
    cr_expect_float_eq(gw[0], delta * 1.0, 1e-15);
    cr_expect_float_eq(gw[1], delta * 2.0, 1e-15);
    pml_tensor_destroy(x);
    pml_tensor_destroy(t);
    pml_tensor_destroy(dy);
    pml_model_destroy(m);
    pml_device_close(dev);
}

/* Softmax cross-entropy stays finite for huge logits (log-sum-exp). */
Test(nn_grad, xent_stable_for_large_logits)
{
    pml_device *dev = pml_test_open_cpu();
    float yv[6] = {1000.f, 0.f, -1000.f, 88.f, 89.f, 90.f};
    int32_t lab[2] = {0, 0};
    int64_t ys[2] = {2, 3}, ls[1] = {2};
    pml_tensor *y = pml_test_tensor(dev, PML_F32, 2, ys, yv);
    pml_tensor *l = pml_test_tensor(dev, PML_I32, 1, ls, lab);
    pml_tensor *dy = pml_test_tensor(dev, PML_F32, 2, ys, NULL);
    double loss = 0;
    int64_t correct = -1;
    PML_ASSERT_OK(pml_loss_compute(PML_LOSS_SOFTMAX_XENT, PML_REDUCE_SUM, y, l, NULL, 2, &loss, dy, &correct));
    /* row 0: loss 0; row 1: 90 + log(e^-2 + e^-1 + 1) - 88 */
    double ref = 0.5 * (2.0 + log(exp(-2.0) + exp(-1.0) + 1.0));
    cr_expect(fabs(loss - ref) < 1e-5, "loss %g, want %g", loss, ref);
    cr_expect_eq(correct, 1);
    const float *g = pml_tensor_data(dy);
    for (int i = 0; i < 6; ++i) cr_expect(isfinite(g[i]));
    pml_tensor_destroy(y);
    pml_tensor_destroy(l);
    pml_tensor_destroy(dy);
    pml_device_close(dev);
}
