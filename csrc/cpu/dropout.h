// Inverted dropout, float32/float64.
//
// Kernels overwrite their outputs; only autograd accumulates gradients.
#pragma once
#include "core/buffer.h"
#include "core/rng.h"

namespace pdg {

// dropout_forward(out, mask, inp, p, gen)
// Args:
//   out   (n,) contiguous; overwritten: inp * mask / (1 - p)  (all zero when p == 1)
//   mask  (n,) same dtype as inp; overwritten with 1 (kept, probability 1 - p) or 0,
//         drawn from `gen`'s Philox stream (bernoulli_fill), so the same seed gives
//         the same mask whatever the thread count
//   inp   (n,)
// Raises ValueError unless 0 <= p <= 1.
void dropout_forward(Buffer& out, Buffer& mask, const Buffer& inp, double p, Generator& gen);

// dropout_backward(dinp, dout, mask, p)
// Args:
//   dinp  (n,); overwritten: dout * mask / (1 - p)
void dropout_backward(Buffer& dinp, const Buffer& dout, const Buffer& mask, double p);

}  // namespace pdg
