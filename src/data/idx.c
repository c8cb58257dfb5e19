/* IDX (MNIST-format) files, plain or gzip'd, read through zlib's inflate.
 *
 * We drive inflate ourselves rather than through gzread: gzread ends quietly on a gzip
 * stream cut short (unless gzerror is polled at the right moment) and skips any garbage
 * after the last gzip member. Here every byte of the file is accounted for: a truncated
 * member, a corrupt one (CRC), garbage after the last member, and data longer or shorter
 * than the dimensions say are all PML_ERR_BAD_FORMAT naming the file. Concatenated gzip
 * members are valid gzip and are read as one stream. The header is read first (idx.h) and
 * the size it announces checked against the file's before any data is inflated. Writing
 * goes through pml_wfile (core/file.h), gzip through deflate driven here too. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/file.h"
#include "data/idx.h"

#define IDX_CHUNK (1u << 16)

/* A byte source: a plain file, or the concatenated gzip members of one. */
typedef struct pml_idx_reader {
    const char *path;
    FILE *f;
    long long size;   /* of the file (compressed, for a gzip'd one) */
    uint64_t hbytes;  /* the IDX header's length, once read */
    int gz;           /* 1 when the file starts with the gzip magic */
    int z_live;       /* inflateInit2 done */
    int member_end;   /* the current member ended; look for another or the end of file */
    int eof;          /* no more decompressed data */
    int in_eof;       /* the file has no more compressed bytes */
    z_stream z;
    unsigned char in[IDX_CHUNK];
} idx_src;

static pml_status src_open(idx_src *s, const char *path)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    PML_TRY(pml_open_regular("pml_idx_read", path, &s->f, &s->size));
    size_t got = fread(s->in, 1, 2, s->f);
    s->gz = got == 2 && s->in[0] == 0x1f && s->in[1] == 0x8b;
    if (s->gz) {
        s->z.next_in = s->in;
        s->z.avail_in = (uInt)got;
        /* 16 + MAX_WBITS: expect a gzip wrapper and check its CRC and length */
        PML_CHECK(inflateInit2(&s->z, 16 + MAX_WBITS) == Z_OK, PML_ERR_OUT_OF_MEMORY,
                  "pml_idx_read: %s: inflateInit2 failed", path);
        s->z_live = 1;
    } else {
        rewind(s->f);
    }
    return PML_OK;
}

static void src_close(idx_src *s)
{
    if (s->z_live) inflateEnd(&s->z);
    if (s->f) fclose(s->f);
    s->z_live = 0;
    s->f = NULL;
}

static pml_status read_error(idx_src *s)
{
    return pml_set_error(PML_ERR_IO, "pml_idx_read: reading %s: %s", s->path, strerror(errno));
}

/* Refill the compressed input; *n = 0 at the end of the file. */
static pml_status src_fill(idx_src *s, size_t *n)
{
    *n = fread(s->in, 1, IDX_CHUNK, s->f);
    if (*n == 0 && ferror(s->f)) return read_error(s);
    s->z.next_in = s->in;
    s->z.avail_in = (uInt)*n;
    return PML_OK;
}

/* After a member's end: another member must follow, or nothing at all. */
static pml_status src_next_member(idx_src *s)
{
    size_t n = 0;
    if (s->z.avail_in == 0) PML_TRY(src_fill(s, &n));
    if (s->z.avail_in == 0) {
        s->eof = 1;
        return PML_OK;
    }
    if (s->z.avail_in < 2) { /* one byte left in the buffer: get the next one */
        unsigned char first = s->z.next_in[0];
        int c = fgetc(s->f);
        PML_CHECK(c != EOF && first == 0x1f && c == 0x8b, PML_ERR_BAD_FORMAT,
                  "pml_idx_read: %s: trailing garbage after the gzip stream", s->path);
        s->in[0] = first;
        s->in[1] = (unsigned char)c;
        s->z.next_in = s->in;
        s->z.avail_in = 2;
    }
    PML_CHECK(s->z.next_in[0] == 0x1f && s->z.next_in[1] == 0x8b, PML_ERR_BAD_FORMAT,
              "pml_idx_read: %s: trailing garbage after the gzip stream", s->path);
    PML_CHECK(inflateReset(&s->z) == Z_OK, PML_ERR_INTERNAL, "pml_idx_read: inflateReset failed");
    s->member_end = 0;
    return PML_OK;
}

