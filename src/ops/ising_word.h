/* The per-word body of the fast Ising kernels, written once for nvcc and the C compiler: the
 * CUDA kernels (src/cuda/ising_sweep.cu) run it one thread per word, the fast CPU path
 * (src/cpu/ising_sweep_fast.c) for planes of a few words, and tests/parity_ising_test.c runs
 * the CUDA threads' bodies on the host against the site-by-site reference
 * (src/cpu/ising_sweep.c), so the GPU's indexing is checked on machines without a GPU.
 * Layout and draws: src/ops/ising_ops.h and physml/ising.h.
 *
 * One thread updates one word: the 32 colour sites of word w of row y of one plane. */
#ifndef PML_OPS_ISING_WORD_H
#define PML_OPS_ISING_WORD_H

#include "ops/ising_ops.h"

PML_HOSTDEV int pml_ising_popc(uint32_t v)
{
#if defined(__CUDA_ARCH__)
    return __popc(v);
#elif defined(__POPCNT__) || !defined(__GNUC__)
    return __builtin_popcount(v);
#else
    /* a baseline x86-64 build has no popcnt instruction, and __builtin_popcount is then a
     * library call: SWAR additions instead (the bytes summed by shifts, which GCC does not
     * turn back into the call) */
    v = v - ((v >> 1) & 0x55555555u);
    v = (v & 0x33333333u) + ((v >> 2) & 0x33333333u);
    v = (v + (v >> 4)) & 0x0F0F0F0Fu;
    v += v >> 16;
    return (int)((v + (v >> 8)) & 0x3Fu);
#endif
}

#if defined(__CUDACC__)
#define PML_ISING_FLATTEN
#elif defined(__GNUC__)
#define PML_ISING_FLATTEN __attribute__((always_inline))
#else
#define PML_ISING_FLATTEN
#endif

/* The new word of 32 sites: spins s; neighbour words up, dn, mid (same row) and side (the
 * horizontal partner, already shifted into place); valid lanes; the replica's grouped
 * thresholds, of which the first NG are used (NG = wp->ng, a constant where the dispatcher
 * below inlines this); the word's Philox stream and first block (pml_ising_word_block).
 * Lanes outside `valid` come back 0.
 *
 * Bit-sliced: a 4-input adder gives each lane's number of up-neighbours n_up = (n + 4) / 2
 * (bits b2 b1 b0), so case i = 5 (s > 0) + n_up is a mask per case; the groups of equal
 * threshold OR their cases together. Then u < thr runs MSB first: at plane b a lane still
 * undecided flips if its threshold bit is 1 and its draw bit 0, stays if the reverse, and
 * goes on if they agree; when no lane is undecided the remaining planes are not generated.
 * A plane's threshold bits cost two operations per group (the group's bit as an all-ones or
 * zero mask, then an and-or), so only the groups in use are looked at: Metropolis at B = 0
 * has two, heat-bath five. */
PML_HOSTDEV PML_ISING_FLATTEN uint32_t pml_ising_word_update_ng(
    uint32_t s, uint32_t up, uint32_t dn, uint32_t mid, uint32_t side, uint32_t valid,
    const pml_ising_wparams *wp, uint64_t seed, uint64_t stream, uint64_t blk0, const int NG)
{
    const uint32_t x1 = up ^ dn, a1 = up & dn, x2 = mid ^ side, a2 = mid & side;
    const uint32_t b0 = x1 ^ x2, b1 = (a1 ^ a2) | (x1 & x2), b2 = a1 & a2;
    const uint32_t sp = s & valid, sm = ~s & valid;
    uint32_t cm[10];
    cm[0] = sm & ~(b0 | b1 | b2);
    cm[1] = sm & b0 & ~b1;
    cm[2] = sm & b1 & ~b0;
    cm[3] = sm & b1 & b0;
    cm[4] = sm & b2;
    cm[5] = sp & ~(b0 | b1 | b2);
    cm[6] = sp & b0 & ~b1;
    cm[7] = sp & b1 & ~b0;
    cm[8] = sp & b1 & b0;
    cm[9] = sp & b2;
    const uint32_t always = wp->always;
    uint32_t flip = 0;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int i = 0; i < 10; ++i)
        if ((always >> i) & 1u) flip |= cm[i];
    /* group masks and thresholds in registers (fixed indices after unrolling) */
    uint32_t gm[10], gt[10], und = 0;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int g = 0; g < NG; ++g) {
        const uint32_t set = wp->gcase[g];
        gm[g] = 0;
        gt[g] = wp->gthr[g];
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
        for (int i = 0; i < 10; ++i)
            if ((set >> i) & 1u) gm[g] |= cm[i];
        und |= gm[g];
    }
    uint32_t lt = 0;
    for (int k = 0; k < 8 && und != 0; ++k) {
        const pml_u32x4 d = pml_philox_draw4(seed, stream, blk0 + (uint64_t)k);
        const uint32_t dq[4] = {d.x, d.y, d.z, d.w};
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
        for (int q = 0; q < 4; ++q) {
            /* plane b = 4k + q: bit 31 - b of u and thr, i.e. bit 31 - q of gt << 4k */
            uint32_t t = 0;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
            for (int g = 0; g < NG; ++g) t |= gm[g] & (0u - ((gt[g] >> (31 - q)) & 1u));
            lt |= und & t & ~dq[q];
            und &= ~(dq[q] ^ t);
        }
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
        for (int g = 0; g < NG; ++g) gt[g] <<= 4;
    }
    return (s ^ (flip | lt)) & valid;
}

