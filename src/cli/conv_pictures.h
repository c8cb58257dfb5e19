/* Pictures of convolutional networks, shared by `physml conv demo`, `physml train --out` and
 * the tour: learned filters and feature maps as PNG grids. */
#ifndef PML_CLI_CONV_PICTURES_H
#define PML_CLI_CONV_PICTURES_H

#include "cli/cli.h"

/* When m's first layer is a convolution: DIR/filters.png (its filters, one square per output
 * channel and input channel 0) and DIR/features.png (its feature maps for the first `count`
 * rows of x, one row of maps per image, the first 16 channels). x: rows of the model's
 * input. *written = 1 when the files were made (0: the first layer is not a convolution).
 * 0, or 1 after a message. */
int pml_conv_pictures(const char *cmd, const char *dir, pml_model *m, const pml_tensor *x,
                      int64_t count, int quiet, int *written);

/* A panel of side x side pixels from an h x w map (nearest neighbour, the largest integer
 * factor that fits; the rest filled with the map's minimum). */
void pml_conv_panel(const float *map, int h, int w, float *panel, int side);

/* Test image `index` of the MNIST-format directory dir (NULL: the default data) as h x w
 * floats in [0, 1] in a new *img (the caller frees it). 0, 1 after a message, or 2 (with a
 * usage message naming --index) when the test set is shorter. */
int pml_conv_test_image(const char *cmd, pml_device *dev, const char *dir, int64_t index,
                        float **img, int *h, int *w);

/* A model of spec on c x h x w (max batch `batch`) whose first layer's weights are w and
 * whose other parameters are zero. */
pml_status pml_conv_fixed_model(pml_device *dev, const char *spec, int64_t c, int64_t h,
                                int64_t w, int64_t batch, const float *weights, pml_model **out);

/* The primer's Fig. 8/12 for an h x w image in [0, 1]: DIR/fig12.png, rows the vertical,
 * horizontal and X filters (pml_conv_filter_names), made zero-sum; columns the image, the
 * filter, conv + ReLU, 2x2 max pooling, a second layer (the horizontal filter, ReLU) and
 * pooling again. 0, or 1 after a message. */
int pml_conv_demo_picture(const char *cmd, pml_device *dev, const float *img, int h, int w,
                          const char *dir, int quiet);
extern const char *const pml_conv_filter_names[3];

#endif
