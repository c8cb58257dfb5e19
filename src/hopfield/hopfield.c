/* The Hopfield network object: argument checks, pattern storage by the three rules (built on
 * the device with GEMMs and the family's kernels), weights, energies and overlaps. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hopfield/hopfield_model.h"

static const char *const rule_names[] = {"hebb", "pinv", "storkey", "modern"};
static const char *const mode_names[] = {"async", "sync", "glauber"};
static const char *const order_names[] = {"random", "index"};
PML_DEFINE_NAMES(pml_hopfield_rule, pml_hopfield_rule, "storage rule", rule_names)
PML_DEFINE_NAMES(pml_hopfield_mode, pml_hopfield_mode, "recall mode", mode_names)
PML_DEFINE_NAMES(pml_hopfield_order, pml_hopfield_order, "update order", order_names)

pml_status pml_hf_alloc(pml_device *dev, size_t bytes, void **out)
{
    *out = NULL;
    if (bytes == 0) return PML_OK;
    return dev->ops->alloc(dev, bytes, out);
}

void pml_hf_free(pml_device *dev, void *p)
{
    if (p) dev->ops->release(dev, p);
}

/* C = op(A) op(B), row-major, never in TF32: the Hebbian sums must stay exact integers. */
pml_status pml_hf_gemm(pml_device *dev, pml_dtype dt, pml_transpose ta, pml_transpose tb,
                       int64_t m, int64_t n, int64_t k, const void *a, int64_t lda,
                       const void *b, int64_t ldb, void *c, int64_t ldc)
{
    const pml_gemm_args g = {.dtype = dt, .trans_a = ta, .trans_b = tb, .m = m, .n = n,
                             .k = k, .alpha = 1.0, .beta = 0.0, .a = a, .lda = lda, .b = b,
                             .ldb = ldb, .c = c, .ldc = ldc};
    const int tf32 = dev->tf32;
    dev->tf32 = 0;
    const pml_status st = dev->ops->gemm(dev, &g);
    dev->tf32 = tf32;
    return st;
}

pml_status pml_hopfield_from_binary(const uint8_t *x, int8_t *s, size_t count)
{
    const char *fn = "pml_hopfield_from_binary";
    PML_CHECK_ARG(x != NULL && s != NULL, fn, "x or s is NULL");
    for (size_t i = 0; i < count; ++i)
        PML_CHECK(x[i] <= 1, PML_ERR_INVALID_ARGUMENT, "%s: x[%zu] = %u, needs 0 or 1", fn, i,
                  (unsigned)x[i]);
    for (size_t i = 0; i < count; ++i) s[i] = (int8_t)(2 * x[i] - 1);
    return PML_OK;
}

pml_status pml_hopfield_stripes(int8_t *out, size_t count)
{
    PML_CHECK_ARG(out != NULL, "pml_hopfield_stripes", "out is NULL");
    PML_CHECK(count >= 32, PML_ERR_INVALID_ARGUMENT,
              "pml_hopfield_stripes: count %zu, needs 32 (2 patterns x 16)", count);
    for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 4; ++c) {
            out[r * 4 + c] = (int8_t)(c % 2 ? -1 : 1);
            out[16 + r * 4 + c] = (int8_t)(r % 2 ? -1 : 1);
        }
    return PML_OK;
}

double pml_hopfield_alpha_mceliece(int64_t n)
{
    return n < 2 ? NAN : 1.0 / (2.0 * log((double)n));
}

int64_t pml_hopfield_neurons(const pml_hopfield *net) { return net ? net->n : -1; }
int64_t pml_hopfield_patterns(const pml_hopfield *net) { return net ? net->p : -1; }
pml_hopfield_rule pml_hopfield_rule_of(const pml_hopfield *net)
{
    return net ? net->rule : PML_HOPFIELD_HEBB;
}

void pml_hopfield_destroy(pml_hopfield *net)
{
    if (!net) return;
    pml_hf_free(net->dev, net->xi);
    pml_hf_free(net->dev, net->xif);
    pml_hf_free(net->dev, net->xid);
    pml_hf_free(net->dev, net->xit);
    pml_hf_free(net->dev, net->xib);
    pml_hf_free(net->dev, net->xip);
    pml_hf_free(net->dev, net->w);
    pml_hf_free(net->dev, net->theta);
    pml_hf_free(net->dev, net->theta_user);
    free(net->theta_host);
    free(net->xi_host);
    free(net);
}

