/* The site-by-site references' view of one replica's colour planes (src/ops/ising_ops.h):
 * shared by the local rules' reference (src/cpu/ising_sweep.c) and Swendsen-Wang's
 * (src/cpu/ising_sw.c), so both read the layout exactly one way. */
#ifndef PML_CPU_ISING_REF_LATTICE_H
#define PML_CPU_ISING_REF_LATTICE_H

#include <stdint.h>

/* One replica's lattice: s(x, y) = +-1, x = 0..lx-1, y = 0..ly-1, periodic, in the two
 * colour planes of its 2 ly ww words. */
typedef struct pml_ref_lattice {
    uint32_t *planes;
    int64_t lx, ly, ww;
} pml_ref_lattice;

/* The word holding site (x, y): plane c = (x + y) % 2, row y, colour site j = x / 2 (the
 * site x = 2j + ((y + c) & 1)), word j / 32; the site is bit j % 32. */
static inline uint32_t *pml_ref_site_word(const pml_ref_lattice *g, int64_t x, int64_t y)
{
    const int64_t c = (x + y) & 1, j = x / 2;
    return g->planes + (c * g->ly + y) * g->ww + j / 32;
}

/* s(x, y), periodic in both directions. */
static inline int pml_ref_spin(const pml_ref_lattice *g, int64_t x, int64_t y)
{
    x = (x + g->lx) % g->lx;
    y = (y + g->ly) % g->ly;
    return (*pml_ref_site_word(g, x, y) >> ((x / 2) % 32)) & 1u ? 1 : -1;
}

static inline void pml_ref_flip(const pml_ref_lattice *g, int64_t x, int64_t y)
{
    *pml_ref_site_word(g, x, y) ^= 1u << ((x / 2) % 32);
}

#endif
