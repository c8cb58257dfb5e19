/* Backprop of every image layer kind against central finite differences, in double on the
 * CPU: conv (stride 2, padding, odd sizes, fused activations), convt, max and average
 * pooling with windows that do not tile the input, global average pooling, flatten, dropout
 * (training mode: the step's mask is fixed) and batch norm in training and in evaluation
 * mode. The loss is L = sum r (.) y for a fixed random r, so dL/dy = r. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pml_test.h"
#include "physml/rng.h"

#define B 3

static double loss_of(pml_model *m, pml_tensor *x, const double *r)
{
    const pml_tensor *y = NULL;
    PML_ASSERT_OK(pml_model_forward(m, x, B, &y));
    const double *yd = pml_tensor_data((pml_tensor *)y);
    double l = 0;
    for (int64_t i = 0; i < B * pml_model_out_features(m); ++i) l += r[i] * yd[i];
    return l;
}

/* Input c x h x w, the spec, the mode; inputs and parameters from Philox normals (batch-norm
 * scales away from zero and the biases shifted so that ReLU kinks and pooling ties are
 * unlikely). */
static void check_some(const char *spec, int64_t c, int64_t h, int64_t w, int training,
                       int64_t every, double hstep);

static void check(const char *spec, int64_t c, int64_t h, int64_t w, int training)
{
    check_some(spec, c, h, w, training, 1, 1e-6);
}

/* The same, with central differences for every `every`-th entry of each tensor only and step
 * hstep (large layers: their loss is large, so a step of 1e-6 would leave rounding noise of
 * eps |L| / h in the quotient). */
static void check_some(const char *spec, int64_t c, int64_t h, int64_t w, int training,
                       int64_t every, double hstep)
{
    pml_device *dev = pml_test_open_cpu();
    pml_model *m = NULL;
    PML_ASSERT_OK(pml_model_create_shaped(dev, PML_F64, 3, (int64_t[]){c, h, w}, B, &m));
    PML_ASSERT_OK(pml_model_add_spec(m, spec, PML_INIT_HE, 0.0f, 3));
    PML_ASSERT_OK(pml_model_keep_input_grad(m, 1));
    PML_ASSERT_OK(pml_model_set_training(m, training, 99, 5));
    const int np = pml_model_num_param_tensors(m);
    for (int t = 0; t < np; ++t) {
        pml_tensor *p = NULL;
        const char *name = NULL;
        PML_ASSERT_OK(pml_model_param_tensor(m, t, &name, &p, NULL));
        double *d = pml_tensor_data(p);
        for (int64_t i = 0; i < pml_tensor_numel(p); ++i)
            d[i] = strstr(name, "weight") && pml_tensor_ndim(p) == 1
                       ? 1.0 + 0.3 * (double)pml_rng_normal(4, (uint64_t)t, (uint64_t)i)
                       : 0.5 * (double)pml_rng_normal(4, (uint64_t)t, (uint64_t)i);
    }
    /* evaluation-mode batch norm: running statistics that are not the trivial ones */
    for (int t = np; t < pml_model_num_state_tensors(m); ++t) {
        pml_tensor *p = NULL;
        PML_ASSERT_OK(pml_model_state_tensor(m, t, NULL, &p));
        double *d = pml_tensor_data(p);
        for (int64_t i = 0; i < pml_tensor_numel(p); ++i)
            d[i] = (t - np) % 2 ? 0.5 + 0.1 * (double)i : 0.2 * (double)i;
    }
    const int64_t nin = B * c * h * w, nout = B * pml_model_out_features(m);
    double *xh = malloc((size_t)nin * sizeof *xh), *r = malloc((size_t)nout * sizeof *r);
    for (int64_t i = 0; i < nin; ++i) xh[i] = (double)pml_rng_normal(5, 0, (uint64_t)i);
    for (int64_t i = 0; i < nout; ++i) r[i] = (double)pml_rng_normal(6, 0, (uint64_t)i);
    pml_tensor *x = pml_test_tensor(dev, PML_F64, 2, (int64_t[]){B, c * h * w}, xh);
    pml_tensor *dy = pml_test_tensor(dev, PML_F64, 2, (int64_t[]){B, nout / B}, r);
    loss_of(m, x, r);
    PML_ASSERT_OK(pml_model_backward(m, dy, B));
    for (int t = 0; t <= np; ++t) {
        pml_tensor *param = x, *grad = (pml_tensor *)pml_model_input_grad(m);
        const char *name = "input";
        if (t < np) PML_ASSERT_OK(pml_model_param_tensor(m, t, &name, &param, &grad));
        char label[160];
        snprintf(label, sizeof label, "%s (%s): dL/d(%s)", spec, training ? "train" : "eval",
                 name);
        /* every `every`-th, but at least 16 of each tensor */
        const int64_t n = pml_tensor_numel(param);
        const int64_t stride = every < n / 16 ? every : n / 16 > 1 ? n / 16 : 1;
        const int64_t ns = (n + stride - 1) / stride;
        double *v = pml_tensor_data(param);
        const double *g = pml_tensor_data(grad);
        double *an = malloc((size_t)ns * sizeof *an), *num = malloc((size_t)ns * sizeof *num);
        for (int64_t k = 0; k < ns; ++k) {
            const int64_t i = k * stride;
            an[k] = g[i];
            const double keep = v[i];
            v[i] = keep + hstep;
            const double lp = loss_of(m, x, r);
            v[i] = keep - hstep;
            const double lm = loss_of(m, x, r);
            v[i] = keep;
            num[k] = (lp - lm) / (2 * hstep);
        }
        cr_expect(pml_test_close_f64(label, an, num, (size_t)ns, PML_TOL_FD_F64), "%s", label);
        free(an), free(num);
    }
    free(xh), free(r);
    pml_tensor_destroy(x);
    pml_tensor_destroy(dy);
    pml_model_destroy(m);
    pml_device_close(dev);
}

