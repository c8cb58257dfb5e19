/* Data kernels, CPU against CUDA: gathered, scaled, shuffled, shifted and flipped batches
 * are bit-identical; noisy ones agree within the normal-draw tolerance; splits and heads
 * gather the same rows. The CPU cases check thread-count independence. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "data/dataset.h"
#include "pml_test.h"

#define FMNIST "/usr/share/datasets/fashion-mnist"

static void craft(int64_t n, int f, uint8_t **img, uint8_t **lab)
{
    *img = malloc((size_t)(n * f));
    *lab = malloc((size_t)n);
    uint32_t s = 12345;
    for (int64_t i = 0; i < n * f; ++i) {
        s = s * 1664525u + 1013904223u;
        (*img)[i] = (uint8_t)(s >> 24);
    }
    for (int64_t i = 0; i < n; ++i) (*lab)[i] = (uint8_t)(i % 10);
}

/* One batch on dev, downloaded. */
static void batch_on(pml_dataset *ds, int64_t start, int64_t count, pml_scaling sc,
                     const pml_augment *aug, uint64_t seed, uint64_t step, float *x, int32_t *y)
{
    pml_device *dev = pml_dataset_device(ds);
    int64_t f = pml_dataset_features(ds);
    pml_tensor *tx = NULL, *ty = NULL;
    PML_ASSERT_OK(pml_tensor_create_2d(dev, PML_F32, count, f, &tx));
    PML_ASSERT_OK(pml_tensor_create_1d(dev, PML_I32, count, &ty));
    PML_ASSERT_OK(pml_dataset_batch(ds, start, count, sc, aug, seed, step, tx, ty));
    PML_ASSERT_OK(pml_tensor_download(tx, x, (size_t)(count * f) * sizeof *x));
    PML_ASSERT_OK(pml_tensor_download(ty, y, (size_t)count * sizeof *y));
    pml_tensor_destroy(tx);
    pml_tensor_destroy(ty);
}

Test(parity_data, cpu_batches_do_not_depend_on_thread_count)
{
#ifndef _OPENMP
    cr_skip_test("built without OpenMP");
#else
    pml_device *cpu = pml_test_open_cpu();
    const int64_t n = 2000, count = 1000;
    const int f = 64;
    uint8_t *img, *lab;
    craft(n, f, &img, &lab);
    pml_dataset *ds = NULL;
    PML_ASSERT_OK(pml_dataset_from_host(cpu, n, 8, 8, img, lab, 10, &ds));
    PML_ASSERT_OK(pml_dataset_shuffle(ds, 3, 4));
    pml_augment aug = {3, 1, 0.2f, 0.0f, 0.0f};
    float *x1 = malloc(count * f * sizeof *x1), *x2 = malloc(count * f * sizeof *x2);
    int32_t *y1 = malloc(count * 4), *y2 = malloc(count * 4);
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    batch_on(ds, 500, count, PML_SCALE_STANDARD, &aug, 9, 11, x1, y1);
    omp_set_num_threads(3);
    batch_on(ds, 500, count, PML_SCALE_STANDARD, &aug, 9, 11, x2, y2);
    omp_set_num_threads(saved);
    cr_assert(pml_test_equal_bytes("x", x2, x1, (size_t)(count * f), 4));
    cr_assert(pml_test_equal_bytes("y", y2, y1, (size_t)count, 4));
    free(x1);
    free(x2);
    free(y1);
    free(y2);
    free(img);
    free(lab);
    pml_dataset_destroy(ds);
    pml_device_close(cpu);
#endif
}

