/* Convolution-family kernels and layers on CUDA against the CPU: im2col and col2im bit for
 * bit, dropout masks identical, every image layer's forward and backward within
 * the tolerance table, and a 100-step CNN training run (dropout and batch norm included) whose
 * loss curve agrees. Without a GPU the CUDA cases skip; the CPU cases (FP32 layers against
 * FP64, a reproducible curve) always run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "ops/conv_ops.h"
#include "pml_test.h"

#define B 5

/* ---- kernels ------------------------------------------------------------------------------ */
Test(parity_conv, cuda_im2col_and_col2im_bit_for_bit)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    const pml_conv_geom gs[] = {{3, 2, 9, 7, 3, 3, 2, 2, 1, 1, 5, 4},
                                {2, 3, 8, 8, 3, 3, 1, 1, 1, 1, 8, 8},
                                {4, 1, 11, 6, 4, 4, 3, 3, 2, 2, 4, 3}};
    for (size_t t = 0; t < sizeof gs / sizeof gs[0]; ++t) {
        const pml_conv_geom g = gs[t];
        const int64_t nx = g.batch * g.c * g.h * g.w, ncol = g.batch * g.ho * g.wo * g.c * g.kh * g.kw;
        float *x = malloc((size_t)nx * 4), *col = malloc((size_t)ncol * 4);
        for (int64_t i = 0; i < nx; ++i) x[i] = pml_rng_normal(1, t, (uint64_t)i);
        for (int64_t i = 0; i < ncol; ++i) col[i] = pml_rng_normal(2, t, (uint64_t)i);
        pml_tensor *xc = pml_test_tensor(cpu, PML_F32, 1, &nx, x);
        pml_tensor *xg = pml_test_tensor(gpu, PML_F32, 1, &nx, x);
        pml_tensor *cc = pml_test_tensor(cpu, PML_F32, 1, &ncol, col);
        pml_tensor *cg = pml_test_tensor(gpu, PML_F32, 1, &ncol, col);
        pml_tensor *outc = pml_test_tensor(cpu, PML_F32, 1, &ncol, col);
        pml_tensor *outg = pml_test_tensor(gpu, PML_F32, 1, &ncol, col);
        const pml_im2col_args ic = {PML_F32, g, xc->data, outc->data}, ig = {PML_F32, g, xg->data, outg->data};
        PML_ASSERT_OK(cpu->ops->conv->im2col(cpu, &ic));
        PML_ASSERT_OK(gpu->ops->conv->im2col(gpu, &ig));
        cr_expect(pml_test_same_tensor("im2col", outg, outc), "geometry %zu", t);
        const pml_col2im_args kc = {PML_F32, g, cc->data, xc->data}, kg = {PML_F32, g, cg->data, xg->data};
        PML_ASSERT_OK(cpu->ops->conv->col2im(cpu, &kc));
        PML_ASSERT_OK(gpu->ops->conv->col2im(gpu, &kg));
        cr_expect(pml_test_same_tensor("col2im", xg, xc), "geometry %zu", t);
        pml_tensor *v[] = {xc, xg, cc, cg, outc, outg};
        for (int i = 0; i < 6; ++i) pml_tensor_destroy(v[i]);
        free(x), free(col);
    }
    pml_device_close(cpu);
    pml_device_close(gpu);
}

/* ---- layers ---------------------------------------------------------------------------------- */
typedef struct pass {
    float y[4096], dx[4096], grads[16384];
    int64_t ny, nx, ng;
} pass;

/* spec on a c x h x w input on dev in mode `training` (dropout seed 9, step 4), parameters
 * copied from a CPU model made with seed 3; output, input gradient and parameter gradients for
 * dL/dy = a fixed random r. */
