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
    switch (a->dtype) {
    case PML_F32: FILL(float); break;
    case PML_F64: FILL(double); break;
    case PML_I32: FILL(int32_t); break;
    case PML_U32: FILL(uint32_t); break;
    case PML_U8: FILL(uint8_t); break;
    case PML_I8: FILL(int8_t); break;
    }
    return PML_OK;
}
