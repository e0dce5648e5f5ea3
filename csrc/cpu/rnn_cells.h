// Gate math of the fused recurrent kernels, one batch-row range at a time.
//
// This header is compiled twice: by rnn_rows.cpp with the baseline flags and
// by rnn_rows_avx512.cpp with AVX-512. Everything sits in the including file's
// ISA namespace (PDG_ISA: pdg::baseline::rnn_cells, pdg::avx512::rnn_cells),
// so the two copies are different symbols (no ODR clash, nothing the linker
// could merge) and the vectoriser widens the `omp simd` loops to the ISA at
// hand. rnn_rows.cpp picks the table on every call (cpu_has_avx512()).
//
// float uses a branch-free exp (Cody-Waite range reduction + degree-6
// polynomial, max error ~2 ulp) that vectorises; sigmoid(x) = 1 / (1 + e^-x),
// tanh(x) = sign(x) (1 - e^-2|x|) / (1 + e^-2|x|) (absolute error < 1e-7).
// double calls std::exp / std::tanh: float64 is for gradient checks, where
// accuracy matters more than speed.
//
// Layouts (row b of the step's (B, .) matrices, all contiguous):
//   LSTM gates row: [i | f | g | o], 4H; GRU row: [r | z | n | hn], 4H, where
//   hn = W_hn h + b_hn is kept because dr needs it. Kernels overwrite their
//   outputs; only autograd accumulates gradients.
#pragma once
#include <cmath>
#include <cstdint>

#ifndef PDG_ISA
#error "PDG_ISA (baseline, avx512) is set by CMakeLists.txt for every source file"
#endif

