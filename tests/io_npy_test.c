/* .npy: round trips for every dtype and rank, NumPy's exact header bytes, NumPy itself
 * (when /usr/bin/python3 has numpy), and broken or unsupported files. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pml_test.h"

static char tmpdir[64];

static void make_tmpdir(void)
{
    strcpy(tmpdir, "/tmp/pml_npy_XXXXXX");
    cr_assert(mkdtemp(tmpdir) != NULL);
}

static void remove_tmpdir(void)
{
    DIR *d = opendir(tmpdir);
    if (!d) return;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(tmpdir);
}

TestSuite(npy, .init = make_tmpdir, .fini = remove_tmpdir);

static const char *tpath(const char *name)
{
    static char buf[8][512];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

static void write_bytes(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f != NULL);
    cr_assert_eq(fwrite(p, 1, n, f), n);
    fclose(f);
}

static size_t read_bytes(const char *path, unsigned char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

/* A .npy v1.0 file with the given header dict (padded as NumPy does) and payload. */
static void craft_npy(const char *path, const char *dict, const void *data, size_t n)
{
    unsigned char buf[4096];
    size_t dl = strlen(dict), hlen = dl + 1, pad = 64 - (10 + hlen) % 64;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (unsigned char)((hlen + pad) & 0xff);
    buf[9] = (unsigned char)((hlen + pad) >> 8);
    memcpy(buf + 10, dict, dl);
    memset(buf + 10 + dl, ' ', pad);
    buf[10 + dl + pad] = '\n';
    memcpy(buf + 10 + hlen + pad, data, n);
    write_bytes(path, buf, 10 + hlen + pad + n);
}

static void expect_read(const char *path, pml_status want, const char *what)
{
    pml_device *dev = pml_test_open_cpu();
    pml_tensor *t = (pml_tensor *)0x1;
    pml_status s = pml_npy_read(dev, path, &t);
    cr_assert_eq(s, want, "%s: got %s (%s)", path, pml_status_string(s), pml_last_error());
    cr_assert_null(t);
    cr_assert(strstr(pml_last_error(), what) != NULL, "message lacks '%s': %s", what,
              pml_last_error());
    pml_device_close(dev);
}

Test(npy, round_trip_every_dtype_and_rank)
{
    pml_device *dev = pml_test_open_cpu();
    const pml_dtype types[] = {PML_F32, PML_F64, PML_I32, PML_U32, PML_U8, PML_I8};
    const int64_t shapes[4][4] = {{7}, {3, 5}, {2, 3, 4}, {2, 1, 3, 2}};
    for (size_t t = 0; t < 6; ++t)
        for (int nd = 1; nd <= 4; ++nd) {
            pml_tensor *a = NULL, *b = NULL;
            PML_ASSERT_OK(pml_tensor_create(dev, types[t], nd, shapes[nd - 1], &a));
            unsigned char *p = pml_tensor_data(a);
            for (size_t i = 0; i < pml_tensor_nbytes(a); ++i) p[i] = (unsigned char)(i * 41 + t);
            PML_ASSERT_OK(pml_npy_write(tpath("a.npy"), a));
            PML_ASSERT_OK(pml_npy_read(dev, tpath("a.npy"), &b));
            cr_assert_eq(pml_tensor_dtype(b), types[t]);
            cr_assert_eq(pml_tensor_ndim(b), nd);
            for (int i = 0; i < nd; ++i) cr_assert_eq(pml_tensor_dim(b, i), shapes[nd - 1][i]);
            cr_assert(memcmp(pml_tensor_data(b), p, pml_tensor_nbytes(a)) == 0);
            /* the data starts at a multiple of 64 bytes */
            FILE *f = fopen(tpath("a.npy"), "rb");
            fseek(f, 0, SEEK_END);
            long size = ftell(f);
            fclose(f);
            cr_assert_eq((size - (long)pml_tensor_nbytes(a)) % 64, 0);
            pml_tensor_destroy(a);
            pml_tensor_destroy(b);
        }
    /* an empty tensor */
    int64_t zs[2] = {0, 3};
    pml_tensor *z = NULL, *z2 = NULL;
    PML_ASSERT_OK(pml_tensor_create(dev, PML_F32, 2, zs, &z));
    PML_ASSERT_OK(pml_npy_write(tpath("z.npy"), z));
    PML_ASSERT_OK(pml_npy_read(dev, tpath("z.npy"), &z2));
    cr_assert_eq(pml_tensor_numel(z2), 0);
    cr_assert_eq(pml_tensor_dim(z2, 1), 3);
    pml_tensor_destroy(z);
    pml_tensor_destroy(z2);
    pml_device_close(dev);
}