/* ---- storage rules ----------------------------------------------------------------------- */

pml_status pml_hf_need_weights(pml_hopfield *net)
{
    if (net->w || net->rule != PML_HOPFIELD_HEBB) return PML_OK;
    const int64_t n = net->n, p = net->p;
    const size_t nn = (size_t)n * (size_t)n;
    float *tmp = NULL;
    PML_TRY(pml_hf_alloc(net->dev, nn * net->sets * sizeof(float), (void **)&tmp));
    pml_status st = pml_hf_alloc(net->dev, nn * net->sets * sizeof(int32_t), &net->w);
    for (int64_t s = 0; st == PML_OK && s < net->sets; ++s) /* Xi^T Xi: exact below 2^24 */
        st = pml_hf_gemm(net->dev, PML_F32, PML_TRANS, PML_NO_TRANS, n, n, p,
                         net->xif + s * p * n, n, net->xif + s * p * n, n, tmp + s * nn, n);
    if (st == PML_OK) {
        const pml_hopfield_weights_args a = {.src = tmp, .dst = net->w, .dtype = PML_I32,
                                             .n = n, .sets = net->sets, .scale = 1.0};
        st = net->ops->weights(net->dev, &a);
    }
    pml_hf_free(net->dev, tmp);
    if (st != PML_OK) {
        pml_hf_free(net->dev, net->w);
        net->w = NULL;
    }
    return st;
}

pml_status pml_hf_upload_new(pml_device *dev, const void *host, size_t bytes, void **out)
{
    PML_TRY(pml_hf_alloc(dev, bytes, out));
    const pml_status st = dev->ops->upload(dev, *out, host, bytes);
    if (st != PML_OK) {
        pml_hf_free(dev, *out);
        *out = NULL;
    }
    return st;
}

pml_status pml_hf_need_xit(pml_hopfield *net)
{
    if (net->xit) return PML_OK;
    const int64_t n = net->n, p = net->p, pc = (p + 15) / 16, nw = (n + 31) / 32;
    const size_t count = (size_t)(net->sets * p * n), bcount = (size_t)(net->sets * n * pc),
                 wcount = (size_t)(net->sets * p * nw);
    int8_t *h = malloc(count), *t = malloc(count);
    uint16_t *bits = calloc(bcount, sizeof *bits);
    uint32_t *rows = calloc(wcount, sizeof *rows);
    pml_status st = h && t && bits && rows
                        ? PML_OK
                        : pml_set_error(PML_ERR_OUT_OF_MEMORY, "transposed patterns");
    if (st == PML_OK) st = net->dev->ops->download(net->dev, h, net->xi, count);
    for (int64_t k = 0; st == PML_OK && k < net->sets; ++k)
        for (int64_t mu = 0; mu < p; ++mu)
            for (int64_t i = 0; i < n; ++i) {
                const int neg = h[(k * p + mu) * n + i] < 0;
                t[(k * n + i) * p + mu] = (int8_t)(neg ? -1 : 0);
                bits[(k * n + i) * pc + mu / 16] |= (uint16_t)(neg << (mu % 16));
                rows[(k * p + mu) * nw + i / 32] |= (uint32_t)neg << (i % 32);
            }
    if (st == PML_OK) st = pml_hf_upload_new(net->dev, t, count, (void **)&net->xit);
    if (st == PML_OK) st = pml_hf_upload_new(net->dev, bits, bcount * sizeof *bits, (void **)&net->xib);
    if (st == PML_OK) st = pml_hf_upload_new(net->dev, rows, wcount * sizeof *rows, (void **)&net->xip);
    if (st != PML_OK) {
        pml_hf_free(net->dev, net->xit);
        pml_hf_free(net->dev, net->xib);
        pml_hf_free(net->dev, net->xip);
        net->xit = NULL;
        net->xib = NULL;
        net->xip = NULL;
    }
    free(h);
    free(t);
    free(bits);
    free(rows);
    return st;
}

