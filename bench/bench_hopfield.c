/* bench_hopfield: Hopfield recall throughput (neuron updates per second) per backend, for
 * synchronous recall of a batch and asynchronous recall in index and in random order, and
 * the wall time of a small capacity scan; with the NumPy peer (bench/peers/hopfield_numpy.py)
 * run in the same invocation on the same cases and the ratio physml / numpy printed.
 *
 *   bench_hopfield [--device all|cpu|cuda|auto] [--n 1000,4000,10000] [--batch 1,64,1024]
 *                  [--async-batch 1,64] [--alpha 0.05] [--flip 0.1] [--max-sweeps 100]
 *                  [--reps 5] [--quick] [--no-capacity] [--peer numpy|torch | --no-peer]
 *                  [--torch-device cuda]
 *                  [--peers DIR] [--python PATH] [--peer-threads K] [--peer-budget S] [--json]
 *
 * Cases: Hebbian storage of p = round(alpha n) random +-1 patterns; probe b is stored pattern
 * b mod p with each neuron flipped with probability --flip (10%), so that recall takes a few
 * sweeps. Recall runs to its natural end (fixed point, or two-cycle for synchronous, or
 * --max-sweeps), and the figure is neuron updates per second from the sweeps actually run:
 * updates = n * sum over probes of pml_hopfield_result.sweeps (the sweep that showed the end
 * included), the same count the peer makes. A timing is the whole pml_hopfield_recall call
 * (upload, recall, download, per-probe results) after one untimed warm-up call (which also
 * builds what recall keeps between calls: the transposed patterns of asynchronous Hebbian
 * recall); the median over --reps is kept.
 *
 * On a GPU, --peer torch runs bench/peers/hopfield_torch.py instead: the same peer in
 * PyTorch, float32, on --torch-device (cuda).
 *
 * The peer (on by default when a python3 that imports numpy is found): Hebbian W = X^T X / n
 * in float64 with a zero diagonal; synchronous recall S <- sgn(S W) of the batch, vectorised;
 * asynchronous recall one probe at a time in a Python loop over neurons (its rate does not
 * depend on the batch, so it runs 2 probes per case and every asynchronous row of an n is
 * compared with it). It runs with --peer-threads BLAS threads (default: the online CPUs, as
 * physml's OpenMP) and stops repeating a case after --peer-budget seconds (default 10).
 *
 * Capacity: the wall time of pml_hopfield_capacity at n = 200, alpha = 0.05 .. 0.25 step
 * 0.05, 10 sets, 10% flips, asynchronous recall (--quick: n = 100, 4 sets). */
#include "bench_util.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "physml/hopfield.h"
#include "physml/physml.h"

#define MAXL 16
#define MAXREPS 64

static void join_list(const double *v, int n, char *out, size_t cap)
{
    size_t k = 0;
    out[0] = '\0';
    for (int i = 0; i < n && k < cap; ++i)
        k += (size_t)snprintf(out + k, cap - k, "%s%lld", i ? "," : "", (long long)v[i]);
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *x) { return (double)(splitmix64(x) >> 11) * 0x1.0p-53; }

/* ---- the peer ----------------------------------------------------------------------------- */

/* The peer that runs: "numpy" (bench/peers/hopfield_numpy.py, the CPU) or "torch"
 * (hopfield_torch.py, on --torch-device, cuda by default: the GPU's peer). */
static const char *peer_name = "numpy", *torch_device = "cuda";

typedef struct peer_row {
    int async; /* 0: sync, 1: async index, 2: async random */
    int64_t n, batch;
    double ups, sweeps;
} peer_row;

/* The first python that imports the peer's module: --python, else python3 on PATH, else
 * /usr/bin/python3. */
static const char *find_python(const char *forced)
{
    static const char *cands[] = {NULL, "python3", "/usr/bin/python3"};
    char imp[32];
    snprintf(imp, sizeof imp, "import %s", peer_name);
    cands[0] = forced;
    for (int i = forced ? 0 : 1; i < 3; ++i) {
        const char *const argv[] = {cands[i], "-c", imp, NULL};
        if (pml_run(argv, NULL, NULL, 0, NULL, 0) == 0) return cands[i];
        if (forced) break;
    }
    return NULL;
}

