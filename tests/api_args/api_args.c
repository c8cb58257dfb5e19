/* The fixture and the runner shared by every group of the api_args test (api_args.h). */
#include <ctype.h>

#include "api_args.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

static pml_tensor *tensor(pml_device *dev, pml_dtype dtype, int ndim, int64_t d0, int64_t d1)
{
    const int64_t shape[2] = {d0, d1};
    pml_tensor *t = pml_test_tensor(dev, dtype, ndim, shape, NULL);
    PML_ASSERT_OK(pml_tensor_zero(t));
    return t;
}

static pml_dataset *dataset(pml_device *dev, int rows, int cols, const uint8_t *pixels,
                            const uint8_t *labels)
{
    pml_dataset *ds = NULL;
    PML_ASSERT_OK(pml_dataset_from_host(dev, 4, rows, cols, pixels, labels, 3, &ds));
    return ds;
}

fx *fx_open(void)
{
    fx *f = calloc(1, sizeof *f);
    cr_assert(f != NULL);
    pml_test_tmpdir_create();
    f->dev = pml_test_open_cpu();
    f->dev2 = pml_test_open_cpu();
    f->a = tensor(f->dev, PML_F32, 2, 2, 3);
    f->b = tensor(f->dev, PML_F32, 2, 3, 2);
    f->c = tensor(f->dev, PML_F32, 2, 2, 2);
    f->v6 = tensor(f->dev, PML_F32, 1, 6, 0);
    f->x26 = tensor(f->dev, PML_F32, 2, 2, 6);
    f->x = tensor(f->dev, PML_F32, 2, 4, 6);
    f->y = tensor(f->dev, PML_F32, 2, 4, 3);
    f->dy = tensor(f->dev, PML_F32, 2, 4, 3);
    f->d64 = tensor(f->dev, PML_F64, 2, 2, 2);
    f->i32 = tensor(f->dev, PML_I32, 1, 4, 0);
    f->i22 = tensor(f->dev, PML_I32, 2, 2, 2);
    f->lab2 = tensor(f->dev, PML_I32, 1, 2, 0);
    f->u8 = tensor(f->dev, PML_U8, 1, 4, 0);
    f->far = tensor(f->dev2, PML_F32, 2, 2, 2);
    f->far_i32 = tensor(f->dev2, PML_I32, 1, 4, 0);

    for (int i = 0; i < 36; ++i) f->pixels[i] = (uint8_t)(7 * i);
    memcpy(f->labels, (const uint8_t[]){0, 1, 2, 1}, 4);
    memcpy(f->labels_bad, (const uint8_t[]){0, 1, 3, 1}, 4);
    f->ds = dataset(f->dev, 2, 3, f->pixels, f->labels);
    f->ds_far = dataset(f->dev2, 2, 3, f->pixels, f->labels);
    f->ds_wide = dataset(f->dev, 3, 3, f->pixels, f->labels);

    f->icfg = (pml_ising_config){4, 4, 1, 1.0, PML_ISING_METROPOLIS, 1};
    const pml_ising_config two = {4, 4, 2, 1.0, PML_ISING_METROPOLIS, 1};
    PML_ASSERT_OK(pml_ising_create(f->dev, &two, DOUBLES(2.0, 3.0), NULL, &f->ising));
    for (int i = 0; i < 32; ++i) f->spins[i] = 1;
    PML_ASSERT_OK(pml_hopfield_stripes(f->stripes, 32));
    PML_ASSERT_OK(pml_hopfield_create(f->dev, 16, f->stripes, 2, PML_HOPFIELD_HEBB, &f->hop));
    PML_ASSERT_OK(pml_hopfield_create(f->dev, 16, f->stripes, 2, PML_HOPFIELD_MODERN,
                                      &f->hop_modern));
    f->hrc = pml_hopfield_recall_defaults();
    f->hcc = pml_hopfield_capacity_defaults();
    f->hcc.n = 16;
    f->hcc.sets = 2;
    memcpy(f->hbad, f->stripes, 32);
    f->hbad[5] = 0;
    memcpy(f->bin01, (const uint8_t[]){0, 1, 1, 0}, 4);

    f->model = pml_test_model(f->dev, "dense:3", 6, 4, PML_INIT_HE, 1);
    f->layer = pml_model_layer(f->model, 0);
    PML_ASSERT_OK(pml_model_forward(f->model, f->x, 2, &f->cy));
    PML_ASSERT_OK(pml_model_create(f->dev, PML_F64, 6, 4, &f->model64));
    PML_ASSERT_OK(pml_model_add_dense(f->model64, 3, NULL, 1));
    PML_ASSERT_OK(pml_model_create(f->dev, PML_F32, 6, 4, &f->empty));
    f->auto6 = pml_test_model(f->dev, "dense:6", 6, 4, PML_INIT_HE, 1);
    f->narrow = pml_test_model(f->dev, "dense:2", 6, 4, PML_INIT_HE, 1);
    f->model_far = pml_test_model(f->dev2, "dense:3", 6, 4, PML_INIT_HE, 1);
    for (int i = 0; i < 65; ++i) strcat(f->spec65, i ? ",relu" : "relu");
    f->spec65[strlen(f->spec65) - 5] = '\0'; /* 64 items: a full model */
    f->full = pml_test_model(f->dev, f->spec65, 6, 4, PML_INIT_HE, 1);
    strcat(f->spec65, ",relu"); /* 65 items: one too many */
    memset(f->long_spec, 'x', 1000);

    const pml_optim_config sgd = pml_optim_defaults(PML_OPTIM_SGD);
    PML_ASSERT_OK(pml_optimizer_create(f->dev, &sgd, &f->opt));
    PML_ASSERT_OK(pml_optimizer_create(f->dev, &sgd, &f->opt1));
    PML_ASSERT_OK(pml_optimizer_step(f->opt1, 1, TENSORS(f->a), TENSORS(f->v6)));
    PML_ASSERT_OK(pml_train_step_classifier(&f->step_cls));
    PML_ASSERT_OK(pml_train_step_reconstruction(&f->step_rec));
    f->tc = pml_train_defaults();
    f->tc.epochs = 1;
    f->tc.batch = 2;

    f->idx_ok = (pml_idx){PML_U8, 1, {4}, f->pixels};
    snprintf(f->path, sizeof f->path, "%s", pml_test_tmppath("out.bin"));
    snprintf(f->model_path, sizeof f->model_path, "%s", pml_test_tmppath("model.safetensors"));
    snprintf(f->missing, sizeof f->missing, "%s", pml_test_tmppath("missing"));
    snprintf(f->unwritable, sizeof f->unwritable, "/nonexistent-physml-dir/out.bin");
    PML_ASSERT_OK(pml_model_save(f->model, f->model_path, NULL));
    PML_ASSERT_OK(pml_safetensors_read(f->dev, f->model_path, &f->st_model));
    PML_ASSERT_OK(pml_safetensors_read(f->dev2, f->model_path, &f->st_model_far));

    PML_ASSERT_OK(pml_rbm_create(f->dev, 6, 4, 4, 1, &f->rbm));
    PML_ASSERT_OK(pml_rbm_create(f->dev, 25, 25, 1, 1, &f->rbm_big));
    f->rh = tensor(f->dev, PML_F32, 2, 4, 4);
    f->rtc = pml_rbm_train_defaults();
    f->rtc.epochs = 1;
    f->rtc.batch = 2;
    f->rtc.monitor_rows = 0;
    f->rgo = (pml_rbm_gibbs_opts){.seed = 1, .average = 1};
    snprintf(f->rbm_path, sizeof f->rbm_path, "%s", pml_test_tmppath("rbm.safetensors"));
    snprintf(f->rbm_bad_path, sizeof f->rbm_bad_path, "%s",
             pml_test_tmppath("rbm_i32.safetensors"));
    snprintf(f->rbm_shape_path, sizeof f->rbm_shape_path, "%s",
             pml_test_tmppath("rbm_shape.safetensors"));
    PML_ASSERT_OK(pml_rbm_save(f->rbm, f->rbm_path, NULL));
    const pml_named_tensor bad[1] = {{"weight", f->i22}};
    PML_ASSERT_OK(pml_safetensors_write(f->rbm_bad_path, bad, 1, NULL));
    const pml_named_tensor shape[3] = {{"weight", f->a}, {"visible_bias", f->v6},
                                       {"hidden_bias", f->lab2}};
    PML_ASSERT_OK(pml_safetensors_write(f->rbm_shape_path, shape, 3, NULL));

    const int64_t dims23[2] = {2, 3};
    f->aec = pml_ae_defaults();
    f->aec.encoder = "dense:2";
    f->aec.decoder = "dense:6";
    PML_ASSERT_OK(pml_ae_create(f->dev, 2, dims23, 4, &f->aec, 1, &f->ae));
    pml_ae_config vc = f->aec;
    vc.encoder = "dense:4";
    vc.vae = 1;
    PML_ASSERT_OK(pml_ae_create(f->dev, 2, dims23, 4, &vc, 1, &f->vae));
    snprintf(f->ae_path, sizeof f->ae_path, "%s", pml_test_tmppath("ae.safetensors"));
    snprintf(f->vae_path, sizeof f->vae_path, "%s", pml_test_tmppath("vae.safetensors"));
    snprintf(f->ae_mismatch_path, sizeof f->ae_mismatch_path, "%s",
             pml_test_tmppath("ae_mismatch.safetensors"));
    snprintf(f->ae_meta_path, sizeof f->ae_meta_path, "%s",
             pml_test_tmppath("ae_meta.safetensors"));
    PML_ASSERT_OK(pml_ae_save(f->ae, f->ae_path));
    PML_ASSERT_OK(pml_ae_save(f->vae, f->vae_path));
#define AE_META(vae)                                                                       \
    STRINGS("physml_ae_encoder", "dense:2", "physml_ae_decoder", "dense:6", "physml_ae_vae",  \
            vae, "physml_ae_loss", "bce_logits", "physml_ae_beta", "1", "physml_ae_sigma", "1", \
            "physml_ae_latent", "2", NULL)
    PML_ASSERT_OK(pml_model_save(f->auto6, f->ae_mismatch_path, AE_META("0")));
    PML_ASSERT_OK(pml_model_save(f->auto6, f->ae_meta_path, AE_META("maybe")));
#undef AE_META
    return f;
}

