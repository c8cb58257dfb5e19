/* Inside the Hopfield model (src/hopfield/): the network object and the device-side recall
 * that the public calls and the capacity scan share. */
#ifndef PML_HOPFIELD_MODEL_H
#define PML_HOPFIELD_MODEL_H

#include "core/backend.h"
#include "core/internal.h"
#include "ops/hopfield_ops.h"
#include "physml/hopfield.h"

/* `sets` networks of the same n and p side by side (1 for a public network; the capacity scan
 * stores many); every array below holds all sets, set after set. Device memory. */
struct pml_hopfield {
    pml_device *dev;
    const struct pml_hopfield_ops *ops;
    int64_t n, p, sets;
    pml_hopfield_rule rule;
    double beta;    /* modern rule */
    int8_t *xi;     /* sets x p x n */
    int8_t *xi_host; /* the same on the host (public networks; NULL for the capacity scan's) */
    float *xif;     /* the same as float, for the GEMMs */
    double *xid;    /* as double, made when a Hebbian field could reach 2^24 (NULL until) */
    int8_t *xit;    /* sets x n x p, each set's patterns transposed as sign masks (0 for +1,
                       -1 for -1: Hebbian asynchronous recall; NULL until) */
    uint16_t *xib;  /* sets x n x ceil(p / 16), the same signs as bit rows (bit set for -1;
                       made with xit) */
    uint32_t *xip;  /* sets x p x ceil(n / 32), the patterns as bit rows (bit set for -1; made
                       with xit) */
    void *w;        /* sets x n x n: int32 sums (HEBB, made on first need) or float */
    double *theta;  /* n, in the units of w (HEBB: n theta), on the device; NULL: none */
    double *theta_user; /* n, as the user gave them, on the device (energies) */
    double *theta_host; /* n, as the user gave them; NULL: none */
};

/* Device memory helpers: zero-size requests give NULL and PML_OK. */
pml_status pml_hf_alloc(pml_device *dev, size_t bytes, void **out);
void pml_hf_free(pml_device *dev, void *p);
/* A new device array *out holding the `bytes` bytes at host (nothing left allocated on an
 * error). */
pml_status pml_hf_upload_new(pml_device *dev, const void *host, size_t bytes, void **out);

/* A network of `sets` sets whose patterns are already on the device (xi, taken over), with
 * its weights built by the rule. */
pml_status pml_hf_create_dev(pml_device *dev, int64_t n, int64_t p, int64_t sets,
                             pml_hopfield_rule rule, int8_t *xi, pml_hopfield **out);
/* Makes the Hebbian int32 weights if they are not there yet. */
pml_status pml_hf_need_weights(pml_hopfield *net);
/* Makes the transposed patterns (xit and xib) if they are not there yet. */
pml_status pml_hf_need_xit(pml_hopfield *net);
/* Makes the float64 patterns if they are not there yet. */
pml_status pml_hf_need_xid(pml_hopfield *net);

/* What recall reports for each probe, on the host; any may be NULL (sync and modern
 * energies and traces need sets == 1). */
typedef struct pml_hf_out {
    int64_t *sweeps; /* batch */
    int32_t *end;    /* batch, pml_hopfield_end */
    double *energy;  /* batch */
    double *trace;   /* batch x (max_sweeps + 1) */
    double *overlaps; /* batch x p, m / n of the final states: Hebbian recall fills it from
                         the overlaps it keeps (asynchronous: the pattern form's; synchronous:
                         the sync kernel's); else left alone */
    int *have_overlaps; /* set to 1 when overlaps was filled */
} pml_hf_out;

pml_status pml_hf_recall_dev(pml_hopfield *net, const pml_hopfield_recall_config *cfg,
                             int8_t *s, int64_t batch, int64_t per_set, int64_t p0,
                             const pml_hf_out *out);

pml_status pml_hf_gemm(pml_device *dev, pml_dtype dt, pml_transpose ta, pml_transpose tb,
                       int64_t m, int64_t n, int64_t k, const void *a, int64_t lda,
                       const void *b, int64_t ldb, void *c, int64_t ldc);
/* Energies (device, batch) of states s / sf (device; sf in dtype dt) of set 0; m (device,
 * batch x p in dt, or NULL): their Hebbian overlaps Xi s when the caller keeps them. */
pml_status pml_hf_energy_dev(pml_hopfield *net, const int8_t *s, const void *sf, int64_t batch,
                             pml_dtype dt, const void *m, double *out_dev);
/* The GEMM dtype of the Hebbian fields: F32 while every partial sum is below 2^24. */
pml_dtype pml_hf_field_dtype(const pml_hopfield *net);

/* The modern rule: energies (host, batch) of continuous states xf (device, batch x n, f32). */
pml_status pml_hf_modern_energy(pml_hopfield *net, const float *xf, int64_t batch, double *out);

/* Overlaps (host, batch x p, divided by n) of device states s_dev of set 0; s_host (the same
 * states on the host, or NULL) lets a small batch take integer dots on the host instead. */
pml_status pml_hf_overlaps_host(pml_hopfield *net, const int8_t *s_dev, const int8_t *s_host,
                                int64_t batch, double *m);
pml_status pml_hf_check_pm1(const char *fn, const char *what, const int8_t *v, size_t count);

pml_status pml_hf_check_recall(const char *fn, const pml_hopfield_recall_config *cfg);

#endif
