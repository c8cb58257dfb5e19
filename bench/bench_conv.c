/* bench_conv: how much of the GEMM's speed a convolution layer keeps. A conv layer is im2col
 * (channel-major columns), the GEMMs and an epilogue that adds the bias and writes NCHW
 * (src/nn/conv.c); its backward is a prologue back to channel-major, im2col again, the dW GEMM,
 * the bias sums and, when the input gradient is wanted, the dx GEMM and col2im (a chunk of
 * samples at a time). This times single conv layers of typical shapes through the public
 * model API (training mode, FP32, bias, no activation) and, on the same device, bare pml_gemm
 * calls of the same shapes over the whole batch:
 *   forward   z = W col           (N x M, inner K), M = B*Ho*Wo, N = Cout, K = Cin*k*k
 *   backward  dW = z col^T        (N x K, inner M), and with dx: dcol = W^T z (K x M, inner N)
 * FLOPs: forward 2 M N K; backward 2 M N K per GEMM it runs (twice with dx, once without).
 * The ratio layer/GEMM (time of the bare GEMMs over the layer's) is the share of the GEMM's
 * throughput the layer keeps; 1 - ratio is what im2col, col2im and the epilogues cost.
 * On the CPU the layers run the direct convolutions instead (src/cpu/conv_direct.c, no
 * column matrix): there the ratio compares them with the GEMMs im2col would have needed,
 * and can pass 1.
 *
 *   bench_conv [--device cpu|cuda|all] [--batch 64,256] [--reps N] [--dx] [--quick] [--json]
 *
 * Each figure is the median of N repeats (default 7) after a warm-up; a repeat times enough
 * back-to-back calls to last a few milliseconds and divides. The four measurements of a case
 * take turns inside each repeat, so drifting clocks hit them alike. Input layers (Cin <= 3)
 * run backward without the input gradient, as the first layer of a net does; the others with
 * it (--dx: all with it). --quick: batch 8, 2 repeats, a smoke run of a few seconds. */
#include "bench_util.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "physml/physml.h"

#define PROG "bench_conv"
#define MAXB 8

typedef struct conv_case {
    int64_t cin, h, w, cout, k, stride, pad; /* pad -1: "same" */
} conv_case;

static const conv_case cases[] = {
    {1, 28, 28, 32, 3, 1, -1},   /* MNIST's first layer */
    {32, 14, 14, 64, 3, 1, -1},  /* after one 2x2 pooling */
    {64, 7, 7, 128, 3, 1, -1},   /* after two */
    {3, 32, 32, 64, 3, 1, -1},   /* CIFAR's first layer */
    {64, 16, 16, 64, 3, 2, 1},   /* a strided down-sampling layer */
};

enum { FWD, BWD, GEMM_FWD, GEMM_BWD, NOPS };

/* Everything one case's four measurements need. */
typedef struct job {
    pml_device *dev;
    pml_model *m;
    pml_tensor *x, *dy;          /* the layer's input and output gradient */
    pml_tensor *col, *w, *rows;  /* GEMM operands: K x M, N x K, N x M (rows doubles as dz) */
    pml_tensor *dw, *dcol;       /* N x K, K x M */
    int64_t batch, M, N, K;
    int dx;
} job;

static void run_op(job *j, int op)
{
    const pml_tensor *y = NULL;
    switch (op) {
    case FWD:
        BENCH_CHECK(PROG, pml_model_forward(j->m, j->x, j->batch, &y));
        break;
    case BWD:
        BENCH_CHECK(PROG, pml_model_backward(j->m, j->dy, j->batch));
        break;
    case GEMM_FWD:
        BENCH_CHECK(PROG, pml_gemm(j->dev, PML_NO_TRANS, PML_NO_TRANS, j->N, j->M, j->K, 1.0, j->w,
                                   j->col, 0.0, j->rows));
        break;
    default: /* GEMM_BWD: the layer's backward GEMMs, same operand orientation */
        BENCH_CHECK(PROG, pml_gemm(j->dev, PML_NO_TRANS, PML_TRANS, j->N, j->K, j->M, 1.0,
                                   j->rows, j->col, 0.0, j->dw));
        if (j->dx)
            BENCH_CHECK(PROG, pml_gemm(j->dev, PML_TRANS, PML_NO_TRANS, j->K, j->M, j->N, 1.0,
                                       j->w, j->rows, 0.0, j->dcol));
        break;
    }
}

