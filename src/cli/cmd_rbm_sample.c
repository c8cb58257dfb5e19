/* physml rbm sample (fantasy particles) and physml rbm complete (occluded pixels filled in by
 * Gibbs sampling with the observed pixels clamped). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/rbm_cli.h"

/* The binarisation a model file records ("threshold" unless it says "sample"). */
static void model_binarize(const char *path, pml_rbm_binarize *bz, double *threshold)
{
    pml_device *cpu = NULL;
    pml_safetensors st;
    memset(&st, 0, sizeof st);
    if (pml_device_open("cpu", &cpu) == PML_OK && pml_safetensors_read(cpu, path, &st) == PML_OK) {
        const char *b = pml_safetensors_meta(&st, "binarize"), *t = pml_safetensors_meta(&st, "threshold");
        if (b && strcmp(b, "sample") == 0) *bz = PML_RBM_SAMPLE;
        if (t) {
            const double x = strtod(t, NULL);
            if (x >= 0 && x < 1) *threshold = x;
        }
    }
    pml_safetensors_free(&st);
    pml_device_close(cpu);
}

#define SAMPLE "rbm sample"

int pml_cmd_rbm_sample(int argc, char **argv)
{
    const char *model = NULL, *out = NULL, *device = "auto";
    int64_t chains = 100, steps = 1000;
    uint64_t seed = 1;
    int quiet = 0;
    const pml_opt opts[] = {
        {"model", PML_OPT_STR, &model, "FILE", "the RBM (.safetensors)"},
        {"chains", PML_OPT_INT, &chains, "N", "chains, one picture each (100)", 1, 10000},
        {"steps", PML_OPT_INT, &steps, "K", "Gibbs steps from noise (1000)", 1, 1e7},
        {"seed", PML_OPT_U64, &seed, "S", "seed (1)"},
        {"device", PML_OPT_STR, &device, "D", "auto (default), cpu, cuda, cuda:N"},
        {"out", PML_OPT_STR, &out, "DIR", "samples.png (p(v|h) of the last step), samples.npy"},
        {"quiet", PML_OPT_FLAG, &quiet, NULL, "no messages on stderr but errors"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse(SAMPLE, "rbm sample --model FILE [--chains N] [--steps K] --out DIR",
                          "Fantasy particles: chains started from uniform noise run K block "
                          "Gibbs steps of a trained RBM; their last p(v|h) as pictures.",
                          argc, argv, 3, opts);
    if (r) return r == 1 ? 0 : r;
    if (!model) return pml_cli_usage(SAMPLE, "model", "needs --model FILE");
    if (!out) return pml_cli_usage(SAMPLE, "out", "needs --out DIR");
    if (pml_cli_out_dir(SAMPLE, out)) return 1;
    pml_device *dev = NULL;
    if ((r = pml_cli_open_device(SAMPLE, device, &dev))) return r;
    pml_rbm *m = NULL;
    pml_status s = pml_rbm_load(dev, model, chains, &m);
    if (s != PML_OK) r = pml_cli_fail(SAMPLE, model, s);
    const int64_t nv = r ? 0 : pml_rbm_visible(m);
    const int side = pml_rbm_cli_side(nv);
    float *pv = r ? NULL : malloc((size_t)(chains * nv) * sizeof *pv);
    if (!r && !pv) r = pml_cli_fail(SAMPLE, "memory", PML_ERR_OUT_OF_MEMORY);
    if (!r) r = pml_rbm_cli_fantasy(SAMPLE, m, chains, steps, seed, pv);
    if (!r && side)
        r = pml_rbm_cli_grid(SAMPLE, out, "samples.png", pv, chains, side, side, 10, 2, 0, quiet);
    if (!r) {
        char path[PML_PATH_MAX];
        pml_device *cpu = NULL;
        pml_tensor *t = NULL;
        s = pml_device_open("cpu", &cpu);
        if (s == PML_OK) s = pml_tensor_create_2d(cpu, PML_F32, chains, nv, &t);
        if (s == PML_OK) s = pml_tensor_upload(t, pv, (size_t)(chains * nv) * sizeof *pv);
        if (s == PML_OK && !pml_cli_path(SAMPLE, path, sizeof path, out, "samples.npy")) {
            s = pml_npy_write(path, t);
            if (s == PML_OK && !quiet) fprintf(stderr, "wrote %s\n", path);
        }
        if (s != PML_OK) r = pml_cli_fail(SAMPLE, "samples.npy", s);
        pml_tensor_destroy(t);
        pml_device_close(cpu);
    }
    if (!r && !side && !quiet)
        fprintf(stderr, "physml %s: %lld visible units are not a square image: no PNG\n", SAMPLE,
                (long long)nv);
    free(pv);
    pml_rbm_destroy(m);
    pml_device_close(dev);
    return r;
}

#define COMPLETE "rbm complete"

/* keep[i] = 1 where pixel i of example e is observed. */
static void occlusion(const char *how, double frac, int rows, int cols, int64_t e, uint64_t seed,
                      float *keep)
{
    for (int y = 0; y < rows; ++y)
        for (int x = 0; x < cols; ++x) {
            int hidden;
            if (strcmp(how, "bottom") == 0) hidden = y >= rows / 2;
            else if (strcmp(how, "right") == 0) hidden = x >= cols / 2;
            else hidden = pml_rng_uniform(seed, ((uint64_t)0x5209 << 48) | (uint64_t)e,
                                          (uint64_t)(y * cols + x)) < (float)frac;
            keep[y * cols + x] = hidden ? 0.0f : 1.0f;
        }
}

int pml_cmd_rbm_complete(int argc, char **argv)
{
    const char *model = NULL, *out = NULL, *device = "auto", *data = NULL, *occ = "bottom";
    int64_t count = 16, steps = 500, average = 400;
    uint64_t seed = 1;
    int json = 0, quiet = 0;
    const pml_opt opts[] = {
        {"model", PML_OPT_STR, &model, "FILE", "the RBM (.safetensors)"},
        {"data", PML_OPT_STR, &data, "DIR", "MNIST-format directory: its test images"},
        {"count", PML_OPT_INT, &count, "N", "test images to complete (16)", 1, 10000},
        {"occlude", PML_OPT_STR, &occ, "HOW", "bottom (default), right or random:F"},
        {"steps", PML_OPT_INT, &steps, "K", "Gibbs steps with the observed pixels clamped (500)",
         1, 1e7},
        {"average", PML_OPT_INT, &average, "K", "average p(v|h) over the last K steps (400)", 1, 1e7},
        {"seed", PML_OPT_U64, &seed, "S", "seed (1)"},
        {"device", PML_OPT_STR, &device, "D", "auto (default), cpu, cuda, cuda:N"},
        {"out", PML_OPT_STR, &out, "DIR", "completion.png: truth | occluded | completed"},
        {"json", PML_OPT_FLAG, &json, NULL, "one JSON object"},
        {"quiet", PML_OPT_FLAG, &quiet, NULL, "no messages on stderr but errors"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse(COMPLETE, "rbm complete --model FILE --occlude bottom|right|random:F "
                                    "--out DIR [--data DIR] [--count N] [--json]",
                          "Completion of missing data: test images with a region hidden; the "
                          "observed pixels are clamped and the rest sampled by block Gibbs "
                          "sampling; the error of the completion against the hidden truth.",
                          argc, argv, 3, opts);
    if (r) return r == 1 ? 0 : r;
    if (!model) return pml_cli_usage(COMPLETE, "model", "needs --model FILE");
    if (!out) return pml_cli_usage(COMPLETE, "out", "needs --out DIR");
    double frac = 0.5;
    if (strncmp(occ, "random:", 7) == 0) {
        char *end = NULL;
        frac = strtod(occ + 7, &end);
        if (end == occ + 7 || *end || !(frac > 0 && frac < 1))
            return pml_cli_usage(COMPLETE, "occlude", "'%s': random:F needs 0 < F < 1", occ);
    } else if (strcmp(occ, "bottom") && strcmp(occ, "right")) {
        return pml_cli_usage(COMPLETE, "occlude", "'%s': bottom, right or random:F", occ);
    }
    if (pml_cli_out_dir(COMPLETE, out)) return 1;
    pml_device *dev = NULL;
    if ((r = pml_cli_open_device(COMPLETE, device, &dev))) return r;
    pml_rbm_binarize bz = PML_RBM_THRESHOLD;
    double threshold = 0.5;
    model_binarize(model, &bz, &threshold);
    pml_rbm *m = NULL;
    pml_dataset *test = NULL;
    pml_status s = pml_rbm_load(dev, model, count, &m);
    if (s != PML_OK) r = pml_cli_fail(COMPLETE, model, s);
    if (!r) r = pml_rbm_cli_load(COMPLETE, dev, data, 0, count, pml_rbm_visible(m), NULL, &test);
    const int64_t nv = r ? 0 : pml_rbm_visible(m), n = r ? 0 : pml_dataset_size(test);
    const int rows = r ? 0 : pml_dataset_rows(test), cols = r ? 0 : pml_dataset_cols(test);
    float *truth = NULL, *keep = NULL, *pv = NULL, *grid = NULL;
    pml_tensor *x = NULL, *kt = NULL, *pt = NULL;
    if (!r) {
        truth = malloc((size_t)(n * nv) * sizeof *truth);
        keep = malloc((size_t)(n * nv) * sizeof *keep);
        pv = malloc((size_t)(n * nv) * sizeof *pv);
        grid = malloc((size_t)(3 * n * nv) * sizeof *grid);
        if (!truth || !keep || !pv || !grid) r = pml_cli_fail(COMPLETE, "memory", PML_ERR_OUT_OF_MEMORY);
    }
    if (!r) {
        s = pml_tensor_create_2d(dev, PML_F32, n, nv, &x);
        if (s == PML_OK) s = pml_tensor_create_2d(dev, PML_F32, n, nv, &kt);
        if (s == PML_OK) s = pml_tensor_create_2d(dev, PML_F32, n, nv, &pt);
        if (s == PML_OK) s = pml_dataset_batch(test, 0, n, PML_SCALE_UNIT, NULL, 0, 0, x, NULL);
        if (s == PML_OK) s = pml_tensor_download(x, truth, (size_t)(n * nv) * sizeof *truth);
        for (int64_t i = 0; s == PML_OK && i < n * nv; ++i)
            truth[i] = bz == PML_RBM_SAMPLE
                           ? (pml_rng_uniform(seed, (uint64_t)0x5203 << 48, (uint64_t)i) < truth[i])
                           : truth[i] > threshold;
        for (int64_t e = 0; e < n; ++e) occlusion(occ, frac, rows, cols, e, seed, keep + e * nv);
        /* the hidden pixels start from noise-free zeros; the clamp keeps the rest */
        for (int64_t i = 0; i < n * nv; ++i) pv[i] = keep[i] != 0.0f ? truth[i] : 0.0f;
        if (s == PML_OK) s = pml_tensor_upload(x, pv, (size_t)(n * nv) * sizeof *pv);
        if (s == PML_OK) s = pml_tensor_upload(kt, keep, (size_t)(n * nv) * sizeof *keep);
        const pml_rbm_gibbs_opts o = {.seed = seed, .keep = kt, .pv = pt, .average = average};
        if (s == PML_OK) s = pml_rbm_gibbs(m, x, n, steps, &o);
        if (s == PML_OK) s = pml_tensor_download(pt, pv, (size_t)(n * nv) * sizeof *pv);
        if (s != PML_OK) r = pml_cli_fail(COMPLETE, "completion", s);
    }
    double mse = 0.0, wrong = 0.0, base = 0.0;
    int64_t hidden = 0;
    for (int64_t i = 0; !r && i < n * nv; ++i) {
        if (keep[i] != 0.0f) continue;
        ++hidden;
        mse += (pv[i] - truth[i]) * (pv[i] - truth[i]);
        wrong += (pv[i] > 0.5f) != (truth[i] > 0.5f);
        base += truth[i] > 0.5f; /* guessing every hidden pixel off */
    }
    if (hidden) mse /= (double)hidden, wrong /= (double)hidden, base /= (double)hidden;
    if (!r) {
        for (int64_t e = 0; e < n; ++e)
            for (int64_t i = 0; i < nv; ++i) {
                grid[(3 * e) * nv + i] = truth[e * nv + i];
                grid[(3 * e + 1) * nv + i] = keep[e * nv + i] != 0.0f ? truth[e * nv + i] : 0.5f;
                grid[(3 * e + 2) * nv + i] = pv[e * nv + i];
            }
        r = pml_rbm_cli_grid(COMPLETE, out, "completion.png", grid, 3 * n, rows, cols, 6, 3, 0, quiet);
    }
    if (!r && json) {
        pml_jsonl j;
        pml_jsonl_begin(&j, stdout);
        pml_jsonl_str(&j, "occlude", occ);
        pml_jsonl_int(&j, "images", n);
        pml_jsonl_int(&j, "hidden_pixels", hidden);
        pml_jsonl_num(&j, "mse", mse);
        pml_jsonl_num(&j, "error_rate", wrong);
        pml_jsonl_num(&j, "error_rate_all_off", base);
        pml_jsonl_end(&j);
    } else if (!r) {
        printf("completed %lld images (%s occluded, %lld hidden pixels): mean squared error "
               "%.4f, pixels wrong %.2f%% (guessing all off: %.2f%%)\n", (long long)n, occ,
               (long long)hidden, mse, 100 * wrong, 100 * base);
    }
    free(truth), free(keep), free(pv), free(grid);
    pml_tensor_destroy(x), pml_tensor_destroy(kt), pml_tensor_destroy(pt);
    pml_dataset_destroy(test);
    pml_rbm_destroy(m);
    pml_device_close(dev);
    return r;
}
