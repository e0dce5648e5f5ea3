#pragma once
#include "core/buffer.h"

namespace pdg {

// softmax / log_softmax over the middle axis of a contiguous (O, R, I) block:
// Python maps `dim` to R, the dims before it to O and after it to I
// (pydeepgen/ops/softmax.py, like ops/reduce.py).
//
// softmax_forward(out, inp, O, R, I, log)
// Args:
//   out     contiguous (O, R, I), inp's dtype; overwritten
//   inp     contiguous (O, R, I), float32/float64
//   log     false: softmax; true: log_softmax
// Stable: subtracts the max over R before exponentiating; sums in double.
// A NaN anywhere along R makes that whole slice NaN (as PyTorch).
void softmax_forward(Buffer& out, const Buffer& inp, int64_t O, int64_t R, int64_t I, bool log);

// softmax_backward(dinp, dout, out, O, R, I, log)
// Args:
//   dinp    contiguous (O, R, I); overwritten
//   dout    contiguous (O, R, I): incoming gradient
//   out     the forward's result (y = softmax or log_softmax)
// softmax:      dx = y (g - sum_R(g y))
// log_softmax:  dx = g - exp(y) sum_R(g)
void softmax_backward(Buffer& dinp, const Buffer& dout, const Buffer& out, int64_t O, int64_t R,
                      int64_t I, bool log);

}  // namespace pdg
