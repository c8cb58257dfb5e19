/* Kernel contracts of the variational-autoencoder family (struct pml_vae_ops, hung off
 * pml_backend_ops.vae): the reparameterisation z = mu + sigma (.) eps with its analytic KL
 * term, its backward, and the KL added to a step's loss totals. CPU: src/cpu/vae.c; CUDA:
 * src/cuda/vae.cu (same contract comments).
 *
 * The encoder's output row r holds mu (columns 0..d-1) and log sigma^2 (columns d..2d-1):
 * two views of one output. Sums over units and rows are taken in double, in order. */
#ifndef PML_OPS_VAE_OPS_H
#define PML_OPS_VAE_OPS_H

#include "core/backend.h"
#include "core/philox.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Philox streams: eps of unit j of row r is normal draw r*d + j (pml_philox_normal) of
 *   PML_VAE_STREAM_TRAIN | position << 40 | (step & PML_VAE_STEP_MASK)  in a training step,
 *   PML_VAE_STREAM_EVAL | position << 40 | (counter & PML_VAE_STEP_MASK) when evaluating
 * (the ELBO of a validation batch, the k samples of the IWAE bound), with the run's seed as
 * key; position: the layer's place in the model (8 bits). */
#define PML_VAE_STREAM_TRAIN ((uint64_t)0xAE01 << 48)
#define PML_VAE_STREAM_EVAL ((uint64_t)0xAE02 << 48)
#define PML_VAE_STEP_MASK (((uint64_t)1 << 40) - 1)

/* For each row r < rows and unit j < d, with mu = x[r, j], lv = x[r, d + j]:
 *   eps[r, j] = sample ? pml_philox_normal(seed, stream, r*d + j) : 0,
 *   z[r, j] = mu + exp(lv / 2) eps[r, j];
 *   KL_r = 1/2 sum_j (mu^2 + exp(lv) - 1 - lv)        (KL(N(mu, sigma^2) || N(0, 1)), nats)
 *   kl[0] = sum_r KL_r (overwrites; may be NULL), kl_rows[r] = KL_r (may be NULL),
 *   logw_rows[r] = log p(z) - log q(z | x) = 1/2 sum_j (eps^2 + lv - z^2) (may be NULL),
 * all as doubles on the device. */
typedef struct pml_vae_reparam_args {
    pml_dtype dtype;
    int64_t rows, d;
    const void *x;
    int sample;
    uint64_t seed, stream;
    void *z, *eps;
    double *kl, *kl_rows, *logw_rows;
} pml_vae_reparam_args;
typedef pml_status pml_vae_reparam_fn(pml_device *dev, const pml_vae_reparam_args *args);

/* dx = dL/dx for the forward above and L = loss(z) + kl_scale sum_r KL_r:
 *   dx[r, j]     = dz[r, j] + kl_scale mu,
 *   dx[r, d + j] = dz[r, j] eps exp(lv / 2) / 2 + kl_scale (exp(lv) - 1) / 2. */
typedef struct pml_vae_reparam_backward_args {
    pml_dtype dtype;
    int64_t rows, d;
    const void *x, *eps, *dz;
    double kl_scale;
    void *dx;
} pml_vae_reparam_backward_args;
typedef pml_status pml_vae_reparam_backward_fn(pml_device *dev,
                                               const pml_vae_reparam_backward_args *args);

/* A step's totals (src/ops/nn_ops.h's loss out[2]) with the KL: out[0] += beta kl[0],
 * out[1] = kl[0]; nonfinite (may be NULL) set to 1 when out[0] is then not finite. */
typedef struct pml_vae_add_kl_args {
    const double *kl;
    double beta;
    double *out;
    int32_t *nonfinite;
} pml_vae_add_kl_args;
typedef pml_status pml_vae_add_kl_fn(pml_device *dev, const pml_vae_add_kl_args *args);

struct pml_vae_ops {
    pml_vae_reparam_fn *reparam;
    pml_vae_reparam_backward_fn *reparam_backward;
    pml_vae_add_kl_fn *add_kl;
};

/* One unit's forward, shared by C and CUDA: z, and its KL and log-weight terms. */
#define PML_VAE_UNIT_BODY(T, EXP)                                                            \
    const T sd = EXP(lv * (T)0.5);                                                           \
    const T zz = mu + sd * e;                                                                \
    *kl += 0.5 * ((double)mu * (double)mu + (double)(sd * sd) - 1.0 - (double)lv);           \
    *logw += 0.5 * ((double)e * (double)e + (double)lv - (double)zz * (double)zz);           \
    return zz;
PML_HOSTDEV float pml_vae_unit_f32(float mu, float lv, float e, double *kl, double *logw)
{
    PML_VAE_UNIT_BODY(float, expf)
}
PML_HOSTDEV double pml_vae_unit_f64(double mu, double lv, double e, double *kl, double *logw)
{
    PML_VAE_UNIT_BODY(double, exp)
}

#ifdef __cplusplus
}
#endif
#endif
