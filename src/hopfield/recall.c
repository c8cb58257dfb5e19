/* Hopfield recall: the asynchronous and Glauber runs (one kernel call for the whole run), the
 * synchronous loop (GEMMs for the fields, then the sign kernel) and the modern update
 * (GEMM, softmax, GEMM), and the public call around them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hopfield/hopfield_model.h"

pml_hopfield_recall_config pml_hopfield_recall_defaults(void)
{
    return (pml_hopfield_recall_config){.mode = PML_HOPFIELD_ASYNC,
                                        .order = PML_HOPFIELD_RANDOM,
                                        .T = 0.5,
                                        .tol = 1e-4,
                                        .max_sweeps = 100,
                                        .seed = 42};
}

pml_status pml_hf_check_recall(const char *fn, const pml_hopfield_recall_config *c)
{
    PML_CHECK_ARG(c != NULL, fn, "cfg is NULL");
    PML_CHECK(c->mode >= PML_HOPFIELD_ASYNC && c->mode <= PML_HOPFIELD_GLAUBER,
              PML_ERR_INVALID_ARGUMENT, "%s: unknown mode %d", fn, (int)c->mode);
    PML_CHECK(c->order == PML_HOPFIELD_RANDOM || c->order == PML_HOPFIELD_INDEX,
              PML_ERR_INVALID_ARGUMENT, "%s: unknown order %d", fn, (int)c->order);
    PML_CHECK(c->mode != PML_HOPFIELD_GLAUBER || (isfinite(c->T) && c->T > 0.0),
              PML_ERR_INVALID_ARGUMENT, "%s: T = %g, Glauber recall needs a finite T > 0", fn,
              c->T);
    PML_CHECK(isfinite(c->tol) && c->tol >= 0.0, PML_ERR_INVALID_ARGUMENT,
              "%s: tol = %g, needs a finite tol >= 0", fn, c->tol);
    PML_CHECK(c->max_sweeps >= 1 && c->max_sweeps <= ((int64_t)1 << 30),
              PML_ERR_INVALID_ARGUMENT, "%s: max_sweeps = %lld, needs 1 .. 2^30", fn,
              (long long)c->max_sweeps);
    return PML_OK;
}

typedef struct scratch {
    pml_device *dev;
    void *p[10];
    int k;
} scratch;

static pml_status take(scratch *sc, size_t bytes, void *out)
{
    void **o = out;
    PML_TRY(pml_hf_alloc(sc->dev, bytes, o));
    sc->p[sc->k++] = *o;
    return PML_OK;
}

static void drop(scratch *sc)
{
    for (int i = 0; i < sc->k; ++i) pml_hf_free(sc->dev, sc->p[i]);
}

/* The Glauber acceptance table for integer fields: qtab[k] = round(2^32 / (1 + exp(2 beta k /
 * n))) for |field| = k, ending at the first 0 (or at the largest field the weights allow). */
static pml_status make_qtab(const pml_hopfield *net, double T, uint32_t **out, int64_t *len)
{
    const int64_t fmax = net->p * (net->n - 1);
    const double c = 2.0 / (T * (double)net->n);
    int64_t L = (int64_t)ceil(23.0 / c) + 2;
    if (L > fmax + 2) L = fmax + 2;
    uint32_t *q = malloc((size_t)L * sizeof *q);
    PML_CHECK(q != NULL, PML_ERR_OUT_OF_MEMORY, "Glauber table of %lld entries", (long long)L);
    for (int64_t k = 0; k < L; ++k) {
        const double v = floor(4294967296.0 / (1.0 + exp(c * (double)k)) + 0.5);
        q[k] = v >= 4294967295.0 ? 0xFFFFFFFFu : (uint32_t)v;
    }
    q[L - 1] = 0; /* beyond the table: certain (q < 2^-33, or no larger field exists) */
    *out = q;
    *len = L;
    return PML_OK;
}

