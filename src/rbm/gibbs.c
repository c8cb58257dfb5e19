/* Block Gibbs sampling of chains, with clamped (observed) units for completion, and fantasy
 * particles from noise. Each step: pre = v W^T (GEMM), h ~ p(h|v); pre = h W (GEMM),
 * v ~ p(v|h); the draws keyed by (seed, purpose, step, chain, unit) (src/ops/rbm_ops.h). */
#include <stdlib.h>

#include "rbm/rbm_model.h"

pml_status pml_rbm_gibbs(pml_rbm *r, pml_tensor *v, int64_t rows, int64_t steps,
                         const pml_rbm_gibbs_opts *o)
{
    static const char fn[] = "pml_rbm_gibbs";
    PML_TRY(pml_rbm_check_rows(fn, r, rows));
    PML_TRY(pml_rbm_check_states(fn, r, v, "v", rows, r->nv));
    PML_CHECK_ARG(o != NULL, fn, "opts is NULL");
    PML_CHECK(steps >= 1 && steps <= ((int64_t)1 << 40), PML_ERR_INVALID_ARGUMENT,
              "%s: steps = %lld, needs 1 .. 2^40", fn, (long long)steps);
    PML_CHECK(o->chain0 <= PML_RBM_CHAIN_MASK - (uint64_t)rows, PML_ERR_INVALID_ARGUMENT,
              "%s: chain0 + rows must stay below 2^48", fn);
    PML_CHECK(o->step0 <= ((uint64_t)1 << 62) / pml_rbm_row_draws(r->nv > r->nh ? r->nv : r->nh)
                  - (uint64_t)steps,
              PML_ERR_INVALID_ARGUMENT, "%s: step0 + steps overflow the draw counter", fn);
    if (o->keep) PML_TRY(pml_rbm_check_states(fn, r, o->keep, "keep", rows, r->nv));
    if (o->h) PML_TRY(pml_rbm_check_states(fn, r, o->h, "h", rows, r->nh));
    if (o->pv) PML_TRY(pml_rbm_check_states(fn, r, o->pv, "pv", rows, r->nv));
    PML_CHECK(o->average >= 0, PML_ERR_INVALID_ARGUMENT, "%s: average = %lld, needs >= 0", fn,
              (long long)o->average);
    PML_CHECK(o->pv != v && o->h != v && (o->pv == NULL || o->pv != o->keep), PML_ERR_INVALID_ARGUMENT,
              "%s: pv and h must not be v or keep", fn);
    PML_CHECK(o->average_end == 0 || o->average_end >= o->step0 + (uint64_t)steps,
              PML_ERR_INVALID_ARGUMENT, "%s: steps %llu .. %llu go past average_end = %llu",
              fn, (unsigned long long)o->step0, (unsigned long long)(o->step0 + (uint64_t)steps),
              (unsigned long long)o->average_end);
    const uint64_t end = o->average_end ? o->average_end : o->step0 + (uint64_t)steps;
    const uint64_t span = o->average_end ? o->average_end : (uint64_t)steps;
    const int64_t average = o->average < 1 ? 1 : (uint64_t)o->average > span ? (int64_t)span
                                                                             : o->average;
    if (o->pv && !o->accumulate)
        PML_TRY(r->dev->ops->memzero(r->dev, o->pv->data, (size_t)(rows * r->nv) * sizeof(float)));
    float *vs = v->data;
    for (int64_t t = 0; t < steps; ++t) {
        pml_rbm_draw d = {.seed = o->seed, .stream = PML_RBM_STREAM_HIDDEN, .chain0 = o->chain0,
                          .step = o->step0 + (uint64_t)t, .beta = 1.0};
        PML_TRY(pml_rbm_pre_hidden(r, vs, rows, r->pre_h));
        PML_TRY(pml_rbm_draw_hidden(r, r->pre_h, rows, &d, NULL, r->h1->data));
        PML_TRY(pml_rbm_pre_visible(r, r->h1->data, rows, r->pre_v));
        d.stream = PML_RBM_STREAM_VISIBLE;
        d.keep = o->keep ? o->keep->data : NULL;
        d.keep_val = vs;
        const uint64_t n = o->step0 + (uint64_t)t;
        const int acc = o->pv != NULL && n < end && n + (uint64_t)average >= end;
        PML_TRY(pml_rbm_draw_visible(r, r->pre_v, rows, &d, acc ? r->v1->data : NULL, vs));
        if (acc) {
            const pml_tensor p1 = pml_tensor_view_of(r->v1, 0, 1, &(int64_t){rows * r->nv});
            pml_tensor pv = pml_tensor_view_of(o->pv, 0, 1, &(int64_t){rows * r->nv});
            PML_TRY(pml_axpy(r->dev, 1.0 / (double)average, &p1, &pv));
        }
    }
    if (o->h)
        PML_TRY(r->dev->ops->copy(r->dev, o->h->data, r->h1->data, (size_t)(rows * r->nh) * sizeof(float)));
    return PML_OK;
}

pml_status pml_rbm_sample(pml_rbm *r, pml_tensor *v, int64_t rows, int64_t steps,
                          uint64_t seed, pml_tensor *pv)
{
    static const char fn[] = "pml_rbm_sample";
    PML_TRY(pml_rbm_check_rows(fn, r, rows));
    PML_TRY(pml_rbm_check_states(fn, r, v, "v", rows, r->nv));
    PML_CHECK(steps >= 1 && steps <= ((int64_t)1 << 40), PML_ERR_INVALID_ARGUMENT,
              "%s: steps = %lld, needs 1 .. 2^40", fn, (long long)steps);
    if (pv) {
        PML_TRY(pml_rbm_check_states(fn, r, pv, "pv", rows, r->nv));
        PML_CHECK(pv != v, PML_ERR_INVALID_ARGUMENT, "%s: pv must not be v", fn);
    }
    PML_TRY(pml_rbm_noise(r->dev, v->data, rows, r->nv, seed, 0));
    const pml_rbm_gibbs_opts o = {.seed = seed, .pv = pv, .average = 1};
    return pml_error_within(pml_rbm_gibbs(r, v, rows, steps, &o), fn);
}
