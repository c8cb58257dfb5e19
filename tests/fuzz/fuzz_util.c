/* See fuzz_util.h. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, setenv */
#include "fuzz_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* The settings every target runs with, however it is started (script/fuzz, CI, or by hand on
 * a reproducer). allocator_may_return_null: an allocation ASan cannot serve at all returns
 * NULL, as malloc would, and the library's out-of-memory path runs (as in the asan preset);
 * one of 2 GiB or more that can be served is a finding, through libFuzzer's -malloc_limit_mb
 * (by default -rss_limit_mb, 2048). */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1:detect_leaks=1";
}
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void) { return "print_stacktrace=1:halt_on_error=1"; }

void fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: fuzz check failed: %s (last physml error: %s)\n", file, line, what,
            pml_last_error());
    abort();
}

pml_device *fuzz_device(void)
{
    static pml_device *dev;
    if (dev == NULL) {
        setenv("OMP_NUM_THREADS", "1", 0);
        FUZZ_CHECK(pml_device_open("cpu", &dev) == PML_OK);
    }
    return dev;
}

static char dir[FUZZ_PATH_MAX];

void fuzz_dir_clear(void)
{
    DIR *d = opendir(dir);
    if (d == NULL) return;
    char path[FUZZ_PATH_MAX];
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

static void remove_dir(void)
{
    fuzz_dir_clear();
    rmdir(dir);
}

const char *fuzz_dir(void)
{
    if (dir[0] == '\0') {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/pml-fuzz-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
        FUZZ_CHECK(mkdtemp(dir) != NULL);
        atexit(remove_dir);
    }
    return dir;
}

void fuzz_file(const char *name, const void *data, size_t size, char *path)
{
    FUZZ_CHECK(snprintf(path, FUZZ_PATH_MAX, "%s/%s", fuzz_dir(), name) < FUZZ_PATH_MAX);
    /* a new file, not the old one truncated: ext4 flushes a file truncated to zero when it is
     * closed (auto_da_alloc), a disk write per input that costs 10x the reader's time */
    unlink(path);
    FILE *f = fopen(path, "wb");
    FUZZ_CHECK(f != NULL);
    FUZZ_CHECK(size == 0 || fwrite(data, 1, size, f) == size);
    FUZZ_CHECK(fclose(f) == 0);
}

char *fuzz_text(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    FUZZ_CHECK(s != NULL);
    if (size) memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

void fuzz_touch(const void *data, size_t size)
{
    const volatile unsigned char *p = data;
    unsigned sum = 0;
    for (size_t i = 0; i < size; ++i) sum += p[i];
    (void)sum;
}

void fuzz_touch_tensor(const pml_tensor *t)
{
    FUZZ_CHECK(t != NULL);
    const int ndim = pml_tensor_ndim(t);
    FUZZ_CHECK(ndim >= 1 && ndim <= PML_MAX_DIMS);
    int64_t numel = 1;
    for (int i = 0; i < ndim; ++i) {
        FUZZ_CHECK(pml_tensor_dim(t, i) >= 0);
        numel *= pml_tensor_dim(t, i);
    }
    FUZZ_CHECK(numel == pml_tensor_numel(t));
    const size_t n = pml_tensor_nbytes(t);
    FUZZ_CHECK(n == (size_t)numel * pml_dtype_size(pml_tensor_dtype(t)));
    /* the CPU device's memory is host memory */
    fuzz_touch(pml_tensor_data_const(t), n);
}

void fuzz_gzip(const void *src, size_t n, int level, uint8_t *out, size_t cap, size_t *len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    FUZZ_CHECK(deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    z.next_in = (Bytef *)src;
    z.avail_in = (uInt)n;
    z.next_out = out + *len;
    z.avail_out = (uInt)(cap - *len);
    FUZZ_CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
    *len = cap - z.avail_out;
    deflateEnd(&z);
}

pml_rbm *fuzz_ais_model(void)
{
    pml_rbm *r = NULL;
    FUZZ_CHECK(pml_rbm_create(fuzz_device(), 6, 4, FUZZ_AIS_RUNS, 3, &r) == PML_OK);
    return r;
}
