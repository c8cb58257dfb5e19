/* The Ising critical temperature read by an autoencoder (the primer's Fig. 14; Wetzel 2017,
 * Alexandrou et al. 2020): configurations from physml's own Metropolis sampler, an
 * autoencoder with a one-unit latent trained on all temperatures, the latent's mean |z| and
 * susceptibility per temperature with jackknife errors, T_c(L) from the susceptibility's peak,
 * and the extrapolation of T_c(L) in 1/L. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae/ae_model.h"
#include "core/internal.h"
#include "physml/ising.h"

/* the Philox stream of the configurations' sign flips ("AEIF" << 32) */
#define PML_AE_ISING_STREAM_FLIP 0x4145494600000000ull

pml_ae_ising_config pml_ae_ising_defaults(int L)
{
    pml_ae_ising_config c;
    memset(&c, 0, sizeof c);
    c.L = L;
    c.configs = 500;
    /* Swendsen-Wang decorrelates near T_c in a few sweeps; Metropolis needs ~L^2.17 there
     * (a gap of 2L left L = 64's 500 configurations about eight independent ones at T_c, and
     * T_c(48) above T_c(32)) */
    c.rule = PML_ISING_SWENDSEN_WANG;
    c.therm = 500;
    c.gap = 4;
    c.hidden = 64;
    c.epochs = 10;
    c.batch = 64;
    c.lr = 1e-3;
    c.seed = 1;
    c.blocks = 20;
    return c;
}

static pml_status check_config(const char *fn, const pml_ae_ising_config *c)
{
    PML_CHECK(c->L >= 4 && c->L <= 256 && c->L % 2 == 0, PML_ERR_INVALID_ARGUMENT,
              "%s: L %d, needs an even side 4..256", fn, c->L);
    PML_CHECK(c->T != NULL && c->nT >= 3 && c->nT <= 256, PML_ERR_INVALID_ARGUMENT,
              "%s: %d temperatures, needs 3..256", fn, c->nT);
    for (int i = 0; i < c->nT; ++i)
        PML_CHECK(c->T[i] > 0 && isfinite(c->T[i]) && (i == 0 || c->T[i] > c->T[i - 1]),
                  PML_ERR_INVALID_ARGUMENT,
                  "%s: temperature %d is %g: needs finite values > 0, increasing", fn, i, c->T[i]);
    PML_CHECK(c->configs >= 16 && c->configs <= (1 << 20), PML_ERR_INVALID_ARGUMENT,
              "%s: configs %lld, needs 16..2^20 per temperature", fn, (long long)c->configs);
    PML_CHECK(c->therm >= 0 && c->gap >= 1 && c->therm <= ((int64_t)1 << 40) &&
                  c->gap <= ((int64_t)1 << 30),
              PML_ERR_INVALID_ARGUMENT, "%s: therm %lld, gap %lld: need therm >= 0, gap >= 1", fn,
              (long long)c->therm, (long long)c->gap);
    PML_CHECK(c->rule >= PML_ISING_METROPOLIS && c->rule <= PML_ISING_WOLFF,
              PML_ERR_INVALID_ARGUMENT, "%s: unknown rule %d", fn, c->rule);
    PML_CHECK(c->hidden >= 1 && c->hidden <= 4096, PML_ERR_INVALID_ARGUMENT,
              "%s: hidden %lld, needs 1..4096", fn, (long long)c->hidden);
    PML_CHECK(c->epochs >= 1 && c->batch >= 1 && c->batch <= 65536, PML_ERR_INVALID_ARGUMENT,
              "%s: epochs %d, batch %lld: need epochs >= 1 and batch 1..65536", fn, c->epochs,
              (long long)c->batch);
    PML_CHECK(c->lr > 0 && isfinite(c->lr), PML_ERR_INVALID_ARGUMENT,
              "%s: lr %g, needs a finite value > 0", fn, c->lr);
    PML_CHECK(c->blocks >= 2 && c->blocks <= 1024 && c->blocks <= c->configs,
              PML_ERR_INVALID_ARGUMENT, "%s: blocks %d, needs 2..min(1024, configs)", fn,
              c->blocks);
    const int64_t n = (int64_t)c->nT * c->configs * c->L * c->L;
    PML_CHECK(n <= ((int64_t)1 << 34), PML_ERR_INVALID_ARGUMENT,
              "%s: %d temperatures x %lld configurations of %d^2 spins is too many", fn, c->nT,
              (long long)c->configs, c->L);
    return PML_OK;
}

