/* The autoencoder family on CUDA against the CPU: the reparameterisation kernel (its eps the
 * Philox stream's, its z, KL and log-weights), its backward and the KL added to a step's
 * totals; the reconstruction loss kernel's Bernoulli and Gaussian forms (row_scale,
 * row_offset, row_out); a small VAE's encoder, decoder, reconstruction, training step
 * (gradients), ELBO and IWAE figures and anomaly scores; a 100-step VAE training run.
 *
 * The normal draws go through logf and sinf/cosf, which differ by a few ulp between libm and
 * CUDA (include/physml/rng.h, tests/parity_rng_test.c): eps agrees across the devices within
 * PML_TOL_NORMAL, not bit for bit. Each device's eps is held bit for bit to the draws the
 * contract names (the CPU's to pml_philox_normal, the GPU's to its own pml_rand_normal of the
 * same seed and stream), each device's z, KL and log-weights to the formulas in double with
 * its own eps, and the cross-device bounds carry the draws' ulps through.
 *
 * Without a GPU those cases skip; the host cases always run: the per-unit body that the CUDA
 * kernel compiles (pml_vae_unit_f32/_f64) and the CPU kernels against the formulas in double
 * (log sigma^2 down to -20 and up to 10); the loss rows with row_scale and row_offset; the
 * corruption rule of the data batches (pml_data_corrupt) and the CPU batch against it; a
 * reproducible, falling CPU training curve. The corrupted batches on CUDA against the CPU are
 * in tests/parity_data_test.c. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae/ae_model.h"
#include "core/internal.h"
#include "cpu/cpu.h"
#include "data/dataset.h"
#include "ops/data_ops.h"
#include "ops/nn_ops.h"
#include "ops/vae_ops.h"
#include "pml_test.h"
#include "physml/autoencoder.h"

/* Values the same on both devices by construction (copies, exact products, table lookups). */
static const pml_tol TOL_EXACT = {"exact", 0.0, 0.0, "no arithmetic between the devices differs"};
/* FP64 elementwise work with exp/log1p (libm against CUDA, 1 ulp each) summed in double in
 * another order. */
static const pml_tol TOL_F64 = {"f64", 1e-12, 1e-12, "FP64 exp/log1p ulps and reordered sums"};
/* 100 Adam steps at lr 1e-2: every step's roundings (FP32 GEMM order, expf/logf and the normal
 * draws' ulps) move the parameters by ~1e-6 relative; the dynamics amplify that over the run,
 * so the final parameters are held to 1e-3 (PML_TOL_TRAINING holds the loss curve). */
static const pml_tol TOL_AE_PARAMS = {"ae_training_params", 1e-3, 1e-3,
                                      "FP32 roundings drifting through 100 Adam steps"};

/* ---- helpers ------------------------------------------------------------------------------- */

/* The first n values of t (F32 or F64, any device; a model's buffer of max_batch rows) as
 * doubles. */
static void fetch(const pml_tensor *t, int64_t n, double *out)
{
    pml_tensor *v = NULL;
    PML_ASSERT_OK(pml_tensor_view((pml_tensor *)t, 0, 1, &n, &v));
    const size_t es = pml_dtype_size(pml_tensor_dtype(t));
    void *h = malloc((size_t)n * es);
    cr_assert(h != NULL);
    PML_ASSERT_OK(pml_tensor_download(v, h, (size_t)n * es));
    for (int64_t i = 0; i < n; ++i)
        out[i] = es == 4 ? (double)((const float *)h)[i] : ((const double *)h)[i];
    free(h);
    pml_tensor_destroy(v);
}

/* A new tensor on dev of dtype dt (F32 or F64) holding vals. */
static pml_tensor *put(pml_device *dev, pml_dtype dt, int ndim, const int64_t *shape,
                       const double *vals)
{
    int64_t n = 1;
    for (int i = 0; i < ndim; ++i) n *= shape[i];
    const size_t es = pml_dtype_size(dt);
    void *h = malloc((size_t)n * es);
    cr_assert(h != NULL);
    for (int64_t i = 0; i < n; ++i) {
        if (dt == PML_F32) ((float *)h)[i] = (float)vals[i];
        else ((double *)h)[i] = vals[i];
    }
    pml_tensor *t = pml_test_tensor(dev, dt, ndim, shape, h);
    free(h);
    return t;
}

/* |got - ref| <= bound[i] for every i; on failure log the worst element and return 0. */
static int close_bounded(const char *what, const double *got, const double *ref,
                         const double *bound, size_t n)
{
    size_t bad = 0, worst = 0;
    double worst_excess = -INFINITY;
    for (size_t i = 0; i < n; ++i) {
        double err = fabs(got[i] - ref[i]);
        if (isnan(got[i]) != isnan(ref[i])) err = INFINITY;
        else if (isnan(got[i])) err = 0;
        if (err - bound[i] > worst_excess) {
            worst_excess = err - bound[i];
            worst = i;
        }
        if (err > bound[i]) ++bad;
    }
    if (bad == 0) return 1;
    cr_log_error("%s: %zu of %zu elements outside their bounds; worst at [%zu]: got %.17g, ref "
                 "%.17g, bound %.3g",
                 what, bad, n, worst, got[worst], ref[worst], bound[worst]);
    return 0;
}

/* ---- the per-unit body and the formulas -------------------------------------------------------
 * For one unit, with sd = exp(lv/2): z = mu + sd e, KL = (mu^2 + e^lv - 1 - lv)/2,
 * log w = (e^2 + lv - z^2)/2, in double, with bounds on an evaluation in a float type of
 * epsilon u: exp within 2 ulp (glibc 1, CUDA 2), sd e and the sum rounded once each (or one
 * FMA), so z is within 4u (|mu| + sd |e|); sd^2 within 8u e^lv; the double sums around them. */
typedef struct unit_ref {
    double z, kl, logw, zb, klb, logwb;
} unit_ref;

static unit_ref unit_formulas(double mu, double lv, double e, double u)
{
    unit_ref r;
    const double sd = exp(lv / 2), ev = exp(lv), z = mu + sd * e, ud = DBL_EPSILON;
    r.z = z;
    r.kl = 0.5 * (mu * mu + ev - 1.0 - lv);
    r.logw = 0.5 * (e * e + lv - z * z);
    r.zb = 4 * u * (fabs(mu) + sd * fabs(e));
    r.klb = 8 * u * ev + 8 * ud * (mu * mu + ev + 1.0 + fabs(lv));
    r.logwb = 0.5 * r.zb * (2 * fabs(z) + r.zb) + 8 * ud * (e * e + fabs(lv) + z * z);
    return r;
}

/* The host test's inputs: mu ~ 3 N(0,1), log sigma^2 uniform on [-20, 10], eps ~ N(0,1), with
 * the ends of the range, eps 0 and +-4.5, and mu = lv = 0 (KL exactly 0) among them. */
static void unit_inputs(int i, double *mu, double *lv, double *e)
{
    *mu = 3.0 * pml_rng_normal(31, 0, (uint64_t)i);
    *lv = -20.0 + 30.0 * pml_rng_uniform(31, 1, (uint64_t)i);
    *e = pml_rng_normal(31, 2, (uint64_t)i);
    switch (i % 10) {
    case 0: *lv = -20.0; break;
    case 1: *lv = 10.0; break;
    case 2: *e = 0.0; break;
    case 3: *mu = 0.0, *lv = 0.0; break;
    case 4: *e = (i & 16) ? 4.5 : -4.5; break;
    default: break;
    }
}

