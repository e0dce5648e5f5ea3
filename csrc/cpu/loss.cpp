// Losses, forward and backward side by side: the elementwise losses (mse, l1,
// smooth_l1, huber, bce, bce_with_logits) and the class losses over an
// (N, C, D) block (cross_entropy fused with its log-softmax, nll_loss).
//
// Determinism: per-element (or per-(n, d)) losses are summed in double in a
// fixed order that does not depend on the thread count.
//
// Kernels overwrite their outputs; only autograd accumulates gradients.
#include "cpu/loss.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "core/parallel.h"
#include "cpu/vecmath.h"

namespace pdg {
namespace {

constexpr int64_t kBlock = 4096;

const char* pointwise_name(int op) {
    static const char* names[] = {"mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
                                  "binary_cross_entropy", "binary_cross_entropy_with_logits"};
    return (op >= 0 && op <= int(PointwiseLoss::BceLogits)) ? names[op] : "loss";
}

void check_reduction(const char* op, int reduction) {
    PDG_CHECK(reduction >= 0 && reduction <= 2, op, ": unknown reduction code ", reduction);
}

template <class T>
T clamped_log(T v) {
    return std::max(std::log(v), T(-100));
}

// log(1 + e^-|x|) + max(-x, 0) = softplus(-x), stable for any x.
template <class T>
T softplus_neg(T x) {
    return std::log1p(std::exp(-std::fabs(x))) + std::max(-x, T(0));
}

template <class T>
T sigmoid(T x) {
    const T e = std::exp(-std::fabs(x));
    const T s = T(1) / (T(1) + e);
    return x >= T(0) ? s : e * s;
}

template <class T>
T pointwise_value(PointwiseLoss op, T x, T t, T w, T pw, T beta) {
    const T d = x - t;
    switch (op) {
        case PointwiseLoss::Mse: return d * d;
        case PointwiseLoss::L1: return std::fabs(d);
        case PointwiseLoss::SmoothL1: {
            const T a = std::fabs(d);
            if (beta == T(0)) return a;
            return a < beta ? T(0.5) * d * d / beta : a - T(0.5) * beta;
        }
        case PointwiseLoss::Huber: {
            const T a = std::fabs(d);
            return a < beta ? T(0.5) * d * d : beta * (a - T(0.5) * beta);
        }
        case PointwiseLoss::Bce:
            return -w * (t * clamped_log(x) + (T(1) - t) * clamped_log(T(1) - x));
        case PointwiseLoss::BceLogits: {
            const T lw = (pw - T(1)) * t + T(1);
            return w * ((T(1) - t) * x + lw * softplus_neg(x));
        }
    }
    return T(0);
}

// Sum of per-block partial sums computed by f(b, e) -> double, in block order.
template <class F>
double blocked_sum(int64_t n, const F& f) {
    const int64_t nb = (n + kBlock - 1) / kBlock;
    std::vector<double> part(size_t(std::max<int64_t>(nb, 1)), 0.0);
    parallel_for(nb, std::max<int64_t>(1, kElementwiseGrain / kBlock), [&](int64_t bb, int64_t be) {
        for (int64_t blk = bb; blk < be; ++blk)
            part[blk] = f(blk * kBlock, std::min(n, (blk + 1) * kBlock));
    });
    double s = 0.0;
    for (int64_t blk = 0; blk < nb; ++blk) s += part[blk];
    return s;
}

template <class T>
void pointwise_forward_typed(PointwiseLoss op, T* out, const T* x, const T* t, const T* w, const T* pw,
                             int64_t n, Reduction red, T beta) {
    if (op == PointwiseLoss::Bce) {
        // Validate everything first: no partial output on error.
        for (int64_t i = 0; i < n; ++i) {
            PDG_CHECK(x[i] >= T(0) && x[i] <= T(1), "binary_cross_entropy: all elements of input should be "
                      "between 0 and 1 (found ", x[i], " at index ", i, " of ", n, ")");
            PDG_CHECK(t[i] >= T(0) && t[i] <= T(1), "binary_cross_entropy: all elements of target should be "
                      "between 0 and 1 (found ", t[i], " at index ", i, " of ", n, ")");
        }
    }
    auto value = [&](int64_t i) {
        return pointwise_value(op, x[i], t[i], w ? w[i] : T(1), pw ? pw[i] : T(1), beta);
    };
    if (red == Reduction::None) {
        parallel_for(n, kElementwiseGrain, [&](int64_t b, int64_t e) {
            for (int64_t i = b; i < e; ++i) out[i] = value(i);
        });
        return;
    }
    const double s = blocked_sum(n, [&](int64_t b, int64_t e) {
        double acc = 0.0;
        for (int64_t i = b; i < e; ++i) acc += double(value(i));
        return acc;
    });
    out[0] = T(red == Reduction::Mean ? s / double(n) : s);  // n = 0: 0/0 = NaN, as PyTorch
}

void check_pointwise(const char* name, int op, const Buffer& inp, const Buffer& target,
                     const std::optional<Buffer>& weight, const std::optional<Buffer>& pos_weight,
                     int64_t n, int reduction) {
    PDG_CHECK(op >= 0 && op <= int(PointwiseLoss::BceLogits), "pointwise_loss: unknown op code ", op);
    check_reduction(name, reduction);
    PDG_CHECK(n >= 0, name, ": negative size ", n);
    check_cpu(name, inp);
    check_buffer(name, "input", inp, n);
    check_buffer(name, "target", target, n, inp.dtype());
    if (weight) check_buffer(name, "weight", *weight, n, inp.dtype());
    if (pos_weight) check_buffer(name, "pos_weight", *pos_weight, n, inp.dtype());
}

}  // namespace

void pointwise_loss_forward(int op, Buffer& out, const Buffer& inp, const Buffer& target,
                            const std::optional<Buffer>& weight, const std::optional<Buffer>& pos_weight,
                            int64_t n, int reduction, double beta) {
    const char* name = pointwise_name(op);
    check_pointwise(name, op, inp, target, weight, pos_weight, n, reduction);
    check_buffer(name, "out", out, reduction == 0 ? n : 1, inp.dtype());
    PDG_DISPATCH_FLOATING(inp.dtype(), name, [&] {
        using T = scalar_t;
        pointwise_forward_typed<T>(PointwiseLoss(op), out.data<T>(), inp.data<T>(), target.data<T>(),
                                   weight ? weight->data<T>() : nullptr,
                                   pos_weight ? pos_weight->data<T>() : nullptr, n, Reduction(reduction),
                                   T(beta));
    });
}

namespace {

// d loss / d x and d loss / d t of one element (before the incoming gradient).
template <class T>
void pointwise_grad(PointwiseLoss op, T x, T t, T w, T pw, T beta, T& gx, T& gt) {
    const T d = x - t;
    auto sgn = [](T v) { return v > T(0) ? T(1) : (v < T(0) ? T(-1) : (v == T(0) ? T(0) : v)); };
    switch (op) {
        case PointwiseLoss::Mse: gx = T(2) * d; gt = -gx; return;
        case PointwiseLoss::L1: gx = sgn(d); gt = -gx; return;
        case PointwiseLoss::SmoothL1:
            if (beta == T(0)) gx = sgn(d);
            else gx = d < -beta ? T(-1) : (d > beta ? T(1) : d / beta);
            gt = -gx;
            return;
        case PointwiseLoss::Huber:
            gx = d < -beta ? -beta : (d > beta ? beta : d);
            gt = -gx;
            return;
        case PointwiseLoss::Bce:
            gx = w * (x - t) / std::max((T(1) - x) * x, T(1e-12));
            gt = w * (clamped_log(T(1) - x) - clamped_log(x));
            return;
        case PointwiseLoss::BceLogits: {
            const T lw = (pw - T(1)) * t + T(1);
            gx = w * (lw * sigmoid(x) - pw * t);
            gt = w * (-x + (pw - T(1)) * softplus_neg(x));
            return;
        }
    }
}

}  // namespace

void pointwise_loss_backward(int op, std::optional<Buffer> dinp, std::optional<Buffer> dtarget,
                             const Buffer& dout, const Buffer& inp, const Buffer& target,
                             const std::optional<Buffer>& weight, const std::optional<Buffer>& pos_weight,
                             int64_t n, int reduction, double beta) {
    const char* name = pointwise_name(op);
    check_pointwise(name, op, inp, target, weight, pos_weight, n, reduction);
    check_buffer(name, "dout", dout, reduction == 0 ? n : 1, inp.dtype());
    if (dinp) check_buffer(name, "dinp", *dinp, n, inp.dtype());
    if (dtarget) check_buffer(name, "dtarget", *dtarget, n, inp.dtype());
    PDG_DISPATCH_FLOATING(inp.dtype(), name, [&] {
        using T = scalar_t;
        const T* x = inp.data<T>();
        const T* t = target.data<T>();
        const T* w = weight ? weight->data<T>() : nullptr;
        const T* pw = pos_weight ? pos_weight->data<T>() : nullptr;
        const T* g = dout.data<T>();
        T* dx = dinp ? dinp->data<T>() : nullptr;
        T* dt = dtarget ? dtarget->data<T>() : nullptr;
        const bool per_elem = reduction == 0;
        const T g0 = per_elem ? T(0) : (reduction == 1 ? T(double(g[0]) / double(n)) : g[0]);
        parallel_for(n, kElementwiseGrain, [&](int64_t b, int64_t e) {
            for (int64_t i = b; i < e; ++i) {
                T gx, gt;
                pointwise_grad(PointwiseLoss(op), x[i], t[i], w ? w[i] : T(1), pw ? pw[i] : T(1), T(beta), gx, gt);
                const T gi = per_elem ? g[i] : g0;
                if (dx) dx[i] = gi * gx;
                if (dt) dt[i] = gi * gt;
            }
        });
    });
}

// ---------------------------------------------------------------------------
// Class losses
// ---------------------------------------------------------------------------
namespace {

void check_block(const char* op, int64_t N, int64_t C, int64_t D) {
    PDG_CHECK(N >= 0 && C >= 0 && D >= 0, op, ": negative block size (", N, ", ", C, ", ", D, ")");
}

// Every target in [0, C) or equal to ignore_index, checked before any work.
void check_targets(const char* op, const int64_t* t, int64_t n, int64_t C, int64_t ignore_index) {
    for (int64_t i = 0; i < n; ++i) {
        const int64_t v = t[i];
        if (v == ignore_index) continue;
        if (v < 0 || v >= C)
            throw IndexError(str(op, ": target ", v, " is out of bounds for ", C, " classes (at flat position ",
                                 i, " of the target)"));
    }
}

// y[c, d] = exp(x[c, d] - shift[d]) over a (C, D) slice.
template <class T>
void exp_shifted(T* y, const T* x, const double* shift, int64_t C, int64_t D) {
    for (int64_t c = 0; c < C; ++c)
        for (int64_t d = 0; d < D; ++d) y[c * D + d] = T(double(x[c * D + d]) - shift[d]);
    if constexpr (std::is_same_v<T, float>) {
        vexp(y, y, C * D);
    } else {
        for (int64_t i = 0; i < C * D; ++i) y[i] = std::exp(y[i]);
    }
}

// lse[d] = log sum_c exp(x[c, d]) for one (C, D) slice, using scratch (C * D).
template <class T>
void slice_lse(double* lse, const T* x, int64_t C, int64_t D, T* scratch) {
    if (D == 1) {  // one contiguous row: lane-split max and sum
        double m = double(row_max(x, C));
        if (std::isinf(m) && m < 0) m = 0.0;  // all -inf: NaN like PyTorch
        exp_shifted(scratch, x, &m, C, 1);
        lse[0] = m + std::log(row_sum(scratch, C));
        return;
    }
    for (int64_t d = 0; d < D; ++d) lse[d] = -std::numeric_limits<double>::infinity();
    for (int64_t c = 0; c < C; ++c)
        for (int64_t d = 0; d < D; ++d) lse[d] = double(x[c * D + d]) > lse[d] ? double(x[c * D + d]) : lse[d];
    for (int64_t d = 0; d < D; ++d)
        if (std::isinf(lse[d]) && lse[d] < 0) lse[d] = 0.0;  // all -inf: NaN like PyTorch
    exp_shifted(scratch, x, lse, C, D);
    std::vector<double> s(size_t(D), 0.0);
    for (int64_t c = 0; c < C; ++c)
        for (int64_t d = 0; d < D; ++d) s[d] += double(scratch[c * D + d]);
    for (int64_t d = 0; d < D; ++d) lse[d] += std::log(s[d]);
}

int64_t row_grain(int64_t C, int64_t D) {
    return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, C * D));
}

