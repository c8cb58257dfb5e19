/* api_args cases for tensor.h. */
#include "api_args.h"

#define TENSOR_CASES(X)                                                                    \
    X(pml_tensor_create, S_INVALID, pml_tensor_create(NULL, PML_F32, 1, I64S(2), &f->out_t)) \
    X(pml_tensor_create, S_INVALID, pml_tensor_create(f->dev, PML_F32, 1, NULL, &f->out_t)) \
    X(pml_tensor_create, S_INVALID, pml_tensor_create(f->dev, PML_F32, 1, I64S(2), NULL))  \
    X(pml_tensor_create, S_INVALID, pml_tensor_create(f->dev, PML_F32, 0, I64S(2), &f->out_t)) \
    X(pml_tensor_create, S_INVALID,                                                        \
      pml_tensor_create(f->dev, PML_F32, 5, I64S(1, 1, 1, 1, 1), &f->out_t))               \
    X(pml_tensor_create, S_INVALID,                                                        \
      pml_tensor_create(f->dev, (pml_dtype)99, 1, I64S(2), &f->out_t))                     \
    X(pml_tensor_create, S_INVALID, pml_tensor_create(f->dev, PML_F32, 2, I64S(2, -1), &f->out_t)) \
    X(pml_tensor_create, S_INVALID,                                                        \
      pml_tensor_create(f->dev, PML_F32, 2, I64S(1ll << 40, 1ll << 40), &f->out_t))        \
    X(pml_tensor_create_1d, S_INVALID, pml_tensor_create_1d(NULL, PML_F32, 2, &f->out_t))  \
    X(pml_tensor_create_1d, S_INVALID, pml_tensor_create_1d(f->dev, PML_F32, 2, NULL))     \
    X(pml_tensor_create_1d, S_INVALID, pml_tensor_create_1d(f->dev, PML_F32, -1, &f->out_t)) \
    X(pml_tensor_create_1d, S_INVALID,                                                     \
      pml_tensor_create_1d(f->dev, (pml_dtype)-1, 2, &f->out_t))                           \
    X(pml_tensor_create_2d, S_INVALID, pml_tensor_create_2d(NULL, PML_F32, 2, 2, &f->out_t)) \
    X(pml_tensor_create_2d, S_INVALID, pml_tensor_create_2d(f->dev, PML_F32, 2, 2, NULL))  \
    X(pml_tensor_create_2d, S_INVALID, pml_tensor_create_2d(f->dev, PML_F32, -2, 2, &f->out_t)) \
    X(pml_tensor_create_2d, S_INVALID, pml_tensor_create_2d(f->dev, PML_F32, 2, -2, &f->out_t)) \
    X(pml_tensor_create_2d, S_INVALID,                                                     \
      pml_tensor_create_2d(f->dev, (pml_dtype)6, 2, 2, &f->out_t))                         \
    X(pml_tensor_view, S_INVALID, pml_tensor_view(f->a, 0, 1, I64S(6), NULL))              \
    X(pml_tensor_view, S_INVALID, pml_tensor_view(NULL, 0, 1, I64S(6), &f->out_t))         \
    X(pml_tensor_view, S_INVALID, pml_tensor_view(f->a, 0, 1, NULL, &f->out_t))            \
    X(pml_tensor_view, S_INVALID, pml_tensor_view(f->a, 0, 0, I64S(6), &f->out_t))         \
    X(pml_tensor_view, S_INVALID, pml_tensor_view(f->a, 0, 1, I64S(-1), &f->out_t))        \
    X(pml_tensor_view, S_INVALID, pml_tensor_view(f->a, -1, 1, I64S(2), &f->out_t))        \
    X(pml_tensor_view, S_INVALID, pml_tensor_view(f->a, 5, 1, I64S(2), &f->out_t)) /* 6 */ \
    X(pml_tensor_view, S_INVALID, pml_tensor_view(f->a, 7, 1, I64S(0), &f->out_t))         \
    X(pml_tensor_view, S_OK, pml_tensor_view(f->a, 6, 1, I64S(0), &f->out_t)) /* empty */  \
    X(pml_tensor_view, S_OK, pml_tensor_view(f->a, 2, 2, I64S(2, 2), &f->out_t))           \
    X(pml_tensor_reshape, S_INVALID, pml_tensor_reshape(NULL, 1, I64S(6)))                 \
    X(pml_tensor_reshape, S_INVALID, pml_tensor_reshape(f->a, 1, NULL))                    \
    X(pml_tensor_reshape, S_INVALID, pml_tensor_reshape(f->a, 0, I64S(6)))                 \
    X(pml_tensor_reshape, S_INVALID, pml_tensor_reshape(f->a, 5, I64S(6, 1, 1, 1, 1)))     \
    X(pml_tensor_reshape, S_INVALID, pml_tensor_reshape(f->a, 1, I64S(5)))                 \
    X(pml_tensor_reshape, S_INVALID, pml_tensor_reshape(f->a, 2, I64S(-2, -3)))            \
    BUFFER_CASES(X, pml_tensor_upload, f->a, f->host, 24, 20)                              \
    BUFFER_CASES(X, pml_tensor_download, f->a, f->host, 24, 28)                            \
    X(pml_tensor_copy, S_INVALID, pml_tensor_copy(NULL, f->a))                             \
    X(pml_tensor_copy, S_INVALID, pml_tensor_copy(f->a, NULL))                             \
    X(pml_tensor_copy, S_INVALID, pml_tensor_copy(f->c, f->d64)) /* dtypes differ */       \
    X(pml_tensor_copy, S_INVALID, pml_tensor_copy(f->a, f->c))   /* sizes differ */        \
    X(pml_tensor_fill, S_INVALID, pml_tensor_fill(NULL, 1.0))                              \
    X(pml_tensor_fill, S_INVALID, pml_tensor_fill(f->u8, 256.0))                           \
    X(pml_tensor_fill, S_INVALID, pml_tensor_fill(f->i32, 0.5))                            \
    X(pml_tensor_fill, S_INVALID, pml_tensor_fill(f->i32, NAN))                            \
    X(pml_tensor_fill, S_INVALID, pml_tensor_fill(f->a, 1e39))                             \
    X(pml_tensor_zero, S_INVALID, pml_tensor_zero(NULL))
