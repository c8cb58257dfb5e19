/* Pieces the `physml rbm` commands share: data loading, AIS specs, fantasies. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "cli/rbm_cli.h"

int pml_rbm_cli_side(int64_t n)
{
    const int64_t s = (int64_t)llround(sqrt((double)n));
    return s * s == n && s <= 4096 ? (int)s : 0;
}

int pml_rbm_cli_load(const char *cmd, pml_device *dev, const char *dir, int64_t subset,
                     int64_t test_n, int64_t features, pml_dataset **train, pml_dataset **test,
                     const char *train_opt, const char *test_opt)
{
    const char *d = dir ? dir : pml_data_default_dir();
    for (int k = 0; k < 2; ++k) {
        pml_dataset **out = k == 0 ? train : test;
        if (out == NULL) continue;
        const int64_t n = k == 0 ? subset : test_n;
        pml_dataset *full = NULL, *part = NULL;
        pml_status s = pml_dataset_load_expect(dev, d, k == 0 ? PML_SPLIT_TRAIN : PML_SPLIT_TEST,
                                               features, &full);
        const char *opt = k == 0 ? train_opt : test_opt;
        const int rc = s != PML_OK ? 0 : pml_cli_head(cmd, opt, full, n, k == 0 ? "training "
                                                      "examples" : "test examples", &part);
        if (rc) {
            pml_dataset_destroy(full);
            if (k == 1 && train) {
                pml_dataset_destroy(*train);
                *train = NULL;
            }
            return rc;
        }
        if (part) {
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
    const long long r = pml_strtoll_dec(text, &end);
    if (errno || end == text || *end != ':' || r < 2 || r > (1 << 20))
        return pml_cli_usage(cmd, "ais", "'%s': needs RUNS:STEPS, runs 2 .. 2^20", text);
    const char *p = end + 1;
    errno = 0;
    const long long k = pml_strtoll_dec(p, &end);
    if (errno || end == p || *end != '\0' || k < 1 || k > (1 << 24))
        return pml_cli_usage(cmd, "ais", "'%s': needs RUNS:STEPS, steps 1 .. 2^24", text);
    *runs = r;
    *steps = k;
    return 0;
}

/* The binarisation a model file records ("threshold" unless it says "sample"). */
void pml_rbm_cli_model_binarize(const char *path, pml_rbm_binarize *bz, double *threshold)
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

int pml_rbm_cli_ais_trusted(const char *cmd, const pml_rbm_ais_result *a)
{
    if (a->ess >= 0.1 * (double)a->runs) return 1;
    fprintf(stderr, "physml %s: warning: AIS's effective sample size is %.1f of %lld runs: the "
                    "weights rest on a few runs, log Z is most likely underestimated and the "
                    "log-probabilities too high; use more steps (--ais RUNS:STEPS)\n",
            cmd, a->ess, (long long)a->runs);
    return 0;
}

int pml_rbm_cli_fantasy(const char *cmd, pml_rbm *r, int64_t chains, int64_t steps,
                        uint64_t seed, const pml_dataset *start, const pml_rbm_cli_chains *ck,
                        float *pv)
{
    pml_device *dev = pml_rbm_device(r);
    const int64_t nv = pml_rbm_visible(r);
    pml_tensor *v = NULL, *p = NULL;
    pml_status s = pml_tensor_create_2d(dev, PML_F32, chains, nv, &v);
    if (s == PML_OK) s = pml_tensor_create_2d(dev, PML_F32, chains, nv, &p);
    if (s == PML_OK && start != NULL) {
        float *h = malloc((size_t)(chains * nv) * sizeof *h);
        s = h ? pml_dataset_batch(start, 0, chains, PML_SCALE_UNIT, NULL, 0, 0, v, NULL)
              : PML_ERR_OUT_OF_MEMORY;
        if (s == PML_OK) s = pml_tensor_download(v, h, (size_t)(chains * nv) * sizeof *h);
        for (int64_t i = 0; s == PML_OK && i < chains * nv; ++i) h[i] = h[i] > 0.5f ? 1.0f : 0.0f;
        if (s == PML_OK) s = pml_tensor_upload(v, h, (size_t)(chains * nv) * sizeof *h);
        free(h);
    }
    int rc = s == PML_OK ? 0 : pml_cli_fail(cmd, "sampling", s);
    const pml_rbm_gibbs_opts o = {.seed = seed, .pv = p, .average = 1};
    if (!rc) rc = pml_rbm_cli_run_chains(ck, r, v, chains, steps, start == NULL, &o);
    if (!rc && (s = pml_tensor_download(p, pv, (size_t)(chains * nv) * sizeof(float))) != PML_OK)
        rc = pml_cli_fail(cmd, "sampling", s);
    pml_tensor_destroy(v);
    pml_tensor_destroy(p);
    return rc;
}

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

