/* The exact partition function of the finite periodic lx x ly square lattice at B = 0
 * (Kaufman 1949), with the energy and the specific heat as its exact derivatives (Ferdinand
 * and Fisher 1969), for checking Monte Carlo runs on the lattices the simulator runs.
 *
 * Kaufman's formula, with K = |J|/T and an m x n torus (m = the longer side, n = the shorter:
 * Z does not depend on which is which, the tests check both orders, and the cost is O(n)):
 *
 *     Z = 1/2 (2 sinh 2K)^(mn/2) (Z1 + Z2 + Z3 + Z4),
 *     Z1 = prod_{r<n} 2 cosh(m g_{2r+1} / 2),   Z2 = prod_{r<n} 2 sinh(m g_{2r+1} / 2),
 *     Z3 = prod_{r<n} 2 cosh(m g_{2r} / 2),     Z4 = prod_{r<n} 2 sinh(m g_{2r} / 2),
 *     cosh g_l = cosh 2K cosh 2K* - sinh 2K sinh 2K* cos(pi l / n),  g_l > 0 for l >= 1,
 *     g_0 = 2 (K - K*),  tanh K* = exp(-2K),
 *
 * g_0 keeping its sign: below T_c it is > 0, above it < 0 and Z4 < 0. It holds for every
 * m, n >= 2, odd ones too, with ising.h's convention that on a side of length 2 both bonds
 * between the same pair count (the tests check sizes up to 25 spins, odd and even, against
 * enumeration of all states).
 *
 * How it is evaluated. With s = sinh 2K the duality gives sinh 2K* = 1/s, cosh 2K* =
 * cosh 2K / s, so cosh g_l = s + 1/s - cos(theta_l), theta_l = pi l / n. Each factor of Z_i
 * takes its share (2s)^(m/2) of the prefactor:
 *
 *     (2s)^(m/2) 2 cosh(m g / 2) = exp(m lambda / 2) (1 + exp(-m g)),   (sinh: 1 - exp(-m g))
 *     lambda_l = ln(2 s e^g_l) = ln 2 + ln(q + R) - 2 ln a,   q = P + ab,   R = sqrt(P Q),
 *     P = (b - a)^2 + 2 ab sig,   Q = a^2 + b^2 + 2 ab sig,   sig = sin^2(theta_l / 2),
 *     g_l = log1p((P + R) / ab),
 *
 * with (a, b) = (1, s) above T_c and (e^-2K, s e^-2K) below it, where -2 ln a = 4K gives the
 * ground state's 2NK exactly and the rest stays O(1) as T -> 0. P and Q are sums of
 * non-negative terms, so nothing cancels near T_c (b = a) where g_l -> 0, and the huge parts
 * of the prefactor (K -> 0: (2s)^(N/2) -> 0 while g -> infinity) meet in lambda before they
 * are formed. l = 0 uses d = |b - a| and R_0 = d sqrt(a^2 + b^2), so |g_0| stays smooth
 * through T_c (at b = a exactly, the branch b > a continued: the formulas are analytic in
 * d), and Z4's factor sign(g_0) (1 - e^(-m|g_0|)) is carried as a value, not a logarithm,
 * since it is 0 at T_c. Every quantity is a "jet": its value and first two derivatives in K,
 * carried through each operation exactly (forward differentiation), so e and c are the
 * analytic derivatives of ln Z, not differences.
 *
 * The four ln Z_i are sums of ~N, but the Z_i differ by O(1) factors that set the weights
 * of their sum, so their differences are summed as such (lambda_2r - lambda_2r+1 written as
 * a product, nothing cancelling), every sum is compensated (Neumaier), and the four terms
 * are added relative to the largest with its slope taken out first, so that the second
 * derivative of ln(sum) does not lose digits to S''/S - (S'/S)^2. (Summed plainly, c lost
 * ~N eps: 4e-7 relative at 65536^2 near T_c.)
 *
 *     e = <H>/N = -(|J|/N) d ln Z / dK,     c = (K^2/N) d^2 ln Z / dK^2.
 *
 * Accuracy, measured: against the formula as printed above evaluated in 60-digit arithmetic
 * (mpmath, derivatives by its high-precision numerical differentiation) for L x L with
 * L = 4 ... 1024, rectangles and odd sizes, at T = 0.5 ... 10 and T_c: ln Z and e within
 * 1e-15 relative, c within 1e-14 near T_c and 1e-12 at T = 0.5; against this file run in
 * long double, up to 65536^2 and 4096 x 2^20 near T_c: e within 1e-15, c within 7e-13. Less
 * where the quantities themselves become tiny: c at low T, ~64 K^2 e^(-8K) per spin, is the
 * small remainder of terms ~e^(-4K) (relative error 5e-9 at T = 0.3 |J|, up to 1e-6 near
 * K = 4, absolute never above 1e-17); e at high T, ~-2 |J| K, has an absolute error of
 * ~1e-16 |J| (relative 1e-10 at K = 1e-6).
 *
 * Outside K in [1e-6, 4] expansions that are exact there to about double precision:
 *   K < 1e-6 (high T): ln Z = N ln 2 + kappa N K^2 / 2 + tau N K^3 / 3, with kappa = (sum over
 *     neighbour pairs of (bonds between them)^2) / N = 2 + [lx = 2] + [ly = 2] and, from the
 *     closed loops of 3 bonds along a side of 3, tau = [lx = 3] + [ly = 3]; the next terms
 *     are O(K^2) relative (plaquettes, tanh K against K).
 *   K > 4 (low T): Z = 2 e^(2NK) (1 + M e^(-8K) + O(N e^(-12K))), M the states 8|J| above a
 *     ground state: the N single flips and, on a 2 x L side, the bands of consecutive rows of
 *     the other side (two domain walls of 2 bonds each: L(L - 1)/2 of them); exact for ln Z
 *     and e, c within ~4.5 e^(-4K) < 1e-6 relative.
 * The tests check both against enumeration. J < 0 with both sides even is the ferromagnet
 * with |J| (flip one sublattice: every bond joins the two sublattices, so H has the same
 * distribution); with a side odd it is frustrated, outside Kaufman's formula, and refused. */
