/* One layer of block Gibbs sampling on the CPU: probabilities from GEMM pre-activations and
 * Bernoulli draws from the shared Philox stream (contract: src/ops/rbm_ops.h,
 * pml_rbm_sample_args; CUDA twin: src/cuda/rbm_gibbs.cu), and the pseudo-likelihood flips.
 *
 * pml_cpu_rbm_sample_ref is the specification: element by element, every draw its own
 * pml_philox_draw. The fast path draws 16 Philox blocks (64 units) at once, vectorises the
 * logistic, and spreads rows of large batches over OpenMP threads; the tests hold it to the
 * reference bit for bit. */
#include "cpu/cpu.h"
#include "cpu/philox16.h"
#include "cpu/simd.h"
#include "ops/rbm_ops.h"

/* p of element (r, j) as the contract says. */
static inline float unit_prob(const pml_rbm_sample_args *a, int64_t r, int64_t j)
{
    const float x = a->pre[r * a->n + j];
    if (!a->logistic) return x < 0.0f ? 0.0f : x > 1.0f ? 1.0f : x;
    return pml_rbm_logistic(pml_rbm_unit_z(x, a->bias, a->base, a->beta, j));
}

static inline void unit_store(const pml_rbm_sample_args *a, int64_t e, float p, uint32_t u)
{
    if (a->keep && a->keep[e] != 0.0f) {
        const float v = a->keep_val[e];
        if (a->prob) a->prob[e] = v;
        if (a->state) a->state[e] = v;
        return;
    }
    if (a->prob) a->prob[e] = p;
    if (a->state)
        a->state[e] = a->threshold >= 0.0 ? (p > a->threshold ? 1.0f : 0.0f)
                                          : (pml_rbm_bernoulli(u, p) ? 1.0f : 0.0f);
}

pml_status pml_cpu_rbm_sample_ref(pml_device *dev, const pml_rbm_sample_args *a)
{
    (void)dev;
    const uint64_t stride = pml_rbm_row_draws(a->n);
    for (int64_t r = 0; r < a->rows; ++r) {
        const uint64_t stream = a->stream | ((a->chain0 + (uint64_t)r) & PML_RBM_CHAIN_MASK);
        for (int64_t j = 0; j < a->n; ++j) {
            const float p = unit_prob(a, r, j);
            const uint32_t u = pml_philox_draw(a->seed, stream, a->step * stride + (uint64_t)j);
            unit_store(a, r * a->n + j, p, u);
        }
    }
    return PML_OK;
}

/* The fast path, 64 units of a row at a time: their 16 Philox blocks in one vectorised call,
 * the 64 probabilities in a loop the compiler vectorises (pml_rbm_logistic is straight-line
 * float arithmetic), then the stores. Clones for AVX-512, AVX2 and the baseline. */
#define CHUNK (4 * PML_PHILOX16_LANES)

PML_SIMD_CLONES
static void probs64(const float *restrict pre, const float *restrict bias,
                    const float *restrict base, double beta, int logistic, int64_t len,
                    float *restrict p)
{
    if (!logistic) {
        for (int64_t j = 0; j < len; ++j) p[j] = pre[j] < 0.0f ? 0.0f : pre[j] > 1.0f ? 1.0f : pre[j];
        return;
    }
    /* z as unit_prob computes it (x + 0.0f for a missing bias), without branches in the loop
     * that the compiler vectorises */
    const float b = (float)beta, c = (float)(1.0 - beta);
    float z[CHUNK];
    if (bias && base) {
        for (int64_t j = 0; j < len; ++j) z[j] = b * (pre[j] + bias[j]) + c * base[j];
    } else if (bias) {
        for (int64_t j = 0; j < len; ++j) z[j] = b * (pre[j] + bias[j]);
    } else if (base) {
        for (int64_t j = 0; j < len; ++j) z[j] = b * (pre[j] + 0.0f) + c * base[j];
    } else {
        for (int64_t j = 0; j < len; ++j) z[j] = b * (pre[j] + 0.0f);
    }
#pragma omp simd
    for (int64_t j = 0; j < len; ++j) p[j] = pml_rbm_logistic(z[j]);
}

/* The common case's stores (no clamped units, Bernoulli draws): unit l's draw is word l % 4
 * of block l / 4. */