Test(parity_ae, vae_unit_body_against_double)
{
    enum { NU = 400 };
    int zero_eps = 0, zero_kl = 0;
    for (int i = 0; i < NU; ++i) {
        double mu0, lv0, e0;
        unit_inputs(i, &mu0, &lv0, &e0);
        for (int f = 0; f < 2; ++f) {
            /* the float unit sees its inputs rounded to float: so does the reference */
            const double mu = f == 0 ? (double)(float)mu0 : mu0;
            const double lv = f == 0 ? (double)(float)lv0 : lv0;
            const double e = f == 0 ? (double)(float)e0 : e0;
            const double kl0 = 0.25, logw0 = -0.5; /* the unit adds to what is there */
            double kl = kl0, logw = logw0, z;
            if (f == 0) z = pml_vae_unit_f32((float)mu, (float)lv, (float)e, &kl, &logw);
            else z = pml_vae_unit_f64(mu, lv, e, &kl, &logw);
            const unit_ref r = unit_formulas(mu, lv, e, f == 0 ? FLT_EPSILON : DBL_EPSILON);
            const double slack = 4 * DBL_EPSILON * (1.0 + fabs(r.kl) + fabs(r.logw));
            cr_expect(fabs(z - r.z) <= r.zb, "%s unit %d (mu %g, lv %g, eps %g): z %.17g, formula "
                      "%.17g", f ? "f64" : "f32", i, mu, lv, e, z, r.z);
            cr_expect(fabs((kl - kl0) - r.kl) <= r.klb + slack,
                      "%s unit %d (mu %g, lv %g, eps %g): KL %.17g, formula %.17g",
                      f ? "f64" : "f32", i, mu, lv, e, kl - kl0, r.kl);
            cr_expect(fabs((logw - logw0) - r.logw) <= r.logwb + slack,
                      "%s unit %d (mu %g, lv %g, eps %g): log w %.17g, formula %.17g",
                      f ? "f64" : "f32", i, mu, lv, e, logw - logw0, r.logw);
            cr_expect(isfinite(z) && isfinite(kl) && isfinite(logw), "%s unit %d",
                      f ? "f64" : "f32", i);
            if (e == 0.0) { /* z = mu exactly: sd * 0 adds nothing */
                cr_expect(z == mu, "%s unit %d: eps 0 gives z %.17g, mu %.17g", f ? "f64" : "f32",
                          i, z, mu);
                ++zero_eps;
            }
            if (mu == 0.0 && lv == 0.0) { /* sd = 1 exactly, KL 0 exactly */
                cr_expect(kl == kl0, "%s unit %d: KL %.17g at mu = lv = 0", f ? "f64" : "f32", i,
                          kl - kl0);
                ++zero_kl;
            }
        }
    }
    cr_expect(zero_eps >= 2 * (NU / 10) && zero_kl >= 2 * (NU / 10));
}

/* ---- the reparameterisation kernel ---------------------------------------------------------- */
enum { RR = 300, DD = 7 }; /* rows beyond the CUDA total's 256 threads; odd d */
static const uint64_t REP_SEED = 0x5eedULL;
#define REP_STREAM (PML_VAE_STREAM_TRAIN | ((uint64_t)3 << 40) | 12345u)

/* Encoder outputs x (RR rows of mu, then log sigma^2), rounded to float for F32: mu ~ 1.5
 * N(0,1) with a few at +-8, log sigma^2 uniform on [-4, 2] with some at -20 and at 10. */
static void reparam_inputs(int f32, double *x)
{
    for (int r = 0; r < RR; ++r)
        for (int j = 0; j < DD; ++j) {
            const int i = r * DD + j;
            double mu = 1.5 * pml_rng_normal(41, 0, (uint64_t)i);
            double lv = -4.0 + 6.0 * pml_rng_uniform(41, 1, (uint64_t)i);
            if (i % 19 == 0) mu = (i & 1) ? 8.0 : -8.0;
            if (i % 13 == 5) lv = -20.0;
            if (i % 17 == 3) lv = 10.0;
            x[r * 2 * DD + j] = f32 ? (double)(float)mu : mu;
            x[r * 2 * DD + DD + j] = f32 ? (double)(float)lv : lv;
        }
}

typedef struct rep_out {
    double eps[RR * DD], z[RR * DD], kl_rows[RR], logw[RR];
    double kl;       /* kl[0] with kl_rows and logw_rows given */
    double kl_alone; /* kl[0] with neither (CUDA sums from its scratch) */
} rep_out;

static void run_reparam(pml_device *dev, pml_dtype dt, int sample, const double *xh, rep_out *o)
{
    const int64_t xs[2] = {RR, 2 * DD}, zs[2] = {RR, DD}, one = 1, rows = RR;
    pml_tensor *x = put(dev, dt, 2, xs, xh);
    pml_tensor *z = pml_test_tensor(dev, dt, 2, zs, NULL),
               *eps = pml_test_tensor(dev, dt, 2, zs, NULL);
    pml_tensor *kl = pml_test_tensor(dev, PML_F64, 1, &one, NULL);
    pml_tensor *klr = pml_test_tensor(dev, PML_F64, 1, &rows, NULL);
    pml_tensor *lw = pml_test_tensor(dev, PML_F64, 1, &rows, NULL);
    pml_vae_reparam_args a = {dt,
                              RR,
                              DD,
                              pml_tensor_data(x),
                              sample,
                              REP_SEED,
                              REP_STREAM,
                              pml_tensor_data(z),
                              pml_tensor_data(eps),
                              pml_tensor_data(kl),
                              pml_tensor_data(klr),
                              pml_tensor_data(lw)};
    PML_ASSERT_OK(dev->ops->vae->reparam(dev, &a));
    fetch(eps, RR * DD, o->eps);
    fetch(z, RR * DD, o->z);
    fetch(klr, RR, o->kl_rows);
    fetch(lw, RR, o->logw);
    fetch(kl, 1, &o->kl);
    a.kl_rows = NULL;
    a.logw_rows = NULL;
    PML_ASSERT_OK(dev->ops->vae->reparam(dev, &a));
    fetch(kl, 1, &o->kl_alone);
    pml_tensor *v[] = {x, z, eps, kl, klr, lw};
    for (int i = 0; i < 6; ++i) pml_tensor_destroy(v[i]);
}

/* One device's output against the formulas in double with its own eps; eps itself bit for bit
 * against want_eps (NULL: not checked). */
static void check_reparam(const char *who, pml_dtype dt, int sample, const double *xh,
                          const rep_out *o, const double *want_eps)
{
    const double u = dt == PML_F32 ? FLT_EPSILON : DBL_EPSILON;
    static double zr[RR * DD], zb[RR * DD], klr[RR], klb[RR], lwr[RR], lwb[RR];
    char what[96];
    for (int r = 0; r < RR; ++r) {
        klr[r] = klb[r] = lwr[r] = lwb[r] = 0.0;
        for (int j = 0; j < DD; ++j) {
            const int i = r * DD + j;
            const double mu = xh[r * 2 * DD + j], lv = xh[r * 2 * DD + DD + j];
            const unit_ref f = unit_formulas(mu, lv, o->eps[i], u);
            zr[i] = f.z;
            zb[i] = f.zb;
            klr[r] += f.kl;
            klb[r] += f.klb + 4 * DBL_EPSILON * fabs(klr[r]);
            lwr[r] += f.logw;
            lwb[r] += f.logwb + 4 * DBL_EPSILON * fabs(lwr[r]);
        }
    }
    snprintf(what, sizeof what, "%s %s sample %d: eps", who, pml_dtype_name(dt), sample);
    if (sample && want_eps)
        cr_expect(pml_test_close_f64(what, o->eps, want_eps, RR * DD, TOL_EXACT), "%s", what);
    if (!sample)
        for (int i = 0; i < RR * DD; ++i)
            cr_expect(o->eps[i] == 0.0 && o->z[i] == xh[(i / DD) * 2 * DD + i % DD],
                      "%s: without sampling eps[%d] = %g and z = mu", what, i, o->eps[i]);
    snprintf(what, sizeof what, "%s %s sample %d: z", who, pml_dtype_name(dt), sample);
    cr_expect(close_bounded(what, o->z, zr, zb, RR * DD), "%s", what);
    snprintf(what, sizeof what, "%s %s sample %d: KL rows", who, pml_dtype_name(dt), sample);
    cr_expect(close_bounded(what, o->kl_rows, klr, klb, RR), "%s", what);
    snprintf(what, sizeof what, "%s %s sample %d: log-weights", who, pml_dtype_name(dt), sample);
    cr_expect(close_bounded(what, o->logw, lwr, lwb, RR), "%s", what);
    double total = 0.0, mag = 0.0;
    for (int r = 0; r < RR; ++r) total += o->kl_rows[r], mag += fabs(o->kl_rows[r]);
    cr_expect(fabs(o->kl - total) <= 4 * RR * DBL_EPSILON * mag,
              "%s %s: kl[0] %.17g, the rows sum to %.17g", who, pml_dtype_name(dt), o->kl, total);
    cr_expect(o->kl_alone == o->kl, "%s %s: kl[0] %.17g without the row arrays, %.17g with",
              who, pml_dtype_name(dt), o->kl_alone, o->kl);
}

