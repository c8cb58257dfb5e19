/* Asynchronous and Glauber Hopfield recall on the CPU (contract: src/ops/hopfield_ops.h,
 * pml_hopfield_async_args; CUDA twin: src/cuda/hopfield_async.cu).
 *
 * pml_cpu_hopfield_async_ref is the specification: probe by probe, neuron by neuron, each
 * field summed afresh from the weights. pml_cpu_hopfield_async keeps every probe's fields and
 * updates them after each flip (a row of W, O(n) per flip instead of O(n) per visit), with
 * probes spread over the OpenMP threads; with integer weights it gives the same states,
 * energies and traces as the reference bit for bit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/philox16.h"
#include "cpu/simd.h"
#include "ops/hopfield_ops.h"

/* The 64 draws of `stream` from draw 4 blk on (16 Philox blocks in SIMD lanes) into v, in
 * draw order. The values are pml_philox_draw's. */
static void draws64(uint64_t seed, uint64_t stream, uint64_t blk, uint32_t v[4 * PML_PHILOX16_LANES])
{
    uint64_t ctr[PML_PHILOX16_LANES];
    uint32_t X[PML_PHILOX16_LANES], Y[PML_PHILOX16_LANES], Z[PML_PHILOX16_LANES],
        W[PML_PHILOX16_LANES];
    for (int i = 0; i < PML_PHILOX16_LANES; ++i) ctr[i] = blk + (uint64_t)i;
    pml_cpu_philox16(seed, stream, ctr, X, Y, Z, W);
    for (int i = 0; i < PML_PHILOX16_LANES; ++i) {
        v[4 * i] = X[i];
        v[4 * i + 1] = Y[i];
        v[4 * i + 2] = Z[i];
        v[4 * i + 3] = W[i];
    }
}

/* Draw `index` of a stream, with the 64 draws from its 4-aligned start computed at once and
 * kept for the next indices: consecutive draws cost a sixteenth of a vector Philox each. */
typedef struct draw_cache {
    uint64_t stream, first; /* v[k] is draw first + k; first = UINT64_MAX: empty */
    uint32_t v[4 * PML_PHILOX16_LANES];
} draw_cache;

static uint32_t cached_draw(draw_cache *c, uint64_t seed, uint64_t stream, uint64_t index)
{
    if (c->stream != stream || c->first == UINT64_MAX || index < c->first ||
        index - c->first >= 4 * PML_PHILOX16_LANES) {
        draws64(seed, stream, index >> 2, c->v);
        c->stream = stream;
        c->first = (index >> 2) << 2;
    }
    return c->v[index - c->first];
}

/* The new state of neuron i given its field f (threshold not yet subtracted), visit k of
 * sweep t. */
static int8_t decide(const pml_hopfield_async_args *a, draw_cache *dc, int64_t probe, int64_t t,
                     int64_t k, int64_t i, double f, int64_t fint, int8_t si)
{
    const double th = a->theta ? a->theta[i] : 0.0;
    if (!a->glauber) {
        const double g = a->wtype == PML_I32 && !a->theta ? (double)fint : f - th;
        return g > 0 ? 1 : g < 0 ? -1 : si;
    }
    const uint64_t idx = (uint64_t)t * (uint64_t)a->n + (uint64_t)k;
    const uint32_t y = dc ? cached_draw(dc, a->seed, PML_HOPFIELD_STREAM_GLAUBER | probe, idx)
                          : pml_philox_draw(a->seed, PML_HOPFIELD_STREAM_GLAUBER | probe, idx);
    uint64_t q;
    if (a->wtype == PML_I32 && !a->theta) {
        q = pml_hopfield_qtab_thr(a->qtab, a->qlen, fint);
    } else {
        const double x = 4294967296.0 / (1.0 + exp(2.0 * a->beta * a->wscale * (f - th)));
        const double r = floor(x + 0.5);
        q = r <= 0.0 ? 0 : r >= 4294967296.0 ? ((uint64_t)1 << 32) : (uint64_t)r;
    }
    return (uint64_t)y >= q ? 1 : -1;
}

/* The permutation of sweep t: each draw computed on its own, as the contract states it (the
 * reference), or (fast) 64 draws from 16 Philox blocks at a time. The same permutation. */
