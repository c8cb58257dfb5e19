/* Optimiser updates, elementwise over one parameter tensor. Contract: see struct pml_nn_ops
 * in src/nn/nn_ops.h (SGD with optional momentum/Nesterov, Adam; L2 weight decay added to
 * the gradient). */
#include <math.h>

#include "cpu/cpu.h"
#include "nn/nn_ops.h"

#define DEFINE_OPTIM(T, SUF, SQRT)                                                           \
    static void sgd_##SUF(int64_t n, T *w, const T *g, T *v, T lr, T mu, int nesterov, T wd) \
    {                                                                                        \
        _Pragma("omp parallel for simd if (n > (1 << 22))")                                      \
        for (int64_t i = 0; i < n; ++i) {                                                    \
            T gi = g[i] + wd * w[i];                                                         \
            if (v) {                                                                         \
                T vi = mu * v[i] + gi;                                                       \
                v[i] = vi;                                                                   \
                w[i] -= lr * (nesterov ? gi + mu * vi : vi);                                 \
            } else {                                                                         \
                w[i] -= lr * gi;                                                             \
            }                                                                                \
        }                                                                                    \
    }                                                                                        \
    /* w -= lr (m / bc1) / (sqrt(v / bc2) + eps), rewritten with one sqrt and one        \
     * division per element: lr_t m / (sqrt(v) + eps_t), lr_t = lr sqrt(bc2) / bc1,      \
     * eps_t = eps sqrt(bc2) (algebraically the same update) */                           \
    static void adam_##SUF(int64_t n, T *restrict w, const T *restrict g, T *restrict m,    \
                           T *restrict v, T lr, T b1, T b2, T eps, T wd, T bc1, T bc2)      \
    {                                                                                        \
        const T lr_t = lr * SQRT(bc2) / bc1, eps_t = eps * SQRT(bc2);                        \
        const T c1 = (T)1 - b1, c2 = (T)1 - b2;                                              \
        _Pragma("omp parallel for simd if (n > (1 << 22))")                                  \
        for (int64_t i = 0; i < n; ++i) {                                                    \
            T gi = g[i] + wd * w[i];                                                         \
            T mi = b1 * m[i] + c1 * gi;                                                      \
            T vi = b2 * v[i] + c2 * gi * gi;                                                 \
            m[i] = mi;                                                                       \
            v[i] = vi;                                                                       \
            w[i] -= lr_t * mi / (SQRT(vi) + eps_t);                                          \
        }                                                                                    \
    }

DEFINE_OPTIM(float, f32, sqrtf)
DEFINE_OPTIM(double, f64, sqrt)

pml_status pml_cpu_nn_sgd(pml_device *dev, pml_dtype dtype, int64_t n, void *w, const void *g,
                          void *v, double lr, double mu, int nesterov, double wd)
{
    (void)dev;
    if (dtype == PML_F32)
        sgd_f32(n, (float *)w, (const float *)g, (float *)v, (float)lr, (float)mu, nesterov,
                (float)wd);
    else
        sgd_f64(n, (double *)w, (const double *)g, (double *)v, lr, mu, nesterov, wd);
    return PML_OK;
}

pml_status pml_cpu_nn_adam(pml_device *dev, pml_dtype dtype, int64_t n, void *w, const void *g,
                           void *m, void *v, double lr, double b1, double b2, double eps,
                           double wd, double bc1, double bc2)
{
    (void)dev;
    if (dtype == PML_F32)
        adam_f32(n, (float *)w, (const float *)g, (float *)m, (float *)v, (float)lr, (float)b1,
                 (float)b2, (float)eps, (float)wd, (float)bc1, (float)bc2);
    else
        adam_f64(n, (double *)w, (const double *)g, (double *)m, (double *)v, lr, b1, b2, eps, wd,
                 bc1, bc2);
    return PML_OK;
}
