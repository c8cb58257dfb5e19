/* .npy files, version 1.0 written byte for byte as NumPy 1.24 writes them (header padded
 * with the growth spaces and to a multiple of 64 bytes); versions 1.0, 2.0 and 3.0 read.
 * Little-endian hosts only (x86-64, AArch64): the data is copied as is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "core/file.h"
#include "physml/io.h"

static const char *npy_descr(pml_dtype dt)
{
    switch (dt) {
    case PML_F32: return "<f4";
    case PML_F64: return "<f8";
    case PML_I32: return "<i4";
    case PML_U32: return "<u4";
    case PML_U8: return "|u1";
    case PML_I8: return "|i1";
    }
    return NULL;
}

static int host_is_little_endian(void)
{
    const uint16_t probe = 1;
    return *(const unsigned char *)&probe == 1;
}

/* Build the whole header (magic .. newline) into buf; returns its length. */
static size_t npy_header(const pml_tensor *t, char *buf, size_t cap)
{
    char shape[128];
    int k = 0;
    k += snprintf(shape + k, sizeof shape - k, "(");
    for (int i = 0; i < t->ndim; ++i)
        k += snprintf(shape + k, sizeof shape - k, i ? ", %lld" : "%lld", (long long)t->shape[i]);
    snprintf(shape + k, sizeof shape - k, t->ndim == 1 ? ",)" : ")");
    char dict[256];
    int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                     npy_descr(t->dtype), shape);
    /* NumPy >= 1.23 leaves room for the first axis to grow to 21 digits */
    char d0[32];
    int l0 = snprintf(d0, sizeof d0, "%lld", (long long)t->shape[0]);
    for (int i = l0; i < 21; ++i) dict[n++] = ' ';
    dict[n] = '\0';
    size_t hlen = (size_t)n + 1;
    size_t pad = 64 - (10 + hlen) % 64;
    size_t total = 10 + hlen + pad;
    if (total > cap) return 0;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    size_t body = hlen + pad;
    buf[8] = (char)(body & 0xff);
    buf[9] = (char)(body >> 8);
    memcpy(buf + 10, dict, (size_t)n);
    memset(buf + 10 + n, ' ', pad);
    buf[total - 1] = '\n';
    return total;
}

pml_status pml_npy_write(const char *path, const pml_tensor *t)
{
    static const char fn[] = "pml_npy_write";
    PML_CHECK_ARG(path != NULL, fn, "path is NULL");
    PML_TRY(pml_check_tensor(fn, "t", t));
    PML_CHECK(host_is_little_endian(), PML_ERR_UNSUPPORTED, "%s: big-endian host", fn);
    PML_CHECK(npy_descr(t->dtype) != NULL, PML_ERR_INVALID_ARGUMENT, "%s: unknown dtype", fn);
    char head[512];
    size_t hl = npy_header(t, head, sizeof head);
    PML_CHECK(hl > 0, PML_ERR_INTERNAL, "%s: header too long", fn);
    size_t nbytes = pml_tensor_nbytes(t);
    void *host = NULL;
    if (nbytes > 0) {
        host = malloc(nbytes);
        PML_CHECK(host != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory for %zu bytes", fn,
                  nbytes);
        pml_status s = pml_tensor_download(t, host, nbytes);
        if (s != PML_OK) {
            free(host);
            return s;
        }
    }
    pml_wfile w;
    pml_status s = pml_wfile_open(fn, path, &w);
    if (s == PML_OK) {
        if (pml_wfile_write(&w, head, hl)) pml_wfile_write(&w, host, nbytes);
        s = pml_wfile_commit(fn, &w);
    }
    free(host);
    return s;
}

/* ---- header parsing: the Python literal NumPy writes, no more ---------------------------- */
typedef struct npy_parse {
    const char *p, *end, *path;
} npy_parse;

static void skip_ws(npy_parse *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ++ps->p;
}

static int eat(npy_parse *ps, char c)
{
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == c) {
        ++ps->p;
        return 1;
    }
    return 0;
}

static pml_status bad(const npy_parse *ps, const char *what)
{
    return pml_set_error(PML_ERR_BAD_FORMAT, "pml_npy_read: %s: broken header: %s", ps->path,
                         what);
}

/* A quoted string ('...' or "...") without escapes, copied into out. */
static pml_status parse_str(npy_parse *ps, char *out, size_t cap)
{
    skip_ws(ps);
    if (ps->p >= ps->end || (*ps->p != '\'' && *ps->p != '"')) return bad(ps, "expected a string");
    char q = *ps->p++;
    size_t n = 0;
    while (ps->p < ps->end && *ps->p != q) {
        if (*ps->p == '\\' || n + 1 >= cap) return bad(ps, "unexpected string");
        out[n++] = *ps->p++;
    }
    if (ps->p >= ps->end) return bad(ps, "unterminated string");
    ++ps->p;
    out[n] = '\0';
    return PML_OK;
}