static void make_perm(const pml_hopfield_async_args *a, int64_t probe, int64_t t, int32_t *perm,
                      int fast)
{
    const int64_t n = a->n;
    for (int64_t k = 0; k < n; ++k) perm[k] = (int32_t)k;
    if (!a->order) return;
    const uint64_t stream = PML_HOPFIELD_STREAM_ORDER | (uint64_t)probe, first = (uint64_t)t * (uint64_t)n;
    int64_t k = 0;
    while (k + 1 < n) {
        uint32_t v[4 * PML_PHILOX16_LANES];
        int64_t off = 0, end = k + 1;
        if (fast) { /* the draws of the 16 blocks from the one that holds draw first + k */
            draws64(a->seed, stream, (first + (uint64_t)k) >> 2, v);
            off = (int64_t)((first + (uint64_t)k) & 3) - k; /* draw first + k is v[k + off] */
            end = 4 * PML_PHILOX16_LANES - off;
            if (end > n - 1) end = n - 1;
        } else {
            v[0] = pml_philox_draw(a->seed, stream, first + (uint64_t)k);
            off = -k;
        }
        for (; k < end; ++k) {
            const int64_t j = pml_hopfield_pick(v[k + off], k, n);
            const int32_t tmp = perm[k];
            perm[k] = perm[j];
            perm[j] = tmp;
        }
    }
}

static double theta_dot(const pml_hopfield_async_args *a, const int8_t *s)
{
    double e = 0.0;
    if (a->theta)
        for (int64_t i = 0; i < a->n; ++i) e += a->theta[i] * s[i];
    return a->wscale * e;
}

/* The end of probe b's run: NaN after the last sweep run in its trace, then its results. */
static void finish(const pml_hopfield_async_args *a, int64_t b, double *tr, int64_t t, int conv,
                   double energy)
{
    if (tr)
        for (int64_t u = t + 1; u <= a->max_sweeps; ++u) tr[u] = NAN;
    a->sweeps[b] = t;
    a->converged[b] = (int8_t)conv;
    a->energy[b] = energy;
}

/* ---- the reference ---------------------------------------------------------------------- */

static double ref_field(const pml_hopfield_async_args *a, const void *w, const int8_t *s,
                        int64_t i, int64_t *fint)
{
    const int64_t n = a->n;
    if (a->wtype == PML_I32) {
        const int32_t *row = (const int32_t *)w + i * n;
        int64_t acc = 0;
        for (int64_t j = 0; j < n; ++j) acc += (int64_t)row[j] * s[j];
        *fint = acc;
        return (double)acc;
    }
    const float *row = (const float *)w + i * n;
    double acc = 0.0;
    for (int64_t j = 0; j < n; ++j) acc += (double)row[j] * s[j];
    *fint = 0;
    return acc;
}

static double ref_energy(const pml_hopfield_async_args *a, const void *w, const int8_t *s)
{
    int64_t isum = 0;
    double dsum = 0.0;
    for (int64_t i = 0; i < a->n; ++i) {
        int64_t fi;
        const double f = ref_field(a, w, s, i, &fi);
        isum += fi * s[i];
        dsum += f * s[i];
    }
    const double q = a->wtype == PML_I32 ? (double)isum : dsum;
    return a->escale * q + theta_dot(a, s);
}

pml_status pml_cpu_hopfield_async_ref(pml_device *dev, const pml_hopfield_async_args *a)
{
    (void)dev;
    const int64_t n = a->n, T = a->max_sweeps;
    const size_t wsz = a->wtype == PML_I32 ? sizeof(int32_t) : sizeof(float);
    for (int64_t b = 0; b < a->batch; ++b) {
        const int64_t probe = a->p0 + b;
        const void *w = (const char *)a->w + (size_t)(b / a->per_set) * (size_t)(n * n) * wsz;
        int8_t *s = a->s + b * n;
        int32_t *perm = a->scratch + b * n;
        double *tr = a->trace ? a->trace + b * (T + 1) : NULL;
        if (tr) tr[0] = ref_energy(a, w, s);
        int64_t t = 0;
        int conv = 0;
        while (t < T && !conv) {
            make_perm(a, probe, t, perm, 0);
            int64_t flips = 0;
            for (int64_t k = 0; k < n; ++k) {
                const int64_t i = perm[k];
                int64_t fi;
                const double f = ref_field(a, w, s, i, &fi);
                const int8_t v = decide(a, NULL, probe, t, k, i, f, fi, s[i]); /* draws one by one */
                flips += v != s[i];
                s[i] = v;
            }
            ++t;
            if (tr) tr[t] = ref_energy(a, w, s);
            conv = !a->glauber && flips == 0;
        }
        finish(a, b, tr, t, conv, ref_energy(a, w, s));
    }
    return PML_OK;
}

