/* The ROC curve and its area for anomaly scores: examples sorted by score (highest first),
 * ties taken together, one point per distinct score; the area by trapezoids, which counts a
 * tied anomaly-normal pair as half (the Mann-Whitney statistic). */
#include <stdlib.h>

#include "core/internal.h"
#include "physml/autoencoder.h"

typedef struct scored {
    double score;
    int anomaly;
} scored;

static int by_score_desc(const void *pa, const void *pb)
{
    const double a = ((const scored *)pa)->score, b = ((const scored *)pb)->score;
    return a > b ? -1 : a < b ? 1 : 0;
}

pml_status pml_roc(const double *scores, const uint8_t *truth, int64_t n, double *fpr,
                   double *tpr, int64_t *points, double *auc)
{
    static const char fn[] = "pml_roc";
    PML_CHECK_ARG(scores != NULL && truth != NULL && auc != NULL, fn,
                  "scores, truth or auc is NULL");
    PML_CHECK(n >= 2 && n <= ((int64_t)1 << 40), PML_ERR_INVALID_ARGUMENT,
              "%s: n %lld, needs 2..2^40", fn, (long long)n);
    int64_t pos = 0;
    for (int64_t i = 0; i < n; ++i) {
        PML_CHECK(scores[i] == scores[i], PML_ERR_INVALID_ARGUMENT, "%s: score %lld is NaN", fn,
                  (long long)i);
        pos += truth[i] != 0;
    }
    const int64_t neg = n - pos;
    PML_CHECK(pos > 0 && neg > 0, PML_ERR_INVALID_ARGUMENT,
              "%s: needs both anomalies and normal examples (%lld anomalies of %lld)", fn,
              (long long)pos, (long long)n);
    scored *v = malloc((size_t)n * sizeof *v);
    PML_CHECK(v != NULL, PML_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    for (int64_t i = 0; i < n; ++i) v[i] = (scored){scores[i], truth[i] != 0};
    qsort(v, (size_t)n, sizeof *v, by_score_desc);
    int64_t tp = 0, fp = 0, k = 0;
    double area = 0.0;
    if (fpr) fpr[0] = 0.0;
    if (tpr) tpr[0] = 0.0;
    for (int64_t i = 0; i < n;) {
        const int64_t tp0 = tp, fp0 = fp;
        int64_t j = i;
        for (; j < n && v[j].score == v[i].score; ++j) {
            tp += v[j].anomaly;
            fp += !v[j].anomaly;
        }
        area += (double)(fp - fp0) * (double)(tp + tp0) * 0.5;
        ++k;
        if (fpr) fpr[k] = (double)fp / (double)neg;
        if (tpr) tpr[k] = (double)tp / (double)pos;
        i = j;
    }
    free(v);
    if (points) *points = k + 1;
    *auc = area / ((double)pos * (double)neg);
    return PML_OK;
}
