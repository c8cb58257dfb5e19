/* TEMPORARY: placeholders for io.h until the data branch lands .safetensors (remove this
 * file when merging it). Every call answers PML_ERR_UNSUPPORTED. */
#include "core/internal.h"
#include "physml/io.h"

pml_status pml_safetensors_write(const char *path, const pml_named_tensor *tensors, int count,
                                 const char *const *metadata)
{
    (void)tensors;
    (void)count;
    (void)metadata;
    return pml_set_error(PML_ERR_UNSUPPORTED, "pml_safetensors_write(%s): not built yet", path);
}
pml_status pml_safetensors_read(pml_device *dev, const char *path, pml_safetensors *out)
{
    (void)dev;
    (void)out;
    return pml_set_error(PML_ERR_UNSUPPORTED, "pml_safetensors_read(%s): not built yet", path);
}
void pml_safetensors_free(pml_safetensors *st) { (void)st; }
pml_tensor *pml_safetensors_find(const pml_safetensors *st, const char *name)
{
    (void)st;
    (void)name;
    return NULL;
}
const char *pml_safetensors_meta(const pml_safetensors *st, const char *key)
{
    (void)st;
    (void)key;
    return NULL;
}
