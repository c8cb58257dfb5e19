/* IDX reader and writer: the real Fashion-MNIST files, round trips for every dtype, and
 * crafted bad files (wrong magic, truncated plain and gzip'd, overflowing dimensions,
 * trailing bytes, garbage after the gzip stream, corrupt gzip data). */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "pml_test.h"

#define FMNIST "/usr/share/datasets/fashion-mnist"

TestSuite(idx, .init = pml_test_tmpdir_create, .fini = pml_test_tmpdir_remove);

static void write_gz(const char *path, const void *p, size_t n)
{
    gzFile g = gzopen(path, "wb");
    cr_assert(g != NULL);
    cr_assert_eq(gzwrite(g, p, (unsigned)n), (int)n);
    cr_assert_eq(gzclose(g), Z_OK);
}

/* A valid u8 IDX image: 3 x 4 x 5, values i*7 mod 256. */
static size_t valid_u8(unsigned char *buf)
{
    unsigned char head[16] = {0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5};
    memcpy(buf, head, 16);
    for (int i = 0; i < 60; ++i) buf[16 + i] = (unsigned char)(i * 7);
    return 76;
}

/* Expect `status` and a message naming the file and containing `what`. */
static void expect_bad(const char *path, pml_status status, const char *what)
{
    pml_idx idx;
    memset(&idx, 0x5a, sizeof idx);
    pml_test_expect_error(path, pml_idx_read(path, &idx), status, what);
    cr_assert(strstr(pml_last_error(), path) != NULL, "message does not name the file: %s",
              pml_last_error());
    cr_assert_null(idx.data);
    cr_assert_eq(idx.ndim, 0);
    pml_idx_free(&idx);
}

/* The n bytes at p written to the file `name` must be rejected as expect_bad says. */
static void expect_bad_bytes(const char *name, const void *p, size_t n, pml_status status,
                             const char *what)
{
    pml_test_write_file(pml_test_tmppath(name), p, n);
    expect_bad(pml_test_tmppath(name), status, what);
}

Test(idx, fashion_mnist_train_images_and_labels)
{
    pml_idx im = {0}, lb = {0};
    PML_ASSERT_OK(pml_idx_read(FMNIST "/train-images-idx3-ubyte.gz", &im));
    cr_assert_eq(im.dtype, PML_U8);
    cr_assert_eq(im.ndim, 3);
    cr_assert_eq(im.dims[0], 60000);
    cr_assert_eq(im.dims[1], 28);
    cr_assert_eq(im.dims[2], 28);
    /* first image: pixel sum and row 14 as read by Python's gzip module */
    const uint8_t *px = im.data;
    long sum = 0;
    for (int i = 0; i < 784; ++i) sum += px[i];
    cr_assert_eq(sum, 76247);
    static const uint8_t row14[8] = {0x00, 0x00, 0x01, 0x04, 0x06, 0x07, 0x02, 0x00};
    cr_assert(memcmp(px + 14 * 28, row14, 8) == 0);

    PML_ASSERT_OK(pml_idx_read(FMNIST "/train-labels-idx1-ubyte.gz", &lb));
    cr_assert_eq(lb.dtype, PML_U8);
    cr_assert_eq(lb.ndim, 1);
    cr_assert_eq(lb.dims[0], 60000);
    static const uint8_t first[10] = {9, 0, 0, 3, 0, 2, 7, 2, 5, 5};
    cr_assert(memcmp(lb.data, first, 10) == 0);
    int counts[256] = {0};
    for (int i = 0; i < 60000; ++i) counts[((uint8_t *)lb.data)[i]]++;
    for (int c = 0; c < 10; ++c) cr_assert_eq(counts[c], 6000, "class %d: %d", c, counts[c]);
    pml_idx_free(&im);
    pml_idx_free(&lb);
}

Test(idx, fashion_mnist_test_labels)
{
    pml_idx lb = {0};
    PML_ASSERT_OK(pml_idx_read(FMNIST "/t10k-labels-idx1-ubyte.gz", &lb));
    cr_assert_eq(lb.dims[0], 10000);
    static const uint8_t first[10] = {9, 2, 1, 1, 6, 1, 4, 6, 5, 7};
    cr_assert(memcmp(lb.data, first, 10) == 0);
    pml_idx_free(&lb);
}

