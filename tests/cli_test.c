#define _DEFAULT_SOURCE
/* The physml tool as a user runs it: exit codes, --help, info --json, a quick tour, a scan,
 * and the summary of a short training run that stops early. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pml_test.h"

/* Run `physml ARGS` (split at spaces, no shell), capture stdout (up to cap bytes), return the
 * exit code. */
static int run(const char *args, char *out, size_t cap)
{
    return pml_test_physml_line(args, out, cap, NULL, 0);
}

/* `physml ARGS --out DIR` with DIR a new temporary directory, named in dir[32]. */
static int run_out(const char *args, char dir[32], char *out, size_t cap)
{
    snprintf(dir, 32, "/tmp/pml-cli-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s --out %s", args, dir);
    return run(cmd, out, cap);
}

/* Remove the files a command wrote under dir, then dir. */
static void remove_out(const char *dir, const char *const *files, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        remove(path);
    }
    rmdir(dir);
}

static char buf[1 << 16];

Test(cli, help_and_errors)
{
    cr_expect_eq(run("--help", buf, sizeof buf), 0);
    cr_expect(strstr(buf, "usage: physml <command>") != NULL);
    cr_expect(strstr(buf, "tour") != NULL && strstr(buf, "info") != NULL);
    cr_expect_eq(run("", buf, sizeof buf), 2);
    cr_expect_eq(run("frobnicate", buf, sizeof buf), 2);
    cr_expect_eq(run("info --bogus", buf, sizeof buf), 2);
    cr_expect_eq(run("tour --help", buf, sizeof buf), 0);
    cr_expect(strstr(buf, "--quick") != NULL);
    cr_expect_eq(run("--version", buf, sizeof buf), 0);
    cr_expect(strstr(buf, PML_VERSION_STRING) != NULL);
}

Test(cli, info_json)
{
    cr_assert_eq(run("info --json", buf, sizeof buf), 0);
    const char *keys[] = {"\"version\": \"" PML_VERSION_STRING "\"", "\"cuda_compiled\": ",
                          "\"blas\": \"OpenBLAS", "\"devices\": [{\"kind\": \"cpu\"",
                          "\"memory_bytes\": "};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; ++i)
        cr_expect(strstr(buf, keys[i]) != NULL, "missing %s in %s", keys[i], buf);
    cr_expect(strchr(buf, '\n') == strrchr(buf, '\n'), "one line");
}

Test(cli, device_errors_are_one_line)
{
    /* a spec that names no device is a usage error; a device that is not there a failure */
    cr_expect_eq(run("tour --device tpu --quick --out /tmp/pml-cli-test-bad", buf, sizeof buf), 2);
    if (pml_cuda_device_count() == 0)
        cr_expect_eq(run("tour --device cuda --quick --out /tmp/pml-cli-test-bad", buf, sizeof buf), 1);
}

Test(cli, quick_tour_devices_chapter)
{
    char dir[32];
    cr_expect_eq(run_out("tour --quick --quiet --device cpu --only devices", dir, buf, sizeof buf),
                 0, "%s", buf);
    cr_expect(strstr(buf, "GEMM 512^3 on cpu") != NULL, "%s", buf);
    char path[512];
    snprintf(path, sizeof path, "%s/report.md", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "no report.md");
    char rep[8192];
    size_t n = fread(rep, 1, sizeof rep - 1, f);
    rep[n] = '\0';
    fclose(f);
    cr_expect(strstr(rep, "# physml tour") != NULL && strstr(rep, "## Summary") != NULL);
    remove_out(dir, (const char *[]){"report.md"}, 1);
}

/* The value of "key": in a JSON line, as printed (NULL when missing). */
static const char *json_token(const char *line, const char *key, char *tok, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(line, pat);
    if (!p) return NULL;
    p += strlen(pat);
    size_t n = strcspn(p, ",}");
    if (n >= cap) n = cap - 1;
    memcpy(tok, p, n);
    tok[n] = '\0';
    return tok;
}

