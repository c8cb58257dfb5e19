/* Parsing and image helpers for the Ising commands. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ising_cli.h"

int pml_parse_i64_list(const char *text, int64_t *out, int cap)
{
    int n = 0;
    const char *p = text;
    while (*p) {
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p || n >= cap) return -1;
        out[n++] = v;
        if (*end == ',') p = end + 1;
        else if (*end == '\0') p = end;
        else return -1;
    }
    return n;
}

int pml_parse_range(const char *text, double *out, int cap)
{
    double a, b, step;
    char tail;
    if (sscanf(text, "%lf:%lf:%lf%c", &a, &b, &step, &tail) == 3) {
        if (!(step > 0) || !(b >= a) || !isfinite(a) || !isfinite(b)) return -1;
        int n = (int)floor((b - a) / step + 1e-9) + 1;
        if (n > cap) return -1;
        for (int i = 0; i < n; ++i) out[i] = a + step * i;
        return n;
    }
    int n = 0;
    const char *p = text;
    while (*p) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || n >= cap || !isfinite(v)) return -1;
        out[n++] = v;
        if (*end == ',') p = end + 1;
        else if (*end == '\0') p = end;
        else return -1;
    }
    return n;
}

int pml_parse_rule(const char *name)
{
    if (strcmp(name, "metropolis") == 0) return PML_ISING_METROPOLIS;
    if (strcmp(name, "heatbath") == 0 || strcmp(name, "heat-bath") == 0 ||
        strcmp(name, "glauber") == 0)
        return PML_ISING_HEATBATH;
    return -1;
}

const char *pml_rule_name(pml_ising_rule r)
{
    return r == PML_ISING_METROPOLIS ? "metropolis" : "heatbath";
}

int pml_ising_png(const char *path, const int8_t *spins, int64_t lx, int64_t ly)
{
    int64_t f = 1;
    while (lx * f < 256 || ly * f < 256) ++f;
    if (lx * f > 16384 || ly * f > 16384) f = 1;
    const int64_t w = lx * f, h = ly * f;
    uint8_t *px = malloc((size_t)(w * h));
    if (!px) return -1;
    for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x)
            px[y * w + x] = spins[(y / f) * lx + x / f] > 0 ? 255 : 24;
    int r = pml_png_write(path, (int)w, (int)h, 1, px);
    free(px);
    return r;
}
