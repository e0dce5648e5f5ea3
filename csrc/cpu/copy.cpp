// Strided copy, cast and fill: the only kernels that walk arbitrary strides
// (contiguous(), .to(dtype), __setitem__, cat). Kernels overwrite their outputs.
#include "cpu/copy.h"

#include <cstring>

#include "core/strided.h"

namespace pdg {

void check_view(const char* op, const Buffer& b, const std::vector<int64_t>& shape,
                const std::vector<int64_t>& strides, int64_t offset) {
    PDG_CHECK(shape.size() == strides.size(), op, ": ", shape.size(), "-d shape with ",
              strides.size(), " strides");
    int64_t lo = offset, hi = offset;
    for (size_t d = 0; d < shape.size(); ++d) {
        PDG_CHECK(shape[d] >= 0, op, ": negative dimension in shape ", shape_str(shape));
        if (shape[d] == 0) return;  // empty view touches nothing
        const int64_t span = (shape[d] - 1) * strides[d];
        if (span < 0) lo += span; else hi += span;
    }
    if (lo < 0 || hi >= b.numel())
        throw IndexError(str(op, ": view with shape ", shape_str(shape), ", strides ",
                             shape_str(strides), " and offset ", offset,
                             " reaches outside a buffer of ", b.numel(), " elements"));
}

template <class D, class S>
static inline D cast_value(S v) {
    if constexpr (std::is_same_v<D, bool>) return v != S(0);
    else return static_cast<D>(v);
}

void copy_strided(Buffer& dst, const std::vector<int64_t>& shape,
                  const std::vector<int64_t>& dst_strides, int64_t dst_offset, const Buffer& src,
                  const std::vector<int64_t>& src_strides, int64_t src_offset) {
    check_cpu("copy", dst);
    check_cpu("copy", src);
    check_view("copy (destination)", dst, shape, dst_strides, dst_offset);
    check_view("copy (source)", src, shape, src_strides, src_offset);
    auto plan = make_strided_plan<2>(shape, {dst_strides, src_strides});
    PDG_DISPATCH_ALL(dst.dtype(), "copy", [&] {
        using D = scalar_t;
        D* d = dst.data<D>() + dst_offset;
        PDG_DISPATCH_ALL(src.dtype(), "copy", [&] {
            using S = scalar_t;
            const S* s = src.data<S>() + src_offset;
            for_each_row<2>(plan, [&](const std::array<int64_t, 2>& off, int64_t n,
                                      const std::array<int64_t, 2>& st) {
                D* dp = d + off[0];
                const S* sp = s + off[1];
                if constexpr (std::is_same_v<D, S>) {
                    if (st[0] == 1 && st[1] == 1) {
                        std::memcpy(dp, sp, size_t(n) * sizeof(D));
                        return;
                    }
                }
                if (st[0] == 1 && st[1] == 1) {
                    for (int64_t i = 0; i < n; ++i) dp[i] = cast_value<D>(sp[i]);
                } else {
                    for (int64_t i = 0; i < n; ++i) dp[i * st[0]] = cast_value<D>(sp[i * st[1]]);
                }
            });
        });
    });
}

void fill_strided(Buffer& dst, const std::vector<int64_t>& shape,
                  const std::vector<int64_t>& strides, int64_t offset, double value) {
    check_cpu("fill", dst);
    check_view("fill", dst, shape, strides, offset);
    auto plan = make_strided_plan<1>(shape, {strides});
    PDG_DISPATCH_ALL(dst.dtype(), "fill", [&] {
        const scalar_t v = cast_value<scalar_t>(value);
        scalar_t* d = dst.data<scalar_t>() + offset;
        for_each_row<1>(plan, [&](const std::array<int64_t, 1>& off, int64_t n,
                                  const std::array<int64_t, 1>& st) {
            scalar_t* p = d + off[0];
            if (st[0] == 1) {
                for (int64_t i = 0; i < n; ++i) p[i] = v;
            } else {
                for (int64_t i = 0; i < n; ++i) p[i * st[0]] = v;
            }
        });
    });
}

}  // namespace pdg
