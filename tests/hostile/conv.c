/* physml predict and physml conv demo: usage errors name the option and exit 2 before any
 * work; an array of the wrong shape for the model is refused by name. */
#include "hostile.h"

#include <stdio.h>
#include <string.h>

#include "physml/physml.h"

HOSTILE(predict_and_conv_usage)
{
    USAGE("--model", "predict", "--out", pml_test_tmppath("y.npy"));
    USAGE("--out", "predict", "--model", "m.safetensors");
    USAGE("--input", "predict", "--model", "m", "--out", pml_test_tmppath("y.npy"), "--data",
          "/nonexistent", "--input", "x.npy");
    USAGE("--batch", "predict", "--model", "m", "--out", pml_test_tmppath("y.npy"), "--batch",
          "0");
    USAGE("--split", "predict", "--model", "m", "--out", pml_test_tmppath("y.npy"), "--split",
          "val");
    USAGE("--index", "conv", "demo", "--index", "-1");
    USAGE("--image", "conv", "demo", "--image", "x.npy", "--index", "3");
    cr_expect_eq(PHYSML("conv"), 2);
    cr_expect_eq(PHYSML("conv", "nope"), 2);
    cr_expect(strstr(hostile_err, "nope") != NULL, "%s", hostile_err);
    cr_expect_eq(PHYSML("predict", "--model", "/nonexistent.safetensors", "--out",
                        pml_test_tmppath("y.npy")),
                 1);
    cr_expect(strstr(hostile_err, "/nonexistent.safetensors") != NULL, "%s", hostile_err);
}

/* An array whose shape is not the model's input: exit 2 naming --input and both shapes, and
 * no output file. */
HOSTILE(predict_refuses_an_array_of_another_shape)
{
    pml_device *dev = pml_test_open_cpu();
    pml_model *m = NULL;
    PML_ASSERT_OK(pml_model_create_shaped(dev, PML_F32, 3, (int64_t[]){1, 8, 8}, 4, &m));
    PML_ASSERT_OK(pml_model_add_spec(m, "conv:2:3,relu,flatten,dense:3", PML_INIT_HE, 0, 1));
    char model[256], x[256], y[256];
    snprintf(model, sizeof model, "%s", pml_test_tmppath("m.safetensors"));
    snprintf(x, sizeof x, "%s", pml_test_tmppath("x.npy"));
    snprintf(y, sizeof y, "%s", pml_test_tmppath("y.npy"));
    PML_ASSERT_OK(pml_model_save(m, model, NULL));
    pml_tensor *t = NULL;
    PML_ASSERT_OK(pml_tensor_create(dev, PML_F32, 4, (int64_t[]){2, 1, 8, 7}, &t));
    PML_ASSERT_OK(pml_tensor_zero(t));
    PML_ASSERT_OK(pml_npy_write(x, t));
    cr_expect_eq(PHYSML("predict", "--model", model, "--input", x, "--out", y), 2);
    cr_expect(strstr(hostile_err, "--input") && strstr(hostile_err, "2x1x8x7") &&
                  strstr(hostile_err, "1x8x8"),
              "%s", hostile_err);
    FILE *f = fopen(y, "rb");
    cr_expect_null(f, "an output was written");
    if (f) fclose(f);
    pml_tensor_destroy(t);
    pml_model_destroy(m);
    pml_device_close(dev);
}
