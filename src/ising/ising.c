/* The Ising model object: argument checks, thresholds, layout conversion, dispatch. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "ising/ising_model.h"

static const char *rule_ok(pml_ising_rule r)
{
    return (r >= PML_ISING_METROPOLIS && r <= PML_ISING_WOLFF) ? NULL : "unknown rule";
}

static const char *const rule_names[] = {"Metropolis", "heat-bath", "Swendsen-Wang", "Wolff"};

/* The backend's kernel of a (known) rule; NULL where the backend lacks it. */
static pml_ising_sweeps_fn *rule_kernel(const pml_device *dev, pml_ising_rule rule)
{
    const struct pml_ising_ops *o = dev->ops->ising;
    if (!o) return NULL;
    return rule == PML_ISING_SWENDSEN_WANG ? o->sw : rule == PML_ISING_WOLFF ? o->wolff : o->sweeps;
}

static int is_cluster(pml_ising_rule rule)
{
    return rule == PML_ISING_SWENDSEN_WANG || rule == PML_ISING_WOLFF;
}

pml_status pml_ising_check_rule(const char *fn, const pml_device *dev, pml_ising_rule rule,
                                int64_t R, const double *B)
{
    PML_CHECK(rule_ok(rule) == NULL, PML_ERR_INVALID_ARGUMENT, "%s: unknown rule (%d)", fn,
              (int)rule);
    PML_CHECK(dev == NULL || rule_kernel(dev, rule) != NULL, PML_ERR_UNSUPPORTED,
              "%s: the %s rule is not implemented on the %s backend", fn, rule_names[rule],
              dev ? dev->ops->name : "");
    for (int64_t r = 0; is_cluster(rule) && B && r < R; ++r)
        PML_CHECK(B[r] == 0.0, PML_ERR_INVALID_ARGUMENT,
                  "%s: B[%lld] = %g, but the %s rule needs B = 0 (no ghost spin)", fn,
                  (long long)r, B[r], rule_names[rule]);
    return PML_OK;
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
    pml_ising_wparams_make(p, &p->w);
    /* the cluster rules' bond probability 1 - exp(-2 |J| / T) */
    const double pb = -expm1(-2.0 * fabs(J) / T), tb = floor(pb * 4294967296.0 + 0.5);
    if (tb >= 4294967296.0) {
        p->always |= PML_ISING_BOND_ALWAYS;
        p->bond_thr = 0xFFFFFFFFu;
    } else {
        p->bond_thr = tb > 0.0 ? (uint32_t)tb : 0u;
    }
}

pml_status pml_ising_check_params(const char *fn, int64_t R, const double *T, const double *B)
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
    pml_status s = pml_tensor_upload(g->params, h, (size_t)R * sizeof *h);
    free(h);
    return s;
}

pml_status pml_ising_set_params(pml_ising *g, const double *T, const double *B)
{
    static const char fn[] = "pml_ising_set_params";
    PML_CHECK_ARG(g != NULL, fn, "ising is NULL");
    PML_TRY(pml_ising_check_params(fn, g->cfg.replicas, T, B));
    PML_TRY(pml_ising_check_rule(fn, NULL, g->cfg.rule, g->cfg.replicas, B));
    for (int64_t r = 0; r < g->cfg.replicas; ++r) {
        g->T[r] = T[r];
        g->B[r] = B ? B[r] : 0.0;
    }
    return pml_ising_upload_params(g);
}

pml_status pml_ising_set_rule(pml_ising *g, pml_ising_rule rule)
{
    static const char fn[] = "pml_ising_set_rule";
    PML_CHECK_ARG(g != NULL, fn, "ising is NULL");
    PML_TRY(pml_ising_check_rule(fn, g->dev, rule, g->cfg.replicas, g->B));
    if (rule == g->cfg.rule) return PML_OK;
    const pml_ising_rule old = g->cfg.rule;
    g->cfg.rule = rule;
    const pml_status s = pml_ising_upload_params(g);
    if (s != PML_OK) g->cfg.rule = old;
    return s;
}

/* Sizes of replica r (from the per-replica arrays, or cfg for a uniform batch). */
static void size_of(const pml_ising_config *cfg, const int64_t *lx, const int64_t *ly,
                    int64_t r, int64_t *x, int64_t *y)
{
    *x = lx ? lx[r] : cfg->lx;
    *y = ly ? ly[r] : cfg->ly;
}