static pml_status recall_async(pml_hopfield *net, const pml_hopfield_recall_config *cfg,
                               int8_t *s, int64_t batch, int64_t per_set, int64_t p0,
                               const pml_hf_out *out)
{
    pml_device *dev = net->dev;
    const int64_t n = net->n, T = cfg->max_sweeps;
    const int ints = net->rule == PML_HOPFIELD_HEBB;
    /* Hebbian weights never need W here: the kernel works from the transposed patterns */
    PML_TRY(ints ? pml_hf_need_xit(net) : pml_hf_need_weights(net));
    pml_hopfield_async_args a = {.w = net->w, .wtype = ints ? PML_I32 : PML_F32,
                                 .theta = net->theta, .s = s, .n = n, .batch = batch,
                                 .xit = ints ? net->xit : NULL, .xib = ints ? net->xib : NULL,
                                 .xip = ints ? net->xip : NULL,
                                 .p = net->p,
                                 .per_set = per_set, .p0 = p0, .seed = cfg->seed,
                                 .order = cfg->order == PML_HOPFIELD_RANDOM,
                                 .glauber = cfg->mode == PML_HOPFIELD_GLAUBER,
                                 .max_sweeps = T};
    a.wscale = ints ? 1.0 / (double)n : 1.0;
    a.escale = -0.5 * a.wscale;
    a.beta = a.glauber ? 1.0 / cfg->T : 0.0;
    scratch sc = {.dev = dev};
    uint32_t *qh = NULL;
    int8_t *conv_h = NULL;
    const int64_t per = ints && net->p > n ? net->p : n; /* fields: n, or p overlaps */
    pml_status st = take(&sc, (size_t)(batch * per) * (ints ? 4 : 8), &a.fields);
    if (st == PML_OK) st = take(&sc, (size_t)(batch * n) * 4, &a.scratch);
    if (st == PML_OK) st = take(&sc, (size_t)batch * 8, &a.sweeps);
    if (st == PML_OK) st = take(&sc, (size_t)batch, &a.converged);
    if (st == PML_OK) st = take(&sc, (size_t)batch * 8, &a.energy);
    if (st == PML_OK && out->trace) st = take(&sc, (size_t)(batch * (T + 1)) * 8, &a.trace);
    if (st == PML_OK && a.glauber && ints && !net->theta) {
        st = make_qtab(net, cfg->T, &qh, &a.qlen);
        uint32_t *qd = NULL;
        if (st == PML_OK) st = take(&sc, (size_t)a.qlen * 4, &qd);
        if (st == PML_OK) st = dev->ops->upload(dev, qd, qh, (size_t)a.qlen * 4);
        a.qtab = qd;
    }
    if (st == PML_OK) st = net->ops->async(dev, &a);
    if (st == PML_OK && out->sweeps) st = dev->ops->download(dev, out->sweeps, a.sweeps, (size_t)batch * 8);
    if (st == PML_OK && out->energy) st = dev->ops->download(dev, out->energy, a.energy, (size_t)batch * 8);
    if (st == PML_OK && out->trace)
        st = dev->ops->download(dev, out->trace, a.trace, (size_t)(batch * (T + 1)) * 8);
    if (st == PML_OK && ints && out->overlaps) { /* the pattern form's overlaps, kept per probe */
        int32_t *fh = malloc((size_t)(batch * per) * 4);
        st = fh ? dev->ops->download(dev, fh, a.fields, (size_t)(batch * per) * 4)
                : pml_set_error(PML_ERR_OUT_OF_MEMORY, "recall: host overlaps");
        for (int64_t b = 0; st == PML_OK && b < batch; ++b)
            for (int64_t k = 0; k < net->p; ++k)
                out->overlaps[b * net->p + k] = (double)fh[b * per + k] / (double)n;
        if (st == PML_OK && out->have_overlaps) *out->have_overlaps = 1;
        free(fh);
    }
    if (st == PML_OK && out->end) {
        conv_h = malloc((size_t)batch);
        st = conv_h ? dev->ops->download(dev, conv_h, a.converged, (size_t)batch)
                    : pml_set_error(PML_ERR_OUT_OF_MEMORY, "recall: host flags");
        for (int64_t b = 0; st == PML_OK && b < batch; ++b)
            out->end[b] = conv_h[b] ? PML_HOPFIELD_FIXED : PML_HOPFIELD_RAN_OUT;
    }
    free(conv_h);
    free(qh);
    drop(&sc);
    return st;
}

/* Host-side bookkeeping of the synchronous and modern loops: sweeps start at max_sweeps and
 * the kernels overwrite them for the probes that stop. */
static pml_status init_counters(pml_device *dev, scratch *sc, int64_t batch, int64_t T,
                                int32_t **status, int64_t **sweeps, int64_t **running)
{
    PML_TRY(take(sc, (size_t)batch * 4, status));
    PML_TRY(take(sc, (size_t)batch * 8, sweeps));
    PML_TRY(take(sc, 8, running));
    PML_TRY(dev->ops->memzero(dev, *status, (size_t)batch * 4));
    int64_t *h = malloc((size_t)batch * 8);
    PML_CHECK(h != NULL, PML_ERR_OUT_OF_MEMORY, "recall: host counters");
    for (int64_t b = 0; b < batch; ++b) h[b] = T;
    const pml_status st = dev->ops->upload(dev, *sweeps, h, (size_t)batch * 8);
    free(h);
    return st;
}

