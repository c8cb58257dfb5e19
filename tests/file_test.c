/* Atomic writes (src/core/file.c): the target is replaced whole or not at all, a failure
 * mid-file (a file size limit standing in for a full disk) leaves the old file and no
 * temporary one, destinations are checked before the work, and readers refuse what is not a
 * regular file. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
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

/* pml_wfile_by_path for writers that open the file themselves: the target is replaced by what
 * they wrote, or, when they fail, left as it was with no temporary file. */
static pml_status write_by_name(const char *tmp, void *user)
{
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) return pml_set_error(PML_ERR_IO, "cannot open %s", tmp);
    fputs(user ? (const char *)user : "half a file", f);
    fclose(f);
    return user ? PML_OK : pml_set_error(PML_ERR_IO, "writer: failed half-way");
}

Test(file, writers_by_path_replace_the_target_whole)
{
    char path[512];
    snprintf(path, sizeof path, "%s", pml_test_tmppath("ckpt.safetensors"));
    write_text(path, "epoch 1");
    PML_ASSERT_OK(pml_wfile_by_path("test", path, write_by_name, "epoch 2"));
    cr_expect_str_eq(read_text(path), "epoch 2");
    cr_expect_eq(entries(), 1, "no temporary file left");
    cr_expect_eq(pml_wfile_by_path("test", path, write_by_name, NULL), PML_ERR_IO);
    cr_expect(strstr(pml_last_error(), "failed half-way"), "%s", pml_last_error());
    cr_expect_str_eq(read_text(path), "epoch 2");
    cr_expect_eq(entries(), 1, "no partial file left");
    cr_expect_eq(pml_wfile_by_path("test", "/nonexistent-physml-dir/x", write_by_name, "x"),
                 PML_ERR_IO);
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
