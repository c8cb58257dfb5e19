/* The seed corpora of the fuzz targets, tests/fuzz/corpus/<target>/: valid files made by
 * physml's own writers, then crafted edge cases (wrong magic, truncated, trailing bytes,
 * dimensions that overflow, ...) made from them byte by byte. The files are committed; this
 * program says where they came from and makes them again:
 *     cmake --build --preset fuzz --target pml_fuzz_make_corpus
 *     build/fuzz/tests/fuzz/pml_fuzz_make_corpus tests/fuzz/corpus [rbm_ais_resume]
 * (the seeds written since 2026-12-01 carry physml_checksum; those committed before do not,
 * and regenerating them all would add it: the optional name makes one target's alone)
 * The output is the same bytes on every run. Seeds are kept small (a few KB) so that
 * libFuzzer's default input size stays small and the whole corpus is a few hundred KB. */
#define _POSIX_C_SOURCE 200809L /* mkdir */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "fuzz_util.h"

static const char *root;

static void dir_of(const char *target, char *path)
{
    snprintf(path, FUZZ_PATH_MAX, "%s/%s", root, target);
    mkdir(root, 0777);
    mkdir(path, 0777);
}

/* root/target/name, its directory made. */
static const char *out_path(const char *target, const char *name)
{
    static char path[FUZZ_PATH_MAX];
    char dir[FUZZ_PATH_MAX];
    dir_of(target, dir);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static void put(const char *target, const char *name, const void *data, size_t n)
{
    FILE *f = fopen(out_path(target, name), "wb");
    FUZZ_CHECK(f != NULL && (n == 0 || fwrite(data, 1, n, f) == n) && fclose(f) == 0);
}

/* A growing byte buffer for crafted files. */
typedef struct bytes {
    uint8_t *p;
    size_t n;
} bytes;

static void add(bytes *b, const void *data, size_t n)
{
    b->p = realloc(b->p, b->n + n + 1);
    FUZZ_CHECK(b->p != NULL);
    if (n) memcpy(b->p + b->n, data, n);
    b->n += n;
}

static void adds(bytes *b, const char *s) { add(b, s, strlen(s)); }

static bytes slurp(const char *path)
{
    bytes b = {0};
    FILE *f = fopen(path, "rb");
    FUZZ_CHECK(f != NULL);
    uint8_t buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;) add(&b, buf, n);
    fclose(f);
    return b;
}

static bytes gzip_of(const void *data, size_t n)
{
    bytes b = {malloc(n + 256), 0};
    FUZZ_CHECK(b.p != NULL);
    fuzz_gzip(data, n, 9, b.p, n + 256, &b.n);
    return b;
}

/* put, then variants: the first `cut` bytes, and one byte more at the end. */
static void put_cut_and_longer(const char *target, const char *stem, const bytes *b, size_t cut)
{
    char name[128];
    snprintf(name, sizeof name, "%s_truncated", stem);
    put(target, name, b->p, cut < b->n ? cut : b->n);
    bytes longer = {0};
    add(&longer, b->p, b->n);
    add(&longer, "\x00", 1);
    snprintf(name, sizeof name, "%s_trailing", stem);
    put(target, name, longer.p, longer.n);
    free(longer.p);
}

/* `levels` nested JSON arrays around a 1, NUL-terminated in buf; returns its length. */
static size_t nested(char *buf, int levels)
{
    size_t n = 0;
    for (int i = 0; i < levels; ++i) buf[n++] = '[';
    buf[n++] = '1';
    for (int i = 0; i < levels; ++i) buf[n++] = ']';
    buf[n] = '\0';
    return n;
}