Test(idx, round_trip_every_dtype_plain_and_gz)
{
    const pml_dtype types[] = {PML_U8, PML_I8, PML_I32, PML_F32, PML_F64};
    for (size_t t = 0; t < sizeof types / sizeof *types; ++t) {
        for (int gz = 0; gz < 2; ++gz) {
            size_t es = pml_dtype_size(types[t]);
            pml_idx w = {types[t], 4, {2, 3, 1, 5}, NULL};
            unsigned char *data = malloc(30 * es);
            for (size_t i = 0; i < 30 * es; ++i) data[i] = (unsigned char)(i * 37 + t);
            w.data = data;
            const char *p = pml_test_tmppath(gz ? "rt.idx.gz" : "rt.idx");
            PML_ASSERT_OK(pml_idx_write(p, &w));
            pml_idx r = {0};
            PML_ASSERT_OK(pml_idx_read(p, &r));
            cr_assert_eq(r.dtype, types[t]);
            cr_assert_eq(r.ndim, 4);
            for (int i = 0; i < 4; ++i) cr_assert_eq(r.dims[i], w.dims[i]);
            cr_assert(memcmp(r.data, data, 30 * es) == 0, "dtype %s gz %d",
                      pml_dtype_name(types[t]), gz);
            pml_idx_free(&r);
            free(data);
        }
    }
}

Test(idx, writes_big_endian_bytes)
{
    int32_t v[2] = {0x01020304, -2};
    pml_idx w = {PML_I32, 1, {2}, v};
    PML_ASSERT_OK(pml_idx_write(pml_test_tmppath("be.idx"), &w));
    unsigned char buf[64];
    size_t n = pml_test_read_file(pml_test_tmppath("be.idx"), buf, sizeof buf);
    static const unsigned char want[] = {0, 0, 0x0C, 1, 0, 0, 0, 2,
                                         1, 2, 3, 4, 0xff, 0xff, 0xff, 0xfe};
    cr_assert_eq(n, sizeof want);
    cr_assert(memcmp(buf, want, n) == 0);
}

Test(idx, concatenated_gzip_members_are_one_stream)
{
    unsigned char buf[128];
    size_t n = valid_u8(buf);
    write_gz(pml_test_tmppath("a.gz"), buf, 30);
    write_gz(pml_test_tmppath("b.gz"), buf + 30, n - 30);
    unsigned char ga[512], gb[512];
    size_t na = pml_test_read_file(pml_test_tmppath("a.gz"), ga, sizeof ga);
    size_t nb = pml_test_read_file(pml_test_tmppath("b.gz"), gb, sizeof gb);
    memcpy(ga + na, gb, nb);
    pml_test_write_file(pml_test_tmppath("cat.gz"), ga, na + nb);
    pml_idx r = {0};
    PML_ASSERT_OK(pml_idx_read(pml_test_tmppath("cat.gz"), &r));
    cr_assert(memcmp(r.data, buf + 16, 60) == 0);
    pml_idx_free(&r);
}

Test(idx, missing_file_is_io_error)
{
    pml_idx r = {0};
    cr_assert_eq(pml_idx_read(pml_test_tmppath("nope"), &r), PML_ERR_IO);
    cr_assert(strstr(pml_last_error(), "nope") != NULL);
    /* a directory is not a regular file */
    cr_assert_eq(pml_idx_read(pml_test_tmpdir, &r), PML_ERR_IO, "%s", pml_last_error());
    cr_assert(strstr(pml_last_error(), "a directory") != NULL, "%s", pml_last_error());
    cr_assert_null(r.data);
}

Test(idx, wrong_magic)
{
    unsigned char buf[128];
    size_t n = valid_u8(buf);
    buf[0] = 0x1f; /* a lone first byte of the gzip magic must not confuse the sniffing */
    expect_bad_bytes("magic", buf, n, PML_ERR_BAD_FORMAT, "magic");
    valid_u8(buf);
    buf[2] = 0x07;
    expect_bad_bytes("type", buf, n, PML_ERR_BAD_FORMAT, "type");
    buf[2] = 0x0B;
    expect_bad_bytes("i16", buf, n, PML_ERR_UNSUPPORTED, "i16");
    valid_u8(buf);
    buf[3] = 0;
    expect_bad_bytes("nd0", buf, n, PML_ERR_BAD_FORMAT, "dimensions");
    buf[3] = 5;
    expect_bad_bytes("nd5", buf, n, PML_ERR_BAD_FORMAT, "dimensions");
    expect_bad_bytes("empty", buf, 0, PML_ERR_BAD_FORMAT, "too short");
    valid_u8(buf);
    expect_bad_bytes("short_header", buf, 10, PML_ERR_BAD_FORMAT, "truncated header");
}

