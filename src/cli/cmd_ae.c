/* physml ae: autoencoders. `ae train` (dense, convolutional, denoising, variational) is here;
 * `ae anomaly`, `ae sample`, `ae reconstruct` and `ae encode` in cmd_ae_tools.c; `ae ising`
 * (the Ising critical temperature from an autoencoder) in cmd_ae_ising.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/ae_cli.h"
#include "cli/train_common.h"

int pml_cmd_ae(int argc, char **argv)
{
    static const pml_command sub[] = {
        {"train", pml_cmd_ae_train, "train an autoencoder, denoising or variational (Fashion-MNIST)"},
        {"anomaly", pml_cmd_ae_anomaly, "anomaly detection by reconstruction error: ROC and AUC"},
        {"sample", pml_cmd_ae_sample, "a VAE's samples from the prior"},
        {"reconstruct", pml_cmd_ae_reconstruct, "test images and their reconstructions"},
        {"encode", pml_cmd_ae_encode, "the latent codes of a dataset as .npy"},
        {"ising", pml_cmd_ae_ising, "the Ising critical temperature read by an autoencoder"},
        {NULL, NULL, NULL},
    };
    return pml_cli_subcommand("ae", sub, argc, argv);
}

#define TRAIN "ae train"

typedef struct view {
    int json, quiet, vae, header;
    double beta;
    const pml_ae_config *cfg; /* the KL weight of an epoch's last step (a warm-up's) */
    int64_t steps;             /* optimiser steps per epoch */
} view;

static int on_epoch(void *user, int epoch, int64_t step, int64_t steps, const pml_epoch_stats *st)
{
    (void)epoch, (void)step, (void)steps;
    view *v = user;
    if (st == NULL) return 0;
    /* a VAE's loss is recon + beta KL: its terms, and the ELBO -(recon + KL) */
    const double recon = v->vae ? st->train_loss - v->beta * st->train_kl : st->train_loss;
    const double vrecon = v->vae ? st->val_loss - v->beta * st->val_kl : st->val_loss;
    if (v->json) {
        pml_jsonl j;
        pml_jsonl_begin(&j, stdout);
        pml_jsonl_int(&j, "epoch", st->epoch + 1);
        pml_jsonl_num(&j, "train_loss", st->train_loss);
        pml_jsonl_num(&j, "val_loss", st->val_loss);
        pml_jsonl_num(&j, "recon", recon);
        pml_jsonl_num(&j, "kl", st->train_kl);
        pml_jsonl_num(&j, "elbo", v->vae ? -(recon + st->train_kl) : NAN);
        pml_jsonl_num(&j, "val_recon", vrecon);
        pml_jsonl_num(&j, "val_kl", st->val_kl);
        pml_jsonl_num(&j, "val_elbo", v->vae ? -(vrecon + st->val_kl) : NAN);
        pml_jsonl_num(&j, "kl_weight",
                      v->vae ? pml_ae_kl_weight(v->cfg, (uint64_t)((st->epoch + 1) * v->steps - 1))
                             : NAN);
        pml_jsonl_num(&j, "lr", st->lr);
        pml_jsonl_num(&j, "seconds", st->seconds);
        pml_jsonl_end(&j);
    } else {
        if (!v->header) {
            if (v->vae)
                printf("%5s %12s %12s %10s %10s %10s %10s %8s\n", "epoch", "train_loss",
                       "val_loss", "recon", "kl", "elbo", "val_elbo", "seconds");
            else
                printf("%5s %12s %12s %8s\n", "epoch", "train_loss", "val_loss", "seconds");
            v->header = 1;
        }
        if (v->vae)
            printf("%5d %12.5g %12.5g %10.3f %10.3f %10.3f %10.3f %8.2f\n", st->epoch + 1,
                   st->train_loss, st->val_loss, recon, st->train_kl, -(recon + st->train_kl),
                   -(vrecon + st->val_kl), st->seconds);
        else
            printf("%5d %12.6g %12.6g %8.2f\n", st->epoch + 1, st->train_loss, st->val_loss,
                   st->seconds);
    }
    fflush(stdout);
    return 0;
}

