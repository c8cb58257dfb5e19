/* CPU against CUDA: the Philox fills. Integers and uniform floats must be bit-identical;
 * normal floats agree within PML_TOL_NORMAL (logf/sincosf). */
#include <stdlib.h>

#include "pml_test.h"

/* Shapes and offsets that exercise partial blocks of four at both ends. */
static const struct {
    int64_t n;
    uint64_t seed, stream, offset;
} cases[] = {{1, 0, 0, 0},       {3, 1, 0, 1},          {4, 2, 5, 4},
             {1021, 3, 7, 2},    {65537, 42, 1, 3},     {1 << 20, 0xfeedull, 1ull << 33, 1ull << 34}};

/* Fill every case on both devices (kind 0: u32, 1: uniform, 2: normal) and compare; skips
 * without a GPU. */
static void compare(pml_dtype dt, int kind)
{
    pml_device *gpu = pml_test_open_cuda_or_skip(), *cpu = pml_test_open_cpu();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        pml_tensor *tc = NULL, *tg = NULL;
        PML_ASSERT_OK(pml_tensor_create_1d(cpu, dt, cases[i].n, &tc));
        PML_ASSERT_OK(pml_tensor_create_1d(gpu, dt, cases[i].n, &tg));
        pml_tensor *ts[2] = {tc, tg};
        for (int d = 0; d < 2; ++d) {
            if (kind == 0) PML_ASSERT_OK(pml_rand_u32(ts[d], cases[i].seed, cases[i].stream, cases[i].offset));
            if (kind == 1) PML_ASSERT_OK(pml_rand_uniform(ts[d], cases[i].seed, cases[i].stream, cases[i].offset));
            if (kind == 2)
                PML_ASSERT_OK(pml_rand_normal(ts[d], cases[i].seed, cases[i].stream, cases[i].offset, 0.5f, 2.0f));
        }
        size_t bytes = pml_tensor_nbytes(tc);
        void *back = malloc(bytes);
        PML_ASSERT_OK(pml_tensor_download(tg, back, bytes));
        if (kind == 2 && dt == PML_F32)
            cr_expect(pml_test_close_f32("normal", back, pml_tensor_data(tc), (size_t)cases[i].n, PML_TOL_NORMAL),
                      "case %zu", i);
        else if (kind == 2)
            cr_expect(pml_test_close_f64("normal", back, pml_tensor_data(tc), (size_t)cases[i].n, PML_TOL_NORMAL),
                      "case %zu", i);
        else
            cr_expect(pml_test_equal_bytes(kind ? "uniform" : "u32", back, pml_tensor_data(tc),
                                           (size_t)cases[i].n, pml_dtype_size(dt)),
                      "case %zu", i);
        free(back);
        pml_tensor_destroy(tc);
        pml_tensor_destroy(tg);
    }
    pml_device_close(gpu);
    pml_device_close(cpu);
}

Test(parity_rng, u32_bit_identical) { compare(PML_U32, 0); }

Test(parity_rng, uniform_bit_identical)
{
    compare(PML_F32, 1);
    compare(PML_F64, 1);
}

Test(parity_rng, normal_within_tolerance)
{
    compare(PML_F32, 2);
    compare(PML_F64, 2);
}

/* CPU: a fill equals the scalar host functions at every case above (the reference the GPU
 * is held to), so this binary checks something without a GPU too. */
Test(parity_rng, cpu_fills_match_host_functions)
{
    pml_device *cpu = pml_test_open_cpu();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        int64_t n = cases[i].n < 4096 ? cases[i].n : 4096;
        pml_tensor *t = NULL;
        PML_ASSERT_OK(pml_tensor_create_1d(cpu, PML_U32, n, &t));
        PML_ASSERT_OK(pml_rand_u32(t, cases[i].seed, cases[i].stream, cases[i].offset));
        const uint32_t *p = pml_tensor_data(t);
        for (int64_t j = 0; j < n; ++j)
            cr_assert_eq(p[j], pml_rng_u32(cases[i].seed, cases[i].stream, cases[i].offset + (uint64_t)j));
        pml_tensor_destroy(t);
    }
    pml_device_close(cpu);
}