static pml_status parse_shape(npy_parse *ps, int *ndim, int64_t *shape)
{
    if (!eat(ps, '(')) return bad(ps, "shape is not a tuple");
    *ndim = 0;
    for (;;) {
        if (eat(ps, ')')) return PML_OK;
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') return bad(ps, "bad shape entry");
        int64_t v = 0;
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
            if (v > (INT64_MAX - 9) / 10) return bad(ps, "shape entry too large");
            v = v * 10 + (*ps->p++ - '0');
        }
        if (ps->p < ps->end && *ps->p == 'L') ++ps->p; /* Python 2 longs */
        if (*ndim >= 32) return bad(ps, "too many dimensions");
        if (*ndim < PML_MAX_DIMS) shape[*ndim] = v;
        ++*ndim;
        if (!eat(ps, ',')) {
            if (!eat(ps, ')')) return bad(ps, "expected ',' or ')' in shape");
            return PML_OK;
        }
    }
}

typedef struct npy_info {
    char descr[32];
    int fortran; /* -1 unset */
    int ndim;    /* -1 unset */
    int64_t shape[PML_MAX_DIMS];
} npy_info;

static pml_status parse_dict(npy_parse *ps, npy_info *info)
{
    info->descr[0] = '\0';
    info->fortran = -1;
    info->ndim = -1;
    if (!eat(ps, '{')) return bad(ps, "not a dict");
    for (;;) {
        if (eat(ps, '}')) break;
        char key[32];
        PML_TRY(parse_str(ps, key, sizeof key));
        if (!eat(ps, ':')) return bad(ps, "expected ':'");
        if (strcmp(key, "descr") == 0) {
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == '[')
                return pml_set_error(PML_ERR_UNSUPPORTED,
                                     "pml_npy_read: %s: structured dtypes are not supported",
                                     ps->path);
            PML_TRY(parse_str(ps, info->descr, sizeof info->descr));
        } else if (strcmp(key, "fortran_order") == 0) {
            skip_ws(ps);
            if ((size_t)(ps->end - ps->p) >= 4 && memcmp(ps->p, "True", 4) == 0) {
                info->fortran = 1;
                ps->p += 4;
            } else if ((size_t)(ps->end - ps->p) >= 5 && memcmp(ps->p, "False", 5) == 0) {
                info->fortran = 0;
                ps->p += 5;
            } else {
                return bad(ps, "fortran_order is neither True nor False");
            }
        } else if (strcmp(key, "shape") == 0) {
            PML_TRY(parse_shape(ps, &info->ndim, info->shape));
        } else {
            return bad(ps, "unknown key");
        }
        if (!eat(ps, ',')) {
            if (!eat(ps, '}')) return bad(ps, "expected ',' or '}'");
            break;
        }
    }
    skip_ws(ps);
    if (ps->p != ps->end) return bad(ps, "text after the dict");
    if (!info->descr[0] || info->fortran < 0 || info->ndim < 0)
        return bad(ps, "a key of descr, fortran_order, shape is missing");
    return PML_OK;
}

static int descr_dtype(const char *d, pml_dtype *dt)
{
    static const struct { const char *s; pml_dtype t; } map[] = {
        {"<f4", PML_F32}, {"<f8", PML_F64}, {"<i4", PML_I32}, {"<u4", PML_U32},
        {"|u1", PML_U8},  {"<u1", PML_U8},  {">u1", PML_U8},  {"=u1", PML_U8},
        {"|i1", PML_I8},  {"<i1", PML_I8},  {">i1", PML_I8},  {"=i1", PML_I8},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; ++i)
        if (strcmp(d, map[i].s) == 0) {
            *dt = map[i].t;
            return 1;
        }
    return 0;
}

