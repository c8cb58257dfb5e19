/* Training from the command line: presets, option handling, the run itself, and its
 * files (loss.dat + loss.gp -> loss.png, the model as .safetensors). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/train_common.h"

void pml_train_args_unset(pml_train_args *a)
{
    memset(a, 0, sizeof *a);
    a->lr = a->val = a->momentum = a->weight_decay = NAN;
    a->batch = a->epochs = a->early_stop = a->subset = a->test_subset = -1;
    a->seed = UINT64_MAX;
    a->no_shuffle = a->drop_last = -1;
}

#define DEF_S(f, v) if (a->f == NULL) a->f = (v)
#define DEF_D(f, v) if (isnan(a->f)) a->f = (v)
#define DEF_L(f, v) if (a->f < 0) a->f = (v)

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
        DEF_D(lr, 1e-3);
        DEF_L(batch, 64);
        DEF_L(epochs, 2);
        DEF_D(val, 0.0);
        DEF_L(no_shuffle, 1);
        DEF_L(drop_last, 1);
    } else if (strcmp(p, "recommended") == 0) {
        /* The same shape done well: inputs scaled to [0, 1], He init, biases, softmax
         * cross-entropy on logits, Adam (lr 1e-3, cosine decay over the run), batch 64,
         * shuffled, 10% held out for validation. */
        DEF_S(arch, "dense:100,relu,dense:10");
        DEF_S(init, "he");
        DEF_S(loss, "xent");
        DEF_S(reduction, "mean");
        DEF_S(scaling, "unit");
        DEF_S(opt, "adam");
        DEF_D(lr, 1e-3);
        DEF_L(batch, 64);
        DEF_L(epochs, 15);
        /* cosine decay over however many epochs were asked for */
        static char cosine[32];
        snprintf(cosine, sizeof cosine, "cosine:%ld", a->epochs);
        DEF_S(schedule, cosine);
        DEF_D(val, 0.1);
    } else {
        fprintf(stderr, "physml %s: --preset: unknown preset '%s' (recommended, primer)\n",
                command, p);
        return 2;
    }
    DEF_S(schedule, "constant");
    DEF_S(augment, "");
    DEF_S(out, "out/train");
    DEF_D(momentum, 0.9);
    DEF_D(weight_decay, 0.0);
    DEF_L(early_stop, 0);
    DEF_L(subset, 0);
    DEF_L(test_subset, 0);
    DEF_L(no_shuffle, 0);
    DEF_L(drop_last, 0);
    if (a->seed == UINT64_MAX) a->seed = 1;
    return 0;
}

static int parse_enum(const char *command, const char *opt, const char *v, const char *const *names,
                      int count, int *out)
{
    for (int i = 0; i < count; ++i)
        if (strcmp(v, names[i]) == 0) {
            *out = i;
            return 0;
        }
    fprintf(stderr, "physml %s: --%s: unknown value '%s' (", command, opt, v);
    for (int i = 0; i < count; ++i) fprintf(stderr, "%s%s", i ? ", " : "", names[i]);
    fprintf(stderr, ")\n");
    return 2;
}

/* An option whose value the library parses (pml_loss_parse, ...): a bad value is a usage
 * error naming the option, with the library's message listing the accepted names. */
static int parse_name(const char *command, const char *opt, pml_status s)
{
    if (s == PML_OK) return 0;
    fprintf(stderr, "physml %s: --%s: %s\n", command, opt, pml_last_error());
    return 2;
}

static int parse_augment(const char *command, const char *text, pml_augment *aug)
{
    memset(aug, 0, sizeof *aug);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", text);
    for (char *item = strtok(buf, ","); item; item = strtok(NULL, ",")) {
        char *arg = strchr(item, ':');
        if (arg) *arg++ = '\0';
        char *end = NULL;
        if (strcmp(item, "flip") == 0 && !arg) {
            aug->flip = 1;
        } else if (strcmp(item, "shift") == 0 && arg) {
            long v = strtol(arg, &end, 10);
            if (*end || v < 0 || v > 8) goto bad;
            aug->shift = (int)v;
        } else if (strcmp(item, "noise") == 0 && arg) {
            double v = strtod(arg, &end);
            if (*end || !(v >= 0) || v > 10) goto bad;
            aug->noise = (float)v;
        } else {
            goto bad;
        }
        continue;
    bad:
        fprintf(stderr, "physml %s: --augment: bad item '%s' (shift:N, flip, noise:SIGMA)\n",
                command, item);
        return 2;
    }
    return 0;
}