/* Read up to `want` decompressed bytes; *got < want only at the end of the data. */
static pml_status src_read(idx_src *s, void *dst, size_t want, size_t *got)
{
    *got = 0;
    if (!s->gz) {
        *got = fread(dst, 1, want, s->f);
        if (*got < want && ferror(s->f)) return read_error(s);
        return PML_OK;
    }
    unsigned char *out = dst;
    while (*got < want && !s->eof) {
        if (s->member_end) {
            PML_TRY(src_next_member(s));
            continue;
        }
        if (s->z.avail_in == 0 && !s->in_eof) {
            size_t n = 0;
            PML_TRY(src_fill(s, &n));
            s->in_eof = n == 0;
        }
        size_t chunk = want - *got;
        if (chunk > (1u << 30)) chunk = 1u << 30;
        s->z.next_out = out + *got;
        s->z.avail_out = (uInt)chunk;
        /* at the end of the file inflate may still hold output (a pending match): only
         * "no progress possible" without input means the member was cut short */
        int rc = inflate(&s->z, Z_NO_FLUSH);
        *got += chunk - s->z.avail_out;
        if (rc == Z_STREAM_END) {
            s->member_end = 1;
        } else if (rc == Z_BUF_ERROR) {
            PML_CHECK(!(s->in_eof && s->z.avail_in == 0), PML_ERR_BAD_FORMAT,
                      "pml_idx_read: %s: truncated gzip stream (the file ends inside a member)",
                      s->path);
        } else if (rc != Z_OK) {
            return pml_set_error(PML_ERR_BAD_FORMAT, "pml_idx_read: %s: corrupt gzip data: %s",
                                 s->path, s->z.msg ? s->z.msg : "inflate failed");
        }
    }
    return PML_OK;
}

static int idx_type(int code, pml_dtype *dt)
{
    switch (code) {
    case 0x08: *dt = PML_U8; return 1;
    case 0x09: *dt = PML_I8; return 1;
    case 0x0C: *dt = PML_I32; return 1;
    case 0x0D: *dt = PML_F32; return 1;
    case 0x0E: *dt = PML_F64; return 1;
    }
    return 0;
}

