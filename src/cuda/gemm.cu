// GEMM on CUDA through cuBLAS. Row-major C = op(A) op(B) is column-major
// C^T = op(B)^T op(A)^T, so cuBLAS gets the operands swapped and no copy is made.
// Contract: see pml_gemm_args in core/backend.h.
#include "cuda/cuda.h"

// C = beta C on an m x n region with leading dimension ldc (the K = 0 case).
template <typename T>
static __global__ void scale_region_kernel(T *c, int64_t m, int64_t n, int64_t ldc, T beta)
{
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < m * n;
         i += (int64_t)gridDim.x * blockDim.x) {
        int64_t r = i / n, col = i % n;
        T *p = c + r * ldc + col;
        *p = beta == T(0) ? T(0) : beta * *p;
    }
}

extern "C" pml_status pml_cuda_gemm(pml_device *dev, const pml_gemm_args *g)
{
    PML_TRY(pml_cuda_enter(dev));
    pml_cuda_state *st = pml_cuda(dev);
    if (g->k == 0) {
        if (g->dtype == PML_F32)
            scale_region_kernel<float><<<pml_cuda_grid(dev, g->m * g->n, 256), 256, 0, st->stream>>>(
                (float *)g->c, g->m, g->n, g->ldc, (float)g->beta);
        else
            scale_region_kernel<double><<<pml_cuda_grid(dev, g->m * g->n, 256), 256, 0, st->stream>>>(
                (double *)g->c, g->m, g->n, g->ldc, g->beta);
        PML_CUDA_LAUNCHED("scale_region_kernel");
        return PML_OK;
    }
    cublasOperation_t ob = g->trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
    cublasOperation_t oa = g->trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
    // column-major sizes of C^T; sizes and leading dimensions fit an int (src/core/blas.c)
    int m = (int)g->n, n = (int)g->m, k = (int)g->k;
    if (g->dtype == PML_F32) {
        float alpha = (float)g->alpha, beta = (float)g->beta;
        PML_CUBLAS_TRY(cublasSetMathMode(st->cublas,
                                         dev->tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
        PML_CUBLAS_TRY(cublasSgemm(st->cublas, ob, oa, m, n, k, &alpha, (const float *)g->b,
                                   (int)g->ldb, (const float *)g->a, (int)g->lda, &beta,
                                   (float *)g->c, (int)g->ldc));
    } else {
        PML_CUBLAS_TRY(cublasDgemm(st->cublas, ob, oa, m, n, k, &g->alpha, (const double *)g->b,
                                   (int)g->ldb, (const double *)g->a, (int)g->lda, &g->beta,
                                   (double *)g->c, (int)g->ldc));
    }
    return PML_OK;
}