static pml_status finish_counters(pml_device *dev, const int32_t *status, const int64_t *sweeps,
                                  int64_t batch, const pml_hf_out *out)
{
    if (out->sweeps) PML_TRY(dev->ops->download(dev, out->sweeps, sweeps, (size_t)batch * 8));
    if (out->end) PML_TRY(dev->ops->download(dev, out->end, status, (size_t)batch * 4));
    return PML_OK;
}

static pml_status count_running(pml_device *dev, int64_t *running_dev, int64_t *running)
{
    return dev->ops->download(dev, running, running_dev, 8);
}

/* Energies of set 0's states into column t of the host trace (batch x (T+1)); m: their kept
 * Hebbian overlaps, or NULL. */
static pml_status trace_column(pml_hopfield *net, const int8_t *s, const void *sf, int64_t batch,
                               pml_dtype dt, const void *m, int64_t T, int64_t t, double *e_dev,
                               double *e_h, double *trace)
{
    if (net->rule == PML_HOPFIELD_MODERN) {
        PML_TRY(pml_hf_modern_energy(net, sf, batch, e_h));
    } else {
        PML_TRY(pml_hf_energy_dev(net, s, sf, batch, dt, m, e_dev));
        PML_TRY(net->dev->ops->download(net->dev, e_h, e_dev, (size_t)batch * 8));
    }
    for (int64_t b = 0; b < batch; ++b) trace[b * (T + 1) + t] = e_h[b];
    return PML_OK;
}

