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

/* For a program's main: start this same program again, once (execv of /proc/self/exe with
 * the same argv; no shell), with the environment two libraries read only as they load:
 * - OPENBLAS_CORETYPE, when the CPU BLAS fell back to a generic core on this processor
 *   (pml_blas_core_suggested) and it is unset, so that GEMMs use the vector units
 *   (PML_BLAS_KEEP set: keep the fallback, to measure it);
 * - GOMP_SPINCOUNT=10000 when neither it nor OMP_WAIT_POLICY is set (PML_SPIN_KEEP set:
 *   keep libgomp's default of 300,000). A thread waiting at a barrier then spins about
 *   10 us, not about a millisecond, before it sleeps: the same speed on a quiet machine, and
 *   when two OpenMP programs share the cores, neither burns the other's time slices (an RBM
 *   epoch beside a second program took 42.5 s with the default, 3.9 s with this, 0.8 s
 *   alone; docs/architecture.md, "Threads"). The restarted process removes it again once
 *   libgomp has read it, so the programs it starts get the user's spin count (they do get
 *   OPENBLAS_CORETYPE: bench_rbm chooses the peers' kernels itself).
 * Returns only when it did not restart: nothing to set (set by the user, or by the restart
 * itself), or the exec failed. */
void pml_restart_tuned(char **argv);

#endif
