// Broadcasting binary elementwise ops, forward and backward side by side.
// Kernels overwrite their outputs; only autograd accumulates gradients.
//
// The loop is the strided-row walker of core/strided.h with a fast inner loop
// for the contiguous and scalar-broadcast cases, which the compiler vectorizes.
#include "cpu/binary.h"

#include <atomic>
#include <cmath>
#include <string>
#include <tuple>

#include "core/cpu_features.h"
#include "core/strided.h"
#include "cpu/copy.h"

namespace pdg {

namespace {

const char* binary_name(int op) {
    static const char* names[] = {"add", "sub", "mul", "div", "pow", "maximum", "minimum",
                                  "eq", "ne", "lt", "le", "gt", "ge",
                                  "logical_and", "logical_or", "logical_xor",
                                  "floor_divide", "remainder"};
    return (op >= 0 && op <= int(BinaryOp::Remainder)) ? names[op] : "binary";
}

bool is_bool_result(BinaryOp op) { return op >= BinaryOp::Eq && op <= BinaryOp::LogicalXor; }

template <class T>
T int_pow(T base, T exp) {
    if constexpr (std::is_floating_point_v<T>) {
        return std::pow(base, exp);
    } else {
        if (exp < 0) throw ValueError("pow: integers to negative integer powers are not allowed");
        T r = 1;
        while (exp) {
            if (exp & 1) r *= base;
            base *= base;
            exp >>= 1;
        }
        return r;
    }
}

template <class T>
T floordiv(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
        return std::floor(a / b);
    } else {
        if (b == 0) throw ValueError("floor_divide: integer division by zero");
        T q = a / b;
        if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
        return q;
    }
}

template <class T>
T remainder(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
        T r = std::fmod(a, b);
        if (r != 0 && ((r < 0) != (b < 0))) r += b;
        return r;
    } else {
        if (b == 0) throw ValueError("remainder: integer division by zero");
        T r = a % b;
        if (r != 0 && ((r < 0) != (b < 0))) r += b;
        return r;
    }
}

// NaN-propagating max/min, as torch.maximum/minimum.
template <class T>
T nan_max(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
        if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
    }
    return a > b ? a : b;
}
template <class T>
T nan_min(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
        if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
    }
    return a < b ? a : b;
}

// The variant pdg.kernels("binary") chose: -1 auto, 0 the scalar loops, 1 AVX2 rows.
std::atomic<int> g_binary_variant{-1};

// Contiguous rows of float arithmetic go to the AVX2 build of binary_loops.h
// when the CPU has it (and the scalar variant was not forced); returns false
// when the op/type has no such loop.
template <class T>
bool simd_row(int op, T* o, const T* a, const T* b, int64_t n, int mode) {
#if PDG_X86_SIMD
    if (op < 0 || g_binary_variant.load(std::memory_order_relaxed) == 0 || !cpu_has_avx2_fma())
        return false;
    if constexpr (std::is_same_v<T, float>) return avx2::binary_row_f32(op, o, a, b, n, mode);
    else if constexpr (std::is_same_v<T, double>) return avx2::binary_row_f64(op, o, a, b, n, mode);
    else return false;
#else
    return false;
#endif
}