static pml_status recall_sync(pml_hopfield *net, const pml_hopfield_recall_config *cfg,
                              int8_t *s, int64_t batch, int64_t per_set, const pml_hf_out *out)
{
    pml_device *dev = net->dev;
    const int64_t n = net->n, p = net->p, T = cfg->max_sweeps;
    const int hebb = net->rule == PML_HOPFIELD_HEBB, modern = net->rule == PML_HOPFIELD_MODERN;
    const pml_dtype dt = hebb ? pml_hf_field_dtype(net) : PML_F32;
    const size_t es = pml_dtype_size(dt);
    if (!hebb && !modern) PML_TRY(pml_hf_need_weights(net));
    if (hebb && dt == PML_F64) PML_TRY(pml_hf_need_xid(net));
    if (hebb) PML_TRY(pml_hf_need_xit(net)); /* the overlaps follow the flips: one GEMM a sweep */
    const void *x = dt == PML_F64 ? (const void *)net->xid : (const void *)net->xif;
    scratch sc = {.dev = dev};
    void *sf = NULL, *h = NULL, *m = NULL;
    int8_t *prev = NULL;
    int32_t *status = NULL;
    int64_t *sweeps = NULL, *running = NULL;
    double *e_dev = NULL, *e_h = NULL;
    const int tracing = out->trace != NULL || out->energy != NULL;
    pml_status st = take(&sc, (size_t)(batch * n) * es, &sf);
    if (st == PML_OK) st = take(&sc, (size_t)(batch * n) * es, &h);
    if (st == PML_OK && (hebb || modern)) st = take(&sc, (size_t)(batch * p) * es, &m);
    if (st == PML_OK && !modern) st = take(&sc, (size_t)(batch * n), &prev);
    if (st == PML_OK) st = init_counters(dev, &sc, batch, T, &status, &sweeps, &running);
    if (st == PML_OK && tracing) st = take(&sc, (size_t)batch * 8, &e_dev);
    if (st == PML_OK && tracing && !(e_h = malloc((size_t)batch * 8)))
        st = pml_set_error(PML_ERR_OUT_OF_MEMORY, "recall: host energies");
    if (st == PML_OK) {
        const pml_hopfield_convert_args c = {.src = s, .dst = sf, .dtype = dt, .count = batch * n};
        st = net->ops->convert(dev, &c);
    }
    if (st == PML_OK && prev) st = dev->ops->copy(dev, prev, s, (size_t)(batch * n));
    if (st == PML_OK && out->trace)
        st = trace_column(net, s, sf, batch, dt, NULL, T, 0, e_dev, e_h, out->trace);
    int64_t t = 0;
    for (; st == PML_OK && t < T; ++t) {
        const int64_t nsets = (batch + per_set - 1) / per_set;
        for (int64_t q = 0; st == PML_OK && q < nsets; ++q) {
            const int64_t b0 = q * per_set, nb = batch - b0 < per_set ? batch - b0 : per_set;
            const char *sq = (const char *)sf + (size_t)(b0 * n) * es;
            char *hq = (char *)h + (size_t)(b0 * n) * es;
            if (hebb || modern) { /* m = S Xi^T, then Xi^T m (modern: softmax between) */
                const char *xq = (const char *)x + (size_t)(q * p * n) * es;
                char *mq = (char *)m + (size_t)(b0 * p) * es;
                /* Hebbian overlaps: by GEMM once, then kept by the sync kernel */
                if (modern || t == 0)
                    st = pml_hf_gemm(dev, dt, PML_NO_TRANS, PML_TRANS, nb, p, n, sq, n, xq, n, mq,
                                     p);
                if (st == PML_OK && modern) {
                    const pml_hopfield_softmax_args sm = {.x = (float *)mq, .rows = nb,
                                                          .cols = p, .beta = net->beta};
                    st = net->ops->softmax(dev, &sm);
                }
                if (st == PML_OK)
                    st = pml_hf_gemm(dev, dt, PML_NO_TRANS, PML_NO_TRANS, nb, n, p, mq, p, xq, n,
                                     hq, n);
            } else {
                const float *wq = (const float *)net->w + (size_t)q * (size_t)(n * n);
                st = pml_hf_gemm(dev, PML_F32, PML_NO_TRANS, PML_NO_TRANS, nb, n, n, sq, n, wq,
                                 n, hq, n);
            }
        }
        if (st == PML_OK) st = dev->ops->memzero(dev, running, 8);
        if (st == PML_OK && modern) {
            const pml_hopfield_modern_args a = {.y = h, .xi = sf, .s = s, .status = status,
                                                .sweeps = sweeps, .running = running, .n = n,
                                                .batch = batch, .sweep = t, .tol = cfg->tol};
            st = net->ops->modern(dev, &a);
        } else if (st == PML_OK) {
            const pml_hopfield_sync_args a = {.h = h, .dtype = dt, .self = hebb ? (double)p : 0.0,
                                              .theta = net->theta, .s = s, .prev = prev,
                                              .sf = sf, .status = status, .sweeps = sweeps,
                                              .running = running, .n = n, .batch = batch,
                                              .sweep = t, .m = hebb ? m : NULL,
                                              .xit = hebb ? net->xit : NULL, .p = p,
                                              .per_set = per_set};
            st = net->ops->sync(dev, &a);
        }
        if (st == PML_OK && out->trace)
            st = trace_column(net, s, sf, batch, dt, hebb ? m : NULL, T, t + 1, e_dev, e_h,
                              out->trace);
        int64_t left = 0;
        if (st == PML_OK) st = count_running(dev, running, &left);
        if (st == PML_OK && left == 0) {
            ++t;
            break;
        }
    }
    if (st == PML_OK && out->trace) {
        /* NaN after each probe's last sweep */
        int64_t *sw = malloc((size_t)batch * 8);
        st = sw ? dev->ops->download(dev, sw, sweeps, (size_t)batch * 8)
                : pml_set_error(PML_ERR_OUT_OF_MEMORY, "recall: host sweeps");
        for (int64_t b = 0; st == PML_OK && b < batch; ++b)
            for (int64_t u = sw[b] + 1; u <= T; ++u) out->trace[b * (T + 1) + u] = NAN;
        free(sw);
    }
    if (st == PML_OK && out->energy) {
        if (modern) {
            st = pml_hf_modern_energy(net, sf, batch, out->energy);
        } else {
            st = pml_hf_energy_dev(net, s, sf, batch, dt, hebb ? m : NULL, e_dev);
            if (st == PML_OK) st = dev->ops->download(dev, out->energy, e_dev, (size_t)batch * 8);
        }
    }
    if (st == PML_OK) st = finish_counters(dev, status, sweeps, batch, out);
    if (st == PML_OK && hebb && out->overlaps) { /* the kept overlaps are the final states' */
        const size_t cnt = (size_t)(batch * p);
        void *mh = malloc(cnt * es);
        st = mh ? dev->ops->download(dev, mh, m, cnt * es)
                : pml_set_error(PML_ERR_OUT_OF_MEMORY, "recall: host overlaps");
        for (size_t k = 0; st == PML_OK && k < cnt; ++k)
            out->overlaps[k] = (dt == PML_F32 ? (double)((float *)mh)[k] : ((double *)mh)[k]) /
                               (double)n;
        if (st == PML_OK && out->have_overlaps) *out->have_overlaps = 1;
        free(mh);
    }
    free(e_h);
    drop(&sc);
    return st;
}