double reduce_losses(const std::vector<double>& l) {
    double s = 0.0;
    for (double v : l) s += v;
    return s;
}

template <class T>
double ce_forward_typed(T* out, T* lse_out, const T* x, const int64_t* tg, const T* w, int64_t N, int64_t C,
                        int64_t D, int64_t ii, double eps, Reduction red) {
    std::vector<double> loss(size_t(N * D)), wt(size_t(N * D));
    parallel_for(N, row_grain(C, D), [&](int64_t nb, int64_t ne) {
        std::vector<T> scratch(static_cast<size_t>(C * D));
        std::vector<double> lse(static_cast<size_t>(D));
        for (int64_t n = nb; n < ne; ++n) {
            const T* xs = x + n * C * D;
            slice_lse(lse.data(), xs, C, D, scratch.data());
            for (int64_t d = 0; d < D; ++d) {
                const int64_t k = n * D + d;
                lse_out[k] = T(lse[d]);
                const int64_t t = tg[k];
                if (t == ii) { loss[k] = 0.0; wt[k] = 0.0; continue; }
                const double wt_t = w ? double(w[t]) : 1.0;
                double l = -(1.0 - eps) * wt_t * (double(xs[t * D + d]) - lse[d]);
                if (eps > 0.0) {
                    double smooth = 0.0;
                    for (int64_t c = 0; c < C; ++c)
                        smooth -= (w ? double(w[c]) : 1.0) * (double(xs[c * D + d]) - lse[d]);
                    l += eps / double(C) * smooth;
                }
                loss[k] = l;
                wt[k] = wt_t;
            }
        }
    });
    const double W = reduce_losses(wt);
    if (red == Reduction::None) {
        for (int64_t k = 0; k < N * D; ++k) out[k] = T(loss[k]);
    } else {
        const double s = reduce_losses(loss);
        out[0] = T(red == Reduction::Mean ? s / W : s);
    }
    return W;
}

