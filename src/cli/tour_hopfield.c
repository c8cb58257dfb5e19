/* Tour chapter "hopfield": the primer's Fig. 2 (stripes recalled from a half-white probe),
 * Fashion-MNIST prototypes recalled from noise by the classical and the modern network, and a
 * capacity curve whose alpha_c(N) is set beside AGS's 0.138. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/hopfield_cli.h"
#include "cli/ising_cli.h"

static int fig2(pml_tour_ctx *ctx, const char *dir)
{
    int8_t pat[32], probe[16], final[16], s1[16], s2[16];
    pml_hopfield_stripes(pat, 32);
    for (int i = 0; i < 16; ++i) probe[i] = i < 8 ? pat[i] : 1;
    pml_hopfield *net = NULL;
    pml_hopfield_recall_config c = pml_hopfield_recall_defaults();
    pml_hopfield_result r;
    pml_status s = pml_hopfield_create(ctx->dev, 16, pat, 2, PML_HOPFIELD_HEBB, &net);
    int8_t *const snaps[3] = {s1, s2, final};
    for (int k = 0; s == PML_OK && k < 3; ++k) {
        c.max_sweeps = k < 2 ? k + 1 : 100;
        memcpy(snaps[k], probe, 16);
        s = pml_hopfield_recall(net, &c, snaps[k], 1, &r, NULL);
    }
    pml_hopfield_destroy(net);
    if (s != PML_OK) return pml_cli_fail("tour", "hopfield: Fig. 2", s);
    const int8_t *const cols[5] = {probe, s1, s2, final, pat + r.pattern * 16};
    if (pml_hf_cli_picture("tour", dir, "fig2.png", 4, cols, ctx->quiet)) return 1;
    char v[64];
    snprintf(v, sizeof v, "%s, overlap %+.2f", r.pattern == 0 && r.overlap == 1.0 ? "recovered" : "NOT recovered", r.overlap);
    pml_tour_row("hopfield", "Fig. 2 stripes, half white", v, "vertical stripes, 2 stored");
    fprintf(ctx->report, "The primer's Fig. 2: vertical and horizontal 4x4 stripes stored "
                         "(Hebb), the vertical ones' upper half as the probe, the lower half "
                         "white. Recall: %s in %lld sweeps, final overlap %+.2f.\n\n"
                         "![Fig. 2](hopfield/fig2.png)\n\n",
            r.pattern == 0 && r.overlap == 1.0 ? "recovered" : "not recovered",
            (long long)r.sweeps, r.overlap);
    return 0;
}

static int fashion(pml_tour_ctx *ctx, const char *dir)
{
    const char *data = pml_data_default_dir();
    const int64_t classes[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    int8_t *pat = NULL;
    int side = 0;
    if (pml_hf_cli_fashion("tour", data, classes, 10, &pat, &side)) {
        pml_tour_row("hopfield", "Fashion-MNIST prototypes", "skipped", "no data");
        return 0;
    }
    const int64_t n = (int64_t)side * side;
    int8_t *probe = malloc((size_t)(10 * n)), *out = malloc((size_t)(10 * n));
    int hits[2] = {0, 0}, rc = 0;
    for (int64_t i = 0; probe && i < 10 * n; ++i)
        probe[i] = (double)pml_rng_u32(7, 0x4F10, (uint64_t)i) < 0.3 * 4294967296.0 ? (int8_t)-pat[i] : pat[i];
    const pml_hopfield_rule rules[2] = {PML_HOPFIELD_HEBB, PML_HOPFIELD_MODERN};
    for (int k = 0; probe && out && k < 2 && !rc; ++k) {
        pml_hopfield *net = NULL;
        pml_hopfield_result res[10];
        pml_hopfield_recall_config c = pml_hopfield_recall_defaults();
        memcpy(out, probe, (size_t)(10 * n));
        pml_status s = pml_hopfield_create(ctx->dev, n, pat, 10, rules[k], &net);
        if (s == PML_OK) s = pml_hopfield_recall(net, &c, out, 10, res, NULL);
        pml_hopfield_destroy(net);
        if (s != PML_OK) {
            rc = pml_cli_fail("tour", "hopfield: Fashion-MNIST", s);
            break;
        }
        for (int b = 0; b < 10; ++b) hits[k] += res[b].pattern == b && res[b].overlap >= 0.95;
        const int8_t *const cols[5] = {probe + 2 * n, probe + 2 * n, out + 2 * n, out + 2 * n,
                                       pat + 2 * n};
        char name[32];
        snprintf(name, sizeof name, "fashion_%s.png", pml_hopfield_rule_name(rules[k]));
        if (pml_hf_cli_picture("tour", dir, name, side, cols, ctx->quiet)) rc = 1;
    }
    if (!rc) {
        char v[64];
        snprintf(v, sizeof v, "%d / 10 vs %d / 10", hits[0], hits[1]);
        pml_tour_row("hopfield", "prototypes from 30% noise", v,
                     "classical (Hebb) vs modern; 10 correlated patterns, N = 784");
        fprintf(ctx->report, "Fashion-MNIST: the ten class prototypes (test-set mean images, "
                             "binarised at their mean, N = 784) stored; probes with 30%% of the "
                             "pixels flipped. Retrieved (overlap >= 0.95 with the right "
                             "prototype): classical Hebbian network %d of 10 (the prototypes are "
                             "strongly correlated, far from the random patterns of the capacity "
                             "theory, and it falls into mixtures), modern Hopfield update %d of "
                             "10.\n\n![classical](hopfield/fashion_hebb.png) "
                             "![modern](hopfield/fashion_modern.png)\n\n",
                hits[0], hits[1]);
    }
    free(pat);
    free(probe);
    free(out);
    return rc;
}

static int capacity(pml_tour_ctx *ctx, const char *dir)
{
    /* about 15 s on two CPU cores (under a second with --quick) */
    const int64_t ns[4] = {100, 200, 400, 800};
    const int64_t nn = ctx->quick ? 2 : 4;
    double alpha[32];
    const int na = pml_parse_range("0.06:0.26:0.02", alpha, 32);
    pml_hopfield_capacity_config c = pml_hopfield_capacity_defaults();
    c.sets = ctx->quick ? 6 : 12;
    pml_hopfield_capacity_point pts[4 * 32];
    double ac[4], ae[4];
    for (int64_t i = 0; i < nn; ++i) {
        c.n = ns[i];
        for (int k = 0; k < na; ++k) {
            const pml_status s = pml_hopfield_capacity(ctx->dev, &c, alpha + k, 1, pts + i * na + k);
            if (s != PML_OK) return pml_cli_fail("tour", "hopfield: capacity", s);
        }
        if (pml_hopfield_alpha_c(pts + i * na, na, 0.5, &ac[i], &ae[i]) != PML_OK) ac[i] = ae[i] = NAN;
    }
    double inf;
    pml_hf_cli_extrapolate(ns, ac, nn, &inf);
    if (pml_hf_cli_capacity_files("tour", dir, ns, nn, alpha, na, pts, ac, ctx->quiet)) return 1;
    char v[96], note[160];
    snprintf(v, sizeof v, "%.3f +- %.3f (N = %lld)", ac[nn - 1], ae[nn - 1], (long long)ns[nn - 1]);
    snprintf(note, sizeof note, "AGS 0.138 as N -> inf; a + b/sqrt(N) fit: %.3f", inf);
    pml_tour_row("hopfield", "alpha_c (half retrieved)", v, note);
    fprintf(ctx->report, "Capacity (Hebb, asynchronous recall from each stored pattern, %lld "
                         "pattern sets a point, retrieved when the final overlap is >= 0.95):\n\n"
                         "| N | alpha_c | McEliece N/(2 ln N) |\n|---|---|---|\n",
            (long long)c.sets);
    for (int64_t i = 0; i < nn; ++i)
        fprintf(ctx->report, "| %lld | %.4f +- %.4f | %.4f |\n", (long long)ns[i], ac[i], ae[i],
                pml_hopfield_alpha_mceliece(ns[i]));
    fprintf(ctx->report, "\nalpha_c falls with N towards AGS's 0.138; alpha_c(N) = a + b/sqrt(N) "
                         "over these sizes gives a = %.3f.\n\n![capacity](hopfield/capacity.png)\n\n",
            inf);
    return 0;
}

int pml_tour_hopfield(pml_tour_ctx *ctx)
{
    char dir[PML_PATH_MAX];
    if (pml_cli_path("tour", dir, sizeof dir, ctx->out_dir, "hopfield") ||
        pml_cli_out_dir("tour", dir))
        return 1;
    int rc = fig2(ctx, dir);
    if (!rc) rc = fashion(ctx, dir);
    if (!rc) rc = capacity(ctx, dir);
    return rc;
}
