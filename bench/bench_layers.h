/* The per-layer breakdown of a training step that bench_cnn and bench_ae print: each layer's
 * forward and backward (training mode) and the optimiser's step, timed alone with a device
 * synchronisation after each, medians over `steps` steps of random inputs in [0, 1). Include
 * after bench_util.h. */
#ifndef PML_BENCH_LAYERS_H
#define PML_BENCH_LAYERS_H

#include "bench_util.h"
#include "nn/model.h" /* the layers' own forward and backward */

/* Prints one line per layer (JSON `{"name": name, "processor", "device", "model", "batch",
 * "layer", "forward_ms", "backward_ms", "share"}` with json) and returns the sum of the medians
 * in seconds. m takes `features` inputs; Adam steps it. */
static inline double bench_layer_breakdown(const char *prog, pml_device *dev, pml_model *m,
                                           int64_t batch, int64_t features, int steps,
                                           const char *name, const char *model, int json)
{
    pml_optimizer *o = NULL;
    pml_optim_config oc = pml_optim_defaults(PML_OPTIM_ADAM);
    BENCH_CHECK(prog, pml_optimizer_create(dev, &oc, &o));
    pml_tensor *x = NULL;
    BENCH_CHECK(prog, pml_tensor_create_2d(dev, PML_F32, batch, features, &x));
    BENCH_CHECK(prog, pml_rand_uniform(x, 1, 1, 0));
    const int L = m->nlayers;
    double *t = calloc((size_t)(2 * L + 1) * (size_t)steps, sizeof *t);
    if (t == NULL) exit(1);
    for (int s = 0; s < steps + 2; ++s) {
        const pml_tensor *in = x;
        for (int i = 0; i < L; ++i) {
            pml_layer *l = m->layers[i];
            l->training = 1;
            l->seed = 1;
            l->step = (uint64_t)s;
            const double t0 = bench_now();
            BENCH_CHECK(prog, l->vt->forward(l, in, batch, &m->ws));
            BENCH_CHECK(prog, pml_device_synchronize(dev));
            if (s >= 2) t[(size_t)(2 * i) * steps + (s - 2)] = bench_now() - t0;
            in = l->out;
        }
        const pml_tensor *g = m->layers[L - 1]->out; /* any gradient will do for timing */
        for (int i = L - 1; i >= 0; --i) {
            pml_layer *l = m->layers[i];
            const double t0 = bench_now();
            BENCH_CHECK(prog, l->vt->backward(l, i ? m->layers[i - 1]->out : x, g, m->dx[i],
                                              batch, &m->ws));
            BENCH_CHECK(prog, pml_device_synchronize(dev));
            if (s >= 2) t[(size_t)(2 * i + 1) * steps + (s - 2)] = bench_now() - t0;
            g = m->dx[i];
        }
        const double t0 = bench_now();
        BENCH_CHECK(prog, pml_optimizer_step_model(o, m));
        BENCH_CHECK(prog, pml_device_synchronize(dev));
        if (s >= 2) t[(size_t)(2 * L) * steps + (s - 2)] = bench_now() - t0;
    }
    double total = 0;
    for (int k = 0; k <= 2 * L; ++k) total += bench_median(t + (size_t)k * steps, steps);
    for (int i = 0; i <= L; ++i) {
        char d[96] = "adam step";
        if (i < L) m->layers[i]->vt->describe(m->layers[i], d, sizeof d);
        const double f = i < L ? 1e3 * t[(size_t)(2 * i) * steps + steps / 2] : 0.0;
        const double b = 1e3 * t[(size_t)(2 * i + (i < L)) * steps + steps / 2];
        if (json)
            printf("{\"name\": \"%s\", \"processor\": \"%s\", \"device\": \"%s\", \"model\": "
                   "\"%s\", \"batch\": %lld, \"layer\": \"%s\", \"forward_ms\": %.4f, "
                   "\"backward_ms\": %.4f, \"share\": %.4f}\n",
                   name, bench_cpu_name(), pml_device_spec(dev), model, (long long)batch, d, f, b,
                   (f + b) / (1e3 * total));
        else
            printf("         %-44s fwd %8.3f ms  bwd %8.3f ms  %5.1f%%\n", d, f, b,
                   100.0 * (f + b) / (1e3 * total));
    }
    free(t);
    pml_tensor_destroy(x);
    pml_optimizer_destroy(o);
    return total;
}

#endif