void check_class(const char* name, const Buffer& inp, const Buffer& target, bool prob,
                 const std::optional<Buffer>& weight, int64_t N, int64_t C, int64_t D, int reduction) {
    check_block(name, N, C, D);
    check_reduction(name, reduction);
    check_cpu(name, inp);
    const int64_t n = checked_numel(name, {N, C, D});
    check_buffer(name, "input", inp, n);
    if (prob) check_buffer(name, "target", target, n, inp.dtype());
    else check_buffer(name, "target", target, N * D, DType::Int64);
    if (weight) check_buffer(name, "weight", *weight, C, inp.dtype());
}

}  // namespace

double cross_entropy_forward(Buffer& out, Buffer& lse, const Buffer& inp, const Buffer& target,
                             const std::optional<Buffer>& weight, int64_t N, int64_t C, int64_t D,
                             int64_t ignore_index, double label_smoothing, int reduction) {
    const char* name = "cross_entropy";
    check_class(name, inp, target, false, weight, N, C, D, reduction);
    check_buffer(name, "out", out, reduction == 0 ? N * D : 1, inp.dtype());
    check_buffer(name, "lse", lse, N * D, inp.dtype());
    check_targets(name, target.data<int64_t>(), N * D, C, ignore_index);
    return PDG_DISPATCH_FLOATING(inp.dtype(), name, [&] {
        using T = scalar_t;
        return ce_forward_typed<T>(out.data<T>(), lse.data<T>(), inp.data<T>(), target.data<int64_t>(),
                                   weight ? weight->data<T>() : nullptr, N, C, D, ignore_index,
                                   label_smoothing, Reduction(reduction));
    });
}

