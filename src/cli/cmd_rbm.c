/* physml rbm: restricted Boltzmann machines. `rbm train` (CD-k, PCD-k, parallel tempering on
 * binarised Fashion-MNIST or any MNIST-format data) and `rbm logz` (exact or AIS partition
 * function and test log-probability) are here; `rbm sample` and `rbm complete` in
 * cmd_rbm_sample.c, `rbm ising` in cmd_rbm_ising.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/rbm_cli.h"

int pml_cmd_rbm(int argc, char **argv)
{
    static const pml_command sub[] = {
        {"train", pml_cmd_rbm_train, "train an RBM by CD-k or persistent CD (Fashion-MNIST)"},
        {"logz", pml_cmd_rbm_logz, "log Z (exact or AIS) and the test set's log-probability"},
        {"sample", pml_cmd_rbm_sample, "fantasy particles of a trained RBM"},
        {"complete", pml_cmd_rbm_complete, "fill in occluded pixels by clamped Gibbs sampling"},
        {"ising", pml_cmd_rbm_ising, "RBMs trained on Ising configurations against Monte Carlo"},
        {NULL, NULL, NULL},
    };
    return pml_cli_subcommand("rbm", sub, argc, argv);
}

/* ---- rbm train --------------------------------------------------------------------------- */

#define TRAIN "rbm train"

typedef struct train_view {
    int json, quiet;
    /* --ais-every: log Z by AIS and the test set's log-probability after every n-th epoch */
    int64_t ais_every, runs, steps;
    pml_rbm *m;
    const pml_dataset *test;
    const pml_tensor *base;
    pml_rbm_binarize bz;
    double threshold;
    uint64_t seed;
    pml_status failed;
} train_view;

/* The likelihood of the model as it stands (after an epoch): NaN when not asked for now. */
static pml_status epoch_logprob(train_view *v, int epoch, pml_rbm_ais_result *a, double *lp,
                                double *err)
{
    *lp = *err = NAN;
    memset(a, 0, sizeof *a);
    a->logz = a->logz_err = a->ess = NAN;
    if (v->ais_every <= 0 || (epoch + 1) % v->ais_every != 0) return PML_OK;
    double sem = 0;
    PML_TRY(pml_rbm_logz_ais(v->m, v->runs, v->steps, v->base, v->seed, a));
    PML_TRY(pml_rbm_mean_logprob(v->m, v->test, v->bz, v->threshold, 0, a->logz, lp, &sem));
    *err = sqrt(sem * sem + a->logz_err * a->logz_err);
    pml_rbm_cli_ais_trusted(TRAIN, a);
    return PML_OK;
}

static int print_epoch(void *user, const pml_rbm_epoch *e)
{
    train_view *v = user;
    pml_rbm_ais_result a;
    double lp, lp_err;
    v->failed = epoch_logprob(v, e->epoch, &a, &lp, &lp_err);
    if (v->failed != PML_OK) return 1;
    if (v->json) {
        pml_jsonl j;
        pml_jsonl_begin(&j, stdout);
        pml_jsonl_int(&j, "epoch", e->epoch + 1);
        pml_jsonl_num(&j, "recon_error", e->recon_error);
        pml_jsonl_num(&j, "val_recon_error", e->val_recon_error);
        pml_jsonl_num(&j, "pseudo_loglik", e->pseudo_loglik);
        pml_jsonl_num(&j, "free_energy_train", e->free_energy_train);
        pml_jsonl_num(&j, "free_energy_val", e->free_energy_val);
        pml_jsonl_num(&j, "pt_accept", e->pt_accept);
        pml_jsonl_num(&j, "lr", e->lr);
        pml_jsonl_num(&j, "seconds", e->seconds);
        if (v->ais_every > 0) {
            pml_jsonl_num(&j, "logz", a.logz);
            pml_jsonl_num(&j, "logz_err", a.logz_err);
            pml_jsonl_num(&j, "test_logprob", lp);
            pml_jsonl_num(&j, "test_logprob_err", lp_err);
            pml_jsonl_num(&j, "ais_ess", a.ess);
        }
        pml_jsonl_end(&j);
    } else {
        printf("%5d %12.5f %12.5f %12.3f %12.3f %12.3f %8.2f", e->epoch + 1, e->recon_error,
               e->val_recon_error, e->pseudo_loglik, e->free_energy_train, e->free_energy_val,
               e->seconds);
        if (!isnan(e->pt_accept)) printf(" %9.3f", e->pt_accept);
        if (!isnan(lp)) printf("   test log p %.2f +- %.2f (AIS ESS %.1f)", lp, lp_err, a.ess);
        printf("\n");
    }
    fflush(stdout);
    return 0;
}

