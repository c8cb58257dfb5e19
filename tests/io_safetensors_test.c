/* .safetensors: round trips for every dtype, exact header bytes, a Python reader/writer
 * built from json + struct + numpy (python3-torch 1.13 has no safetensors module), and
 * malformed files (header beyond the file, offsets out of range, overlapping or
 * non-contiguous data, bad JSON). */
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
    strcpy(tmpdir, "/tmp/pml_st_XXXXXX");
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

TestSuite(safetensors, .init = make_tmpdir, .fini = remove_tmpdir);

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

/* A file with the given header text (not padded) and `data` bytes of payload. */
static void craft(const char *path, const char *header, size_t data)
{
    size_t h = strlen(header);
    unsigned char *buf = calloc(8 + h + data + 1, 1);
    for (int b = 0; b < 8; ++b) buf[b] = (unsigned char)((uint64_t)h >> (8 * b));
    memcpy(buf + 8, header, h);
    for (size_t i = 0; i < data; ++i) buf[8 + h + i] = (unsigned char)i;
    write_bytes(path, buf, 8 + h + data);
    free(buf);
}

static void expect_bad(const char *path, pml_status want, const char *what)
{
    pml_device *dev = pml_test_open_cpu();
    pml_safetensors st;
    memset(&st, 0x5a, sizeof st);
    pml_status s = pml_safetensors_read(dev, path, &st);
    cr_assert_eq(s, want, "%s: got %s (%s)", path, pml_status_string(s), pml_last_error());
    cr_assert_eq(st.count, 0);
    cr_assert_null(st.names);
    cr_assert_null(st.tensors);
    cr_assert(strstr(pml_last_error(), what) != NULL, "message lacks '%s': %s", what,
              pml_last_error());
    pml_safetensors_free(&st);
    pml_device_close(dev);
}

Test(safetensors, round_trip_every_dtype_with_metadata)
{
    pml_device *dev = pml_test_open_cpu();
    const pml_dtype types[] = {PML_F32, PML_F64, PML_I32, PML_U32, PML_U8, PML_I8};
    const char *names[] = {"layer.0.weight", "z\"quoted\\name", "b", "counts", "pixels", "\xc2\xb5"};
    const int64_t shapes[6][4] = {{3, 5}, {7}, {2, 2, 2}, {1, 2, 3, 2}, {9}, {4, 1}};
    const int ndims[6] = {2, 1, 3, 4, 1, 2};
    pml_tensor *t[7];
    pml_named_tensor nt[7];
    for (int i = 0; i < 6; ++i) {
        PML_ASSERT_OK(pml_tensor_create(dev, types[i], ndims[i], shapes[i], &t[i]));
        unsigned char *p = pml_tensor_data(t[i]);
        for (size_t j = 0; j < pml_tensor_nbytes(t[i]); ++j) p[j] = (unsigned char)(j * 13 + i);
        nt[i].name = names[i];
        nt[i].tensor = t[i];
    }
    int64_t zs[2] = {0, 4};
    PML_ASSERT_OK(pml_tensor_create(dev, PML_F32, 2, zs, &t[6]));
    nt[6].name = "empty";
    nt[6].tensor = t[6];
    const char *meta[] = {"format", "pt", "note", "line1\nline2\t\"q\" \\ \x01 \xe2\x82\xac", NULL};
    PML_ASSERT_OK(pml_safetensors_write(tpath("m.safetensors"), nt, 7, meta));

    pml_safetensors st;
    PML_ASSERT_OK(pml_safetensors_read(dev, tpath("m.safetensors"), &st));
    cr_assert_eq(st.count, 7);
    for (int i = 0; i < 7; ++i) {
        pml_tensor *r = pml_safetensors_find(&st, nt[i].name);
        cr_assert_not_null(r, "%s missing", nt[i].name);
        cr_assert_eq(pml_tensor_dtype(r), pml_tensor_dtype(t[i]));
        cr_assert_eq(pml_tensor_ndim(r), pml_tensor_ndim(t[i]));
        for (int d = 0; d < pml_tensor_ndim(r); ++d)
            cr_assert_eq(pml_tensor_dim(r, d), pml_tensor_dim(t[i], d));
        if (pml_tensor_nbytes(t[i]) > 0)
            cr_assert(memcmp(pml_tensor_data_const(r), pml_tensor_data(t[i]),
                             pml_tensor_nbytes(t[i])) == 0, "%s differs", nt[i].name);
        else
            cr_assert_eq(pml_tensor_numel(r), 0);
    }
    cr_assert_null(pml_safetensors_find(&st, "nope"));
    cr_assert_eq(st.meta_count, 2);
    cr_assert_str_eq(pml_safetensors_meta(&st, "format"), "pt");
    cr_assert_str_eq(pml_safetensors_meta(&st, "note"), meta[3]);
    cr_assert_null(pml_safetensors_meta(&st, "absent"));
    pml_safetensors_free(&st);
    pml_safetensors_free(&st); /* zeroed: fine */
    pml_safetensors_free(NULL);
    cr_assert_null(pml_safetensors_find(NULL, "b"));
    cr_assert_null(pml_safetensors_meta(NULL, "format"));

    /* every tensor starts at a multiple of its element size; the header at 8 */
    unsigned char buf[4096];
    size_t n = read_bytes(tpath("m.safetensors"), buf, sizeof buf);
    uint64_t hl = 0;
    for (int b = 7; b >= 0; --b) hl = hl << 8 | buf[b];
    cr_assert_eq(hl % 8, 0);
    cr_assert(hl + 8 < n);
    /* no tensors, no metadata: "{}" padded */
    PML_ASSERT_OK(pml_safetensors_write(tpath("e.safetensors"), NULL, 0, NULL));
    PML_ASSERT_OK(pml_safetensors_read(dev, tpath("e.safetensors"), &st));
    cr_assert_eq(st.count, 0);
    cr_assert_eq(st.meta_count, 0);
    pml_safetensors_free(&st);
    for (int i = 0; i < 7; ++i) pml_tensor_destroy(t[i]);
    pml_device_close(dev);
}

