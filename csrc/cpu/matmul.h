#pragma once
#include <string>
#include "core/buffer.h"

namespace pdg {

// bmm_forward: out[b] = op(a[b]) @ op(bm[b]) for b in [0, batch), via gemm.
// Args:
//   out              contiguous (batch, M, N); overwritten
//   a                batch of M x K (or K x M when trans_a) matrices; matrix b
//                    starts at a_offset + b * a_batch_stride (0 broadcasts)
//   bm               batch of K x N (or N x K when trans_b); likewise
//   variant          gemm rung name, "" for the current choice
void bmm_forward(Buffer& out, const Buffer& a, const Buffer& bm, int64_t batch, int64_t M,
                 int64_t N, int64_t K, bool trans_a, bool trans_b, int64_t a_offset,
                 int64_t a_batch_stride, int64_t b_offset, int64_t b_batch_stride,
                 const std::string& variant);

}  // namespace pdg
