// Reductions over the middle axis of an (O, R, I) block, forward and backward
// side by side. Kernels overwrite their outputs; only autograd accumulates.
#include "cpu/reduce.h"

#include <cmath>
#include <limits>
#include <vector>

#include "core/parallel.h"

namespace pdg {
namespace {

const char* reduce_name(int op) {
    static const char* n[] = {"sum", "mean", "prod", "max", "min", "argmax", "argmin",
                              "logsumexp", "var", "std"};
    return (op >= 0 && op <= int(ReduceOp::Std)) ? n[op] : "reduce";
}

template <class T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

template <class T>
bool is_nan(T x) {
    if constexpr (std::is_floating_point_v<T>) return std::isnan(x);
    else return false;
}

// Sum of a contiguous run, vectorized by blocks (omp simd lets the compiler
// reorder the float additions inside a block), blocks added in double.
template <class T>
Acc<T> sum_run(const T* x, int64_t n) {
    if constexpr (std::is_floating_point_v<T>) {
        // 16 independent partial sums per block: one accumulator would make the loop
        // wait on the latency of each vector add instead of streaming memory.
        double total = 0;
        for (int64_t b = 0; b < n; b += 1024) {
            const int64_t e = std::min(n, b + 1024);
            T acc[16] = {};
            int64_t i = b;
            for (; i + 16 <= e; i += 16)
                for (int j = 0; j < 16; ++j) acc[j] += x[i + j];
            T s = 0;
            for (int j = 0; j < 16; ++j) s += acc[j];
            for (; i < e; ++i) s += x[i];
            total += double(s);
        }
        return total;
    } else {
        Acc<T> s = 0;
        for (int64_t i = 0; i < n; ++i) s += Acc<T>(x[i]);
        return s;
    }
}

// Forward for one (o, i) column: x[r * I] for r in [0, R).
template <class T, class O>
O reduce_column(ReduceOp op, const T* x, int64_t R, int64_t I, double correction) {
    switch (op) {
        case ReduceOp::Sum:
        case ReduceOp::Mean: {
            Acc<T> s = (I == 1) ? sum_run(x, R) : Acc<T>(0);
            if (I != 1)
                for (int64_t r = 0; r < R; ++r) s += Acc<T>(x[r * I]);
            if (op == ReduceOp::Mean) return O(double(s) / double(R));
            return O(s);
        }
        case ReduceOp::Prod: {
            Acc<T> p = 1;
            for (int64_t r = 0; r < R; ++r) p *= Acc<T>(x[r * I]);
            return O(p);
        }
        case ReduceOp::Max:
        case ReduceOp::Min:
        case ReduceOp::Argmax:
        case ReduceOp::Argmin: {
            const bool is_max = (op == ReduceOp::Max || op == ReduceOp::Argmax);
            T best = x[0];
            int64_t arg = 0;
            if (!is_nan(best)) {
                for (int64_t r = 1; r < R; ++r) {
                    const T v = x[r * I];
                    if (is_nan(v)) { best = v; arg = r; break; }
                    if (is_max ? (v > best) : (v < best)) { best = v; arg = r; }
                }
            }
            if (op == ReduceOp::Argmax || op == ReduceOp::Argmin) return O(arg);
            return O(best);
        }
        case ReduceOp::LogSumExp: {
            T m = x[0];
            for (int64_t r = 1; r < R; ++r) m = (x[r * I] > m || is_nan(x[r * I])) ? x[r * I] : m;
            if (is_nan(m)) return O(m);
            if (std::isinf(double(m))) return O(m);  // all -inf -> -inf; any +inf -> +inf
            double s = 0;
            for (int64_t r = 0; r < R; ++r) s += std::exp(double(x[r * I]) - double(m));
            return O(double(m) + std::log(s));
        }
        case ReduceOp::Var:
        case ReduceOp::Std: {
            double mean = 0;
            for (int64_t r = 0; r < R; ++r) mean += double(x[r * I]);
            mean /= double(R);
            double ss = 0;
            for (int64_t r = 0; r < R; ++r) {
                const double d = double(x[r * I]) - mean;
                ss += d * d;
            }
            const double denom = double(R) - correction;
            double v = denom > 0 ? ss / denom : std::numeric_limits<double>::quiet_NaN();
            if (denom <= 0 && R > 0 && ss > 0) v = std::numeric_limits<double>::infinity();
            return O(op == ReduceOp::Std ? std::sqrt(v) : v);
        }
    }
    return O(0);
}

}  // namespace

void reduce_forward(int op_code, Buffer& out, const Buffer& inp, int64_t O, int64_t R, int64_t I,
                    double correction) {
    const char* name = reduce_name(op_code);
    PDG_CHECK(op_code >= 0 && op_code <= int(ReduceOp::Std), "reduce: unknown op code ", op_code);
    const ReduceOp op = ReduceOp(op_code);
    PDG_CHECK(O >= 0 && R >= 0 && I >= 0, name, ": negative sizes (", O, ", ", R, ", ", I, ")");
    check_cpu(name, out); check_cpu(name, inp);
    check_buffer(name, "inp", inp, O * R * I);
    const bool is_arg = (op == ReduceOp::Argmax || op == ReduceOp::Argmin);
    check_buffer(name, "out", out, O * I, is_arg ? DType::Int64 : inp.dtype());
    const bool needs_elems = (op == ReduceOp::Max || op == ReduceOp::Min || is_arg);
    if (R == 0 && needs_elems && O * I > 0)
        throw IndexError(str(name, "(): cannot reduce over a zero-size dimension"));
    if (op == ReduceOp::Var || op == ReduceOp::Std || op == ReduceOp::LogSumExp ||
        op == ReduceOp::Mean) {
        if (!is_floating(inp.dtype()))
            throw TypeError(str(name, ": expected a float32 or float64 tensor, got ",
                                dtype_name(inp.dtype())));
    }
    if (inp.dtype() == DType::Bool && !is_arg && op != ReduceOp::Max && op != ReduceOp::Min)
        throw TypeError(str(name, ": bool tensors are summed after conversion to int64"));
    PDG_DISPATCH_ALL(inp.dtype(), name, [&] {
        using T = scalar_t;
        const T* x = inp.data<T>();
        auto run = [&](auto* o) {
            using OT = std::remove_pointer_t<decltype(o)>;
            if (R == 0) {
                const double v = (op == ReduceOp::Prod) ? 1.0
                                 : (op == ReduceOp::Sum) ? 0.0
                                 : (op == ReduceOp::LogSumExp) ? -std::numeric_limits<double>::infinity()
                                                               : std::numeric_limits<double>::quiet_NaN();
                for (int64_t k = 0; k < O * I; ++k) o[k] = OT(v);
                return;
            }
            const int64_t cols = O * I;
            if (cols == 1 && (op == ReduceOp::Sum || op == ReduceOp::Mean) && get_num_threads() > 1 &&
                R >= 2 * kElementwiseGrain) {
                // One long sum: split R across threads, add the partial sums in order.
                const int nt = get_num_threads();
                std::vector<Acc<T>> part(size_t(nt), Acc<T>(0));
                const int64_t per = (R + nt - 1) / nt;
                parallel_for(nt, 1, [&](int64_t t0, int64_t t1) {
                    for (int64_t t = t0; t < t1; ++t) {
                        const int64_t b = t * per, e = std::min(R, b + per);
                        if (b < e) part[size_t(t)] = sum_run(x + b, e - b);
                    }
                });
                Acc<T> s = 0;
                for (auto p : part) s += p;
                o[0] = (op == ReduceOp::Mean) ? OT(double(s) / double(R)) : OT(s);
                return;
            }
            const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(R, 1));
            parallel_for(cols, grain, [&](int64_t c0, int64_t c1) {
                for (int64_t c = c0; c < c1; ++c) {
                    const int64_t oo = c / I, ii = c % I;
                    o[c] = reduce_column<T, OT>(op, x + oo * R * I + ii, R, I, correction);
                }
            });
        };
        if (is_arg) run(out.data<int64_t>());
        else run(out.data<T>());
    });
}

