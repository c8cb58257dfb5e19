/* The AVX-512 path of the fast CPU Ising sweeps (x86-64 with AVX-512 F/BW/VL, chosen at run
 * time by src/cpu/ising_sweep_fast.c, which also holds the portable path, the threading and
 * the dispatcher). The same arithmetic as the portable pml_cpu_ising_words, written with
 * intrinsics because GCC cannot see two tricks: the 32x32->64 multiply of Philox done as
 * even/odd vpmuludq pairs, and keeping every mask of the 16 words in registers. Besides, the
 * words still undecided after two Philox blocks are queued and finished 16 at a time
 * (stage_q), so a step does not wait for its slowest word. tests/ising_test.c checks both
 * paths, bit for bit, against the site-by-site reference (src/cpu/ising_sweep.c). */
#include "cpu/ising_sweep_fast.h"

#if PML_ISING_HAVE_AVX512_PATH
/* Blocks base + off[i] in lane i, off[i] < 2^32 (64-bit counters: the low word may carry). */
PML_AVX512 static inline void philox16_off(uint64_t seed, uint64_t stream, uint64_t base,
                                           __m512i off, __m512i d[4])
{
    const __m512i lo0 = _mm512_set1_epi32((int)(uint32_t)base);
    const __m512i x = _mm512_add_epi32(lo0, off);
    const __m512i carry = _mm512_maskz_set1_epi32(_mm512_cmplt_epu32_mask(x, lo0), 1);
    const __m512i y = _mm512_add_epi32(_mm512_set1_epi32((int)(uint32_t)(base >> 32)), carry);
    pml_philox16_xy(seed, stream, x, y, d);
}

/* The 16 ORs of each used quad of group masks (cpu_plan); of unused quads only [0] (zero),
 * the only entry ever read. */
PML_AVX512 static inline void or_tables(const cpu_plan *pl, const __m512i gm[12],
                                        __m512i cmb[3][16])
{
    for (int q = 0; q < 3; ++q) {
        cmb[q][0] = _mm512_setzero_si512();
        if (q < pl->nq)
            for (int mm = 1; mm < 16; ++mm)
                cmb[q][mm] = _mm512_or_si512(cmb[q][mm & (mm - 1)],
                                             gm[4 * q + __builtin_ctz((unsigned)mm)]);
    }
}

/* Planes 4k .. 4k+3 of 16 words: the lanes decided to flip are ORed into *lt, *und keeps the
 * undecided ones. */
PML_AVX512 static inline void compare4(const cpu_plan *pl, __m512i cmb[3][16], const __m512i D[4],
                                       int k, __m512i *und, __m512i *lt)
{
    for (int q = 0; q < 4; ++q) {
        const uint8_t *ix = pl->idx[4 * k + q];
        const __m512i t = _mm512_ternarylogic_epi32(cmb[0][ix[0]], cmb[1][ix[1]], cmb[2][ix[2]],
                                                    0xFE); /* a | b | c */
        /* lt |= und & t & ~D;  und &= ~(D ^ t) */
        *lt = _mm512_or_si512(*lt, _mm512_and_si512(*und, _mm512_andnot_si512(D[q], t)));
        *und = _mm512_andnot_si512(_mm512_xor_si512(D[q], t), *und);
    }
}

/* Words still undecided after k Philox blocks, waiting for block k (stage k): plane index,
 * undecided lanes, group masks. The first LOCKSTEP blocks run on every word of a 16-word
 * step; the few words that need more are queued here and run 16 at a time, so a step no
 * longer pays for its slowest word (2.9 blocks per step of 16 words, 1.9 per word, measured
 * at 1024^2). A word's result does not depend on when its later planes are compared. */
#define NSTAGE 8
#define LOCKSTEP 2
typedef struct stage_q {
    int n; /* < 16 between calls; the arrays take a 16-lane store at n < 16 */
    uint32_t k[2 * LANES], und[2 * LANES], gm[12][2 * LANES];
} stage_q;

