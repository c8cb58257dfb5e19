/* Output files: directories checked before the work, atomic writes with "wrote" only once a
 * file is in place, PNG images (stb_image_write) within safe bounds, and gnuplot started
 * without a shell. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/process.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBIW_ASSERT(x) ((void)0)
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

/* mkdir -p; 0 or errno. */
static int mkdirs(const char *path)
{
    char buf[PML_PATH_MAX];
    const size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) return ENAMETOOLONG;
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; ++p) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) return errno;
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) return errno;
    return 0;
}

int pml_cli_path(const char *command, char *buf, size_t cap, const char *dir, const char *name)
{
    if (snprintf(buf, cap, "%s/%s", dir, name) < (int)cap) return 0;
    fprintf(stderr, "physml %s: the path '%.200s/%s' is too long\n", command, dir, name);
    return 1;
}

int pml_cli_out_dir(const char *command, const char *dir)
{
    const int e = mkdirs(dir);
    struct stat st;
    if (e != 0 || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "physml %s: --out '%.200s' %s\n", command, dir,
                e ? strerror(e) : "is not a directory");
        return 1;
    }
    char probe[PML_PATH_MAX];
    if (pml_cli_path(command, probe, sizeof probe, dir, "probe")) return 1;
    if (pml_check_writable("--out", probe) != PML_OK) {
        fprintf(stderr, "physml %s: %s\n", command, pml_last_error());
        return 1;
    }
    return 0;
}

int pml_cli_out_file(const char *command, const char *option, const char *path)
{
    if (pml_check_writable(option, path) == PML_OK) return 0;
    fprintf(stderr, "physml %s: %s\n", command, pml_last_error());
    return 1;
}

int pml_cli_resumable(const char *command, const char *checkpoint, int every_given,
                      const char *resume)
{
    if (every_given && !checkpoint)
        return pml_cli_usage(command, "checkpoint-every", "needs --checkpoint FILE");
    if (checkpoint && pml_cli_out_file(command, "--checkpoint", checkpoint)) return 1;
    if (resume) { /* there and a file, before the data is loaded */
        FILE *f = NULL;
        if (pml_open_regular("--resume", resume, &f, NULL) != PML_OK) {
            fprintf(stderr, "physml %s: %s\n", command, pml_last_error());
            return 1;
        }
        fclose(f);
    }
    return 0;
}

int pml_cli_open(const char *command, const char *path, pml_wfile *w)
{
    if (pml_wfile_open(command, path, w) == PML_OK) return 0;
    fprintf(stderr, "physml %s\n", pml_last_error());
    return 1;
}

int pml_cli_commit(const char *command, pml_wfile *w, int quiet)
{
    if (pml_wfile_commit(command, w) != PML_OK) {
        fprintf(stderr, "physml %s\n", pml_last_error());
        return 1;
    }
    if (!quiet) fprintf(stderr, "wrote %s\n", w->path);
    return 0;
}

static void to_wfile(void *context, void *data, int size)
{
    pml_wfile_write(context, data, (size_t)size);
}

int pml_png_write(const char *command, const char *path, int width, int height, int channels,
                  const uint8_t *pixels, int quiet)
{
    if (width < 1 || height < 1 || width > PML_PNG_MAX_SIDE || height > PML_PNG_MAX_SIDE ||
        (int64_t)width * height * channels > PML_PNG_MAX_BYTES) {
        fprintf(stderr, "physml %s: %s: a %d x %d image is larger than the %d-pixel sides the "
                        "tool writes\n", command, path, width, height, PML_PNG_MAX_SIDE);
        return 1;
    }
    pml_wfile w;
    if (pml_cli_open(command, path, &w)) return 1;
    if (!stbi_write_png_to_func(to_wfile, &w, width, height, channels, pixels,
                                width * channels)) {
        pml_wfile_abort(&w);
        fprintf(stderr, "physml %s: encoding '%s' failed\n", command, path);
        return 1;
    }
    return pml_cli_commit(command, &w, quiet);
}

void pml_gnuplot_output(FILE *f, const char *png, const char *terminal)
{
    fprintf(f, "%s\nif (!exists('pml_png')) pml_png = '%s'\nset output pml_png\n", terminal, png);
}