/* ---- the fast paths: a probe's fields kept, in one of three forms --------------------------
 *
 * One sweep loop (run_sweeps) serves the three forms: int32 fields updated by a row of integer
 * W, double fields updated by a row of float W, and the Hebbian pattern form (no W: p overlaps
 * m_mu = sum_j xi_j^mu s_j, a visit's field sum_mu xi_i^mu m_mu - p s_i, O(p), a flip adding
 * 2 s_i xi_i^mu to every m_mu, O(p); the integers are those of W s, so the states, energies
 * and traces are the reference's). The loop and the form's hooks are always inlined with the
 * form a constant, so each caller compiles to its own straight loop. */
#if defined(__GNUC__)
#define PML_INLINE static inline __attribute__((always_inline))
#else
#define PML_INLINE static inline
#endif

enum { FORM_INT, FORM_DOUBLE, FORM_PATTERN, FORM_BITS };

typedef struct probe_form {
    int kind;
    const int32_t *wi;    /* FORM_INT: this set's W */
    const float *wf;      /* FORM_DOUBLE: this set's W */
    int32_t *fi;          /* FORM_INT fields, or FORM_PATTERN overlaps m */
    double *fd;           /* FORM_DOUBLE fields */
    const int8_t *xt;     /* FORM_PATTERN: this set's sign masks, n x p */
    const uint16_t *xb;   /* FORM_BITS: this set's bit rows, n x pc */
    int64_t *msum;        /* FORM_BITS: sum_mu m_mu, kept with the overlaps m in fi */
    int whole;            /* FORM_BITS: m has 16 pc lanes (those past p 0 at the start), so the
                             last chunk is a whole vector too */
    int64_t n, p, pc;
} probe_form;

/* x_mu = 0 or -1: (m ^ x) - x is m or -m. Eight lanes at a time in GCC's vector types, the
 * accumulator in a register: the `omp simd reduction` this replaces kept its partial sums in
 * a stack array that the scalar tail stored into and the final sum loaded from at once, a
 * store-forwarding stall on every visit (a fifth of a single probe's time at n = 1000).
 * Integer sums: the same value in any order. */
#if defined(__GNUC__)
typedef int32_t pml_v8i __attribute__((vector_size(32)));
PML_INLINE int32_t pattern_field(const int8_t *restrict x, const int32_t *restrict m, int64_t p)
{
    pml_v8i acc = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t mu = 0;
    for (; mu + 8 <= p; mu += 8) {
        /* element by element: GCC widens it with one instruction, which it did not for
         * __builtin_convertvector of an 8-byte vector */
        const int8_t *xm = x + mu;
        const pml_v8i xv = {xm[0], xm[1], xm[2], xm[3], xm[4], xm[5], xm[6], xm[7]};
        pml_v8i mv;
        memcpy(&mv, m + mu, sizeof mv);
        acc += (mv ^ xv) - xv;
    }
    int32_t f = 0;
    for (; mu < p; ++mu) f += (m[mu] ^ x[mu]) - x[mu];
    return f + ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}
#else
PML_INLINE int32_t pattern_field(const int8_t *restrict x, const int32_t *restrict m, int64_t p)
{
    int32_t f = 0;
    for (int64_t mu = 0; mu < p; ++mu) f += (m[mu] ^ x[mu]) - x[mu];
    return f;
}
#endif

/* The pattern form on bit rows (FORM_BITS): row i holds bit mu set where xi_i^mu = -1, sixteen
 * to a chunk, so xi_i^mu m_mu summed over mu is M - 2 * (the sum of the m_mu whose bit is set),
 * M = sum_mu m_mu kept beside the overlaps. A row is p / 8 bytes where the sign masks take p:
 * at n = 10,000, p = 500, 0.6 MB of rows stay in a core's cache where 5 MB of masks did not.
 * A chunk's sixteen bits become a lane mask by a broadcast and a test against each lane's bit
 * (one mask register on AVX-512). Integer sums: the same value in any order. */
