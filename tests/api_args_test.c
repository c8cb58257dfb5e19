/* The house rule, checked for the whole public API: every public function rejects bad
 * arguments with the documented pml_status and a message naming it, hands nothing back and
 * leaks nothing when it fails (leaks: run under the asan preset), and destroy/free/close calls
 * and accessors take NULL.
 *
 * The cases are tables, one group per header. A status case is X(function, status, call):
 * the call must return `status`; when that is an error, pml_last_error() must name the
 * function and no object may come back in the fixture's out slots. A check case is
 * Y(function, expression): the expression (a call on NULL or an invalid value) must be true
 * and must not crash. Functions with nothing to check are in `exempt` with the reason.
 * Test(api_args, every_public_function_is_covered) reads every include/physml header and
 * fails for a declared function that is in no table, so a new function must come with its
 * cases. */
#define _DEFAULT_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pml_test.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#define S_OK PML_OK
#define S_INVALID PML_ERR_INVALID_ARGUMENT
#define S_UNSUPPORTED PML_ERR_UNSUPPORTED
#define S_NODEV PML_ERR_NO_DEVICE
#define S_IO PML_ERR_IO
#define S_MISMATCH PML_ERR_DEVICE_MISMATCH

/* ---- the fixture: small valid objects, scratch outputs, out slots ------------------------- */
typedef struct fx {
    pml_device *dev, *dev2; /* two CPU devices: dev2 holds the "other device" operands */
    /* on dev: f32 a 2x3, b 3x2, c 2x2, v6 [6], x26 2x6, x 4x6, y 4x3, dy 4x3; f64 d64 2x2;
     * i32 i32 [4], i22 2x2, lab2 [2]; u8 u8 [4]. On dev2: far (f32 2x2), far_i32 (i32 [4]). */
    pml_tensor *a, *b, *c, *v6, *x26, *x, *y, *dy, *d64, *i32, *i22, *lab2, *u8;
    pml_tensor *far, *far_i32;
    pml_dataset *ds, *ds_far, *ds_wide; /* 4 examples of 2x3 (3 classes); on dev2; of 3x3 */
    pml_ising *ising;                   /* 2 replicas of 4x4 */
    pml_ising_config icfg, icfg2;       /* a valid uniform config (R = 1), and a scratch copy */
    /* f32 6 -> 3 ("dense:3", forward of 2 rows done), f64 6 -> 3, no layers, 6 -> 6,
     * 6 -> 2 (fewer outputs than the dataset's classes), 6 -> 3 on dev2, 64 layers (full) */
    pml_model *model, *model64, *empty, *auto6, *narrow, *model_far, *full;
    pml_layer *layer; /* model's dense layer */
    pml_optimizer *opt, *opt1; /* SGD; SGD after a step over 1 tensor */
    pml_train_config tc, tc2;  /* valid (1 epoch, batch 2), and a scratch copy */
    pml_optim_config oc;       /* scratch */
    pml_idx idx_ok;            /* a valid 4-byte u8 IDX array */
    pml_safetensors st_zero;
    pml_train_result res_zero;
    char path[512], model_path[512], missing[512], unwritable[512], spec65[400], long_spec[1100];
    /* host data and scratch outputs */
    float host[64];
    uint8_t pixels[36], labels[4], labels_bad[4];
    int8_t spins[32], zeros[32];
    double dval, dval2, roots[4];
    int ival, ival2;
    int64_t i64, i64b, dims[3], corr;
    size_t off;
    uint32_t ctr[4], key[2], word[4];
    int32_t pred[8];
    char text[64];
    const char *name;
    pml_tensor *pt, *pg;
    const pml_tensor *cy;
    pml_device_info info[4];
    pml_ising_stats stats[4];
    pml_ising_config cfg_out;
    pml_schedule sched;
    pml_activation act;
    pml_loss_kind loss;
    pml_optim_kind optim;
    pml_scaling scaling;
    /* out slots: a failing call must leave them empty */
    pml_device *out_dev;
    pml_tensor *out_t;
    pml_dataset *out_ds, *out_ds2;
    pml_ising *out_ising;
    pml_model *out_model;
    pml_optimizer *out_opt;
    pml_idx idx;
    pml_safetensors st;
    pml_train_result res;
} fx;

/* Copies of the valid configs with one or two fields changed, for use inside a case. */
#define TC(field, v) (f->tc2 = f->tc, f->tc2.field = (v), &f->tc2)
#define TC2(f1, v1, f2, v2) (f->tc2 = f->tc, f->tc2.f1 = (v1), f->tc2.f2 = (v2), &f->tc2)
/* a schedule of kind k at lr0 = 0.1 with one field set to val, as the training config's */
#define SCH(k, fld, val)                                                                   \
    (f->sched = pml_schedule_constant(0.1), f->sched.kind = (k), f->sched.fld = (val),      \
     TC(schedule, f->sched))
#define IC(field, v) (f->icfg2 = f->icfg, f->icfg2.field = (v), &f->icfg2)
#define OC(kind, field, v) (f->oc = pml_optim_defaults(kind), f->oc.field = (v), &f->oc)
#define TENSORS(...) ((pml_tensor *const[]){__VA_ARGS__})
#define DOUBLES(...) ((const double[]){__VA_ARGS__})
#define I64S(...) ((const int64_t[]){__VA_ARGS__})
#define NAMED(...) ((const pml_named_tensor[]){__VA_ARGS__})
#define STRINGS(...) ((const char *const[]){__VA_ARGS__})
#define AUG(shift, flip, noise) (&(const pml_augment){(shift), (flip), (noise)})
#define MREF(t, off, ld) ((pml_matrix_ref){(t), (off), (ld)})

static pml_tensor *tensor(pml_device *dev, pml_dtype dtype, int ndim, int64_t d0, int64_t d1)
{
    const int64_t shape[2] = {d0, d1};
    pml_tensor *t = pml_test_tensor(dev, dtype, ndim, shape, NULL);
    PML_ASSERT_OK(pml_tensor_zero(t));
    return t;
}

static pml_dataset *dataset(pml_device *dev, int rows, int cols, const uint8_t *pixels,
                            const uint8_t *labels)
{
    pml_dataset *ds = NULL;
    PML_ASSERT_OK(pml_dataset_from_host(dev, 4, rows, cols, pixels, labels, 3, &ds));
    return ds;
}

static fx *fx_open(void)
{
    fx *f = calloc(1, sizeof *f);
    cr_assert(f != NULL);
    pml_test_tmpdir_create();
    f->dev = pml_test_open_cpu();
    f->dev2 = pml_test_open_cpu();
    f->a = tensor(f->dev, PML_F32, 2, 2, 3);
    f->b = tensor(f->dev, PML_F32, 2, 3, 2);
    f->c = tensor(f->dev, PML_F32, 2, 2, 2);
    f->v6 = tensor(f->dev, PML_F32, 1, 6, 0);
    f->x26 = tensor(f->dev, PML_F32, 2, 2, 6);
    f->x = tensor(f->dev, PML_F32, 2, 4, 6);
    f->y = tensor(f->dev, PML_F32, 2, 4, 3);
    f->dy = tensor(f->dev, PML_F32, 2, 4, 3);
    f->d64 = tensor(f->dev, PML_F64, 2, 2, 2);
    f->i32 = tensor(f->dev, PML_I32, 1, 4, 0);
    f->i22 = tensor(f->dev, PML_I32, 2, 2, 2);
    f->lab2 = tensor(f->dev, PML_I32, 1, 2, 0);
    f->u8 = tensor(f->dev, PML_U8, 1, 4, 0);
    f->far = tensor(f->dev2, PML_F32, 2, 2, 2);
    f->far_i32 = tensor(f->dev2, PML_I32, 1, 4, 0);

    for (int i = 0; i < 36; ++i) f->pixels[i] = (uint8_t)(7 * i);
    memcpy(f->labels, (const uint8_t[]){0, 1, 2, 1}, 4);
    memcpy(f->labels_bad, (const uint8_t[]){0, 1, 3, 1}, 4);
    f->ds = dataset(f->dev, 2, 3, f->pixels, f->labels);
    f->ds_far = dataset(f->dev2, 2, 3, f->pixels, f->labels);
    f->ds_wide = dataset(f->dev, 3, 3, f->pixels, f->labels);

    f->icfg = (pml_ising_config){4, 4, 1, 1.0, PML_ISING_METROPOLIS, 1};
    const pml_ising_config two = {4, 4, 2, 1.0, PML_ISING_METROPOLIS, 1};
    PML_ASSERT_OK(pml_ising_create(f->dev, &two, DOUBLES(2.0, 3.0), NULL, &f->ising));
    for (int i = 0; i < 32; ++i) f->spins[i] = 1;

    f->model = pml_test_model(f->dev, "dense:3", 6, 4, PML_INIT_HE, 1);
    f->layer = pml_model_layer(f->model, 0);
    PML_ASSERT_OK(pml_model_forward(f->model, f->x, 2, &f->cy));
    PML_ASSERT_OK(pml_model_create(f->dev, PML_F64, 6, 4, &f->model64));
    PML_ASSERT_OK(pml_model_add_dense(f->model64, 3, NULL, 1));
    PML_ASSERT_OK(pml_model_create(f->dev, PML_F32, 6, 4, &f->empty));
    f->auto6 = pml_test_model(f->dev, "dense:6", 6, 4, PML_INIT_HE, 1);
    f->narrow = pml_test_model(f->dev, "dense:2", 6, 4, PML_INIT_HE, 1);
    f->model_far = pml_test_model(f->dev2, "dense:3", 6, 4, PML_INIT_HE, 1);
    for (int i = 0; i < 65; ++i) strcat(f->spec65, i ? ",relu" : "relu");
    f->spec65[strlen(f->spec65) - 5] = '\0'; /* 64 items: a full model */
    f->full = pml_test_model(f->dev, f->spec65, 6, 4, PML_INIT_HE, 1);
    strcat(f->spec65, ",relu"); /* 65 items: one too many */
    memset(f->long_spec, 'x', 1000);

    const pml_optim_config sgd = pml_optim_defaults(PML_OPTIM_SGD);
    PML_ASSERT_OK(pml_optimizer_create(f->dev, &sgd, &f->opt));
    PML_ASSERT_OK(pml_optimizer_create(f->dev, &sgd, &f->opt1));
    PML_ASSERT_OK(pml_optimizer_step(f->opt1, 1, TENSORS(f->a), TENSORS(f->v6)));
    f->tc = pml_train_defaults();
    f->tc.epochs = 1;
    f->tc.batch = 2;

    f->idx_ok = (pml_idx){PML_U8, 1, {4}, f->pixels};
    snprintf(f->path, sizeof f->path, "%s", pml_test_tmppath("out.bin"));
    snprintf(f->model_path, sizeof f->model_path, "%s", pml_test_tmppath("model.safetensors"));
    snprintf(f->missing, sizeof f->missing, "%s", pml_test_tmppath("missing"));
    snprintf(f->unwritable, sizeof f->unwritable, "/nonexistent-physml-dir/out.bin");
    PML_ASSERT_OK(pml_model_save(f->model, f->model_path, NULL));
    return f;
}

/* Destroy whatever a call handed back. */
static void fx_reset(fx *f)
{
    pml_device_close(f->out_dev);
    pml_tensor_destroy(f->out_t);
    pml_dataset_destroy(f->out_ds);
    pml_dataset_destroy(f->out_ds2);
    pml_ising_destroy(f->out_ising);
    pml_model_destroy(f->out_model);
    pml_optimizer_destroy(f->out_opt);
    pml_idx_free(&f->idx);
    pml_safetensors_free(&f->st);
    pml_train_result_free(&f->res);
    f->out_dev = NULL;
    f->out_t = NULL;
    f->out_ds = f->out_ds2 = NULL;
    f->out_ising = NULL;
    f->out_model = NULL;
    f->out_opt = NULL;
}

/* The out slots a failed call left non-empty ("" when none). */
static const char *fx_leftover(const fx *f)
{
    if (f->out_dev) return "a device";
    if (f->out_t) return "a tensor";
    if (f->out_ds || f->out_ds2) return "a dataset";
    if (f->out_ising) return "an Ising batch";
    if (f->out_model) return "a model";
    if (f->out_opt) return "an optimizer";
    if (f->idx.data || f->idx.ndim) return "IDX data";
    if (f->st.count || f->st.names || f->st.tensors || f->st.meta_count) return "safetensors";
    if (f->res.history || f->res.epochs_run) return "a training history";
    return "";
}

static void fx_close(fx *f)
{
    fx_reset(f);
    pml_optimizer_destroy(f->opt);
    pml_optimizer_destroy(f->opt1);
    pml_model_destroy(f->model);
    pml_model_destroy(f->model64);
    pml_model_destroy(f->empty);
    pml_model_destroy(f->auto6);
    pml_model_destroy(f->narrow);
    pml_model_destroy(f->model_far);
    pml_model_destroy(f->full);
    pml_ising_destroy(f->ising);
    pml_dataset_destroy(f->ds);
    pml_dataset_destroy(f->ds_far);
    pml_dataset_destroy(f->ds_wide);
    pml_tensor *ts[] = {f->a,   f->b,   f->c,    f->v6,   f->x26, f->x,   f->y,      f->dy,
                        f->d64, f->i32, f->i22, f->lab2, f->u8,  f->far, f->far_i32};
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; ++i) pml_tensor_destroy(ts[i]);
    pml_device_close(f->dev);
    pml_device_close(f->dev2);
    pml_test_tmpdir_remove();
    free(f);
}

