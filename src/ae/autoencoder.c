/* Autoencoders: an encoder spec, for a VAE the reparameterisation layer, and a decoder spec as
 * one model; presets; encode, decode, reconstruct; training through the driver; files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "ae/ae_model.h"

pml_ae_config pml_ae_defaults(void)
{
    pml_ae_config c;
    memset(&c, 0, sizeof c);
    c.loss = PML_LOSS_BCE_LOGITS;
    c.beta = 1.0;
    c.sigma = 1.0;
    c.init = PML_INIT_HE;
    return c;
}

pml_status pml_ae_preset(const char *name, int64_t latent, int ndim, const int64_t *dims,
                         char *enc, char *dec, size_t n, int *vae)
{
    static const char fn[] = "pml_ae_preset";
    PML_CHECK_ARG(name != NULL && dims != NULL && enc != NULL && dec != NULL && vae != NULL &&
                      n > 0,
                  fn, "an argument is NULL or n is 0");
    PML_CHECK(latent >= 1 && latent <= (1 << 20), PML_ERR_INVALID_ARGUMENT,
              "%s: latent %lld, needs 1..2^20", fn, (long long)latent);
    PML_CHECK(ndim >= 1 && ndim <= 3, PML_ERR_INVALID_ARGUMENT, "%s: ndim %d, needs 1..3", fn,
              ndim);
    int64_t f = 1;
    for (int i = 0; i < ndim; ++i) {
        PML_CHECK(dims[i] >= 1 && dims[i] <= (1 << 24), PML_ERR_INVALID_ARGUMENT,
                  "%s: dimension %d is %lld", fn, i, (long long)dims[i]);
        f *= dims[i];
    }
    const int conv = strcmp(name, "conv") == 0 || strcmp(name, "convvae") == 0;
    *vae = strcmp(name, "vae") == 0 || strcmp(name, "convvae") == 0;
    const long long L = (long long)latent, code = *vae ? 2 * L : L;
    int w1, w2;
    if (strcmp(name, "dense") == 0 || strcmp(name, "vae") == 0) {
        const int hidden = *vae ? 400 : 256;
        w1 = snprintf(enc, n, "dense:%d,relu,dense:%lld", hidden, code);
        w2 = snprintf(dec, n, "dense:%d,relu,dense:%lld", hidden, (long long)f);
    } else if (conv) {
        const int64_t c = ndim == 3 ? dims[0] : 1, h = ndim == 3 ? dims[1] : ndim == 2 ? dims[0] : 0,
                      w = ndim == 3 ? dims[2] : ndim == 2 ? dims[1] : 0;
        PML_CHECK(ndim >= 2 && h % 4 == 0 && w % 4 == 0 && h >= 4 && w >= 4,
                  PML_ERR_INVALID_ARGUMENT,
                  "%s: the %s preset needs images (C x H x W) with H and W multiples of 4", fn,
                  name);
        const long long h4 = (long long)(h / 4), w4 = (long long)(w / 4);
        w1 = snprintf(enc, n,
                      "conv:16:3:stride=2:pad=1,relu,conv:32:3:stride=2:pad=1,relu,flatten,"
                      "dense:%lld",
                      code);
        w2 = snprintf(dec, n,
                      "dense:%lld,relu,unflatten:32:%lld:%lld,convt:16:3:stride=2:pad=1:outpad=1,"
                      "relu,convt:%lld:3:stride=2:pad=1:outpad=1",
                      32 * h4 * w4, h4, w4, (long long)c);
    } else {
        return pml_set_error(PML_ERR_INVALID_ARGUMENT,
                             "%s: unknown preset '%s' (dense, vae, conv, convvae)", fn, name);
    }
    PML_CHECK(w1 > 0 && (size_t)w1 < n && w2 > 0 && (size_t)w2 < n, PML_ERR_INVALID_ARGUMENT,
              "%s: the buffers (%zu bytes) are too small", fn, n);
    return PML_OK;
}

pml_init pml_ae_preset_init(const char *name)
{
    return name != NULL && strcmp(name, "vae") == 0 ? PML_INIT_XAVIER : PML_INIT_HE;
}

void pml_ae_destroy(pml_autoencoder *ae)
{
    if (ae == NULL) return;
    pml_model_destroy(ae->m);
    free(ae);
}

static pml_status check_config(const char *fn, const pml_ae_config *c)
{
    PML_CHECK_ARG(c->encoder != NULL && c->decoder != NULL, fn, "encoder or decoder is NULL");
    PML_CHECK(strlen(c->encoder) > 0 && strlen(c->encoder) < PML_AE_SPEC_MAX &&
                  strlen(c->decoder) > 0 && strlen(c->decoder) < PML_AE_SPEC_MAX,
              PML_ERR_INVALID_ARGUMENT, "%s: the encoder or decoder spec is empty or longer than "
              "%d characters", fn, PML_AE_SPEC_MAX - 1);
    if (c->vae) {
        PML_CHECK(c->loss == PML_LOSS_BCE_LOGITS || c->loss == PML_LOSS_MSE,
                  PML_ERR_INVALID_ARGUMENT,
                  "%s: loss %s: a VAE's decoder is Bernoulli (bce_logits) or Gaussian (mse)", fn,
                  pml_loss_name(c->loss));
    } else {
        PML_CHECK(c->loss == PML_LOSS_BCE_LOGITS || c->loss == PML_LOSS_MSE ||
                      c->loss == PML_LOSS_MSE_HALF || c->loss == PML_LOSS_BCE,
                  PML_ERR_INVALID_ARGUMENT,
                  "%s: loss %d: an autoencoder reconstructs with mse, mse_half, bce or bce_logits",
                  fn, (int)c->loss);
    }
    PML_CHECK(c->beta >= 0 && isfinite(c->beta), PML_ERR_INVALID_ARGUMENT,
              "%s: beta %g, needs a finite value >= 0", fn, c->beta);
    PML_CHECK(c->sigma > 0 && isfinite(c->sigma), PML_ERR_INVALID_ARGUMENT,
              "%s: sigma %g, needs a finite value > 0", fn, c->sigma);
    PML_CHECK(!(c->tied && c->vae), PML_ERR_INVALID_ARGUMENT,
              "%s: tied weights are for plain autoencoders (a VAE's encoder ends in mu and "
              "log sigma^2, twice the decoder's input)", fn);
    PML_CHECK(c->kl_warmup >= 0 && (c->vae || c->kl_warmup == 0), PML_ERR_INVALID_ARGUMENT,
              "%s: kl_warmup %lld, needs >= 0 steps, and a VAE when > 0", fn,
              (long long)c->kl_warmup);
    return PML_OK;
}

/* Tied weights: ae->dec with ":tied=I" added to its dense items, I the positions of the
 * encoder's dense layers from the last back. */
