/* The Ising model object: argument checks, thresholds, layout conversion, dispatch. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "ising/ising_model.h"

static const char *rule_ok(pml_ising_rule r)
{
    return (r == PML_ISING_METROPOLIS || r == PML_ISING_HEATBATH) ? NULL : "unknown rule";
}

void pml_ising_make_params(pml_ising_rule rule, double J, double T, double B,
                           pml_ising_rparams *p)
{
    memset(p, 0, sizeof *p);
    p->B = B;
    for (int si = 0; si < 2; ++si) {
        const double s = si ? 1.0 : -1.0;
        for (int ni = 0; ni < 5; ++ni) {
            const double n = 2.0 * ni - 4.0;
            const double dE = 2.0 * s * (J * n + B);
            double prob;
            if (rule == PML_ISING_METROPOLIS) prob = dE <= 0.0 ? 1.0 : exp(-dE / T);
            else prob = 1.0 / (1.0 + exp(dE / T));
            const double thr = floor(prob * 4294967296.0 + 0.5);
            const int i = si * 5 + ni;
            if (thr >= 4294967296.0) {
                p->always |= 1u << i;
                p->thr[i] = 0xFFFFFFFFu;
            } else {
                p->thr[i] = thr > 0.0 ? (uint32_t)thr : 0u;
            }
        }
    }
}

static pml_status check_params(const char *fn, int64_t R, const double *T, const double *B)
{
    PML_CHECK_ARG(T != NULL, fn, "T is NULL");
    for (int64_t r = 0; r < R; ++r) {
        PML_CHECK(isfinite(T[r]) && T[r] > 0.0, PML_ERR_INVALID_ARGUMENT,
                  "%s: T[%lld] = %g, needs a finite T > 0", fn, (long long)r, T[r]);
        PML_CHECK(B == NULL || isfinite(B[r]), PML_ERR_INVALID_ARGUMENT,
                  "%s: B[%lld] is not finite", fn, (long long)r);
    }
    return PML_OK;
}

pml_status pml_ising_upload_params(pml_ising *g)
{
    const int64_t R = g->cfg.replicas;
    pml_ising_rparams *h = malloc((size_t)R * sizeof *h);
    PML_CHECK(h != NULL, PML_ERR_OUT_OF_MEMORY, "pml_ising: host parameters");
    for (int64_t r = 0; r < R; ++r)
        pml_ising_make_params(g->cfg.rule, g->cfg.J, g->T[r], g->B[r], &h[r]);
    pml_status s = g->dev->ops->upload(g->dev, g->params, h, (size_t)R * sizeof *h);
    free(h);
    return s;
}

pml_status pml_ising_set_params(pml_ising *g, const double *T, const double *B)
{
    static const char fn[] = "pml_ising_set_params";
    PML_CHECK_ARG(g != NULL, fn, "ising is NULL");
    PML_TRY(check_params(fn, g->cfg.replicas, T, B));
    for (int64_t r = 0; r < g->cfg.replicas; ++r) {
        g->T[r] = T[r];
        g->B[r] = B ? B[r] : 0.0;
    }
    return pml_ising_upload_params(g);
}

pml_status pml_ising_alloc(pml_device *dev, const pml_ising_config *cfg, pml_ising **out)
{
    static const char fn[] = "pml_ising_create";
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK_ARG(dev != NULL, fn, "device is NULL");
    PML_CHECK_ARG(cfg != NULL, fn, "config is NULL");
    PML_CHECK(cfg->lx >= 2 && cfg->ly >= 2 && cfg->lx % 2 == 0 && cfg->ly % 2 == 0,
              PML_ERR_INVALID_ARGUMENT, "%s: lattice %lld x %lld, needs even sides >= 2", fn,
              (long long)cfg->lx, (long long)cfg->ly);
    PML_CHECK(cfg->lx <= (1 << 20) && cfg->ly <= (1 << 20) && cfg->replicas >= 1 &&
                  cfg->replicas <= (1 << 24) &&
                  (double)cfg->lx * (double)cfg->ly * (double)cfg->replicas < 0x1p40,
              PML_ERR_INVALID_ARGUMENT, "%s: %lld replicas of %lld x %lld is out of range", fn,
              (long long)cfg->replicas, (long long)cfg->lx, (long long)cfg->ly);
    PML_CHECK(isfinite(cfg->J), PML_ERR_INVALID_ARGUMENT, "%s: J is not finite", fn);
    const char *bad = rule_ok(cfg->rule);
    PML_CHECK(bad == NULL, PML_ERR_INVALID_ARGUMENT, "%s: %s (%d)", fn, "unknown rule",
              (int)cfg->rule);
    PML_CHECK(dev->ops->ising != NULL && dev->ops->ising->sweeps != NULL, PML_ERR_UNSUPPORTED,
              "%s: not implemented on the %s backend", fn, dev->ops->name);

    pml_ising *g = calloc(1, sizeof *g);
    PML_CHECK(g != NULL, PML_ERR_OUT_OF_MEMORY, "%s: host object", fn);
    g->dev = dev;
    g->cfg = *cfg;
    const int64_t R = cfg->replicas;
    g->T = calloc((size_t)R, sizeof *g->T);
    g->B = calloc((size_t)R, sizeof *g->B);
    pml_status s = (g->T && g->B) ? PML_OK
                                  : pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: host arrays", fn);
    if (s == PML_OK)
        s = dev->ops->alloc(dev, (size_t)R * pml_ising_replica_bytes(cfg->lx, cfg->ly), &g->spins);
    if (s == PML_OK) s = dev->ops->alloc(dev, (size_t)R * sizeof(pml_ising_rparams), &g->params);
    if (s == PML_OK) s = dev->ops->alloc(dev, (size_t)R * sizeof(pml_ising_acc), &g->acc);
    if (s != PML_OK) {
        pml_ising_destroy(g);
        return s;
    }
    *out = g;
    return PML_OK;
}

pml_status pml_ising_create(pml_device *dev, const pml_ising_config *cfg, const double *T,
                            const double *B, pml_ising **out)
{
    static const char fn[] = "pml_ising_create";
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK_ARG(cfg != NULL, fn, "config is NULL");
    PML_CHECK(cfg->replicas >= 1, PML_ERR_INVALID_ARGUMENT, "%s: replicas = %lld, needs >= 1",
              fn, (long long)cfg->replicas);
    PML_TRY(check_params(fn, cfg->replicas, T, B));
    pml_ising *g = NULL;
    PML_TRY(pml_ising_alloc(dev, cfg, &g));
    for (int64_t r = 0; r < cfg->replicas; ++r) {
        g->T[r] = T[r];
        g->B[r] = B ? B[r] : 0.0;
    }
    pml_status s = pml_ising_upload_params(g);
    if (s == PML_OK) s = pml_ising_init(g, PML_ISING_COLD);
    if (s != PML_OK) {
        pml_ising_destroy(g);
        return s;
    }
    *out = g;
    return PML_OK;
}

void pml_ising_destroy(pml_ising *g)
{
    if (!g) return;
    if (g->spins) g->dev->ops->release(g->dev, g->spins);
    if (g->params) g->dev->ops->release(g->dev, g->params);
    if (g->acc) g->dev->ops->release(g->dev, g->acc);
    free(g->T);
    free(g->B);
    free(g);
}

size_t pml_ising_nspins(const pml_ising *g)
{
    return (size_t)(g->cfg.replicas * g->cfg.lx * g->cfg.ly);
}

size_t pml_ising_replica_bytes(int64_t lx, int64_t ly)
{
    return (size_t)(2 * ly * pml_ising_row_words(lx)) * sizeof(uint32_t);
}

static size_t plane_words(const pml_ising_config *c)
{
    return (size_t)c->replicas * pml_ising_replica_bytes(c->lx, c->ly) / sizeof(uint32_t);
}

/* Row-major R x Ly x Lx  <->  bit-packed colour planes (src/ising/ising_ops.h). */
void pml_ising_to_planes(const pml_ising_config *c, const int8_t *in, uint32_t *out)
{
    const int64_t WW = pml_ising_row_words(c->lx);
    memset(out, 0, plane_words(c) * sizeof *out);
    for (int64_t r = 0; r < c->replicas; ++r)
        for (int64_t y = 0; y < c->ly; ++y)
            for (int64_t x = 0; x < c->lx; ++x) {
                const int64_t col = (x + y) & 1, j = x / 2;
                if (in[(r * c->ly + y) * c->lx + x] > 0)
                    out[((2 * r + col) * c->ly + y) * WW + j / 32] |= 1u << (j % 32);
            }
}