// `simd_op` is the BinaryOp code for simd_row, or -1 to always use `f`.
template <class T, class O, class F>
void run_rows(const StridedPlan<3>& plan, O* o, const T* a, const T* b, const F& f, int simd_op = -1) {
    for_each_row<3>(plan, [&](const std::array<int64_t, 3>& off, int64_t n,
                              const std::array<int64_t, 3>& st) {
        O* op = o + off[0];
        const T* ap = a + off[1];
        const T* bp = b + off[2];
        if constexpr (std::is_same_v<T, O>) {
            if (st[0] == 1 && st[1] <= 1 && st[2] <= 1 && (st[1] | st[2]) == 1) {
                const int mode = (st[1] == 1 && st[2] == 1) ? 0 : (st[2] == 0 ? 1 : 2);
                if (simd_row<T>(simd_op, op, ap, bp, n, mode)) return;
            }
        }
        if (st[0] == 1 && st[1] == 1 && st[2] == 1) {
            for (int64_t i = 0; i < n; ++i) op[i] = f(ap[i], bp[i]);
        } else if (st[0] == 1 && st[1] == 1 && st[2] == 0) {
            const T bv = *bp;
            for (int64_t i = 0; i < n; ++i) op[i] = f(ap[i], bv);
        } else if (st[0] == 1 && st[1] == 0 && st[2] == 1) {
            const T av = *ap;
            for (int64_t i = 0; i < n; ++i) op[i] = f(av, bp[i]);
        } else {
            for (int64_t i = 0; i < n; ++i) op[i * st[0]] = f(ap[i * st[1]], bp[i * st[2]]);
        }
    });
}

template <class T>
void forward_typed(BinaryOp op, Buffer& out, const Buffer& a, const Buffer& b,
                   const StridedPlan<3>& plan, int64_t a_off, int64_t b_off) {
    const T* ap = a.data<T>() + a_off;
    const T* bp = b.data<T>() + b_off;
    if (is_bool_result(op)) {
        bool* o = out.data<bool>();
        switch (op) {
            case BinaryOp::Eq: return run_rows(plan, o, ap, bp, [](T x, T y) { return x == y; });
            case BinaryOp::Ne: return run_rows(plan, o, ap, bp, [](T x, T y) { return x != y; });
            case BinaryOp::Lt: return run_rows(plan, o, ap, bp, [](T x, T y) { return x < y; });
            case BinaryOp::Le: return run_rows(plan, o, ap, bp, [](T x, T y) { return x <= y; });
            case BinaryOp::Gt: return run_rows(plan, o, ap, bp, [](T x, T y) { return x > y; });
            case BinaryOp::Ge: return run_rows(plan, o, ap, bp, [](T x, T y) { return x >= y; });
            case BinaryOp::LogicalAnd:
                return run_rows(plan, o, ap, bp, [](T x, T y) { return (x != T(0)) && (y != T(0)); });
            case BinaryOp::LogicalOr:
                return run_rows(plan, o, ap, bp, [](T x, T y) { return (x != T(0)) || (y != T(0)); });
            case BinaryOp::LogicalXor:
                return run_rows(plan, o, ap, bp, [](T x, T y) { return (x != T(0)) != (y != T(0)); });
            default: break;
        }
    }
    if constexpr (std::is_same_v<T, bool>) {
        throw TypeError(str(binary_name(int(op)), ": arithmetic on bool tensors is not supported"));
    } else {
        T* o = out.data<T>();
        switch (op) {
            case BinaryOp::Add: return run_rows(plan, o, ap, bp, [](T x, T y) { return T(x + y); }, int(op));
            case BinaryOp::Sub: return run_rows(plan, o, ap, bp, [](T x, T y) { return T(x - y); }, int(op));
            case BinaryOp::Mul: return run_rows(plan, o, ap, bp, [](T x, T y) { return T(x * y); }, int(op));
            case BinaryOp::Div:
                if constexpr (!std::is_floating_point_v<T>)
                    throw TypeError("div: integer tensors are divided after promotion to float");
                else
                    return run_rows(plan, o, ap, bp, [](T x, T y) { return x / y; }, int(op));
            case BinaryOp::Pow: return run_rows(plan, o, ap, bp, [](T x, T y) { return int_pow<T>(x, y); });
            case BinaryOp::Maximum: return run_rows(plan, o, ap, bp, [](T x, T y) { return nan_max(x, y); }, int(op));
            case BinaryOp::Minimum: return run_rows(plan, o, ap, bp, [](T x, T y) { return nan_min(x, y); }, int(op));
            case BinaryOp::FloorDiv: return run_rows(plan, o, ap, bp, [](T x, T y) { return floordiv(x, y); });
            case BinaryOp::Remainder: return run_rows(plan, o, ap, bp, [](T x, T y) { return remainder(x, y); });
            default: break;
        }
    }
    throw ValueError(str("binary_forward: unknown op code ", int(op)));
}

}  // namespace

