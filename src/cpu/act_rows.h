/* An elementwise activation and its derivative along a contiguous run, for the CPU kernels that
 * apply one inside another pass (the convolution's epilogue and prologue, batch norm): the
 * switch once per run, the common cases as vectorised loops (built for AVX-512, AVX2 and the
 * baseline), the rest through the per-element bodies of src/ops/nn_ops.h. Static in every file
 * that includes it, as functions with clones must be. */
#ifndef PML_CPU_ACT_ROWS_H
#define PML_CPU_ACT_ROWS_H

#include "cpu/simd.h"
#include "ops/nn_ops.h"

#define PML_DEFINE_ACT_ROWS(T, SUF)                                                          \
    /* v[i] = act(v[i]), i < n */                                                           \
    PML_SIMD_CLONES                                                                          \
    static void pml_act_row_##SUF(pml_activation act, T alpha, T *restrict v, int64_t n)     \
    {                                                                                        \
        switch (act) {                                                                       \
        case PML_ACT_IDENTITY: break;                                                        \
        case PML_ACT_RELU:                                                                   \
            _Pragma("omp simd")                                                              \
            for (int64_t i = 0; i < n; ++i) v[i] = v[i] > 0 ? v[i] : (T)0;                   \
            break;                                                                           \
        default:                                                                             \
            for (int64_t i = 0; i < n; ++i) v[i] = pml_nn_act_##SUF(act, v[i], alpha);       \
        }                                                                                    \
    }                                                                                        \
    /* dz[i] = dy[i] act'(y[i]), i < n (y NULL: identity) */                                 \
    PML_SIMD_CLONES                                                                          \
    static void pml_act_grad_row_##SUF(pml_activation act, T alpha, const T *restrict y,     \
                                       const T *restrict dy, T *restrict dz, int64_t n)      \
    {                                                                                        \
        if (y == NULL || act == PML_ACT_IDENTITY) {                                          \
            _Pragma("omp simd")                                                              \
            for (int64_t i = 0; i < n; ++i) dz[i] = dy[i];                                   \
        } else if (act == PML_ACT_RELU) {                                                    \
            _Pragma("omp simd")                                                              \
            for (int64_t i = 0; i < n; ++i) dz[i] = y[i] > 0 ? dy[i] : (T)0;                 \
        } else {                                                                             \
            for (int64_t i = 0; i < n; ++i)                                                  \
                dz[i] = pml_nn_act_grad_##SUF(act, y[i], dy[i], alpha);                      \
        }                                                                                    \
    }

#endif
