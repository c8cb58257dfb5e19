/* pml_idx_read through its gzip path with well-formed gzip framing: the input is an IDX file
 * that this target compresses, so the fuzzer explores the IDX header and sizes as they
 * arrive from inflate, not only CRC errors. The first byte shapes the gzip stream:
 *   bit 0: two members, split where the second byte says (concatenated members are one stream)
 *   bit 1: cut the compressed stream short by 1 + (bits 4..7) bytes
 *   bit 2: garbage after the last member: 1 + (bits 4..7) bytes, the first two the gzip
 *          magic (so the reader takes it for a member that is cut short or corrupt)
 *   bit 3: stored blocks (level 0) instead of level 9 */
#include <stdlib.h>
#include <zlib.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    const unsigned mode = data[0], extra = 1 + (mode >> 4);
    const uint8_t *body = data + 2;
    const size_t n = size - 2, split = (mode & 1) ? n * data[1] / 256 : n;
    const int level = (mode & 8) ? 0 : 9;
    const size_t cap = 2 * (compressBound((uLong)n) + 32) + extra;
    uint8_t *gz = malloc(cap);
    FUZZ_CHECK(gz != NULL);
    size_t len = 0;
    fuzz_gzip(body, split, level, gz, cap, &len);
    if (split < n) fuzz_gzip(body + split, n - split, level, gz, cap, &len);
    if (mode & 2) len = len > extra ? len - extra : 0;
    if (mode & 4)
        for (unsigned i = 0; i < extra; ++i) gz[len++] = i == 0 ? 0x1f : i == 1 ? 0x8b : (uint8_t)i;

    char path[FUZZ_PATH_MAX];
    fuzz_file("in.idx.gz", gz, len, path);
    free(gz);
    pml_idx idx;
    pml_status s = pml_idx_read(path, &idx);
    /* a stream cut short or followed by garbage is never accepted */
    FUZZ_CHECK(s != PML_OK || !(mode & 6));
    if (s == PML_OK) {
        size_t bytes = pml_dtype_size(idx.dtype);
        for (int i = 0; i < idx.ndim; ++i) bytes *= (size_t)idx.dims[i];
        /* plain IDX in, so header and data are exactly the body */
        FUZZ_CHECK(4 + 4 * (size_t)idx.ndim + bytes == n);
        fuzz_touch(idx.data, bytes);
    }
    pml_idx_free(&idx);
    return 0;
}
