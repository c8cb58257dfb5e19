/* pml_idx_read on any bytes: a plain IDX file, or a gzip'd one (the reader goes by the gzip
 * magic, not the name). What it returns must be what it promises: 1..4 positive dimensions,
 * a known type, and all the bytes they announce. */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[FUZZ_PATH_MAX];
    fuzz_file("in.idx", data, size, path);
    pml_idx idx;
    if (pml_idx_read(path, &idx) != PML_OK) {
        FUZZ_CHECK(idx.data == NULL); /* a failed read leaves a zeroed struct */
        return 0;
    }
    FUZZ_CHECK(idx.ndim >= 1 && idx.ndim <= PML_MAX_DIMS);
    size_t n = pml_dtype_size(idx.dtype);
    FUZZ_CHECK(n > 0);
    for (int i = 0; i < idx.ndim; ++i) {
        FUZZ_CHECK(idx.dims[i] > 0);
        n *= (size_t)idx.dims[i];
    }
    fuzz_touch(idx.data, n);
    pml_idx_free(&idx);
    return 0;
}
