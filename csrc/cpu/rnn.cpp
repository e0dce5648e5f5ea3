// Elman RNN over a whole sequence: rnn_forward / rnn_backward, nonlinearity
// tanh or relu (see rnn.h for the formulas, layouts and the two variants).
//
// Kernels overwrite their outputs; only autograd accumulates gradients.
//
// Fused forward: y = x W_ih^T for all steps in one GEMM, then per step
// y[t] += h_{t-1} W_hh^T (one GEMM, beta = 1) and y[t] = act(y[t] + b) in
// place, so y is its own workspace and the only thing backward needs
// (act' is a function of the output). Fused backward: per step
// dA[t] = (dy[t] + dh) act'(y[t]) and dh = dA[t] W_hh (one GEMM); then dW_ih,
// dW_hh, dx as one GEMM each.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <tuple>
#include <vector>

#include "cpu/gemm/gemm.h"
#include "cpu/gemm/prepacked.h"
#include "cpu/rnn.h"
#include "cpu/rnn_grads.h"
#include "cpu/rnn_rows.h"

namespace pdg {
namespace {

using namespace rnn_detail;

// ---- fused -------------------------------------------------------------------------

template <class T>
void rnn_forward_fused(T* y, T* h_n, const T* x, const T* h0, const T* w_ih, const T* w_hh,
                       const T* b_ih, const T* b_hh, bool relu, const SeqDims& d) {
    const int64_t B = d.B, H = d.H, BH = B * H;
    std::vector<T> bias(H);
    for (int64_t k = 0; k < H; ++k) bias[k] = (b_ih ? b_ih[k] : T(0)) + (b_hh ? b_hh[k] : T(0));
    gemm<T>(false, true, d.T * B, H, d.I, T(1), x, d.I, w_ih, d.I, T(0), y, H);
    const PackedB<T> whh = pack_b<T>(true, H, H, w_hh, H, B);  // once, not per step
    const RowFns<T>& fn = row_fns<T>();
    for_row_chunks(B, H, [&](int64_t b0, int64_t b1) {
        for (int64_t s = 0; s < d.T; ++s) {
            const int64_t t = d.step_time(s);
            const T* hp = s == 0 ? h0 : y + d.prev_time(t) * BH;
            T* yt = y + t * BH;
            if (hp)
                gemm_prepacked<T>(false, b1 - b0, T(1), hp + b0 * H, H, whh, T(1), yt + b0 * H,
                                  H);
            fn.rnn_fwd(yt, bias.data(), relu, b0, b1, H);
        }
    });
    std::memcpy(h_n, y + d.step_time(d.T - 1) * BH, sizeof(T) * BH);
}

template <class T>
void rnn_backward_fused(T* dx, T* dh0, T* dw_ih, T* dw_hh, T* db_ih, T* db_hh, const T* dy,
                        const T* dh_n, const T* x, const T* h0, const T* w_ih, const T* w_hh,
                        const T* y, bool relu, const SeqDims& d) {
    const int64_t T_ = d.T, B = d.B, I = d.I, H = d.H, BH = B * H;
    // Workspace: dA (T, B, H) | dh (B, H) | per-row bias sums (B, H)
    Buffer ws = Buffer::empty(T_ * BH + 2 * BH, dtype_of<T>::value);
    T* dA = ws.data<T>();
    T* dh = dA + T_ * BH;
    T* dbrow = dh + BH;
    std::fill(dbrow, dbrow + BH, T(0));
    if (dh_n) std::memcpy(dh, dh_n, sizeof(T) * BH); else std::fill(dh, dh + BH, T(0));

    const PackedB<T> whh = pack_b<T>(false, H, H, w_hh, H, B);  // once, not per step
    const RowFns<T>& fn = row_fns<T>();
    for_row_chunks(B, H, [&](int64_t b0, int64_t b1) {
        for (int64_t s = T_ - 1; s >= 0; --s) {
            const int64_t t = d.step_time(s);
            T* dAt = dA + t * BH;
            fn.rnn_bwd(dAt, dh, dy ? dy + t * BH : nullptr, y + t * BH, relu, b0, b1, H);
            if (s > 0 || dh0)
                gemm_prepacked<T>(false, b1 - b0, T(1), dAt + b0 * H, H, whh, T(0), dh + b0 * H,
                                  H);
#pragma omp simd
            for (int64_t k = b0 * H; k < b1 * H; ++k) dbrow[k] += dAt[k];
        }
    });
    if (dh0) std::memcpy(dh0, dh, sizeof(T) * BH);
    bias_grads_from_rows(db_ih, db_hh, dbrow, dbrow, B, H);
    weight_grads_after_loop(dx, dw_ih, dw_hh, dA, dA, H, x, h0, w_ih, y, d);
}

// ---- reference: plain per-step loops -------------------------------------------------

template <class T>
void rnn_forward_ref(T* y, T* h_n, const T* x, const T* h0, const T* w_ih, const T* w_hh,
                     const T* b_ih, const T* b_hh, bool relu, const SeqDims& d) {
    const int64_t B = d.B, I = d.I, H = d.H, BH = B * H;
    for (int64_t s = 0; s < d.T; ++s) {
        const int64_t t = d.step_time(s);
        const T* hp = s == 0 ? h0 : y + d.prev_time(t) * BH;
        T* yt = y + t * BH;
        gemm<T>(false, true, B, H, I, T(1), x + t * B * I, I, w_ih, I, T(0), yt, H);
        if (hp) gemm<T>(false, true, B, H, H, T(1), hp, H, w_hh, H, T(1), yt, H);
        for (int64_t b = 0; b < B; ++b) {
            for (int64_t j = 0; j < H; ++j) {
                T a = yt[b * H + j] + (b_ih ? b_ih[j] : T(0)) + (b_hh ? b_hh[j] : T(0));
                yt[b * H + j] = relu ? std::max(a, T(0)) : std::tanh(a);
            }
        }
    }
    std::copy(y + d.step_time(d.T - 1) * BH, y + d.step_time(d.T - 1) * BH + BH, h_n);
}

template <class T>
void rnn_backward_ref(T* dx, T* dh0, T* dw_ih, T* dw_hh, T* db_ih, T* db_hh, const T* dy,
                      const T* dh_n, const T* x, const T* h0, const T* w_ih, const T* w_hh,
                      const T* y, bool relu, const SeqDims& d) {
    const int64_t B = d.B, I = d.I, H = d.H, BH = B * H;
    std::vector<T> dA(BH), dh(BH, T(0)), db(H, T(0));
    if (dh_n) std::copy(dh_n, dh_n + BH, dh.begin());
    std::fill(dw_ih, dw_ih + H * I, T(0));
    std::fill(dw_hh, dw_hh + H * H, T(0));
    for (int64_t s = d.T - 1; s >= 0; --s) {
        const int64_t t = d.step_time(s);
        const T* hp = s == 0 ? h0 : y + d.prev_time(t) * BH;
        for (int64_t e = 0; e < BH; ++e) {
            const T g = dh[e] + (dy ? dy[t * BH + e] : T(0));
            const T yv = y[t * BH + e];
            dA[e] = relu ? (yv > T(0) ? g : T(0)) : g * (T(1) - yv * yv);
            db[e % H] += dA[e];
        }
        gemm<T>(true, false, H, I, B, T(1), dA.data(), H, x + t * B * I, I, T(1), dw_ih, I);
        if (hp) gemm<T>(true, false, H, H, B, T(1), dA.data(), H, hp, H, T(1), dw_hh, H);
        if (dx) gemm<T>(false, false, B, I, H, T(1), dA.data(), H, w_ih, I, T(0),
                        dx + t * B * I, I);
        gemm<T>(false, false, B, H, H, T(1), dA.data(), H, w_hh, H, T(0), dh.data(), H);
    }
    if (dh0) std::copy(dh.begin(), dh.end(), dh0);
    if (db_ih) std::copy(db.begin(), db.end(), db_ih);
    if (db_hh) std::copy(db.begin(), db.end(), db_hh);
}

bool parse_nonlinearity(const char* op, const std::string& nl) {
    PDG_CHECK(nl == "tanh" || nl == "relu", op, ": nonlinearity must be 'tanh' or 'relu', got '",
              nl, "'");
    return nl == "relu";
}

}  // namespace

void rnn_forward(Buffer& y, Buffer& h_n, const Buffer& x, const Buffer* h0, const Buffer& w_ih,
                 const Buffer& w_hh, const Buffer* b_ih, const Buffer* b_hh, int64_t T, int64_t B,
                 int64_t I, int64_t H, const std::string& nonlinearity, bool reverse,
                 const std::string& variant) {
    const char* op = "rnn_forward";
    check_sizes(op, T, B, I, H);
    const bool relu = parse_nonlinearity(op, nonlinearity);
    check_cpu(op, x);
    const DType dt = x.dtype();
    check_buffer(op, "x", x, T * B * I, dt);
    for (auto [name, buf, n] : {std::tuple<const char*, const Buffer*, int64_t>{"y", &y, T * B * H},
                                {"h_n", &h_n, B * H}, {"w_ih", &w_ih, H * I},
                                {"w_hh", &w_hh, H * H}}) {
        check_cpu(op, *buf);
        check_buffer(op, name, *buf, n, dt);
    }
    check_optional(op, "h0", h0, B * H, dt);
    check_optional(op, "b_ih", b_ih, H, dt);
    check_optional(op, "b_hh", b_hh, H, dt);
    const bool fused = use_fused(op, variant);
    const SeqDims d{T, B, I, H, reverse};
    PDG_DISPATCH_FLOATING(dt, op, [&] {
        using S = scalar_t;
        auto f = fused ? rnn_forward_fused<S> : rnn_forward_ref<S>;
        f(y.data<S>(), h_n.data<S>(), x.data<S>(), cptr<S>(h0), w_ih.data<S>(), w_hh.data<S>(),
          cptr<S>(b_ih), cptr<S>(b_hh), relu, d);
    });
}

void rnn_backward(Buffer* dx, Buffer* dh0, Buffer& dw_ih, Buffer& dw_hh, Buffer* db_ih,
                  Buffer* db_hh, const Buffer* dy, const Buffer* dh_n, const Buffer& x,
                  const Buffer* h0, const Buffer& w_ih, const Buffer& w_hh, const Buffer& y,
                  int64_t T, int64_t B, int64_t I, int64_t H, const std::string& nonlinearity,
                  bool reverse, const std::string& variant) {
    const char* op = "rnn_backward";
    check_sizes(op, T, B, I, H);
    const bool relu = parse_nonlinearity(op, nonlinearity);
    check_cpu(op, x);
    const DType dt = x.dtype();
    check_buffer(op, "x", x, T * B * I, dt);
    for (auto [name, buf, n] :
         {std::tuple<const char*, const Buffer*, int64_t>{"dw_ih", &dw_ih, H * I},
          {"dw_hh", &dw_hh, H * H}, {"w_ih", &w_ih, H * I}, {"w_hh", &w_hh, H * H},
          {"y", &y, T * B * H}}) {
        check_cpu(op, *buf);
        check_buffer(op, name, *buf, n, dt);
    }
    check_optional(op, "dx", dx, T * B * I, dt);
    check_optional(op, "dh0", dh0, B * H, dt);
    check_optional(op, "db_ih", db_ih, H, dt);
    check_optional(op, "db_hh", db_hh, H, dt);
    check_optional(op, "dy", dy, T * B * H, dt);
    check_optional(op, "dh_n", dh_n, B * H, dt);
    check_optional(op, "h0", h0, B * H, dt);
    const bool fused = use_fused(op, variant);
    const SeqDims d{T, B, I, H, reverse};
    PDG_DISPATCH_FLOATING(dt, op, [&] {
        using S = scalar_t;
        auto f = fused ? rnn_backward_fused<S> : rnn_backward_ref<S>;
        f(ptr<S>(dx), ptr<S>(dh0), dw_ih.data<S>(), dw_hh.data<S>(), ptr<S>(db_ih),
          ptr<S>(db_hh), cptr<S>(dy), cptr<S>(dh_n), x.data<S>(), cptr<S>(h0), w_ih.data<S>(),
          w_hh.data<S>(), y.data<S>(), relu, d);
    });
}

}  // namespace pdg