void binary_forward(int op_code, Buffer& out, const Buffer& a, const Buffer& b,
                    const std::vector<int64_t>& shape, const std::vector<int64_t>& a_strides,
                    int64_t a_offset, const std::vector<int64_t>& b_strides, int64_t b_offset) {
    const char* name = binary_name(op_code);
    PDG_CHECK(op_code >= 0 && op_code <= int(BinaryOp::Remainder), "binary_forward: unknown op code ", op_code);
    const BinaryOp op = BinaryOp(op_code);
    check_cpu(name, out); check_cpu(name, a); check_cpu(name, b);
    check_same_dtype(name, a, b);
    const int64_t n = checked_numel(name, shape);
    check_buffer(name, "out", out, n, is_bool_result(op) ? DType::Bool : a.dtype());
    check_view(name, a, shape, a_strides, a_offset);
    check_view(name, b, shape, b_strides, b_offset);
    std::vector<int64_t> out_strides(shape.size());
    int64_t s = 1;
    for (int d = int(shape.size()) - 1; d >= 0; --d) { out_strides[d] = s; s *= shape[d]; }
    auto plan = make_strided_plan<3>(shape, {out_strides, a_strides, b_strides});
    PDG_DISPATCH_ALL(a.dtype(), name, [&] { forward_typed<scalar_t>(op, out, a, b, plan, a_offset, b_offset); });
}

Buffer binary_contiguous(int op_code, const Buffer& a, int64_t a_offset, const Buffer& b,
                         int64_t b_offset, int64_t n) {
    const char* name = binary_name(op_code);
    PDG_CHECK(op_code >= 0 && op_code <= int(BinaryOp::Remainder), "binary_forward: unknown op code ", op_code);
    check_cpu(name, a); check_cpu(name, b);
    check_same_dtype(name, a, b);
    PDG_CHECK(n >= 0 && a_offset >= 0 && b_offset >= 0 && a_offset + n <= a.numel() &&
                  b_offset + n <= b.numel(),
              name, ": ", n, " elements at offsets ", a_offset, ", ", b_offset,
              " do not fit buffers of ", a.numel(), " and ", b.numel(), " elements");
    const BinaryOp op = BinaryOp(op_code);
    Buffer out = Buffer::empty(n, is_bool_result(op) ? DType::Bool : a.dtype());
    StridedPlan<3> plan;
    plan.shape = {n};
    plan.strides = {std::vector<int64_t>{1}, std::vector<int64_t>{1}, std::vector<int64_t>{1}};
    plan.numel = n;
    PDG_DISPATCH_ALL(a.dtype(), name, [&] { forward_typed<scalar_t>(op, out, a, b, plan, a_offset, b_offset); });
    return out;
}