#include <math.h>
#include <stdint.h>

#include "core/internal.h"
#include "physml/ising.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* The largest side and number of spins: the cost is O(shorter side), 25 ms at 65536^2, and
 * the accuracy above was measured up to 2^32 spins (65536^2 and 4096 x 2^20); 2^20 per side
 * is also the simulator's limit. */
#define EXACT_MAX_SIDE (INT64_C(1) << 20)
#define EXACT_MAX_SPINS (INT64_C(1) << 32)
#define K_SERIES_HIGH_T 1e-6
#define K_SERIES_LOW_T 4.0

/* f(K), f'(K), f''(K) */
typedef struct jet {
    double v, d, dd;
} jet;

static jet jconst(double c) { return (jet){c, 0, 0}; }
static jet jadd(jet a, jet b) { return (jet){a.v + b.v, a.d + b.d, a.dd + b.dd}; }
static jet jscale(double c, jet a) { return (jet){c * a.v, c * a.d, c * a.dd}; }
static jet jmul(jet a, jet b)
{
    return (jet){a.v * b.v, a.d * b.v + a.v * b.d, a.dd * b.v + 2 * a.d * b.d + a.v * b.dd};
}
static jet jdiv(jet a, jet b)
{
    const double q = a.v / b.v;
    const double q1 = (a.d - q * b.d) / b.v;
    return (jet){q, q1, (a.dd - 2 * q1 * b.d - q * b.dd) / b.v};
}
/* g(a) with g, g', g'' at a.v given */
static jet jchain(jet a, double g, double g1, double g2)
{
    return (jet){g, g1 * a.d, g2 * a.d * a.d + g1 * a.dd};
}
static jet jsqrt(jet a) /* a.v > 0 */
{
    const double r = sqrt(a.v);
    return jchain(a, r, 0.5 / r, -0.25 / (r * a.v));
}
static jet jlog(jet a) { return jchain(a, log(a.v), 1 / a.v, -1 / (a.v * a.v)); }
static jet jlog1p(jet a)
{
    const double u = 1 + a.v;
    return jchain(a, log1p(a.v), 1 / u, -1 / (u * u));
}
/* ln(1 + e^-x) (sign +1) or ln(1 - e^-x) (sign -1, x > 0) */
static jet jlog1pexp(jet x, int sign)
{
    const double E = exp(-x.v);
    if (sign > 0) {
        const double u = 1 + E;
        return jchain(x, log1p(E), -E / u, E / (u * u));
    }
    const double u = -expm1(-x.v); /* 1 - E, accurate when x is small */
    return jchain(x, log(u), E / u, -E / (u * u));
}

