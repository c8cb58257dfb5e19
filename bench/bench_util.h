/* Shared by the bench/ programs: a monotonic clock, medians, and stopping on a failed call.
 * Include it first (it asks for POSIX clock_gettime). */
#ifndef PML_BENCH_UTIL_H
#define PML_BENCH_UTIL_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/process.h"
#include "physml/physml.h"

/* Seconds on a monotonic clock. */
static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n) (sorts v in place; the mean of the middle two when n is even). */
static inline double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Stop the benchmark with the call, the status and the detail message when expr fails. */
#define BENCH_CHECK(prog, expr)                                                               \
    do {                                                                                      \
        pml_status bench_s_ = (expr);                                                         \
        if (bench_s_ != PML_OK) {                                                             \
            fprintf(stderr, "%s: %s: %s: %s\n", prog, #expr, pml_status_string(bench_s_),     \
                    pml_last_error());                                                        \
            exit(1);                                                                          \
        }                                                                                     \
    } while (0)


/* Median seconds per epoch of pml_train on model m (Adam at its defaults, the driver's
 * defaults, batch `batch`): epochs + 1 epochs, the first a warm-up. Destroys m. */
static inline double bench_epoch_median(const char *prog, pml_model *m, pml_dataset *train,
                                        int64_t batch, int epochs)
{
    pml_optimizer *o = NULL;
    pml_optim_config oc = pml_optim_defaults(PML_OPTIM_ADAM);
    BENCH_CHECK(prog, pml_optimizer_create(pml_model_device(m), &oc, &o));
    pml_train_config c = pml_train_defaults();
    c.batch = batch;
    c.epochs = epochs + 1;
    pml_train_result r;
    BENCH_CHECK(prog, pml_train(m, o, train, NULL, &c, &r));
    double t[64];
    int n = 0;
    for (int e = 1; e < r.epochs_run && n < 64; ++e) t[n++] = r.history[e].seconds;
    const double med = bench_median(t, n);
    pml_train_result_free(&r);
    pml_optimizer_destroy(o);
    pml_model_destroy(m);
    return med;
}

/* Open device `name` (of the benchmark's list) when `want` is "all" or names it; NULL when it
 * is not to run or cannot be opened (said on stderr, and *rc = 1, when it was asked for by
 * name). */
static inline pml_device *bench_open(const char *prog, const char *name, const char *want, int *rc)
{
    if (strcmp(want, "all") != 0 && strcmp(want, name) != 0) return NULL;
    pml_device *dev = NULL;
    if (pml_device_open(name, &dev) != PML_OK) {
        if (strcmp(want, "all") != 0) {
            fprintf(stderr, "%s: %s: %s\n", prog, name, pml_last_error());
            *rc = 1;
        }
        return NULL;
    }
    return dev;
}

/* The processor's name (/proc/cpuinfo's "model name"; "unknown" without one), named beside
 * every figure. */
static inline const char *bench_cpu_name(void)
{
    static char name[128] = "";
    if (name[0]) return name;
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
            snprintf(name, sizeof name, "%s", strchr(line, ':') + 2);
            name[strcspn(name, "\n")] = '\0';
            break;
        }
    if (f) fclose(f);
    if (!name[0]) snprintf(name, sizeof name, "unknown");
    return name;
}

/* The Ising rules as the benchmarks name them, in pml_ising_rule order. */
static const char *const bench_ising_rules[4] = {"metropolis", "heatbath", "sw", "wolff"};

/* The rule named by the k characters at name (one item of a comma list); -1 when none. */
static inline int bench_ising_rule(const char *name, size_t k)
{
    for (int r = 0; r < 4; ++r)
        if (strlen(bench_ising_rules[r]) == k && !strncmp(name, bench_ising_rules[r], k)) return r;
    return -1;
}

/* The text after "key": in a JSON line a peer printed (NULL when the key is not there). */
static inline const char *bench_json_at(const char *line, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\": ", key);
    const char *p = strstr(line, k);
    return p ? p + strlen(k) : NULL;
}

/* "1,2.5,8" -> values; the count, or -1 on a parse error (at most cap values). */
static inline int bench_parse_list(const char *s, double *v, int cap)
{
    int n = 0;
    while (*s && n < cap) {
        char *e;
        v[n++] = strtod(s, &e);
        if (e == s) return -1;
        s = *e == ',' ? e + 1 : e;
    }
    return n;
}

#endif
