/* Pictures of convolutional networks: learned filters and feature maps, and the primer's
 * Fig. 8/12 (conv_pictures.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/conv_pictures.h"

void pml_conv_panel(const float *map, int h, int w, float *panel, int side)
{
    float lo = map[0];
    for (int i = 1; i < h * w; ++i) lo = map[i] < lo ? map[i] : lo;
    const int f = side / (h > w ? h : w) > 0 ? side / (h > w ? h : w) : 1;
    for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x)
            panel[y * side + x] = y / f < h && x / f < w ? map[(y / f) * w + x / f] : lo;
}

int pml_conv_pictures(const char *cmd, const char *dir, pml_model *m, const pml_tensor *x,
                      int64_t count, int quiet, int *written)
{
    *written = 0;
    pml_layer *l = pml_model_layer(m, 0);
    if (l == NULL || strcmp(pml_layer_kind(l), "conv") != 0) return 0;
    if (pml_model_dtype(m) != PML_F32) return 0; /* the tool's models are F32 */
    int64_t in[3], out[3];
    pml_layer_in_shape(l, in);
    pml_layer_out_shape(l, out);
    pml_tensor *w = pml_layer_param(l, 0);
    const int64_t cout = pml_tensor_dim(w, 0), cin = pml_tensor_dim(w, 1);
    const int64_t k = pml_tensor_dim(w, 2), kk = k * pml_tensor_dim(w, 3);
    const int64_t shown = out[0] < 16 ? out[0] : 16, plane = out[1] * out[2];
    if (count > pml_model_max_batch(m)) count = pml_model_max_batch(m);
    float *wh = malloc((size_t)pml_tensor_numel(w) * sizeof *wh);
    float *filt = malloc((size_t)(cout * kk) * sizeof *filt);
    float *maps = malloc((size_t)(count * out[0] * plane) * sizeof *maps);
    float *grid = malloc((size_t)(count * shown * plane) * sizeof *grid);
    pml_status s = wh && filt && maps && grid ? PML_OK
                                             : pml_set_error(PML_ERR_OUT_OF_MEMORY,
                                                             "out of host memory");
    /* the weights as F32 [cout, cin, k, k]: input channel 0 of each filter */
    if (s == PML_OK)
        s = pml_tensor_download(w, wh, (size_t)pml_tensor_numel(w) * sizeof *wh);
    for (int64_t o = 0; s == PML_OK && o < cout; ++o)
        memcpy(filt + o * kk, wh + o * cin * kk, (size_t)kk * sizeof *filt);
    const pml_tensor *y = NULL;
    if (s == PML_OK) s = pml_model_forward(m, x, count, &y);
    /* the first `count` rows of the layer's output */
    pml_tensor *rows = NULL;
    if (s == PML_OK)
        s = pml_tensor_view((pml_tensor *)pml_layer_output(l), 0, 1,
                            (const int64_t[]){count * out[0] * plane}, &rows);
    if (s == PML_OK)
        s = pml_tensor_download(rows, maps, (size_t)(count * out[0] * plane) * sizeof *maps);
    pml_tensor_destroy(rows);
    for (int64_t i = 0; s == PML_OK && i < count; ++i)
        memcpy(grid + i * shown * plane, maps + i * out[0] * plane,
               (size_t)(shown * plane) * sizeof *grid);
    int rc = 0;
    if (s != PML_OK) rc = pml_cli_fail(cmd, "drawing the filters", s);
    if (rc == 0)
        rc = pml_cli_image_grid(cmd, dir, "filters.png", filt, cout, (int)k, (int)k, 8,
                                k <= 5 ? 12 : 4, 1, quiet);
    if (rc == 0)
        rc = pml_cli_image_grid(cmd, dir, "features.png", grid, count * shown, (int)out[1],
                                (int)out[2], (int)shown, 2, 1, quiet);
    free(wh), free(filt), free(maps), free(grid);
    if (rc == 0) *written = 1;
    return rc;
}

int pml_conv_test_image(const char *cmd, pml_device *dev, const char *dir, int64_t index,
                        float **img, int *h, int *w)
{
    pml_dataset *ds = NULL;
    pml_status s = pml_dataset_load(dev, dir ? dir : pml_data_default_dir(), PML_SPLIT_TEST, &ds);
    if (s != PML_OK) return pml_cli_fail(cmd, "loading the data", s);
    if (index >= pml_dataset_size(ds)) {
        const long long n = (long long)pml_dataset_size(ds);
        pml_dataset_destroy(ds);
        return pml_cli_usage(cmd, "index", "%lld is past the test set's %lld images",
                             (long long)index, n);
    }
    *h = pml_dataset_rows(ds);
    *w = pml_dataset_cols(ds);
    pml_tensor *x = NULL;
    s = pml_tensor_create_2d(dev, PML_F32, 1, (int64_t)*h * *w, &x);
    if (s == PML_OK) s = pml_dataset_batch(ds, index, 1, PML_SCALE_UNIT, NULL, 0, 0, x, NULL);
    *img = malloc((size_t)(*h * *w) * sizeof **img);
    if (s == PML_OK && !*img) s = pml_set_error(PML_ERR_OUT_OF_MEMORY, "out of host memory");
    if (s == PML_OK) s = pml_tensor_download(x, *img, (size_t)(*h * *w) * sizeof **img);
    pml_tensor_destroy(x);
    pml_dataset_destroy(ds);
    return s == PML_OK ? 0 : pml_cli_fail(cmd, "reading the image", s);
}

#define PANEL 112 /* pixels per panel side */

/* Fig. 8's vertical and horizontal line filters, and an X, each less its mean: as printed
 * (entries 0 and 1) they only blur along their line, since every pixel of an image is >= 0;
 * made zero-sum they give 0 on flat regions, so ReLU keeps the lines they match. */
