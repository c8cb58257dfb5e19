/* Philox4x32-10 of 16 blocks at once, for the CPU kernels that need many draws in a row (the
 * Ising sweeps, the Hopfield permutations): vectorised by the compiler, built for AVX-512, AVX2
 * and the baseline and chosen at load time. The values are pml_philox_draw4's. */
#ifndef PML_CPU_PHILOX16_H
#define PML_CPU_PHILOX16_H

#include <stdint.h>

#include "core/philox.h"
#include "cpu/simd.h"

#define PML_PHILOX16_LANES 16

/* Philox4x32-10 of 16 blocks at once: lane i computes block ctr[i] of `stream`. */
PML_SIMD_CLONES
static void pml_cpu_philox16(uint64_t seed, uint64_t stream, const uint64_t *restrict ctr,
                            uint32_t *restrict X, uint32_t *restrict Y, uint32_t *restrict Z,
                            uint32_t *restrict Wd)
{
    const uint32_t s0 = (uint32_t)stream, s1 = (uint32_t)(stream >> 32);
    uint32_t x[PML_PHILOX16_LANES], y[PML_PHILOX16_LANES], z[PML_PHILOX16_LANES], w[PML_PHILOX16_LANES];
#pragma omp simd
    for (int i = 0; i < PML_PHILOX16_LANES; ++i) {
        x[i] = (uint32_t)ctr[i];
        y[i] = (uint32_t)(ctr[i] >> 32);
        z[i] = s0;
        w[i] = s1;
    }
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    for (int r = 0; r < 10; ++r) {
#pragma omp simd
        for (int i = 0; i < PML_PHILOX16_LANES; ++i) {
            uint64_t p0 = (uint64_t)PML_PHILOX_M0 * x[i];
            uint64_t p1 = (uint64_t)PML_PHILOX_M1 * z[i];
            uint32_t nx = (uint32_t)(p1 >> 32) ^ y[i] ^ k0;
            uint32_t nz = (uint32_t)(p0 >> 32) ^ w[i] ^ k1;
            y[i] = (uint32_t)p1;
            w[i] = (uint32_t)p0;
            x[i] = nx;
            z[i] = nz;
        }
        k0 += PML_PHILOX_W0;
        k1 += PML_PHILOX_W1;
    }
    for (int i = 0; i < PML_PHILOX16_LANES; ++i) {
        X[i] = x[i];
        Y[i] = y[i];
        Z[i] = z[i];
        Wd[i] = w[i];
    }
}

#endif
