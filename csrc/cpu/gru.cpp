// GRU over a whole sequence: gru_forward / gru_backward (see rnn.h for the
// formulas, layouts and the two variants). The reset gate multiplies the
// hidden product (W_hn h + b_hn), as in PyTorch/cuDNN, so the hidden product
// is kept apart from the input projection.
//
// Kernels overwrite their outputs; only autograd accumulates gradients.
//
// Fused forward: W_ih x for all steps in one GEMM into gates[:, :, 0:3H]
// (ldc = 4H); per step gh = h_{t-1} W_hh^T (one GEMM) and the gate math, which
// stores r, z, n, hn. Fused backward: per step the gate gradients (dgx for the
// input side, dgh for the hidden side) and dh_{t-1} = dh z + dgh W_hh (one
// GEMM, beta = 1); then dW_ih, dW_hh, dx as one GEMM each.
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
void gru_forward_fused(T* y, T* h_n, T* G, const T* x, const T* h0, const T* w_ih,
                       const T* w_hh, const T* b_ih, const T* b_hh, const SeqDims& d) {
    const int64_t B = d.B, H = d.H, G3 = 3 * H, G4 = 4 * H, BH = B * H;
    // Workspace: gh (B, 3H) | zero biases (3H) | zeros (B, H)
    Buffer ws = Buffer::empty(B * G3 + G3 + BH, dtype_of<T>::value);
    T* gh = ws.data<T>();
    T* zb = gh + B * G3;
    T* zeros = zb + G3;
    std::fill(zb, zb + G3 + BH, T(0));
    if (!b_ih) b_ih = zb;
    if (!b_hh) b_hh = zb;

    gemm<T>(false, true, d.T * B, G3, d.I, T(1), x, d.I, w_ih, d.I, T(0), G, G4);
    const PackedB<T> whh = pack_b<T>(true, H, G3, w_hh, H, B);  // once, not per step
    const RowFns<T>& fn = row_fns<T>();
    for_row_chunks(B, H, [&](int64_t b0, int64_t b1) {
        for (int64_t s = 0; s < d.T; ++s) {
            const int64_t t = d.step_time(s);
            const T* hp = s == 0 ? h0 : y + d.prev_time(t) * BH;
            if (hp)
                gemm_prepacked<T>(false, b1 - b0, T(1), hp + b0 * H, H, whh, T(0),
                                  gh + b0 * G3, G3);
            else
                std::fill(gh + b0 * G3, gh + b1 * G3, T(0));
            fn.gru_fwd(G + t * B * G4, gh, b_ih, b_hh, hp ? hp : zeros, y + t * BH, b0, b1, H);
        }
    });
    std::memcpy(h_n, y + d.step_time(d.T - 1) * BH, sizeof(T) * BH);
}

template <class T>
void gru_backward_fused(T* dx, T* dh0, T* dw_ih, T* dw_hh, T* db_ih, T* db_hh, const T* dy,
                        const T* dh_n, const T* x, const T* h0, const T* w_ih, const T* w_hh,
                        const T* y, const T* G, const SeqDims& d) {
    const int64_t T_ = d.T, B = d.B, I = d.I, H = d.H, G3 = 3 * H, G4 = 4 * H, BH = B * H;
    // Workspace: dgx, dgh (T, B, 3H) | dh (B, H) | zeros (B, H) | per-row bias sums 2 x (B, 3H)
    Buffer ws = Buffer::empty(2 * T_ * B * G3 + 2 * BH + 2 * B * G3, dtype_of<T>::value);
    T* dgx = ws.data<T>();
    T* dgh = dgx + T_ * B * G3;
    T* dh = dgh + T_ * B * G3;
    T* zeros = dh + BH;
    T* dbx = zeros + BH;
    T* dbh = dbx + B * G3;
    std::fill(zeros, zeros + BH + 2 * B * G3, T(0));
    if (dh_n) std::memcpy(dh, dh_n, sizeof(T) * BH); else std::fill(dh, dh + BH, T(0));

    const PackedB<T> whh = pack_b<T>(false, G3, H, w_hh, H, B);  // once, not per step
    const RowFns<T>& fn = row_fns<T>();
    for_row_chunks(B, H, [&](int64_t b0, int64_t b1) {
        for (int64_t s = T_ - 1; s >= 0; --s) {
            const int64_t t = d.step_time(s);
            const T* hp = s == 0 ? (h0 ? h0 : zeros) : y + d.prev_time(t) * BH;
            T* gx = dgx + t * B * G3;
            T* gh = dgh + t * B * G3;
            fn.gru_bwd(gx, gh, dh, dy ? dy + t * BH : nullptr, G + t * B * G4, hp, b0, b1, H);
            gemm_prepacked<T>(false, b1 - b0, T(1), gh + b0 * G3, G3, whh, T(1), dh + b0 * H,
                              H);
            for (int64_t b = b0; b < b1; ++b) {
                T* ax = dbx + b * G3;
                T* ah = dbh + b * G3;
                const T* px = gx + b * G3;
                const T* ph = gh + b * G3;
#pragma omp simd
                for (int64_t k = 0; k < G3; ++k) {
                    ax[k] += px[k];
                    ah[k] += ph[k];
                }
            }
        }
    });
    if (dh0) std::memcpy(dh0, dh, sizeof(T) * BH);
    bias_grads_from_rows(db_ih, db_hh, dbx, dbh, B, G3);
    weight_grads_after_loop(dx, dw_ih, dw_hh, dgx, dgh, G3, x, h0, w_ih, y, d);
}

