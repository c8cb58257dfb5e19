/* Atomic writes and careful opens (see file.h). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/file.h"

/* The directory part of path ("." when there is none) into dir; the name after it in *base. */
static int split_path(const char *path, char *dir, size_t cap, const char **base)
{
    const char *slash = strrchr(path, '/');
    *base = slash ? slash + 1 : path;
    if (!slash) return snprintf(dir, cap, ".") < (int)cap;
    if (slash == path) return snprintf(dir, cap, "/") < (int)cap;
    return snprintf(dir, cap, "%.*s", (int)(slash - path), path) < (int)cap;
}

static atomic_uint tmp_counter;

/* Temporary files of earlier writes of the same target left by a writer that was killed:
 * `.BASE.tmp.PID.N` in dir whose PID is no process here and which nobody has written for an
 * hour (a writer on another machine of a shared file system has a PID this machine does not
 * know, but a live writer keeps its file's time fresh). Best effort: errors are ignored. */
#define PML_STALE_SECONDS 3600
static void remove_stale(const char *dir, const char *base)
{
    DIR *d = opendir(dir);
    if (!d) return;
    char prefix[PML_PATH_MAX];
    const int np = snprintf(prefix, sizeof prefix, ".%s.tmp.", base);
    const time_t now = time(NULL);
    for (struct dirent *e; np > 0 && np < (int)sizeof prefix && (e = readdir(d)) != NULL;) {
        if (strncmp(e->d_name, prefix, (size_t)np) != 0) continue;
        char *end = NULL;
        errno = 0;
        const long pid = strtol(e->d_name + np, &end, 10);
        if (errno || end == e->d_name + np || *end != '.' || pid <= 0 || pid == (long)getpid())
            continue;
        const char *tail = end + 1; /* N: digits to the end */
        if (*tail == '\0' || strspn(tail, "0123456789") != strlen(tail)) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        char full[2 * PML_PATH_MAX];
        if (snprintf(full, sizeof full, "%s/%s", dir, e->d_name) >= (int)sizeof full) continue;
        struct stat st;
        if (lstat(full, &st) != 0 || !S_ISREG(st.st_mode) || now - st.st_mtime < PML_STALE_SECONDS)
            continue;
        unlink(full);
    }
    closedir(d);
}

/* A new temporary file beside path: its name in tmp, its descriptor returned (-1: errno). */
static int create_beside(const char *path, char *tmp, size_t cap)
{
    char dir[PML_PATH_MAX];
    const char *base = NULL;
    if (!split_path(path, dir, sizeof dir, &base) || *base == '\0') {
        errno = EINVAL;
        return -1;
    }
    remove_stale(dir, base);
    for (int attempt = 0; attempt < 100; ++attempt) {
        const unsigned n = atomic_fetch_add(&tmp_counter, 1u);
        if (snprintf(tmp, cap, "%s/.%s.tmp.%ld.%u", dir, base, (long)getpid(), n) >= (int)cap) {
            errno = ENAMETOOLONG;
            return -1;
        }
        const int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST) return fd;
    }
    return -1;
}

pml_status pml_wfile_open(const char *fn, const char *path, pml_wfile *w)
{
    memset(w, 0, sizeof *w);
    PML_CHECK_ARG(path != NULL, fn, "path is NULL");
    PML_CHECK(strlen(path) < sizeof w->path, PML_ERR_IO, "%s: path longer than %d bytes", fn,
              PML_PATH_MAX - 1);
    snprintf(w->path, sizeof w->path, "%s", path);
    struct stat st;
    PML_CHECK(stat(path, &st) != 0 || !S_ISDIR(st.st_mode), PML_ERR_IO,
              "%s: cannot write '%s': it is a directory", fn, path);
    const int fd = create_beside(path, w->tmp, sizeof w->tmp);
    if (fd < 0) {
        const int e = errno;
        w->tmp[0] = '\0';
        return pml_set_error(PML_ERR_IO, "%s: cannot write '%s': %s", fn, path, strerror(e));
    }
    w->f = fdopen(fd, "wb");
    if (w->f == NULL) {
        const int e = errno;
        close(fd);
        unlink(w->tmp);
        w->tmp[0] = '\0';
        return pml_set_error(PML_ERR_IO, "%s: cannot write '%s': %s", fn, path, strerror(e));
    }
    return PML_OK;
}

int pml_wfile_write(pml_wfile *w, const void *data, size_t n)
{
    if (w->failed || w->f == NULL) return 0;
    if (n == 0 || fwrite(data, 1, n, w->f) == n) return 1;
    w->failed = 1;
    w->err = errno ? errno : EIO;
    return 0;
}

