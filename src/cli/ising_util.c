/* Parsing and image helpers for the Ising commands. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "cli/ising_cli.h"

/* Lists are "x,y,z": a number after every comma (no empty element, first, middle or last). */
int pml_parse_i64_list(const char *text, int64_t *out, int cap)
{
    int n = 0;
    for (const char *p = text;;) {
        char *end;
        errno = 0;
        /* digits, not strtoll's leading space or sign: a side or a count is written plainly */
        if (!(*p >= '0' && *p <= '9')) return -1;
        const long long v = strtoll(p, &end, 10);
        if (errno || end == p || n >= cap) return -1;
        out[n++] = v;
        if (*end == '\0') return n;
        if (*end != ',') return -1;
        p = end + 1;
    }
}

/* One number of a range or list at *p (pml_strtod_dec: decimal, finite), *p moved past it. */
static int range_number(const char **p, double *v)
{
    char *end;
    if (!pml_real_dec(*p, &end, v)) return 0;
    *p = end;
    return 1;
}

int pml_parse_range(const char *text, double *out, int cap)
{
    double a, b, step;
    const char *p = text;
    if (range_number(&p, &a) && *p == ':') {
        ++p;
        if (!range_number(&p, &b) || *p != ':') return -1;
        ++p;
        if (!range_number(&p, &step) || *p != '\0') return -1;
        if (!(step > 0) || !(b >= a)) return -1;
        /* the count as a double first: (b - a) / step may be far beyond any int */
        const double count = floor((b - a) / step + 1e-9) + 1;
        if (!(count <= cap)) return -1;
        const int n = (int)count;
        for (int i = 0; i < n; ++i) out[i] = a + step * i;
        return n;
    }
    int n = 0;
    for (p = text;;) {
        double v;
        if (n >= cap || !range_number(&p, &v)) return -1;
        out[n++] = v;
        if (*p == '\0') return n;
        if (*p != ',') return -1;
        ++p;
    }
}

int pml_parse_rule(const char *name)
{
    if (strcmp(name, "metropolis") == 0) return PML_ISING_METROPOLIS;
    if (strcmp(name, "heatbath") == 0 || strcmp(name, "heat-bath") == 0 ||
        strcmp(name, "glauber") == 0)
        return PML_ISING_HEATBATH;
    if (strcmp(name, "sw") == 0 || strcmp(name, "swendsen-wang") == 0)
        return PML_ISING_SWENDSEN_WANG;
    if (strcmp(name, "wolff") == 0) return PML_ISING_WOLFF;
    return -1;
}

void pml_ising_stats_jsonl(pml_jsonl *j, const pml_ising_stats *st, const char *warning)
{
    pml_jsonl_num(j, "e", st->e);
    pml_jsonl_num(j, "e_err", st->e_err);
    pml_jsonl_num(j, "m", st->m);
    pml_jsonl_num(j, "m_err", st->m_err);
    pml_jsonl_num(j, "m_abs", st->m_abs);
    pml_jsonl_num(j, "m_abs_err", st->m_abs_err);
    pml_jsonl_num(j, "m2", st->m2);
    pml_jsonl_num(j, "m4", st->m4);
    pml_jsonl_num(j, "c", st->c);
    pml_jsonl_num(j, "c_err", st->c_err);
    pml_jsonl_num(j, "chi", st->chi);
    pml_jsonl_num(j, "chi_err", st->chi_err);
    pml_jsonl_num(j, "chi_m", st->chi_m);
    pml_jsonl_num(j, "chi_m_err", st->chi_m_err);
    pml_jsonl_num(j, "binder", st->binder);
    pml_jsonl_num(j, "binder_err", st->binder_err);
    pml_jsonl_num(j, "tau_e", st->tau_e);
    pml_jsonl_num(j, "tau_m", st->tau_m);
    if (st->cluster_samples > 0) { /* the cluster rules' improved estimator */
        pml_jsonl_num(j, "m2_cluster", st->m2_cluster);
        pml_jsonl_num(j, "m2_cluster_err", st->m2_cluster_err);
        pml_jsonl_num(j, "chi_cluster", st->chi_cluster);
        pml_jsonl_num(j, "chi_cluster_err", st->chi_cluster_err);
    }
    pml_jsonl_int(j, "samples", (long long)st->samples);
    pml_jsonl_bool(j, "frozen", st->frozen);
    if (warning && warning[0]) pml_jsonl_str(j, "warning", warning);
}

void pml_ising_warn(const char *command, const char *where, const pml_ising_stats *st,
                    char *buf, size_t cap)
{
    buf[0] = '\0';
    pml_ising_warning_text(st, buf, cap);
    if (buf[0])
        fprintf(stderr, "physml %s: warning: %s%s%s\n", command, where ? where : "",
                where ? ": " : "", buf);
}

const char *pml_rule_name(pml_ising_rule r)
{
    switch (r) {
    case PML_ISING_METROPOLIS: return "metropolis";
    case PML_ISING_HEATBATH: return "heatbath";
    case PML_ISING_SWENDSEN_WANG: return "sw";
    case PML_ISING_WOLFF: return "wolff";
    }
    return "?";
}

int pml_ising_rule_check(const char *command, int rule, double B, const char **device)
{
    if (rule == PML_ISING_SWENDSEN_WANG || rule == PML_ISING_WOLFF) {
        if (B != 0.0)
            return pml_cli_usage(command, "B", "the %s rule needs --B 0 (got %g)",
                                 pml_rule_name((pml_ising_rule)rule), B);
    }
    if (rule == PML_ISING_WOLFF) {
        if (strcmp(*device, "auto") == 0) *device = "cpu"; /* the rule has no GPU kernel */
        else if (strncmp(*device, "cuda", 4) == 0)
            return pml_cli_usage(command, "device", "the wolff rule runs on the CPU only (got %s)",
                                 *device);
    }
    return 0;
}

int pml_ising_png(const char *command, const char *path, const int8_t *spins, int64_t lx,
                  int64_t ly, int quiet)
{
    /* up by an integer factor to at least 256 pixels a side; a lattice larger than the image
     * bound is shown down by an integer factor, each pixel the fraction of up spins of its
     * block (grey) */
    int64_t up = 1, down = 1;
    while (lx * up < 256 || ly * up < 256) ++up;
    if (lx * up > 4096 || ly * up > 4096) up = 1;
    while ((lx + down - 1) / down > 4096 || (ly + down - 1) / down > 4096) ++down;
    const int64_t w = down > 1 ? (lx + down - 1) / down : lx * up;
    const int64_t h = down > 1 ? (ly + down - 1) / down : ly * up;
    uint8_t *px = malloc((size_t)(w * h));
    if (!px) {
        fprintf(stderr, "physml %s: out of memory for %s\n", command, path);
        return 1;
    }
    const int64_t block = down > 1 ? down : 1;
    for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
            /* the lattice block behind pixel (x, y): one site when scaling up */
            const int64_t y0 = down > 1 ? y * down : y / up, x0 = down > 1 ? x * down : x / up;
            int64_t plus = 0, all = 0;
            for (int64_t by = y0; by < y0 + block && by < ly; ++by)
                for (int64_t bx = x0; bx < x0 + block && bx < lx; ++bx, ++all)
                    plus += spins[by * lx + bx] > 0;
            px[y * w + x] = (uint8_t)(24 + (231 * plus) / all);
        }
    const int r = pml_png_write(command, path, (int)w, (int)h, 1, px, quiet);
    free(px);
    return r;
}