static int write_curves(const char *out, const pml_rbm_train_result *res, int quiet)
{
    char path[PML_PATH_MAX];
    pml_wfile w;
    if (pml_cli_path(TRAIN, path, sizeof path, out, "curves.dat") || pml_cli_open(TRAIN, path, &w))
        return 1;
    fprintf(w.f, "# epoch recon_error val_recon_error pseudo_loglik free_energy_train "
                 "free_energy_val pt_accept seconds\n");
    for (int i = 0; i < res->epochs_run; ++i) {
        const pml_rbm_epoch *e = &res->history[i];
        fprintf(w.f, "%d %.9g %.9g %.9g %.9g %.9g %.6g %.3f\n", i + 1, e->recon_error,
                e->val_recon_error, e->pseudo_loglik, e->free_energy_train, e->free_energy_val,
                e->pt_accept, e->seconds);
    }
    if (pml_cli_commit(TRAIN, &w, quiet)) return 1;
    if (pml_cli_path(TRAIN, path, sizeof path, out, "curves.gp") || pml_cli_open(TRAIN, path, &w))
        return 1;
    fprintf(w.f, "# physml rbm train: monitors per epoch (render: gnuplot curves.gp here)\n");
    pml_gnuplot_output(w.f, "curves.png", "set terminal pngcairo size 1200,420 noenhanced");
    fprintf(w.f,
            "set multiplot layout 1,3\nset xlabel 'epoch'\nset grid\n"
            "set title 'reconstruction error'\n"
            "plot 'curves.dat' u 1:2 w lp lw 2 t 'train', '' u 1:3 w lp lw 2 t 'validation'\n"
            "set title 'pseudo-log-likelihood (nats)'\n"
            "plot 'curves.dat' u 1:4 w lp lw 2 notitle\n"
            "set title 'mean free energy (overfitting monitor)'\n"
            "plot 'curves.dat' u 1:5 w lp lw 2 t 'train subset', '' u 1:6 w lp lw 2 t 'validation'\n"
            "unset multiplot\n");
    if (pml_cli_commit(TRAIN, &w, 1)) return 1;
    return pml_gnuplot_render(TRAIN, out, "curves.gp", "curves.png", quiet) < 0;
}

