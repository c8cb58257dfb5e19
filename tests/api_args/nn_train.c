/* api_args cases for nn.h, losses, optimisers, schedules, training. */
#include "api_args.h"

#define LOSS(kind, y, labels, targets, batch, dy) \
    pml_loss_compute(kind, PML_REDUCE_MEAN, y, labels, targets, batch, &f->dval, dy, NULL)
#define STEP(o, n, params, grads) pml_optimizer_step(o, n, params, grads)
#define SCHED(text) pml_schedule_parse(text, 0.1, &f->sched)
#define TRAIN(m, train, val, cfg) pml_train(m, f->opt, train, val, cfg, NULL)
#define TRAIN_WITH(m, step, train, val, cfg) pml_train_with(m, f->opt, step, train, val, cfg, NULL)
#define EVAL(m, ds, loss, scaling) pml_evaluate(m, ds, loss, scaling, &f->dval, &f->dval2)
#define EVAL_RECON(m, ds, loss, scaling) \
    pml_evaluate_reconstruction(m, ds, loss, scaling, &f->dval)
#define NN_TRAIN_CASES(X)                                                                  \
    X(pml_loss_compute, S_INVALID,                                                         \
      pml_loss_compute(PML_LOSS_MSE, PML_REDUCE_MEAN, NULL, f->i32, NULL, 2, &f->dval, NULL, \
                       NULL))                                                              \
    X(pml_loss_compute, S_INVALID,                                                         \
      pml_loss_compute(PML_LOSS_MSE, PML_REDUCE_MEAN, f->y, f->i32, NULL, 2, NULL, NULL, NULL)) \
    X(pml_loss_compute, S_INVALID,                                                         \
      pml_loss_compute((pml_loss_kind)9, PML_REDUCE_MEAN, f->y, f->i32, NULL, 2, &f->dval, \
                       NULL, NULL))                                                        \
    X(pml_loss_compute, S_INVALID,                                                         \
      pml_loss_compute(PML_LOSS_MSE, (pml_reduction)5, f->y, f->i32, NULL, 2, &f->dval,   \
                       NULL, NULL))                                                        \
    X(pml_loss_compute, S_INVALID, LOSS(PML_LOSS_MSE, f->i22, f->i32, NULL, 2, NULL))      \
    X(pml_loss_compute, S_INVALID, LOSS(PML_LOSS_MSE, f->y, NULL, NULL, 2, NULL))          \
    X(pml_loss_compute, S_INVALID, LOSS(PML_LOSS_MSE, f->y, f->i32, f->dy, 2, NULL))       \
    X(pml_loss_compute, S_INVALID, LOSS(PML_LOSS_SOFTMAX_XENT, f->y, NULL, f->dy, 2, NULL)) \
    X(pml_loss_compute, S_INVALID,                                                         \
      pml_loss_compute(PML_LOSS_MSE, PML_REDUCE_MEAN, f->y, NULL, f->dy, 2, &f->dval, NULL, \
                       &f->corr))                                                          \
    X(pml_loss_compute, S_INVALID, LOSS(PML_LOSS_MSE, f->y, f->i32, NULL, 0, NULL))        \
    X(pml_loss_compute, S_INVALID, LOSS(PML_LOSS_MSE, f->y, f->i32, NULL, 5, NULL))        \
    X(pml_loss_compute, S_INVALID, LOSS(PML_LOSS_MSE, f->v6, f->i32, NULL, 2, NULL)) /* 1-D */ \
    X(pml_loss_compute, S_INVALID, LOSS(PML_LOSS_MSE, f->y, f->v6, NULL, 2, NULL))         \
    X(pml_loss_compute, S_INVALID, LOSS(PML_LOSS_MSE, f->y, f->lab2, NULL, 3, NULL))       \
    X(pml_loss_compute, S_INVALID, LOSS(PML_LOSS_MSE, f->y, NULL, f->d64, 2, NULL))        \
    X(pml_loss_compute, S_INVALID, LOSS(PML_LOSS_MSE, f->y, f->i32, NULL, 2, f->d64))      \
    X(pml_loss_compute, S_INVALID, LOSS(PML_LOSS_MSE, f->y, f->i32, NULL, 2, f->y))        \
    X(pml_loss_compute, S_MISMATCH, LOSS(PML_LOSS_MSE, f->y, f->far_i32, NULL, 2, NULL))   \
    X(pml_loss_compute, S_MISMATCH, LOSS(PML_LOSS_MSE, f->c, NULL, f->far, 2, NULL))       \
    X(pml_loss_compute, S_MISMATCH, LOSS(PML_LOSS_MSE, f->c, f->i32, NULL, 2, f->far))     \
    X(pml_loss_compute, S_OK, LOSS(PML_LOSS_MSE, f->y, f->i32, NULL, 2, NULL)) /* no dy */ \
    PARSE_CASES(X, pml_loss_parse, "mse_half", "MSE", &f->loss)                            \
    PARSE_CASES(X, pml_optim_parse, "momentum", "Adam", &f->optim)                         \
    X(pml_optimizer_create, S_INVALID,                                                     \
      pml_optimizer_create(f->dev, OC(PML_OPTIM_SGD, lr, 0.1), NULL))                      \
    X(pml_optimizer_create, S_INVALID,                                                     \
      pml_optimizer_create(NULL, OC(PML_OPTIM_SGD, lr, 0.1), &f->out_opt))                 \
    X(pml_optimizer_create, S_INVALID, pml_optimizer_create(f->dev, NULL, &f->out_opt))    \
    X(pml_optimizer_create, S_INVALID,                                                     \
      pml_optimizer_create(f->dev, OC((pml_optim_kind)9, lr, 0.1), &f->out_opt))           \
    X(pml_optimizer_create, S_INVALID,                                                     \
      pml_optimizer_create(f->dev, OC(PML_OPTIM_SGD, lr, -1.0), &f->out_opt))              \
    X(pml_optimizer_create, S_INVALID,                                                     \
      pml_optimizer_create(f->dev, OC(PML_OPTIM_SGD, lr, NAN), &f->out_opt))               \
    X(pml_optimizer_create, S_INVALID,                                                     \
      pml_optimizer_create(f->dev, OC(PML_OPTIM_SGD, weight_decay, -1.0), &f->out_opt))    \
    X(pml_optimizer_create, S_INVALID,                                                     \
      pml_optimizer_create(f->dev, OC(PML_OPTIM_MOMENTUM, momentum, 1.0), &f->out_opt))    \
    X(pml_optimizer_create, S_INVALID,                                                     \
      pml_optimizer_create(f->dev, OC(PML_OPTIM_ADAM, beta1, 1.0), &f->out_opt))           \
    X(pml_optimizer_create, S_INVALID,                                                     \
      pml_optimizer_create(f->dev, OC(PML_OPTIM_ADAM, eps, 0.0), &f->out_opt))             \
    X(pml_optimizer_step, S_INVALID, STEP(NULL, 1, TENSORS(f->a), TENSORS(f->v6)))         \
    X(pml_optimizer_step, S_INVALID, STEP(f->opt, -1, TENSORS(f->a), TENSORS(f->v6)))      \
    X(pml_optimizer_step, S_INVALID, STEP(f->opt, 1, NULL, TENSORS(f->v6)))                \
    X(pml_optimizer_step, S_INVALID, STEP(f->opt, 1, TENSORS(f->a), NULL))                 \
    X(pml_optimizer_step, S_INVALID, STEP(f->opt, 1, TENSORS(NULL), TENSORS(f->v6)))       \
    X(pml_optimizer_step, S_INVALID, STEP(f->opt, 1, TENSORS(f->a), TENSORS(NULL)))        \
    X(pml_optimizer_step, S_INVALID, STEP(f->opt, 1, TENSORS(f->c), TENSORS(f->d64)))      \
    X(pml_optimizer_step, S_INVALID, STEP(f->opt, 1, TENSORS(f->a), TENSORS(f->c)))        \
    X(pml_optimizer_step, S_INVALID, STEP(f->opt, 1, TENSORS(f->i22), TENSORS(f->i22)))    \
    X(pml_optimizer_step, S_INVALID, STEP(f->opt1, 2, TENSORS(f->a, f->c), TENSORS(f->v6, f->c))) \
    X(pml_optimizer_step, S_MISMATCH, STEP(f->opt, 1, TENSORS(f->far), TENSORS(f->far)))   \
    X(pml_optimizer_step_model, S_INVALID, pml_optimizer_step_model(NULL, f->model))       \
    X(pml_optimizer_step_model, S_INVALID, pml_optimizer_step_model(f->opt, NULL))         \
    X(pml_optimizer_step_model, S_MISMATCH, pml_optimizer_step_model(f->opt, f->model_far)) \
    X(pml_schedule_parse, S_INVALID, pml_schedule_parse(NULL, 0.1, &f->sched))             \
    X(pml_schedule_parse, S_INVALID, pml_schedule_parse("exp:0.5", 0.1, NULL))             \
    X(pml_schedule_parse, S_INVALID, pml_schedule_parse("exp:0.5", -0.1, &f->sched))       \
    X(pml_schedule_parse, S_INVALID, pml_schedule_parse("exp:0.5", NAN, &f->sched))        \
    X(pml_schedule_parse, S_INVALID, SCHED("bogus"))                                       \
    X(pml_schedule_parse, S_INVALID, SCHED(""))                                            \
    X(pml_schedule_parse, S_INVALID, SCHED("constant:1"))                                  \
    X(pml_schedule_parse, S_INVALID, SCHED("step:0:0.5"))                                  \
    X(pml_schedule_parse, S_INVALID, SCHED("step:2"))                                      \
    X(pml_schedule_parse, S_INVALID, SCHED("step:2:0.5:3"))                                \
    X(pml_schedule_parse, S_INVALID, SCHED("exp:2"))                                       \
    X(pml_schedule_parse, S_INVALID, SCHED("exp:"))                                        \
    X(pml_schedule_parse, S_INVALID, SCHED("cosine:0"))                                    \
    X(pml_schedule_parse, S_INVALID, SCHED("plateau:0"))                                   \
    X(pml_train, S_INVALID, pml_train(NULL, f->opt, f->ds, NULL, &f->tc, NULL))            \
    X(pml_train, S_INVALID, pml_train(f->model, NULL, f->ds, NULL, &f->tc, NULL))          \
    X(pml_train, S_INVALID, pml_train(f->model, f->opt, NULL, NULL, &f->tc, NULL))         \
    X(pml_train, S_INVALID, pml_train(f->model, f->opt, f->ds, NULL, NULL, NULL))          \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(epochs, 0)))                   \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(batch, 0)))                    \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(batch, 5))) /* > max_batch */  \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(loss, (pml_loss_kind)9)))      \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(reduction, (pml_reduction)9))) \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(scaling, (pml_scaling)9)))     \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(augment.shift, -1)))           \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(augment.shift, 2))) /* rows */ \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(augment.noise, -1.0f)))        \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(augment.noise, NAN)))          \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(early_stop, -1)))              \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(every_steps, -1)))             \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(schedule.lr0, NAN)))           \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, TC(checkpoint_every, -1)))        \
    X(pml_train, S_IO, /* before the first epoch */                                        \
      TRAIN(f->model, f->ds, NULL, TC(checkpoint, f->unwritable)))                         \
    X(pml_train, S_IO, TRAIN(f->model, f->ds, NULL, TC(resume, f->missing)))               \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, SCH(PML_SCHED_COSINE, t_max, 0))) \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, SCH(PML_SCHED_COSINE, min_lr, 1))) \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, SCH(PML_SCHED_STEP, step, 0)))    \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, SCH(PML_SCHED_STEP, gamma, 0.0))) \
    X(pml_train, S_INVALID,                                                                \
      TRAIN(f->model, f->ds, NULL, SCH(PML_SCHED_EXPONENTIAL, gamma, 1.5)))                \
    X(pml_train, S_INVALID,                                                                \
      TRAIN(f->model, f->ds, NULL, SCH(PML_SCHED_PLATEAU, patience, 0)))                   \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, NULL, SCH(PML_SCHED_PLATEAU, factor, 1.0))) \
    X(pml_train, S_INVALID,                                                                \
      TRAIN(f->model, f->ds, NULL, TC2(schedule.lr0, 0.1, schedule.kind, (pml_schedule_kind)9))) \
    X(pml_train_with, S_INVALID, TRAIN_WITH(f->auto6, NULL, f->ds, NULL, &f->tc))          \
    X(pml_train_with, S_INVALID, TRAIN_WITH(NULL, f->step_rec, f->ds, NULL, &f->tc))       \
    X(pml_train_with, S_INVALID, TRAIN_WITH(f->auto6, f->step_rec, f->ds, NULL, &f->tc)) /* xent */ \
    X(pml_train_with, S_INVALID,                                                           \
      TRAIN_WITH(f->model, f->step_rec, f->ds, NULL, TC(loss, PML_LOSS_MSE))) /* 3 != 6 */ \
    X(pml_train_with, S_INVALID,                                                           \
      TRAIN_WITH(f->auto6, f->step_rec, f->ds, NULL, TC2(loss, PML_LOSS_MSE, epochs, 0)))  \
    X(pml_train_with, S_MISMATCH,                                                          \
      TRAIN_WITH(f->auto6, f->step_rec, f->ds_far, NULL, TC(loss, PML_LOSS_MSE)))           \
    X(pml_train_with, S_OK, TRAIN_WITH(f->auto6, f->step_rec, f->ds, NULL, TC(loss, PML_LOSS_MSE))) \
    X(pml_train_with, S_INVALID, TRAIN_WITH(f->narrow, f->step_cls, f->ds, NULL, &f->tc))  \
    X(pml_train_step_classifier, S_INVALID, pml_train_step_classifier(NULL))               \
    X(pml_train_step_classifier, S_OK, pml_train_step_classifier(&f->out_step))            \
    X(pml_train_step_reconstruction, S_INVALID, pml_train_step_reconstruction(NULL))       \
    X(pml_train_step_reconstruction, S_OK, pml_train_step_reconstruction(&f->out_step))    \
    X(pml_train, S_INVALID, TRAIN(f->model64, f->ds, NULL, &f->tc))                        \
    X(pml_train, S_INVALID, TRAIN(f->empty, f->ds, NULL, &f->tc))                          \
    X(pml_train, S_INVALID, TRAIN(f->narrow, f->ds, NULL, &f->tc)) /* 3 classes */         \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds_wide, NULL, &f->tc)) /* 9 features */    \
    X(pml_train, S_INVALID, TRAIN(f->model, f->ds, f->ds_wide, &f->tc))                    \
    X(pml_train, S_MISMATCH, TRAIN(f->model, f->ds_far, NULL, &f->tc))                     \
    X(pml_train, S_MISMATCH, TRAIN(f->model, f->ds, f->ds_far, &f->tc))                    \
    X(pml_train, S_INVALID, pml_train(f->model, f->opt, f->ds, NULL, TC(epochs, 0), &f->res)) \
    X(pml_evaluate, S_INVALID, EVAL(NULL, f->ds, PML_LOSS_SOFTMAX_XENT, PML_SCALE_UNIT))   \
    X(pml_evaluate, S_INVALID, EVAL(f->model, NULL, PML_LOSS_SOFTMAX_XENT, PML_SCALE_UNIT)) \
    X(pml_evaluate, S_INVALID, EVAL(f->model, f->ds, (pml_loss_kind)9, PML_SCALE_UNIT))    \
    X(pml_evaluate, S_INVALID, EVAL(f->model, f->ds, PML_LOSS_SOFTMAX_XENT, (pml_scaling)9)) \
    X(pml_evaluate, S_INVALID, EVAL(f->model64, f->ds, PML_LOSS_SOFTMAX_XENT, PML_SCALE_UNIT)) \
    X(pml_evaluate, S_INVALID, EVAL(f->empty, f->ds, PML_LOSS_SOFTMAX_XENT, PML_SCALE_UNIT)) \
    X(pml_evaluate, S_INVALID, EVAL(f->narrow, f->ds, PML_LOSS_SOFTMAX_XENT, PML_SCALE_UNIT)) \
    X(pml_evaluate, S_INVALID, EVAL(f->model, f->ds_wide, PML_LOSS_SOFTMAX_XENT, PML_SCALE_UNIT)) \
    X(pml_evaluate, S_MISMATCH, EVAL(f->model, f->ds_far, PML_LOSS_SOFTMAX_XENT, PML_SCALE_UNIT)) \
    X(pml_evaluate, S_OK, /* outputs optional */                                           \
      pml_evaluate(f->model, f->ds, PML_LOSS_SOFTMAX_XENT, PML_SCALE_UNIT, NULL, NULL))    \
    X(pml_evaluate_reconstruction, S_INVALID,                                              \
      EVAL_RECON(NULL, f->ds, PML_LOSS_MSE, PML_SCALE_UNIT))                               \
    X(pml_evaluate_reconstruction, S_INVALID,                                              \
      EVAL_RECON(f->auto6, NULL, PML_LOSS_MSE, PML_SCALE_UNIT))                            \
    X(pml_evaluate_reconstruction, S_INVALID,                                              \
      EVAL_RECON(f->auto6, f->ds, PML_LOSS_SOFTMAX_XENT, PML_SCALE_UNIT))                  \
    X(pml_evaluate_reconstruction, S_INVALID,                                              \
      EVAL_RECON(f->auto6, f->ds, (pml_loss_kind)9, PML_SCALE_UNIT))                       \
    X(pml_evaluate_reconstruction, S_INVALID,                                              \
      EVAL_RECON(f->auto6, f->ds, PML_LOSS_MSE, (pml_scaling)9))                           \
    X(pml_evaluate_reconstruction, S_INVALID,                                              \
      EVAL_RECON(f->model, f->ds, PML_LOSS_MSE, PML_SCALE_UNIT)) /* 3 outputs, 6 inputs */ \
    X(pml_evaluate_reconstruction, S_OK,                                                   \
      pml_evaluate_reconstruction(f->auto6, f->ds, PML_LOSS_MSE, PML_SCALE_UNIT, NULL))    \
    X(pml_model_predict, S_INVALID, pml_model_predict(NULL, f->x, 2, f->pred))             \
    X(pml_model_predict, S_INVALID, pml_model_predict(f->model, NULL, 2, f->pred))         \
    X(pml_model_predict, S_INVALID, pml_model_predict(f->model, f->x, 2, NULL))            \
    X(pml_model_predict, S_INVALID, pml_model_predict(f->model, f->x, 0, f->pred))         \
    X(pml_model_predict, S_INVALID, pml_model_predict(f->model, f->d64, 2, f->pred))       \
    X(pml_model_predict, S_INVALID, pml_model_predict(f->empty, f->x, 2, f->pred))         \
    X(pml_model_predict, S_MISMATCH, pml_model_predict(f->model, f->far, 2, f->pred))
