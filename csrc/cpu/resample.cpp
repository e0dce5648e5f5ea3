// Nearest upsampling and constant padding (see resample.h).
//
// Kernels overwrite their outputs; only autograd accumulates gradients.
#include "cpu/resample.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/dtype.h"
#include "core/parallel.h"

namespace pdg {
namespace {

// Source row/column of every output row/column (PyTorch computes in float).
std::vector<int64_t> nearest_map(int64_t O, int64_t I, double scale) {
    std::vector<int64_t> m(size_t(std::max<int64_t>(O, 0)));
    const float s = float(scale);
    for (int64_t o = 0; o < O; ++o)
        m[size_t(o)] = std::min(int64_t(std::floor(float(o) * s)), I - 1);
    return m;
}

int64_t plane_grain(int64_t elems) {
    return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(elems, 1));
}

void check_up(const char* op, int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW,
              double sh, double sw) {
    PDG_CHECK(NC >= 0 && H >= 1 && W >= 1 && OH >= 1 && OW >= 1, op, ": bad sizes: input ", H,
              "x", W, ", output ", OH, "x", OW);
    PDG_CHECK(sh > 0 && sw > 0 && std::isfinite(sh) && std::isfinite(sw), op,
              ": scales must be positive, got (", sh, ", ", sw, ")");
}

struct PadGeom {
    int64_t B, D[3], O[3], lo[3];
};

PadGeom pad_geom(const char* op, int64_t B, const std::vector<int64_t>& in_dims,
                 const std::vector<int64_t>& before, const std::vector<int64_t>& after) {
    PDG_CHECK(in_dims.size() == 3 && before.size() == 3 && after.size() == 3, op,
              ": expected 3 dims and 3 pads per side");
    PadGeom g;
    g.B = B;
    PDG_CHECK(B >= 0, op, ": negative batch ", B);
    for (int i = 0; i < 3; ++i) {
        g.D[i] = in_dims[size_t(i)];
        g.lo[i] = before[size_t(i)];
        g.O[i] = g.D[i] + before[size_t(i)] + after[size_t(i)];
        PDG_CHECK(g.D[i] >= 0 && g.O[i] >= 0, op, ": padding ", shape_str(before), " / ",
                  shape_str(after), " of input dims ", shape_str(in_dims),
                  " gives a negative output size");
    }
    return g;
}

}  // namespace

void upsample_nearest2d_forward(Buffer& out, const Buffer& inp, int64_t NC, int64_t H, int64_t W,
                                int64_t OH, int64_t OW, double scale_h, double scale_w) {
    const char* op = "interpolate";
    check_up(op, NC, H, W, OH, OW, scale_h, scale_w);
    check_cpu(op, inp);
    check_buffer(op, "input", inp, NC * H * W);
    check_buffer(op, "out", out, NC * OH * OW, inp.dtype());
    const auto mh = nearest_map(OH, H, scale_h), mw = nearest_map(OW, W, scale_w);
    PDG_DISPATCH_FLOATING(inp.dtype(), op, [&] {
        using T = scalar_t;
        const T* x = inp.data<T>();
        T* o = out.data<T>();
        parallel_for(NC, plane_grain(OH * OW), [&](int64_t b, int64_t e) {
            for (int64_t p = b; p < e; ++p)
                for (int64_t oh = 0; oh < OH; ++oh) {
                    const T* xr = x + (p * H + mh[size_t(oh)]) * W;
                    T* orow = o + (p * OH + oh) * OW;
                    for (int64_t ow = 0; ow < OW; ++ow) orow[ow] = xr[mw[size_t(ow)]];
                }
        });
    });
}

void upsample_nearest2d_backward(Buffer& dinp, const Buffer& dout, int64_t NC, int64_t H,
                                 int64_t W, int64_t OH, int64_t OW, double scale_h,
                                 double scale_w) {
    const char* op = "interpolate_backward";
    check_up(op, NC, H, W, OH, OW, scale_h, scale_w);
    check_cpu(op, dout);
    check_buffer(op, "dout", dout, NC * OH * OW);
    check_buffer(op, "dinp", dinp, NC * H * W, dout.dtype());
    const auto mh = nearest_map(OH, H, scale_h), mw = nearest_map(OW, W, scale_w);
    PDG_DISPATCH_FLOATING(dout.dtype(), op, [&] {
        using T = scalar_t;
        T* dx = dinp.data<T>();
        const T* dy = dout.data<T>();
        parallel_for(NC, plane_grain(OH * OW), [&](int64_t b, int64_t e) {
            for (int64_t p = b; p < e; ++p) {
                std::fill(dx + p * H * W, dx + (p + 1) * H * W, T(0));
                for (int64_t oh = 0; oh < OH; ++oh) {
                    T* xr = dx + (p * H + mh[size_t(oh)]) * W;
                    const T* yr = dy + (p * OH + oh) * OW;
                    for (int64_t ow = 0; ow < OW; ++ow) xr[mw[size_t(ow)]] += yr[ow];
                }
            }
        });
    });
}

