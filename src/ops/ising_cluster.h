/* The cluster rules' kernel contract and per-word bodies: Swendsen-Wang (CPU:
 * src/cpu/ising_sw_fast.c, the backend table's kernel, beside the site-by-site reference
 * src/cpu/ising_sw.c; CUDA: src/cuda/ising_sw.cu) and Wolff (CPU only: src/cpu/ising_wolff.c).
 * The draws are stated in physml/ising.h; this header holds what every implementation
 * shares, written once for nvcc and the C compiler. Compiles as C11 and as CUDA C++.
 *
 * Row words. The cluster kernels work on the lattice in row order: word w of row y (XW =
 * ceil(Lx / 32) words a row) holds sites x = 32 w .. 32 w + 31 of row y, bit x % 32, 1 = +1;
 * bits past Lx are 0. A call converts the replica's colour planes (src/ops/ising_ops.h) to
 * row words once, runs its n sweeps there, and converts back. Site index i = y Lx + x.
 *
 * Bonds: bond d of site (x, y) joins it to (x + 1, y) (d = 0, "right") or (x, y + 1) (d = 1,
 * "down"), periodic: the 2N bonds of the Hamiltonian (on a side of length 2 both bonds
 * between a pair count, as in H). */
#ifndef PML_OPS_ISING_CLUSTER_H
#define PML_OPS_ISING_CLUSTER_H

#include "ops/ising_ops.h"
#include "ops/ising_word.h"

