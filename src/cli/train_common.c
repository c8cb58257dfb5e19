/* Training from the command line: presets, option handling, the run itself, and its
 * files (loss.dat + loss.gp -> loss.png, the model as .safetensors). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/internal.h"
#include "cli/conv_pictures.h"
#include "cli/train_common.h"
#include "core/file.h"

void pml_train_args_unset(pml_train_args *a) { memset(a, 0, sizeof *a); }

#define DEF_S(f, v) if (a->f == NULL) a->f = (v)
/* a number the preset sets unless it was given */
#define DEF_N(f, v) if (!a->given.f) a->f = (v)

int pml_train_apply_preset(const char *command, pml_train_args *a)
{
    const char *p = a->preset ? a->preset : "recommended";
    if (strcmp(p, "primer") == 0) {
        /* The appendix as written: 784-100-10, ReLU on both layers, no biases, torch.randn
         * weights, raw 0..255 pixels, MSE (1/10 sum) on one-hot targets, per-example
         * gradients summed over batches of 64 in dataset order (n // 64 batches), plain
         * SGD with eta = 1e-3, 2 epochs, no validation split. */
        DEF_S(arch, "dense:100:nobias,relu,dense:10:nobias,relu");
        DEF_S(init, "randn");
        DEF_S(loss, "mse");
        DEF_S(reduction, "sum");
        DEF_S(scaling, "raw");
        DEF_S(opt, "sgd");
        DEF_N(lr, 1e-3);
        DEF_N(batch, 64);
        DEF_N(epochs, 2);
        DEF_N(val, 0.0);
        a->no_shuffle = a->drop_last = 1;
    } else if (strcmp(p, "recommended") == 0 || strcmp(p, "cnn") == 0) {
        /* The same shape done well: inputs scaled to [0, 1], He init, biases, softmax
         * cross-entropy on logits, Adam (lr 1e-3, cosine decay over the run), batch 64,
         * shuffled, 10% held out for validation. cnn: the same training of three convolution
         * blocks (3x3, same padding, batch norm, ReLU, 2x2 max pooling: 32, 64, 128 channels)
         * and a dense head with dropout, 242k parameters. */
        DEF_S(arch, strcmp(p, "cnn") == 0 ? PML_CNN_PRESET_ARCH : "dense:100,relu,dense:10");
        DEF_S(init, "he");
        DEF_S(loss, "xent");
        DEF_S(reduction, "mean");
        DEF_S(scaling, "unit");
        DEF_S(opt, "adam");
        DEF_N(lr, 1e-3);
        DEF_N(batch, 64);
        DEF_N(epochs, 15);
        /* cosine decay over however many epochs were asked for */
        static char cosine[32];
        snprintf(cosine, sizeof cosine, "cosine:%lld", (long long)a->epochs);
        DEF_S(schedule, cosine);
        DEF_N(val, 0.1);
    } else {
        return pml_cli_usage(command, "preset",
                             "unknown preset '%.100s' (recommended, primer, cnn)", p);
    }
    DEF_S(schedule, "constant");
    DEF_S(augment, "");
    DEF_S(out, "out/train");
    DEF_N(momentum, 0.9);
    DEF_N(weight_decay, 0.0);
    DEF_N(early_stop, 0);
    DEF_N(subset, 0);
    DEF_N(test_subset, 0);
    DEF_N(seed, 1);
    return 0;
}

/* An option whose value the library parses (pml_loss_parse, ...): a bad value is a usage
 * error naming the option, with the library's message listing the accepted names. */
static int parse_name(const char *command, const char *opt, pml_status s)
{
    if (s == PML_OK) return 0;
    return pml_cli_usage(command, opt, "%s", pml_last_error());
}

/* The options turned into library values, all checked. */
typedef struct choices {
    pml_loss_kind loss;
    pml_optim_kind opt;
    pml_scaling scaling;
    pml_reduction reduction;
    pml_init init;
    float sigma;
    pml_augment aug;
    pml_schedule schedule;
} choices;

/* The model of a spec for images of rows x cols: one channel, so that convolutions see the
 * image (dense layers take it flat). */
