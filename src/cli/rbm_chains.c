/* The chains of a long Gibbs run (`rbm sample`, `rbm complete`) cut into calls, with the
 * chains checkpointed between them: a killed run resumes to the pictures and numbers of the
 * uninterrupted one (pml_rbm_gibbs's average_end and accumulate make the cut invisible).
 *
 * The checkpoint is one .safetensors file: the chains' visible states "v" (chains x n_visible)
 * and, when the run averages p(v|h), the sum so far "pv"; metadata "physml_checkpoint" (the
 * format), "options" (everything that decides the run, compared on resume) and "step" (the
 * steps done). */
#include <stdlib.h>
#include <string.h>

#include "cli/rbm_cli.h"
#include "core/file.h"
#include "core/internal.h"

#define FORMAT "rbm chains 1"

/* The checkpoint `path` into v (and pv): the step it got to in *step. 0, 1 or 2 (another run's
 * file, or a damaged one: a usage error naming --resume). */
static int take(const pml_rbm_cli_chains *c, const char *path, pml_tensor *v, pml_tensor *pv,
                int64_t steps, int64_t *step)
{
    pml_safetensors st = {0};
    pml_status s = pml_safetensors_read(pml_tensor_device(v), path, &st);
    if (s != PML_OK) return s == PML_ERR_IO ? pml_cli_fail(c->cmd, "--resume", s)
                                            : pml_cli_usage(c->cmd, "resume", "%s",
                                                            pml_last_error());
    const char *format = pml_safetensors_meta(&st, "physml_checkpoint");
    const char *options = pml_safetensors_meta(&st, "options");
    const char *at = pml_safetensors_meta(&st, "step");
    const pml_tensor *sv = pml_safetensors_find(&st, "v"), *spv = pml_safetensors_find(&st, "pv");
    char *end = NULL;
    const long long k = at ? pml_strtoll_dec(at, &end) : -1;
    const int64_t rows = pml_tensor_dim(v, 0), nv = pml_tensor_dim(v, 1);
    int rc = 0;
    if (!format || strcmp(format, FORMAT) != 0 || !options) {
        rc = pml_cli_usage(c->cmd, "resume", "'%.200s' is not a checkpoint of %s", path, c->cmd);
    } else if (strcmp(options, c->options) != 0) {
        rc = pml_cli_other_run(c->cmd, path, options, c->options);
    } else if (!at || end == at || *end || k < 0) {
        rc = pml_cli_usage(c->cmd, "resume", "'%.200s': its step is damaged", path);
    } else if (k > steps) {
        rc = pml_cli_usage(c->cmd, "resume", "'%.200s' holds step %lld, past --steps %lld", path,
                           k, (long long)steps);
    } else {
        const pml_tensor *want[2] = {sv, spv};
        const char *name[2] = {"v", "pv"};
        for (int q = 0; !rc && q < (pv ? 2 : 1); ++q)
            if (!want[q] || pml_tensor_dtype(want[q]) != PML_F32 || pml_tensor_ndim(want[q]) != 2 ||
                pml_tensor_dim(want[q], 0) != rows || pml_tensor_dim(want[q], 1) != nv)
                rc = pml_cli_usage(c->cmd, "resume", "'%.200s': its tensor %s is missing or of "
                                   "another shape than %lld x %lld", path, name[q],
                                   (long long)rows, (long long)nv);
    }
    /* the states are 0 or 1, the sums finite and within the steps averaged */
    float *host = rc ? NULL : malloc((size_t)(rows * nv) * sizeof *host);
    if (!rc && !host) rc = pml_cli_fail(c->cmd, "--resume", PML_ERR_OUT_OF_MEMORY);
    if (!rc && (s = pml_tensor_download(sv, host, (size_t)(rows * nv) * sizeof *host)) != PML_OK)
        rc = pml_cli_fail(c->cmd, "--resume", s);
    for (int64_t i = 0; !rc && i < rows * nv; ++i)
        if (host[i] != 0.0f && host[i] != 1.0f)
            rc = pml_cli_usage(c->cmd, "resume", "'%.200s': a chain's state is %g, not 0 or 1",
                               path, (double)host[i]);
    if (!rc && pv && (s = pml_tensor_download(spv, host, (size_t)(rows * nv) * sizeof *host)))
        rc = pml_cli_fail(c->cmd, "--resume", s);
    for (int64_t i = 0; !rc && pv && i < rows * nv; ++i)
        if (!(host[i] >= 0.0f && host[i] <= 1.0001f))
            rc = pml_cli_usage(c->cmd, "resume", "'%.200s': an average of p(v|h) is %g", path,
                               (double)host[i]);
    if (!rc && (s = pml_tensor_copy(v, sv)) != PML_OK) rc = pml_cli_fail(c->cmd, "--resume", s);
    if (!rc && pv && (s = pml_tensor_copy(pv, spv)) != PML_OK)
        rc = pml_cli_fail(c->cmd, "--resume", s);
    if (!rc) *step = k;
    free(host);
    pml_safetensors_free(&st);
    return rc;
}

static int save(const pml_rbm_cli_chains *c, const pml_tensor *v, const pml_tensor *pv,
                int64_t step)
{
    char at[32];
    snprintf(at, sizeof at, "%lld", (long long)step);
    const char *meta[] = {"physml_checkpoint", FORMAT, "options", c->options, "step", at, NULL};
    const pml_named_tensor t[2] = {{"v", v}, {"pv", pv}};
    const pml_status s = pml_safetensors_write(c->checkpoint, t, pv ? 2 : 1, meta);
    return s == PML_OK ? 0 : pml_cli_fail(c->cmd, "--checkpoint", s);
}

int pml_rbm_cli_run_chains(const pml_rbm_cli_chains *c, pml_rbm *r, pml_tensor *v, int64_t rows,
                           int64_t steps, int noise, const pml_rbm_gibbs_opts *opts)
{
    const int has_ck = c && c->checkpoint;
    const int64_t every = has_ck && c->every > 0 ? c->every : steps;
    int64_t at = 0;
    int rc = 0;
    if (c && c->resume) {
        if ((rc = take(c, c->resume, v, opts->pv, steps, &at)) != 0) return rc;
        if (!c->quiet)
            fprintf(stderr, "physml %s: resumed at step %lld of %lld from %s\n", c->cmd,
                    (long long)at, (long long)steps, c->resume);
    }
    while (!rc && at < steps) {
        const int64_t n = steps - at < every ? steps - at : every;
        pml_status s;
        if (at == 0 && noise) { /* the chains start from noise: the first call makes it */
            s = pml_rbm_sample(r, v, rows, n, opts->seed, opts->pv);
        } else {
            pml_rbm_gibbs_opts o = *opts;
            o.step0 = (uint64_t)at;
            o.average_end = (uint64_t)steps;
            /* the first call clears the sums; a sample's single-step window needs no sum */
            o.accumulate = at > 0 && opts->average > 1;
            s = pml_rbm_gibbs(r, v, rows, n, &o);
        }
        if (s != PML_OK) return pml_cli_fail(c ? c->cmd : "rbm", "sampling", s);
        at += n;
        if (has_ck) rc = save(c, v, opts->pv, at);
    }
    return rc;
}
