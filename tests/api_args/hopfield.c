/* api_args cases for hopfield.h: f->hop stores the primer's stripes (n = 16, p = 2) by the
 * Hebbian rule, f->hop_modern the same by the modern rule; f->stripes holds the two patterns,
 * f->hbad the same with one 0. */
#include "api_args.h"

#define HCREATE(dev, n, pat, p, rule) pml_hopfield_create(dev, n, pat, p, rule, &f->out_hop)
#define RECALL(cfg, st, b) pml_hopfield_recall(f->hop, cfg, st, b, f->hres, NULL)
#define CAP(cfg, a, k) pml_hopfield_capacity(f->dev, cfg, a, k, f->hpts)
#define DATA3 ((const uint8_t[]){0, 2, 1})
#define HOPFIELD_CASES(X)                                                                  \
    X(pml_hopfield_rule_parse, S_INVALID, pml_hopfield_rule_parse("hebbian", (pml_hopfield_rule *)&f->ival)) \
    X(pml_hopfield_rule_parse, S_INVALID, pml_hopfield_rule_parse(NULL, (pml_hopfield_rule *)&f->ival)) \
    X(pml_hopfield_rule_parse, S_OK, pml_hopfield_rule_parse("storkey", (pml_hopfield_rule *)&f->ival)) \
    X(pml_hopfield_mode_parse, S_INVALID, pml_hopfield_mode_parse("parallel", &f->hrc2.mode)) \
    X(pml_hopfield_mode_parse, S_INVALID, pml_hopfield_mode_parse("sync", NULL))           \
    X(pml_hopfield_mode_parse, S_OK, pml_hopfield_mode_parse("glauber", &f->hrc2.mode))    \
    X(pml_hopfield_order_parse, S_INVALID, pml_hopfield_order_parse("shuffled", &f->hrc2.order)) \
    X(pml_hopfield_order_parse, S_OK, pml_hopfield_order_parse("index", &f->hrc2.order))  \
    X(pml_hopfield_from_binary, S_INVALID, pml_hopfield_from_binary(NULL, f->hout, 4))     \
    X(pml_hopfield_from_binary, S_INVALID, pml_hopfield_from_binary(f->bin01, NULL, 4))    \
    X(pml_hopfield_from_binary, S_INVALID, pml_hopfield_from_binary(DATA3, f->hout, 3)) \
    X(pml_hopfield_from_binary, S_OK, pml_hopfield_from_binary(f->bin01, f->hout, 4)) \
    X(pml_hopfield_stripes, S_INVALID, pml_hopfield_stripes(NULL, 32))                     \
    X(pml_hopfield_stripes, S_INVALID, pml_hopfield_stripes(f->hout, 31))                  \
    X(pml_hopfield_stripes, S_OK, pml_hopfield_stripes(f->hout, 32))                       \
    X(pml_hopfield_create, S_INVALID, HCREATE(NULL, 16, f->stripes, 2, PML_HOPFIELD_HEBB)) \
    X(pml_hopfield_create, S_INVALID, HCREATE(f->dev, 16, NULL, 2, PML_HOPFIELD_HEBB))     \
    X(pml_hopfield_create, S_INVALID,                                                      \
      pml_hopfield_create(f->dev, 16, f->stripes, 2, PML_HOPFIELD_HEBB, NULL))             \
    X(pml_hopfield_create, S_INVALID, HCREATE(f->dev, 1, f->stripes, 2, PML_HOPFIELD_HEBB)) \
    X(pml_hopfield_create, S_INVALID, HCREATE(f->dev, 16, f->stripes, 0, PML_HOPFIELD_HEBB)) \
    X(pml_hopfield_create, S_INVALID, HCREATE(f->dev, 16, f->stripes, -1, PML_HOPFIELD_HEBB)) \
    X(pml_hopfield_create, S_INVALID, HCREATE(f->dev, 16, f->stripes, 2, (pml_hopfield_rule)9)) \
    X(pml_hopfield_create, S_INVALID, HCREATE(f->dev, 2, f->stripes, 3, PML_HOPFIELD_PINV)) \
    X(pml_hopfield_create, S_INVALID, HCREATE(f->dev, 16, f->hbad, 2, PML_HOPFIELD_HEBB))  \
    X(pml_hopfield_create, S_INVALID, /* the same pattern twice: singular */               \
      HCREATE(f->dev, 8, f->spins, 2, PML_HOPFIELD_PINV))                                  \
    X(pml_hopfield_create, S_OK, HCREATE(f->dev, 16, f->stripes, 2, PML_HOPFIELD_STORKEY)) \
    X(pml_hopfield_set_thresholds, S_INVALID, pml_hopfield_set_thresholds(NULL, f->htheta, 16)) \
    X(pml_hopfield_set_thresholds, S_INVALID, pml_hopfield_set_thresholds(f->hop, f->htheta, 15)) \
    X(pml_hopfield_set_thresholds, S_INVALID,                                              \
      (f->htheta[3] = NAN, pml_hopfield_set_thresholds(f->hop, f->htheta, 16)))            \
    X(pml_hopfield_set_thresholds, S_OK,                                                   \
      (f->htheta[3] = 0.0, pml_hopfield_set_thresholds(f->hop, f->htheta, 16)))            \
    X(pml_hopfield_set_thresholds, S_OK, pml_hopfield_set_thresholds(f->hop, NULL, 0))     \
    X(pml_hopfield_set_beta, S_INVALID, pml_hopfield_set_beta(NULL, 1.0))                  \
    X(pml_hopfield_set_beta, S_INVALID, pml_hopfield_set_beta(f->hop_modern, 0.0))         \
    X(pml_hopfield_set_beta, S_INVALID, pml_hopfield_set_beta(f->hop_modern, NAN))         \
    X(pml_hopfield_set_beta, S_INVALID, pml_hopfield_set_beta(f->hop, 1.0))                \
    X(pml_hopfield_set_beta, S_OK, pml_hopfield_set_beta(f->hop_modern, 2.0))              \
    X(pml_hopfield_weights, S_INVALID, pml_hopfield_weights(NULL, f->hw, 256))             \
    X(pml_hopfield_weights, S_INVALID, pml_hopfield_weights(f->hop, NULL, 256))            \
    X(pml_hopfield_weights, S_INVALID, pml_hopfield_weights(f->hop, f->hw, 255))           \
    X(pml_hopfield_weights, S_INVALID, pml_hopfield_weights(f->hop_modern, f->hw, 256))    \
    X(pml_hopfield_weights, S_OK, pml_hopfield_weights(f->hop, f->hw, 256))                \
    X(pml_hopfield_energy, S_INVALID, pml_hopfield_energy(NULL, f->stripes, 2, f->henergy)) \
    X(pml_hopfield_energy, S_INVALID, pml_hopfield_energy(f->hop, NULL, 2, f->henergy))    \
    X(pml_hopfield_energy, S_INVALID, pml_hopfield_energy(f->hop, f->stripes, 2, NULL))    \
    X(pml_hopfield_energy, S_INVALID, pml_hopfield_energy(f->hop, f->stripes, 0, f->henergy)) \
    X(pml_hopfield_energy, S_INVALID, pml_hopfield_energy(f->hop, f->hbad, 2, f->henergy)) \
    X(pml_hopfield_energy, S_OK, pml_hopfield_energy(f->hop, f->stripes, 2, f->henergy))   \
    X(pml_hopfield_overlaps, S_INVALID, pml_hopfield_overlaps(NULL, f->stripes, 2, f->hm)) \
    X(pml_hopfield_overlaps, S_INVALID, pml_hopfield_overlaps(f->hop, NULL, 2, f->hm))     \
    X(pml_hopfield_overlaps, S_INVALID, pml_hopfield_overlaps(f->hop, f->stripes, 2, NULL)) \
    X(pml_hopfield_overlaps, S_INVALID, pml_hopfield_overlaps(f->hop, f->stripes, -1, f->hm)) \
    X(pml_hopfield_overlaps, S_INVALID, pml_hopfield_overlaps(f->hop, f->hbad, 2, f->hm))  \
    X(pml_hopfield_overlaps, S_OK, pml_hopfield_overlaps(f->hop, f->stripes, 2, f->hm))    \
    X(pml_hopfield_recall, S_INVALID, pml_hopfield_recall(NULL, &f->hrc, f->hbad, 1, NULL, NULL)) \
    X(pml_hopfield_recall, S_INVALID, RECALL(NULL, f->stripes, 2))                         \
    X(pml_hopfield_recall, S_INVALID, RECALL(&f->hrc, NULL, 2))                            \
    X(pml_hopfield_recall, S_INVALID, RECALL(&f->hrc, f->stripes, 0))                      \
    X(pml_hopfield_recall, S_INVALID, RECALL(&f->hrc, f->hbad, 2))                         \
    X(pml_hopfield_recall, S_INVALID, RECALL(HRC(mode, (pml_hopfield_mode)7), f->stripes, 2)) \
    X(pml_hopfield_recall, S_INVALID, RECALL(HRC(order, (pml_hopfield_order)7), f->stripes, 2)) \
    X(pml_hopfield_recall, S_INVALID, RECALL(HRC(max_sweeps, 0), f->stripes, 2))           \
    X(pml_hopfield_recall, S_INVALID, RECALL(HRC(tol, NAN), f->stripes, 2))                \
    X(pml_hopfield_recall, S_INVALID,                                                      \
      (f->hrc2 = f->hrc, f->hrc2.mode = PML_HOPFIELD_GLAUBER, f->hrc2.T = 0.0,             \
       RECALL(&f->hrc2, f->stripes, 2)))                                                   \
    X(pml_hopfield_recall, S_OK, RECALL(&f->hrc, f->stripes, 2))                           \
    X(pml_hopfield_capacity, S_INVALID, pml_hopfield_capacity(NULL, &f->hcc, DOUBLES(0.1), 1, f->hpts)) \
    X(pml_hopfield_capacity, S_INVALID, CAP(NULL, DOUBLES(0.1), 1))                        \
    X(pml_hopfield_capacity, S_INVALID, CAP(&f->hcc, NULL, 1))                             \
    X(pml_hopfield_capacity, S_INVALID, pml_hopfield_capacity(f->dev, &f->hcc, DOUBLES(0.1), 1, NULL)) \
    X(pml_hopfield_capacity, S_INVALID, CAP(&f->hcc, DOUBLES(0.1), 0))                     \
    X(pml_hopfield_capacity, S_INVALID, CAP(&f->hcc, DOUBLES(0.0), 1))                     \
    X(pml_hopfield_capacity, S_INVALID, CAP(&f->hcc, DOUBLES(1.5), 1))                     \
    X(pml_hopfield_capacity, S_INVALID, CAP(&f->hcc, DOUBLES(NAN), 1))                     \
    X(pml_hopfield_capacity, S_INVALID, CAP(HCC(n, 1), DOUBLES(0.1), 1))                   \
    X(pml_hopfield_capacity, S_INVALID, CAP(HCC(sets, 1), DOUBLES(0.1), 1))                \
    X(pml_hopfield_capacity, S_INVALID, CAP(HCC(flip, 0.6), DOUBLES(0.1), 1))              \
    X(pml_hopfield_capacity, S_INVALID, CAP(HCC(threshold, 0.0), DOUBLES(0.1), 1))         \
    X(pml_hopfield_capacity, S_INVALID, CAP(HCC(rule, PML_HOPFIELD_MODERN), DOUBLES(0.1), 1)) \
    X(pml_hopfield_capacity, S_OK, CAP(&f->hcc, DOUBLES(0.1, 0.2), 2))                     \
    X(pml_hopfield_alpha_c, S_INVALID, pml_hopfield_alpha_c(NULL, 2, 0.5, &f->dval, NULL)) \
    X(pml_hopfield_alpha_c, S_INVALID, pml_hopfield_alpha_c(f->hpts, 2, 0.5, NULL, NULL))  \
    X(pml_hopfield_alpha_c, S_INVALID, pml_hopfield_alpha_c(f->hpts, 1, 0.5, &f->dval, NULL)) \
    X(pml_hopfield_alpha_c, S_INVALID, pml_hopfield_alpha_c(f->hpts, 2, 1.0, &f->dval, NULL)) \
    X(pml_hopfield_alpha_c, PML_ERR_NUMERIC, /* all retrieved: no crossing */              \
      (f->hpts[0].alpha = 0.1, f->hpts[1].alpha = 0.2, f->hpts[0].retrieved = 1.0,         \
       f->hpts[1].retrieved = 0.9, pml_hopfield_alpha_c(f->hpts, 2, 0.5, &f->dval, NULL))) \
    X(pml_hopfield_alpha_c, S_OK,                                                          \
      (f->hpts[1].retrieved = 0.1, pml_hopfield_alpha_c(f->hpts, 2, 0.5, &f->dval, &f->dval2)))
#define HOPFIELD_CHECKS(Y)                                                                 \
    Y(pml_hopfield_destroy, (pml_hopfield_destroy(NULL), 1))                               \
    Y(pml_hopfield_neurons, pml_hopfield_neurons(NULL) == -1)                              \
    Y(pml_hopfield_patterns, pml_hopfield_patterns(NULL) == -1)                            \
    Y(pml_hopfield_rule_of, pml_hopfield_rule_of(NULL) == PML_HOPFIELD_HEBB)               \
    Y(pml_hopfield_rule_name, strcmp(pml_hopfield_rule_name((pml_hopfield_rule)9), "?") == 0) \
    Y(pml_hopfield_mode_name, strcmp(pml_hopfield_mode_name(PML_HOPFIELD_SYNC), "sync") == 0) \
    Y(pml_hopfield_order_name, strcmp(pml_hopfield_order_name((pml_hopfield_order)-1), "?") == 0) \
    Y(pml_hopfield_alpha_mceliece, isnan(pml_hopfield_alpha_mceliece(1)))
DEFINE_GROUP(hopfield_h, "hopfield.h", HOPFIELD_CASES, HOPFIELD_CHECKS)
