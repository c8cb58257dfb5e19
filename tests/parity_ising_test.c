/* CPU against CUDA: the same Ising runs must give bit-identical lattices (same Philox draws,
 * same integer thresholds), for both rules, with a field, odd batch sizes, several L
 * (including sides whose Lx/2 is not a multiple of 32, so both CUDA kernels run: the fast
 * one for whole words, Lx/2 % 32 == 0, and the general one), Lx != Ly, and across
 * save/restore between the backends, uniform and mixed batches (several lattice sizes in one
 * object, run one segment of one size at a time). Measurements agree to double rounding (the
 * integer sums are exact; the GPU may fuse the multiply-adds of the accumulator).
 * Without a GPU the CUDA cases skip. What runs everywhere: the CUDA kernels' per-thread
 * bodies executed on the host against the site-by-site reference (src/cpu/ising_sweep.c),
 * bit for bit, and the CPU against itself under the conditions the GPU tests use, so the
 * binary is never empty. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ising/ising_model.h"
#include "ops/ising_word.h"
#include "pml_test.h"
#include "pml_test_ising.h"
#include "physml/ising.h"

typedef struct run_spec {
    int64_t lx, ly, R;
    pml_ising_rule rule;
    int field;
    int64_t therm, sweeps;
} run_spec;

static void params(const run_spec *sp, double *T, double *B)
{
    for (int64_t r = 0; r < sp->R; ++r) {
        T[r] = 1.4 + 2.0 * (double)r / (double)(sp->R > 1 ? sp->R - 1 : 1);
        B[r] = sp->field ? 0.3 * sin(1.7 * (double)r) : 0.0;
    }
}

/* A uniform batch of spec's lattices on dev: its config (the given seed), params()' T and
 * B, and the object, hot-started. */
typedef struct lattice {
    pml_ising_config c;
    double *T, *B;
    pml_ising *g;
} lattice;

static lattice lattice_hot(pml_device *dev, const run_spec *sp, uint64_t seed)
{
    lattice l = {{sp->lx, sp->ly, sp->R, 1.0, sp->rule, seed},
                 malloc((size_t)sp->R * sizeof(double)), malloc((size_t)sp->R * sizeof(double)),
                 NULL};
    params(sp, l.T, l.B);
    PML_ASSERT_OK(pml_ising_create(dev, &l.c, l.T, l.B, &l.g));
    PML_ASSERT_OK(pml_ising_init(l.g, PML_ISING_HOT));
    return l;
}

static void lattice_free(lattice *l)
{
    pml_ising_destroy(l->g);
    free(l->T);
    free(l->B);
}

/* Run spec on dev; spins (R*Ly*Lx) and stats (R) out. */
static void run_on(pml_device *dev, const run_spec *sp, int8_t *spins, pml_ising_stats *st)
{
    lattice l = lattice_hot(dev, sp, 0xC0FFEEULL);
    PML_ASSERT_OK(pml_ising_sweep(l.g, sp->therm));
    PML_ASSERT_OK(pml_ising_sample(l.g, sp->sweeps));
    PML_ASSERT_OK(pml_ising_get_spins(l.g, spins, (size_t)(sp->R * sp->lx * sp->ly)));
    PML_ASSERT_OK(pml_ising_stats_get(l.g, st, sp->R));
    lattice_free(&l);
}

/* spec run on a and on b: the same spins, and the same averages to PML_TOL_SUM (with the
 * energy's error bar too when error_bars). */
static void compare(const run_spec *sp, pml_device *a, pml_device *b, int error_bars)
{
    const size_t n = (size_t)(sp->R * sp->lx * sp->ly);
    int8_t *sa = malloc(n), *sb = malloc(n);
    pml_ising_stats *xa = malloc((size_t)sp->R * sizeof *xa), *xb = malloc((size_t)sp->R * sizeof *xb);
    run_on(a, sp, sa, xa);
    run_on(b, sp, sb, xb);
    cr_assert(pml_test_equal_bytes("spins", sb, sa, n, 1), "%lldx%lld R=%lld rule %d field %d",
              (long long)sp->lx, (long long)sp->ly, (long long)sp->R, (int)sp->rule, sp->field);
    for (int64_t r = 0; r < sp->R; ++r) {
        cr_assert_eq(xa[r].samples, xb[r].samples);
        const double ga[6] = {xa[r].e, xa[r].m, xa[r].m_abs, xa[r].m2, xa[r].m4, xa[r].e_err};
        const double gb[6] = {xb[r].e, xb[r].m, xb[r].m_abs, xb[r].m2, xb[r].m4, xb[r].e_err};
        cr_assert(pml_test_close_f64("stats", gb, ga, error_bars ? 6 : 5, PML_TOL_SUM),
                  "replica %lld", (long long)r);
    }
    free(sa);
    free(sb);
    free(xa);
    free(xb);
}

