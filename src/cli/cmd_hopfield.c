/* physml hopfield recall: store patterns (a .npy, binarised Fashion-MNIST class prototypes,
 * or the primer's 4x4 stripes), recall from probes (a .npy, or the patterns with noise or
 * occlusion), report each probe's end, and write the final states, pictures and energy
 * traces. `physml hopfield capacity` is in cmd_hopfield_capacity.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/hopfield_cli.h"

#define CMD "hopfield recall"
#define MAX_PICTURES 16

/* A +-1 matrix from a .npy of +-1 or 0/1 values (any integer or float dtype). */
int pml_hf_cli_load_npy(const char *cmd, const char *option, const char *path, int64_t *rows,
                        int64_t *cols, int8_t **out)
{
    pml_device *cpu = NULL;
    pml_tensor *t = NULL;
    pml_status s = pml_device_open("cpu", &cpu);
    if (s == PML_OK) s = pml_npy_read(cpu, path, &t);
    if (s != PML_OK) {
        pml_device_close(cpu);
        return pml_cli_fail(cmd, path, s);
    }
    const int nd = pml_tensor_ndim(t);
    const int64_t r = nd == 1 ? 1 : pml_tensor_dim(t, 0), c = pml_tensor_dim(t, nd - 1);
    int rc = 0;
    if (nd < 1 || nd > 2) {
        rc = pml_cli_usage(cmd, option, "%s: a %d-D array, needs 1-D or 2-D (rows x neurons)",
                           path, nd);
    } else if (r < 1 || c < 1) {
        rc = pml_cli_usage(cmd, option, "%s: %lld x %lld: needs at least one row of at least one "
                           "neuron", path, (long long)r, (long long)c);
    }
    int8_t *v = rc ? NULL : malloc((size_t)(r * c));
    if (!rc && !v) rc = pml_cli_fail(cmd, "memory", PML_ERR_OUT_OF_MEMORY);
    const void *d = pml_tensor_data_const(t);
    const pml_dtype dt = pml_tensor_dtype(t);
    int zero_one = 1, pm = 1;
    for (int64_t i = 0; !rc && i < r * c; ++i) {
        double x;
        switch (dt) {
        case PML_F32: x = ((const float *)d)[i]; break;
        case PML_F64: x = ((const double *)d)[i]; break;
        case PML_I32: x = ((const int32_t *)d)[i]; break;
        case PML_U32: x = ((const uint32_t *)d)[i]; break;
        case PML_U8: x = ((const uint8_t *)d)[i]; break;
        default: x = ((const int8_t *)d)[i]; break;
        }
        zero_one &= x == 0.0 || x == 1.0;
        pm &= x == -1.0 || x == 1.0;
        if (!zero_one && !pm) {
            rc = pml_cli_usage(cmd, option, "%s: element %lld is %g: values must be all +-1 "
                                            "or all 0/1", path, (long long)i, x);
            break;
        }
        v[i] = x == 1.0 ? 1 : -1; /* 0/1: s = 2x - 1; +-1: as is */
    }
    pml_tensor_destroy(t);
    pml_device_close(cpu);
    if (rc) {
        free(v);
        return rc;
    }
    *rows = r;
    *cols = c;
    *out = v;
    return 0;
}

/* One binarised prototype per class: the class's mean image of the test split, +1 where a
 * pixel is above that image's own mean. */
