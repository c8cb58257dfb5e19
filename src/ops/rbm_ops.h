/* Kernel contracts of the restricted Boltzmann machine family (struct pml_rbm_ops, hung off
 * pml_backend_ops.rbm), and the Philox coordinates its draws use. CPU: src/cpu/rbm_<op>.c
 * (the references); CUDA: src/cuda/rbm_<op>.cu (same contracts). The model (src/rbm/) gets
 * every pre-activation from the generic GEMM and hands it to these kernels.
 *
 * Conventions for every kernel here: units are F32 0/1 values (or probabilities), row-major
 * rows x n; sums are taken in double in index order; the logistic is pml_rbm_logistic (in
 * float from a shared exp). */
#ifndef PML_OPS_RBM_OPS_H
#define PML_OPS_RBM_OPS_H

#include <math.h>
#include <stdint.h>

#include "core/backend.h"
#include "core/philox.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Always inlined on the CPU, so that the vectorised loops of src/cpu/rbm_gibbs.c see the
 * arithmetic (a call would keep them scalar). */
#if defined(__CUDACC__)
#define PML_RBM_INLINE PML_HOSTDEV
#elif defined(__GNUC__)
#define PML_RBM_INLINE static inline __attribute__((always_inline))
#else
#define PML_RBM_INLINE static inline
#endif

/* Philox streams: a purpose tag in the top 16 bits, the chain (row) number below; the draw
 * index is step * pml_rbm_row_draws(n) + unit (each step of a row starts a fresh Philox block of
 * four draws). The key is the caller's seed. So a chain's draws depend on
 * (seed, purpose, step, chain, unit) alone: not on the batch it runs in, the backend, the
 * launch configuration or the thread count. */
#define PML_RBM_STREAM_HIDDEN ((uint64_t)0x5201 << 48)  /* h ~ p(h|v) */
#define PML_RBM_STREAM_VISIBLE ((uint64_t)0x5202 << 48) /* v ~ p(v|h) */
#define PML_RBM_STREAM_DATA ((uint64_t)0x5203 << 48)    /* binarising data by sampling */
#define PML_RBM_STREAM_INIT ((uint64_t)0x5204 << 48)    /* chains started from noise */
#define PML_RBM_STREAM_PLL ((uint64_t)0x5205 << 48)     /* the unit pseudo-likelihood flips */
#define PML_RBM_STREAM_SWAP ((uint64_t)0x5206 << 48)    /* parallel-tempering swaps */
#define PML_RBM_STREAM_AIS_H ((uint64_t)0x5207 << 48)   /* AIS transitions, hidden half */
#define PML_RBM_STREAM_AIS_V ((uint64_t)0x5208 << 48)   /* AIS transitions, visible half */
#define PML_RBM_STREAM_OCCLUDE ((uint64_t)0x5209 << 48) /* random occlusion masks */
#define PML_RBM_CHAIN_MASK (((uint64_t)1 << 48) - 1)

/* Draws a row of n units takes per step: n rounded up to a multiple of 4. */
PML_HOSTDEV uint64_t pml_rbm_row_draws(int64_t n) { return ((uint64_t)n + 3u) & ~(uint64_t)3u; }

/* The Bernoulli rule, shared by both backends: a unit with probability p is on when its
 * 32-bit draw u satisfies u < q, q = floor(p * 2^32) (p = 1 gives q = 2^32: always on; p = 0
 * or NaN never). Two backends that agree on p (as floats) draw identical states.
 * pml_rbm_threshold is q; pml_rbm_bernoulli decides without it, in double arithmetic that
 * vectorises: p 2^32 is exact in double (a float times a power of two), and for an integer u,
 * u < floor(x) exactly when u + 1 <= x. */
PML_RBM_INLINE uint64_t pml_rbm_threshold(float p)
{
    const double q = (double)p * 4294967296.0;
    return !(q > 0.0) ? 0u : q >= 4294967296.0 ? (uint64_t)1 << 32 : (uint64_t)q;
}

PML_RBM_INLINE int pml_rbm_bernoulli(uint32_t u, float p)
{
    return (double)u + 1.0 <= (double)p * 4294967296.0;
}

/* Each operation of the shared logistic rounded on its own: ISO C does not contract a * b + c
 * into a fused multiply-add (the CPU build is -std=c11), nvcc does unless told, and once
 * inlined `p * 2^n` followed by `1 + e` would be one. */
