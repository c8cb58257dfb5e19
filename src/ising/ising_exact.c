/* Exact results of the infinite square lattice (Onsager, Yang) and mean-field roots. */
#include <math.h>

#include "core/internal.h"
#include "physml/ising.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

double pml_ising_tc(double J)
{
    return J > 0 && isfinite(J) ? 2.0 * J / log(1.0 + sqrt(2.0)) : NAN;
}

/* Complete elliptic integral of the first kind K(k) = pi / (2 AGM(1, sqrt(1 - k^2))). */
static double ellint_k(double k)
{
    double a = 1.0, b = sqrt(1.0 - k * k);
    for (int i = 0; i < 64 && fabs(a - b) > 1e-16 * a; ++i) {
        double an = 0.5 * (a + b);
        b = sqrt(a * b);
        a = an;
    }
    return M_PI / (2.0 * a);
}

double pml_ising_onsager_energy(double T, double J)
{
    if (!(T > 0) || !(J > 0)) return NAN;
    const double b2 = 2.0 * J / T;
    const double k = 2.0 * sinh(b2) / (cosh(b2) * cosh(b2));
    if (k >= 1.0) return -J * sqrt(2.0); /* T_c: K diverges, its prefactor vanishes */
    const double t = tanh(b2);
    return -J / tanh(b2) * (1.0 + (2.0 / M_PI) * (2.0 * t * t - 1.0) * ellint_k(k));
}

double pml_ising_onsager_c(double T, double J)
{
    const double h = 1e-4 * T;
    if (fabs(T - pml_ising_tc(J)) < 2 * h) return NAN;
    return (pml_ising_onsager_energy(T + h, J) - pml_ising_onsager_energy(T - h, J)) / (2 * h);
}

double pml_ising_yang_m(double T, double J)
{
    if (!(T > 0) || !(J > 0)) return NAN;
    if (T >= pml_ising_tc(J)) return 0.0;
    const double s = sinh(2.0 * J / T);
    return pow(1.0 - pow(s, -4.0), 0.125);
}

double pml_meanfield_tc(double J, int q) { return q * J; }

static double mf_f(double m, double T, double B, double J, int q)
{
    return tanh((J * q * m + B) / T) - m;
}

pml_status pml_meanfield_roots(double T, double B, double J, int q, double *roots, int cap,
                               int *count)
{
    static const char fn[] = "pml_meanfield_roots";
    PML_CHECK_ARG(roots != NULL, fn, "roots is NULL");
    PML_CHECK_ARG(count != NULL, fn, "count is NULL");
    PML_CHECK(cap >= 0, PML_ERR_INVALID_ARGUMENT, "%s: cap = %d, needs cap >= 0", fn, cap);
    PML_CHECK(isfinite(T) && T > 0, PML_ERR_INVALID_ARGUMENT, "%s: T = %g, needs T > 0", fn, T);
    PML_CHECK(isfinite(B) && isfinite(J), PML_ERR_INVALID_ARGUMENT, "%s: B, J must be finite",
              fn);
    PML_CHECK(q >= 1, PML_ERR_INVALID_ARGUMENT, "%s: q = %d, needs q >= 1", fn, q);
    /* f(m) = tanh(.) - m has f(-1) >= 0 >= f(1) and at most three zeros (f'' changes sign
     * once). Scan a fine grid for sign changes, bisect each; exact zeros of the grid (m = 0
     * at B = 0) count once. A tangency (at T = T_c^MF, or the spinodal field) shows up as a
     * grid point where |f| reaches a local minimum near zero: accepted within 1e-12. */
    const int G = 20000;
    int n = 0;
    double prev_m = -1.0, prev_f = mf_f(-1.0, T, B, J, q);
    double found[8];
    for (int i = 1; i <= G && n < 8; ++i) {
        const double m = -1.0 + 2.0 * i / G;
        const double f = mf_f(m, T, B, J, q);
        if (prev_f == 0.0 && (n == 0 || found[n - 1] != prev_m)) found[n++] = prev_m;
        if ((prev_f < 0 && f > 0) || (prev_f > 0 && f < 0)) {
            double a = prev_m, b = m, fa = prev_f;
            for (int k = 0; k < 200 && b - a > 1e-15; ++k) {
                const double c = 0.5 * (a + b), fc = mf_f(c, T, B, J, q);
                if ((fa < 0) == (fc < 0)) {
                    a = c;
                    fa = fc;
                } else {
                    b = c;
                }
            }
            if (n < 8) found[n++] = 0.5 * (a + b);
        }
        prev_m = m;
        prev_f = f;
    }
    if (prev_f == 0.0 && n < 8 && (n == 0 || found[n - 1] != prev_m)) found[n++] = prev_m;
    if (n == 0) {
        /* f never changes sign: a root at a tangency; take the grid minimum of |f| */
        double best = 0, bf = INFINITY;
        for (int i = 0; i <= G; ++i) {
            const double m = -1.0 + 2.0 * i / G, af = fabs(mf_f(m, T, B, J, q));
            if (af < bf) {
                bf = af;
                best = m;
            }
        }
        found[n++] = best;
    }
    *count = n;
    for (int i = 0; i < n && i < cap; ++i) roots[i] = found[i];
    return PML_OK;
}
