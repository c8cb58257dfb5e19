/* sum: *out = sum of x[0..n), any dtype, accumulated in double (pml_sum_args). */
#include "cpu/cpu.h"

#define SUM(T)                                                         \
    do {                                                               \
        const T *p = (const T *)a->x;                               \
        _Pragma("omp parallel for reduction(+ : acc) if (n > 65536)")  \
        for (int64_t i = 0; i < n; ++i) acc += (double)p[i];           \
    } while (0)

pml_status pml_cpu_sum(pml_device *dev, const pml_sum_args *a)
{
    (void)dev;
    const int64_t n = a->n;
    double acc = 0.0;
    switch (a->dtype) {
    case PML_F32: SUM(float); break;
    case PML_F64: SUM(double); break;
    case PML_I32: SUM(int32_t); break;
    case PML_U32: SUM(uint32_t); break;
    case PML_U8: SUM(uint8_t); break;
    case PML_I8: SUM(int8_t); break;
    }
    *a->out = acc;
    return PML_OK;
}
