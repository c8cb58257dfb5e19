/* FNV-1a, 64-bit (Fowler, Noll, Vo): the fingerprint checkpoints record of what a run was
 * given (a dataset's examples, a model's parameters), so that a resume of another run is
 * refused by name. Not a checksum against damage or an adversary: a cheap, stable hash whose
 * values are part of the files already written, so it never changes. */
#include "core/internal.h"

uint64_t pml_fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}
