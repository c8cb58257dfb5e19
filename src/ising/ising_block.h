/* The per-thread bodies of the CUDA Ising kernels (src/cuda/ising_sweep.cu), written once
 * for nvcc and the C compiler so that tests/parity_ising_test.c can run them on the host,
 * thread by thread, against the reference: the GPU's indexing is checked on machines without
 * a GPU. Layout and draws: src/ising/ising_ops.h and physml/ising.h. */
#ifndef PML_ISING_BLOCK_H
#define PML_ISING_BLOCK_H

#include <string.h>

#include "ising/ising_ops.h"

/* New spin of one site: spin s, neighbour sum nb, draw u, its replica's thresholds. */
PML_HOSTDEV int8_t pml_ising_site(int s, int nb, uint32_t u, const uint32_t *thr,
                                  uint32_t always)
{
    const int i = (s > 0) * 5 + ((nb + 4) >> 1);
    return (int8_t)((u < thr[i] || ((always >> i) & 1u)) ? -s : s);
}

PML_HOSTDEV void pml_ising_load_params(const pml_ising_rparams *p, uint32_t thr[10],
                                       uint32_t *always)
{
#if defined(__CUDA_ARCH__)
    for (int i = 0; i < 10; ++i) thr[i] = __ldg(&p->thr[i]);
    *always = __ldg(&p->always);
#else
    for (int i = 0; i < 10; ++i) thr[i] = p->thr[i];
    *always = p->always;
#endif
}

/* General case: Philox block q (colour sites 4q .. 4q+3, any W) of replica r in half-sweep
 * `half` (= 2t + c). Sites past N/2 (the padding of P) are skipped. */
PML_HOSTDEV void pml_ising_block_any(int8_t *spins, const pml_ising_rparams *params, int64_t W,
                                     int64_t Ly, uint64_t P, uint64_t seed, uint64_t stream0, uint64_t half,
                                     int c, int64_t r, int64_t q)
{
    const int64_t plane = Ly * W;
    const pml_u32x4 d = pml_philox_draw4(seed, stream0 + (uint64_t)r,
                                         (half * P) / 4 + (uint64_t)q);
    const uint32_t u4[4] = {d.x, d.y, d.z, d.w};
    int8_t *self = spins + (2 * r + c) * plane;
    const int8_t *other = spins + (2 * r + 1 - c) * plane;
    uint32_t thr[10], always;
    pml_ising_load_params(&params[r], thr, &always);
    for (int l = 0; l < 4; ++l) {
        const int64_t k = 4 * q + l;
        if (k >= plane) break;
        const int64_t y = k / W, j = k % W;
        const int o = (int)((y + c) & 1);
        const int64_t yu = y == 0 ? Ly - 1 : y - 1, yd = y == Ly - 1 ? 0 : y + 1;
        const int64_t js = o ? (j == W - 1 ? 0 : j + 1) : (j == 0 ? W - 1 : j - 1);
        const int nb = other[yu * W + j] + other[yd * W + j] + other[y * W + j] + other[y * W + js];
        self[k] = pml_ising_site(self[k], nb, u4[l], thr, always);
    }
}

/* Four spins as one 32-bit word (little-endian: byte l is site j + l). */
PML_HOSTDEV uint32_t pml_ising_load4(const int8_t *p)
{
#if defined(__CUDA_ARCH__)
    return *reinterpret_cast<const uint32_t *>(p);
#else
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
#endif
}

PML_HOSTDEV void pml_ising_store4(int8_t *p, uint32_t v)
{
#if defined(__CUDA_ARCH__)
    *reinterpret_cast<uint32_t *>(p) = v;
#else
    memcpy(p, &v, 4);
#endif
}

PML_HOSTDEV int pml_ising_byte(uint32_t v, int l) { return (int)(int8_t)(uint8_t)(v >> (8 * l)); }

/* W % 4 == 0 (then P = N/2 and the four sites of block q share a row, 4-byte aligned): one
 * 32-bit load per neighbour row and one 32-bit store. The horizontal partner of site j + l is
 * j + l - 1 (o = 0) or j + l + 1 (o = 1); one of them lies outside the word. */
