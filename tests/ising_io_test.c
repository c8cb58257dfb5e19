/* The Ising state file (src/ising/ising_io.c): every field a crafted file can get wrong is
 * refused with PML_ERR_BAD_FORMAT naming the file and the field; random damage never gets
 * past the loader into a run; a save that fails half-way keeps the old file; a FIFO is
 * refused without blocking; a version-2 file loads without jackknife bins and says so. */
#define _DEFAULT_SOURCE
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ising/ising_model.h"
#include "pml_test.h"

TestSuite(ising_io, .init = pml_test_tmpdir_create, .fini = pml_test_tmpdir_remove);

/* Two 6x4 replicas (metropolis, T = 2.2 and 2.6, B = 0 and 0.1), 20 sweeps then 100 measured
 * ones, saved to `path`; the file's bytes in *buf (malloc'd), its length returned. */
enum { R = 2, LX = 6, LY = 4, N = LX * LY };
static size_t good_file(pml_device *dev, const char *path, unsigned char **buf)
{
    pml_ising_config c = {LX, LY, R, 1.0, PML_ISING_METROPOLIS, 31};
    double T[R] = {2.2, 2.6}, B[R] = {0.0, 0.1};
    pml_ising *g = NULL;
    PML_ASSERT_OK(pml_ising_create(dev, &c, T, B, &g));
    PML_ASSERT_OK(pml_ising_init(g, PML_ISING_HOT));
    PML_ASSERT_OK(pml_ising_sweep(g, 20));
    PML_ASSERT_OK(pml_ising_sample(g, 100));
    PML_ASSERT_OK(pml_ising_save(g, path));
    pml_ising_destroy(g);
    const size_t cap = 1 << 16;
    *buf = malloc(cap);
    const size_t n = pml_test_read_file(path, *buf, cap);
    cr_assert(n < cap);
    return n;
}

/* The suite's paths `good` (the good file written there, its bytes in *buf) and `other`. */
static size_t good_and_other(pml_device *dev, char good[512], char other[512],
                             const char *other_name, unsigned char **buf)
{
    snprintf(good, 512, "%s", pml_test_tmppath("good.state"));
    snprintf(other, 512, "%s", pml_test_tmppath(other_name));
    return good_file(dev, good, buf);
}

/* Byte offsets of the version-4 layout (ising_io.c) for this file. */
#define OFF_HDR 8
#define OFF_LX 72
#define OFF_T (OFF_LX + 16 * R)
#define OFF_B (OFF_T + 8 * R)
#define OFF_SPINS (OFF_B + 8 * R)
#define OFF_ACC(r) (OFF_SPINS + R * N + (r) * sizeof(pml_ising_acc))
#define ACC(r, field) (OFF_ACC(r) + offsetof(pml_ising_acc, field))

typedef struct patch {
    size_t at;
    int width; /* 4 or 8 bytes; 8 with is_f64 for a double */
    int is_f64;
    double v;
    const char *part; /* the error message must contain it (and the path) */
} patch;

static void put_at(unsigned char *b, const patch *p)
{
    if (p->is_f64) {
        memcpy(b + p->at, &p->v, 8);
    } else if (p->width == 4) {
        const uint32_t u = (uint32_t)p->v;
        memcpy(b + p->at, &u, 4);
    } else {
        const int64_t i = p->v >= 9.2e18 ? INT64_MAX : (int64_t)p->v;
        memcpy(b + p->at, &i, 8);
    }
}