namespace {

// Incoming gradient of entry k for each reduction.
template <class T>
double grad_of(const T* g, int64_t k, Reduction red, double denom) {
    if (red == Reduction::None) return double(g[k]);
    return red == Reduction::Mean ? double(g[0]) / denom : double(g[0]);
}

template <class T>
void ce_backward_typed(T* dx, const T* g, const T* x, const T* lse_in, const int64_t* tg, const T* w,
                       int64_t N, int64_t C, int64_t D, int64_t ii, double eps, Reduction red, double W) {
    double wsum = double(C);
    if (w) {
        wsum = 0.0;
        for (int64_t c = 0; c < C; ++c) wsum += double(w[c]);
    }
    parallel_for(N, row_grain(C, D), [&](int64_t nb, int64_t ne) {
        std::vector<double> lse(static_cast<size_t>(D));
        for (int64_t n = nb; n < ne; ++n) {
            const T* xs = x + n * C * D;
            T* ds = dx + n * C * D;
            for (int64_t d = 0; d < D; ++d) lse[d] = double(lse_in[n * D + d]);
            exp_shifted(ds, xs, lse.data(), C, D);  // ds = softmax probabilities
            for (int64_t d = 0; d < D; ++d) {
                const int64_t k = n * D + d;
                const int64_t t = tg[k];
                if (t == ii) {
                    for (int64_t c = 0; c < C; ++c) ds[c * D + d] = T(0);
                    continue;
                }
                const double gk = grad_of(g, k, red, W);
                const double a = gk * (1.0 - eps) * (w ? double(w[t]) : 1.0);
                const double b = gk * eps / double(C);
                for (int64_t c = 0; c < C; ++c) {
                    const double p = double(ds[c * D + d]);
                    double v = a * p + b * (p * wsum - (w ? double(w[c]) : 1.0));
                    if (c == t) v -= a;
                    ds[c * D + d] = T(v);
                }
            }
        }
    });
}

}  // namespace

