/* RBM kernels, CPU against CUDA: the sampling kernel bit for bit on identical pre-activations
 * (every variant: logistic with bias, tempered with a base rate, clamped units, binarising),
 * the sampler's marginals on the GPU against exact enumeration,
 * the free energies and energies within rounding, enumeration bit for bit, the log-sum-exp
 * within rounding, the pseudo-likelihood flips bit for bit; then whole models: exact log Z,
 * AIS, Gibbs chains and a CD-1 / PCD training of a few hundred steps, whose parameters agree
 * within the training tolerance and whose chains differ in few units (draws that fall within
 * rounding of their probability). The GPU cases skip without a GPU. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "ops/rbm_ops.h"
#include "pml_test.h"
#include "pml_test_rbm.h"
#include "physml/rbm.h"
#include "physml/rng.h"

static void *put(pml_device *d, const void *host, size_t bytes)
{
    void *p = NULL;
    PML_ASSERT_OK(d->ops->alloc(d, bytes, &p));
    if (host) PML_ASSERT_OK(d->ops->upload(d, p, host, bytes));
    return p;
}
static void get(pml_device *d, void *host, const void *p, size_t bytes)
{
    PML_ASSERT_OK(d->ops->download(d, host, p, bytes));
}

/* The sampling kernel on both backends from the same floats: identical probabilities and
 * states in every variant. */
Test(parity_rbm, sample_kernel_bit_identical)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    const int64_t rows = 301, n = 67, e = rows * n;
    float *pre = malloc(4 * (size_t)e), *keep = malloc(4 * (size_t)e), *kv = malloc(4 * (size_t)e);
    float bias[67], base[67];
    for (int64_t i = 0; i < e; ++i) {
        pre[i] = 4.0f * pml_rng_normal(1, 1, (uint64_t)i);
        keep[i] = pml_rng_uniform(1, 2, (uint64_t)i) < 0.3f;
        kv[i] = pml_rng_uniform(1, 3, (uint64_t)i) < 0.5f;
    }
    for (int j = 0; j < n; ++j) bias[j] = pml_rng_normal(1, 4, (uint64_t)j), base[j] = -0.7f;
    pml_device *dv[2] = {cpu, gpu};
    float *out[2][2];
    for (int variant = 0; variant < 5; ++variant) {
        for (int b = 0; b < 2; ++b) {
            pml_device *d = dv[b];
            float *dp = put(d, pre, 4 * (size_t)e), *db = put(d, bias, sizeof bias),
                  *dbase = put(d, base, sizeof base), *dk = put(d, keep, 4 * (size_t)e),
                  *dkv = put(d, kv, 4 * (size_t)e), *prob = put(d, NULL, 4 * (size_t)e),
                  *st = put(d, NULL, 4 * (size_t)e);
            pml_rbm_sample_args a = {.pre = dp, .bias = db, .beta = 1.0, .logistic = 1,
                                     .prob = prob, .state = st, .threshold = -1.0, .rows = rows,
                                     .n = n, .seed = 77, .stream = PML_RBM_STREAM_VISIBLE,
                                     .chain0 = 12, .step = 123456};
            if (variant == 1) a.base = dbase, a.beta = 0.41;
            if (variant == 2) a.keep = dk, a.keep_val = dkv;
            if (variant == 3) a.logistic = 0, a.bias = NULL;
            if (variant == 4) a.logistic = 0, a.bias = NULL, a.threshold = 0.5;
            PML_ASSERT_OK(d->ops->rbm->sample(d, &a));
            out[b][0] = malloc(4 * (size_t)e), out[b][1] = malloc(4 * (size_t)e);
            get(d, out[b][0], prob, 4 * (size_t)e);
            get(d, out[b][1], st, 4 * (size_t)e);
            void *ptrs[] = {dp, db, dbase, dk, dkv, prob, st};
            for (int i = 0; i < 7; ++i) d->ops->release(d, ptrs[i]);
        }
        /* the probabilities: the shared float logistic on both, every operation rounded alike */
        cr_expect(pml_test_close_f32("prob", out[1][0], out[0][0], (size_t)e, PML_TOL_ELEMENTWISE_F32),
                  "variant %d", variant);
        int64_t same_p = 0, diff = 0;
        for (int64_t i = 0; i < e; ++i) {
            if (out[0][0][i] != out[1][0][i]) continue;
            ++same_p;
            diff += out[0][1][i] != out[1][1][i];
        }
        cr_expect_eq(diff, 0, "variant %d: %lld states differ where the probabilities agree",
                     variant, (long long)diff);
        cr_expect(same_p > e * 9 / 10, "variant %d: only %lld of %lld probabilities identical",
                  variant, (long long)same_p, (long long)e);
        for (int b = 0; b < 2; ++b) free(out[b][0]), free(out[b][1]);
    }
    free(pre), free(keep), free(kv);
    pml_device_close(cpu);
    pml_device_close(gpu);
}