static int idx_code(pml_dtype dt)
{
    switch (dt) {
    case PML_U8: return 0x08;
    case PML_I8: return 0x09;
    case PML_I32: return 0x0C;
    case PML_F32: return 0x0D;
    case PML_F64: return 0x0E;
    default: return 0;
    }
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* IDX stores multi-byte elements big-endian; swap in place when the host is little-endian. */
static void swap_to_from_be(void *data, size_t count, size_t elem)
{
    const uint16_t probe = 1;
    if (elem == 1 || *(const unsigned char *)&probe == 0) return;
    unsigned char *p = data;
    for (size_t i = 0; i < count; ++i, p += elem)
        for (size_t a = 0, b = elem - 1; a < b; ++a, --b) {
            unsigned char t = p[a];
            p[a] = p[b];
            p[b] = t;
        }
}

/* The largest payload accepted: keeps every size computation far from overflow. */
#define IDX_MAX_BYTES ((uint64_t)1 << 46)

/* deflate's largest expansion: a 258-byte match in 2 bits (zlib's "maximum compression
 * factor", technical.txt). No gzip file, whatever its members, holds more than this many
 * times its own size. */
#define GZIP_MAX_RATIO 1032

static pml_status read_header(idx_src *s, pml_idx *out)
{
    const char *path = s->path;
    unsigned char head[4];
    size_t got = 0;
    PML_TRY(src_read(s, head, 4, &got));
    PML_CHECK(got == 4, PML_ERR_BAD_FORMAT, "pml_idx_read: %s: file too short for an IDX header "
              "(%zu bytes)", path, got);
    uint32_t magic = be32(head);
    PML_CHECK(head[0] == 0 && head[1] == 0, PML_ERR_BAD_FORMAT,
              "pml_idx_read: %s: bad magic 0x%08x (expected 0x0000TTNN)", path, (unsigned)magic);
    PML_CHECK(head[2] != 0x0B, PML_ERR_UNSUPPORTED,
              "pml_idx_read: %s: element type 0x0B (i16) is not supported", path);
    pml_dtype dt;
    PML_CHECK(idx_type(head[2], &dt), PML_ERR_BAD_FORMAT,
              "pml_idx_read: %s: unknown element type 0x%02x in magic 0x%08x", path, head[2],
              (unsigned)magic);
    int ndim = head[3];
    PML_CHECK(ndim >= 1 && ndim <= PML_MAX_DIMS, PML_ERR_BAD_FORMAT,
              "pml_idx_read: %s: %d dimensions (supported: 1..%d)", path, ndim, PML_MAX_DIMS);
    unsigned char dimbuf[4 * PML_MAX_DIMS];
    PML_TRY(src_read(s, dimbuf, 4 * (size_t)ndim, &got));
    PML_CHECK(got == 4 * (size_t)ndim, PML_ERR_BAD_FORMAT,
              "pml_idx_read: %s: truncated header (%d dimensions announced)", path, ndim);
    uint64_t total = pml_dtype_size(dt);
    for (int i = 0; i < ndim; ++i) {
        out->dims[i] = be32(dimbuf + 4 * i);
        PML_CHECK(out->dims[i] > 0, PML_ERR_BAD_FORMAT, "pml_idx_read: %s: dimension %d is 0",
                  path, i);
        PML_CHECK(total <= IDX_MAX_BYTES / (uint64_t)out->dims[i], PML_ERR_BAD_FORMAT,
                  "pml_idx_read: %s: dimensions overflow (more than 2^46 bytes of data)", path);
        total *= (uint64_t)out->dims[i];
    }
    PML_CHECK(total <= SIZE_MAX, PML_ERR_BAD_FORMAT, "pml_idx_read: %s: data too large", path);
    out->dtype = dt;
    out->ndim = ndim;
    s->hbytes = 4 + 4 * (uint64_t)ndim;
    return PML_OK;
}

/* What the header announces against what the file can hold, before any data is read: a
 * plain file exactly, a gzip'd one within deflate's largest expansion. */
static pml_status check_size(const idx_src *s, uint64_t total)
{
    const char *path = s->path;
    const uint64_t size = (uint64_t)s->size, want = s->hbytes + total;
    if (s->gz) {
        PML_CHECK(want / GZIP_MAX_RATIO <= size, PML_ERR_BAD_FORMAT,
                  "pml_idx_read: %s: truncated: the header announces %llu data bytes, more than "
                  "a gzip file of %llu bytes can hold (deflate expands at most %d:1)", path,
                  (unsigned long long)total, (unsigned long long)size, GZIP_MAX_RATIO);
        return PML_OK;
    }
    PML_CHECK(size >= want, PML_ERR_BAD_FORMAT, "pml_idx_read: %s: truncated: %llu of %llu "
              "data bytes", path, (unsigned long long)(size > s->hbytes ? size - s->hbytes : 0),
              (unsigned long long)total);
    PML_CHECK(size == want, PML_ERR_BAD_FORMAT, "pml_idx_read: %s: trailing bytes after the %llu "
              "data bytes the dimensions announce", path, (unsigned long long)total);
    return PML_OK;
}

pml_status pml_idx_read_data(pml_idx_reader *s, pml_idx *out)
{
    const char *path = s->path;
    const size_t elem = pml_dtype_size(out->dtype);
    uint64_t total = elem;
    for (int i = 0; i < out->ndim; ++i) total *= (uint64_t)out->dims[i];
    PML_TRY(check_size(s, total));

    /* Grow the buffer as data arrives: a gzip member that ends early (or a file that changed
     * since its size was taken) cannot make us allocate much more than it held. */
    unsigned char *data = NULL;
    size_t have = 0, cap = 0, got = 0;
    while (have < total) {
        size_t ncap = cap ? 2 * cap : (size_t)1 << 20;
        if (ncap > total) ncap = (size_t)total;
        unsigned char *p = realloc(data, ncap);
        if (p == NULL) {
            free(data);
            return pml_set_error(PML_ERR_OUT_OF_MEMORY, "pml_idx_read: %s: out of host memory "
                                 "for %zu bytes", path, ncap);
        }
        data = p;
        cap = ncap;
        pml_status st = src_read(s, data + have, cap - have, &got);
        have += got;
        if (st != PML_OK) {
            free(data);
            return st;
        }
        if (have < cap) {
            free(data);
            return pml_set_error(PML_ERR_BAD_FORMAT, "pml_idx_read: %s: truncated: %zu of %llu "
                                 "data bytes", path, have, (unsigned long long)total);
        }
    }
    unsigned char extra;
    pml_status st = src_read(s, &extra, 1, &got);
    if (st == PML_OK && got != 0)
        st = pml_set_error(PML_ERR_BAD_FORMAT, "pml_idx_read: %s: trailing bytes after the %llu "
                           "data bytes the dimensions announce", path, (unsigned long long)total);
    if (st != PML_OK) {
        free(data);
        return st;
    }
    swap_to_from_be(data, (size_t)(total / elem), elem);
    out->data = data;
    return PML_OK;
}

pml_status pml_idx_open(const char *path, pml_idx_reader **r, pml_idx *hdr)
{
    *r = NULL;
    memset(hdr, 0, sizeof *hdr);
    idx_src *s = malloc(sizeof *s);
    PML_CHECK(s != NULL, PML_ERR_OUT_OF_MEMORY, "pml_idx_read: out of host memory");
    pml_status st = src_open(s, path);
    if (st == PML_OK) st = read_header(s, hdr);
    if (st != PML_OK) {
        pml_idx_close(s);
        memset(hdr, 0, sizeof *hdr);
        return st;
    }
    *r = s;
    return PML_OK;
}

void pml_idx_close(pml_idx_reader *r)
{
    if (r == NULL) return;
    src_close(r);
    free(r);
}

pml_status pml_idx_read(const char *path, pml_idx *out)
{
    PML_CHECK_ARG(out != NULL, "pml_idx_read", "out is NULL");
    memset(out, 0, sizeof *out);
    PML_CHECK_ARG(path != NULL, "pml_idx_read", "path is NULL");
    pml_idx_reader *r = NULL;
    PML_TRY(pml_idx_open(path, &r, out));
    pml_status st = pml_idx_read_data(r, out);
    pml_idx_close(r);
    if (st != PML_OK) memset(out, 0, sizeof *out);
    return st;
}

void pml_idx_free(pml_idx *idx)
{
    if (idx == NULL) return;
    free(idx->data);
    memset(idx, 0, sizeof *idx);
}

static size_t path_len(const char *p) { return strlen(p); }

static int ends_with_gz(const char *path)
{
    size_t n = path_len(path);
    return n >= 3 && strcmp(path + n - 3, ".gz") == 0;
}

/* Deflate n bytes (flush: Z_NO_FLUSH, or Z_FINISH for the last piece) into w. Returns 0 when
 * a write failed (the commit reports it) or zlib refused. */
static int deflate_into(pml_wfile *w, z_stream *z, const void *p, size_t n, int flush)
{
    unsigned char out[IDX_CHUNK];
    z->next_in = (Bytef *)(uintptr_t)p;
    z->avail_in = (uInt)n;
    for (;;) {
        z->next_out = out;
        z->avail_out = sizeof out;
        const int rc = deflate(z, flush);
        if (rc == Z_STREAM_ERROR) return 0;
        if (!pml_wfile_write(w, out, sizeof out - z->avail_out)) return 0;
        if (flush == Z_FINISH ? rc == Z_STREAM_END : z->avail_out != 0) return 1;
    }
}

/* One gzip member (zlib's default level, as gzopen's "wb") holding head and data, written
 * through w so that every byte is checked and the file replaced only whole. */
static pml_status write_gz(pml_wfile *w, const void *head, size_t hbytes, const void *data,
                           uint64_t n)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    /* 16 + MAX_WBITS: a gzip wrapper (header, CRC-32 and length trailer) */
    PML_CHECK(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                           Z_DEFAULT_STRATEGY) == Z_OK,
              PML_ERR_OUT_OF_MEMORY, "pml_idx_write: deflateInit2 failed");
    int ok = deflate_into(w, &z, head, hbytes, Z_NO_FLUSH);
    const unsigned char *p = data;
    for (uint64_t off = 0; ok && off < n;) {
        const size_t k = n - off > (1u << 30) ? (1u << 30) : (size_t)(n - off);
        ok = deflate_into(w, &z, p + off, k, Z_NO_FLUSH);
        off += k;
    }
    if (ok) ok = deflate_into(w, &z, NULL, 0, Z_FINISH);
    const int failed_in_zlib = !ok && !w->failed;
    deflateEnd(&z);
    PML_CHECK(!failed_in_zlib, PML_ERR_INTERNAL, "pml_idx_write: deflate failed");
    return PML_OK;
}