static const run_spec specs[] = {
    {64, 64, 3, PML_ISING_METROPOLIS, 0, 50, 150},  /* W = 32: the CUDA fast path, one word */
    {64, 64, 3, PML_ISING_HEATBATH, 1, 50, 150},
    {34, 18, 5, PML_ISING_METROPOLIS, 1, 100, 100}, /* W = 17: one partial word a row */
    {130, 66, 1, PML_ISING_HEATBATH, 0, 80, 80},     /* W = 65: 3 words, the last with 1 lane */
    {2, 2, 7, PML_ISING_METROPOLIS, 1, 300, 300},    /* W = 1 */
    {258, 256, 2, PML_ISING_METROPOLIS, 1, 20, 30},  /* W = 129 */
    {16, 16, 129, PML_ISING_HEATBATH, 1, 100, 200},  /* a batch of many small lattices */
    {192, 6, 3, PML_ISING_HEATBATH, 1, 100, 100},    /* W = 96: fast path, 3 words, short */
    {128, 8, 2, PML_ISING_METROPOLIS, 0, 100, 100},  /* W = 64: fast path, both wraps */
    {1088, 10, 1, PML_ISING_METROPOLIS, 1, 20, 20},  /* W = 544: 17 words (16 + 1 on the CPU) */
};

/* The CUDA launcher's choice between the fused kernel (whole small replicas, every sweep of
 * a call in one launch) and the two-launches-per-sweep kernels: PML_ISING_FUSED_WORDS (see
 * src/cuda/ising_sweep.cu); NULL restores the default. */
static const char *const fused_settings[] = {NULL, "0", "1048576"};
static void set_fused_words(const char *v)
{
    if (v) setenv("PML_ISING_FUSED_WORDS", v, 1);
    else unsetenv("PML_ISING_FUSED_WORDS");
}

/* Every spec with the default choice (most fused, 258x256 not), everything per half-sweep,
 * and everything fused (258x256 with 5 words a thread). */
Test(parity_ising, cpu_vs_cuda_bit_identical)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    for (size_t f = 0; f < sizeof fused_settings / sizeof fused_settings[0]; ++f) {
        set_fused_words(fused_settings[f]);
        cr_log_info("PML_ISING_FUSED_WORDS=%s", fused_settings[f] ? fused_settings[f] : "(default)");
        for (size_t i = 0; i < sizeof specs / sizeof specs[0]; ++i) compare(&specs[i], cpu, gpu, 1);
    }
    set_fused_words(NULL);
    pml_device_close(cpu);
    pml_device_close(gpu);
}

/* Swendsen-Wang (B = 0): the same lattices and sums on both backends, uniform batches of
 * several sizes (whole and partial row words), one of many small lattices. */
static const run_spec sw_specs[] = {
    {64, 64, 3, PML_ISING_SWENDSEN_WANG, 0, 20, 40},
    {34, 18, 5, PML_ISING_SWENDSEN_WANG, 0, 20, 30},
    {130, 66, 1, PML_ISING_SWENDSEN_WANG, 0, 10, 20},
    {2, 2, 7, PML_ISING_SWENDSEN_WANG, 0, 30, 30},
    {16, 16, 129, PML_ISING_SWENDSEN_WANG, 0, 20, 30},
};

Test(parity_ising, cpu_vs_cuda_swendsen_wang_bit_identical)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    for (size_t i = 0; i < sizeof sw_specs / sizeof sw_specs[0]; ++i) compare(&sw_specs[i], cpu, gpu, 1);
    pml_device_close(cpu);
    pml_device_close(gpu);
}

