/* The device registry: parses specs, opens backends through their registry entries, answers
 * queries through the ops table. The CPU backend is linked in; the CUDA backend is a module
 * loaded on first use (src/core/module.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "core/module.h"

static const pml_backend_reg *find_backend(pml_device_kind kind, const char **why)
{
    if (kind == PML_DEVICE_CPU) return &pml_cpu_backend_reg;
    return pml_module_cuda(why);
}

int pml_cuda_device_count(void)
{
    const pml_backend_reg *r = find_backend(PML_DEVICE_CUDA, NULL);
    return r ? r->count() : 0;
}

static pml_status parse_spec(const char *spec, pml_device_kind *kind, int *ordinal, int *is_auto)
{
    *is_auto = 0;
    *ordinal = -1;
    if (spec == NULL || strcmp(spec, "auto") == 0) {
        *is_auto = 1;
        return PML_OK;
    }
    if (strcmp(spec, "cpu") == 0) {
        *kind = PML_DEVICE_CPU;
        return PML_OK;
    }
    if (strcmp(spec, "cuda") == 0 || strcmp(spec, "gpu") == 0) {
        *kind = PML_DEVICE_CUDA;
        *ordinal = 0;
        return PML_OK;
    }
    if (strncmp(spec, "cuda:", 5) == 0 && spec[5] >= '0' && spec[5] <= '9') { /* digits only */
        char *end = NULL;
        long n = strtol(spec + 5, &end, 10);
        if (*end == '\0' && n >= 0 && n < 1024) {
            *kind = PML_DEVICE_CUDA;
            *ordinal = (int)n;
            return PML_OK;
        }
    }
    return pml_set_error(PML_ERR_INVALID_ARGUMENT,
                         "pml_device_open: unknown device '%s' (use auto, cpu, cuda or cuda:N)",
                         spec);
}

static pml_status open_gpu(pml_device *dev, int ordinal)
{
    const char *why = "";
    const pml_backend_reg *r = find_backend(PML_DEVICE_CUDA, &why);
    if (r == NULL)
        return pml_set_error(PML_ERR_NO_DEVICE, "pml_device_open: no CUDA GPU: %s; use --device "
                             "cpu", why);
    const int count = r->count();
    if (count <= 0)
        return pml_set_error(PML_ERR_NO_DEVICE,
                             "pml_device_open: no CUDA GPU: the driver reports none; use --device "
                             "cpu");
    if (ordinal >= count)
        return pml_set_error(PML_ERR_NO_DEVICE, "pml_device_open: cuda:%d asked for, %d GPU%s found",
                             ordinal, count, count == 1 ? "" : "s");
    return r->open(dev, ordinal);
}

pml_status pml_device_open(const char *spec, pml_device **out)
{
    PML_CHECK_ARG(out != NULL, "pml_device_open", "out is NULL");
    *out = NULL;
    pml_device_kind kind = PML_DEVICE_CPU;
    int ordinal = -1, is_auto = 0;
    PML_TRY(parse_spec(spec, &kind, &ordinal, &is_auto));

    pml_device *dev = calloc(1, sizeof *dev);
    PML_CHECK(dev != NULL, PML_ERR_OUT_OF_MEMORY, "pml_device_open: out of host memory");
    pml_status s;
    if (is_auto) {
        s = pml_cuda_device_count() > 0 ? open_gpu(dev, 0) : PML_ERR_NO_DEVICE;
        if (s != PML_OK) {
            memset(dev, 0, sizeof *dev);
            s = pml_cpu_backend_reg.open(dev, 0);
        }
    } else if (kind == PML_DEVICE_CUDA) {
        s = open_gpu(dev, ordinal);
    } else {
        s = pml_cpu_backend_reg.open(dev, 0);
    }
    if (s != PML_OK) {
        free(dev);
        return s;
    }
    pml_clear_error();
    *out = dev;
    return PML_OK;
}

void pml_device_close(pml_device *dev)
{
    if (dev == NULL) return;
    dev->ops->close(dev);
    free(dev);
}

pml_device_kind pml_device_get_kind(const pml_device *dev)
{
    return dev ? dev->kind : PML_DEVICE_CPU;
}

const char *pml_device_spec(const pml_device *dev) { return dev ? dev->spec : ""; }

const char *pml_device_name(const pml_device *dev) { return dev ? dev->name : ""; }

int pml_device_parallelism(const pml_device *dev) { return dev ? dev->parallelism : 0; }

pml_status pml_device_memory(const pml_device *dev, size_t *total_bytes, size_t *free_bytes)
{
    PML_CHECK_ARG(dev != NULL, "pml_device_memory", "dev is NULL");
    size_t t = 0, f = 0;
    PML_TRY(dev->ops->memory_info(dev, &t, &f));
    if (total_bytes) *total_bytes = t;
    if (free_bytes) *free_bytes = f;
    return PML_OK;
}

pml_status pml_device_compute_capability(const pml_device *dev, int *major, int *minor)
{
    PML_CHECK_ARG(dev != NULL, "pml_device_compute_capability", "dev is NULL");
    PML_CHECK_ARG(major != NULL && minor != NULL, "pml_device_compute_capability",
                  "major/minor is NULL");
    *major = *minor = 0;
    return dev->ops->capability(dev, major, minor);
}

pml_status pml_device_synchronize(pml_device *dev)
{
    PML_CHECK_ARG(dev != NULL, "pml_device_synchronize", "dev is NULL");
    return dev->ops->synchronize(dev);
}

pml_status pml_device_set_tf32(pml_device *dev, int enable)
{
    PML_CHECK_ARG(dev != NULL, "pml_device_set_tf32", "dev is NULL");
    dev->tf32 = enable ? 1 : 0;
    return PML_OK;
}

pml_status pml_device_list(pml_device_info *out, int capacity, int *count)
{
    PML_CHECK_ARG(count != NULL, "pml_device_list", "count is NULL");
    PML_CHECK_ARG(capacity >= 0 && (capacity == 0 || out != NULL), "pml_device_list",
                  "out is NULL or capacity negative");
    int n = 0;
    static const pml_device_kind kinds[] = {PML_DEVICE_CPU, PML_DEVICE_CUDA};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; ++k) {
        const pml_backend_reg *r = find_backend(kinds[k], NULL);
        const int devices = r ? r->count() : 0;
        for (int i = 0; i < devices; ++i, ++n)
            if (n < capacity) PML_TRY(r->query(i, &out[n]));
    }
    *count = n;
    return PML_OK;
}