pml_status pml_hf_need_xid(pml_hopfield *net)
{
    if (net->xid) return PML_OK;
    const size_t count = (size_t)(net->sets * net->p * net->n);
    PML_TRY(pml_hf_alloc(net->dev, count * sizeof(double), (void **)&net->xid));
    const pml_hopfield_convert_args a = {.src = net->xi, .dst = net->xid, .dtype = PML_F64,
                                         .count = (int64_t)count};
    return net->ops->convert(net->dev, &a);
}

/* In-place inverse of the symmetric positive-definite p x p matrix a (Cholesky, double).
 * Returns 0 when a is singular to working precision. */
static int spd_inverse(double *a, int64_t p)
{
    double *l = calloc((size_t)(p * p), sizeof *l);
    if (!l) return -1;
    for (int64_t j = 0; j < p; ++j) {
        double d = a[j * p + j];
        for (int64_t k = 0; k < j; ++k) d -= l[j * p + k] * l[j * p + k];
        if (!(d > 1e-9 * a[j * p + j])) {
            free(l);
            return 0;
        }
        l[j * p + j] = sqrt(d);
        for (int64_t i = j + 1; i < p; ++i) {
            double v = a[i * p + j];
            for (int64_t k = 0; k < j; ++k) v -= l[i * p + k] * l[j * p + k];
            l[i * p + j] = v / l[j * p + j];
        }
    }
    /* inverse of L (lower), then A^-1 = L^-T L^-1 */
    double *li = calloc((size_t)(p * p), sizeof *li);
    if (!li) {
        free(l);
        return -1;
    }
    for (int64_t j = 0; j < p; ++j) {
        li[j * p + j] = 1.0 / l[j * p + j];
        for (int64_t i = j + 1; i < p; ++i) {
            double v = 0.0;
            for (int64_t k = j; k < i; ++k) v -= l[i * p + k] * li[k * p + j];
            li[i * p + j] = v / l[i * p + i];
        }
    }
    for (int64_t i = 0; i < p; ++i)
        for (int64_t j = 0; j <= i; ++j) {
            double v = 0.0;
            for (int64_t k = i; k < p; ++k) v += li[k * p + i] * li[k * p + j];
            a[i * p + j] = a[j * p + i] = v;
        }
    free(l);
    free(li);
    return 1;
}

/* W = Xi^T (Xi Xi^T)^-1 Xi for one set, diagonal zeroed. */
static pml_status build_pinv(pml_hopfield *net, int64_t set, float *w)
{
    pml_device *dev = net->dev;
    const int64_t n = net->n, p = net->p;
    const float *xif = net->xif + set * p * n;
    float *g = NULL, *b = NULL;
    double *gh = malloc((size_t)(p * p) * sizeof *gh);
    float *gf = malloc((size_t)(p * p) * sizeof *gf);
    pml_status st = gh && gf ? PML_OK : pml_set_error(PML_ERR_OUT_OF_MEMORY, "pinv: host Gram matrix");
    if (st == PML_OK) st = pml_hf_alloc(dev, (size_t)(p * p) * sizeof(float), (void **)&g);
    if (st == PML_OK) st = pml_hf_alloc(dev, (size_t)(p * n) * sizeof(float), (void **)&b);
    if (st == PML_OK)
        st = pml_hf_gemm(dev, PML_F32, PML_NO_TRANS, PML_TRANS, p, p, n, xif, n, xif, n, g, p);
    if (st == PML_OK) st = dev->ops->download(dev, gf, g, (size_t)(p * p) * sizeof(float));
    if (st == PML_OK) {
        for (int64_t i = 0; i < p * p; ++i) gh[i] = gf[i];
        const int ok = spd_inverse(gh, p);
        if (ok < 0) st = pml_set_error(PML_ERR_OUT_OF_MEMORY, "pinv: host inverse");
        else if (ok == 0)
            st = pml_set_error(PML_ERR_INVALID_ARGUMENT,
                               "the pseudo-inverse rule needs linearly independent patterns "
                               "(set %lld: the %lld patterns' Gram matrix is singular)",
                               (long long)set, (long long)p);
    }
    if (st == PML_OK) {
        for (int64_t i = 0; i < p * p; ++i) gf[i] = (float)gh[i];
        st = dev->ops->upload(dev, g, gf, (size_t)(p * p) * sizeof(float));
    }
    if (st == PML_OK) /* B = G^-1 Xi, W = Xi^T B */
        st = pml_hf_gemm(dev, PML_F32, PML_NO_TRANS, PML_NO_TRANS, p, n, p, g, p, xif, n, b, n);
    if (st == PML_OK)
        st = pml_hf_gemm(dev, PML_F32, PML_TRANS, PML_NO_TRANS, n, n, p, xif, n, b, n, w, n);
    if (st == PML_OK) {
        const pml_hopfield_weights_args a = {.src = w, .dst = w, .dtype = PML_F32, .n = n,
                                             .sets = 1, .scale = 1.0};
        st = net->ops->weights(dev, &a);
    }
    pml_hf_free(dev, g);
    pml_hf_free(dev, b);
    free(gh);
    free(gf);
    return st;
}

