/* Restricted Boltzmann machines on the CPU: the sampling kernel's fast path against its
 * element-by-element reference; a tiny RBM enumerated exactly (free energy, log Z, the Gibbs
 * sampler's marginals of v, h and pairs within 4 standard errors); AIS against exact log Z;
 * CD-k's update against the exact log-likelihood gradient as k grows; training that raises
 * the exact likelihood (CD, PCD, tempering); the primer's movie-ratings completion; files and
 * checkpoints. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "cpu/cpu.h"
#include "pml_test.h"
#include "pml_test_rbm.h"
#include "physml/rbm.h"
#include "physml/rng.h"

static pml_device *dev;
static void setup(void)
{
    dev = pml_test_open_cpu();
    pml_test_tmpdir_create();
}
static void teardown(void)
{
    pml_device_close(dev);
    pml_test_tmpdir_remove();
}
TestSuite(rbm, .init = setup, .fini = teardown);

/* ---- host references ----------------------------------------------------------------------- */

static double sp(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }

/* F(v) by its definition: -log sum_h exp(-E(v, h)). */
static double free_enum(const pml_test_host_rbm *h, unsigned v)
{
    double m = -INFINITY, s = 0;
    for (unsigned hh = 0; hh < (1u << h->nh); ++hh) {
        const double x = -pml_test_rbm_energy(h, v, hh);
        if (x > m) s = s * exp(m - x) + 1, m = x;
        else s += exp(x - m);
    }
    return -(m + log(s));
}

static double logz_brute(const pml_test_host_rbm *h)
{
    double m = -INFINITY, s = 0;
    for (unsigned v = 0; v < (1u << h->nv); ++v) {
        const double x = -free_enum(h, v);
        if (x > m) s = s * exp(m - x) + 1, m = x;
        else s += exp(x - m);
    }
    return m + log(s);
}

/* F(v) in closed form (the header's formula). */
static double free_closed(const pml_test_host_rbm *h, unsigned v)
{
    double f = 0;
    for (int i = 0; i < h->nv; ++i) f -= h->a[i] * ((v >> i) & 1);
    for (int j = 0; j < h->nh; ++j) {
        double s = h->b[j];
        for (int i = 0; i < h->nv; ++i) s += h->w[j * h->nv + i] * ((v >> i) & 1);
        f -= sp(s);
    }
    return f;
}

static pml_rbm *make(int64_t nv, int64_t nh, int64_t batch, uint64_t seed)
{
    pml_rbm *r = NULL;
    PML_ASSERT_OK(pml_rbm_create(dev, nv, nh, batch, seed, &r));
    return r;
}

static pml_tensor *states(int64_t rows, int64_t n, const float *host)
{
    const int64_t shape[2] = {rows, n};
    pml_tensor *t = NULL;
    PML_ASSERT_OK(pml_tensor_create(dev, PML_F32, 2, shape, &t));
    if (host) PML_ASSERT_OK(pml_tensor_upload(t, host, sizeof(float) * (size_t)(rows * n)));
    return t;
}

/* ---- the kernel ------------------------------------------------------------------------------- */

Test(rbm, sample_fast_matches_reference)
{
    const int64_t rows = 37, n = 29;
    float *pre = malloc(sizeof(float) * rows * n), *bias = malloc(sizeof(float) * n),
          *base = malloc(sizeof(float) * n), *keep = malloc(sizeof(float) * rows * n),
          *kv = malloc(sizeof(float) * rows * n);
    for (int64_t e = 0; e < rows * n; ++e) {
        pre[e] = 3.0f * pml_rng_normal(5, 1, (uint64_t)e);
        keep[e] = pml_rng_uniform(5, 2, (uint64_t)e) < 0.2f ? 1.0f : 0.0f;
        kv[e] = pml_rng_uniform(5, 3, (uint64_t)e) < 0.5f ? 1.0f : 0.0f;
    }
    for (int64_t j = 0; j < n; ++j) bias[j] = pml_rng_normal(5, 4, (uint64_t)j), base[j] = -1.0f;
    for (int variant = 0; variant < 4; ++variant) {
        float *p1 = calloc((size_t)(rows * n), 4), *p2 = calloc((size_t)(rows * n), 4),
              *s1 = calloc((size_t)(rows * n), 4), *s2 = calloc((size_t)(rows * n), 4);
        pml_rbm_sample_args a = {.pre = pre, .bias = bias, .beta = 1.0, .logistic = 1,
                                 .prob = p1, .state = s1, .threshold = -1.0, .rows = rows,
                                 .n = n, .seed = 99, .stream = PML_RBM_STREAM_HIDDEN,
                                 .chain0 = 1000, .step = 17};
        if (variant == 1) a.base = base, a.beta = 0.37;
        if (variant == 2) a.keep = keep, a.keep_val = kv;
        if (variant == 3) a.logistic = 0, a.bias = NULL;
        PML_ASSERT_OK(pml_cpu_rbm_sample_ref(dev, &a));
        a.prob = p2, a.state = s2;
        PML_ASSERT_OK(pml_cpu_rbm_sample(dev, &a));
        cr_expect(pml_test_equal_bytes("prob", p2, p1, (size_t)(rows * n), 4), "variant %d", variant);
        cr_expect(pml_test_equal_bytes("state", s2, s1, (size_t)(rows * n), 4), "variant %d", variant);
        /* chain c's draws do not depend on the batch it runs in: rows 5.. alone */
        a.pre = pre + 5 * n, a.rows = rows - 5, a.chain0 = 1005, a.state = s2, a.prob = p2;
        if (a.keep) a.keep = keep + 5 * n, a.keep_val = kv + 5 * n;
        PML_ASSERT_OK(pml_cpu_rbm_sample(dev, &a));
        cr_expect(pml_test_equal_bytes("state of a sub-batch", s2, s1 + 5 * n,
                                       (size_t)((rows - 5) * n), 4), "variant %d", variant);
        free(p1), free(p2), free(s1), free(s2);
    }
    free(pre), free(bias), free(base), free(keep), free(kv);
}

