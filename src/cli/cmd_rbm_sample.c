/* physml rbm sample (fantasy particles) and physml rbm complete (occluded pixels filled in by
 * Gibbs sampling with the observed pixels clamped). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "cli/rbm_cli.h"

#define SAMPLE "rbm sample"

int pml_cmd_rbm_sample(int argc, char **argv)
{
    const char *model = NULL, *out = NULL, *device = "auto", *data = NULL, *from = "noise";
    const char *checkpoint = NULL, *resume = NULL;
    int64_t chains = 100, steps = 1000, every = 0;
    uint64_t seed = 1;
    int quiet = 0, every_given = 0;
    const pml_opt opts[] = {
        {"model", PML_OPT_STR, &model, "FILE", "the RBM (.safetensors)"},
        {"chains", PML_OPT_INT, &chains, "N", "chains, one picture each (100)", 1, 10000},
        {"steps", PML_OPT_INT, &steps, "K", "Gibbs steps (1000)", 1, 1e7},
        {"from", PML_OPT_CHOICE, &from, "S",
         "where the chains start: noise (uniform, the default) or data (test images)",
         .choices = "noise|data"},
        {"data", PML_OPT_STR, &data, "DIR", "MNIST-format directory for --from data"},
        {"seed", PML_OPT_U64, &seed, "S", "seed (1)"},
        {"device", PML_OPT_STR, &device, "D", "auto (default), cpu, cuda, cuda:N"},
        {"out", PML_OPT_STR, &out, "DIR", "samples.png (p(v|h) of the last step), samples.npy"},
        {"checkpoint", PML_OPT_STR, &checkpoint, "FILE",
         "the chains, written atomically every --checkpoint-every steps and at the end"},
        {"checkpoint-every", PML_OPT_INT, &every, "K",
         "Gibbs steps between checkpoints (a hundredth of --steps)", 1, 1e7,
         .given = &every_given},
        {"resume", PML_OPT_STR, &resume, "FILE", "continue the chains a checkpoint holds (the same options; --steps may grow)"},
        {"quiet", PML_OPT_FLAG, &quiet, NULL, "no messages on stderr but errors"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse(SAMPLE, "rbm sample --model FILE [--chains N] [--steps K] [--from noise|data] --out DIR "
                                  "[--checkpoint FILE] [--resume FILE]",
                          "Fantasy particles: chains started from uniform noise run K block "
                          "Gibbs steps of a trained RBM; their last p(v|h) as pictures.",
                          argc, argv, 3, opts);
    if (r) return r == 1 ? 0 : r;
    if (!model) return pml_cli_usage(SAMPLE, "model", "needs --model FILE");
    if (!out) return pml_cli_usage(SAMPLE, "out", "needs --out DIR");
    if (pml_cli_out_dir(SAMPLE, out)) return 1;
    if ((r = pml_cli_resumable(SAMPLE, checkpoint, every_given, resume)) != 0) return r;
    const int from_data = strcmp(from, "data") == 0;
    pml_device *dev = NULL;
    if ((r = pml_cli_open_device(SAMPLE, device, &dev))) return r;
    pml_rbm *m = NULL;
    pml_status s = pml_rbm_load(dev, model, chains, &m);
    if (s != PML_OK) r = pml_cli_fail(SAMPLE, model, s);
    /* what decides the chains: not --steps (a run may go on further), nor --data (the start
     * is in the checkpoint) */
    uint64_t fp = 0;
    if (!r && (checkpoint || resume) && (s = pml_rbm_fingerprint(m, &fp)) != PML_OK)
        r = pml_cli_fail(SAMPLE, model, s);
    char opts_line[256];
    snprintf(opts_line, sizeof opts_line, "options device=%s model=%016llx chains=%lld from=%s "
             "seed=%llu", pml_cli_device_kind(dev), (unsigned long long)fp,
             (long long)chains, from, (unsigned long long)seed);
    const pml_rbm_cli_chains ck = {.cmd = SAMPLE, .checkpoint = checkpoint, .resume = resume,
                                   .every = every_given ? every : (steps + 99) / 100,
                                   .options = opts_line, .quiet = quiet};
    const int64_t nv = r ? 0 : pml_rbm_visible(m);
    const int side = pml_rbm_cli_side(nv);
    float *pv = r ? NULL : malloc((size_t)(chains * nv) * sizeof *pv);
    if (!r && !pv) r = pml_cli_fail(SAMPLE, "memory", PML_ERR_OUT_OF_MEMORY);
    pml_dataset *start = NULL;
    if (!r && from_data)
        r = pml_rbm_cli_load(SAMPLE, dev, data, 0, chains, nv, NULL, &start, NULL, "chains");
    if (!r && start && pml_dataset_size(start) < chains)
        r = pml_cli_usage(SAMPLE, "chains", "%lld chains, the test set holds %lld images",
                          (long long)chains, (long long)pml_dataset_size(start));
    if (!r) r = pml_rbm_cli_fantasy(SAMPLE, m, chains, steps, seed, start, &ck, pv);
    pml_dataset_destroy(start);
    if (!r && side)
        r = pml_cli_image_grid(SAMPLE, out, "samples.png", pv, chains, side, side, 10, 2, 0, quiet);
    if (!r)
        r = pml_cli_npy(SAMPLE, out, "samples.npy", PML_F32, 2, (const int64_t[]){chains, nv}, pv,
                        quiet);
    if (!r && !side && !quiet)
        fprintf(stderr, "physml %s: %lld visible units are not a square image: no PNG\n", SAMPLE,
                (long long)nv);
    free(pv);
    pml_rbm_destroy(m);
    pml_device_close(dev);
    return r;
}