Test(idx, zero_and_overflowing_dimensions)
{
    unsigned char buf[128];
    size_t n = valid_u8(buf);
    buf[11] = 0; /* dims 3 x 0 x 5 */
    expect_bad_bytes("zero", buf, n, PML_ERR_BAD_FORMAT, "dimension 1 is 0");
    /* f64, 4 dims of 2^32-1: the product overflows 64 bits */
    unsigned char big[20 + 8] = {0, 0, 0x0E, 4};
    memset(big + 4, 0xff, 16);
    expect_bad_bytes("overflow", big, sizeof big, PML_ERR_BAD_FORMAT, "overflow");
    /* a header claiming 2^28 bytes in a tiny gzip file: reported truncated, nothing huge
     * allocated */
    unsigned char lie[12 + 16] = {0, 0, 8, 2, 0, 0, 1, 0, 0, 0x10, 0, 0};
    write_gz(pml_test_tmppath("lie.gz"), lie, sizeof lie);
    expect_bad(pml_test_tmppath("lie.gz"), PML_ERR_BAD_FORMAT, "truncated");
}

Test(idx, truncated_plain_and_gz)
{
    unsigned char buf[128];
    size_t n = valid_u8(buf);
    expect_bad_bytes("cut", buf, n - 1, PML_ERR_BAD_FORMAT, "truncated");
    /* gzip'd: the full data cut in the middle of the compressed stream, and a stream whose
     * 8-byte trailer (CRC, length) is missing */
    write_gz(pml_test_tmppath("full.gz"), buf, n);
    unsigned char gz[512];
    size_t ng = pml_test_read_file(pml_test_tmppath("full.gz"), gz, sizeof gz);
    expect_bad_bytes("half.gz", gz, ng / 2, PML_ERR_BAD_FORMAT, "truncated");
    expect_bad_bytes("notrailer.gz", gz, ng - 8, PML_ERR_BAD_FORMAT, "truncated");
    expect_bad_bytes("cut1.gz", gz, ng - 1, PML_ERR_BAD_FORMAT, "truncated");
    /* the real file cut in half */
    FILE *f = fopen(FMNIST "/train-labels-idx1-ubyte.gz", "rb");
    cr_assert(f != NULL);
    unsigned char *big = malloc(1 << 20);
    size_t nb = fread(big, 1, 1 << 20, f);
    fclose(f);
    pml_test_write_file(pml_test_tmppath("labels-half.gz"), big, nb / 2);
    free(big);
    expect_bad(pml_test_tmppath("labels-half.gz"), PML_ERR_BAD_FORMAT, "truncated");
}

/* Every prefix of a gzip'd IDX file is an error, never a short success; and a highly
 * compressible file (long matches pending across output chunks) reads back whole. */
Test(idx, every_gzip_prefix_is_rejected)
{
    enum { N = 3000 };
    unsigned char *buf = malloc(16 + N);
    unsigned char head[12] = {0, 0, 8, 2, 0, 0, 0, 3, 0, 0, 0x03, 0xe8}; /* 3 x 1000 */
    memcpy(buf, head, 12);
    for (int i = 0; i < N; ++i) buf[12 + i] = (unsigned char)(i < 1500 ? 0 : i % 7);
    write_gz(pml_test_tmppath("p.gz"), buf, 12 + N);
    unsigned char gz[8192];
    size_t ng = pml_test_read_file(pml_test_tmppath("p.gz"), gz, sizeof gz);
    pml_idx r = {0};
    PML_ASSERT_OK(pml_idx_read(pml_test_tmppath("p.gz"), &r));
    cr_assert(memcmp(r.data, buf + 12, N) == 0);
    pml_idx_free(&r);
    for (size_t cut = 0; cut < ng; ++cut) {
        pml_test_write_file(pml_test_tmppath("prefix.gz"), gz, cut);
        pml_status st = pml_idx_read(pml_test_tmppath("prefix.gz"), &r);
        cr_assert_eq(st, PML_ERR_BAD_FORMAT, "prefix of %zu of %zu bytes: %s", cut, ng,
                     pml_last_error());
        cr_assert_null(r.data);
    }
    /* 64 MiB of zeros compress to ~64 KiB: many input and output chunks */
    size_t big = (size_t)64 << 20;
    unsigned char *z = calloc(big + 12, 1);
    unsigned char hz[12] = {0, 0, 8, 2, 0, 1, 0, 0, 0, 0, 0x04, 0}; /* 65536 x 1024 */
    memcpy(z, hz, 12);
    z[12 + big - 1] = 42;
    write_gz(pml_test_tmppath("zeros.gz"), z, big + 12);
    PML_ASSERT_OK(pml_idx_read(pml_test_tmppath("zeros.gz"), &r));
    cr_assert_eq(r.dims[0], 65536);
    cr_assert(memcmp(r.data, z + 12, big) == 0);
    pml_idx_free(&r);
    free(z);
    free(buf);
}