/* ---- IDX: plain and gzip'd; the idx_gz and dataset targets' inputs wrap IDX files ---------- */
static bytes idx_file(pml_dtype dt, int ndim, const int64_t *dims, int gz)
{
    pml_idx idx = {.dtype = dt, .ndim = ndim};
    size_t n = pml_dtype_size(dt);
    for (int i = 0; i < ndim; ++i) n *= (size_t)(idx.dims[i] = dims[i]);
    uint8_t *data = malloc(n);
    FUZZ_CHECK(data != NULL);
    for (size_t i = 0; i < n; ++i) data[i] = (uint8_t)(i * 7 % 5); /* small labels, any type */
    idx.data = data;
    const char *path = out_path("idx", gz ? "tmp.idx.gz" : "tmp.idx");
    FUZZ_CHECK(pml_idx_write(path, &idx) == PML_OK);
    free(data);
    bytes b = slurp(path);
    remove(path);
    return b;
}

static void idx_seeds(void)
{
    static const struct { const char *name; pml_dtype dt; int ndim; int64_t dims[4]; } v[] = {
        {"u8_3d", PML_U8, 3, {3, 4, 4}}, {"i8_1d", PML_I8, 1, {5}},
        {"i32_2d", PML_I32, 2, {2, 3}},  {"f32_2d", PML_F32, 2, {2, 2}},
        {"f64_1d", PML_F64, 1, {3}},     {"u8_4d", PML_U8, 4, {1, 2, 2, 2}},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; ++i) {
        bytes b = idx_file(v[i].dt, v[i].ndim, v[i].dims, 0);
        put("idx", v[i].name, b.p, b.n);
        free(b.p);
    }
    bytes u8 = idx_file(PML_U8, 3, v[0].dims, 0), f64gz = idx_file(PML_F64, 1, v[4].dims, 1);
    bytes u8gz = gzip_of(u8.p, u8.n);
    put("idx", "u8_3d.gz", u8gz.p, u8gz.n);
    put("idx", "f64_1d.gz", f64gz.p, f64gz.n);
    put_cut_and_longer("idx", "u8_3d", &u8, u8.n - 5);
    put_cut_and_longer("idx", "u8_3d_gz", &u8gz, u8gz.n - 4); /* inside the trailer */
    bytes garbage = {0}; /* plain garbage after the member */
    add(&garbage, u8gz.p, u8gz.n);
    adds(&garbage, "xyz");
    put("idx", "u8_3d_gz_garbage", garbage.p, garbage.n);
    bytes two = {malloc(2 * u8.n + 128), 0}; /* the header in one member, the data in another */
    fuzz_gzip(u8.p, 16, 9, two.p, 2 * u8.n + 128, &two.n);
    fuzz_gzip(u8.p + 16, u8.n - 16, 9, two.p, 2 * u8.n + 128, &two.n);
    put("idx", "u8_3d_two_members.gz", two.p, two.n);
    /* header bytes changed one at a time */
    static const struct { const char *name; size_t at; uint8_t value; } edit[] = {
        {"bad_magic", 0, 0x01}, {"i16_type", 2, 0x0B}, {"unknown_type", 2, 0x0A},
        {"zero_dims", 3, 0}, {"five_dims", 3, 5}, {"zero_dim", 7, 0},
    };
    for (size_t i = 0; i < sizeof edit / sizeof *edit; ++i) {
        uint8_t save = u8.p[edit[i].at];
        u8.p[edit[i].at] = edit[i].value;
        put("idx", edit[i].name, u8.p, u8.n);
        u8.p[edit[i].at] = save;
    }
    put("idx", "short_header", u8.p, 6);
    put("idx", "empty", "", 0);
    /* dimensions whose product overflows, and a 4 KB gzip that claims 256 MB */
    static const uint8_t huge[] = {0, 0, 8, 4, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3};
    put("idx", "huge_dims", huge, sizeof huge);
    bytes liar = {0};
    static const uint8_t head256m[] = {0, 0, 8, 3, 0, 0, 0x10, 0, 0, 0, 0x10, 0, 0, 0, 0, 0x10};
    add(&liar, head256m, sizeof head256m);
    for (int i = 0; i < 4096; ++i) add(&liar, "\x2a", 1);
    bytes liargz = gzip_of(liar.p, liar.n);
    put("idx", "claims_256mb.gz", liargz.p, liargz.n);

    /* idx_gz: mode byte, split byte, then the plain IDX file the target compresses */
    static const uint8_t modes[][2] = {{0, 0},    {1, 0x80}, {0x12, 0}, {0x14, 0},
                                       {0x04, 0}, {8, 0},    {9, 0x10}};
    for (size_t i = 0; i < sizeof modes / sizeof *modes; ++i) {
        bytes in = {0};
        add(&in, modes[i], 2);
        add(&in, u8.p, u8.n);
        char name[32];
        snprintf(name, sizeof name, "u8_3d_mode%02x", modes[i][0]);
        put("idx_gz", name, in.p, in.n);
        free(in.p);
    }
    bytes in = {0};
    add(&in, "\x00\x00", 2);
    add(&in, liar.p, liar.n);
    put("idx_gz", "claims_256mb", in.p, in.n);
    free(in.p);
    free(u8.p), free(f64gz.p), free(u8gz.p), free(garbage.p), free(two.p), free(liar.p),
        free(liargz.p);
}

