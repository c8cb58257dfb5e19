/* physml predict: a saved model's outputs for a dataset split or a NumPy array, as .npy. */
#include <stdlib.h>
#include <string.h>

#include "cli/train_common.h"

/* The outputs of m for n rows of x (the model's dtype, n x in_features or shaped N x C x H x W),
 * in batches of the model's max_batch, into host floats out (n x out_features). */
static pml_status forward_rows(pml_model *m, pml_tensor *x, int64_t n, float *out)
{
    const int64_t in_f = pml_model_in_features(m), out_f = pml_model_out_features(m);
    const int64_t mb = pml_model_max_batch(m);
    for (int64_t at = 0; at < n; at += mb) {
        const int64_t count = n - at < mb ? n - at : mb;
        pml_tensor *v = NULL;
        PML_TRY(pml_tensor_view(x, at * in_f, 2, (const int64_t[]){count, in_f}, &v));
        const pml_tensor *y = NULL;
        pml_status s = pml_model_forward(m, v, count, &y);
        if (s == PML_OK) /* the first `count` rows of the output buffer */
            s = pml_tensor_download_head(y, out + at * out_f, (size_t)(count * out_f) * 4);
        pml_tensor_destroy(v);
        PML_TRY(s);
    }
    return PML_OK;
}

/* An array from --input as the model's F32 rows: F32 or F64 (converted), N x features or
 * N x C x H x W matching the model's input shape. */
static int input_rows(const char *cmd, pml_device *dev, pml_model *m, const char *path,
                      pml_tensor **out, int64_t *n)
{
    pml_tensor *t = NULL;
    pml_status s = pml_npy_read(dev, path, &t);
    if (s != PML_OK) return pml_cli_fail(cmd, path, s);
    int64_t dims[3];
    const int nd = pml_model_in_shape(m, dims);
    const int ndim = pml_tensor_ndim(t);
    int ok = ndim >= 1 && (pml_tensor_dtype(t) == PML_F32 || pml_tensor_dtype(t) == PML_F64);
    int64_t rows = ok ? pml_tensor_dim(t, 0) : 0, feats = 1;
    for (int i = 1; ok && i < ndim; ++i) feats *= pml_tensor_dim(t, i);
    ok = ok && rows >= 1 && feats == pml_model_in_features(m);
    if (ok && ndim == nd + 1 && ndim > 2)
        for (int i = 0; i < nd; ++i) ok = ok && pml_tensor_dim(t, i + 1) == dims[i];
    ok = ok && (ndim == 2 || ndim == nd + 1);
    if (!ok) {
        char shape[48] = "", want[48] = "";
        for (int i = 0, len = 0; i < ndim && i < 4; ++i)
            len += snprintf(shape + len, sizeof shape - (size_t)len, "%s%lld", i ? "x" : "",
                            (long long)pml_tensor_dim(t, i));
        for (int i = 0, len = 0; i < nd; ++i)
            len += snprintf(want + len, sizeof want - (size_t)len, "x%lld", (long long)dims[i]);
        fprintf(stderr, "physml %s: --input %s: a %s array of %s; the model takes "
                        "float32/float64 N x %lld or N%s\n", cmd, path,
                pml_dtype_name(pml_tensor_dtype(t)),
                shape, (long long)pml_model_in_features(m), want);
        pml_tensor_destroy(t);
        return 2;
    }
    if (pml_tensor_dtype(t) == PML_F64) { /* to the model's F32, through the host */
        const int64_t cnt = rows * feats;
        double *d = malloc((size_t)cnt * sizeof *d);
        float *f = malloc((size_t)cnt * sizeof *f);
        pml_tensor *c = NULL;
        s = d && f ? pml_tensor_download(t, d, (size_t)cnt * 8)
                   : pml_set_error(PML_ERR_OUT_OF_MEMORY, "out of host memory");
        for (int64_t i = 0; s == PML_OK && i < cnt; ++i) f[i] = (float)d[i];
        if (s == PML_OK) s = pml_tensor_create_2d(dev, PML_F32, rows, feats, &c);
        if (s == PML_OK) s = pml_tensor_upload(c, f, (size_t)cnt * 4);
        free(d), free(f);
        pml_tensor_destroy(t);
        if (s != PML_OK) {
            pml_tensor_destroy(c);
            return pml_cli_fail(cmd, path, s);
        }
        t = c;
    }
    *out = t;
    *n = rows;
    return 0;
}

