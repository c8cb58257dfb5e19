/* The fast CPU Ising sweeps: the dispatcher pml_cpu_ising_sweeps (the backend table's
 * kernel), the threading, and the portable bit-sliced path; the AVX-512 path is in
 * src/cpu/ising_sweep_avx512.c, what both share in src/cpu/ising_sweep_fast.h. The contract,
 * and the site-by-site reference both paths are tested against bit for bit, are in
 * src/cpu/ising_sweep.c (pml_cpu_ising_sweeps_ref); the internals are described in
 * docs/ising.md.
 *
 * OpenMP over whole replicas (no barriers) when the batch is large enough, otherwise
 * over bands of rows of one replica inside one parallel region for all n sweeps. A band is
 * updated 16 words (512 sites, consecutive in the plane, so a step may span rows) at a time,
 * bit-sliced: a 4-input adder counts each lane's up-neighbours, the lanes are sorted into
 * threshold groups by mask logic, and the comparison u < thr runs MSB first, one Philox word
 * (one bit of 32 sites) per plane, 16 Philox blocks at a time in SIMD lanes, until every lane
 * is decided. The AVX-512 path runs the first two blocks on the 16 words of a step and queues
 * the words still undecided, running their later blocks 16 words at a time (stage_q); the
 * portable path (pml_cpu_ising_set_portable, PML_ISING_NO_AVX512=1, or no AVX-512) runs each
 * step in lockstep to its slowest word. Planes of <= 2 words use the scalar body shared with
 * CUDA (src/ops/ising_word.h). Every path gives the same bits. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cpu/ising_sweep_fast.h"
#include "cpu/philox16.h"
#include "cpu/simd.h"


/* The word of "side" neighbours of every word of a row of the opposite plane: lane l of
 * side[w] is colour site j - 1 (o = 0) or j + 1 (o = 1) of j = 32 w + l, periodic at W. */
static void row_side(const uint32_t *restrict opp, int64_t W, int64_t WW, int o,
                     uint32_t *restrict side)
{
    const int tail = (int)((W - 1) % 32); /* lane of site W - 1 in the last word */
    if (o == 0) {
        side[0] = (opp[0] << 1) | ((opp[WW - 1] >> tail) & 1u);
        for (int64_t w = 1; w < WW; ++w) side[w] = (opp[w] << 1) | (opp[w - 1] >> 31);
    } else {
        for (int64_t w = 0; w + 1 < WW; ++w) side[w] = (opp[w] >> 1) | (opp[w + 1] << 31);
        side[WW - 1] = (opp[WW - 1] >> 1) | ((opp[0] & 1u) << tail);
    }
}


static void plan_make(const pml_ising_wparams *wp, cpu_plan *pl)
{
    memset(pl, 0, sizeof *pl);
    pl->wp = wp;
    pl->nq = (int)(wp->ng + 3) / 4;
    for (int i = 0; i < 10; ++i) pl->group[i] = -1;
    for (uint32_t g = 0; g < wp->ng; ++g)
        for (int i = 0; i < 10; ++i)
            if ((wp->gcase[g] >> i) & 1u) pl->group[i] = (int8_t)g;
    for (int b = 0; b < 32; ++b)
        for (uint32_t g = 0; g < wp->ng; ++g)
            pl->idx[b][g / 4] |= (uint8_t)(((wp->gthr[g] >> (31 - b)) & 1u) << (g % 4));
}

/* Words k0 .. k0+n-1 (n <= 16, plane-flat indices k = y WW + w, so consecutive words may span
 * rows) of plane `self`, whose neighbours are in plane `other`; side[i] and valid[i] (from
 * row_side / pml_ising_valid) belong to word k0 + i. The new spins go to self. Portable C whose
 * loops over the 16 words GCC vectorises. */
