/* Devices and status codes on the CPU; "cuda" without a GPU answers, it does not crash. */
#include <string.h>

#include "pml_test.h"

Test(device, open_cpu_and_query)
{
    pml_device *dev = NULL;
    PML_ASSERT_OK(pml_device_open("cpu", &dev));
    cr_assert_not_null(dev);
    cr_expect_eq(pml_device_get_kind(dev), PML_DEVICE_CPU);
    cr_expect_str_eq(pml_device_spec(dev), "cpu");
    cr_expect(strlen(pml_device_name(dev)) > 0);
    size_t total = 0, freeb = 0;
    PML_ASSERT_OK(pml_device_memory(dev, &total, &freeb));
    cr_expect(total > 0 && freeb <= total);
    int major = -1, minor = -1;
    PML_ASSERT_OK(pml_device_compute_capability(dev, &major, &minor));
    cr_expect(major == 0 && minor == 0);
    cr_expect(pml_device_parallelism(dev) >= 1);
    PML_ASSERT_OK(pml_device_synchronize(dev));
    PML_ASSERT_OK(pml_device_set_tf32(dev, 1));
    pml_device_close(dev);
}

Test(device, auto_and_null_spec)
{
    pml_device *dev = NULL;
    PML_ASSERT_OK(pml_device_open("auto", &dev));
    if (pml_cuda_device_count() == 0) cr_expect_eq(pml_device_get_kind(dev), PML_DEVICE_CPU);
    pml_device_close(dev);
    PML_ASSERT_OK(pml_device_open(NULL, &dev));
    pml_device_close(dev);
}

Test(device, cuda_without_gpu_is_a_clear_error)
{
    if (pml_cuda_device_count() > 0) cr_skip_test("a GPU is present");
    pml_device *dev = (pml_device *)0x1;
    cr_expect_eq(pml_device_open("cuda", &dev), PML_ERR_NO_DEVICE);
    cr_expect_null(dev);
    cr_expect(strstr(pml_last_error(), "cpu") != NULL, "message: %s", pml_last_error());
    cr_expect_eq(pml_device_open("cuda:3", &dev), PML_ERR_NO_DEVICE);
}

Test(device, bad_specs)
{
    pml_device *dev = NULL;
    const char *bad[] = {"", "gpu:x", "cuda:", "cuda:-1", "cuda:1x", "tpu", "CPU"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        cr_expect_eq(pml_device_open(bad[i], &dev), PML_ERR_INVALID_ARGUMENT, "spec '%s'", bad[i]);
        cr_expect_null(dev);
        cr_expect(strstr(pml_last_error(), "unknown device") != NULL);
    }
    cr_expect_eq(pml_device_open("cpu", NULL), PML_ERR_INVALID_ARGUMENT);
}

Test(device, null_tolerant_and_null_checked)
{
    pml_device_close(NULL);
    cr_expect_eq(pml_device_memory(NULL, NULL, NULL), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_device_synchronize(NULL), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_device_set_tf32(NULL, 1), PML_ERR_INVALID_ARGUMENT);
    int a, b;
    cr_expect_eq(pml_device_compute_capability(NULL, &a, &b), PML_ERR_INVALID_ARGUMENT);
}

Test(device, list)
{
    pml_device_info info[4];
    int count = 0;
    PML_ASSERT_OK(pml_device_list(info, 4, &count));
    cr_assert(count >= 1);
    cr_expect_eq(info[0].kind, PML_DEVICE_CPU);
    cr_expect_eq(count, 1 + pml_cuda_device_count());
    PML_ASSERT_OK(pml_device_list(NULL, 0, &count)); /* count only */
    cr_expect_eq(pml_device_list(NULL, 2, &count), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_device_list(info, 4, NULL), PML_ERR_INVALID_ARGUMENT);
}

Test(status, strings_are_fixed_and_distinct)
{
    cr_expect_eq(PML_OK, 0);
    cr_expect_str_eq(pml_status_string(PML_OK), "ok");
    for (int a = 0; a <= PML_ERR_INTERNAL; ++a)
        for (int b = a + 1; b <= PML_ERR_INTERNAL; ++b)
            cr_expect_str_neq(pml_status_string((pml_status)a), pml_status_string((pml_status)b));
    cr_expect_str_eq(pml_status_string((pml_status)999), "unknown status");
    pml_clear_error();
    cr_expect_str_eq(pml_last_error(), "");
}

Test(version, macros_match_runtime)
{
    cr_expect_str_eq(pml_version_string(), PML_VERSION_STRING);
    cr_expect(PML_VERSION_NUMBER ==
              PML_VERSION_MAJOR * 10000 + PML_VERSION_MINOR * 100 + PML_VERSION_PATCH);
    cr_expect_eq(pml_version_number(), PML_VERSION_NUMBER);
    cr_expect(strstr(pml_blas_name(), "BLAS") != NULL, "blas: %s", pml_blas_name());
#ifdef PML_HAVE_CUDA
    cr_expect_eq(pml_cuda_compiled(), 1);
#else
    cr_expect_eq(pml_cuda_compiled(), 0);
#endif
}
