/* Dense-layer elementwise kernels: fused bias + activation, activation backward, bias
 * gradient (column sums), argmax. Contract: src/ops/nn_ops.h. Row-major rows x cols, F32 or
 * F64; backward derivatives are computed from y = act(z). Plain loops: these are the
 * reference the CUDA kernels are checked against. Rows (or the bias gradient's column blocks)
 * go over the threads from 32K elements: a VAE's 128 x 400 passes ran on one thread while the
 * other waited. */
#include <math.h>

#include "cpu/act_rows.h"
#include "cpu/cpu.h"

PML_DEFINE_ACT_ROWS(float, f32)
PML_DEFINE_ACT_ROWS(double, f64)

#define DEFINE_ACT(T, SUF, EXP, TANH)                                                        \
    static void bias_act_##SUF(pml_activation act, T alpha, int64_t rows, int64_t cols, T *y, \
                               const T *bias)                                                 \
    {                                                                                          \
        _Pragma("omp parallel for if (rows * cols > (1 << 15))")                                        \
        for (int64_t r = 0; r < rows; ++r) {                                                   \
            T *row = y + r * cols;                                                             \
            if (bias)                                                                          \
                for (int64_t j = 0; j < cols; ++j) row[j] += bias[j];                          \
            switch (act) {                                                                     \
            case PML_ACT_IDENTITY: break;                                                      \
            case PML_ACT_RELU: /* vectorised (act_rows.h) */                                   \
                pml_act_row_##SUF(act, alpha, row, cols);                                      \
                break;                                                                         \
            case PML_ACT_LEAKY_RELU:                                                           \
                for (int64_t j = 0; j < cols; ++j) row[j] = row[j] > 0 ? row[j] : alpha * row[j]; \
                break;                                                                         \
            case PML_ACT_SIGMOID:                                                              \
                for (int64_t j = 0; j < cols; ++j) row[j] = (T)1 / ((T)1 + EXP(-row[j]));      \
                break;                                                                         \
            case PML_ACT_TANH:                                                                 \
                for (int64_t j = 0; j < cols; ++j) row[j] = TANH(row[j]);                      \
                break;                                                                         \
            case PML_ACT_SOFTMAX: {                                                            \
                T mx = row[0];                                                                 \
                for (int64_t j = 1; j < cols; ++j) mx = row[j] > mx ? row[j] : mx;             \
                T s = 0;                                                                       \
                for (int64_t j = 0; j < cols; ++j) {                                           \
                    row[j] = EXP(row[j] - mx);                                                 \
                    s += row[j];                                                               \
                }                                                                              \
                for (int64_t j = 0; j < cols; ++j) row[j] /= s;                                \
                break;                                                                         \
            }                                                                                  \
            }                                                                                  \
        }                                                                                      \
    }                                                                                          \
    static void act_backward_##SUF(pml_activation act, T alpha, int64_t rows, int64_t cols,   \
                                   const T *y, const T *dy, T *dz)                            \
    {                                                                                          \
        _Pragma("omp parallel for if (rows * cols > (1 << 15))")                                        \
        for (int64_t r = 0; r < rows; ++r) {                                                   \
            const T *yr = y + r * cols, *dyr = dy + r * cols;                                  \
            T *dzr = dz + r * cols;                                                            \
            switch (act) {                                                                     \
            case PML_ACT_IDENTITY:                                                             \
            case PML_ACT_RELU: /* vectorised (act_rows.h): the same values */                  \
                pml_act_grad_row_##SUF(act, alpha, yr, dyr, dzr, cols);                        \
                break;                                                                         \
            case PML_ACT_LEAKY_RELU:                                                           \
                for (int64_t j = 0; j < cols; ++j) dzr[j] = yr[j] > 0 ? dyr[j] : alpha * dyr[j]; \
                break;                                                                         \
            case PML_ACT_SIGMOID:                                                              \
                for (int64_t j = 0; j < cols; ++j) dzr[j] = dyr[j] * yr[j] * ((T)1 - yr[j]);   \
                break;                                                                         \
            case PML_ACT_TANH:                                                                 \
                for (int64_t j = 0; j < cols; ++j) dzr[j] = dyr[j] * ((T)1 - yr[j] * yr[j]);    \
                break;                                                                         \
            case PML_ACT_SOFTMAX: {                                                            \
                T dot = 0;                                                                     \
                for (int64_t j = 0; j < cols; ++j) dot += dyr[j] * yr[j];                      \
                for (int64_t j = 0; j < cols; ++j) dzr[j] = yr[j] * (dyr[j] - dot);            \
                break;                                                                         \
            }                                                                                  \
            }                                                                                  \
        }                                                                                      \
    }                                                                                          \
    /* columns in blocks of 64 over the threads, each summed over the rows in order: the    \
     * same sums on any thread count */                                                        \
    static void col_sum_##SUF(int64_t rows, int64_t cols, const T *dz, T *db)                 \
    {                                                                                          \
        _Pragma("omp parallel for schedule(static) if (rows * cols > (1 << 15))")             \
        for (int64_t j0 = 0; j0 < cols; j0 += 64) {                                            \
            const int64_t n = cols - j0 < 64 ? cols - j0 : 64;                                 \
            T *d = db + j0;                                                                    \
            for (int64_t j = 0; j < n; ++j) d[j] = 0;                                          \
            for (int64_t r = 0; r < rows; ++r) {                                               \
                const T *row = dz + r * cols + j0;                                             \
                for (int64_t j = 0; j < n; ++j) d[j] += row[j];                                \
            }                                                                                  \
        }                                                                                      \
    }