void cross_entropy_backward(Buffer& dinp, const Buffer& dout, const Buffer& inp, const Buffer& lse,
                            const Buffer& target, const std::optional<Buffer>& weight, int64_t N,
                            int64_t C, int64_t D, int64_t ignore_index, double label_smoothing,
                            int reduction, double total_weight) {
    const char* name = "cross_entropy_backward";
    check_class(name, inp, target, false, weight, N, C, D, reduction);
    check_buffer(name, "dinp", dinp, N * C * D, inp.dtype());
    check_buffer(name, "dout", dout, reduction == 0 ? N * D : 1, inp.dtype());
    check_buffer(name, "lse", lse, N * D, inp.dtype());
    check_targets(name, target.data<int64_t>(), N * D, C, ignore_index);
    PDG_DISPATCH_FLOATING(inp.dtype(), name, [&] {
        using T = scalar_t;
        ce_backward_typed<T>(dinp.data<T>(), dout.data<T>(), inp.data<T>(), lse.data<T>(), target.data<int64_t>(),
                             weight ? weight->data<T>() : nullptr, N, C, D, ignore_index, label_smoothing,
                             Reduction(reduction), total_weight);
    });
}

void cross_entropy_prob_forward(Buffer& out, Buffer& lse, const Buffer& inp, const Buffer& target,
                                const std::optional<Buffer>& weight, int64_t N, int64_t C, int64_t D,
                                double label_smoothing, int reduction) {
    const char* name = "cross_entropy";
    check_class(name, inp, target, true, weight, N, C, D, reduction);
    check_buffer(name, "out", out, reduction == 0 ? N * D : 1, inp.dtype());
    check_buffer(name, "lse", lse, N * D, inp.dtype());
    PDG_DISPATCH_FLOATING(inp.dtype(), name, [&] {
        using T = scalar_t;
        const T* x = inp.data<T>();
        const T* tp = target.data<T>();
        const T* w = weight ? weight->data<T>() : nullptr;
        T* lo = lse.data<T>();
        const double eps = label_smoothing;
        std::vector<double> loss(static_cast<size_t>(N * D));
        parallel_for(N, row_grain(C, D), [&](int64_t nb, int64_t ne) {
            std::vector<T> scratch(static_cast<size_t>(C * D));
            std::vector<double> l(static_cast<size_t>(D));
            for (int64_t n = nb; n < ne; ++n) {
                const T* xs = x + n * C * D;
                const T* ts = tp + n * C * D;
                slice_lse(l.data(), xs, C, D, scratch.data());
                for (int64_t d = 0; d < D; ++d) {
                    double acc = 0.0;
                    for (int64_t c = 0; c < C; ++c) {
                        const double t = (1.0 - eps) * double(ts[c * D + d]) + eps / double(C);
                        acc -= (w ? double(w[c]) : 1.0) * t * (double(xs[c * D + d]) - l[d]);
                    }
                    loss[n * D + d] = acc;
                    lo[n * D + d] = T(l[d]);
                }
            }
        });
        T* o = out.data<T>();
        if (reduction == 0) {
            for (int64_t k = 0; k < N * D; ++k) o[k] = T(loss[k]);
        } else {
            const double s = reduce_losses(loss);
            o[0] = T(reduction == 1 ? s / double(N * D) : s);
        }
    });
}