int pml_cmd_rbm_train(int argc, char **argv)
{
    const char *data = NULL, *binarize = "threshold", *device = "auto", *save = NULL, *out = NULL;
    const char *schedule = NULL, *checkpoint = NULL, *resume = NULL, *ais = NULL;
    int64_t hidden = 256, cd = 1, pcd = 0, chains = 0, pt = 0, batch = 100, epochs = 10;
    int64_t subset = 0, test_subset = 0, monitor = 1000, ck_every = 1, ais_every = 0;
    double lr = 0.1, momentum = 0.5, wd = 0.0, threshold = 0.5, val = 0.05, beta_min = 0.5;
    uint64_t seed = 1;
    int json = 0, quiet = 0, cd_given = 0, pcd_given = 0, ck_every_given = 0;
    const pml_opt opts[] = {
        {"data", PML_OPT_STR, &data, "DIR", "MNIST-format directory (default: Fashion-MNIST)"},
        {"binarize", PML_OPT_CHOICE, &binarize, "B",
         "pixels to 0/1: threshold (x > --threshold) or sample (Bernoulli(x) each use)",
         .choices = "threshold|sample"},
        {"threshold", PML_OPT_DOUBLE, &threshold, "X", "binarising threshold (0.5)", 0, 0.999},
        {"hidden", PML_OPT_INT, &hidden, "N", "hidden units (256)", 1, 1 << 16},
        {"cd", PML_OPT_INT, &cd, "K", "contrastive divergence with K Gibbs steps (CD-1)", 1,
         10000, .given = &cd_given},
        {"pcd", PML_OPT_INT, &pcd, "K", "persistent CD with K Gibbs steps per update", 1, 10000,
         .given = &pcd_given},
        {"chains", PML_OPT_INT, &chains, "N", "persistent chains (default: the batch)", 1, 1 << 16},
        {"pt", PML_OPT_INT, &pt, "T", "parallel tempering of the persistent chains over T "
                                      "inverse temperatures (with --pcd)", 2, 64},
        {"pt-beta-min", PML_OPT_DOUBLE, &beta_min, "B", "the ladder's lowest beta (0.5)", 0,
         0.999, 1},
        {"lr", PML_OPT_DOUBLE, &lr, "X", "learning rate (0.1)", 0, 1e4, 1},
        {"momentum", PML_OPT_DOUBLE, &momentum, "M", "momentum (0.5)", 0, 0.999},
        {"weight-decay", PML_OPT_DOUBLE, &wd, "W", "L2 weight decay (0)", 0, 1},
        {"schedule", PML_OPT_STR, &schedule, "S",
         "learning-rate schedule: constant, step:S:G, exp:G, cosine:T[:MIN], plateau:P[:F]"},
        {"batch", PML_OPT_INT, &batch, "N", "mini-batch (100)", 1, 1 << 16},
        {"epochs", PML_OPT_INT, &epochs, "N", "epochs (10)", 1, 1000000},
        {"subset", PML_OPT_INT, &subset, "N", "train on the first N examples (0: all)", 0, 1e12},
        {"val", PML_OPT_DOUBLE, &val, "F", "fraction held out for validation (0.05)", 0, 0.9},
        {"monitor", PML_OPT_INT, &monitor, "N",
         "examples for the pseudo-likelihood and free-energy monitors (1000; 0: none)", 0, 1e7},
        {"ais", PML_OPT_STR, &ais, "RUNS:STEPS",
         "after training: log Z by AIS and the test set's mean log-probability"},
        {"ais-every", PML_OPT_INT, &ais_every, "N",
         "also after every N-th epoch: log Z by AIS and the test log-probability (with --ais)", 0,
         1e6},
        {"test-subset", PML_OPT_INT, &test_subset, "N", "test examples for --ais (0: all)", 0, 1e12},
        {"seed", PML_OPT_U64, &seed, "S", "seed (1)"},
        {"device", PML_OPT_STR, &device, "D", "auto (default), cpu, cuda, cuda:N"},
        {"save", PML_OPT_STR, &save, "FILE", "write the model (.safetensors)"},
        {"checkpoint", PML_OPT_STR, &checkpoint, "FILE",
         "write the run's state (weights, momentum, persistent chains) atomically every "
         "--checkpoint-every epochs and after the last"},
        {"checkpoint-every", PML_OPT_INT, &ck_every, "N", "epochs between checkpoints (1)", 0,
         1e6, .given = &ck_every_given},
        {"resume", PML_OPT_STR, &resume, "FILE", "continue the run a checkpoint holds"},
        {"out", PML_OPT_STR, &out, "DIR", "filters.png, samples.png, curves.{dat,gp,png}"},
        {"json", PML_OPT_FLAG, &json, NULL, "one JSON object per epoch and a final one"},
        {"quiet", PML_OPT_FLAG, &quiet, NULL, "no messages on stderr but errors"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse(
        TRAIN,
        "rbm train [--data DIR] [--binarize threshold|sample] [--hidden 256] [--cd K | --pcd K "
        "[--pt T]] [--lr X] [--momentum M] [--weight-decay W] [--batch N] [--epochs N] [--seed S] "
        "[--device D] [--save FILE] [--ais RUNS:STEPS] [--json] [--out DIR]",
        "Train a Bernoulli restricted Boltzmann machine on binarised images by contrastive "
        "divergence (CD-k) or persistent CD, optionally with parallel tempering of the "
        "persistent chains; per epoch the reconstruction error, the pseudo-log-likelihood and "
        "the free energies of training and validation examples.",
        argc, argv, 3, opts);
    if (r) return r == 1 ? 0 : r;
    if (cd_given && pcd_given) return pml_cli_usage(TRAIN, "pcd", "give --cd K or --pcd K, not both");
    if (pt && !pcd_given) return pml_cli_usage(TRAIN, "pt", "parallel tempering needs --pcd K");
    if (chains && !pcd_given) return pml_cli_usage(TRAIN, "chains", "persistent chains need --pcd K");
    int64_t ais_runs = 0, ais_steps = 0;
    if (ais && pml_rbm_cli_ais_spec(TRAIN, ais, &ais_runs, &ais_steps)) return 2;
    if (ais_every && !ais) return pml_cli_usage(TRAIN, "ais-every", "needs --ais RUNS:STEPS");
    pml_rbm_train_config c = pml_rbm_train_defaults();
    c.method = pcd_given ? PML_RBM_PCD : PML_RBM_CD;
    c.k = (int)(pcd_given ? pcd : cd);
    c.chains = chains;
    c.pt = (int)pt;
    c.pt_beta_min = beta_min;
    c.epochs = (int)epochs;
    c.batch = batch;
    c.lr = lr;
    c.momentum = momentum;
    c.weight_decay = wd;
    c.seed = seed;
    c.binarize = strcmp(binarize, "sample") == 0 ? PML_RBM_SAMPLE : PML_RBM_THRESHOLD;
    c.threshold = threshold;
    c.monitor_rows = monitor;
    c.checkpoint = checkpoint;
    c.checkpoint_every = (int)ck_every;
    c.resume = resume;
    if (schedule && pml_schedule_parse(schedule, lr, &c.schedule) != PML_OK)
        return pml_cli_usage(TRAIN, "schedule", "%s", pml_last_error());
    if (out && pml_cli_out_dir(TRAIN, out)) return 1;
    if (save && pml_cli_out_file(TRAIN, "save", save)) return 1;
    if ((r = pml_cli_resumable(TRAIN, checkpoint, ck_every_given, resume)) != 0) return r;
    pml_device *dev = NULL;
    if ((r = pml_cli_open_device(TRAIN, device, &dev))) return r;
    pml_dataset *all = NULL, *test = NULL, *train = NULL, *vset = NULL;
    pml_rbm *m = NULL;
    pml_rbm_train_result res;
    memset(&res, 0, sizeof res);
    r = pml_rbm_cli_load(TRAIN, dev, data, subset, test_subset, 0, &all, ais ? &test : NULL,
                         "subset", "test-subset");
    pml_status s = PML_OK;
    if (!r) {
        s = pml_dataset_split(all, val, seed, &train, &vset);
        if (s != PML_OK) r = pml_cli_fail(TRAIN, "splitting off the validation set", s);
    }
    const int64_t nv = r ? 0 : pml_dataset_features(all);
    const int rows = r ? 0 : pml_dataset_rows(all), cols = r ? 0 : pml_dataset_cols(all);
    if (!r) {
        const int64_t mb = batch > 100 ? batch : 100;
        s = pml_rbm_create(dev, nv, hidden, mb, seed, &m);
        if (s != PML_OK) r = pml_cli_fail(TRAIN, "creating the model", s);
    }
    train_view view = {.json = json, .quiet = quiet, .ais_every = ais_every, .runs = ais_runs,
                       .steps = ais_steps, .m = m, .test = test, .bz = c.binarize,
                       .threshold = threshold, .seed = seed};
    pml_tensor *every_base = NULL;
    if (!r && ais_every) {
        /* the base rates of the training set, once */
        s = pml_tensor_create_1d(dev, PML_F32, nv, &every_base);
        if (s == PML_OK) s = pml_rbm_base_rate(m, train, c.binarize, threshold, every_base);
        if (s != PML_OK) r = pml_cli_fail(TRAIN, "base rates", s);
        view.base = every_base;
    }
    c.callback = print_epoch;
    c.user = &view;
    if (!r && !json) {
        printf("RBM %lld visible x %lld hidden, %s-%d%s, batch %lld, lr %g, momentum %g, "
               "%lld training / %lld validation examples (%s binarised)\n",
               (long long)nv, (long long)hidden, pcd_given ? "PCD" : "CD", c.k,
               pt ? ", parallel tempering" : "", (long long)batch, lr, momentum,
               (long long)pml_dataset_size(train), (long long)(vset ? pml_dataset_size(vset) : 0),
               binarize);
        printf("%5s %12s %12s %12s %12s %12s %8s%s\n", "epoch", "recon", "val recon",
               "pseudo-LL", "F(train)", "F(val)", "seconds", pt ? "  pt-accept" : "");
    }
    if (!r) {
        s = pml_rbm_train(m, train, vset, &c, &res);
        if (s != PML_OK) r = pml_cli_fail(TRAIN, "training", s);
        else if (view.failed != PML_OK) r = pml_cli_fail(TRAIN, "AIS after an epoch", view.failed);
    }
    pml_tensor_destroy(every_base);
    pml_rbm_ais_result a;
    memset(&a, 0, sizeof a);
    double lp = NAN, lp_err = NAN;
    int trusted = 1;
    if (!r && ais) {
        pml_tensor *base = NULL;
        s = pml_tensor_create_1d(dev, PML_F32, nv, &base);
        if (s == PML_OK) s = pml_rbm_base_rate(m, train, c.binarize, threshold, base);
        if (s == PML_OK) s = pml_rbm_logz_ais(m, ais_runs, ais_steps, base, seed, &a);
        if (s == PML_OK)
            s = pml_rbm_mean_logprob(m, test, c.binarize, threshold, 0, a.logz, &lp, &lp_err);
        pml_tensor_destroy(base);
        if (s != PML_OK) r = pml_cli_fail(TRAIN, "AIS", s);
        else trusted = pml_rbm_cli_ais_trusted(TRAIN, &a);
        if (!r && !json)
            printf("AIS (%lld runs x %lld steps, effective sample size %.1f%s): log Z = %.3f +- "
                   "%.3f; test log-probability %.3f +- %.3f nats (%lld examples; log Z's error "
                   "included)\n",
                   (long long)ais_runs, (long long)ais_steps, a.ess, trusted ? "" : ", NOT TRUSTED",
                   a.logz, a.logz_err, lp, sqrt(lp_err * lp_err + a.logz_err * a.logz_err),
                   (long long)pml_dataset_size(test));
        fflush(stdout);
    }
    if (!r && save) {
        char meta[10][64];
        snprintf(meta[0], 64, "%s", pcd_given ? "pcd" : "cd");
        snprintf(meta[1], 64, "%d", c.k);
        snprintf(meta[2], 64, "%.17g", lr);
        snprintf(meta[3], 64, "%.17g", momentum);
        snprintf(meta[4], 64, "%.17g", wd);
        snprintf(meta[5], 64, "%lld", (long long)batch);
        snprintf(meta[6], 64, "%d", res.epochs_run);
        snprintf(meta[7], 64, "%s", binarize);
        snprintf(meta[8], 64, "%.17g", threshold);
        snprintf(meta[9], 64, "%llu", (unsigned long long)seed);
        const char *kv[] = {"method", meta[0], "k", meta[1], "lr", meta[2], "momentum", meta[3],
                            "weight_decay", meta[4], "batch", meta[5], "epochs", meta[6],
                            "binarize", meta[7], "threshold", meta[8], "seed", meta[9],
                            "image_rows", NULL, "image_cols", NULL, NULL};
        char ir[16], ic[16];
        snprintf(ir, sizeof ir, "%d", rows);
        snprintf(ic, sizeof ic, "%d", cols);
        kv[21] = ir;
        kv[23] = ic;
        s = pml_rbm_save(m, save, kv);
        if (s != PML_OK) r = pml_cli_fail(TRAIN, save, s);
        else if (!quiet) fprintf(stderr, "wrote %s\n", save);
    }
    if (!r && out) r = write_curves(out, &res, quiet) ||
                         pml_rbm_cli_pictures(TRAIN, out, m, rows, cols, seed, NULL, quiet);
    if (!r && json) {
        pml_jsonl j;
        pml_jsonl_begin(&j, stdout);
        pml_jsonl_bool(&j, "final", 1);
        pml_jsonl_int(&j, "epochs", res.epochs_run);
        pml_jsonl_num(&j, "seconds", res.seconds);
        pml_jsonl_num(&j, "seconds_per_epoch", res.epochs_run ? res.seconds / res.epochs_run : NAN);
        const pml_rbm_epoch *e = res.epochs_run ? &res.history[res.epochs_run - 1] : NULL;
        pml_jsonl_num(&j, "recon_error", e ? e->recon_error : NAN);
        pml_jsonl_num(&j, "pseudo_loglik", e ? e->pseudo_loglik : NAN);
        pml_jsonl_num(&j, "logz", ais ? a.logz : NAN);
        pml_jsonl_num(&j, "logz_err", ais ? a.logz_err : NAN);
        pml_jsonl_num(&j, "test_logprob", lp);
        /* the mean's own error and log Z's, in quadrature (as rbm logz reports it) */
        pml_jsonl_num(&j, "test_logprob_err", sqrt(lp_err * lp_err + a.logz_err * a.logz_err));
        pml_jsonl_num(&j, "ais_ess", ais ? a.ess : NAN);
        if (ais) pml_jsonl_bool(&j, "ais_trusted", trusted);
        else pml_jsonl_raw(&j, "ais_trusted", "null"); /* no AIS ran: nothing to trust */
        pml_jsonl_end(&j);
    }
    pml_rbm_train_result_free(&res);
    pml_rbm_destroy(m);
    pml_dataset_destroy(all);
    pml_dataset_destroy(train);
    pml_dataset_destroy(vset);
    pml_dataset_destroy(test);
    pml_device_close(dev);
    return r;
}

/* ---- rbm logz ------------------------------------------------------------------------------ */

#define LOGZ "rbm logz"

int pml_cmd_rbm_logz(int argc, char **argv)
{
    const char *model = NULL, *data = NULL, *ais = NULL, *device = "auto", *binarize = NULL;
    const char *checkpoint = NULL, *resume = NULL;
    int exact = 0, json = 0, quiet = 0;
    int64_t test_subset = 0, base_subset = 0, ck_every = 0;
    double threshold = 0.5;
    int threshold_given = 0, ck_every_given = 0;
    uint64_t seed = 1;
    const pml_opt opts[] = {
        {"model", PML_OPT_STR, &model, "FILE", "the RBM (.safetensors)"},
        {"exact", PML_OPT_FLAG, &exact, NULL, "sum over the smaller layer (at most 2^24 states)"},
        {"ais", PML_OPT_STR, &ais, "RUNS:STEPS", "annealed importance sampling (default 100:10000)"},
        {"data", PML_OPT_STR, &data, "DIR",
         "MNIST-format directory: the test split's log-probability, the training split's base "
         "rates for AIS (default: Fashion-MNIST)"},
        {"binarize", PML_OPT_CHOICE, &binarize, "B", "as in training (the model's metadata)",
         .choices = "threshold|sample"},
        {"threshold", PML_OPT_DOUBLE, &threshold, "X", "as in training", 0, 0.999,
         .given = &threshold_given},
        {"test-subset", PML_OPT_INT, &test_subset, "N", "test examples (0: all)", 0, 1e12},
        {"base-subset", PML_OPT_INT, &base_subset, "N",
         "training examples for the base rates (0: all)", 0, 1e12},
        {"seed", PML_OPT_U64, &seed, "S", "seed of the AIS runs (1)"},
        {"checkpoint", PML_OPT_STR, &checkpoint, "FILE",
         "AIS: write the run's state (chains, log-weights, the step) atomically every "
         "--checkpoint-every steps and at the end"},
        {"checkpoint-every", PML_OPT_INT, &ck_every, "N",
         "AIS steps between checkpoints (default: a hundredth of the steps, at least 1)", 1,
         1 << 24, .given = &ck_every_given},
        {"resume", PML_OPT_STR, &resume, "FILE",
         "AIS: continue the run a checkpoint holds (give the same options; it ends bit for bit "
         "as the uninterrupted run on the same device)"},
        {"device", PML_OPT_STR, &device, "D", "auto (default), cpu, cuda, cuda:N"},
        {"json", PML_OPT_FLAG, &json, NULL, "one JSON object"},
        {"quiet", PML_OPT_FLAG, &quiet, NULL, "no messages on stderr but errors"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse(LOGZ, "rbm logz --model FILE [--exact | [--ais RUNS:STEPS] [--checkpoint "
                                "FILE [--checkpoint-every N]] [--resume FILE]] [--data DIR] "
                                "[--json]",
                          "The partition function of a trained RBM, exactly or by annealed "
                          "importance sampling from the data's base-rate model, and the mean "
                          "log-probability of the test set in nats.",
                          argc, argv, 3, opts);
    if (r) return r == 1 ? 0 : r;
    if (!model) return pml_cli_usage(LOGZ, "model", "needs --model FILE");
    if (exact && ais) return pml_cli_usage(LOGZ, "ais", "give --exact or --ais, not both");
    /* a checkpoint is of an AIS run (the default 100:10000 or --ais's) */
    if (checkpoint && exact) return pml_cli_usage(LOGZ, "checkpoint", "goes with AIS, not --exact");
    if (resume && exact) return pml_cli_usage(LOGZ, "resume", "goes with AIS, not --exact");
    int64_t runs = 100, steps = 10000;
    if (ais && pml_rbm_cli_ais_spec(LOGZ, ais, &runs, &steps)) return 2;
    if (!ck_every_given) ck_every = steps / 100 > 1 ? steps / 100 : 1;
    /* the destination and the checkpoint to continue, before anything is loaded */
    if ((r = pml_cli_resumable(LOGZ, checkpoint, ck_every_given, resume)) != 0) return r;
    pml_device *dev = NULL;
    if ((r = pml_cli_open_device(LOGZ, device, &dev))) return r;
    pml_rbm *m = NULL;
    pml_status s = pml_rbm_load(dev, model, runs > 1000 ? runs : 1000, &m);
    if (s != PML_OK) {
        pml_device_close(dev);
        return pml_cli_fail(LOGZ, model, s);
    }
    const int64_t small = pml_rbm_visible(m) < pml_rbm_hidden(m) ? pml_rbm_visible(m) : pml_rbm_hidden(m);
    if (exact && small > PML_RBM_EXACT_MAX) {
        pml_rbm_destroy(m);
        pml_device_close(dev);
        return pml_cli_usage(LOGZ, "exact", "%s: the smaller layer has %lld units; an exact sum "
                             "takes at most %d (use --ais)", model, (long long)small,
                             PML_RBM_EXACT_MAX);
    }
    /* the binarisation the model was trained with, unless given */
    pml_rbm_binarize bz = PML_RBM_THRESHOLD;
    double model_threshold = threshold;
    pml_rbm_cli_model_binarize(model, &bz, &model_threshold);
    if (binarize) bz = strcmp(binarize, "sample") == 0 ? PML_RBM_SAMPLE : PML_RBM_THRESHOLD;
    if (!threshold_given) threshold = model_threshold;
    const double t0 = pml_now();
    double logz = NAN, err = 0.0, lp = NAN, lp_err = NAN, ess = NAN;
    int trusted = 1;
    pml_dataset *train = NULL, *test = NULL;
    r = pml_rbm_cli_load(LOGZ, dev, data, base_subset, test_subset, pml_rbm_visible(m),
                         exact ? NULL : &train, &test, "base-subset", "test-subset");
    if (!r && exact) {
        s = pml_rbm_logz_exact(m, &logz);
        if (s != PML_OK) r = pml_cli_fail(LOGZ, "exact log Z", s);
    } else if (!r) {
        pml_tensor *base = NULL;
        pml_rbm_ais_result a;
        memset(&a, 0, sizeof a);
        const pml_rbm_ais_checkpoint ck = {.path = checkpoint, .every = ck_every,
                                           .resume = resume};
        s = pml_tensor_create_1d(dev, PML_F32, pml_rbm_visible(m), &base);
        if (s == PML_OK) s = pml_rbm_base_rate(m, train, bz, threshold, base);
        if (s == PML_OK) s = pml_rbm_logz_ais_resumable(m, runs, steps, base, seed, &ck, &a);
        pml_tensor_destroy(base);
        /* a checkpoint of another run (other runs, steps, seed, model or base rates) is
         * refused before a step: a usage error naming what differs */
        if (s == PML_ERR_INVALID_ARGUMENT && resume && a.resumed_from == 0)
            r = pml_cli_usage(LOGZ, "resume", "%s", pml_last_error());
        else if (s != PML_OK) r = pml_cli_fail(LOGZ, "AIS", s);
        if (!r && resume && !quiet)
            fprintf(stderr, "physml %s: resumed at step %lld of %lld from %s\n", LOGZ,
                    (long long)a.resumed_from, (long long)steps, resume);
        logz = a.logz;
        err = a.logz_err;
        ess = a.ess;
        if (!r) trusted = pml_rbm_cli_ais_trusted(LOGZ, &a);
    }
    if (!r) {
        s = pml_rbm_mean_logprob(m, test, bz, threshold, 0, logz, &lp, &lp_err);
        if (s != PML_OK) r = pml_cli_fail(LOGZ, "test log-probability", s);
    }
    const double secs = pml_now() - t0;
    if (!r && json) {
        pml_jsonl j;
        pml_jsonl_begin(&j, stdout);
        pml_jsonl_str(&j, "method", exact ? "exact" : "ais");
        pml_jsonl_num(&j, "logz", logz);
        pml_jsonl_num(&j, "logz_err", err);
        pml_jsonl_num(&j, "test_logprob", lp);
        /* the test mean's own error and log Z's add in quadrature */
        pml_jsonl_num(&j, "test_logprob_err", sqrt(lp_err * lp_err + err * err));
        pml_jsonl_num(&j, "seconds", secs);
        pml_jsonl_num(&j, "ais_ess", ess);
        pml_jsonl_bool(&j, "ais_trusted", trusted);
        pml_jsonl_end(&j);
    } else if (!r) {
        printf("log Z = %.4f", logz);
        if (!exact)
            printf(" +- %.4f (AIS, %lld runs x %lld steps, effective sample size %.1f%s)", err,
                   (long long)runs, (long long)steps, ess, trusted ? "" : ": NOT TRUSTED");
        else printf(" (exact)");
        printf("\ntest log-probability: %.3f +- %.3f nats per example (%lld examples), %.1f s\n",
               lp, sqrt(lp_err * lp_err + err * err), (long long)pml_dataset_size(test), secs);
    }
    pml_dataset_destroy(train);
    pml_dataset_destroy(test);
    pml_rbm_destroy(m);
    pml_device_close(dev);
    return r;
}
