// Optimizer updates: one fused kernel per optimizer, applied to one parameter
// tensor per call (pydeepgen/optim/*.py calls it once per parameter).
//
// Each kernel reads the gradient once and updates the parameter and its state
// buffers in the same pass over memory, instead of the chain of 6-10 tensor
// ops (each a full pass) a Python implementation would need.
//
// Kernels overwrite their outputs; only autograd accumulates gradients. Here
// the "outputs" are the parameter and state buffers, updated in place; the
// gradient is never written.
//
// Every buffer is contiguous, same dtype (float32 or float64) and has the
// parameter's numel. Hyper-parameters arrive as double and are rounded to
// the scalar type once per call, as torch.optim does with Python floats.
// The rules are exactly torch.optim's single-tensor ("foreach=False") ones.
//
// Variants (csrc/cpu/optim/): the element loops are written once
// (optim/optim_loops.h) and compiled three times: 01_reference (baseline ISA,
// one thread: the test oracle), 02_avx2 and 03_avx512 (same loops compiled
// with -mavx2/-mavx512f, split across threads). "auto" takes the best rung the
// CPU supports; pdg.optim.set_kernel_variant() forces one.
#pragma once
#include <string>
#include <vector>

#include "core/buffer.h"

namespace pdg {

// sgd_step(param, grad, momentum_buf, lr, momentum, dampening, weight_decay,
//          nesterov, maximize, first_step)
// Args:
//   param         (n,) updated in place: p -= lr * d
//   grad          (n,) read only
//   momentum_buf  (n,) or None when momentum == 0; updated in place:
//                 first_step: buf = g, else buf = momentum*buf + (1-dampening)*g
//   The direction d is g (+ wd*p), then buf, or g + momentum*buf (nesterov).
void sgd_step(Buffer& param, const Buffer& grad, Buffer* momentum_buf, double lr, double momentum,
              double dampening, double weight_decay, bool nesterov, bool maximize,
              bool first_step);

// adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr, beta1, beta2,
//           eps, weight_decay, step, amsgrad, maximize, decoupled)
// Args:
//   param           (n,) updated in place
//   grad            (n,) read only
//   exp_avg         (n,) m = beta1*m + (1-beta1)*g, in place
//   exp_avg_sq      (n,) v = beta2*v + (1-beta2)*g^2, in place
//   max_exp_avg_sq  (n,) when amsgrad (vmax = max(vmax, v), in place), else None
//   step            the step number after increment (1 on the first call)
//   decoupled       AdamW: p *= 1 - lr*wd; else Adam L2: g += wd*p
//   p -= lr/(1-beta1^step) * m / (sqrt(v or vmax)/sqrt(1-beta2^step) + eps)
void adam_step(Buffer& param, const Buffer& grad, Buffer& exp_avg, Buffer& exp_avg_sq,
               Buffer* max_exp_avg_sq, double lr, double beta1, double beta2, double eps,
               double weight_decay, int64_t step, bool amsgrad, bool maximize, bool decoupled);

// rmsprop_step(param, grad, square_avg, grad_avg, momentum_buf, lr, alpha, eps,
//              weight_decay, momentum, centered, maximize)
// Args:
//   square_avg    (n,) s = alpha*s + (1-alpha)*g^2, in place
//   grad_avg      (n,) when centered (a = alpha*a + (1-alpha)*g), else None
//   momentum_buf  (n,) when momentum > 0 (b = momentum*b + g/avg), else None
//   avg = sqrt(s - a^2 or s) + eps; p -= lr * (b or g/avg)
void rmsprop_step(Buffer& param, const Buffer& grad, Buffer& square_avg, Buffer* grad_avg,
                  Buffer* momentum_buf, double lr, double alpha, double eps, double weight_decay,
                  double momentum, bool centered, bool maximize);

// adagrad_step(param, grad, state_sum, lr, lr_decay, weight_decay, eps, step, maximize)
// Args:
//   state_sum  (n,) sum += g^2, in place
//   step       the step number after increment
//   p -= lr / (1 + (step-1)*lr_decay) * g / (sqrt(sum) + eps)
void adagrad_step(Buffer& param, const Buffer& grad, Buffer& state_sum, double lr,
                  double lr_decay, double weight_decay, double eps, int64_t step, bool maximize);

// Rung selection ("auto", "01_reference", "02_avx2", "03_avx512").
std::vector<std::string> optim_variants();     // the rungs this CPU supports
void set_optim_variant(const std::string& name);
std::string get_optim_variant();               // the rung in use

}  // namespace pdg
