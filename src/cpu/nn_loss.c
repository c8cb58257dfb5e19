/* Losses with their gradients, one row (example) at a time: the reference (the table's kernel
 * is nn_loss_fast.c, which comes here for all but F32 cross-entropy on logits). Contract:
 * pml_nn_loss_args in src/ops/nn_ops.h. Row losses are summed in double; softmax cross-entropy subtracts the
 * row maximum before exponentiating (log-sum-exp), so large logits do not overflow, and
 * binary cross-entropy on logits is max(z, 0) - z t + log(1 + e^-|z|), finite for any z. */
#include <math.h>

#include "cpu/cpu.h"

#define BCE_EPS 1e-7

#define DEFINE_LOSS(T, SUF, EXP, LOG, LOG1P)                                                         \
    static void loss_##SUF(pml_loss_kind kind, int64_t rows, int64_t cols, const T *y,       \
                           const int32_t *labels, const T *targets, double gs, T *dy,         \
                           double scale, double offset, double *row_out, double *loss_sum,    \
                           int64_t *correct)                                                  \
    {                                                                                         \
        double total = 0.0;                                                                   \
        int64_t hits = 0;                                                                     \
        for (int64_t r = 0; r < rows; ++r) {                                                  \
            const T *yr = y + r * cols;                                                       \
            T *dyr = dy ? dy + r * cols : NULL;                                               \
            int32_t lab = labels ? labels[r] : -1;                                            \
            double row = 0.0;                                                                 \
            if (labels) {                                                                     \
                int64_t best = 0;                                                             \
                for (int64_t j = 1; j < cols; ++j)                                            \
                    if (yr[j] > yr[best]) best = j;                                           \
                hits += best == lab;                                                          \
            }                                                                                 \
            switch (kind) {                                                                   \
            case PML_LOSS_MSE:                                                                \
            case PML_LOSS_MSE_HALF: {                                                         \
                double c = kind == PML_LOSS_MSE ? 1.0 / (double)cols : 0.5;                    \
                T g = (T)(gs * 2.0 * c);                                                      \
                for (int64_t j = 0; j < cols; ++j) {                                          \
                    T t = labels ? (T)(j == lab) : targets[r * cols + j];                     \
                    T d = yr[j] - t;                                                          \
                    row += (double)d * (double)d;                                             \
                    if (dyr) dyr[j] = g * d;                                                  \
                }                                                                             \
                row *= c;                                                                     \
                break;                                                                        \
            }                                                                                 \
            case PML_LOSS_SOFTMAX_XENT: {                                                     \
                T mx = yr[0];                                                                 \
                for (int64_t j = 1; j < cols; ++j) mx = yr[j] > mx ? yr[j] : mx;              \
                T s = 0;                                                                      \
                for (int64_t j = 0; j < cols; ++j) s += EXP(yr[j] - mx);                      \
                T lse = mx + LOG(s);                                                          \
                /* a label outside [0, cols): NaN, which training reports; no stray read */  \
                row = lab >= 0 && lab < cols ? (double)(lse - yr[lab]) : NAN;                  \
                if (dyr)                                                                      \
                    for (int64_t j = 0; j < cols; ++j)                                        \
                        dyr[j] = (T)gs * (EXP(yr[j] - lse) - (T)(j == lab));                  \
                break;                                                                        \
            }                                                                                 \
            case PML_LOSS_BCE: {                                                              \
                for (int64_t j = 0; j < cols; ++j) {                                          \
                    T t = labels ? (T)(j == lab) : targets[r * cols + j];                     \
                    T p = yr[j];                                                              \
                    p = p < (T)BCE_EPS ? (T)BCE_EPS : (p > (T)(1 - BCE_EPS) ? (T)(1 - BCE_EPS) : p); \
                    row -= (double)(t * LOG(p) + ((T)1 - t) * LOG((T)1 - p));                 \
                    if (dyr) dyr[j] = (T)gs * (p - t) / (p * ((T)1 - p));                     \
                }                                                                             \
                break;                                                                        \
            }                                                                                 \
            case PML_LOSS_BCE_LOGITS: {                                                       \
                for (int64_t j = 0; j < cols; ++j) {                                          \
                    T t = labels ? (T)(j == lab) : targets[r * cols + j];                     \
                    T z = yr[j];                                                              \
                    T e = EXP(z < (T)0 ? z : -z); /* e^-|z|, once for both */                 \
                    row += (double)((z > (T)0 ? z : (T)0) - z * t + LOG1P(e));                \
                    if (dyr) {                                                                \
                        T p = z >= (T)0 ? (T)1 / ((T)1 + e) : e / ((T)1 + e);                 \
                        dyr[j] = (T)gs * (p - t);                                             \
                    }                                                                         \
                }                                                                             \
                break;                                                                        \
            }                                                                                 \
            }                                                                                 \
            row = row * scale + offset;                                                       \
            if (row_out) row_out[r] = row;                                                    \
            total += row;                                                                     \
        }                                                                                     \
        *loss_sum = total;                                                                    \
        if (correct) *correct = hits;                                                         \
    }

DEFINE_LOSS(float, f32, expf, logf, log1pf)
DEFINE_LOSS(double, f64, exp, log, log1p)

pml_status pml_cpu_nn_loss_ref(pml_device *dev, const pml_nn_loss_args *a)
{
    (void)dev;
    double sum = 0.0;
    int64_t hits = 0;
    const double scale = pml_cpu_loss_row_scale(a);
    if (a->dtype == PML_F32)
        loss_f32(a->kind, a->rows, a->cols, (const float *)a->y, a->labels,
                 (const float *)a->targets, a->grad_scale, (float *)a->dy, scale, a->row_offset,
                 a->row_out, &sum, &hits);
    else
        loss_f64(a->kind, a->rows, a->cols, (const double *)a->y, a->labels,
                 (const double *)a->targets, a->grad_scale, (double *)a->dy, scale,
                 a->row_offset, a->row_out, &sum, &hits);
    pml_cpu_loss_totals(a, sum, hits);
    return PML_OK;
}

double pml_cpu_loss_row_scale(const pml_nn_loss_args *a)
{
    return a->row_scale == 0.0 ? 1.0 : a->row_scale;
}

void pml_cpu_loss_totals(const pml_nn_loss_args *a, double sum, int64_t hits)
{
    a->out[0] = sum;
    a->out[1] = (double)hits;
    if (a->nonfinite && !isfinite(sum)) *a->nonfinite = 1;
}
