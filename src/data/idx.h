/* The IDX reader in two steps, so that a caller reading several files (the dataset loader:
 * images and labels) can check every header against the others before any payload is
 * inflated. pml_idx_read is open, read_data, close. */
#ifndef PML_DATA_IDX_H
#define PML_DATA_IDX_H

#include "core/internal.h"
#include "physml/data.h"

typedef struct pml_idx_reader pml_idx_reader;

/* Open path (a regular file, plain or gzip'd) and read its header into *hdr: dtype, ndim and
 * dims, data NULL; only the header's bytes are inflated. Errors as pml_idx_read's. */
pml_status pml_idx_open(const char *path, pml_idx_reader **r, pml_idx *hdr);
/* Read the data hdr announces into hdr->data (native byte order; free with pml_idx_free).
 * The announced size is first checked against the file's: a plain file must hold exactly
 * the header and the data, a gzip'd one no more than deflate's largest expansion (1032:1)
 * of its size; then the data is read, and nothing may follow it. */
pml_status pml_idx_read_data(pml_idx_reader *r, pml_idx *hdr);
void pml_idx_close(pml_idx_reader *r); /* accepts NULL */

#endif