#if defined(__CUDA_ARCH__)
#define PML_RBM_FADD(a, b) __fadd_rn(a, b)
#define PML_RBM_FSUB(a, b) __fsub_rn(a, b)
#define PML_RBM_FMUL(a, b) __fmul_rn(a, b)
#define PML_RBM_FDIV(a, b) __fdiv_rn(a, b)
#else
#define PML_RBM_FADD(a, b) ((a) + (b))
#define PML_RBM_FSUB(a, b) ((a) - (b))
#define PML_RBM_FMUL(a, b) ((a) * (b))
#define PML_RBM_FDIV(a, b) ((a) / (b))
#endif

/* e^z for z <= 0 in float, the same bits on every backend and instruction set: n = round(z /
 * ln 2) by the 1.5 * 2^23 shift, r = z - n ln 2 in two parts (Cody and Waite's), a degree-7
 * Taylor polynomial of e^r (|r| <= ln 2 / 2, truncation below 10^-8 relative) by Horner's rule
 * in explicit fmaf, and 2^n put into the exponent bits; 0 below -87 (where 2^n would leave the
 * normal floats). Within 1 ulp of e^z over [-87, 0] (0.93 seen, tests/rbm_test.c); written out
 * rather than libm's expf so that the CPU's vectorised loop (16 lanes), its scalar reference
 * and CUDA compute identical probabilities. */
PML_RBM_INLINE float pml_rbm_expf_neg(float z)
{
    const float zc = z < -87.0f ? -87.0f : z; /* NaN passes through */
    const float shift = 12582912.0f;          /* 1.5 * 2^23 */
    const float t = fmaf(zc, 1.44269504f, shift);
    const float n = PML_RBM_FSUB(t, shift);
    float r = fmaf(-n, 0.693359375f, zc); /* ln 2, high part (exact times n) */
    r = fmaf(-n, -2.12194440e-4f, r);     /* ln 2, low part */
    float p = 1.98412698e-4f;             /* 1/7! */
    p = fmaf(p, r, 1.38888889e-3f);
    p = fmaf(p, r, 8.33333333e-3f);
    p = fmaf(p, r, 4.16666667e-2f);
    p = fmaf(p, r, 1.66666667e-1f);
    p = fmaf(p, r, 0.5f);
    p = fmaf(p, r, 1.0f);
    p = fmaf(p, r, 1.0f);
    union {
        float f;
        uint32_t u;
    } tb, sc;
    tb.f = t;
    /* 2^n, n in -126 .. 0, in unsigned arithmetic (a NaN z leaves garbage here, but p is NaN
     * and so is the result) */
    sc.u = (tb.u - 0x4B400000u + 127u) << 23;
    return z < -87.0f ? 0.0f : PML_RBM_FMUL(p, sc.f);
}

/* The logistic of x in float from the shared exp: every backend's kernels use this body, so
 * equal pre-activations give equal probabilities. */
PML_RBM_INLINE float pml_rbm_logistic(float x)
{
    const float e = pml_rbm_expf_neg(x >= 0.0f ? -x : x);
    const float d = PML_RBM_FADD(1.0f, e);
    return x >= 0.0f ? PML_RBM_FDIV(1.0f, d) : PML_RBM_FDIV(e, d);
}

/* The logistic's argument for unit j as the sampling contract below defines it: (float)beta *
 * (x + bias[j]) + (float)(1 - beta) * base[j], each operation rounded on its own (bias NULL:
 * + 0.0f; base NULL: no second term). Both backends' element-by-element paths use this body;
 * the CPU's vectorised loops spell the same operations out. */
PML_RBM_INLINE float pml_rbm_unit_z(float x, const float *bias, const float *base, double beta,
                                    int64_t j)
{
    float z = PML_RBM_FMUL((float)beta, PML_RBM_FADD(x, bias ? bias[j] : 0.0f));
    if (base) z = PML_RBM_FADD(z, PML_RBM_FMUL((float)(1.0 - beta), base[j]));
    return z;
}

