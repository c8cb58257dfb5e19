/* The CUDA backend as a loadable module (src/core/module.h): its one exported entry, and the
 * module's own pml_set_error, which forwards to the library that loaded it so that an error
 * raised in here reaches the caller's pml_last_error(). */
#include <stdarg.h>
#include <stddef.h>

#include "core/module.h"

static const pml_module_host *host;

pml_status pml_set_error(pml_status status, const char *fmt, ...)
{
    if (host == NULL) return status;
    va_list ap;
    va_start(ap, fmt);
    host->vset_error(status, fmt, ap);
    va_end(ap);
    return status;
}

__attribute__((visibility("default"))) const pml_backend_reg *
pml_backend_module(const pml_module_host *h)
{
    if (h == NULL || h->abi != PML_MODULE_ABI || h->vset_error == NULL) return NULL;
    host = h;
    return &pml_cuda_backend_reg;
}