static pml_status tie_decoder(const char *fn, pml_autoencoder *ae)
{
    int pos[PML_AE_SPEC_MAX / 8], n = 0;
    for (int i = 0; i < ae->enc_layers; ++i)
        if (ae->m->layers[i]->kind == &pml_dense_kind && n < (int)(sizeof pos / sizeof pos[0]))
            pos[n++] = ae->m->layers[i]->index;
    char out[PML_AE_SPEC_MAX];
    size_t len = 0;
    int used = 0;
    for (const char *p = ae->dec; *p;) {
        const char *end = strchr(p, ',');
        const size_t il = end ? (size_t)(end - p) : strlen(p);
        /* the item's keyword, as the spec parser reads it: spaces trimmed, up to ':' */
        const char *k = p, *ke = p + il;
        while (k < ke && *k == ' ') ++k;
        while (ke > k && ke[-1] == ' ') --ke;
        const char *colon = memchr(k, ':', (size_t)(ke - k));
        if (colon) ke = colon;
        char word[32];
        snprintf(word, sizeof word, "%.*s", (int)(ke - k < 31 ? ke - k : 31), k);
        const int dense = pml_layer_kind_find(word) == &pml_dense_kind;
        char tie[24] = "";
        if (dense && used < n) snprintf(tie, sizeof tie, ":tied=%d", pos[n - 1 - used]);
        used += dense;
        const int w = snprintf(out + len, sizeof out - len, "%s%.*s%s", len ? "," : "",
                               (int)il, p, tie);
        PML_CHECK(w >= 0 && (size_t)w < sizeof out - len, PML_ERR_INVALID_ARGUMENT,
                  "%s: the decoder's spec with its ties is longer than %d characters", fn,
                  PML_AE_SPEC_MAX - 1);
        len += (size_t)w;
        p = end ? end + 1 : p + il;
    }
    PML_CHECK(used == n, PML_ERR_INVALID_ARGUMENT,
              "%s: tied weights: the decoder has %d dense layers, the encoder %d; they pair "
              "the decoder's first with the encoder's last, and so on", fn, used, n);
    snprintf(ae->dec, sizeof ae->dec, "%s", out);
    return PML_OK;
}