Test(rbm, bernoulli_rule_edges)
{
    cr_expect_eq(pml_rbm_threshold(0.0f), 0u);
    cr_expect_eq(pml_rbm_threshold(1.0f), (uint64_t)1 << 32);
    cr_expect_eq(pml_rbm_threshold(0.5f), (uint64_t)1 << 31);
    cr_expect(pml_rbm_logistic(-800.0f) == 0.0f && pml_rbm_logistic(800.0f) == 1.0f);
    cr_expect(fabs(pml_rbm_softplus(-800.0)) < 1e-300 && pml_rbm_softplus(800.0) == 800.0);
}

/* ---- exact results on a tiny model ------------------------------------------------------------- */

Test(rbm, free_energy_and_logz_exact)
{
    pml_rbm *r = make(6, 4, 64, 1);
    pml_test_host_rbm h;
    pml_test_rbm_randomize(r, &h, 1.0, 0.5, 11);
    float v[64 * 6];
    for (unsigned s = 0; s < 64; ++s)
        for (int i = 0; i < 6; ++i) v[s * 6 + i] = (float)((s >> i) & 1);
    pml_tensor *vt = states(64, 6, v);
    double f[64];
    PML_ASSERT_OK(pml_rbm_free_energy(r, vt, 64, f));
    for (unsigned s = 0; s < 64; ++s) {
        /* the pre-activations W v come from a float GEMM: agreement to float rounding */
        cr_expect(fabs(f[s] - free_enum(&h, s)) < 2e-6, "F(%u) %.12f vs %.12f", s, f[s], free_enum(&h, s));
        cr_expect(fabs(free_enum(&h, s) - free_closed(&h, s)) < 1e-12);
    }
    double lz = 0;
    PML_ASSERT_OK(pml_rbm_logz_exact(r, &lz));
    cr_expect(fabs(lz - logz_brute(&h)) < 1e-5, "log Z %.12f vs %.12f", lz, logz_brute(&h));
    pml_tensor_destroy(vt);
    pml_rbm_destroy(r);
    /* enumerating the visible layer when it is the smaller one */
    r = make(4, 6, 64, 1);
    pml_test_rbm_randomize(r, &h, 1.0, 0.5, 12);
    PML_ASSERT_OK(pml_rbm_logz_exact(r, &lz));
    cr_expect(fabs(lz - logz_brute(&h)) < 1e-5, "log Z %.12f vs %.12f", lz, logz_brute(&h));
    pml_rbm_destroy(r);
}

/* The Gibbs sampler's stationary distribution: the marginals of every v_i, h_j and pair
 * (v_i, v_k), (v_i, h_j) of a 6 x 4 RBM within 4 standard errors of the exact ones
 * (pml_test_rbm_marginals, shared with the CPU-vs-GPU suite, which runs it on a GPU). */
Test(rbm, gibbs_marginals_match_enumeration)
{
    cr_expect_eq(pml_test_rbm_marginals(dev, 7), 0);
}

Test(rbm, ais_matches_exact_logz)
{
    const int64_t shapes[3][2] = {{12, 8}, {20, 10}, {16, 16}};
    for (int c = 0; c < 3; ++c) {
        pml_rbm *r = make(shapes[c][0], shapes[c][1], 16, 1);
        pml_test_host_rbm h;
        pml_test_rbm_randomize(r, &h, 0.7, 0.5, 31 + (uint64_t)c);
        double exact = 0;
        PML_ASSERT_OK(pml_rbm_logz_exact(r, &exact));
        pml_rbm_ais_result a;
        PML_ASSERT_OK(pml_rbm_logz_ais(r, 500, 2000, NULL, 5, &a));
        cr_expect(fabs(a.logz - exact) < 4 * a.logz_err + 0.01,
                  "%lld x %lld: AIS %.4f +- %.4f, exact %.4f (ess %.0f)",
                  (long long)shapes[c][0], (long long)shapes[c][1], a.logz, a.logz_err, exact,
                  a.ess);
        cr_expect(a.logz_err > 0 && a.logz_err < 0.1 && a.ess > 10, "err %g ess %g", a.logz_err, a.ess);
        pml_rbm_destroy(r);
    }
}

/* ---- training ---------------------------------------------------------------------------------- */

