/* The variational autoencoder's kernels: reparameterisation with its KL term and log-weights,
 * its backward, the KL added to a step's totals. Contract: src/ops/vae_ops.h. Twin:
 * src/cuda/vae.cu. These loops are the reference: the work is rows x latent units, small
 * beside the GEMMs around it; the reparameterisation's rows go over the threads. */
#include <math.h>
#include <stdlib.h>

#include "cpu/cpu.h"

#define DEFINE_REPARAM(T, SUF)                                                               \
    /* rows over the threads (the normals are ~60 ns each, the work is serial otherwise), \
     * each row's KL kept, then summed in row order: the same total on any thread count */ \
    static pml_status reparam_##SUF(const pml_vae_reparam_args *a)                           \
    {                                                                                        \
        const int64_t d = a->d;                                                              \
        const T *x = (const T *)a->x;                                                        \
        T *z = (T *)a->z, *eps = (T *)a->eps;                                                \
        double *rows_kl = a->kl_rows;                                                        \
        if (rows_kl == NULL && a->kl != NULL) {                                              \
            rows_kl = malloc((size_t)a->rows * sizeof *rows_kl);                             \
            PML_CHECK(rows_kl != NULL, PML_ERR_OUT_OF_MEMORY,                                \
                      "vae reparam: out of host memory");                                    \
        }                                                                                    \
        _Pragma("omp parallel for schedule(static) if (a->rows * d > 512)")                  \
        for (int64_t r = 0; r < a->rows; ++r) {                                              \
            double kl = 0.0, logw = 0.0;                                                     \
            for (int64_t j = 0; j < d; ++j) {                                                \
                const T e = a->sample ? (T)pml_philox_normal(a->seed, a->stream,             \
                                                             (uint64_t)(r * d + j))          \
                                      : (T)0;                                                \
                eps[r * d + j] = e;                                                          \
                z[r * d + j] =                                                               \
                    pml_vae_unit_##SUF(x[r * 2 * d + j], x[r * 2 * d + d + j], e, &kl, &logw); \
            }                                                                                \
            if (rows_kl) rows_kl[r] = kl;                                                    \
            if (a->logw_rows) a->logw_rows[r] = logw;                                        \
        }                                                                                    \
        if (a->kl) {                                                                         \
            double total = 0.0;                                                              \
            for (int64_t r = 0; r < a->rows; ++r) total += rows_kl[r];                       \
            a->kl[0] = total;                                                                \
        }                                                                                    \
        if (rows_kl != a->kl_rows) free(rows_kl);                                            \
        return PML_OK;                                                                       \
    }

DEFINE_REPARAM(float, f32)
DEFINE_REPARAM(double, f64)

pml_status pml_cpu_vae_reparam(pml_device *dev, const pml_vae_reparam_args *a)
{
    (void)dev;
    return a->dtype == PML_F32 ? reparam_f32(a) : reparam_f64(a);
}

#define DEFINE_REPARAM_BACKWARD(T, SUF, EXP)                                                 \
    static void reparam_backward_##SUF(const pml_vae_reparam_backward_args *a)               \
    {                                                                                        \
        const int64_t d = a->d;                                                              \
        const T *x = (const T *)a->x, *eps = (const T *)a->eps, *dz = (const T *)a->dz;      \
        T *dx = (T *)a->dx;                                                                  \
        const T ks = (T)a->kl_scale;                                                         \
        for (int64_t r = 0; r < a->rows; ++r)                                                \
            for (int64_t j = 0; j < d; ++j) {                                                \
                const T mu = x[r * 2 * d + j], lv = x[r * 2 * d + d + j];                    \
                const T g = dz[r * d + j], sd = EXP(lv * (T)0.5);                            \
                dx[r * 2 * d + j] = g + ks * mu;                                             \
                dx[r * 2 * d + d + j] =                                                      \
                    g * eps[r * d + j] * sd * (T)0.5 + ks * (sd * sd - (T)1) * (T)0.5;      \
            }                                                                                \
    }

DEFINE_REPARAM_BACKWARD(float, f32, expf)
DEFINE_REPARAM_BACKWARD(double, f64, exp)

pml_status pml_cpu_vae_reparam_backward(pml_device *dev, const pml_vae_reparam_backward_args *a)
{
    (void)dev;
    if (a->dtype == PML_F32) reparam_backward_f32(a);
    else reparam_backward_f64(a);
    return PML_OK;
}

pml_status pml_cpu_vae_add_kl(pml_device *dev, const pml_vae_add_kl_args *a)
{
    (void)dev;
    a->out[0] += a->beta * a->kl[0];
    a->out[1] = a->kl[0];
    if (a->nonfinite && !isfinite(a->out[0])) *a->nonfinite = 1;
    return PML_OK;
}
