/* A full disk: a small tmpfs holding good files from earlier runs, then filled to the last
 * block. Every command that writes must then fail with the OS's reason, keep the good files
 * as they were, print no "wrote" and leave no partial or temporary file. Needs root to mount;
 * skipped otherwise, with the reason. */
#include "hostile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A file's bytes, to compare before and after. */
typedef struct snapshot {
    char path[320];
    unsigned char bytes[1 << 15];
    size_t n;
} snapshot;

static void take(snapshot *s, const char *dir, const char *name)
{
    snprintf(s->path, sizeof s->path, "%s/%s", dir, name);
    s->n = pml_test_read_file(s->path, s->bytes, sizeof s->bytes);
    cr_assert(s->n > 0, "%s is missing or empty before the disk fills", s->path);
}

static void expect_unchanged(const snapshot *s)
{
    static unsigned char now[1 << 15];
    const size_t n = pml_test_read_file(s->path, now, sizeof now);
    cr_expect(n == s->n && memcmp(now, s->bytes, n) == 0, "%s changed on a full disk", s->path);
}

/* The command failed for the disk's sake and said so, and claimed no file. */
static void expect_disk_full(int rc, const char *what)
{
    cr_expect_eq(rc, 1, "%s on a full disk: exit %d (stderr: %s)", what, rc, hostile_err);
    cr_expect(strstr(hostile_err, "No space left on device") != NULL, "%s: %s", what,
              hostile_err);
    cr_expect(strstr(hostile_out, "wrote") == NULL && strstr(hostile_err, "wrote") == NULL,
              "%s printed 'wrote' on a full disk", what);
}

static void fill(const char *dir)
{
    char path[320];
    snprintf(path, sizeof path, "%s/fill", dir);
    FILE *f = fopen(path, "wb");
    cr_assert(f != NULL);
    static char block[4096];
    while (fwrite(block, 1, sizeof block, f) == sizeof block && fflush(f) == 0) {
    }
    fclose(f);
    /* the last partial block too */
    f = fopen(path, "ab");
    while (f != NULL && fputc(0, f) != EOF && fflush(f) == 0) {
    }
    if (f) fclose(f);
}

HOSTILE(full_disk_keeps_the_old_files)
{
    char mnt[256], why[512] = "";
    snprintf(mnt, sizeof mnt, "%s", pml_test_tmppath("disk"));
    if (hostile_mount_tmpfs(mnt, 1024, why, sizeof why) != 0)
        cr_skip_test("cannot mount a small tmpfs: %s", why);
    char state[300], scan[300], lattice[300], mf[300], model[300];
    snprintf(state, sizeof state, "%s/state", mnt);
    snprintf(scan, sizeof scan, "%s/scan", mnt);
    snprintf(lattice, sizeof lattice, "%s/lattice", mnt);
    snprintf(mf, sizeof mf, "%s/mf", mnt);
    snprintf(model, sizeof model, "%s/model.safetensors", mnt);

    /* the good files */
    cr_assert_eq(PHYSML("ising", "--L", "16", "--sweeps", "20", "--therm", "0", "--save-state",
                        state, "--quiet", "--device", "cpu"), 0, "%s", hostile_err);
    cr_assert_eq(PHYSML("ising", "scan", "--L", "4", "--T", "2.2,2.4", "--sweeps", "40",
                        "--therm", "10", "--quiet", "--device", "cpu", "--out", scan),
                 0, "%s", hostile_err);
    cr_assert_eq(PHYSML("meanfield", "--quiet", "--out", mf), 0, "%s", hostile_err);
    cr_assert_eq(PHYSML("train", "--subset", "500", "--test-subset", "200", "--epochs", "1",
                        "--arch", "dense:10", "--val", "0", "--quiet", "--device", "cpu",
                        "--save", model),
                 0, "%s", hostile_err);
    snapshot *s = calloc(5, sizeof *s);
    cr_assert(s != NULL);
    take(&s[0], mnt, "state");
    take(&s[1], scan, "scan.csv");
    take(&s[2], mf, "meanfield_m.dat");
    take(&s[3], mnt, "model.safetensors");
    cr_assert(mkdir(lattice, 0700) == 0);

    fill(mnt);

    expect_disk_full(PHYSML("ising", "--L", "64", "--sweeps", "20", "--therm", "0",
                            "--save-state", state, "--quiet", "--device", "cpu"),
                     "ising --save-state");
    expect_disk_full(PHYSML("ising", "scan", "--L", "4", "--T", "2.2,2.4", "--sweeps", "40",
                            "--therm", "10", "--quiet", "--device", "cpu", "--out", scan),
                     "ising scan --out");
    expect_disk_full(PHYSML("ising", "--L", "64", "--sweeps", "10", "--therm", "0", "--quiet",
                            "--device", "cpu", "--out", lattice),
                     "ising --out");
    expect_disk_full(PHYSML("meanfield", "--quiet", "--out", mf), "meanfield --out");
    expect_disk_full(PHYSML("train", "--subset", "500", "--test-subset", "200", "--epochs", "1",
                            "--arch", "dense:10", "--val", "0", "--quiet", "--device", "cpu",
                            "--save", model),
                     "train --save");
    expect_disk_full(PHYSML("train", "--subset", "500", "--test-subset", "200", "--epochs", "1",
                            "--arch", "dense:10", "--val", "0", "--quiet", "--device", "cpu",
                            "--out", mf),
                     "train --out");
    expect_disk_full(PHYSML("tour", "--quick", "--only", "ising", "--quiet", "--device", "cpu",
                            "--out", mf),
                     "tour --out");
    for (int i = 0; i < 4; ++i) expect_unchanged(&s[i]);
    cr_expect_eq(hostile_leftovers(mnt), 0, "temporary files left in %s", mnt);
    cr_expect_eq(hostile_leftovers(scan), 0, "temporary files left in %s", scan);
    cr_expect_eq(hostile_leftovers(mf), 0, "temporary files left in %s", mf);
    cr_expect_eq(hostile_leftovers(lattice), 0, "temporary files left in %s", lattice);
    free(s);
    hostile_umount(mnt);
}
