/* The CPU backend: plain C, OpenMP where it pays, OpenBLAS for GEMM. Every kernel is declared
 * here through its contract's function type (src/core/backend.h, src/ops/<family>_ops.h), so
 * its signature is written once; backend_cpu.c puts them into the tables. The references
 * (plain loops, site by site) are the specification the fast paths and the CUDA backend are
 * tested against (docs/architecture.md, "The reference beside the fast code"). */
#ifndef PML_CPU_H
#define PML_CPU_H

#include <stdatomic.h>

#include "core/backend.h"
#include "ops/conv_ops.h"
#include "ops/data_ops.h"
#include "ops/hopfield_ops.h"
#include "ops/rbm_ops.h"
#include "ops/ising_ops.h"
#include "ops/nn_ops.h"
#include "ops/optim_ops.h"
#include "ops/vae_ops.h"

#ifdef __cplusplus
extern "C" {
#endif

/* barrier.c: a barrier for the nth threads of one parallel region that yields its core
 * while waiting; zero-initialise ({0, 0}) before the region. */
typedef struct pml_cpu_barrier_t {
    atomic_uint count, gen;
} pml_cpu_barrier_t;
void pml_cpu_barrier(pml_cpu_barrier_t *b, unsigned nth);

/* ising_replicas.c: fn(a, r, scratch) for every replica r of a call, whole replicas over the
 * threads, each thread with `per` bytes of its own scratch (PML_ERR_OUT_OF_MEMORY naming
 * `what` when they cannot be had). */
typedef void pml_cpu_replica_fn(const pml_ising_sweeps_args *a, int64_t r, char *scratch);
pml_status pml_cpu_ising_for_replicas(const pml_ising_sweeps_args *a, size_t per,
                                      pml_cpu_replica_fn *fn, const char *what);

/* memory.c: host memory, 64-byte aligned */
pml_status pml_cpu_alloc(pml_device *dev, size_t nbytes, void **out);
void pml_cpu_release(pml_device *dev, void *ptr);
pml_status pml_cpu_upload(pml_device *dev, void *dst, const void *src, size_t nbytes);
pml_status pml_cpu_download(pml_device *dev, void *dst, const void *src, size_t nbytes);
pml_status pml_cpu_copy(pml_device *dev, void *dst, const void *src, size_t nbytes);
pml_status pml_cpu_memzero(pml_device *dev, void *dst, size_t nbytes);
pml_status pml_cpu_synchronize(pml_device *dev);
pml_status pml_cpu_memory_info(const pml_device *dev, size_t *total, size_t *free_bytes);

/* generic kernels: fill.c, rand.c, gemm.c (OpenBLAS, and the triple loop it is checked
 * against), axpy.c, reduce.c */
pml_fill_fn pml_cpu_fill;
pml_rand_fn pml_cpu_rand;
pml_gemm_fn pml_cpu_gemm, pml_cpu_gemm_naive;
pml_axpy_fn pml_cpu_axpy;
pml_scale_fn pml_cpu_scale;
pml_sum_fn pml_cpu_sum;

/* Ising: ising_sweep_fast.c (the table's kernel: the portable and, in ising_sweep_avx512.c,
 * the AVX-512 path, chosen at run time) and ising_sweep.c (the site-by-site reference) */
pml_ising_sweeps_fn pml_cpu_ising_sweeps;
pml_ising_sweeps_fn pml_cpu_ising_sweeps_ref;
/* cluster rules: ising_sw_fast.c (the table's Swendsen-Wang), ising_sw.c (its site-by-site
 * reference), ising_wolff.c */
pml_ising_sweeps_fn pml_cpu_ising_sw;
pml_ising_sweeps_fn pml_cpu_ising_sw_ref;
pml_ising_sweeps_fn pml_cpu_ising_wolff;
/* Tests: make the CPU kernels take the portable C path even where AVX-512 is present (the
 * environment variable PML_ISING_NO_AVX512=1 does the same for a whole process). */
void pml_cpu_ising_set_portable(int on);

/* neural networks: nn_act.c, nn_loss.c (the reference), nn_loss_fast.c */
pml_nn_bias_act_fn pml_cpu_nn_bias_act;
pml_nn_act_backward_fn pml_cpu_nn_act_backward;
pml_nn_col_sum_fn pml_cpu_nn_col_sum;
pml_nn_loss_fn pml_cpu_nn_loss_ref, pml_cpu_nn_loss;
/* The loss contract's bookkeeping, for the reference and the fast path alike: the rows'
 * scale (row_scale, 0 meaning 1), and out[0] = the rows' sum, out[1] = the hits, the
 * nonfinite flag raised for a sum that is not finite. */
double pml_cpu_loss_row_scale(const pml_nn_loss_args *a);
void pml_cpu_loss_totals(const pml_nn_loss_args *a, double sum, int64_t hits);
pml_nn_argmax_fn pml_cpu_nn_argmax;

/* convolution family: im2col.c (im2col, col2im: references and fast paths), conv_chw.c,
 * pool.c, dropout.c, batchnorm.c */
pml_im2col_fn pml_cpu_im2col_ref, pml_cpu_im2col;
pml_col2im_fn pml_cpu_col2im_ref, pml_cpu_col2im;
pml_conv_to_chw_fn pml_cpu_conv_to_chw;
pml_conv_from_chw_fn pml_cpu_conv_from_chw;
pml_conv_bias_act_fn pml_cpu_conv_bias_act;
pml_conv_channel_sum_fn pml_cpu_conv_channel_sum;
/* conv_direct.c: the phase planes and the direct products */
pml_conv_phases_fn pml_cpu_conv_phases;
pml_conv_direct_fn pml_cpu_conv_direct_forward, pml_cpu_conv_direct_backward_data,
    pml_cpu_conv_direct_backward_weight;
/* the references (the forward and the weight gradient read the image x, not its phases) */
pml_status pml_cpu_conv_direct_forward_ref(const pml_conv_direct_args *a, const void *x);
pml_status pml_cpu_conv_direct_backward_data_ref(const pml_conv_direct_args *a);
pml_status pml_cpu_conv_direct_backward_weight_ref(const pml_conv_direct_args *a, const void *x);
/* variational autoencoders: vae.c */
pml_vae_reparam_fn pml_cpu_vae_reparam;
pml_vae_reparam_backward_fn pml_cpu_vae_reparam_backward;
pml_vae_add_kl_fn pml_cpu_vae_add_kl;
pml_pool_fn pml_cpu_pool;
pml_pool_backward_fn pml_cpu_pool_backward;
pml_dropout_fn pml_cpu_dropout;
pml_bn_forward_fn pml_cpu_bn_forward;
pml_bn_backward_fn pml_cpu_bn_backward;

/* optimisers: optim.c */
pml_optim_fn pml_cpu_sgd, pml_cpu_adam;

/* data: data_batch.c (the element-by-element reference and the fast path) */
pml_data_batch_fn pml_cpu_data_batch_ref, pml_cpu_data_batch;
pml_data_gather_fn pml_cpu_data_gather;

/* Hopfield: hopfield_async.c (the field-by-field reference and the fast path that keeps
 * fields), hopfield_weights.c, hopfield_draw.c, hopfield_sync.c, hopfield_modern.c */
pml_hopfield_async_fn pml_cpu_hopfield_async_ref, pml_cpu_hopfield_async;
pml_hopfield_convert_fn pml_cpu_hopfield_convert;
pml_hopfield_weights_fn pml_cpu_hopfield_weights;
pml_hopfield_storkey_fn pml_cpu_hopfield_storkey;
pml_hopfield_draw_fn pml_cpu_hopfield_draw;
pml_hopfield_sync_fn pml_cpu_hopfield_sync;
pml_hopfield_energy_fn pml_cpu_hopfield_energy;
pml_hopfield_softmax_fn pml_cpu_hopfield_softmax;
pml_hopfield_modern_fn pml_cpu_hopfield_modern;

/* RBM: rbm_gibbs.c (sample: the element-by-element reference and the fast path; flip),
 * rbm_free.c (free energies, energies), rbm_enumerate.c (states, log-sum-exp) */
pml_rbm_sample_fn pml_cpu_rbm_sample_ref, pml_cpu_rbm_sample;
pml_rbm_flip_fn pml_cpu_rbm_flip;
pml_rbm_free_fn pml_cpu_rbm_free;
pml_rbm_energy_fn pml_cpu_rbm_energy;
pml_rbm_enumerate_fn pml_cpu_rbm_enumerate;
pml_rbm_lse_fn pml_cpu_rbm_lse;

#ifdef __cplusplus
}
#endif
#endif
