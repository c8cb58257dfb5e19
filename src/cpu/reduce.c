/* sum: *out = sum of all elements of x, any dtype, accumulated in double. */
#include "cpu/cpu.h"

#define SUM(T)                                                         \
    do {                                                               \
        const T *p = (const T *)x->data;                               \
        _Pragma("omp parallel for reduction(+ : acc) if (n > 65536)")  \
        for (int64_t i = 0; i < n; ++i) acc += (double)p[i];           \
    } while (0)

pml_status pml_cpu_sum(pml_device *dev, const pml_tensor *x, double *out)
{
    (void)dev;
    int64_t n = x->numel;
    double acc = 0.0;
    switch (x->dtype) {
    case PML_F32: SUM(float); break;
    case PML_F64: SUM(double); break;
    case PML_I32: SUM(int32_t); break;
    case PML_U32: SUM(uint32_t); break;
    case PML_U8: SUM(uint8_t); break;
    case PML_I8: SUM(int8_t); break;
    }
    *out = acc;
    return PML_OK;
}