DEFINE_ACT(float, f32, expf, tanhf)
DEFINE_ACT(double, f64, exp, tanh)

pml_status pml_cpu_nn_bias_act(pml_device *dev, const pml_nn_bias_act_args *a)
{
    (void)dev;
    if (a->dtype == PML_F32)
        bias_act_f32(a->act, a->alpha, a->rows, a->cols, (float *)a->y, (const float *)a->bias);
    else
        bias_act_f64(a->act, (double)a->alpha, a->rows, a->cols, (double *)a->y,
                     (const double *)a->bias);
    return PML_OK;
}

pml_status pml_cpu_nn_act_backward(pml_device *dev, const pml_nn_act_backward_args *a)
{
    (void)dev;
    if (a->dtype == PML_F32)
        act_backward_f32(a->act, a->alpha, a->rows, a->cols, (const float *)a->y,
                         (const float *)a->dy, (float *)a->dz);
    else
        act_backward_f64(a->act, (double)a->alpha, a->rows, a->cols, (const double *)a->y,
                         (const double *)a->dy, (double *)a->dz);
    return PML_OK;
}

pml_status pml_cpu_nn_col_sum(pml_device *dev, const pml_nn_col_sum_args *a)
{
    (void)dev;
    if (a->dtype == PML_F32) col_sum_f32(a->rows, a->cols, (const float *)a->x, (float *)a->sum);
    else col_sum_f64(a->rows, a->cols, (const double *)a->x, (double *)a->sum);
    return PML_OK;
}

#define DEFINE_ARGMAX(T, SUF)                                                               \
    static void argmax_##SUF(int64_t rows, int64_t cols, const T *y, int32_t *out)          \
    {                                                                                        \
        for (int64_t r = 0; r < rows; ++r) {                                                 \
            const T *row = y + r * cols;                                                     \
            int64_t best = 0;                                                                \
            for (int64_t j = 1; j < cols; ++j)                                               \
                if (row[j] > row[best]) best = j;                                            \
            out[r] = (int32_t)best;                                                          \
        }                                                                                    \
    }
DEFINE_ARGMAX(float, f32)
DEFINE_ARGMAX(double, f64)

pml_status pml_cpu_nn_argmax(pml_device *dev, const pml_nn_argmax_args *a)
{
    (void)dev;
    if (a->dtype == PML_F32) argmax_f32(a->rows, a->cols, (const float *)a->y, a->out);
    else argmax_f64(a->rows, a->cols, (const double *)a->y, a->out);
    return PML_OK;
}
