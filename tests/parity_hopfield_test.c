/* Hopfield kernels at kernel level (through dev->ops->hopfield), CPU against CUDA: exact for
 * asynchronous and Glauber recall with integer weights (both orders, the Glauber table, with
 * and without thresholds, several sets, traces), draw, convert, weights, sync (given the same
 * fields), energy and the modern step on integer-valued inputs; within rounding for Storkey
 * and the softmax, and within a small count of differing states for recall with float
 * weights. The CPU cases hold the fast asynchronous path to its reference bit for bit, on one
 * and two OpenMP threads; they run without a GPU. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/internal.h"
#include "cpu/cpu.h"
#include "ops/hopfield_ops.h"
#include "pml_test.h"

/* ---- host data ------------------------------------------------------------------------- */

static uint64_t lcg_state;
static uint32_t lcg(void)
{
    lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(lcg_state >> 33);
}
static double lcg_unit(void) { return (double)lcg() / 2147483648.0; } /* [0, 1) */
static int8_t lcg_pm1(void) { return (lcg() >> 7) & 1 ? 1 : -1; }

/* ---- device buffers: every array goes through the device's own alloc/upload/download --- */

typedef struct arena {
    pml_device *dev;
    void *p[24];
    int n;
} arena;

static void *put(arena *A, const void *host, size_t bytes)
{
    void *d = NULL;
    PML_ASSERT_OK(A->dev->ops->alloc(A->dev, bytes ? bytes : 1, &d));
    if (host && bytes) PML_ASSERT_OK(A->dev->ops->upload(A->dev, d, host, bytes));
    cr_assert(A->n < 24);
    A->p[A->n++] = d;
    return d;
}

static void get(arena *A, void *host, const void *d, size_t bytes)
{
    if (bytes) PML_ASSERT_OK(A->dev->ops->download(A->dev, host, d, bytes));
}

static void arena_free(arena *A)
{
    for (int i = 0; i < A->n; ++i) A->dev->ops->release(A->dev, A->p[i]);
    A->n = 0;
}

/* ---- asynchronous recall --------------------------------------------------------------- */

typedef struct async_case {
    int64_t n, sets, per_set, p0, max_sweeps;
    pml_dtype wtype;
    void *w;        /* sets x n x n */
    double *theta;  /* n or NULL */
    int8_t *s0;     /* batch x n */
    uint64_t seed;
    int order, glauber, trace;
    double beta, wscale, escale;
    uint32_t *qtab;
    int64_t qlen;
    int8_t *xi;  /* sets x p x n: the patterns of integer weights */
    int8_t *xit;  /* the same transposed as sign masks (0: +1, -1: -1), sets x n x p */
    uint16_t *xib; /* the same signs as bit rows, sets x n x ceil(p / 16) (bit set: -1) */
    uint32_t *xip; /* the patterns as bit rows, sets x p x ceil(n / 32) (bit set: -1) */
    int64_t p;
    int use_xi;  /* hand them to the kernel (the Hebbian pattern form): 1 xit, 2 and xib,
                    3 and xip */
} async_case;

typedef struct async_out {
    int8_t *s;
    void *fields;
    int32_t *perm;
    int64_t *sweeps;
    int8_t *conv;
    double *energy, *trace;
} async_out;

static int64_t batch_of(const async_case *c) { return c->sets * c->per_set; }

/* Hebbian integer weights of p random patterns per set (or, float, a symmetric Gaussian-like
 * matrix with no exact ties), probes the set's patterns with 15 % of their elements flipped. */
static void async_instance(async_case *c, int64_t n, int64_t sets, int64_t per_set, int64_t p,
                           pml_dtype wtype, uint64_t seed)
{
    memset(c, 0, sizeof *c);
    lcg_state = seed;
    c->n = n;
    c->sets = sets;
    c->per_set = per_set;
    c->wtype = wtype;
    c->max_sweeps = 6;
    c->seed = seed * 31 + 7;
    const int64_t batch = sets * per_set;
    int8_t *xi = malloc((size_t)(sets * p * n));
    for (int64_t k = 0; k < sets * p * n; ++k) xi[k] = lcg_pm1();
    if (wtype == PML_I32) {
        int32_t *w = calloc((size_t)(sets * n * n), sizeof *w);
        for (int64_t s = 0; s < sets; ++s)
            for (int64_t mu = 0; mu < p; ++mu) {
                const int8_t *x = xi + (s * p + mu) * n;
                for (int64_t i = 0; i < n; ++i)
                    for (int64_t j = 0; j < n; ++j)
                        if (i != j) w[(s * n + i) * n + j] += x[i] * x[j];
            }
        c->w = w;
        c->wscale = 1.0 / (double)n;
    } else {
        float *w = calloc((size_t)(sets * n * n), sizeof *w);
        const double sc = 1.0 / sqrt((double)n);
        for (int64_t s = 0; s < sets; ++s)
            for (int64_t i = 0; i < n; ++i)
                for (int64_t j = i + 1; j < n; ++j) {
                    const float v = (float)((lcg_unit() - lcg_unit() + lcg_unit() - lcg_unit()) * sc);
                    w[(s * n + i) * n + j] = v;
                    w[(s * n + j) * n + i] = v;
                }
        c->w = w;
        c->wscale = 1.0;
    }
    c->escale = -c->wscale / 2.0;
    c->xi = xi;
    c->xit = malloc((size_t)(sets * p * n));
    for (int64_t k = 0; k < sets; ++k)
        for (int64_t mu = 0; mu < p; ++mu)
            for (int64_t i = 0; i < n; ++i)
                c->xit[(k * n + i) * p + mu] = (int8_t)(xi[(k * p + mu) * n + i] > 0 ? 0 : -1);
    const int64_t pc = (p + 15) / 16, nw = (n + 31) / 32;
    c->xib = calloc((size_t)(sets * n * pc), sizeof *c->xib);
    c->xip = calloc((size_t)(sets * p * nw), sizeof *c->xip);
    for (int64_t k = 0; k < sets; ++k)
        for (int64_t mu = 0; mu < p; ++mu)
            for (int64_t i = 0; i < n; ++i)
                if (xi[(k * p + mu) * n + i] < 0) {
                    c->xib[(k * n + i) * pc + mu / 16] |= (uint16_t)(1u << (mu % 16));
                    c->xip[(k * p + mu) * nw + i / 32] |= 1u << (i % 32);
                }
    c->p = p;
    c->s0 = malloc((size_t)(batch * n));
    for (int64_t b = 0; b < batch; ++b) {
        const int8_t *x = xi + ((b / per_set) * p + b % p) * n;
        for (int64_t i = 0; i < n; ++i)
            c->s0[b * n + i] = lcg() % 100 < 15 ? (int8_t)-x[i] : x[i];
    }
}