static pml_status build_storkey(pml_hopfield *net, int64_t set, float *w)
{
    pml_device *dev = net->dev;
    const int64_t n = net->n, p = net->p;
    float *h = NULL;
    PML_TRY(dev->ops->memzero(dev, w, (size_t)(n * n) * sizeof(float)));
    PML_TRY(pml_hf_alloc(dev, (size_t)n * sizeof(float), (void **)&h));
    pml_status st = PML_OK;
    for (int64_t mu = 0; st == PML_OK && mu < p; ++mu) {
        const float *x = net->xif + (set * p + mu) * n;
        st = pml_hf_gemm(dev, PML_F32, PML_NO_TRANS, PML_NO_TRANS, n, 1, n, w, n, x, 1, h, 1);
        if (st == PML_OK) {
            const pml_hopfield_storkey_args a = {.w = w, .xi = x, .h = h, .n = n};
            st = net->ops->storkey(dev, &a);
        }
    }
    pml_hf_free(dev, h);
    return st;
}

pml_status pml_hf_create_dev(pml_device *dev, int64_t n, int64_t p, int64_t sets,
                             pml_hopfield_rule rule, int8_t *xi, pml_hopfield **out)
{
    PML_FAMILY(dev, hopfield, "pml_hopfield_create", "Hopfield", ops);
    pml_hopfield *net = calloc(1, sizeof *net);
    if (!net) {
        pml_hf_free(dev, xi);
        return pml_set_error(PML_ERR_OUT_OF_MEMORY, "pml_hopfield_create: network");
    }
    *net = (pml_hopfield){.dev = dev, .ops = ops, .n = n, .p = p, .sets = sets, .rule = rule,
                          .beta = 1.0, .xi = xi};
    const size_t count = (size_t)(sets * p * n), nn = (size_t)n * (size_t)n;
    pml_status st = pml_hf_alloc(dev, count * sizeof(float), (void **)&net->xif);
    if (st == PML_OK) {
        const pml_hopfield_convert_args a = {.src = xi, .dst = net->xif, .dtype = PML_F32,
                                             .count = (int64_t)count};
        st = ops->convert(dev, &a);
    }
    if (st == PML_OK && (rule == PML_HOPFIELD_PINV || rule == PML_HOPFIELD_STORKEY)) {
        st = pml_hf_alloc(dev, nn * sets * sizeof(float), &net->w);
        for (int64_t s = 0; st == PML_OK && s < sets; ++s)
            st = rule == PML_HOPFIELD_PINV ? build_pinv(net, s, (float *)net->w + s * nn)
                                           : build_storkey(net, s, (float *)net->w + s * nn);
    }
    if (st != PML_OK) {
        pml_hopfield_destroy(net);
        return st;
    }
    *out = net;
    return PML_OK;
}

pml_status pml_hf_check_pm1(const char *fn, const char *what, const int8_t *v, size_t count)
{
    for (size_t i = 0; i < count; ++i)
        PML_CHECK(v[i] == 1 || v[i] == -1, PML_ERR_INVALID_ARGUMENT,
                  "%s: %s[%zu] = %d, needs +1 or -1", fn, what, i, (int)v[i]);
    return PML_OK;
}

