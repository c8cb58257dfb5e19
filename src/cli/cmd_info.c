/* physml info: what physml was built with and the devices it finds. */
#include <string.h>

#include "cli/cli.h"

int pml_cmd_info(int argc, char **argv)
{
    int json = 0;
    const pml_opt opts[] = {
        {"json", PML_OPT_FLAG, &json, NULL, "print one JSON object"},
        {NULL, 0, NULL, NULL, NULL},
    };
    int r = pml_cli_parse("info", "info [--json]",
                          "Print the version, the CUDA and BLAS physml was built with, and every "
                          "device it can open.",
                          argc, argv, 2, opts);
    if (r) return r == 1 ? 0 : r;

    pml_device_info devs[16];
    int count = 0;
    pml_status s = pml_device_list(devs, 16, &count);
    if (s != PML_OK) return pml_cli_fail("info", "listing devices", s);
    if (count > 16) count = 16;

    if (json) {
        pml_jsonl j;
        pml_jsonl_begin(&j, stdout);
        pml_jsonl_str(&j, "version", pml_version_string());
        pml_jsonl_bool(&j, "cuda_compiled", pml_cuda_compiled());
        pml_jsonl_str(&j, "blas", pml_blas_name());
        pml_jsonl_str(&j, "blas_core", pml_blas_core());
        pml_jsonl_str(&j, "blas_core_suggested", pml_blas_core_suggested());
        fputs(", \"devices\": [", stdout);
        for (int i = 0; i < count; ++i) {
            pml_jsonl d;
            if (i) fputs(", ", stdout);
            pml_jsonl_begin(&d, stdout);
            pml_jsonl_str(&d, "kind", devs[i].kind == PML_DEVICE_CPU ? "cpu" : "cuda");
            pml_jsonl_str(&d, "name", devs[i].name);
            pml_jsonl_int(&d, "memory_bytes", (long long)devs[i].memory_bytes);
            fputc('}', stdout);
        }
        fputc(']', stdout);
        pml_jsonl_end(&j);
        return 0;
    }

    printf("physml %s\n", pml_version_string());
    printf("  CUDA backend : %s\n", pml_cuda_compiled() ? "compiled" : "not compiled");
    printf("  CPU BLAS     : %s, %s kernels%s%s%s\n", pml_blas_name(), pml_blas_core(),
           pml_blas_core_suggested() ? " (a generic fallback: this processor wants " : "",
           pml_blas_core_suggested() ? pml_blas_core_suggested() : "",
           pml_blas_core_suggested() ? "; PML_BLAS_KEEP is set or the restart failed)" : "");
    printf("devices:\n");
    for (int i = 0; i < count; ++i) {
        const pml_device_info *d = &devs[i];
        char spec[16];
        if (d->kind == PML_DEVICE_CPU) snprintf(spec, sizeof spec, "cpu");
        else snprintf(spec, sizeof spec, "cuda:%d", d->ordinal);
        printf("  %-8s %s, %.1f GiB", spec, d->name, (double)d->memory_bytes / (1u << 30));
        if (d->kind == PML_DEVICE_CUDA) printf(", compute capability %d.%d", d->cc_major, d->cc_minor);
        printf("\n");
    }
    if (pml_cuda_compiled() && count == 1) {
        /* opening one says why there is none (no driver, the module missing, no GPU) */
        pml_device *gpu = NULL;
        if (pml_device_open("cuda", &gpu) == PML_OK) pml_device_close(gpu);
        const char *why = strstr(pml_last_error(), "no CUDA GPU: ");
        why = why ? why + strlen("no CUDA GPU: ") : "none answered";
        const char *end = strstr(why, "; use --device cpu");
        printf("  (no CUDA GPU: %.*s)\n", end ? (int)(end - why) : (int)strlen(why), why);
    }
    return 0;
}
