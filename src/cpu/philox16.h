/* Philox4x32-10 of 16 blocks at once, for the CPU kernels that need many draws in a row (the
 * Hopfield permutations, dropout, Gibbs sampling, the cluster rules' bonds): with AVX-512
 * intrinsics where the CPU has them (src/cpu/philox16_avx512.h), else a loop the compiler
 * vectorises, built for AVX2 and the baseline. The values are pml_philox_draw4's. */
#ifndef PML_CPU_PHILOX16_H
#define PML_CPU_PHILOX16_H

#include <stdint.h>

#include "core/philox.h"

#define PML_PHILOX16_LANES 16

/* Lane i computes block ctr[i] of `stream`: its four words into X[i], Y[i], Z[i], Wd[i]. */
void pml_cpu_philox16(uint64_t seed, uint64_t stream, const uint64_t *restrict ctr,
                      uint32_t *restrict X, uint32_t *restrict Y, uint32_t *restrict Z,
                      uint32_t *restrict Wd);
/* The same without the AVX-512 path (the tests compare the two). */
void pml_cpu_philox16_portable(uint64_t seed, uint64_t stream, const uint64_t *restrict ctr,
                               uint32_t *restrict X, uint32_t *restrict Y, uint32_t *restrict Z,
                               uint32_t *restrict Wd);

#endif