void pad_constant_forward(Buffer& out, const Buffer& inp, int64_t B,
                          const std::vector<int64_t>& in_dims, const std::vector<int64_t>& before,
                          const std::vector<int64_t>& after, double value) {
    const char* op = "pad";
    const PadGeom g = pad_geom(op, B, in_dims, before, after);
    check_cpu(op, inp);
    check_buffer(op, "input", inp, B * g.D[0] * g.D[1] * g.D[2]);
    check_buffer(op, "out", out, B * g.O[0] * g.O[1] * g.O[2], inp.dtype());
    PDG_DISPATCH_ALL(inp.dtype(), op, [&] {
        using T = scalar_t;
        const T* x = inp.data<T>();
        T* o = out.data<T>();
        const T v = T(value);
        const int64_t rows = B * g.O[0] * g.O[1];
        parallel_for(rows, plane_grain(g.O[2]), [&](int64_t rb, int64_t re) {
            for (int64_t r = rb; r < re; ++r) {
                const int64_t o1 = r % g.O[1], o0 = (r / g.O[1]) % g.O[0], b = r / (g.O[1] * g.O[0]);
                const int64_t i0 = o0 - g.lo[0], i1 = o1 - g.lo[1];
                T* orow = o + r * g.O[2];
                if (i0 < 0 || i0 >= g.D[0] || i1 < 0 || i1 >= g.D[1]) {
                    std::fill(orow, orow + g.O[2], v);
                    continue;
                }
                const T* xrow = x + ((b * g.D[0] + i0) * g.D[1] + i1) * g.D[2];
                for (int64_t o2 = 0; o2 < g.O[2]; ++o2) {
                    const int64_t i2 = o2 - g.lo[2];
                    orow[o2] = (i2 >= 0 && i2 < g.D[2]) ? xrow[i2] : v;
                }
            }
        });
    });
}

void pad_constant_backward(Buffer& dinp, const Buffer& dout, int64_t B,
                           const std::vector<int64_t>& in_dims, const std::vector<int64_t>& before,
                           const std::vector<int64_t>& after) {
    const char* op = "pad_backward";
    const PadGeom g = pad_geom(op, B, in_dims, before, after);
    check_cpu(op, dout);
    check_buffer(op, "dout", dout, B * g.O[0] * g.O[1] * g.O[2]);
    check_buffer(op, "dinp", dinp, B * g.D[0] * g.D[1] * g.D[2], dout.dtype());
    PDG_DISPATCH_FLOATING(dout.dtype(), op, [&] {
        using T = scalar_t;
        T* dx = dinp.data<T>();
        const T* dy = dout.data<T>();
        const int64_t rows = B * g.D[0] * g.D[1];
        parallel_for(rows, plane_grain(g.D[2]), [&](int64_t rb, int64_t re) {
            for (int64_t r = rb; r < re; ++r) {
                const int64_t i1 = r % g.D[1], i0 = (r / g.D[1]) % g.D[0], b = r / (g.D[1] * g.D[0]);
                const int64_t o0 = i0 + g.lo[0], o1 = i1 + g.lo[1];
                T* xrow = dx + r * g.D[2];
                if (o0 < 0 || o0 >= g.O[0] || o1 < 0 || o1 >= g.O[1]) {
                    std::fill(xrow, xrow + g.D[2], T(0));
                    continue;
                }
                const T* yrow = dy + ((b * g.O[0] + o0) * g.O[1] + o1) * g.O[2];
                for (int64_t i2 = 0; i2 < g.D[2]; ++i2) {
                    const int64_t o2 = i2 + g.lo[2];
                    xrow[i2] = (o2 >= 0 && o2 < g.O[2]) ? yrow[o2] : T(0);
                }
            }
        });
    });
}

}  // namespace pdg
