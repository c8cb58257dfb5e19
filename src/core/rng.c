/* The shared Philox stream: host functions and the checked fill wrappers. */
#include <math.h>
#include "core/backend.h"
#include "core/philox.h"

void pml_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    if (ctr == NULL || key == NULL || out == NULL) return;
    pml_u32x4 c = {ctr[0], ctr[1], ctr[2], ctr[3]};
    pml_u32x4 r = pml_philox4x32_10_block(c, key[0], key[1]);
    out[0] = r.x;
    out[1] = r.y;
    out[2] = r.z;
    out[3] = r.w;
}

uint32_t pml_rng_u32(uint64_t seed, uint64_t stream, uint64_t index)
{
    return pml_philox_draw(seed, stream, index);
}

float pml_rng_uniform(uint64_t seed, uint64_t stream, uint64_t index)
{
    return pml_u32_to_uniform(pml_philox_draw(seed, stream, index));
}

float pml_rng_normal(uint64_t seed, uint64_t stream, uint64_t index)
{
    return pml_philox_normal(seed, stream, index);
}

/* The kernel call shared by the three checked wrappers below. */
static pml_status fill(const char *fn, pml_tensor *t, pml_rand_dist dist, uint64_t seed,
                       uint64_t stream, uint64_t offset, float mean, float stddev)
{
    PML_NEED_OP(t->dev, t->dev->ops->rand, fn);
    const pml_rand_args a = {dist, t->dtype, t->numel, t->data, seed, stream, offset, mean, stddev};
    return t->dev->ops->rand(t->dev, &a);
}

pml_status pml_rand_u32(pml_tensor *t, uint64_t seed, uint64_t stream, uint64_t offset)
{
    static const char fn[] = "pml_rand_u32";
    PML_TRY(pml_check_tensor(fn, "t", t));
    PML_CHECK(t->dtype == PML_U32, PML_ERR_INVALID_ARGUMENT, "%s: tensor is %s, needs u32", fn,
              pml_dtype_name(t->dtype));
    if (t->numel == 0) return PML_OK;
    return fill(fn, t, PML_RAND_U32, seed, stream, offset, 0.0f, 0.0f);
}

pml_status pml_rand_uniform(pml_tensor *t, uint64_t seed, uint64_t stream, uint64_t offset)
{
    static const char fn[] = "pml_rand_uniform";
    PML_TRY(pml_check_tensor(fn, "t", t));
    PML_CHECK(pml_dtype_is_float(t->dtype), PML_ERR_INVALID_ARGUMENT,
              "%s: tensor is %s, needs f32 or f64", fn, pml_dtype_name(t->dtype));
    if (t->numel == 0) return PML_OK;
    return fill(fn, t, PML_RAND_UNIFORM, seed, stream, offset, 0.0f, 0.0f);
}

pml_status pml_rand_normal(pml_tensor *t, uint64_t seed, uint64_t stream, uint64_t offset,
                           float mean, float stddev)
{
    static const char fn[] = "pml_rand_normal";
    PML_TRY(pml_check_tensor(fn, "t", t));
    PML_CHECK(pml_dtype_is_float(t->dtype), PML_ERR_INVALID_ARGUMENT,
              "%s: tensor is %s, needs f32 or f64", fn, pml_dtype_name(t->dtype));
    PML_CHECK(stddev >= 0.0f && isfinite(stddev) && isfinite(mean), PML_ERR_INVALID_ARGUMENT,
              "%s: mean %g, stddev %g: need finite values and stddev >= 0", fn, mean, stddev);
    if (t->numel == 0) return PML_OK;
    return fill(fn, t, PML_RAND_NORMAL, seed, stream, offset, mean, stddev);
}

uint32_t pml_u32_threshold(double p)
{
    const double t = ldexp(p, 32);
    return t >= 4294967295.0 ? 4294967295u : t <= 0 ? 0u : (uint32_t)llround(t);
}