/* More replicas than gridDim.y allows (65535): the kernels loop over replicas and the
 * measurement runs in slices of 65535 replicas; W = 32 takes the fast (whole-word) path, W = 3
 * the general one. Per half-sweep and fused (more replicas than the fused grid's blocks).
 * About 250 MB of accumulators per device. Spins exactly, the averages to PML_TOL_SUM; not
 * the error bars: over a few sweeps of a frozen replica the energy variance is 0 on the CPU
 * and a rounding residue on the GPU (whose accumulator fuses multiply-adds), and its square
 * root (about 1e-8, seen on an H100) is no indexing error. */
Test(parity_ising, cuda_more_replicas_than_grid_y)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    const run_spec big[] = {
        {64, 2, 65537 + 200, PML_ISING_METROPOLIS, 1, 3, 4},
        {6, 4, 65537 + 200, PML_ISING_HEATBATH, 1, 3, 4},
    };
    for (size_t i = 0; i < 2 * sizeof big / sizeof big[0]; ++i) {
        set_fused_words(i % 2 ? "0" : NULL);
        compare(&big[i / 2], cpu, gpu, 0);
    }
    set_fused_words(NULL);
    pml_device_close(cpu);
    pml_device_close(gpu);
}

/* The CPU case: the same specs twice on the CPU (determinism of every shape used above). */
Test(parity_ising, cpu_vs_cpu_bit_identical)
{
    pml_device *a = pml_test_open_cpu(), *b = pml_test_open_cpu();
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; ++i) compare(&specs[i], a, b, 1);
    pml_device_close(a);
    pml_device_close(b);
}

/* A mixed batch (physml/ising.h): both CUDA kernels (Lx/2 % 4 == 0 or not), P padded (2x2),
 * a size repeated after another (two segments of 8x8), odd counts per size. */
#define MIXP_R 11
static const int64_t mixp_lx[MIXP_R] = {8, 8, 8, 34, 16, 16, 16, 2, 2, 8, 24};
static const int64_t mixp_ly[MIXP_R] = {8, 8, 8, 18, 16, 16, 16, 2, 2, 8, 6};

static pml_ising *create_mixed_on(pml_device *dev, pml_ising_rule rule, uint64_t seed)
{
    double T[MIXP_R], B[MIXP_R];
    for (int r = 0; r < MIXP_R; ++r) {
        T[r] = 1.4 + 0.2 * r;
        B[r] = 0.3 * sin(1.7 * r);
    }
    pml_ising_config c = {0, 0, MIXP_R, 1.0, rule, seed};
    pml_ising *g = NULL;
    PML_ASSERT_OK(pml_ising_create_mixed(dev, &c, mixp_lx, mixp_ly, T, B, &g));
    return g;
}

static void compare_mixed(pml_device *a, pml_device *b, pml_ising_rule rule)
{
    pml_ising *ga = create_mixed_on(a, rule, 0xABCDULL), *gb = create_mixed_on(b, rule, 0xABCDULL);
    pml_ising *gs[2] = {ga, gb};
    for (int i = 0; i < 2; ++i) {
        PML_ASSERT_OK(pml_ising_init(gs[i], PML_ISING_HOT));
        PML_ASSERT_OK(pml_ising_sweep(gs[i], 60));
        PML_ASSERT_OK(pml_ising_sample(gs[i], 140));
    }
    const size_t n = pml_ising_spin_count(ga);
    int8_t *sa = malloc(n), *sb = malloc(n);
    PML_ASSERT_OK(pml_ising_get_spins(ga, sa, n));
    PML_ASSERT_OK(pml_ising_get_spins(gb, sb, n));
    cr_assert(pml_test_equal_bytes("mixed batch spins", sb, sa, n, 1), "rule %d", (int)rule);
    pml_ising_stats xa[MIXP_R], xb[MIXP_R];
    PML_ASSERT_OK(pml_ising_stats_get(ga, xa, MIXP_R));
    PML_ASSERT_OK(pml_ising_stats_get(gb, xb, MIXP_R));
    for (int r = 0; r < MIXP_R; ++r) {
        cr_assert_eq(xa[r].samples, xb[r].samples);
        const double va[6] = {xa[r].e, xa[r].m, xa[r].m_abs, xa[r].m2, xa[r].m4, xa[r].c};
        const double vb[6] = {xb[r].e, xb[r].m, xb[r].m_abs, xb[r].m2, xb[r].m4, xb[r].c};
        cr_assert(pml_test_close_f64("mixed stats", vb, va, 6, PML_TOL_SUM), "replica %d", r);
    }
    free(sa);
    free(sb);
    pml_ising_destroy(ga);
    pml_ising_destroy(gb);
}

