/* Wolff single-cluster updates on the CPU (the rule has no GPU kernel: a cluster grows one
 * site at a time, a chain of dependent steps). The contract is physml/ising.h ("Cluster
 * rules"): one sweep of the counter is one cluster, its draws taken in a fixed order from
 * the step's own range of one stream, so that a trajectory depends only on (seed, replica,
 * step). (A sweep of "clusters until N sites have flipped" would bias the measurements: the
 * cluster that ends it is picked by its size, and large clusters go with ordered states.)
 * The algorithm is Wolff's (1989): from the seed site, each site of the cluster in the order
 * it joined is flipped and its neighbours outside the cluster that would satisfy the bond
 * with its old spin join with probability p = 1 - exp(-2|J|/T). When measuring, the sums are
 * updated from the cluster alone: the magnetisation by its old spins, the bond sum by the
 * bonds that cross its boundary, which change sign. A call works on one byte per spin
 * (random access is the whole cost) and converts to and from the colour planes once. OpenMP
 * over replicas. */
#include <stdint.h>
#include <stdlib.h>

#include "cpu/cpu.h"
#include "cpu/philox16.h"
#include "ops/ising_cluster.h"

/* The step's draws in order: u32(seed, stream, t D + j), j = 0, 1, ..., D = 4N + 2, made 64
 * at a time (16 Philox blocks in SIMD lanes): buf holds draws 4 b0 .. 4 b0 + 63, the next
 * one is buf[pos]. */
typedef struct draws {
    uint64_t seed, stream, b0;
    uint32_t pos;
    uint32_t buf[64];
} draws;

static void fill(draws *d)
{
    uint64_t ctr[16];
    uint32_t X[16], Y[16], Z[16], Wd[16];
    for (int k = 0; k < 16; ++k) ctr[k] = d->b0 + (uint64_t)k;
    pml_cpu_philox16(d->seed, d->stream, ctr, X, Y, Z, Wd);
    for (int k = 0; k < 16; ++k) {
        d->buf[4 * k] = X[k];
        d->buf[4 * k + 1] = Y[k];
        d->buf[4 * k + 2] = Z[k];
        d->buf[4 * k + 3] = Wd[k];
    }
}

static void draws_start(draws *d, uint64_t seed, uint64_t stream, uint64_t first)
{
    d->seed = seed;
    d->stream = stream;
    d->b0 = first >> 2;
    d->pos = (uint32_t)(first & 3u);
    fill(d);
}

/* Make buf[pos] the next draw (refill when the 64 are used). */
static inline void draws_ready(draws *d)
{
    if (d->pos >= 64) {
        d->b0 += 16;
        d->pos -= 64;
        fill(d);
    }
}

static inline uint32_t next_draw(draws *d)
{
    draws_ready(d);
    return d->buf[d->pos++];
}

/* Bond and spin sums of an lx x ly lattice of +-1 bytes. */
static void sums(const int8_t *s, int64_t lx, int64_t ly, int64_t *bonds, int64_t *mag)
{
    int64_t b = 0, m = 0;
    for (int64_t y = 0; y < ly; ++y) {
        const int8_t *row = s + y * lx, *down = s + (y + 1 == ly ? 0 : y + 1) * lx;
        int32_t rb = 0, rm = 0;
        for (int64_t x = 0; x + 1 < lx; ++x) rb += row[x] * (row[x + 1] + down[x]);
        rb += row[lx - 1] * (row[0] + down[lx - 1]);
        for (int64_t x = 0; x < lx; ++x) rm += row[x];
        b += rb;
        m += rm;
    }
    *bonds = b;
    *mag = m;
}

/* The four neighbours of site k (right, left, down, up). inv = floor(2^64 / lx) + 1, so that
 * y = floor(k inv / 2^64) = floor(k / lx) exactly for k lx < 2^64 (a multiply, not a divide). */
static inline void neighbours(int32_t k, int32_t lx, int32_t ly, uint64_t inv, int32_t nb[4])
{
    const int32_t y = (int32_t)(((unsigned __int128)(uint32_t)k * inv) >> 64);
    const int32_t row = y * lx, x = k - row, N = lx * ly;
    nb[0] = row + (x + 1 == lx ? 0 : x + 1);
    nb[1] = row + (x == 0 ? lx - 1 : x - 1);
    nb[2] = y + 1 == ly ? x : k + lx;
    nb[3] = y == 0 ? k + N - lx : k - lx;
}

/* Scratch of one replica's call: N bytes of spins, N int32 of cluster stamps, N + 1 int32 of
 * cluster sites (the queue and, after the growth, the list of the cluster's sites; the one
 * more takes the store the branch-free growth makes past a cluster of all N sites). */
typedef struct wolff_work {
    int8_t *s;
    int32_t *mark, *list;
} wolff_work;

