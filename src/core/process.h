/* Running another program without a shell: an argument vector, never a command line, so no
 * path or name can become a command (the tool's gnuplot, the tests' Python checks, the
 * benchmarks' peers). Nothing in the project calls system() or popen(); the CTest
 * layout_no_shell checks it. */
#ifndef PML_CORE_PROCESS_H
#define PML_CORE_PROCESS_H

#include <stddef.h>

/* Run argv[0] (looked up on PATH) with arguments argv (NULL-terminated), in directory cwd
 * (NULL: the current one), stdin from /dev/null. Its stdout goes into out (at most cap - 1
 * bytes kept, NUL-terminated; out NULL: discarded), its stderr into err likewise. Returns the
 * exit status 0..255 (127: it could not be started), or -1 when it died of a signal or could
 * not be forked. */
int pml_run(const char *const *argv, const char *cwd, char *out, size_t out_cap, char *err,
            size_t err_cap);

/* Whether an executable `name` is on PATH. */
int pml_on_path(const char *name);

/* For a program's main: when the CPU BLAS fell back to a generic core on this processor
 * (pml_blas_core_suggested) and OPENBLAS_CORETYPE is unset, start this same program again
 * (execv of /proc/self/exe with the same argv; no shell) with OPENBLAS_CORETYPE set to the
 * right core, so its GEMMs use the processor's vector units. Returns only when it did not
 * restart: the core is right, the variable is set (by the user, or by the restart itself),
 * PML_BLAS_KEEP is set (to measure the fallback), or the exec failed. */
void pml_blas_restart(char **argv);

#endif
