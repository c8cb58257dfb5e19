/* pml_safetensors_read on any bytes. A file read must hold what it says: every tensor named,
 * found by its name, its bytes all there; every metadata key found. */
#include <string.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[FUZZ_PATH_MAX];
    fuzz_file("in.safetensors", data, size, path);
    pml_safetensors st;
    if (pml_safetensors_read(fuzz_device(), path, &st) != PML_OK) {
        FUZZ_CHECK(st.count == 0 && st.names == NULL && st.tensors == NULL);
        return 0;
    }
    /* names are unique (duplicate keys are refused), so a name finds its own tensor; the
     * lookups are linear searches, so only the first 64 are checked (else this check would
     * take the quadratic time on a large header) */
    for (int i = 0; i < st.count; ++i) {
        FUZZ_CHECK(st.names[i] != NULL);
        fuzz_touch_tensor(st.tensors[i]);
        if (i < 64) FUZZ_CHECK(pml_safetensors_find(&st, st.names[i]) == st.tensors[i]);
    }
    for (int i = 0; i < st.meta_count && i < 64; ++i)
        FUZZ_CHECK(pml_safetensors_meta(&st, st.meta_keys[i]) == st.meta_values[i]);
    pml_safetensors_free(&st);
    return 0;
}