int pml_hf_cli_fashion(const char *cmd, const char *dir, const int64_t *classes, int64_t k,
                       int8_t **out, int *side)
{
    char ip[4096], lp[4096];
    snprintf(ip, sizeof ip, "%s/t10k-images-idx3-ubyte.gz", dir);
    snprintf(lp, sizeof lp, "%s/t10k-labels-idx1-ubyte.gz", dir);
    pml_idx im = {0}, lb = {0};
    pml_status s = pml_idx_read(ip, &im);
    if (s == PML_OK) s = pml_idx_read(lp, &lb);
    if (s != PML_OK) {
        pml_idx_free(&im);
        pml_idx_free(&lb);
        return pml_cli_fail(cmd, dir, s);
    }
    int rc = 0;
    if (im.dtype != PML_U8 || im.ndim != 3 || lb.dtype != PML_U8 || lb.dims[0] != im.dims[0] ||
        im.dims[1] != im.dims[2])
        rc = pml_cli_usage(cmd, "data", "%s: not Fashion-MNIST-shaped IDX files", dir);
    const int64_t n = rc ? 0 : im.dims[1] * im.dims[2], N = rc ? 0 : im.dims[0];
    int8_t *p = rc ? NULL : malloc((size_t)(k * n));
    double *mean = rc ? NULL : calloc((size_t)n, sizeof *mean);
    for (int64_t c = 0; !rc && c < k; ++c) {
        memset(mean, 0, (size_t)n * sizeof *mean);
        int64_t cnt = 0;
        for (int64_t e = 0; e < N; ++e) {
            if (((const uint8_t *)lb.data)[e] != classes[c]) continue;
            ++cnt;
            for (int64_t i = 0; i < n; ++i) mean[i] += ((const uint8_t *)im.data)[e * n + i];
        }
        if (cnt == 0) {
            rc = pml_cli_usage(cmd, "classes", "class %lld has no images in %s",
                               (long long)classes[c], dir);
            break;
        }
        double avg = 0.0;
        for (int64_t i = 0; i < n; ++i) avg += mean[i] / (double)n;
        for (int64_t i = 0; i < n; ++i) p[c * n + i] = mean[i] > avg ? 1 : -1;
    }
    if (!rc) *side = (int)im.dims[1];
    free(mean);
    pml_idx_free(&im);
    pml_idx_free(&lb);
    if (rc) {
        free(p);
        return rc;
    }
    *out = p;
    return 0;
}

/* probe | after sweep 1 | after sweep 2 | final | nearest pattern, as one PNG (pixels scaled
 * up so a 4x4 grid is visible). */
int pml_hf_cli_picture(const char *cmd, const char *dir, const char *name, int side,
                       const int8_t *const cols[5], int quiet)
{
    const int scale = side < 16 ? 16 : side < 64 ? 4 : 1, gap = 2;
    const int cell = side * scale, w = 5 * cell + 4 * gap, h = cell;
    uint8_t *px = malloc((size_t)(w * h));
    if (!px) return pml_cli_fail(cmd, "picture", PML_ERR_OUT_OF_MEMORY);
    memset(px, 128, (size_t)(w * h));
    for (int c = 0; c < 5; ++c)
        for (int y = 0; y < cell; ++y)
            for (int x = 0; x < cell; ++x)
                px[y * w + c * (cell + gap) + x] =
                    cols[c][(y / scale) * side + x / scale] > 0 ? 255 : 0;
    char path[PML_PATH_MAX];
    int rc = pml_cli_path(cmd, path, sizeof path, dir, name) ||
             pml_png_write(cmd, path, w, h, 1, px, quiet);
    free(px);
    return rc;
}

typedef struct recall_opts {
    const char *patterns, *data, *classes, *probe, *rule, *mode, *order, *device, *out;
    int stripes, json, quiet;
    double noise, occlude, T, beta;
    int64_t sweeps;
    uint64_t seed;
    int noise_given, occlude_given;
} recall_opts;

