/* Checkerboard Ising sweeps on a batch of replicas.
 * Contract (shared with src/cuda/ising_sweep.cu): spins are the two colour planes of
 * src/ising/ising_ops.h (int8 +-1, R x 2 x Ly x Lx/2). Sweep t updates plane 0 then plane 1
 * of every replica; site k of colour c in replica r flips iff its draw
 * u32(seed, PML_ISING_STREAM + r0 + r, (2t + c) P + k) is below the threshold of its case
 * (params[r].thr, .always). With `measure`, after each sweep the bond sum and the spin sum of
 * each replica go to acc[r] through pml_ising_acc_push. No floating point touches a spin.
 *
 * CPU: OpenMP over whole replicas (no barriers) when the batch is large enough, otherwise
 * over bands of rows of one replica inside one parallel region for all n sweeps. A band first
 * fills its draws with a Philox evaluated 16 blocks at a time in SIMD lanes (AVX-512
 * intrinsics, or the portable loops with AVX2 clones), then updates its rows in a
 * vectorised loop. */
#define _POSIX_C_SOURCE 200809L /* sched_yield */
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cpu/cpu.h"
#include "ising/ising_ops.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define PML_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define PML_SIMD_CLONES
#endif

#define PHILOX_LANES 16

/* out[0 .. 4 nb) = the draws of blocks b0 .. b0+nb-1 of `stream`, in index order. */
PML_SIMD_CLONES
void pml_cpu_ising_philox(uint64_t seed, uint64_t stream, uint64_t b0, int64_t nb,
                          uint32_t *restrict out)
{
    const uint32_t s0 = (uint32_t)stream, s1 = (uint32_t)(stream >> 32);
    const int64_t full = nb - nb % PHILOX_LANES;
    for (int64_t i = full; i < nb; ++i) { /* the tail, one block at a time */
        pml_u32x4 v = pml_philox_draw4(seed, stream, b0 + (uint64_t)i);
        out[4 * i + 0] = v.x;
        out[4 * i + 1] = v.y;
        out[4 * i + 2] = v.z;
        out[4 * i + 3] = v.w;
    }
    for (int64_t i0 = 0; i0 < full; i0 += PHILOX_LANES) {
        uint32_t x[PHILOX_LANES], y[PHILOX_LANES], z[PHILOX_LANES], w[PHILOX_LANES];
#pragma omp simd
        for (int i = 0; i < PHILOX_LANES; ++i) {
            uint64_t b = b0 + (uint64_t)i0 + (uint64_t)i;
            x[i] = (uint32_t)b;
            y[i] = (uint32_t)(b >> 32);
            z[i] = s0;
            w[i] = s1;
        }
        uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
        for (int r = 0; r < 10; ++r) {
#pragma omp simd
            for (int i = 0; i < PHILOX_LANES; ++i) {
                uint64_t p0 = (uint64_t)PML_PHILOX_M0 * x[i];
                uint64_t p1 = (uint64_t)PML_PHILOX_M1 * z[i];
                uint32_t nx = (uint32_t)(p1 >> 32) ^ y[i] ^ k0;
                uint32_t nz = (uint32_t)(p0 >> 32) ^ w[i] ^ k1;
                y[i] = (uint32_t)p1;
                w[i] = (uint32_t)p0;
                x[i] = nx;
                z[i] = nz;
            }
            k0 += PML_PHILOX_W0;
            k1 += PML_PHILOX_W1;
        }
        uint32_t *o = out + 4 * i0;
        for (int i = 0; i < PHILOX_LANES; ++i) {
            o[4 * i + 0] = x[i];
            o[4 * i + 1] = y[i];
            o[4 * i + 2] = z[i];
            o[4 * i + 3] = w[i];
        }
    }
}