void cross_entropy_prob_backward(std::optional<Buffer> dinp, std::optional<Buffer> dtarget,
                                 const Buffer& dout, const Buffer& inp, const Buffer& lse,
                                 const Buffer& target, const std::optional<Buffer>& weight, int64_t N,
                                 int64_t C, int64_t D, double label_smoothing, int reduction) {
    const char* name = "cross_entropy_backward";
    check_class(name, inp, target, true, weight, N, C, D, reduction);
    check_buffer(name, "dout", dout, reduction == 0 ? N * D : 1, inp.dtype());
    check_buffer(name, "lse", lse, N * D, inp.dtype());
    if (dinp) check_buffer(name, "dinp", *dinp, N * C * D, inp.dtype());
    if (dtarget) check_buffer(name, "dtarget", *dtarget, N * C * D, inp.dtype());
    PDG_DISPATCH_FLOATING(inp.dtype(), name, [&] {
        using T = scalar_t;
        const T* x = inp.data<T>();
        const T* tp = target.data<T>();
        const T* w = weight ? weight->data<T>() : nullptr;
        const T* g = dout.data<T>();
        const T* lo = lse.data<T>();
        T* dx = dinp ? dinp->data<T>() : nullptr;
        T* dt = dtarget ? dtarget->data<T>() : nullptr;
        const double eps = label_smoothing;
        const Reduction red = Reduction(reduction);
        parallel_for(N, row_grain(C, D), [&](int64_t nb, int64_t ne) {
            std::vector<T> p(static_cast<size_t>(C * D));
            std::vector<double> l(static_cast<size_t>(D));
            for (int64_t n = nb; n < ne; ++n) {
                const int64_t base = n * C * D;
                for (int64_t d = 0; d < D; ++d) l[d] = double(lo[n * D + d]);
                exp_shifted(p.data(), x + base, l.data(), C, D);
                for (int64_t d = 0; d < D; ++d) {
                    const double gk = grad_of(g, n * D + d, red, double(N * D));
                    double wt = 0.0;  // sum_c w_c t_c
                    for (int64_t c = 0; c < C; ++c)
                        wt += (w ? double(w[c]) : 1.0) * ((1.0 - eps) * double(tp[base + c * D + d]) + eps / double(C));
                    for (int64_t c = 0; c < C; ++c) {
                        const int64_t j = base + c * D + d;
                        const double wc = w ? double(w[c]) : 1.0;
                        const double t = (1.0 - eps) * double(tp[j]) + eps / double(C);
                        if (dx) dx[j] = T(gk * (double(p[c * D + d]) * wt - wc * t));
                        if (dt) dt[j] = T(-gk * (1.0 - eps) * wc * (double(x[j]) - l[d]));
                    }
                }
            }
        });
    });
}