Test(safetensors, exact_bytes)
{
    pml_device *dev = pml_test_open_cpu();
    float b[2] = {1.0f, -2.0f};
    uint8_t a[3] = {1, 2, 3};
    double c[1] = {0.5};
    int64_t s2 = 2, s3 = 3, s1 = 1;
    pml_tensor *tb = pml_test_tensor(dev, PML_F32, 1, &s2, b);
    pml_tensor *ta = pml_test_tensor(dev, PML_U8, 1, &s3, a);
    pml_tensor *tc = pml_test_tensor(dev, PML_F64, 1, &s1, c);
    pml_named_tensor nt[3] = {{"b", tb}, {"a", ta}, {"c", tc}};
    const char *meta[] = {"format", "pt", NULL};
    PML_ASSERT_OK(pml_safetensors_write(tpath("x.safetensors"), nt, 3, meta));
    unsigned char got[512];
    size_t n = read_bytes(tpath("x.safetensors"), got, sizeof got);
    const char *hdr = "{\"__metadata__\":{\"format\":\"pt\"},"
                      "\"c\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                      "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},"
                      "\"a\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[16,19]}}";
    size_t hl = strlen(hdr), padded = (hl + 7) / 8 * 8;
    unsigned char want[512] = {0};
    for (int k = 0; k < 8; ++k) want[k] = (unsigned char)((uint64_t)padded >> (8 * k));
    memcpy(want + 8, hdr, hl);
    memset(want + 8 + hl, ' ', padded - hl);
    memcpy(want + 8 + padded, c, 8);
    memcpy(want + 16 + padded, b, 8);
    memcpy(want + 24 + padded, a, 3);
    cr_assert_eq(n, 8 + padded + 19);
    cr_assert(memcmp(got, want, n) == 0, "got header %.*s", (int)(n - 27), got + 8);
    pml_tensor_destroy(ta);
    pml_tensor_destroy(tb);
    pml_tensor_destroy(tc);
    pml_device_close(dev);
}