// ---- reference: plain per-step loops -------------------------------------------------

template <class T>
T sig(T v) { return T(1) / (T(1) + std::exp(-v)); }

template <class T>
void gru_forward_ref(T* y, T* h_n, T* G, const T* x, const T* h0, const T* w_ih, const T* w_hh,
                     const T* b_ih, const T* b_hh, const SeqDims& d) {
    const int64_t B = d.B, I = d.I, H = d.H, G3 = 3 * H, G4 = 4 * H, BH = B * H;
    std::vector<T> gx(B * G3), gh(B * G3);
    for (int64_t s = 0; s < d.T; ++s) {
        const int64_t t = d.step_time(s);
        const T* hp = s == 0 ? h0 : y + d.prev_time(t) * BH;
        gemm<T>(false, true, B, G3, I, T(1), x + t * B * I, I, w_ih, I, T(0), gx.data(), G3);
        std::fill(gh.begin(), gh.end(), T(0));
        if (hp) gemm<T>(false, true, B, G3, H, T(1), hp, H, w_hh, H, T(0), gh.data(), G3);
        for (int64_t b = 0; b < B; ++b) {
            for (int64_t j = 0; j < H; ++j) {
                auto in = [&](int q) { return gx[b * G3 + q * H + j] + (b_ih ? b_ih[q * H + j] : T(0)); };
                auto hid = [&](int q) { return gh[b * G3 + q * H + j] + (b_hh ? b_hh[q * H + j] : T(0)); };
                const T r = sig(in(0) + hid(0));
                const T z = sig(in(1) + hid(1));
                const T hn = hid(2);
                const T n = std::tanh(in(2) + r * hn);
                T* g = G + t * B * G4 + b * G4;
                g[j] = r;
                g[H + j] = z;
                g[2 * H + j] = n;
                g[3 * H + j] = hn;
                y[t * BH + b * H + j] = (T(1) - z) * n + z * (hp ? hp[b * H + j] : T(0));
            }
        }
    }
    const int64_t tl = d.step_time(d.T - 1);
    for (int64_t k = 0; k < BH; ++k) h_n[k] = y[tl * BH + k];
}

template <class T>
void gru_backward_ref(T* dx, T* dh0, T* dw_ih, T* dw_hh, T* db_ih, T* db_hh, const T* dy,
                      const T* dh_n, const T* x, const T* h0, const T* w_ih, const T* w_hh,
                      const T* y, const T* G, const SeqDims& d) {
    const int64_t B = d.B, I = d.I, H = d.H, G3 = 3 * H, G4 = 4 * H, BH = B * H;
    std::vector<T> gx(B * G3), gh(B * G3), dh(BH, T(0)), dbx(G3, T(0)), dbh(G3, T(0));
    if (dh_n) std::copy(dh_n, dh_n + BH, dh.begin());
    std::fill(dw_ih, dw_ih + G3 * I, T(0));
    std::fill(dw_hh, dw_hh + G3 * H, T(0));
    for (int64_t s = d.T - 1; s >= 0; --s) {
        const int64_t t = d.step_time(s);
        const T* hp = s == 0 ? h0 : y + d.prev_time(t) * BH;
        for (int64_t b = 0; b < B; ++b) {
            const T* g = G + t * B * G4 + b * G4;
            for (int64_t j = 0; j < H; ++j) {
                const int64_t e = b * H + j;
                const T r = g[j], z = g[H + j], n = g[2 * H + j], hn = g[3 * H + j];
                const T dht = dh[e] + (dy ? dy[t * BH + e] : T(0));
                const T h_prev = hp ? hp[e] : T(0);
                const T dan = dht * (T(1) - z) * (T(1) - n * n);
                const T dar = dan * hn * r * (T(1) - r);
                const T daz = dht * (h_prev - n) * z * (T(1) - z);
                gx[b * G3 + j] = gh[b * G3 + j] = dar;
                gx[b * G3 + H + j] = gh[b * G3 + H + j] = daz;
                gx[b * G3 + 2 * H + j] = dan;
                gh[b * G3 + 2 * H + j] = dan * r;
                dh[e] = dht * z;
            }
        }
        for (int64_t b = 0; b < B; ++b) {
            for (int64_t k = 0; k < G3; ++k) {
                dbx[k] += gx[b * G3 + k];
                dbh[k] += gh[b * G3 + k];
            }
        }
        gemm<T>(true, false, G3, I, B, T(1), gx.data(), G3, x + t * B * I, I, T(1), dw_ih, I);
        if (hp) gemm<T>(true, false, G3, H, B, T(1), gh.data(), G3, hp, H, T(1), dw_hh, H);
        if (dx) gemm<T>(false, false, B, I, G3, T(1), gx.data(), G3, w_ih, I, T(0),
                        dx + t * B * I, I);
        gemm<T>(false, false, B, H, G3, T(1), gh.data(), G3, w_hh, H, T(1), dh.data(), H);
    }
    if (dh0) std::copy(dh.begin(), dh.end(), dh0);
    if (db_ih) std::copy(dbx.begin(), dbx.end(), db_ih);
    if (db_hh) std::copy(dbh.begin(), dbh.end(), db_hh);
}

}  // namespace

