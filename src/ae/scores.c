/* Per-example figures of an autoencoder over a dataset: reconstruction losses (the anomaly
 * score), and a VAE's ELBO with its terms and the importance-weighted bound (Burda, Grosse &
 * Salakhutdinov 2016). Batches of the model's max_batch in dataset order; the per-row values
 * come from the loss and reparameterisation kernels (row_out, kl_rows, logw_rows) and are
 * combined on the host in double. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ae/ae_model.h"

typedef struct buffers {
    pml_tensor *x, *labels, *rows; /* rows: F64, 3 x max_batch (recon, kl, logw) + 2 totals */
    double *host;                  /* 3 x max_batch + 2 */
} buffers;

static void bufs_free(buffers *b)
{
    pml_tensor_destroy(b->x);
    pml_tensor_destroy(b->labels);
    pml_tensor_destroy(b->rows);
    free(b->host);
    memset(b, 0, sizeof *b);
}

static pml_status bufs_make(const char *fn, pml_autoencoder *ae, buffers *b)
{
    memset(b, 0, sizeof *b);
    pml_model *m = ae->m;
    const int64_t mb = m->max_batch;
    pml_status s = pml_tensor_create_2d(m->dev, PML_F32, mb, m->in_f, &b->x);
    if (s == PML_OK) s = pml_tensor_create_1d(m->dev, PML_I32, mb, &b->labels);
    if (s == PML_OK) s = pml_tensor_create_1d(m->dev, PML_F64, 3 * mb + 2, &b->rows);
    if (s == PML_OK && (b->host = malloc((size_t)(3 * mb + 2) * sizeof *b->host)) == NULL)
        s = pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    if (s != PML_OK) bufs_free(b);
    return pml_error_within(s, fn);
}

/* The autoencoder, a dataset it takes (the driver's checks) and a scaling. */
static pml_status check(const char *fn, pml_autoencoder *ae, const pml_dataset *ds,
                        pml_scaling scaling)
{
    PML_CHECK_ARG(ae != NULL && ds != NULL, fn, "autoencoder or dataset is NULL");
    PML_TRY(pml_check_loss_scaling(fn, ae->cfg.loss, scaling));
    return pml_check_dataset(fn, ae->m, NULL, ds, "evaluation", 0);
}

/* The loss of y against the batch's inputs, one double per row into rows[0..count). */
static pml_status row_losses(pml_autoencoder *ae, const pml_tensor *y, const buffers *b,
                             int64_t count, const char *fn)
{
    PML_NN_OPS(ae->m->dev, fn, nn);
    double *dev_rows = (double *)b->rows->data;
    pml_nn_loss_args a = pml_ae_loss_args(ae, count, y->data, b->x->data, 1.0);
    a.out = dev_rows + 3 * ae->m->max_batch; /* the totals, unused */
    a.row_out = dev_rows;
    return nn->loss(ae->m->dev, &a);
}

pml_status pml_ae_scores(pml_autoencoder *ae, const pml_dataset *ds, pml_scaling scaling,
                         double *recon, int32_t *labels)
{
    static const char fn[] = "pml_ae_scores";
    PML_TRY(check(fn, ae, ds, scaling));
    PML_CHECK_ARG(recon != NULL, fn, "recon is NULL");
    buffers b;
    PML_TRY(bufs_make(fn, ae, &b));
    pml_gauss_layer *g = pml_gauss_find(ae->m, NULL);
    if (g) g->eval_sample = 0;
    const int64_t n = pml_dataset_size(ds), mb = ae->m->max_batch;
    pml_status s = PML_OK;
    for (int64_t start = 0; start < n && s == PML_OK; start += mb) {
        const int64_t count = n - start < mb ? n - start : mb;
        const pml_tensor *y = NULL;
        s = pml_dataset_batch(ds, start, count, scaling, NULL, 0, 0, b.x, b.labels);
        if (s == PML_OK) s = pml_model_forward_eval(ae->m, b.x, count, &y);
        if (s == PML_OK) s = row_losses(ae, y, &b, count, fn);
        if (s == PML_OK)
            s = pml_tensor_download(b.rows, b.host, (size_t)(3 * mb + 2) * sizeof *b.host);
        if (s == PML_OK) memcpy(recon + start, b.host, (size_t)count * sizeof *recon);
        if (s == PML_OK && labels)
            s = pml_tensor_download_head(b.labels, labels + start, (size_t)count * sizeof *labels);
    }
    bufs_free(&b);
    return pml_error_within(s, fn);
}

