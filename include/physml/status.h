/* Status codes and error details. Every physml call that can fail returns a pml_status. */
#ifndef PHYSML_STATUS_H
#define PHYSML_STATUS_H

#include "physml/api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fixed values: they never change between releases. */
typedef enum pml_status {
    PML_OK = 0,
    PML_ERR_INVALID_ARGUMENT = 1, /* NULL pointer, bad shape, value out of range */
    PML_ERR_OUT_OF_MEMORY = 2,    /* host or device allocation failed */
    PML_ERR_UNSUPPORTED = 3,      /* backend lacks the kernel, or dtype not handled */
    PML_ERR_NO_DEVICE = 4,        /* the device asked for is not there */
    PML_ERR_CUDA = 5,             /* a CUDA runtime, cuBLAS or cuRAND call failed */
    PML_ERR_IO = 6,               /* a file could not be opened, read or written */
    PML_ERR_BAD_FORMAT = 7,       /* a file's content is not what it claims */
    PML_ERR_DEVICE_MISMATCH = 8,  /* operands live on different devices */
    PML_ERR_NUMERIC = 9,          /* NaN or infinity where a finite number was needed */
    PML_ERR_INTERNAL = 10         /* a bug in physml: please report it */
} pml_status;

/* A short constant description of a status ("invalid argument"). Never NULL. */
PML_API const char *pml_status_string(pml_status status);

/* The detail message of the last failure on this thread: which call failed, and for
 * CUDA/cuBLAS failures the call text, file and line. Empty string when none. */
PML_API const char *pml_last_error(void);

/* Forget the detail message of this thread. */
PML_API void pml_clear_error(void);

#ifdef __cplusplus
}
#endif
#endif
