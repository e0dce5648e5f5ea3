// Activations (sigmoid, tanh, relu, gelu, ...), forward and backward side by
// side, one kernel per direction switching on an op code. Each backward is
// PyTorch's formula, including its choice at the kinks (see activation.h).
//
// Kernels overwrite their outputs; only autograd accumulates gradients.
#include "cpu/activation.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "core/parallel.h"
#include "cpu/vecmath.h"

namespace pdg {
namespace {

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;
constexpr double kSqrt1_2 = 0.70710678118654752440;        // 1 / sqrt(2)
constexpr double kInvSqrt2Pi = 0.39894228040143267794;     // 1 / sqrt(2 pi)
constexpr double kGeluBeta = 0.79788456080286535588;       // sqrt(2 / pi)
constexpr double kGeluKappa = 0.044715;

const char* act_name(int op) {
    static const char* names[] = {"step", "sigmoid", "tanh", "relu", "hardtanh", "leaky_relu", "elu",
                                  "selu", "celu", "gelu", "gelu", "silu", "softplus", "logsigmoid"};
    return (op >= 0 && op <= int(ActOp::LogSigmoid)) ? names[op] : "activation";
}

template <class T>
T sigmoid(T x) {
    const T e = std::exp(-std::fabs(x));
    const T s = T(1) / (T(1) + e);
    return x >= T(0) ? s : e * s;
}

template <class T, class F>
void map(T* o, const T* x, int64_t n, const F& f) {
    parallel_for(n, kElementwiseGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) o[i] = f(x[i]);
    });
}

template <class T>
void forward_typed(ActOp op, T* o, const T* x, int64_t n, double p0d, double p1d) {
    const T p0 = T(p0d), p1 = T(p1d);
    if constexpr (std::is_same_v<T, float>) {
        if (op == ActOp::Sigmoid || op == ActOp::Tanh || op == ActOp::Silu) {
            parallel_for(n, kElementwiseGrain, [&](int64_t b, int64_t e) {
                if (op == ActOp::Tanh) {
                    vtanh(o + b, x + b, e - b);
                } else if (op == ActOp::Sigmoid) {
                    vsigmoid(o + b, x + b, e - b);
                } else {  // silu: sigmoid first, then times x (works in place too)
                    vsigmoid(o + b, x + b, e - b);
                    for (int64_t i = b; i < e; ++i) o[i] *= x[i];
                }
            });
            return;
        }
    }
    switch (op) {
        case ActOp::Step: return map(o, x, n, [=](T v) { return v >= p0 ? T(1) : T(0); });
        case ActOp::Sigmoid: return map(o, x, n, [](T v) { return sigmoid(v); });
        case ActOp::Tanh: return map(o, x, n, [](T v) { return std::tanh(v); });
        case ActOp::Relu: return map(o, x, n, [](T v) { return v < T(0) ? T(0) : v; });
        case ActOp::Hardtanh:
            return map(o, x, n, [=](T v) { return v < p0 ? p0 : (v > p1 ? p1 : v); });
        case ActOp::LeakyRelu: return map(o, x, n, [=](T v) { return v > T(0) ? v : v * p0; });
        case ActOp::Elu: return map(o, x, n, [=](T v) { return v > T(0) ? v : p0 * std::expm1(v); });
        case ActOp::Selu:
            return map(o, x, n, [](T v) {
                return T(kSeluScale) * (v > T(0) ? v : T(kSeluAlpha) * std::expm1(v));
            });
        case ActOp::Celu: return map(o, x, n, [=](T v) { return v > T(0) ? v : p0 * std::expm1(v / p0); });
        case ActOp::Gelu:
            return map(o, x, n, [](T v) { return T(0.5) * v * (T(1) + std::erf(v * T(kSqrt1_2))); });
        case ActOp::GeluTanh:
            return map(o, x, n, [](T v) {
                const T inner = T(kGeluBeta) * (v + T(kGeluKappa) * v * v * v);
                return T(0.5) * v * (T(1) + std::tanh(inner));
            });
        case ActOp::Silu: return map(o, x, n, [](T v) { return v * sigmoid(v); });
        case ActOp::Softplus:
            return map(o, x, n, [=](T v) {
                return v * p0 > p1 ? v : std::log1p(std::exp(v * p0)) / p0;
            });
        case ActOp::LogSigmoid:
            return map(o, x, n, [](T v) {
                return (v < T(0) ? v : T(0)) - std::log1p(std::exp(-std::fabs(v)));
            });
    }
}

}  // namespace

bool activation_uses_result(int op) { return op == int(ActOp::Sigmoid) || op == int(ActOp::Tanh); }

void activation_forward(int op, Buffer& out, const Buffer& inp, int64_t n, double p0, double p1) {
    PDG_CHECK(op >= 0 && op <= int(ActOp::LogSigmoid), "activation_forward: unknown op code ", op);
    const char* name = act_name(op);
    PDG_CHECK(n >= 0, name, ": negative size ", n);
    check_cpu(name, out);
    check_cpu(name, inp);
    check_buffer(name, "inp", inp, n);
    check_buffer(name, "out", out, n, inp.dtype());
    PDG_DISPATCH_FLOATING(inp.dtype(), name, [&] {
        forward_typed<scalar_t>(ActOp(op), out.data<scalar_t>(), inp.data<scalar_t>(), n, p0, p1);
    });
}