static pml_status read_damaged(const char *path, void *user)
{
    (void)user;
    pml_idx r = {0};
    pml_status st = pml_idx_read(path, &r);
    if (st != PML_OK) cr_assert_null(r.data);
    pml_idx_free(&r);
    return st;
}

/* Random damage to plain and gzip'd files: every read succeeds or fails cleanly with a
 * format error (memory safety checked under the asan preset). */
Test(idx, random_damage_never_crashes)
{
    unsigned char buf[128], gz[512];
    size_t n = valid_u8(buf);
    write_gz(pml_test_tmppath("ok.gz"), buf, n);
    size_t ng = pml_test_read_file(pml_test_tmppath("ok.gz"), gz, sizeof gz);
    /* even iterations: the plain file, edits in its 16-byte header; odd: the gzip'd one,
     * edits anywhere; any byte value */
    const pml_test_damage d = {.src = {buf, gz}, .size = {n, ng}, .span = {16, 0}, .nsrc = 2,
                               .seed = 3, .iterations = 2000, .max_edits = 3, .cut_every = 5};
    pml_test_damage_files(&d, pml_test_tmppath("bad"), read_damaged, NULL);
}

Test(idx, trailing_bytes_and_garbage)
{
    unsigned char buf[128];
    size_t n = valid_u8(buf);
    buf[n] = 0;
    expect_bad_bytes("long", buf, n + 1, PML_ERR_BAD_FORMAT, "trailing bytes");
    write_gz(pml_test_tmppath("long.gz"), buf, n + 1);
    expect_bad(pml_test_tmppath("long.gz"), PML_ERR_BAD_FORMAT, "trailing bytes");
    /* garbage after a valid gzip member (zlib's gzread would skip it silently) */
    write_gz(pml_test_tmppath("ok.gz"), buf, n);
    unsigned char gz[512];
    size_t ng = pml_test_read_file(pml_test_tmppath("ok.gz"), gz, sizeof gz);
    memcpy(gz + ng, "junk", 4);
    expect_bad_bytes("garbage.gz", gz, ng + 4, PML_ERR_BAD_FORMAT, "trailing garbage");
    expect_bad_bytes("garbage1.gz", gz, ng + 1, PML_ERR_BAD_FORMAT, "trailing garbage");
}

Test(idx, corrupt_gzip_data)
{
    unsigned char buf[128];
    size_t n = valid_u8(buf);
    write_gz(pml_test_tmppath("ok.gz"), buf, n);
    unsigned char gz[512];
    size_t ng = pml_test_read_file(pml_test_tmppath("ok.gz"), gz, sizeof gz);
    gz[ng - 6] ^= 0xff; /* inside the CRC-32 */
    expect_bad_bytes("crc.gz", gz, ng, PML_ERR_BAD_FORMAT, "corrupt");
}

Test(idx, bad_arguments)
{
    pml_idx r = {0};
    cr_assert_eq(pml_idx_read(NULL, &r), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_idx_read(pml_test_tmppath("x"), NULL), PML_ERR_INVALID_ARGUMENT);
    pml_idx_free(NULL);
    pml_idx_free(&r);
    uint8_t data[4] = {1, 2, 3, 4};
    pml_idx w = {PML_U8, 1, {4}, data};
    cr_assert_eq(pml_idx_write(NULL, &w), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_idx_write(pml_test_tmppath("w"), NULL), PML_ERR_INVALID_ARGUMENT);
    w.dtype = PML_U32;
    cr_assert_eq(pml_idx_write(pml_test_tmppath("w"), &w), PML_ERR_UNSUPPORTED);
    w.dtype = PML_U8;
    w.ndim = 0;
    cr_assert_eq(pml_idx_write(pml_test_tmppath("w"), &w), PML_ERR_INVALID_ARGUMENT);
    w.ndim = 1;
    w.dims[0] = 0;
    cr_assert_eq(pml_idx_write(pml_test_tmppath("w"), &w), PML_ERR_INVALID_ARGUMENT);
    w.dims[0] = (int64_t)1 << 33;
    cr_assert_eq(pml_idx_write(pml_test_tmppath("w"), &w), PML_ERR_INVALID_ARGUMENT);
    w.dims[0] = 4;
    w.data = NULL;
    cr_assert_eq(pml_idx_write(pml_test_tmppath("w"), &w), PML_ERR_INVALID_ARGUMENT);
    w.data = data;
    cr_assert_eq(pml_idx_write("/nonexistent-dir/x.idx", &w), PML_ERR_IO);
    cr_assert_eq(pml_idx_write("/nonexistent-dir/x.idx.gz", &w), PML_ERR_IO);
}
