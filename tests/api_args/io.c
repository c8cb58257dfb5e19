/* api_args cases for io.h. */
#include "api_args.h"

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