/* `ising scan --L 8,12` runs every (L, T) in one batch: replica l*nT + i is L[l]^2 at T[i].
 * Its numbers must be those of replica l*nT + i of a uniform batch of L[l]^2 lattices with the
 * same seed (the library's guarantee for mixed batches), to every printed digit. A scan that
 * ran one object per size (replicas 0 .. nT-1 for each, as before) fails for L = 12. */
/* --cluster sw: the temperatures within the window run Swendsen-Wang for --cluster-sweeps
 * (thermalised in proportion) in a second batch, the others Metropolis; each line says its
 * rule and sweeps, and the SW lines are that batch's replicas, bit for bit. */
Test(cli, ising_scan_cluster_window)
{
    char dir[32];
    cr_assert_eq(run_out("ising scan --L 8,12 --T 2.1,2.27,2.5 --sweeps 1500 --therm 200 --seed 7 "
                         "--cluster sw --cluster-window 0.1 --cluster-sweeps 600 --json --quiet "
                         "--device cpu",
                         dir, buf, sizeof buf),
                 0, "%s", buf);
    pml_device *dev = pml_test_open_cpu();
    const int64_t lx[2] = {8, 12};
    const double T[2] = {2.27, 2.27};
    pml_ising_config c = {0, 0, 2, 1.0, PML_ISING_SWENDSEN_WANG, 7};
    pml_ising *g = NULL;
    PML_ASSERT_OK(pml_ising_create_mixed(dev, &c, lx, lx, T, NULL, &g));
    PML_ASSERT_OK(pml_ising_sweep(g, 200 * 600 / 1500));
    PML_ASSERT_OK(pml_ising_sample(g, 600));
    pml_ising_stats st[2];
    PML_ASSERT_OK(pml_ising_stats_get(g, st, 2));
    pml_ising_destroy(g);
    pml_device_close(dev);
    int sw = 0, metro = 0;
    for (char *line = buf, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
        *nl = '\0';
        char tok[64], rule[64], e[64];
        if (!json_token(line, "rule", rule, sizeof rule)) continue; /* the summary */
        cr_assert_not_null(json_token(line, "T", tok, sizeof tok), "%s", line);
        const int near = fabs(atof(tok) - 2.27) < 1e-9;
        cr_assert_str_eq(rule, near ? "\"sw\"" : "\"metropolis\"", "%s", line);
        cr_assert_not_null(json_token(line, "sweeps", tok, sizeof tok), "%s", line);
        cr_assert_eq(atoll(tok), near ? 600 : 1500, "%s", line);
        if (near) {
            json_token(line, "L", tok, sizeof tok);
            const pml_ising_stats *s = &st[atoll(tok) == 8 ? 0 : 1];
            snprintf(e, sizeof e, "%.10g", s->e);
            cr_assert_not_null(json_token(line, "e", tok, sizeof tok), "%s", line);
            cr_expect_str_eq(tok, e, "%s", line);
            cr_assert_not_null(json_token(line, "chi_cluster", tok, sizeof tok), "%s", line);
            ++sw;
        } else {
            ++metro;
        }
    }
    cr_assert(sw == 2 && metro == 4, "%d SW and %d Metropolis lines: %s", sw, metro, buf);
}

