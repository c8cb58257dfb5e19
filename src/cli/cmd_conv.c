/* physml conv demo: the primer's Section VI worked through by physml's own convolution
 * layers. Fig. 7-11: the 6x6 image convolved with the 2x2 filter of ones at stride 1 and 2
 * and with padding, printed. Fig. 8 and 12: the vertical, horizontal and X-shaped 3x3 filters
 * on an image, each followed by ReLU and 2x2 max pooling, then a second layer (the horizontal
 * filter on each pooled map, ReLU, pooling), drawn as one PNG grid. */
#include <stdlib.h>
#include <string.h>

#include "cli/conv_pictures.h"

/* Fig. 7 */
static const float fig7[36] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 2, 1, 1, 1,
                               1, 1, 2, 2, 1, 0, 0, 1, 2, 2, 0, 0, 0, 0, 2, 1, 0, 0};
/* The 6x6 example through conv:1:2 with `opts`: the output into out (side x side). */
static pml_status primer_case(pml_device *dev, const char *opts, float *out, int *side)
{
    char spec[64];
    snprintf(spec, sizeof spec, "conv:1:2%s:nobias", opts);
    static const float ones[4] = {1, 1, 1, 1};
    pml_model *m = NULL;
    PML_TRY(pml_conv_fixed_model(dev, spec, 1, 6, 6, 1, ones, &m));
    pml_tensor *x = NULL;
    pml_status s = pml_tensor_create_2d(dev, PML_F32, 1, 36, &x);
    if (s == PML_OK) s = pml_tensor_upload(x, fig7, sizeof fig7);
    const pml_tensor *y = NULL;
    if (s == PML_OK) s = pml_model_forward(m, x, 1, &y);
    int64_t d[3];
    pml_layer_out_shape(pml_model_layer(m, 0), d);
    *side = (int)d[1];
    if (s == PML_OK) s = pml_tensor_download(y, out, (size_t)(d[1] * d[2]) * sizeof *out);
    pml_tensor_destroy(x);
    pml_model_destroy(m);
    return s;
}

static void print_map(const char *title, const float *v, int side)
{
    printf("%s (%dx%d):\n", title, side, side);
    for (int y = 0; y < side; ++y) {
        for (int x = 0; x < side; ++x) printf("%3g", (double)v[y * side + x]);
        printf("\n");
    }
}

/* The image: a .npy of H x W (or 1 x H x W) floats, or test image `index` of dir. */
static int load_image(const char *cmd, pml_device *dev, const char *dir, int64_t index,
                      const char *npy, float **img, int *h, int *w)
{
    pml_status s = PML_OK;
    if (npy) {
        pml_tensor *t = NULL;
        if ((s = pml_npy_read(dev, npy, &t)) != PML_OK) return pml_cli_fail(cmd, npy, s);
        const int nd = pml_tensor_ndim(t);
        const int ok = pml_tensor_dtype(t) == PML_F32 && (nd == 2 || (nd == 3 && pml_tensor_dim(t, 0) == 1)) &&
                       pml_tensor_dim(t, nd - 1) >= 4 && pml_tensor_dim(t, nd - 2) >= 4 &&
                       pml_tensor_dim(t, nd - 1) <= 1024 && pml_tensor_dim(t, nd - 2) <= 1024;
        if (!ok) {
            pml_tensor_destroy(t);
            return pml_cli_usage(cmd, "image", "%s: needs a float32 H x W (or 1 x H x W) array, "
                                 "4..1024 on a side", npy);
        }
        *h = (int)pml_tensor_dim(t, nd - 2);
        *w = (int)pml_tensor_dim(t, nd - 1);
        *img = malloc((size_t)(*h * *w) * sizeof **img);
        s = *img ? pml_tensor_download(t, *img, (size_t)(*h * *w) * sizeof **img)
                 : pml_set_error(PML_ERR_OUT_OF_MEMORY, "out of host memory");
        pml_tensor_destroy(t);
        return s == PML_OK ? 0 : pml_cli_fail(cmd, npy, s);
    }
    return pml_conv_test_image(cmd, dev, dir, index, img, h, w);
}

