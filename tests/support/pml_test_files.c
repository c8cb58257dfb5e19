/* Temporary files for tests that write and read files (IDX, .npy, .safetensors, ...), what
 * a failed read must report, and files damaged at random. */
#define _DEFAULT_SOURCE
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
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

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/* Everything under it, dot files (a killed writer's temporary file) and folders included;
 * never across a mount point (a test's tmpfs it failed to unmount). */
void pml_test_tmpdir_remove(void)
{
    if (pml_test_tmpdir[0] == '\0') return;
    nftw(pml_test_tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
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

void pml_test_expect_error(const char *call, pml_status got, pml_status want, const char *part)
{
    cr_assert_eq(got, want, "%s: got %s (%s), want %s", call, pml_status_string(got),
                 pml_last_error(), pml_status_string(want));
    cr_assert(strstr(pml_last_error(), part) != NULL, "%s: message lacks '%s': %s", call, part,
              pml_last_error());
}

int pml_test_damage_files(const pml_test_damage *d, const char *path,
                          pml_status (*reader)(const char *path, void *user), void *user)
{
    cr_assert(d->nsrc == 1 || d->nsrc == 2);
    size_t cap = d->size[0];
    if (d->nsrc == 2 && d->size[1] > cap) cap = d->size[1];
    unsigned char *bad = malloc(cap);
    uint32_t rng = d->seed;
    int oks = 0;
    for (int it = 0; it < d->iterations; ++it) {
        const int k = it % d->nsrc;
        size_t len = d->size[k];
        const size_t span = d->span[k] && d->span[k] < len ? d->span[k] : len;
        memcpy(bad, d->src[k], len);
        for (int e = 0; e < 1 + it % d->max_edits; ++e) {
            rng = rng * 1103515245u + 12345u;
            const size_t at = (rng >> 8) % span;
            rng = rng * 1103515245u + 12345u;
            bad[at] = d->pool && !(it & 1)
                          ? (unsigned char)d->pool[(rng >> 16) % strlen(d->pool)]
                          : (unsigned char)(rng >> 24);
        }
        if (it % d->cut_every == 0) len = (size_t)((rng >> 4) % len);
        pml_test_write_file(path, bad, len);
        const pml_status s = reader(path, user);
        cr_assert(s == PML_OK || s == PML_ERR_BAD_FORMAT || s == PML_ERR_UNSUPPORTED,
                  "iteration %d: %s (%s)", it, pml_status_string(s), pml_last_error());
        oks += s == PML_OK;
    }
    free(bad);
    return oks;
}
