/* bench_gemm: FP32 GEMM throughput per backend, square and tall-skinny shapes, and the
 * overhead of pml_gemm over calling OpenBLAS / cuBLAS directly on the same buffers.
 *
 *   bench_gemm [--json] [--device cpu|cuda|all] [--reps N] [--quick]
 *
 * Each figure is the median of N timed repeats after one warm-up. The direct call uses the
 * same operands, shapes and the operand swap pml_gemm uses, so the ratio is the cost of
 * the wrapper (argument checks, dispatch) alone. */
#include "bench_util.h"
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/internal.h"
#ifdef PML_HAVE_CUDA
#include "cuda/cuda.h"
#endif

typedef struct shape {
    const char *kind;
    int64_t m, n, k;
} shape;

static const shape cpu_shapes[] = {
    {"square", 256, 256, 256},   {"square", 512, 512, 512},   {"square", 1024, 1024, 1024},
    {"square", 2048, 2048, 2048}, {"tall", 65536, 100, 784},  {"tall", 65536, 10, 100},
    {"skinny", 784, 100, 65536},
};
static const shape gpu_shapes[] = {
    {"square", 1024, 1024, 1024}, {"square", 2048, 2048, 2048}, {"square", 4096, 4096, 4096},
    {"square", 8192, 8192, 8192}, {"tall", 262144, 100, 784},   {"tall", 262144, 10, 100},
    {"skinny", 784, 100, 262144},
};

typedef pml_status (*gemm_fn)(pml_device *dev, const shape *s, pml_tensor *a, pml_tensor *b,
                              pml_tensor *c);

static pml_status via_pml(pml_device *dev, const shape *s, pml_tensor *a, pml_tensor *b,
                          pml_tensor *c)
{
    return pml_gemm(dev, PML_NO_TRANS, PML_NO_TRANS, s->m, s->n, s->k, 1.0, a, b, 0.0, c);
}

static pml_status direct(pml_device *dev, const shape *s, pml_tensor *a, pml_tensor *b,
                         pml_tensor *c)
{
    (void)dev; /* used only with CUDA: the cpu preset builds with -Werror */
#ifdef PML_HAVE_CUDA
    if (dev->kind == PML_DEVICE_CUDA) {
        float one = 1.0f, zero = 0.0f;
        cublasStatus_t st = cublasSgemm(pml_cuda(dev)->cublas, CUBLAS_OP_N, CUBLAS_OP_N, (int)s->n,
                                        (int)s->m, (int)s->k, &one, (const float *)b->data,
                                        (int)s->n, (const float *)a->data, (int)s->k, &zero,
                                        (float *)c->data, (int)s->n);
        return st == CUBLAS_STATUS_SUCCESS ? PML_OK : PML_ERR_CUDA;
    }
#endif
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)s->m, (blasint)s->n,
                (blasint)s->k, 1.0f, (const float *)a->data, (blasint)s->k,
                (const float *)b->data, (blasint)s->n, 0.0f, (float *)c->data, (blasint)s->n);
    return PML_OK;
}

static pml_status time_it(pml_device *dev, gemm_fn fn, const shape *s, pml_tensor *a,
                          pml_tensor *b, pml_tensor *c, int reps, double *median)
{
    double t[64];
    PML_TRY(fn(dev, s, a, b, c));
    PML_TRY(pml_device_synchronize(dev));
    /* Small problems: time batches of calls so the clock resolution does not matter. */
    double flop = 2.0 * (double)s->m * (double)s->n * (double)s->k;
    int inner = flop < 1e9 ? 20 : 1;
    for (int r = 0; r < reps; ++r) {
        double t0 = bench_now();
        for (int i = 0; i < inner; ++i) PML_TRY(fn(dev, s, a, b, c));
        PML_TRY(pml_device_synchronize(dev));
        t[r] = (bench_now() - t0) / inner;
    }
    *median = bench_median(t, reps);
    return PML_OK;
}

