/* FNV-1a, 64-bit (Fowler, Noll, Vo): the fingerprint checkpoints record of what a run was
 * given (a dataset's examples, a model's parameters), so that a resume of another run is
 * refused by name, and the checksum every .safetensors carries against accidental damage.
 * Not a defence against an adversary: a cheap, stable hash whose values are part of the files
 * already written, so it never changes. */
#include <stdlib.h>

#include "core/internal.h"

/* Elements read from the device at a time: host memory stays small however large the tensor. */
#define CHUNK_BYTES ((size_t)1 << 19)

uint64_t pml_fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

pml_status pml_tensor_fnv1a(const pml_tensor *t, uint64_t *h)
{
    const size_t es = pml_dtype_size(t->dtype);
    const int64_t per = (int64_t)(CHUNK_BYTES / es);
    void *buf = t->numel ? malloc(CHUNK_BYTES) : NULL;
    PML_CHECK(t->numel == 0 || buf != NULL, PML_ERR_OUT_OF_MEMORY,
              "pml_tensor_fnv1a: out of host memory");
    pml_status s = PML_OK;
    for (int64_t off = 0; s == PML_OK && off < t->numel; off += per) {
        int64_t n = t->numel - off < per ? t->numel - off : per;
        const pml_tensor part = pml_tensor_view_of(t, off, 1, &n);
        s = pml_tensor_download(&part, buf, (size_t)n * es);
        if (s == PML_OK) *h = pml_fnv1a(*h, buf, (size_t)n * es);
    }
    free(buf);
    return s;
}
