/* Pictures of convolutional networks: learned filters and feature maps (conv_pictures.h). */
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