void reduce_backward(int op_code, Buffer& dinp, const Buffer& dout, const Buffer& inp,
                     const Buffer& out, int64_t O, int64_t R, int64_t I, double correction) {
    const char* name = reduce_name(op_code);
    PDG_CHECK(op_code >= 0 && op_code <= int(ReduceOp::Std) && op_code != int(ReduceOp::Argmax) &&
                  op_code != int(ReduceOp::Argmin),
              name, ": has no gradient");
    const ReduceOp op = ReduceOp(op_code);
    check_buffer(name, "dinp", dinp, O * R * I, inp.dtype());
    check_buffer(name, "inp", inp, O * R * I);
    check_buffer(name, "dout", dout, O * I, inp.dtype());
    check_buffer(name, "out", out, O * I, inp.dtype());
    PDG_DISPATCH_FLOATING(inp.dtype(), name, [&] {
        using T = scalar_t;
        const T* x = inp.data<T>();
        const T* g = dout.data<T>();
        const T* y = out.data<T>();
        T* dx = dinp.data<T>();
        const int64_t cols = O * I;
        const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(R, 1));
        parallel_for(cols, grain, [&](int64_t c0, int64_t c1) {
            for (int64_t c = c0; c < c1; ++c) {
                const int64_t oo = c / I, ii = c % I;
                const int64_t base = oo * R * I + ii;
                const T gc = g[c], yc = y[c];
                switch (op) {
                    case ReduceOp::Sum:
                        for (int64_t r = 0; r < R; ++r) dx[base + r * I] = gc;
                        break;
                    case ReduceOp::Mean:
                        for (int64_t r = 0; r < R; ++r) dx[base + r * I] = gc / T(R);
                        break;
                    case ReduceOp::Prod: {
                        int64_t zeros = 0, zero_at = -1;
                        for (int64_t r = 0; r < R; ++r)
                            if (x[base + r * I] == T(0)) { ++zeros; zero_at = r; }
                        if (zeros == 0) {
                            for (int64_t r = 0; r < R; ++r) dx[base + r * I] = gc * yc / x[base + r * I];
                        } else {
                            for (int64_t r = 0; r < R; ++r) dx[base + r * I] = T(0);
                            if (zeros == 1) {
                                T others = 1;
                                for (int64_t r = 0; r < R; ++r)
                                    if (r != zero_at) others *= x[base + r * I];
                                dx[base + zero_at * I] = gc * others;
                            }
                        }
                        break;
                    }
                    case ReduceOp::Max:
                    case ReduceOp::Min: {
                        int64_t count = 0;
                        for (int64_t r = 0; r < R; ++r)
                            if (x[base + r * I] == yc || (is_nan(yc) && is_nan(x[base + r * I]))) ++count;
                        const T share = count ? gc / T(count) : T(0);
                        for (int64_t r = 0; r < R; ++r) {
                            const T v = x[base + r * I];
                            dx[base + r * I] = (v == yc || (is_nan(yc) && is_nan(v))) ? share : T(0);
                        }
                        break;
                    }
                    case ReduceOp::LogSumExp:
                        for (int64_t r = 0; r < R; ++r)
                            dx[base + r * I] = gc * T(std::exp(double(x[base + r * I]) - double(yc)));
                        break;
                    case ReduceOp::Var:
                    case ReduceOp::Std: {
                        double mean = 0;
                        for (int64_t r = 0; r < R; ++r) mean += double(x[base + r * I]);
                        mean /= double(R);
                        const double denom = double(R) - correction;
                        double scale = 2.0 / denom;
                        if (op == ReduceOp::Std) scale = 1.0 / (denom * double(yc));
                        for (int64_t r = 0; r < R; ++r)
                            dx[base + r * I] = T(double(gc) * scale * (double(x[base + r * I]) - mean));
                        break;
                    }
                    default: break;
                }
            }
        });
    });
}

void index_reduce_backward(Buffer& dinp, const Buffer& dout, const Buffer& idx, int64_t O,
                           int64_t R, int64_t I) {
    const char* name = "max/min (dim) backward";
    check_buffer(name, "dinp", dinp, O * R * I);
    check_buffer(name, "dout", dout, O * I, dinp.dtype());
    check_buffer(name, "idx", idx, O * I, DType::Int64);
    PDG_DISPATCH_FLOATING(dinp.dtype(), name, [&] {
        using T = scalar_t;
        T* dx = dinp.data<T>();
        const T* g = dout.data<T>();
        const int64_t* ix = idx.data<int64_t>();
        std::fill(dx, dx + O * R * I, T(0));
        for (int64_t c = 0; c < O * I; ++c) {
            const int64_t r = ix[c];
            if (r < 0 || r >= R) throw IndexError(str(name, ": index ", r, " out of range for size ", R));
            dx[(c / I) * R * I + r * I + (c % I)] = g[c];
        }
    });
}

}  // namespace pdg
