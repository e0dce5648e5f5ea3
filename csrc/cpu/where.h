#pragma once
#include <optional>
#include <vector>
#include "core/buffer.h"

namespace pdg {

// where_forward: out = cond ? a : b, broadcasting all three.
// Args:
//   out        contiguous over `shape`, a's dtype; overwritten
//   cond       bool; a, b: one dtype (Python promotes first)
//   shape      the broadcast shape
//   *_strides  element strides of each operand over `shape` (0 on broadcast
//   *_offset   dims) and the offset of its first element
void where_forward(Buffer& out, const Buffer& cond, const Buffer& a, const Buffer& b,
                   const std::vector<int64_t>& shape, const std::vector<int64_t>& cond_strides,
                   int64_t cond_offset, const std::vector<int64_t>& a_strides, int64_t a_offset,
                   const std::vector<int64_t>& b_strides, int64_t b_offset);

// where_backward: da = cond ? dout : 0, db = cond ? 0 : dout (before Python
// sums them down to a's and b's shapes).
// Args:
//   da, db     optional, contiguous over `shape`, float; overwritten
//   dout       contiguous over `shape`
//   cond       bool, strided over `shape` as in the forward
void where_backward(std::optional<Buffer> da, std::optional<Buffer> db, const Buffer& dout,
                    const Buffer& cond, const std::vector<int64_t>& shape,
                    const std::vector<int64_t>& cond_strides, int64_t cond_offset);

}  // namespace pdg
