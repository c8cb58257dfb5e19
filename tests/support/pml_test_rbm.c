/* RBM test helpers (pml_test_rbm.h). */
#include <math.h>
#include <stdlib.h>

#include "pml_test.h"
#include "pml_test_rbm.h"
#include "physml/rng.h"

/* W ~ N(0, sigma^2), biases N(0, bsig^2), from Philox; uploaded into r. */
void pml_test_rbm_randomize(pml_rbm *r, pml_test_host_rbm *h, double sigma, double bsig, uint64_t seed)
{
    h->nv = (int)pml_rbm_visible(r);
    h->nh = (int)pml_rbm_hidden(r);
    float w[64 * 64], a[64], b[64];
    for (int i = 0; i < h->nh * h->nv; ++i) w[i] = (float)(sigma * pml_rng_normal(seed, 1, (uint64_t)i));
    for (int i = 0; i < h->nv; ++i) a[i] = (float)(bsig * pml_rng_normal(seed, 2, (uint64_t)i));
    for (int j = 0; j < h->nh; ++j) b[j] = (float)(bsig * pml_rng_normal(seed, 3, (uint64_t)j));
    for (int i = 0; i < h->nh * h->nv; ++i) h->w[i] = w[i];
    for (int i = 0; i < h->nv; ++i) h->a[i] = a[i];
    for (int j = 0; j < h->nh; ++j) h->b[j] = b[j];
    PML_ASSERT_OK(pml_tensor_upload(pml_rbm_weight(r), w, sizeof(float) * (size_t)(h->nh * h->nv)));
    PML_ASSERT_OK(pml_tensor_upload(pml_rbm_visible_bias(r), a, sizeof(float) * (size_t)h->nv));
    PML_ASSERT_OK(pml_tensor_upload(pml_rbm_hidden_bias(r), b, sizeof(float) * (size_t)h->nh));
}

void pml_test_rbm_download(pml_rbm *r, pml_test_host_rbm *h)
{
    h->nv = (int)pml_rbm_visible(r);
    h->nh = (int)pml_rbm_hidden(r);
    float w[64 * 64], a[64], b[64];
    PML_ASSERT_OK(pml_tensor_download(pml_rbm_weight(r), w, sizeof(float) * (size_t)(h->nh * h->nv)));
    PML_ASSERT_OK(pml_tensor_download(pml_rbm_visible_bias(r), a, sizeof(float) * (size_t)h->nv));
    PML_ASSERT_OK(pml_tensor_download(pml_rbm_hidden_bias(r), b, sizeof(float) * (size_t)h->nh));
    for (int i = 0; i < h->nh * h->nv; ++i) h->w[i] = w[i];
    for (int i = 0; i < h->nv; ++i) h->a[i] = a[i];
    for (int j = 0; j < h->nh; ++j) h->b[j] = b[j];
}

double pml_test_rbm_energy(const pml_test_host_rbm *h, unsigned v, unsigned hh)
{
    double e = 0;
    for (int i = 0; i < h->nv; ++i) e -= h->a[i] * ((v >> i) & 1);
    for (int j = 0; j < h->nh; ++j) {
        if (!((hh >> j) & 1)) continue;
        double s = h->b[j];
        for (int i = 0; i < h->nv; ++i) s += h->w[j * h->nv + i] * ((v >> i) & 1);
        e -= s;
    }
    return e;
}

/* See pml_test_rbm.h. */
int pml_test_rbm_marginals(pml_device *dev, uint64_t seed)
{
    const int64_t C = 20000, nv = 6, nh = 4;
    pml_rbm *r = NULL;
    PML_ASSERT_OK(pml_rbm_create(dev, nv, nh, C, 1, &r));
    pml_test_host_rbm h;
    pml_test_rbm_randomize(r, &h, 1.2, 0.6, 21);
    /* exact joint p(v, h) */
    double pv[6] = {0}, ph[4] = {0}, pvv[36] = {0}, pvh[24] = {0}, z = 0;
    for (unsigned v = 0; v < 64; ++v)
        for (unsigned hh = 0; hh < 16; ++hh) {
            const double p = exp(-pml_test_rbm_energy(&h, v, hh));
            z += p;
            for (int i = 0; i < 6; ++i) {
                if (!((v >> i) & 1)) continue;
                pv[i] += p;
                for (int k = 0; k < 6; ++k) pvv[i * 6 + k] += ((v >> k) & 1) * p;
                for (int j = 0; j < 4; ++j) pvh[i * 4 + j] += ((hh >> j) & 1) * p;
            }
            for (int j = 0; j < 4; ++j) ph[j] += ((hh >> j) & 1) * p;
        }
    pml_tensor *v = NULL, *ht = NULL;
    PML_ASSERT_OK(pml_tensor_create_2d(dev, PML_F32, C, nv, &v));
    PML_ASSERT_OK(pml_tensor_create_2d(dev, PML_F32, C, nh, &ht));
    PML_ASSERT_OK(pml_rbm_sample(r, v, C, 60, seed, NULL));
    const pml_rbm_gibbs_opts o = {.seed = seed, .step0 = 60, .h = ht};
    PML_ASSERT_OK(pml_rbm_gibbs(r, v, C, 1, &o)); /* h of the last step, v drawn from it */
    float *vs = malloc(sizeof(float) * C * nv), *hs = malloc(sizeof(float) * C * nh);
    PML_ASSERT_OK(pml_tensor_download(v, vs, sizeof(float) * C * nv));
    PML_ASSERT_OK(pml_tensor_download(ht, hs, sizeof(float) * C * nh));
    int bad = 0;
#define CHECK_P(name, count, exact)                                                          \
    do {                                                                                     \
        const double q = (exact) / z, got = (double)(count) / (double)C;                     \
        const double se = sqrt(q * (1 - q) / (double)C);                                     \
        if (fabs(got - q) > 4 * se + 1e-12) {                                                \
            ++bad;                                                                           \
            cr_log_error("%s: sampled %.4f exact %.4f (se %.4f)", name, got, q, se);          \
        }                                                                                    \
    } while (0)
    for (int i = 0; i < 6; ++i) {
        int64_t c = 0;
        for (int64_t s = 0; s < C; ++s) c += vs[s * nv + i] > 0.5f;
        CHECK_P("v_i", c, pv[i]);
        for (int k = i + 1; k < 6; ++k) {
            int64_t cc = 0;
            for (int64_t s = 0; s < C; ++s) cc += vs[s * nv + i] > 0.5f && vs[s * nv + k] > 0.5f;
            CHECK_P("v_i v_k", cc, pvv[i * 6 + k]);
        }
        for (int j = 0; j < 4; ++j) {
            int64_t cc = 0;
            for (int64_t s = 0; s < C; ++s) cc += vs[s * nv + i] > 0.5f && hs[s * nh + j] > 0.5f;
            CHECK_P("v_i h_j", cc, pvh[i * 4 + j]);
        }
    }
    for (int j = 0; j < 4; ++j) {
        int64_t c = 0;
        for (int64_t s = 0; s < C; ++s) c += hs[s * nh + j] > 0.5f;
        CHECK_P("h_j", c, ph[j]);
    }
#undef CHECK_P
    /* 6 + 15 + 24 + 4 = 49 checks at 4 sigma: none should fail */
    free(vs), free(hs);
    pml_tensor_destroy(v);
    pml_tensor_destroy(ht);
    pml_rbm_destroy(r);
    return bad;
}
