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
    PML_DTYPE_CASES(a->dtype, SUM)
    *a->out = acc;
    return PML_OK;
}