static int run_peer(const char *python, const char *dir, const char *ns, const char *bs,
                    double alpha, double flip, int64_t max_sweeps, int reps, int threads,
                    double budget, int json, peer_row *rows, int cap)
{
    char script[1024], a_s[32], f_s[32], m_s[32], r_s[16], t_s[16], b_s[32];
    snprintf(script, sizeof script, "%s/hopfield_%s.py", dir, peer_name);
    if (access(script, R_OK) != 0) {
        fprintf(stderr, "bench_hopfield: no peer at %s (--peers DIR)\n", script);
        return 0;
    }
    snprintf(a_s, sizeof a_s, "%.17g", alpha);
    snprintf(f_s, sizeof f_s, "%.17g", flip);
    snprintf(m_s, sizeof m_s, "%lld", (long long)max_sweeps);
    snprintf(r_s, sizeof r_s, "%d", reps);
    snprintf(t_s, sizeof t_s, "%d", threads);
    snprintf(b_s, sizeof b_s, "%g", budget);
    const char *argv[24] = {python, script, "--json", "--n", ns, "--batch", bs,
                            "--alpha", a_s, "--flip", f_s, "--max-sweeps", m_s,
                            "--repeats", r_s, "--threads", t_s, "--budget-s", b_s,
                            "--async-probes", "2", NULL};
    if (!strcmp(peer_name, "torch")) { /* the PyTorch peer runs on a device */
        argv[21] = "--device";
        argv[22] = torch_device;
    }
    static char out[1 << 16], err[1 << 12];
    const int rc = pml_run((const char *const *)argv, NULL, out, sizeof out, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "bench_hopfield: the %s peer failed (exit %d): %s\n", peer_name, rc, err);
        return 0;
    }
    int n = 0;
    for (char *line = strtok(out, "\n"); line && n < cap; line = strtok(NULL, "\n")) {
        const char *mode = bench_json_at(line, "mode"), *order = bench_json_at(line, "order"),
                   *nn = bench_json_at(line, "n"), *b = bench_json_at(line, "batch"),
                   *u = bench_json_at(line, "updates_per_s"), *sw = bench_json_at(line, "mean_sweeps");
        if (!mode || !order || !nn || !b || !u || !sw) continue;
        rows[n].async = !strncmp(mode, "\"sync\"", 6) ? 0 : !strncmp(order, "\"index\"", 7) ? 1 : 2;
        rows[n].n = atoll(nn);
        rows[n].batch = atoll(b);
        rows[n].ups = atof(u);
        rows[n].sweeps = atof(sw);
        if (json) puts(line); /* the peer's own JSON line, as it printed it */
        ++n;
    }
    return n;
}

static const peer_row *peer_find(const peer_row *rows, int n, int async, int64_t nn, int64_t batch)
{
    for (int k = 0; k < n; ++k)
        if (rows[k].async == async && rows[k].n == nn && (async || rows[k].batch == batch))
            return &rows[k];
    return NULL;
}

/* ---- physml -------------------------------------------------------------------------------- */

typedef struct timing {
    double median_s, ups, mean_sweeps;
} timing;

