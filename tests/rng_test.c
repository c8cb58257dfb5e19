/* The shared Philox stream on the CPU: Random123 known answers, cuRAND's host generator
 * (runs without a GPU), the conversions, and the fill wrappers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/philox16.h"
#include "pml_test.h"

#ifdef PML_HAVE_CUDA
#include <curand.h>
#endif

/* Random123's kat_vectors for philox4x32_10: counter, key, expected output. */
static const uint32_t kat[3][10] = {
    {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
    {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d,
     0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
    {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09,
     0x94fdcceb, 0x5001e420, 0x24126ea1},
};

Test(rng, random123_known_answers)
{
    for (int i = 0; i < 3; ++i) {
        uint32_t out[4];
        pml_philox4x32_10(kat[i], kat[i] + 4, out);
        for (int j = 0; j < 4; ++j)
            cr_expect_eq(out[j], kat[i][6 + j], "vector %d word %d: %08x != %08x", i, j, out[j],
                         kat[i][6 + j]);
    }
}

/* The CPU's 16-block Philox (AVX-512 intrinsics where the CPU has them, else the vectorised
 * loop) against pml_philox_draw4, block by block: counters across 2^32 (the high word's
 * carry), 0 and the top of the range, seeds and streams with both halves set. */
Test(rng, philox16_paths_match_draw4)
{
    const uint64_t seeds[3] = {0, 42, 0xfedcba9876543210ull};
    const uint64_t streams[3] = {0, 7, 0x8000000100000003ull};
    const uint64_t bases[4] = {0, 0xfffffff8ull, 0x123456789abull, 0xfffffffffffffff0ull};
    for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 4; ++b) {
            uint64_t ctr[PML_PHILOX16_LANES];
            for (int i = 0; i < PML_PHILOX16_LANES; ++i) /* lanes out of order */
                ctr[i] = bases[b] + (uint64_t)((i * 7) % 16);
            uint32_t d[2][4][PML_PHILOX16_LANES];
            pml_cpu_philox16(seeds[a], streams[a], ctr, d[0][0], d[0][1], d[0][2], d[0][3]);
            pml_cpu_philox16_portable(seeds[a], streams[a], ctr, d[1][0], d[1][1], d[1][2], d[1][3]);
            for (int k = 0; k < 2; ++k)
                for (int i = 0; i < PML_PHILOX16_LANES; ++i) {
                    const pml_u32x4 want = pml_philox_draw4(seeds[a], streams[a], ctr[i]);
                    for (unsigned w = 0; w < 4; ++w)
                        cr_expect_eq(d[k][w][i], pml_u32x4_get(want, w),
                                     "%s path, seed %d, base %d, lane %d, word %u",
                                     k ? "portable" : "dispatched", a, b, i, w);
                }
        }
}

Test(rng, stream_mapping)
{
    /* index -> counter (index/4, stream), lane index%4 */
    uint32_t ctr[4] = {5, 0, 3, 0}, key[2] = {0x12345678u, 0x9u}, out[4];
    pml_philox4x32_10(ctr, key, out);
    uint64_t seed = 0x912345678ull;
    for (int lane = 0; lane < 4; ++lane)
        cr_expect_eq(pml_rng_u32(seed, 3, 20 + (uint64_t)lane), out[lane]);
    /* high words of the counter come from the high halves of index/4 and stream */
    uint32_t ctr2[4] = {1, 2, 3, 4}, out2[4];
    pml_philox4x32_10(ctr2, key, out2);
    uint64_t index = 4 * ((2ull << 32) | 1ull) + 2;
    cr_expect_eq(pml_rng_u32(seed, (4ull << 32) | 3ull, index), out2[2]);
}

Test(rng, uniform_is_curand_conversion)
{
    /* curand_uniform: x * 2^-32 + 2^-33 in float; the extremes stay inside (0, 1] */
    cr_expect_eq(pml_rng_uniform(0, 0, 0), (float)0x6627e8d5u * 2.3283064e-10f + 1.1641532e-10f);
    float lo = (float)0u * 2.3283064e-10f + 1.1641532e-10f;
    cr_expect(lo > 0.0f);
    for (uint64_t i = 0; i < 4096; ++i) {
        float u = pml_rng_uniform(42, 7, i);
        cr_assert(u > 0.0f && u <= 1.0f, "draw %llu = %g", (unsigned long long)i, u);
    }
}

Test(rng, normal_moments)
{
    /* 2^18 draws: mean within 5 sigma/sqrt(n), variance within 5 * sqrt(2/n) */
    const int n = 1 << 18;
    double s = 0, s2 = 0;
    for (int i = 0; i < n; ++i) {
        double x = pml_rng_normal(3, 1, (uint64_t)i);
        s += x;
        s2 += x * x;
    }
    double mean = s / n, var = s2 / n - mean * mean;
    cr_expect(fabs(mean) < 5.0 / sqrt(n), "mean %g", mean);
    cr_expect(fabs(var - 1.0) < 5.0 * sqrt(2.0 / n), "variance %g", var);
}

#ifdef PML_HAVE_CUDA
static void curand_host(curandRngType_t type, uint64_t seed, uint64_t offset, int kind, void *out,
                        size_t n)
{
    curandGenerator_t g;
    cr_assert_eq(curandCreateGeneratorHost(&g, type), CURAND_STATUS_SUCCESS);
    cr_assert_eq(curandSetPseudoRandomGeneratorSeed(g, seed), CURAND_STATUS_SUCCESS);
    cr_assert_eq(curandSetGeneratorOffset(g, offset), CURAND_STATUS_SUCCESS);
    curandStatus_t st = kind == 0   ? curandGenerate(g, out, n)
                        : kind == 1 ? curandGenerateUniform(g, out, n)
                                    : curandGenerateNormal(g, out, n, 0.0f, 1.0f);
    cr_assert_eq(st, CURAND_STATUS_SUCCESS);
    curandDestroyGenerator(g);
}
#endif

#ifdef PML_HAVE_CUDA
/* Where cuRAND's host generator takes its output number g from (see rng.h). */
static void curand_host_coords(uint64_t g, uint64_t *stream, uint64_t *index)
{
    uint64_t block = g / 4;
    *stream = block % 65536;
    *index = 4 * (block / 65536) + g % 4;
}
#endif

Test(rng, matches_curand_host_generator)
{
#ifndef PML_HAVE_CUDA
    cr_skip_test("built without CUDA: cuRAND not linked");
#else
    const uint64_t seeds[] = {0, 1, 1234, 0xdeadbeefcafef00dull};
    /* offsets inside the first round, and across the 65,536-stream boundary */
    const uint64_t offsets[] = {0, 1, 3, 4, 1001, 262140, 262143, 1000000};
    enum { N = 1030 };
    static uint32_t ref[N];
    static float uref[N], nref[N];
    for (size_t si = 0; si < sizeof seeds / sizeof seeds[0]; ++si) {
        for (size_t oi = 0; oi < sizeof offsets / sizeof offsets[0]; ++oi) {
            uint64_t seed = seeds[si], off = offsets[oi];
            curand_host(CURAND_RNG_PSEUDO_PHILOX4_32_10, seed, off, 0, ref, N);
            curand_host(CURAND_RNG_PSEUDO_PHILOX4_32_10, seed, off, 1, uref, N);
            int normals = off % 2 == 0; /* cuRAND pairs normals from even positions */
            if (normals) curand_host(CURAND_RNG_PSEUDO_PHILOX4_32_10, seed, off, 2, nref, N);
            for (uint64_t j = 0; j < N; ++j) {
                uint64_t stream, index;
                curand_host_coords(off + j, &stream, &index);
                uint32_t u = pml_rng_u32(seed, stream, index);
                cr_assert_eq(u, ref[j], "seed %llu offset %llu draw %llu: %08x != cuRAND %08x",
                             (unsigned long long)seed, (unsigned long long)off,
                             (unsigned long long)j, u, ref[j]);
                float f = pml_rng_uniform(seed, stream, index);
                cr_assert(memcmp(&f, &uref[j], sizeof f) == 0,
                          "uniform %llu: %.9g != cuRAND %.9g", (unsigned long long)j, f, uref[j]);
                if (normals) {
                    float z = pml_rng_normal(seed, stream, index);
                    cr_assert(fabsf(z - nref[j]) <= PML_TOL_NORMAL.atol + PML_TOL_NORMAL.rtol * fabsf(nref[j]),
                              "normal %llu: %.9g != cuRAND %.9g", (unsigned long long)j, z, nref[j]);
                }
            }
        }
    }
    /* A tensor fill of stream s, offset 0, 4 draws is the host generator's block s. */
    pml_device *cpu = pml_test_open_cpu();
    pml_tensor *tu = NULL;
    PML_ASSERT_OK(pml_tensor_create_1d(cpu, PML_U32, 4, &tu));
    curand_host(CURAND_RNG_PSEUDO_PHILOX4_32_10, 0, 0, 0, ref, N);
    for (uint64_t s = 0; s < N / 4; ++s) {
        PML_ASSERT_OK(pml_rand_u32(tu, 0, s, 0));
        cr_assert(pml_test_equal_bytes("pml_rand_u32 vs curandGenerate block", pml_tensor_data(tu),
                                       ref + 4 * s, 4, 4), "stream %llu", (unsigned long long)s);
    }
    /* seed 0 starts with the Random123 known answer */
    cr_expect(ref[0] == 0x6627e8d5u && ref[1] == 0xe169c58du && ref[2] == 0xbc57ac4cu &&
              ref[3] == 0x9b00dbd8u);
    pml_tensor_destroy(tu);
    pml_device_close(cpu);
#endif
}

Test(rng, fills_follow_the_mapping)
{
    pml_device *cpu = pml_test_open_cpu();
    pml_tensor *u = NULL, *f = NULL, *d = NULL, *nrm = NULL;
    int64_t shape[3] = {3, 5, 7};
    PML_ASSERT_OK(pml_tensor_create(cpu, PML_U32, 3, shape, &u));
    PML_ASSERT_OK(pml_tensor_create(cpu, PML_F32, 3, shape, &f));
    PML_ASSERT_OK(pml_tensor_create(cpu, PML_F64, 3, shape, &d));
    PML_ASSERT_OK(pml_tensor_create(cpu, PML_F32, 3, shape, &nrm));
    PML_ASSERT_OK(pml_rand_u32(u, 9, 2, 13));
    PML_ASSERT_OK(pml_rand_uniform(f, 9, 2, 13));
    PML_ASSERT_OK(pml_rand_uniform(d, 9, 2, 13));
    PML_ASSERT_OK(pml_rand_normal(nrm, 9, 2, 13, 1.5f, 2.0f));
    const uint32_t *pu = pml_tensor_data(u);
    const float *pf = pml_tensor_data(f), *pn = pml_tensor_data(nrm);
    const double *pd = pml_tensor_data(d);
    for (uint64_t i = 0; i < 105; ++i) {
        cr_assert_eq(pu[i], pml_rng_u32(9, 2, 13 + i));
        cr_assert_eq(pf[i], pml_rng_uniform(9, 2, 13 + i));
        cr_assert_eq(pd[i], (double)pml_rng_uniform(9, 2, 13 + i));
        cr_assert_eq(pn[i], 1.5f + 2.0f * pml_rng_normal(9, 2, 13 + i));
    }
    pml_tensor_destroy(u);
    pml_tensor_destroy(f);
    pml_tensor_destroy(d);
    pml_tensor_destroy(nrm);
    pml_device_close(cpu);
}

Test(rng, fill_argument_errors)
{
    pml_device *cpu = pml_test_open_cpu();
    pml_tensor *f = NULL, *i8 = NULL;
    PML_ASSERT_OK(pml_tensor_create_1d(cpu, PML_F32, 4, &f));
    PML_ASSERT_OK(pml_tensor_create_1d(cpu, PML_I8, 4, &i8));
    cr_expect_eq(pml_rand_u32(NULL, 0, 0, 0), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_rand_u32(f, 0, 0, 0), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_rand_uniform(i8, 0, 0, 0), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_rand_normal(f, 0, 0, 0, 0.0f, -1.0f), PML_ERR_INVALID_ARGUMENT);
    cr_expect_eq(pml_rand_normal(f, 0, 0, 0, NAN, 1.0f), PML_ERR_INVALID_ARGUMENT);
    cr_expect(strstr(pml_last_error(), "pml_rand_normal") != NULL);
    pml_tensor_destroy(f);
    pml_tensor_destroy(i8);
    pml_device_close(cpu);
}
