/* The backend interface: the ops table every backend fills (src/cpu/backend_cpu.c,
 * src/cuda/backend_cuda.c) and the registry entry through which src/core/device.c opens it.
 *
 * The public wrappers in src/core and the models check every argument and shape once, then
 * call through the table; a backend trusts what it is given. A NULL entry means the backend
 * lacks the kernel, and the wrapper answers PML_ERR_UNSUPPORTED (never a silent fallback).
 *
 * One kernel convention: every kernel is `pml_status fn(pml_device *, const pml_<op>_args *)`,
 * declared once here (generic kernels) or in src/ops/<family>_ops.h (family kernels) as the
 * function type pml_<op>_fn. The table field, the CPU prototype and the CUDA prototype are
 * all written with that type, so a signature exists exactly once. Arguments are raw storage
 * (device pointers, element counts, dtypes), never tensors: a kernel knows nothing of the
 * objects above it.
 *
 * Family tables (struct pml_<family>_ops, declared in src/ops/<family>_ops.h) hang off the
 * pointer fields at the end; core never looks inside them. */
#ifndef PML_BACKEND_H
#define PML_BACKEND_H

#include "core/internal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- generic kernels ---------------------------------------------------------------------
 * Element counts n >= 1 (the wrappers return early on empty tensors); pointers in the
 * backend's address space unless said otherwise. */

/* data[i] = value converted to dtype, i < n. */
typedef struct pml_fill_args {
    pml_dtype dtype;
    int64_t n;
    void *data;
    double value;
} pml_fill_args;
typedef pml_status pml_fill_fn(pml_device *dev, const pml_fill_args *args);

/* Philox fills (physml/rng.h): element i gets draw offset + i of (seed, stream), as a u32
 * (dtype U32), a uniform in (0, 1] (F32/F64) or mean + stddev * a normal (F32/F64). */
typedef enum pml_rand_dist {
    PML_RAND_U32 = 0,
    PML_RAND_UNIFORM = 1,
    PML_RAND_NORMAL = 2
} pml_rand_dist;
typedef struct pml_rand_args {
    pml_rand_dist dist;
    pml_dtype dtype;
    int64_t n;
    void *data;
    uint64_t seed, stream, offset;
    float mean, stddev; /* PML_RAND_NORMAL */
} pml_rand_args;
typedef pml_status pml_rand_fn(pml_device *dev, const pml_rand_args *args);

/* C = alpha op(A) op(B) + beta C, row-major, leading dimensions in elements; F32 or F64. */
typedef struct pml_gemm_args {
    pml_dtype dtype;
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
typedef pml_status pml_gemm_fn(pml_device *dev, const pml_gemm_args *args);

/* y[i] += alpha x[i], i < n; F32 or F64 (alpha rounded to the dtype once). */
typedef struct pml_axpy_args {
    pml_dtype dtype;
    int64_t n;
    double alpha;
    const void *x;
    void *y;
} pml_axpy_args;
typedef pml_status pml_axpy_fn(pml_device *dev, const pml_axpy_args *args);

/* x[i] *= alpha, i < n; F32 or F64. */
typedef struct pml_scale_args {
    pml_dtype dtype;
    int64_t n;
    double alpha;
    void *x;
} pml_scale_args;
typedef pml_status pml_scale_fn(pml_device *dev, const pml_scale_args *args);

/* *out (host) = sum of x[0..n) of any dtype, accumulated in double; synchronises. */
typedef struct pml_sum_args {
    pml_dtype dtype;
    int64_t n;
    const void *x;
    double *out;
} pml_sum_args;
typedef pml_status pml_sum_fn(pml_device *dev, const pml_sum_args *args);

struct pml_ising_ops;
struct pml_nn_ops;
struct pml_optim_ops;
struct pml_data_ops;
struct pml_hopfield_ops;
struct pml_rbm_ops;
struct pml_conv_ops;
struct pml_vae_ops;

struct pml_backend_ops {
    const char *name;
    int host_memory; /* 1: buffers are host memory (memcpy may reach them) */

    /* the device: teardown of what the registry's open made (dev->impl), and queries */
    void (*close)(pml_device *dev);
    pml_status (*capability)(const pml_device *dev, int *major, int *minor); /* 0.0: none */
    pml_status (*memory_info)(const pml_device *dev, size_t *total, size_t *free_bytes);
    pml_status (*synchronize)(pml_device *dev);

    /* memory: sizes in bytes, pointers in the backend's address space */
    pml_status (*alloc)(pml_device *dev, size_t nbytes, void **out);
    void (*release)(pml_device *dev, void *ptr);
    pml_status (*upload)(pml_device *dev, void *dst, const void *host_src, size_t nbytes);
    pml_status (*download)(pml_device *dev, void *host_dst, const void *src, size_t nbytes);
    pml_status (*copy)(pml_device *dev, void *dst, const void *src, size_t nbytes);
    pml_status (*memzero)(pml_device *dev, void *dst, size_t nbytes);

    /* generic kernels */
    pml_fill_fn *fill;
    pml_rand_fn *rand;
    pml_gemm_fn *gemm;
    pml_axpy_fn *axpy;
    pml_scale_fn *scale;
    pml_sum_fn *sum;

    /* kernel families; NULL where a backend has none */
    const struct pml_ising_ops *ising;
    const struct pml_nn_ops *nn;
    const struct pml_optim_ops *optim;
    const struct pml_data_ops *data;
    const struct pml_hopfield_ops *hopfield;
    const struct pml_rbm_ops *rbm;
    const struct pml_conv_ops *conv;
    const struct pml_vae_ops *vae;
};

/* A backend as the registry (src/core/device.c) sees it: how many devices of its kind answer,
 * and how to open or describe device `ordinal` (0 .. count-1). `open` fills dev (kind,
 * ordinal, spec, name, parallelism, ops, impl) or returns an error leaving nothing to free. */
typedef struct pml_backend_reg {
    pml_device_kind kind;
    int (*count)(void);
    pml_status (*open)(pml_device *dev, int ordinal);
    pml_status (*query)(int ordinal, pml_device_info *info);
} pml_backend_reg;

extern const pml_backend_reg pml_cpu_backend_reg;
extern const pml_backend_reg pml_cuda_backend_reg;

/* Shorthand for wrappers: fail with PML_ERR_UNSUPPORTED when a kernel is missing. */
#define PML_NEED_OP(dev, table_expr, fn)                                                    \
    PML_CHECK((table_expr) != NULL, PML_ERR_UNSUPPORTED, "%s: not implemented on the %s backend", \
              fn, (dev)->ops->name)

/* The family table `field` of dev's backend, or PML_ERR_UNSUPPORTED naming fn and what the
 * family is, e.g. PML_FAMILY(dev, nn, fn, "neural-network", ops). */
#define PML_FAMILY(dev, field, fn, what, var)                                              \
    const struct pml_##field##_ops *var = (dev)->ops->field;                                \
    PML_CHECK(var != NULL, PML_ERR_UNSUPPORTED, "%s: " what " kernels are not implemented " \
              "on the %s backend", fn, (dev)->ops->name)

#ifdef __cplusplus
}
#endif
#endif
