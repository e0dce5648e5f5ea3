// Batched matrix multiply on top of the GEMM ladder. The backward is two more
// bmm calls with transposes (pydeepgen/ops/linalg.py): dA = dC @ op(B)^T,
// dB = op(A)^T @ dC, so no separate backward kernel is needed.
// Kernels overwrite their outputs; only autograd accumulates gradients.
#include "cpu/matmul.h"

#include <algorithm>

#include "core/parallel.h"
#include "cpu/gemm/gemm.h"

namespace pdg {

void bmm_forward(Buffer& out, const Buffer& a, const Buffer& bm, int64_t batch, int64_t M,
                 int64_t N, int64_t K, bool trans_a, bool trans_b, int64_t a_offset,
                 int64_t a_batch_stride, int64_t b_offset, int64_t b_batch_stride,
                 const std::string& variant) {
    const char* op = "matmul";
    check_cpu(op, out); check_cpu(op, a); check_cpu(op, bm);
    check_same_dtype(op, a, bm);
    PDG_CHECK(batch >= 0 && M >= 0 && N >= 0 && K >= 0, op, ": negative size");
    check_buffer(op, "out", out, batch * M * N, a.dtype());
    auto check_span = [&](const Buffer& x, const char* name, int64_t off, int64_t bs, int64_t rows,
                          int64_t cols) {
        if (batch == 0 || rows * cols == 0) return;
        const int64_t last = off + (batch - 1) * bs + rows * cols;
        PDG_CHECK(off >= 0 && bs >= 0 && last <= x.numel(), op, ": operand ", name, " (", batch,
                  " x ", rows, " x ", cols, ") does not fit its buffer of ", x.numel(), " elements");
    };
    check_span(a, "a", a_offset, a_batch_stride, M, K);
    check_span(bm, "b", b_offset, b_batch_stride, K, N);
    PDG_DISPATCH_FLOATING(a.dtype(), op, [&] {
        const scalar_t* A = a.data<scalar_t>() + a_offset;
        const scalar_t* B = bm.data<scalar_t>() + b_offset;
        scalar_t* C = out.data<scalar_t>();
        const int64_t lda = trans_a ? M : K, ldb = trans_b ? K : N;
        const GemmFn<scalar_t> fn = gemm_function<scalar_t>(variant);
        auto one = [&](int64_t i) {
            fn(trans_a, trans_b, M, N, K, scalar_t(1), A + i * a_batch_stride, lda,
               B + i * b_batch_stride, ldb, scalar_t(0), C + i * M * N, N);
        };
        // Many small products: one thread per group of matrices (each gemm
        // then runs single-threaded). Large ones: gemm threads internally.
        const double flops = 2.0 * double(M) * double(N) * double(K);
        if (batch > 1 && flops < 4.0e6) {
            const int64_t grain = std::max<int64_t>(1, int64_t(1.0e6 / std::max(flops, 1.0)));
            parallel_for(batch, grain, [&](int64_t b0, int64_t b1) {
                for (int64_t i = b0; i < b1; ++i) one(i);
            });
        } else {
            for (int64_t i = 0; i < batch; ++i) one(i);
        }
    });
}

void gemm_buffers(Buffer& c, const Buffer& a, const Buffer& b, int64_t M, int64_t N, int64_t K,
                  bool trans_a, bool trans_b, double alpha, double beta, int64_t lda, int64_t ldb,
                  int64_t ldc, const std::string& variant) {
    const char* op = "gemm";
    check_cpu(op, c); check_cpu(op, a); check_cpu(op, b);
    check_same_dtype(op, a, b);
    check_same_dtype(op, a, c);
    PDG_CHECK(M >= 0 && N >= 0 && K >= 0, op, ": negative size (M=", M, ", N=", N, ", K=", K, ")");
    const int64_t a_rows = trans_a ? K : M, a_cols = trans_a ? M : K;
    const int64_t b_rows = trans_b ? N : K, b_cols = trans_b ? K : N;
    if (lda < 0) lda = std::max<int64_t>(a_cols, 1);
    if (ldb < 0) ldb = std::max<int64_t>(b_cols, 1);
    if (ldc < 0) ldc = std::max<int64_t>(N, 1);
    auto check_mat = [&](const Buffer& x, const char* name, int64_t rows, int64_t cols,
                         int64_t ld) {
        PDG_CHECK(ld >= cols, op, ": leading dimension of ", name, " (", ld,
                  ") is smaller than its width ", cols, " (", rows, " x ", cols, ")");
        const int64_t need = rows * cols == 0 ? 0 : (rows - 1) * ld + cols;
        PDG_CHECK(x.numel() >= need, op, ": ", name, " (", rows, " x ", cols, ", ld ", ld,
                  ") needs ", need, " elements, its buffer has ", x.numel());
    };
    check_mat(a, "a", a_rows, a_cols, lda);
    check_mat(b, "b", b_rows, b_cols, ldb);
    check_mat(c, "c", M, N, ldc);
    PDG_DISPATCH_FLOATING(a.dtype(), op, [&] {
        gemm<scalar_t>(trans_a, trans_b, M, N, K, scalar_t(alpha), a.data<scalar_t>(), lda,
                       b.data<scalar_t>(), ldb, scalar_t(beta), c.data<scalar_t>(), ldc, variant);
    });
}

}  // namespace pdg
