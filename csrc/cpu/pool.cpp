// 2-D pooling kernels (see pool.h for the window conventions).
//
// Kernels overwrite their outputs; only autograd accumulates gradients.
//
// These are direct loops, parallel over the NC planes: pooling does O(1)
// work per byte, so the loop order (one plane at a time, output row by
// output row, staying in L1) matters more than SIMD. They serve as their own
// reference: there is no faster rung to compare against.
#include "cpu/pool.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/dtype.h"
#include "core/parallel.h"

namespace pdg {
namespace {

// Planes per parallel chunk so that a chunk is at least ~32k elements of work.
int64_t plane_grain(int64_t plane_elems) {
    return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(plane_elems, 1));
}

void check_window(const char* op, int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW,
                  int64_t KH, int64_t KW, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                  int64_t dh, int64_t dw) {
    PDG_CHECK(NC >= 0 && H >= 1 && W >= 1 && OH >= 0 && OW >= 0, op, ": bad sizes: input planes ",
              NC, " of ", H, "x", W, ", output ", OH, "x", OW);
    PDG_CHECK(KH >= 1 && KW >= 1, op, ": kernel_size must be positive, got (", KH, ", ", KW, ")");
    PDG_CHECK(sh >= 1 && sw >= 1, op, ": stride must be positive, got (", sh, ", ", sw, ")");
    PDG_CHECK(dh >= 1 && dw >= 1, op, ": dilation must be positive, got (", dh, ", ", dw, ")");
    PDG_CHECK(ph >= 0 && pw >= 0 && 2 * ph <= KH && 2 * pw <= KW, op,
              ": padding (", ph, ", ", pw, ") must be non-negative and at most half the kernel (",
              KH, ", ", KW, ")");
    // Every window must start inside the input or its left/top padding.
    PDG_CHECK(OH == 0 || (OH - 1) * sh - ph < H, op, ": output height ", OH,
              " puts a window past the input (height ", H, ")");
    PDG_CHECK(OW == 0 || (OW - 1) * sw - pw < W, op, ": output width ", OW,
              " puts a window past the input (width ", W, ")");
}

template <class T>
void maxpool_fwd(T* out, int64_t* idx, const T* x, int64_t NC, int64_t H, int64_t W, int64_t OH,
                 int64_t OW, int64_t KH, int64_t KW, int64_t sh, int64_t sw, int64_t ph,
                 int64_t pw, int64_t dh, int64_t dw) {
    parallel_for(NC, plane_grain(H * W), [&](int64_t b, int64_t e) {
        for (int64_t p = b; p < e; ++p) {
            const T* xp = x + p * H * W;
            T* op = out + p * OH * OW;
            int64_t* ip = idx + p * OH * OW;
            for (int64_t oh = 0; oh < OH; ++oh) {
                int64_t h0 = oh * sh - ph;
                const int64_t h1 = std::min(h0 + (KH - 1) * dh + 1, H);
                while (h0 < 0) h0 += dh;
                for (int64_t ow = 0; ow < OW; ++ow) {
                    int64_t w0 = ow * sw - pw;
                    const int64_t w1 = std::min(w0 + (KW - 1) * dw + 1, W);
                    while (w0 < 0) w0 += dw;
                    T best = -std::numeric_limits<T>::infinity();
                    int64_t arg = h0 * W + w0;
                    for (int64_t ih = h0; ih < h1; ih += dh) {
                        for (int64_t iw = w0; iw < w1; iw += dw) {
                            const T v = xp[ih * W + iw];
                            if (v > best || std::isnan(v)) {
                                best = v;
                                arg = ih * W + iw;
                                if (std::isnan(v)) goto done;
                            }
                        }
                    }
                done:
                    op[oh * OW + ow] = best;
                    ip[oh * OW + ow] = arg;
                }
            }
        }
    });
}

// [start, end) of adaptive window o of n over a size-L axis.
inline int64_t astart(int64_t o, int64_t L, int64_t n) { return (o * L) / n; }
inline int64_t aend(int64_t o, int64_t L, int64_t n) { return ((o + 1) * L + n - 1) / n; }

// Calls f(plane, oh, ow, h0, h1, w0, w1, divisor) for every avg-pool window.
template <class F>
void avg_windows(int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW, int64_t KH,
                 int64_t KW, int64_t sh, int64_t sw, int64_t ph, int64_t pw, bool include_pad,
                 int64_t div_override, const F& f) {
    parallel_for(NC, plane_grain(H * W), [&](int64_t b, int64_t e) {
        for (int64_t p = b; p < e; ++p)
            for (int64_t oh = 0; oh < OH; ++oh) {
                int64_t h0 = oh * sh - ph;
                int64_t h1 = std::min(h0 + KH, H + ph);
                const int64_t padh = h1 - h0;
                h0 = std::max<int64_t>(h0, 0);
                h1 = std::min(h1, H);
                for (int64_t ow = 0; ow < OW; ++ow) {
                    int64_t w0 = ow * sw - pw;
                    int64_t w1 = std::min(w0 + KW, W + pw);
                    const int64_t padw = w1 - w0;
                    w0 = std::max<int64_t>(w0, 0);
                    w1 = std::min(w1, W);
                    int64_t div = div_override > 0 ? div_override
                                  : include_pad   ? padh * padw
                                                  : (h1 - h0) * (w1 - w0);
                    f(p, oh, ow, h0, h1, w0, w1, div);
                }
            }
    });
}

}  // namespace

