#pragma once
#include <cstdint>
#include <vector>
#include "core/buffer.h"

namespace pdg {

// Advanced indexing kernels. Python (pydeepgen/ops/indexing.py) reduces every
// integer-array / boolean-mask index to this picture: the indexed tensor is a
// contiguous (O, S_0 * ... * S_{m-1}, I) block, and m int64 index buffers of K
// elements each (already broadcast to one shape) pick K rows of the middle axis:
//
//     row(k) = sum_j wrap(idx_j[k], S_j) * (S_{j+1} * ... * S_{m-1})
//
// where wrap maps a negative index i to i + S_j. Every index is checked against
// its size before memory is touched: out of range raises IndexError naming the
// index, the indexed dimension (`dims[j]`, the user's dim) and its size.

// index_gather_forward: out[o, k, i] = inp[o, row(k), i].
// Args:
//   out      contiguous (O, K, I), inp's dtype; overwritten
//   inp      contiguous (O, prod(sizes), I), any dtype
//   idx      m int64 buffers of K elements
//   sizes    S_0..S_{m-1}; dims: the user-visible dim of each (for messages)
void index_gather_forward(Buffer& out, const Buffer& inp, const std::vector<Buffer>& idx,
                          int64_t O, const std::vector<int64_t>& sizes, int64_t I, int64_t K,
                          const std::vector<int64_t>& dims);

// index_gather_backward: dinp = 0; dinp[o, row(k), i] += dout[o, k, i].
// (A scatter-add / index_add: repeated indices accumulate.)
// Args:
//   dinp     contiguous (O, prod(sizes), I), float; overwritten (zeroed first)
//   dout     contiguous (O, K, I), dinp's dtype
void index_gather_backward(Buffer& dinp, const Buffer& dout, const std::vector<Buffer>& idx,
                           int64_t O, const std::vector<int64_t>& sizes, int64_t I, int64_t K,
                           const std::vector<int64_t>& dims);

// index_put: out[o, row(k), i] = values[o, k, i]  (or += when accumulate).
// An in-place write into an existing tensor (__setitem__ / index_put_): only
// the selected rows of `out` change. With repeated indices and
// accumulate=false the last write wins (serial loop, deterministic).
// Args:
//   out      contiguous (O, prod(sizes), I); written in place
//   values   contiguous (O, K, I), out's dtype
void index_put(Buffer& out, const Buffer& values, const std::vector<Buffer>& idx, int64_t O,
               const std::vector<int64_t>& sizes, int64_t I, int64_t K,
               const std::vector<int64_t>& dims, bool accumulate);

// gather_forward: out[o, k, i] = inp[o, idx[o, k, i], i]   (torch.gather)
// Args:
//   out      contiguous (O, K, I), inp's dtype; overwritten
//   inp      contiguous (O, R, I)
//   idx      contiguous int64 (O, K, I), each in [-R, R) (negative wraps)
void gather_forward(Buffer& out, const Buffer& inp, const Buffer& idx, int64_t O, int64_t R,
                    int64_t I, int64_t K);

// gather_backward: dinp = 0; dinp[o, idx[o,k,i], i] += dout[o, k, i].
// Args: dinp contiguous (O, R, I) float, overwritten; dout (O, K, I).
void gather_backward(Buffer& dinp, const Buffer& dout, const Buffer& idx, int64_t O, int64_t R,
                     int64_t I, int64_t K);

// scatter_forward: out[o, idx[o,k,i], i] = src[o, k, i]  (or += when accumulate).
// In place into `out`, which Python has filled with a copy of the input
// (torch.scatter / scatter_add). Last write wins for repeated indices.
// Args:
//   out      contiguous (O, R, I); written in place
//   src      contiguous (O, K, I), out's dtype
//   idx      contiguous int64 (O, K, I)
void scatter_forward(Buffer& out, const Buffer& src, const Buffer& idx, int64_t O, int64_t R,
                     int64_t I, int64_t K, bool accumulate);

// scatter_backward: the gradients of out = scatter(inp, idx, src) (accumulate
// false) or scatter_add (accumulate true).
// Args (each optional, overwritten):
//   dinp     (O, R, I): dout, with the scattered-to positions zeroed unless
//            accumulate (scatter_add passes dout through unchanged)
//   dsrc     (O, K, I): dout[o, idx[o,k,i], i]
void scatter_backward(Buffer* dinp, Buffer* dsrc, const Buffer& dout, const Buffer& idx,
                      int64_t O, int64_t R, int64_t I, int64_t K, bool accumulate);

// nonzero_count: number of nonzero elements of a contiguous buffer (any dtype).
int64_t nonzero_count(const Buffer& inp);

// nonzero_forward: the multi-indices of the nonzero elements, in row-major order.
// Args:
//   out      contiguous int64 (N, ndim), N = nonzero_count(inp); overwritten
//   inp      contiguous over `shape`, any dtype
void nonzero_forward(Buffer& out, const Buffer& inp, const std::vector<int64_t>& shape);

}  // namespace pdg
