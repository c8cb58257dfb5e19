/* The backend ops table: one per backend, filled with designated initialisers in
 * src/cpu/backend_cpu.c and src/cuda/backend_cuda.c.
 *
 * The public wrappers in src/core check every argument and shape once, then call through
 * this table; a backend trusts what it is given. A NULL entry means the backend lacks the
 * kernel, and the wrapper answers PML_ERR_UNSUPPORTED (never a silent fallback).
 *
 * Models add their kernels as a table of their own (struct pml_<model>_ops, declared in
 * src/<model>/<model>_ops.h) hung off the pointer fields at the end. */
#ifndef PML_BACKEND_H
#define PML_BACKEND_H

#include "core/internal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* GEMM on raw storage, already checked: C[off_c..] = alpha op(A) op(B) + beta C,
 * row-major, leading dimensions in elements. */
typedef struct pml_gemm_args {
    pml_dtype dtype; /* F32 or F64 */
    pml_transpose trans_a, trans_b;
    int64_t m, n, k;
    double alpha, beta;
    const void *a;
    int64_t lda;
    const void *b;
    int64_t ldb;
    void *c;
    int64_t ldc;
} pml_gemm_args;

struct pml_ising_ops;
struct pml_nn_ops;
struct pml_data_ops;

struct pml_backend_ops {
    const char *name;

    /* memory: sizes in bytes, pointers in the backend's address space */
    pml_status (*alloc)(pml_device *dev, size_t nbytes, void **out);
    void (*release)(pml_device *dev, void *ptr);
    pml_status (*upload)(pml_device *dev, void *dst, const void *host_src, size_t nbytes);
    pml_status (*download)(pml_device *dev, void *host_dst, const void *src, size_t nbytes);
    pml_status (*copy)(pml_device *dev, void *dst, const void *src, size_t nbytes);
    pml_status (*memzero)(pml_device *dev, void *dst, size_t nbytes);
    pml_status (*synchronize)(pml_device *dev);
    pml_status (*memory_info)(const pml_device *dev, size_t *total, size_t *free_bytes);

    /* t[i] = value converted to t's dtype */
    pml_status (*fill)(pml_device *dev, pml_tensor *t, double value);

    /* random: element i of t gets the draw at (seed, stream, offset + i) (see rng.h) */
    pml_status (*rand_u32)(pml_device *dev, pml_tensor *t, uint64_t seed, uint64_t stream,
                           uint64_t offset);
    pml_status (*rand_uniform)(pml_device *dev, pml_tensor *t, uint64_t seed, uint64_t stream,
                               uint64_t offset);
    pml_status (*rand_normal)(pml_device *dev, pml_tensor *t, uint64_t seed, uint64_t stream,
                              uint64_t offset, float mean, float stddev);

    /* dense linear algebra (float dtypes) */
    pml_status (*gemm)(pml_device *dev, const pml_gemm_args *args);
    pml_status (*axpy)(pml_device *dev, double alpha, const pml_tensor *x, pml_tensor *y);
    pml_status (*scale)(pml_device *dev, double alpha, pml_tensor *x);
    pml_status (*sum)(pml_device *dev, const pml_tensor *x, double *out);

    /* model kernel tables; NULL where a backend has none */
    const struct pml_ising_ops *ising;

    const struct pml_nn_ops *nn;

    const struct pml_data_ops *data;
};

/* The tables. */
extern const struct pml_backend_ops pml_cpu_backend;
extern const struct pml_backend_ops pml_cuda_backend;

/* Shorthand for wrappers: fail with PML_ERR_UNSUPPORTED when a kernel is missing. */
#define PML_NEED_OP(dev, table_expr, fn)                                                    \
    PML_CHECK((table_expr) != NULL, PML_ERR_UNSUPPORTED, "%s: not implemented on the %s backend", \
              fn, (dev)->ops->name)

#ifdef __cplusplus
}
#endif
#endif
