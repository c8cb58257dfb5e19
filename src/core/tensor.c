/* Tensors: creation, shape bookkeeping and the checked data movement wrappers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"

size_t pml_dtype_size(pml_dtype dtype)
{
    switch (dtype) {
    case PML_F32: case PML_I32: case PML_U32: return 4;
    case PML_F64: return 8;
    case PML_U8: case PML_I8: return 1;
    }
    return 0;
}

const char *pml_dtype_name(pml_dtype dtype)
{
    switch (dtype) {
    case PML_F32: return "f32";
    case PML_F64: return "f64";
    case PML_I32: return "i32";
    case PML_U32: return "u32";
    case PML_U8: return "u8";
    case PML_I8: return "i8";
    }
    return "?";
}

int pml_dtype_is_float(pml_dtype dtype) { return dtype == PML_F32 || dtype == PML_F64; }

static pml_status check_shape(const char *fn, int ndim, const int64_t *shape, int64_t *numel)
{
    PML_CHECK(ndim >= 1 && ndim <= PML_MAX_DIMS, PML_ERR_INVALID_ARGUMENT,
              "%s: ndim %d out of range 1..%d", fn, ndim, PML_MAX_DIMS);
    PML_CHECK_ARG(shape != NULL, fn, "shape is NULL");
    int64_t n = 1;
    for (int i = 0; i < ndim; ++i) {
        PML_CHECK(shape[i] >= 0, PML_ERR_INVALID_ARGUMENT, "%s: dimension %d is negative (%lld)",
                  fn, i, (long long)shape[i]);
        PML_CHECK(shape[i] == 0 || n <= INT64_MAX / 16 / shape[i], PML_ERR_INVALID_ARGUMENT,
                  "%s: shape too large", fn);
        n *= shape[i];
    }
    *numel = n;
    return PML_OK;
}

/* The three public create calls; `fn` is the one called, for the messages. */
static pml_status create(const char *fn, pml_device *dev, pml_dtype dtype, int ndim,
                         const int64_t *shape, pml_tensor **out)
{
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK_ARG(dev != NULL, fn, "dev is NULL");
    PML_CHECK(pml_dtype_size(dtype) != 0, PML_ERR_INVALID_ARGUMENT, "%s: unknown dtype %d", fn,
              (int)dtype);
    int64_t numel = 0;
    PML_TRY(check_shape(fn, ndim, shape, &numel));

    pml_tensor *t = calloc(1, sizeof *t);
    PML_CHECK(t != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    t->dev = dev;
    t->dtype = dtype;
    t->ndim = ndim;
    for (int i = 0; i < ndim; ++i) t->shape[i] = shape[i];
    t->numel = numel;
    if (numel > 0) {
        pml_status s = dev->ops->alloc(dev, (size_t)numel * pml_dtype_size(dtype), &t->data);
        if (s != PML_OK) {
            free(t);
            return s;
        }
    }
    *out = t;
    return PML_OK;
}

pml_status pml_tensor_create(pml_device *dev, pml_dtype dtype, int ndim, const int64_t *shape,
                             pml_tensor **out)
{
    return create("pml_tensor_create", dev, dtype, ndim, shape, out);
}

pml_status pml_tensor_create_1d(pml_device *dev, pml_dtype dtype, int64_t n, pml_tensor **out)
{
    return create("pml_tensor_create_1d", dev, dtype, 1, &n, out);
}

pml_status pml_tensor_create_2d(pml_device *dev, pml_dtype dtype, int64_t rows, int64_t cols,
                                pml_tensor **out)
{
    int64_t shape[2] = {rows, cols};
    return create("pml_tensor_create_2d", dev, dtype, 2, shape, out);
}

void pml_tensor_destroy(pml_tensor *t)
{
    if (t == NULL) return;
    if (t->data && !t->view) t->dev->ops->release(t->dev, t->data);
    free(t);
}

pml_tensor pml_tensor_view_of(const pml_tensor *t, int64_t offset, int ndim, const int64_t *shape)
{
    pml_tensor v;
    memset(&v, 0, sizeof v);
    v.dev = t->dev;
    v.dtype = t->dtype;
    v.ndim = ndim;
    v.numel = 1;
    for (int i = 0; i < ndim; ++i) v.numel *= v.shape[i] = shape[i];
    v.data = v.numel ? (char *)t->data + (size_t)offset * pml_dtype_size(t->dtype) : NULL;
    v.view = 1;
    return v;
}

pml_status pml_tensor_view(pml_tensor *t, int64_t offset, int ndim, const int64_t *shape,
                           pml_tensor **out)
{
    static const char fn[] = "pml_tensor_view";
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_TRY(pml_check_tensor(fn, "t", t));
    int64_t numel = 0;
    PML_TRY(check_shape(fn, ndim, shape, &numel));
    PML_CHECK(offset >= 0 && offset <= t->numel && numel <= t->numel - offset,
              PML_ERR_INVALID_ARGUMENT,
              "%s: elements [%lld, %lld) outside the tensor's %lld", fn, (long long)offset,
              (long long)(offset + numel), (long long)t->numel);
    pml_tensor *v = malloc(sizeof *v);
    PML_CHECK(v != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    *v = pml_tensor_view_of(t, offset, ndim, shape);
    *out = v;
    return PML_OK;
}

int pml_tensor_is_view(const pml_tensor *t) { return t ? t->view : 0; }

pml_device *pml_tensor_device(const pml_tensor *t) { return t ? t->dev : NULL; }
pml_dtype pml_tensor_dtype(const pml_tensor *t) { return t ? t->dtype : PML_F32; }
int pml_tensor_ndim(const pml_tensor *t) { return t ? t->ndim : 0; }
int64_t pml_tensor_numel(const pml_tensor *t) { return t ? t->numel : 0; }
void *pml_tensor_data(pml_tensor *t) { return t ? t->data : NULL; }
const void *pml_tensor_data_const(const pml_tensor *t) { return t ? t->data : NULL; }

int64_t pml_tensor_dim(const pml_tensor *t, int axis)
{
    if (t == NULL) return 0;
    if (axis < 0) axis += t->ndim;
    if (axis < 0 || axis >= t->ndim) return 0;
    return t->shape[axis];
}

size_t pml_tensor_nbytes(const pml_tensor *t)
{
    return t ? (size_t)t->numel * pml_dtype_size(t->dtype) : 0;
}

pml_status pml_tensor_reshape(pml_tensor *t, int ndim, const int64_t *shape)
{
    static const char fn[] = "pml_tensor_reshape";
    PML_TRY(pml_check_tensor(fn, "t", t));
    int64_t numel = 0;
    PML_TRY(check_shape(fn, ndim, shape, &numel));
    PML_CHECK(numel == t->numel, PML_ERR_INVALID_ARGUMENT,
              "%s: new shape has %lld elements, the tensor %lld", fn, (long long)numel,
              (long long)t->numel);
    t->ndim = ndim;
    for (int i = 0; i < PML_MAX_DIMS; ++i) t->shape[i] = i < ndim ? shape[i] : 0;
    return PML_OK;
}

pml_status pml_tensor_upload(pml_tensor *dst, const void *host_src, size_t nbytes)
{
    static const char fn[] = "pml_tensor_upload";
    PML_TRY(pml_check_tensor(fn, "dst", dst));
    PML_CHECK(nbytes == pml_tensor_nbytes(dst), PML_ERR_INVALID_ARGUMENT,
              "%s: %zu bytes given, the tensor holds %zu", fn, nbytes, pml_tensor_nbytes(dst));
    if (nbytes == 0) return PML_OK;
    PML_CHECK_ARG(host_src != NULL, fn, "host_src is NULL");
    return dst->dev->ops->upload(dst->dev, dst->data, host_src, nbytes);
}

pml_status pml_tensor_download(const pml_tensor *src, void *host_dst, size_t nbytes)
{
    static const char fn[] = "pml_tensor_download";
    PML_TRY(pml_check_tensor(fn, "src", src));
    PML_CHECK(nbytes == pml_tensor_nbytes(src), PML_ERR_INVALID_ARGUMENT,
              "%s: %zu bytes asked for, the tensor holds %zu", fn, nbytes, pml_tensor_nbytes(src));
    if (nbytes == 0) return PML_OK;
    PML_CHECK_ARG(host_dst != NULL, fn, "host_dst is NULL");
    return src->dev->ops->download(src->dev, host_dst, src->data, nbytes);
}

pml_status pml_tensor_download_head(const pml_tensor *src, void *host_dst, size_t nbytes)
{
    static const char fn[] = "pml_tensor_download_head";
    PML_TRY(pml_check_tensor(fn, "src", src));
    PML_CHECK(nbytes <= pml_tensor_nbytes(src), PML_ERR_INVALID_ARGUMENT,
              "%s: %zu bytes asked for, the tensor holds %zu", fn, nbytes, pml_tensor_nbytes(src));
    if (nbytes == 0) return PML_OK;
    PML_CHECK_ARG(host_dst != NULL, fn, "host_dst is NULL");
    return src->dev->ops->download(src->dev, host_dst, src->data, nbytes);
}

pml_status pml_tensor_copy(pml_tensor *dst, const pml_tensor *src)
{
    static const char fn[] = "pml_tensor_copy";
    PML_TRY(pml_check_tensor(fn, "dst", dst));
    PML_TRY(pml_check_tensor(fn, "src", src));
    PML_CHECK(dst->dtype == src->dtype, PML_ERR_INVALID_ARGUMENT, "%s: dtype %s into %s", fn,
              pml_dtype_name(src->dtype), pml_dtype_name(dst->dtype));
    PML_CHECK(dst->numel == src->numel, PML_ERR_INVALID_ARGUMENT,
              "%s: %lld elements into %lld", fn, (long long)src->numel, (long long)dst->numel);
    size_t n = pml_tensor_nbytes(src);
    if (n == 0 || dst == src) return PML_OK;
    if (dst->dev == src->dev) return dst->dev->ops->copy(dst->dev, dst->data, src->data, n);
    /* Across devices: directly when one side is host memory, else through the host. */
    if (src->dev->ops->host_memory)
        return dst->dev->ops->upload(dst->dev, dst->data, src->data, n);
    if (dst->dev->ops->host_memory)
        return src->dev->ops->download(src->dev, dst->data, src->data, n);
    void *tmp = malloc(n);
    PML_CHECK(tmp != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    pml_status s = src->dev->ops->download(src->dev, tmp, src->data, n);
    if (s == PML_OK) s = dst->dev->ops->upload(dst->dev, dst->data, tmp, n);
    free(tmp);
    return s;
}

static int representable(pml_dtype dtype, double v)
{
    switch (dtype) {
    case PML_F32: return isnan(v) || isinf(v) || fabs(v) <= 3.4028234663852886e38;
    case PML_F64: return 1;
    case PML_I32: return v == floor(v) && v >= -2147483648.0 && v <= 2147483647.0;
    case PML_U32: return v == floor(v) && v >= 0 && v <= 4294967295.0;
    case PML_U8: return v == floor(v) && v >= 0 && v <= 255;
    case PML_I8: return v == floor(v) && v >= -128 && v <= 127;
    }
    return 0;
}

pml_status pml_tensor_fill(pml_tensor *t, double value)
{
    static const char fn[] = "pml_tensor_fill";
    PML_TRY(pml_check_tensor(fn, "t", t));
    PML_CHECK(representable(t->dtype, value), PML_ERR_INVALID_ARGUMENT,
              "%s: %g is not representable as %s", fn, value, pml_dtype_name(t->dtype));
    if (t->numel == 0) return PML_OK;
    PML_NEED_OP(t->dev, t->dev->ops->fill, fn);
    const pml_fill_args a = {t->dtype, t->numel, t->data, value};
    return t->dev->ops->fill(t->dev, &a);
}

pml_status pml_tensor_zero(pml_tensor *t)
{
    PML_TRY(pml_check_tensor("pml_tensor_zero", "t", t));
    if (t->numel == 0) return PML_OK;
    return t->dev->ops->memzero(t->dev, t->data, pml_tensor_nbytes(t));
}
