/* physml eval: a saved model's loss and accuracy on a dataset's test split. */
#include <math.h>
#include <string.h>

#include "cli/train_common.h"

int pml_cmd_eval(int argc, char **argv)
{
    const char *model = NULL, *data = NULL, *device = "auto", *split = "test";
    int json = 0;
    const pml_opt opts[] = {
        {"model", PML_OPT_STR, &model, "FILE", "a model saved by physml train --save"},
        {"data", PML_OPT_STR, &data, "DIR", "MNIST-format directory (default: Fashion-MNIST)"},
        {"split", PML_OPT_CHOICE, &split, "S", "which part of the dataset (test)",
         .choices = "test|train"},
        {"device", PML_OPT_STR, &device, "D", "auto (default), cpu, cuda, cuda:N"},
        {"json", PML_OPT_FLAG, &json, NULL, "one JSON object"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse("eval", "eval --model FILE [--data DIR] [--json]",
                          "Evaluate a saved model: mean loss and accuracy on a dataset.", argc,
                          argv, 2, opts);
    if (r) return r == 1 ? 0 : r;
    if (!model) return pml_cli_usage("eval", "model", "a model file is required");
    pml_device *dev = NULL;
    if ((r = pml_cli_open_device("eval", device, &dev)) != 0) return r;
    pml_model *m = NULL;
    pml_dataset *ds = NULL;
    pml_safetensors st;
    memset(&st, 0, sizeof st);
    int rc = 0;
    /* one read of the file: its model and its metadata come from the same bytes */
    pml_status s = pml_safetensors_read(dev, model, &st);
    if (s == PML_OK) s = pml_model_from_safetensors(dev, &st, model, 256, &m);
    if (s != PML_OK) {
        rc = pml_cli_fail("eval", model, s);
        goto done;
    }
    /* the loss and input scaling it was trained with, from the file's metadata; absent
     * names mean the defaults (a file saved by the library alone), a name this physml does not
     * know is an error, not a silent guess */
    pml_loss_kind loss = PML_LOSS_SOFTMAX_XENT;
    pml_scaling scaling = PML_SCALE_UNIT;
    const char *ml = pml_safetensors_meta(&st, "physml_loss");
    const char *ms = pml_safetensors_meta(&st, "physml_scaling");
    if ((ml && (s = pml_loss_parse(ml, &loss)) != PML_OK) ||
        (ms && (s = pml_scaling_parse(ms, &scaling)) != PML_OK)) {
        fprintf(stderr, "physml eval: %s: its metadata: %s\n", model, pml_last_error());
        rc = 1;
        goto done;
    }
    const char *dir = data ? data : pml_data_default_dir();
    /* images that do not fit the model are refused from the file's header, before a byte of
     * pixels is inflated */
    s = pml_dataset_load_expect(dev, dir,
                                strcmp(split, "train") == 0 ? PML_SPLIT_TRAIN : PML_SPLIT_TEST,
                                pml_model_in_features(m), &ds);
    if (s != PML_OK) {
        rc = pml_cli_fail("eval", "loading the data", s);
        goto done;
    }
    double lm = 0, acc = 0;
    s = pml_evaluate(m, ds, loss, scaling, &lm, &acc);
    if (s != PML_OK) {
        rc = pml_cli_fail("eval", "evaluating", s);
        goto done;
    }
    if (!isfinite(lm)) {
        fprintf(stderr, "physml eval: %s: the %s loss on the data is %g: the model's outputs are "
                        "not finite (are its weights?)\n", model, pml_loss_name(loss), lm);
        rc = 1;
        goto done;
    }
    if (json) {
        pml_jsonl j;
        pml_jsonl_begin(&j, stdout);
        pml_jsonl_str(&j, "model", model);
        pml_jsonl_str(&j, "spec", pml_model_spec(m));
        pml_jsonl_str(&j, "split", split);
        pml_jsonl_int(&j, "examples", (long long)pml_dataset_size(ds));
        pml_jsonl_str(&j, "loss_kind", pml_loss_name(loss));
        pml_jsonl_num(&j, "loss", lm);
        pml_jsonl_num(&j, "acc", acc);
        pml_jsonl_int(&j, "params", (long long)pml_model_param_count(m));
        pml_jsonl_end(&j);
    } else {
        printf("%s (%s, %lld parameters) on %s %s (%lld examples): %s loss %.6g, accuracy "
               "%.2f%%\n",
               model, pml_model_spec(m), (long long)pml_model_param_count(m), dir, split,
               (long long)pml_dataset_size(ds), pml_loss_name(loss), lm, 100.0 * acc);
    }
done:
    pml_safetensors_free(&st);
    pml_dataset_destroy(ds);
    pml_model_destroy(m);
    pml_device_close(dev);
    return rc;
}