void pml_wfile_abort(pml_wfile *w)
{
    if (w->f) fclose(w->f);
    w->f = NULL;
    if (w->tmp[0]) unlink(w->tmp);
    w->tmp[0] = '\0';
}

/* fsync the directory that holds path, so the rename itself survives a crash. File systems
 * that cannot (EINVAL) are let be. */
static int sync_dir(const char *path)
{
    char dir[PML_PATH_MAX];
    const char *base = NULL;
    if (!split_path(path, dir, sizeof dir, &base)) return 0;
    const int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return 0;
    const int r = fsync(fd) == 0 || errno == EINVAL || errno == EROFS ? 0 : errno;
    close(fd);
    return r;
}

/* The end of a commit, the temporary file closed and synced (e: the first error so far, 0
 * for none): rename it over the target and sync the directory, or remove it. */
static pml_status finish(const char *fn, pml_wfile *w, int e)
{
    if (!e && rename(w->tmp, w->path) != 0) e = errno;
    if (e) {
        unlink(w->tmp);
        w->tmp[0] = '\0';
        return pml_set_error(PML_ERR_IO, "%s: writing '%s' failed: %s (the file was left as it "
                             "was)", fn, w->path, strerror(e));
    }
    w->tmp[0] = '\0';
    e = sync_dir(w->path);
    PML_CHECK(e == 0, PML_ERR_IO, "%s: '%s' written, but its directory could not be synced: %s",
              fn, w->path, strerror(e));
    return PML_OK;
}

pml_status pml_file_publish(const char *fn, const char *tmp, const char *path)
{
    pml_wfile w;
    memset(&w, 0, sizeof w);
    PML_CHECK(strlen(tmp) < sizeof w.tmp && strlen(path) < sizeof w.path, PML_ERR_INTERNAL,
              "%s: path too long", fn);
    strcpy(w.tmp, tmp);
    strcpy(w.path, path);
    /* the temporaries of earlier publications of path that a killed run left, when they
     * follow the shared naming (.BASE.tmp.PID.N, as pml_gnuplot_render's does) */
    char dir[PML_PATH_MAX];
    const char *base = NULL;
    if (split_path(path, dir, sizeof dir, &base) && *base) remove_stale(dir, base);
    int e = 0;
    const int fd = open(tmp, O_RDONLY | O_CLOEXEC);
    if (fd < 0) e = errno;
    else if (fsync(fd) != 0 && errno != EINVAL) e = errno;
    if (fd >= 0) close(fd);
    return finish(fn, &w, e);
}

pml_status pml_wfile_commit(const char *fn, pml_wfile *w)
{
    PML_CHECK(w->f != NULL && w->tmp[0], PML_ERR_INTERNAL, "%s: '%s' is not open", fn, w->path);
    int e = w->failed ? w->err : 0;
    errno = 0;
    if (!e && fflush(w->f) != 0) e = errno ? errno : EIO;
    if (!e && ferror(w->f)) e = errno ? errno : EIO;
    if (!e && fsync(fileno(w->f)) != 0 && errno != EINVAL) e = errno;
    const int closed = fclose(w->f);
    w->f = NULL;
    if (!e && closed != 0) e = errno ? errno : EIO;
    return finish(fn, w, e);
}

pml_status pml_check_writable(const char *fn, const char *path)
{
    pml_wfile w;
    PML_TRY(pml_wfile_open(fn, path, &w));
    pml_wfile_abort(&w);
    return PML_OK;
}

pml_status pml_open_regular(const char *fn, const char *path, FILE **out, long long *size)
{
    *out = NULL;
    PML_CHECK_ARG(path != NULL, fn, "path is NULL");
    /* O_NONBLOCK: opening a FIFO with no writer must not hang before fstat can refuse it */
    const int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    PML_CHECK(fd >= 0, PML_ERR_IO, "%s: cannot open '%s': %s", fn, path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        const int e = errno;
        close(fd);
        return pml_set_error(PML_ERR_IO, "%s: cannot open '%s': %s", fn, path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return pml_set_error(PML_ERR_IO, "%s: '%s' is %s, not a regular file", fn, path,
                             S_ISDIR(st.st_mode) ? "a directory" : "a FIFO, socket or device");
    }
    /* back to blocking reads */
    const int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    FILE *f = fdopen(fd, "rb");
    if (f == NULL) {
        const int e = errno;
        close(fd);
        return pml_set_error(PML_ERR_IO, "%s: cannot open '%s': %s", fn, path, strerror(e));
    }
    if (size) *size = (long long)st.st_size;
    *out = f;
    return PML_OK;
}