void pml_ising_from_planes(const pml_ising_config *c, const uint32_t *in, int8_t *out)
{
    const int64_t WW = pml_ising_row_words(c->lx);
    for (int64_t r = 0; r < c->replicas; ++r)
        for (int64_t y = 0; y < c->ly; ++y)
            for (int64_t x = 0; x < c->lx; ++x) {
                const int64_t col = (x + y) & 1, j = x / 2;
                const uint32_t v = in[((2 * r + col) * c->ly + y) * WW + j / 32];
                out[(r * c->ly + y) * c->lx + x] = ((v >> (j % 32)) & 1u) ? 1 : -1;
            }
}

pml_status pml_ising_reset_stats(pml_ising *g)
{
    PML_CHECK_ARG(g != NULL, "pml_ising_reset_stats", "ising is NULL");
    return g->dev->ops->memzero(g->dev, g->acc,
                                (size_t)g->cfg.replicas * sizeof(pml_ising_acc));
}

pml_status pml_ising_init(pml_ising *g, pml_ising_start start)
{
    static const char fn[] = "pml_ising_init";
    PML_CHECK_ARG(g != NULL, fn, "ising is NULL");
    PML_CHECK(start == PML_ISING_COLD || start == PML_ISING_HOT, PML_ERR_INVALID_ARGUMENT,
              "%s: unknown start %d", fn, (int)start);
    const size_t n = pml_ising_nspins(g), nw = plane_words(&g->cfg);
    int8_t *h = malloc(n);
    uint32_t *planes = malloc(nw * sizeof *planes);
    pml_status s = PML_OK;
    if (!h || !planes) s = pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: %zu bytes", fn, n);
    if (s == PML_OK) {
        const int64_t N = g->cfg.lx * g->cfg.ly;
        if (start == PML_ISING_COLD) {
            memset(h, 1, n);
        } else {
            for (int64_t r = 0; r < g->cfg.replicas; ++r) {
                const uint64_t stream = PML_ISING_INIT_STREAM + (uint64_t)r;
#pragma omp parallel for if (N > 65536)
                for (int64_t b = 0; b < (N + 3) / 4; ++b) {
                    pml_u32x4 v = pml_philox_draw4(g->cfg.seed, stream, (uint64_t)b);
                    for (int64_t l = 0; l < 4 && 4 * b + l < N; ++l)
                        h[r * N + 4 * b + l] = (pml_u32x4_get(v, (unsigned)l) & 1u) ? 1 : -1;
                }
            }
        }
        pml_ising_to_planes(&g->cfg, h, planes);
        s = g->dev->ops->upload(g->dev, g->spins, planes, nw * sizeof *planes);
    }
    free(h);
    free(planes);
    if (s == PML_OK) s = pml_ising_reset_stats(g);
    if (s == PML_OK) g->sweeps = 0;
    return s;
}

