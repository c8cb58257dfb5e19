/* Philox4x32-10 of 16 blocks in one AVX-512 register per word, and the run-time test for
 * AVX-512, for the CPU code that has an AVX-512 path (x86-64, chosen at run time):
 * src/cpu/philox16.c (pml_cpu_philox16 on such CPUs) and src/cpu/ising_sweep_avx512.c, which
 * keeps the words in registers. Written with intrinsics because GCC does not see the
 * 32x32->64 multiplies as even/odd vpmuludq pairs; the values are pml_philox_draw4's. */
#ifndef PML_CPU_PHILOX16_AVX512_H
#define PML_CPU_PHILOX16_AVX512_H

#include <stdint.h>

#include "core/philox.h"

#if defined(__GNUC__) && defined(__x86_64__)
#define PML_CPU_HAVE_AVX512_PATH 1
#include <immintrin.h>
#define PML_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))

/* Whether this CPU has what PML_AVX512 code uses. */
static inline int pml_cpu_avx512_usable(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl");
}

/* lo, hi: the low and high words of the 16 products a[i] * m[i] */
PML_AVX512 static inline void pml_mulhilo16(__m512i a, __m512i m, __m512i *lo, __m512i *hi)
{
    /* even lanes' products in pe, odd lanes' in po (64 bits each); the 32-bit halves are
     * swapped into place by masked in-lane shuffles */
    const __m512i pe = _mm512_mul_epu32(a, m);
    const __m512i po = _mm512_mul_epu32(_mm512_shuffle_epi32(a, _MM_PERM_CDAB), m);
    *lo = _mm512_mask_shuffle_epi32(pe, 0xAAAA, po, _MM_PERM_CDAB);
    *hi = _mm512_mask_shuffle_epi32(po, 0x5555, pe, _MM_PERM_CDAB);
}

/* Philox4x32-10 of 16 blocks, counters (x, y) = (low, high word) per lane: d = the four words. */
PML_AVX512 static inline void pml_philox16_xy(uint64_t seed, uint64_t stream, __m512i x,
                                              __m512i y, __m512i d[4])
{
    __m512i z = _mm512_set1_epi32((int)(uint32_t)stream);
    __m512i w = _mm512_set1_epi32((int)(uint32_t)(stream >> 32));
    const __m512i m0 = _mm512_set1_epi32((int)PML_PHILOX_M0), m1 = _mm512_set1_epi32((int)PML_PHILOX_M1);
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    for (int r = 0; r < 10; ++r) {
        __m512i lo_0, hi_0, lo_1, hi_1;
        pml_mulhilo16(x, m0, &lo_0, &hi_0);
        pml_mulhilo16(z, m1, &lo_1, &hi_1);
        /* 0x96: three-way xor */
        x = _mm512_ternarylogic_epi32(hi_1, y, _mm512_set1_epi32((int)k0), 0x96);
        z = _mm512_ternarylogic_epi32(hi_0, w, _mm512_set1_epi32((int)k1), 0x96);
        y = lo_1;
        w = lo_0;
        k0 += PML_PHILOX_W0;
        k1 += PML_PHILOX_W1;
    }
    d[0] = x;
    d[1] = y;
    d[2] = z;
    d[3] = w;
}
#else
#define PML_CPU_HAVE_AVX512_PATH 0
#endif

#endif