/* reparam_backward on dev for the inputs of reparam_inputs, eps and dz from host draws. */
static void reparam_backward_inputs(int f32, double *eps, double *dz)
{
    for (int i = 0; i < RR * DD; ++i) {
        const double e = pml_rng_normal(43, 0, (uint64_t)i), g = pml_rng_normal(43, 1, (uint64_t)i);
        eps[i] = f32 ? (double)(float)e : e;
        dz[i] = f32 ? (double)(float)g : g;
    }
}

static void run_reparam_backward(pml_device *dev, pml_dtype dt, double ks, const double *xh,
                                 const double *eh, const double *gh, double *dxh)
{
    const int64_t xs[2] = {RR, 2 * DD}, zs[2] = {RR, DD};
    pml_tensor *x = put(dev, dt, 2, xs, xh), *eps = put(dev, dt, 2, zs, eh),
               *dz = put(dev, dt, 2, zs, gh);
    pml_tensor *dx = pml_test_tensor(dev, dt, 2, xs, NULL);
    const pml_vae_reparam_backward_args a = {dt,
                                             RR,
                                             DD,
                                             pml_tensor_data(x),
                                             pml_tensor_data(eps),
                                             pml_tensor_data(dz),
                                             ks,
                                             pml_tensor_data(dx)};
    PML_ASSERT_OK(dev->ops->vae->reparam_backward(dev, &a));
    fetch(dx, RR * 2 * DD, dxh);
    pml_tensor *v[] = {x, eps, dz, dx};
    for (int i = 0; i < 4; ++i) pml_tensor_destroy(v[i]);
}

/* dx by the contract in double and its bounds for a float type of epsilon u:
 * dmu = g + ks mu (one rounding, or an FMA), dlv = g eps sd / 2 + ks (sd^2 - 1) / 2 (exp within
 * 2 ulp, a few roundings). ks is exactly representable (0.375 or 0). */
static void reparam_backward_formula(double ks, double u, const double *xh, const double *eh,
                                     const double *gh, double *ref, double *bound)
{
    for (int r = 0; r < RR; ++r)
        for (int j = 0; j < DD; ++j) {
            const int i = r * DD + j;
            const double mu = xh[r * 2 * DD + j], lv = xh[r * 2 * DD + DD + j];
            const double sd = exp(lv / 2), g = gh[i], e = eh[i];
            ref[r * 2 * DD + j] = g + ks * mu;
            bound[r * 2 * DD + j] = 2 * u * (fabs(g) + fabs(ks * mu));
            ref[r * 2 * DD + DD + j] = g * e * sd * 0.5 + ks * (sd * sd - 1.0) * 0.5;
            bound[r * 2 * DD + DD + j] = 10 * u * (fabs(g * e * sd) + fabs(ks) * (sd * sd + 1.0));
        }
}

/* add_kl on dev: out = {o0, o1}, kl[0] = kl, *nonfinite = flag; the results back. */
static void run_add_kl(pml_device *dev, double kl, double beta, double o0, double o1, int32_t flag,
                       double out[2], int32_t *flag_out)
{
    const int64_t one = 1, two = 2;
    const double oh[2] = {o0, o1};
    pml_tensor *k = pml_test_tensor(dev, PML_F64, 1, &one, &kl);
    pml_tensor *o = pml_test_tensor(dev, PML_F64, 1, &two, oh);
    pml_tensor *f = pml_test_tensor(dev, PML_I32, 1, &one, &flag);
    const pml_vae_add_kl_args a = {pml_tensor_data(k), beta, pml_tensor_data(o),
                                   pml_tensor_data(f)};
    PML_ASSERT_OK(dev->ops->vae->add_kl(dev, &a));
    PML_ASSERT_OK(pml_tensor_download(o, out, 2 * sizeof(double)));
    PML_ASSERT_OK(pml_tensor_download(f, flag_out, sizeof *flag_out));
    pml_tensor_destroy(k);
    pml_tensor_destroy(o);
    pml_tensor_destroy(f);
}

/* The add_kl cases: {kl, beta, out[0], out[1], flag in}; products exact in double except the
 * last (an FMA on the device may round it once instead of twice). */
static const struct {
    double kl, beta, o0, o1;
    int32_t flag;
} add_kl_cases[] = {
    {1.5, 0.75, 3.25, 99.0, 0}, {0.0, 1.0, -2.0, 7.0, 0},  {1.5, 0.75, 3.25, 99.0, 1},
    {INFINITY, 1.0, 1.0, 0.0, 0}, {NAN, 0.5, 1.0, 0.0, 0}, {INFINITY, 0.0, 1.0, 0.0, 0},
    {1.0 / 3.0, 0.1, 2.0 / 7.0, 0.0, 0},
};
enum { N_ADD_KL = sizeof add_kl_cases / sizeof add_kl_cases[0] };

/* The CPU kernels (the reference) against the contract's formulas: reparam with and without
 * sampling in F32 and F64, its eps the Philox normals r*d + j of (seed, stream) bit for bit;
 * reparam_backward; add_kl with its sticky non-finite flag. */
Test(parity_ae, cpu_vae_kernels_against_the_formulas)
{
    pml_device *cpu = pml_test_open_cpu();
    static double xh[RR * 2 * DD], want[RR * DD], eh[RR * DD], gh[RR * DD], dx[RR * 2 * DD],
        ref[RR * 2 * DD], bound[RR * 2 * DD];
    static rep_out o;
    for (int d = 0; d < 2; ++d) {
        const pml_dtype dt = d ? PML_F64 : PML_F32;
        reparam_inputs(dt == PML_F32, xh);
        for (int i = 0; i < RR * DD; ++i)
            want[i] = pml_philox_normal(REP_SEED, REP_STREAM, (uint64_t)i);
        for (int sample = 1; sample >= 0; --sample) {
            run_reparam(cpu, dt, sample, xh, &o);
            check_reparam("cpu", dt, sample, xh, &o, want);
        }
        reparam_backward_inputs(dt == PML_F32, eh, gh);
        for (int k = 0; k < 2; ++k) {
            const double ks = k ? 0.0 : 0.375;
            run_reparam_backward(cpu, dt, ks, xh, eh, gh, dx);
            reparam_backward_formula(ks, dt == PML_F32 ? FLT_EPSILON : DBL_EPSILON, xh, eh, gh,
                                     ref, bound);
            char what[64];
            snprintf(what, sizeof what, "cpu %s reparam_backward, kl_scale %g", pml_dtype_name(dt),
                     ks);
            cr_expect(close_bounded(what, dx, ref, bound, RR * 2 * DD), "%s", what);
        }
    }
    for (int c = 0; c < N_ADD_KL; ++c) {
        double out[2];
        int32_t flag = -1;
        run_add_kl(cpu, add_kl_cases[c].kl, add_kl_cases[c].beta, add_kl_cases[c].o0,
                   add_kl_cases[c].o1, add_kl_cases[c].flag, out, &flag);
        const double want0 = add_kl_cases[c].o0 + add_kl_cases[c].beta * add_kl_cases[c].kl;
        /* the last case's product is inexact: a contracted multiply-add may round once */
        const double slack = c == N_ADD_KL - 1 ? 2 * DBL_EPSILON * fabs(want0) : 0.0;
        cr_expect(out[0] == want0 || fabs(out[0] - want0) <= slack ||
                      (isnan(out[0]) && isnan(want0)),
                  "case %d: out[0] %.17g, want %.17g", c, out[0], want0);
        cr_expect(memcmp(&out[1], &add_kl_cases[c].kl, sizeof(double)) == 0 ||
                      (isnan(out[1]) && isnan(add_kl_cases[c].kl)),
                  "case %d: out[1] %.17g is not the KL %.17g", c, out[1], add_kl_cases[c].kl);
        const int32_t want_flag = isfinite(want0) ? add_kl_cases[c].flag : 1;
        cr_expect_eq(flag, want_flag, "case %d: the non-finite flag is %d, want %d", c, flag,
                     want_flag);
    }
    pml_device_close(cpu);
}