typedef struct cb_state {
    const char *command;
    int json, quiet;
    pml_progress bar;
    int bar_on;
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

static int write_curve(const char *out_dir, const pml_train_result *r, pml_train_outcome *o)
{
    char gp[4200];
    snprintf(o->dat, sizeof o->dat, "%s/loss.dat", out_dir);
    snprintf(gp, sizeof gp, "%s/loss.gp", out_dir);
    snprintf(o->loss_png, sizeof o->loss_png, "%s/loss.png", out_dir);
    FILE *f = fopen(o->dat, "w");
    if (!f) return -1;
    fprintf(f, "# epoch train_loss val_loss train_acc val_acc lr seconds\n");
    for (int i = 0; i < r->epochs_run; ++i) {
        const pml_epoch_stats *s = &r->history[i];
        fprintf(f, "%d %.9g %.9g %.6f %.6f %.6g %.3f\n", s->epoch + 1, s->train_loss,
                s->val_loss, s->train_acc, s->val_acc, s->lr, s->seconds);
    }
    fclose(f);
    f = fopen(gp, "w");
    if (!f) return -1;
    int has_val = r->epochs_run > 0 && !isnan(r->history[0].val_loss);
    fprintf(f,
            "# physml train: loss per epoch (render: gnuplot loss.gp)\n"
            "set terminal pngcairo size 800,500 noenhanced\n"
            "set output '%s'\n"
            "set title 'training and validation loss per epoch'\n"
            "set xlabel 'epoch'\nset ylabel 'loss'\nset grid\nset key top right\n"
            "plot '%s' using 1:2 with linespoints lw 2 title 'train'%s\n",
            o->loss_png, o->dat,
            has_val ? ", '' using 1:3 with linespoints lw 2 title 'validation'" : "");
    fclose(f);
    o->png_written = pml_gnuplot_render(gp) == 0;
    return 0;
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
    static const char *const reds[] = {"mean", "sum"};
    pml_loss_kind loss = PML_LOSS_SOFTMAX_XENT;
    pml_optim_kind opt = PML_OPTIM_ADAM;
    pml_scaling scaling = PML_SCALE_UNIT;
    int red = 0;
    if (parse_name(command, "loss", pml_loss_parse(a->loss, &loss)) ||
        parse_name(command, "opt", pml_optim_parse(a->opt, &opt)) ||
        parse_enum(command, "reduction", a->reduction, reds, 2, &red) ||
        parse_name(command, "scaling", pml_scaling_parse(a->scaling, &scaling)))
        return 2;
    pml_init init = PML_INIT_HE;
    float sigma = 0.01f;
    if (strcmp(a->init, "he") == 0) init = PML_INIT_HE;
    else if (strcmp(a->init, "xavier") == 0) init = PML_INIT_XAVIER;
    else if (strcmp(a->init, "randn") == 0) init = PML_INIT_RANDN;
    else if (strncmp(a->init, "normal:", 7) == 0 && (sigma = (float)atof(a->init + 7)) > 0)
        init = PML_INIT_NORMAL;
    else {
        fprintf(stderr, "physml %s: --init: '%s' is not he, xavier, randn or normal:SIGMA\n",
                command, a->init);
        return 2;
    }
    pml_augment aug;
    if (parse_augment(command, a->augment, &aug)) return 2;
    if (a->batch < 1 || a->epochs < 1 || !(a->val >= 0 && a->val < 1) || a->early_stop < 0 ||
        a->subset < 0) {
        fprintf(stderr, "physml %s: --batch and --epochs must be >= 1, --val in [0, 1), "
                        "--early-stop and --subset >= 0\n", command);
        return 2;
    }
    if (a->early_stop > 0 && !(a->val > 0)) {
        fprintf(stderr, "physml %s: --early-stop needs a validation set (--val FRACTION > 0)\n",
                command);
        return 2;
    }
    if (pml_mkdirs(a->out) != 0) {
        fprintf(stderr, "physml %s: cannot create the output directory '%s'\n", command, a->out);
        return 1;
    }
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
    if ((s = pml_dataset_load(dev, dir, PML_SPLIT_TEST, &test)) != PML_OK) FAIL("loading the test set");
    pml_dataset *base = full;
    if (a->subset > 0 && a->subset < pml_dataset_size(full)) {
        if ((s = pml_dataset_head(full, a->subset, &sub)) != PML_OK) FAIL("taking a subset");
        base = sub;
    }
    pml_dataset *tbase = test;
    if (a->test_subset > 0 && a->test_subset < pml_dataset_size(test)) {
        if ((s = pml_dataset_head(test, a->test_subset, &tsub)) != PML_OK) FAIL("taking a test subset");
        tbase = tsub;
    }
    if (a->val > 0) {
        if ((s = pml_dataset_split(base, a->val, a->seed, &train, &val)) != PML_OK)
            FAIL("splitting off the validation set");
    }
    pml_dataset *tr = train ? train : base;
    int64_t max_batch = a->batch > 256 ? a->batch : 256;
    if ((s = pml_model_from_spec(dev, a->arch, pml_dataset_features(tr), max_batch, init, sigma,
                                 a->seed, &m)) != PML_OK)
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
    pml_optim_config oc = pml_optim_defaults(opt);
    oc.lr = a->lr;
    oc.momentum = a->momentum;
    oc.nesterov = a->nesterov;
    oc.weight_decay = a->weight_decay;
    if ((s = pml_optimizer_create(dev, &oc, &op)) != PML_OK) FAIL("optimiser");
    pml_train_config tc = pml_train_defaults();
    tc.epochs = (int)a->epochs;
    tc.batch = a->batch;
    tc.loss = loss;
    tc.reduction = (pml_reduction)red;
    tc.scaling = scaling;
    tc.augment = aug;
    tc.early_stop = (int)a->early_stop;
    tc.seed = a->seed;
    tc.no_shuffle = a->no_shuffle;
    tc.drop_last = a->drop_last;
    if ((s = pml_schedule_parse(a->schedule, a->lr, &tc.schedule)) != PML_OK) FAIL("--schedule");
    cb_state cb = {command, a->json, a->quiet, {0}, 0, ""};
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
        fprintf(stderr, "  loss %s (%s over the batch), %s lr %g, schedule %s, batch %ld, "
                        "%ld epochs, inputs %s\n",
                a->loss, a->reduction, a->opt, a->lr, a->schedule, a->batch, a->epochs, a->scaling);
    }
    if (!a->json)
        printf("%5s  %12s  %9s  %12s  %9s  %9s  %7s\n", "epoch", "train_loss", "train_acc",
               "val_loss", "val_acc", "lr", "seconds");
    s = pml_train(m, op, tr, val, &tc, &res);
    if (res.epochs_run > 0 && write_curve(a->out, &res, o) != 0)
        fprintf(stderr, "physml %s: cannot write %s\n", command, o->dat);
    if (s != PML_OK) FAIL("training stopped");
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
