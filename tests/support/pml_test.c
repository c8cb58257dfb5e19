#include "pml_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const pml_tol PML_TOL_GEMM_F32 = {"gemm_f32", 1e-4, 1e-4,
                                  "blocked FP32 sums against double accumulation"};
const pml_tol PML_TOL_GEMM_F64 = {"gemm_f64", 1e-12, 1e-12, "blocked FP64 sums"};
const pml_tol PML_TOL_ELEMENTWISE_F32 = {"elementwise_f32", 1e-6, 2e-7,
                                         "one rounding, or an FMA instead of mul+add"};
const pml_tol PML_TOL_NORMAL = {"normal", 1e-5, 1e-5, "logf/sinf/cosf ulp differences"};
const pml_tol PML_TOL_SUM = {"sum", 1e-9, 1e-12, "double sums in different orders"};
const pml_tol PML_TOL_LAYER_F32 = {"layer_f32", 1e-5, 1e-4,
                                   "GEMM reordering plus elementwise roundings"};
const pml_tol PML_TOL_TRAINING = {"training", 1e-3, 1e-2,
                                  "rounding differences amplified over many steps"};
const pml_tol PML_TOL_FD_F64 = {"fd_f64", 1e-8, 1e-6,
                                "central differences in double, h = 1e-6"};
const pml_tol PML_TOL_LAYER_GRAD_F32 = {"layer_grad_f32", 1e-5, 1e-4,
                                        "FP32 batch sums (GEMM K = batch, column sums) reordered"};

#define CLOSE_IMPL(T)                                                                         \
    size_t worst = 0;                                                                          \
    double worst_excess = -INFINITY;                                                           \
    size_t bad = 0;                                                                            \
    for (size_t i = 0; i < n; ++i) {                                                           \
        double g = (double)got[i], r = (double)ref[i];                                         \
        double bound = tol.atol + tol.rtol * fabs(r);                                          \
        double err = fabs(g - r);                                                              \
        if (isnan(g) != isnan(r)) err = INFINITY;                                              \
        else if (isnan(g)) err = 0;                                                            \
        if (err - bound > worst_excess) {                                                      \
            worst_excess = err - bound;                                                        \
            worst = i;                                                                         \
        }                                                                                      \
        if (err > bound) ++bad;                                                                \
    }                                                                                          \
    if (bad == 0) return 1;                                                                    \
    cr_log_error("%s: %zu of %zu elements outside |a-b| <= %g + %g|ref| (%s); worst at [%zu]: " \
                 "got %.9g, ref %.9g",                                                         \
                 what, bad, n, tol.atol, tol.rtol, tol.name, worst, (double)got[worst],        \
                 (double)ref[worst]);                                                          \
    return 0;

int pml_test_close_f32(const char *what, const float *got, const float *ref, size_t n,
                       pml_tol tol)
{
    CLOSE_IMPL(float)
}

int pml_test_close_f64(const char *what, const double *got, const double *ref, size_t n,
                       pml_tol tol)
{
    CLOSE_IMPL(double)
}

int pml_test_equal_bytes(const char *what, const void *got, const void *ref, size_t n,
                         size_t elem)
{
    const unsigned char *g = got, *r = ref;
    for (size_t i = 0; i < n; ++i) {
        if (memcmp(g + i * elem, r + i * elem, elem) != 0) {
            char gs[40] = "", rs[40] = "";
            for (size_t b = 0; b < elem && b < 16; ++b) {
                sprintf(gs + 2 * b, "%02x", g[i * elem + elem - 1 - b]);
                sprintf(rs + 2 * b, "%02x", r[i * elem + elem - 1 - b]);
            }
            cr_log_error("%s: first mismatch at element %zu of %zu: got 0x%s, ref 0x%s", what, i,
                         n, gs, rs);
            return 0;
        }
    }
    return 1;
}