#if defined(__GNUC__)
typedef int32_t pml_v16i __attribute__((vector_size(64)));
typedef uint32_t pml_v16u __attribute__((vector_size(64)));
typedef uint32_t pml_v8u __attribute__((vector_size(32)));
typedef uint32_t pml_v4u __attribute__((vector_size(16)));
#define PML_LANE_BITS {1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 4, 1 << 5, 1 << 6, 1 << 7, \
                       1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12, 1 << 13, 1 << 14, 1 << 15}

/* -1 in the lanes whose bit of chunk c is set, 0 elsewhere (lb: PML_LANE_BITS). A macro: a
 * function returning a 64-byte vector changes the ABI below AVX-512, which GCC warns of. */
#define PML_BITS_LANES(lb, c) ((((pml_v16i){0} + (int32_t)(c)) & (lb)) != 0)

/* sum_mu [bit mu of row] m_mu, modulo 2^32: the field it makes fits in int32, so the
 * wrapped sum gives it exactly (and a horizontal add of 32-bit lanes is a few shuffles) */
PML_INLINE uint32_t bits_dot(const uint16_t *restrict row, const int32_t *restrict m, int64_t p,
                             int whole)
{
    const pml_v16i lb = PML_LANE_BITS;
    pml_v16i a0 = {0}, a1 = {0};
    const int64_t full = whole ? (p + 15) >> 4 : p >> 4;
    int64_t c = 0;
    for (; c + 2 <= full; c += 2) { /* two accumulators: the adds do not wait on each other */
        pml_v16i m0, m1;
        memcpy(&m0, m + 16 * c, sizeof m0);
        memcpy(&m1, m + 16 * c + 16, sizeof m1);
        a0 += m0 & PML_BITS_LANES(lb, row[c]);
        a1 += m1 & PML_BITS_LANES(lb, row[c + 1]);
    }
    if (c < full) {
        pml_v16i m0;
        memcpy(&m0, m + 16 * c, sizeof m0);
        a0 += m0 & PML_BITS_LANES(lb, row[c]);
    }
    const pml_v16u u = (pml_v16u)(a0 + a1);
    const pml_v8u h8 = __builtin_shufflevector(u, u, 0, 1, 2, 3, 4, 5, 6, 7) +
                       __builtin_shufflevector(u, u, 8, 9, 10, 11, 12, 13, 14, 15);
    pml_v4u h4 = __builtin_shufflevector(h8, h8, 0, 1, 2, 3) +
                 __builtin_shufflevector(h8, h8, 4, 5, 6, 7);
    h4 += __builtin_shufflevector(h4, h4, 2, 3, 0, 1);
    h4 += __builtin_shufflevector(h4, h4, 1, 0, 3, 2);
    uint32_t s = h4[0];
    if (whole) return s;
    for (int64_t mu = full << 4; mu < p; ++mu)
        s += (uint32_t)m[mu] & -(uint32_t)((row[full] >> (mu & 15)) & 1);
    return s;
}

/* m_mu += d xi_i^mu = d - 2 d [bit mu of row i] for every mu */
PML_INLINE void bits_add(const uint16_t *restrict row, int32_t *restrict m, int64_t p, int32_t d,
                         int whole)
{
    const pml_v16i lb = PML_LANE_BITS, dv = (pml_v16i){0} + d, d2 = dv + dv;
    const int64_t full = whole ? (p + 15) >> 4 : p >> 4;
    for (int64_t c = 0; c < full; ++c) {
        pml_v16i mv;
        memcpy(&mv, m + 16 * c, sizeof mv);
        mv += dv - (d2 & PML_BITS_LANES(lb, row[c]));
        memcpy(m + 16 * c, &mv, sizeof mv);
    }
    if (whole) return;
    for (int64_t mu = full << 4; mu < p; ++mu)
        m[mu] += d - (2 * d & -(int32_t)((row[full] >> (mu & 15)) & 1));
}
#else
PML_INLINE uint32_t bits_dot(const uint16_t *restrict row, const int32_t *restrict m, int64_t p,
                             int whole)
{
    (void)whole;
    uint32_t s = 0;
    for (int64_t mu = 0; mu < p; ++mu) s += (row[mu >> 4] >> (mu & 15)) & 1 ? (uint32_t)m[mu] : 0u;
    return s;
}

