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

#include "core/buffer.h"
#include "core/parallel.h"
#include "cpu/gemm/packed.h"
#include "cpu/gemm/zmm_traits_avx512.h"

namespace pdg::avx512 {
namespace {

// Bits [0, n) of a 16-lane mask; branch-free (clamps compile to cmov): in the
// panel packing the clamps flip with kw and the run, and branches mispredicted.
inline uint32_t low_bits(int64_t n) {
    const int64_t c = std::min<int64_t>(16, std::max<int64_t>(0, n));
    return (1u << c) - 1u;
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

// One output row (at most 16 values) reads, over all KW taps, at most 32
// consecutive input floats: S*(OW-1) + dw*(KW-1) <= 31 (DCGAN d2: 26 + 2,
// LeNet c2: 7 + 4, UNet 14x14: 13 + 2).
inline bool span_fits(const ConvGeom& g) {
    return g.KW <= 16 && g.OW <= 16 && g.sw * (g.OW - 1) + g.dw * (g.KW - 1) <= 31;
}

// Lane l of tap kw reads span element S*l + kw*dw.
inline void tap_indices(__m512i* idx, int64_t KW, int64_t S, int64_t dw) {
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (int64_t kw = 0; kw < KW; ++kw)
        idx[kw] = _mm512_add_epi32(_mm512_mullo_epi32(lane, _mm512_set1_epi32(int(S))),
                                   _mm512_set1_epi32(int(kw * dw)));
}

// im2col when span_fits(g): the 32-float input span of one output row is loaded
// once (columns outside [0, W) masked to zero, so padding needs no per-tap masks)
// and each kw tap's row segment is one permute of it: KW-fold fewer loads than
// im2col_rows. A row whose 16-wide store stays inside this image's OH*OW block
// stores full width (the spill past OW is overwritten by the following rows);
// the last rows store masked.
template <int S>
void im2col_span(const float* x, float* col, const ConvGeom& g, int64_t ld) {
    const __m512 zero = _mm512_setzero_ps();
    const int64_t HW = g.H * g.W, KW = g.KW, OW = g.OW;
    const int64_t col0 = -g.pw;  // span element e is input column col0 + e
    const __mmask16 mlo = __mmask16(low_bits(g.W - col0) & ~low_bits(-col0));
    const __mmask16 mhi = __mmask16(low_bits(g.W - col0 - 16) & ~low_bits(-col0 - 16));
    const __mmask16 st = __mmask16(low_bits(OW));
    __m512i idx[16];
    tap_indices(idx, KW, S, g.dw);
    for (int64_t c = 0; c < g.Cg(); ++c)
        for (int64_t kh = 0; kh < g.KH; ++kh) {
            float* rows = col + (c * g.KH + kh) * KW * ld;
            for (int64_t oh = 0; oh < g.OH; ++oh) {
                const int64_t ih = oh * g.sh - g.ph + kh * g.dh;
                __m512 lo = zero, hi = zero;
                if (ih >= 0 && ih < g.H) {
                    const float* sp = x + c * HW + ih * g.W + col0;
                    lo = _mm512_maskz_loadu_ps(mlo, sp);
                    if (mhi) hi = _mm512_maskz_loadu_ps(mhi, sp + 16);
                }
                float* dst = rows + oh * OW;
                if (oh * OW + 16 <= g.OH * OW) {  // the spill stays in this image's rows
                    for (int64_t kw = 0; kw < KW; ++kw)
                        _mm512_storeu_ps(dst + kw * ld, _mm512_permutex2var_ps(lo, idx[kw], hi));
                } else {
                    for (int64_t kw = 0; kw < KW; ++kw)
                        _mm512_mask_storeu_ps(dst + kw * ld, st, _mm512_permutex2var_ps(lo, idx[kw], hi));
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
    if (span_fits(g)) {
        if (g.sw == 1) im2col_span<1>(x, col, g, ld);
        else im2col_span<2>(x, col, g, ld);
        return;
    }
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

// ------------------------------------------------------------ implicit-GEMM forward
namespace {

// GEMM rung 04's 6 x 64 register tile (cache blocks unused here: the driver below
// runs the micro-kernel over the whole depth K).
using Kern = RegKernel<Zmm32, 6, 4, 48, 512, 1024>;
constexpr int64_t kMR = Kern::MR, kNR = Kern::NR;
constexpr int64_t kMaxPanelKW = 16;  // wider kernels take rung 04's im2col path

// A run of one panel's columns: output row oh of image n, columns [ow_s, ow_s + len),
// at panel column d.
struct Run {
    int64_t n, oh, ow_s, len, d;
};

// The runs of flat output columns [j0, j0 + cols) (column j = n * P + oh * OW + ow).
int64_t panel_runs(const ConvGeom& g, int64_t j0, int64_t cols, Run* runs) {
    const int64_t P = g.P();
    int64_t nr = 0;
    for (int64_t d = 0; d < cols;) {
        const int64_t j = j0 + d, n = j / P, p = j % P, oh = p / g.OW, ow = p % g.OW;
        const int64_t len = std::min(g.OW - ow, cols - d);
        runs[nr++] = Run{n, oh, ow, len, d};
        d += len;
    }
    return nr;
}

// Pack the K x kNR B panel of flat output columns [j0, j0 + cols) straight from x
// (what im2col + pack_b would produce), zero past `cols`.
template <int S>
void pack_panel(const float* x, float* bp, const ConvGeom& g, int64_t grp, const Run* runs,
                int64_t nruns, int64_t cols, const int64_t* ow0, const int64_t* ow1) {
    const __m512 zero = _mm512_setzero_ps();
    const int64_t HW = g.H * g.W, Cg = g.Cg(), KH = g.KH, KW = g.KW, H = g.H, W = g.W;
    // Per run: x at (image n, channel 0 of the group, input row ih0 = oh*sh - ph,
    // column 0), so the inner loops only add offsets (no divisions or products of
    // the geometry per (k row, run)).
    const float* base[kNR];
    int64_t ih0[kNR];
    int64_t m0[kNR + 1];  // run r's lane masks start at masks[m0[r] * KW]: one per (16-block, kw)
    m0[0] = 0;
    for (int64_t r = 0; r < nruns; ++r) {
        ih0[r] = runs[r].oh * g.sh - g.ph;
        base[r] = x + (runs[r].n * g.C + grp * Cg) * HW + ih0[r] * W;
        m0[r + 1] = m0[r] + (runs[r].len + 15) / 16;
    }
    // Lanes of each 16-block that read an input pixel, per kw: computed once per panel,
    // not once per (k row, run).
    __mmask16 masks[(kNR + 15) / 16 * kMaxPanelKW + kNR * kMaxPanelKW];
    for (int64_t r = 0; r < nruns; ++r)
        for (int64_t o = 0, blk = m0[r]; o < runs[r].len; o += 16, ++blk) {
            const int64_t ow = runs[r].ow_s + o;
            for (int64_t kw = 0; kw < KW; ++kw)
                masks[blk * KW + kw] = __mmask16(low_bits(runs[r].len - o) & low_bits(ow1[kw] - ow) &
                                                 ~low_bits(ow0[kw] - ow));
        }
    for (int64_t c = 0; c < Cg; ++c)
        for (int64_t kh = 0; kh < KH; ++kh) {
            const int64_t dih = kh * g.dh;
            const int64_t coff = c * HW + dih * W;
            for (int64_t kw = 0; kw < KW; ++kw) {
                float* row = bp + ((c * KH + kh) * KW + kw) * kNR;
                const int64_t off = coff + kw * g.dw - g.pw;
                for (int64_t r = 0; r < nruns; ++r) {
                    const Run& u = runs[r];
                    float* dst = row + u.d;
                    const int64_t ih = ih0[r] + dih;
                    if (ih < 0 || ih >= H) {
                        for (int64_t o = 0; o < u.len; o += 16) _mm512_storeu_ps(dst + o, zero);
                        continue;
                    }
                    const float* xr = base[r] + off;
                    const __mmask16* mk = masks + m0[r] * KW + kw;
                    for (int64_t o = 0; o < u.len; o += 16, mk += KW) {
                        const int64_t ow = u.ow_s + o;
                        const __mmask16 vm = *mk;
                        __m512 v;
                        if constexpr (S == 1) {
                            v = _mm512_maskz_loadu_ps(vm, xr + ow);
                        } else {
                            const float* p = xr + 2 * ow;
                            const __m512 lo = _mm512_maskz_loadu_ps(spread8(vm), p);
                            const __m512 hi = _mm512_maskz_loadu_ps(spread8(uint32_t(vm) >> 8), p + 16);
                            v = _mm512_permutex2var_ps(lo, even_lanes(), hi);
                        }
                        // Full-width store: lanes past the run are garbage that the next
                        // run (or row) overwrites; masked 512-bit stores are slow on Zen 4.
                        _mm512_storeu_ps(dst + o, v);
                    }
                }
                for (int64_t d = cols; d < kNR; d += 16) _mm512_storeu_ps(row + d, zero);
            }
        }
}

// Fast variant of pack_panel when every run is at most 16 columns and one 32-float
// input span per (run, c, kh) covers all KW taps: S*(OW-1) + dw*(KW-1) <= 31 (DCGAN d2:
// 26 + 2, LeNet c2: 7 + 4). The span is loaded once with its out-of-image columns
// masked to zero (so padding needs no per-tap masks) and each kw tap is one permute of
// it: KW-fold fewer loads than pack_panel, no mask table.
inline bool span_packable(const ConvGeom& g) { return span_fits(g); }

template <int S>
void pack_panel_span(const float* x, float* bp, const ConvGeom& g, int64_t grp, const Run* runs,
                     int64_t nruns, int64_t cols) {
    const __m512 zero = _mm512_setzero_ps();
    const int64_t HW = g.H * g.W, Cg = g.Cg(), KH = g.KH, KW = g.KW, H = g.H, W = g.W;
    const float* base[kNR];
    int64_t ih0[kNR];
    __mmask16 mlo[kNR], mhi[kNR];
    for (int64_t r = 0; r < nruns; ++r) {
        // span element e is input column S*ow_s - pw + e
        const int64_t col0 = S * runs[r].ow_s - g.pw;
        ih0[r] = runs[r].oh * g.sh - g.ph;
        base[r] = x + (runs[r].n * g.C + grp * Cg) * HW + ih0[r] * W + col0;
        const int64_t lo = -col0, hi = W - col0;  // valid e in [lo, hi)
        mlo[r] = __mmask16(low_bits(hi) & ~low_bits(lo));
        mhi[r] = __mmask16(low_bits(hi - 16) & ~low_bits(lo - 16));
    }
    __m512i idx[kMaxPanelKW];
    tap_indices(idx, KW, S, g.dw);
    for (int64_t c = 0; c < Cg; ++c)
        for (int64_t kh = 0; kh < KH; ++kh) {
            const int64_t dih = kh * g.dh;
            const int64_t coff = c * HW + dih * W;
            float* rows = bp + (c * KH + kh) * KW * kNR;
            for (int64_t r = 0; r < nruns; ++r) {
                const Run& u = runs[r];
                // Full-width stores write garbage past the run, overwritten by the next
                // run of the same row; a run ending within 16 of the row end would spill
                // into the next tap's row (already written), so it stores masked.
                const bool tail = u.d + 16 > kNR;
                const __mmask16 st = __mmask16(low_bits(u.len));
                const int64_t ih = ih0[r] + dih;
                __m512 lo = zero, hi = zero;
                if (ih >= 0 && ih < H) {
                    const float* sp = base[r] + coff;
                    lo = _mm512_maskz_loadu_ps(mlo[r], sp);
                    if (mhi[r]) hi = _mm512_maskz_loadu_ps(mhi[r], sp + 16);
                }
                for (int64_t kw = 0; kw < KW; ++kw) {
                    const __m512 v = _mm512_permutex2var_ps(lo, idx[kw], hi);
                    float* dst = rows + kw * kNR + u.d;
                    if (tail) _mm512_mask_storeu_ps(dst, st, v);
                    else _mm512_storeu_ps(dst, v);
                }
            }
            for (int64_t kw = 0; kw < KW; ++kw)  // last panel: zero columns (masked: no spill)
                for (int64_t d = cols; d < kNR; d += 16)
                    _mm512_mask_storeu_ps(rows + kw * kNR + d, __mmask16(low_bits(kNR - d)), zero);
        }
}

template <int S>
void forward_implicit(float* out, const float* x, const float* w, const float* bias,
                      const ConvGeom& g) {
    const int64_t K = g.K(), OCg = g.OCg(), P = g.P();
    const int64_t mpan = (OCg + kMR - 1) / kMR;  // 6-row panels of the weight
    const int64_t NP = g.N * P, npanels = (NP + kNR - 1) / kNR;
    const int nt = int(std::max<int64_t>(1, std::min<int64_t>(get_num_threads(), npanels)));
    const int64_t a_elems = mpan * kMR * K, b_elems = K * kNR, c_elems = mpan * kMR * kNR;
    // Allocated here, outside any parallel region (a throw inside one would terminate).
    Buffer abuf = Buffer::empty(a_elems, DType::Float32);
    Buffer ws = Buffer::empty(int64_t(nt) * (b_elems + c_elems + 32), DType::Float32);
    std::vector<int64_t> ow0(size_t(g.KW)), ow1(size_t(g.KW));
    for (int64_t kw = 0; kw < g.KW; ++kw) valid_cols(kw * g.dw - g.pw, g.W, S, g.OW, ow0[kw], ow1[kw]);
    float* apack = abuf.data<float>();
    const bool span = span_packable(g);
    for (int64_t grp = 0; grp < g.G; ++grp) {
        pack_a<float, kMR>(false, w + grp * OCg * K, K, 0, 0, OCg, K, apack);
        parallel_for(nt, 1, [&](int64_t t0, int64_t t1) {
            for (int64_t t = t0; t < t1; ++t) {
                float* bp = ws.data<float>() + t * (b_elems + c_elems + 32);
                bp += (16 - (reinterpret_cast<uintptr_t>(bp) / sizeof(float)) % 16) % 16;  // 64-byte aligned
                float* ct = bp + b_elems + 16;  // 16 floats of slack: full-vector stores may overrun the last row
                const int64_t per = (npanels + nt - 1) / nt;
                const int64_t q0 = t * per, q1 = std::min(npanels, q0 + per);
                Run runs[kNR];
                for (int64_t q = q0; q < q1; ++q) {
                    const int64_t j0 = q * kNR, cols = std::min(kNR, NP - j0);
                    const int64_t nruns = panel_runs(g, j0, cols, runs);
                    if (span)
                        pack_panel_span<S>(x, bp, g, grp, runs, nruns, cols);
                    else
                        pack_panel<S>(x, bp, g, grp, runs, nruns, cols, ow0.data(), ow1.data());
                    for (int64_t i = 0; i < mpan; ++i)
                        Kern::full(K, apack + i * kMR * K, bp, ct + i * kMR * kNR, kNR, 1.0f, 0.0f);
                    // Scatter the (OCg x cols) tile into NCHW, adding the bias. Runs of one
                    // image on consecutive output rows are contiguous in out.
                    for (int64_t r = 0; r < nruns;) {
                        int64_t e = r + 1;
                        while (e < nruns && runs[e].n == runs[r].n) ++e;
                        const Run& u = runs[r];
                        const int64_t len = runs[e - 1].d + runs[e - 1].len - u.d;
                        const int64_t p0 = u.oh * g.OW + u.ow_s;
                        for (int64_t oc = 0; oc < OCg; ++oc) {
                            const float* src = ct + oc * kNR + u.d;
                            float* dst = out + (u.n * g.OC + grp * OCg + oc) * P + p0;
                            const __m512 bv = _mm512_set1_ps(bias ? bias[grp * OCg + oc] : 0.0f);
                            for (int64_t o = 0; o < len; o += 16) {
                                const __mmask16 m = __mmask16(low_bits(len - o));
                                _mm512_mask_storeu_ps(dst + o, m,
                                                      _mm512_add_ps(_mm512_maskz_loadu_ps(m, src + o), bv));
                            }
                        }
                        r = e;
                    }
                }
            }
        });
    }
}

}  // namespace

bool conv_implicit_f32_supported(const ConvGeom& g) {
    // K >= 16: with a shorter depth (DCGAN d1, K = 9) the tile's round trip through
    // the staging block costs more than the im2col it saves (measured 0.52 -> 0.63 ms).
    return (g.sw == 1 || g.sw == 2) && g.KW <= kMaxPanelKW && g.K() >= 16 && g.K() <= 4096 &&
           g.OCg() <= 1024;
}

void conv2d_forward_implicit_f32_avx512(float* out, const float* x, const float* w,
                                        const float* bias, const ConvGeom& g) {
    if (g.N == 0) return;
    if (g.sw == 1) forward_implicit<1>(out, x, w, bias, g);
    else forward_implicit<2>(out, x, w, bias, g);
}

}  // namespace pdg::avx512