/* ---- tables ----------------------------------------------------------------------------- */
typedef struct status_case {
    const char *fn, *call, *expanded; /* the call as written, and with the macros expanded */
    pml_status want;
} status_case;

typedef struct check_case {
    const char *fn, *call;
} check_case;

typedef struct group {
    const char *header;
    const status_case *status;
    pml_status (*run_status)(fx *f, int i);
    const check_case *checks;
    int (*run_check)(fx *f, int i);
} group;

#define STR_(x) #x
#define STR(x) STR_(x)
#define STATUS_ROW(fn, want, call) {#fn, #call, STR(call), want},
#define STATUS_RUN(fn, want, call) \
    if (i == k++) return (call);
#define CHECK_ROW(fn, expr) {#fn, #expr},
#define CHECK_RUN(fn, expr) \
    if (i == k++) return (expr) != 0;
#define NO_CASES(X)

/* The cases of a name parser fn(name, out): name NULL, out NULL, an unknown name, a known
 * name in the wrong case, a known name. */
#define PARSE_CASES(X, fn, known, KNOWN, out)                                              \
    X(fn, S_INVALID, fn(NULL, out))                                                        \
    X(fn, S_INVALID, fn(known, NULL))                                                      \
    X(fn, S_INVALID, fn("no-such-name", out))                                              \
    X(fn, S_INVALID, fn(KNOWN, out))                                                       \
    X(fn, S_OK, fn(known, out))

/* A group's tables (rows end with a NULL sentinel) and the functions that run row i. */
#define DEFINE_GROUP(name, header_file, STATUS, CHECKS)                                    \
    static const status_case name##_status[] = {STATUS(STATUS_ROW){NULL, NULL, NULL, S_OK}};     \
    static const check_case name##_checks[] = {CHECKS(CHECK_ROW){NULL, NULL}};             \
    static pml_status name##_run_status(fx *f, int i)                                      \
    {                                                                                      \
        int k = 0;                                                                         \
        (void)f, (void)i, (void)k;                                                         \
        STATUS(STATUS_RUN)                                                                 \
        return PML_ERR_INTERNAL;                                                           \
    }                                                                                      \
    static int name##_run_check(fx *f, int i)                                              \
    {                                                                                      \
        int k = 0;                                                                         \
        (void)f, (void)i, (void)k;                                                         \
        CHECKS(CHECK_RUN)                                                                  \
        return 0;                                                                          \
    }                                                                                      \
    static const group name##_group = {header_file, name##_status, name##_run_status,      \
                                       name##_checks, name##_run_check};

/* ---- status.h ---------------------------------------------------------------------------- */
#define STATUS_CHECKS(Y)                                                                   \
    Y(pml_status_string, strcmp(pml_status_string((pml_status)99), "unknown status") == 0) \
    Y(pml_status_string, pml_status_string((pml_status)-1) != NULL)
DEFINE_GROUP(status_h, "status.h", NO_CASES, STATUS_CHECKS)

/* ---- device.h ---------------------------------------------------------------------------- */
#define DEVICE_CASES(X)                                                                    \
    X(pml_device_open, S_INVALID, pml_device_open("cpu", NULL))                            \
    X(pml_device_open, S_INVALID, pml_device_open("tpu", &f->out_dev))                     \
    X(pml_device_open, S_INVALID, pml_device_open("cuda:-1", &f->out_dev))                 \
    X(pml_device_open, S_NODEV, pml_device_open("cuda:1023", &f->out_dev))                 \
    X(pml_device_open, S_OK, pml_device_open(NULL, &f->out_dev)) /* "auto" */              \
    X(pml_device_memory, S_INVALID, pml_device_memory(NULL, &f->off, &f->off))             \
    X(pml_device_memory, S_OK, pml_device_memory(f->dev, NULL, NULL)) /* outs optional */  \
    X(pml_device_compute_capability, S_INVALID,                                            \
      pml_device_compute_capability(NULL, &f->ival, &f->ival2))                            \
    X(pml_device_compute_capability, S_INVALID,                                            \
      pml_device_compute_capability(f->dev, NULL, &f->ival2))                              \
    X(pml_device_compute_capability, S_INVALID,                                            \
      pml_device_compute_capability(f->dev, &f->ival, NULL))                               \
    X(pml_device_synchronize, S_INVALID, pml_device_synchronize(NULL))                     \
    X(pml_device_set_tf32, S_INVALID, pml_device_set_tf32(NULL, 1))                        \
    X(pml_device_list, S_INVALID, pml_device_list(NULL, 2, &f->ival))                      \
    X(pml_device_list, S_INVALID, pml_device_list(f->info, 4, NULL))                       \
    X(pml_device_list, S_INVALID, pml_device_list(f->info, -1, &f->ival))                  \
    X(pml_device_list, S_OK, pml_device_list(NULL, 0, &f->ival)) /* count only */
#define DEVICE_CHECKS(Y)                                                                   \
    Y(pml_device_close, (pml_device_close(NULL), 1))                                       \
    Y(pml_device_get_kind, pml_device_get_kind(NULL) == PML_DEVICE_CPU)                    \
    Y(pml_device_spec, strcmp(pml_device_spec(NULL), "") == 0)                             \
    Y(pml_device_name, strcmp(pml_device_name(NULL), "") == 0)                             \
    Y(pml_device_parallelism, pml_device_parallelism(NULL) == 0)
DEFINE_GROUP(device_h, "device.h", DEVICE_CASES, DEVICE_CHECKS)

/* ---- tensor.h ---------------------------------------------------------------------------- */
/* The cases of fn(obj, host, n), which moves n bytes between obj and a host buffer: obj NULL,
 * host NULL, and bad_n bytes instead of n. */
#define BUFFER_CASES(X, fn, obj, host, n, bad_n)                                           \
    X(fn, S_INVALID, fn(NULL, host, n))                                                    \
    X(fn, S_INVALID, fn(obj, NULL, n))                                                     \
    X(fn, S_INVALID, fn(obj, host, bad_n))
#define TENSOR_CASES(X)                                                                    \
    X(pml_tensor_create, S_INVALID, pml_tensor_create(NULL, PML_F32, 1, I64S(2), &f->out_t)) \
    X(pml_tensor_create, S_INVALID, pml_tensor_create(f->dev, PML_F32, 1, NULL, &f->out_t)) \
    X(pml_tensor_create, S_INVALID, pml_tensor_create(f->dev, PML_F32, 1, I64S(2), NULL))  \
    X(pml_tensor_create, S_INVALID, pml_tensor_create(f->dev, PML_F32, 0, I64S(2), &f->out_t)) \
    X(pml_tensor_create, S_INVALID,                                                        \
      pml_tensor_create(f->dev, PML_F32, 5, I64S(1, 1, 1, 1, 1), &f->out_t))               \
    X(pml_tensor_create, S_INVALID,                                                        \
      pml_tensor_create(f->dev, (pml_dtype)99, 1, I64S(2), &f->out_t))                     \
    X(pml_tensor_create, S_INVALID, pml_tensor_create(f->dev, PML_F32, 2, I64S(2, -1), &f->out_t)) \
    X(pml_tensor_create, S_INVALID,                                                        \
      pml_tensor_create(f->dev, PML_F32, 2, I64S(1ll << 40, 1ll << 40), &f->out_t))        \
    X(pml_tensor_create_1d, S_INVALID, pml_tensor_create_1d(NULL, PML_F32, 2, &f->out_t))  \
    X(pml_tensor_create_1d, S_INVALID, pml_tensor_create_1d(f->dev, PML_F32, 2, NULL))     \
    X(pml_tensor_create_1d, S_INVALID, pml_tensor_create_1d(f->dev, PML_F32, -1, &f->out_t)) \
    X(pml_tensor_create_1d, S_INVALID,                                                     \
      pml_tensor_create_1d(f->dev, (pml_dtype)-1, 2, &f->out_t))                           \
    X(pml_tensor_create_2d, S_INVALID, pml_tensor_create_2d(NULL, PML_F32, 2, 2, &f->out_t)) \
    X(pml_tensor_create_2d, S_INVALID, pml_tensor_create_2d(f->dev, PML_F32, 2, 2, NULL))  \
    X(pml_tensor_create_2d, S_INVALID, pml_tensor_create_2d(f->dev, PML_F32, -2, 2, &f->out_t)) \
    X(pml_tensor_create_2d, S_INVALID, pml_tensor_create_2d(f->dev, PML_F32, 2, -2, &f->out_t)) \
    X(pml_tensor_create_2d, S_INVALID,                                                     \
      pml_tensor_create_2d(f->dev, (pml_dtype)6, 2, 2, &f->out_t))                         \
    X(pml_tensor_reshape, S_INVALID, pml_tensor_reshape(NULL, 1, I64S(6)))                 \
    X(pml_tensor_reshape, S_INVALID, pml_tensor_reshape(f->a, 1, NULL))                    \
    X(pml_tensor_reshape, S_INVALID, pml_tensor_reshape(f->a, 0, I64S(6)))                 \
    X(pml_tensor_reshape, S_INVALID, pml_tensor_reshape(f->a, 5, I64S(6, 1, 1, 1, 1)))     \
    X(pml_tensor_reshape, S_INVALID, pml_tensor_reshape(f->a, 1, I64S(5)))                 \
    X(pml_tensor_reshape, S_INVALID, pml_tensor_reshape(f->a, 2, I64S(-2, -3)))            \
    BUFFER_CASES(X, pml_tensor_upload, f->a, f->host, 24, 20)                              \
    BUFFER_CASES(X, pml_tensor_download, f->a, f->host, 24, 28)                            \
    X(pml_tensor_copy, S_INVALID, pml_tensor_copy(NULL, f->a))                             \
    X(pml_tensor_copy, S_INVALID, pml_tensor_copy(f->a, NULL))                             \
    X(pml_tensor_copy, S_INVALID, pml_tensor_copy(f->c, f->d64)) /* dtypes differ */       \
    X(pml_tensor_copy, S_INVALID, pml_tensor_copy(f->a, f->c))   /* sizes differ */        \
    X(pml_tensor_fill, S_INVALID, pml_tensor_fill(NULL, 1.0))                              \
    X(pml_tensor_fill, S_INVALID, pml_tensor_fill(f->u8, 256.0))                           \
    X(pml_tensor_fill, S_INVALID, pml_tensor_fill(f->i32, 0.5))                            \
    X(pml_tensor_fill, S_INVALID, pml_tensor_fill(f->i32, NAN))                            \
    X(pml_tensor_fill, S_INVALID, pml_tensor_fill(f->a, 1e39))                             \
    X(pml_tensor_zero, S_INVALID, pml_tensor_zero(NULL))
#define TENSOR_CHECKS(Y)                                                                   \
    Y(pml_dtype_size, pml_dtype_size((pml_dtype)99) == 0)                                  \
    Y(pml_dtype_size, pml_dtype_size((pml_dtype)-1) == 0)                                  \
    Y(pml_dtype_name, strcmp(pml_dtype_name((pml_dtype)99), "?") == 0)                     \
    Y(pml_tensor_destroy, (pml_tensor_destroy(NULL), 1))                                   \
    Y(pml_tensor_device, pml_tensor_device(NULL) == NULL)                                  \
    Y(pml_tensor_dtype, (pml_tensor_dtype(NULL), 1))                                       \
    Y(pml_tensor_ndim, pml_tensor_ndim(NULL) == 0)                                         \
    Y(pml_tensor_dim, pml_tensor_dim(NULL, 0) == 0)                                        \
    Y(pml_tensor_dim, pml_tensor_dim(f->a, 2) == 0)                                        \
    Y(pml_tensor_dim, pml_tensor_dim(f->a, -3) == 0)                                       \
    Y(pml_tensor_numel, pml_tensor_numel(NULL) == 0)                                       \
    Y(pml_tensor_nbytes, pml_tensor_nbytes(NULL) == 0)                                     \
    Y(pml_tensor_data, pml_tensor_data(NULL) == NULL)                                      \
    Y(pml_tensor_data_const, pml_tensor_data_const(NULL) == NULL)
DEFINE_GROUP(tensor_h, "tensor.h", TENSOR_CASES, TENSOR_CHECKS)

