/* Swendsen-Wang sweeps, the reference: the contract of physml/ising.h ("Cluster rules")
 * executed site by site and bond by bond, to be read beside the header. Every bond's 32-bit
 * u is assembled from its 32 bit planes through the public pml_rng_u32, the clusters are
 * found by a breadth-first search from each site in index order (so a cluster is first met
 * at its smallest site, its label), and each cluster's flip is read from the flip stream. The
 * fast CPU kernel (src/cpu/ising_sw_fast.c) and the CUDA kernels' bodies
 * (src/cuda/ising_sw.cu) are tested against it bit for bit (tests/ising_cluster_test.c). It is
 * slow (32 Philox draws per bond): for tests. */
#include <stdlib.h>

#include "cpu/cpu.h"
#include "cpu/ising_ref_lattice.h"
#include "physml/rng.h"

typedef pml_ref_lattice lattice;

/* Site i = y Lx + x. */
static int spin(const lattice *g, int64_t i) { return pml_ref_spin(g, i % g->lx, i / g->lx); }
static void flip(const lattice *g, int64_t i) { pml_ref_flip(g, i % g->lx, i / g->lx); }

/* The other end of bond d of site i. */
static int64_t partner(const lattice *g, int64_t i, int d)
{
    const int64_t x = i % g->lx, y = i / g->lx;
    return d == 0 ? y * g->lx + (x + 1) % g->lx : ((y + 1) % g->ly) * g->lx + x;
}

/* u of bond d of site i in sweep t: bit 31 - b is bit x % 32 of
 * u32(seed, stream, (((2t + d) Ly + y) XW + x / 32) 32 + b). */
static uint32_t bond_draw(const lattice *g, uint64_t seed, uint64_t stream, uint64_t t, int d,
                          int64_t i)
{
    const int64_t x = i % g->lx, y = i / g->lx, XW = (g->lx + 31) / 32;
    const uint64_t i0 =
        (((2 * t + (uint64_t)d) * (uint64_t)g->ly + (uint64_t)y) * (uint64_t)XW + (uint64_t)(x / 32)) *
        32u;
    uint32_t u = 0;
    for (int b = 0; b < 32; ++b)
        u |= ((pml_rng_u32(seed, stream, i0 + (uint64_t)b) >> (x % 32)) & 1u) << (31 - b);
    return u;
}

pml_status pml_cpu_ising_sw_ref(pml_device *dev, const pml_ising_sweeps_args *a)
{
    (void)dev;
    const int64_t N = a->lx * a->ly, ww = pml_ising_row_words(a->lx);
    const uint64_t NW = (uint64_t)((N + 31) / 32);
    int64_t *label = malloc((size_t)N * sizeof *label), *queue = malloc((size_t)N * sizeof *queue);
    uint8_t *active = malloc((size_t)N * 2);
    if (!label || !queue || !active) {
        free(label);
        free(queue);
        free(active);
        return pml_set_error(PML_ERR_OUT_OF_MEMORY, "Swendsen-Wang reference: %lld sites",
                             (long long)N);
    }
    for (int64_t r = 0; r < a->replicas; ++r) {
        const lattice g = {(uint32_t *)a->spins + r * 2 * a->ly * ww, a->lx, a->ly, ww};
        const pml_ising_rparams *p = &a->params[r];
        const uint64_t bstream = PML_ISING_SW_STREAM + (uint64_t)(a->r0 + r);
        const uint64_t fstream = PML_ISING_SW_FLIP_STREAM + (uint64_t)(a->r0 + r);
        for (int64_t n = 0; n < a->n; ++n) {
            const uint64_t t = a->t0 + (uint64_t)n;
            /* the active bonds */
            for (int64_t i = 0; i < N; ++i)
                for (int d = 0; d < 2; ++d) {
                    const int ss = spin(&g, i) * spin(&g, partner(&g, i, d));
                    const int sat = a->J * ss > 0;
                    active[2 * i + d] =
                        sat && ((p->always & PML_ISING_BOND_ALWAYS) ||
                                bond_draw(&g, a->seed, bstream, t, d, i) < p->bond_thr);
                }
            /* clusters by breadth-first search, in site order: label = smallest site */
            for (int64_t i = 0; i < N; ++i) label[i] = -1;
            for (int64_t i = 0; i < N; ++i) {
                if (label[i] >= 0) continue;
                int64_t head = 0, tail = 0;
                label[i] = i;
                queue[tail++] = i;
                while (head < tail) {
                    const int64_t k = queue[head++], x = k % g.lx, y = k / g.lx;
                    /* the four bonds of k: its own two, and those of its left and up sites */
                    const int64_t left = y * g.lx + (x + g.lx - 1) % g.lx;
                    const int64_t up = ((y + g.ly - 1) % g.ly) * g.lx + x;
                    const int64_t nb[4] = {partner(&g, k, 0), partner(&g, k, 1), left, up};
                    const int on[4] = {active[2 * k], active[2 * k + 1], active[2 * left],
                                       active[2 * up + 1]};
                    for (int e = 0; e < 4; ++e)
                        if (on[e] && label[nb[e]] < 0) {
                            label[nb[e]] = i;
                            queue[tail++] = nb[e];
                        }
                }
            }
            for (int64_t i = 0; i < N; ++i) {
                const uint64_t c = (uint64_t)label[i];
                if ((pml_rng_u32(a->seed, fstream, t * NW + c / 32) >> (c % 32)) & 1u) flip(&g, i);
            }
            if (!a->measure) continue;
            int64_t bonds = 0, mag = 0;
            for (int64_t i = 0; i < N; ++i) {
                const int s = spin(&g, i);
                bonds += s * (spin(&g, partner(&g, i, 0)) + spin(&g, partner(&g, i, 1)));
                mag += s;
            }
            pml_ising_acc_push(&a->acc[r], bonds, mag, a->J, p->B, 1.0 / (double)N);
            /* the improved estimator of <m^2>: sum over clusters of |C|^2 / N^2 (queue[] is
             * free now: the cluster sizes by label) */
            for (int64_t i = 0; i < N; ++i) queue[i] = 0;
            for (int64_t i = 0; i < N; ++i) queue[label[i]] += 1;
            int64_t sq = 0;
            for (int64_t i = 0; i < N; ++i) sq += queue[i] * queue[i];
            pml_ising_acc_imp(&a->acc[r], (double)sq / ((double)N * (double)N));
        }
    }
    free(label);
    free(queue);
    free(active);
    return PML_OK;
}
