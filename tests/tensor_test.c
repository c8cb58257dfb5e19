/* Tensors on the CPU: creation, shapes, data movement, fill, and every error path. */
#include <math.h>
#include <string.h>

#include "pml_test.h"

static pml_device *cpu;
static void setup(void) { cpu = pml_test_open_cpu(); }
static void teardown(void) { pml_device_close(cpu); }
TestSuite(tensor, .init = setup, .fini = teardown);

Test(tensor, dtypes)
{
    const pml_dtype all[] = {PML_F32, PML_F64, PML_I32, PML_U32, PML_U8, PML_I8};
    const size_t sizes[] = {4, 8, 4, 4, 1, 1};
    const char *names[] = {"f32", "f64", "i32", "u32", "u8", "i8"};
    for (int i = 0; i < 6; ++i) {
        cr_expect_eq(pml_dtype_size(all[i]), sizes[i]);
        cr_expect_str_eq(pml_dtype_name(all[i]), names[i]);
    }
    cr_expect_eq(pml_dtype_size((pml_dtype)42), 0);
    cr_expect_str_eq(pml_dtype_name((pml_dtype)42), "?");
}

Test(tensor, create_and_shape)
{
    int64_t shape[4] = {2, 3, 4, 5};
    pml_tensor *t = NULL;
    PML_ASSERT_OK(pml_tensor_create(cpu, PML_F64, 4, shape, &t));
    cr_expect_eq(pml_tensor_ndim(t), 4);
    cr_expect_eq(pml_tensor_numel(t), 120);
    cr_expect_eq(pml_tensor_nbytes(t), 960);
    cr_expect_eq(pml_tensor_dim(t, 0), 2);
    cr_expect_eq(pml_tensor_dim(t, -1), 5);
    cr_expect_eq(pml_tensor_dim(t, 4), 0);
    cr_expect_eq(pml_tensor_dim(t, -5), 0);
    cr_expect_eq(pml_tensor_device(t), cpu);
    cr_expect_eq(pml_tensor_dtype(t), PML_F64);
    cr_expect_not_null(pml_tensor_data(t));
    int64_t flat[2] = {6, 20};
    PML_ASSERT_OK(pml_tensor_reshape(t, 2, flat));
    cr_expect_eq(pml_tensor_dim(t, 1), 20);
    int64_t wrong[2] = {7, 20};
    cr_expect_eq(pml_tensor_reshape(t, 2, wrong), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_tensor_dim(t, 0), 6, "a failed reshape leaves the shape alone");
    pml_tensor_destroy(t);
    pml_tensor_destroy(NULL);
}

Test(tensor, empty_tensor)
{
    pml_tensor *t = NULL;
    PML_ASSERT_OK(pml_tensor_create_2d(cpu, PML_F32, 0, 7, &t));
    cr_expect_eq(pml_tensor_numel(t), 0);
    cr_expect_null(pml_tensor_data(t));
    PML_ASSERT_OK(pml_tensor_fill(t, 1.0));
    PML_ASSERT_OK(pml_tensor_zero(t));
    PML_ASSERT_OK(pml_tensor_upload(t, NULL, 0));
    double s = 1;
    PML_ASSERT_OK(pml_sum(cpu, t, &s));
    cr_expect_eq(s, 0.0);
    pml_tensor_destroy(t);
}

