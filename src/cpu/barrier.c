/* A barrier for the threads of one OpenMP parallel region that yields the core while it
 * waits: on shared cores a partner thread is often descheduled, and OpenMP's spinning
 * barrier keeps busy the core that thread needs (measured on the Ising bands: 2-4x slower
 * under load than this one). Used where a parallel region runs many short phases (the Ising
 * bands, the Swendsen-Wang strips). */
#define _POSIX_C_SOURCE 200809L /* sched_yield */
#include <sched.h>

#include "cpu/cpu.h"

/* Sense counting: the last thread to arrive bumps the generation; the others spin a little,
 * then sched_yield(). The atomics (acquire/release) order every write before the barrier
 * against every read after it. */
void pml_cpu_barrier(pml_cpu_barrier_t *b, unsigned nth)
{
    const unsigned g = atomic_load_explicit(&b->gen, memory_order_acquire);
    if (atomic_fetch_add_explicit(&b->count, 1u, memory_order_acq_rel) + 1u == nth) {
        atomic_store_explicit(&b->count, 0u, memory_order_relaxed);
        atomic_fetch_add_explicit(&b->gen, 1u, memory_order_release);
        return;
    }
    for (int spins = 0; atomic_load_explicit(&b->gen, memory_order_acquire) == g;) {
        if (++spins < 512) {
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        } else {
            sched_yield();
        }
    }
}