static int write_curve(const char *out, const pml_train_result *r, int vae, double beta, int quiet)
{
    char path[PML_PATH_MAX];
    pml_wfile w;
    if (pml_cli_path(TRAIN, path, sizeof path, out, "loss.dat") || pml_cli_open(TRAIN, path, &w))
        return 1;
    fprintf(w.f, "# epoch train_loss val_loss kl val_kl elbo val_elbo seconds\n");
    for (int i = 0; i < r->epochs_run; ++i) {
        const pml_epoch_stats *s = &r->history[i];
        const double rc = vae ? s->train_loss - beta * s->train_kl : s->train_loss;
        const double vrc = vae ? s->val_loss - beta * s->val_kl : s->val_loss;
        fprintf(w.f, "%d %.9g %.9g %.9g %.9g %.9g %.9g %.3f\n", i + 1, s->train_loss, s->val_loss,
                s->train_kl, s->val_kl, vae ? -(rc + s->train_kl) : NAN,
                vae ? -(vrc + s->val_kl) : NAN, s->seconds);
    }
    if (pml_cli_commit(TRAIN, &w, quiet)) return 1;
    if (pml_cli_path(TRAIN, path, sizeof path, out, "loss.gp") || pml_cli_open(TRAIN, path, &w))
        return 1;
    fprintf(w.f, "# physml ae train: the loss per epoch (render: gnuplot loss.gp here)\n");
    pml_gnuplot_output(w.f, "loss.png", "set terminal pngcairo size 800,500 noenhanced");
    fprintf(w.f, "set title '%s per epoch'\nset xlabel 'epoch'\nset grid\nset key top right\n",
            vae ? "ELBO (nats per example)" : "reconstruction loss");
    if (vae)
        fprintf(w.f, "plot 'loss.dat' using 1:6 with linespoints lw 2 title 'train', '' using 1:7 "
                     "with linespoints lw 2 title 'validation'\n");
    else
        fprintf(w.f, "plot 'loss.dat' using 1:2 with linespoints lw 2 title 'train', '' using 1:3 "
                     "with linespoints lw 2 title 'validation'\n");
    if (pml_cli_commit(TRAIN, &w, 1)) return 1;
    return pml_gnuplot_render(TRAIN, out, "loss.gp", "loss.png", quiet) < 0;
}

