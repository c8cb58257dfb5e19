#define _GNU_SOURCE /* memmem */
/* .safetensors: round trips for every dtype, exact header bytes, a Python reader/writer
 * built from json + struct + numpy (python3-torch 1.13 has no safetensors module), and
 * malformed files (header beyond the file, offsets out of range, overlapping or
 * non-contiguous data, bad JSON). Also the exact bytes of the JSON string escaping, which
 * the physml tool's --json output shares. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/json.h"
#include "core/process.h"
#include "pml_test.h"

TestSuite(safetensors, .init = pml_test_tmpdir_create, .fini = pml_test_tmpdir_remove);

/* A file with the given header text (not padded) and `data` bytes of payload. */
static void craft(const char *path, const char *header, size_t data)
{
    size_t h = strlen(header);
    unsigned char *buf = calloc(8 + h + data + 1, 1);
    for (int b = 0; b < 8; ++b) buf[b] = (unsigned char)((uint64_t)h >> (8 * b));
    memcpy(buf + 8, header, h);
    for (size_t i = 0; i < data; ++i) buf[8 + h + i] = (unsigned char)i;
    pml_test_write_file(path, buf, 8 + h + data);
    free(buf);
}

static void expect_bad(const char *path, pml_status want, const char *what)
{
    pml_device *dev = pml_test_open_cpu();
    pml_safetensors st;
    memset(&st, 0x5a, sizeof st);
    pml_test_expect_error(path, pml_safetensors_read(dev, path, &st), want, what);
    cr_assert_eq(st.count, 0);
    cr_assert_null(st.names);
    cr_assert_null(st.tensors);
    pml_safetensors_free(&st);
    pml_device_close(dev);
}

/* A crafted file (craft) that must be rejected with `want` and a message holding `what`. */
static void expect_crafted(const char *name, const char *header, size_t data, pml_status want,
                           const char *what)
{
    craft(pml_test_tmppath(name), header, data);
    expect_bad(pml_test_tmppath(name), want, what);
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
    PML_ASSERT_OK(pml_safetensors_write(pml_test_tmppath("m.safetensors"), nt, 7, meta));

    pml_safetensors st;
    PML_ASSERT_OK(pml_safetensors_read(dev, pml_test_tmppath("m.safetensors"), &st));
    cr_assert_eq(st.count, 7);
    for (int i = 0; i < 7; ++i) {
        pml_tensor *r = pml_safetensors_find(&st, nt[i].name);
        cr_assert_not_null(r, "%s missing", nt[i].name);
        cr_assert(pml_test_same_tensor(nt[i].name, r, t[i]), "%s differs", nt[i].name);
    }
    cr_assert_null(pml_safetensors_find(&st, "nope"));
    cr_assert_eq(st.meta_count, 3, "the two given and the checksum");
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
    size_t n = pml_test_read_file(pml_test_tmppath("m.safetensors"), buf, sizeof buf);
    uint64_t hl = 0;
    for (int b = 7; b >= 0; --b) hl = hl << 8 | buf[b];
    cr_assert_eq(hl % 8, 0);
    cr_assert(hl + 8 < n);
    /* no tensors, no metadata: the checksum alone */
    PML_ASSERT_OK(pml_safetensors_write(pml_test_tmppath("e.safetensors"), NULL, 0, NULL));
    PML_ASSERT_OK(pml_safetensors_read(dev, pml_test_tmppath("e.safetensors"), &st));
    cr_assert_eq(st.count, 0);
    cr_assert_eq(st.meta_count, 1);
    cr_assert_str_eq(pml_safetensors_meta(&st, PML_SAFETENSORS_CHECKSUM),
                     "fnv1a64:cbf29ce484222325", "FNV-1a of nothing");
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
    PML_ASSERT_OK(pml_safetensors_write(pml_test_tmppath("x.safetensors"), nt, 3, meta));
    unsigned char got[512];
    size_t n = pml_test_read_file(pml_test_tmppath("x.safetensors"), got, sizeof got);
    /* the checksum by hand: FNV-1a over "format\0pt\0", then per tensor in data order its
     * name, dtype and shape, and its bytes */
    uint64_t h = 0xcbf29ce484222325ull;
    const unsigned char *pieces[] = {(const unsigned char *)"format\0pt\0",
                                     (const unsigned char *)"c\0F64\0\1\0\0\0\0\0\0\0\0",
                                     (const unsigned char *)c,
                                     (const unsigned char *)"b\0F32\0\2\0\0\0\0\0\0\0\0",
                                     (const unsigned char *)b,
                                     (const unsigned char *)"a\0U8\0\3\0\0\0\0\0\0\0\0", a};
    const size_t sizes[] = {10, 15, 8, 15, 8, 14, 3};
    for (int p = 0; p < 7; ++p)
        for (size_t k = 0; k < sizes[p]; ++k) h = (h ^ pieces[p][k]) * 0x100000001b3ull;
    char sum[128];
    snprintf(sum, sizeof sum, "\"physml_checksum\":\"fnv1a64:%016llx\"", (unsigned long long)h);
    char hdr[1024];
    snprintf(hdr, sizeof hdr, "%s%s%s", "{\"__metadata__\":{\"format\":\"pt\",", sum, "},"
                      "\"c\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                      "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},"
                      "\"a\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[16,19]}}");
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

