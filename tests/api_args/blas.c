/* api_args cases for blas.h: valid calls are C(2x2) = A(2x3) B(3x2). */
#include "api_args.h"

#define BLAS_CASES(X)                                                                      \
    X(pml_gemm, S_INVALID, pml_gemm(NULL, 0, 0, 2, 2, 3, 1.0, f->a, f->b, 0.0, f->c))      \
    X(pml_gemm, S_INVALID, pml_gemm(f->dev, 0, 0, 2, 2, 3, 1.0, NULL, f->b, 0.0, f->c))    \
    X(pml_gemm, S_INVALID, pml_gemm(f->dev, 0, 0, 2, 2, 3, 1.0, f->a, NULL, 0.0, f->c))    \
    X(pml_gemm, S_INVALID, pml_gemm(f->dev, 0, 0, 2, 2, 3, 1.0, f->a, f->b, 0.0, NULL))    \
    X(pml_gemm, S_INVALID, pml_gemm(f->dev, 0, 0, -1, 2, 3, 1.0, f->a, f->b, 0.0, f->c))   \
    X(pml_gemm, S_INVALID, pml_gemm(f->dev, 0, 0, 2, -1, 3, 1.0, f->a, f->b, 0.0, f->c))   \
    X(pml_gemm, S_INVALID, pml_gemm(f->dev, 0, 0, 2, 2, -1, 1.0, f->a, f->b, 0.0, f->c))   \
    X(pml_gemm, S_INVALID, pml_gemm(f->dev, 0, 0, 3, 2, 3, 1.0, f->a, f->b, 0.0, f->c))    \
    X(pml_gemm, S_INVALID,                                                                 \
      pml_gemm(f->dev, (pml_transpose)7, 0, 2, 2, 2, 1.0, f->a, f->b, 0.0, f->c))          \
    X(pml_gemm, S_INVALID, pml_gemm(f->dev, 0, 0, 2, 2, 3, 1.0, f->a, f->b, 0.0, f->d64))  \
    X(pml_gemm, S_INVALID, pml_gemm(f->dev, 0, 0, 2, 2, 2, 1.0, f->i22, f->i22, 0.0, f->i22)) \
    X(pml_gemm, S_INVALID, pml_gemm(f->dev, 0, 0, 2, 2, 3, 1.0, f->v6, f->b, 0.0, f->c))   \
    X(pml_gemm, S_INVALID, pml_gemm(f->dev, 0, 0, 2, 2, 2, 1.0, f->c, f->c, 0.0, f->c))    \
    X(pml_gemm, S_MISMATCH, pml_gemm(f->dev, 0, 0, 2, 2, 2, 1.0, f->far, f->b, 0.0, f->c)) \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(NULL, 0, 0, 2, 2, 3, 1.0, MREF(f->a, 0, 3),      \
                                          MREF(f->b, 0, 2), 0.0, f->c, 0, 2))              \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(f->dev, 0, 0, 2, 2, 3, 1.0, MREF(NULL, 0, 3),    \
                                          MREF(f->b, 0, 2), 0.0, f->c, 0, 2))              \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(f->dev, 0, 0, 2, 2, 3, 1.0, MREF(f->a, 0, 3),    \
                                          MREF(NULL, 0, 2), 0.0, f->c, 0, 2))              \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(f->dev, 0, 0, 2, 2, 3, 1.0, MREF(f->a, 0, 3),    \
                                          MREF(f->b, 0, 2), 0.0, NULL, 0, 2))              \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(f->dev, 0, 0, -2, 2, 3, 1.0, MREF(f->a, 0, 3),   \
                                          MREF(f->b, 0, 2), 0.0, f->c, 0, 2))              \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(f->dev, 0, (pml_transpose)9, 2, 2, 3, 1.0,       \
                                          MREF(f->a, 0, 3), MREF(f->b, 0, 2), 0.0, f->c, 0, 2)) \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(f->dev, 0, 0, 2, 2, 3, 1.0, MREF(f->a, -1, 3),   \
                                          MREF(f->b, 0, 2), 0.0, f->c, 0, 2))              \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(f->dev, 0, 0, 2, 2, 3, 1.0, MREF(f->a, 0, 2),    \
                                          MREF(f->b, 0, 2), 0.0, f->c, 0, 2))              \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(f->dev, 0, 0, 2, 2, 3, 1.0, MREF(f->a, 1, 3),    \
                                          MREF(f->b, 0, 2), 0.0, f->c, 0, 2))              \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(f->dev, 0, 0, 2, 2, 3, 1.0, MREF(f->a, 0, 3),    \
                                          MREF(f->b, 0, 2), 0.0, f->c, -1, 2))             \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(f->dev, 0, 0, 2, 2, 3, 1.0, MREF(f->a, 0, 3),    \
                                          MREF(f->b, 0, 2), 0.0, f->c, 0, 1ll << 32))      \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(f->dev, 0, 0, 2, 2, 3, 1.0, MREF(f->a, 0, 3),    \
                                          MREF(f->b, 0, 2), 0.0, f->d64, 0, 2))            \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(f->dev, 0, 0, 2, 2, 3, 1.0, MREF(f->a, 0, 3),    \
                                          MREF(f->a, 0, 2), 0.0, f->a, 0, 2))              \
    X(pml_gemm_ex, S_MISMATCH, pml_gemm_ex(f->dev, 0, 0, 2, 2, 3, 1.0, MREF(f->a, 0, 3),   \
                                           MREF(f->b, 0, 2), 0.0, f->far, 0, 2))           \
    X(pml_axpy, S_INVALID, pml_axpy(NULL, 1.0, f->c, f->c))                                \
    X(pml_axpy, S_INVALID, pml_axpy(f->dev, 1.0, NULL, f->c))                              \
    X(pml_axpy, S_INVALID, pml_axpy(f->dev, 1.0, f->c, NULL))                              \
    X(pml_axpy, S_INVALID, pml_axpy(f->dev, 1.0, f->d64, f->c)) /* dtypes differ */        \
    X(pml_axpy, S_INVALID, pml_axpy(f->dev, 1.0, f->a, f->c))   /* sizes differ */         \
    X(pml_axpy, S_INVALID, pml_axpy(f->dev, 1.0, f->i22, f->i22))                          \
    X(pml_axpy, S_MISMATCH, pml_axpy(f->dev, 1.0, f->c, f->far))                           \
    X(pml_scale, S_INVALID, pml_scale(NULL, 2.0, f->c))                                    \
    X(pml_scale, S_INVALID, pml_scale(f->dev, 2.0, NULL))                                  \
    X(pml_scale, S_INVALID, pml_scale(f->dev, 2.0, f->i22))                                \
    X(pml_scale, S_MISMATCH, pml_scale(f->dev, 2.0, f->far))                               \
    X(pml_sum, S_INVALID, pml_sum(NULL, f->c, &f->dval))                                   \
    X(pml_sum, S_INVALID, pml_sum(f->dev, NULL, &f->dval))                                 \
    X(pml_sum, S_INVALID, pml_sum(f->dev, f->c, NULL))                                     \
    X(pml_sum, S_MISMATCH, pml_sum(f->dev, f->far, &f->dval))
DEFINE_GROUP(blas_h, "blas.h", BLAS_CASES, NO_CASES)
