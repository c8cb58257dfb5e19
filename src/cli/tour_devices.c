/* Tour chapter "devices": the devices found, a GEMM cross-check of CPU and GPU when both
 * exist, and the FP32 GEMM throughput of each. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median GFLOP/s of C = A B at n x n x n on dev. */
static pml_status gemm_gflops(pml_device *dev, int64_t n, int reps, double *gflops)
{
    pml_tensor *a = NULL, *b = NULL, *c = NULL;
    pml_status s = pml_tensor_create_2d(dev, PML_F32, n, n, &a);
    if (s == PML_OK) s = pml_tensor_create_2d(dev, PML_F32, n, n, &b);
    if (s == PML_OK) s = pml_tensor_create_2d(dev, PML_F32, n, n, &c);
    if (s == PML_OK) s = pml_rand_uniform(a, 1, 0, 0);
    if (s == PML_OK) s = pml_rand_uniform(b, 1, 1, 0);
    if (s == PML_OK) s = pml_gemm(dev, PML_NO_TRANS, PML_NO_TRANS, n, n, n, 1.0, a, b, 0.0, c);
    if (s == PML_OK) s = pml_device_synchronize(dev);
    double t[16];
    if (reps > 16) reps = 16;
    for (int i = 0; i < reps && s == PML_OK; ++i) {
        double t0 = pml_now();
        s = pml_gemm(dev, PML_NO_TRANS, PML_NO_TRANS, n, n, n, 1.0, a, b, 0.0, c);
        if (s == PML_OK) s = pml_device_synchronize(dev);
        t[i] = pml_now() - t0;
    }
    if (s == PML_OK) {
        qsort(t, (size_t)reps, sizeof t[0], cmp_double);
        *gflops = 2.0 * (double)n * (double)n * (double)n / t[reps / 2] / 1e9;
    }
    pml_tensor_destroy(a);
    pml_tensor_destroy(b);
    pml_tensor_destroy(c);
    return s;
}

/* Worst relative difference of the same GEMM on the CPU and the GPU. */
static pml_status cross_check(pml_device *cpu, pml_device *gpu, int64_t n, double *worst)
{
    pml_tensor *t[6] = {0};
    pml_device *devs[2] = {cpu, gpu};
    pml_status s = PML_OK;
    for (int d = 0; d < 2 && s == PML_OK; ++d) {
        for (int k = 0; k < 3 && s == PML_OK; ++k)
            s = pml_tensor_create_2d(devs[d], PML_F32, n, n, &t[3 * d + k]);
        if (s == PML_OK) s = pml_rand_normal(t[3 * d], 7, 0, 0, 0.f, 1.f);
        if (s == PML_OK) s = pml_rand_normal(t[3 * d + 1], 7, 1, 0, 0.f, 1.f);
        if (s == PML_OK)
            s = pml_gemm(devs[d], PML_NO_TRANS, PML_TRANS, n, n, n, 1.0, t[3 * d], t[3 * d + 1],
                         0.0, t[3 * d + 2]);
    }
    float *hc = NULL, *hg = NULL;
    if (s == PML_OK) {
        hc = malloc((size_t)(n * n) * sizeof *hc);
        hg = malloc((size_t)(n * n) * sizeof *hg);
        if (!hc || !hg) s = PML_ERR_OUT_OF_MEMORY;
    }
    if (s == PML_OK) s = pml_tensor_download(t[2], hc, pml_tensor_nbytes(t[2]));
    if (s == PML_OK) s = pml_tensor_download(t[5], hg, pml_tensor_nbytes(t[5]));
    if (s == PML_OK) {
        double w = 0.0;
        for (int64_t i = 0; i < n * n; ++i) {
            /* scale by sqrt(n): the size of an entry of a product of unit normals */
            double e = fabs((double)hc[i] - (double)hg[i]) / sqrt((double)n);
            if (e > w) w = e;
        }
        *worst = w;
    }
    free(hc);
    free(hg);
    for (int k = 0; k < 6; ++k) pml_tensor_destroy(t[k]);
    return s;
}

