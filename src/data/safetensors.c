/* .safetensors, as the Hugging Face format defines it: an 8-byte little-endian header size N,
 * N bytes of JSON (padded with spaces to a multiple of 8), then the tensors' bytes back to
 * back. We write tensors sorted as the reference implementation does (larger alignment
 * first, then by name), so every tensor starts at a multiple of its element size, and
 * "__metadata__" first. Reading checks what the reference checks: the header fits in the
 * file, offsets are in range, contiguous, non-overlapping, cover the data exactly, and match
 * each tensor's shape and dtype. Little-endian hosts only.
 *
 * physml adds one metadata key, PML_SAFETENSORS_CHECKSUM: "fnv1a64:" and 16 hex digits of
 * 64-bit FNV-1a over, in order, every other metadata pair (key, NUL, value, NUL) as the header
 * lists them, then every tensor in data order (name, NUL, dtype name, NUL, each dimension as
 * 8 little-endian bytes, NUL) and its bytes. A reader that finds the key recomputes it: a file
 * damaged on disk, in its data or in what its metadata says, is refused instead of loaded with
 * the damage. Files without it (other writers, physml's before 2026-12-01) load unchecked. */
#define _POSIX_C_SOURCE 200809L /* strdup, fileno, fseeko */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "core/file.h"
#include "core/internal.h"
#include "data/json.h"
#include "physml/io.h"

#define ST_MAX_HEADER ((uint64_t)PML_SAFETENSORS_MAX_HEADER)

static const char *st_dtype_name(pml_dtype dt)
{
    switch (dt) {
    case PML_F32: return "F32";
    case PML_F64: return "F64";
    case PML_I32: return "I32";
    case PML_U32: return "U32";
    case PML_U8: return "U8";
    case PML_I8: return "I8";
    }
    return NULL;
}

static int st_dtype(const char *s, pml_dtype *dt)
{
    static const pml_dtype all[] = {PML_F32, PML_F64, PML_I32, PML_U32, PML_U8, PML_I8};
    for (size_t i = 0; i < sizeof all / sizeof *all; ++i)
        if (strcmp(s, st_dtype_name(all[i])) == 0) {
            *dt = all[i];
            return 1;
        }
    return 0;
}

static uint64_t hash_str(uint64_t h, const char *s)
{
    return pml_fnv1a(h, s, strlen(s) + 1);
}

static uint64_t hash_entry(uint64_t h, const char *name, pml_dtype dt, int ndim,
                           const int64_t *shape)
{
    h = hash_str(hash_str(h, name), st_dtype_name(dt));
    for (int d = 0; d < ndim; ++d) {
        unsigned char b[8];
        for (int k = 0; k < 8; ++k) b[k] = (unsigned char)((uint64_t)shape[d] >> (8 * k));
        h = pml_fnv1a(h, b, 8);
    }
    return pml_fnv1a(h, "", 1);
}

typedef struct st_order {
    const pml_named_tensor *nt;
} st_order;