PML_SIMD_CLONES
static void store64(const float *restrict p, const uint32_t *restrict X,
                    const uint32_t *restrict Y, const uint32_t *restrict Z,
                    const uint32_t *restrict W, int64_t len, float *restrict prob,
                    float *restrict state)
{
    uint32_t u[CHUNK];
    for (int q = 0; q < PML_PHILOX16_LANES; ++q)
        u[4 * q] = X[q], u[4 * q + 1] = Y[q], u[4 * q + 2] = Z[q], u[4 * q + 3] = W[q];
    if (prob)
        for (int64_t l = 0; l < len; ++l) prob[l] = p[l];
    if (state) {
#pragma omp simd
        for (int64_t l = 0; l < len; ++l)
            state[l] = pml_rbm_bernoulli(u[l], p[l]) ? 1.0f : 0.0f;
    }
}

/* The threshold's stores (no clamped units): binarising data, p > threshold as unit_store */
PML_SIMD_CLONES
static void store_threshold64(const float *restrict p, double threshold, int64_t len,
                              float *restrict prob, float *restrict state)
{
    if (prob)
        for (int64_t l = 0; l < len; ++l) prob[l] = p[l];
    if (state)
        for (int64_t l = 0; l < len; ++l) state[l] = (double)p[l] > threshold ? 1.0f : 0.0f;
}

static void sample_row(const pml_rbm_sample_args *a, int64_t r, int draws)
{
    const int64_t n = a->n;
    const uint64_t stream = a->stream | ((a->chain0 + (uint64_t)r) & PML_RBM_CHAIN_MASK);
    const uint64_t block0 = a->step * (pml_rbm_row_draws(n) / 4);
    float p[CHUNK];
    uint32_t X[PML_PHILOX16_LANES], Y[PML_PHILOX16_LANES], Z[PML_PHILOX16_LANES],
        W[PML_PHILOX16_LANES];
    for (int64_t j0 = 0; j0 < n; j0 += CHUNK) {
        const int64_t len = n - j0 < CHUNK ? n - j0 : CHUNK;
        probs64(a->pre + r * n + j0, a->bias ? a->bias + j0 : NULL, a->base ? a->base + j0 : NULL,
                a->beta, a->logistic, len, p);
        if (draws) {
            uint64_t ctr[PML_PHILOX16_LANES];
            for (int i = 0; i < PML_PHILOX16_LANES; ++i) ctr[i] = block0 + (uint64_t)(j0 / 4 + i);
            pml_cpu_philox16(a->seed, stream, ctr, X, Y, Z, W);
        }
        if (a->keep == NULL) {
            float *prob = a->prob ? a->prob + r * n + j0 : NULL;
            float *state = a->state ? a->state + r * n + j0 : NULL;
            if (a->threshold < 0.0) store64(p, X, Y, Z, W, len, prob, state);
            else store_threshold64(p, a->threshold, len, prob, state);
            continue;
        }
        for (int64_t l = 0; l < len; ++l) {
            const int q = (int)(l >> 2);
            const uint32_t u = !draws ? 0u
                               : (l & 3) == 0 ? X[q] : (l & 3) == 1 ? Y[q] : (l & 3) == 2 ? Z[q] : W[q];
            unit_store(a, r * n + j0 + l, p[l], u);
        }
    }
}

pml_status pml_cpu_rbm_sample(pml_device *dev, const pml_rbm_sample_args *a)
{
    (void)dev;
    const int draws = a->state != NULL && a->threshold < 0.0;
    /* threads only for large batches: below, the GEMMs around this kernel own the cores (an
     * OpenMP team spinning between calls slows OpenBLAS's threads down) */
#pragma omp parallel for schedule(static) if (a->rows * a->n > (1 << 13))
    for (int64_t r = 0; r < a->rows; ++r) sample_row(a, r, draws);
    return PML_OK;
}

pml_status pml_cpu_rbm_flip(pml_device *dev, const pml_rbm_flip_args *a)
{
    (void)dev;
    for (int64_t r = 0; r < a->rows; ++r) {
        const float *src = a->src + r * a->n;
        float *dst = a->dst + r * a->n;
        for (int64_t i = 0; i < a->n; ++i) dst[i] = src[i];
        const uint32_t u = pml_philox_draw(
            a->seed, PML_RBM_STREAM_PLL | ((uint64_t)(a->row0 + r) & PML_RBM_CHAIN_MASK), a->step);
        const int64_t j = (int64_t)(((uint64_t)u * (uint64_t)a->n) >> 32);
        dst[j] = 1.0f - src[j];
    }
    return PML_OK;
}