void gru_forward(Buffer& y, Buffer& h_n, Buffer& gates, const Buffer& x, const Buffer* h0,
                 const Buffer& w_ih, const Buffer& w_hh, const Buffer* b_ih, const Buffer* b_hh,
                 int64_t T, int64_t B, int64_t I, int64_t H, bool reverse,
                 const std::string& variant) {
    const char* op = "gru_forward";
    check_sizes(op, T, B, I, H);
    check_cpu(op, x);
    const DType dt = x.dtype();
    check_buffer(op, "x", x, T * B * I, dt);
    for (auto [name, buf, n] : {std::tuple<const char*, const Buffer*, int64_t>{"y", &y, T * B * H},
                                {"h_n", &h_n, B * H}, {"gates", &gates, T * B * 4 * H},
                                {"w_ih", &w_ih, 3 * H * I}, {"w_hh", &w_hh, 3 * H * H}}) {
        check_cpu(op, *buf);
        check_buffer(op, name, *buf, n, dt);
    }
    check_optional(op, "h0", h0, B * H, dt);
    check_optional(op, "b_ih", b_ih, 3 * H, dt);
    check_optional(op, "b_hh", b_hh, 3 * H, dt);
    const bool fused = use_fused(op, variant);
    const SeqDims d{T, B, I, H, reverse};
    PDG_DISPATCH_FLOATING(dt, op, [&] {
        using S = scalar_t;
        auto f = fused ? gru_forward_fused<S> : gru_forward_ref<S>;
        f(y.data<S>(), h_n.data<S>(), gates.data<S>(), x.data<S>(), cptr<S>(h0), w_ih.data<S>(),
          w_hh.data<S>(), cptr<S>(b_ih), cptr<S>(b_hh), d);
    });
}

void gru_backward(Buffer* dx, Buffer* dh0, Buffer& dw_ih, Buffer& dw_hh, Buffer* db_ih,
                  Buffer* db_hh, const Buffer* dy, const Buffer* dh_n, const Buffer& x,
                  const Buffer* h0, const Buffer& w_ih, const Buffer& w_hh, const Buffer& y,
                  const Buffer& gates, int64_t T, int64_t B, int64_t I, int64_t H, bool reverse,
                  const std::string& variant) {
    const char* op = "gru_backward";
    check_sizes(op, T, B, I, H);
    check_cpu(op, x);
    const DType dt = x.dtype();
    check_buffer(op, "x", x, T * B * I, dt);
    for (auto [name, buf, n] :
         {std::tuple<const char*, const Buffer*, int64_t>{"dw_ih", &dw_ih, 3 * H * I},
          {"dw_hh", &dw_hh, 3 * H * H}, {"w_ih", &w_ih, 3 * H * I}, {"w_hh", &w_hh, 3 * H * H},
          {"y", &y, T * B * H}, {"gates", &gates, T * B * 4 * H}}) {
        check_cpu(op, *buf);
        check_buffer(op, name, *buf, n, dt);
    }
    check_optional(op, "dx", dx, T * B * I, dt);
    check_optional(op, "dh0", dh0, B * H, dt);
    check_optional(op, "db_ih", db_ih, 3 * H, dt);
    check_optional(op, "db_hh", db_hh, 3 * H, dt);
    check_optional(op, "dy", dy, T * B * H, dt);
    check_optional(op, "dh_n", dh_n, B * H, dt);
    check_optional(op, "h0", h0, B * H, dt);
    const bool fused = use_fused(op, variant);
    const SeqDims d{T, B, I, H, reverse};
    PDG_DISPATCH_FLOATING(dt, op, [&] {
        using S = scalar_t;
        auto f = fused ? gru_backward_fused<S> : gru_backward_ref<S>;
        f(ptr<S>(dx), ptr<S>(dh0), dw_ih.data<S>(), dw_hh.data<S>(), ptr<S>(db_ih),
          ptr<S>(db_hh), cptr<S>(dy), cptr<S>(dh_n), x.data<S>(), cptr<S>(h0), w_ih.data<S>(),
          w_hh.data<S>(), y.data<S>(), gates.data<S>(), d);
    });
}

}  // namespace pdg