#define NN_TRAIN_CHECKS(Y)                                                                 \
    Y(pml_loss_name, strcmp(pml_loss_name((pml_loss_kind)99), "?") == 0)                   \
    Y(pml_optim_name, strcmp(pml_optim_name((pml_optim_kind)99), "?") == 0)                \
    Y(pml_optim_defaults, pml_optim_defaults((pml_optim_kind)99).kind == (pml_optim_kind)99) \
    Y(pml_optimizer_destroy, (pml_optimizer_destroy(NULL), 1))                             \
    Y(pml_optimizer_set_lr, (pml_optimizer_set_lr(NULL, 0.5), 1))                          \
    Y(pml_optimizer_set_lr, /* ignored: the rate stays */                                \
      (f->dval = pml_optimizer_lr(f->opt), pml_optimizer_set_lr(f->opt, -1.0),             \
       pml_optimizer_lr(f->opt) == f->dval))                                               \
    Y(pml_optimizer_set_lr,                                                                \
      (f->dval = pml_optimizer_lr(f->opt), pml_optimizer_set_lr(f->opt, NAN),              \
       pml_optimizer_lr(f->opt) == f->dval))                                               \
    Y(pml_optimizer_lr, pml_optimizer_lr(NULL) == 0.0)                                     \
    Y(pml_optimizer_steps, pml_optimizer_steps(NULL) == 0)                                 \
    Y(pml_schedule_lr, pml_schedule_lr(NULL, 3) == 0.0)                                    \
    Y(pml_schedule_observe, pml_schedule_observe(NULL, 1.0) == 0.0)                        \
    Y(pml_train_result_free, (pml_train_result_free(NULL), 1))                             \
    Y(pml_train_step_destroy, (pml_train_step_destroy(NULL), 1))                           \
    Y(pml_train_step_name, strcmp(pml_train_step_name(NULL), "") == 0)                     \
    Y(pml_train_step_name, strcmp(pml_train_step_name(f->step_rec), "reconstruction") == 0) \
    Y(pml_train_result_free, (pml_train_result_free(&f->res_zero), 1))
DEFINE_GROUP(nn_train_h, "nn.h (losses, optimisers, schedules, training)", NN_TRAIN_CASES,
             NN_TRAIN_CHECKS)