/* A dataset of n examples of nv binary units (rows 1 x nv images of 0/255). */
static pml_dataset *binary_data(const unsigned char *bits, int64_t n, int nv)
{
    uint8_t *img = malloc((size_t)(n * nv)), *lab = calloc((size_t)n, 1);
    for (int64_t e = 0; e < n * nv; ++e) img[e] = bits[e] ? 255 : 0;
    pml_dataset *ds = NULL;
    PML_ASSERT_OK(pml_dataset_from_host(dev, n, 1, nv, img, lab, 1, &ds));
    free(img), free(lab);
    return ds;
}

/* exact mean log-likelihood of the rows of bits under h */
static double mean_ll(const pml_test_host_rbm *h, const unsigned char *bits, int64_t n)
{
    const double lz = logz_brute(h);
    double s = 0;
    for (int64_t e = 0; e < n; ++e) {
        unsigned v = 0;
        for (int i = 0; i < h->nv; ++i) v |= (unsigned)bits[e * h->nv + i] << i;
        s += -free_closed(h, v) - lz;
    }
    return s / (double)n;
}

/* CD-k's update against the exact gradient: one SGD step (lr 1) on a batch of 4000 copies of
 * four patterns moves W by the CD-k estimate of <v h>_data - <v h>_model. With k = 100 the
 * chains have mixed and the step is the exact gradient within sampling error; with k = 1 it
 * is biased, and further from it. */
Test(rbm, cd_k_approaches_exact_gradient)
{
    const int nv = 6, nh = 3, P = 4;
    const int64_t N = 4000;
    const unsigned char pat[4][6] = {{1, 1, 1, 0, 0, 0}, {0, 0, 0, 1, 1, 1}, {1, 0, 1, 0, 1, 0}, {1, 1, 0, 0, 1, 1}};
    unsigned char *bits = malloc((size_t)(N * nv));
    for (int64_t e = 0; e < N; ++e) memcpy(bits + e * nv, pat[e % P], (size_t)nv);
    pml_dataset *ds = binary_data(bits, N, nv);
    double err[2];
    const int ks[2] = {1, 100};
    for (int t = 0; t < 2; ++t) {
        pml_rbm *r = make(nv, nh, N, 1);
        pml_test_host_rbm h;
        pml_test_rbm_randomize(r, &h, 1.5, 0.5, 41);
        /* exact gradient of the mean log-likelihood with respect to W */
        double g[18] = {0}, z = 0, model[18] = {0};
        for (unsigned v = 0; v < 64; ++v) {
            const double pvv = exp(-free_closed(&h, v));
            z += pvv;
            for (int j = 0; j < nh; ++j) {
                double s = h.b[j];
                for (int i = 0; i < nv; ++i) s += h.w[j * nv + i] * ((v >> i) & 1);
                const double phj = 1 / (1 + exp(-s));
                for (int i = 0; i < nv; ++i) model[j * nv + i] += pvv * phj * ((v >> i) & 1);
            }
        }
        for (int p = 0; p < P; ++p)
            for (int j = 0; j < nh; ++j) {
                double s = h.b[j];
                for (int i = 0; i < nv; ++i) s += h.w[j * nv + i] * pat[p][i];
                const double phj = 1 / (1 + exp(-s));
                for (int i = 0; i < nv; ++i) g[j * nv + i] += phj * pat[p][i] / P;
            }
        for (int q = 0; q < 18; ++q) g[q] -= model[q] / z;
        pml_rbm_train_config c = pml_rbm_train_defaults();
        c.k = ks[t];
        c.epochs = 1;
        c.batch = N;
        c.lr = 1.0;
        c.momentum = 0.0;
        c.init_visible_bias = 0;
        c.monitor_rows = 0;
        c.seed = 3;
        PML_ASSERT_OK(pml_rbm_train(r, ds, NULL, &c, NULL));
        pml_test_host_rbm after;
        pml_test_rbm_download(r, &after);
        double e2 = 0;
        for (int q = 0; q < 18; ++q) {
            const double d = (after.w[q] - h.w[q]) - g[q];
            e2 += d * d;
        }
        err[t] = sqrt(e2 / 18);
        pml_rbm_destroy(r);
    }
    /* sampling error of a mean of 4000 products of probabilities: about 0.5/sqrt(4000) */
    cr_expect(err[1] < 0.025, "CD-100 rms deviation from the exact gradient %.4f", err[1]);
    cr_expect(err[0] > err[1], "CD-1 %.4f should be further than CD-100 %.4f", err[0], err[1]);
    cr_log_info("rms |CD-k - exact gradient|: k=1 %.4f, k=100 %.4f", err[0], err[1]);
    pml_dataset_destroy(ds);
    free(bits);
}

/* Training raises the exact log-likelihood of a small dataset: CD-1, PCD-1 and PCD with four
 * temperatures, 10 x 8 units, 400 examples from two noisy prototypes. */