Test(ising_io, every_field_is_checked)
{
    pml_device *dev = pml_test_open_cpu();
    char good[512], bad[512];
    unsigned char *buf = NULL;
    const size_t n = good_and_other(dev, good, bad, "bad.state", &buf);
    cr_assert_eq(n, (size_t)OFF_ACC(R));
    const double nan = NAN, inf = INFINITY;
    const patch cases[] = {
        {OFF_HDR, 4, 0, 5, "version 5"},
        {OFF_HDR, 4, 0, 3, "version 3 with accumulators of"},
        {OFF_HDR, 4, 0, 0, "version 0"},
        {OFF_HDR + 4, 4, 0, 7, "unknown rule"},
        {OFF_HDR + 8, 8, 0, 8, "the header's size 8 x 4"},
        {OFF_HDR + 24, 8, 0, 0, "replicas = 0"},
        {OFF_HDR + 24, 8, 0, 1 << 25, "replicas = 33554432"},
        {OFF_HDR + 32, 8, 1, nan, "J is not finite"},
        {OFF_HDR + 48, 8, 0, -1, "sweep counter 18446744073709551615"},
        {OFF_HDR + 48, 8, 0, 50, "count = 100, needs 0 .. 50 (the sweeps done)"},
        {OFF_HDR + 56, 8, 0, PML_ISING_ACC_V2_SIZE, "accumulators of 3896 bytes"},
        {OFF_LX + 8, 8, 0, 3, "replica 1 is 3 x 4"},
        {OFF_LX + 8, 8, 0, 1 << 21, "sides are limited"},
        {OFF_LX + 8 * R, 8, 0, -4, "replica 0 is 6 x -4"},
        {OFF_T, 8, 1, 0.0, "T[0] = 0"},
        {OFF_T + 8, 8, 1, -2.0, "T[1] = -2"},
        {OFF_T + 8, 8, 1, inf, "T[1] = inf"},
        {OFF_T, 8, 1, nan, "T[0] = nan"},
        {OFF_B + 8, 8, 1, inf, "B[1] is not finite"},
        {OFF_B, 8, 1, -inf, "B[0] is not finite"},
        {OFF_B, 8, 1, nan, "B[0] is not finite"},
        {OFF_SPINS + 5, 4, 0, 0, "spin 5 is 0"}, /* 4 bytes: spins 5..8 become 0 0 0 0 */
        {ACC(1, count), 8, 0, -1, "replica 1: accumulator count = -1"},
        {ACC(0, count), 8, 0, 9.3e18, "count = 9223372036854775807"},
        {ACC(0, sum_e), 8, 1, nan, "sum_e = nan"},
        {ACC(1, sum_e2), 8, 1, -1.0, "sum_e2 = -1"},
        {ACC(0, sum_m2), 8, 1, 1e300, "sum_m2 = 1e+300"},
        {ACC(0, sum_abs_m), 8, 1, inf, "sum_abs_m = inf"},
        {ACC(0, bn[0][0]), 8, 0, 99, "binning of e, level 0: 99 bins, where 100 samples make 100"},
        {ACC(1, bn[2][3]), 8, 0, 13, "binning of |m|, level 3"},
        {ACC(0, bsq[1][2]), 8, 1, nan, "binning of m, level 2"},
        {ACC(0, flags), 8, 0, 8, "flags = 8"},
        {ACC(0, bonds0), 8, 0, 1000, "first sample: bond sum 1000"},
        {ACC(1, amag0), 8, 0, -2, "|spin sum| -2"},
        {ACC(0, jk_nb), 8, 0, 65, "jackknife bins: 65 bins"},
        {ACC(0, jk_shift), 8, 0, 63, "jackknife bins"},
        {ACC(1, jk_fill), 8, 0, 3, "jackknife bins"},
        {ACC(1, jk[3][1]), 8, 1, inf, "jackknife bin 3, moment 1 is inf"},
        {ACC(0, imp_count), 8, 0, 101, "cluster estimator: 101 samples with 100"},
        {ACC(1, imp_sum), 8, 1, -5.0, "cluster estimator: sum -5"},
        {ACC(0, imp_bn[0]), 8, 0, 3, "cluster estimator, level 0: 3 bins"},
        {ACC(1, imp_bsq[2]), 8, 1, nan, "cluster estimator, level 2"},
    };
    unsigned char *b = malloc(n + 1);
    pml_ising *g = (pml_ising *)0x1;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; ++i) {
        memcpy(b, buf, n);
        put_at(b, &cases[i]);
        pml_test_write_file(bad, b, n);
        const pml_status s = pml_ising_load(dev, bad, &g);
        cr_expect(s == PML_ERR_BAD_FORMAT && g == NULL && strstr(pml_last_error(), bad) &&
                      strstr(pml_last_error(), cases[i].part),
                  "case %zu (%s): %s: %s", i, cases[i].part, pml_status_string(s),
                  pml_last_error());
    }
    /* cut short, or something after the state */
    memcpy(b, buf, n);
    pml_test_write_file(bad, b, n - 1);
    pml_test_expect_error(bad, pml_ising_load(dev, bad, &g), PML_ERR_BAD_FORMAT, "truncated");
    b[n] = 0;
    pml_test_write_file(bad, b, n + 1);
    pml_test_expect_error(bad, pml_ising_load(dev, bad, &g), PML_ERR_BAD_FORMAT,
                          "1 bytes after the state");
    /* and the file as written loads */
    PML_ASSERT_OK(pml_ising_load(dev, good, &g));
    pml_ising_destroy(g);
    /* a sweep counter near the top loads, and a run may not take it past 2^63 - 1 */
    memcpy(b, buf, n);
    put_at(b, &(patch){OFF_HDR + 48, 8, 0, 9.1e18, ""});
    int64_t top = 0;
    memcpy(&top, b + OFF_HDR + 48, 8);
    pml_test_write_file(bad, b, n);
    PML_ASSERT_OK(pml_ising_load(dev, bad, &g));
    cr_assert_eq(pml_ising_sweeps_done(g), top);
    pml_test_expect_error("pml_ising_sweep", pml_ising_sweep(g, INT64_MAX - top + 1),
                          PML_ERR_INVALID_ARGUMENT, "past 2^63 - 1");
    cr_assert_eq(pml_ising_sweeps_done(g), top);
    pml_ising_destroy(g);
    free(b);
    free(buf);
    pml_device_close(dev);
}

