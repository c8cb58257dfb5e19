/* Files, as the library and the tool write and read them.
 *
 * Every file physml writes goes through pml_wfile: a temporary file in the target's
 * directory, every write checked, then fflush, fsync, fclose (each checked), rename over the
 * target and an fsync of the directory. A kill at any moment leaves either the old file or
 * the complete new one; a full disk leaves the old file and no partial one, and the caller
 * gets PML_ERR_IO with the OS's reason. Readers open only regular files (a FIFO would block
 * forever, a directory reads as garbage). */
#ifndef PML_CORE_FILE_H
#define PML_CORE_FILE_H

#include <stdio.h>

#include "core/internal.h"

#define PML_PATH_MAX 4096

typedef struct pml_wfile {
    FILE *f;                  /* write through it (fwrite, fprintf); checked at commit */
    int failed;               /* a pml_wfile_write failed (errno kept in err) */
    int err;
    char path[PML_PATH_MAX];  /* the target */
    char tmp[PML_PATH_MAX];   /* the temporary file beside it; "" once committed or aborted */
} pml_wfile;

/* Create the temporary file for `path` (".NAME.tmp.PID.N" in the same directory, so the
 * rename stays on one file system; mode 0666 less the umask, as fopen would). Errors name
 * fn, the path and the OS's reason; nothing is left behind. */
pml_status pml_wfile_open(const char *fn, const char *path, pml_wfile *w);
/* fwrite that remembers a failure for commit; returns 1 when all n bytes were written. */
int pml_wfile_write(pml_wfile *w, const void *data, size_t n);
/* Finish: flush, check every error seen, fsync, close, rename over the target, fsync the
 * directory. On any failure the temporary file is removed and the target left as it was. */
pml_status pml_wfile_commit(const char *fn, pml_wfile *w);
/* Give up: close and remove the temporary file (nothing when already committed). */
void pml_wfile_abort(pml_wfile *w);

/* Make a finished file that another program wrote (`tmp`, beside `path`) the target: fsync
 * it, rename it over `path`, fsync the directory. On failure tmp is removed. Temporaries of
 * path that a killed writer left, named as the shared writer names them (.BASE.tmp.PID.N, an
 * hour old, of no live process), are removed first; name tmp so (the pid and any N). */
pml_status pml_file_publish(const char *fn, const char *tmp, const char *path);

/* Whether a file can be created at `path` now: its directory exists and accepts a new file
 * (made and removed again). For checking a destination before a long run. */
pml_status pml_check_writable(const char *fn, const char *path);

/* Open `path` for reading if it is a regular file; *size (may be NULL) gets its length. */
pml_status pml_open_regular(const char *fn, const char *path, FILE **out, long long *size);

#endif
