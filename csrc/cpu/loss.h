#pragma once
#include <optional>
#include "core/buffer.h"

namespace pdg {

// Codes shared with pydeepgen/ops/loss.py.
enum class PointwiseLoss : int { Mse = 0, L1, SmoothL1, Huber, Bce, BceLogits };
// PyTorch's reduction codes.
enum class Reduction : int { None = 0, Mean = 1, Sum = 2 };

// ---- elementwise losses: mse, l1, smooth_l1, huber, bce, bce_with_logits ----
//
// pointwise_loss_forward(op, out, inp, target, weight, pos_weight, n, reduction, beta)
// Args:
//   out          reduction None: n elements; Mean/Sum: 1 element. Overwritten.
//   inp, target  contiguous, n elements, same float dtype (Python broadcasts)
//   weight       optional, n elements (Bce, BceLogits; Python expands it)
//   pos_weight   optional, n elements (BceLogits)
//   beta         SmoothL1's beta / Huber's delta
// Mean divides by n (NaN for n = 0). Sums are per 4096-element block in double,
// then over blocks in order: the result does not depend on the thread count.
// Bce: log terms clamped at -100 (PyTorch); inputs or targets outside [0, 1]
// raise ValueError before anything is written.
void pointwise_loss_forward(int op, Buffer& out, const Buffer& inp, const Buffer& target,
                            const std::optional<Buffer>& weight, const std::optional<Buffer>& pos_weight,
                            int64_t n, int reduction, double beta);

// pointwise_loss_backward(op, dinp, dtarget, dout, inp, target, weight, pos_weight, n, reduction, beta)
// Args:
//   dinp, dtarget  optional, n elements each; overwritten
//   dout           n elements (None) or 1 (Mean/Sum)
// Bce's input gradient divides by max(x (1 - x), 1e-12), as PyTorch.
void pointwise_loss_backward(int op, std::optional<Buffer> dinp, std::optional<Buffer> dtarget,
                             const Buffer& dout, const Buffer& inp, const Buffer& target,
                             const std::optional<Buffer>& weight, const std::optional<Buffer>& pos_weight,
                             int64_t n, int reduction, double beta);

// ---- class losses over an (N, C, D) block: class axis C, D = prod(d1, ...) ----
//
// cross_entropy_forward(out, lse, inp, target, weight, N, C, D, ignore_index,
//                       label_smoothing, reduction) -> total weight
// Fused log-softmax + nll: one pass computes each (n, d) log-sum-exp over C
// and the loss; log-probabilities are never stored.
// Args:
//   out        None: (N, D); Mean/Sum: 1 element. Overwritten.
//   lse        (N, D), inp's dtype: log-sum-exp over C, saved for backward. Overwritten.
//   inp        contiguous (N, C, D) logits, float32/float64
//   target     contiguous (N, D) int64 class indices; ignore_index entries
//              contribute nothing. Any other target outside [0, C) raises
//              IndexError before memory is touched.
//   weight     optional (C,) class weights
//   label_smoothing in [0, 1]
// Returns W = sum of weight[target] over non-ignored entries (their count
// without weights); Mean divides the summed loss by W (PyTorch's weighted mean,
// NaN when everything is ignored).
double cross_entropy_forward(Buffer& out, Buffer& lse, const Buffer& inp, const Buffer& target,
                             const std::optional<Buffer>& weight, int64_t N, int64_t C, int64_t D,
                             int64_t ignore_index, double label_smoothing, int reduction);

// cross_entropy_backward(dinp, dout, inp, lse, target, weight, N, C, D, ignore_index,
//                        label_smoothing, reduction, total_weight)
// Args:
//   dinp       (N, C, D); overwritten (zero for ignored entries)
//   dout       (N, D) for None, else 1 element
//   total_weight  the forward's return value (Mean)
// dx_c = g [ (1 - eps) w_t (p_c - [c = t]) + eps / C (p_c sum_k w_k - w_c) ], p = softmax.
void cross_entropy_backward(Buffer& dinp, const Buffer& dout, const Buffer& inp, const Buffer& lse,
                            const Buffer& target, const std::optional<Buffer>& weight, int64_t N,
                            int64_t C, int64_t D, int64_t ignore_index, double label_smoothing,
                            int reduction, double total_weight);

// cross_entropy_prob_forward / _backward: class-probability targets.
// Args as above, except target is float (N, C, D) like inp. With smoothing the
// target becomes (1 - eps) t + eps / C. loss = -sum_c w_c t_c log p_c; Mean
// divides by N * D (PyTorch ignores the weights in this mean).
void cross_entropy_prob_forward(Buffer& out, Buffer& lse, const Buffer& inp, const Buffer& target,
                                const std::optional<Buffer>& weight, int64_t N, int64_t C, int64_t D,
                                double label_smoothing, int reduction);
// dinp, dtarget optional (N, C, D); overwritten.
void cross_entropy_prob_backward(std::optional<Buffer> dinp, std::optional<Buffer> dtarget,
                                 const Buffer& dout, const Buffer& inp, const Buffer& lse,
                                 const Buffer& target, const std::optional<Buffer>& weight, int64_t N,
                                 int64_t C, int64_t D, double label_smoothing, int reduction);

// nll_loss_forward(out, inp, target, weight, N, C, D, ignore_index, reduction) -> total weight
// inp holds log-probabilities (N, C, D); loss = -w_t inp[n, t, d]; target rules
// and the weighted mean as cross_entropy_forward.
double nll_loss_forward(Buffer& out, const Buffer& inp, const Buffer& target,
                        const std::optional<Buffer>& weight, int64_t N, int64_t C, int64_t D,
                        int64_t ignore_index, int reduction);
// dinp (N, C, D) overwritten: -w_t g at the target class, 0 elsewhere.
void nll_loss_backward(Buffer& dinp, const Buffer& dout, const Buffer& target,
                       const std::optional<Buffer>& weight, int64_t N, int64_t C, int64_t D,
                       int64_t ignore_index, int reduction, double total_weight);

}  // namespace pdg