void maxpool2d_forward(Buffer& out, Buffer& indices, const Buffer& inp, int64_t NC, int64_t H,
                       int64_t W, int64_t OH, int64_t OW, int64_t KH, int64_t KW, int64_t sh,
                       int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw) {
    const char* op = "max_pool2d";
    check_window(op, NC, H, W, OH, OW, KH, KW, sh, sw, ph, pw, dh, dw);
    check_cpu(op, inp);
    check_buffer(op, "input", inp, NC * H * W);
    check_buffer(op, "out", out, NC * OH * OW, inp.dtype());
    check_buffer(op, "indices", indices, NC * OH * OW, DType::Int64);
    PDG_DISPATCH_FLOATING(inp.dtype(), op, [&] {
        maxpool_fwd<scalar_t>(out.data<scalar_t>(), indices.data<int64_t>(), inp.data<scalar_t>(),
                              NC, H, W, OH, OW, KH, KW, sh, sw, ph, pw, dh, dw);
    });
}

void maxpool2d_backward(Buffer& dinp, const Buffer& dout, const Buffer& indices, int64_t NC,
                        int64_t H, int64_t W, int64_t OH, int64_t OW) {
    const char* op = "max_pool2d_backward";
    PDG_CHECK(NC >= 0 && H >= 0 && W >= 0 && OH >= 0 && OW >= 0, op, ": negative size");
    check_cpu(op, dout);
    check_buffer(op, "dout", dout, NC * OH * OW);
    check_buffer(op, "dinp", dinp, NC * H * W, dout.dtype());
    check_buffer(op, "indices", indices, NC * OH * OW, DType::Int64);
    const int64_t* ix = indices.data<int64_t>();
    const int64_t HW = H * W, n = NC * OH * OW;
    for (int64_t i = 0; i < n; ++i)
        PDG_CHECK_INDEX(ix[i] >= 0 && ix[i] < HW, op, ": index ", ix[i], " out of range for a ", H,
                        "x", W, " plane");
    PDG_DISPATCH_FLOATING(dout.dtype(), op, [&] {
        using T = scalar_t;
        T* dx = dinp.data<T>();
        const T* dy = dout.data<T>();
        parallel_for(NC, plane_grain(HW), [&](int64_t b, int64_t e) {
            for (int64_t p = b; p < e; ++p) {
                T* dxp = dx + p * HW;
                std::fill(dxp, dxp + HW, T(0));
                const T* dyp = dy + p * OH * OW;
                const int64_t* ip = ix + p * OH * OW;
                for (int64_t j = 0; j < OH * OW; ++j) dxp[ip[j]] += dyp[j];
            }
        });
    });
}