Test(rbm, training_raises_exact_likelihood)
{
    const int nv = 10, nh = 8;
    const int64_t N = 400;
    unsigned char *bits = malloc((size_t)(N * nv));
    for (int64_t e = 0; e < N; ++e)
        for (int i = 0; i < nv; ++i) {
            const int proto = (e % 2) ? (i < 5) : (i % 2);
            const int flip = pml_rng_uniform(9, 1, (uint64_t)(e * nv + i)) < 0.1f;
            bits[e * nv + i] = (unsigned char)(proto ^ flip);
        }
    pml_dataset *ds = binary_data(bits, N, nv);
    for (int variant = 0; variant < 3; ++variant) {
        pml_rbm *r = make(nv, nh, 50, 2);
        pml_test_host_rbm h0, h1;
        pml_test_rbm_download(r, &h0);
        pml_rbm_train_config c = pml_rbm_train_defaults();
        c.method = variant == 0 ? PML_RBM_CD : PML_RBM_PCD;
        c.pt = variant == 2 ? 4 : 0;
        c.epochs = 30;
        c.batch = 20;
        c.lr = 0.1;
        c.monitor_rows = 100;
        pml_rbm_train_result res;
        PML_ASSERT_OK(pml_rbm_train(r, ds, ds, &c, &res));
        pml_test_rbm_download(r, &h1);
        const double before = mean_ll(&h0, bits, N), after = mean_ll(&h1, bits, N);
        /* two prototypes with 10% noise: the entropy is 1 + 10 H(0.1) = 4.25 nats */
        cr_expect(after > -5.0 && after > before + 1.0, "variant %d: log-lik %.3f -> %.3f", variant, before, after);
        cr_expect_eq(res.epochs_run, 30);
        cr_expect(isfinite(res.history[29].pseudo_loglik) && isfinite(res.history[29].free_energy_val));
        cr_expect(res.history[29].recon_error < res.history[0].recon_error);
        if (variant == 2) {
            cr_expect_eq(res.pt, 4);
            cr_expect(res.betas[0] == 1.0 && fabs(res.betas[3] - 0.5) < 1e-12);
            for (int l = 0; l < 3; ++l)
                cr_expect(res.pt_accept[l] > 0.05 && res.pt_accept[l] <= 1.0, "pair %d: %g", l, res.pt_accept[l]);
            cr_expect(isfinite(res.history[29].pt_accept));
        } else {
            cr_expect(isnan(res.history[29].pt_accept));
        }
        /* the library's own exact log-probability agrees with the host's */
        double lz = 0, mean = 0, sem = 0;
        PML_ASSERT_OK(pml_rbm_logz_exact(r, &lz));
        PML_ASSERT_OK(pml_rbm_mean_logprob(r, ds, PML_RBM_THRESHOLD, 0.5, 0, lz, &mean, &sem));
        cr_expect(fabs(mean - after) < 1e-5, "%.9f vs %.9f", mean, after);
        pml_rbm_train_result_free(&res);
        pml_rbm_destroy(r);
    }
    pml_dataset_destroy(ds);
    free(bits);
}

/* The primer's movie example: six movies, three of each of two genres; users like one genre
 * and dislike the other (10% noise). A user who liked two of the first genre and disliked one
 * of the second gets the third of the first predicted liked and the other two of the second
 * disliked. */
Test(rbm, movie_ratings_completion)
{
    const int nv = 6;
    const int64_t N = 600;
    unsigned char *bits = malloc((size_t)(N * nv));
    for (int64_t e = 0; e < N; ++e)
        for (int i = 0; i < nv; ++i) {
            const int likes = (e % 2) ? (i < 3) : (i >= 3);
            bits[e * nv + i] = (unsigned char)(likes ^ (pml_rng_uniform(4, 1, (uint64_t)(e * nv + i)) < 0.1f));
        }
    pml_dataset *ds = binary_data(bits, N, nv);
    pml_rbm *r = make(nv, 2, 100, 3);
    pml_rbm_train_config c = pml_rbm_train_defaults();
    c.method = PML_RBM_PCD;
    c.epochs = 100;
    c.batch = 20;
    c.lr = 0.05;
    c.monitor_rows = 0;
    PML_ASSERT_OK(pml_rbm_train(r, ds, NULL, &c, NULL));
    const int64_t C = 100; /* one user, completed by 100 chains */
    float v[100 * 6], keep[100 * 6], pv[100 * 6];
    for (int64_t s = 0; s < C; ++s) {
        const float user[6] = {1, 1, 0, 0, 0, 0}, known[6] = {1, 1, 0, 1, 0, 0};
        memcpy(v + s * 6, user, sizeof user);
        memcpy(keep + s * 6, known, sizeof known);
    }
    pml_tensor *vt = states(C, nv, v), *kt = states(C, nv, keep), *pt = states(C, nv, NULL);
    const pml_rbm_gibbs_opts o = {.seed = 1, .keep = kt, .pv = pt, .average = 150};
    PML_ASSERT_OK(pml_rbm_gibbs(r, vt, C, 200, &o));
    PML_ASSERT_OK(pml_tensor_download(pt, pv, sizeof pv));
    PML_ASSERT_OK(pml_tensor_download(vt, v, sizeof v));
    double m[6] = {0};
    for (int64_t s = 0; s < C; ++s)
        for (int i = 0; i < nv; ++i) m[i] += pv[s * 6 + i] / (double)C;
    for (int64_t s = 0; s < C; ++s) /* observed units stayed as observed */
        cr_expect(v[s * 6 + 0] == 1 && v[s * 6 + 1] == 1 && v[s * 6 + 3] == 0);
    cr_expect(m[2] > 0.75, "movie 2 (same genre as the liked ones): p(like) %.3f", m[2]);
    cr_expect(m[4] < 0.25 && m[5] < 0.25, "movies 4, 5: p(like) %.3f %.3f", m[4], m[5]);
    pml_tensor_destroy(vt), pml_tensor_destroy(kt), pml_tensor_destroy(pt);
    pml_rbm_destroy(r);
    pml_dataset_destroy(ds);
    free(bits);
}

