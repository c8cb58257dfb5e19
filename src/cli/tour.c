/* physml tour: the main job. Runs every registered chapter on one device, prints a summary
 * table on stdout and writes DIR/report.md. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const pml_tour_chapter chapters[] = {
    {"devices", "Devices and GEMM", pml_tour_devices},

    {"ising", "The 2D Ising model across T_c", pml_tour_ising},
    {"hopfield", "Hopfield networks: associative memory and its capacity", pml_tour_hopfield},
    {"rbm", "Restricted Boltzmann machines: Fashion-MNIST and the Ising model", pml_tour_rbm},

    {"train", "Feed-forward network trained by backprop", pml_tour_train},
    {"cnn", "Convolutional networks: the primer's filters, and a CNN on Fashion-MNIST",
     pml_tour_cnn},
    {"ae", "Autoencoders: denoising, a VAE, and the Ising T_c from a one-unit latent",
     pml_tour_ae},

    {NULL, NULL, NULL},
};

#define MAX_ROWS 128
static struct {
    char chapter[32], quantity[64], value[48], note[96];
} rows[MAX_ROWS];
static int nrows;

void pml_tour_row(const char *chapter, const char *quantity, const char *value, const char *note)
{
    if (nrows >= MAX_ROWS) return;
    snprintf(rows[nrows].chapter, sizeof rows[0].chapter, "%s", chapter);
    snprintf(rows[nrows].quantity, sizeof rows[0].quantity, "%s", quantity);
    snprintf(rows[nrows].value, sizeof rows[0].value, "%s", value);
    snprintf(rows[nrows].note, sizeof rows[0].note, "%s", note ? note : "");
    ++nrows;
}

static void print_table(FILE *f, int markdown)
{
    if (markdown) {
        fprintf(f, "| chapter | quantity | value | reference / note |\n|---|---|---|---|\n");
        for (int i = 0; i < nrows; ++i)
            fprintf(f, "| %s | %s | %s | %s |\n", rows[i].chapter, rows[i].quantity,
                    rows[i].value, rows[i].note);
        return;
    }
    fprintf(f, "%-10s  %-34s  %-20s  %s\n", "chapter", "quantity", "value", "reference / note");
    for (int i = 0; i < 100; ++i) fputc('-', f);
    fputc('\n', f);
    for (int i = 0; i < nrows; ++i)
        fprintf(f, "%-10s  %-34s  %-20s  %s\n", rows[i].chapter, rows[i].quantity, rows[i].value,
                rows[i].note);
}

int pml_cmd_tour(int argc, char **argv)
{
    const char *device = "auto", *out = "out/tour", *only = NULL;
    int quick = 0, quiet = 0;
    const pml_opt opts[] = {
        {"device", PML_OPT_STR, &device, "D", "auto (default), cpu, cuda, cuda:N"},
        {"out", PML_OPT_STR, &out, "DIR", "where report.md and the figures go (out/tour)"},
        {"quick", PML_OPT_FLAG, &quick, NULL, "smaller sizes: a smoke test in seconds"},
        {"only", PML_OPT_STR, &only, "NAME", "run one chapter (devices, ising, hopfield, rbm, train, cnn, ae)"},
        {"quiet", PML_OPT_FLAG, &quiet, NULL, "no progress on stderr"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse("tour", "tour [--device auto] [--out DIR] [--quick] [--only NAME]",
                          "Run every chapter of physml on one device: what each model does on "
                          "real lattices and real data, checked against exact results. Prints a "
                          "summary table and writes DIR/report.md with the figures.",
                          argc, argv, 2, opts);
    if (r) return r == 1 ? 0 : r;

    if (only) {
        const pml_tour_chapter *c = chapters;
        while (c->name && strcmp(c->name, only) != 0) ++c;
        if (!c->name) {
            char names[128] = "";
            for (c = chapters; c->name; ++c)
                snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                         c == chapters ? "" : ", ", c->name);
            return pml_cli_usage("tour", "only", "no chapter named '%.100s' (%s)", only, names);
        }
    }
    /* the report is written as the chapters run, to a temporary file that becomes
     * DIR/report.md at the end: an interrupted tour leaves the last complete report */
    char path[PML_PATH_MAX];
    pml_wfile report;
    if (pml_cli_out_dir("tour", out) || pml_cli_path("tour", path, sizeof path, out, "report.md") ||
        pml_cli_open("tour", path, &report))
        return 1;
    pml_device *dev = NULL;
    if ((r = pml_cli_open_device("tour", device, &dev)) != 0) {
        pml_wfile_abort(&report);
        return r;
    }
    fprintf(report.f, "# physml tour\n\nphysml %s on %s (%s)%s.\n\n", pml_version_string(),
            pml_device_spec(dev), pml_device_name(dev), quick ? ", quick mode" : "");

    pml_tour_ctx ctx = {dev, out, quick, quiet, report.f};
    int failures = 0, ran = 0;
    double t0 = pml_now();
    for (const pml_tour_chapter *c = chapters; c->name; ++c) {
        if (only && strcmp(only, c->name) != 0) continue;
        ++ran;
        if (!quiet) fprintf(stderr, "== %s ==\n", c->title);
        fprintf(report.f, "## %s\n\n", c->title);
        double tc = pml_now();
        int cr = c->run(&ctx);
        if (cr != 0) {
            ++failures;
            fprintf(stderr, "physml tour: chapter '%s' failed\n", c->name);
            fprintf(report.f, "**This chapter failed.**\n\n");
        }
        fprintf(report.f, "_%.1f s_\n\n", pml_now() - tc);
    }
    fprintf(report.f, "## Summary\n\n");
    print_table(report.f, 1);
    if (pml_cli_commit("tour", &report, 1)) failures = 1;
    char spec[32];
    snprintf(spec, sizeof spec, "%s", pml_device_spec(dev));
    pml_device_close(dev);

    printf("\nphysml tour on %s: %d chapter%s, %.1f s\n\n", spec, ran, ran == 1 ? "" : "s",
           pml_now() - t0);
    print_table(stdout, 0);
    printf("\nreport: %s\n", path);
    return failures ? 1 : 0;
}
