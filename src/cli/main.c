/* physml: the command-line tool. `physml <command> [options]`; `physml --help`. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/process.h"

static const pml_command commands[] = {
    {"info", pml_cmd_info, "what physml was built with and the devices it finds"},
    {"tour", pml_cmd_tour, "the main job: run every chapter, print a table, write a report"},

    {"ising", pml_cmd_ising, "2D Ising Monte Carlo: one run, or `ising scan` over L and T"},
    {"meanfield", pml_cmd_meanfield, "mean-field Ising: roots of m = tanh((Jqm + B)/T), Fig. 3"},

    {"hopfield", pml_cmd_hopfield, "Hopfield associative memory: `recall` and `capacity`"},
    {"rbm", pml_cmd_rbm, "restricted Boltzmann machines: train, logz, sample, complete, ising"},

    {"train", pml_cmd_train, "train a feed-forward network by backprop (Fashion-MNIST)"},
    {"eval", pml_cmd_eval, "evaluate a saved model on a dataset"},
    {"conv", pml_cmd_conv, "convolution worked through: the primer's Fig. 7-12 (`conv demo`)"},
    {"ae", pml_cmd_ae, "autoencoders: train (denoising, VAE), anomaly, sample, reconstruct, encode, ising"},
    {"predict", pml_cmd_predict, "a saved model's outputs for a dataset or a .npy, as .npy"},

    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fprintf(f,
            "physml %s: the physics of machine learning, runnable and fast\n\n"
            "usage: physml <command> [options]\n"
            "       physml <command> --help\n\ncommands:\n",
            pml_version_string());
    for (const pml_command *c = commands; c->name; ++c)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fprintf(f, "\ncommon options (where a command has them: physml COMMAND --help): --device "
               "auto|cpu|cuda|cuda:N, --seed S, --out DIR, --quiet, --json, --help\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    pml_restart_tuned(argv); /* the right GEMM kernels where OpenBLAS misreads the processor */
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("physml %s\n", pml_version_string());
        return 0;
    }
    for (const pml_command *c = commands; c->name; ++c)
        if (strcmp(cmd, c->name) == 0) return c->run(argc, argv);
    fprintf(stderr, "physml: unknown command '%.200s' (see physml --help)\n", cmd);
    return 2;
}