/* ---- rng.h -------------------------------------------------------------------------------- */
#define RNG_CASES(X)                                                                       \
    X(pml_rand_u32, S_INVALID, pml_rand_u32(NULL, 1, 2, 3))                                \
    X(pml_rand_u32, S_INVALID, pml_rand_u32(f->a, 1, 2, 3)) /* f32, needs u32 */           \
    X(pml_rand_uniform, S_INVALID, pml_rand_uniform(NULL, 1, 2, 3))                        \
    X(pml_rand_uniform, S_INVALID, pml_rand_uniform(f->i32, 1, 2, 3))                      \
    X(pml_rand_normal, S_INVALID, pml_rand_normal(NULL, 1, 2, 3, 0.0f, 1.0f))              \
    X(pml_rand_normal, S_INVALID, pml_rand_normal(f->i32, 1, 2, 3, 0.0f, 1.0f))            \
    X(pml_rand_normal, S_INVALID, pml_rand_normal(f->a, 1, 2, 3, 0.0f, -1.0f))             \
    X(pml_rand_normal, S_INVALID, pml_rand_normal(f->a, 1, 2, 3, 0.0f, NAN))               \
    X(pml_rand_normal, S_INVALID, pml_rand_normal(f->a, 1, 2, 3, INFINITY, 1.0f))
#define RNG_CHECKS(Y)                                                                      \
    Y(pml_philox4x32_10, (pml_philox4x32_10(NULL, f->key, f->word), f->word[0] == 0))      \
    Y(pml_philox4x32_10, (pml_philox4x32_10(f->ctr, NULL, f->word), f->word[0] == 0))      \
    Y(pml_philox4x32_10, (pml_philox4x32_10(f->ctr, f->key, NULL), 1))
DEFINE_GROUP(rng_h, "rng.h", RNG_CASES, RNG_CHECKS)

/* ---- blas.h: valid calls are C(2x2) = A(2x3) B(3x2) ---------------------------------------- */
#define BLAS_CASES(X)                                                                      \
    X(pml_gemm, S_INVALID, pml_gemm(NULL, 0, 0, 2, 2, 3, 1.0, f->a, f->b, 0.0, f->c))      \
    X(pml_gemm, S_INVALID, pml_gemm(f->dev, 0, 0, 2, 2, 3, 1.0, NULL, f->b, 0.0, f->c))    \
    X(pml_gemm, S_INVALID, pml_gemm(f->dev, 0, 0, 2, 2, 3, 1.0, f->a, NULL, 0.0, f->c))    \
    X(pml_gemm, S_INVALID, pml_gemm(f->dev, 0, 0, 2, 2, 3, 1.0, f->a, f->b, 0.0, NULL))    \
    X(pml_gemm, S_INVALID, pml_gemm(f->dev, 0, 0, -1, 2, 3, 1.0, f->a, f->b, 0.0, f->c))   \
    X(pml_gemm, S_INVALID, pml_gemm(f->dev, 0, 0, 2, -1, 3, 1.0, f->a, f->b, 0.0, f->c))   \
    X(pml_gemm, S_INVALID, pml_gemm(f->dev, 0, 0, 2, 2, -1, 1.0, f->a, f->b, 0.0, f->c))   \
    X(pml_gemm, S_INVALID, pml_gemm(f->dev, 0, 0, 3, 2, 3, 1.0, f->a, f->b, 0.0, f->c))    \
    X(pml_gemm, S_INVALID,                                                                 \
      pml_gemm(f->dev, (pml_transpose)7, 0, 2, 2, 2, 1.0, f->a, f->b, 0.0, f->c))          \
    X(pml_gemm, S_INVALID, pml_gemm(f->dev, 0, 0, 2, 2, 3, 1.0, f->a, f->b, 0.0, f->d64))  \
    X(pml_gemm, S_INVALID, pml_gemm(f->dev, 0, 0, 2, 2, 2, 1.0, f->i22, f->i22, 0.0, f->i22)) \
    X(pml_gemm, S_INVALID, pml_gemm(f->dev, 0, 0, 2, 2, 3, 1.0, f->v6, f->b, 0.0, f->c))   \
    X(pml_gemm, S_INVALID, pml_gemm(f->dev, 0, 0, 2, 2, 2, 1.0, f->c, f->c, 0.0, f->c))    \
    X(pml_gemm, S_MISMATCH, pml_gemm(f->dev, 0, 0, 2, 2, 2, 1.0, f->far, f->b, 0.0, f->c)) \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(NULL, 0, 0, 2, 2, 3, 1.0, MREF(f->a, 0, 3),      \
                                          MREF(f->b, 0, 2), 0.0, f->c, 0, 2))              \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(f->dev, 0, 0, 2, 2, 3, 1.0, MREF(NULL, 0, 3),    \
                                          MREF(f->b, 0, 2), 0.0, f->c, 0, 2))              \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(f->dev, 0, 0, 2, 2, 3, 1.0, MREF(f->a, 0, 3),    \
                                          MREF(NULL, 0, 2), 0.0, f->c, 0, 2))              \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(f->dev, 0, 0, 2, 2, 3, 1.0, MREF(f->a, 0, 3),    \
                                          MREF(f->b, 0, 2), 0.0, NULL, 0, 2))              \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(f->dev, 0, 0, -2, 2, 3, 1.0, MREF(f->a, 0, 3),   \
                                          MREF(f->b, 0, 2), 0.0, f->c, 0, 2))              \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(f->dev, 0, (pml_transpose)9, 2, 2, 3, 1.0,       \
                                          MREF(f->a, 0, 3), MREF(f->b, 0, 2), 0.0, f->c, 0, 2)) \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(f->dev, 0, 0, 2, 2, 3, 1.0, MREF(f->a, -1, 3),   \
                                          MREF(f->b, 0, 2), 0.0, f->c, 0, 2))              \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(f->dev, 0, 0, 2, 2, 3, 1.0, MREF(f->a, 0, 2),    \
                                          MREF(f->b, 0, 2), 0.0, f->c, 0, 2))              \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(f->dev, 0, 0, 2, 2, 3, 1.0, MREF(f->a, 1, 3),    \
                                          MREF(f->b, 0, 2), 0.0, f->c, 0, 2))              \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(f->dev, 0, 0, 2, 2, 3, 1.0, MREF(f->a, 0, 3),    \
                                          MREF(f->b, 0, 2), 0.0, f->c, -1, 2))             \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(f->dev, 0, 0, 2, 2, 3, 1.0, MREF(f->a, 0, 3),    \
                                          MREF(f->b, 0, 2), 0.0, f->c, 0, 1ll << 32))      \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(f->dev, 0, 0, 2, 2, 3, 1.0, MREF(f->a, 0, 3),    \
                                          MREF(f->b, 0, 2), 0.0, f->d64, 0, 2))            \
    X(pml_gemm_ex, S_INVALID, pml_gemm_ex(f->dev, 0, 0, 2, 2, 3, 1.0, MREF(f->a, 0, 3),    \
                                          MREF(f->a, 0, 2), 0.0, f->a, 0, 2))              \
    X(pml_gemm_ex, S_MISMATCH, pml_gemm_ex(f->dev, 0, 0, 2, 2, 3, 1.0, MREF(f->a, 0, 3),   \
                                           MREF(f->b, 0, 2), 0.0, f->far, 0, 2))           \
    X(pml_axpy, S_INVALID, pml_axpy(NULL, 1.0, f->c, f->c))                                \
    X(pml_axpy, S_INVALID, pml_axpy(f->dev, 1.0, NULL, f->c))                              \
    X(pml_axpy, S_INVALID, pml_axpy(f->dev, 1.0, f->c, NULL))                              \
    X(pml_axpy, S_INVALID, pml_axpy(f->dev, 1.0, f->d64, f->c)) /* dtypes differ */        \
    X(pml_axpy, S_INVALID, pml_axpy(f->dev, 1.0, f->a, f->c))   /* sizes differ */         \
    X(pml_axpy, S_INVALID, pml_axpy(f->dev, 1.0, f->i22, f->i22))                          \
    X(pml_axpy, S_MISMATCH, pml_axpy(f->dev, 1.0, f->c, f->far))                           \
    X(pml_scale, S_INVALID, pml_scale(NULL, 2.0, f->c))                                    \
    X(pml_scale, S_INVALID, pml_scale(f->dev, 2.0, NULL))                                  \
    X(pml_scale, S_INVALID, pml_scale(f->dev, 2.0, f->i22))                                \
    X(pml_scale, S_MISMATCH, pml_scale(f->dev, 2.0, f->far))                               \
    X(pml_sum, S_INVALID, pml_sum(NULL, f->c, &f->dval))                                   \
    X(pml_sum, S_INVALID, pml_sum(f->dev, NULL, &f->dval))                                 \
    X(pml_sum, S_INVALID, pml_sum(f->dev, f->c, NULL))                                     \
    X(pml_sum, S_MISMATCH, pml_sum(f->dev, f->far, &f->dval))
DEFINE_GROUP(blas_h, "blas.h", BLAS_CASES, NO_CASES)

/* ---- data.h: ds is 4 examples of 2x3 pixels, 3 classes ------------------------------------ */
#define IDX(dtype, ndim, d0, data) (&(const pml_idx){(dtype), (ndim), {(d0)}, (data)})
#define BATCH(start, count, scaling, aug, step, x, labels) \
    pml_dataset_batch(f->ds, start, count, scaling, aug, 1, step, x, labels)
