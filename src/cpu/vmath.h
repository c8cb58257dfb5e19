/* Elementary functions written so that a loop calling them vectorises (straight-line float
 * arithmetic and bit moves, no libm call, no branch): e^x for x <= 0 and log(1 + e) for
 * e in [0, 1], the two a logistic loss needs. Accuracy, measured over their whole domains
 * against double libm: 8.3e-8 relative for the exponential (Cephes' expf polynomial after a
 * Cody-Waite reduction), 2.1e-7 for log1p (2 atanh(e / (2 + e)) by its series to s^15; s <= 1/3).
 * Callers build with -fno-trapping-math, without which GCC will not if-convert the clamp. */
#ifndef PML_CPU_VMATH_H
#define PML_CPU_VMATH_H

#include <stdint.h>
#include <string.h>

static inline float pml_vm_float(int32_t i)
{
    float f;
    memcpy(&f, &i, sizeof f);
    return f;
}

static inline int32_t pml_vm_bits(float f)
{
    int32_t i;
    memcpy(&i, &f, sizeof i);
    return i;
}

/* e^x for x <= 0; below -87 it returns e^-87 (1.6e-38, where the float exponent runs out)
 * instead of the denormals and zero; NaN stays NaN. */
static inline float pml_vexpf_neg(float x)
{
    x = x < -87.0f ? -87.0f : x;
    const float shift = 12582912.0f; /* 1.5 * 2^23: adding it rounds to the nearest integer */
    float n = x * 1.44269504088896341f + shift;
    /* unsigned: a NaN's bits give a k of no meaning (the result is NaN through p), and the
     * shift and add below must not be signed overflow */
    const uint32_t k = (uint32_t)pml_vm_bits(n) - (uint32_t)pml_vm_bits(shift);
    n -= shift;
    float r = x - n * 0.693359375f; /* ln 2 in two parts (Cody-Waite) */
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    return p * pml_vm_float((int32_t)((k + 127u) << 23));
}

/* log(1 + e) for 0 <= e <= 1, as 2 atanh(s) with s = e / (2 + e) */
static inline float pml_vlog1pf_unit(float e)
{
    const float s = e / (2.0f + e), s2 = s * s;
    float p = 1.0f / 15;
    p = p * s2 + 1.0f / 13;
    p = p * s2 + 1.0f / 11;
    p = p * s2 + 1.0f / 9;
    p = p * s2 + 1.0f / 7;
    p = p * s2 + 1.0f / 5;
    p = p * s2 + 1.0f / 3;
    p = p * s2 + 1.0f;
    return 2.0f * s * p;
}

#endif
