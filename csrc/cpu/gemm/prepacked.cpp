// pack_b / gemm_prepacked (prepacked.h): the choice between a rung's packing
// hook and the plain fallback, plus the checked entry point for tests.
//
// Kernels overwrite their outputs; only autograd accumulates gradients.
#include "cpu/gemm/prepacked.h"

#include <algorithm>
#include <type_traits>

#include "core/buffer.h"
#include "core/cpu_features.h"
#include "core/error.h"

namespace pdg {

template <class T>
PackedB<T> pack_b(bool trans_b, int64_t K, int64_t N, const T* B, int64_t ldb, int64_t m_hint,
                  const std::string& variant) {
    PackedB<T> out;
    out.K = K;
    out.N = N;
    const GemmFn<T> fn = gemm_function<T>(variant);  // validates the name
#if PDG_X86_SIMD
    if constexpr (std::is_same_v<T, float>) {
        // gemm_function only returns a rung the CPU supports (and the cap allows).
        PackedPanelsF32 p{nullptr, nullptr};
        if (fn == &avx512::gemm_04_packed_avx512<float>)
            p = avx512::gemm_04_pack_b_f32(trans_b, K, N, B, ldb, m_hint);
        else if (fn == &avx2::gemm_03_packed_avx2<float>)
            p = avx2::gemm_03_pack_b_f32(trans_b, K, N, B, ldb, m_hint);
        if (p.data) {
            out.data.reset(p.data);
            out.run = p.run;
            return out;
        }
    }
#endif
    out.trans_b = trans_b;
    out.B = B;
    out.ldb = ldb;
    out.fn = fn;
    return out;
}

template <class T>
void gemm_prepacked(bool trans_a, int64_t M, T alpha, const T* A, int64_t lda,
                    const PackedB<T>& Bp, T beta, T* C, int64_t ldc) {
    if (Bp.run)
        Bp.run(trans_a, M, Bp.N, Bp.K, alpha, A, lda, Bp.data.get(), beta, C, ldc);
    else
        Bp.fn(trans_a, Bp.trans_b, M, Bp.N, Bp.K, alpha, A, lda, Bp.B, Bp.ldb, beta, C, ldc);
}

void gemm_prepacked_buffers(Buffer& c, const Buffer& a, const Buffer& b, int64_t M, int64_t N,
                            int64_t K, bool trans_a, bool trans_b, double alpha, double beta,
                            int64_t lda, int64_t ldb, int64_t ldc, int64_t repeat,
                            const std::string& variant) {
    const char* op = "gemm_prepacked";
    check_cpu(op, c); check_cpu(op, a); check_cpu(op, b);
    check_same_dtype(op, a, b);
    check_same_dtype(op, a, c);
    PDG_CHECK(M >= 0 && N >= 0 && K >= 0, op, ": negative size (M=", M, ", N=", N, ", K=", K, ")");
    PDG_CHECK(repeat >= 1, op, ": repeat must be >= 1, got ", repeat);
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
        using S = scalar_t;
        const PackedB<S> bp = pack_b<S>(trans_b, K, N, b.data<S>(), ldb, M, variant);
        for (int64_t r = 0; r < repeat; ++r)
            gemm_prepacked<S>(trans_a, M, S(alpha), a.data<S>(), lda, bp, S(beta),
                              c.data<S>(), ldc);
    });
}

template PackedB<float> pack_b<float>(bool, int64_t, int64_t, const float*, int64_t, int64_t,
                                      const std::string&);
template PackedB<double> pack_b<double>(bool, int64_t, int64_t, const double*, int64_t, int64_t,
                                        const std::string&);
template void gemm_prepacked<float>(bool, int64_t, float, const float*, int64_t,
                                    const PackedB<float>&, float, float*, int64_t);
template void gemm_prepacked<double>(bool, int64_t, double, const double*, int64_t,
                                     const PackedB<double>&, double, double*, int64_t);

}  // namespace pdg