static int bench_device(const char *spec, int reps, int quick, int json)
{
    pml_device *dev = NULL;
    if (pml_device_open(spec, &dev) != PML_OK) {
        fprintf(stderr, "bench_gemm: %s: %s\n", spec, pml_last_error());
        return 1;
    }
    int gpu = dev->kind == PML_DEVICE_CUDA;
    const shape *shapes = gpu ? gpu_shapes : cpu_shapes;
    size_t ns = gpu ? sizeof gpu_shapes / sizeof *gpu_shapes : sizeof cpu_shapes / sizeof *cpu_shapes;
    if (quick) ns = 3;
    if (!json)
        printf("\n%s (%s), FP32, median of %d\n%-7s %7s %7s %7s %12s %12s %9s\n", dev->spec,
               dev->name, reps, "shape", "M", "N", "K", "pml GFLOP/s", "direct", "overhead");
    int rc = 0;
    for (size_t i = 0; i < ns; ++i) {
        const shape *s = &shapes[i];
        pml_tensor *a = NULL, *b = NULL, *c = NULL;
        pml_status st = pml_tensor_create_2d(dev, PML_F32, s->m, s->k, &a);
        if (st == PML_OK) st = pml_tensor_create_2d(dev, PML_F32, s->k, s->n, &b);
        if (st == PML_OK) st = pml_tensor_create_2d(dev, PML_F32, s->m, s->n, &c);
        if (st == PML_OK) st = pml_rand_uniform(a, 1, 0, 0);
        if (st == PML_OK) st = pml_rand_uniform(b, 1, 1, 0);
        double tp = 0, td = 0;
        /* alternate the two so drifting clocks or neighbours hit both alike */
        if (st == PML_OK) st = time_it(dev, direct, s, a, b, c, reps, &td);
        if (st == PML_OK) st = time_it(dev, via_pml, s, a, b, c, reps, &tp);
        if (st == PML_OK) {
            double td2 = 0;
            st = time_it(dev, direct, s, a, b, c, reps, &td2);
            if (td2 < td) td = td2;
        }
        if (st != PML_OK) {
            fprintf(stderr, "bench_gemm: %s %lldx%lldx%lld: %s\n", spec, (long long)s->m,
                    (long long)s->n, (long long)s->k, pml_last_error());
            rc = 1;
        } else {
            double flop = 2.0 * (double)s->m * (double)s->n * (double)s->k;
            double gp = flop / tp / 1e9, gd = flop / td / 1e9, over = tp / td - 1.0;
            if (json)
                printf("{\"name\": \"gemm\", \"device\": \"%s\", \"device_name\": \"%s\", "
                       "\"shape\": \"%s\", \"m\": %lld, \"n\": %lld, \"k\": %lld, \"dtype\": "
                       "\"f32\", \"reps\": %d, \"median_s\": %.6e, \"gflops\": %.2f, "
                       "\"direct_median_s\": %.6e, \"direct_gflops\": %.2f, \"overhead\": %.4f}\n",
                       dev->spec, dev->name, s->kind, (long long)s->m, (long long)s->n,
                       (long long)s->k, reps, tp, gp, td, gd, over);
            else
                printf("%-7s %7lld %7lld %7lld %12.1f %12.1f %+8.2f%%\n", s->kind, (long long)s->m,
                       (long long)s->n, (long long)s->k, gp, gd, 100.0 * over);
            fflush(stdout);
        }
        pml_tensor_destroy(a);
        pml_tensor_destroy(b);
        pml_tensor_destroy(c);
    }
    pml_device_close(dev);
    return rc;
}

int main(int argc, char **argv)
{
    int json = 0, reps = 9, quick = 0;
    const char *which = "all";
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--json") == 0) json = 1;
        else if (strcmp(argv[i], "--quick") == 0) quick = 1;
        else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--device") == 0 && i + 1 < argc) which = argv[++i];
        else {
            fprintf(stderr, "usage: bench_gemm [--json] [--device cpu|cuda|all] [--reps N] [--quick]\n");
            return strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    if (reps < 1) reps = 1;
    if (reps > 64) reps = 64;
    int rc = 0;
    if (strcmp(which, "all") == 0 || strcmp(which, "cpu") == 0) rc |= bench_device("cpu", reps, quick, json);
    if (strcmp(which, "all") == 0 || strncmp(which, "cuda", 4) == 0) {
        if (pml_cuda_device_count() > 0) rc |= bench_device(strcmp(which, "all") ? which : "cuda", reps, quick, json);
        else if (!json) printf("\n(no CUDA GPU: GPU rows skipped)\n");
    }
    return rc;
}
