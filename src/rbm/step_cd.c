/* The contrastive-divergence training step of an RBM on the library's training driver
 * (src/nn/train_step.h): CD-k, and persistent CD-k with optional parallel tempering of the
 * persistent chains. One step on a batch of B examples:
 *
 *   v0 = the batch, binarised;  ph0 = p(h|v0);  h0 ~ ph0;  pv1 = p(v|h0)
 *   loss slot: sum over rows of mean_i (v0_i - pv1_i)^2 (the reconstruction error)
 *   chains:  CD  C = B chains from v0: v ~ p(v|h), h ~ p(h|v), k times;
 *            PCD C persistent chains (per temperature) keeping (v, h): k steps each of
 *                v ~ p(v|h), h ~ p(h|v) from the kept h, then swaps of neighbouring
 *                temperatures, the chains at beta = 1 giving the statistics
 *   gradient of the mean negative log-likelihood:
 *     dW = phk^T vk / C - ph0^T v0 / B,  db = mean phk - mean ph0,  da = mean vk - mean v0
 *   one optimiser step (momentum, weight decay), guarded by the driver's NaN flag.
 *
 * The draws: data binarising (PML_RBM_STREAM_DATA) keyed by the global step and the row of
 * the batch; chain draws keyed by (seed, purpose, global step * k + t, chain). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/checkpoint.h"
#include "nn/train_step.h"
#include "physml/rng.h"
#include "rbm/rbm_step.h"

typedef struct cd_step {
    pml_train_step base;
    pml_rbm *r;
    pml_rbm_step_opts o;
    int64_t B;        /* max batch of this run */
    int64_t C, K;     /* chains per temperature, temperatures (1 without tempering) */
    double *betas;    /* K, betas[0] = 1 */
    pml_tensor *v0, *ph0, *h, *pv;    /* B x nv, B x nh, max(B, KC) x nh, B x nv */
    pml_tensor *cv, *pre_h, *pre_v;   /* KC x nv (the chains), KC x nh, KC x nv */
    pml_tensor *ch;                   /* PCD: KC x nh, the chains' hidden states */
    pml_tensor *gh, *gv;              /* nh, nv: column sums */
    pml_tensor *energy;               /* KC doubles */
    pml_tensor *row;                  /* nv: a swap's temporary */
    double *host_e;                   /* KC */
    int64_t *tries, *accepts;         /* K - 1 pairs, since begin (train.c takes differences
                                         for each epoch) */
} cd_step;

#define DATA_CHAIN0 ((uint64_t)1 << 40)

static void free_buffers(cd_step *s)
{
    pml_tensor **t[] = {&s->v0, &s->ph0, &s->h, &s->pv, &s->cv, &s->ch, &s->pre_h, &s->pre_v,
                        &s->gh, &s->gv, &s->energy, &s->row};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; ++i) {
        pml_tensor_destroy(*t[i]);
        *t[i] = NULL;
    }
}

static pml_status check(const pml_train_step *base, const char *fn, const pml_model *m,
                        pml_loss_kind loss)
{
    const cd_step *s = (const cd_step *)base;
    PML_CHECK(m == s->r->model, PML_ERR_INVALID_ARGUMENT,
              "%s: a contrastive-divergence step trains the rbm it was made for", fn);
    PML_CHECK(loss == PML_LOSS_MSE, PML_ERR_INVALID_ARGUMENT,
              "%s: the rbm step reports its reconstruction error as mse", fn);
    return PML_OK;
}