static int write_outputs(const recall_opts *o, pml_hopfield *net,
                         const pml_hopfield_recall_config *rc, const int8_t *probes,
                         const int8_t *final, const int8_t *pat, int64_t B, int64_t n,
                         const pml_hopfield_result *res, const double *trace, int side)
{
    if (pml_cli_out_dir(CMD, o->out)) return 1;
    char path[PML_PATH_MAX];
    pml_status s = PML_OK;
    /* final.npy: probes x n, int8 +-1 */
    if (pml_cli_npy(CMD, o->out, "final.npy", PML_I8, 2, (const int64_t[]){B, n}, final,
                    o->quiet))
        return 1;
    /* pictures of the first probes, when the neurons make a square */
    if (side > 0) {
        const int64_t k = B < MAX_PICTURES ? B : MAX_PICTURES;
        int8_t *snap[2] = {malloc((size_t)(k * n)), malloc((size_t)(k * n))};
        if (!snap[0] || !snap[1]) {
            free(snap[0]);
            free(snap[1]);
            return pml_cli_fail(CMD, "pictures", PML_ERR_OUT_OF_MEMORY);
        }
        /* the first sweeps again from the probes: draws are keyed by (seed, probe, sweep),
           so these are the states the full run passed through */
        for (int j = 0; j < 2; ++j) {
            pml_hopfield_recall_config c = *rc;
            c.max_sweeps = j + 1;
            memcpy(snap[j], probes, (size_t)(k * n));
            s = pml_hopfield_recall(net, &c, snap[j], k, NULL, NULL);
            if (s != PML_OK) break;
        }
        for (int64_t b = 0; s == PML_OK && b < k; ++b) {
            const int8_t *cols[5] = {probes + b * n, snap[0] + b * n, snap[1] + b * n,
                                     final + b * n, pat + res[b].pattern * n};
            char name[64];
            snprintf(name, sizeof name, "probe_%03lld.png", (long long)b);
            if (pml_hf_cli_picture(CMD, o->out, name, side, cols, o->quiet)) {
                free(snap[0]);
                free(snap[1]);
                return 1;
            }
        }
        free(snap[0]);
        free(snap[1]);
        if (s != PML_OK) return pml_cli_fail(CMD, "pictures", s);
    }
    /* energy traces: energy.dat (sweep, one column per probe up to MAX_PICTURES), energy.gp */
    const int64_t T = rc->max_sweeps, k = B < MAX_PICTURES ? B : MAX_PICTURES;
    pml_wfile w;
    if (pml_cli_path(CMD, path, sizeof path, o->out, "energy.dat") || pml_cli_open(CMD, path, &w))
        return 1;
    fprintf(w.f, "# sweep, then the energy of probes 0..%lld (NaN after a probe's end)\n",
            (long long)(k - 1));
    for (int64_t t0 = 0; t0 <= T; ++t0) {
        fprintf(w.f, "%lld", (long long)t0);
        for (int64_t b = 0; b < k; ++b) fprintf(w.f, " %.10g", trace[b * (T + 1) + t0]);
        fprintf(w.f, "\n");
    }
    if (pml_cli_commit(CMD, &w, o->quiet)) return 1;
    if (pml_cli_path(CMD, path, sizeof path, o->out, "energy.gp") || pml_cli_open(CMD, path, &w))
        return 1;
    fprintf(w.f, "# physml hopfield recall: render with `gnuplot energy.gp` in this directory\n");
    pml_gnuplot_output(w.f, "energy.png", "set terminal pngcairo size 900,500 font ',10'");
    fprintf(w.f, "set title 'Hopfield recall (%s, %s): energy per sweep'\nset xlabel 'sweep'\n"
                 "set ylabel 'E'\nset grid\nset key outside right\nset datafile missing 'nan'\n"
                 "plot for [c=2:%lld] 'energy.dat' using 1:c with linespoints pt 7 ps 0.6 "
                 "title sprintf('probe %%d', c-2)\n",
            pml_hopfield_rule_name(pml_hopfield_rule_of(net)), pml_hopfield_mode_name(rc->mode),
            (long long)(k + 1));
    if (pml_cli_commit(CMD, &w, o->quiet)) return 1;
    return pml_gnuplot_render(CMD, o->out, "energy.gp", "energy.png", o->quiet) < 0;
}

static void report(const recall_opts *o, const pml_hopfield_result *r, int64_t B, int64_t n,
                   int64_t p, const char *rule, const char *mode)
{
    if (o->json) {
        for (int64_t b = 0; b < B; ++b) {
            pml_jsonl j;
            pml_jsonl_begin(&j, stdout);
            pml_jsonl_int(&j, "probe", (long long)b);
            pml_jsonl_bool(&j, "converged", r[b].end == PML_HOPFIELD_FIXED);
            pml_jsonl_bool(&j, "two_cycle", r[b].end == PML_HOPFIELD_TWO_CYCLE);
            pml_jsonl_int(&j, "sweeps", (long long)r[b].sweeps);
            pml_jsonl_num(&j, "energy", r[b].energy);
            pml_jsonl_int(&j, "pattern", (long long)r[b].pattern);
            pml_jsonl_num(&j, "overlap", r[b].overlap);
            pml_jsonl_end(&j);
        }
        return;
    }
    printf("Hopfield recall: n = %lld neurons, p = %lld patterns (alpha = %.3f), rule %s, "
           "mode %s\n", (long long)n, (long long)p, (double)p / (double)n, rule, mode);
    printf("%6s  %-10s %7s %14s %8s %9s\n", "probe", "end", "sweeps", "energy", "pattern",
           "overlap");
    int64_t hits = 0;
    for (int64_t b = 0; b < B; ++b) {
        const char *e = r[b].end == PML_HOPFIELD_FIXED       ? "fixed"
                        : r[b].end == PML_HOPFIELD_TWO_CYCLE ? "two-cycle"
                                                             : "ran out";
        if (B <= 64 || b < 32)
            printf("%6lld  %-10s %7lld %14.6g %8lld %+9.4f\n", (long long)b, e,
                   (long long)r[b].sweeps, r[b].energy, (long long)r[b].pattern, r[b].overlap);
        hits += r[b].overlap >= 0.95;
    }
    printf("%lld of %lld probes end within overlap 0.95 of a stored pattern\n", (long long)hits,
           (long long)B);
}

