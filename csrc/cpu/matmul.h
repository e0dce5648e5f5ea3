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

// gemm_buffers: one GEMM on flat buffers with every argument checked, so
// tests and benchmarks can drive a single rung with any transpose, leading
// dimension, alpha and beta.
// Args:
//   c        M x N matrix with row stride ldc (>= N); written (read if beta != 0)
//   a        op(A) M x K: stored M x K (lda >= K) or, trans_a, K x M (lda >= M)
//   b        op(B) K x N: stored K x N (ldb >= N) or, trans_b, N x K (ldb >= K)
//   lda, ldb, ldc   -1 for the tight value
//   variant  gemm rung name, "" for the current choice
void gemm_buffers(Buffer& c, const Buffer& a, const Buffer& b, int64_t M, int64_t N, int64_t K,
                  bool trans_a, bool trans_b, double alpha, double beta, int64_t lda, int64_t ldb,
                  int64_t ldc, const std::string& variant);

}  // namespace pdg