Test(parity_ising, cpu_vs_cuda_mixed_batch)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    compare_mixed(cpu, gpu, PML_ISING_METROPOLIS);
    compare_mixed(cpu, gpu, PML_ISING_HEATBATH);
    pml_device_close(cpu);
    pml_device_close(gpu);
}

Test(parity_ising, cpu_vs_cpu_mixed_batch)
{
    pml_device *a = pml_test_open_cpu(), *b = pml_test_open_cpu();
    compare_mixed(a, b, PML_ISING_METROPOLIS);
    compare_mixed(a, b, PML_ISING_HEATBATH);
    pml_device_close(a);
    pml_device_close(b);
}

/* Save on one backend, load on the other, continue: identical to never stopping (a uniform
 * batch, then a mixed one). */
static void save_switch_continue_one(pml_device *first, pml_device *second, int mixed)
{
    const run_spec sp = {34, 20, 3, PML_ISING_HEATBATH, 1, 0, 0};
    double T[3], B[3];
    params(&sp, T, B);
    pml_ising_config c = {sp.lx, sp.ly, sp.R, 1.0, sp.rule, 31337};
    char path[] = "/tmp/pml_parity_ising_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    pml_ising *ref = NULL, *g = NULL, *h = NULL;
    if (mixed) {
        ref = create_mixed_on(first, sp.rule, 31337);
        g = create_mixed_on(first, sp.rule, 31337);
    } else {
        PML_ASSERT_OK(pml_ising_create(first, &c, T, B, &ref));
        PML_ASSERT_OK(pml_ising_create(first, &c, T, B, &g));
    }
    const int64_t R = mixed ? MIXP_R : sp.R;
    PML_ASSERT_OK(pml_ising_init(ref, PML_ISING_HOT));
    PML_ASSERT_OK(pml_ising_sample(ref, 500));
    PML_ASSERT_OK(pml_ising_init(g, PML_ISING_HOT));
    PML_ASSERT_OK(pml_ising_sample(g, 200));
    PML_ASSERT_OK(pml_ising_save(g, path));
    PML_ASSERT_OK(pml_ising_load(second, path, &h));
    PML_ASSERT_OK(pml_ising_sample(h, 300));
    const size_t n = pml_ising_spin_count(ref);
    int8_t *sa = malloc(n), *sb = malloc(n);
    PML_ASSERT_OK(pml_ising_get_spins(ref, sa, n));
    PML_ASSERT_OK(pml_ising_get_spins(h, sb, n));
    cr_assert(pml_test_equal_bytes("spins after save/switch/continue", sb, sa, n, 1),
              "mixed %d", mixed);
    pml_ising_stats xa[MIXP_R], xb[MIXP_R];
    PML_ASSERT_OK(pml_ising_stats_get(ref, xa, R));
    PML_ASSERT_OK(pml_ising_stats_get(h, xb, R));
    for (int r = 0; r < R; ++r) {
        cr_assert_eq(xb[r].samples, 500);
        cr_assert(pml_test_close_f64("e", &xb[r].e, &xa[r].e, 1, PML_TOL_SUM));
    }
    free(sa);
    free(sb);
    pml_ising_destroy(ref);
    pml_ising_destroy(g);
    pml_ising_destroy(h);
    unlink(path);
}

static void save_switch_continue(pml_device *first, pml_device *second)
{
    save_switch_continue_one(first, second, 0);
    save_switch_continue_one(first, second, 1);
}

Test(parity_ising, save_on_cpu_continue_on_cuda)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    pml_device *cpu = pml_test_open_cpu();
    save_switch_continue(cpu, gpu);
    save_switch_continue(gpu, cpu);
    pml_device_close(cpu);
    pml_device_close(gpu);
}