/* pml_json_put_string byte for byte: \" \\ \n \r \t by name, other control characters as
 * \u00XX (lower-case hex), DEL and UTF-8 passed through. */
Test(safetensors, string_escapes_exact)
{
    pml_json_buf b = {0};
    pml_json_put_string(&b, "a\"b\\c\nd\re\tf\x01g\x1fh\x7fi\xc2\xb5/");
    cr_assert(!b.failed);
    cr_assert_str_eq(b.s, "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u001fh\x7fi\xc2\xb5/\"");
    free(b.s);
}

/* The format by hand in Python (json + struct + numpy), both directions; and
 * safetensors.torch.load_file itself when it is installed. */
Test(safetensors, python_reads_ours_and_we_read_pythons)
{
    if (!pml_test_have_numpy()) cr_skip_test("/usr/bin/python3 with numpy not available");
    pml_device *dev = pml_test_open_cpu();
    float w[6] = {0.5f, -1, 2, 3, 4, 5};
    int32_t ids[3] = {7, -8, 9};
    int64_t s23[2] = {2, 3}, s3 = 3;
    pml_tensor *tw = pml_test_tensor(dev, PML_F32, 2, s23, w);
    pml_tensor *ti = pml_test_tensor(dev, PML_I32, 1, &s3, ids);
    pml_named_tensor nt[2] = {{"fc.weight", tw}, {"ids", ti}};
    const char *meta[] = {"arch", "dense:3", NULL};
    PML_ASSERT_OK(pml_safetensors_write(pml_test_tmppath("ours.safetensors"), nt, 2, meta));
    /* the paths travel as arguments (sys.argv), never inside the program text */
    static const char script[] =
        "import json, struct, sys, numpy as np\n"
        "ours, py = sys.argv[1:3]\n"
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
        "t, m = load(ours)\n"
        "assert m['arch'] == 'dense:3' and m['physml_checksum'].startswith('fnv1a64:'), m\n"
        "assert (t['fc.weight'] == np.array([[0.5, -1, 2], [3, 4, 5]], np.float32)).all()\n"
        "assert t['ids'].tolist() == [7, -8, 9]\n"
        "try:\n"
        "    from safetensors.torch import load_file\n"
        "    assert load_file(ours)['ids'].tolist() == [7, -8, 9]\n"
        "except ImportError:\n"
        "    pass\n"
        "a = np.arange(6, dtype=np.float64).reshape(3, 2) / 3\n"
        "u = np.array([255, 0, 1], np.uint8)\n"
        "hdr = {'u': {'dtype': 'U8', 'shape': [3], 'data_offsets': [48, 51]},\n"
        "       'a': {'dtype': 'F64', 'shape': [3, 2], 'data_offsets': [0, 48]},\n"
        "       '__metadata__': {'k\\u00e9y': 'v\\\\al'}}\n"
        "hb = json.dumps(hdr, indent=1).encode()\n"
        "open(py, 'wb').write(struct.pack('<Q', len(hb)) + hb + a.tobytes() + u.tobytes())\n";
    char ours[256], py[256];
    snprintf(ours, sizeof ours, "%s", pml_test_tmppath("ours.safetensors"));
    snprintf(py, sizeof py, "%s", pml_test_tmppath("py.safetensors"));
    const char *const argv[] = {"/usr/bin/python3", "-c", script, ours, py, NULL};
    char err[4096];
    cr_assert_eq(pml_run(argv, NULL, NULL, 0, err, sizeof err), 0, "the Python side failed: %s",
                 err);
    pml_safetensors st;
    PML_ASSERT_OK(pml_safetensors_read(dev, pml_test_tmppath("py.safetensors"), &st));
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
    craft(pml_test_tmppath("ok"), ok, 8);
    pml_device *dev = pml_test_open_cpu();
    pml_safetensors st;
    PML_ASSERT_OK(pml_safetensors_read(dev, pml_test_tmppath("ok"), &st));
    pml_safetensors_free(&st);
    pml_device_close(dev);

    pml_test_write_file(pml_test_tmppath("tiny"), "\x02\0\0\0", 4);
    expect_bad(pml_test_tmppath("tiny"), PML_ERR_BAD_FORMAT, "too short");
    unsigned char big[16] = {0xff, 0xff, 0, 0, 0, 0, 0, 0, '{', '}'};
    pml_test_write_file(pml_test_tmppath("beyond"), big, 10);
    expect_bad(pml_test_tmppath("beyond"), PML_ERR_BAD_FORMAT, "beyond the file");
    expect_crafted("short_data", ok, 7, PML_ERR_BAD_FORMAT, "file holds 7");
    expect_crafted("long_data", ok, 9, PML_ERR_BAD_FORMAT, "file holds 9");
    expect_crafted("range", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 8,
                   PML_ERR_BAD_FORMAT, "starts at 8");
    expect_crafted("overlap",
                   "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                   "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                   8, PML_ERR_BAD_FORMAT, "overlapping");
    expect_crafted("gap",
                   "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                   "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
                   12, PML_ERR_BAD_FORMAT, "non-contiguous");
    expect_crafted("size", "{\"a\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8,
                   PML_ERR_BAD_FORMAT, "need 16");
    expect_crafted("reversed", "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}",
                   8, PML_ERR_BAD_FORMAT, "data_offsets");
    expect_crafted("bf16", "{\"a\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[0,8]}}", 8,
                   PML_ERR_UNSUPPORTED, "BF16");
    expect_crafted("5d", "{\"a\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,8],\"data_offsets\":[0,8]}}",
                   8, PML_ERR_UNSUPPORTED, "5 dimensions");
    expect_crafted("negshape", "{\"a\":{\"dtype\":\"U8\",\"shape\":[-8],\"data_offsets\":[0,8]}}",
                   8, PML_ERR_BAD_FORMAT, "shape");
    expect_crafted("floatshape",
                   "{\"a\":{\"dtype\":\"U8\",\"shape\":[8.0],\"data_offsets\":[0,8]}}",
                   8, PML_ERR_BAD_FORMAT, "shape");
    expect_crafted("missing", "{\"a\":{\"dtype\":\"U8\",\"shape\":[8]}}", 8, PML_ERR_BAD_FORMAT,
                   "lacks");
    expect_crafted("meta", "{\"__metadata__\":{\"k\":1}}", 0, PML_ERR_BAD_FORMAT, "not a string");
    expect_crafted("dup",
                   "{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]},"
                   "\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}",
                   0, PML_ERR_BAD_FORMAT, "duplicate key");
    expect_crafted("json", "{\"a\":{\"dtype\":\"U8\",}}", 0, PML_ERR_BAD_FORMAT, "JSON");
    expect_crafted("escape", "{\"a\\q\":1}", 0, PML_ERR_BAD_FORMAT, "bad escape");
    expect_crafted("surrogate", "{\"\\ud800\":1}", 0, PML_ERR_BAD_FORMAT, "surrogate");
    expect_crafted("array", "[1, 2]", 0, PML_ERR_BAD_FORMAT, "JSON object");
    expect_crafted("after", "{} {}", 0, PML_ERR_BAD_FORMAT, "after");
    expect_crafted("ctrl", "{\"a\x01\":1}", 0, PML_ERR_BAD_FORMAT, "control");
    expect_crafted("notobj", "{\"a\":5}", 0, PML_ERR_BAD_FORMAT, "not an object");
    expect_bad(pml_test_tmppath("absent"), PML_ERR_IO, "absent");
    /* nesting deeper than the parser allows */
    char deep[300];
    strcpy(deep, "{\"a\":");
    for (int i = 0; i < 100; ++i) strcat(deep, "[");
    expect_crafted("deep", deep, 0, PML_ERR_BAD_FORMAT, "deep");
}

