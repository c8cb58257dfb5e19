/* Swendsen-Wang sweeps on the CPU: the backend table's kernel. The contract is physml/ising.h
 * ("Cluster rules"), the site-by-site reference src/cpu/ising_sw.c, the per-word bodies
 * shared with CUDA src/ops/ising_cluster.h. A call converts each replica's colour planes to
 * row words once, runs its n sweeps there and converts back. A sweep:
 *   1. the active bonds of every row word and direction: the satisfied bonds by bit logic,
 *      then u < thr bit-sliced, one Philox block (four bit planes of 32 bonds) at a time
 *      until every lane is decided, 16 words' blocks at once in SIMD lanes;
 *   2. the clusters by union-find over the sites (parent links, the larger root linked
 *      under the smaller, so that a root is always its set's smallest site: the label the
 *      contract flips by): runs of right bonds are linked in one scan, then the other bonds
 *      united, visited with count-trailing-zeros, with no branch on the data in the common
 *      case (two hops without a test, halving only longer paths; the link stored whether or
 *      not the two were one set already);
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
#include "cpu/simd.h"
#include "ops/ising_cluster.h"

static inline int32_t find(int32_t *p, int32_t i)
{
    while (p[i] != i) {
        p[i] = p[p[i]];
        i = p[i];
    }
    return i;
}

/* The larger root linked under the smaller; returns the root so linked, or -1 when a and b
 * were in one set already. */
static inline int32_t unite(int32_t *p, int32_t a, int32_t b)
{
    a = find(p, a);
    b = find(p, b);
    if (a == b) return -1;
    const int32_t lo = a < b ? a : b, hi = a < b ? b : a;
    p[hi] = lo;
    return hi;
}

static inline int bit(const uint32_t *words, int64_t x) { return (int)((words[x >> 5] >> (x & 31)) & 1u); }

/* The root of i after two hops taken without a test (a root is its own parent), then
 * halving whatever remains: near T_c a find from a run start takes 0.5 hops on average, and
 * a loop whose exit is a coin flip mispredicted once a union or so. */
static inline int32_t find_fast(int32_t *p, int32_t i)
{
    i = p[p[i]];
    return __builtin_expect(p[i] != i, 0) ? find(p, i) : i;
}

/* Unite the sets of a and b with no branch on the data: the larger root linked under the
 * smaller, which is a root linked to itself when they were one set already. */
static inline void unite_fast(int32_t *p, int32_t a, int32_t b)
{
    a = find_fast(p, a);
    b = find_fast(p, b);
    const int32_t lo = a < b ? a : b, hi = a < b ? b : a;
    p[hi] = lo;
}

/* One replica's call: its arguments, scratch and the sweep's state. */
typedef struct sw_rep {
    const pml_ising_sweeps_args *a;
    int64_t r, lx, ly, XW, N;
    uint64_t NW;
    const pml_ising_rparams *p;
    uint64_t bstream, fstream;
    uint32_t *rows, *actR, *actD, *fw; /* ly XW, ly XW, ly XW, NW words */
    int32_t *par, *lab;                /* N each; lab: the final roots when split over threads */
    int32_t *cnt;                      /* cluster sizes by root: N (one thread) or nth N */
} sw_rep;

/* Step 1 for the row words [kb, ke) of the replica, 16 words at a time: the satisfied bonds,
 * then u < thr bit-sliced with 16 Philox blocks per call (the words' block k = 0, 1, ... in
 * the 16 lanes) until every lane of the 16 words is decided. Word k = y XW + w's blocks start
 * at ((2t + d) ly XW + k) 8, as pml_ising_sw_block says. */