/* A completion cut into calls (as `rbm complete --checkpoint` runs it: the chains carried,
 * average_end fixed, pv accumulated) ends bit for bit where one call ends, for cuts before,
 * at and inside the averaging window; a cut that forgets `accumulate` does not. */
Test(rbm, gibbs_cut_into_calls_matches_one_call)
{
    const int nv = 12, nh = 5;
    const int64_t C = 8, S = 40, K = 25;
    pml_rbm *r = make(nv, nh, C, 7);
    pml_test_host_rbm h;
    pml_test_rbm_randomize(r, &h, 1.0, 0.5, 11);
    float v0[8 * 12], keep[8 * 12], one_v[8 * 12], one_p[8 * 12], cut_v[8 * 12], cut_p[8 * 12];
    for (int64_t i = 0; i < C * nv; ++i) {
        v0[i] = pml_rng_uniform(3, 0, (uint64_t)i) < 0.5f ? 1.0f : 0.0f;
        keep[i] = i % 3 == 0 ? 1.0f : 0.0f;
    }
    pml_tensor *vt = states(C, nv, v0), *kt = states(C, nv, keep), *pt = states(C, nv, NULL);
    const pml_rbm_gibbs_opts one = {.seed = 5, .keep = kt, .pv = pt, .average = K};
    PML_ASSERT_OK(pml_rbm_gibbs(r, vt, C, S, &one));
    PML_ASSERT_OK(pml_tensor_download(vt, one_v, sizeof one_v));
    PML_ASSERT_OK(pml_tensor_download(pt, one_p, sizeof one_p));
    /* the calls' lengths (summing to S); the window is steps 15 .. 39 */
    const int64_t calls[][4] = {{5, 10, 25, 0}, {15, 1, 24, 0}, {20, 3, 17, 0}, {39, 1, 0, 0}};
    for (int c = 0; c < 4; ++c) {
        for (int forget = 0; forget < 2; ++forget) {
            PML_ASSERT_OK(pml_tensor_upload(vt, v0, sizeof v0));
            int64_t at = 0;
            int window_cut = 0; /* a call starts inside the window */
            for (int k = 0; k < 4 && calls[c][k]; ++k) {
                const pml_rbm_gibbs_opts o = {.seed = 5, .keep = kt, .pv = pt, .average = K,
                                              .step0 = (uint64_t)at, .average_end = (uint64_t)S,
                                              .accumulate = at > 0 && !forget};
                PML_ASSERT_OK(pml_rbm_gibbs(r, vt, C, calls[c][k], &o));
                window_cut |= at > S - K;
                at += calls[c][k];
            }
            cr_assert_eq(at, S);
            PML_ASSERT_OK(pml_tensor_download(vt, cut_v, sizeof cut_v));
            PML_ASSERT_OK(pml_tensor_download(pt, cut_p, sizeof cut_p));
            cr_expect(memcmp(cut_v, one_v, sizeof one_v) == 0, "cut %d: the chains differ", c);
            /* forgetting to accumulate loses the window's first part, when a cut falls in it */
            if (!forget || !window_cut)
                cr_expect(memcmp(cut_p, one_p, sizeof one_p) == 0, "cut %d: pv differs", c);
            else
                cr_expect(memcmp(cut_p, one_p, sizeof one_p) != 0, "cut %d: the test is blind", c);
        }
    }
    pml_tensor_destroy(vt), pml_tensor_destroy(kt), pml_tensor_destroy(pt);
    pml_rbm_destroy(r);
}

/* ---- files and checkpoints --------------------------------------------------------------------- */

