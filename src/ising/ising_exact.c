/* Exact results of the infinite square lattice (Onsager, Yang) and mean-field roots. */
#include <float.h>
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

/* The root of f in [a, b], where f is monotone and fa = f(a), fb = f(b) have opposite signs
 * (neither zero): bisection until the interval has no double inside it. */
static double mf_bisect(double a, double b, double fa, double T, double B, double J, int q)
{
    for (;;) {
        const double c = 0.5 * (a + b);
        if (!(c > a && c < b)) break;
        const double fc = mf_f(c, T, B, J, q);
        if (fc == 0) return c;
        if ((fc < 0) == (fa < 0)) {
            a = c;
            fa = fc;
        } else {
            b = c;
        }
    }
    return fabs(fa) <= fabs(mf_f(b, T, B, J, q)) ? a : b;
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
    /* f(m) = tanh(x) - m, x = (J q m + B)/T, has f(-1) >= 0 >= f(1) and
     * f'(m) = (J q / T) sech^2(x) - 1, which is 0 where cosh^2 x = J q / T: nowhere when
     * J q <= T (f decreases: one root), else at x = -+acosh(sqrt(J q / T)), the stationary
     * points m_- < m_+ (f falls, rises between them, falls again). Each piece between -1,
     * the stationary points inside (-1, 1) and 1 is monotone, so it holds a root exactly when
     * f changes sign over it, and bisection finds that root to the last bit: two roots that
     * merge at the spinodal field stay apart while f at the stationary point between them
     * has its sign, i.e. until |B - B_spinodal| is within rounding. A stationary point where
     * |f| is within rounding of 0 is a tangency (a double root): reported once. */
    double p[4]; /* the pieces' ends */
    int np = 0;
    p[np++] = -1.0;
    const double k = J * q / T;
    if (k > 1) {
        const double xs = acosh(sqrt(k));
        const double lo = (-xs * T - B) / (J * q), hi = (xs * T - B) / (J * q);
        if (lo > -1 && lo < 1) p[np++] = lo;
        if (hi > -1 && hi < 1 && hi > p[np - 1]) p[np++] = hi;
    }
    p[np++] = 1.0;
    double fp[4];
    for (int i = 0; i < np; ++i) {
        fp[i] = mf_f(p[i], T, B, J, q);
        /* rounding of tanh(x) - m near a tangency: a few ulps of the terms */
        if (i > 0 && i < np - 1 && fabs(fp[i]) <= 8 * DBL_EPSILON * (1 + fabs(p[i]))) fp[i] = 0;
    }
    double found[4];
    int n = 0;
    for (int i = 0; i < np; ++i) {
        if (fp[i] == 0) found[n++] = p[i];
        if (i + 1 < np && fp[i] != 0 && fp[i + 1] != 0 && (fp[i] < 0) != (fp[i + 1] < 0))
            found[n++] = mf_bisect(p[i], p[i + 1], fp[i], T, B, J, q);
    }
    *count = n;
    for (int i = 0; i < n && i < cap; ++i) roots[i] = found[i];
    return PML_OK;
}
