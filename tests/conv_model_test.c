/* Convolutional models as a whole, on the CPU: every image kind's spec item parses back to the
 * same layer; shapes that do not fit are one-line errors naming the item and the shapes; a
 * CNN with batch norm saves and loads to the same outputs (running statistics included); and
 * a short real training run on Fashion-MNIST reaches a floor. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pml_test.h"
#include "physml/physml.h"

TestSuite(conv_model, .init = pml_test_tmpdir_create, .fini = pml_test_tmpdir_remove);

static pml_status shaped(pml_device *dev, int64_t c, int64_t h, int64_t w, int64_t batch,
                         const char *spec, pml_model **out)
{
    pml_model *m = NULL;
    PML_ASSERT_OK(pml_model_create_shaped(dev, PML_F32, 3, (int64_t[]){c, h, w}, batch, &m));
    const pml_status s = pml_model_add_spec(m, spec, PML_INIT_HE, 0.0f, 2);
    if (s != PML_OK) {
        pml_model_destroy(m);
        return s;
    }
    *out = m;
    return PML_OK;
}

Test(conv_model, image_kinds_round_trip_their_spec_items)
{
    pml_device *dev = pml_test_open_cpu();
    static const char *const items[] = {
        "conv:4:3",           "conv:4:3:stride=2",  "conv:4:3:pad=same",      "conv:4:5:pad=2",
        "conv:2:3:nobias",    "convt:3:4:stride=2:pad=1:outpad=1",            "convt:2:2:nobias",
        "maxpool:2",          "maxpool:3:2",        "avgpool:2",              "avgpool:3:1",
        "gap",                "flatten",            "dropout:0.3",            "batchnorm"};
    for (size_t i = 0; i < sizeof items / sizeof items[0]; ++i) {
        pml_model *m = NULL, *again = NULL;
        PML_ASSERT_OK(shaped(dev, 2, 9, 9, 2, items[i], &m));
        cr_expect_str_eq(pml_model_spec(m), items[i]);
        PML_ASSERT_OK(shaped(dev, 2, 9, 9, 2, pml_model_spec(m), &again));
        cr_expect_str_eq(pml_model_spec(again), items[i]);
        int64_t a[3], b[3];
        pml_layer_out_shape(pml_model_layer(m, 0), a);
        pml_layer_out_shape(pml_model_layer(again, 0), b);
        cr_expect(memcmp(a, b, sizeof a) == 0, "%s", items[i]);
        pml_model_destroy(again);
        pml_model_destroy(m);
    }
    /* the fused activations keep their positions: conv 0-1, pool 2, flatten 3, dense 4 */
    pml_model *m = NULL;
    PML_ASSERT_OK(shaped(dev, 1, 8, 8, 2, "conv:3:3,relu,maxpool:2,flatten,dense:5", &m));
    const char *name = NULL;
    PML_ASSERT_OK(pml_model_param_tensor(m, 2, &name, NULL, NULL));
    cr_expect_str_eq(name, "4.weight");
    pml_tensor *w = NULL;
    PML_ASSERT_OK(pml_model_param_tensor(m, 0, NULL, &w, NULL));
    cr_expect_eq(pml_tensor_ndim(w), 4);
    cr_expect_eq(pml_tensor_dim(w, 0), 3);
    cr_expect_eq(pml_tensor_dim(w, 1), 1);
    cr_expect_eq(pml_tensor_dim(w, 2), 3);
    pml_model_destroy(m);
    pml_device_close(dev);
}

/* A spec that cannot fit its input: the status, and the message names the item and shapes. */
static void refused(const char *spec, int64_t c, int64_t h, int64_t w, const char *part1,
                    const char *part2)
{
    pml_device *dev = pml_test_open_cpu();
    pml_model *m = NULL;
    const pml_status s = shaped(dev, c, h, w, 2, spec, &m);
    cr_expect_eq(s, PML_ERR_INVALID_ARGUMENT, "%s: %s", spec, pml_status_string(s));
    const char *msg = pml_last_error();
    cr_expect(strstr(msg, part1) && strstr(msg, part2), "%s: '%s' lacks '%s' or '%s'", spec, msg,
              part1, part2);
    cr_expect(strchr(msg, '\n') == NULL, "one line: %s", msg);
    pml_model_destroy(m);
    pml_device_close(dev);
}