int pml_cmd_predict(int argc, char **argv)
{
    static const char cmd[] = "predict";
    const char *model = NULL, *data = NULL, *input = NULL, *outp = NULL, *device = "auto";
    const char *split = "test";
    int json = 0, quiet = 0;
    int64_t batch = 256;
    const pml_opt opts[] = {
        {"model", PML_OPT_STR, &model, "FILE", "a model saved by physml train --save"},
        {"data", PML_OPT_STR, &data, "DIR", "MNIST-format directory (default: Fashion-MNIST)"},
        {"split", PML_OPT_CHOICE, &split, "S", "which part of the dataset (test)",
         .choices = "test|train"},
        {"input", PML_OPT_STR, &input, "X.npy",
         "a float32/float64 array instead: N x features or N x C x H x W, as the model takes"},
        {"out", PML_OPT_STR, &outp, "Y.npy", "where the outputs go (N x outputs, float32)"},
        {"batch", PML_OPT_INT, &batch, "N", "examples per forward pass (256)", 1, 1 << 16},
        {"device", PML_OPT_STR, &device, "D", "auto (default), cpu, cuda, cuda:N"},
        {"json", PML_OPT_FLAG, &json, NULL, "one JSON object"},
        {"quiet", PML_OPT_FLAG, &quiet, NULL, "no file notes on stderr"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse(cmd, "predict --model FILE (--data DIR | --input X.npy) --out Y.npy "
                               "[--json]",
                          "A saved model's outputs (the last layer's: logits or probabilities) "
                          "for a dataset split or a NumPy array, written as a .npy of N rows.",
                          argc, argv, 2, opts);
    if (r) return r == 1 ? 0 : r;
    if (!model) return pml_cli_usage(cmd, "model", "a model file is required");
    if (!outp) return pml_cli_usage(cmd, "out", "an output file (.npy) is required");
    if (data && input) return pml_cli_usage(cmd, "input", "give --data or --input, not both");
    if (pml_cli_out_file(cmd, "--out", outp)) return 1;
    pml_device *dev = NULL;
    if ((r = pml_cli_open_device(cmd, device, &dev)) != 0) return r;
    pml_model *m = NULL;
    pml_dataset *ds = NULL;
    pml_tensor *x = NULL, *y = NULL, *labels = NULL;
    int32_t *lab = NULL;
    float *host = NULL;
    pml_safetensors st;
    memset(&st, 0, sizeof st);
    int rc = 0;
    int64_t n = 0, correct = -1;
    pml_status s = pml_safetensors_read(dev, model, &st);
    if (s == PML_OK) s = pml_model_from_safetensors(dev, &st, model, batch, &m);
    if (s != PML_OK) {
        rc = pml_cli_fail(cmd, model, s);
        goto done;
    }
    const int64_t out_f = pml_model_out_features(m);
    if (input) {
        if ((rc = input_rows(cmd, dev, m, input, &x, &n)) != 0) goto done;
        host = malloc((size_t)(n * out_f) * sizeof *host);
        s = host ? forward_rows(m, x, n, host)
                 : pml_set_error(PML_ERR_OUT_OF_MEMORY, "out of host memory");
    } else {
        pml_scaling scaling = PML_SCALE_UNIT;
        const char *ms = pml_safetensors_meta(&st, "physml_scaling");
        if (ms && (s = pml_scaling_parse(ms, &scaling)) != PML_OK) {
            rc = pml_cli_fail(cmd, model, s);
            goto done;
        }
        s = pml_dataset_load_expect(dev, data ? data : pml_data_default_dir(),
                                    strcmp(split, "train") == 0 ? PML_SPLIT_TRAIN : PML_SPLIT_TEST,
                                    pml_model_in_features(m), &ds);
        if (s != PML_OK) {
            rc = pml_cli_fail(cmd, "loading the data", s);
            goto done;
        }
        n = pml_dataset_size(ds);
        host = malloc((size_t)(n * out_f) * sizeof *host);
        if (host == NULL) s = pml_set_error(PML_ERR_OUT_OF_MEMORY, "out of host memory");
        if (s == PML_OK) s = pml_tensor_create_2d(dev, PML_F32, n, pml_model_in_features(m), &x);
        if (s == PML_OK) s = pml_tensor_create_1d(dev, PML_I32, n, &labels);
        if (s == PML_OK) s = pml_dataset_batch(ds, 0, n, scaling, NULL, 0, 0, x, labels);
        if (s == PML_OK) s = forward_rows(m, x, n, host);
        if (s == PML_OK && out_f >= pml_dataset_classes(ds)) { /* a classifier's accuracy */
            lab = malloc((size_t)n * sizeof *lab);
            s = lab ? pml_tensor_download(labels, lab, (size_t)n * sizeof *lab)
                    : pml_set_error(PML_ERR_OUT_OF_MEMORY, "out of host memory");
            correct = 0;
            for (int64_t i = 0; s == PML_OK && i < n; ++i) {
                int64_t best = 0;
                for (int64_t j = 1; j < out_f; ++j)
                    if (host[i * out_f + j] > host[i * out_f + best]) best = j;
                correct += best == lab[i];
            }
        }
    }
    if (s == PML_OK) s = pml_tensor_create_2d(dev, PML_F32, n, out_f, &y);
    if (s == PML_OK) s = pml_tensor_upload(y, host, (size_t)(n * out_f) * 4);
    if (s == PML_OK) s = pml_npy_write(outp, y);
    if (s != PML_OK) {
        rc = pml_cli_fail(cmd, "predicting", s);
        goto done;
    }
    if (!quiet) fprintf(stderr, "wrote %s\n", outp);
    if (json) {
        pml_jsonl j;
        pml_jsonl_begin(&j, stdout);
        pml_jsonl_str(&j, "model", model);
        pml_jsonl_str(&j, "spec", pml_model_spec(m));
        pml_jsonl_str(&j, "source", input ? input : split);
        pml_jsonl_int(&j, "examples", (long long)n);
        pml_jsonl_int(&j, "outputs", (long long)out_f);
        pml_jsonl_str(&j, "out", outp);
        if (correct >= 0) pml_jsonl_num(&j, "accuracy", (double)correct / (double)n);
        pml_jsonl_end(&j);
    } else {
        printf("%lld examples -> %s (%lld x %lld float32)", (long long)n, outp, (long long)n,
               (long long)out_f);
        if (correct >= 0) printf("; accuracy %.2f%%", 100.0 * (double)correct / (double)n);
        printf("\n");
    }
done:
    free(host);
    free(lab);
    pml_tensor_destroy(labels);
    pml_tensor_destroy(y);
    pml_tensor_destroy(x);
    pml_dataset_destroy(ds);
    pml_model_destroy(m);
    pml_safetensors_free(&st);
    pml_device_close(dev);
    return rc;
}