static pml_status begin(pml_train_step *base, const pml_model *m, int64_t max_batch)
{
    cd_step *s = (cd_step *)base;
    pml_rbm *r = s->r;
    (void)m;
    free_buffers(s);
    s->B = max_batch;
    s->C = s->o.method == PML_RBM_PCD ? (s->o.chains > 0 ? s->o.chains : max_batch) : max_batch;
    const int64_t KC = s->K * s->C, rows = KC > max_batch ? KC : max_batch;
    pml_device *dev = r->dev;
    pml_status st = pml_tensor_create_2d(dev, PML_F32, max_batch, r->nv, &s->v0);
    if (st == PML_OK) st = pml_tensor_create_2d(dev, PML_F32, max_batch, r->nh, &s->ph0);
    if (st == PML_OK) st = pml_tensor_create_2d(dev, PML_F32, rows, r->nh, &s->h);
    if (st == PML_OK) st = pml_tensor_create_2d(dev, PML_F32, max_batch, r->nv, &s->pv);
    if (st == PML_OK) st = pml_tensor_create_2d(dev, PML_F32, KC, r->nv, &s->cv);
    if (st == PML_OK) st = pml_tensor_create_2d(dev, PML_F32, rows, r->nh, &s->pre_h);
    if (st == PML_OK) st = pml_tensor_create_2d(dev, PML_F32, rows, r->nv, &s->pre_v);
    if (st == PML_OK) st = pml_tensor_create_1d(dev, PML_F32, r->nh, &s->gh);
    if (st == PML_OK) st = pml_tensor_create_1d(dev, PML_F32, r->nv, &s->gv);
    if (st == PML_OK) st = pml_tensor_create_1d(dev, PML_F64, KC, &s->energy);
    if (st == PML_OK) st = pml_tensor_create_1d(dev, PML_F32, r->nv, &s->row);
    free(s->host_e);
    s->host_e = calloc((size_t)KC, sizeof *s->host_e);
    if (st == PML_OK && s->host_e == NULL)
        st = pml_set_error(PML_ERR_OUT_OF_MEMORY, "rbm step: host memory");
    /* Persistent chains, (v, h), start from uniform noise (replaced by a resumed
     * checkpoint's); the hidden states draw from chain numbers 2^40 .. */
    if (st == PML_OK && s->o.method == PML_RBM_PCD) {
        st = pml_tensor_create_2d(dev, PML_F32, KC, r->nh, &s->ch);
        if (st == PML_OK) st = pml_rbm_noise(dev, s->cv->data, KC, r->nv, s->o.seed, 0);
        if (st == PML_OK) st = pml_rbm_noise(dev, s->ch->data, KC, r->nh, s->o.seed, DATA_CHAIN0);
    }
    if (st != PML_OK) free_buffers(s);
    return st;
}

static void end(pml_train_step *base) { free_buffers((cd_step *)base); }

/* PCD's reconstruction error, the monitor the step reports, is estimated from the first
 * RECON_ROWS rows of each batch (the sum scaled to the batch): the chains do not need the
 * data's reconstruction, and on all rows it cost one product and a layer of logistics of the
 * six products of a PCD-1 update. CD's chains start from it, so CD reconstructs every row. */
#define RECON_ROWS 16

/* v0 from the batch, ph0 = p(h|v0); h0 ~ ph0 (into s->h) and pv = p(v|h0) for the rows the
 * reconstruction error (slot[0..1], and the NaN flag) is taken over: all (CD, whose chains
 * continue from v1 ~ pv) or the first RECON_ROWS (PCD). */
static pml_status positive(cd_step *s, const pml_step_ctx *c, const pml_batch *b, double *slot)
{
    pml_rbm *r = s->r;
    const int64_t B = b->count;
    const int cd = s->o.method == PML_RBM_CD;
    const int64_t R = cd || B < RECON_ROWS ? B : RECON_ROWS;
    PML_TRY(pml_rbm_binarize_rows(r, b->x->data, s->v0->data, B, s->o.binarize, s->o.threshold,
                                  s->o.seed, 0, b->step));
    PML_TRY(pml_rbm_pre_hidden(r, s->v0->data, B, s->pre_h));
    /* the data's rows are chains 2^40 .. of the hidden stream, apart from the persistent
     * chains 0 .. (CD continues from them: its chains are the data's rows) */
    pml_rbm_draw d = {.seed = s->o.seed, .stream = PML_RBM_STREAM_HIDDEN, .chain0 = DATA_CHAIN0,
                      .step = b->step * (uint64_t)s->o.k, .beta = 1.0};
    if (R == B) {
        PML_TRY(pml_rbm_draw_hidden(r, s->pre_h, B, &d, s->ph0->data, s->h->data));
    } else {
        PML_TRY(pml_rbm_draw_hidden(r, s->pre_h, B, &d, s->ph0->data, NULL));
        PML_TRY(pml_rbm_draw_hidden(r, s->pre_h, R, &d, NULL, s->h->data));
    }
    PML_TRY(pml_rbm_pre_visible(r, s->h->data, R, s->pre_v));
    d.stream = PML_RBM_STREAM_VISIBLE;
    PML_TRY(pml_rbm_draw_visible(r, s->pre_v, R, &d, s->pv->data, cd ? s->cv->data : NULL));
    PML_NN_OPS(r->dev, "rbm step", nn);
    const pml_nn_loss_args a = {.dtype = PML_F32, .kind = PML_LOSS_MSE, .rows = R,
                                .cols = r->nv, .y = s->pv->data, .targets = s->v0->data,
                                .grad_scale = 1.0, .out = slot, .nonfinite = c->nonfinite};
    PML_TRY(nn->loss(r->dev, &a));
    if (R == B) return PML_OK;
    const pml_scale_args sc = {PML_F64, 1, (double)B / (double)R, slot};
    return r->dev->ops->scale(r->dev, &sc);
}