/* One row of plane c: self[j] for j < W with neighbours up[j], dn[j], opp[j], opp[j + d]. */
PML_SIMD_CLONES
void pml_cpu_ising_row(int8_t *restrict self, const int8_t *restrict up,
                       const int8_t *restrict dn, const int8_t *restrict opp, int64_t W, int o,
                       const uint32_t *restrict u, const pml_ising_rparams *restrict p)
{
    /* The ten cases as selects rather than a table lookup, so the loop vectorises (a
     * gather from a 10-entry table defeats GCC). a*: 0 or ~0, the "always" masks. */
    const uint32_t t0 = p->thr[0], t1 = p->thr[1], t2 = p->thr[2], t3 = p->thr[3],
                   t4 = p->thr[4], t5 = p->thr[5], t6 = p->thr[6], t7 = p->thr[7],
                   t8 = p->thr[8], t9 = p->thr[9];
    uint32_t am[10];
    for (int i = 0; i < 10; ++i) am[i] = ((p->always >> i) & 1u) ? 0xFFFFFFFFu : 0u;
    const uint32_t a0 = am[0], a1 = am[1], a2 = am[2], a3 = am[3], a4 = am[4], a5 = am[5],
                   a6 = am[6], a7 = am[7], a8 = am[8], a9 = am[9];
    /* the one site whose horizontal partner wraps around */
    const int64_t edge = o ? W - 1 : 0;
    const int64_t lo = o ? 0 : 1, hi = o ? W - 1 : W;
    const int8_t *opp2 = opp + (o ? 1 : -1);
#define PML_ISING_SITE(j, o2expr)                                                          \
    do {                                                                                   \
        const int32_t s = self[j];                                                         \
        const int32_t nb = (int32_t)up[j] + (int32_t)dn[j] + (int32_t)opp[j] + (o2expr);   \
        const uint32_t tm = nb == -4 ? t0 : nb == -2 ? t1 : nb == 0 ? t2 : nb == 2 ? t3 : t4; \
        const uint32_t tp = nb == -4 ? t5 : nb == -2 ? t6 : nb == 0 ? t7 : nb == 2 ? t8 : t9; \
        const uint32_t qm = nb == -4 ? a0 : nb == -2 ? a1 : nb == 0 ? a2 : nb == 2 ? a3 : a4; \
        const uint32_t qp = nb == -4 ? a5 : nb == -2 ? a6 : nb == 0 ? a7 : nb == 2 ? a8 : a9; \
        const uint32_t t = s > 0 ? tp : tm, q = s > 0 ? qp : qm;                           \
        const uint32_t flip = (u[j] < t ? 0xFFFFFFFFu : 0u) | q;                           \
        self[j] = (int8_t)(flip ? -s : s);                                                 \
    } while (0)
#pragma omp simd
    for (int64_t j = lo; j < hi; ++j) PML_ISING_SITE(j, (int32_t)opp2[j]);
    PML_ISING_SITE(edge, (int32_t)opp[o ? 0 : W - 1]);
#undef PML_ISING_SITE
}

/* ---- AVX-512 paths (x86-64 with AVX-512 F/BW/VL, chosen at run time) ----------------------
 * The same arithmetic as the portable functions above, written with intrinsics because GCC
 * cannot see two tricks: the 32x32->64 multiply of Philox done as even/odd vpmuludq pairs,
 * and the ten-case threshold lookup as one in-register permute (vpermd). The result is the
 * same integers; tests/ising_test.c checks both paths against the reference. */
#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define PML_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))

PML_AVX512 static inline void mulhilo16(__m512i a, __m512i m, __m512i *lo, __m512i *hi)
{
    /* even lanes' products in pe, odd lanes' in po (64 bits each); the 32-bit halves are
     * swapped into place by masked in-lane shuffles */
    const __m512i pe = _mm512_mul_epu32(a, m);
    const __m512i po = _mm512_mul_epu32(_mm512_shuffle_epi32(a, _MM_PERM_CDAB), m);
    *lo = _mm512_mask_shuffle_epi32(pe, 0xAAAA, po, _MM_PERM_CDAB);
    *hi = _mm512_mask_shuffle_epi32(po, 0x5555, pe, _MM_PERM_CDAB);
}

/* 16 blocks per step. Lane i runs block 4 (i % 4) + i / 4 of the step, so that after the
 * 32- and 64-bit unpacks the four vectors hold blocks 0-3, 4-7, 8-11, 12-15 in order. */
