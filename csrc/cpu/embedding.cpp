// Embedding (see embedding.h).
//
// Kernels overwrite their outputs; only autograd accumulates gradients.
// The backward is a scatter-add: parallel over column blocks of D, so two
// threads never add into the same element and the summation order (index
// order) is fixed.
#include "cpu/embedding.h"

#include <algorithm>
#include <cstring>

#include "core/dtype.h"
#include "core/parallel.h"

namespace pdg {
namespace {

void check_indices(const char* op, const Buffer& indices, int64_t n, int64_t V) {
    check_cpu(op, indices);
    check_buffer(op, "indices", indices, n, DType::Int64);
    const int64_t* ix = indices.data<int64_t>();
    for (int64_t i = 0; i < n; ++i)
        PDG_CHECK_INDEX(ix[i] >= 0 && ix[i] < V, op, ": index ", ix[i],
                        " out of range for an embedding table of ", V, " rows");
}

}  // namespace

void embedding_forward(Buffer& out, const Buffer& indices, const Buffer& weight, int64_t n,
                       int64_t V, int64_t D) {
    const char* op = "embedding";
    PDG_CHECK(n >= 0 && V >= 0 && D >= 0, op, ": negative size (n, V, D) = ", shape_str({n, V, D}));
    check_cpu(op, weight);
    check_buffer(op, "weight", weight, V * D);
    check_buffer(op, "out", out, n * D, weight.dtype());
    check_indices(op, indices, n, V);
    const int64_t* ix = indices.data<int64_t>();
    const size_t row = size_t(D) * itemsize(weight.dtype());
    const char* w = static_cast<const char*>(weight.raw());
    char* o = static_cast<char*>(out.raw());
    parallel_for(n, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(D, 1)),
                 [&](int64_t b, int64_t e) {
                     for (int64_t i = b; i < e; ++i) std::memcpy(o + i * row, w + ix[i] * row, row);
                 });
}

void embedding_backward(Buffer& dweight, const Buffer& dout, const Buffer& indices, int64_t n,
                        int64_t V, int64_t D, int64_t padding_idx) {
    const char* op = "embedding_backward";
    PDG_CHECK(n >= 0 && V >= 0 && D >= 0, op, ": negative size (n, V, D) = ", shape_str({n, V, D}));
    check_cpu(op, dout);
    check_buffer(op, "dout", dout, n * D);
    check_buffer(op, "dweight", dweight, V * D, dout.dtype());
    check_indices(op, indices, n, V);
    const int64_t* ix = indices.data<int64_t>();
    PDG_DISPATCH_FLOATING(dout.dtype(), op, [&] {
        using T = scalar_t;
        T* dw = dweight.data<T>();
        const T* dy = dout.data<T>();
        std::fill(dw, dw + V * D, T(0));
        constexpr int64_t BLK = 64;
        parallel_for((D + BLK - 1) / BLK, std::max<int64_t>(1, 4096 / std::max<int64_t>(n, 1)),
                     [&](int64_t bb, int64_t be) {
                         const int64_t d0 = bb * BLK, d1 = std::min(D, be * BLK);
                         for (int64_t i = 0; i < n; ++i) {
                             if (ix[i] == padding_idx) continue;
                             T* dst = dw + ix[i] * D;
                             const T* src = dy + i * D;
                             for (int64_t d = d0; d < d1; ++d) dst[d] += src[d];
                         }
                     });
    });
}

}  // namespace pdg
