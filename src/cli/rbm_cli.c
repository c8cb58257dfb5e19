/* Pieces the `physml rbm` commands share: image grids, data loading, AIS specs, fantasies. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/rbm_cli.h"

int pml_rbm_cli_side(int64_t n)
{
    const int64_t s = (int64_t)llround(sqrt((double)n));
    return s * s == n && s <= 4096 ? (int)s : 0;
}

int pml_rbm_cli_grid(const char *cmd, const char *dir, const char *name, const float *img,
                     int64_t count, int rows, int cols, int per_row, int scale, int normalize,
                     int quiet)
{
    if (count < 1) return 0;
    const int64_t nrow = (count + per_row - 1) / per_row, ncol = count < per_row ? count : per_row;
    const int64_t w = ncol * (cols * scale + 1) + 1, h = nrow * (rows * scale + 1) + 1;
    if (w > PML_PNG_MAX_SIDE || h > PML_PNG_MAX_SIDE)
        return pml_cli_usage(cmd, "out", "%s: a grid of %lld images is too large to draw", name,
                             (long long)count);
    uint8_t *px = malloc((size_t)(w * h));
    if (!px) return pml_cli_fail(cmd, name, PML_ERR_OUT_OF_MEMORY);
    memset(px, 96, (size_t)(w * h));
    const int64_t n = (int64_t)rows * cols;
    for (int64_t k = 0; k < count; ++k) {
        const float *x = img + k * n;
        double lo = 0.0, hi = 1.0;
        if (normalize) {
            lo = INFINITY, hi = -INFINITY;
            for (int64_t i = 0; i < n; ++i) lo = x[i] < lo ? x[i] : lo, hi = x[i] > hi ? x[i] : hi;
            if (!(hi > lo)) hi = lo + 1.0;
        }
        const int64_t y0 = 1 + (k / per_row) * (rows * scale + 1), x0 = 1 + (k % per_row) * (cols * scale + 1);
        for (int y = 0; y < rows * scale; ++y)
            for (int c = 0; c < cols * scale; ++c) {
                double v = ((double)x[(y / scale) * cols + c / scale] - lo) / (hi - lo);
                v = v < 0 ? 0 : v > 1 ? 1 : v;
                px[(y0 + y) * w + x0 + c] = (uint8_t)lround(255.0 * v);
            }
    }
    char path[PML_PATH_MAX];
    const int rc = pml_cli_path(cmd, path, sizeof path, dir, name) ||
                   pml_png_write(cmd, path, (int)w, (int)h, 1, px, quiet);
    free(px);
    return rc;
}

int pml_rbm_cli_load(const char *cmd, pml_device *dev, const char *dir, int64_t subset,
                     int64_t test_n, int64_t features, pml_dataset **train, pml_dataset **test)
{
    const char *d = dir ? dir : pml_data_default_dir();
    for (int k = 0; k < 2; ++k) {
        pml_dataset **out = k == 0 ? train : test;
        if (out == NULL) continue;
        const int64_t n = k == 0 ? subset : test_n;
        pml_dataset *full = NULL, *part = NULL;
        pml_status s = pml_dataset_load_expect(dev, d, k == 0 ? PML_SPLIT_TRAIN : PML_SPLIT_TEST,
                                               features, &full);
        if (s == PML_OK && n > 0 && n < pml_dataset_size(full)) {
            s = pml_dataset_head(full, n, &part);
            pml_dataset_destroy(full);
            full = part;
        }
        if (s != PML_OK) {
            pml_dataset_destroy(full);
            if (k == 1 && train) {
                pml_dataset_destroy(*train);
                *train = NULL;
            }
            return pml_cli_fail(cmd, d, s);
        }
        *out = full;
    }
    return 0;
}

int pml_rbm_cli_ais_spec(const char *cmd, const char *text, int64_t *runs, int64_t *steps)
{
    char *end = NULL;
    errno = 0;
    const long long r = strtoll(text, &end, 10);
    if (errno || end == text || *end != ':' || r < 2 || r > (1 << 20))
        return pml_cli_usage(cmd, "ais", "'%s': needs RUNS:STEPS, runs 2 .. 2^20", text);
    const char *p = end + 1;
    errno = 0;
    const long long k = strtoll(p, &end, 10);
    if (errno || end == p || *end != '\0' || k < 1 || k > (1 << 24))
        return pml_cli_usage(cmd, "ais", "'%s': needs RUNS:STEPS, steps 1 .. 2^24", text);
    *runs = r;
    *steps = k;
    return 0;
}

int pml_rbm_cli_fantasy(const char *cmd, pml_rbm *r, int64_t chains, int64_t steps,
                        uint64_t seed, float *pv)
{
    pml_device *dev = pml_rbm_device(r);
    const int64_t nv = pml_rbm_visible(r);
    pml_tensor *v = NULL, *p = NULL;
    pml_status s = pml_tensor_create_2d(dev, PML_F32, chains, nv, &v);
    if (s == PML_OK) s = pml_tensor_create_2d(dev, PML_F32, chains, nv, &p);
    if (s == PML_OK) s = pml_rbm_sample(r, v, chains, steps, seed, p);
    if (s == PML_OK) s = pml_tensor_download(p, pv, (size_t)(chains * nv) * sizeof(float));
    pml_tensor_destroy(v);
    pml_tensor_destroy(p);
    return s == PML_OK ? 0 : pml_cli_fail(cmd, "sampling", s);
}
