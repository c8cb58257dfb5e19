/* Checkerboard Ising sweeps on a batch of replicas.
 * Contract (shared with src/cuda/ising_sweep.cu): spins are the two bit-packed colour planes
 * of src/ops/ising_ops.h (uint32 words, 32 colour sites each, R x 2 x Ly x WW). Sweep t
 * updates plane 0 then plane 1 of every replica; in half-sweep h the 32 sites of word w of
 * row y of replica r draw u bit by bit from the 32 planes
 * u32(seed, PML_ISING_STREAM + r0 + r, ((h Ly + y) WW + w) 32 + b) (plane b is bit 31 - b of
 * every lane's u) and flip iff their case always flips or u < thr (params[r]). With
 * `measure`, after each sweep the bond sum and the spin sum of each replica (exact integers;
 * the fast kernels count them in the colour-1 pass) go to acc[r] through pml_ising_acc_push. No floating point touches a
 * spin.
 *
 * This file is the reference: the contract of physml/ising.h executed site by site, to be
 * read beside the header's formulas. The fast CPU paths (src/cpu/ising_sweep_fast.c and
 * src/cpu/ising_sweep_avx512.c, the backend table's kernel) and the CUDA kernels' bodies are
 * tested against it bit for bit (tests/ising_test.c, tests/parity_ising_test.c). It generates
 * all 32 planes of every site's draw (8 Philox blocks a site, where the fast paths need about
 * one block per 16 sites), so it is slow: for tests, and as a fallback when debugging. */
#include "cpu/cpu.h"
#include "cpu/ising_ref_lattice.h"

typedef pml_ref_lattice lattice;

/* The draw u of site (x, y) in half-sweep h (physml/ising.h): the site is lane l = j % 32 of
 * word w = j / 32 of its row (j = x / 2), and bit 31 - b of u is bit l of
 * D(b) = u32(seed, stream, i0 + b), i0 = ((h Ly + y) WW + w) 32, b = 0..31. Draw index i is
 * word i % 4 of Philox block i / 4 (physml/rng.h), so D(4k .. 4k+3) is block i0 / 4 + k. */
static uint32_t site_draw(const lattice *g, uint64_t seed, uint64_t stream, uint64_t h,
                          int64_t x, int64_t y)
{
    const int64_t j = x / 2, w = j / 32, l = j % 32;
    const uint64_t i0 = ((h * (uint64_t)g->ly + (uint64_t)y) * (uint64_t)g->ww + (uint64_t)w) * 32u;
    uint32_t u = 0;
    for (int k = 0; k < 8; ++k) {
        const pml_u32x4 d = pml_philox_draw4(seed, stream, i0 / 4 + (uint64_t)k);
        const uint32_t D[4] = {d.x, d.y, d.z, d.w};
        for (int q = 0; q < 4; ++q) u |= ((D[q] >> l) & 1u) << (31 - (4 * k + q));
    }
    return u;
}

static lattice replica(const pml_ising_sweeps_args *a, int64_t r)
{
    const int64_t ww = pml_ising_row_words(a->lx);
    const lattice g = {(uint32_t *)a->spins + r * 2 * a->ly * ww, a->lx, a->ly, ww};
    return g;
}

pml_status pml_cpu_ising_sweeps_ref(pml_device *dev, const pml_ising_sweeps_args *a)
{
    (void)dev;
    for (int64_t t = 0; t < a->n; ++t) {
        const uint64_t sweep = a->t0 + (uint64_t)t;
        for (int c = 0; c < 2; ++c)
            for (int64_t r = 0; r < a->replicas; ++r) {
                const lattice g = replica(a, r);
                const pml_ising_rparams *p = &a->params[r];
                const uint64_t stream = PML_ISING_STREAM + (uint64_t)(a->r0 + r);
                for (int64_t y = 0; y < g.ly; ++y)
                    for (int64_t x = (y + c) & 1; x < g.lx; x += 2) { /* colour c: x + y = c */
                        const int s = pml_ref_spin(&g, x, y);
                        const int n = pml_ref_spin(&g, x + 1, y) + pml_ref_spin(&g, x - 1, y) +
                                      pml_ref_spin(&g, x, y + 1) + pml_ref_spin(&g, x, y - 1);
                        const int i = (s > 0) * 5 + (n + 4) / 2; /* the case */
                        if (((p->always >> i) & 1u) ||
                            site_draw(&g, a->seed, stream, 2 * sweep + (uint64_t)c, x, y) <
                                p->thr[i])
                            pml_ref_flip(&g, x, y);
                    }
            }
        for (int64_t r = 0; a->measure && r < a->replicas; ++r) {
            /* H = -J bonds - B mag, the 2N bonds being each site's right and down ones */
            const lattice g = replica(a, r);
            int64_t bonds = 0, mag = 0;
            for (int64_t y = 0; y < g.ly; ++y)
                for (int64_t x = 0; x < g.lx; ++x) {
                    const int s = pml_ref_spin(&g, x, y);
                    bonds += s * (pml_ref_spin(&g, x + 1, y) + pml_ref_spin(&g, x, y + 1));
                    mag += s;
                }
            pml_ising_acc_push(&a->acc[r], bonds, mag, a->J, a->params[r].B,
                               1.0 / (double)(g.lx * g.ly));
        }
    }
    return PML_OK;
}