/* pml_ising_word_update_ng with NG = wp->ng made a constant (wp->ng is the same for every
 * thread of a replica, so on a GPU the switch does not diverge). */
PML_HOSTDEV uint32_t pml_ising_word_update(uint32_t s, uint32_t up, uint32_t dn, uint32_t mid,
                                           uint32_t side, uint32_t valid,
                                           const pml_ising_wparams *wp, uint64_t seed,
                                           uint64_t stream, uint64_t blk0)
{
#define PML_ISING_NG(n)                                                                      \
    case n:                                                                                  \
        return pml_ising_word_update_ng(s, up, dn, mid, side, valid, wp, seed, stream, blk0, n)
    switch (wp->ng) {
        PML_ISING_NG(0);
        PML_ISING_NG(1);
        PML_ISING_NG(2);
        PML_ISING_NG(3);
        PML_ISING_NG(4);
        PML_ISING_NG(5);
        PML_ISING_NG(6);
        PML_ISING_NG(7);
        PML_ISING_NG(8);
        PML_ISING_NG(9);
    default:
        return pml_ising_word_update_ng(s, up, dn, mid, side, valid, wp, seed, stream, blk0, 10);
    }
#undef PML_ISING_NG
}

/* Valid lanes of word w of a row of W sites. */
PML_HOSTDEV uint32_t pml_ising_valid(int64_t W, int64_t w)
{
    const int64_t left = W - 32 * w;
    return left >= 32 ? 0xFFFFFFFFu : (1u << left) - 1u;
}

/* The side-neighbour word of word w of row `opp` (W sites, WW words): lane l holds site
 * j - 1 (o = 0) or j + 1 (o = 1) of j = 32 w + l, periodic at W. */
PML_HOSTDEV uint32_t pml_ising_side(const uint32_t *opp, int64_t W, int64_t WW, int64_t w, int o)
{
    const int tail = (int)((W - 1) & 31); /* lane of site W - 1 in the last word */
    const uint32_t m = opp[w];
    if (o == 0) {
        const uint32_t in = w == 0 ? (opp[WW - 1] >> tail) & 1u : opp[w - 1] >> 31;
        return (m << 1) | in;
    }
    if (w + 1 < WW) return (m >> 1) | (opp[w + 1] << 31);
    return (m >> 1) | ((opp[0] & 1u) << tail);
}

/* The measurement fused into the update: the bond and spin sums of one colour-1 word s just
 * updated, from its four neighbour words of plane 0 (up, dn, mid, side as the update used
 * them) and its valid lanes, added to bm[0] (bonds) and bm[1] (spins). Each bond joins a
 * colour-1 site to a colour-0 one, so the four bonds of the colour-1 sites count each of the
 * 2N bonds once, and the spins of plane 1 with the same words of plane 0 (mid) cover every
 * site: summed over the words of a replica these are its bond sum and magnetisation, exact
 * integers, whatever the order of the sum. */
PML_HOSTDEV void pml_ising_bond_sums(uint32_t s, uint32_t up, uint32_t dn, uint32_t mid,
                                     uint32_t side, uint32_t valid, long long *bm)
{
    const int aligned = pml_ising_popc(~(s ^ up) & valid) + pml_ising_popc(~(s ^ dn) & valid) +
                        pml_ising_popc(~(s ^ mid) & valid) + pml_ising_popc(~(s ^ side) & valid);
    const int nv = pml_ising_popc(valid);
    bm[0] += 2 * aligned - 4 * nv;
    bm[1] += 2 * (pml_ising_popc(s & valid) + pml_ising_popc(mid & valid)) - 2 * nv;
}

