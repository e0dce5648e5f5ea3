// Rung 03: BLIS-style packing plus an AVX2/FMA register-blocked micro-kernel.
// What it adds over 02: op(A) and op(B) are copied into contiguous, zero-
// padded panels (transposes and leading dims vanish), and a 6 x 16 float
// tile of C (12 ymm accumulators) stays in registers for the whole k loop;
// OpenMP splits C between cores. The driver lives in packed.h.
// Preconditions: cpu_has_avx2_fma() (gemm.cpp checks before calling).
// Speed: 100-104 GFLOP/s at 512-2048, 1 thread, quiet Zen 4 (~4x rung 02, 88%
// of peak; on Zen 4 a ymm FMA pair matches one zmm FMA, so this ties rung 04).
// Kernels overwrite their outputs (C = alpha*op(A)op(B) + beta*C, beta == 0
// never reads C); only autograd accumulates gradients.
#include <immintrin.h>

#include "cpu/gemm/gemm.h"
#include "cpu/gemm/packed.h"
#include "cpu/gemm/prepacked.h"

namespace pdg::avx2 {
namespace {

struct Ymm32 {
    using T = float;
    using V = __m256;
    static constexpr int W = 8;
    static V load(const T* p) { return _mm256_load_ps(p); }
    static V loadu(const T* p) { return _mm256_loadu_ps(p); }
    static void storeu(T* p, V v) { _mm256_storeu_ps(p, v); }
    static V set1(T x) { return _mm256_set1_ps(x); }
    static V zero() { return _mm256_setzero_ps(); }
    static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
    static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
};

struct Ymm64 {
    using T = double;
    using V = __m256d;
    static constexpr int W = 4;
    static V load(const T* p) { return _mm256_load_pd(p); }
    static V loadu(const T* p) { return _mm256_loadu_pd(p); }
    static void storeu(T* p, V v) { _mm256_storeu_pd(p, v); }
    static V set1(T x) { return _mm256_set1_pd(x); }
    static V zero() { return _mm256_setzero_pd(); }
    static V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
    static V mul(V a, V b) { return _mm256_mul_pd(a, b); }
};

// 16 ymm registers: 12 accumulators + 2 B vectors + 1 broadcast.
using KernF32 = RegKernel<Ymm32, 6, 2, 48, 512, 1024>;
using KernF64 = RegKernel<Ymm64, 6, 2, 48, 256, 1024>;
// Narrow C (N <= 8, e.g. a 10-class layer's tail): a 12 x 8 tile wastes less.
using KernF32N8 = RegKernel<Ymm32, 12, 1, 48, 512, 1024>;
using KernF64N4 = RegKernel<Ymm64, 12, 1, 48, 256, 1024>;

}  // namespace

template <class T>
void gemm_03_packed_avx2(bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
                         int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
    if constexpr (std::is_same_v<T, float>) {
        if (N <= 8)
            gemm_packed<KernF32N8>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        else
            gemm_packed<KernF32>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    } else {
        if (N <= 4)
            gemm_packed<KernF64N4>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        else
            gemm_packed<KernF64>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    }
}

template void gemm_03_packed_avx2<float>(bool, bool, int64_t, int64_t, int64_t, float,
                                         const float*, int64_t, const float*, int64_t, float,
                                         float*, int64_t);
template void gemm_03_packed_avx2<double>(bool, bool, int64_t, int64_t, int64_t, double,
                                          const double*, int64_t, const double*, int64_t, double,
                                          double*, int64_t);


namespace {
template <class Kern>
PackedPanelsF32 pack_b_with(bool trans_b, int64_t K, int64_t N, const float* B, int64_t ldb) {
    const size_t bytes = sizeof(float) * size_t(std::max<int64_t>(packed_b_elems<Kern>(K, N), 16));
    float* p = static_cast<float*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64));
    if (!p) throw std::bad_alloc();
    pack_b_all<Kern>(trans_b, K, N, B, ldb, p);
    return {p, gemm_prepacked_run<Kern>};
}
}  // namespace

// Pre-packed B (prepacked.h): the tile gemm_03_packed_avx2 would pick.
PackedPanelsF32 gemm_03_pack_b_f32(bool trans_b, int64_t K, int64_t N, const float* B,
                                   int64_t ldb, int64_t /*m_hint*/) {
    if (N <= 8) return pack_b_with<KernF32N8>(trans_b, K, N, B, ldb);
    return pack_b_with<KernF32>(trans_b, K, N, B, ldb);
}

}  // namespace pdg::avx2
