/* fill: data[i] = value converted to the dtype, i < n (pml_fill_args, src/core/backend.h). */
#include "cpu/cpu.h"

#define FILL(T)                                         \
    do {                                                \
        T *p = (T *)a->data;                            \
        T v = (T)a->value;                                 \
        _Pragma("omp parallel for if (n > 65536)")      \
        for (int64_t i = 0; i < n; ++i) p[i] = v;       \
    } while (0)

pml_status pml_cpu_fill(pml_device *dev, const pml_fill_args *a)
{
    (void)dev;
    const int64_t n = a->n;
    PML_DTYPE_CASES(a->dtype, FILL)
    return PML_OK;
}
