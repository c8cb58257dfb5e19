/* Checked wrappers for GEMM, axpy, scale and sum. */
#include "core/backend.h"

static pml_status check_region(const char *fn, const char *name, const pml_tensor *t,
                               int64_t off, int64_t ld, int64_t rows, int64_t cols)
{
    PML_CHECK(off >= 0, PML_ERR_INVALID_ARGUMENT, "%s: offset of %s is negative", fn, name);
    PML_CHECK(ld >= (cols > 1 ? cols : 1), PML_ERR_INVALID_ARGUMENT,
              "%s: leading dimension of %s is %lld, needs >= %lld", fn, name, (long long)ld,
              (long long)cols);
    /* BLAS libraries (OpenBLAS's cblas, cuBLAS) take leading dimensions as int */
    PML_CHECK(ld <= INT32_MAX, PML_ERR_INVALID_ARGUMENT,
              "%s: leading dimension of %s is %lld, beyond 2^31 - 1", fn, name, (long long)ld);
    if (rows == 0 || cols == 0) return PML_OK;
    int64_t last = off + (rows - 1) * ld + cols; /* one past the last element used */
    PML_CHECK(last <= t->numel, PML_ERR_INVALID_ARGUMENT,
              "%s: %s needs %lld x %lld elements (ld %lld, offset %lld) but holds %lld", fn, name,
              (long long)rows, (long long)cols, (long long)ld, (long long)off,
              (long long)t->numel);
    return PML_OK;
}

/* pml_gemm_ex, and pml_gemm after its own checks; `fn` is the call made, for the messages. */
static pml_status gemm_ex(const char *fn, pml_device *dev, pml_transpose trans_a,
                          pml_transpose trans_b, int64_t m, int64_t n, int64_t k, double alpha,
                          pml_matrix_ref a, pml_matrix_ref b, double beta, pml_tensor *c,
                          int64_t off_c, int64_t ld_c)
{
    PML_CHECK_ARG(dev != NULL, fn, "dev is NULL");
    PML_TRY(pml_check_same_device(fn, dev, a.t, "A"));
    PML_TRY(pml_check_same_device(fn, dev, b.t, "B"));
    PML_TRY(pml_check_same_device(fn, dev, c, "C"));
    PML_CHECK((trans_a == PML_NO_TRANS || trans_a == PML_TRANS) &&
                  (trans_b == PML_NO_TRANS || trans_b == PML_TRANS),
              PML_ERR_INVALID_ARGUMENT, "%s: bad transpose flag", fn);
    PML_CHECK(m >= 0 && n >= 0 && k >= 0, PML_ERR_INVALID_ARGUMENT,
              "%s: negative size (M %lld, N %lld, K %lld)", fn, (long long)m, (long long)n,
              (long long)k);
    PML_CHECK(m <= INT32_MAX && n <= INT32_MAX && k <= INT32_MAX, PML_ERR_INVALID_ARGUMENT,
              "%s: sizes beyond 2^31 are not supported", fn);
    PML_CHECK(pml_dtype_is_float(c->dtype), PML_ERR_INVALID_ARGUMENT,
              "%s: C is %s, needs f32 or f64", fn, pml_dtype_name(c->dtype));
    PML_CHECK(a.t->dtype == c->dtype && b.t->dtype == c->dtype, PML_ERR_INVALID_ARGUMENT,
              "%s: dtypes differ (A %s, B %s, C %s)", fn, pml_dtype_name(a.t->dtype),
              pml_dtype_name(b.t->dtype), pml_dtype_name(c->dtype));
    PML_TRY(check_region(fn, "A", a.t, a.offset, a.ld, trans_a ? k : m, trans_a ? m : k));
    PML_TRY(check_region(fn, "B", b.t, b.offset, b.ld, trans_b ? n : k, trans_b ? k : n));
    PML_TRY(check_region(fn, "C", c, off_c, ld_c, m, n));
    PML_CHECK(c != a.t && c != b.t, PML_ERR_INVALID_ARGUMENT, "%s: C must not alias A or B", fn);
    if (m == 0 || n == 0) return PML_OK;
    PML_NEED_OP(dev, dev->ops->gemm, fn);

    size_t es = pml_dtype_size(c->dtype);
    pml_gemm_args args = {
        .dtype = c->dtype,
        .trans_a = trans_a,
        .trans_b = trans_b,
        .m = m,
        .n = n,
        .k = k,
        .alpha = alpha,
        .beta = beta,
        .a = (const char *)a.t->data + (size_t)a.offset * es,
        .lda = a.ld,
        .b = (const char *)b.t->data + (size_t)b.offset * es,
        .ldb = b.ld,
        .c = (char *)c->data + (size_t)off_c * es,
        .ldc = ld_c,
    };
    return dev->ops->gemm(dev, &args);
}