PML_SIMD_CLONES
static void pml_cpu_ising_words(uint32_t *restrict self, const uint32_t *restrict other,
                         const uint32_t *restrict side, const uint32_t *restrict valid,
                         int64_t k0, int n, const band_job *job)
{
    const cpu_plan *pl = job->pl;
    const uint32_t always = pl->wp->always;
    const int64_t WW = job->WW, plane = job->plane;
    uint32_t s[LANES], und[LANES], lt[LANES], flip[LANES];
    uint32_t cm[10][LANES], gm[12][LANES];
    uint32_t cmb[3][16][LANES]; /* ORs of the group masks of each quad */
#pragma omp simd
    for (int i = 0; i < LANES; ++i) {
        const int live = i < n;
        const int64_t k = k0 + (live ? i : 0);
        const int64_t ku = k >= WW ? k - WW : k - WW + plane;
        const int64_t kd = k + WW < plane ? k + WW : k + WW - plane;
        const uint32_t v = live ? valid[i] : 0u;
        const uint32_t a = other[ku], b = other[kd], c = other[k], d = side[live ? i : 0];
        s[i] = self[k];
        /* up-neighbour count n_up = 0..4 in bits b2 b1 b0 */
        const uint32_t x1 = a ^ b, a1 = a & b, x2 = c ^ d, a2 = c & d;
        const uint32_t b0 = x1 ^ x2, b1 = (a1 ^ a2) | (x1 & x2), b2 = a1 & a2;
        const uint32_t m0 = ~(b0 | b1 | b2), m1 = b0 & ~b1, m2 = b1 & ~b0, m3 = b1 & b0;
        const uint32_t sp = s[i] & v, sm = ~s[i] & v;
        cm[0][i] = sm & m0;
        cm[1][i] = sm & m1;
        cm[2][i] = sm & m2;
        cm[3][i] = sm & m3;
        cm[4][i] = sm & b2;
        cm[5][i] = sp & m0;
        cm[6][i] = sp & m1;
        cm[7][i] = sp & m2;
        cm[8][i] = sp & m3;
        cm[9][i] = sp & b2;
    }
    for (int g = 0; g < 12; ++g)
        for (int i = 0; i < LANES; ++i) gm[g][i] = 0;
    for (int i = 0; i < LANES; ++i) flip[i] = 0;
    for (int q = 0; q < 10; ++q) {
        if ((always >> q) & 1u) {
#pragma omp simd
            for (int i = 0; i < LANES; ++i) flip[i] |= cm[q][i];
        } else if (pl->group[q] >= 0) {
            uint32_t *g = gm[pl->group[q]];
#pragma omp simd
            for (int i = 0; i < LANES; ++i) g[i] |= cm[q][i];
        }
    }
    for (int q = 0; q < 3; ++q) {
        for (int i = 0; i < LANES; ++i) cmb[q][0][i] = 0;
        if (q >= pl->nq) continue;
        for (int m = 1; m < 16; ++m) {
            const uint32_t *lo = cmb[q][m & (m - 1)], *g = gm[4 * q + __builtin_ctz((unsigned)m)];
#pragma omp simd
            for (int i = 0; i < LANES; ++i) cmb[q][m][i] = lo[i] | g[i];
        }
    }
    uint32_t any = 0;
#pragma omp simd reduction(| : any)
    for (int i = 0; i < LANES; ++i) {
        /* every lane that needs a draw: the groups' masks (unused ones are zero) */
        uint32_t v = 0;
        for (int g = 0; g < 12; ++g) v |= gm[g][i];
        und[i] = v;
        lt[i] = 0;
        any |= und[i];
    }
    for (int k = 0; k < 8 && any; ++k) {
        uint64_t ctr[LANES];
        uint32_t D[4][LANES];
        for (int i = 0; i < LANES; ++i)
            ctr[i] = job->half_blk + 8u * (uint64_t)(k0 + i) + (uint64_t)k;
        pml_cpu_philox16(job->seed, job->stream, ctr, D[0], D[1], D[2], D[3]);
        for (int q = 0; q < 4; ++q) {
            const uint8_t *ix = pl->idx[4 * k + q];
            const uint32_t *t0 = cmb[0][ix[0]], *t1 = cmb[1][ix[1]], *t2 = cmb[2][ix[2]];
            any = 0;
#pragma omp simd reduction(| : any)
            for (int i = 0; i < LANES; ++i) {
                const uint32_t t = t0[i] | t1[i] | t2[i], dq = D[q][i];
                lt[i] |= und[i] & t & ~dq;
                und[i] &= ~(dq ^ t);
                any |= und[i];
            }
        }
    }
    for (int i = 0; i < n; ++i) self[k0 + i] = s[i] ^ (flip[i] | lt[i]);
}