Test(parity_data, augmented_batches_cpu_vs_cuda)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    const int64_t n = 3000, count = 700;
    const int rows = 9, cols = 11, f = 99;
    uint8_t *img, *lab;
    craft(n, f, &img, &lab);
    pml_dataset *dc = NULL, *dg = NULL;
    PML_ASSERT_OK(pml_dataset_from_host(cpu, n, rows, cols, img, lab, 10, &dc));
    PML_ASSERT_OK(pml_dataset_from_host(gpu, n, rows, cols, img, lab, 10, &dg));
    PML_ASSERT_OK(pml_dataset_shuffle(dc, 5, 2));
    PML_ASSERT_OK(pml_dataset_shuffle(dg, 5, 2));
    float *xc = malloc(count * f * sizeof *xc), *xg = malloc(count * f * sizeof *xg);
    int32_t *yc = malloc(count * 4), *yg = malloc(count * 4);
    const pml_scaling scs[3] = {PML_SCALE_UNIT, PML_SCALE_RAW, PML_SCALE_STANDARD};
    const pml_augment augs[3] = {{0, 0, 0.0f, 0.0f, 0.0f}, {4, 1, 0.0f, 0.0f, 0.0f}, {1, 0, 0.0f, 0.0f, 0.0f}};
    for (int k = 0; k < 3; ++k)
        for (int a = 0; a < 3; ++a) {
            batch_on(dc, 1234, count, scs[k], &augs[a], 77, 100 + a, xc, yc);
            batch_on(dg, 1234, count, scs[k], &augs[a], 77, 100 + a, xg, yg);
            cr_assert(pml_test_equal_bytes("x", xg, xc, (size_t)(count * f), 4),
                      "scaling %d augment %d", k, a);
            cr_assert(pml_test_equal_bytes("labels", yg, yc, (size_t)count, 4));
        }
    /* noise: normal draws through logf/sincosf differ by a few ulp */
    pml_augment noisy = {2, 1, 0.3f, 0.0f, 0.0f};
    batch_on(dc, 0, count, PML_SCALE_UNIT, &noisy, 8, 1, xc, yc);
    batch_on(dg, 0, count, PML_SCALE_UNIT, &noisy, 8, 1, xg, yg);
    cr_assert(pml_test_close_f32("noisy x", xg, xc, (size_t)(count * f), PML_TOL_NORMAL));
    cr_assert(pml_test_equal_bytes("labels", yg, yc, (size_t)count, 4));
    free(xc);
    free(xg);
    free(yc);
    free(yg);
    free(img);
    free(lab);
    pml_dataset_destroy(dc);
    pml_dataset_destroy(dg);
    pml_device_close(cpu);
    pml_device_close(gpu);
}

/* Masking and salt-and-pepper corruption (one u32 draw an element, PML_DATA_STREAM_CORRUPT):
 * bit for bit under every scaling, alone, together, at their full fractions, with shifts and
 * flips; with noise as well, the corrupted elements are table values and the rest agree within
 * the normal-draw tolerance. */
Test(parity_data, corrupted_batches_cpu_vs_cuda)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    const int64_t n = 3000, count = 700;
    const int rows = 9, cols = 11, f = 99;
    uint8_t *img, *lab;
    craft(n, f, &img, &lab);
    pml_dataset *dc = NULL, *dg = NULL;
    PML_ASSERT_OK(pml_dataset_from_host(cpu, n, rows, cols, img, lab, 10, &dc));
    PML_ASSERT_OK(pml_dataset_from_host(gpu, n, rows, cols, img, lab, 10, &dg));
    PML_ASSERT_OK(pml_dataset_shuffle(dc, 6, 3));
    PML_ASSERT_OK(pml_dataset_shuffle(dg, 6, 3));
    float *xc = malloc(count * f * sizeof *xc), *xg = malloc(count * f * sizeof *xg);
    int32_t *yc = malloc(count * 4), *yg = malloc(count * 4);
    const pml_scaling scs[3] = {PML_SCALE_UNIT, PML_SCALE_RAW, PML_SCALE_STANDARD};
    const pml_augment augs[6] = {{0, 0, 0.0f, 0.3f, 0.0f},  {0, 0, 0.0f, 0.0f, 0.2f},
                                 {2, 1, 0.0f, 0.25f, 0.15f}, {0, 0, 0.0f, 1.0f, 0.0f},
                                 {1, 0, 0.0f, 0.0f, 1.0f},   {0, 1, 0.0f, 0.5f, 0.5f}};
    for (int k = 0; k < 3; ++k)
        for (int a = 0; a < 6; ++a) {
            batch_on(dc, 321, count, scs[k], &augs[a], 55, 200 + a, xc, yc);
            batch_on(dg, 321, count, scs[k], &augs[a], 55, 200 + a, xg, yg);
            cr_assert(pml_test_equal_bytes("corrupted x", xg, xc, (size_t)(count * f), 4),
                      "scaling %d, mask %g, saltpepper %g", k, (double)augs[a].mask,
                      (double)augs[a].saltpepper);
            cr_assert(pml_test_equal_bytes("labels", yg, yc, (size_t)count, 4));
        }
    /* noise, then corruption */
    const pml_augment noisy = {1, 1, 0.2f, 0.2f, 0.1f};
    batch_on(dc, 0, count, PML_SCALE_UNIT, &noisy, 8, 2, xc, yc);
    batch_on(dg, 0, count, PML_SCALE_UNIT, &noisy, 8, 2, xg, yg);
    cr_assert(pml_test_close_f32("noisy corrupted x", xg, xc, (size_t)(count * f), PML_TOL_NORMAL));
    /* the elements the rule corrupts (draw below round((mask + saltpepper) 2^32)) are the
     * table's ends on both */
    const uint32_t t = (uint32_t)llround(ldexp((double)noisy.mask, 32)) +
                       (uint32_t)llround(ldexp((double)noisy.saltpepper, 32));
    int64_t hit = 0;
    for (int64_t i = 0; i < count * f; ++i)
        if (pml_philox_draw(8, PML_DATA_STREAM_CORRUPT | 2, (uint64_t)i) < t) {
            cr_expect(xg[i] == xc[i] && (xc[i] == 0.0f || xc[i] == 1.0f),
                      "element %lld: cuda %.9g, cpu %.9g", (long long)i, (double)xg[i],
                      (double)xc[i]);
            ++hit;
        }
    cr_expect(hit > count * f / 5, "%lld of %lld elements corrupted", (long long)hit,
              (long long)(count * f));
    free(xc);
    free(xg);
    free(yc);
    free(yg);
    free(img);
    free(lab);
    pml_dataset_destroy(dc);
    pml_dataset_destroy(dg);
    pml_device_close(cpu);
    pml_device_close(gpu);
}