#define DATA_CASES(X)                                                                      \
    X(pml_idx_read, S_INVALID, pml_idx_read(NULL, &f->idx))                                \
    X(pml_idx_read, S_INVALID, pml_idx_read(f->missing, NULL))                             \
    X(pml_idx_read, S_IO, pml_idx_read(f->missing, &f->idx))                               \
    X(pml_idx_write, S_INVALID, pml_idx_write(NULL, &f->idx_ok))                           \
    X(pml_idx_write, S_INVALID, pml_idx_write(f->path, NULL))                              \
    X(pml_idx_write, S_INVALID, pml_idx_write(f->path, IDX(PML_U8, 1, 4, NULL)))           \
    X(pml_idx_write, S_INVALID, pml_idx_write(f->path, IDX(PML_U8, 0, 4, f->pixels)))      \
    X(pml_idx_write, S_INVALID, pml_idx_write(f->path, IDX(PML_U8, 5, 4, f->pixels)))      \
    X(pml_idx_write, S_INVALID, pml_idx_write(f->path, IDX(PML_U8, 1, 0, f->pixels)))      \
    X(pml_idx_write, S_UNSUPPORTED, pml_idx_write(f->path, IDX(PML_U32, 1, 4, f->pixels))) \
    X(pml_idx_write, S_INVALID, pml_idx_write(f->path, IDX((pml_dtype)99, 1, 4, f->pixels))) \
    X(pml_idx_write, S_IO, pml_idx_write(f->unwritable, &f->idx_ok))                       \
    X(pml_dataset_load, S_INVALID, pml_dataset_load(f->dev, f->missing, PML_SPLIT_TRAIN, NULL)) \
    X(pml_dataset_load, S_INVALID,                                                         \
      pml_dataset_load(NULL, f->missing, PML_SPLIT_TRAIN, &f->out_ds))                     \
    X(pml_dataset_load, S_INVALID,                                                         \
      pml_dataset_load(f->dev, f->missing, (pml_split)2, &f->out_ds))                      \
    X(pml_dataset_load, S_IO, pml_dataset_load(f->dev, f->missing, PML_SPLIT_TEST, &f->out_ds)) \
    X(pml_dataset_load, S_IO, /* dir NULL: $PML_DATA_DIR */                                \
      (setenv("PML_DATA_DIR", f->missing, 1), pml_dataset_load(f->dev, NULL, 0, &f->out_ds))) \
    X(pml_dataset_from_host, S_INVALID,                                                    \
      pml_dataset_from_host(NULL, 4, 2, 3, f->pixels, f->labels, 3, &f->out_ds))           \
    X(pml_dataset_from_host, S_INVALID,                                                    \
      pml_dataset_from_host(f->dev, 4, 2, 3, NULL, f->labels, 3, &f->out_ds))              \
    X(pml_dataset_from_host, S_INVALID,                                                    \
      pml_dataset_from_host(f->dev, 4, 2, 3, f->pixels, NULL, 3, &f->out_ds))              \
    X(pml_dataset_from_host, S_INVALID,                                                    \
      pml_dataset_from_host(f->dev, 4, 2, 3, f->pixels, f->labels, 3, NULL))               \
    X(pml_dataset_from_host, S_INVALID,                                                    \
      pml_dataset_from_host(f->dev, 0, 2, 3, f->pixels, f->labels, 3, &f->out_ds))         \
    X(pml_dataset_from_host, S_INVALID,                                                    \
      pml_dataset_from_host(f->dev, -4, 2, 3, f->pixels, f->labels, 3, &f->out_ds))        \
    X(pml_dataset_from_host, S_INVALID,                                                    \
      pml_dataset_from_host(f->dev, 4, 0, 3, f->pixels, f->labels, 3, &f->out_ds))         \
    X(pml_dataset_from_host, S_INVALID,                                                    \
      pml_dataset_from_host(f->dev, 4, 2, -3, f->pixels, f->labels, 3, &f->out_ds))        \
    X(pml_dataset_from_host, S_INVALID,                                                    \
      pml_dataset_from_host(f->dev, 4, 2, 3, f->pixels, f->labels, 0, &f->out_ds))         \
    X(pml_dataset_from_host, S_INVALID,                                                    \
      pml_dataset_from_host(f->dev, 4, 2, 3, f->pixels, f->labels, 257, &f->out_ds))       \
    X(pml_dataset_from_host, S_INVALID,                                                    \
      pml_dataset_from_host(f->dev, 4, 2, 3, f->pixels, f->labels_bad, 3, &f->out_ds))     \
    X(pml_dataset_pixel_stats, S_INVALID, pml_dataset_pixel_stats(NULL, &f->dval, &f->dval2)) \
    X(pml_dataset_pixel_stats, S_OK, pml_dataset_pixel_stats(f->ds, NULL, NULL))           \
    X(pml_dataset_set_pixel_stats, S_INVALID, pml_dataset_set_pixel_stats(NULL, 0.5, 0.2)) \
    X(pml_dataset_set_pixel_stats, S_INVALID, pml_dataset_set_pixel_stats(f->ds, 0.5, 0.0)) \
    X(pml_dataset_set_pixel_stats, S_INVALID, pml_dataset_set_pixel_stats(f->ds, 0.5, -1.0)) \
    X(pml_dataset_set_pixel_stats, S_INVALID, pml_dataset_set_pixel_stats(f->ds, NAN, 0.2)) \
    X(pml_dataset_set_pixel_stats, S_INVALID,                                              \
      pml_dataset_set_pixel_stats(f->ds, 0.5, INFINITY))                                   \
    X(pml_dataset_split, S_INVALID, pml_dataset_split(NULL, 0.25, 1, &f->out_ds, &f->out_ds2)) \
    X(pml_dataset_split, S_INVALID, pml_dataset_split(f->ds, 0.25, 1, NULL, &f->out_ds2))  \
    X(pml_dataset_split, S_INVALID, pml_dataset_split(f->ds, 0.25, 1, &f->out_ds, NULL))   \
    X(pml_dataset_split, S_INVALID, pml_dataset_split(f->ds, 1.0, 1, &f->out_ds, &f->out_ds2)) \
    X(pml_dataset_split, S_INVALID,                                                        \
      pml_dataset_split(f->ds, -0.1, 1, &f->out_ds, &f->out_ds2))                          \
    X(pml_dataset_split, S_INVALID, pml_dataset_split(f->ds, NAN, 1, &f->out_ds, &f->out_ds2)) \
    X(pml_dataset_split, S_INVALID,                                                        \
      pml_dataset_split(f->ds, 0.9, 1, &f->out_ds, &f->out_ds2)) /* no training examples */ \
    X(pml_dataset_split, S_OK, pml_dataset_split(f->ds, 0.0, 1, &f->out_ds, &f->out_ds2))  \
    X(pml_dataset_head, S_INVALID, pml_dataset_head(NULL, 2, &f->out_ds))                  \
    X(pml_dataset_head, S_INVALID, pml_dataset_head(f->ds, 2, NULL))                       \
    X(pml_dataset_head, S_INVALID, pml_dataset_head(f->ds, 0, &f->out_ds))                 \
    X(pml_dataset_head, S_INVALID, pml_dataset_head(f->ds, 5, &f->out_ds))                 \
    X(pml_dataset_shuffle, S_INVALID, pml_dataset_shuffle(NULL, 1, 0))                     \
    X(pml_dataset_shuffle, S_INVALID, pml_dataset_shuffle(f->ds, 1, 1ull << 48))           \
    X(pml_dataset_batch, S_INVALID,                                                        \
      pml_dataset_batch(NULL, 0, 2, PML_SCALE_UNIT, NULL, 1, 0, f->x, f->i32))             \
    X(pml_dataset_batch, S_INVALID, BATCH(0, 2, PML_SCALE_UNIT, NULL, 0, NULL, f->i32))    \
    X(pml_dataset_batch, S_INVALID, BATCH(-1, 2, PML_SCALE_UNIT, NULL, 0, f->x, f->i32))   \
    X(pml_dataset_batch, S_INVALID, BATCH(0, -2, PML_SCALE_UNIT, NULL, 0, f->x, f->i32))   \
    X(pml_dataset_batch, S_INVALID, BATCH(3, 2, PML_SCALE_UNIT, NULL, 0, f->x, f->i32))    \
    X(pml_dataset_batch, S_INVALID, BATCH(0, 2, (pml_scaling)9, NULL, 0, f->x, f->i32))    \
    X(pml_dataset_batch, S_INVALID,                                                        \
      BATCH(0, 2, PML_SCALE_UNIT, AUG(-1, 0, 0.0f), 0, f->x, f->i32))                      \
    X(pml_dataset_batch, S_INVALID,                                                        \
      BATCH(0, 2, PML_SCALE_UNIT, AUG(2, 0, 0.0f), 0, f->x, f->i32)) /* shift >= rows */   \
    X(pml_dataset_batch, S_INVALID,                                                        \
      BATCH(0, 2, PML_SCALE_UNIT, AUG(0, 0, -1.0f), 0, f->x, f->i32))                      \
    X(pml_dataset_batch, S_INVALID,                                                        \
      BATCH(0, 2, PML_SCALE_UNIT, AUG(0, 0, NAN), 0, f->x, f->i32))                        \
    X(pml_dataset_batch, S_INVALID, BATCH(0, 2, PML_SCALE_UNIT, NULL, 1ull << 48, f->x, f->i32)) \
    X(pml_dataset_batch, S_INVALID, BATCH(0, 2, PML_SCALE_UNIT, NULL, 0, f->i22, f->i32))  \
    X(pml_dataset_batch, S_INVALID, BATCH(0, 3, PML_SCALE_UNIT, NULL, 0, f->x26, NULL))    \
    X(pml_dataset_batch, S_INVALID, BATCH(0, 2, PML_SCALE_UNIT, NULL, 0, f->c, f->i32))    \
    X(pml_dataset_batch, S_INVALID, BATCH(0, 2, PML_SCALE_UNIT, NULL, 0, f->x, f->v6))     \
    X(pml_dataset_batch, S_INVALID, BATCH(0, 3, PML_SCALE_UNIT, NULL, 0, f->x, f->lab2))   \
    X(pml_dataset_batch, S_MISMATCH, BATCH(0, 2, PML_SCALE_UNIT, NULL, 0, f->far, f->i32)) \
    X(pml_dataset_batch, S_MISMATCH, BATCH(0, 2, PML_SCALE_UNIT, NULL, 0, f->x, f->far_i32)) \
    X(pml_dataset_batch, S_OK, BATCH(0, 2, PML_SCALE_UNIT, NULL, 0, f->x, NULL))           \
    PARSE_CASES(X, pml_scaling_parse, "standard", "Standard", &f->scaling)
#define DATA_CHECKS(Y)                                                                     \
    Y(pml_idx_free, (pml_idx_free(NULL), 1))                                               \
    Y(pml_idx_free, (pml_idx_free(&f->idx), 1)) /* zeroed */                               \
    Y(pml_dataset_destroy, (pml_dataset_destroy(NULL), 1))                                 \
    Y(pml_dataset_size, pml_dataset_size(NULL) == 0)                                       \
    Y(pml_dataset_rows, pml_dataset_rows(NULL) == 0)                                       \
    Y(pml_dataset_cols, pml_dataset_cols(NULL) == 0)                                       \
    Y(pml_dataset_features, pml_dataset_features(NULL) == 0)                               \
    Y(pml_dataset_classes, pml_dataset_classes(NULL) == 0)                                 \
    Y(pml_dataset_device, pml_dataset_device(NULL) == NULL)                                \
    Y(pml_scaling_name, strcmp(pml_scaling_name((pml_scaling)99), "?") == 0)               \
    Y(pml_scaling_name, strcmp(pml_scaling_name((pml_scaling)-1), "?") == 0)
DEFINE_GROUP(data_h, "data.h", DATA_CASES, DATA_CHECKS)

/* ---- io.h --------------------------------------------------------------------------------- */
/* The cases of a reader fn(dev, path, out): out NULL, dev NULL, path NULL, a missing file. */
#define READER_CASES(X, fn, out)                                                           \
    X(fn, S_INVALID, fn(f->dev, f->missing, NULL))                                         \
    X(fn, S_INVALID, fn(NULL, f->missing, out))                                            \
    X(fn, S_INVALID, fn(f->dev, NULL, out))                                                \
    X(fn, S_IO, fn(f->dev, f->missing, out))
#define ST_WRITE(tensors, count, meta) pml_safetensors_write(f->path, tensors, count, meta)
#define IO_CASES(X)                                                                        \
    X(pml_npy_write, S_INVALID, pml_npy_write(NULL, f->a))                                 \
    X(pml_npy_write, S_INVALID, pml_npy_write(f->path, NULL))                              \
    X(pml_npy_write, S_IO, pml_npy_write(f->unwritable, f->a))                             \
    READER_CASES(X, pml_npy_read, &f->out_t)                                               \
    X(pml_safetensors_write, S_INVALID,                                                    \
      pml_safetensors_write(NULL, NAMED({"w", f->a}), 1, NULL))                            \
    X(pml_safetensors_write, S_INVALID, ST_WRITE(NULL, 1, NULL))                           \
    X(pml_safetensors_write, S_INVALID, ST_WRITE(NAMED({"w", f->a}), -1, NULL))            \
    X(pml_safetensors_write, S_INVALID, ST_WRITE(NAMED({NULL, f->a}), 1, NULL))            \
    X(pml_safetensors_write, S_INVALID, ST_WRITE(NAMED({"", f->a}), 1, NULL))              \
    X(pml_safetensors_write, S_INVALID, ST_WRITE(NAMED({"__metadata__", f->a}), 1, NULL))  \
    X(pml_safetensors_write, S_INVALID, ST_WRITE(NAMED({"w", NULL}), 1, NULL))             \
    X(pml_safetensors_write, S_INVALID, ST_WRITE(NAMED({"w", f->a}, {"w", f->c}), 2, NULL)) \
    X(pml_safetensors_write, S_INVALID,                                                    \
      ST_WRITE(NAMED({"w", f->a}), 1, STRINGS("key", NULL, NULL)))                         \
    X(pml_safetensors_write, S_INVALID,                                                    \
      ST_WRITE(NAMED({"w", f->a}), 1, STRINGS("k", "v", "k", "v", NULL)))                  \
    X(pml_safetensors_write, S_IO,                                                         \
      pml_safetensors_write(f->unwritable, NAMED({"w", f->a}), 1, NULL))                   \
    X(pml_safetensors_write, S_OK, ST_WRITE(NULL, 0, NULL)) /* no tensors */               \
    READER_CASES(X, pml_safetensors_read, &f->st)
#define IO_CHECKS(Y)                                                                       \
    Y(pml_safetensors_free, (pml_safetensors_free(NULL), 1))                               \
    Y(pml_safetensors_free, (pml_safetensors_free(&f->st_zero), 1))                        \
    Y(pml_safetensors_find, pml_safetensors_find(NULL, "w") == NULL)                       \
    Y(pml_safetensors_find, pml_safetensors_find(&f->st_zero, NULL) == NULL)               \
    Y(pml_safetensors_meta, pml_safetensors_meta(NULL, "k") == NULL)                       \
    Y(pml_safetensors_meta, pml_safetensors_meta(&f->st_zero, NULL) == NULL)
DEFINE_GROUP(io_h, "io.h", IO_CASES, IO_CHECKS)

/* ---- ising.h: f->ising is 2 replicas of 4x4, icfg a valid config of 1 replica ------------- */
#define CREATE(cfg, T, B) pml_ising_create(f->dev, cfg, T, B, &f->out_ising)
#define MIXED(cfg, lx, ly, T) pml_ising_create_mixed(f->dev, cfg, lx, ly, T, NULL, &f->out_ising)
#define ROOTS(T, B, J, q, cap) pml_meanfield_roots(T, B, J, q, f->roots, cap, &f->ival)
/* two temperatures T2, and the cumulants there of a small (US) and a large (UL) lattice,
 * which cross */
