// Walking N operands that share one iteration shape but have their own
// element strides (a stride of 0 is a broadcast dimension).
//
// This is the one place general strides are walked: contiguous() copies,
// casts, and broadcasting elementwise ops use it; every other kernel takes
// contiguous buffers. Dimensions that are contiguous for every operand are
// merged first, so a broadcast add over (64, 256) + (256,) is a loop of 64
// rows of 256, and a same-shape op is a single row.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "core/error.h"
#include "core/parallel.h"

namespace pdg {

template <int N>
struct StridedPlan {
    std::vector<int64_t> shape;                      // merged, innermost last
    std::array<std::vector<int64_t>, N> strides;     // per operand, merged
    int64_t numel = 1;
};

template <int N>
StridedPlan<N> make_strided_plan(const std::vector<int64_t>& shape,
                                 const std::array<std::vector<int64_t>, N>& strides) {
    StridedPlan<N> p;
    for (int k = 0; k < N; ++k)
        if (strides[k].size() != shape.size())
            throw ValueError(str("strided loop: operand ", k, " has ", strides[k].size(),
                                 " strides for a ", shape.size(), "-d shape"));
    for (int64_t s : shape) p.numel *= s;
    // Drop size-1 dims, then merge dim d into d+1 when every operand is
    // contiguous across the pair.
    std::vector<int64_t> sh;
    std::array<std::vector<int64_t>, N> st;
    for (size_t d = 0; d < shape.size(); ++d) {
        if (shape[d] == 1) continue;
        sh.push_back(shape[d]);
        for (int k = 0; k < N; ++k) st[k].push_back(strides[k][d]);
    }
    for (size_t d = 0; d < sh.size(); ++d) {
        if (!p.shape.empty()) {
            bool mergeable = true;
            for (int k = 0; k < N; ++k)
                if (p.strides[k].back() != st[k][d] * sh[d]) mergeable = false;
            if (mergeable) {
                p.shape.back() *= sh[d];
                for (int k = 0; k < N; ++k) p.strides[k].back() = st[k][d];
                continue;
            }
        }
        p.shape.push_back(sh[d]);
        for (int k = 0; k < N; ++k) p.strides[k].push_back(st[k][d]);
    }
    if (p.shape.empty()) {
        p.shape.push_back(1);
        for (int k = 0; k < N; ++k) p.strides[k].push_back(0);
    }
    return p;
}

// Calls f(offsets, n, inner_strides) for every innermost row, where offsets[k]
// is operand k's element offset of the row's first element. Rows are split
// across threads when the total work is large.
template <int N, class F>
void for_each_row(const StridedPlan<N>& p, const F& f) {
    if (p.numel == 0) return;
    const int nd = int(p.shape.size());
    const int64_t inner = p.shape[nd - 1];
    const int64_t rows = p.numel / inner;
    std::array<int64_t, N> inner_st;
    for (int k = 0; k < N; ++k) inner_st[k] = p.strides[k][nd - 1];
    const int64_t grain_rows = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(inner, 1));
    parallel_for(rows, grain_rows, [&](int64_t r0, int64_t r1) {
        // multi-index of row r0 over the outer dims
        std::vector<int64_t> idx(nd > 1 ? nd - 1 : 1, 0);
        int64_t rem = r0;
        for (int d = nd - 2; d >= 0; --d) {
            idx[d] = rem % p.shape[d];
            rem /= p.shape[d];
        }
        std::array<int64_t, N> off{};
        for (int k = 0; k < N; ++k)
            for (int d = 0; d < nd - 1; ++d) off[k] += idx[d] * p.strides[k][d];
        for (int64_t r = r0; r < r1; ++r) {
            f(off, inner, inner_st);
            for (int d = nd - 2; d >= 0; --d) {  // odometer increment
                ++idx[d];
                for (int k = 0; k < N; ++k) off[k] += p.strides[k][d];
                if (idx[d] < p.shape[d]) break;
                for (int k = 0; k < N; ++k) off[k] -= p.strides[k][d] * p.shape[d];
                idx[d] = 0;
            }
        }
    });
}

}  // namespace pdg