Test(parity_ae, cuda_reparam_against_cpu)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    static double xh[RR * 2 * DD], want[RR * DD], zb[RR * DD], lwb[RR];
    static rep_out g, c;
    const int64_t n = RR * DD;
    for (int d = 0; d < 2; ++d) {
        const pml_dtype dt = d ? PML_F64 : PML_F32;
        reparam_inputs(dt == PML_F32, xh);
        /* the GPU's draws of the same (seed, stream), through its own normal generator */
        pml_tensor *t = pml_test_tensor(gpu, PML_F32, 1, &n, NULL);
        PML_ASSERT_OK(pml_rand_normal(t, REP_SEED, REP_STREAM, 0, 0.0f, 1.0f));
        fetch(t, n, want);
        pml_tensor_destroy(t);
        for (int sample = 1; sample >= 0; --sample) {
            run_reparam(gpu, dt, sample, xh, &g);
            run_reparam(cpu, dt, sample, xh, &c);
            check_reparam("cuda", dt, sample, xh, &g, want);
            char what[96];
            snprintf(what, sizeof what, "cuda vs cpu %s sample %d: eps", pml_dtype_name(dt),
                     sample);
            cr_expect(pml_test_close_f64(what, g.eps, c.eps, RR * DD, PML_TOL_NORMAL), "%s", what);
            /* z and log w carry the draws' difference |de| <= atol + rtol |e| (PML_TOL_NORMAL) */
            const double u = dt == PML_F32 ? FLT_EPSILON : DBL_EPSILON;
            for (int r = 0; r < RR; ++r) {
                lwb[r] = 0.0;
                for (int j = 0; j < DD; ++j) {
                    const int i = r * DD + j;
                    const double mu = xh[r * 2 * DD + j], lv = xh[r * 2 * DD + DD + j];
                    const double e = c.eps[i], sd = exp(lv / 2);
                    const double de = PML_TOL_NORMAL.atol + PML_TOL_NORMAL.rtol * fabs(e);
                    const unit_ref f = unit_formulas(mu, lv, e, u);
                    zb[i] = sd * de + 2 * f.zb;
                    lwb[r] += 0.5 * de * (2 * fabs(e) + de) +
                              0.5 * zb[i] * (2 * fabs(c.z[i]) + zb[i]) + 2 * f.logwb +
                              8 * DBL_EPSILON * (e * e + fabs(lv) + c.z[i] * c.z[i]);
                }
            }
            snprintf(what, sizeof what, "cuda vs cpu %s sample %d: z", pml_dtype_name(dt), sample);
            cr_expect(close_bounded(what, g.z, c.z, zb, RR * DD), "%s", what);
            snprintf(what, sizeof what, "cuda vs cpu %s sample %d: log-weights", pml_dtype_name(dt),
                     sample);
            cr_expect(close_bounded(what, g.logw, c.logw, lwb, RR), "%s", what);
            /* the KL does not depend on eps */
            const pml_tol tk = dt == PML_F32 ? PML_TOL_LAYER_F32 : TOL_F64;
            snprintf(what, sizeof what, "cuda vs cpu %s sample %d: KL rows", pml_dtype_name(dt),
                     sample);
            cr_expect(pml_test_close_f64(what, g.kl_rows, c.kl_rows, RR, tk), "%s", what);
            snprintf(what, sizeof what, "cuda vs cpu %s sample %d: KL", pml_dtype_name(dt), sample);
            cr_expect(pml_test_close_f64(what, &g.kl, &c.kl, 1, tk), "%s", what);
        }
    }
    pml_device_close(cpu);
    pml_device_close(gpu);
}

/* reparam_backward on identical inputs (eps uploaded, not drawn): both devices within the
 * formula's bounds, so within twice them of each other; add_kl bit for bit where the product
 * is exact, within an ulp where an FMA may round once. */
Test(parity_ae, cuda_reparam_backward_and_add_kl_against_cpu)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    static double xh[RR * 2 * DD], eh[RR * DD], gh[RR * DD], dg[RR * 2 * DD], dc[RR * 2 * DD],
        ref[RR * 2 * DD], bound[RR * 2 * DD];
    for (int d = 0; d < 2; ++d) {
        const pml_dtype dt = d ? PML_F64 : PML_F32;
        reparam_inputs(dt == PML_F32, xh);
        reparam_backward_inputs(dt == PML_F32, eh, gh);
        for (int k = 0; k < 2; ++k) {
            const double ks = k ? 0.0 : 0.375;
            run_reparam_backward(gpu, dt, ks, xh, eh, gh, dg);
            run_reparam_backward(cpu, dt, ks, xh, eh, gh, dc);
            reparam_backward_formula(ks, dt == PML_F32 ? FLT_EPSILON : DBL_EPSILON, xh, eh, gh,
                                     ref, bound);
            char what[80];
            snprintf(what, sizeof what, "cuda %s reparam_backward, kl_scale %g", pml_dtype_name(dt),
                     ks);
            cr_expect(close_bounded(what, dg, ref, bound, RR * 2 * DD), "%s", what);
            for (int i = 0; i < RR * 2 * DD; ++i) bound[i] *= 2;
            snprintf(what, sizeof what, "cuda vs cpu %s reparam_backward, kl_scale %g",
                     pml_dtype_name(dt), ks);
            cr_expect(close_bounded(what, dg, dc, bound, RR * 2 * DD), "%s", what);
        }
    }
    for (int c = 0; c < N_ADD_KL; ++c) {
        double og[2], oc[2];
        int32_t fg = -1, fc = -2;
        run_add_kl(gpu, add_kl_cases[c].kl, add_kl_cases[c].beta, add_kl_cases[c].o0,
                   add_kl_cases[c].o1, add_kl_cases[c].flag, og, &fg);
        run_add_kl(cpu, add_kl_cases[c].kl, add_kl_cases[c].beta, add_kl_cases[c].o0,
                   add_kl_cases[c].o1, add_kl_cases[c].flag, oc, &fc);
        if (c < N_ADD_KL - 1) {
            cr_expect(pml_test_close_f64("add_kl totals", og, oc, 2, TOL_EXACT), "case %d", c);
        } else {
            const pml_tol ulp = {"ulp", 0.0, 2 * DBL_EPSILON, "an FMA rounds once"};
            cr_expect(pml_test_close_f64("add_kl totals", og, oc, 2, ulp), "case %d", c);
        }
        cr_expect_eq(fg, fc, "case %d: the non-finite flag, cuda %d, cpu %d", c, fg, fc);
    }
    pml_device_close(cpu);
    pml_device_close(gpu);
}

/* ---- the loss kernel: Bernoulli on logits, Gaussian rows (row_scale, row_offset, row_out) --- */
enum { LR = 300, LC = 12 };

typedef struct loss_case {
    pml_loss_kind kind;
    double row_scale, row_offset;
    int rows_out;
} loss_case;

/* A Gaussian decoder of sigma 0.5 as pml_ae_loss_args sets it up (row_scale 1/s^2, the
 * normaliser as row_offset), the same on logits, and both kinds with row_scale 0 (1). */
static const loss_case loss_cases[] = {
    {PML_LOSS_MSE_HALF, 4.0, 0.5 * LC * (1.8378770664093454836 + -1.3862943611198906), 1},
    {PML_LOSS_MSE_HALF, 0.0, 0.0, 1},
    {PML_LOSS_MSE, 0.0, 2.5, 1},
    {PML_LOSS_BCE_LOGITS, 0.0, 0.0, 1},
    {PML_LOSS_BCE_LOGITS, 0.5, -1.25, 1},
    {PML_LOSS_BCE_LOGITS, 0.5, -1.25, 0},
};
enum { N_LOSS = sizeof loss_cases / sizeof loss_cases[0] };

typedef struct loss_out {
    double dy[LR * LC], rows[LR], out[2];
} loss_out;

/* logits ~ 3 N(0,1) with some at +-30 and +-100 (the stable form must stay finite); targets in
 * [0, 1] */
static void loss_inputs(int f32, double *y, double *t)
{
    for (int i = 0; i < LR * LC; ++i) {
        double v = 3.0 * pml_rng_normal(47, 0, (uint64_t)i),
               w = pml_rng_uniform(47, 1, (uint64_t)i);
        if (i % 97 == 1) v = (i & 2) ? 30.0 : -30.0;
        if (i % 89 == 2) v = (i & 2) ? 100.0 : -100.0;
        if (i % 7 == 0) w = (i & 8) ? 1.0 : 0.0;
        y[i] = f32 ? (double)(float)v : v;
        t[i] = f32 ? (double)(float)w : w;
    }
}