/* Configurations: images[(t * configs + c) * N + i] = 255 for spin +1, 0 for -1; m per spin.
 * The replicas start cold (a hot start quenched below T_c on a large lattice is caught in
 * stripe states for longer than any thermalisation here), and each configuration is stored
 * with its sign flipped or not by a Philox coin (the model's up-down symmetry), so the
 * ordered phase shows both magnetisations. */
static pml_status sample(const char *fn, pml_device *dev, const pml_ae_ising_config *c,
                         uint8_t *images, double *m)
{
    const int64_t N = (int64_t)c->L * c->L, R = c->nT;
    pml_ising_config ic;
    memset(&ic, 0, sizeof ic);
    ic.lx = ic.ly = c->L;
    ic.replicas = R;
    ic.J = 1.0;
    ic.rule = (pml_ising_rule)c->rule;
    ic.seed = c->seed;
    pml_ising *is = NULL;
    PML_TRY(pml_error_within(pml_ising_create(dev, &ic, c->T, NULL, &is), fn));
    int8_t *spins = malloc((size_t)(N * R));
    pml_status s = spins ? pml_ising_init(is, PML_ISING_COLD)
                         : pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    if (s == PML_OK) s = pml_ising_sweep(is, c->therm);
    for (int64_t k = 0; k < c->configs && s == PML_OK; ++k) {
        s = pml_ising_sweep(is, c->gap);
        if (s == PML_OK) s = pml_ising_get_spins(is, spins, (size_t)(N * R));
        for (int64_t t = 0; t < R && s == PML_OK; ++t) {
            const int8_t *sp = spins + t * N;
            const int64_t e = t * c->configs + k;
            const int flip = (int)(pml_rng_u32(c->seed, PML_AE_ISING_STREAM_FLIP, (uint64_t)e) >> 31);
            uint8_t *img = images + e * N;
            int64_t sum = 0;
            for (int64_t i = 0; i < N; ++i) {
                const int up = (sp[i] > 0) != flip;
                img[i] = up ? 255 : 0;
                sum += up ? 1 : -1;
            }
            m[t * c->configs + k] = (double)sum / (double)N;
        }
    }
    free(spins);
    pml_ising_destroy(is);
    return pml_error_within(s, fn);
}

/* chi_z per temperature from the configurations [lo, hi) excluded (lo == hi: none); the
 * parabola's vertex through the largest and its neighbours. */
static void chi_of(const pml_ae_ising_config *c, const double *z, int64_t lo, int64_t hi,
                   double *chi, double *zabs)
{
    const double N = (double)c->L * c->L;
    for (int t = 0; t < c->nT; ++t) {
        double s1 = 0, s2 = 0;
        int64_t n = 0;
        for (int64_t k = 0; k < c->configs; ++k) {
            if (k >= lo && k < hi) continue;
            const double v = z[(int64_t)t * c->configs + k];
            s1 += fabs(v);
            s2 += v * v;
            ++n;
        }
        s1 /= (double)n;
        s2 /= (double)n;
        zabs[t] = s1;
        chi[t] = N * (s2 - s1 * s1);
    }
}

static double peak_of(const double *T, const double *chi, int n, int *edge)
{
    int k = 0;
    for (int i = 1; i < n; ++i)
        if (chi[i] > chi[k]) k = i;
    *edge = k == 0 || k == n - 1;
    if (*edge) return T[k];
    /* the vertex of the parabola through (T[k-1], chi[k-1]), (T[k], chi[k]), (T[k+1], chi[k+1]) */
    const double x0 = T[k - 1], x1 = T[k], x2 = T[k + 1];
    const double y0 = chi[k - 1], y1 = chi[k], y2 = chi[k + 1];
    const double d = (x0 - x1) * (x0 - x2) * (x1 - x2);
    const double a = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / d;
    const double b = (x2 * x2 * (y0 - y1) + x1 * x1 * (y2 - y0) + x0 * x0 * (y1 - y2)) / d;
    if (!(a < 0)) return x1;
    const double v = -b / (2 * a);
    return v < x0 ? x0 : v > x2 ? x2 : v;
}

static double pearson(const double *a, const double *b, int64_t n, int absolute)
{
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    for (int64_t i = 0; i < n; ++i) {
        const double x = absolute ? fabs(a[i]) : a[i], y = absolute ? fabs(b[i]) : b[i];
        sa += x;
        sb += y;
        saa += x * x;
        sbb += y * y;
        sab += x * y;
    }
    const double dn = (double)n, cov = sab / dn - sa / dn * sb / dn;
    const double va = saa / dn - sa / dn * sa / dn, vb = sbb / dn - sb / dn * sb / dn;
    return va > 0 && vb > 0 ? cov / sqrt(va * vb) : NAN;
}