Test(parity_ising, save_on_cpu_continue_on_cpu)
{
    pml_device *a = pml_test_open_cpu(), *b = pml_test_open_cpu();
    save_switch_continue(a, b);
    pml_device_close(a);
    pml_device_close(b);
}

/* ---- the CUDA kernels' per-thread bodies on the host, against the reference -----------------
 * The bodies (src/ops/ising_word.h, compiled for host and device) run here one "thread" at a
 * time, in reverse launch order, as the launcher in src/cuda/ising_sweep.cu calls them, and
 * their bit planes and accumulators are compared bit for bit with the site-by-site reference
 * (src/cpu/ising_sweep.c) run on a copy of the same start. So the GPU's algorithm, indexing,
 * padding, word loads, wrap-arounds and measurement are checked on machines without a GPU,
 * and not only against the fast CPU path, which runs the same word body. */

/* One half-sweep of the two-launches-per-sweep kernels over R replicas of one size (replica
 * 0's planes at `planes`, thresholds wp[0..R), streams stream0 + r), with the kernel the
 * launcher picks: the whole-word one where W % 32 == 0, else the general one. */
static void emulate_half(uint32_t *planes, const pml_ising_wparams *wp, int64_t W, int64_t Ly,
                         int64_t R, uint64_t seed, uint64_t stream0, uint64_t half, int col,
                         long long *sums)
{
    const int64_t WW = (W + 31) / 32;
    for (int64_t r = R - 1; r >= 0; --r)
        for (int64_t y = Ly - 1; y >= 0; --y)
            for (int64_t w = WW - 1; w >= 0; --w) {
                long long *bm = sums ? sums + 2 * r : NULL;
                if (W % 32 == 0)
                    pml_ising_word32(planes, &wp[r], (uint32_t)WW, (uint32_t)Ly, seed,
                                     stream0 + (uint64_t)r, half * (uint64_t)(Ly * WW) * 8u, col,
                                     r, (uint32_t)y, (uint32_t)w, bm);
                else
                    pml_ising_word_any(planes, &wp[r], W, Ly, seed, stream0, half, col, r, y, w,
                                       bm);
            }
}

/* The push kernel after a measured sweep: each replica's sums, made in the colour-1 launch,
 * pushed into acc[r] with field B[r], and cleared. */
static void emulate_push(long long *sums, int64_t R, const double *B, double J, double inv_n,
                         pml_ising_acc *acc)
{
    for (int64_t r = R - 1; r >= 0; --r) {
        pml_ising_acc_push(&acc[r], sums[2 * r], sums[2 * r + 1], J, B[r], inv_n);
        sums[2 * r] = sums[2 * r + 1] = 0;
    }
}

/* The emulated bit planes (nw words) and accumulators (R) equal the reference's. */
static void expect_reference(const pml_test_ising_ref *ref, const uint32_t *planes, size_t nw,
                             const pml_ising_acc *acc, int64_t R, const char *what)
{
    cr_assert(pml_test_equal_bytes("CUDA bodies vs reference: bit planes", planes, ref->spins,
                                   nw, 4), "%s", what);
    cr_assert(pml_test_equal_bytes("CUDA bodies vs reference: accumulators", acc, ref->acc,
                                   (size_t)R * sizeof *acc / 8, 8), "%s", what);
}

/* Site updates per spec through the reference (about 0.05 s here): a spec runs min(its
 * sweeps, this budget) sweeps, the first third unmeasured. */
#define EMU_UPDATES 250000

/* A spec through the bodies once per entry of blocks[]: 0 as the two-launches-per-sweep
 * kernels run them (sweep by sweep, all replicas, measured in the colour-1 launch, then the
 * push kernel), > 0 as the fused
 * kernel with that many threads does (replica by replica, all sweeps, its measurement
 * reduced in the block), each from the same start, against one reference run. */