static atomic_int force_portable = 0;

void pml_cpu_ising_set_portable(int on) { atomic_store(&force_portable, on != 0); }

#if PML_ISING_HAVE_AVX512_PATH
static int have_avx512(void)
{
    static atomic_int cached = -1; /* threads may race here; they store the same value */
    if (atomic_load_explicit(&force_portable, memory_order_relaxed)) return 0;
    int c = atomic_load_explicit(&cached, memory_order_relaxed);
    if (c < 0) {
        const char *env = getenv("PML_ISING_NO_AVX512"); /* to test the portable path */
        c = !(env && env[0] == '1') && pml_cpu_avx512_usable();
        atomic_store_explicit(&cached, c, memory_order_relaxed);
    }
    return c;
}
#else
static int have_avx512(void) { return 0; }
#endif

/* The measurement fused into the sweep: after the colour-1 half-sweep of n consecutive words
 * s (neighbour words u, d, m, sd of plane 0, valid lanes v), the bond and spin sums of those
 * words added to bm[0], bm[1], from the words the
 * update has just used while they are still in cache. Each bond joins a colour-1 site to a
 * colour-0 one, so the four bonds of every colour-1 site cover the 2N bonds once, and the
 * spins of plane 1 and of the same words of plane 0 cover the lattice (as in
 * pml_ising_bond_sums, src/ops/ising_word.h, which the CUDA kernels run word by word): exact
 * integers, so the same whatever the order of the sum. side/valid as in band(). The popcounts
 * are pml_ising_popc's SWAR form on a baseline build, which vectorises. */
PML_SIMD_CLONES
static void measure_span(const uint32_t *restrict s, const uint32_t *restrict u,
                         const uint32_t *restrict d, const uint32_t *restrict m,
                         const uint32_t *restrict sd, const uint32_t *restrict v, int64_t n,
                         int64_t *bm)
{
    int64_t aligned = 0, ups = 0, nvalid = 0;
    for (int64_t w0 = 0; w0 < n; w0 += 4096) {
        const int64_t w1 = n - w0 < 4096 ? n : w0 + 4096;
        /* 32-bit counts (they vectorise) over <= 4096 words, <= 192 a word; then 64 bits */
        uint32_t al = 0, up = 0, nv = 0;
#pragma omp simd reduction(+ : al, up, nv)
        for (int64_t w = w0; w < w1; ++w) {
            const uint32_t x = s[w], vw = v[w];
            al += (uint32_t)pml_ising_popc(~(x ^ u[w]) & vw) + (uint32_t)pml_ising_popc(~(x ^ d[w]) & vw) +
                  (uint32_t)pml_ising_popc(~(x ^ m[w]) & vw) + (uint32_t)pml_ising_popc(~(x ^ sd[w]) & vw);
            up += (uint32_t)pml_ising_popc(x & vw) + (uint32_t)pml_ising_popc(m[w] & vw);
            nv += (uint32_t)pml_ising_popc(vw);
        }
        aligned += al;
        ups += up;
        nvalid += nv;
    }
    bm[0] += 2 * aligned - 4 * nvalid;
    bm[1] += 2 * ups - 2 * nvalid;
}

/* Rows [y0, y1) of a band: the first and last rows of the lattice wrap, the rows between
 * are one flat span (up is k - WW, down k + WW). */
static void measure_band(const uint32_t *self, const uint32_t *other, const uint32_t *side,
                         const uint32_t *valid, int64_t y0, int64_t y1, int64_t WW, int64_t Ly,
                         int64_t *bm)
{
    const int64_t plane = Ly * WW;
    int64_t a = y0, b = y1;
    if (a == 0) { /* row 0: up is row Ly - 1 (with Ly = 2 also down) */
        measure_span(self, other + plane - WW, other + (Ly > 1 ? WW : 0), other, side, valid,
                     WW, bm);
        a = 1;
    }
    if (b == Ly && b > a) { /* row Ly - 1: down is row 0 */
        const int64_t k = (Ly - 1) * WW;
        measure_span(self + k, other + k - WW, other, other + k, side + k - y0 * WW,
                     valid + k - y0 * WW, WW, bm);
        b = Ly - 1;
    }
    if (b > a) {
        const int64_t k = a * WW;
        measure_span(self + k, other + k - WW, other + k + WW, other + k, side + k - y0 * WW,
                     valid + k - y0 * WW, (b - a) * WW, bm);
    }
}