/* Train the autoencoder on the configurations and put every configuration's code in z. */
static pml_status learn(const char *fn, pml_device *dev, const pml_ae_ising_config *c,
                        pml_dataset *ds, double *z, pml_ae_ising_fit *fit)
{
    const int64_t N = (int64_t)c->L * c->L, n = pml_dataset_size(ds);
    char enc[64], dec[64];
    /* The plain autoencoder is odd, z(-x) = -z(x) and x'(-z) = -x'(z) (tanh units, no biases):
     * the model's up-down symmetry built in, so that |z| of a configuration and of its
     * reversal are the same. The VAE's log sigma^2 must be even in x: it keeps its biases. */
    if (c->vae) {
        snprintf(enc, sizeof enc, "dense:%lld,tanh,dense:2", (long long)c->hidden);
        snprintf(dec, sizeof dec, "dense:%lld,tanh,dense:%lld,tanh", (long long)c->hidden,
                 (long long)N);
    } else {
        snprintf(enc, sizeof enc, "dense:%lld:nobias,tanh,dense:1:nobias", (long long)c->hidden);
        snprintf(dec, sizeof dec, "dense:%lld:nobias,tanh,dense:%lld:nobias,tanh",
                 (long long)c->hidden, (long long)N);
    }
    pml_ae_config ac = pml_ae_defaults();
    ac.encoder = enc;
    ac.decoder = dec;
    ac.vae = c->vae;
    ac.loss = PML_LOSS_MSE;
    ac.sigma = 1.0;
    const int64_t mb = c->batch > 256 ? c->batch : 256;
    pml_autoencoder *ae = NULL;
    pml_optimizer *opt = NULL;
    pml_train_result r;
    memset(&r, 0, sizeof r);
    pml_status s = pml_ae_create(dev, 1, &N, mb, &ac, c->seed, &ae);
    pml_optim_config oc = pml_optim_defaults(PML_OPTIM_ADAM);
    oc.lr = c->lr;
    if (s == PML_OK) s = pml_optimizer_create(dev, &oc, &opt);
    pml_train_config tc = pml_train_defaults();
    tc.epochs = c->epochs;
    tc.batch = c->batch;
    tc.scaling = PML_SCALE_STANDARD; /* pixel stats 0.5, 0.5: spins +-1 */
    tc.seed = c->seed;
    const double t0 = pml_clock_seconds();
    if (s == PML_OK) s = pml_ae_train(ae, opt, ds, NULL, &tc, &r);
    fit->train_seconds = pml_clock_seconds() - t0;
    fit->final_loss = r.epochs_run > 0 ? r.history[r.epochs_run - 1].train_loss : NAN;
    pml_train_result_free(&r);
    pml_tensor *x = NULL;
    if (s == PML_OK) s = pml_dataset_unshuffle(ds); /* codes in the configurations' order */
    if (s == PML_OK) s = pml_tensor_create_2d(dev, PML_F32, mb, N, &x);
    const int64_t w = c->vae ? 2 : 1;
    float *code = malloc((size_t)(mb * w) * sizeof *code);
    if (s == PML_OK && code == NULL)
        s = pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    for (int64_t start = 0; start < n && s == PML_OK; start += mb) {
        int64_t count = n - start < mb ? n - start : mb;
        const pml_tensor *zt = NULL;
        s = pml_dataset_batch(ds, start, count, PML_SCALE_STANDARD, NULL, 0, 0, x, NULL);
        if (s == PML_OK) s = pml_ae_encode(ae, x, count, &zt);
        if (s == PML_OK) s = pml_tensor_download_head(zt, code, (size_t)(count * w) * sizeof *code);
        for (int64_t i = 0; i < count && s == PML_OK; ++i) z[start + i] = code[i * w];
    }
    free(code);
    pml_tensor_destroy(x);
    pml_optimizer_destroy(opt);
    pml_ae_destroy(ae);
    return pml_error_within(s, fn);
}

