/* Progress and status lines on stderr: animated only on a terminal, plain otherwise. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"

double pml_now(void) { return pml_clock_seconds(); }

int pml_cli_color(FILE *f)
{
    const char *nc = getenv("NO_COLOR");
    return isatty(fileno(f)) && !(nc && nc[0]);
}

void pml_progress_start(pml_progress *p, const char *label, int64_t total, int quiet)
{
    p->label = label;
    p->total = total;
    p->quiet = quiet;
    p->animate = !quiet && isatty(fileno(stderr));
    p->t0 = p->last = pml_now();
    if (!quiet && !p->animate) fprintf(stderr, "%s ...\n", label);
}

void pml_progress_update(pml_progress *p, int64_t done, const char *suffix)
{
    if (!p->animate) return;
    double now = pml_now();
    if (now - p->last < 0.1 && done < p->total) return;
    p->last = now;
    const int width = 30;
    int fill = p->total > 0 ? (int)(width * (double)done / (double)p->total) : 0;
    if (fill > width) fill = width;
    char bar[64];
    for (int i = 0; i < width; ++i) bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "\r\033[K%s [%s] %lld/%lld %5.1fs %s", p->label, bar, (long long)done,
            (long long)p->total, now - p->t0, suffix ? suffix : "");
    fflush(stderr);
}

void pml_progress_finish(pml_progress *p, const char *summary)
{
    if (p->quiet) return;
    double dt = pml_now() - p->t0;
    if (p->animate) fprintf(stderr, "\r\033[K");
    fprintf(stderr, "%s: done in %.1fs%s%s\n", p->label, dt, summary ? ", " : "",
            summary ? summary : "");
}