/* dataset: flags, the images file's length (LE u32), the images file, the labels file */
static void dataset_input(const char *name, unsigned flags, const bytes *images,
                          const bytes *labels)
{
    bytes in = {0};
    const uint8_t head[5] = {(uint8_t)flags, (uint8_t)images->n, (uint8_t)(images->n >> 8),
                             (uint8_t)(images->n >> 16), (uint8_t)(images->n >> 24)};
    add(&in, head, 5);
    add(&in, images->p, images->n);
    add(&in, labels->p, labels->n);
    put("dataset", name, in.p, in.n);
    free(in.p);
}

static void dataset_seeds(void)
{
    const int64_t img[3] = {5, 3, 3}, lab[1] = {5}, lab4[1] = {4}, flat[2] = {5, 9};
    bytes images = idx_file(PML_U8, 3, img, 0), labels = idx_file(PML_U8, 1, lab, 0);
    bytes images_gz = idx_file(PML_U8, 3, img, 1), labels_gz = idx_file(PML_U8, 1, lab, 1);
    bytes four = idx_file(PML_U8, 1, lab4, 0), images_2d = idx_file(PML_U8, 2, flat, 0);
    bytes labels_i32 = idx_file(PML_I32, 1, lab, 0);
    dataset_input("train", 0, &images, &labels);
    dataset_input("test", 1, &images, &labels);
    dataset_input("train_gz", 6, &images_gz, &labels_gz);
    dataset_input("test_gz_names_plain_content", 7, &images, &labels);
    dataset_input("count_mismatch", 0, &images, &four);
    dataset_input("images_2d", 0, &images_2d, &labels);
    dataset_input("labels_i32", 0, &images, &labels_i32);
    dataset_input("labels_as_images", 0, &images, &images);
    dataset_input("no_labels_file", 8, &images, &labels);
    free(images.p), free(labels.p), free(images_gz.p), free(labels_gz.p), free(four.p),
        free(images_2d.p), free(labels_i32.p);
}

/* ---- .safetensors and models ------------------------------------------------------------- */
/* A .safetensors file from a header written by hand and its data. */
static void st_raw(const char *target, const char *name, const char *json, const void *data,
                   size_t n)
{
    bytes b = {0};
    uint8_t len8[8];
    for (int i = 0; i < 8; ++i) len8[i] = (uint8_t)((uint64_t)strlen(json) >> (8 * i));
    add(&b, len8, 8);
    adds(&b, json);
    add(&b, data, n);
    put(target, name, b.p, b.n);
    free(b.p);
}