pml_status pml_ae_ising_run(pml_device *dev, const pml_ae_ising_config *cfg,
                            pml_ae_ising_point *pts, pml_ae_ising_fit *fit, double *z_out,
                            double *m_out)
{
    static const char fn[] = "pml_ae_ising_run";
    PML_CHECK_ARG(dev != NULL && cfg != NULL && pts != NULL && fit != NULL, fn,
                  "dev, cfg, pts or fit is NULL");
    PML_TRY(check_config(fn, cfg));
    memset(fit, 0, sizeof *fit);
    const int nT = cfg->nT;
    const int64_t N = (int64_t)cfg->L * cfg->L, n = nT * cfg->configs;
    uint8_t *images = malloc((size_t)(n * N)), *labels = malloc((size_t)n);
    double *m = malloc((size_t)n * sizeof *m), *z = malloc((size_t)n * sizeof *z);
    double *chi = malloc((size_t)nT * 4 * sizeof *chi);
    pml_status s = images && labels && m && z && chi
                       ? PML_OK
                       : pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    double t0 = pml_clock_seconds();
    if (s == PML_OK) s = sample(fn, dev, cfg, images, m);
    fit->gen_seconds = pml_clock_seconds() - t0;
    pml_dataset *ds = NULL;
    for (int64_t i = 0; s == PML_OK && i < n; ++i) labels[i] = (uint8_t)(i / cfg->configs);
    if (s == PML_OK)
        s = pml_error_within(
            pml_dataset_from_host(dev, n, cfg->L, cfg->L, images, labels, nT, &ds), fn);
    if (s == PML_OK) s = pml_error_within(pml_dataset_set_pixel_stats(ds, 0.5, 0.5), fn);
    if (s == PML_OK) s = learn(fn, dev, cfg, ds, z, fit);
    pml_dataset_destroy(ds);
    if (s == PML_OK) {
        double *zabs = chi + nT, *cb = chi + 2 * nT, *zb = chi + 3 * nT;
        /* scale: the largest mean |z| over the scan is 1 */
        chi_of(cfg, z, 0, 0, chi, zabs);
        double top = 0;
        for (int t = 0; t < nT; ++t) top = zabs[t] > top ? zabs[t] : top;
        const double scale = top > 0 ? 1.0 / top : 1.0;
        for (int64_t i = 0; i < n; ++i) z[i] *= scale;
        chi_of(cfg, z, 0, 0, chi, zabs);
        int edge = 0;
        fit->tc = peak_of(cfg->T, chi, nT, &edge);
        fit->peak_at_edge = edge;
        /* delete-one-block jackknife over the configurations of every temperature at once */
        const int B = cfg->blocks;
        double *tcb = malloc((size_t)B * sizeof *tcb);
        double *acc = calloc((size_t)nT * 6, sizeof *acc); /* sums and squares: chi, |z|, |m| */
        if (tcb == NULL || acc == NULL) {
            s = pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
        } else {
            double mean_tc = 0;
            for (int b = 0; b < B; ++b) {
                const int64_t lo = cfg->configs * b / B, hi = cfg->configs * (b + 1) / B;
                chi_of(cfg, z, lo, hi, cb, zb);
                int e2 = 0;
                tcb[b] = peak_of(cfg->T, cb, nT, &e2);
                mean_tc += tcb[b] / B;
                for (int t = 0; t < nT; ++t) {
                    double mabs = 0;
                    int64_t cnt = 0;
                    for (int64_t k = 0; k < cfg->configs; ++k)
                        if (k < lo || k >= hi) {
                            mabs += fabs(m[(int64_t)t * cfg->configs + k]);
                            ++cnt;
                        }
                    mabs /= (double)cnt;
                    const double v[3] = {cb[t], zb[t], mabs};
                    for (int q = 0; q < 3; ++q) {
                        acc[(t * 3 + q) * 2] += v[q];
                        acc[(t * 3 + q) * 2 + 1] += v[q] * v[q];
                    }
                }
            }
            double var = 0;
            for (int b = 0; b < B; ++b) var += (tcb[b] - mean_tc) * (tcb[b] - mean_tc);
            fit->tc_err = edge ? NAN : sqrt(var * (B - 1) / B);
            for (int t = 0; t < nT; ++t) {
                double err[3];
                for (int q = 0; q < 3; ++q) {
                    const double mu = acc[(t * 3 + q) * 2] / B, sq = acc[(t * 3 + q) * 2 + 1] / B;
                    const double v = sq - mu * mu;
                    err[q] = sqrt((v > 0 ? v : 0) * (B - 1));
                }
                double mabs = 0;
                for (int64_t k = 0; k < cfg->configs; ++k)
                    mabs += fabs(m[(int64_t)t * cfg->configs + k]);
                pts[t].T = cfg->T[t];
                pts[t].chi_z = chi[t];
                pts[t].chi_z_err = err[0];
                pts[t].z_abs = zabs[t];
                pts[t].z_abs_err = err[1];
                pts[t].m_abs = mabs / (double)cfg->configs;
                pts[t].m_abs_err = err[2];
            }
        }
        free(tcb);
        free(acc);
        fit->corr_m = pearson(z, m, n, 0);
        fit->corr_abs_m = pearson(z, m, n, 1);
        if (z_out) memcpy(z_out, z, (size_t)n * sizeof *z);
        if (m_out) memcpy(m_out, m, (size_t)n * sizeof *m);
    }
    free(images);
    free(labels);
    free(m);
    free(z);
    free(chi);
    return s;
}