/* CD's chains: Gibbs steps t0 .. t1-1 of rows [row0, row0 + rows), starting from their
 * visible states: h ~ p(h|v), v ~ p(v|h). */
static pml_status chain_steps(cd_step *s, int64_t row0, int64_t rows, double beta, uint64_t t0,
                              uint64_t t1)
{
    pml_rbm *r = s->r;
    float *v = (float *)s->cv->data + row0 * r->nv;
    float *h = (float *)s->h->data + row0 * r->nh;
    const pml_tensor ph = pml_tensor_view_of(s->pre_h, row0 * r->nh, 2, (int64_t[]){rows, r->nh});
    const pml_tensor pv = pml_tensor_view_of(s->pre_v, row0 * r->nv, 2, (int64_t[]){rows, r->nv});
    for (uint64_t t = t0; t < t1; ++t) {
        pml_rbm_draw d = {.seed = s->o.seed, .stream = PML_RBM_STREAM_HIDDEN,
                          .chain0 = (uint64_t)row0, .step = t, .beta = beta};
        PML_TRY(pml_rbm_pre_hidden(r, v, rows, (pml_tensor *)&ph));
        PML_TRY(pml_rbm_draw_hidden(r, &ph, rows, &d, NULL, h));
        PML_TRY(pml_rbm_pre_visible(r, h, rows, (pml_tensor *)&pv));
        d.stream = PML_RBM_STREAM_VISIBLE;
        PML_TRY(pml_rbm_draw_visible(r, &pv, rows, &d, NULL, v));
    }
    return PML_OK;
}

/* Persistent chains, k steps of rows [row0, row0 + rows) at inverse temperature beta from
 * their kept hidden states (as scikit-learn's are kept): v ~ p(v|h), then h ~ p(h|v) with
 * p(h|v) into s->h (the last step's: the negative statistics) and pre_h = W v left behind
 * (the tempering's energies). One product fewer per update than restarting from v. */
static pml_status pcd_steps(cd_step *s, int64_t row0, int64_t rows, double beta, uint64_t t0,
                            uint64_t t1)
{
    pml_rbm *r = s->r;
    float *v = (float *)s->cv->data + row0 * r->nv;
    float *hs = (float *)s->ch->data + row0 * r->nh;
    float *ph = (float *)s->h->data + row0 * r->nh;
    const pml_tensor preh = pml_tensor_view_of(s->pre_h, row0 * r->nh, 2, (int64_t[]){rows, r->nh});
    const pml_tensor prev = pml_tensor_view_of(s->pre_v, row0 * r->nv, 2, (int64_t[]){rows, r->nv});
    for (uint64_t t = t0; t < t1; ++t) {
        pml_rbm_draw d = {.seed = s->o.seed, .stream = PML_RBM_STREAM_VISIBLE,
                          .chain0 = (uint64_t)row0, .step = t, .beta = beta};
        PML_TRY(pml_rbm_pre_visible(r, hs, rows, (pml_tensor *)&prev));
        PML_TRY(pml_rbm_draw_visible(r, &prev, rows, &d, NULL, v));
        PML_TRY(pml_rbm_pre_hidden(r, v, rows, (pml_tensor *)&preh));
        d.stream = PML_RBM_STREAM_HIDDEN;
        PML_TRY(pml_rbm_draw_hidden(r, &preh, rows, &d, ph, hs));
    }
    return PML_OK;
}

