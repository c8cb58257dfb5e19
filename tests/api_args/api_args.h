/* The house rule, checked for the whole public API: every public function rejects bad
 * arguments with the documented pml_status and a message naming it, hands nothing back and
 * leaks nothing when it fails (leaks: run under the asan preset), and destroy/free/close calls
 * and accessors take NULL.
 *
 * The cases are tables, one group per header, each group in its own file in this folder. A
 * status case is X(function, status, call): the call must return `status`; when that is an
 * error, pml_last_error() must name the function and no object may come back in the fixture's
 * out slots. A check case is Y(function, expression): the expression (a call on NULL or an
 * invalid value) must be true and must not crash. Functions with nothing to check are in
 * guard.c's `exempt` with the reason. Test(api_args, every_public_function_is_covered) in
 * guard.c reads every include/physml header and fails for a declared function that is in no
 * table, so a new function must come with its cases.
 *
 * A new header's group: a file here with its tables ending in DEFINE_GROUP(name, ...), and the
 * line G(name) in API_ARGS_GROUPS in tests/api_args_test.c, the one list that both the
 * per-group tests and the guard read. */
#ifndef PML_TEST_API_ARGS_H
#define PML_TEST_API_ARGS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pml_test.h"
#include "physml/autoencoder.h"
#include "physml/rbm.h"

#define S_OK PML_OK
#define S_INVALID PML_ERR_INVALID_ARGUMENT
#define S_UNSUPPORTED PML_ERR_UNSUPPORTED
#define S_NODEV PML_ERR_NO_DEVICE
#define S_IO PML_ERR_IO
#define S_MISMATCH PML_ERR_DEVICE_MISMATCH
#define S_BAD_FORMAT PML_ERR_BAD_FORMAT

/* ---- the fixture: small valid objects, scratch outputs, out slots ------------------------- */
/* A new module adds its valid objects after the nn.h block below (created in fx_open,
 * destroyed in fx_close), its scratch outputs to the host data block, and the objects its
 * calls hand back to the out slots (emptied by fx_reset, named by fx_leftover). */