static pml_status time_recall(pml_hopfield *net, pml_device *dev, const pml_hopfield_recall_config *cfg,
                              const int8_t *probes, int64_t batch, int reps, timing *out)
{
    const int64_t n = pml_hopfield_neurons(net);
    int8_t *s = malloc((size_t)(batch * n));
    pml_hopfield_result *res = malloc((size_t)batch * sizeof *res);
    if (!s || !res) {
        free(s);
        free(res);
        return PML_ERR_OUT_OF_MEMORY;
    }
    double t[MAXREPS];
    int64_t sweeps = 0;
    pml_status st = PML_OK;
    for (int r = -1; r < reps && st == PML_OK; ++r) { /* r = -1: the warm-up */
        memcpy(s, probes, (size_t)(batch * n));
        const double t0 = bench_now();
        st = pml_hopfield_recall(net, cfg, s, batch, res, NULL);
        if (st == PML_OK) st = pml_device_synchronize(dev);
        const double dt = bench_now() - t0;
        if (r >= 0) t[r] = dt;
        sweeps = 0;
        for (int64_t b = 0; st == PML_OK && b < batch; ++b) sweeps += res[b].sweeps;
    }
    free(s);
    free(res);
    if (st != PML_OK) return st;
    out->median_s = bench_median(t, reps);
    out->ups = (double)sweeps * (double)n / out->median_s;
    out->mean_sweeps = (double)sweeps / (double)batch;
    return PML_OK;
}

static void make_probes(const int8_t *pat, int64_t n, int64_t p, int64_t batch, double flip,
                        uint64_t seed, int8_t *out)
{
    uint64_t x = seed;
    for (int64_t b = 0; b < batch; ++b) {
        const int8_t *src = pat + (b % p) * n;
        for (int64_t i = 0; i < n; ++i)
            out[b * n + i] = uniform(&x) < flip ? (int8_t)-src[i] : src[i];
    }
}

static void print_row(int json, const char *devname, const char *devdesc, int threads,
                      const char *mode, const char *order, int64_t n, int64_t p, int64_t batch,
                      int64_t max_sweeps, int reps, const timing *t, const peer_row *peer)
{
    const double ratio = peer && peer->ups > 0 ? t->ups / peer->ups : NAN;
    if (json) {
        printf("{\"name\": \"bench_hopfield\", \"device\": \"%s\", \"device_name\": \"%s\", "
               "\"threads\": %d, \"rule\": \"hebb\", \"mode\": \"%s\", \"order\": ",
               devname, devdesc, threads, mode);
        if (order) printf("\"%s\"", order);
        else printf("null");
        printf(", \"n\": %lld, \"p\": %lld, \"batch\": %lld, \"max_sweeps\": %lld, "
               "\"mean_sweeps\": %.4g, \"reps\": %d, \"median_s\": %.6g, \"updates_per_s\": %.6g",
               (long long)n, (long long)p, (long long)batch, (long long)max_sweeps,
               t->mean_sweeps, reps, t->median_s, t->ups);
        if (peer)
            printf(", \"peer\": \"%s\", \"peer_updates_per_s\": %.6g, \"peer_mean_sweeps\": %.4g, "
                   "\"ratio\": %.4g}\n",
                   peer_name, peer->ups, peer->sweeps, ratio);
        else
            printf(", \"peer\": null, \"peer_updates_per_s\": null, \"ratio\": null}\n");
    } else {
        char ps[32] = "-", rs[32] = "-";
        if (peer) {
            snprintf(ps, sizeof ps, "%.3g", peer->ups);
            snprintf(rs, sizeof rs, "%.1f", ratio);
        }
        printf("%-6s %-5s %-6s %6lld %4lld %5lld %6.2f %11.3f %11.3g %11s %8s\n", devname,
               mode, order ? order : "-", (long long)n, (long long)p, (long long)batch,
               t->mean_sweeps, 1e3 * t->median_s, t->ups, ps, rs);
    }
    fflush(stdout);
}