/* Swap one row of t (n units a row) between rows x and y. */
static pml_status swap_row(cd_step *s, pml_tensor *t, int64_t n, int64_t x, int64_t y)
{
    pml_device *dev = s->r->dev;
    const size_t bytes = (size_t)n * sizeof(float);
    float *px = (float *)t->data + x * n, *py = (float *)t->data + y * n;
    PML_TRY(dev->ops->copy(dev, s->row->data, px, bytes));
    PML_TRY(dev->ops->copy(dev, px, py, bytes));
    return dev->ops->copy(dev, py, s->row->data, bytes);
}

/* Swap the states (v, h) of chain c between temperatures l and l+1. */
static pml_status swap_rows(cd_step *s, int64_t l, int64_t c)
{
    const int64_t x = l * s->C + c, y = (l + 1) * s->C + c;
    PML_TRY(swap_row(s, s->cv, s->r->nv, x, y));
    return swap_row(s, s->ch, s->r->nh, x, y);
}

/* Replica-exchange moves between neighbouring temperatures (even pairs on even steps, odd on
 * odd), each chain index c on its own: accept with min(1, exp((b_l - b_{l+1})(E_l - E_{l+1})))
 * with E the joint energy of the chain's (v, h), u from Philox (seed, SWAP | c, step * K + l). */
static pml_status tempering_swaps(cd_step *s, uint64_t step)
{
    pml_rbm *r = s->r;
    const int64_t KC = s->K * s->C;
    PML_RBM_OPS(r->dev, "rbm step", ops);
    /* pre_h holds W v of every chain from its last step (pcd_steps) */
    const pml_rbm_energy_args ea = {.v = s->cv->data, .h = s->ch->data, .pre = s->pre_h->data,
                                    .a = r->a->data, .b = r->b->data, .rows = KC,
                                    .nv = r->nv, .nh = r->nh, .out = s->energy->data};
    PML_TRY(ops->energy(r->dev, &ea));
    PML_TRY(pml_tensor_download(s->energy, s->host_e, (size_t)KC * sizeof(double)));
    for (int64_t l = (int64_t)(step & 1); l + 1 < s->K; l += 2) {
        for (int64_t c = 0; c < s->C; ++c) {
            const double el = s->host_e[l * s->C + c], em = s->host_e[(l + 1) * s->C + c];
            const double loga = (s->betas[l] - s->betas[l + 1]) * (el - em);
            const double u = pml_rng_uniform(s->o.seed, PML_RBM_STREAM_SWAP | (uint64_t)c,
                                             step * (uint64_t)s->K + (uint64_t)l);
            s->tries[l]++;
            if (loga >= 0.0 || log(u) < loga) {
                s->accepts[l]++;
                PML_TRY(swap_rows(s, l, c));
            }
        }
    }
    return PML_OK;
}

