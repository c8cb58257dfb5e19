/* Swendsen-Wang sweeps on the CPU: the backend table's kernel. The contract is physml/ising.h
 * ("Cluster rules"), the site-by-site reference src/cpu/ising_sw.c, the per-word bodies
 * shared with CUDA src/ops/ising_cluster.h. A call converts each replica's colour planes to
 * row words once, runs its n sweeps there and converts back. A sweep:
 *   1. the active bonds of every row word and direction: the satisfied bonds by bit logic,
 *      then u < thr bit-sliced, one Philox block (four bit planes of 32 bonds) at a time
 *      until every lane is decided, 16 words' blocks at once in SIMD lanes;
 *   2. the clusters by union-find over the sites (parent links, path halving, the larger
 *      root linked under the smaller, so that a root is always its set's smallest site: the
 *      label the contract flips by): runs of right bonds are linked in one scan, then the
 *      other bonds united, visited with count-trailing-zeros;
 *   3. the flips: a cluster's bit from the flip stream, one Philox block per 128 sites, read
 *      by each site's root (one pass in site order turns every parent into a root); then, when measuring, the bond and spin sums by popcounts on the row
 *      words.
 * Replicas are independent: OpenMP over replicas. */
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cpu/cpu.h"
#include "cpu/philox16.h"
#include "ops/ising_cluster.h"

static inline int32_t find(int32_t *p, int32_t i)
{
    while (p[i] != i) {
        p[i] = p[p[i]];
        i = p[i];
    }
    return i;
}

static inline void unite(int32_t *p, int32_t a, int32_t b)
{
    a = find(p, a);
    b = find(p, b);
    if (a < b) p[b] = a;
    else if (b < a) p[a] = b;
}

static inline int bit(const uint32_t *words, int64_t x) { return (int)((words[x >> 5] >> (x & 31)) & 1u); }

/* Scratch of one replica's call. */
typedef struct sw_work {
    uint32_t *rows, *act, *flipw; /* ly XW row words; 2 ly XW active-bond words; NW */
    int32_t *parent;              /* N */
} sw_work;

/* Step 1 for every row word of the replica, 16 words at a time: the satisfied bonds, then
 * u < thr bit-sliced with 16 Philox blocks per call (the words' block k = 0, 1, ... in the 16
 * lanes) until every lane of the 16 words is decided. Word k = y XW + w's blocks start at
 * ((2t + d) ly XW + k) 8, as pml_ising_sw_block says. */
static void bonds(const uint32_t *rows, uint32_t *act, int64_t lx, int64_t ly, int64_t XW,
                  const pml_ising_rparams *p, double J, uint64_t seed, uint64_t stream, uint64_t t)
{
    const int64_t words = ly * XW;
    const int always = (p->always & PML_ISING_BOND_ALWAYS) != 0;
    const uint32_t thr = p->bond_thr;
    for (int64_t k0 = 0; k0 < words; k0 += 16) {
        const int n = words - k0 < 16 ? (int)(words - k0) : 16;
        uint32_t sat[2][16];
        for (int i = 0; i < 16; ++i) {
            const int64_t k = k0 + (i < n ? i : 0), y = k / XW, w = k - y * XW;
            const uint32_t *row = rows + y * XW;
            const uint32_t v = i < n ? pml_ising_row_valid(lx, w) : 0u, s = row[w];
            sat[0][i] = pml_ising_satisfied(s, pml_ising_row_right(row, lx, XW, w), v, J);
            sat[1][i] = pml_ising_satisfied(s, rows[(y + 1 == ly ? 0 : y + 1) * XW + w], v, J);
        }
        for (int d = 0; d < 2; ++d) {
            uint32_t *out = act + d * words + k0;
            if (always) {
                for (int i = 0; i < n; ++i) out[i] = sat[d][i];
                continue;
            }
            uint32_t und[16], lt[16], any = 0;
            for (int i = 0; i < 16; ++i) {
                und[i] = sat[d][i];
                lt[i] = 0;
                any |= und[i];
            }
            const uint64_t base = ((2 * t + (uint64_t)d) * (uint64_t)words + (uint64_t)k0) * 8u;
            for (int kk = 0; kk < 8 && any; ++kk) {
                uint64_t ctr[16];
                uint32_t D[4][16];
                for (int i = 0; i < 16; ++i) ctr[i] = base + 8u * (uint64_t)i + (uint64_t)kk;
                pml_cpu_philox16(seed, stream, ctr, D[0], D[1], D[2], D[3]);
                any = 0;
                for (int q = 0; q < 4; ++q) {
                    const uint32_t tb = 0u - ((thr >> (31 - (4 * kk + q))) & 1u);
                    for (int i = 0; i < 16; ++i) {
                        lt[i] |= und[i] & tb & ~D[q][i];
                        und[i] &= ~(D[q][i] ^ tb);
                    }
                }
                for (int i = 0; i < 16; ++i) any |= und[i];
            }
            for (int i = 0; i < n; ++i) out[i] = lt[i];
        }
    }
}

