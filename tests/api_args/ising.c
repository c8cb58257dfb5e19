/* api_args cases for ising.h: f->ising is 2 replicas of 4x4, icfg a valid config of
 * 1 replica. */
#include "api_args.h"

#define CREATE(cfg, T, B) pml_ising_create(f->dev, cfg, T, B, &f->out_ising)
#define MIXED(cfg, lx, ly, T) pml_ising_create_mixed(f->dev, cfg, lx, ly, T, NULL, &f->out_ising)
#define ROOTS(T, B, J, q, cap) pml_meanfield_roots(T, B, J, q, f->roots, cap, &f->ival)
/* two temperatures T2, and the cumulants there of a small (US) and a large (UL) lattice,
 * which cross */
#define BINDER(T, us, ul, n) pml_ising_binder_crossing(T, us, ul, n, &f->dval)
#define EXACT(lx, ly, T, J) pml_ising_exact_finite(lx, ly, T, J, &f->dval, NULL, NULL)
#define T2 DOUBLES(2.0, 2.5)
#define US DOUBLES(0.6, 0.4)
#define UL DOUBLES(0.7, 0.3)
#define ISING_CASES(X)                                                                     \
    X(pml_ising_create, S_INVALID,                                                         \
      pml_ising_create(NULL, &f->icfg, DOUBLES(2.0), NULL, &f->out_ising))                 \
    X(pml_ising_create, S_INVALID, CREATE(NULL, DOUBLES(2.0), NULL))                       \
    X(pml_ising_create, S_INVALID, CREATE(&f->icfg, NULL, NULL))                           \
    X(pml_ising_create, S_INVALID, pml_ising_create(f->dev, &f->icfg, DOUBLES(2.0), NULL, NULL)) \
    X(pml_ising_create, S_INVALID, CREATE(IC(replicas, 0), DOUBLES(2.0), NULL))            \
    X(pml_ising_create, S_INVALID, CREATE(IC(replicas, (1 << 24) + 1), DOUBLES(2.0), NULL)) \
    X(pml_ising_create, S_INVALID, CREATE(IC(lx, 3), DOUBLES(2.0), NULL))                  \
    X(pml_ising_create, S_INVALID, CREATE(IC(lx, 0), DOUBLES(2.0), NULL))                  \
    X(pml_ising_create, S_INVALID, CREATE(IC(ly, -2), DOUBLES(2.0), NULL))                 \
    X(pml_ising_create, S_INVALID, CREATE(IC(lx, 1 << 21), DOUBLES(2.0), NULL))            \
    X(pml_ising_create, S_INVALID, CREATE(IC(J, NAN), DOUBLES(2.0), NULL))                 \
    X(pml_ising_create, S_INVALID, CREATE(IC(rule, (pml_ising_rule)5), DOUBLES(2.0), NULL)) \
    X(pml_ising_create, S_INVALID, CREATE(&f->icfg, DOUBLES(0.0), NULL))                   \
    X(pml_ising_create, S_INVALID, CREATE(&f->icfg, DOUBLES(-1.0), NULL))                  \
    X(pml_ising_create, S_INVALID, CREATE(&f->icfg, DOUBLES(NAN), NULL))                   \
    X(pml_ising_create, S_INVALID, CREATE(&f->icfg, DOUBLES(2.0), DOUBLES(INFINITY)))      \
    X(pml_ising_create, S_OK, CREATE(&f->icfg, DOUBLES(2.0), NULL)) /* B NULL: zero */     \
    X(pml_ising_create_mixed, S_INVALID,                                                   \
      pml_ising_create_mixed(NULL, &f->icfg, I64S(4), I64S(4), DOUBLES(2.0), NULL, &f->out_ising)) \
    X(pml_ising_create_mixed, S_INVALID, MIXED(NULL, I64S(4), I64S(4), DOUBLES(2.0)))      \
    X(pml_ising_create_mixed, S_INVALID, MIXED(&f->icfg, NULL, I64S(4), DOUBLES(2.0)))     \
    X(pml_ising_create_mixed, S_INVALID, MIXED(&f->icfg, I64S(4), NULL, DOUBLES(2.0)))     \
    X(pml_ising_create_mixed, S_INVALID, MIXED(&f->icfg, I64S(4), I64S(4), NULL))          \
    X(pml_ising_create_mixed, S_INVALID,                                                   \
      pml_ising_create_mixed(f->dev, &f->icfg, I64S(4), I64S(4), DOUBLES(2.0), NULL, NULL)) \
    X(pml_ising_create_mixed, S_INVALID, MIXED(&f->icfg, I64S(3), I64S(4), DOUBLES(2.0)))  \
    X(pml_ising_create_mixed, S_INVALID, MIXED(IC(replicas, 0), I64S(4), I64S(4), DOUBLES(2.0))) \
    X(pml_ising_init, S_INVALID, pml_ising_init(NULL, PML_ISING_COLD))                     \
    X(pml_ising_init, S_INVALID, pml_ising_init(f->ising, (pml_ising_start)5))             \
    X(pml_ising_set_params, S_INVALID, pml_ising_set_params(NULL, DOUBLES(2.0, 3.0), NULL)) \
    X(pml_ising_set_params, S_INVALID, pml_ising_set_params(f->ising, NULL, NULL))         \
    X(pml_ising_set_params, S_INVALID, pml_ising_set_params(f->ising, DOUBLES(2.0, 0.0), NULL)) \
    X(pml_ising_set_params, S_INVALID,                                                     \
      pml_ising_set_params(f->ising, DOUBLES(2.0, 3.0), DOUBLES(0.0, NAN)))                \
    X(pml_ising_set_params, S_OK, pml_ising_set_params(f->ising, DOUBLES(2.0, 3.0), NULL)) \
    X(pml_ising_set_rule, S_INVALID, pml_ising_set_rule(NULL, PML_ISING_WOLFF))            \
    X(pml_ising_set_rule, S_INVALID, pml_ising_set_rule(f->ising, (pml_ising_rule)4))      \
    X(pml_ising_set_rule, S_INVALID, pml_ising_set_rule(f->ising, (pml_ising_rule)-1))     \
    X(pml_ising_set_rule, S_OK, pml_ising_set_rule(f->ising, PML_ISING_SWENDSEN_WANG))     \
    X(pml_ising_create, S_INVALID,                                                         \
      CREATE(IC(rule, PML_ISING_SWENDSEN_WANG), DOUBLES(2.0), DOUBLES(0.5))) /* B != 0 */   \
    X(pml_ising_sweep, S_INVALID, pml_ising_sweep(NULL, 1))                                \
    X(pml_ising_sweep, S_INVALID, pml_ising_sweep(f->ising, -1))                           \
    X(pml_ising_sample, S_INVALID, pml_ising_sample(NULL, 1))                              \
    X(pml_ising_sample, S_INVALID, pml_ising_sample(f->ising, -1))                         \
    X(pml_ising_reset_stats, S_INVALID, pml_ising_reset_stats(NULL))                       \
    X(pml_ising_stats_get, S_INVALID, pml_ising_stats_get(NULL, f->stats, 2))              \
    X(pml_ising_stats_get, S_INVALID, pml_ising_stats_get(f->ising, NULL, 2))              \
    X(pml_ising_stats_get, S_INVALID, pml_ising_stats_get(f->ising, f->stats, -1))         \
    X(pml_ising_stats_get, S_INVALID, pml_ising_stats_get(f->ising, f->stats, 3))          \
    X(pml_ising_warning_text, S_INVALID, pml_ising_warning_text(NULL, f->text, 8))         \
    X(pml_ising_warning_text, S_INVALID, pml_ising_warning_text(f->stats, NULL, 8))        \
    X(pml_ising_warning_text, S_INVALID, pml_ising_warning_text(f->stats, f->text, 0))     \
    X(pml_ising_warning_text, S_OK, pml_ising_warning_text(f->stats, f->text, 8))          \
    BUFFER_CASES(X, pml_ising_get_spins, f->ising, f->spins, 32, 31)                       \
    BUFFER_CASES(X, pml_ising_set_spins, f->ising, f->spins, 32, 33)                       \
    X(pml_ising_set_spins, S_INVALID, pml_ising_set_spins(f->ising, f->zeros, 32))         \
    X(pml_ising_get_config, S_INVALID, pml_ising_get_config(NULL, &f->cfg_out))            \
    X(pml_ising_get_config, S_INVALID, pml_ising_get_config(f->ising, NULL))               \
    X(pml_ising_replica_size, S_INVALID, pml_ising_replica_size(NULL, 0, &f->i64, &f->i64b)) \
    X(pml_ising_replica_size, S_INVALID, pml_ising_replica_size(f->ising, 0, NULL, &f->i64b)) \
    X(pml_ising_replica_size, S_INVALID, pml_ising_replica_size(f->ising, 0, &f->i64, NULL)) \
    X(pml_ising_replica_size, S_INVALID, pml_ising_replica_size(f->ising, -1, &f->i64, &f->i64b)) \
    X(pml_ising_replica_size, S_INVALID, pml_ising_replica_size(f->ising, 2, &f->i64, &f->i64b)) \
    X(pml_ising_replica_offset, S_INVALID, pml_ising_replica_offset(NULL, 0, &f->off))     \
    X(pml_ising_replica_offset, S_INVALID, pml_ising_replica_offset(f->ising, 0, NULL))    \
    X(pml_ising_replica_offset, S_INVALID, pml_ising_replica_offset(f->ising, -1, &f->off)) \
    X(pml_ising_replica_offset, S_INVALID, pml_ising_replica_offset(f->ising, 2, &f->off)) \
    X(pml_ising_save, S_INVALID, pml_ising_save(NULL, f->path))                            \
    X(pml_ising_save, S_INVALID, pml_ising_save(f->ising, NULL))                           \
    X(pml_ising_save, S_IO, pml_ising_save(f->ising, f->unwritable))                       \
    READER_CASES(X, pml_ising_load, &f->out_ising)                                         \
    X(pml_meanfield_roots, S_INVALID, pml_meanfield_roots(1.0, 0.0, 1.0, 4, NULL, 3, &f->ival)) \
    X(pml_meanfield_roots, S_INVALID, pml_meanfield_roots(1.0, 0.0, 1.0, 4, f->roots, 3, NULL)) \
    X(pml_meanfield_roots, S_INVALID, ROOTS(0.0, 0.0, 1.0, 4, 3))                          \
    X(pml_meanfield_roots, S_INVALID, ROOTS(NAN, 0.0, 1.0, 4, 3))                          \
    X(pml_meanfield_roots, S_INVALID, ROOTS(1.0, INFINITY, 1.0, 4, 3))                     \
    X(pml_meanfield_roots, S_INVALID, ROOTS(1.0, 0.0, NAN, 4, 3))                          \
    X(pml_meanfield_roots, S_INVALID, ROOTS(1.0, 0.0, 1.0, 0, 3))                          \
    X(pml_meanfield_roots, S_INVALID, ROOTS(1.0, 0.0, 1.0, 4, -1))                         \
    X(pml_ising_binder_crossing, S_INVALID, BINDER(NULL, US, UL, 2))                       \
    X(pml_ising_binder_crossing, S_INVALID, BINDER(T2, NULL, UL, 2))                       \
    X(pml_ising_binder_crossing, S_INVALID, BINDER(T2, US, NULL, 2))                       \
    X(pml_ising_binder_crossing, S_INVALID, pml_ising_binder_crossing(T2, US, UL, 2, NULL)) \
    X(pml_ising_binder_crossing, S_INVALID, BINDER(T2, US, UL, 1))                         \
    X(pml_ising_binder_crossing, S_INVALID, BINDER(DOUBLES(2.5, 2.0), US, UL, 2))          \
    X(pml_ising_binder_crossing, S_INVALID, BINDER(DOUBLES(2.0, INFINITY), US, UL, 2))     \
    X(pml_ising_binder_crossing, S_INVALID, BINDER(T2, DOUBLES(0.6, NAN), UL, 2))          \
    X(pml_ising_binder_crossing, S_INVALID, BINDER(T2, UL, US, 2)) /* no crossing */       \
    X(pml_ising_binder_crossing, S_OK, BINDER(T2, US, UL, 2))                              \
    X(pml_ising_exact_finite, S_INVALID, EXACT(1, 4, 2.0, 1.0))                            \
    X(pml_ising_exact_finite, S_INVALID, EXACT(4, 4, 0.0, 1.0))                            \
    X(pml_ising_exact_finite, S_INVALID, EXACT(4, 4, 2.0, NAN))                            \
    X(pml_ising_exact_finite, S_INVALID, EXACT(3, 4, 2.0, -1.0)) /* frustrated */          \
    X(pml_ising_exact_finite, S_OK, EXACT(4, 4, 2.0, 1.0))
#define ISING_CHECKS(Y)                                                                    \
    Y(pml_ising_destroy, (pml_ising_destroy(NULL), 1))                                     \
    Y(pml_ising_sweeps_done, pml_ising_sweeps_done(NULL) < 0)                              \
    Y(pml_ising_spin_count, pml_ising_spin_count(NULL) == 0)                               \
    Y(pml_ising_device, pml_ising_device(NULL) == NULL)                                    \
    Y(pml_ising_onsager_energy, isnan(pml_ising_onsager_energy(0.0, 1.0)))                 \
    Y(pml_ising_onsager_energy, isnan(pml_ising_onsager_energy(1.0, -1.0)))                \
    Y(pml_ising_onsager_c, isnan(pml_ising_onsager_c(-1.0, 1.0)))                          \
    Y(pml_ising_onsager_c, isnan(pml_ising_onsager_c(1.0, 0.0)))                           \
    Y(pml_ising_yang_m, isnan(pml_ising_yang_m(0.0, 1.0)))                                 \
    Y(pml_ising_yang_m, isnan(pml_ising_yang_m(1.0, -1.0)))
DEFINE_GROUP(ising_h, "ising.h", ISING_CASES, ISING_CHECKS)