void avgpool2d_forward(Buffer& out, const Buffer& inp, int64_t NC, int64_t H, int64_t W,
                       int64_t OH, int64_t OW, int64_t KH, int64_t KW, int64_t sh, int64_t sw,
                       int64_t ph, int64_t pw, bool count_include_pad, int64_t divisor_override) {
    const char* op = "avg_pool2d";
    check_window(op, NC, H, W, OH, OW, KH, KW, sh, sw, ph, pw, 1, 1);
    check_cpu(op, inp);
    check_buffer(op, "input", inp, NC * H * W);
    check_buffer(op, "out", out, NC * OH * OW, inp.dtype());
    PDG_DISPATCH_FLOATING(inp.dtype(), op, [&] {
        using T = scalar_t;
        const T* x = inp.data<T>();
        T* o = out.data<T>();
        avg_windows(NC, H, W, OH, OW, KH, KW, sh, sw, ph, pw, count_include_pad, divisor_override,
                    [&](int64_t p, int64_t oh, int64_t ow, int64_t h0, int64_t h1, int64_t w0,
                        int64_t w1, int64_t div) {
                        const T* xp = x + p * H * W;
                        T s = 0;
                        for (int64_t ih = h0; ih < h1; ++ih)
                            for (int64_t iw = w0; iw < w1; ++iw) s += xp[ih * W + iw];
                        o[(p * OH + oh) * OW + ow] = s / T(div);
                    });
    });
}

void avgpool2d_backward(Buffer& dinp, const Buffer& dout, int64_t NC, int64_t H, int64_t W,
                        int64_t OH, int64_t OW, int64_t KH, int64_t KW, int64_t sh, int64_t sw,
                        int64_t ph, int64_t pw, bool count_include_pad, int64_t divisor_override) {
    const char* op = "avg_pool2d_backward";
    check_window(op, NC, H, W, OH, OW, KH, KW, sh, sw, ph, pw, 1, 1);
    check_cpu(op, dout);
    check_buffer(op, "dout", dout, NC * OH * OW);
    check_buffer(op, "dinp", dinp, NC * H * W, dout.dtype());
    PDG_DISPATCH_FLOATING(dout.dtype(), op, [&] {
        using T = scalar_t;
        T* dx = dinp.data<T>();
        const T* dy = dout.data<T>();
        // Zero per plane inside the same parallel split as the scatter below.
        parallel_for(NC, plane_grain(H * W), [&](int64_t b, int64_t e) {
            std::fill(dx + b * H * W, dx + e * H * W, T(0));
        });
        avg_windows(NC, H, W, OH, OW, KH, KW, sh, sw, ph, pw, count_include_pad, divisor_override,
                    [&](int64_t p, int64_t oh, int64_t ow, int64_t h0, int64_t h1, int64_t w0,
                        int64_t w1, int64_t div) {
                        T* dxp = dx + p * H * W;
                        const T g = dy[(p * OH + oh) * OW + ow] / T(div);
                        for (int64_t ih = h0; ih < h1; ++ih)
                            for (int64_t iw = w0; iw < w1; ++iw) dxp[ih * W + iw] += g;
                    });
    });
}

void adaptive_avgpool2d_forward(Buffer& out, const Buffer& inp, int64_t NC, int64_t H, int64_t W,
                                int64_t OH, int64_t OW) {
    const char* op = "adaptive_avg_pool2d";
    PDG_CHECK(NC >= 0 && H >= 1 && W >= 1 && OH >= 1 && OW >= 1, op, ": bad sizes: input ", H,
              "x", W, ", output ", OH, "x", OW);
    check_cpu(op, inp);
    check_buffer(op, "input", inp, NC * H * W);
    check_buffer(op, "out", out, NC * OH * OW, inp.dtype());
    PDG_DISPATCH_FLOATING(inp.dtype(), op, [&] {
        using T = scalar_t;
        const T* x = inp.data<T>();
        T* o = out.data<T>();
        parallel_for(NC, plane_grain(H * W), [&](int64_t b, int64_t e) {
            for (int64_t p = b; p < e; ++p)
                for (int64_t oh = 0; oh < OH; ++oh) {
                    const int64_t h0 = astart(oh, H, OH), h1 = aend(oh, H, OH);
                    for (int64_t ow = 0; ow < OW; ++ow) {
                        const int64_t w0 = astart(ow, W, OW), w1 = aend(ow, W, OW);
                        T s = 0;
                        for (int64_t ih = h0; ih < h1; ++ih)
                            for (int64_t iw = w0; iw < w1; ++iw) s += x[(p * H + ih) * W + iw];
                        o[(p * OH + oh) * OW + ow] = s / T((h1 - h0) * (w1 - w0));
                    }
                }
        });
    });
}