static void run_loss(pml_device *dev, pml_dtype dt, const loss_case *lc, const double *yh,
                     const double *th, loss_out *o)
{
    const int64_t ys[2] = {LR, LC}, two = 2, rows = LR;
    pml_tensor *y = put(dev, dt, 2, ys, yh), *t = put(dev, dt, 2, ys, th);
    pml_tensor *dy = pml_test_tensor(dev, dt, 2, ys, NULL);
    pml_tensor *out = pml_test_tensor(dev, PML_F64, 1, &two, NULL);
    pml_tensor *ro = pml_test_tensor(dev, PML_F64, 1, &rows, NULL);
    pml_nn_loss_args a;
    memset(&a, 0, sizeof a);
    a.dtype = dt;
    a.kind = lc->kind;
    a.rows = LR;
    a.cols = LC;
    a.y = pml_tensor_data(y);
    a.targets = pml_tensor_data(t);
    a.grad_scale = 0.37;
    a.dy = pml_tensor_data(dy);
    a.out = pml_tensor_data(out);
    a.row_scale = lc->row_scale;
    a.row_offset = lc->row_offset;
    a.row_out = lc->rows_out ? pml_tensor_data(ro) : NULL;
    PML_ASSERT_OK(dev->ops->nn->loss(dev, &a));
    fetch(dy, LR * LC, o->dy);
    fetch(out, 2, o->out);
    if (lc->rows_out) fetch(ro, LR, o->rows);
    pml_tensor *v[] = {y, t, dy, out, ro};
    for (int i = 0; i < 5; ++i) pml_tensor_destroy(v[i]);
}

/* The CPU loss kernel's rows against the contract in double: row_scale * loss + row_offset
 * (row_scale 0 meaning 1), the gradient grad_scale's alone, out[0] the rows' sum, out[1] 0
 * without labels. */
Test(parity_ae, cpu_loss_rows_against_the_formulas)
{
    pml_device *cpu = pml_test_open_cpu();
    static double yh[LR * LC], th[LR * LC], dref[LR * LC], dbound[LR * LC], rref[LR], rbound[LR];
    static loss_out o;
    for (int d = 0; d < 2; ++d) {
        const pml_dtype dt = d ? PML_F64 : PML_F32;
        const double u = d ? DBL_EPSILON : FLT_EPSILON;
        loss_inputs(!d, yh, th);
        for (int k = 0; k < N_LOSS; ++k) {
            const loss_case *lc = &loss_cases[k];
            run_loss(cpu, dt, lc, yh, th, &o);
            const double scale = lc->row_scale == 0.0 ? 1.0 : lc->row_scale;
            double sum = 0.0;
            for (int r = 0; r < LR; ++r) {
                double row = 0.0, mag = 0.0;
                for (int j = 0; j < LC; ++j) {
                    const int i = r * LC + j;
                    const double z = yh[i], t = th[i];
                    if (lc->kind == PML_LOSS_BCE_LOGITS) {
                        const double l = fmax(z, 0.0) - z * t + log1p(exp(-fabs(z)));
                        row += l;
                        mag += fabs(z) + 1.0;
                        dref[i] = 0.37 * (1.0 / (1.0 + exp(-z)) - t);
                        dbound[i] = 8 * u * (0.37 * (1.0 + fabs(t)));
                    } else {
                        const double c = lc->kind == PML_LOSS_MSE ? 1.0 / LC : 0.5;
                        row += c * (z - t) * (z - t);
                        mag += c * (z - t) * (z - t);
                        dref[i] = 0.37 * 2.0 * c * (z - t);
                        dbound[i] = 4 * u * fabs(dref[i]);
                    }
                }
                rref[r] = scale * row + lc->row_offset;
                rbound[r] = 8 * LC * u * scale * mag + 8 * DBL_EPSILON * fabs(lc->row_offset);
                sum += rref[r];
            }
            char what[96];
            snprintf(what, sizeof what, "cpu %s %s scale %g offset %g: dy", pml_dtype_name(dt),
                     pml_loss_name(lc->kind), lc->row_scale, lc->row_offset);
            cr_expect(close_bounded(what, o.dy, dref, dbound, LR * LC), "%s", what);
            double rsum = 0.0, rmag = 0.0;
            for (int r = 0; r < LR; ++r) rmag += rbound[r];
            if (lc->rows_out) {
                snprintf(what, sizeof what, "cpu %s %s scale %g offset %g: rows",
                         pml_dtype_name(dt), pml_loss_name(lc->kind), lc->row_scale,
                         lc->row_offset);
                cr_expect(close_bounded(what, o.rows, rref, rbound, LR), "%s", what);
                for (int r = 0; r < LR; ++r) rsum += o.rows[r];
                cr_expect(o.out[0] == rsum, "%s: out[0] %.17g is not the rows' sum %.17g", what,
                          o.out[0], rsum);
            }
            cr_expect(fabs(o.out[0] - sum) <= rmag + 1e-9 * fabs(sum), "cpu %s %s: out[0] %.17g, "
                      "formula %.17g", pml_dtype_name(dt), pml_loss_name(lc->kind), o.out[0], sum);
            cr_expect(o.out[1] == 0.0, "no labels, no hits: out[1] %g", o.out[1]);
        }
    }
    pml_device_close(cpu);
}

/* The CPU's fast cross-entropy on logits (nn_loss_fast.c, the table's kernel) against its
 * reference (nn_loss.c) on the widths a vector loop can get wrong (1, a remainder, a decoder's
 * 784), logits across and past the float exponent's range, infinities and NaNs, with and
 * without gradient and rows: gradients within 4e-7 of grad_scale absolutely (the exponential's
 * and the division's rounding), rows within 1e-6 relative plus 1e-6 per element, NaN where the
 * reference has NaN, and out[] computed from the rows as the reference computes it. */
