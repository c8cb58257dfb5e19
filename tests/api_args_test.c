/* Every public function with bad arguments: the rule, the fixture and the table format are in
 * api_args/api_args.h, each header's cases in api_args/<header>.c (nn.h's in nn_model.c and
 * nn_train.c), and the guard that every declared function has cases in api_args/guard.c.
 * This file is the list of groups. */
#include "api_args/api_args.h"

/* The one list of groups: each gets a Test() below and the guard reads them all, so a group
 * cannot run without being counted or be counted without running. One line a group; the name
 * is the one given to DEFINE_GROUP. */
#define API_ARGS_GROUPS(G) \
    G(status_h)            \
    G(device_h)            \
    G(tensor_h)            \
    G(rng_h)               \
    G(blas_h)              \
    G(data_h)              \
    G(io_h)                \
    G(ising_h)             \
    G(hopfield_h)          \
    G(nn_model_h)          \
    G(nn_train_h)          \
    G(rbm_h)               \
    G(autoencoder_h)

#define GROUP_DECLARE(name) extern const group name##_group;
#define GROUP_ENTRY(name) &name##_group,
#define GROUP_TEST(name) \
    Test(api_args, name) { run_group(&name##_group); }

API_ARGS_GROUPS(GROUP_DECLARE)
const group *const api_args_groups[] = {API_ARGS_GROUPS(GROUP_ENTRY)};
const size_t api_args_group_count = sizeof api_args_groups / sizeof api_args_groups[0];
API_ARGS_GROUPS(GROUP_TEST)