PML_INLINE void bits_add(const uint16_t *restrict row, int32_t *restrict m, int64_t p, int32_t d,
                         int whole)
{
    (void)whole;
    for (int64_t mu = 0; mu < p; ++mu) m[mu] += (row[mu >> 4] >> (mu & 15)) & 1 ? -d : d;
}
#endif

/* The set bits of a row: sum_mu xi_i^mu = p - 2 * popcount. */
PML_INLINE int64_t bits_count(const uint16_t *row, int64_t pc)
{
    int64_t k = 0;
    for (int64_t c = 0; c < pc; ++c) k += __builtin_popcount(row[c]);
    return k;
}

/* The field of neuron i (threshold not subtracted), as an exact integer where the form has one. */
PML_INLINE double form_field(const probe_form *f, int64_t i, int8_t si, int32_t *fint)
{
    if (f->kind == FORM_PATTERN) {
        *fint = pattern_field(f->xt + i * f->p, f->fi, f->p) - (int32_t)f->p * si;
        return (double)*fint;
    }
    if (f->kind == FORM_BITS) { /* whole as a constant: two straight loops, not one with tests */
        const uint32_t d = f->whole ? bits_dot(f->xb + i * f->pc, f->fi, f->p, 1)
                                    : bits_dot(f->xb + i * f->pc, f->fi, f->p, 0);
        *fint = (int32_t)((uint32_t)*f->msum - 2u * d - (uint32_t)(f->p * si)); /* exact mod 2^32 */
        return (double)*fint;
    }
    if (f->kind == FORM_INT) {
        *fint = f->fi[i];
        return (double)*fint;
    }
    *fint = 0;
    return f->fd[i];
}

/* s_i has just become v: update the kept fields. */
PML_INLINE void form_flip(const probe_form *f, int64_t i, int8_t v)
{
    const int64_t n = f->n, p = f->p;
    if (f->kind == FORM_PATTERN) { /* m += 2 v xi_i */
        const int8_t *restrict x = f->xt + i * p;
        int32_t *restrict m = f->fi;
        const int32_t sv = v > 0 ? 0 : -1;
#pragma omp simd
        for (int64_t mu = 0; mu < p; ++mu) m[mu] += 2 * ((1 ^ (x[mu] ^ sv)) - (x[mu] ^ sv));
    } else if (f->kind == FORM_BITS) { /* m += 2 v xi_i, and M with it */
        const uint16_t *row = f->xb + i * f->pc;
        bits_add(row, f->fi, p, 2 * v, f->whole);
        *f->msum += 2 * v * (p - 2 * bits_count(row, f->pc));
    } else if (f->kind == FORM_INT) { /* f += 2 v W[i, :], no multiply (SSE2 has none) */
        const int32_t *restrict row = f->wi + i * n;
        int32_t *restrict fi = f->fi;
        if (v > 0) {
#pragma omp simd
            for (int64_t j = 0; j < n; ++j) fi[j] += row[j] + row[j];
        } else {
#pragma omp simd
            for (int64_t j = 0; j < n; ++j) fi[j] -= row[j] + row[j];
        }
    } else {
        const float *restrict row = f->wf + i * n;
        double *restrict fd = f->fd;
        const double two = 2.0 * v;
#pragma omp simd
        for (int64_t j = 0; j < n; ++j) fd[j] += two * (double)row[j];
    }
}

PML_INLINE double form_energy(const pml_hopfield_async_args *a, const probe_form *f,
                              const int8_t *s)
{
    if (f->kind == FORM_PATTERN || f->kind == FORM_BITS) { /* sum_i s_i f_i = sum_mu m_mu^2 - p n */
        int64_t q = 0;
        for (int64_t mu = 0; mu < f->p; ++mu) q += (int64_t)f->fi[mu] * f->fi[mu];
        q -= f->p * f->n;
        return a->escale * (double)q + theta_dot(a, s);
    }
    if (f->kind == FORM_INT) {
        int64_t acc = 0;
        for (int64_t i = 0; i < f->n; ++i) acc += (int64_t)f->fi[i] * s[i];
        return a->escale * (double)acc + theta_dot(a, s);
    }
    double acc = 0.0;
    for (int64_t i = 0; i < f->n; ++i) acc += f->fd[i] * s[i];
    return a->escale * acc + theta_dot(a, s);
}