typedef struct fx {
    pml_device *dev, *dev2; /* two CPU devices: dev2 holds the "other device" operands */
    /* on dev: f32 a 2x3, b 3x2, c 2x2, v6 [6], x26 2x6, x 4x6, y 4x3, dy 4x3; f64 d64 2x2;
     * i32 i32 [4], i22 2x2, lab2 [2]; u8 u8 [4]. On dev2: far (f32 2x2), far_i32 (i32 [4]). */
    pml_tensor *a, *b, *c, *v6, *x26, *x, *y, *dy, *d64, *i32, *i22, *lab2, *u8;
    pml_tensor *far, *far_i32;
    pml_dataset *ds, *ds_far, *ds_wide; /* 4 examples of 2x3 (3 classes); on dev2; of 3x3 */
    pml_ising *ising;                   /* 2 replicas of 4x4 */
    pml_hopfield *hop, *hop_modern;     /* the stripes (n = 16, p = 2), Hebbian and modern */
    pml_hopfield_recall_config hrc, hrc2; /* defaults, and a scratch copy */
    pml_hopfield_capacity_config hcc, hcc2;
    pml_hopfield_result hres[2];
    pml_hopfield_capacity_point hpts[2];
    int8_t stripes[32], hbad[32], hout[32];
    uint8_t bin01[4];
    double henergy[2], hm[4], hw[256], htheta[16];
    pml_ising_config icfg, icfg2;       /* a valid uniform config (R = 1), and a scratch copy */
    /* f32 6 -> 3 ("dense:3", forward of 2 rows done), f64 6 -> 3, no layers, 6 -> 6,
     * 6 -> 2 (fewer outputs than the dataset's classes), 6 -> 3 on dev2, 64 layers (full) */
    pml_model *model, *model64, *empty, *auto6, *narrow, *model_far, *full;
    pml_layer *layer; /* model's dense layer */
    pml_optimizer *opt, *opt1; /* SGD; SGD after a step over 1 tensor */
    pml_train_step *step_cls, *step_rec; /* the classifier and reconstruction steps */
    pml_train_config tc, tc2;  /* valid (1 epoch, batch 2), and a scratch copy */
    pml_optim_config oc;       /* scratch */
    pml_idx idx_ok;            /* a valid 4-byte u8 IDX array */
    pml_safetensors st_zero;
    pml_safetensors st_model, st_model_far; /* model_path read on dev and on dev2 */
    pml_train_result res_zero;
    /* rbm.h: 6 visible x 4 hidden units, max_batch 4, on dev (saved to rbm_path), and 25 x 25
     * (max_batch 1: more states than exact log Z enumerates); rh f32 4x4 on dev (hidden states
     * of rbm; f->x holds its visible states); rtc valid (1 epoch, batch 2, no monitor rows),
     * rgo valid (seed 1, average 1); rbm_bad_path: a .safetensors whose 'weight' is i32,
     * rbm_shape_path: 'weight' 2x3 f32 with a 'visible_bias' of 6 (needs 3) */
    pml_rbm *rbm, *rbm_big;
    pml_tensor *rh;
    pml_rbm_train_config rtc, rtc2;
    pml_rbm_gibbs_opts rgo, rgo2;
    char rbm_path[512], rbm_bad_path[512], rbm_shape_path[512];
    /* autoencoder.h: ae plain (encoder "dense:2", decoder "dense:6", BCE on logits), vae
     * ("dense:4" | gauss | "dense:6": latent 2), both for examples of 2x3 (f->ds), max_batch 4,
     * on dev; aec a valid config (plain, "dense:2" | "dense:6"), aec2 a scratch copy; ae_path
     * and vae_path them saved; ae_mismatch_path f->auto6 (one dense 6 -> 6) saved with the
     * metadata of ae (its tensors do not fit them), ae_meta_path f->auto6 with malformed
     * physml_ae_* metadata (vae "maybe") */
    pml_autoencoder *ae, *vae;
    pml_ae_config aec, aec2;
    pml_vae_figures vfig;
    double roc_fpr[5], roc_tpr[5];
    char enc[512], dec[512];
    char ae_path[512], vae_path[512], ae_mismatch_path[512], ae_meta_path[512];
    char path[512], model_path[512], missing[512], unwritable[512], spec65[400], long_spec[1100];
    /* host data and scratch outputs */
    float host[64];
    uint8_t pixels[36], labels[4], labels_bad[4];
    int8_t spins[32], zeros[32];
    double dval, dval2, roots[4];
    int ival, ival2;
    int64_t i64, i64b, dims[3], corr;
    uint64_t u64;
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
    pml_augment augment;
    pml_rbm_binarize rbin;
    pml_rbm_method rmethod;
    pml_rbm_ais_result rais;
    double rout[4];
    /* out slots: a failing call must leave them empty */
    pml_device *out_dev;
    pml_tensor *out_t;
    pml_dataset *out_ds, *out_ds2;
    pml_ising *out_ising;
    pml_hopfield *out_hop;
    pml_model *out_model;
    pml_optimizer *out_opt;
    pml_train_step *out_step;
    pml_idx idx;
    pml_safetensors st;
    pml_train_result res;
    pml_rbm *out_rbm;
    pml_rbm_train_result rres;
    pml_autoencoder *out_ae;
} fx;

fx *fx_open(void);
/* Destroy whatever a call handed back. */
void fx_reset(fx *f);
/* The out slots a failed call left non-empty ("" when none). */
const char *fx_leftover(const fx *f);
void fx_close(fx *f);

