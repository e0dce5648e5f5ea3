// Normalization layers, float32/float64: batch norm (NCHW, or (N, C) as
// HW = 1), layer norm (rows of D), group norm (NCHW).
//
// Kernels overwrite their outputs; only autograd accumulates gradients
// (batch norm's running statistics are the one in-place update: the forward
// writes them in training mode, as PyTorch does).
//
// Statistics are accumulated in float per contiguous row with eight
// independent partial sums (vectorisable, and more accurate than one running
// sum) and in double across rows. Variances are two-pass (mean first).
// Optional weight/bias/gradient buffers are std::optional: none = identity
// affine / gradient not wanted.
#pragma once
#include <optional>

#include "core/buffer.h"

namespace pdg {

// batchnorm_forward(out, save_mean, save_invstd, running_mean, running_var, inp,
//                   weight, bias, N, C, HW, training, momentum, eps)
// Args:
//   out            (N, C, HW); overwritten
//   save_mean      (C,); overwritten with the mean used (batch or running)
//   save_invstd    (C,); overwritten with 1/sqrt(var + eps) used
//   running_mean   (C,) or none; training: updated in place to
//                  (1 - momentum) * running + momentum * batch mean
//   running_var    (C,) or none; training: same with the UNBIASED batch var
//                  (PyTorch's rule); eval: both must be given and are used
//   inp            (N, C, HW) contiguous
//   weight, bias   (C,) or none
// Raises ValueError when training with N*HW == 1 (no variance to estimate).
void batchnorm_forward(Buffer& out, Buffer& save_mean, Buffer& save_invstd,
                       std::optional<Buffer> running_mean, std::optional<Buffer> running_var,
                       const Buffer& inp, const std::optional<Buffer>& weight,
                       const std::optional<Buffer>& bias, int64_t N, int64_t C, int64_t HW,
                       bool training, double momentum, double eps);

// batchnorm_backward(dinp, dweight, dbias, dout, inp, weight, save_mean,
//                    save_invstd, N, C, HW, training)
// Args:
//   dinp (N, C, HW), dweight (C,), dbias (C,): each optional; overwritten
//   training  true: the batch statistics depend on inp (full backward);
//             false: they were constants (running stats)
void batchnorm_backward(std::optional<Buffer> dinp, std::optional<Buffer> dweight,
                        std::optional<Buffer> dbias, const Buffer& dout, const Buffer& inp,
                        const std::optional<Buffer>& weight, const Buffer& save_mean,
                        const Buffer& save_invstd, int64_t N, int64_t C, int64_t HW,
                        bool training);

// layernorm_forward(out, mean, rstd, inp, weight, bias, M, D, eps)
// Args:
//   out        (M, D); overwritten      mean, rstd  (M,); overwritten
//   inp        (M, D): M rows normalised over their D trailing elements
//   weight, bias  (D,) or none
void layernorm_forward(Buffer& out, Buffer& mean, Buffer& rstd, const Buffer& inp,
                       const std::optional<Buffer>& weight, const std::optional<Buffer>& bias,
                       int64_t M, int64_t D, double eps);

// layernorm_backward(dinp, dweight, dbias, dout, inp, weight, mean, rstd, M, D)
// Args:
//   dinp (M, D), dweight (D,), dbias (D,): each optional; overwritten
void layernorm_backward(std::optional<Buffer> dinp, std::optional<Buffer> dweight,
                        std::optional<Buffer> dbias, const Buffer& dout, const Buffer& inp,
                        const std::optional<Buffer>& weight, const Buffer& mean,
                        const Buffer& rstd, int64_t M, int64_t D);

// groupnorm_forward(out, mean, rstd, inp, weight, bias, N, C, HW, G, eps)
// Args:
//   out        (N, C, HW); overwritten      mean, rstd  (N, G); overwritten
//   inp        (N, C, HW); channels split into G groups of C/G
//   weight, bias  (C,) or none (per channel)
void groupnorm_forward(Buffer& out, Buffer& mean, Buffer& rstd, const Buffer& inp,
                       const std::optional<Buffer>& weight, const std::optional<Buffer>& bias,
                       int64_t N, int64_t C, int64_t HW, int64_t G, double eps);

// groupnorm_backward(dinp, dweight, dbias, dout, inp, weight, mean, rstd, N, C, HW, G)
// Args:
//   dinp (N, C, HW), dweight (C,), dbias (C,): each optional; overwritten
void groupnorm_backward(std::optional<Buffer> dinp, std::optional<Buffer> dweight,
                        std::optional<Buffer> dbias, const Buffer& dout, const Buffer& inp,
                        const std::optional<Buffer>& weight, const Buffer& mean,
                        const Buffer& rstd, int64_t N, int64_t C, int64_t HW, int64_t G);

// Variants of the norm kernels: (name, description, available on this CPU).
// set_norm_variant("auto" | "01_plain" | "02_avx512"): ValueError for an
// unknown name, RuntimeError for 02_avx512 on a CPU without AVX-512.
std::vector<std::tuple<std::string, std::string, bool>> norm_variants();
void set_norm_variant(const std::string& name);
std::string get_norm_variant();

}  // namespace pdg
