/* What every fuzz target shares: the CPU device, a private temporary directory in which the
 * fuzzer's bytes become the files the readers open (the readers take paths, and the library
 * has no read-from-memory entry point to add for them), checks of what a reader returned,
 * and the sanitizers' settings. */
#ifndef PML_FUZZ_UTIL_H
#define PML_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "physml/physml.h"

#define FUZZ_PATH_MAX 4096

/* A broken promise of the library (not a refused input): print it and abort, which libFuzzer
 * reports as a crash with the input that caused it. */
#define FUZZ_CHECK(cond) \
    ((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond))
void fuzz_fail(const char *file, int line, const char *what);

/* The CPU device, opened on first use (one OpenMP thread: runs reproduce, and two fuzzers
 * share the two cores of a CI machine) and kept for the life of the process. */
pml_device *fuzz_device(void);

/* This process's temporary directory: made on first use under $TMPDIR (or /tmp), reused for
 * every input, removed at exit. */
const char *fuzz_dir(void);
/* Remove every file in it, so that nothing of the previous input is seen by the next. */
void fuzz_dir_clear(void);
/* Write data[0..size) to fuzz_dir()/name and put that path into path[FUZZ_PATH_MAX]. Aborts
 * when the file cannot be written: the machine's fault, never an input's. */
void fuzz_file(const char *name, const void *data, size_t size, char *path);

/* The bytes as a NUL-terminated string (malloc'd): what a C caller hands a text parser; an
 * embedded NUL ends the text there, as it would for that caller. */
char *fuzz_text(const uint8_t *data, size_t size);

/* Append one gzip member of src[0..n) (zlib level 0..9) to out[*len..cap), advancing *len;
 * cap - *len >= compressBound(n) + 32 is enough. */
void fuzz_gzip(const void *src, size_t n, int level, uint8_t *out, size_t cap, size_t *len);

/* Read every byte of a host buffer, so that ASan checks the reader allocated all it claims. */
void fuzz_touch(const void *data, size_t size);
/* The same for a tensor a reader made: its shape is sane and all its bytes can be read. */
void fuzz_touch_tensor(const pml_tensor *t);

/* The AIS run the rbm_ais_resume target resumes and its seeds were cut from: a 6 x 4 RBM
 * initialised from seed 3 (created here; destroy it), FUZZ_AIS_RUNS runs of FUZZ_AIS_STEPS
 * steps from its own visible biases, seed 1. */
#define FUZZ_AIS_RUNS 4
#define FUZZ_AIS_STEPS 8
pml_rbm *fuzz_ais_model(void);

/* The whole entry point of a target whose reader makes one object from a file: the input
 * becomes the file `name`, `call` runs the reader (an expression of `path`, the file, and
 * `&out`, a `type *` set to NULL first), `use(out)` checks what it read; a failed read must
 * leave out NULL. Then `destroy(out)`. */
#define FUZZ_FILE_READER(name, type, call, use, destroy)                                    \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                           \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                            \
    {                                                                                       \
        char path[FUZZ_PATH_MAX];                                                           \
        fuzz_file(name, data, size, path);                                                  \
        type *out = NULL;                                                                   \
        if ((call) == PML_OK) use(out);                                                     \
        else FUZZ_CHECK(out == NULL);                                                       \
        destroy(out);                                                                       \
        return 0;                                                                           \
    }

#endif