Test(tensor, create_errors)
{
    pml_tensor *t = (pml_tensor *)0x1;
    int64_t shape[5] = {1, 2, 3, 4, 5};
    cr_expect_eq(pml_tensor_create(NULL, PML_F32, 1, shape, &t), PML_ERR_INVALID_ARGUMENT);
    cr_expect_null(t, "out is cleared on failure");
    cr_expect_eq(pml_tensor_create(cpu, PML_F32, 0, shape, &t), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_tensor_create(cpu, PML_F32, 5, shape, &t), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_tensor_create(cpu, PML_F32, 2, NULL, &t), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_tensor_create(cpu, (pml_dtype)9, 2, shape, &t), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_tensor_create(cpu, PML_F32, 2, shape, NULL), PML_ERR_INVALID_ARGUMENT);
    int64_t neg[2] = {3, -1};
    cr_expect_eq(pml_tensor_create(cpu, PML_F32, 2, neg, &t), PML_ERR_INVALID_ARGUMENT);
    cr_expect(strstr(pml_last_error(), "negative") != NULL);
    int64_t huge[3] = {INT64_C(1) << 40, INT64_C(1) << 40, 2};
    cr_expect_eq(pml_tensor_create(cpu, PML_F32, 3, huge, &t), PML_ERR_INVALID_ARGUMENT);
    int64_t big[1] = {INT64_C(1) << 50}; /* 4 PiB: allocation must fail cleanly */
    cr_expect_eq(pml_tensor_create(cpu, PML_F32, 1, big, &t), PML_ERR_OUT_OF_MEMORY);
}

Test(tensor, upload_download_copy)
{
    float host[6] = {1, 2, 3, 4, 5, 6}, back[6] = {0};
    pml_tensor *a = NULL, *b = NULL, *c = NULL;
    PML_ASSERT_OK(pml_tensor_create_2d(cpu, PML_F32, 2, 3, &a));
    PML_ASSERT_OK(pml_tensor_create_1d(cpu, PML_F32, 6, &b));
    PML_ASSERT_OK(pml_tensor_create_1d(cpu, PML_I32, 6, &c));
    PML_ASSERT_OK(pml_tensor_upload(a, host, sizeof host));
    PML_ASSERT_OK(pml_tensor_copy(b, a));
    PML_ASSERT_OK(pml_tensor_download(b, back, sizeof back));
    cr_expect_arr_eq(back, host, sizeof host);
    cr_expect_eq(pml_tensor_upload(a, host, 5), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_tensor_upload(a, NULL, sizeof host), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_tensor_upload(NULL, host, sizeof host), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_tensor_download(a, back, 28), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_tensor_download(a, NULL, sizeof back), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_tensor_copy(c, a), PML_ERR_INVALID_ARGUMENT, "dtype mismatch");
    cr_expect_eq(pml_tensor_copy(NULL, a), PML_ERR_INVALID_ARGUMENT);
    pml_tensor *small = NULL;
    PML_ASSERT_OK(pml_tensor_create_1d(cpu, PML_F32, 5, &small));
    cr_expect_eq(pml_tensor_copy(small, a), PML_ERR_INVALID_ARGUMENT, "size mismatch");
    PML_ASSERT_OK(pml_tensor_copy(a, a));
    pml_tensor_destroy(a);
    pml_tensor_destroy(b);
    pml_tensor_destroy(c);
    pml_tensor_destroy(small);
}

Test(tensor, fill_and_zero_every_dtype)
{
    const pml_dtype all[] = {PML_F32, PML_F64, PML_I32, PML_U32, PML_U8, PML_I8};
    for (int d = 0; d < 6; ++d) {
        pml_tensor *t = NULL;
        PML_ASSERT_OK(pml_tensor_create_1d(cpu, all[d], 100003, &t));
        PML_ASSERT_OK(pml_tensor_fill(t, 7));
        double s = 0;
        PML_ASSERT_OK(pml_sum(cpu, t, &s));
        cr_expect_eq(s, 7.0 * 100003, "%s: sum %g", pml_dtype_name(all[d]), s);
        PML_ASSERT_OK(pml_tensor_zero(t));
        PML_ASSERT_OK(pml_sum(cpu, t, &s));
        cr_expect_eq(s, 0.0);
        pml_tensor_destroy(t);
    }
    pml_tensor *u8 = NULL, *i8 = NULL, *f = NULL;
    PML_ASSERT_OK(pml_tensor_create_1d(cpu, PML_U8, 3, &u8));
    PML_ASSERT_OK(pml_tensor_create_1d(cpu, PML_I8, 3, &i8));
    PML_ASSERT_OK(pml_tensor_create_1d(cpu, PML_F32, 3, &f));
    cr_expect_eq(pml_tensor_fill(u8, 256), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_tensor_fill(u8, -1), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_tensor_fill(u8, 0.5), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_tensor_fill(i8, -129), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_tensor_fill(f, 1e39), PML_ERR_INVALID_ARGUMENT);
    PML_ASSERT_OK(pml_tensor_fill(f, -INFINITY));
    PML_ASSERT_OK(pml_tensor_fill(i8, -128));
    cr_expect_eq(pml_tensor_fill(NULL, 0), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_tensor_zero(NULL), PML_ERR_INVALID_ARGUMENT);
    pml_tensor_destroy(u8);
    pml_tensor_destroy(i8);
    pml_tensor_destroy(f);
}