/* Per-replica sizes, segments (maximal runs of one size, in the order given) and offsets. */
static pml_status layout(pml_ising *g, const int64_t *lx, const int64_t *ly, const char *fn)
{
    const int64_t R = g->cfg.replicas;
    g->lx = malloc((size_t)R * sizeof *g->lx);
    g->ly = malloc((size_t)R * sizeof *g->ly);
    int64_t nseg = 0;
    for (int64_t r = 0; r < R; ++r) {
        int64_t x, y, px = 0, py = 0;
        size_of(&g->cfg, lx, ly, r, &x, &y);
        if (r > 0) size_of(&g->cfg, lx, ly, r - 1, &px, &py);
        if (r == 0 || x != px || y != py) ++nseg;
    }
    g->seg = malloc((size_t)nseg * sizeof *g->seg);
    PML_CHECK(g->lx && g->ly && g->seg, PML_ERR_OUT_OF_MEMORY, "%s: host arrays", fn);
    g->nseg = 0;
    size_t spins = 0, bytes = 0;
    for (int64_t r = 0; r < R; ++r) {
        int64_t x, y;
        size_of(&g->cfg, lx, ly, r, &x, &y);
        g->lx[r] = x;
        g->ly[r] = y;
        pml_ising_segment *s = g->nseg ? &g->seg[g->nseg - 1] : NULL;
        if (s && s->lx == x && s->ly == y) {
            s->count += 1;
        } else {
            g->seg[g->nseg++] = (pml_ising_segment){r, 1, x, y, spins, bytes};
        }
        spins += (size_t)(x * y);
        bytes += pml_ising_replica_bytes(x, y);
    }
    g->nspins = spins;
    g->nbytes = bytes;
    /* the config names the common size; a batch of several sizes has none */
    g->cfg.lx = g->nseg == 1 ? g->lx[0] : 0;
    g->cfg.ly = g->nseg == 1 ? g->ly[0] : 0;
    return PML_OK;
}

pml_status pml_ising_check_sizes(const pml_ising_config *cfg, const int64_t *lx,
                                 const int64_t *ly, const char *fn, size_t *spins)
{
    PML_CHECK(cfg->replicas >= 1 && cfg->replicas <= (1 << 24), PML_ERR_INVALID_ARGUMENT,
              "%s: replicas = %lld, needs 1 .. 2^24", fn, (long long)cfg->replicas);
    double total = 0;
    /* a uniform batch: one size to check, whatever the count */
    const int64_t checked = lx ? cfg->replicas : 1;
    for (int64_t r = 0; r < checked; ++r) {
        int64_t x, y;
        size_of(cfg, lx, ly, r, &x, &y);
        if (lx) {
            PML_CHECK(x >= 2 && y >= 2 && x % 2 == 0 && y % 2 == 0, PML_ERR_INVALID_ARGUMENT,
                      "%s: replica %lld is %lld x %lld, needs even sides >= 2", fn,
                      (long long)r, (long long)x, (long long)y);
        } else {
            PML_CHECK(x >= 2 && y >= 2 && x % 2 == 0 && y % 2 == 0, PML_ERR_INVALID_ARGUMENT,
                      "%s: lattice %lld x %lld, needs even sides >= 2", fn, (long long)x,
                      (long long)y);
        }
        PML_CHECK(x <= (1 << 20) && y <= (1 << 20), PML_ERR_INVALID_ARGUMENT,
                  "%s: replica %lld is %lld x %lld, sides are limited to 2^20", fn,
                  (long long)r, (long long)x, (long long)y);
        total += (double)x * (double)y;
    }
    if (!lx) total *= (double)cfg->replicas;
    PML_CHECK(total < 0x1p40, PML_ERR_INVALID_ARGUMENT,
              "%s: %lld replicas with %.0f spins in all is out of range (< 2^40)", fn,
              (long long)cfg->replicas, total);
    if (spins) *spins = (size_t)total;
    return PML_OK;
}

