/* The CPU backend's ops table and device set-up. */
#include <stdio.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cpu/cpu.h"
#include "data/data_ops.h"
#include "ising/ising_ops.h"
#include "nn/nn_ops.h"

const struct pml_backend_ops pml_cpu_backend = {
    .name = "cpu",
    .alloc = pml_cpu_alloc,
    .release = pml_cpu_release,
    .upload = pml_cpu_upload,
    .download = pml_cpu_download,
    .copy = pml_cpu_copy,
    .memzero = pml_cpu_memzero,
    .synchronize = pml_cpu_synchronize,
    .memory_info = pml_cpu_memory_info,
    .fill = pml_cpu_fill,
    .rand_u32 = pml_cpu_rand_u32,
    .rand_uniform = pml_cpu_rand_uniform,
    .rand_normal = pml_cpu_rand_normal,
    .gemm = pml_cpu_gemm,
    .axpy = pml_cpu_axpy,
    .scale = pml_cpu_scale,
    .sum = pml_cpu_sum,

    .ising = &pml_cpu_ising_ops,

    .nn = &pml_cpu_nn_ops,

    .data = &pml_cpu_data_ops,
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

pml_status pml_cpu_device_init(pml_device *dev)
{
    dev->kind = PML_DEVICE_CPU;
    dev->ordinal = -1;
    snprintf(dev->spec, sizeof dev->spec, "cpu");
    cpu_model_name(dev->name, sizeof dev->name);
#ifdef _OPENMP
    dev->parallelism = omp_get_max_threads();
#else
    dev->parallelism = 1;
#endif
    dev->ops = &pml_cpu_backend;
    return PML_OK;
}

void pml_cpu_device_fini(pml_device *dev) { (void)dev; }
