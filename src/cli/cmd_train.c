/* physml train: a feed-forward network on an MNIST-format dataset (Fashion-MNIST by
 * default), from a preset or options; per-epoch table or JSON lines, loss curve, model. */
#include <math.h>
#include <string.h>

#include "cli/train_common.h"

int pml_cmd_train(int argc, char **argv)
{
    pml_train_args a;
    pml_train_args_unset(&a);
    const char *device = "auto";
    const pml_opt opts[] = {
        {"data", PML_OPT_STR, &a.data_dir, "DIR", "MNIST-format directory (default: Fashion-MNIST)"},
        {"preset", PML_OPT_CHOICE, &a.preset, "NAME",
         "recommended (default), primer (the appendix as written) or cnn (three convolution "
         "blocks)",
         .choices = "recommended|primer|cnn"},
        {"arch", PML_OPT_STR, &a.arch, "SPEC",
         "layers on the 1 x rows x cols image, e.g. dense:100,relu,dense:10 or "
         "conv:32:3:pad=same,relu,maxpool:2,flatten,dense:10"},
        {"init", PML_OPT_STR, &a.init, "I", "he, xavier, randn or normal:SIGMA"},
        {"loss", PML_OPT_STR, &a.loss, "L", "mse (Eq. 39), mse_half (notes), xent, bce, bce_logits"},
        {"reduction", PML_OPT_CHOICE, &a.reduction, "R", "the gradient over the batch",
         .choices = "mean|sum"},
        {"scaling", PML_OPT_STR, &a.scaling, "S", "inputs: unit (x/255), raw (0..255), standard"},
        {"opt", PML_OPT_STR, &a.opt, "O", "sgd, momentum or adam"},
        {"lr", PML_OPT_DOUBLE, &a.lr, "X", "learning rate", 0, 1e6, .given = &a.given.lr},
        {"momentum", PML_OPT_DOUBLE, &a.momentum, "MU", "momentum (0.9)", 0, 0.999999,
         .given = &a.given.momentum},
        {"nesterov", PML_OPT_FLAG, &a.nesterov, NULL, "Nesterov momentum"},
        {"weight-decay", PML_OPT_DOUBLE, &a.weight_decay, "WD", "L2 weight decay (0)", 0, 1e3,
         .given = &a.given.weight_decay},
        {"schedule", PML_OPT_STR, &a.schedule, "S",
         "constant, step:S:G, exp:G, cosine:T[:MIN], plateau:P[:F]"},
        {"batch", PML_OPT_INT, &a.batch, "N", "mini-batch size (1 = per-sample, n = full batch)",
         1, 1 << 20, .given = &a.given.batch},
        {"epochs", PML_OPT_INT, &a.epochs, "N", "epochs", 1, 1e6, .given = &a.given.epochs},
        {"val", PML_OPT_DOUBLE, &a.val, "F",
         "fraction of the training set held out for validation", 0, 0.999999,
         .given = &a.given.val},
        {"early-stop", PML_OPT_INT, &a.early_stop, "P",
         "stop after P epochs without a better validation loss, restore the best (0: never)", 0,
         1e6, .given = &a.given.early_stop},
        {"augment", PML_OPT_STR, &a.augment, "A", "e.g. shift:2,flip,noise:0.1"},
        {"subset", PML_OPT_INT, &a.subset, "N",
         "train on the first N training examples only (0: all)", 0, 1e12,
         .given = &a.given.subset},
        {"test-subset", PML_OPT_INT, &a.test_subset, "N",
         "test on the first N test examples only (0: all)", 0, 1e12,
         .given = &a.given.test_subset},
        {"no-shuffle", PML_OPT_FLAG, &a.no_shuffle, NULL, "visit examples in dataset order"},
        {"drop-last", PML_OPT_FLAG, &a.drop_last, NULL, "skip the last partial batch"},
        {"seed", PML_OPT_U64, &a.seed, "S", "seed for init, split, shuffling, augmentation (1)",
         .given = &a.given.seed},
        {"device", PML_OPT_STR, &device, "D", "auto (default), cpu, cuda, cuda:N"},
        {"save", PML_OPT_STR, &a.save, "FILE", "write the trained model (.safetensors)"},
        {"checkpoint", PML_OPT_STR, &a.checkpoint, "FILE",
         "write a checkpoint (model, optimiser state, epoch, RNG position, schedule) "
         "atomically every --checkpoint-every epochs and after the last"},
        {"checkpoint-every", PML_OPT_INT, &a.checkpoint_every, "N",
         "epochs between checkpoints (1; 0: after the last only)", 0, 1e6,
         .given = &a.given.checkpoint_every},
        {"resume", PML_OPT_STR, &a.resume, "FILE",
         "continue the run a checkpoint holds, to the result of an uninterrupted run; give the "
         "options of the run that wrote it (--epochs may grow, except under a schedule made from it: "
         "the presets' cosine:EPOCHS)"},
        {"out", PML_OPT_STR, &a.out, "DIR", "loss.dat, loss.gp, loss.png (out/train)"},
        {"json", PML_OPT_FLAG, &a.json, NULL, "one JSON object per epoch and a final one"},
        {"quiet", PML_OPT_FLAG, &a.quiet, NULL, "no progress on stderr"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse(
        "train",
        "train [--data DIR] [--preset NAME] [--arch SPEC] [--loss mse|xent|bce] "
        "[--opt sgd|momentum|adam] [--lr X] [--schedule ...] [--batch N] [--epochs N] "
        "[--val FRACTION] [--early-stop PATIENCE] [--augment shift:2,flip,noise:0.1] [--seed S] "
        "[--device D] [--save FILE] [--checkpoint FILE [--checkpoint-every N]] "
        "[--resume FILE] [--json]",
        "Train a feed-forward network by backpropagation on an MNIST-format dataset. "
        "--preset recommended (the default) is 784-100-10 done well; --preset primer is the "
        "primer's appendix as written; --preset cnn is a small convolutional network. Options "
        "given override the preset.",
        argc, argv, 2, opts);
    if (r) return r == 1 ? 0 : r;
    if ((r = pml_train_apply_preset("train", &a)) != 0) return r;
    pml_device *dev = NULL;
    if ((r = pml_cli_open_device("train", device, &dev)) != 0) return r;
    pml_train_outcome o;
    r = pml_train_run("train", dev, &a, &o);
    pml_device_close(dev);
    return r;
}
