/* Batch normalisation per channel, forward (training and evaluation) and backward.
 * Contract: src/ops/conv_ops.h. One channel per iteration; its sums in double, each batch
 * row's by an OpenMP simd reduction (a fixed order for a given build) added in row order; the
 * activation applied and differentiated a row chunk at a time with the switch outside the
 * loop, so that every inner loop vectorises. */
#include <math.h>

#include "cpu/act_rows.h"
#include "cpu/cpu.h"
#include "ops/conv_ops.h"

#define CHUNK 1024

/* One batch row of a channel: y = act((x - m) inv g + b), the row's sums, dx; the activation
 * and its derivative from cpu/act_rows.h. Every loop vectorised (built for AVX-512, AVX2 and
 * the baseline). */
#define DEFINE_ROWS(T, SUF)                                                                  \
    PML_DEFINE_ACT_ROWS(T, SUF)                                                              \
    PML_SIMD_CLONES                                                                          \
    static void apply_row_##SUF(pml_activation act, T alpha, const T *restrict x,            \
                                T *restrict y, int64_t n, T m, T inv, T g, T b)              \
    {                                                                                        \
        _Pragma("omp simd")                                                                  \
        for (int64_t j = 0; j < n; ++j) y[j] = (x[j] - m) * inv * g + b;                     \
        pml_act_row_##SUF(act, alpha, y, n);                                                 \
    }                                                                                        \
    /* the sums of x and of x^2 in double */                                                 \
    PML_SIMD_CLONES                                                                          \
    static void sum_row_##SUF(const T *x, int64_t n, double *s1, double *s2)                 \
    {                                                                                        \
        double r1 = 0, r2 = 0;                                                               \
        _Pragma("omp simd reduction(+ : r1, r2)")                                            \
        for (int64_t j = 0; j < n; ++j) {                                                    \
            r1 += (double)x[j];                                                              \
            r2 += (double)x[j] * (double)x[j];                                               \
        }                                                                                    \
        *s1 += r1;                                                                           \
        *s2 += r2;                                                                           \
    }                                                                                        \
    /* sums of dz and dz (x - m) inv in double */                                            \
    PML_SIMD_CLONES                                                                          \
    static void dot_row_##SUF(const T *dz, const T *x, int64_t n, double m, double inv,     \
                              double *s1, double *s2)                                        \
    {                                                                                        \
        double r1 = 0, r2 = 0;                                                               \
        _Pragma("omp simd reduction(+ : r1, r2)")                                            \
        for (int64_t j = 0; j < n; ++j) {                                                    \
            r1 += (double)dz[j];                                                             \
            r2 += (double)dz[j] * (((double)x[j] - m) * inv);                                \
        }                                                                                    \
        *s1 += r1;                                                                           \
        *s2 += r2;                                                                           \
    }                                                                                        \
    /* dx = c0 dz - c1 - (x - m) inv c2 */                                                   \
    PML_SIMD_CLONES                                                                          \
    static void dx_row_##SUF(const T *dz, const T *x, T *dx, int64_t n, double m, double inv, \
                             double c0, double c1, double c2)                                \
    {                                                                                        \
        _Pragma("omp simd")                                                                  \
        for (int64_t j = 0; j < n; ++j)                                                      \
            dx[j] = (T)(c0 * (double)dz[j] - c1 - ((double)x[j] - m) * inv * c2);            \
    }

#define DEFINE_BN(T, SUF)                                                                    \
    DEFINE_ROWS(T, SUF)                                                                      \
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
                    sum_row_##SUF(x + (b * C + ch) * P, P, &s, &s2);                         \
                mean = s / (double)N;                                                        \
                var = s2 / (double)N - mean * mean;                                          \
                var = var > 0 ? var : 0.0;                                                   \
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
                apply_row_##SUF(a->act, (T)a->alpha, x + (b * C + ch) * P, y + (b * C + ch) * P, \
                                P, m, inv, gm, bt);                                          \
        }                                                                                    \
    }                                                                                        \
    static void bn_backward_##SUF(const pml_bn_backward_args *a)                             \
    {                                                                                        \
        const T *x = (const T *)a->x, *dy = (const T *)a->dy, *gamma = (const T *)a->gamma; \
        const T *yv = (const T *)a->y;                                                       \
        const T *sm = (const T *)a->save_mean, *si = (const T *)a->save_invstd;             \
        T *dx = (T *)a->dx, *dg = (T *)a->dgamma, *db = (T *)a->dbeta;                       \
        const int64_t C = a->c, P = a->plane, N = a->batch * a->plane;                      \
        _Pragma("omp parallel for schedule(static) if (a->batch * C * P > (1 << 18))")       \
        for (int64_t ch = 0; ch < C; ++ch) {                                                 \
            const double m = (double)sm[ch], inv = (double)si[ch];                          \
            T dz[CHUNK];                                                                     \
            double sdy = 0, sdyx = 0;                                                        \
            for (int64_t b = 0; b < a->batch; ++b)                                           \
                for (int64_t q0 = 0; q0 < P; q0 += CHUNK) {                                  \
                    const int64_t o = (b * C + ch) * P + q0, n = P - q0 < CHUNK ? P - q0 : CHUNK; \
                    pml_act_grad_row_##SUF(a->act, (T)a->alpha, yv + o, dy + o, dz, n);             \
                    dot_row_##SUF(dz, x + o, n, m, inv, &sdy, &sdyx);                        \
                }                                                                            \
            dg[ch] = (T)sdyx;                                                                \
            db[ch] = (T)sdy;                                                                 \
            if (dx == NULL) continue;                                                        \
            const double k = (double)gamma[ch] * inv / (double)N;                           \
            const double c0 = k * (double)N;                                                 \
            const double c1 = a->training ? k * sdy : 0.0, c2 = a->training ? k * sdyx : 0.0; \
            for (int64_t b = 0; b < a->batch; ++b)                                           \
                for (int64_t q0 = 0; q0 < P; q0 += CHUNK) {                                  \
                    const int64_t o = (b * C + ch) * P + q0, n = P - q0 < CHUNK ? P - q0 : CHUNK; \
                    pml_act_grad_row_##SUF(a->act, (T)a->alpha, yv + o, dy + o, dz, n);             \
                    dx_row_##SUF(dz, x + o, dx + o, n, m, inv, c0, c1, c2);                  \
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
