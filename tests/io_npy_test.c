/* .npy: round trips for every dtype and rank, NumPy's exact header bytes, NumPy itself
 * (when /usr/bin/python3 has numpy), and broken or unsupported files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/process.h"
#include "pml_test.h"

TestSuite(npy, .init = pml_test_tmpdir_create, .fini = pml_test_tmpdir_remove);

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
    pml_test_write_file(path, buf, 10 + hlen + pad + n);
}

static void expect_read(const char *path, pml_status want, const char *what)
{
    pml_device *dev = pml_test_open_cpu();
    pml_tensor *t = (pml_tensor *)0x1;
    pml_test_expect_error(path, pml_npy_read(dev, path, &t), want, what);
    cr_assert_null(t);
    pml_device_close(dev);
}

/* A crafted file (craft_npy) that must be rejected with `want` and a message holding `what`. */
static void expect_bad(const char *name, const char *dict, size_t n, pml_status want,
                       const char *what)
{
    /* 16 bytes of float payload, and one more byte for the file with a trailing byte */
    static const float v[5] = {1, 2, 3, 4, 0};
    craft_npy(pml_test_tmppath(name), dict, v, n);
    expect_read(pml_test_tmppath(name), want, what);
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
            PML_ASSERT_OK(pml_npy_write(pml_test_tmppath("a.npy"), a));
            PML_ASSERT_OK(pml_npy_read(dev, pml_test_tmppath("a.npy"), &b));
            cr_assert(pml_test_same_tensor("read back", b, a), "%s, %d dimensions",
                      pml_dtype_name(types[t]), nd);
            /* the data starts at a multiple of 64 bytes */
            FILE *f = fopen(pml_test_tmppath("a.npy"), "rb");
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
    PML_ASSERT_OK(pml_npy_write(pml_test_tmppath("z.npy"), z));
    PML_ASSERT_OK(pml_npy_read(dev, pml_test_tmppath("z.npy"), &z2));
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
    PML_ASSERT_OK(pml_npy_write(pml_test_tmppath("h.npy"), a));
    unsigned char buf[256];
    size_t n = pml_test_read_file(pml_test_tmppath("h.npy"), buf, sizeof buf);
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

Test(npy, numpy_reads_ours_and_we_read_numpys)
{
    if (!pml_test_have_numpy()) cr_skip_test("/usr/bin/python3 with numpy not available");
    pml_device *dev = pml_test_open_cpu();
    int64_t shape[3] = {2, 3, 4};
    float v[24];
    for (int i = 0; i < 24; ++i) v[i] = (float)i * 0.25f - 3.0f;
    pml_tensor *a = pml_test_tensor(dev, PML_F32, 3, shape, v);
    PML_ASSERT_OK(pml_npy_write(pml_test_tmppath("ours.npy"), a));
    int32_t iv[5] = {-2, -1, 0, 1, 2147483647};
    int64_t s1 = 5;
    pml_tensor *ai = pml_test_tensor(dev, PML_I32, 1, &s1, iv);
    PML_ASSERT_OK(pml_npy_write(pml_test_tmppath("ours_i.npy"), ai));
    /* the paths travel as arguments (sys.argv), never inside the program text */
    static const char script[] =
        "import numpy as np, io, sys\n"
        "ours, ours_i, np_f, np_u8, np_scalar = sys.argv[1:6]\n"
        "a = np.load(ours)\n"
        "assert a.dtype == np.float32 and a.shape == (2, 3, 4), (a.dtype, a.shape)\n"
        "assert (a == np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 0.25 - 3).all()\n"
        "b = np.load(ours_i)\n"
        "assert b.dtype == np.int32 and list(b) == [-2, -1, 0, 1, 2147483647]\n"
        "buf = io.BytesIO(); np.save(buf, a)\n"
        "assert buf.getvalue() == open(ours, 'rb').read(), 'bytes differ from np.save'\n"
        "np.save(np_f, (np.arange(12, dtype=np.float64) / 7).reshape(3, 4))\n"
        "np.save(np_u8, np.array([[1, 255], [0, 7]], dtype=np.uint8))\n"
        "np.save(np_scalar, np.float32(2.5))\n";
    char paths[5][256];
    const char *names[5] = {"ours.npy", "ours_i.npy", "np.npy", "np_u8.npy", "np_scalar.npy"};
    for (int i = 0; i < 5; ++i) snprintf(paths[i], sizeof paths[i], "%s", pml_test_tmppath(names[i]));
    const char *const argv[] = {"/usr/bin/python3", "-c", script, paths[0], paths[1],
                                paths[2], paths[3], paths[4], NULL};
    char err[4096];
    cr_assert_eq(pml_run(argv, NULL, NULL, 0, err, sizeof err), 0, "the NumPy side failed: %s",
                 err);
    pml_tensor *b = NULL;
    PML_ASSERT_OK(pml_npy_read(dev, pml_test_tmppath("np.npy"), &b));
    cr_assert_eq(pml_tensor_dtype(b), PML_F64);
    cr_assert_eq(pml_tensor_dim(b, 0), 3);
    cr_assert_eq(pml_tensor_dim(b, 1), 4);
    const double *d = pml_tensor_data(b);
    for (int i = 0; i < 12; ++i) cr_assert_eq(d[i], i / 7.0);
    pml_tensor_destroy(b);
    PML_ASSERT_OK(pml_npy_read(dev, pml_test_tmppath("np_u8.npy"), &b));
    cr_assert_eq(pml_tensor_dtype(b), PML_U8);
    const uint8_t *u = pml_tensor_data(b);
    cr_assert(u[0] == 1 && u[1] == 255 && u[2] == 0 && u[3] == 7);
    pml_tensor_destroy(b);
    PML_ASSERT_OK(pml_npy_read(dev, pml_test_tmppath("np_scalar.npy"), &b));
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
    pml_test_write_file(pml_test_tmppath("v2.npy"), buf, 21 + dl);
    pml_tensor *t = NULL;
    PML_ASSERT_OK(pml_npy_read(dev, pml_test_tmppath("v2.npy"), &t));
    cr_assert(memcmp(pml_tensor_data(t), v, 8) == 0);
    pml_tensor_destroy(t);
    pml_device_close(dev);
}

Test(npy, broken_and_unsupported_files)
{
    const char *good = "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }";
    expect_bad("short.npy", good, 15, PML_ERR_BAD_FORMAT, "truncated");
    expect_bad("long.npy", good, 17, PML_ERR_BAD_FORMAT, "trailing");
    pml_test_write_file(pml_test_tmppath("magic.npy"), "\x93NUMPZ\x01\x00\x10\x00{}", 12);
    expect_read(pml_test_tmppath("magic.npy"), PML_ERR_BAD_FORMAT, "magic");
    pml_test_write_file(pml_test_tmppath("cut.npy"), "\x93NUMPY\x01\x00\x40\x00{'descr'", 17);
    expect_read(pml_test_tmppath("cut.npy"), PML_ERR_BAD_FORMAT, "truncated header");
    pml_test_write_file(pml_test_tmppath("ver.npy"), "\x93NUMPY\x09\x00\x40\x00", 10);
    expect_read(pml_test_tmppath("ver.npy"), PML_ERR_UNSUPPORTED, "version");
    expect_bad("fortran.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16,
               PML_ERR_UNSUPPORTED, "Fortran");
    expect_bad("be.npy", "{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }", 16,
               PML_ERR_UNSUPPORTED, ">f4");
    expect_bad("f2.npy", "{'descr': '<f2', 'fortran_order': False, 'shape': (8,), }", 16,
               PML_ERR_UNSUPPORTED, "<f2");
    expect_bad("rec.npy", "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (4,), }",
               16, PML_ERR_UNSUPPORTED, "structured");
    expect_bad("5d.npy", "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 1, 1, 2, 8), }",
               16, PML_ERR_UNSUPPORTED, "5 dimensions");
    expect_bad("key.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'extra': 1}",
               16, PML_ERR_BAD_FORMAT, "unknown key");
    expect_bad("missing.npy", "{'descr': '<f4', 'shape': (4,), }", 16, PML_ERR_BAD_FORMAT,
               "missing");
    expect_bad("shape.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (4, x), }", 16,
               PML_ERR_BAD_FORMAT, "shape");
    expect_bad("huge.npy",
               "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
               16, PML_ERR_BAD_FORMAT, "overflow");
    expect_bad("dict.npy", "['descr']", 16, PML_ERR_BAD_FORMAT, "not a dict");
    expect_read(pml_test_tmppath("absent.npy"), PML_ERR_IO, "absent.npy");
}

static pml_status read_damaged(const char *path, void *dev)
{
    pml_tensor *o = NULL;
    pml_status s = pml_npy_read(dev, path, &o);
    if (s != PML_OK) cr_assert_null(o);
    pml_tensor_destroy(o);
    return s;
}

/* Random damage to a valid file: reads succeed or fail cleanly (memory safety under asan). */
Test(npy, random_damage_never_crashes)
{
    pml_device *dev = pml_test_open_cpu();
    int64_t shape[2] = {3, 4};
    float v[12] = {0};
    pml_tensor *t = pml_test_tensor(dev, PML_F32, 2, shape, v);
    PML_ASSERT_OK(pml_npy_write(pml_test_tmppath("good.npy"), t));
    unsigned char good[512];
    size_t n = pml_test_read_file(pml_test_tmppath("good.npy"), good, sizeof good);
    cr_assert_eq(n, 128 + 48);
    const pml_test_damage d = {.src = {good}, .size = {n}, .span = {128} /* the header */,
                               .nsrc = 1, .seed = 7, .iterations = 3000, .max_edits = 3,
                               .cut_every = 5, .pool = "{}()',:0123456789<>|fiuTrueFals \n"};
    pml_test_damage_files(&d, pml_test_tmppath("bad.npy"), read_damaged, dev);
    pml_tensor_destroy(t);
    pml_device_close(dev);
}

Test(npy, bad_arguments)
{
    pml_device *dev = pml_test_open_cpu();
    pml_tensor *t = NULL;
    int64_t n = 3;
    PML_ASSERT_OK(pml_tensor_create(dev, PML_F32, 1, &n, &t));
    cr_assert_eq(pml_npy_write(NULL, t), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_npy_write(pml_test_tmppath("x.npy"), NULL), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_npy_write("/nonexistent-dir/x.npy", t), PML_ERR_IO);
    pml_tensor *o = NULL;
    cr_assert_eq(pml_npy_read(NULL, pml_test_tmppath("x.npy"), &o), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_npy_read(dev, NULL, &o), PML_ERR_INVALID_ARGUMENT);
    cr_assert_eq(pml_npy_read(dev, pml_test_tmppath("x.npy"), NULL), PML_ERR_INVALID_ARGUMENT);
    pml_tensor_destroy(t);
    pml_device_close(dev);
}