/* Seconds per call of `inner` back-to-back calls of op, synchronised. */
static double time_op(job *j, int op, int inner)
{
    const double t0 = bench_now();
    for (int i = 0; i < inner; ++i) run_op(j, op);
    BENCH_CHECK(PROG, pml_device_synchronize(j->dev));
    return (bench_now() - t0) / inner;
}

/* Median seconds per call of each op: a warm-up, a calibration of how many calls fill ~5 ms,
 * then `reps` rounds in which every op takes its turn. The backward needs the forward of the
 * same batch before it; the model keeps it, so any order after the warm-up is valid. */
static void time_case(job *j, int reps, double med[NOPS])
{
    int inner[NOPS];
    double *t = malloc((size_t)reps * NOPS * sizeof *t);
    if (!t) {
        fprintf(stderr, PROG ": out of memory\n");
        exit(1);
    }
    for (int op = 0; op < NOPS; ++op) {
        time_op(j, op, 1);
        const double once = time_op(j, op, 1);
        inner[op] = once >= 5e-3 ? 1 : once <= 5e-5 ? 100 : (int)ceil(5e-3 / once);
    }
    for (int r = 0; r < reps; ++r)
        for (int op = 0; op < NOPS; ++op) t[op * reps + r] = time_op(j, op, inner[op]);
    for (int op = 0; op < NOPS; ++op) med[op] = bench_median(t + op * reps, reps);
    free(t);
}

static pml_tensor *tensor(pml_device *dev, int ndim, const int64_t *shape, uint64_t stream)
{
    pml_tensor *t = NULL;
    BENCH_CHECK(PROG, pml_tensor_create(dev, PML_F32, ndim, shape, &t));
    BENCH_CHECK(PROG, pml_rand_uniform(t, 7, stream, 0));
    return t;
}

static void shape_text(const conv_case *c, char *buf, size_t n)
{
    char pad[24];
    if (c->pad < 0) snprintf(pad, sizeof pad, "same");
    else snprintf(pad, sizeof pad, "p%lld", (long long)c->pad);
    snprintf(buf, n, "%lld->%lld %lldx%lld k%lld s%lld %s", (long long)c->cin,
             (long long)c->cout, (long long)c->h, (long long)c->w, (long long)c->k,
             (long long)c->stride, pad);
}

