/* Whole replicas over the threads, each thread with its own scratch: the threading of the
 * cluster kernels (src/cpu/ising_sw_fast.c, src/cpu/ising_wolff.c), whose replicas are
 * independent and whose work per replica is too irregular for one lockstep loop. */
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cpu/cpu.h"

pml_status pml_cpu_ising_for_replicas(const pml_ising_sweeps_args *a, size_t per,
                                      pml_cpu_replica_fn *fn, const char *what)
{
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    if (threads > a->replicas) threads = (int)a->replicas;
    char *mem = malloc((size_t)threads * per);
    if (!mem)
        return pml_set_error(PML_ERR_OUT_OF_MEMORY, "%s: scratch for %d x %lld sites", what,
                             threads, (long long)(a->lx * a->ly));
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) if (threads > 1)
    for (int64_t r = 0; r < a->replicas; ++r) {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        fn(a, r, mem + (size_t)tid * per);
    }
    free(mem);
    return PML_OK;
}