static pml_status run(pml_train_step *base, const pml_step_ctx *c, const pml_batch *b,
                      double *slot)
{
    cd_step *s = (cd_step *)base;
    pml_rbm *r = s->r;
    const int64_t B = b->count;
    PML_TRY(positive(s, c, b, slot));
    const uint64_t k = (uint64_t)s->o.k, t0 = b->step * k;
    int64_t C = s->C;
    if (s->o.method == PML_RBM_CD) {
        /* v1 is drawn; k - 1 more full steps, the first draws of step t0 being taken */
        C = B;
        if (k > 1) PML_TRY(chain_steps(s, 0, B, 1.0, t0 + 1, t0 + k));
    } else {
        for (int64_t l = 0; l < s->K; ++l)
            PML_TRY(pcd_steps(s, l * C, C, s->betas[l], t0, t0 + k));
        if (s->K > 1) PML_TRY(tempering_swaps(s, b->step));
    }
    /* negative statistics from the chains at beta = 1 (rows 0 .. C-1): phk = p(h|vk); PCD
     * without tempering has it from its last step */
    if (s->o.method == PML_RBM_CD || s->K > 1) {
        PML_TRY(pml_rbm_pre_hidden(r, s->cv->data, C, s->pre_h));
        const pml_rbm_draw d = {.beta = 1.0};
        PML_TRY(pml_rbm_draw_hidden(r, s->pre_h, C, &d, s->h->data, NULL));
    }
    pml_layer *L = r->model->layers[0];
    pml_tensor *gw = L->grad[PML_RBM_P_WEIGHT], *gb = L->grad[PML_RBM_P_HIDDEN],
               *ga = L->grad[PML_RBM_P_VISIBLE];
    PML_TRY(pml_gemm_ex(r->dev, PML_TRANS, PML_NO_TRANS, r->nh, r->nv, B, -1.0 / (double)B,
                        pml_mref(s->ph0, r->nh), pml_mref(s->v0, r->nv), 0.0, gw, 0, r->nv));
    PML_TRY(pml_gemm_ex(r->dev, PML_TRANS, PML_NO_TRANS, r->nh, r->nv, C, 1.0 / (double)C,
                        pml_mref(s->h, r->nh), pml_mref(s->cv, r->nv), 1.0, gw, 0, r->nv));
    PML_NN_OPS(r->dev, "rbm step", nn);
    const pml_nn_col_sum_args s0 = {PML_F32, B, r->nh, s->ph0->data, gb->data};
    const pml_nn_col_sum_args s1 = {PML_F32, C, r->nh, s->h->data, s->gh->data};
    const pml_nn_col_sum_args s2 = {PML_F32, B, r->nv, s->v0->data, ga->data};
    const pml_nn_col_sum_args s3 = {PML_F32, C, r->nv, s->cv->data, s->gv->data};
    PML_TRY(nn->col_sum(r->dev, &s0));
    PML_TRY(nn->col_sum(r->dev, &s1));
    PML_TRY(nn->col_sum(r->dev, &s2));
    PML_TRY(nn->col_sum(r->dev, &s3));
    const pml_scale_args sc0 = {PML_F32, r->nh, -1.0 / (double)B, gb->data};
    const pml_scale_args sc1 = {PML_F32, r->nv, -1.0 / (double)B, ga->data};
    PML_TRY(r->dev->ops->scale(r->dev, &sc0));
    PML_TRY(r->dev->ops->scale(r->dev, &sc1));
    PML_TRY(pml_axpy(r->dev, 1.0 / (double)C, s->gh, gb));
    PML_TRY(pml_axpy(r->dev, 1.0 / (double)C, s->gv, ga));
    return pml_optimizer_step_model_guarded(c->opt, c->model, c->nonfinite);
}

/* Validation: the reconstruction error of the batch, nothing changed. */
static pml_status evaluate(pml_train_step *base, const pml_step_ctx *c, const pml_batch *b,
                           double *slot)
{
    cd_step *s = (cd_step *)base;
    pml_rbm *r = s->r;
    const int64_t B = b->count;
    /* begin's buffers may not exist (pml_evaluate_step between runs): use the model's */
    PML_TRY(pml_rbm_binarize_rows(r, b->x->data, r->v1->data, B, s->o.binarize, s->o.threshold,
                                  s->o.seed, 0, b->step));
    PML_TRY(pml_rbm_pre_hidden(r, r->v1->data, B, r->pre_h));
    pml_rbm_draw d = {.seed = s->o.seed ^ 0x5A5A5A5Au, .stream = PML_RBM_STREAM_HIDDEN,
                      .step = b->step, .beta = 1.0};
    PML_TRY(pml_rbm_draw_hidden(r, r->pre_h, B, &d, NULL, r->h1->data));
    PML_TRY(pml_rbm_pre_visible(r, r->h1->data, B, r->pre_v));
    d.stream = PML_RBM_STREAM_VISIBLE;
    PML_TRY(pml_rbm_draw_visible(r, r->pre_v, B, &d, r->pre_v->data, NULL));
    PML_NN_OPS(r->dev, "rbm evaluation", nn);
    const pml_nn_loss_args a = {.dtype = PML_F32, .kind = PML_LOSS_MSE, .rows = B,
                                .cols = r->nv, .y = r->pre_v->data, .targets = r->v1->data,
                                .grad_scale = 1.0, .out = slot, .nonfinite = c->nonfinite};
    return nn->loss(r->dev, &a);
}

/* The settings that change the arithmetic of the steps, as the checkpoint records them. */
typedef struct setting {
    const char *key;
    char value[48];
} setting;

static int settings(const cd_step *s, setting out[7])
{
    const char *keys[7] = {"step.method", "step.k", "step.chains", "step.temperatures",
                           "step.pt_beta_min", "step.binarize", "step.threshold"};
    for (int i = 0; i < 7; ++i) out[i].key = keys[i];
    snprintf(out[0].value, 48, "%s", pml_rbm_method_name(s->o.method));
    snprintf(out[1].value, 48, "%d", s->o.k);
    snprintf(out[2].value, 48, "%lld", (long long)s->C);
    snprintf(out[3].value, 48, "%lld", (long long)s->K);
    snprintf(out[4].value, 48, "%.17g", s->K > 1 ? s->o.pt_beta_min : 0.0);
    snprintf(out[5].value, 48, "%s", pml_rbm_binarize_name(s->o.binarize));
    snprintf(out[6].value, 48, "%.17g", s->o.binarize == PML_RBM_THRESHOLD ? s->o.threshold : 0.0);
    return 7;
}

