// softmax and log_softmax over an (O, R, I) block, forward and backward.
//
// One O-slice at a time (parallel over O): the R x I values are reduced along R
// into I-long vectors (max, then sum of exponentials), so the inner loops
// always run over contiguous memory whatever I is, and the exponentials of a
// whole slice go through one vexp call (float32 SIMD, vecmath.h).
//
// Kernels overwrite their outputs; only autograd accumulates gradients.
#include "cpu/softmax.h"

#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "core/parallel.h"
#include "cpu/vecmath.h"

namespace pdg {
namespace {

template <class T>
void exp_inplace(T* p, int64_t n) {
    if constexpr (std::is_same_v<T, float>) {
        vexp(p, p, n);
    } else {
        for (int64_t i = 0; i < n; ++i) p[i] = std::exp(p[i]);
    }
}

void check_block(const char* op, int64_t O, int64_t R, int64_t I) {
    PDG_CHECK(O >= 0 && R >= 0 && I >= 0, op, ": negative block size (", O, ", ", R, ", ", I, ")");
}

// Grain in slices: parallel once there are ~32K elements of work.
int64_t slice_grain(int64_t R, int64_t I) {
    const int64_t per = std::max<int64_t>(1, R * I);
    return std::max<int64_t>(1, kElementwiseGrain / per);
}

template <class T>
void forward_rows(T* out, const T* inp, int64_t O, int64_t R, bool log) {
    parallel_for(O, slice_grain(R, 1), [&](int64_t ob, int64_t oe) {
        for (int64_t o = ob; o < oe; ++o) {
            const T* x = inp + o * R;
            T* y = out + o * R;
            T m = row_max(x, R);
            if (std::isinf(m) && m < 0) m = T(0);  // all -inf: NaN results, as PyTorch
            for (int64_t r = 0; r < R; ++r) y[r] = x[r] - m;
            exp_inplace(y, R);
            const double s = row_sum(y, R);
            if (!log) {
                const T inv = T(1.0 / s);
                for (int64_t r = 0; r < R; ++r) y[r] *= inv;
            } else {
                const T lse = T(std::log(s) + double(m));
                for (int64_t r = 0; r < R; ++r) y[r] = x[r] - lse;
            }
        }
    });
}

template <class T>
void forward_typed(T* out, const T* inp, int64_t O, int64_t R, int64_t I, bool log) {
    if (I == 1) return forward_rows(out, inp, O, R, log);
    parallel_for(O, slice_grain(R, I), [&](int64_t ob, int64_t oe) {
        std::vector<T> mx(I);
        std::vector<double> sum(I);
        for (int64_t o = ob; o < oe; ++o) {
            const T* x = inp + o * R * I;
            T* y = out + o * R * I;
            // max over R (NaN is ignored here; it reaches the sum through exp below)
            for (int64_t i = 0; i < I; ++i) mx[i] = -std::numeric_limits<T>::infinity();
            for (int64_t r = 0; r < R; ++r)
                for (int64_t i = 0; i < I; ++i) mx[i] = x[r * I + i] > mx[i] ? x[r * I + i] : mx[i];
            // A slice of all -inf: subtract 0 instead, so softmax gives NaN (0/0) and
            // log_softmax -inf - (-inf) = NaN, like PyTorch.
            for (int64_t i = 0; i < I; ++i)
                if (std::isinf(mx[i]) && mx[i] < 0) mx[i] = T(0);
            for (int64_t r = 0; r < R; ++r)
                for (int64_t i = 0; i < I; ++i) y[r * I + i] = x[r * I + i] - mx[i];
            exp_inplace(y, R * I);
            for (int64_t i = 0; i < I; ++i) sum[i] = 0.0;
            for (int64_t r = 0; r < R; ++r)
                for (int64_t i = 0; i < I; ++i) sum[i] += double(y[r * I + i]);
            if (!log) {
                for (int64_t r = 0; r < R; ++r)
                    for (int64_t i = 0; i < I; ++i) y[r * I + i] = T(double(y[r * I + i]) / sum[i]);
            } else {
                for (int64_t i = 0; i < I; ++i) sum[i] = std::log(sum[i]) + double(mx[i]);
                for (int64_t r = 0; r < R; ++r)
                    for (int64_t i = 0; i < I; ++i) y[r * I + i] = T(double(x[r * I + i]) - sum[i]);
            }
        }
    });
}

template <class T>
void backward_typed(T* dx, const T* g, const T* y, int64_t O, int64_t R, int64_t I, bool log) {
    parallel_for(O, slice_grain(R, I), [&](int64_t ob, int64_t oe) {
        std::vector<double> acc(I);
        for (int64_t o = ob; o < oe; ++o) {
            const int64_t base = o * R * I;
            const T* gs = g + base;
            const T* ys = y + base;
            T* d = dx + base;
            for (int64_t i = 0; i < I; ++i) acc[i] = 0.0;
            if (!log) {
                for (int64_t r = 0; r < R; ++r)
                    for (int64_t i = 0; i < I; ++i) acc[i] += double(gs[r * I + i]) * double(ys[r * I + i]);
                for (int64_t r = 0; r < R; ++r)
                    for (int64_t i = 0; i < I; ++i)
                        d[r * I + i] = T(double(ys[r * I + i]) * (double(gs[r * I + i]) - acc[i]));
            } else {
                for (int64_t r = 0; r < R; ++r)
                    for (int64_t i = 0; i < I; ++i) acc[i] += double(gs[r * I + i]);
                for (int64_t r = 0; r < R * I; ++r) d[r] = ys[r];
                exp_inplace(d, R * I);
                for (int64_t r = 0; r < R; ++r)
                    for (int64_t i = 0; i < I; ++i)
                        d[r * I + i] = T(double(gs[r * I + i]) - double(d[r * I + i]) * acc[i]);
            }
        }
    });
}

}  // namespace

void softmax_forward(Buffer& out, const Buffer& inp, int64_t O, int64_t R, int64_t I, bool log) {
    const char* name = log ? "log_softmax" : "softmax";
    check_block(name, O, R, I);
    check_cpu(name, out);
    check_cpu(name, inp);
    const int64_t n = checked_numel(name, {O, R, I});
    check_buffer(name, "inp", inp, n);
    check_buffer(name, "out", out, n, inp.dtype());
    PDG_DISPATCH_FLOATING(inp.dtype(), name, [&] {
        forward_typed<scalar_t>(out.data<scalar_t>(), inp.data<scalar_t>(), O, R, I, log);
    });
}

void softmax_backward(Buffer& dinp, const Buffer& dout, const Buffer& out, int64_t O, int64_t R,
                      int64_t I, bool log) {
    const char* name = log ? "log_softmax_backward" : "softmax_backward";
    check_block(name, O, R, I);
    check_cpu(name, dinp);
    const int64_t n = checked_numel(name, {O, R, I});
    check_buffer(name, "dout", dout, n);
    check_buffer(name, "out", out, n, dout.dtype());
    check_buffer(name, "dinp", dinp, n, dout.dtype());
    PDG_DISPATCH_FLOATING(dout.dtype(), name, [&] {
        backward_typed<scalar_t>(dinp.data<scalar_t>(), dout.data<scalar_t>(), out.data<scalar_t>(), O, R, I, log);
    });
}

}  // namespace pdg