static int bench_capacity(pml_device *dev, const char *devname, const char *devdesc, int json,
                          int64_t n, int64_t sets, double flip, int reps)
{
    double alpha[5] = {0.05, 0.10, 0.15, 0.20, 0.25};
    pml_hopfield_capacity_point pts[5];
    pml_hopfield_capacity_config c = pml_hopfield_capacity_defaults();
    c.n = n;
    c.sets = sets;
    c.flip = flip;
    double t[MAXREPS];
    for (int r = -1; r < reps; ++r) {
        const double t0 = bench_now();
        const pml_status st = pml_hopfield_capacity(dev, &c, alpha, 5, pts);
        if (st == PML_OK) pml_device_synchronize(dev);
        if (st != PML_OK) {
            fprintf(stderr, "bench_hopfield: %s capacity n=%lld: %s: %s\n", devname,
                    (long long)n, pml_status_string(st), pml_last_error());
            return 1;
        }
        if (r >= 0) t[r] = bench_now() - t0;
    }
    const double med = bench_median(t, reps);
    if (json) {
        printf("{\"name\": \"bench_hopfield\", \"device\": \"%s\", \"device_name\": \"%s\", "
               "\"mode\": \"capacity\", \"recall\": \"%s\", \"n\": %lld, \"sets\": %lld, "
               "\"flip\": %g, \"alpha\": [0.05, 0.1, 0.15, 0.2, 0.25], \"reps\": %d, "
               "\"median_s\": %.6g, \"retrieved\": [",
               devname, devdesc, pml_hopfield_mode_name(c.recall.mode), (long long)n,
               (long long)sets, flip, reps, med);
        for (int k = 0; k < 5; ++k) printf("%s%.4g", k ? ", " : "", pts[k].retrieved);
        printf("]}\n");
    } else {
        printf("%-6s capacity scan: n=%lld, alpha 0.05..0.25 step 0.05, %lld sets, %.0f%% flips, "
               "%s recall: %.3f s (median of %d); retrieved",
               devname, (long long)n, (long long)sets, 100 * flip,
               pml_hopfield_mode_name(c.recall.mode), med, reps);
        for (int k = 0; k < 5; ++k) printf(" %.2f", pts[k].retrieved);
        printf("\n");
    }
    fflush(stdout);
    return 0;
}

static int bench_device(const char *spec, int quiet_absent, const double *Nv, int nN,
                        const double *Bv, int nB, const double *Av, int nA, double alpha,
                        double flip, int64_t max_sweeps, int reps, int capacity, int quick,
                        int json, const peer_row *peer, int npeer)
{
    pml_device *dev = NULL;
    if (pml_device_open(spec, &dev) != PML_OK) {
        if (quiet_absent) return 0;
        fprintf(stderr, "bench_hopfield: %s: %s\n", spec, pml_last_error());
        return 1;
    }
    const char *devname = pml_device_get_kind(dev) == PML_DEVICE_CPU ? "cpu" : "cuda";
    const char *desc = pml_device_name(dev);
    const int threads = pml_device_parallelism(dev);
    if (!json) {
        char peer_col[32], ratio_col[32];
        snprintf(peer_col, sizeof peer_col, "%s upd/s", peer_name);
        snprintf(ratio_col, sizeof ratio_col, "x %s", peer_name);
        printf("# %s: %s (%d-way parallel)\n", pml_device_spec(dev), desc, threads);
        printf("%-6s %-5s %-6s %6s %4s %5s %6s %11s %11s %11s %8s\n", "device", "mode", "order",
               "n", "p", "batch", "sweeps", "median ms", "updates/s", peer_col, ratio_col);
    }
    int rc = 0;
    for (int ni = 0; ni < nN; ++ni) {
        const int64_t n = (int64_t)Nv[ni];
        int64_t p = (int64_t)llround(alpha * (double)n);
        if (p < 1) p = 1;
        int64_t bmax = 1;
        for (int k = 0; k < nB; ++k) bmax = (int64_t)Bv[k] > bmax ? (int64_t)Bv[k] : bmax;
        for (int k = 0; k < nA; ++k) bmax = (int64_t)Av[k] > bmax ? (int64_t)Av[k] : bmax;
        int8_t *pat = malloc((size_t)(p * n)), *probes = malloc((size_t)(bmax * n));
        if (!pat || !probes) {
            fprintf(stderr, "bench_hopfield: out of host memory at n=%lld\n", (long long)n);
            free(pat);
            free(probes);
            rc = 1;
            break;
        }
        uint64_t x = 0x5EED0000ull + (uint64_t)n;
        for (int64_t i = 0; i < p * n; ++i) pat[i] = (splitmix64(&x) >> 63) ? 1 : -1;
        make_probes(pat, n, p, bmax, flip, 0xF11Bull + (uint64_t)n, probes);
        pml_hopfield *net = NULL;
        pml_status st = pml_hopfield_create(dev, n, pat, p, PML_HOPFIELD_HEBB, &net);
        if (st != PML_OK) {
            fprintf(stderr, "bench_hopfield: %s create n=%lld p=%lld: %s: %s\n", devname,
                    (long long)n, (long long)p, pml_status_string(st), pml_last_error());
            rc = 1;
        }
        pml_hopfield_recall_config cfg = pml_hopfield_recall_defaults();
        cfg.max_sweeps = max_sweeps;
        for (int m = 0; st == PML_OK && m < 3; ++m) {
            cfg.mode = m == 0 ? PML_HOPFIELD_SYNC : PML_HOPFIELD_ASYNC;
            cfg.order = m == 2 ? PML_HOPFIELD_RANDOM : PML_HOPFIELD_INDEX;
            const double *bl = m == 0 ? Bv : Av;
            const int nb = m == 0 ? nB : nA;
            for (int bi = 0; bi < nb; ++bi) {
                const int64_t batch = (int64_t)bl[bi];
                timing t;
                const pml_status s2 = time_recall(net, dev, &cfg, probes, batch, reps, &t);
                if (s2 != PML_OK) {
                    fprintf(stderr, "bench_hopfield: %s %s n=%lld batch=%lld: %s: %s\n", devname,
                            pml_hopfield_mode_name(cfg.mode), (long long)n, (long long)batch,
                            pml_status_string(s2), pml_last_error());
                    rc = 1;
                    continue;
                }
                print_row(json, devname, desc, threads, pml_hopfield_mode_name(cfg.mode),
                          m ? pml_hopfield_order_name(cfg.order) : NULL, n, p, batch,
                          max_sweeps, reps, &t, peer_find(peer, npeer, m, n, batch));
            }
        }
        pml_hopfield_destroy(net);
        free(pat);
        free(probes);
    }
    if (capacity)
        rc |= bench_capacity(dev, devname, desc, json, quick ? 100 : 200, quick ? 4 : 10, flip,
                             reps);
    pml_device_close(dev);
    return rc;
}