void fx_reset(fx *f)
{
    pml_device_close(f->out_dev);
    pml_tensor_destroy(f->out_t);
    pml_dataset_destroy(f->out_ds);
    pml_dataset_destroy(f->out_ds2);
    pml_ising_destroy(f->out_ising);
    pml_hopfield_destroy(f->out_hop);
    pml_model_destroy(f->out_model);
    pml_optimizer_destroy(f->out_opt);
    pml_train_step_destroy(f->out_step);
    pml_idx_free(&f->idx);
    pml_safetensors_free(&f->st);
    pml_train_result_free(&f->res);
    memset(&f->res, 0, sizeof f->res); /* pml_train_result_free clears only the history */
    pml_rbm_destroy(f->out_rbm);
    pml_rbm_train_result_free(&f->rres);
    pml_ae_destroy(f->out_ae);
    f->out_dev = NULL;
    f->out_t = NULL;
    f->out_ds = f->out_ds2 = NULL;
    f->out_ising = NULL;
    f->out_hop = NULL;
    f->out_model = NULL;
    f->out_opt = NULL;
    f->out_step = NULL;
    f->out_rbm = NULL;
    f->out_ae = NULL;
}

const char *fx_leftover(const fx *f)
{
    if (f->out_dev) return "a device";
    if (f->out_t) return "a tensor";
    if (f->out_ds || f->out_ds2) return "a dataset";
    if (f->out_ising) return "an Ising batch";
    if (f->out_hop) return "a Hopfield network";
    if (f->out_model) return "a model";
    if (f->out_opt) return "an optimizer";
    if (f->out_step) return "a training step";
    if (f->idx.data || f->idx.ndim) return "IDX data";
    if (f->st.count || f->st.names || f->st.tensors || f->st.meta_count) return "safetensors";
    if (f->res.history || f->res.epochs_run) return "a training history";
    if (f->out_rbm) return "an RBM";
    if (f->rres.history || f->rres.betas || f->rres.pt_accept || f->rres.epochs_run)
        return "an RBM training result";
    if (f->out_ae) return "an autoencoder";
    return "";
}

