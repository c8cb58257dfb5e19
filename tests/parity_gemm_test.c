/* CPU against CUDA: GEMM (OpenBLAS vs cuBLAS, both against the naive loop) on the odd
 * shapes of gemm_cases.h, plus leading dimensions, and TF32 only when asked. */
#include <stdlib.h>

#include "cpu/cpu.h"
#include "gemm_cases.h"
#include "pml_test.h"

static void run_case(pml_device *cpu, pml_device *gpu, pml_dtype dt, const pml_gemm_case *c)
{
    int64_t ar = c->ta ? c->k : c->m, ac = c->ta ? c->m : c->k;
    int64_t br = c->tb ? c->n : c->k, bc = c->tb ? c->k : c->n;
    if (ar == 0) ar = 1;
    if (ac == 0) ac = 1;
    if (br == 0) br = 1;
    if (bc == 0) bc = 1;
    pml_tensor *h[3], *g[3];
    int64_t rows[3] = {ar, br, c->m}, cols[3] = {ac, bc, c->n};
    for (int i = 0; i < 3; ++i) {
        PML_ASSERT_OK(pml_tensor_create_2d(cpu, dt, rows[i], cols[i], &h[i]));
        PML_ASSERT_OK(pml_tensor_create_2d(gpu, dt, rows[i], cols[i], &g[i]));
        PML_ASSERT_OK(pml_rand_normal(h[i], 21, (uint64_t)i, 0, 0.f, 1.f));
        PML_ASSERT_OK(pml_tensor_copy(g[i], h[i]));
    }
    pml_gemm_args ref = {.dtype = dt, .trans_a = c->ta, .trans_b = c->tb, .m = c->m, .n = c->n,
                         .k = c->k, .alpha = c->alpha, .beta = c->beta, .a = h[0]->data,
                         .lda = ac, .b = h[1]->data, .ldb = bc, .c = h[2]->data, .ldc = c->n};
    PML_ASSERT_OK(pml_gemm(gpu, c->ta, c->tb, c->m, c->n, c->k, c->alpha, g[0], g[1], c->beta, g[2]));
    PML_ASSERT_OK(pml_cpu_gemm_naive(NULL, &ref));
    size_t n = (size_t)(c->m * c->n), bytes = n * pml_dtype_size(dt);
    void *back = malloc(bytes);
    PML_ASSERT_OK(pml_tensor_download(g[2], back, bytes));
    char what[96];
    snprintf(what, sizeof what, "cuBLAS %s %lldx%lldx%lld ta%d tb%d", pml_dtype_name(dt),
             (long long)c->m, (long long)c->n, (long long)c->k, c->ta, c->tb);
    if (dt == PML_F32) cr_expect(pml_test_close_f32(what, back, h[2]->data, n, PML_TOL_GEMM_F32));
    else cr_expect(pml_test_close_f64(what, back, h[2]->data, n, PML_TOL_GEMM_F64));
    free(back);
    for (int i = 0; i < 3; ++i) {
        pml_tensor_destroy(h[i]);
        pml_tensor_destroy(g[i]);
    }
}

Test(parity_gemm, odd_shapes)
{
    pml_device *gpu = pml_test_open_cuda_or_skip(), *cpu = pml_test_open_cpu();
    for (size_t i = 0; i < PML_GEMM_NCASES; ++i) {
        run_case(cpu, gpu, PML_F32, &pml_gemm_cases[i]);
        run_case(cpu, gpu, PML_F64, &pml_gemm_cases[i]);
    }
    pml_device_close(gpu);
    pml_device_close(cpu);
}

