/* api_args cases for device.h. */
#include "api_args.h"

#define DEVICE_CASES(X)                                                                    \
    X(pml_device_open, S_INVALID, pml_device_open("cpu", NULL))                            \
    X(pml_device_open, S_INVALID, pml_device_open("tpu", &f->out_dev))                     \
    X(pml_device_open, S_INVALID, pml_device_open("cuda:-1", &f->out_dev))                 \
    X(pml_device_open, S_NODEV, pml_device_open("cuda:1023", &f->out_dev))                 \
    X(pml_device_open, S_OK, pml_device_open(NULL, &f->out_dev)) /* "auto" */              \
    X(pml_device_memory, S_INVALID, pml_device_memory(NULL, &f->off, &f->off))             \
    X(pml_device_memory, S_OK, pml_device_memory(f->dev, NULL, NULL)) /* outs optional */  \
    X(pml_device_compute_capability, S_INVALID,                                            \
      pml_device_compute_capability(NULL, &f->ival, &f->ival2))                            \
    X(pml_device_compute_capability, S_INVALID,                                            \
      pml_device_compute_capability(f->dev, NULL, &f->ival2))                              \
    X(pml_device_compute_capability, S_INVALID,                                            \
      pml_device_compute_capability(f->dev, &f->ival, NULL))                               \
    X(pml_device_synchronize, S_INVALID, pml_device_synchronize(NULL))                     \
    X(pml_device_set_tf32, S_INVALID, pml_device_set_tf32(NULL, 1))                        \
    X(pml_device_list, S_INVALID, pml_device_list(NULL, 2, &f->ival))                      \
    X(pml_device_list, S_INVALID, pml_device_list(f->info, 4, NULL))                       \
    X(pml_device_list, S_INVALID, pml_device_list(f->info, -1, &f->ival))                  \
    X(pml_device_list, S_OK, pml_device_list(NULL, 0, &f->ival)) /* count only */
#define DEVICE_CHECKS(Y)                                                                   \
    Y(pml_device_close, (pml_device_close(NULL), 1))                                       \
    Y(pml_device_get_kind, pml_device_get_kind(NULL) == PML_DEVICE_CPU)                    \
    Y(pml_device_spec, strcmp(pml_device_spec(NULL), "") == 0)                             \
    Y(pml_device_name, strcmp(pml_device_name(NULL), "") == 0)                             \
    Y(pml_device_parallelism, pml_device_parallelism(NULL) == 0)
DEFINE_GROUP(device_h, "device.h", DEVICE_CASES, DEVICE_CHECKS)
