/* GEMM on the CPU: the naive triple loop (the reference that tests compare OpenBLAS and
 * cuBLAS against), and OpenBLAS through CBLAS (row-major). Contract: pml_gemm_args in
 * src/core/backend.h. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <stdio.h>
#include <strings.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cpu/cpu.h"

const char *pml_blas_name(void)
{
    static char name[96];
    if (name[0] == '\0') {
#ifdef OPENBLAS_VERSION
        snprintf(name, sizeof name, "%s", OPENBLAS_VERSION);
        /* OPENBLAS_VERSION reads " OpenBLAS 0.3.21 ": trim the spaces */
        char *p = name;
        while (*p == ' ') ++p;
        int len = snprintf(name, sizeof name, "%s", p);
        while (len > 0 && name[len - 1] == ' ') name[--len] = '\0';
#else
        snprintf(name, sizeof name, "CBLAS");
#endif
    }
    return name;
}

const char *pml_blas_core(void)
{
#ifdef OPENBLAS_VERSION
    const char *c = openblas_get_corename();
    return c ? c : "";
#else
    return "";
#endif
}

const char *pml_blas_core_suggested(void)
{
#if defined(OPENBLAS_VERSION) && defined(__x86_64__) && defined(__GNUC__)
    const char *c = pml_blas_core();
    /* the generic cores OpenBLAS falls back to on processors it does not know */
    if (strcasecmp(c, "prescott") != 0 && strcasecmp(c, "core2") != 0 &&
        strcasecmp(c, "nehalem") != 0 && strcasecmp(c, "sandybridge") != 0)
        return NULL;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
    return NULL;
}

/* The reference: the triple loop, accumulated in double. */
static double load(const void *p, pml_dtype dt, int64_t i)
{
    return dt == PML_F32 ? (double)((const float *)p)[i] : ((const double *)p)[i];
}

pml_status pml_cpu_gemm_naive(pml_device *dev, const pml_gemm_args *g)
{
    (void)dev;
    for (int64_t i = 0; i < g->m; ++i) {
        for (int64_t j = 0; j < g->n; ++j) {
            double acc = 0.0;
            for (int64_t p = 0; p < g->k; ++p) {
                double a = load(g->a, g->dtype, g->trans_a ? p * g->lda + i : i * g->lda + p);
                double b = load(g->b, g->dtype, g->trans_b ? j * g->ldb + p : p * g->ldb + j);
                acc += a * b;
            }
            int64_t ci = i * g->ldc + j;
            /* beta == 0 overwrites C, so NaN or garbage there does not leak through */
            double c = g->beta == 0.0 ? 0.0 : g->beta * load(g->c, g->dtype, ci);
            double v = g->alpha * acc + c;
            if (g->dtype == PML_F32) ((float *)g->c)[ci] = (float)v;
            else ((double *)g->c)[ci] = v;
        }
    }
    return PML_OK;
}

/* Threads: the library's OpenMP team, not the BLAS's own. OpenBLAS runs on one thread, and a
 * product of more than PML_GEMM_SPLIT_MACS multiply-adds is cut into as many blocks of rows (or
 * of columns, when C has few rows) as there are OpenMP threads, each block one single-threaded
 * BLAS call. Two thread pools on one machine fight: OpenBLAS's workers yield in a loop between
 * calls while the OpenMP team spins between the kernels around the GEMMs (an RBM's sampling, a
 * layer's activation). On two cores, training an RBM (784 x 256, CD-1, batch 100) on 20,000
 * examples took 2.4-2.9 s with both pools threaded, 0.85-1.2 s with one-thread GEMMs and
 * 0.78-0.86 s split here. Each
 * element of C is still one BLAS dot product over the whole of k, as without the split, and
 * every block starts at a multiple of 16 rows or columns, a multiple of every x86 kernel's
 * unrolling: OpenBLAS 0.3.21's cores then give the same bits for any thread count, except
 * the Haswell and Zen SGEMM, whose sums move in the last bits with a block's size
 * (tests/gemm_test.c, same_bits_for_any_thread_count). */
#define PML_GEMM_SPLIT_MACS ((int64_t)1 << 18)

static void blas_one_thread(void)
{
#ifdef OPENBLAS_VERSION
    static _Atomic int done = 0; /* the BLAS thread count is process-wide */
    if (!done) {
        openblas_set_num_threads(1);
        done = 1;
    }
#endif
}

static void gemm_block(const pml_gemm_args *g, int64_t i0, int64_t m, int64_t j0, int64_t n)
{
    enum CBLAS_TRANSPOSE ta = g->trans_a ? CblasTrans : CblasNoTrans;
    enum CBLAS_TRANSPOSE tb = g->trans_b ? CblasTrans : CblasNoTrans;
    const int64_t ao = g->trans_a ? i0 : i0 * g->lda, bo = g->trans_b ? j0 * g->ldb : j0;
    const int64_t co = i0 * g->ldc + j0;
    if (g->dtype == PML_F32)
        cblas_sgemm(CblasRowMajor, ta, tb, (blasint)m, (blasint)n, (blasint)g->k,
                    (float)g->alpha, (const float *)g->a + ao, (blasint)g->lda,
                    (const float *)g->b + bo, (blasint)g->ldb, (float)g->beta,
                    (float *)g->c + co, (blasint)g->ldc);
    else
        cblas_dgemm(CblasRowMajor, ta, tb, (blasint)m, (blasint)n, (blasint)g->k, g->alpha,
                    (const double *)g->a + ao, (blasint)g->lda, (const double *)g->b + bo,
                    (blasint)g->ldb, g->beta, (double *)g->c + co, (blasint)g->ldc);
}

/* The fast path: OpenBLAS, blocks of C over the OpenMP threads. */
pml_status pml_cpu_gemm(pml_device *dev, const pml_gemm_args *g)
{
    (void)dev;
    blas_one_thread();
    int T = 1;
#ifdef _OPENMP
    if (g->m * g->n * g->k > PML_GEMM_SPLIT_MACS && !omp_in_parallel()) T = omp_get_max_threads();
#endif
    /* Each block packs all of the operand it does not split: rows when A is the larger
     * (m >= n), else columns in multiples of 16. Rows for X W^T at batch 128 (m = 128,
     * n = 400 or 784) had both threads pack all of W: the VAE's forward products took
     * 0.53-0.62 ms split by rows, 0.33-0.51 ms by columns (784 x 400 weights, 2 threads). */
    const int by_rows = g->m >= g->n || g->n < 16 * (int64_t)T;
    const int64_t len = by_rows ? g->m : g->n, unit = 16;
    int64_t per = (len + T - 1) / T;
    per = (per + unit - 1) / unit * unit;
    const int blocks = T > 1 ? (int)((len + per - 1) / per) : 1;
    if (blocks <= 1) {
        gemm_block(g, 0, g->m, 0, g->n);
        return PML_OK;
    }
#pragma omp parallel for schedule(static, 1) num_threads(blocks)
    for (int b = 0; b < blocks; ++b) {
        const int64_t lo = (int64_t)b * per, hi = lo + per < len ? lo + per : len;
        if (by_rows) gemm_block(g, lo, hi - lo, 0, g->n);
        else gemm_block(g, 0, g->m, lo, hi - lo);
    }
    return PML_OK;
}