PML_AVX512 static void philox_avx512(uint64_t seed, uint64_t stream, uint64_t b0, int64_t nb,
                                     uint32_t *restrict out)
{
    const int64_t full = nb - nb % 16;
    for (int64_t i = full; i < nb; ++i) {
        pml_u32x4 v = pml_philox_draw4(seed, stream, b0 + (uint64_t)i);
        out[4 * i + 0] = v.x;
        out[4 * i + 1] = v.y;
        out[4 * i + 2] = v.z;
        out[4 * i + 3] = v.w;
    }
    const __m512i lane = _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);
    const __m512i m0 = _mm512_set1_epi32((int)PML_PHILOX_M0), m1 = _mm512_set1_epi32((int)PML_PHILOX_M1);
    const __m512i zs = _mm512_set1_epi32((int)(uint32_t)stream);
    const __m512i ws = _mm512_set1_epi32((int)(uint32_t)(stream >> 32));
    for (int64_t i0 = 0; i0 < full; i0 += 16) {
        const uint64_t base = b0 + (uint64_t)i0;
        /* the low words of the 16 counters may carry into the high word between lanes */
        __m512i x = _mm512_add_epi32(_mm512_set1_epi32((int)(uint32_t)base), lane);
        const __m512i carry = _mm512_maskz_set1_epi32(
            _mm512_cmplt_epu32_mask(x, _mm512_set1_epi32((int)(uint32_t)base)), 1);
        __m512i y = _mm512_add_epi32(_mm512_set1_epi32((int)(uint32_t)(base >> 32)), carry);
        __m512i z = zs, w = ws;
        uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
        for (int r = 0; r < 10; ++r) {
            __m512i lo0, hi0, lo1, hi1;
            mulhilo16(x, m0, &lo0, &hi0);
            mulhilo16(z, m1, &lo1, &hi1);
            /* 0x96: three-way xor */
            x = _mm512_ternarylogic_epi32(hi1, y, _mm512_set1_epi32((int)k0), 0x96);
            z = _mm512_ternarylogic_epi32(hi0, w, _mm512_set1_epi32((int)k1), 0x96);
            y = lo1;
            w = lo0;
            k0 += PML_PHILOX_W0;
            k1 += PML_PHILOX_W1;
        }
        const __m512i t0 = _mm512_unpacklo_epi32(x, y), t1 = _mm512_unpackhi_epi32(x, y);
        const __m512i t2 = _mm512_unpacklo_epi32(z, w), t3 = _mm512_unpackhi_epi32(z, w);
        uint32_t *o = out + 4 * i0;
        _mm512_storeu_si512((void *)(o + 0), _mm512_unpacklo_epi64(t0, t2));
        _mm512_storeu_si512((void *)(o + 16), _mm512_unpackhi_epi64(t0, t2));
        _mm512_storeu_si512((void *)(o + 32), _mm512_unpacklo_epi64(t1, t3));
        _mm512_storeu_si512((void *)(o + 48), _mm512_unpackhi_epi64(t1, t3));
    }
}