Test(cli, ising_scan_is_one_batch)
{
    char dir[32];
    cr_assert_eq(run_out("ising scan --L 8,12 --T 2.1,2.3,2.5 --sweeps 1500 --therm 200 --seed 7 "
                         "--rule heatbath --json --quiet --device cpu",
                         dir, buf, sizeof buf),
                 0, "%s", buf);
    const int64_t L[2] = {8, 12};
    double T[6];
    for (int r = 0; r < 6; ++r) T[r] = 2.1 + 0.2 * (r % 3);
    pml_device *dev = pml_test_open_cpu();
    char *line = buf;
    for (int l = 0; l < 2; ++l) {
        pml_ising_config c = {L[l], L[l], 3 * (l + 1), 1.0, PML_ISING_HEATBATH, 7};
        pml_ising *g = NULL;
        PML_ASSERT_OK(pml_ising_create(dev, &c, T, NULL, &g));
        PML_ASSERT_OK(pml_ising_sweep(g, 200));
        PML_ASSERT_OK(pml_ising_sample(g, 1500));
        pml_ising_stats st[6];
        PML_ASSERT_OK(pml_ising_stats_get(g, st, c.replicas));
        pml_ising_destroy(g);
        for (int i = 0; i < 3; ++i) {
            char *nl = strchr(line, '\n');
            cr_assert_not_null(nl, "missing line for L %lld, T %d: %s", (long long)L[l], i, buf);
            *nl = '\0';
            const pml_ising_stats *s = &st[3 * l + i];
            const struct {
                const char *key;
                double v;
            } want[] = {{"T", s->T}, {"e", s->e}, {"m_abs", s->m_abs}, {"m2", s->m2},
                        {"c", s->c}, {"chi", s->chi}, {"binder", s->binder},
                        {"e_err", s->e_err}};
            char tok[64], exp[64];
            cr_assert_not_null(json_token(line, "L", tok, sizeof tok), "%s", line);
            cr_assert_eq(atoll(tok), L[l], "%s", line);
            for (size_t k = 0; k < sizeof want / sizeof want[0]; ++k) {
                snprintf(exp, sizeof exp, "%.10g", want[k].v);
                cr_assert_not_null(json_token(line, want[k].key, tok, sizeof tok), "%s", line);
                cr_expect_str_eq(tok, exp, "L %lld, T %g: %s = %s, replica %d of a uniform "
                                 "batch gives %s", (long long)L[l], s->T, want[k].key, tok,
                                 3 * l + i, exp);
            }
            line = nl + 1;
        }
    }
    pml_device_close(dev);
    /* the summary: a Binder crossing inside the grid */
    char tok[64];
    cr_assert_not_null(json_token(line, "tc_binder", tok, sizeof tok), "%s", line);
    const double tc = atof(tok);
    cr_expect(tc >= 2.1 && tc <= 2.5, "tc_binder %g", tc);
    /* the CSV: a header and one row per (L, T) */
    char path[512];
    snprintf(path, sizeof path, "%s/scan.csv", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "no scan.csv");
    int rows = 0, ch;
    while ((ch = fgetc(f)) != EOF) rows += ch == '\n';
    fclose(f);
    cr_expect_eq(rows, 7);
    const char *files[] = {"scan.csv", "scan.dat", "exact.dat", "scan.gp", "scan.png"};
    remove_out(dir, files, sizeof files / sizeof files[0]);
}

/* Early stopping: the summary line names the best epoch, 1-based as the epoch table counts,
 * and says the model holds it again. With patience 1 that is the epoch before the last.
 * 200 training examples: about a second, most of it reading Fashion-MNIST. */
Test(cli, train_early_stop_names_the_best_epoch)
{
    char dir[32];
    cr_assert_eq(run_out("train --subset 200 --test-subset 100 --val 0.5 --early-stop 1 "
                         "--epochs 50 --lr 0.01 --quiet --device cpu",
                         dir, buf, sizeof buf),
                 0, "%s", buf);
    const char *line = strstr(buf, "test: loss");
    cr_assert_not_null(line, "%s", buf);
    const char *ep = strstr(line, "parameters, ");
    int epochs = 0;
    cr_assert(ep && sscanf(ep, "parameters, %d epochs", &epochs) == 1, "%s", line);
    cr_expect(epochs >= 2 && epochs < 50, "%s", line);
    char want[64];
    snprintf(want, sizeof want, ", stopped early; best epoch %d (restored)\n", epochs - 1);
    cr_expect(strstr(line, want) != NULL, "want '%s' in %s", want, line);
    const char *files[] = {"loss.dat", "loss.gp", "loss.png"};
    remove_out(dir, files, sizeof files / sizeof files[0]);
}