pml_status pml_hopfield_create(pml_device *dev, int64_t n, const int8_t *patterns, int64_t p,
                               pml_hopfield_rule rule, pml_hopfield **out)
{
    const char *fn = "pml_hopfield_create";
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK_ARG(dev != NULL && patterns != NULL, fn, "dev or patterns is NULL");
    PML_CHECK(n >= 2 && n <= ((int64_t)1 << 24), PML_ERR_INVALID_ARGUMENT,
              "%s: n = %lld, needs 2 .. 2^24 neurons", fn, (long long)n);
    PML_CHECK(p >= 1 && p <= ((int64_t)1 << 24), PML_ERR_INVALID_ARGUMENT,
              "%s: p = %lld, needs 1 .. 2^24 patterns", fn, (long long)p);
    PML_CHECK(rule >= PML_HOPFIELD_HEBB && rule <= PML_HOPFIELD_MODERN, PML_ERR_INVALID_ARGUMENT,
              "%s: unknown rule %d", fn, (int)rule);
    PML_CHECK(rule != PML_HOPFIELD_HEBB || p * (n - 1) < ((int64_t)1 << 31),
              PML_ERR_INVALID_ARGUMENT,
              "%s: p (n - 1) = %lld, the Hebbian integer fields need < 2^31", fn,
              (long long)(p * (n - 1)));
    PML_CHECK(rule != PML_HOPFIELD_PINV || p <= n, PML_ERR_INVALID_ARGUMENT,
              "%s: p = %lld > n = %lld: the pseudo-inverse rule needs linearly independent "
              "patterns", fn, (long long)p, (long long)n);
    PML_TRY(pml_hf_check_pm1(fn, "patterns", patterns, (size_t)(p * n)));
    int8_t *xi = NULL;
    PML_TRY(pml_error_within(pml_hf_upload_new(dev, patterns, (size_t)(p * n), (void **)&xi), fn));
    PML_TRY(pml_error_within(pml_hf_create_dev(dev, n, p, 1, rule, xi, out), fn));
    /* a host copy: overlaps of small batches are cheaper here than a GEMM on the device */
    (*out)->xi_host = malloc((size_t)(p * n));
    if ((*out)->xi_host) memcpy((*out)->xi_host, patterns, (size_t)(p * n));
    return PML_OK;
}

pml_status pml_hopfield_set_thresholds(pml_hopfield *net, const double *theta, size_t count)
{
    const char *fn = "pml_hopfield_set_thresholds";
    PML_CHECK_ARG(net != NULL, fn, "net is NULL");
    if (!theta) {
        pml_hf_free(net->dev, net->theta);
        pml_hf_free(net->dev, net->theta_user);
        free(net->theta_host);
        net->theta = net->theta_user = NULL;
        net->theta_host = NULL;
        return PML_OK;
    }
    const int64_t n = net->n;
    PML_CHECK(count == (size_t)n, PML_ERR_INVALID_ARGUMENT, "%s: count %zu, needs n = %lld", fn,
              count, (long long)n);
    for (int64_t i = 0; i < n; ++i)
        PML_CHECK(isfinite(theta[i]), PML_ERR_INVALID_ARGUMENT, "%s: theta[%lld] is not finite",
                  fn, (long long)i);
    double *host = malloc((size_t)n * sizeof *host), *scaled = malloc((size_t)n * sizeof *scaled);
    double *dev_theta = NULL, *dev_user = NULL;
    pml_status st = host && scaled ? PML_OK : pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s", fn);
    if (st == PML_OK) st = pml_hf_alloc(net->dev, (size_t)n * sizeof(double), (void **)&dev_theta);
    if (st == PML_OK) st = pml_hf_alloc(net->dev, (size_t)n * sizeof(double), (void **)&dev_user);
    if (st == PML_OK) {
        const double u = net->rule == PML_HOPFIELD_HEBB ? (double)n : 1.0;
        for (int64_t i = 0; i < n; ++i) {
            host[i] = theta[i];
            scaled[i] = theta[i] * u;
        }
        st = net->dev->ops->upload(net->dev, dev_theta, scaled, (size_t)n * sizeof(double));
    }
    if (st == PML_OK) st = net->dev->ops->upload(net->dev, dev_user, host, (size_t)n * sizeof(double));
    free(scaled);
    if (st != PML_OK) {
        free(host);
        pml_hf_free(net->dev, dev_theta);
        pml_hf_free(net->dev, dev_user);
        return st;
    }
    pml_hf_free(net->dev, net->theta);
    pml_hf_free(net->dev, net->theta_user);
    free(net->theta_host);
    net->theta = dev_theta;
    net->theta_user = dev_user;
    net->theta_host = host;
    return PML_OK;
}