static void one_replica(const pml_ising_sweeps_args *a, int64_t r, sw_work *wk)
{
    const int64_t lx = a->lx, ly = a->ly, XW = pml_ising_xwords(lx), N = lx * ly;
    const int64_t W = lx / 2, WW = pml_ising_row_words(lx);
    const uint64_t NW = (uint64_t)((N + 31) / 32);
    uint32_t *planes = (uint32_t *)a->spins + r * 2 * ly * WW;
    const pml_ising_rparams *p = &a->params[r];
    const uint64_t bstream = PML_ISING_SW_STREAM + (uint64_t)(a->r0 + r);
    const uint64_t fstream = PML_ISING_SW_FLIP_STREAM + (uint64_t)(a->r0 + r);
    uint32_t *rows = wk->rows, *actR = wk->act, *actD = wk->act + ly * XW, *fw = wk->flipw;
    int32_t *par = wk->parent;
    for (int64_t y = 0; y < ly; ++y)
        for (int64_t w = 0; w < XW; ++w) rows[y * XW + w] = pml_ising_row_word(planes, W, ly, y, w);

    for (int64_t n = 0; n < a->n; ++n) {
        const uint64_t t = a->t0 + (uint64_t)n;
        /* 1. active bonds */
        bonds(rows, wk->act, lx, ly, XW, p, a->J, a->seed, bstream, t);
        /* 2. clusters. A run of sites joined by right bonds starts out linked to its first
         *    site (the smallest); then the wrap-around right bonds and the down bonds are
         *    united, skipping a down bond whose left neighbours' down bond joins the same two
         *    runs (the common case inside a cluster). */
        for (int64_t y = 0; y < ly; ++y) {
            const uint32_t *ar = actR + y * XW;
            int32_t *pr = par + y * lx;
            const int32_t base = (int32_t)(y * lx);
            int32_t cur = base; /* the run's first site, in a register (no branch) */
            pr[0] = base;
            for (int64_t x = 1; x < lx; ++x) {
                cur = bit(ar, x - 1) ? cur : base + (int32_t)x;
                pr[x] = cur;
            }
        }
        for (int64_t y = 0; y < ly; ++y) {
            const int32_t base = (int32_t)(y * lx);
            const int64_t yd = y + 1 == ly ? 0 : y + 1;
            const int32_t below = (int32_t)(yd * lx);
            const uint32_t *ar = actR + y * XW, *ard = actR + yd * XW, *ad = actD + y * XW;
            if (bit(ar, lx - 1)) unite(par, base + (int32_t)lx - 1, base);
            for (int64_t w = 0; w < XW; ++w) {
                /* down bonds at x whose x - 1 also has one, with right bonds at x - 1 above
                 * and below: already joined */
                const uint32_t m = ad[w];
                const uint32_t prev = (m << 1) | (w > 0 ? ad[w - 1] >> 31 : 0u);
                const uint32_t rr = (ar[w] << 1) | (w > 0 ? ar[w - 1] >> 31 : 0u);
                const uint32_t rd = (ard[w] << 1) | (w > 0 ? ard[w - 1] >> 31 : 0u);
                for (uint32_t u = m & ~(prev & rr & rd); u; u &= u - 1) {
                    const int32_t x = (int32_t)(32 * w) + __builtin_ctz(u);
                    unite(par, base + x, below + x);
                }
            }
        }
        /* 3. flips, by the cluster's smallest site; a run shares its root */
        for (uint64_t i = t * NW, end = t * NW + NW; i < end;) {
            const pml_u32x4 d = pml_philox_draw4(a->seed, fstream, i >> 2);
            for (unsigned lane = (unsigned)(i & 3u); lane < 4 && i < end; ++lane, ++i)
                fw[i - t * NW] = pml_u32x4_get(d, lane);
        }
        /* every link points to a smaller site, so one pass in site order makes every
         * parent a root (the parent's parent is one already) */
        for (int32_t i = 0; i < (int32_t)N; ++i) par[i] = par[par[i]];
        for (int64_t y = 0; y < ly; ++y) {
            const int32_t *pr = par + y * lx;
            for (int64_t w = 0; w < XW; ++w) {
                uint32_t mask = 0;
                const int64_t x1 = lx - 32 * w < 32 ? lx - 32 * w : 32;
                for (int64_t l = 0; l < x1; ++l) {
                    const int32_t c = pr[32 * w + l];
                    mask |= ((fw[c >> 5] >> (c & 31)) & 1u) << l;
                }
                rows[y * XW + w] ^= mask;
            }
        }
        if (a->measure) {
            long long bm[2] = {0, 0};
            for (int64_t y = 0; y < ly; ++y)
                for (int64_t w = 0; w < XW; ++w) pml_ising_row_sums(rows, lx, ly, XW, y, w, bm);
            pml_ising_acc_push(&a->acc[r], bm[0], bm[1], a->J, p->B, 1.0 / (double)N);
        }
    }
    for (int c = 0; c < 2; ++c)
        for (int64_t y = 0; y < ly; ++y)
            for (int64_t pw = 0; pw < WW; ++pw)
                planes[(c * ly + y) * WW + pw] = pml_ising_plane_word(rows + y * XW, XW, y, c, pw);
}

pml_status pml_cpu_ising_sw(pml_device *dev, const pml_ising_sweeps_args *a)
{
    (void)dev;
    const int64_t lx = a->lx, ly = a->ly, XW = pml_ising_xwords(lx), N = lx * ly;
    const size_t NW = (size_t)((N + 31) / 32);
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    if (threads > a->replicas) threads = (int)a->replicas;
    const size_t words = (size_t)(3 * ly * XW) + NW, per = words * 4 + (size_t)N * 4;
    char *mem = malloc((size_t)threads * per);
    if (!mem)
        return pml_set_error(PML_ERR_OUT_OF_MEMORY, "Swendsen-Wang: scratch for %d x %lld sites",
                             threads, (long long)N);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) if (threads > 1)
    for (int64_t r = 0; r < a->replicas; ++r) {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        uint32_t *base = (uint32_t *)(mem + (size_t)tid * per);
        sw_work wk = {base, base + ly * XW, base + 3 * ly * XW, (int32_t *)(base + words)};
        one_replica(a, r, &wk);
    }
    free(mem);
    return PML_OK;
}
