/* Synchronous Hopfield recall and energies on the CPU (contract: src/ops/hopfield_ops.h,
 * pml_hopfield_sync_args and pml_hopfield_energy_args; CUDA twin: src/cuda/hopfield_sync.cu).
 * The fields come from the generic GEMM; these loops apply the sign with the tie rule, spot
 * fixed points and two-cycles, and reduce energies. Plain loops, the reference. */
#include <string.h>

#include "cpu/cpu.h"
#include "ops/hopfield_ops.h"

static double at(const void *p, pml_dtype dt, int64_t i)
{
    return dt == PML_F32 ? (double)((const float *)p)[i] : ((const double *)p)[i];
}

/* One probe's update in dtype T: first the states (a loop the compiler vectorises), then the
 * kept overlaps for the neurons that changed. Returns 1 when the probe stopped. */
#define SYNC_PROBE(T)                                                                          \
    static int sync_probe_##T(const pml_hopfield_sync_args *a, int64_t b)                     \
    {                                                                                          \
        const int64_t n = a->n;                                                                \
        const T *restrict h = (const T *)a->h + b * n;                                         \
        T *restrict sf = a->sf ? (T *)a->sf + b * n : NULL;                                    \
        int8_t *restrict s = a->s + b * n, *restrict prev = a->prev + b * n;                   \
        const double self = a->self;                                                           \
        int same = 1, cycle = 1;                                                               \
        if (!a->theta && sf) {                                                                 \
            /* h and self s are integers below 2^24 here (the model's rule for F32), so T     \
               arithmetic is exact: the same signs as in double, in a loop that vectorises */  \
            const T selft = (T)self;                                                           \
            int nsame = 0, ncycle = 0;                                                         \
            _Pragma("omp simd reduction(+ : nsame, ncycle)") for (int64_t i = 0; i < n; ++i) { \
                const int8_t si = s[i], pi = prev[i];                                          \
                const T f = h[i] - selft * (T)si;                                              \
                const int8_t v = f > 0 ? 1 : f < 0 ? -1 : si;                                  \
                nsame += v != si;                                                              \
                ncycle += v != pi;                                                             \
                prev[i] = si;                                                                  \
                s[i] = v;                                                                      \
                sf[i] = (T)v;                                                                  \
            }                                                                                  \
            same = nsame == 0;                                                                 \
            cycle = ncycle == 0;                                                               \
        } else {                                                                               \
            for (int64_t i = 0; i < n; ++i) {                                                  \
                const double f = (double)h[i] - self * s[i] - (a->theta ? a->theta[i] : 0.0); \
                const int8_t v = f > 0 ? 1 : f < 0 ? -1 : s[i];                                \
                same &= v == s[i];                                                             \
                cycle &= v == prev[i];                                                         \
                prev[i] = s[i];                                                                \
                s[i] = v;                                                                      \
                if (sf) sf[i] = (T)v;                                                          \
            }                                                                                  \
        }                                                                                      \
        if (a->m && !same) { /* m += 2 s'_i xi_i, xi = 1 - 2 (x & 1) for the masks x */        \
            const int8_t *xt = a->xit + (size_t)(b / a->per_set) * (size_t)(n * a->p);        \
            T *restrict mb = (T *)a->m + b * a->p;                                             \
            for (int64_t i = 0; i < n; ++i) {                                                  \
                if (s[i] == prev[i]) continue;                                                 \
                const int8_t *restrict x = xt + i * a->p;                                      \
                const T tv = (T)(2 * s[i]), t2 = (T)(4 * s[i]);                                \
                _Pragma("omp simd") for (int64_t mu = 0; mu < a->p; ++mu)                      \
                    mb[mu] += tv - t2 * (T)(x[mu] & 1);                                        \
            }                                                                                  \
        }                                                                                      \
        if (same || cycle) {                                                                   \
            a->status[b] = same ? 1 : 2;                                                       \
            a->sweeps[b] = a->sweep + 1;                                                       \
            return 1;                                                                          \
        }                                                                                      \
        return 0;                                                                              \
    }
SYNC_PROBE(float)
SYNC_PROBE(double)

pml_status pml_cpu_hopfield_sync(pml_device *dev, const pml_hopfield_sync_args *a)
{
    (void)dev;
    int64_t running = 0;
#pragma omp parallel for schedule(static) reduction(+ : running) if (a->batch * a->n > (1 << 16))
    for (int64_t b = 0; b < a->batch; ++b) {
        if (a->status[b] != 0) continue;
        running += !(a->dtype == PML_F32 ? sync_probe_float(a, b) : sync_probe_double(a, b));
    }
    *a->running += running;
    return PML_OK;
}

pml_status pml_cpu_hopfield_energy(pml_device *dev, const pml_hopfield_energy_args *a)
{
    (void)dev;
#pragma omp parallel for schedule(static) if (a->batch * a->k_dim > (1 << 16))
    for (int64_t b = 0; b < a->batch; ++b) {
        double q = 0.0, t = 0.0;
        for (int64_t k = 0; k < a->k_dim; ++k)
            q += at(a->u, a->dtype, b * a->k_dim + k) * at(a->v, a->dtype, b * a->k_dim + k);
        if (a->theta)
            for (int64_t i = 0; i < a->n; ++i) t += a->theta[i] * a->s[b * a->n + i];
        a->out[b] = a->scale * q + t + a->offset;
    }
    return PML_OK;
}
