/* The convolution's epilogue and prologue: channel-major z <-> NCHW with the bias and the
 * activation folded in, the per-channel bias pass and the per-channel sums. Contract:
 * src/ops/conv_ops.h. A (sample, channel) plane per iteration: each is one contiguous run on
 * both sides, the activation's switch outside the vectorised loops. */
#include "cpu/act_rows.h"
#include "cpu/cpu.h"
#include "ops/conv_ops.h"

#define PAR_IF _Pragma("omp parallel for schedule(static) if (work > (1 << 16))")

#define DEFINE_CHW(T, SUF)                                                                   \
    PML_DEFINE_ACT_ROWS(T, SUF)                                                              \
    /* y[i] = act(z[i] + add) for i < n (y may be z) */                                     \
    PML_SIMD_CLONES                                                                          \
    static void act_run_##SUF(pml_activation act, T alpha, const T *z, T *y, int64_t n, T add) \
    {                                                                                        \
        _Pragma("omp simd")                                                                  \
        for (int64_t i = 0; i < n; ++i) y[i] = z[i] + add;                                   \
        pml_act_row_##SUF(act, alpha, y, n);                                                 \
    }                                                                                        \
    PML_SIMD_CLONES                                                                          \
    static double sum_run_##SUF(const T *x, int64_t n)                                       \
    {                                                                                        \
        double r = 0;                                                                        \
        _Pragma("omp simd reduction(+ : r)")                                                 \
        for (int64_t i = 0; i < n; ++i) r += (double)x[i];                                   \
        return r;                                                                            \
    }                                                                                        \
    static void to_chw_##SUF(const pml_conv_to_chw_args *a)                                  \
    {                                                                                        \
        const T *z = (const T *)a->z, *bias = (const T *)a->bias;                            \
        const int64_t C = a->c, P = a->plane, work = a->batch * C * P;                       \
        PAR_IF                                                                               \
        for (int64_t bc = 0; bc < a->batch * C; ++bc) {                                      \
            const int64_t b = bc / C, ch = bc % C;                                           \
            act_run_##SUF(a->act, (T)a->alpha, z + (ch * a->batch + b) * P, (T *)a->y + bc * P, \
                          P, bias ? bias[ch] : (T)0);                                        \
        }                                                                                    \
    }                                                                                        \
    static void from_chw_##SUF(const pml_conv_from_chw_args *a)                              \
    {                                                                                        \
        const T *y = (const T *)a->y, *dy = (const T *)a->dy;                                \
        const int64_t C = a->c, P = a->plane, work = a->batch * C * P;                       \
        PAR_IF                                                                               \
        for (int64_t bc = 0; bc < a->batch * C; ++bc) {                                      \
            const int64_t b = bc / C, ch = bc % C;                                           \
            pml_act_grad_row_##SUF(a->act, (T)a->alpha, y ? y + bc * P : NULL, dy + bc * P,          \
                           (T *)a->dz + (ch * a->batch + b) * P, P);                         \
        }                                                                                    \
    }                                                                                        \
    static void bias_act_##SUF(const pml_conv_bias_act_args *a)                              \
    {                                                                                        \
        const T *bias = (const T *)a->bias;                                                  \
        T *y = (T *)a->y;                                                                    \
        const int64_t C = a->c, P = a->plane, work = a->batch * C * P;                       \
        PAR_IF                                                                               \
        for (int64_t bc = 0; bc < a->batch * C; ++bc)                                        \
            act_run_##SUF(a->act, (T)a->alpha, y + bc * P, y + bc * P, P,                    \
                          bias ? bias[bc % C] : (T)0);                                       \
    }                                                                                        \
    static void channel_sum_##SUF(const pml_conv_channel_sum_args *a)                        \
    {                                                                                        \
        const T *x = (const T *)a->x;                                                        \
        T *sum = (T *)a->sum;                                                                \
        const int64_t C = a->c, P = a->plane, work = a->batch * C * P;                       \
        PAR_IF                                                                               \
        for (int64_t ch = 0; ch < C; ++ch) {                                                 \
            double s = 0;                                                                    \
            for (int64_t b = 0; b < a->batch; ++b) s += sum_run_##SUF(x + (b * C + ch) * P, P); \
            sum[ch] = (T)s;                                                                  \
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
