/* The convolution's epilogue and prologue: rows <-> NCHW with the bias and the activation
 * folded in, the per-channel bias pass and the per-channel sums. Contract:
 * src/ops/conv_ops.h. Plain loops, one sample per iteration: these are the reference the CUDA
 * kernels are checked against. */
#include "cpu/cpu.h"
#include "ops/conv_ops.h"

#define PAR_IF _Pragma("omp parallel for schedule(static) if (work > (1 << 18))")

#define DEFINE_CHW(T, SUF)                                                                   \
    static void to_chw_##SUF(const pml_conv_to_chw_args *a)                                  \
    {                                                                                        \
        const T *rows = (const T *)a->rows, *bias = (const T *)a->bias;                      \
        T *y = (T *)a->y;                                                                    \
        const int64_t C = a->c, P = a->plane;                                                \
        const int64_t work = a->batch * C * P;                                               \
        PAR_IF                                                             \
        for (int64_t b = 0; b < a->batch; ++b)                                               \
            for (int64_t q = 0; q < P; ++q) {                                                \
                const T *r = rows + (b * P + q) * C;                                         \
                for (int64_t ch = 0; ch < C; ++ch)                                           \
                    y[(b * C + ch) * P + q] =                                                \
                        pml_nn_act_##SUF(a->act, r[ch] + (bias ? bias[ch] : (T)0), (T)a->alpha); \
            }                                                                                \
    }                                                                                        \
    static void from_chw_##SUF(const pml_conv_from_chw_args *a)                              \
    {                                                                                        \
        const T *y = (const T *)a->y, *dy = (const T *)a->dy;                                \
        T *rows = (T *)a->rows;                                                              \
        const int64_t C = a->c, P = a->plane;                                                \
        const int64_t work = a->batch * C * P;                                               \
        PAR_IF                                                             \
        for (int64_t b = 0; b < a->batch; ++b)                                               \
            for (int64_t q = 0; q < P; ++q) {                                                \
                T *r = rows + (b * P + q) * C;                                               \
                for (int64_t ch = 0; ch < C; ++ch) {                                         \
                    const int64_t i = (b * C + ch) * P + q;                                  \
                    r[ch] = y ? pml_nn_act_grad_##SUF(a->act, y[i], dy[i], (T)a->alpha) : dy[i]; \
                }                                                                            \
            }                                                                                \
    }                                                                                        \
    static void bias_act_##SUF(const pml_conv_bias_act_args *a)                              \
    {                                                                                        \
        const T *bias = (const T *)a->bias;                                                  \
        T *y = (T *)a->y;                                                                    \
        const int64_t C = a->c, P = a->plane;                                                \
        const int64_t work = a->batch * C * P;                                               \
        PAR_IF                                                             \
        for (int64_t bc = 0; bc < a->batch * C; ++bc) {                                      \
            const T add = bias ? bias[bc % C] : (T)0;                                        \
            for (int64_t q = 0; q < P; ++q)                                                  \
                y[bc * P + q] = pml_nn_act_##SUF(a->act, y[bc * P + q] + add, (T)a->alpha);  \
        }                                                                                    \
    }                                                                                        \
    static void channel_sum_##SUF(const pml_conv_channel_sum_args *a)                        \
    {                                                                                        \
        const T *x = (const T *)a->x;                                                        \
        T *sum = (T *)a->sum;                                                                \
        const int64_t C = a->c, P = a->plane;                                                \
        const int64_t work = a->batch * C * P;                                               \
        PAR_IF                                                             \
        for (int64_t ch = 0; ch < C; ++ch) {                                                 \
            T s = 0;                                                                         \
            for (int64_t b = 0; b < a->batch; ++b)                                           \
                for (int64_t q = 0; q < P; ++q) s += x[(b * C + ch) * P + q];                \
            sum[ch] = s;                                                                     \
        }                                                                                    \
    }

DEFINE_CHW(float, f32)
DEFINE_CHW(double, f64)

#define DISPATCH(name, args_t)                                                               \
    pml_status pml_cpu_conv_##name(pml_device *dev, const args_t *a)                         \
    {                                                                                        \
        (void)dev;                                                                           \
        if (a->dtype == PML_F32) name##_f32(a);                                              \
        else name##_f64(a);                                                                  \
        return PML_OK;                                                                       \
    }
DISPATCH(to_chw, pml_conv_to_chw_args)
DISPATCH(from_chw, pml_conv_from_chw_args)
DISPATCH(bias_act, pml_conv_bias_act_args)
DISPATCH(channel_sum, pml_conv_channel_sum_args)