/* Half-integer thresholds (in the units of W): with integer weights every field and energy
 * stays exact in double. */
static void add_theta(async_case *c, double unit)
{
    c->theta = malloc((size_t)c->n * sizeof *c->theta);
    for (int64_t i = 0; i < c->n; ++i) c->theta[i] = unit * (double)((int)(lcg() % 9) - 4) * 0.5;
}

/* The host's Glauber table for integer weights: qtab[k] = round(2^32 / (1 + e^(2 beta wscale
 * k))), the last entry 0. */
static void add_qtab(async_case *c, double beta, int64_t qlen)
{
    c->beta = beta;
    c->qlen = qlen;
    c->qtab = malloc((size_t)qlen * sizeof *c->qtab);
    for (int64_t k = 0; k < qlen; ++k) {
        const double x = floor(4294967296.0 / (1.0 + exp(2.0 * beta * c->wscale * (double)k)) + 0.5);
        c->qtab[k] = x >= 4294967295.0 ? 4294967295u : (uint32_t)x;
    }
    c->qtab[qlen - 1] = 0;
}

static void async_case_free(async_case *c)
{
    free(c->w);
    free(c->theta);
    free(c->s0);
    free(c->qtab);
    free(c->xi);
    free(c->xit);
    free(c->xib);
    free(c->xip);
}

static void async_out_alloc(const async_case *c, async_out *o)
{
    const int64_t batch = batch_of(c), n = c->n;
    const size_t fsz = c->wtype == PML_I32 ? sizeof(int32_t) : sizeof(double);
    o->s = malloc((size_t)(batch * n));
    o->fields = malloc((size_t)(batch * n) * fsz);
    o->perm = malloc((size_t)(batch * n) * sizeof(int32_t));
    o->sweeps = malloc((size_t)batch * sizeof(int64_t));
    o->conv = malloc((size_t)batch);
    o->energy = malloc((size_t)batch * sizeof(double));
    o->trace = malloc((size_t)(batch * (c->max_sweeps + 1)) * sizeof(double));
}

static void async_out_free(async_out *o)
{
    free(o->s);
    free(o->fields);
    free(o->perm);
    free(o->sweeps);
    free(o->conv);
    free(o->energy);
    free(o->trace);
}

/* Run the case on dev with fn (NULL: the device's table entry). */
static void async_run(pml_device *dev, pml_hopfield_async_fn *fn, const async_case *c,
                      async_out *o)
{
    arena A = {.dev = dev};
    const int64_t batch = batch_of(c), n = c->n, T = c->max_sweeps;
    const size_t wsz = c->wtype == PML_I32 ? sizeof(int32_t) : sizeof(float);
    const size_t fsz = c->wtype == PML_I32 ? sizeof(int32_t) : sizeof(double);
    const size_t bn = (size_t)(batch * n), trn = (size_t)(batch * (T + 1));
    const size_t bf = (size_t)(batch * (c->p > n ? c->p : n)); /* fields, or overlaps */
    pml_hopfield_async_args a = {
        .w = put(&A, c->w, (size_t)(c->sets * n * n) * wsz),
        .wtype = c->wtype,
        .theta = c->theta ? put(&A, c->theta, (size_t)n * sizeof(double)) : NULL,
        .s = put(&A, c->s0, bn),
        .fields = put(&A, NULL, bf * fsz),
        .scratch = put(&A, NULL, bn * sizeof(int32_t)),
        .xit = c->use_xi ? put(&A, c->xit, (size_t)(c->sets * c->p * n)) : NULL,
        .xib = c->use_xi >= 2 ? put(&A, c->xib, (size_t)(c->sets * n * ((c->p + 15) / 16)) * 2) : NULL,
        .xip = c->use_xi >= 3 ? put(&A, c->xip, (size_t)(c->sets * c->p * ((n + 31) / 32)) * 4) : NULL,
        .p = c->p,
        .n = n,
        .batch = batch,
        .per_set = c->per_set,
        .p0 = c->p0,
        .seed = c->seed,
        .order = c->order,
        .glauber = c->glauber,
        .beta = c->beta,
        .wscale = c->wscale,
        .escale = c->escale,
        .qtab = c->qtab ? put(&A, c->qtab, (size_t)c->qlen * sizeof(uint32_t)) : NULL,
        .qlen = c->qlen,
        .max_sweeps = T,
        .sweeps = put(&A, NULL, (size_t)batch * sizeof(int64_t)),
        .converged = put(&A, NULL, (size_t)batch),
        .energy = put(&A, NULL, (size_t)batch * sizeof(double)),
        .trace = c->trace ? put(&A, NULL, trn * sizeof(double)) : NULL,
    };
    PML_ASSERT_OK((fn ? fn : dev->ops->hopfield->async)(dev, &a));
    get(&A, o->s, a.s, bn);
    get(&A, o->fields, a.fields, bn * fsz);
    get(&A, o->perm, a.scratch, bn * sizeof(int32_t));
    get(&A, o->sweeps, a.sweeps, (size_t)batch * sizeof(int64_t));
    get(&A, o->conv, a.converged, (size_t)batch);
    get(&A, o->energy, a.energy, (size_t)batch * sizeof(double));
    if (c->trace) get(&A, o->trace, a.trace, trn * sizeof(double));
    arena_free(&A);
}

/* Bit for bit; `fields_too`: the fast paths' kept fields (the reference keeps none). */
static void expect_same_async(const char *what, const async_case *c, const async_out *got,
                              const async_out *ref, int fields_too)
{
    const int64_t batch = batch_of(c), n = c->n;
    const size_t bn = (size_t)(batch * n);
    cr_expect(pml_test_equal_bytes("states", got->s, ref->s, bn, 1), "%s", what);
    cr_expect(pml_test_equal_bytes("sweeps", got->sweeps, ref->sweeps, (size_t)batch, 8), "%s", what);
    cr_expect(pml_test_equal_bytes("converged", got->conv, ref->conv, (size_t)batch, 1), "%s", what);
    cr_expect(pml_test_equal_bytes("energy", got->energy, ref->energy, (size_t)batch, 8), "%s", what);
    if (c->trace)
        cr_expect(pml_test_equal_bytes("trace", got->trace, ref->trace,
                                       (size_t)(batch * (c->max_sweeps + 1)), 8), "%s", what);
    int64_t ran = 0;
    for (int64_t b = 0; b < batch; ++b) ran |= ref->sweeps[b];
    if (ran) cr_expect(pml_test_equal_bytes("permutations", got->perm, ref->perm, bn, 4), "%s", what);
    if (fields_too)
        cr_expect(pml_test_equal_bytes("fields", got->fields, ref->fields, bn,
                                       c->wtype == PML_I32 ? 4 : 8), "%s", what);
}

