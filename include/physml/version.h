/* physml version. CMake reads the three numbers below; keep their form. */
#ifndef PHYSML_VERSION_H
#define PHYSML_VERSION_H

#include "physml/api.h"

#define PML_VERSION_MAJOR 0
#define PML_VERSION_MINOR 1
#define PML_VERSION_PATCH 0

#define PML_STR_(x) #x
#define PML_STR(x) PML_STR_(x)
#define PML_VERSION_STRING \
    PML_STR(PML_VERSION_MAJOR) "." PML_STR(PML_VERSION_MINOR) "." PML_STR(PML_VERSION_PATCH)
#define PML_VERSION_NUMBER \
    (PML_VERSION_MAJOR * 10000 + PML_VERSION_MINOR * 100 + PML_VERSION_PATCH)

#ifdef __cplusplus
extern "C" {
#endif
/* The version of the library actually linked, "MAJOR.MINOR.PATCH". */
PML_API const char *pml_version_string(void);
/* The same as a number, MAJOR * 10000 + MINOR * 100 + PATCH: compare it with
 * PML_VERSION_NUMBER to detect a program built against other headers than the library it
 * runs with. */
PML_API int pml_version_number(void);
/* 1 when the library was compiled with the CUDA backend, else 0. */
PML_API int pml_cuda_compiled(void);
/* The CPU BLAS the library was built against, e.g. "OpenBLAS 0.3.21". */
PML_API const char *pml_blas_name(void);
/* The kernels the CPU BLAS chose for this processor at load time, e.g. "SkylakeX" ("" when
 * it does not say). */
PML_API const char *pml_blas_core(void);
/* The kernels it should have chosen, when it fell back to a generic core on a processor it
 * does not recognise ("SkylakeX" on an AVX-512 processor, "Haswell" on an AVX2 one), else
 * NULL. OpenBLAS 0.3.21 (Debian 12) takes Sapphire and Emerald Rapids Xeons for a Prescott:
 * AVX-512 unused, single-precision GEMM about 4x slower. OpenBLAS reads OPENBLAS_CORETYPE
 * when it loads, so only a process started with it set gets the right kernels: the physml
 * tool and the benchmarks restart themselves so (docs/architecture.md, "The CPU BLAS"). */
PML_API const char *pml_blas_core_suggested(void);
#ifdef __cplusplus
}
#endif
#endif