static void emulate_cuda(const run_spec *sp, const uint32_t *blocks, int nblocks)
{
    pml_device *cpu = pml_test_open_cpu();
    lattice l = lattice_hot(cpu, sp, 0xBEEFULL);
    const pml_ising_config c = l.c;
    const int64_t R = sp->R, W = sp->lx / 2, Ly = sp->ly, WW = (W + 31) / 32;
    const size_t n = (size_t)(R * sp->lx * sp->ly), nw = (size_t)(R * 2 * Ly * WW);
    cr_assert_eq(pml_ising_replica_bytes(sp->lx, sp->ly), (size_t)(2 * Ly * WW) * 4);
    int8_t *rows = malloc(n);
    uint32_t *start = malloc(nw * sizeof *start), *planes = malloc(nw * sizeof *planes);
    PML_ASSERT_OK(pml_ising_get_spins(l.g, rows, n));
    pml_ising_to_planes(&c, rows, start);
    pml_ising_wparams *wp = malloc((size_t)R * sizeof *wp);
    for (int64_t r = 0; r < R; ++r) {
        pml_ising_rparams pr;
        pml_ising_make_params(c.rule, c.J, l.T[r], l.B[r], &pr);
        wp[r] = pr.w; /* grouped by pml_ising_make_params, as for the kernels */
    }
    int64_t sweeps = EMU_UPDATES / (int64_t)n;
    if (sweeps > sp->therm + sp->sweeps) sweeps = sp->therm + sp->sweeps;
    if (sweeps < 6) sweeps = 6;
    const int64_t therm = sweeps / 3;
    pml_test_ising_ref ref;
    pml_test_ising_ref_copy(l.g, &ref);
    pml_test_ising_ref_run(&ref, therm, 0);
    pml_test_ising_ref_run(&ref, sweeps - therm, 1);
    const double inv_n = 1.0 / (double)(sp->lx * sp->ly);
    for (int i = 0; i < nblocks; ++i) {
        const uint32_t block = blocks[i];
        pml_ising_acc *acc = calloc((size_t)R, sizeof *acc);
        memcpy(planes, start, nw * sizeof *planes);
        for (int64_t r = R - 1; block > 0 && r >= 0; --r)
            for (int64_t t = 0; t < sweeps; ++t) {
                long long bm[2] = {0, 0}; /* the threads' sums, as the block reduces them */
                for (int col = 0; col < 2; ++col)
                    for (uint32_t tid = block; tid-- > 0;)
                        pml_ising_replica_half(planes, &wp[r], W, Ly, c.seed, PML_ISING_STREAM,
                                               2 * (uint64_t)t + (uint64_t)col, col, r, tid,
                                               block, W % 32 == 0, /* as the launcher picks */
                                               t >= therm && col == 1 ? bm : NULL);
                if (t >= therm) pml_ising_acc_push(&acc[r], bm[0], bm[1], c.J, l.B[r], inv_n);
            }
        long long *sums = calloc((size_t)(2 * R), sizeof *sums);
        for (int64_t t = 0; block == 0 && t < sweeps; ++t) {
            for (int col = 0; col < 2; ++col)
                emulate_half(planes, wp, W, Ly, R, c.seed, PML_ISING_STREAM,
                             2 * (uint64_t)t + (uint64_t)col, col,
                             t >= therm && col == 1 ? sums : NULL);
            if (t >= therm) emulate_push(sums, R, l.B, c.J, inv_n, acc);
        }
        free(sums);
        char what[96];
        snprintf(what, sizeof what, "%lldx%lld R=%lld block %u, %lld sweeps", (long long)sp->lx,
                 (long long)sp->ly, (long long)R, block, (long long)sweeps);
        expect_reference(&ref, planes, nw, acc, R, what);
        /* the bits past W stayed 0 */
        for (size_t k = 0; W % 32 != 0 && k < nw; k += (size_t)WW)
            cr_assert_eq(planes[k + (size_t)WW - 1] & ~pml_ising_valid(W, WW - 1), 0u, "%s", what);
        free(acc);
    }
    pml_test_ising_ref_free(&ref);
    free(rows);
    free(start);
    free(planes);
    free(wp);
    lattice_free(&l);
    pml_device_close(cpu);
}

Test(parity_ising, cuda_kernel_bodies_on_host)
{
    const uint32_t per_half_sweep = 0;
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; ++i)
        emulate_cuda(&specs[i], &per_half_sweep, 1);
}

/* The fused kernel's bodies with the block size the launcher picks (the power of two >= the
 * replica's words, 32..256) and with 32 threads (fewer than words: several words a thread). */