static void run_pass(pml_device *dev, pml_dtype dt, const char *spec, int64_t c, int64_t h,
                     int64_t w, int training, pass *out)
{
    pml_device *cpu = pml_test_open_cpu();
    pml_model *init = NULL, *m = NULL;
    const int64_t shape[3] = {c, h, w}, nin = B * c * h * w;
    PML_ASSERT_OK(pml_model_create_shaped(cpu, dt, 3, shape, B, &init));
    PML_ASSERT_OK(pml_model_add_spec(init, spec, PML_INIT_HE, 0.0f, 3));
    PML_ASSERT_OK(pml_model_create_shaped(dev, dt, 3, shape, B, &m));
    PML_ASSERT_OK(pml_model_add_spec(m, spec, PML_INIT_HE, 0.0f, 3));
    PML_ASSERT_OK(pml_model_copy_params(m, init));
    PML_ASSERT_OK(pml_model_keep_input_grad(m, 1));
    PML_ASSERT_OK(pml_model_set_training(m, training, 9, 4));
    const size_t es = pml_dtype_size(dt);
    const int64_t nout = B * pml_model_out_features(m);
    cr_assert(nout <= 4096 && nin <= 4096);
    void *xh = malloc((size_t)nin * es), *rh = malloc((size_t)nout * es);
    for (int64_t i = 0; i < nin; ++i) {
        const float v = pml_rng_normal(5, 0, (uint64_t)i);
        if (dt == PML_F32) ((float *)xh)[i] = v;
        else ((double *)xh)[i] = v;
    }
    for (int64_t i = 0; i < nout; ++i) {
        const float v = pml_rng_normal(6, 0, (uint64_t)i);
        if (dt == PML_F32) ((float *)rh)[i] = v;
        else ((double *)rh)[i] = v;
    }
    pml_tensor *x = pml_test_tensor(dev, dt, 2, (int64_t[]){B, nin / B}, xh);
    pml_tensor *r = pml_test_tensor(dev, dt, 2, (int64_t[]){B, nout / B}, rh);
    const pml_tensor *y = NULL;
    PML_ASSERT_OK(pml_model_forward(m, x, B, &y));
    PML_ASSERT_OK(pml_model_backward(m, r, B));
    /* everything to host floats */
    pml_tensor *yc = NULL;
    void *buf = malloc(16384 * 8);
    out->ny = nout;
    out->nx = nin;
    PML_ASSERT_OK(pml_tensor_download(y, buf, (size_t)nout * es));
    for (int64_t i = 0; i < nout; ++i)
        out->y[i] = dt == PML_F32 ? ((float *)buf)[i] : (float)((double *)buf)[i];
    PML_ASSERT_OK(pml_tensor_download(pml_model_input_grad(m), buf, (size_t)nin * es));
    for (int64_t i = 0; i < nin; ++i)
        out->dx[i] = dt == PML_F32 ? ((float *)buf)[i] : (float)((double *)buf)[i];
    out->ng = 0;
    for (int t = 0; t < pml_model_num_param_tensors(m); ++t) {
        pml_tensor *g = NULL;
        PML_ASSERT_OK(pml_model_param_tensor(m, t, NULL, NULL, &g));
        const int64_t n = pml_tensor_numel(g);
        cr_assert(out->ng + n <= 16384);
        PML_ASSERT_OK(pml_tensor_download(g, buf, (size_t)n * es));
        for (int64_t i = 0; i < n; ++i)
            out->grads[out->ng + i] = dt == PML_F32 ? ((float *)buf)[i] : (float)((double *)buf)[i];
        out->ng += n;
    }
    free(buf), free(xh), free(rh);
    pml_tensor_destroy(yc);
    pml_tensor_destroy(x);
    pml_tensor_destroy(r);
    pml_model_destroy(m);
    pml_model_destroy(init);
    pml_device_close(cpu);
}

static const struct {
    const char *spec;
    int64_t c, h, w;
    int training;
} layer_cases[] = {
    {"conv:4:3:pad=1,relu", 2, 7, 6, 1},
    {"conv:3:3:stride=2:pad=1,tanh", 3, 9, 8, 1},
    {"conv:2:5:pad=same:nobias,sigmoid", 1, 6, 6, 1},
    {"convt:3:4:stride=2:pad=1,leaky_relu:0.1", 2, 4, 3, 1},
    {"maxpool:2", 3, 7, 6, 1},
    {"maxpool:3:2", 2, 7, 7, 1},
    {"avgpool:2", 2, 6, 5, 1},
    {"gap,flatten,dense:3", 4, 5, 5, 1},
    {"batchnorm,relu", 3, 4, 4, 1},
    {"batchnorm", 3, 4, 4, 0},
    {"flatten,dropout:0.4,dense:4", 2, 4, 4, 1},
    {"conv:4:3:pad=same:nobias,batchnorm,relu,maxpool:2,flatten,dense:5", 1, 8, 8, 1},
};

static void expect_close(const pass *a, const pass *b, const char *spec, pml_tol fwd,
                         pml_tol grad)
{
    cr_expect(pml_test_close_f32("output", a->y, b->y, (size_t)a->ny, fwd), "%s", spec);
    cr_expect(pml_test_close_f32("dL/dx", a->dx, b->dx, (size_t)a->nx, grad), "%s", spec);
    cr_expect(pml_test_close_f32("parameter gradients", a->grads, b->grads, (size_t)a->ng, grad),
              "%s", spec);
}

Test(parity_conv, cuda_layers_against_cpu)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    static pass g, c;
    for (size_t i = 0; i < sizeof layer_cases / sizeof layer_cases[0]; ++i) {
        run_pass(gpu, PML_F32, layer_cases[i].spec, layer_cases[i].c, layer_cases[i].h,
                 layer_cases[i].w, layer_cases[i].training, &g);
        run_pass(cpu, PML_F32, layer_cases[i].spec, layer_cases[i].c, layer_cases[i].h,
                 layer_cases[i].w, layer_cases[i].training, &c);
        expect_close(&g, &c, layer_cases[i].spec, PML_TOL_LAYER_F32, PML_TOL_LAYER_GRAD_F32);
    }
    pml_device_close(cpu);
    pml_device_close(gpu);
}