/* One case at one batch: build the layer and the GEMM operands, time, print a row. */
static void bench_case(pml_device *dev, const conv_case *c, int64_t batch, int reps,
                       int all_dx, int json)
{
    job j = {.dev = dev, .batch = batch, .dx = all_dx || c->cin > 3};
    char spec[96];
    snprintf(spec, sizeof spec, "conv:%lld:%lld:stride=%lld:pad=", (long long)c->cout,
             (long long)c->k, (long long)c->stride);
    if (c->pad < 0) strcat(spec, "same");
    else snprintf(spec + strlen(spec), sizeof spec - strlen(spec), "%lld", (long long)c->pad);
    const int64_t in[3] = {c->cin, c->h, c->w};
    BENCH_CHECK(PROG, pml_model_create_shaped(dev, PML_F32, 3, in, batch, &j.m));
    BENCH_CHECK(PROG, pml_model_add_spec(j.m, spec, PML_INIT_HE, 0.0f, 1));
    BENCH_CHECK(PROG, pml_model_keep_input_grad(j.m, j.dx));
    BENCH_CHECK(PROG, pml_model_set_training(j.m, 1, 1, 0));
    int64_t out[3];
    pml_layer_out_shape(pml_model_layer(j.m, 0), out); /* Cout, Ho, Wo as the layer has it */
    const int64_t ho = out[1], wo = out[2];
    j.M = batch * ho * wo;
    j.N = c->cout;
    j.K = c->cin * c->k * c->k;
    j.x = tensor(dev, 4, (int64_t[]){batch, c->cin, c->h, c->w}, 1);
    j.dy = tensor(dev, 2, (int64_t[]){batch, c->cout * ho * wo}, 2);
    j.col = tensor(dev, 2, (int64_t[]){j.K, j.M}, 3);
    j.w = tensor(dev, 2, (int64_t[]){j.N, j.K}, 4);
    j.rows = tensor(dev, 2, (int64_t[]){j.N, j.M}, 5);
    j.dw = tensor(dev, 2, (int64_t[]){j.N, j.K}, 6);
    if (j.dx) j.dcol = tensor(dev, 2, (int64_t[]){j.K, j.M}, 7);

    double med[NOPS];
    time_case(&j, reps, med);
    const double flop = 2.0 * (double)j.M * (double)j.N * (double)j.K;
    const double bflop = j.dx ? 2.0 * flop : flop;
    const double gf_f = flop / med[FWD] / 1e9, gf_b = bflop / med[BWD] / 1e9;
    const double gg_f = flop / med[GEMM_FWD] / 1e9, gg_b = bflop / med[GEMM_BWD] / 1e9;
    const double r_f = med[GEMM_FWD] / med[FWD], r_b = med[GEMM_BWD] / med[BWD];
    char st[160];
    shape_text(c, st, sizeof st);
    if (json)
        printf("{\"name\": \"conv\", \"device\": \"%s\", \"device_name\": \"%s\", \"threads\": %d, "
               "\"shape\": \"%s\", \"cin\": %lld, \"h\": %lld, \"w\": %lld, \"cout\": %lld, "
               "\"k\": %lld, \"stride\": %lld, \"pad\": %lld, \"ho\": %lld, \"wo\": %lld, "
               "\"batch\": %lld, \"input_grad\": %s, \"dtype\": \"f32\", \"reps\": %d, "
               "\"fwd_median_s\": %.6e, \"fwd_gflops\": %.2f, \"bwd_median_s\": %.6e, "
               "\"bwd_gflops\": %.2f, \"gemm_m\": %lld, \"gemm_n\": %lld, \"gemm_k\": %lld, "
               "\"gemm_median_s\": %.6e, \"gemm_gflops\": %.2f, \"gemm_bwd_median_s\": %.6e, "
               "\"gemm_bwd_gflops\": %.2f, \"fwd_ratio\": %.4f, \"bwd_ratio\": %.4f}\n",
               pml_device_spec(dev), pml_device_name(dev), pml_device_parallelism(dev), st,
               (long long)c->cin, (long long)c->h, (long long)c->w, (long long)c->cout,
               (long long)c->k, (long long)c->stride,
               (long long)(c->pad < 0 ? (c->k - 1) / 2 : c->pad), (long long)ho, (long long)wo,
               (long long)batch, j.dx ? "true" : "false", reps, med[FWD], gf_f, med[BWD], gf_b,
               (long long)j.M, (long long)j.N, (long long)j.K, med[GEMM_FWD], gg_f,
               med[GEMM_BWD], gg_b, r_f, r_b);
    else
        printf("%-6s %-24s %5lld %-3s %8.3f %8.1f %8.3f %8.1f %9.1f %9.1f %8.2f %8.2f\n",
               pml_device_spec(dev), st, (long long)batch, j.dx ? "yes" : "no", 1e3 * med[FWD],
               gf_f, 1e3 * med[BWD], gf_b, gg_f, gg_b, r_f, r_b);
    fflush(stdout);
    pml_tensor_destroy(j.x);
    pml_tensor_destroy(j.dy);
    pml_tensor_destroy(j.col);
    pml_tensor_destroy(j.w);
    pml_tensor_destroy(j.rows);
    pml_tensor_destroy(j.dw);
    pml_tensor_destroy(j.dcol);
    pml_model_destroy(j.m);
}