Test(rbm, save_load_round_trip_and_f64_files)
{
    pml_rbm *r = make(7, 5, 8, 4);
    pml_test_host_rbm h, back;
    pml_test_rbm_randomize(r, &h, 1.0, 1.0, 51);
    const char *path = pml_test_tmppath("m.safetensors");
    PML_ASSERT_OK(pml_rbm_save(r, path, (const char *const[]){"method", "cd", NULL}));
    pml_rbm *q = NULL;
    PML_ASSERT_OK(pml_rbm_load(dev, path, 8, &q));
    pml_test_rbm_download(q, &back);
    cr_expect(back.nv == 7 && back.nh == 5);
    cr_expect(memcmp(back.w, h.w, sizeof(double) * 35) == 0 && memcmp(back.a, h.a, sizeof(double) * 7) == 0 &&
              memcmp(back.b, h.b, sizeof(double) * 5) == 0);
    pml_rbm_destroy(q);
    /* scikit-learn's arrays: F64 tensors under the same names */
    double w64[35], a64[7], b64[5];
    for (int i = 0; i < 35; ++i) w64[i] = h.w[i];
    for (int i = 0; i < 7; ++i) a64[i] = h.a[i];
    for (int i = 0; i < 5; ++i) b64[i] = h.b[i];
    pml_tensor *tw = pml_test_tensor(dev, PML_F64, 2, (int64_t[]){5, 7}, w64);
    pml_tensor *ta = pml_test_tensor(dev, PML_F64, 1, (int64_t[]){7}, a64);
    pml_tensor *tb = pml_test_tensor(dev, PML_F64, 1, (int64_t[]){5}, b64);
    const pml_named_tensor nt[3] = {{"weight", tw}, {"visible_bias", ta}, {"hidden_bias", tb}};
    const char *p64 = pml_test_tmppath("sk.safetensors");
    PML_ASSERT_OK(pml_safetensors_write(p64, nt, 3, NULL));
    PML_ASSERT_OK(pml_rbm_load(dev, p64, 8, &q));
    pml_test_rbm_download(q, &back);
    cr_expect(memcmp(back.w, h.w, sizeof(double) * 35) == 0);
    pml_rbm_destroy(q);
    /* a file whose shapes do not agree names the tensor */
    const pml_named_tensor bad[3] = {{"weight", tw}, {"visible_bias", tb}, {"hidden_bias", tb}};
    const char *pb = pml_test_tmppath("bad.safetensors");
    PML_ASSERT_OK(pml_safetensors_write(pb, bad, 3, NULL));
    pml_test_expect_error(pb, pml_rbm_load(dev, pb, 8, &q), PML_ERR_BAD_FORMAT, "visible_bias");
    cr_expect(q == NULL);
    const pml_named_tensor none[1] = {{"visible_bias", ta}};
    PML_ASSERT_OK(pml_safetensors_write(pb, none, 1, NULL));
    pml_test_expect_error(pb, pml_rbm_load(dev, pb, 8, &q), PML_ERR_BAD_FORMAT, "weight");
    pml_tensor_destroy(tw), pml_tensor_destroy(ta), pml_tensor_destroy(tb);
    pml_rbm_destroy(r);
}

/* PCD with tempering stopped after 3 epochs and resumed to 6 ends bit for bit where an
 * uninterrupted 6-epoch run ends (the persistent chains are in the checkpoint). */
Test(rbm, pcd_checkpoint_resumes_bit_for_bit)
{
    const int nv = 12;
    const int64_t N = 200;
    unsigned char *bits = malloc((size_t)(N * nv));
    for (int64_t e = 0; e < N * nv; ++e) bits[e] = pml_rng_uniform(6, 1, (uint64_t)e) < 0.3f;
    pml_dataset *ds = binary_data(bits, N, nv);
    pml_test_host_rbm ha, hb;
    const char *ck = pml_test_tmppath("ck.safetensors");
    for (int run = 0; run < 2; ++run) {
        pml_rbm *r = make(nv, 6, 25, 9);
        pml_rbm_train_config c = pml_rbm_train_defaults();
        c.method = PML_RBM_PCD;
        c.pt = 3;
        c.k = 2;
        c.batch = 25;
        c.monitor_rows = 0;
        c.epochs = 6;
        if (run == 1) {
            c.epochs = 3;
            c.checkpoint = ck;
            PML_ASSERT_OK(pml_rbm_train(r, ds, NULL, &c, NULL));
            pml_rbm_destroy(r);
            r = make(nv, 6, 25, 123); /* other initial weights: the checkpoint replaces them */
            c.epochs = 6;
            c.checkpoint = NULL;
            c.resume = ck;
            /* a run with other settings is refused, naming the setting */
            pml_rbm_train_config other = c;
            other.k = 3;
            pml_test_expect_error("resume with k = 3", pml_rbm_train(r, ds, NULL, &other, NULL),
                                  PML_ERR_INVALID_ARGUMENT, "k = 2");
            other = c;
            other.pt = 2;
            pml_test_expect_error("resume with 2 temperatures", pml_rbm_train(r, ds, NULL, &other, NULL),
                                  PML_ERR_INVALID_ARGUMENT, "temperatures");
        }
        pml_rbm_train_result res;
        PML_ASSERT_OK(pml_rbm_train(r, ds, NULL, &c, &res));
        cr_expect_eq(res.epochs_run, 6);
        pml_test_rbm_download(r, run ? &hb : &ha);
        pml_rbm_train_result_free(&res);
        pml_rbm_destroy(r);
    }
    cr_expect(memcmp(ha.w, hb.w, sizeof(double) * 72) == 0 && memcmp(ha.a, hb.a, sizeof(double) * 12) == 0,
              "resumed run differs");
    pml_dataset_destroy(ds);
    free(bits);
}