/* Copies of the valid configs with one or two fields changed, for use inside a case. */
#define TC(field, v) (f->tc2 = f->tc, f->tc2.field = (v), &f->tc2)
#define TC2(f1, v1, f2, v2) (f->tc2 = f->tc, f->tc2.f1 = (v1), f->tc2.f2 = (v2), &f->tc2)
/* a schedule of kind k at lr0 = 0.1 with one field set to val, as the training config's */
#define SCH(k, fld, val)                                                                   \
    (f->sched = pml_schedule_constant(0.1), f->sched.kind = (k), f->sched.fld = (val),      \
     TC(schedule, f->sched))
#define RTC(field, v) (f->rtc2 = f->rtc, f->rtc2.field = (v), &f->rtc2)
#define RTC2(f1, v1, f2, v2) (f->rtc2 = f->rtc, f->rtc2.f1 = (v1), f->rtc2.f2 = (v2), &f->rtc2)
#define RGO(field, v) (f->rgo2 = f->rgo, f->rgo2.field = (v), &f->rgo2)
#define HRC(field, v) (f->hrc2 = f->hrc, f->hrc2.field = (v), &f->hrc2)
#define HCC(field, v) (f->hcc2 = f->hcc, f->hcc2.field = (v), &f->hcc2)
#define IC(field, v) (f->icfg2 = f->icfg, f->icfg2.field = (v), &f->icfg2)
#define AEC(field, v) (f->aec2 = f->aec, f->aec2.field = (v), &f->aec2)
#define AEC2(f1, v1, f2, v2) (f->aec2 = f->aec, f->aec2.f1 = (v1), f->aec2.f2 = (v2), &f->aec2)
#define OC(kind, field, v) (f->oc = pml_optim_defaults(kind), f->oc.field = (v), &f->oc)
#define TENSORS(...) ((pml_tensor *const[]){__VA_ARGS__})
#define DOUBLES(...) ((const double[]){__VA_ARGS__})
#define I64S(...) ((const int64_t[]){__VA_ARGS__})
#define NAMED(...) ((const pml_named_tensor[]){__VA_ARGS__})
#define STRINGS(...) ((const char *const[]){__VA_ARGS__})
#define AUG(shift, flip, noise) (&(const pml_augment){(shift), (flip), (noise), 0.0f, 0.0f})
#define MREF(t, off, ld) ((pml_matrix_ref){(t), (off), (ld)})

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

/* A group's tables (rows end with a NULL sentinel) and the functions that run row i; the
 * group object name##_group is what API_ARGS_GROUPS registers. */
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
    const group name##_group = {header_file, name##_status, name##_run_status,             \
                                name##_checks, name##_run_check};

/* ---- case patterns that more than one group uses ---------------------------------------- */
/* The cases of fn(obj, host, n), which moves n bytes between obj and a host buffer: obj NULL,
 * host NULL, and bad_n bytes instead of n. */
#define BUFFER_CASES(X, fn, obj, host, n, bad_n)                                           \
    X(fn, S_INVALID, fn(NULL, host, n))                                                    \
    X(fn, S_INVALID, fn(obj, NULL, n))                                                     \
    X(fn, S_INVALID, fn(obj, host, bad_n))
/* The cases of a reader fn(dev, path, out): out NULL, dev NULL, path NULL, a missing file. */
#define READER_CASES(X, fn, out)                                                           \
    X(fn, S_INVALID, fn(f->dev, f->missing, NULL))                                         \
    X(fn, S_INVALID, fn(NULL, f->missing, out))                                            \
    X(fn, S_INVALID, fn(f->dev, NULL, out))                                                \
    X(fn, S_IO, fn(f->dev, f->missing, out))

/* ---- running the tables ------------------------------------------------------------------- */
/* the registered groups, in API_ARGS_GROUPS's order (tests/api_args_test.c) */
extern const group *const api_args_groups[];
extern const size_t api_args_group_count;

/* whether c can be part of a C identifier (run_group's name matching, the guard's parser) */
int ident_char(char c);
/* Run every case of g on a fresh fixture. */
void run_group(const group *g);

#endif