Test(parity_ae, cpu_fast_bce_logits_against_reference)
{
    pml_device *cpu = pml_test_open_cpu();
    const int64_t widths[] = {1, 7, 19, 784};
    enum { ROWS = 33, MAXW = 784 };
    static float y[ROWS * MAXW], t[ROWS * MAXW], d_fast[ROWS * MAXW], d_ref[ROWS * MAXW];
    static double r_fast[ROWS], r_ref[ROWS];
    const float special[] = {0.0f, -0.0f, 87.0f, -87.0f, 87.5f, -87.5f, 88.8f, -104.0f, 200.0f,
                             -1e30f, 1e30f, INFINITY, -INFINITY, NAN, 1e-30f, -1e-8f};
    const int nspecial = (int)(sizeof special / sizeof special[0]);
    for (size_t ws = 0; ws < 2 * sizeof widths / sizeof widths[0]; ++ws) {
        const size_t w = ws / 2;
        const int64_t cols = widths[w], n = ROWS * cols;
        for (int64_t i = 0; i < n; ++i) {
            y[i] = (float)(6.0 * pml_rng_normal(53, (uint64_t)w, (uint64_t)i));
            t[i] = (float)pml_rng_uniform(53, 10 + (uint64_t)w, (uint64_t)i);
            if (i % 5 == 3) t[i] = (float)(i & 1);
        }
        /* every other pass: the special logits in rows 0-2, so the other rows stay finite */
        for (int k = 0; ws % 2 && k < nspecial && k < n; ++k) y[(k * 7) % (3 * cols < n ? 3 * cols : n)] = special[k];
        for (int mode = 0; mode < 3; ++mode) { /* 0: all, 1: no dy, 2: no rows */
            pml_nn_loss_args a;
            memset(&a, 0, sizeof a);
            a.dtype = PML_F32;
            a.kind = PML_LOSS_BCE_LOGITS;
            a.rows = ROWS;
            a.cols = cols;
            a.y = y;
            a.targets = t;
            a.grad_scale = 0.37;
            a.row_scale = mode == 2 ? 0.0 : 0.5;
            a.row_offset = mode == 2 ? 0.0 : -1.25;
            double out_fast[2] = {-1, -1}, out_ref[2] = {-1, -1};
            int nf_fast = 0, nf_ref = 0;
            pml_nn_loss_args b = a;
            a.dy = mode == 1 ? NULL : d_fast;
            a.row_out = mode == 2 ? NULL : r_fast;
            a.out = out_fast;
            a.nonfinite = &nf_fast;
            b.dy = mode == 1 ? NULL : d_ref;
            b.row_out = mode == 2 ? NULL : r_ref;
            b.out = out_ref;
            b.nonfinite = &nf_ref;
            PML_ASSERT_OK(pml_cpu_nn_loss(cpu, &a));
            PML_ASSERT_OK(pml_cpu_nn_loss_ref(cpu, &b));
            cr_expect_eq(nf_fast, nf_ref, "width %lld mode %d: nonfinite %d, reference %d",
                         (long long)cols, mode, nf_fast, nf_ref);
            cr_expect(out_fast[1] == 0.0 && out_ref[1] == 0.0);
            int bad = 0;
            if (mode != 1)
                for (int64_t i = 0; i < n && bad < 5; ++i) {
                    const int same = isnan(d_ref[i]) ? isnan(d_fast[i])
                                                     : fabsf(d_fast[i] - d_ref[i]) <= 4e-7f * 0.37f;
                    if (!same) {
                        cr_expect(0, "width %lld: dy[%lld] %.9g, reference %.9g (z %.9g t %.9g)",
                                  (long long)cols, (long long)i, (double)d_fast[i],
                                  (double)d_ref[i], (double)y[i], (double)t[i]);
                        bad++;
                    }
                }
            if (mode != 2)
                for (int64_t r = 0; r < ROWS; ++r) {
                    const int same = isnan(r_ref[r]) ? isnan(r_fast[r])
                                                     : fabs(r_fast[r] - r_ref[r]) <=
                                                           1e-6 * fabs(r_ref[r]) + 1e-6 * (double)cols;
                    cr_expect(same, "width %lld: row %lld %.17g, reference %.17g", (long long)cols,
                              (long long)r, r_fast[r], r_ref[r]);
                }
            cr_expect(isnan(out_ref[0]) ? isnan(out_fast[0])
                                        : fabs(out_fast[0] - out_ref[0]) <=
                                              1e-6 * fabs(out_ref[0]) + 1e-6 * (double)n,
                      "width %lld mode %d: out[0] %.17g, reference %.17g", (long long)cols, mode,
                      out_fast[0], out_ref[0]);
        }
    }
    pml_device_close(cpu);
}

Test(parity_ae, cuda_loss_rows_against_cpu)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    static double yh[LR * LC], th[LR * LC];
    static loss_out g, c;
    for (int d = 0; d < 2; ++d) {
        const pml_dtype dt = d ? PML_F64 : PML_F32;
        const pml_tol tol = d ? TOL_F64 : PML_TOL_LAYER_F32;
        loss_inputs(!d, yh, th);
        for (int k = 0; k < N_LOSS; ++k) {
            const loss_case *lc = &loss_cases[k];
            run_loss(gpu, dt, lc, yh, th, &g);
            run_loss(cpu, dt, lc, yh, th, &c);
            char what[96];
            snprintf(what, sizeof what, "cuda vs cpu %s %s scale %g offset %g: dy",
                     pml_dtype_name(dt), pml_loss_name(lc->kind), lc->row_scale, lc->row_offset);
            cr_expect(pml_test_close_f64(what, g.dy, c.dy, LR * LC, tol), "%s", what);
            if (lc->rows_out) {
                snprintf(what, sizeof what, "cuda vs cpu %s %s scale %g offset %g: rows",
                         pml_dtype_name(dt), pml_loss_name(lc->kind), lc->row_scale,
                         lc->row_offset);
                cr_expect(pml_test_close_f64(what, g.rows, c.rows, LR, tol), "%s", what);
            }
            snprintf(what, sizeof what, "cuda vs cpu %s %s scale %g offset %g: totals",
                     pml_dtype_name(dt), pml_loss_name(lc->kind), lc->row_scale, lc->row_offset);
            cr_expect(pml_test_close_f64(what, g.out, c.out, 2, tol), "%s", what);
        }
    }
    pml_device_close(cpu);
    pml_device_close(gpu);
}

/* ---- a small VAE: forward, backward, figures ------------------------------------------------ */
enum { AB = 24, AF = 16, ACODE = 8, ALAT = 4, AMAX = 32, NPAR = 1496, NEVAL = 64 };

static pml_autoencoder *make_vae(pml_device *dev, pml_loss_kind loss)
{
    pml_ae_config c = pml_ae_defaults();
    c.encoder = "dense:32,relu,dense:8";
    c.decoder = "dense:32,relu,dense:16";
    c.vae = 1;
    c.loss = loss;
    c.beta = 0.8;
    c.sigma = 0.5;
    pml_autoencoder *ae = NULL;
    PML_ASSERT_OK(pml_ae_create(dev, 1, (const int64_t[]){AF}, AMAX, &c, 7, &ae));
    cr_assert_eq(pml_model_param_count(pml_ae_model(ae)), NPAR);
    return ae;
}

/* Every parameter (grad 0) or gradient (grad 1) of the model, in order, as doubles. */
static void all_params(pml_model *m, int grad, double *out)
{
    int64_t at = 0;
    for (int i = 0; i < pml_model_num_param_tensors(m); ++i) {
        pml_tensor *p = NULL, *g = NULL;
        PML_ASSERT_OK(pml_model_param_tensor(m, i, NULL, &p, &g));
        const int64_t n = pml_tensor_numel(p);
        cr_assert(at + n <= NPAR);
        fetch(grad ? g : p, n, out + at);
        at += n;
    }
    cr_assert_eq(at, NPAR);
}

typedef struct ae_pass {
    double weights[NPAR];      /* as pml_ae_create drew them on the device */
    double recon[AB * AF];     /* pml_ae_reconstruct */
    double code[AB * ACODE];   /* pml_ae_encode: mu, log sigma^2 */
    double dec[AB * AF];       /* pml_ae_decode of mu */
    double eps[AB * ALAT];     /* the training forward's draws */
    double y[AB * AF];         /* its output */
    double totals[2], kl;      /* the step's totals (recon + beta KL, KL) and the layer's KL */
    double dx[AB * AF];        /* dL/dx */
    double grads[NPAR];        /* dL/dtheta */
    double scores[NEVAL];      /* pml_ae_scores */
    double fig[4];             /* pml_vae_evaluate: elbo, recon, kl, iwae (k = 4) */
} ae_pass;

/* The VAE on dev with the parameters of `init` (a CPU VAE of the same seed): everything of
 * ae_pass on AB rows of inputs in [0, 1]. The training step is the VAE step's (step_vae.c):
 * mean reduction, kl_scale beta / rows, the loss kernel with pml_ae_loss_args, add_kl, backward. */