PML_AVX512 static inline void stage_push(stage_q *q, __mmask16 m, __m512i k, __m512i und,
                                         const __m512i *gm, int ng)
{
    /* compress in registers and store 16 lanes: a compress-store to memory is microcoded
     * and slow on some cores (Zen 4) */
    _mm512_storeu_si512(q->k + q->n, _mm512_maskz_compress_epi32(m, k));
    _mm512_storeu_si512(q->und + q->n, _mm512_maskz_compress_epi32(m, und));
    for (int g = 0; g < ng; ++g)
        _mm512_storeu_si512(q->gm[g] + q->n, _mm512_maskz_compress_epi32(m, gm[g]));
    q->n += __builtin_popcount(m);
}

static void stage_drain(stage_q *qs, int st, int all, uint32_t *restrict self,
                        const band_job *job);

/* Block st for the last min(16, n) words of stage st; the undecided ones go to st + 1, which
 * is drained of full steps at once (so every stage stays below 16 between calls). */
PML_AVX512 static void stage_run(stage_q *qs, int st, uint32_t *restrict self,
                                 const band_job *job)
{
    stage_q *q = &qs[st];
    const cpu_plan *pl = job->pl;
    const int ng = (int)pl->wp->ng;
    const int m = q->n < LANES ? q->n : LANES, at = q->n - m;
    const __mmask16 live = m >= LANES ? (__mmask16)0xFFFF : (__mmask16)((1u << m) - 1u);
    const __m512i zero = _mm512_setzero_si512();
    const __m512i K = _mm512_maskz_loadu_epi32(live, q->k + at);
    __m512i und = _mm512_maskz_loadu_epi32(live, q->und + at), lt = zero;
    __m512i gm[12], cmb[3][16], D[4];
    for (int g = 0; g < 12; ++g)
        gm[g] = g < ng ? _mm512_maskz_loadu_epi32(live, q->gm[g] + at) : zero;
    q->n = at;
    or_tables(pl, gm, cmb);
    const __m512i off = _mm512_add_epi32(_mm512_slli_epi32(K, 3), _mm512_set1_epi32(st));
    philox16_off(job->seed, job->stream, job->half_blk, off, D);
    compare4(pl, cmb, D, st, &und, &lt);
    uint32_t kk[LANES], ll[LANES];
    _mm512_storeu_si512(kk, K);
    _mm512_storeu_si512(ll, lt);
    for (int i = 0; i < m; ++i) self[kk[i]] ^= ll[i];
    const __mmask16 left = _mm512_test_epi32_mask(und, und);
    if (left && st + 1 < NSTAGE) {
        stage_push(&qs[st + 1], left, K, und, gm, ng);
        stage_drain(qs, st + 1, 0, self, job);
    }
}

/* Run stage st while it holds 16 words (all: while it holds any), then the later stages. */
static void stage_drain(stage_q *qs, int st, int all, uint32_t *restrict self,
                        const band_job *job)
{
    for (int k = st; k < NSTAGE; ++k)
        while (qs[k].n >= (all ? 1 : LANES)) stage_run(qs, k, self, job);
}

/* As pml_cpu_ising_words. With qs (plane-flat indices times 8 below 2^32), only the first
 * LOCKSTEP Philox blocks run here and the words still undecided go to stage LOCKSTEP. */