#define BINDER(T, us, ul, n) pml_ising_binder_crossing(T, us, ul, n, &f->dval)
#define T2 DOUBLES(2.0, 2.5)
#define US DOUBLES(0.6, 0.4)
#define UL DOUBLES(0.7, 0.3)
#define ISING_CASES(X)                                                                     \
    X(pml_ising_create, S_INVALID,                                                         \
      pml_ising_create(NULL, &f->icfg, DOUBLES(2.0), NULL, &f->out_ising))                 \
    X(pml_ising_create, S_INVALID, CREATE(NULL, DOUBLES(2.0), NULL))                       \
    X(pml_ising_create, S_INVALID, CREATE(&f->icfg, NULL, NULL))                           \
    X(pml_ising_create, S_INVALID, pml_ising_create(f->dev, &f->icfg, DOUBLES(2.0), NULL, NULL)) \
    X(pml_ising_create, S_INVALID, CREATE(IC(replicas, 0), DOUBLES(2.0), NULL))            \
    X(pml_ising_create, S_INVALID, CREATE(IC(replicas, (1 << 24) + 1), DOUBLES(2.0), NULL)) \
    X(pml_ising_create, S_INVALID, CREATE(IC(lx, 3), DOUBLES(2.0), NULL))                  \
    X(pml_ising_create, S_INVALID, CREATE(IC(lx, 0), DOUBLES(2.0), NULL))                  \
    X(pml_ising_create, S_INVALID, CREATE(IC(ly, -2), DOUBLES(2.0), NULL))                 \
    X(pml_ising_create, S_INVALID, CREATE(IC(lx, 1 << 21), DOUBLES(2.0), NULL))            \
    X(pml_ising_create, S_INVALID, CREATE(IC(J, NAN), DOUBLES(2.0), NULL))                 \
    X(pml_ising_create, S_INVALID, CREATE(IC(rule, (pml_ising_rule)5), DOUBLES(2.0), NULL)) \
    X(pml_ising_create, S_INVALID, CREATE(&f->icfg, DOUBLES(0.0), NULL))                   \
    X(pml_ising_create, S_INVALID, CREATE(&f->icfg, DOUBLES(-1.0), NULL))                  \
    X(pml_ising_create, S_INVALID, CREATE(&f->icfg, DOUBLES(NAN), NULL))                   \
    X(pml_ising_create, S_INVALID, CREATE(&f->icfg, DOUBLES(2.0), DOUBLES(INFINITY)))      \
    X(pml_ising_create, S_OK, CREATE(&f->icfg, DOUBLES(2.0), NULL)) /* B NULL: zero */     \
    X(pml_ising_create_mixed, S_INVALID,                                                   \
      pml_ising_create_mixed(NULL, &f->icfg, I64S(4), I64S(4), DOUBLES(2.0), NULL, &f->out_ising)) \
    X(pml_ising_create_mixed, S_INVALID, MIXED(NULL, I64S(4), I64S(4), DOUBLES(2.0)))      \
    X(pml_ising_create_mixed, S_INVALID, MIXED(&f->icfg, NULL, I64S(4), DOUBLES(2.0)))     \
    X(pml_ising_create_mixed, S_INVALID, MIXED(&f->icfg, I64S(4), NULL, DOUBLES(2.0)))     \
    X(pml_ising_create_mixed, S_INVALID, MIXED(&f->icfg, I64S(4), I64S(4), NULL))          \
    X(pml_ising_create_mixed, S_INVALID,                                                   \
      pml_ising_create_mixed(f->dev, &f->icfg, I64S(4), I64S(4), DOUBLES(2.0), NULL, NULL)) \
    X(pml_ising_create_mixed, S_INVALID, MIXED(&f->icfg, I64S(3), I64S(4), DOUBLES(2.0)))  \
    X(pml_ising_create_mixed, S_INVALID, MIXED(IC(replicas, 0), I64S(4), I64S(4), DOUBLES(2.0))) \
    X(pml_ising_init, S_INVALID, pml_ising_init(NULL, PML_ISING_COLD))                     \
    X(pml_ising_init, S_INVALID, pml_ising_init(f->ising, (pml_ising_start)5))             \
    X(pml_ising_set_params, S_INVALID, pml_ising_set_params(NULL, DOUBLES(2.0, 3.0), NULL)) \
    X(pml_ising_set_params, S_INVALID, pml_ising_set_params(f->ising, NULL, NULL))         \
    X(pml_ising_set_params, S_INVALID, pml_ising_set_params(f->ising, DOUBLES(2.0, 0.0), NULL)) \
    X(pml_ising_set_params, S_INVALID,                                                     \
      pml_ising_set_params(f->ising, DOUBLES(2.0, 3.0), DOUBLES(0.0, NAN)))                \
    X(pml_ising_set_params, S_OK, pml_ising_set_params(f->ising, DOUBLES(2.0, 3.0), NULL)) \
    X(pml_ising_sweep, S_INVALID, pml_ising_sweep(NULL, 1))                                \
    X(pml_ising_sweep, S_INVALID, pml_ising_sweep(f->ising, -1))                           \
    X(pml_ising_sample, S_INVALID, pml_ising_sample(NULL, 1))                              \
    X(pml_ising_sample, S_INVALID, pml_ising_sample(f->ising, -1))                         \
    X(pml_ising_reset_stats, S_INVALID, pml_ising_reset_stats(NULL))                       \
    X(pml_ising_stats_get, S_INVALID, pml_ising_stats_get(NULL, f->stats, 2))              \
    X(pml_ising_stats_get, S_INVALID, pml_ising_stats_get(f->ising, NULL, 2))              \
    X(pml_ising_stats_get, S_INVALID, pml_ising_stats_get(f->ising, f->stats, -1))         \
    X(pml_ising_stats_get, S_INVALID, pml_ising_stats_get(f->ising, f->stats, 3))          \
    BUFFER_CASES(X, pml_ising_get_spins, f->ising, f->spins, 32, 31)                       \
    BUFFER_CASES(X, pml_ising_set_spins, f->ising, f->spins, 32, 33)                       \
    X(pml_ising_set_spins, S_INVALID, pml_ising_set_spins(f->ising, f->zeros, 32))         \
    X(pml_ising_get_config, S_INVALID, pml_ising_get_config(NULL, &f->cfg_out))            \
    X(pml_ising_get_config, S_INVALID, pml_ising_get_config(f->ising, NULL))               \
    X(pml_ising_replica_size, S_INVALID, pml_ising_replica_size(NULL, 0, &f->i64, &f->i64b)) \
    X(pml_ising_replica_size, S_INVALID, pml_ising_replica_size(f->ising, 0, NULL, &f->i64b)) \
    X(pml_ising_replica_size, S_INVALID, pml_ising_replica_size(f->ising, 0, &f->i64, NULL)) \
    X(pml_ising_replica_size, S_INVALID, pml_ising_replica_size(f->ising, -1, &f->i64, &f->i64b)) \
    X(pml_ising_replica_size, S_INVALID, pml_ising_replica_size(f->ising, 2, &f->i64, &f->i64b)) \
    X(pml_ising_replica_offset, S_INVALID, pml_ising_replica_offset(NULL, 0, &f->off))     \
    X(pml_ising_replica_offset, S_INVALID, pml_ising_replica_offset(f->ising, 0, NULL))    \
    X(pml_ising_replica_offset, S_INVALID, pml_ising_replica_offset(f->ising, -1, &f->off)) \
    X(pml_ising_replica_offset, S_INVALID, pml_ising_replica_offset(f->ising, 2, &f->off)) \
    X(pml_ising_save, S_INVALID, pml_ising_save(NULL, f->path))                            \
    X(pml_ising_save, S_INVALID, pml_ising_save(f->ising, NULL))                           \
    X(pml_ising_save, S_IO, pml_ising_save(f->ising, f->unwritable))                       \
    READER_CASES(X, pml_ising_load, &f->out_ising)                                         \
    X(pml_meanfield_roots, S_INVALID, pml_meanfield_roots(1.0, 0.0, 1.0, 4, NULL, 3, &f->ival)) \
    X(pml_meanfield_roots, S_INVALID, pml_meanfield_roots(1.0, 0.0, 1.0, 4, f->roots, 3, NULL)) \
    X(pml_meanfield_roots, S_INVALID, ROOTS(0.0, 0.0, 1.0, 4, 3))                          \
    X(pml_meanfield_roots, S_INVALID, ROOTS(NAN, 0.0, 1.0, 4, 3))                          \
    X(pml_meanfield_roots, S_INVALID, ROOTS(1.0, INFINITY, 1.0, 4, 3))                     \
    X(pml_meanfield_roots, S_INVALID, ROOTS(1.0, 0.0, NAN, 4, 3))                          \
    X(pml_meanfield_roots, S_INVALID, ROOTS(1.0, 0.0, 1.0, 0, 3))                          \
    X(pml_meanfield_roots, S_INVALID, ROOTS(1.0, 0.0, 1.0, 4, -1))                         \
    X(pml_ising_binder_crossing, S_INVALID, BINDER(NULL, US, UL, 2))                       \
    X(pml_ising_binder_crossing, S_INVALID, BINDER(T2, NULL, UL, 2))                       \
    X(pml_ising_binder_crossing, S_INVALID, BINDER(T2, US, NULL, 2))                       \
    X(pml_ising_binder_crossing, S_INVALID, pml_ising_binder_crossing(T2, US, UL, 2, NULL)) \
    X(pml_ising_binder_crossing, S_INVALID, BINDER(T2, US, UL, 1))                         \
    X(pml_ising_binder_crossing, S_INVALID, BINDER(DOUBLES(2.5, 2.0), US, UL, 2))          \
    X(pml_ising_binder_crossing, S_INVALID, BINDER(DOUBLES(2.0, INFINITY), US, UL, 2))     \
    X(pml_ising_binder_crossing, S_INVALID, BINDER(T2, DOUBLES(0.6, NAN), UL, 2))          \
    X(pml_ising_binder_crossing, S_INVALID, BINDER(T2, UL, US, 2)) /* no crossing */       \
    X(pml_ising_binder_crossing, S_OK, BINDER(T2, US, UL, 2))
#define ISING_CHECKS(Y)                                                                    \
    Y(pml_ising_destroy, (pml_ising_destroy(NULL), 1))                                     \
    Y(pml_ising_sweeps_done, pml_ising_sweeps_done(NULL) < 0)                              \
    Y(pml_ising_spin_count, pml_ising_spin_count(NULL) == 0)                               \
    Y(pml_ising_device, pml_ising_device(NULL) == NULL)                                    \
    Y(pml_ising_onsager_energy, isnan(pml_ising_onsager_energy(0.0, 1.0)))                 \
    Y(pml_ising_onsager_energy, isnan(pml_ising_onsager_energy(1.0, -1.0)))                \
    Y(pml_ising_onsager_c, isnan(pml_ising_onsager_c(-1.0, 1.0)))                          \
    Y(pml_ising_onsager_c, isnan(pml_ising_onsager_c(1.0, 0.0)))                           \
    Y(pml_ising_yang_m, isnan(pml_ising_yang_m(0.0, 1.0)))                                 \
    Y(pml_ising_yang_m, isnan(pml_ising_yang_m(1.0, -1.0)))
DEFINE_GROUP(ising_h, "ising.h", ISING_CASES, ISING_CHECKS)