int pml_rbm_cli_complete(const char *cmd, pml_rbm *m, const pml_dataset *test,
                         const pml_rbm_cli_complete_args *a, pml_rbm_completion *res)
{
    const pml_rbm_binarize bz = a->bz;
    const double threshold = a->threshold, frac = a->frac;
    const char *occ = a->occ, *out = a->out;
    const uint64_t seed = a->seed;
    const int quiet = a->quiet;
    memset(res, 0, sizeof *res);
    pml_device *dev = pml_rbm_device(m);
    const int64_t nv = pml_rbm_visible(m), n = pml_dataset_size(test);
    const int rows = pml_dataset_rows(test), cols = pml_dataset_cols(test);
    float *truth = malloc((size_t)(n * nv) * sizeof *truth);
    float *keep = malloc((size_t)(n * nv) * sizeof *keep);
    float *pv = malloc((size_t)(n * nv) * sizeof *pv);
    float *grid = malloc((size_t)(3 * n * nv) * sizeof *grid);
    pml_tensor *x = NULL, *kt = NULL, *pt = NULL;
    int r = 0;
    if (!truth || !keep || !pv || !grid) r = pml_cli_fail(cmd, "memory", PML_ERR_OUT_OF_MEMORY);
    if (!r) {
        pml_status s = pml_tensor_create_2d(dev, PML_F32, n, nv, &x);
        if (s == PML_OK) s = pml_tensor_create_2d(dev, PML_F32, n, nv, &kt);
        if (s == PML_OK) s = pml_tensor_create_2d(dev, PML_F32, n, nv, &pt);
        if (s == PML_OK) s = pml_dataset_batch(test, 0, n, PML_SCALE_UNIT, NULL, 0, 0, x, NULL);
        if (s == PML_OK) s = pml_tensor_download(x, truth, (size_t)(n * nv) * sizeof *truth);
        for (int64_t i = 0; s == PML_OK && i < n * nv; ++i)
            truth[i] = bz == PML_RBM_SAMPLE
                           ? (pml_rng_uniform(seed, (uint64_t)0x5203 << 48, (uint64_t)i) < truth[i])
                           : truth[i] > threshold;
        for (int64_t e = 0; e < n; ++e) occlusion(occ, frac, rows, cols, e, seed, keep + e * nv);
        /* the hidden pixels start at 0; the clamp keeps the rest */
        for (int64_t i = 0; i < n * nv; ++i) pv[i] = keep[i] != 0.0f ? truth[i] : 0.0f;
        if (s == PML_OK) s = pml_tensor_upload(x, pv, (size_t)(n * nv) * sizeof *pv);
        if (s == PML_OK) s = pml_tensor_upload(kt, keep, (size_t)(n * nv) * sizeof *keep);
        if (s != PML_OK) r = pml_cli_fail(cmd, "completion", s);
        /* a checkpoint belongs to these images and this occlusion too */
        char opts[1024];
        pml_rbm_cli_chains ck;
        if (a->ck) {
            uint64_t h = pml_fnv1a(PML_FNV1A_INIT, truth, (size_t)(n * nv) * sizeof *truth);
            h = pml_fnv1a(h, keep, (size_t)(n * nv) * sizeof *keep);
            snprintf(opts, sizeof opts, "%s truth=%016llx", a->ck->options, (unsigned long long)h);
            ck = *a->ck;
            ck.options = opts;
        }
        const pml_rbm_gibbs_opts o = {.seed = seed, .keep = kt, .pv = pt, .average = a->average};
        if (!r) r = pml_rbm_cli_run_chains(a->ck ? &ck : NULL, m, x, n, a->steps, 0, &o);
        if (!r && (s = pml_tensor_download(pt, pv, (size_t)(n * nv) * sizeof *pv)) != PML_OK)
            r = pml_cli_fail(cmd, "completion", s);
    }
    for (int64_t i = 0; !r && i < n * nv; ++i) {
        if (keep[i] != 0.0f) continue;
        ++res->hidden;
        res->mse += (pv[i] - truth[i]) * (pv[i] - truth[i]);
        res->error_rate += (pv[i] > 0.5f) != (truth[i] > 0.5f);
        res->error_rate_all_off += truth[i] > 0.5f; /* guessing every hidden pixel off */
    }
    if (res->hidden) {
        res->mse /= (double)res->hidden;
        res->error_rate /= (double)res->hidden;
        res->error_rate_all_off /= (double)res->hidden;
    }
    if (!r && out) {
        for (int64_t e = 0; e < n; ++e)
            for (int64_t i = 0; i < nv; ++i) {
                grid[(3 * e) * nv + i] = truth[e * nv + i];
                grid[(3 * e + 1) * nv + i] = keep[e * nv + i] != 0.0f ? truth[e * nv + i] : 0.5f;
                grid[(3 * e + 2) * nv + i] = pv[e * nv + i];
            }
        r = pml_cli_image_grid(cmd, out, "completion.png", grid, 3 * n, rows, cols, 6, 3, 0, quiet);
    }
    free(truth), free(keep), free(pv), free(grid);
    pml_tensor_destroy(x), pml_tensor_destroy(kt), pml_tensor_destroy(pt);
    return r;
}

int pml_rbm_cli_pictures(const char *cmd, const char *out, pml_rbm *r, int rows, int cols,
                         uint64_t seed, const pml_dataset *start, int quiet)
{
    const int64_t nv = pml_rbm_visible(r), nh = pml_rbm_hidden(r);
    const int64_t nf = nh < 100 ? nh : 100;
    int64_t chains = pml_rbm_max_batch(r) < 100 ? pml_rbm_max_batch(r) : 100;
    if (start && pml_dataset_size(start) < chains) chains = pml_dataset_size(start);
    float *buf = malloc((size_t)((nh > chains ? nh : chains) * nv) * sizeof(float));
    if (!buf) return pml_cli_fail(cmd, "pictures", PML_ERR_OUT_OF_MEMORY);
    pml_status s = pml_tensor_download(pml_rbm_weight(r), buf, (size_t)(nh * nv) * sizeof(float));
    int rc = s != PML_OK ? pml_cli_fail(cmd, "weights", s) : 0;
    if (!rc) rc = pml_cli_image_grid(cmd, out, "filters.png", buf, nf, rows, cols, 10, 2, 1, quiet);
    if (!rc) rc = pml_rbm_cli_fantasy(cmd, r, chains, 1000, seed, start, NULL, buf);
    if (!rc) rc = pml_cli_image_grid(cmd, out, "samples.png", buf, chains, rows, cols, 10, 2, 0, quiet);
    free(buf);
    return rc;
}
