/* Atomic writes (src/core/file.c): the target is replaced whole or not at all, a failure
 * mid-file (a file size limit standing in for a full disk) leaves the old file and no
 * temporary one, a killed writer's stale temporary files go at the next write of the target,
 * destinations are checked before the work, and readers refuse what is not a regular file. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/file.h"
#include "pml_test.h"

TestSuite(file, .init = pml_test_tmpdir_create, .fini = pml_test_tmpdir_remove);

static void write_text(const char *path, const char *text)
{
    pml_wfile w;
    PML_ASSERT_OK(pml_wfile_open("test", path, &w));
    cr_assert(pml_wfile_write(&w, text, strlen(text)));
    PML_ASSERT_OK(pml_wfile_commit("test", &w));
}

static char *read_text(const char *path)
{
    static char buf[1 << 16];
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL, "%s", path);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Entries of the test directory other than the expected ones: leftovers. */
static int entries(void)
{
    DIR *d = opendir(pml_test_tmppath(""));
    cr_assert(d != NULL);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) ++n;
    closedir(d);
    return n;
}

Test(file, replaces_the_target_whole)
{
    char path[512];
    snprintf(path, sizeof path, "%s", pml_test_tmppath("a.txt"));
    write_text(path, "old contents\n");
    cr_expect_str_eq(read_text(path), "old contents\n");
    pml_wfile w;
    PML_ASSERT_OK(pml_wfile_open("test", path, &w));
    fprintf(w.f, "new contents, %d lines\n", 1);
    /* until the commit the target is the old file, and the new one sits beside it */
    cr_expect_str_eq(read_text(path), "old contents\n");
    cr_expect_eq(entries(), 2);
    PML_ASSERT_OK(pml_wfile_commit("test", &w));
    cr_expect_str_eq(read_text(path), "new contents, 1 lines\n");
    cr_expect_eq(entries(), 1, "no temporary file left");
    /* an abort leaves the old file and nothing else */
    PML_ASSERT_OK(pml_wfile_open("test", path, &w));
    fputs("never", w.f);
    pml_wfile_abort(&w);
    pml_wfile_abort(&w); /* twice is harmless */
    cr_expect_str_eq(read_text(path), "new contents, 1 lines\n");
    cr_expect_eq(entries(), 1);
}

/* A write that fails half-way (here a file size limit; a full disk fails the same way)
 * leaves the old file, no partial file, and an error with the OS's reason. */