static pml_status read_npy(pml_device *dev, const char *path, FILE *f, pml_tensor **out)
{
    static const char fn[] = "pml_npy_read";
    unsigned char pre[12];
    size_t got = fread(pre, 1, 10, f);
    PML_CHECK(got == 10 && memcmp(pre, "\x93NUMPY", 6) == 0, PML_ERR_BAD_FORMAT,
              "%s: %s: not a .npy file (no \\x93NUMPY magic)", fn, path);
    int major = pre[6];
    uint32_t hlen;
    if (major == 1) {
        hlen = (uint32_t)pre[8] | (uint32_t)pre[9] << 8;
    } else if (major == 2 || major == 3) {
        PML_CHECK(fread(pre + 10, 1, 2, f) == 2, PML_ERR_BAD_FORMAT, "%s: %s: truncated header",
                  fn, path);
        hlen = (uint32_t)pre[8] | (uint32_t)pre[9] << 8 | (uint32_t)pre[10] << 16 |
               (uint32_t)pre[11] << 24;
    } else {
        return pml_set_error(PML_ERR_UNSUPPORTED, "%s: %s: .npy version %d.%d", fn, path, major,
                             pre[7]);
    }
    PML_CHECK(hlen <= 65536, PML_ERR_BAD_FORMAT, "%s: %s: header of %u bytes is implausible", fn,
              path, (unsigned)hlen);
    char *h = malloc(hlen + 1);
    PML_CHECK(h != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    if (fread(h, 1, hlen, f) != hlen) {
        free(h);
        return pml_set_error(PML_ERR_BAD_FORMAT, "%s: %s: truncated header", fn, path);
    }
    npy_parse ps = {h, h + hlen, path};
    npy_info info;
    pml_status s = parse_dict(&ps, &info);
    free(h);
    PML_TRY(s);
    pml_dtype dt;
    PML_CHECK(descr_dtype(info.descr, &dt), PML_ERR_UNSUPPORTED,
              "%s: %s: dtype '%s' is not supported (f4 f8 i4 u4 u1 i1, little-endian)", fn, path,
              info.descr);
    PML_CHECK(!info.fortran, PML_ERR_UNSUPPORTED, "%s: %s: Fortran-order arrays are not "
              "supported", fn, path);
    PML_CHECK(info.ndim <= PML_MAX_DIMS, PML_ERR_UNSUPPORTED,
              "%s: %s: %d dimensions (at most %d)", fn, path, info.ndim, PML_MAX_DIMS);
    int ndim = info.ndim;
    if (ndim == 0) { /* a scalar: one element */
        ndim = 1;
        info.shape[0] = 1;
    }
    int64_t numel = 1;
    for (int i = 0; i < ndim; ++i) {
        PML_CHECK(info.shape[i] == 0 || numel <= (INT64_MAX / 16) / info.shape[i],
                  PML_ERR_BAD_FORMAT, "%s: %s: shape overflows", fn, path);
        numel *= info.shape[i];
    }
    size_t nbytes = (size_t)numel * pml_dtype_size(dt);
    /* compare with what the file holds before allocating anything */
    long data_at = ftell(f);
    PML_CHECK(data_at >= 0 && fseek(f, 0, SEEK_END) == 0, PML_ERR_IO, "%s: %s: cannot seek",
              fn, path);
    long fsize = ftell(f);
    PML_CHECK(fsize >= data_at && fseek(f, data_at, SEEK_SET) == 0, PML_ERR_IO,
              "%s: %s: cannot seek", fn, path);
    uint64_t avail = (uint64_t)(fsize - data_at);
    PML_CHECK(avail >= nbytes, PML_ERR_BAD_FORMAT, "%s: %s: truncated: %llu of %zu data bytes",
              fn, path, (unsigned long long)avail, nbytes);
    PML_CHECK(avail == nbytes, PML_ERR_BAD_FORMAT,
              "%s: %s: trailing bytes after %zu data bytes", fn, path, nbytes);
    void *host = NULL;
    if (nbytes > 0) {
        host = malloc(nbytes);
        PML_CHECK(host != NULL, PML_ERR_OUT_OF_MEMORY, "%s: %s: out of host memory for %zu bytes",
                  fn, path, nbytes);
        got = fread(host, 1, nbytes, f);
        if (got != nbytes) {
            free(host);
            return pml_set_error(PML_ERR_BAD_FORMAT, "%s: %s: truncated: %zu of %zu data bytes",
                                 fn, path, got, nbytes);
        }
    }
    if (fgetc(f) != EOF) {
        free(host);
        return pml_set_error(PML_ERR_BAD_FORMAT, "%s: %s: trailing bytes after %zu data bytes",
                             fn, path, nbytes);
    }
    pml_tensor *t = NULL;
    s = pml_tensor_create(dev, dt, ndim, info.shape, &t);
    if (s == PML_OK) s = pml_tensor_upload(t, host, nbytes);
    free(host);
    if (s != PML_OK) {
        pml_tensor_destroy(t);
        return s;
    }
    *out = t;
    return PML_OK;
}

pml_status pml_npy_read(pml_device *dev, const char *path, pml_tensor **out)
{
    static const char fn[] = "pml_npy_read";
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    *out = NULL;
    PML_CHECK_ARG(dev != NULL, fn, "dev is NULL");
    PML_CHECK_ARG(path != NULL, fn, "path is NULL");
    PML_CHECK(host_is_little_endian(), PML_ERR_UNSUPPORTED, "%s: big-endian host", fn);
    FILE *f = NULL;
    PML_TRY(pml_open_regular(fn, path, &f, NULL));
    pml_status s = read_npy(dev, path, f, out);
    fclose(f);
    return s;
}