int pml_tour_devices(pml_tour_ctx *ctx)
{
    pml_device_info devs[8];
    int count = 0;
    pml_status s = pml_device_list(devs, 8, &count);
    if (s != PML_OK) return pml_cli_fail("tour", "listing devices", s);
    if (count > 8) count = 8;
    fprintf(ctx->report, "physml %s, CUDA backend %s, CPU BLAS %s.\n\n| device | name | memory |\n"
                         "|---|---|---|\n",
            pml_version_string(), pml_cuda_compiled() ? "compiled" : "not compiled",
            pml_blas_name());
    for (int i = 0; i < count; ++i) {
        char spec[16], mem[32];
        if (devs[i].kind == PML_DEVICE_CPU) snprintf(spec, sizeof spec, "cpu");
        else snprintf(spec, sizeof spec, "cuda:%d", devs[i].ordinal);
        snprintf(mem, sizeof mem, "%.1f GiB", (double)devs[i].memory_bytes / (1u << 30));
        fprintf(ctx->report, "| %s | %s | %s |\n", spec, devs[i].name, mem);
        pml_tour_row("devices", spec, mem, devs[i].name);
    }
    fputc('\n', ctx->report);

    /* Throughput on every device, and a cross-check when a GPU is there too. */
    pml_device *cpu = NULL, *gpu = NULL;
    if ((s = pml_device_open("cpu", &cpu)) != PML_OK) return pml_cli_fail("tour", "cpu", s);
    if (pml_cuda_device_count() > 0 && pml_device_open("cuda", &gpu) != PML_OK) gpu = NULL;
    int rc = 0;
    fprintf(ctx->report, "FP32 GEMM throughput, C = A B, median of repeats:\n\n"
                         "| device | n | GFLOP/s |\n|---|---|---|\n");
    pml_device *list[2] = {cpu, gpu};
    for (int d = 0; d < 2; ++d) {
        if (!list[d]) continue;
        int64_t n = list[d] == cpu ? (ctx->quick ? 512 : 1024) : (ctx->quick ? 2048 : 4096);
        double gf = 0.0;
        s = gemm_gflops(list[d], n, ctx->quick ? 3 : 7, &gf);
        if (s != PML_OK) {
            rc = pml_cli_fail("tour", "GEMM throughput", s);
            continue;
        }
        char q[64], v[32];
        snprintf(q, sizeof q, "GEMM %lld^3 on %s", (long long)n, pml_device_spec(list[d]));
        snprintf(v, sizeof v, "%.1f GFLOP/s", gf);
        pml_tour_row("devices", q, v, "FP32, median");
        fprintf(ctx->report, "| %s | %lld | %.1f |\n", pml_device_spec(list[d]), (long long)n, gf);
        if (!ctx->quiet) fprintf(stderr, "  %s: %s\n", q, v);
    }
    fputc('\n', ctx->report);
    if (gpu) {
        double worst = 0.0;
        s = cross_check(cpu, gpu, 512, &worst);
        if (s != PML_OK) {
            rc = pml_cli_fail("tour", "GEMM cross-check", s);
        } else {
            char v[32];
            snprintf(v, sizeof v, "%.2e", worst);
            int ok = worst < 1e-5;
            pml_tour_row("devices", "GEMM 512^3 CPU vs GPU, max err/sqrt(K)", v,
                         ok ? "agree (FP32, < 1e-5)" : "DISAGREE");
            fprintf(ctx->report, "CPU and GPU GEMM of the same normal 512x512 matrices: largest "
                                 "difference / sqrt(K) = %s (%s).\n\n",
                    v, ok ? "agree" : "disagree");
            if (!ok) rc = 1;
        }
    } else {
        pml_tour_row("devices", "GEMM CPU vs GPU", "skipped", "no CUDA GPU on this machine");
        fprintf(ctx->report, "No CUDA GPU answered, so the CPU/GPU cross-check was skipped.\n\n");
    }
    pml_device_close(gpu);
    pml_device_close(cpu);
    return rc;
}