#define T (2.0f / 3.0f)
#define U (-1.0f / 3.0f)
#define X5 (4.0f / 9.0f)
#define O4 (-5.0f / 9.0f)
static const float filters[3][9] = {{U, T, U, U, T, U, U, T, U},
                                    {U, U, U, T, T, T, U, U, U},
                                    {X5, O4, X5, O4, X5, O4, X5, O4, X5}};
#undef T
#undef U
#undef X5
#undef O4
const char *const pml_conv_filter_names[3] = {"vertical", "horizontal", "X"};

pml_status pml_conv_fixed_model(pml_device *dev, const char *spec, int64_t c, int64_t h, int64_t wd,
                       int64_t batch, const float *w, pml_model **out)
{
    pml_model *m = NULL;
    PML_TRY(pml_model_create_shaped(dev, PML_F32, 3, (const int64_t[]){c, h, wd}, batch, &m));
    pml_status s = pml_model_add_spec(m, spec, PML_INIT_ZERO, 0.0f, 0);
    pml_tensor *wt = s == PML_OK ? pml_layer_param(pml_model_layer(m, 0), 0) : NULL;
    if (s == PML_OK) s = pml_tensor_upload(wt, w, (size_t)pml_tensor_numel(wt) * sizeof *w);
    if (s != PML_OK) {
        pml_model_destroy(m);
        return s;
    }
    *out = m;
    return PML_OK;
}

/* Rows: the three filters; columns: input, filter, conv+ReLU, pooled, then layer 2's
 * horizontal filter on the pooled map with ReLU, and pooled again. */
int pml_conv_demo_picture(const char *cmd, pml_device *dev, const float *img, int h, int w,
                const char *out, int quiet)
{
    enum { COLS = 6 };
    float all[27];
    for (int f = 0; f < 3; ++f) memcpy(all + 9 * f, filters[f], sizeof filters[f]);
    pml_model *l1 = NULL, *l2 = NULL;
    pml_tensor *x = NULL, *x2 = NULL;
    const int h2 = h / 2, w2 = w / 2, h4 = h2 / 2, w4 = w2 / 2;
    const size_t p1 = (size_t)(h * w), p2 = (size_t)(h2 * w2), p4 = (size_t)(h4 * w4);
    float *m1 = malloc(3 * p1 * sizeof *m1), *q1 = malloc(3 * p2 * sizeof *q1);
    float *m2 = malloc(3 * p2 * sizeof *m2), *q2 = malloc(3 * p4 * sizeof *q2);
    float *panels = malloc((size_t)(3 * COLS * PANEL * PANEL) * sizeof *panels);
    const pml_tensor *y = NULL;
    pml_status s = m1 && q1 && m2 && q2 && panels
                       ? PML_OK
                       : pml_set_error(PML_ERR_OUT_OF_MEMORY, "out of host memory");
    if (s == PML_OK) s = pml_conv_fixed_model(dev, "conv:3:3:pad=same:nobias,relu,maxpool:2", 1, h, w, 1, all, &l1);
    if (s == PML_OK) s = pml_tensor_create_2d(dev, PML_F32, 1, (int64_t)p1, &x);
    if (s == PML_OK) s = pml_tensor_upload(x, img, p1 * sizeof *img);
    if (s == PML_OK) s = pml_model_forward(l1, x, 1, &y);
    if (s == PML_OK) s = pml_tensor_download(pml_layer_output(pml_model_layer(l1, 0)), m1, 3 * p1 * 4);
    if (s == PML_OK) s = pml_tensor_download(y, q1, 3 * p2 * 4);
    /* layer 2: the horizontal filter on each pooled map (a batch of three one-channel maps) */
    if (s == PML_OK)
        s = pml_conv_fixed_model(dev, "conv:1:3:pad=same:nobias,relu,maxpool:2", 1, h2, w2, 3, filters[1], &l2);
    if (s == PML_OK) s = pml_tensor_create_2d(dev, PML_F32, 3, (int64_t)p2, &x2);
    if (s == PML_OK) s = pml_tensor_upload(x2, q1, 3 * p2 * sizeof *q1);
    if (s == PML_OK) s = pml_model_forward(l2, x2, 3, &y);
    if (s == PML_OK) s = pml_tensor_download(pml_layer_output(pml_model_layer(l2, 0)), m2, 3 * p2 * 4);
    if (s == PML_OK) s = pml_tensor_download(y, q2, 3 * p4 * 4);
    int rc = s == PML_OK ? 0 : pml_cli_fail(cmd, "convolving", s);
    for (int f = 0; rc == 0 && f < 3; ++f) {
        float *row = panels + (size_t)f * COLS * PANEL * PANEL;
        pml_conv_panel(img, h, w, row, PANEL);
        pml_conv_panel(filters[f], 3, 3, row + 1 * PANEL * PANEL, PANEL);
        pml_conv_panel(m1 + f * p1, h, w, row + 2 * PANEL * PANEL, PANEL);
        pml_conv_panel(q1 + f * p2, h2, w2, row + 3 * PANEL * PANEL, PANEL);
        pml_conv_panel(m2 + f * p2, h2, w2, row + 4 * PANEL * PANEL, PANEL);
        pml_conv_panel(q2 + f * p4, h4, w4, row + 5 * PANEL * PANEL, PANEL);
    }
    if (rc == 0)
        rc = pml_cli_image_grid(cmd, out, "fig12.png", panels, 3 * COLS, PANEL, PANEL, COLS, 1,
                                1, quiet);
    free(m1), free(q1), free(m2), free(q2), free(panels);
    pml_tensor_destroy(x);
    pml_tensor_destroy(x2);
    pml_model_destroy(l1);
    pml_model_destroy(l2);
    return rc;
}