int pml_test_same_tensor(const char *what, const pml_tensor *got, const pml_tensor *ref)
{
    if (pml_tensor_dtype(got) != pml_tensor_dtype(ref)) {
        cr_log_error("%s: dtype %s, ref %s", what, pml_dtype_name(pml_tensor_dtype(got)),
                     pml_dtype_name(pml_tensor_dtype(ref)));
        return 0;
    }
    if (pml_tensor_ndim(got) != pml_tensor_ndim(ref)) {
        cr_log_error("%s: %d dimensions, ref %d", what, pml_tensor_ndim(got), pml_tensor_ndim(ref));
        return 0;
    }
    for (int i = 0; i < pml_tensor_ndim(ref); ++i)
        if (pml_tensor_dim(got, i) != pml_tensor_dim(ref, i)) {
            cr_log_error("%s: dimension %d is %lld, ref %lld", what, i,
                         (long long)pml_tensor_dim(got, i), (long long)pml_tensor_dim(ref, i));
            return 0;
        }
    const size_t n = pml_tensor_nbytes(ref);
    if (n == 0) return pml_tensor_numel(got) == 0;
    unsigned char *g = malloc(n), *r = malloc(n);
    PML_ASSERT_OK(pml_tensor_download(got, g, n));
    PML_ASSERT_OK(pml_tensor_download(ref, r, n));
    const size_t elem = pml_dtype_size(pml_tensor_dtype(ref));
    const int same = pml_test_equal_bytes(what, g, r, n / elem, elem);
    free(g);
    free(r);
    return same;
}

pml_device *pml_test_open_cuda_or_skip(void)
{
    if (!pml_cuda_compiled()) cr_skip_test("built without CUDA");
    if (pml_cuda_device_count() == 0) cr_skip_test("no CUDA device");
    pml_device *dev = NULL;
    pml_status s = pml_device_open("cuda", &dev);
    if (s != PML_OK) cr_skip_test("CUDA device did not open: %s", pml_last_error());
    return dev;
}

pml_device *pml_test_open_cpu(void)
{
    pml_device *dev = NULL;
    PML_ASSERT_OK(pml_device_open("cpu", &dev));
    return dev;
}

pml_tensor *pml_test_tensor(pml_device *dev, pml_dtype dtype, int ndim, const int64_t *shape,
                            const void *host)
{
    pml_tensor *t = NULL;
    PML_ASSERT_OK(pml_tensor_create(dev, dtype, ndim, shape, &t));
    if (host) PML_ASSERT_OK(pml_tensor_upload(t, host, pml_tensor_nbytes(t)));
    return t;
}

pml_model *pml_test_model(pml_device *dev, const char *spec, int64_t in_features,
                          int64_t max_batch, pml_init init, uint64_t seed)
{
    pml_model *m = NULL;
    PML_ASSERT_OK(pml_model_from_spec(dev, spec, in_features, max_batch, init, 0, seed, &m));
    return m;
}

pml_dataset *pml_test_toy_dataset(pml_device *dev, int n, uint64_t seed)
{
    uint8_t *img = malloc((size_t)n * 16), *lab = malloc((size_t)n);
    cr_assert(img != NULL && lab != NULL);
    for (int i = 0; i < n; ++i) {
        int c = (int)(pml_rng_u32(seed, 1, (uint64_t)i) % 4);
        lab[i] = (uint8_t)c;
        for (int p = 0; p < 16; ++p) {
            int r = p / 4, q = p % 4, quad = (r / 2) * 2 + q / 2;
            int noise = (int)(pml_rng_u32(seed, 2, (uint64_t)(i * 16 + p)) % 96);
            img[i * 16 + p] = (uint8_t)(quad == c ? 150 + noise : noise);
        }
    }
    pml_dataset *ds = NULL;
    PML_ASSERT_OK(pml_dataset_from_host(dev, n, 4, 4, img, lab, 4, &ds));
    free(img);
    free(lab);
    return ds;
}

const char *pml_test_source_path(const char *rel, char *buf, size_t n)
{
    const char *root = getenv("PML_SOURCE_DIR");
    snprintf(buf, n, "%s/%s", root ? root : ".", rel);
    return buf;
}
