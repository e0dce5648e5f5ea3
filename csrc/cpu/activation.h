#pragma once
#include <optional>
#include "core/buffer.h"

namespace pdg {

// Codes shared with pydeepgen/ops/activation.py. p0/p1 carry the parameters.
enum class ActOp : int {
    Step = 0,     // x >= p0 ? 1 : 0 (no gradient)
    Sigmoid,      // 1 / (1 + e^-x)
    Tanh,
    Relu,         // max(x, 0), NaN propagates
    Hardtanh,     // clamp(x, p0, p1); relu6 = hardtanh(0, 6)
    LeakyRelu,    // x > 0 ? x : p0 x
    Elu,          // x > 0 ? x : p0 (e^x - 1)
    Selu,         // scale * elu(x, alpha) with the SELU constants
    Celu,         // x > 0 ? x : p0 (e^(x/p0) - 1)
    Gelu,         // x Phi(x) (erf form)
    GeluTanh,     // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    Silu,         // x sigmoid(x)
    Softplus,     // p0 = beta, p1 = threshold: x beta > threshold ? x : log1p(e^(beta x)) / beta
    LogSigmoid,   // -softplus(-x)
};

// activation_forward(op, out, inp, n, p0, p1)
// Args:
//   out      contiguous, n elements, inp's dtype (float32/float64); overwritten;
//            may be inp itself (in-place activations)
//   inp      contiguous, n elements
// float32 sigmoid/tanh use the SIMD polynomials of vecmath.h.
void activation_forward(int op, Buffer& out, const Buffer& inp, int64_t n, double p0, double p1);

// activation_backward(op, dinp, dout, inp, out, n, p0, p1)
// Args:
//   dinp     contiguous, n elements; overwritten
//   dout     the incoming gradient, n elements
//   inp/out  the forward's input and result: Sigmoid and Tanh read the result
//            (activation_uses_result), the others the input; the other may be None.
// Derivatives follow PyTorch exactly at the kinks: relu'(0) = 0,
// leaky_relu'(0) = slope, elu'(0) = alpha, hardtanh' = 0 at both bounds,
// softplus' = 1 above the threshold.
void activation_backward(int op, Buffer& dinp, const Buffer& dout, const std::optional<Buffer>& inp,
                         const std::optional<Buffer>& out, int64_t n, double p0, double p1);

bool activation_uses_result(int op);

}  // namespace pdg
