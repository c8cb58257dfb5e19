/* T_c from the crossing of the Binder cumulants of two lattice sizes. U_L(T) tends to 2/3
 * below T_c and to 0 above it, faster on a larger lattice, and the curves of all sizes meet
 * near T_c (up to corrections in 1/L); so d = U_large - U_small goes from > 0 to <= 0 there. */
#include <math.h>

#include "core/internal.h"
#include "physml/ising.h"

pml_status pml_ising_binder_crossing(const double *T, const double *U_small,
                                     const double *U_large, int n, double *tc)
{
    static const char fn[] = "pml_ising_binder_crossing";
    PML_CHECK_ARG(tc != NULL, fn, "tc is NULL");
    *tc = NAN;
    PML_CHECK_ARG(T != NULL && U_small != NULL && U_large != NULL, fn,
                  "T, U_small or U_large is NULL");
    PML_CHECK(n >= 2, PML_ERR_INVALID_ARGUMENT, "%s: n = %d temperatures, needs >= 2", fn, n);
    for (int k = 0; k < n; ++k) {
        PML_CHECK(isfinite(T[k]) && (k == 0 || T[k] > T[k - 1]), PML_ERR_INVALID_ARGUMENT,
                  "%s: T[%d] = %g: the temperatures must be finite and strictly ascending", fn,
                  k, T[k]);
        PML_CHECK(isfinite(U_small[k]) && isfinite(U_large[k]), PML_ERR_INVALID_ARGUMENT,
                  "%s: U_small[%d] = %g, U_large[%d] = %g: the cumulants must be finite", fn, k,
                  U_small[k], k, U_large[k]);
    }
    /* Noise can make d change sign more than once: take the split of the grid, between
     * T[best] and T[best + 1], that leaves the most points on their expected side (the
     * lowest on a tie). */
    int best = -1, best_score = -1;
    for (int i = 0; i + 1 < n; ++i) {
        int score = 0;
        for (int k = 0; k < n; ++k) {
            const double d = U_large[k] - U_small[k];
            score += (k <= i) ? (d > 0) : (d <= 0);
        }
        if (score > best_score) {
            best_score = score;
            best = i;
        }
    }
    const double d0 = U_large[best] - U_small[best];
    const double d1 = U_large[best + 1] - U_small[best + 1];
    const double t0 = T[best], t1 = T[best + 1];
    /* Only at the ends of the grid can the best split lack the sign change: d <= 0 from
     * T[0] on, or d > 0 up to T[n-1]. */
    PML_CHECK(d0 > 0 && d1 <= 0, PML_ERR_INVALID_ARGUMENT,
              "%s: no crossing: U_large - U_small is %g at T = %g and %g at T = %g, where it "
              "should go from > 0 to <= 0 (T_c outside [%g, %g], or the sizes swapped?)",
              fn, d0, t0, d1, t1, T[0], T[n - 1]);
    *tc = t0 + (t1 - t0) * d0 / (d0 - d1);
    return PML_OK;
}