PML_AVX512 static void row_avx512(int8_t *restrict self, const int8_t *restrict up,
                                  const int8_t *restrict dn, const int8_t *restrict opp,
                                  int64_t W, int o, const uint32_t *restrict u,
                                  const pml_ising_rparams *restrict p)
{
    uint32_t tt[16] = {0}, ta[16] = {0};
    for (int i = 0; i < 10; ++i) {
        tt[i] = p->thr[i];
        ta[i] = (p->always >> i) & 1u;
    }
    const __m512i tab_t = _mm512_loadu_si512(tt), tab_a = _mm512_loadu_si512(ta);
    const __m512i four = _mm512_set1_epi32(4), five = _mm512_set1_epi32(5);
    const __m128i zero8 = _mm_setzero_si128();
    const int64_t lo = o ? 0 : 1, hi = o ? W - 1 : W;
    const int8_t *opp2 = opp + (o ? 1 : -1);
    /* full vectors, then one masked vector for the rest of the row */
    for (int64_t j = lo; j < hi; j += 16) {
        const __mmask16 live = hi - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (hi - j)) - 1u);
        const __m128i s8 = _mm_maskz_loadu_epi8(live, self + j);
        __m128i n8 = _mm_add_epi8(_mm_maskz_loadu_epi8(live, up + j),
                                  _mm_maskz_loadu_epi8(live, dn + j));
        n8 = _mm_add_epi8(n8, _mm_maskz_loadu_epi8(live, opp + j));
        n8 = _mm_add_epi8(n8, _mm_maskz_loadu_epi8(live, opp2 + j));
        const __m512i nb = _mm512_cvtepi8_epi32(n8);
        const __mmask16 pos = _mm_cmpgt_epi8_mask(s8, zero8);
        const __m512i half = _mm512_srai_epi32(_mm512_add_epi32(nb, four), 1);
        const __m512i idx = _mm512_mask_add_epi32(half, pos, half, five);
        const __m512i thr = _mm512_permutexvar_epi32(idx, tab_t);
        const __m512i alw = _mm512_permutexvar_epi32(idx, tab_a);
        const __mmask16 flip =
            (_mm512_cmplt_epu32_mask(_mm512_maskz_loadu_epi32(live, u + j), thr) |
             _mm512_test_epi32_mask(alw, alw)) & live;
        _mm_mask_storeu_epi8(self + j, live, _mm_mask_sub_epi8(s8, flip, zero8, s8));
    }
    /* the wrapping site with the portable code */
    const int64_t e = o ? W - 1 : 0;
    const int s = self[e], nb = up[e] + dn[e] + opp[e] + opp[o ? 0 : W - 1];
    const int i = (s > 0) * 5 + ((nb + 4) >> 1);
    if (u[e] < p->thr[i] || ((p->always >> i) & 1u)) self[e] = (int8_t)-s;
}

static atomic_int force_portable = 0;

void pml_cpu_ising_set_portable(int on) { atomic_store(&force_portable, on != 0); }

static int have_avx512(void)
{
    static atomic_int cached = -1; /* threads may race here; they store the same value */
    if (atomic_load_explicit(&force_portable, memory_order_relaxed)) return 0;
    int c = atomic_load_explicit(&cached, memory_order_relaxed);
    if (c < 0) {
        const char *env = getenv("PML_ISING_NO_AVX512"); /* to test the portable path */
        c = !(env && env[0] == '1') && __builtin_cpu_supports("avx512f") &&
            __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
        atomic_store_explicit(&cached, c, memory_order_relaxed);
    }
    return c;
}
#else
void pml_cpu_ising_set_portable(int on) { (void)on; }
static int have_avx512(void) { return 0; }
#endif

/* Bond sum over the four bonds of each colour-0 site of one row, and the spin sum of the
 * row in both planes. Every bond joins colour 0 to colour 1, so summing over plane 0 counts
 * each of the 2N bonds once. */
static void measure_row(const int8_t *restrict p0row, const int8_t *restrict up,
                        const int8_t *restrict dn, const int8_t *restrict p1row, int64_t W,
                        int o, int64_t *bonds, int64_t *mag)
{
    int64_t b = 0, m = 0;
    const int8_t *opp2 = p1row + (o ? 1 : -1);
    const int64_t lo = o ? 0 : 1, hi = o ? W - 1 : W;
#pragma omp simd reduction(+ : b, m)
    for (int64_t j = lo; j < hi; ++j) {
        int s = p0row[j];
        b += s * (up[j] + dn[j] + p1row[j] + opp2[j]);
        m += s + p1row[j];
    }
    int64_t j = o ? W - 1 : 0;
    int s = p0row[j];
    b += s * (up[j] + dn[j] + p1row[j] + p1row[o ? 0 : W - 1]);
    m += s + p1row[j];
    *bonds = b;
    *mag = m;
}

/* A sense-counting barrier for the threads of one parallel region: the last thread to
 * arrive bumps the generation; the others spin a little, then sched_yield(). The atomics
 * (acquire/release) order every spin write before the barrier against every read after it. */
