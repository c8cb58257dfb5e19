/* Tensors: dense, row-major arrays of up to 4 dimensions that live on one device.
 *
 * The last dimension is contiguous. Shapes are checked once, by these public calls; the
 * backends trust them. Element counts are int64_t; every dimension must be >= 1 except
 * that a dimension of 0 makes an empty tensor (no storage). */
#ifndef PHYSML_TENSOR_H
#define PHYSML_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "physml/device.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PML_MAX_DIMS 4

typedef enum pml_dtype {
    PML_F32 = 0,
    PML_F64 = 1,
    PML_I32 = 2,
    PML_U32 = 3,
    PML_U8 = 4,
    PML_I8 = 5
} pml_dtype;

typedef struct pml_tensor pml_tensor;

/* Size of one element in bytes; 0 for an unknown dtype. */
PML_API size_t pml_dtype_size(pml_dtype dtype);
/* "f32", "f64", "i32", "u32", "u8", "i8"; "?" for an unknown dtype. */
PML_API const char *pml_dtype_name(pml_dtype dtype);

/* Create an uninitialised tensor of `ndim` (1..4) dimensions on `dev`. */
PML_API pml_status pml_tensor_create(pml_device *dev, pml_dtype dtype, int ndim,
                                     const int64_t *shape, pml_tensor **out);
/* Convenience forms for 1-D and 2-D (rows x cols) tensors. */
PML_API pml_status pml_tensor_create_1d(pml_device *dev, pml_dtype dtype, int64_t n,
                                        pml_tensor **out);
PML_API pml_status pml_tensor_create_2d(pml_device *dev, pml_dtype dtype, int64_t rows,
                                        int64_t cols, pml_tensor **out);
/* Accepts NULL. */
PML_API void pml_tensor_destroy(pml_tensor *t);

PML_API pml_device *pml_tensor_device(const pml_tensor *t);
PML_API pml_dtype pml_tensor_dtype(const pml_tensor *t);
PML_API int pml_tensor_ndim(const pml_tensor *t);
/* Size of dimension `axis`; negative axes count from the end. 0 for an axis out of range. */
PML_API int64_t pml_tensor_dim(const pml_tensor *t, int axis);
PML_API int64_t pml_tensor_numel(const pml_tensor *t);
PML_API size_t pml_tensor_nbytes(const pml_tensor *t);
/* The raw storage: a host pointer on the CPU, a device pointer on CUDA. For kernels and
 * interoperation (e.g. handing the buffer to cuBLAS); do not free it. */
PML_API void *pml_tensor_data(pml_tensor *t);
PML_API const void *pml_tensor_data_const(const pml_tensor *t);

/* A view: a new tensor of shape (ndim, shape) over elements [offset, offset + its numel) of
 * t (row-major, the same dtype and device), sharing t's storage: writes through either are
 * seen by the other. The view owns nothing: pml_tensor_destroy frees only the view itself,
 * and the view must not be used after t is destroyed. Views of views are views of the same
 * storage. For per-sample slices (offset = i * sample elements), rows of a matrix, halves
 * of a layer's output. */
PML_API pml_status pml_tensor_view(pml_tensor *t, int64_t offset, int ndim, const int64_t *shape,
                                   pml_tensor **out);
/* 1 when t is a view (pml_tensor_view), 0 otherwise or for NULL. */
PML_API int pml_tensor_is_view(const pml_tensor *t);

/* Change the shape without touching the data; the element count must stay the same. */
PML_API pml_status pml_tensor_reshape(pml_tensor *t, int ndim, const int64_t *shape);

/* Copy `nbytes` == pml_tensor_nbytes(t) bytes between host memory and the tensor. */
PML_API pml_status pml_tensor_upload(pml_tensor *dst, const void *host_src, size_t nbytes);
PML_API pml_status pml_tensor_download(const pml_tensor *src, void *host_dst, size_t nbytes);
/* Copy a tensor into another of the same dtype and element count, on any devices. */
PML_API pml_status pml_tensor_copy(pml_tensor *dst, const pml_tensor *src);
/* Set every element to `value` (converted to the dtype; must be representable). */
PML_API pml_status pml_tensor_fill(pml_tensor *t, double value);
/* Set every byte to zero. */
PML_API pml_status pml_tensor_zero(pml_tensor *t);

#ifdef __cplusplus
}
#endif
#endif