/* Every variant of integer-weight recall on one instance: orders, deterministic and Glauber
 * (table, or thresholds and the kernel's own probability), traces on and off. With thresholds
 * Glauber's threshold q comes from exp() on each side: a 1-ulp difference moves q by at most
 * 1 and only when 2^32 P lies within ~1e-6 of a half-integer, and a state changes only when
 * the draw then equals q: odds far below 1e-9 per visit, so the comparison stays exact. */
typedef void (*async_check)(const char *what, const async_case *c, void *user);

static void each_integer_variant(async_case *c, async_check check, void *user)
{
    for (int th = 0; th < 2; ++th)
        for (int order = 0; order < 2; ++order)
            for (int gl = 0; gl < 2; ++gl) {
                async_case v = *c;
                v.theta = th ? c->theta : NULL;
                v.order = order;
                v.glauber = gl;
                v.trace = (order + gl + th) % 2 == 0;
                if (!gl) {
                    v.qtab = NULL;
                    v.qlen = 0;
                }
                char what[96];
                snprintf(what, sizeof what, "n %lld, theta %d, order %d, glauber %d",
                         (long long)c->n, th, order, gl);
                check(what, &v, user);
            }
}

/* ---- CPU: the fast path against the reference ------------------------------------------ */

static void cpu_fast_vs_ref(const char *what, const async_case *c, void *user)
{
    pml_device *cpu = user;
    async_out ref, got;
    async_out_alloc(c, &ref);
    async_out_alloc(c, &got);
    async_run(cpu, pml_cpu_hopfield_async_ref, c, &ref);
    const int threads[2] = {1, 2};
    async_case cx = *c; /* the fast path from W, and in the pattern form: sign masks, bit
                           rows, bit rows with the initial overlaps by popcount */
    static const char *const forms[4] = {"", ", the pattern form (sign masks)",
                                         ", the pattern form (bit rows)",
                                         ", the pattern form (bit rows, popcount overlaps)"};
    for (int k = 0; k < 8; ++k) {
#ifdef _OPENMP
        omp_set_num_threads(threads[k % 2]);
#endif
        cx.use_xi = c->wtype == PML_I32 ? k / 2 : 0;
        if (k >= 2 && !cx.use_xi) break;
        async_run(cpu, pml_cpu_hopfield_async, &cx, &got);
        char w2[160];
        snprintf(w2, sizeof w2, "%s, %d thread(s)%s", what, threads[k % 2], forms[cx.use_xi]);
        expect_same_async(w2, c, &got, &ref, 0);
    }
    async_out_free(&ref);
    async_out_free(&got);
}

Test(parity_hopfield, cpu_fast_async_matches_reference)
{
    pml_device *cpu = pml_test_open_cpu();
#ifdef _OPENMP
    const int saved = omp_get_max_threads();
#endif
    /* n = 70, 16 probes: above the fast path's threading threshold; n = 33 and 1: edges;
     * p = 21 and 16: the sign masks' field in vectors of 8 with a tail and without; p = 13,
     * 16, 21, 29, 40, 48, 67: bit rows of a tail alone (13 lanes), one chunk of 16, one
     * chunk and a tail of 5 or 13, two chunks (one step of two) and 8, three and none, four
     * and 3; n = 64, 96, 97: states of whole and partial 32-bit words; n = 201: a sweep's
     * permutation from four runs of 64 draws, none 4-aligned after the first sweep. Where a
     * probe's row of overlaps has room for the last chunk (16 ceil(p / 16) <= max(n, p)) it is
     * read as a whole vector; n = 1, 45 and 20 (p = 3, 67, 29) have none, and take the tails of
     * 3, 3 and 13 lanes one by one */
    const int64_t ns[11] = {70, 33, 1, 64, 40, 96, 97, 45, 50, 201, 20},
                  sets[11] = {4, 3, 2, 2, 2, 2, 1, 2, 2, 1, 2},
                  per[11] = {4, 5, 3, 3, 2, 3, 4, 2, 3, 3, 3};
    const int64_t ps[11] = {3, 13, 3, 21, 16, 40, 48, 67, 29, 10, 29};
    for (int k = 0; k < 11; ++k) {
        async_case c;
        async_instance(&c, ns[k], sets[k], per[k], ps[k], PML_I32, 11 + (uint64_t)k);
        c.p0 = 5 * k;
        add_theta(&c, 1.0);
        add_qtab(&c, 1.5, 256);
        each_integer_variant(&c, cpu_fast_vs_ref, cpu);
        async_case_free(&c);
    }
#ifdef _OPENMP
    omp_set_num_threads(saved);
#endif
    pml_device_close(cpu);
}

/* The table's threshold at both signs of the field, and a field beyond the table. */
Test(parity_hopfield, cpu_qtab_threshold)
{
    const uint32_t q[4] = {2147483648u, 1000000000u, 5000u, 0u};
    cr_expect_eq(pml_hopfield_qtab_thr(q, 4, 0), 2147483648u);
    cr_expect_eq(pml_hopfield_qtab_thr(q, 4, 1), 1000000000u);
    cr_expect_eq(pml_hopfield_qtab_thr(q, 4, -1), 4294967296ull - 1000000000u);
    cr_expect_eq(pml_hopfield_qtab_thr(q, 4, 99), 0u);
    cr_expect_eq(pml_hopfield_qtab_thr(q, 4, -99), 4294967296ull);
    cr_expect_eq(pml_hopfield_pick(0u, 3, 10), 3);
    cr_expect_eq(pml_hopfield_pick(0xffffffffu, 3, 10), 9);
}

/* ---- CPU against CUDA ---------------------------------------------------------------- */

typedef struct two_devices {
    pml_device *cpu, *gpu;
} two_devices;