static int demo(int argc, char **argv)
{
    static const char cmd[] = "conv demo";
    const char *data = NULL, *image = NULL, *out = "out/conv", *device = "auto";
    int64_t index = 0;
    int json = 0, quiet = 0;
    const pml_opt opts[] = {
        {"data", PML_OPT_STR, &data, "DIR", "MNIST-format directory (default: Fashion-MNIST)"},
        {"index", PML_OPT_INT, &index, "I", "which test image (0)", 0, 1e9},
        {"image", PML_OPT_STR, &image, "X.npy", "a float32 H x W image instead (4..1024 a side)"},
        {"out", PML_OPT_STR, &out, "DIR", "fig12.png (out/conv)"},
        {"device", PML_OPT_STR, &device, "D", "auto (default), cpu, cuda, cuda:N"},
        {"json", PML_OPT_FLAG, &json, NULL, "one JSON object"},
        {"quiet", PML_OPT_FLAG, &quiet, NULL, "no file notes on stderr"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse(cmd, "conv demo [--image X.npy | --data DIR --index I] [--out DIR]",
                          "The primer's Fig. 7-11 (a 6x6 image and a 2x2 filter at stride 1 and "
                          "2, and padded) printed, and Fig. 8/12 (vertical, horizontal and X "
                          "filters, ReLU, max pooling, a second layer) drawn as a PNG grid.",
                          argc, argv, 3, opts);
    if (r) return r == 1 ? 0 : r;
    if (image && (data || index)) return pml_cli_usage(cmd, "image", "give --image or --data/--index");
    if (pml_cli_out_dir(cmd, out)) return 1;
    pml_device *dev = NULL;
    if ((r = pml_cli_open_device(cmd, device, &dev)) != 0) return r;
    float s1[25], s2[9], pad[49];
    int n1 = 0, n2 = 0, np = 0;
    pml_status s = primer_case(dev, "", s1, &n1);
    if (s == PML_OK) s = primer_case(dev, ":stride=2", s2, &n2);
    if (s == PML_OK) s = primer_case(dev, ":pad=1", pad, &np);
    if (s != PML_OK) {
        pml_device_close(dev);
        return pml_cli_fail(cmd, "the primer's example", s);
    }
    float *img = NULL;
    int h = 0, w = 0;
    r = load_image(cmd, dev, data, index, image, &img, &h, &w);
    if (r == 0) r = pml_conv_demo_picture(cmd, dev, img, h, w, out, quiet);
    free(img);
    pml_device_close(dev);
    if (r) return r;
    char png[PML_PATH_MAX];
    if (pml_cli_path(cmd, png, sizeof png, out, "fig12.png")) return 1;
    if (json) {
        pml_jsonl j;
        pml_jsonl_begin(&j, stdout);
        pml_jsonl_num_array(&j, "fig10_stride1", s1, 25);
        pml_jsonl_num_array(&j, "fig11_stride2", s2, 9);
        pml_jsonl_num_array(&j, "padded", pad, 49);
        pml_jsonl_str(&j, "fig12_png", png);
        pml_jsonl_end(&j);
        return 0;
    }
    print_map("Fig. 7, the image", fig7, 6);
    print_map("Fig. 10, convolved with the 2x2 filter of ones at stride 1", s1, n1);
    print_map("Fig. 11, the same at stride 2", s2, n2);
    print_map("padded by one pixel of zeros: the border pixels count as fully as the rest", pad,
              np);
    printf("Fig. 8/12: %s (rows: %s, %s, %s filters, made zero-sum; columns: image, filter, "
           "conv + ReLU, 2x2 max pool, layer 2 with the horizontal filter + ReLU, pool)\n", png,
           pml_conv_filter_names[0], pml_conv_filter_names[1], pml_conv_filter_names[2]);
    return 0;
}

int pml_cmd_conv(int argc, char **argv)
{
    static const pml_command sub[] = {
        {"demo", demo, "the primer's Fig. 7-12: convolution, stride, padding, filters, pooling"},
        {NULL, NULL, NULL},
    };
    return pml_cli_subcommand("conv", sub, argc, argv);
}
