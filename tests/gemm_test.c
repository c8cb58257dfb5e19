/* GEMM on the CPU: OpenBLAS against the naive loop on odd shapes, leading dimensions and
 * offsets, and every argument check. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cpu/cpu.h"
#include "gemm_cases.h"
#include "pml_test.h"
#include "physml/rng.h"
#include "physml/version.h"

static pml_device *cpu;
static void setup(void) { cpu = pml_test_open_cpu(); }
static void teardown(void) { pml_device_close(cpu); }
TestSuite(gemm, .init = setup, .fini = teardown);

/* Random operands for case c, C filled too so beta matters; returns max |ref|-scaled check. */
static void run_case(pml_dtype dt, const pml_gemm_case *c)
{
    int64_t ar = c->ta ? c->k : c->m, ac = c->ta ? c->m : c->k;
    int64_t br = c->tb ? c->n : c->k, bc = c->tb ? c->k : c->n;
    pml_tensor *a, *b, *cc, *ref;
    PML_ASSERT_OK(pml_tensor_create_2d(cpu, dt, ar ? ar : 1, ac ? ac : 1, &a));
    PML_ASSERT_OK(pml_tensor_create_2d(cpu, dt, br ? br : 1, bc ? bc : 1, &b));
    PML_ASSERT_OK(pml_tensor_create_2d(cpu, dt, c->m, c->n, &cc));
    PML_ASSERT_OK(pml_tensor_create_2d(cpu, dt, c->m, c->n, &ref));
    PML_ASSERT_OK(pml_rand_normal(a, 11, 1, 0, 0.f, 1.f));
    PML_ASSERT_OK(pml_rand_normal(b, 11, 2, 0, 0.f, 1.f));
    PML_ASSERT_OK(pml_rand_normal(cc, 11, 3, 0, 0.f, 1.f));
    PML_ASSERT_OK(pml_tensor_copy(ref, cc));
    PML_ASSERT_OK(pml_gemm(cpu, c->ta, c->tb, c->m, c->n, c->k, c->alpha, a, b, c->beta, cc));
    pml_gemm_args g = {.dtype = dt, .trans_a = c->ta, .trans_b = c->tb, .m = c->m, .n = c->n,
                       .k = c->k, .alpha = c->alpha, .beta = c->beta, .a = a->data,
                       .lda = a->shape[1], .b = b->data, .ldb = b->shape[1], .c = ref->data,
                       .ldc = c->n};
    PML_ASSERT_OK(pml_cpu_gemm_naive(NULL, &g));
    size_t n = (size_t)(c->m * c->n);
    char what[96];
    snprintf(what, sizeof what, "%s gemm %lldx%lldx%lld ta%d tb%d", pml_dtype_name(dt),
             (long long)c->m, (long long)c->n, (long long)c->k, c->ta, c->tb);
    if (dt == PML_F32)
        cr_expect(pml_test_close_f32(what, cc->data, ref->data, n, PML_TOL_GEMM_F32));
    else
        cr_expect(pml_test_close_f64(what, cc->data, ref->data, n, PML_TOL_GEMM_F64));
    pml_tensor_destroy(a);
    pml_tensor_destroy(b);
    pml_tensor_destroy(cc);
    pml_tensor_destroy(ref);
}

Test(gemm, odd_shapes_f32)
{
    for (size_t i = 0; i < PML_GEMM_NCASES; ++i) run_case(PML_F32, &pml_gemm_cases[i]);
}

Test(gemm, odd_shapes_f64)
{
    for (size_t i = 0; i < PML_GEMM_NCASES; ++i) run_case(PML_F64, &pml_gemm_cases[i]);
}

