/* Shared test helpers: the tolerance table, array comparison that prints the worst
 * element, and GPU detection for parity tests. */
#ifndef PML_TEST_H
#define PML_TEST_H

#include <criterion/criterion.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "physml/physml.h"

/* One table of tolerances: |a - b| <= atol + rtol |ref|. Each entry says why. */
typedef struct pml_tol {
    const char *name;
    double atol, rtol;
    const char *why;
} pml_tol;

/* FP32 GEMM, OpenBLAS or cuBLAS against the double-accumulating naive loop: the blocked
 * sums reorder K additions, error grows like sqrt(K) eps |a||b|. */
extern const pml_tol PML_TOL_GEMM_F32;
/* FP64 GEMM against the naive loop. */
extern const pml_tol PML_TOL_GEMM_F64;
/* Elementwise FP32 kernels (axpy, scale, fill): a single rounding, or an FMA. */
extern const pml_tol PML_TOL_ELEMENTWISE_F32;
/* Normal draws: logf/sinf/cosf differ by a few ulp between libm and CUDA. */
extern const pml_tol PML_TOL_NORMAL;
/* Reductions in double with different summation orders. */
extern const pml_tol PML_TOL_SUM;
/* A layer's forward pass on CPU vs CUDA (GEMM + elementwise). */
extern const pml_tol PML_TOL_LAYER_F32;
/* Training curves after many steps: rounding differences amplified by the dynamics. */
extern const pml_tol PML_TOL_TRAINING;
/* Backprop against central finite differences in double, h = 1e-6: truncation O(h^2 f''')
 * and rounding O(eps |f| / h) ~ 1e-10 relative; ReLU kinks avoided by random data. */
extern const pml_tol PML_TOL_FD_F64;
/* A layer's backward pass (gradients) on CPU vs CUDA: sums over the batch in different
 * orders (GEMM with K = batch, column sums), FP32. */
extern const pml_tol PML_TOL_LAYER_GRAD_F32;

/* Compare n values; on failure print the worst element (index, both values, the bound)
 * with cr_log_error and return 0. `what` names the quantity. */
int pml_test_close_f32(const char *what, const float *got, const float *ref, size_t n,
                       pml_tol tol);
int pml_test_close_f64(const char *what, const double *got, const double *ref, size_t n,
                       pml_tol tol);
/* Exact comparison of raw bytes; prints the first mismatching element of `elem` bytes. */
int pml_test_equal_bytes(const char *what, const void *got, const void *ref, size_t n,
                         size_t elem);
/* The same dtype, shape and bytes (tensors on any device); prints the first difference. */
int pml_test_same_tensor(const char *what, const pml_tensor *got, const pml_tensor *ref);

/* Open "cuda" or skip the test with the reason (no GPU, or built without CUDA). Call at the
 * start of a parity test; the device must be closed by the test. */
pml_device *pml_test_open_cuda_or_skip(void);
/* Open the CPU device, failing the test if it cannot. */
pml_device *pml_test_open_cpu(void);

/* Upload a host array into a new tensor on dev; fails the test on error. */
pml_tensor *pml_test_tensor(pml_device *dev, pml_dtype dtype, int ndim, const int64_t *shape,
                            const void *host);
/* A model from a spec string (pml_model_from_spec, init_sigma 0); fails the test on error. */
pml_model *pml_test_model(pml_device *dev, const char *spec, int64_t in_features,
                          int64_t max_batch, pml_init init, uint64_t seed);
/* n images of 4x4 u8 whose label (4 classes) is the quadrant made bright, with Philox noise
 * keyed by seed: a small learnable dataset for training tests. Fails the test on error. */
pml_dataset *pml_test_toy_dataset(pml_device *dev, int n, uint64_t seed);

/* Assert a physml call succeeded, printing the status and the detail message. */
#define PML_ASSERT_OK(expr)                                                              \
    do {                                                                                 \
        pml_status pml_s_ = (expr);                                                      \
        cr_assert_eq(pml_s_, PML_OK, "%s -> %s: %s", #expr, pml_status_string(pml_s_),   \
                     pml_last_error());                                                  \
    } while (0)

/* An enum's *_name and *_parse (values 0..last): every value's name parses back to the
 * value; an unknown name is PML_ERR_INVALID_ARGUMENT, leaves the output as it was (`keep`),
 * and the message names parse_fn, the text and every accepted name. */
