/* Internal definitions shared by the core, the models and the backends. Not installed.
 * Compiles as C11 and as CUDA C++ (the .cu launchers include it). */
#ifndef PML_INTERNAL_H
#define PML_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "physml/physml.h"

#ifdef __cplusplus
extern "C" {
#endif

struct pml_backend_ops;

struct pml_device {
    pml_device_kind kind;
    int ordinal; /* CUDA ordinal; -1 for the CPU */
    char spec[16];
    char name[128];
    int tf32;    /* TF32 GEMM allowed */
    int parallelism;
    const struct pml_backend_ops *ops;
    void *impl;  /* backend state: cuBLAS handle, stream, ... */
};

struct pml_tensor {
    pml_device *dev;
    pml_dtype dtype;
    int ndim;
    int64_t shape[PML_MAX_DIMS];
    int64_t numel;
    void *data; /* host pointer (CPU) or device pointer (CUDA); NULL when numel == 0 */
    int view;   /* 1: data belongs to another tensor (pml_tensor_view), never freed here */
};

/* A view of elements [offset, offset + numel of shape) of t, as a value (no allocation):
 * for library code that slices buffers it owns (a sample of a batch, half of a layer's
 * output, one segment of an Ising batch). The caller has checked the range. */
pml_tensor pml_tensor_view_of(const pml_tensor *t, int64_t offset, int ndim, const int64_t *shape);

/* A probability p as a threshold on a u32 Philox draw (the event is draw < threshold):
 * round(p 2^32), capped at 2^32 - 1, 0 for p <= 0 (dropout masks, data corruption). */
uint32_t pml_u32_threshold(double p);

/* The first nbytes of src into host memory (nbytes <= its size; PML_ERR_INVALID_ARGUMENT
 * otherwise): the valid rows of a buffer sized for max_batch (a model's output, a batch of
 * labels), without a view made for it. */
pml_status pml_tensor_download_head(const pml_tensor *src, void *host_dst, size_t nbytes);

/* Record a failure on this thread and return `status`. The message is printf-formatted
 * and should name the call that failed. */
pml_status pml_set_error(pml_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* For a public call that failed inside another public call it made: put "fn: " before the
 * detail message (unless it already starts so), so that it names the call the caller made.
 * Returns `status`; PML_OK passes through untouched. */
pml_status pml_error_within(pml_status status, const char *fn);

/* M(T), a statement, with T the C type of `dtype`, for each of the six dtypes. */
#define PML_DTYPE_CASES(dtype, M)           \
    switch (dtype) {                        \
    case PML_F32: M(float); break;          \
    case PML_F64: M(double); break;         \
    case PML_I32: M(int32_t); break;        \
    case PML_U32: M(uint32_t); break;       \
    case PML_U8: M(uint8_t); break;         \
    case PML_I8: M(int8_t); break;          \
    }

#define PML_TRY(expr)                          \
    do {                                       \
        pml_status pml_try_s_ = (expr);        \
        if (pml_try_s_ != PML_OK) return pml_try_s_; \
    } while (0)

/* Fail with `status` and a message naming the function when `cond` is false. */
#define PML_CHECK(cond, status, ...)                                  \
    do {                                                              \
        if (!(cond)) return pml_set_error((status), __VA_ARGS__);     \
    } while (0)

#define PML_CHECK_ARG(cond, fn, what) \
    PML_CHECK(cond, PML_ERR_INVALID_ARGUMENT, "%s: %s", fn, what)

/* Enum names (names.c): table[v] is the name of value v, for v in [0, n); one table per enum
 * serves its *_name and its *_parse function.
 * pml_name_of: table[value], or "?" outside the table.
 * pml_name_list: "a, b, c" into buf (truncated to cap); returns buf.
 * pml_name_parse: for fn(name, out): refuses a NULL name or out, then sets *value to the
 * entry equal to name, or fails with PML_ERR_INVALID_ARGUMENT and "fn: unknown <what>
 * 'name' (the names)". *value is untouched on failure. */
const char *pml_name_of(const char *const *table, int n, int value);
const char *pml_name_list(const char *const *table, int n, char *buf, size_t cap);
pml_status pml_name_parse(const char *fn, const char *what, const char *const *table, int n,
                          const char *name, const void *out, int *value);
/* A decimal number at s as people write one (src/core/number.c): [+-] digits [. digits]
 * [(e|E) [+-] digits], or with digits only after the point. Not a leading space, hex
 * ("0x10" reads as 0 with *end at the "x"), "inf" or "nan": every parser of user text uses
 * this, so a value means the same everywhere. Returns strtod's value of that text (errno as
 * strtod sets it on overflow or underflow) with *end past it, or 0 with *end = s when s does
 * not start with such a number. */
double pml_strtod_dec(const char *s, char **end);
/* The real every option and list of the tool reads: pml_strtod_dec's number, finite (not an
 * overflow to inf) and not an underflow to 0 (a denormal is kept), into *v with *end past it:
 * 1; 0 with *end = s when s does not start with one. */
int pml_real_dec(const char *s, char **end, double *v);
/* An integer at s as people write one: an optional minus and decimal digits (strtoll in base
 * 10, errno ERANGE past long long); not a leading space or plus. 0 with *end = s when s does
 * not start with one. */
long long pml_strtoll_dec(const char *s, char **end);

/* 64-bit FNV-1a of n bytes at p continued from h (src/core/hash.c): start from
 * PML_FNV1A_INIT and feed the pieces in order. Checkpoints record it as fingerprints of what
 * a run was given; the values are in files already written, so the function never changes. */
#define PML_FNV1A_INIT 0xcbf29ce484222325ull
uint64_t pml_fnv1a(uint64_t h, const void *p, size_t n);
/* h continued over t's bytes as stored (contiguous), read from its device in chunks of
 * 512 KB: the same value as pml_fnv1a over the whole download. */
pml_status pml_tensor_fnv1a(const pml_tensor *t, uint64_t *h);

/* Monotonic seconds (src/core/clock.c), for timings. */
double pml_clock_seconds(void);

#define PML_NAMES_COUNT(table) ((int)(sizeof(table) / sizeof((table)[0])))
/* Defines the public pair over one table: `const char *prefix_name(type)` and
 * `pml_status prefix_parse(const char *name, type *out)` ("what" names the kind of value in
 * a parse error), e.g. PML_DEFINE_NAMES(pml_loss, pml_loss_kind, "loss", loss_names). */
#define PML_DEFINE_NAMES(prefix, type, what, table)                                         \
    const char *prefix##_name(type value)                                                  \
    {                                                                                      \
        return pml_name_of(table, PML_NAMES_COUNT(table), (int)value);                     \
    }                                                                                      \
    pml_status prefix##_parse(const char *name, type *out)                                 \
    {                                                                                      \
        int v = 0;                                                                         \
        PML_TRY(pml_name_parse(#prefix "_parse", what, table, PML_NAMES_COUNT(table), name, \
                               out, &v));                                                  \
        *out = (type)v;                                                                    \
        return PML_OK;                                                                     \
    }

/* Argument checks shared by the public wrappers. */
pml_status pml_check_tensor(const char *fn, const char *name, const pml_tensor *t);
pml_status pml_check_same_device(const char *fn, const pml_device *dev, const pml_tensor *t,
                                 const char *name);
/* For device-mismatch messages: " (another handle)" when two different handles are open on
 * the same device (two "cpu" handles print the same spec), else "". */
const char *pml_other_handle_note(const pml_device *a, const pml_device *b);
int pml_dtype_is_float(pml_dtype dtype);

#ifdef __cplusplus
}
#endif
#endif