#define TENSOR_CHECKS(Y)                                                                   \
    Y(pml_dtype_size, pml_dtype_size((pml_dtype)99) == 0)                                  \
    Y(pml_dtype_size, pml_dtype_size((pml_dtype)-1) == 0)                                  \
    Y(pml_dtype_name, strcmp(pml_dtype_name((pml_dtype)99), "?") == 0)                     \
    Y(pml_tensor_destroy, (pml_tensor_destroy(NULL), 1))                                   \
    Y(pml_tensor_device, pml_tensor_device(NULL) == NULL)                                  \
    Y(pml_tensor_dtype, (pml_tensor_dtype(NULL), 1))                                       \
    Y(pml_tensor_ndim, pml_tensor_ndim(NULL) == 0)                                         \
    Y(pml_tensor_dim, pml_tensor_dim(NULL, 0) == 0)                                        \
    Y(pml_tensor_dim, pml_tensor_dim(f->a, 2) == 0)                                        \
    Y(pml_tensor_dim, pml_tensor_dim(f->a, -3) == 0)                                       \
    Y(pml_tensor_numel, pml_tensor_numel(NULL) == 0)                                       \
    Y(pml_tensor_nbytes, pml_tensor_nbytes(NULL) == 0)                                     \
    Y(pml_tensor_data, pml_tensor_data(NULL) == NULL)                                      \
    Y(pml_tensor_data_const, pml_tensor_data_const(NULL) == NULL)                          \
    Y(pml_tensor_is_view, pml_tensor_is_view(NULL) == 0)                                   \
    Y(pml_tensor_is_view, pml_tensor_is_view(f->a) == 0)
DEFINE_GROUP(tensor_h, "tensor.h", TENSOR_CASES, TENSOR_CHECKS)