namespace {

template <class T, class F>
void map2(T* d, const T* g, const T* v, int64_t n, const F& f) {
    parallel_for(n, kElementwiseGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) d[i] = f(g[i], v[i]);
    });
}

template <class T>
void backward_typed(ActOp op, T* d, const T* g, const T* v, int64_t n, double p0d, double p1d) {
    // v: the result y for Sigmoid/Tanh, the input x otherwise.
    const T p0 = T(p0d), p1 = T(p1d);
    if constexpr (std::is_same_v<T, float>) {
        if (op == ActOp::Silu) {
            // The UNet's activation: sigmoid through the vector exp a block at a time (the
            // scalar libm expf below made this backward ~17 % of a DDPM training step).
            parallel_for(n, kElementwiseGrain, [&](int64_t b, int64_t e) {
                constexpr int64_t kBlock = 1024;
                alignas(64) float s[kBlock];
                for (int64_t i0 = b; i0 < e; i0 += kBlock) {
                    const int64_t m = std::min(kBlock, e - i0);
                    vsigmoid(s, v + i0, m);
                    for (int64_t i = 0; i < m; ++i) {
                        const float x = v[i0 + i];
                        d[i0 + i] = g[i0 + i] * s[i] * (1.0f + x * (1.0f - s[i]));
                    }
                }
            });
            return;
        }
    }
    switch (op) {
        case ActOp::Step: return map2(d, g, v, n, [](T, T) { return T(0); });
        case ActOp::Sigmoid: return map2(d, g, v, n, [](T gi, T y) { return gi * (T(1) - y) * y; });
        case ActOp::Tanh: return map2(d, g, v, n, [](T gi, T y) { return gi * (T(1) - y * y); });
        case ActOp::Relu: return map2(d, g, v, n, [](T gi, T x) { return x > T(0) ? gi : T(0); });
        case ActOp::Hardtanh:
            return map2(d, g, v, n, [=](T gi, T x) { return (x <= p0 || x >= p1) ? T(0) : gi; });
        case ActOp::LeakyRelu: return map2(d, g, v, n, [=](T gi, T x) { return x > T(0) ? gi : gi * p0; });
        case ActOp::Elu:
            return map2(d, g, v, n, [=](T gi, T x) { return x <= T(0) ? gi * p0 * std::exp(x) : gi; });
        case ActOp::Selu:
            return map2(d, g, v, n, [](T gi, T x) {
                return x <= T(0) ? gi * T(kSeluScale * kSeluAlpha) * std::exp(x) : gi * T(kSeluScale);
            });
        case ActOp::Celu:
            return map2(d, g, v, n, [=](T gi, T x) { return x <= T(0) ? gi * std::exp(x / p0) : gi; });
        case ActOp::Gelu:
            return map2(d, g, v, n, [](T gi, T x) {
                const T cdf = T(0.5) * (T(1) + std::erf(x * T(kSqrt1_2)));
                const T pdf = T(kInvSqrt2Pi) * std::exp(T(-0.5) * x * x);
                return gi * (cdf + x * pdf);
            });
        case ActOp::GeluTanh:
            return map2(d, g, v, n, [](T gi, T x) {
                const T x2 = x * x;
                const T t = std::tanh(T(kGeluBeta) * (x + T(kGeluKappa) * x2 * x));
                const T left = T(0.5) * x, right = T(1) + t;
                const T dright = left * (T(1) - t * t) * T(kGeluBeta) * (T(1) + T(3 * kGeluKappa) * x2);
                return gi * (T(0.5) * right + dright);
            });
        case ActOp::Silu:
            return map2(d, g, v, n, [](T gi, T x) {
                const T s = sigmoid(x);
                return gi * s * (T(1) + x * (T(1) - s));
            });
        case ActOp::Softplus:
            return map2(d, g, v, n, [=](T gi, T x) {
                if (x * p0 > p1) return gi;
                const T z = std::exp(x * p0);
                return gi * z / (z + T(1));
            });
        case ActOp::LogSigmoid:
            return map2(d, g, v, n, [](T gi, T x) {
                const T z = std::exp(-std::fabs(x));
                return x < T(0) ? gi * (T(1) - z / (T(1) + z)) : gi * (z / (T(1) + z));
            });
    }
}

}  // namespace

void activation_backward(int op, Buffer& dinp, const Buffer& dout, const std::optional<Buffer>& inp,
                         const std::optional<Buffer>& out, int64_t n, double p0, double p1) {
    PDG_CHECK(op > 0 && op <= int(ActOp::LogSigmoid), "activation_backward: op code ", op,
              op == 0 ? " (step) has no gradient" : " is unknown");
    const char* name = act_name(op);
    PDG_CHECK(n >= 0, name, ": negative size ", n);
    const DType dt = dout.dtype();
    check_cpu(name, dinp);
    check_buffer(name, "dout", dout, n);
    check_buffer(name, "dinp", dinp, n, dt);
    const bool use_out = activation_uses_result(op);
    const std::optional<Buffer>& v = use_out ? out : inp;
    PDG_CHECK(v.has_value(), name, "_backward: the forward's ", use_out ? "result" : "input", " is required");
    check_buffer(name, use_out ? "out" : "inp", *v, n, dt);
    PDG_DISPATCH_FLOATING(dt, name, [&] {
        backward_typed<scalar_t>(ActOp(op), dinp.data<scalar_t>(), dout.data<scalar_t>(),
                                 v->data<scalar_t>(), n, p0, p1);
    });
}

}  // namespace pdg