static void cpu_vs_gpu_exact(const char *what, const async_case *c, void *user)
{
    two_devices *d = user;
    async_out ref, got;
    async_out_alloc(c, &ref);
    async_out_alloc(c, &got);
    async_run(d->cpu, NULL, c, &ref);
    async_run(d->gpu, NULL, c, &got);
    expect_same_async(what, c, &got, &ref, 1);
    if (c->wtype == PML_I32) { /* and both with the initial the pattern form */
        async_case cx = *c; /* the CPU reads the bit rows, CUDA the sign masks */
        cx.use_xi = 3;
        char w2[160];
        snprintf(w2, sizeof w2, "%s, the pattern form", what);
        async_run(d->cpu, NULL, &cx, &ref);
        async_run(d->gpu, NULL, &cx, &got);
        expect_same_async(w2, c, &got, &ref, 1);
    }
    async_out_free(&ref);
    async_out_free(&got);
}

Test(parity_hopfield, async_integer_weights_exact)
{
    two_devices d;
    d.gpu = pml_test_open_cuda_or_skip();
    d.cpu = pml_test_open_cpu();
    /* n = 70 and 100: partial warps; 1 and 2: degenerate; 300: rows of ten warps */
    const int64_t ns[5] = {70, 100, 1, 2, 300}, sets[5] = {3, 2, 2, 1, 2},
                  per[5] = {5, 9, 3, 4, 6}, p[5] = {4, 6, 1, 1, 20};
    for (int k = 0; k < 5; ++k) {
        async_case c;
        async_instance(&c, ns[k], sets[k], per[k], p[k], PML_I32, 101 + (uint64_t)k);
        c.p0 = 1000 + 17 * k;
        c.max_sweeps = k == 4 ? 10 : 6;
        add_theta(&c, 1.0);
        add_qtab(&c, k == 4 ? 3.0 : 1.5, 2048);
        each_integer_variant(&c, cpu_vs_gpu_exact, &d);
        async_case_free(&c);
    }
    pml_device_close(d.gpu);
    pml_device_close(d.cpu);
}

/* Float weights: fields summed in different orders can tip a near-tie, so a few states may
 * differ; where a probe's final states agree, so do its energies within double rounding. */
/* Float weights, four variants (index or random order, deterministic or Glauber, thresholds
 * in the last): `got` (fn_got on dev_got) against `ref` (fn_ref on dev_ref). The kept double
 * fields drift from fresh sums by rounding only, so the states agree but for a draw or a sign
 * within rounding of its threshold; energies and sweeps of the probes that agree match. */
static void float_variants(pml_device *dev_ref, pml_hopfield_async_fn *fn_ref,
                           pml_device *dev_got, pml_hopfield_async_fn *fn_got, uint64_t seed)
{
    async_case c;
    async_instance(&c, 90, 3, 8, 5, PML_F32, seed);
    add_theta(&c, 0.05);
    const int64_t batch = batch_of(&c), n = c.n;
    for (int v = 0; v < 4; ++v) {
        async_case x = c;
        x.order = v & 1;
        x.glauber = v >> 1;
        x.beta = 2.0;
        x.theta = v == 3 ? c.theta : NULL;
        x.trace = 1;
        async_out ref, got;
        async_out_alloc(&x, &ref);
        async_out_alloc(&x, &got);
        async_run(dev_ref, fn_ref, &x, &ref);
        async_run(dev_got, fn_got, &x, &got);
        int64_t differ = 0;
        for (int64_t k = 0; k < batch * n; ++k) differ += got.s[k] != ref.s[k];
        cr_expect(differ <= batch * n / 100, "variant %d: %lld of %lld states differ", v,
                  (long long)differ, (long long)(batch * n));
        for (int64_t b = 0; b < batch; ++b) {
            if (memcmp(got.s + b * n, ref.s + b * n, (size_t)n) != 0) continue;
            cr_expect(pml_test_close_f64("energy", got.energy + b, ref.energy + b, 1, PML_TOL_SUM),
                      "variant %d probe %lld", v, (long long)b);
            if (!x.glauber)
                cr_expect_eq(got.sweeps[b], ref.sweeps[b], "variant %d probe %lld", v, (long long)b);
        }
        async_out_free(&ref);
        async_out_free(&got);
    }
    async_case_free(&c);
}

Test(parity_hopfield, async_float_weights_close)
{
    pml_device *gpu = pml_test_open_cuda_or_skip(), *cpu = pml_test_open_cpu();
    float_variants(cpu, NULL, gpu, NULL, 77);
    pml_device_close(gpu);
    pml_device_close(cpu);
}

/* The CPU's float-weight fast path (fields kept, a row of W per flip) against the
 * field-by-field reference. */
Test(parity_hopfield, cpu_fast_float_weights_close)
{
    pml_device *cpu = pml_test_open_cpu();
    float_variants(cpu, pml_cpu_hopfield_async_ref, cpu, pml_cpu_hopfield_async, 79);
    pml_device_close(cpu);
}

/* ---- draw, convert, weights, Storkey --------------------------------------------------- */

static void draw_on(pml_device *dev, const int8_t *src, int64_t rows, int64_t n, int64_t row0,
                    uint64_t tag, uint64_t thr, int8_t *out)
{
    arena A = {.dev = dev};
    const size_t bytes = (size_t)(rows * n);
    pml_hopfield_draw_args a = {
        .src = src ? put(&A, src, bytes) : NULL,
        .dst = put(&A, NULL, bytes),
        .rows = rows,
        .n = n,
        .row0 = row0,
        .seed = 0x1234567887654321ull,
        .tag = tag,
        .thr = thr,
    };
    PML_ASSERT_OK(dev->ops->hopfield->draw(dev, &a));
    get(&A, out, a.dst, bytes);
    arena_free(&A);
}

Test(parity_hopfield, draw_exact)
{
    pml_device *gpu = pml_test_open_cuda_or_skip(), *cpu = pml_test_open_cpu();
    const int64_t rows = 37, n = 103; /* n not a multiple of 4 */
    int8_t *src = malloc((size_t)(rows * n)), *a = malloc((size_t)(rows * n)),
           *b = malloc((size_t)(rows * n));
    lcg_state = 5;
    for (int64_t k = 0; k < rows * n; ++k) src[k] = lcg_pm1();
    const uint64_t thrs[4] = {(uint64_t)1 << 31, 858993459, 0, (uint64_t)1 << 32};
    for (int k = 0; k < 4; ++k)
        for (int withsrc = 0; withsrc < 2; ++withsrc) {
            const uint64_t tag = (uint64_t)(k + 1) << 40;
            draw_on(cpu, withsrc ? src : NULL, rows, n, 3000 + k, tag, thrs[k], a);
            draw_on(gpu, withsrc ? src : NULL, rows, n, 3000 + k, tag, thrs[k], b);
            cr_expect(pml_test_equal_bytes("draw", b, a, (size_t)(rows * n), 1),
                      "thr %llu, src %d", (unsigned long long)thrs[k], withsrc);
        }
    free(src);
    free(a);
    free(b);
    pml_device_close(gpu);
    pml_device_close(cpu);
}

