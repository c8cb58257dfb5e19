/* pml_npy_read on any bytes (versions 1.0 to 3.0 of the header). A tensor read must have the
 * shape it claims and all its bytes. */
#include "fuzz_util.h"

FUZZ_FILE_READER("in.npy", pml_tensor, pml_npy_read(fuzz_device(), path, &out),
                 fuzz_touch_tensor, pml_tensor_destroy)