pml_status pml_gemm_ex(pml_device *dev, pml_transpose trans_a, pml_transpose trans_b, int64_t m,
                       int64_t n, int64_t k, double alpha, pml_matrix_ref a, pml_matrix_ref b,
                       double beta, pml_tensor *c, int64_t off_c, int64_t ld_c)
{
    return gemm_ex("pml_gemm_ex", dev, trans_a, trans_b, m, n, k, alpha, a, b, beta, c, off_c,
                   ld_c);
}

static int64_t cols_of(const pml_tensor *t) { return t->ndim == 1 ? t->shape[0] : t->shape[t->ndim - 1]; }

pml_status pml_gemm(pml_device *dev, pml_transpose trans_a, pml_transpose trans_b, int64_t m,
                    int64_t n, int64_t k, double alpha, const pml_tensor *a, const pml_tensor *b,
                    double beta, pml_tensor *c)
{
    static const char fn[] = "pml_gemm";
    PML_TRY(pml_check_tensor(fn, "A", a));
    PML_TRY(pml_check_tensor(fn, "B", b));
    PML_TRY(pml_check_tensor(fn, "C", c));
    PML_CHECK(a->ndim == 2 && b->ndim == 2 && c->ndim == 2, PML_ERR_INVALID_ARGUMENT,
              "%s: A, B and C must be 2-D (got %d, %d, %d dimensions)", fn, a->ndim, b->ndim,
              c->ndim);
    PML_CHECK(a->shape[0] >= (trans_a ? k : m) && b->shape[0] >= (trans_b ? n : k) &&
                  c->shape[0] >= m,
              PML_ERR_INVALID_ARGUMENT,
              "%s: operands too small for M %lld, N %lld, K %lld (A %lldx%lld, B %lldx%lld, C "
              "%lldx%lld)",
              fn, (long long)m, (long long)n, (long long)k, (long long)a->shape[0],
              (long long)a->shape[1], (long long)b->shape[0], (long long)b->shape[1],
              (long long)c->shape[0], (long long)c->shape[1]);
    pml_matrix_ref ra = {a, 0, cols_of(a)}, rb = {b, 0, cols_of(b)};
    return gemm_ex(fn, dev, trans_a, trans_b, m, n, k, alpha, ra, rb, beta, c, 0, cols_of(c));
}

pml_status pml_axpy(pml_device *dev, double alpha, const pml_tensor *x, pml_tensor *y)
{
    static const char fn[] = "pml_axpy";
    PML_CHECK_ARG(dev != NULL, fn, "dev is NULL");
    PML_TRY(pml_check_same_device(fn, dev, x, "x"));
    PML_TRY(pml_check_same_device(fn, dev, y, "y"));
    PML_CHECK(pml_dtype_is_float(y->dtype) && x->dtype == y->dtype, PML_ERR_INVALID_ARGUMENT,
              "%s: x (%s) and y (%s) must share one float dtype", fn, pml_dtype_name(x->dtype),
              pml_dtype_name(y->dtype));
    PML_CHECK(x->numel == y->numel, PML_ERR_INVALID_ARGUMENT,
              "%s: x has %lld elements, y %lld", fn, (long long)x->numel, (long long)y->numel);
    if (y->numel == 0) return PML_OK;
    PML_NEED_OP(dev, dev->ops->axpy, fn);
    const pml_axpy_args a = {y->dtype, y->numel, alpha, x->data, y->data};
    return dev->ops->axpy(dev, &a);
}

pml_status pml_scale(pml_device *dev, double alpha, pml_tensor *x)
{
    static const char fn[] = "pml_scale";
    PML_CHECK_ARG(dev != NULL, fn, "dev is NULL");
    PML_TRY(pml_check_same_device(fn, dev, x, "x"));
    PML_CHECK(pml_dtype_is_float(x->dtype), PML_ERR_INVALID_ARGUMENT,
              "%s: x is %s, needs f32 or f64", fn, pml_dtype_name(x->dtype));
    if (x->numel == 0) return PML_OK;
    PML_NEED_OP(dev, dev->ops->scale, fn);
    const pml_scale_args a = {x->dtype, x->numel, alpha, x->data};
    return dev->ops->scale(dev, &a);
}

pml_status pml_sum(pml_device *dev, const pml_tensor *x, double *out)
{
    static const char fn[] = "pml_sum";
    PML_CHECK_ARG(dev != NULL, fn, "dev is NULL");
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    PML_TRY(pml_check_same_device(fn, dev, x, "x"));
    *out = 0.0;
    if (x->numel == 0) return PML_OK;
    PML_NEED_OP(dev, dev->ops->sum, fn);
    const pml_sum_args a = {x->dtype, x->numel, x->data, out};
    return dev->ops->sum(dev, &a);
}