static int have_numpy(void)
{
    return access("/usr/bin/python3", X_OK) == 0 &&
           system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
}

/* The format by hand in Python (json + struct + numpy), both directions; and
 * safetensors.torch.load_file itself when it is installed. */
Test(safetensors, python_reads_ours_and_we_read_pythons)
{
    if (!have_numpy()) cr_skip_test("/usr/bin/python3 with numpy not available");
    pml_device *dev = pml_test_open_cpu();
    float w[6] = {0.5f, -1, 2, 3, 4, 5};
    int32_t ids[3] = {7, -8, 9};
    int64_t s23[2] = {2, 3}, s3 = 3;
    pml_tensor *tw = pml_test_tensor(dev, PML_F32, 2, s23, w);
    pml_tensor *ti = pml_test_tensor(dev, PML_I32, 1, &s3, ids);
    pml_named_tensor nt[2] = {{"fc.weight", tw}, {"ids", ti}};
    const char *meta[] = {"arch", "dense:3", NULL};
    PML_ASSERT_OK(pml_safetensors_write(tpath("ours.safetensors"), nt, 2, meta));
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \""
             "import json, struct, numpy as np\n"
             "def load(p):\n"
             "    b = open(p, 'rb').read()\n"
             "    n = struct.unpack('<Q', b[:8])[0]\n"
             "    h = json.loads(b[8:8 + n])\n"
             "    meta = h.pop('__metadata__', {})\n"
             "    dt = {'F32': np.float32, 'I32': np.int32, 'F64': np.float64, 'U8': np.uint8}\n"
             "    out = {}\n"
             "    for k, v in h.items():\n"
             "        s, e = v['data_offsets']\n"
             "        out[k] = np.frombuffer(b[8 + n + s:8 + n + e], dt[v['dtype']]).reshape(v['shape'])\n"
             "    return out, meta\n"
             "t, m = load('%s')\n"
             "assert m == {'arch': 'dense:3'}, m\n"
             "assert (t['fc.weight'] == np.array([[0.5, -1, 2], [3, 4, 5]], np.float32)).all()\n"
             "assert t['ids'].tolist() == [7, -8, 9]\n"
             "try:\n"
             "    from safetensors.torch import load_file\n"
             "    assert load_file('%s')['ids'].tolist() == [7, -8, 9]\n"
             "except ImportError:\n"
             "    pass\n"
             "a = np.arange(6, dtype=np.float64).reshape(3, 2) / 3\n"
             "u = np.array([255, 0, 1], np.uint8)\n"
             "hdr = {'u': {'dtype': 'U8', 'shape': [3], 'data_offsets': [48, 51]},\n"
             "       'a': {'dtype': 'F64', 'shape': [3, 2], 'data_offsets': [0, 48]},\n"
             "       '__metadata__': {'k\\\\u00e9y': 'v\\\\\\\\al'}}\n"
             "hb = json.dumps(hdr, indent=1).encode()\n"
             "open('%s', 'wb').write(struct.pack('<Q', len(hb)) + hb + a.tobytes() + u.tobytes())\n"
             "\"",
             tpath("ours.safetensors"), tpath("ours.safetensors"), tpath("py.safetensors"));
    cr_assert_eq(system(cmd), 0, "the Python side failed");
    pml_safetensors st;
    PML_ASSERT_OK(pml_safetensors_read(dev, tpath("py.safetensors"), &st));
    cr_assert_eq(st.count, 2);
    pml_tensor *a = pml_safetensors_find(&st, "a"), *u = pml_safetensors_find(&st, "u");
    cr_assert(a && u);
    cr_assert_eq(pml_tensor_dim(a, 0), 3);
    cr_assert_eq(pml_tensor_dim(a, 1), 2);
    const double *ad = pml_tensor_data(a);
    for (int i = 0; i < 6; ++i) cr_assert_eq(ad[i], i / 3.0);
    const uint8_t *ud = pml_tensor_data(u);
    cr_assert(ud[0] == 255 && ud[1] == 0 && ud[2] == 1);
    cr_assert_str_eq(pml_safetensors_meta(&st, "k\xc3\xa9y"), "v\\al");
    pml_safetensors_free(&st);
    pml_tensor_destroy(tw);
    pml_tensor_destroy(ti);
    pml_device_close(dev);
}