namespace {

template <class T>
void backward_typed(BinaryOp op, T* da, T* db, const T* g, const T* a, const T* b, const T* o,
                    const StridedPlan<4>& plan) {
    // Operands: 0 = dout/da/db/out (all contiguous over shape), 1 = a, 2 = b.
    // (plan operand 3 is unused padding so the layout matches forward's.)
    for_each_row<4>(plan, [&](const std::array<int64_t, 4>& off, int64_t n,
                              const std::array<int64_t, 4>& st) {
        for (int64_t i = 0; i < n; ++i) {
            const int64_t io = off[0] + i * st[0];
            const T x = a[off[1] + i * st[1]];
            const T y = b[off[2] + i * st[2]];
            const T gi = g[io];
            T ga = 0, gb = 0;
            switch (op) {
                case BinaryOp::Add: ga = gi; gb = gi; break;
                case BinaryOp::Sub: ga = gi; gb = -gi; break;
                case BinaryOp::Mul: ga = gi * y; gb = gi * x; break;
                case BinaryOp::Div: ga = gi / y; gb = -gi * x / (y * y); break;
                case BinaryOp::Pow:
                    ga = (y == T(0)) ? T(0) : gi * y * std::pow(x, y - T(1));
                    gb = (x == T(0) && y >= T(0)) ? T(0) : gi * o[io] * std::log(x);
                    break;
                case BinaryOp::Maximum:
                case BinaryOp::Minimum: {
                    const bool a_wins = (op == BinaryOp::Maximum) ? (x > y) : (x < y);
                    if (x == y) { ga = gi / T(2); gb = gi / T(2); }
                    else if (a_wins) { ga = gi; }
                    else if (x != x || y != y) { ga = (x != x) ? gi : T(0); gb = (y != y) ? gi : T(0); }
                    else { gb = gi; }
                    break;
                }
                default: break;
            }
            if (da) da[io] = ga;
            if (db) db[io] = gb;
        }
    });
}

}  // namespace

void binary_backward(int op_code, std::optional<Buffer> da, std::optional<Buffer> db,
                     const Buffer& dout, const Buffer& a, const Buffer& b, const Buffer& out,
                     const std::vector<int64_t>& shape, const std::vector<int64_t>& a_strides,
                     int64_t a_offset, const std::vector<int64_t>& b_strides, int64_t b_offset) {
    const char* name = binary_name(op_code);
    PDG_CHECK(op_code >= 0 && op_code <= int(BinaryOp::Minimum), name, ": has no gradient");
    const int64_t n = checked_numel(name, shape);
    const DType dt = a.dtype();
    check_same_dtype(name, a, b);
    check_buffer(name, "dout", dout, n, dt);
    check_buffer(name, "out", out, n, dt);
    if (da) check_buffer(name, "da", *da, n, dt);
    if (db) check_buffer(name, "db", *db, n, dt);
    check_view(name, a, shape, a_strides, a_offset);
    check_view(name, b, shape, b_strides, b_offset);
    std::vector<int64_t> cs(shape.size());
    int64_t s = 1;
    for (int d = int(shape.size()) - 1; d >= 0; --d) { cs[d] = s; s *= shape[d]; }
    auto plan = make_strided_plan<4>(shape, {cs, a_strides, b_strides, cs});
    PDG_DISPATCH_FLOATING(dt, name, [&] {
        backward_typed<scalar_t>(BinaryOp(op_code), da ? da->data<scalar_t>() : nullptr,
                                 db ? db->data<scalar_t>() : nullptr, dout.data<scalar_t>(),
                                 a.data<scalar_t>() + a_offset, b.data<scalar_t>() + b_offset,
                                 out.data<scalar_t>(), plan);
    });
}

std::vector<std::tuple<std::string, std::string, bool>> binary_variants() {
    return {{"01_scalar", "plain C++ loops over strided rows (the reference)", true},
            {"02_avx2", "contiguous float rows in the AVX2 build of binary_loops.h", cpu_has_avx2_fma()}};
}

void set_binary_variant(const std::string& name) {
    if (name == "auto") g_binary_variant = -1;
    else if (name == "01_scalar") g_binary_variant = 0;
    else if (name == "02_avx2") {
        if (!cpu_has_avx2_fma())
            throw ValueError("set_binary_variant: 02_avx2 needs AVX2+FMA, which this CPU (or the "
                             "SIMD cap) does not have");
        g_binary_variant = 1;
    } else {
        throw ValueError(str("set_binary_variant: unknown variant '", name,
                             "' (expected auto, 01_scalar or 02_avx2)"));
    }
}

std::string get_binary_variant() {
    const int v = g_binary_variant.load(std::memory_order_relaxed);
    return (v != 0 && cpu_has_avx2_fma()) ? "02_avx2" : "01_scalar";
}

}  // namespace pdg