static pml_status save(const pml_train_step *base, pml_ckpt_out *w)
{
    const cd_step *s = (const cd_step *)base;
    setting st[7];
    const int n = settings(s, st);
    for (int i = 0; i < n; ++i) pml_ckpt_meta(w, st[i].key, "%s", st[i].value);
    if (s->o.method == PML_RBM_PCD) {
        pml_ckpt_tensor(w, s->cv, "step.chains");
        pml_ckpt_tensor(w, s->ch, "step.hidden");
    }
    return PML_OK;
}

/* A checkpoint of this run: the same settings (a resume with other ones would not continue the
 * run it claims to), then the persistent chains. */
static pml_status load(pml_train_step *base, const struct pml_safetensors *ck, const char *path)
{
    cd_step *s = (cd_step *)base;
    setting st[7];
    const int n = settings(s, st);
    for (int i = 0; i < n; ++i) {
        const char *v = pml_safetensors_meta(ck, st[i].key);
        PML_CHECK(v != NULL, PML_ERR_BAD_FORMAT, "pml_rbm_train: %s holds no %s", path, st[i].key);
        PML_CHECK(strcmp(v, st[i].value) == 0, PML_ERR_INVALID_ARGUMENT,
                  "pml_rbm_train: %s is of a run with %s = %s, this one has %s", path,
                  st[i].key + 5, v, st[i].value);
    }
    if (s->o.method != PML_RBM_PCD) return PML_OK;
    const pml_tensor *t = NULL;
    PML_TRY(pml_find_tensor("pml_rbm_train", ck, path, "step.chains", s->cv, &t));
    PML_TRY(pml_tensor_copy(s->cv, t));
    PML_TRY(pml_find_tensor("pml_rbm_train", ck, path, "step.hidden", s->ch, &t));
    return pml_tensor_copy(s->ch, t);
}

static void destroy(pml_train_step *base)
{
    cd_step *s = (cd_step *)base;
    free_buffers(s);
    free(s->betas);
    free(s->host_e);
    free(s->tries);
    free(s->accepts);
    free(s);
}

static const struct pml_train_step_vt cd_vt = {
    .check = check,
    .begin = begin,
    .end = end,
    .run = run,
    .evaluate = evaluate,
    .destroy = destroy,
    .save = save,
    .load = load,
};

pml_status pml_rbm_step_create(pml_rbm *r, const pml_rbm_step_opts *o, pml_train_step **out)
{
    cd_step *s = calloc(1, sizeof *s);
    PML_CHECK(s != NULL, PML_ERR_OUT_OF_MEMORY, "pml_rbm_train: host memory");
    s->base.vt = &cd_vt;
    s->base.name = o->method == PML_RBM_PCD ? "pcd" : "cd";
    s->r = r;
    s->o = *o;
    s->K = o->method == PML_RBM_PCD && o->pt > 1 ? o->pt : 1;
    s->betas = calloc((size_t)s->K, sizeof *s->betas);
    s->tries = calloc((size_t)s->K, sizeof *s->tries);
    s->accepts = calloc((size_t)s->K, sizeof *s->accepts);
    if (!s->betas || !s->tries || !s->accepts) {
        destroy(&s->base);
        return pml_set_error(PML_ERR_OUT_OF_MEMORY, "pml_rbm_train: host memory");
    }
    /* a geometric ladder from 1 down to beta_min */
    for (int64_t l = 0; l < s->K; ++l)
        s->betas[l] = s->K == 1 ? 1.0 : pow(o->pt_beta_min, (double)l / (double)(s->K - 1));
    *out = &s->base;
    return PML_OK;
}

void pml_rbm_step_tempering(pml_train_step *base, int64_t *k, const double **betas,
                            int64_t **tries, int64_t **accepts)
{
    cd_step *s = (cd_step *)base;
    *k = s->K;
    *betas = s->betas;
    *tries = s->tries;
    *accepts = s->accepts;
}
