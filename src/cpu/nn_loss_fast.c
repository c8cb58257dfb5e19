/* The loss kernel's fast path (the table's pml_cpu_nn_loss): binary cross-entropy on F32
 * logits against targets, the autoencoders' loss, as vectorised rows (cpu/vmath.h: e^-|z| and
 * log1p without libm, built for AVX-512, AVX2 and the baseline). Everything else, and F64, is
 * the reference in nn_loss.c. Row sums stay in double and in element order within each lane;
 * the values agree with the reference within the tolerance table (the exponential and log1p
 * to 2e-7 relative), checked by tests/parity_ae_test.c. Rows go over the threads, each
 * row's sum kept and the rows added in order: the total does not depend on the thread count.
 * Built with -fno-trapping-math (CMakeLists.txt). */
#include <math.h>
#include <stdlib.h>

#include "cpu/cpu.h"
#include "cpu/simd.h"
#include "cpu/vmath.h"

/* sum_j max(z, 0) - z t + log(1 + e^-|z|), and dz = g (sigmoid(z) - t) when dz is not NULL */
PML_SIMD_CLONES
static double bce_logits_row(const float *restrict z, const float *restrict t, float g,
                             float *restrict dz, int64_t n)
{
    double row = 0.0;
    if (dz) {
#pragma omp simd reduction(+ : row)
        for (int64_t j = 0; j < n; ++j) {
            const float zj = z[j], tj = t[j];
            const float e = pml_vexpf_neg(zj < 0.0f ? zj : -zj);
            row += (double)((zj > 0.0f ? zj : 0.0f) - zj * tj + pml_vlog1pf_unit(e));
            const float r = 1.0f / (1.0f + e);
            dz[j] = g * ((zj >= 0.0f ? r : e * r) - tj);
        }
    } else {
#pragma omp simd reduction(+ : row)
        for (int64_t j = 0; j < n; ++j) {
            const float zj = z[j], tj = t[j];
            const float e = pml_vexpf_neg(zj < 0.0f ? zj : -zj);
            row += (double)((zj > 0.0f ? zj : 0.0f) - zj * tj + pml_vlog1pf_unit(e));
        }
    }
    return row;
}

pml_status pml_cpu_nn_loss(pml_device *dev, const pml_nn_loss_args *a)
{
    if (a->dtype != PML_F32 || a->kind != PML_LOSS_BCE_LOGITS || a->labels || !a->targets)
        return pml_cpu_nn_loss_ref(dev, a);
    const float *y = a->y, *t = a->targets;
    float *dy = a->dy;
    const double scale = pml_cpu_loss_row_scale(a);
    const float g = (float)a->grad_scale;
    /* rows over the threads, each row's sum kept, then added in row order */
    double *rows = a->row_out ? a->row_out : malloc((size_t)a->rows * sizeof *rows);
    PML_CHECK(rows != NULL, PML_ERR_OUT_OF_MEMORY, "loss: out of host memory");
#pragma omp parallel for schedule(static) if (a->rows * a->cols > (1 << 15))
    for (int64_t r = 0; r < a->rows; ++r) {
        const int64_t o = r * a->cols;
        const double row = bce_logits_row(y + o, t + o, g, dy ? dy + o : NULL, a->cols);
        rows[r] = row * scale + a->row_offset;
    }
    double total = 0.0;
    for (int64_t r = 0; r < a->rows; ++r) total += rows[r];
    if (rows != a->row_out) free(rows);
    pml_cpu_loss_totals(a, total, 0);
    return PML_OK;
}