void fx_close(fx *f)
{
    fx_reset(f);
    pml_ae_destroy(f->ae);
    pml_ae_destroy(f->vae);
    pml_safetensors_free(&f->st_model);
    pml_safetensors_free(&f->st_model_far);
    pml_rbm_destroy(f->rbm);
    pml_rbm_destroy(f->rbm_big);
    pml_tensor_destroy(f->rh);
    pml_optimizer_destroy(f->opt);
    pml_optimizer_destroy(f->opt1);
    pml_train_step_destroy(f->step_cls);
    pml_train_step_destroy(f->step_rec);
    pml_model_destroy(f->model);
    pml_model_destroy(f->model64);
    pml_model_destroy(f->empty);
    pml_model_destroy(f->auto6);
    pml_model_destroy(f->narrow);
    pml_model_destroy(f->model_far);
    pml_model_destroy(f->full);
    pml_ising_destroy(f->ising);
    pml_hopfield_destroy(f->hop);
    pml_hopfield_destroy(f->hop_modern);
    pml_dataset_destroy(f->ds);
    pml_dataset_destroy(f->ds_far);
    pml_dataset_destroy(f->ds_wide);
    pml_tensor *ts[] = {f->a,   f->b,   f->c,    f->v6,   f->x26, f->x,   f->y,      f->dy,
                        f->d64, f->i32, f->i22, f->lab2, f->u8,  f->far, f->far_i32};
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; ++i) pml_tensor_destroy(ts[i]);
    pml_device_close(f->dev);
    pml_device_close(f->dev2);
    pml_test_tmpdir_remove();
    free(f);
}