pml_status pml_hopfield_weights(pml_hopfield *net, double *w, size_t count)
{
    const char *fn = "pml_hopfield_weights";
    PML_CHECK_ARG(net != NULL && w != NULL, fn, "net or w is NULL");
    const int64_t n = net->n;
    const size_t nn = (size_t)n * (size_t)n;
    PML_CHECK(count >= nn, PML_ERR_INVALID_ARGUMENT, "%s: count %zu < n^2 = %zu", fn, count, nn);
    PML_CHECK(net->rule != PML_HOPFIELD_MODERN, PML_ERR_INVALID_ARGUMENT,
              "%s: the modern rule has no weight matrix", fn);
    PML_TRY(pml_hf_need_weights(net));
    void *h = malloc(nn * 4);
    PML_CHECK(h != NULL, PML_ERR_OUT_OF_MEMORY, "%s: host copy", fn);
    pml_status st = net->dev->ops->download(net->dev, h, net->w, nn * 4);
    if (st == PML_OK) {
        for (size_t i = 0; i < nn; ++i)
            w[i] = net->rule == PML_HOPFIELD_HEBB ? (double)((int32_t *)h)[i] / (double)n
                                                  : (double)((float *)h)[i];
    }
    free(h);
    return st;
}

/* States (host) onto the device as int8 and as the GEMM dtype. */
static pml_status upload_states(pml_hopfield *net, const int8_t *states, int64_t batch,
                                pml_dtype dt, int8_t **s, void **sf)
{
    const size_t count = (size_t)(batch * net->n);
    *s = NULL;
    *sf = NULL;
    PML_TRY(pml_hf_alloc(net->dev, count, (void **)s));
    pml_status st = net->dev->ops->upload(net->dev, *s, states, count);
    if (st == PML_OK) st = pml_hf_alloc(net->dev, count * pml_dtype_size(dt), sf);
    if (st == PML_OK) {
        const pml_hopfield_convert_args a = {.src = *s, .dst = *sf, .dtype = dt,
                                             .count = (int64_t)count};
        st = net->ops->convert(net->dev, &a);
    }
    return st;
}

/* m (device, batch x p, dtype dt) = S Xi^T for states sf of set 0. */
static pml_status overlaps_dev(pml_hopfield *net, const void *sf, int64_t batch, pml_dtype dt,
                               void *m)
{
    if (dt == PML_F64) PML_TRY(pml_hf_need_xid(net));
    const void *x = dt == PML_F64 ? (const void *)net->xid : (const void *)net->xif;
    return pml_hf_gemm(net->dev, dt, PML_NO_TRANS, PML_TRANS, batch, net->p, net->n, sf, net->n,
                       x, net->n, m, net->p);
}

pml_status pml_hf_energy_dev(pml_hopfield *net, const int8_t *s, const void *sf, int64_t batch,
                             pml_dtype dt, const void *m, double *out_dev)
{
    const int64_t n = net->n, p = net->p;
    const size_t es = pml_dtype_size(dt);
    void *tmp = NULL;
    const int64_t k = net->rule == PML_HOPFIELD_HEBB ? p : n;
    const int given = net->rule == PML_HOPFIELD_HEBB && m != NULL;
    if (!given) PML_TRY(pml_hf_alloc(net->dev, (size_t)(batch * k) * es, &tmp));
    pml_status st = PML_OK;
    pml_hopfield_energy_args a = {.dtype = dt, .k_dim = k, .s = s, .n = n, .batch = batch,
                                  .out = out_dev};
    if (net->rule == PML_HOPFIELD_HEBB) { /* -(sum_mu m_mu^2 - p n) / 2n */
        if (!given) st = overlaps_dev(net, sf, batch, dt, tmp);
        a.u = a.v = given ? m : tmp;
        a.scale = -0.5 / (double)n;
        a.offset = 0.5 * (double)p;
    } else { /* -1/2 s . W s (float weights: dt is F32) */
        st = pml_hf_gemm(net->dev, PML_F32, PML_NO_TRANS, PML_NO_TRANS, batch, n, n, sf, n,
                         net->w, n, tmp, n);
        a.u = tmp;
        a.v = sf;
        a.scale = -0.5;
    }
    a.theta = net->theta_user; /* theta . s in the user's units */
    if (st == PML_OK) st = net->ops->energy(net->dev, &a);
    pml_hf_free(net->dev, tmp);
    return st;
}