#ifdef __cplusplus
extern "C" {
#endif

PML_HOSTDEV int64_t pml_ising_xwords(int64_t lx) { return (lx + 31) / 32; }

/* The 16 low bits of v to the even bits of a word, and back. */
PML_HOSTDEV uint32_t pml_ising_spread16(uint32_t v)
{
    v &= 0xFFFFu;
    v = (v | (v << 8)) & 0x00FF00FFu;
    v = (v | (v << 4)) & 0x0F0F0F0Fu;
    v = (v | (v << 2)) & 0x33333333u;
    return (v | (v << 1)) & 0x55555555u;
}

PML_HOSTDEV uint32_t pml_ising_gather16(uint32_t v)
{
    v &= 0x55555555u;
    v = (v | (v >> 1)) & 0x33333333u;
    v = (v | (v >> 2)) & 0x0F0F0F0Fu;
    v = (v | (v >> 4)) & 0x00FF00FFu;
    return (v | (v >> 8)) & 0x0000FFFFu;
}

/* Row word w of row y of one replica from its colour planes (W = Lx / 2 colour sites a plane
 * row, WW = ceil(W / 32) words): even x are plane y & 1, odd x plane 1 - (y & 1), both colour
 * sites j = 16 w .. 16 w + 15 (half of plane word w / 2). */
PML_HOSTDEV uint32_t pml_ising_row_word(const uint32_t *planes, int64_t W, int64_t Ly, int64_t y,
                                        int64_t w)
{
    const int64_t WW = (W + 31) / 32, ce = y & 1, pw = w >> 1;
    const int sh = (int)(16 * (w & 1));
    const uint32_t even = planes[(ce * Ly + y) * WW + pw] >> sh;
    const uint32_t odd = planes[((1 - ce) * Ly + y) * WW + pw] >> sh;
    return pml_ising_spread16(even) | (pml_ising_spread16(odd) << 1);
}

/* Plane word pw of row y of colour plane c from the row words (XW a row): colour sites
 * j = 32 pw .. 32 pw + 31 are x = 2 j + ((y + c) & 1), in row words 2 pw and 2 pw + 1. */
PML_HOSTDEV uint32_t pml_ising_plane_word(const uint32_t *row, int64_t XW, int64_t y, int c,
                                          int64_t pw)
{
    const int p = (int)((y + c) & 1);
    const uint32_t lo = pml_ising_gather16(row[2 * pw] >> p);
    const uint32_t hi = 2 * pw + 1 < XW ? pml_ising_gather16(row[2 * pw + 1] >> p) : 0u;
    return lo | (hi << 16);
}

/* Row words are laid out as a colour plane's rows are, with Lx sites a row in place of W:
 * pml_ising_valid(Lx, w) (src/ops/ising_word.h) gives the lanes of row word w that are
 * sites, and pml_ising_side(row, Lx, XW, w, 1) the right neighbours of its sites (lane l:
 * site (x + 1) mod Lx of x = 32 w + l). */

/* The satisfied bonds among 32 (J s s' > 0): s and its neighbours' bits nb. */
PML_HOSTDEV uint32_t pml_ising_satisfied(uint32_t s, uint32_t nb, uint32_t valid, double J)
{
    return (J > 0 ? ~(s ^ nb) : (s ^ nb)) & valid;
}

/* First Philox block of the draws of bond d of row word w of row y in sweep t. */
PML_HOSTDEV uint64_t pml_ising_sw_block(uint64_t t, int d, int64_t ly, int64_t XW, int64_t y,
                                        int64_t w)
{
    return (((2 * t + (uint64_t)d) * (uint64_t)ly + (uint64_t)y) * (uint64_t)XW + (uint64_t)w) *
           8u;
}

/* The active bonds among the satisfied ones `sat` of one row word and direction: u < thr,
 * MSB first, one Philox block (four bit planes) at a time until every lane is decided, as
 * the Metropolis word body does (src/ops/ising_word.h); always: p rounds to 1. */
PML_HOSTDEV uint32_t pml_ising_sw_bonds(uint32_t sat, uint32_t thr, uint32_t always,
                                        uint64_t seed, uint64_t stream, uint64_t blk0)
{
    if (always) return sat;
    uint32_t und = sat, lt = 0;
    for (int k = 0; k < 8 && und != 0; ++k) {
        const pml_u32x4 d = pml_philox_draw4(seed, stream, blk0 + (uint64_t)k);
        const uint32_t dq[4] = {d.x, d.y, d.z, d.w};
        for (int q = 0; q < 4; ++q) {
            const uint32_t t = 0u - ((thr >> (31 - (4 * k + q))) & 1u);
            lt |= und & t & ~dq[q];
            und &= ~(dq[q] ^ t);
        }
    }
    return lt;
}

/* Bond and spin sums of row word w of row y (rows: the replica's row words), added to bm. */
PML_HOSTDEV void pml_ising_row_sums(const uint32_t *rows, int64_t lx, int64_t ly, int64_t XW,
                                    int64_t y, int64_t w, long long *bm)
{
    const uint32_t *row = rows + y * XW, v = pml_ising_valid(lx, w);
    const uint32_t s = row[w], r = pml_ising_side(row, lx, XW, w, 1);
    const uint32_t d = rows[(y + 1 == ly ? 0 : y + 1) * XW + w];
    const int nv = pml_ising_popc(v);
    bm[0] += 2 * (pml_ising_popc(~(s ^ r) & v) + pml_ising_popc(~(s ^ d) & v)) - 2 * nv;
    bm[1] += 2 * pml_ising_popc(s & v) - nv;
}

/* ---- labelling by label equivalence (the CUDA kernels; the CPU uses union-find) ----------
 * L[i] starts at i. A pass (pml_ising_sw_link, one thread per site) takes each site's label
 * down to the smallest label among its active-bond neighbours and links its old label there
 * too (atomic minimum); pointer jumping (pml_ising_sw_jump) shortens the chains; passes repeat
 * until one changes nothing. Labels only decrease and only ever take the indices of sites of
 * the same cluster, so the end is the same whatever the order or the races: every site of a
 * cluster holds the cluster's smallest site, which the contract flips by. */
PML_HOSTDEV int32_t pml_ising_atomic_min(int32_t *p, int32_t v)
{
#if defined(__CUDA_ARCH__)
    return atomicMin(p, v);
#else
    const int32_t old = *p;
    if (v < old) *p = v;
    return old;
#endif
}

/* Site i = y Lx + x of one replica: actR, actD its active-bond words (row words). Returns 1
 * when it lowered a label. */
PML_HOSTDEV int pml_ising_sw_link(int32_t *L, const uint32_t *actR, const uint32_t *actD,
                                  int64_t lx, int64_t ly, int64_t XW, int64_t i)
{
    const int64_t x = i % lx, y = i / lx;
    const int64_t xl = x == 0 ? lx - 1 : x - 1, yu = y == 0 ? ly - 1 : y - 1;
    const int64_t xr = x + 1 == lx ? 0 : x + 1, yd = y + 1 == ly ? 0 : y + 1;
    const int32_t l = L[i];
    int32_t m = l;
    if ((actR[y * XW + x / 32] >> (x & 31)) & 1u) m = L[y * lx + xr] < m ? L[y * lx + xr] : m;
    if ((actR[y * XW + xl / 32] >> (xl & 31)) & 1u) m = L[y * lx + xl] < m ? L[y * lx + xl] : m;
    if ((actD[y * XW + x / 32] >> (x & 31)) & 1u) m = L[yd * lx + x] < m ? L[yd * lx + x] : m;
    if ((actD[yu * XW + x / 32] >> (x & 31)) & 1u) m = L[yu * lx + x] < m ? L[yu * lx + x] : m;
    if (m >= l) return 0;
    pml_ising_atomic_min(&L[i], m);
    pml_ising_atomic_min(&L[l], m);
    return 1;
}

PML_HOSTDEV void pml_ising_sw_jump(int32_t *L, int64_t i)
{
    int32_t l = L[i];
    while (L[l] != l) l = L[l];
    L[i] = l;
}

/* The new row word w of row y after the flips: each site's cluster label L (the smallest
 * site) looked up in the sweep's flip words fw (bit c % 32 of fw[c / 32] flips cluster c). */
PML_HOSTDEV uint32_t pml_ising_sw_apply(uint32_t s, const int32_t *L, const uint32_t *fw,
                                        int64_t lx, int64_t y, int64_t w)
{
    uint32_t mask = 0;
    for (uint32_t v = pml_ising_valid(lx, w), l = 0; v; v >>= 1, ++l) {
        const int32_t c = L[y * lx + 32 * w + l];
        mask |= ((fw[c >> 5] >> (c & 31)) & 1u) << l;
    }
    return s ^ mask;
}

/* Site k's part of the sum over clusters of |C|^2: cnt[k]^2 (cnt: the cluster sizes by
 * root, zero at sites that are no root). */
PML_HOSTDEV long long pml_ising_sw_square(const int32_t *cnt, int64_t k)
{
    return (long long)cnt[k] * (long long)cnt[k];
}

#ifdef __cplusplus
}
#endif
#endif
