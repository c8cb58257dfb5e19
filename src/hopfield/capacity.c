/* The capacity measurement: many independent pattern sets in one device batch, each stored
 * pattern (optionally corrupted) recalled, retrieval counted against the pattern it came
 * from; and the critical load read off the retrieval curve. */
#include <math.h>
#include <stdlib.h>

#include "hopfield/hopfield_model.h"

#define TAG_PATTERNS ((uint64_t)1 << 40)
#define TAG_PROBES ((uint64_t)2 << 40)
#define SET_SHIFT 20 /* Philox row of pattern mu of set k: k * 2^20 + mu */

pml_hopfield_capacity_config pml_hopfield_capacity_defaults(void)
{
    pml_hopfield_capacity_config c = {.n = 200, .rule = PML_HOPFIELD_HEBB, .sets = 20,
                                      .flip = 0.0, .threshold = 0.95, .max_bytes = 0};
    c.recall = pml_hopfield_recall_defaults();
    return c;
}

static pml_status check(const char *fn, const pml_hopfield_capacity_config *c,
                        const double *alpha, int64_t count)
{
    PML_TRY(pml_hf_check_recall(fn, &c->recall));
    PML_CHECK(c->n >= 2 && c->n <= (1 << 16), PML_ERR_INVALID_ARGUMENT,
              "%s: n = %lld, needs 2 .. 65536", fn, (long long)c->n);
    PML_CHECK(c->rule >= PML_HOPFIELD_HEBB && c->rule <= PML_HOPFIELD_STORKEY,
              PML_ERR_INVALID_ARGUMENT, "%s: rule %s: the capacity scan takes hebb, pinv or "
              "storkey", fn, pml_hopfield_rule_name(c->rule));
    PML_CHECK(c->sets >= 2 && c->sets <= (1 << 20), PML_ERR_INVALID_ARGUMENT,
              "%s: sets = %lld, needs 2 .. 2^20 (error bars need two)", fn, (long long)c->sets);
    PML_CHECK(c->flip >= 0.0 && c->flip <= 0.5, PML_ERR_INVALID_ARGUMENT,
              "%s: flip = %g, needs 0 .. 0.5", fn, c->flip);
    PML_CHECK(c->threshold > 0.0 && c->threshold <= 1.0, PML_ERR_INVALID_ARGUMENT,
              "%s: threshold = %g, needs (0, 1]", fn, c->threshold);
    PML_CHECK(count >= 1, PML_ERR_INVALID_ARGUMENT, "%s: count = %lld, needs >= 1", fn,
              (long long)count);
    for (int64_t k = 0; k < count; ++k) {
        PML_CHECK(isfinite(alpha[k]) && alpha[k] > 0.0 && alpha[k] <= 1.0,
                  PML_ERR_INVALID_ARGUMENT, "%s: alpha[%lld] = %g, needs (0, 1]", fn,
                  (long long)k, alpha[k]);
        const int64_t p = (int64_t)llround(alpha[k] * (double)c->n);
        PML_CHECK(p < (1 << SET_SHIFT), PML_ERR_INVALID_ARGUMENT,
                  "%s: p = %lld patterns, needs < 2^20", fn, (long long)p);
    }
    return PML_OK;
}

/* Retrieved fraction and mean overlap of each set of a chunk, from final states s and the
 * patterns xi (host, sets x p x n each). */
static void score(const int8_t *s, const int8_t *xi, int64_t sets, int64_t p, int64_t n,
                  double thr, double *frac, double *ovl)
{
    for (int64_t k = 0; k < sets; ++k) {
        int64_t hit = 0;
        double sum = 0.0;
        for (int64_t mu = 0; mu < p; ++mu) {
            const int8_t *a = s + (k * p + mu) * n, *b = xi + (k * p + mu) * n;
            int64_t dot = 0;
            for (int64_t i = 0; i < n; ++i) dot += a[i] * b[i];
            const double m = (double)dot / (double)n;
            hit += m >= thr;
            sum += m;
        }
        frac[k] = (double)hit / (double)p;
        ovl[k] = sum / (double)p;
    }
}

static void mean_err(const double *x, int64_t k, double *mean, double *err)
{
    double s = 0.0, q = 0.0;
    for (int64_t i = 0; i < k; ++i) s += x[i];
    const double m = s / (double)k;
    for (int64_t i = 0; i < k; ++i) q += (x[i] - m) * (x[i] - m);
    *mean = m;
    *err = sqrt(q / (double)(k - 1) / (double)k);
}