Test(parity_ising, cuda_fused_kernel_bodies_on_host)
{
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; ++i) {
        const int64_t words = specs[i].ly * ((specs[i].lx / 2 + 31) / 32);
        uint32_t blocks[2] = {32, 32};
        while (blocks[0] < words && blocks[0] < 256) blocks[0] *= 2;
        emulate_cuda(&specs[i], blocks, 2);
    }
}

/* The mixed batch through the bodies as the launcher calls them: one call per segment (a
 * maximal run of one size) with the spins at the segment's offset and stream0 =
 * PML_ISING_STREAM + its first replica, against the reference, which runs each replica on its
 * own (so dropping a segment's r0 fails it). */
static void emulate_cuda_mixed(pml_ising_rule rule)
{
    pml_device *cpu = pml_test_open_cpu();
    pml_ising *g = create_mixed_on(cpu, rule, 0x5EEDULL);
    PML_ASSERT_OK(pml_ising_init(g, PML_ISING_HOT));
    const size_t n = pml_ising_spin_count(g);
    int8_t *rows = malloc(n);
    PML_ASSERT_OK(pml_ising_get_spins(g, rows, n));
    double T[MIXP_R], B[MIXP_R];
    pml_ising_wparams wp[MIXP_R];
    pml_ising_stats st[MIXP_R];
    PML_ASSERT_OK(pml_ising_stats_get(g, st, MIXP_R));
    for (int r = 0; r < MIXP_R; ++r) {
        pml_ising_rparams pr;
        T[r] = st[r].T;
        B[r] = st[r].B;
        pml_ising_make_params(rule, 1.0, T[r], B[r], &pr);
        wp[r] = pr.w; /* grouped by pml_ising_make_params, as for the kernels */
    }
    /* segments, found here independently of the library: their first spin in the rows and
     * their first word in the bit planes (2 Ly ceil(Lx/64) words per replica) */
    int64_t seg_r0[MIXP_R], seg_n[MIXP_R], nseg = 0;
    size_t seg_off[MIXP_R], seg_word[MIXP_R], off = 0, words = 0;
    for (int64_t r = 0; r < MIXP_R; ++r) {
        if (r == 0 || mixp_lx[r] != mixp_lx[r - 1] || mixp_ly[r] != mixp_ly[r - 1]) {
            seg_r0[nseg] = r;
            seg_n[nseg] = 0;
            seg_word[nseg] = words;
            seg_off[nseg++] = off;
        }
        seg_n[nseg - 1] += 1;
        off += (size_t)(mixp_lx[r] * mixp_ly[r]);
        words += (size_t)(2 * mixp_ly[r] * ((mixp_lx[r] / 2 + 31) / 32));
    }
    cr_assert_eq(nseg, 6);
    uint32_t *planes = malloc(words * sizeof *planes);
    for (int64_t i = 0; i < nseg; ++i) {
        pml_ising_config c = {mixp_lx[seg_r0[i]], mixp_ly[seg_r0[i]], seg_n[i], 1.0, rule, 0};
        pml_ising_to_planes(&c, rows + seg_off[i], planes + seg_word[i]);
    }
    const int64_t therm = 30, sweeps = 90;
    pml_test_ising_ref ref;
    pml_test_ising_ref_copy(g, &ref);
    pml_test_ising_ref_run(&ref, therm, 0);
    pml_test_ising_ref_run(&ref, sweeps - therm, 1);
    pml_ising_acc acc[MIXP_R];
    memset(acc, 0, sizeof acc);
    long long sums[2 * MIXP_R] = {0};
    for (int64_t t = 0; t < sweeps; ++t) {
        for (int col = 0; col < 2; ++col)
            for (int64_t i = nseg - 1; i >= 0; --i)
                emulate_half(planes + seg_word[i], wp + seg_r0[i], mixp_lx[seg_r0[i]] / 2,
                             mixp_ly[seg_r0[i]], seg_n[i], 0x5EEDULL,
                             PML_ISING_STREAM + (uint64_t)seg_r0[i], 2 * (uint64_t)t + (uint64_t)col,
                             col, t >= therm && col == 1 ? sums + 2 * seg_r0[i] : NULL);
        for (int64_t i = nseg - 1; t >= therm && i >= 0; --i) {
            const int64_t lx = mixp_lx[seg_r0[i]], ly = mixp_ly[seg_r0[i]];
            emulate_push(sums + 2 * seg_r0[i], seg_n[i], B + seg_r0[i], 1.0,
                         1.0 / (double)(lx * ly), acc + seg_r0[i]);
        }
    }
    cr_assert_eq(words * sizeof *planes, g->nbytes); /* the device image, replica after replica */
    expect_reference(&ref, planes, words, acc, MIXP_R,
                     rule == PML_ISING_METROPOLIS ? "mixed, Metropolis" : "mixed, heat-bath");
    pml_test_ising_ref_free(&ref);
    free(rows);
    free(planes);
    pml_ising_destroy(g);
    pml_device_close(cpu);
}