/* A compensated (Neumaier) sum of jets: the sums below run over up to 2^20 terms each,
 * whose rounding would otherwise add up to n eps of the sum. */
typedef struct jsum {
    jet s, c;
} jsum;

static void nsum(double *s, double *c, double x)
{
    const double t = *s + x;
    *c += fabs(*s) >= fabs(x) ? (*s - t) + x : (x - t) + *s;
    *s = t;
}
static void jsum_add(jsum *a, jet x)
{
    nsum(&a->s.v, &a->c.v, x.v);
    nsum(&a->s.d, &a->c.d, x.d);
    nsum(&a->s.dd, &a->c.dd, x.dd);
}
static jet jsum_get(const jsum *a) { return jadd(a->s, a->c); }

/* sin(pi k / (2n)) for any integer k >= 0, from an argument in [0, pi/2] */
static double sin_pi_over_2n(int64_t k, int64_t n)
{
    k %= 4 * n;
    double sign = 1;
    if (k > 2 * n) {
        k -= 2 * n;
        sign = -1;
    }
    if (k > n) k = 2 * n - k;
    return sign * sin(M_PI * (double)k / (double)(2 * n));
}

typedef struct kaufman {
    double log_z, dlog_z, d2log_z; /* ln Z and its derivatives in K */
} kaufman;

/* One l >= 1 (or l = 0 with R given): P, w = q + R and R as jets, sig = sin^2(pi l / (2n)) */
typedef struct mode {
    jet P, R, w;
} mode;

static mode mode_of(jet amb2, jet a2_b2, jet ab, double sig)
{
    const jet two_ab_sig = jscale(2 * sig, ab);
    mode o;
    o.P = jadd(amb2, two_ab_sig);
    o.R = jmul(jsqrt(o.P), jsqrt(jadd(a2_b2, two_ab_sig)));
    o.w = jadd(jadd(o.P, ab), o.R);
    return o;
}

