// AVX-512 im2col / col2im (conv_avx512.h), float32.
//
// Kernels overwrite their outputs; only autograd accumulates gradients
// (col2im_add adds into x by contract: its caller zeroes x first).
//
// Why: in rung 03 the scalar im2col and col2im cost as much as a GEMM on
// small images (1 thread, loaded machine, per fwd+bwd: DCGAN d2 im2col
// 2 x 2.4 ms + col2im 2.4 ms of 26 ms; LeNet c2 2 x 0.33 + 0.33 ms of
// 2.0 ms): their rows are 8-14 floats long, so per-row call and loop
// overhead dominated. Here one row segment of up to 16 outputs is 1-2
// masked loads, at most one permute and one masked store; the lane masks
// depend only on kw, so they are computed once per col row, not per oh.
#include "cpu/conv_avx512.h"

#include <immintrin.h>

#include <algorithm>
#include <vector>

namespace pdg {
namespace {

// Bits [0, n) of a 16-lane mask.
inline uint32_t low_bits(int64_t n) {
    return n <= 0 ? 0u : n >= 16 ? 0xFFFFu : ((1u << n) - 1u);
}

// Bit i of an 8-bit mask -> bit 2i (a stride-2 span's even lanes).
inline __mmask16 spread8(uint32_t b) {
    b &= 0xFFu;
    b = (b | (b << 4)) & 0x0F0Fu;
    b = (b | (b << 2)) & 0x3333u;
    b = (b | (b << 1)) & 0x5555u;
    return __mmask16(b);
}

// Output columns [ow0, ow1) whose input column ow*sw + off lies in [0, W).
inline void valid_cols(int64_t off, int64_t W, int64_t sw, int64_t OW, int64_t& ow0,
                       int64_t& ow1) {
    ow0 = off >= 0 ? 0 : (-off + sw - 1) / sw;
    ow1 = (W - 1 - off) < 0 ? 0 : (W - 1 - off) / sw + 1;
    ow1 = std::min(ow1, OW);
    ow0 = std::min(ow0, ow1);
}

// Per 16-wide block of an output row: which lanes exist (store) and which
// read an input pixel (valid). Rows wider than kMaxBlocks*16 use the scalar path.
constexpr int64_t kMaxBlocks = 64;
struct RowMasks {
    int64_t nb = 0;
    __mmask16 store[kMaxBlocks], valid[kMaxBlocks];
    RowMasks(int64_t OW, int64_t ow0, int64_t ow1) : nb((OW + 15) / 16) {
        for (int64_t b = 0; b < nb; ++b) {
            const int64_t ow = b * 16;
            store[b] = __mmask16(low_bits(OW - ow));
            valid[b] = __mmask16(low_bits(ow1 - ow) & ~low_bits(ow0 - ow));
        }
    }
};

// Permute indices, built inside the functions (a namespace-scope vector
// constant would run AVX-512 code at import, before any CPU check).
inline __m512i even_lanes() {
    return _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
}
inline __m512i half_lo() { return _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7); }

// One col row segment r[0, OW) <- xr[ow * s] (s = 1 or 2) under the masks.
template <int S>
inline void gather_row(float* r, const float* xr, const RowMasks& m) {
    for (int64_t b = 0; b < m.nb; ++b) {
        const int64_t ow = b * 16;
        __m512 v;
        if constexpr (S == 1) {
            v = _mm512_maskz_loadu_ps(m.valid[b], xr + ow);
        } else {
            const float* base = xr + 2 * ow;
            const __m512 lo = _mm512_maskz_loadu_ps(spread8(m.valid[b]), base);
            const __m512 hi = _mm512_maskz_loadu_ps(spread8(uint32_t(m.valid[b]) >> 8), base + 16);
            v = _mm512_permutex2var_ps(lo, even_lanes(), hi);
        }
        _mm512_mask_storeu_ps(r + ow, m.store[b], v);
    }
}

template <int S>
void im2col_rows(const float* x, float* col, const ConvGeom& g, int64_t ld) {
    const __m512 zero = _mm512_setzero_ps();
    for (int64_t c = 0; c < g.Cg(); ++c) {
        const float* xc = x + c * g.H * g.W;
        for (int64_t kh = 0; kh < g.KH; ++kh) {
            for (int64_t kw = 0; kw < g.KW; ++kw) {
                float* row = col + ((c * g.KH + kh) * g.KW + kw) * ld;
                const int64_t off_w = kw * g.dw - g.pw;
                int64_t ow0, ow1;
                valid_cols(off_w, g.W, S, g.OW, ow0, ow1);
                const RowMasks m(g.OW, ow0, ow1);
                for (int64_t oh = 0; oh < g.OH; ++oh) {
                    float* r = row + oh * g.OW;
                    const int64_t ih = oh * g.sh - g.ph + kh * g.dh;
                    if (ih < 0 || ih >= g.H) {
                        for (int64_t b = 0; b < m.nb; ++b)
                            _mm512_mask_storeu_ps(r + b * 16, m.store[b], zero);
                        continue;
                    }
                    gather_row<S>(r, xc + ih * g.W + off_w, m);
                }
            }
        }
    }
}

inline int64_t floor_div2(int64_t a) { return a >= 0 ? a / 2 : -((1 - a) / 2); }

// col2im as a gather (stride 1 or 2): each 16-wide block of an input row
// x[c, ih, iw0:iw0+16] is the sum, over the taps (kh, kw) that reach that
// row, of one col row segment (shifted by kw; for stride 2 spread to every
// other lane), accumulated in a register and stored once. No zero fill, no
// read-modify-write of x: a scatter-add would reload what the previous kw
// tap just stored at an overlapping address (a store-forwarding stall per
// row; it made LeNet c2's col2im slower than the scalar loop).
template <int S>
void col2im_gather(const float* col, float* x, const ConvGeom& g, int64_t ld) {
    const int64_t nblk = (g.W + 15) / 16, KW = g.KW;
    // Per (block, kw): the col offset of lane 0 (S = 1) or of element 0 (S = 2),
    // the lanes that receive a value, and (S = 2) which of 8 col elements exist.
    std::vector<int64_t> off(size_t(nblk * KW));
    std::vector<__mmask16> lanes(size_t(nblk * KW)), elems(size_t(nblk * KW));
    for (int64_t b = 0; b < nblk; ++b)
        for (int64_t kw = 0; kw < KW; ++kw) {
            const int64_t iw0 = b * 16, q = g.pw - kw * g.dw;  // ow * S = iw + q
            const uint32_t in_row = low_bits(g.W - iw0);
            const size_t i = size_t(b * KW + kw);
            if (S == 1) {
                // lane l reads col[iw0 + q + l], valid when 0 <= iw0 + q + l < OW
                off[i] = iw0 + q;
                lanes[i] = __mmask16(in_row & low_bits(g.OW - iw0 - q) & ~low_bits(-iw0 - q));
                elems[i] = lanes[i];
            } else {
                // lane l (with iw0 + q + l even) reads col[(iw0 + q + l) / 2]
                // = element l / 2 of the 8 starting at base
                const int64_t base = floor_div2(iw0 + q + 1);
                const uint32_t parity = ((iw0 + q) & 1) ? 0xAAAAu : 0x5555u;
                const int64_t lo = -iw0 - q, hi = 2 * g.OW - iw0 - q;  // t = iw0+q+l in [0, 2*OW)
                off[i] = base;
                lanes[i] = __mmask16(in_row & parity & low_bits(hi) & ~low_bits(lo));
                elems[i] = __mmask16(low_bits(std::min<int64_t>(8, g.OW - base)) & ~low_bits(-base));
            }
        }
    std::vector<int64_t> tap_kh, tap_oh;
    tap_kh.reserve(size_t(g.KH));
    tap_oh.reserve(size_t(g.KH));
    for (int64_t c = 0; c < g.Cg(); ++c) {
        float* xc = x + c * g.H * g.W;
        for (int64_t ih = 0; ih < g.H; ++ih) {
            tap_kh.clear();
            tap_oh.clear();
            for (int64_t kh = 0; kh < g.KH; ++kh) {
                const int64_t t = ih + g.ph - kh * g.dh;  // = oh * sh
                if (t < 0 || t % g.sh) continue;
                if (t / g.sh >= g.OH) continue;
                tap_kh.push_back(kh);
                tap_oh.push_back(t / g.sh);
            }
            float* xr = xc + ih * g.W;
            for (int64_t b = 0; b < nblk; ++b) {
                __m512 acc = _mm512_setzero_ps();
                for (size_t t = 0; t < tap_kh.size(); ++t) {
                    const float* rows = col + (c * g.KH + tap_kh[t]) * KW * ld + tap_oh[t] * g.OW;
                    for (int64_t kw = 0; kw < KW; ++kw) {
                        const size_t i = size_t(b * KW + kw);
                        if (!lanes[i]) continue;
                        const float* r = rows + kw * ld + off[i];
                        if constexpr (S == 1) {
                            acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(lanes[i], r));
                        } else {
                            const __m512 v = _mm512_permutexvar_ps(half_lo(), _mm512_maskz_loadu_ps(elems[i], r));
                            acc = _mm512_mask_add_ps(acc, lanes[i], acc, v);
                        }
                    }
                }
                _mm512_mask_storeu_ps(xr + b * 16, __mmask16(low_bits(g.W - b * 16)), acc);
            }
        }
    }
}

