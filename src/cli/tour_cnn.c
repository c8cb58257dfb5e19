/* Tour chapter "cnn": the primer's Fig. 8/12 (filters, ReLU, pooling, a second layer) drawn by
 * physml's convolution layers, then the CNN preset trained for a few epochs on part of
 * Fashion-MNIST beside the dense 784-100-10 network on the same data, and the CNN's learned
 * filters and feature maps. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/conv_pictures.h"
#include "cli/train_common.h"

/* The Fig. 8/12 picture of the first test image under DIR. */
static int fig12(pml_tour_ctx *ctx, const char *dir)
{
    float *img = NULL;
    int h = 0, w = 0;
    int r = pml_cli_out_dir("tour", dir) ||
            pml_conv_test_image("tour", ctx->dev, NULL, 0, &img, &h, &w);
    if (r == 0) r = pml_conv_demo_picture("tour", ctx->dev, img, h, w, dir, ctx->quiet);
    free(img);
    return r;
}

/* One training run of `preset` (arch overrides it when not NULL) on the chapter's data. */
static int run(pml_tour_ctx *ctx, const char *preset, const char *arch, const char *out,
               int64_t epochs, int64_t subset, pml_train_outcome *o)
{
    pml_train_args a;
    pml_train_args_unset(&a);
    a.preset = preset;
    a.arch = arch;
    a.out = out;
    a.quiet = ctx->quiet;
    a.epochs = epochs;
    a.subset = subset;
    a.test_subset = ctx->quick ? 1000 : 0;
    a.clamp_subsets = 1;
    a.given.epochs = a.given.subset = 1;
    a.given.test_subset = ctx->quick;
    if (pml_train_apply_preset("tour", &a) != 0) return 1;
    return pml_train_run("tour", ctx->dev, &a, o);
}

int pml_tour_cnn(pml_tour_ctx *ctx)
{
    char dir[4096], cnn[4200], dense[4200];
    snprintf(dir, sizeof dir, "%s/cnn", ctx->out_dir);
    snprintf(cnn, sizeof cnn, "%s/train", dir);
    snprintf(dense, sizeof dense, "%s/dense", dir);
    if (fig12(ctx, dir)) return 1;
    fprintf(ctx->report,
            "The primer's Fig. 8 filters (vertical, horizontal, X; made zero-sum so that flat "
            "regions give zero) on a test image, each followed by ReLU and 2x2 max pooling, "
            "then a second layer convolving each pooled map with the horizontal filter (Fig. "
            "12): `physml conv demo` draws the same and prints Fig. 10-11.\n\n"
            "![Fig. 8/12: image, filter, conv + ReLU, pool, layer 2, pool](cnn/fig12.png)\n\n");
    const int64_t subset = ctx->quick ? 2000 : 16000, epochs = ctx->quick ? 1 : 3;
    pml_train_outcome oc, od;
    fflush(stdout);
    if (run(ctx, "cnn", NULL, cnn, epochs, subset, &oc) != 0 ||
        run(ctx, "recommended", NULL, dense, epochs, subset, &od) != 0) {
        fprintf(ctx->report, "Training failed (see the messages on stderr).\n\n");
        return 1;
    }
    char v[48], note[96];
    snprintf(v, sizeof v, "%.2f%%", 100.0 * oc.test_acc);
    snprintf(note, sizeof note, "%lld images x %lld epochs, %.1f s; dense on the same: %.2f%%",
             (long long)subset, (long long)epochs, oc.seconds_total, 100.0 * od.test_acc);
    pml_tour_row("cnn", "CNN preset test accuracy", v, note);
    snprintf(v, sizeof v, "%.0f samples/s", oc.samples_per_s);
    pml_tour_row("cnn", "CNN training throughput", v, pml_device_spec(ctx->dev));
    fprintf(ctx->report,
            "`physml train --preset cnn` (three blocks of 3x3 convolution, batch norm, ReLU and "
            "2x2 max pooling, 32, 64 and 128 channels, a dense head of 128 with dropout; %lld "
            "parameters) on the first %lld training images (10%% held out) for %lld epoch%s: "
            "test accuracy **%.2f%%** in %.1f s (%.0f samples/s). The dense 784-100-10 network "
            "on the same images and epochs: %.2f%% in %.1f s. On the whole training set the "
            "preset reaches the accuracy docs/cnn.md reports.\n\n",
            (long long)oc.params, (long long)subset, (long long)epochs, epochs == 1 ? "" : "s",
            100.0 * oc.test_acc, oc.seconds_total, oc.samples_per_s, 100.0 * od.test_acc,
            od.seconds_total);
    fprintf(ctx->report,
            "The first layer's learned 3x3 filters, and its feature maps (the first 16 "
            "channels) of four test images, one image per row:\n\n"
            "![learned filters](cnn/train/filters.png)\n\n![feature maps](cnn/train/features.png)"
            "\n\n");
    return 0;
}