Test(gemm, known_product)
{
    /* [1 2; 3 4] [5 6; 7 8] = [19 22; 43 50] */
    float av[4] = {1, 2, 3, 4}, bv[4] = {5, 6, 7, 8}, out[4];
    int64_t s[2] = {2, 2};
    pml_tensor *a = pml_test_tensor(cpu, PML_F32, 2, s, av), *b = pml_test_tensor(cpu, PML_F32, 2, s, bv),
               *c = pml_test_tensor(cpu, PML_F32, 2, s, NULL);
    PML_ASSERT_OK(pml_gemm(cpu, PML_NO_TRANS, PML_NO_TRANS, 2, 2, 2, 1.0, a, b, 0.0, c));
    PML_ASSERT_OK(pml_tensor_download(c, out, sizeof out));
    cr_expect(out[0] == 19 && out[1] == 22 && out[2] == 43 && out[3] == 50);
    /* A^T B = [1 3; 2 4][5 6; 7 8] = [26 30; 38 44] */
    PML_ASSERT_OK(pml_gemm(cpu, PML_TRANS, PML_NO_TRANS, 2, 2, 2, 1.0, a, b, 0.0, c));
    PML_ASSERT_OK(pml_tensor_download(c, out, sizeof out));
    cr_expect(out[0] == 26 && out[1] == 30 && out[2] == 38 && out[3] == 44);
    pml_tensor_destroy(a);
    pml_tensor_destroy(b);
    pml_tensor_destroy(c);
}

Test(gemm, beta_zero_ignores_nan_in_c)
{
    float av[1] = {2}, bv[1] = {3}, cv[1] = {NAN}, out;
    int64_t s[2] = {1, 1};
    pml_tensor *a = pml_test_tensor(cpu, PML_F32, 2, s, av), *b = pml_test_tensor(cpu, PML_F32, 2, s, bv),
               *c = pml_test_tensor(cpu, PML_F32, 2, s, cv);
    PML_ASSERT_OK(pml_gemm(cpu, PML_NO_TRANS, PML_NO_TRANS, 1, 1, 1, 1.0, a, b, 0.0, c));
    PML_ASSERT_OK(pml_tensor_download(c, &out, sizeof out));
    cr_expect_eq(out, 6.0f);
    pml_tensor_destroy(a);
    pml_tensor_destroy(b);
    pml_tensor_destroy(c);
}

Test(gemm, leading_dimensions_and_offsets)
{
    /* Multiply the 3x4 block at row 1, col 2 of a 6x8 A by the 4x5 block at row 2, col 1 of a
     * 7x9 B into the 3x5 block at row 2, col 3 of a 6x10 C; the rest of C must not move. */
    pml_tensor *a, *b, *c, *ref;
    PML_ASSERT_OK(pml_tensor_create_2d(cpu, PML_F64, 6, 8, &a));
    PML_ASSERT_OK(pml_tensor_create_2d(cpu, PML_F64, 7, 9, &b));
    PML_ASSERT_OK(pml_tensor_create_2d(cpu, PML_F64, 6, 10, &c));
    PML_ASSERT_OK(pml_tensor_create_2d(cpu, PML_F64, 6, 10, &ref));
    PML_ASSERT_OK(pml_rand_uniform(a, 5, 0, 0));
    PML_ASSERT_OK(pml_rand_uniform(b, 5, 1, 0));
    PML_ASSERT_OK(pml_rand_uniform(c, 5, 2, 0));
    PML_ASSERT_OK(pml_tensor_copy(ref, c));
    pml_matrix_ref ra = {a, 1 * 8 + 2, 8}, rb = {b, 2 * 9 + 1, 9};
    PML_ASSERT_OK(pml_gemm_ex(cpu, PML_NO_TRANS, PML_NO_TRANS, 3, 5, 4, 1.0, ra, rb, 1.0, c,
                              2 * 10 + 3, 10));
    pml_gemm_args g = {.dtype = PML_F64, .m = 3, .n = 5, .k = 4, .alpha = 1.0, .beta = 1.0,
                       .a = (double *)a->data + 10, .lda = 8, .b = (double *)b->data + 19,
                       .ldb = 9, .c = (double *)ref->data + 23, .ldc = 10};
    PML_ASSERT_OK(pml_cpu_gemm_naive(NULL, &g));
    cr_expect(pml_test_close_f64("gemm_ex block", c->data, ref->data, 60, PML_TOL_GEMM_F64));
    pml_tensor_destroy(a);
    pml_tensor_destroy(b);
    pml_tensor_destroy(c);
    pml_tensor_destroy(ref);
}

