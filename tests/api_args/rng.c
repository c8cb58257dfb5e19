/* api_args cases for rng.h. */
#include "api_args.h"

#define RNG_CASES(X)                                                                       \
    X(pml_rand_u32, S_INVALID, pml_rand_u32(NULL, 1, 2, 3))                                \
    X(pml_rand_u32, S_INVALID, pml_rand_u32(f->a, 1, 2, 3)) /* f32, needs u32 */           \
    X(pml_rand_uniform, S_INVALID, pml_rand_uniform(NULL, 1, 2, 3))                        \
    X(pml_rand_uniform, S_INVALID, pml_rand_uniform(f->i32, 1, 2, 3))                      \
    X(pml_rand_normal, S_INVALID, pml_rand_normal(NULL, 1, 2, 3, 0.0f, 1.0f))              \
    X(pml_rand_normal, S_INVALID, pml_rand_normal(f->i32, 1, 2, 3, 0.0f, 1.0f))            \
    X(pml_rand_normal, S_INVALID, pml_rand_normal(f->a, 1, 2, 3, 0.0f, -1.0f))             \
    X(pml_rand_normal, S_INVALID, pml_rand_normal(f->a, 1, 2, 3, 0.0f, NAN))               \
    X(pml_rand_normal, S_INVALID, pml_rand_normal(f->a, 1, 2, 3, INFINITY, 1.0f))
#define RNG_CHECKS(Y)                                                                      \
    Y(pml_philox4x32_10, (pml_philox4x32_10(NULL, f->key, f->word), f->word[0] == 0))      \
    Y(pml_philox4x32_10, (pml_philox4x32_10(f->ctr, NULL, f->word), f->word[0] == 0))      \
    Y(pml_philox4x32_10, (pml_philox4x32_10(f->ctr, f->key, NULL), 1))
DEFINE_GROUP(rng_h, "rng.h", RNG_CASES, RNG_CHECKS)
