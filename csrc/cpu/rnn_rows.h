// Internal to the recurrent kernels (lstm.cpp, gru.cpp, rnn.cpp): the table of
// gate-math row functions for the running CPU, and the batch-row split.
#pragma once
#include <cstdint>
#include <string>

#include "core/buffer.h"
#include "core/cpu_features.h"
#include "core/parallel.h"

namespace pdg::rnn_detail {

// Sizes of one layer-direction call; step s runs time step_time(s).
struct SeqDims {
    int64_t T, B, I, H;
    bool reverse;
    int64_t step_time(int64_t s) const { return reverse ? T - 1 - s : s; }
    int64_t prev_time(int64_t t) const { return reverse ? t + 1 : t - 1; }
};

template <class T>
T* ptr(Buffer* b) { return b ? b->data<T>() : nullptr; }
template <class T>
const T* cptr(const Buffer* b) { return b ? b->data<T>() : nullptr; }

template <class T>
struct RowFns {
    void (*lstm_fwd)(T* G, const T* bias, const T* cprev, T* c, T* h, int64_t b0, int64_t b1,
                     int64_t H);
    void (*lstm_bwd)(T* dG, T* dc, const T* dh, const T* dy, const T* G, const T* c,
                     const T* cprev, int64_t b0, int64_t b1, int64_t H);
    void (*gru_fwd)(T* G, const T* gh, const T* bih, const T* bhh, const T* hprev, T* h,
                    int64_t b0, int64_t b1, int64_t H);
    void (*gru_bwd)(T* dgx, T* dgh, T* dh, const T* dy, const T* G, const T* hprev, int64_t b0,
                    int64_t b1, int64_t H);
    void (*rnn_fwd)(T* y, const T* bias, bool relu, int64_t b0, int64_t b1, int64_t H);
    void (*rnn_bwd)(T* dA, const T* dh, const T* dy, const T* y, bool relu, int64_t b0,
                    int64_t b1, int64_t H);
};

}  // namespace pdg::rnn_detail

// The tables of the two builds of rnn_cells.h: constant-initialized data
// (function addresses), so reading them runs no wide instruction. AVX-512 is
// float only: double uses std::exp anyway.
namespace pdg::baseline::rnn_cells {
extern const rnn_detail::RowFns<float> row_fns_f32;
extern const rnn_detail::RowFns<double> row_fns_f64;
}  // namespace pdg::baseline::rnn_cells
#if PDG_X86_SIMD
namespace pdg::avx512::rnn_cells {
extern const rnn_detail::RowFns<float> row_fns_f32;
}  // namespace pdg::avx512::rnn_cells
#endif

namespace pdg::rnn_detail {

// The table for the SIMD level in use (AVX-512 for float when allowed),
// chosen on every call.
template <class T>
const RowFns<T>& row_fns();
template <>
const RowFns<float>& row_fns<float>();
template <>
const RowFns<double>& row_fns<double>();

// True for the fused kernels, false for the per-step reference; `variant` is
// "fused", "reference" or "" (the current choice, set_rnn_variant).
bool use_fused(const char* op, const std::string& variant);

// Checks an optional input: null is fine, else it must hold numel elements.
void check_optional(const char* op, const char* name, const Buffer* b, int64_t numel,
                    DType dtype);
// Common size checks; T, B, I, H >= 1.
void check_sizes(const char* op, int64_t T, int64_t B, int64_t I, int64_t H);

// Runs f(b0, b1) over the batch rows. A batch row's recurrence never touches
// another row, so each thread can run its rows through all T steps with no
// barrier per step. Split only when every thread gets >= 8 rows and a step has
// enough work to pay for the fork.
template <class F>
void for_row_chunks(int64_t B, int64_t H, const F& f) {
    if (B >= 16 && B * H >= 2048)
        parallel_for(B, 8, f);
    else
        f(int64_t(0), B);
}

}  // namespace pdg::rnn_detail
