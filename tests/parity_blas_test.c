/* CPU against CUDA: memory movement, fill, axpy, scale and sum. */
#include <stdlib.h>
#include <string.h>

#include "pml_test.h"

Test(parity_blas, transfers_fill_and_copy)
{
    pml_device *gpu = pml_test_open_cuda_or_skip(), *cpu = pml_test_open_cpu();
    const pml_dtype all[] = {PML_F32, PML_F64, PML_I32, PML_U32, PML_U8, PML_I8};
    for (int d = 0; d < 6; ++d) {
        int64_t shape[3] = {3, 7, 11};
        pml_tensor *h, *g, *g2;
        PML_ASSERT_OK(pml_tensor_create(cpu, all[d], 3, shape, &h));
        PML_ASSERT_OK(pml_tensor_create(gpu, all[d], 3, shape, &g));
        PML_ASSERT_OK(pml_tensor_create(gpu, all[d], 3, shape, &g2));
        PML_ASSERT_OK(pml_tensor_fill(h, 5));
        PML_ASSERT_OK(pml_tensor_fill(g, 5));
        size_t bytes = pml_tensor_nbytes(h);
        unsigned char *back = malloc(bytes);
        PML_ASSERT_OK(pml_tensor_download(g, back, bytes));
        cr_expect(memcmp(back, pml_tensor_data(h), bytes) == 0, "fill %s", pml_dtype_name(all[d]));
        PML_ASSERT_OK(pml_tensor_zero(g));
        PML_ASSERT_OK(pml_tensor_copy(g, h));  /* host -> device */
        PML_ASSERT_OK(pml_tensor_copy(g2, g)); /* device -> device */
        PML_ASSERT_OK(pml_tensor_zero(h));
        PML_ASSERT_OK(pml_tensor_copy(h, g2)); /* device -> host */
        PML_ASSERT_OK(pml_tensor_download(g2, back, bytes));
        cr_expect(memcmp(back, pml_tensor_data(h), bytes) == 0, "copies %s", pml_dtype_name(all[d]));
        double sh, sg;
        PML_ASSERT_OK(pml_sum(cpu, h, &sh));
        PML_ASSERT_OK(pml_sum(gpu, g2, &sg));
        cr_expect_eq(sh, 5.0 * 231, "sum %s", pml_dtype_name(all[d]));
        cr_expect_eq(sg, sh);
        free(back);
        pml_tensor_destroy(h);
        pml_tensor_destroy(g);
        pml_tensor_destroy(g2);
    }
    pml_device_close(gpu);
    pml_device_close(cpu);
}

Test(parity_blas, axpy_scale_sum)
{
    pml_device *gpu = pml_test_open_cuda_or_skip(), *cpu = pml_test_open_cpu();
    enum { N = 1000003 };
    pml_tensor *xc, *yc, *xg, *yg;
    PML_ASSERT_OK(pml_tensor_create_1d(cpu, PML_F32, N, &xc));
    PML_ASSERT_OK(pml_tensor_create_1d(cpu, PML_F32, N, &yc));
    PML_ASSERT_OK(pml_tensor_create_1d(gpu, PML_F32, N, &xg));
    PML_ASSERT_OK(pml_tensor_create_1d(gpu, PML_F32, N, &yg));
    PML_ASSERT_OK(pml_rand_uniform(xc, 4, 0, 0));
    PML_ASSERT_OK(pml_rand_uniform(yc, 4, 1, 0));
    PML_ASSERT_OK(pml_rand_uniform(xg, 4, 0, 0));
    PML_ASSERT_OK(pml_rand_uniform(yg, 4, 1, 0));
    PML_ASSERT_OK(pml_axpy(cpu, -1.25, xc, yc));
    PML_ASSERT_OK(pml_axpy(gpu, -1.25, xg, yg));
    PML_ASSERT_OK(pml_scale(cpu, 3.0, yc));
    PML_ASSERT_OK(pml_scale(gpu, 3.0, yg));
    float *back = malloc(N * sizeof(float));
    PML_ASSERT_OK(pml_tensor_download(yg, back, N * sizeof(float)));
    cr_expect(pml_test_close_f32("axpy+scale", back, pml_tensor_data(yc), N, PML_TOL_ELEMENTWISE_F32));
    /* The sums are compared over the same data: the GPU's axpy fuses y + a x into one FMA
     * and the CPU's does not, so yg and yc differ in the last bit of many elements, and over
     * 10^6 elements that alone moves the sum far beyond PML_TOL_SUM (seen on the first GPU
     * run: the sums of yg and yc differed by about 1e-4). */
    pml_tensor *yh;
    PML_ASSERT_OK(pml_tensor_create_1d(cpu, PML_F32, N, &yh));
    PML_ASSERT_OK(pml_tensor_upload(yh, back, N * sizeof(float)));
    double sc, sg;
    PML_ASSERT_OK(pml_sum(cpu, yh, &sc));
    PML_ASSERT_OK(pml_sum(gpu, yg, &sg));
    cr_expect(pml_test_close_f64("sum", &sg, &sc, 1, PML_TOL_SUM));
    pml_tensor_destroy(yh);
    double sg2;
    PML_ASSERT_OK(pml_sum(gpu, yg, &sg2));
    cr_expect_eq(sg, sg2, "the GPU sum is deterministic");
    free(back);
    pml_tensor_destroy(xc);
    pml_tensor_destroy(yc);
    pml_tensor_destroy(xg);
    pml_tensor_destroy(yg);
    pml_device_close(gpu);
    pml_device_close(cpu);
}

Test(parity_blas, mixed_devices_are_rejected)
{
    pml_device *gpu = pml_test_open_cuda_or_skip(), *cpu = pml_test_open_cpu();
    pml_tensor *h, *g;
    PML_ASSERT_OK(pml_tensor_create_1d(cpu, PML_F32, 8, &h));
    PML_ASSERT_OK(pml_tensor_create_1d(gpu, PML_F32, 8, &g));
    cr_expect_eq(pml_axpy(gpu, 1.0, h, g), PML_ERR_DEVICE_MISMATCH);
    pml_tensor_destroy(h);
    pml_tensor_destroy(g);
    pml_device_close(gpu);
    pml_device_close(cpu);
}

/* CPU part: sums of every dtype are exact for small integers. */
Test(parity_blas, cpu_sums_exact)
{
    pml_device *cpu = pml_test_open_cpu();
    pml_tensor *t;
    PML_ASSERT_OK(pml_tensor_create_1d(cpu, PML_I8, 1000, &t));
    PML_ASSERT_OK(pml_tensor_fill(t, -7));
    double s;
    PML_ASSERT_OK(pml_sum(cpu, t, &s));
    cr_expect_eq(s, -7000.0);
    pml_tensor_destroy(t);
    pml_device_close(cpu);
}