/* Half-sweep of colour c over rows [y0, y1) of replica r. scratch: 2 (y1 - y0) WW words.
 * bm (colour 1 only; NULL: no measurement): the band's bond and spin sums are added to
 * bm[0], bm[1]. */
static void band(const pml_ising_sweeps_args *a, int avx, int64_t r, int c, uint64_t sweep,
                 int64_t y0, int64_t y1, const cpu_plan *pl, uint32_t *scratch, int64_t *bm)
{
    const int64_t W = a->lx / 2, WW = pml_ising_row_words(a->lx), Ly = a->ly, plane = Ly * WW;
    uint32_t *base = (uint32_t *)a->spins + 2 * r * plane;
    uint32_t *self = base + c * plane;
    const uint32_t *other = base + (1 - c) * plane;
    const int64_t kb = y0 * WW, ke = y1 * WW;
    /* side and valid words of the band: word k at [k - kb] */
    uint32_t *side = scratch, *valid = scratch + (ke - kb);
    /* every row has the same valid words: the first row's, copied */
    for (int64_t w = 0; w < WW; ++w) valid[w] = pml_ising_valid(W, w);
    for (int64_t y = y0; y < y1; ++y) {
        row_side(other + y * WW, W, WW, (int)((y + c) & 1), side + (y - y0) * WW);
        if (y > y0) memcpy(valid + (y - y0) * WW, valid, (size_t)WW * sizeof *valid);
    }
    const band_job job = {pl, a->seed, PML_ISING_STREAM + (uint64_t)(a->r0 + r),
                          pml_ising_word_block(2 * sweep + (uint64_t)c, Ly, WW, 0, 0), WW, plane};
#if PML_ISING_HAVE_AVX512_PATH
    if (avx) {
        pml_cpu_ising_band_avx512(self, other, side, valid, kb, ke, &job);
    } else
#else
    (void)avx;
#endif
    {
        for (int64_t k0 = kb; k0 < ke; k0 += LANES) {
            const int n = ke - k0 < LANES ? (int)(ke - k0) : LANES;
            const uint32_t *sd = side + (k0 - kb), *vd = valid + (k0 - kb);
            if (n <= 2) words_scalar(self, other, sd, vd, k0, n, &job);
            else pml_cpu_ising_words(self, other, sd, vd, k0, n, &job);
        }
    }
    if (bm) measure_band(self, other, side, valid, y0, y1, WW, Ly, bm);
}