static void one_replica(const pml_ising_sweeps_args *a, int64_t r, wolff_work *wk)
{
    const int32_t lx = (int32_t)a->lx, ly = (int32_t)a->ly, N = lx * ly;
    const int64_t XW = pml_ising_xwords(lx), W = lx / 2, WW = pml_ising_row_words(lx);
    uint32_t *planes = (uint32_t *)a->spins + r * 2 * ly * WW;
    const pml_ising_rparams *p = &a->params[r];
    const uint32_t always = (p->always & PML_ISING_BOND_ALWAYS) != 0;
    const uint32_t thr = p->bond_thr;
    const int anti = a->J < 0; /* satisfied: opposite spins */
    int8_t *s = wk->s;
    int32_t *mark = wk->mark, *list = wk->list;
    for (int64_t y = 0; y < ly; ++y)
        for (int64_t w = 0; w < XW; ++w) {
            const uint32_t v = pml_ising_row_word(planes, W, ly, y, w);
            for (int64_t x = 32 * w; x < lx && x < 32 * w + 32; ++x)
                s[y * lx + x] = (int8_t)(((v >> (x & 31)) & 1u) ? 1 : -1);
        }
    for (int32_t i = 0; i < N; ++i) mark[i] = 0;
    int64_t bonds = 0, mag = 0;
    if (a->measure) sums(s, lx, ly, &bonds, &mag);
    const uint64_t D = 4 * (uint64_t)N + 2;
    const uint64_t inv = (uint64_t)(((unsigned __int128)1 << 64) / (uint64_t)lx) + 1u;
    int32_t stamp = 0;
    for (int64_t n = 0; n < a->n; ++n) {
        if (stamp == INT32_MAX) { /* a fresh set of stamps */
            for (int32_t i = 0; i < N; ++i) mark[i] = 0;
            stamp = 0;
        }
        ++stamp;
        draws d;
        draws_start(&d, a->seed, PML_ISING_WOLFF_STREAM + (uint64_t)(a->r0 + r),
                    (a->t0 + (uint64_t)n) * D);
        const uint64_t hi = next_draw(&d), lo = next_draw(&d);
        const int32_t seed = (int32_t)(((unsigned __int128)((hi << 32) | lo) * (uint64_t)N) >> 64);
        int32_t top = 0, size = 0; /* list[0, size): the cluster; [top, size): to visit */
        int64_t dmag = 0;
        mark[seed] = stamp;
        list[size++] = seed;
        while (top < size) {
            const int32_t k = list[top++];
            /* k's old spin, flipped now; a neighbour joins if it would satisfy the bond with
             * it: equal to it (J > 0) or opposite (J < 0), and not in the cluster */
            const int8_t old = s[k], want = (int8_t)(anti ? -old : old);
            s[k] = (int8_t)-old;
            dmag -= 2 * old;
            int32_t nb[4];
            neighbours(k, lx, ly, inv, nb);
            for (int e = 0; e < 4; ++e) { /* without branches: the outcomes are coin flips */
                const int32_t q = nb[e];
                const uint32_t cand = (uint32_t)(mark[q] != stamp) & (uint32_t)(s[q] == want);
                draws_ready(&d);
                const uint32_t u = d.buf[d.pos];
                d.pos += cand; /* a draw is taken only by a candidate */
                const uint32_t join = cand & (uint32_t)(always | (u < thr));
                list[size] = q;
                size += (int32_t)join;
                mark[q] = join ? stamp : mark[q];
            }
        }
        if (!a->measure) continue;
        /* the bonds between the cluster and the rest changed sign (k's new spin times q's) */
        int64_t dbonds = 0;
        for (int32_t c = 0; c < size; ++c) {
            const int32_t k = list[c];
            int32_t nb[4];
            neighbours(k, lx, ly, inv, nb);
            int32_t out = 0;
            for (int e = 0; e < 4; ++e) out += mark[nb[e]] == stamp ? 0 : s[nb[e]];
            dbonds += 2 * s[k] * out;
        }
        bonds += dbonds;
        mag += dmag;
        pml_ising_acc_push(&a->acc[r], bonds, mag, a->J, p->B, 1.0 / (double)N);
        pml_ising_acc_imp(&a->acc[r], (double)size / (double)N); /* <|C|> = N <m^2> */
    }
    uint32_t *rows = (uint32_t *)list; /* back to row words (ly XW <= N words) ... */
    for (int64_t y = 0; y < ly; ++y)
        for (int64_t w = 0; w < XW; ++w) {
            uint32_t v = 0;
            for (int64_t x = 32 * w; x < lx && x < 32 * w + 32; ++x)
                v |= (uint32_t)(s[y * lx + x] > 0) << (x & 31);
            rows[y * XW + w] = v;
        }
    for (int c = 0; c < 2; ++c) /* ... and to the planes */
        for (int64_t y = 0; y < ly; ++y)
            for (int64_t pw = 0; pw < WW; ++pw)
                planes[(c * ly + y) * WW + pw] = pml_ising_plane_word(rows + y * XW, XW, y, c, pw);
}

/* per replica: N bytes of spins (rounded to 64), N int32 stamps, N + 1 int32 cluster sites */
static size_t spins_bytes(int64_t N) { return ((size_t)N + 63) / 64 * 64; }

static void replica_fn(const pml_ising_sweeps_args *a, int64_t r, char *base)
{
    const int64_t N = a->lx * a->ly;
    const size_t sb = spins_bytes(N);
    wolff_work wk = {(int8_t *)base, (int32_t *)(base + sb), (int32_t *)(base + sb) + N};
    one_replica(a, r, &wk);
}

pml_status pml_cpu_ising_wolff(pml_device *dev, const pml_ising_sweeps_args *a)
{
    (void)dev;
    const int64_t N = a->lx * a->ly;
    return pml_cpu_ising_for_replicas(a, spins_bytes(N) + 8 * (size_t)N + 4, replica_fn, "Wolff");
}