Test(parity_data, split_and_head_cpu_vs_cuda)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    const int64_t n = 5000;
    const int f = 30;
    uint8_t *img, *lab;
    craft(n, f, &img, &lab);
    pml_dataset *dc = NULL, *dg = NULL, *tc = NULL, *vc = NULL, *tg = NULL, *vg = NULL;
    PML_ASSERT_OK(pml_dataset_from_host(cpu, n, 5, 6, img, lab, 10, &dc));
    PML_ASSERT_OK(pml_dataset_from_host(gpu, n, 5, 6, img, lab, 10, &dg));
    PML_ASSERT_OK(pml_dataset_split(dc, 0.2, 4, &tc, &vc));
    PML_ASSERT_OK(pml_dataset_split(dg, 0.2, 4, &tg, &vg));
    pml_dataset *pairs[2][2] = {{tc, tg}, {vc, vg}};
    for (int p = 0; p < 2; ++p) {
        int64_t m = pml_dataset_size(pairs[p][0]);
        cr_assert_eq(pml_dataset_size(pairs[p][1]), m);
        uint8_t *a = malloc((size_t)(m * f)), *b = malloc((size_t)(m * f));
        PML_ASSERT_OK(pml_tensor_download(pairs[p][0]->images, a, (size_t)(m * f)));
        PML_ASSERT_OK(pml_tensor_download(pairs[p][1]->images, b, (size_t)(m * f)));
        cr_assert(memcmp(a, b, (size_t)(m * f)) == 0, "images of part %d", p);
        PML_ASSERT_OK(pml_tensor_download(pairs[p][0]->labels, a, (size_t)m));
        PML_ASSERT_OK(pml_tensor_download(pairs[p][1]->labels, b, (size_t)m));
        cr_assert(memcmp(a, b, (size_t)m) == 0, "labels of part %d", p);
        free(a);
        free(b);
    }
    pml_dataset *hg = NULL;
    PML_ASSERT_OK(pml_dataset_head(dg, 100, &hg));
    uint8_t *h = malloc(100 * f);
    PML_ASSERT_OK(pml_tensor_download(hg->images, h, 100 * f));
    cr_assert(memcmp(h, img, 100 * f) == 0);
    free(h);
    pml_dataset_destroy(hg);
    pml_dataset_destroy(tc);
    pml_dataset_destroy(vc);
    pml_dataset_destroy(tg);
    pml_dataset_destroy(vg);
    pml_dataset_destroy(dc);
    pml_dataset_destroy(dg);
    free(img);
    free(lab);
    pml_device_close(cpu);
    pml_device_close(gpu);
}

Test(parity_data, fashion_mnist_batches_cpu_vs_cuda)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    pml_dataset *dc = NULL, *dg = NULL;
    PML_ASSERT_OK(pml_dataset_load(cpu, FMNIST, PML_SPLIT_TEST, &dc));
    PML_ASSERT_OK(pml_dataset_load(gpu, FMNIST, PML_SPLIT_TEST, &dg));
    PML_ASSERT_OK(pml_dataset_shuffle(dc, 1, 0));
    PML_ASSERT_OK(pml_dataset_shuffle(dg, 1, 0));
    const int64_t count = 256;
    float *xc = malloc(count * 784 * sizeof *xc), *xg = malloc(count * 784 * sizeof *xg);
    int32_t yc[256], yg[256];
    pml_augment aug = {2, 1, 0.0f, 0.0f, 0.0f};
    for (int64_t start = 0; start + count <= 10000; start += 2560) {
        batch_on(dc, start, count, PML_SCALE_STANDARD, &aug, 3, (uint64_t)start, xc, yc);
        batch_on(dg, start, count, PML_SCALE_STANDARD, &aug, 3, (uint64_t)start, xg, yg);
        cr_assert(pml_test_equal_bytes("x", xg, xc, (size_t)(count * 784), 4), "start %lld",
                  (long long)start);
        cr_assert(pml_test_equal_bytes("labels", yg, yc, (size_t)count, 4));
    }
    free(xc);
    free(xg);
    pml_dataset_destroy(dc);
    pml_dataset_destroy(dg);
    pml_device_close(cpu);
    pml_device_close(gpu);
}