/* ---- nn.h, layers and models: f->model is "dense:3" on 6 inputs, max batch 4 -------------- */
#define DENSE_OPTS(init, sigma) (&(const pml_dense_opts){1, (init), (sigma)})
#define SPEC(spec) pml_model_from_spec(f->dev, spec, 6, 4, PML_INIT_HE, 0.0f, 1, &f->out_model)
#define FORWARD(m, x, batch) pml_model_forward(m, x, batch, &f->cy)
#define NN_MODEL_CASES(X)                                                                  \
    X(pml_model_create, S_INVALID, pml_model_create(NULL, PML_F32, 6, 4, &f->out_model))   \
    X(pml_model_create, S_INVALID, pml_model_create(f->dev, PML_F32, 6, 4, NULL))          \
    X(pml_model_create, S_INVALID, pml_model_create(f->dev, PML_I32, 6, 4, &f->out_model)) \
    X(pml_model_create, S_INVALID, pml_model_create(f->dev, (pml_dtype)99, 6, 4, &f->out_model)) \
    X(pml_model_create, S_INVALID, pml_model_create(f->dev, PML_F32, 0, 4, &f->out_model)) \
    X(pml_model_create, S_INVALID, pml_model_create(f->dev, PML_F32, 6, 0, &f->out_model)) \
    X(pml_model_create, S_INVALID, pml_model_create(f->dev, PML_F32, -6, 4, &f->out_model)) \
    X(pml_model_add_dense, S_INVALID, pml_model_add_dense(NULL, 3, NULL, 1))               \
    X(pml_model_add_dense, S_INVALID, pml_model_add_dense(f->empty, 0, NULL, 1))           \
    X(pml_model_add_dense, S_INVALID, pml_model_add_dense(f->empty, (1 << 24) + 1, NULL, 1)) \
    X(pml_model_add_dense, S_INVALID,                                                      \
      pml_model_add_dense(f->empty, 3, DENSE_OPTS((pml_init)99, 0.1f), 1))                 \
    X(pml_model_add_dense, S_INVALID,                                                      \
      pml_model_add_dense(f->empty, 3, DENSE_OPTS(PML_INIT_NORMAL, 0.0f), 1))              \
    X(pml_model_add_dense, S_INVALID,                                                      \
      pml_model_add_dense(f->empty, 3, DENSE_OPTS(PML_INIT_NORMAL, NAN), 1))               \
    X(pml_model_add_dense, S_INVALID, pml_model_add_dense(f->full, 3, NULL, 1)) /* 65th */ \
    X(pml_model_add_activation, S_INVALID, pml_model_add_activation(NULL, PML_ACT_RELU, 0.0f)) \
    X(pml_model_add_activation, S_INVALID,                                                 \
      pml_model_add_activation(f->empty, (pml_activation)99, 0.0f))                        \
    X(pml_model_add_activation, S_INVALID,                                                 \
      pml_model_add_activation(f->empty, (pml_activation)-1, 0.0f))                        \
    X(pml_model_add_activation, S_INVALID, pml_model_add_activation(f->full, PML_ACT_RELU, 0.0f)) \
    X(pml_model_from_spec, S_INVALID,                                                      \
      pml_model_from_spec(f->dev, "dense:3", 6, 4, PML_INIT_HE, 0.0f, 1, NULL))            \
    X(pml_model_from_spec, S_INVALID,                                                      \
      pml_model_from_spec(NULL, "dense:3", 6, 4, PML_INIT_HE, 0.0f, 1, &f->out_model))     \
    X(pml_model_from_spec, S_INVALID, SPEC(NULL))                                          \
    X(pml_model_from_spec, S_INVALID, SPEC(""))                                            \
    X(pml_model_from_spec, S_INVALID, SPEC(f->long_spec))                                  \
    X(pml_model_from_spec, S_INVALID, SPEC("dense:0"))                                     \
    X(pml_model_from_spec, S_INVALID, SPEC("dense:x"))                                     \
    X(pml_model_from_spec, S_INVALID, SPEC("dense:4:bias"))                                \
    X(pml_model_from_spec, S_INVALID, SPEC("conv:3"))                                      \
    X(pml_model_from_spec, S_INVALID, SPEC("relu:0.5"))                                    \
    X(pml_model_from_spec, S_INVALID, SPEC("leaky_relu:2"))                                \
    X(pml_model_from_spec, S_INVALID, SPEC("dense:4,,relu"))                               \
    X(pml_model_from_spec, S_INVALID, SPEC(f->spec65))                                     \
    X(pml_model_from_spec, S_INVALID,                                                      \
      pml_model_from_spec(f->dev, "dense:3", 0, 4, PML_INIT_HE, 0.0f, 1, &f->out_model))   \
    X(pml_model_from_spec, S_INVALID,                                                      \
      pml_model_from_spec(f->dev, "dense:3", 6, 0, PML_INIT_HE, 0.0f, 1, &f->out_model))   \
    X(pml_model_from_spec, S_INVALID,                                                      \
      pml_model_from_spec(f->dev, "dense:3", 6, 4, (pml_init)99, 0.0f, 1, &f->out_model))  \
    X(pml_model_from_spec, S_INVALID,                                                      \
      pml_model_from_spec(f->dev, "dense:3", 6, 4, PML_INIT_NORMAL, 0.0f, 1, &f->out_model)) \
    X(pml_model_param_tensor, S_INVALID,                                                   \
      pml_model_param_tensor(NULL, 0, &f->name, &f->pt, &f->pg))                           \
    X(pml_model_param_tensor, S_INVALID,                                                   \
      pml_model_param_tensor(f->model, -1, &f->name, &f->pt, &f->pg))                      \
    X(pml_model_param_tensor, S_INVALID,                                                   \
      pml_model_param_tensor(f->model, 2, &f->name, &f->pt, &f->pg))                       \
    X(pml_model_param_tensor, S_INVALID,                                                   \
      pml_model_param_tensor(f->empty, 0, &f->name, &f->pt, &f->pg))                       \
    X(pml_model_param_tensor, S_OK, pml_model_param_tensor(f->model, 1, NULL, NULL, NULL)) \
    X(pml_model_forward, S_INVALID, pml_model_forward(NULL, f->x, 2, &f->cy))              \
    X(pml_model_forward, S_INVALID, FORWARD(f->model, NULL, 2))                            \
    X(pml_model_forward, S_INVALID, pml_model_forward(f->model, f->x, 2, NULL))            \
    X(pml_model_forward, S_INVALID, FORWARD(f->model, f->x, 0))                            \
    X(pml_model_forward, S_INVALID, FORWARD(f->model, f->x, 5))                            \
    X(pml_model_forward, S_INVALID, FORWARD(f->model, f->d64, 2))                          \
    X(pml_model_forward, S_INVALID, FORWARD(f->model, f->c, 2)) /* 2 columns, not 6 */     \
    X(pml_model_forward, S_INVALID, FORWARD(f->model, f->x26, 3)) /* 2 rows */             \
    X(pml_model_forward, S_INVALID, FORWARD(f->empty, f->x, 2))                            \
    X(pml_model_forward, S_MISMATCH, FORWARD(f->model, f->far, 2))                         \
    X(pml_model_backward, S_INVALID, pml_model_backward(NULL, f->dy, 2))                   \
    X(pml_model_backward, S_INVALID, pml_model_backward(f->model, NULL, 2))                \
    X(pml_model_backward, S_INVALID, pml_model_backward(f->model, f->dy, 1)) /* not 2 */   \
    X(pml_model_backward, S_INVALID, pml_model_backward(f->model, f->c, 2))                \
    X(pml_model_backward, S_INVALID, pml_model_backward(f->model, f->d64, 2))              \
    X(pml_model_backward, S_INVALID, pml_model_backward(f->empty, f->dy, 2)) /* no forward */ \
    X(pml_model_backward, S_MISMATCH, pml_model_backward(f->model, f->far, 2))             \
    X(pml_model_keep_input_grad, S_INVALID, pml_model_keep_input_grad(NULL, 1))            \
    X(pml_model_copy_params, S_INVALID, pml_model_copy_params(NULL, f->model))             \
    X(pml_model_copy_params, S_INVALID, pml_model_copy_params(f->model, NULL))             \
    X(pml_model_copy_params, S_INVALID, pml_model_copy_params(f->model, f->narrow))        \
    X(pml_model_save, S_INVALID, pml_model_save(NULL, f->path, NULL))                      \
    X(pml_model_save, S_INVALID, pml_model_save(f->model, NULL, NULL))                     \
    X(pml_model_save, S_INVALID, pml_model_save(f->empty, f->path, NULL))                  \
    X(pml_model_save, S_IO, pml_model_save(f->model, f->unwritable, NULL))                 \
    X(pml_model_load, S_INVALID, pml_model_load(f->dev, f->model_path, 4, NULL))           \
    X(pml_model_load, S_INVALID, pml_model_load(NULL, f->model_path, 4, &f->out_model))    \
    X(pml_model_load, S_INVALID, pml_model_load(f->dev, NULL, 4, &f->out_model))           \
    X(pml_model_load, S_INVALID, pml_model_load(f->dev, f->model_path, 0, &f->out_model))  \
    X(pml_model_load, S_IO, pml_model_load(f->dev, f->missing, 4, &f->out_model))          \
    X(pml_model_load, S_OK, pml_model_load(f->dev, f->model_path, 4, &f->out_model))       \
    PARSE_CASES(X, pml_activation_parse, "leaky_relu", "ReLU", &f->act)
#define NN_MODEL_CHECKS(Y)                                                                 \
    Y(pml_activation_name, strcmp(pml_activation_name((pml_activation)99), "?") == 0)      \
    Y(pml_layer_kind, pml_layer_kind(NULL) != NULL)                                        \
    Y(pml_layer_in_features, pml_layer_in_features(NULL) == 0)                             \
    Y(pml_layer_out_features, pml_layer_out_features(NULL) == 0)                           \
    Y(pml_layer_out_shape, pml_layer_out_shape(NULL, f->dims) == 0)                        \
    Y(pml_layer_out_shape, pml_layer_out_shape(f->layer, NULL) == 0)                       \
    Y(pml_layer_num_params, pml_layer_num_params(NULL) == 0)                               \
    Y(pml_layer_param, pml_layer_param(NULL, 0) == NULL)                                   \
    Y(pml_layer_param, pml_layer_param(f->layer, -1) == NULL)                              \
    Y(pml_layer_param, pml_layer_param(f->layer, 2) == NULL)                               \
    Y(pml_layer_grad, pml_layer_grad(NULL, 0) == NULL)                                     \
    Y(pml_layer_grad, pml_layer_grad(f->layer, -1) == NULL)                                \
    Y(pml_layer_grad, pml_layer_grad(f->layer, 2) == NULL)                                 \
    Y(pml_layer_param_name, pml_layer_param_name(NULL, 0) == NULL)                         \
    Y(pml_layer_param_name, pml_layer_param_name(f->layer, -1) == NULL)                    \
    Y(pml_layer_param_name, pml_layer_param_name(f->layer, 2) == NULL)                     \
    Y(pml_layer_activation, pml_layer_activation(NULL) == PML_ACT_IDENTITY)                \
    Y(pml_model_destroy, (pml_model_destroy(NULL), 1))                                     \
    Y(pml_model_spec, strcmp(pml_model_spec(NULL), "") == 0)                               \
    Y(pml_model_device, pml_model_device(NULL) == NULL)                                    \
    Y(pml_model_dtype, (pml_model_dtype(NULL), 1))                                         \
    Y(pml_model_in_features, pml_model_in_features(NULL) == 0)                             \
    Y(pml_model_out_features, pml_model_out_features(NULL) == 0)                           \
    Y(pml_model_max_batch, pml_model_max_batch(NULL) == 0)                                 \
    Y(pml_model_num_layers, pml_model_num_layers(NULL) == 0)                               \
    Y(pml_model_layer, pml_model_layer(NULL, 0) == NULL)                                   \
    Y(pml_model_layer, pml_model_layer(f->model, -1) == NULL)                              \
    Y(pml_model_layer, pml_model_layer(f->model, 1) == NULL)                               \
    Y(pml_model_param_count, pml_model_param_count(NULL) == 0)                             \
    Y(pml_model_num_param_tensors, pml_model_num_param_tensors(NULL) == 0)                 \
    Y(pml_model_summary, pml_model_summary(NULL, f->text, sizeof f->text) == 0)            \
    Y(pml_model_summary, pml_model_summary(f->model, NULL, 0) > 0) /* the length needed */ \
    Y(pml_model_summary, pml_model_summary(f->model, f->text, 1) > 0 && f->text[0] == '\0') \
    Y(pml_model_input_grad, pml_model_input_grad(NULL) == NULL)
DEFINE_GROUP(nn_model_h, "nn.h (layers, models)", NN_MODEL_CASES, NN_MODEL_CHECKS)

/* ---- nn.h, losses, optimisers, schedules, training ----------------------------------------- */
#define LOSS(kind, y, labels, targets, batch, dy) \
    pml_loss_compute(kind, PML_REDUCE_MEAN, y, labels, targets, batch, &f->dval, dy, NULL)
#define STEP(o, n, params, grads) pml_optimizer_step(o, n, params, grads)
#define SCHED(text) pml_schedule_parse(text, 0.1, &f->sched)
#define TRAIN(m, train, val, cfg) pml_train(m, f->opt, train, val, cfg, NULL)
#define EVAL(m, ds, loss, scaling) pml_evaluate(m, ds, loss, scaling, &f->dval, &f->dval2)
#define EVAL_RECON(m, ds, loss, scaling) \
    pml_evaluate_reconstruction(m, ds, loss, scaling, &f->dval)