Test(parity_hopfield, convert_and_weights_exact)
{
    pml_device *gpu = pml_test_open_cuda_or_skip(), *cpu = pml_test_open_cpu();
    pml_device *devs[2] = {cpu, gpu};
    const int64_t count = 1001, n = 45, sets = 3, nn = sets * n * n;
    int8_t *x = malloc((size_t)count);
    float *sums = malloc((size_t)nn * sizeof *sums);
    lcg_state = 9;
    for (int64_t k = 0; k < count; ++k) x[k] = lcg_pm1();
    for (int64_t k = 0; k < nn; ++k) sums[k] = (float)((int)(lcg() % 41) - 20);
    double *out[2];
    int32_t *wi[2];
    float *wf[2];
    for (int d = 0; d < 2; ++d) {
        arena A = {.dev = devs[d]};
        out[d] = malloc((size_t)count * sizeof(double) * 2);
        pml_hopfield_convert_args c = {.src = put(&A, x, (size_t)count),
                                       .dst = put(&A, NULL, (size_t)count * 8),
                                       .dtype = PML_F32,
                                       .count = count};
        PML_ASSERT_OK(devs[d]->ops->hopfield->convert(devs[d], &c));
        get(&A, out[d], c.dst, (size_t)count * 4);
        c.dtype = PML_F64;
        PML_ASSERT_OK(devs[d]->ops->hopfield->convert(devs[d], &c));
        get(&A, out[d] + count, c.dst, (size_t)count * 8);
        wi[d] = malloc((size_t)nn * sizeof(int32_t));
        wf[d] = malloc((size_t)nn * sizeof(float));
        void *src = put(&A, sums, (size_t)nn * 4);
        pml_hopfield_weights_args w = {.src = src,
                                       .dst = put(&A, NULL, (size_t)nn * 4),
                                       .dtype = PML_I32,
                                       .n = n,
                                       .sets = sets,
                                       .scale = 1.0};
        PML_ASSERT_OK(devs[d]->ops->hopfield->weights(devs[d], &w));
        get(&A, wi[d], w.dst, (size_t)nn * 4);
        w.dst = src; /* in place */
        w.dtype = PML_F32;
        w.scale = 1.0 / 45.0;
        PML_ASSERT_OK(devs[d]->ops->hopfield->weights(devs[d], &w));
        get(&A, wf[d], w.dst, (size_t)nn * 4);
        arena_free(&A);
    }
    cr_expect(pml_test_equal_bytes("convert f32", out[1], out[0], (size_t)count, 4));
    cr_expect(pml_test_equal_bytes("convert f64", out[1] + count, out[0] + count, (size_t)count, 8));
    cr_expect(pml_test_equal_bytes("weights i32", wi[1], wi[0], (size_t)nn, 4));
    cr_expect(pml_test_equal_bytes("weights f32 (one rounding)", wf[1], wf[0], (size_t)nn, 4));
    cr_expect_eq(wi[0][n + 1], 0); /* set 0, row 1: the diagonal */
    cr_expect_eq(wi[0][n * n + 2 * n + 2], 0);
    for (int d = 0; d < 2; ++d) {
        free(out[d]);
        free(wi[d]);
        free(wf[d]);
    }
    free(x);
    free(sums);
    pml_device_close(gpu);
    pml_device_close(cpu);
}

Test(parity_hopfield, storkey_close)
{
    pml_device *gpu = pml_test_open_cuda_or_skip(), *cpu = pml_test_open_cpu();
    pml_device *devs[2] = {cpu, gpu};
    const int64_t n = 77, npat = 5;
    float *w0 = calloc((size_t)(n * n), sizeof *w0), *xi = malloc((size_t)(npat * n) * 4);
    float *h = malloc((size_t)n * 4), *res[2];
    lcg_state = 13;
    for (int64_t k = 0; k < npat * n; ++k) xi[k] = (float)lcg_pm1();
    for (int d = 0; d < 2; ++d) {
        /* learn the patterns one by one; h = W xi on the host from the device's own W */
        arena A = {.dev = devs[d]};
        res[d] = malloc((size_t)(n * n) * 4);
        float *w = put(&A, w0, (size_t)(n * n) * 4);
        float *dxi = put(&A, NULL, (size_t)n * 4), *dh = put(&A, NULL, (size_t)n * 4);
        for (int64_t mu = 0; mu < npat; ++mu) {
            get(&A, res[d], w, (size_t)(n * n) * 4);
            const float *x = xi + mu * n;
            for (int64_t i = 0; i < n; ++i) {
                double acc = 0.0;
                for (int64_t j = 0; j < n; ++j) acc += (double)res[d][i * n + j] * x[j];
                h[i] = (float)acc;
            }
            PML_ASSERT_OK(devs[d]->ops->upload(devs[d], dxi, x, (size_t)n * 4));
            PML_ASSERT_OK(devs[d]->ops->upload(devs[d], dh, h, (size_t)n * 4));
            pml_hopfield_storkey_args a = {.w = w, .xi = dxi, .h = dh, .n = n};
            PML_ASSERT_OK(devs[d]->ops->hopfield->storkey(devs[d], &a));
        }
        get(&A, res[d], w, (size_t)(n * n) * 4);
        arena_free(&A);
    }
    cr_expect(pml_test_close_f32("storkey W", res[1], res[0], (size_t)(n * n),
                                 PML_TOL_ELEMENTWISE_F32));
    for (int64_t i = 0; i < n; ++i) cr_expect_eq(res[1][i * n + i], 0.0f);
    free(res[0]);
    free(res[1]);
    free(w0);
    free(xi);
    free(h);
    pml_device_close(gpu);
    pml_device_close(cpu);
}

/* ---- sync and energy --------------------------------------------------------------------- */

typedef struct sync_io {
    int8_t *s, *prev;
    void *sf;
    int32_t *status;
    int64_t *sweeps;
    int64_t running;
} sync_io;

