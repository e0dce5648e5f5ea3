// LSTM over a whole sequence: lstm_forward / lstm_backward (see rnn.h for the
// formulas, layouts and the two variants).
//
// Kernels overwrite their outputs; only autograd accumulates gradients.
//
// Fused forward: G = x W_ih^T for all T*B rows in one GEMM (into `gates`),
// then per step G[t] += h_{t-1} W_hh^T (one GEMM, beta = 1) and the gate math
// in place. Fused backward: per step the gate gradients dG[t] and
// dh_{t-1} = dG[t] W_hh (one GEMM); after the loop dW_ih = dG^T x,
// dW_hh = dG^T [h_{t-1}] and dx = dG W_ih as one GEMM each (h_{t-1} is a block
// of y shifted by one step, plus h0 for the first step).
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
void lstm_forward_fused(T* y, T* h_n, T* c_n, T* G, T* cs, const T* x, const T* h0,
                        const T* c0, const T* w_ih, const T* w_hh, const T* b_ih,
                        const T* b_hh, const SeqDims& d) {
    const int64_t B = d.B, H = d.H, G4 = 4 * H;
    Buffer ws = Buffer::empty(G4 + B * H, dtype_of<T>::value);
    T* bias = ws.data<T>();
    T* zeros = bias + G4;
    for (int64_t k = 0; k < G4; ++k) bias[k] = (b_ih ? b_ih[k] : T(0)) + (b_hh ? b_hh[k] : T(0));
    std::fill(zeros, zeros + B * H, T(0));
    if (!c0) c0 = zeros;

    gemm<T>(false, true, d.T * B, G4, d.I, T(1), x, d.I, w_ih, d.I, T(0), G, G4);
    // W_hh^T packed once for all steps (not once per step by gemm()).
    const PackedB<T> whh = pack_b<T>(true, H, G4, w_hh, H, B);
    const RowFns<T>& fn = row_fns<T>();
    for_row_chunks(B, H, [&](int64_t b0, int64_t b1) {
        for (int64_t s = 0; s < d.T; ++s) {
            const int64_t t = d.step_time(s), tp = d.prev_time(t);
            const T* hp = s == 0 ? h0 : y + tp * B * H;
            const T* cp = s == 0 ? c0 : cs + tp * B * H;
            T* Gt = G + t * B * G4;
            if (hp)
                gemm_prepacked<T>(false, b1 - b0, T(1), hp + b0 * H, H, whh, T(1),
                                  Gt + b0 * G4, G4);
            fn.lstm_fwd(Gt, bias, cp, cs + t * B * H, y + t * B * H, b0, b1, H);
        }
    });
    const int64_t tl = d.step_time(d.T - 1);
    std::memcpy(h_n, y + tl * B * H, sizeof(T) * B * H);
    std::memcpy(c_n, cs + tl * B * H, sizeof(T) * B * H);
}

