// Recurrent layers over whole sequences on the CPU: LSTM, GRU and Elman RNN
// (tanh / relu), forward and backward (full backprop through time) in one call
// each. PyTorch's formulas, gate order and weight layout, so state dicts move
// between pdg and torch unchanged:
//   LSTM  gates [i | f | g | o]:  w_ih (4H, I), w_hh (4H, H), b_ih, b_hh (4H)
//         c' = f * c + i * g,  h' = o * tanh(c')
//   GRU   gates [r | z | n]:      w_ih (3H, I), w_hh (3H, H), b_ih, b_hh (3H)
//         n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h' = (1 - z) n + z h
//   RNN   w_ih (H, I), w_hh (H, H), b_ih, b_hh (H);  h' = act(W_ih x + b_ih + W_hh h + b_hh)
//
// One call = one layer, one direction. Sequences are time-major: x (T, B, I),
// y (T, B, H); `reverse` runs the recurrence from t = T-1 down to 0 (the
// backward direction of a bidirectional layer) and still writes y[t] at t.
// Optional inputs are null pointers (None from Python): h0 / c0 = zeros,
// b_ih / b_hh = no bias, dy / dh_n / dc_n = zero gradient; optional outputs
// dx / dh0 / dc0 / db_* are skipped when null.
//
// Variants (rnn_variants()): "fused" (default) = one GEMM for the input
// projection of all steps, one GEMM per step for h W_hh^T, vectorised fused
// gate math, batch rows split across threads for the whole sequence, weight
// gradients as one GEMM each after the loop; "reference" = plain per-step
// loops (per-step GEMMs, std::exp/std::tanh), the test oracle.
//
// Kernels overwrite their outputs; only autograd accumulates gradients.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "core/buffer.h"

namespace pdg {

// lstm_forward
// Args:
//   y      (T, B, H) written: h_t for every t
//   h_n    (B, H) written: the last step's h (y[T-1], or y[0] when reverse)
//   c_n    (B, H) written: the last step's c
//   gates  (T, B, 4H) written: activated i, f, g, o (saved for backward)
//   cs     (T, B, H) written: c_t for every t (saved for backward)
//   x      (T, B, I);  h0, c0 (B, H) or null
//   w_ih (4H, I), w_hh (4H, H), b_ih, b_hh (4H) or null
void lstm_forward(Buffer& y, Buffer& h_n, Buffer& c_n, Buffer& gates, Buffer& cs, const Buffer& x,
                  const Buffer* h0, const Buffer* c0, const Buffer& w_ih, const Buffer& w_hh,
                  const Buffer* b_ih, const Buffer* b_hh, int64_t T, int64_t B, int64_t I,
                  int64_t H, bool reverse, const std::string& variant);

// lstm_backward: BPTT over the whole sequence.
// Args:
//   dx (T, B, I), dh0, dc0 (B, H): written when not null
//   dw_ih (4H, I), dw_hh (4H, H): written; db_ih, db_hh (4H): written when not null
//   dy (T, B, H), dh_n, dc_n (B, H): incoming gradients, null = zero
//   x, h0, c0, w_ih, w_hh: the forward's inputs; y, gates, cs: its outputs
void lstm_backward(Buffer* dx, Buffer* dh0, Buffer* dc0, Buffer& dw_ih, Buffer& dw_hh,
                   Buffer* db_ih, Buffer* db_hh, const Buffer* dy, const Buffer* dh_n,
                   const Buffer* dc_n, const Buffer& x, const Buffer* h0, const Buffer* c0,
                   const Buffer& w_ih, const Buffer& w_hh, const Buffer& y, const Buffer& gates,
                   const Buffer& cs, int64_t T, int64_t B, int64_t I, int64_t H, bool reverse,
                   const std::string& variant);

// gru_forward
// Args:
//   y (T, B, H), h_n (B, H) written
//   gates (T, B, 4H) written: r, z, n and hn = W_hn h + b_hn (saved for backward)
//   x (T, B, I); h0 (B, H) or null; w_ih (3H, I), w_hh (3H, H), b_ih, b_hh (3H) or null
void gru_forward(Buffer& y, Buffer& h_n, Buffer& gates, const Buffer& x, const Buffer* h0,
                 const Buffer& w_ih, const Buffer& w_hh, const Buffer* b_ih, const Buffer* b_hh,
                 int64_t T, int64_t B, int64_t I, int64_t H, bool reverse,
                 const std::string& variant);

// gru_backward (argument roles as lstm_backward, without the cell state)
void gru_backward(Buffer* dx, Buffer* dh0, Buffer& dw_ih, Buffer& dw_hh, Buffer* db_ih,
                  Buffer* db_hh, const Buffer* dy, const Buffer* dh_n, const Buffer& x,
                  const Buffer* h0, const Buffer& w_ih, const Buffer& w_hh, const Buffer& y,
                  const Buffer& gates, int64_t T, int64_t B, int64_t I, int64_t H, bool reverse,
                  const std::string& variant);

// rnn_forward (Elman): nonlinearity "tanh" or "relu".
// Args:
//   y (T, B, H), h_n (B, H) written; x (T, B, I); h0 (B, H) or null
//   w_ih (H, I), w_hh (H, H), b_ih, b_hh (H) or null
void rnn_forward(Buffer& y, Buffer& h_n, const Buffer& x, const Buffer* h0, const Buffer& w_ih,
                 const Buffer& w_hh, const Buffer* b_ih, const Buffer* b_hh, int64_t T, int64_t B,
                 int64_t I, int64_t H, const std::string& nonlinearity, bool reverse,
                 const std::string& variant);

// rnn_backward (argument roles as lstm_backward; y is the forward's output)
void rnn_backward(Buffer* dx, Buffer* dh0, Buffer& dw_ih, Buffer& dw_hh, Buffer* db_ih,
                  Buffer* db_hh, const Buffer* dy, const Buffer* dh_n, const Buffer& x,
                  const Buffer* h0, const Buffer& w_ih, const Buffer& w_hh, const Buffer& y,
                  int64_t T, int64_t B, int64_t I, int64_t H, const std::string& nonlinearity,
                  bool reverse, const std::string& variant);

// (name, description) of each variant; set/get the default ("fused").
std::vector<std::pair<std::string, std::string>> rnn_variants();
void set_rnn_variant(const std::string& name);
std::string get_rnn_variant();

}  // namespace pdg