/* Whole models on both backends from the same parameters. */
static pml_rbm *twin(pml_device *d, int64_t nv, int64_t nh, int64_t batch, const float *w,
                     const float *a, const float *b)
{
    pml_rbm *r = NULL;
    PML_ASSERT_OK(pml_rbm_create(d, nv, nh, batch, 1, &r));
    PML_ASSERT_OK(pml_tensor_upload(pml_rbm_weight(r), w, 4 * (size_t)(nv * nh)));
    PML_ASSERT_OK(pml_tensor_upload(pml_rbm_visible_bias(r), a, 4 * (size_t)nv));
    PML_ASSERT_OK(pml_tensor_upload(pml_rbm_hidden_bias(r), b, 4 * (size_t)nh));
    return r;
}

Test(parity_rbm, logz_exact_ais_and_free_energy)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    const int64_t nv = 30, nh = 14;
    float w[30 * 14], a[30], b[14];
    for (int i = 0; i < nv * nh; ++i) w[i] = 0.5f * pml_rng_normal(2, 1, (uint64_t)i);
    for (int i = 0; i < nv; ++i) a[i] = pml_rng_normal(2, 2, (uint64_t)i);
    for (int j = 0; j < nh; ++j) b[j] = pml_rng_normal(2, 3, (uint64_t)j);
    pml_rbm *rc = twin(cpu, nv, nh, 64, w, a, b), *rg = twin(gpu, nv, nh, 64, w, a, b);
    double zc, zg;
    PML_ASSERT_OK(pml_rbm_logz_exact(rc, &zc));
    PML_ASSERT_OK(pml_rbm_logz_exact(rg, &zg));
    cr_expect(fabs(zc - zg) < 1e-6 * fabs(zc) + 1e-6, "exact log Z: cpu %.10f gpu %.10f", zc, zg);
    pml_rbm_ais_result ac, ag;
    PML_ASSERT_OK(pml_rbm_logz_ais(rc, 200, 1000, NULL, 3, &ac));
    PML_ASSERT_OK(pml_rbm_logz_ais(rg, 200, 1000, NULL, 3, &ag));
    cr_expect(fabs(ac.logz - ag.logz) < 3 * (ac.logz_err + ag.logz_err) + 1e-3,
              "AIS: cpu %.4f +- %.4f, gpu %.4f +- %.4f", ac.logz, ac.logz_err, ag.logz, ag.logz_err);
    float v[64 * 30];
    for (int i = 0; i < 64 * 30; ++i) v[i] = pml_rng_uniform(2, 4, (uint64_t)i) < 0.5f;
    pml_tensor *vc = pml_test_tensor(cpu, PML_F32, 2, (int64_t[]){64, 30}, v);
    pml_tensor *vg = pml_test_tensor(gpu, PML_F32, 2, (int64_t[]){64, 30}, v);
    double fc[64], fg[64];
    PML_ASSERT_OK(pml_rbm_free_energy(rc, vc, 64, fc));
    PML_ASSERT_OK(pml_rbm_free_energy(rg, vg, 64, fg));
    cr_expect(pml_test_close_f64("F(v)", fg, fc, 64, PML_TOL_GEMM_F32));
    pml_tensor_destroy(vc), pml_tensor_destroy(vg);
    pml_rbm_destroy(rc), pml_rbm_destroy(rg);
    pml_device_close(cpu), pml_device_close(gpu);
}

/* 300 steps of CD-1 and of PCD-2 on both backends: parameters within the training tolerance;
 * then 200 Gibbs steps of 500 chains from the same start: few units differ. */