template <class T>
void lstm_backward_fused(T* dx, T* dh0, T* dc0, T* dw_ih, T* dw_hh, T* db_ih, T* db_hh,
                         const T* dy, const T* dh_n, const T* dc_n, const T* x, const T* h0,
                         const T* c0, const T* w_ih, const T* w_hh, const T* y, const T* G,
                         const T* cs, const SeqDims& d) {
    const int64_t T_ = d.T, B = d.B, I = d.I, H = d.H, G4 = 4 * H, BH = B * H;
    // Workspace: dG (T, B, 4H) | dh, dc (B, H) | zeros (B, H) | per-row bias sums (B, 4H)
    Buffer ws = Buffer::empty(T_ * B * G4 + 3 * BH + B * G4, dtype_of<T>::value);
    T* dG = ws.data<T>();
    T* dh = dG + T_ * B * G4;
    T* dc = dh + BH;
    T* zeros = dc + BH;
    T* dbrow = zeros + BH;
    std::fill(zeros, zeros + BH, T(0));
    std::fill(dbrow, dbrow + B * G4, T(0));
    if (dh_n) std::memcpy(dh, dh_n, sizeof(T) * BH); else std::fill(dh, dh + BH, T(0));
    if (dc_n) std::memcpy(dc, dc_n, sizeof(T) * BH); else std::fill(dc, dc + BH, T(0));
    if (!c0) c0 = zeros;

    const PackedB<T> whh = pack_b<T>(false, G4, H, w_hh, H, B);  // once, not per step
    const RowFns<T>& fn = row_fns<T>();
    for_row_chunks(B, H, [&](int64_t b0, int64_t b1) {
        for (int64_t s = T_ - 1; s >= 0; --s) {
            const int64_t t = d.step_time(s), tp = d.prev_time(t);
            const T* cp = s == 0 ? c0 : cs + tp * BH;
            T* dGt = dG + t * B * G4;
            fn.lstm_bwd(dGt, dc, dh, dy ? dy + t * BH : nullptr, G + t * B * G4, cs + t * BH,
                        cp, b0, b1, H);
            if (s > 0 || dh0)
                gemm_prepacked<T>(false, b1 - b0, T(1), dGt + b0 * G4, G4, whh, T(0),
                                  dh + b0 * H, H);
            for (int64_t b = b0; b < b1; ++b) {
                T* acc = dbrow + b * G4;
                const T* g = dGt + b * G4;
#pragma omp simd
                for (int64_t k = 0; k < G4; ++k) acc[k] += g[k];
            }
        }
    });
    if (dh0) std::memcpy(dh0, dh, sizeof(T) * BH);
    if (dc0) std::memcpy(dc0, dc, sizeof(T) * BH);
    bias_grads_from_rows(db_ih, db_hh, dbrow, dbrow, B, G4);
    weight_grads_after_loop(dx, dw_ih, dw_hh, dG, dG, G4, x, h0, w_ih, y, d);
}

// ---- reference: plain per-step loops -------------------------------------------------

template <class T>
T sig(T v) { return T(1) / (T(1) + std::exp(-v)); }

template <class T>
void lstm_forward_ref(T* y, T* h_n, T* c_n, T* G, T* cs, const T* x, const T* h0, const T* c0,
                      const T* w_ih, const T* w_hh, const T* b_ih, const T* b_hh,
                      const SeqDims& d) {
    const int64_t B = d.B, I = d.I, H = d.H, G4 = 4 * H;
    for (int64_t s = 0; s < d.T; ++s) {
        const int64_t t = d.step_time(s), tp = d.prev_time(t);
        const T* hp = s == 0 ? h0 : y + tp * B * H;
        const T* cp = s == 0 ? c0 : cs + tp * B * H;
        T* Gt = G + t * B * G4;
        gemm<T>(false, true, B, G4, I, T(1), x + t * B * I, I, w_ih, I, T(0), Gt, G4);
        if (hp) gemm<T>(false, true, B, G4, H, T(1), hp, H, w_hh, H, T(1), Gt, G4);
        for (int64_t b = 0; b < B; ++b) {
            for (int64_t j = 0; j < H; ++j) {
                T a[4];
                for (int q = 0; q < 4; ++q) {
                    const int64_t k = q * H + j;
                    a[q] = Gt[b * G4 + k] + (b_ih ? b_ih[k] : T(0)) + (b_hh ? b_hh[k] : T(0));
                }
                const T i = sig(a[0]), f = sig(a[1]), g = std::tanh(a[2]), o = sig(a[3]);
                const T c = f * (cp ? cp[b * H + j] : T(0)) + i * g;
                Gt[b * G4 + j] = i;
                Gt[b * G4 + H + j] = f;
                Gt[b * G4 + 2 * H + j] = g;
                Gt[b * G4 + 3 * H + j] = o;
                cs[t * B * H + b * H + j] = c;
                y[t * B * H + b * H + j] = o * std::tanh(c);
            }
        }
    }
    const int64_t tl = d.step_time(d.T - 1);
    for (int64_t k = 0; k < B * H; ++k) {
        h_n[k] = y[tl * B * H + k];
        c_n[k] = cs[tl * B * H + k];
    }
}

