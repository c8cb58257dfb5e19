/* Files and sizes that claim more than is sensible: they are refused or cut down quickly,
 * with a message, never worked through. */
#include "hostile.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <zlib.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A lattice far larger than an image may be: the picture is shown down to the bound (each
 * pixel a block's share of up spins), never a size stb_image_write's int arithmetic
 * overflows. */
HOSTILE(large_lattice_images_are_bounded)
{
    char dir[300], png[320];
    snprintf(dir, sizeof dir, "%s", pml_test_tmppath("big"));
    cr_assert_eq(PHYSML("ising", "--L", "8192", "--sweeps", "1", "--therm", "0", "--quiet",
                        "--device", "cpu", "--out", dir),
                 0, "%s", hostile_err);
    snprintf(png, sizeof png, "%s/ising_lattice.png", dir);
    unsigned char head[32];
    cr_assert_eq(pml_test_read_file(png, head, sizeof head), sizeof head, "%s", png);
    cr_expect(memcmp(head + 12, "IHDR", 4) == 0);
    cr_expect_eq(be32(head + 16), 4096u, "width %u", be32(head + 16));
    cr_expect_eq(be32(head + 20), 4096u, "height %u", be32(head + 20));
}

/* A safetensors header of 200,000 tensors: refused at once (the reader's cap), not checked
 * for duplicates in quadratic time (48 s before). */
HOSTILE(safetensors_header_of_many_keys)
{
    const size_t keys = 200000;
    char *json = malloc(keys * 64 + 16);
    cr_assert(json != NULL);
    size_t n = 0;
    json[n++] = '{';
    for (size_t i = 0; i < keys; ++i)
        n += (size_t)sprintf(json + n, "%s\"t%zu\":{\"dtype\":\"F32\",\"shape\":[1],"
                                       "\"data_offsets\":[0,4]}",
                             i ? "," : "", i);
    json[n++] = '}';
    while (n % 8) json[n++] = ' ';
    const char *path = pml_test_tmppath("bomb.safetensors");
    FILE *f = fopen(path, "wb");
    cr_assert(f != NULL);
    const uint64_t len = n;
    fwrite(&len, 8, 1, f);
    fwrite(json, 1, n, f);
    fwrite("\0\0\0\0", 1, 4, f);
    fclose(f);
    free(json);
    const double t0 = now();
    cr_expect_eq(PHYSML("eval", "--model", path), 1);
    cr_expect(now() - t0 < 10, "took %.1f s", now() - t0);
    cr_expect(strstr(hostile_err, "tensors") != NULL, "%s", hostile_err);
}

/* A header that claims 200 MB in a 1 KB file, and one over the 100 MB cap. */
HOSTILE(safetensors_header_lengths)
{
    unsigned char bytes[1024] = {0};
    const uint64_t claims[] = {200u << 20, 1000};
    for (int i = 0; i < 2; ++i) {
        memcpy(bytes, &claims[i], 8);
        memcpy(bytes + 8, "{}", 2);
        const char *path = pml_test_tmppath("claims.safetensors");
        pml_test_write_file(path, bytes, sizeof bytes);
        cr_expect_eq(PHYSML("eval", "--model", path), 1);
        cr_expect(strstr(hostile_err, "claims.safetensors") != NULL, "%s", hostile_err);
    }
}

/* A gzip member holding n zero bytes (or `head` when given), appended to f. */
static void gz_member(FILE *f, const unsigned char *head, size_t n)
{
    static unsigned char zeros[1 << 20];
    z_stream z;
    memset(&z, 0, sizeof z);
    cr_assert_eq(deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY), Z_OK);
    unsigned char *buf = malloc(deflateBound(&z, (uLong)n));
    cr_assert(buf != NULL);
    z.next_in = (unsigned char *)(head ? head : zeros);
    z.avail_in = (uInt)n;
    z.next_out = buf;
    z.avail_out = (uInt)deflateBound(&z, (uLong)n);
    cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    fwrite(buf, 1, z.total_out, f);
    deflateEnd(&z);
    free(buf);
}

/* An IDX file, gzip'd: the header for dims, then `bytes` zeros in 1 MiB members (about 1 KB
 * each once compressed). */
static void gz_idx(const char *path, int ndim, const uint32_t *dims, size_t bytes)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f != NULL, "%s", path);
    unsigned char head[16] = {0, 0, 0x08, (unsigned char)ndim};
    for (int d = 0; d < ndim; ++d)
        for (int b = 0; b < 4; ++b) head[4 + 4 * d + b] = (unsigned char)(dims[d] >> (24 - 8 * b));
    gz_member(f, head, 4 + 4 * (size_t)ndim);
    for (; bytes >= (1u << 20); bytes -= 1u << 20) gz_member(f, NULL, 1u << 20);
    if (bytes) gz_member(f, NULL, bytes);
    fclose(f);
}

/* eval with a data set of 640,000 images (502 MB once inflated, 500 KB on disk) that do not
 * fit the model: refused from the header at once, not inflated and uploaded first. */
HOSTILE(data_that_does_not_fit_is_refused_from_the_header)
{
    char data[300], path[400];
    snprintf(data, sizeof data, "%s", pml_test_tmppath("data"));
    cr_assert(mkdir(data, 0700) == 0);
    const uint32_t idims[3] = {640000, 28, 28}, ldims[1] = {640000};
    snprintf(path, sizeof path, "%s/t10k-images-idx3-ubyte.gz", data);
    gz_idx(path, 3, idims, (size_t)640000 * 28 * 28);
    snprintf(path, sizeof path, "%s/t10k-labels-idx1-ubyte.gz", data);
    gz_idx(path, 1, ldims, 640000);
    /* a model of 32 x 32 inputs */
    pml_device *dev = pml_test_open_cpu();
    pml_model *m = NULL;
    PML_ASSERT_OK(pml_model_from_spec(dev, "dense:10", 1024, 16, PML_INIT_HE, 0, 1, &m));
    const char *model = pml_test_tmppath("m.safetensors");
    PML_ASSERT_OK(pml_model_save(m, model, NULL));
    pml_model_destroy(m);
    pml_device_close(dev);

    const double t0 = now();
    cr_expect_eq(PHYSML("eval", "--model", model, "--data", data), 1);
    const double dt = now() - t0;
    cr_expect(dt < 2.0, "took %.2f s: the images were inflated before the check", dt);
    cr_expect(strstr(hostile_err, "1024") != NULL && strstr(hostile_err, "784") != NULL, "%s",
              hostile_err);
}