/* Probe b's sweeps from its kept fields, to its end; then its results. */
PML_INLINE void run_sweeps(const pml_hopfield_async_args *a, int64_t b, const probe_form *f)
{
    const int64_t n = a->n, T = a->max_sweeps, probe = a->p0 + b;
    int8_t *s = a->s + b * n;
    int32_t *perm = a->scratch + b * n;
    double *tr = a->trace ? a->trace + b * (T + 1) : NULL;
    /* without thresholds or temperature an integer field's sign decides (decide()'s first case) */
    const int plain = !a->glauber && !a->theta && f->kind != FORM_DOUBLE;
    const int64_t row_bytes = f->kind == FORM_PATTERN ? f->p : f->kind == FORM_BITS ? 2 * f->pc : 0;
    const int prefetch = row_bytes && a->order && n * row_bytes > (1 << 20);
    if (tr) tr[0] = form_energy(a, f, s);
    int64_t t = 0;
    int conv = 0;
    while (t < T && !conv) {
        make_perm(a, probe, t, perm, 1);
        int64_t flips = 0;
        draw_cache dc = {.stream = 0, .first = UINT64_MAX};
        for (int64_t k = 0; k < n; ++k) {
            const int64_t i = perm[k];
            /* the pattern form reads a row of the n x p masks per visit; in a random order
             * through masks larger than a core's cache, ask for the row two visits ahead (at
             * n = 10,000: 135-185 -> 98-152 ns a visit; index order is the prefetcher's) */
            if (prefetch && k + 2 < n) {
                const char *row = f->kind == FORM_PATTERN ? (const char *)f->xt : (const char *)f->xb;
                row += perm[k + 2] * row_bytes;
                for (int64_t o = 0; o < row_bytes; o += 64) __builtin_prefetch(row + o);
            }
            int32_t fint;
            const double fv = form_field(f, i, s[i], &fint);
            const int8_t v = plain ? (fint > 0 ? 1 : fint < 0 ? -1 : s[i])
                                   : decide(a, &dc, probe, t, k, i, fv, fint, s[i]);
            if (v == s[i]) continue;
            s[i] = v;
            ++flips;
            form_flip(f, i, v);
        }
        ++t;
        if (tr) tr[t] = form_energy(a, f, s);
        conv = !a->glauber && flips == 0;
    }
    finish(a, b, tr, t, conv, form_energy(a, f, s));
}

/* The W forms: fields from scratch, f = W s (rows of a symmetric W), then the sweeps. */
static void fast_probe(const pml_hopfield_async_args *a, int64_t b)
{
    const int64_t n = a->n;
    const size_t nn = (size_t)n * (size_t)n;
    const int8_t *s = a->s + b * n;
    if (a->wtype == PML_I32) {
        const probe_form f = {.kind = FORM_INT, .n = n,
                              .wi = (const int32_t *)a->w + (size_t)(b / a->per_set) * nn,
                              .fi = (int32_t *)a->fields + b * n};
        for (int64_t i = 0; i < n; ++i) {
            const int32_t *restrict row = f.wi + i * n;
            int32_t acc = 0;
#pragma omp simd reduction(+ : acc)
            for (int64_t j = 0; j < n; ++j) acc += row[j] * s[j];
            f.fi[i] = acc;
        }
        run_sweeps(a, b, &f);
    } else {
        const probe_form f = {.kind = FORM_DOUBLE, .n = n,
                              .wf = (const float *)a->w + (size_t)(b / a->per_set) * nn,
                              .fd = (double *)a->fields + b * n};
        for (int64_t i = 0; i < n; ++i) {
            const float *row = f.wf + i * n;
            double acc = 0.0;
            for (int64_t j = 0; j < n; ++j) acc += (double)row[j] * s[j];
            f.fd[i] = acc;
        }
        run_sweeps(a, b, &f);
    }
}

/* The pattern form: m = Xi s, a row of Xi^T at a time, then the sweeps. Built for AVX-512,
 * AVX2 and the baseline (PML_SIMD_CLONES, src/cpu/simd.h): widening the int8 masks is one
 * instruction from AVX2 on. Integer arithmetic: the same bits in all. */
