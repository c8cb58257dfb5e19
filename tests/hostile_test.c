/* The tool as an attacker and a careless user run it (tests/hostile/): bad numbers
 * (numbers.c), hostile and wrong paths and FIFOs (paths.c), a full disk (disk.c), kill -9
 * during saves (kill.c), runs resumed to the uninterrupted result (resume.c), and files that
 * claim more than they hold (bombs.c). This file holds the shared helpers (hostile.h). */
#include "hostile/hostile.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/process.h"

char hostile_out[1 << 16], hostile_err[1 << 14];

void hostile_expect_usage(const char *const *args, const char *option)
{
    const int r = pml_test_physml(args, hostile_out, sizeof hostile_out, hostile_err,
                                  sizeof hostile_err);
    char all[512] = "";
    for (int i = 0; args[i]; ++i)
        snprintf(all + strlen(all), sizeof all - strlen(all), " %s", args[i]);
    cr_expect_eq(r, 2, "physml%s: exit %d, want 2 (stderr: %s)", all, r, hostile_err);
    cr_expect(strstr(hostile_err, option) != NULL, "physml%s: the message does not name %s: %s",
              all, option, hostile_err);
    const char *nl = strchr(hostile_err, '\n');
    cr_expect(nl != NULL && nl[1] == '\0', "physml%s: not one line: %s", all, hostile_err);
}

int hostile_leftovers(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert(d != NULL, "%s", dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) ++n;
    closedir(d);
    return n;
}

const char *hostile_tool(void)
{
    static char tool[512];
    const char *build = getenv("PML_BUILD_DIR");
    snprintf(tool, sizeof tool, "%s/bin/physml", build ? build : ".");
    return tool;
}

int hostile_spawn(const char *const *args)
{
    const pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        const int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        const char *argv[64];
        size_t n = 0;
        argv[n++] = hostile_tool();
        for (; args[n - 1] != NULL && n < 63; ++n) argv[n] = args[n - 1];
        argv[n] = NULL;
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

void hostile_kill_after_first_save(const char *const *args, const char *path, int after_ms)
{
    const int pid = hostile_spawn(args);
    struct stat st;
    for (int i = 0; i < 15000 && stat(path, &st) != 0; ++i) usleep(2000);
    usleep((useconds_t)after_ms * 1000u);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    cr_assert(WIFSIGNALED(status), "the run ended before the kill: make it longer");
    cr_assert_eq(stat(path, &st), 0, "%s: nothing saved before the kill", path);
}

int hostile_mount_tmpfs(const char *dir, int kib, char *why, size_t why_size)
{
    if (geteuid() != 0) {
        snprintf(why, why_size, "not running as root");
        return -1;
    }
    if (mkdir(dir, 0700) != 0) {
        snprintf(why, why_size, "mkdir %s failed", dir);
        return -1;
    }
    char size[32];
    snprintf(size, sizeof size, "size=%dk", kib);
    const char *const argv[] = {"mount", "-t", "tmpfs", "-o", size, "tmpfs", dir, NULL};
    if (pml_run(argv, NULL, NULL, 0, why, why_size) != 0) return -1;
    return 0;
}

void hostile_umount(const char *dir)
{
    const char *const argv[] = {"umount", dir, NULL};
    pml_run(argv, NULL, NULL, 0, NULL, 0);
}
