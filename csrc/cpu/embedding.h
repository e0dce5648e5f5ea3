// Embedding lookup and its scatter-add gradient, float32/float64 tables.
//
// Kernels overwrite their outputs; only autograd accumulates gradients.
#pragma once
#include "core/buffer.h"

namespace pdg {

// embedding_forward(out, indices, weight, n, V, D)
// Args:
//   out      (n, D); overwritten: out[i] = weight[indices[i]]
//   indices  (n,) int64; every index must lie in [0, V) (IndexError, checked
//            before anything is written)
//   weight   (V, D)
void embedding_forward(Buffer& out, const Buffer& indices, const Buffer& weight, int64_t n,
                       int64_t V, int64_t D);

// embedding_backward(dweight, dout, indices, n, V, D, padding_idx)
// Args:
//   dweight      (V, D); overwritten: zero, plus dout[i] added to row indices[i]
//   dout         (n, D)
//   padding_idx  row that receives no gradient, or -1 for none
void embedding_backward(Buffer& dweight, const Buffer& dout, const Buffer& indices, int64_t n,
                        int64_t V, int64_t D, int64_t padding_idx);

}  // namespace pdg