/* Views share their base's storage, own none of it, and keep to its bounds. */
Test(tensor, views)
{
    const int64_t shape[2] = {4, 6};
    float host[24];
    for (int i = 0; i < 24; ++i) host[i] = (float)i;
    pml_tensor *t = pml_test_tensor(cpu, PML_F32, 2, shape, host);
    cr_expect_eq(pml_tensor_is_view(t), 0);
    /* row 2 as a 2 x 3 tensor */
    pml_tensor *row = NULL, *half = NULL, *one = NULL;
    PML_ASSERT_OK(pml_tensor_view(t, 12, 2, (const int64_t[]){2, 3}, &row));
    cr_expect_eq(pml_tensor_is_view(row), 1);
    cr_expect_eq(pml_tensor_numel(row), 6);
    cr_expect_eq(pml_tensor_dim(row, 0), 2);
    cr_expect_eq(pml_tensor_device(row), cpu);
    cr_expect_eq(pml_tensor_dtype(row), PML_F32);
    cr_expect_eq((float *)pml_tensor_data(row), (float *)pml_tensor_data(t) + 12);
    float got[6];
    PML_ASSERT_OK(pml_tensor_download(row, got, sizeof got));
    for (int i = 0; i < 6; ++i) cr_expect_eq(got[i], (float)(12 + i));
    /* writes through the view reach the base, and the other way round */
    PML_ASSERT_OK(pml_tensor_fill(row, -1.0));
    float all[24];
    PML_ASSERT_OK(pml_tensor_download(t, all, sizeof all));
    for (int i = 0; i < 24; ++i)
        cr_expect_eq(all[i], i >= 12 && i < 18 ? -1.0f : (float)i, "element %d", i);
    /* a view of the view, reshaped, and a copy into it */
    PML_ASSERT_OK(pml_tensor_view(row, 3, 1, (const int64_t[]){3}, &half));
    PML_ASSERT_OK(pml_tensor_reshape(half, 2, (const int64_t[]){3, 1}));
    cr_expect_eq((float *)pml_tensor_data(half), (float *)pml_tensor_data(t) + 15);
    PML_ASSERT_OK(pml_tensor_view(t, 0, 1, (const int64_t[]){3}, &one));
    PML_ASSERT_OK(pml_tensor_copy(half, one));
    PML_ASSERT_OK(pml_tensor_download(t, all, sizeof all));
    cr_expect(all[15] == 0.0f && all[16] == 1.0f && all[17] == 2.0f && all[14] == -1.0f);
    /* out of bounds: nothing comes back */
    pml_tensor *bad = (pml_tensor *)1;
    cr_expect_eq(pml_tensor_view(t, 20, 1, (const int64_t[]){5}, &bad), PML_ERR_INVALID_ARGUMENT);
    cr_expect_null(bad);
    cr_expect_eq(pml_tensor_view(row, 0, 1, (const int64_t[]){7}, &bad), PML_ERR_INVALID_ARGUMENT);
    /* destroying the views frees nothing of the base (AddressSanitizer would see it) */
    pml_tensor_destroy(half);
    pml_tensor_destroy(one);
    pml_tensor_destroy(row);
    PML_ASSERT_OK(pml_tensor_download(t, all, sizeof all));
    cr_expect_eq(all[23], 23.0f);
    pml_tensor_destroy(t);
}
