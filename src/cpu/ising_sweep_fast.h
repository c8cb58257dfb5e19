/* What the two fast CPU Ising paths share: src/cpu/ising_sweep_fast.c (the portable
 * bit-sliced path, the threading, the dispatcher) and src/cpu/ising_sweep_avx512.c (the
 * AVX-512 path). The reference they are tested against is src/cpu/ising_sweep.c; how they
 * work is in docs/ising.md. */
#ifndef PML_CPU_ISING_SWEEP_FAST_H
#define PML_CPU_ISING_SWEEP_FAST_H

#include "cpu/cpu.h"
#include "cpu/philox16_avx512.h"
#include "ops/ising_word.h"

/* The AVX-512 path is compiled where GCC's intrinsics are (x86-64) and chosen at run time. */
#define PML_ISING_HAVE_AVX512_PATH PML_CPU_HAVE_AVX512_PATH

#define LANES 16 /* words per step: 16 uint32 lanes of one AVX-512 register */

/* A replica's thresholds arranged for the bit-sliced comparison. The groups of equal
 * threshold (pml_ising_wparams) are taken four at a time ("quads", at most 3): for each word
 * the 16 ORs of a quad's group masks are formed once, and the threshold-bit mask of a plane
 * is then one table entry per quad, idx[b][q] = the quad's four threshold bits of plane b. */
typedef struct cpu_plan {
    const pml_ising_wparams *wp;
    int nq;            /* quads in use, ceil(ng / 4) */
    int8_t group[10];  /* group of case i, -1 where the case needs no draw */
    uint8_t idx[32][3];
} cpu_plan;

/* Everything a band update needs that does not change along it. */
typedef struct band_job {
    const cpu_plan *pl;
    uint64_t seed, stream, half_blk; /* half_blk: Philox block of word 0 of the plane */
    int64_t WW, plane;               /* words per row, per plane */
} band_job;

/* A few words one at a time (a plane of fewer than 16 words): the scalar body shared with
 * the CUDA kernels (src/ops/ising_word.h). Words k0 .. k0+n-1 of plane `self` as in
 * pml_cpu_ising_band_avx512 below. */
static inline void words_scalar(uint32_t *restrict self, const uint32_t *restrict other,
                                const uint32_t *restrict side, const uint32_t *restrict valid,
                                int64_t k0, int n, const band_job *job)
{
    const int64_t WW = job->WW, plane = job->plane;
    for (int i = 0; i < n; ++i) {
        const int64_t k = k0 + i;
        const int64_t ku = k >= WW ? k - WW : k - WW + plane;
        const int64_t kd = k + WW < plane ? k + WW : k + WW - plane;
        self[k] = pml_ising_word_update(self[k], other[ku], other[kd], other[k], side[i], valid[i],
                                        job->pl->wp, job->seed, job->stream,
                                        job->half_blk + 8u * (uint64_t)k);
    }
}

#if PML_ISING_HAVE_AVX512_PATH
/* Words [kb, ke) of plane `self` (plane-flat indices k = y WW + w), whose neighbours are in
 * plane `other`; side[k - kb] and valid[k - kb] belong to word k. 16 words a step with
 * AVX-512 intrinsics, the last few words of a band (<= 2) through words_scalar. Call it only
 * where the CPU has AVX-512 F, BW and VL. */
void pml_cpu_ising_band_avx512(uint32_t *restrict self, const uint32_t *restrict other,
                               const uint32_t *restrict side, const uint32_t *restrict valid,
                               int64_t kb, int64_t ke, const band_job *job);
#endif

#endif