template <class T>
void lstm_backward_ref(T* dx, T* dh0, T* dc0, T* dw_ih, T* dw_hh, T* db_ih, T* db_hh,
                       const T* dy, const T* dh_n, const T* dc_n, const T* x, const T* h0,
                       const T* c0, const T* w_ih, const T* w_hh, const T* y, const T* G,
                       const T* cs, const SeqDims& d) {
    const int64_t B = d.B, I = d.I, H = d.H, G4 = 4 * H, BH = B * H;
    std::vector<T> dGt(B * G4), dh(BH, T(0)), dc(BH, T(0));
    std::vector<T> db(G4, T(0));
    if (dh_n) std::copy(dh_n, dh_n + BH, dh.begin());
    if (dc_n) std::copy(dc_n, dc_n + BH, dc.begin());
    std::fill(dw_ih, dw_ih + G4 * I, T(0));
    std::fill(dw_hh, dw_hh + G4 * H, T(0));
    for (int64_t s = d.T - 1; s >= 0; --s) {
        const int64_t t = d.step_time(s), tp = d.prev_time(t);
        const T* hp = s == 0 ? h0 : y + tp * BH;
        const T* cp = s == 0 ? c0 : cs + tp * BH;
        const T* Gt = G + t * B * G4;
        for (int64_t b = 0; b < B; ++b) {
            for (int64_t j = 0; j < H; ++j) {
                const int64_t r = b * G4 + j, e = b * H + j;
                const T i = Gt[r], f = Gt[r + H], g = Gt[r + 2 * H], o = Gt[r + 3 * H];
                const T dht = dh[e] + (dy ? dy[t * BH + e] : T(0));
                const T tc = std::tanh(cs[t * BH + e]);
                const T dct = dc[e] + dht * o * (T(1) - tc * tc);
                dGt[r] = dct * g * i * (T(1) - i);
                dGt[r + H] = dct * (cp ? cp[e] : T(0)) * f * (T(1) - f);
                dGt[r + 2 * H] = dct * i * (T(1) - g * g);
                dGt[r + 3 * H] = dht * tc * o * (T(1) - o);
                dc[e] = dct * f;
            }
        }
        for (int64_t b = 0; b < B; ++b)
            for (int64_t k = 0; k < G4; ++k) db[k] += dGt[b * G4 + k];
        gemm<T>(true, false, G4, I, B, T(1), dGt.data(), G4, x + t * B * I, I, T(1), dw_ih, I);
        if (hp) gemm<T>(true, false, G4, H, B, T(1), dGt.data(), G4, hp, H, T(1), dw_hh, H);
        if (dx) gemm<T>(false, false, B, I, G4, T(1), dGt.data(), G4, w_ih, I, T(0),
                        dx + t * B * I, I);
        gemm<T>(false, false, B, H, G4, T(1), dGt.data(), G4, w_hh, H, T(0), dh.data(), H);
    }
    if (dh0) std::copy(dh.begin(), dh.end(), dh0);
    if (dc0) std::copy(dc.begin(), dc.end(), dc0);
    if (db_ih) std::copy(db.begin(), db.end(), db_ih);
    if (db_hh) std::copy(db.begin(), db.end(), db_hh);
}

}  // namespace