pml_status pml_cpu_ising_sweeps(pml_device *dev, const pml_ising_sweeps_args *a)
{
    (void)dev;
    const uint64_t t0 = a->t0;
    const int64_t n = a->n;
    const int measure = a->measure;
    const int64_t W = a->lx / 2, WW = pml_ising_row_words(a->lx), Ly = a->ly, R = a->replicas;
    const int64_t plane = Ly * W;
    const double inv_n = 1.0 / (double)(a->lx * a->ly);
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    /* Replicas are independent: with enough of them each thread takes whole replicas for all
     * n sweeps, with no barrier at all and a lattice that stays in its cache. A single large
     * lattice is split into bands of rows instead, with a barrier per half-sweep. Below ~16k
     * sites per half-sweep the bands cost more than they save (two barriers per sweep, which
     * stall whenever a shared core is taken by other work), so a small batch is either split
     * by whole replicas (one fork and join per call: worth it from ~2^18 updates a call) or
     * run on one thread. */
    const int big = R * plane >= 16384;
    const int par = threads > 1 && (big || (R >= threads && R * plane * n >= ((int64_t)1 << 17)));
    if (!par) threads = 1;
    const int by_replica = !par || !big || R % threads == 0 || R >= 4 * threads;
    const int avx = have_avx512();
    /* bands of about 1024 words (32k sites): many steps of 16 words, scratch in L1 */
    int64_t BR = WW >= 1024 ? 1 : (1024 / WW < Ly ? 1024 / WW : Ly);
    /* a single lattice split over threads: at least 4 bands per thread */
    if (!by_replica) {
        const int64_t cap = Ly / (4 * (int64_t)threads);
        if (cap >= 1 && BR > cap) BR = cap;
    }
    const int64_t nbands = (Ly + BR - 1) / BR, items = R * nbands;
    const size_t sbuf = 2 * (size_t)(BR * WW) + LANES;
    uint32_t *scratch = malloc((size_t)threads * sbuf * sizeof *scratch);
    cpu_plan *plan = malloc((size_t)R * sizeof *plan);
    int64_t *part = (measure && !by_replica) ? malloc((size_t)threads * 2 * R * sizeof *part) : NULL;
    if (!scratch || !plan || (measure && !by_replica && !part)) {
        free(scratch);
        free(plan);
        free(part);
        return pml_set_error(PML_ERR_OUT_OF_MEMORY, "pml_ising_sweep: scratch for %lld rows",
                             (long long)(R * Ly));
    }
    for (int64_t r = 0; r < R; ++r) plan_make(&a->params[r].w, &plan[r]);

    if (by_replica) {
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) if (par)
        for (int64_t r = 0; r < R; ++r) {
            int tid = 0;
#ifdef _OPENMP
            tid = omp_get_thread_num();
#endif
            uint32_t *side = scratch + (size_t)tid * sbuf;
            for (int64_t t = 0; t < n; ++t) {
                int64_t bm[2] = {0, 0};
                for (int c = 0; c < 2; ++c)
                    for (int64_t y0 = 0; y0 < Ly; y0 += BR)
                        band(a, avx, r, c, t0 + (uint64_t)t, y0, y0 + BR < Ly ? y0 + BR : Ly,
                             &plan[r], side, measure && c == 1 ? bm : NULL);
                if (measure) pml_ising_acc_push(&a->acc[r], bm[0], bm[1], a->J, a->params[r].B, inv_n);
            }
        }
        free(scratch);
        free(plan);
        return PML_OK;
    }

    /* One lattice split into contiguous strips of bands, one per thread, separated by a
     * barrier per half-sweep. The barrier spins briefly and then yields the core: on shared
     * cores a partner thread is often descheduled, and OpenMP's spinning barrier would keep
     * the core it needs busy (measured: 2-4x slower under load than this one). */
    pml_cpu_barrier_t bar = {0, 0};
#pragma omp parallel num_threads(threads)
    {
        int tid = 0, nth = 1;
#ifdef _OPENMP
        tid = omp_get_thread_num();
        nth = omp_get_num_threads();
#endif
        uint32_t *side = scratch + (size_t)tid * sbuf;
        int64_t *mine = measure ? part + (size_t)tid * 2 * R : NULL;
        const int64_t lo = items * tid / nth, hi = items * (tid + 1) / nth;
        for (int64_t t = 0; t < n; ++t) {
            for (int c = 0; c < 2; ++c) {
                if (mine && c == 1)
                    for (int64_t i = 0; i < 2 * R; ++i) mine[i] = 0;
                for (int64_t it = lo; it < hi; ++it) {
                    const int64_t r = it / nbands, y0 = (it % nbands) * BR;
                    band(a, avx, r, c, t0 + (uint64_t)t, y0, y0 + BR < Ly ? y0 + BR : Ly,
                         &plan[r], side, mine && c == 1 ? mine + 2 * r : NULL);
                }
                pml_cpu_barrier(&bar, (unsigned)nth);
            }
            /* The sums were made in the colour-1 half-sweep; after its barrier thread 0 adds
             * the threads' parts. A thread next clears its part in the next colour-1 half,
             * after the colour-0 barrier, which thread 0 passes only once it is done here. */
            if (measure && tid == 0)
                for (int64_t r = 0; r < R; ++r) {
                    int64_t b = 0, m = 0;
                    for (int k = 0; k < nth; ++k) {
                        b += part[((size_t)k * R + r) * 2];
                        m += part[((size_t)k * R + r) * 2 + 1];
                    }
                    pml_ising_acc_push(&a->acc[r], b, m, a->J, a->params[r].B, inv_n);
                }
        }
    }
    free(scratch);
    free(plan);
    free(part);
    return PML_OK;
}