static pml_status train_model(pml_device *dev, const char *spec, int rows, int cols,
                                  int64_t max_batch, const choices *c, uint64_t seed,
                                  pml_model **out)
{
    pml_model *m = NULL;
    PML_TRY(pml_model_create_shaped(dev, PML_F32, 3, (const int64_t[]){1, rows, cols},
                                    max_batch, &m));
    const pml_status s = pml_model_add_spec(m, spec, c->init, c->sigma, seed);
    if (s != PML_OK) {
        pml_model_destroy(m);
        return s;
    }
    *out = m;
    return PML_OK;
}

int pml_cli_parse_init(const char *command, const char *text, pml_init *init, float *sigma)
{
    char *end = NULL;
    float sg = 0.f;
    if (strcmp(text, "he") == 0) *init = PML_INIT_HE;
    else if (strcmp(text, "xavier") == 0) *init = PML_INIT_XAVIER;
    else if (strcmp(text, "randn") == 0) *init = PML_INIT_RANDN;
    else if (strncmp(text, "normal:", 7) == 0 && (sg = (float)pml_strtod_dec(text + 7, &end)) > 0 &&
             *end == '\0' && isfinite(sg)) {
        *init = PML_INIT_NORMAL;
        *sigma = sg;
    } else
        return pml_cli_usage(command, "init", "'%.100s' is not he, xavier, randn or "
                             "normal:SIGMA", text);
    return 0;
}

static int parse_choices(const char *command, const pml_train_args *a, choices *c)
{
    memset(c, 0, sizeof *c);
    c->sigma = 0.01f;
    if (parse_name(command, "loss", pml_loss_parse(a->loss, &c->loss)) ||
        parse_name(command, "opt", pml_optim_parse(a->opt, &c->opt)) ||
        parse_name(command, "scaling", pml_scaling_parse(a->scaling, &c->scaling)) ||
        parse_name(command, "schedule", pml_schedule_parse(a->schedule, a->lr, &c->schedule)))
        return 2;
    if (strcmp(a->reduction, "mean") == 0) c->reduction = PML_REDUCE_MEAN;
    else if (strcmp(a->reduction, "sum") == 0) c->reduction = PML_REDUCE_SUM;
    else return pml_cli_usage(command, "reduction", "'%.100s' is not mean or sum", a->reduction);
    if (pml_cli_parse_init(command, a->init, &c->init, &c->sigma)) return 2;
    if (pml_augment_parse(a->augment, &c->aug) != PML_OK)
        return pml_cli_usage(command, "augment", "%s", pml_last_error());
    if (a->early_stop > 0 && !(a->val > 0))
        return pml_cli_usage(command, "early-stop", "needs a validation set (--val FRACTION > 0)");
    return 0;
}

int pml_train_check_args(const char *command, pml_device *dev, const pml_train_args *a)
{
    choices c;
    int r = parse_choices(command, a, &c);
    if (r) return r;
    /* the spec, on a model of one 28x28 image (the real shape comes from the data) */
    pml_model *probe = NULL;
    if (train_model(dev, a->arch, 28, 28, 1, &c, a->seed, &probe) != PML_OK)
        return pml_cli_usage(command, "arch", "%s", pml_last_error());
    pml_model_destroy(probe);
    if (pml_cli_out_dir(command, a->out)) return 1;
    if (a->save && pml_cli_out_file(command, "--save", a->save)) return 1;
    return pml_cli_resumable(command, a->checkpoint, a->given.checkpoint_every, a->resume);
}

typedef struct cb_state {
    const char *command;
    int json, quiet;
    pml_progress bar;
    int bar_on;
    int header_done; /* the epoch table's header is out */
    char label[64];
} cb_state;

