/* One layer of block Gibbs sampling on the CPU: probabilities from GEMM pre-activations and
 * Bernoulli draws from the shared Philox stream (contract: src/ops/rbm_ops.h,
 * pml_rbm_sample_args; CUDA twin: src/cuda/rbm_gibbs.cu), and the pseudo-likelihood flips.
 *
 * pml_cpu_rbm_sample_ref is the specification: element by element, every draw its own
 * pml_philox_draw. The fast path computes each Philox block once for its four units and
 * spreads rows over OpenMP threads; the tests hold it to the reference bit for bit. */
#include "cpu/cpu.h"
#include "ops/rbm_ops.h"

/* p of element (r, j) as the contract says. */
static inline float unit_prob(const pml_rbm_sample_args *a, int64_t r, int64_t j)
{
    const float x = a->pre[r * a->n + j];
    if (!a->logistic) return x < 0.0f ? 0.0f : x > 1.0f ? 1.0f : x;
    double z = a->beta * ((double)x + (a->bias ? (double)a->bias[j] : 0.0));
    if (a->base) z += (1.0 - a->beta) * (double)a->base[j];
    return pml_rbm_logistic(z);
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
                                          : ((uint64_t)u < pml_rbm_threshold(p) ? 1.0f : 0.0f);
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

pml_status pml_cpu_rbm_sample(pml_device *dev, const pml_rbm_sample_args *a)
{
    (void)dev;
    const int64_t n = a->n, quads = (n + 3) / 4;
    const int draws = a->state != NULL && a->threshold < 0.0;
    const uint64_t block0 = a->step * (pml_rbm_row_draws(n) / 4);
#pragma omp parallel for schedule(static) if (a->rows * n > (1 << 15))
    for (int64_t r = 0; r < a->rows; ++r) {
        const uint64_t stream = a->stream | ((a->chain0 + (uint64_t)r) & PML_RBM_CHAIN_MASK);
        for (int64_t q = 0; q < quads; ++q) {
            pml_u32x4 x = {0, 0, 0, 0};
            if (draws) x = pml_philox_draw4(a->seed, stream, block0 + (uint64_t)q);
            const int64_t lanes = n - 4 * q < 4 ? n - 4 * q : 4;
            for (int64_t l = 0; l < lanes; ++l) {
                const int64_t j = 4 * q + l;
                unit_store(a, r * n + j, unit_prob(a, r, j), pml_u32x4_get(x, (unsigned)l));
            }
        }
    }
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