static void ae_pass_on(pml_device *dev, pml_loss_kind loss, pml_autoencoder *init, ae_pass *p)
{
    pml_autoencoder *ae = make_vae(dev, loss);
    pml_model *m = pml_ae_model(ae);
    all_params(m, 0, p->weights);
    PML_ASSERT_OK(pml_model_copy_params(m, pml_ae_model(init)));
    PML_ASSERT_OK(pml_model_keep_input_grad(m, 1));
    static double xh[AB * AF], zh[AB * ALAT];
    for (int i = 0; i < AB * AF; ++i) xh[i] = pml_rng_uniform(53, 0, (uint64_t)i);
    pml_tensor *x = put(dev, PML_F32, 2, (const int64_t[]){AB, AF}, xh);
    const pml_tensor *y = NULL;
    PML_ASSERT_OK(pml_ae_reconstruct(ae, x, AB, &y));
    fetch(y, AB * AF, p->recon);
    PML_ASSERT_OK(pml_ae_encode(ae, x, AB, &y));
    cr_assert_eq(pml_ae_code_width(ae), ACODE);
    fetch(y, AB * ACODE, p->code);
    for (int r = 0; r < AB; ++r)
        for (int j = 0; j < ALAT; ++j) zh[r * ALAT + j] = p->code[r * ACODE + j];
    pml_tensor *z = put(dev, PML_F32, 2, (const int64_t[]){AB, ALAT}, zh);
    PML_ASSERT_OK(pml_ae_decode(ae, z, AB, &y));
    fetch(y, AB * AF, p->dec);

    /* one training step's forward and backward */
    pml_gauss_layer *g = pml_gauss_find(m, NULL);
    cr_assert(g != NULL);
    const double beta = pml_ae_config_of(ae)->beta, gs = 1.0 / AB;
    g->kl_scale = beta * gs;
    PML_ASSERT_OK(pml_model_forward_train(m, x, AB, 11, 5, &y));
    fetch(y, AB * AF, p->y);
    fetch(g->eps, AB * ALAT, p->eps);
    fetch(g->kl, 1, &p->kl);
    pml_tensor *dy = pml_test_tensor(dev, PML_F32, 2, (const int64_t[]){AB, AF}, NULL);
    pml_tensor *tot = pml_test_tensor(dev, PML_F64, 1, (const int64_t[]){2}, NULL);
    pml_nn_loss_args a = pml_ae_loss_args(ae, AB, pml_tensor_data_const(y),
                                          pml_tensor_data(x), gs);
    a.dy = pml_tensor_data(dy);
    a.out = pml_tensor_data(tot);
    PML_ASSERT_OK(dev->ops->nn->loss(dev, &a));
    const pml_vae_add_kl_args k = {pml_tensor_data(g->kl), beta, pml_tensor_data(tot), NULL};
    PML_ASSERT_OK(dev->ops->vae->add_kl(dev, &k));
    PML_ASSERT_OK(pml_model_backward(m, dy, AB));
    fetch(tot, 2, p->totals);
    fetch(pml_model_input_grad(m), AB * AF, p->dx);
    all_params(m, 1, p->grads);

    /* evaluation figures over a toy dataset (two batches of max_batch) */
    pml_dataset *ds = pml_test_toy_dataset(dev, NEVAL, 9);
    PML_ASSERT_OK(pml_ae_scores(ae, ds, PML_SCALE_UNIT, p->scores, NULL));
    pml_vae_figures fig;
    PML_ASSERT_OK(pml_vae_evaluate(ae, ds, PML_SCALE_UNIT, 4, 5, &fig));
    p->fig[0] = fig.elbo, p->fig[1] = fig.recon, p->fig[2] = fig.kl, p->fig[3] = fig.iwae;
    pml_dataset_destroy(ds);
    pml_tensor_destroy(tot);
    pml_tensor_destroy(dy);
    pml_tensor_destroy(z);
    pml_tensor_destroy(x);
    pml_ae_destroy(ae);
}

Test(parity_ae, cuda_vae_forward_and_backward_against_cpu)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    static ae_pass g, c;
    const pml_loss_kind losses[2] = {PML_LOSS_BCE_LOGITS, PML_LOSS_MSE};
    for (int l = 0; l < 2; ++l) {
        pml_autoencoder *init = make_vae(cpu, losses[l]);
        ae_pass_on(gpu, losses[l], init, &g);
        ae_pass_on(cpu, losses[l], init, &c);
        const char *ln = pml_loss_name(losses[l]);
        /* the same seed draws the same weights, up to the normal draws' ulps */
        cr_expect(pml_test_close_f64("initial weights", g.weights, c.weights, NPAR, PML_TOL_NORMAL),
                  "%s", ln);
        cr_expect(
            pml_test_close_f64("reconstruction", g.recon, c.recon, AB * AF, PML_TOL_LAYER_F32),
            "%s", ln);
        cr_expect(pml_test_close_f64("codes", g.code, c.code, AB * ACODE, PML_TOL_LAYER_F32), "%s",
                  ln);
        cr_expect(pml_test_close_f64("decoded mu", g.dec, c.dec, AB * AF, PML_TOL_LAYER_F32), "%s",
                  ln);
        cr_expect(pml_test_close_f64("training eps", g.eps, c.eps, AB * ALAT, PML_TOL_NORMAL), "%s",
                  ln);
        cr_expect(pml_test_close_f64("training output", g.y, c.y, AB * AF, PML_TOL_LAYER_F32), "%s",
                  ln);
        cr_expect(pml_test_close_f64("layer KL", &g.kl, &c.kl, 1, PML_TOL_LAYER_F32), "%s", ln);
        cr_expect(pml_test_close_f64("step totals", g.totals, c.totals, 2, PML_TOL_LAYER_F32), "%s",
                  ln);
        cr_expect(pml_test_close_f64("dL/dx", g.dx, c.dx, AB * AF, PML_TOL_LAYER_GRAD_F32), "%s",
                  ln);
        cr_expect(pml_test_close_f64("parameter gradients", g.grads, c.grads, NPAR,
                                     PML_TOL_LAYER_GRAD_F32),
                  "%s", ln);
        cr_expect(
            pml_test_close_f64("anomaly scores", g.scores, c.scores, NEVAL, PML_TOL_LAYER_F32),
            "%s", ln);
        cr_expect(pml_test_close_f64("ELBO, recon, KL, IWAE", g.fig, c.fig, 4, PML_TOL_LAYER_F32),
                  "%s", ln);
        pml_ae_destroy(init);
    }
    pml_device_close(cpu);
    pml_device_close(gpu);
}

/* ---- 100 steps of VAE training --------------------------------------------------------------- */
enum { CURVE_N = 320, CURVE_BATCH = 32, CURVE_EPOCHS = 10 }; /* 10 steps an epoch: 100 steps */

typedef struct curve_out {
    double loss[CURVE_EPOCHS], kl[CURVE_EPOCHS], params[NPAR];
    int epochs;
} curve_out;

/* The Bernoulli VAE on dev from the CPU's initial weights, Adam at 1e-2, batches of 32 of the
 * 4x4 toy images visited in the order the seed shuffles (the same on every backend). */
static void vae_curve(pml_device *dev, curve_out *o)
{
    pml_device *cpu = pml_test_open_cpu();
    pml_autoencoder *init = make_vae(cpu, PML_LOSS_BCE_LOGITS),
                    *ae = make_vae(dev, PML_LOSS_BCE_LOGITS);
    PML_ASSERT_OK(pml_model_copy_params(pml_ae_model(ae), pml_ae_model(init)));
    pml_dataset *ds = pml_test_toy_dataset(dev, CURVE_N, 3);
    pml_optimizer *opt = NULL;
    pml_optim_config oc = pml_optim_defaults(PML_OPTIM_ADAM);
    oc.lr = 1e-2;
    PML_ASSERT_OK(pml_optimizer_create(dev, &oc, &opt));
    pml_train_config tc = pml_train_defaults();
    tc.epochs = CURVE_EPOCHS;
    tc.batch = CURVE_BATCH;
    tc.seed = 5;
    pml_train_result r;
    PML_ASSERT_OK(pml_ae_train(ae, opt, ds, NULL, &tc, &r));
    o->epochs = r.epochs_run;
    cr_assert_eq(r.epochs_run, CURVE_EPOCHS);
    cr_assert_eq(r.samples, (int64_t)CURVE_N * CURVE_EPOCHS);
    for (int e = 0; e < r.epochs_run; ++e) {
        o->loss[e] = r.history[e].train_loss;
        o->kl[e] = r.history[e].train_kl;
    }
    all_params(pml_ae_model(ae), 0, o->params);
    pml_train_result_free(&r);
    pml_optimizer_destroy(opt);
    pml_dataset_destroy(ds);
    pml_ae_destroy(ae);
    pml_ae_destroy(init);
    pml_device_close(cpu);
}

Test(parity_ae, cuda_vae_training_curve_against_cpu)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    static curve_out g, c;
    vae_curve(gpu, &g);
    vae_curve(cpu, &c);
    cr_expect(pml_test_close_f64("VAE loss curve", g.loss, c.loss, CURVE_EPOCHS, PML_TOL_TRAINING));
    cr_expect(pml_test_close_f64("VAE KL curve", g.kl, c.kl, CURVE_EPOCHS, PML_TOL_TRAINING));
    cr_expect(pml_test_close_f64("parameters after 100 steps", g.params, c.params, NPAR,
                                 TOL_AE_PARAMS));
    pml_device_close(cpu);
    pml_device_close(gpu);
}

