// Rung 02: cache blocking and a good loop order, in plain C++ (baseline SSE2).
// What it adds over 01: C is computed in MB x NB blocks over KB slices of K so
// the working set stays in cache; the inner loop is "i-k-j" (an axpy along a
// row of C), unit-stride and auto-vectorised, 4 rows at a time to reuse each
// B load. A KB x NB tile of op(B) is first copied to a contiguous buffer, so
// NN/NT/TN/TT all run the same inner loop. OpenMP splits C's rows.
// Preconditions: none (any CPU, float and double).
// Speed: ~26 GFLOP/s at 512-1024, 1 thread, quiet Zen 4 (40x rung 01; 22% of
// the 116 GFLOP/s peak: 4-wide SSE2 and C reloaded for every k).
// Kernels overwrite their outputs; only autograd accumulates gradients.
#include <algorithm>

#include "core/parallel.h"
#include "cpu/gemm/gemm.h"

namespace pdg {
namespace {

// The op(B) tile lives on the stack: 128 x 128 doubles = 128 KiB at most.
constexpr int64_t kMB = 64, kNB = 128, kKB = 128;

}  // namespace

template <class T>
void gemm_02_blocked(bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
                     int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
    if (M <= 0 || N <= 0) return;
    // op(A)[i, p] = A[i * a_rs + p * a_cs]; op(B)[p, j] = B[p * b_rs + j * b_cs].
    const int64_t a_rs = ta ? 1 : lda, a_cs = ta ? lda : 1;
    const int64_t b_rs = tb ? 1 : ldb, b_cs = tb ? ldb : 1;
    const int64_t mblocks = (M + kMB - 1) / kMB;
    const int64_t grain = std::max<int64_t>(1, 2000000 / std::max<int64_t>(1, kMB * N * K));

    parallel_for(mblocks, grain, [&](int64_t blk0, int64_t blk1) {
        alignas(64) T btile[kKB * kNB];
        for (int64_t i0 = blk0 * kMB; i0 < std::min(M, blk1 * kMB); i0 += kMB) {
            const int64_t i1 = std::min(M, i0 + kMB);
            // beta first: the blocks below only accumulate. beta == 0 never reads C.
            for (int64_t i = i0; i < i1; ++i) {
                T* c = C + i * ldc;
                if (beta == T(0)) std::fill(c, c + N, T(0));
                else if (beta != T(1)) for (int64_t j = 0; j < N; ++j) c[j] *= beta;
            }
            if (K <= 0 || alpha == T(0)) continue;
            for (int64_t j0 = 0; j0 < N; j0 += kNB) {
                const int64_t nb = std::min(kNB, N - j0);
                for (int64_t p0 = 0; p0 < K; p0 += kKB) {
                    const int64_t kb = std::min(kKB, K - p0);
                    for (int64_t p = 0; p < kb; ++p)
                        for (int64_t j = 0; j < nb; ++j)
                            btile[p * nb + j] = B[(p0 + p) * b_rs + (j0 + j) * b_cs];
                    int64_t i = i0;
                    for (; i + 4 <= i1; i += 4) {
                        T* c0 = C + i * ldc + j0;
                        T* c1 = c0 + ldc;
                        T* c2 = c1 + ldc;
                        T* c3 = c2 + ldc;
                        for (int64_t p = 0; p < kb; ++p) {
                            const T* a = A + i * a_rs + (p0 + p) * a_cs;
                            const T x0 = alpha * a[0], x1 = alpha * a[a_rs];
                            const T x2 = alpha * a[2 * a_rs], x3 = alpha * a[3 * a_rs];
                            const T* b = btile + p * nb;
                            for (int64_t j = 0; j < nb; ++j) {
                                c0[j] += x0 * b[j];
                                c1[j] += x1 * b[j];
                                c2[j] += x2 * b[j];
                                c3[j] += x3 * b[j];
                            }
                        }
                    }
                    for (; i < i1; ++i) {
                        T* c0 = C + i * ldc + j0;
                        for (int64_t p = 0; p < kb; ++p) {
                            const T x0 = alpha * A[i * a_rs + (p0 + p) * a_cs];
                            const T* b = btile + p * nb;
                            for (int64_t j = 0; j < nb; ++j) c0[j] += x0 * b[j];
                        }
                    }
                }
            }
        }
    });
}

template void gemm_02_blocked<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*,
                                     int64_t, const float*, int64_t, float, float*, int64_t);
template void gemm_02_blocked<double>(bool, bool, int64_t, int64_t, int64_t, double,
                                      const double*, int64_t, const double*, int64_t, double,
                                      double*, int64_t);

}  // namespace pdg
