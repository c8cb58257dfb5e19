/* The CUDA backend as a module (src/core/module.h): the library loads it only when a GPU is
 * asked for; the module exports one entry, refuses a host of another ABI, and reports its
 * errors through the host, so they reach the caller's pml_last_error(). Runs on machines
 * without a GPU or a driver: the module itself loads wherever the CUDA runtime is installed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/module.h"
#include "pml_test.h"

static char recorded[1024];
static pml_status recorded_status;

static pml_status record(pml_status status, const char *fmt, va_list ap)
{
    vsnprintf(recorded, sizeof recorded, fmt, ap);
    recorded_status = status;
    return status;
}

/* The module's path in the build tree. */
static void module_path(char *path, size_t size)
{
    if (!pml_cuda_compiled()) cr_skip_test("built without CUDA");
    const char *build = getenv("PML_BUILD_DIR");
    cr_assert_not_null(build, "PML_BUILD_DIR is not set (run through ctest)");
    snprintf(path, size, "%s/%s", build, PML_CUDA_MODULE_NAME);
}

static void *open_module(void)
{
    char path[PATH_MAX];
    module_path(path, sizeof path);
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    cr_assert_not_null(h, "dlopen %s: %s", path, dlerror());
    return h;
}

static int have_driver(void)
{
    void *h = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
    return h != NULL;
}

Test(cuda_module, one_entry_that_checks_the_abi)
{
    void *h = open_module();
    pml_module_entry_fn *entry;
    *(void **)&entry = dlsym(h, PML_MODULE_ENTRY);
    cr_assert_not_null(entry);
    /* nothing else of the backend is visible from outside */
    cr_expect_null(dlsym(h, "pml_cuda_backend_reg"));
    cr_expect_null(dlsym(h, "pml_set_error"));
    cr_expect_null(dlsym(h, "pml_cuda_gemm"));

    cr_expect_null(entry(NULL));
    pml_module_host old = {PML_MODULE_ABI - 1, record};
    cr_expect_null(entry(&old), "a host of another ABI is refused");
    pml_module_host noerr = {PML_MODULE_ABI, NULL};
    cr_expect_null(entry(&noerr));
    pml_module_host ok = {PML_MODULE_ABI, record};
    const pml_backend_reg *reg = entry(&ok);
    cr_assert_not_null(reg);
    cr_expect_eq(reg->kind, PML_DEVICE_CUDA);
    cr_expect_not_null(reg->count);
    cr_expect_not_null(reg->open);
    cr_expect_not_null(reg->query);
}

Test(cuda_module, errors_inside_reach_the_host)
{
    void *h = open_module();
    pml_module_entry_fn *entry;
    *(void **)&entry = dlsym(h, PML_MODULE_ENTRY);
    pml_module_host ok = {PML_MODULE_ABI, record};
    const pml_backend_reg *reg = entry(&ok);
    cr_assert_not_null(reg);
    const int n = reg->count(); /* 0 without a driver or a GPU, never an error */
    cr_expect_geq(n, 0);
    if (!have_driver()) cr_expect_eq(n, 0);
    /* a device that is not there: the failure inside the module is the host's error */
    pml_device dev;
    memset(&dev, 0, sizeof dev);
    recorded[0] = '\0';
    cr_expect_eq(reg->open(&dev, n), PML_ERR_CUDA);
    cr_expect_eq(recorded_status, PML_ERR_CUDA);
    cr_expect(strstr(recorded, "failed") != NULL && strstr(recorded, "cuda") != NULL,
              "recorded: '%s'", recorded);
    cr_expect_null(dev.impl, "a failed open leaves nothing to free");
}

Test(cuda_module, the_library_loads_it_only_on_demand)
{
    /* nothing has asked for a GPU yet: the module is not mapped */
    char path[PATH_MAX];
    module_path(path, sizeof path);
    cr_expect_null(dlopen(path, RTLD_NOW | RTLD_NOLOAD));
    pml_device *cpu = NULL;
    PML_ASSERT_OK(pml_device_open("cpu", &cpu));
    pml_device_close(cpu);
    cr_expect_null(dlopen(path, RTLD_NOW | RTLD_NOLOAD), "opening the CPU loads no CUDA");

    const int n = pml_cuda_device_count();
    if (!have_driver()) {
        /* no driver: the module is never loaded, and the reason is said */
        cr_expect_eq(n, 0);
        cr_expect_null(dlopen(path, RTLD_NOW | RTLD_NOLOAD));
        pml_device *dev = NULL;
        cr_expect_eq(pml_device_open("cuda", &dev), PML_ERR_NO_DEVICE);
        cr_expect(strstr(pml_last_error(), "libcuda.so.1") != NULL, "%s", pml_last_error());
    } else {
        /* a driver: the library found the module beside its build tree */
        cr_expect_not_null(dlopen(path, RTLD_NOW | RTLD_NOLOAD), "%s", pml_last_error());
    }
}

Test(cuda_module, a_named_module_that_is_missing_is_said)
{
    if (!pml_cuda_compiled()) cr_skip_test("built without CUDA");
    if (!have_driver()) cr_skip_test("no CUDA driver: the module is never looked for");
    setenv("PML_CUDA_MODULE", "/nonexistent/libphysml-cuda.so", 1);
    pml_device *dev = NULL;
    cr_expect_eq(pml_device_open("cuda", &dev), PML_ERR_NO_DEVICE);
    cr_expect(strstr(pml_last_error(), "/nonexistent/libphysml-cuda.so") != NULL, "%s",
              pml_last_error());
    cr_expect_eq(pml_cuda_device_count(), 0);
}
