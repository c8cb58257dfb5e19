/* The spec items of the convolution kinds and their geometry, shared by conv, convt and the
 * pooling kinds:
 *   conv:C:K[:stride=S][:pad=P|same][:nobias]
 *   convt:C:K[:stride=S][:pad=P][:outpad=Q][:nobias]
 *   maxpool:K[:S]   avgpool:K[:S]
 * C output channels, a K x K kernel (or window), stride S (1; pooling: K), zero padding P on
 * each side ("same": (K-1)/2, odd K), and a transposed convolution's extra output rows Q. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "nn/layer.h"

/* "text" as an integer in lo..hi, or an error naming the item, what and the range. */
static pml_status number(const char *text, size_t len, long long lo, long long hi,
                         const char *what, const pml_kind *k, const char *fn, int pos,
                         int64_t *out)
{
    char buf[32];
    PML_CHECK(len > 0 && len < sizeof buf, PML_ERR_INVALID_ARGUMENT,
              "%s: item %d (%s): %s '%.*s' is not a number in %lld..%lld", fn, pos, k->name,
              what, (int)(len < 24 ? len : 24), text, lo, hi);
    memcpy(buf, text, len);
    buf[len] = '\0';
    char *end = NULL;
    errno = 0;
    const long long v = pml_strtoll_dec(buf, &end);
    PML_CHECK(!errno && end != buf && *end == '\0' && v >= lo && v <= hi,
              PML_ERR_INVALID_ARGUMENT, "%s: item %d (%s): %s '%s' is not a number in %lld..%lld",
              fn, pos, k->name, what, buf, lo, hi);
    *out = v;
    return PML_OK;
}

