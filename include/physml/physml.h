/* physml: the physics of machine learning, runnable and fast. One include for all. */
#ifndef PHYSML_H
#define PHYSML_H

#include "physml/version.h"
#include "physml/status.h"
#include "physml/device.h"
#include "physml/tensor.h"
#include "physml/rng.h"
#include "physml/blas.h"
#include "physml/data.h"
#include "physml/io.h"
#include "physml/ising.h"
#include "physml/hopfield.h"
#include "physml/nn.h"
#include "physml/rbm.h"
#include "physml/autoencoder.h"

#endif
