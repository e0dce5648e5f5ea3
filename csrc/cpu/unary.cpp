// Unary math ops (neg, abs, exp, log, sqrt, sin, clamp, ...), forward and
// backward side by side. One kernel per direction switches on an op code, as
// binary.cpp does; each case is a flat loop the compiler vectorizes, except
// float32 exp/log which call the SIMD polynomials of vecmath.h.
//
// Kernels overwrite their outputs; only autograd accumulates gradients.
#include "cpu/unary.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include "core/parallel.h"
#include "cpu/vecmath.h"

namespace pdg {
namespace {

const char* unary_name(int op) {
    static const char* names[] = {"neg", "abs", "sign", "square", "clamp", "exp", "log", "log1p",
                                  "expm1", "sqrt", "rsqrt", "reciprocal", "sin", "cos"};
    return (op >= 0 && op <= int(UnaryOp::Cos)) ? names[op] : "unary";
}

// Clamp bound for an integer type: +-inf (absent) saturates to the type's range.
template <class T>
T bound(double v) {
    if constexpr (std::is_floating_point_v<T>) {
        return T(v);
    } else {
        if (v <= double(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
        if (v >= double(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
        return T(v);
    }
}

template <class T, class F>
void map(T* o, const T* x, int64_t n, const F& f) {
    parallel_for(n, kElementwiseGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) o[i] = f(x[i]);
    });
}

template <class T>
void forward_typed(UnaryOp op, T* o, const T* x, int64_t n, double lo_d, double hi_d) {
    if constexpr (std::is_same_v<T, float>) {
        if (op == UnaryOp::Exp || op == UnaryOp::Log) {
            parallel_for(n, kElementwiseGrain, [&](int64_t b, int64_t e) {
                if (op == UnaryOp::Exp) vexp(o + b, x + b, e - b);
                else vlog(o + b, x + b, e - b);
            });
            return;
        }
    }
    switch (op) {
        case UnaryOp::Neg: return map(o, x, n, [](T v) { return T(-v); });
        case UnaryOp::Abs:
            if constexpr (std::is_unsigned_v<T>) return map(o, x, n, [](T v) { return v; });
            else return map(o, x, n, [](T v) { return v < T(0) ? T(-v) : v; });
        case UnaryOp::Sign:
            return map(o, x, n, [](T v) {
                if constexpr (std::is_floating_point_v<T>) {
                    if (v != v) return v;  // sign(NaN) = NaN
                }
                return T((T(0) < v) - (v < T(0)));
            });
        case UnaryOp::Square: return map(o, x, n, [](T v) { return T(v * v); });
        case UnaryOp::Clamp: {
            const T lo = bound<T>(lo_d), hi = bound<T>(hi_d);
            return map(o, x, n, [=](T v) {
                if constexpr (std::is_floating_point_v<T>) {
                    if (v != v) return v;
                }
                v = v < lo ? lo : v;
                return v > hi ? hi : v;
            });
        }
        default: break;
    }
    if constexpr (std::is_floating_point_v<T>) {
        switch (op) {
            case UnaryOp::Exp: return map(o, x, n, [](T v) { return std::exp(v); });
            case UnaryOp::Log: return map(o, x, n, [](T v) { return std::log(v); });
            case UnaryOp::Log1p: return map(o, x, n, [](T v) { return std::log1p(v); });
            case UnaryOp::Expm1: return map(o, x, n, [](T v) { return std::expm1(v); });
            case UnaryOp::Sqrt: return map(o, x, n, [](T v) { return std::sqrt(v); });
            case UnaryOp::Rsqrt: return map(o, x, n, [](T v) { return T(1) / std::sqrt(v); });
            case UnaryOp::Reciprocal: return map(o, x, n, [](T v) { return T(1) / v; });
            case UnaryOp::Sin: return map(o, x, n, [](T v) { return std::sin(v); });
            case UnaryOp::Cos: return map(o, x, n, [](T v) { return std::cos(v); });
            default: break;
        }
    }
    throw TypeError(str(unary_name(int(op)), ": expected a floating point tensor"));
}

}  // namespace

bool unary_uses_result(int op) {
    switch (UnaryOp(op)) {
        case UnaryOp::Exp: case UnaryOp::Expm1: case UnaryOp::Sqrt: case UnaryOp::Rsqrt:
        case UnaryOp::Reciprocal:
            return true;
        default:
            return false;
    }
}

void unary_forward(int op, Buffer& out, const Buffer& inp, int64_t n, double lo, double hi) {
    PDG_CHECK(op >= 0 && op <= int(UnaryOp::Cos), "unary_forward: unknown op code ", op);
    const char* name = unary_name(op);
    check_cpu(name, out);
    check_cpu(name, inp);
    PDG_CHECK(n >= 0, name, ": negative size ", n);
    check_buffer(name, "inp", inp, n);
    check_buffer(name, "out", out, n, inp.dtype());
    if (op <= int(UnaryOp::Clamp)) {
        PDG_DISPATCH_NUMERIC(inp.dtype(), name, [&] {
            forward_typed<scalar_t>(UnaryOp(op), out.data<scalar_t>(), inp.data<scalar_t>(), n, lo, hi);
        });
    } else {
        PDG_DISPATCH_FLOATING(inp.dtype(), name, [&] {
            forward_typed<scalar_t>(UnaryOp(op), out.data<scalar_t>(), inp.data<scalar_t>(), n, lo, hi);
        });
    }
}

namespace {

template <class T, class F>
void map2(T* d, const T* g, const T* v, int64_t n, const F& f) {
    parallel_for(n, kElementwiseGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) d[i] = f(g[i], v[i]);
    });
}

template <class T>
void backward_typed(UnaryOp op, T* d, const T* g, const T* v, int64_t n, double lo_d, double hi_d) {
    // v is the input x, or the result y for ops where unary_uses_result().
    switch (op) {
        case UnaryOp::Neg: return map2(d, g, g, n, [](T gi, T) { return -gi; });
        case UnaryOp::Abs:
            return map2(d, g, v, n, [](T gi, T x) {
                return x > T(0) ? gi : (x < T(0) ? -gi : (x == T(0) ? T(0) : x));  // NaN stays NaN
            });
        case UnaryOp::Sign: return map2(d, g, g, n, [](T, T) { return T(0); });
        case UnaryOp::Square: return map2(d, g, v, n, [](T gi, T x) { return T(2) * x * gi; });
        case UnaryOp::Clamp: {
            const T lo = T(lo_d), hi = T(hi_d);
            return map2(d, g, v, n, [=](T gi, T x) { return (x >= lo && x <= hi) ? gi : T(0); });
        }
        case UnaryOp::Exp: return map2(d, g, v, n, [](T gi, T y) { return gi * y; });
        case UnaryOp::Log: return map2(d, g, v, n, [](T gi, T x) { return gi / x; });
        case UnaryOp::Log1p: return map2(d, g, v, n, [](T gi, T x) { return gi / (x + T(1)); });
        case UnaryOp::Expm1: return map2(d, g, v, n, [](T gi, T y) { return gi * (y + T(1)); });
        case UnaryOp::Sqrt: return map2(d, g, v, n, [](T gi, T y) { return gi / (T(2) * y); });
        case UnaryOp::Rsqrt: return map2(d, g, v, n, [](T gi, T y) { return T(-0.5) * gi * y * y * y; });
        case UnaryOp::Reciprocal: return map2(d, g, v, n, [](T gi, T y) { return -gi * (y * y); });
        case UnaryOp::Sin: return map2(d, g, v, n, [](T gi, T x) { return gi * std::cos(x); });
        case UnaryOp::Cos: return map2(d, g, v, n, [](T gi, T x) { return -gi * std::sin(x); });
    }
}

}  // namespace

void unary_backward(int op, Buffer& dinp, const Buffer& dout, const std::optional<Buffer>& inp,
                    const std::optional<Buffer>& out, int64_t n, double lo, double hi) {
    PDG_CHECK(op >= 0 && op <= int(UnaryOp::Cos), "unary_backward: unknown op code ", op);
    const char* name = unary_name(op);
    PDG_CHECK(n >= 0, name, ": negative size ", n);
    const DType dt = dout.dtype();
    check_cpu(name, dinp);
    check_buffer(name, "dout", dout, n);
    check_buffer(name, "dinp", dinp, n, dt);
    const bool need_v = UnaryOp(op) != UnaryOp::Neg && UnaryOp(op) != UnaryOp::Sign;
    const std::optional<Buffer>& v = unary_uses_result(op) ? out : inp;
    if (need_v) {
        PDG_CHECK(v.has_value(), name, "_backward: the forward's ",
                  unary_uses_result(op) ? "result" : "input", " is required");
        check_buffer(name, unary_uses_result(op) ? "out" : "inp", *v, n, dt);
    }
    PDG_DISPATCH_FLOATING(dt, name, [&] {
        const scalar_t* vp = need_v ? v->data<scalar_t>() : dout.data<scalar_t>();
        backward_typed<scalar_t>(UnaryOp(op), dinp.data<scalar_t>(), dout.data<scalar_t>(), vp, n, lo, hi);
    });
}

}  // namespace pdg
