/* Tour chapter "train": the recommended 784-100-10 network on Fashion-MNIST for a few
 * epochs, its test accuracy, and the training and validation loss per epoch as a PNG (the
 * overfitting picture of the primer's "Nuances of Training"). */
#include <stdio.h>

#include "cli/train_common.h"

int pml_tour_train(pml_tour_ctx *ctx)
{
    pml_train_args a;
    pml_train_args_unset(&a);
    a.preset = "recommended";
    char out[4096];
    snprintf(out, sizeof out, "%s/train", ctx->out_dir);
    a.out = out;
    a.quiet = ctx->quiet;
    a.json = 0;
    a.given.epochs = 1;
    a.epochs = ctx->quick ? 2 : 10;
    if (ctx->quick) {
        a.subset = 6000;
        a.test_subset = 2000;
        a.given.subset = a.given.test_subset = 1;
    }
    a.clamp_subsets = 1;
    if (pml_train_apply_preset("tour", &a) != 0) return 1;
    fprintf(ctx->report,
            "The recommended set-up of `physml train` (784-100-10, ReLU, He init, biases, "
            "inputs scaled to [0, 1], softmax cross-entropy, Adam lr 1e-3 with cosine decay, "
            "batch 64, 10%% of the training set held out for validation), %lld epochs%s.\n\n",
            (long long)a.epochs, ctx->quick ? " on the first 6,000 training and 2,000 test images (--quick)" : "");
    fflush(stdout);
    pml_train_outcome o;
    int rc = pml_train_run("tour", ctx->dev, &a, &o);
    if (rc != 0) {
        fprintf(ctx->report, "Training failed (see the messages on stderr).\n\n");
        return 1;
    }
    char v[48], note[96];
    snprintf(v, sizeof v, "%.2f%%", 100.0 * o.test_acc);
    snprintf(note, sizeof note, "%d epochs, %.1f s; 15 epochs: 88.35%% (docs/nn.md)", o.epochs_run,
             o.seconds_total);
    pml_tour_row("train", "784-100-10 test accuracy", v, note);
    snprintf(v, sizeof v, "%.0f samples/s", o.samples_per_s);
    pml_tour_row("train", "training throughput", v, pml_device_spec(ctx->dev));
    fprintf(ctx->report,
            "Test accuracy **%.2f%%** (test loss %.4f), %lld parameters, %d epochs in %.1f s "
            "(%.0f samples/s). The dataset paper reports 87.1%% for this shape; `physml train "
            "--preset recommended` (15 epochs) measured 88.35%% (docs/nn.md).\n\n",
            100.0 * o.test_acc, o.test_loss, (long long)o.params, o.epochs_run, o.seconds_total,
            o.samples_per_s);
    fprintf(ctx->report,
            "Training loss went from %.4f (epoch 1, a running mean during the epoch) to %.4f; "
            "validation loss from %.4f to %.4f, lowest (%.4f) at epoch %d. %s\n\n",
            o.train_loss_first, o.train_loss_last, o.val_loss_first, o.val_loss_last,
            o.val_loss_best, o.val_best_epoch,
            o.val_loss_last - o.train_loss_last > 0.02
                ? "The widening gap between the two curves is the primer's overfitting warning "
                  "sign: the network starts to fit its training set better than new data."
                : "The two curves stay close: no overfitting yet at this length of training.");
    if (o.png_written)
        fprintf(ctx->report, "![training and validation loss per epoch](train/loss.png)\n\n");
    else
        fprintf(ctx->report, "Loss per epoch: `train/loss.dat` (gnuplot `train/loss.gp` renders "
                             "the PNG; gnuplot was not found).\n\n");
    return 0;
}