static void safetensors_seeds(pml_device *dev)
{
    static const pml_dtype types[6] = {PML_F32, PML_F64, PML_I32, PML_U32, PML_U8, PML_I8};
    static const int64_t shapes[6][2] = {{2, 3}, {2, 1}, {3, 1}, {1, 1}, {4, 1}, {2, 2}};
    static const char *const names[6] = {"w", "b", "idx", "mask", "bytes", "q.\"odd\"\\name"};
    pml_tensor *t[6];
    pml_named_tensor nt[6];
    for (int i = 0; i < 6; ++i) {
        FUZZ_CHECK(pml_tensor_create(dev, types[i], i % 2 ? 1 : 2, shapes[i], &t[i]) == PML_OK);
        FUZZ_CHECK(pml_tensor_fill(t[i], 1 + i) == PML_OK);
        nt[i] = (pml_named_tensor){names[i], t[i]};
    }
    const char *meta[] = {"format", "pt", "note", "caf\xc3\xa9 \"q\" \\ \t", NULL};
    FUZZ_CHECK(pml_safetensors_write(out_path("safetensors", "six_dtypes"), nt, 6, meta) == PML_OK);
    FUZZ_CHECK(pml_safetensors_write(out_path("safetensors", "empty"), NULL, 0, NULL) == PML_OK);
    const int64_t zero[2] = {0, 3};
    pml_tensor *z = NULL;
    FUZZ_CHECK(pml_tensor_create(dev, PML_F32, 2, zero, &z) == PML_OK);
    pml_named_tensor nz[2] = {{"empty", z}, {"w", t[0]}};
    FUZZ_CHECK(pml_safetensors_write(out_path("safetensors", "zero_size"), nz, 2, NULL) == PML_OK);
    pml_tensor_destroy(z);
    for (int i = 0; i < 6; ++i) pml_tensor_destroy(t[i]);

    static const uint8_t d8[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const struct { const char *name, *json; size_t n; } raw[] = {
        {"escapes", "{\"caf\\u00e9\\ud83d\\ude00\\n\":{\"dtype\":\"U8\",\"shape\":[2],"
                    "\"data_offsets\":[0,2]},\"__metadata__\":{\"k\\/\":\"v\\\\\"}}", 2},
        {"scalar", "{\"s\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,8]}}", 8},
        {"duplicate_key", "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                          "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2},
        {"overlap", "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
                    "\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[1,3]}}", 3},
        {"gap", "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2},
        {"bf16", "{\"a\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4},
        {"five_dims", "{\"a\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1],\"data_offsets\":[0,1]}}", 1},
        {"huge_shape", "{\"a\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],"
                       "\"data_offsets\":[0,8]}}", 8},
        {"float_shape", "{\"a\":{\"dtype\":\"U8\",\"shape\":[1.5e0],\"data_offsets\":[0,1]}}", 1},
        {"meta_not_string", "{\"__metadata__\":{\"k\":1}}", 0},
        {"array_root", "[1,2,3]", 0},
        {"lone_surrogate", "{\"\\ud800\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}",
         1},
    };
    for (size_t i = 0; i < sizeof raw / sizeof *raw; ++i)
        st_raw("safetensors", raw[i].name, raw[i].json, d8, raw[i].n);
    char deep[160], json[200];
    nested(deep, 64); /* with the root object, one level too deep */
    snprintf(json, sizeof json, "{\"a\":%s}", deep);
    st_raw("safetensors", "deep", json, d8, 0);
    static const uint8_t beyond[16] = {0xff, 0xff, 0, 0, 0, 0, 0, 0, '{', '}'};
    put("safetensors", "header_beyond_file", beyond, sizeof beyond);
    put("safetensors", "seven_bytes", beyond, 7);
}

static void model_seeds(pml_device *dev)
{
    pml_model *m = NULL;
    FUZZ_CHECK(pml_model_from_spec(dev, "dense:3,relu,dense:2", 4, 1, PML_INIT_HE, 0.f, 1, &m) ==
               PML_OK);
    FUZZ_CHECK(pml_model_save(m, out_path("model_load", "mlp"), NULL) == PML_OK);
    pml_model_destroy(m);
    FUZZ_CHECK(pml_model_from_spec(dev, "dense:2,sigmoid,dense:2:nobias,tanh,identity", 3, 1,
                                   PML_INIT_XAVIER, 0.f, 2, &m) == PML_OK);
    const char *extra[] = {"epochs", "3", NULL};
    FUZZ_CHECK(pml_model_save(m, out_path("model_load", "activations"), extra) == PML_OK);
    pml_model_destroy(m);
    const int64_t chw[3] = {1, 2, 2};
    FUZZ_CHECK(pml_model_create_shaped(dev, PML_F32, 3, chw, 1, &m) == PML_OK);
    FUZZ_CHECK(pml_model_add_spec(m, "dense:2,leaky_relu:0.2,dense:2,softmax", PML_INIT_HE, 0.f,
                                  3) == PML_OK);
    FUZZ_CHECK(pml_model_save(m, out_path("model_load", "shaped"), NULL) == PML_OK);
    pml_model_destroy(m);

    /* by hand: dense:2 on 3 inputs (24 + 8 bytes), then what its metadata may get wrong */
    static const uint8_t d32[32] = {0};
    static const struct { const char *name, *meta; } raw[] = {
        {"by_hand", "\"physml_spec\":\"dense:2\",\"physml_in_features\":\"3\""},
        {"in_shape", "\"physml_spec\":\"dense:2\",\"physml_in_features\":\"3\","
                     "\"physml_in_shape\":\"1x1x3\""},
        {"in_shape_wrong", "\"physml_spec\":\"dense:2\",\"physml_in_features\":\"3\","
                           "\"physml_in_shape\":\"2x2\""},
        {"spec_wider", "\"physml_spec\":\"dense:5\",\"physml_in_features\":\"3\""},
        {"spec_nobias", "\"physml_spec\":\"dense:2:nobias\",\"physml_in_features\":\"3\""},
        {"spec_bad", "\"physml_spec\":\"dense:2,conv:3\",\"physml_in_features\":\"3\""},
        {"in_zero", "\"physml_spec\":\"dense:2\",\"physml_in_features\":\"0\""},
        {"no_spec", "\"physml_in_features\":\"3\""},
    };
    for (size_t i = 0; i < sizeof raw / sizeof *raw; ++i) {
        char json[512];
        snprintf(json, sizeof json,
                 "{\"__metadata__\":{%s},\"0.bias\":{\"dtype\":\"F32\",\"shape\":[2],"
                 "\"data_offsets\":[24,32]},\"0.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],"
                 "\"data_offsets\":[0,24]}}",
                 raw[i].meta);
        st_raw("model_load", raw[i].name, json, d32, sizeof d32);
    }
}

static void rbm_seeds(pml_device *dev)
{
    pml_rbm *r = NULL;
    FUZZ_CHECK(pml_rbm_create(dev, 3, 2, 1, 1, &r) == PML_OK);
    FUZZ_CHECK(pml_rbm_save(r, out_path("rbm_load", "saved"), NULL) == PML_OK);
    pml_rbm_destroy(r);
    /* by hand: 2 x 3 weights and both biases, F64 as scikit-learn's arrays are, then shapes and
     * names that do not agree */
    static const uint8_t d88[88] = {0};
    static const struct { const char *name, *json; size_t n; } raw[] = {
        {"f64", "{\"weight\":{\"dtype\":\"F64\",\"shape\":[2,3],\"data_offsets\":[0,48]},"
                "\"visible_bias\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[48,72]},"
                "\"hidden_bias\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[72,88]}}", 88},
        {"shapes_disagree", "{\"weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                            "\"visible_bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]},"
                            "\"hidden_bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[32,40]}}", 40},
        {"weight_1d", "{\"weight\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]}}", 24},
        {"weight_i32", "{\"weight\":{\"dtype\":\"I32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                       "\"visible_bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]},"
                       "\"hidden_bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[36,44]}}", 44},
    };
    for (size_t i = 0; i < sizeof raw / sizeof *raw; ++i)
        st_raw("rbm_load", raw[i].name, raw[i].json, d88, raw[i].n);
}

/* ---- AIS checkpoints ------------------------------------------------------------------------ */
/* The fuzz target's own run (fuzz_ais_model) cut after 1, 3 and all of its steps; each also
 * with its checksum's key renamed (a file without one is read unchecked), so that mutated
 * bytes reach the checks behind the checksum. */
static void ais_seeds(void)
{
    pml_rbm *r = fuzz_ais_model();
    static const int64_t stops[] = {1, 3, 0};
    for (size_t i = 0; i < sizeof stops / sizeof *stops; ++i) {
        char name[32];
        snprintf(name, sizeof name, "after_%lld", (long long)(stops[i] ? stops[i] : FUZZ_AIS_STEPS));
        const char *path = out_path("rbm_ais_resume", name);
        char kept[FUZZ_PATH_MAX];
        snprintf(kept, sizeof kept, "%s", path);
        const pml_rbm_ais_checkpoint ck = {.path = kept, .every = 1, .stop_after = stops[i]};
        pml_rbm_ais_result res;
        FUZZ_CHECK(pml_rbm_logz_ais_resumable(r, FUZZ_AIS_RUNS, FUZZ_AIS_STEPS, NULL, 1, &ck,
                                              &res) == PML_OK);
        bytes b = slurp(kept);
        uint8_t *key = NULL;
        for (size_t k = 0; k + 15 <= b.n && !key; ++k)
            if (memcmp(b.p + k, "physml_checksum", 15) == 0) key = b.p + k;
        FUZZ_CHECK(key != NULL);
        key[14] = 'X'; /* the same length: the header stays whole */
        snprintf(name, sizeof name, "after_%lld_unchecked",
                 (long long)(stops[i] ? stops[i] : FUZZ_AIS_STEPS));
        put("rbm_ais_resume", name, b.p, b.n);
        free(b.p);
    }
    pml_rbm_destroy(r);
}

/* ---- .npy ----------------------------------------------------------------------------------- */
static void npy_raw(const char *name, int major, const char *dict, const void *data, size_t n)
{
    const size_t pre = major == 1 ? 10 : 12, len = strlen(dict);
    const size_t hlen = (pre + len + 1 + 63) / 64 * 64 - pre;
    bytes b = {0};
    const uint8_t head[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', (uint8_t)major, 0,
                              (uint8_t)hlen, (uint8_t)(hlen >> 8), 0, 0};
    add(&b, head, pre);
    adds(&b, dict);
    for (size_t i = len; i + 1 < hlen; ++i) add(&b, " ", 1);
    add(&b, "\n", 1);
    add(&b, data, n);
    put("npy", name, b.p, b.n);
    free(b.p);
}

static void npy_seeds(pml_device *dev)
{
    static const pml_dtype types[6] = {PML_F32, PML_F64, PML_I32, PML_U32, PML_U8, PML_I8};
    static const int64_t shape[4] = {2, 1, 3, 1};
    for (int i = 0; i < 6; ++i) {
        pml_tensor *t = NULL;
        const int ndim = 1 + i % 4;
        FUZZ_CHECK(pml_tensor_create(dev, types[i], ndim, shape, &t) == PML_OK);
        FUZZ_CHECK(pml_tensor_fill(t, i) == PML_OK);
        char name[32];
        snprintf(name, sizeof name, "%s_%dd", pml_dtype_name(types[i]), ndim);
        FUZZ_CHECK(pml_npy_write(out_path("npy", name), t) == PML_OK);
        if (i == 0) {
            bytes b = slurp(out_path("npy", name));
            put_cut_and_longer("npy", "f32", &b, b.n - 3);
            free(b.p);
        }
        pml_tensor_destroy(t);
    }
    static const uint8_t d[16] = {0};
    static const struct { const char *name; int major; const char *dict; size_t n; } raw[] = {
        {"v2", 2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 16},
        {"v3", 3, "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", 3},
        {"v9", 9, "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", 3},
        {"scalar", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 8},
        {"double_quotes", 1, "{\"descr\": \"<i4\", \"fortran_order\": False, \"shape\": (1L,)}", 4},
        {"fortran", 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16},
        {"big_endian", 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", 4},
        {"half", 1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", 4},
        {"structured", 1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", 4},
        {"five_dims", 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (1,1,1,1,1), }", 1},
        {"overflow", 1, "{'descr': '<f8', 'fortran_order': False, "
                        "'shape': (4294967296, 4294967296), }", 8},
        {"zero_size", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }", 0},
        {"unknown_key", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", 4},
        {"missing_key", 1, "{'descr': '<f4', 'shape': (1,), }", 4},
        {"not_a_dict", 1, "['descr', '<f4']", 4},
    };
    for (size_t i = 0; i < sizeof raw / sizeof *raw; ++i)
        npy_raw(raw[i].name, raw[i].major, raw[i].dict, d, raw[i].n);
}

/* ---- Ising states --------------------------------------------------------------------------
 * Version 2: "PMLISNG1", a 64-byte header (u32 version, u32 rule, i64 lx, ly, replicas, f64 J,
 * u64 seed, sweeps, acc_size), i64 lx[R], ly[R], f64 T[R], B[R], i8 spins, accumulators. */
enum { ISING_HEAD = 8 + 64 };

static bytes ising_state(pml_device *dev, const char *name, const int64_t *lx, const int64_t *ly,
                         int64_t R, pml_ising_rule rule)
{
    static const double T[2] = {2.0, 3.5}, B[2] = {0.0, 0.25};
    pml_ising_config cfg = {.lx = lx[0], .ly = ly[0], .replicas = R, .J = 1.0, .rule = rule,
                            .seed = 7};
    pml_ising *g = NULL;
    FUZZ_CHECK(pml_ising_create_mixed(dev, &cfg, lx, ly, T, B, &g) == PML_OK);
    FUZZ_CHECK(pml_ising_init(g, PML_ISING_HOT) == PML_OK);
    FUZZ_CHECK(pml_ising_sample(g, 3) == PML_OK);
    FUZZ_CHECK(pml_ising_save(g, out_path("ising_load", name)) == PML_OK);
    pml_ising_destroy(g);
    return slurp(out_path("ising_load", name));
}

static void ising_seeds(pml_device *dev)
{
    const int64_t four[2] = {4, 4}, mixed_x[2] = {2, 4}, mixed_y[2] = {4, 2}, two[1] = {2};
    bytes uni = ising_state(dev, "uniform_4x4_r2", four, four, 2, PML_ISING_METROPOLIS);
    bytes mixed = ising_state(dev, "mixed_r2", mixed_x, mixed_y, 2, PML_ISING_HEATBATH);
    free(mixed.p);
    bytes one = ising_state(dev, "one_2x2", two, two, 1, PML_ISING_METROPOLIS);
    /* the same single replica as version 1: no size arrays after the header */
    bytes v1 = {0};
    add(&v1, one.p, ISING_HEAD);
    v1.p[8] = 1;
    add(&v1, one.p + ISING_HEAD + 16, one.n - ISING_HEAD - 16);
    put("ising_load", "one_2x2_v1", v1.p, v1.n);
    put_cut_and_longer("ising_load", "one_2x2", &one, one.n - 100);
    /* one field of the first replica changed at a time (offsets into the 2-replica file) */
    const size_t lx0 = ISING_HEAD, T0 = ISING_HEAD + 32, spin0 = ISING_HEAD + 64;
    static const double zero = 0.0;
    static const int64_t odd = 3;
    static const uint32_t rule9 = 9, acc7 = 7;
    const struct { const char *name; size_t at; const void *value; size_t n; } edit[] = {
        {"bad_magic", 7, "2", 1},         {"bad_version", 8, "\x03", 1},
        {"bad_rule", 12, &rule9, 4},      {"bad_acc_size", 64, &acc7, 4},
        {"odd_side", lx0, &odd, 8},       {"zero_T", T0, &zero, 8},
        {"spin_not_pm1", spin0, "\x02", 1},
    };
    for (size_t i = 0; i < sizeof edit / sizeof *edit; ++i) {
        bytes b = {0};
        add(&b, uni.p, uni.n);
        memcpy(b.p + edit[i].at, edit[i].value, edit[i].n);
        put("ising_load", edit[i].name, b.p, b.n);
        free(b.p);
    }
    free(uni.p), free(one.p), free(v1.p);
}

/* ---- text parsers --------------------------------------------------------------------------- */
static void texts(const char *target, const char *const *items, size_t n, const char *prefix)
{
    for (size_t i = 0; i < n; ++i) {
        bytes b = {0};
        if (prefix) add(&b, prefix + i % strlen(prefix), 1);
        adds(&b, items[i]);
        char name[32];
        snprintf(name, sizeof name, "seed%02zu", i);
        put(target, name, b.p, b.n);
        free(b.p);
    }
}

static void text_seeds(void)
{
    static const char *const spec[] = {
        "dense:100,relu,dense:10", "dense:3:nobias,leaky_relu:0.2,dense:2,softmax",
        "dense:4,sigmoid,dense:4,tanh,identity", " dense:2 , relu ", "leaky_relu",
        "relu,dense:3", "dense:0", "dense:99999999999", "dense:4,,relu", "conv:3",
        "dense:2:bias", "leaky_relu:1.5", "dense:16777216"};
    /* the first byte of a spec seed: odd = flat input of 1 + (b >> 1 & 15) features */
    texts("spec", spec, sizeof spec / sizeof *spec, "\x0f\x1a\x07\x2c\x55");
    static const char *const sched[] = {
        "constant", "step:5:0.5", "exp:0.9", "cosine:10", "cosine:10:0.001", "plateau:2",
        "plateau:3:0.5", "step:0:0.5", "cosine:1e9", "exp:nan", "step:5:", "plateau:2:1",
        "constant:1", "cosine:3:0.2", "exp:1e-300"};
    texts("schedule", sched, sizeof sched / sizeof *sched, NULL);
    static const char *const augment[] = {
        "shift:2,flip,noise:0.1", "flip", "noise:0.25", "shift:8", "none", "", "shift:9",
        "noise:nan", "flip,", "shift:2,,flip", "noise:1e-300", "shift:0,shift:3"};
    texts("augment", augment, sizeof augment / sizeof *augment, NULL);
    static const char *const names[] = {"mse", "mse_half", "xent", "bce", "relu", "leaky_relu",
                                        "softmax", "identity", "sgd", "momentum", "adam",
                                        "unit", "raw", "standard", "Adam", ""};
    texts("names", names, sizeof names / sizeof *names, NULL);
    static const char *const json[] = {
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}",
        "[true,false,null,-0,1.5e-3,-9223372036854775808,18446744073709551616,\"\"]",
        "\"caf\\u00e9 \\ud83d\\ude00 \\\" \\\\ \\/ \\b\\f\\n\\r\\t\"",
        " { \"k\" : [ ] , \"l\" : { } } ",
        "{\"a\":1,\"a\":2}", "\"\\ud800\"", "\"\\u0000\"", "01", "[1,]", "{\"a\" 1}",
        "\"tab\there\"", "1 2", "tru"};
    texts("json", json, sizeof json / sizeof *json, NULL);
    char deep[160];
    put("json", "deep64", deep, nested(deep, 64)); /* the deepest nesting allowed */
    put("json", "deep65", deep, nested(deep, 65));
}

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: %s CORPUS_DIR (tests/fuzz/corpus) [rbm_ais_resume]\n", argv[0]);
        return 2;
    }
    root = argv[1];
    pml_device *dev = fuzz_device();
    if (argc == 3) { /* one target's seeds, the others' files left as they are */
        if (strcmp(argv[2], "rbm_ais_resume") != 0) {
            fprintf(stderr, "%s: only rbm_ais_resume can be made alone\n", argv[0]);
            return 2;
        }
        ais_seeds();
        return 0;
    }
    idx_seeds();
    dataset_seeds();
    safetensors_seeds(dev);
    model_seeds(dev);
    rbm_seeds(dev);
    npy_seeds(dev);
    ising_seeds(dev);
    text_seeds();
    ais_seeds();
    return 0;
}