Test(npy, exact_header_bytes)
{
    pml_device *dev = pml_test_open_cpu();
    float v[6] = {0, 1, 2, 3, 4, 5.5f};
    int64_t shape[2] = {2, 3};
    pml_tensor *a = pml_test_tensor(dev, PML_F32, 2, shape, v);
    PML_ASSERT_OK(pml_npy_write(tpath("h.npy"), a));
    unsigned char buf[256];
    size_t n = read_bytes(tpath("h.npy"), buf, sizeof buf);
    /* what numpy 1.24's np.save writes for np.zeros((2, 3), np.float32) */
    char want[129];
    memcpy(want, "\x93NUMPY\x01\x00\x76\x00", 10);
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    memcpy(want + 10, dict, strlen(dict));
    memset(want + 10 + strlen(dict), ' ', 127 - 10 - strlen(dict));
    want[127] = '\n';
    cr_assert_eq(n, 128 + 24);
    cr_assert(memcmp(buf, want, 128) == 0, "header: %.118s", buf + 10);
    cr_assert(memcmp(buf + 128, v, 24) == 0);
    pml_tensor_destroy(a);
    pml_device_close(dev);
}

static int have_numpy(void)
{
    return access("/usr/bin/python3", X_OK) == 0 &&
           system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
}

Test(npy, numpy_reads_ours_and_we_read_numpys)
{
    if (!have_numpy()) cr_skip_test("/usr/bin/python3 with numpy not available");
    pml_device *dev = pml_test_open_cpu();
    int64_t shape[3] = {2, 3, 4};
    float v[24];
    for (int i = 0; i < 24; ++i) v[i] = (float)i * 0.25f - 3.0f;
    pml_tensor *a = pml_test_tensor(dev, PML_F32, 3, shape, v);
    PML_ASSERT_OK(pml_npy_write(tpath("ours.npy"), a));
    int32_t iv[5] = {-2, -1, 0, 1, 2147483647};
    int64_t s1 = 5;
    pml_tensor *ai = pml_test_tensor(dev, PML_I32, 1, &s1, iv);
    PML_ASSERT_OK(pml_npy_write(tpath("ours_i.npy"), ai));
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \""
             "import numpy as np, io, sys\n"
             "a = np.load('%s')\n"
             "assert a.dtype == np.float32 and a.shape == (2, 3, 4), (a.dtype, a.shape)\n"
             "assert (a == np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 0.25 - 3).all()\n"
             "b = np.load('%s')\n"
             "assert b.dtype == np.int32 and list(b) == [-2, -1, 0, 1, 2147483647]\n"
             "buf = io.BytesIO(); np.save(buf, a)\n"
             "assert buf.getvalue() == open('%s', 'rb').read(), 'bytes differ from np.save'\n"
             "np.save('%s', (np.arange(12, dtype=np.float64) / 7).reshape(3, 4))\n"
             "np.save('%s', np.array([[1, 255], [0, 7]], dtype=np.uint8))\n"
             "np.save('%s', np.float32(2.5))\n"
             "\"",
             tpath("ours.npy"), tpath("ours_i.npy"), tpath("ours.npy"), tpath("np.npy"),
             tpath("np_u8.npy"), tpath("np_scalar.npy"));
    cr_assert_eq(system(cmd), 0, "the NumPy side failed");
    pml_tensor *b = NULL;
    PML_ASSERT_OK(pml_npy_read(dev, tpath("np.npy"), &b));
    cr_assert_eq(pml_tensor_dtype(b), PML_F64);
    cr_assert_eq(pml_tensor_dim(b, 0), 3);
    cr_assert_eq(pml_tensor_dim(b, 1), 4);
    const double *d = pml_tensor_data(b);
    for (int i = 0; i < 12; ++i) cr_assert_eq(d[i], i / 7.0);
    pml_tensor_destroy(b);
    PML_ASSERT_OK(pml_npy_read(dev, tpath("np_u8.npy"), &b));
    cr_assert_eq(pml_tensor_dtype(b), PML_U8);
    const uint8_t *u = pml_tensor_data(b);
    cr_assert(u[0] == 1 && u[1] == 255 && u[2] == 0 && u[3] == 7);
    pml_tensor_destroy(b);
    PML_ASSERT_OK(pml_npy_read(dev, tpath("np_scalar.npy"), &b));
    cr_assert_eq(pml_tensor_ndim(b), 1);
    cr_assert_eq(pml_tensor_numel(b), 1);
    cr_assert_eq(*(const float *)pml_tensor_data(b), 2.5f);
    pml_tensor_destroy(b);
    pml_tensor_destroy(a);
    pml_tensor_destroy(ai);
    pml_device_close(dev);
}