int pml_cmd_hopfield(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[2], "capacity") == 0) return pml_cmd_hopfield_capacity(argc, argv);
    if (argc >= 3 && strcmp(argv[2], "recall") == 0) {
        /* `hopfield recall ...`: parse from after the word */
        argv[2] = argv[1];
        return pml_cmd_hopfield(argc - 1, argv + 1);
    }
    recall_opts o = {.rule = "hebb", .mode = "async", .order = "random", .device = "auto",
                     .out = NULL, .classes = "0,1,2", .noise = 0.2, .occlude = 0.5, .T = 0.5,
                     .beta = 1.0, .sweeps = 100, .seed = 42};
    const pml_opt opts[] = {
        {"patterns", PML_OPT_STR, &o.patterns, "FILE", "patterns, a .npy (P x N) of +-1 or 0/1"},
        {"data", PML_OPT_STR, &o.data, "DIR", "Fashion-MNIST: binarised class prototypes"},
        {"classes", PML_OPT_STR, &o.classes, "LIST", "classes for --data (0,1,2)"},
        {"stripes", PML_OPT_FLAG, &o.stripes, NULL, "the primer's Fig. 2: 4x4 stripes (default)"},
        {"probe", PML_OPT_STR, &o.probe, "FILE", "probes, a .npy (B x N); default: the patterns "
                                                 "corrupted"},
        {"noise", PML_OPT_DOUBLE, &o.noise, "F", "flip each neuron of each pattern with "
                                                 "probability F (0.2)", 0, 1, 0, NULL, &o.noise_given},
        {"occlude", PML_OPT_DOUBLE, &o.occlude, "F", "set the last fraction F of each pattern to "
                                                     "+1 (white), as in Fig. 2", 0, 1, 0, NULL,
         &o.occlude_given},
        {"rule", PML_OPT_CHOICE, &o.rule, "R", "storage rule (hebb)", 0, 0, 0,
         "hebb|pinv|storkey|modern"},
        {"mode", PML_OPT_CHOICE, &o.mode, "M", "recall mode (async)", 0, 0, 0, "async|sync|glauber"},
        {"order", PML_OPT_CHOICE, &o.order, "O", "asynchronous update order (random)", 0, 0, 0,
         "random|index"},
        {"T", PML_OPT_DOUBLE, &o.T, "T", "Glauber temperature (0.5)", 0, 1e6, 1},
        {"beta", PML_OPT_DOUBLE, &o.beta, "B", "modern rule's inverse temperature (1)", 0, 1e6, 1},
        {"sweeps", PML_OPT_INT, &o.sweeps, "N", "at most N sweeps (100)", 1, 1 << 20},
        {"seed", PML_OPT_U64, &o.seed, "S", "random seed (42)"},
        {"device", PML_OPT_STR, &o.device, "D", "auto|cpu|cuda|cuda:N (auto)"},
        {"json", PML_OPT_FLAG, &o.json, NULL, "one JSON object per probe"},
        {"out", PML_OPT_STR, &o.out, "DIR", "final.npy, probe_NNN.png, energy.dat/.gp/.png"},
        {"quiet", PML_OPT_FLAG, &o.quiet, NULL, "no messages on stderr but errors"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse(CMD,
                          "hopfield recall [--patterns FILE.npy | --data DIR --classes 0,1,2 | "
                          "--stripes] [--probe FILE.npy | --noise 0.2 | --occlude 0.5] "
                          "[--rule hebb|pinv|storkey|modern] [--mode async|sync|glauber] [--T X] "
                          "[--sweeps N] [--seed S] [--device D] [--json] [--out DIR]",
                          "Associative memory (primer Section II): store patterns, recall from "
                          "corrupted probes, report each probe's end, energy and nearest pattern.",
                          argc, argv, 2, opts);
    if (r) return r == 1 ? 0 : r;
    if ((o.patterns != NULL) + (o.data != NULL) + o.stripes > 1)
        return pml_cli_usage(CMD, "patterns", "give one of --patterns, --data, --stripes");
    if ((o.probe != NULL) + o.noise_given + o.occlude_given > 1)
        return pml_cli_usage(CMD, "probe", "give one of --probe, --noise, --occlude");
    pml_hopfield_recall_config rc = pml_hopfield_recall_defaults();
    pml_hopfield_rule rule;
    if (pml_hopfield_rule_parse(o.rule, &rule) || pml_hopfield_mode_parse(o.mode, &rc.mode) ||
        pml_hopfield_order_parse(o.order, &rc.order))
        return pml_cli_usage(CMD, "rule", "%s", pml_last_error());
    rc.T = o.T;
    rc.max_sweeps = o.sweeps;
    rc.seed = o.seed;
    int64_t classes[16], nclass = 0;
    if (o.data && pml_hf_cli_int_list(CMD, "classes", o.classes, 0, 255, classes, 16, &nclass))
        return 2;
    /* patterns */
    int8_t *pat = NULL, *probes = NULL;
    int64_t p = 0, n = 0, B = 0;
    int side = 0;
    if (o.patterns) {
        if ((r = pml_hf_cli_load_npy(CMD, "patterns", o.patterns, &p, &n, &pat))) return r;
        const int64_t sq = (int64_t)llround(sqrt((double)n));
        side = sq * sq == n ? (int)sq : 0;
    } else if (o.data) {
        if ((r = pml_hf_cli_fashion(CMD, o.data, classes, nclass, &pat, &side))) return r;
        p = nclass;
        n = (int64_t)side * side;
    } else {
        p = 2;
        n = 16;
        side = 4;
        pat = malloc(32);
        if (!pat || pml_hopfield_stripes(pat, 32) != PML_OK)
            return pml_cli_fail(CMD, "stripes", PML_ERR_OUT_OF_MEMORY);
    }
    /* probes */
    if (o.probe) {
        int64_t pn = 0;
        if ((r = pml_hf_cli_load_npy(CMD, "probe", o.probe, &B, &pn, &probes))) {
            free(pat);
            return r;
        }
        if (pn != n) {
            free(pat);
            free(probes);
            return pml_cli_usage(CMD, "probe", "%s has %lld neurons, the patterns %lld", o.probe,
                                 (long long)pn, (long long)n);
        }
    } else {
        B = p;
        probes = malloc((size_t)(B * n));
        if (!probes) {
            free(pat);
            return pml_cli_fail(CMD, "probes", PML_ERR_OUT_OF_MEMORY);
        }
        memcpy(probes, pat, (size_t)(B * n));
        const int occl = o.occlude_given || (!o.noise_given && !o.patterns && !o.data);
        for (int64_t b = 0; b < B; ++b)
            for (int64_t i = 0; i < n; ++i) {
                if (occl) {
                    if (i >= (int64_t)llround((1.0 - o.occlude) * (double)n)) probes[b * n + i] = 1;
                } else if ((double)pml_rng_u32(o.seed, 0x4F10, (uint64_t)(b * n + i)) <
                           o.noise * 4294967296.0) {
                    probes[b * n + i] = (int8_t)-probes[b * n + i];
                }
            }
    }
    if (o.out == NULL) o.out = "out/hopfield";
    pml_device *dev = NULL;
    if ((r = pml_cli_open_device(CMD, o.device, &dev))) {
        free(pat);
        free(probes);
        return r;
    }
    pml_hopfield *net = NULL;
    int8_t *final = malloc((size_t)(B * n));
    pml_hopfield_result *res = malloc((size_t)B * sizeof *res);
    double *trace = malloc((size_t)(B * (rc.max_sweeps + 1)) * sizeof *trace);
    pml_status s = final && res && trace ? PML_OK : PML_ERR_OUT_OF_MEMORY;
    const char *what = "storing the patterns";
    if (s == PML_OK) s = pml_hopfield_create(dev, n, pat, p, rule, &net);
    if (s == PML_OK && rule == PML_HOPFIELD_MODERN) s = pml_hopfield_set_beta(net, o.beta);
    if (s == PML_OK) {
        what = "recall";
        memcpy(final, probes, (size_t)(B * n));
        s = pml_hopfield_recall(net, &rc, final, B, res, trace);
    }
    if (s == PML_OK) {
        report(&o, res, B, n, p, o.rule, rule == PML_HOPFIELD_MODERN ? "modern" : o.mode);
        r = write_outputs(&o, net, &rc, probes, final, pat, B, n, res, trace, side);
    } else {
        r = pml_cli_fail(CMD, what, s);
    }
    pml_hopfield_destroy(net);
    pml_device_close(dev);
    free(pat);
    free(probes);
    free(final);
    free(res);
    free(trace);
    return r;
}