static pml_status read_damaged(const char *path, void *dev)
{
    pml_safetensors st;
    pml_status s = pml_safetensors_read(dev, path, &st);
    if (s == PML_OK) pml_safetensors_free(&st);
    else cr_assert_eq(st.count, 0);
    return s;
}

/* Random damage to a valid file's header and length field: every read either succeeds or
 * fails cleanly (run under the asan preset, this also checks memory safety). */
Test(safetensors, random_damage_never_crashes)
{
    pml_device *dev = pml_test_open_cpu();
    float w[6] = {1, 2, 3, 4, 5, 6};
    int64_t s6 = 6;
    pml_tensor *t = pml_test_tensor(dev, PML_F32, 1, &s6, w);
    pml_named_tensor nt[2] = {{"w\u00e9", t}, {"v", t}};
    const char *meta[] = {"k", "v\"\\x", NULL};
    PML_ASSERT_OK(pml_safetensors_write(pml_test_tmppath("good"), nt, 2, meta));
    unsigned char good[1024];
    size_t n = pml_test_read_file(pml_test_tmppath("good"), good, sizeof good);
    /* edits in the first 200 bytes (length field and header), 1 to 4 a file, every 7th cut */
    const pml_test_damage d = {.src = {good}, .size = {n}, .span = {200}, .nsrc = 1, .seed = 1,
                               .iterations = 3000, .max_edits = 4, .cut_every = 7,
                               .pool = "{}[]\",:0123456789-eE.\\u \x01\xff"};
    int oks = pml_test_damage_files(&d, pml_test_tmppath("bad"), read_damaged, dev);
    cr_log_info("%d of 3000 damaged files still parsed", oks);
    pml_tensor_destroy(t);
    pml_device_close(dev);
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
    cr_assert_eq(pml_safetensors_write(pml_test_tmppath("w"), NULL, 1, NULL), E);
    cr_assert_eq(pml_safetensors_write(pml_test_tmppath("w"), nt, -1, NULL), E);
    nt[1].name = "x";
    cr_assert_eq(pml_safetensors_write(pml_test_tmppath("w"), nt, 2, NULL), E);
    cr_assert(strstr(pml_last_error(), "two tensors") != NULL);
    nt[1].name = "";
    cr_assert_eq(pml_safetensors_write(pml_test_tmppath("w"), nt, 2, NULL), E);
    nt[1].name = NULL;
    cr_assert_eq(pml_safetensors_write(pml_test_tmppath("w"), nt, 2, NULL), E);
    nt[1].name = "__metadata__";
    cr_assert_eq(pml_safetensors_write(pml_test_tmppath("w"), nt, 2, NULL), E);
    nt[1].name = "y";
    nt[1].tensor = NULL;
    cr_assert_eq(pml_safetensors_write(pml_test_tmppath("w"), nt, 2, NULL), E);
    nt[1].tensor = t;
    const char *m1[] = {"k", NULL, NULL};
    cr_assert_eq(pml_safetensors_write(pml_test_tmppath("w"), nt, 2, m1), E);
    const char *m2[] = {"k", "1", "k", "2", NULL};
    cr_assert_eq(pml_safetensors_write(pml_test_tmppath("w"), nt, 2, m2), E);
    cr_assert_eq(pml_safetensors_write("/nonexistent-dir/w", nt, 2, NULL), PML_ERR_IO);
    PML_ASSERT_OK(pml_safetensors_write(pml_test_tmppath("w"), nt, 2, NULL));
    pml_safetensors st;
    cr_assert_eq(pml_safetensors_read(NULL, pml_test_tmppath("w"), &st), E);
    cr_assert_eq(pml_safetensors_read(dev, NULL, &st), E);
    cr_assert_eq(pml_safetensors_read(dev, pml_test_tmppath("w"), NULL), E);
    pml_tensor_destroy(t);
    pml_device_close(dev);
}