static void yielding_barrier(atomic_uint *count, atomic_uint *gen, unsigned nth)
{
    const unsigned g = atomic_load_explicit(gen, memory_order_acquire);
    if (atomic_fetch_add_explicit(count, 1u, memory_order_acq_rel) + 1u == nth) {
        atomic_store_explicit(count, 0u, memory_order_relaxed);
        atomic_fetch_add_explicit(gen, 1u, memory_order_release);
        return;
    }
    for (int spins = 0; atomic_load_explicit(gen, memory_order_acquire) == g;) {
        if (++spins < 512) {
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        } else {
            sched_yield();
        }
    }
}

/* Half-sweep of colour c over rows [y0, y1) of replica r: one Philox call for the band (its
 * colour-site numbers are contiguous), then the rows. */
static void band(const pml_ising_kargs *a, int avx, int64_t r, int c, uint64_t sweep,
                 int64_t y0, int64_t y1, uint32_t *u)
{
    const int64_t W = a->lx / 2, Ly = a->ly, plane = Ly * W;
    const uint64_t P = pml_ising_pad(a->lx, a->ly);
    int8_t *self = a->spins + (2 * r + c) * plane;
    const int8_t *other = a->spins + (2 * r + 1 - c) * plane;
    const uint64_t idx0 = (2 * sweep + (uint64_t)c) * P + (uint64_t)(y0 * W);
    const uint64_t off = idx0 & 3u, cnt = (uint64_t)((y1 - y0) * W);
    const uint64_t stream = PML_ISING_STREAM + (uint64_t)(a->r0 + r);
    const int64_t nblk = (int64_t)((off + cnt + 3u) >> 2);
#if defined(__GNUC__) && defined(__x86_64__)
    if (avx) philox_avx512(a->seed, stream, idx0 >> 2, nblk, u);
    else
#endif
        pml_cpu_ising_philox(a->seed, stream, idx0 >> 2, nblk, u);
    for (int64_t y = y0; y < y1; ++y) {
        const int64_t yu = y == 0 ? Ly - 1 : y - 1, yd = y == Ly - 1 ? 0 : y + 1;
        const uint32_t *uy = u + off + (uint64_t)((y - y0) * W);
#if defined(__GNUC__) && defined(__x86_64__)
        if (avx)
            row_avx512(self + y * W, other + yu * W, other + yd * W, other + y * W, W,
                       (int)((y + c) & 1), uy, &a->params[r]);
        else
#endif
            pml_cpu_ising_row(self + y * W, other + yu * W, other + yd * W, other + y * W, W,
                              (int)((y + c) & 1), uy, &a->params[r]);
    }
}

/* Bond and spin sums of rows [y0, y1) of replica r. */
static void measure_rows(const pml_ising_kargs *a, int64_t r, int64_t y0, int64_t y1,
                         int64_t *bonds, int64_t *mag)
{
    const int64_t W = a->lx / 2, Ly = a->ly, plane = Ly * W;
    const int8_t *p0 = a->spins + (2 * r) * plane, *p1 = a->spins + (2 * r + 1) * plane;
    int64_t b = 0, m = 0;
    for (int64_t y = y0; y < y1; ++y) {
        const int64_t yu = y == 0 ? Ly - 1 : y - 1, yd = y == Ly - 1 ? 0 : y + 1;
        int64_t rb, rm;
        measure_row(p0 + y * W, p1 + yu * W, p1 + yd * W, p1 + y * W, W, (int)(y & 1), &rb, &rm);
        b += rb;
        m += rm;
    }
    *bonds = b;
    *mag = m;
}

