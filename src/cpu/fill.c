/* fill: t[i] = value converted to t's dtype, for i < numel. */
#include "cpu/cpu.h"

#define FILL(T)                                         \
    do {                                                \
        T *p = (T *)t->data;                            \
        T v = (T)value;                                 \
        _Pragma("omp parallel for if (n > 65536)")      \
        for (int64_t i = 0; i < n; ++i) p[i] = v;       \
    } while (0)

pml_status pml_cpu_fill(pml_device *dev, pml_tensor *t, double value)
{
    (void)dev;
    int64_t n = t->numel;
    switch (t->dtype) {
    case PML_F32: FILL(float); break;
    case PML_F64: FILL(double); break;
    case PML_I32: FILL(int32_t); break;
    case PML_U32: FILL(uint32_t); break;
    case PML_U8: FILL(uint8_t); break;
    case PML_I8: FILL(int8_t); break;
    }
    return PML_OK;
}