/* The CPU's FP32 layers against its FP64 ones (always runs). */
Test(parity_conv, cpu_f32_against_f64)
{
    pml_device *cpu = pml_test_open_cpu();
    static pass a, b;
    for (size_t i = 0; i < sizeof layer_cases / sizeof layer_cases[0]; ++i) {
        run_pass(cpu, PML_F32, layer_cases[i].spec, layer_cases[i].c, layer_cases[i].h,
                 layer_cases[i].w, layer_cases[i].training, &a);
        run_pass(cpu, PML_F64, layer_cases[i].spec, layer_cases[i].c, layer_cases[i].h,
                 layer_cases[i].w, layer_cases[i].training, &b);
        expect_close(&a, &b, layer_cases[i].spec, PML_TOL_LAYER_F32, PML_TOL_LAYER_GRAD_F32);
    }
    pml_device_close(cpu);
}

Test(parity_conv, cuda_dropout_masks_are_identical)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    static pass g, c;
    run_pass(gpu, PML_F32, "dropout:0.37", 3, 16, 16, 1, &g);
    run_pass(cpu, PML_F32, "dropout:0.37", 3, 16, 16, 1, &c);
    cr_expect(pml_test_equal_bytes("dropout output", g.y, c.y, (size_t)c.ny, 4));
    cr_expect(pml_test_equal_bytes("dropout backward", g.dx, c.dx, (size_t)c.nx, 4));
    pml_device_close(cpu);
    pml_device_close(gpu);
}

/* ---- 100 steps of a small CNN ------------------------------------------------------------ */
static void curve(pml_device *dev, double *losses)
{
    enum { N = 512 };
    uint8_t *img = malloc(N * 64), *lab = malloc(N);
    for (int i = 0; i < N; ++i) {
        lab[i] = (uint8_t)(pml_rng_u32(4, 0, (uint64_t)i) % 4);
        for (int p = 0; p < 64; ++p) /* a bright quadrant names the class */
            img[i * 64 + p] = (uint8_t)((pml_rng_u32(4, 1, (uint64_t)(i * 64 + p)) % 128) +
                                        (((p / 8) / 4) * 2 + (p % 8) / 4 == lab[i] ? 127 : 0));
    }
    pml_dataset *ds = NULL;
    PML_ASSERT_OK(pml_dataset_from_host(dev, N, 8, 8, img, lab, 4, &ds));
    free(img), free(lab);
    static const char spec[] = "conv:4:3:pad=same:nobias,batchnorm,relu,maxpool:2,flatten,"
                               "dropout:0.2,dense:4";
    pml_device *cpu = pml_test_open_cpu();
    pml_model *init = NULL, *m = NULL;
    PML_ASSERT_OK(pml_model_create_shaped(cpu, PML_F32, 3, (int64_t[]){1, 8, 8}, 32, &init));
    PML_ASSERT_OK(pml_model_add_spec(init, spec, PML_INIT_HE, 0.0f, 3));
    PML_ASSERT_OK(pml_model_create_shaped(dev, PML_F32, 3, (int64_t[]){1, 8, 8}, 32, &m));
    PML_ASSERT_OK(pml_model_add_spec(m, spec, PML_INIT_HE, 0.0f, 3));
    PML_ASSERT_OK(pml_model_copy_params(m, init));
    pml_optimizer *o = NULL;
    pml_optim_config oc = pml_optim_defaults(PML_OPTIM_ADAM);
    PML_ASSERT_OK(pml_optimizer_create(dev, &oc, &o));
    pml_train_config c = pml_train_defaults();
    c.batch = 32;
    c.epochs = 7; /* 16 steps per epoch: 112 steps */
    c.loss = PML_LOSS_SOFTMAX_XENT;
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

Test(parity_conv, cuda_cnn_training_curve_against_cpu)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    double lg[7] = {0}, lc[7] = {0};
    curve(gpu, lg);
    curve(cpu, lc);
    cr_expect(pml_test_close_f64("CNN training curve", lg, lc, 7, PML_TOL_TRAINING));
    pml_device_close(cpu);
    pml_device_close(gpu);
}

Test(parity_conv, cpu_cnn_training_curve_reproducible_and_falling)
{
    pml_device *cpu = pml_test_open_cpu();
    double a[7] = {0}, b[7] = {0};
    curve(cpu, a);
    curve(cpu, b);
    cr_expect(pml_test_equal_bytes("curve", a, b, 7, 8));
    cr_expect(a[6] < 0.5 * a[0], "the loss falls: %g -> %g", a[0], a[6]);
    pml_device_close(cpu);
}
