/* Philox4x32-10, written once for the C compiler and for nvcc.
 * See include/physml/rng.h for the (seed, stream, index) mapping built on it. */
#ifndef PML_PHILOX_H
#define PML_PHILOX_H

#include <math.h>
#include <stdint.h>

#if defined(__CUDACC__)
#define PML_HOSTDEV __host__ __device__ __forceinline__
#else
#define PML_HOSTDEV static inline
#endif

#define PML_PHILOX_M0 0xD2511F53u
#define PML_PHILOX_M1 0xCD9E8D57u
#define PML_PHILOX_W0 0x9E3779B9u
#define PML_PHILOX_W1 0xBB67AE85u

typedef struct pml_u32x4 {
    uint32_t x, y, z, w;
} pml_u32x4;

PML_HOSTDEV uint32_t pml_mulhilo32(uint32_t a, uint32_t b, uint32_t *hi)
{
#if defined(__CUDA_ARCH__)
    *hi = __umulhi(a, b);
    return a * b;
#else
    uint64_t p = (uint64_t)a * (uint64_t)b;
    *hi = (uint32_t)(p >> 32);
    return (uint32_t)p;
#endif
}

PML_HOSTDEV pml_u32x4 pml_philox_round(pml_u32x4 c, uint32_t k0, uint32_t k1)
{
    uint32_t hi0, hi1;
    uint32_t lo0 = pml_mulhilo32(PML_PHILOX_M0, c.x, &hi0);
    uint32_t lo1 = pml_mulhilo32(PML_PHILOX_M1, c.z, &hi1);
    pml_u32x4 r;
    r.x = hi1 ^ c.y ^ k0;
    r.y = lo1;
    r.z = hi0 ^ c.w ^ k1;
    r.w = lo0;
    return r;
}

/* Ten rounds with the Weyl key schedule. */
PML_HOSTDEV pml_u32x4 pml_philox4x32_10_block(pml_u32x4 c, uint32_t k0, uint32_t k1)
{
    for (int i = 0; i < 9; ++i) {
        c = pml_philox_round(c, k0, k1);
        k0 += PML_PHILOX_W0;
        k1 += PML_PHILOX_W1;
    }
    return pml_philox_round(c, k0, k1);
}

/* The four draws of block `block` (draw indices 4*block .. 4*block+3) of a stream. */
PML_HOSTDEV pml_u32x4 pml_philox_draw4(uint64_t seed, uint64_t stream, uint64_t block)
{
    pml_u32x4 c;
    c.x = (uint32_t)block;
    c.y = (uint32_t)(block >> 32);
    c.z = (uint32_t)stream;
    c.w = (uint32_t)(stream >> 32);
    return pml_philox4x32_10_block(c, (uint32_t)seed, (uint32_t)(seed >> 32));
}

PML_HOSTDEV uint32_t pml_u32x4_get(pml_u32x4 v, unsigned lane)
{
    return lane == 0 ? v.x : lane == 1 ? v.y : lane == 2 ? v.z : v.w;
}

PML_HOSTDEV uint32_t pml_philox_draw(uint64_t seed, uint64_t stream, uint64_t index)
{
    return pml_u32x4_get(pml_philox_draw4(seed, stream, index >> 2), (unsigned)(index & 3u));
}

/* curand_uniform's conversion: (0, 1], exact in float because 2^-32 is a power of two. */
#define PML_2POW32_INV 2.3283064e-10f
#define PML_2POW32_INV_2PI (2.3283064e-10f * 6.2831855f)

PML_HOSTDEV float pml_u32_to_uniform(uint32_t x)
{
    return (float)x * PML_2POW32_INV + (PML_2POW32_INV / 2.0f);
}

/* curand's Box-Muller: the pair (x, y) gives (r sin v, r cos v). */
PML_HOSTDEV void pml_box_muller(uint32_t x, uint32_t y, float *s_out, float *c_out)
{
    float u = pml_u32_to_uniform(x);
    float v = (float)y * PML_2POW32_INV_2PI + (PML_2POW32_INV_2PI / 2.0f);
    float r = sqrtf(-2.0f * logf(u));
    float s, c;
#if defined(__CUDA_ARCH__)
    sincosf(v, &s, &c);
#else
    s = sinf(v);
    c = cosf(v);
#endif
    *s_out = r * s;
    *c_out = r * c;
}

/* Normal draw number g of a stream: the sine (even g) or cosine (odd g) of its pair. */
PML_HOSTDEV float pml_philox_normal(uint64_t seed, uint64_t stream, uint64_t g)
{
    uint64_t base = g & ~(uint64_t)1;
    float s, c;
    pml_box_muller(pml_philox_draw(seed, stream, base), pml_philox_draw(seed, stream, base + 1),
                   &s, &c);
    return (g & 1) ? c : s;
}

#endif