static int cmp_write_order(const void *a, const void *b)
{
    const pml_named_tensor *x = ((const st_order *)a)->nt, *y = ((const st_order *)b)->nt;
    size_t ax = pml_dtype_size(x->tensor->dtype), ay = pml_dtype_size(y->tensor->dtype);
    if (ax != ay) return ax > ay ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Whether two of keys[0..n) are equal; the message names fn and `what`. */
static pml_status check_unique(const char *fn, const char *const *keys, int n, const char *what)
{
    const char *dup = NULL;
    const int r = pml_json_find_duplicate(keys, n, &dup);
    PML_CHECK(r >= 0, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    PML_CHECK(r == 0, PML_ERR_INVALID_ARGUMENT, "%s: two %s are called '%s'", fn, what, dup);
    return PML_OK;
}

static pml_status check_write_args(const char *path, const pml_named_tensor *tensors, int count,
                                   const char *const *metadata)
{
    static const char fn[] = "pml_safetensors_write";
    PML_CHECK_ARG(path != NULL, fn, "path is NULL");
    PML_CHECK(count >= 0, PML_ERR_INVALID_ARGUMENT, "%s: count %d is negative", fn, count);
    PML_CHECK(count <= PML_SAFETENSORS_MAX_TENSORS, PML_ERR_INVALID_ARGUMENT,
              "%s: %d tensors, more than the %d a file may hold (readers refuse it)", fn, count,
              PML_SAFETENSORS_MAX_TENSORS);
    PML_CHECK_ARG(count == 0 || tensors != NULL, fn, "tensors is NULL");
    int nmeta = 0;
    while (metadata && metadata[2 * nmeta] != NULL) {
        PML_CHECK(metadata[2 * nmeta + 1] != NULL, PML_ERR_INVALID_ARGUMENT,
                  "%s: metadata key '%s' has no value", fn, metadata[2 * nmeta]);
        ++nmeta;
    }
    const char **keys = malloc((size_t)(count > nmeta ? count : nmeta) * sizeof *keys + 1);
    PML_CHECK(keys != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    pml_status s = PML_OK;
    for (int i = 0; s == PML_OK && i < count; ++i) {
        const char *name = tensors[i].name;
        if (name == NULL || name[0] == '\0')
            s = pml_set_error(PML_ERR_INVALID_ARGUMENT, "%s: tensor %d has no name", fn, i);
        else if (strcmp(name, "__metadata__") == 0)
            s = pml_set_error(PML_ERR_INVALID_ARGUMENT, "%s: '__metadata__' is reserved", fn);
        else if (tensors[i].tensor == NULL)
            s = pml_set_error(PML_ERR_INVALID_ARGUMENT, "%s: tensor '%s' is NULL", fn, name);
        keys[i] = name;
    }
    if (s == PML_OK) s = check_unique(fn, keys, count, "tensors");
    for (int i = 0; i < nmeta; ++i) keys[i] = metadata[2 * i];
    if (s == PML_OK) s = check_unique(fn, keys, nmeta, "metadata keys");
    free(keys);
    return s;
}

pml_status pml_safetensors_write(const char *path, const pml_named_tensor *tensors, int count,
                                 const char *const *metadata)
{
    static const char fn[] = "pml_safetensors_write";
    PML_TRY(check_write_args(path, tensors, count, metadata));
    const uint16_t probe = 1;
    PML_CHECK(*(const unsigned char *)&probe == 1, PML_ERR_UNSUPPORTED, "%s: big-endian host", fn);
    st_order *ord = malloc((size_t)(count > 0 ? count : 1) * sizeof *ord);
    PML_CHECK(ord != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    for (int i = 0; i < count; ++i) ord[i].nt = &tensors[i];
    qsort(ord, (size_t)count, sizeof *ord, cmp_write_order);

    /* the checksum first: it goes in the header, before the data it covers */
    uint64_t sum = PML_FNV1A_INIT;
    for (int i = 0; metadata && metadata[2 * i] != NULL; ++i)
        if (strcmp(metadata[2 * i], PML_SAFETENSORS_CHECKSUM) != 0) /* a file's, rewritten */
            sum = hash_str(hash_str(sum, metadata[2 * i]), metadata[2 * i + 1]);
    pml_status s = PML_OK;
    for (int i = 0; s == PML_OK && i < count; ++i) {
        const pml_tensor *t = ord[i].nt->tensor;
        sum = hash_entry(sum, ord[i].nt->name, t->dtype, t->ndim, t->shape);
        s = pml_tensor_fnv1a(t, &sum);
    }
    char sum_text[32];
    snprintf(sum_text, sizeof sum_text, "fnv1a64:%016llx", (unsigned long long)sum);
    pml_json_buf h = {0};
    pml_json_put(&h, "{\"__metadata__\":{");
    for (int i = 0; metadata && metadata[2 * i] != NULL; ++i) {
        if (strcmp(metadata[2 * i], PML_SAFETENSORS_CHECKSUM) == 0) continue;
        pml_json_put_string(&h, metadata[2 * i]);
        pml_json_put(&h, ":");
        pml_json_put_string(&h, metadata[2 * i + 1]);
        pml_json_put(&h, ",");
    }
    pml_json_put_string(&h, PML_SAFETENSORS_CHECKSUM);
    pml_json_put(&h, ":");
    pml_json_put_string(&h, sum_text);
    pml_json_put(&h, "}");
    uint64_t off = 0;
    for (int i = 0; i < count; ++i) {
        const pml_tensor *t = ord[i].nt->tensor;
        pml_json_put(&h, ","); /* after the metadata, always there */
        pml_json_put_string(&h, ord[i].nt->name);
        pml_json_putf(&h, ":{\"dtype\":\"%s\",\"shape\":[", st_dtype_name(t->dtype));
        for (int d = 0; d < t->ndim; ++d)
            pml_json_putf(&h, d ? ",%lld" : "%lld", (long long)t->shape[d]);
        uint64_t nb = pml_tensor_nbytes(t);
        pml_json_putf(&h, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)off,
                (unsigned long long)(off + nb));
        off += nb;
    }
    pml_json_put(&h, "}");
    while (!h.failed && h.len % 8 != 0) pml_json_put(&h, " ");
    if (s == PML_OK && h.failed)
        s = pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    else if (s == PML_OK && h.len > ST_MAX_HEADER)
        s = pml_set_error(PML_ERR_INVALID_ARGUMENT, "%s: a header of %zu bytes, above the limit "
                          "of %llu that readers accept (metadata too long?)", fn, h.len,
                          (unsigned long long)ST_MAX_HEADER);

    pml_wfile w;
    if (s == PML_OK) s = pml_wfile_open(fn, path, &w);
    if (s == PML_OK) { /* the tensors downloaded again: a checkpoint need not fit twice */
        unsigned char len8[8];
        for (int b = 0; b < 8; ++b) len8[b] = (unsigned char)((uint64_t)h.len >> (8 * b));
        int ok = pml_wfile_write(&w, len8, 8) && pml_wfile_write(&w, h.s, h.len);
        for (int i = 0; ok && s == PML_OK && i < count; ++i) {
            const pml_tensor *t = ord[i].nt->tensor;
            size_t nb = pml_tensor_nbytes(t);
            if (nb == 0) continue;
            void *host = malloc(nb);
            if (host == NULL) {
                s = pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
                break;
            }
            s = pml_tensor_download(t, host, nb);
            if (s == PML_OK) ok = pml_wfile_write(&w, host, nb);
            free(host);
        }
        /* a failed write is reported by the commit, with the OS's reason */
        if (s == PML_OK) s = pml_wfile_commit(fn, &w);
        else pml_wfile_abort(&w);
    }
    free(h.s);
    free(ord);
    return s;
}

void pml_safetensors_free(pml_safetensors *st)
{
    if (st == NULL) return;
    for (int i = 0; i < st->count; ++i) {
        if (st->names) free(st->names[i]);
        if (st->tensors) pml_tensor_destroy(st->tensors[i]);
    }
    for (int i = 0; i < st->meta_count; ++i) {
        if (st->meta_keys) free(st->meta_keys[i]);
        if (st->meta_values) free(st->meta_values[i]);
    }
    free(st->names);
    free(st->tensors);
    free(st->meta_keys);
    free(st->meta_values);
    memset(st, 0, sizeof *st);
}

pml_tensor *pml_safetensors_find(const pml_safetensors *st, const char *name)
{
    if (st == NULL || name == NULL) return NULL;
    for (int i = 0; i < st->count; ++i)
        if (st->names[i] && strcmp(st->names[i], name) == 0) return st->tensors[i];
    return NULL;
}

const char *pml_safetensors_meta(const pml_safetensors *st, const char *key)
{
    if (st == NULL || key == NULL) return NULL;
    for (int i = 0; i < st->meta_count; ++i)
        if (strcmp(st->meta_keys[i], key) == 0) return st->meta_values[i];
    return NULL;
}

/* One tensor's entry, checked. */
typedef struct st_entry {
    const char *name;
    pml_dtype dtype;
    int ndim;
    int64_t shape[PML_MAX_DIMS];
    uint64_t begin, end;
} st_entry;

#define ST_BAD(...) pml_set_error(PML_ERR_BAD_FORMAT, __VA_ARGS__)

static pml_status parse_entry(const char *path, const char *name, const pml_json_value *v,
                              st_entry *e)
{
    static const char fn[] = "pml_safetensors_read";
    e->name = name;
    PML_CHECK(v->type == PML_JSON_OBJ, PML_ERR_BAD_FORMAT, "%s: %s: entry '%s' is not an object",
              fn, path, name);
    const pml_json_value *dt = pml_json_get(v, "dtype"), *sh = pml_json_get(v, "shape"),
                   *of = pml_json_get(v, "data_offsets");
    PML_CHECK(dt && sh && of, PML_ERR_BAD_FORMAT,
              "%s: %s: entry '%s' lacks dtype, shape or data_offsets", fn, path, name);
    PML_CHECK(dt->type == PML_JSON_STR, PML_ERR_BAD_FORMAT, "%s: %s: dtype of '%s' is not a string",
              fn, path, name);
    PML_CHECK(st_dtype(dt->str, &e->dtype), PML_ERR_UNSUPPORTED,
              "%s: %s: tensor '%s' has dtype %s (supported: F32 F64 I32 U32 U8 I8)", fn, path,
              name, dt->str);
    PML_CHECK(sh->type == PML_JSON_ARR, PML_ERR_BAD_FORMAT, "%s: %s: shape of '%s' is not an array",
              fn, path, name);
    PML_CHECK(sh->n <= PML_MAX_DIMS, PML_ERR_UNSUPPORTED,
              "%s: %s: tensor '%s' has %d dimensions (at most %d)", fn, path, name, sh->n,
              PML_MAX_DIMS);
    uint64_t numel = 1;
    for (int i = 0; i < sh->n; ++i) {
        const pml_json_value *d = &sh->items[i];
        PML_CHECK(d->type == PML_JSON_NUM && d->is_int && d->num >= 0, PML_ERR_BAD_FORMAT,
                  "%s: %s: shape of '%s' holds something other than a size", fn, path, name);
        PML_CHECK(d->num == 0 || numel <= ((uint64_t)1 << 58) / (uint64_t)d->num,
                  PML_ERR_BAD_FORMAT, "%s: %s: shape of '%s' overflows", fn, path, name);
        numel *= (uint64_t)d->num;
        e->shape[i] = d->num;
    }
    e->ndim = sh->n;
    if (e->ndim == 0) { /* a scalar: one element */
        e->ndim = 1;
        e->shape[0] = 1;
    }
    PML_CHECK(of->type == PML_JSON_ARR && of->n == 2 && of->items[0].type == PML_JSON_NUM &&
                  of->items[0].is_int && of->items[0].num >= 0 &&
                  of->items[1].type == PML_JSON_NUM && of->items[1].is_int &&
                  of->items[1].num >= of->items[0].num,
              PML_ERR_BAD_FORMAT, "%s: %s: data_offsets of '%s' are not [begin, end]", fn, path,
              name);
    e->begin = (uint64_t)of->items[0].num;
    e->end = (uint64_t)of->items[1].num;
    uint64_t need = numel * pml_dtype_size(e->dtype);
    PML_CHECK(e->end - e->begin == need, PML_ERR_BAD_FORMAT,
              "%s: %s: data_offsets [%llu, %llu] of '%s' hold %llu bytes, its shape and dtype "
              "need %llu", fn, path, (unsigned long long)e->begin, (unsigned long long)e->end,
              name, (unsigned long long)(e->end - e->begin), (unsigned long long)need);
    return PML_OK;
}

static int cmp_begin(const void *a, const void *b)
{
    const st_entry *x = *(const st_entry *const *)a, *y = *(const st_entry *const *)b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

static pml_status read_file(pml_device *dev, const char *path, FILE *f, uint64_t fsize,
                            pml_safetensors *out)
{
    static const char fn[] = "pml_safetensors_read";
    unsigned char len8[8];
    PML_CHECK(fread(len8, 1, 8, f) == 8, PML_ERR_BAD_FORMAT,
              "%s: %s: file too short for the header size", fn, path);
    uint64_t n = 0;
    for (int b = 7; b >= 0; --b) n = n << 8 | len8[b];
    PML_CHECK(n <= fsize - 8, PML_ERR_BAD_FORMAT,
              "%s: %s: header length %llu goes beyond the file (%llu bytes)", fn, path,
              (unsigned long long)n, (unsigned long long)fsize);
    PML_CHECK(n <= ST_MAX_HEADER, PML_ERR_BAD_FORMAT,
              "%s: %s: header of %llu bytes, above the limit of %llu", fn, path,
              (unsigned long long)n, (unsigned long long)ST_MAX_HEADER);
    PML_CHECK(n >= 2, PML_ERR_BAD_FORMAT, "%s: %s: header too short", fn, path);
    char *text = malloc((size_t)n);
    PML_CHECK(text != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    if (fread(text, 1, (size_t)n, f) != n) {
        free(text);
        return ST_BAD("%s: %s: truncated header", fn, path);
    }
    pml_json_value root;
    char err[128];
    int ok = text[0] == '{' && pml_json_parse(text, (size_t)n, &root, err, sizeof err);
    free(text);
    if (!ok) return ST_BAD("%s: %s: header is not a JSON object: %s", fn, path,
                           err[0] ? err : "does not start with '{'");
    PML_CHECK(root.type == PML_JSON_OBJ, PML_ERR_INTERNAL, "%s: parser", fn);

    /* the limit bounds the work per file: one device tensor and its bookkeeping each */
    const int ntensors = root.n - (pml_json_get(&root, "__metadata__") != NULL);
    if (ntensors > PML_SAFETENSORS_MAX_TENSORS) {
        pml_json_free(&root);
        return ST_BAD("%s: %s: %d tensors, more than the limit of %d", fn, path, ntensors,
                      PML_SAFETENSORS_MAX_TENSORS);
    }
    pml_status s = PML_OK;
    uint64_t data_size = fsize - 8 - n;
    st_entry *ents = calloc((size_t)root.n + 1, sizeof *ents);
    st_entry **sorted = calloc((size_t)root.n + 1, sizeof *sorted);
    int ne = 0;
    const pml_json_value *meta = NULL;
    if (!ents || !sorted) s = pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    for (int i = 0; s == PML_OK && i < root.n; ++i) {
        if (strcmp(root.keys[i], "__metadata__") == 0) {
            meta = &root.items[i];
            if (meta->type != PML_JSON_OBJ) {
                s = ST_BAD("%s: %s: __metadata__ is not an object", fn, path);
                break;
            }
            for (int k = 0; k < meta->n; ++k)
                if (meta->items[k].type != PML_JSON_STR) {
                    s = ST_BAD("%s: %s: metadata value of '%s' is not a string", fn, path,
                               meta->keys[k]);
                    break;
                }
            continue;
        }
        s = parse_entry(path, root.keys[i], &root.items[i], &ents[ne]);
        if (s == PML_OK) {
            sorted[ne] = &ents[ne];
            ++ne;
        }
    }
    if (s == PML_OK) {
        qsort(sorted, (size_t)ne, sizeof *sorted, cmp_begin);
        uint64_t at = 0;
        for (int i = 0; s == PML_OK && i < ne; ++i) {
            if (sorted[i]->begin != at)
                s = ST_BAD("%s: %s: data of '%s' starts at %llu, expected %llu (overlapping or "
                           "non-contiguous data)", fn, path, sorted[i]->name,
                           (unsigned long long)sorted[i]->begin, (unsigned long long)at);
            at = sorted[i]->end;
        }
        if (s == PML_OK && at != data_size)
            s = ST_BAD("%s: %s: tensors cover %llu bytes of data but the file holds %llu", fn,
                       path, (unsigned long long)at, (unsigned long long)data_size);
    }
    /* the result: tensors in header order, metadata as given */
    if (s == PML_OK) {
        out->names = calloc((size_t)ne + 1, sizeof *out->names);
        out->tensors = calloc((size_t)ne + 1, sizeof *out->tensors);
        int nm = meta ? meta->n : 0;
        out->meta_keys = calloc((size_t)nm + 1, sizeof *out->meta_keys);
        out->meta_values = calloc((size_t)nm + 1, sizeof *out->meta_values);
        if (!out->names || !out->tensors || !out->meta_keys || !out->meta_values)
            s = pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
        for (int k = 0; s == PML_OK && k < nm; ++k) {
            out->meta_keys[k] = strdup(meta->keys[k]);
            out->meta_values[k] = strdup(meta->items[k].str);
            out->meta_count = k + 1;
            if (!out->meta_keys[k] || !out->meta_values[k])
                s = pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
        }
    }
    for (int i = 0; s == PML_OK && i < ne; ++i) {
        st_entry *e = &ents[i];
        out->count = i + 1;
        out->names[i] = strdup(e->name);
        if (!out->names[i]) {
            s = pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
            break;
        }
        s = pml_tensor_create(dev, e->dtype, e->ndim, e->shape, &out->tensors[i]);
    }
    /* the data in file order, through the checksum when the file has one */
    const char *want = NULL;
    uint64_t sum = PML_FNV1A_INIT;
    for (int k = 0; s == PML_OK && meta && k < meta->n; ++k) {
        if (strcmp(meta->keys[k], PML_SAFETENSORS_CHECKSUM) == 0) want = meta->items[k].str;
        else sum = hash_str(hash_str(sum, meta->keys[k]), meta->items[k].str);
    }
    for (int j = 0; s == PML_OK && j < ne; ++j) {
        const st_entry *e = sorted[j];
        sum = hash_entry(sum, e->name, e->dtype, e->ndim, e->shape);
        size_t nb = (size_t)(e->end - e->begin);
        if (nb == 0) continue;
        void *host = malloc(nb);
        if (!host) {
            s = pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
            break;
        }
        if (fseeko(f, (off_t)(8 + n + e->begin), SEEK_SET) != 0 || fread(host, 1, nb, f) != nb)
            s = pml_set_error(PML_ERR_IO, "%s: reading %s failed", fn, path);
        if (s == PML_OK && want) sum = pml_fnv1a(sum, host, nb);
        if (s == PML_OK) s = pml_tensor_upload(out->tensors[e - ents], host, nb);
        free(host);
    }
    if (s == PML_OK && want) {
        char got[32];
        snprintf(got, sizeof got, "fnv1a64:%016llx", (unsigned long long)sum);
        if (strcmp(got, want) != 0)
            s = ST_BAD("%s: %s: damaged: its checksum says %.40s, its contents give %s", fn,
                       path, want, got);
    }
    free(ents);
    free(sorted);
    pml_json_free(&root);
    return s;
}

pml_status pml_safetensors_read(pml_device *dev, const char *path, pml_safetensors *out)
{
    static const char fn[] = "pml_safetensors_read";
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    memset(out, 0, sizeof *out);
    PML_CHECK_ARG(dev != NULL, fn, "dev is NULL");
    PML_CHECK_ARG(path != NULL, fn, "path is NULL");
    const uint16_t probe = 1;
    PML_CHECK(*(const unsigned char *)&probe == 1, PML_ERR_UNSUPPORTED, "%s: big-endian host", fn);
    FILE *f = NULL;
    long long size = 0;
    PML_TRY(pml_open_regular(fn, path, &f, &size));
    pml_status s = PML_OK;
    if (size < 8)
        s = ST_BAD("%s: %s: file too short for the header size (%lld bytes)", fn, path, size);
    if (s == PML_OK) s = read_file(dev, path, f, (uint64_t)size, out);
    fclose(f);
    if (s != PML_OK) pml_safetensors_free(out);
    return s;
}