static pml_status ising_sweeps(pml_device *dev, const pml_ising_kargs *a, uint64_t t0, int64_t n,
                               int measure)
{
    (void)dev;
    const int64_t W = a->lx / 2, Ly = a->ly, R = a->replicas;
    const int64_t plane = Ly * W;
    const double inv_n = 1.0 / (double)(a->lx * a->ly);
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    /* below ~16k sites per half-sweep threads cost more than they save (fork/join, and two
     * barriers per sweep that stall whenever a shared core is taken by other work) */
    const int par = threads > 1 && R * plane >= 16384;
    if (!par) threads = 1;
    /* Replicas are independent: with enough of them each thread takes whole replicas for all
     * n sweeps, with no barrier at all and a lattice that stays in its cache. A single large
     * lattice is split into bands of rows instead, with a barrier per half-sweep. */
    const int by_replica = !par || R % threads == 0 || R >= 4 * threads;
    const int avx = have_avx512();
    const int64_t BR = W >= 512 ? 1 : (512 / W < Ly ? 512 / W : Ly);
    const int64_t nbands = (Ly + BR - 1) / BR, items = R * nbands;
    const size_t ubuf = (size_t)(BR * W + 8);
    uint32_t *draws = malloc((size_t)threads * ubuf * sizeof *draws);
    int64_t *part = (measure && !by_replica) ? malloc((size_t)(R * Ly) * 2 * sizeof *part) : NULL;
    if (!draws || (measure && !by_replica && !part)) {
        free(draws);
        free(part);
        return pml_set_error(PML_ERR_OUT_OF_MEMORY, "pml_ising_sweep: scratch for %lld rows",
                             (long long)(R * Ly));
    }

    if (by_replica) {
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) if (par)
        for (int64_t r = 0; r < R; ++r) {
            int tid = 0;
#ifdef _OPENMP
            tid = omp_get_thread_num();
#endif
            uint32_t *u = draws + (size_t)tid * ubuf;
            for (int64_t t = 0; t < n; ++t) {
                for (int c = 0; c < 2; ++c)
                    for (int64_t y0 = 0; y0 < Ly; y0 += BR)
                        band(a, avx, r, c, t0 + (uint64_t)t, y0, y0 + BR < Ly ? y0 + BR : Ly, u);
                if (measure) {
                    int64_t b, m;
                    measure_rows(a, r, 0, Ly, &b, &m);
                    pml_ising_acc_push(&a->acc[r], b, m, a->J, a->params[r].B, inv_n);
                }
            }
        }
        free(draws);
        return PML_OK;
    }

    /* One lattice split into contiguous strips of bands, one per thread, separated by a
     * barrier per half-sweep. The barrier spins briefly and then yields the core: on shared
     * cores a partner thread is often descheduled, and OpenMP's spinning barrier would keep
     * the core it needs busy (measured: 2-4x slower under load than this one). */
    atomic_uint bar_count = 0, bar_gen = 0;
#pragma omp parallel num_threads(threads)
    {
        int tid = 0, nth = 1;
#ifdef _OPENMP
        tid = omp_get_thread_num();
        nth = omp_get_num_threads();
#endif
        uint32_t *u = draws + (size_t)tid * ubuf;
        const int64_t lo = items * tid / nth, hi = items * (tid + 1) / nth;
        const int64_t rlo = R * Ly * tid / nth, rhi = R * Ly * (tid + 1) / nth;
        for (int64_t t = 0; t < n; ++t) {
            for (int c = 0; c < 2; ++c) {
                for (int64_t it = lo; it < hi; ++it) {
                    const int64_t r = it / nbands, y0 = (it % nbands) * BR;
                    band(a, avx, r, c, t0 + (uint64_t)t, y0, y0 + BR < Ly ? y0 + BR : Ly, u);
                }
                yielding_barrier(&bar_count, &bar_gen, (unsigned)nth);
            }
            if (measure) {
                for (int64_t ry = rlo; ry < rhi; ++ry)
                    measure_rows(a, ry / Ly, ry % Ly, ry % Ly + 1, &part[2 * ry], &part[2 * ry + 1]);
                yielding_barrier(&bar_count, &bar_gen, (unsigned)nth);
                /* part[] is next written after two more barriers: no barrier after this */
                if (tid == 0)
                    for (int64_t r = 0; r < R; ++r) {
                        int64_t b = 0, m = 0;
                        for (int64_t y = 0; y < Ly; ++y) {
                            b += part[2 * (r * Ly + y)];
                            m += part[2 * (r * Ly + y) + 1];
                        }
                        pml_ising_acc_push(&a->acc[r], b, m, a->J, a->params[r].B, inv_n);
                    }
            }
        }
    }
    free(draws);
    free(part);
    return PML_OK;
}

const struct pml_ising_ops pml_cpu_ising_ops = {
    .sweeps = ising_sweeps,
};
