/* The CPU backend's ops table and device set-up. */
#include <stdio.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cpu/cpu.h"

/* Every table of the CPU backend, here and nowhere else. */
static const struct pml_ising_ops cpu_ising = {
    .sweeps = pml_cpu_ising_sweeps,
    .sw = pml_cpu_ising_sw,
    .wolff = pml_cpu_ising_wolff,
};

static const struct pml_nn_ops cpu_nn = {
    .bias_act = pml_cpu_nn_bias_act,
    .act_backward = pml_cpu_nn_act_backward,
    .col_sum = pml_cpu_nn_col_sum,
    .loss = pml_cpu_nn_loss,
    .argmax = pml_cpu_nn_argmax,
};

static const struct pml_optim_ops cpu_optim = {
    .sgd = pml_cpu_sgd,
    .adam = pml_cpu_adam,
};

static const struct pml_data_ops cpu_data = {
    .batch = pml_cpu_data_batch,
    .gather_rows = pml_cpu_data_gather,
};

static const struct pml_vae_ops cpu_vae = {
    .reparam = pml_cpu_vae_reparam,
    .reparam_backward = pml_cpu_vae_reparam_backward,
    .add_kl = pml_cpu_vae_add_kl,
};

static const struct pml_conv_ops cpu_conv = {
    .im2col = pml_cpu_im2col,
    .col2im = pml_cpu_col2im,
    .to_chw = pml_cpu_conv_to_chw,
    .from_chw = pml_cpu_conv_from_chw,
    .bias_act = pml_cpu_conv_bias_act,
    .channel_sum = pml_cpu_conv_channel_sum,
    .phases = pml_cpu_conv_phases,
    .direct_forward = pml_cpu_conv_direct_forward,
    .direct_backward_data = pml_cpu_conv_direct_backward_data,
    .direct_backward_weight = pml_cpu_conv_direct_backward_weight,
    .pool = pml_cpu_pool,
    .pool_backward = pml_cpu_pool_backward,
    .dropout = pml_cpu_dropout,
    .bn_forward = pml_cpu_bn_forward,
    .bn_backward = pml_cpu_bn_backward,
};

static const struct pml_rbm_ops cpu_rbm = {
    .sample = pml_cpu_rbm_sample,
    .free_energy = pml_cpu_rbm_free,
    .energy = pml_cpu_rbm_energy,
    .enumerate = pml_cpu_rbm_enumerate,
    .lse = pml_cpu_rbm_lse,
    .flip = pml_cpu_rbm_flip,
};

static const struct pml_hopfield_ops cpu_hopfield = {
    .convert = pml_cpu_hopfield_convert,
    .weights = pml_cpu_hopfield_weights,
    .storkey = pml_cpu_hopfield_storkey,
    .draw = pml_cpu_hopfield_draw,
    .async = pml_cpu_hopfield_async,
    .sync = pml_cpu_hopfield_sync,
    .energy = pml_cpu_hopfield_energy,
    .softmax = pml_cpu_hopfield_softmax,
    .modern = pml_cpu_hopfield_modern,
};

static void cpu_close(pml_device *dev) { (void)dev; }

static pml_status cpu_capability(const pml_device *dev, int *major, int *minor)
{
    (void)dev;
    *major = *minor = 0;
    return PML_OK;
}

static const struct pml_backend_ops cpu_backend = {
    .name = "cpu",
    .host_memory = 1,
    .close = cpu_close,
    .capability = cpu_capability,
    .memory_info = pml_cpu_memory_info,
    .synchronize = pml_cpu_synchronize,
    .alloc = pml_cpu_alloc,
    .release = pml_cpu_release,
    .upload = pml_cpu_upload,
    .download = pml_cpu_download,
    .copy = pml_cpu_copy,
    .memzero = pml_cpu_memzero,
    .fill = pml_cpu_fill,
    .rand = pml_cpu_rand,
    .gemm = pml_cpu_gemm,
    .axpy = pml_cpu_axpy,
    .scale = pml_cpu_scale,
    .sum = pml_cpu_sum,
    .ising = &cpu_ising,
    .nn = &cpu_nn,
    .optim = &cpu_optim,
    .data = &cpu_data,
    .hopfield = &cpu_hopfield,
    .rbm = &cpu_rbm,
    .conv = &cpu_conv,
    .vae = &cpu_vae,
};

static void cpu_model_name(char *buf, size_t n)
{
    snprintf(buf, n, "CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            const char *p = strchr(line, ':');
            if (p) {
                p += 1 + (p[1] == ' ');
                snprintf(buf, n, "%s", p);
                buf[strcspn(buf, "\n")] = '\0';
            }
            break;
        }
    }
    fclose(f);
}

/* One CPU device: all cores through OpenMP. */
static int cpu_count(void) { return 1; }

static pml_status cpu_open(pml_device *dev, int ordinal)
{
    (void)ordinal;
    dev->kind = PML_DEVICE_CPU;
    dev->ordinal = -1;
    snprintf(dev->spec, sizeof dev->spec, "cpu");
    cpu_model_name(dev->name, sizeof dev->name);
#ifdef _OPENMP
    dev->parallelism = omp_get_max_threads();
#else
    dev->parallelism = 1;
#endif
    dev->ops = &cpu_backend;
    return PML_OK;
}

static pml_status cpu_query(int ordinal, pml_device_info *info)
{
    (void)ordinal;
    memset(info, 0, sizeof *info);
    info->kind = PML_DEVICE_CPU;
    info->ordinal = -1;
    cpu_model_name(info->name, sizeof info->name);
    size_t free_bytes = 0;
    return pml_cpu_memory_info(NULL, &info->memory_bytes, &free_bytes);
}

const pml_backend_reg pml_cpu_backend_reg = {
    .kind = PML_DEVICE_CPU,
    .count = cpu_count,
    .open = cpu_open,
    .query = cpu_query,
};