static int on_progress(void *user, int epoch, int64_t step, int64_t steps,
                       const pml_epoch_stats *st)
{
    cb_state *c = user;
    if (st == NULL) {
        if (!c->bar_on) {
            snprintf(c->label, sizeof c->label, "epoch %d", epoch + 1);
            /* animated on a terminal; elsewhere only the epoch lines on stdout */
            pml_progress_start(&c->bar, c->label, steps, 1);
            c->bar.animate = !c->quiet && isatty(fileno(stderr));
            c->bar_on = 1;
        }
        pml_progress_update(&c->bar, step, NULL);
        return 0;
    }
    if (c->bar_on && c->bar.animate) fprintf(stderr, "\r\033[K");
    c->bar_on = 0;
    if (c->json) {
        pml_jsonl j;
        pml_jsonl_begin(&j, stdout);
        pml_jsonl_int(&j, "epoch", st->epoch + 1);
        pml_jsonl_num(&j, "train_loss", st->train_loss);
        pml_jsonl_num(&j, "train_acc", st->train_acc);
        pml_jsonl_num(&j, "val_loss", st->val_loss);
        pml_jsonl_num(&j, "val_acc", st->val_acc);
        pml_jsonl_num(&j, "lr", st->lr);
        pml_jsonl_num(&j, "seconds", st->seconds);
        pml_jsonl_end(&j);
    } else {
        /* the table's header with its first row: a run refused before its first epoch (a
         * checkpoint of another run) prints no empty table */
        if (!c->header_done)
            printf("%5s  %12s  %9s  %12s  %9s  %9s  %7s\n", "epoch", "train_loss",
                   "train_acc", "val_loss", "val_acc", "lr", "seconds");
        c->header_done = 1;
        /* no validation split (--val 0, the primer preset): a dash, not "nan" */
        char vl[32] = "-", va[32] = "-";
        if (!isnan(st->val_loss)) {
            snprintf(vl, sizeof vl, "%.6g", st->val_loss);
            snprintf(va, sizeof va, "%.4f", st->val_acc);
        }
        printf("%5d  %12.6g  %9.4f  %12s  %9s  %9.3g  %7.2f\n", st->epoch + 1, st->train_loss,
               st->train_acc, vl, va, st->lr, st->seconds);
    }
    fflush(stdout);
    return 0;
}

/* OUT/loss.dat, OUT/loss.gp (files relative to OUT) and the rendered OUT/loss.png. 0, or 1
 * after a message. */
static int write_curve(const char *command, const pml_train_args *a, const pml_train_result *r,
                       pml_train_outcome *o)
{
    pml_wfile w;
    if (pml_cli_path(command, o->dat, sizeof o->dat, a->out, "loss.dat") ||
        pml_cli_path(command, o->loss_png, sizeof o->loss_png, a->out, "loss.png"))
        return 1;
    if (pml_cli_open(command, o->dat, &w)) return 1;
    fprintf(w.f, "# epoch train_loss val_loss train_acc val_acc lr seconds\n");
    for (int i = 0; i < r->epochs_run; ++i) {
        const pml_epoch_stats *s = &r->history[i];
        fprintf(w.f, "%d %.9g %.9g %.6f %.6f %.6g %.3f\n", s->epoch + 1, s->train_loss,
                s->val_loss, s->train_acc, s->val_acc, s->lr, s->seconds);
    }
    if (pml_cli_commit(command, &w, 1)) return 1;
    char gp[PML_PATH_MAX];
    if (pml_cli_path(command, gp, sizeof gp, a->out, "loss.gp") || pml_cli_open(command, gp, &w))
        return 1;
    const int has_val = r->epochs_run > 0 && !isnan(r->history[0].val_loss);
    fprintf(w.f, "# physml train: loss per epoch (render: gnuplot loss.gp in this directory)\n");
    pml_gnuplot_output(w.f, "loss.png", "set terminal pngcairo size 800,500 noenhanced");
    fprintf(w.f,
            "set title 'training and validation loss per epoch'\n"
            "set xlabel 'epoch'\nset ylabel 'loss'\nset grid\nset key top right\n"
            "plot 'loss.dat' using 1:2 with linespoints lw 2 title 'train'%s\n",
            has_val ? ", '' using 1:3 with linespoints lw 2 title 'validation'" : "");
    if (pml_cli_commit(command, &w, 1)) return 1;
    const int g = pml_gnuplot_render(command, a->out, "loss.gp", "loss.png", 1);
    o->png_written = g == 0;
    return g < 0;
}

/* How many test examples fall in the most predicted class: a network whose outputs no
 * longer depend on the input (dead ReLUs, saturated units) predicts one class for all. */