/* log(1 + e^x) without overflow or cancellation. */
PML_HOSTDEV double pml_rbm_softplus(double x)
{
    return x > 0.0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

/* ---- sampling one layer ---------------------------------------------------------------- */

/* For r < rows, j < n (element e = r*n + j):
 *   logistic = 1: p = logistic(z), z in float, each operation rounded (no fused multiply-add):
 *                 z = (float)beta * (pre[e] + bias[j]) + (float)(1 - beta) * base[j]
 *                 (bias NULL: + 0.0f; base NULL: no second term); pre holds W v or W^T h
 *                 from a GEMM;
 *   logistic = 0: p = pre[e] clamped to [0, 1] (data given as probabilities: binarising);
 *   prob (may be NULL) [e] = p;
 *   state (may be NULL) [e] = threshold < 0 ? pml_rbm_bernoulli(u, p) : (p > threshold),
 *     u = pml_philox_draw(seed, stream | (chain0 + r), step * pml_rbm_row_draws(n) + j);
 *   keep (may be NULL): where keep[e] != 0 the unit is clamped: state[e] = prob[e] = keep_val[e]
 *     (completion of missing data: the observed units stay as observed).
 * state may alias pre (each element is read before it is written). */
typedef struct pml_rbm_sample_args {
    const float *pre;
    const float *bias, *base;
    double beta;
    int logistic;
    float *prob, *state;
    double threshold;
    const float *keep, *keep_val;
    int64_t rows, n;
    uint64_t seed, stream, chain0, step;
} pml_rbm_sample_args;
typedef pml_status pml_rbm_sample_fn(pml_device *dev, const pml_rbm_sample_args *args);

/* ---- free energies and energies ------------------------------------------------------------ */

/* The log of the unnormalised marginal of x at inverse temperature beta, with the other layer
 * summed out: for r < rows,
 *   f_beta(r) = sum_i (beta lin[i] + (1 - beta) base[i]) x[r, i]
 *               + sum_j softplus(beta (pre[r, j] + bias[j]))          (base NULL: 0)
 * x: rows x nx, pre: rows x ny (W x or W^T x by GEMM), lin: nx, bias: ny.
 * For x = v (lin = a, bias = b, pre = W v) it is -F(v) at beta = 1; for x = h (lin = b,
 * bias = a, pre = W^T h), log sum_v exp(-E(v, h)).
 *   mode 0: out[r] = f_beta(r);
 *   mode 1: out[r] += f_beta(r) - f_beta_prev(r)   (an AIS weight's step). */
typedef struct pml_rbm_free_args {
    const float *x, *pre;
    const float *lin, *bias, *base;
    double beta, beta_prev;
    int mode;
    int64_t rows, nx, ny;
    double *out;
} pml_rbm_free_args;
typedef pml_status pml_rbm_free_fn(pml_device *dev, const pml_rbm_free_args *args);

/* The joint energy at inverse temperature 1, for r < rows:
 *   out[r] = -( sum_i a[i] v[r, i] + sum_j h[r, j] (pre[r, j] + b[j]) ),  pre = W v. */
typedef struct pml_rbm_energy_args {
    const float *v, *h, *pre;
    const float *a, *b;
    int64_t rows, nv, nh;
    double *out;
} pml_rbm_energy_args;
typedef pml_status pml_rbm_energy_fn(pml_device *dev, const pml_rbm_energy_args *args);

/* ---- exact partition functions --------------------------------------------------------------- */

/* out[r, i] = bit i of (first + r), as 0.0f / 1.0f, for r < rows, i < n (n <= 62). */
typedef struct pml_rbm_enumerate_args {
    float *out;
    int64_t rows, n;
    uint64_t first;
} pml_rbm_enumerate_args;
typedef pml_status pml_rbm_enumerate_fn(pml_device *dev, const pml_rbm_enumerate_args *args);

/* A running log-sum-exp in two device doubles, acc = {m, s} with log sum = m + log s:
 * folds x[0..n) in (acc {-inf, 0} to start). Any order of folding gives the same sum up to
 * rounding; the CPU folds in index order. */
typedef struct pml_rbm_lse_args {
    const double *x;
    int64_t n;
    double *acc;
} pml_rbm_lse_args;
typedef pml_status pml_rbm_lse_fn(pml_device *dev, const pml_rbm_lse_args *args);

/* ---- pseudo-likelihood ----------------------------------------------------------------------- */

/* dst = src with one unit of each row flipped (x -> 1 - x): row r's unit
 * j = (u * n) >> 32, u = pml_philox_draw(seed, PML_RBM_STREAM_PLL | (row0 + r), step). */
typedef struct pml_rbm_flip_args {
    const float *src;
    float *dst;
    int64_t rows, n, row0;
    uint64_t seed, step;
} pml_rbm_flip_args;
typedef pml_status pml_rbm_flip_fn(pml_device *dev, const pml_rbm_flip_args *args);

struct pml_rbm_ops {
    pml_rbm_sample_fn *sample;
    pml_rbm_free_fn *free_energy;
    pml_rbm_energy_fn *energy;
    pml_rbm_enumerate_fn *enumerate;
    pml_rbm_lse_fn *lse;
    pml_rbm_flip_fn *flip;
};

#define PML_RBM_OPS(dev, fn, var) PML_FAMILY(dev, rbm, fn, "restricted Boltzmann machine", var)

#ifdef __cplusplus
}
#endif
#endif
