/* The CPU backend's kernels: plain C, OpenMP where it pays, OpenBLAS for GEMM.
 * This backend is the reference the CUDA one is checked against. */
#ifndef PML_CPU_H
#define PML_CPU_H

#include "core/backend.h"

/* memory.c */
pml_status pml_cpu_alloc(pml_device *dev, size_t nbytes, void **out);
void pml_cpu_release(pml_device *dev, void *ptr);
pml_status pml_cpu_upload(pml_device *dev, void *dst, const void *src, size_t nbytes);
pml_status pml_cpu_download(pml_device *dev, void *dst, const void *src, size_t nbytes);
pml_status pml_cpu_copy(pml_device *dev, void *dst, const void *src, size_t nbytes);
pml_status pml_cpu_memzero(pml_device *dev, void *dst, size_t nbytes);
pml_status pml_cpu_synchronize(pml_device *dev);
pml_status pml_cpu_memory_info(const pml_device *dev, size_t *total, size_t *free_bytes);

/* fill.c */
pml_status pml_cpu_fill(pml_device *dev, pml_tensor *t, double value);

/* rand.c */
pml_status pml_cpu_rand_u32(pml_device *dev, pml_tensor *t, uint64_t seed, uint64_t stream,
                            uint64_t offset);
pml_status pml_cpu_rand_uniform(pml_device *dev, pml_tensor *t, uint64_t seed, uint64_t stream,
                                uint64_t offset);
pml_status pml_cpu_rand_normal(pml_device *dev, pml_tensor *t, uint64_t seed, uint64_t stream,
                               uint64_t offset, float mean, float stddev);

/* gemm.c */
pml_status pml_cpu_gemm(pml_device *dev, const pml_gemm_args *args);
/* The triple loop, in double accumulation, for tests: same contract as pml_cpu_gemm. */
pml_status pml_cpu_gemm_naive(const pml_gemm_args *args);

/* axpy.c */
pml_status pml_cpu_axpy(pml_device *dev, double alpha, const pml_tensor *x, pml_tensor *y);
pml_status pml_cpu_scale(pml_device *dev, double alpha, pml_tensor *x);

/* reduce.c */
pml_status pml_cpu_sum(pml_device *dev, const pml_tensor *x, double *out);

#endif