pml_status pml_hf_recall_dev(pml_hopfield *net, const pml_hopfield_recall_config *cfg,
                             int8_t *s, int64_t batch, int64_t per_set, int64_t p0,
                             const pml_hf_out *out)
{
    if (net->rule == PML_HOPFIELD_MODERN || cfg->mode == PML_HOPFIELD_SYNC)
        return recall_sync(net, cfg, s, batch, per_set, out);
    return recall_async(net, cfg, s, batch, per_set, p0, out);
}

/* Probes per chunk: keep one chunk's device scratch near 256 MiB. */
static int64_t chunk_probes(const pml_hopfield *net, int64_t T, int tracing)
{
    const int64_t per = 40 * net->n + 16 * net->p + (tracing ? 8 * (T + 1) : 0) + 64;
    const int64_t c = ((int64_t)256 << 20) / per;
    return c < 1 ? 1 : c;
}

pml_status pml_hopfield_recall(pml_hopfield *net, const pml_hopfield_recall_config *cfg,
                               int8_t *states, int64_t batch, pml_hopfield_result *results,
                               double *trace)
{
    const char *fn = "pml_hopfield_recall";
    PML_CHECK_ARG(net != NULL && states != NULL, fn, "net or states is NULL");
    PML_TRY(pml_hf_check_recall(fn, cfg));
    PML_CHECK(batch >= 1 && batch <= ((int64_t)1 << 31), PML_ERR_INVALID_ARGUMENT,
              "%s: batch = %lld, needs 1 .. 2^31", fn, (long long)batch);
    const int64_t n = net->n, p = net->p, T = cfg->max_sweeps;
    PML_TRY(pml_hf_check_pm1(fn, "states", states, (size_t)(batch * n)));
    const int64_t C = chunk_probes(net, T, trace != NULL);
    const int64_t cap = batch < C ? batch : C;
    int8_t *s = NULL;
    int64_t *sweeps = malloc((size_t)cap * 8);
    int32_t *end = malloc((size_t)cap * 4);
    double *energy = malloc((size_t)cap * 8), *m = malloc((size_t)(cap * p) * 8);
    pml_status st = sweeps && end && energy && m
                        ? pml_hf_alloc(net->dev, (size_t)(cap * n), (void **)&s)
                        : pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: host results", fn);
    for (int64_t b0 = 0; st == PML_OK && b0 < batch; b0 += cap) {
        const int64_t nb = batch - b0 < cap ? batch - b0 : cap;
        int8_t *hs = states + b0 * n;
        int have_m = 0; /* the results: what recall reports, and the final overlaps when it
                           keeps them (Hebbian), else computed below */
        const pml_hf_out out = {.sweeps = results ? sweeps : NULL, .end = results ? end : NULL,
                                .energy = results ? energy : NULL,
                                .trace = trace ? trace + b0 * (T + 1) : NULL,
                                .overlaps = results ? m : NULL, .have_overlaps = &have_m};
        st = net->dev->ops->upload(net->dev, s, hs, (size_t)(nb * n));
        if (st == PML_OK) st = pml_hf_recall_dev(net, cfg, s, nb, nb, b0, &out);
        if (st == PML_OK) st = net->dev->ops->download(net->dev, hs, s, (size_t)(nb * n));
        if (st == PML_OK && results && !have_m) st = pml_hf_overlaps_host(net, s, hs, nb, m);
        for (int64_t b = 0; st == PML_OK && results && b < nb; ++b) {
            int64_t best = 0;
            for (int64_t k = 1; k < p; ++k)
                if (fabs(m[b * p + k]) > fabs(m[b * p + best])) best = k;
            results[b0 + b] = (pml_hopfield_result){.sweeps = sweeps[b],
                                                    .end = (pml_hopfield_end)end[b],
                                                    .energy = energy[b], .pattern = best,
                                                    .overlap = m[b * p + best]};
        }
    }
    pml_hf_free(net->dev, s);
    free(sweeps);
    free(end);
    free(energy);
    free(m);
    return pml_error_within(st, fn);
}