/* Random damage: whatever loads must be a state a run could be in, so continuing it is safe
 * (under asan: no write outside the accumulators however the bins were damaged). */
static pml_status load_and_run(const char *path, void *user)
{
    pml_ising *g = NULL;
    const pml_status s = pml_ising_load((pml_device *)user, path, &g);
    if (s != PML_OK) {
        cr_assert_null(g);
        return s;
    }
    PML_ASSERT_OK(pml_ising_sample(g, 70));
    pml_ising_stats st[R];
    PML_ASSERT_OK(pml_ising_stats_get(g, st, R));
    pml_ising_destroy(g);
    return s;
}

Test(ising_io, damaged_files_fail_cleanly)
{
    pml_device *dev = pml_test_open_cpu();
    unsigned char *buf = NULL;
    const size_t n = good_file(dev, pml_test_tmppath("good.state"), &buf);
    /* the header and sizes, and one accumulator's counters and bins */
    const pml_test_damage d = {.src = {buf, buf},
                               .size = {n, n},
                               .span = {OFF_SPINS + R * N, 0},
                               .nsrc = 2,
                               .seed = 2024,
                               .iterations = 300,
                               .max_edits = 3,
                               .cut_every = 7,
                               .pool = "\x01\x02\x03\x40\x7f\x80\xff"};
    const int oks =
        pml_test_damage_files(&d, pml_test_tmppath("damaged.state"), load_and_run, dev);
    /* 128 of 300 here: damage to the seed, a sum of e, a binning mean is a state too */
    cr_assert(oks > 0 && oks < d.iterations, "%d of %d damaged files loaded", oks,
              d.iterations);
    free(buf);
    pml_device_close(dev);
}

/* A save that fails half-way (a file size limit standing in for a full disk) reports the OS's
 * reason and leaves the old file, which still loads; nothing else is left behind. */