#define COMPLETE "rbm complete"

int pml_cmd_rbm_complete(int argc, char **argv)
{
    const char *model = NULL, *out = NULL, *device = "auto", *data = NULL, *occ = "bottom";
    const char *checkpoint = NULL, *resume = NULL;
    int64_t count = 16, steps = 500, average = 400, every = 0;
    uint64_t seed = 1;
    int json = 0, quiet = 0, average_given = 0, every_given = 0;
    const pml_opt opts[] = {
        {"model", PML_OPT_STR, &model, "FILE", "the RBM (.safetensors)"},
        {"data", PML_OPT_STR, &data, "DIR", "MNIST-format directory: its test images"},
        {"count", PML_OPT_INT, &count, "N", "test images to complete (16)", 1, 10000},
        {"occlude", PML_OPT_STR, &occ, "HOW", "bottom (default), right or random:F"},
        {"steps", PML_OPT_INT, &steps, "K", "Gibbs steps with the observed pixels clamped (500)",
         1, 1e7},
        {"average", PML_OPT_INT, &average, "K",
         "average p(v|h) over the last K steps, K <= --steps (400, or --steps when fewer)", 1, 1e7,
         .given = &average_given},
        {"seed", PML_OPT_U64, &seed, "S", "seed (1)"},
        {"device", PML_OPT_STR, &device, "D", "auto (default), cpu, cuda, cuda:N"},
        {"out", PML_OPT_STR, &out, "DIR", "completion.png: truth | occluded | completed"},
        {"json", PML_OPT_FLAG, &json, NULL, "one JSON object"},
        {"checkpoint", PML_OPT_STR, &checkpoint, "FILE",
         "the chains, written atomically every --checkpoint-every steps and at the end"},
        {"checkpoint-every", PML_OPT_INT, &every, "K",
         "Gibbs steps between checkpoints (a hundredth of --steps)", 1, 1e7,
         .given = &every_given},
        {"resume", PML_OPT_STR, &resume, "FILE", "continue the chains a checkpoint holds (the same options)"},
        {"quiet", PML_OPT_FLAG, &quiet, NULL, "no messages on stderr but errors"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse(COMPLETE, "rbm complete --model FILE --occlude bottom|right|random:F "
                                    "--out DIR [--data DIR] [--count N] [--json] "
                                    "[--checkpoint FILE] [--resume FILE]",
                          "Completion of missing data: test images with a region hidden; the "
                          "observed pixels are clamped and the rest sampled by block Gibbs "
                          "sampling; the error of the completion against the hidden truth.",
                          argc, argv, 3, opts);
    if (r) return r == 1 ? 0 : r;
    if (!model) return pml_cli_usage(COMPLETE, "model", "needs --model FILE");
    if (!out) return pml_cli_usage(COMPLETE, "out", "needs --out DIR");
    if (average > steps) {
        if (average_given)
            return pml_cli_usage(COMPLETE, "average", "%lld: at most --steps (%lld)",
                                 (long long)average, (long long)steps);
        average = steps; /* the default, as its help says */
    }
    double frac = 0.5;
    if (strncmp(occ, "random:", 7) == 0) {
        char *end = NULL;
        frac = pml_strtod_dec(occ + 7, &end);
        if (end == occ + 7 || *end || !(frac > 0 && frac < 1))
            return pml_cli_usage(COMPLETE, "occlude", "'%s': random:F needs 0 < F < 1", occ);
    } else if (strcmp(occ, "bottom") && strcmp(occ, "right")) {
        return pml_cli_usage(COMPLETE, "occlude", "'%s': bottom, right or random:F", occ);
    }
    if (pml_cli_out_dir(COMPLETE, out)) return 1;
    if ((r = pml_cli_resumable(COMPLETE, checkpoint, every_given, resume)) != 0) return r;
    pml_device *dev = NULL;
    if ((r = pml_cli_open_device(COMPLETE, device, &dev))) return r;
    pml_rbm *m = NULL;
    pml_status s = pml_rbm_load(dev, model, count, &m);
    if (s != PML_OK) r = pml_cli_fail(COMPLETE, model, s);
    /* what decides the chains (the images and occlusion are added by their fingerprint) */
    uint64_t fp = 0;
    if (!r && (checkpoint || resume) && (s = pml_rbm_fingerprint(m, &fp)) != PML_OK)
        r = pml_cli_fail(COMPLETE, model, s);
    char opts_line[256], how[40];
    /* the occlusion as a number, not as typed: random:0.5 and random:0.50 are one run */
    if (strncmp(occ, "random:", 7) == 0) snprintf(how, sizeof how, "random:%.17g", frac);
    else snprintf(how, sizeof how, "%s", occ);
    const int len = snprintf(opts_line, sizeof opts_line, "options device=%s model=%016llx "
                             "count=%lld steps=%lld average=%lld seed=%llu occlude=%s",
                             pml_cli_device_kind(dev), (unsigned long long)fp,
                             (long long)count, (long long)steps, (long long)average,
                             (unsigned long long)seed, how);
    if (!r && (len < 0 || (size_t)len >= sizeof opts_line)) /* every field is bounded: a bug */
        r = pml_cli_fail(COMPLETE, "checkpoint", PML_ERR_INTERNAL);
    const pml_rbm_cli_chains ck = {.cmd = COMPLETE, .checkpoint = checkpoint, .resume = resume,
                                   .every = every_given ? every : (steps + 99) / 100,
                                   .options = opts_line, .quiet = quiet};
    pml_rbm_binarize bz = PML_RBM_THRESHOLD;
    double threshold = 0.5;
    pml_rbm_cli_model_binarize(model, &bz, &threshold);
    pml_dataset *test = NULL;
    pml_rbm_completion res;
    memset(&res, 0, sizeof res);
    if (!r) r = pml_rbm_cli_load(COMPLETE, dev, data, 0, count, pml_rbm_visible(m), NULL, &test,
                                     NULL, "count");
    const pml_rbm_cli_complete_args ca = {.bz = bz, .threshold = threshold, .occ = occ,
                                          .frac = frac, .steps = steps, .average = average,
                                          .seed = seed, .out = out, .quiet = quiet,
                                          .ck = checkpoint || resume ? &ck : NULL};
    if (!r) r = pml_rbm_cli_complete(COMPLETE, m, test, &ca, &res);
    const int64_t n = r ? 0 : pml_dataset_size(test), hidden = res.hidden;
    const double mse = res.mse, wrong = res.error_rate, base = res.error_rate_all_off;
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
    pml_dataset_destroy(test);
    pml_rbm_destroy(m);
    pml_device_close(dev);
    return r;
}
