/* PML_SIMD_CLONES: a function built for AVX-512, AVX2 and the baseline, the version chosen at
 * load time (GCC on x86-64; nothing elsewhere or under AddressSanitizer). The library builds
 * for the x86-64 baseline, where loops vectorise to SSE2 at most: hot loops that pay for wider
 * vectors are written as such functions, with `omp simd` on the loops that GCC -O2 would not
 * vectorise by itself. Functions with clones are static: GCC gives the ifunc symbol and its
 * resolver default visibility whatever -fvisibility says, so an extern one would be exported. */
#ifndef PML_CPU_SIMD_H
#define PML_CPU_SIMD_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define PML_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define PML_SIMD_CLONES
#endif

#endif