Test(parity_gemm, leading_dimensions_and_offsets)
{
    pml_device *gpu = pml_test_open_cuda_or_skip(), *cpu = pml_test_open_cpu();
    pml_device *devs[2] = {cpu, gpu};
    pml_tensor *t[2][3];
    int64_t r[3] = {6, 7, 6}, c[3] = {8, 9, 10};
    for (int d = 0; d < 2; ++d)
        for (int i = 0; i < 3; ++i) {
            PML_ASSERT_OK(pml_tensor_create_2d(devs[d], PML_F32, r[i], c[i], &t[d][i]));
            PML_ASSERT_OK(pml_rand_uniform(t[d][i], 3, (uint64_t)i, 0));
        }
    for (int d = 0; d < 2; ++d) {
        pml_matrix_ref ra = {t[d][0], 10, 8}, rb = {t[d][1], 19, 9};
        PML_ASSERT_OK(pml_gemm_ex(devs[d], PML_NO_TRANS, PML_TRANS, 3, 4, 5, 1.0, ra, rb, 0.5,
                                  t[d][2], 23, 10));
    }
    float back[60];
    PML_ASSERT_OK(pml_tensor_download(t[1][2], back, sizeof back));
    cr_expect(pml_test_close_f32("gemm_ex", back, t[0][2]->data, 60, PML_TOL_GEMM_F32));
    for (int d = 0; d < 2; ++d)
        for (int i = 0; i < 3; ++i) pml_tensor_destroy(t[d][i]);
    pml_device_close(gpu);
    pml_device_close(cpu);
}

Test(parity_gemm, fp32_is_deterministic)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_tensor *a, *b, *c;
    PML_ASSERT_OK(pml_tensor_create_2d(gpu, PML_F32, 512, 512, &a));
    PML_ASSERT_OK(pml_tensor_create_2d(gpu, PML_F32, 512, 512, &b));
    PML_ASSERT_OK(pml_tensor_create_2d(gpu, PML_F32, 512, 512, &c));
    PML_ASSERT_OK(pml_rand_normal(a, 1, 0, 0, 0.f, 1.f));
    PML_ASSERT_OK(pml_rand_normal(b, 1, 1, 0, 0.f, 1.f));
    float *r1 = malloc(512 * 512 * 4), *r2 = malloc(512 * 512 * 4);
    PML_ASSERT_OK(pml_gemm(gpu, 0, 0, 512, 512, 512, 1.0, a, b, 0.0, c));
    PML_ASSERT_OK(pml_tensor_download(c, r1, 512 * 512 * 4));
    PML_ASSERT_OK(pml_gemm(gpu, 0, 0, 512, 512, 512, 1.0, a, b, 0.0, c));
    PML_ASSERT_OK(pml_tensor_download(c, r2, 512 * 512 * 4));
    cr_expect(pml_test_equal_bytes("repeat", r1, r2, 512 * 512, 4));
    free(r1);
    free(r2);
    pml_tensor_destroy(a);
    pml_tensor_destroy(b);
    pml_tensor_destroy(c);
    pml_device_close(gpu);
}

/* CPU part: OpenBLAS against the naive loop on the same shapes the GPU is held to. */
Test(parity_gemm, cpu_reference_is_sound)
{
    pml_device *cpu = pml_test_open_cpu();
    const pml_gemm_case *c = &pml_gemm_cases[PML_GEMM_NCASES - 2];
    pml_tensor *a, *b, *x, *y;
    PML_ASSERT_OK(pml_tensor_create_2d(cpu, PML_F32, c->m, c->k, &a));
    PML_ASSERT_OK(pml_tensor_create_2d(cpu, PML_F32, c->n, c->k, &b));
    PML_ASSERT_OK(pml_tensor_create_2d(cpu, PML_F32, c->m, c->n, &x));
    PML_ASSERT_OK(pml_tensor_create_2d(cpu, PML_F32, c->m, c->n, &y));
    PML_ASSERT_OK(pml_rand_normal(a, 2, 0, 0, 0.f, 1.f));
    PML_ASSERT_OK(pml_rand_normal(b, 2, 1, 0, 0.f, 1.f));
    PML_ASSERT_OK(pml_gemm(cpu, 0, 1, c->m, c->n, c->k, 1.0, a, b, 0.0, x));
    pml_gemm_args g = {.dtype = PML_F32, .trans_b = PML_TRANS, .m = c->m, .n = c->n, .k = c->k,
                       .alpha = 1.0, .a = a->data, .lda = c->k, .b = b->data, .ldb = c->k,
                       .c = y->data, .ldc = c->n};
    PML_ASSERT_OK(pml_cpu_gemm_naive(NULL, &g));
    cr_expect(pml_test_close_f32("OpenBLAS", x->data, y->data, (size_t)(c->m * c->n), PML_TOL_GEMM_F32));
    pml_tensor_destroy(a);
    pml_tensor_destroy(b);
    pml_tensor_destroy(x);
    pml_tensor_destroy(y);
    pml_device_close(cpu);
}