/* Solve the k x k system a x = b (k <= 3) by Gaussian elimination with partial pivoting, and
 * the inverse's diagonal into inv_diag; 0, or -1 when singular. */
static int solve(int k, double a[3][3], double b[3], double x[3], double inv_diag[3])
{
    double m[3][7];
    for (int i = 0; i < k; ++i) {
        for (int j = 0; j < k; ++j) m[i][j] = a[i][j];
        for (int j = 0; j < k; ++j) m[i][k + j] = i == j;
        m[i][2 * k] = b[i];
    }
    for (int c = 0; c < k; ++c) {
        int p = c;
        for (int r = c + 1; r < k; ++r)
            if (fabs(m[r][c]) > fabs(m[p][c])) p = r;
        if (!(fabs(m[p][c]) > 1e-300)) return -1;
        for (int j = 0; j <= 2 * k; ++j) {
            const double t = m[c][j];
            m[c][j] = m[p][j];
            m[p][j] = t;
        }
        for (int r = 0; r < k; ++r) {
            if (r == c) continue;
            const double f = m[r][c] / m[c][c];
            for (int j = 0; j <= 2 * k; ++j) m[r][j] -= f * m[c][j];
        }
    }
    for (int i = 0; i < k; ++i) {
        x[i] = m[i][2 * k] / m[i][i];
        inv_diag[i] = m[i][k + i] / m[i][i];
    }
    return 0;
}

pml_status pml_ae_tc_extrapolate(const int *L, const double *tc, const double *tc_err, int n,
                                 int order, double *tc_inf, double *tc_inf_err)
{
    static const char fn[] = "pml_ae_tc_extrapolate";
    PML_CHECK_ARG(L != NULL && tc != NULL && tc_inf != NULL, fn, "L, tc or tc_inf is NULL");
    PML_CHECK(order == 1 || order == 2, PML_ERR_INVALID_ARGUMENT, "%s: order %d, needs 1 or 2",
              fn, order);
    PML_CHECK(n >= order + 1 && n <= 1024, PML_ERR_INVALID_ARGUMENT,
              "%s: n %d, needs %d..1024 sizes for order %d", fn, n, order + 1, order);
    int weighted = tc_err != NULL;
    for (int i = 0; i < n; ++i) {
        PML_CHECK(L[i] >= 1 && isfinite(tc[i]), PML_ERR_INVALID_ARGUMENT,
                  "%s: size %d: L %d, T_c %g", fn, i, L[i], tc[i]);
        for (int j = 0; j < i; ++j)
            PML_CHECK(L[j] != L[i], PML_ERR_INVALID_ARGUMENT, "%s: L %d given twice", fn, L[i]);
        if (tc_err && !(tc_err[i] > 0 && isfinite(tc_err[i]))) weighted = 0;
    }
    /* the normal equations of tc = c0 + c1 x (+ c2 x^2), x = 1/L */
    const int k = order + 1;
    double a[3][3] = {{0}}, b[3] = {0}, c[3], inv[3];
    for (int i = 0; i < n; ++i) {
        const double w = weighted ? 1.0 / (tc_err[i] * tc_err[i]) : 1.0, x = 1.0 / L[i];
        const double p[3] = {1.0, x, x * x};
        for (int r = 0; r < k; ++r) {
            for (int q = 0; q < k; ++q) a[r][q] += w * p[r] * p[q];
            b[r] += w * p[r] * tc[i];
        }
    }
    PML_CHECK(solve(k, a, b, c, inv) == 0, PML_ERR_NUMERIC,
              "%s: the sizes do not determine the fit in 1/L", fn);
    *tc_inf = c[0];
    if (tc_inf_err) {
        if (weighted) {
            *tc_inf_err = sqrt(inv[0]);
        } else if (n > k) {
            double rss = 0;
            for (int i = 0; i < n; ++i) {
                const double x = 1.0 / L[i], r = tc[i] - c[0] - c[1] * x - (k > 2 ? c[2] * x * x : 0);
                rss += r * r;
            }
            *tc_inf_err = sqrt(rss / (n - k) * inv[0]);
        } else {
            *tc_inf_err = NAN;
        }
    }
    return PML_OK;
}