/* The body with replica r's thresholds already at hand (the CUDA kernel keeps them in
 * shared memory, loaded once per block and replica). */
PML_HOSTDEV void pml_ising_block_row4_thr(int8_t *spins, const uint32_t *thr, uint32_t always,
                                          uint32_t W, uint32_t Ly, uint64_t seed, uint64_t stream0, uint64_t half,
                                          int c, int64_t r, uint32_t q)
{
    const uint32_t plane = Ly * W, qpr = plane / 4;
    const pml_u32x4 d = pml_philox_draw4(seed, stream0 + (uint64_t)r,
                                         half * (uint64_t)qpr + q);
    const uint32_t u4[4] = {d.x, d.y, d.z, d.w};
    int8_t *self = spins + (2 * r + c) * (int64_t)plane;
    const int8_t *other = spins + (2 * r + 1 - c) * (int64_t)plane;
    const uint32_t k = 4 * q, y = k / W, j = k - y * W;
    const int o = (int)((y + (uint32_t)c) & 1u);
    const uint32_t yu = y == 0 ? Ly - 1 : y - 1, yd = y == Ly - 1 ? 0 : y + 1;
    const uint32_t sv = pml_ising_load4(self + k);
    const uint32_t uv = pml_ising_load4(other + yu * W + j);
    const uint32_t dv = pml_ising_load4(other + yd * W + j);
    const uint32_t mv = pml_ising_load4(other + y * W + j);
    const int outside = o == 0 ? other[y * W + (j == 0 ? W - 1 : j - 1)]
                               : other[y * W + (j + 4 == W ? 0 : j + 4)];
    uint32_t nv = 0;
    for (int l = 0; l < 4; ++l) {
        int h = pml_ising_byte(mv, l);
        if (o == 0) h += l == 0 ? outside : pml_ising_byte(mv, l - 1);
        else h += l == 3 ? outside : pml_ising_byte(mv, l + 1);
        const int nb = pml_ising_byte(uv, l) + pml_ising_byte(dv, l) + h;
        const int8_t ns = pml_ising_site(pml_ising_byte(sv, l), nb, u4[l], thr, always);
        nv |= (uint32_t)(uint8_t)ns << (8 * l);
    }
    pml_ising_store4(self + k, nv);
}

PML_HOSTDEV void pml_ising_block_row4(int8_t *spins, const pml_ising_rparams *params,
                                      uint32_t W, uint32_t Ly, uint64_t seed, uint64_t stream0, uint64_t half,
                                      int c, int64_t r, uint32_t q)
{
    uint32_t thr[10], always;
    pml_ising_load_params(&params[r], thr, &always);
    pml_ising_block_row4_thr(spins, thr, always, W, Ly, seed, stream0, half, c, r, q);
}

/* Bond sum (over its four bonds) and spin sum (with its plane-1 twin) of colour-0 site k of
 * replica r: summed over k < N/2 they give the replica's bonds and magnetisation. */
PML_HOSTDEV void pml_ising_measure_site(const int8_t *spins, int64_t W, int64_t Ly, int64_t r,
                                        int64_t k, long long *bonds, long long *mag)
{
    const int64_t plane = Ly * W;
    const int8_t *p0 = spins + (2 * r) * plane, *p1 = spins + (2 * r + 1) * plane;
    const int64_t y = k / W, j = k % W;
    const int o = (int)(y & 1);
    const int64_t yu = y == 0 ? Ly - 1 : y - 1, yd = y == Ly - 1 ? 0 : y + 1;
    const int64_t js = o ? (j == W - 1 ? 0 : j + 1) : (j == 0 ? W - 1 : j - 1);
    const int s = p0[k];
    *bonds += s * (p1[yu * W + j] + p1[yd * W + j] + p1[y * W + j] + p1[y * W + js]);
    *mag += s + p1[k];
}

#endif
