/* Status strings and the per-thread detail message. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/internal.h"
#include "core/module.h"

static _Thread_local char last_error[1024];

const char *pml_status_string(pml_status status)
{
    switch (status) {
    case PML_OK: return "ok";
    case PML_ERR_INVALID_ARGUMENT: return "invalid argument";
    case PML_ERR_OUT_OF_MEMORY: return "out of memory";
    case PML_ERR_UNSUPPORTED: return "unsupported";
    case PML_ERR_NO_DEVICE: return "no such device";
    case PML_ERR_CUDA: return "CUDA error";
    case PML_ERR_IO: return "I/O error";
    case PML_ERR_BAD_FORMAT: return "bad format";
    case PML_ERR_DEVICE_MISMATCH: return "device mismatch";
    case PML_ERR_NUMERIC: return "numerical error";
    case PML_ERR_INTERNAL: return "internal error";
    }
    return "unknown status";
}

const char *pml_last_error(void) { return last_error; }

void pml_clear_error(void) { last_error[0] = '\0'; }

pml_status pml_vset_error(pml_status status, const char *fmt, va_list ap)
{
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    return status;
}

pml_status pml_set_error(pml_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pml_vset_error(status, fmt, ap);
    va_end(ap);
    return status;
}

pml_status pml_error_within(pml_status status, const char *fn)
{
    const size_t n = strlen(fn);
    if (status == PML_OK || (strncmp(last_error, fn, n) == 0 && last_error[n] == ':'))
        return status;
    char inner[sizeof last_error];
    memcpy(inner, last_error, sizeof inner);
    return pml_set_error(status, "%s: %s", fn, inner);
}

pml_status pml_check_tensor(const char *fn, const char *name, const pml_tensor *t)
{
    PML_CHECK(t != NULL, PML_ERR_INVALID_ARGUMENT, "%s: tensor %s is NULL", fn, name);
    return PML_OK;
}

pml_status pml_check_same_device(const char *fn, const pml_device *dev, const pml_tensor *t,
                                 const char *name)
{
    PML_TRY(pml_check_tensor(fn, name, t));
    PML_CHECK(t->dev == dev, PML_ERR_DEVICE_MISMATCH, "%s: tensor %s lives on %s%s, not on %s", fn,
              name, t->dev->spec, pml_other_handle_note(t->dev, dev), dev->spec);
    return PML_OK;
}

const char *pml_other_handle_note(const pml_device *a, const pml_device *b)
{
    return a != b && strcmp(a->spec, b->spec) == 0 ? " (another handle)" : "";
}
