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

#endif