Test(ising_io, failed_save_keeps_the_old_file)
{
    pml_device *dev = pml_test_open_cpu();
    char path[512];
    snprintf(path, sizeof path, "%s", pml_test_tmppath("run.state"));
    unsigned char *before = NULL;
    const size_t n = good_file(dev, path, &before);
    pml_ising *g = NULL;
    PML_ASSERT_OK(pml_ising_load(dev, path, &g));
    PML_ASSERT_OK(pml_ising_sample(g, 10));
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {4096, 4096};
    cr_assert(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    pml_test_expect_error(path, pml_ising_save(g, path), PML_ERR_IO, "too large");
    cr_expect(strstr(pml_last_error(), "pml_ising_save") && strstr(pml_last_error(), path),
              "%s", pml_last_error());
    unsigned char *after = malloc(n + 1);
    cr_assert_eq(pml_test_read_file(path, after, n + 1), n);
    cr_assert(memcmp(after, before, n) == 0, "the old file changed");
    pml_ising *h = NULL;
    PML_ASSERT_OK(pml_ising_load(dev, path, &h));
    cr_assert_eq(pml_ising_sweeps_done(h), 120);
    pml_test_expect_error(pml_test_tmppath(""), pml_ising_save(h, pml_test_tmppath("")),
                          PML_ERR_IO, "directory");
    pml_ising_destroy(g);
    pml_ising_destroy(h);
    free(before);
    free(after);
    pml_device_close(dev);
}

Test(ising_io, readers_want_regular_files)
{
    pml_device *dev = pml_test_open_cpu();
    const char *fifo = pml_test_tmppath("fifo");
    cr_assert(mkfifo(fifo, 0600) == 0);
    pml_ising *g = (pml_ising *)0x1;
    pml_test_expect_error(fifo, pml_ising_load(dev, fifo, &g), PML_ERR_IO, "not a regular file");
    cr_assert_null(g);
    pml_test_expect_error("a directory", pml_ising_load(dev, pml_test_tmppath(""), &g),
                          PML_ERR_IO, "a directory");
    pml_device_close(dev);
}

/* The good file (buf) rewritten into b as a file of an older `version`, whose accumulators
 * are the first acc_size bytes of today's; returns its length. */
static size_t older_file(const unsigned char *buf, unsigned char *b, uint32_t version,
                         uint64_t acc_size)
{
    memcpy(b, buf, OFF_SPINS + R * N);
    memcpy(b + OFF_HDR, &version, 4);
    memcpy(b + OFF_HDR + 56, &acc_size, 8);
    for (int r = 0; r < R; ++r)
        memcpy(b + OFF_SPINS + R * N + r * acc_size, buf + OFF_ACC(r), acc_size);
    return OFF_SPINS + R * N + R * acc_size;
}

/* A version-3 file (written here from a version-4 one: the accumulators' first
 * PML_ISING_ACC_V3_SIZE bytes) loads with the same statistics and an empty cluster
 * estimator; a version-3 file cannot name a cluster rule. */
Test(ising_io, version3_file_loads)
{
    pml_device *dev = pml_test_open_cpu();
    char path[512], v3[512];
    unsigned char *buf = NULL;
    const size_t n = good_and_other(dev, path, v3, "v3.state", &buf);
    unsigned char *b = malloc(n);
    const uint32_t sw = PML_ISING_SWENDSEN_WANG;
    const size_t n3 = older_file(buf, b, 3, PML_ISING_ACC_V3_SIZE);
    pml_test_write_file(v3, b, n3);
    pml_ising *a = NULL, *g = NULL;
    PML_ASSERT_OK(pml_ising_load(dev, path, &a));
    PML_ASSERT_OK(pml_ising_load(dev, v3, &g));
    pml_ising_stats sa[R], sg[R];
    PML_ASSERT_OK(pml_ising_stats_get(a, sa, R));
    PML_ASSERT_OK(pml_ising_stats_get(g, sg, R));
    for (int r = 0; r < R; ++r) {
        cr_assert(sg[r].e == sa[r].e && sg[r].c == sa[r].c && sg[r].c_err == sa[r].c_err &&
                  sg[r].warning == sa[r].warning);
        cr_assert(sg[r].cluster_samples == 0 && isnan(sg[r].chi_cluster));
    }
    pml_ising_destroy(g);
    memcpy(b + OFF_HDR + 4, &sw, 4);
    pml_test_write_file(v3, b, n3);
    cr_assert_eq(pml_ising_load(dev, v3, &g), PML_ERR_BAD_FORMAT);
    cr_assert(strstr(pml_last_error(), "rule 2 in a version-3 file"), "%s", pml_last_error());
    pml_ising_destroy(a);
    free(b);
    free(buf);
    pml_device_close(dev);
}

/* A version-2 file (written here from a version-3 one: the accumulators' first
 * PML_ISING_ACC_V2_SIZE bytes) loads with the same statistics, but C, chi and U have no error
 * bars and that is said, until the measurements are reset. */
Test(ising_io, version2_file_has_no_jackknife)
{
    pml_device *dev = pml_test_open_cpu();
    char path[512], v2[512];
    unsigned char *buf = NULL;
    const size_t n = good_and_other(dev, path, v2, "v2.state", &buf);
    unsigned char *b = malloc(n);
    pml_test_write_file(v2, b, older_file(buf, b, 2, PML_ISING_ACC_V2_SIZE));
    pml_ising *a = NULL, *g = NULL;
    PML_ASSERT_OK(pml_ising_load(dev, path, &a));
    PML_ASSERT_OK(pml_ising_load(dev, v2, &g));
    pml_ising_stats sa[R], sg[R];
    PML_ASSERT_OK(pml_ising_stats_get(a, sa, R));
    PML_ASSERT_OK(pml_ising_stats_get(g, sg, R));
    char text[256];
    for (int r = 0; r < R; ++r) {
        cr_assert(sg[r].e == sa[r].e && sg[r].c == sa[r].c && sg[r].binder == sa[r].binder &&
                  sg[r].e_err == sa[r].e_err && sg[r].tau_m == sa[r].tau_m);
        cr_assert(isfinite(sa[r].c_err) && sa[r].warning == 0, "v3 replica %d", r);
        cr_assert(isnan(sg[r].c_err) && isnan(sg[r].chi_err) && isnan(sg[r].binder_err) &&
                      sg[r].warning == PML_ISING_WARN_NO_JACKKNIFE,
                  "v2 replica %d: warning %u", r, sg[r].warning);
        PML_ASSERT_OK(pml_ising_warning_text(&sg[r], text, sizeof text));
        cr_assert(strstr(text, "state file of version 1 or 2"), "%s", text);
    }
    /* continuing keeps the samples the bins never saw: still no jackknife */
    PML_ASSERT_OK(pml_ising_sample(g, 50));
    PML_ASSERT_OK(pml_ising_stats_get(g, sg, R));
    cr_assert(isnan(sg[0].c_err) && sg[0].samples == 150);
    /* saved again it is a version-4 file that still says so */
    PML_ASSERT_OK(pml_ising_save(g, path));
    pml_ising_destroy(g);
    PML_ASSERT_OK(pml_ising_load(dev, path, &g));
    PML_ASSERT_OK(pml_ising_stats_get(g, sg, R));
    cr_assert(isnan(sg[1].c_err) && sg[1].warning == PML_ISING_WARN_NO_JACKKNIFE);
    PML_ASSERT_OK(pml_ising_reset_stats(g));
    PML_ASSERT_OK(pml_ising_sample(g, 50));
    PML_ASSERT_OK(pml_ising_stats_get(g, sg, R));
    cr_assert(isfinite(sg[0].c_err) && sg[0].warning == 0, "warning %u", sg[0].warning);
    pml_ising_destroy(a);
    pml_ising_destroy(g);
    free(b);
    free(buf);
    pml_device_close(dev);
}
