// Rung 01: the naive triple loop, C[i][j] = sum_p op(A)[i][p] * op(B)[p][j].
// What it is for: the reference. Obvious loops, one accumulator per output,
// no blocking, no threads. Every faster rung is tested against it.
// Speed: 0.3-0.6 GFLOP/s at 256-512 on the Zen 4 test machine (peak 116 per
// core): a column walk down B and one dependent add chain per output.
// Kernels overwrite their outputs; only autograd accumulates gradients.
#include "cpu/gemm/gemm.h"

namespace pdg {

template <class T>
void gemm_01_naive(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha,
                   const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
    for (int64_t i = 0; i < M; ++i) {
        for (int64_t j = 0; j < N; ++j) {
            T acc = 0;
            for (int64_t p = 0; p < K; ++p) {
                const T a = trans_a ? A[p * lda + i] : A[i * lda + p];
                const T b = trans_b ? B[j * ldb + p] : B[p * ldb + j];
                acc += a * b;
            }
            T* c = &C[i * ldc + j];
            *c = (beta == T(0)) ? alpha * acc : alpha * acc + beta * *c;
        }
    }
}

template void gemm_01_naive<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*,
                                   int64_t, const float*, int64_t, float, float*, int64_t);
template void gemm_01_naive<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*,
                                    int64_t, const double*, int64_t, double, double*, int64_t);

}  // namespace pdg