static kaufman kaufman_direct(int64_t m, int64_t n, double K)
{
    const double hm = 0.5 * (double)m, N = (double)m * (double)n;
    /* The scaled variables (a, b) = (1, s) above T_c, (t, h) = (e^-2K, s e^-2K) below it */
    const int low_t = sinh(2 * K) >= 1;
    jet a, b;
    if (low_t) {
        const double t = exp(-2 * K);
        a = (jet){t, -2 * t, 4 * t};
        b = (jet){-0.5 * expm1(-4 * K), 2 * t * t, -8 * t * t};
    } else {
        a = jconst(1);
        b = (jet){sinh(2 * K), 2 * cosh(2 * K), 4 * sinh(2 * K)};
    }
    const jet ab = jmul(a, b);
    const jet a2_b2 = jadd(jmul(a, a), jmul(b, b));
    const jet b_minus_a = jadd(b, jscale(-1, a));
    const jet amb2 = jmul(b_minus_a, b_minus_a);
    /* l = 0: d = |b - a| (the branch b >= a when b == a), R_0 = d sqrt(a^2 + b^2) */
    const int sg = b.v >= a.v ? 1 : -1;
    const jet d = jscale((double)sg, b_minus_a);

    /* ln Z_i (times the prefactor's share, less -N ln a) = L1 + Delta_i: the sums of
     * (m/2) lambda_l and of ln(1 +- e^(-m g_l)) are ~N, but the Z_i differ by O(1) factors that
     * set the weights, so the differences are summed as such: Delta_2 = b2 - b1, Delta_3 =
     * eo + b3 - b1, Delta_4 = eo + b4 - b1, where eo = sum_r (m/2)(lambda_2r - lambda_2r+1),
     * each term from w_2r - w_2r+1 written as a product (nothing cancels). */
    static const jsum zero;
    jsum a_odd_s = zero, eo_s = zero, b1_s = zero, b2_s = zero, b3_s = zero, b4_s = zero;
    jet mg0 = jconst(0);
    for (int64_t r = 0; r < n; ++r) {
        const double s_e = sin_pi_over_2n(2 * r, n), s_o = sin_pi_over_2n(2 * r + 1, n);
        mode e, o = mode_of(amb2, a2_b2, ab, s_o * s_o);
        jet mg_e;
        if (r == 0) {
            e.P = jmul(d, d);
            e.R = jmul(d, jsqrt(a2_b2));
            e.w = jadd(jadd(e.P, ab), e.R);
            mg_e = mg0 = jscale((double)m, jlog1p(jdiv(jadd(e.P, e.R), ab))); /* m |g_0| */
        } else {
            e = mode_of(amb2, a2_b2, ab, s_e * s_e);
            mg_e = jscale((double)m, jlog1p(jdiv(jadd(e.P, e.R), ab)));
            jsum_add(&b4_s, jlog1pexp(mg_e, -1));
        }
        const jet mg_o = jscale((double)m, jlog1p(jdiv(jadd(o.P, o.R), ab)));
        jsum_add(&a_odd_s, jscale(hm, jadd(jconst(log(2.0)), jlog(o.w))));
        jsum_add(&b1_s, jlog1pexp(mg_o, +1));
        jsum_add(&b2_s, jlog1pexp(mg_o, -1));
        jsum_add(&b3_s, jlog1pexp(mg_e, +1));
        /* w_e - w_o = 2 ab dsig (1 + (A + B + 2 ab (sig_e + sig_o)) / (R_e + R_o)), A = (b-a)^2,
         * B = a^2 + b^2, dsig = sig_e - sig_o = sin(-pi / 2n) sin(pi (4r + 1) / 2n) */
        const double dsig = -sin_pi_over_2n(1, n) * sin_pi_over_2n(4 * r + 1, n);
        const jet sum_sig_ab = jscale(2 * (s_e * s_e + s_o * s_o), ab);
        const jet ratio = jdiv(jadd(jadd(amb2, a2_b2), sum_sig_ab), jadd(e.R, o.R));
        const jet dw = jmul(jscale(2 * dsig, ab), jadd(jconst(1), ratio));
        jsum_add(&eo_s, jscale(hm, jlog1p(jdiv(dw, o.w))));
    }
    const jet a_odd = jsum_get(&a_odd_s), eo = jsum_get(&eo_s), b1 = jsum_get(&b1_s),
              b2 = jsum_get(&b2_s), b3 = jsum_get(&b3_s), b4 = jsum_get(&b4_s);
    /* Z4's l = 0 factor, sign(g_0) (1 - e^(-m|g_0|)), as a value (0 at T_c) */
    const double E0 = exp(-mg0.v);
    const jet h = {sg * -expm1(-mg0.v), sg * E0 * mg0.d, sg * E0 * (mg0.dd - mg0.d * mg0.d)};

    const jet L1 = jadd(a_odd, b1);
    const jet minus_b1 = jscale(-1, b1);
    const jet Dl[4] = {jconst(0), jadd(b2, minus_b1), jadd(eo, jadd(b3, minus_b1)),
                       jadd(eo, jadd(b4, minus_b1))};
    /* the largest of Z1..Z3 (Z4 <= Z3 factor by factor) as the reference */
    int j = 0;
    for (int i = 1; i < 3; ++i)
        if (Dl[i].v > Dl[j].v) j = i;
    jet S = jconst(0);
    for (int i = 0; i < 4; ++i) {
        const double u = exp(Dl[i].v - Dl[j].v);
        const double del = Dl[i].d - Dl[j].d;
        /* Z_i / (e^{L1 + Delta_j} e^{D (K' - K)}) as a jet, D = (L1 + Delta_j)' (times h for Z4) */
        const jet w = {u, u * del, u * (Dl[i].dd - Dl[j].dd + del * del)};
        S = jadd(S, i == 3 ? jmul(w, h) : w);
    }
    const double r1 = S.d / S.v;
    /* -N ln a: 0 above T_c, 2NK below */
    kaufman out;
    out.log_z = (low_t ? 2 * N * K : 0.0) - log(2.0) + L1.v + Dl[j].v + log(S.v);
    out.dlog_z = (low_t ? 2 * N : 0.0) + L1.d + Dl[j].d + r1;
    out.d2log_z = L1.dd + Dl[j].dd + S.dd / S.v - r1 * r1;
    return out;
}

