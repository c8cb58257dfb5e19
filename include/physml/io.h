/* Arrays and weights on disk in the formats NumPy and PyTorch read: .npy and .safetensors.
 *
 * Every writer replaces its file atomically: the bytes go to a temporary file beside it
 * (".NAME.tmp.PID.N"), every write checked, flushed and fsync'd, then renamed over the target.
 * A failure (PML_ERR_IO naming the call, the path and the OS's reason, e.g. a full disk)
 * leaves the old file as it was and no temporary file; a process killed mid-write leaves the
 * old file and, at worst, its hidden temporary file. Readers open only regular files: a FIFO
 * (which would block), a directory or a device is PML_ERR_IO saying what it is. */
#ifndef PHYSML_IO_H
#define PHYSML_IO_H

#include "physml/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* .npy version 1.0, little-endian, C order. Any dtype and shape of a tensor. */
PML_API pml_status pml_npy_write(const char *path, const pml_tensor *t);
/* Read a .npy file into a new tensor on dev. Accepts '<f4', '<f8', '<i4', '<u4', '|u1',
 * '|i1' in C order; anything else is PML_ERR_UNSUPPORTED, a broken header BAD_FORMAT. */
PML_API pml_status pml_npy_read(pml_device *dev, const char *path, pml_tensor **out);

/* .safetensors: an 8-byte little-endian header length, a JSON header
 * {"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...,
 *  "__metadata__": {...}}, then the raw data. Readable with safetensors.torch.load_file. */
typedef struct pml_named_tensor {
    const char *name;
    const pml_tensor *tensor;
} pml_named_tensor;

/* Limits, the same for writing and reading. The header (JSON) may be at most 100,000,000
 * bytes, as in the reference implementation; a file may hold at most 65,536 tensors, two
 * orders of magnitude above the largest checkpoints' (a few thousand), so that the work a
 * file can ask for (a device tensor each, the header's JSON values) stays bounded. A reader
 * refuses a file beyond either limit with PML_ERR_BAD_FORMAT naming the file and the limit,
 * a writer with PML_ERR_INVALID_ARGUMENT. */
#define PML_SAFETENSORS_MAX_HEADER 100000000
#define PML_SAFETENSORS_MAX_TENSORS 65536

/* The metadata key of the checksum every physml file carries: 64-bit FNV-1a over the other
 * metadata, the tensors' names, dtypes and shapes, and their bytes (src/data/safetensors.c
 * says the order). pml_safetensors_read refuses a file whose contents do not give it
 * (PML_ERR_BAD_FORMAT); a file without it is read unchecked. */
#define PML_SAFETENSORS_CHECKSUM "physml_checksum"

/* metadata: NULL or pairs of strings {key0, value0, key1, value1, ..., NULL}. Names and
 * metadata keys must be unique (checked in O(n log n)). A PML_SAFETENSORS_CHECKSUM among
 * them (a file's metadata passed on as it was read) is replaced by the new contents' own. */
PML_API pml_status pml_safetensors_write(const char *path, const pml_named_tensor *tensors,
                                         int count, const char *const *metadata);

/* A loaded file: tensors on dev, with their names; free with pml_safetensors_free. */
typedef struct pml_safetensors {
    int count;
    char **names;
    pml_tensor **tensors;
    int meta_count;
    char **meta_keys, **meta_values;
} pml_safetensors;

PML_API pml_status pml_safetensors_read(pml_device *dev, const char *path, pml_safetensors *out);
PML_API void pml_safetensors_free(pml_safetensors *st); /* accepts NULL and zeroed structs */
/* The tensor called name, or NULL. */
PML_API pml_tensor *pml_safetensors_find(const pml_safetensors *st, const char *name);
/* The metadata value for key, or NULL. */
PML_API const char *pml_safetensors_meta(const pml_safetensors *st, const char *key);

#ifdef __cplusplus
}
#endif
#endif