/* conv demo: the primer's Fig. 10 and 11 in its JSON, and the Fig. 8/12 picture written. */
Test(cli, conv_demo_prints_the_primer_figures)
{
    char dir[32];
    cr_assert_eq(run_out("conv demo --json --quiet", dir, buf, sizeof buf), 0, "%s", buf);
    cr_expect(strstr(buf, "\"fig10_stride1\": [0, 0, 1, 1, 0, 1, 3, 4, 3, 2, 3, 6, 7, 5, 3, 3, "
                          "6, 8, 5, 1, 1, 5, 7, 3, 0]") != NULL, "%s", buf);
    cr_expect(strstr(buf, "\"fig11_stride2\": [0, 1, 0, 3, 7, 3, 1, 7, 0]") != NULL, "%s", buf);
    char png[64];
    snprintf(png, sizeof png, "%s/fig12.png", dir);
    cr_expect_eq(access(png, R_OK), 0, "%s missing", png);
    remove_out(dir, (const char *const[]){"fig12.png"}, 1);
}

/* predict --input: the outputs the library computes, as an N x outputs .npy, the array
 * taken in batches of 2. */
Test(cli, predict_writes_the_models_outputs)
{
    pml_device *dev = pml_test_open_cpu();
    pml_model *m = NULL;
    PML_ASSERT_OK(pml_model_create_shaped(dev, PML_F32, 3, (int64_t[]){1, 8, 8}, 8, &m));
    PML_ASSERT_OK(pml_model_add_spec(m, "conv:3:3:pad=same,relu,maxpool:2,flatten,dense:4",
                                     PML_INIT_HE, 0, 5));
    char dir[32];
    snprintf(dir, sizeof dir, "/tmp/pml-cli-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    char model[64], x[64], y[64];
    snprintf(model, sizeof model, "%s/m.safetensors", dir);
    snprintf(x, sizeof x, "%s/x.npy", dir);
    snprintf(y, sizeof y, "%s/y.npy", dir);
    PML_ASSERT_OK(pml_model_save(m, model, NULL));
    float xs[5 * 64];
    for (int i = 0; i < 5 * 64; ++i) xs[i] = pml_rng_normal(2, 0, (uint64_t)i);
    pml_tensor *xt = pml_test_tensor(dev, PML_F32, 4, (int64_t[]){5, 1, 8, 8}, xs);
    PML_ASSERT_OK(pml_npy_write(x, xt));
    char cmd[256];
    snprintf(cmd, sizeof cmd, "predict --model %s --input %s --out %s --batch 2 --json --quiet",
             model, x, y);
    cr_assert_eq(run(cmd, buf, sizeof buf), 0, "%s", buf);
    cr_expect(strstr(buf, "\"examples\": 5") && strstr(buf, "\"outputs\": 4"), "%s", buf);
    pml_tensor *yt = NULL;
    PML_ASSERT_OK(pml_npy_read(dev, y, &yt));
    cr_assert(pml_tensor_ndim(yt) == 2 && pml_tensor_dim(yt, 0) == 5 && pml_tensor_dim(yt, 1) == 4);
    const pml_tensor *want = NULL;
    PML_ASSERT_OK(pml_model_forward(m, xt, 5, &want));
    float w[32];
    pml_tensor *wv = NULL;
    PML_ASSERT_OK(pml_tensor_view((pml_tensor *)want, 0, 1, (int64_t[]){20}, &wv));
    PML_ASSERT_OK(pml_tensor_download(wv, w, 20 * sizeof *w));
    /* in batches of 2 the GEMMs block differently from one batch of 5: within rounding */
    cr_expect(pml_test_close_f32("predict --input", pml_tensor_data(yt), w, 20, PML_TOL_LAYER_F32));
    pml_tensor_destroy(wv);
    pml_tensor_destroy(yt);
    pml_tensor_destroy(xt);
    pml_model_destroy(m);
    remove_out(dir, (const char *const[]){"m.safetensors", "x.npy", "y.npy"}, 3);
    pml_device_close(dev);
}