PML_SIMD_CLONES
static void pattern_probe(const pml_hopfield_async_args *a, int64_t b)
{
    const int64_t n = a->n, p = a->p;
    const int8_t *s = a->s + b * n;
    const probe_form f = {.kind = FORM_PATTERN, .n = n, .p = p,
                          .xt = a->xit + (size_t)(b / a->per_set) * (size_t)(n * p),
                          .fi = (int32_t *)a->fields + b * (n > p ? n : p)};
    int32_t *restrict m = f.fi;
    for (int64_t mu = 0; mu < p; ++mu) m[mu] = 0;
    for (int64_t j = 0; j < n; ++j) {
        const int8_t *restrict x = f.xt + j * p;
        const int32_t sj = s[j] > 0 ? 0 : -1; /* m += s_j xi_j: the sign masks combined */
#pragma omp simd
        for (int64_t mu = 0; mu < p; ++mu) m[mu] += (1 ^ (x[mu] ^ sj)) - (x[mu] ^ sj);
    }
    run_sweeps(a, b, &f);
}

/* The pattern form on bit rows: m = Xi s, then M = sum_mu m_mu, then the sweeps. With the
 * patterns' own bit rows (xip), m_mu = n - 2 popcount(row_mu xor the state's bits): at
 * n = 10,000, p = 500, 160,000 popcounts of 32 bits, where a neuron at a time through the bit
 * rows (below, without xip) is 320,000 vector operations. */
PML_SIMD_CLONES
static void bits_probe(const pml_hopfield_async_args *a, int64_t b)
{
    const int64_t n = a->n, p = a->p, pc = (p + 15) >> 4, nw = (n + 31) >> 5;
    const int8_t *restrict s = a->s + b * n;
    int64_t msum = 0;
    /* a probe's row of `fields` is max(n, p) long: where 16 pc lanes fit in it (n >= p + 15,
     * as a rule), the last partial chunk is a vector whose lanes past p are 0 in the bit rows */
    const probe_form f = {.kind = FORM_BITS, .n = n, .p = p, .pc = pc, .msum = &msum,
                          .whole = 16 * pc <= (n > p ? n : p),
                          .xb = a->xib + (size_t)(b / a->per_set) * (size_t)(n * pc),
                          .fi = (int32_t *)a->fields + b * (n > p ? n : p)};
    int32_t *restrict m = f.fi;
    if (f.whole)
        for (int64_t mu = p; mu < 16 * pc; ++mu) m[mu] = 0;
    if (a->xip) {
        /* the state's bits (set for -1) in the permutation's scratch, free until the sweeps */
        uint32_t *restrict sb = (uint32_t *)(a->scratch + b * n);
        for (int64_t w = 0; w < nw; ++w) {
            uint32_t v = 0;
            for (int64_t i = w << 5; i < n && i < (w + 1) << 5; ++i)
                v |= (uint32_t)(s[i] < 0) << (i & 31);
            sb[w] = v;
        }
        const uint32_t *xs = a->xip + (size_t)(b / a->per_set) * (size_t)(p * nw);
        for (int64_t mu = 0; mu < p; ++mu) {
            const uint32_t *restrict x = xs + mu * nw;
            int64_t d = 0;
            for (int64_t w = 0; w < nw; ++w) d += __builtin_popcount(x[w] ^ sb[w]);
            m[mu] = (int32_t)(n - 2 * d);
        }
    } else {
        for (int64_t mu = 0; mu < p; ++mu) m[mu] = 0;
        for (int64_t j = 0; j < n; ++j) bits_add(f.xb + j * pc, m, p, s[j], 0); /* m += s_j xi_j */
    }
    for (int64_t mu = 0; mu < p; ++mu) msum += m[mu];
    run_sweeps(a, b, &f);
}

pml_status pml_cpu_hopfield_async(pml_device *dev, const pml_hopfield_async_args *a)
{
    (void)dev;
#pragma omp parallel for schedule(dynamic, 1) if (a->batch > 1 && a->n * a->batch > (1 << 12))
    for (int64_t b = 0; b < a->batch; ++b) {
        if (a->xib && a->xit && a->wtype == PML_I32) bits_probe(a, b);
        else if (a->xit && a->wtype == PML_I32) pattern_probe(a, b);
        else fast_probe(a, b);
    }
    return PML_OK;
}
