/* The hostile suite (tests/hostile_test.c and tests/hostile/<kind>.c): the tool run as an attacker
 * and a careless user would. Each file holds one kind of abuse; this header the shared
 * helpers. Every test gets its own temporary directory. */
#ifndef PML_HOSTILE_H
#define PML_HOSTILE_H

#define _DEFAULT_SOURCE
#include <stddef.h>

#include "pml_test.h"

#define HOSTILE(name)                                                                     \
    Test(hostile, name, .init = pml_test_tmpdir_create, .fini = pml_test_tmpdir_remove)

/* stdout and stderr of the last PHYSML() */
extern char hostile_out[1 << 16], hostile_err[1 << 14];

/* physml with args (NULL-terminated): exit code; stdout in hostile_out, stderr in
 * hostile_err. */
#define PHYSML(...)                                                                       \
    pml_test_physml((const char *const[]){__VA_ARGS__, NULL}, hostile_out,                \
                    sizeof hostile_out, hostile_err, sizeof hostile_err)

/* A usage error: exit 2 and one line on stderr naming the option. */
void hostile_expect_usage(const char *const *args, const char *option);
#define USAGE(option, ...) hostile_expect_usage((const char *const[]){__VA_ARGS__, NULL}, option)

/* Entries of dir whose name starts with a dot: temporary files left behind. */
int hostile_leftovers(const char *dir);

/* The physml binary of the build tree. */
const char *hostile_tool(void);

/* Start physml with args (NULL-terminated) in the background, its output thrown away;
 * returns the pid. */
int hostile_spawn(const char *const *args);

/* Start physml with args, wait until `path` exists (the run's first save), let it run
 * `after_ms` more, kill it with SIGKILL; fails the test when the run ended before the kill
 * or saved nothing. */
void hostile_kill_after_first_save(const char *const *args, const char *path, int after_ms);

/* The run `args` whole, then with `save_opt path` killed after_ms after its first save,
 * then resumed (`save_opt path resume_opt path`, without args' --quiet): its stdout, less
 * what `cut` removes (NULL: nothing), equal to the whole run's, and its stderr saying `says`
 * (that it took what the file held: a run that started afresh gives the same stdout). */
void hostile_killed_run_matches(const char *const *args, const char *save_opt,
                                const char *resume_opt, const char *path, int after_ms,
                                void (*cut)(char *), const char *says);
/* Mount a tmpfs of `kib` KiB on dir (creating it); 0, or -1 with the reason in why. */
int hostile_mount_tmpfs(const char *dir, int kib, char *why, size_t why_size);
void hostile_umount(const char *dir);

#endif
