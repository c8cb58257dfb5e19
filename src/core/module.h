/* Backends loaded at run time. The CUDA backend is built as its own shared object,
 * libphysml-cuda.so.<major>, so that a program linked with physml does not map the CUDA
 * runtime and cuBLAS (about 200 MB resident) until it asks for a GPU, and runs on machines
 * that have no CUDA libraries at all. src/core/device.c opens the module on first use and
 * calls its one exported entry, which hands back the backend's registry entry.
 *
 * The module shares no state with the library: it reports errors through the host's
 * function, so pml_last_error() in the caller's thread says what failed inside it. */
#ifndef PML_MODULE_H
#define PML_MODULE_H

#include <stdarg.h>

#include "core/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Raised whenever pml_backend_reg, pml_device_ops, a family table or this struct changes
 * shape: a module built against another layout is refused, never called. */
#define PML_MODULE_ABI 6

/* What the library gives a module. */
typedef struct pml_module_host {
    int abi;                                                    /* PML_MODULE_ABI */
    pml_status (*vset_error)(pml_status status, const char *fmt, va_list ap);
} pml_module_host;

/* The module's one exported symbol: checks host->abi, keeps host, returns its registry
 * entry (NULL when the ABI differs). */
#define PML_MODULE_ENTRY "pml_backend_module"
typedef const pml_backend_reg *pml_module_entry_fn(const pml_module_host *host);
pml_module_entry_fn pml_backend_module; /* defined by each module, e.g. src/cuda/module.c */

/* The CUDA backend's registry entry, loading the module on the first call (thread-safe);
 * NULL when there is none, with *why (when why is not NULL) saying why in one phrase:
 * built without CUDA, no driver, or the module that does not load and the loader's reason. */
const pml_backend_reg *pml_module_cuda(const char **why);

/* pml_set_error with a va_list; the host side of pml_module_host.vset_error. */
pml_status pml_vset_error(pml_status status, const char *fmt, va_list ap);

#ifdef __cplusplus
}
#endif

#endif
