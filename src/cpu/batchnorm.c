/* Batch normalisation per channel, forward (training and evaluation) and backward.
 * Contract: src/ops/conv_ops.h. One channel per iteration, its sums in double in index order
 * (b, then q): the reference the CUDA kernels are checked against. */
#include <math.h>

#include "cpu/cpu.h"
#include "ops/conv_ops.h"

#define DEFINE_BN(T, SUF)                                                                    \
    static void bn_forward_##SUF(const pml_bn_forward_args *a)                               \
    {                                                                                        \
        const T *x = (const T *)a->x, *gamma = (const T *)a->gamma, *beta = (const T *)a->beta; \
        T *y = (T *)a->y, *rm = (T *)a->running_mean, *rv = (T *)a->running_var;            \
        T *sm = (T *)a->save_mean, *si = (T *)a->save_invstd;                                \
        const int64_t C = a->c, P = a->plane, N = a->batch * a->plane;                      \
        _Pragma("omp parallel for schedule(static) if (a->batch * C * P > (1 << 18))")       \
        for (int64_t ch = 0; ch < C; ++ch) {                                                 \
            double mean, var;                                                                \
            if (a->training) {                                                               \
                double s = 0, s2 = 0;                                                        \
                for (int64_t b = 0; b < a->batch; ++b)                                       \
                    for (int64_t q = 0; q < P; ++q) s += (double)x[(b * C + ch) * P + q];   \
                mean = s / (double)N;                                                        \
                for (int64_t b = 0; b < a->batch; ++b)                                       \
                    for (int64_t q = 0; q < P; ++q) {                                        \
                        const double d = (double)x[(b * C + ch) * P + q] - mean;            \
                        s2 += d * d;                                                         \
                    }                                                                        \
                var = s2 / (double)N;                                                        \
                const double unbiased = N > 1 ? var * (double)N / (double)(N - 1) : var;     \
                rm[ch] = (T)((1.0 - a->momentum) * (double)rm[ch] + a->momentum * mean);     \
                rv[ch] = (T)((1.0 - a->momentum) * (double)rv[ch] + a->momentum * unbiased); \
            } else {                                                                         \
                mean = (double)rm[ch];                                                       \
                var = (double)rv[ch];                                                        \
            }                                                                                \
            const T m = (T)mean, inv = (T)(1.0 / sqrt(var + a->eps));                        \
            sm[ch] = m;                                                                      \
            si[ch] = inv;                                                                    \
            const T gm = gamma[ch], bt = beta[ch];                                           \
            for (int64_t b = 0; b < a->batch; ++b)                                           \
                for (int64_t q = 0; q < P; ++q) {                                            \
                    const int64_t i = (b * C + ch) * P + q;                                  \
                    y[i] = (x[i] - m) * inv * gm + bt;                                       \
                }                                                                            \
        }                                                                                    \
    }                                                                                        \
    static void bn_backward_##SUF(const pml_bn_backward_args *a)                             \
    {                                                                                        \
        const T *x = (const T *)a->x, *dy = (const T *)a->dy, *gamma = (const T *)a->gamma; \
        const T *sm = (const T *)a->save_mean, *si = (const T *)a->save_invstd;             \
        T *dx = (T *)a->dx, *dg = (T *)a->dgamma, *db = (T *)a->dbeta;                       \
        const int64_t C = a->c, P = a->plane, N = a->batch * a->plane;                      \
        _Pragma("omp parallel for schedule(static) if (a->batch * C * P > (1 << 18))")       \
        for (int64_t ch = 0; ch < C; ++ch) {                                                 \
            const double m = (double)sm[ch], inv = (double)si[ch];                          \
            double sdy = 0, sdyx = 0;                                                        \
            for (int64_t b = 0; b < a->batch; ++b)                                           \
                for (int64_t q = 0; q < P; ++q) {                                            \
                    const int64_t i = (b * C + ch) * P + q;                                  \
                    sdy += (double)dy[i];                                                    \
                    sdyx += (double)dy[i] * (((double)x[i] - m) * inv);                      \
                }                                                                            \
            dg[ch] = (T)sdyx;                                                                \
            db[ch] = (T)sdy;                                                                 \
            if (dx == NULL) continue;                                                        \
            const double k = (double)gamma[ch] * inv / (double)N;                           \
            for (int64_t b = 0; b < a->batch; ++b)                                           \
                for (int64_t q = 0; q < P; ++q) {                                            \
                    const int64_t i = (b * C + ch) * P + q;                                  \
                    const double xh = ((double)x[i] - m) * inv;                              \
                    dx[i] = a->training                                                      \
                                ? (T)(k * ((double)N * (double)dy[i] - sdy - xh * sdyx))     \
                                : (T)(k * (double)N * (double)dy[i]);                        \
                }                                                                            \
        }                                                                                    \
    }

DEFINE_BN(float, f32)
DEFINE_BN(double, f64)

pml_status pml_cpu_bn_forward(pml_device *dev, const pml_bn_forward_args *a)
{
    (void)dev;
    if (a->dtype == PML_F32) bn_forward_f32(a);
    else bn_forward_f64(a);
    return PML_OK;
}

pml_status pml_cpu_bn_backward(pml_device *dev, const pml_bn_backward_args *a)
{
    (void)dev;
    if (a->dtype == PML_F32) bn_backward_f32(a);
    else bn_backward_f64(a);
    return PML_OK;
}