int ident_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* Whether `text` contains the identifier `fn` (not as part of a longer name), and with
 * `call` set, followed by '(' . */
static int mentions(const char *text, const char *fn, int call)
{
    const size_t n = strlen(fn);
    for (const char *p = strstr(text, fn); p; p = strstr(p + 1, fn)) {
        if ((p > text && ident_char(p[-1])) || ident_char(p[n])) continue;
        const char *q = p + n;
        while (*q == ' ') ++q;
        if (!call || *q == '(') return 1;
    }
    return 0;
}

void run_group(const group *g)
{
    fx *f = fx_open();
    for (int i = 0; g->status[i].fn != NULL; ++i) {
        const status_case *c = &g->status[i];
        cr_expect(mentions(c->expanded, c->fn, 1), "%s: case filed under %s", c->call, c->fn);
        pml_clear_error();
        const pml_status s = g->run_status(f, i);
        const char *msg = pml_last_error();
        cr_expect_eq(s, c->want, "%s -> %s, want %s (message: '%s')", c->call,
                     pml_status_string(s), pml_status_string(c->want), msg);
        if (c->want != PML_OK && s != PML_OK) {
            cr_expect(mentions(msg, c->fn, 0), "%s: the message does not name %s: '%s'", c->call,
                      c->fn, msg);
            const char *left = fx_leftover(f);
            cr_expect(left[0] == '\0', "%s failed but handed back %s", c->call, left);
        }
        fx_reset(f);
    }
    for (int i = 0; g->checks[i].fn != NULL; ++i) {
        const check_case *c = &g->checks[i];
        cr_expect(mentions(c->call, c->fn, 1), "%s: check filed under %s", c->call, c->fn);
        cr_expect(g->run_check(f, i), "%s: not true", c->call);
    }
    fx_close(f);
#if defined(__SANITIZE_ADDRESS__)
    /* Criterion ignores a leak report at the worker's exit, so look now: with the fixture
     * gone, anything still allocated was lost by a call above. */
    cr_expect(__lsan_do_recoverable_leak_check() == 0,
              "%s: memory leaked (LeakSanitizer's report above names the allocation)", g->header);
#endif
}