int pml_gnuplot_render(const char *command, const char *dir, const char *script, const char *png,
                       int quiet)
{
    char script_path[PML_PATH_MAX], tmp[PML_PATH_MAX], tmp_name[256], png_path[PML_PATH_MAX];
    if (pml_cli_path(command, script_path, sizeof script_path, dir, script) ||
        pml_cli_path(command, png_path, sizeof png_path, dir, png))
        return -1;
    if (!pml_on_path("gnuplot")) {
        if (!quiet)
            fprintf(stderr, "physml %s: gnuplot not found: %s kept for later\n", command,
                    script_path);
        return 1;
    }
    /* the image's temporary name, as the shared writer names one (.BASE.tmp.PID.N), so that
     * pml_file_publish removes one a killed run left; it goes into a gnuplot string, and
     * every png name is the command's own (no quote can end the string) */
    snprintf(tmp_name, sizeof tmp_name, ".%s.tmp.%ld.0", png, (long)getpid());
    if (pml_cli_path(command, tmp, sizeof tmp, dir, tmp_name)) return -1;
    char define[300];
    snprintf(define, sizeof define, "pml_png='%s'", tmp_name);
    const char *const argv[] = {"gnuplot", "-e", define, script, NULL};
    const int r = pml_run(argv, dir, NULL, 0, NULL, 0);
    struct stat st;
    if (r != 0 || stat(tmp, &st) != 0 || st.st_size == 0) {
        unlink(tmp);
        fprintf(stderr, "physml %s: gnuplot failed on %s (exit %d)\n", command, script_path, r);
        return -1;
    }
    if (pml_file_publish(command, tmp, png_path) != PML_OK) {
        fprintf(stderr, "physml %s\n", pml_last_error());
        return -1;
    }
    if (!quiet) fprintf(stderr, "wrote %s\n", png_path);
    return 0;
}

int pml_cli_image_grid(const char *cmd, const char *dir, const char *name, const float *img,
                     int64_t count, int rows, int cols, int per_row, int scale, int normalize,
                     int quiet)
{
    if (count < 1) return 0;
    const int64_t nrow = (count + per_row - 1) / per_row, ncol = count < per_row ? count : per_row;
    const int64_t w = ncol * (cols * scale + 1) + 1, h = nrow * (rows * scale + 1) + 1;
    if (w > PML_PNG_MAX_SIDE || h > PML_PNG_MAX_SIDE)
        return pml_cli_usage(cmd, "out", "%s: a grid of %lld images is too large to draw", name,
                             (long long)count);
    uint8_t *px = malloc((size_t)(w * h));
    if (!px) return pml_cli_fail(cmd, name, PML_ERR_OUT_OF_MEMORY);
    memset(px, 96, (size_t)(w * h));
    const int64_t n = (int64_t)rows * cols;
    for (int64_t k = 0; k < count; ++k) {
        const float *x = img + k * n;
        double lo = 0.0, hi = 1.0;
        if (normalize) {
            lo = INFINITY, hi = -INFINITY;
            for (int64_t i = 0; i < n; ++i) lo = x[i] < lo ? x[i] : lo, hi = x[i] > hi ? x[i] : hi;
            if (!(hi > lo)) hi = lo + 1.0;
        }
        const int64_t y0 = 1 + (k / per_row) * (rows * scale + 1), x0 = 1 + (k % per_row) * (cols * scale + 1);
        for (int y = 0; y < rows * scale; ++y)
            for (int c = 0; c < cols * scale; ++c) {
                double v = ((double)x[(y / scale) * cols + c / scale] - lo) / (hi - lo);
                v = v < 0 ? 0 : v > 1 ? 1 : v;
                px[(y0 + y) * w + x0 + c] = (uint8_t)lround(255.0 * v);
            }
    }
    char path[PML_PATH_MAX];
    const int rc = pml_cli_path(cmd, path, sizeof path, dir, name) ||
                   pml_png_write(cmd, path, (int)w, (int)h, 1, px, quiet);
    free(px);
    return rc;
}

int pml_cli_npy(const char *command, const char *dir, const char *name, pml_dtype dtype,
                int ndim, const int64_t *shape, const void *host, int quiet)
{
    char path[PML_PATH_MAX];
    if (pml_cli_path(command, path, sizeof path, dir, name)) return 1;
    pml_device *cpu = NULL;
    pml_tensor *t = NULL;
    pml_status s = pml_device_open("cpu", &cpu);
    if (s == PML_OK) s = pml_tensor_create(cpu, dtype, ndim, shape, &t);
    if (s == PML_OK) s = pml_tensor_upload(t, host, pml_tensor_nbytes(t));
    if (s == PML_OK) s = pml_npy_write(path, t);
    pml_tensor_destroy(t);
    pml_device_close(cpu);
    if (s != PML_OK) return pml_cli_fail(command, path, s);
    if (!quiet) fprintf(stderr, "wrote %s\n", path);
    return 0;
}
