/* axpy, scale and sum on the CPU: values and argument checks. */
#include <math.h>

#include "pml_test.h"

static pml_device *cpu;
static void setup(void) { cpu = pml_test_open_cpu(); }
static void teardown(void) { pml_device_close(cpu); }
TestSuite(blas, .init = setup, .fini = teardown);

Test(blas, axpy_scale_sum_values)
{
    enum { N = 200001 }; /* odd, and above the OpenMP threshold */
    pml_tensor *x, *y;
    PML_ASSERT_OK(pml_tensor_create_1d(cpu, PML_F64, N, &x));
    PML_ASSERT_OK(pml_tensor_create_1d(cpu, PML_F64, N, &y));
    double *xp = pml_tensor_data(x), *yp = pml_tensor_data(y);
    for (int i = 0; i < N; ++i) {
        xp[i] = i;
        yp[i] = 1.0;
    }
    PML_ASSERT_OK(pml_axpy(cpu, 2.0, x, y)); /* y = 2i + 1 */
    PML_ASSERT_OK(pml_scale(cpu, 0.5, y));   /* y = i + 0.5 */
    double s = 0;
    PML_ASSERT_OK(pml_sum(cpu, y, &s));
    cr_expect_eq(s, (double)N * (N - 1) / 2 + 0.5 * N, "sum %.17g", s);
    pml_tensor_destroy(x);
    pml_tensor_destroy(y);
}

Test(blas, f32_elementwise)
{
    float xv[5] = {1, -2, 3.5f, 0, 1e-3f}, yv[5] = {10, 10, 10, 10, 10}, out[5];
    int64_t n = 5;
    pml_tensor *x = pml_test_tensor(cpu, PML_F32, 1, &n, xv), *y = pml_test_tensor(cpu, PML_F32, 1, &n, yv);
    PML_ASSERT_OK(pml_axpy(cpu, -3.0, x, y));
    PML_ASSERT_OK(pml_tensor_download(y, out, sizeof out));
    for (int i = 0; i < 5; ++i) cr_expect_eq(out[i], 10.0f + -3.0f * xv[i]);
    PML_ASSERT_OK(pml_scale(cpu, 0.0, y));
    double s = 1;
    PML_ASSERT_OK(pml_sum(cpu, y, &s));
    cr_expect_eq(s, 0.0);
    pml_tensor_destroy(x);
    pml_tensor_destroy(y);
}

Test(blas, argument_errors)
{
    pml_tensor *f, *d, *i, *f2;
    PML_ASSERT_OK(pml_tensor_create_1d(cpu, PML_F32, 4, &f));
    PML_ASSERT_OK(pml_tensor_create_1d(cpu, PML_F64, 4, &d));
    PML_ASSERT_OK(pml_tensor_create_1d(cpu, PML_I32, 4, &i));
    PML_ASSERT_OK(pml_tensor_create_1d(cpu, PML_F32, 5, &f2));
    double s;
    cr_expect_eq(pml_axpy(cpu, 1, f, d), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_axpy(cpu, 1, i, i), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_axpy(cpu, 1, f, f2), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_axpy(NULL, 1, f, f), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_axpy(cpu, 1, NULL, f), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_scale(cpu, 1, i), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_scale(cpu, 1, NULL), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_sum(cpu, f, NULL), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_sum(cpu, NULL, &s), PML_ERR_INVALID_ARGUMENT);
    PML_ASSERT_OK(pml_tensor_fill(i, -3));
    PML_ASSERT_OK(pml_sum(cpu, i, &s));
    cr_expect_eq(s, -12.0);
    pml_device *other = pml_test_open_cpu();
    cr_expect_eq(pml_scale(other, 1, f), PML_ERR_DEVICE_MISMATCH);
    pml_device_close(other);
    pml_tensor_destroy(f);
    pml_tensor_destroy(d);
    pml_tensor_destroy(i);
    pml_tensor_destroy(f2);
}