// Scalar fallback (strides > 2, rows wider than kMaxBlocks * 16).
void im2col_scalar(const float* x, float* col, const ConvGeom& g, int64_t ld) {
    for (int64_t c = 0; c < g.Cg(); ++c)
        for (int64_t kh = 0; kh < g.KH; ++kh)
            for (int64_t kw = 0; kw < g.KW; ++kw) {
                float* row = col + ((c * g.KH + kh) * g.KW + kw) * ld;
                for (int64_t oh = 0; oh < g.OH; ++oh) {
                    const int64_t ih = oh * g.sh - g.ph + kh * g.dh;
                    for (int64_t ow = 0; ow < g.OW; ++ow) {
                        const int64_t iw = ow * g.sw - g.pw + kw * g.dw;
                        const bool in = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W;
                        row[oh * g.OW + ow] = in ? x[(c * g.H + ih) * g.W + iw] : 0.0f;
                    }
                }
            }
}

void col2im_scalar(const float* col, float* x, const ConvGeom& g, int64_t ld) {
    for (int64_t c = 0; c < g.Cg(); ++c)
        for (int64_t kh = 0; kh < g.KH; ++kh)
            for (int64_t kw = 0; kw < g.KW; ++kw) {
                const float* row = col + ((c * g.KH + kh) * g.KW + kw) * ld;
                for (int64_t oh = 0; oh < g.OH; ++oh) {
                    const int64_t ih = oh * g.sh - g.ph + kh * g.dh;
                    if (ih < 0 || ih >= g.H) continue;
                    for (int64_t ow = 0; ow < g.OW; ++ow) {
                        const int64_t iw = ow * g.sw - g.pw + kw * g.dw;
                        if (iw >= 0 && iw < g.W) x[(c * g.H + ih) * g.W + iw] += row[oh * g.OW + ow];
                    }
                }
            }
}

bool vector_rows(const ConvGeom& g) { return (g.sw == 1 || g.sw == 2) && g.OW <= kMaxBlocks * 16; }

}  // namespace

void im2col_f32_avx512(const float* x, float* col, const ConvGeom& g, int64_t ld) {
    if (!vector_rows(g)) return im2col_scalar(x, col, g, ld);
    if (g.sw == 1) im2col_rows<1>(x, col, g, ld);
    else im2col_rows<2>(x, col, g, ld);
}

void col2im_f32_avx512(const float* col, float* x, const ConvGeom& g, int64_t ld) {
    if (!vector_rows(g)) {
        std::fill(x, x + g.Cg() * g.H * g.W, 0.0f);
        return col2im_scalar(col, x, g, ld);
    }
    if (g.sw == 1) col2im_gather<1>(col, x, g, ld);
    else col2im_gather<2>(col, x, g, ld);
}

}  // namespace pdg
