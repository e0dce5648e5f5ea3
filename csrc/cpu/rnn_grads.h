// Internal to the fused recurrent backwards (lstm.cpp, gru.cpp, rnn.cpp): what
// is left after the backward recurrence has filled the gate gradients of every
// step. The three cells differ only in their gate count G (4H, 3H, H) and in
// whether the input and hidden products see the same gate gradient (LSTM, RNN)
// or two (GRU: the reset gate scales the hidden part).
#pragma once
#include <algorithm>
#include <cstdint>

#include "cpu/gemm/gemm.h"
#include "cpu/rnn_rows.h"

namespace pdg::rnn_detail {

// db_ih / db_hh (G each, either may be null) from per-batch-row sums
// (B x G each; rows_h may be rows_x when both biases get the same gradient).
template <class T>
void bias_grads_from_rows(T* db_ih, T* db_hh, const T* rows_x, const T* rows_h, int64_t B,
                          int64_t G) {
    for (int64_t k = 0; k < G; ++k) {
        T ax = 0, ah = 0;
        for (int64_t b = 0; b < B; ++b) {
            ax += rows_x[b * G + k];
            ah += rows_h[b * G + k];
        }
        if (db_ih) db_ih[k] = ax;
        if (db_hh) db_hh[k] = ah;
    }
}

// The weight and input gradients as one GEMM each over all T*B rows:
//   dW_ih = dGx^T x,  dW_hh = sum_t dGh[t]^T h_{t-1},  dx = dGx W_ih (dx may be null).
// dGx, dGh: (T, B, G), time-indexed; h_{t-1} is y one step back in the run's
// direction, so the steps after the first pair with a contiguous block of y,
// and the first step pairs with h0 (no term when h0 is null: zeros).
template <class T>
void weight_grads_after_loop(T* dx, T* dw_ih, T* dw_hh, const T* dGx, const T* dGh, int64_t G,
                             const T* x, const T* h0, const T* w_ih, const T* y,
                             const SeqDims& d) {
    const int64_t T_ = d.T, B = d.B, I = d.I, H = d.H, BH = B * H;
    gemm<T>(true, false, G, I, T_ * B, T(1), dGx, G, x, I, T(0), dw_ih, I);
    if (T_ > 1) {
        const T* ga = d.reverse ? dGh : dGh + B * G;  // dG at t = 0..T-2 (reverse) / 1..T-1
        const T* ha = d.reverse ? y + BH : y;         // y  at t = 1..T-1 (reverse) / 0..T-2
        gemm<T>(true, false, G, H, (T_ - 1) * B, T(1), ga, G, ha, H, T(0), dw_hh, H);
    }
    if (h0)
        gemm<T>(true, false, G, H, B, T(1), dGh + d.step_time(0) * B * G, G, h0, H,
                T_ > 1 ? T(1) : T(0), dw_hh, H);
    else if (T_ == 1)
        std::fill(dw_hh, dw_hh + G * H, T(0));
    if (dx) gemm<T>(false, false, T_ * B, I, G, T(1), dGx, G, w_ih, I, T(0), dx, I);
}

}  // namespace pdg::rnn_detail