double nll_loss_forward(Buffer& out, const Buffer& inp, const Buffer& target,
                        const std::optional<Buffer>& weight, int64_t N, int64_t C, int64_t D,
                        int64_t ignore_index, int reduction) {
    const char* name = "nll_loss";
    check_class(name, inp, target, false, weight, N, C, D, reduction);
    check_buffer(name, "out", out, reduction == 0 ? N * D : 1, inp.dtype());
    check_targets(name, target.data<int64_t>(), N * D, C, ignore_index);
    return PDG_DISPATCH_FLOATING(inp.dtype(), name, [&] {
        using T = scalar_t;
        const T* x = inp.data<T>();
        const int64_t* tg = target.data<int64_t>();
        const T* w = weight ? weight->data<T>() : nullptr;
        T* o = out.data<T>();
        double s = 0.0, W = 0.0;
        for (int64_t n = 0; n < N; ++n) {
            for (int64_t d = 0; d < D; ++d) {
                const int64_t k = n * D + d, t = tg[k];
                double l = 0.0;
                if (t != ignore_index) {
                    const double wt = w ? double(w[t]) : 1.0;
                    l = -wt * double(x[(n * C + t) * D + d]);
                    W += wt;
                }
                if (reduction == 0) o[k] = T(l);
                s += l;
            }
        }
        if (reduction != 0) o[0] = T(reduction == 1 ? s / W : s);
        return W;
    });
}

void nll_loss_backward(Buffer& dinp, const Buffer& dout, const Buffer& target,
                       const std::optional<Buffer>& weight, int64_t N, int64_t C, int64_t D,
                       int64_t ignore_index, int reduction, double total_weight) {
    const char* name = "nll_loss_backward";
    check_block(name, N, C, D);
    check_reduction(name, reduction);
    check_cpu(name, dinp);
    check_buffer(name, "dinp", dinp, checked_numel(name, {N, C, D}));
    check_buffer(name, "target", target, N * D, DType::Int64);
    check_buffer(name, "dout", dout, reduction == 0 ? N * D : 1, dinp.dtype());
    if (weight) check_buffer(name, "weight", *weight, C, dinp.dtype());
    check_targets(name, target.data<int64_t>(), N * D, C, ignore_index);
    PDG_DISPATCH_FLOATING(dinp.dtype(), name, [&] {
        using T = scalar_t;
        T* dx = dinp.data<T>();
        const T* g = dout.data<T>();
        const int64_t* tg = target.data<int64_t>();
        const T* w = weight ? weight->data<T>() : nullptr;
        std::fill(dx, dx + N * C * D, T(0));
        for (int64_t k = 0; k < N * D; ++k) {
            const int64_t t = tg[k];
            if (t == ignore_index) continue;
            const int64_t n = k / D, d = k % D;
            dx[(n * C + t) * D + d] = T(-(w ? double(w[t]) : 1.0) * grad_of(g, k, Reduction(reduction), total_weight));
        }
    });
}

}  // namespace pdg