int main(int argc, char **argv)
{
    const char *device = "all", *Ns = NULL, *Bs = NULL, *As = NULL, *peers = "bench/peers";
    const char *python = NULL;
    double alpha = 0.05, flip = 0.1, budget = -1;
    int64_t max_sweeps = 100;
    int reps = -1, json = 0, quick = 0, peer = 1, capacity = 1, peer_threads = 0;
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--json")) json = 1;
        else if (!strcmp(a, "--quick")) quick = 1;
        else if (!strcmp(a, "--no-peer")) peer = 0;
        else if (!strcmp(a, "--no-capacity")) capacity = 0;
        else if (v && !strcmp(a, "--peer") && (!strcmp(v, "numpy") || !strcmp(v, "torch")))
            peer = 1, peer_name = argv[++i];
        else if (v && !strcmp(a, "--torch-device")) torch_device = argv[++i];
        else if (v && !strcmp(a, "--device")) device = argv[++i];
        else if (v && !strcmp(a, "--n")) Ns = argv[++i];
        else if (v && !strcmp(a, "--batch")) Bs = argv[++i];
        else if (v && !strcmp(a, "--async-batch")) As = argv[++i];
        else if (v && !strcmp(a, "--alpha")) alpha = atof(argv[++i]);
        else if (v && !strcmp(a, "--flip")) flip = atof(argv[++i]);
        else if (v && !strcmp(a, "--max-sweeps")) max_sweeps = atoll(argv[++i]);
        else if (v && !strcmp(a, "--reps")) reps = atoi(argv[++i]);
        else if (v && !strcmp(a, "--peers")) peers = argv[++i];
        else if (v && !strcmp(a, "--python")) python = argv[++i];
        else if (v && !strcmp(a, "--peer-threads")) peer_threads = atoi(argv[++i]);
        else if (v && !strcmp(a, "--peer-budget")) budget = atof(argv[++i]);
        else {
            fprintf(stderr,
                    "usage: bench_hopfield [--device all|cpu|cuda|auto] [--n list] [--batch list] "
                    "[--async-batch list] [--alpha A] [--flip F] [--max-sweeps T] [--reps K] "
                    "[--quick] [--no-capacity] [--peer numpy|torch | --no-peer] [--torch-device D] [--peers DIR] "
                    "[--python PATH] [--peer-threads K] [--peer-budget S] [--json]\n");
            return !strcmp(a, "--help") ? 0 : 2;
        }
    }
    if (!Ns) Ns = quick ? "256,1000" : "1000,4000,10000";
    if (!Bs) Bs = quick ? "1,64" : "1,64,1024";
    if (!As) As = quick ? "1,8" : "1,64";
    if (reps < 0) reps = quick ? 3 : 5;
    if (budget < 0) budget = quick ? 2 : 10;
    double Nv[MAXL], Bv[MAXL], Av[MAXL];
    const int nN = bench_parse_list(Ns, Nv, MAXL), nB = bench_parse_list(Bs, Bv, MAXL),
              nA = bench_parse_list(As, Av, MAXL);
    if (nN < 1 || nB < 1 || nA < 1 || reps < 1 || reps > MAXREPS || !(alpha > 0 && alpha <= 1) ||
        !(flip >= 0 && flip <= 0.5) || max_sweeps < 1) {
        fprintf(stderr, "bench_hopfield: bad --n, --batch, --async-batch, --reps, --alpha, "
                        "--flip or --max-sweeps\n");
        return 2;
    }
    if (peer_threads <= 0) peer_threads = (int)sysconf(_SC_NPROCESSORS_ONLN);

    if (strcmp(device, "all") != 0) { /* a device that is not there: say so before the peer */
        pml_device *dev = NULL;
        if (pml_device_open(device, &dev) != PML_OK) {
            fprintf(stderr, "bench_hopfield: %s: %s\n", device, pml_last_error());
            return 1;
        }
        pml_device_close(dev);
    }
    peer_row prow[128];
    int npeer = 0;
    if (peer) {
        const char *py = find_python(python);
        if (!py) {
            fprintf(stderr, "bench_hopfield: no python3 with %s found; running without the "
                            "peer (--python PATH)\n", peer_name);
        } else {
            if (!json && !strcmp(peer_name, "torch"))
                printf("# peer: torch on %s (%s bench/peers/hopfield_torch.py), float32, "
                       "W = X^T X / n, up to %g s per case\n", torch_device, py, budget);
            else if (!json)
                printf("# peer: numpy (%s bench/peers/hopfield_numpy.py), float64, W = X^T X / n, "
                       "%d BLAS threads, up to %g s per case\n",
                       py, peer_threads, budget);
            char ns[256];
            join_list(Nv, nN, ns, sizeof ns);
            npeer = run_peer(py, peers, ns, Bs, alpha, flip, max_sweeps, reps, peer_threads,
                             budget, json, prow, 128);
        }
    }
    if (!json) {
        printf("# neuron updates = n x sweeps run per probe (to a fixed point or two-cycle); "
               "probes: stored patterns with %.0f%% flips; p = %g n; median of %d\n",
               100 * flip, alpha, reps);
    }
    int rc = 0;
    if (!strcmp(device, "all")) {
        rc |= bench_device("cpu", 0, Nv, nN, Bv, nB, Av, nA, alpha, flip, max_sweeps, reps,
                           capacity, quick, json, prow, npeer);
        if (pml_cuda_device_count() > 0)
            rc |= bench_device("cuda", 1, Nv, nN, Bv, nB, Av, nA, alpha, flip, max_sweeps, reps,
                               capacity, quick, json, prow, npeer);
    } else {
        rc |= bench_device(device, 0, Nv, nN, Bv, nB, Av, nA, alpha, flip, max_sweeps, reps,
                           capacity, quick, json, prow, npeer);
    }
    return rc;
}
