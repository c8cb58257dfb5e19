/* Temporary files for tests that write and read files (IDX, .npy, .safetensors, ...). */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pml_test.h"

char pml_test_tmpdir[64];

void pml_test_tmpdir_create(void)
{
    strcpy(pml_test_tmpdir, "/tmp/pml_test_XXXXXX");
    cr_assert(mkdtemp(pml_test_tmpdir) != NULL, "cannot make a temporary directory");
}

void pml_test_tmpdir_remove(void)
{
    DIR *d = opendir(pml_test_tmpdir);
    if (!d) return;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        snprintf(p, sizeof p, "%s/%s", pml_test_tmpdir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(pml_test_tmpdir);
}

const char *pml_test_tmppath(const char *name)
{
    static char buf[8][512];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", pml_test_tmpdir, name);
    return buf[k];
}

void pml_test_write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f != NULL, "cannot write %s", path);
    cr_assert_eq(fwrite(p, 1, n, f), n);
    fclose(f);
}

size_t pml_test_read_file(const char *path, unsigned char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL, "cannot read %s", path);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}
