#include "core/internal.h"

const char *pml_version_string(void) { return PML_VERSION_STRING; }

int pml_version_number(void) { return PML_VERSION_NUMBER; }

int pml_cuda_compiled(void)
{
#ifdef PML_HAVE_CUDA
    return 1;
#else
    return 0;
#endif
}