Test(parity_ae, cpu_vae_training_curve_reproducible_and_falling)
{
    pml_device *cpu = pml_test_open_cpu();
    static curve_out a, b;
    vae_curve(cpu, &a);
    vae_curve(cpu, &b);
    cr_expect(pml_test_equal_bytes("loss curve", a.loss, b.loss, CURVE_EPOCHS, 8));
    cr_expect(pml_test_equal_bytes("KL curve", a.kl, b.kl, CURVE_EPOCHS, 8));
    cr_expect(pml_test_equal_bytes("parameters", a.params, b.params, NPAR, 8));
    cr_expect(a.loss[CURVE_EPOCHS - 1] < a.loss[0] - 0.5, "the loss falls: %g -> %g", a.loss[0],
              a.loss[CURVE_EPOCHS - 1]);
    for (int e = 0; e < CURVE_EPOCHS; ++e)
        cr_expect(isfinite(a.kl[e]) && a.kl[e] > 0.0, "epoch %d: KL %g", e, a.kl[e]);
    pml_device_close(cpu);
}

/* ---- the corruption rule of the data batches ------------------------------------------------ */

/* pml_data_corrupt as data_ops.h states it: u < mask_t gives lo; else u - mask_t < sp_t gives
 * hi for odd u and lo for even u; else v. */
Test(parity_ae, corruption_rule)
{
    const float v = 0.625f, lo = -0.25f, hi = 2.5f;
    const uint32_t U = UINT32_MAX;
    const uint32_t us[] = {0u, 1u, 2u, 3u, 99u, 100u, 101u, 149u, 150u, 151u, 1u << 31, U - 1, U};
    for (size_t i = 0; i < sizeof us / sizeof us[0]; ++i) {
        const uint32_t u = us[i];
        /* thresholds 0: nothing changes */
        cr_expect(pml_data_corrupt(v, u, 0, 0, lo, hi) == v, "u %u: 0, 0", u);
        /* mask full (2^32 - 1, the cap of a fraction 1): every draw but the last masks */
        cr_expect(pml_data_corrupt(v, u, U, 0, lo, hi) == (u < U ? lo : v), "u %u: mask full", u);
        /* salt and pepper full: the parity bit picks */
        cr_expect(pml_data_corrupt(v, u, 0, U, lo, hi) == (u < U ? ((u & 1) ? hi : lo) : v),
                  "u %u: salt and pepper full", u);
        /* both: [0, 100) masked, [100, 150) salt and pepper, the rest kept */
        const float want = u < 100 ? lo : u < 150 ? ((u & 1) ? hi : lo) : v;
        cr_expect(pml_data_corrupt(v, u, 100, 50, lo, hi) == want, "u %u: 100, 50", u);
        /* only salt and pepper: [0, 50) */
        const float want_sp = u < 50 ? ((u & 1) ? hi : lo) : v;
        cr_expect(pml_data_corrupt(v, u, 0, 50, lo, hi) == want_sp, "u %u: 0, 50", u);
    }
    /* a mask and a salt-and-pepper range that together take all but the last draw */
    cr_expect(pml_data_corrupt(v, (1u << 31) + 7, 1u << 31, (1u << 31) - 1, lo, hi) == hi);
    cr_expect(pml_data_corrupt(v, (1u << 31) + 8, 1u << 31, (1u << 31) - 1, lo, hi) == lo);
    cr_expect(pml_data_corrupt(v, U, 1u << 31, (1u << 31) - 1, lo, hi) == v);
}

/* round(p 2^32) capped at 2^32 - 1, as pml_dataset_batch turns a fraction into a threshold */
static uint32_t threshold(double p)
{
    const double t = ldexp(p, 32);
    return t >= 4294967295.0 ? UINT32_MAX : t <= 0 ? 0u : (uint32_t)llround(t);
}

/* The CPU batch with masking and salt-and-pepper against the rule applied to the same batch
 * without them, element j of example b drawing pml_philox_draw(seed, CORRUPT | step, b F + j):
 * bit for bit, under three scalings, with shifts and flips, a shuffled order; the fractions
 * as asked. */
Test(parity_ae, cpu_corrupted_batch_follows_the_rule)
{
    pml_device *cpu = pml_test_open_cpu();
    enum { N = 400, ROWS = 5, COLS = 7, F = ROWS * COLS, START = 13, COUNT = 350 };
    uint8_t *img = malloc(N * F), *lab = malloc(N);
    for (int i = 0; i < N * F; ++i) img[i] = (uint8_t)pml_rng_u32(61, 0, (uint64_t)i);
    img[5] = 0, img[6] = 255; /* both ends of the table occur in clean pixels too */
    for (int i = 0; i < N; ++i) lab[i] = (uint8_t)(i % 4);
    pml_dataset *ds = NULL;
    PML_ASSERT_OK(pml_dataset_from_host(cpu, N, ROWS, COLS, img, lab, 4, &ds));
    PML_ASSERT_OK(pml_dataset_shuffle(ds, 4, 1));
    float *clean = malloc(COUNT * F * sizeof *clean), *x = malloc(COUNT * F * sizeof *x);
    pml_tensor *tx = NULL;
    PML_ASSERT_OK(pml_tensor_create_2d(cpu, PML_F32, COUNT, F, &tx));
    static const struct {
        float mask, sp;
    } fr[] = {{0.25f, 0.0f}, {0.0f, 0.125f}, {0.3f, 0.15f},
              {1.0f, 0.0f},  {0.0f, 1.0f},   {0.5f, 0.5f}};
    const pml_scaling scs[3] = {PML_SCALE_UNIT, PML_SCALE_RAW, PML_SCALE_STANDARD};
    for (int s = 0; s < 3; ++s)
        for (size_t k = 0; k < sizeof fr / sizeof fr[0]; ++k) {
            const uint64_t seed = 17, step = 300 + k;
            const pml_augment plain = {(int)(k % 3), (int)(k & 1), 0.0f, 0.0f, 0.0f};
            pml_augment aug = plain;
            aug.mask = fr[k].mask;
            aug.saltpepper = fr[k].sp;
            PML_ASSERT_OK(
                pml_dataset_batch(ds, START, COUNT, scs[s], &plain, seed, step, tx, NULL));
            memcpy(clean, pml_tensor_data(tx), COUNT * F * sizeof *clean);
            PML_ASSERT_OK(pml_dataset_batch(ds, START, COUNT, scs[s], &aug, seed, step, tx, NULL));
            memcpy(x, pml_tensor_data(tx), COUNT * F * sizeof *x);
            float lut[256];
            pml_data_scaling_lut(scs[s], ds->mean, ds->std, lut);
            const uint32_t mt = threshold(fr[k].mask), st = threshold(fr[k].sp);
            const uint64_t stream = PML_DATA_STREAM_CORRUPT | step;
            int64_t masked = 0, salt = 0, pepper = 0, bad = 0;
            for (int64_t i = 0; i < COUNT * F; ++i) {
                const uint32_t u = pml_philox_draw(seed, stream, (uint64_t)i);
                const float want = pml_data_corrupt(clean[i], u, mt, st, lut[0], lut[255]);
                if (memcmp(&want, &x[i], sizeof want) != 0 && bad++ == 0)
                    cr_log_error("scaling %d case %zu: element %lld is %.9g, the rule gives %.9g",
                                 s, k, (long long)i, (double)x[i], (double)want);
                masked += u < mt;
                salt += u >= mt && u - mt < st && (u & 1);
                pepper += u >= mt && u - mt < st && !(u & 1);
            }
            cr_expect(bad == 0, "scaling %d, mask %g, saltpepper %g: %lld elements off the rule",
                      s, (double)fr[k].mask, (double)fr[k].sp, (long long)bad);
            /* the rates: within 5 standard deviations of a binomial */
            const double n = COUNT * F;
            const double rates[3] = {fr[k].mask, fr[k].sp / 2, fr[k].sp / 2};
            const int64_t got[3] = {masked, salt, pepper};
            for (int q = 0; q < 3; ++q) {
                const double sd = sqrt(n * rates[q] * (1 - rates[q]));
                cr_expect(fabs((double)got[q] - n * rates[q]) <= 5 * sd + 1,
                          "mask %g saltpepper %g: %lld of %g (kind %d), expected %g",
                          (double)fr[k].mask, (double)fr[k].sp, (long long)got[q], n, q,
                          n * rates[q]);
            }
        }
    pml_tensor_destroy(tx);
    free(clean);
    free(x);
    free(img);
    free(lab);
    pml_dataset_destroy(ds);
    pml_device_close(cpu);
}