static void sync_on(pml_device *dev, pml_dtype dt, const void *h, double self,
                    const double *theta, int64_t n, int64_t batch, sync_io *io)
{
    arena A = {.dev = dev};
    const size_t es = dt == PML_F32 ? 4 : 8, bn = (size_t)(batch * n);
    pml_hopfield_sync_args a = {
        .h = put(&A, h, bn * es),
        .dtype = dt,
        .self = self,
        .theta = theta ? put(&A, theta, (size_t)n * 8) : NULL,
        .s = put(&A, io->s, bn),
        .prev = put(&A, io->prev, bn),
        .sf = put(&A, io->sf, bn * es),
        .status = put(&A, io->status, (size_t)batch * 4),
        .sweeps = put(&A, io->sweeps, (size_t)batch * 8),
        .running = put(&A, &io->running, 8),
        .n = n,
        .batch = batch,
        .sweep = 41,
    };
    PML_ASSERT_OK(dev->ops->hopfield->sync(dev, &a));
    get(&A, io->s, a.s, bn);
    get(&A, io->prev, a.prev, bn);
    get(&A, io->sf, a.sf, bn * es);
    get(&A, io->status, a.status, (size_t)batch * 4);
    get(&A, io->sweeps, a.sweeps, (size_t)batch * 8);
    get(&A, &io->running, a.running, 8);
    arena_free(&A);
}

static void sync_io_init(sync_io *io, int64_t n, int64_t batch, size_t es)
{
    io->s = malloc((size_t)(batch * n));
    io->prev = malloc((size_t)(batch * n));
    io->sf = calloc((size_t)(batch * n), es);
    io->status = malloc((size_t)batch * 4);
    io->sweeps = malloc((size_t)batch * 8);
    io->running = 5;
}

static void sync_io_free(sync_io *io)
{
    free(io->s);
    free(io->prev);
    free(io->sf);
    free(io->status);
    free(io->sweeps);
}

/* Probes of every kind: already stopped (status 1, 2), ones that reach a fixed point, ones in
 * a two-cycle, ones still moving, with integer fields so that ties (f = 0) occur. */
Test(parity_hopfield, sync_exact)
{
    pml_device *gpu = pml_test_open_cuda_or_skip(), *cpu = pml_test_open_cpu();
    const int64_t n = 83, batch = 300;
    const double self = 3.0;
    double *theta = malloc((size_t)n * 8);
    int8_t *s = malloc((size_t)(batch * n)), *prev = malloc((size_t)(batch * n));
    double *hd = malloc((size_t)(batch * n) * 8);
    float *hf = malloc((size_t)(batch * n) * 4);
    int32_t *status = malloc((size_t)batch * 4);
    for (int th = 0; th < 2; ++th) {
        lcg_state = 21 + (uint64_t)th;
        for (int64_t i = 0; i < n; ++i) theta[i] = (double)((int)(lcg() % 5) - 2);
        for (int64_t b = 0; b < batch; ++b) {
            const int kind = (int)(b % 5);
            status[b] = kind == 4 ? 1 + (int32_t)(b % 2) : 0;
            for (int64_t i = 0; i < n; ++i) {
                const int64_t e = b * n + i;
                s[e] = lcg_pm1();
                prev[e] = lcg_pm1();
                const double t = th ? theta[i] : 0.0;
                double f; /* the field the update sees, f = h - self s - theta */
                if (kind == 0) f = s[e] * (double)(1 + lcg() % 4);         /* fixed point */
                else if (kind == 1) f = -s[e] * (double)(1 + lcg() % 4);   /* all flip */
                else f = (double)((int)(lcg() % 7) - 3);                   /* mixed, ties */
                if (kind == 1) prev[e] = (int8_t)-s[e];                    /* two-cycle */
                hd[e] = f + self * s[e] + t;
                hf[e] = (float)hd[e];
            }
        }
        for (int dt = 0; dt < 2; ++dt) {
            const pml_dtype dtype = dt ? PML_F64 : PML_F32;
            const size_t es = dt ? 8 : 4;
            sync_io io[2];
            for (int d = 0; d < 2; ++d) {
                sync_io_init(&io[d], n, batch, es);
                memcpy(io[d].s, s, (size_t)(batch * n));
                memcpy(io[d].prev, prev, (size_t)(batch * n));
                memcpy(io[d].status, status, (size_t)batch * 4);
                for (int64_t b = 0; b < batch; ++b) io[d].sweeps[b] = -1;
                sync_on(d ? gpu : cpu, dtype, dt ? (void *)hd : (void *)hf, self,
                        th ? theta : NULL, n, batch, &io[d]);
            }
            const size_t bn = (size_t)(batch * n);
            cr_expect(pml_test_equal_bytes("s", io[1].s, io[0].s, bn, 1), "theta %d dtype %d", th, dt);
            cr_expect(pml_test_equal_bytes("prev", io[1].prev, io[0].prev, bn, 1));
            cr_expect(pml_test_equal_bytes("sf", io[1].sf, io[0].sf, bn, es));
            cr_expect(pml_test_equal_bytes("status", io[1].status, io[0].status, (size_t)batch, 4));
            cr_expect(pml_test_equal_bytes("sweeps", io[1].sweeps, io[0].sweeps, (size_t)batch, 8));
            cr_expect_eq(io[1].running, io[0].running);
            int seen[3] = {0, 0, 0};
            for (int64_t b = 0; b < batch; ++b)
                if (status[b] == 0 && io[0].status[b] >= 0 && io[0].status[b] <= 2)
                    seen[io[0].status[b]] = 1;
            cr_expect(seen[0] && seen[1] && seen[2], "the instance exercises every outcome");
            cr_expect(io[0].running > 5);
            for (int d = 0; d < 2; ++d) sync_io_free(&io[d]);
        }
    }
    free(theta);
    free(s);
    free(prev);
    free(hd);
    free(hf);
    free(status);
    pml_device_close(gpu);
    pml_device_close(cpu);
}