static pml_status one_point(pml_device *dev, const pml_hopfield_capacity_config *c, double alpha,
                            pml_hopfield_capacity_point *pt)
{
    const int64_t n = c->n, S = c->sets;
    int64_t p = (int64_t)llround(alpha * (double)n);
    if (p < 1) p = 1;
    const double t0 = pml_clock_seconds();
    const size_t per_set = (size_t)(p * n) * 14 + (size_t)(n * n) * 8;
    const size_t budget = c->max_bytes ? c->max_bytes : ((size_t)256 << 20);
    int64_t C = (int64_t)(budget / per_set);
    if (C < 1) C = 1;
    if (C > S) C = S;
    double *frac = malloc((size_t)S * 8), *ovl = malloc((size_t)S * 8);
    int8_t *hs = malloc((size_t)(C * p * n)), *hx = malloc((size_t)(C * p * n));
    pml_status st = frac && ovl && hs && hx ? PML_OK
                                            : pml_set_error(PML_ERR_OUT_OF_MEMORY, "capacity: host");
    for (int64_t s0 = 0; st == PML_OK && s0 < S; s0 += C) {
        const int64_t cs = S - s0 < C ? S - s0 : C, rows = cs * p;
        int8_t *xi = NULL, *s = NULL;
        pml_hopfield *net = NULL;
        st = pml_hf_alloc(dev, (size_t)(rows * n), (void **)&xi);
        if (st == PML_OK) st = pml_hf_alloc(dev, (size_t)(rows * n), (void **)&s);
        for (int64_t k = 0; st == PML_OK && k < cs; ++k) {
            const uint64_t row0 = (uint64_t)(s0 + k) << SET_SHIFT;
            pml_hopfield_draw_args d = {.src = NULL, .dst = xi + k * p * n, .rows = p, .n = n,
                                        .row0 = (int64_t)row0, .seed = c->recall.seed,
                                        .tag = TAG_PATTERNS, .thr = (uint64_t)1 << 31};
            st = dev->ops->hopfield->draw(dev, &d);
            if (st == PML_OK) {
                d.src = xi + k * p * n;
                d.dst = s + k * p * n;
                d.tag = TAG_PROBES;
                d.thr = (uint64_t)llround(c->flip * 4294967296.0);
                st = dev->ops->hopfield->draw(dev, &d);
            }
        }
        if (st == PML_OK) {
            st = pml_hf_create_dev(dev, n, p, cs, c->rule, xi, &net);
            xi = NULL; /* the network owns it now, or freed it */
        }
        const pml_hf_out out = {0};
        if (st == PML_OK) st = pml_hf_recall_dev(net, &c->recall, s, rows, p, s0 * p, &out);
        if (st == PML_OK) st = dev->ops->download(dev, hs, s, (size_t)(rows * n));
        if (st == PML_OK) st = dev->ops->download(dev, hx, net->xi, (size_t)(rows * n));
        if (st == PML_OK) score(hs, hx, cs, p, n, c->threshold, frac + s0, ovl + s0);
        pml_hopfield_destroy(net);
        pml_hf_free(dev, xi);
        pml_hf_free(dev, s);
    }
    if (st == PML_OK) {
        *pt = (pml_hopfield_capacity_point){.n = n, .p = p, .sets = S,
                                            .alpha = (double)p / (double)n};
        mean_err(frac, S, &pt->retrieved, &pt->retrieved_err);
        mean_err(ovl, S, &pt->overlap, &pt->overlap_err);
        pt->seconds = pml_clock_seconds() - t0;
    }
    free(frac);
    free(ovl);
    free(hs);
    free(hx);
    return st;
}

pml_status pml_hopfield_capacity(pml_device *dev, const pml_hopfield_capacity_config *cfg,
                                 const double *alpha, int64_t count,
                                 pml_hopfield_capacity_point *out)
{
    const char *fn = "pml_hopfield_capacity";
    PML_CHECK_ARG(dev != NULL && cfg != NULL && alpha != NULL && out != NULL, fn,
                  "dev, cfg, alpha or out is NULL");
    PML_TRY(check(fn, cfg, alpha, count));
    PML_FAMILY(dev, hopfield, fn, "Hopfield", ops);
    (void)ops;
    for (int64_t k = 0; k < count; ++k)
        PML_TRY(pml_error_within(one_point(dev, cfg, alpha[k], &out[k]), fn));
    return PML_OK;
}

pml_status pml_hopfield_alpha_c(const pml_hopfield_capacity_point *pts, int64_t count,
                                double level, double *alpha_c, double *err)
{
    const char *fn = "pml_hopfield_alpha_c";
    PML_CHECK_ARG(pts != NULL && alpha_c != NULL, fn, "pts or alpha_c is NULL");
    PML_CHECK(count >= 2, PML_ERR_INVALID_ARGUMENT, "%s: count = %lld, needs >= 2 points", fn,
              (long long)count);
    PML_CHECK(level > 0.0 && level < 1.0, PML_ERR_INVALID_ARGUMENT,
              "%s: level = %g, needs (0, 1)", fn, level);
    for (int64_t k = 0; k + 1 < count; ++k) {
        const pml_hopfield_capacity_point *a = &pts[k], *b = &pts[k + 1];
        PML_CHECK(b->alpha > a->alpha, PML_ERR_INVALID_ARGUMENT,
                  "%s: alphas must increase (point %lld)", fn, (long long)(k + 1));
        if (a->retrieved >= level && b->retrieved < level) {
            const double slope = (b->retrieved - a->retrieved) / (b->alpha - a->alpha);
            const double u = (level - a->retrieved) / (b->retrieved - a->retrieved);
            *alpha_c = a->alpha + u * (b->alpha - a->alpha);
            if (err) {
                const double e = (1.0 - u) * a->retrieved_err + u * b->retrieved_err;
                *err = e / fabs(slope);
            }
            return PML_OK;
        }
    }
    return pml_set_error(PML_ERR_NUMERIC,
                         "%s: the retrieved fraction never falls through %g between alpha = "
                         "%g and %g", fn, level, pts[0].alpha, pts[count - 1].alpha);
}