Test(gemm, argument_errors)
{
    pml_tensor *a, *b, *c, *c64, *v;
    PML_ASSERT_OK(pml_tensor_create_2d(cpu, PML_F32, 4, 3, &a));
    PML_ASSERT_OK(pml_tensor_create_2d(cpu, PML_F32, 3, 5, &b));
    PML_ASSERT_OK(pml_tensor_create_2d(cpu, PML_F32, 4, 5, &c));
    PML_ASSERT_OK(pml_tensor_create_2d(cpu, PML_F64, 4, 5, &c64));
    PML_ASSERT_OK(pml_tensor_create_1d(cpu, PML_F32, 20, &v));
    PML_ASSERT_OK(pml_gemm(cpu, PML_NO_TRANS, PML_NO_TRANS, 4, 5, 3, 1, a, b, 0, c));
    cr_expect_eq(pml_gemm(NULL, 0, 0, 4, 5, 3, 1, a, b, 0, c), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_gemm(cpu, 0, 0, 4, 5, 3, 1, NULL, b, 0, c), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_gemm(cpu, 0, 0, 4, 5, 4, 1, a, b, 0, c), PML_ERR_INVALID_ARGUMENT, "K too big");
    cr_expect_eq(pml_gemm(cpu, 0, 0, 5, 5, 3, 1, a, b, 0, c), PML_ERR_INVALID_ARGUMENT, "M too big");
    cr_expect_eq(pml_gemm(cpu, 0, 0, 4, 6, 3, 1, a, b, 0, c), PML_ERR_INVALID_ARGUMENT, "N too big");
    cr_expect_eq(pml_gemm(cpu, PML_TRANS, 0, 4, 5, 3, 1, a, b, 0, c), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_gemm(cpu, 0, 0, -1, 5, 3, 1, a, b, 0, c), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_gemm(cpu, 7, 0, 4, 5, 3, 1, a, b, 0, c), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_gemm(cpu, 0, 0, 4, 5, 3, 1, a, b, 0, c64), PML_ERR_INVALID_ARGUMENT, "dtype");
    cr_expect_eq(pml_gemm(cpu, 0, 0, 4, 5, 3, 1, a, b, 0, v), PML_ERR_INVALID_ARGUMENT, "1-D");
    cr_expect_eq(pml_gemm(cpu, 0, 0, 3, 3, 3, 1, b, b, 0, b), PML_ERR_INVALID_ARGUMENT, "alias");
    pml_matrix_ref ra = {a, 3, 3}, rb = {b, 0, 5}, bad_ld = {a, 0, 2};
    cr_expect_eq(pml_gemm_ex(cpu, 0, 0, 4, 5, 3, 1, ra, rb, 0, c, 0, 5), PML_ERR_INVALID_ARGUMENT,
                 "A region runs past the end");
    cr_expect_eq(pml_gemm_ex(cpu, 0, 0, 4, 5, 3, 1, bad_ld, rb, 0, c, 0, 5),
                 PML_ERR_INVALID_ARGUMENT, "lda < K");
    cr_expect(strstr(pml_last_error(), "leading dimension") != NULL, "%s", pml_last_error());
    /* one row of A: the region fits the tensor, but BLAS takes lda as an int */
    pml_matrix_ref huge_ld = {a, 0, (int64_t)INT32_MAX + 1};
    cr_expect_eq(pml_gemm_ex(cpu, 0, 0, 1, 5, 3, 1, huge_ld, rb, 0, c, 0, 5),
                 PML_ERR_INVALID_ARGUMENT, "lda > INT32_MAX");
    cr_expect(strstr(pml_last_error(), "2^31") != NULL, "%s", pml_last_error());
    pml_device *other = pml_test_open_cpu();
    pml_tensor *o = NULL;
    PML_ASSERT_OK(pml_tensor_create_2d(other, PML_F32, 4, 5, &o));
    cr_expect_eq(pml_gemm(cpu, 0, 0, 4, 5, 3, 1, a, b, 0, o), PML_ERR_DEVICE_MISMATCH);
    pml_tensor_destroy(o);
    pml_device_close(other);
    pml_tensor_destroy(a);
    pml_tensor_destroy(b);
    pml_tensor_destroy(c);
    pml_tensor_destroy(c64);
    pml_tensor_destroy(v);
}