pml_dtype pml_hf_field_dtype(const pml_hopfield *net)
{
    return net->rule == PML_HOPFIELD_HEBB && net->p * net->n >= ((int64_t)1 << 24) ? PML_F64
                                                                                 : PML_F32;
}

pml_status pml_hopfield_set_beta(pml_hopfield *net, double beta)
{
    const char *fn = "pml_hopfield_set_beta";
    PML_CHECK_ARG(net != NULL, fn, "net is NULL");
    PML_CHECK(isfinite(beta) && beta > 0.0, PML_ERR_INVALID_ARGUMENT,
              "%s: beta = %g, needs a finite beta > 0", fn, beta);
    PML_CHECK(net->rule == PML_HOPFIELD_MODERN, PML_ERR_INVALID_ARGUMENT,
              "%s: only the modern rule has a beta (this network is %s)", fn,
              pml_hopfield_rule_name(net->rule));
    net->beta = beta;
    return PML_OK;
}

pml_status pml_hf_modern_energy(pml_hopfield *net, const float *xf, int64_t batch, double *out)
{
    const int64_t n = net->n, p = net->p;
    float *l = NULL;
    float *lh = malloc((size_t)(batch * p) * sizeof *lh), *xh = malloc((size_t)(batch * n) * sizeof *xh);
    pml_status st = lh && xh ? PML_OK : pml_set_error(PML_ERR_OUT_OF_MEMORY, "modern energy");
    if (st == PML_OK) st = pml_hf_alloc(net->dev, (size_t)(batch * p) * sizeof(float), (void **)&l);
    if (st == PML_OK)
        st = pml_hf_gemm(net->dev, PML_F32, PML_NO_TRANS, PML_TRANS, batch, p, n, xf, n,
                         net->xif, n, l, p);
    if (st == PML_OK) st = net->dev->ops->download(net->dev, lh, l, (size_t)(batch * p) * sizeof(float));
    if (st == PML_OK) st = net->dev->ops->download(net->dev, xh, xf, (size_t)(batch * n) * sizeof(float));
    for (int64_t b = 0; st == PML_OK && b < batch; ++b) {
        double mx = -INFINITY, sum = 0.0, sq = 0.0;
        for (int64_t k = 0; k < p; ++k) mx = fmax(mx, net->beta * lh[b * p + k]);
        for (int64_t k = 0; k < p; ++k) sum += exp(net->beta * lh[b * p + k] - mx);
        for (int64_t i = 0; i < n; ++i) sq += (double)xh[b * n + i] * xh[b * n + i];
        out[b] = -(mx + log(sum)) / net->beta + 0.5 * sq;
    }
    pml_hf_free(net->dev, l);
    free(lh);
    free(xh);
    return st;
}