Test(conv_model, shapes_that_do_not_fit_are_named)
{
    refused("conv:4:7", 1, 5, 5, "conv:4:7", "1x5x5");
    refused("conv:4:3,maxpool:2,conv:4:5", 1, 8, 8, "conv:4:5", "4x3x3");
    refused("maxpool:4", 2, 3, 3, "maxpool:4", "2x3x3");
    refused("flatten,conv:2:3", 1, 6, 6, "conv:2:3", "36");
    refused("conv:2:4:pad=same", 1, 6, 6, "pad=same", "odd");
    refused("convt:2:3:stride=2:outpad=2", 1, 4, 4, "outpad", "stride");
    refused("conv:2:3:stride=0", 1, 6, 6, "stride", "'0'");
    refused("conv:2:3:dilation=2", 1, 6, 6, "dilation", "conv:C:K");
    refused("dropout:1", 1, 4, 4, "dropout", "0 <= p < 1");
    refused("gap:2", 1, 4, 4, "gap", "no argument");
}

/* A layer whose im2col workspace cannot fit (30 GB for one 2048 x 128 x 128 image under a
 * 15 x 15 kernel; the columns are made a chunk of samples at a time, one here) is refused when
 * it is added, before any training, naming the layer, the workspace and the batch. */
Test(conv_model, a_workspace_that_does_not_fit_is_a_clear_error)
{
    pml_device *dev = pml_test_open_cpu();
    pml_model *m = NULL;
    const pml_status s = shaped(dev, 2048, 128, 128, 4, "conv:1:15:pad=7", &m);
    cr_expect_eq(s, PML_ERR_OUT_OF_MEMORY, "%s", pml_status_string(s));
    const char *msg = pml_last_error();
    cr_expect(strstr(msg, "conv:1:15:pad=7") && strstr(msg, "workspace") &&
                  strstr(msg, "batches of 4") && strstr(msg, "smaller batch or layer"),
              "%s", msg);
    cr_expect_null(m);
    pml_device_close(dev);
}

/* Evaluating, validating and predicting run in evaluation mode whatever mode the model was
 * left in: the same loss with dropout and batch norm in training mode as in evaluation mode. */
Test(conv_model, evaluation_ignores_the_training_mode)
{
    pml_device *dev = pml_test_open_cpu();
    pml_dataset *ds = pml_test_toy_dataset(dev, 64, 3);
    pml_model *m = NULL;
    PML_ASSERT_OK(shaped(dev, 1, 4, 4, 32, "conv:3:3:pad=same,batchnorm,relu,flatten,"
                                           "dropout:0.5,dense:4", &m));
    double l0 = 0, a0 = 0, l1 = 0, a1 = 0;
    PML_ASSERT_OK(pml_evaluate(m, ds, PML_LOSS_SOFTMAX_XENT, PML_SCALE_UNIT, &l0, &a0));
    PML_ASSERT_OK(pml_model_set_training(m, 1, 9, 1));
    PML_ASSERT_OK(pml_evaluate(m, ds, PML_LOSS_SOFTMAX_XENT, PML_SCALE_UNIT, &l1, &a1));
    cr_expect(l0 == l1 && a0 == a1, "loss %.17g vs %.17g", l0, l1);
    pml_tensor *x = NULL;
    PML_ASSERT_OK(pml_tensor_create_2d(dev, PML_F32, 8, 16, &x));
    PML_ASSERT_OK(pml_dataset_batch(ds, 0, 8, PML_SCALE_UNIT, NULL, 0, 0, x, NULL));
    int32_t p1[8], p0[8];
    PML_ASSERT_OK(pml_model_predict(m, x, 8, p1));
    PML_ASSERT_OK(pml_model_set_training(m, 0, 0, 0));
    PML_ASSERT_OK(pml_model_predict(m, x, 8, p0));
    cr_expect(memcmp(p0, p1, sizeof p0) == 0);
    pml_tensor_destroy(x);
    pml_model_destroy(m);
    pml_dataset_destroy(ds);
    pml_device_close(dev);
}