Test(safetensors, malformed_files)
{
    const char *ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
    craft(tpath("ok"), ok, 8);
    pml_device *dev = pml_test_open_cpu();
    pml_safetensors st;
    PML_ASSERT_OK(pml_safetensors_read(dev, tpath("ok"), &st));
    pml_safetensors_free(&st);
    pml_device_close(dev);

    write_bytes(tpath("tiny"), "\x02\0\0\0", 4);
    expect_bad(tpath("tiny"), PML_ERR_BAD_FORMAT, "too short");
    unsigned char big[16] = {0xff, 0xff, 0, 0, 0, 0, 0, 0, '{', '}'};
    write_bytes(tpath("beyond"), big, 10);
    expect_bad(tpath("beyond"), PML_ERR_BAD_FORMAT, "beyond the file");
    craft(tpath("short_data"), ok, 7);
    expect_bad(tpath("short_data"), PML_ERR_BAD_FORMAT, "file holds 7");
    craft(tpath("long_data"), ok, 9);
    expect_bad(tpath("long_data"), PML_ERR_BAD_FORMAT, "file holds 9");
    craft(tpath("range"), "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 8);
    expect_bad(tpath("range"), PML_ERR_BAD_FORMAT, "starts at 8");
    craft(tpath("overlap"),
          "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
          "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8);
    expect_bad(tpath("overlap"), PML_ERR_BAD_FORMAT, "overlapping");
    craft(tpath("gap"),
          "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
          "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12);
    expect_bad(tpath("gap"), PML_ERR_BAD_FORMAT, "non-contiguous");
    craft(tpath("size"), "{\"a\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8);
    expect_bad(tpath("size"), PML_ERR_BAD_FORMAT, "need 16");
    craft(tpath("reversed"), "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}",
          8);
    expect_bad(tpath("reversed"), PML_ERR_BAD_FORMAT, "data_offsets");
    craft(tpath("bf16"), "{\"a\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[0,8]}}", 8);
    expect_bad(tpath("bf16"), PML_ERR_UNSUPPORTED, "BF16");
    craft(tpath("5d"),
          "{\"a\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,8],\"data_offsets\":[0,8]}}", 8);
    expect_bad(tpath("5d"), PML_ERR_UNSUPPORTED, "5 dimensions");
    craft(tpath("negshape"), "{\"a\":{\"dtype\":\"U8\",\"shape\":[-8],\"data_offsets\":[0,8]}}",
          8);
    expect_bad(tpath("negshape"), PML_ERR_BAD_FORMAT, "shape");
    craft(tpath("floatshape"),
          "{\"a\":{\"dtype\":\"U8\",\"shape\":[8.0],\"data_offsets\":[0,8]}}", 8);
    expect_bad(tpath("floatshape"), PML_ERR_BAD_FORMAT, "shape");
    craft(tpath("missing"), "{\"a\":{\"dtype\":\"U8\",\"shape\":[8]}}", 8);
    expect_bad(tpath("missing"), PML_ERR_BAD_FORMAT, "lacks");
    craft(tpath("meta"), "{\"__metadata__\":{\"k\":1}}", 0);
    expect_bad(tpath("meta"), PML_ERR_BAD_FORMAT, "not a string");
    craft(tpath("dup"),
          "{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]},"
          "\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}", 0);
    expect_bad(tpath("dup"), PML_ERR_BAD_FORMAT, "duplicate key");
    craft(tpath("json"), "{\"a\":{\"dtype\":\"U8\",}}", 0);
    expect_bad(tpath("json"), PML_ERR_BAD_FORMAT, "JSON");
    craft(tpath("escape"), "{\"a\\q\":1}", 0);
    expect_bad(tpath("escape"), PML_ERR_BAD_FORMAT, "bad escape");
    craft(tpath("surrogate"), "{\"\\ud800\":1}", 0);
    expect_bad(tpath("surrogate"), PML_ERR_BAD_FORMAT, "surrogate");
    craft(tpath("array"), "[1, 2]", 0);
    expect_bad(tpath("array"), PML_ERR_BAD_FORMAT, "JSON object");
    craft(tpath("after"), "{} {}", 0);
    expect_bad(tpath("after"), PML_ERR_BAD_FORMAT, "after");
    craft(tpath("ctrl"), "{\"a\x01\":1}", 0);
    expect_bad(tpath("ctrl"), PML_ERR_BAD_FORMAT, "control");
    craft(tpath("notobj"), "{\"a\":5}", 0);
    expect_bad(tpath("notobj"), PML_ERR_BAD_FORMAT, "not an object");
    expect_bad(tpath("absent"), PML_ERR_IO, "absent");
    /* nesting deeper than the parser allows */
    char deep[300];
    strcpy(deep, "{\"a\":");
    for (int i = 0; i < 100; ++i) strcat(deep, "[");
    craft(tpath("deep"), deep, 0);
    expect_bad(tpath("deep"), PML_ERR_BAD_FORMAT, "deep");
}

Test(safetensors, bad_arguments)
{
    pml_device *dev = pml_test_open_cpu();
    int64_t n = 2;
    pml_tensor *t = NULL;
    PML_ASSERT_OK(pml_tensor_create(dev, PML_F32, 1, &n, &t));
    pml_tensor_zero(t);
    pml_named_tensor nt[2] = {{"x", t}, {"y", t}};
    const pml_status E = PML_ERR_INVALID_ARGUMENT;
    cr_assert_eq(pml_safetensors_write(NULL, nt, 1, NULL), E);
    cr_assert_eq(pml_safetensors_write(tpath("w"), NULL, 1, NULL), E);
    cr_assert_eq(pml_safetensors_write(tpath("w"), nt, -1, NULL), E);
    nt[1].name = "x";
    cr_assert_eq(pml_safetensors_write(tpath("w"), nt, 2, NULL), E);
    cr_assert(strstr(pml_last_error(), "two tensors") != NULL);
    nt[1].name = "";
    cr_assert_eq(pml_safetensors_write(tpath("w"), nt, 2, NULL), E);
    nt[1].name = NULL;
    cr_assert_eq(pml_safetensors_write(tpath("w"), nt, 2, NULL), E);
    nt[1].name = "__metadata__";
    cr_assert_eq(pml_safetensors_write(tpath("w"), nt, 2, NULL), E);
    nt[1].name = "y";
    nt[1].tensor = NULL;
    cr_assert_eq(pml_safetensors_write(tpath("w"), nt, 2, NULL), E);
    nt[1].tensor = t;
    const char *m1[] = {"k", NULL, NULL};
    cr_assert_eq(pml_safetensors_write(tpath("w"), nt, 2, m1), E);
    const char *m2[] = {"k", "1", "k", "2", NULL};
    cr_assert_eq(pml_safetensors_write(tpath("w"), nt, 2, m2), E);
    cr_assert_eq(pml_safetensors_write("/nonexistent-dir/w", nt, 2, NULL), PML_ERR_IO);
    PML_ASSERT_OK(pml_safetensors_write(tpath("w"), nt, 2, NULL));
    pml_safetensors st;
    cr_assert_eq(pml_safetensors_read(NULL, tpath("w"), &st), E);
    cr_assert_eq(pml_safetensors_read(dev, NULL, &st), E);
    cr_assert_eq(pml_safetensors_read(dev, tpath("w"), NULL), E);
    pml_tensor_destroy(t);
    pml_device_close(dev);
}