Test(parity_hopfield, energy_exact_on_integers)
{
    pml_device *gpu = pml_test_open_cuda_or_skip(), *cpu = pml_test_open_cpu();
    const int64_t n = 67, k_dim = 140, batch = 45;
    double *ud = malloc((size_t)(batch * k_dim) * 8), *vd = malloc((size_t)(batch * k_dim) * 8);
    float *uf = malloc((size_t)(batch * k_dim) * 4), *vf = malloc((size_t)(batch * k_dim) * 4);
    double *theta = malloc((size_t)n * 8), out[2][45];
    int8_t *s = malloc((size_t)(batch * n));
    lcg_state = 31;
    for (int64_t k = 0; k < batch * k_dim; ++k) {
        ud[k] = (double)((int)(lcg() % 201) - 100);
        vd[k] = (double)((int)(lcg() % 201) - 100);
        uf[k] = (float)ud[k];
        vf[k] = (float)vd[k];
    }
    for (int64_t i = 0; i < n; ++i) theta[i] = 0.5 * (double)((int)(lcg() % 9) - 4);
    for (int64_t k = 0; k < batch * n; ++k) s[k] = lcg_pm1();
    for (int dt = 0; dt < 2; ++dt)
        for (int th = 0; th < 2; ++th) {
            for (int d = 0; d < 2; ++d) {
                pml_device *dev = d ? gpu : cpu;
                arena A = {.dev = dev};
                const size_t es = dt ? 8 : 4;
                pml_hopfield_energy_args a = {
                    .u = put(&A, dt ? (void *)ud : (void *)uf, (size_t)(batch * k_dim) * es),
                    .v = put(&A, dt ? (void *)vd : (void *)vf, (size_t)(batch * k_dim) * es),
                    .dtype = dt ? PML_F64 : PML_F32,
                    .k_dim = k_dim,
                    .s = th ? put(&A, s, (size_t)(batch * n)) : NULL,
                    .theta = th ? put(&A, theta, (size_t)n * 8) : NULL,
                    .n = n,
                    .batch = batch,
                    .scale = -1.0 / (2.0 * (double)n),
                    .offset = 2.5,
                    .out = put(&A, NULL, (size_t)batch * 8),
                };
                PML_ASSERT_OK(dev->ops->hopfield->energy(dev, &a));
                get(&A, out[d], a.out, (size_t)batch * 8);
                arena_free(&A);
            }
            cr_expect(pml_test_equal_bytes("energy", out[1], out[0], (size_t)batch, 8),
                      "dtype %d theta %d", dt, th);
        }
    free(ud);
    free(vd);
    free(uf);
    free(vf);
    free(theta);
    free(s);
    pml_device_close(gpu);
    pml_device_close(cpu);
}

/* ---- softmax and the modern step --------------------------------------------------------- */

Test(parity_hopfield, softmax_close)
{
    pml_device *gpu = pml_test_open_cuda_or_skip(), *cpu = pml_test_open_cpu();
    const int64_t rows = 29, cols = 131;
    float *x = malloc((size_t)(rows * cols) * 4), *res[2];
    lcg_state = 41;
    for (int64_t k = 0; k < rows * cols; ++k) x[k] = (float)(lcg_unit() * 20.0 - 10.0);
    const double betas[2] = {0.7, 8.0};
    for (int bi = 0; bi < 2; ++bi) {
        for (int d = 0; d < 2; ++d) {
            pml_device *dev = d ? gpu : cpu;
            arena A = {.dev = dev};
            res[d] = malloc((size_t)(rows * cols) * 4);
            pml_hopfield_softmax_args a = {.x = put(&A, x, (size_t)(rows * cols) * 4),
                                           .rows = rows,
                                           .cols = cols,
                                           .beta = betas[bi]};
            PML_ASSERT_OK(dev->ops->hopfield->softmax(dev, &a));
            get(&A, res[d], a.x, (size_t)(rows * cols) * 4);
            arena_free(&A);
        }
        cr_expect(pml_test_close_f32("softmax", res[1], res[0], (size_t)(rows * cols),
                                     PML_TOL_ELEMENTWISE_F32), "beta %g", betas[bi]);
        free(res[0]);
        free(res[1]);
    }
    free(x);
    pml_device_close(gpu);
    pml_device_close(cpu);
}

Test(parity_hopfield, modern_exact)
{
    pml_device *gpu = pml_test_open_cuda_or_skip(), *cpu = pml_test_open_cpu();
    const int64_t n = 75, batch = 120;
    const size_t bn = (size_t)(batch * n);
    float *y = malloc(bn * 4), *xi0 = malloc(bn * 4), *xi[2];
    int8_t *s0 = malloc(bn), *s[2];
    int32_t st0[120], st[2][120];
    int64_t sw[2][120], running[2];
    lcg_state = 51;
    for (int64_t b = 0; b < batch; ++b) {
        st0[b] = b % 7 == 6 ? 1 : 0;
        const int near = b % 3 == 0; /* within the tolerance of its states */
        for (int64_t i = 0; i < n; ++i) {
            const int64_t e = b * n + i;
            xi0[e] = (float)(lcg_unit() * 2.0 - 1.0);
            y[e] = near ? xi0[e] + (float)((lcg_unit() - 0.5) * 1e-4) : (float)(lcg_unit() * 2.0 - 1.0);
            if (lcg() % 10 == 0) y[e] = 0.0f; /* ties keep s */
            if (near && y[e] == 0.0f) y[e] = xi0[e];
            s0[e] = lcg_pm1();
        }
    }
    for (int d = 0; d < 2; ++d) {
        pml_device *dev = d ? gpu : cpu;
        arena A = {.dev = dev};
        xi[d] = malloc(bn * 4);
        s[d] = malloc(bn);
        for (int64_t b = 0; b < batch; ++b) sw[d][b] = -1;
        running[d] = 3;
        pml_hopfield_modern_args a = {
            .y = put(&A, y, bn * 4),
            .xi = put(&A, xi0, bn * 4),
            .s = put(&A, s0, bn),
            .status = put(&A, st0, (size_t)batch * 4),
            .sweeps = put(&A, sw[d], (size_t)batch * 8),
            .running = put(&A, &running[d], 8),
            .n = n,
            .batch = batch,
            .sweep = 7,
            .tol = 1e-4,
        };
        PML_ASSERT_OK(dev->ops->hopfield->modern(dev, &a));
        get(&A, xi[d], a.xi, bn * 4);
        get(&A, s[d], a.s, bn);
        get(&A, st[d], a.status, (size_t)batch * 4);
        get(&A, sw[d], a.sweeps, (size_t)batch * 8);
        get(&A, &running[d], a.running, 8);
        arena_free(&A);
    }
    cr_expect(pml_test_equal_bytes("xi", xi[1], xi[0], bn, 4));
    cr_expect(pml_test_equal_bytes("s", s[1], s[0], bn, 1));
    cr_expect(pml_test_equal_bytes("status", st[1], st[0], (size_t)batch, 4));
    cr_expect(pml_test_equal_bytes("sweeps", sw[1], sw[0], (size_t)batch, 8));
    cr_expect_eq(running[1], running[0]);
    int converged = 0;
    for (int64_t b = 0; b < batch; ++b) converged += st0[b] == 0 && st[0][b] == 1;
    cr_expect(converged > 0 && running[0] > 3, "the instance exercises both outcomes");
    for (int d = 0; d < 2; ++d) {
        free(xi[d]);
        free(s[d]);
    }
    free(y);
    free(xi0);
    free(s0);
    pml_device_close(gpu);
    pml_device_close(cpu);
}