static void bonds(const sw_rep *R, uint64_t t, int64_t kb, int64_t ke)
{
    const int64_t lx = R->lx, ly = R->ly, XW = R->XW, words = ly * XW;
    const uint32_t *rows = R->rows;
    const int always = (R->p->always & PML_ISING_BOND_ALWAYS) != 0;
    const uint32_t thr = R->p->bond_thr;
    const double J = R->a->J;
    for (int64_t k0 = kb; k0 < ke; k0 += 16) {
        const int n = ke - k0 < 16 ? (int)(ke - k0) : 16;
        uint32_t sat[2][16];
        for (int i = 0; i < 16; ++i) {
            const int64_t k = k0 + (i < n ? i : 0), y = k / XW, w = k - y * XW;
            const uint32_t *row = rows + y * XW;
            const uint32_t v = i < n ? pml_ising_valid(lx, w) : 0u, s = row[w];
            sat[0][i] = pml_ising_satisfied(s, pml_ising_side(row, lx, XW, w, 1), v, J);
            sat[1][i] = pml_ising_satisfied(s, rows[(y + 1 == ly ? 0 : y + 1) * XW + w], v, J);
        }
        for (int d = 0; d < 2; ++d) {
            uint32_t *out = (d ? R->actD : R->actR) + k0;
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
                pml_cpu_philox16(R->a->seed, R->bstream, ctr, D[0], D[1], D[2], D[3]);
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

/* Flip words [i0, i1) of sweep t (bit c % 32 of fw[c / 32] flips the cluster of root c). */
static void flip_words(const sw_rep *R, uint64_t t, uint64_t i0, uint64_t i1)
{
    const uint64_t off = t * R->NW;
    for (uint64_t i = off + i0, end = off + i1; i < end;) {
        const pml_u32x4 d = pml_philox_draw4(R->a->seed, R->fstream, i >> 2);
        for (unsigned lane = (unsigned)(i & 3u); lane < 4 && i < end; ++lane, ++i)
            R->fw[i - off] = pml_u32x4_get(d, lane);
    }
}

/* Step 2 for rows [y0, y1): a run of sites joined by right bonds starts out linked to its
 * first site (the smallest); then the wrap-around right bonds and the down bonds of rows
 * [y0, y1 - 1) are united (with `last`, row y1 - 1's down bonds too), skipping a down bond
 * whose left neighbours' down bond joins the same two runs (the common case inside a
 * cluster); then every parent of the rows is made a root by one pass in site order (every
 * link points to a smaller site, so the parent's parent is one already). All links stay
 * inside the rows unless `last` takes row y1 - 1's bonds to row y1 (mod ly). */
__attribute__((noinline)) static void label_rows(const sw_rep *R, int64_t y0, int64_t y1, int last)
{
    const int64_t lx = R->lx, ly = R->ly, XW = R->XW;
    int32_t *par = R->par, *rs = R->lab; /* rs: each site's run start (lab is free here) */
    for (int64_t y = y0; y < y1; ++y) {
        const uint32_t *ar = R->actR + y * XW;
        int32_t *pr = par + y * lx, *rr = rs + y * lx;
        const int32_t base = (int32_t)(y * lx);
        int32_t cur = base; /* the run's first site, in a register */
        uint32_t carry = 0;     /* the right bond of the last site of the word before */
        for (int64_t w = 0; w < XW; ++w) {
            /* bit l: site 32 w + l has a bond from its left neighbour */
            const uint32_t from = (ar[w] << 1) | carry;
            carry = ar[w] >> 31;
            const int64_t n = lx - 32 * w < 32 ? lx - 32 * w : 32;
            for (int64_t l = 0; l < n; ++l) {
                /* by masks, not a choice: the bond is a coin flip, and GCC made the choice a
                 * branch that mispredicted about every other site (a third of a one-thread
                 * sweep's labelling at 128^2) */
                const int32_t keep = -(int32_t)((from >> l) & 1u);
                cur = (cur & keep) | ((base + (int32_t)(32 * w + l)) & ~keep);
                pr[32 * w + l] = rr[32 * w + l] = cur;
            }
        }
    }
    for (int64_t y = y0; y < y1; ++y) {
        const int32_t base = (int32_t)(y * lx);
        const uint32_t *ar = R->actR + y * XW;
        if (bit(ar, lx - 1)) unite_fast(par, rs[base + lx - 1], base);
        if (y + 1 == y1 && !last) break;
        const int64_t yd = y + 1 == ly ? 0 : y + 1;
        const int32_t below = (int32_t)(yd * lx);
        const uint32_t *ard = R->actR + yd * XW, *ad = R->actD + y * XW;
        for (int64_t w = 0; w < XW; ++w) {
            /* down bonds at x whose x - 1 also has one, with right bonds at x - 1 above and
             * below: already joined */
            const uint32_t m = ad[w];
            const uint32_t prev = (m << 1) | (w > 0 ? ad[w - 1] >> 31 : 0u);
            const uint32_t rr = (ar[w] << 1) | (w > 0 ? ar[w - 1] >> 31 : 0u);
            const uint32_t rd = (ard[w] << 1) | (w > 0 ? ard[w - 1] >> 31 : 0u);
            for (uint32_t u = m & ~(prev & rr & rd); u; u &= u - 1) {
                const int32_t x = (int32_t)(32 * w) + __builtin_ctz(u);
                /* the runs' first sites (their links are the only ones a union changes) */
                unite_fast(par, rs[base + x], rs[below + x]);
            }
        }
    }
    for (int32_t i = (int32_t)(y0 * lx); i < (int32_t)(y1 * lx); ++i) par[i] = par[par[i]];
}

/* Step 3 for rows [y0, y1): each site's cluster bit from the flip words by its root (lab[i]
 * when given, else par[i], a root after label_rows over the whole lattice); then, with bm,
 * the rows' bond and spin sums (rows y1 mod ly flipped too by then). */
PML_SIMD_CLONES
static void apply_rows(const sw_rep *R, const int32_t *root, int64_t y0, int64_t y1)
{
    const int64_t lx = R->lx, XW = R->XW;
    const uint32_t *fw = R->fw;
    for (int64_t y = y0; y < y1; ++y)
        for (int64_t w = 0; w < XW; ++w) {
            uint32_t *word = &R->rows[y * XW + w];
            if (32 * w + 32 > lx) { /* a partial word: as CUDA does */
                *word = pml_ising_sw_apply(*word, root, fw, lx, y, w);
                continue;
            }
            /* a whole word: pml_ising_sw_apply's lookups with a constant count, in vector
             * gathers */
            const int32_t *rt = root + y * lx + 32 * w;
            uint32_t mask = 0;
#pragma omp simd reduction(| : mask)
            for (int l = 0; l < 32; ++l) {
                const int32_t c = rt[l];
                mask |= ((fw[c >> 5] >> (c & 31)) & 1u) << l;
            }
            *word ^= mask;
        }
}

static void sums_rows(const sw_rep *R, int64_t y0, int64_t y1, long long *bm)
{
    for (int64_t y = y0; y < y1; ++y)
        for (int64_t w = 0; w < R->XW; ++w) pml_ising_row_sums(R->rows, R->lx, R->ly, R->XW, y, w, bm);
}

/* The sweep's measurement: bond and spin sums, and sq = the sum over clusters of |C|^2 (the
 * improved estimator of <m^2> is sq / N^2). */
static void push(const sw_rep *R, const long long *bm, int64_t sq)
{
    pml_ising_acc_push(&R->a->acc[R->r], bm[0], bm[1], R->a->J, R->p->B, 1.0 / (double)R->N);
    pml_ising_acc_imp(&R->a->acc[R->r], (double)sq / ((double)R->N * (double)R->N));
}

/* The sums of the nth threads' parts (bond sum, spin sum, sum of |C|^2 each), pushed. */
static void push_parts(const sw_rep *R, const long long *parts, int nth)
{
    long long bm[2] = {0, 0}, sq = 0;
    for (int k = 0; k < nth; ++k) {
        bm[0] += parts[3 * k];
        bm[1] += parts[3 * k + 1];
        sq += parts[3 * k + 2];
    }
    push(R, bm, sq);
}

/* Cluster sizes: cnt[c] += the sites of rows [y0, y1) whose root is c, a run of right bonds
 * at a time (its sites share a root): the runs end where a right bond is inactive. */
static void count_roots(const sw_rep *R, int32_t *cnt, const int32_t *root, int64_t y0, int64_t y1)
{
    const int64_t lx = R->lx, XW = R->XW;
    for (int64_t y = y0; y < y1; ++y) {
        const uint32_t *ar = R->actR + y * XW;
        const int32_t *rt = root + y * lx;
        int64_t start = 0;
        for (int64_t w = 0; w < XW; ++w) {
            /* bit l: site 32 w + l ends its run (no bond to its right, or the row's end) */
            uint32_t ends = ~ar[w] & pml_ising_valid(lx, w);
            if (32 * w + 32 >= lx) ends |= 1u << ((lx - 1) & 31);
            for (; ends; ends &= ends - 1) {
                const int64_t x = 32 * w + __builtin_ctz(ends);
                cnt[rt[start]] += (int32_t)(x + 1 - start);
                start = x + 1;
            }
        }
    }
}

/* The sum of |C|^2 over the roots c in [c0, c1), a root's size being the sum of its counts in
 * the nsets count arrays (one per strip), each entry cleared for the next sweep as it is read
 * (the one thread that reads it). */
static int64_t take_squares(const sw_rep *R, int64_t c0, int64_t c1, int nsets)
{
    int64_t sq = 0;
    for (int64_t c = c0; c < c1; ++c) {
        int64_t size = 0;
        for (int k = 0; k < nsets; ++k) {
            int32_t *e = &R->cnt[(size_t)k * (size_t)R->N + (size_t)c];
            size += *e;
            *e = 0;
        }
        sq += size * size;
    }
    return sq;
}

static void to_rows(const sw_rep *R)
{
    const uint32_t *planes = (const uint32_t *)R->a->spins + R->r * 2 * R->ly * pml_ising_row_words(R->lx);
    for (int64_t y = 0; y < R->ly; ++y)
        for (int64_t w = 0; w < R->XW; ++w)
            R->rows[y * R->XW + w] = pml_ising_row_word(planes, R->lx / 2, R->ly, y, w);
}

static void to_planes(const sw_rep *R)
{
    const int64_t WW = pml_ising_row_words(R->lx), ly = R->ly;
    uint32_t *planes = (uint32_t *)R->a->spins + R->r * 2 * ly * WW;
    for (int c = 0; c < 2; ++c)
        for (int64_t y = 0; y < ly; ++y)
            for (int64_t pw = 0; pw < WW; ++pw)
                planes[(c * ly + y) * WW + pw] = pml_ising_plane_word(R->rows + y * R->XW, R->XW, y, c, pw);
}

/* A whole replica on one thread. */
static void one_replica(sw_rep *R)
{
    to_rows(R);
    /* the cluster sizes start at zero once a call; each sweep clears the entries it used */
    if (R->a->measure) memset(R->cnt, 0, (size_t)R->N * sizeof *R->cnt);
    for (int64_t n = 0; n < R->a->n; ++n) {
        const uint64_t t = R->a->t0 + (uint64_t)n;
        bonds(R, t, 0, R->ly * R->XW);
        flip_words(R, t, 0, R->NW);
        label_rows(R, 0, R->ly, 1);
        apply_rows(R, R->par, 0, R->ly);
        if (R->a->measure) {
            long long bm[2] = {0, 0};
            sums_rows(R, 0, R->ly, bm);
            count_roots(R, R->cnt, R->par, 0, R->ly);
            push(R, bm, take_squares(R, 0, R->N, 1));
        }
    }
    to_planes(R);
}

/* The root of site i without writing (other threads read the same links). */
static inline int32_t root_of(const int32_t *p, int32_t i)
{
    while (p[i] != i) i = p[i];
    return i;
}

/* One replica split into strips of rows over the nth threads of the calling parallel region
 * (thread tid). Per sweep: each strip draws its bonds and flip words and labels itself
 * (its links stay inside it); thread 0 unites the bonds between strips; each strip finds its
 * sites' final roots (into lab: no thread writes a link then) and flips; each sums its rows
 * when measuring, and thread 0 pushes the sums after the next barrier. */
static void strips(sw_rep *R, int tid, int nth, pml_cpu_barrier_t *bar, long long *parts)
{
    /* parts: per thread the bond sum, the spin sum, and the sum of |C|^2 over its roots */
    const int64_t ly = R->ly, lx = R->lx, XW = R->XW;
    const int64_t y0 = ly * tid / nth, y1 = ly * (tid + 1) / nth;
    const uint64_t f0 = R->NW * (uint64_t)tid / (uint64_t)nth;
    const uint64_t f1 = R->NW * (uint64_t)(tid + 1) / (uint64_t)nth;
    if (tid == 0) to_rows(R);
    if (R->a->measure) /* zero once a call; each sweep clears what it used */
        memset(R->cnt + (size_t)tid * (size_t)R->N, 0, (size_t)R->N * sizeof *R->cnt);
    pml_cpu_barrier(bar, (unsigned)nth);
    for (int64_t n = 0; n < R->a->n; ++n) {
        const uint64_t t = R->a->t0 + (uint64_t)n;
        bonds(R, t, y0 * XW, y1 * XW);
        flip_words(R, t, f0, f1);
        label_rows(R, y0, y1, 0);
        pml_cpu_barrier(bar, (unsigned)nth);
        if (tid == 0) {
            if (n > 0 && R->a->measure) push_parts(R, parts, nth); /* the previous sweep's */
            /* the down bonds of each strip's last row, noting each strip root linked under
             * another (in lab, free until the roots are written below); then each noted root
             * linked straight to its final root. Every site's parent is its strip's root, so
             * par[par[i]] is then the final root, read without a loop: a loop's exit was a
             * coin flip per site (two steps for the sites of clusters that cross a strip
             * boundary, a large share near T_c), a quarter of a 128^2 sweep on two threads */
            int64_t nl = 0;
            for (int k = 0; k < nth; ++k) {
                const int64_t y = ly * (k + 1) / nth - 1, yd = y + 1 == ly ? 0 : y + 1;
                const uint32_t *ad = R->actD + y * XW;
                for (int64_t w = 0; w < XW; ++w)
                    for (uint32_t u = ad[w]; u; u &= u - 1) {
                        const int32_t x = (int32_t)(32 * w) + __builtin_ctz(u);
                        const int32_t linked =
                            unite(R->par, (int32_t)(y * lx) + x, (int32_t)(yd * lx) + x);
                        if (linked >= 0) R->lab[nl++] = linked;
                    }
            }
            for (int64_t k = 0; k < nl; ++k) R->par[R->lab[k]] = root_of(R->par, R->lab[k]);
        }
        pml_cpu_barrier(bar, (unsigned)nth);
        for (int32_t i = (int32_t)(y0 * lx); i < (int32_t)(y1 * lx); ++i)
            R->lab[i] = R->par[R->par[i]];
        apply_rows(R, R->lab, y0, y1);
        int32_t *cnt = R->cnt + (size_t)tid * (size_t)R->N; /* this strip's cluster sizes */
        if (R->a->measure) count_roots(R, cnt, R->lab, y0, y1);
        pml_cpu_barrier(bar, (unsigned)nth); /* every row flipped: the sums, the next bonds */
        if (R->a->measure) {
            long long bm[2] = {0, 0};
            sums_rows(R, y0, y1, bm);
            parts[3 * tid] = bm[0];
            parts[3 * tid + 1] = bm[1];
            /* |C|^2 of the roots in this thread's share of the sites, over all strips */
            parts[3 * tid + 2] = take_squares(R, R->N * tid / nth, R->N * (tid + 1) / nth, nth);
        }
    }
    pml_cpu_barrier(bar, (unsigned)nth);
    if (tid == 0) {
        if (R->a->n > 0 && R->a->measure) push_parts(R, parts, nth);
        to_planes(R);
    }
}

static sw_rep rep_of(const pml_ising_sweeps_args *a, int64_t r, char *mem);

static void replica_fn(const pml_ising_sweeps_args *a, int64_t r, char *mem)
{
    sw_rep R = rep_of(a, r, mem);
    one_replica(&R);
}

static sw_rep rep_of(const pml_ising_sweeps_args *a, int64_t r, char *mem)
{
    sw_rep R;
    R.a = a;
    R.r = r;
    R.lx = a->lx;
    R.ly = a->ly;
    R.XW = pml_ising_xwords(a->lx);
    R.N = a->lx * a->ly;
    R.NW = (uint64_t)((R.N + 31) / 32);
    R.p = &a->params[r];
    R.bstream = PML_ISING_SW_STREAM + (uint64_t)(a->r0 + r);
    R.fstream = PML_ISING_SW_FLIP_STREAM + (uint64_t)(a->r0 + r);
    const int64_t words = R.ly * R.XW;
    R.rows = (uint32_t *)mem;
    R.actR = R.rows + words;
    R.actD = R.actR + words;
    R.fw = R.actD + words;
    R.par = (int32_t *)(R.fw + R.NW);
    R.lab = R.par + R.N;
    R.cnt = R.lab + R.N;
    return R;
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
    /* Replicas are independent: whole replicas per thread when there are enough of them;
     * one replica of 4096 sites or more is split into strips of rows (at least 8 rows each). */
    const int split = a->replicas < threads && N >= 4096 && ly >= 16;
    int nth = split ? (threads < ly / 8 ? threads : (int)(ly / 8)) : 1;
    if (nth > 64) nth = 64;
    /* words: rows, bonds, flip words; int32: parents, final roots, cluster sizes (nth sets
     * when split) */
    const size_t per = (3 * (size_t)(ly * XW) + NW) * 4 + (size_t)N * 4 * (2 + (split ? nth : 1)) + 64;
    if (split) {
        char *mem = malloc(per);
        if (!mem)
            return pml_set_error(PML_ERR_OUT_OF_MEMORY, "Swendsen-Wang: scratch for %lld sites",
                                 (long long)N);
        long long parts[3 * 64];
        for (int64_t r = 0; r < a->replicas; ++r) {
            sw_rep R = rep_of(a, r, mem);
            pml_cpu_barrier_t bar = {0, 0};
#pragma omp parallel num_threads(nth)
            {
                int tid = 0, got = 1;
#ifdef _OPENMP
                tid = omp_get_thread_num();
                got = omp_get_num_threads();
#endif
                strips(&R, tid, got, &bar, parts);
            }
        }
        free(mem);
        return PML_OK;
    }
    return pml_cpu_ising_for_replicas(a, per, replica_fn, "Swendsen-Wang");
}
