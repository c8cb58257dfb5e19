/* Random numbers: one counter-based stream shared by every backend.
 *
 * physml draws from Philox4x32-10 (Salmon et al., SC'11; the Random123 and cuRAND
 * generator). A draw is a pure function of (seed, stream, index):
 *
 *     key     = { seed & 0xffffffff, seed >> 32 }
 *     counter = { (index/4) & 0xffffffff, (index/4) >> 32, stream & 0xffffffff, stream >> 32 }
 *     u32(seed, stream, index) = word (index % 4) of philox4x32_10(counter, key)
 *
 * This is cuRAND's device convention: stream s, index i is what curand(&state) returns
 * after curand_init(seed, s, i, &state) for PHILOX4_32_10 on a GPU. cuRAND's host
 * generator (curandCreateGeneratorHost, PHILOX4_32_10, default ordering) interleaves
 * 65,536 such streams four draws at a time: its output number g (offset included) is
 *     u32(seed, stream = (g/4) mod 65536, index = 4 ((g/4) div 65536) + g mod 4),
 * and tests/rng_test.c checks physml against that generator for several seeds and offsets.
 * Because a draw depends only on its coordinates, a kernel gives the same numbers on the
 * CPU and the GPU, for any launch configuration or number of threads.
 *
 * Conversions, as cuRAND does them:
 *   uniform float in (0, 1]:  u32 * 2^-32 + 2^-33, rounded to float (curand_uniform)
 *   normal float (Box-Muller on the pair of draws at indices 2k, 2k+1):
 *       r = sqrtf(-2 logf(u(2k))),  v = u32(2k+1) * 2^-32 * 2pi + 2^-32 * pi,
 *       n(2k) = r sinf(v),  n(2k+1) = r cosf(v)   (curand_normal / curandGenerateNormal)
 * Uniform floats are bit-identical across backends; normal floats go through the
 * platform's logf/sinf and agree to a few ulp. */
#ifndef PHYSML_RNG_H
#define PHYSML_RNG_H

#include <stdint.h>

#include "physml/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One Philox4x32-10 block: out = philox(ctr, key). */
PML_API void pml_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* The draw at (seed, stream, index), and its conversions, computed on the host. */
PML_API uint32_t pml_rng_u32(uint64_t seed, uint64_t stream, uint64_t index);
PML_API float pml_rng_uniform(uint64_t seed, uint64_t stream, uint64_t index);
PML_API float pml_rng_normal(uint64_t seed, uint64_t stream, uint64_t index);

/* Fill a tensor with draws index = offset + i for element i (row-major).
 * pml_rand_u32 needs a U32 tensor; pml_rand_uniform and pml_rand_normal an F32 one
 * (F64 tensors receive the same float values, widened). */
PML_API pml_status pml_rand_u32(pml_tensor *t, uint64_t seed, uint64_t stream, uint64_t offset);
PML_API pml_status pml_rand_uniform(pml_tensor *t, uint64_t seed, uint64_t stream, uint64_t offset);
PML_API pml_status pml_rand_normal(pml_tensor *t, uint64_t seed, uint64_t stream, uint64_t offset,
                                   float mean, float stddev);

#ifdef __cplusplus
}
#endif
#endif