Test(file, failure_mid_file_keeps_the_old_file)
{
    char path[512];
    snprintf(path, sizeof path, "%s", pml_test_tmppath("model.bin"));
    write_text(path, "the good model");
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {4096, 4096};
    cr_assert(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    pml_wfile w;
    PML_ASSERT_OK(pml_wfile_open("pml_test_save", path, &w));
    static char big[1 << 16];
    memset(big, 'x', sizeof big);
    for (int i = 0; i < 4; ++i) pml_wfile_write(&w, big, sizeof big);
    const pml_status s = pml_wfile_commit("pml_test_save", &w);
    cr_expect_eq(s, PML_ERR_IO);
    cr_expect(strstr(pml_last_error(), "pml_test_save") && strstr(pml_last_error(), path) &&
                  strstr(pml_last_error(), "too large"),
              "%s", pml_last_error());
    cr_expect_str_eq(read_text(path), "the good model");
    cr_expect_eq(entries(), 1, "no partial file left");
}

Test(file, destinations_checked_before_the_work)
{
    char path[512];
    snprintf(path, sizeof path, "%s", pml_test_tmppath("out.safetensors"));
    PML_ASSERT_OK(pml_check_writable("test", path));
    cr_expect_eq(entries(), 0, "the probe file is removed");
    cr_expect_eq(pml_check_writable("test", "/nonexistent-physml-dir/x"), PML_ERR_IO);
    cr_expect(strstr(pml_last_error(), "No such file or directory"), "%s", pml_last_error());
    /* a directory is not a file to write */
    cr_expect_eq(pml_check_writable("test", pml_test_tmppath("")), PML_ERR_IO);
    pml_wfile w;
    cr_expect_eq(pml_wfile_open("test", "/nonexistent-physml-dir/x", &w), PML_ERR_IO);
    cr_expect_null(w.f);
}

Test(file, readers_want_regular_files)
{
    char path[512], fifo[512];
    snprintf(path, sizeof path, "%s", pml_test_tmppath("r.txt"));
    snprintf(fifo, sizeof fifo, "%s", pml_test_tmppath("fifo"));
    write_text(path, "12345");
    FILE *f = NULL;
    long long size = 0;
    PML_ASSERT_OK(pml_open_regular("test", path, &f, &size));
    cr_expect_eq(size, 5);
    fclose(f);
    cr_assert(mkfifo(fifo, 0600) == 0);
    cr_expect_eq(pml_open_regular("test", fifo, &f, NULL), PML_ERR_IO, "a FIFO must not block");
    cr_expect(strstr(pml_last_error(), "not a regular file"), "%s", pml_last_error());
    cr_expect_null(f);
    cr_expect_eq(pml_open_regular("test", pml_test_tmppath(""), &f, NULL), PML_ERR_IO);
    cr_expect(strstr(pml_last_error(), "a directory"), "%s", pml_last_error());
    cr_expect_eq(pml_open_regular("test", pml_test_tmppath("missing"), &f, NULL), PML_ERR_IO);
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void make_aged(const char *path, time_t age)
{
    pml_test_write_file(path, "partial", 7);
    const struct timespec t[2] = {{time(NULL) - age, 0}, {time(NULL) - age, 0}};
    cr_assert_eq(utimensat(AT_FDCWD, path, t, 0), 0);
}

/* A writer killed mid-write leaves `.NAME.tmp.PID.N`; the next write of NAME removes it when
 * its PID is gone and it is an hour old, and leaves alone what a live process (this one) or a
 * recent write (perhaps from another machine of a shared file system) may still own, and the
 * temporary files of other targets. */
Test(file, stale_temporaries_of_the_target_go)
{
    const pid_t child = fork();
    if (child == 0) _exit(0);
    cr_assert(child > 0);
    waitpid(child, NULL, 0); /* a PID that is no process now */
    char dead_old[1024], dead_new[1024], mine_old[1024], other[1024], odd[1024];
    snprintf(dead_old, sizeof dead_old, "%s/.t.bin.tmp.%ld.3", pml_test_tmppath(""), (long)child);
    snprintf(dead_new, sizeof dead_new, "%s/.t.bin.tmp.%ld.4", pml_test_tmppath(""), (long)child);
    snprintf(mine_old, sizeof mine_old, "%s/.t.bin.tmp.%ld.5", pml_test_tmppath(""), (long)getpid());
    snprintf(other, sizeof other, "%s/.u.bin.tmp.%ld.3", pml_test_tmppath(""), (long)child);
    snprintf(odd, sizeof odd, "%s/.t.bin.tmp.%ldx.3", pml_test_tmppath(""), (long)child);
    make_aged(dead_old, 7200);
    make_aged(dead_new, 60);
    make_aged(mine_old, 7200);
    make_aged(other, 7200);
    make_aged(odd, 7200);
    write_text(pml_test_tmppath("t.bin"), "whole");
    cr_expect(!exists(dead_old), "a dead writer's hour-old temporary file stays");
    cr_expect(exists(dead_new), "a recent temporary file was removed");
    cr_expect(exists(mine_old), "a live process's temporary file was removed");
    cr_expect(exists(other), "another target's temporary file was removed");
    cr_expect(exists(odd), "a name not of the pattern was removed");
    cr_expect_str_eq(read_text(pml_test_tmppath("t.bin")), "whole");
}