void adaptive_avgpool2d_backward(Buffer& dinp, const Buffer& dout, int64_t NC, int64_t H,
                                 int64_t W, int64_t OH, int64_t OW) {
    const char* op = "adaptive_avg_pool2d_backward";
    PDG_CHECK(NC >= 0 && H >= 1 && W >= 1 && OH >= 1 && OW >= 1, op, ": bad sizes: input ", H,
              "x", W, ", output ", OH, "x", OW);
    check_cpu(op, dout);
    check_buffer(op, "dout", dout, NC * OH * OW);
    check_buffer(op, "dinp", dinp, NC * H * W, dout.dtype());
    PDG_DISPATCH_FLOATING(dout.dtype(), op, [&] {
        using T = scalar_t;
        T* dx = dinp.data<T>();
        const T* dy = dout.data<T>();
        parallel_for(NC, plane_grain(H * W), [&](int64_t b, int64_t e) {
            for (int64_t p = b; p < e; ++p) {
                T* dxp = dx + p * H * W;
                std::fill(dxp, dxp + H * W, T(0));
                for (int64_t oh = 0; oh < OH; ++oh) {
                    const int64_t h0 = astart(oh, H, OH), h1 = aend(oh, H, OH);
                    for (int64_t ow = 0; ow < OW; ++ow) {
                        const int64_t w0 = astart(ow, W, OW), w1 = aend(ow, W, OW);
                        const T g = dy[(p * OH + oh) * OW + ow] / T((h1 - h0) * (w1 - w0));
                        for (int64_t ih = h0; ih < h1; ++ih)
                            for (int64_t iw = w0; iw < w1; ++iw) dxp[ih * W + iw] += g;
                    }
                }
            }
        });
    });
}

void adaptive_maxpool2d_forward(Buffer& out, Buffer& indices, const Buffer& inp, int64_t NC,
                                int64_t H, int64_t W, int64_t OH, int64_t OW) {
    const char* op = "adaptive_max_pool2d";
    PDG_CHECK(NC >= 0 && H >= 1 && W >= 1 && OH >= 1 && OW >= 1, op, ": bad sizes: input ", H,
              "x", W, ", output ", OH, "x", OW);
    check_cpu(op, inp);
    check_buffer(op, "input", inp, NC * H * W);
    check_buffer(op, "out", out, NC * OH * OW, inp.dtype());
    check_buffer(op, "indices", indices, NC * OH * OW, DType::Int64);
    PDG_DISPATCH_FLOATING(inp.dtype(), op, [&] {
        using T = scalar_t;
        const T* x = inp.data<T>();
        T* o = out.data<T>();
        int64_t* ix = indices.data<int64_t>();
        parallel_for(NC, plane_grain(H * W), [&](int64_t b, int64_t e) {
            for (int64_t p = b; p < e; ++p)
                for (int64_t oh = 0; oh < OH; ++oh) {
                    const int64_t h0 = astart(oh, H, OH), h1 = aend(oh, H, OH);
                    for (int64_t ow = 0; ow < OW; ++ow) {
                        const int64_t w0 = astart(ow, W, OW), w1 = aend(ow, W, OW);
                        T best = -std::numeric_limits<T>::infinity();
                        int64_t arg = h0 * W + w0;
                        for (int64_t ih = h0; ih < h1; ++ih)
                            for (int64_t iw = w0; iw < w1; ++iw) {
                                const T v = x[(p * H + ih) * W + iw];
                                if (v > best || (std::isnan(v) && !std::isnan(best))) {
                                    best = v;
                                    arg = ih * W + iw;
                                }
                            }
                        o[(p * OH + oh) * OW + ow] = best;
                        ix[(p * OH + oh) * OW + ow] = arg;
                    }
                }
        });
    });
}

}  // namespace pdg