pml_status pml_conv_spec_parse(const pml_kind *k, const char *arg, pml_layer_args *a,
                               const char *fn, int pos, pml_conv_spec_kind kind)
{
    const int pool = kind == PML_SPEC_POOL;
    PML_CHECK(arg && *arg, PML_ERR_INVALID_ARGUMENT, "%s: item %d '%s' needs its sizes: %s", fn,
              pos, k->name, k->syntax);
    a->stride = 0;
    a->pad = 0;
    a->outpad = 0;
    int field = 0;
    for (const char *p = arg; p;) {
        const char *colon = strchr(p, ':');
        const size_t len = colon ? (size_t)(colon - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (eq == NULL && !pool && len == 6 && strncmp(p, "nobias", 6) == 0) {
            a->bias = 0;
        } else if (eq == NULL) {
            /* positional: C then K (conv, convt); K then S (pooling) */
            if (field == 0 && !pool)
                PML_TRY(number(p, len, 1, 65536, "channel count", k, fn, pos, &a->units));
            else if ((field == 1 && !pool) || (field == 0 && pool))
                PML_TRY(number(p, len, 1, 64, "kernel size", k, fn, pos, &a->kernel));
            else if (field == 1 && pool)
                PML_TRY(number(p, len, 1, 64, "stride", k, fn, pos, &a->stride));
            else
                return pml_set_error(PML_ERR_INVALID_ARGUMENT, "%s: item %d (%s): too many "
                                     "sizes (%s)", fn, pos, k->name, k->syntax);
            ++field;
        } else {
            const size_t klen = (size_t)(eq - p), vlen = len - klen - 1;
            const int is = pool ? 0 : 1;
            if (is && klen == 6 && strncmp(p, "stride", 6) == 0)
                PML_TRY(number(eq + 1, vlen, 1, 64, "stride", k, fn, pos, &a->stride));
            else if (is && klen == 3 && strncmp(p, "pad", 3) == 0 && kind == PML_SPEC_CONV &&
                     vlen == 4 && strncmp(eq + 1, "same", 4) == 0)
                a->pad = -1;
            else if (is && klen == 3 && strncmp(p, "pad", 3) == 0)
                PML_TRY(number(eq + 1, vlen, 0, 64, "padding", k, fn, pos, &a->pad));
            else if (kind == PML_SPEC_CONVT && klen == 6 && strncmp(p, "outpad", 6) == 0)
                PML_TRY(number(eq + 1, vlen, 0, 63, "outpad", k, fn, pos, &a->outpad));
            else
                return pml_set_error(PML_ERR_INVALID_ARGUMENT, "%s: item %d (%s): unknown option "
                                     "'%.*s' (%s)", fn, pos, k->name, (int)len, p, k->syntax);
        }
        p = colon ? colon + 1 : NULL;
    }
    PML_CHECK(field == (pool ? 1 : 2) || (pool && field == 2), PML_ERR_INVALID_ARGUMENT,
              "%s: item %d (%s) needs %s", fn, pos, k->name, k->syntax);
    PML_CHECK(a->pad != -1 || a->kernel % 2 == 1, PML_ERR_INVALID_ARGUMENT,
              "%s: item %d (%s): pad=same needs an odd kernel (got %lld)", fn, pos, k->name,
              (long long)a->kernel);
    const int64_t stride = a->stride ? a->stride : 1;
    PML_CHECK(a->outpad < stride, PML_ERR_INVALID_ARGUMENT,
              "%s: item %d (%s): outpad %lld must be below the stride %lld", fn, pos, k->name,
              (long long)a->outpad, (long long)stride);
    return PML_OK;
}

void pml_conv_spec_item(const pml_kind *k, const pml_layer_args *a, char *buf, size_t n,
                        pml_conv_spec_kind kind)
{
    if (kind == PML_SPEC_POOL) {
        if (a->stride && a->stride != a->kernel)
            snprintf(buf, n, "%s:%lld:%lld", k->name, (long long)a->kernel, (long long)a->stride);
        else snprintf(buf, n, "%s:%lld", k->name, (long long)a->kernel);
        return;
    }
    size_t len = (size_t)snprintf(buf, n, "%s:%lld:%lld", k->name, (long long)a->units,
                                  (long long)a->kernel);
#define MORE(...)                                                                          \
    do {                                                                                   \
        if (len < n) len += (size_t)snprintf(buf + len, n - len, __VA_ARGS__);             \
    } while (0)
    if (a->stride > 1) MORE(":stride=%lld", (long long)a->stride);
    if (a->pad == -1) MORE(":pad=same");
    else if (a->pad > 0) MORE(":pad=%lld", (long long)a->pad);
    if (a->outpad > 0) MORE(":outpad=%lld", (long long)a->outpad);
    if (!a->bias) MORE(":nobias");
#undef MORE
}

pml_status pml_conv_spec_geometry(const pml_kind *k, const pml_layer_args *a,
                                  const pml_shape *in, int position, const char *fn,
                                  pml_conv_spec_kind kind, pml_conv_geom *g, pml_shape *out)
{
    PML_TRY(pml_layer_need_image(k, a, in, position, fn));
    const int64_t K = a->kernel;
    const int64_t S = a->stride ? a->stride : kind == PML_SPEC_POOL ? K : 1;
    const int64_t P = a->pad == -1 ? (K - 1) / 2 : a->pad;
    char item[64], shape[48];
    k->item(k, a, item, sizeof item);
    pml_shape_text(in, shape, sizeof shape);
    memset(g, 0, sizeof *g);
    g->kh = g->kw = K;
    g->sh = g->sw = S;
    g->ph = g->pw = kind == PML_SPEC_POOL ? 0 : P;
    if (kind == PML_SPEC_CONVT) {
        /* the convolution that maps the output back to the input */
        const int64_t ho = (in->d[1] - 1) * S - 2 * P + K + a->outpad;
        const int64_t wo = (in->d[2] - 1) * S - 2 * P + K + a->outpad;
        PML_CHECK(ho >= 1 && wo >= 1 && ho <= 65536 && wo <= 65536, PML_ERR_INVALID_ARGUMENT,
                  "%s: layer %d (%s) on a %s input would give %lldx%lld", fn, position, item,
                  shape, (long long)ho, (long long)wo);
        g->c = a->units;
        g->h = ho;
        g->w = wo;
        g->ho = in->d[1];
        g->wo = in->d[2];
        *out = (pml_shape){3, {a->units, ho, wo}};
        return PML_OK;
    }
    g->c = in->d[0];
    g->h = in->d[1];
    g->w = in->d[2];
    PML_CHECK(K <= g->h + 2 * g->ph && K <= g->w + 2 * g->pw, PML_ERR_INVALID_ARGUMENT,
              "%s: layer %d (%s): the %lldx%lld %s is larger than its %s input padded by %lld",
              fn, position, item, (long long)K, (long long)K,
              kind == PML_SPEC_POOL ? "window" : "kernel", shape, (long long)g->ph);
    g->ho = (g->h + 2 * g->ph - K) / S + 1;
    g->wo = (g->w + 2 * g->pw - K) / S + 1;
    *out = (pml_shape){3, {kind == PML_SPEC_POOL ? g->c : a->units, g->ho, g->wo}};
    return PML_OK;
}

int64_t pml_conv_spec_params(const pml_kind *k, const pml_shape *in, const pml_layer_args *a)
{
    (void)k;
    const int64_t cin = in->ndim == 3 ? in->d[0] : 0;
    return a->units * (cin * a->kernel * a->kernel + (a->bias ? 1 : 0));
}

int64_t pml_conv_direct_elems(const pml_device *dev, pml_dtype dtype, const pml_conv_geom *g,
                              int64_t max_batch)
{
    const struct pml_conv_ops *ops = dev->ops->conv;
    if (ops == NULL || ops->phases == NULL || ops->direct_forward == NULL ||
        ops->direct_backward_data == NULL || ops->direct_backward_weight == NULL ||
        (dtype != PML_F32 && dtype != PML_F64))
        return 0;
    pml_conv_phase_geom q;
    pml_conv_phase_geometry(g, &q);
    const double n = (double)max_batch * (double)g->c * (double)q.phases * (double)q.plane;
    return n * (double)pml_dtype_size(dtype) <= (double)((size_t)64 << 20) ? (int64_t)n : 0;
}