Test(rbm, names_round_trip)
{
    PML_EXPECT_NAMES_ROUND_TRIP(pml_rbm_binarize, pml_rbm_binarize_name, pml_rbm_binarize_parse,
                                PML_RBM_ASIS, PML_RBM_SAMPLE);
    PML_EXPECT_NAMES_ROUND_TRIP(pml_rbm_method, pml_rbm_method_name, pml_rbm_method_parse,
                                PML_RBM_PCD, PML_RBM_PCD);
}

Test(rbm, bad_arguments_name_the_parameter)
{
    pml_rbm *r = make(6, 4, 10, 1);
    pml_dataset *ds = binary_data((const unsigned char[12]){0}, 2, 6);
    pml_rbm_train_config c = pml_rbm_train_defaults();
    c.k = 0;
    c.batch = 2;
    pml_test_expect_error("k = 0", pml_rbm_train(r, ds, NULL, &c, NULL), PML_ERR_INVALID_ARGUMENT, "k = 0");
    c = pml_rbm_train_defaults();
    c.batch = 11;
    pml_test_expect_error("batch", pml_rbm_train(r, ds, NULL, &c, NULL), PML_ERR_INVALID_ARGUMENT, "batch");
    c = pml_rbm_train_defaults();
    c.batch = 2;
    c.pt = 4;
    pml_test_expect_error("pt with cd", pml_rbm_train(r, ds, NULL, &c, NULL), PML_ERR_INVALID_ARGUMENT, "pcd");
    pml_rbm *big = make(7, 4, 10, 1);
    c = pml_rbm_train_defaults();
    c.batch = 2;
    pml_test_expect_error("n_visible", pml_rbm_train(big, ds, NULL, &c, NULL), PML_ERR_INVALID_ARGUMENT, "visible");
    pml_rbm *huge = make(30, 30, 2, 1);
    double lz;
    pml_test_expect_error("exact", pml_rbm_logz_exact(huge, &lz), PML_ERR_INVALID_ARGUMENT, "AIS");
    pml_rbm_destroy(huge);
    pml_rbm_destroy(big);
    pml_dataset_destroy(ds);
    pml_rbm_destroy(r);
}

/* The shared exp behind every probability: within 1 float ulp of e^z over [-87, 0] (0.93 seen)
 * and 0 below, and the logistic it gives within 3 ulp of libm's in double (2.37 seen: the
 * exp's error, then 1 + e and the quotient rounded in float). */
Test(rbm, shared_exp_matches_libm)
{
    double worst = 0, worst_l = 0;
    int64_t differ = 0, total = 0;
    for (int64_t i = 0; i <= 2000000; ++i) {
        const float z = (float)(-87.0 * (double)i / 2000000.0);
        const float got = pml_rbm_expf_neg(z), want = (float)exp((double)z);
        const double ulp = (double)nextafterf(want, INFINITY) - want;
        const double err = fabs((double)got - (double)exp((double)z)) / ulp;
        worst = err > worst ? err : worst;
        const float x = z / 4.0f; /* logistic over [-21.75, 0] and its mirror */
        const double e = exp((double)x);
        const float l[2] = {pml_rbm_logistic(x), pml_rbm_logistic(-x)};
        const double w[2] = {e / (1.0 + e), 1.0 / (1.0 + e)};
        for (int k = 0; k < 2; ++k) {
            const float wf = (float)w[k];
            const double u = (double)nextafterf(wf, INFINITY) - wf;
            const double el = fabs((double)l[k] - w[k]) / u;
            worst_l = el > worst_l ? el : worst_l;
            differ += l[k] != wf;
            total++;
        }
    }
    cr_expect(worst <= 1.0, "worst error of the exp %.2f ulp", worst);
    cr_expect(worst_l <= 3.0, "worst error of the logistic %.2f ulp", worst_l);
    cr_log_info("exp worst %.2f ulp; logistic worst %.2f ulp, %lld of %lld not libm's rounded",
                worst, worst_l, (long long)differ, (long long)total);
    cr_expect(pml_rbm_expf_neg(-87.5f) == 0.0f && pml_rbm_expf_neg(0.0f) == 1.0f);
    cr_expect(pml_rbm_logistic(0.0f) == 0.5f && pml_rbm_logistic(INFINITY) == 1.0f &&
              pml_rbm_logistic(-INFINITY) == 0.0f && pml_rbm_logistic(1e30f) == 1.0f &&
              pml_rbm_logistic(-1e30f) == 0.0f && isnan(pml_rbm_logistic(NAN)));
    cr_expect_eq(pml_rbm_threshold(NAN), 0u);
}

/* The vectorised decision is the contract's: u < floor(p 2^32), at every boundary. */
Test(rbm, bernoulli_decision_equals_threshold)
{
    int64_t bad = 0;
    for (int64_t i = 0; i < 200000; ++i) {
        float p = pml_rng_uniform(12, 1, (uint64_t)i);
        if (i % 7 == 0) p = (float)(i % 1000) / 1000.0f;
        if (i == 1) p = 1.0f;
        if (i == 2) p = 0.0f;
        if (i == 3) p = nextafterf(1.0f, 0.0f);
        const uint64_t q = pml_rbm_threshold(p);
        const uint32_t us[4] = {(uint32_t)(q > 0 ? q - 1 : 0), (uint32_t)(q < 0xFFFFFFFFull ? q : 0xFFFFFFFFu),
                                pml_rng_u32(12, 2, (uint64_t)i), 0xFFFFFFFFu};
        for (int k = 0; k < 4; ++k) bad += pml_rbm_bernoulli(us[k], p) != ((uint64_t)us[k] < q);
    }
    cr_expect_eq(bad, 0);
}