#define PML_EXPECT_NAMES_ROUND_TRIP(type, name_fn, parse_fn, last, keep)                  \
    do {                                                                                 \
        for (int v_ = 0; v_ <= (int)(last); ++v_) {                                      \
            type got_ = (keep);                                                          \
            PML_ASSERT_OK(parse_fn(name_fn((type)v_), &got_));                           \
            cr_expect_eq((int)got_, v_, "%s -> %d", name_fn((type)v_), (int)got_);        \
        }                                                                                \
        type kept_ = (keep);                                                             \
        cr_expect_eq(parse_fn("bogus", &kept_), PML_ERR_INVALID_ARGUMENT);               \
        cr_expect_eq(kept_, (keep), #parse_fn " changed *out on failure");               \
        const char *msg_ = pml_last_error();                                             \
        cr_expect(strncmp(msg_, #parse_fn ": ", sizeof #parse_fn + 1) == 0 &&            \
                      strstr(msg_, "'bogus'") != NULL,                                   \
                  "%s", msg_);                                                           \
        for (int v_ = 0; v_ <= (int)(last); ++v_)                                        \
            cr_expect(strstr(msg_, name_fn((type)v_)) != NULL, "%s", msg_);              \
    } while (0)

/* A temporary directory for a suite's files: TestSuite(x, .init = pml_test_tmpdir_create,
 * .fini = pml_test_tmpdir_remove); pml_test_tmppath(name) is a path inside it (eight
 * rotating buffers, so a few can be live at once). */
extern char pml_test_tmpdir[64];
void pml_test_tmpdir_create(void);
void pml_test_tmpdir_remove(void);
const char *pml_test_tmppath(const char *name);
/* Whole-file helpers that fail the test on an I/O error. */
void pml_test_write_file(const char *path, const void *p, size_t n);
size_t pml_test_read_file(const char *path, unsigned char *buf, size_t cap);

/* A call that must fail: `got` is `want` and pml_last_error() contains `part`. `call` names
 * what was called (a path, a function) in the failure messages. */
void pml_test_expect_error(const char *call, pml_status got, pml_status want, const char *part);

/* Whether /usr/bin/python3 can import numpy (tests against NumPy skip without it), or
 * another module (torch). */
int pml_test_have_numpy(void);
int pml_test_have_python_module(const char *module);

/* Run the physml tool of this build (PML_BUILD_DIR/bin/physml) with the arguments args
 * (NULL-terminated; no shell), its stdout into out and stderr into err (either may be NULL;
 * at most cap - 1 bytes kept). Returns the exit code. The _line form splits one string at
 * spaces (for arguments without spaces). */
int pml_test_physml(const char *const *args, char *out, size_t out_cap, char *err,
                    size_t err_cap);
int pml_test_physml_line(const char *line, char *out, size_t out_cap, char *err,
                         size_t err_cap);

/* Random damage to valid files, for readers that must succeed or fail cleanly (memory safety
 * is checked under the asan preset). Iteration it starts from a copy of src[it % nsrc],
 * overwrites 1 + it % max_edits bytes at places drawn within its first span[...] bytes (0:
 * anywhere): a byte of `pool` on even iterations when pool is not NULL, any byte otherwise;
 * every cut_every-th iteration (it % cut_every == 0) also cuts the copy short. Places,
 * bytes and cuts come from an LCG (x -> 1103515245 x + 12345) seeded with `seed`. */
typedef struct pml_test_damage {
    const void *src[2];
    size_t size[2], span[2];
    int nsrc;
    uint32_t seed;
    int iterations, max_edits, cut_every;
    const char *pool;
} pml_test_damage;
/* Write each damaged copy to `path` and call reader(path, user), which must return PML_OK,
 * PML_ERR_BAD_FORMAT or PML_ERR_UNSUPPORTED (and itself check what a failure leaves behind).
 * Returns how many copies read PML_OK. */
int pml_test_damage_files(const pml_test_damage *d, const char *path,
                          pml_status (*reader)(const char *path, void *user), void *user);

/* Path of a file in the source tree (PML_SOURCE_DIR is set by CTest). */
const char *pml_test_source_path(const char *rel, char *buf, size_t n);

#endif