#define NN_TRAIN_CASES(X)                                                                  \
    X(pml_loss_compute, S_INVALID,                                                         \
      pml_loss_compute(PML_LOSS_MSE, PML_REDUCE_MEAN, NULL, f->i32, NULL, 2, &f->dval, NULL, \
                       NULL))                                                              \
    X(pml_loss_compute, S_INVALID,                                                         \
      pml_loss_compute(PML_LOSS_MSE, PML_REDUCE_MEAN, f->y, f->i32, NULL, 2, NULL, NULL, NULL)) \
    X(pml_loss_compute, S_INVALID,                                                         \
      pml_loss_compute((pml_loss_kind)9, PML_REDUCE_MEAN, f->y, f->i32, NULL, 2, &f->dval, \
                       NULL, NULL))                                                        \
    X(pml_loss_compute, S_INVALID,                                                         \
      pml_loss_compute(PML_LOSS_MSE, (pml_reduction)5, f->y, f->i32, NULL, 2, &f->dval,   \
                       NULL, NULL))                                                        \
    X(pml_loss_compute, S_INVALID, LOSS(PML_LOSS_MSE, f->i22, f->i32, NULL, 2, NULL))      \
    X(pml_loss_compute, S_INVALID, LOSS(PML_LOSS_MSE, f->y, NULL, NULL, 2, NULL))          \
    X(pml_loss_compute, S_INVALID, LOSS(PML_LOSS_MSE, f->y, f->i32, f->dy, 2, NULL))       \
    X(pml_loss_compute, S_INVALID, LOSS(PML_LOSS_SOFTMAX_XENT, f->y, NULL, f->dy, 2, NULL)) \
    X(pml_loss_compute, S_INVALID,                                                         \
      pml_loss_compute(PML_LOSS_MSE, PML_REDUCE_MEAN, f->y, NULL, f->dy, 2, &f->dval, NULL, \
                       &f->corr))                                                          \
    X(pml_loss_compute, S_INVALID, LOSS(PML_LOSS_MSE, f->y, f->i32, NULL, 0, NULL))        \
    X(pml_loss_compute, S_INVALID, LOSS(PML_LOSS_MSE, f->y, f->i32, NULL, 5, NULL))        \
    X(pml_loss_compute, S_INVALID, LOSS(PML_LOSS_MSE, f->v6, f->i32, NULL, 2, NULL)) /* 1-D */ \
    X(pml_loss_compute, S_INVALID, LOSS(PML_LOSS_MSE, f->y, f->v6, NULL, 2, NULL))         \
    X(pml_loss_compute, S_INVALID, LOSS(PML_LOSS_MSE, f->y, f->lab2, NULL, 3, NULL))       \
    X(pml_loss_compute, S_INVALID, LOSS(PML_LOSS_MSE, f->y, NULL, f->d64, 2, NULL))        \
    X(pml_loss_compute, S_INVALID, LOSS(PML_LOSS_MSE, f->y, f->i32, NULL, 2, f->d64))      \
    X(pml_loss_compute, S_INVALID, LOSS(PML_LOSS_MSE, f->y, f->i32, NULL, 2, f->y))        \
    X(pml_loss_compute, S_MISMATCH, LOSS(PML_LOSS_MSE, f->y, f->far_i32, NULL, 2, NULL))   \
    X(pml_loss_compute, S_MISMATCH, LOSS(PML_LOSS_MSE, f->c, NULL, f->far, 2, NULL))       \
    X(pml_loss_compute, S_MISMATCH, LOSS(PML_LOSS_MSE, f->c, f->i32, NULL, 2, f->far))     \
    X(pml_loss_compute, S_OK, LOSS(PML_LOSS_MSE, f->y, f->i32, NULL, 2, NULL)) /* no dy */ \
    PARSE_CASES(X, pml_loss_parse, "mse_half", "MSE", &f->loss)                            \
    PARSE_CASES(X, pml_optim_parse, "momentum", "Adam", &f->optim)                         \
    X(pml_optimizer_create, S_INVALID,                                                     \
      pml_optimizer_create(f->dev, OC(PML_OPTIM_SGD, lr, 0.1), NULL))                      \
    X(pml_optimizer_create, S_INVALID,                                                     \
      pml_optimizer_create(NULL, OC(PML_OPTIM_SGD, lr, 0.1), &f->out_opt))                 \
    X(pml_optimizer_create, S_INVALID, pml_optimizer_create(f->dev, NULL, &f->out_opt))    \
    X(pml_optimizer_create, S_INVALID,                                                     \
      pml_optimizer_create(f->dev, OC((pml_optim_kind)9, lr, 0.1), &f->out_opt))           \
    X(pml_optimizer_create, S_INVALID,                                                     \
      pml_optimizer_create(f->dev, OC(PML_OPTIM_SGD, lr, -1.0), &f->out_opt))              \
    X(pml_optimizer_create, S_INVALID,                                                     \
      pml_optimizer_create(f->dev, OC(PML_OPTIM_SGD, lr, NAN), &f->out_opt))               \
    X(pml_optimizer_create, S_INVALID,                                                     \
      pml_optimizer_create(f->dev, OC(PML_OPTIM_SGD, weight_decay, -1.0), &f->out_opt))    \
    X(pml_optimizer_create, S_INVALID,                                                     \
      pml_optimizer_create(f->dev, OC(PML_OPTIM_MOMENTUM, momentum, 1.0), &f->out_opt))    \
    X(pml_optimizer_create, S_INVALID,                                                     \
      pml_optimizer_create(f->dev, OC(PML_OPTIM_ADAM, beta1, 1.0), &f->out_opt))           \
    X(pml_optimizer_create, S_INVALID,                                                     \
      pml_optimizer_create(f->dev, OC(PML_OPTIM_ADAM, eps, 0.0), &f->out_opt))             \
    X(pml_optimizer_step, S_INVALID, STEP(NULL, 1, TENSORS(f->a), TENSORS(f->v6)))         \
    X(pml_optimizer_step, S_INVALID, STEP(f->opt, -1, TENSORS(f->a), TENSORS(f->v6)))      \
    X(pml_optimizer_step, S_INVALID, STEP(f->opt, 1, NULL, TENSORS(f->v6)))                \
    X(pml_optimizer_step, S_INVALID, STEP(f->opt, 1, TENSORS(f->a), NULL))                 \
    X(pml_optimizer_step, S_INVALID, STEP(f->opt, 1, TENSORS(NULL), TENSORS(f->v6)))       \
    X(pml_optimizer_step, S_INVALID, STEP(f->opt, 1, TENSORS(f->a), TENSORS(NULL)))        \
    X(pml_optimizer_step, S_INVALID, STEP(f->opt, 1, TENSORS(f->c), TENSORS(f->d64)))      \
    X(pml_optimizer_step, S_INVALID, STEP(f->opt, 1, TENSORS(f->a), TENSORS(f->c)))        \
    X(pml_optimizer_step, S_INVALID, STEP(f->opt, 1, TENSORS(f->i22), TENSORS(f->i22)))    \
    X(pml_optimizer_step, S_INVALID, STEP(f->opt1, 2, TENSORS(f->a, f->c), TENSORS(f->v6, f->c))) \
    X(pml_optimizer_step, S_MISMATCH, STEP(f->opt, 1, TENSORS(f->far), TENSORS(f->far)))   \
    X(pml_optimizer_step_model, S_INVALID, pml_optimizer_step_model(NULL, f->model))       \
    X(pml_optimizer_step_model, S_INVALID, pml_optimizer_step_model(f->opt, NULL))         \
    X(pml_optimizer_step_model, S_MISMATCH, pml_optimizer_step_model(f->opt, f->model_far)) \
    X(pml_schedule_parse, S_INVALID, pml_schedule_parse(NULL, 0.1, &f->sched))             \
    X(pml_schedule_parse, S_INVALID, pml_schedule_parse("exp:0.5", 0.1, NULL))             \
    X(pml_schedule_parse, S_INVALID, pml_schedule_parse("exp:0.5", -0.1, &f->sched))       \
    X(pml_schedule_parse, S_INVALID, pml_schedule_parse("exp:0.5", NAN, &f->sched))        \
    X(pml_schedule_parse, S_INVALID, SCHED("bogus"))                                       \
    X(pml_schedule_parse, S_INVALID, SCHED(""))                                            \
    X(pml_schedule_parse, S_INVALID, SCHED("constant:1"))                                  \
    X(pml_schedule_parse, S_INVALID, SCHED("step:0:0.5"))                                  \
    X(pml_schedule_parse, S_INVALID, SCHED("step:2"))                                      \
    X(pml_schedule_parse, S_INVALID, SCHED("step:2:0.5:3"))                                \
    X(pml_schedule_parse, S_INVALID, SCHED("exp:2"))                                       \
    X(pml_schedule_parse, S_INVALID, SCHED("exp:"))                                        \
    X(pml_schedule_parse, S_INVALID, SCHED("cosine:0"))                                    \
    X(pml_schedule_parse, S_INVALID, SCHED("plateau:0"))                                   \
    X(pml_train, S_INVALID, pml_train(NULL, f->opt, f->ds, NULL, &f->tc, NULL))            \
    X(pml_train, S_INVALID, pml_train(f->model, NULL, f->ds, NULL, &f->tc, NULL))          \
    X(pml_train, S_INVALID, pml_train(f->model, f->opt, NULL, NULL, &f->tc, NULL))         \
    X(pml_train, S_INVALID, pml_train(f->model, f->opt, f->ds, NULL, NULL, NULL))          \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(epochs, 0)))                   \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(batch, 0)))                    \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(batch, 5))) /* > max_batch */  \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(loss, (pml_loss_kind)9)))      \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(reduction, (pml_reduction)9))) \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(scaling, (pml_scaling)9)))     \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(augment.shift, -1)))           \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(augment.shift, 2))) /* rows */ \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(augment.noise, -1.0f)))        \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(augment.noise, NAN)))          \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(early_stop, -1)))              \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(every_steps, -1)))             \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(schedule.lr0, NAN)))           \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, SCH(PML_SCHED_COSINE, t_max, 0))) \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, SCH(PML_SCHED_COSINE, min_lr, 1))) \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, SCH(PML_SCHED_STEP, step, 0)))    \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, SCH(PML_SCHED_STEP, gamma, 0.0))) \
    X(pml_train, S_INVALID,                                                                \
      TRAIN(f->model, f->ds, NULL, SCH(PML_SCHED_EXPONENTIAL, gamma, 1.5)))                \
    X(pml_train, S_INVALID,                                                                \
      TRAIN(f->model, f->ds, NULL, SCH(PML_SCHED_PLATEAU, patience, 0)))                   \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, SCH(PML_SCHED_PLATEAU, factor, 1.0))) \
    X(pml_train, S_INVALID,                                                                \
      TRAIN(f->model, f->ds, NULL, TC2(schedule.lr0, 0.1, schedule.kind, (pml_schedule_kind)9))) \
    X(pml_train, S_INVALID, TRAIN(f->auto6, f->ds, NULL, TC(reconstruct, 1))) /* xent */   \
    X(pml_train, S_INVALID,                                                                \
      TRAIN(f->model, f->ds, NULL, TC2(reconstruct, 1, loss, PML_LOSS_MSE))) /* 3 != 6 */  \
    X(pml_train, S_INVALID, TRAIN(f->model64, f->ds, NULL, &f->tc))                        \
    X(pml_train, S_INVALID, TRAIN(f->empty, f->ds, NULL, &f->tc))                          \
    X(pml_train, S_INVALID, TRAIN(f->narrow, f->ds, NULL, &f->tc)) /* 3 classes */         \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds_wide, NULL, &f->tc)) /* 9 features */    \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, f->ds_wide, &f->tc))                    \
    X(pml_train, S_MISMATCH, TRAIN(f->model, f->ds_far, NULL, &f->tc))                     \
    X(pml_train, S_MISMATCH, TRAIN(f->model, f->ds, f->ds_far, &f->tc))                    \
    X(pml_train, S_INVALID, pml_train(f->model, f->opt, f->ds, NULL, TC(epochs, 0), &f->res)) \
    X(pml_evaluate, S_INVALID, EVAL(NULL, f->ds, PML_LOSS_SOFTMAX_XENT, PML_SCALE_UNIT))   \
    X(pml_evaluate, S_INVALID, EVAL(f->model, NULL, PML_LOSS_SOFTMAX_XENT, PML_SCALE_UNIT)) \
    X(pml_evaluate, S_INVALID, EVAL(f->model, f->ds, (pml_loss_kind)9, PML_SCALE_UNIT))    \
    X(pml_evaluate, S_INVALID, EVAL(f->model, f->ds, PML_LOSS_SOFTMAX_XENT, (pml_scaling)9)) \
    X(pml_evaluate, S_INVALID, EVAL(f->model64, f->ds, PML_LOSS_SOFTMAX_XENT, PML_SCALE_UNIT)) \
    X(pml_evaluate, S_INVALID, EVAL(f->empty, f->ds, PML_LOSS_SOFTMAX_XENT, PML_SCALE_UNIT)) \
    X(pml_evaluate, S_INVALID, EVAL(f->narrow, f->ds, PML_LOSS_SOFTMAX_XENT, PML_SCALE_UNIT)) \
    X(pml_evaluate, S_INVALID, EVAL(f->model, f->ds_wide, PML_LOSS_SOFTMAX_XENT, PML_SCALE_UNIT)) \
    X(pml_evaluate, S_MISMATCH, EVAL(f->model, f->ds_far, PML_LOSS_SOFTMAX_XENT, PML_SCALE_UNIT)) \
    X(pml_evaluate, S_OK, /* outputs optional */                                           \
      pml_evaluate(f->model, f->ds, PML_LOSS_SOFTMAX_XENT, PML_SCALE_UNIT, NULL, NULL))    \
    X(pml_evaluate_reconstruction, S_INVALID,                                              \
      EVAL_RECON(NULL, f->ds, PML_LOSS_MSE, PML_SCALE_UNIT))                               \
    X(pml_evaluate_reconstruction, S_INVALID,                                              \
      EVAL_RECON(f->auto6, NULL, PML_LOSS_MSE, PML_SCALE_UNIT))                            \
    X(pml_evaluate_reconstruction, S_INVALID,                                              \
      EVAL_RECON(f->auto6, f->ds, PML_LOSS_SOFTMAX_XENT, PML_SCALE_UNIT))                  \
    X(pml_evaluate_reconstruction, S_INVALID,                                              \
      EVAL_RECON(f->auto6, f->ds, (pml_loss_kind)9, PML_SCALE_UNIT))                       \
    X(pml_evaluate_reconstruction, S_INVALID,                                              \
      EVAL_RECON(f->auto6, f->ds, PML_LOSS_MSE, (pml_scaling)9))                           \
    X(pml_evaluate_reconstruction, S_INVALID,                                              \
      EVAL_RECON(f->model, f->ds, PML_LOSS_MSE, PML_SCALE_UNIT)) /* 3 outputs, 6 inputs */ \
    X(pml_evaluate_reconstruction, S_OK,                                                   \
      pml_evaluate_reconstruction(f->auto6, f->ds, PML_LOSS_MSE, PML_SCALE_UNIT, NULL))    \
    X(pml_model_predict, S_INVALID, pml_model_predict(NULL, f->x, 2, f->pred))             \
    X(pml_model_predict, S_INVALID, pml_model_predict(f->model, NULL, 2, f->pred))         \
    X(pml_model_predict, S_INVALID, pml_model_predict(f->model, f->x, 2, NULL))            \
    X(pml_model_predict, S_INVALID, pml_model_predict(f->model, f->x, 0, f->pred))         \
    X(pml_model_predict, S_INVALID, pml_model_predict(f->model, f->d64, 2, f->pred))       \
    X(pml_model_predict, S_INVALID, pml_model_predict(f->empty, f->x, 2, f->pred))         \
    X(pml_model_predict, S_MISMATCH, pml_model_predict(f->model, f->far, 2, f->pred))