/* The checksum: a byte of data, a digit of metadata or a dimension changed on disk is refused
 * naming the damage; the same file with the checksum's key renamed (as another writer's file,
 * without one) loads unchecked; a checksum passed to the writer is replaced. */
Test(safetensors, checksum_finds_damage)
{
    pml_device *dev = pml_test_open_cpu();
    float w[6] = {1, 2, 3, 4, 5, 6};
    int64_t shape[2] = {2, 3};
    pml_tensor *t = pml_test_tensor(dev, PML_F32, 2, shape, w);
    const pml_named_tensor nt[1] = {{"w", t}};
    const char *meta[] = {"physml_epochs", "12", NULL};
    char path[300];
    snprintf(path, sizeof path, "%s", pml_test_tmppath("c.safetensors"));
    PML_ASSERT_OK(pml_safetensors_write(path, nt, 1, meta));
    unsigned char good[1024], bad[1024];
    const size_t n = pml_test_read_file(path, good, sizeof good);
    cr_assert(n > 24 && n < sizeof good);
    const char *find[] = {"\"12\"", "[2,3]"};
    const char *into[] = {"\"17\"", "[3,2]"};
    for (int c = 0; c < 4; ++c) {
        memcpy(bad, good, n);
        if (c < 2) {
            unsigned char *at = memmem(bad, n, find[c], strlen(find[c]));
            cr_assert_not_null(at);
            memcpy(at, into[c], strlen(into[c]));
        } else {
            bad[n - 1 - 9 * (c - 2)] ^= 0x10; /* a bit of the last float, then of the second */
        }
        pml_test_write_file(path, bad, n);
        expect_bad(path, PML_ERR_BAD_FORMAT, "damaged");
    }
    /* without the checksum: no check */
    memcpy(bad, good, n);
    unsigned char *key = memmem(bad, n, "physml_checksum", 15);
    cr_assert_not_null(key);
    key[0] = 'X';
    bad[n - 1] ^= 0x10;
    pml_test_write_file(path, bad, n);
    pml_safetensors st;
    PML_ASSERT_OK(pml_safetensors_read(dev, path, &st));
    pml_safetensors_free(&st);
    /* a stale checksum passed on with a file's metadata is replaced */
    const char *stale[] = {"physml_epochs", "12", PML_SAFETENSORS_CHECKSUM, "fnv1a64:0", NULL};
    PML_ASSERT_OK(pml_safetensors_write(path, nt, 1, stale));
    cr_expect_eq(pml_test_read_file(path, bad, sizeof bad), n);
    cr_expect(memcmp(bad, good, n) == 0, "not the file written without it");
    pml_tensor_destroy(t);
    pml_device_close(dev);
}