pml_status pml_ising_exact_finite(int64_t lx, int64_t ly, double T, double J, double *log_z,
                                  double *e, double *c)
{
    static const char fn[] = "pml_ising_exact_finite";
    if (log_z) *log_z = NAN;
    if (e) *e = NAN;
    if (c) *c = NAN;
    PML_CHECK(lx >= 2 && ly >= 2 && lx <= EXACT_MAX_SIDE && ly <= EXACT_MAX_SIDE,
              PML_ERR_INVALID_ARGUMENT,
              "%s: lx = %lld, ly = %lld: each side must be in [2, %lld]", fn, (long long)lx,
              (long long)ly, (long long)EXACT_MAX_SIDE);
    PML_CHECK(lx * ly <= EXACT_MAX_SPINS, PML_ERR_INVALID_ARGUMENT,
              "%s: lx * ly = %lld spins, at most %lld", fn, (long long)(lx * ly),
              (long long)EXACT_MAX_SPINS);
    PML_CHECK(isfinite(T) && T > 0, PML_ERR_INVALID_ARGUMENT, "%s: T = %g, needs finite T > 0",
              fn, T);
    PML_CHECK(isfinite(J) && J != 0, PML_ERR_INVALID_ARGUMENT,
              "%s: J = %g, needs finite J != 0", fn, J);
    PML_CHECK(J > 0 || (lx % 2 == 0 && ly % 2 == 0), PML_ERR_INVALID_ARGUMENT,
              "%s: J = %g < 0 on %lld x %lld: an antiferromagnet needs both sides even (an odd "
              "side frustrates it)",
              fn, J, (long long)lx, (long long)ly);

    const double aj = fabs(J);
    const double K = aj / T;
    const double N = (double)lx * (double)ly;
    kaufman k;
    if (K < K_SERIES_HIGH_T) {
        const double kappa = 2.0 + (lx == 2) + (ly == 2);
        const double tau = (double)(lx == 3) + (ly == 3);
        k.log_z = N * log(2.0) + N * K * K * (0.5 * kappa + tau * K / 3);
        k.dlog_z = N * K * (kappa + tau * K);
        k.d2log_z = N * (kappa + 2 * tau * K);
    } else if (K > K_SERIES_LOW_T) {
        const double M = N + (lx == 2 ? 0.5 * (double)ly * (double)(ly - 1) : 0.0) +
                         (ly == 2 ? 0.5 * (double)lx * (double)(lx - 1) : 0.0);
        const double x = M * exp(-8 * K);
        k.log_z = log(2.0) + 2 * N * K + log1p(x);
        k.dlog_z = 2 * N - 8 * x;
        k.d2log_z = 64 * x;
    } else {
        k = kaufman_direct(lx > ly ? lx : ly, lx > ly ? ly : lx, K); /* O(n): n the shorter */
    }
    if (log_z) *log_z = k.log_z;
    /* in this order, so that nothing overflows that need not: ln Z itself is +inf only where
     * it exceeds DBL_MAX (2 N |J| / T > 1.8e308), and c = 0 exactly where e^(-8K) is */
    if (e) *e = -aj * (k.dlog_z / N);
    if (c) *c = k.d2log_z == 0 ? 0.0 : K * K * (k.d2log_z / N);
    return PML_OK;
}