static void bench_device(pml_device *dev, const double *bv, int nb, int reps, int all_dx,
                         int json)
{
    if (!json) {
        const int cpu = pml_device_get_kind(dev) == PML_DEVICE_CPU;
        printf("# %s: %s, %d %s", pml_device_spec(dev), pml_device_name(dev),
               pml_device_parallelism(dev), cpu ? "threads" : "SMs");
        if (cpu) printf("; %s (%s kernels)", pml_blas_name(), pml_blas_core());
        printf("; FP32, median of %d\n", reps);
        printf("%-6s %-24s %5s %-3s %8s %8s %8s %8s %9s %9s %8s %8s\n", "device", "shape",
               "batch", "dx", "fwd ms", "GFLOP/s", "bwd ms", "GFLOP/s", "GEMM fwd", "GEMM bwd",
               "fwd/GEMM", "bwd/GEMM");
    }
    for (int b = 0; b < nb; ++b)
        for (size_t i = 0; i < sizeof cases / sizeof *cases; ++i)
            bench_case(dev, &cases[i], (int64_t)bv[b], reps, all_dx, json);
}

int main(int argc, char **argv)
{
    pml_restart_tuned(argv); /* the OpenBLAS kernels the CLI gets (bench_rbm.c says why) */
    const char *which = "cpu", *batches = NULL;
    int json = 0, reps = -1, quick = 0, all_dx = 0;
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--json")) json = 1;
        else if (!strcmp(a, "--quick")) quick = 1;
        else if (!strcmp(a, "--dx")) all_dx = 1;
        else if (!strcmp(a, "--reps") && v && ++i) reps = atoi(v);
        else if (!strcmp(a, "--batch") && v && ++i) batches = v;
        else if (!strcmp(a, "--device") && v && ++i) which = v;
        else {
            fprintf(stderr, "usage: " PROG " [--device cpu|cuda|all] [--batch 64,256] [--reps N] "
                            "[--dx] [--quick] [--json]\n");
            return strcmp(a, "--help") == 0 ? 0 : 2;
        }
    }
    if (reps < 0) reps = quick ? 2 : 7;
    if (!batches) batches = quick ? "8" : "64,256";
    double bv[MAXB];
    const int nb = bench_parse_list(batches, bv, MAXB);
    int ok = nb >= 1 && reps >= 1 && reps <= 64;
    for (int b = 0; ok && b < nb; ++b) ok = bv[b] >= 1 && bv[b] == floor(bv[b]);
    if (!ok) {
        fprintf(stderr, PROG ": --batch wants whole numbers >= 1 (at most %d), --reps 1..64\n",
                MAXB);
        return 2;
    }
    if (strcmp(which, "all") && strcmp(which, "cpu") && strncmp(which, "cuda", 4)) {
        fprintf(stderr, PROG ": --device cpu, cuda[:N] or all\n");
        return 2;
    }
    int rc = 0;
    if (!strcmp(which, "all") || !strcmp(which, "cpu")) {
        pml_device *dev = bench_open(PROG, "cpu", "cpu", &rc);
        if (dev) bench_device(dev, bv, nb, reps, all_dx, json);
        pml_device_close(dev);
    }
    if (!strcmp(which, "all") || !strncmp(which, "cuda", 4)) {
        const char *spec = strcmp(which, "all") ? which : "cuda";
        if (pml_cuda_device_count() > 0) {
            pml_device *dev = bench_open(PROG, spec, spec, &rc);
            if (dev) bench_device(dev, bv, nb, reps, all_dx, json);
            pml_device_close(dev);
        } else if (!json) {
            printf("\n(no CUDA GPU: GPU rows skipped)\n");
        }
    }
    return rc;
}