Test(parity_rbm, training_and_chains_agree)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    const int nv = 36, nh = 16;
    const int64_t N = 3000;
    uint8_t *img = malloc((size_t)(N * nv)), *lab = calloc((size_t)N, 1);
    for (int64_t e = 0; e < N * nv; ++e)
        img[e] = pml_rng_uniform(5, 1, (uint64_t)e) < ((e / nv) % 2 ? 0.8f : 0.2f) ? 255 : 0;
    for (int method = 0; method < 2; ++method) {
        pml_rbm *r[2];
        float *wv[2];
        pml_device *dv[2] = {cpu, gpu};
        for (int k = 0; k < 2; ++k) {
            pml_dataset *ds = NULL;
            PML_ASSERT_OK(pml_dataset_from_host(dv[k], N, 6, 6, img, lab, 1, &ds));
            PML_ASSERT_OK(pml_rbm_create(dv[k], nv, nh, 500, 4, &r[k]));
            pml_rbm_train_config c = pml_rbm_train_defaults();
            c.method = method ? PML_RBM_PCD : PML_RBM_CD;
            c.k = method ? 2 : 1;
            c.batch = 100;
            c.epochs = 10; /* 300 steps */
            c.monitor_rows = 0;
            PML_ASSERT_OK(pml_rbm_train(r[k], ds, NULL, &c, NULL));
            wv[k] = malloc(4 * (size_t)(nv * nh));
            PML_ASSERT_OK(pml_tensor_download(pml_rbm_weight(r[k]), wv[k], 4 * (size_t)(nv * nh)));
            pml_dataset_destroy(ds);
        }
        cr_expect(pml_test_close_f32("weights after training", wv[1], wv[0], (size_t)(nv * nh),
                                     PML_TOL_TRAINING), "method %d", method);
        /* chains: the CPU's weights on both, the same start */
        PML_ASSERT_OK(pml_tensor_upload(pml_rbm_weight(r[1]), wv[0], 4 * (size_t)(nv * nh)));
        float *bb = malloc(4 * (size_t)nv);
        PML_ASSERT_OK(pml_tensor_download(pml_rbm_visible_bias(r[0]), bb, 4 * (size_t)nv));
        PML_ASSERT_OK(pml_tensor_upload(pml_rbm_visible_bias(r[1]), bb, 4 * (size_t)nv));
        PML_ASSERT_OK(pml_tensor_download(pml_rbm_hidden_bias(r[0]), bb, 4 * (size_t)nh));
        PML_ASSERT_OK(pml_tensor_upload(pml_rbm_hidden_bias(r[1]), bb, 4 * (size_t)nh));
        float *vs[2];
        for (int k = 0; k < 2; ++k) {
            pml_tensor *v = NULL;
            PML_ASSERT_OK(pml_tensor_create_2d(dv[k], PML_F32, 500, nv, &v));
            PML_ASSERT_OK(pml_rbm_sample(r[k], v, 500, 200, 9, NULL));
            vs[k] = malloc(4 * 500 * (size_t)nv);
            PML_ASSERT_OK(pml_tensor_download(v, vs[k], 4 * 500 * (size_t)nv));
            pml_tensor_destroy(v);
        }
        /* a chain that differs once goes its own way: bound the chains that differ at all */
        int64_t chains_diff = 0;
        for (int c = 0; c < 500; ++c) chains_diff += memcmp(vs[0] + c * nv, vs[1] + c * nv, 4 * (size_t)nv) != 0;
        cr_log_info("method %d: %lld of 500 chains differ after 200 steps", method, (long long)chains_diff);
        cr_expect(chains_diff <= 50, "method %d: %lld of 500 chains differ", method, (long long)chains_diff);
        for (int k = 0; k < 2; ++k) free(wv[k]), free(vs[k]), pml_rbm_destroy(r[k]);
        free(bb);
    }
    free(img), free(lab);
    pml_device_close(cpu), pml_device_close(gpu);
}

/* The sampler's stationary distribution on the GPU: the 6 x 4 model's marginals and pairs
 * within 4 standard errors of exact enumeration, as tests/rbm_test.c checks them on the CPU. */
Test(parity_rbm, gibbs_marginals_on_the_gpu)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    cr_expect_eq(pml_test_rbm_marginals(gpu, 7), 0);
    pml_device_close(gpu);
}

/* The CPU parts run everywhere: enumeration and log-sum-exp against their definitions, the
 * flips of the pseudo-likelihood against pml_rng. */
Test(parity_rbm, cpu_enumerate_lse_flip)
{
    pml_device *cpu = pml_test_open_cpu();
    float out[16 * 5];
    const pml_rbm_enumerate_args ea = {.out = out, .rows = 16, .n = 5, .first = 16};
    PML_ASSERT_OK(cpu->ops->rbm->enumerate(cpu, &ea));
    for (int r = 0; r < 16; ++r)
        for (int i = 0; i < 5; ++i) cr_expect_eq(out[r * 5 + i], (float)(((16 + r) >> i) & 1));
    double x[1000], acc[2] = {-INFINITY, 0.0}, m = -INFINITY, s = 0;
    for (int i = 0; i < 1000; ++i) x[i] = 50.0 * pml_rng_normal(3, 1, (uint64_t)i), m = fmax(m, x[i]);
    for (int i = 0; i < 1000; ++i) s += exp(x[i] - m);
    const pml_rbm_lse_args la = {.x = x, .n = 600, .acc = acc};
    PML_ASSERT_OK(cpu->ops->rbm->lse(cpu, &la));
    const pml_rbm_lse_args lb = {.x = x + 600, .n = 400, .acc = acc};
    PML_ASSERT_OK(cpu->ops->rbm->lse(cpu, &lb));
    cr_expect(fabs(acc[0] + log(acc[1]) - (m + log(s))) < 1e-12);
    float src[7 * 10], dst[7 * 10];
    for (int i = 0; i < 70; ++i) src[i] = (float)(i % 3 == 0);
    const pml_rbm_flip_args fa = {.src = src, .dst = dst, .rows = 7, .n = 10, .row0 = 3, .seed = 8, .step = 2};
    PML_ASSERT_OK(cpu->ops->rbm->flip(cpu, &fa));
    for (int r = 0; r < 7; ++r) {
        const uint32_t u = pml_rng_u32(8, PML_RBM_STREAM_PLL | (uint64_t)(3 + r), 2);
        const int j = (int)(((uint64_t)u * 10u) >> 32);
        for (int i = 0; i < 10; ++i)
            cr_expect_eq(dst[r * 10 + i], i == j ? 1.0f - src[r * 10 + i] : src[r * 10 + i]);
    }
    pml_device_close(cpu);
}