void lstm_forward(Buffer& y, Buffer& h_n, Buffer& c_n, Buffer& gates, Buffer& cs, const Buffer& x,
                  const Buffer* h0, const Buffer* c0, const Buffer& w_ih, const Buffer& w_hh,
                  const Buffer* b_ih, const Buffer* b_hh, int64_t T, int64_t B, int64_t I,
                  int64_t H, bool reverse, const std::string& variant) {
    const char* op = "lstm_forward";
    check_sizes(op, T, B, I, H);
    check_cpu(op, x);
    const DType dt = x.dtype();
    check_buffer(op, "x", x, T * B * I, dt);
    for (auto [name, buf, n] : {std::tuple<const char*, const Buffer*, int64_t>{"y", &y, T * B * H},
                                {"h_n", &h_n, B * H}, {"c_n", &c_n, B * H},
                                {"gates", &gates, T * B * 4 * H}, {"cs", &cs, T * B * H},
                                {"w_ih", &w_ih, 4 * H * I}, {"w_hh", &w_hh, 4 * H * H}}) {
        check_cpu(op, *buf);
        check_buffer(op, name, *buf, n, dt);
    }
    check_optional(op, "h0", h0, B * H, dt);
    check_optional(op, "c0", c0, B * H, dt);
    check_optional(op, "b_ih", b_ih, 4 * H, dt);
    check_optional(op, "b_hh", b_hh, 4 * H, dt);
    const bool fused = use_fused(op, variant);
    const SeqDims d{T, B, I, H, reverse};
    PDG_DISPATCH_FLOATING(dt, op, [&] {
        using S = scalar_t;
        auto f = fused ? lstm_forward_fused<S> : lstm_forward_ref<S>;
        f(y.data<S>(), h_n.data<S>(), c_n.data<S>(), gates.data<S>(), cs.data<S>(), x.data<S>(),
          cptr<S>(h0), cptr<S>(c0), w_ih.data<S>(), w_hh.data<S>(), cptr<S>(b_ih),
          cptr<S>(b_hh), d);
    });
}

void lstm_backward(Buffer* dx, Buffer* dh0, Buffer* dc0, Buffer& dw_ih, Buffer& dw_hh,
                   Buffer* db_ih, Buffer* db_hh, const Buffer* dy, const Buffer* dh_n,
                   const Buffer* dc_n, const Buffer& x, const Buffer* h0, const Buffer* c0,
                   const Buffer& w_ih, const Buffer& w_hh, const Buffer& y, const Buffer& gates,
                   const Buffer& cs, int64_t T, int64_t B, int64_t I, int64_t H, bool reverse,
                   const std::string& variant) {
    const char* op = "lstm_backward";
    check_sizes(op, T, B, I, H);
    check_cpu(op, x);
    const DType dt = x.dtype();
    check_buffer(op, "x", x, T * B * I, dt);
    for (auto [name, buf, n] :
         {std::tuple<const char*, const Buffer*, int64_t>{"dw_ih", &dw_ih, 4 * H * I},
          {"dw_hh", &dw_hh, 4 * H * H}, {"w_ih", &w_ih, 4 * H * I}, {"w_hh", &w_hh, 4 * H * H},
          {"y", &y, T * B * H}, {"gates", &gates, T * B * 4 * H}, {"cs", &cs, T * B * H}}) {
        check_cpu(op, *buf);
        check_buffer(op, name, *buf, n, dt);
    }
    check_optional(op, "dx", dx, T * B * I, dt);
    check_optional(op, "dh0", dh0, B * H, dt);
    check_optional(op, "dc0", dc0, B * H, dt);
    check_optional(op, "db_ih", db_ih, 4 * H, dt);
    check_optional(op, "db_hh", db_hh, 4 * H, dt);
    check_optional(op, "dy", dy, T * B * H, dt);
    check_optional(op, "dh_n", dh_n, B * H, dt);
    check_optional(op, "dc_n", dc_n, B * H, dt);
    check_optional(op, "h0", h0, B * H, dt);
    check_optional(op, "c0", c0, B * H, dt);
    const bool fused = use_fused(op, variant);
    const SeqDims d{T, B, I, H, reverse};
    PDG_DISPATCH_FLOATING(dt, op, [&] {
        using S = scalar_t;
        auto f = fused ? lstm_backward_fused<S> : lstm_backward_ref<S>;
        f(ptr<S>(dx), ptr<S>(dh0), ptr<S>(dc0), dw_ih.data<S>(), dw_hh.data<S>(), ptr<S>(db_ih),
          ptr<S>(db_hh), cptr<S>(dy), cptr<S>(dh_n), cptr<S>(dc_n), x.data<S>(), cptr<S>(h0),
          cptr<S>(c0), w_ih.data<S>(), w_hh.data<S>(), y.data<S>(), gates.data<S>(),
          cs.data<S>(), d);
    });
}

}  // namespace pdg