Test(conv_model, a_cnn_with_batchnorm_saves_and_loads_to_the_same_outputs)
{
    pml_device *dev = pml_test_open_cpu();
    pml_model *m = NULL;
    PML_ASSERT_OK(shaped(dev, 1, 12, 12, 4,
                         "conv:4:3:pad=same:nobias,batchnorm,relu,maxpool:2,conv:6:3,tanh,"
                         "avgpool:2,flatten,dropout:0.5,dense:3",
                         &m));
    float xs[4 * 144];
    for (int i = 0; i < 4 * 144; ++i) xs[i] = (float)((i * 37) % 101) / 101.0f;
    pml_tensor *x = pml_test_tensor(dev, PML_F32, 2, (int64_t[]){4, 144}, xs);
    /* a few training-mode forwards move the running statistics off their start */
    const pml_tensor *y = NULL;
    for (int k = 0; k < 3; ++k) {
        PML_ASSERT_OK(pml_model_set_training(m, 1, 5, (uint64_t)k));
        PML_ASSERT_OK(pml_model_forward(m, x, 4, &y));
    }
    PML_ASSERT_OK(pml_model_set_training(m, 0, 0, 0));
    PML_ASSERT_OK(pml_model_forward(m, x, 4, &y));
    float want[12];
    PML_ASSERT_OK(pml_tensor_download(y, want, sizeof want));
    const char *path = pml_test_tmppath("cnn.safetensors");
    PML_ASSERT_OK(pml_model_save(m, path, NULL));
    pml_model *back = NULL;
    PML_ASSERT_OK(pml_model_load(dev, path, 4, &back));
    cr_expect_str_eq(pml_model_spec(back), pml_model_spec(m));
    int64_t dims[3];
    cr_expect_eq(pml_model_in_shape(back, dims), 3);
    cr_expect(dims[0] == 1 && dims[1] == 12 && dims[2] == 12);
    cr_expect_eq(pml_model_num_state_tensors(back), 9); /* 4 weights, 3 biases, 2 buffers */
    PML_ASSERT_OK(pml_model_forward(back, x, 4, &y));
    float got[12];
    PML_ASSERT_OK(pml_tensor_download(y, got, sizeof got));
    cr_expect(pml_test_equal_bytes("outputs after loading", got, want, 12, 4));
    char summary[2048];
    pml_model_summary(back, summary, sizeof summary);
    /* the workspace line is there when the model lends its layers one (im2col's columns);
     * the CPU's direct convolutions need none */
    cr_expect_eq(strstr(summary, "workspace") != NULL, pml_model_workspace_bytes(back) > 0, "%s",
                 summary);
    pml_tensor_destroy(x);
    pml_model_destroy(back);
    pml_model_destroy(m);
    pml_device_close(dev);
}

/* The CNN preset's blocks (half as wide) on the first 4,000 Fashion-MNIST training images for
 * 2 epochs of Adam, tested on the first 1,000 test images. Measured 80.8% on this machine
 * (Intel Xeon, 2 vCPUs); the floor is 76%. */
Test(conv_model, fashion_mnist_subset_reaches_floor, .timeout = 240)
{
    pml_device *dev = pml_test_open_cpu();
    pml_dataset *train_full = NULL, *test_full = NULL, *train = NULL, *test = NULL;
    const char *dir = pml_data_default_dir();
    PML_ASSERT_OK(pml_dataset_load(dev, dir, PML_SPLIT_TRAIN, &train_full));
    PML_ASSERT_OK(pml_dataset_load(dev, dir, PML_SPLIT_TEST, &test_full));
    PML_ASSERT_OK(pml_dataset_head(train_full, 4000, &train));
    PML_ASSERT_OK(pml_dataset_head(test_full, 1000, &test));
    pml_model *m = NULL;
    PML_ASSERT_OK(shaped(dev, 1, 28, 28, 256,
                         "conv:16:3:pad=same:nobias,batchnorm,relu,maxpool:2,conv:32:3:pad=same:"
                         "nobias,batchnorm,relu,maxpool:2,flatten,dropout:0.25,dense:64,relu,"
                         "dense:10",
                         &m));
    pml_optim_config oc = pml_optim_defaults(PML_OPTIM_ADAM);
    pml_optimizer *o = NULL;
    PML_ASSERT_OK(pml_optimizer_create(dev, &oc, &o));
    pml_train_config c = pml_train_defaults();
    c.epochs = 2;
    c.batch = 64;
    c.loss = PML_LOSS_SOFTMAX_XENT;
    PML_ASSERT_OK(pml_train(m, o, train, NULL, &c, NULL));
    double loss = 0, acc = 0;
    PML_ASSERT_OK(pml_evaluate(m, test, c.loss, c.scaling, &loss, &acc));
    cr_log_info("CNN on a Fashion-MNIST subset: test accuracy %.4f, loss %.4f", acc, loss);
    cr_expect(acc >= 0.76, "test accuracy %.4f below the floor 0.76", acc);
    pml_optimizer_destroy(o);
    pml_model_destroy(m);
    pml_dataset_destroy(train);
    pml_dataset_destroy(test);
    pml_dataset_destroy(train_full);
    pml_dataset_destroy(test_full);
    pml_device_close(dev);
}
