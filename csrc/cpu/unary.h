#pragma once
#include <optional>
#include "core/buffer.h"

namespace pdg {

// Codes shared with pydeepgen/ops/unary.py.
enum class UnaryOp : int {
    Neg = 0, Abs, Sign, Square, Clamp,                      // any numeric dtype
    Exp, Log, Log1p, Expm1, Sqrt, Rsqrt, Reciprocal, Sin, Cos,  // floating only
};

// unary_forward(op, out, inp, n, lo, hi)
// Args:
//   out      contiguous, n elements, inp's dtype; overwritten (may be inp itself)
//   inp      contiguous, n elements; float32/float64, or int64/uint8 for
//            Neg..Clamp (Python promotes ints to float32 for the others)
//   lo, hi   Clamp's bounds (-inf / +inf when absent); ignored by other ops.
//            Clamp is min(max(x, lo), hi) with NaN propagating, as in PyTorch.
// float32 Exp and Log use vecmath (SIMD rung chosen by set_math_variant).
void unary_forward(int op, Buffer& out, const Buffer& inp, int64_t n, double lo, double hi);

// unary_backward(op, dinp, dout, inp, out, n, lo, hi)
// Args:
//   dinp     contiguous, n elements; overwritten
//   dout     contiguous, n elements: the incoming gradient
//   inp/out  the forward's input and result; each op reads only the one its
//            formula needs (PyTorch's choice), the other may be None:
//            result: Exp Expm1 Sqrt Rsqrt Reciprocal; input: all others.
// Formulas as PyTorch: abs'(0) = 0, sign' = 0, clamp passes the gradient where
// lo <= x <= hi (bounds included), sqrt' = g / (2 sqrt(x)).
void unary_backward(int op, Buffer& dinp, const Buffer& dout, const std::optional<Buffer>& inp,
                    const std::optional<Buffer>& out, int64_t n, double lo, double hi);

bool unary_uses_result(int op);

}  // namespace pdg