static pml_status run(pml_ising *g, int64_t n, int measure, const char *fn)
{
    PML_CHECK_ARG(g != NULL, fn, "ising is NULL");
    PML_CHECK(n >= 0, PML_ERR_INVALID_ARGUMENT, "%s: n = %lld sweeps, needs n >= 0", fn,
              (long long)n);
    if (n == 0) return PML_OK;
    pml_ising_kargs a = {
        .spins = g->spins,
        .params = (const pml_ising_rparams *)g->params,
        .acc = (pml_ising_acc *)g->acc,
        .lx = g->cfg.lx,
        .ly = g->cfg.ly,
        .replicas = g->cfg.replicas,
        .J = g->cfg.J,
        .seed = g->cfg.seed,
    };
    PML_TRY(g->dev->ops->ising->sweeps(g->dev, &a, g->sweeps, n, measure));
    g->sweeps += (uint64_t)n;
    return PML_OK;
}

pml_status pml_ising_sweep(pml_ising *g, int64_t n) { return run(g, n, 0, "pml_ising_sweep"); }

pml_status pml_ising_sample(pml_ising *g, int64_t n) { return run(g, n, 1, "pml_ising_sample"); }

pml_status pml_ising_get_spins(pml_ising *g, int8_t *host, size_t n)
{
    static const char fn[] = "pml_ising_get_spins";
    PML_CHECK_ARG(g != NULL && host != NULL, fn, "NULL argument");
    PML_CHECK(n == pml_ising_nspins(g), PML_ERR_INVALID_ARGUMENT,
              "%s: buffer of %zu bytes, needs R*Ly*Lx = %zu", fn, n, pml_ising_nspins(g));
    const size_t nw = plane_words(&g->cfg);
    uint32_t *planes = malloc(nw * sizeof *planes);
    PML_CHECK(planes != NULL, PML_ERR_OUT_OF_MEMORY, "%s: %zu words", fn, nw);
    pml_status s = g->dev->ops->download(g->dev, planes, g->spins, nw * sizeof *planes);
    if (s == PML_OK) pml_ising_from_planes(&g->cfg, planes, host);
    free(planes);
    return s;
}

pml_status pml_ising_set_spins(pml_ising *g, const int8_t *host, size_t n)
{
    static const char fn[] = "pml_ising_set_spins";
    PML_CHECK_ARG(g != NULL && host != NULL, fn, "NULL argument");
    PML_CHECK(n == pml_ising_nspins(g), PML_ERR_INVALID_ARGUMENT,
              "%s: buffer of %zu bytes, needs R*Ly*Lx = %zu", fn, n, pml_ising_nspins(g));
    for (size_t i = 0; i < n; ++i)
        PML_CHECK(host[i] == 1 || host[i] == -1, PML_ERR_INVALID_ARGUMENT,
                  "%s: spin %zu is %d, needs +1 or -1", fn, i, (int)host[i]);
    const size_t nw = plane_words(&g->cfg);
    uint32_t *planes = malloc(nw * sizeof *planes);
    PML_CHECK(planes != NULL, PML_ERR_OUT_OF_MEMORY, "%s: %zu words", fn, nw);
    pml_ising_to_planes(&g->cfg, host, planes);
    pml_status s = g->dev->ops->upload(g->dev, g->spins, planes, nw * sizeof *planes);
    free(planes);
    return s;
}

int64_t pml_ising_sweeps_done(const pml_ising *g) { return g ? (int64_t)g->sweeps : -1; }

pml_status pml_ising_get_config(const pml_ising *g, pml_ising_config *cfg)
{
    PML_CHECK_ARG(g != NULL && cfg != NULL, "pml_ising_get_config", "NULL argument");
    *cfg = g->cfg;
    return PML_OK;
}

pml_device *pml_ising_device(const pml_ising *g) { return g ? g->dev : NULL; }