int pml_cmd_ae_train(int argc, char **argv)
{
    const char *data = NULL, *preset = "dense", *enc = NULL, *dec = NULL, *loss = NULL;
    const char *denoise = NULL, *optname = "adam", *schedule = NULL, *classes = NULL;
    const char *device = "auto", *save = NULL, *checkpoint = NULL, *resume = NULL, *out = NULL;
    int64_t latent = 0, batch = 128, epochs = 10, early = 0, subset = 0, test_subset = 0;
    int64_t iwae = 0, ck_every = 1;
    double beta = 1.0, sigma = 1.0, lr = 1e-3, wd = 0.0, val = 0.05, warmup = 0.0;
    uint64_t seed = 1;
    int json = 0, quiet = 0, latent_given = 0, ck_every_given = 0, preset_given = 0;
    int beta_given = 0, sigma_given = 0, vae_flag = 0, warmup_given = 0, tied = 0;
    const char *init_text = NULL;
    pml_init init = PML_INIT_HE;
    float init_sigma = 0.01f;
    const pml_opt opts[] = {
        {"data", PML_OPT_STR, &data, "DIR", "MNIST-format directory (default: Fashion-MNIST)"},
        {"preset", PML_OPT_CHOICE, &preset, "P",
         "dense (784-256-32-256-784), vae (784-400-20-400-784), conv (two stride-2 convolutions "
         "and their transposes) or convvae",
         .choices = "dense|vae|conv|convvae", .given = &preset_given},
        {"encoder", PML_OPT_STR, &enc, "SPEC", "the encoder's layers (with --decoder)"},
        {"decoder", PML_OPT_STR, &dec, "SPEC", "the decoder's layers, back to the image's size"},
        {"vae", PML_OPT_FLAG, &vae_flag, NULL,
         "with --encoder/--decoder: a VAE (the encoder gives 2 x latent: mu, log sigma^2)"},
        {"tied", PML_OPT_FLAG, &tied, NULL,
         "tied weights: the decoder's dense layers use the encoder's transposed, mirrored "
         "(not for a VAE)"},
        {"latent", PML_OPT_INT, &latent, "N", "latent units of a preset (dense 32, vae 20, conv "
                                               "32, convvae 16)", 1, 4096, .given = &latent_given},
        {"loss", PML_OPT_CHOICE, &loss, "L",
         "bce (cross-entropy on the decoder's logits; the default) or mse (a VAE: a Gaussian "
         "decoder of standard deviation --sigma)",
         .choices = "bce|mse"},
        {"denoise", PML_OPT_STR, &denoise, "C",
         "train to undo a corruption: gauss:S, mask:P or saltpepper:P (comma-separated)"},
        {"beta", PML_OPT_DOUBLE, &beta, "B", "a VAE's KL weight (1; beta-VAE otherwise)", 0, 1e4,
         .given = &beta_given},
        {"sigma", PML_OPT_DOUBLE, &sigma, "S", "a Gaussian decoder's standard deviation (1)", 0,
         1e3, 1, .given = &sigma_given},
        {"kl-warmup", PML_OPT_DOUBLE, &warmup, "E",
         "a VAE: the KL weight rises linearly from 0 to beta over the first E epochs (0: none)",
         0, 1e6, .given = &warmup_given},
        {"opt", PML_OPT_CHOICE, &optname, "O", "sgd, momentum or adam (adam)",
         .choices = "sgd|momentum|adam"},
        {"lr", PML_OPT_DOUBLE, &lr, "X", "learning rate (1e-3)", 0, 1e3, 1},
        {"weight-decay", PML_OPT_DOUBLE, &wd, "W", "L2 weight decay (0)", 0, 1e3},
        {"schedule", PML_OPT_STR, &schedule, "S",
         "constant, step:S:G, exp:G, cosine:T[:MIN], plateau:P[:F]"},
        {"batch", PML_OPT_INT, &batch, "N", "mini-batch (128)", 1, 1 << 16},
        {"epochs", PML_OPT_INT, &epochs, "N", "epochs (10)", 1, 1000000},
        {"val", PML_OPT_DOUBLE, &val, "F", "fraction held out for validation (0.05)", 0, 0.9},
        {"early-stop", PML_OPT_INT, &early, "P",
         "stop after P epochs without a better validation loss, keep the best (0: never)", 0,
         1e6},
        {"classes", PML_OPT_STR, &classes, "LIST", "train on these classes only, e.g. 0-8"},
        {"subset", PML_OPT_INT, &subset, "N", "the first N training images (0: all)", 0, 1e12},
        {"test-subset", PML_OPT_INT, &test_subset, "N", "the first N test images (0: all)", 0,
         1e12},
        {"iwae", PML_OPT_INT, &iwae, "K",
         "a VAE: the test set's log-likelihood bound with K importance samples (0: none)", 0,
         100000},
        {"init", PML_OPT_STR, &init_text, "I",
         "he, xavier, randn or normal:SIGMA (default: xavier for the vae preset, he otherwise)"},
        {"seed", PML_OPT_U64, &seed, "S", "weights, split, shuffling, corruption, draws (1)"},
        {"device", PML_OPT_STR, &device, "D", "auto (default), cpu, cuda, cuda:N"},
        {"save", PML_OPT_STR, &save, "FILE", "write the autoencoder (.safetensors)"},
        {"checkpoint", PML_OPT_STR, &checkpoint, "FILE",
         "write the run's state atomically every --checkpoint-every epochs and after the last"},
        {"checkpoint-every", PML_OPT_INT, &ck_every, "N", "epochs between checkpoints (1)", 0, 1e6,
         .given = &ck_every_given},
        {"resume", PML_OPT_STR, &resume, "FILE",
         "continue the run a checkpoint holds (the same options; --epochs may grow)"},
        {"out", PML_OPT_STR, &out, "DIR",
         "loss curve, reconstructions, denoising, samples, interpolation, latent map"},
        {"json", PML_OPT_FLAG, &json, NULL, "one JSON object per epoch and a final one"},
        {"quiet", PML_OPT_FLAG, &quiet, NULL, "no messages on stderr but errors"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse(
        TRAIN,
        "ae train [--data DIR] [--preset dense|vae|conv|convvae | --encoder SPEC --decoder SPEC "
        "[--vae]] [--tied] [--latent N] [--loss bce|mse] [--denoise gauss:0.3|mask:0.3|saltpepper:0.1] "
        "[--beta B] [--kl-warmup E] [--epochs N] [--batch N] [--seed S] [--device D] [--save FILE] [--json] "
        "[--out DIR]",
        "Train an autoencoder on Fashion-MNIST (or any MNIST-format data): dense or "
        "convolutional, denoising with --denoise (the corrupted image in, the clean one as the "
        "target), or variational (loss = reconstruction + beta KL; per epoch the ELBO in nats "
        "and its two terms; --iwae K adds the test set's importance-weighted bound).",
        argc, argv, 3, opts);
    if (r) return r == 1 ? 0 : r;
    if ((enc != NULL) != (dec != NULL))
        return pml_cli_usage(TRAIN, enc ? "decoder" : "encoder", "--encoder and --decoder go "
                                                                 "together");
    if (enc && preset_given) return pml_cli_usage(TRAIN, "preset", "give --preset or --encoder "
                                                                   "and --decoder, not both");
    if (init_text && pml_cli_parse_init(TRAIN, init_text, &init, &init_sigma)) return 2;
    if (vae_flag && !enc) return pml_cli_usage(TRAIN, "vae", "the presets say whether they are "
                                                             "VAEs (vae, convvae); --vae goes "
                                                             "with --encoder and --decoder");
    if (latent_given && enc) return pml_cli_usage(TRAIN, "latent", "the encoder's last layer "
                                                                   "sets the latent");
    const int is_vae = enc ? vae_flag : strcmp(preset, "vae") == 0 || strcmp(preset, "convvae") == 0;
    if (!is_vae && (beta_given || sigma_given || iwae || warmup_given))
        return pml_cli_usage(TRAIN, beta_given    ? "beta"
                                    : sigma_given ? "sigma"
                                    : iwae        ? "iwae"
                                                  : "kl-warmup",
                             "only for a VAE (--preset vae or convvae, or --vae)");
    if (tied && is_vae)
        return pml_cli_usage(TRAIN, "tied", "tied weights are for plain autoencoders, not a VAE");
    if (sigma_given && !(loss && strcmp(loss, "mse") == 0))
        return pml_cli_usage(TRAIN, "sigma", "a Gaussian decoder's: needs --loss mse");
    if (enc && !data) { /* Fashion-MNIST's 1 x 28 x 28: the specs are checked before loading */
        pml_ae_config pc = pml_ae_defaults();
        pc.encoder = enc;
        pc.decoder = dec;
        pc.vae = vae_flag;
        pml_device *cpu = NULL;
        pml_autoencoder *probe = NULL;
        if (pml_device_open("cpu", &cpu) == PML_OK &&
            pml_ae_create(cpu, 3, (const int64_t[]){1, 28, 28}, 1, &pc, 1, &probe) != PML_OK) {
            pml_device_close(cpu);
            return pml_cli_usage(TRAIN, "encoder", "%s", pml_last_error());
        }
        pml_ae_destroy(probe);
        pml_device_close(cpu);
    }
    pml_augment aug = {0, 0, 0.0f, 0.0f, 0.0f};
    if (denoise && pml_ae_cli_denoise(TRAIN, denoise, &aug)) return 2;
    uint8_t keep[256];
    if (classes && pml_ae_cli_classes(TRAIN, "classes", classes, keep)) return 2;
    pml_optim_kind ok = PML_OPTIM_ADAM;
    pml_optim_parse(optname, &ok);
    pml_schedule sched = pml_schedule_constant(0.0);
    if (schedule && pml_schedule_parse(schedule, lr, &sched) != PML_OK)
        return pml_cli_usage(TRAIN, "schedule", "%s", pml_last_error());
    if (out && pml_cli_out_dir(TRAIN, out)) return 1;
    if (save && pml_cli_out_file(TRAIN, "save", save)) return 1;
    if ((r = pml_cli_resumable(TRAIN, checkpoint, ck_every_given, resume)) != 0) return r;

    pml_device *dev = NULL;
    if ((r = pml_cli_open_device(TRAIN, device, &dev))) return r;
    const char *dir = data ? data : pml_data_default_dir();
    pml_dataset *full = NULL, *test = NULL, *sub = NULL, *sel = NULL, *train = NULL, *vset = NULL,
                *tsub = NULL;
    pml_autoencoder *ae = NULL;
    pml_optimizer *opt = NULL;
    pml_train_result res;
    memset(&res, 0, sizeof res);
    pml_status s;
    int rc = 0;
#define FAIL(what)                           \
    do {                                     \
        rc = pml_cli_fail(TRAIN, what, s);   \
        goto done;                           \
    } while (0)
    if ((s = pml_dataset_load(dev, dir, PML_SPLIT_TRAIN, &full)) != PML_OK)
        FAIL("loading the training set");
    if ((s = pml_dataset_load_expect(dev, dir, PML_SPLIT_TEST, pml_dataset_features(full),
                                     &test)) != PML_OK)
        FAIL("loading the test set");
    if ((rc = pml_cli_head(TRAIN, "subset", full, subset, "training images", &sub)) ||
        (rc = pml_cli_head(TRAIN, "test-subset", test, test_subset, "test images", &tsub)))
        goto done;
    pml_dataset *base = sub ? sub : full, *tbase = tsub ? tsub : test;
    if (classes) {
        if ((s = pml_dataset_select_classes(base, keep, 256, &sel)) != PML_OK) {
            rc = pml_cli_usage(TRAIN, "classes", "%s", pml_last_error());
            goto done;
        }
        base = sel;
    }
    if (val > 0 && (s = pml_dataset_split(base, val, seed, &train, &vset)) != PML_OK)
        FAIL("splitting off the validation set");
    pml_dataset *tr = train ? train : base;
    const int rows = pml_dataset_rows(tr), cols = pml_dataset_cols(tr);
    const int64_t dims[3] = {1, rows, cols};
    char ebuf[1000], dbuf[1000];
    pml_ae_config ac = pml_ae_defaults();
    if (enc) {
        ac.encoder = enc;
        ac.decoder = dec;
        ac.vae = vae_flag;
    } else {
        const int64_t L = latent_given ? latent
                          : strcmp(preset, "vae") == 0 ? 20
                          : strcmp(preset, "convvae") == 0 ? 16 : 32;
        if (pml_ae_preset(preset, L, 3, dims, ebuf, dbuf, sizeof ebuf, &ac.vae) != PML_OK) {
            rc = pml_cli_usage(TRAIN, "preset", "%s", pml_last_error());
            goto done;
        }
        ac.encoder = ebuf;
        ac.decoder = dbuf;
    }
    ac.init = init_text ? init : enc ? PML_INIT_HE : pml_ae_preset_init(preset);
    ac.init_sigma = init_sigma;
    ac.loss = loss && strcmp(loss, "mse") == 0 ? PML_LOSS_MSE : PML_LOSS_BCE_LOGITS;
    ac.beta = beta;
    ac.sigma = sigma;
    ac.tied = tied;
    /* the warm-up in optimiser steps: E epochs of ceil(n / batch) steps, at least one */
    const int64_t spe = (pml_dataset_size(tr) + batch - 1) / batch;
    if (warmup > 0) {
        const int64_t w = (int64_t)llround(warmup * (double)spe);
        ac.kl_warmup = w > 0 ? w : 1;
    }
    const int64_t mb = batch > 256 ? batch : 256;
    if ((s = pml_ae_create(dev, 3, dims, mb, &ac, seed, &ae)) != PML_OK) {
        rc = pml_cli_usage(TRAIN, enc ? "encoder" : "preset", "%s", pml_last_error());
        goto done;
    }
    pml_optim_config oc = pml_optim_defaults(ok);
    oc.lr = lr;
    oc.weight_decay = wd;
    if ((s = pml_optimizer_create(dev, &oc, &opt)) != PML_OK) FAIL("the optimiser");
    view v = {json, quiet, ac.vae, 0, beta, pml_ae_config_of(ae), spe};
    pml_train_config tc = pml_train_defaults();
    tc.epochs = (int)epochs;
    tc.batch = batch;
    tc.scaling = PML_SCALE_UNIT;
    tc.augment = aug;
    tc.schedule = sched;
    tc.early_stop = (int)early;
    tc.seed = seed;
    tc.checkpoint = checkpoint;
    if (ck_every_given) tc.checkpoint_every = (int)ck_every;
    tc.resume = resume;
    tc.callback = on_epoch;
    tc.user = &v;
    if (!quiet) {
        char summary[4096];
        pml_model_summary(pml_ae_model(ae), summary, sizeof summary);
        fprintf(stderr, "physml %s: %s%s on %s, %lld training / %lld validation / %lld test "
                        "images from %s, latent %lld\n%s",
                TRAIN, enc ? "custom" : preset, ac.vae && enc ? " (VAE)" : "", pml_device_spec(dev),
                (long long)pml_dataset_size(tr), (long long)(vset ? pml_dataset_size(vset) : 0),
                (long long)pml_dataset_size(tbase), dir, (long long)pml_ae_latent(ae), summary);
        fprintf(stderr, "  loss %s%s, %s lr %g, batch %lld, %lld epochs%s%s\n",
                pml_loss_name(ac.loss), ac.vae ? (ac.loss == PML_LOSS_MSE ? " (Gaussian decoder)"
                                                                          : " (Bernoulli decoder)")
                                               : "",
                optname, lr, (long long)batch, (long long)epochs, denoise ? ", denoising " : "",
                denoise ? denoise : "");
        if (ac.kl_warmup > 0)
            fprintf(stderr, "  KL warm-up: its weight rises from %g to beta = %g over %lld steps "
                            "(%g epochs)\n",
                    pml_ae_kl_weight(&ac, 0), beta, (long long)ac.kl_warmup, warmup);
    }
    s = pml_ae_train(ae, opt, tr, vset, &tc, &res);
    if (s == PML_ERR_INVALID_ARGUMENT && resume && res.epochs_run == 0) {
        rc = pml_cli_usage(TRAIN, "resume", "%s", pml_last_error());
        goto done;
    }
    if (!quiet && res.resumed_from_epoch > 0)
        fprintf(stderr, "physml %s: resumed from %s after epoch %d\n", TRAIN, resume,
                res.resumed_from_epoch);
    if (out && res.epochs_run > 0 && write_curve(out, &res, ac.vae, beta, quiet)) rc = 1;
    if (s != PML_OK) FAIL("training stopped");
    if (rc) goto done;
    /* the test set */
    double test_loss = NAN, noisy = NAN, denoised = NAN;
    pml_vae_figures fig;
    memset(&fig, 0, sizeof fig);
    fig.elbo = fig.recon = fig.kl = fig.iwae = NAN;
    if (ac.vae) {
        if ((s = pml_vae_evaluate(ae, tbase, PML_SCALE_UNIT, iwae > 0 ? (int)iwae : 1, seed, &fig)) !=
            PML_OK)
            FAIL("the test set's ELBO");
        test_loss = fig.recon + beta * fig.kl;
    } else if ((s = pml_evaluate_reconstruction(pml_ae_model(ae), tbase, ac.loss, PML_SCALE_UNIT,
                                                &test_loss)) != PML_OK) {
        FAIL("the test set's loss");
    }
    if (pml_augment_active(&aug) &&
        pml_ae_cli_denoise_errors(TRAIN, ae, tbase, &aug, 256, seed, &noisy, &denoised)) {
        rc = 1;
        goto done;
    }
    if (json) {
        pml_jsonl j;
        pml_jsonl_begin(&j, stdout);
        pml_jsonl_bool(&j, "final", 1);
        pml_jsonl_num(&j, "test_loss", test_loss);
        if (ac.vae) {
            pml_jsonl_num(&j, "test_recon", fig.recon);
            pml_jsonl_num(&j, "test_kl", fig.kl);
            pml_jsonl_num(&j, "test_elbo", fig.elbo);
            if (iwae > 0) {
                pml_jsonl_num(&j, "test_iwae", fig.iwae);
                pml_jsonl_int(&j, "iwae_k", iwae);
            }
        }
        if (pml_augment_active(&aug)) {
            pml_jsonl_num(&j, "mse_noisy", noisy);
            pml_jsonl_num(&j, "mse_denoised", denoised);
        }
        pml_jsonl_int(&j, "latent", pml_ae_latent(ae));
        pml_jsonl_int(&j, "params", pml_model_param_count(pml_ae_model(ae)));
        pml_jsonl_int(&j, "epochs", res.epochs_run);
        pml_jsonl_num(&j, "seconds_total", res.seconds);
        pml_jsonl_int(&j, "resumed_from_epoch", res.resumed_from_epoch);
        pml_jsonl_str(&j, "device", pml_device_spec(dev));
        pml_jsonl_end(&j);
    } else {
        if (ac.vae) {
            printf("test: ELBO %.3f nats per image (reconstruction %.3f, KL %.3f)", fig.elbo,
                   fig.recon, fig.kl);
            if (iwae > 0) printf("; log p(x) >= %.3f (IWAE, k = %lld)", fig.iwae, (long long)iwae);
            printf("\n");
        } else {
            printf("test: %s %.6g per image\n", pml_loss_name(ac.loss), test_loss);
        }
        if (pml_augment_active(&aug))
            printf("denoising: mean squared error to the clean test images %.5f corrupted, %.5f "
                   "denoised (%.1fx lower)\n", noisy, denoised, noisy / denoised);
        printf("%lld parameters, %d epochs in %.1f s\n",
               (long long)pml_model_param_count(pml_ae_model(ae)), res.epochs_run, res.seconds);
    }
    if (save) {
        if ((s = pml_ae_save(ae, save)) != PML_OK) FAIL("--save");
        if (!quiet) fprintf(stderr, "wrote %s\n", save);
    }
    if (out && pml_ae_cli_pictures(TRAIN, out, ae, tbase, &aug, seed, PML_AE_PICT_ALL, quiet)) rc = 1;
done:
    pml_train_result_free(&res);
    pml_optimizer_destroy(opt);
    pml_ae_destroy(ae);
    pml_dataset_destroy(train);
    pml_dataset_destroy(vset);
    pml_dataset_destroy(sel);
    pml_dataset_destroy(sub);
    pml_dataset_destroy(tsub);
    pml_dataset_destroy(full);
    pml_dataset_destroy(test);
    pml_device_close(dev);
    return rc;
#undef FAIL
}
