// Dense (fully connected) layer: out = inp @ weight^T + bias, PyTorch layout.
// Kernels overwrite their outputs; only autograd accumulates gradients.
#pragma once
#include "core/buffer.h"

namespace pdg {

// dense_forward
// Args:
//   out     (B, OC) contiguous; overwritten
//   inp     (B, C) contiguous
//   weight  (OC, C) contiguous (PyTorch's nn.Linear layout)
//   bias    (OC,) or null (no bias)
//   B, C, OC  sizes (>= 0)
// The bias is fused into the GEMM: out's rows are first set to the bias and
// the GEMM runs with beta = 1, so out is written once by the fill and read/
// written once by the GEMM (K <= 512: one K block) - no separate bias pass.
void dense_forward(Buffer& out, const Buffer& inp, const Buffer& weight, const Buffer* bias,
                   int64_t B, int64_t C, int64_t OC);

// dense_backward
// Args:
//   dinp     (B, C) or null; overwritten with dout @ weight        (GEMM NN)
//   dweight  (OC, C) or null; overwritten with dout^T @ inp        (GEMM TN)
//   dbias    (OC,) or null; overwritten with dout summed over B   (one pass)
//   dout     (B, OC) contiguous
//   inp      (B, C), weight (OC, C) as in the forward
// The transposes are GEMM flags, never copies. Each output is written once.
void dense_backward(Buffer* dinp, Buffer* dweight, Buffer* dbias, const Buffer& dout,
                    const Buffer& inp, const Buffer& weight, int64_t B, int64_t C, int64_t OC);

}  // namespace pdg