pml_status pml_hopfield_energy(pml_hopfield *net, const int8_t *states, int64_t batch,
                               double *energy)
{
    const char *fn = "pml_hopfield_energy";
    PML_CHECK_ARG(net != NULL && states != NULL && energy != NULL, fn,
                  "net, states or energy is NULL");
    PML_CHECK(batch >= 1, PML_ERR_INVALID_ARGUMENT, "%s: batch = %lld, needs >= 1", fn,
              (long long)batch);
    PML_TRY(pml_hf_check_pm1(fn, "states", states, (size_t)(batch * net->n)));
    const pml_dtype dt = net->rule == PML_HOPFIELD_HEBB ? pml_hf_field_dtype(net) : PML_F32;
    int8_t *s = NULL;
    void *sf = NULL;
    double *e = NULL;
    pml_status st = upload_states(net, states, batch, dt, &s, &sf);
    if (st == PML_OK && net->rule == PML_HOPFIELD_MODERN) {
        st = pml_hf_modern_energy(net, sf, batch, energy);
    } else if (st == PML_OK) {
        st = pml_hf_alloc(net->dev, (size_t)batch * sizeof(double), (void **)&e);
        if (st == PML_OK) st = pml_hf_energy_dev(net, s, sf, batch, dt, NULL, e);
        if (st == PML_OK) st = net->dev->ops->download(net->dev, energy, e, (size_t)batch * sizeof(double));
    }
    pml_hf_free(net->dev, s);
    pml_hf_free(net->dev, sf);
    pml_hf_free(net->dev, e);
    return pml_error_within(st, fn);
}

pml_status pml_hf_overlaps_host(pml_hopfield *net, const int8_t *s_dev, const int8_t *s_host,
                                int64_t batch, double *m)
{
    const int64_t n = net->n, p = net->p;
    if (s_host && net->xi_host && (double)batch * (double)p * (double)n <= (double)(1 << 22)) {
        /* small: integer dots on the host (no GEMM, no BLAS threads woken) */
        for (int64_t b = 0; b < batch; ++b)
            for (int64_t k = 0; k < p; ++k) {
                const int8_t *restrict x = net->xi_host + k * n, *restrict y = s_host + b * n;
                int32_t d = 0;
#pragma omp simd reduction(+ : d)
                for (int64_t i = 0; i < n; ++i) d += (int16_t)(x[i] * y[i]);
                m[b * p + k] = (double)d / (double)n;
            }
        return PML_OK;
    }
    const pml_dtype dt = pml_hf_field_dtype(net);
    const size_t es = pml_dtype_size(dt);
    void *sf = NULL, *md = NULL, *mh = malloc((size_t)(batch * p) * es);
    pml_status st = mh ? PML_OK : pml_set_error(PML_ERR_OUT_OF_MEMORY, "overlaps: host copy");
    if (st == PML_OK) st = pml_hf_alloc(net->dev, (size_t)(batch * n) * es, &sf);
    if (st == PML_OK) st = pml_hf_alloc(net->dev, (size_t)(batch * p) * es, &md);
    if (st == PML_OK) {
        const pml_hopfield_convert_args a = {.src = s_dev, .dst = sf, .dtype = dt,
                                             .count = batch * n};
        st = net->ops->convert(net->dev, &a);
    }
    if (st == PML_OK) st = overlaps_dev(net, sf, batch, dt, md);
    if (st == PML_OK) st = net->dev->ops->download(net->dev, mh, md, (size_t)(batch * p) * es);
    for (int64_t i = 0; st == PML_OK && i < batch * p; ++i)
        m[i] = (dt == PML_F32 ? (double)((float *)mh)[i] : ((double *)mh)[i]) / (double)n;
    pml_hf_free(net->dev, sf);
    pml_hf_free(net->dev, md);
    free(mh);
    return st;
}

pml_status pml_hopfield_overlaps(pml_hopfield *net, const int8_t *states, int64_t batch, double *m)
{
    const char *fn = "pml_hopfield_overlaps";
    PML_CHECK_ARG(net != NULL && states != NULL && m != NULL, fn, "net, states or m is NULL");
    PML_CHECK(batch >= 1, PML_ERR_INVALID_ARGUMENT, "%s: batch = %lld, needs >= 1", fn,
              (long long)batch);
    PML_TRY(pml_hf_check_pm1(fn, "states", states, (size_t)(batch * net->n)));
    int8_t *s = NULL;
    pml_status st = pml_hf_alloc(net->dev, (size_t)(batch * net->n), (void **)&s);
    if (st == PML_OK) st = net->dev->ops->upload(net->dev, s, states, (size_t)(batch * net->n));
    if (st == PML_OK) st = pml_hf_overlaps_host(net, s, states, batch, m);
    pml_hf_free(net->dev, s);
    return pml_error_within(st, fn);
}