static pml_status dominant_class(pml_model *m, const pml_dataset *ds, pml_scaling scaling,
                                 int *cls, int64_t *count)
{
    int64_t hist[256] = {0}, n = pml_dataset_size(ds), mb = pml_model_max_batch(m);
    pml_tensor *x = NULL;
    int32_t *pred = malloc((size_t)mb * sizeof *pred);
    pml_status s = pred ? pml_tensor_create_2d(pml_model_device(m), PML_F32, mb,
                                               pml_model_in_features(m), &x)
                        : PML_ERR_OUT_OF_MEMORY;
    for (int64_t start = 0; start < n && s == PML_OK; start += mb) {
        int64_t cnt = n - start < mb ? n - start : mb;
        s = pml_dataset_batch(ds, start, cnt, scaling, NULL, 0, 0, x, NULL);
        if (s == PML_OK) s = pml_model_predict(m, x, cnt, pred);
        for (int64_t i = 0; i < cnt && s == PML_OK; ++i)
            if (pred[i] >= 0 && pred[i] < 256) ++hist[pred[i]];
    }
    *cls = 0;
    for (int c = 1; c < 256; ++c)
        if (hist[c] > hist[*cls]) *cls = c;
    *count = hist[*cls];
    pml_tensor_destroy(x);
    free(pred);
    return s;
}

