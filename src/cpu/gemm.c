/* GEMM on the CPU: the naive triple loop (the reference that tests compare OpenBLAS and
 * cuBLAS against), and OpenBLAS through CBLAS (row-major). Contract: pml_gemm_args in
 * src/core/backend.h. */
#include <cblas.h>
#include <stdio.h>

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

/* The fast path: OpenBLAS. */
pml_status pml_cpu_gemm(pml_device *dev, const pml_gemm_args *g)
{
    (void)dev;
    enum CBLAS_TRANSPOSE ta = g->trans_a ? CblasTrans : CblasNoTrans;
    enum CBLAS_TRANSPOSE tb = g->trans_b ? CblasTrans : CblasNoTrans;
    if (g->dtype == PML_F32)
        cblas_sgemm(CblasRowMajor, ta, tb, (blasint)g->m, (blasint)g->n, (blasint)g->k,
                    (float)g->alpha, (const float *)g->a, (blasint)g->lda, (const float *)g->b,
                    (blasint)g->ldb, (float)g->beta, (float *)g->c, (blasint)g->ldc);
    else
        cblas_dgemm(CblasRowMajor, ta, tb, (blasint)g->m, (blasint)g->n, (blasint)g->k, g->alpha,
                    (const double *)g->a, (blasint)g->lda, (const double *)g->b, (blasint)g->ldb,
                    g->beta, (double *)g->c, (blasint)g->ldc);
    return PML_OK;
}