namespace pdg::PDG_ISA::rnn_cells {

inline float exp_approx(float x) {
    // Clamp with selects: std::fmin/fmax are NaN-aware libm calls that block vectorisation.
    x = x < -87.3f ? -87.3f : x;
    x = x > 88.3f ? 88.3f : x;
    const float n = (x * 1.44269504f + 12582912.f) - 12582912.f;  // round(x / ln2)
    float r = x - n * 0.693359375f;                              // ln2 split in two parts
    r = r + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    const int32_t bits = (int32_t(n) + 127) << 23;  // 2^n
    return p * __builtin_bit_cast(float, bits);
}

inline float sigmoid_(float x) { return 1.0f / (1.0f + exp_approx(-x)); }
inline float tanh_(float x) {
    const float e = exp_approx(-2.0f * std::fabs(x));
    const float t = (1.0f - e) / (1.0f + e);
    return x < 0.0f ? -t : t;
}
inline double sigmoid_(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double tanh_(double x) { return std::tanh(x); }

// LSTM step, forward. G holds the pre-activations (x-projection + recurrent
// product, no bias); on return it holds the activated i, f, g, o.
template <class T>
void lstm_fwd_rows(T* G, const T* bias, const T* cprev, T* c, T* h, int64_t b0, int64_t b1,
                   int64_t H) {
    for (int64_t b = b0; b < b1; ++b) {
        T* gi = G + b * 4 * H;
        T* gf = gi + H;
        T* gg = gi + 2 * H;
        T* go = gi + 3 * H;
        const T* cp = cprev + b * H;
        T* cb = c + b * H;
        T* hb = h + b * H;
#pragma omp simd
        for (int64_t j = 0; j < H; ++j) {
            const T i = sigmoid_(gi[j] + bias[j]);
            const T f = sigmoid_(gf[j] + bias[H + j]);
            const T g = tanh_(gg[j] + bias[2 * H + j]);
            const T o = sigmoid_(go[j] + bias[3 * H + j]);
            const T cn = f * cp[j] + i * g;
            gi[j] = i;
            gf[j] = f;
            gg[j] = g;
            go[j] = o;
            cb[j] = cn;
            hb[j] = o * tanh_(cn);
        }
    }
}

// LSTM step, backward. dh: gradient from step t+1 (B, H); dy: this step's
// output gradient or null; dc: in dc_t from step t+1, out dc_{t-1}.
// Writes dG, the gradient of the four pre-activations.
template <class T>
void lstm_bwd_rows(T* dG, T* dc, const T* dh, const T* dy, const T* G, const T* c,
                   const T* cprev, int64_t b0, int64_t b1, int64_t H) {
    for (int64_t b = b0; b < b1; ++b) {
        const T* gi = G + b * 4 * H;
        T* di = dG + b * 4 * H;
        const T* cb = c + b * H;
        const T* cp = cprev + b * H;
        const T* dhb = dh + b * H;
        const T* dyb = dy ? dy + b * H : nullptr;
        T* dcb = dc + b * H;
#pragma omp simd
        for (int64_t j = 0; j < H; ++j) {
            const T i = gi[j], f = gi[H + j], g = gi[2 * H + j], o = gi[3 * H + j];
            const T dht = dyb ? dhb[j] + dyb[j] : dhb[j];
            const T tc = tanh_(cb[j]);
            const T dct = dcb[j] + dht * o * (T(1) - tc * tc);
            di[j] = dct * g * i * (T(1) - i);
            di[H + j] = dct * cp[j] * f * (T(1) - f);
            di[2 * H + j] = dct * i * (T(1) - g * g);
            di[3 * H + j] = dht * tc * o * (T(1) - o);
            dcb[j] = dct * f;
        }
    }
}

// GRU step, forward. G's first 3H columns hold W_ih x (no bias); gh holds
// W_hh h_prev (no bias). Writes r, z, n, hn into G and h.
template <class T>
void gru_fwd_rows(T* G, const T* gh, const T* bih, const T* bhh, const T* hprev, T* h,
                  int64_t b0, int64_t b1, int64_t H) {
    for (int64_t b = b0; b < b1; ++b) {
        T* gr = G + b * 4 * H;
        const T* hr = gh + b * 3 * H;
        const T* hp = hprev + b * H;
        T* hb = h + b * H;
#pragma omp simd
        for (int64_t j = 0; j < H; ++j) {
            const T r = sigmoid_(gr[j] + bih[j] + hr[j] + bhh[j]);
            const T z = sigmoid_(gr[H + j] + bih[H + j] + hr[H + j] + bhh[H + j]);
            const T hn = hr[2 * H + j] + bhh[2 * H + j];
            const T n = tanh_(gr[2 * H + j] + bih[2 * H + j] + r * hn);
            gr[j] = r;
            gr[H + j] = z;
            gr[2 * H + j] = n;
            gr[3 * H + j] = hn;
            hb[j] = (T(1) - z) * n + z * hp[j];
        }
    }
}

// GRU step, backward. dh: in the gradient from step t+1, out dh * z (the
// direct path to h_{t-1}; the caller adds dgh @ W_hh). Writes dgx (gradient
// of the input-side pre-activations r, z, n) and dgh (hidden side r, z, hn).
template <class T>
void gru_bwd_rows(T* dgx, T* dgh, T* dh, const T* dy, const T* G, const T* hprev, int64_t b0,
                  int64_t b1, int64_t H) {
    for (int64_t b = b0; b < b1; ++b) {
        const T* gr = G + b * 4 * H;
        const T* hp = hprev + b * H;
        T* dx = dgx + b * 3 * H;
        T* dhh = dgh + b * 3 * H;
        T* dhb = dh + b * H;
        const T* dyb = dy ? dy + b * H : nullptr;
#pragma omp simd
        for (int64_t j = 0; j < H; ++j) {
            const T r = gr[j], z = gr[H + j], n = gr[2 * H + j], hn = gr[3 * H + j];
            const T dht = dyb ? dhb[j] + dyb[j] : dhb[j];
            const T dan = dht * (T(1) - z) * (T(1) - n * n);
            const T dar = dan * hn * r * (T(1) - r);
            const T daz = dht * (hp[j] - n) * z * (T(1) - z);
            dx[j] = dar;
            dx[H + j] = daz;
            dx[2 * H + j] = dan;
            dhh[j] = dar;
            dhh[H + j] = daz;
            dhh[2 * H + j] = dan * r;
            dhb[j] = dht * z;
        }
    }
}

// Elman step, forward: y = act(y + bias) in place (y holds both products).
template <class T>
void rnn_fwd_rows(T* y, const T* bias, bool relu, int64_t b0, int64_t b1, int64_t H) {
    for (int64_t b = b0; b < b1; ++b) {
        T* yb = y + b * H;
        if (relu) {
#pragma omp simd
            for (int64_t j = 0; j < H; ++j) {
                const T a = yb[j] + bias[j];
                yb[j] = a > T(0) ? a : T(0);
            }
        } else {
#pragma omp simd
            for (int64_t j = 0; j < H; ++j) yb[j] = tanh_(yb[j] + bias[j]);
        }
    }
}

// Elman step, backward: dA = (dh + dy) * act'(y).
template <class T>
void rnn_bwd_rows(T* dA, const T* dh, const T* dy, const T* y, bool relu, int64_t b0, int64_t b1,
                  int64_t H) {
    for (int64_t b = b0; b < b1; ++b) {
        T* da = dA + b * H;
        const T* dhb = dh + b * H;
        const T* dyb = dy ? dy + b * H : nullptr;
        const T* yb = y + b * H;
#pragma omp simd
        for (int64_t j = 0; j < H; ++j) {
            const T d = dyb ? dhb[j] + dyb[j] : dhb[j];
            da[j] = relu ? (yb[j] > T(0) ? d : T(0)) : d * (T(1) - yb[j] * yb[j]);
        }
    }
}

}  // namespace pdg::PDG_ISA::rnn_cells