pml_status pml_ising_alloc(pml_device *dev, const pml_ising_config *cfg, const int64_t *lx,
                           const int64_t *ly, const char *fn, pml_ising **out)
{
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK_ARG(dev != NULL, fn, "device is NULL");
    PML_CHECK_ARG(cfg != NULL, fn, "config is NULL");
    PML_CHECK_ARG((lx == NULL) == (ly == NULL), fn, "lx or ly is NULL");
    PML_TRY(pml_ising_check_sizes(cfg, lx, ly, fn, NULL));
    PML_CHECK(isfinite(cfg->J), PML_ERR_INVALID_ARGUMENT, "%s: J is not finite", fn);
    PML_TRY(pml_ising_check_rule(fn, dev, cfg->rule, 0, NULL));

    pml_ising *g = calloc(1, sizeof *g);
    PML_CHECK(g != NULL, PML_ERR_OUT_OF_MEMORY, "%s: host object", fn);
    g->dev = dev;
    g->cfg = *cfg;
    const int64_t R = cfg->replicas;
    g->T = calloc((size_t)R, sizeof *g->T);
    g->B = calloc((size_t)R, sizeof *g->B);
    pml_status s = (g->T && g->B) ? PML_OK
                                  : pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: host arrays", fn);
    if (s == PML_OK) s = layout(g, lx, ly, fn);
    if (s == PML_OK)
        s = pml_tensor_create_1d(dev, PML_U32, (int64_t)(g->nbytes / sizeof(uint32_t)), &g->spins);
    if (s == PML_OK)
        s = pml_tensor_create_1d(dev, PML_U8, R * (int64_t)sizeof(pml_ising_rparams), &g->params);
    if (s == PML_OK)
        s = pml_tensor_create_1d(dev, PML_U8, R * (int64_t)sizeof(pml_ising_acc), &g->acc);
    s = pml_error_within(s, fn);
    if (s != PML_OK) {
        pml_ising_destroy(g);
        return s;
    }
    *out = g;
    return PML_OK;
}