pml_status pml_vae_evaluate(pml_autoencoder *ae, const pml_dataset *ds, pml_scaling scaling,
                            int k, uint64_t seed, pml_vae_figures *out)
{
    static const char fn[] = "pml_vae_evaluate";
    PML_TRY(check(fn, ae, ds, scaling));
    PML_CHECK_ARG(out != NULL, fn, "out is NULL");
    PML_CHECK(ae->cfg.vae, PML_ERR_INVALID_ARGUMENT, "%s: the autoencoder is not a VAE", fn);
    PML_CHECK(k >= 1 && k <= 100000, PML_ERR_INVALID_ARGUMENT, "%s: k %d, needs 1..100000", fn,
              k);
    memset(out, 0, sizeof *out);
    pml_gauss_layer *g = pml_gauss_find(ae->m, NULL);
    buffers b;
    PML_TRY(bufs_make(fn, ae, &b));
    const int64_t n = pml_dataset_size(ds), mb = ae->m->max_batch;
    double *lmax = malloc((size_t)mb * sizeof *lmax), *lsum = malloc((size_t)mb * sizeof *lsum);
    pml_status s = lmax && lsum ? PML_OK
                                : pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    double recon = 0.0, kl = 0.0, iwae = 0.0;
    double *dev_rows = s == PML_OK ? (double *)b.rows->data : NULL;
    g->kl_rows = dev_rows ? dev_rows + mb : NULL;
    g->logw_rows = dev_rows ? dev_rows + 2 * mb : NULL;
    g->eval_sample = 1;
    g->eval_seed = seed;
    for (int64_t start = 0, batch = 0; start < n && s == PML_OK; start += mb, ++batch) {
        const int64_t count = n - start < mb ? n - start : mb;
        const pml_tensor *h = NULL;
        s = pml_dataset_batch(ds, start, count, scaling, NULL, 0, 0, b.x, b.labels);
        /* the encoder once, then k draws of z through the decoder */
        if (s == PML_OK) s = pml_model_forward_layers(fn, ae->m, 0, ae->enc_layers, b.x, count, &h);
        for (int i = 0; i < k && s == PML_OK; ++i) {
            const pml_tensor *y = NULL;
            g->eval_counter = (uint64_t)batch * (uint64_t)k + (uint64_t)i;
            s = pml_model_forward_layers(fn, ae->m, ae->enc_layers, ae->m->nlayers, h, count, &y);
            if (s == PML_OK) s = row_losses(ae, y, &b, count, fn);
            if (s == PML_OK)
                s = pml_tensor_download(b.rows, b.host, (size_t)(3 * mb + 2) * sizeof *b.host);
            for (int64_t r = 0; r < count && s == PML_OK; ++r) {
                const double rc = b.host[r], klr = b.host[mb + r];
                const double lw = -rc + b.host[2 * mb + r];
                if (i == 0) {
                    recon += rc;
                    kl += klr;
                    lmax[r] = lw;
                    lsum[r] = 1.0;
                } else if (lw > lmax[r]) {
                    lsum[r] = lsum[r] * exp(lmax[r] - lw) + 1.0;
                    lmax[r] = lw;
                } else {
                    lsum[r] += exp(lw - lmax[r]);
                }
            }
        }
        for (int64_t r = 0; r < count && s == PML_OK; ++r)
            iwae += lmax[r] + log(lsum[r] / (double)k);
    }
    g->kl_rows = g->logw_rows = NULL;
    g->eval_sample = 0;
    free(lmax);
    free(lsum);
    bufs_free(&b);
    PML_TRY(pml_error_within(s, fn));
    out->recon = recon / (double)n;
    out->kl = kl / (double)n;
    out->elbo = -(out->recon + out->kl);
    out->iwae = iwae / (double)n;
    out->k = k;
    return PML_OK;
}
