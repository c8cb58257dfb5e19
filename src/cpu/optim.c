/* Optimiser updates, elementwise over a list of parameter tensors in one call. Contract:
 * pml_optim_args in src/ops/optim_ops.h (SGD with optional momentum/Nesterov, Adam; L2 weight
 * decay added to the gradient; state values below the smallest normal number stored as 0; the
 * whole step skipped while the skip flag is set).
 *
 * Why it looks like this (784-100-10 network, 79,510 parameters, one step took 170 us and
 * 320 us once moments had decayed): each loop is branch-free and vectorises (`omp simd`; this
 * file is compiled with -fno-math-errno, without which sqrt keeps its errno path and the
 * loop stays scalar); subnormal moments are flushed; no OpenMP region is opened below
 * PAR_MIN elements in all, where waking a second thread on a shared machine costs more than
 * the work. Each element's arithmetic is the same for any thread count. */
#include <float.h>
#include <math.h>

#include "cpu/cpu.h"
#include "cpu/simd.h"

/* Threads only when the whole list holds more than 256K elements, in chunks of 64K elements of
 * each tensor; each thread takes its static share of every tensor. A 784-400-20-400-784 VAE's
 * 650K parameters: its Adam step took 0.51-0.91 ms on one thread with AVX2, 0.34-0.49 ms so
 * (three interleaved runs on the 2-vCPU Xeon). */
#define PAR_MIN ((int64_t)1 << 17)
#define CHUNK ((int64_t)1 << 14)

/* The loops have AVX-512 and AVX2 clones, picked at load time (PML_SIMD_CLONES). The library
 * builds as ISO C11, where GCC contracts nothing into FMAs (-ffp-contract=off), so every clone
 * rounds every operation alike and the results do not depend on the CPU. */

static int64_t list_elements(const pml_optim_list *l)
{
    int64_t n = 0;
    for (int k = 0; k < l->count; ++k) n += l->n[k];
    return n;
}

#define DEFINE_OPTIM(T, SUF, SQRT, TMIN)                                                      \
    PML_SIMD_CLONES                                                                          \
    static void sgd_span_##SUF(int64_t lo, int64_t hi, T *restrict w, const T *restrict g,    \
                               T *restrict v, T lr, T mu, int nesterov, T wd)                 \
    {                                                                                         \
        if (v == NULL) {                                                                      \
            _Pragma("omp simd")                                                               \
            for (int64_t i = lo; i < hi; ++i) w[i] -= lr * (g[i] + wd * w[i]);               \
        } else if (!nesterov) {                                                               \
            _Pragma("omp simd")                                                               \
            for (int64_t i = lo; i < hi; ++i) {                                               \
                T vi = mu * v[i] + (g[i] + wd * w[i]);                                        \
                vi = (vi < TMIN && vi > -TMIN) ? (T)0 : vi;                                   \
                v[i] = vi;                                                                    \
                w[i] -= lr * vi;                                                              \
            }                                                                                 \
        } else {                                                                              \
            _Pragma("omp simd")                                                               \
            for (int64_t i = lo; i < hi; ++i) {                                               \
                T gi = g[i] + wd * w[i];                                                      \
                T vi = mu * v[i] + gi;                                                        \
                vi = (vi < TMIN && vi > -TMIN) ? (T)0 : vi;                                   \
                v[i] = vi;                                                                    \
                w[i] -= lr * (gi + mu * vi);                                                  \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
    PML_SIMD_CLONES                                                                          \
    static void adam_span_##SUF(int64_t lo, int64_t hi, T *restrict w, const T *restrict g,   \
                                T *restrict m, T *restrict v, T lr_t, T b1, T b2, T eps_t,    \
                                T wd)                                                         \
    {                                                                                         \
        const T c1 = (T)1 - b1, c2 = (T)1 - b2;                                               \
        _Pragma("omp simd")                                                                   \
        for (int64_t i = lo; i < hi; ++i) {                                                   \
            T gi = g[i] + wd * w[i];                                                          \
            T mi = b1 * m[i] + c1 * gi;                                                       \
            T vi = b2 * v[i] + c2 * gi * gi;                                                  \
            mi = (mi < TMIN && mi > -TMIN) ? (T)0 : mi;                                       \
            vi = vi < TMIN ? (T)0 : vi;                                                       \
            m[i] = mi;                                                                        \
            v[i] = vi;                                                                        \
            w[i] -= lr_t * mi / (SQRT(vi) + eps_t);                                           \
        }                                                                                     \
    }                                                                                         \
    static void sgd_##SUF(const pml_optim_list *l, const pml_optim_hyper *h)                    \
    {                                                                                         \
        const T lr = (T)h->lr, mu = (T)h->mu, wd = (T)h->wd;                                  \
        _Pragma("omp parallel if (list_elements(l) > PAR_MIN)")                               \
        for (int k = 0; k < l->count; ++k) {                                                  \
            const int64_t n = l->n[k];                                                        \
            T *w = (T *)l->w[k], *v = (T *)l->s1[k];                                          \
            const T *g = (const T *)l->g[k];                                                  \
            _Pragma("omp for schedule(static) nowait")                                        \
            for (int64_t c = 0; c < (n + CHUNK - 1) / CHUNK; ++c)                             \
                sgd_span_##SUF(c * CHUNK, c * CHUNK + CHUNK < n ? c * CHUNK + CHUNK : n, w, g, \
                               v, lr, mu, h->nesterov, wd);                                   \
        }                                                                                     \
    }                                                                                         \
    static void adam_##SUF(const pml_optim_list *l, const pml_optim_hyper *h)                   \
    {                                                                                         \
        const T lr_t = (T)h->lr, b1 = (T)h->b1, b2 = (T)h->b2, eps_t = (T)h->eps,             \
                wd = (T)h->wd;                                                                \
        _Pragma("omp parallel if (list_elements(l) > PAR_MIN)")                               \
        for (int k = 0; k < l->count; ++k) {                                                  \
            const int64_t n = l->n[k];                                                        \
            T *w = (T *)l->w[k], *m = (T *)l->s1[k], *v = (T *)l->s2[k];                      \
            const T *g = (const T *)l->g[k];                                                  \
            _Pragma("omp for schedule(static) nowait")                                        \
            for (int64_t c = 0; c < (n + CHUNK - 1) / CHUNK; ++c)                             \
                adam_span_##SUF(c * CHUNK, c * CHUNK + CHUNK < n ? c * CHUNK + CHUNK : n, w,  \
                                g, m, v, lr_t, b1, b2, eps_t, wd);                            \
        }                                                                                     \
    }

DEFINE_OPTIM(float, f32, sqrtf, FLT_MIN)
DEFINE_OPTIM(double, f64, sqrt, DBL_MIN)

typedef void step_fn(const pml_optim_list *l, const pml_optim_hyper *h);

/* The step in the dtype asked for, unless the skip flag is raised. */
static pml_status step(const pml_optim_args *a, step_fn *f32, step_fn *f64)
{
    if (a->skip && *a->skip) return PML_OK;
    (a->dtype == PML_F32 ? f32 : f64)(a->list, a->hyper);
    return PML_OK;
}

pml_status pml_cpu_sgd(pml_device *dev, const pml_optim_args *a)
{
    (void)dev;
    return step(a, sgd_f32, sgd_f64);
}

pml_status pml_cpu_adam(pml_device *dev, const pml_optim_args *a)
{
    (void)dev;
    return step(a, adam_f32, adam_f64);
}