static pml_status create(pml_device *dev, const pml_ising_config *cfg, const int64_t *lx,
                         const int64_t *ly, const double *T, const double *B, const char *fn,
                         pml_ising **out)
{
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK_ARG(cfg != NULL, fn, "config is NULL");
    /* the range pml_ising_alloc checks, here before T and B are read over it */
    PML_CHECK(cfg->replicas >= 1 && cfg->replicas <= (1 << 24), PML_ERR_INVALID_ARGUMENT,
              "%s: replicas = %lld, needs 1 .. 2^24", fn, (long long)cfg->replicas);
    PML_TRY(pml_ising_check_params(fn, cfg->replicas, T, B));
    PML_TRY(pml_ising_check_rule(fn, NULL, cfg->rule, cfg->replicas, B));
    pml_ising *g = NULL;
    PML_TRY(pml_ising_alloc(dev, cfg, lx, ly, fn, &g));
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

pml_status pml_ising_create(pml_device *dev, const pml_ising_config *cfg, const double *T,
                            const double *B, pml_ising **out)
{
    return create(dev, cfg, NULL, NULL, T, B, "pml_ising_create", out);
}

pml_status pml_ising_create_mixed(pml_device *dev, const pml_ising_config *cfg,
                                  const int64_t *lx, const int64_t *ly, const double *T,
                                  const double *B, pml_ising **out)
{
    static const char fn[] = "pml_ising_create_mixed";
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK_ARG(lx != NULL && ly != NULL, fn, "lx or ly is NULL");
    return create(dev, cfg, lx, ly, T, B, fn, out);
}

void pml_ising_destroy(pml_ising *g)
{
    if (!g) return;
    pml_tensor_destroy(g->spins);
    pml_tensor_destroy(g->params);
    pml_tensor_destroy(g->acc);
    free(g->T);
    free(g->B);
    free(g->lx);
    free(g->ly);
    free(g->seg);
    free(g);
}

size_t pml_ising_replica_bytes(int64_t lx, int64_t ly)
{
    return (size_t)(2 * ly * pml_ising_row_words(lx)) * sizeof(uint32_t);
}

static size_t plane_words(const pml_ising_config *c)
{
    return (size_t)c->replicas * pml_ising_replica_bytes(c->lx, c->ly) / sizeof(uint32_t);
}

/* Row-major R x Ly x Lx  <->  bit-packed colour planes (src/ops/ising_ops.h). */
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

/* A segment as the uniform block the plane conversions take. */
static pml_ising_config seg_config(const pml_ising *g, const pml_ising_segment *s)
{
    pml_ising_config c = g->cfg;
    c.lx = s->lx;
    c.ly = s->ly;
    c.replicas = s->count;
    return c;
}

void pml_ising_rows_to_device(const pml_ising *g, const int8_t *rows, void *image)
{
    for (int64_t i = 0; i < g->nseg; ++i) {
        const pml_ising_segment *s = &g->seg[i];
        const pml_ising_config c = seg_config(g, s);
        pml_ising_to_planes(&c, rows + s->spin0, (uint32_t *)((char *)image + s->byte0));
    }
}

void pml_ising_device_to_rows(const pml_ising *g, const void *image, int8_t *rows)
{
    for (int64_t i = 0; i < g->nseg; ++i) {
        const pml_ising_segment *s = &g->seg[i];
        const pml_ising_config c = seg_config(g, s);
        pml_ising_from_planes(&c, (const uint32_t *)((const char *)image + s->byte0),
                              rows + s->spin0);
    }
}

pml_status pml_ising_reset_stats(pml_ising *g)
{
    PML_CHECK_ARG(g != NULL, "pml_ising_reset_stats", "ising is NULL");
    return pml_tensor_zero(g->acc);
}

/* Whether every spin of an lx x ly lattice (row-major +-1) has neighbour sum 0: a trap of
 * checkerboard Metropolis at B = 0 (docs/ising.md, "Trapped states"). A random lattice
 * shows a non-zero sum within a few sites. */
static int all_sums_zero(const int8_t *s, int64_t lx, int64_t ly)
{
    for (int64_t y = 0; y < ly; ++y)
        for (int64_t x = 0; x < lx; ++x) {
            const int8_t *up = s + ((y + ly - 1) % ly) * lx, *row = s + y * lx,
                         *down = s + ((y + 1) % ly) * lx;
            if (row[(x + 1) % lx] + row[(x + lx - 1) % lx] + up[x] + down[x] != 0) return 0;
        }
    return 1;
}

/* Hot-start candidates per replica before giving up on avoiding a trapped one (on 2x2, where
 * 4 of 16 states are trapped, all 64 are with probability 2^-128). */
#define HOT_CANDIDATES 64

/* Replica r's hot start into row (N = lx * ly spins): the first candidate k that is not
 * trapped, candidate k being the draws k N .. k N + N - 1 of the replica's INIT stream. */
static void hot_start(const pml_ising *g, int64_t r, int8_t *row)
{
    const int64_t N = g->lx[r] * g->ly[r];
    const uint64_t stream = PML_ISING_INIT_STREAM + (uint64_t)r;
    for (int64_t k = 0; k < HOT_CANDIDATES; ++k) {
        const uint64_t b0 = (uint64_t)(k * N / 4); /* N is a multiple of 4: sides are even */
#pragma omp parallel for if (N > 65536)
        for (int64_t b = 0; b < (N + 3) / 4; ++b) {
            pml_u32x4 v = pml_philox_draw4(g->cfg.seed, stream, b0 + (uint64_t)b);
            for (int64_t l = 0; l < 4 && 4 * b + l < N; ++l)
                row[4 * b + l] = (pml_u32x4_get(v, (unsigned)l) & 1u) ? 1 : -1;
        }
        if (!all_sums_zero(row, g->lx[r], g->ly[r])) return;
    }
}

pml_status pml_ising_init(pml_ising *g, pml_ising_start start)
{
    static const char fn[] = "pml_ising_init";
    PML_CHECK_ARG(g != NULL, fn, "ising is NULL");
    PML_CHECK(start == PML_ISING_COLD || start == PML_ISING_HOT, PML_ERR_INVALID_ARGUMENT,
              "%s: unknown start %d", fn, (int)start);
    const size_t n = g->nspins;
    int8_t *h = malloc(n), *image = malloc(g->nbytes);
    pml_status s = PML_OK;
    if (!h || !image) s = pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: %zu spins", fn, n);
    if (s == PML_OK) {
        if (start == PML_ISING_COLD) {
            memset(h, 1, n);
        } else {
            int8_t *row = h; /* replica r's lattice, row-major, after those before it */
            for (int64_t r = 0; r < g->cfg.replicas; ++r) {
                hot_start(g, r, row);
                row += g->lx[r] * g->ly[r];
            }
        }
        pml_ising_rows_to_device(g, h, image);
        s = pml_tensor_upload(g->spins, image, g->nbytes);
    }
    free(h);
    free(image);
    if (s == PML_OK) s = pml_ising_reset_stats(g);
    if (s == PML_OK) g->sweeps = 0;
    return s;
}

/* One backend call per segment: replicas are independent, so segment A's n sweeps followed
 * by segment B's are the same as any interleaving, and each segment's call passes r0 so its
 * replicas draw from their streams in the whole batch. */
static pml_status run(pml_ising *g, int64_t n, int measure, const char *fn)
{
    PML_CHECK_ARG(g != NULL, fn, "ising is NULL");
    PML_CHECK(n >= 0, PML_ERR_INVALID_ARGUMENT, "%s: n = %lld sweeps, needs n >= 0", fn,
              (long long)n);
    PML_CHECK((uint64_t)n <= (uint64_t)INT64_MAX - g->sweeps, PML_ERR_INVALID_ARGUMENT,
              "%s: n = %lld sweeps after %llu would take the sweep counter past 2^63 - 1", fn,
              (long long)n, (unsigned long long)g->sweeps);
    if (n == 0) return PML_OK;
    pml_ising_sweeps_fn *kernel = rule_kernel(g->dev, g->cfg.rule);
    PML_CHECK(kernel != NULL, PML_ERR_UNSUPPORTED, "%s: the %s rule is not implemented on the %s backend",
              fn, rule_names[g->cfg.rule], g->dev->ops->name);
    for (int64_t i = 0; g->cfg.rule == PML_ISING_SWENDSEN_WANG && i < g->nseg; ++i)
        PML_CHECK(g->seg[i].lx * g->seg[i].ly < ((int64_t)1 << 31), PML_ERR_INVALID_ARGUMENT,
                  "%s: Swendsen-Wang sweeps on a %lld x %lld lattice: at most 2^31 - 1 sites "
                  "(the cluster labels are 32-bit site numbers)",
                  fn, (long long)g->seg[i].lx, (long long)g->seg[i].ly);
    for (int64_t i = 0; g->cfg.rule == PML_ISING_WOLFF && i < g->nseg; ++i) {
        /* step t's draws start at t (4N + 2), a 64-bit index; sites count in 32 bits */
        const int64_t N = g->seg[i].lx * g->seg[i].ly;
        PML_CHECK(N < ((int64_t)1 << 30), PML_ERR_INVALID_ARGUMENT,
                  "%s: Wolff steps on a %lld x %lld lattice: at most 2^30 sites", fn,
                  (long long)g->seg[i].lx, (long long)g->seg[i].ly);
        PML_CHECK((double)(g->sweeps + (uint64_t)n) * (double)(4 * N + 2) < 1.8e19,
                  PML_ERR_INVALID_ARGUMENT,
                  "%s: %lld more Wolff steps after %llu run out of the draws of a %lld-site "
                  "lattice (< 2^64 / (4N + 2) steps)", fn, (long long)n,
                  (unsigned long long)g->sweeps, (long long)N);
    }
    for (int64_t i = 0; i < g->nseg; ++i) {
        const pml_ising_segment *s = &g->seg[i];
        /* the segment's spins as a view of the batch's */
        const int64_t words = (int64_t)((size_t)s->count * pml_ising_replica_bytes(s->lx, s->ly) /
                                        sizeof(uint32_t));
        const pml_tensor seg = pml_tensor_view_of(g->spins, (int64_t)(s->byte0 / sizeof(uint32_t)),
                                                  1, &words);
        const pml_ising_sweeps_args a = {
            .spins = seg.data,
            .params = (const pml_ising_rparams *)g->params->data + s->r0,
            .acc = (pml_ising_acc *)g->acc->data + s->r0,
            .lx = s->lx,
            .ly = s->ly,
            .replicas = s->count,
            .r0 = s->r0,
            .J = g->cfg.J,
            .seed = g->cfg.seed,
            .t0 = g->sweeps,
            .n = n,
            .measure = measure,
        };
        PML_TRY(kernel(g->dev, &a));
    }
    g->sweeps += (uint64_t)n;
    return PML_OK;
}

pml_status pml_ising_sweep(pml_ising *g, int64_t n) { return run(g, n, 0, "pml_ising_sweep"); }

pml_status pml_ising_sample(pml_ising *g, int64_t n) { return run(g, n, 1, "pml_ising_sample"); }

pml_status pml_ising_get_spins(pml_ising *g, int8_t *host, size_t n)
{
    static const char fn[] = "pml_ising_get_spins";
    PML_CHECK_ARG(g != NULL, fn, "ising is NULL");
    PML_CHECK_ARG(host != NULL, fn, "host is NULL");
    PML_CHECK(n == g->nspins, PML_ERR_INVALID_ARGUMENT,
              "%s: buffer of %zu bytes, needs the batch's %zu spins", fn, n, g->nspins);
    int8_t *image = malloc(g->nbytes);
    PML_CHECK(image != NULL, PML_ERR_OUT_OF_MEMORY, "%s: %zu bytes", fn, g->nbytes);
    pml_status s = pml_tensor_download(g->spins, image, g->nbytes);
    if (s == PML_OK) pml_ising_device_to_rows(g, image, host);
    free(image);
    return s;
}

pml_status pml_ising_set_spins(pml_ising *g, const int8_t *host, size_t n)
{
    static const char fn[] = "pml_ising_set_spins";
    PML_CHECK_ARG(g != NULL, fn, "ising is NULL");
    PML_CHECK_ARG(host != NULL, fn, "host is NULL");
    PML_CHECK(n == g->nspins, PML_ERR_INVALID_ARGUMENT,
              "%s: buffer of %zu bytes, needs the batch's %zu spins", fn, n, g->nspins);
    for (size_t i = 0; i < n; ++i)
        PML_CHECK(host[i] == 1 || host[i] == -1, PML_ERR_INVALID_ARGUMENT,
                  "%s: spin %zu is %d, needs +1 or -1", fn, i, (int)host[i]);
    int8_t *image = malloc(g->nbytes);
    PML_CHECK(image != NULL, PML_ERR_OUT_OF_MEMORY, "%s: %zu bytes", fn, g->nbytes);
    pml_ising_rows_to_device(g, host, image);
    pml_status s = pml_tensor_upload(g->spins, image, g->nbytes);
    free(image);
    return s;
}

int64_t pml_ising_sweeps_done(const pml_ising *g) { return g ? (int64_t)g->sweeps : -1; }

pml_status pml_ising_get_config(const pml_ising *g, pml_ising_config *cfg)
{
    PML_CHECK_ARG(g != NULL, "pml_ising_get_config", "ising is NULL");
    PML_CHECK_ARG(cfg != NULL, "pml_ising_get_config", "cfg is NULL");
    *cfg = g->cfg;
    return PML_OK;
}

pml_status pml_ising_replica_size(const pml_ising *g, int64_t r, int64_t *lx, int64_t *ly)
{
    static const char fn[] = "pml_ising_replica_size";
    PML_CHECK_ARG(g != NULL, fn, "ising is NULL");
    PML_CHECK_ARG(lx != NULL, fn, "lx is NULL");
    PML_CHECK_ARG(ly != NULL, fn, "ly is NULL");
    PML_CHECK(r >= 0 && r < g->cfg.replicas, PML_ERR_INVALID_ARGUMENT,
              "%s: replica %lld, the batch has %lld", fn, (long long)r,
              (long long)g->cfg.replicas);
    *lx = g->lx[r];
    *ly = g->ly[r];
    return PML_OK;
}

pml_status pml_ising_replica_offset(const pml_ising *g, int64_t r, size_t *offset)
{
    static const char fn[] = "pml_ising_replica_offset";
    PML_CHECK_ARG(g != NULL, fn, "ising is NULL");
    PML_CHECK_ARG(offset != NULL, fn, "offset is NULL");
    PML_CHECK(r >= 0 && r < g->cfg.replicas, PML_ERR_INVALID_ARGUMENT,
              "%s: replica %lld, the batch has %lld", fn, (long long)r,
              (long long)g->cfg.replicas);
    int64_t lo = 0, hi = g->nseg - 1; /* the segment holding r: the last with r0 <= r */
    while (lo < hi) {
        const int64_t mid = (lo + hi + 1) / 2;
        if (g->seg[mid].r0 <= r) lo = mid;
        else hi = mid - 1;
    }
    const pml_ising_segment *s = &g->seg[lo];
    *offset = s->spin0 + (size_t)((r - s->r0) * s->lx * s->ly);
    return PML_OK;
}

size_t pml_ising_spin_count(const pml_ising *g) { return g ? g->nspins : 0; }

pml_device *pml_ising_device(const pml_ising *g) { return g ? g->dev : NULL; }