Test(conv_grad, conv_with_stride_padding_and_odd_sizes)
{
    check("conv:3:3:pad=1", 2, 5, 7, 1);
    check("conv:2:3:stride=2:pad=1", 3, 7, 6, 1);
    check("conv:4:2:stride=3", 1, 8, 7, 1);
    check("conv:2:5:pad=same:nobias", 2, 5, 5, 1);
}

Test(conv_grad, conv_with_fused_activations)
{
    check("conv:3:3,tanh", 2, 5, 5, 1);
    check("conv:2:3:pad=1,sigmoid", 1, 6, 5, 1);
    check("conv:3:3:stride=2,leaky_relu:0.2", 2, 7, 7, 1);
    check("conv:3:3:pad=1,relu", 2, 6, 6, 1);
}

Test(conv_grad, transposed_convolution)
{
    check("convt:2:3:stride=2:pad=1", 3, 3, 4, 1);
    check("convt:3:4:stride=2:pad=1:outpad=1,tanh", 2, 3, 3, 1);
    check("convt:2:2:stride=2:nobias", 2, 4, 3, 1);
}

Test(conv_grad, pooling_windows_that_do_not_tile)
{
    check("maxpool:2", 2, 5, 7, 1);
    check("maxpool:3:2", 2, 7, 6, 1);
    check("avgpool:2", 2, 5, 5, 1);
    check("avgpool:3:2", 1, 8, 7, 1);
    check("gap", 3, 4, 5, 1);
}

Test(conv_grad, flatten_dropout_and_a_dense_head)
{
    check("conv:2:3,flatten,dropout:0.4,dense:4", 1, 5, 5, 1);
    check("flatten,dense:3,tanh,dense:2", 2, 3, 3, 0);
}

Test(conv_grad, batchnorm_in_training_and_evaluation)
{
    check("batchnorm", 3, 3, 4, 1);
    check("batchnorm", 3, 3, 4, 0);
    check("conv:4:3:pad=1:nobias,batchnorm,tanh,maxpool:2", 2, 6, 6, 1);
    check("flatten,dense:5,batchnorm,sigmoid", 1, 4, 4, 1);
}

Test(conv_grad, a_small_cnn_end_to_end)
{
    check("conv:3:3:pad=same,relu,maxpool:2,conv:4:3,batchnorm,tanh,gap,flatten,dense:3", 2, 8,
          8, 1);
}

/* A convolution whose columns come a chunk of samples at a time (128 x 32 x 32 under a 3 x 3
 * kernel: 1.2M column elements per sample, so each of the batch's 3 samples is a chunk of its
 * own; the weight gradient adds the chunks, the input gradient folds each back). */
Test(conv_grad, conv_over_several_chunks)
{
    check_some("conv:2:3:pad=1", 128, 32, 32, 1, 4999, 1e-4);
    check_some("conv:3:3:stride=2:pad=1,tanh", 160, 24, 24, 1, 5003, 1e-4);
}
