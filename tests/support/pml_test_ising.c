#include "pml_test_ising.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpu/cpu.h"
#include "pml_test.h"

/* The device arrays of g on the host: spins (nbytes), params and acc (R each). */
static void download(pml_ising *g, void *spins, pml_ising_rparams *params, pml_ising_acc *acc)
{
    const size_t R = (size_t)g->cfg.replicas;
    if (spins) PML_ASSERT_OK(pml_tensor_download(g->spins, spins, g->nbytes));
    if (params) PML_ASSERT_OK(pml_tensor_download(g->params, params, R * sizeof *params));
    PML_ASSERT_OK(pml_tensor_download(g->acc, acc, R * sizeof *acc));
}

void pml_test_ising_ref_copy(pml_ising *g, pml_test_ising_ref *ref)
{
    const size_t R = (size_t)g->cfg.replicas;
    ref->g = g;
    ref->spins = malloc(g->nbytes);
    ref->params = malloc(R * sizeof *ref->params);
    ref->acc = malloc(R * sizeof *ref->acc);
    cr_assert(ref->spins && ref->params && ref->acc);
    download(g, ref->spins, ref->params, ref->acc);
    ref->sweeps = (uint64_t)pml_ising_sweeps_done(g);
}

void pml_test_ising_ref_run(pml_test_ising_ref *ref, int64_t n, int measure)
{
    const pml_ising *g = ref->g;
    size_t byte0 = 0;
    for (int64_t r = 0; r < g->cfg.replicas; ++r) {
        int64_t lx, ly;
        PML_ASSERT_OK(pml_ising_replica_size(g, r, &lx, &ly));
        const pml_ising_sweeps_args a = {.spins = ref->spins + byte0, .params = ref->params + r,
                                         .acc = ref->acc + r, .lx = lx, .ly = ly, .replicas = 1,
                                         .r0 = r, .J = g->cfg.J, .seed = g->cfg.seed,
                                         .t0 = ref->sweeps, .n = n, .measure = measure};
        /* the reference of the object's rule (Wolff has one implementation, the CPU's) */
        const pml_ising_rule rule = g->cfg.rule;
        PML_ASSERT_OK(rule == PML_ISING_SWENDSEN_WANG ? pml_cpu_ising_sw_ref(NULL, &a)
                      : rule == PML_ISING_WOLFF       ? pml_cpu_ising_wolff(NULL, &a)
                                                      : pml_cpu_ising_sweeps_ref(NULL, &a));
        byte0 += pml_ising_replica_bytes(lx, ly);
    }
    ref->sweeps += (uint64_t)n;
}

int pml_test_ising_ref_same(const pml_test_ising_ref *ref, pml_ising *g, const char *what)
{
    const size_t R = (size_t)g->cfg.replicas;
    char label[128];
    uint8_t *spins = malloc(g->nbytes);
    pml_ising_acc *acc = malloc(R * sizeof *acc);
    cr_assert(spins && acc);
    download(g, spins, NULL, acc);
    snprintf(label, sizeof label, "%s: bit planes vs reference", what);
    int ok = pml_test_equal_bytes(label, spins, ref->spins, g->nbytes / 4, 4);
    snprintf(label, sizeof label, "%s: accumulators vs reference", what);
    ok = ok && pml_test_equal_bytes(label, acc, ref->acc, R * sizeof *acc / 8, 8);
    if (ok && (uint64_t)pml_ising_sweeps_done(g) != ref->sweeps) {
        cr_log_error("%s: %lld sweeps done, the reference %llu", what,
                     (long long)pml_ising_sweeps_done(g), (unsigned long long)ref->sweeps);
        ok = 0;
    }
    free(spins);
    free(acc);
    return ok;
}

int pml_test_ising_matches_ref(pml_ising *g, int64_t sweeps, const char *what)
{
    pml_test_ising_ref ref;
    pml_test_ising_ref_copy(g, &ref);
    pml_test_ising_ref_run(&ref, sweeps / 2, 0);
    pml_test_ising_ref_run(&ref, sweeps - sweeps / 2, 1);
    PML_ASSERT_OK(pml_ising_sweep(g, sweeps / 2));
    PML_ASSERT_OK(pml_ising_sample(g, sweeps - sweeps / 2));
    const int same = pml_test_ising_ref_same(&ref, g, what);
    pml_test_ising_ref_free(&ref);
    return same;
}