PML_AVX512 static void words_avx512(uint32_t *restrict self, const uint32_t *restrict other,
                                    const uint32_t *restrict side,
                                    const uint32_t *restrict valid, int64_t k0, int n,
                                    const band_job *job, stage_q *qs)
{
    const cpu_plan *pl = job->pl;
    const uint32_t always = pl->wp->always;
    const int64_t WW = job->WW, plane = job->plane;
    const __mmask16 live = n >= LANES ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1u);
    __m512i a, b;
    if (k0 >= WW) {
        a = _mm512_maskz_loadu_epi32(live, other + k0 - WW);
    } else { /* the first row: up wraps to the last */
        uint32_t t[LANES] = {0};
        for (int i = 0; i < n; ++i) t[i] = other[k0 + i >= WW ? k0 + i - WW : k0 + i - WW + plane];
        a = _mm512_loadu_si512(t);
    }
    if (k0 + n + WW <= plane) {
        b = _mm512_maskz_loadu_epi32(live, other + k0 + WW);
    } else { /* the last row: down wraps to the first */
        uint32_t t[LANES] = {0};
        for (int i = 0; i < n; ++i) t[i] = other[k0 + i + WW < plane ? k0 + i + WW : k0 + i + WW - plane];
        b = _mm512_loadu_si512(t);
    }
    const __m512i c = _mm512_maskz_loadu_epi32(live, other + k0);
    const __m512i d = _mm512_maskz_loadu_epi32(live, side);
    const __m512i v = _mm512_maskz_loadu_epi32(live, valid);
    const __m512i s = _mm512_maskz_loadu_epi32(live, self + k0);
    /* up-neighbour count n_up = 0..4 in bits b2 b1 b0 */
    const __m512i x1 = _mm512_xor_si512(a, b), a1 = _mm512_and_si512(a, b);
    const __m512i x2 = _mm512_xor_si512(c, d), a2 = _mm512_and_si512(c, d);
    const __m512i b0 = _mm512_xor_si512(x1, x2);
    const __m512i b1 = _mm512_or_si512(_mm512_xor_si512(a1, a2), _mm512_and_si512(x1, x2));
    const __m512i b2 = _mm512_and_si512(a1, a2);
    __m512i m[5];
    m[0] = _mm512_ternarylogic_epi32(b0, b1, b2, 0x01); /* ~(b0 | b1 | b2) */
    m[1] = _mm512_andnot_si512(b1, b0);
    m[2] = _mm512_andnot_si512(b0, b1);
    m[3] = _mm512_and_si512(b1, b0);
    m[4] = b2;
    const __m512i sp = _mm512_and_si512(s, v), sm = _mm512_andnot_si512(s, v);
    const __m512i zero = _mm512_setzero_si512();
    __m512i gm[12], flip = zero;
    for (int g = 0; g < 12; ++g) gm[g] = zero;
    for (int q = 0; q < 10; ++q) {
        const __m512i cm = _mm512_and_si512(q < 5 ? sm : sp, m[q % 5]);
        if ((always >> q) & 1u) flip = _mm512_or_si512(flip, cm);
        else if (pl->group[q] >= 0) gm[pl->group[q]] = _mm512_or_si512(gm[pl->group[q]], cm);
    }
    __m512i cmb[3][16];
    or_tables(pl, gm, cmb);
    __m512i und = zero; /* every lane that needs a draw (cmb[q][15] of the used quads) */
    for (int q = 0; q < pl->nq; ++q) und = _mm512_or_si512(und, cmb[q][15]);
    __m512i lt = zero;
    const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const __m512i lane8 = _mm512_slli_epi32(lane, 3);
    const uint64_t blk = job->half_blk + 8u * (uint64_t)k0;
    const int kend = qs ? LOCKSTEP : 8;
    for (int k = 0; k < kend && _mm512_test_epi32_mask(und, und); ++k) {
        __m512i D[4];
        philox16_off(job->seed, job->stream, blk + (uint64_t)k, lane8, D);
        compare4(pl, cmb, D, k, &und, &lt);
    }
    if (qs) {
        const __mmask16 left = _mm512_test_epi32_mask(und, und);
        if (left) {
            const __m512i K = _mm512_add_epi32(_mm512_set1_epi32((int)(uint32_t)k0), lane);
            stage_push(&qs[LOCKSTEP], left, K, und, gm, (int)pl->wp->ng);
        }
    }
    _mm512_mask_storeu_epi32(self + k0, live, _mm512_xor_si512(s, _mm512_or_si512(flip, lt)));
}

void pml_cpu_ising_band_avx512(uint32_t *restrict self, const uint32_t *restrict other,
                               const uint32_t *restrict side, const uint32_t *restrict valid,
                               int64_t kb, int64_t ke, const band_job *job)
{
    stage_q qs[NSTAGE];
    stage_q *use_q = job->plane * 8 < ((int64_t)1 << 32) ? qs : NULL;
    for (int st = 0; st < NSTAGE; ++st) qs[st].n = 0;
    for (int64_t k0 = kb; k0 < ke; k0 += LANES) {
        const int n = ke - k0 < LANES ? (int)(ke - k0) : LANES;
        const uint32_t *sd = side + (k0 - kb), *vd = valid + (k0 - kb);
        if (n <= 2) {
            words_scalar(self, other, sd, vd, k0, n, job);
        } else {
            words_avx512(self, other, sd, vd, k0, n, job, use_q);
            if (use_q) stage_drain(use_q, LOCKSTEP, 0, self, job);
        }
    }
    if (use_q) stage_drain(use_q, LOCKSTEP, 1, self, job);
}
#endif
