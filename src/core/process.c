/* pml_run: fork, exec with an argument vector, both outputs read through pipes. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/process.h"
#include "physml/version.h"

int pml_on_path(const char *name)
{
    const char *path = getenv("PATH");
    char buf[4096];
    for (const char *p = path ? path : "/usr/bin:/bin"; p && *p;) {
        const char *colon = strchr(p, ':');
        const int len = colon ? (int)(colon - p) : (int)strlen(p);
        if (snprintf(buf, sizeof buf, "%.*s/%s", len, len ? p : ".", name) < (int)sizeof buf &&
            access(buf, X_OK) == 0)
            return 1;
        p = colon ? colon + 1 : NULL;
    }
    return 0;
}

/* The spin count pml_restart_tuned gives libgomp, and the mark that says physml set it. */
#define PML_GOMP_SPINCOUNT "10000"
#define PML_SPIN_MARK "PML_SPIN_SET"

/* The child: /dev/null on stdin (and on an output nobody wants), then exec. */
static void child(const char *const *argv, const char *cwd, int out_w, int err_w)
{
    const int null = open("/dev/null", O_RDWR);
    dup2(null, STDIN_FILENO);
    dup2(out_w >= 0 ? out_w : null, STDOUT_FILENO);
    dup2(err_w >= 0 ? err_w : null, STDERR_FILENO);
    if (cwd && chdir(cwd) != 0) _exit(127);
    execvp(argv[0], (char *const *)argv);
    _exit(127);
}

/* Append what fd has to buf (keeping at most cap - 1 bytes); 0 at end of file. */
static int drain(int fd, char *buf, size_t cap, size_t *len)
{
    char chunk[4096];
    const ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) return n < 0 && errno == EINTR ? 1 : 0;
    if (buf && *len + 1 < cap) {
        const size_t k = (size_t)n < cap - 1 - *len ? (size_t)n : cap - 1 - *len;
        memcpy(buf + *len, chunk, k);
        *len += k;
        buf[*len] = '\0';
    }
    return 1;
}

int pml_run(const char *const *argv, const char *cwd, char *out, size_t out_cap, char *err,
            size_t err_cap)
{
    int po[2] = {-1, -1}, pe[2] = {-1, -1};
    if (out_cap) out[0] = '\0';
    if (err_cap) err[0] = '\0';
    if ((out && pipe(po) != 0) || (err && pipe(pe) != 0)) return -1;
    const pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        if (po[0] >= 0) close(po[0]);
        if (pe[0] >= 0) close(pe[0]);
        child(argv, cwd, po[1], pe[1]);
    }
    if (po[1] >= 0) close(po[1]);
    if (pe[1] >= 0) close(pe[1]);
    /* both pipes at once: a child filling one while we block on the other would hang */
    size_t lo = 0, le = 0;
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; ++i)
            if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
                !drain(fds[i].fd, i ? err : out, i ? err_cap : out_cap, i ? &le : &lo)) {
                close(fds[i].fd);
                fds[i].fd = -1;
            }
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void pml_restart_tuned(char **argv)
{
    if (argv == NULL) return;
    const char *mark = getenv(PML_SPIN_MARK);
    if (mark) {
        /* the restarted process: libgomp read the spin count as it loaded, so the programs
         * this one starts (a Python peer's libgomp, gnuplot) get the user's environment back
         * (here, not between fork and exec, where unsetenv is not async-signal-safe); only
         * the value physml set, which the mark holds */
        const char *spin = getenv("GOMP_SPINCOUNT");
        if (spin && strcmp(spin, mark) == 0) unsetenv("GOMP_SPINCOUNT");
        unsetenv(PML_SPIN_MARK);
        return;
    }
    int set_core = 0, set_spin = 0;
    const char *core = pml_blas_core_suggested();
    if (core && !getenv("OPENBLAS_CORETYPE") && !getenv("PML_BLAS_KEEP"))
        set_core = setenv("OPENBLAS_CORETYPE", core, 1) == 0;
    if (!getenv("GOMP_SPINCOUNT") && !getenv("OMP_WAIT_POLICY") && !getenv("PML_SPIN_KEEP"))
        set_spin = setenv("GOMP_SPINCOUNT", PML_GOMP_SPINCOUNT, 1) == 0 &&
                   setenv(PML_SPIN_MARK, PML_GOMP_SPINCOUNT, 1) == 0;
    if (!set_core && !set_spin) return;
    execv("/proc/self/exe", argv);
    /* the exec failed: go on as we are */
    if (set_core) unsetenv("OPENBLAS_CORETYPE");
    if (set_spin) {
        unsetenv("GOMP_SPINCOUNT");
        unsetenv(PML_SPIN_MARK);
    }
}