/* The sync kernel's kept overlaps (m, xit): after an update, m is Xi s' again for every probe,
 * set by set, in both dtypes; on a GPU, both backends leave the same m. */
static void overlaps_case(pml_device *dev, pml_dtype dt, int64_t n, int64_t p, int64_t sets,
                          int64_t per, const int8_t *xi, const int8_t *xit, const int8_t *s0,
                          const float *hf, double *m_out, int8_t *s_out)
{
    arena A = {.dev = dev};
    const int64_t batch = sets * per;
    const size_t es = dt == PML_F32 ? 4 : 8, bn = (size_t)(batch * n), bp = (size_t)(batch * p);
    void *h = malloc(bn * es), *m = malloc(bp * es);
    for (size_t e = 0; e < bn; ++e) {
        if (dt == PML_F32) ((float *)h)[e] = hf[e];
        else ((double *)h)[e] = hf[e];
    }
    for (int64_t b = 0; b < batch; ++b) /* m = Xi s0 of the probe's set */
        for (int64_t mu = 0; mu < p; ++mu) {
            int d = 0;
            for (int64_t i = 0; i < n; ++i) d += xi[((b / per) * p + mu) * n + i] * s0[b * n + i];
            if (dt == PML_F32) ((float *)m)[b * p + mu] = (float)d;
            else ((double *)m)[b * p + mu] = d;
        }
    int32_t *status = calloc((size_t)batch, 4);
    int64_t *sweeps = calloc((size_t)batch, 8), running = 0;
    pml_hopfield_sync_args a = {
        .h = put(&A, h, bn * es), .dtype = dt, .self = (double)p, .s = put(&A, s0, bn),
        .prev = put(&A, s0, bn), .status = put(&A, status, (size_t)batch * 4),
        .sweeps = put(&A, sweeps, (size_t)batch * 8), .running = put(&A, &running, 8), .n = n,
        .batch = batch, .m = put(&A, m, bp * es), .xit = put(&A, xit, (size_t)(sets * n * p)),
        .p = p, .per_set = per};
    PML_ASSERT_OK(dev->ops->hopfield->sync(dev, &a));
    get(&A, m, a.m, bp * es);
    get(&A, s_out, a.s, bn);
    for (size_t k = 0; k < bp; ++k) m_out[k] = dt == PML_F32 ? ((float *)m)[k] : ((double *)m)[k];
    arena_free(&A);
    free(h);
    free(m);
    free(status);
    free(sweeps);
}

/* An instance for the kept overlaps: patterns, their sign masks, states and fields (-4..4
 * after the -p s term, ties included), sets x per probes of n neurons, p patterns a set. */
enum { OV_N = 45, OV_P = 7, OV_SETS = 3, OV_PER = 5, OV_BATCH = OV_SETS * OV_PER };
typedef struct ov_instance {
    int8_t xi[OV_SETS * OV_P * OV_N], xit[OV_SETS * OV_P * OV_N];
    int8_t s0[OV_BATCH * OV_N], s1[OV_BATCH * OV_N];
    float hf[OV_BATCH * OV_N];
    double m[OV_BATCH * OV_P], m2[OV_BATCH * OV_P];
} ov_instance;

static ov_instance *ov_make(uint64_t seed)
{
    ov_instance *o = calloc(1, sizeof *o);
    const int64_t n = OV_N, p = OV_P;
    lcg_state = seed;
    for (int64_t k = 0; k < OV_SETS * p * n; ++k) o->xi[k] = lcg_pm1();
    for (int64_t k = 0; k < OV_SETS; ++k)
        for (int64_t mu = 0; mu < p; ++mu)
            for (int64_t i = 0; i < n; ++i)
                o->xit[(k * n + i) * p + mu] = (int8_t)(o->xi[(k * p + mu) * n + i] > 0 ? 0 : -1);
    for (int64_t e = 0; e < OV_BATCH * n; ++e) {
        o->s0[e] = lcg_pm1();
        o->hf[e] = (float)((int)(lcg() % 9) - 4 + p * o->s0[e]);
    }
    return o;
}

Test(parity_hopfield, sync_keeps_overlaps)
{
    const int64_t n = OV_N, p = OV_P, sets = OV_SETS, per = OV_PER, batch = OV_BATCH;
    ov_instance *o = ov_make(77);
    const int8_t *xi = o->xi, *s1 = o->s1;
    double *m = o->m;
    pml_device *cpu = pml_test_open_cpu();
    for (int dt = 0; dt < 2; ++dt) {
        overlaps_case(cpu, dt ? PML_F64 : PML_F32, n, p, sets, per, o->xi, o->xit, o->s0, o->hf,
                      o->m, o->s1);
        int64_t flips = 0;
        for (int64_t e = 0; e < batch * n; ++e) flips += o->s1[e] != o->s0[e];
        cr_expect(flips > 50, "the instance flips neurons (%lld)", (long long)flips);
        for (int64_t b = 0; b < batch; ++b)
            for (int64_t mu = 0; mu < p; ++mu) {
                int d = 0;
                for (int64_t i = 0; i < n; ++i) d += xi[((b / per) * p + mu) * n + i] * s1[b * n + i];
                cr_expect_eq(m[b * p + mu], (double)d, "dtype %d probe %lld mu %lld", dt,
                             (long long)b, (long long)mu);
            }
    }
    pml_device_close(cpu);
    free(o);
}

Test(parity_hopfield, sync_keeps_overlaps_gpu)
{
    pml_device *gpu = pml_test_open_cuda_or_skip(), *cpu = pml_test_open_cpu();
    const int64_t n = OV_N, p = OV_P, sets = OV_SETS, per = OV_PER, batch = OV_BATCH;
    ov_instance *o = ov_make(78);
    for (int dt = 0; dt < 2; ++dt) {
        overlaps_case(cpu, dt ? PML_F64 : PML_F32, n, p, sets, per, o->xi, o->xit, o->s0, o->hf,
                      o->m, o->s1);
        overlaps_case(gpu, dt ? PML_F64 : PML_F32, n, p, sets, per, o->xi, o->xit, o->s0, o->hf,
                      o->m2, o->s1);
        cr_expect(pml_test_equal_bytes("m", o->m2, o->m, (size_t)(batch * p), 8), "dtype %d", dt);
    }
    pml_device_close(gpu);
    pml_device_close(cpu);
    free(o);
}