int pml_train_run(const char *command, pml_device *dev, const pml_train_args *a,
                  pml_train_outcome *o)
{
    memset(o, 0, sizeof *o);
    /* checked before anything is loaded */
    choices c;
    int r = pml_train_check_args(command, dev, a);
    if (r == 0) r = parse_choices(command, a, &c);
    if (r) return r;
    const pml_loss_kind loss = c.loss;
    const pml_scaling scaling = c.scaling;
    const char *dir = a->data_dir ? a->data_dir : pml_data_default_dir();
    pml_dataset *full = NULL, *sub = NULL, *train = NULL, *val = NULL, *test = NULL, *tsub = NULL;
    pml_model *m = NULL;
    pml_optimizer *op = NULL;
    pml_train_result res;
    memset(&res, 0, sizeof res);
    int rc = 0;
    pml_status s;
#define FAIL(what)                              \
    do {                                        \
        rc = pml_cli_fail(command, what, s);    \
        goto done;                              \
    } while (0)
    if ((s = pml_dataset_load(dev, dir, PML_SPLIT_TRAIN, &full)) != PML_OK) FAIL("loading the training set");
    /* a test split whose images differ from the training split's is refused from its header */
    if ((s = pml_dataset_load_expect(dev, dir, PML_SPLIT_TEST, pml_dataset_features(full),
                                     &test)) != PML_OK)
        FAIL("loading the test set");
    if ((rc = pml_cli_head(command, a->clamp_subsets ? NULL : "subset", full, a->subset,
                           "training images", &sub)) ||
        (rc = pml_cli_head(command, a->clamp_subsets ? NULL : "test-subset", test,
                           a->test_subset, "test images", &tsub)))
        goto done;
    pml_dataset *base = sub ? sub : full, *tbase = tsub ? tsub : test;
    if (a->val > 0) {
        if ((s = pml_dataset_split(base, a->val, a->seed, &train, &val)) != PML_OK)
            FAIL("splitting off the validation set");
    }
    pml_dataset *tr = train ? train : base;
    int64_t max_batch = a->batch > 256 ? a->batch : 256;
    if ((s = train_model(dev, a->arch, pml_dataset_rows(tr), pml_dataset_cols(tr),
                             max_batch, &c, a->seed, &m)) != PML_OK)
        FAIL("--arch");
    {
        /* bce and mse_half/mse on probabilities want a squashing last layer; xent wants logits */
        pml_activation last = pml_layer_activation(pml_model_layer(m, pml_model_num_layers(m) - 1));
        if (loss == PML_LOSS_BCE && last != PML_ACT_SIGMOID && last != PML_ACT_SOFTMAX)
            fprintf(stderr, "physml %s: warning: --loss bce expects probabilities; end --arch "
                            "with sigmoid or softmax\n", command);
        if (loss == PML_LOSS_SOFTMAX_XENT && last == PML_ACT_SOFTMAX)
            fprintf(stderr, "physml %s: warning: --loss xent applies softmax itself; the last "
                            "layer should give logits (drop the final softmax)\n", command);
    }
    pml_optim_config oc = pml_optim_defaults(c.opt);
    oc.lr = a->lr;
    oc.momentum = a->momentum;
    oc.nesterov = a->nesterov;
    oc.weight_decay = a->weight_decay;
    if ((s = pml_optimizer_create(dev, &oc, &op)) != PML_OK) FAIL("optimiser");
    pml_train_config tc = pml_train_defaults();
    tc.epochs = (int)a->epochs;
    tc.batch = a->batch;
    tc.loss = loss;
    tc.reduction = c.reduction;
    tc.scaling = scaling;
    tc.augment = c.aug;
    tc.early_stop = (int)a->early_stop;
    tc.seed = a->seed;
    tc.no_shuffle = a->no_shuffle;
    tc.drop_last = a->drop_last;
    tc.schedule = c.schedule;
    tc.checkpoint = a->checkpoint;
    if (a->given.checkpoint_every) tc.checkpoint_every = (int)a->checkpoint_every;
    tc.resume = a->resume;
    cb_state cb = {command, a->json, a->quiet, {0}, 0, 0, ""};
    tc.callback = on_progress;
    tc.user = &cb;
    tc.every_steps = 20;

    if (!a->quiet) {
        char summary[4096];
        pml_model_summary(m, summary, sizeof summary);
        fprintf(stderr, "physml %s: %s on %s, %lld training / %lld validation / %lld test "
                        "examples from %s\n%s",
                command, a->preset ? a->preset : "custom", pml_device_spec(dev),
                (long long)pml_dataset_size(tr), (long long)(val ? pml_dataset_size(val) : 0),
                (long long)pml_dataset_size(tbase), dir, summary);
        fprintf(stderr, "  loss %s (%s over the batch), %s lr %g, schedule %s, batch %lld, "
                        "%lld epochs, inputs %s\n",
                a->loss, a->reduction, a->opt, a->lr, a->schedule, (long long)a->batch,
                (long long)a->epochs, a->scaling);
    }
    s = pml_train(m, op, tr, val, &tc, &res);
    /* a checkpoint of another run (other options, data or model) is refused before anything
     * changes: a usage error naming what differs */
    if (s == PML_ERR_INVALID_ARGUMENT && a->resume && res.epochs_run == 0) {
        rc = pml_cli_usage(command, "resume", "%s", pml_last_error());
        goto done;
    }
    if (!a->quiet && res.resumed_from_epoch > 0)
        fprintf(stderr, "physml %s: resumed from %s after epoch %d\n", command, a->resume,
                res.resumed_from_epoch);
    /* the curve of the epochs that finished, also when training stopped on an error */
    const int curve = res.epochs_run > 0 ? write_curve(command, a, &res, o) : 0;
    if (s != PML_OK) FAIL("training stopped");
    if (curve) {
        rc = 1;
        goto done;
    }
    o->epochs_run = res.epochs_run;
    if (res.epochs_run > 0) {
        const pml_epoch_stats *h = res.history;
        o->train_loss_first = h[0].train_loss;
        o->train_loss_last = h[res.epochs_run - 1].train_loss;
        o->val_loss_first = h[0].val_loss;
        o->val_loss_last = h[res.epochs_run - 1].val_loss;
        o->val_loss_best = h[0].val_loss;
        o->val_best_epoch = isnan(h[0].val_loss) ? 0 : 1;
        for (int e = 1; e < res.epochs_run; ++e)
            if (h[e].val_loss < o->val_loss_best) {
                o->val_loss_best = h[e].val_loss;
                o->val_best_epoch = e + 1;
            }
    }
    o->seconds_total = res.seconds;
    o->samples_per_s = res.seconds > 0 ? (double)res.samples / res.seconds : 0.0;
    o->params = pml_model_param_count(m);
    if ((s = pml_evaluate(m, tbase, loss, scaling, &o->test_loss, &o->test_acc)) != PML_OK)
        FAIL("testing");
    if (!isfinite(o->test_loss)) {
        fprintf(stderr, "physml %s: testing: the test loss is %g: the model's outputs are not "
                        "finite\n", command, o->test_loss);
        rc = 1;
        goto done;
    }
    /* a convolutional network's first filters and their feature maps of four test images */
    int pictures = 0;
    {
        pml_tensor *x4 = NULL;
        const int64_t n4 = pml_dataset_size(tbase) < 4 ? pml_dataset_size(tbase) : 4;
        s = pml_tensor_create_2d(dev, PML_F32, n4, pml_dataset_features(tbase), &x4);
        if (s == PML_OK) s = pml_dataset_batch(tbase, 0, n4, scaling, NULL, 0, 0, x4, NULL);
        const int pr = s == PML_OK ? pml_conv_pictures(command, a->out, m, x4, n4, 1, &pictures)
                                   : pml_cli_fail(command, "drawing the filters", s);
        pml_tensor_destroy(x4);
        if (pr) {
            rc = 1;
            goto done;
        }
    }
    int dom = 0;
    int64_t dom_n = 0;
    if ((s = dominant_class(m, tbase, scaling, &dom, &dom_n)) != PML_OK)
        FAIL("predicting");
    if (dom_n == pml_dataset_size(tbase))
        fprintf(stderr, "physml %s: note: the network predicts class %d for every test example: "
                        "a sign that its outputs no longer depend on the input (dead ReLU "
                        "units, saturated outputs; see docs/nn.md on --preset primer)\n", command, dom);
    if (a->json) {
        pml_jsonl j;
        pml_jsonl_begin(&j, stdout);
        pml_jsonl_bool(&j, "final", 1);
        pml_jsonl_num(&j, "test_loss", o->test_loss);
        pml_jsonl_num(&j, "test_acc", o->test_acc);
        pml_jsonl_int(&j, "params", (long long)o->params);
        pml_jsonl_num(&j, "seconds_total", o->seconds_total);
        pml_jsonl_num(&j, "samples_per_s", o->samples_per_s);
        pml_jsonl_int(&j, "epochs", o->epochs_run);
        pml_jsonl_int(&j, "resumed_from_epoch", res.resumed_from_epoch);
        if (a->checkpoint) pml_jsonl_int(&j, "checkpoint_epoch", res.checkpoint_epoch);
        pml_jsonl_str(&j, "device", pml_device_spec(dev));
        pml_jsonl_end(&j);
    } else {
        /* Early stopping or a stop asked for by the callback. The model keeps the best
         * epoch's parameters (restore_best) only with early stopping on a validation set;
         * best_epoch is -1 when no epoch finished. */
        char stop[64] = "";
        if (res.stopped_early && res.best_epoch >= 0)
            snprintf(stop, sizeof stop, ", stopped early; best epoch %d%s", res.best_epoch + 1,
                     tc.restore_best && tc.early_stop > 0 && val ? " (restored)" : "");
        else if (res.stopped_early)
            snprintf(stop, sizeof stop, ", stopped early");
        printf("test: loss %.6g, accuracy %.2f%% (%lld examples); %lld parameters, %d epochs in "
               "%.1f s (%.0f samples/s)%s\n",
               o->test_loss, 100.0 * o->test_acc, (long long)pml_dataset_size(tbase),
               (long long)o->params, o->epochs_run, o->seconds_total, o->samples_per_s, stop);
        if (a->checkpoint && res.checkpoint_epoch > 0)
            printf("checkpoint: %s (after epoch %d)\n", a->checkpoint, res.checkpoint_epoch);
        if (pictures)
            printf("filters: %s/filters.png, feature maps: %s/features.png\n", a->out, a->out);
        if (o->png_written) printf("loss curve: %s\n", o->loss_png);
        else if (o->dat[0]) printf("loss curve data: %s (gnuplot %s/loss.gp for the PNG)\n", o->dat, a->out);
    }
    if (a->save) {
        const char *meta[] = {"physml_loss", a->loss, "physml_scaling", a->scaling, NULL};
        if ((s = pml_model_save(m, a->save, meta)) != PML_OK) FAIL("--save");
        if (!a->json) printf("model: %s\n", a->save);
    }
done:
    pml_train_result_free(&res);
    pml_optimizer_destroy(op);
    pml_model_destroy(m);
    pml_dataset_destroy(train);
    pml_dataset_destroy(val);
    pml_dataset_destroy(sub);
    pml_dataset_destroy(tsub);
    pml_dataset_destroy(full);
    pml_dataset_destroy(test);
    return rc;
#undef FAIL
}