void pml_test_ising_ref_free(pml_test_ising_ref *ref)
{
    free(ref->spins);
    free(ref->params);
    free(ref->acc);
}

int pml_test_ising_trapped(const int8_t *s, int64_t lx, int64_t ly)
{
    for (int64_t y = 0; y < ly; ++y)
        for (int64_t x = 0; x < lx; ++x) {
            const int n = s[y * lx + (x + 1) % lx] + s[y * lx + (x + lx - 1) % lx] +
                          s[((y + 1) % ly) * lx + x] + s[((y + ly - 1) % ly) * lx + x];
            if (n != 0) return 0;
        }
    return 1;
}

void pml_test_ising_candidate(uint64_t seed, int64_t r, int64_t k, int64_t lx, int64_t ly,
                              int8_t *s)
{
    const int64_t N = lx * ly;
    for (int64_t i = 0; i < N; ++i)
        s[i] = (pml_rng_u32(seed, PML_ISING_INIT_STREAM + (uint64_t)r, (uint64_t)(k * N + i)) & 1)
                   ? 1
                   : -1;
}

int64_t pml_test_ising_hot_start(uint64_t seed, int64_t r, int64_t lx, int64_t ly, int8_t *s)
{
    int64_t k = 0;
    for (;; ++k) {
        pml_test_ising_candidate(seed, r, k, lx, ly, s);
        if (k == 63 || !pml_test_ising_trapped(s, lx, ly)) return k;
    }
}

pml_test_ising_exact pml_test_ising_enumerate(int lx, int ly, double J, double T, double B)
{
    /* Gray code: state k + 1 differs from state k in one spin, so the bond and spin sums are
     * updated in O(1) and counted in a histogram over (bonds, mag); the weights then go over
     * its (4N + 1) (2N + 1) cells. */
    const int N = lx * ly, nb = 4 * N + 1, nm = 2 * N + 1;
    double *hist = calloc((size_t)nb * (size_t)nm, sizeof *hist);
    int8_t *sp = malloc((size_t)N);
    cr_assert(hist && sp && N <= 24);
    for (int i = 0; i < N; ++i) sp[i] = -1;
    int bonds = 2 * N, mag = -N;
    for (uint32_t k = 0;; ++k) {
        hist[(size_t)(bonds + 2 * N) * (size_t)nm + (size_t)(mag + N)] += 1.0;
        if (k + 1 == (1u << N)) break;
        const int i = __builtin_ctz(k + 1), x = i % lx, y = i / lx;
        const int nsum = sp[y * lx + (x + 1) % lx] + sp[y * lx + (x + lx - 1) % lx] +
                         sp[((y + 1) % ly) * lx + x] + sp[((y + ly - 1) % ly) * lx + x];
        bonds -= 2 * sp[i] * nsum; /* on a side of 2 a neighbour counts twice, as in H */
        mag -= 2 * sp[i];
        sp[i] = (int8_t)-sp[i];
    }
    double Z = 0, se = 0, se2 = 0, sm = 0, sam = 0, sm2 = 0, sm4 = 0;
    const double shift = -(2.0 * N * fabs(J) + N * fabs(B)); /* keeps exp() in range */
    for (int b = 0; b < nb; ++b)
        for (int m = 0; m < nm; ++m) {
            const double cnt = hist[(size_t)b * (size_t)nm + (size_t)m];
            if (cnt == 0) continue;
            const double E = -J * (b - 2 * N) - B * (m - N);
            const double w = cnt * exp(-(E - shift) / T);
            const double e = E / N, mm = (double)(m - N) / N;
            Z += w;
            se += w * e;
            se2 += w * e * e;
            sm += w * mm;
            sam += w * fabs(mm);
            sm2 += w * mm * mm;
            sm4 += w * mm * mm * mm * mm;
        }
    free(hist);
    free(sp);
    pml_test_ising_exact x = {se / Z, se2 / Z, sm / Z, sam / Z, sm2 / Z, sm4 / Z, 0, 0, 0};
    x.c = N * (x.e2 - x.e * x.e) / (T * T);
    x.chi = N * (x.m2 - x.m_abs * x.m_abs) / T;
    x.chi_m = N * (x.m2 - x.m * x.m) / T;
    return x;
}