/* General case (any even Lx): word w of row y of plane c of replica r in half-sweep `half`.
 * stream0 = PML_ISING_STREAM + r0. bm (NULL: no measurement; pass it only for c = 1): the
 * new word's sums are added by pml_ising_bond_sums. */
PML_HOSTDEV void pml_ising_word_any(uint32_t *spins, const pml_ising_wparams *wp, int64_t W,
                                    int64_t Ly, uint64_t seed, uint64_t stream0, uint64_t half,
                                    int c, int64_t r, int64_t y, int64_t w, long long *bm)
{
    const int64_t WW = (W + 31) / 32;
    uint32_t *self = spins + ((2 * r + c) * Ly + y) * WW;
    const uint32_t *other = spins + (2 * r + 1 - c) * Ly * WW;
    const int64_t yu = y == 0 ? Ly - 1 : y - 1, yd = y == Ly - 1 ? 0 : y + 1;
    const int o = (int)((y + c) & 1);
    const uint32_t side = pml_ising_side(other + y * WW, W, WW, w, o), v = pml_ising_valid(W, w);
    const uint32_t up = other[yu * WW + w], dn = other[yd * WW + w], mid = other[y * WW + w];
    const uint32_t s = pml_ising_word_update(self[w], up, dn, mid, side, v, wp, seed,
                                             stream0 + (uint64_t)r,
                                             pml_ising_word_block(half, Ly, WW, y, w));
    self[w] = s;
    if (bm) pml_ising_bond_sums(s, up, dn, mid, side, v, bm);
}

/* W % 32 == 0 and Ly * WW * 8 < 2^32 (the fast path): every lane valid, the side carry from
 * lane 31 or 0 of the adjacent word (periodic at WW), 32-bit index arithmetic within the
 * plane. half_blk = half * Ly * WW * 8 (the half-sweep's first Philox block). bm as in
 * pml_ising_word_any. */
PML_HOSTDEV void pml_ising_word32(uint32_t *spins, const pml_ising_wparams *wp, uint32_t WW,
                                  uint32_t Ly, uint64_t seed, uint64_t stream, uint64_t half_blk,
                                  int c, int64_t r, uint32_t y, uint32_t w, long long *bm)
{
    const uint32_t plane = Ly * WW;
    uint32_t *self = spins + (2 * r + c) * (int64_t)plane;
    const uint32_t *other = spins + (2 * r + 1 - c) * (int64_t)plane;
    const uint32_t yu = y == 0 ? Ly - 1 : y - 1, yd = y == Ly - 1 ? 0 : y + 1;
    const uint32_t row = y * WW;
    const uint32_t m = other[row + w];
    uint32_t side;
    if (((y + (uint32_t)c) & 1u) == 0)
        side = (m << 1) | (other[row + (w == 0 ? WW - 1 : w - 1)] >> 31);
    else
        side = (m >> 1) | (other[row + (w + 1 == WW ? 0 : w + 1)] << 31);
    const uint32_t k = row + w, up = other[yu * WW + w], dn = other[yd * WW + w];
    const uint32_t s = pml_ising_word_update(self[k], up, dn, m, side, 0xFFFFFFFFu, wp, seed,
                                             stream, half_blk + 8u * (uint64_t)k);
    self[k] = s;
    if (bm) pml_ising_bond_sums(s, up, dn, m, side, 0xFFFFFFFFu, bm);
}

/* One thread's share of a half-sweep of replica r when one block of `nthreads` threads
 * holds the whole replica (the fused kernel, Ly * WW small): words tid, tid + nthreads, ...
 * of plane c, through the same word bodies as the one-launch-per-half-sweep kernels; fast =
 * (W % 32 == 0), a constant where the kernel is instantiated for it; bm as in
 * pml_ising_word_any (the thread's share of the replica's sums). */
PML_HOSTDEV PML_ISING_FLATTEN void pml_ising_replica_half(
    uint32_t *spins, const pml_ising_wparams *wp, int64_t W, int64_t Ly, uint64_t seed,
    uint64_t stream0, uint64_t half, int c, int64_t r, uint32_t tid, uint32_t nthreads,
    const int fast, long long *bm)
{
    const uint32_t WW = (uint32_t)((W + 31) / 32), plane = (uint32_t)Ly * WW;
    for (uint32_t k = tid; k < plane; k += nthreads) {
        const uint32_t y = k / WW, w = k - y * WW;
        if (fast)
            pml_ising_word32(spins, wp, WW, (uint32_t)Ly, seed, stream0 + (uint64_t)r,
                             half * (uint64_t)plane * 8u, c, r, y, w, bm);
        else
            pml_ising_word_any(spins, wp, W, Ly, seed, stream0, half, c, r, y, w, bm);
    }
}

#endif
