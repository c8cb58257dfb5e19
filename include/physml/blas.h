/* Dense linear algebra on tensors: GEMM, axpy, scale, sum.
 *
 * Row-major throughout. Matrices are 2-D tensors (or regions of them): the leading
 * dimension of a 2-D tensor is its number of columns. On the CPU GEMM is OpenBLAS; on CUDA
 * it is cuBLAS, reached by swapping operands (row-major C = A B is column-major
 * C^T = B^T A^T). FP32 GEMM is plain FP32 and deterministic unless TF32 was enabled with
 * pml_device_set_tf32. */
#ifndef PHYSML_BLAS_H
#define PHYSML_BLAS_H

#include <stdint.h>

#include "physml/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pml_transpose {
    PML_NO_TRANS = 0,
    PML_TRANS = 1
} pml_transpose;

/* C = alpha op(A) op(B) + beta C, with op(A) M x K, op(B) K x N, C M x N.
 * A, B, C: 2-D tensors of one float dtype (F32 or F64) on `dev`; each must be at least
 * as large as the region used (A is M x K, or K x M when transposed, taken from its top
 * left corner), and its leading dimension is its column count. K = 0 gives C = beta C.
 * C must not overlap A or B. */
PML_API pml_status pml_gemm(pml_device *dev, pml_transpose trans_a, pml_transpose trans_b,
                            int64_t m, int64_t n, int64_t k, double alpha, const pml_tensor *a,
                            const pml_tensor *b, double beta, pml_tensor *c);

/* The general form: each operand is the region starting at element `off_x` of tensor x's
 * storage, with leading dimension `ld_x` (>= the region's column count). Any tensor shape
 * will do as long as the region lies inside the storage. */
typedef struct pml_matrix_ref {
    const pml_tensor *t;
    int64_t offset; /* in elements */
    int64_t ld;     /* in elements */
} pml_matrix_ref;

PML_API pml_status pml_gemm_ex(pml_device *dev, pml_transpose trans_a, pml_transpose trans_b,
                               int64_t m, int64_t n, int64_t k, double alpha, pml_matrix_ref a,
                               pml_matrix_ref b, double beta, pml_tensor *c, int64_t off_c,
                               int64_t ld_c);

/* y = alpha x + y, elementwise; x and y of one float dtype and element count. */
PML_API pml_status pml_axpy(pml_device *dev, double alpha, const pml_tensor *x, pml_tensor *y);
/* x = alpha x. */
PML_API pml_status pml_scale(pml_device *dev, double alpha, pml_tensor *x);
/* *out = sum of all elements (accumulated in double on every backend). */
PML_API pml_status pml_sum(pml_device *dev, const pml_tensor *x, double *out);

#ifdef __cplusplus
}
#endif
#endif