/* Append a spec's layers, the error naming the part ("the encoder", "the decoder"). */
static pml_status add_part(const char *fn, pml_autoencoder *ae, const char *part,
                           const char *spec, uint64_t seed)
{
    const pml_status s = pml_model_add_spec(ae->m, spec, ae->cfg.init, ae->cfg.init_sigma, seed);
    if (s == PML_OK) return PML_OK;
    char what[64];
    snprintf(what, sizeof what, "%s: %s", fn, part);
    return pml_error_within(s, what);
}

pml_status pml_ae_create(pml_device *dev, int ndim, const int64_t *dims, int64_t max_batch,
                         const pml_ae_config *cfg, uint64_t seed, pml_autoencoder **out)
{
    static const char fn[] = "pml_ae_create";
    PML_CHECK_ARG(out != NULL && cfg != NULL, fn, "out or cfg is NULL");
    *out = NULL;
    PML_TRY(check_config(fn, cfg));
    pml_autoencoder *ae = calloc(1, sizeof *ae);
    PML_CHECK(ae != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    ae->cfg = *cfg;
    snprintf(ae->enc, sizeof ae->enc, "%s", cfg->encoder);
    snprintf(ae->dec, sizeof ae->dec, "%s", cfg->decoder);
    ae->cfg.encoder = ae->enc;
    ae->cfg.decoder = ae->dec;
    pml_status s =
        pml_error_within(pml_model_create_shaped(dev, PML_F32, ndim, dims, max_batch, &ae->m), fn);
    if (s == PML_OK) s = add_part(fn, ae, "the encoder", ae->enc, seed);
    int span = 0;
    if (s == PML_OK) {
        ae->enc_layers = ae->m->nlayers;
        span = ae->m->layers[ae->enc_layers - 1]->span;
        int64_t dims_out[3];
        const int nd = pml_layer_out_shape(ae->m->layers[ae->enc_layers - 1], dims_out);
        ae->code_width = pml_model_out_features(ae->m);
        if (cfg->vae && (nd != 1 || ae->code_width % 2 != 0))
            s = pml_set_error(PML_ERR_INVALID_ARGUMENT,
                              "%s: a VAE's encoder must end in an even number of flat outputs "
                              "(mu and log sigma^2 side by side); '%s' gives %lld%s",
                              fn, ae->enc, (long long)ae->code_width,
                              nd != 1 ? " not flat" : "");
        ae->latent = cfg->vae ? ae->code_width / 2 : ae->code_width;
    }
    if (s == PML_OK && cfg->vae) s = add_part(fn, ae, "the gauss layer", "gauss", seed);
    if (s == PML_OK && cfg->tied) s = tie_decoder(fn, ae);
    if (s == PML_OK) {
        ae->dec_first = ae->m->nlayers;
        s = add_part(fn, ae, "the decoder", ae->dec, seed);
    }
    if (s == PML_OK && (ae->m->nlayers == ae->dec_first ||
                        ae->m->layers[ae->enc_layers - 1]->span != span))
        s = pml_set_error(PML_ERR_INVALID_ARGUMENT,
                          "%s: the decoder '%s' starts with an activation, which would fuse into "
                          "the encoder's last layer: end the encoder with it instead",
                          fn, ae->dec);
    if (s == PML_OK && pml_model_out_features(ae->m) != ae->m->in_f)
        s = pml_set_error(PML_ERR_INVALID_ARGUMENT,
                          "%s: the decoder gives %lld outputs, the examples have %lld elements",
                          fn, (long long)pml_model_out_features(ae->m), (long long)ae->m->in_f);
    if (s != PML_OK) {
        pml_ae_destroy(ae);
        return s;
    }
    *out = ae;
    return PML_OK;
}

pml_model *pml_ae_model(pml_autoencoder *ae) { return ae ? ae->m : NULL; }
const pml_ae_config *pml_ae_config_of(const pml_autoencoder *ae) { return ae ? &ae->cfg : NULL; }
int64_t pml_ae_latent(const pml_autoencoder *ae) { return ae ? ae->latent : 0; }
int64_t pml_ae_code_width(const pml_autoencoder *ae) { return ae ? ae->code_width : 0; }
int pml_ae_encoder_layers(const pml_autoencoder *ae) { return ae ? ae->enc_layers : 0; }
int pml_ae_decoder_first(const pml_autoencoder *ae) { return ae ? ae->dec_first : 0; }

pml_status pml_ae_encode(pml_autoencoder *ae, const pml_tensor *x, int64_t batch,
                         const pml_tensor **z)
{
    static const char fn[] = "pml_ae_encode";
    PML_CHECK_ARG(ae != NULL && x != NULL && z != NULL, fn, "autoencoder, x or z is NULL");
    return pml_model_forward_layers(fn, ae->m, 0, ae->enc_layers, x, batch, z);
}

pml_status pml_ae_decode(pml_autoencoder *ae, const pml_tensor *z, int64_t batch,
                         const pml_tensor **y)
{
    static const char fn[] = "pml_ae_decode";
    PML_CHECK_ARG(ae != NULL && z != NULL && y != NULL, fn, "autoencoder, z or y is NULL");
    return pml_model_forward_layers(fn, ae->m, ae->dec_first, ae->m->nlayers, z, batch, y);
}

pml_status pml_ae_reconstruct(pml_autoencoder *ae, const pml_tensor *x, int64_t batch,
                              const pml_tensor **y)
{
    static const char fn[] = "pml_ae_reconstruct";
    PML_CHECK_ARG(ae != NULL && x != NULL && y != NULL, fn, "autoencoder, x or y is NULL");
    pml_gauss_layer *g = pml_gauss_find(ae->m, NULL);
    if (g) g->eval_sample = 0;
    return pml_error_within(pml_model_forward_eval(ae->m, x, batch, y), fn);
}

pml_nn_loss_args pml_ae_loss_args(const pml_autoencoder *ae, int64_t rows, const void *y,
                                  const void *targets, double grad_scale)
{
    pml_nn_loss_args a;
    memset(&a, 0, sizeof a);
    a.dtype = ae->m->dtype;
    a.kind = ae->cfg.loss;
    a.rows = rows;
    a.cols = pml_model_out_features(ae->m);
    a.y = y;
    a.targets = targets;
    a.grad_scale = grad_scale;
    if (ae->cfg.vae && ae->cfg.loss == PML_LOSS_MSE) {
        /* -log N(x; y, sigma^2 I) = ||x - y||^2 / (2 sigma^2) + (n/2) log(2 pi sigma^2) */
        const double s2 = ae->cfg.sigma * ae->cfg.sigma;
        a.kind = PML_LOSS_MSE_HALF;
        a.row_scale = 1.0 / s2;
        a.row_offset = 0.5 * (double)a.cols * (1.8378770664093454836 + log(s2)); /* log 2 pi */
        a.grad_scale = grad_scale / s2;
    }
    return a;
}

double pml_ae_kl_weight(const pml_ae_config *c, uint64_t step)
{
    if (c == NULL) return NAN;
    if (c->kl_warmup <= 0 || step + 1 >= (uint64_t)c->kl_warmup) return c->beta;
    /* (beta * (k + 1)) / W: the first step's weight is beta / W exactly */
    return c->beta * (double)(step + 1) / (double)c->kl_warmup;
}

pml_status pml_ae_train(pml_autoencoder *ae, pml_optimizer *opt, pml_dataset *train,
                        const pml_dataset *val, const pml_train_config *cfg,
                        pml_train_result *result)
{
    static const char fn[] = "pml_ae_train";
    if (result) memset(result, 0, sizeof *result);
    PML_CHECK_ARG(ae != NULL && cfg != NULL, fn, "autoencoder or config is NULL");
    pml_train_config c = *cfg;
    c.loss = ae->cfg.loss;
    pml_train_step *step = NULL;
    PML_TRY(pml_error_within(pml_ae_train_step(ae, &step), fn));
    const pml_status s = pml_train_with_named(fn, ae->m, opt, step, train, val, &c, result);
    pml_train_step_destroy(step);
    return s;
}

/* ---- files -------------------------------------------------------------------------------- */
pml_status pml_ae_save(const pml_autoencoder *ae, const char *path)
{
    static const char fn[] = "pml_ae_save";
    PML_CHECK_ARG(ae != NULL && path != NULL, fn, "autoencoder or path is NULL");
    char beta[40], sigma[40], latent[32];
    snprintf(beta, sizeof beta, "%.17g", ae->cfg.beta);
    snprintf(sigma, sizeof sigma, "%.17g", ae->cfg.sigma);
    snprintf(latent, sizeof latent, "%lld", (long long)ae->latent);
    const char *meta[] = {"physml_ae_encoder", ae->enc,
                          "physml_ae_decoder", ae->dec,
                          "physml_ae_vae",     ae->cfg.vae ? "1" : "0",
                          "physml_ae_loss",    pml_loss_name(ae->cfg.loss),
                          "physml_ae_beta",    beta,
                          "physml_ae_sigma",   sigma,
                          "physml_ae_latent",  latent,
                          NULL};
    return pml_error_within(pml_model_save(ae->m, path, meta), fn);
}

pml_status pml_ae_load(pml_device *dev, const char *path, int64_t max_batch,
                       pml_autoencoder **out)
{
    static const char fn[] = "pml_ae_load";
    PML_CHECK_ARG(out != NULL && path != NULL, fn, "out or path is NULL");
    *out = NULL;
    pml_safetensors st;
    memset(&st, 0, sizeof st);
    PML_TRY(pml_error_within(pml_safetensors_read(dev, path, &st), fn));
    pml_model *file = NULL;
    pml_autoencoder *ae = NULL;
    pml_status s = pml_error_within(pml_model_from_safetensors(dev, &st, path, max_batch, &file),
                                    fn);
    pml_ae_config c = pml_ae_defaults();
    const char *vae = pml_safetensors_meta(&st, "physml_ae_vae");
    const char *loss = pml_safetensors_meta(&st, "physml_ae_loss");
    const char *beta = pml_safetensors_meta(&st, "physml_ae_beta");
    const char *sigma = pml_safetensors_meta(&st, "physml_ae_sigma");
    c.encoder = pml_safetensors_meta(&st, "physml_ae_encoder");
    c.decoder = pml_safetensors_meta(&st, "physml_ae_decoder");
    if (s == PML_OK && !(c.encoder && c.decoder && vae && loss && beta && sigma))
        s = pml_set_error(PML_ERR_BAD_FORMAT,
                          "%s: '%s' is a model but not an autoencoder's (no physml_ae_* metadata)",
                          fn, path);
    char *end1 = NULL, *end2 = NULL;
    if (s == PML_OK) {
        c.vae = strcmp(vae, "1") == 0;
        c.beta = pml_strtod_dec(beta, &end1);
        c.sigma = pml_strtod_dec(sigma, &end2);
        if (pml_loss_parse(loss, &c.loss) != PML_OK || *end1 || *end2 ||
            (strcmp(vae, "0") != 0 && !c.vae))
            s = pml_set_error(PML_ERR_BAD_FORMAT,
                              "%s: '%s': malformed physml_ae_* metadata (vae '%s', loss '%s', "
                              "beta '%s', sigma '%s')",
                              fn, path, vae, loss, beta, sigma);
    }
    if (s == PML_OK) {
        int64_t dims[3];
        const int nd = pml_model_in_shape(file, dims);
        s = pml_ae_create(dev, nd, dims, max_batch, &c, 0, &ae);
        /* a tied autoencoder's decoder spec carries its ties (tied=I) */
        if (s == PML_OK) ae->cfg.tied = strstr(ae->dec, "tied=") != NULL;
        if (s != PML_OK) {
            char why[512];
            snprintf(why, sizeof why, "%s", pml_last_error());
            s = pml_set_error(PML_ERR_BAD_FORMAT, "%s: '%s': %s", fn, path, why);
        }
    }
    if (s == PML_OK) {
        s = pml_model_copy_params(ae->m, file);
        if (s != PML_OK) {
            char why[512];
            snprintf(why, sizeof why, "%s", pml_last_error());
            s = pml_set_error(PML_ERR_BAD_FORMAT, "%s: '%s': the model does not match its "
                              "autoencoder metadata (%s)", fn, path, why);
        }
    }
    pml_model_destroy(file);
    pml_safetensors_free(&st);
    if (s != PML_OK) {
        pml_ae_destroy(ae);
        return s;
    }
    *out = ae;
    return PML_OK;
}