Test(npy, version_2_header)
{
    pml_device *dev = pml_test_open_cpu();
    unsigned char buf[128];
    const char *dict = "{\"descr\": \"<i4\", \"shape\": (2,), \"fortran_order\": False}";
    size_t dl = strlen(dict);
    memcpy(buf, "\x93NUMPY\x02\x00", 8);
    uint32_t hl = (uint32_t)dl + 1;
    memcpy(buf + 8, &hl, 4);
    memcpy(buf + 12, dict, dl);
    buf[12 + dl] = '\n';
    int32_t v[2] = {5, -6};
    memcpy(buf + 13 + dl, v, 8);
    write_bytes(tpath("v2.npy"), buf, 21 + dl);
    pml_tensor *t = NULL;
    PML_ASSERT_OK(pml_npy_read(dev, tpath("v2.npy"), &t));
    cr_assert(memcmp(pml_tensor_data(t), v, 8) == 0);
    pml_tensor_destroy(t);
    pml_device_close(dev);
}

Test(npy, broken_and_unsupported_files)
{
    float v[4] = {1, 2, 3, 4};
    const char *good = "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }";
    craft_npy(tpath("short.npy"), good, v, 15);
    expect_read(tpath("short.npy"), PML_ERR_BAD_FORMAT, "truncated");
    unsigned char longer[20];
    memcpy(longer, v, 16);
    craft_npy(tpath("long.npy"), good, longer, 17);
    expect_read(tpath("long.npy"), PML_ERR_BAD_FORMAT, "trailing");
    write_bytes(tpath("magic.npy"), "\x93NUMPZ\x01\x00\x10\x00{}", 12);
    expect_read(tpath("magic.npy"), PML_ERR_BAD_FORMAT, "magic");
    write_bytes(tpath("cut.npy"), "\x93NUMPY\x01\x00\x40\x00{'descr'", 17);
    expect_read(tpath("cut.npy"), PML_ERR_BAD_FORMAT, "truncated header");
    write_bytes(tpath("ver.npy"), "\x93NUMPY\x09\x00\x40\x00", 10);
    expect_read(tpath("ver.npy"), PML_ERR_UNSUPPORTED, "version");
    craft_npy(tpath("fortran.npy"), "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
              v, 16);
    expect_read(tpath("fortran.npy"), PML_ERR_UNSUPPORTED, "Fortran");
    craft_npy(tpath("be.npy"), "{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }", v,
              16);
    expect_read(tpath("be.npy"), PML_ERR_UNSUPPORTED, ">f4");
    craft_npy(tpath("f2.npy"), "{'descr': '<f2', 'fortran_order': False, 'shape': (8,), }", v,
              16);
    expect_read(tpath("f2.npy"), PML_ERR_UNSUPPORTED, "<f2");
    craft_npy(tpath("rec.npy"), "{'descr': [('a', '<f4')], 'fortran_order': False, "
                                "'shape': (4,), }", v, 16);
    expect_read(tpath("rec.npy"), PML_ERR_UNSUPPORTED, "structured");
    craft_npy(tpath("5d.npy"), "{'descr': '|u1', 'fortran_order': False, "
                               "'shape': (1, 1, 1, 2, 8), }", v, 16);
    expect_read(tpath("5d.npy"), PML_ERR_UNSUPPORTED, "5 dimensions");
    craft_npy(tpath("key.npy"), "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), "
                                "'extra': 1}", v, 16);
    expect_read(tpath("key.npy"), PML_ERR_BAD_FORMAT, "unknown key");
    craft_npy(tpath("missing.npy"), "{'descr': '<f4', 'shape': (4,), }", v, 16);
    expect_read(tpath("missing.npy"), PML_ERR_BAD_FORMAT, "missing");
    craft_npy(tpath("shape.npy"), "{'descr': '<f4', 'fortran_order': False, 'shape': (4, x), }",
              v, 16);
    expect_read(tpath("shape.npy"), PML_ERR_BAD_FORMAT, "shape");
    craft_npy(tpath("huge.npy"), "{'descr': '<f8', 'fortran_order': False, "
                                 "'shape': (4294967296, 4294967296), }", v, 16);
    expect_read(tpath("huge.npy"), PML_ERR_BAD_FORMAT, "overflow");
    craft_npy(tpath("dict.npy"), "['descr']", v, 16);
    expect_read(tpath("dict.npy"), PML_ERR_BAD_FORMAT, "not a dict");
    expect_read(tpath("absent.npy"), PML_ERR_IO, "absent.npy");
}

Test(npy, bad_arguments)
{
    pml_device *dev = pml_test_open_cpu();
    pml_tensor *t = NULL;
    int64_t n = 3;
    PML_ASSERT_OK(pml_tensor_create(dev, PML_F32, 1, &n, &t));
    cr_assert_eq(pml_npy_write(NULL, t), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_npy_write(tpath("x.npy"), NULL), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_npy_write("/nonexistent-dir/x.npy", t), PML_ERR_IO);
    pml_tensor *o = NULL;
    cr_assert_eq(pml_npy_read(NULL, tpath("x.npy"), &o), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_npy_read(dev, NULL, &o), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_npy_read(dev, tpath("x.npy"), NULL), PML_ERR_INVALID_ARGUMENT);
    pml_tensor_destroy(t);
    pml_device_close(dev);
}