/* Torlai & Melko's claim at a size where the RBM's own distribution can be summed exactly:
 * an RBM of 16 visible and 16 hidden units trained by PCD on Swendsen-Wang configurations of
 * the 4 x 4 Ising model at T = 3 reproduces their energy per spin. The RBM's <e> is computed
 * exactly, over all 2^16 visible states (no sampling error on its side). */
static double ising_e(unsigned v, int L)
{
    int bonds = 0;
    for (int y = 0; y < L; ++y)
        for (int x = 0; x < L; ++x) {
            const int s = (v >> (y * L + x)) & 1 ? 1 : -1;
            const int r = (v >> (y * L + (x + 1) % L)) & 1 ? 1 : -1;
            const int d = (v >> (((y + 1) % L) * L + x)) & 1 ? 1 : -1;
            bonds += s * (r + d);
        }
    return -(double)bonds / (L * L);
}

Test(rbm, learns_the_ising_energy)
{
    const int L = 4, N = 16;
    const int64_t n = 8000, R = 200;
    const double T = 3.0;
    double Ts[200];
    for (int i = 0; i < R; ++i) Ts[i] = T;
    pml_ising_config ic = {.lx = L, .ly = L, .replicas = R, .J = 1.0,
                           .rule = PML_ISING_SWENDSEN_WANG, .seed = 5};
    pml_ising *g = NULL;
    PML_ASSERT_OK(pml_ising_create(dev, &ic, Ts, NULL, &g));
    PML_ASSERT_OK(pml_ising_init(g, PML_ISING_HOT));
    PML_ASSERT_OK(pml_ising_sweep(g, 100));
    unsigned char *bits = malloc((size_t)(n * N));
    int8_t spins[200 * 16];
    double emc = 0, emc2 = 0;
    for (int64_t got = 0; got < n; got += R) {
        PML_ASSERT_OK(pml_ising_sweep(g, 3));
        PML_ASSERT_OK(pml_ising_get_spins(g, spins, sizeof spins));
        for (int64_t r = 0; r < R; ++r) {
            unsigned v = 0;
            for (int i = 0; i < N; ++i) {
                bits[(got + r) * N + i] = spins[r * N + i] > 0;
                v |= (unsigned)(spins[r * N + i] > 0) << i;
            }
            const double e = ising_e(v, L);
            emc += e / (double)n;
            emc2 += e * e / (double)n;
        }
    }
    pml_ising_destroy(g);
    const double mc_err = sqrt((emc2 - emc * emc) / (double)n);
    pml_dataset *ds = binary_data(bits, n, N);
    pml_rbm *r = make(N, 16, 64, 3);
    pml_rbm_train_config c = pml_rbm_train_defaults();
    c.method = PML_RBM_PCD;
    c.k = 5;
    c.batch = 20;
    c.epochs = 400;
    c.lr = 0.05;
    c.binarize = PML_RBM_ASIS;
    c.monitor_rows = 0;
    PML_ASSERT_OK(pml_schedule_parse("cosine:400", c.lr, &c.schedule));
    PML_ASSERT_OK(pml_rbm_train(r, ds, NULL, &c, NULL));
    /* <e> under the RBM: every visible state weighted by exp(-F(v)) */
    float v[64 * 16];
    double f[64], m = -INFINITY, z = 0, ez = 0;
    double *lf = malloc(sizeof(double) << 16);
    pml_tensor *vt = states(64, N, NULL);
    for (unsigned first = 0; first < (1u << 16); first += 64) {
        for (int k = 0; k < 64; ++k)
            for (int i = 0; i < N; ++i) v[k * N + i] = (float)(((first + k) >> i) & 1);
        PML_ASSERT_OK(pml_tensor_upload(vt, v, sizeof v));
        PML_ASSERT_OK(pml_rbm_free_energy(r, vt, 64, f));
        for (int k = 0; k < 64; ++k) lf[first + k] = -f[k], m = fmax(m, -f[k]);
    }
    for (unsigned s = 0; s < (1u << 16); ++s) {
        const double w = exp(lf[s] - m);
        z += w;
        ez += w * ising_e(s, L);
    }
    const double erbm = ez / z;
    cr_log_info("4x4 Ising, T = 3: <e> Monte Carlo %.4f +- %.4f, RBM (exact) %.4f", emc, mc_err, erbm);
    /* the data's own error and the model's training error: 0.02 is about 4 sigma of the data */
    cr_expect(fabs(erbm - emc) < 0.02, "RBM <e> %.4f, Monte Carlo %.4f +- %.4f", erbm, emc, mc_err);
    free(lf);
    pml_tensor_destroy(vt);
    pml_rbm_destroy(r);
    pml_dataset_destroy(ds);
    free(bits);
}