/* A product large enough to be split over the threads gives the same bits on any number of
 * them (split by rows (m >= n) and by columns, with tails, transposed or not) where the BLAS
 * kernels allow it: with every block starting at a multiple of 16, OpenBLAS 0.3.21's x86
 * cores give the same bits but for the Haswell and Zen SGEMM, whose results move in the last
 * bits with the block's size; there the blocks are held to the GEMM tolerance. */
Test(gemm, same_bits_for_any_thread_count)
{
#ifdef _OPENMP
    static const int64_t shapes[][5] = {
        /* m, n, k, ta, tb */
        {100, 256, 784, 0, 1}, {784, 256, 100, 1, 0}, {256, 784, 100, 1, 0},
        {100, 784, 256, 0, 0}, {257, 33, 65, 0, 0},   {1000, 17, 40, 0, 1},
        {130, 130, 50, 1, 1},  {37, 1000, 29, 0, 0},  {999, 64, 33, 1, 0},
    };
    const char *core = pml_blas_core();
    const int loose = strcasecmp(core, "haswell") == 0 || strncasecmp(core, "zen", 3) == 0;
    if (loose) cr_log_info("BLAS core %s: its SGEMM blocks are held to the tolerance", core);
    const int was = omp_get_max_threads();
    for (int d = 0; d < 2; ++d) {
        const pml_dtype dt = d ? PML_F64 : PML_F32;
        const size_t es = pml_dtype_size(dt);
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; ++s) {
            const int64_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
            const int ta = (int)shapes[s][3], tb = (int)shapes[s][4];
            void *a = malloc((size_t)(m * k) * es), *b = malloc((size_t)(k * n) * es);
            void *c1 = malloc((size_t)(m * n) * es), *ct = malloc((size_t)(m * n) * es);
            cr_assert(a && b && c1 && ct);
            for (int64_t i = 0; i < m * k; ++i) {
                const double v = pml_rng_normal(31, s, (uint64_t)i);
                if (d) ((double *)a)[i] = v; else ((float *)a)[i] = (float)v;
            }
            for (int64_t i = 0; i < k * n; ++i) {
                const double v = pml_rng_normal(32, s, (uint64_t)i);
                if (d) ((double *)b)[i] = v; else ((float *)b)[i] = (float)v;
            }
            pml_gemm_args g = {.dtype = dt, .trans_a = ta, .trans_b = tb, .m = m, .n = n,
                               .k = k, .alpha = 1, .beta = 0, .a = a, .lda = ta ? m : k,
                               .b = b, .ldb = tb ? k : n, .c = c1, .ldc = n};
            omp_set_num_threads(1);
            PML_ASSERT_OK(pml_cpu_gemm(cpu, &g));
            g.c = ct;
            for (int t = 2; t <= 4; ++t) {
                omp_set_num_threads(t);
                PML_ASSERT_OK(pml_cpu_gemm(cpu, &g));
                char what[96];
                snprintf(what, sizeof what, "%s %lldx%lldx%lld ta%d tb%d on %d threads",
                         pml_dtype_name(dt), (long long)m, (long long)n, (long long)k, ta, tb, t);
                const size_t len = (size_t)(m * n);
                if (!d && loose)
                    cr_expect(pml_test_close_f32(what, ct, c1, len, PML_TOL_GEMM_F32), "%s", what);
                else
                    cr_expect(pml_test_equal_bytes(what, ct, c1, len, es), "%s", what);
            }
            free(a), free(b), free(c1), free(ct);
        }
    }
    omp_set_num_threads(was);
#endif
}