#define NN_TRAIN_CHECKS(Y)                                                                 \
    Y(pml_loss_name, strcmp(pml_loss_name((pml_loss_kind)99), "?") == 0)                   \
    Y(pml_optim_name, strcmp(pml_optim_name((pml_optim_kind)99), "?") == 0)                \
    Y(pml_optim_defaults, pml_optim_defaults((pml_optim_kind)99).kind == (pml_optim_kind)99) \
    Y(pml_optimizer_destroy, (pml_optimizer_destroy(NULL), 1))                             \
    Y(pml_optimizer_set_lr, (pml_optimizer_set_lr(NULL, 0.5), 1))                          \
    Y(pml_optimizer_set_lr, /* ignored: the rate stays */                                \
      (f->dval = pml_optimizer_lr(f->opt), pml_optimizer_set_lr(f->opt, -1.0),             \
       pml_optimizer_lr(f->opt) == f->dval))                                               \
    Y(pml_optimizer_set_lr,                                                                \
      (f->dval = pml_optimizer_lr(f->opt), pml_optimizer_set_lr(f->opt, NAN),              \
       pml_optimizer_lr(f->opt) == f->dval))                                               \
    Y(pml_optimizer_lr, pml_optimizer_lr(NULL) == 0.0)                                     \
    Y(pml_optimizer_steps, pml_optimizer_steps(NULL) == 0)                                 \
    Y(pml_schedule_lr, pml_schedule_lr(NULL, 3) == 0.0)                                    \
    Y(pml_schedule_observe, pml_schedule_observe(NULL, 1.0) == 0.0)                        \
    Y(pml_train_result_free, (pml_train_result_free(NULL), 1))                             \
    Y(pml_train_result_free, (pml_train_result_free(&f->res_zero), 1))
DEFINE_GROUP(nn_train_h, "nn.h (losses, optimisers, schedules, training)", NN_TRAIN_CASES,
             NN_TRAIN_CHECKS)

static const group *const groups[] = {&status_h_group, &device_h_group, &tensor_h_group,
                                      &rng_h_group,    &blas_h_group,   &data_h_group,
                                      &io_h_group,     &ising_h_group,  &nn_model_h_group,
                                      &nn_train_h_group};

/* Declared functions with no argument worth a case. */
static const struct {
    const char *fn, *why;
} exempt[] = {
    {"pml_last_error", "no arguments (read after every status case above)"},
    {"pml_clear_error", "no arguments (called before every status case above)"},
    {"pml_version_string", "no arguments"},
    {"pml_version_number", "no arguments"},
    {"pml_cuda_compiled", "no arguments"},
    {"pml_blas_name", "no arguments"},
    {"pml_cuda_device_count", "no arguments"},
    {"pml_data_default_dir", "no arguments"},
    {"pml_dense_defaults", "no arguments"},
    {"pml_train_defaults", "no arguments"},
    {"pml_rng_u32", "integer coordinates only: every (seed, stream, index) is a valid draw"},
    {"pml_rng_uniform", "integer coordinates only: every (seed, stream, index) is a valid draw"},
    {"pml_rng_normal", "integer coordinates only: every (seed, stream, index) is a valid draw"},
    {"pml_ising_tc", "a formula of one number, no pointer or size"},
    {"pml_meanfield_tc", "a formula of two numbers, no pointer or size"},
    {"pml_schedule_constant", "a value constructor from one number (pml_train checks the rate)"},
};

/* ---- running the tables ------------------------------------------------------------------- */
static int ident_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* Whether `text` contains the identifier `fn` (not as part of a longer name), and with
 * `call` set, followed by '(' . */
static int mentions(const char *text, const char *fn, int call)
{
    const size_t n = strlen(fn);
    for (const char *p = strstr(text, fn); p; p = strstr(p + 1, fn)) {
        if ((p > text && ident_char(p[-1])) || ident_char(p[n])) continue;
        const char *q = p + n;
        while (*q == ' ') ++q;
        if (!call || *q == '(') return 1;
    }
    return 0;
}

static void run_group(const group *g)
{
    fx *f = fx_open();
    for (int i = 0; g->status[i].fn != NULL; ++i) {
        const status_case *c = &g->status[i];
        cr_expect(mentions(c->expanded, c->fn, 1), "%s: case filed under %s", c->call, c->fn);
        pml_clear_error();
        const pml_status s = g->run_status(f, i);
        const char *msg = pml_last_error();
        cr_expect_eq(s, c->want, "%s -> %s, want %s (message: '%s')", c->call,
                     pml_status_string(s), pml_status_string(c->want), msg);
        if (c->want != PML_OK && s != PML_OK) {
            cr_expect(mentions(msg, c->fn, 0), "%s: the message does not name %s: '%s'", c->call,
                      c->fn, msg);
            const char *left = fx_leftover(f);
            cr_expect(left[0] == '\0', "%s failed but handed back %s", c->call, left);
        }
        fx_reset(f);
    }
    for (int i = 0; g->checks[i].fn != NULL; ++i) {
        const check_case *c = &g->checks[i];
        cr_expect(mentions(c->call, c->fn, 1), "%s: check filed under %s", c->call, c->fn);
        cr_expect(g->run_check(f, i), "%s: not true", c->call);
    }
    fx_close(f);
#if defined(__SANITIZE_ADDRESS__)
    /* Criterion ignores a leak report at the worker's exit, so look now: with the fixture
     * gone, anything still allocated was lost by a call above. */
    cr_expect(__lsan_do_recoverable_leak_check() == 0,
              "%s: memory leaked (LeakSanitizer's report above names the allocation)", g->header);
#endif
}

Test(api_args, status_h) { run_group(&status_h_group); }
Test(api_args, device_h) { run_group(&device_h_group); }
Test(api_args, tensor_h) { run_group(&tensor_h_group); }
Test(api_args, rng_h) { run_group(&rng_h_group); }
Test(api_args, blas_h) { run_group(&blas_h_group); }
Test(api_args, data_h) { run_group(&data_h_group); }
Test(api_args, io_h) { run_group(&io_h_group); }
Test(api_args, ising_h) { run_group(&ising_h_group); }
Test(api_args, nn_model_h) { run_group(&nn_model_h_group); }
Test(api_args, nn_train_h) { run_group(&nn_train_h_group); }

/* ---- the guard: every declared function is in a table ------------------------------------- */
#define MAX_FUNCS 1024

typedef struct func_list {
    int n;
    char name[MAX_FUNCS][64];
    char header[MAX_FUNCS][32];
} func_list;

/* Remove comments, then preprocessor lines (with their continuations), in place. */
static void strip(char *s)
{
    char *w = s;
    for (char *p = s; *p;) {
        if (p[0] == '/' && p[1] == '*') {
            char *e = strstr(p + 2, "*/");
            p = e ? e + 2 : p + strlen(p);
            *w++ = ' ';
        } else if (p[0] == '/' && p[1] == '/') {
            while (*p && *p != '\n') ++p;
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
    w = s;
    int line_start = 1;
    for (char *p = s; *p;) {
        if (line_start && *p == '#') {
            while (*p && !(*p == '\n' && p[-1] != '\\')) ++p;
        } else {
            if (*p != ' ' && *p != '\t') line_start = *p == '\n';
            *w++ = *p++;
        }
    }
    *w = '\0';
}

/* Every pml_* identifier followed by '(' outside any parentheses: the declared functions. */
static void declared_functions(const char *path, const char *header, func_list *out)
{
    FILE *fp = fopen(path, "rb");
    cr_assert(fp != NULL, "cannot read %s", path);
    static char text[1 << 20];
    const size_t n = fread(text, 1, sizeof text - 1, fp);
    fclose(fp);
    text[n] = '\0';
    strip(text);
    int depth = 0;
    for (const char *p = text; *p;) {
        if (*p == '(') ++depth;
        if (*p == ')') --depth;
        if (!ident_char(*p) || (p > text && ident_char(p[-1]))) {
            ++p;
            continue;
        }
        const char *e = p;
        while (ident_char(*e)) ++e;
        const char *q = e;
        while (isspace((unsigned char)*q)) ++q;
        if (depth == 0 && *q == '(' && strncmp(p, "pml_", 4) == 0 && e - p < 64) {
            cr_assert(out->n < MAX_FUNCS);
            snprintf(out->name[out->n], sizeof out->name[0], "%.*s", (int)(e - p), p);
            snprintf(out->header[out->n], sizeof out->header[0], "%s", header);
            ++out->n;
        }
        p = e;
    }
}

static int in_tables(const char *fn, int *error_cases)
{
    int found = 0;
    *error_cases = 0;
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; ++g) {
        for (int i = 0; groups[g]->status[i].fn; ++i)
            if (strcmp(groups[g]->status[i].fn, fn) == 0) {
                found = 1;
                if (groups[g]->status[i].want != PML_OK) ++*error_cases;
            }
        for (int i = 0; groups[g]->checks[i].fn; ++i)
            if (strcmp(groups[g]->checks[i].fn, fn) == 0) found = 2;
    }
    for (size_t i = 0; i < sizeof exempt / sizeof exempt[0]; ++i)
        if (strcmp(exempt[i].fn, fn) == 0) found = found ? -1 : 3; /* -1: listed twice */
    return found;
}

static int is_declared(const func_list *decl, const char *fn)
{
    for (int i = 0; i < decl->n; ++i)
        if (strcmp(decl->name[i], fn) == 0) return 1;
    return 0;
}

Test(api_args, every_public_function_is_covered)
{
    static func_list decl;
    char dir[512], path[1024];
    pml_test_source_path("include/physml", dir, sizeof dir);
    DIR *d = opendir(dir);
    cr_assert(d != NULL, "cannot list %s (PML_SOURCE_DIR not set?)", dir);
    struct dirent *e;
    int headers = 0;
    while ((e = readdir(d)) != NULL) {
        const size_t len = strlen(e->d_name);
        if (len < 3 || strcmp(e->d_name + len - 2, ".h") != 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        declared_functions(path, e->d_name, &decl);
        ++headers;
    }
    closedir(d);
    /* the parser must see the API, or this test would pass on nothing */
    cr_assert(headers >= 10 && decl.n >= 150, "%d functions in %d headers under %s", decl.n,
              headers, dir);
    cr_assert(is_declared(&decl, "pml_tensor_create") && is_declared(&decl, "pml_train"));

    char missing[4096] = "", twice[1024] = "", no_error[1024] = "";
    int covered = 0, exempted = 0;
    for (int i = 0; i < decl.n; ++i) {
        int error_cases = 0;
        const int where = in_tables(decl.name[i], &error_cases);
        char item[128];
        snprintf(item, sizeof item, " %s (%s)", decl.name[i], decl.header[i]);
        if (where == 0) strncat(missing, item, sizeof missing - strlen(missing) - 1);
        if (where == -1) strncat(twice, item, sizeof twice - strlen(twice) - 1);
        if (where == 1 && error_cases == 0)
            strncat(no_error, item, sizeof no_error - strlen(no_error) - 1);
        if (where == 3) ++exempted;
        else if (where != 0) ++covered;
    }
    cr_expect(missing[0] == '\0',
              "public functions with no case in tests/api_args_test.c (add X or Y cases, or an "
              "exemption with the reason):%s",
              missing);
    cr_expect(twice[0] == '\0', "exempted but also tested:%s", twice);
    cr_expect(no_error[0] == '\0', "status functions with no error case:%s", no_error);
    int cases = 0, checks = 0;
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; ++g) {
        for (int i = 0; groups[g]->status[i].fn; ++i) ++cases;
        for (int i = 0; groups[g]->checks[i].fn; ++i) ++checks;
    }
    cr_log_info("%d public functions in %d headers: %d covered by %d status cases and %d "
                "checks, %d exempt", decl.n, headers, covered, cases, checks, exempted);

    /* and nothing in the tables that the headers do not declare (typos, removed functions) */
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; ++g) {
        for (int i = 0; groups[g]->status[i].fn; ++i)
            cr_expect(is_declared(&decl, groups[g]->status[i].fn), "%s is not declared",
                      groups[g]->status[i].fn);
        for (int i = 0; groups[g]->checks[i].fn; ++i)
            cr_expect(is_declared(&decl, groups[g]->checks[i].fn), "%s is not declared",
                      groups[g]->checks[i].fn);
    }
    for (size_t i = 0; i < sizeof exempt / sizeof exempt[0]; ++i) {
        cr_expect(is_declared(&decl, exempt[i].fn), "exempt %s is not declared", exempt[i].fn);
        cr_expect(exempt[i].why[0] != '\0', "exempt %s has no reason", exempt[i].fn);
    }
}