Test(parity_ising, cuda_kernel_bodies_on_host_mixed_batch)
{
    emulate_cuda_mixed(PML_ISING_METROPOLIS);
    emulate_cuda_mixed(PML_ISING_HEATBATH);
}

/* A call on a slice of a batch (replicas 2..4 of 5: spins offset by pml_ising_replica_bytes,
 * args.r0 = 2, so their draws come from streams PML_ISING_STREAM + 2..4) gives those
 * replicas exactly what the whole batch gives them, and leaves the others alone. The kernels
 * are called through the backend table as pml_ising does. */
static void slice_case(pml_device *dev)
{
    const run_spec sp = {70, 12, 5, PML_ISING_HEATBATH, 1, 0, 0}; /* W = 35: a partial word */
    lattice lw = lattice_hot(dev, &sp, 77), lp = lattice_hot(dev, &sp, 77);
    const pml_ising_config c = lw.c;
    pml_ising *whole = lw.g, *part = lp.g;
    const size_t n = (size_t)(sp.R * sp.lx * sp.ly), per = (size_t)(sp.lx * sp.ly);
    int8_t *start = malloc(n), *sa = malloc(n), *sb = malloc(n);
    PML_ASSERT_OK(pml_ising_get_spins(part, start, n));
    PML_ASSERT_OK(pml_ising_sample(whole, 30));
    const pml_ising_sweeps_args a = {
        .spins = (char *)pml_tensor_data(part->spins) + 2 * pml_ising_replica_bytes(sp.lx, sp.ly),
        .params = (const pml_ising_rparams *)pml_tensor_data(part->params) + 2,
        .acc = (pml_ising_acc *)pml_tensor_data(part->acc) + 2,
        .lx = sp.lx,
        .ly = sp.ly,
        .replicas = 3,
        .r0 = 2,
        .J = c.J,
        .seed = c.seed,
        .t0 = 0,
        .n = 30,
        .measure = 1,
    };
    PML_ASSERT_OK(dev->ops->ising->sweeps(dev, &a));
    PML_ASSERT_OK(pml_ising_get_spins(whole, sa, n));
    PML_ASSERT_OK(pml_ising_get_spins(part, sb, n));
    cr_assert(pml_test_equal_bytes("replicas 0-1 untouched", sb, start, 2 * per, 1));
    cr_assert(pml_test_equal_bytes("replicas 2-4 as in the whole batch", sb + 2 * per,
                                   sa + 2 * per, 3 * per, 1));
    pml_ising_stats xa[5], xb[5];
    PML_ASSERT_OK(pml_ising_stats_get(whole, xa, 5));
    PML_ASSERT_OK(pml_ising_stats_get(part, xb, 5));
    cr_assert(pml_test_equal_bytes("stats of replicas 2-4", &xb[2], &xa[2], 3 * sizeof xa[0] / 8, 8));
    cr_assert_eq(xb[0].samples, 0);
    free(start);
    free(sa);
    free(sb);
    lattice_free(&lw);
    lattice_free(&lp);
}

Test(parity_ising, slice_of_a_batch_with_r0)
{
    pml_device *cpu = pml_test_open_cpu();
    slice_case(cpu);
    pml_device_close(cpu);
}

Test(parity_ising, cuda_slice_of_a_batch_with_r0)
{
    pml_device *gpu = pml_test_open_cuda_or_skip();
    slice_case(gpu);
    pml_device_close(gpu);
}