pml_status pml_idx_write(const char *path, const pml_idx *idx)
{
    static const char fn[] = "pml_idx_write";
    PML_CHECK_ARG(path != NULL, fn, "path is NULL");
    PML_CHECK_ARG(idx != NULL, fn, "idx is NULL");
    PML_CHECK(pml_dtype_size(idx->dtype) != 0, PML_ERR_INVALID_ARGUMENT, "%s: unknown dtype %d",
              fn, (int)idx->dtype);
    int code = idx_code(idx->dtype);
    PML_CHECK(code != 0, PML_ERR_UNSUPPORTED, "%s: dtype %s has no IDX type code", fn,
              pml_dtype_name(idx->dtype));
    PML_CHECK(idx->ndim >= 1 && idx->ndim <= PML_MAX_DIMS, PML_ERR_INVALID_ARGUMENT,
              "%s: ndim %d out of range 1..%d", fn, idx->ndim, PML_MAX_DIMS);
    size_t elem = pml_dtype_size(idx->dtype);
    uint64_t total = elem;
    unsigned char head[4 + 4 * PML_MAX_DIMS] = {0, 0, (unsigned char)code,
                                                (unsigned char)idx->ndim};
    for (int i = 0; i < idx->ndim; ++i) {
        int64_t d = idx->dims[i];
        PML_CHECK(d > 0 && d <= (int64_t)UINT32_MAX, PML_ERR_INVALID_ARGUMENT,
                  "%s: dimension %d is %lld (need 1..2^32-1)", fn, i, (long long)d);
        PML_CHECK(total <= IDX_MAX_BYTES / (uint64_t)d, PML_ERR_INVALID_ARGUMENT,
                  "%s: dimensions overflow", fn);
        total *= (uint64_t)d;
        for (int b = 0; b < 4; ++b) head[4 + 4 * i + b] = (unsigned char)(d >> (24 - 8 * b));
    }
    PML_CHECK_ARG(idx->data != NULL, fn, "idx->data is NULL");
    size_t hbytes = 4 + 4 * (size_t)idx->ndim;

    /* big-endian copy of the payload */
    const void *payload = idx->data;
    void *swapped = NULL;
    const uint16_t probe = 1;
    if (elem > 1 && *(const unsigned char *)&probe == 1) {
        swapped = malloc((size_t)total);
        PML_CHECK(swapped != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
        memcpy(swapped, idx->data, (size_t)total);
        swap_to_from_be(swapped, (size_t)(total / elem), elem);
        payload = swapped;
    }
    pml_wfile w;
    pml_status st = pml_wfile_open(fn, path, &w);
    if (st == PML_OK) {
        if (ends_with_gz(path)) {
            st = write_gz(&w, head, hbytes, payload, total);
        } else if (pml_wfile_write(&w, head, hbytes)) {
            pml_wfile_write(&w, payload, (size_t)total);
        }
        /* a failed write is reported by the commit, with the OS's reason */
        if (st == PML_OK) st = pml_wfile_commit(fn, &w);
        else pml_wfile_abort(&w);
    }
    free(swapped);
    return st;
}
